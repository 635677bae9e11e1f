//! Statistics of many pairs of sample sets at once, and the tree walk they share with
//! `matrix.rs` and `descendants.rs`.
//!
//! What it is for:
//! - `divergence`, `Fst`, `f2` and `genetic_relatedness` called with many index pairs
//!   (taken by `stats::compute` above [`MANY_PAIRS`] pairs, see `pairs/request.rs`). The general
//!   engine evaluates the summary of every pair at every node it updates, so its cost grows with
//!   nodes touched x pairs. Here, in branch mode, every one of these statistics is a quadratic
//!   form in the per-set counts x of a node, so the sum over branches of
//!   `branch_length(u) * f(x(u))` for all pairs at once follows from one matrix per window,
//!   `M = sum_u branch_length(u) * phi(u) phi(u)^T` (or its "cross" form
//!   `sum_u branch_length(u) * (phi(u) (c - phi(u))^T + transpose)`, c the column totals), where
//!   phi is a linear function of x with one entry per sample set used. Moving an edge changes
//!   phi by the same vector delta on every node of the path to the root, so M changes by a
//!   rank-one matrix `delta w^T` (plus transpose) where w needs only the path's sum of
//!   `branch_length * phi`: the cost per edge is (path length + nonzeros of delta) x sets, never
//!   x pairs. Site mode evaluates the statistics' own summary functions (from `summaries.rs`)
//!   for all pairs at each site in one traversal.
//! - The chunked walk (crate-internal, here): genome chunks (`plan_chunks` in `chunks.rs`,
//!   by its `Cost::PathWalk`), `walk_sites` (the site walk of one
//!   chunk, on `walk::sites`) and `run_chunks` (chunk results added in chunk order); the
//!   matrices and the node statistics use it too. The cursor, table view and tree state are
//!   `crate::walk`'s.
//!
//! Files: `request.rs` (which calls come here, their arguments, the run), `moments.rs`
//! (branch moments), `algebra.rs` (pair statistics from the moments), `site_sums.rs` (site
//! mode).
//!
//! What it is not: the general engine (`engine`), which stays the reference for every
//! statistic and is used for few pairs, node mode and time windows; nor argument parsing
//! (done by `params.rs` helpers, with `summaries.rs`'s table for defaults).
//!
//! Parallelism and reproducibility: work is split along the genome (and, for more than
//! [`FEATURE_BLOCK`] sets, into blocks of sets, each pair of blocks walked in turn); each task
//! seeks to its first tree and then moves incrementally. Site mode and the node statistics
//! cut chunks by the data alone. Branch mode over set indicators cuts pieces by the data and
//! runs of pieces for the threads there are: each piece sums how the moment changes from its
//! first tree, so its sums do not depend on where its run sought (`moments.rs`). Partial
//! results are added in chunk or piece order into fixed output positions, so results are
//! bit-for-bit the same on any number of threads.
//!
//! Accuracy: the branch-mode values come from sums arranged differently from the engine's;
//! the moments are accumulated with compensated (Kahan) sums, and agree with the engine and
//! with an extended-precision per-tree evaluation to about 1e-12 relative, including f2 of
//! alike sets, which is a small difference of moments. (Fst near 0 is a ratio 1 - a/b with
//! a close to b and keeps only the digits that survive that, here as in the engine and
//! tskit.) Site mode evaluates the engine's summary functions on the same allele weights, so
//! it differs from the engine only in the order sites are added up.

use std::ops::Range;

use rayon::prelude::*;

use super::alleles::AlleleStates;
use super::chunks::Chunk;
use super::weights::WeightMatrix;

mod algebra;
mod moments;
mod request;
mod site_sums;

pub(crate) use moments::{branch_moments, Features, Moment};
pub use request::compute_pairs_path;
pub(crate) use request::{takes, PairRequest};

/// Above this many index pairs `stats::compute` takes the pair path. Measured with
/// `examples/bench_pairs.rs threshold` (divergence, 12 sets, 2 threads): in branch mode the
/// pair path is faster from one pair on (2x at 16 pairs, 3.5x at 32 on the 30,000-sample
/// benchmark); in site mode, where the engine also evaluates the summary only at sites, the
/// engine is as fast or up to 20% faster up to 16 pairs and the pair path wins beyond (one
/// pass for all pairs). 16 leaves the engine, the reference, in charge of everyday calls.
pub const MANY_PAIRS: usize = 16;

