//! `sample_sets`: lists of sample node ids, checked as tskit checks them.

use rayon::prelude::*;
use serde_json::Value;

use super::parse_id;
use super::wire::{ArrayRef, Arrays};
use crate::args::kind;
use crate::bail;
use crate::error::{ErrorCode, Result, TreeSeqError};
use crate::stats::weights::Bitmap;
use crate::treeseq::TreeSequence;

/// Sample sets as given: `dropped` is true when the caller passed one flat list of ids, in
/// which case tskit drops the statistic's output axis.
#[derive(Clone, Debug)]
pub struct SampleSets {
    pub sets: Vec<Vec<i32>>,
    pub dropped: bool,
    /// Each set as a bitmap over sample indexes (positions in `ts.samples`), when the checks
    /// made them: [`SampleSets::indicator_weights`] then need not make them again.
    pub(crate) members: Option<Vec<Bitmap>>,
}

impl PartialEq for SampleSets {
    fn eq(&self, other: &SampleSets) -> bool {
        (&self.sets, self.dropped) == (&other.sets, other.dropped)
    }
}

impl SampleSets {
    /// Sets that were not checked (the tree sequence's own samples, say).
    pub fn new(sets: Vec<Vec<i32>>, dropped: bool) -> SampleSets {
        SampleSets {
            sets,
            dropped,
            members: None,
        }
    }

    pub fn sizes(&self) -> Vec<usize> {
        self.sets.iter().map(Vec::len).collect()
    }
}

/// A list of node ids as given: borrowed from the binary arrays, or read from JSON (where an
/// id may lie outside i32; the checks then report it as it was written).
enum IdList<'a> {
    Borrowed(&'a [i32]),
    Parsed(Vec<i64>),
}

impl IdList<'_> {
    fn len(&self) -> usize {
        match self {
            IdList::Borrowed(v) => v.len(),
            IdList::Parsed(v) => v.len(),
        }
    }
}

fn parse_id_list<'a>(
    method: &str,
    what: &str,
    v: &Value,
    arrays: Arrays<'a>,
) -> Result<IdList<'a>> {
    match arrays.resolve(method, v)? {
        Some(ArrayRef::I32(ids)) => return Ok(IdList::Borrowed(ids)),
        Some(ArrayRef::F64(_)) => bail!(
            BadSampleSets,
            "{method}: {what} must be a list of node ids, got floating-point numbers"
        ),
        None => {}
    }
    let Value::Array(items) = v else {
        bail!(
            BadSampleSets,
            "{method}: {what} must be a list of node ids, got {}",
            kind(v)
        );
    };
    items
        .iter()
        .enumerate()
        .map(
            // An id that is not an integer is a bad sample set, as every other fault here.
            |(i, x)| match parse_id(|| format!("{method}: {what}[{i}]"), x).map_err(|e| {
                TreeSeqError {
                    code: ErrorCode::BadSampleSets,
                    ..e
                }
            })? {
                Some(id) => Ok(id),
                None => bail!(
                    BadSampleSets,
                    "{method}: {what}[{i}] must be an integer node id, got {}",
                    kind(x)
                ),
            },
        )
        .collect::<Result<Vec<i64>>>()
        .map(IdList::Parsed)
}

