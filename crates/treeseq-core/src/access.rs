//! Columns by their `.trees` key (`"nodes/time"`, `"sites/ancestral_state_offset"`), for the
//! bindings: they hand columns to JavaScript as typed arrays over the core's own memory, so
//! they need a column's element type, address and length, not its meaning.

use std::sync::Arc;

use crate::column::{AlignedBytes, Column, Offsets, Pod, Ragged};
use crate::tables::TableCollection;

/// A column's element type, named as JavaScript's typed arrays are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DType {
    I8,
    U8,
    I32,
    U32,
    U64,
    F64,
}

impl DType {
    /// Bytes per element.
    pub fn width(self) -> usize {
        match self {
            DType::I8 | DType::U8 => 1,
            DType::I32 | DType::U32 => 4,
            DType::U64 | DType::F64 => 8,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DType::I8 => "int8",
            DType::U8 => "uint8",
            DType::I32 => "int32",
            DType::U32 => "uint32",
            DType::U64 => "uint64",
            DType::F64 => "float64",
        }
    }
}

/// Where a column's elements are: `ptr` is valid while the tree sequence lives.
#[derive(Clone, Copy, Debug)]
pub struct ColumnInfo {
    pub dtype: DType,
    pub ptr: *const u8,
    /// Number of elements.
    pub len: usize,
    /// True when the column is a view into the loaded file's bytes.
    pub in_file: bool,
}

fn info<T: Pod>(c: &Column<T>, dtype: DType) -> ColumnInfo {
    ColumnInfo {
        dtype,
        ptr: c.as_ptr() as *const u8,
        len: c.len(),
        in_file: c.is_view(),
    }
}

fn offsets_info(o: &Offsets) -> ColumnInfo {
    match o {
        Offsets::U32(c) => info(c, DType::U32),
        Offsets::U64(c) => info(c, DType::U64),
    }
}

fn ragged<T: Pod>(r: &Ragged<T>, dtype: DType, want_offset: bool) -> ColumnInfo {
    if want_offset {
        offsets_info(&r.offset)
    } else {
        info(&r.data, dtype)
    }
}

/// Bytes held as a `String` or `Vec<u8>` (metadata and schemas), as a uint8 column.
fn text_info(bytes: &[u8]) -> ColumnInfo {
    ColumnInfo {
        dtype: DType::U8,
        ptr: bytes.as_ptr(),
        len: bytes.len(),
        in_file: false,
    }
}

/// Metadata that is not a ragged column: the top-level `metadata` and `metadata_schema`, and
/// each table's `metadata_schema` (JSON text), which the TypeScript layer decodes
/// (ts/metadata.ts).
fn metadata_column(t: &TableCollection, key: &str) -> Option<ColumnInfo> {
    let schema = |s: &String| Some(text_info(s.as_bytes()));
    match key {
        "metadata" => Some(text_info(&t.metadata)),
        "metadata_schema" => schema(&t.metadata_schema),
        "nodes/metadata_schema" => schema(&t.nodes.metadata_schema),
        "edges/metadata_schema" => schema(&t.edges.metadata_schema),
        "sites/metadata_schema" => schema(&t.sites.metadata_schema),
        "mutations/metadata_schema" => schema(&t.mutations.metadata_schema),
        "migrations/metadata_schema" => schema(&t.migrations.metadata_schema),
        "individuals/metadata_schema" => schema(&t.individuals.metadata_schema),
        "populations/metadata_schema" => schema(&t.populations.metadata_schema),
        "uuid" => Some(text_info(t.file_uuid.as_bytes())),
        "reference_sequence/data" => Some(text_info(t.reference_sequence.data.as_bytes())),
        "reference_sequence/url" => Some(text_info(t.reference_sequence.url.as_bytes())),
        "reference_sequence/metadata" => Some(text_info(&t.reference_sequence.metadata)),
        "reference_sequence/metadata_schema" => schema(&t.reference_sequence.metadata_schema),
        _ => None,
    }
}

