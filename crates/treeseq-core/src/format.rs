//! tskit's `.trees` format on top of kastore: which keys make which tables, and back.
//!
//! What it is for: mapping kastore items to a [`TableCollection`] (format 12.0 to 12.x) with
//! zero-copy columns, and writing a collection back with tskit's keys. It checks what tskit
//! checks while reading a file: required keys, element types, equal column lengths within a
//! table, and the shape of ragged offset columns (so that no row access can go out of bounds).
//! Errors follow tskit's: a missing key is `RequiredColumn`, half of a data/offset pair is
//! `BothColumnsRequired`, a table column of the wrong type is `BadColumnType` (a top-level key
//! of the wrong type is `FileFormat`, as kastore reports it), unequal lengths in a file `FileFormat` too (tskit: "File format error"); `ColumnLength` is for tables built in memory.
//!
//! What it is not: the integrity checks on values (ids in range, sort orders, times), which
//! are in `validate.rs` and run for tables from any source.

use std::hash::{BuildHasher, Hasher};

use crate::bail;
use crate::column::{Column, Offsets, Pod, Ragged};
use crate::error::Result;
use crate::kastore::{ItemType, KastoreFile, KastoreWriter};
use crate::tables::*;

/// The `format/name` value of every tskit tree sequence file.
pub const FORMAT_NAME: &str = "tskit.trees";
/// The only major version tskit 1.x reads and writes.
pub const FORMAT_VERSION_MAJOR: u32 = 12;
/// The minor version written by [`dump_tables`] (tskit 1.0's).
pub const FORMAT_VERSION_MINOR: u32 = 7;
/// `time_units` when the file has none (tskit's default).
pub const DEFAULT_TIME_UNITS: &str = "unknown";

/// Reads one table's columns, tracking its row count: the first column read fixes it and every
/// later one must agree (tskit's rule; the message names both columns).
struct TableReader<'a> {
    file: &'a KastoreFile,
    table: &'static str,
    rows: Option<(usize, String)>,
}

impl<'a> TableReader<'a> {
    fn new(file: &'a KastoreFile, table: &'static str) -> Self {
        TableReader {
            file,
            table,
            rows: None,
        }
    }

    fn key(&self, column: &str) -> String {
        format!("{}/{}", self.table, column)
    }

    fn num_rows(&self) -> usize {
        self.rows.as_ref().map_or(0, |r| r.0)
    }

    fn note_rows(&mut self, key: &str, rows: usize) -> Result<()> {
        match &self.rows {
            None => self.rows = Some((rows, key.to_owned())),
            Some((n, first)) if *n != rows => {
                bail!(FileFormat, "{key} has {rows} rows but {first} has {n}: columns of one table must have equal lengths")
            }
            _ => {}
        }
        Ok(())
    }

    fn typed<T: Pod>(&self, key: &str) -> Result<Option<Column<T>>> {
        let Some(item) = self.file.get(key) else {
            return Ok(None);
        };
        match self.file.column::<T>(item) {
            Some(c) => Ok(Some(c)),
            None => bail!(
                BadColumnType,
                "{key} is {}, expected {}",
                item.item_type.name(),
                ItemType::of::<T>().name()
            ),
        }
    }

    fn required<T: Pod>(&mut self, column: &str) -> Result<Column<T>> {
        let key = self.key(column);
        let Some(col) = self.typed::<T>(&key)? else {
            bail!(RequiredColumn, "required column {key} is missing");
        };
        self.note_rows(&key, col.len())?;
        Ok(col)
    }

    /// An optional plain column; `None` when absent (the caller fills the default).
    fn optional<T: Pod>(&mut self, column: &str) -> Result<Option<Column<T>>> {
        let key = self.key(column);
        let col = self.typed::<T>(&key)?;
        if let Some(c) = &col {
            self.note_rows(&key, c.len())?;
        }
        Ok(col)
    }

    fn offsets(&self, key: &str) -> Result<Option<Offsets>> {
        let Some(item) = self.file.get(key) else {
            return Ok(None);
        };
        let off = match item.item_type {
            ItemType::U32 => self.file.column::<u32>(item).map(Offsets::U32),
            ItemType::U64 => self.file.column::<u64>(item).map(Offsets::U64),
            other => bail!(
                BadColumnType,
                "{key} is {}, expected uint32 or uint64",
                other.name()
            ),
        };
        Ok(off)
    }

