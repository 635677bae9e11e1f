//! Genome windows met along a walk: the windows a tree overlaps, and the window boundaries
//! a stretch of the genome crosses. Windows are given as their breakpoints (strictly
//! increasing).

/// Walks the windows along with the trees: each tree adds to the windows it overlaps.
pub(crate) struct WindowCursor {
    w: usize,
}

impl WindowCursor {
    /// Positioned at the window containing `pos` (the first window if `pos` is before it).
    pub fn new(windows: &[f64], pos: f64) -> WindowCursor {
        WindowCursor {
            w: windows.partition_point(|&x| x <= pos).saturating_sub(1),
        }
    }

    /// Positioned at window `w`.
    pub fn at(w: usize) -> WindowCursor {
        WindowCursor { w }
    }

    /// Whether the cursor is past the last window.
    #[inline]
    pub fn exhausted(&self, windows: &[f64]) -> bool {
        self.w >= windows.len() - 1
    }

    /// Calls `f(window, overlap)` for each window that `[left, right)` overlaps, leaving the
    /// cursor at the last of them. Returns false once the windows are exhausted.
    #[inline]
    pub fn each(
        &mut self,
        windows: &[f64],
        left: f64,
        right: f64,
        mut f: impl FnMut(usize, f64),
    ) -> bool {
        let nw = windows.len() - 1;
        while self.w < nw && windows[self.w] < right {
            let overlap = right.min(windows[self.w + 1]) - left.max(windows[self.w]);
            if overlap > 0.0 {
                f(self.w, overlap);
            }
            if windows[self.w + 1] <= right {
                self.w += 1;
            } else {
                break;
            }
        }
        self.w < nw
    }
}

/// Window boundaries in (left, right], in order, with the window that starts at each
/// (None past the last window).
pub(crate) fn window_boundaries(
    windows: &[f64],
    left: f64,
    right: f64,
) -> impl Iterator<Item = (f64, Option<usize>)> + '_ {
    let nw = windows.len() - 1;
    let i = windows.partition_point(|&w| w <= left);
    windows[i..]
        .iter()
        .take_while(move |&&w| w <= right)
        .enumerate()
        .map(move |(j, &w)| {
            let idx = i + j;
            (w, (idx < nw).then_some(idx))
        })
}

pub(crate) fn current_window(windows: &[f64], pos: f64) -> Option<usize> {
    let i = windows.partition_point(|&w| w <= pos);
    (i >= 1 && i < windows.len()).then(|| i - 1)
}
