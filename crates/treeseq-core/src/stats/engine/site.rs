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
/// out when polarised), added to the site's window; one output per piece of the run.
pub(super) fn site_dense(
    t: Task,
    f: &dyn SummaryFunc,
    cols: Range<usize>,
    ws: &mut Workspace,
) -> Vec<Vec<f64>> {
    let Task { stat, run, .. } = t;
    let gm = cols.len();
    let mut outs: Vec<Vec<f64>> = run.iter().map(|c| vec![0.0; chunk_rows(c) * gm]).collect();
    let (mut site_sum, mut tmp) = (vec![0.0; gm], vec![0.0; gm]);
    for_each_site(t, ws, |piece: usize, row: usize, alleles: &AlleleStates| {
        fill_few(&mut site_sum, 0.0);
        for allele in stat.polarised as usize..alleles.num_alleles {
            f.eval(alleles.row(allele), cols.clone(), &mut tmp);
            for (s, t) in site_sum.iter_mut().zip(&tmp) {
                *s += t;
            }
        }
        for (o, s) in outs[piece][row * gm..][..gm].iter_mut().zip(&site_sum) {
            *o += s;
        }
    });
    outs
}

/// Site records (see `engine::record_sites`): per piece, each of its sites' window, the
/// number of alleles `site_dense` would evaluate f at, and their weights.
pub(super) fn site_record(t: Task, ws: &mut Workspace) -> Vec<Vec<f64>> {
    let (run, first) = (t.run, t.stat.polarised as usize);
    let mut outs: Vec<Vec<f64>> = vec![Vec::new(); run.len()];
    for_each_site(t, ws, |piece: usize, row: usize, alleles: &AlleleStates| {
        let out = &mut outs[piece];
        out.push((run[piece].w_first + row) as f64);
        out.push(alleles.num_alleles.saturating_sub(first) as f64);
        for allele in first..alleles.num_alleles {
            out.extend_from_slice(alleles.row(allele));
        }
    });
    outs
}

/// Site-mode allele frequency spectrum.
pub(super) fn site_afs(t: Task, afs: &AfsSummary, ws: &mut Workspace) -> Vec<Vec<f64>> {
    let size = afs.size();
    let mut outs: Vec<Vec<f64>> = t
        .run
        .iter()
        .map(|c| vec![0.0; chunk_rows(c) * size])
        .collect();
    // Unpolarised, each allele counts half: a biallelic site adds 1 to its folded cell.
    let increment = if afs.polarised { 1.0 } else { 0.5 };
    for_each_site(t, ws, |piece: usize, row: usize, alleles: &AlleleStates| {
        for allele in afs.polarised as usize..alleles.num_alleles {
            if let Some(cell) = afs.cell(alleles.row(allele)) {
                outs[piece][row * size + cell] += increment;
            }
        }
    });
    outs
}

/// Walks the run's trees and calls `visit(piece, row, alleles)` for each site in the windows,
/// in order, with the site's allele weights, the piece of the run it is in and its window's
/// row in that piece's output. The tree's weight sums are packed sample counts or f32 where
/// that is exact (see `walk::stored_sum::Sums`).
fn for_each_site(t: Task, ws: &mut Workspace, visit: impl FnMut(usize, usize, &AlleleStates)) {
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
    mut visit: impl FnMut(usize, usize, &AlleleStates),
) {
    let Task {
        d,
        stat,
        run,
        chunk,
        part,
    } = t;
    let mut st = TreeState::<V>::seek(d, part.weights, chunk, ws);
    let k = part.k();
    for (i, piece) in run.iter().enumerate() {
        if i > 0 {
            // Into the piece's first tree, which a seek would have built: the weight sums
            // are exact (see `engine::continuable`), so the same bits.
            st.advance(piece.start, |_, _, _| {});
        }
        sites::for_each_site(
            d,
            &mut st,
            k,
            part.total,
            stat.windows,
            (piece.start, piece.end),
            |w, alleles| visit(i, w - piece.w_first, alleles),
        );
    }
    st.release(ws);
}
