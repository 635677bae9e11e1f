//! Every method the bindings compute, defined once: its names, its algorithm, the options it
//! takes (with their defaults) and what it refuses.
//!
//! What it is for: [`METHODS`] is the one table of statistics. `stats::compute` finds a row by
//! tskit's name, refuses an option the row does not list ([`Method::check_options`]), and
//! hands the row to its algorithm. The TypeScript layer's list of methods, its option names,
//! the options each statistic takes (which it refuses others by, under treeseq's camelCase
//! names) and each statistic's options type are generated from this table at build time
//! (`examples/generate_ts.rs` writes `ts/generated/stats.ts`; `tests/generated_ts.rs` checks
//! the committed file is fresh), so the two languages cannot disagree.
//!
//! What it is not: the summary functions and the engine's description of a general statistic
//! ([`StatDef`], in `summaries.rs`), nor the parsing of option values (`args/`).

use serde_json::{Map, Value};

use super::args::Mode;
use super::summaries::{Arity, Derived, Input, StatDef, SummaryKind, TupleStat};
use crate::bail;
use crate::error::Result;

/// An option some method takes: tskit's keyword and treeseq's camelCase name for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opt {
    SampleSets,
    Indexes,
    Windows,
    TimeWindows,
    Mode,
    SpanNormalise,
    Polarised,
    Proportion,
    Centre,
    /// tskit's `W`, treeseq's `weights`.
    W,
    /// trait_linear_model's covariates: tskit's `Z`, treeseq's `covariates`.
    Z,
    /// general_stat's summary function (the core takes its values: see `custom.rs`), the
    /// length of its result, and whether it must be 0 at zero and total weight.
    F,
    OutputDim,
    Strict,
    Focal,
    /// Accepted as tskit accepts it, and ignored: the thread pool decides.
    NumThreads,
    /// `ld_matrix`'s two-locus statistic by name ("r2", "D", ...).
    Stat,
    /// `ld_matrix`'s row and column sites (site mode).
    Sites,
    /// `ld_matrix`'s row and column positions (branch mode).
    Positions,
    /// The pair coalescence statistics' division by the number of pairs.
    PairNormalise,
    /// `pair_coalescence_quantiles`' quantiles.
    Quantiles,
    /// `genetic_relatedness_vector`'s focal nodes.
    Nodes,
    /// `pca`'s options.
    NumComponents,
    Samples,
    Individuals,
    NumIterations,
    NumOversamples,
    RandomSeed,
    RangeSketch,
}

impl Opt {
    /// Every option, in the order the generated TypeScript lists them.
    pub const ALL: [Opt; 29] = [
        Opt::SampleSets,
        Opt::Indexes,
        Opt::Windows,
        Opt::TimeWindows,
        Opt::Mode,
        Opt::SpanNormalise,
        Opt::Polarised,
        Opt::Proportion,
        Opt::Centre,
        Opt::W,
        Opt::Z,
        Opt::F,
        Opt::OutputDim,
        Opt::Strict,
        Opt::Focal,
        Opt::NumThreads,
        Opt::Stat,
        Opt::Sites,
        Opt::Positions,
        Opt::PairNormalise,
        Opt::Quantiles,
        Opt::Nodes,
        Opt::NumComponents,
        Opt::Samples,
        Opt::Individuals,
        Opt::NumIterations,
        Opt::NumOversamples,
        Opt::RandomSeed,
        Opt::RangeSketch,
    ];

