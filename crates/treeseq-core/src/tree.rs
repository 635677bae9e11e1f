//! One tree of a tree sequence at a time, moved along the genome as tskit's `tsk_tree_t` is.
//!
//! What it is for: the local tree at a position, kept as arrays over nodes (tskit's
//! "quintuply linked" tree: parent, left and right child, left and right sibling, plus child
//! and sample counts) with one extra slot, the **virtual root** at index `num_nodes`, whose
//! children are the roots. Moving to the next or previous tree removes and inserts only the
//! edges that change there, taken from `edge_removal_order` and `edge_insertion_order`, so a
//! walk over all trees costs O(edges) in total. `seek` jumps to any tree without walking.
//!
//! What it is not: a statistics engine (see `stats`), nor a tree that can be edited. It reads
//! a validated [`TreeSequence`] and assumes what validation guarantees (ids in range, edges
//! and indexes sorted).
//!
//! Memory: every array is allocated once, when the tree is made ([`Tree::new`]), and updated
//! in place; its address never changes while the tree lives, so bindings may hand out
//! typed-array views over it. Arrays have `num_nodes + 1` entries; the last is the virtual
//! root.
//!
//! Orders match tskit's exactly, including where they depend on history: a child is appended
//! at the right end of its parent's children when its edge is inserted, and a node that
//! becomes a root is appended at the right end of the roots. Forward moves insert in
//! `edge_insertion_order`, backward moves in reverse `edge_removal_order`, so the same tree
//! reached forwards, backwards or by `seek` can list children (and roots) in different orders,
//! exactly as tskit's `ts.trees()`, `reversed(ts.trees())` and `ts.at(x)` do.

use std::ops::Range;

use crate::error::{ErrorCode, Result, TreeSeqError};
use crate::tables::NODE_IS_SAMPLE;
use crate::treeseq::TreeSequence;
use crate::walk::cursor::EdgeCursor;
use crate::walk::table_view::TableView;

/// tskit's null id.
pub const NULL: i32 = -1;

/// How many sample lists [`Tree::for_each_sample_below`] walks side by side.
pub const CHAINS: usize = 8;
/// Below this many samples, [`Tree::for_each_sample_below`] walks the one list as it is.
const SPLIT_AT: i32 = 64;

/// The local tree at one position of a tree sequence (tskit's `Tree`).
///
/// Starts in the *null* state (index -1, no edges, every sample a root). Use it as tskit's:
///
/// ```no_run
/// # use treeseq_core::{Tree, TreeSequence};
/// let ts = TreeSequence::load(&std::fs::read("example.trees").unwrap()).unwrap();
/// let mut tree = Tree::new(&ts);
/// while tree.next() {
///     println!("{:?} {}", tree.interval(), tree.total_branch_length());
/// }
/// ```
#[derive(Clone)]
pub struct Tree<'a> {
    /// The tables, read as every walk reads them (slices taken once).
    view: TableView<'a>,

    parent: Box<[i32]>,
    left_child: Box<[i32]>,
    right_child: Box<[i32]>,
    left_sib: Box<[i32]>,
    right_sib: Box<[i32]>,
    num_children: Box<[i32]>,
    num_samples: Box<[i32]>,
    edge: Box<[i32]>,
    /// Sum of the branch lengths strictly below each node. Kept so that the total branch
    /// length (the sum over the roots) can be updated per edge instead of by a traversal.
    subtree_branch_length: Box<[f64]>,
    total_branch_length: f64,
    num_edges: usize,
    /// tskit's sample lists (its `TSK_SAMPLE_LISTS` option), kept only when asked for: the
    /// samples below each node as a linked list over sample indexes, `left_sample[u]` to
    /// `right_sample[u]` following `next_sample`. Reading the samples below a node then
    /// touches only samples, which is what makes genotype decoding fast. Empty when off.
    pub(crate) left_sample: Box<[i32]>,
    pub(crate) right_sample: Box<[i32]>,
    pub(crate) next_sample: Box<[i32]>,
    /// Node id -> index in `ts.samples`, or -1 (only with sample lists).
    pub(crate) sample_index_map: Box<[i32]>,

    index: i32,
    left: f64,
    right: f64,
    sites: Range<i32>,
    /// Where the tree stands in `edge_insertion_order` (entries with `left <= self.left`
    /// behind it) and `edge_removal_order` (entries with `right <= self.left` behind it), for
    /// moving either way.
    cursor: EdgeCursor<'a>,
}

