//! `W` (and `trait_linear_model`'s `Z`): a matrix with one row per sample, as rows or as
//! `{data, shape}`.

use serde_json::{Map, Value};

use super::parse_number;
use super::wire::{ArrayRef, Arrays};
use crate::args::kind;
use crate::bail;
use crate::error::Result;
use crate::stats::weights::WeightMatrix;
use crate::treeseq::TreeSequence;

/// Parses the weight matrix `W`: a list of rows (one per sample, all the same length), or
/// `{"data": [...], "shape": [num_samples, k]}` row-major.
pub fn parse_weights(
    ts: &TreeSequence,
    method: &str,
    v: Option<&Value>,
    arrays: Arrays,
) -> Result<WeightMatrix> {
    let Some(v) = v else {
        bail!(
            BadParam,
            "{method}: missing required argument W (a matrix with one row per sample)"
        );
    };
    let w = parse_matrix(ts, method, "W", v, arrays)?;
    if w.num_cols == 0 {
        bail!(BadParam, "{method}: W must have at least one column");
    }
    Ok(w)
}

/// Parses a matrix with one row per sample named `key` (`W`, or `trait_linear_model`'s
/// covariates `Z`), in either form `W` takes; it may have no columns.
pub fn parse_matrix(
    ts: &TreeSequence,
    method: &str,
    key: &str,
    v: &Value,
    arrays: Arrays,
) -> Result<WeightMatrix> {
    let n = ts.num_samples();
    let w = match v {
        Value::Array(rows) => from_rows(method, key, rows)?,
        Value::Object(m) => from_data_and_shape(method, key, m, n, arrays)?,
        other => bail!(
            BadParam,
            "{method}: {key} must be a matrix (list of rows or {{data, shape}}), got {}",
            kind(other)
        ),
    };
    if w.num_rows != n {
        bail!(
            BadParam,
            "{method}: first dimension of {key} ({}) must equal the number of samples ({n})",
            w.num_rows
        );
    }
    Ok(w)
}

/// `W` as a list of rows, all as long as the first.
fn from_rows(method: &str, key: &str, rows: &[Value]) -> Result<WeightMatrix> {
    if rows.iter().any(|r| !r.is_array()) {
        bail!(
            BadParam,
            "{method}: {key} must be a 2-D matrix (a list of rows, one per sample)"
        );
    }
    let num_cols = rows.first().and_then(Value::as_array).map_or(0, Vec::len);
    let mut data = Vec::with_capacity(rows.len() * num_cols);
    for (i, r) in rows.iter().enumerate() {
        let r = r.as_array().expect("checked above");
        if r.len() != num_cols {
            bail!(
                BadParam,
                "{method}: {key} row {i} has {} columns but row 0 has {num_cols}",
                r.len()
            );
        }
        for (j, x) in r.iter().enumerate() {
            data.push(number(x, || format!("{method}: {key}[{i}][{j}]"))?);
        }
    }
    Ok(WeightMatrix {
        data,
        num_rows: rows.len(),
        num_cols,
        small_integers: false,
        counts: false,
        packed_rows: None,
    })
}

/// `W` as `{data, shape}`: the shape checked first (its rows against the samples), then the
/// data against it.
fn from_data_and_shape(
    method: &str,
    key: &str,
    m: &Map<String, Value>,
    n: usize,
    arrays: Arrays,
) -> Result<WeightMatrix> {
    let shape = shape(method, key, m)?;
    if shape[0] != n as u64 {
        bail!(
            BadParam,
            "{method}: first dimension of {key} ({}) must equal the number of samples ({n})",
            shape[0]
        );
    }
    let data = data(method, key, m.get("data").unwrap_or(&Value::Null), arrays)?;
    if shape[0].checked_mul(shape[1]) != Some(data.len() as u64) {
        bail!(
            BadParam,
            "{method}: {key}.data has {} values but {key}.shape is {:?}",
            data.len(),
            shape
        );
    }
    // Both fit a usize now: their product is data's length, or the first is 0 (no samples),
    // which is refused by the caller as having no weights to sum.
    Ok(WeightMatrix {
        data,
        num_rows: shape[0] as usize,
        num_cols: crate::args::to_usize(&format!("{method}: {key}.shape[1]"), shape[1])?,
        small_integers: false,
        counts: false,
        packed_rows: None,
    })
}

/// `W.shape` at full width (u64), never truncated to this backend's usize: on wasm32 a shape
/// of [n, 2^32 + 1] must not read as [n, 1].
fn shape(method: &str, key: &str, m: &Map<String, Value>) -> Result<[u64; 2]> {
    match m.get("shape").and_then(Value::as_array) {
        Some(s) if s.len() == 2 => {
            let dim =
                |i: usize| crate::args::json_count(&format!("{method}: {key}.shape[{i}]"), &s[i]);
            Ok([dim(0)?, dim(1)?])
        }
        _ => bail!(BadParam, "{method}: {key}.shape must be [num_samples, k]"),
    }
}

/// `W.data`: a placeholder for the arrays beside the JSON, or a list of numbers.
fn data(method: &str, key: &str, given: &Value, arrays: Arrays) -> Result<Vec<f64>> {
    Ok(match arrays.resolve(method, given)? {
        Some(ArrayRef::F64(d)) => d.to_vec(),
        Some(ArrayRef::I32(d)) => d.iter().map(|&x| x as f64).collect(),
        None => {
            let Some(items) = given.as_array() else {
                bail!(BadParam, "{method}: {key}.data must be a list of numbers");
            };
            let mut data = Vec::with_capacity(items.len());
            for (i, x) in items.iter().enumerate() {
                data.push(number(x, || format!("{method}: {key}.data[{i}]"))?);
            }
            data
        }
    })
}

/// One weight: a number (or a spelling of infinity), or `BAD_PARAM` naming it (`what`).
fn number(x: &Value, what: impl FnOnce() -> String) -> Result<f64> {
    match parse_number(x) {
        Some(f) => Ok(f),
        None => bail!(BadParam, "{} must be a number, got {}", what(), kind(x)),
    }
}
