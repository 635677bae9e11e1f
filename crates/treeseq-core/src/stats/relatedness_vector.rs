//! tskit's `genetic_relatedness_vector`: the product of the branch-mode genetic relatedness
//! matrix with a matrix of weights `W` (one row per sample), for every window.
//!
//! What it computes: for focal node i (default: every sample) and weight column j,
//! `sum_b C_ib W_bj`, C the polarised, uncentred branch relatedness: the sum, over the
//! branches above i, of branch length × span × the sum of W over the samples below that
//! branch. With `centre` (the default) W's columns are centred over the samples first and
//! the output's columns over the focal nodes after, which is the product with the centred
//! matrix. tskit takes only branch mode (its C library refuses site and node mode, and the
//! Python default is "site", so a call without `mode` is refused as tskit refuses it).
//!
//! How: per chunk of trees (`chunks.rs`, `Cost::PathWalkWithOutput`), one `TreeState` walk keeping
//! per node u the sums x_u of the weights below it and, beside them, tskit's lazily
//! accumulated `v_u`: branch length × span × x_u since u's last flush. The output of node i is
//! the sum of v over its path to the root (`Z_i`); when an edge moves, every node on the path
//! is flushed and the child's v is corrected by the path sum it gains or loses, so that each
//! node's Z stays what it has accumulated (`tsk_matvec_calculator_t` in tskit's C library,
//! written here on `EdgeVisitor`). A chunk starts with all v zero, so its Z at a window's
//! end is that chunk's share of the window: chunks' shares are added in chunk order
//! (`pairs::run_chunks_with`), the same bits at any thread count. Windows inside a chunk reset v
//! lazily (an epoch per node), not by clearing every node.
//!
//! The same product, without centring and with branch lengths clipped to a time window, is
//! the operator `pca.rs` iterates (`product`).

use serde_json::Value;

use super::args::{self, Arrays, Kwargs};
use super::chunks::{self, plan_chunks, Chunk, Cost, MAX_CHUNKS};
use super::pairs::{self, TableView};
use super::registry::Method;
use super::StatOutput;
use crate::error::Result;
use crate::treeseq::TreeSequence;
use crate::walk::tree_state::{EdgeVisitor, TreeState};

/// tskit's `ts.genetic_relatedness_vector(W, windows, mode, span_normalise, centre, nodes)`.
pub fn compute(
    ts: &TreeSequence,
    row: &Method,
    kwargs: &Value,
    arrays: Arrays,
) -> Result<StatOutput> {
    let kw = Kwargs::with_arrays(row.tskit, kwargs, arrays)?;
    let a = args::parse_relatedness_vector(ts, row, &kw)?;
    let k = a.weights.num_cols;
    let n = ts.num_samples();
    let mut w = a.weights.data;
    if a.centre {
        centre_columns(&mut w, n, k);
    }
    let focal = a.nodes.unwrap_or_else(|| ts.samples.to_vec());
    let breaks = &a.windows.breaks;
    let nw = a.windows.num_windows();
    check_memory(ts, row.tskit, nw, focal.len(), k)?;
    let mut data = product(ts, &w, k, &focal, breaks, None);
    let per_window = focal.len() * k;
    if a.centre {
        for out in data.chunks_mut(per_window.max(1)).take(nw) {
            centre_columns(out, focal.len(), k);
        }
    }
    if a.span_normalise {
        chunks::span_normalise(&mut data, breaks, per_window);
    }
    let mut shape = Vec::new();
    if a.windows.given {
        shape.push(nw);
    }
    shape.extend([focal.len(), k]);
    Ok(StatOutput { data, shape })
}

/// Subtracts from each of the `k` columns of the row-major `rows × k` matrix `m` its mean,
/// as tskit does (the column sum in row order, divided by the rows, then subtracted).
pub(crate) fn centre_columns(m: &mut [f64], rows: usize, k: usize) {
    if rows == 0 {
        return;
    }
    let mut mean = vec![0.0; k];
    for r in m.chunks(k).take(rows) {
        for (s, &x) in mean.iter_mut().zip(r) {
            *s += x;
        }
    }
    for s in &mut mean {
        *s /= rows as f64;
    }
    for r in m.chunks_mut(k).take(rows) {
        for (x, &s) in r.iter_mut().zip(&mean) {
            *x -= s;
        }
    }
}

