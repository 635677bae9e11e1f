//! The site walk: every site of a stretch of the genome, in order, with the allele weights
//! of the tree it sits on. Shared by the general engine's site mode and the many-pairs and
//! matrix site sums.

use super::stored_sum::Sums;
use super::table_view::TableView;
use super::tree_state::TreeState;
use crate::stats::alleles::AlleleStates;

/// Walks the trees of `[start, end)` from `st` (the tree at `start`) and calls
/// `visit(window, alleles)` for each site inside the windows (`[windows[0], windows[last])`),
/// in order, with its window's index and the site's allele weights (`k` columns; `total`,
/// the weights' column sums, is the ancestral allele's before mutations).
// Always inlined: each caller is a function of its own, monomorphised per stored sum, as the
// walk was before it was shared (see the engine's `site::walk_sites`).
#[inline(always)]
pub(crate) fn for_each_site<V: Sums>(
    view: &TableView,
    st: &mut TreeState<V>,
    k: usize,
    total: &[f64],
    windows: &[f64],
    (start, end): (f64, f64),
    mut visit: impl FnMut(usize, &AlleleStates),
) {
    let (a, b) = (windows[0], windows[windows.len() - 1]);
    let mut alleles = AlleleStates::new(k);
    // Taken once per walk: it reaches the per-site indexes through their `OnceLock`s.
    let muts = view.site_muts();
    let positions = view.site_position;
    let mut site = positions.partition_point(|&p| p < start.max(a));
    let mut w = windows
        .partition_point(|&x| x <= start.max(a))
        .saturating_sub(1);
    loop {
        let right = st.tree_right(end);
        while site < positions.len() && positions[site] < right.min(b) {
            let pos = positions[site];
            while windows[w + 1] <= pos {
                w += 1;
            }
            alleles.compute(muts, |u| st.row(u), total, site);
            visit(w, &alleles);
            site += 1;
        }
        // Past the chunk, or past the last window (no site is left to visit).
        if right >= end || right >= b {
            break;
        }
        st.advance(right, |_, _, _| {});
    }
}