/// Parses `sample_sets`: a list of lists of sample node ids, or one flat list (then
/// `dropped`). Absent or null gives None; the caller applies the method's default.
/// The sets are checked as tskit checks them: none empty, every id a sample node, no id
/// twice in one set (ids may repeat across sets).
pub fn parse_sample_sets(
    ts: &TreeSequence,
    method: &str,
    v: Option<&Value>,
    arrays: Arrays,
) -> Result<Option<SampleSets>> {
    let Some(v) = v else { return Ok(None) };
    if arrays.resolve(method, v)?.is_some() {
        // One flat list of ids, passed as an array.
        let raw = vec![parse_id_list(method, "sample_sets", v, arrays)?];
        let (sets, members) = check_id_lists(ts, method, &raw)?;
        return Ok(Some(SampleSets {
            sets,
            dropped: true,
            members: Some(members),
        }));
    }
    let Value::Array(items) = v else {
        bail!(
            BadSampleSets,
            "{method}: sample_sets must be a list of lists of sample ids, got {}",
            kind(v)
        );
    };
    let flat = !items.is_empty() && items.iter().all(|x| !arrays.is_list(x));
    let raw: Vec<IdList> = if items.is_empty() {
        // numpy turns [] into one empty 1-D set, which tskit then refuses as empty.
        vec![IdList::Parsed(vec![])]
    } else if flat {
        vec![parse_id_list(method, "sample_sets", v, arrays)?]
    } else {
        let mut sets = Vec::with_capacity(items.len());
        for (j, item) in items.iter().enumerate() {
            if !arrays.is_list(item) {
                bail!(
                    BadSampleSets,
                    "{method}: sample_sets mixes lists and single ids (element {j} is {})",
                    kind(item)
                );
            }
            sets.push(parse_id_list(
                method,
                &format!("sample_sets[{j}]"),
                item,
                arrays,
            )?);
        }
        sets
    };
    let (sets, members) = check_id_lists(ts, method, &raw)?;
    Ok(Some(SampleSets {
        sets,
        dropped: flat || items.is_empty(),
        members: Some(members),
    }))
}

/// The checks tskit makes on sample sets, in tskit's order: none empty, every id a sample
/// node, no id twice in one set. Returns the sets, and each set's bitmap of samples.
///
/// This runs while every other thread waits (300,000 ids take about a millisecond), so the
/// sets are checked in parallel, each marking a bitmap of its own. (Ids checked in parallel
/// within a set, marking a shared bitmap with atomic operations, took twice as long.) Each
/// set stops at its first fault and the first faulty set's error is returned: the error a
/// check in order meets first (tskit's).
fn check_id_lists(
    ts: &TreeSequence,
    method: &str,
    raw: &[IdList],
) -> Result<(Vec<Vec<i32>>, Vec<Bitmap>)> {
    let num_nodes = ts.num_nodes() as i64;
    let index = sample_index_map(ts);
    let words = ts.num_samples().div_ceil(64);
    let check = |j: usize, ids: &IdList| -> Result<(Vec<i32>, Bitmap)> {
        if ids.len() == 0 {
            bail!(BadSampleSets, "{method}: sample_sets[{j}] is empty; sample sets must contain at least one element");
        }
        let mut bits = vec![0u64; words];
        let mut out = Vec::with_capacity(ids.len());
        let mut mark = |i: usize, u: i64| -> Result<()> {
            if u < 0 || u >= num_nodes {
                bail!(BadSampleSets, "{method}: node {u} in sample_sets[{j}][{i}] is out of bounds (the tree sequence has {num_nodes} nodes)");
            }
            let s = index[u as usize];
            if s < 0 {
                bail!(
                    BadSampleSets,
                    "{method}: node {u} in sample_sets[{j}][{i}] is not a sample"
                );
            }
            let (word, bit) = (s as usize / 64, 1u64 << (s % 64));
            if bits[word] & bit != 0 {
                bail!(
                    BadSampleSets,
                    "{method}: node {u} appears twice in sample_sets[{j}] (duplicate sample value)"
                );
            }
            bits[word] |= bit;
            out.push(u as i32);
            Ok(())
        };
        match ids {
            IdList::Borrowed(v) => v
                .iter()
                .enumerate()
                .try_for_each(|(i, &u)| mark(i, u as i64))?,
            IdList::Parsed(v) => v.iter().enumerate().try_for_each(|(i, &u)| mark(i, u))?,
        }
        Ok((out, bits))
    };
    let checked: Vec<Result<(Vec<i32>, Bitmap)>> = raw
        .par_iter()
        .enumerate()
        .map(|(j, ids)| check(j, ids))
        .collect();
    // The first error in set order, as a check in order would stop at.
    let checked: Vec<(Vec<i32>, Bitmap)> = checked.into_iter().collect::<Result<_>>()?;
    Ok(checked.into_iter().unzip())
}

/// For each node, its index in `ts.samples`, or -1 when it is not a sample (kept by the tree
/// sequence).
pub fn sample_index_map(ts: &TreeSequence) -> &[i32] {
    ts.sample_index_map()
}
