//! Loading, validating and writing `.trees` files, checked against tskit's own answers.
//!
//! Every fixture in `test/fixtures` is found by listing the directory: adding a fixture (a
//! `NAME.trees` with its `NAME.expected.json.gz`, or a `bad/*.trees` with its entry in
//! `bad/index.json`) needs no new test code.

use std::path::Path;

use serde_json::Value;
use treeseq_core::{ErrorCode, TreeSequence};

mod common;
use common::fixtures_dir;

/// The good fixtures: (name, file bytes, expected JSON).
fn good_fixtures() -> Vec<(String, Vec<u8>, Value)> {
    common::fixture_names()
        .into_iter()
        .map(|name| {
            let bytes = std::fs::read(common::fixture_path(&format!("{name}.trees"))).unwrap();
            let expected = common::expected(&name);
            (name, bytes, expected)
        })
        .collect()
}

fn as_usize(v: &Value) -> usize {
    v.as_u64().expect("a count") as usize
}

#[test]
fn summaries_match_tskit() {
    for (name, bytes, expected) in good_fixtures() {
        let ts = TreeSequence::load(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let s = &expected["summary"];
        let counts = [
            ("num_trees", ts.num_trees()),
            ("num_samples", ts.num_samples()),
            ("num_nodes", ts.num_nodes()),
            ("num_edges", ts.num_edges()),
            ("num_sites", ts.num_sites()),
            ("num_mutations", ts.num_mutations()),
            ("num_individuals", ts.num_individuals()),
            ("num_populations", ts.num_populations()),
            ("num_migrations", ts.num_migrations()),
            ("num_provenances", ts.num_provenances()),
        ];
        for (key, ours) in counts {
            assert_eq!(ours, as_usize(&s[key]), "{name}: {key}");
        }
        assert_eq!(
            ts.sequence_length(),
            s["sequence_length"].as_f64().unwrap(),
            "{name}: sequence_length"
        );
        assert_eq!(
            ts.time_units(),
            s["time_units"].as_str().unwrap(),
            "{name}: time_units"
        );
        let samples: Vec<i32> = s["samples"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap() as i32)
            .collect();
        assert_eq!(ts.samples, samples, "{name}: samples");
        let breakpoints: Vec<f64> = s["breakpoints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(ts.breakpoints, breakpoints, "{name}: breakpoints");
    }
}

#[test]
fn columns_are_views_into_the_file() {
    for (name, bytes, _) in good_fixtures() {
        let ts = TreeSequence::load(&bytes).unwrap();
        let t = &ts.tables;
        assert!(
            t.nodes.time.is_view() && t.edges.left.is_view() && t.sites.position.is_view(),
            "{name}"
        );
        assert!(
            t.mutations.derived_state.data.is_view() && t.edge_insertion_order.is_view(),
            "{name}"
        );
    }
}

/// tskit's error text (its exception message, or the `TSK_ERR_*` name in it) and the codes we
/// answer with. Where tskit lumps several problems under one text, more than one code fits.
const TSKIT_ERRORS: &[(&str, &[ErrorCode])] = &[
    ("End of file", &[ErrorCode::EndOfFile]),
    ("File not in kastore format", &[ErrorCode::FileFormat]),
    (
        "File format version is too new. Please upgrade your kastore",
        &[ErrorCode::KastoreVersionTooNew],
    ),
    ("Unknown data type", &[ErrorCode::FileFormat]),
    // tskit says FILE_FORMAT both for a bad format name and for columns of unequal length.
    ("TSK_ERR_FILE_FORMAT", &[ErrorCode::FileFormat]),
    ("TSK_ERR_FILE_VERSION_TOO_NEW", &[ErrorCode::VersionTooNew]),
    ("TSK_ERR_FILE_VERSION_TOO_OLD", &[ErrorCode::VersionTooOld]),
    (
        "TSK_ERR_REQUIRED_COL_NOT_FOUND",
        &[ErrorCode::RequiredColumn],
    ),
    ("TSK_ERR_BAD_COLUMN_TYPE", &[ErrorCode::BadColumnType]),
    ("TSK_ERR_BAD_OFFSET", &[ErrorCode::BadOffset]),
    ("TSK_ERR_TABLES_NOT_INDEXED", &[ErrorCode::TablesNotIndexed]),
    // Damaged indexes; an edge change can also make the stored indexes disagree with the
    // edges, which tskit reports as bad indexes and we as the edge problem itself.
    (
        "TSK_ERR_TABLES_BAD_INDEXES",
        &[ErrorCode::TablesNotIndexed, ErrorCode::BadEdges],
    ),
    ("TSK_ERR_EDGE_OUT_OF_BOUNDS", &[ErrorCode::TablesNotIndexed]),
    (
        "TSK_ERR_BOTH_COLUMNS_REQUIRED",
        &[ErrorCode::BothColumnsRequired],
    ),
    (
        "TSK_ERR_BAD_SEQUENCE_LENGTH",
        &[ErrorCode::BadSequenceLength],
    ),
    // Edge-table problems: ids, intervals, times, order.
    (
        "TSK_ERR_NODE_OUT_OF_BOUNDS",
        &[
            ErrorCode::BadEdges,
            ErrorCode::BadMutations,
            ErrorCode::BadMigrations,
        ],
    ),
    ("TSK_ERR_BAD_NODE_TIME_ORDERING", &[ErrorCode::BadEdges]),
    (
        "TSK_ERR_BAD_EDGE_INTERVAL",
        &[ErrorCode::BadEdges, ErrorCode::BadMigrations],
    ),
    ("TSK_ERR_EDGES_NOT_SORTED", &[ErrorCode::BadEdges]),
    (
        "TSK_ERR_EDGES_NONCONTIGUOUS_PARENTS",
        &[ErrorCode::BadEdges],
    ),
    ("TSK_ERR_DUPLICATE_EDGES", &[ErrorCode::BadEdges]),
    (
        "TSK_ERR_BAD_EDGES_CONTRADICTORY_CHILDREN",
        &[ErrorCode::BadEdges, ErrorCode::TablesNotIndexed],
    ),
    ("TSK_ERR_NULL_PARENT", &[ErrorCode::BadEdges]),
    ("TSK_ERR_NULL_CHILD", &[ErrorCode::BadEdges]),
    (
        "TSK_ERR_GENOME_COORDS_NONFINITE",
        &[
            ErrorCode::BadEdges,
            ErrorCode::BadSites,
            ErrorCode::BadMigrations,
        ],
    ),
    ("TSK_ERR_UNSORTED_MIGRATIONS", &[ErrorCode::BadMigrations]),
    (
        "TSK_ERR_LEFT_LESS_ZERO",
        &[ErrorCode::BadEdges, ErrorCode::BadMigrations],
    ),
    (
        "TSK_ERR_RIGHT_GREATER_SEQ_LENGTH",
        &[ErrorCode::BadEdges, ErrorCode::BadMigrations],
    ),
    ("TSK_ERR_DUPLICATE_SITE_POSITION", &[ErrorCode::BadSites]),
    ("TSK_ERR_UNSORTED_SITES", &[ErrorCode::BadSites]),
    ("TSK_ERR_BAD_SITE_POSITION", &[ErrorCode::BadSites]),
    ("TSK_ERR_SITE_OUT_OF_BOUNDS", &[ErrorCode::BadMutations]),
    ("TSK_ERR_MUTATION", &[ErrorCode::BadMutations]),
    ("TSK_ERR_UNSORTED_MUTATIONS", &[ErrorCode::BadMutations]),
    (
        "TSK_ERR_POPULATION_OUT_OF_BOUNDS",
        &[ErrorCode::BadNodes, ErrorCode::BadMigrations],
    ),
    (
        "TSK_ERR_INDIVIDUAL_OUT_OF_BOUNDS",
        &[ErrorCode::BadNodes, ErrorCode::BadIndividuals],
    ),
    (
        "TSK_ERR_TIME_NONFINITE",
        &[
            ErrorCode::BadNodes,
            ErrorCode::BadMutations,
            ErrorCode::BadMigrations,
        ],
    ),
];

/// The exceptions tskit's Python layer raises while parsing a table's metadata schema (after
/// its C library has loaded the file): all BAD_METADATA here.
const METADATA_ERRORS: &[&str] = &[
    "MetadataSchemaValidationError",
    "UnicodeDecodeError",
    "KeyError",
];

fn expected_codes(tskit_error: &str, tskit_message: &str) -> &'static [ErrorCode] {
    if METADATA_ERRORS.contains(&tskit_error)
        || tskit_message.contains("Metadata schema is not JSON")
    {
        return &[ErrorCode::BadMetadata];
    }
    TSKIT_ERRORS
        .iter()
        .find(|(text, _)| tskit_message.contains(text))
        .map(|(_, codes)| *codes)
        .unwrap_or_else(|| {
            panic!("no mapping for tskit's error {tskit_message:?}: add one to TSKIT_ERRORS")
        })
}

#[test]
fn bad_files_are_judged_as_tskit_judges_them() {
    let dir = fixtures_dir().join("bad");
    let index: Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let entries = index.as_array().unwrap();
    // Every .trees file in bad/ must have a verdict, so none is silently skipped.
    for f in std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()) {
        let name = f.file_name().into_string().unwrap();
        if name.ends_with(".trees") {
            assert!(
                entries.iter().any(|e| e["file"] == name.as_str()),
                "bad/{name} is not in bad/index.json"
            );
        }
    }
    for entry in entries {
        let file = entry["file"].as_str().unwrap();
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let tskit = &entry["tskit"];
        let result = TreeSequence::load(&bytes);
        // The same verdict when the core reads the file from its path.
        let from_path = TreeSequence::load_path(dir.join(file));
        assert_eq!(
            result.as_ref().err(),
            from_path.as_ref().err(),
            "{file}: load and load_path disagree"
        );
        // A file tskit loads that treeseq refuses on purpose (README: differences from tskit).
        if let Some(ours) = entry.get("treeseq") {
            let code = ours["code"].as_str().unwrap();
            match result {
                Ok(_) => panic!("{file}: listed as refused on purpose ({code}), but it loads"),
                Err(e) => assert_eq!(e.code.as_str(), code, "{file}: {e}"),
            }
            continue;
        }
        if tskit["loads"].as_bool().unwrap() {
            let ts = result.unwrap_or_else(|e| panic!("{file}: tskit loads it, we refuse: {e}"));
            if let Some(n) = tskit.get("num_trees") {
                assert_eq!(ts.num_trees(), as_usize(n), "{file}: num_trees");
            }
        } else {
            let message = tskit["message"].as_str().unwrap();
            let codes = expected_codes(tskit["error"].as_str().unwrap_or(""), message);
            match result {
                Ok(_) => panic!("{file}: tskit refuses it ({message}), we load it"),
                Err(e) => assert!(
                    codes.contains(&e.code),
                    "{file}: tskit says {message:?}; we say {e}, expected one of {codes:?}"
                ),
            }
        }
    }
}

