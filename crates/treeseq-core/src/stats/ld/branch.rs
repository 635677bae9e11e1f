//! `ld_matrix` in branch mode: for a pair of trees (the trees at a row position and a column
//! position), the sum over every branch n of the row tree and every branch c of the column
//! tree of the statistic of the samples below n and below c, times both branches' lengths.
//!
//! How, as tskit 1.0.3 computes it, so that the values agree to rounding: each row tree is
//! compared with the column trees left to right, the sum kept running; moving the column
//! tree one tree on, the branches whose samples or length change (the children of the edges
//! that leave or enter, and the nodes above them) have their terms taken out before the
//! move and put back after it, in tskit's order (decreasing node id). Rows are independent
//! (the row tree's samples below each node are exact bitsets, whichever way they were
//! reached), so rows run in parallel, each with the same sequence of operations as tskit's
//! sequential loop: the same bits on any number of threads.
//!
//! Memory: per task two trees' per-node bitsets (nodes × sets × samples / 8 bytes each).

use rayon::prelude::*;

use super::summaries::Summary;
use crate::error::Result;
use crate::treeseq::TreeSequence;

/// Edges as (parent, child).
type Edges = Vec<(i32, i32)>;

/// The state of one tree as the branch statistics read it: parents, branch lengths and the
/// samples (per set) below each node.
struct TreeBits<'a> {
    ts: &'a TreeSequence,
    /// How many sets, and u64 words per bitset.
    k: usize,
    words: usize,
    parent: Vec<i32>,
    branch_len: Vec<f64>,
    /// `[node][set][word]`.
    samples: Vec<u64>,
    /// The tree index this state is at, or None before the first.
    index: Option<usize>,
    /// Nodes whose terms change at the last move (a bitmap over nodes).
    updates: Vec<u64>,
}

