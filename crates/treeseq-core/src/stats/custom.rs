//! `general_stat` and `sample_count_stat`: the general engine with the caller's summary
//! function f, which lives in JavaScript and cannot be called from the engine's threads.
//!
//! What it is for: f is evaluated in batches, between two runs of the one engine, so that a
//! JavaScript call is never made per node update nor from a rayon thread:
//!
//! 1. **Gather** ([`StateRecorder`]): the engine runs with a summary that records every
//!    distinct state x it is evaluated at (the weight sums below a node, an allele's weights,
//!    or their complements), and returns them, sorted by their bits, after two fixed rows:
//!    the zero state and the total weight (what `strict` checks f at).
//! 2. The caller evaluates f once per distinct state (ts/treesequence.ts, in batches that
//!    leave the event loop free between them) and hands back `f = {states, values}`.
//! 3. **Sum** ([`SummaryTable`]): the engine runs again with a summary that looks f(x) up by
//!    x's bits. The second run evaluates at the same states in the same order as the first,
//!    so every lookup finds its row; the sums are the engine's, added in its fixed order, so
//!    the result is the same bits at any thread count and on both backends.
//!
//! Cost: two walks of the engine (each as any statistic with this many weight columns and
//! outputs costs), a hash-table access per evaluation in both (a random memory access into a
//! table as large as the distinct states, which dominates when they are many), and one call
//! of f per distinct state. Site mode meets few distinct states (bench-30k, 3 sample sets:
//! 64,312); branch and node modes meet every node's sums (bench-30k: 2.0 million), and
//! arbitrary real weights about as many as node updates.
//!
//! What it is not: the check of f's outputs' length and type (the TypeScript layer, which
//! calls f), or tskit's rules for the arguments (`args/`).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use serde_json::Value;

use super::args::{ArrayRef, Arrays, Kwargs};
use super::summaries::SummaryFunc;
use crate::bail;
use crate::error::Result;

/// Marks weights whose sums are exact in narrower storage (as sample sets' indicators are):
/// integers whose absolute values add up to less than 2^24 per column, and, among those,
/// 0 and 1 only. The engine then walks with f32 or packed counts; a node's sums are the same
/// integers as in f64, so f sees the same states.
pub(crate) fn mark_exact(w: &mut super::weights::WeightMatrix) {
    let k = w.num_cols;
    let mut sums = vec![0.0f64; k];
    let mut integers = true;
    let mut zero_one = true;
    for row in w.data.chunks_exact(k.max(1)) {
        for (s, &v) in sums.iter_mut().zip(row) {
            // -0.0 stays f64: narrower sums would turn it into +0.0, a state of other bits.
            integers &= v.is_finite() && v.fract() == 0.0 && v.to_bits() != (-0.0f64).to_bits();
            zero_one &= v == 0.0 || v == 1.0;
            *s += v.abs();
        }
        if !integers {
            return;
        }
    }
    w.small_integers = integers && sums.iter().all(|&s| s < (1u64 << 24) as f64);
    w.counts = w.small_integers && zero_one;
}

/// A call's own options: f's length, `strict`, and f's table (absent in the gathering run).
pub(crate) struct CustomCall {
    pub(crate) output_dim: usize,
    pub(crate) strict: bool,
    pub(crate) table: Option<SummaryTable>,
}

impl CustomCall {
    /// Reads `output_dim`, `strict` and `f` for states of `k` columns.
    pub(crate) fn parse(kw: &Kwargs, arrays: Arrays, k: usize) -> Result<CustomCall> {
        let method = kw.method();
        let Some(dim) = kw.get("output_dim") else {
            bail!(BadParam, "{method}: missing required argument output_dim");
        };
        let what = format!("{method}: output_dim");
        let output_dim = crate::args::to_usize(&what, crate::args::json_count(&what, dim)?)?;
        if output_dim == 0 {
            bail!(BadParam, "{what} must be at least 1");
        }
        let strict = kw.bool_or("strict", true)?;
        let table = kw
            .get("f")
            .map(|f| SummaryTable::parse(method, f, arrays, k, output_dim))
            .transpose()?;
        Ok(CustomCall {
            output_dim,
            strict,
            table,
        })
    }
}

/// A state's hash, from its bits (the same on every platform), mixed to the last bit (the
/// tables below use it as it is, without hashing it again).
fn hash(x: &[f64]) -> u64 {
    let mut h: u64 = 0x243F_6A88_85A3_08D3;
    for v in x {
        h = (h.rotate_left(23) ^ v.to_bits()).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h ^= h >> 32;
    }
    // MurmurHash3's finaliser.
    h ^= h >> 33;
    h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    h ^= h >> 33;
    h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    h ^ (h >> 33)
}