/// Every file that should load: the good fixtures and the `bad/ok_*` ones tskit accepts.
fn loadable_files() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = good_fixtures()
        .into_iter()
        .map(|(n, b, _)| (format!("{n}.trees"), b))
        .collect();
    let bad = fixtures_dir().join("bad");
    let index: Value =
        serde_json::from_slice(&std::fs::read(bad.join("index.json")).unwrap()).unwrap();
    for entry in index.as_array().unwrap() {
        // Not the files treeseq refuses on purpose (they have a `treeseq` verdict).
        if entry["tskit"]["loads"].as_bool() == Some(true) && entry.get("treeseq").is_none() {
            let file = entry["file"].as_str().unwrap();
            files.push((
                format!("bad/{file}"),
                std::fs::read(bad.join(file)).unwrap(),
            ));
        }
    }
    files
}

/// Column contents compared bit for bit (so NaN payloads, e.g. unknown times, count).
fn bits<T: Copy + Into<Bits>>(c: &[T]) -> Vec<u64> {
    c.iter().map(|&x| x.into().0).collect()
}

struct Bits(u64);
impl From<f64> for Bits {
    fn from(x: f64) -> Bits {
        Bits(x.to_bits())
    }
}
impl From<i32> for Bits {
    fn from(x: i32) -> Bits {
        Bits(x as u32 as u64)
    }
}
impl From<u32> for Bits {
    fn from(x: u32) -> Bits {
        Bits(x as u64)
    }
}
impl From<u8> for Bits {
    fn from(x: u8) -> Bits {
        Bits(x as u64)
    }
}

