//! Statistics of many pairs of sample sets at once, and the tree walk they share with
//! `matrix.rs` and `nodes.rs`.
//!
//! What it is for:
//! - `divergence`, `Fst`, `f2` and `genetic_relatedness` called with many index pairs
//!   (taken by `stats::compute` above [`MANY_PAIRS`] pairs). The general
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
//! - The shared walk (crate-internal): `Genome` (table slices), genome chunks (`plan_chunks`
//!   in `chunks.rs`, by its `Cost::PathWalk`), `Cursor` (incremental tree
//!   moves), `WindowCursor`, per-site allele weights (`AlleleStates`, from stats/alleles.rs) and `run_chunks` (chunk
//!   results added in chunk order).
//!
//! What it is not: the general engine (`engine`), which stays the reference for every
//! statistic and is used for few pairs, node mode and time windows; nor argument parsing
//! (done by `args/` helpers, with `summaries.rs`'s table for defaults).
//!
//! Parallelism and reproducibility: work is split into genome chunks (and, for more than
//! [`FEATURE_BLOCK`] sets, into blocks of sets, each pair of blocks a task); each chunk seeks to
//! its first tree and then moves incrementally. Chunk results are added in chunk order into
//! fixed output positions, so results are bit-for-bit the same on any number of threads.
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
use serde_json::Value;

use super::alleles::AlleleStates;
use super::args::{self, Indexes, Kwargs, Mode, SampleSets, Windows};
use super::chunks::{plan_chunks, span_normalise, Chunk, Cost};
use super::registry::Method;
use super::summaries::{
    self, Arity, Derived, StatDef, SummaryArgs, SummaryFunc, SummaryKind, TupleStat,
};
use super::weights::{self, WeightMatrix};
use super::StatOutput;
use crate::bail;
use crate::error::Result;
use crate::memory::{copy_few, fill_few};
use crate::treeseq::TreeSequence;

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

pub(crate) use super::genome::Genome;
use super::genome::Weight;

/// Positions in `edge_insertion_order` and `edge_removal_order`: where the walk is.
pub(crate) struct Cursor {
    tj: usize,
    tk: usize,
}

impl Cursor {
    /// The cursor of the tree starting at `pos` (a tree boundary).
    pub fn at(g: &Genome, pos: f64) -> Cursor {
        Cursor {
            tj: g.inserted_by(pos),
            tk: g.removed_by(pos),
        }
    }

    /// Right end of the current tree, capped at `end`.
    #[inline]
    pub fn tree_right(&self, g: &Genome, end: f64) -> f64 {
        let mut r = end;
        if self.tj < g.num_edges {
            r = r.min(g.insertions[self.tj].position);
        }
        if self.tk < g.num_edges {
            r = r.min(g.removals[self.tk].position);
        }
        r
    }

    /// The next edge removed at `pos`, if any (all removals come before any insertion).
    #[inline]
    pub fn next_removal(&mut self, g: &Genome, pos: f64) -> Option<usize> {
        if self.tk < g.num_edges && g.removals[self.tk].position == pos {
            self.tk += 1;
            Some(g.removal[self.tk - 1] as usize)
        } else {
            None
        }
    }

    /// The next edge inserted at `pos`, if any.
    #[inline]
    pub fn next_insertion(&mut self, g: &Genome, pos: f64) -> Option<usize> {
        if self.tj < g.num_edges && g.insertions[self.tj].position == pos {
            self.tj += 1;
            Some(g.insertion[self.tj - 1] as usize)
        } else {
            None
        }
    }

    /// True when the current tree has no edges (as many removed as inserted).
    #[inline]
    pub fn tree_is_empty(&self) -> bool {
        self.tj == self.tk
    }
}

/// Walks the windows along with the trees: each tree adds to the windows it overlaps.
pub(crate) struct WindowCursor {
    w: usize,
}

impl WindowCursor {
    /// Positioned at the window containing `pos` (the first window if `pos` is before it).
    pub fn new(windows: &[f64], pos: f64) -> WindowCursor {
        WindowCursor {
            w: windows.partition_point(|&x| x <= pos).saturating_sub(1),
        }
    }

    /// Calls `f(window, overlap)` for each window that `[left, right)` overlaps, leaving the
    /// cursor at the last of them. Returns false once the windows are exhausted.
    #[inline]
    pub fn each(
        &mut self,
        windows: &[f64],
        left: f64,
        right: f64,
        mut f: impl FnMut(usize, f64),
    ) -> bool {
        let nw = windows.len() - 1;
        while self.w < nw && windows[self.w] < right {
            let overlap = right.min(windows[self.w + 1]) - left.max(windows[self.w]);
            if overlap > 0.0 {
                f(self.w, overlap);
            }
            if windows[self.w + 1] <= right {
                self.w += 1;
            } else {
                break;
            }
        }
        self.w < nw
    }
}

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

/// Parent pointers and per-node sums of sample weights, moved from tree to tree. Used by the
/// site walks; the branch moments keep a state of their own (they also need the path sums).
pub(crate) struct Counts {
    pub k: usize,
    pub parent: Vec<i32>,
    /// Row u: the sum of the weight rows of the samples at or below u.
    pub x: Vec<f64>,
}

impl Counts {
    /// The state of the tree at `chunk.start`: parents from the covering edges, sums by one
    /// pass over them in parent-time order (a child is complete before it is added up).
    pub fn seek_weights(g: &Genome, weights: &WeightMatrix, chunk: &Chunk) -> Counts {
        let k = weights.num_cols;
        let mut x = vec![0.0; g.num_nodes * k];
        for (i, &u) in g.samples.iter().enumerate() {
            copy_few(&mut x[u as usize * k..][..k], weights.row(i));
        }
        Counts::seek(g, x, k, chunk)
    }

