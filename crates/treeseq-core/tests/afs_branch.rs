//! Branch-mode allele frequency spectrum (`stats/afs_branch.rs`) against tskit: every
//! branch-mode AFS case of every fixture (`test/fixtures/*.expected.json.gz`) to 1e-9
//! relative / 1e-12 absolute with tskit's shape; bit-identical results on 1, 2 and 8
//! threads and for any chunking of the windows; and, on tree sequences where no node is
//! re-attached without a flush, equality with a brute-force sum over trees written here
//! independently (so the only difference from the sum over trees is tskit's accumulation,
//! which shows on `ancient_gaps`).

mod common;
use common::*;

use serde_json::{json, Value};
use treeseq_core::stats::{afs_branch, args, compute};
use treeseq_core::{Tree, TreeSequence};

fn is_branch_afs(case: &Value) -> bool {
    case["method"] == "allele_frequency_spectrum"
        && case["kwargs"]["mode"] == "branch"
        && case["kwargs"]
            .get("time_windows")
            .is_none_or(Value::is_null)
}

/// One fixture case against tskit's shape and values; Err says what differs.
fn check_case(ts: &TreeSequence, case: &Value) -> Result<(), String> {
    let out = compute(ts, "allele_frequency_spectrum", &case["kwargs"])
        .map_err(|e| format!("refused: {e}"))?;
    let values = same_shape(&out, case)?;
    for (i, (&g, &w)) in out.data.iter().zip(&values).enumerate() {
        if !close(g, w) {
            return Err(format!(
                "value [{i}] = {g:e}, tskit {w:e} (relative {:.3e})",
                (g - w).abs() / w.abs()
            ));
        }
    }
    Ok(())
}