    /// tskit's keyword argument.
    pub fn tskit(self) -> &'static str {
        match self {
            Opt::SampleSets => "sample_sets",
            Opt::Indexes => "indexes",
            Opt::Windows => "windows",
            Opt::TimeWindows => "time_windows",
            Opt::Mode => "mode",
            Opt::SpanNormalise => "span_normalise",
            Opt::Polarised => "polarised",
            Opt::Proportion => "proportion",
            Opt::Centre => "centre",
            Opt::W => "W",
            Opt::Z => "Z",
            Opt::F => "f",
            Opt::OutputDim => "output_dim",
            Opt::Strict => "strict",
            Opt::Focal => "focal",
            Opt::NumThreads => "num_threads",
            Opt::Stat => "stat",
            Opt::Sites => "sites",
            Opt::Positions => "positions",
            Opt::PairNormalise => "pair_normalise",
            Opt::Quantiles => "quantiles",
            Opt::Nodes => "nodes",
            Opt::NumComponents => "num_components",
            Opt::Samples => "samples",
            Opt::Individuals => "individuals",
            Opt::NumIterations => "num_iterations",
            Opt::NumOversamples => "num_oversamples",
            Opt::RandomSeed => "random_seed",
            Opt::RangeSketch => "range_sketch",
        }
    }

    /// treeseq's name (the TypeScript option).
    pub fn camel(self) -> &'static str {
        match self {
            Opt::SampleSets => "sampleSets",
            Opt::Indexes => "indexes",
            Opt::Windows => "windows",
            Opt::TimeWindows => "timeWindows",
            Opt::Mode => "mode",
            Opt::SpanNormalise => "spanNormalise",
            Opt::Polarised => "polarised",
            Opt::Proportion => "proportion",
            Opt::Centre => "centre",
            Opt::W => "weights",
            Opt::Z => "covariates",
            Opt::F => "f",
            Opt::OutputDim => "outputDim",
            Opt::Strict => "strict",
            Opt::Focal => "focal",
            Opt::NumThreads => "numThreads",
            Opt::Stat => "stat",
            Opt::Sites => "sites",
            Opt::Positions => "positions",
            Opt::PairNormalise => "pairNormalise",
            Opt::Quantiles => "quantiles",
            Opt::Nodes => "nodes",
            Opt::NumComponents => "numComponents",
            Opt::Samples => "samples",
            Opt::Individuals => "individuals",
            Opt::NumIterations => "numIterations",
            Opt::NumOversamples => "numOversamples",
            Opt::RandomSeed => "randomSeed",
            Opt::RangeSketch => "rangeSketch",
        }
    }
}

/// One option of one method: whether it must be given, its default when it is a boolean, and
/// a line for the documentation (the generated TypeScript's doc comment).
#[derive(Clone, Copy, Debug)]
pub struct Param {
    pub opt: Opt,
    pub required: bool,
    /// The default of a boolean option (`span_normalise`, `polarised`, ...).
    pub default: Option<bool>,
    pub doc: &'static str,
}

const fn opt(opt: Opt, doc: &'static str) -> Param {
    Param {
        opt,
        required: false,
        default: None,
        doc,
    }
}

const fn required(opt: Opt, doc: &'static str) -> Param {
    Param {
        opt,
        required: true,
        default: None,
        doc,
    }
}

const fn flag(opt: Opt, default: bool, doc: &'static str) -> Param {
    Param {
        opt,
        required: false,
        default: Some(default),
        doc,
    }
}

/// How a method is computed.
#[derive(Clone, Copy, Debug)]
pub enum Algorithm {
    /// The general engine with a summary function (`engine/`), or, for the same statistic,
    /// the many-pairs path (`pairs.rs`) above its threshold of index pairs, and the branch
    /// spectrum's own accumulation (`afs_branch.rs`).
    General(StatDef),
    /// `divergence_matrix` and `genetic_relatedness_matrix` (`matrix.rs`).
    Matrix,
    /// `mean_descendants` (`nodes.rs`).
    MeanDescendants,
    /// `genealogical_nearest_neighbours` (`nodes.rs`).
    GenealogicalNearestNeighbours,
    /// `ld_matrix`: two-locus statistics between pairs of sites (`ld/`).
    LdMatrix,
    /// The pair coalescence statistics (`coalescence.rs`): counts of coalescing pairs per
    /// node or time window, and the quantiles or rates tskit summarises them into.
    PairCoalescence(Coalescence),
    /// `genetic_relatedness_vector` (`relatedness_vector.rs`).
    RelatednessVector,
    /// `pca` (`pca.rs`).
    Pca,
}

/// Which pair coalescence statistic: what each window's weights are summarised into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coalescence {
    /// `pair_coalescence_counts`: the weights themselves.
    Counts,
    /// `pair_coalescence_quantiles`: quantiles of the coalescence time.
    Quantiles,
    /// `pair_coalescence_rates`: coalescence rates in time windows.
    Rates,
}

/// One method: its names, its algorithm, its options, and what it refuses beyond unknown
/// options.
#[derive(Clone, Copy, Debug)]
pub struct Method {
    /// tskit's Python method name.
    pub tskit: &'static str,
    /// treeseq's name (the TypeScript method).
    pub camel: &'static str,
    pub algorithm: Algorithm,
    pub params: &'static [Param],
    /// Whether `mode: "node"` is taken (the spectrum and the matrices refuse it).
    pub node_mode: bool,
    /// Whether `sample_sets` may be one flat list of ids (otherwise it must be a list of
    /// lists: index tuples need several sets, and tskit refuses a flat list for the
    /// relatedness matrix and the reference sets).
    pub flat_sample_sets: bool,
    /// Options tskit renamed, refused with the new name: (old tskit name, old camelCase
    /// name, the option that replaces it).
    pub renamed: &'static [(&'static str, &'static str, Opt)],
    /// A line for the documentation of the method's options type.
    pub doc: &'static str,
}