    /// A ragged column (`name` + `name_offset`). `None` when both are absent and the column is
    /// optional. The offsets' shape is checked here (length, first, last, never decreasing) so
    /// that every row of the result can be sliced without a bounds failure.
    fn ragged<T: Pod>(&mut self, column: &str, required: bool) -> Result<Option<Ragged<T>>> {
        let key = self.key(column);
        let offset_key = format!("{key}_offset");
        let data = self.typed::<T>(&key)?;
        let offset = self.offsets(&offset_key)?;
        let (data, offset) = match (data, offset) {
            (Some(d), Some(o)) => (d, o),
            (None, None) if !required => return Ok(None),
            (None, _) if required => bail!(RequiredColumn, "required column {key} is missing"),
            (None, _) => bail!(
                BothColumnsRequired,
                "{offset_key} is present but {key} is missing"
            ),
            (Some(_), None) => bail!(
                BothColumnsRequired,
                "{key} is present but {offset_key} is missing"
            ),
        };
        if offset.is_empty() {
            bail!(
                FileFormat,
                "{offset_key} is empty (it needs one entry per row plus one)"
            );
        }
        self.note_rows(&offset_key, offset.len() - 1)?;
        check_offsets(&offset_key, &offset, data.len())?;
        Ok(Some(Ragged { data, offset }))
    }

    fn ragged_or_empty<T: Pod>(&mut self, column: &str) -> Result<Ragged<T>> {
        Ok(match self.ragged(column, false)? {
            Some(r) => r,
            None => Ragged::empty_rows(self.num_rows()),
        })
    }

    fn schema(&self) -> Result<String> {
        let key = self.key("metadata_schema");
        Ok(match self.typed::<u8>(&key)? {
            Some(c) => String::from_utf8_lossy(&c).into_owned(),
            None => String::new(),
        })
    }
}

/// Offsets start at 0, never decrease and end at the data length (tskit: `TSK_ERR_BAD_OFFSET`).
pub fn check_offsets(what: &str, offset: &Offsets, data_len: usize) -> Result<()> {
    let n = offset.len();
    if n == 0 {
        bail!(
            BadOffset,
            "{what} is empty (it needs one entry per row plus one)"
        );
    }
    if offset.get(0) != 0 {
        bail!(BadOffset, "{what}[0] is {}, must be 0", offset.get(0));
    }
    if offset.get(n - 1) != data_len as u64 {
        bail!(
            BadOffset,
            "{what}: last offset is {} but the data has {data_len} elements",
            offset.get(n - 1)
        );
    }
    let decreasing = match offset {
        Offsets::U32(c) => c.windows(2).position(|w| w[0] > w[1]),
        Offsets::U64(c) => c.windows(2).position(|w| w[0] > w[1]),
    };
    if let Some(i) = decreasing {
        bail!(
            BadOffset,
            "{what} decreases at row {i}: {} then {}",
            offset.get(i),
            offset.get(i + 1)
        );
    }
    Ok(())
}

/// A top-level key's bytes. A wrong type is a `FileFormat` error here, as kastore reports a
/// type mismatch for these keys.
fn top_level<'f>(
    file: &'f KastoreFile,
    key: &str,
    ty: ItemType,
    required: bool,
) -> Result<Option<&'f [u8]>> {
    let Some(item) = file.get(key) else {
        if required {
            bail!(RequiredColumn, "required key {key} is missing");
        }
        return Ok(None);
    };
    if item.item_type != ty {
        bail!(
            FileFormat,
            "{key} is {}, expected {}",
            item.item_type.name(),
            ty.name()
        );
    }
    Ok(Some(file.bytes(item)))
}

fn text(bytes: Option<&[u8]>) -> String {
    bytes
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default()
}

