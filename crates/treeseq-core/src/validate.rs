//! Validation of tables as tskit does when it loads a tree sequence.
//!
//! What it is for: deciding whether a [`TableCollection`] is a valid tree sequence (tskit's
//! `tsk_table_collection_check_integrity` with the tree checks that `tsk_treeseq_init` runs),
//! reporting the first problem as an [`ErrorCode`](crate::ErrorCode) and a message naming the
//! table, row and values. Once `validate` passes, the rest of the crate may index columns by
//! the ids they hold without further checks.
//!
//! The checks per table are independent, so they run in parallel (`rayon::join`, and the row
//! checks of the large tables in chunks); each produces its first error and the errors are then
//! taken in a fixed order (nodes, individuals, edges, sites, mutations, migrations, indexes,
//! then the walk along the trees), so the answer never depends on the number of threads.
//!
//! What it is not: file parsing (`format.rs` checks keys, types and offsets while reading);
//! nothing here repairs or rebuilds (`TableCollection::build_indexes` does).

use rayon::prelude::*;

use crate::bail;
use crate::error::{Result, TreeSeqError};
use crate::format::check_offsets;
use crate::tables::{is_unknown_time, EdgeTable, TableCollection};
use crate::treeseq::{EdgeEvent, EdgeEvents};

/// Rows per chunk for the chunked row checks: large enough that scheduling costs nothing,
/// small enough that big tables spread over the pool.
const CHUNK_ROWS: usize = 1 << 15;

/// All checks; the first failure in the fixed order described in the module docs.
pub fn validate(tc: &TableCollection) -> Result<()> {
    validate_and_derive(tc).map(|_| ())
}

/// What validation builds on its way and a tree sequence keeps: nothing is derived twice.
pub struct Derived {
    /// The edge insertions and removals in index order, gathered while the indexes are
    /// checked (the walk along the trees reads them in sequence).
    pub edge_events: EdgeEvents,
    /// The tree breakpoints, in the order the walk along the trees meets them.
    pub breakpoints: Vec<f64>,
}

/// [`validate`], keeping what the checks built: the edge events and the breakpoints.
pub fn validate_and_derive(tc: &TableCollection) -> Result<Derived> {
    check_structure(tc)?;
    let l = tc.sequence_length;
    // Written so that NaN fails too.
    if !(l > 0.0 && l.is_finite()) {
        bail!(
            BadSequenceLength,
            "sequence_length is {l:?}; it must be a finite number > 0"
        );
    }
    let ((nodes, individuals), (edges, ((sites, mutations), (migrations, indexes)))) = rayon::join(
        || rayon::join(|| check_nodes(tc), || check_individuals(tc)),
        || {
            rayon::join(
                || check_edges(tc),
                || {
                    rayon::join(
                        || rayon::join(|| check_sites(tc), || check_mutations(tc)),
                        || rayon::join(|| check_migrations(tc), || check_indexes(tc)),
                    )
                },
            )
        },
    );
    nodes?;
    individuals?;
    edges?;
    sites?;
    mutations?;
    migrations?;
    let edge_events = indexes?;
    let breakpoints = check_trees(tc, &edge_events)?;
    Ok(Derived {
        edge_events,
        breakpoints,
    })
}

fn same_len(table: &str, columns: &[(&str, usize)]) -> Result<()> {
    let (first, n) = columns[0];
    for &(name, len) in &columns[1..] {
        if len != n {
            bail!(
                ColumnLength,
                "{table}/{name} has {len} rows but {table}/{first} has {n}"
            );
        }
    }
    Ok(())
}