impl Method {
    /// The row's engine description, for the general statistics.
    pub fn stat_def(&self) -> Option<&StatDef> {
        match &self.algorithm {
            Algorithm::General(def) => Some(def),
            _ => None,
        }
    }

    pub fn param(&self, opt: Opt) -> Option<&Param> {
        self.params.iter().find(|p| p.opt == opt)
    }

    pub fn takes(&self, opt: Opt) -> bool {
        self.param(opt).is_some()
    }

    /// The default of a boolean option; false when the method does not take it (tskit's
    /// `Tajimas_D` never span-normalises, most methods are never polarised).
    pub fn default_of(&self, opt: Opt) -> bool {
        self.param(opt).and_then(|p| p.default).unwrap_or(false)
    }

    /// Refuses (`BAD_PARAM`) every key of `kwargs` that is not one of this method's options
    /// (tskit's names), naming it, with the options it takes or the name that replaced it.
    /// The TypeScript layer refuses by the same rule, from the same table (generated), under
    /// treeseq's names, before a call reaches the core.
    pub fn check_options(&self, kwargs: &Map<String, Value>) -> Result<()> {
        let method = self.tskit;
        for key in kwargs.keys() {
            if self.params.iter().any(|p| p.opt.tskit() == key) {
                continue;
            }
            if let Some(&(_, _, new)) = self.renamed.iter().find(|(tskit, _, _)| key == tskit) {
                bail!(
                    BadParam,
                    "{method}: unknown option '{key}': treeseq, like tskit 1.0, names it '{}'",
                    new.tskit()
                );
            }
            let known: Vec<&str> = self.params.iter().map(|p| p.opt.tskit()).collect();
            bail!(
                BadParam,
                "{method}: unknown option '{key}' (known: {})",
                known.join(", ")
            );
        }
        Ok(())
    }
}

/// The row of a method, by tskit's name.
pub fn lookup(name: &str) -> Option<&'static Method> {
    METHODS.iter().find(|m| m.tskit == name)
}

/// A general statistic's engine description (see [`StatDef`]).
const fn stat(input: Input, arity: Arity, summary: SummaryKind) -> StatDef {
    StatDef {
        input,
        arity,
        summary,
        derived: Derived::None,
    }
}

const fn derived(input: Input, arity: Arity, summary: SummaryKind, d: Derived) -> StatDef {
    StatDef {
        input,
        arity,
        summary,
        derived: d,
    }
}

// The options' documentation, shared by the rows that take them alike.
const SETS_DEFAULT_ALL: &str =
    "Default: all samples, as one set (no statistic axis). A flat list of ids is one set too, and drops the axis.";
const SETS_REQUIRED: &str =
    "Lists of sample node ids, one per set; a flat list is one set (no statistic axis).";
const SETS_TUPLES: &str =
    "A list of sets (a flat list of ids is refused: index tuples need several sets).";
const INDEXES: &str = "Index tuples into the sets (default: the one tuple [0, 1, ...] when there are exactly as many sets).";
const INDEXES_W: &str = "Pairs of columns of `weights`.";
const WINDOWS: &str = "Genome windows: breakpoints, \"trees\" or \"sites\" (default: the whole genome, no window axis).";
const TIME_WINDOWS: &str = "Branch mode only: adds a time-window axis after the window axis (tskit takes it only in the spectrum; treeseq takes it everywhere).";
const MODE: &str = "\"site\" (the default), \"branch\" or \"node\".";
const MODE_NO_NODE: &str = "\"site\" (the default) or \"branch\": no node mode here.";
const SPAN_NORMALISE: &str =
    "Divide each window's value by its span (default true): a value per unit of sequence.";
const W: &str = "tskit's `W`: one row per sample (in `samples()` order), one column per trait.";
const NUM_THREADS: &str =
    "Accepted as tskit accepts it, and ignored: treeseq uses its own thread pool.";

const ONE_WAY: &[Param] = &[
    opt(Opt::SampleSets, SETS_DEFAULT_ALL),
    opt(Opt::Windows, WINDOWS),
    opt(Opt::Mode, MODE),
    opt(Opt::TimeWindows, TIME_WINDOWS),
    flag(Opt::SpanNormalise, true, SPAN_NORMALISE),
];

const Y1: &[Param] = &[
    required(Opt::SampleSets, SETS_REQUIRED),
    opt(Opt::Windows, WINDOWS),
    opt(Opt::Mode, MODE),
    opt(Opt::TimeWindows, TIME_WINDOWS),
    flag(Opt::SpanNormalise, true, SPAN_NORMALISE),
];

