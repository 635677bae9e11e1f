//! Owned tree and variant handles (`TreeCursor`, `VariantCursor`: the JavaScript API's
//! cursors), for embedders that cannot hold a borrow (the Node and WASM bindings hand these to
//! JavaScript, which keeps them as long as it likes). Not the walk's edge cursor
//! (`walk::cursor`), which these move through a [`Tree`].
//!
//! Each cursor owns an `Arc` of its tree sequence, so the tree sequence outlives the cursor
//! even when JavaScript disposes of it first. The per-node arrays (`parent`, `left_child`, ...)
//! and a small `state` block are allocated once and updated in place as the cursor moves, so
//! JavaScript can keep typed-array views of them and read nodes without calling back in.

use std::sync::Arc;

use crate::error::Result;
use crate::tree::Tree;
use crate::treeseq::TreeSequence;
use crate::variants::{VariantOptions, Variants};

/// Where each field of [`TreeCursor::state`] is.
pub mod tree_state {
    pub const INDEX: usize = 0;
    pub const LEFT: usize = 1;
    pub const RIGHT: usize = 2;
    pub const TOTAL_BRANCH_LENGTH: usize = 3;
    pub const SITES_START: usize = 4;
    pub const SITES_END: usize = 5;
    pub const NUM_EDGES: usize = 6;
    pub const LEN: usize = 8;
}

/// The tree arrays a cursor exposes, by name, in this order.
pub const TREE_ARRAYS: [&str; 8] = [
    "parent",
    "left_child",
    "right_child",
    "left_sib",
    "right_sib",
    "num_children",
    "num_samples",
    "edge",
];

pub struct TreeCursor {
    // Declared before `ts`, so dropped before the tree sequence it borrows.
    tree: Tree<'static>,
    state: Box<[f64; tree_state::LEN]>,
    ts: Arc<TreeSequence>,
}

impl TreeCursor {
    pub fn new(ts: Arc<TreeSequence>) -> TreeCursor {
        // SAFETY: the tree borrows the TreeSequence inside `ts`'s allocation, which does not
        // move and lives until this cursor (which owns the Arc) is dropped; the tree is
        // dropped first (field order) and never handed out with the 'static lifetime.
        let ts_ref: &'static TreeSequence = unsafe { &*Arc::as_ptr(&ts) };
        let mut c = TreeCursor {
            tree: Tree::new(ts_ref),
            state: Box::new([0.0; tree_state::LEN]),
            ts,
        };
        c.sync();
        c
    }

    pub fn tree(&self) -> &Tree<'_> {
        &self.tree
    }

    pub fn tree_sequence(&self) -> &Arc<TreeSequence> {
        &self.ts
    }

    fn sync(&mut self) {
        let t = &self.tree;
        let (left, right) = t.interval();
        let s = &mut *self.state;
        s[tree_state::INDEX] = t.index() as f64;
        s[tree_state::LEFT] = left;
        s[tree_state::RIGHT] = right;
        s[tree_state::TOTAL_BRANCH_LENGTH] = t.total_branch_length();
        s[tree_state::SITES_START] = t.sites().start as f64;
        s[tree_state::SITES_END] = t.sites().end as f64;
        s[tree_state::NUM_EDGES] = t.num_edges() as f64;
    }

    /// Moves: "first", "last", "next", "prev". Returns false (and the null tree) past either end.
    pub fn step(&mut self, how: &str) -> Result<bool> {
        let moved = match how {
            "first" => self.tree.first(),
            "last" => self.tree.last(),
            "next" => self.tree.next(),
            "prev" => self.tree.prev(),
            other => crate::bail!(BadParam, "unknown tree move '{other}'"),
        };
        self.sync();
        Ok(moved)
    }

    pub fn seek(&mut self, position: f64) -> Result<()> {
        let r = self.tree.seek(position);
        self.sync();
        r
    }

    pub fn seek_index(&mut self, index: i64) -> Result<()> {
        if index < 0 {
            crate::bail!(BadParam, "tree index {index} is negative");
        }
        // Full width: on wasm32 an index of 2^32 must not wrap to tree 0.
        let r = match usize::try_from(index) {
            Ok(i) => self.tree.seek_index(i),
            Err(_) => Err(crate::TreeSeqError::new(
                crate::ErrorCode::BadParam,
                format!(
                    "seek_index: tree index {index} is out of range (there are {} trees)",
                    self.tree.num_trees()
                ),
            )),
        };
        self.sync();
        r
    }

    /// `[index, left, right, total_branch_length, sites_start, sites_end, num_edges, 0]`.
    pub fn state(&self) -> &[f64] {
        &self.state[..]
    }

    /// The named per-node array (see [`TREE_ARRAYS`]): length `num_nodes + 1`, the last entry
    /// being tskit's virtual root.
    pub fn array(&self, name: &str) -> Option<&[i32]> {
        let t = &self.tree;
        Some(match name {
            "parent" => t.parent_array(),
            "left_child" => t.left_child_array(),
            "right_child" => t.right_child_array(),
            "left_sib" => t.left_sib_array(),
            "right_sib" => t.right_sib_array(),
            "num_children" => t.num_children_array(),
            "num_samples" => t.num_samples_array(),
            "edge" => t.edge_array(),
            _ => return None,
        })
    }
}

