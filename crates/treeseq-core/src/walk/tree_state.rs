//! The tree a walk carries along the genome: parent pointers and per-node records of weight
//! sums, moved from tree to tree one edge at a time with an [`EdgeCursor`].
//!
//! What it is for: every walk whose nodes need the sums of the weights of the samples below
//! them (the general engine in site, branch and node mode; the site walk of the many-pairs
//! path and the matrices; mean descendants and GNN). Each moved edge adds the child's record
//! to, or takes it from, every node on the path from the parent to the root: that path
//! update is written here once.
//!
//! What it is not: what is summed (the statistics), nor the states that keep more per node
//! for a stated reason: the branch moments' `QuadState` (path sums of branch length times
//! features, in the same pass) and the branch spectrum's tskit-ordered flushes
//! (`afs_branch`), which step with the same cursor.

use super::cursor::EdgeCursor;
use super::stored_sum::Sums;
use super::table_view::TableView;
use crate::memory::copy_few;
use crate::stats::weights::WeightMatrix;
use crate::treeseq::EdgeEvent;

/// How many edge events ahead a walk prefetches.
const AHEAD: usize = 8;

/// Parent pointers and weight sums of the current tree, and where the walk stands in the
/// edge events. Sums are kept as `V`: f64, or f32 where every sum is a small integer, or
/// packed sample counts (see [`Sums`]).
pub(crate) struct TreeState<'a, V: Sums = f64> {
    /// Stored values of a node's weight sums (`V::width` of the weights' columns).
    pub(crate) k: usize,
    /// Values per node record: the k weight sums, then `stride - k` values a walk keeps per
    /// node (e.g. its summary), in one record so that visiting a node touches one place.
    pub(crate) stride: usize,
    /// Offset of record 0 in `x` (for alignment).
    pub(crate) base: usize,
    pub(crate) parent: Vec<i32>,
    /// Record u starts with the sum of the weights of the samples at or below u.
    pub(crate) x: Vec<V>,
    /// Where the walk stands in the edge events.
    pub(crate) cursor: EdgeCursor<'a>,
}

