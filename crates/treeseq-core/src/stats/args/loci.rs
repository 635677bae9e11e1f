//! `sites` and `positions`: the rows and columns of a two-locus matrix (`ld_matrix`), as
//! tskit reads them: a list of one list (the same loci for rows and columns, a square
//! matrix) or of two (rows, then columns), each strictly increasing and inside the tree
//! sequence.

use serde_json::Value;

use super::wire::{ArrayRef, Arrays};
use super::{parse_id, parse_number};
use crate::args::kind;
use crate::bail;
use crate::error::Result;
use crate::treeseq::TreeSequence;

/// The loci of a two-locus matrix's rows and of its columns.
#[derive(Clone, Debug, PartialEq)]
pub struct Loci<T> {
    pub rows: Vec<T>,
    pub cols: Vec<T>,
}

impl<T: PartialEq> Loci<T> {
    /// Whether rows and columns are the same loci (the matrix is square and, for a
    /// symmetric statistic, symmetric).
    pub fn is_square(&self) -> bool {
        self.rows == self.cols
    }
}

/// The one or two lists of `v` (tskit: "a list of lists"), each as JSON or a placeholder.
fn outer_lists<'v>(method: &str, what: &str, v: &'v Value, arrays: Arrays) -> Result<&'v [Value]> {
    let Value::Array(lists) = v else {
        bail!(
            BadParam,
            "{method}: {what} must be a list of lists (rows and columns), got {}",
            kind(v)
        );
    };
    if lists.iter().any(|x| !arrays.is_list(x)) {
        bail!(
            BadParam,
            "{method}: {what} must be a list of lists, tuples, or arrays (`[all]` or `[rows, cols]`)"
        );
    }
    if lists.len() != 1 && lists.len() != 2 {
        bail!(
            BadParam,
            "{method}: {what} must be a length 1 or 2 list, got a length {} list",
            lists.len()
        );
    }
    Ok(lists)
}

/// `sites`: site ids for the rows and columns; absent or null gives every site for both.
/// Refused as tskit refuses them: ids outside the site table, not strictly increasing, or
/// repeated.
pub fn parse_sites(
    ts: &TreeSequence,
    method: &str,
    v: Option<&Value>,
    arrays: Arrays,
) -> Result<Loci<usize>> {
    let num_sites = ts.num_sites();
    let Some(v) = v else {
        let all: Vec<usize> = (0..num_sites).collect();
        return Ok(Loci {
            rows: all.clone(),
            cols: all,
        });
    };
    let lists = outer_lists(method, "sites", v, arrays)?;
    let mut parsed = Vec::with_capacity(2);
    for (l, list) in lists.iter().enumerate() {
        let ids: Vec<i64> = match arrays.resolve(method, list)? {
            Some(ArrayRef::I32(xs)) => xs.iter().map(|&x| x as i64).collect(),
            Some(ArrayRef::F64(_)) => {
                bail!(
                    BadParam,
                    "{method}: sites[{l}] must hold site ids (integers)"
                )
            }
            None => {
                let Value::Array(items) = list else {
                    unreachable!("outer_lists checked it is a list")
                };
                items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| {
                        parse_id(|| format!("{method}: sites[{l}][{i}]"), x)?.ok_or_else(|| {
                            crate::error::TreeSeqError::new(
                                crate::error::ErrorCode::BadParam,
                                format!(
                                    "{method}: sites[{l}][{i}] must be a site id, got {}",
                                    kind(x)
                                ),
                            )
                        })
                    })
                    .collect::<Result<_>>()?
            }
        };
        parsed.push(check_sites(method, l, &ids, num_sites)?);
    }
    let cols = parsed.pop().expect("one list at least");
    let rows = parsed.pop().unwrap_or_else(|| cols.clone());
    Ok(Loci { rows, cols })
}

/// tskit's `check_sites`, in its order: each id in bounds, each greater than the one before.
fn check_sites(method: &str, l: usize, ids: &[i64], num_sites: usize) -> Result<Vec<usize>> {
    for (i, &s) in ids.iter().enumerate() {
        if s < 0 || s >= num_sites as i64 {
            bail!(BadParam, "{method}: site {s} in sites[{l}][{i}] is out of bounds (there are {num_sites} sites)");
        }
        if let Some(&next) = ids.get(i + 1) {
            if s > next {
                bail!(BadParam, "{method}: sites[{l}] is not sorted in strictly increasing order ({s} before {next})");
            }
            if s == next {
                bail!(
                    BadParam,
                    "{method}: sites[{l}] contains site {s} twice (duplicated sites)"
                );
            }
        }
    }
    Ok(ids.iter().map(|&s| s as usize).collect())
}

/// `positions`: genome positions for the rows and columns (branch mode), each in
/// `[0, sequence_length)`, strictly increasing. Absent or null gives None (the caller's
/// default: the left ends of the trees).
pub fn parse_positions(
    ts: &TreeSequence,
    method: &str,
    v: Option<&Value>,
    arrays: Arrays,
) -> Result<Option<Loci<f64>>> {
    let Some(v) = v else { return Ok(None) };
    let lists = outer_lists(method, "positions", v, arrays)?;
    let length = ts.sequence_length();
    let mut parsed = Vec::with_capacity(2);
    for (l, list) in lists.iter().enumerate() {
        let xs: Vec<f64> = match arrays.resolve(method, list)? {
            Some(ArrayRef::F64(xs)) => xs.to_vec(),
            Some(ArrayRef::I32(xs)) => xs.iter().map(|&x| x as f64).collect(),
            None => {
                let Value::Array(items) = list else {
                    unreachable!("outer_lists checked it is a list")
                };
                let mut out = Vec::with_capacity(items.len());
                for (i, x) in items.iter().enumerate() {
                    let Some(p) = parse_number(x) else {
                        bail!(
                            BadParam,
                            "{method}: positions[{l}][{i}] must be a number, got {}",
                            kind(x)
                        );
                    };
                    out.push(p);
                }
                out
            }
        };
        for (i, &p) in xs.iter().enumerate() {
            // `!(a && b)` refuses NaN too.
            if !(p >= 0.0 && p < length) {
                bail!(
                    BadParam,
                    "{method}: position {p} in positions[{l}][{i}] is out of bounds [0, {length})"
                );
            }
            if let Some(&next) = xs.get(i + 1) {
                if p >= next {
                    bail!(
                        BadParam,
                        "{method}: positions[{l}] must be strictly increasing ({p} before {next})"
                    );
                }
            }
        }
        parsed.push(xs);
    }
    let cols = parsed.pop().expect("one list at least");
    let rows = parsed.pop().unwrap_or_else(|| cols.clone());
    Ok(Some(Loci { rows, cols }))
}