    /// As [`Counts::seek_weights`], from each node's own values (`own`, rows of `k`: what
    /// a node counts before anything below it is added).
    pub fn seek(g: &Genome, own: Vec<f64>, k: usize, chunk: &Chunk) -> Counts {
        let mut parent = vec![-1i32; g.num_nodes];
        let mut x = own;
        g.attach_covering(&chunk.alive(), &mut parent, &mut x, k, k);
        Counts { k, parent, x }
    }

    #[inline]
    pub fn row(&self, u: usize) -> &[f64] {
        &self.x[u * self.k..(u + 1) * self.k]
    }

    /// Removes (`sign` = -1) or inserts (+1) edge `e`, updating the sums on the path up.
    #[inline]
    pub fn apply(&mut self, g: &Genome, e: usize, sign: f64) {
        self.apply_with(g, e, sign, |_, _| {});
    }

    /// As [`Counts::apply`], calling `before(v, sums)` on each node of the path up before
    /// its sums change.
    #[inline]
    pub fn apply_with(
        &mut self,
        g: &Genome,
        e: usize,
        sign: f64,
        mut before: impl FnMut(usize, &[f64]),
    ) {
        let k = self.k;
        let (p, c) = (g.edge_parent[e], g.edge_child[e] as usize);
        // The child's sums are read in place for each ancestor (the child is none of them):
        // a copy of k values would be a call to memcpy per edge.
        let cs = c * k;
        let mut v = p;
        while v >= 0 {
            let vu = v as usize;
            before(vu, &self.x[vu * k..(vu + 1) * k]);
            for j in 0..k {
                let w = self.x[cs + j];
                self.x[vu * k + j] += sign * w;
            }
            v = self.parent[vu];
        }
        self.parent[c] = if sign > 0.0 { p } else { -1 };
    }
}

/// Walks the sites of one chunk inside the windows, calling `visit(window, alleles)` for each
/// (windows given as breakpoints; sites outside `[windows[0], windows[last])` are skipped).
pub(crate) fn walk_sites(
    g: &Genome,
    weights: &WeightMatrix,
    windows: &[f64],
    chunk: &Chunk,
    mut visit: impl FnMut(usize, &AlleleStates),
) {
    let (a, b) = (windows[0], windows[windows.len() - 1]);
    let total = weights.column_sums();
    let mut st = Counts::seek_weights(g, weights, chunk);
    let mut cur = Cursor::at(g, chunk.start);
    let mut alleles = AlleleStates::new(weights.num_cols);
    let mut site = g.site_position.partition_point(|&p| p < chunk.start.max(a));
    let mut w = windows
        .partition_point(|&x| x <= chunk.start.max(a))
        .saturating_sub(1);
    loop {
        let right = cur.tree_right(g, chunk.end);
        while site < g.site_position.len() && g.site_position[site] < right.min(b) {
            let pos = g.site_position[site];
            while windows[w + 1] <= pos {
                w += 1;
            }
            alleles.compute(g.site_muts(), |u| st.row(u), &total, site);
            visit(w, &alleles);
            site += 1;
        }
        if right >= chunk.end || right >= b {
            break;
        }
        while let Some(e) = cur.next_removal(g, right) {
            st.apply(g, e, -1.0);
        }
        while let Some(e) = cur.next_insertion(g, right) {
            st.apply(g, e, 1.0);
        }
    }
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
    let nw = windows.len() - 1;
    let partials: Vec<Vec<f64>> = chunks.par_iter().map(&task).collect();
    let mut out = vec![0.0; nw * row_len];
    for (chunk, p) in chunks.iter().zip(&partials) {
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
    out
}

// ---------------------------------------------------------------------------------------
// Branch-mode moments.
// ---------------------------------------------------------------------------------------

/// Which quadratic sum over branches to accumulate for features phi (one per set used).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Moment {
    /// `sum_u bl(u) (phi (c - phi)^T + (c - phi) phi^T)`: divergence and diversity counts
    /// (phi = x, c = set sizes). Kept in this form rather than derived from the Gram matrix
    /// because it needs no cancellation: a singleton set's diagonal stays exactly zero.
    Cross,
    /// `sum_u bl(u) phi phi^T`: relatedness.
    Gram,
}

/// Sample features: row i (sample `g.samples[i]`) has `dim` values, linear in the sample's
/// set memberships; `total` is their column sums (the features of a node above every sample).
pub(crate) struct Features {
    pub dim: usize,
    pub rows: Vec<f64>,
    pub total: Vec<f64>,
    /// Every feature is an integer whose column adds up to less than 2^24 in absolute value
    /// (set indicators): per-node sums are then kept in f32, exactly (see `genome::Weight`).
    pub small_integers: bool,
}

impl Features {
    pub fn new(dim: usize, rows: Vec<f64>) -> Features {
        let mut total = vec![0.0; dim];
        for r in rows.chunks(dim.max(1)) {
            for (t, v) in total.iter_mut().zip(r) {
                *t += v;
            }
        }
        Features {
            dim,
            rows,
            total,
            small_integers: false,
        }
    }

    /// Indicator features of sample sets: x_j = 1 when the sample is in set j.
    pub fn indicators(ts: &TreeSequence, sets: &[Vec<i32>]) -> Features {
        let w = weights::indicator_weights(ts, sets, false);
        Features {
            small_integers: w.small_integers,
            ..Features::new(w.num_cols, w.data)
        }
    }
}

/// Per window: the branch area `sum_u bl(u) * span` and the symmetric `dim x dim` moment.
pub(crate) struct BranchMoments {
    pub dim: usize,
    pub area: Vec<f64>,
    pub matrix: Vec<f64>,
}

impl BranchMoments {
    #[inline]
    pub fn at(&self, w: usize, i: usize, j: usize) -> f64 {
        self.matrix[(w * self.dim + i) * self.dim + j]
    }
}

