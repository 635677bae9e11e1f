//! Fuzzing statistic arguments: random methods, modes, sample sets, indexes, windows, time
//! windows and weights (shapes huge, negative, fractional or not matching), sent as the
//! bindings send them: JSON text with large arrays passed beside it through `$i32`/`$f64`
//! placeholders (`stats::compute_json`). A call may refuse, but only with a typed
//! `TreeSeqError` (never INTERNAL), never panic, never hang, never ask for an allocation beyond
//! the cap (`fuzz_common::FUZZ_MAX_ALLOCATION`); an answer's data has its shape's size.
//! Seeded and bounded in time: see `fuzz_common` for the environment variables.
//!
//! A failing call is saved as JSON (`{"fixture", "method", "kwargs_json", "i32s", "f64s"}`);
//! kept in `tests/fuzz-regressions/stats/`, it is replayed on every run.

mod fuzz_common;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use fuzz_common::*;
use serde_json::{json, Map, Value};
use treeseq_core::stats::args::Arrays;
use treeseq_core::stats::registry::METHODS;
use treeseq_core::TreeSequence;

#[global_allocator]
static ALLOC: CappedAlloc = CappedAlloc;

const TARGET: &str = "fuzz_stats";

/// The fixtures the calls are made on: small and quick in a debug build, and `medium` (360
/// samples, the size of the reproductions) for some of them.
const FIXTURES: &[&str] = &[
    "small",
    "single_tree",
    "nonbinary",
    "multiallelic",
    "ancient_gaps",
    "unknown_times",
    "medium",
];

fn load_fixtures() -> HashMap<&'static str, Arc<TreeSequence>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test/fixtures");
    FIXTURES
        .iter()
        .map(|&name| {
            let bytes = std::fs::read(dir.join(format!("{name}.trees"))).expect("fixture");
            let ts = TreeSequence::load(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, Arc::new(ts))
        })
        .collect()
}

/// A call as a binding makes it.
#[derive(Clone, Debug)]
struct Call {
    fixture: String,
    method: String,
    kwargs_json: String,
    i32s: Vec<i32>,
    f64s: Vec<f64>,
}

impl Call {
    fn to_json(&self) -> Value {
        json!({
            "fixture": self.fixture,
            "method": self.method,
            "kwargs_json": self.kwargs_json,
            "i32s": self.i32s,
            // JSON has no NaN or infinities: they are written as strings.
            "f64s": self.f64s.iter().map(|&x| {
                if x.is_finite() { json!(x) } else { json!(x.to_string()) }
            }).collect::<Vec<_>>(),
        })
    }

