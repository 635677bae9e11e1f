//! treeseq-core: the pure-Rust heart of treeseq.
//!
//! What it is for: reading and writing tskit's `.trees` files (a kastore container), holding
//! the tables with zero-copy columns, validating them as tskit does, walking trees, and
//! computing tskit's statistics in parallel with rayon.
//!
//! What it is not: a binding. It knows nothing of JavaScript, Node-API or WebAssembly; the
//! crates `treeseq-node` and `treeseq-wasm` convert arguments and results, nothing more.
//! All multi-byte data is little-endian on disk and the core assumes a little-endian host
//! (x86-64, aarch64 and wasm32 all are).

pub mod access;
pub mod args;
pub mod column;
pub mod error;
pub mod format;
pub mod handles;
pub mod kastore;
pub mod kc_distance;
pub mod memory;
pub mod metadata;
pub mod parallel;
pub(crate) mod portable_math;
pub mod stats;
pub mod tables;
#[cfg(test)]
mod test_util;
pub mod tree;
pub mod treeseq;
pub mod validate;
pub mod variants;
pub(crate) mod walk;

pub use column::{AlignedBytes, Column, Offsets, Ragged};
pub use error::{ErrorCode, Result, TreeSeqError};
pub use tables::TableCollection;
pub use tree::Tree;
pub use treeseq::TreeSequence;
pub use variants::{genotype_matrix, Variant, VariantOptions, Variants};