/// Sums `kind` over the branches of every tree, times the span in each window.
pub(crate) fn branch_moments(
    ts: &TreeSequence,
    feats: &Features,
    kind: Moment,
    windows: &[f64],
) -> BranchMoments {
    branch_moments_with(ts, feats, kind, windows, None, FEATURE_BLOCK)
}

/// As [`branch_moments`], with the number of chunks forced and the block size given (tests
/// vary them).
pub(crate) fn branch_moments_with(
    ts: &TreeSequence,
    feats: &Features,
    kind: Moment,
    windows: &[f64],
    chunks: Option<usize>,
    block: usize,
) -> BranchMoments {
    let g = Genome::new(ts);
    let f = feats.dim;
    let nw = windows.len() - 1;
    let chunks = plan_chunks(&g, windows, Cost::PathWalk, chunks);
    // Blocks of sets, and the pairs of blocks (r <= c) that are tasks of their own.
    let blocks: Vec<Range<usize>> = (0..f)
        .step_by(block.max(1))
        .map(|s| s..(s + block).min(f))
        .collect();
    let block_pairs: Vec<(usize, usize)> = (0..blocks.len())
        .flat_map(|r| (r..blocks.len()).map(move |c| (r, c)))
        .collect();
    let tasks: Vec<(usize, usize)> = (0..chunks.len())
        .flat_map(|c| (0..block_pairs.len().max(1)).map(move |b| (c, b)))
        .collect();
    let locals: Vec<Vec<usize>> = block_pairs
        .iter()
        .map(|&(r, c)| {
            if r == c {
                blocks[r].clone().collect()
            } else {
                blocks[r].clone().chain(blocks[c].clone()).collect()
            }
        })
        .collect();

    // Raw (unsymmetrised) sums, added in task order, which is chunk order. Tasks run in waves
    // so that only a few partials (each as large as its windows x sets^2) are alive at once;
    // the order of the adds does not depend on the wave size.
    let mut raw = vec![0.0; nw * f * f];
    let mut area = vec![0.0; nw];
    let wave = 2 * rayon::current_num_threads().max(1);
    // Per-node buffers (nodes x sets each: 165 MB for 688,000 nodes and 30 sets in f64, half
    // that in f32) handed from task to task within this call, instead of each task faulting
    // in fresh pages.
    let (spare32, spare64): (Spare<f32>, Spare<f64>) = Default::default();
    for batch in tasks.chunks(wave) {
        let partials: Vec<(Vec<f64>, Vec<f64>)> = batch
            .par_iter()
            .map(|&(c, b)| {
                let cols: &[usize] = locals.get(b).map_or(&[], Vec::as_slice);
                if feats.small_integers {
                    moments_chunk(&g, feats, cols, kind, windows, &chunks[c], &spare32)
                } else {
                    moments_chunk(&g, feats, cols, kind, windows, &chunks[c], &spare64)
                }
            })
            .collect();
        for (&(c, b), (part_area, part_h)) in batch.iter().zip(&partials) {
            let rows = chunk_windows(windows, &chunks[c]);
            if b == 0 {
                for (r, w) in rows.clone().enumerate() {
                    area[w] += part_area[r];
                }
            }
            let Some(&(br, bc)) = block_pairs.get(b) else {
                continue;
            };
            let cols = &locals[b];
            let lf = cols.len();
            // Local index ranges of the two blocks.
            let (rr, cr) = if br == bc {
                (0..lf, 0..lf)
            } else {
                (0..blocks[br].len(), blocks[br].len()..lf)
            };
            for (r, w) in rows.enumerate() {
                let h = &part_h[r * lf * lf..(r + 1) * lf * lf];
                let dst = &mut raw[w * f * f..(w + 1) * f * f];
                for li in rr.clone() {
                    for lj in cr.clone() {
                        dst[cols[li] * f + cols[lj]] += h[li * lf + lj];
                        if br != bc {
                            dst[cols[lj] * f + cols[li]] += h[lj * lf + li];
                        }
                    }
                }
            }
        }
    }
    // The moment is the symmetric part, h + h^T, formed in place.
    let mut matrix = raw;
    for m in matrix.chunks_mut((f * f).max(1)) {
        for i in 0..f {
            for j in i..f {
                let v = m[i * f + j] + m[j * f + i];
                m[i * f + j] = v;
                m[j * f + i] = v;
            }
        }
    }
    BranchMoments {
        dim: f,
        area,
        matrix,
    }
}

/// The incremental state of one task: parents, features per node, and the running
/// (unsymmetrised) moment `h` of the current tree, whose symmetric part is the moment.
struct QuadState<'g, 'a, V: Weight> {
    g: &'g Genome<'a>,
    kind: Moment,
    f: usize,
    total: Vec<f64>,
    parent: Vec<i32>,
    /// Features per node, f32 where that is exact ([`Features::small_integers`]).
    phi: Vec<V>,
    h: Vec<f64>,
    comp: Vec<f64>,
    branch_total: f64,
    sx: Vec<f64>,
    w: Vec<f64>,
    /// The moved child's features, as f64 for the moment and as stored for the path.
    delta: Vec<f64>,
    delta_v: Vec<V>,
}