impl<'a> Tree<'a> {
    /// A tree over `ts`, in the null state. Allocates all its arrays here, once.
    pub fn new(ts: &'a TreeSequence) -> Tree<'a> {
        Tree::build(ts, false)
    }

    /// A tree that also keeps tskit's sample lists, for visiting the samples below a node in
    /// time proportional to their number (see [`Tree::samples_below`]). Moving costs a little
    /// more: each edge change relinks the lists on the path to the root.
    pub fn with_sample_lists(ts: &'a TreeSequence) -> Tree<'a> {
        Tree::build(ts, true)
    }

    fn build(ts: &'a TreeSequence, sample_lists: bool) -> Tree<'a> {
        let view = TableView::new(ts);
        let n = view.num_nodes + 1;
        let mut tree = Tree {
            view,
            parent: vec![NULL; n].into_boxed_slice(),
            left_child: vec![NULL; n].into_boxed_slice(),
            right_child: vec![NULL; n].into_boxed_slice(),
            left_sib: vec![NULL; n].into_boxed_slice(),
            right_sib: vec![NULL; n].into_boxed_slice(),
            num_children: vec![0; n].into_boxed_slice(),
            num_samples: vec![0; n].into_boxed_slice(),
            edge: vec![NULL; n].into_boxed_slice(),
            subtree_branch_length: vec![0.0; n].into_boxed_slice(),
            total_branch_length: 0.0,
            num_edges: 0,
            left_sample: Box::default(),
            right_sample: Box::default(),
            next_sample: Box::default(),
            sample_index_map: Box::default(),
            index: -1,
            left: 0.0,
            right: 0.0,
            sites: 0..0,
            cursor: EdgeCursor::start(ts),
        };
        if sample_lists {
            tree.left_sample = vec![NULL; n].into_boxed_slice();
            tree.right_sample = vec![NULL; n].into_boxed_slice();
            tree.next_sample = vec![NULL; ts.samples.len()].into_boxed_slice();
            tree.sample_index_map = ts.sample_index_map().into();
        }
        tree.clear();
        tree
    }

    /// Whether this tree keeps sample lists ([`Tree::with_sample_lists`]).
    pub fn has_sample_lists(&self) -> bool {
        !self.sample_index_map.is_empty()
    }

    /// Back to the null state (tskit's `clear`): no edges, every sample a root, in sample order.
    pub fn clear(&mut self) {
        self.parent.fill(NULL);
        self.left_child.fill(NULL);
        self.right_child.fill(NULL);
        self.left_sib.fill(NULL);
        self.right_sib.fill(NULL);
        self.num_children.fill(0);
        self.num_samples.fill(0);
        self.edge.fill(NULL);
        self.subtree_branch_length.fill(0.0);
        self.total_branch_length = 0.0;
        self.num_edges = 0;
        self.index = -1;
        self.left = 0.0;
        self.right = 0.0;
        self.sites = 0..0;
        self.cursor = self.cursor.rewound();
        let samples = &self.view.ts.samples;
        self.num_samples[self.view.num_nodes] = samples.len() as i32;
        for &u in samples {
            self.num_samples[u as usize] = 1;
        }
        if self.has_sample_lists() {
            self.left_sample.fill(NULL);
            self.right_sample.fill(NULL);
            self.next_sample.fill(NULL);
            for (j, &u) in samples.iter().enumerate() {
                self.left_sample[u as usize] = j as i32;
                self.right_sample[u as usize] = j as i32;
            }
        }
        // A sample is a root by itself (root threshold 1), so the null tree's roots are all
        // the samples, in the order of `ts.samples`.
        for &u in samples {
            self.insert_root(u);
        }
    }

    // ---- moving along the genome -------------------------------------------------------

    /// Moves to the first tree (tskit's `first`). Returns false only if there are no trees.
    pub fn first(&mut self) -> bool {
        self.clear();
        self.next()
    }

    /// Moves to the last tree (tskit's `last`).
    pub fn last(&mut self) -> bool {
        self.clear();
        self.prev()
    }

    /// How many entries of `edge_insertion_order` and of `edge_removal_order` lie behind the
    /// tree: those of a move are the ranges between the values before and after it (as
    /// tskit's `tree_pos.in` and `tree_pos.out`; the KC distance updates by them).
    pub(crate) fn edges_behind(&self) -> (usize, usize) {
        self.cursor.behind()
    }

    /// Moves to the next tree; from the null state, to the first. After the last tree it
    /// returns false and leaves the tree null, as tskit's `next` does.
    // tskit's name. Not `Iterator::next`: the tree is itself the cursor, updated in place,
    // so it cannot hand out items that outlive the next move.
    #[allow(
        clippy::should_implement_trait,
        reason = "tskit's name for an in-place move"
    )]
    pub fn next(&mut self) -> bool {
        let num_trees = self.num_trees();
        if num_trees == 0 {
            return false;
        }
        let target = if self.index < 0 {
            // The null tree holds no edges: start before every edge.
            self.cursor = self.cursor.rewound();
            0
        } else if self.index as usize + 1 >= num_trees {
            self.clear();
            return false;
        } else {
            self.index as usize + 1
        };
        let x = self.view.breakpoints[target];
        // Edges ending at x leave, in removal order; then edges starting at x enter, in
        // insertion order. tskit does the same, which fixes the children's order.
        while let Some(i) = self.cursor.next_out(x) {
            self.remove_edge(self.view.edge_removal_order[i] as usize);
        }
        while let Some(i) = self.cursor.next_in(x) {
            self.insert_edge(self.view.edge_insertion_order[i] as usize);
        }
        self.set_index(target);
        true
    }

    /// Moves to the previous tree; from the null state, to the last. Before the first tree
    /// it returns false and leaves the tree null, as tskit's `prev` does.
    pub fn prev(&mut self) -> bool {
        let num_trees = self.num_trees();
        if num_trees == 0 {
            return false;
        }
        let target = if self.index < 0 {
            // The null tree holds no edges: start past every edge.
            self.cursor = self.cursor.end();
            num_trees - 1
        } else if self.index == 0 {
            self.clear();
            return false;
        } else {
            self.index as usize - 1
        };
        let x = self.view.breakpoints[target + 1];
        // The mirror image of `next`: edges starting at x leave, walking the insertion order
        // backwards; edges ending at x enter, walking the removal order backwards.
        while let Some(i) = self.cursor.prev_out(x) {
            self.remove_edge(self.view.edge_insertion_order[i] as usize);
        }
        while let Some(i) = self.cursor.prev_in(x) {
            self.insert_edge(self.view.edge_removal_order[i] as usize);
        }
        self.set_index(target);
        true
    }

    /// Makes this the tree covering `position` (tskit's `ts.at(position)`), without walking
    /// from either end: the tree is cleared and the edges covering the position are inserted.
    /// Costs O(edges) in the worst case (half the index is scanned) plus O(nodes) to clear.
    pub fn seek(&mut self, position: f64) -> Result<()> {
        let sequence_length = self.view.ts.tables.sequence_length;
        // `!(a && b)` also refuses NaN.
        if !(position >= 0.0 && position < sequence_length) {
            return Err(TreeSeqError::new(
                ErrorCode::BadParam,
                format!("seek: position {position} is outside [0, {sequence_length})"),
            ));
        }
        let index = self.view.breakpoints.partition_point(|&b| b <= position) - 1;
        self.seek_from_null(index, position);
        Ok(())
    }

    /// Makes this the tree with the given index (tskit's `ts.at_index(index)`): the same as
    /// seeking to the tree's left end.
    pub fn seek_index(&mut self, index: usize) -> Result<()> {
        let num_trees = self.num_trees();
        if index >= num_trees {
            return Err(TreeSeqError::new(
                ErrorCode::BadParam,
                format!(
                    "seek_index: tree index {index} is out of range (there are {num_trees} trees)"
                ),
            ));
        }
        self.seek_from_null(index, self.view.breakpoints[index]);
        Ok(())
    }

    /// tskit's `tsk_tree_seek_from_null`: which half of the genome `position` lies in decides
    /// whether the covering edges are inserted in insertion order or in reverse removal
    /// order. We follow it so that children and roots come out in tskit's order.
    fn seek_from_null(&mut self, index: usize, position: f64) {
        self.clear();
        let left = self.view.breakpoints[index];
        let insertion = self.view.edge_insertion_order;
        let removal = self.view.edge_removal_order;
        let (edge_left, edge_right) = (self.view.edge_left, self.view.edge_right);
        // The indexes are sorted by left and by right respectively, so binary search places
        // the cursor; every edge covering the tree lies in insertion[..j] and removal[k..].
        let cursor = self.view.cursor_at(left);
        let (j, k) = cursor.behind();
        if position <= self.view.ts.tables.sequence_length / 2.0 {
            for &e in &insertion[..j] {
                let e = e as usize;
                if edge_right[e] > left {
                    self.insert_edge(e);
                }
            }
        } else {
            for &e in removal[k..].iter().rev() {
                let e = e as usize;
                if edge_left[e] <= left {
                    self.insert_edge(e);
                }
            }
        }
        self.cursor = cursor;
        self.set_index(index);
    }

    fn set_index(&mut self, index: usize) {
        self.index = index as i32;
        self.left = self.view.breakpoints[index];
        self.right = self.view.breakpoints[index + 1];
        let (left, right) = (self.left, self.right);
        let start = self.view.site_position.partition_point(|&x| x < left);
        let stop = self.view.site_position.partition_point(|&x| x < right);
        self.sites = start as i32..stop as i32;
    }

    // ---- edge insertion and removal ----------------------------------------------------

    /// Appends `c` at the right end of `p`'s children (tskit's `insert_branch`).
    #[inline]
    fn insert_branch(&mut self, p: i32, c: i32) {
        let (pu, cu) = (p as usize, c as usize);
        self.parent[cu] = p;
        let u = self.right_child[pu];
        if u == NULL {
            self.left_child[pu] = c;
            self.left_sib[cu] = NULL;
        } else {
            self.right_sib[u as usize] = c;
            self.left_sib[cu] = u;
        }
        self.right_sib[cu] = NULL;
        self.right_child[pu] = c;
        self.num_children[pu] += 1;
    }

    #[inline]
    fn remove_branch(&mut self, p: i32, c: i32) {
        let (pu, cu) = (p as usize, c as usize);
        let lsib = self.left_sib[cu];
        let rsib = self.right_sib[cu];
        if lsib == NULL {
            self.left_child[pu] = rsib;
        } else {
            self.right_sib[lsib as usize] = rsib;
        }
        if rsib == NULL {
            self.right_child[pu] = lsib;
        } else {
            self.left_sib[rsib as usize] = lsib;
        }
        self.parent[cu] = NULL;
        self.left_sib[cu] = NULL;
        self.right_sib[cu] = NULL;
        self.num_children[pu] -= 1;
    }

    /// Roots are the virtual root's children, but their `parent` stays NULL (as in tskit),
    /// so that walks towards the root stop at them.
    #[inline]
    fn insert_root(&mut self, root: i32) {
        self.insert_branch(self.view.num_nodes as i32, root);
        self.parent[root as usize] = NULL;
    }

    #[inline]
    fn remove_root(&mut self, root: i32) {
        self.remove_branch(self.view.num_nodes as i32, root);
    }

    fn insert_edge(&mut self, e: usize) {
        let p = self.view.edge_parent[e];
        let c = self.view.edge_child[e];
        let (pu, cu) = (p as usize, c as usize);
        let branch_length = self.view.time[pu] - self.view.time[cu];
        let c_samples = self.num_samples[cu];
        let c_below = self.subtree_branch_length[cu];
        let added = c_below + branch_length;

        let mut path_end = p;
        let mut path_end_was_root = false;
        let mut u = p;
        while u != NULL {
            let uu = u as usize;
            path_end = u;
            path_end_was_root = self.num_samples[uu] >= 1;
            self.num_samples[uu] += c_samples;
            self.subtree_branch_length[uu] += added;
            u = self.parent[uu];
        }
        let c_was_root = c_samples >= 1;
        let path_end_is_root = self.num_samples[path_end as usize] >= 1;
        // The total is the sum of `subtree_branch_length` over the roots; add the change
        // case by case rather than as a difference of large sums, to keep rounding small.
        self.total_branch_length += match (c_was_root, path_end_was_root) {
            (true, true) => branch_length,
            (true, false) => self.subtree_branch_length[path_end as usize] - c_below,
            (false, true) => added,
            (false, false) => 0.0,
        };
        if c_was_root {
            self.remove_root(c);
        }
        if path_end_is_root && !path_end_was_root {
            self.insert_root(path_end);
        }
        self.insert_branch(p, c);
        self.num_edges += 1;
        self.edge[cu] = e as i32;
        if self.has_sample_lists() {
            self.update_sample_lists(p);
        }
    }

    fn remove_edge(&mut self, e: usize) {
        let p = self.view.edge_parent[e];
        let c = self.view.edge_child[e];
        let (pu, cu) = (p as usize, c as usize);
        let branch_length = self.view.time[pu] - self.view.time[cu];
        self.remove_branch(p, c);
        self.num_edges -= 1;
        self.edge[cu] = NULL;

        let c_samples = self.num_samples[cu];
        let removed = self.subtree_branch_length[cu] + branch_length;
        let mut path_end = p;
        let mut path_end_was_root = false;
        let mut u = p;
        while u != NULL {
            let uu = u as usize;
            path_end = u;
            path_end_was_root = self.num_samples[uu] >= 1;
            self.num_samples[uu] -= c_samples;
            self.subtree_branch_length[uu] -= removed;
            u = self.parent[uu];
        }
        if self.num_children[pu] == 0 {
            // Nothing below p any more: make that exactly zero, not a rounding residue.
            self.subtree_branch_length[pu] = 0.0;
        }
        let path_end_is_root = self.num_samples[path_end as usize] >= 1;
        self.total_branch_length -= if c_samples >= 1 {
            // c becomes a root, keeping its subtree in the total.
            if path_end_is_root {
                branch_length
            } else {
                self.subtree_branch_length[path_end as usize] + branch_length
            }
        } else if path_end_was_root {
            removed
        } else {
            0.0
        };
        if path_end_was_root && !path_end_is_root {
            self.remove_root(path_end);
        }
        if c_samples >= 1 {
            self.insert_root(c);
        }
        if self.num_edges == 0 {
            self.total_branch_length = 0.0;
        }
        if self.has_sample_lists() {
            self.update_sample_lists(p);
        }
    }

    /// Rebuilds the sample lists of `node` and its ancestors from their children's lists
    /// (tskit's `update_sample_lists`): a node's list is itself, if a sample, followed by
    /// its children's lists left to right, chained through `next_sample`.
    fn update_sample_lists(&mut self, node: i32) {
        let mut u = node;
        while u != NULL {
            let uu = u as usize;
            let own = self.sample_index_map[uu];
            let (mut head, mut tail) = (own, own);
            let mut v = self.left_child[uu];
            while v != NULL {
                let vv = v as usize;
                let child_head = self.left_sample[vv];
                if child_head != NULL {
                    if head == NULL {
                        head = child_head;
                    } else {
                        self.next_sample[tail as usize] = child_head;
                    }
                    tail = self.right_sample[vv];
                }
                v = self.right_sib[vv];
            }
            self.left_sample[uu] = head;
            self.right_sample[uu] = tail;
            u = self.parent[uu];
        }
    }

    // ---- state -------------------------------------------------------------------------

    pub fn tree_sequence(&self) -> &'a TreeSequence {
        self.view.ts
    }