/// Builds the tables from a parsed kastore file (zero-copy: columns view the file's buffer).
pub fn tables_from_kastore(file: &KastoreFile) -> Result<TableCollection> {
    let mut tc = TableCollection::default();

    let name = top_level(file, "format/name", ItemType::I8, true)?.unwrap_or_default();
    if name != FORMAT_NAME.as_bytes() {
        bail!(
            FileFormat,
            "format/name is '{}', not '{FORMAT_NAME}'",
            String::from_utf8_lossy(name)
        );
    }
    let version = top_level(file, "format/version", ItemType::U32, true)?.unwrap_or_default();
    if version.len() != 8 {
        bail!(
            FileFormat,
            "format/version has {} elements, expected 2",
            version.len() / 4
        );
    }
    let major = u32::from_le_bytes([version[0], version[1], version[2], version[3]]);
    let minor = u32::from_le_bytes([version[4], version[5], version[6], version[7]]);
    if major < FORMAT_VERSION_MAJOR {
        bail!(VersionTooOld, "tskit file format version {major}.{minor} is too old (this reader needs {FORMAT_VERSION_MAJOR}.x; 'tskit upgrade' converts older files)");
    }
    if major > FORMAT_VERSION_MAJOR {
        bail!(VersionTooNew, "tskit file format version {major}.{minor} is too new (this reader knows {FORMAT_VERSION_MAJOR}.x)");
    }
    tc.format_version = (major, minor);

    let seq = top_level(file, "sequence_length", ItemType::F64, true)?.unwrap_or_default();
    if seq.len() != 8 {
        bail!(
            FileFormat,
            "sequence_length has {} elements, expected 1",
            seq.len() / 8
        );
    }
    tc.sequence_length = f64::from_le_bytes(seq.try_into().unwrap_or([0; 8]));

    let uuid = top_level(file, "uuid", ItemType::I8, true)?.unwrap_or_default();
    if uuid.len() != 36 {
        bail!(FileFormat, "uuid has {} bytes, expected 36", uuid.len());
    }
    tc.file_uuid = text(Some(uuid));
    tc.time_units = match top_level(file, "time_units", ItemType::I8, false)? {
        Some(t) => text(Some(t)),
        None => DEFAULT_TIME_UNITS.to_owned(),
    };
    tc.metadata = top_level(file, "metadata", ItemType::I8, false)?
        .unwrap_or_default()
        .to_vec();
    tc.metadata_schema = text(top_level(file, "metadata_schema", ItemType::I8, false)?);

    // Each table: plain columns first, then ragged ones, then the schema.
    let mut t = TableReader::new(file, "nodes");
    tc.nodes = NodeTable {
        flags: t.required("flags")?,
        time: t.required("time")?,
        population: t.required("population")?,
        individual: t.required("individual")?,
        metadata: t.ragged("metadata", true)?.unwrap_or_default(),
        metadata_schema: t.schema()?,
    };

    let mut t = TableReader::new(file, "edges");
    tc.edges = EdgeTable {
        left: t.required("left")?,
        right: t.required("right")?,
        parent: t.required("parent")?,
        child: t.required("child")?,
        metadata: t.ragged_or_empty("metadata")?,
        metadata_schema: t.schema()?,
    };

    let mut t = TableReader::new(file, "sites");
    tc.sites = SiteTable {
        position: t.required("position")?,
        ancestral_state: t.ragged("ancestral_state", true)?.unwrap_or_default(),
        metadata: t.ragged("metadata", true)?.unwrap_or_default(),
        metadata_schema: t.schema()?,
    };

    let mut t = TableReader::new(file, "mutations");
    let site = t.required("site")?;
    let node = t.required("node")?;
    let parent = t.required("parent")?;
    // Files before format 12.1 have no times: every time is then tskit's "unknown" NaN.
    let time = t.optional::<f64>("time")?;
    let derived_state = t.ragged("derived_state", true)?.unwrap_or_default();
    let metadata = t.ragged("metadata", true)?.unwrap_or_default();
    let time = time.unwrap_or_else(|| Column::owned(vec![unknown_time(); t.num_rows()]));
    tc.mutations = MutationTable {
        site,
        node,
        parent,
        time,
        derived_state,
        metadata,
        metadata_schema: t.schema()?,
    };

    let mut t = TableReader::new(file, "migrations");
    tc.migrations = MigrationTable {
        left: t.required("left")?,
        right: t.required("right")?,
        node: t.required("node")?,
        source: t.required("source")?,
        dest: t.required("dest")?,
        time: t.required("time")?,
        metadata: t.ragged_or_empty("metadata")?,
        metadata_schema: t.schema()?,
    };

    let mut t = TableReader::new(file, "individuals");
    tc.individuals = IndividualTable {
        flags: t.required("flags")?,
        location: t.ragged("location", true)?.unwrap_or_default(),
        // Absent before format 12.3: no parents recorded.
        parents: t.ragged_or_empty("parents")?,
        metadata: t.ragged("metadata", true)?.unwrap_or_default(),
        metadata_schema: t.schema()?,
    };

    let mut t = TableReader::new(file, "populations");
    tc.populations = PopulationTable {
        metadata: t.ragged("metadata", true)?.unwrap_or_default(),
        metadata_schema: t.schema()?,
    };

    let mut t = TableReader::new(file, "provenances");
    tc.provenances = ProvenanceTable {
        timestamp: t.ragged("timestamp", true)?.unwrap_or_default(),
        record: t.ragged("record", true)?.unwrap_or_default(),
    };

    let t = TableReader::new(file, "reference_sequence");
    let ref_bytes = |column: &str| -> Result<Vec<u8>> {
        Ok(t.typed::<u8>(&t.key(column))?
            .map(|c| c.to_vec())
            .unwrap_or_default())
    };
    tc.reference_sequence = ReferenceSequence {
        data: String::from_utf8_lossy(&ref_bytes("data")?).into_owned(),
        url: String::from_utf8_lossy(&ref_bytes("url")?).into_owned(),
        metadata: ref_bytes("metadata")?,
        metadata_schema: String::from_utf8_lossy(&ref_bytes("metadata_schema")?).into_owned(),
    };

    // The edge indexes come as a pair; tskit does not rebuild missing ones at load, and
    // neither do we (an absent pair leaves both columns empty: `validate` refuses that when
    // there are edges).
    let t = TableReader::new(file, "indexes");
    let insertion = t.typed::<i32>(&t.key("edge_insertion_order"))?;
    let removal = t.typed::<i32>(&t.key("edge_removal_order"))?;
    match (insertion, removal) {
        (Some(i), Some(r)) => {
            let num_edges = tc.edges.left.len();
            for (key, c) in [
                ("indexes/edge_insertion_order", &i),
                ("indexes/edge_removal_order", &r),
            ] {
                if c.len() != num_edges {
                    bail!(
                        FileFormat,
                        "{key} has {} entries but the edge table has {num_edges} rows",
                        c.len()
                    );
                }
            }
            tc.edge_insertion_order = i;
            tc.edge_removal_order = r;
        }
        (None, None) => {}
        (Some(_), None) => bail!(
            BothColumnsRequired,
            "indexes/edge_insertion_order is present but indexes/edge_removal_order is missing"
        ),
        (None, Some(_)) => bail!(
            BothColumnsRequired,
            "indexes/edge_removal_order is present but indexes/edge_insertion_order is missing"
        ),
    }
    Ok(tc)
}

