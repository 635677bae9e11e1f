//! Statistics: one general engine (branch, site and node modes over windows), and every
//! statistic as a summary function handed to it.
//!
//! Entry point for the bindings: [`compute`] takes tskit's method name (`"diversity"`,
//! `"Tajimas_D"`, ...) and tskit's keyword arguments as JSON (snake_case, `W` for weights,
//! `sample_sets` flat or nested, `indexes` one tuple or a list, `windows` null, a list,
//! `"trees"` or `"sites"`) and returns the result flattened row-major with tskit's shape.
//! Normalising arguments and dropping dimensions happens here, once, for every backend.
//!
//! Layout of the module:
//! - `registry.rs`: the table of methods: names, algorithm, options and refusals;
//! - `args/`: reading and checking keyword arguments (shared by every statistic), and the
//!   wire protocol of the arrays beside them;
//! - `weights.rs`: the weight matrices the engine sums (indicators of sets, transforms of `W`);
//! - `summaries.rs`: the summary functions and how the engine computes each statistic;
//! - `engine/`: the parallel tree traversal that sums a summary over the genealogy.
//!
//! What it is not: `divergence_matrix`, `genetic_relatedness_matrix`, `mean_descendants`,
//! `genealogical_nearest_neighbours`, `ld_matrix` (`ld/`), the pair coalescence statistics
//! (`coalescence.rs`), `genetic_relatedness_vector` and `pca` have algorithms of their own
//! and are not here.
//!
//! Beyond tskit: windows need not start at 0 or end at the sequence length, and every
//! branch-mode statistic accepts `time_windows` (a time-window axis after the window axis,
//! as tskit's allele frequency spectrum has).

pub mod afs_branch;
pub(crate) mod alleles;
pub mod args;
pub(crate) mod chunks;
pub mod coalescence;
pub(crate) mod custom;
pub mod descendants;
pub mod engine;
pub mod ld;
pub mod matrix;
pub mod pairs;
pub mod pca;
pub mod registry;
pub mod relatedness_vector;
pub mod summaries;
pub mod weights;

use serde_json::Value;

use crate::bail;
use crate::error::Result;
use crate::treeseq::TreeSequence;
use args::{Arrays, Indexes, Kwargs, Mode, SampleSets, Windows};
use engine::{GeneralStat, Summary};
use registry::{Algorithm, Method};
use summaries::{AfsSummary, Arity, Derived, Input, StatDef, SummaryArgs, SummaryKind};
use weights::{centred, linear_model, standardised, with_fraction_column, WeightMatrix};

/// A statistic's result: `data` row-major with `shape` exactly as tskit's numpy shape
/// (`[]` for a scalar).
#[derive(Clone, Debug, PartialEq)]
pub struct StatOutput {
    pub data: Vec<f64>,
    pub shape: Vec<usize>,
}

/// Computes tskit's `ts.<method>(**kwargs)`.
pub fn compute(ts: &TreeSequence, method: &str, kwargs: &Value) -> Result<StatOutput> {
    compute_with(ts, method, kwargs, Arrays::default())
}

/// As [`compute_with`], from the keyword arguments as JSON text: what both bindings receive.
pub fn compute_json(
    ts: &TreeSequence,
    method: &str,
    kwargs_json: &str,
    arrays: Arrays,
) -> Result<StatOutput> {
    let kwargs: Value = serde_json::from_str(kwargs_json).map_err(|e| {
        crate::error::TreeSeqError::new(
            crate::error::ErrorCode::BadParam,
            format!("arguments are not valid JSON: {e}"),
        )
    })?;
    compute_with(ts, method, &kwargs, arrays)
}

/// As [`compute`], with large arrays passed beside the JSON (see [`args::Arrays`]).
pub fn compute_with(
    ts: &TreeSequence,
    method: &str,
    kwargs: &Value,
    arrays: Arrays,
) -> Result<StatOutput> {
    let mut out = dispatch(ts, method, kwargs, arrays)?;
    // One NaN: 0/0 gives a NaN whose sign bit depends on how the sums were split (a thread
    // count, a chunking), and results are promised the same bits at any thread count.
    for x in out.data.iter_mut().filter(|x| x.is_nan()) {
        *x = f64::NAN;
    }
    Ok(out)
}

