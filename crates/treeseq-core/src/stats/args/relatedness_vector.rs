//! The arguments of `genetic_relatedness_vector` (`W`, `windows`, `mode`, `span_normalise`,
//! `centre`, `nodes`) and of `pca`, which is built on it (`num_components`, `windows`,
//! `samples`, `individuals`, `time_windows`, `mode`, `centre`, `num_iterations`,
//! `num_oversamples`, `random_seed`, `range_sketch`), with tskit 1.0.3's defaults and
//! refusals.

use serde_json::Value;

use super::{parse_bool, parse_mode, parse_number, parse_weights, parse_windows, Kwargs, Mode};
use super::{ArrayRef, Windows};
use crate::args::kind;
use crate::bail;
use crate::error::Result;
use crate::stats::registry::Method;
use crate::stats::weights::WeightMatrix;
use crate::treeseq::TreeSequence;

/// A parsed `genetic_relatedness_vector` call.
pub struct VectorArgs {
    pub weights: WeightMatrix,
    pub windows: Windows,
    pub span_normalise: bool,
    pub centre: bool,
    /// The focal nodes (None: the samples).
    pub nodes: Option<Vec<i32>>,
}

/// Reads a `genetic_relatedness_vector` call. tskit's default mode, "site", and "node" are
/// refused as tskit's library refuses them; `nodes` needs `centre=False`; `W` may be one
/// column given as a flat list (tskit reshapes it).
pub fn parse_relatedness_vector(
    ts: &TreeSequence,
    row: &Method,
    kw: &Kwargs,
) -> Result<VectorArgs> {
    let method = row.tskit;
    let arrays = kw.arrays();
    let weights = match kw.get("W") {
        Some(Value::Array(items)) if items.iter().all(Value::is_number) && !items.is_empty() => {
            let column: Vec<Value> = items
                .iter()
                .map(|x| Value::Array(vec![x.clone()]))
                .collect();
            parse_weights(ts, method, Some(&Value::Array(column)), arrays)?
        }
        other => parse_weights(ts, method, other, arrays)?,
    };
    let centre = parse_bool(method, "centre", kw.get("centre"), true)?;
    let nodes = match kw.get("nodes") {
        None => None,
        Some(v) => {
            if centre {
                bail!(
                    BadParam,
                    "{method}: if `nodes` is provided, must have centre=False"
                );
            }
            Some(node_ids(ts, method, "nodes", v, kw)?)
        }
    };
    let windows = parse_windows(ts, method, kw.get("windows"), arrays)?;
    let mode = parse_mode(method, kw.get("mode"))?;
    only_branch(method, mode)?;
    let span_normalise = parse_bool(method, "span_normalise", kw.get("span_normalise"), true)?;
    Ok(VectorArgs {
        weights,
        windows,
        span_normalise,
        centre,
        nodes,
    })
}

/// tskit's library computes the relatedness vector in branch mode only.
fn only_branch(method: &str, mode: Mode) -> Result<()> {
    if mode != Mode::Branch {
        bail!(
            BadParam,
            "{method}: unsupported statistic mode \"{}\" (tskit computes the relatedness vector in branch mode only)",
            mode.as_str()
        );
    }
    Ok(())
}

/// A list of node ids (JSON integers or an `$i32` placeholder), each in range.
fn node_ids(
    ts: &TreeSequence,
    method: &str,
    what: &str,
    v: &Value,
    kw: &Kwargs,
) -> Result<Vec<i32>> {
    let ids = int_list(method, what, v, kw)?;
    let n = ts.num_nodes() as i64;
    let mut out = Vec::with_capacity(ids.len());
    for (i, &u) in ids.iter().enumerate() {
        if u < 0 || u >= n {
            bail!(BadParam, "{method}: {what}[{i}] = {u} is not a node id (node out of bounds: the tree sequence has {n} nodes)");
        }
        out.push(u as i32);
    }
    Ok(out)
}