    /// Number of trees in the tree sequence.
    pub fn num_trees(&self) -> usize {
        self.view.breakpoints.len().saturating_sub(1)
    }

    /// The tree's index along the genome, or -1 in the null state (as tskit).
    pub fn index(&self) -> i32 {
        self.index
    }

    pub fn is_null(&self) -> bool {
        self.index < 0
    }

    /// `(left, right)`: the half-open genome interval this tree covers; `(0, 0)` when null.
    pub fn interval(&self) -> (f64, f64) {
        (self.left, self.right)
    }

    pub fn num_nodes(&self) -> usize {
        self.view.num_nodes
    }

    /// The virtual root's id, `num_nodes`: the parent of all roots in the child arrays.
    pub fn virtual_root(&self) -> i32 {
        self.view.num_nodes as i32
    }

    /// Number of edges in the tree.
    pub fn num_edges(&self) -> usize {
        self.num_edges
    }

    /// Ids of the sites in this tree, ascending (sites are sorted by position).
    pub fn sites(&self) -> Range<i32> {
        self.sites.clone()
    }

    // ---- arrays (tskit's `Tree.*_array`), length num_nodes + 1 ----------------------------

    pub fn parent_array(&self) -> &[i32] {
        &self.parent
    }
    pub fn left_child_array(&self) -> &[i32] {
        &self.left_child
    }
    pub fn right_child_array(&self) -> &[i32] {
        &self.right_child
    }
    pub fn left_sib_array(&self) -> &[i32] {
        &self.left_sib
    }
    pub fn right_sib_array(&self) -> &[i32] {
        &self.right_sib
    }
    pub fn num_children_array(&self) -> &[i32] {
        &self.num_children
    }
    /// Samples at or below each node; the virtual root's entry is the number of samples.
    pub fn num_samples_array(&self) -> &[i32] {
        &self.num_samples
    }
    /// The edge joining each node to its parent, or -1.
    pub fn edge_array(&self) -> &[i32] {
        &self.edge
    }