/// Runs `name` (tskit's method name): finds its row in the registry, refuses the options it
/// does not take, and hands the arguments to its algorithm.
fn dispatch(ts: &TreeSequence, name: &str, kwargs: &Value, arrays: Arrays) -> Result<StatOutput> {
    // tskit's genotype_matrix: not a statistic, but it crosses to JavaScript the same way
    // (the WebAssembly build's parallel work runs only through this call). Genotypes are
    // small integers, exact as f64.
    if name == "genotype_matrix" {
        return genotype_matrix(ts, kwargs, arrays);
    }
    // tskit's kc_distance: between two tree sequences, the other crossing as its file.
    if name == "kc_distance" {
        return crate::kc_distance::kc_distance_call(ts, kwargs, arrays);
    }
    let Some(method) = registry::lookup(name) else {
        let known: Vec<&str> = registry::METHODS.iter().map(|m| m.tskit).collect();
        bail!(
            BadParam,
            "unknown statistic '{name}' (known: {})",
            known.join(", ")
        );
    };
    check_options(method, kwargs)?;
    // As tskit: branch lengths mean nothing when node times are not calibrated (tskit's
    // ld_matrix, relatedness vector and pca make no such check).
    let checks_time_units = !matches!(
        method.algorithm,
        Algorithm::LdMatrix | Algorithm::RelatednessVector | Algorithm::Pca
    );
    if checks_time_units
        && kwargs.get("mode").and_then(Value::as_str) == Some("branch")
        && ts.time_units() == "uncalibrated"
    {
        bail!(
            BadParam,
            "{}: mode=\"branch\" needs calibrated node times, but this tree sequence's time_units is \"uncalibrated\"",
            method.tskit
        );
    }
    match &method.algorithm {
        Algorithm::General(def) => {
            Request::parse(ts, method, def, kwargs, arrays, Path::Choose)?.run(ts)
        }
        // Algorithms of their own, with the same arguments (the arrays beside the JSON
        // included) read by the same helpers.
        Algorithm::Matrix => matrix::compute(ts, method, kwargs, arrays),
        Algorithm::MeanDescendants => descendants::mean_descendants(ts, method, kwargs, arrays),
        Algorithm::GenealogicalNearestNeighbours => {
            descendants::genealogical_nearest_neighbours(ts, method, kwargs, arrays)
        }
        Algorithm::LdMatrix => ld::compute(ts, method, kwargs, arrays),
        Algorithm::PairCoalescence(which) => {
            coalescence::compute(ts, method, *which, kwargs, arrays)
        }
        Algorithm::RelatednessVector => relatedness_vector::compute(ts, method, kwargs, arrays),
        Algorithm::Pca => pca::compute(ts, method, kwargs, arrays),
    }
}

/// Refuses (in the registry) any option the method does not take.
fn check_options(method: &Method, kwargs: &Value) -> Result<()> {
    match kwargs {
        Value::Null => Ok(()),
        Value::Object(m) => method.check_options(m),
        other => bail!(
            BadParam,
            "{}: keyword arguments must be a JSON object, got {}",
            method.tskit,
            crate::args::kind(other)
        ),
    }
}

/// tskit's `genotype_matrix`, as numbers.
fn genotype_matrix(ts: &TreeSequence, kwargs: &Value, arrays: Arrays) -> Result<StatOutput> {
    let options = crate::variants::VariantOptions::from_json("genotypeMatrix", kwargs, arrays)?;
    let (data, rows, cols) = crate::variants::genotype_matrix(ts, &options)?;
    let mut out = Vec::new();
    crate::memory::try_reserve(
        &mut out,
        data.len(),
        "genotype_matrix: the matrix as numbers",
    )?;
    out.extend(data.iter().map(|&g| g as f64));
    Ok(StatOutput {
        data: out,
        shape: vec![rows, cols],
    })
}

