//! The tables every chunked statistic reads, as plain slices taken once (columns deref
//! through a match on their storage; taking the slices once keeps that out of inner loops),
//! plus the per-site index of mutations (built once per tree sequence), and the two steps
//! every chunked walk starts with: finding the edges that cover each chunk's start
//! ([`Genome::edges_covering`]) and building that tree's parents and subtree sums from them
//! ([`Genome::attach_covering`]). Shared by the general engine, the many-pairs path,
//! the matrices, the node statistics and the branch-mode allele frequency spectrum.

use rayon::prelude::*;

use crate::memory::prefetch;
use crate::stats::alleles::SiteMutations;
use crate::treeseq::{EdgeEvent, TreeSequence};

pub(crate) struct Genome<'a> {
    pub num_nodes: usize,
    pub num_edges: usize,
    pub time: &'a [f64],
    pub edge_left: &'a [f64],
    pub edge_right: &'a [f64],
    pub edge_parent: &'a [i32],
    pub edge_child: &'a [i32],
    pub insertion: &'a [i32],
    pub removal: &'a [i32],
    /// The same insertions and removals as records (see [`EdgeEvents`](crate::treeseq::EdgeEvents)).
    pub insertions: &'a [EdgeEvent],
    pub removals: &'a [EdgeEvent],
    pub breakpoints: &'a [f64],
    pub site_position: &'a [f64],
    /// Mutations of site s are `site_mutations[s]..site_mutations[s + 1]`.
    pub site_mutations: &'a [usize],
    pub mutation_node: &'a [i32],
    pub mutation_parent: &'a [i32],
    /// Per mutation, its allele at its site; per site, its number of alleles.
    pub mutation_allele: &'a [u32],
    pub site_num_alleles: &'a [u32],
    pub samples: &'a [i32],
}

impl<'a> Genome<'a> {
    pub fn new(ts: &'a TreeSequence) -> Genome<'a> {
        let t = &ts.tables;
        let events = ts.edge_events();
        let alleles = ts.mutation_alleles();
        Genome {
            num_nodes: ts.num_nodes(),
            num_edges: ts.num_edges(),
            time: &t.nodes.time,
            edge_left: &t.edges.left,
            edge_right: &t.edges.right,
            edge_parent: &t.edges.parent,
            edge_child: &t.edges.child,
            insertion: &t.edge_insertion_order,
            removal: &t.edge_removal_order,
            insertions: &events.insertions,
            removals: &events.removals,
            breakpoints: &ts.breakpoints,
            site_position: &t.sites.position,
            site_mutations: ts.site_mutation_index(),
            mutation_node: &t.mutations.node,
            mutation_parent: &t.mutations.parent,
            mutation_allele: &alleles.allele,
            site_num_alleles: &alleles.num_alleles,
            samples: &ts.samples,
        }
    }

    /// The mutation columns for per-site allele weights.
    pub fn site_muts(&self) -> SiteMutations<'_> {
        SiteMutations {
            site_mutations: self.site_mutations,
            mutation_node: self.mutation_node,
            mutation_parent: self.mutation_parent,
            mutation_allele: self.mutation_allele,
            num_alleles: self.site_num_alleles,
        }
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
        const AHEAD: usize = 64;
        for (i, &e) in edges.iter().enumerate() {
            if let Some(&ahead) = edges.get(i + AHEAD) {
                let c = self.edge_child[ahead as usize] as usize;
                prefetch(x[c * stride..].as_ptr());
                prefetch(parent[c..].as_ptr());
            }
            let e = e as usize;
            let (p, c) = (self.edge_parent[e] as usize, self.edge_child[e] as usize);
            parent[c] = p as i32;
            for j in 0..k {
                let v = x[c * stride + j];
                x[p * stride + j] += v;
            }
        }
    }
}

/// The weight sums a tree's node records hold (see the engine's `TreeState`): each node's k
/// column sums, stored as `width(k)` values of this type. Added and subtracted as a whole:
/// a child's record is added to or taken from each ancestor's.
pub(crate) trait Sums:
    Copy + Default + PartialEq + Send + Sync + std::ops::AddAssign + std::ops::SubAssign + 'static
{
    /// Stored values for k weight columns.
    #[inline(always)]
    fn width(k: usize) -> usize {
        k
    }
    /// Writes the k weights `src` into `dst` (`width(k)` values), exactly.
    fn exact_row(dst: &mut [Self], src: &[f64]);
    /// Calls `f(j, sum)` for each of the k columns of a record `xs`, in order.
    fn each(xs: &[Self], k: usize, f: impl FnMut(usize, f64));
}

/// A weight sum as a walk keeps it per node, one value per column: f64, or f32 where the
/// weights allow it. With
/// integer weights whose absolute values add up to less than 2^24 in every column (sample
/// set indicators on fewer than 16,777,216 samples), every sum of them, and every sum or
/// difference of such sums, is an integer below 2^24, which f32 holds exactly: the results
/// are the same bits as with f64, and a tree's records take half the memory (two threads
/// walking two trees of 300,000 samples then share the processor's cache, rather than
/// evicting each other from it).
pub(crate) trait Weight: Sums {
    /// `v` as this type; exact wherever the type is chosen as described above.
    fn exact(v: f64) -> Self;
    fn get(self) -> f64;
    /// `x` as f64 values: `x` itself for f64, else converted into `buf` (at least as long).
    fn widen<'b>(x: &'b [Self], buf: &'b mut [f64]) -> &'b [f64];
    /// `x` itself when this type is f64 (records that also hold f64 summaries).
    fn as_f64(x: &[Self]) -> Option<&[f64]>;
    fn as_f64_mut(x: &mut [Self]) -> Option<&mut [f64]>;
}