fn ragged_rows<T: treeseq_core::column::Pod + Into<Bits>>(
    r: &treeseq_core::Ragged<T>,
) -> Vec<Vec<u64>> {
    (0..r.num_rows()).map(|i| bits(r.row(i))).collect()
}

fn assert_tables_equal(
    name: &str,
    a: &treeseq_core::TableCollection,
    b: &treeseq_core::TableCollection,
) {
    macro_rules! same {
        ($($f:ident).+) => {
            assert_eq!(bits(&a.$($f).+), bits(&b.$($f).+), "{name}: {}", stringify!($($f).+));
        };
    }
    macro_rules! same_ragged {
        ($($f:ident).+) => {
            assert_eq!(ragged_rows(&a.$($f).+), ragged_rows(&b.$($f).+), "{name}: {}", stringify!($($f).+));
        };
    }
    macro_rules! same_value {
        ($($f:ident).+) => {
            assert_eq!(a.$($f).+, b.$($f).+, "{name}: {}", stringify!($($f).+));
        };
    }
    assert_eq!(
        a.sequence_length.to_bits(),
        b.sequence_length.to_bits(),
        "{name}: sequence_length"
    );
    same_value!(time_units);
    same_value!(metadata);
    same_value!(metadata_schema);
    same!(nodes.flags);
    same!(nodes.time);
    same!(nodes.population);
    same!(nodes.individual);
    same_ragged!(nodes.metadata);
    same_value!(nodes.metadata_schema);
    same!(edges.left);
    same!(edges.right);
    same!(edges.parent);
    same!(edges.child);
    same_ragged!(edges.metadata);
    same_value!(edges.metadata_schema);
    same!(sites.position);
    same_ragged!(sites.ancestral_state);
    same_ragged!(sites.metadata);
    same_value!(sites.metadata_schema);
    same!(mutations.site);
    same!(mutations.node);
    same!(mutations.parent);
    same!(mutations.time);
    same_ragged!(mutations.derived_state);
    same_ragged!(mutations.metadata);
    same_value!(mutations.metadata_schema);
    same!(migrations.left);
    same!(migrations.right);
    same!(migrations.node);
    same!(migrations.source);
    same!(migrations.dest);
    same!(migrations.time);
    same_ragged!(migrations.metadata);
    same_value!(migrations.metadata_schema);
    same!(individuals.flags);
    same_ragged!(individuals.location);
    same_ragged!(individuals.parents);
    same_ragged!(individuals.metadata);
    same_value!(individuals.metadata_schema);
    same_ragged!(populations.metadata);
    same_value!(populations.metadata_schema);
    same_ragged!(provenances.timestamp);
    same_ragged!(provenances.record);
    same!(edge_insertion_order);
    same!(edge_removal_order);
    same_value!(reference_sequence.data);
    same_value!(reference_sequence.url);
    same_value!(reference_sequence.metadata);
    same_value!(reference_sequence.metadata_schema);
}

