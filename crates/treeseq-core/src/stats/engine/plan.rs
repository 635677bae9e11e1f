//! Cutting the genome into chunks: which trees each task covers, where it seeks, and the
//! edges covering each seek position. Also the tables every chunk reads ([`Data`]).
//!
//! What it is not: the tree walk itself (`tree.rs`) or what is summed (`site.rs`,
//! `branch.rs`, `node.rs`).

use rayon::prelude::*;

use super::GeneralStat;
use crate::column::Ragged;
use crate::treeseq::TreeSequence;

/// Upper bound on genome chunks.
const MAX_CHUNKS: usize = 64;
/// A chunk's seek (one pass over a whole tree) should cost about this fraction of the
/// chunk's incremental work, or less.
const SEEK_SHARE: f64 = 1.0 / 16.0;

/// An edge's columns side by side: the chunks gather their edge events in insertion and
/// removal order, and one cache line per edge beats one per column.
#[derive(Clone, Copy)]
pub(super) struct EdgeRecord {
    pub(super) left: f64,
    pub(super) right: f64,
    pub(super) parent: i32,
    pub(super) child: i32,
}

/// The tables and derived arrays every chunk reads.
pub(super) struct Data<'a> {
    pub(super) edges: Vec<EdgeRecord>,
    pub(super) num_nodes: usize,
    pub(super) num_edges: usize,
    pub(super) time: &'a [f64],
    pub(super) edge_left: &'a [f64],
    pub(super) edge_right: &'a [f64],
    pub(super) insertion: &'a [i32],
    pub(super) removal: &'a [i32],
    pub(super) breakpoints: &'a [f64],
    pub(super) site_position: &'a [f64],
    /// Mutations of site s are `site_mutations[s]..site_mutations[s + 1]`.
    pub(super) site_mutations: Vec<usize>,
    pub(super) mutation_node: &'a [i32],
    pub(super) mutation_parent: &'a [i32],
    pub(super) ancestral_state: &'a Ragged<u8>,
    pub(super) derived_state: &'a Ragged<u8>,
    pub(super) samples: &'a [i32],
    /// Weight columns (the state dimension).
    pub(super) k: usize,
    /// Column sums of the weights: the state of the ancestral allele, and `total - x` for
    /// unpolarised statistics.
    pub(super) total: Vec<f64>,
}

impl<'a> Data<'a> {
    pub(super) fn new(ts: &'a TreeSequence, stat: &GeneralStat<'a>) -> Self {
        let t = &ts.tables;
        let num_sites = t.sites.position.len();
        let mut site_mutations = vec![0usize; num_sites + 1];
        // Mutations are sorted by site: count, then prefix-sum.
        for &s in t.mutations.site.iter() {
            if (s as usize) < num_sites {
                site_mutations[s as usize + 1] += 1;
            }
        }
        for s in 0..num_sites {
            site_mutations[s + 1] += site_mutations[s];
        }
        let e = &t.edges;
        let edges = (0..ts.num_edges())
            .into_par_iter()
            .with_min_len(1 << 14)
            .map(|i| EdgeRecord { left: e.left[i], right: e.right[i], parent: e.parent[i], child: e.child[i] })
            .collect();
        Data {
            edges,
            num_nodes: ts.num_nodes(),
            num_edges: ts.num_edges(),
            time: &t.nodes.time,
            edge_left: &t.edges.left,
            edge_right: &t.edges.right,
            insertion: &t.edge_insertion_order,
            removal: &t.edge_removal_order,
            breakpoints: &ts.breakpoints,
            site_position: &t.sites.position,
            site_mutations,
            mutation_node: &t.mutations.node,
            mutation_parent: &t.mutations.parent,
            ancestral_state: &t.sites.ancestral_state,
            derived_state: &t.mutations.derived_state,
            samples: &ts.samples,
            k: stat.weights.num_cols,
            total: stat.weights.column_sums(),
        }
    }

    /// Number of edges with left <= x (they have been inserted once the tree at x is built).
    pub(super) fn inserted_by(&self, x: f64) -> usize {
        self.insertion.partition_point(|&e| self.edge_left[e as usize] <= x)
    }

    /// Number of edges with right <= x (they have been removed by then).
    pub(super) fn removed_by(&self, x: f64) -> usize {
        self.removal.partition_point(|&e| self.edge_right[e as usize] <= x)
    }
}

