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
use crate::stats::chunks::{plan_chunks, Chunk, Cost};
use crate::stats::weights;
use crate::treeseq::{EdgeEvent, TreeSequence};
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
    branch_moments_with(ts, feats, kind, windows, None, FEATURE_BLOCK)
}

/// As [`branch_moments`], with the chunk bound and block size given (tests vary them).
pub(crate) fn branch_moments_with(
    ts: &TreeSequence,
    feats: &Features,
    kind: Moment,
    windows: &[f64],
    chunks: Option<usize>,
    block: usize,
) -> BranchMoments {
    let g = TableView::new(ts);
    let f = feats.dim;
    let nw = windows.len() - 1;
    let chunks = plan_chunks(&g, windows, Cost::PathWalk, chunks);
    let blocks = SetBlocks::new(f, block);
    let tasks: Vec<(usize, usize)> = (0..chunks.len())
        .flat_map(|c| (0..blocks.pairs.len().max(1)).map(move |b| (c, b)))
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
                let cols: &[usize] = blocks.locals.get(b).map_or(&[], Vec::as_slice);
                crate::parallel::timed_task(|| {
                    if feats.small_integers {
                        moments_chunk(&g, feats, cols, kind, windows, &chunks[c], &spare32)
                    } else {
                        moments_chunk(&g, feats, cols, kind, windows, &chunks[c], &spare64)
                    }
                })
            })
            .collect();
        for (&(c, b), (part_area, part_h)) in batch.iter().zip(&partials) {
            let rows = chunk_windows(windows, &chunks[c]);
            if b == 0 {
                for (r, w) in rows.clone().enumerate() {
                    area[w] += part_area[r];
                }
            }
            blocks.add_partial(b, rows, part_h, &mut raw);
        }
    }
    BranchMoments {
        dim: f,
        area,
        matrix: symmetrised(raw, f),
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

impl<V: StoredSum> QuadState<'_, '_, V> {
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

/// One task: the moments of the features `cols` over one chunk. Returns the branch area and
/// the local `h` (|cols|^2) for each window the chunk reaches, consecutively.
/// Buffers a finished task leaves for the next: its `phi` and `parent`.
type Spare<V> = std::sync::Mutex<Vec<(Vec<V>, Vec<i32>)>>;

fn moments_chunk<V: StoredSum>(
    g: &TableView,
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
        st.update(g.edge_event(e as usize), true);
    }
    let mut cur = g.cursor_at(chunk.start);
    let mut wc = WindowCursor::new(windows, chunk.start);
    let mut left = chunk.start;
    loop {
        let right = cur.tree_right(chunk.end);
        if cur.num_edges() == 0 {
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
        while let Some(i) = cur.next_out(right) {
            st.update(cur.removals[i], false);
        }
        while let Some(i) = cur.next_in(right) {
            st.update(cur.insertions[i], true);
        }
        left = right;
    }
    if let Ok(mut v) = spare.lock() {
        v.push((st.phi, st.parent));
    }
    (out_area, out_h)
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
        assert!(plan_chunks(&TableView::new(&ts), &windows, Cost::PathWalk, None).len() > 1);
        assert_close(&many.matrix, &one.matrix, "chunks");
    }
}