const TAJIMAS_D: &[Param] = &[
    opt(Opt::SampleSets, SETS_DEFAULT_ALL),
    opt(Opt::Windows, WINDOWS),
    opt(Opt::Mode, MODE),
    opt(Opt::TimeWindows, TIME_WINDOWS),
];

const MULTI_WAY: &[Param] = &[
    required(Opt::SampleSets, SETS_TUPLES),
    opt(Opt::Indexes, INDEXES),
    opt(Opt::Windows, WINDOWS),
    opt(Opt::Mode, MODE),
    opt(Opt::TimeWindows, TIME_WINDOWS),
    flag(Opt::SpanNormalise, true, SPAN_NORMALISE),
];

const GENETIC_RELATEDNESS: &[Param] = &[
    required(Opt::SampleSets, SETS_TUPLES),
    opt(Opt::Indexes, INDEXES),
    opt(Opt::Windows, WINDOWS),
    opt(Opt::Mode, MODE),
    opt(Opt::TimeWindows, TIME_WINDOWS),
    flag(Opt::SpanNormalise, true, SPAN_NORMALISE),
    flag(
        Opt::Polarised,
        true,
        "Default true (unlike most statistics): the ancestral allele is left out.",
    ),
    flag(
        Opt::Proportion,
        true,
        "Default true: divided by `segregatingSites` of the union of the sets, with the same windows and mode (so `spanNormalise` then has no effect).",
    ),
    flag(
        Opt::Centre,
        true,
        "Default true: relative to the rest of the sets, `E[m(I,J) - m(I,S) - m(J,T) + m(S,T)]`.",
    ),
];

const TRAIT: &[Param] = &[
    required(Opt::W, W),
    opt(Opt::Windows, WINDOWS),
    opt(Opt::Mode, MODE),
    opt(Opt::TimeWindows, TIME_WINDOWS),
    flag(Opt::SpanNormalise, true, SPAN_NORMALISE),
];

const TRAIT_LINEAR_MODEL: &[Param] = &[
    required(Opt::W, W),
    opt(
        Opt::Z,
        "tskit's `Z`: one row per sample, one column per covariate (default: none, only the intercept). A column of ones is added unless it makes the columns dependent; dependent columns are refused.",
    ),
    opt(Opt::Windows, WINDOWS),
    opt(Opt::Mode, MODE),
    opt(Opt::TimeWindows, TIME_WINDOWS),
    flag(Opt::SpanNormalise, true, SPAN_NORMALISE),
];

const F: &str = "The summary function: `f(x: Float64Array)` returns `outputDim` numbers for the vector x of weight sums (sample counts) below a node or of an allele. It must not use variables from outside its body (it may run elsewhere, as source text). Called once per distinct x, in batches between two walks of the trees.";
const OUTPUT_DIM: &str = "The number of values f returns.";
const STRICT: &str = "Default true: f must be 0 (NaN counts as 0) for zero weight and for the total weight, as tskit checks.";
const POLARISED: &str = "Default false: when true, the ancestral allele (site mode) and the complement (branch and node modes) are left out.";

const GENERAL_STAT: &[Param] = &[
    required(Opt::W, W),
    required(Opt::F, F),
    required(Opt::OutputDim, OUTPUT_DIM),
    opt(Opt::Windows, WINDOWS),
    opt(Opt::Mode, MODE),
    opt(Opt::TimeWindows, TIME_WINDOWS),
    flag(Opt::Polarised, false, POLARISED),
    flag(Opt::SpanNormalise, true, SPAN_NORMALISE),
    flag(Opt::Strict, true, STRICT),
];

const SAMPLE_COUNT_STAT: &[Param] = &[
    required(
        Opt::SampleSets,
        "Lists of sample node ids, one per set (x counts each set's samples).",
    ),
    required(Opt::F, F),
    required(Opt::OutputDim, OUTPUT_DIM),
    opt(Opt::Windows, WINDOWS),
    opt(Opt::Mode, MODE),
    opt(Opt::TimeWindows, TIME_WINDOWS),
    flag(Opt::Polarised, false, POLARISED),
    flag(Opt::SpanNormalise, true, SPAN_NORMALISE),
    flag(Opt::Strict, true, STRICT),
];

const GENETIC_RELATEDNESS_WEIGHTED: &[Param] = &[
    required(Opt::W, W),
    opt(Opt::Indexes, INDEXES_W),
    opt(Opt::Windows, WINDOWS),
    opt(Opt::Mode, MODE),
    opt(Opt::TimeWindows, TIME_WINDOWS),
    flag(Opt::SpanNormalise, true, SPAN_NORMALISE),
    flag(Opt::Polarised, false, "Default false."),
    flag(
        Opt::Centre,
        true,
        "Default true: the relatedness summed over is centred, as in `geneticRelatedness`.",
    ),
];

