//! What a node adds to a sum over branches or nodes: its summary (with the complement's when
//! unpolarised), and its branch's length in each time window.

use std::ops::Range;

use crate::stats::summaries::SummaryFunc;

/// Evaluates a dense summary, adding f(total - x) when unpolarised (branch and node modes).
pub(super) struct Evaluator<'a> {
    pub(super) f: &'a dyn SummaryFunc,
    pub(super) cols: Range<usize>,
    pub(super) total: Option<&'a [f64]>,
    pub(super) complement: Vec<f64>,
    pub(super) tmp: Vec<f64>,
}

impl<'a> Evaluator<'a> {
    pub(super) fn new(
        f: &'a dyn SummaryFunc,
        cols: Range<usize>,
        total: Option<&'a [f64]>,
    ) -> Self {
        let m = cols.len();
        let k = total.map_or(0, <[f64]>::len);
        Evaluator {
            f,
            cols,
            total,
            complement: vec![0.0; k],
            tmp: vec![0.0; m],
        }
    }

    #[inline]
    pub(super) fn eval(&mut self, x: &[f64], out: &mut [f64]) {
        match self.total {
            None => self.f.eval(x, self.cols.clone(), out),
            Some(total) => self.f.eval_unpolarised(
                x,
                total,
                self.cols.clone(),
                out,
                &mut self.complement,
                &mut self.tmp,
            ),
        }
    }
}

/// The length of the branch from a node at time `tu` to its parent at `tp` inside each time
/// window (all of it when there are no time windows).
#[inline]
pub(crate) fn branch_in_time_windows(
    tu: f64,
    tp: f64,
    time_windows: Option<&[f64]>,
    out: &mut [f64],
) {
    match time_windows {
        None => out[0] = tp - tu,
        Some(tw) => {
            for (t, o) in out.iter_mut().enumerate() {
                let len = tp.min(tw[t + 1]) - tu.max(tw[t]);
                *o = if len > 0.0 { len } else { 0.0 };
            }
        }
    }
}
