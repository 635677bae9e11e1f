//! Lazily flushed walks (node mode; the same scheme as the branch-mode spectrum): a node's
//! value times the span since its last flush is added only when the node is touched, at
//! window boundaries and at the chunk's end.

use super::workspace::{refill, Touched, TreeState, Workspace};
use crate::walk::windows::{current_window, window_boundaries};

/// What a lazily flushed walk sums (node mode and the branch-mode spectrum): per node, a
/// value that stays constant between the positions where the node is touched.
pub(super) trait LazySums {
    /// Adds node u's value (u has parent p) times `span` to the chunk's output row `row` (the
    /// window's index less the chunk's first window).
    fn add(&mut self, u: usize, p: i32, row: usize, span: f64);
    /// Recomputes node u's value after a transition touched it.
    fn refresh(&mut self, st: &TreeState<f64>, u: usize);
}

/// Walks a chunk's trees from its start, summing lazily: every node's value is computed on
/// the first tree; then a node's value times the span since its last flush is added when the
/// node is touched, and for every node at each window boundary and at the chunk's end.
pub(super) fn walk_lazily(t: super::Task, ws: &mut Workspace, sums: &mut impl LazySums) {
    let (n, windows, chunk) = (t.d.num_nodes, t.stat.windows, t.chunk);
    let mut st = TreeState::<f64>::seek(t.d, t.part.weights, chunk, ws);
    for u in 0..n {
        sums.refresh(&st, u);
    }
    // Where each node was last flushed, and the current window (None outside the windows).
    let mut last = refill(std::mem::take(&mut ws.last), n, chunk.start);
    let mut window = current_window(windows, chunk.start);
    let w_first = chunk.w_first;
    let flush = |sums: &mut _, last: &mut [f64], window: Option<usize>, (u, p, pos)| {
        if let Some(w) = window {
            LazySums::add(sums, u, p, w - w_first, pos - last[u]);
        }
        last[u] = pos;
    };
    let mut touched = Touched::new(n, ws);
    let mut left = chunk.start;
    loop {
        let right = st.tree_right(chunk.end);
        for (b, next) in window_boundaries(windows, left, right) {
            for u in 0..n {
                flush(sums, &mut last, window, (u, st.parent[u], b));
            }
            window = next;
        }
        if right >= chunk.end {
            break;
        }
        left = right;
        st.advance(left, |u, p, _| {
            if touched.first(u) {
                flush(sums, &mut last, window, (u, p, left));
            }
        });
        touched.finish(|u| sums.refresh(&st, u));
    }
    // The rest of the last window the chunk reaches into (a window starting exactly at the
    // chunk's end belongs to the next chunk).
    if window.is_some_and(|w| w <= chunk.w_last) {
        for u in 0..n {
            flush(sums, &mut last, window, (u, st.parent[u], chunk.end));
        }
    }
    touched.release(ws);
    st.release(ws);
    ws.last = last;
}
