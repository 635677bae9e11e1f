//! The pair-statistic request: which calls take the many-pairs path, their arguments
//! (parsed by the `params` helpers with the defaults of `summaries::STATS`), the memory they
//! need, and the run: sums per window (site mode from `site_sums.rs`, branch mode from the
//! moments through `algebra.rs`), then the statistic's derived step.

use serde_json::Value;

use super::algebra::{self, UsedSets};
use super::site_sums::site_sums;
use super::MANY_PAIRS;
use crate::bail;
use crate::error::Result;
use crate::stats::chunks::span_normalise;
use crate::stats::params::{self, Arrays, Indexes, Kwargs, Mode, SampleSets, Windows};
use crate::stats::summaries::{
    self, Arity, Derived, Polarised, StatDef, SummaryArgs, SummaryKind, TupleStat,
};
use crate::stats::StatOutput;
use crate::treeseq::TreeSequence;

/// `divergence`, `Fst`, `f2` or `genetic_relatedness` over many index pairs, when
/// `stats::compute` should take this path: more than [`MANY_PAIRS`] pairs, site or branch
/// mode, no `time_windows`, and arguments that parse. Anything else (including every
/// argument error) returns None, so that the general path handles it and says what is wrong.
pub fn compute_many_pairs(
    ts: &TreeSequence,
    method: &str,
    kwargs: &Value,
    arrays: Arrays,
) -> Result<Option<StatOutput>> {
    match PairRequest::parse(ts, method, kwargs, arrays, MANY_PAIRS + 1) {
        Some(req) => req.run(ts).map(Some),
        None => Ok(None),
    }
}

/// The pair path whatever the number of pairs (tests compare it with the engine and tskit).
/// Refuses arguments it does not handle (node mode, time windows, argument errors).
pub fn compute_pairs_path(ts: &TreeSequence, method: &str, kwargs: &Value) -> Result<StatOutput> {
    match PairRequest::parse(ts, method, kwargs, Arrays::default(), 0) {
        Some(req) => req.run(ts),
        None => bail!(
            BadParam,
            "{method}: the many-pairs path takes divergence, Fst, f2 or genetic_relatedness in site or branch mode, without time_windows, with valid arguments"
        ),
    }
}

/// The methods this path computes.
fn is_pair_method(method: &str) -> bool {
    matches!(method, "divergence" | "Fst" | "f2" | "genetic_relatedness")
}

/// A pair statistic with its arguments parsed by the `params` helpers, with the defaults of
/// the method's entry in `summaries::STATS`.
struct PairRequest {
    def: &'static StatDef,
    mode: Mode,
    windows: Windows,
    span_normalise: bool,
    polarised: bool,
    proportion: bool,
    centre: bool,
    sets: SampleSets,
    indexes: Indexes,
}

impl PairRequest {
    /// None when the general path should handle the call (other methods, node mode, time
    /// windows, fewer than `min_tuples` index pairs, or any argument it would refuse).
    fn parse(
        ts: &TreeSequence,
        method: &str,
        kwargs: &Value,
        arrays: Arrays,
        min_tuples: usize,
    ) -> Option<PairRequest> {
        if !is_pair_method(method) {
            return None;
        }
        let def = summaries::lookup(method)?;
        if def.arity != Arity::Tuples(2) {
            return None;
        }
        let allowed = def.allowed_kwargs();
        let kw = Kwargs::new(method, kwargs, &allowed).ok()?;
        // The number of pairs decides the path: count them before reading the sample sets,
        // which may be large (no `indexes`, or a single pair, is one tuple).
        let num_tuples = match kw.get("indexes") {
            Some(Value::Array(items)) if items.iter().any(Value::is_array) => items.len(),
            _ => 1,
        };
        if num_tuples < min_tuples {
            return None;
        }
        let mode = params::parse_mode(method, kw.get("mode")).ok()?;
        if mode == Mode::Node || kw.get("time_windows").is_some() {
            return None;
        }
        let windows = params::parse_windows(ts, method, kw.get("windows"), arrays).ok()?;
        let span_normalise = def.span_normalise && kw.bool_or("span_normalise", true).ok()?;
        let polarised = match def.polarised {
            Polarised::Never => false,
            Polarised::Option(default) => kw.bool_or("polarised", default).ok()?,
        };
        let proportion = def.proportion && kw.bool_or("proportion", true).ok()?;
        let centre = def.centre && kw.bool_or("centre", true).ok()?;
        let sets = params::parse_sample_sets(ts, method, kw.get("sample_sets"), arrays).ok()??;
        if sets.dropped {
            return None;
        }
        let indexes =
            match params::parse_indexes(method, kw.get("indexes"), 2, sets.sets.len()).ok()? {
                Some(i) => i,
                None => params::default_indexes(method, 2, sets.sets.len(), "sample sets").ok()?,
            };
        Some(PairRequest {
            def,
            mode,
            windows,
            span_normalise,
            polarised,
            proportion,
            centre,
            sets,
            indexes,
        })
    }