impl<'a, V: Sums> TreeState<'a, V> {
    /// The tree at `at` (a tree boundary) from the edges covering it (`alive`, in edge-table
    /// order, which is parent-time order): `parent` all -1 and `x[base..]` holding every
    /// node's own values (records of `stride`, the first `k` summed) on entry. One pass adds
    /// each child's sums to its parent's (a child's sums are complete before they are added).
    pub(crate) fn attach(
        view: &TableView<'a>,
        alive: &[u32],
        at: f64,
        mut parent: Vec<i32>,
        mut x: Vec<V>,
        (base, k, stride): (usize, usize, usize),
    ) -> TreeState<'a, V> {
        view.attach_covering(alive, &mut parent, &mut x[base..], stride, k);
        TreeState {
            k,
            stride,
            base,
            parent,
            x,
            cursor: view.cursor_at(at),
        }
    }

    /// The weight sums of node u.
    #[inline]
    pub(crate) fn row(&self, u: usize) -> &[V] {
        &self.x[self.base + u * self.stride..][..self.k]
    }

    /// Node u's whole record.
    #[inline]
    pub(crate) fn record(&self, u: usize) -> &[V] {
        &self.x[self.base + u * self.stride..][..self.stride]
    }

    #[inline]
    pub(crate) fn record_mut(&mut self, u: usize) -> &mut [V] {
        &mut self.x[self.base + u * self.stride..][..self.stride]
    }

    /// Moves to the tree starting at `pos`: removes the edges ending there, then inserts
    /// those starting there. `touch(u, parent, x)` is called for each node before its
    /// weights x or its parent change (callers keep the first call per node).
    #[inline(always)]
    pub(crate) fn advance<T: FnMut(usize, i32, &[V])>(&mut self, pos: f64, touch: T) {
        self.step::<true, T>(pos, touch);
    }

    /// As [`TreeState::advance`], touching only the nodes whose sums change (the ancestors
    /// of each moved edge's child), not the child.
    #[inline(always)]
    pub(crate) fn advance_ancestors<T: FnMut(usize, i32, &[V])>(&mut self, pos: f64, touch: T) {
        self.step::<false, T>(pos, touch);
    }

    /// As [`TreeState::advance`], telling `visitor` which edge moves and which way, for a
    /// walk that keeps per-node state of its own keyed to the moving child (the relatedness
    /// vector's path sums, `stats::relatedness_vector`).
    #[inline(always)]
    pub(crate) fn advance_visiting<E: EdgeVisitor<V>>(&mut self, pos: f64, visitor: &mut E) {
        while let Some(i) = self.cursor.next_out(pos) {
            let ev = self.cursor.removals[i];
            self.prefetch_event(self.cursor.removal_ahead(AHEAD));
            self.move_edge::<false, E>(ev, visitor);
        }
        while let Some(i) = self.cursor.next_in(pos) {
            let ev = self.cursor.insertions[i];
            self.prefetch_event(self.cursor.insertion_ahead(AHEAD));
            self.move_edge::<true, E>(ev, visitor);
        }
    }

    #[inline(always)]
    fn step<const CHILD: bool, T: FnMut(usize, i32, &[V])>(&mut self, pos: f64, touch: T) {
        self.advance_visiting(pos, &mut Touch::<T, CHILD>(touch));
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
    /// from every node on the path from the parent up, each shown to `visitor` before it
    /// changes (the child first).
    #[inline(always)]
    fn move_edge<const INSERT: bool, E: EdgeVisitor<V>>(&mut self, ev: EdgeEvent, visitor: &mut E) {
        let (k, r) = (self.k, self.stride);
        let x = &mut self.x[self.base..];
        let c = ev.child as usize;
        visitor.child(c, self.parent[c], &x[c * r..][..k]);
        // The child's weights are read in place for each ancestor (the child is none of
        // them): a copy of k values would be a call to memcpy per edge.
        let cs = c * r;
        let mut v = ev.parent;
        while v >= 0 {
            let vu = v as usize;
            visitor.ancestor(vu, self.parent[vu], &x[vu * r..][..k], c, INSERT);
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

    /// Right end of the current tree, capped at `end`.
    #[inline]
    pub(crate) fn tree_right(&self, end: f64) -> f64 {
        self.cursor.tree_right(end)
    }
}

/// What a walk does, beside the weight sums, while one edge moves: `child` before the child
/// gains or loses its parent (`parent` is its parent before the move, -1 when inserted), then
/// `ancestor` for each node on the path from the edge's parent up, before the child's sums
/// are added to (`insert`) or taken from its own; `x` is the node's sums before the change.
pub(crate) trait EdgeVisitor<V> {
    fn child(&mut self, c: usize, parent: i32, x: &[V]);
    fn ancestor(&mut self, a: usize, parent: i32, x: &[V], c: usize, insert: bool);
}

/// A touch closure as a visitor: every node whose sums change, and the moved child too
/// with `CHILD` ([`TreeState::advance`] and [`TreeState::advance_ancestors`]).
struct Touch<T, const CHILD: bool>(T);

impl<V, T: FnMut(usize, i32, &[V]), const CHILD: bool> EdgeVisitor<V> for Touch<T, CHILD> {
    #[inline(always)]
    fn child(&mut self, c: usize, parent: i32, x: &[V]) {
        if CHILD {
            (self.0)(c, parent, x);
        }
    }

    #[inline(always)]
    fn ancestor(&mut self, a: usize, parent: i32, x: &[V], _c: usize, _insert: bool) {
        (self.0)(a, parent, x);
    }
}

/// What a walk over paths does as [`TreeState::advance_paths`] moves edges: for walks whose
/// per-node term depends on a node's child on the path as well as on the node (the pair
/// coalescence counts).
pub(crate) trait PathVisitor {
    /// An edge is about to move; `moved` is its child's sums (unchanged by the move).
    fn edge(&mut self, moved: &[f64]);
    /// Each ancestor v of the moved child, from the edge's parent up, just before v changes:
    /// v's sums and those of its child on the path (None for the edge's parent when the edge
    /// is inserted: the child is not below it yet), both as they were before the edge moved.
    fn ancestor(&mut self, insert: bool, v: usize, sums: &[f64], below: Option<&[f64]>);
}

/// [`TreeState::advance_paths`]'s [`EdgeVisitor`]: hands a [`PathVisitor`] each ancestor's
/// path child's sums as they were before the move (the previous ancestor's, kept in
/// `before`; for the edge's parent, the moved child's when it is removed, none when it is
/// inserted).
struct Paths<'s, P> {
    visit: &'s mut P,
    before: &'s mut [f64],
    moved: &'s mut [f64],
    first: bool,
}

impl<P: PathVisitor> EdgeVisitor<f64> for Paths<'_, P> {
    #[inline(always)]
    fn child(&mut self, _c: usize, _parent: i32, x: &[f64]) {
        copy_few(self.moved, x);
        self.visit.edge(self.moved);
        self.first = true;
    }

    #[inline(always)]
    fn ancestor(&mut self, a: usize, _parent: i32, x: &[f64], _c: usize, insert: bool) {
        let below = match (self.first, insert) {
            (true, true) => None,
            (true, false) => Some(&*self.moved),
            (false, _) => Some(&*self.before),
        };
        self.visit.ancestor(insert, a, x, below);
        // Value by value: a copy of k values would be a call to memcpy per node.
        copy_few(self.before, x);
        self.first = false;
    }
}

impl<'a> TreeState<'a, f64> {
    /// Moves to the tree starting at `pos` as [`TreeState::advance`], showing `visit` each
    /// moved edge and each ancestor of its child just before the ancestor changes (see
    /// [`PathVisitor`]): the same path update as `move_edge` (an [`EdgeVisitor`] that keeps
    /// the path child's sums), in one pass with what such a walk reads. `scratch` holds at
    /// least `2k` values (the path child's sums before the move, and the moved child's).
    #[inline(always)]
    pub(crate) fn advance_paths(
        &mut self,
        pos: f64,
        scratch: &mut [f64],
        visit: &mut impl PathVisitor,
    ) {
        let k = self.k;
        let (before, moved) = scratch.split_at_mut(k);
        let mut paths = Paths {
            visit,
            before,
            moved: &mut moved[..k],
            first: true,
        };
        self.advance_visiting(pos, &mut paths);
    }

    /// The tree at `at` with records of `k` f64 sums, from each node's own values (`own`,
    /// rows of `k`: what a node counts before anything below it is added).
    pub(crate) fn from_own(
        view: &TableView<'a>,
        alive: &[u32],
        at: f64,
        own: Vec<f64>,
        k: usize,
    ) -> TreeState<'a, f64> {
        let parent = vec![-1i32; view.num_nodes];
        TreeState::attach(view, alive, at, parent, own, (0, k, k))
    }

    /// As [`TreeState::from_own`], the samples' own values being the rows of `weights`.
    pub(crate) fn from_weights(
        view: &TableView<'a>,
        alive: &[u32],
        at: f64,
        weights: &WeightMatrix,
    ) -> TreeState<'a, f64> {
        let k = weights.num_cols;
        let mut x = vec![0.0; view.num_nodes * k];
        for (i, &u) in view.samples.iter().enumerate() {
            copy_few(&mut x[u as usize * k..][..k], weights.row(i));
        }
        TreeState::from_own(view, alive, at, x, k)
    }
}