const AFS: &[Param] = &[
    opt(
        Opt::SampleSets,
        "Default: all samples as one set. A flat list is one set too: the spectrum keeps its axis.",
    ),
    opt(Opt::Windows, WINDOWS),
    opt(Opt::Mode, MODE_NO_NODE),
    opt(
        Opt::TimeWindows,
        "Branch mode only: adds a time-window axis after the window axis.",
    ),
    flag(Opt::SpanNormalise, true, SPAN_NORMALISE),
    flag(
        Opt::Polarised,
        false,
        "Default false: the folded spectrum (minor allele counts).",
    ),
];

const DIVERGENCE_MATRIX: &[Param] = &[
    opt(
        Opt::SampleSets,
        "Default: one set per sample. A flat list of ids is one set per id.",
    ),
    opt(Opt::Windows, WINDOWS),
    opt(Opt::Mode, MODE_NO_NODE),
    flag(Opt::SpanNormalise, true, SPAN_NORMALISE),
    opt(Opt::NumThreads, NUM_THREADS),
];

const GENETIC_RELATEDNESS_MATRIX: &[Param] = &[
    opt(
        Opt::SampleSets,
        "Default: one set per sample. Must be a list of sets (tskit fails on a flat list).",
    ),
    opt(Opt::Windows, WINDOWS),
    opt(Opt::Mode, MODE_NO_NODE),
    flag(Opt::SpanNormalise, true, SPAN_NORMALISE),
    opt(Opt::NumThreads, NUM_THREADS),
];

const MEAN_DESCENDANTS: &[Param] = &[required(
    Opt::SampleSets,
    "The reference sets: lists of any nodes (not only samples); they may overlap.",
)];

const GNN: &[Param] = &[
    required(Opt::Focal, "The nodes whose neighbours are found."),
    required(
        Opt::SampleSets,
        "The reference sets (tskit's keyword is `sample_sets`): disjoint lists of nodes.",
    ),
    opt(Opt::NumThreads, NUM_THREADS),
];

const LD_MATRIX: &[Param] = &[
    opt(
        Opt::SampleSets,
        "Default: all samples, as one set (no set axis). A flat list of ids is one set too, and drops the axis; with `indexes`, a list of sets.",
    ),
    opt(
        Opt::Mode,
        "\"site\" (the default): between sites; \"branch\": between the trees at positions, from branch lengths.",
    ),
    opt(
        Opt::Stat,
        "The two-locus statistic (default \"r2\"): \"r2\", \"r\", \"D\", \"D2\", \"D_prime\", \"Dz\", \"pi2\", \"D2_unbiased\", \"Dz_unbiased\", \"pi2_unbiased\"; with `indexes` only \"r2\", \"D2\", \"D2_unbiased\".",
    ),
    opt(
        Opt::Sites,
        "Site mode: `[sites]` (a square matrix) or `[rowSites, colSites]`, each strictly increasing site ids (default: every site).",
    ),
    opt(
        Opt::Positions,
        "Branch mode: `[positions]` or `[rowPositions, colPositions]`, strictly increasing, in [0, sequenceLength) (default: every tree's left end; refused in site mode, as tskit).",
    ),
    opt(
        Opt::Indexes,
        "Pairs of sets for the two-way statistics (a single pair drops the axis).",
    ),
];

const COALESCENCE_SETS: &str =
    "Disjoint lists of sample node ids (a flat list is refused). Default: all samples, one set.";
const COALESCENCE_INDEXES: &str = "Pairs of sets, a list of 2-tuples (default: [(0, 0)] for one set, [(0, 1)] for two, with no index axis; required for more sets).";
const COALESCENCE_WINDOWS: &str = "Genome windows from 0 to the sequence length (tskit's rule), \"trees\" or \"sites\" (default: the whole genome, no window axis).";

const PAIR_COALESCENCE_COUNTS: &[Param] = &[
    opt(Opt::SampleSets, COALESCENCE_SETS),
    opt(Opt::Indexes, COALESCENCE_INDEXES),
    opt(Opt::Windows, COALESCENCE_WINDOWS),
    flag(
        Opt::SpanNormalise,
        true,
        "Divide by the span of each window that has edges (default true).",
    ),
    flag(
        Opt::PairNormalise,
        false,
        "Divide by the number of pairs of each index (default false): proportions of pairs.",
    ),
    opt(
        Opt::TimeWindows,
        "\"nodes\" (the default: one value per node) or increasing time breakpoints (one value per time window; nodes outside them are not counted).",
    ),
];

