//! divergence_matrix, genetic_relatedness_matrix, mean_descendants and
//! genealogical_nearest_neighbours against tskit (every such case of every fixture in
//! `test/fixtures/*.expected.json.gz`), and the many-pairs path of divergence, Fst, f2 and
//! genetic_relatedness against tskit (every fixture case, forced through that path) and
//! against the general engine (many pairs built from each fixture's samples); results bit for
//! bit the same on 1, 2, 3 and 8 threads; refusals with tskit's reasons.
//!
//! A new fixture needs no new code: every test iterates over the fixture files.

mod common;
use common::*;

use serde_json::{json, Value};
use treeseq_core::stats::{compute, pairs, StatOutput};
use treeseq_core::{ErrorCode, TreeSequence};

const MATRIX_METHODS: &[&str] = &[
    "divergence_matrix",
    "genetic_relatedness_matrix",
    "mean_descendants",
    "genealogical_nearest_neighbours",
];
const PAIR_METHODS: &[&str] = &["divergence", "Fst", "f2", "genetic_relatedness"];

/// How values are compared: the fixtures' rule (relative 1e-9, absolute 1e-12), with two
/// allowances, each for a reason that is not an error of either side.
#[derive(Clone, Copy, Default)]
struct Allow<'a> {
    /// Between two of our own float implementations: an absolute tolerance of 1e-12 times
    /// the largest value of the case. A sum that is exactly zero (say, relatedness of sets
    /// that share no branch in a tree) is computed by both as the rounding residue of terms
    /// of that size, and residues do not agree to a relative tolerance.
    scaled_zero: bool,
    /// Windows (by index) that contain no branch at all: a branch statistic is exactly 0 there
    /// (and ratios of such sums 0/0 = NaN), which we return; tskit returns its running sum's
    /// rounding residue (values up to 1e-8, and ratios of residues). Accepted only when ours
    /// is 0 or NaN.
    branchless: Option<&'a [bool]>,
}

fn compare(out: &StatOutput, shape: &[usize], values: &[f64], allow: Allow) -> Result<(), String> {
    if out.shape != shape {
        return Err(format!("shape {:?}, expected {:?}", out.shape, shape));
    }
    if out.data.len() != values.len() {
        return Err(format!(
            "{} values, expected {}",
            out.data.len(),
            values.len()
        ));
    }
    let scale = values
        .iter()
        .filter(|v| v.is_finite())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let abs = if allow.scaled_zero {
        1e-12 * scale.max(1.0)
    } else {
        1e-12
    };
    let per_window = allow.branchless.map(|b| values.len() / b.len().max(1));
    for (i, (&g, &w)) in out.data.iter().zip(values).enumerate() {
        if close_abs(g, w, abs) {
            continue;
        }
        if let (Some(b), Some(row)) = (allow.branchless, per_window) {
            if b[i / row.max(1)] && (g == 0.0 || g.is_nan()) {
                continue;
            }
        }
        return Err(format!("value [{i}] = {g:e}, expected {w:e}"));
    }
    Ok(())
}

/// For a branch-mode case, which of its windows contain no branch (no edge overlaps them).
fn branchless_windows(ts: &TreeSequence, kwargs: &Value) -> Option<Vec<bool>> {
    if kwargs.get("mode").and_then(Value::as_str) != Some("branch") {
        return None;
    }
    let l = ts.sequence_length();
    let breaks: Vec<f64> = match kwargs.get("windows") {
        None | Some(Value::Null) => vec![0.0, l],
        Some(Value::String(s)) if s == "trees" => ts.breakpoints.clone(),
        Some(Value::Array(a)) => a.iter().map(|v| v.as_f64().unwrap()).collect(),
        _ => return None,
    };
    let e = &ts.tables.edges;
    Some(
        breaks
            .windows(2)
            .map(|w| !(0..e.left.len()).any(|j| e.left[j] < w[1] && e.right[j] > w[0]))
            .collect(),
    )
}