/// The many-pairs path whatever the number of pairs (tests compare it with the engine and
/// tskit). Refuses what it does not handle (other methods, node mode, time windows), and
/// arguments as `compute` refuses them.
pub(crate) fn compute_pairs_path(
    ts: &TreeSequence,
    name: &str,
    kwargs: &Value,
) -> Result<StatOutput> {
    let not_handled = || {
        crate::error::TreeSeqError::new(
            crate::error::ErrorCode::BadParam,
            format!("{name}: the many-pairs path takes divergence, Fst, f2 or genetic_relatedness in site or branch mode, without time_windows, with valid arguments"),
        )
    };
    let method = registry::lookup(name).ok_or_else(not_handled)?;
    let Algorithm::General(def) = &method.algorithm else {
        return Err(not_handled());
    };
    check_options(method, kwargs)?;
    let req = Request::parse(ts, method, def, kwargs, Arrays::default(), Path::Pairs)?;
    let mut out = req.run(ts)?;
    for x in out.data.iter_mut().filter(|x| x.is_nan()) {
        *x = f64::NAN;
    }
    Ok(out)
}

/// Which algorithm a general statistic takes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Path {
    /// The many-pairs path above [`pairs::MANY_PAIRS`] index pairs where it applies, the
    /// general engine otherwise.
    Choose,
    /// The many-pairs path, or a refusal.
    Pairs,
}

/// A statistic call with its arguments parsed and checked.
struct Request {
    method: &'static Method,
    def: &'static StatDef,
    mode: Mode,
    windows: Windows,
    time_windows: Option<Vec<f64>>,
    span_normalise: bool,
    polarised: bool,
    proportion: bool,
    centre: bool,
    /// Sample sets (None for weight-based statistics).
    sets: Option<SampleSets>,
    /// Weights the engine sums: indicators of the sets, or the transformed `W`.
    weights: WeightMatrix,
    /// Number of weight columns the caller gave (W's columns; sets for set statistics).
    num_inputs: usize,
    indexes: Option<Indexes>,
    /// Column sums of `W` (genetic_relatedness_weighted's centring).
    weight_totals: Vec<f64>,
    /// trait_linear_model's V = Wᵀ Z' (empty for the others; see `weights::linear_model`).
    projection: Vec<f64>,
    /// general_stat's and sample_count_stat's own options (see `custom.rs`).
    custom: Option<Box<custom::CustomCall>>,
    /// The engine's chunks, planned while the inputs were read (None when the engine is not
    /// used: the branch-mode spectrum, see afs_branch.rs).
    plan: Option<engine::ChunkPlan>,
    /// A time axis of length 1 in the shape without time windows in the computation (the
    /// site-mode spectrum with `time_windows` [0, inf], as tskit).
    whole_time_axis: bool,
}

/// A general statistic's call, parsed: for the general engine, or for the many-pairs path.
enum Parsed {
    // Boxed: a parsed request is several times a pair request's size.
    Engine(Box<Request>),
    Pairs(pairs::PairRequest),
}

impl Parsed {
    fn run(self, ts: &TreeSequence) -> Result<StatOutput> {
        match self {
            Parsed::Engine(req) => req.run(ts),
            Parsed::Pairs(req) => req.run(ts),
        }
    }
}

/// What [`Request::parse_inputs`] reads: the sample sets (and their indicator weights) or
/// the weights `W`, and the index tuples (the fields of [`Request`] of the same names).
struct Inputs {
    sets: Option<SampleSets>,
    weights: WeightMatrix,
    num_inputs: usize,
    weight_totals: Vec<f64>,
    projection: Vec<f64>,
    indexes: Option<Indexes>,
}