/// Column lengths agree within each table and ragged offsets are well formed: what makes
/// every row access in bounds. Tables read from a file already passed this in `format.rs`;
/// tables built in memory meet it here.
pub fn check_structure(tc: &TableCollection) -> Result<()> {
    macro_rules! offsets {
        ($key:literal, $r:expr) => {
            check_offsets($key, &$r.offset, $r.data.len())?
        };
    }
    let n = &tc.nodes;
    offsets!("nodes/metadata_offset", n.metadata);
    same_len(
        "nodes",
        &[
            ("flags", n.flags.len()),
            ("time", n.time.len()),
            ("population", n.population.len()),
            ("individual", n.individual.len()),
            ("metadata_offset", n.metadata.num_rows()),
        ],
    )?;
    let e = &tc.edges;
    offsets!("edges/metadata_offset", e.metadata);
    same_len(
        "edges",
        &[
            ("left", e.left.len()),
            ("right", e.right.len()),
            ("parent", e.parent.len()),
            ("child", e.child.len()),
            ("metadata_offset", e.metadata.num_rows()),
        ],
    )?;
    let s = &tc.sites;
    offsets!("sites/ancestral_state_offset", s.ancestral_state);
    offsets!("sites/metadata_offset", s.metadata);
    same_len(
        "sites",
        &[
            ("position", s.position.len()),
            ("ancestral_state_offset", s.ancestral_state.num_rows()),
            ("metadata_offset", s.metadata.num_rows()),
        ],
    )?;
    let m = &tc.mutations;
    offsets!("mutations/derived_state_offset", m.derived_state);
    offsets!("mutations/metadata_offset", m.metadata);
    same_len(
        "mutations",
        &[
            ("site", m.site.len()),
            ("node", m.node.len()),
            ("parent", m.parent.len()),
            ("time", m.time.len()),
            ("derived_state_offset", m.derived_state.num_rows()),
            ("metadata_offset", m.metadata.num_rows()),
        ],
    )?;
    let g = &tc.migrations;
    offsets!("migrations/metadata_offset", g.metadata);
    same_len(
        "migrations",
        &[
            ("left", g.left.len()),
            ("right", g.right.len()),
            ("node", g.node.len()),
            ("source", g.source.len()),
            ("dest", g.dest.len()),
            ("time", g.time.len()),
            ("metadata_offset", g.metadata.num_rows()),
        ],
    )?;
    let i = &tc.individuals;
    offsets!("individuals/location_offset", i.location);
    offsets!("individuals/parents_offset", i.parents);
    offsets!("individuals/metadata_offset", i.metadata);
    same_len(
        "individuals",
        &[
            ("flags", i.flags.len()),
            ("location_offset", i.location.num_rows()),
            ("parents_offset", i.parents.num_rows()),
            ("metadata_offset", i.metadata.num_rows()),
        ],
    )?;
    offsets!("populations/metadata_offset", tc.populations.metadata);
    let v = &tc.provenances;
    offsets!("provenances/timestamp_offset", v.timestamp);
    offsets!("provenances/record_offset", v.record);
    same_len(
        "provenances",
        &[
            ("timestamp_offset", v.timestamp.num_rows()),
            ("record_offset", v.record.num_rows()),
        ],
    )?;
    // Ids are i32: a table with more rows than that could not be referred to.
    for (table, rows) in [
        ("nodes", n.time.len()),
        ("edges", e.left.len()),
        ("sites", s.position.len()),
        ("mutations", m.site.len()),
        ("individuals", i.flags.len()),
        ("populations", tc.populations.metadata.num_rows()),
    ] {
        if rows > i32::MAX as usize {
            bail!(
                ColumnLength,
                "{table} has {rows} rows, more than ids (int32) can address"
            );
        }
    }
    Ok(())
}

