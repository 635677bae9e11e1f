//! The tables every walk reads, as plain slices taken once (columns deref through a match on
//! their storage; taking the slices once keeps that out of inner loops), and the two steps
//! every chunked walk starts with: finding the edges that cover each chunk's start
//! ([`TableView::edges_covering`]) and building that tree's parents and subtree sums from them
//! ([`TableView::attach_covering`]). Shared by the general engine, the many-pairs path,
//! the matrices, the node statistics, the branch-mode allele frequency spectrum and the
//! public [`Tree`](crate::Tree). The per-site index of mutations and their alleles are built
//! once per tree sequence, on first use, so they are fetched only by the walks that read
//! sites ([`TableView::site_muts`], once per walk): making a view, and so a `Tree`, does
//! not build them.

use rayon::prelude::*;

use super::cursor::EdgeCursor;
use super::stored_sum::Sums;
use crate::memory::prefetch;
use crate::stats::alleles::SiteMutations;
use crate::treeseq::{EdgeEvent, TreeSequence};

#[derive(Clone, Copy)]
pub(crate) struct TableView<'a> {
    pub ts: &'a TreeSequence,
    pub num_nodes: usize,
    pub num_edges: usize,
    pub time: &'a [f64],
    pub edge_left: &'a [f64],
    pub edge_right: &'a [f64],
    pub edge_parent: &'a [i32],
    pub edge_child: &'a [i32],
    /// Edge ids in tskit's insertion (by left) and removal (by right) orders.
    pub edge_insertion_order: &'a [i32],
    pub edge_removal_order: &'a [i32],
    /// Edge insertions (in `edge_insertion_order`) and removals (in `edge_removal_order`) as
    /// records (see [`EdgeEvents`](crate::treeseq::EdgeEvents)).
    pub insertions: &'a [EdgeEvent],
    pub removals: &'a [EdgeEvent],
    pub breakpoints: &'a [f64],
    pub site_position: &'a [f64],
    pub samples: &'a [i32],
}

impl<'a> TableView<'a> {
    pub fn new(ts: &'a TreeSequence) -> TableView<'a> {
        let t = &ts.tables;
        let events = ts.edge_events();
        TableView {
            ts,
            num_nodes: ts.num_nodes(),
            num_edges: ts.num_edges(),
            time: &t.nodes.time,
            edge_left: &t.edges.left,
            edge_right: &t.edges.right,
            edge_parent: &t.edges.parent,
            edge_child: &t.edges.child,
            edge_insertion_order: &t.edge_insertion_order,
            edge_removal_order: &t.edge_removal_order,
            insertions: &events.insertions,
            removals: &events.removals,
            breakpoints: &ts.breakpoints,
            site_position: &t.sites.position,
            samples: &ts.samples,
        }
    }

    /// The mutation columns for per-site allele weights. Builds the tree sequence's per-site
    /// mutation index and mutation alleles on first use (once per tree sequence), so a walk
    /// takes them once, before its sites, not per site.
    pub fn site_muts(&self) -> SiteMutations<'a> {
        let t = &self.ts.tables;
        let alleles = self.ts.mutation_alleles();
        SiteMutations {
            site_mutations: self.ts.site_mutation_index(),
            mutation_node: &t.mutations.node,
            mutation_parent: &t.mutations.parent,
            mutation_allele: &alleles.allele,
            num_alleles: &alleles.num_alleles,
        }
    }

