//! Validation of tables as tskit does at load and in its integrity checks.
//!
//! What it is for: deciding whether a [`TableCollection`] is a valid tree sequence, with the
//! first problem reported as an [`ErrorCode`](crate::ErrorCode) and a message naming the
//! table, column, row and values.
//!
//! What it is not: file parsing (`format.rs` checks keys and types); nothing here repairs.

use crate::bail;
use crate::error::Result;
use crate::format::check_offsets;
use crate::tables::TableCollection;

/// All checks, in a fixed order; the first failure is returned.
pub fn validate(tc: &TableCollection) -> Result<()> {
    check_structure(tc)?;
    Ok(())
}

fn same_len(table: &str, columns: &[(&str, usize)]) -> Result<usize> {
    let (first, n) = columns[0];
    for &(name, len) in &columns[1..] {
        if len != n {
            bail!(ColumnLength, "{table}/{name} has {len} rows but {table}/{first} has {n}");
        }
    }
    Ok(n)
}

/// Column lengths agree within each table and ragged offsets are well formed: what makes
/// every row access in bounds. Tables read from a file already passed this in `format.rs`;
/// in-memory tables meet it here.
pub fn check_structure(tc: &TableCollection) -> Result<()> {
    let n = &tc.nodes;
    check_offsets("nodes/metadata_offset", &n.metadata.offset, n.metadata.data.len())?;
    same_len("nodes", &[("flags", n.flags.len()), ("time", n.time.len()), ("population", n.population.len()), ("individual", n.individual.len()), ("metadata_offset", n.metadata.num_rows())])?;
    let e = &tc.edges;
    check_offsets("edges/metadata_offset", &e.metadata.offset, e.metadata.data.len())?;
    same_len("edges", &[("left", e.left.len()), ("right", e.right.len()), ("parent", e.parent.len()), ("child", e.child.len()), ("metadata_offset", e.metadata.num_rows())])?;
    let s = &tc.sites;
    check_offsets("sites/ancestral_state_offset", &s.ancestral_state.offset, s.ancestral_state.data.len())?;
    check_offsets("sites/metadata_offset", &s.metadata.offset, s.metadata.data.len())?;
    same_len("sites", &[("position", s.position.len()), ("ancestral_state_offset", s.ancestral_state.num_rows()), ("metadata_offset", s.metadata.num_rows())])?;
    let m = &tc.mutations;
    check_offsets("mutations/derived_state_offset", &m.derived_state.offset, m.derived_state.data.len())?;
    check_offsets("mutations/metadata_offset", &m.metadata.offset, m.metadata.data.len())?;
    same_len("mutations", &[("site", m.site.len()), ("node", m.node.len()), ("parent", m.parent.len()), ("time", m.time.len()), ("derived_state_offset", m.derived_state.num_rows()), ("metadata_offset", m.metadata.num_rows())])?;
    let g = &tc.migrations;
    check_offsets("migrations/metadata_offset", &g.metadata.offset, g.metadata.data.len())?;
    same_len("migrations", &[("left", g.left.len()), ("right", g.right.len()), ("node", g.node.len()), ("source", g.source.len()), ("dest", g.dest.len()), ("time", g.time.len()), ("metadata_offset", g.metadata.num_rows())])?;
    let i = &tc.individuals;
    check_offsets("individuals/location_offset", &i.location.offset, i.location.data.len())?;
    check_offsets("individuals/parents_offset", &i.parents.offset, i.parents.data.len())?;
    check_offsets("individuals/metadata_offset", &i.metadata.offset, i.metadata.data.len())?;
    same_len("individuals", &[("flags", i.flags.len()), ("location_offset", i.location.num_rows()), ("parents_offset", i.parents.num_rows()), ("metadata_offset", i.metadata.num_rows())])?;
    let p = &tc.populations;
    check_offsets("populations/metadata_offset", &p.metadata.offset, p.metadata.data.len())?;
    let v = &tc.provenances;
    check_offsets("provenances/timestamp_offset", &v.timestamp.offset, v.timestamp.data.len())?;
    check_offsets("provenances/record_offset", &v.record.offset, v.record.data.len())?;
    same_len("provenances", &[("timestamp_offset", v.timestamp.num_rows()), ("record_offset", v.record.num_rows())])?;
    Ok(())
}