/// Refuses (`OUTPUT_TOO_LARGE`) before allocating when the output (windows × focal nodes ×
/// k), the chunks' shares of it and each thread's per-node state (x, v: nodes × k each)
/// exceed the memory ceiling.
pub(crate) fn check_memory(
    ts: &TreeSequence,
    method: &str,
    nw: usize,
    focal: usize,
    k: usize,
) -> Result<()> {
    use crate::memory::{product, Need};
    let (nw, f, k) = (nw as u64, focal as u64, k as u64);
    let threads = rayon::current_num_threads().max(1) as u64;
    let n = ts.num_nodes() as u64;
    let rows = nw.saturating_add(MAX_CHUNKS as u64);
    Need::new()
        .values::<f64>(
            format!("the output ({nw} windows × {f} nodes × {k} weights)"),
            product([nw, f, k]),
        )
        .values::<f64>(
            format!("shares per window and chunk ({rows} rows × {f} nodes × {k} weights)"),
            product([rows, f, k]),
        )
        .values_each::<f64>(
            format!("per-thread buffers ({threads} threads × {n} nodes × 3 × {k} weights)"),
            product([n, 3, k]),
            threads,
        )
        .check(method)
}

/// The uncentred product, not span-normalised: for each window, for each node of `focal`,
/// for each of the `k` columns of `w` (row-major, one row per sample in sample order), the
/// sum over the node's branches of (branch length inside `clip`, a time interval, when
/// given) × span × the sum of w below the branch. Row-major `[window][focal][k]`.
pub(crate) fn product(
    ts: &TreeSequence,
    w: &[f64],
    k: usize,
    focal: &[i32],
    windows: &[f64],
    clip: Option<(f64, f64)>,
) -> Vec<f64> {
    let g = TableView::new(ts);
    let row_len = focal.len() * k;
    if row_len == 0 {
        return vec![0.0; (windows.len() - 1) * row_len];
    }
    let chunks = plan_chunks(&g, windows, Cost::PathWalkWithOutput, None);
    let n = g.num_nodes;
    pairs::run_chunks_with(
        windows,
        &chunks,
        row_len,
        chunks.len(),
        || Scratch {
            parent: Vec::new(),
            x: Vec::new(),
            paths: PathSums::new(g.time, n, k, clip),
        },
        |scratch: &mut Scratch, chunk: &Chunk| {
            chunk_product(&g, w, k, focal, windows, scratch, chunk)
        },
    )
}

/// What a worker's chunks reuse: the tree's parents and sums, and the path sums. Allocating
/// them afresh (nodes × k values each) cost more than the walk itself on large files.
struct Scratch<'a> {
    parent: Vec<i32>,
    x: Vec<f64>,
    paths: PathSums<'a>,
}

/// One chunk's share of [`product`]: the rows of the windows `pairs::chunk_windows(chunk)`.
fn chunk_product(
    g: &TableView,
    w: &[f64],
    k: usize,
    focal: &[i32],
    windows: &[f64],
    scratch: &mut Scratch,
    chunk: &Chunk,
) -> Vec<f64> {
    let n = g.num_nodes;
    let nw = windows.len() - 1;
    let rows = pairs::chunk_windows(windows, chunk);
    let row_len = focal.len() * k;
    let mut out = vec![0.0; rows.len() * row_len];
    let mut parent = std::mem::take(&mut scratch.parent);
    parent.clear();
    parent.resize(n, -1);
    let mut own = std::mem::take(&mut scratch.x);
    own.clear();
    own.resize(n * k, 0.0);
    for (i, &u) in g.samples.iter().enumerate() {
        own[u as usize * k..][..k].copy_from_slice(&w[i * k..][..k]);
    }
    let mut st = TreeState::attach(g, &chunk.alive(), chunk.start, parent, own, (0, k, k));
    let start = chunk.start.max(windows[0]);
    let end = chunk.end.min(windows[nw]);
    let paths = &mut scratch.paths;
    paths.begin_chunk(start);
    let mut win = rows.start;
    loop {
        let right = st.tree_right(end);
        while win < rows.end && windows[win + 1] <= right {
            let at = windows[win + 1];
            let r = win - rows.start;
            paths.write(&st, focal, at, &mut out[r * row_len..][..row_len]);
            paths.new_window(at);
            win += 1;
        }
        if right >= end {
            break;
        }
        paths.pos = right;
        st.advance_visiting(right, paths);
    }
    if win < rows.end {
        let r = win - rows.start;
        paths.write(&st, focal, end, &mut out[r * row_len..][..row_len]);
    }
    scratch.parent = st.parent;
    scratch.x = st.x;
    out
}

/// A node's flush position and epochs (see [`PathSums`]).
#[derive(Clone, Copy, Default)]
struct Mark {
    last: f64,
    epoch: u32,
    z_stamp: u32,
}