    /// A cursor at the tree starting at `pos` (a tree boundary).
    pub fn cursor_at(&self, pos: f64) -> EdgeCursor<'a> {
        EdgeCursor::at(self.insertions, self.removals, pos)
    }

    /// Number of edges with left <= x (they have been inserted once the tree at x is built).
    pub fn inserted_by(&self, x: f64) -> usize {
        self.insertions.partition_point(|ev| ev.position <= x)
    }

    /// Number of edges with right <= x (they have been removed by then).
    pub fn removed_by(&self, x: f64) -> usize {
        self.removals.partition_point(|ev| ev.position <= x)
    }

    /// For each position in `positions` (increasing), the edges with left <= x < right: one
    /// scan of the edge table, in blocks scanned in parallel. A bitmap rather than lists of
    /// edges: it is small (an edge table's bits per position), so filling it allocates and
    /// faults in little.
    pub fn edges_covering(&self, positions: &[f64]) -> CoveringEdges {
        /// Words (of 64 edges) per block.
        const BLOCK_WORDS: usize = 1 << 9;
        let (left, right) = (self.edge_left, self.edge_right);
        let np = positions.len().max(1);
        let mut words = vec![0u64; self.num_edges.div_ceil(64) * np];
        words
            .par_chunks_mut(BLOCK_WORDS * np)
            .enumerate()
            .for_each(|(blk, part)| {
                let e0 = blk * BLOCK_WORDS * 64;
                let e1 = (e0 + BLOCK_WORDS * 64).min(self.num_edges);
                let (l, r) = (&left[e0..e1], &right[e0..e1]);
                for (w, (l, r)) in l.chunks(64).zip(r.chunks(64)).enumerate() {
                    for (si, &x) in positions.iter().enumerate() {
                        // Branch-free over the word's 64 edges, so that it vectorises.
                        let mut bits = 0u64;
                        for (i, (&l, &r)) in l.iter().zip(r).enumerate() {
                            bits |= (((l <= x) & (x < r)) as u64) << i;
                        }
                        part[w * np + si] = bits;
                    }
                }
            });
        CoveringEdges {
            words,
            num_positions: np,
        }
    }

    /// Builds the tree made of `edges` (edges covering one position, in edge-table order,
    /// which is parent-time order): sets `parent[child]` and adds each child's first `k`
    /// values to its parent's, in records of `stride` values in `x` (a child's sums are
    /// complete before they are added up). Children are scattered over the node table, so
    /// each child's record is fetched a few edges ahead of its use: on large trees the pass
    /// otherwise waits on a cache miss per edge.
    pub fn attach_covering<V: Sums>(
        &self,
        edges: &[u32],
        parent: &mut [i32],
        x: &mut [V],
        stride: usize,
        k: usize,
    ) {
        // With one value a record (packed counts of up to three sets, as in site mode) the
        // pass is compiled for that width: the add is one load and one store.
        if k == 1 && stride == 1 {
            self.attach_pass(edges, parent, x, 1, 1);
        } else {
            self.attach_pass(edges, parent, x, stride, k);
        }
    }

    /// [`TableView::attach_covering`]'s pass, inlined into each call so that a constant width
    /// makes its own loop.
    #[inline(always)]
    fn attach_pass<V: Sums>(
        &self,
        edges: &[u32],
        parent: &mut [i32],
        x: &mut [V],
        stride: usize,
        k: usize,
    ) {
        const AHEAD: usize = 64;
        // Every cache line of a record that spans several (many sets' sums).
        let line = (64 / std::mem::size_of::<V>()).max(1);
        for (i, &e) in edges.iter().enumerate() {
            if let Some(&ahead) = edges.get(i + AHEAD) {
                let c = self.edge_child[ahead as usize] as usize;
                for j in (0..k).step_by(line) {
                    prefetch(x[c * stride + j..].as_ptr());
                }
                prefetch(parent[c..].as_ptr());
            }
            let e = e as usize;
            let (p, c) = (self.edge_parent[e] as usize, self.edge_child[e] as usize);
            parent[c] = p as i32;
            if k == 1 {
                // One value (compiled for it): a load and a store.
                let v = x[c * stride];
                x[p * stride] += v;
                continue;
            }
            // The two records apart, so that the add is one loop over two slices.
            let (child, up) = if c < p {
                let (lo, hi) = x.split_at_mut(p * stride);
                (&lo[c * stride..c * stride + k], &mut hi[..k])
            } else {
                let (lo, hi) = x.split_at_mut(c * stride);
                (&hi[..k], &mut lo[p * stride..p * stride + k])
            };
            for (u, &v) in up.iter_mut().zip(child) {
                *u += v;
            }
        }
    }
}

/// Which edges cover each of a few positions: a bit per (edge, position), word-major
/// (`words[w * num_positions + s]` holds edges `64 w..64 w + 64` for position s), so that
/// blocks of the edge table are filled in parallel into disjoint parts.
pub(crate) struct CoveringEdges {
    words: Vec<u64>,
    num_positions: usize,
}

impl CoveringEdges {
    /// Calls `f(e)` for each edge covering position `s`, in edge-table order.
    #[inline]
    pub fn for_each(&self, s: usize, mut f: impl FnMut(usize)) {
        for (w, chunk) in self.words.chunks_exact(self.num_positions).enumerate() {
            let mut b = chunk[s];
            while b != 0 {
                f(w * 64 + b.trailing_zeros() as usize);
                b &= b - 1;
            }
        }
    }

    /// The edges covering position `s`, in edge-table order, into `out` (cleared first).
    pub fn collect_into(&self, s: usize, out: &mut Vec<u32>) {
        out.clear();
        self.for_each(s, |e| out.push(e as u32));
    }
}
