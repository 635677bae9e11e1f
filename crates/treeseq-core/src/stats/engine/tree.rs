//! The tree a chunk walks: parent pointers and per-node records of weight sums, moved from
//! tree to tree by the chunk's edge events; and the small pieces every mode shares (touched
//! nodes, the unpolarised evaluator, reusable buffers, lazily flushed per-node sums).
//!
//! What it is not: what is summed over the tree (`site.rs`, `branch.rs`, `node.rs`).

use std::ops::Range;

use super::{Chunk, Data};
use crate::memory::fill_few;
use crate::stats::genome::{PackedCounts, Sums};
use crate::stats::summaries::SummaryFunc;
use crate::stats::weights::WeightMatrix;
use crate::treeseq::EdgeEvent;

/// How many edge events ahead a walk prefetches.
const AHEAD: usize = 8;

/// Parent pointers and weight sums of the current tree, and the chunk's edge events. Sums are
/// kept as `V`: f64, or f32 where every sum is a small integer, or packed sample counts (see
/// [`Sums`]).
pub(super) struct TreeState<'a, V: Sums = f64> {
    /// Stored values of a node's weight sums (`V::width` of the weights' columns).
    pub(super) k: usize,
    /// Values per node record: the k weight sums, then `stride - k` values a mode keeps per
    /// node (e.g. its summary), in one record so that visiting a node touches one place.
    pub(super) stride: usize,
    /// Offset of record 0 in `x` (for alignment).
    pub(super) base: usize,
    pub(super) parent: Vec<i32>,
    /// Record u starts with the sum of the weights of the samples at or below u.
    pub(super) x: Vec<V>,
    /// The chunk's removals (in `edge_removal_order`) and insertions (in
    /// `edge_insertion_order`): its stretches of the tree sequence's edge events.
    pub(super) removals: &'a [EdgeEvent],
    pub(super) insertions: &'a [EdgeEvent],
    /// Next removal and insertion.
    pub(super) next_removal: usize,
    pub(super) next_insertion: usize,
    /// Edges in the current tree.
    pub(super) num_edges: usize,
}