impl<V: Weight> QuadState<'_, '_, V> {
    /// Moves edge `e` out of (`insert` false) or into the tree. With delta = phi(child), the
    /// path from the parent up gains or loses delta; the change of the moment is then
    /// `delta w^T` (plus transpose), with w from the path sums taken before the change:
    ///   Cross, remove: w = 2 Sx - beta c - beta delta - bl_c (c - delta)
    ///   Cross, insert: w = -(2 Sx - beta c) - beta delta + bl_c (c - delta)
    ///   Gram, remove:  w = -Sx + (beta - bl_c)/2 delta
    ///   Gram, insert:  w = Sx + (beta + bl_c)/2 delta
    /// where Sx = sum of bl(v) phi(v) and beta = sum of bl(v) over the path, bl_c the child's
    /// branch. The child's own term is folded into w.
    #[inline]
    fn update(&mut self, e: usize, insert: bool) {
        let g = self.g;
        let f = self.f;
        let (p, c) = (g.edge_parent[e] as usize, g.edge_child[e] as usize);
        let time = g.time;
        // One pass: the child's features as stored (for the path) and as f64 (for w).
        let child = &self.phi[c * f..(c + 1) * f];
        for ((dv, d), &v) in self.delta_v.iter_mut().zip(&mut self.delta).zip(child) {
            *dv = v;
            *d = v.get();
        }
        let bl_c = time[p] - time[c];
        fill_few(&mut self.sx, 0.0);
        let mut beta = 0.0;
        let mut v = p as i32;
        while v >= 0 {
            let vu = v as usize;
            let pv = self.parent[vu];
            let row = &mut self.phi[vu * f..(vu + 1) * f];
            if pv >= 0 {
                let bl = time[pv as usize] - time[vu];
                beta += bl;
                for (s, &x) in self.sx.iter_mut().zip(row.iter()) {
                    *s += bl * x.get();
                }
            }
            if insert {
                for (x, &d) in row.iter_mut().zip(&self.delta_v) {
                    *x += d;
                }
            } else {
                for (x, &d) in row.iter_mut().zip(&self.delta_v) {
                    *x -= d;
                }
            }
            v = pv;
        }
        let (sx, delta, total) = (&self.sx, &self.delta, &self.total);
        match (self.kind, insert) {
            (Moment::Cross, false) => {
                for j in 0..f {
                    self.w[j] = 2.0 * sx[j]
                        - beta * total[j]
                        - beta * delta[j]
                        - bl_c * (total[j] - delta[j]);
                }
            }
            (Moment::Cross, true) => {
                for j in 0..f {
                    self.w[j] = -(2.0 * sx[j] - beta * total[j]) - beta * delta[j]
                        + bl_c * (total[j] - delta[j]);
                }
            }
            (Moment::Gram, false) => {
                let a = 0.5 * (beta - bl_c);
                for j in 0..f {
                    self.w[j] = -sx[j] + a * delta[j];
                }
            }
            (Moment::Gram, true) => {
                let a = 0.5 * (beta + bl_c);
                for j in 0..f {
                    self.w[j] = sx[j] + a * delta[j];
                }
            }
        }
        for i in 0..f {
            let d = self.delta[i];
            if d != 0.0 {
                let (h, comp) = (
                    &mut self.h[i * f..(i + 1) * f],
                    &mut self.comp[i * f..(i + 1) * f],
                );
                for ((hv, cv), &wv) in h.iter_mut().zip(comp.iter_mut()).zip(&self.w) {
                    kahan_add(hv, cv, d * wv);
                }
            }
        }
        if insert {
            self.parent[c] = p as i32;
            self.branch_total += bl_c;
        } else {
            self.parent[c] = -1;
            self.branch_total -= bl_c;
        }
    }
}

/// Compensated (Kahan) addition of `x` to `sum`, `comp` carrying what rounding lost (the sum
/// is `sum - comp`). The moments are running sums of many updates far larger than some of the
/// values finally formed from them (f2 of alike sets is a small difference of moments), so the
/// rounding of plain accumulation would show; compensated, the pair path agrees with the
/// engine's per-node evaluation to about 1e-11 even there.
#[inline(always)]
fn kahan_add(sum: &mut f64, comp: &mut f64, x: f64) {
    let y = x - *comp;
    let t = *sum + y;
    *comp = (t - *sum) - y;
    *sum = t;
}

/// One task: the moments of the features `cols` over one chunk. Returns the branch area and
/// the local `h` (|cols|^2) for each window the chunk reaches, consecutively.
/// Buffers a finished task leaves for the next: its `phi` and `parent`.
type Spare<V> = std::sync::Mutex<Vec<(Vec<V>, Vec<i32>)>>;

fn moments_chunk<V: Weight>(
    g: &Genome,
    feats: &Features,
    cols: &[usize],
    kind: Moment,
    windows: &[f64],
    chunk: &Chunk,
    spare: &Spare<V>,
) -> (Vec<f64>, Vec<f64>) {
    let f = cols.len();
    let rows = chunk_windows(windows, chunk);
    let mut out_area = vec![0.0; rows.len()];
    let mut out_h = vec![0.0; rows.len() * f * f];
    let mut out_comp = vec![0.0; rows.len() * f * f];
    let (mut phi, mut parent) = spare
        .lock()
        .ok()
        .and_then(|mut v| v.pop())
        .unwrap_or_default();
    phi.clear();
    if phi.capacity() < g.num_nodes * f {
        phi = crate::memory::large_vec(g.num_nodes * f);
    }
    phi.resize(g.num_nodes * f, V::default());
    parent.clear();
    parent.resize(g.num_nodes, -1);
    for (i, &s) in g.samples.iter().enumerate() {
        let row = &feats.rows[i * feats.dim..(i + 1) * feats.dim];
        for (a, &col) in cols.iter().enumerate() {
            phi[s as usize * f + a] = V::exact(row[col]);
        }
    }
    let mut st = QuadState {
        g,
        kind,
        f,
        total: cols.iter().map(|&c| feats.total[c]).collect(),
        parent,
        phi,
        h: vec![0.0; f * f],
        comp: vec![0.0; f * f],
        branch_total: 0.0,
        sx: vec![0.0; f],
        w: vec![0.0; f],
        delta: vec![0.0; f],
        delta_v: vec![V::default(); f],
    };
    // Seek: attach the covering edges children first; each attaches to a parent that has no
    // parent yet, so the path is one node and the cost is the child's nonzeros x sets.
    for &e in &chunk.alive() {
        st.update(e as usize, true);
    }
    let mut cur = Cursor::at(g, chunk.start);
    let mut wc = WindowCursor::new(windows, chunk.start);
    let mut left = chunk.start;
    loop {
        let right = cur.tree_right(g, chunk.end);
        if cur.tree_is_empty() {
            // No branches: exactly zero, not the residue of everything added and removed.
            st.h.iter_mut().for_each(|v| *v = 0.0);
            st.comp.iter_mut().for_each(|v| *v = 0.0);
            st.branch_total = 0.0;
        }
        let (h, comp, bt) = (&st.h, &st.comp, st.branch_total);
        wc.each(windows, left, right, |w, overlap| {
            let r = w - rows.start;
            out_area[r] += bt * overlap;
            let (out, out_c) = (
                &mut out_h[r * f * f..(r + 1) * f * f],
                &mut out_comp[r * f * f..(r + 1) * f * f],
            );
            for (((o, oc), &v), &c) in out.iter_mut().zip(out_c.iter_mut()).zip(h).zip(comp) {
                kahan_add(o, oc, (v - c) * overlap);
            }
        });
        if right >= chunk.end || right >= windows[windows.len() - 1] {
            break;
        }
        while let Some(e) = cur.next_removal(g, right) {
            st.update(e, false);
        }
        while let Some(e) = cur.next_insertion(g, right) {
            st.update(e, true);
        }
        left = right;
    }
    if let Ok(mut v) = spare.lock() {
        v.push((st.phi, st.parent));
    }
    (out_area, out_h)
}

