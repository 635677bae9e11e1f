//! tskit's tables, as loaded from a `.trees` file (format 12.0 to 12.7).
//!
//! Column names follow tskit's file keys (`nodes/time` is `nodes.time`). IDs are `i32` (-1 is
//! null), flags `u32`, times and positions `f64`. Metadata columns are ragged `u8`. Every
//! table's `metadata_schema` is kept as text so that `dump` round-trips.

use crate::column::{Column, Ragged};

/// tskit's bit pattern for an unknown mutation time (a NaN that spells "tsk_unkn" in ASCII).
pub const UNKNOWN_TIME_BITS: u64 = 0x7FF8_7473_6B69_7421;

pub fn unknown_time() -> f64 {
    f64::from_bits(UNKNOWN_TIME_BITS)
}

pub fn is_unknown_time(t: f64) -> bool {
    t.to_bits() == UNKNOWN_TIME_BITS
}

/// Node flag: the node is a sample.
pub const NODE_IS_SAMPLE: u32 = 1;

#[derive(Clone, Debug, Default)]
pub struct NodeTable {
    pub flags: Column<u32>,
    pub time: Column<f64>,
    pub population: Column<i32>,
    pub individual: Column<i32>,
    pub metadata: Ragged<u8>,
    pub metadata_schema: String,
}

#[derive(Clone, Debug, Default)]
pub struct EdgeTable {
    pub left: Column<f64>,
    pub right: Column<f64>,
    pub parent: Column<i32>,
    pub child: Column<i32>,
    pub metadata: Ragged<u8>,
    pub metadata_schema: String,
}

#[derive(Clone, Debug, Default)]
pub struct SiteTable {
    pub position: Column<f64>,
    pub ancestral_state: Ragged<u8>,
    pub metadata: Ragged<u8>,
    pub metadata_schema: String,
}

#[derive(Clone, Debug, Default)]
pub struct MutationTable {
    pub site: Column<i32>,
    pub node: Column<i32>,
    pub parent: Column<i32>,
    /// Unknown times hold [`UNKNOWN_TIME_BITS`]; absent in the file means all unknown.
    pub time: Column<f64>,
    pub derived_state: Ragged<u8>,
    pub metadata: Ragged<u8>,
    pub metadata_schema: String,
}

#[derive(Clone, Debug, Default)]
pub struct MigrationTable {
    pub left: Column<f64>,
    pub right: Column<f64>,
    pub node: Column<i32>,
    pub source: Column<i32>,
    pub dest: Column<i32>,
    pub time: Column<f64>,
    pub metadata: Ragged<u8>,
    pub metadata_schema: String,
}

#[derive(Clone, Debug, Default)]
pub struct IndividualTable {
    pub flags: Column<u32>,
    pub location: Ragged<f64>,
    pub parents: Ragged<i32>,
    pub metadata: Ragged<u8>,
    pub metadata_schema: String,
}

#[derive(Clone, Debug, Default)]
pub struct PopulationTable {
    pub metadata: Ragged<u8>,
    pub metadata_schema: String,
}

#[derive(Clone, Debug, Default)]
pub struct ProvenanceTable {
    pub timestamp: Ragged<u8>,
    pub record: Ragged<u8>,
}

/// `reference_sequence/*`: all optional; `data` empty when absent.
#[derive(Clone, Debug, Default)]
pub struct ReferenceSequence {
    pub data: String,
    pub url: String,
    pub metadata: Vec<u8>,
    pub metadata_schema: String,
}

#[derive(Clone, Debug, Default)]
pub struct TableCollection {
    /// Format version as read from `format/version` (written back as 12.7... see kastore).
    pub format_version: (u32, u32),
    pub sequence_length: f64,
    /// The 36-character UUID text, as stored.
    pub file_uuid: String,
    pub time_units: String,
    pub metadata: Vec<u8>,
    pub metadata_schema: String,
    pub nodes: NodeTable,
    pub edges: EdgeTable,
    pub sites: SiteTable,
    pub mutations: MutationTable,
    pub migrations: MigrationTable,
    pub individuals: IndividualTable,
    pub populations: PopulationTable,
    pub provenances: ProvenanceTable,
    pub reference_sequence: ReferenceSequence,
    /// `indexes/edge_insertion_order` and `indexes/edge_removal_order`: edge ids sorted by
    /// (left, time[parent], parent, child) and (right, -time[parent], -parent, -child).
    pub edge_insertion_order: Column<i32>,
    pub edge_removal_order: Column<i32>,
}