    fn set_sizes(&self) -> Vec<f64> {
        self.sets.sets.iter().map(|s| s.len() as f64).collect()
    }

    /// The engine's sums for this statistic (`[window][output]`, before the derived step),
    /// span-normalised on request.
    fn sums(&self, ts: &TreeSequence) -> (Vec<f64>, usize) {
        let n = self.set_sizes();
        let tuples = &self.indexes.tuples;
        let (mut sums, m) = match self.mode {
            Mode::Site => {
                let weights = params::indicator_weights(ts, &self.sets.sets, false);
                let args = SummaryArgs {
                    set_sizes: &n,
                    tuples,
                    centre: self.centre,
                    weight_totals: &[],
                    num_weights: n.len(),
                    num_samples: ts.num_samples(),
                };
                let f = summaries::make_summary(self.def.summary, &args);
                (
                    site_sums(
                        ts,
                        &weights,
                        f.as_ref(),
                        self.polarised,
                        &self.windows.breaks,
                    ),
                    f.output_dim(),
                )
            }
            _ => {
                let (mut sums, m) = self.branch_sums(ts, &n);
                algebra::zero_before_first_edge(ts, &self.windows.breaks, &mut sums, m);
                (sums, m)
            }
        };
        if self.span_normalise {
            span_normalise(&mut sums, &self.windows.breaks, m);
        }
        (sums, m)
    }

    /// Branch mode from the moments of the sets the pairs use (see `algebra.rs`).
    fn branch_sums(&self, ts: &TreeSequence, n: &[f64]) -> (Vec<f64>, usize) {
        let tuples = &self.indexes.tuples;
        let windows = &self.windows.breaks;
        let used = UsedSets::new(tuples, &self.sets.sets);
        match self.def.summary {
            SummaryKind::Tuple(TupleStat::F2) => (
                algebra::f2_sums(ts, &used, n, tuples, windows),
                tuples.len(),
            ),
            SummaryKind::Relatedness if self.centre || self.polarised => (
                algebra::relatedness_sums(
                    ts,
                    &used,
                    &self.sets.sets,
                    n,
                    tuples,
                    windows,
                    self.centre,
                    self.polarised,
                ),
                tuples.len(),
            ),
            summary => algebra::cross_sums(ts, &used, n, tuples, windows, summary),
        }
    }

    /// Refuses (`OUTPUT_TOO_LARGE`) before anything is allocated when the output and the
    /// working memory exceed the memory ceiling: the output and the sums it is derived from
    /// (windows × pairs each), the sets' indicator weights (site mode), and in branch mode the
    /// moments (windows × f² for the f sets the pairs use, twice per chunk row running at once)
    /// and each thread's per-node sums of the f sets.
    fn check_memory(&self, ts: &TreeSequence) -> Result<()> {
        use crate::memory::{product, Need};
        let nw = self.windows.num_windows() as u64;
        let pairs = self.indexes.tuples.len() as u64;
        let threads = rayon::current_num_threads().max(1) as u64;
        let n = ts.num_nodes() as u64;
        let mut used: Vec<usize> = self.indexes.tuples.iter().flatten().copied().collect();
        used.sort_unstable();
        used.dedup();
        let f = used.len() as u64;
        let need = Need::new().values_each::<f64>(
            format!("the output and the sums it is derived from ({nw} windows × {pairs} pairs)"),
            product([nw, pairs]),
            2,
        );
        let need = match self.mode {
            Mode::Site => need.values::<f64>(
                format!(
                    "indicator weights ({} samples × {} sets)",
                    ts.num_samples(),
                    self.sets.sets.len()
                ),
                product([ts.num_samples() as u64, self.sets.sets.len() as u64]),
            ),
            _ => need
                .values_each::<f64>(
                    format!("moments ({nw} windows × {f} × {f} sets, three copies)"),
                    product([nw, f, f]),
                    3,
                )
                .values_each::<f64>(
                    format!("per-thread buffers ({threads} threads × {n} nodes × {f} sets)"),
                    product([n, f]),
                    threads,
                ),
        };
        need.check(self.def.method)
    }

    fn run(&self, ts: &TreeSequence) -> Result<StatOutput> {
        self.check_memory(ts)?;
        let (sums, m) = self.sums(ts);
        let n = self.set_sizes();
        let tuples = &self.indexes.tuples;
        let derived = if self.def.derived == Derived::None && self.def.proportion && self.proportion
        {
            Derived::RelatednessProportion
        } else {
            self.def.derived
        };
        let data = crate::stats::finish_derived(
            ts,
            derived,
            sums,
            m,
            &n,
            tuples,
            &self.sets.sets,
            self.mode,
            &self.windows.breaks,
            self.span_normalise,
        )?;
        let mut shape = Vec::new();
        if self.windows.given {
            shape.push(self.windows.num_windows());
        }
        if !self.indexes.dropped {
            shape.push(tuples.len());
        }
        Ok(StatOutput { data, shape })
    }
}