/// Sums of one value per column, each as [`Weight::exact`].
macro_rules! scalar_sums {
    ($t:ty) => {
        impl Sums for $t {
            /// Value by value (as a loop, one the compiler would make a call to memcpy for
            /// f64; see `memory::copy_few`).
            #[inline(always)]
            fn exact_row(dst: &mut [$t], src: &[f64]) {
                for (a, &b) in dst.iter_mut().zip(src) {
                    // SAFETY: `a` is a valid, aligned, exclusive reference.
                    unsafe { std::ptr::write_volatile(a, <$t as Weight>::exact(b)) };
                }
            }
            #[inline(always)]
            fn each(xs: &[$t], _k: usize, mut f: impl FnMut(usize, f64)) {
                for (j, &v) in xs.iter().enumerate() {
                    f(j, v.get());
                }
            }
        }
    };
}
scalar_sums!(f64);
scalar_sums!(f32);

/// Sample counts, three to a u64, 21 bits each: the weight sums of sample set indicators on
/// fewer than 2^21 (2,097,152) samples. A node's count in each set is at most the number of
/// samples, so a lane never carries into the next; adding or subtracting two records adds or
/// subtracts their three counts at once (wrapping arithmetic is exact modulo 2^64, so even
/// a lane that went below zero on the way would be right again once its count is). Three
/// sets take 8 bytes a node rather than f32's 12: on 300,000 samples site-mode walks ran
/// about 12% faster (their trees' records, chased towards the root at every edge, crowd the
/// cache less). The counts read back are the same integers as from f32 or f64 sums, so the
/// results are the same bits.
#[derive(Clone, Copy, Default, PartialEq, Debug)]
pub(crate) struct PackedCounts(u64);

impl PackedCounts {
    const BITS: usize = 21;
    const LANES: usize = 3;
    const MASK: u64 = (1 << Self::BITS) - 1;
    /// Whether indicator weights of `num_samples` rows and `k` columns can be packed, and
    /// are worth it: from three sets on, packed records are no larger than f32 ones.
    pub fn fits(num_samples: usize, k: usize) -> bool {
        num_samples < 1 << Self::BITS && k >= Self::LANES
    }
}

impl std::ops::AddAssign for PackedCounts {
    #[inline(always)]
    fn add_assign(&mut self, o: PackedCounts) {
        self.0 = self.0.wrapping_add(o.0);
    }
}

impl std::ops::SubAssign for PackedCounts {
    #[inline(always)]
    fn sub_assign(&mut self, o: PackedCounts) {
        self.0 = self.0.wrapping_sub(o.0);
    }
}

impl Sums for PackedCounts {
    #[inline(always)]
    fn width(k: usize) -> usize {
        k.div_ceil(Self::LANES)
    }
    /// `src` holds 0s and 1s (see [`PackedCounts::fits`]).
    #[inline(always)]
    fn exact_row(dst: &mut [PackedCounts], src: &[f64]) {
        for (d, lanes) in dst.iter_mut().zip(src.chunks(Self::LANES)) {
            let mut v = 0u64;
            for (l, &w) in lanes.iter().enumerate() {
                v |= (w as u64) << (Self::BITS * l);
            }
            // SAFETY: `d` is a valid, aligned, exclusive reference (volatile: see
            // `memory::copy_few`).
            unsafe { std::ptr::write_volatile(d, PackedCounts(v)) };
        }
    }
    #[inline(always)]
    fn each(xs: &[PackedCounts], k: usize, mut f: impl FnMut(usize, f64)) {
        for j in 0..k {
            let lane = xs[j / Self::LANES].0 >> (Self::BITS * (j % Self::LANES));
            f(j, (lane & Self::MASK) as f64);
        }
    }
}

impl Weight for f64 {
    #[inline(always)]
    fn exact(v: f64) -> f64 {
        v
    }
    #[inline(always)]
    fn get(self) -> f64 {
        self
    }
    #[inline(always)]
    fn widen<'b>(x: &'b [f64], _: &'b mut [f64]) -> &'b [f64] {
        x
    }
    #[inline(always)]
    fn as_f64(x: &[f64]) -> Option<&[f64]> {
        Some(x)
    }
    #[inline(always)]
    fn as_f64_mut(x: &mut [f64]) -> Option<&mut [f64]> {
        Some(x)
    }
}

impl Weight for f32 {
    #[inline(always)]
    fn exact(v: f64) -> f32 {
        v as f32
    }
    #[inline(always)]
    fn get(self) -> f64 {
        f64::from(self)
    }
    #[inline(always)]
    fn widen<'b>(x: &'b [f32], buf: &'b mut [f64]) -> &'b [f64] {
        for (b, &v) in buf.iter_mut().zip(x) {
            *b = f64::from(v);
        }
        &buf[..x.len()]
    }
    #[inline(always)]
    fn as_f64(_: &[f32]) -> Option<&[f64]> {
        None
    }
    #[inline(always)]
    fn as_f64_mut(_: &mut [f32]) -> Option<&mut [f64]> {
        None
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