/// Compares a result with a fixture case (or checks that an error case is refused).
fn check_case(
    result: treeseq_core::Result<StatOutput>,
    case: &Value,
    allow: Allow,
) -> Result<(), String> {
    if case.get("error").is_some() {
        return match result {
            Err(e) => {
                // tskit's refusals here are duplicate samples: say so, with the right code.
                let msg = case["message"].as_str().unwrap_or("");
                if msg.contains("Duplicate sample")
                    && !(e.code == ErrorCode::BadSampleSets
                        && e.message.contains("duplicate sample"))
                {
                    return Err(format!("refused, but not as a duplicate sample: {e}"));
                }
                Ok(())
            }
            Ok(out) => Err(format!(
                "tskit refuses this ({}) but we returned shape {:?}",
                case["message"], out.shape
            )),
        };
    }
    let out = result.map_err(|e| format!("refused: {e}"))?;
    let (shape, values) = (case_shape(case), case_values(case));
    compare(&out, &shape, &values, allow)
}

/// Runs `check` on every case of the given methods in every fixture; prints the counts and
/// fails on any mismatch.
fn for_fixture_cases(
    label: &str,
    methods: &[&str],
    check: impl Fn(&TreeSequence, &Value) -> Option<Result<(), String>>,
) {
    let (mut passed, mut failed) = (0usize, Vec::new());
    for name in fixture_names() {
        let ts = load(&name);
        let exp = expected(&name);
        let (mut p, mut f) = (0, 0);
        for case in exp["stats"].as_array().unwrap() {
            let method = case["method"].as_str().unwrap();
            if !methods.contains(&method) {
                continue;
            }
            match check(&ts, case) {
                None => {}
                Some(Ok(())) => p += 1,
                Some(Err(why)) => {
                    f += 1;
                    failed.push(format!(
                        "{name}: {method} {}: {why}",
                        brief(&case["kwargs"])
                    ));
                }
            }
        }
        println!("{label}: {name}: {p} passed, {f} failed");
        passed += p;
    }
    for f in failed.iter().take(200) {
        println!("FAIL {f}");
    }
    println!("{label}: {passed} passed, {} failed", failed.len());
    // Fixtures made by scripts/make_fixture.py (TREESEQ_FIXTURES) have no matrix cases.
    assert!(
        passed > 0 || fresh_dir().is_some(),
        "{label}: no cases found"
    );
    assert!(failed.is_empty(), "{label}: {} cases failed", failed.len());
}

#[test]
fn matrix_and_node_statistics_match_tskit() {
    for_fixture_cases(
        "matrix/node statistics vs tskit",
        MATRIX_METHODS,
        |ts, case| {
            let method = case["method"].as_str().unwrap();
            Some(check_case(
                compute(ts, method, &case["kwargs"]),
                case,
                Allow::default(),
            ))
        },
    );
}

/// Every fixture case of the pair statistics in site or branch mode, forced through the pair
/// path whatever its number of pairs. In windows without branches we give exact zeros where
/// tskit gives rounding residue (see [`Allow::branchless`]).
#[test]
fn pair_path_matches_tskit_on_every_fixture_case() {
    for_fixture_cases("pair path vs tskit", PAIR_METHODS, |ts, case| {
        let kwargs = &case["kwargs"];
        if kwargs.get("mode").and_then(Value::as_str) == Some("node")
            || kwargs.get("time_windows").is_some_and(|t| !t.is_null())
        {
            return None;
        }
        // The pair path is below compute's refusal of branch mode on uncalibrated times.
        if kwargs["mode"] == "branch" && branch_refused(ts) {
            return None;
        }
        let method = case["method"].as_str().unwrap();
        let branchless = branchless_windows(ts, kwargs);
        let allow = Allow {
            scaled_zero: false,
            branchless: branchless.as_deref(),
        };
        Some(check_case(
            pairs::compute_pairs_path(ts, method, kwargs),
            case,
            allow,
        ))
    });
}

/// numpy's `array_split(samples, parts)`.
fn array_split(samples: &[i32], parts: usize) -> Vec<Vec<i32>> {
    let n = samples.len();
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..parts {
        let len = n / parts + usize::from(i < n % parts);
        out.push(samples[start..start + len].to_vec());
        start += len;
    }
    out
}

