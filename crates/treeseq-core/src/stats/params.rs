//! Parsing and checking tskit's statistics keyword arguments, given as JSON.
//!
//! What it is for: turning `sample_sets`, `indexes`, `windows`, `time_windows`, `mode`, `W`
//! and the boolean options into plain Rust values, with tskit's defaults and tskit's
//! refusals (as [`TreeSeqError`](crate::TreeSeqError)s with codes `BAD_SAMPLE_SETS`,
//! `BAD_WINDOWS` or `BAD_PARAM` and a message naming the argument and the element). Every
//! helper is public and independent of any one statistic, so that other statistics
//! (`divergence_matrix`, `mean_descendants`, ...) parse their arguments the same way.
//!
//! What it is not: the statistics themselves, their defaults for a given method (see
//! `summaries.rs`), or output shapes (see `mod.rs`).
//!
//! Large arrays may come beside the JSON rather than in it ([`Arrays`]): a binding passes
//! sample sets, windows and weights as typed arrays, and the JSON holds `{"$i32": [offset,
//! length]}` or `{"$f64": [offset, length]}` where the array would be. Writing and reading
//! 300,000 ids as JSON text costs more than many statistics themselves.
//!
//! Two extensions beyond tskit are accepted here: windows that do not start at 0 or end at
//! the sequence length (they must still lie inside `[0, L]`), and `time_windows` for every
//! branch-mode statistic.

use rayon::prelude::*;
use serde_json::Value;

use super::registry::{Method, Opt};
use crate::args::kind;
use crate::bail;
use crate::error::{ErrorCode, Result, TreeSeqError};
use crate::treeseq::TreeSequence;

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

    /// [`indicator_weights`] of these sets.
    pub fn indicator_weights(&self, ts: &TreeSequence, extra_all: bool) -> Weights {
        match &self.members {
            Some(members) => weights_from_bitmaps(ts.num_samples(), members, extra_all),
            None => indicator_weights(ts, &self.sets, extra_all),
        }
    }
}

/// One bit per sample (by index in `ts.samples`).
type Bitmap = Vec<u64>;

/// Index tuples into the sample sets (or into the weight columns): `dropped` is true when a
/// single tuple was given (not a list of tuples), in which case tskit drops the output axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Indexes {
    pub tuples: Vec<Vec<usize>>,
    pub dropped: bool,
}

/// Genome windows: `breaks` has at least two strictly increasing positions inside `[0, L]`.
/// `given` is false when the caller passed no windows, in which case the window axis is
/// dropped from the output.
#[derive(Clone, Debug, PartialEq)]
pub struct Windows {
    pub breaks: Vec<f64>,
    pub given: bool,
}

impl Windows {
    pub fn num_windows(&self) -> usize {
        self.breaks.len() - 1
    }
}

/// A weight matrix with one row per sample (in `ts.samples` order), row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Weights {
    pub data: Vec<f64>,
    pub num_rows: usize,
    pub num_cols: usize,
    /// Every weight is an integer and each column's absolute values add up to less than
    /// 2^24, so that sums of weights are exact in f32 (see `genome::Weight`).
    pub small_integers: bool,
    /// Every weight is 0 or 1 (sample set indicators): a node's sums count samples, and
    /// can be packed (see `genome::PackedCounts`).
    pub counts: bool,
}