impl Request {
    /// The one parser of a general statistic's arguments, whichever algorithm then runs: the
    /// options every method shares ([`args::Options`]), then the sample sets or weights and
    /// the index tuples.
    fn parse(
        ts: &TreeSequence,
        method: &'static Method,
        def: &'static StatDef,
        kwargs: &Value,
        arrays: Arrays,
        path: Path,
    ) -> Result<Parsed> {
        let name = method.tskit;
        let kw = Kwargs::with_arrays(name, kwargs, arrays)?;
        let args::Options {
            mode,
            windows,
            mut time_windows,
            span_normalise,
            polarised,
            proportion,
            centre,
        } = args::Options::parse(ts, method, &kw)?;
        // As tskit: the site-mode spectrum takes the one time window that changes nothing,
        // [0, inf], and keeps its axis (of length 1) in the shape.
        let whole_time_axis = def.arity == Arity::Afs
            && mode == Mode::Site
            && time_windows.as_deref() == Some(&[0.0, f64::INFINITY][..]);
        if whole_time_axis {
            time_windows = None;
        }
        if time_windows.is_some() && mode != Mode::Branch {
            bail!(
                BadParam,
                "{name}: time_windows are only supported in branch mode (mode is \"{}\")",
                mode.as_str()
            );
        }

        if pairs::takes(
            method,
            def,
            path == Path::Pairs,
            &kw,
            mode,
            time_windows.is_some(),
        )? {
            let sets = Request::parse_sets(ts, name, def, &kw, arrays)?;
            let indexes = Request::parse_indexes(name, def, &kw, sets.sets.len())?
                .expect("the pair statistics take index tuples");
            return Ok(Parsed::Pairs(pairs::PairRequest {
                name,
                def,
                mode,
                windows,
                span_normalise,
                polarised,
                proportion,
                centre,
                sets,
                indexes,
            }));
        }

        // The chunks depend only on the windows and the kind of statistic: they are planned
        // on another thread while this one reads the sample sets or weights.
        // (Not the branch-mode spectrum, which has its own walk, nor a custom statistic's
        // summing run in site mode, which sums the gathering run's list: see custom.rs.)
        let own_walk = def.arity == Arity::Afs && mode == Mode::Branch;
        let summing_sites =
            def.summary == SummaryKind::Custom && mode == Mode::Site && kw.get("f").is_some();
        let uses_engine = !own_walk && !summing_sites;
        let (plan, inputs) = rayon::join(
            || {
                uses_engine.then(|| {
                    engine::ChunkPlan::new(ts, &windows.breaks, mode, def.arity != Arity::Afs)
                })
            },
            || Request::parse_inputs(ts, name, def, &kw, arrays),
        );
        let Inputs {
            sets,
            weights,
            num_inputs,
            weight_totals,
            projection,
            indexes,
        } = inputs?;
        let custom = match def.summary {
            SummaryKind::Custom => Some(Box::new(custom::CustomCall::parse(
                &kw,
                arrays,
                weights.num_cols,
            )?)),
            _ => None,
        };

        let req = Request {
            method,
            def,
            mode,
            windows,
            time_windows,
            span_normalise,
            polarised,
            proportion,
            centre,
            sets,
            weights,
            num_inputs,
            indexes,
            weight_totals,
            projection,
            custom,
            plan,
            whole_time_axis,
        };
        req.check_output(ts)?;
        Ok(Parsed::Engine(Box::new(req)))
    }

    /// Refuses (`OUTPUT_TOO_LARGE`) an output larger than the memory ceiling, or than any
    /// integer, before anything is computed: the spectrum of 8 sets of 45 has 46^8 cells, of
    /// 60 sets of 6 more than 2^64. The engine then checks its working memory (see
    /// `engine::check_memory`).
    fn check_output(&self, ts: &TreeSequence) -> Result<()> {
        let shape = self.shape_u64(ts);
        // WebAssembly copies the result once more in its memory as it crosses to JavaScript.
        let (copies, how) = if cfg!(target_arch = "wasm32") {
            (2, ", twice (once more as it crosses to JavaScript)")
        } else {
            (1, "")
        };
        crate::memory::Need::new()
            .values_each::<f64>(
                format!("the output of shape [{}]{how}", crate::memory::dims(&shape)),
                crate::memory::product(shape.iter().copied()),
                copies,
            )
            .check(self.method.tskit)
    }

