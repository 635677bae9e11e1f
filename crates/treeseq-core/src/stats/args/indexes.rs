//! `indexes`: the tuples of sets (or weight columns) a k-way statistic combines.

use serde_json::Value;

use super::parse_id;
use crate::args::kind;
use crate::bail;
use crate::error::Result;

/// Index tuples into the sample sets (or into the weight columns): `dropped` is true when a
/// single tuple was given (not a list of tuples), in which case tskit drops the output axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Indexes {
    pub tuples: Vec<Vec<usize>>,
    pub dropped: bool,
}

/// Parses `indexes` for a `k`-way statistic over `num_sets` sets (or weight columns).
/// One tuple gives `dropped`; absent or null gives None (the caller applies tskit's default,
/// [`default_indexes`]).
pub fn parse_indexes(
    method: &str,
    v: Option<&Value>,
    k: usize,
    num_sets: usize,
) -> Result<Option<Indexes>> {
    let Some(v) = v else { return Ok(None) };
    let bad_shape = || -> Result<Option<Indexes>> {
        bail!(
            BadParam,
            "{method}: indexes must be a {k}-tuple or a list of {k}-tuples of sample set indexes"
        )
    };
    let Value::Array(items) = v else {
        return bad_shape();
    };
    let single = !items.is_empty() && items.iter().all(|x| !x.is_array());
    let rows: Vec<&Value> = if single {
        vec![v]
    } else {
        items.iter().collect()
    };
    if rows.is_empty() {
        return bad_shape();
    }
    let mut tuples = Vec::with_capacity(rows.len());
    for (r, row) in rows.iter().enumerate() {
        let Value::Array(xs) = row else {
            return bad_shape();
        };
        if xs.len() != k {
            bail!(
                BadParam,
                "{method}: indexes[{r}] has {} elements; indexes must be {k}-tuples",
                xs.len()
            );
        }
        let mut t = Vec::with_capacity(k);
        for (e, x) in xs.iter().enumerate() {
            let Some(i) = parse_id(|| format!("{method}: indexes[{r}][{e}]"), x)? else {
                bail!(
                    BadParam,
                    "{method}: indexes[{r}] must hold integers, got {}",
                    kind(x)
                );
            };
            if i < 0 || i >= num_sets as i64 {
                bail!(BadSampleSets, "{method}: sample set index {i} in indexes[{r}] is out of bounds (there are {num_sets} sets)");
            }
            t.push(i as usize);
        }
        tuples.push(t);
    }
    Ok(Some(Indexes {
        tuples,
        dropped: single,
    }))
}

/// tskit's default when no indexes are given: exactly `k` sets are required, and the one
/// tuple (0, 1, ..., k-1) is used with its axis dropped.
pub fn default_indexes(method: &str, k: usize, num_sets: usize, what: &str) -> Result<Indexes> {
    if num_sets != k {
        bail!(
            BadParam,
            "{method}: must specify indexes if there are not exactly {k} {what} (got {num_sets})"
        );
    }
    Ok(Indexes {
        tuples: vec![(0..k).collect()],
        dropped: true,
    })
}