impl Weights {
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.num_cols..(i + 1) * self.num_cols]
    }

    /// Column sums, each added up in row order (or, for small integers, whose sums are exact
    /// in any order, by blocks of rows in parallel). Widths up to 4 (sample sets are usually a
    /// few) are summed with the width known at compile time: a call sums 300,000 rows while
    /// every thread waits for it.
    pub fn column_sums(&self) -> Vec<f64> {
        let data = &self.data[..self.num_rows * self.num_cols];
        let k = self.num_cols;
        if self.small_integers && k > 0 && self.num_rows > 1 << 16 {
            // Integer sums below 2^24 are exact in any order: sum blocks of rows in parallel.
            return data
                .par_chunks(k << 14)
                .map(|block| Weights::sums_in_order(block, k))
                .reduce(
                    || vec![0.0; k],
                    |mut a, b| {
                        a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                        a
                    },
                );
        }
        Weights::sums_in_order(data, k)
    }

    fn sums_in_order(data: &[f64], k: usize) -> Vec<f64> {
        fn fixed<const K: usize>(data: &[f64]) -> Vec<f64> {
            let mut s = [0.0; K];
            for row in data.chunks_exact(K) {
                for j in 0..K {
                    s[j] += row[j];
                }
            }
            s.to_vec()
        }
        match k {
            1 => fixed::<1>(data),
            2 => fixed::<2>(data),
            3 => fixed::<3>(data),
            4 => fixed::<4>(data),
            k => {
                let mut s = vec![0.0; k];
                for row in data.chunks_exact(k.max(1)) {
                    for (a, &w) in s.iter_mut().zip(row) {
                        *a += w;
                    }
                }
                s
            }
        }
    }
}

/// Numeric arrays passed beside the JSON keyword arguments; a placeholder in the JSON names a
/// stretch of one of them (see the module's documentation).
#[derive(Clone, Copy, Debug, Default)]
pub struct Arrays<'a> {
    pub i32s: &'a [i32],
    pub f64s: &'a [f64],
}