    /// The inputs a statistic sums over (see [`Inputs`]).
    fn parse_inputs(
        ts: &TreeSequence,
        method: &str,
        def: &StatDef,
        kw: &Kwargs,
        arrays: Arrays,
    ) -> Result<Inputs> {
        let mut projection = Vec::new();
        let (sets, weights, num_inputs, weight_totals) = if def.input == Input::Weights {
            let w = args::parse_weights(ts, method, kw.get("W"), arrays)?;
            let totals = w.column_sums();
            let k = w.num_cols;
            let weights = match def.summary {
                SummaryKind::TraitCovariance => centred(&w),
                SummaryKind::TraitCorrelation => standardised(method, &w)?,
                SummaryKind::TraitLinearModel => {
                    let z = match kw.get("Z") {
                        None => None,
                        Some(z) => Some(args::parse_matrix(ts, method, "Z", z, arrays)?),
                    };
                    let model = linear_model(method, &w, z.as_ref())?;
                    projection = model.projection;
                    model.weights
                }
                SummaryKind::Custom => {
                    let mut w = w;
                    custom::mark_exact(&mut w);
                    w
                }
                _ => with_fraction_column(&w),
            };
            (None, weights, k, totals)
        } else {
            let sets = Request::parse_sets(ts, method, def, kw, arrays)?;
            let afs = def.arity == Arity::Afs;
            let k = sets.sets.len();
            // One weight per sample and set (and one more for all samples in the spectrum),
            // and, for a few sets, each sample's row packed as counts beside them.
            let (n, cols) = (ts.num_samples(), k + afs as usize);
            let width = weights::packed_width(n, cols).unwrap_or(0);
            crate::memory::Need::new()
                .values::<f64>(
                    format!("the sample sets' indicator weights ({n} samples × {cols} columns)"),
                    crate::memory::product([n as u64, cols as u64]),
                )
                .values::<u64>(
                    format!("their rows packed as counts ({n} samples × {width} words)"),
                    crate::memory::product([n as u64, width as u64]),
                )
                .check(method)?;
            let weights = sets.indicator_weights(ts, afs);
            (Some(sets), weights, k, Vec::new())
        };
        let indexes = Request::parse_indexes(method, def, kw, num_inputs)?;
        Ok(Inputs {
            sets,
            weights,
            num_inputs,
            weight_totals,
            projection,
            indexes,
        })
    }

    /// The sample sets as given, or the method's default, with the checks tskit makes.
    fn parse_sets(
        ts: &TreeSequence,
        method: &str,
        def: &StatDef,
        kw: &Kwargs,
        arrays: Arrays,
    ) -> Result<SampleSets> {
        let given = args::parse_sample_sets(ts, method, kw.get("sample_sets"), arrays)?;
        if given.is_none() && ts.samples.is_empty() {
            // The default set (all samples) is empty: refused as an explicit empty set is,
            // and as tskit refuses it, rather than a value of 0/0.
            bail!(
                BadSampleSets,
                "{method}: this tree sequence has no samples, so the default sample set (all samples) is empty; sample sets must contain at least one element"
            );
        }
        let sets = match (given, def.input) {
            (Some(s), _) => s,
            (None, Input::SampleSetsDefaultAll) => SampleSets::new(vec![ts.samples.clone()], true),
            (None, Input::SampleSetsDefaultAllNested) => {
                SampleSets::new(vec![ts.samples.clone()], false)
            }
            (None, _) => bail!(
                BadSampleSets,
                "{method}: missing required argument sample_sets"
            ),
        };
        let sets = if def.arity == Arity::Afs {
            // The spectrum keeps one axis per set even for a flat list of ids.
            SampleSets {
                dropped: false,
                ..sets
            }
        } else {
            sets
        };
        if matches!(def.arity, Arity::Tuples(_) | Arity::Custom) && sets.dropped {
            bail!(BadSampleSets, "{method}: sample_sets must be a list of sample sets (lists of ids), not one flat list");
        }
        Ok(sets)
    }

    /// The index tuples of a k-way statistic (None for the others), as given or tskit's
    /// default, into `num_inputs` sets or weight columns.
    fn parse_indexes(
        method: &str,
        def: &StatDef,
        kw: &Kwargs,
        num_inputs: usize,
    ) -> Result<Option<Indexes>> {
        let Arity::Tuples(k) = def.arity else {
            return Ok(None);
        };
        let what = if def.input == Input::Weights {
            "columns in W"
        } else {
            "sample sets"
        };
        Ok(Some(
            match args::parse_indexes(method, kw.get("indexes"), k, num_inputs)? {
                Some(i) => i,
                None => args::default_indexes(method, k, num_inputs, what)?,
            },
        ))
    }

    fn set_sizes(&self) -> Vec<f64> {
        self.sets.as_ref().map_or_else(Vec::new, |s| {
            s.sets.iter().map(|x| x.len() as f64).collect()
        })
    }