/// A stretch of consecutive trees processed as one task.
pub(super) struct Chunk {
    /// Where the task builds its first tree: `start`, or the start of the tree before it
    /// when the chunk warms up on that tree.
    pub(super) seek_at: f64,
    pub(super) start: f64,
    pub(super) end: f64,
    /// (parent, child) of the edges covering `seek_at`, in edge-table (parent time) order.
    pub(super) alive: Vec<[i32; 2]>,
    /// First and last window the chunk overlaps.
    pub(super) w_first: usize,
    pub(super) w_last: usize,
}

pub(super) struct Plan {
    pub(super) chunks: Vec<Chunk>,
}

/// Cuts the trees overlapping the windows into chunks of about equal edge work.
/// With `warmup`, every chunk but the first starts on the tree before its first.
pub(super) fn plan_chunks(d: &Data, windows: &[f64], forced: Option<usize>, warmup: bool) -> Plan {
    let bp = d.breakpoints;
    let (a, b) = (windows[0], windows[windows.len() - 1]);
    // Trees first..end overlap [a, b).
    let first = bp.partition_point(|&x| x <= a).saturating_sub(1);
    let end = bp.partition_point(|&x| x < b).max(first + 1).min(bp.len() - 1);
    let work = |t: usize| d.inserted_by(bp[t]) + d.removed_by(bp[t]);
    let (w0, w1) = (work(first), work(end));

    let num_chunks = forced.unwrap_or_else(|| {
        // Seeking costs one pass over a tree (about the mean number of edges per tree);
        // each edge insertion or removal costs a walk to the root (about log2 n nodes).
        let span: f64 = d.edge_left.iter().zip(d.edge_right).map(|(l, r)| r - l).sum();
        let tree_edges = (span / (bp[bp.len() - 1] - bp[0])).max(1.0);
        let depth = ((d.samples.len() + 1) as f64).log2() + 1.0;
        let incremental = (w1 - w0) as f64 * depth;
        ((incremental * SEEK_SHARE / tree_edges) as usize).clamp(1, MAX_CHUNKS)
    });
    let num_chunks = num_chunks.clamp(1, end - first);

    let mut cuts = vec![first];
    for i in 1..num_chunks {
        let target = w0 + (w1 - w0) * i / num_chunks;
        // Smallest tree boundary t whose cumulative work reaches the target.
        let (mut lo, mut hi) = (cuts[cuts.len() - 1] + 1, end);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if work(mid) >= target {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        if lo < end && lo > *cuts.last().unwrap() {
            cuts.push(lo);
        }
    }
    cuts.push(end);

    let seeks: Vec<f64> =
        cuts[..cuts.len() - 1].iter().enumerate().map(|(i, &t)| bp[if warmup && i > 0 { t - 1 } else { t }]).collect();
    let alive = alive_edges(d, &seeks);
    let nw = windows.len() - 1;
    let chunks = cuts
        .windows(2)
        .zip(alive)
        .zip(seeks)
        .map(|((c, alive), seek_at)| {
            let (start, end) = (bp[c[0]], bp[c[1]]);
            let w_first = windows.partition_point(|&w| w <= start.max(a)).saturating_sub(1).min(nw - 1);
            let w_last = windows.partition_point(|&w| w < end.min(b)).saturating_sub(1).min(nw - 1);
            Chunk { seek_at, start, end, alive, w_first, w_last }
        })
        .collect();
    Plan { chunks }
}

/// For each position in `starts` (increasing), (parent, child) of the edges with
/// left <= x < right, in edge-table order: one scan of the edge table, split into blocks
/// scanned in parallel and concatenated in order.
pub(super) fn alive_edges(d: &Data, starts: &[f64]) -> Vec<Vec<[i32; 2]>> {
    const BLOCK: usize = 1 << 15;
    let blocks: Vec<Vec<Vec<[i32; 2]>>> = (0..d.num_edges.div_ceil(BLOCK))
        .into_par_iter()
        .map(|blk| {
            let mut lists = vec![Vec::new(); starts.len()];
            for edge in &d.edges[blk * BLOCK..((blk + 1) * BLOCK).min(d.num_edges)] {
                let (l, r) = (edge.left, edge.right);
                // Counting beats a binary search over a few dozen starts: no branches.
                let mut i = starts.iter().map(|&s| (s < l) as usize).sum::<usize>();
                while i < starts.len() && starts[i] < r {
                    lists[i].push([edge.parent, edge.child]);
                    i += 1;
                }
            }
            lists
        })
        .collect();
    let mut out: Vec<Vec<[i32; 2]>> = vec![Vec::new(); starts.len()];
    for lists in blocks {
        for (o, l) in out.iter_mut().zip(lists) {
            o.extend(l);
        }
    }
    out
}
