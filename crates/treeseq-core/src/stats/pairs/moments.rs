//! Branch-mode moments: for features phi of the samples (one per sample set used, linear
//! in the set memberships), the sums over branches and along the genome of
//! `branch_length * phi phi^T` (Gram) or of its cross form, per window, accumulated edge by
//! edge as rank-one updates (see the module above for why, and for their accuracy).
//!
//! What it is not: what the pair statistics make of the moments (`algebra.rs`).

use std::ops::Range;

use rayon::prelude::*;

use super::{chunk_windows, FEATURE_BLOCK};
use crate::memory::fill_few;
use crate::stats::chunks::{plan_chunks, plan_pieces, Chunk, Cost, Forced, Plan};
use crate::stats::weights;
use crate::treeseq::{EdgeEvent, TreeSequence};
use crate::walk::cursor::EdgeCursor;
use crate::walk::stored_sum::StoredSum;
use crate::walk::table_view::TableView;
use crate::walk::windows::WindowCursor;

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
    /// (set indicators): per-node sums are then kept in f32, exactly (see `walk::stored_sum::StoredSum`).
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
    branch_moments_with(ts, feats, kind, windows, Forced::default(), FEATURE_BLOCK)
}

/// As [`branch_moments`], with the cuts and the block size given (tests vary them).
///
/// How the work is shared out, with the same bits whatever the thread count. Each piece of
/// the genome sums, from zero at its first tree, how the moment changes along it: with
/// `H_k` the moment of piece k's first tree and `d(t)` the change since, a window's part of
/// the piece is `S H_k + sum_t span(t) d(t)` (S the span the piece covers in the window),
/// and `H_{k+1} = H_k + d(end of piece k)`. Only `H_0`, the moment of the first tree, is
/// summed over the tree's nodes, by the first run (which the plan gives less of the genome
/// for it, see `chunks::first_run_extra`). So a piece's sums do
/// not depend on how the walk reached its first tree, only on the per-node features there,
/// which are exact for set indicators: a task then walks a run of consecutive pieces
/// (`Plan`: pieces cut by the data, runs for the threads there are), seeking once. Other
/// features keep one run per chunk, each seeking, as chunked by the data alone.
pub(crate) fn branch_moments_with(
    ts: &TreeSequence,
    feats: &Features,
    kind: Moment,
    windows: &[f64],
    forced: Forced,
    block: usize,
) -> BranchMoments {
    let g = TableView::new(ts);
    let f = feats.dim;
    let nw = windows.len() - 1;
    let plan = if feats.small_integers {
        let threads = crate::parallel::plan_threads();
        plan_pieces(&g, windows, Cost::PathWalk, forced.pieces).into_plan(
            &g,
            windows,
            threads,
            forced.runs,
        )
    } else {
        Plan::one_run_each(plan_chunks(&g, windows, Cost::PathWalk, forced.pieces))
    };
    let blocks = SetBlocks::new(f, block);
    let mut raw = vec![0.0; nw * f * f];
    let mut area = vec![0.0; nw];
    // Per-node buffers (nodes x sets each: 165 MB for 688,000 nodes and 30 sets in f64, half
    // that in f32) handed from task to task within this call, instead of each task faulting
    // in fresh pages.
    let (spare32, spare64): (Spare<f32>, Spare<f64>) = Default::default();
    // Block pairs one after another: each has its runs and node blocks as parallel tasks, and
    // only its own partials alive.
    for b in 0..blocks.pairs.len().max(1) {
        let cols: &[usize] = blocks.locals.get(b).map_or(&[], Vec::as_slice);
        let (parts, first) = if feats.small_integers {
            block_pair_moments(&g, feats, cols, kind, windows, &plan, &spare32)
        } else {
            block_pair_moments(&g, feats, cols, kind, windows, &plan, &spare64)
        };
        // The pieces' parts in piece order, each from the moment at its first tree.
        let lf = cols.len();
        let FirstTree {
            mut h,
            mut h_comp,
            mut branch_total,
        } = first;
        let mut rows_h = Vec::new();
        for part in parts.iter().flatten() {
            let moment: Vec<f64> = h.iter().zip(&h_comp).map(|(v, c)| v - c).collect();
            rows_h.clear();
            for (r, &span) in part.span.iter().enumerate() {
                let d = &part.h[r * lf * lf..(r + 1) * lf * lf];
                rows_h.extend(moment.iter().zip(d).map(|(m, d)| span * m + d));
            }
            blocks.add_partial(b, part.rows.clone(), &rows_h, &mut raw);
            if b == 0 {
                for (r, w) in part.rows.clone().enumerate() {
                    area[w] += part.span[r] * branch_total + part.area[r];
                }
            }
            if let Some(end) = &part.end {
                if !end.from_first {
                    h.iter_mut().for_each(|v| *v = 0.0);
                    h_comp.iter_mut().for_each(|v| *v = 0.0);
                    branch_total = 0.0;
                }
                for ((v, c), &d) in h.iter_mut().zip(&mut h_comp).zip(&end.h) {
                    kahan_add(v, c, d);
                }
                branch_total += end.branch_total;
            }
        }
    }
    BranchMoments {
        dim: f,
        area,
        matrix: symmetrised(raw, f),
    }
}

