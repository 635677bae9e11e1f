//! Branch mode: branch length times the summary of the samples below, summed over branches
//! and along the genome (and the branch-mode allele frequency spectrum).

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::chunk_rows;
use super::evaluator::{branch_in_time_windows, Evaluator};
use super::workspace::{refill, Kept, Touched, TreeState, Workspace};
use super::{Base, Partial, Task};
use crate::stats::chunks::Chunk;
use crate::stats::summaries::SummaryFunc;
use crate::walk::stored_sum::StoredSum;
use crate::walk::windows::WindowCursor;

/// Largest tree records (per thread) that keep each node's summary and branch length. Kept,
/// a node's old term is read back rather than recomputed, which is faster while the records
/// stay in cache (30,000 samples: 8 to 11 MB); beyond, fetching them costs more than
/// recomputing (300,000 samples: 44 to 60 MB kept, 8 MB not, as f32 weight sums alone; a
/// third faster without).
/// Either way the result is the same bits; tests move the limit to check that
/// ([`set_keep_summaries_bytes`]).
static KEEP_SUMMARIES_BYTES: AtomicUsize = AtomicUsize::new(16 << 20);

/// Sets the limit above which branch-mode records keep no summaries (for tests: both ways
/// give the same bits). Returns the previous limit.
#[doc(hidden)]
pub fn set_keep_summaries_bytes(bytes: usize) -> usize {
    KEEP_SUMMARIES_BYTES.swap(bytes, Ordering::Relaxed)
}

/// Branch mode, dense summary: a running sum over nodes of branch length (per time window)
/// times f(node); each tree adds running sum times its overlap with each window.
///
/// While a tree's records fit in a thread's share of the cache ([`KEEP_SUMMARIES_BYTES`]),
/// each node's record holds its weights, its summary, its branch length and its time, all
/// f64. Beyond, a record holds the weights alone, as f32 where that is exact (see
/// `walk::stored_sum::StoredSum`), and times are read from the node table, which all threads share: on
/// 300,000 samples and 3 sets a record is then 12 bytes rather than 32, and two threads'
/// trees no longer evict each other from the cache.
///
/// A node touched in a transition keeps its old parent and weights; if both come out
/// unchanged (above the point where a moved subtree left and rejoined, the weights lose and
/// regain the same amount) its term is left alone: no summary to recompute, no rounding
/// added. Otherwise its old term is taken out (the kept one, or one recomputed from its old
/// weights and parent: the same bits as when it was added) and its new term added.
///
/// Only the first chunk evaluates f over a whole tree. Every other chunk builds the weights
/// of the tree before its first (the warm-up tree, whose span belongs to the previous chunk),
/// keeps its running sum relative to that tree's (unknown here, see [`Base`]), and computes a
/// node's old summary only when the node first changes. So a chunk costs about what its own
/// edge changes cost, and chunks are cheap enough to be many.
pub(super) fn branch_dense(
    t: Task,
    f: &dyn SummaryFunc,
    cols: Range<usize>,
    ws: &mut Workspace,
) -> Vec<Partial> {
    let stride = t.part.k() + SummarySlots { gm: cols.len() }.len();
    let keep = t.d.num_nodes * stride * std::mem::size_of::<f64>()
        <= KEEP_SUMMARIES_BYTES.load(Ordering::Relaxed);
    if keep {
        branch_walk::<f64>(t, f, cols, ws, true)
    } else if t.part.weights.small_integers {
        branch_walk::<f32>(t, f, cols, ws, false)
    } else {
        branch_walk::<f64>(t, f, cols, ws, false)
    }
}

/// The running sum of a branch walk, and what adding a node's term to it takes.
struct Terms<'a> {
    eval: Evaluator<'a>,
    /// `[time window][output]`.
    running: Vec<f64>,
    /// Scratch space: a branch's length in each time window, a summary, a node's weights as
    /// f64.
    bl: Vec<f64>,
    summary: Vec<f64>,
    wide: Vec<f64>,
    time: &'a [f64],
    time_windows: Option<&'a [f64]>,
}