    fn general<'a>(&'a self, weights: &'a WeightMatrix, summary: Summary<'a>) -> GeneralStat<'a> {
        GeneralStat {
            weights,
            summary,
            mode: self.mode,
            windows: &self.windows.breaks,
            time_windows: self.time_windows.as_deref(),
            polarised: self.polarised,
            span_normalise: self.span_normalise,
        }
    }

    fn run(mut self, ts: &TreeSequence) -> Result<StatOutput> {
        let def = self.def;
        // The chunks planned while the arguments were read, for the engine run below.
        let mut plan = self.plan.take();
        let run_engine = |stat: &GeneralStat, plan: Option<engine::ChunkPlan>| match plan {
            Some(plan) => engine::run_planned(ts, stat, plan),
            None => engine::run(ts, stat),
        };
        let set_sizes = self.set_sizes();
        let tuples: &[Vec<usize>] = self.indexes.as_ref().map_or(&[], |i| &i.tuples);

        let (sums, m) = if let Some(call) = &self.custom {
            // The caller's summary (custom.rs): the gathering run returns the states f is
            // needed at; the summing run sums f's values from the table (in site mode, from
            // the gathering run's list of evaluations, without walking again).
            let total = self.weights.column_sums();
            let k = self.weights.num_cols;
            let Some(table) = &call.table else {
                if self.mode == Mode::Site {
                    let stat = self.general(&self.weights, Summary::Record);
                    let records = engine::record_sites(ts, &stat, plan.take())?;
                    let (data, shape) = custom::SiteStates::gather(&records, k, &total);
                    return Ok(StatOutput { data, shape });
                }
                let recorder = custom::StateRecorder::new(call.output_dim);
                run_engine(
                    &self.general(&self.weights, Summary::Dense(&recorder)),
                    plan.take(),
                )?;
                let (data, rows) = recorder.into_states(k, &total);
                return Ok(StatOutput {
                    data,
                    shape: vec![rows, k],
                });
            };
            if call.strict {
                table.check_strict(self.method.tskit, &total)?;
            }
            if table.has_replay() && self.mode != Mode::Site {
                bail!(
                    BadParam,
                    "{}: f's table lists site evaluations, from a first run in site mode, but mode is {}",
                    self.method.tskit,
                    self.mode.as_str()
                );
            }
            let breaks = &self.windows.breaks;
            let inside = |x: f64| ts.tables.sites.position.partition_point(|&p| p < x);
            let num_sites = inside(breaks[breaks.len() - 1]) - inside(breaks[0]);
            let sums = match table.sum_sites(self.method.tskit, breaks.len() - 1, num_sites) {
                Some(sums) => {
                    let mut sums = sums?;
                    if self.span_normalise {
                        chunks::span_normalise(&mut sums, breaks, call.output_dim);
                    }
                    sums
                }
                None => {
                    let sums = run_engine(
                        &self.general(&self.weights, Summary::Dense(table)),
                        plan.take(),
                    )?;
                    table.check_complete(self.method.tskit)?;
                    sums
                }
            };
            (sums, call.output_dim)
        } else if def.arity == Arity::Afs && self.mode == Mode::Branch {
            // tskit's own accumulation, which is not the sum over trees (see afs_branch.rs),
            // with or without time windows: one spectrum, one value.
            let sets = &self.sets.as_ref().expect("AFS takes sample sets").sets;
            let m = sets.iter().map(|s| s.len() + 1).product();
            (
                afs_branch::run(
                    ts,
                    sets,
                    &self.windows.breaks,
                    self.time_windows.as_deref(),
                    self.polarised,
                    self.span_normalise,
                )?,
                m,
            )
        } else if def.arity == Arity::Afs {
            let sizes: Vec<usize> = self
                .sets
                .as_ref()
                .expect("AFS takes sample sets")
                .sets
                .iter()
                .map(Vec::len)
                .collect();
            let afs = AfsSummary::new(&sizes, ts.num_samples(), self.polarised);
            (
                run_engine(
                    &self.general(&self.weights, Summary::Afs(&afs)),
                    plan.take(),
                )?,
                afs.size(),
            )
        } else {
            let args = SummaryArgs {
                set_sizes: &set_sizes,
                tuples,
                centre: self.centre,
                weight_totals: &self.weight_totals,
                num_weights: self.num_inputs,
                num_samples: ts.num_samples(),
                projection: &self.projection,
            };
            let f = summaries::make_summary(def.summary, &args);
            (
                run_engine(
                    &self.general(&self.weights, Summary::Dense(f.as_ref())),
                    plan.take(),
                )?,
                f.output_dim(),
            )
        };

        let derived = if def.derived == Derived::None && self.proportion {
            Derived::RelatednessProportion
        } else {
            def.derived
        };
        let sets = self.sets.as_ref().map_or(&[][..], |s| &s.sets[..]);
        let data = finish_derived(
            ts,
            derived,
            sums,
            m,
            &set_sizes,
            tuples,
            sets,
            self.mode,
            &self.windows.breaks,
            self.span_normalise,
        )?;
        Ok(StatOutput {
            shape: self.shape(ts),
            data,
        })
    }

    /// tskit's output shape: windows, time windows, nodes, then the statistic's axes, with
    /// the axes tskit drops dropped.
    fn shape(&self, ts: &TreeSequence) -> Vec<usize> {
        // Checked against the ceiling (`check_output`) before the run, so every axis fits.
        self.shape_u64(ts).into_iter().map(|d| d as usize).collect()
    }

    /// [`Request::shape`] at full width, whatever this backend's usize.
    fn shape_u64(&self, ts: &TreeSequence) -> Vec<u64> {
        let mut shape: Vec<u64> = Vec::new();
        if self.windows.given {
            shape.push(self.windows.num_windows() as u64);
        }
        if let Some(t) = &self.time_windows {
            shape.push(t.len() as u64 - 1);
        } else if self.whole_time_axis {
            shape.push(1);
        }
        if self.mode == Mode::Node {
            shape.push(ts.num_nodes() as u64);
        }
        match self.def.arity {
            Arity::PerSet => {
                let s = self
                    .sets
                    .as_ref()
                    .expect("per-set statistics take sample sets");
                if !s.dropped {
                    shape.push(s.sets.len() as u64);
                }
            }
            Arity::Tuples(_) => {
                let i = self
                    .indexes
                    .as_ref()
                    .expect("k-way statistics have indexes");
                if !i.dropped {
                    shape.push(i.tuples.len() as u64);
                }
            }
            Arity::PerColumn => shape.push(self.num_inputs as u64),
            Arity::Custom => shape.push(
                self.custom
                    .as_ref()
                    .expect("custom statistics have their options")
                    .output_dim as u64,
            ),
            Arity::Afs => shape.extend(
                self.sets
                    .as_ref()
                    .expect("AFS takes sample sets")
                    .sets
                    .iter()
                    .map(|s| s.len() as u64 + 1),
            ),
        }
        shape
    }
}

