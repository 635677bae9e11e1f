//! Genotypes at each site, decoded from the trees as tskit's `ts.variants()` does with its
//! default arguments (all samples, `isolated_as_missing=True`, alleles found from the data).
//!
//! What it is for: turning a site and its mutations into an allele list and one genotype per
//! sample (indexed like `ts.samples`), walking the trees once from left to right.
//!
//! What it is not: a VCF writer, a haplotype matrix builder, or a way to choose alleles or
//! sample subsets (tskit's `alleles=` and `samples=` options are not offered).
//!
//! The rules, as in tskit's `tsk_variant_decode`:
//! - allele 0 is the site's ancestral state; each derived state not yet listed is appended
//!   in mutation order (so recurrent and back mutations reuse an index);
//! - every sample starts with allele 0; samples isolated in the tree (no parent, no
//!   children) are then marked missing ([`MISSING_DATA`], -1); then each mutation, in table
//!   order (parents before children), sets the allele of every sample below its node, so a
//!   mutation directly over an isolated sample makes it not missing;
//! - when some genotype is still missing, the allele list ends with `None` (tskit appends
//!   Python's `None` to `Variant.alleles`).

use crate::error::{ErrorCode, Result, TreeSeqError};
use crate::tree::{Tree, NULL};
use crate::treeseq::TreeSequence;

/// tskit's genotype value for missing data.
pub const MISSING_DATA: i32 = -1;

/// One decoded site, owned (tskit's `Variant` after a copy).
#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    pub site: i32,
    pub position: f64,
    /// Ancestral state first, then new derived states in mutation order; a final `None`
    /// stands for missing data and appears only when some genotype is [`MISSING_DATA`].
    pub alleles: Vec<Option<String>>,
    /// One allele index per sample, in the order of `ts.samples`; -1 for missing.
    pub genotypes: Vec<i32>,
}

/// Decodes sites in order into buffers that are reused from site to site.
///
/// Two ways to use it:
/// - as an [`Iterator`] of owned [`Variant`]s (one genotype vector allocated per site);
/// - with [`Variants::decode_next`] / [`Variants::decode`], then reading
///   [`Variants::genotypes`] and [`Variants::alleles`]: nothing is allocated per site, and the
///   genotype buffer keeps its address for the life of the decoder (bindings may view it).
pub struct Variants<'a> {
    ts: &'a TreeSequence,
    /// Keeps sample lists, so that setting the genotypes below a mutation touches only the
    /// samples there (as tskit's decoder does).
    tree: Tree<'a>,
    genotypes: Box<[i32]>,
    alleles: Vec<&'a [u8]>,
    has_missing_data: bool,
    /// The decoded site, or -1 before the first decode.
    site: i32,
    /// The site `decode_next` will decode.
    next_site: usize,
}

impl<'a> Variants<'a> {
    pub fn new(ts: &'a TreeSequence) -> Variants<'a> {
        Variants {
            ts,
            tree: Tree::with_sample_lists(ts),
            genotypes: vec![0; ts.samples.len()].into_boxed_slice(),
            alleles: Vec::with_capacity(4),
            has_missing_data: false,
            site: -1,
            next_site: 0,
        }
    }

    /// Decodes the next site (in id order, which is position order). Returns false, leaving
    /// the buffers as they were, when every site has been decoded.
    pub fn decode_next(&mut self) -> bool {
        if self.next_site >= self.ts.tables.sites.position.len() {
            return false;
        }
        self.decode_site(self.next_site);
        true
    }

    /// Decodes any site. Moving between nearby sites steps the tree; far jumps seek.
    pub fn decode(&mut self, site: i32) -> Result<()> {
        let num_sites = self.ts.tables.sites.position.len();
        if site < 0 || site as usize >= num_sites {
            return Err(TreeSeqError::new(
                ErrorCode::BadParam,
                format!("site {site} is out of bounds (there are {num_sites} sites)"),
            ));
        }
        self.decode_site(site as usize);
        Ok(())
    }

    /// The decoded site's id, or -1 before the first decode.
    pub fn site(&self) -> i32 {
        self.site
    }

    pub fn position(&self) -> f64 {
        if self.site < 0 {
            return f64::NAN;
        }
        self.ts.tables.sites.position[self.site as usize]
    }

    /// Genotypes of the decoded site, indexed like `ts.samples`; -1 is missing.
    pub fn genotypes(&self) -> &[i32] {
        &self.genotypes
    }

    /// The decoded site's alleles as bytes, without the missing-data marker: check
    /// [`Variants::has_missing_data`] for that.
    pub fn alleles(&self) -> &[&'a [u8]] {
        &self.alleles
    }

    pub fn has_missing_data(&self) -> bool {
        self.has_missing_data
    }

    /// The tree at the decoded site.
    pub fn tree(&self) -> &Tree<'a> {
        &self.tree
    }

