//! Reading tskit's statistics keyword arguments, given as JSON with large arrays beside it.
//!
//! What it is for: turning `sample_sets`, `indexes`, `windows`, `time_windows`, `mode`, `W`
//! and the boolean options into plain Rust values, with tskit's defaults and tskit's
//! refusals (as [`TreeSeqError`](crate::TreeSeqError)s with codes `BAD_SAMPLE_SETS`,
//! `BAD_WINDOWS` or `BAD_PARAM` and a message naming the argument and the element). Every
//! helper is independent of any one statistic, so that every statistic parses its arguments
//! the same way; [`Options`] reads the options all methods share, with the defaults of the
//! method's row in `registry.rs` (which has refused, before, any option the method does not
//! take).
//!
//! Layout: this file holds the keyword arguments ([`Kwargs`]), the shared [`Options`],
//! `mode`, booleans and numbers; `wire.rs` the `$i32`/`$f64` placeholders by which large
//! arrays cross beside the JSON; `sample_sets.rs`, `indexes.rs`, `windows.rs` (and time
//! windows), `weights.rs` (the matrix `W`) and `loci.rs` (`ld_matrix`'s `sites` and
//! `positions`) one argument each.
//!
//! What it is not: the statistics themselves, the table of methods and their options
//! (`registry.rs`), building the weight matrices the engine sums (`stats/weights.rs`), or
//! output shapes (`mod.rs`).
//!
//! Two extensions beyond tskit are accepted here: windows that do not start at 0 or end at
//! the sequence length (they must still lie inside `[0, L]`), and `time_windows` for every
//! branch-mode statistic.

mod indexes;
mod loci;
mod relatedness_vector;
mod sample_sets;
mod weights;
mod windows;
mod wire;

use serde_json::Value;

use super::registry::{Method, Opt};
use crate::args::kind;
use crate::bail;
use crate::error::Result;
use crate::treeseq::TreeSequence;

pub use indexes::{default_indexes, parse_indexes, Indexes};
pub use loci::{parse_positions, parse_sites, Loci};
pub use relatedness_vector::{
    parse_pca, parse_relatedness_vector, PcaArgs, PcaIndices, VectorArgs,
};
pub use sample_sets::{parse_sample_sets, sample_index_map, SampleSets};
pub use weights::{parse_matrix, parse_weights};
pub use windows::{
    check_windows, parse_time_breakpoints, parse_time_windows, parse_windows, time_window_of,
    Windows,
};
pub use wire::{ArrayRef, Arrays};

/// tskit's three ways of summing a statistic over the genealogy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Site,
    Branch,
    Node,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Site => "site",
            Mode::Branch => "branch",
            Mode::Node => "node",
        }
    }
}

/// The keyword arguments as a JSON object; `null` counts as no arguments. Which keys a method
/// takes is checked before, once, by its row in the registry (`registry::Method::check_options`).
pub struct Kwargs<'a> {
    map: Option<&'a serde_json::Map<String, Value>>,
    method: &'a str,
    arrays: Arrays<'a>,
}

impl<'a> Kwargs<'a> {
    /// Wraps `kwargs` (an object or null).
    pub fn new(method: &'a str, kwargs: &'a Value) -> Result<Kwargs<'a>> {
        let map = match kwargs {
            Value::Null => None,
            Value::Object(m) => Some(m),
            other => bail!(
                BadParam,
                "{method}: keyword arguments must be a JSON object, got {}",
                kind(other)
            ),
        };
        Ok(Kwargs {
            map,
            method,
            arrays: Arrays::default(),
        })
    }

    /// As [`Kwargs::new`], with the arrays the JSON's placeholders refer to.
    pub fn with_arrays(
        method: &'a str,
        kwargs: &'a Value,
        arrays: Arrays<'a>,
    ) -> Result<Kwargs<'a>> {
        Ok(Kwargs {
            arrays,
            ..Kwargs::new(method, kwargs)?
        })
    }

    pub fn arrays(&self) -> Arrays<'a> {
        self.arrays
    }

    pub fn method(&self) -> &str {
        self.method
    }

    /// The value of `key`, or None when absent or null (tskit's `None`).
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.and_then(|m| m.get(key)).filter(|v| !v.is_null())
    }

    pub fn bool_or(&self, key: &str, default: bool) -> Result<bool> {
        parse_bool(self.method, key, self.get(key), default)
    }
}

/// The options that the general statistics and the matrices share, read the same way for
/// every method, with the defaults of the method's row. An option the method does not take is
/// absent here (the registry refused it), so it reads as its default: false for a boolean the
/// method does not take (`Tajimas_D` never span-normalises).
pub struct Options {
    pub mode: Mode,
    pub windows: Windows,
    pub time_windows: Option<Vec<f64>>,
    pub span_normalise: bool,
    pub polarised: bool,
    pub proportion: bool,
    pub centre: bool,
}