#[test]
fn load_dump_load_gives_equal_tables() {
    for (name, bytes) in loadable_files() {
        let ts = TreeSequence::load(&bytes).unwrap();
        let dumped = ts.dump();
        let again = TreeSequence::load(&dumped)
            .unwrap_or_else(|e| panic!("{name}: our dump does not load: {e}"));
        assert_tables_equal(&name, &ts.tables, &again.tables);
        assert_eq!(again.tables.format_version, (12, 7), "{name}");
        assert_eq!(again.tables.file_uuid.len(), 36, "{name}");
        assert_ne!(
            again.tables.file_uuid, ts.tables.file_uuid,
            "{name}: a written file gets a new uuid, as in tskit"
        );
    }
}

/// tskit 1.0 writes format 12.7 with the same keys, types and layout, so our dump of one of
/// its files is the same bytes apart from the uuid (which every write renews).
#[test]
fn dump_of_a_tskit_file_is_its_bytes_but_the_uuid() {
    for (name, bytes) in loadable_files() {
        let ts = TreeSequence::load(&bytes).unwrap();
        // Only files laid out as tskit writes them: not those made with keys out of order
        // or repeated (bad/ok_unsorted_keys_found, bad/ok_duplicate_key), which tskit loads
        // but would never write.
        if ts.tables.format_version != (12, 7) || !keys_sorted_and_distinct(&bytes) {
            continue;
        }
        let mut dumped = ts.dump();
        assert_eq!(dumped.len(), bytes.len(), "{name}: size");
        let at = |b: &[u8]| {
            b.windows(36)
                .position(|w| w == ts.tables.file_uuid.as_bytes())
        };
        let pos = at(&bytes).unwrap();
        dumped[pos..pos + 36].copy_from_slice(ts.tables.file_uuid.as_bytes());
        assert!(
            dumped == bytes,
            "{name}: our dump differs from tskit's file beyond the uuid"
        );
    }
}