/// The general engine's answer for many pairs: `compute` on batches of at most
/// `pairs::MANY_PAIRS` pairs (each below the pair path's threshold), joined along the pair
/// axis.
fn engine_reference(ts: &TreeSequence, method: &str, kwargs: &Value) -> StatOutput {
    let tuples = kwargs["indexes"].as_array().unwrap().clone();
    let mut parts = Vec::new();
    for batch in tuples.chunks(pairs::MANY_PAIRS) {
        let mut kw = kwargs.clone();
        kw["indexes"] = Value::Array(batch.to_vec());
        parts.push(compute(ts, method, &kw).unwrap_or_else(|e| panic!("{method}: {e}")));
    }
    let windowed = kwargs.get("windows").is_some_and(|w| !w.is_null());
    let rows = if windowed { parts[0].shape[0] } else { 1 };
    let mut data = Vec::new();
    for r in 0..rows {
        for (p, batch) in parts.iter().zip(tuples.chunks(pairs::MANY_PAIRS)) {
            data.extend_from_slice(&p.data[r * batch.len()..(r + 1) * batch.len()]);
        }
    }
    let mut shape = if windowed { vec![rows] } else { vec![] };
    shape.push(tuples.len());
    StatOutput { data, shape }
}

/// Many-pair calls built from a fixture: sample sets (disjoint splits, and overlapping ones),
/// every pair i <= j, each method with its options, both modes, with and without windows.
fn many_pair_cases(ts: &TreeSequence) -> Vec<(&'static str, Value)> {
    let samples = &ts.samples;
    let disjoint = array_split(samples, 7);
    // Overlapping sets: consecutive thirds of the samples, shifted.
    let n = samples.len();
    let overlapping: Vec<Vec<i32>> = (0..6)
        .map(|i| samples[(i * n / 9)..(i * n / 9 + n / 3).min(n)].to_vec())
        .collect();
    let l = ts.sequence_length();
    let windows = json!([0.0, l * 0.25, l * 0.5, l * 0.9, l]);
    // Pairs among some of the sets only (centred relatedness still centres over all of them).
    let nine = array_split(samples, 9);
    let mut cases = Vec::new();
    for (sets, used) in [(&disjoint, 7), (&overlapping, 6), (&nine, 6)] {
        let pairs: Vec<[usize; 2]> = (0..used)
            .flat_map(|i| (i..used).map(move |j| [i, j]))
            .collect();
        for mode in ["branch", "site"] {
            // treeseq's windows may also leave parts of the genome out.
            for win in [
                Value::Null,
                windows.clone(),
                json!("trees"),
                json!([l * 0.1, l * 0.35, l * 0.6]),
            ] {
                let base =
                    json!({"sample_sets": sets, "indexes": pairs, "mode": mode, "windows": win});
                for method in ["divergence", "Fst", "f2"] {
                    cases.push((method, base.clone()));
                }
                let mut sn = base.clone();
                sn["span_normalise"] = json!(false);
                cases.push(("divergence", sn));
                for (centre, polarised, proportion) in [
                    (true, true, true),
                    (true, false, false),
                    (false, true, false),
                    (false, false, false),
                    (true, true, false),
                ] {
                    let mut kw = base.clone();
                    kw["centre"] = json!(centre);
                    kw["polarised"] = json!(polarised);
                    kw["proportion"] = json!(proportion);
                    cases.push(("genetic_relatedness", kw));
                }
            }
        }
    }
    cases
}

