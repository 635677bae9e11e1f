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
//! Site mode walks once ([`SiteStates`]): the gathering run records every site's allele
//! weights in order (`engine::record_sites`) and returns, beside the distinct states, which
//! state each evaluation was; the summing run adds f's values site by site from that list,
//! with the arithmetic `engine::site_dense` would use, without walking the trees again.
//!
//! Cost: in branch and node mode, two walks of the engine (each as any statistic with this
//! many weight columns and outputs costs), a hash-table access per evaluation in both (a
//! random memory access into a table as large as the distinct states, which dominates when
//! they are many), and one call of f per distinct state; branch and node modes meet every
//! node's sums (bench-30k: 2.0 million), and arbitrary real weights about as many as node
//! updates. In site mode, one walk, a hash-table access per evaluation, and one call of f per
//! distinct state (bench-30k, 3 sample sets: 64,312 of 202,000 evaluations); the list of
//! evaluations holds the weights of every site's alleles once.
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

/// The gathering run in site mode: the distinct states of a walk's site records, and the
/// list that says which state each evaluation was.
pub(crate) struct SiteStates;

impl SiteStates {
    /// From `engine::record_sites`' records (`[window, n, x_1, ..., x_n]` per site, `k`
    /// values each x): the output `[rows, k, r]`, whose data is the `rows` states (the zero
    /// state, `total`, then every distinct recorded state, in genome order of first
    /// occurrence) followed by the `r` values of the sites' replay, `[window, n, row_1, ...,
    /// row_n]` per site, in order ([`SummaryTable::sum_sites`] reads it).
    pub(crate) fn gather(records: &[f64], k: usize, total: &[f64]) -> (Vec<f64>, Vec<usize>) {
        let mut out = Vec::new();
        out.extend(std::iter::repeat_n(0.0, k));
        out.extend_from_slice(total);
        let mut replay = Vec::with_capacity(records.len() / k.max(1) + 2);
        // The distinct states in order of first occurrence (genome order: fixed by the data),
        // found with an open-addressing table, at most half full, of their rows in `out`
        // tagged with their hashes' top bits (a slot of another state is passed over without
        // reading its row). It grows with the states: sized for every evaluation, it would
        // be most of the cost, in cache misses.
        let mut table = vec![EMPTY; 1024];
        let mut rows = 2u32;
        let mut at = 0;
        while at < records.len() {
            let n = records[at + 1] as usize;
            replay.extend_from_slice(&records[at..at + 2]);
            for x in records[at + 2..at + 2 + n * k].chunks_exact(k.max(1)) {
                let h = hash(x);
                let row = match find_slot(&table, h, |r| same_bits(&out[r * k..(r + 1) * k], x)) {
                    Ok(r) => r,
                    Err(slot) => {
                        table[slot] = tagged(h, rows);
                        out.extend_from_slice(x);
                        rows += 1;
                        if 2 * (rows as usize - 2) > table.len() {
                            table = vec![EMPTY; 2 * table.len()];
                            for r in 2..rows as usize {
                                let h = hash(&out[r * k..(r + 1) * k]);
                                let slot = find_slot(&table, h, |_| false).unwrap_err();
                                table[slot] = tagged(h, r as u32);
                            }
                        }
                        rows - 1
                    }
                };
                replay.push(row as f64);
            }
            at += 2 + n * k;
        }
        let r = replay.len();
        out.append(&mut replay);
        (out, vec![rows as usize, k, r])
    }
}

/// An empty slot of [`SiteStates::gather`]'s table.
const EMPTY: u64 = u64::MAX;

/// A table entry: row `r`, tagged with the top bits of its state's hash `h`.
fn tagged(h: u64, r: u32) -> u64 {
    h >> 32 << 32 | r as u64
}

