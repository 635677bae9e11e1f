//! Statistics: one general engine (branch, site and node modes over windows), and every
//! statistic as a summary function handed to it.
//!
//! Entry point for the bindings: [`compute`] takes tskit's method name (`"diversity"`,
//! `"Tajimas_D"`, ...) and tskit's keyword arguments as JSON (snake_case, `W` for weights,
//! `sample_sets` flat or nested, `indexes` one tuple or a list, `windows` null, a list,
//! `"trees"` or `"sites"`) and returns the result flattened row-major with tskit's shape.
//! Normalising arguments and dropping dimensions happens here, once, for every backend.

use crate::error::Result;
use crate::treeseq::TreeSequence;

/// A statistic's result: `data` row-major with `shape` exactly as tskit's numpy shape
/// (`[]` for a scalar).
#[derive(Clone, Debug, PartialEq)]
pub struct StatOutput {
    pub data: Vec<f64>,
    pub shape: Vec<usize>,
}

/// Computes tskit's `ts.<method>(**kwargs)`.
pub fn compute(ts: &TreeSequence, method: &str, kwargs: &serde_json::Value) -> Result<StatOutput> {
    let _ = (ts, kwargs);
    crate::bail!(BadParam, "unknown statistic '{method}'")
}