// ---------------------------------------------------------------------------------------
// Site-mode sums of a summary function for all outputs at once.
// ---------------------------------------------------------------------------------------

/// Per window, the sum over sites of `f` over the site's alleles (allele 0 left out when
/// `polarised`), exactly the general statistic's site mode, in one traversal.
fn site_sums(
    ts: &TreeSequence,
    weights: &WeightMatrix,
    f: &dyn SummaryFunc,
    polarised: bool,
    windows: &[f64],
) -> Vec<f64> {
    let g = Genome::new(ts);
    let m = f.output_dim();
    let chunks = plan_chunks(&g, windows, Cost::PathWalk, None);
    run_chunks(windows, &chunks, m, |chunk| {
        let rows = chunk_windows(windows, chunk);
        let mut out = vec![0.0; rows.len() * m];
        let (mut site_sum, mut tmp) = (vec![0.0; m], vec![0.0; m]);
        walk_sites(&g, weights, windows, chunk, |w, alleles| {
            fill_few(&mut site_sum, 0.0);
            for a in polarised as usize..alleles.num_alleles {
                f.eval(alleles.row(a), 0..m, &mut tmp);
                for (s, t) in site_sum.iter_mut().zip(&tmp) {
                    *s += t;
                }
            }
            for (o, s) in out[(w - rows.start) * m..][..m].iter_mut().zip(&site_sum) {
                *o += s;
            }
        });
        out
    })
}

// ---------------------------------------------------------------------------------------
// The pair statistics.
// ---------------------------------------------------------------------------------------

/// Whether a call of `method` takes this path: `divergence`, `Fst`, `f2` or
/// `genetic_relatedness` with more than [`MANY_PAIRS`] index pairs (or any number when
/// `forced`), in site or branch mode, without `time_windows`. Forced on a call it does not
/// handle, it refuses. The arguments are parsed by `stats::Request::parse`, the one parser
/// of every general statistic, which then builds a [`PairRequest`].
pub(crate) fn takes(
    method: &Method,
    def: &StatDef,
    forced: bool,
    kw: &Kwargs,
    mode: Mode,
    time_windows: bool,
) -> Result<bool> {
    let handled = is_pair_method(method.tskit)
        && def.arity == Arity::Tuples(2)
        && mode != Mode::Node
        && !time_windows;
    if forced && !handled {
        bail!(
            BadParam,
            "{}: the many-pairs path takes divergence, Fst, f2 or genetic_relatedness in site or branch mode, without time_windows, with valid arguments",
            method.tskit
        );
    }
    // The number of pairs decides the path: counted before reading the sample sets, which
    // may be large (no `indexes`, or a single pair, is one tuple).
    let num_tuples = match kw.get("indexes") {
        Some(Value::Array(items)) if items.iter().any(Value::is_array) => items.len(),
        _ => 1,
    };
    Ok(handled && (forced || num_tuples > MANY_PAIRS))
}

/// The pair path whatever the number of pairs (tests compare it with the engine and tskit).
/// Refuses arguments it does not handle (node mode, time windows) and argument errors.
pub fn compute_pairs_path(ts: &TreeSequence, method: &str, kwargs: &Value) -> Result<StatOutput> {
    super::compute_pairs_path(ts, method, kwargs)
}

/// The methods this path computes.
fn is_pair_method(method: &str) -> bool {
    matches!(method, "divergence" | "Fst" | "f2" | "genetic_relatedness")
}

/// A pair statistic with its arguments parsed (by `stats::Request::parse`), with the defaults
/// of the method's row in the registry.
pub(crate) struct PairRequest {
    pub name: &'static str,
    pub def: &'static StatDef,
    pub mode: Mode,
    pub windows: Windows,
    pub span_normalise: bool,
    pub polarised: bool,
    pub proportion: bool,
    pub centre: bool,
    pub sets: SampleSets,
    pub indexes: Indexes,
}

impl PairRequest {
    fn set_sizes(&self) -> Vec<f64> {
        self.sets.sets.iter().map(|s| s.len() as f64).collect()
    }