/// Hashes a key that [`hash`] already mixed: as it is.
#[derive(Default)]
struct Premixed(u64);

impl Hasher for Premixed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("only u64 keys, already mixed")
    }
    fn write_u64(&mut self, h: u64) {
        self.0 = h;
    }
}

/// A map keyed by [`hash`] values.
type ByHash<V> = HashMap<u64, V, BuildHasherDefault<Premixed>>;

fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// Shards of the recorder's set, so that threads rarely wait for each other.
const SHARDS: usize = 64;

/// One shard of recorded states: their values one after another (`k` each), and by hash the
/// first of those with that hash, the others chained through `next` (no allocation per
/// state: a walk may meet hundreds of thousands).
#[derive(Default)]
struct Shard {
    first: ByHash<u32>,
    next: Vec<u32>,
    states: Vec<f64>,
}

const END: u32 = u32::MAX;

impl Shard {
    fn insert(&mut self, h: u64, x: &[f64]) {
        let k = x.len();
        let n = self.next.len() as u32;
        match self.first.get(&h) {
            None => {
                self.first.insert(h, n);
            }
            Some(&head) => {
                let mut r = head;
                loop {
                    let at = r as usize * k;
                    if same_bits(&self.states[at..at + k], x) {
                        return;
                    }
                    if self.next[r as usize] == END {
                        self.next[r as usize] = n;
                        break;
                    }
                    r = self.next[r as usize];
                }
            }
        }
        self.next.push(END);
        self.states.extend_from_slice(x);
    }
}

/// The gathering summary: records each distinct x it is evaluated at; its outputs are 0.
pub(crate) struct StateRecorder {
    output_dim: usize,
    shards: Vec<Mutex<Shard>>,
}

impl StateRecorder {
    pub(crate) fn new(output_dim: usize) -> Self {
        StateRecorder {
            output_dim,
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
        }
    }

    /// The states f is needed at, row-major with `k` columns: the zero state, then `total`,
    /// then every recorded state, sorted by bits (so in an order that depends only on the
    /// data, never on which thread recorded what first).
    pub(crate) fn into_states(self, k: usize, total: &[f64]) -> (Vec<f64>, usize) {
        let shards: Vec<Shard> = self
            .shards
            .into_iter()
            .map(|s| s.into_inner().unwrap_or_else(|e| e.into_inner()))
            .collect();
        let mut all: Vec<&[f64]> = shards
            .iter()
            .flat_map(|s| s.states.chunks_exact(k.max(1)))
            .collect();
        all.sort_unstable_by(|a, b| {
            a.iter()
                .map(|v| v.to_bits())
                .cmp(b.iter().map(|v| v.to_bits()))
        });
        let mut out = Vec::with_capacity((all.len() + 2) * k);
        out.extend(std::iter::repeat_n(0.0, k));
        out.extend_from_slice(total);
        for s in &all {
            out.extend_from_slice(s);
        }
        (out, all.len() + 2)
    }
}

impl SummaryFunc for StateRecorder {
    fn output_dim(&self) -> usize {
        self.output_dim
    }
    fn eval(&self, x: &[f64], _cols: Range<usize>, out: &mut [f64]) {
        out.fill(0.0);
        let h = hash(x);
        // Middle bits: the tables use the low ones (buckets) and the top seven (tags).
        self.shards[(h >> 32) as usize % SHARDS]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(h, x);
    }
}

/// The summing summary: f(x) looked up by x's bits in the caller's table.
pub(crate) struct SummaryTable {
    k: usize,
    output_dim: usize,
    states: Vec<f64>,
    values: Vec<f64>,
    /// By hash, the first row with it; the others chained through `next`.
    index: ByHash<u32>,
    next: Vec<u32>,
    /// Set when a state was not in the table (the caller's table did not come from this
    /// call's gathering run): the result is then refused.
    missed: AtomicBool,
}

