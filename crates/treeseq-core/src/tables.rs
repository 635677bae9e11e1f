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
    /// Format version as read from `format/version`; `dump` always writes 12.7, the version
    /// whose keys it writes.
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
    /// `(left, time[parent], parent, child)` and `(right, -time[parent], -parent, -child)`.
    pub edge_insertion_order: Column<i32>,
    pub edge_removal_order: Column<i32>,
}

impl TableCollection {
    /// Writes the tables as a `.trees` file (see `format::dump_tables`).
    pub fn dump(&self) -> Vec<u8> {
        crate::format::dump_tables(self)
    }

    /// Loads tables from a `.trees` file without validating their values.
    pub fn load(bytes: &[u8]) -> crate::Result<TableCollection> {
        crate::format::load_tables(bytes)
    }

    /// (Re)builds the edge indexes as tskit does: insertion order sorts edge ids by
    /// `(left, time[parent], parent, child)`, removal order by
    /// `(right, -time[parent], -parent, -child)`. Fails (`BadEdges`) if an edge's parent is not a
    /// node id.
    pub fn build_indexes(&mut self) -> crate::Result<()> {
        let e = &self.edges;
        let t = &self.nodes.time;
        if e.right.len() != e.left.len()
            || e.parent.len() != e.left.len()
            || e.child.len() != e.left.len()
        {
            crate::bail!(
                ColumnLength,
                "edges: columns left, right, parent, child differ in length"
            );
        }
        if let Some(j) = e
            .parent
            .iter()
            .position(|&p| p < 0 || p as usize >= t.len())
        {
            crate::bail!(
                BadEdges,
                "edges row {j}: parent {} is not a node id (0..{})",
                e.parent[j],
                t.len()
            );
        }
        let mut ins: Vec<i32> = (0..e.left.len() as i32).collect();
        let mut rem = ins.clone();
        let pt = |j: i32| t[e.parent[j as usize] as usize];
        ins.sort_by(|&a, &b| {
            let (a, b) = (a as usize, b as usize);
            e.left[a]
                .total_cmp(&e.left[b])
                .then(pt(a as i32).total_cmp(&pt(b as i32)))
                .then(e.parent[a].cmp(&e.parent[b]))
                .then(e.child[a].cmp(&e.child[b]))
        });
        rem.sort_by(|&a, &b| {
            let (a, b) = (a as usize, b as usize);
            e.right[a]
                .total_cmp(&e.right[b])
                .then(pt(b as i32).total_cmp(&pt(a as i32)))
                .then(e.parent[b].cmp(&e.parent[a]))
                .then(e.child[b].cmp(&e.child[a]))
        });
        self.edge_insertion_order = Column::owned(ins);
        self.edge_removal_order = Column::owned(rem);
        Ok(())
    }
}