    /// The engine's sums for this statistic (`[window][output]`, before the derived step),
    /// span-normalised on request.
    fn sums(&self, ts: &TreeSequence) -> (Vec<f64>, usize) {
        let n = self.set_sizes();
        let tuples = &self.indexes.tuples;
        let (mut sums, m) = match self.mode {
            Mode::Site => {
                let weights = weights::indicator_weights(ts, &self.sets.sets, false);
                let args = SummaryArgs {
                    set_sizes: &n,
                    tuples,
                    centre: self.centre,
                    weight_totals: &[],
                    num_weights: n.len(),
                    num_samples: ts.num_samples(),
                };
                let f = summaries::make_summary(self.def.summary, &args);
                (
                    site_sums(
                        ts,
                        &weights,
                        f.as_ref(),
                        self.polarised,
                        &self.windows.breaks,
                    ),
                    f.output_dim(),
                )
            }
            _ => {
                let (mut sums, m) = self.branch_sums(ts, &n);
                zero_before_first_edge(ts, &self.windows.breaks, &mut sums, m);
                (sums, m)
            }
        };
        if self.span_normalise {
            span_normalise(&mut sums, &self.windows.breaks, m);
        }
        (sums, m)
    }

    /// Branch mode from the moments of the sets the pairs use. A pair whose normaliser is 0
    /// (a set of one sample against itself: n_i - 1 = 0) has 0/0 = NaN in every window here;
    /// see [`zero_before_first_edge`] for the windows where the engine (and tskit) give 0.
    fn branch_sums(&self, ts: &TreeSequence, n: &[f64]) -> (Vec<f64>, usize) {
        let tuples = &self.indexes.tuples;
        let k = n.len();
        let windows = &self.windows.breaks;
        let nw = windows.len() - 1;
        let summary = self.def.summary;
        let relatedness = summary == SummaryKind::Relatedness;
        // Sets used, and each set's index among them.
        let mut used: Vec<usize> = tuples.iter().flatten().copied().collect();
        used.sort_unstable();
        used.dedup();
        let mut local = vec![usize::MAX; k];
        for (a, &s) in used.iter().enumerate() {
            local[s] = a;
        }
        let used_sets: Vec<Vec<i32>> = used.iter().map(|&s| self.sets.sets[s].clone()).collect();

        if summary == SummaryKind::Tuple(TupleStat::F2) {
            // f2's summary made symmetric (f2 is always unpolarised) is, with p = x_i/n_i and
            // q = x_j/n_j, (p - q)^2 - p(1 - p)/(n_i - 1) - q(1 - q)/(n_j - 1). The first term
            // comes from the Gram moments of the frequencies centred on their mean over the
            // sets, p - m: the same differences, but the moments are as small as the spread
            // between the sets, so little is lost when the sets are alike (uncentred, or as
            // divergence minus diversity, the digits of p^2 would cancel). The other terms are
            // the diversities, from the cross moments.
            let used_n: Vec<f64> = used.iter().map(|&s| n[s]).collect();
            let x = Features::indicators(ts, &used_sets);
            let f = used.len();
            let mut rows = Vec::with_capacity(x.rows.len());
            for r in x.rows.chunks(f.max(1)) {
                let mean = r.iter().zip(&used_n).map(|(v, m)| v / m).sum::<f64>() / f as f64;
                rows.extend(r.iter().zip(&used_n).map(|(v, m)| v / m - mean));
            }
            let gram = branch_moments(ts, &Features::new(f, rows), Moment::Gram, windows);
            let cross = branch_moments(ts, &x, Moment::Cross, windows);
            let mut sums = Vec::with_capacity(nw * tuples.len());
            for w in 0..nw {
                for t in tuples {
                    let (i, j) = (local[t[0]], local[t[1]]);
                    let spread = gram.at(w, i, i) + gram.at(w, j, j) - 2.0 * gram.at(w, i, j);
                    // sum bl p (1 - p) = D_ii / (2 n^2).
                    let het =
                        |a: usize, s: usize| cross.at(w, a, a) / (2.0 * n[s] * n[s] * (n[s] - 1.0));
                    sums.push(spread - het(i, t[0]) - het(j, t[1]));
                }
            }
            return (sums, tuples.len());
        }
        if relatedness && (self.centre || self.polarised) {
            // Gram moments of phi: centred, phi_i = x_i/n_i - mean_k(x_k/n_k) (the engine's
            // summary, which is linear in x, so the sum of its products is a Gram matrix; the
            // mean runs over every set, so a sample's phi_i is its own membership of set i over
            // n_i minus its mean membership over all sets); uncentred, phi = x and the summary
            // divides by n_i n_j.
            let x = Features::indicators(ts, &used_sets);
            let feats = if self.centre {
                let index = args::sample_index_map(ts);
                let mut mean = vec![0.0; ts.num_samples()];
                for (set, &size) in self.sets.sets.iter().zip(n) {
                    for &u in set {
                        mean[index[u as usize] as usize] += 1.0 / size;
                    }
                }
                let f = used.len();
                let mut rows = Vec::with_capacity(x.rows.len());
                for (r, m) in x.rows.chunks(f.max(1)).zip(&mean) {
                    let m = m / k as f64;
                    rows.extend(r.iter().zip(&used).map(|(xi, &s)| xi / n[s] - m));
                }
                Features::new(f, rows)
            } else {
                x
            };
            let mo = branch_moments(ts, &feats, Moment::Gram, windows);
            // Unpolarised adds f(n - x); centred that equals f(x), since phi(n - x) = -phi(x).
            let factor = if self.polarised { 1.0 } else { 2.0 };
            let mut sums = Vec::with_capacity(nw * tuples.len());
            for w in 0..nw {
                for t in tuples {
                    let (i, j) = (t[0], t[1]);
                    let g = mo.at(w, local[i], local[j]);
                    sums.push(if self.centre {
                        factor * g
                    } else {
                        g / (n[i] * n[j])
                    });
                }
            }
            return (sums, tuples.len());
        }

        // Everything else from the cross moments D_ij = sum bl (x_i (n_j - x_j) + (n_i - x_i) x_j).
        let feats = Features::indicators(ts, &used_sets);
        let mo = branch_moments(ts, &feats, Moment::Cross, windows);
        let d = |w: usize, i: usize, j: usize| mo.at(w, local[i], local[j]);
        // Diversity of set i: D_ii / (n_i (n_i - 1)); divergence of (i, j): D_ij / (n_i n_j),
        // with n_i - 1 for the second factor when i == j, as the engine's summaries.
        let diversity = |w: usize, i: usize| d(w, i, i) / (n[i] * (n[i] - 1.0));
        let divergence =
            |w: usize, i: usize, j: usize| d(w, i, j) / (n[i] * (n[j] - (i == j) as u8 as f64));
        let mut sums = Vec::new();
        let m = match summary {
            SummaryKind::Tuple(TupleStat::Divergence) => {
                for w in 0..nw {
                    sums.extend(tuples.iter().map(|t| divergence(w, t[0], t[1])));
                }
                tuples.len()
            }
            SummaryKind::FstParts => {
                for w in 0..nw {
                    // Diversity of the sets the pairs use (the others are never read).
                    sums.extend((0..k).map(|i| {
                        if local[i] == usize::MAX {
                            f64::NAN
                        } else {
                            diversity(w, i)
                        }
                    }));
                    sums.extend(tuples.iter().map(|t| divergence(w, t[0], t[1])));
                }
                k + tuples.len()
            }
            SummaryKind::Relatedness => {
                // Uncentred and unpolarised: x_i x_j + (n_i - x_i)(n_j - x_j) over n_i n_j, which
                // is the branch area minus the uncorrected divergence.
                for w in 0..nw {
                    sums.extend(
                        tuples
                            .iter()
                            .map(|t| mo.area[w] - d(w, t[0], t[1]) / (n[t[0]] * n[t[1]])),
                    );
                }
                tuples.len()
            }
            other => unreachable!("{other:?} is not a pair statistic"),
        };
        (sums, m)
    }