impl<'a, V: Sums + Kept> TreeState<'a, V> {
    /// Builds the tree at `chunk.seek_at`: parents from the covering edges, weight sums by one
    /// pass over them in parent-time order (a child's sum is complete before it is added to
    /// its parent's). Records hold the weight sums alone.
    pub(super) fn seek(
        d: &Data<'a>,
        weights: &WeightMatrix,
        chunk: &Chunk,
        ws: &mut Workspace,
    ) -> TreeState<'a, V> {
        Self::seek_with(d, weights, chunk, ws, 0, |_, _| {})
    }

    /// As [`TreeState::seek`], with `extra` values per node reserved after the weight sums.
    /// They are not cleared (the mode tracks which are valid); `init(u, extra)` sets those
    /// it needs from the start.
    pub(super) fn seek_with(
        d: &Data<'a>,
        weights: &WeightMatrix,
        chunk: &Chunk,
        ws: &mut Workspace,
        extra: usize,
        mut init: impl FnMut(usize, &mut [V]),
    ) -> TreeState<'a, V> {
        let k = V::width(weights.num_cols);
        // Not padded to whole cache lines: a record of 11 values (divergence of 3 sets,
        // summaries kept) spans 2.25 lines on average against 2 padded to 16, but a tree of
        // 126,000 nodes then takes 11 MB per thread rather than 16 MB, and on 30,000 samples
        // branch-mode divergence ran about 7% faster on one thread and on two.
        let stride = k + extra;
        let mut parent = refill(std::mem::take(&mut ws.parent), d.num_nodes, -1i32);
        // Only the weight sums (and times) are written: with many outputs per node most of
        // a record is summaries, and clearing them would cost more than the chunk's work.
        // One cache line of values beyond the records, to start record 0 on a line.
        let line = 64 / std::mem::size_of::<V>();
        let mut buf = std::mem::take(V::kept(ws));
        if buf.capacity() < d.num_nodes * stride + line {
            buf = crate::memory::large_vec(d.num_nodes * stride + line);
        }
        buf.resize(d.num_nodes * stride + line, V::default());
        let base = (buf.as_ptr() as usize / std::mem::size_of::<V>()).wrapping_neg() % line;
        let x = &mut buf[base..];
        if stride == k {
            // Records of weight sums alone are contiguous: one fill (a memset) is faster than
            // the stores record by record (on 300,000 samples, about 1 ms a seek).
            x[..d.num_nodes * k].fill(V::default());
        } else {
            for (u, record) in x.chunks_exact_mut(stride).take(d.num_nodes).enumerate() {
                fill_few(&mut record[..k], V::default());
                init(u, &mut record[k..]);
            }
        }
        for (i, &u) in d.samples.iter().enumerate() {
            V::exact_row(&mut x[u as usize * stride..][..k], weights.row(i));
        }
        let mut alive = std::mem::take(&mut ws.alive);
        chunk.alive_into(&mut alive);
        let num_edges = alive.len();
        d.attach_covering(&alive, &mut parent, x, stride, k);
        ws.alive = alive;
        let x = buf;
        let removals = &d.removals[d.removed_by(chunk.seek_at)..d.removed_by(chunk.end)];
        let insertions = &d.insertions[d.inserted_by(chunk.seek_at)..d.inserted_by(chunk.end)];
        TreeState {
            k,
            stride,
            base,
            parent,
            x,
            removals,
            insertions,
            next_removal: 0,
            next_insertion: 0,
            num_edges,
        }
    }

    /// Hands the buffers back for the next chunk.
    pub(super) fn release(self, ws: &mut Workspace) {
        ws.parent = self.parent;
        *V::kept(ws) = self.x;
    }

    /// The weight sums of node u.
    #[inline]
    pub(super) fn row(&self, u: usize) -> &[V] {
        &self.x[self.base + u * self.stride..][..self.k]
    }

    /// Node u's whole record.
    #[inline]
    pub(super) fn record(&self, u: usize) -> &[V] {
        &self.x[self.base + u * self.stride..][..self.stride]
    }

    #[inline]
    pub(super) fn record_mut(&mut self, u: usize) -> &mut [V] {
        &mut self.x[self.base + u * self.stride..][..self.stride]
    }

    /// Moves to the tree starting at `pos`: removes the edges ending there, then inserts
    /// those starting there. `touch(u, parent, x)` is called for each node before its
    /// weights x or its parent change (callers keep the first call per node).
    #[inline(always)]
    pub(super) fn advance<T: FnMut(usize, i32, &[V])>(&mut self, pos: f64, mut touch: T) {
        while let Some(&ev) = self
            .removals
            .get(self.next_removal)
            .filter(|ev| ev.position == pos)
        {
            self.next_removal += 1;
            self.num_edges -= 1;
            self.prefetch_event(self.removals.get(self.next_removal + AHEAD));
            self.move_edge::<false, T>(ev, &mut touch);
        }
        while let Some(&ev) = self
            .insertions
            .get(self.next_insertion)
            .filter(|ev| ev.position == pos)
        {
            self.next_insertion += 1;
            self.num_edges += 1;
            self.prefetch_event(self.insertions.get(self.next_insertion + AHEAD));
            self.move_edge::<true, T>(ev, &mut touch);
        }
    }

    /// Starts fetching what an event a few ahead will read first: its child's and parent's
    /// records and the parent's parent.
    #[inline(always)]
    fn prefetch_event(&self, ev: Option<&EdgeEvent>) {
        if let Some(ev) = ev {
            let x = &self.x[self.base..];
            crate::memory::prefetch(x[ev.child as usize * self.stride..].as_ptr());
            crate::memory::prefetch(x[ev.parent as usize * self.stride..].as_ptr());
            crate::memory::prefetch(self.parent[ev.parent as usize..].as_ptr());
        }
    }

    /// Inserts (`INSERT`) or removes one edge: the child's weights are added to or taken
    /// from every node on the path from the parent up, each touched before it changes.
    #[inline(always)]
    fn move_edge<const INSERT: bool, T: FnMut(usize, i32, &[V])>(
        &mut self,
        ev: EdgeEvent,
        touch: &mut T,
    ) {
        let (k, r) = (self.k, self.stride);
        let x = &mut self.x[self.base..];
        let c = ev.child as usize;
        touch(c, self.parent[c], &x[c * r..][..k]);
        // The child's weights are read in place for each ancestor (the child is none of
        // them): a copy of k values would be a call to memcpy per edge.
        let cs = c * r;
        let mut v = ev.parent;
        while v >= 0 {
            let vu = v as usize;
            touch(vu, self.parent[vu], &x[vu * r..][..k]);
            let vs = vu * r;
            for j in 0..k {
                let w = x[cs + j];
                if INSERT {
                    x[vs + j] += w;
                } else {
                    x[vs + j] -= w;
                }
            }
            v = self.parent[vu];
        }
        self.parent[c] = if INSERT { ev.parent } else { -1 };
    }

    /// Right end of the current tree, capped at the chunk's end.
    #[inline]
    pub(super) fn tree_right(&self, end: f64) -> f64 {
        let mut r = end;
        if let Some(ev) = self.insertions.get(self.next_insertion) {
            r = r.min(ev.position);
        }
        if let Some(ev) = self.removals.get(self.next_removal) {
            r = r.min(ev.position);
        }
        r
    }
}