impl Terms<'_> {
    /// Adds `sign` times node u's term to the running sum, from its summary (u has parent p
    /// and branch length `len`).
    fn add(&mut self, summary: &[f64], len: f64, u: usize, p: i32, sign: f64) {
        add_term(
            &mut self.running,
            &mut self.bl,
            (self.time, self.time_windows),
            summary,
            (len, u, p, sign),
        );
    }

    /// As [`Terms::add`], evaluating the summary of weights `x`.
    fn add_of<V: StoredSum>(&mut self, x: &[V], len: f64, u: usize, p: i32, sign: f64) {
        self.eval
            .eval(V::widen(x, &mut self.wide), &mut self.summary);
        add_term(
            &mut self.running,
            &mut self.bl,
            (self.time, self.time_windows),
            &self.summary,
            (len, u, p, sign),
        );
    }
}

/// Adds sign * (u's branch within each time window) * summary to `running`. Without time
/// windows the branch length `len` is used as is.
#[inline(always)]
fn add_term(
    running: &mut [f64],
    bl: &mut [f64],
    (time, time_windows): (&[f64], Option<&[f64]>),
    summary: &[f64],
    (len, u, p, sign): (f64, usize, i32, f64),
) {
    let gm = summary.len();
    match time_windows {
        None => {
            let len = sign * len;
            for (r, v) in running.iter_mut().zip(summary) {
                *r += len * v;
            }
        }
        Some(_) => {
            branch_in_time_windows(time[u], time[p as usize], time_windows, bl);
            for (t, &len) in bl.iter().enumerate() {
                if len != 0.0 {
                    let len = sign * len;
                    for (r, v) in running[t * gm..(t + 1) * gm].iter_mut().zip(summary) {
                        *r += len * v;
                    }
                }
            }
        }
    }
}

/// What a record that keeps summaries holds after its k weight sums (all f64): the node's
/// summary (gm outputs), its branch length and its time. Offsets are into that part of the
/// record, `record[k..]`.
#[derive(Clone, Copy)]
struct SummarySlots {
    gm: usize,
}

impl SummarySlots {
    /// Values after the weight sums.
    fn len(self) -> usize {
        self.gm + 2
    }
    fn summary(self) -> Range<usize> {
        0..self.gm
    }
    fn branch_length(self) -> usize {
        self.gm
    }
    fn time(self) -> usize {
        self.gm + 1
    }
}

