//! The samples carrying each allele of each selected site, as bitsets over sample indexes,
//! built as tskit's two-locus statistics build them.
//!
//! What it is for: `ld_matrix` compares, for every pair of sites, which samples carry which
//! allele; a site's alleles are tskit's (the ancestral state first, then each new derived
//! state in mutation order, `TreeSequence::mutation_alleles`), and their samples follow
//! tskit's rule: every sample starts with the ancestral allele, and each mutation in turn
//! adds the samples below its node to its allele and removes them from its parent
//! mutation's allele (the ancestral allele when it has none). A mutation back to its parent's
//! state therefore removes its samples from that allele, as in tskit.
//!
//! What it is not: genotype decoding (`variants.rs`), which gives every sample exactly one
//! allele; the two agree on ordinary sites.

use rayon::prelude::*;

use crate::error::Result;
use crate::tree::Tree;
use crate::treeseq::TreeSequence;

/// For each selected site, one bitset (`words` u64s, bit i = sample index i) per allele.
pub struct SiteAlleles {
    pub words: usize,
    /// Site j's alleles are rows `first[j]..first[j + 1]` of `bits`.
    first: Vec<usize>,
    bits: Vec<u64>,
}

/// Building takes at most this many tasks, each of at least `MIN_SITES_PER_TASK` sites: a
/// task's seek and its tree's arrays cost about a pass over a tree, which a task of few sites
/// would spend for little work.
const MAX_TASKS: usize = 8;
const MIN_SITES_PER_TASK: usize = 64;

impl SiteAlleles {
    pub fn num_alleles(&self, site: usize) -> usize {
        self.first[site + 1] - self.first[site]
    }

    /// How many (site, allele) rows there are, over all selected sites.
    pub fn num_rows(&self) -> usize {
        *self.first.last().expect("one entry")
    }

    /// The number of the row of allele `allele` of selected site `site`.
    #[inline]
    pub fn row_id(&self, site: usize, allele: usize) -> usize {
        self.first[site] + allele
    }

    /// The samples of row `r` (see [`SiteAlleles::row_id`]).
    #[inline]
    pub fn bits(&self, r: usize) -> &[u64] {
        &self.bits[r * self.words..(r + 1) * self.words]
    }

    /// The samples carrying allele `allele` of selected site `site`.
    #[inline]
    pub fn row(&self, site: usize, allele: usize) -> &[u64] {
        self.bits(self.row_id(site, allele))
    }

    /// The alleles of `sites` (site ids, increasing), in parallel over runs of consecutive
    /// sites, each run walking one tree along. The bitsets are exact, so how the sites are cut
    /// into runs changes nothing but the time.
    pub fn build(ts: &TreeSequence, sites: &[usize]) -> Result<SiteAlleles> {
        let words = ts.num_samples().div_ceil(64);
        let alleles = ts.mutation_alleles();
        let site_muts = ts.site_mutation_index();
        let mut first = Vec::with_capacity(sites.len() + 1);
        first.push(0);
        for &s in sites {
            let last = *first.last().expect("one entry");
            first.push(last + alleles.num_alleles[s] as usize);
        }
        let rows = *first.last().expect("one entry");
        let mut bits =
            crate::memory::try_vec("ld_matrix: the samples of each allele", rows * words, 0u64)?;
        // Each task's sites and its stretch of `bits`.
        let mut tasks: Vec<(&[usize], &mut [u64])> = Vec::new();
        let mut rest: &mut [u64] = &mut bits;
        let per_task = sites.len().div_ceil(MAX_TASKS).max(MIN_SITES_PER_TASK);
        for (t, run) in sites.chunks(per_task).enumerate() {
            let start = t * per_task;
            let len = (first[start + run.len()] - first[start]) * words;
            let (mine, others) = rest.split_at_mut(len);
            tasks.push((run, mine));
            rest = others;
        }
        let samples_total = ts.num_samples();
        tasks.into_par_iter().for_each(|(run, out)| {
            let mut tree = Tree::with_sample_lists(ts);
            let mut offset = 0;
            let mut started = false;
            for &s in run {
                let position = ts.tables.sites.position[s];
                if !started {
                    tree.seek(position).expect("a site lies inside the genome");
                    started = true;
                }
                while tree.interval().1 <= position {
                    tree.next();
                }
                let n_alleles = alleles.num_alleles[s] as usize;
                let site_rows = &mut out[offset..offset + n_alleles * words];
                offset += n_alleles * words;
                fill_all(&mut site_rows[..words], samples_total);
                for m in site_muts[s]..site_muts[s + 1] {
                    let allele = alleles.allele[m] as usize;
                    let parent = ts.tables.mutations.parent[m];
                    let alt = if parent < 0 {
                        0
                    } else {
                        alleles.allele[parent as usize] as usize
                    };
                    let node = ts.tables.mutations.node[m];
                    for i in tree.samples_below(node) {
                        let (w, bit) = (i / 64, 1u64 << (i % 64));
                        site_rows[allele * words + w] |= bit;
                    }
                    for i in tree.samples_below(node) {
                        let (w, bit) = (i / 64, 1u64 << (i % 64));
                        site_rows[alt * words + w] &= !bit;
                    }
                }
            }
        });
        Ok(SiteAlleles { words, first, bits })
    }
}

/// Sets the first `n` bits of `row` (all samples).
fn fill_all(row: &mut [u64], n: usize) {
    for (w, x) in row.iter_mut().enumerate() {
        let lo = w * 64;
        *x = if n >= lo + 64 {
            u64::MAX
        } else if n > lo {
            (1u64 << (n - lo)) - 1
        } else {
            0
        };
    }
}

#[cfg(test)]
mod tests {
    use super::fill_all;

    #[test]
    fn fill_all_sets_the_first_bits() {
        let mut row = [0u64; 3];
        fill_all(&mut row, 70);
        assert_eq!(row, [u64::MAX, 0b11_1111, 0]);
        fill_all(&mut row, 128);
        assert_eq!(row, [u64::MAX, u64::MAX, 0]);
    }
}