/// Sets per block: with more sets than this, the sets are split into blocks and each pair of
/// blocks is its own task, which bounds the per-task state (nodes x block sets) and spreads
/// very large matrices over threads.
pub const FEATURE_BLOCK: usize = 64;

// ---------------------------------------------------------------------------------------
// The walk shared by the pair statistics, the matrices and the node statistics.
// ---------------------------------------------------------------------------------------

use crate::walk::sites;
pub(crate) use crate::walk::table_view::TableView;
use crate::walk::tree_state::TreeState;

/// Window index range `[first, last]` that a chunk can add to.
pub(crate) fn chunk_windows(windows: &[f64], chunk: &Chunk) -> Range<usize> {
    let nw = windows.len() - 1;
    let (a, b) = (windows[0], windows[nw]);
    let first = windows
        .partition_point(|&w| w <= chunk.start.max(a))
        .saturating_sub(1)
        .min(nw - 1);
    let last = windows
        .partition_point(|&w| w < chunk.end.min(b))
        .saturating_sub(1)
        .min(nw - 1);
    first..last.max(first) + 1
}

/// Walks the sites of one chunk inside the windows, calling `visit(window, alleles)` for each
/// (windows given as breakpoints; sites outside `[windows[0], windows[last])` are skipped).
pub(crate) fn walk_sites(
    g: &TableView,
    weights: &WeightMatrix,
    windows: &[f64],
    chunk: &Chunk,
    visit: impl FnMut(usize, &AlleleStates),
) {
    let total = weights.column_sums();
    let mut st = TreeState::from_weights(g, &chunk.alive(), chunk.start, weights);
    let span = (chunk.start, chunk.end);
    sites::for_each_site(g, &mut st, weights.num_cols, &total, windows, span, visit);
}

/// Runs `task` over every chunk on the current rayon pool and adds the per-chunk rows into a
/// `num_windows x row_len` result in chunk order (so the sum does not depend on scheduling).
/// `task` returns the rows of the windows `chunk_windows(chunk)`, consecutively.
pub(crate) fn run_chunks(
    windows: &[f64],
    chunks: &[Chunk],
    row_len: usize,
    task: impl Fn(&Chunk) -> Vec<f64> + Sync,
) -> Vec<f64> {
    run_chunks_with(
        windows,
        chunks,
        row_len,
        chunks.len(),
        || (),
        |_, chunk| task(chunk),
    )
}

/// As [`run_chunks`], with at most `wave` chunks' rows alive at once (for partials as large
/// as a node table; rows are still added in chunk order, so the wave changes no bit), and
/// each task given scratch made by `init` and reused by the tasks that follow it on the same
/// worker (rayon's `map_init`): for walks whose per-node buffers cost more to allocate than
/// to reuse. Which scratch a chunk gets depends on scheduling, so a task must give the same
/// result whatever its scratch held before.
pub(crate) fn run_chunks_with<S>(
    windows: &[f64],
    chunks: &[Chunk],
    row_len: usize,
    wave: usize,
    init: impl Fn() -> S + Sync + Send,
    task: impl Fn(&mut S, &Chunk) -> Vec<f64> + Sync + Send,
) -> Vec<f64> {
    let nw = windows.len() - 1;
    let mut out = vec![0.0; nw * row_len];
    for batch in chunks.chunks(wave.max(1)) {
        let partials: Vec<Vec<f64>> = batch
            .par_iter()
            .map_init(&init, |scratch, c| {
                crate::parallel::timed_task(|| task(scratch, c))
            })
            .collect();
        for (chunk, p) in batch.iter().zip(&partials) {
            let rows = chunk_windows(windows, chunk);
            for (r, w) in rows.enumerate() {
                for (o, v) in out[w * row_len..(w + 1) * row_len]
                    .iter_mut()
                    .zip(&p[r * row_len..(r + 1) * row_len])
                {
                    *o += v;
                }
            }
        }
    }
    out
}
