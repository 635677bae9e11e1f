//! The pair-statistic request: which calls take the many-pairs path, their arguments
//! (parsed by `stats::Request::parse`, with the defaults of the method's registry row), the memory they
//! need, and the run: sums per window (site mode from `site_sums.rs`, branch mode from the
//! moments through `algebra.rs`), then the statistic's derived step.

use serde_json::Value;

use super::algebra::{self, UsedSets};
use super::site_sums::site_sums;
use super::MANY_PAIRS;
use crate::bail;
use crate::error::Result;
use crate::stats::args::{Indexes, Kwargs, Mode, SampleSets, Windows};
use crate::stats::chunks::span_normalise;
use crate::stats::registry::Method;
use crate::stats::summaries::{self, Arity, Derived, StatDef, SummaryArgs, SummaryKind, TupleStat};
use crate::stats::weights;
use crate::stats::StatOutput;
use crate::treeseq::TreeSequence;

/// Whether a call of `method` takes this path: `divergence`, `Fst`, `f2` or
/// `genetic_relatedness` with more than [`MANY_PAIRS`] index pairs (or any number when
/// `forced`), in site or branch mode, without `time_windows`. Forced on a call it does not
/// handle, it refuses. The arguments are parsed by `stats::Request::parse`, the one parser
/// of every general statistic, which then builds a [`PairRequest`].
pub(crate) fn takes(
    method: &Method,
    def: &StatDef,
    forced: bool,
    kw: &Kwargs,
    mode: Mode,
    time_windows: bool,
) -> Result<bool> {
    let handled = is_pair_method(method.tskit)
        && def.arity == Arity::Tuples(2)
        && mode != Mode::Node
        && !time_windows;
    if forced && !handled {
        bail!(
            BadParam,
            "{}: the many-pairs path takes divergence, Fst, f2 or genetic_relatedness in site or branch mode, without time_windows, with valid arguments",
            method.tskit
        );
    }
    // The number of pairs decides the path: counted before reading the sample sets, which
    // may be large (no `indexes`, or a single pair, is one tuple).
    let num_tuples = match kw.get("indexes") {
        Some(Value::Array(items)) if items.iter().any(Value::is_array) => items.len(),
        _ => 1,
    };
    Ok(handled && (forced || num_tuples > MANY_PAIRS))
}

/// The pair path whatever the number of pairs (tests compare it with the engine and tskit).
/// Refuses arguments it does not handle (node mode, time windows) and argument errors.
pub fn compute_pairs_path(ts: &TreeSequence, method: &str, kwargs: &Value) -> Result<StatOutput> {
    crate::stats::compute_pairs_path(ts, method, kwargs)
}

/// The methods this path computes.
fn is_pair_method(method: &str) -> bool {
    matches!(method, "divergence" | "Fst" | "f2" | "genetic_relatedness")
}

/// A pair statistic with its arguments parsed (by `stats::Request::parse`), with the defaults
/// of the method's row in the registry.
pub(crate) struct PairRequest {
    pub name: &'static str,
    pub def: &'static StatDef,
    pub mode: Mode,
    pub windows: Windows,
    pub span_normalise: bool,
    pub polarised: bool,
    pub proportion: bool,
    pub centre: bool,
    pub sets: SampleSets,
    pub indexes: Indexes,
}

impl PairRequest {
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
                let weights = weights::indicator_weights(ts, &self.sets.sets, false);
                let args = SummaryArgs {
                    set_sizes: &n,
                    tuples,
                    centre: self.centre,
                    weight_totals: &[],
                    num_weights: n.len(),
                    num_samples: ts.num_samples(),
                    projection: &[],
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
    /// moments (windows × f² for the f sets the pairs use, three copies), what each piece of
    /// the genome hands to the next (f² each) and each thread's per-node sums of the f sets.
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
                    format!(
                        "the pieces' hand-overs and first rows (up to {} pieces × {f} × {f} sets, twice)",
                        crate::stats::chunks::MAX_PIECES
                    ),
                    product([crate::stats::chunks::MAX_PIECES as u64, f, f]),
                    2,
                )
                .values_each::<f64>(
                    format!("per-thread buffers ({threads} threads × {n} nodes × {f} sets)"),
                    product([n, f]),
                    threads,
                ),
        };
        need.check(self.name)
    }

    pub(crate) fn run(&self, ts: &TreeSequence) -> Result<StatOutput> {
        self.check_memory(ts)?;
        let (sums, m) = self.sums(ts);
        let n = self.set_sizes();
        let tuples = &self.indexes.tuples;
        let derived = if self.def.derived == Derived::None && self.proportion {
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