#[test]
fn pair_path_matches_engine_on_many_pairs() {
    let (mut passed, mut failed) = (0usize, Vec::new());
    for name in fixture_names() {
        let ts = load(&name);
        let mut p = 0;
        for (method, kwargs) in many_pair_cases(&ts) {
            if kwargs["mode"] == "branch" && branch_refused(&ts) {
                continue;
            }
            let got =
                compute(&ts, method, &kwargs).unwrap_or_else(|e| panic!("{name} {method}: {e}"));
            // compute must have taken the pair path (the same bits as forcing it).
            let mut forced = pairs::compute_pairs_path(&ts, method, &kwargs).unwrap();
            // compute() gives every NaN as the one canonical NaN; the path itself does not.
            forced
                .data
                .iter_mut()
                .filter(|x| x.is_nan())
                .for_each(|x| *x = f64::NAN);
            assert!(
                same_bits(&got.data, &forced.data),
                "{name} {method}: compute did not take the pair path"
            );
            let want = engine_reference(&ts, method, &kwargs);
            match compare(
                &got,
                &want.shape,
                &want.data,
                Allow {
                    scaled_zero: true,
                    branchless: None,
                },
            ) {
                Ok(()) => p += 1,
                Err(why) => failed.push(format!("{name}: {method} {}: {why}", brief(&kwargs))),
            }
        }
        println!("pair path vs engine: {name}: {p} cases passed");
        passed += p;
    }
    for f in failed.iter().take(100) {
        println!("FAIL {f}");
    }
    println!(
        "pair path vs engine: {passed} passed, {} failed",
        failed.len()
    );
    assert!(
        failed.is_empty(),
        "{} many-pair cases differ from the engine",
        failed.len()
    );
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn identical_bits_on_any_thread_count() {
    for name in ["medium", "ancient_gaps", "nonbinary"] {
        let ts = load(name);
        // Reference sets for mean_descendants: the fixture's (they may overlap); GNN gets
        // disjoint ones.
        let sets = expected(name)["sample_sets"].clone();
        let groups = array_split(&ts.samples, 20);
        let focal: Vec<i32> = ts.samples.clone();
        let k = groups.len();
        let all_pairs: Vec<[usize; 2]> = (0..k)
            .flat_map(|i| (i + 1..k).map(move |j| [i, j]))
            .collect();
        let l = ts.sequence_length();
        let calls: Vec<(&str, Value)> = vec![
            (
                "divergence",
                json!({"sample_sets": groups, "indexes": all_pairs, "mode": "branch"}),
            ),
            (
                "divergence",
                json!({"sample_sets": groups, "indexes": all_pairs, "mode": "site", "windows": [0.0, l / 3.0, l]}),
            ),
            (
                "Fst",
                json!({"sample_sets": groups, "indexes": all_pairs, "mode": "branch", "windows": "trees"}),
            ),
            (
                "f2",
                json!({"sample_sets": groups, "indexes": all_pairs, "mode": "branch"}),
            ),
            (
                "genetic_relatedness",
                json!({"sample_sets": groups, "indexes": all_pairs, "mode": "branch"}),
            ),
            (
                "genetic_relatedness",
                json!({"sample_sets": groups, "indexes": all_pairs, "mode": "site"}),
            ),
            (
                "divergence_matrix",
                json!({"sample_sets": groups, "mode": "branch", "windows": [0.0, l / 2.0, l]}),
            ),
            ("divergence_matrix", json!({"mode": "site"})),
            (
                "genetic_relatedness_matrix",
                json!({"sample_sets": groups, "mode": "branch"}),
            ),
            ("mean_descendants", json!({"sample_sets": sets})),
            (
                "genealogical_nearest_neighbours",
                json!({"focal": focal, "sample_sets": array_split(&ts.samples, 3)}),
            ),
        ];
        for (method, kwargs) in &calls {
            let reference = in_pool(1, || compute(&ts, method, kwargs))
                .unwrap_or_else(|e| panic!("{name} {method}: {e}"));
            for threads in [2, 3, 8] {
                let out = in_pool(threads, || compute(&ts, method, kwargs)).unwrap();
                assert_eq!(out.shape, reference.shape);
                assert!(
                    same_bits(&out.data, &reference.data),
                    "{name} {method} {}: results differ between 1 and {threads} threads",
                    brief(kwargs)
                );
            }
        }
        println!(
            "{name}: {} calls bit-identical on 1, 2, 3 and 8 threads",
            calls.len()
        );
    }
}

fn refused(ts: &TreeSequence, method: &str, kwargs: Value) -> treeseq_core::TreeSeqError {
    match compute(ts, method, &kwargs) {
        Ok(out) => panic!(
            "{method} {kwargs}: accepted (shape {:?}), tskit refuses it",
            out.shape
        ),
        Err(e) => e,
    }
}

#[test]
fn refusals_and_conventions_as_tskit() {
    let ts = load("small");
    let l = ts.sequence_length();
    for method in ["divergence_matrix", "genetic_relatedness_matrix"] {
        let e = refused(&ts, method, json!({"sample_sets": [[0, 1], [1, 2]]}));
        assert_eq!(e.code, ErrorCode::BadSampleSets);
        assert!(e.message.contains("duplicate sample value"), "{e}");
        let e = refused(&ts, method, json!({"sample_sets": [[0, 0, 1], [2]]}));
        assert_eq!(e.code, ErrorCode::BadSampleSets);
        assert!(e.message.contains("duplicate sample value"), "{e}");
        for (kwargs, code) in [
            (
                json!({"sample_sets": [[0, 1], [60]]}),
                ErrorCode::BadSampleSets,
            ),
            (
                json!({"sample_sets": [[0, 1], [500]]}),
                ErrorCode::BadSampleSets,
            ),
            (
                json!({"sample_sets": [[0, 1], [2]], "mode": "node"}),
                ErrorCode::BadParam,
            ),
            (
                json!({"sample_sets": [[0, 1], [2]], "polarised": true}),
                ErrorCode::BadParam,
            ),
            (
                json!({"sample_sets": [[0, 1], [2]], "windows": [0, 10, 10, l]}),
                ErrorCode::BadWindows,
            ),
        ] {
            assert_eq!(
                refused(&ts, method, kwargs.clone()).code,
                code,
                "{method} {kwargs}"
            );
        }
        // An empty set is allowed; the error message of a later bad set names the caller's index.
        let e = refused(&ts, method, json!({"sample_sets": [[], [0, 1], [500]]}));
        assert!(e.message.contains("sample_sets[2]"), "{e}");
        // No sets: an empty matrix.
        let out = compute(&ts, method, &json!({"sample_sets": []})).unwrap();
        assert_eq!(out.shape, vec![0, 0]);
        // Windows need not cover the genome (tskit checks only that they lie inside it).
        let out = compute(
            &ts,
            method,
            &json!({"sample_sets": [[0, 1], [2]], "windows": [1.0, l / 2.0]}),
        )
        .unwrap();
        assert_eq!(out.shape, vec![1, 2, 2]);
    }
    // A flat list: one set per id for divergence_matrix; tskit's relatedness matrix fails on it.
    let out = compute(
        &ts,
        "divergence_matrix",
        &json!({"sample_sets": [0, 1, 2], "mode": "branch"}),
    )
    .unwrap();
    assert_eq!(out.shape, vec![3, 3]);
    assert_eq!(
        out.data[0], 0.0,
        "a set of one has 0 on the diagonal, as tskit"
    );
    assert_eq!(
        refused(
            &ts,
            "genetic_relatedness_matrix",
            json!({"sample_sets": [0, 1, 2]})
        )
        .code,
        ErrorCode::BadSampleSets
    );
    // Empty sets give tskit's NaNs off the diagonal and 0 on it.
    let out = compute(
        &ts,
        "divergence_matrix",
        &json!({"sample_sets": [[0, 1], []], "mode": "branch"}),
    )
    .unwrap();
    assert!(
        out.data[1].is_nan() && out.data[2].is_nan() && out.data[3] == 0.0,
        "{:?}",
        out.data
    );

    // GNN: reference sets must not share nodes; focal nodes in range; at least one set.
    let e = refused(
        &ts,
        "genealogical_nearest_neighbours",
        json!({"focal": [0], "sample_sets": [[0, 1], [1, 2]]}),
    );
    assert_eq!(e.code, ErrorCode::BadSampleSets);
    assert!(e.message.contains("duplicate sample value"), "{e}");
    assert_eq!(
        refused(
            &ts,
            "genealogical_nearest_neighbours",
            json!({"focal": [500], "sample_sets": [[0, 1]]})
        )
        .code,
        ErrorCode::BadParam
    );
    assert_eq!(
        refused(
            &ts,
            "genealogical_nearest_neighbours",
            json!({"focal": [0], "sample_sets": []})
        )
        .code,
        ErrorCode::BadSampleSets
    );
    assert_eq!(
        refused(
            &ts,
            "genealogical_nearest_neighbours",
            json!({"focal": [0], "sample_sets": [0, 1]})
        )
        .code,
        ErrorCode::BadSampleSets
    );
    let out = compute(
        &ts,
        "genealogical_nearest_neighbours",
        &json!({"focal": [], "sample_sets": [[0, 1], [2]]}),
    )
    .unwrap();
    assert_eq!(out.shape, vec![0, 2]);
    // mean_descendants: overlapping sets, non-sample nodes and empty sets are fine; ids must be nodes.
    let out = compute(
        &ts,
        "mean_descendants",
        &json!({"sample_sets": [[0, 1], [1, 2, 50], []]}),
    )
    .unwrap();
    assert_eq!(out.shape, vec![ts.num_nodes(), 3]);
    assert_eq!(
        refused(
            &ts,
            "mean_descendants",
            json!({"sample_sets": [[0, 1], [-1]]})
        )
        .code,
        ErrorCode::BadSampleSets
    );
    assert_eq!(
        refused(
            &ts,
            "mean_descendants",
            json!({"sample_sets": [[0, 1]], "windows": [0, l]})
        )
        .code,
        ErrorCode::BadParam
    );
    assert_eq!(
        refused(&ts, "mean_descendants", json!({})).code,
        ErrorCode::BadSampleSets
    );

    // The pair path refuses what it does not handle, rather than guessing.
    let sets = array_split(&ts.samples, 3);
    assert!(pairs::compute_pairs_path(
        &ts,
        "divergence",
        &json!({"sample_sets": sets, "indexes": [[0, 1]], "mode": "node"})
    )
    .is_err());
    // Many pairs with time windows or in node mode go to the engine, which handles both.
    let pairs20: Vec<[usize; 2]> = (0..20).map(|i| [i % 3, (i + 1) % 3]).collect();
    let out = compute(&ts, "divergence", &json!({"sample_sets": sets, "indexes": pairs20, "mode": "branch", "time_windows": [0.0, 100.0, "inf"]})).unwrap();
    assert_eq!(out.shape, vec![2, 20]);
    let out = compute(
        &ts,
        "divergence",
        &json!({"sample_sets": sets, "indexes": pairs20, "mode": "node"}),
    )
    .unwrap();
    assert_eq!(out.shape, vec![ts.num_nodes(), 20]);
    // And compute leaves argument errors with many pairs to the general path's messages.
    let many: Vec<[usize; 2]> = (0..20).map(|_| [0, 5]).collect();
    let e = refused(
        &ts,
        "divergence",
        json!({"sample_sets": sets, "indexes": many}),
    );
    assert_eq!(e.code, ErrorCode::BadSampleSets);
}

/// The matrix and per-node methods read ids passed beside the JSON (`$i32` placeholders, as
/// both bindings send them) directly, with the JSON's answer and the JSON's refusals.
#[test]
fn typed_arrays_read_as_json() {
    use treeseq_core::stats::{args::Arrays, compute_with};
    let ts = load("small");
    let s = &ts.samples;
    let (a, b) = (s[..3].to_vec(), s[3..7].to_vec());
    let i32s: Vec<i32> = a.iter().chain(&b).copied().collect();
    let arrays = Arrays {
        i32s: &i32s,
        f64s: &[],
    };
    let at = |off: usize, len: usize| json!({ "$i32": [off, len] });
    let cases: Vec<(&str, Value, Value)> = vec![
        (
            "divergence_matrix",
            json!({"sample_sets": [at(0, 3), at(3, 4)], "mode": "branch"}),
            json!({"sample_sets": [a, b], "mode": "branch"}),
        ),
        // A flat list of ids: one set each; an empty set stays (tskit gives NaN there).
        (
            "divergence_matrix",
            json!({"sample_sets": at(0, 3)}),
            json!({"sample_sets": a}),
        ),
        (
            "genetic_relatedness_matrix",
            json!({"sample_sets": [at(0, 3), at(0, 0), at(3, 4)]}),
            json!({"sample_sets": [a, [], b]}),
        ),
        (
            "mean_descendants",
            json!({"sample_sets": [at(0, 3), at(3, 4)]}),
            json!({"sample_sets": [a, b]}),
        ),
        (
            "genealogical_nearest_neighbours",
            json!({"focal": at(0, 3), "sample_sets": [at(3, 2), at(5, 2)]}),
            json!({"focal": a, "sample_sets": [&b[..2], &b[2..]]}),
        ),
    ];
    for (method, typed, plain) in cases {
        let got = compute_with(&ts, method, &typed, arrays).unwrap();
        let want = compute(&ts, method, &plain).unwrap();
        assert_eq!(got.shape, want.shape, "{method} {typed}");
        let bits = |o: &StatOutput| o.data.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&got), bits(&want), "{method} {typed}");
    }
    let refusals: Vec<(&str, Value, Value)> = vec![
        (
            "genetic_relatedness_matrix",
            json!({"sample_sets": at(0, 3)}),
            json!({"sample_sets": a}),
        ),
        (
            "mean_descendants",
            json!({"sample_sets": at(0, 3)}),
            json!({"sample_sets": a}),
        ),
        (
            "mean_descendants",
            json!({"sample_sets": at(0, 0)}),
            json!({"sample_sets": []}),
        ),
        (
            "divergence_matrix",
            json!({"sample_sets": [at(0, 3), at(0, 1)]}),
            json!({"sample_sets": [a, [a[0]]]}),
        ),
    ];
    for (method, typed, plain) in refusals {
        let got = compute_with(&ts, method, &typed, arrays).unwrap_err();
        let want = compute(&ts, method, &plain).unwrap_err();
        assert_eq!(got, want, "{method} {typed}");
    }
}