const PAIR_COALESCENCE_QUANTILES: &[Param] = &[
    required(
        Opt::Quantiles,
        "Increasing probabilities in [0, 1]: the coalescence times below which these proportions of pairs coalesce.",
    ),
    opt(Opt::SampleSets, COALESCENCE_SETS),
    opt(Opt::Indexes, COALESCENCE_INDEXES),
    opt(Opt::Windows, COALESCENCE_WINDOWS),
];

const PAIR_COALESCENCE_RATES: &[Param] = &[
    required(
        Opt::TimeWindows,
        "Increasing time breakpoints from the samples' time to Infinity.",
    ),
    opt(Opt::SampleSets, COALESCENCE_SETS),
    opt(Opt::Indexes, COALESCENCE_INDEXES),
    opt(Opt::Windows, COALESCENCE_WINDOWS),
];

/// A pair coalescence statistic's row.
const fn coalescence(
    tskit: &'static str,
    camel: &'static str,
    which: Coalescence,
    params: &'static [Param],
    doc: &'static str,
) -> Method {
    Method {
        tskit,
        camel,
        algorithm: Algorithm::PairCoalescence(which),
        params,
        node_mode: false,
        flat_sample_sets: false,
        renamed: &[],
        doc,
    }
}

const RELATEDNESS_VECTOR: &[Param] = &[
    required(Opt::W, W),
    opt(Opt::Windows, WINDOWS),
    opt(
        Opt::Mode,
        "tskit computes it in \"branch\" mode only, and its default, \"site\", is refused as tskit refuses it: pass mode \"branch\".",
    ),
    flag(Opt::SpanNormalise, true, SPAN_NORMALISE),
    flag(
        Opt::Centre,
        true,
        "Default true: the product with the centred relatedness matrix (W centred over the samples, the result over the focal nodes).",
    ),
    opt(
        Opt::Nodes,
        "Focal nodes, any nodes (default: the samples): rows of the result; needs `centre: false`.",
    ),
];

const PCA: &[Param] = &[
    required(Opt::NumComponents, "How many principal components."),
    opt(
        Opt::Windows,
        "Genome windows, one PCA each (default: the whole genome, no window axis).",
    ),
    opt(
        Opt::Samples,
        "Sample nodes to analyse (default: all samples); ids below the number of samples, as tskit.",
    ),
    opt(
        Opt::Individuals,
        "Individuals to analyse instead of samples, each the average of its nodes.",
    ),
    opt(
        Opt::TimeWindows,
        "One time interval [lo, hi]: relatedness from the branches inside it only.",
    ),
    opt(Opt::Mode, "\"branch\" (the default, and the only mode tskit takes)."),
    flag(Opt::Centre, true, "Default true: centre the relatedness matrix."),
    opt(
        Opt::NumIterations,
        "Power iterations of the range finder (default 5).",
    ),
    opt(
        Opt::NumOversamples,
        "Extra sketch vectors (default: min(10, dim - numComponents)); not with `rangeSketch`.",
    ),
    opt(
        Opt::RandomSeed,
        "Seed of numpy's generator, as tskit draws the sketch: the same seed gives tskit's result (default: a random seed).",
    ),
    opt(
        Opt::RangeSketch,
        "A starting sketch, as a previous result's `rangeSketch`.",
    ),
];

/// tskit 1.0 renamed `reference_sets` to `sample_sets` in the per-node statistics.
const REFERENCE_SETS: &[(&str, &str, Opt)] =
    &[("reference_sets", "referenceSets", Opt::SampleSets)];

/// A general statistic's row: node mode taken, flat sets as the arity allows.
const fn general(
    tskit: &'static str,
    camel: &'static str,
    def: StatDef,
    params: &'static [Param],
    doc: &'static str,
) -> Method {
    Method {
        tskit,
        camel,
        algorithm: Algorithm::General(def),
        params,
        node_mode: !matches!(def.arity, Arity::Afs),
        flat_sample_sets: !matches!(def.arity, Arity::Tuples(_) | Arity::Custom),
        renamed: &[],
        doc,
    }
}

use Arity::*;
use Input::*;
use SummaryKind as S;