    /// Refuses (`OUTPUT_TOO_LARGE`) before anything is allocated when the output and the
    /// working memory exceed the memory ceiling: the output and the sums it is derived from
    /// (windows × pairs each), the sets' indicator weights (site mode), and in branch mode the
    /// moments (windows × f² for the f sets the pairs use, twice per chunk row running at once)
    /// and each thread's per-node sums of the f sets.
    fn check_memory(&self, ts: &TreeSequence) -> Result<()> {
        use crate::memory::{product, Need};
        let nw = self.windows.num_windows() as u64;
        let pairs = self.indexes.tuples.len() as u64;
        let threads = rayon::current_num_threads().max(1) as u64;
        let n = ts.num_nodes() as u64;
        let mut used: Vec<usize> = self.indexes.tuples.iter().flatten().copied().collect();
        used.sort_unstable();
        used.dedup();
        let f = used.len() as u64;
        let need = Need::new().values_each::<f64>(
            format!("the output and the sums it is derived from ({nw} windows × {pairs} pairs)"),
            product([nw, pairs]),
            2,
        );
        let need = match self.mode {
            Mode::Site => need.values::<f64>(
                format!(
                    "indicator weights ({} samples × {} sets)",
                    ts.num_samples(),
                    self.sets.sets.len()
                ),
                product([ts.num_samples() as u64, self.sets.sets.len() as u64]),
            ),
            _ => need
                .values_each::<f64>(
                    format!("moments ({nw} windows × {f} × {f} sets, three copies)"),
                    product([nw, f, f]),
                    3,
                )
                .values_each::<f64>(
                    format!("per-thread buffers ({threads} threads × {n} nodes × {f} sets)"),
                    product([n, f]),
                    threads,
                ),
        };
        need.check(self.name)
    }

    pub(crate) fn run(&self, ts: &TreeSequence) -> Result<StatOutput> {
        self.check_memory(ts)?;
        let (sums, m) = self.sums(ts);
        let n = self.set_sizes();
        let tuples = &self.indexes.tuples;
        let derived = if self.def.derived == Derived::None && self.proportion {
            Derived::RelatednessProportion
        } else {
            self.def.derived
        };
        let data = super::finish_derived(
            ts,
            derived,
            sums,
            m,
            &n,
            tuples,
            &self.sets.sets,
            self.mode,
            &self.windows.breaks,
            self.span_normalise,
        )?;
        let mut shape = Vec::new();
        if self.windows.given {
            shape.push(self.windows.num_windows());
        }
        if !self.indexes.dropped {
            shape.push(tuples.len());
        }
        Ok(StatOutput { data, shape })
    }
}