    // ---- per-node queries (node ids 0..=num_nodes; num_nodes is the virtual root) ---------

    fn check_node(&self, u: i32) -> Result<usize> {
        if u < 0 || u as usize > self.view.num_nodes {
            return Err(TreeSeqError::new(
                ErrorCode::BadParam,
                format!(
                    "node {u} is out of bounds (there are {} nodes)",
                    self.view.num_nodes
                ),
            ));
        }
        Ok(u as usize)
    }

    pub fn parent(&self, u: i32) -> Result<i32> {
        Ok(self.parent[self.check_node(u)?])
    }

    /// The node's children, left to right.
    pub fn children(&self, u: i32) -> Result<Vec<i32>> {
        let uu = self.check_node(u)?;
        let mut out = Vec::with_capacity(self.num_children[uu] as usize);
        let mut v = self.left_child[uu];
        while v != NULL {
            out.push(v);
            v = self.right_sib[v as usize];
        }
        Ok(out)
    }

    /// The roots, left to right: nodes without a parent that have a sample at or below them.
    pub fn roots(&self) -> Vec<i32> {
        let mut out = Vec::with_capacity(self.num_children[self.view.num_nodes] as usize);
        let mut u = self.left_child[self.view.num_nodes];
        while u != NULL {
            out.push(u);
            u = self.right_sib[u as usize];
        }
        out
    }

