//! Node mode: for every node, its summary times the span over which it held it, per window.

use std::ops::Range;

use super::tree::{
    chunk_rows, current_window, refill, window_boundaries, Evaluator, Lazy, Touched, TreeState,
    Workspace,
};
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
    let Task { d, stat, chunk } = t;
    let gm = cols.len();
    let n = d.num_nodes;
    let windows = stat.windows;
    let mut out = vec![0.0; chunk_rows(chunk) * n * gm];
    let mut st = TreeState::seek(d, stat.weights, chunk, ws);
    let total = (!stat.polarised).then_some(&d.total[..]);
    let mut eval = Evaluator::new(f, cols, total);
    let mut summary = refill(std::mem::take(&mut ws.values), n * gm, 0.0);
    for u in 0..n {
        eval.eval(st.row(u), &mut summary[u * gm..(u + 1) * gm]);
    }
    let mut lazy = Lazy {
        last: refill(std::mem::take(&mut ws.last), n, chunk.start),
        window: current_window(windows, chunk.start),
    };
    let w_first = chunk.w_first;
    let flush = |out: &mut [f64], lazy: &mut Lazy, summary: &[f64], u: usize, pos: f64| {
        if let Some(w) = lazy.window {
            let span = pos - lazy.last[u];
            let dst = &mut out[((w - w_first) * n + u) * gm..][..gm];
            for (o, s) in dst.iter_mut().zip(&summary[u * gm..(u + 1) * gm]) {
                *o += s * span;
            }
        }
        lazy.last[u] = pos;
    };
    let mut touched = Touched::new(n, ws);
    let mut left = chunk.start;
    loop {
        let right = st.tree_right(chunk.end);
        for (b, next) in window_boundaries(windows, left, right) {
            for u in 0..n {
                flush(&mut out, &mut lazy, &summary, u, b);
            }
            lazy.window = next;
        }
        if right >= chunk.end {
            break;
        }
        left = right;
        st.advance(left, |u, _, _| {
            if touched.first(u) {
                flush(&mut out, &mut lazy, &summary, u, left);
            }
        });
        touched.finish(|u| eval.eval(st.row(u), &mut summary[u * gm..(u + 1) * gm]));
    }
    // The rest of the last window the chunk reaches into (a window starting exactly at the
    // chunk's end belongs to the next chunk).
    if lazy.window.is_some_and(|w| w <= chunk.w_last) {
        for u in 0..n {
            flush(&mut out, &mut lazy, &summary, u, chunk.end);
        }
    }
    st.release(ws);
    touched.release(ws);
    ws.values = summary;
    ws.last = lazy.last;
    out
}