/// A stretch of [`Arrays`] that a JSON placeholder stands for.
pub enum ArrayRef<'a> {
    I32(&'a [i32]),
    F64(&'a [f64]),
}

impl<'a> Arrays<'a> {
    /// What `v` stands for when it is a placeholder: Ok(None) when it is not one; an error
    /// when it is one that does not fit the arrays.
    pub fn resolve(&self, method: &str, v: &Value) -> Result<Option<ArrayRef<'a>>> {
        let Value::Object(m) = v else { return Ok(None) };
        if m.len() != 1 {
            return Ok(None);
        }
        let (key, range) = m.iter().next().expect("one entry");
        if key != "$i32" && key != "$f64" {
            return Ok(None);
        }
        let Some([off, len]) = range
            .as_array()
            .and_then(|r| <&[Value; 2]>::try_from(&r[..]).ok())
        else {
            bail!(
                BadParam,
                "{method}: a {key} placeholder must be [offset, length], got {range}"
            );
        };
        // Checked at full width: on wasm32 an offset of 2^32 + 1 must not read as 1.
        let off = crate::args::json_count(&format!("{method}: {key} placeholder offset"), off)?;
        let len = crate::args::json_count(&format!("{method}: {key} placeholder length"), len)?;
        let (off, len) = (
            usize::try_from(off).unwrap_or(usize::MAX),
            usize::try_from(len).unwrap_or(usize::MAX),
        );
        let (total, out) = if key == "$i32" {
            (
                self.i32s.len(),
                off.checked_add(len)
                    .and_then(|end| self.i32s.get(off..end))
                    .map(ArrayRef::I32),
            )
        } else {
            (
                self.f64s.len(),
                off.checked_add(len)
                    .and_then(|end| self.f64s.get(off..end))
                    .map(ArrayRef::F64),
            )
        };
        match out {
            Some(a) => Ok(Some(a)),
            None => bail!(
                BadParam,
                "{method}: {key} placeholder [{off}, {len}] is outside the {total} values passed"
            ),
        }
    }

    /// Whether `v` is a list: a JSON array or a placeholder.
    pub fn is_list(&self, v: &Value) -> bool {
        v.is_array()
            || matches!(v, Value::Object(m) if m.len() == 1 && (m.contains_key("$i32") || m.contains_key("$f64")))
    }

    /// `v` with every placeholder replaced by the JSON array it stands for (for the
    /// statistics whose parsing is written against plain JSON).
    pub fn expand(&self, method: &str, v: &Value) -> Result<Value> {
        if let Some(a) = self.resolve(method, v)? {
            return Ok(Value::Array(match a {
                ArrayRef::I32(xs) => xs.iter().map(|&x| Value::from(x)).collect(),
                ArrayRef::F64(xs) => xs
                    .iter()
                    .map(|&x| serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number))
                    .collect(),
            }));
        }
        Ok(match v {
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|x| self.expand(method, x))
                    .collect::<Result<_>>()?,
            ),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| Ok((k.clone(), self.expand(method, x)?)))
                    .collect::<Result<_>>()?,
            ),
            other => other.clone(),
        })
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
fn parse_id(what: impl FnOnce() -> String, v: &Value) -> Result<Option<i64>> {
    match v {
        Value::Number(_) => crate::args::json_integer(&what(), v),
        _ => Ok(None),
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

/// Parses `indexes` for a `k`-way statistic over `num_sets` sets (or weight columns).
/// One tuple gives `dropped`; absent or null gives None (the caller applies tskit's default,
/// [`default_indexes`]).
pub fn parse_indexes(
    method: &str,
    v: Option<&Value>,
    k: usize,
    num_sets: usize,
) -> Result<Option<Indexes>> {
    let Some(v) = v else { return Ok(None) };
    let bad_shape = || -> Result<Option<Indexes>> {
        bail!(
            BadParam,
            "{method}: indexes must be a {k}-tuple or a list of {k}-tuples of sample set indexes"
        )
    };
    let Value::Array(items) = v else {
        return bad_shape();
    };
    let single = !items.is_empty() && items.iter().all(|x| !x.is_array());
    let rows: Vec<&Value> = if single {
        vec![v]
    } else {
        items.iter().collect()
    };
    if rows.is_empty() {
        return bad_shape();
    }
    let mut tuples = Vec::with_capacity(rows.len());
    for (r, row) in rows.iter().enumerate() {
        let Value::Array(xs) = row else {
            return bad_shape();
        };
        if xs.len() != k {
            bail!(
                BadParam,
                "{method}: indexes[{r}] has {} elements; indexes must be {k}-tuples",
                xs.len()
            );
        }
        let mut t = Vec::with_capacity(k);
        for (e, x) in xs.iter().enumerate() {
            let Some(i) = parse_id(|| format!("{method}: indexes[{r}][{e}]"), x)? else {
                bail!(
                    BadParam,
                    "{method}: indexes[{r}] must hold integers, got {}",
                    kind(x)
                );
            };
            if i < 0 || i >= num_sets as i64 {
                bail!(BadSampleSets, "{method}: sample set index {i} in indexes[{r}] is out of bounds (there are {num_sets} sets)");
            }
            t.push(i as usize);
        }
        tuples.push(t);
    }
    Ok(Some(Indexes {
        tuples,
        dropped: single,
    }))
}

/// tskit's default when no indexes are given: exactly `k` sets are required, and the one
/// tuple (0, 1, ..., k-1) is used with its axis dropped.
pub fn default_indexes(method: &str, k: usize, num_sets: usize, what: &str) -> Result<Indexes> {
    if num_sets != k {
        bail!(
            BadParam,
            "{method}: must specify indexes if there are not exactly {k} {what} (got {num_sets})"
        );
    }
    Ok(Indexes {
        tuples: vec![(0..k).collect()],
        dropped: true,
    })
}

fn parse_number(v: &Value) -> Option<f64> {
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

/// Parses `windows`: null (one window over the whole genome, axis dropped), a list of
/// breakpoints, `"trees"` (the tree breakpoints) or `"sites"` (one window per site, as
/// tskit builds it). Explicit windows must be strictly increasing inside `[0, L]`; unlike
/// tskit they need not start at 0 or end at L (the result then covers just these windows).
pub fn parse_windows(
    ts: &TreeSequence,
    method: &str,
    v: Option<&Value>,
    arrays: Arrays,
) -> Result<Windows> {
    let l = ts.sequence_length();
    let Some(v) = v else {
        return Ok(Windows {
            breaks: vec![0.0, l],
            given: false,
        });
    };
    let breaks = match (arrays.resolve(method, v)?, v) {
        (Some(ArrayRef::F64(b)), _) => b.to_vec(),
        (Some(ArrayRef::I32(b)), _) => b.iter().map(|&x| x as f64).collect(),
        (None, v) => parse_window_json(ts, method, v)?,
    };
    check_windows(method, &breaks, l)?;
    Ok(Windows {
        breaks,
        given: true,
    })
}

fn parse_window_json(ts: &TreeSequence, method: &str, v: &Value) -> Result<Vec<f64>> {
    let l = ts.sequence_length();
    let breaks = match v {
        Value::String(s) if s == "trees" => ts.breakpoints.clone(),
        Value::String(s) if s == "sites" => {
            // tskit: 0, then every site position but the first, then L.
            let pos = &ts.tables.sites.position;
            let mut b = Vec::with_capacity(pos.len() + 1);
            b.push(0.0);
            b.extend(pos.iter().skip(1).copied());
            b.push(l);
            b
        }
        Value::String(s) => bail!(BadWindows, "{method}: unrecognised window specification '{s}' (the only allowed strings are \"sites\" and \"trees\")"),
        Value::Array(items) => {
            let mut b = Vec::with_capacity(items.len());
            for (i, x) in items.iter().enumerate() {
                match x {
                    Value::Number(n) => b.push(n.as_f64().unwrap_or(f64::NAN)),
                    other => bail!(BadWindows, "{method}: windows[{i}] must be a number, got {}", kind(other)),
                }
            }
            b
        }
        other => bail!(BadWindows, "{method}: windows must be a list of positions, \"trees\" or \"sites\", got {}", kind(other)),
    };
    Ok(breaks)
}

/// Window breakpoints must number at least two, be finite, strictly increasing and inside
/// `[0, sequence_length]`.
pub fn check_windows(method: &str, breaks: &[f64], sequence_length: f64) -> Result<()> {
    if breaks.len() < 2 {
        bail!(
            BadWindows,
            "{method}: windows must have at least 2 elements (got {})",
            breaks.len()
        );
    }
    for (i, &b) in breaks.iter().enumerate() {
        if !b.is_finite() || b < 0.0 || b > sequence_length {
            bail!(
                BadWindows,
                "{method}: windows[{i}] = {b} is outside [0, {sequence_length}]"
            );
        }
        if i > 0 && breaks[i - 1] >= b {
            bail!(BadWindows, "{method}: windows must be strictly increasing (windows[{}] = {} >= windows[{i}] = {b})", i - 1, breaks[i - 1]);
        }
    }
    Ok(())
}

/// Parses `time_windows`: null (None), or a list of times starting at 0 and strictly
/// increasing, as tskit requires; the last may be infinite (`"inf"` in JSON).
pub fn parse_time_windows(
    method: &str,
    v: Option<&Value>,
    arrays: Arrays,
) -> Result<Option<Vec<f64>>> {
    let Some(v) = v else { return Ok(None) };
    let t = match arrays.resolve(method, v)? {
        Some(ArrayRef::F64(t)) => t.to_vec(),
        Some(ArrayRef::I32(t)) => t.iter().map(|&x| x as f64).collect(),
        None => {
            let Value::Array(items) = v else {
                bail!(
                    BadWindows,
                    "{method}: time_windows must be a list of times, got {}",
                    kind(v)
                );
            };
            let mut t = Vec::with_capacity(items.len());
            for (i, x) in items.iter().enumerate() {
                match parse_number(x) {
                    Some(f) => t.push(f),
                    None => bail!(
                        BadWindows,
                        "{method}: time_windows[{i}] must be a number (or \"inf\"), got {}",
                        kind(x)
                    ),
                }
            }
            t
        }
    };
    if t.len() < 2 {
        bail!(
            BadWindows,
            "{method}: time_windows must have at least 2 elements (got {})",
            t.len()
        );
    }
    if t[0] != 0.0 {
        bail!(
            BadWindows,
            "{method}: time_windows must start at zero (time_windows[0] = {})",
            t[0]
        );
    }
    for i in 1..t.len() {
        if t[i].is_nan() || t[i - 1] >= t[i] {
            bail!(BadWindows, "{method}: time_windows must be strictly increasing (time_windows[{}] = {} >= time_windows[{i}] = {})", i - 1, t[i - 1], t[i]);
        }
    }
    Ok(Some(t))
}

/// Parses the weight matrix `W`: a list of rows (one per sample, all the same length), or
/// `{"data": [...], "shape": [num_samples, k]}` row-major.
pub fn parse_weights(
    ts: &TreeSequence,
    method: &str,
    v: Option<&Value>,
    arrays: Arrays,
) -> Result<Weights> {
    let n = ts.num_samples();
    let Some(v) = v else {
        bail!(
            BadParam,
            "{method}: missing required argument W (a matrix with one row per sample)"
        );
    };
    let w = match v {
        Value::Array(rows) => {
            if rows.iter().any(|r| !r.is_array()) {
                bail!(
                    BadParam,
                    "{method}: W must be a 2-D matrix (a list of rows, one per sample)"
                );
            }
            let num_cols = rows.first().and_then(Value::as_array).map_or(0, Vec::len);
            let mut data = Vec::with_capacity(rows.len() * num_cols);
            for (i, r) in rows.iter().enumerate() {
                let r = r.as_array().expect("checked above");
                if r.len() != num_cols {
                    bail!(
                        BadParam,
                        "{method}: W row {i} has {} columns but row 0 has {num_cols}",
                        r.len()
                    );
                }
                for (j, x) in r.iter().enumerate() {
                    match parse_number(x) {
                        Some(f) => data.push(f),
                        None => bail!(
                            BadParam,
                            "{method}: W[{i}][{j}] must be a number, got {}",
                            kind(x)
                        ),
                    }
                }
            }
            Weights {
                data,
                num_rows: rows.len(),
                num_cols,
                small_integers: false,
                counts: false,
            }
        }
        Value::Object(m) => {
            // The shape at full width (u64), never truncated to this backend's usize: on
            // wasm32 a shape of [n, 2^32 + 1] must not read as [n, 1].
            let shape: Vec<u64> = match m.get("shape").and_then(Value::as_array) {
                Some(s) if s.len() == 2 => s
                    .iter()
                    .enumerate()
                    .map(|(i, x)| crate::args::json_count(&format!("{method}: W.shape[{i}]"), x))
                    .collect::<Result<_>>()?,
                _ => bail!(BadParam, "{method}: W.shape must be [num_samples, k]"),
            };
            if shape[0] != n as u64 {
                bail!(
                    BadParam,
                    "{method}: first dimension of W ({}) must equal the number of samples ({n})",
                    shape[0]
                );
            }
            let cells = shape[0].checked_mul(shape[1]);
            let given = m.get("data").unwrap_or(&Value::Null);
            let data: Vec<f64> = match arrays.resolve(method, given)? {
                Some(ArrayRef::F64(d)) => d.to_vec(),
                Some(ArrayRef::I32(d)) => d.iter().map(|&x| x as f64).collect(),
                None => {
                    let Some(items) = given.as_array() else {
                        bail!(BadParam, "{method}: W.data must be a list of numbers");
                    };
                    let mut data = Vec::with_capacity(items.len());
                    for (i, x) in items.iter().enumerate() {
                        match parse_number(x) {
                            Some(f) => data.push(f),
                            None => bail!(
                                BadParam,
                                "{method}: W.data[{i}] must be a number, got {}",
                                kind(x)
                            ),
                        }
                    }
                    data
                }
            };
            if cells != Some(data.len() as u64) {
                bail!(
                    BadParam,
                    "{method}: W.data has {} values but W.shape is {:?}",
                    data.len(),
                    shape
                );
            }
            // Both fit a usize now: their product is data's length, or the first is 0 (no
            // samples), which is refused below as having no weights to sum.
            Weights {
                data,
                num_rows: shape[0] as usize,
                num_cols: crate::args::to_usize(&format!("{method}: W.shape[1]"), shape[1])?,
                small_integers: false,
                counts: false,
            }
        }
        other => bail!(
            BadParam,
            "{method}: W must be a matrix (list of rows or {{data, shape}}), got {}",
            kind(other)
        ),
    };
    if w.num_rows != n {
        bail!(
            BadParam,
            "{method}: first dimension of W ({}) must equal the number of samples ({n})",
            w.num_rows
        );
    }
    if w.num_cols == 0 {
        bail!(BadParam, "{method}: W must have at least one column");
    }
    Ok(w)
}

/// The indicator weights of sample sets: row i (sample `ts.samples[i]`) has 1 in column j
/// when the sample is in set j. `extra_all` appends a column of ones (every sample).
pub fn indicator_weights(ts: &TreeSequence, sets: &[Vec<i32>], extra_all: bool) -> Weights {
    let index = sample_index_map(ts);
    let n = ts.num_samples();
    let members: Vec<Bitmap> = sets
        .par_iter()
        .map(|set| {
            let mut bits = vec![0u64; n.div_ceil(64)];
            for &u in set {
                let s = index[u as usize] as usize;
                bits[s / 64] |= 1 << (s % 64);
            }
            bits
        })
        .collect();
    weights_from_bitmaps(n, &members, extra_all)
}

/// Indicator weights of `n` samples from the sets' bitmaps. Built while every other thread
/// waits, so by blocks of rows in parallel.
fn weights_from_bitmaps(n: usize, members: &[Bitmap], extra_all: bool) -> Weights {
    /// Rows per task (a multiple of 64).
    const ROWS: usize = 1 << 12;
    let k = members.len() + extra_all as usize;
    // Fresh each call and megabytes large on big sample sets: huge pages fault in far fewer
    // times (see `memory.rs`). Every value is written once, by blocks of rows in parallel
    // (so the pages fault in on every thread, and nothing is zeroed first).
    let mut data = crate::memory::large_vec(n * k);
    if k > 0 {
        data.spare_capacity_mut()[..n * k]
            .par_chunks_mut(ROWS * k)
            .enumerate()
            .for_each(|(b, block)| {
                let mut words = Vec::with_capacity(members.len());
                for (g, group) in block.chunks_mut(64 * k).enumerate() {
                    let word = b * (ROWS / 64) + g;
                    words.clear();
                    words.extend(members.iter().map(|bits| bits[word]));
                    for (r, row) in group.chunks_exact_mut(k).enumerate() {
                        for (v, &w) in row.iter_mut().zip(&words) {
                            v.write(((w >> r) & 1) as f64);
                        }
                        if extra_all {
                            row[k - 1].write(1.0);
                        }
                    }
                }
            });
        // SAFETY: the blocks cover the first n * k values, and each row's k values were all
        // written above (the sets' columns, then the column of ones when `extra_all`).
        unsafe { data.set_len(n * k) };
    }
    Weights {
        data,
        num_rows: n,
        num_cols: k,
        // Indicators: each column adds up to at most n.
        small_integers: n < 1 << 24,
        counts: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows written by blocks in parallel from bitmaps are the rows of a plain scatter, for
    /// sample counts that are and are not multiples of 64 and of a block, with and without
    /// the column of ones; and column sums over blocks are those in row order.
    #[test]
    fn indicator_rows_from_bitmaps() {
        // 70,001 rows: column sums by blocks in parallel (above 65,536 rows).
        for n in [1, 63, 64, 65, 4096, 4097, 10_000, 70_001] {
            let sets: Vec<Vec<usize>> = vec![
                (0..n).step_by(3).collect(),
                (0..n).filter(|i| i % 7 == 2 || i % 64 == 63).collect(),
                (n / 2..n).collect(),
            ];
            let members: Vec<Bitmap> = sets
                .iter()
                .map(|s| {
                    let mut b = vec![0u64; n.div_ceil(64)];
                    s.iter().for_each(|&i| b[i / 64] |= 1 << (i % 64));
                    b
                })
                .collect();
            for extra_all in [false, true] {
                let w = weights_from_bitmaps(n, &members, extra_all);
                let k = sets.len() + extra_all as usize;
                let mut expected = vec![0.0; n * k];
                for (j, s) in sets.iter().enumerate() {
                    s.iter().for_each(|&i| expected[i * k + j] = 1.0);
                }
                if extra_all {
                    (0..n).for_each(|i| expected[i * k + k - 1] = 1.0);
                }
                assert_eq!((w.num_rows, w.num_cols), (n, k));
                assert_eq!(w.data, expected, "n = {n}, extra_all = {extra_all}");
                let in_order = Weights::sums_in_order(&w.data, k);
                assert_eq!(w.column_sums(), in_order);
                let sizes: Vec<f64> = sets.iter().map(|s| s.len() as f64).collect();
                assert_eq!(&in_order[..sets.len()], &sizes[..]);
            }
        }
    }
}
