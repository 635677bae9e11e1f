//! tskit's `divergence_matrix` and `genetic_relatedness_matrix`: the divergence (or
//! relatedness) between every pair of sample sets, as a `[window][set][set]` array.
//!
//! What it is for: tskit's arguments and conventions for these two methods. `sample_sets`
//! defaults to one set per sample; a flat list of ids is one set per id (divergence_matrix
//! only, as tskit); sets must not share a sample (tskit: "Duplicate sample value"); an empty
//! set is allowed and gives NaN where tskit does. Modes are "site" (the default) and
//! "branch"; windows need not cover the genome (as in tskit, which checks only that they lie
//! inside it). Diagonal entries are divergence between distinct members of a set, 0 for a set
//! of one. The relatedness matrix is derived from the divergence matrix exactly as tskit's
//! Python does (diagonal corrected for self-comparisons, then double centring, divided by -2);
//! in site mode with recurrent mutations that differs from `genetic_relatedness`, as tskit
//! documents.
//!
//! What it is not: the traversal. Branch mode uses the cross moments of `pairs.rs` (all
//! pairs of sets for the price of the sets); site mode counts, per site, the pairs of samples
//! that carry different alleles from the per-set allele counts, in integers, as tskit does
//! sample by sample.

use serde_json::Value;

use super::args::{self, ArrayRef, Arrays, Kwargs, Mode, Options};
use super::chunks::{self, plan_chunks, Chunk, Cost, MAX_CHUNKS};
use super::pairs::{self, Moment, TableView};
use super::registry::Method;
use super::StatOutput;
use crate::bail;
use crate::error::{ErrorCode, Result, TreeSeqError};
use crate::treeseq::TreeSequence;

/// Computes `divergence_matrix` or `genetic_relatedness_matrix` with tskit's keyword
/// arguments (`sample_sets`, `windows`, `mode`, `span_normalise`; `num_threads` is accepted
/// and ignored: the rayon pool decides), read by the options every statistic shares.
pub fn compute(
    ts: &TreeSequence,
    row: &Method,
    kwargs: &Value,
    arrays: Arrays,
) -> Result<StatOutput> {
    let method = row.tskit;
    let kw = Kwargs::with_arrays(method, kwargs, arrays)?;
    let Options {
        mode,
        windows,
        span_normalise,
        ..
    } = Options::parse(ts, row, &kw)?;
    let sets = parse_sets(ts, method, kw.get("sample_sets"), arrays)?;
    let k = sets.len();
    let sizes: Vec<f64> = sets.iter().map(|s| s.len() as f64).collect();
    let breaks = &windows.breaks;
    let nw = windows.num_windows();
    check_memory(ts, method, nw, k)?;

    let mut data = if k == 0 {
        Vec::new()
    } else {
        match mode {
            Mode::Branch => {
                let feats = pairs::Features::indicators(ts, &sets);
                pairs::branch_moments(ts, &feats, Moment::Cross, breaks).matrix
            }
            _ => site_pair_differences(ts, &sets, breaks),
        }
    };
    // Sums over pairs of samples -> means, as tskit: over ordered pairs of distinct samples on
    // the diagonal (a set of one keeps its exact zero), over all pairs elsewhere.
    for w in 0..nw.min(data.len() / (k * k).max(1)) {
        let d = &mut data[w * k * k..(w + 1) * k * k];
        for i in 0..k {
            let denom = sizes[i] * (sizes[i] - 1.0);
            d[i * k + i] = if denom != 0.0 {
                d[i * k + i] / denom
            } else {
                0.0
            };
            for j in 0..k {
                if j != i {
                    d[i * k + j] /= sizes[i] * sizes[j];
                }
            }
        }
    }
    if span_normalise {
        chunks::span_normalise(&mut data, breaks, k * k);
    }
    if method == "genetic_relatedness_matrix" {
        for d in data.chunks_mut((k * k).max(1)).take(nw) {
            relatedness_from_divergence(d, &sizes);
        }
    }
    let mut shape = Vec::new();
    if windows.given {
        shape.push(nw);
    }
    shape.extend([k, k]);
    Ok(StatOutput { data, shape })
}

