//! The tables every chunked statistic reads, as plain slices taken once (columns deref
//! through a match on their storage; taking the slices once keeps that out of inner loops),
//! plus the per-site index of mutations (built once per tree sequence). Shared by the general engine, the many-pairs path,
//! the matrices, the node statistics and the branch-mode allele frequency spectrum.

use crate::column::Ragged;
use crate::stats::alleles::SiteMutations;
use crate::treeseq::TreeSequence;

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
    pub breakpoints: &'a [f64],
    pub site_position: &'a [f64],
    /// Mutations of site s are `site_mutations[s]..site_mutations[s + 1]`.
    pub site_mutations: &'a [usize],
    pub mutation_node: &'a [i32],
    pub mutation_parent: &'a [i32],
    pub ancestral_state: &'a Ragged<u8>,
    pub derived_state: &'a Ragged<u8>,
    pub samples: &'a [i32],
}

impl<'a> Genome<'a> {
    pub fn new(ts: &'a TreeSequence) -> Genome<'a> {
        let t = &ts.tables;
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
            breakpoints: &ts.breakpoints,
            site_position: &t.sites.position,
            site_mutations: ts.site_mutation_index(),
            mutation_node: &t.mutations.node,
            mutation_parent: &t.mutations.parent,
            ancestral_state: &t.sites.ancestral_state,
            derived_state: &t.mutations.derived_state,
            samples: &ts.samples,
        }
    }

    /// The mutation columns for per-site allele weights.
    pub fn site_muts(&self) -> SiteMutations<'_> {
        SiteMutations {
            site_mutations: self.site_mutations,
            mutation_node: self.mutation_node,
            mutation_parent: self.mutation_parent,
            ancestral_state: self.ancestral_state,
            derived_state: self.derived_state,
        }
    }

    /// Number of edges with left <= x (they have been inserted once the tree at x is built).
    pub fn inserted_by(&self, x: f64) -> usize {
        self.insertion
            .partition_point(|&e| self.edge_left[e as usize] <= x)
    }

    /// Number of edges with right <= x (they have been removed by then).
    pub fn removed_by(&self, x: f64) -> usize {
        self.removal
            .partition_point(|&e| self.edge_right[e as usize] <= x)
    }
}