#[test]
fn every_branch_afs_fixture_case_matches_tskit() {
    let (mut passed, mut failed) = (0usize, Vec::new());
    for name in fixture_names() {
        let ts = load(&name);
        if branch_refused(&ts) {
            continue;
        }
        let exp = expected(&name);
        let cases: Vec<&Value> = exp["stats"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| is_branch_afs(c))
            .collect();
        assert!(
            !cases.is_empty(),
            "{name}: no branch-mode AFS case in the fixture"
        );
        let (mut p, mut f) = (0, 0);
        for case in cases {
            assert!(
                case.get("error").is_none(),
                "{name}: tskit refuses a branch AFS case; check it here"
            );
            match check_case(&ts, case) {
                Ok(()) => p += 1,
                Err(why) => {
                    f += 1;
                    failed.push(format!("{name}: {}: {why}", brief(&case["kwargs"])));
                }
            }
        }
        println!("{name}: {p} passed, {f} failed");
        passed += p;
    }
    for f in &failed {
        println!("FAIL {f}");
    }
    println!(
        "branch AFS fixture cases: {passed} passed, {} failed",
        failed.len()
    );
    assert!(
        failed.is_empty(),
        "{} branch AFS fixture cases failed",
        failed.len()
    );
    // 24 cases in each of 6 fixtures and 18 in medium (no windows="trees") when this was
    // written; fewer means the fixtures lost cases.
    assert!(
        passed >= 6 * 24 + 18 || common::fresh_dir().is_some(),
        "only {passed} branch AFS cases found"
    );
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

/// Calls that exercise one window, a few, many (one per tree), windows not covering the
/// genome, one and two sets, polarised or not.
fn calls(name: &str, ts: &TreeSequence) -> Vec<Value> {
    let sets = expected(name)["sample_sets"].clone();
    let two: Vec<Value> = sets.as_array().unwrap().iter().take(2).cloned().collect();
    // Per-tree windows with two sets of up to 12 samples: a joint spectrum per tree of
    // medium's two sets of 120 would be 6,719 x 121 x 121 values.
    let two_small: Vec<Value> = two
        .iter()
        .map(|s| Value::Array(s.as_array().unwrap().iter().take(12).cloned().collect()))
        .collect();
    let l = ts.sequence_length();
    let inner = [l * 0.1, l * 0.37, l * 0.5, l * 0.9];
    vec![
        json!({"mode": "branch"}),
        json!({"mode": "branch", "sample_sets": two, "polarised": true}),
        json!({"mode": "branch", "sample_sets": two_small, "windows": "trees"}),
        json!({"mode": "branch", "sample_sets": [sets[0]], "windows": "trees", "polarised": true, "span_normalise": false}),
        json!({"mode": "branch", "sample_sets": two, "windows": [0.0, l / 3.0, l / 2.0, l]}),
        json!({"mode": "branch", "sample_sets": two, "windows": inner}),
    ]
}

#[test]
fn identical_bits_on_1_2_and_8_threads() {
    for name in fixture_names() {
        let ts = load(&name);
        if branch_refused(&ts) {
            continue;
        }
        let calls = calls(&name, &ts);
        for kwargs in &calls {
            let reference =
                in_pool(1, || compute(&ts, "allele_frequency_spectrum", kwargs)).unwrap();
            for threads in [2, 8] {
                let out = in_pool(threads, || {
                    compute(&ts, "allele_frequency_spectrum", kwargs)
                })
                .unwrap();
                assert_eq!(out.shape, reference.shape);
                assert!(
                    same_bits(&out.data, &reference.data),
                    "{name} {}: 1 and {threads} threads differ",
                    brief(kwargs)
                );
            }
        }
        println!(
            "{name}: {} calls bit-identical on 1, 2 and 8 threads",
            calls.len()
        );
    }
}

/// Parsed sample sets and windows of a call, as `compute` parses them.
fn parsed(ts: &TreeSequence, kwargs: &Value) -> (Vec<Vec<i32>>, Vec<f64>, bool, bool) {
    let method = "allele_frequency_spectrum";
    let sets = args::parse_sample_sets(
        ts,
        method,
        kwargs.get("sample_sets").filter(|v| !v.is_null()),
        Default::default(),
    )
    .unwrap()
    .map_or_else(|| vec![ts.samples.clone()], |s| s.sets);
    let windows = args::parse_windows(
        ts,
        method,
        kwargs.get("windows").filter(|v| !v.is_null()),
        Default::default(),
    )
    .unwrap()
    .breaks;
    let polarised = kwargs
        .get("polarised")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let span_normalise = kwargs
        .get("span_normalise")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    (sets, windows, polarised, span_normalise)
}

#[test]
fn chunking_of_windows_changes_no_bit() {
    for name in fixture_names() {
        let ts = load(&name);
        if branch_refused(&ts) {
            continue;
        }
        for kwargs in calls(&name, &ts) {
            let (sets, windows, polarised, norm) = parsed(&ts, &kwargs);
            let nw = windows.len() - 1;
            let one =
                afs_branch::run_with_chunks(&ts, &sets, &windows, None, polarised, norm, Some(1))
                    .unwrap();
            assert_eq!(
                one,
                compute(&ts, "allele_frequency_spectrum", &kwargs)
                    .unwrap()
                    .data
            );
            for chunks in [2, 3, 7, nw] {
                let out = afs_branch::run_with_chunks(
                    &ts,
                    &sets,
                    &windows,
                    None,
                    polarised,
                    norm,
                    Some(chunks),
                )
                .unwrap();
                assert!(
                    same_bits(&out, &one),
                    "{name} {}: {chunks} chunks differ from one",
                    brief(&kwargs)
                );
            }
            // With time windows: [0, inf] is the spectrum without them, bit for bit, and
            // other time windows chunk as freely.
            let max_time = ts.tables.nodes.time.iter().cloned().fold(0.0, f64::max);
            for tw in [
                vec![0.0, f64::INFINITY],
                vec![0.0, max_time * 0.05, max_time * 0.3, f64::INFINITY],
            ] {
                let run = |chunks| {
                    afs_branch::run_with_chunks(
                        &ts,
                        &sets,
                        &windows,
                        Some(&tw),
                        polarised,
                        norm,
                        Some(chunks),
                    )
                    .unwrap()
                };
                let first = run(1);
                if tw.len() == 2 {
                    assert!(
                        same_bits(&first, &one),
                        "{name}: [0, inf] differs from none"
                    );
                }
                for chunks in [2, 3, nw] {
                    assert!(
                        same_bits(&run(chunks), &first),
                        "{name} {} time windows {tw:?}: {chunks} chunks differ from one",
                        brief(&kwargs)
                    );
                }
            }
        }
    }
}

/// Windows that leave out the ends of the genome (our extension) give exactly the rows of
/// the same windows inside a covering set of windows: every window starts afresh.
#[test]
fn windows_not_covering_the_genome_are_rows_of_covering_windows() {
    for name in fixture_names() {
        let ts = load(&name);
        let l = ts.sequence_length();
        let sets = vec![ts.samples.clone()];
        let inner = vec![l * 0.21, l * 0.4, l * 0.77];
        let mut covering = vec![0.0];
        covering.extend_from_slice(&inner);
        covering.push(l);
        for polarised in [false, true] {
            let part = afs_branch::run(&ts, &sets, &inner, None, polarised, false).unwrap();
            let whole = afs_branch::run(&ts, &sets, &covering, None, polarised, false).unwrap();
            let m = ts.num_samples() + 1;
            assert!(
                same_bits(&part, &whole[m..3 * m]),
                "{name}: inner windows differ from the covering ones"
            );
        }
    }
}

// ---- brute force ---------------------------------------------------------------------------

/// tskit's fold, written from its definition: flip every coordinate to n_k - c_k when the
/// coordinates sum to more than half the total of the set sizes; on a tie, decide by the
/// first sets only, dropping the last ones one at a time.
fn fold(c: &mut [usize], sizes: &[usize]) {
    let mut upto = sizes.len();
    loop {
        let s: usize = c[..upto].iter().sum();
        let n: usize = sizes[..upto].iter().sum();
        if 2 * s > n {
            for (x, &nk) in c.iter_mut().zip(sizes) {
                *x = nk - *x;
            }
            return;
        }
        if 2 * s < n || upto == 0 {
            return;
        }
        upto -= 1;
    }
}

/// Sum over trees and over nodes with a parent carrying some but not all samples of
/// branch length x (span of the tree inside the window), into the cell of the node's
/// per-set sample counts.
fn brute_force(ts: &TreeSequence, sets: &[Vec<i32>], windows: &[f64], polarised: bool) -> Vec<f64> {
    let n = ts.num_nodes();
    let sizes: Vec<usize> = sets.iter().map(Vec::len).collect();
    let size: usize = sizes.iter().map(|s| s + 1).product();
    let time = &ts.tables.nodes.time;
    let mut out = vec![0.0; (windows.len() - 1) * size];
    let k = sets.len();
    let (mut counts, mut all) = (vec![0usize; n * k], vec![0usize; n]);
    let mut tree = Tree::new(ts);
    let mut more = tree.first();
    while more {
        let (left, right) = tree.interval();
        let parent = tree.parent_array();
        let overlaps: Vec<(usize, f64)> = (0..windows.len() - 1)
            .map(|w| (w, right.min(windows[w + 1]) - left.max(windows[w])))
            .filter(|&(_, overlap)| overlap > 0.0)
            .collect();
        // counts[u * k + j]: samples of set j at or below u; all[u]: all samples.
        counts.iter_mut().for_each(|c| *c = 0);
        all.iter_mut().for_each(|c| *c = 0);
        let climb = |u: i32, f: &mut dyn FnMut(usize)| {
            let mut v = u;
            while v >= 0 {
                f(v as usize);
                v = parent[v as usize];
            }
        };
        for (j, set) in sets.iter().enumerate() {
            for &s in set {
                climb(s, &mut |v| counts[v * k + j] += 1);
            }
        }
        for &s in &ts.samples {
            climb(s, &mut |v| all[v] += 1);
        }
        for u in 0..n {
            let p = parent[u];
            if p < 0 || all[u] == 0 || all[u] == ts.num_samples() {
                continue;
            }
            let mut c = counts[u * k..(u + 1) * k].to_vec();
            if !polarised {
                fold(&mut c, &sizes);
            }
            let cell = c
                .iter()
                .zip(&sizes)
                .fold(0, |acc, (&x, &nk)| acc * (nk + 1) + x);
            let bl = time[p as usize] - time[u];
            for &(w, overlap) in &overlaps {
                out[w * size + cell] += bl * overlap;
            }
        }
        more = tree.next();
    }
    out
}

fn max_relative_difference(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| {
            if (x - y).abs() <= 1e-12 {
                0.0
            } else {
                (x - y).abs() / y.abs().max(1e-300)
            }
        })
        .fold(0.0, f64::max)
}