/// Runs `check(range)` over `0..rows` in chunks on the rayon pool and returns the error of
/// the lowest chunk that has one: the same answer a sequential pass gives.
fn chunked(rows: usize, check: impl Fn(std::ops::Range<usize>) -> Result<()> + Sync) -> Result<()> {
    if rows <= CHUNK_ROWS {
        return check(0..rows);
    }
    let starts: Vec<usize> = (0..rows).step_by(CHUNK_ROWS).collect();
    let errors: Vec<Option<TreeSeqError>> = starts
        .par_iter()
        .map(|&s| check(s..(s + CHUNK_ROWS).min(rows)).err())
        .collect();
    match errors.into_iter().flatten().next() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The first row of `0..rows` that `find` finds, searching chunks on the rayon pool (a
/// search item by item costs more in synchronisation than the test itself).
fn first_in_chunks(
    rows: usize,
    find: impl Fn(std::ops::Range<usize>) -> Option<usize> + Sync,
) -> Option<usize> {
    if rows <= CHUNK_ROWS {
        return find(0..rows);
    }
    (0..rows.div_ceil(CHUNK_ROWS))
        .into_par_iter()
        .map(|c| find(c * CHUNK_ROWS..((c + 1) * CHUNK_ROWS).min(rows)))
        .find_first(Option::is_some)
        .flatten()
}

/// True when `id` is -1 (null) or a row of a table with `n` rows.
fn null_or_in(id: i32, n: usize) -> bool {
    id == -1 || in_range(id, n)
}

fn in_range(id: i32, n: usize) -> bool {
    id >= 0 && (id as usize) < n
}

fn check_nodes(tc: &TableCollection) -> Result<()> {
    let n = &tc.nodes;
    let num_pops = tc.populations.metadata.num_rows();
    let num_inds = tc.individuals.flags.len();
    chunked(n.time.len(), |rows| {
        for j in rows {
            let t = n.time[j];
            if !t.is_finite() {
                bail!(BadNodes, "nodes row {j}: time {t:?} is not finite");
            }
            let p = n.population[j];
            if !null_or_in(p, num_pops) {
                bail!(
                    BadNodes,
                    "nodes row {j}: population {p} is not -1 or a population id (0..{num_pops})"
                );
            }
            let i = n.individual[j];
            if !null_or_in(i, num_inds) {
                bail!(
                    BadNodes,
                    "nodes row {j}: individual {i} is not -1 or an individual id (0..{num_inds})"
                );
            }
        }
        Ok(())
    })
}

fn check_individuals(tc: &TableCollection) -> Result<()> {
    let ind = &tc.individuals;
    let num_inds = ind.flags.len();
    for j in 0..num_inds {
        for &p in ind.parents.row(j) {
            if !null_or_in(p, num_inds) {
                bail!(
                    BadIndividuals,
                    "individuals row {j}: parent {p} is not -1 or an individual id (0..{num_inds})"
                );
            }
            if p as usize == j {
                bail!(
                    BadIndividuals,
                    "individuals row {j}: the individual is its own parent"
                );
            }
        }
    }
    Ok(())
}

/// Per-row edge checks (ids, interval, times) in parallel chunks, then the sort order, which
/// compares each row with the one before and tracks which parents were seen.
fn check_edges(tc: &TableCollection) -> Result<()> {
    let e = &tc.edges;
    let time = &tc.nodes.time;
    let num_nodes = time.len();
    let l = tc.sequence_length;
    chunked(e.left.len(), |rows| {
        for j in rows {
            let (parent, child, left, right) = (e.parent[j], e.child[j], e.left[j], e.right[j]);
            if parent == -1 {
                bail!(BadEdges, "edges row {j}: parent is null (-1)");
            }
            if child == -1 {
                bail!(BadEdges, "edges row {j}: child is null (-1)");
            }
            if !in_range(parent, num_nodes) {
                bail!(
                    BadEdges,
                    "edges row {j}: parent {parent} is not a node id (0..{num_nodes})"
                );
            }
            if !in_range(child, num_nodes) {
                bail!(
                    BadEdges,
                    "edges row {j}: child {child} is not a node id (0..{num_nodes})"
                );
            }
            if !left.is_finite() || !right.is_finite() {
                bail!(
                    BadEdges,
                    "edges row {j}: interval [{left:?}, {right:?}) is not finite"
                );
            }
            if left < 0.0 {
                bail!(BadEdges, "edges row {j}: left {left:?} is < 0");
            }
            if right > l {
                bail!(
                    BadEdges,
                    "edges row {j}: right {right:?} is > sequence_length {l:?}"
                );
            }
            if left >= right {
                bail!(
                    BadEdges,
                    "edges row {j}: left {left:?} is not < right {right:?}"
                );
            }
            let (tp, tc_) = (time[parent as usize], time[child as usize]);
            if tc_ >= tp {
                bail!(BadEdges, "edges row {j}: child {child} (time {tc_:?}) is not younger than parent {parent} (time {tp:?})");
            }
        }
        Ok(())
    })?;

    // Sorted by (time[parent], parent, child, left), each parent's edges contiguous, and one
    // child's intervals under one parent disjoint. Like tskit, parents of equal time need only
    // be contiguous, not in id order.
    let mut parent_seen = vec![false; num_nodes];
    for j in 0..e.left.len() {
        let (parent, child) = (e.parent[j], e.child[j]);
        if j > 0 {
            let (lp, lc) = (e.parent[j - 1], e.child[j - 1]);
            let (tp, tlp) = (time[parent as usize], time[lp as usize]);
            if tp < tlp {
                bail!(BadEdges, "edges rows {} and {j} are not sorted by parent time: parent {lp} (time {tlp:?}) comes before parent {parent} (time {tp:?})", j - 1);
            }
            if parent == lp {
                if child < lc {
                    bail!(BadEdges, "edges rows {} and {j} (parent {parent}) are not sorted by child: {lc} comes before {child}", j - 1);
                }
                if child == lc {
                    let (ll, lr, left) = (e.left[j - 1], e.right[j - 1], e.left[j]);
                    if left == ll {
                        bail!(BadEdges, "edges rows {} and {j} are duplicates (parent {parent}, child {child}, left {left:?})", j - 1);
                    }
                    if left < ll {
                        bail!(BadEdges, "edges rows {} and {j} (parent {parent}, child {child}) are not sorted by left: {ll:?} comes before {left:?}", j - 1);
                    }
                    if left < lr {
                        bail!(BadEdges, "edges rows {} and {j}: child {child}'s intervals [{ll:?}, {lr:?}) and [{left:?}, {:?}) under parent {parent} overlap", j - 1, e.right[j]);
                    }
                }
            } else if parent_seen[parent as usize] {
                bail!(BadEdges, "edges row {j}: parent {parent}'s edges are not contiguous (it also has edges before row {})", j - 1);
            }
        }
        parent_seen[parent as usize] = true;
    }
    Ok(())
}

fn check_sites(tc: &TableCollection) -> Result<()> {
    let pos = &tc.sites.position;
    let l = tc.sequence_length;
    chunked(pos.len(), |rows| {
        for j in rows {
            let x = pos[j];
            // Written so that NaN fails too.
            if !(x >= 0.0 && x < l) {
                bail!(
                    BadSites,
                    "sites row {j}: position {x:?} is not in [0, sequence_length {l:?})"
                );
            }
            if j > 0 {
                let last = pos[j - 1];
                if x == last {
                    bail!(
                        BadSites,
                        "sites rows {} and {j}: duplicate position {x:?}",
                        j - 1
                    );
                }
                if x < last {
                    bail!(BadSites, "sites rows {} and {j} are not sorted by position: {last:?} comes before {x:?}", j - 1);
                }
            }
        }
        Ok(())
    })
}

/// Per-row mutation checks (all need only the row, its predecessor and its parent):
/// ids in range, sorted by site, parent earlier and on the same site, and tskit's time rules:
/// a known time is finite, >= its node's time and <= its parent mutation's time; within a
/// site times are all known or all unknown, and known ones never increase.
fn check_mutations(tc: &TableCollection) -> Result<()> {
    let m = &tc.mutations;
    let num_muts = m.site.len();
    let num_sites = tc.sites.position.len();
    let node_time = &tc.nodes.time;
    let num_nodes = node_time.len();
    chunked(num_muts, |rows| {
        for j in rows {
            let (site, node, parent, time) = (m.site[j], m.node[j], m.parent[j], m.time[j]);
            if !in_range(site, num_sites) {
                bail!(
                    BadMutations,
                    "mutations row {j}: site {site} is not a site id (0..{num_sites})"
                );
            }
            if !in_range(node, num_nodes) {
                bail!(
                    BadMutations,
                    "mutations row {j}: node {node} is not a node id (0..{num_nodes})"
                );
            }
            if !null_or_in(parent, num_muts) {
                bail!(
                    BadMutations,
                    "mutations row {j}: parent {parent} is not -1 or a mutation id (0..{num_muts})"
                );
            }
            if parent as usize == j {
                bail!(
                    BadMutations,
                    "mutations row {j}: the mutation is its own parent"
                );
            }
            let unknown = is_unknown_time(time);
            if !unknown && !time.is_finite() {
                bail!(
                    BadMutations,
                    "mutations row {j}: time {time:?} is not finite (nor tskit's 'unknown')"
                );
            }
            if j > 0 {
                let last_site = m.site[j - 1];
                if site < last_site {
                    bail!(BadMutations, "mutations rows {} and {j} are not sorted by site: {last_site} comes before {site}", j - 1);
                }
                let last_time = m.time[j - 1];
                if site == last_site {
                    if unknown != is_unknown_time(last_time) {
                        bail!(BadMutations, "mutations rows {} and {j} (site {site}): times must be all known or all unknown within a site", j - 1);
                    }
                    if !unknown && time > last_time {
                        bail!(BadMutations, "mutations rows {} and {j} (site {site}) are not sorted by decreasing time: {last_time:?} comes before {time:?}", j - 1);
                    }
                }
            }
            if parent != -1 {
                let p = parent as usize;
                if m.site[p] != site {
                    bail!(BadMutations, "mutations row {j}: parent mutation {parent} is at site {}, not at site {site}", m.site[p]);
                }
                if p > j {
                    bail!(
                        BadMutations,
                        "mutations row {j}: parent mutation {parent} comes after its child"
                    );
                }
            }
            if !unknown {
                let tn = node_time[node as usize];
                if time < tn {
                    bail!(BadMutations, "mutations row {j}: time {time:?} is younger than its node {node} (time {tn:?})");
                }
                if parent != -1 {
                    let tp = m.time[parent as usize];
                    if !is_unknown_time(tp) && time > tp {
                        bail!(BadMutations, "mutations row {j}: time {time:?} is older than its parent mutation {parent} (time {tp:?})");
                    }
                }
            }
        }
        Ok(())
    })
}

fn check_migrations(tc: &TableCollection) -> Result<()> {
    let g = &tc.migrations;
    let num_nodes = tc.nodes.time.len();
    let num_pops = tc.populations.metadata.num_rows();
    let l = tc.sequence_length;
    for j in 0..g.left.len() {
        let (left, right, node, time) = (g.left[j], g.right[j], g.node[j], g.time[j]);
        if !in_range(node, num_nodes) {
            bail!(
                BadMigrations,
                "migrations row {j}: node {node} is not a node id (0..{num_nodes})"
            );
        }
        for (what, p) in [("source", g.source[j]), ("dest", g.dest[j])] {
            if !in_range(p, num_pops) {
                bail!(
                    BadMigrations,
                    "migrations row {j}: {what} {p} is not a population id (0..{num_pops})"
                );
            }
        }
        if !left.is_finite() || !right.is_finite() {
            bail!(
                BadMigrations,
                "migrations row {j}: interval [{left:?}, {right:?}) is not finite"
            );
        }
        if !(left >= 0.0 && left < right && right <= l) {
            bail!(BadMigrations, "migrations row {j}: interval [{left:?}, {right:?}) is not inside [0, {l:?}) with left < right");
        }
        if !time.is_finite() {
            bail!(
                BadMigrations,
                "migrations row {j}: time {time:?} is not finite"
            );
        }
        if j > 0 && time < g.time[j - 1] {
            bail!(
                BadMigrations,
                "migrations rows {} and {j} are not sorted by time: {:?} comes before {time:?}",
                j - 1,
                g.time[j - 1]
            );
        }
    }
    Ok(())
}

/// The edge indexes: present when there are edges (tskit does not rebuild them at load), one
/// entry per edge, each edge exactly once, and sorted by left (insertion) and right (removal),
/// which the tree walk needs to visit every edge in order. Returns the edge events gathered on
/// the way. The two indexes are checked at once; the insertion order's error comes first.
fn check_indexes(tc: &TableCollection) -> Result<EdgeEvents> {
    let e = &tc.edges;
    let num_edges = e.left.len();
    let (ins, rem) = (&tc.edge_insertion_order, &tc.edge_removal_order);
    if ins.is_empty() && rem.is_empty() {
        if num_edges > 0 {
            bail!(TablesNotIndexed, "the edge indexes (indexes/edge_insertion_order and edge_removal_order) are missing; tskit requires them (build them with tskit's `tables.build_index()` or `TableCollection::build_indexes`)");
        }
        return Ok(EdgeEvents {
            insertions: Vec::new(),
            removals: Vec::new(),
        });
    }
    let (insertions, removals) = rayon::join(
        || check_index("edge_insertion_order", ins, e, true),
        || check_index("edge_removal_order", rem, e, false),
    );
    Ok(EdgeEvents {
        insertions: insertions?,
        removals: removals?,
    })
}

/// One edge index: its length, then, entry by entry, an edge id in range, listed once and in
/// order of left (`by_left`) or right. Reports the first failing entry, as a pass in entry
/// order would, but in three passes that each run at memory speed: the ids in range (and
/// the events gathered for those before the first that is not), the order (over the
/// gathered positions, read in sequence), and the repeats (a bitmap).
fn check_index(name: &str, index: &[i32], e: &EdgeTable, by_left: bool) -> Result<Vec<EdgeEvent>> {
    let num_edges = e.left.len();
    if index.len() != num_edges {
        bail!(TablesNotIndexed, "indexes/{name} has {} entries but there are {num_edges} edges; the indexes must be rebuilt", index.len());
    }
    let at: &[f64] = if by_left { &e.left } else { &e.right };
    let (parent, child) = (&e.parent[..], &e.child[..]);
    let out_of_range = first_in_chunks(num_edges, |rows| {
        rows.into_iter().find(|&k| !in_range(index[k], num_edges))
    });
    // Entries before the first id out of range are gathered and checked for order and
    // repeats; an error among them comes before the one out of range.
    let valid = &index[..out_of_range.unwrap_or(num_edges)];
    // Huge pages where the system gives them: 16 bytes an edge, kept by the tree sequence.
    let mut events: Vec<EdgeEvent> = crate::memory::large_vec(valid.len());
    valid
        .par_iter()
        .with_min_len(CHUNK_ROWS)
        .map(|&id| {
            let id = id as usize;
            EdgeEvent {
                position: at[id],
                parent: parent[id],
                child: child[id],
            }
        })
        .collect_into_vec(&mut events);
    let (unordered, repeated) = rayon::join(
        || {
            // A NaN coordinate fails too (the edge checks report it first).
            first_in_chunks(events.len(), |rows| {
                rows.into_iter().filter(|&k| k > 0).find(|&k| {
                    let (a, b) = (events[k - 1].position, events[k].position);
                    a.partial_cmp(&b).is_none_or(|o| o.is_gt())
                })
            })
        },
        || {
            // One bit an edge: 1,000,000 edges fit in 125 KiB, in the core's own cache.
            let mut seen = vec![0u64; num_edges.div_ceil(64)];
            valid.iter().position(|&id| {
                let (word, bit) = (id as usize / 64, 1u64 << (id % 64));
                let repeat = seen[word] & bit != 0;
                seen[word] |= bit;
                repeat
            })
        },
    );
    // At one entry a repeat is reported before the order, as the entry-order pass did.
    match (repeated, unordered) {
        (Some(k), u) if u.is_none_or(|u| k <= u) => {
            bail!(
                TablesNotIndexed,
                "indexes/{name}[{k}]: edge {} is listed twice; the indexes must be rebuilt",
                index[k]
            )
        }
        (_, Some(k)) => {
            let (prev, id) = (index[k - 1], index[k]);
            let side = if by_left { "left" } else { "right" };
            bail!(TablesNotIndexed, "indexes/{name}[{}..={k}]: edges {prev} and {id} are not in order of {side} ({:?} then {:?}); the indexes must be rebuilt", k - 1, events[k - 1].position, events[k].position);
        }
        _ => {}
    }
    if let Some(k) = out_of_range {
        bail!(
            TablesNotIndexed,
            "indexes/{name}[{k}] is {}, not an edge id (0..{num_edges})",
            index[k]
        );
    }
    Ok(events)
}

/// Walks along the genome as the tree iterator does, over the edge events, and checks what
/// needs the trees: no node has two parents at once (overlapping edges for one child); a
/// mutation with a known time is younger than the parent of its node; and each mutation's
/// parent is the one the topology gives (tskit 1.x refuses files where it is not): the
/// latest earlier mutation at the same site on its node, or else on the nearest ancestor that
/// has one. Returns the tree breakpoints: the left end of every tree the walk visits, then
/// the sequence length.
///
/// The genome is walked in pieces on the pool, one per thread (up to [`MAX_WALK_PIECES`]),
/// each from the trees it starts in. Valid tables, the common case, then cost one piece's
/// time; when any piece finds a problem, one walk over the whole genome finds the one to
/// report, so the answer never depends on the number of threads.
fn check_trees(tc: &TableCollection, events: &EdgeEvents) -> Result<Vec<f64>> {
    let starts = walk_starts(events, tc.sequence_length);
    let mut breakpoints = None;
    if starts.len() > 1 {
        let pieces: Vec<Result<Vec<f64>>> = (0..starts.len())
            .into_par_iter()
            .map(|c| walk_trees(tc, events, starts[c], starts.get(c + 1).copied()))
            .collect();
        if pieces.iter().all(|p| p.is_ok()) {
            breakpoints = Some(pieces.into_iter().flatten().flatten().collect());
        }
    }
    let mut breakpoints = match breakpoints {
        Some(b) => b,
        None => walk_trees(tc, events, 0.0, None)?,
    };
    // The breakpoints are the distinct values of 0, every edge's left and right, and the
    // sequence length, in order; where an edge's left is -0.0 the first one is -0.0 (the
    // order of `f64::total_cmp`, which puts -0.0 before 0.0), and such edges come first.
    if events
        .insertions
        .iter()
        .take_while(|ev| ev.position == 0.0)
        .any(|ev| ev.position.is_sign_negative())
    {
        breakpoints[0] = -0.0;
    }
    Ok(breakpoints)
}

/// At most this many pieces of the walk along the trees: each holds two arrays of one entry
/// per node (12 bytes a node), and the walk is a small part of loading past a few threads.
const MAX_WALK_PIECES: usize = 8;

/// Fewest insertions per piece of the walk: each piece past the first starts with a pass over
/// the whole edge table (reading in sequence, cheaper per edge than the walk), so pieces stay
/// large, and a small table is walked in one.
const MIN_WALK_PIECE_EDGES: usize = 1 << 12;

/// Where the pieces of the walk start: 0, then the positions of evenly spaced insertions past
/// the first tree's (so each piece has about as many edge events), each past the one before.
/// The first tree's insertions are left out of the spacing: they are often most of the edges
/// (600,000 of 1,065,000 on a 300,000-sample simulation), and spacing over them put every
/// start at 0, one piece for any number of threads; the first piece inserts them as a later
/// piece passes over the edge table to find the edges crossing its start, at a like cost.
fn walk_starts(events: &EdgeEvents, l: f64) -> Vec<f64> {
    let ins = &events.insertions;
    let first = ins.first().map_or(0.0, |ev| ev.position);
    let later = &ins[ins.partition_point(|ev| ev.position <= first)..];
    let pieces = rayon::current_num_threads()
        .min(MAX_WALK_PIECES)
        .min(later.len() / MIN_WALK_PIECE_EDGES)
        .max(1);
    let mut starts = vec![0.0];
    for c in 1..pieces {
        let x = later[c * later.len() / pieces].position;
        if x > starts[starts.len() - 1] && x < l {
            starts.push(x);
        }
    }
    starts
}

/// The walk of [`check_trees`] over the trees from position `from` (0 or an insertion's
/// position) to `to` (or to the end of the genome), returning their left ends (and the
/// sequence length, at the end). A piece that starts past 0 first finds the edges crossing
/// `from`, in one pass over the edge table; its errors are only a sign that there is one
/// (the caller walks the whole genome to find the one to report).
fn walk_trees(
    tc: &TableCollection,
    events: &EdgeEvents,
    from: f64,
    to: Option<f64>,
) -> Result<Vec<f64>> {
    let e = &tc.edges;
    let (ins, rem) = (&events.insertions[..], &events.removals[..]);
    let num_edges = ins.len();
    let l = tc.sequence_length;
    let node_time = &tc.nodes.time;
    let pos = &tc.sites.position;
    let m = &tc.mutations;
    /// A node's parent in the current tree (-1: none) and the insertion that set it (for the
    /// message when a second one comes): one record, so an event touches one cache line.
    #[derive(Clone, Copy)]
    struct Link {
        parent: i32,
        insertion: u32,
    }
    let none = Link {
        parent: -1,
        insertion: 0,
    };
    let mut links = crate::memory::large_vec(node_time.len());
    links.resize(node_time.len(), none);
    // Per node, the latest mutation at the current site seen so far (reset after each site).
    let mut bottom_mutation = vec![-1i32; node_time.len()];
    let mut breakpoints = Vec::new();
    let (mut j, mut k) = (0usize, 0usize);
    let (mut site, mut mutation) = (0usize, 0usize);
    let mut left = 0.0;
    if from > 0.0 {
        // The edges crossing `from` (not those that end there: their removals come first at
        // `from`); the walk goes on with the insertions at `from` and the removals after it.
        for edge in 0..e.left.len() {
            if e.left[edge] < from && e.right[edge] > from {
                let link = &mut links[e.child[edge] as usize];
                if link.parent != -1 {
                    bail!(
                        BadEdges,
                        "edges crossing position {from:?}: child {} has two parents",
                        e.child[edge]
                    );
                }
                link.parent = e.parent[edge];
            }
        }
        j = ins.partition_point(|ev| ev.position < from);
        k = rem.partition_point(|ev| ev.position <= from);
        site = pos.partition_point(|&x| x < from);
        mutation = m.site.partition_point(|&s| (s as usize) < site);
        left = from;
    }
    let end = to.unwrap_or(l);
    while left < end || (to.is_none() && j < num_edges) {
        while k < num_edges && rem[k].position == left {
            links[rem[k].child as usize].parent = -1;
            k += 1;
        }
        while j < num_edges && ins[j].position == left {
            let ev = ins[j];
            let link = &mut links[ev.child as usize];
            if link.parent != -1 {
                let (other, edge) = (
                    tc.edge_insertion_order[link.insertion as usize],
                    tc.edge_insertion_order[j],
                );
                bail!(BadEdges, "edges rows {other} and {edge}: child {} has two parents ({} and {}) at position {left:?}", ev.child, link.parent, ev.parent);
            }
            *link = Link {
                parent: ev.parent,
                insertion: j as u32,
            };
            j += 1;
        }
        let mut right = l;
        if j < num_edges {
            right = right.min(ins[j].position);
        }
        if k < num_edges {
            right = right.min(rem[k].position);
        }
        // Sorted, consistent indexes always move forward; this also guarantees termination.
        if right.partial_cmp(&left) != Some(std::cmp::Ordering::Greater) {
            bail!(TablesNotIndexed, "the edge indexes are inconsistent with the edges at position {left:?}; they must be rebuilt");
        }
        breakpoints.push(left);
        let parent_of = |u: usize| match links[u].parent {
            -1 => None,
            p => Some(p as usize),
        };
        while site < pos.len() && pos[site] < right {
            let first = mutation;
            while mutation < m.site.len() && m.site[mutation] as usize == site {
                let node = m.node[mutation] as usize;
                let time = m.time[mutation];
                if !is_unknown_time(time) {
                    if let Some(p) = parent_of(node) {
                        let tp = node_time[p];
                        if time >= tp {
                            bail!(BadMutations, "mutations row {mutation}: time {time:?} is not younger than node {node}'s parent {p} (time {tp:?}) in the tree at site {site} (position {:?})", pos[site]);
                        }
                    }
                }
                // The site's first mutation has none above it: no node has one at this site
                // yet, so the walk up the tree is needed only from its second on.
                let mut expected = -1;
                if mutation > first {
                    let mut u = Some(node);
                    while let Some(v) = u {
                        if bottom_mutation[v] != -1 {
                            expected = bottom_mutation[v];
                            break;
                        }
                        u = parent_of(v);
                    }
                }
                if m.parent[mutation] != expected {
                    bail!(BadMutations, "mutations row {mutation}: parent is {} but the tree at site {site} (position {:?}) gives {expected} (the latest earlier mutation at the site on node {node} or its nearest ancestor)", m.parent[mutation], pos[site]);
                }
                bottom_mutation[node] = mutation as i32;
                mutation += 1;
            }
            for r in first..mutation {
                bottom_mutation[m.node[r] as usize] = -1;
            }
            site += 1;
        }
        left = right;
    }
    if to.is_none() {
        breakpoints.push(l);
    }
    Ok(breakpoints)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::treeseq::EdgeEvent;

    /// A first tree holding most of the edges (as in any large simulation) still leaves the
    /// later insertions to split: one piece per thread, the second starting half-way along them.
    #[test]
    fn walk_pieces_split_the_insertions_after_the_first_tree() {
        let event = |position: f64| EdgeEvent {
            position,
            parent: 0,
            child: 0,
        };
        let later = 4 * MIN_WALK_PIECE_EDGES;
        let mut insertions: Vec<EdgeEvent> = (0..3 * later).map(|_| event(0.0)).collect();
        insertions.extend((1..=later).map(|x| event(x as f64)));
        let events = EdgeEvents {
            insertions,
            removals: Vec::new(),
        };
        let on = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| walk_starts(&events, later as f64 + 1.0))
        };
        assert_eq!(on(1), vec![0.0]);
        assert_eq!(on(2), vec![0.0, (later / 2 + 1) as f64]);
        assert_eq!(on(4).len(), 4);
    }
}
