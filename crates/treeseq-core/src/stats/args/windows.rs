//! `windows` along the genome and `time_windows` back in time.

use serde_json::Value;

use super::parse_numbers;
use super::wire::{ArrayRef, Arrays};
use crate::args::kind;
use crate::bail;
use crate::error::{ErrorCode, Result};
use crate::treeseq::TreeSequence;

/// Genome windows: `breaks` has at least two strictly increasing positions inside `[0, L]`.
/// `given` is false when the caller passed no windows, in which case the window axis is
/// dropped from the output.
#[derive(Clone, Debug, PartialEq)]
pub struct Windows {
    pub breaks: Vec<f64>,
    pub given: bool,
}

impl Windows {
    pub fn num_windows(&self) -> usize {
        self.breaks.len() - 1
    }
}

/// Parses `windows`: null (one window over the whole genome, axis dropped), a list of
/// breakpoints, `"trees"` (the tree breakpoints) or `"sites"` (one window per site, as
/// tskit builds it). Explicit windows must be strictly increasing inside `[0, L]`; unlike
/// tskit they need not start at 0 or end at L (the result then covers just these windows).
pub fn parse_windows(
    ts: &TreeSequence,
    method: &str,
    v: Option<&Value>,
    arrays: Arrays,
) -> Result<Windows> {
    let l = ts.sequence_length();
    let Some(v) = v else {
        return Ok(Windows {
            breaks: vec![0.0, l],
            given: false,
        });
    };
    let breaks = match (arrays.resolve(method, v)?, v) {
        (Some(ArrayRef::F64(b)), _) => b.to_vec(),
        (Some(ArrayRef::I32(b)), _) => b.iter().map(|&x| x as f64).collect(),
        (None, v) => parse_window_json(ts, method, v)?,
    };
    check_windows(method, &breaks, l)?;
    Ok(Windows {
        breaks,
        given: true,
    })
}

fn parse_window_json(ts: &TreeSequence, method: &str, v: &Value) -> Result<Vec<f64>> {
    let l = ts.sequence_length();
    let breaks = match v {
        Value::String(s) if s == "trees" => ts.breakpoints.clone(),
        Value::String(s) if s == "sites" => {
            // tskit: 0, then every site position but the first, then L.
            let pos = &ts.tables.sites.position;
            let mut b = Vec::with_capacity(pos.len() + 1);
            b.push(0.0);
            b.extend(pos.iter().skip(1).copied());
            b.push(l);
            b
        }
        Value::String(s) => bail!(BadWindows, "{method}: unrecognised window specification '{s}' (the only allowed strings are \"sites\" and \"trees\")"),
        Value::Array(items) => {
            let mut b = Vec::with_capacity(items.len());
            for (i, x) in items.iter().enumerate() {
                match x {
                    Value::Number(n) => b.push(n.as_f64().unwrap_or(f64::NAN)),
                    other => bail!(BadWindows, "{method}: windows[{i}] must be a number, got {}", kind(other)),
                }
            }
            b
        }
        other => bail!(BadWindows, "{method}: windows must be a list of positions, \"trees\" or \"sites\", got {}", kind(other)),
    };
    Ok(breaks)
}

/// Window breakpoints must number at least two, be finite, strictly increasing and inside
/// `[0, sequence_length]`.
pub fn check_windows(method: &str, breaks: &[f64], sequence_length: f64) -> Result<()> {
    if breaks.len() < 2 {
        bail!(
            BadWindows,
            "{method}: windows must have at least 2 elements (got {})",
            breaks.len()
        );
    }
    for (i, &b) in breaks.iter().enumerate() {
        if !b.is_finite() || b < 0.0 || b > sequence_length {
            bail!(
                BadWindows,
                "{method}: windows[{i}] = {b} is outside [0, {sequence_length}]"
            );
        }
        if i > 0 && breaks[i - 1] >= b {
            bail!(BadWindows, "{method}: windows must be strictly increasing (windows[{}] = {} >= windows[{i}] = {b})", i - 1, breaks[i - 1]);
        }
    }
    Ok(())
}

/// Parses `time_windows`: null (None), or a list of times starting at 0 and strictly
/// increasing, as tskit requires; the last may be infinite (`"inf"` in JSON).
pub fn parse_time_windows(
    method: &str,
    v: Option<&Value>,
    arrays: Arrays,
) -> Result<Option<Vec<f64>>> {
    let Some(v) = v else { return Ok(None) };
    let t = parse_numbers(
        method,
        "time_windows",
        "times",
        ErrorCode::BadWindows,
        v,
        arrays,
    )?;
    if t.len() < 2 {
        bail!(
            BadWindows,
            "{method}: time_windows must have at least 2 elements (got {})",
            t.len()
        );
    }
    if t[0] != 0.0 {
        bail!(
            BadWindows,
            "{method}: time_windows must start at zero (time_windows[0] = {})",
            t[0]
        );
    }
    for i in 1..t.len() {
        if t[i].is_nan() || t[i - 1] >= t[i] {
            bail!(BadWindows, "{method}: time_windows must be strictly increasing (time_windows[{}] = {} >= time_windows[{i}] = {})", i - 1, t[i - 1], t[i]);
        }
    }
    Ok(Some(t))
}

/// Time breakpoints as the pair coalescence statistics take them (numpy's `digitize` bins):
/// at least `min_len` numbers (`"inf"` spells infinity), never decreasing, none NaN; unlike
/// [`parse_time_windows`] they need not start at 0. A node at time t falls in window i when
/// `breaks[i] <= t < breaks[i + 1]` ([`time_window_of`]).
pub fn parse_time_breakpoints(
    method: &str,
    v: &Value,
    arrays: Arrays,
    min_len: usize,
) -> Result<Vec<f64>> {
    let t = parse_numbers(
        method,
        "time_windows",
        "times",
        ErrorCode::BadWindows,
        v,
        arrays,
    )?;
    if t.len() < min_len {
        bail!(
            BadWindows,
            "{method}: time_windows must have at least {min_len} elements (got {})",
            t.len()
        );
    }
    for (i, &x) in t.iter().enumerate() {
        if x.is_nan() || (i > 0 && t[i - 1] > x) {
            bail!(
                BadWindows,
                "{method}: time_windows must be increasing (time_windows[{i}] = {x})"
            );
        }
    }
    Ok(t)
}

/// The time window of time `t` among `breaks` (see [`parse_time_breakpoints`]), None when it
/// is before the first breakpoint or at or after the last (numpy's `digitize`, less one).
pub fn time_window_of(breaks: &[f64], t: f64) -> Option<usize> {
    let i = breaks.partition_point(|&b| b <= t);
    (i >= 1 && i < breaks.len()).then(|| i - 1)
}
