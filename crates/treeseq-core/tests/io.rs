//! Loading, validating and writing `.trees` files, checked against tskit's own answers.
//!
//! Every fixture in `test/fixtures` is found by listing the directory: adding a fixture (a
//! `NAME.trees` with its `NAME.expected.json.gz`, or a `bad/*.trees` with its entry in
//! `bad/index.json`) needs no new test code.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;
use treeseq_core::{ErrorCode, TreeSequence};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test/fixtures")
}

/// The good fixtures: (name, file bytes, expected JSON).
fn good_fixtures() -> Vec<(String, Vec<u8>, Value)> {
    let dir = fixtures_dir();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("test/fixtures exists")
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.strip_suffix(".trees").map(str::to_owned))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no fixtures found in {}", dir.display());
    names
        .into_iter()
        .map(|name| {
            let bytes = std::fs::read(dir.join(format!("{name}.trees"))).unwrap();
            let gz = std::fs::read(dir.join(format!("{name}.expected.json.gz")))
                .unwrap_or_else(|_| panic!("{name}.trees has no {name}.expected.json.gz"));
            let mut text = String::new();
            flate2::read::GzDecoder::new(&gz[..]).read_to_string(&mut text).unwrap();
            let expected: Value = serde_json::from_str(&text).unwrap();
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
        assert_eq!(ts.sequence_length(), s["sequence_length"].as_f64().unwrap(), "{name}: sequence_length");
        assert_eq!(ts.time_units(), s["time_units"].as_str().unwrap(), "{name}: time_units");
        let samples: Vec<i32> = s["samples"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap() as i32).collect();
        assert_eq!(ts.samples, samples, "{name}: samples");
        let breakpoints: Vec<f64> = s["breakpoints"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        assert_eq!(ts.breakpoints, breakpoints, "{name}: breakpoints");
    }
}

#[test]
fn columns_are_views_into_the_file() {
    for (name, bytes, _) in good_fixtures() {
        let ts = TreeSequence::load(&bytes).unwrap();
        let t = &ts.tables;
        assert!(t.nodes.time.is_view() && t.edges.left.is_view() && t.sites.position.is_view(), "{name}");
        assert!(t.mutations.derived_state.data.is_view() && t.edge_insertion_order.is_view(), "{name}");
    }
}

/// tskit's error text (its exception message, or the `TSK_ERR_*` name in it) and the codes we
/// answer with. Where tskit lumps several problems under one text, more than one code fits.
const TSKIT_ERRORS: &[(&str, &[ErrorCode])] = &[
    ("End of file", &[ErrorCode::EndOfFile]),
    ("File not in kastore format", &[ErrorCode::FileFormat]),
    ("File format version is too new. Please upgrade your kastore", &[ErrorCode::KastoreVersionTooNew]),
    ("Unknown data type", &[ErrorCode::FileFormat]),
    // tskit says FILE_FORMAT both for a bad format name and for columns of unequal length.
    ("TSK_ERR_FILE_FORMAT", &[ErrorCode::FileFormat, ErrorCode::ColumnLength]),
    ("TSK_ERR_FILE_VERSION_TOO_NEW", &[ErrorCode::VersionTooNew]),
    ("TSK_ERR_FILE_VERSION_TOO_OLD", &[ErrorCode::VersionTooOld]),
    ("TSK_ERR_REQUIRED_COL_NOT_FOUND", &[ErrorCode::RequiredColumn]),
    ("TSK_ERR_BAD_COLUMN_TYPE", &[ErrorCode::BadColumnType]),
    ("TSK_ERR_BAD_OFFSET", &[ErrorCode::BadOffset]),
    ("TSK_ERR_TABLES_NOT_INDEXED", &[ErrorCode::TablesNotIndexed]),
    ("TSK_ERR_TABLES_BAD_INDEXES", &[ErrorCode::TablesNotIndexed]),
    ("TSK_ERR_BOTH_COLUMNS_REQUIRED", &[ErrorCode::BothColumnsRequired]),
    ("TSK_ERR_BAD_SEQUENCE_LENGTH", &[ErrorCode::BadSequenceLength]),
    // Edge-table problems: ids, intervals, times, order.
    ("TSK_ERR_NODE_OUT_OF_BOUNDS", &[ErrorCode::BadEdges, ErrorCode::BadMutations, ErrorCode::BadMigrations]),
    ("TSK_ERR_BAD_NODE_TIME_ORDERING", &[ErrorCode::BadEdges]),
    ("TSK_ERR_BAD_EDGE_INTERVAL", &[ErrorCode::BadEdges, ErrorCode::BadMigrations]),
    ("TSK_ERR_EDGES_NOT_SORTED", &[ErrorCode::BadEdges]),
    ("TSK_ERR_EDGES_NONCONTIGUOUS_PARENTS", &[ErrorCode::BadEdges]),
    ("TSK_ERR_DUPLICATE_EDGES", &[ErrorCode::BadEdges]),
    ("TSK_ERR_BAD_EDGES_CONTRADICTORY_CHILDREN", &[ErrorCode::BadEdges]),
    ("TSK_ERR_LEFT_LESS_ZERO", &[ErrorCode::BadEdges, ErrorCode::BadMigrations]),
    ("TSK_ERR_RIGHT_GREATER_SEQ_LENGTH", &[ErrorCode::BadEdges, ErrorCode::BadMigrations]),
    ("TSK_ERR_DUPLICATE_SITE_POSITION", &[ErrorCode::BadSites]),
    ("TSK_ERR_UNSORTED_SITES", &[ErrorCode::BadSites]),
    ("TSK_ERR_BAD_SITE_POSITION", &[ErrorCode::BadSites]),
    ("TSK_ERR_SITE_OUT_OF_BOUNDS", &[ErrorCode::BadMutations]),
    ("TSK_ERR_MUTATION", &[ErrorCode::BadMutations]),
    ("TSK_ERR_UNSORTED_MUTATIONS", &[ErrorCode::BadMutations]),
    ("TSK_ERR_POPULATION_OUT_OF_BOUNDS", &[ErrorCode::BadNodes, ErrorCode::BadMigrations]),
    ("TSK_ERR_INDIVIDUAL_OUT_OF_BOUNDS", &[ErrorCode::BadNodes, ErrorCode::BadIndividuals]),
    ("TSK_ERR_TIME_NONFINITE", &[ErrorCode::BadNodes, ErrorCode::BadMutations, ErrorCode::BadMigrations]),
];

fn expected_codes(tskit_message: &str) -> &'static [ErrorCode] {
    TSKIT_ERRORS
        .iter()
        .find(|(text, _)| tskit_message.contains(text))
        .map(|(_, codes)| *codes)
        .unwrap_or_else(|| panic!("no mapping for tskit's error {tskit_message:?}: add one to TSKIT_ERRORS"))
}

#[test]
fn bad_files_are_judged_as_tskit_judges_them() {
    let dir = fixtures_dir().join("bad");
    let index: Value = serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let entries = index.as_array().unwrap();
    // Every .trees file in bad/ must have a verdict, so none is silently skipped.
    for f in std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()) {
        let name = f.file_name().into_string().unwrap();
        if name.ends_with(".trees") {
            assert!(entries.iter().any(|e| e["file"] == name.as_str()), "bad/{name} is not in bad/index.json");
        }
    }
    for entry in entries {
        let file = entry["file"].as_str().unwrap();
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let tskit = &entry["tskit"];
        let result = TreeSequence::load(&bytes);
        if tskit["loads"].as_bool().unwrap() {
            let ts = result.unwrap_or_else(|e| panic!("{file}: tskit loads it, we refuse: {e}"));
            if let Some(n) = tskit.get("num_trees") {
                assert_eq!(ts.num_trees(), as_usize(n), "{file}: num_trees");
            }
        } else {
            let message = tskit["message"].as_str().unwrap();
            let codes = expected_codes(message);
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
