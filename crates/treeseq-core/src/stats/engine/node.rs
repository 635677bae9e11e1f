//! Node mode: for every node, its summary times the span over which it held it, per window.

use std::ops::Range;

use super::chunk_rows;
use super::evaluator::Evaluator;
use super::lazy::{walk_lazily, LazySums};
use super::workspace::{refill, TreeState, Workspace};
use super::Task;
use crate::stats::summaries::SummaryFunc;

/// Node mode: output per window and node, f(node) times the span it held that value.
#[inline(never)] // (see `site::walk_sites`)
pub(super) fn node_dense(
    t: Task,
    f: &dyn SummaryFunc,
    cols: Range<usize>,
    ws: &mut Workspace,
) -> Vec<f64> {
    let Task {
        d,
        stat,
        chunk,
        part,
        ..
    } = t;
    let gm = cols.len();
    let n = d.num_nodes;
    let total = (!stat.polarised).then_some(part.total);
    let mut sums = NodeSums {
        out: vec![0.0; chunk_rows(chunk) * n * gm],
        summary: refill(std::mem::take(&mut ws.values), n * gm, 0.0),
        eval: Evaluator::new(f, cols, total),
        n,
        gm,
    };
    walk_lazily(t, ws, &mut sums);
    ws.values = sums.summary;
    sums.out
}

/// Each node's summary, and the chunk's output `[row][node][output]`.
struct NodeSums<'a> {
    out: Vec<f64>,
    summary: Vec<f64>,
    eval: Evaluator<'a>,
    n: usize,
    gm: usize,
}

impl LazySums for NodeSums<'_> {
    #[inline(always)]
    fn add(&mut self, u: usize, _: i32, row: usize, span: f64) {
        let gm = self.gm;
        let dst = &mut self.out[(row * self.n + u) * gm..][..gm];
        for (o, s) in dst.iter_mut().zip(&self.summary[u * gm..(u + 1) * gm]) {
            *o += s * span;
        }
    }

    #[inline(always)]
    fn refresh(&mut self, st: &TreeState<f64>, u: usize) {
        let gm = self.gm;
        self.eval
            .eval(st.row(u), &mut self.summary[u * gm..(u + 1) * gm]);
    }
}