/// In an open-addressing table (a power of two of slots, never full) of [`tagged`] rows, the
/// row of the state of hash `h` (`is(row)`: the row holds that state), or the empty slot
/// where it belongs.
fn find_slot(table: &[u64], h: u64, is: impl Fn(usize) -> bool) -> std::result::Result<u32, usize> {
    let mask = table.len() - 1;
    let mut slot = h as usize & mask;
    loop {
        let entry = table[slot];
        if entry == EMPTY {
            return Err(slot);
        }
        if entry >> 32 == h >> 32 && is(entry as u32 as usize) {
            return Ok(entry as u32);
        }
        slot = (slot + 1) & mask;
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
    /// Site mode: the gathering run's list of the sites' evaluations (see [`SiteStates`]).
    replay: Option<Vec<f64>>,
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
        let replay = match v.get("replay") {
            None | Some(Value::Null) => None,
            Some(_) => Some(read("replay")?),
        };
        let rows = states.len().checked_div(k).unwrap_or(0);
        if k == 0 || states.len() != rows * k || values.len() != rows * output_dim || rows < 2 {
            bail!(
                BadParam,
                "{method}: f's table has {} state values and {} values, which is not a table of states of {k} and values of {output_dim} starting with the zero and total states",
                states.len(),
                values.len()
            );
        }
        // With a replay, rows are found by their index, never by their bits.
        let indexed = if replay.is_some() { 0 } else { rows };
        let mut index = ByHash::with_capacity_and_hasher(indexed, Default::default());
        let mut next = vec![END; indexed];
        // Last to first, each row put at the head of its chain: chains run in row order.
        for r in (0..indexed).rev() {
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
            replay,
        })
    }

    /// Whether the table came with a first run's list of site evaluations.
    pub(crate) fn has_replay(&self) -> bool {
        self.replay.is_some()
    }

    /// Site mode: the sums per window (`[window][output]`, before span normalisation) of f
    /// over the sites the gathering run recorded, without walking the trees: per site, its
    /// alleles' values added in order from 0, then the site's sum added into its window, as
    /// `engine::site_dense` does. `None` without a replay (branch and node mode). A replay
    /// that does not fit this call (`num_windows`, the `num_sites` inside the windows, the
    /// table's rows) is refused.
    pub(crate) fn sum_sites(
        &self,
        method: &str,
        num_windows: usize,
        num_sites: usize,
    ) -> Option<Result<Vec<f64>>> {
        let replay = self.replay.as_deref()?;
        let m = self.output_dim;
        let rows = self.values.len() / m;
        let what = format!("the output ({num_windows} windows × {m})");
        let size = (num_windows as u64).checked_mul(m as u64);
        let out = crate::memory::Need::new()
            .values::<f64>(what.clone(), size)
            .check("statistic")
            .and_then(|()| crate::memory::try_vec(&what, num_windows * m, 0.0));
        let mut out = match out {
            Ok(out) => out,
            Err(e) => return Some(Err(e)),
        };
        let mut sum = || -> Option<()> {
            // A non-negative integer below `bound`, or None.
            let index = |v: f64, bound: usize| {
                (v >= 0.0 && v.fract() == 0.0 && v < bound as f64).then_some(v as usize)
            };
            let mut site_sum = vec![0.0; m];
            let (mut at, mut sites, mut last) = (0, 0, 0);
            while at < replay.len() {
                let w = index(*replay.get(at)?, num_windows).filter(|&w| w >= last)?;
                let n = index(*replay.get(at + 1)?, replay.len() - at - 1)?;
                site_sum.fill(0.0);
                for &r in replay.get(at + 2..at + 2 + n)? {
                    let r = index(r, rows)?;
                    for (s, v) in site_sum.iter_mut().zip(&self.values[r * m..(r + 1) * m]) {
                        *s += v;
                    }
                }
                for (o, s) in out[w * m..(w + 1) * m].iter_mut().zip(&site_sum) {
                    *o += s;
                }
                (at, sites, last) = (at + 2 + n, sites + 1, w);
            }
            (sites == num_sites).then_some(())
        };
        Some(sum().map(|()| out).ok_or_else(|| {
            crate::error::TreeSeqError::new(
                crate::error::ErrorCode::BadParam,
                format!("{method}: f's table lists evaluations that do not fit this statistic (it must come from this call's first run)"),
            )
        }))
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

    #[test]
    fn site_records_are_summed_from_their_list() {
        // k = 2. Site 0 (window 0): two alleles; site 1 (window 0): none evaluated (polarised,
        // one allele); site 2 (window 2): a state seen before, then a new one.
        let records = [
            0.0, 2.0, 1.0, 2.0, 3.0, 4.0, //
            0.0, 0.0, //
            2.0, 2.0, 3.0, 4.0, 0.0, 5.0,
        ];
        let (out, shape) = SiteStates::gather(&records, 2, &[9.0, 9.0]);
        // zero, total, then (1, 2), (3, 4), (0, 5) in order of first occurrence.
        assert_eq!(shape, vec![5, 2, 10]);
        assert_eq!(
            out[..10],
            [0.0, 0.0, 9.0, 9.0, 1.0, 2.0, 3.0, 4.0, 0.0, 5.0]
        );
        let replay = &out[10..];
        assert_eq!(replay, [0.0, 2.0, 2.0, 3.0, 0.0, 0.0, 2.0, 2.0, 3.0, 4.0]);
        // f(x) = x0 + 10 x1, per row.
        let values: Vec<f64> = (0..5).map(|r| out[2 * r] + 10.0 * out[2 * r + 1]).collect();
        let table_with = |replay: &[f64]| {
            let v = serde_json::json!({ "states": &out[..10], "values": values, "replay": replay });
            SummaryTable::parse("t", &v, Arrays::default(), 2, 1).unwrap()
        };
        let sums = table_with(replay).sum_sites("t", 3, 3).unwrap().unwrap();
        assert_eq!(sums, [21.0 + 43.0, 0.0, 43.0 + 50.0]);
        // A list that does not fit the call is refused, never read out of bounds.
        let refused = |replay: &[f64], windows: usize, sites: usize| {
            let e = table_with(replay)
                .sum_sites("t", windows, sites)
                .unwrap()
                .unwrap_err();
            assert_eq!(e.code, crate::error::ErrorCode::BadParam, "{replay:?}");
        };
        refused(replay, 3, 2); // another number of sites
        refused(replay, 2, 3); // a window past the last
        refused(&[0.0, 1.0, 5.0], 1, 1); // a row past the table
        refused(&[0.0, 3.0, 2.0], 1, 1); // more evaluations than listed
        refused(&[1.0, 0.0, 0.0, 0.0], 2, 2); // windows out of order
        refused(&[0.0, 1.0, 2.5], 1, 1); // not a row
                                         // Without a list (branch and node mode), none.
        let v = serde_json::json!({ "states": &out[..10], "values": values });
        let table = SummaryTable::parse("t", &v, Arrays::default(), 2, 1).unwrap();
        assert!(table.sum_sites("t", 3, 3).is_none());
    }

    /// Through `compute`, as the TypeScript layer calls it: in site mode, the sums from the
    /// first run's list are the engine's sums with f looked up (the last bit aside where a
    /// window is cut between pieces), and the same bits on 1 and 3 threads; a list given in
    /// branch mode is refused.
    #[test]
    fn site_mode_sums_its_list_as_the_walk_would() {
        use crate::test_util::{fixture, same_bits, splits, FIXTURES};
        use serde_json::json;
        for name in FIXTURES {
            let ts = fixture(name);
            let sets = splits(&ts, 2);
            let (n0, n1) = (sets[0].len() as f64, sets[1].len() as f64);
            let l = ts.sequence_length();
            for polarised in [false, true] {
                let base = json!({
                    "sample_sets": sets, "output_dim": 2, "mode": "site", "polarised": polarised,
                    "windows": [0.0, l / 3.0, l / 2.0, l],
                });
                let run = |threads: usize, f: Value, mode: &str| {
                    let mut kw = base.clone();
                    kw["mode"] = json!(mode);
                    if !f.is_null() {
                        kw["f"] = f;
                    }
                    rayon::ThreadPoolBuilder::new()
                        .num_threads(threads)
                        .build()
                        .unwrap()
                        .install(|| crate::stats::compute(&ts, "sample_count_stat", &kw))
                };
                let gathered = run(1, Value::Null, "site").unwrap();
                assert_eq!(gathered.shape.len(), 3, "{name}");
                let (rows, k) = (gathered.shape[0], gathered.shape[1]);
                let (states, replay) = gathered.data.split_at(rows * k);
                assert_eq!(replay.len(), gathered.shape[2]);
                // Zero at no samples and at all of them (strict).
                let values: Vec<f64> = states
                    .chunks_exact(k)
                    .flat_map(|x| [x[0] * (n0 - x[0]), x[1] * (n1 - x[1]) * (x[0] + 1.0)])
                    .collect();
                let listed = json!({ "states": states, "values": values, "replay": replay });
                let looked_up = json!({ "states": states, "values": values });
                let one = run(1, listed.clone(), "site").unwrap();
                let three = run(3, listed.clone(), "site").unwrap();
                assert!(same_bits(&one.data, &three.data), "{name}");
                let walked = run(2, looked_up, "site").unwrap();
                assert_eq!(one.shape, walked.shape);
                for (a, b) in one.data.iter().zip(&walked.data) {
                    assert!((a - b).abs() <= 1e-12 * b.abs(), "{name}: {a} vs {b}");
                }
                assert!(one.data.iter().any(|&v| v != 0.0), "{name}");
                let e = run(1, listed, "branch").unwrap_err();
                assert_eq!(e.code, crate::error::ErrorCode::BadParam, "{name}");
            }
        }
    }
}