impl<'a> TreeBits<'a> {
    fn new(ts: &'a TreeSequence, leaves: &[u64], k: usize, words: usize) -> TreeBits<'a> {
        let n = ts.num_nodes();
        TreeBits {
            ts,
            k,
            words,
            parent: vec![-1; n],
            branch_len: vec![0.0; n],
            samples: leaves.to_vec(),
            index: None,
            updates: vec![0; n.div_ceil(64)],
        }
    }

    #[inline]
    fn bits(&self, node: usize, set: usize) -> &[u64] {
        let r = node * self.k + set;
        &self.samples[r * self.words..(r + 1) * self.words]
    }

    /// Adds (or, with `remove`, takes away) the samples of `child` to those of `node`.
    fn merge(&mut self, node: usize, child: usize, remove: bool) {
        let (w, k) = (self.words, self.k);
        for s in 0..k {
            let (a, b) = ((node * k + s) * w, (child * k + s) * w);
            for i in 0..w {
                let x = self.samples[b + i];
                if remove {
                    self.samples[a + i] &= !x;
                } else {
                    self.samples[a + i] |= x;
                }
            }
        }
    }

    /// The edges (parent, child) that leave and enter moving to tree `index`: from the
    /// previous tree, those at its boundary; from no tree, every edge covering the tree.
    fn moves(&self, index: usize) -> (Edges, Edges) {
        let ts = self.ts;
        let left = ts.breakpoints[index];
        let events = ts.edge_events();
        if self.index.is_some() {
            let out = events
                .removals
                .iter()
                .skip(events.removals.partition_point(|e| e.position < left))
                .take_while(|e| e.position == left)
                .map(|e| (e.parent, e.child))
                .collect();
            let inn = events
                .insertions
                .iter()
                .skip(events.insertions.partition_point(|e| e.position < left))
                .take_while(|e| e.position == left)
                .map(|e| (e.parent, e.child))
                .collect();
            (out, inn)
        } else {
            let edges = &ts.tables.edges;
            let inn = (0..edges.left.len())
                .filter(|&e| edges.left[e] <= left && left < edges.right[e])
                .map(|e| (edges.parent[e], edges.child[e]))
                .collect();
            (Vec::new(), inn)
        }
    }

    /// Marks `c` and the nodes above it (by the current parents) as changing, from parent
    /// `p` on: tskit's loop, which marks a node only while it has a parent.
    fn mark_path(&mut self, mut c: i32, mut p: i32) {
        while p != -1 {
            self.updates[c as usize / 64] |= 1 << (c as usize % 64);
            c = p;
            p = self.parent[p as usize];
        }
    }

    /// The changing nodes, in decreasing id (tskit's order).
    fn updated(&self) -> Vec<usize> {
        let mut out = Vec::new();
        for (w, &bits) in self.updates.iter().enumerate().rev() {
            let mut b = bits;
            while b != 0 {
                let top = 63 - b.leading_zeros() as usize;
                out.push(w * 64 + top);
                b &= !(1u64 << top);
            }
        }
        out
    }
}

/// One thread's scratch for the summary.
struct Scratch {
    hap: Vec<[f64; 3]>,
    tmp: Vec<f64>,
}

/// The term of node `c` of the tree `b` against every branch of the tree `a`, with `sign`,
/// added into `result` (tskit's `compute_two_tree_branch_state_update`).
fn add_terms(
    a: &TreeBits,
    b: &TreeBits,
    c: usize,
    sign: f64,
    summary: &Summary,
    scratch: &mut Scratch,
    result: &mut [f64],
) {
    let b_len = b.branch_len[c] * sign;
    if b_len == 0.0 {
        return;
    }
    for n in 0..a.parent.len() {
        let a_len = a.branch_len[n];
        if a_len == 0.0 {
            continue;
        }
        for (s, h) in scratch.hap.iter_mut().enumerate() {
            let (x, y) = (a.bits(n, s), b.bits(c, s));
            let both = super::count_common(x, y, None) as f64;
            h[0] = both;
            h[1] = super::count_common(x, x, None) as f64 - both;
            h[2] = super::count_common(y, y, None) as f64 - both;
        }
        summary.eval(&scratch.hap, &mut scratch.tmp);
        for (r, t) in result.iter_mut().zip(&scratch.tmp) {
            *r += t * a_len * b_len;
        }
    }
}

/// Moves `b` to tree `index` (the next tree, or any tree from none), taking the terms of the
/// changing branches against `a` out before and putting them back after (tskit's
/// `compute_two_tree_branch_stat`); `a` None when no terms are kept (moving the row tree).
fn advance(
    b: &mut TreeBits,
    index: usize,
    a: Option<&TreeBits>,
    summary: &Summary,
    scratch: &mut Scratch,
    result: &mut [f64],
) {
    let (out, inn) = b.moves(index);
    let time = &b.ts.tables.nodes.time;
    b.updates.fill(0);
    for &(p, c) in out.iter().chain(&inn) {
        b.mark_path(c, p);
    }
    if let Some(a) = a {
        for c in b.updated() {
            add_terms(a, b, c, -1.0, summary, scratch, result);
        }
    }
    for &(p, c) in &out {
        let mut q = p;
        while q != -1 {
            b.merge(q as usize, c as usize, true);
            q = b.parent[q as usize];
        }
        b.branch_len[c as usize] = 0.0;
        b.parent[c as usize] = -1;
    }
    for &(p, c) in &inn {
        b.branch_len[c as usize] = time[p as usize] - time[c as usize];
        b.parent[c as usize] = p;
        let (mut q, mut below) = (p, c);
        while q != -1 {
            b.updates[below as usize / 64] |= 1 << (below as usize % 64);
            b.merge(q as usize, c as usize, false);
            below = q;
            q = b.parent[q as usize];
        }
    }
    if let Some(a) = a {
        for c in b.updated() {
            add_terms(a, b, c, 1.0, summary, scratch, result);
        }
    }
    b.index = Some(index);
}

/// For each position, the index of the tree covering it.
fn tree_indexes(ts: &TreeSequence, positions: &[f64]) -> Vec<usize> {
    let bp = &ts.breakpoints;
    positions
        .iter()
        .map(|&x| bp.partition_point(|&b| b <= x) - 1)
        .collect()
}

/// The `[row][col][outputs]` matrix between the trees at the row and the column positions.
pub(super) fn branch_matrix(
    ts: &TreeSequence,
    rows: &[f64],
    cols: &[f64],
    summary: &Summary,
    sets: &[Vec<i32>],
) -> Result<Vec<f64>> {
    let rdim = summary.result_dim();
    let (nr, nc) = (rows.len(), cols.len());
    let mut out = crate::memory::try_vec("ld_matrix: the output", nr * nc * rdim, 0.0)?;
    if out.is_empty() {
        return Ok(out);
    }
    let k = sets.len();
    let words = ts.num_samples().div_ceil(64);
    let index = ts.sample_index_map();
    // Each sample node's own bit, per set that holds it (tskit's `get_node_samples`).
    let mut leaves = crate::memory::try_vec(
        "ld_matrix: the samples below each node",
        ts.num_nodes() * k * words,
        0u64,
    )?;
    for (s, set) in sets.iter().enumerate() {
        for &u in set {
            let i = index[u as usize] as usize;
            leaves[(u as usize * k + s) * words + i / 64] |= 1 << (i % 64);
        }
    }
    let (row_trees, col_trees) = (tree_indexes(ts, rows), tree_indexes(ts, cols));
    let (col_first, col_last) = (col_trees[0], col_trees[nc - 1]);
    // Each row tree's values against every column tree from the first to the last.
    let row_len = nc * rdim;
    let mut distinct: Vec<usize> = row_trees.clone();
    distinct.dedup();
    let per_row: Vec<Vec<f64>> = distinct
        .par_chunks(distinct.len().div_ceil(64).max(1))
        .flat_map_iter(|trees| {
            let mut a = TreeBits::new(ts, &leaves, k, words);
            let mut scratch = Scratch {
                hap: vec![[0.0; 3]; k],
                tmp: vec![0.0; rdim],
            };
            let mut none = vec![0.0; rdim];
            let mut rows_out = Vec::with_capacity(trees.len());
            for &t in trees {
                // The row tree, moved on tree by tree (its state is exact whatever the path).
                match a.index {
                    None => advance(&mut a, t, None, summary, &mut scratch, &mut none),
                    Some(i) => {
                        for j in i + 1..=t {
                            advance(&mut a, j, None, summary, &mut scratch, &mut none);
                        }
                    }
                }
                let mut result = vec![0.0; rdim];
                let mut values = vec![0.0; (col_last - col_first + 1) * rdim];
                let mut b = TreeBits::new(ts, &leaves, k, words);
                for c in col_first..=col_last {
                    advance(&mut b, c, Some(&a), summary, &mut scratch, &mut result);
                    values[(c - col_first) * rdim..(c - col_first + 1) * rdim]
                        .copy_from_slice(&result);
                }
                rows_out.push(values);
            }
            rows_out
        })
        .collect();
    for (i, &t) in row_trees.iter().enumerate() {
        let values = &per_row[distinct.binary_search(&t).expect("a row tree")];
        for (j, &c) in col_trees.iter().enumerate() {
            let v = &values[(c - col_first) * rdim..(c - col_first + 1) * rdim];
            out[i * row_len + j * rdim..i * row_len + (j + 1) * rdim].copy_from_slice(v);
        }
    }
    Ok(out)
}
