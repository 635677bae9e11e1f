//! Site mode: per window, the sum over sites of a summary function for all outputs at
//! once, in one traversal.

use super::{chunk_windows, run_chunks, walk_sites};
use crate::memory::fill_few;
use crate::stats::chunks::{plan_chunks, Cost};
use crate::stats::summaries::SummaryFunc;
use crate::stats::weights::WeightMatrix;
use crate::treeseq::TreeSequence;
use crate::walk::table_view::TableView;

/// Per window, the sum over sites of `f` over the site's alleles (allele 0 left out when
/// `polarised`), exactly the general statistic's site mode, in one traversal.
pub(super) fn site_sums(
    ts: &TreeSequence,
    weights: &WeightMatrix,
    f: &dyn SummaryFunc,
    polarised: bool,
    windows: &[f64],
) -> Vec<f64> {
    let g = TableView::new(ts);
    let m = f.output_dim();
    let chunks = plan_chunks(&g, windows, Cost::PathWalk, None);
    run_chunks(windows, &chunks, m, |chunk| {
        let rows = chunk_windows(windows, chunk);
        let mut out = vec![0.0; rows.len() * m];
        let (mut site_sum, mut tmp) = (vec![0.0; m], vec![0.0; m]);
        walk_sites(&g, weights, windows, chunk, |w, alleles| {
            fill_few(&mut site_sum, 0.0);
            for a in polarised as usize..alleles.num_alleles {
                f.eval(alleles.row(a), 0..m, &mut tmp);
                for (s, t) in site_sum.iter_mut().zip(&tmp) {
                    *s += t;
                }
            }
            for (o, s) in out[(w - rows.start) * m..][..m].iter_mut().zip(&site_sum) {
                *o += s;
            }
        });
        out
    })
}
