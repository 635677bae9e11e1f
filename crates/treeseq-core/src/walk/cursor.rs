//! Where a walk along the genome stands in the edge indexes: tskit's `tsk_tree_position_t`.
//!
//! A tree is the set of edges inserted and not yet removed. Edges enter in
//! `edge_insertion_order` (at their left ends) and leave in `edge_removal_order` (at their
//! right ends), so a position in the genome is two counts: how many insertions and how many
//! removals lie behind it. Moving forward to the tree starting at `x` takes the removals at
//! `x`, then the insertions at `x`; moving backward across `x` (to the tree ending at `x`)
//! takes back the insertions at `x` (the insertion index read backwards), then the removals
//! at `x` (the removal index read backwards). Every walk in the crate steps this way, one
//! edge at a time, so that what it does per edge (a path to the root, a flush, a relink)
//! stays its own.
//!
//! The events are [`EdgeEvent`] records (position, parent, child), read in sequence: a step
//! reads the next few records rather than following edge ids into four columns.

use crate::treeseq::{EdgeEvent, TreeSequence};

/// A position among the edge events: `insertions[..inserted]` have entered and
/// `removals[..removed]` have left, so the current tree holds `inserted - removed` edges.
#[derive(Clone, Copy)]
pub(crate) struct EdgeCursor<'a> {
    /// Edge insertions in `edge_insertion_order`, at each edge's left end.
    pub(crate) insertions: &'a [EdgeEvent],
    /// Edge removals in `edge_removal_order`, at each edge's right end.
    pub(crate) removals: &'a [EdgeEvent],
    inserted: usize,
    removed: usize,
}

impl<'a> EdgeCursor<'a> {
    /// Before any edge: the null tree, ready to move forward to the first tree.
    pub(crate) fn start(ts: &'a TreeSequence) -> EdgeCursor<'a> {
        let events = ts.edge_events();
        EdgeCursor {
            insertions: &events.insertions,
            removals: &events.removals,
            inserted: 0,
            removed: 0,
        }
    }

    /// At the tree starting at `pos` (a tree boundary): every edge with left <= pos has
    /// entered and every edge with right <= pos has left.
    pub(crate) fn at(insertions: &'a [EdgeEvent], removals: &'a [EdgeEvent], pos: f64) -> Self {
        EdgeCursor {
            insertions,
            removals,
            inserted: insertions.partition_point(|ev| ev.position <= pos),
            removed: removals.partition_point(|ev| ev.position <= pos),
        }
    }

    /// Past every edge: the null tree, ready to move backward to the last tree.
    pub(crate) fn end(self) -> Self {
        EdgeCursor {
            inserted: self.insertions.len(),
            removed: self.removals.len(),
            ..self
        }
    }

    /// The same events, before any edge.
    pub(crate) fn rewound(self) -> Self {
        EdgeCursor {
            inserted: 0,
            removed: 0,
            ..self
        }
    }

    /// How many insertions and how many removals lie behind the cursor.
    #[inline]
    pub(crate) fn behind(&self) -> (usize, usize) {
        (self.inserted, self.removed)
    }

    /// Edges in the current tree.
    #[inline]
    pub(crate) fn num_edges(&self) -> usize {
        self.inserted - self.removed
    }

    /// Right end of the current tree (moving forward), capped at `end`: the next insertion
    /// or removal.
    #[inline]
    pub(crate) fn tree_right(&self, end: f64) -> f64 {
        let mut r = end;
        if let Some(ev) = self.insertions.get(self.inserted) {
            r = r.min(ev.position);
        }
        if let Some(ev) = self.removals.get(self.removed) {
            r = r.min(ev.position);
        }
        r
    }

    /// Moving forward to the tree starting at `x`: the next edge leaving there (its index
    /// in `edge_removal_order`), if any. All removals at `x` come before any insertion.
    #[inline(always)]
    pub(crate) fn next_out(&mut self, x: f64) -> Option<usize> {
        let i = self.removed;
        if self.removals.get(i).is_some_and(|ev| ev.position == x) {
            self.removed += 1;
            Some(i)
        } else {
            None
        }
    }

    /// Moving forward to the tree starting at `x`: the next edge entering there (its index
    /// in `edge_insertion_order`), if any.
    #[inline(always)]
    pub(crate) fn next_in(&mut self, x: f64) -> Option<usize> {
        let i = self.inserted;
        if self.insertions.get(i).is_some_and(|ev| ev.position == x) {
            self.inserted += 1;
            Some(i)
        } else {
            None
        }
    }

    /// Moving backward across `x` (to the tree ending there): the next edge leaving, one
    /// that entered at `x` (its index in `edge_insertion_order`, read backwards), if any.
    #[inline(always)]
    pub(crate) fn prev_out(&mut self, x: f64) -> Option<usize> {
        let i = self.inserted.checked_sub(1)?;
        if self.insertions[i].position == x {
            self.inserted = i;
            Some(i)
        } else {
            None
        }
    }

    /// Moving backward across `x`: the next edge entering, one that left at `x` (its index
    /// in `edge_removal_order`, read backwards), if any.
    #[inline(always)]
    pub(crate) fn prev_in(&mut self, x: f64) -> Option<usize> {
        let i = self.removed.checked_sub(1)?;
        if self.removals[i].position == x {
            self.removed = i;
            Some(i)
        } else {
            None
        }
    }

    /// The removal `ahead` events past the next one, if any (for prefetching).
    #[inline(always)]
    pub(crate) fn removal_ahead(&self, ahead: usize) -> Option<&EdgeEvent> {
        self.removals.get(self.removed + ahead)
    }

    /// The insertion `ahead` events past the next one, if any (for prefetching).
    #[inline(always)]
    pub(crate) fn insertion_ahead(&self, ahead: usize) -> Option<&EdgeEvent> {
        self.insertions.get(self.inserted + ahead)
    }
}
