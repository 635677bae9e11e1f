//! Site mode: per site, the summary of each allele's weights, summed into the site's window
//! (and the site-mode allele frequency spectrum).

use std::ops::Range;

use super::chunk_rows;
use super::workspace::{Kept, TreeState, Workspace};
use super::Task;
use crate::memory::fill_few;
use crate::stats::alleles::AlleleStates;
use crate::stats::summaries::{AfsSummary, SummaryFunc};
use crate::walk::sites;
use crate::walk::stored_sum::{PackedCounts, Sums};

/// Site mode: per site, the sum of f over its alleles' weights (the ancestral allele left
/// out when polarised), added to the site's window.
pub(super) fn site_dense(
    t: Task,
    f: &dyn SummaryFunc,
    cols: Range<usize>,
    ws: &mut Workspace,
) -> Vec<f64> {
    let Task { stat, chunk, .. } = t;
    let gm = cols.len();
    let mut out = vec![0.0; chunk_rows(chunk) * gm];
    let (mut site_sum, mut tmp) = (vec![0.0; gm], vec![0.0; gm]);
    for_each_site(t, ws, |row: usize, alleles: &AlleleStates| {
        fill_few(&mut site_sum, 0.0);
        for allele in stat.polarised as usize..alleles.num_alleles {
            f.eval(alleles.row(allele), cols.clone(), &mut tmp);
            for (s, t) in site_sum.iter_mut().zip(&tmp) {
                *s += t;
            }
        }
        for (o, s) in out[row * gm..][..gm].iter_mut().zip(&site_sum) {
            *o += s;
        }
    });
    out
}

/// Site-mode allele frequency spectrum.
pub(super) fn site_afs(t: Task, afs: &AfsSummary, ws: &mut Workspace) -> Vec<f64> {
    let size = afs.size();
    let mut out = vec![0.0; chunk_rows(t.chunk) * size];
    // Unpolarised, each allele counts half: a biallelic site adds 1 to its folded cell.
    let increment = if afs.polarised { 1.0 } else { 0.5 };
    for_each_site(t, ws, |row: usize, alleles: &AlleleStates| {
        for allele in afs.polarised as usize..alleles.num_alleles {
            if let Some(cell) = afs.cell(alleles.row(allele)) {
                out[row * size + cell] += increment;
            }
        }
    });
    out
}

/// Walks the chunk's trees and calls `visit(row, alleles)` for each site in the windows, in
/// order, with the site's allele weights and its window's row in the chunk's output. The
/// tree's weight sums are packed sample counts or f32 where that is exact (see
/// `walk::stored_sum::Sums`).
fn for_each_site(t: Task, ws: &mut Workspace, visit: impl FnMut(usize, &AlleleStates)) {
    let w = t.part.weights;
    if w.counts && PackedCounts::fits(w.num_rows, w.num_cols) {
        walk_sites::<PackedCounts>(t, ws, visit);
    } else if w.small_integers {
        walk_sites::<f32>(t, ws, visit);
    } else {
        walk_sites::<f64>(t, ws, visit);
    }
}

// Never inlined into the dispatcher: each walk is compiled as a function of its own, so that
// how fast it runs does not depend on what else the dispatcher's body holds (an unrelated
// change once made WebAssembly's site walk a third slower by merging it into `run_chunk`).
#[inline(never)]
fn walk_sites<V: Sums + Kept>(
    t: Task,
    ws: &mut Workspace,
    mut visit: impl FnMut(usize, &AlleleStates),
) {
    let Task {
        d,
        stat,
        chunk,
        part,
    } = t;
    let mut st = TreeState::<V>::seek(d, part.weights, chunk, ws);
    let span = (chunk.start, chunk.end);
    let k = part.k();
    sites::for_each_site(
        d,
        &mut st,
        k,
        part.total,
        stat.windows,
        span,
        |w, alleles| visit(w - chunk.w_first, alleles),
    );
    st.release(ws);
}
