//! The walk along the genome that every tree and every statistic shares.
//!
//! What it holds:
//! - [`cursor`]: [`EdgeCursor`](cursor::EdgeCursor), where a walk stands in the edge indexes
//!   (tskit's `tsk_tree_position_t`): the edges leaving and entering at the next tree
//!   boundary, forwards or backwards. The public [`Tree`](crate::Tree), the general engine,
//!   the many-pairs path, the matrices, the node statistics and the branch-mode spectrum all
//!   step with it.
//! - [`table_view`]: [`TableView`](table_view::TableView), the table columns a walk reads,
//!   taken once as slices, and the seek to a chunk's first tree (its covering edges, its
//!   parents and subtree sums).
//! - [`tree_state`]: [`TreeState`](tree_state::TreeState), parents and per-node weight
//!   sums moved edge by edge (the path-to-root update, once).
//! - [`sites`]: the site walk (every site in the windows, with its allele weights).
//! - [`windows`]: the windows a tree overlaps ([`WindowCursor`](windows::WindowCursor)) and
//!   the window boundaries a stretch crosses.
//! - [`stored_sum`]: how per-node sums of weights are stored (f64, exact f32, packed counts).
//!
//! Two walks keep per-node states of their own, for stated reasons, and step with the same
//! cursor: the branch moments (`stats::pairs::moments`, `QuadState`: path sums of branch
//! length times features, taken in the same pass as the update) and the branch-mode spectrum
//! (`stats::afs_branch`: tskit's flush order, reproduced on purpose).
//!
//! What it is not: what a walk sums (the statistics, in `stats`), nor how the genome is cut
//! into chunks (the planners).

pub(crate) mod cursor;
pub(crate) mod sites;
pub(crate) mod stored_sum;
pub(crate) mod table_view;
pub(crate) mod tree_state;
pub(crate) mod windows;