/// Nodes touched during one tree transition, each listed once.
pub(super) struct Touched {
    pub(super) flag: Vec<bool>,
    pub(super) list: Vec<u32>,
}

impl Touched {
    pub(super) fn new(n: usize, ws: &mut Workspace) -> Self {
        Touched {
            flag: refill(std::mem::take(&mut ws.flags), n, false),
            list: Vec::new(),
        }
    }

    pub(super) fn release(self, ws: &mut Workspace) {
        ws.flags = self.flag;
    }

    /// True the first time `u` is touched in this transition.
    #[inline]
    pub(super) fn first(&mut self, u: usize) -> bool {
        if self.flag[u] {
            false
        } else {
            self.flag[u] = true;
            self.list.push(u as u32);
            true
        }
    }

    /// Calls `f` on each touched node, in the order first touched, and forgets them.
    #[inline]
    pub(super) fn finish(&mut self, mut f: impl FnMut(usize)) {
        for &u in &self.list {
            self.flag[u as usize] = false;
            f(u as usize);
        }
        self.list.clear();
    }
}

/// Evaluates a dense summary, adding f(total - x) when unpolarised (branch and node modes).
pub(super) struct Evaluator<'a> {
    pub(super) f: &'a dyn SummaryFunc,
    pub(super) cols: Range<usize>,
    pub(super) total: Option<&'a [f64]>,
    pub(super) complement: Vec<f64>,
    pub(super) tmp: Vec<f64>,
}

impl<'a> Evaluator<'a> {
    pub(super) fn new(
        f: &'a dyn SummaryFunc,
        cols: Range<usize>,
        total: Option<&'a [f64]>,
    ) -> Self {
        let m = cols.len();
        let k = total.map_or(0, <[f64]>::len);
        Evaluator {
            f,
            cols,
            total,
            complement: vec![0.0; k],
            tmp: vec![0.0; m],
        }
    }

    #[inline]
    pub(super) fn eval(&mut self, x: &[f64], out: &mut [f64]) {
        match self.total {
            None => self.f.eval(x, self.cols.clone(), out),
            Some(total) => self.f.eval_unpolarised(
                x,
                total,
                self.cols.clone(),
                out,
                &mut self.complement,
                &mut self.tmp,
            ),
        }
    }
}