/// The moment and branch total of the walk's first tree (the first piece's `H_0`), with the
/// moment's compensation.
struct FirstTree {
    h: Vec<f64>,
    h_comp: Vec<f64>,
    branch_total: f64,
}

/// One piece's sums, relative to its first tree's moment: per window it reaches
/// (`rows`), the span it covers while its moment still counts from that first tree, the
/// branch area and the change of `h` times span; and what it hands to the next piece.
struct PiecePart {
    rows: Range<usize>,
    span: Vec<f64>,
    area: Vec<f64>,
    h: Vec<f64>,
    end: Option<PieceEnd>,
}

/// The change over a piece, up to the next piece's first tree.
struct PieceEnd {
    /// False when the piece passed a tree without branches, where the moment is exactly
    /// zero, so the changes count from zero rather than from the piece's first tree.
    from_first: bool,
    branch_total: f64,
    h: Vec<f64>,
}

/// The moments of the features `cols` over the whole plan: each run's piece parts, in order,
/// and the first tree's moment. The runs are parallel tasks; the first, once it has built its
/// first tree, hands a copy to tasks that sum that tree's moment by blocks of nodes, and goes
/// on walking while they do.
fn block_pair_moments<V: StoredSum>(
    g: &TableView,
    feats: &Features,
    cols: &[usize],
    kind: Moment,
    windows: &[f64],
    plan: &Plan,
    spare: &Spare<V>,
) -> (Vec<Vec<PiecePart>>, FirstTree) {
    let lf = cols.len();
    let total: Vec<f64> = cols.iter().map(|&c| feats.total[c]).collect();
    let nodes = node_blocks(g.num_nodes);
    let block_sums: std::sync::Mutex<Vec<Vec<f64>>> =
        std::sync::Mutex::new(vec![Vec::new(); nodes.len()]);
    let mut first = FirstTree {
        h: vec![0.0; lf * lf],
        h_comp: vec![0.0; lf * lf],
        branch_total: 0.0,
    };
    let runs: Vec<Vec<PiecePart>> = rayon::scope(|scope| {
        let (nodes, total, block_sums) = (&nodes, &total, &block_sums);
        let sum_first_tree = |tree: FirstState<V>| {
            let tree = std::sync::Arc::new(tree);
            for (i, block) in nodes.iter().enumerate() {
                let tree = tree.clone();
                scope.spawn(move |_| {
                    let h = crate::parallel::timed_task(|| {
                        tree.moment_of(g, kind, total, block.clone())
                    });
                    if let Ok(mut sums) = block_sums.lock() {
                        sums[i] = h;
                    }
                });
            }
        };
        let done: Vec<(Vec<PiecePart>, Option<f64>)> = plan
            .runs
            .par_iter()
            .map(|run| {
                let pieces = &plan.pieces[run.clone()];
                let hand_over: Option<&(dyn Fn(FirstState<V>) + Sync)> =
                    (run.start == 0).then_some(&sum_first_tree);
                crate::parallel::timed_task(|| {
                    walk_run(g, feats, cols, kind, windows, pieces, hand_over, spare)
                })
            })
            .collect();
        first.branch_total = done[0].1.expect("the first run builds the first tree");
        done.into_iter().map(|(parts, _)| parts).collect()
    });
    // The blocks' sums in block order.
    let block_sums = block_sums.into_inner().unwrap_or_else(|e| e.into_inner());
    for h in &block_sums {
        for ((v, c), &x) in first.h.iter_mut().zip(&mut first.h_comp).zip(h) {
            kahan_add(v, c, x);
        }
    }
    (runs, first)
}