/// The column stored under `key` in a `.trees` file, or `None` for an unknown key.
pub fn column(tables: &TableCollection, key: &str) -> Option<ColumnInfo> {
    if let Some(info) = metadata_column(tables, key) {
        return Some(info);
    }
    let (table, col) = key.split_once('/')?;
    let (col, off) = match col.strip_suffix("_offset") {
        Some(base) => (base, true),
        None => (col, false),
    };
    use DType::*;
    let t = tables;
    Some(match (table, col, off) {
        ("nodes", "flags", false) => info(&t.nodes.flags, U32),
        ("nodes", "time", false) => info(&t.nodes.time, F64),
        ("nodes", "population", false) => info(&t.nodes.population, I32),
        ("nodes", "individual", false) => info(&t.nodes.individual, I32),
        ("nodes", "metadata", o) => ragged(&t.nodes.metadata, U8, o),
        ("edges", "left", false) => info(&t.edges.left, F64),
        ("edges", "right", false) => info(&t.edges.right, F64),
        ("edges", "parent", false) => info(&t.edges.parent, I32),
        ("edges", "child", false) => info(&t.edges.child, I32),
        ("edges", "metadata", o) => ragged(&t.edges.metadata, U8, o),
        ("sites", "position", false) => info(&t.sites.position, F64),
        ("sites", "ancestral_state", o) => ragged(&t.sites.ancestral_state, U8, o),
        ("sites", "metadata", o) => ragged(&t.sites.metadata, U8, o),
        ("mutations", "site", false) => info(&t.mutations.site, I32),
        ("mutations", "node", false) => info(&t.mutations.node, I32),
        ("mutations", "parent", false) => info(&t.mutations.parent, I32),
        ("mutations", "time", false) => info(&t.mutations.time, F64),
        ("mutations", "derived_state", o) => ragged(&t.mutations.derived_state, U8, o),
        ("mutations", "metadata", o) => ragged(&t.mutations.metadata, U8, o),
        ("migrations", "left", false) => info(&t.migrations.left, F64),
        ("migrations", "right", false) => info(&t.migrations.right, F64),
        ("migrations", "node", false) => info(&t.migrations.node, I32),
        ("migrations", "source", false) => info(&t.migrations.source, I32),
        ("migrations", "dest", false) => info(&t.migrations.dest, I32),
        ("migrations", "time", false) => info(&t.migrations.time, F64),
        ("migrations", "metadata", o) => ragged(&t.migrations.metadata, U8, o),
        ("individuals", "flags", false) => info(&t.individuals.flags, U32),
        ("individuals", "location", o) => ragged(&t.individuals.location, F64, o),
        ("individuals", "parents", o) => ragged(&t.individuals.parents, I32, o),
        ("individuals", "metadata", o) => ragged(&t.individuals.metadata, U8, o),
        ("populations", "metadata", o) => ragged(&t.populations.metadata, U8, o),
        ("provenances", "timestamp", o) => ragged(&t.provenances.timestamp, U8, o),
        ("provenances", "record", o) => ragged(&t.provenances.record, U8, o),
        ("indexes", "edge_insertion_order", false) => info(&t.edge_insertion_order, I32),
        ("indexes", "edge_removal_order", false) => info(&t.edge_removal_order, I32),
        _ => return None,
    })
}

/// The loaded file's bytes that view columns borrow from (`None` for tables built in memory).
pub fn file_buffer(tables: &TableCollection) -> Option<Arc<AlignedBytes>> {
    // Required columns of a loaded file are always views; ask them.
    tables
        .nodes
        .flags
        .file_buffer()
        .or_else(|| tables.nodes.time.file_buffer())
        .cloned()
}

/// The tree sequence's summary (tskit's `num_*` properties, sequence length, time units) as a
/// JSON object with camelCase keys, the form the TypeScript layer exposes as properties.
pub fn summary_json(ts: &crate::treeseq::TreeSequence) -> String {
    let t = &ts.tables;
    serde_json::json!({
        "sequenceLength": t.sequence_length,
        "numTrees": ts.breakpoints.len().saturating_sub(1),
        "numSamples": ts.samples.len(),
        "numNodes": t.nodes.time.len(),
        "numEdges": t.edges.left.len(),
        "numSites": t.sites.position.len(),
        "numMutations": t.mutations.site.len(),
        "numIndividuals": t.individuals.flags.len(),
        "numPopulations": t.populations.metadata.num_rows(),
        "numMigrations": t.migrations.left.len(),
        "numProvenances": t.provenances.timestamp.num_rows(),
        "timeUnits": t.time_units,
        "formatVersion": [t.format_version.0, t.format_version.1],
    })
    .to_string()
}