impl SummaryTable {
    /// The table `f = {"states": [...], "values": [...]}` (each a list of numbers or a
    /// `$f64` placeholder) for states of `k` columns and f of `output_dim` outputs.
    pub(crate) fn parse(
        method: &str,
        v: &Value,
        arrays: Arrays,
        k: usize,
        output_dim: usize,
    ) -> Result<SummaryTable> {
        let read = |key: &str| -> Result<Vec<f64>> {
            let given = v.get(key).unwrap_or(&Value::Null);
            Ok(match arrays.resolve(method, given)? {
                Some(ArrayRef::F64(d)) => d.to_vec(),
                Some(ArrayRef::I32(d)) => d.iter().map(|&x| x as f64).collect(),
                None => match given.as_array() {
                    Some(items) => items
                        .iter()
                        .map(|x| super::args::parse_number(x).unwrap_or(f64::NAN))
                        .collect(),
                    None => bail!(
                        BadParam,
                        "{method}: f must be the summary function (the core takes it as a table {{states, values}} of its values, which the TypeScript layer makes)"
                    ),
                },
            })
        };
        let (states, values) = (read("states")?, read("values")?);
        let rows = states.len().checked_div(k).unwrap_or(0);
        if k == 0 || states.len() != rows * k || values.len() != rows * output_dim || rows < 2 {
            bail!(
                BadParam,
                "{method}: f's table has {} state values and {} values, which is not a table of states of {k} and values of {output_dim} starting with the zero and total states",
                states.len(),
                values.len()
            );
        }
        let mut index = ByHash::with_capacity_and_hasher(rows, Default::default());
        let mut next = vec![END; rows];
        // Last to first, each row put at the head of its chain: chains run in row order.
        for r in (0..rows).rev() {
            if let Some(old) = index.insert(hash(&states[r * k..(r + 1) * k]), r as u32) {
                next[r] = old;
            }
        }
        Ok(SummaryTable {
            k,
            output_dim,
            states,
            values,
            index,
            next,
            missed: AtomicBool::new(false),
        })
    }

    fn row(&self, r: usize) -> &[f64] {
        &self.states[r * self.k..(r + 1) * self.k]
    }

    /// tskit's `strict` check: f is 0 (NaN counting as 0, within numpy's `allclose` absolute
    /// tolerance 1e-8) at zero weight and at the total weight, which must be the table's
    /// first two states.
    pub(crate) fn check_strict(&self, method: &str, total: &[f64]) -> Result<()> {
        if !(self.row(0).iter().all(|&x| x == 0.0) && same_bits(self.row(1), total)) {
            bail!(
                BadParam,
                "{method}: f's table must start with the zero state and the total weight"
            );
        }
        let m = self.output_dim;
        if !self.values[..2 * m]
            .iter()
            .all(|&v| v.is_nan() || v.abs() <= 1e-8)
        {
            bail!(
                BadParam,
                "{method}: Summary function does not return zero for both zero weight and total weight."
            );
        }
        Ok(())
    }

    /// Refuses a result where some state was not in the table.
    pub(crate) fn check_complete(&self, method: &str) -> Result<()> {
        if self.missed.load(Ordering::Relaxed) {
            bail!(
                BadParam,
                "{method}: f's table lacks states the statistic needs (it must come from this call's first run)"
            );
        }
        Ok(())
    }
}

impl SummaryFunc for SummaryTable {
    fn output_dim(&self) -> usize {
        self.output_dim
    }
    fn eval(&self, x: &[f64], cols: Range<usize>, out: &mut [f64]) {
        let mut found = self.index.get(&hash(x)).copied();
        while let Some(r) = found {
            if same_bits(self.row(r as usize), x) {
                break;
            }
            found = Some(self.next[r as usize]).filter(|&n| n != END);
        }
        match found.map(|r| r as usize) {
            Some(r) => {
                let m = self.output_dim;
                out.copy_from_slice(&self.values[r * m + cols.start..r * m + cols.end]);
            }
            None => {
                self.missed.store(true, Ordering::Relaxed);
                out.fill(f64::NAN);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_states_are_looked_up() {
        let rec = StateRecorder::new(1);
        let mut out = [1.0];
        for x in [[1.0, 2.0], [0.5, -0.0], [1.0, 2.0], [0.5, 0.0]] {
            rec.eval(&x, 0..1, &mut out);
            assert_eq!(out, [0.0]);
        }
        let (states, rows) = rec.into_states(2, &[3.0, 4.0]);
        // zero, total, then the three distinct states (-0.0 and 0.0 are distinct bits).
        assert_eq!(rows, 5);
        let values: Vec<f64> = (0..rows).map(|r| r as f64).collect();
        let v = serde_json::json!({ "states": states, "values": values });
        let table = SummaryTable::parse("t", &v, Arrays::default(), 2, 1).unwrap();
        table.eval(&[0.5, -0.0], 0..1, &mut out);
        let r = out[0] as usize;
        assert!(same_bits(table.row(r), &[0.5, -0.0]));
        table.check_complete("t").unwrap();
        table.eval(&[9.0, 9.0], 0..1, &mut out);
        assert!(out[0].is_nan() && table.check_complete("t").is_err());
        // f(0) = 0 and f(total) = 1: not strict.
        assert!(table.check_strict("t", &[3.0, 4.0]).is_err());
    }
}
