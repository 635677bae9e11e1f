//! Site mode: per site, the summary of each allele's weights, summed into the site's window
//! (and the site-mode allele frequency spectrum).

use std::ops::Range;

use super::plan::{Chunk, Data};
use super::tree::{chunk_rows, TreeState, Workspace};
use super::GeneralStat;
use crate::stats::summaries::{AfsSummary, SummaryFunc};

/// The allele states of one site: row 0 the ancestral allele (starting from the total
/// weight), then one row per distinct derived state; each mutation moves its node's weight
/// from its parent mutation's allele (or the ancestral) to its own.
pub(super) struct AlleleStates {
    pub(super) k: usize,
    pub(super) states: Vec<f64>,
    pub(super) num_alleles: usize,
    /// For allele a >= 1, the mutation that introduced it (its derived state is the text).
    pub(super) introduced_by: Vec<usize>,
    /// The allele of each of the site's mutations so far.
    pub(super) mutation_allele: Vec<usize>,
}

impl AlleleStates {
    pub(super) fn new(k: usize) -> Self {
        AlleleStates { k, states: Vec::new(), num_alleles: 0, introduced_by: Vec::new(), mutation_allele: Vec::new() }
    }

    pub(super) fn compute(&mut self, d: &Data, st: &TreeState, site: usize) {
        let k = self.k;
        let muts = d.site_mutations[site]..d.site_mutations[site + 1];
        self.states.clear();
        self.states.resize((muts.len() + 1) * k, 0.0);
        self.states[..k].copy_from_slice(&d.total);
        self.introduced_by.clear();
        self.mutation_allele.clear();
        self.num_alleles = 1;
        let ancestral = d.ancestral_state.row(site);
        for m in muts.clone() {
            let derived = d.derived_state.row(m);
            // Alleles are identified by their text, numbered in order of first appearance.
            let allele = if derived == ancestral {
                0
            } else {
                match self.introduced_by.iter().position(|&i| d.derived_state.row(i) == derived) {
                    Some(a) => a + 1,
                    None => {
                        self.introduced_by.push(m);
                        self.num_alleles += 1;
                        self.num_alleles - 1
                    }
                }
            };
            self.mutation_allele.push(allele);
            // The weight below the mutation leaves its parent mutation's allele (tskit
            // requires the parent to be an earlier mutation of the same site).
            let p = d.mutation_parent[m];
            let parent_allele = if p >= muts.start as i32 && (p as usize) < m {
                self.mutation_allele[p as usize - muts.start]
            } else {
                0
            };
            let xs = st.row(d.mutation_node[m] as usize);
            for (j, &v) in xs.iter().enumerate() {
                self.states[allele * k + j] += v;
                self.states[parent_allele * k + j] -= v;
            }
        }
    }

    pub(super) fn row(&self, a: usize) -> &[f64] {
        &self.states[a * self.k..(a + 1) * self.k]
    }
}

/// Site mode: per site, the sum of f over its alleles' weights (the ancestral allele left
/// out when polarised), added to the site's window.
pub(super) fn site_dense(d: &Data, stat: &GeneralStat, chunk: &Chunk, f: &dyn SummaryFunc, cols: Range<usize>, ws: &mut Workspace) -> Vec<f64> {
    let gm = cols.len();
    let windows = stat.windows;
    let (a, b) = (windows[0], windows[windows.len() - 1]);
    let mut out = vec![0.0; chunk_rows(chunk) * gm];
    let mut st = TreeState::seek(d, stat.weights, chunk, ws, 0, None);
    let mut alleles = AlleleStates::new(d.k);
    let (mut site_sum, mut tmp) = (vec![0.0; gm], vec![0.0; gm]);
    let mut site = d.site_position.partition_point(|&p| p < chunk.start.max(a));
    let mut w = chunk.w_first;
    loop {
        let right = st.tree_right(chunk.end);
        while site < d.site_position.len() && d.site_position[site] < right.min(b) {
            let pos = d.site_position[site];
            while windows[w + 1] <= pos {
                w += 1;
            }
            alleles.compute(d, &st, site);
            site_sum.iter_mut().for_each(|v| *v = 0.0);
            for allele in stat.polarised as usize..alleles.num_alleles {
                f.eval(alleles.row(allele), cols.clone(), &mut tmp);
                for (s, t) in site_sum.iter_mut().zip(&tmp) {
                    *s += t;
                }
            }
            for (o, s) in out[(w - chunk.w_first) * gm..][..gm].iter_mut().zip(&site_sum) {
                *o += s;
            }
            site += 1;
        }
        if right >= chunk.end {
            break;
        }
        st.advance(right, |_, _, _| {});
    }
    st.release(ws);
    out
}

/// Site-mode allele frequency spectrum.
pub(super) fn site_afs(d: &Data, stat: &GeneralStat, chunk: &Chunk, afs: &AfsSummary, ws: &mut Workspace) -> Vec<f64> {
    let size = afs.size();
    let windows = stat.windows;
    let (a, b) = (windows[0], windows[windows.len() - 1]);
    let mut out = vec![0.0; chunk_rows(chunk) * size];
    let mut st = TreeState::seek(d, stat.weights, chunk, ws, 0, None);
    let mut alleles = AlleleStates::new(d.k);
    // Unpolarised, each allele counts half: a biallelic site adds 1 to its folded cell.
    let increment = if afs.polarised { 1.0 } else { 0.5 };
    let mut site = d.site_position.partition_point(|&p| p < chunk.start.max(a));
    let mut w = chunk.w_first;
    loop {
        let right = st.tree_right(chunk.end);
        while site < d.site_position.len() && d.site_position[site] < right.min(b) {
            let pos = d.site_position[site];
            while windows[w + 1] <= pos {
                w += 1;
            }
            alleles.compute(d, &st, site);
            for allele in afs.polarised as usize..alleles.num_alleles {
                if let Some(cell) = afs.cell(alleles.row(allele)) {
                    out[(w - chunk.w_first) * size + cell] += increment;
                }
            }
            site += 1;
        }
        if right >= chunk.end {
            break;
        }
        st.advance(right, |_, _, _| {});
    }
    st.release(ws);
    out
}