/// [`branch_dense`] with records of weight sums of type `V`, keeping summaries (`keep`, f64
/// records only) or not.
#[inline(never)] // (see `site::walk_sites`)
fn branch_walk<V: StoredSum + Kept>(
    t: Task,
    f: &dyn SummaryFunc,
    cols: Range<usize>,
    ws: &mut Workspace,
    keep: bool,
) -> Vec<Partial> {
    let Task {
        d,
        stat,
        run,
        chunk,
        ..
    } = t;
    let gm = cols.len();
    let nt = stat.time_windows.map_or(1, |t| t.len() - 1);
    let windows = stat.windows;
    let piece_sums = |c: &Chunk| -> (Vec<f64>, Vec<f64>) {
        (vec![0.0; chunk_rows(c) * nt * gm], vec![0.0; chunk_rows(c)])
    };
    let mut walk = BranchWalk::<V>::seek(t, f, cols, ws, keep);

    // The first chunk starts from the full sum over its first tree; the others from zero,
    // relative to the sum of their warm-up tree.
    let mut absolute = chunk.seek_at == chunk.start;
    if absolute {
        walk.add_every_branch();
    }

    let mut touched = Touched::new(d.num_nodes, ws);
    // Parent and weights of each touched node before the transition, in touch order.
    let mut old_parent: Vec<i32> = Vec::new();
    let mut old_x: Vec<V> = Vec::new();
    let mut partials = Vec::with_capacity(run.len());
    let mut pieces = run.iter();
    let mut chunk = pieces.next().expect("a run has a piece");
    let (mut out, mut coef) = piece_sums(chunk);
    let mut wc = WindowCursor::at(chunk.w_first);
    let mut left = chunk.seek_at;
    loop {
        let right = walk.st.tree_right(chunk.end);
        // This tree adds running * overlap to each window it overlaps (not the warm-up tree).
        if left >= chunk.start {
            let running = &walk.terms.running;
            wc.each(windows, left, right, |w, overlap| {
                let row = &mut out[(w - chunk.w_first) * nt * gm..][..nt * gm];
                for (o, r) in row.iter_mut().zip(running) {
                    *o += r * overlap;
                }
                if !absolute {
                    coef[w - chunk.w_first] += overlap;
                }
            });
        }
        if right >= chunk.end || wc.exhausted(windows) {
            partials.push(Partial {
                out: std::mem::take(&mut out),
                base: Some(Base {
                    coef: std::mem::take(&mut coef),
                    delta_end: walk.terms.running.clone(),
                    absolute_end: absolute,
                }),
            });
            let Some(next) = pieces.next() else { break };
            // The next piece goes on from here as a chunk sought at its warm-up tree, this
            // one, would: its running sum is zero relative to this tree's. Every node's
            // weight sums are what a seek would build (see `engine::continuable`), and a
            // node's kept term is what one recomputed from them would be, so the piece's
            // sums have the same bits either way.
            chunk = next;
            (out, coef) = piece_sums(chunk);
            wc = WindowCursor::at(chunk.w_first);
            walk.terms.running.fill(0.0);
            absolute = false;
        }
        left = right;
        old_parent.clear();
        old_x.clear();
        walk.st.advance(left, |u, p, x| {
            if touched.first(u) {
                old_parent.push(p);
                // Element by element: a memcpy call costs more than copying a few values.
                for &v in x {
                    old_x.push(v);
                }
            }
        });
        let k = walk.k;
        let mut i = 0;
        touched.finish(|u| {
            let x_old = &old_x[i * k..(i + 1) * k];
            walk.update_branch(u, old_parent[i], x_old);
            i += 1;
        });
        if walk.st.cursor.num_edges() == 0 {
            walk.zero_running_sum();
            absolute = true;
        }
    }
    touched.release(ws);
    walk.release(ws);
    partials
}

/// A branch walk's tree and running sum, and the steps that keep the sum in step with the
/// tree.
struct BranchWalk<'a, V: StoredSum> {
    st: TreeState<'a, V>,
    terms: Terms<'a>,
    /// Whether a node's record holds its current summary and branch length (empty when
    /// records keep none).
    valid: Vec<bool>,
    keep: bool,
    slots: SummarySlots,
    /// Stored values of a node's weight sums.
    k: usize,
    time: &'a [f64],
}

impl<'a, V: StoredSum + Kept> BranchWalk<'a, V> {
    /// The chunk's first tree, with records that keep each node's summary, branch length
    /// and time (`keep`) or only its weight sums, and a running sum of zero.
    fn seek(
        t: Task<'a, 'a>,
        f: &'a dyn SummaryFunc,
        cols: Range<usize>,
        ws: &mut Workspace,
        keep: bool,
    ) -> Self {
        let Task { d, stat, part, .. } = t;
        let gm = cols.len();
        let k = part.k();
        let nt = stat.time_windows.map_or(1, |t| t.len() - 1);
        // Kept records hold the node's time too: read with the record, not from the node
        // table, when a branch length is computed.
        let slots = SummarySlots { gm };
        let st = if keep {
            TreeState::<V>::seek_with(d, part.weights, t.chunk, ws, slots.len(), |u, rest| {
                rest[slots.time()] = V::exact(d.time[u]);
            })
        } else {
            TreeState::<V>::seek(d, part.weights, t.chunk, ws)
        };
        let total = (!stat.polarised).then_some(part.total);
        let terms = Terms {
            eval: Evaluator::new(f, cols, total),
            running: vec![0.0; nt * gm],
            bl: vec![0.0; nt],
            summary: vec![0.0; gm],
            wide: vec![0.0; k],
            time: d.time,
            time_windows: stat.time_windows,
        };
        let n = d.num_nodes;
        let valid = refill(
            std::mem::take(&mut ws.valid),
            if keep { n } else { 0 },
            false,
        );
        BranchWalk {
            st,
            terms,
            valid,
            keep,
            slots,
            k,
            time: d.time,
        }
    }

