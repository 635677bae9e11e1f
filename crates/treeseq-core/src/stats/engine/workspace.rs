//! The buffers a chunk of the general engine works in, reused from chunk to chunk and from
//! run to run ([`Workspace`], [`WorkspacePool`]); the chunk's first tree built in them
//! (`TreeState::seek`); and the nodes touched in one tree transition ([`Touched`]).
//!
//! What it is not: what is summed over the tree (`site.rs`, `branch.rs`, `node.rs`).

use super::{Chunk, Data};
use crate::memory::fill_few;
use crate::stats::weights::WeightMatrix;
use crate::walk::stored_sum::{PackedCounts, Sums};
pub(super) use crate::walk::tree_state::TreeState;

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
        let parent = refill(std::mem::take(&mut ws.parent), d.num_nodes, -1i32);
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
        // Samples are in increasing id order; simulations number them 0..n, one block.
        let n = d.samples.len();
        let first = d.samples.first().map_or(0, |&u| u as usize);
        let block = d
            .samples
            .last()
            .is_some_and(|&u| u as usize + 1 - first == n);
        let mut own_written = false;
        if stride == k {
            // Records of weight sums alone are contiguous: a fill (a memset) is faster than
            // the stores record by record (on 300,000 samples, about 1 ms a seek), and a
            // block of samples' records is one copy of rows made with the weights (0.3 ms
            // rather than 1.3 ms a seek record by record), where the weights have them.
            let samples = first * k..(first + n) * k;
            own_written = block && V::own_rows(&mut x[samples.clone()], weights);
            if own_written {
                x[..samples.start].fill(V::default());
                x[samples.end..d.num_nodes * k].fill(V::default());
            } else {
                x[..d.num_nodes * k].fill(V::default());
            }
        } else {
            for (u, record) in x.chunks_exact_mut(stride).take(d.num_nodes).enumerate() {
                fill_few(&mut record[..k], V::default());
                init(u, &mut record[k..]);
            }
        }
        if !own_written {
            for (i, &u) in d.samples.iter().enumerate() {
                V::own_row(&mut x[u as usize * stride..][..k], weights, i);
            }
        }
        let mut alive = std::mem::take(&mut ws.alive);
        chunk.alive_into(&mut alive);
        let st = TreeState::attach(d, &alive, chunk.seek_at, parent, buf, (base, k, stride));
        ws.alive = alive;
        st
    }

    /// Hands the buffers back for the next chunk.
    pub(super) fn release(self, ws: &mut Workspace) {
        ws.parent = self.parent;
        *V::kept(ws) = self.x;
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

/// Which of a [`Workspace`]'s record buffers holds records of weight sums of type `V`.
pub(crate) trait Kept: Sized {
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
pub(crate) struct Workspace {
    pub(super) parent: Vec<i32>,
    pub(super) x: Vec<f64>,
    /// Records of f32 weight sums (see [`StoredSum`](crate::walk::stored_sum::StoredSum)).
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