/// Parses a `.trees` file into tables: kastore layout, then tskit's keys. No value checks.
pub fn load_tables(bytes: &[u8]) -> Result<TableCollection> {
    let file = KastoreFile::parse(bytes)?;
    tables_from_kastore(&file)
}

/// The tables whose metadata schema tskit parses (and so checks) when it loads a file; the
/// top-level and reference-sequence schemas it parses only when asked for.
const TABLES_WITH_CHECKED_SCHEMAS: [&str; 7] = [
    "nodes",
    "edges",
    "sites",
    "mutations",
    "migrations",
    "individuals",
    "populations",
];

/// Refuses a file whose table metadata schemas tskit would refuse (`BAD_METADATA`). Run after
/// the tables validate, as tskit parses the schemas after its C library has loaded the file,
/// so a file with both kinds of damage gets tskit's (the C library's) verdict.
pub fn check_metadata_schemas(file: &KastoreFile) -> Result<()> {
    for table in TABLES_WITH_CHECKED_SCHEMAS {
        if let Some(item) = file.get(&format!("{table}/metadata_schema")) {
            crate::metadata::check_table_schema(table, file.bytes(item))?;
        }
    }
    Ok(())
}

/// A fresh random (version 4) UUID in tskit's 36-character text form. tskit gives every
/// written file a new one; std's `RandomState` is seeded from the OS, which is random enough
/// for an identifier.
pub fn new_uuid() -> String {
    let mut bytes = [0u8; 16];
    for half in bytes.chunks_mut(8) {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(0);
        half.copy_from_slice(&h.finish().to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0F) | 0x40;
    bytes[8] = (bytes[8] & 0x3F) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Writes a ragged column as tskit does: offsets as u32, unless the data is too long for u32
/// offsets, then u64.
fn put_ragged<'a, T: Pod>(w: &mut KastoreWriter<'a>, key: &str, r: &'a Ragged<T>) {
    w.put(key, &r.data[..]);
    let offset_key = format!("{key}_offset");
    let n = r.offset.len();
    let last = if n == 0 { 0 } else { r.offset.get(n - 1) };
    match &r.offset {
        // A hand-built table may have no offsets at all: that is zero rows, one offset.
        _ if n == 0 => w.put_owned(&offset_key, vec![0u32]),
        Offsets::U32(c) => w.put(&offset_key, &c[..]),
        Offsets::U64(c) if last <= u32::MAX as u64 => w.put_owned(
            &offset_key,
            c.iter().map(|&o| o as u32).collect::<Vec<u32>>(),
        ),
        Offsets::U64(c) => w.put(&offset_key, &c[..]),
    }
}

/// Writes the tables as a `.trees` file with tskit's keys (format 12.7, a fresh UUID).
pub fn dump_tables(tc: &TableCollection) -> Vec<u8> {
    let mut w = KastoreWriter::new();
    let version = [FORMAT_VERSION_MAJOR, FORMAT_VERSION_MINOR];
    let seq = [tc.sequence_length];
    let uuid = new_uuid();
    w.put("format/name", as_i8(FORMAT_NAME.as_bytes()));
    w.put("format/version", &version);
    w.put("sequence_length", &seq);
    w.put_owned("uuid", as_i8(uuid.as_bytes()).to_vec());
    w.put("time_units", as_i8(tc.time_units.as_bytes()));
    w.put("metadata", as_i8(&tc.metadata));
    w.put("metadata_schema", as_i8(tc.metadata_schema.as_bytes()));

    let n = &tc.nodes;
    w.put("nodes/flags", &n.flags[..]);
    w.put("nodes/time", &n.time[..]);
    w.put("nodes/population", &n.population[..]);
    w.put("nodes/individual", &n.individual[..]);
    put_ragged(&mut w, "nodes/metadata", &n.metadata);
    w.put("nodes/metadata_schema", n.metadata_schema.as_bytes());

    let e = &tc.edges;
    w.put("edges/left", &e.left[..]);
    w.put("edges/right", &e.right[..]);
    w.put("edges/parent", &e.parent[..]);
    w.put("edges/child", &e.child[..]);
    put_ragged(&mut w, "edges/metadata", &e.metadata);
    w.put("edges/metadata_schema", e.metadata_schema.as_bytes());

    let s = &tc.sites;
    w.put("sites/position", &s.position[..]);
    put_ragged(&mut w, "sites/ancestral_state", &s.ancestral_state);
    put_ragged(&mut w, "sites/metadata", &s.metadata);
    w.put("sites/metadata_schema", s.metadata_schema.as_bytes());

    let m = &tc.mutations;
    w.put("mutations/site", &m.site[..]);
    w.put("mutations/node", &m.node[..]);
    w.put("mutations/parent", &m.parent[..]);
    w.put("mutations/time", &m.time[..]);
    put_ragged(&mut w, "mutations/derived_state", &m.derived_state);
    put_ragged(&mut w, "mutations/metadata", &m.metadata);
    w.put("mutations/metadata_schema", m.metadata_schema.as_bytes());

    let g = &tc.migrations;
    w.put("migrations/left", &g.left[..]);
    w.put("migrations/right", &g.right[..]);
    w.put("migrations/node", &g.node[..]);
    w.put("migrations/source", &g.source[..]);
    w.put("migrations/dest", &g.dest[..]);
    w.put("migrations/time", &g.time[..]);
    put_ragged(&mut w, "migrations/metadata", &g.metadata);
    w.put("migrations/metadata_schema", g.metadata_schema.as_bytes());

    let i = &tc.individuals;
    w.put("individuals/flags", &i.flags[..]);
    put_ragged(&mut w, "individuals/location", &i.location);
    put_ragged(&mut w, "individuals/parents", &i.parents);
    put_ragged(&mut w, "individuals/metadata", &i.metadata);
    w.put("individuals/metadata_schema", i.metadata_schema.as_bytes());

    let p = &tc.populations;
    put_ragged(&mut w, "populations/metadata", &p.metadata);
    w.put("populations/metadata_schema", p.metadata_schema.as_bytes());

    let v = &tc.provenances;
    put_ragged(&mut w, "provenances/timestamp", &v.timestamp);
    put_ragged(&mut w, "provenances/record", &v.record);

    w.put("indexes/edge_insertion_order", &tc.edge_insertion_order[..]);
    w.put("indexes/edge_removal_order", &tc.edge_removal_order[..]);

    // tskit writes the reference sequence only when some part of it is set.
    let r = &tc.reference_sequence;
    if !(r.data.is_empty()
        && r.url.is_empty()
        && r.metadata.is_empty()
        && r.metadata_schema.is_empty())
    {
        w.put("reference_sequence/data", r.data.as_bytes());
        w.put("reference_sequence/url", r.url.as_bytes());
        w.put("reference_sequence/metadata", &r.metadata[..]);
        w.put(
            "reference_sequence/metadata_schema",
            r.metadata_schema.as_bytes(),
        );
    }
    w.finish()
}

/// tskit stores top-level text as int8 (C `char`).
fn as_i8(b: &[u8]) -> &[i8] {
    // SAFETY: u8 and i8 have the same size, alignment and validity.
    unsafe { std::slice::from_raw_parts(b.as_ptr() as *const i8, b.len()) }
}