/// A list of integers: JSON (integral numbers) or an `$i32` placeholder.
fn int_list(method: &str, what: &str, v: &Value, kw: &Kwargs) -> Result<Vec<i64>> {
    match kw.arrays().resolve(method, v)? {
        Some(ArrayRef::I32(ids)) => return Ok(ids.iter().map(|&u| u as i64).collect()),
        Some(ArrayRef::F64(xs)) => {
            let mut out = Vec::with_capacity(xs.len());
            for (i, &x) in xs.iter().enumerate() {
                out.push(crate::args::integer(&format!("{method}: {what}[{i}]"), x)?);
            }
            return Ok(out);
        }
        None => {}
    }
    let Value::Array(items) = v else {
        bail!(
            BadParam,
            "{method}: {what} must be a list of integers, got {}",
            kind(v)
        );
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, x) in items.iter().enumerate() {
        let w = format!("{method}: {what}[{i}]");
        match crate::args::json_integer(&w, x)? {
            Some(u) => out.push(u),
            None => bail!(BadParam, "{w} must be an integer, got {}", kind(x)),
        }
    }
    Ok(out)
}

/// Whose relatedness `pca` decomposes.
pub enum PcaIndices {
    /// Sample nodes (by node id).
    Samples(Vec<i32>),
    /// Individuals (by id), each the average of its nodes.
    Individuals(Vec<i32>),
}

/// A parsed `pca` call.
pub struct PcaArgs {
    pub num_components: usize,
    pub windows: Windows,
    pub indices: PcaIndices,
    /// The one time window `[lo, hi)`, if given.
    pub time_window: Option<(f64, f64)>,
    pub centre: bool,
    pub num_iterations: usize,
    pub num_oversamples: Option<usize>,
    pub random_seed: Option<u64>,
    /// The starting sketch, `[windows][dim][vectors]` row-major, and its shape as given.
    pub range_sketch: Option<(Vec<f64>, Vec<usize>)>,
}

