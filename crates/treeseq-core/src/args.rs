//! Integers that come from JavaScript: node ids, tree and site indexes, counts, shapes.
//!
//! What it is for: both bindings receive every integer as an f64 (a JavaScript number, or a
//! JSON number) and hand it here, so that it is checked once, at full width, the same way on
//! both backends. A 32-bit parameter in the glue would instead truncate silently (WebAssembly
//! and Node-API both take `2^32 + 1` as `1`). A value that is not an integer, is negative
//! where a count is wanted, or lies beyond 2^53 (where f64 stops holding every integer) is a
//! `BAD_PARAM` that names the argument.
//!
//! What it is not: range checks against a tree sequence (is this a node? a site?): those
//! stay with the code that knows the ranges, and see the full-width value.

use serde_json::Value;

use crate::bail;
use crate::error::Result;

/// 2^53: the largest integer below which every integer is an f64 (JavaScript's
/// `Number.MAX_SAFE_INTEGER` is 2^53 - 1).
pub const MAX_EXACT: f64 = 9_007_199_254_740_992.0;

/// `x` as an integer, or `BAD_PARAM` naming `what` when it is not one (fractional, NaN,
/// infinite, or beyond ±2^53).
pub fn integer(what: &str, x: f64) -> Result<i64> {
    if !x.is_finite() || x.fract() != 0.0 {
        bail!(BadParam, "{what} must be an integer, got {x}");
    }
    if x.abs() > MAX_EXACT {
        bail!(
            BadParam,
            "{what} = {x} is beyond 2^53, the largest integer a JavaScript number holds exactly"
        );
    }
    Ok(x as i64)
}

/// `x` as a count or size (a non-negative integer up to 2^53).
pub fn count(what: &str, x: f64) -> Result<u64> {
    let i = integer(what, x)?;
    if i < 0 {
        bail!(BadParam, "{what} must not be negative, got {i}");
    }
    Ok(i as u64)
}

/// `x` as an id held in 32 bits (node, site): an integer, and `BAD_PARAM` "out of bounds"
/// when it does not fit an i32 (no table has that many rows). Whether it is in the table is
/// for the caller to check.
pub fn id32(what: &str, x: f64) -> Result<i32> {
    let i = integer(what, x)?;
    match i32::try_from(i) {
        Ok(v) => Ok(v),
        Err(_) => bail!(BadParam, "{what} {i} is out of bounds (ids are below 2^31)"),
    }
}

/// Two node ids (`mrca(u, v)`, `tmrca(u, v)`), each as [`id32`], named `{what}: u` and
/// `{what}: v`.
pub fn node_pair(what: &str, u: f64, v: f64) -> Result<(i32, i32)> {
    Ok((
        id32(&format!("{what}: node u"), u)?,
        id32(&format!("{what}: node v"), v)?,
    ))
}

/// `x` as a count that indexes this address space ([`count`], then [`to_usize`]): the thread
/// and task counts both bindings receive.
pub fn size(what: &str, x: f64) -> Result<usize> {
    to_usize(what, count(what, x)?)
}

/// A JSON number as an integer (an integral float counts, as numpy arrays serialise them);
/// None when it is not a number at all. Errors as [`integer`] when it is a number but not an
/// integer within 2^53.
pub fn json_integer(what: &str, v: &Value) -> Result<Option<i64>> {
    let Value::Number(n) = v else { return Ok(None) };
    if let Some(i) = n.as_i64() {
        if i.unsigned_abs() > 1u64 << 53 {
            bail!(
                BadParam,
                "{what} = {i} is beyond 2^53, the largest integer a JavaScript number holds exactly"
            );
        }
        return Ok(Some(i));
    }
    if let Some(u) = n.as_u64() {
        bail!(
            BadParam,
            "{what} = {u} is beyond 2^53, the largest integer a JavaScript number holds exactly"
        );
    }
    integer(what, n.as_f64().unwrap_or(f64::NAN)).map(Some)
}

/// A JSON number as a count (non-negative integer within 2^53); `BAD_PARAM` otherwise,
/// including when it is not a number.
pub fn json_count(what: &str, v: &Value) -> Result<u64> {
    match json_integer(what, v)? {
        Some(i) if i >= 0 => Ok(i as u64),
        Some(i) => bail!(BadParam, "{what} must not be negative, got {i}"),
        None => bail!(BadParam, "{what} must be a non-negative integer, got {v}"),
    }
}

/// A count as a `usize` (for indexing in this address space): on wasm32 a count beyond 2^32
/// cannot index anything here and is refused rather than truncated.
pub fn to_usize(what: &str, n: u64) -> Result<usize> {
    match usize::try_from(n) {
        Ok(u) => Ok(u),
        Err(_) => bail!(
            OutputTooLarge,
            "{what} = {n} is larger than this backend's address space ({}-bit)",
            usize::BITS
        ),
    }
}

/// What a JSON value is, for messages ("got a string").
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn integers_checked_at_full_width() {
        assert_eq!(integer("x", 3.0).unwrap(), 3);
        assert_eq!(integer("x", -4.0).unwrap(), -4);
        assert_eq!(integer("x", MAX_EXACT).unwrap(), 1i64 << 53);
        assert_eq!(count("x", 4294967297.0).unwrap(), (1u64 << 32) + 1);
        for bad in [
            1.5,
            f64::NAN,
            f64::INFINITY,
            -f64::INFINITY,
            2.0 * MAX_EXACT,
        ] {
            let e = integer("seek index", bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::BadParam);
            assert!(e.message.starts_with("seek index"), "{}", e.message);
        }
        assert_eq!(count("n", -1.0).unwrap_err().code, ErrorCode::BadParam);
        // 2^32 + 1 is not node 1.
        let e = id32("u", 4294967297.0).unwrap_err();
        assert!(e.message.contains("4294967297"), "{}", e.message);
        assert_eq!(id32("u", -1.0).unwrap(), -1);
    }

    #[test]
    fn json_integers() {
        let v: Value = serde_json::from_str(
            "[3, 3.0, 3.5, 9007199254740993, -2, \"a\", 1e300, 18446744073709551615]",
        )
        .unwrap();
        let a = v.as_array().unwrap();
        assert_eq!(json_integer("a", &a[0]).unwrap(), Some(3));
        assert_eq!(json_integer("a", &a[1]).unwrap(), Some(3));
        assert!(json_integer("a", &a[2]).is_err());
        assert!(json_integer("a", &a[3]).is_err());
        assert_eq!(json_integer("a", &a[4]).unwrap(), Some(-2));
        assert_eq!(json_integer("a", &a[5]).unwrap(), None);
        assert!(json_integer("a", &a[6]).is_err());
        assert!(json_integer("a", &a[7]).is_err());
        assert!(json_count("a", &a[4]).is_err());
        assert!(json_count("a", &a[5]).is_err());
        assert_eq!(json_count("a", &a[0]).unwrap(), 3);
    }
}