/// Where each field of [`VariantCursor::state`] is.
pub mod variant_state {
    pub const SITE: usize = 0;
    pub const POSITION: usize = 1;
    pub const NUM_ALLELES: usize = 2;
    pub const HAS_MISSING_DATA: usize = 3;
    pub const LEN: usize = 4;
}

pub struct VariantCursor {
    // Declared before `ts`, as in TreeCursor.
    variants: Variants<'static>,
    state: Box<[f64; variant_state::LEN]>,
    ts: Arc<TreeSequence>,
}

impl VariantCursor {
    pub fn new(ts: Arc<TreeSequence>) -> VariantCursor {
        Self::with_options(ts, &VariantOptions::default()).expect("the default options are valid")
    }

    /// A cursor with tskit's `variants()` options (see [`Variants::with_options`]).
    pub fn with_options(ts: Arc<TreeSequence>, options: &VariantOptions) -> Result<VariantCursor> {
        // SAFETY: as in TreeCursor::new.
        let ts_ref: &'static TreeSequence = unsafe { &*Arc::as_ptr(&ts) };
        let mut c = VariantCursor {
            variants: Variants::with_options(ts_ref, options)?,
            state: Box::new([0.0; variant_state::LEN]),
            ts,
        };
        c.sync();
        Ok(c)
    }

    /// As [`VariantCursor::with_options`], the options given as JSON (tskit's keys).
    pub fn with_options_json(ts: Arc<TreeSequence>, options_json: &str) -> Result<VariantCursor> {
        Self::with_options(
            ts,
            &VariantOptions::from_json_text("variants", options_json)?,
        )
    }

    fn sync(&mut self) {
        let v = &self.variants;
        let s = &mut *self.state;
        s[variant_state::SITE] = v.site() as f64;
        s[variant_state::POSITION] = v.position();
        s[variant_state::NUM_ALLELES] = v.alleles().len() as f64;
        s[variant_state::HAS_MISSING_DATA] = if v.has_missing_data() { 1.0 } else { 0.0 };
    }

    /// `[site, position, num_alleles, has_missing_data]` of the current site.
    pub fn state(&self) -> &[f64] {
        &self.state[..]
    }

    pub fn tree_sequence(&self) -> &Arc<TreeSequence> {
        &self.ts
    }

    /// Decodes the next site; false after the last. (Named as the JavaScript cursors' method,
    /// not an iterator: each call reuses the decoded site's buffers.)
    #[allow(
        clippy::should_implement_trait,
        reason = "the JavaScript cursors' name"
    )]
    pub fn next(&mut self) -> bool {
        let more = self.variants.decode_next();
        self.sync();
        more
    }

    pub fn decode(&mut self, site: i32) -> Result<()> {
        let r = self.variants.decode(site);
        self.sync();
        r
    }

    pub fn site(&self) -> i32 {
        self.variants.site()
    }

    pub fn position(&self) -> f64 {
        self.variants.position()
    }

    /// Genotypes of the current site, indexed like `samples`; the buffer never moves.
    pub fn genotypes(&self) -> &[i32] {
        self.variants.genotypes()
    }

    /// The current site's alleles as a JSON array of strings, with `null` last when some
    /// sample is missing data (tskit's `None`).
    pub fn alleles_json(&self) -> String {
        let mut v: Vec<serde_json::Value> = self
            .variants
            .alleles()
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned().into())
            .collect();
        if self.variants.has_missing_data() {
            v.push(serde_json::Value::Null);
        }
        serde_json::Value::Array(v).to_string()
    }
}