/// Nodes per block when the first tree's moment is summed by blocks of nodes: enough blocks
/// to keep 64 threads busy on large trees, and one block on small ones. A function of the
/// node count alone, since the blocks' sums are added in block order.
const NODES_PER_BLOCK: usize = 1 << 15;

/// The node ranges the first tree's moment is summed over, one task each.
fn node_blocks(num_nodes: usize) -> Vec<Range<usize>> {
    let size = NODES_PER_BLOCK.max(num_nodes.div_ceil(64)).max(1);
    (0..num_nodes)
        .step_by(size)
        .map(|s| s..(s + size).min(num_nodes))
        .collect()
}

/// A copy of the first tree's parents and per-node features, for the tasks that sum its
/// moment.
struct FirstState<V> {
    phi: Vec<V>,
    parent: Vec<i32>,
}

impl<V: StoredSum> FirstState<V> {
    /// The part of the tree's moment `h` from the branches above `nodes`, in a form whose
    /// symmetric part is the moment, as the updates keep it: `s c^T - G` (Cross) or `G / 2`
    /// (Gram), with `s = sum bl(u) phi(u)` and `G = sum bl(u) phi(u) phi(u)^T` (compensated
    /// sums), each node adding only the products of its nonzero features (a sample's one),
    /// and `G` only its upper triangle.
    fn moment_of(
        &self,
        g: &TableView,
        kind: Moment,
        total: &[f64],
        nodes: Range<usize>,
    ) -> Vec<f64> {
        let f = total.len();
        let time = g.time;
        let (mut s, mut s_comp) = (vec![0.0; f], vec![0.0; f]);
        let (mut gram, mut g_comp) = (vec![0.0; f * f], vec![0.0; f * f]);
        let mut nonzero: Vec<(usize, f64)> = Vec::with_capacity(f);
        for u in nodes {
            let p = self.parent[u];
            if p < 0 {
                continue;
            }
            let bl = time[p as usize] - time[u];
            nonzero.clear();
            nonzero.extend(
                self.phi[u * f..(u + 1) * f]
                    .iter()
                    .enumerate()
                    .filter(|(_, x)| x.get() != 0.0)
                    .map(|(i, x)| (i, x.get())),
            );
            for (a, &(i, xi)) in nonzero.iter().enumerate() {
                let b = bl * xi;
                kahan_add(&mut s[i], &mut s_comp[i], b);
                for &(j, xj) in &nonzero[a..] {
                    kahan_add(&mut gram[i * f + j], &mut g_comp[i * f + j], b * xj);
                }
            }
        }
        let s: Vec<f64> = s.iter().zip(&s_comp).map(|(v, c)| v - c).collect();
        let mut h = vec![0.0; f * f];
        for i in 0..f {
            for j in 0..f {
                let (a, b) = (i.min(j), i.max(j));
                let g = gram[a * f + b] - g_comp[a * f + b];
                h[i * f + j] = match kind {
                    Moment::Cross => s[i] * total[j] - g,
                    Moment::Gram => 0.5 * g,
                };
            }
        }
        h
    }
}