/// The engine's (and tskit's) value where a pair's summary is 0/0 at every node (a set of
/// one sample against itself): its running sum is exactly 0 until the first branch appears
/// and NaN from then on (NaN added, and taken out, stays NaN), so a window that ends at or
/// before the left end of the first edge sums to 0, and every later one, edge-free or not,
/// to NaN. The moments here are 0 in such a window and the pair's normaliser is 0, so its
/// value is 0/0: made 0 there, as the engine gives. Only NaN is replaced: nothing else in a
/// row of branch sums is NaN (the moments are finite).
fn zero_before_first_edge(ts: &TreeSequence, windows: &[f64], sums: &mut [f64], m: usize) {
    // The insertion index is sorted by left: its first edge starts first.
    let t = &ts.tables;
    let first_edge = t
        .edge_insertion_order
        .first()
        .map_or(f64::INFINITY, |&e| t.edges.left[e as usize]);
    for (w, row) in sums.chunks_mut(m.max(1)).enumerate() {
        if windows[w + 1] <= first_edge {
            row.iter_mut().filter(|v| v.is_nan()).for_each(|v| *v = 0.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same_bits(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
    }

    fn fixture(name: &str) -> TreeSequence {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("../../test/fixtures/{name}.trees"));
        TreeSequence::load(&std::fs::read(path).unwrap()).unwrap()
    }

    /// Sample sets for the tests: `parts` consecutive runs of the samples.
    fn splits(ts: &TreeSequence, parts: usize) -> Vec<Vec<i32>> {
        let n = ts.samples.len();
        (0..parts)
            .map(|i| ts.samples[i * n / parts..(i + 1) * n / parts].to_vec())
            .collect()
    }

    /// The moment of each tree by brute force, independently of the incremental walk: the
    /// tree's parent array from the edges covering its left end, features summed up from
    /// every sample, then the sum over branches.
    fn brute_force(ts: &TreeSequence, feats: &Features, kind: Moment) -> Vec<f64> {
        let f = feats.dim;
        let t = &ts.tables;
        let mut out = Vec::new();
        for w in ts.breakpoints.windows(2) {
            let mut parent = vec![-1i32; ts.num_nodes()];
            for e in 0..ts.num_edges() {
                if t.edges.left[e] <= w[0] && w[0] < t.edges.right[e] {
                    parent[t.edges.child[e] as usize] = t.edges.parent[e];
                }
            }
            let mut phi = vec![0.0; ts.num_nodes() * f];
            for (i, &s) in ts.samples.iter().enumerate() {
                let mut u = s;
                while u >= 0 {
                    for a in 0..f {
                        phi[u as usize * f + a] += feats.rows[i * f + a];
                    }
                    u = parent[u as usize];
                }
            }
            let mut m = vec![0.0; f * f];
            for u in 0..ts.num_nodes() {
                if parent[u] < 0 {
                    continue;
                }
                let bl = t.nodes.time[parent[u] as usize] - t.nodes.time[u];
                let x = &phi[u * f..(u + 1) * f];
                for i in 0..f {
                    for j in 0..f {
                        m[i * f + j] += bl
                            * match kind {
                                Moment::Gram => x[i] * x[j],
                                Moment::Cross => {
                                    x[i] * (feats.total[j] - x[j]) + (feats.total[i] - x[i]) * x[j]
                                }
                            };
                    }
                }
            }
            out.extend(m.iter().map(|v| v * (w[1] - w[0])));
        }
        out
    }

    fn assert_close(got: &[f64], want: &[f64], what: &str) {
        let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1.0);
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert!(
                (g - w).abs() <= 1e-10 * w.abs() + 1e-13 * scale,
                "{what}: [{i}] {g:e} != {w:e}"
            );
        }
    }

    #[test]
    fn moments_match_brute_force_per_tree() {
        for name in ["small", "nonbinary", "ancient_gaps", "multiallelic"] {
            let ts = fixture(name);
            let x = Features::indicators(&ts, &splits(&ts, 5));
            // Also features that are not counts (the centred frequencies of relatedness).
            let centred = Features::new(5, x.rows.iter().map(|v| v / 3.0 - 0.1).collect());
            for (feats, kind) in [
                (&x, Moment::Cross),
                (&x, Moment::Gram),
                (&centred, Moment::Gram),
            ] {
                let mo = branch_moments(&ts, feats, kind, &ts.breakpoints);
                assert_close(
                    &mo.matrix,
                    &brute_force(&ts, feats, kind),
                    &format!("{name} {kind:?}"),
                );
            }
        }
    }

    #[test]
    fn set_blocks_change_no_bit() {
        let ts = fixture("small");
        let feats = Features::indicators(&ts, &splits(&ts, 24));
        let l = ts.sequence_length();
        let windows = [0.0, l / 3.0, l / 2.0, l];
        for kind in [Moment::Cross, Moment::Gram] {
            let whole = branch_moments_with(&ts, &feats, kind, &windows, None, 64);
            for block in [1, 4, 7] {
                let blocked = branch_moments_with(&ts, &feats, kind, &windows, None, block);
                assert!(
                    same_bits(&whole.matrix, &blocked.matrix),
                    "{kind:?} block {block}"
                );
                assert_eq!(whole.area, blocked.area);
            }
        }
    }

    /// Indicator features kept per node in f32 give the same bits as in f64.
    #[test]
    fn f32_features_change_no_bit() {
        for name in ["small", "nonbinary", "ancient_gaps", "multiallelic"] {
            let ts = fixture(name);
            let compact = Features::indicators(&ts, &splits(&ts, 7));
            assert!(compact.small_integers, "{name}");
            let wide = Features {
                small_integers: false,
                ..Features::indicators(&ts, &splits(&ts, 7))
            };
            let l = ts.sequence_length();
            let windows = [0.0, l / 3.0, l / 2.0, l];
            for kind in [Moment::Cross, Moment::Gram] {
                let a = branch_moments_with(&ts, &compact, kind, &windows, None, 3);
                let b = branch_moments_with(&ts, &wide, kind, &windows, None, 3);
                assert!(same_bits(&a.matrix, &b.matrix), "{name} {kind:?}");
                assert_eq!(a.area, b.area, "{name} {kind:?}");
            }
        }
    }

    #[test]
    fn chunking_changes_only_rounding() {
        let ts = fixture("medium");
        let feats = Features::indicators(&ts, &splits(&ts, 6));
        let windows = [0.0, ts.sequence_length() / 2.0, ts.sequence_length()];
        let one = branch_moments_with(&ts, &feats, Moment::Cross, &windows, Some(1), FEATURE_BLOCK);
        let many = branch_moments_with(&ts, &feats, Moment::Cross, &windows, None, FEATURE_BLOCK);
        assert!(plan_chunks(&Genome::new(&ts), &windows, Cost::PathWalk, None).len() > 1);
        assert_close(&many.matrix, &one.matrix, "chunks");
    }
}