impl Options {
    /// `num_threads`, which tskit takes in some methods: accepted when it is an integer, and
    /// ignored (the thread pool decides).
    pub fn check_num_threads(method: &str, kw: &Kwargs) -> Result<()> {
        if let Some(t) = kw.get(Opt::NumThreads.tskit()) {
            if t.as_i64().is_none() {
                bail!(BadParam, "{method}: num_threads must be an integer (it is ignored: treeseq uses its thread pool)");
            }
        }
        Ok(())
    }

    pub fn parse(ts: &TreeSequence, method: &Method, kw: &Kwargs) -> Result<Options> {
        let name = method.tskit;
        Options::check_num_threads(name, kw)?;
        let mode = parse_mode(name, kw.get(Opt::Mode.tskit()))?;
        if !method.modes().contains(&mode) {
            bail!(
                BadParam,
                "{name}: mode \"{}\" is not supported for this method (use \"site\" or \"branch\")",
                mode.as_str()
            );
        }
        let arrays = kw.arrays();
        let windows = parse_windows(ts, name, kw.get(Opt::Windows.tskit()), arrays)?;
        let time_windows = parse_time_windows(name, kw.get(Opt::TimeWindows.tskit()), arrays)?;
        let flag = |opt: Opt| kw.bool_or(opt.tskit(), method.default_of(opt));
        Ok(Options {
            mode,
            windows,
            time_windows,
            span_normalise: flag(Opt::SpanNormalise)?,
            polarised: flag(Opt::Polarised)?,
            proportion: flag(Opt::Proportion)?,
            centre: flag(Opt::Centre)?,
        })
    }
}

/// A boolean option (`span_normalise`, `polarised`, `proportion`, `centre`); absent or null
/// gives `default`.
pub fn parse_bool(method: &str, key: &str, v: Option<&Value>, default: bool) -> Result<bool> {
    match v {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => bail!(
            BadParam,
            "{method}: {key} must be true or false, got {}",
            kind(other)
        ),
    }
}

/// `mode`: "site" (the default), "branch" or "node".
pub fn parse_mode(method: &str, v: Option<&Value>) -> Result<Mode> {
    match v {
        None | Some(Value::Null) => Ok(Mode::Site),
        Some(Value::String(s)) => match s.as_str() {
            "site" => Ok(Mode::Site),
            "branch" => Ok(Mode::Branch),
            "node" => Ok(Mode::Node),
            _ => bail!(
                BadParam,
                "{method}: unrecognised stats mode '{s}' (use \"site\", \"branch\" or \"node\")"
            ),
        },
        Some(other) => bail!(
            BadParam,
            "{method}: mode must be a string, got {}",
            kind(other)
        ),
    }
}

/// A node id or index from JSON: an integer (or an integral float, as numpy arrays
/// serialise), at full width; None when it is not a number; `BAD_PARAM` naming `what` when it
/// is a number but not an integer within 2^53 (see `args.rs`).
pub(super) fn parse_id(what: impl FnOnce() -> String, v: &Value) -> Result<Option<i64>> {
    match v {
        Value::Number(_) => crate::args::json_integer(&what(), v),
        _ => Ok(None),
    }
}

/// A list of numbers (`what`, e.g. "time_windows", a list of `noun`): a `$f64` or `$i32`
/// array, or JSON numbers and the spellings of infinity; anything else is refused with `code`.
pub fn parse_numbers(
    method: &str,
    what: &str,
    noun: &str,
    code: crate::error::ErrorCode,
    v: &Value,
    arrays: Arrays,
) -> Result<Vec<f64>> {
    let refuse = |msg: String| Err(crate::error::TreeSeqError::new(code, msg));
    match arrays.resolve(method, v)? {
        Some(ArrayRef::F64(t)) => Ok(t.to_vec()),
        Some(ArrayRef::I32(t)) => Ok(t.iter().map(|&x| x as f64).collect()),
        None => {
            let Value::Array(items) = v else {
                return refuse(format!(
                    "{method}: {what} must be a list of {noun}, got {}",
                    kind(v)
                ));
            };
            let mut t = Vec::with_capacity(items.len());
            for (i, x) in items.iter().enumerate() {
                match parse_number(x) {
                    Some(f) => t.push(f),
                    None => {
                        return refuse(format!(
                            "{method}: {what}[{i}] must be a number (or \"inf\"), got {}",
                            kind(x)
                        ))
                    }
                }
            }
            Ok(t)
        }
    }
}

/// A JSON number, or one of the spellings of infinity (JSON has none); None otherwise.
pub(crate) fn parse_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        // JSON has no infinity; accept the usual spellings for an open-ended time window.
        Value::String(s)
            if matches!(s.to_ascii_lowercase().as_str(), "inf" | "infinity" | "+inf") =>
        {
            Some(f64::INFINITY)
        }
        _ => None,
    }
}