/// Every method, in the order the TypeScript API lists them.
pub static METHODS: &[Method] = &[
    general(
        "diversity",
        "diversity",
        stat(SampleSetsDefaultAll, PerSet, S::Diversity),
        ONE_WAY,
        "One-way statistics: diversity, segregatingSites.",
    ),
    general(
        "segregating_sites",
        "segregatingSites",
        stat(SampleSetsDefaultAll, PerSet, S::SegregatingSites),
        ONE_WAY,
        "One-way statistics: diversity, segregatingSites.",
    ),
    general(
        "Tajimas_D",
        "tajimasD",
        derived(
            SampleSetsDefaultAll,
            PerSet,
            S::TajimasDParts,
            Derived::TajimasD,
        ),
        TAJIMAS_D,
        "Tajima's D: tskit's `Tajimas_D` has no `span_normalise` (D is a ratio).",
    ),
    general(
        "Y1",
        "y1",
        stat(SampleSetsRequired, PerSet, S::Y1),
        Y1,
        "Y1: as the one-way statistics, with the sets required.",
    ),
    general(
        "divergence",
        "divergence",
        stat(
            SampleSetsRequired,
            Tuples(2),
            S::Tuple(TupleStat::Divergence),
        ),
        MULTI_WAY,
        "k-way statistics (divergence, fst, f2, y2: k = 2; f3, y3: k = 3; f4: k = 4).",
    ),
    general(
        "Fst",
        "fst",
        derived(SampleSetsRequired, Tuples(2), S::FstParts, Derived::Fst),
        MULTI_WAY,
        "k-way statistics (divergence, fst, f2, y2: k = 2; f3, y3: k = 3; f4: k = 4).",
    ),
    general(
        "f2",
        "f2",
        stat(SampleSetsRequired, Tuples(2), S::Tuple(TupleStat::F2)),
        MULTI_WAY,
        "k-way statistics (divergence, fst, f2, y2: k = 2; f3, y3: k = 3; f4: k = 4).",
    ),
    general(
        "Y2",
        "y2",
        stat(SampleSetsRequired, Tuples(2), S::Tuple(TupleStat::Y2)),
        MULTI_WAY,
        "k-way statistics (divergence, fst, f2, y2: k = 2; f3, y3: k = 3; f4: k = 4).",
    ),
    general(
        "f3",
        "f3",
        stat(SampleSetsRequired, Tuples(3), S::Tuple(TupleStat::F3)),
        MULTI_WAY,
        "k-way statistics (divergence, fst, f2, y2: k = 2; f3, y3: k = 3; f4: k = 4).",
    ),
    general(
        "Y3",
        "y3",
        stat(SampleSetsRequired, Tuples(3), S::Tuple(TupleStat::Y3)),
        MULTI_WAY,
        "k-way statistics (divergence, fst, f2, y2: k = 2; f3, y3: k = 3; f4: k = 4).",
    ),
    general(
        "f4",
        "f4",
        stat(SampleSetsRequired, Tuples(4), S::Tuple(TupleStat::F4)),
        MULTI_WAY,
        "k-way statistics (divergence, fst, f2, y2: k = 2; f3, y3: k = 3; f4: k = 4).",
    ),
    general(
        "genetic_relatedness",
        "geneticRelatedness",
        stat(SampleSetsRequired, Tuples(2), S::Relatedness),
        GENETIC_RELATEDNESS,
        "Genetic relatedness of pairs of sets.",
    ),
    general(
        "genetic_relatedness_weighted",
        "geneticRelatednessWeighted",
        stat(Weights, Tuples(2), S::RelatednessWeighted),
        GENETIC_RELATEDNESS_WEIGHTED,
        "Genetic relatedness of pairs of columns of `weights`.",
    ),
    general(
        "trait_covariance",
        "traitCovariance",
        stat(Weights, PerColumn, S::TraitCovariance),
        TRAIT,
        "Statistics of traits: `weights` (tskit's `W`) instead of sample sets.",
    ),
    general(
        "trait_correlation",
        "traitCorrelation",
        stat(Weights, PerColumn, S::TraitCorrelation),
        TRAIT,
        "Statistics of traits: `weights` (tskit's `W`) instead of sample sets.",
    ),
    general(
        "trait_linear_model",
        "traitLinearModel",
        stat(Weights, PerColumn, S::TraitLinearModel),
        TRAIT_LINEAR_MODEL,
        "The squared coefficient of inheritance in a least-squares fit of each trait, after the covariates.",
    ),
    general(
        "general_stat",
        "generalStat",
        stat(Weights, Custom, S::Custom),
        GENERAL_STAT,
        "A statistic of the caller's own: a summary function f of the weight sums below each node (or of each allele), summed as the other statistics are.",
    ),
    general(
        "sample_count_stat",
        "sampleCountStat",
        stat(SampleSetsRequired, Custom, S::Custom),
        SAMPLE_COUNT_STAT,
        "As `generalStat`, with x the counts of each sample set's samples.",
    ),
    general(
        "allele_frequency_spectrum",
        "alleleFrequencySpectrum",
        stat(SampleSetsDefaultAllNested, Afs, S::Afs),
        AFS,
        "The allele frequency spectrum.",
    ),
    Method {
        tskit: "divergence_matrix",
        camel: "divergenceMatrix",
        algorithm: Algorithm::Matrix,
        params: DIVERGENCE_MATRIX,
        node_mode: false,
        flat_sample_sets: true,
        renamed: &[],
        doc: "The divergence between every pair of sets.",
    },
    Method {
        tskit: "genetic_relatedness_matrix",
        camel: "geneticRelatednessMatrix",
        algorithm: Algorithm::Matrix,
        params: GENETIC_RELATEDNESS_MATRIX,
        node_mode: false,
        flat_sample_sets: false,
        renamed: &[],
        doc: "The genetic relatedness between every pair of sets.",
    },
    Method {
        tskit: "mean_descendants",
        camel: "meanDescendants",
        algorithm: Algorithm::MeanDescendants,
        params: MEAN_DESCENDANTS,
        node_mode: false,
        flat_sample_sets: false,
        renamed: REFERENCE_SETS,
        doc: "The mean number of each reference set's nodes below each node.",
    },
    Method {
        tskit: "genealogical_nearest_neighbours",
        camel: "genealogicalNearestNeighbours",
        algorithm: Algorithm::GenealogicalNearestNeighbours,
        params: GNN,
        node_mode: false,
        flat_sample_sets: false,
        renamed: REFERENCE_SETS,
        doc: "Genealogical nearest neighbours of focal nodes among reference sets.",
    },
    Method {
        tskit: "ld_matrix",
        camel: "ldMatrix",
        algorithm: Algorithm::LdMatrix,
        params: LD_MATRIX,
        node_mode: false,
        flat_sample_sets: true,
        renamed: &[],
        doc: "A matrix of a two-locus (linkage disequilibrium) statistic between pairs of sites.",
    },
    coalescence(
        "pair_coalescence_counts",
        "pairCoalescenceCounts",
        Coalescence::Counts,
        PAIR_COALESCENCE_COUNTS,
        "Coalescing pairs of samples per node (or time window), weighted by span.",
    ),
    coalescence(
        "pair_coalescence_quantiles",
        "pairCoalescenceQuantiles",
        Coalescence::Quantiles,
        PAIR_COALESCENCE_QUANTILES,
        "Quantiles of the pair coalescence times.",
    ),
    coalescence(
        "pair_coalescence_rates",
        "pairCoalescenceRates",
        Coalescence::Rates,
        PAIR_COALESCENCE_RATES,
        "Pair coalescence rates in time windows.",
    ),
    Method {
        tskit: "genetic_relatedness_vector",
        camel: "geneticRelatednessVector",
        algorithm: Algorithm::RelatednessVector,
        params: RELATEDNESS_VECTOR,
        node_mode: false,
        flat_sample_sets: false,
        renamed: &[],
        doc: "The branch-mode genetic relatedness matrix times `weights`, per window: `[windows][nodes][columns]`.",
    },
    Method {
        tskit: "pca",
        camel: "pca",
        algorithm: Algorithm::Pca,
        params: PCA,
        node_mode: false,
        flat_sample_sets: false,
        renamed: &[],
        doc: "Principal components of the relatedness matrix, by tskit's randomized SVD.",
    },
];