/// Refuses (`OUTPUT_TOO_LARGE`) before anything is allocated when the output (windows × k ×
/// k: windows "trees" on many samples is easily terabytes) and the sums it is made from (per
/// window and per chunk row, k² each) and each thread's per-node sums of the k sets exceed the
/// memory ceiling.
fn check_memory(ts: &TreeSequence, method: &str, nw: usize, k: usize) -> Result<()> {
    use crate::memory::{product, Need};
    let (nw, k) = (nw as u64, k as u64);
    let threads = rayon::current_num_threads().max(1) as u64;
    let n = ts.num_nodes() as u64;
    let rows = nw.saturating_add(MAX_CHUNKS as u64);
    Need::new()
        .values::<f64>(
            format!("the output ({nw} windows × {k} × {k} sets)"),
            product([nw, k, k]),
        )
        .values::<f64>(
            format!("sums per window and chunk ({rows} rows × {k} × {k} sets)"),
            product([rows, k, k]),
        )
        .values_each::<f64>(
            format!("per-thread buffers ({threads} threads × {n} nodes × {k} sets)"),
            product([n, k]),
            threads,
        )
        .check(method)
}

/// tskit's Python conversion of one window's divergence matrix B into relatedness: the
/// diagonal times (n - 1)/n (self-comparisons included), then
/// `K = (B + mean(B) - colmean_i - colmean_j) / -2`.
fn relatedness_from_divergence(b: &mut [f64], sizes: &[f64]) {
    let k = sizes.len();
    for i in 0..k {
        b[i * k + i] = b[i * k + i] * (sizes[i] - 1.0) / sizes[i];
    }
    let mut col_mean = vec![0.0; k];
    let mut total = 0.0;
    for i in 0..k {
        for j in 0..k {
            col_mean[j] += b[i * k + j];
            total += b[i * k + j];
        }
    }
    let mean = total / (k * k) as f64;
    col_mean.iter_mut().for_each(|c| *c /= k as f64);
    for i in 0..k {
        for j in 0..k {
            b[i * k + j] = (b[i * k + j] + mean - (col_mean[i] + col_mean[j])) / -2.0;
        }
    }
}

/// Site mode: per window, for every pair of sets (i, j), the number of (ordered, on the
/// diagonal) pairs of samples, one from each, that carry different alleles, summed over
/// sites: `n_i n_j - sum_a x_ai x_aj` per site with x_a the per-set counts of allele a. Counts
/// are integers, so these sums are exact.
fn site_pair_differences(ts: &TreeSequence, sets: &[Vec<i32>], windows: &[f64]) -> Vec<f64> {
    let k = sets.len();
    let g = TableView::new(ts);
    let weights = super::weights::indicator_weights(ts, sets, false);
    let sizes: Vec<f64> = sets.iter().map(|s| s.len() as f64).collect();
    let nw = windows.len() - 1;
    let chunks = plan_chunks(&g, windows, Cost::PathWalk, None);
    // One row per window: the number of sites, then sum over sites and alleles of x_a x_a^T.
    let row_len = 1 + k * k;
    let sums = pairs::run_chunks(windows, &chunks, row_len, |chunk: &Chunk| {
        let rows = pairs::chunk_windows(windows, chunk);
        let mut out = vec![0.0; rows.len() * row_len];
        pairs::walk_sites(&g, &weights, windows, chunk, |w, alleles| {
            let row = &mut out[(w - rows.start) * row_len..][..row_len];
            row[0] += 1.0;
            let q = &mut row[1..];
            for a in 0..alleles.num_alleles {
                let x = alleles.row(a);
                for (i, &xi) in x.iter().enumerate() {
                    if xi != 0.0 {
                        for (dst, &xj) in q[i * k..(i + 1) * k].iter_mut().zip(x) {
                            *dst += xi * xj;
                        }
                    }
                }
            }
        });
        out
    });
    let mut d = vec![0.0; nw * k * k];
    for w in 0..nw {
        for i in 0..k {
            for j in 0..k {
                let row = &sums[w * row_len..(w + 1) * row_len];
                d[(w * k + i) * k + j] = row[0] * sizes[i] * sizes[j] - row[1 + i * k + j];
            }
        }
    }
    d
}