/// Reads a `pca` call: tskit's defaults (all samples, mode "branch", `centre`, 5
/// iterations) and the refusals of tskit's Python (what its numpy steps would fail on is
/// refused here by name).
pub fn parse_pca(ts: &TreeSequence, row: &Method, kw: &Kwargs) -> Result<PcaArgs> {
    let method = row.tskit;
    let count = |key: &str| -> Result<Option<u64>> {
        kw.get(key)
            .map(|v| crate::args::json_count(&format!("{method}: {key}"), v))
            .transpose()
    };
    let Some(num_components) = count("num_components")? else {
        bail!(
            BadParam,
            "{method}: missing required argument num_components"
        );
    };
    let num_iterations = match kw.get("num_iterations") {
        None => 5,
        Some(v) => match crate::args::json_integer(&format!("{method}: num_iterations"), v) {
            Ok(Some(i)) if i >= 1 => i as u64,
            _ => bail!(
                BadParam,
                "{method}: num_iterations should be a positive integer"
            ),
        },
    };
    let indices = match (kw.get("samples"), kw.get("individuals")) {
        (Some(_), Some(_)) => {
            bail!(
                BadParam,
                "{method}: samples and individuals cannot be used at the same time"
            )
        }
        (Some(s), None) => PcaIndices::Samples(node_ids(ts, method, "samples", s, kw)?),
        (None, Some(i)) => {
            let ids = int_list(method, "individuals", i, kw)?;
            let n = ts.num_individuals() as i64;
            let mut out = Vec::with_capacity(ids.len());
            for (j, &u) in ids.iter().enumerate() {
                if u < 0 || u >= n {
                    bail!(BadParam, "{method}: individuals[{j}] = {u} is out of bounds (the tree sequence has {n} individuals)");
                }
                out.push(u as i32);
            }
            PcaIndices::Individuals(out)
        }
        (None, None) => PcaIndices::Samples(ts.samples.to_vec()),
    };
    let time_window = match kw.get("time_windows") {
        None => None,
        Some(v) => {
            let items = match (kw.arrays().resolve(method, v)?, v) {
                (Some(ArrayRef::F64(xs)), _) => Some(xs.to_vec()),
                (Some(ArrayRef::I32(xs)), _) => Some(xs.iter().map(|&x| x as f64).collect()),
                (None, Value::Array(items)) => {
                    items.iter().map(parse_number).collect::<Option<Vec<f64>>>()
                }
                _ => None,
            };
            match items.as_deref() {
                Some(&[lo, hi]) if lo < hi && lo >= 0.0 => Some((lo, hi)),
                Some(&[_, _]) => bail!(BadParam, "{method}: time_windows must be one interval [lo, hi] with 0 <= lo < hi (the second argument should be larger)"),
                _ => bail!(BadParam, "{method}: time_windows must be None or a single interval [lo, hi]"),
            }
        }
    };
    let windows = parse_windows(ts, method, kw.get("windows"), kw.arrays())?;
    let mode = match kw.get("mode") {
        None => Mode::Branch,
        v => parse_mode(method, v)?,
    };
    only_branch(method, mode)?;
    let centre = parse_bool(method, "centre", kw.get("centre"), true)?;
    let num_oversamples = count("num_oversamples")?;
    let random_seed = count("random_seed")?;
    let range_sketch = match kw.get("range_sketch") {
        None => None,
        Some(v) => Some(nd_array(method, "range_sketch", v, kw)?),
    };
    if num_oversamples.is_some() && range_sketch.is_some() {
        bail!(
            BadParam,
            "{method}: cannot specify both num_oversamples and range_sketch"
        );
    }
    let size = |what: &str, n: u64| crate::args::to_usize(&format!("{method}: {what}"), n);
    Ok(PcaArgs {
        num_components: size("num_components", num_components)?,
        windows,
        indices,
        time_window,
        centre,
        num_iterations: size("num_iterations", num_iterations)?,
        num_oversamples: num_oversamples
            .map(|n| size("num_oversamples", n))
            .transpose()?,
        random_seed,
        range_sketch,
    })
}

/// An n-dimensional array of numbers as `{data, shape}` (data a list or an `$f64`
/// placeholder), checked against its shape.
fn nd_array(method: &str, what: &str, v: &Value, kw: &Kwargs) -> Result<(Vec<f64>, Vec<usize>)> {
    let Value::Object(m) = v else {
        bail!(
            BadParam,
            "{method}: {what} must be {{data, shape}}, got {}",
            kind(v)
        );
    };
    let Some(Value::Array(dims)) = m.get("shape") else {
        bail!(BadParam, "{method}: {what}.shape must be a list of sizes");
    };
    let mut shape = Vec::with_capacity(dims.len());
    for (i, d) in dims.iter().enumerate() {
        let what = format!("{method}: {what}.shape[{i}]");
        shape.push(crate::args::to_usize(
            &what,
            crate::args::json_count(&what, d)?,
        )?);
    }
    let given = m.get("data").unwrap_or(&Value::Null);
    let data: Vec<f64> = match kw.arrays().resolve(method, given)? {
        Some(ArrayRef::F64(d)) => d.to_vec(),
        Some(ArrayRef::I32(d)) => d.iter().map(|&x| x as f64).collect(),
        None => match given {
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, x) in items.iter().enumerate() {
                    match parse_number(x) {
                        Some(f) => out.push(f),
                        None => bail!(
                            BadParam,
                            "{method}: {what}.data[{i}] must be a number, got {}",
                            kind(x)
                        ),
                    }
                }
                out
            }
            other => bail!(
                BadParam,
                "{method}: {what}.data must be a list of numbers, got {}",
                kind(other)
            ),
        },
    };
    let expected = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
    if expected != Some(data.len()) {
        bail!(
            BadParam,
            "{method}: {what}.data has {} values but {what}.shape is {shape:?}",
            data.len()
        );
    }
    Ok((data, shape))
}