/// The sets cut into blocks, and the pairs of blocks (r <= c) that are tasks of their own.
struct SetBlocks {
    /// Number of sets.
    f: usize,
    blocks: Vec<Range<usize>>,
    pairs: Vec<(usize, usize)>,
    /// Per pair of blocks, the sets it reads (its task's local columns): the block's, or
    /// the two blocks' one after the other.
    locals: Vec<Vec<usize>>,
}

impl SetBlocks {
    fn new(f: usize, block: usize) -> SetBlocks {
        let blocks: Vec<Range<usize>> = (0..f)
            .step_by(block.max(1))
            .map(|s| s..(s + block).min(f))
            .collect();
        let pairs: Vec<(usize, usize)> = (0..blocks.len())
            .flat_map(|r| (r..blocks.len()).map(move |c| (r, c)))
            .collect();
        let locals: Vec<Vec<usize>> = pairs
            .iter()
            .map(|&(r, c)| {
                if r == c {
                    blocks[r].clone().collect()
                } else {
                    blocks[r].clone().chain(blocks[c].clone()).collect()
                }
            })
            .collect();
        SetBlocks {
            f,
            blocks,
            pairs,
            locals,
        }
    }

    /// Adds the local `h` of block pair `b` (for the windows `rows`, consecutively) into the
    /// raw sums (`[window][set][set]`, f sets): within one block, all of it; across two, the
    /// off-diagonal quarters, each where it belongs.
    fn add_partial(&self, b: usize, rows: Range<usize>, part_h: &[f64], raw: &mut [f64]) {
        let Some(&(br, bc)) = self.pairs.get(b) else {
            return;
        };
        let f = self.f;
        let cols = &self.locals[b];
        let lf = cols.len();
        // Local index ranges of the two blocks.
        let (rr, cr) = if br == bc {
            (0..lf, 0..lf)
        } else {
            (0..self.blocks[br].len(), self.blocks[br].len()..lf)
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

/// The moment from the raw sums: their symmetric part, h + h^T, formed in place (per window,
/// `f x f`).
fn symmetrised(raw: Vec<f64>, f: usize) -> Vec<f64> {
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
    matrix
}

/// The incremental state of one task: parents, features per node, and the running
/// (unsymmetrised) moment `h` of the current tree, whose symmetric part is the moment.
struct QuadState<'g, 'a, V: StoredSum> {
    g: &'g TableView<'a>,
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

impl<'g, 'a, V: StoredSum> QuadState<'g, 'a, V> {
    /// A state with no edges: the samples' features and no parents, in buffers a finished
    /// task left behind where there are some.
    fn new(
        g: &'g TableView<'a>,
        feats: &Features,
        cols: &[usize],
        kind: Moment,
        spare: &Spare<V>,
    ) -> Self {
        let f = cols.len();
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
        QuadState {
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
        }
    }

    /// Hands the per-node buffers to the next task.
    fn give_back(self, spare: &Spare<V>) {
        if let Ok(mut v) = spare.lock() {
            v.push((self.phi, self.parent));
        }
    }

    /// Builds the tree at the chunk's start, with no moment (the walk's pieces count theirs
    /// from zero): the covering edges attached children first, each adding its child's
    /// features to its parent, as the engine's seek does. Returns the tree's branch total,
    /// summed in edge-table order, where `with_total` asks for it (only the walk's first tree
    /// needs it).
    fn seek(&mut self, chunk: &Chunk, with_total: bool) -> f64 {
        let alive = chunk.alive();
        let f = self.f;
        self.g
            .attach_covering(&alive, &mut self.parent, &mut self.phi, f, f);
        if !with_total {
            return 0.0;
        }
        let (time, parent) = (self.g.time, &self.parent);
        alive.iter().fold(0.0, |total, &e| {
            let c = self.g.edge_child[e as usize] as usize;
            total + (time[parent[c] as usize] - time[c])
        })
    }

    /// Moves the cursor onto the tree starting at `x`: removals, then insertions.
    fn advance(&mut self, cur: &mut EdgeCursor, x: f64) {
        while let Some(i) = cur.next_out(x) {
            self.update(cur.removals[i], false);
        }
        while let Some(i) = cur.next_in(x) {
            self.update(cur.insertions[i], true);
        }
    }

    /// Moves edge `ev` out of (`insert` false) or into the tree. With delta = phi(child), the
    /// path from the parent up gains or loses delta; the change of the moment is then
    /// `delta w^T` (plus transpose), with w from the path sums taken before the change:
    ///   Cross, remove: w = 2 Sx - beta c - beta delta - bl_c (c - delta)
    ///   Cross, insert: w = -(2 Sx - beta c) - beta delta + bl_c (c - delta)
    ///   Gram, remove:  w = -Sx + (beta - bl_c)/2 delta
    ///   Gram, insert:  w = Sx + (beta + bl_c)/2 delta
    /// where Sx = sum of bl(v) phi(v) and beta = sum of bl(v) over the path, bl_c the child's
    /// branch. The child's own term is folded into w.
    #[inline]
    fn update(&mut self, ev: EdgeEvent, insert: bool) {
        let f = self.f;
        let (p, c) = (ev.parent as usize, ev.child as usize);
        let time = self.g.time;
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

/// Buffers a finished task leaves for the next: its `phi` and `parent`.
type Spare<V> = std::sync::Mutex<Vec<(Vec<V>, Vec<i32>)>>;

/// One task: a run of consecutive pieces, seeking at the first. Each piece sums from zero
/// (see [`branch_moments_with`]) and hands on its change up to the next piece's first tree.
/// The run that starts the walk hands a copy of its first tree to `hand_over`, and returns
/// that tree's branch total.
#[allow(
    clippy::too_many_arguments,
    reason = "the walk's inputs, each named: a struct would only rename them"
)]
fn walk_run<V: StoredSum>(
    g: &TableView,
    feats: &Features,
    cols: &[usize],
    kind: Moment,
    windows: &[f64],
    run: &[Chunk],
    hand_over: Option<&(dyn Fn(FirstState<V>) + Sync)>,
    spare: &Spare<V>,
) -> (Vec<PiecePart>, Option<f64>) {
    let f = cols.len();
    let end = windows[windows.len() - 1];
    let mut st = QuadState::new(g, feats, cols, kind, spare);
    let branch_total = st.seek(&run[0], hand_over.is_some());
    if let Some(hand_over) = hand_over {
        // Copied into huge pages where the system allows (see `memory`): fresh 4 KiB pages
        // made the copy of 82 MB cost as much as a seek.
        let mut phi = crate::memory::large_vec(st.phi.len());
        phi.extend_from_slice(&st.phi);
        let mut parent = crate::memory::large_vec(st.parent.len());
        parent.extend_from_slice(&st.parent);
        hand_over(FirstState { phi, parent });
    }
    let mut cur = g.cursor_at(run[0].start);
    let mut parts = Vec::with_capacity(run.len());
    for piece in run {
        fill_few(&mut st.h, 0.0);
        fill_few(&mut st.comp, 0.0);
        st.branch_total = 0.0;
        let mut from_first = true;
        let rows = chunk_windows(windows, piece);
        let mut span = vec![0.0; rows.len()];
        let mut area = vec![0.0; rows.len()];
        let mut out_h = vec![0.0; rows.len() * f * f];
        let mut out_comp = vec![0.0; rows.len() * f * f];
        let mut wc = WindowCursor::new(windows, piece.start);
        let mut left = piece.start;
        let right = loop {
            let right = cur.tree_right(piece.end);
            if cur.num_edges() == 0 {
                // No branches: exactly zero, not the residue of everything added and removed.
                fill_few(&mut st.h, 0.0);
                fill_few(&mut st.comp, 0.0);
                st.branch_total = 0.0;
                from_first = false;
            }
            let (h, comp, bt) = (&st.h, &st.comp, st.branch_total);
            wc.each(windows, left, right, |w, overlap| {
                let r = w - rows.start;
                if from_first {
                    span[r] += overlap;
                }
                area[r] += bt * overlap;
                let (out, out_c) = (
                    &mut out_h[r * f * f..(r + 1) * f * f],
                    &mut out_comp[r * f * f..(r + 1) * f * f],
                );
                for (((o, oc), &v), &c) in out.iter_mut().zip(out_c.iter_mut()).zip(h).zip(comp) {
                    kahan_add(o, oc, (v - c) * overlap);
                }
            });
            if right >= piece.end || right >= end {
                break right;
            }
            st.advance(&mut cur, right);
            left = right;
        };
        // The next piece starts at this one's end: move onto its first tree and hand on the
        // change up to there.
        let handover = (right < end).then(|| {
            st.advance(&mut cur, right);
            PieceEnd {
                from_first,
                branch_total: st.branch_total,
                h: st.h.iter().zip(&st.comp).map(|(v, c)| v - c).collect(),
            }
        });
        for (o, c) in out_h.iter_mut().zip(&out_comp) {
            *o -= c;
        }
        parts.push(PiecePart {
            rows,
            span,
            area,
            h: out_h,
            end: handover,
        });
    }
    st.give_back(spare);
    (parts, hand_over.map(|_| branch_total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{fixture, same_bits, splits, FIXTURES};

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
            let whole = branch_moments_with(&ts, &feats, kind, &windows, Forced::default(), 64);
            for block in [1, 4, 7] {
                let blocked =
                    branch_moments_with(&ts, &feats, kind, &windows, Forced::default(), block);
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
            // The same cuts (indicators walk runs of pieces, other features one chunk
            // each): 5 pieces or chunks.
            let cuts = Forced {
                pieces: Some(5),
                runs: None,
            };
            for kind in [Moment::Cross, Moment::Gram] {
                let a = branch_moments_with(&ts, &compact, kind, &windows, cuts, 3);
                let b = branch_moments_with(&ts, &wide, kind, &windows, cuts, 3);
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
        let one_piece = Forced {
            pieces: Some(1),
            runs: None,
        };
        let one = branch_moments_with(
            &ts,
            &feats,
            Moment::Cross,
            &windows,
            one_piece,
            FEATURE_BLOCK,
        );
        let many = branch_moments_with(
            &ts,
            &feats,
            Moment::Cross,
            &windows,
            Forced::default(),
            FEATURE_BLOCK,
        );
        let pieces = plan_pieces(&TableView::new(&ts), &windows, Cost::PathWalk, None);
        assert!(
            pieces
                .into_plan(&TableView::new(&ts), &windows, 1, None)
                .pieces
                .len()
                > 1
        );
        assert_close(&many.matrix, &one.matrix, "chunks");
        assert_close(&many.area, &one.area, "area");
    }

    /// Which pieces a run walks (the thread count, or forced runs) changes no bit, on every
    /// fixture, in windows that cut trees, for both moments.
    #[test]
    fn runs_change_no_bit() {
        for name in FIXTURES {
            let ts = fixture(name);
            let feats = Features::indicators(&ts, &splits(&ts, 5));
            let l = ts.sequence_length();
            let windows = [0.0, l / 7.0, l / 3.0, 0.61 * l, l];
            for kind in [Moment::Cross, Moment::Gram] {
                let reference = crate::parallel::with_plan_threads(1, || {
                    branch_moments_with(&ts, &feats, kind, &windows, Forced::default(), 2)
                });
                for runs in [1, 2, 3, 7, 16, 64] {
                    let forced = Forced {
                        pieces: None,
                        runs: Some(runs),
                    };
                    let got = branch_moments_with(&ts, &feats, kind, &windows, forced, 2);
                    assert!(
                        same_bits(&got.matrix, &reference.matrix),
                        "{name} {kind:?} {runs} runs"
                    );
                    assert!(
                        same_bits(&got.area, &reference.area),
                        "{name} {kind:?} {runs} runs"
                    );
                    let threads = crate::parallel::with_plan_threads(runs, || {
                        branch_moments_with(&ts, &feats, kind, &windows, Forced::default(), 2)
                    });
                    assert!(
                        same_bits(&threads.matrix, &reference.matrix),
                        "{name} {kind:?} planned for {runs} threads"
                    );
                }
            }
        }
    }
}
