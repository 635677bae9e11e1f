//! A validated, immutable tree sequence: tables plus what is derived from them once.

use crate::tables::TableCollection;

pub struct TreeSequence {
    pub tables: TableCollection,
    /// Sample node ids in increasing id order (tskit's `samples()`).
    pub samples: Vec<i32>,
    /// Tree boundaries: 0, every distinct edge left/right, and the sequence length.
    pub breakpoints: Vec<f64>,
}

impl TreeSequence {
    pub fn num_trees(&self) -> usize {
        self.breakpoints.len() - 1
    }
}
