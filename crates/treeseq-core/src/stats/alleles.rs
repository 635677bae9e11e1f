//! The allele weights of one site, shared by every site-mode path (the general engine, the
//! many-pairs path and the matrices): row 0 is the ancestral allele (starting from the total
//! weight), then one row per distinct derived state in order of first appearance (numbered
//! once per tree sequence, see `TreeSequence::mutation_alleles`); each mutation moves its
//! node's weight from its parent mutation's allele (or the ancestral one) to its own, as
//! tskit's `get_allele_weights` does. A derived state equal to the ancestral state is allele 0.

use crate::memory::{copy_few, fill_few};
use crate::walk::stored_sum::Sums;

/// The mutation columns a site's allele weights are read from.
#[derive(Clone, Copy)]
pub(crate) struct SiteMutations<'a> {
    /// Mutations of site s are `site_mutations[s]..site_mutations[s + 1]`.
    pub site_mutations: &'a [usize],
    pub mutation_node: &'a [i32],
    pub mutation_parent: &'a [i32],
    /// Per mutation, its allele at its site; per site, its number of alleles.
    pub mutation_allele: &'a [u32],
    pub num_alleles: &'a [u32],
}

pub(crate) struct AlleleStates {
    k: usize,
    states: Vec<f64>,
    pub num_alleles: usize,
}

impl AlleleStates {
    /// For weight vectors of `k` columns.
    pub fn new(k: usize) -> Self {
        AlleleStates {
            k,
            states: Vec::new(),
            num_alleles: 0,
        }
    }

    /// The allele weights of `site`, given the weight below each node (`below(u)`) in the tree
    /// that holds the site and the total weight.
    pub fn compute<'r, V: Sums>(
        &mut self,
        m: SiteMutations,
        below: impl Fn(usize) -> &'r [V],
        total: &[f64],
        site: usize,
    ) {
        let k = self.k;
        let muts = m.site_mutations[site]..m.site_mutations[site + 1];
        self.num_alleles = m.num_alleles[site] as usize;
        // Sized once per site, filled value by value (see `memory::copy_few`).
        if self.states.len() < self.num_alleles * k {
            self.states.resize(self.num_alleles * k, 0.0);
        }
        copy_few(&mut self.states[..k], total);
        fill_few(&mut self.states[k..self.num_alleles * k], 0.0);
        for mu in muts.clone() {
            let allele = m.mutation_allele[mu] as usize;
            // The weight below the mutation leaves its parent mutation's allele (tskit
            // requires the parent to be an earlier mutation of the same site).
            let p = m.mutation_parent[mu];
            let parent_allele = if p >= muts.start as i32 && (p as usize) < mu {
                m.mutation_allele[p as usize] as usize
            } else {
                0
            };
            let xs = below(m.mutation_node[mu] as usize);
            V::each(xs, k, |j, v| {
                self.states[allele * k + j] += v;
                self.states[parent_allele * k + j] -= v;
            });
        }
    }

    #[inline]
    pub fn row(&self, a: usize) -> &[f64] {
        &self.states[a * self.k..(a + 1) * self.k]
    }
}