    /// Hands the buffers back; returns the running sum.
    fn release(self, ws: &mut Workspace) -> Vec<f64> {
        self.st.release(ws);
        ws.valid = self.valid;
        self.terms.running
    }

    #[inline(always)]
    fn node_time(&self, u: usize) -> f64 {
        if self.keep {
            self.st.record(u)[self.k + self.slots.time()].get()
        } else {
            self.time[u]
        }
    }

    /// Recomputes u's summary and branch length (it has parent p) and adds its term; keeps
    /// them in u's record if records keep them.
    #[inline(always)]
    fn refresh(&mut self, u: usize, p: i32) {
        let (k, slots) = (self.k, self.slots);
        let parent_time = self.node_time(p as usize);
        if self.keep {
            let record = V::as_f64_mut(self.st.record_mut(u)).expect("kept records are f64");
            let (x, rest) = record.split_at_mut(k);
            let len = parent_time - rest[slots.time()];
            self.terms.eval.eval(x, &mut rest[slots.summary()]);
            rest[slots.branch_length()] = len;
            self.terms.add(&rest[slots.summary()], len, u, p, 1.0);
        } else {
            self.terms
                .add_of(self.st.row(u), parent_time - self.time[u], u, p, 1.0);
        }
    }

    /// Adds every branch of the current tree to the running sum (the first chunk's first
    /// tree).
    fn add_every_branch(&mut self) {
        /// Nodes ahead whose parent's time (and record) is fetched.
        const AHEAD: usize = 16;
        let n = self.st.parent.len();
        for u in 0..n {
            if u + AHEAD < n {
                let q = self.st.parent[u + AHEAD];
                if q >= 0 {
                    crate::memory::prefetch(self.time[q as usize..].as_ptr());
                }
            }
            let p = self.st.parent[u];
            if p >= 0 {
                self.refresh(u, p);
                if self.keep {
                    self.valid[u] = true;
                }
            }
        }
    }

    /// After a transition, node u (parent `p_old` and weights `x_old` before it): if either
    /// changed, its old term is taken out and its new one added.
    #[inline(always)]
    fn update_branch(&mut self, u: usize, p_old: i32, x_old: &[V]) {
        let (k, slots) = (self.k, self.slots);
        let p = self.st.parent[u];
        if p_old == p && self.st.row(u).iter().zip(x_old).all(|(a, b)| a == b) {
            return;
        }
        if p_old >= 0 {
            if self.keep && self.valid[u] {
                let record = V::as_f64(self.st.record(u)).expect("kept records are f64");
                let rest = &record[k..];
                self.terms.add(
                    &rest[slots.summary()],
                    rest[slots.branch_length()],
                    u,
                    p_old,
                    -1.0,
                );
            } else {
                // Its old term from its old weights (a node of the warm-up tree changing
                // for the first time, or records that keep no summaries).
                let len = self.node_time(p_old as usize) - self.node_time(u);
                self.terms.add_of(x_old, len, u, p_old, -1.0);
            }
        }
        if p >= 0 {
            self.refresh(u, p);
        }
        if self.keep {
            self.valid[u] = p >= 0;
        }
    }

    /// A tree without edges has no branches: its sum is exactly zero, not the rounding
    /// residue of every contribution added and taken out, and no longer relative. A sum that
    /// is NaN stays NaN, as in tskit: a summary that is NaN (0/0 for a set of one sample
    /// against itself) makes every later sum NaN.
    fn zero_running_sum(&mut self) {
        self.terms.running.iter_mut().for_each(|r| {
            if !r.is_nan() {
                *r = 0.0
            }
        });
    }
}