/// Which of a [`Workspace`]'s record buffers holds records of weight sums of type `V`.
pub(super) trait Kept: Sized {
    fn kept(ws: &mut Workspace) -> &mut Vec<Self>;
}

impl Kept for f64 {
    fn kept(ws: &mut Workspace) -> &mut Vec<f64> {
        &mut ws.x
    }
}

impl Kept for PackedCounts {
    fn kept(ws: &mut Workspace) -> &mut Vec<PackedCounts> {
        &mut ws.packed
    }
}

impl Kept for f32 {
    fn kept(ws: &mut Workspace) -> &mut Vec<f32> {
        &mut ws.x32
    }
}

/// Buffers reused from chunk to chunk (see [`WorkspacePool`]).
#[derive(Default)]
pub(super) struct Workspace {
    pub(super) parent: Vec<i32>,
    pub(super) x: Vec<f64>,
    /// Records of f32 weight sums (see [`Weight`]).
    pub(super) x32: Vec<f32>,
    /// Records of packed sample counts (see [`PackedCounts`]).
    pub(super) packed: Vec<PackedCounts>,
    pub(super) values: Vec<f64>,
    pub(super) last: Vec<f64>,
    pub(super) flags: Vec<bool>,
    pub(super) valid: Vec<bool>,
    /// The edges covering a chunk's seek position.
    pub(super) alive: Vec<u32>,
    /// A group's columns of the weights (see `engine::Group`).
    pub(super) gathered: Vec<f64>,
}

/// Workspaces handed from task to task: a task takes one (or makes one) and gives it back.
/// Fresh node-sized buffers would cost a page fault per page at every chunk.
#[derive(Default)]
pub(super) struct WorkspacePool(std::sync::Mutex<Vec<Workspace>>);

/// Workspaces kept between calls, like threads' scratch space: only a few, and none above
/// [`MAX_KEPT_BYTES`].
pub(super) static WORKSPACES: WorkspacePool = WorkspacePool(std::sync::Mutex::new(Vec::new()));

/// Workspaces larger than this are freed when their run ends.
const MAX_KEPT_BYTES: usize = 64 << 20;
/// At most this many workspaces are kept between runs.
const MAX_KEPT: usize = 16;

impl WorkspacePool {
    pub(super) fn take(&self) -> Option<Workspace> {
        self.0.lock().ok().and_then(|mut v| v.pop())
    }

    pub(super) fn give(&self, ws: Workspace) {
        if let Ok(mut v) = self.0.lock() {
            v.push(ws);
        }
    }

    pub(super) fn drain(&self) -> Vec<Workspace> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }

    /// Keeps `ws` for later runs, unless it is large or enough are kept already.
    pub(super) fn keep(&self, ws: Workspace) {
        if ws.bytes() > MAX_KEPT_BYTES {
            return;
        }
        if let Ok(mut v) = self.0.lock() {
            if v.len() < MAX_KEPT {
                v.push(ws);
            }
        }
    }
}

impl Workspace {
    fn bytes(&self) -> usize {
        fn size<T>(v: &Vec<T>) -> usize {
            v.capacity() * std::mem::size_of::<T>()
        }
        size(&self.parent)
            + size(&self.x)
            + size(&self.x32)
            + size(&self.packed)
            + size(&self.values)
            + size(&self.last)
            + size(&self.flags)
            + size(&self.valid)
            + size(&self.alive)
            + size(&self.gathered)
    }
}

/// `v` emptied and refilled with `len` copies of `fill`, keeping its allocation.
pub(super) fn refill<T: Clone>(mut v: Vec<T>, len: usize, fill: T) -> Vec<T> {
    v.clear();
    v.resize(len, fill);
    v
}