    pub fn num_roots(&self) -> usize {
        self.num_children[self.view.num_nodes] as usize
    }

    /// The leftmost root, or -1 if there is none.
    pub fn left_root(&self) -> i32 {
        self.left_child[self.view.num_nodes]
    }

    /// Samples at or below `u` (the node itself counts if it is a sample).
    pub fn num_samples(&self, u: i32) -> Result<usize> {
        Ok(self.num_samples[self.check_node(u)?] as usize)
    }

    /// Node time; the virtual root's is infinite (as tskit).
    pub fn time(&self, u: i32) -> Result<f64> {
        let uu = self.check_node(u)?;
        Ok(if uu == self.view.num_nodes {
            f64::INFINITY
        } else {
            self.view.time[uu]
        })
    }

    /// `time[parent] - time[u]`; 0 for roots, nodes not in the tree and the virtual root.
    pub fn branch_length(&self, u: i32) -> Result<f64> {
        let uu = self.check_node(u)?;
        let p = self.parent[uu];
        Ok(if p == NULL {
            0.0
        } else {
            self.view.time[p as usize] - self.view.time[uu]
        })
    }

    /// Sum of the branch lengths reachable from the roots (tskit's definition: branches in
    /// subtrees without samples are not counted). Kept up to date as edges move: O(1) here.
    pub fn total_branch_length(&self) -> f64 {
        self.total_branch_length
    }