/// tskit's per-node accumulators of the matrix-vector product, kept beside a
/// [`TreeState`]'s sums: `v` (k per node, branch length × span × sums, added lazily), the
/// position each node was last flushed at, and an epoch per node that clears v lazily when a
/// window (or a chunk) ends, so that neither is cleared node by node.
struct PathSums<'a> {
    time: &'a [f64],
    k: usize,
    v: Vec<f64>,
    /// Per node, where it was last flushed and its epochs (one record: one cache line
    /// visited per node, not three).
    mark: Vec<Mark>,
    current: u32,
    /// The epoch the current chunk started with: a node last used before it was last
    /// flushed in another chunk.
    chunk_base: u32,
    /// Where the current window's accumulation starts (in this chunk).
    window_left: f64,
    /// The position edges are moving at.
    pos: f64,
    clip: Option<(f64, f64)>,
    /// Output path sums per node (k each), valid where the node's `z_stamp` is `z_current`.
    z: Vec<f64>,
    z_current: u32,
    stack: Vec<usize>,
}

impl<'a> PathSums<'a> {
    fn new(time: &'a [f64], n: usize, k: usize, clip: Option<(f64, f64)>) -> Self {
        PathSums {
            time,
            k,
            v: vec![0.0; n * k],
            mark: vec![Mark::default(); n],
            current: 0,
            chunk_base: 0,
            window_left: 0.0,
            pos: 0.0,
            clip,
            z: vec![0.0; n * k],
            z_current: 0,
            stack: Vec::new(),
        }
    }

    /// The length of the branch from u up to p (inside the time window, when clipped).
    #[inline]
    fn branch_length(&self, u: usize, p: usize) -> f64 {
        let (tu, tp) = (self.time[u], self.time[p]);
        match self.clip {
            None => tp - tu,
            Some((lo, hi)) => (tp.min(hi) - tu.max(lo)).max(0.0),
        }
    }

    /// A chunk starts at `start`: every node reads as never flushed, with v zero.
    fn begin_chunk(&mut self, start: f64) {
        self.current += 1;
        self.chunk_base = self.current;
        self.window_left = start;
        self.pos = start;
    }

    /// Clears u's v when it was last used in an earlier window or chunk (its flushes then
    /// start at the current window's left end at the earliest).
    #[inline]
    fn fresh(&mut self, u: usize) {
        let m = &mut self.mark[u];
        if m.epoch != self.current {
            if m.epoch < self.chunk_base || m.last < self.window_left {
                m.last = self.window_left;
            }
            m.epoch = self.current;
            self.v[u * self.k..][..self.k].fill(0.0);
        }
    }

    /// Adds u's branch contribution since its last flush (tskit's `add_z`), x its sums.
    #[inline]
    fn flush(&mut self, u: usize, parent: i32, x: &[f64], pos: f64) {
        self.fresh(u);
        let last = self.mark[u].last;
        if pos > last {
            if parent >= 0 {
                let f = self.branch_length(u, parent as usize) * (pos - last);
                for (v, &xj) in self.v[u * self.k..][..self.k].iter_mut().zip(x) {
                    *v += f * xj;
                }
            }
            self.mark[u].last = pos;
        }
    }

    /// A new window starts at `at`: every v reads as zero from here on.
    fn new_window(&mut self, at: f64) {
        self.current += 1;
        self.window_left = at;
    }

    /// Each focal node's path sum of v at `at` (every node on the paths flushed to `at`),
    /// into `out` (`[focal][k]`), each node's sum computed once from its parent's.
    fn write(&mut self, st: &TreeState<f64>, focal: &[i32], at: f64, out: &mut [f64]) {
        let k = self.k;
        self.z_current += 1;
        let mut stack = std::mem::take(&mut self.stack);
        for (i, &f) in focal.iter().enumerate() {
            let mut u = f;
            while u >= 0 && self.mark[u as usize].z_stamp != self.z_current {
                stack.push(u as usize);
                u = st.parent[u as usize];
            }
            while let Some(u) = stack.pop() {
                let p = st.parent[u];
                self.flush(u, p, st.row(u), at);
                self.mark[u].z_stamp = self.z_current;
                for j in 0..k {
                    let above = if p >= 0 {
                        self.z[p as usize * k + j]
                    } else {
                        0.0
                    };
                    self.z[u * k + j] = self.v[u * k + j] + above;
                }
            }
            out[i * k..][..k].copy_from_slice(&self.z[f as usize * k..][..k]);
        }
        self.stack = stack;
    }
}

impl EdgeVisitor<f64> for PathSums<'_> {
    #[inline]
    fn child(&mut self, c: usize, parent: i32, x: &[f64]) {
        self.flush(c, parent, x, self.pos);
    }

    /// Flushes the ancestor, then keeps the child's path sum as it was: a child leaving a
    /// path takes the ancestor's v into its own, one joining gives it back.
    #[inline]
    fn ancestor(&mut self, a: usize, parent: i32, x: &[f64], c: usize, insert: bool) {
        self.flush(a, parent, x, self.pos);
        self.fresh(c);
        let k = self.k;
        for j in 0..k {
            let va = self.v[a * k + j];
            if insert {
                self.v[c * k + j] -= va;
            } else {
                self.v[c * k + j] += va;
            }
        }
    }
}