    fn from_json(v: &Value) -> Call {
        let text = |k: &str| {
            v[k].as_str()
                .unwrap_or_else(|| panic!("{k} missing"))
                .to_string()
        };
        Call {
            fixture: text("fixture"),
            method: text("method"),
            kwargs_json: text("kwargs_json"),
            i32s: v["i32s"]
                .as_array()
                .map(|a| a.iter().map(|x| x.as_i64().expect("i32") as i32).collect())
                .unwrap_or_default(),
            f64s: v["f64s"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|x| match x {
                            Value::String(s) => s.parse().expect("a float"),
                            x => x.as_f64().expect("a float"),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// Values at the edges of every width the JSON wire and the glue carry.
const INTS: &[i64] = &[
    0,
    1,
    2,
    -1,
    -2,
    i32::MAX as i64,
    i32::MIN as i64,
    1 << 31,
    (1 << 32) - 1,
    1 << 32,
    (1 << 32) + 1,
    1 << 40,
    (1 << 53) + 1,
    i64::MAX,
    i64::MIN,
];

/// Builds the keyword arguments, moving some lists into the side arrays as the TypeScript
/// layer does (`$i32` for integer lists, `$f64` for numbers).
struct Gen<'a> {
    rng: &'a mut Rng,
    ts: &'a TreeSequence,
    i32s: Vec<i32>,
    f64s: Vec<f64>,
    /// Whether this call may be malformed anywhere; a call that is not is built to be
    /// answered (or refused only for its size), so that the computation is fuzzed too.
    wild: bool,
    /// The mode and number of sample sets chosen so far (for a call that is not wild).
    mode: Option<String>,
    num_sets: usize,
}

impl Gen<'_> {
    /// A choice that makes the call malformed: never taken in a call that is not wild.
    fn odd(&mut self, num: u64, den: u64) -> bool {
        self.wild && self.rng.chance(num, den)
    }

    /// One of `n` branches of a choice whose first `first_valid` make a malformed argument.
    fn branch(&mut self, n: u64, first_valid: u64) -> u64 {
        if self.wild {
            self.rng.below(n)
        } else {
            first_valid + self.rng.below(n - first_valid)
        }
    }

    /// An index into the sample sets (any small number in a wild call).
    fn set_index(&mut self, wild_below: u64) -> i64 {
        let n = if self.wild {
            wild_below
        } else {
            self.num_sets.max(1) as u64
        };
        self.rng.below(n) as i64
    }
    fn n(&self) -> usize {
        self.ts.samples.len()
    }

    fn int(&mut self) -> i64 {
        let n = self.n() as i64;
        let nodes = self.ts.num_nodes() as i64;
        match self.rng.below(6) {
            0 => *self.rng.pick(INTS),
            1 => *self
                .rng
                .pick(&[n - 1, n, n + 1, nodes - 1, nodes, nodes + 1]),
            _ => self.rng.below(n.max(1) as u64) as i64,
        }
    }

    /// Any JSON value at all, for arguments given the wrong type.
    fn junk(&mut self, depth: u32) -> Value {
        match self.rng.below(if depth > 2 { 7 } else { 10 }) {
            0 => Value::Null,
            1 => json!(self.rng.chance(1, 2)),
            2 => json!(self.int()),
            3 => json!(*self
                .rng
                .pick(&[0.5, -0.0, 1e308, -1e308, 5e-324, 1.0000000001, 2.5])),
            4 => json!(*self.rng.pick(&[
                "",
                "branch",
                "site",
                "node",
                "trees",
                "sites",
                "1",
                "NaN",
                "Infinity",
                "__proto__"
            ])),
            5 => json!(u64::MAX),
            6 => {
                // A placeholder, in or out of range.
                let key = *self.rng.pick(&["$i32", "$f64", "$i64", "$x"]);
                let a = *self.rng.pick(INTS);
                let b = *self.rng.pick(&[0i64, 1, 3, -1, 1 << 32]);
                json!({ key: [a, b] })
            }
            7 => json!([]),
            8 => Value::Array(
                (0..self.rng.below(4))
                    .map(|_| self.junk(depth + 1))
                    .collect(),
            ),
            _ => {
                let mut m = Map::new();
                for _ in 0..self.rng.below(3) {
                    let k = self.rng.pick(&["data", "shape", "$i32", "x"]).to_string();
                    m.insert(k, self.junk(depth + 1));
                }
                Value::Object(m)
            }
        }
    }

    /// A list of integers, inline or through the `$i32` side array.
    fn id_list(&mut self, ids: Vec<i64>) -> Value {
        if self.rng.chance(1, 2) && ids.iter().all(|&x| i32::try_from(x).is_ok()) {
            let off = self.i32s.len();
            self.i32s.extend(ids.iter().map(|&x| x as i32));
            json!({ "$i32": [off, ids.len()] })
        } else {
            json!(ids)
        }
    }

    fn f64_list(&mut self, xs: Vec<f64>) -> Value {
        if self.rng.chance(2, 3) || xs.iter().any(|x| !x.is_finite()) {
            let off = self.f64s.len();
            self.f64s.extend(&xs);
            json!({ "$f64": [off, xs.len()] })
        } else {
            json!(xs)
        }
    }

    fn sample_set(&mut self, size: usize) -> Vec<i64> {
        let samples = &self.ts.samples;
        let mut set: Vec<i64> = (0..size)
            .map(|_| samples[self.rng.index(samples.len())] as i64)
            .collect();
        if !self.wild || self.rng.chance(4, 5) {
            set.sort_unstable();
            set.dedup();
        }
        if self.odd(1, 10) && !set.is_empty() {
            let i = self.rng.index(set.len());
            set[i] = self.int();
        }
        set
    }

    fn sample_sets(&mut self, afs: bool) -> Value {
        let n = self.n();
        match self.branch(12, 2) {
            0 => self.junk(0),
            1 => json!([]),
            2 => {
                // Many small sets (the superlinear case of the issue, kept small here).
                let k = 1 + self.rng.index(100);
                let sets: Vec<Value> = (0..k)
                    .map(|i| json!([self.ts.samples[i % n] as i64]))
                    .collect();
                json!(sets)
            }
            3 if afs || self.rng.chance(1, 2) => {
                // Several large sets: the spectrum's output is the product of (size + 1).
                let k = 2 + self.rng.index(60);
                let size = 1 + self.rng.index(n.min(60));
                let sets: Vec<Value> = (0..k)
                    .map(|_| {
                        let s = self.sample_set(size);
                        self.id_list(s)
                    })
                    .collect();
                json!(sets)
            }
            4 => {
                // One flat list of ids.
                let size = 1 + self.rng.index(n);
                let s = self.sample_set(size);
                self.id_list(s)
            }
            _ => {
                let k = 1 + self.rng.index(5);
                let sets: Vec<Value> = (0..k)
                    .map(|_| {
                        let size = 1 + self.rng.index(n.min(20));
                        let s = self.sample_set(size);
                        self.id_list(s)
                    })
                    .collect();
                json!(sets)
            }
        }
    }

    fn indexes(&mut self, arity: usize) -> Value {
        match self.branch(6, 1) {
            0 => self.junk(0),
            1 => {
                let t: Vec<i64> = (0..arity).map(|_| self.set_index(5)).collect();
                json!(t)
            }
            2 => {
                // Many tuples (the many-pairs path from 17 on).
                let m = 1 + self.rng.index(40);
                let ts: Vec<Value> = (0..m)
                    .map(|_| json!((0..arity).map(|_| self.set_index(4)).collect::<Vec<_>>()))
                    .collect();
                json!(ts)
            }
            _ => {
                let m = 1 + self.rng.index(4);
                let ts: Vec<Value> = (0..m)
                    .map(|_| {
                        let mut t: Vec<i64> = (0..arity).map(|_| self.set_index(4)).collect();
                        if self.odd(1, 8) {
                            let i = self.rng.index(arity);
                            t[i] = self.int();
                        }
                        if self.odd(1, 12) {
                            t.pop();
                        }
                        json!(t)
                    })
                    .collect();
                json!(ts)
            }
        }
    }

    fn breaks(&mut self, end: f64, max: usize) -> Vec<f64> {
        let k = 1 + self.rng.index(max);
        let mut b: Vec<f64> = (0..k.saturating_sub(1))
            .map(|_| self.rng.f64() * end)
            .collect();
        b.push(0.0);
        b.push(end);
        b.sort_by(f64::total_cmp);
        b.dedup();
        if self.odd(1, 6) {
            let i = self.rng.index(b.len());
            b[i] = *self
                .rng
                .pick(&[f64::NAN, f64::INFINITY, -1.0, -0.0, end * 2.0, 1e308]);
        }
        if self.odd(1, 10) {
            b.reverse();
        }
        b
    }

    fn windows(&mut self) -> Value {
        let l = self.ts.sequence_length();
        match self.branch(8, 1) {
            0 => self.junk(0),
            1 => json!(*self.rng.pick(&["trees", "sites", "tree", "all"])),
            2 => Value::Null,
            3 => {
                // Many windows.
                let k = 1 + self.rng.index(1000);
                let b: Vec<f64> = (0..=k).map(|i| l * i as f64 / k as f64).collect();
                self.f64_list(b)
            }
            _ => {
                let b = self.breaks(l, 20);
                self.f64_list(b)
            }
        }
    }

    fn time_windows(&mut self) -> Value {
        match self.branch(5, 1) {
            0 => self.junk(0),
            1 => json!([0.0, f64::MAX]),
            2 => {
                let mut b = self.breaks(1000.0, 8);
                if self.rng.chance(1, 2) {
                    *b.last_mut().expect("not empty") = f64::INFINITY;
                }
                self.f64_list(b)
            }
            _ => {
                let mut b = self.breaks(100.0, 4);
                *b.last_mut().expect("not empty") = f64::INFINITY;
                self.f64_list(b)
            }
        }
    }

    /// Weights: `{data, shape}` with the data through `$f64`, shapes right, wrong, huge or
    /// negative; or a list of rows.
    fn weights(&mut self) -> Value {
        let n = self.n() as i64;
        let k = 1 + self.rng.below(4) as i64;
        let shape: (i64, i64) = match self.branch(8, 3) {
            0 => (n, *self.rng.pick(INTS)),
            1 => (
                *self
                    .rng
                    .pick(&[n + (1 << 32), n - 1, n + 1, 0, -n, i64::MAX]),
                k,
            ),
            2 => (*self.rng.pick(INTS), *self.rng.pick(INTS)),
            _ => (n, k),
        };
        // The data is as long as the true shape when the shape is small, else short.
        let len = match shape.0.checked_mul(shape.1) {
            Some(p) if (0..=100_000).contains(&p) => p as usize,
            _ => (n * k) as usize,
        };
        let mut data: Vec<f64> = (0..len).map(|_| self.rng.f64() * 2.0 - 1.0).collect();
        if self.rng.chance(1, 8) && !data.is_empty() {
            let i = self.rng.index(data.len());
            data[i] = *self.rng.pick(&[f64::NAN, f64::INFINITY, 1e308, 0.0]);
        }
        match self.branch(6, 1) {
            0 => self.junk(0),
            1 => {
                // Rows, as plain JSON.
                let rows: Vec<Value> = data
                    .chunks(k as usize)
                    .map(|r| {
                        json!(r
                            .iter()
                            .map(|x| if x.is_finite() { json!(x) } else { Value::Null })
                            .collect::<Vec<_>>())
                    })
                    .collect();
                json!(rows)
            }
            _ => {
                let d = self.f64_list(data);
                let shape = if self.odd(1, 10) {
                    self.junk(1)
                } else {
                    json!([shape.0, shape.1])
                };
                json!({ "data": d, "shape": shape })
            }
        }
    }

    fn call(&mut self, method: &str) -> Map<String, Value> {
        let row = METHODS.iter().find(|m| m.tskit == method);
        let arity = match method {
            "f3" | "Y3" => 3,
            "f4" => 4,
            _ => 2,
        };
        let afs = method == "allele_frequency_spectrum";
        let mut kw = Map::new();
        let keys: Vec<&str> = match row {
            Some(m) if m.stat_def().is_some() => m.params.iter().map(|p| p.opt.tskit()).collect(),
            _ => vec![
                "sample_sets",
                "windows",
                "mode",
                "span_normalise",
                "focal",
                "num_threads",
            ],
        };
        for key in keys {
            if !self.rng.chance(3, 4) {
                continue;
            }
            let v = match key {
                "sample_sets" => {
                    let v = self.sample_sets(afs);
                    self.num_sets = v.as_array().map_or(1, |a| {
                        if a.iter().all(|x| x.is_array() || x.is_object()) {
                            a.len()
                        } else {
                            1
                        }
                    });
                    v
                }
                "indexes" => self.indexes(arity),
                "windows" => self.windows(),
                "time_windows" if !self.wild && self.mode.as_deref() != Some("branch") => continue,
                "time_windows" => self.time_windows(),
                "W" => self.weights(),
                "mode" => {
                    if !self.odd(1, 10) {
                        let mode = *self.rng.pick(&["site", "branch", "node"]);
                        self.mode = Some(mode.to_string());
                        json!(mode)
                    } else {
                        self.junk(0)
                    }
                }
                "focal" => {
                    let size = 1 + self.rng.index(5);
                    let s = self.sample_set(size);
                    self.id_list(s)
                }
                _ => {
                    if !self.odd(1, 10) {
                        json!(self.rng.chance(1, 2))
                    } else {
                        self.junk(0)
                    }
                }
            };
            kw.insert(key.to_string(), v);
        }
        if self.odd(1, 20) {
            let junk = self.junk(0);
            kw.insert(
                self.rng
                    .pick(&["sampleSets", "weights", "", "mode "])
                    .to_string(),
                junk,
            );
        }
        kw
    }
}

/// `TREESEQ_FUZZ_METHODS`: a comma-separated list of methods to fuzz only (to search one
/// method longer, or past a failure not fixed yet).
fn only_methods() -> Option<Vec<String>> {
    std::env::var("TREESEQ_FUZZ_METHODS")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.split(',').map(|m| m.trim().to_string()).collect())
}

fn pick_method(rng: &mut Rng) -> String {
    if let Some(methods) = only_methods() {
        return rng.pick(&methods).clone();
    }
    match rng.below(20) {
        0 => rng
            .pick(&[
                "divergence_matrix",
                "genetic_relatedness_matrix",
                "mean_descendants",
                "genealogical_nearest_neighbours",
            ])
            .to_string(),
        1 => rng
            .pick(&["", "diversity ", "DIVERSITY", "__proto__", "toString"])
            .to_string(),
        2..=4 => "allele_frequency_spectrum".to_string(),
        _ => {
            // The general statistics, in the registry's order.
            let general: Vec<&str> = METHODS
                .iter()
                .filter(|m| m.stat_def().is_some())
                .map(|m| m.tskit)
                .collect();
            rng.pick(&general).to_string()
        }
    }
}

fn make_call(rng: &mut Rng, fixtures: &HashMap<&'static str, Arc<TreeSequence>>) -> Call {
    let method = pick_method(rng);
    // medium is ten times the others' cost: one call in five; never for the matrix and node
    // methods, whose default (every sample its own set) is 360² per window there, tens of
    // seconds in tskit too.
    let heavy = matches!(
        method.as_str(),
        "divergence_matrix"
            | "genetic_relatedness_matrix"
            | "mean_descendants"
            | "genealogical_nearest_neighbours"
    );
    let fixture = if !heavy && rng.chance(1, 5) {
        "medium"
    } else {
        *rng.pick(&FIXTURES[..FIXTURES.len() - 1])
    };
    let ts = &fixtures[fixture];
    let wild = rng.chance(1, 2);
    let mut g = Gen {
        rng,
        ts,
        i32s: vec![],
        f64s: vec![],
        wild,
        mode: None,
        num_sets: 0,
    };
    let kw = g.call(&method);
    let mut kwargs_json = serde_json::to_string(&Value::Object(kw)).expect("JSON");
    if g.odd(1, 50) {
        // Broken JSON text.
        let cut = g.rng.index(kwargs_json.len() + 1);
        kwargs_json.truncate(cut);
    }
    let (i32s, f64s) = (g.i32s, g.f64s);
    Call {
        fixture: fixture.to_string(),
        method,
        kwargs_json,
        i32s,
        f64s,
    }
}

/// How the calls ended: "answered" or the refusal's code, counted for the summary line (a
/// fuzzer whose calls are all refused early tests only the argument parsing).
static OUTCOMES: Mutex<BTreeMap<&'static str, u64>> = Mutex::new(BTreeMap::new());

fn count(outcome: &'static str) {
    *OUTCOMES
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(outcome)
        .or_default() += 1;
}

/// Runs a call and checks the contract; Err says what went wrong.
fn check_call(ts: Arc<TreeSequence>, call: Call) -> Result<(), Bad> {
    run_case(case_timeout(), move || -> Result<(), Bad> {
        let arrays = Arrays {
            i32s: &call.i32s,
            f64s: &call.f64s,
        };
        match treeseq_core::stats::compute_json(&ts, &call.method, &call.kwargs_json, arrays) {
            Err(e) => {
                count(e.code.as_str());
                check_error(&e)
            }
            Ok(out) => {
                count("answered");
                let cells = out.shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
                if cells != Some(out.data.len()) {
                    return Err(Bad::Wrong(format!(
                        "answer has {} values but shape {:?}",
                        out.data.len(),
                        out.shape
                    )));
                }
                Ok(())
            }
        }
    })
    .and_then(|r| r)
}

#[test]
fn fuzz_statistics() {
    in_own_process("fuzz_statistics", || {
        let fixtures = load_fixtures();
        let failures = failure_dir(TARGET);
        fuzz_loop(TARGET, 0.6, |rng, case| {
            let call = make_call(rng, &fixtures);
            let seed = seed();
            let path = failures.join(format!("{seed}-{case}.json"));
            let input = serde_json::to_vec_pretty(&call.to_json()).expect("JSON");
            let what = format!("{} on {}", call.method, call.fixture);
            announce(
                format!("{TARGET} seed {seed} case {case}: {what}"),
                path.clone(),
                input.clone(),
            );
            let ts = fixtures[call.fixture.as_str()].clone();
            match check_call(ts, call) {
                Ok(()) => None,
                Err(bad) => Some(report_failure(
                    TARGET, seed, case, &what, &bad, &path, &input, "stats",
                )),
            }
        });
        eprintln!(
            "{TARGET}: outcomes {:?}",
            OUTCOMES.lock().unwrap_or_else(|p| p.into_inner())
        );
    });
}

/// Every kept failure, replayed: `tests/fuzz-regressions/stats/*.json`.
#[test]
fn fuzz_stats_regressions() {
    in_own_process("fuzz_stats_regressions", || {
        apply_memory_cap();
        let fixtures = load_fixtures();
        let mut failed = Vec::new();
        for p in files_with_suffix(&regressions_dir("stats"), ".json") {
            let v: Value = serde_json::from_slice(&std::fs::read(&p).expect("read")).expect("JSON");
            let input = serde_json::to_vec_pretty(&v).expect("JSON");
            let saved = failure_dir(TARGET).join(p.file_name().expect("a file"));
            announce(format!("regression {}", p.display()), saved, input);
            let call = Call::from_json(&v);
            let ts = fixtures
                .get(call.fixture.as_str())
                .unwrap_or_else(|| panic!("{}: unknown fixture {}", p.display(), call.fixture))
                .clone();
            if let Err(bad) = check_call(ts, call) {
                failed.push(format!("{}: {bad}", p.display()));
            }
        }
        assert!(
            failed.is_empty(),
            "regressions fail:\n{}",
            failed.join("\n")
        );
    });
}