    /// Whether `u` is `v` or below it, following parents (tskit's `is_descendant`; as there,
    /// roots' parent is NULL, so nothing but the virtual root itself descends from it).
    pub fn is_descendant(&self, u: i32, v: i32) -> Result<bool> {
        let mut w = self.check_node(u)? as i32;
        let v = self.check_node(v)? as i32;
        while w != v && w != NULL {
            w = self.parent[w as usize];
        }
        Ok(w == v)
    }

    /// The most recent common ancestor of `u` and `v`, or -1 if they have none in this tree
    /// (tskit's `mrca`). With the virtual root as either argument the answer is the virtual
    /// root.
    pub fn mrca(&self, u: i32, v: i32) -> Result<i32> {
        let mut u = self.check_node(u)? as i32;
        let mut v = self.check_node(v)? as i32;
        let vr = self.view.num_nodes as i32;
        if u == vr || v == vr {
            return Ok(vr);
        }
        // Climb from whichever is younger; parents are strictly older, so they meet at the
        // mrca if there is one.
        let mut tu = self.view.time[u as usize];
        let mut tv = self.view.time[v as usize];
        while u != v {
            if tu < tv {
                u = self.parent[u as usize];
                if u == NULL {
                    break;
                }
                tu = self.view.time[u as usize];
            } else {
                v = self.parent[v as usize];
                if v == NULL {
                    break;
                }
                tv = self.view.time[v as usize];
            }
        }
        Ok(if u == v { u } else { NULL })
    }