/// `sample_sets` as tskit's matrix methods take it: None = one set per sample; `[]` = no
/// sets; a flat list of ids = one set per id (divergence_matrix; tskit's
/// genetic_relatedness_matrix fails on it, so it is refused there); else a list of lists.
/// The sets are checked by `args` (ids in range, samples, no repeats in a set); empty sets,
/// which tskit allows, are set aside for that check; and no sample may be in two sets.
fn parse_sets(
    ts: &TreeSequence,
    method: &str,
    v: Option<&Value>,
    arrays: Arrays,
) -> Result<Vec<Vec<i32>>> {
    let Some(v) = v else {
        return Ok(ts.samples.iter().map(|&u| vec![u]).collect());
    };
    // One flat list of ids may come as an array beside the JSON: its ids, one set each.
    let passed: Vec<Value>;
    let items: &[Value] = match (arrays.resolve(method, v)?, v) {
        (Some(ArrayRef::I32(ids)), _) => {
            passed = ids.iter().map(|&u| Value::from(u)).collect();
            &passed
        }
        (Some(ArrayRef::F64(_)), _) => bail!(
            BadSampleSets,
            "{method}: sample_sets must be a list of node ids, got floating-point numbers"
        ),
        (None, Value::Array(items)) => items,
        (None, _) => bail!(BadSampleSets, "{method}: sample_sets must be a list of lists of sample ids (or a list of ids, one set each)"),
    };
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let flat = items.iter().all(|x| !arrays.is_list(x));
    let nested: Vec<Value> = if flat {
        if method == "genetic_relatedness_matrix" {
            bail!(BadSampleSets, "{method}: sample_sets must be a list of lists of sample ids (tskit refuses a flat list here)");
        }
        items
            .iter()
            .map(|x| Value::Array(vec![x.clone()]))
            .collect()
    } else {
        items.to_vec()
    };
    let is_empty_set = |x: &Value| -> Result<bool> {
        Ok(match arrays.resolve(method, x)? {
            Some(ArrayRef::I32(ids)) => ids.is_empty(),
            Some(ArrayRef::F64(xs)) => xs.is_empty(),
            None => x.as_array().is_some_and(Vec::is_empty),
        })
    };
    let mut kept = Vec::with_capacity(nested.len());
    for (j, set) in nested.iter().enumerate() {
        if !is_empty_set(set)? {
            kept.push(j);
        }
    }
    let parsed = if kept.is_empty() {
        Vec::new()
    } else {
        let given = Value::Array(kept.iter().map(|&j| nested[j].clone()).collect());
        match args::parse_sample_sets(ts, method, Some(&given), arrays) {
            Ok(s) => s.map_or_else(Vec::new, |s| s.sets),
            Err(e) if kept.len() == nested.len() => return Err(e),
            // The helper numbered the sets without the empty ones: say the caller's numbers.
            Err(e) => return Err(TreeSeqError::new(e.code, renumber_sets(&e.message, &kept))),
        }
    };
    let mut sets = vec![Vec::new(); nested.len()];
    for (j, s) in kept.into_iter().zip(parsed) {
        sets[j] = s;
    }
    let index = args::sample_index_map(ts);
    let mut owner = vec![usize::MAX; ts.num_samples()];
    for (j, set) in sets.iter().enumerate() {
        for &u in set {
            let s = index[u as usize] as usize;
            if owner[s] != usize::MAX {
                return Err(TreeSeqError::new(
                    ErrorCode::BadSampleSets,
                    format!(
                        "{method}: node {u} is in sample_sets[{}] and sample_sets[{j}]: duplicate sample value (the sets must not overlap)",
                        owner[s]
                    ),
                ));
            }
            owner[s] = j;
        }
    }
    Ok(sets)
}

/// Rewrites `sample_sets[i]` in a message as `sample_sets[kept[i]]`.
fn renumber_sets(message: &str, kept: &[usize]) -> String {
    const KEY: &str = "sample_sets[";
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find(KEY) {
        out.push_str(&rest[..at + KEY.len()]);
        rest = &rest[at + KEY.len()..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits]
            .parse::<usize>()
            .ok()
            .and_then(|i| kept.get(i))
        {
            Some(j) if rest[digits..].starts_with(']') => out.push_str(&j.to_string()),
            _ => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renumbers_only_set_indexes() {
        assert_eq!(
            renumber_sets("f: node 9 in sample_sets[1][0] is out of bounds", &[0, 3]),
            "f: node 9 in sample_sets[3][0] is out of bounds"
        );
        assert_eq!(
            renumber_sets("no sets here [1]", &[5, 6]),
            "no sets here [1]"
        );
    }

    #[test]
    fn relatedness_of_two_singletons() {
        // Divergence d between two singletons: relatedness is d/4 on the diagonal, -d/4 off it.
        let mut b = vec![0.0, 8.0, 8.0, 0.0];
        relatedness_from_divergence(&mut b, &[1.0, 1.0]);
        assert_eq!(b, vec![2.0, -2.0, -2.0, 2.0]);
    }
}