/// Turns the engine's sums (rows of `m`) into a derived statistic's outputs (Tajima's D, Fst,
/// relatedness as a proportion, ...), for the general path and the many-pairs path alike.
/// `genetic_relatedness(proportion=True)` divides by the segregating sites of the union of the
/// sets, computed unpolarised with the same windows and normalisation.
#[allow(
    clippy::too_many_arguments,
    reason = "the general path and the many-pairs path hand over what each has parsed"
)]
pub(crate) fn finish_derived(
    ts: &TreeSequence,
    derived: Derived,
    sums: Vec<f64>,
    m: usize,
    set_sizes: &[f64],
    tuples: &[Vec<usize>],
    sets: &[Vec<i32>],
    mode: Mode,
    windows: &[f64],
    span_normalise: bool,
) -> Result<Vec<f64>> {
    if derived == Derived::None {
        return Ok(sums);
    }
    let denominators = if derived == Derived::RelatednessProportion {
        let mut union: Vec<i32> = sets.concat();
        union.sort_unstable();
        union.dedup();
        let w = weights::indicator_weights(ts, &[union.clone()], false);
        let seg = summaries::SegregatingSites::new(&[union.len() as f64]);
        let stat = GeneralStat {
            weights: &w,
            summary: Summary::Dense(&seg),
            mode,
            windows,
            time_windows: None,
            polarised: false,
            span_normalise,
        };
        engine::run(ts, &stat)?
    } else {
        Vec::new()
    };
    let rows = sums.len() / m.max(1);
    let finisher = summaries::Finisher::new(derived, set_sizes, tuples);
    let mut data = Vec::with_capacity(rows * tuples.len().max(set_sizes.len()));
    for r in 0..rows {
        let den = denominators.get(r).copied().unwrap_or(f64::NAN);
        finisher.finish(&sums[r * m..(r + 1) * m], den, &mut data);
    }
    Ok(data)
}