    /// The time of `mrca(u, v)`; an error if they share no ancestor (tskit's ValueError).
    pub fn tmrca(&self, u: i32, v: i32) -> Result<f64> {
        let m = self.mrca(u, v)?;
        if m == NULL {
            return Err(TreeSeqError::new(
                ErrorCode::BadParam,
                format!("nodes ({u}, {v}) do not share a common ancestor in the tree"),
            ));
        }
        self.time(m)
    }

    // ---- traversals ----------------------------------------------------------------------

    /// Nodes in preorder from the roots, children left to right (tskit's `preorder()`); the
    /// virtual root is not included.
    pub fn preorder(&self) -> Vec<i32> {
        let mut out = Vec::with_capacity(self.num_edges + self.num_roots());
        // Stackless: roots are linked as siblings, so "next sibling, else climb" visits them
        // in turn; a root's parent is NULL, which ends the walk after the last one.
        let mut u = self.left_child[self.view.num_nodes];
        while u != NULL {
            out.push(u);
            let uu = u as usize;
            if self.left_child[uu] != NULL {
                u = self.left_child[uu];
                continue;
            }
            loop {
                let rs = self.right_sib[u as usize];
                if rs != NULL {
                    u = rs;
                    break;
                }
                u = self.parent[u as usize];
                if u == NULL {
                    break;
                }
            }
        }
        out
    }

    /// Nodes in postorder from the roots, children left to right (tskit's `postorder()`);
    /// the virtual root is not included.
    pub fn postorder(&self) -> Vec<i32> {
        let mut out = Vec::with_capacity(self.num_edges + self.num_roots());
        let mut u = self.left_child[self.view.num_nodes];
        if u == NULL {
            return out;
        }
        u = self.leftmost_leaf(u);
        loop {
            out.push(u);
            let rs = self.right_sib[u as usize];
            if rs != NULL {
                u = self.leftmost_leaf(rs);
            } else {
                u = self.parent[u as usize];
                if u == NULL {
                    break;
                }
            }
        }
        out
    }

    #[inline]
    fn leftmost_leaf(&self, mut u: i32) -> i32 {
        while self.left_child[u as usize] != NULL {
            u = self.left_child[u as usize];
        }
        u
    }