    /// An owned copy of the decoded site, or `None` before the first decode.
    pub fn variant(&self) -> Option<Variant> {
        if self.site < 0 {
            return None;
        }
        let mut alleles: Vec<Option<String>> = self
            .alleles
            .iter()
            .map(|a| Some(String::from_utf8_lossy(a).into_owned()))
            .collect();
        if self.has_missing_data {
            alleles.push(None);
        }
        Some(Variant {
            site: self.site,
            position: self.position(),
            alleles,
            genotypes: self.genotypes.to_vec(),
        })
    }

    fn decode_site(&mut self, site: usize) {
        let tables = &self.ts.tables;
        let position = tables.sites.position[site];
        self.move_tree_to(position);

        self.alleles.clear();
        self.alleles.push(tables.sites.ancestral_state.row(site));
        self.genotypes.fill(0);

        // Missing first, so that mutations directly over isolated samples overwrite it.
        let mut num_missing = self.mark_isolated_samples_missing();
        let index = self.ts.site_mutation_index();
        // Alleles are numbered once per tree sequence, by the rule the statistics use too;
        // an allele's number first appears on the mutation that introduces it.
        let numbered = &self.ts.mutation_alleles().allele;
        let muts = index[site]..index[site + 1];
        for (m, &allele) in muts.clone().zip(&numbered[muts]) {
            let allele = allele as usize;
            if allele == self.alleles.len() {
                self.alleles.push(tables.mutations.derived_state.row(m));
            }
            num_missing -= self.set_genotypes_below(tables.mutations.node[m], allele as i32);
        }
        self.has_missing_data = num_missing > 0;
        self.site = site as i32;
        self.next_site = site + 1;
    }

    /// Puts the tree over `position`, stepping when that is cheaper than a seek.
    fn move_tree_to(&mut self, position: f64) {
        let (left, right) = self.tree.interval();
        if !self.tree.is_null() && left <= position && position < right {
            return;
        }
        let breakpoints = &self.ts.breakpoints;
        let target = breakpoints.partition_point(|&b| b <= position) - 1;
        if !self.tree.is_null() {
            // A step changes 2M/T edges on average; a seek clears N nodes and scans about
            // half the M edges. Step while that is the smaller cost.
            let num_edges = self.ts.tables.edges.left.len();
            let num_trees = self.tree.num_trees().max(1);
            let steps = (target as i64 - self.tree.index() as i64).unsigned_abs() as usize;
            let step_cost = steps * (2 * num_edges / num_trees + 1);
            let seek_cost = num_edges / 2 + self.tree.num_nodes();
            if step_cost <= seek_cost {
                let forward = target as i32 > self.tree.index();
                while self.tree.index() != target as i32 {
                    if forward {
                        self.tree.next();
                    } else {
                        self.tree.prev();
                    }
                }
                return;
            }
        }
        // `position` is a valid site position, inside [0, L).
        let _ = self.tree.seek(position);
    }

    /// tskit marks as missing the samples that are roots with no children.
    fn mark_isolated_samples_missing(&mut self) -> usize {
        let left_child = self.tree.left_child_array();
        let right_sib = self.tree.right_sib_array();
        let mut num_missing = 0;
        let mut root = self.tree.left_root();
        while root != NULL {
            let r = root as usize;
            if left_child[r] == NULL {
                let j = self.tree.sample_index_map[r];
                if j != NULL {
                    self.genotypes[j as usize] = MISSING_DATA;
                    num_missing += 1;
                }
            }
            root = right_sib[r];
        }
        num_missing
    }

    /// Sets `allele` for every sample at or below `node`; returns how many of them had been
    /// missing.
    fn set_genotypes_below(&mut self, node: i32, allele: i32) -> usize {
        let mut no_longer_missing = 0;
        for j in self.tree.samples_below(node) {
            let g = &mut self.genotypes[j];
            no_longer_missing += (*g == MISSING_DATA) as usize;
            *g = allele;
        }
        no_longer_missing
    }
}

impl Iterator for Variants<'_> {
    type Item = Variant;

    fn next(&mut self) -> Option<Variant> {
        if self.decode_next() {
            self.variant()
        } else {
            None
        }
    }
}