fn all_close(got: &[f64], want: &[f64]) -> bool {
    got.len() == want.len() && got.iter().zip(want).all(|(&g, &w)| close(g, w))
}

/// On tree sequences without gaps or re-attached nodes, tskit's accumulation is the sum over
/// trees: checked on every such fixture with a few windowings and set choices.
#[test]
fn equals_sum_over_trees_without_gaps() {
    for name in [
        "small",
        "nonbinary",
        "multiallelic",
        "single_tree",
        "unknown_times",
        "medium",
    ] {
        let ts = load(name);
        let mut checked = 0;
        for kwargs in calls(name, &ts) {
            let (sets, windows, polarised, _) = parsed(&ts, &kwargs);
            let ours = afs_branch::run(&ts, &sets, &windows, None, polarised, false).unwrap();
            let brute = brute_force(&ts, &sets, &windows, polarised);
            assert!(
                all_close(&ours, &brute),
                "{name} {}: differs from the sum over trees by {:.3e} (relative)",
                brief(&kwargs),
                max_relative_difference(&ours, &brute)
            );
            checked += 1;
        }
        println!("{name}: {checked} calls equal the sum over trees");
    }
}

/// On `ancient_gaps` the two differ (that is tskit's accumulation), except with one window
/// per tree, where every node is flushed at every tree boundary.
#[test]
fn ancient_gaps_differs_from_sum_over_trees_except_per_tree() {
    let ts = load("ancient_gaps");
    for polarised in [false, true] {
        let sets = vec![ts.samples.clone()];
        let whole = [0.0, ts.sequence_length()];
        let ours = afs_branch::run(&ts, &sets, &whole, None, polarised, false).unwrap();
        let brute = brute_force(&ts, &sets, &whole, polarised);
        let diff = max_relative_difference(&ours, &brute);
        assert!(diff > 1e-3, "polarised={polarised}: expected tskit's accumulation to differ from the sum over trees, got {diff:e}");

        let trees = ts.breakpoints.clone();
        let ours = afs_branch::run(&ts, &sets, &trees, None, polarised, false).unwrap();
        let brute = brute_force(&ts, &sets, &trees, polarised);
        assert!(
            all_close(&ours, &brute),
            "polarised={polarised}: per tree, differs by {:e}",
            max_relative_difference(&ours, &brute)
        );
    }
}