/// The length of the branch from a node at time `tu` to its parent at `tp` inside each time
/// window (all of it when there are no time windows).
#[inline]
pub(crate) fn branch_in_time_windows(
    tu: f64,
    tp: f64,
    time_windows: Option<&[f64]>,
    out: &mut [f64],
) {
    match time_windows {
        None => out[0] = tp - tu,
        Some(tw) => {
            for (t, o) in out.iter_mut().enumerate() {
                let len = tp.min(tw[t + 1]) - tu.max(tw[t]);
                *o = if len > 0.0 { len } else { 0.0 };
            }
        }
    }
}

/// Windows overlapping the chunk, as a [w_first, w_last] range of rows.
pub(super) fn chunk_rows(chunk: &Chunk) -> usize {
    chunk.w_last - chunk.w_first + 1
}

/// What a lazily flushed walk sums (node mode and the branch-mode spectrum): per node, a
/// value that stays constant between the positions where the node is touched.
pub(super) trait LazySums {
    /// Adds node u's value (u has parent p) times `span` to the chunk's output row `row` (the
    /// window's index less the chunk's first window).
    fn add(&mut self, u: usize, p: i32, row: usize, span: f64);
    /// Recomputes node u's value after a transition touched it.
    fn refresh(&mut self, st: &TreeState<f64>, u: usize);
}

/// Walks a chunk's trees from its start, summing lazily: every node's value is computed on
/// the first tree; then a node's value times the span since its last flush is added when the
/// node is touched, and for every node at each window boundary and at the chunk's end.
pub(super) fn walk_lazily(t: super::Task, ws: &mut Workspace, sums: &mut impl LazySums) {
    let (n, windows, chunk) = (t.d.num_nodes, t.stat.windows, t.chunk);
    let mut st = TreeState::<f64>::seek(t.d, t.part.weights, chunk, ws);
    for u in 0..n {
        sums.refresh(&st, u);
    }
    // Where each node was last flushed, and the current window (None outside the windows).
    let mut last = refill(std::mem::take(&mut ws.last), n, chunk.start);
    let mut window = current_window(windows, chunk.start);
    let w_first = chunk.w_first;
    let flush = |sums: &mut _, last: &mut [f64], window: Option<usize>, (u, p, pos)| {
        if let Some(w) = window {
            LazySums::add(sums, u, p, w - w_first, pos - last[u]);
        }
        last[u] = pos;
    };
    let mut touched = Touched::new(n, ws);
    let mut left = chunk.start;
    loop {
        let right = st.tree_right(chunk.end);
        for (b, next) in window_boundaries(windows, left, right) {
            for u in 0..n {
                flush(sums, &mut last, window, (u, st.parent[u], b));
            }
            window = next;
        }
        if right >= chunk.end {
            break;
        }
        left = right;
        st.advance(left, |u, p, _| {
            if touched.first(u) {
                flush(sums, &mut last, window, (u, p, left));
            }
        });
        touched.finish(|u| sums.refresh(&st, u));
    }
    // The rest of the last window the chunk reaches into (a window starting exactly at the
    // chunk's end belongs to the next chunk).
    if window.is_some_and(|w| w <= chunk.w_last) {
        for u in 0..n {
            flush(sums, &mut last, window, (u, st.parent[u], chunk.end));
        }
    }
    touched.release(ws);
    st.release(ws);
    ws.last = last;
}

/// Window boundaries in (left, right], in order, with the window that starts at each
/// (None past the last window).
fn window_boundaries(
    windows: &[f64],
    left: f64,
    right: f64,
) -> impl Iterator<Item = (f64, Option<usize>)> + '_ {
    let nw = windows.len() - 1;
    let i = windows.partition_point(|&w| w <= left);
    windows[i..]
        .iter()
        .take_while(move |&&w| w <= right)
        .enumerate()
        .map(move |(j, &w)| {
            let idx = i + j;
            (w, (idx < nw).then_some(idx))
        })
}

fn current_window(windows: &[f64], pos: f64) -> Option<usize> {
    let i = windows.partition_point(|&w| w <= pos);
    (i >= 1 && i < windows.len()).then(|| i - 1)
}