    /// Indexes (into `ts.samples`) of the samples at or below `u`, in no particular order.
    /// Needs sample lists ([`Tree::with_sample_lists`]); `u` must be a node id below
    /// `num_nodes` (the virtual root has no list).
    ///
    /// # Panics
    /// If the tree keeps no sample lists or `u` is out of range.
    pub fn samples_below(&self, u: i32) -> SamplesBelow<'_> {
        assert!(
            self.has_sample_lists(),
            "samples_below needs a tree made with_sample_lists"
        );
        let uu = u as usize;
        assert!(
            uu < self.view.num_nodes,
            "samples_below: node {u} is out of range"
        );
        SamplesBelow {
            next_sample: &self.next_sample,
            current: self.left_sample[uu],
            stop: self.right_sample[uu],
        }
    }

    /// Calls `f` with the index (into `ts.samples`) of each sample at or below `u`, each once,
    /// in no particular order: the samples of [`Tree::samples_below`], visited faster.
    ///
    /// Why: a sample list is a linked list, so walking it waits for each `next_sample` load
    /// before the next (tens of cycles once the list outgrows the L1 cache), which is most of
    /// the cost of decoding genotypes. Here `u`'s list is first cut into up to [`CHAINS`]
    /// pieces (the lists of its largest subtrees, by `num_samples`) and the pieces are walked
    /// side by side, one step of each in turn, so that their loads overlap.
    ///
    /// Needs sample lists, and `u` below `num_nodes`, as [`Tree::samples_below`].
    #[inline]
    pub fn for_each_sample_below(&self, u: i32, mut f: impl FnMut(usize)) {
        assert!(
            self.has_sample_lists(),
            "for_each_sample_below needs a tree made with_sample_lists"
        );
        let uu = u as usize;
        assert!(
            uu < self.view.num_nodes,
            "for_each_sample_below: node {u} is out of range"
        );
        if self.num_samples[uu] < SPLIT_AT {
            for j in self.samples_below(u) {
                f(j);
            }
            return;
        }
        // The pieces: subtrees whose lists together hold u's samples, less the sample nodes
        // split off on the way (visited here). Split the largest piece into its children's
        // while they fit.
        let mut nodes = [NULL; CHAINS];
        nodes[0] = u;
        let mut n = 1;
        loop {
            let mut big = 0;
            for k in 1..n {
                if self.num_samples[nodes[k] as usize] > self.num_samples[nodes[big] as usize] {
                    big = k;
                }
            }
            let v = nodes[big] as usize;
            let kids = self.num_children[v] as usize;
            if self.num_samples[v] < SPLIT_AT || kids == 0 || n - 1 + kids > CHAINS {
                break;
            }
            if self.sample_index_map[v] != NULL {
                f(self.sample_index_map[v] as usize);
            }
            n -= 1;
            nodes[big] = nodes[n];
            let mut c = self.left_child[v];
            while c != NULL {
                if self.left_sample[c as usize] != NULL {
                    nodes[n] = c;
                    n += 1;
                }
                c = self.right_sib[c as usize];
            }
        }
        let mut current = [NULL; CHAINS];
        let mut stop = [NULL; CHAINS];
        for k in 0..n {
            current[k] = self.left_sample[nodes[k] as usize];
            stop[k] = self.right_sample[nodes[k] as usize];
        }
        let next = &self.next_sample[..];
        while n > 0 {
            let mut k = 0;
            while k < n {
                let j = current[k];
                f(j as usize);
                if j == stop[k] {
                    n -= 1;
                    current[k] = current[n];
                    stop[k] = stop[n];
                } else {
                    current[k] = next[j as usize];
                    k += 1;
                }
            }
        }
    }

    /// Whether node `u` is a sample.
    pub fn is_sample(&self, u: i32) -> bool {
        u >= 0
            && (u as usize) < self.view.num_nodes
            && self.view.ts.tables.nodes.flags[u as usize] & NODE_IS_SAMPLE != 0
    }
}

/// Iterator over the sample indexes below a node, following the tree's sample lists.
pub struct SamplesBelow<'t> {
    next_sample: &'t [i32],
    current: i32,
    stop: i32,
}

impl Iterator for SamplesBelow<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        if self.current == NULL {
            return None;
        }
        let j = self.current;
        self.current = if j == self.stop {
            NULL
        } else {
            self.next_sample[j as usize]
        };
        Some(j as usize)
    }
}