impl Method {
    /// The modes this method takes.
    pub fn modes(&self) -> &'static [Mode] {
        if self.node_mode {
            &[Mode::Site, Mode::Branch, Mode::Node]
        } else {
            &[Mode::Site, Mode::Branch]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names are unique in both spellings, and a row's options appear once each.
    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = METHODS.iter().flat_map(|m| [m.tskit, m.camel]).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        // A method named alike in both spellings counts once.
        let alike = METHODS.iter().filter(|m| m.tskit == m.camel).count();
        assert_eq!(names.len() + alike, before);
        for m in METHODS {
            for (i, p) in m.params.iter().enumerate() {
                assert!(!m.params[..i].iter().any(|q| q.opt == p.opt), "{}", m.tskit);
            }
        }
    }

    /// A general statistic's options follow from its engine description: the input it sums,
    /// and indexes for index tuples.
    #[test]
    fn general_rows_agree_with_their_engine_description() {
        for m in METHODS {
            let Some(def) = m.stat_def() else { continue };
            assert_eq!(m.takes(Opt::W), def.input == Input::Weights, "{}", m.tskit);
            assert_eq!(
                m.takes(Opt::SampleSets),
                def.input != Input::Weights,
                "{}",
                m.tskit
            );
            assert_eq!(
                m.takes(Opt::Indexes),
                matches!(def.arity, Arity::Tuples(_)),
                "{}",
                m.tskit
            );
            assert_eq!(
                m.param(Opt::SampleSets).is_some_and(|p| p.required),
                def.input == Input::SampleSetsRequired,
                "{}",
                m.tskit
            );
        }
    }
}