/// Whether the file's kastore keys are in increasing bytewise order, as kastore writes them.
fn keys_sorted_and_distinct(bytes: &[u8]) -> bool {
    let file = treeseq_core::kastore::KastoreFile::parse(bytes).unwrap();
    file.items().windows(2).all(|w| w[0].raw_key < w[1].raw_key)
}

/// Files tskit loads but cannot compare the tables of (`tskit.tables` recorded in
/// bad/index.json: a top-level metadata schema that is not JSON, which tskit parses only
/// then), so no dump of them can be checked by tskit.
fn tskit_has_no_tables(name: &str) -> bool {
    let bad = fixtures_dir().join("bad");
    let index: Value =
        serde_json::from_slice(&std::fs::read(bad.join("index.json")).unwrap()).unwrap();
    index.as_array().unwrap().iter().any(|e| {
        format!("bad/{}", e["file"].as_str().unwrap()) == name && e["tskit"].get("tables").is_some()
    })
}

fn tskit_available() -> bool {
    std::process::Command::new("python3")
        .args(["-c", "import tskit"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// tskit itself loads every dump and finds its tables equal to the original's. Without
/// Python's tskit this is skipped locally, but fails under CI (env `CI` set), where a silent
/// skip would hide that the check never ran.
#[test]
fn tskit_loads_our_dumps_with_equal_tables() {
    if !tskit_available() {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set but `python3 -c 'import tskit'` fails: install tskit so dumps are checked");
        }
        eprintln!("skipping: python3 with tskit is not available");
        return;
    }
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/check_dump_with_tskit.py");
    let dir = std::env::temp_dir().join(format!("treeseq-io-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in loadable_files() {
        if tskit_has_no_tables(&name) {
            continue;
        }
        let dumped = TreeSequence::load(&bytes).unwrap().dump();
        let out = dir.join(name.replace('/', "_"));
        std::fs::write(&out, &dumped).unwrap();
        let result = std::process::Command::new("python3")
            .arg(&script)
            .arg(common::fixture_path(&name))
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            result.status.success(),
            "{name}: tskit check failed: {}",
            String::from_utf8_lossy(&result.stderr)
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A tiny deterministic generator (Knuth's MMIX LCG), so the fuzz cases are the same on every
/// run and need no extra crate.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn must_not_panic(what: &str, bytes: &[u8]) {
    let result = std::panic::catch_unwind(|| {
        let _ = TreeSequence::load(bytes);
    });
    assert!(result.is_ok(), "load panicked on {what}");
}

/// Truncated and corrupted files are answered with Ok or Err, never a panic (or a hang, or a
/// huge allocation, which would show as an abort or a timeout).
#[test]
fn damaged_files_never_panic() {
    let mut rng = Lcg(0x0074_7265_6573_6571);
    for (name, bytes) in loadable_files() {
        // Truncations: every length in the header and descriptors, then spread over the rest.
        let n = bytes.len();
        let header_end = (64 + 64 * 70).min(n);
        let lengths = (0..header_end)
            .step_by(7)
            .chain((header_end..n).step_by((n / 200).max(1)));
        for len in lengths {
            must_not_panic(&format!("{name} truncated to {len} bytes"), &bytes[..len]);
        }
        // Byte flips: half in the header and descriptors (where lengths and offsets live),
        // half anywhere (column values).
        let mut copy = bytes.clone();
        for case in 0..300 {
            let flips = 1 + rng.below(4);
            let mut changed = Vec::new();
            for _ in 0..flips {
                let at = if case % 2 == 0 {
                    rng.below(header_end)
                } else {
                    rng.below(n)
                };
                let old = copy[at];
                copy[at] ^= 1 << rng.below(8);
                changed.push((at, old));
            }
            must_not_panic(
                &format!(
                    "{name} case {case} with bytes changed at {:?}",
                    changed.iter().map(|c| c.0).collect::<Vec<_>>()
                ),
                &copy,
            );
            for (at, old) in changed.into_iter().rev() {
                copy[at] = old;
            }
        }
    }
}

fn fixture_tables(name: &str) -> treeseq_core::TableCollection {
    let bytes = std::fs::read(common::fixture_path(&format!("{name}.trees"))).unwrap();
    TreeSequence::load(&bytes).unwrap().tables
}

/// Replaces one value of a column with an owned copy.
fn with<T: treeseq_core::column::Pod>(
    c: &treeseq_core::Column<T>,
    row: usize,
    value: T,
) -> treeseq_core::Column<T> {
    let mut v = c.to_vec();
    v[row] = value;
    treeseq_core::Column::owned(v)
}

fn refused(tc: treeseq_core::TableCollection, code: ErrorCode, words: &str) {
    match TreeSequence::from_tables(tc) {
        Ok(_) => panic!("accepted; expected {code:?} mentioning {words:?}"),
        Err(e) => {
            assert_eq!(e.code, code, "{e}");
            assert!(
                e.message.contains(words),
                "message {:?} does not mention {words:?}",
                e.message
            );
        }
    }
}

#[test]
fn build_indexes_reproduces_tskit_indexes() {
    for (name, bytes, _) in good_fixtures() {
        let mut tc = TreeSequence::load(&bytes).unwrap().tables;
        let (ins, rem) = (
            tc.edge_insertion_order.to_vec(),
            tc.edge_removal_order.to_vec(),
        );
        tc.edge_insertion_order = Default::default();
        tc.edge_removal_order = Default::default();
        refused(tc.clone(), ErrorCode::TablesNotIndexed, "missing");
        tc.build_indexes().unwrap();
        assert_eq!(&tc.edge_insertion_order[..], &ins[..], "{name}");
        assert_eq!(&tc.edge_removal_order[..], &rem[..], "{name}");
        TreeSequence::from_tables(tc).unwrap();
    }
}

/// Rules the malformed fixtures do not reach, checked on edited in-memory tables. Each edit
/// is one that Python tskit 1.0.3 refuses too (checked by hand when these were written).
#[test]
fn validation_rules() {
    use treeseq_core::tables::unknown_time;
    let small = fixture_tables("small");
    let e = &small.edges;
    let m = &small.mutations;
    let t = &small.nodes.time;

    let mut tc = small.clone();
    tc.nodes.time = with(t, 3, f64::NAN);
    refused(tc, ErrorCode::BadNodes, "nodes row 3: time NaN");

    let mut tc = small.clone();
    tc.nodes.population = with(&small.nodes.population, 0, 99);
    refused(tc, ErrorCode::BadNodes, "population 99");

    let mut tc = small.clone();
    tc.edges.parent = with(&e.parent, 5, -1);
    refused(tc, ErrorCode::BadEdges, "edges row 5: parent is null");

    let mut tc = small.clone();
    tc.edges.right = with(&e.right, 0, 1e9);
    refused(tc, ErrorCode::BadEdges, "sequence_length");

    // Moving the first edge to the end breaks the parent-time order.
    let mut tc = small.clone();
    let rot = |c: &treeseq_core::Column<f64>| {
        let mut v = c.to_vec();
        v.rotate_left(1);
        treeseq_core::Column::owned(v)
    };
    let roti = |c: &treeseq_core::Column<i32>| {
        let mut v = c.to_vec();
        v.rotate_left(1);
        treeseq_core::Column::owned(v)
    };
    tc.edges.left = rot(&e.left);
    tc.edges.right = rot(&e.right);
    tc.edges.parent = roti(&e.parent);
    tc.edges.child = roti(&e.child);
    tc.build_indexes().unwrap();
    refused(tc, ErrorCode::BadEdges, "not sorted by parent time");

    // A second parent for a child over the same stretch: contradictory children.
    let mut tc = small.clone();
    let oldest = (0..t.len()).max_by(|&a, &b| t[a].total_cmp(&t[b])).unwrap() as i32;
    let mut cols = (
        e.left.to_vec(),
        e.right.to_vec(),
        e.parent.to_vec(),
        e.child.to_vec(),
    );
    cols.0.push(0.0);
    cols.1.push(small.sequence_length);
    cols.2.push(oldest);
    cols.3.push(0);
    let mut order: Vec<usize> = (0..cols.0.len()).collect();
    // Keep the table sorted: the new edge goes with its parent's (the oldest) edges.
    order.sort_by(|&a, &b| {
        t[cols.2[a] as usize]
            .total_cmp(&t[cols.2[b] as usize])
            .then(cols.2[a].cmp(&cols.2[b]))
            .then(cols.3[a].cmp(&cols.3[b]))
            .then(cols.0[a].total_cmp(&cols.0[b]))
    });
    tc.edges.left = treeseq_core::Column::owned(order.iter().map(|&i| cols.0[i]).collect());
    tc.edges.right = treeseq_core::Column::owned(order.iter().map(|&i| cols.1[i]).collect());
    tc.edges.parent = treeseq_core::Column::owned(order.iter().map(|&i| cols.2[i]).collect());
    tc.edges.child = treeseq_core::Column::owned(order.iter().map(|&i| cols.3[i]).collect());
    tc.edges.metadata = treeseq_core::Ragged::empty_rows(order.len());
    tc.build_indexes().unwrap();
    refused(tc, ErrorCode::BadEdges, "child 0 has two parents");

    let mut tc = small.clone();
    tc.sites.position = with(&small.sites.position, 1, small.sites.position[0] - 1e-6);
    refused(tc, ErrorCode::BadSites, "not sorted by position");

    // Mutation times: younger than the node, one unknown among known, and not younger than
    // the parent of the node in the tree.
    let mut tc = small.clone();
    tc.mutations.time = with(&m.time, 0, t[m.node[0] as usize] - 1.0);
    refused(tc, ErrorCode::BadMutations, "younger than its node");

    let mut tc = small.clone();
    tc.mutations.time = with(&m.time, 0, unknown_time());
    TreeSequence::from_tables(tc).expect("one unknown time alone at its site is valid");

    let mut tc = small.clone();
    tc.mutations.time = with(&m.time, 0, 1e9);
    refused(tc, ErrorCode::BadMutations, "not younger than node");

    let mut tc = small.clone();
    tc.mutations.parent = with(&m.parent, 2, 2);
    refused(tc, ErrorCode::BadMutations, "its own parent");

    let mut tc = small.clone();
    tc.mutations.time = treeseq_core::Column::owned(vec![f64::INFINITY; m.time.len()]);
    refused(tc, ErrorCode::BadMutations, "not finite");

    let mut tc = small.clone();
    tc.sequence_length = f64::NAN;
    refused(tc, ErrorCode::BadSequenceLength, "NaN");

    let mut tc = small.clone();
    let mut idx = small.edge_insertion_order.to_vec();
    idx[1] = idx[0];
    tc.edge_insertion_order = treeseq_core::Column::owned(idx);
    refused(tc, ErrorCode::TablesNotIndexed, "listed twice");

    let mut tc = small.clone();
    tc.nodes.flags = treeseq_core::Column::owned(vec![0; 3]);
    refused(tc, ErrorCode::ColumnLength, "nodes/");
}

/// Mixed known and unknown times at one site, and unsorted times within a site, need a site
/// with several mutations: multiallelic has them.
#[test]
fn mutation_time_rules_within_a_site() {
    use treeseq_core::tables::unknown_time;
    let tc0 = fixture_tables("multiallelic");
    let m = &tc0.mutations;
    let j = (1..m.site.len())
        .find(|&j| m.site[j] == m.site[j - 1])
        .expect("a site with two mutations");
    let mut tc = tc0.clone();
    tc.mutations.time = with(&m.time, j, unknown_time());
    refused(tc, ErrorCode::BadMutations, "all known or all unknown");

    // A parent that is not the one the tree gives (tskit: TSK_ERR_BAD_MUTATION_PARENT).
    let c = (0..m.parent.len())
        .find(|&c| m.parent[c] != -1)
        .expect("a mutation with a parent");
    let mut tc = tc0.clone();
    tc.mutations.parent = with(&m.parent, c, -1);
    refused(
        tc,
        ErrorCode::BadMutations,
        &format!("mutations row {c}: parent is -1 but the tree"),
    );

    // Unknown everywhere is fine (files from before mutation times).
    let mut tc = tc0.clone();
    tc.mutations.time = treeseq_core::Column::owned(vec![unknown_time(); m.time.len()]);
    TreeSequence::from_tables(tc).unwrap();
}

#[test]
fn validation_does_not_depend_on_thread_count() {
    // The same damaged tables judged on pools of 1 and 4 threads give the same first error.
    let mut tc = fixture_tables("medium");
    tc.nodes.time = with(&tc.nodes.time, 10, f64::NAN);
    tc.sites.position = with(&tc.sites.position, 5, -1.0);
    let judge = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| treeseq_core::validate::validate(&tc).unwrap_err())
    };
    let one = judge(1);
    assert_eq!(one, judge(4));
    assert_eq!(one.code, ErrorCode::BadNodes);
}

/// The walk along the trees runs in pieces, one per thread: the breakpoints are the sorted
/// distinct edge ends (with 0 and the sequence length) at any thread count, and a mutation
/// whose recorded parent the trees contradict, late in the genome (in a later piece), gives
/// the same first error on 1 and on 4 threads.
#[test]
fn tree_walk_in_pieces_does_not_depend_on_thread_count() {
    let tc = fixture_tables("medium");
    assert!(
        tc.edges.left.len() >= 4 << 12,
        "medium has too few edges to walk in pieces"
    );
    let on = |threads: usize, tc: &treeseq_core::TableCollection| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| TreeSequence::from_tables(tc.clone()))
    };
    let mut expected: Vec<f64> = vec![0.0, tc.sequence_length];
    expected.extend_from_slice(&tc.edges.left);
    expected.extend_from_slice(&tc.edges.right);
    expected.sort_by(f64::total_cmp);
    expected.dedup();
    for threads in [1, 2, 3, 4] {
        assert_eq!(
            on(threads, &tc).unwrap().breakpoints,
            expected,
            "{threads} threads"
        );
    }
    // The second mutation of the last site that has two: its parent flipped between -1 and
    // the mutation before it (both pass the row checks; only the trees tell).
    let m = &tc.mutations;
    let r = (1..m.site.len())
        .rev()
        .find(|&r| m.site[r] == m.site[r - 1])
        .expect("medium has a site with two mutations");
    assert!(
        m.site[r] as usize > tc.sites.position.len() / 2,
        "in a later piece"
    );
    let flipped = if m.parent[r] == -1 { r as i32 - 1 } else { -1 };
    let mut bad = tc.clone();
    bad.mutations.parent = with(&m.parent, r, flipped);
    let one = on(1, &bad)
        .err()
        .expect("a wrong mutation parent is refused");
    assert_eq!(one.code, ErrorCode::BadMutations);
    for threads in [2, 3, 4] {
        assert_eq!(
            on(threads, &bad).err(),
            Some(one.clone()),
            "{threads} threads"
        );
    }
}

/// Reading from a path: an OS failure is IO with the path and the OS's message; a directory
/// (which opens but cannot be read) too; a file loads as its bytes do.
#[test]
fn load_path_reports_os_errors() {
    let missing = fixtures_dir().join("no_such_file.trees");
    let e = TreeSequence::load_path(&missing).err().unwrap();
    assert_eq!(e.code, ErrorCode::Io, "{e}");
    assert!(e.message.contains("no_such_file.trees"), "{e}");
    let e = TreeSequence::load_path(fixtures_dir()).err().unwrap();
    assert_eq!(e.code, ErrorCode::Io, "{e}");
    let path = fixtures_dir().join("small.trees");
    let a = TreeSequence::load_path(&path).unwrap();
    let b = TreeSequence::load(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(a.num_trees(), b.num_trees());
    assert_eq!(
        a.tables.nodes.time.as_slice(),
        b.tables.nodes.time.as_slice()
    );
}
