//! Statistics against tskit: every case in every fixture (`test/fixtures/*.expected.json.gz`),
//! thread-count independence (bit for bit), windows that do not cover the genome, and time
//! windows against a brute-force sum over trees written independently of the engine.

mod common;
use common::*;

use serde_json::{json, Value};
use treeseq_core::stats::{compute, StatOutput};
use treeseq_core::TreeSequence;

/// Methods with algorithms of their own, not the general statistic.
const NOT_HERE: &[&str] = &[
    "divergence_matrix",
    "genetic_relatedness_matrix",
    "mean_descendants",
    "genealogical_nearest_neighbours",
];

/// How one value of a fixture case came out.
enum Verdict {
    /// Within tolerance of tskit.
    Matches,
    /// tskit's value is demonstrably off and ours equals an exact answer computed
    /// independently in this test (see [`edge_free_value`]).
    TskitOff,
}

/// Compares one fixture case; Err says what differs. Values that differ from tskit's are
/// accepted only where [`edge_free_value`] shows tskit's value to be rounding residue and ours exact.
fn check_case(ts: &TreeSequence, case: &Value) -> Result<Verdict, String> {
    let method = case["method"].as_str().unwrap();
    let result = compute(ts, method, &case["kwargs"]);
    if case.get("error").is_some() {
        return match result {
            Err(_) => Ok(Verdict::Matches),
            Ok(out) => Err(format!(
                "tskit refuses this ({}) but we returned shape {:?}",
                case["message"], out.shape
            )),
        };
    }
    let out = result.map_err(|e| format!("refused: {e}"))?;
    let values = same_shape(&out, case)?;
    let mut verdict = Verdict::Matches;
    for (i, (&g, &w)) in out.data.iter().zip(&values).enumerate() {
        if close(g, w) {
            continue;
        }
        match edge_free_value(ts, method, &case["kwargs"], &out, i) {
            Some(exact) if !close(w, exact) && close(g, exact) => verdict = Verdict::TskitOff,
            Some(exact) => {
                return Err(format!("value [{i}] = {g:e}, tskit {w:e}, exact {exact:e}"))
            }
            None => return Err(format!("value [{i}] = {g:e}, tskit {w:e}")),
        }
    }
    Ok(verdict)
}

/// The one place where we knowingly differ from tskit 1.0.3: in a branch-mode window that no
/// edge overlaps, every sum is exactly 0 (and ratios of sums, Fst, Tajima's D and relatedness
/// as a proportion, are NaN), where tskit returns the rounding residue of its running sum.
/// (tskit's branch-mode allele frequency spectrum, which credits a node that leaves the trees
/// and comes back with its new branch over the gap, is reproduced, not corrected: see
/// stats/afs_branch.rs.)
/// In a window no edge overlaps, a branch-mode sum is 0 and a ratio of sums NaN.
fn edge_free_value(
    ts: &TreeSequence,
    method: &str,
    kwargs: &Value,
    out: &StatOutput,
    i: usize,
) -> Option<f64> {
    if kwargs["mode"] != "branch" {
        return None;
    }
    let windows = window_breaks(ts, &kwargs["windows"]);
    let per_window = out.data.len() / (windows.len() - 1);
    let w = i / per_window;
    let (l, r) = (windows[w], windows[w + 1]);
    let t = &ts.tables.edges;
    let edge_free = t
        .left
        .iter()
        .zip(t.right.iter())
        .all(|(&el, &er)| er <= l || el >= r);
    if !edge_free {
        return None;
    }
    let ratio = matches!(method, "Fst" | "Tajimas_D")
        || (method == "genetic_relatedness" && kwargs["proportion"].as_bool().unwrap_or(true));
    Some(if ratio { f64::NAN } else { 0.0 })
}

/// The window breakpoints of a `windows` argument (null, a list or "trees"; "sites" is not
/// needed here).
fn window_breaks(ts: &TreeSequence, windows: &Value) -> Vec<f64> {
    match windows {
        Value::Null => vec![0.0, ts.sequence_length()],
        Value::String(s) if s == "trees" => ts.breakpoints.clone(),
        v => serde_json::from_value(v.clone()).unwrap(),
    }
}

#[test]
fn every_fixture_case_matches_tskit() {
    let (mut passed, mut tskit_off, mut failed) = (0usize, Vec::new(), Vec::new());
    for name in fixture_names() {
        let ts = load(&name);
        let exp = expected(&name);
        let (mut p, mut f) = (0, 0);
        for case in exp["stats"].as_array().unwrap() {
            let method = case["method"].as_str().unwrap();
            if NOT_HERE.contains(&method) {
                continue;
            }
            let what = format!("{name}: {method} {}", brief(&case["kwargs"]));
            match check_case(&ts, case) {
                Ok(Verdict::Matches) => p += 1,
                Ok(Verdict::TskitOff) => {
                    p += 1;
                    tskit_off.push(what);
                }
                Err(why) => {
                    f += 1;
                    failed.push(format!("{what}: {why}"));
                }
            }
        }
        println!("{name}: {p} passed, {f} failed");
        passed += p;
    }
    for c in &tskit_off {
        println!("exact where tskit is off: {c}");
    }
    for f in &failed {
        println!("FAIL {f}");
    }
    println!(
        "statistics fixture cases: {passed} passed ({} of them where tskit's value is off and ours is exact), {} failed",
        tskit_off.len(),
        failed.len()
    );
    assert!(failed.is_empty(), "{} fixture cases failed", failed.len());
}

/// Brute-force statistics written without the engine: every tree is rebuilt from the edges
/// covering it, weights are summed up the tree in time order, and every branch is visited.
mod brute {
    use treeseq_core::TreeSequence;

    /// Each tree's interval and parent array.
    pub fn trees(ts: &TreeSequence) -> Vec<(f64, f64, Vec<i32>)> {
        let e = &ts.tables.edges;
        let bp = &ts.breakpoints;
        (0..bp.len() - 1)
            .map(|t| {
                let (l, r) = (bp[t], bp[t + 1]);
                let mut parent = vec![-1i32; ts.num_nodes()];
                for j in 0..e.left.len() {
                    if e.left[j] <= l && l < e.right[j] {
                        parent[e.child[j] as usize] = e.parent[j];
                    }
                }
                (l, r, parent)
            })
            .collect()
    }

    /// Sums of per-sample weight vectors below every node of a tree.
    pub fn node_sums(ts: &TreeSequence, parent: &[i32], weights: &[Vec<f64>]) -> Vec<Vec<f64>> {
        let time = &ts.tables.nodes.time;
        let k = weights[0].len();
        let mut x = vec![vec![0.0; k]; ts.num_nodes()];
        for (i, &u) in ts.samples.iter().enumerate() {
            x[u as usize] = weights[i].clone();
        }
        let mut order: Vec<usize> = (0..ts.num_nodes()).collect();
        order.sort_by(|&a, &b| time[a].total_cmp(&time[b]).then(a.cmp(&b)));
        for u in order {
            let p = parent[u];
            if p >= 0 {
                let xu = x[u].clone();
                for (a, b) in x[p as usize].iter_mut().zip(xu) {
                    *a += b;
                }
            }
        }
        x
    }

    /// Length of the branch [tu, tp] inside each time window.
    pub fn in_time_windows(tu: f64, tp: f64, time_windows: Option<&[f64]>) -> Vec<f64> {
        match time_windows {
            None => vec![tp - tu],
            Some(tw) => tw
                .windows(2)
                .map(|w| (tp.min(w[1]) - tu.max(w[0])).max(0.0))
                .collect(),
        }
    }

    /// A branch-mode statistic: sum over trees, windows and branches of
    /// overlap * branch length (per time window) * (f(x) [+ f(total - x)]).
    /// Result `[window][time window][output]`.
    #[allow(
        clippy::too_many_arguments,
        reason = "tskit's own arguments, one for one"
    )]
    pub fn branch_stat(
        ts: &TreeSequence,
        weights: &[Vec<f64>],
        f: &dyn Fn(&[f64]) -> Vec<f64>,
        m: usize,
        windows: &[f64],
        time_windows: Option<&[f64]>,
        polarised: bool,
        span_normalise: bool,
    ) -> Vec<f64> {
        let time = &ts.tables.nodes.time;
        let k = weights[0].len();
        let total: Vec<f64> = (0..k).map(|j| weights.iter().map(|w| w[j]).sum()).collect();
        let nt = time_windows.map_or(1, |t| t.len() - 1);
        let nw = windows.len() - 1;
        let mut out = vec![0.0; nw * nt * m];
        for (l, r, parent) in trees(ts) {
            let x = node_sums(ts, &parent, weights);
            for w in 0..nw {
                let overlap = r.min(windows[w + 1]) - l.max(windows[w]);
                if overlap <= 0.0 {
                    continue;
                }
                for u in 0..ts.num_nodes() {
                    let p = parent[u];
                    if p < 0 {
                        continue;
                    }
                    let mut v = f(&x[u]);
                    if !polarised {
                        let c: Vec<f64> = total.iter().zip(&x[u]).map(|(t, a)| t - a).collect();
                        for (a, b) in v.iter_mut().zip(f(&c)) {
                            *a += b;
                        }
                    }
                    for (t, len) in in_time_windows(time[u], time[p as usize], time_windows)
                        .into_iter()
                        .enumerate()
                    {
                        for j in 0..m {
                            out[(w * nt + t) * m + j] += overlap * len * v[j];
                        }
                    }
                }
            }
        }
        if span_normalise {
            for w in 0..nw {
                for v in &mut out[w * nt * m..(w + 1) * nt * m] {
                    *v /= windows[w + 1] - windows[w];
                }
            }
        }
        out
    }
}

fn assert_close(what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(close(g, w), "{what}: [{i}] = {g:e}, expected {w:e}");
    }
}

fn sample_sets(name: &str) -> Vec<Vec<i32>> {
    serde_json::from_value(expected(name)["sample_sets"].clone()).unwrap()
}

/// A fixture's name, tree sequence, sample sets, and three windows that cut its genome
/// unevenly.
type WithSets = (String, TreeSequence, Vec<Vec<i32>>, [f64; 4]);

/// Every fixture with at least two sample sets.
fn fixtures_with_sets() -> Vec<WithSets> {
    fixture_names()
        .into_iter()
        .filter_map(|name| {
            let sets: Vec<Vec<i32>> =
                serde_json::from_value(expected(&name)["sample_sets"].clone()).ok()?;
            let ts = load(&name);
            let l = ts.sequence_length();
            (sets.len() >= 2).then_some((name, ts, sets, [0.0, l * 0.3, l * 0.61, l]))
        })
        .collect()
}

/// The same statistics on rayon pools of 1, 2, 3 and 8 threads give the same bits.
#[test]
fn results_are_identical_at_any_thread_count() {
    let ts = load("medium");
    let sets = sample_sets("medium");
    let l = ts.sequence_length();
    let windows: Vec<f64> = (0..=10).map(|i| l * i as f64 / 10.0).collect();
    let w: Vec<Vec<f64>> = (0..ts.num_samples())
        .map(|i| vec![(i % 7) as f64 - 3.0, ((i * 13) % 5) as f64])
        .collect();
    let cases = vec![
        (
            "diversity",
            json!({"sample_sets": sets, "windows": windows, "mode": "site"}),
        ),
        (
            "diversity",
            json!({"sample_sets": sets, "windows": windows, "mode": "branch"}),
        ),
        (
            "divergence",
            json!({"sample_sets": sets, "indexes": [[0, 1], [1, 2], [0, 0]], "windows": "trees", "mode": "branch"}),
        ),
        (
            "Fst",
            json!({"sample_sets": sets, "indexes": [[0, 1], [1, 2]], "windows": windows, "mode": "site"}),
        ),
        (
            "Tajimas_D",
            json!({"sample_sets": sets, "mode": "branch", "time_windows": [0, 100, 1000, "inf"]}),
        ),
        (
            "allele_frequency_spectrum",
            json!({"sample_sets": [sets[0], sets[1]], "windows": windows, "mode": "branch"}),
        ),
        (
            "diversity",
            json!({"sample_sets": sets, "windows": windows, "mode": "node"}),
        ),
        (
            "trait_covariance",
            json!({"W": w, "windows": windows, "mode": "branch"}),
        ),
    ];
    // 0/0 in every window (a one-sample set with itself): NaN, whose sign bit must not depend
    // on how the sums were split either.
    let one_sample = vec![vec![sets[0][0]]];
    let singletons: Vec<Vec<i32>> = (0..100).map(|i| vec![i]).collect();
    let mut cases = cases;
    for mode in ["site", "branch", "node"] {
        cases.push((
            "divergence",
            json!({"sample_sets": one_sample, "indexes": [[0, 0]], "windows": windows, "mode": mode}),
        ));
        cases.push((
            "diversity",
            json!({"sample_sets": singletons, "windows": windows, "mode": mode}),
        ));
    }
    for (method, kwargs) in &cases {
        let run = |threads: usize| -> StatOutput {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| compute(&ts, method, kwargs)).unwrap()
        };
        let one = run(1);
        for threads in [2, 3, 8] {
            let other = run(threads);
            assert_eq!(one.shape, other.shape);
            assert!(
                same_bits(&one.data, &other.data),
                "{method} {}: {threads} threads differ from 1 thread",
                kwargs["mode"]
            );
        }
    }
}

/// Windows that start after 0 and end before L give the rows of the same windows within a
/// tskit-style covering of the whole genome.
#[test]
fn windows_need_not_cover_the_genome() {
    for name in ["small", "ancient_gaps", "medium"] {
        let ts = load(name);
        let sets = sample_sets(name);
        let l = ts.sequence_length();
        let bp = &ts.breakpoints;
        // Inner windows: one edge at a tree boundary, the others inside trees.
        let inner = vec![l * 0.137, bp[bp.len() / 2], l * 0.71, l * 0.93];
        let mut full = vec![0.0];
        full.extend(&inner);
        full.push(l);
        let stats: Vec<(&str, Value)> = vec![
            ("diversity", json!({"sample_sets": sets})),
            (
                "divergence",
                json!({"sample_sets": sets, "indexes": [[0, 1], [1, 1]]}),
            ),
            ("segregating_sites", json!({"sample_sets": sets})),
            (
                "allele_frequency_spectrum",
                json!({"sample_sets": [sets[0]]}),
            ),
            ("Fst", json!({"sample_sets": sets, "indexes": [[0, 1]]})),
        ];
        for (method, base) in &stats {
            for mode in ["site", "branch", "node"] {
                if *method == "allele_frequency_spectrum" && mode == "node" {
                    continue;
                }
                for span_normalise in [true, false] {
                    let mut kw = base.clone();
                    kw["mode"] = json!(mode);
                    if *method != "Tajimas_D" {
                        kw["span_normalise"] = json!(span_normalise);
                    }
                    kw["windows"] = json!(inner);
                    let part = compute(&ts, method, &kw).unwrap();
                    kw["windows"] = json!(full);
                    let whole = compute(&ts, method, &kw).unwrap();
                    assert_eq!(part.shape[0], inner.len() - 1);
                    assert_eq!(&part.shape[1..], &whole.shape[1..]);
                    let row = whole.data.len() / whole.shape[0];
                    let expect = &whole.data[row..row * inner.len()];
                    assert_close(
                        &format!("{name} {method} {mode} span_normalise={span_normalise}"),
                        &part.data,
                        expect,
                    );
                }
            }
        }
    }
}

/// `time_windows` in branch mode: each branch contributes the part of its length inside each
/// time window. Checked against the brute force above, for counts and weights, polarised
/// and not, with and without genome windows, and for the allele frequency spectrum.
#[test]
fn time_windows_match_brute_force() {
    for name in ["small", "ancient_gaps", "nonbinary"] {
        let ts = load(name);
        let sets = sample_sets(name);
        let n: Vec<f64> = sets.iter().map(|s| s.len() as f64).collect();
        let max_time = ts.tables.nodes.time.iter().cloned().fold(0.0, f64::max);
        let tw = vec![
            0.0,
            max_time * 0.01,
            max_time * 0.1,
            max_time * 0.5,
            f64::INFINITY,
        ];
        let tw_json = json!([tw[0], tw[1], tw[2], tw[3], "inf"]);
        let l = ts.sequence_length();
        let windows = vec![0.0, l * 0.3, l * 0.65, l];
        let weights: Vec<Vec<f64>> = ts
            .samples
            .iter()
            .map(|u| sets.iter().map(|s| s.contains(u) as u8 as f64).collect())
            .collect();

        // diversity, unpolarised, with and without genome windows.
        let diversity = |x: &[f64]| -> Vec<f64> {
            x.iter()
                .zip(&n)
                .map(|(x, n)| x * (n - x) / (n * (n - 1.0)))
                .collect()
        };
        for (win, win_json) in [
            (vec![0.0, l], Value::Null),
            (windows.clone(), json!(windows)),
        ] {
            let got = compute(&ts, "diversity", &json!({"sample_sets": sets, "mode": "branch", "windows": win_json, "time_windows": tw_json})).unwrap();
            let want = brute::branch_stat(
                &ts,
                &weights,
                &diversity,
                sets.len(),
                &win,
                Some(&tw),
                false,
                true,
            );
            assert_close(&format!("{name} diversity time windows"), &got.data, &want);
            let mut shape = if win_json.is_null() {
                vec![]
            } else {
                vec![win.len() - 1]
            };
            shape.extend([tw.len() - 1, sets.len()]);
            assert_eq!(got.shape, shape);
        }

        // f2 over pairs, not span-normalised.
        let pairs = [[0usize, 1usize], [1, 0]];
        let f2 = |x: &[f64]| -> Vec<f64> {
            pairs
                .iter()
                .map(|&[i, j]| {
                    let (ni, nj) = (n[i], n[j]);
                    (x[i] * (x[i] - 1.0) * (nj - x[j]) * (nj - x[j] - 1.0)
                        - x[i] * (ni - x[i]) * (nj - x[j]) * x[j])
                        / (ni * (ni - 1.0) * nj * (nj - 1.0))
                })
                .collect()
        };
        let got = compute(&ts, "f2", &json!({"sample_sets": sets, "indexes": pairs, "mode": "branch", "windows": windows, "time_windows": tw_json, "span_normalise": false})).unwrap();
        let want = brute::branch_stat(&ts, &weights, &f2, 2, &windows, Some(&tw), false, false);
        assert_close(&format!("{name} f2 time windows"), &got.data, &want);

        // genetic relatedness, polarised and centred (the default), without proportion.
        let rel = |x: &[f64]| -> Vec<f64> {
            let mean = x.iter().zip(&n).map(|(x, n)| x / n).sum::<f64>() / n.len() as f64;
            vec![(x[0] / n[0] - mean) * (x[1] / n[1] - mean)]
        };
        let got = compute(&ts, "genetic_relatedness", &json!({"sample_sets": sets, "indexes": [0, 1], "mode": "branch", "time_windows": tw_json, "proportion": false})).unwrap();
        let want = brute::branch_stat(&ts, &weights, &rel, 1, &[0.0, l], Some(&tw), true, true);
        assert_close(
            &format!("{name} genetic_relatedness time windows"),
            &got.data,
            &want,
        );
        assert_eq!(got.shape, vec![tw.len() - 1]);

        // trait covariance over arbitrary weights (centred by the statistic).
        let raw: Vec<Vec<f64>> = (0..ts.num_samples())
            .map(|i| vec![((i * 7) % 11) as f64 * 0.5, (i % 3) as f64])
            .collect();
        let means: Vec<f64> = (0..2)
            .map(|j| raw.iter().map(|r| r[j]).sum::<f64>() / raw.len() as f64)
            .collect();
        let centred: Vec<Vec<f64>> = raw
            .iter()
            .map(|r| r.iter().zip(&means).map(|(a, m)| a - m).collect())
            .collect();
        let ns = ts.num_samples() as f64;
        let cov = |x: &[f64]| -> Vec<f64> {
            x.iter()
                .map(|v| v * v / (2.0 * (ns - 1.0) * (ns - 1.0)))
                .collect()
        };
        let got = compute(
            &ts,
            "trait_covariance",
            &json!({"W": raw, "mode": "branch", "windows": windows, "time_windows": tw_json}),
        )
        .unwrap();
        let want = brute::branch_stat(&ts, &centred, &cov, 2, &windows, Some(&tw), false, true);
        assert_close(
            &format!("{name} trait_covariance time windows"),
            &got.data,
            &want,
        );

        // The allele frequency spectrum, joint and folded, and polarised. Its branch mode is
        // tskit's accumulation, not the sum over trees (see afs_branch.rs; the fixtures check
        // it against tskit), so here: its time windows add up to the spectrum without them,
        // and [0, inf] is that spectrum bit for bit. One question, one answer.
        for polarised in [false, true] {
            let two = vec![sets[0].clone(), sets[1].clone()];
            let call = |tw: Option<&Value>| {
                let mut kw = json!({"sample_sets": two, "mode": "branch", "windows": windows, "polarised": polarised});
                if let Some(tw) = tw {
                    kw["time_windows"] = tw.clone();
                }
                compute(&ts, "allele_frequency_spectrum", &kw).unwrap()
            };
            let got = call(Some(&tw_json));
            let without = call(None);
            let whole = call(Some(&json!([0, "inf"])));
            assert!(
                same_bits(&whole.data, &without.data),
                "{name} AFS polarised={polarised}: time_windows [0, inf] differ from none"
            );
            let cells = without.data.len() / (windows.len() - 1);
            let nt = tw.len() - 1;
            let summed: Vec<f64> = (0..without.data.len())
                .map(|i| {
                    (0..nt)
                        .map(|t| got.data[(i / cells * nt + t) * cells + i % cells])
                        .sum()
                })
                .collect();
            assert_close(
                &format!("{name} AFS summed over time windows polarised={polarised}"),
                &summed,
                &without.data,
            );
            assert_eq!(
                got.shape,
                vec![
                    windows.len() - 1,
                    tw.len() - 1,
                    two[0].len() + 1,
                    two[1].len() + 1
                ]
            );
        }

        // Time windows partition each branch: their sum is the statistic without them.
        let with = compute(&ts, "Y2", &json!({"sample_sets": sets, "indexes": [[0, 1], [1, 0]], "mode": "branch", "windows": windows, "time_windows": tw_json})).unwrap();
        let without = compute(&ts, "Y2", &json!({"sample_sets": sets, "indexes": [[0, 1], [1, 0]], "mode": "branch", "windows": windows})).unwrap();
        let nt = tw.len() - 1;
        let summed: Vec<f64> = (0..without.data.len())
            .map(|i| {
                (0..nt)
                    .map(|t| with.data[(i / 2 * nt + t) * 2 + i % 2])
                    .sum()
            })
            .collect();
        assert_close(
            &format!("{name} Y2 summed over time windows"),
            &summed,
            &without.data,
        );
    }
}

/// What tskit refuses is refused, with the error code the API promises.
#[test]
fn refusals() {
    use treeseq_core::ErrorCode::*;
    let ts = load("small");
    let sets = sample_sets("small");
    let cases: Vec<(&str, Value, treeseq_core::ErrorCode)> = vec![
        ("no_such_stat", json!({}), BadParam),
        (
            "diversity",
            json!({"sample_sets": sets, "polarised": true}),
            BadParam,
        ),
        (
            "diversity",
            json!({"sample_sets": [[0, 0, 1]]}),
            BadSampleSets,
        ),
        (
            "diversity",
            json!({"sample_sets": [[0, 1], []]}),
            BadSampleSets,
        ),
        (
            "diversity",
            json!({"sample_sets": [[0, 100000]]}),
            BadSampleSets,
        ),
        (
            "diversity",
            json!({"sample_sets": [[0, 30]]}),
            BadSampleSets,
        ),
        ("diversity", json!({"windows": [0]}), BadWindows),
        (
            "diversity",
            json!({"windows": [0, 5000, 5000, 20000]}),
            BadWindows,
        ),
        ("diversity", json!({"windows": [0, 30000]}), BadWindows),
        ("diversity", json!({"windows": [-1, 20000]}), BadWindows),
        ("diversity", json!({"windows": "genes"}), BadWindows),
        ("diversity", json!({"mode": "tree"}), BadParam),
        (
            "diversity",
            json!({"mode": "site", "time_windows": [0, 10]}),
            BadParam,
        ),
        (
            "diversity",
            json!({"mode": "branch", "time_windows": [5, 10]}),
            BadWindows,
        ),
        ("divergence", json!({"sample_sets": sets}), BadParam),
        (
            "divergence",
            json!({"sample_sets": sets, "indexes": [[0, 5]]}),
            BadSampleSets,
        ),
        (
            "divergence",
            json!({"sample_sets": sets, "indexes": [[0, 1, 2]]}),
            BadParam,
        ),
        ("divergence", json!({"indexes": [[0, 1]]}), BadSampleSets),
        (
            "f4",
            json!({"sample_sets": sets, "indexes": [0, 1, 2]}),
            BadParam,
        ),
        (
            "allele_frequency_spectrum",
            json!({"mode": "node"}),
            BadParam,
        ),
        ("trait_covariance", json!({"W": [[1.0], [2.0]]}), BadParam),
        ("trait_correlation", json!({"W": vec![[1.0]; 24]}), BadParam),
        (
            "genetic_relatedness_weighted",
            json!({"W": vec![[1.0, 2.0, 3.0]; 24]}),
            BadParam,
        ),
    ];
    for (method, kwargs, code) in cases {
        match compute(&ts, method, &kwargs) {
            Ok(out) => panic!("{method} {kwargs} was accepted (shape {:?})", out.shape),
            Err(e) => {
                assert_eq!(e.code, code, "{method} {kwargs}: {e}");
                assert!(!e.message.is_empty());
            }
        }
    }
}

/// Sample sets are checked in parallel, set by set; the error is still the one a check in
/// order meets first (the first faulty set, at its first fault), from JSON and from arrays.
#[test]
fn sample_set_faults_are_reported_in_order() {
    use treeseq_core::stats::{args::Arrays, compute_with};
    let ts = load("small");
    let n = ts.num_nodes() as i64;
    let non_sample = (0..n as i32)
        .find(|u| !ts.samples.contains(u))
        .expect("a node that is not a sample") as i64;
    let cases: Vec<(Vec<Vec<i64>>, String)> = vec![
        (
            vec![vec![0, 1], vec![2, 3, 2, n], vec![-1]],
            "node 2 appears twice in sample_sets[1]".into(),
        ),
        (
            vec![vec![0, 1], vec![2, n, 3, 3], vec![-1]],
            format!("node {n} in sample_sets[1][1] is out of bounds"),
        ),
        (
            vec![vec![0, non_sample, 1, 1], vec![]],
            format!("node {non_sample} in sample_sets[0][1] is not a sample"),
        ),
        (
            vec![vec![0, 1], vec![], vec![5, 5]],
            "sample_sets[1] is empty".into(),
        ),
    ];
    for (sets, expected) in cases {
        let from_json = compute(&ts, "diversity", &json!({ "sample_sets": sets })).unwrap_err();
        let mut i32s = Vec::new();
        let refs: Vec<Value> = sets
            .iter()
            .map(|s| {
                let r = json!({"$i32": [i32s.len(), s.len()]});
                i32s.extend(s.iter().map(|&u| u as i32));
                r
            })
            .collect();
        let from_arrays = compute_with(
            &ts,
            "diversity",
            &json!({ "sample_sets": refs }),
            Arrays {
                i32s: &i32s,
                f64s: &[],
            },
        )
        .unwrap_err();
        for e in [&from_json, &from_arrays] {
            assert_eq!(e.code.as_str(), "BAD_SAMPLE_SETS", "{sets:?}: {e}");
            assert!(
                e.message.contains(&expected),
                "{sets:?}: expected \"{expected}\", got \"{}\"",
                e.message
            );
        }
    }
}

/// Chunk boundaries change nothing but rounding: one chunk, one chunk per tree and the
/// default agree in every mode, with windows that do and do not align with trees.
#[test]
fn chunking_changes_only_rounding() {
    use treeseq_core::stats::engine::{run_with_chunks, GeneralStat, Summary};
    use treeseq_core::stats::summaries::{AfsSummary, TupleStat, Tuples};
    use treeseq_core::stats::{args::Mode, weights::indicator_weights};
    for name in ["small", "ancient_gaps", "multiallelic", "nonbinary"] {
        let ts = load(name);
        let sets = sample_sets(name);
        let n: Vec<f64> = sets.iter().map(|s| s.len() as f64).collect();
        let l = ts.sequence_length();
        let windows = [
            0.0,
            l * 0.2,
            ts.breakpoints[ts.num_trees() / 2],
            l * 0.77,
            l,
        ];
        let counts = indicator_weights(&ts, &sets, false);
        let counts_all = indicator_weights(&ts, &sets[..2], true);
        let last = sets.len() - 1;
        let f = Tuples::new(
            TupleStat::F4,
            &n,
            &[vec![0, 1, last, 0], vec![1, 0, 1, last]],
        );
        let afs = AfsSummary::new(&[sets[0].len(), sets[1].len()], ts.num_samples(), false);
        let tw = [0.0, 50.0, 500.0, f64::INFINITY];
        for mode in [Mode::Site, Mode::Branch, Mode::Node] {
            for (weights, summary) in [
                (&counts, Summary::Dense(&f)),
                (&counts_all, Summary::Afs(&afs)),
            ] {
                // The engine computes only the site-mode spectrum: the branch-mode one is
                // afs_branch.rs's (tests/afs_branch.rs checks its chunking), and there is no
                // node-mode spectrum.
                if mode != Mode::Site && matches!(summary, Summary::Afs(_)) {
                    continue;
                }
                let time_windows = (mode == Mode::Branch).then_some(&tw[..]);
                let stat = GeneralStat {
                    weights,
                    summary,
                    mode,
                    windows: &windows,
                    time_windows,
                    polarised: false,
                    span_normalise: true,
                };
                let one = run_with_chunks(&ts, &stat, Some(1)).unwrap();
                for chunks in [Some(ts.num_trees()), Some(3), None] {
                    let other = run_with_chunks(&ts, &stat, chunks).unwrap();
                    assert_close(&format!("{name} {mode:?} chunks {chunks:?}"), &other, &one);
                }
            }
        }
    }
}

/// Runs (consecutive pieces walked without seeking between them, as many as there are
/// threads) change no bit: for forced pieces and the planner's, one run, a run per piece and
/// the runs planned for 1, 2, 3, 7, 16 and 64 threads give the same bits, in site mode (a
/// dense summary and the spectrum) and branch mode (with and without time windows, summaries
/// kept in the records or not), on every fixture, with windows that do and do not align
/// with trees.
#[test]
fn runs_change_no_bit() {
    use treeseq_core::parallel::with_plan_threads;
    use treeseq_core::stats::engine::{
        run, run_with_runs, set_keep_summaries_bytes, GeneralStat, Summary,
    };
    use treeseq_core::stats::summaries::{AfsSummary, Diversity, TupleStat, Tuples};
    use treeseq_core::stats::{args::Mode, weights::indicator_weights};
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
    let mut compared = 0;
    for (name, ts, sets, _) in fixtures_with_sets() {
        let n: Vec<f64> = sets.iter().map(|s| s.len() as f64).collect();
        let l = ts.sequence_length();
        let windows = [
            0.0,
            l * 0.2,
            ts.breakpoints[ts.num_trees() / 2],
            l * 0.77,
            l,
        ];
        let whole = [0.0, l];
        let counts = indicator_weights(&ts, &sets, false);
        let counts_all = indicator_weights(&ts, &sets[..2], true);
        let last = sets.len() - 1;
        let f4 = Tuples::new(
            TupleStat::F4,
            &n,
            &[vec![0, 1, last, 0], vec![1, 0, 1, last]],
        );
        let pi = Diversity::new(&n);
        let afs = AfsSummary::new(&[sets[0].len(), sets[1].len()], ts.num_samples(), false);
        let tw = [0.0, 50.0, 500.0, f64::INFINITY];
        for keep_bytes in [usize::MAX, 0] {
            let before = set_keep_summaries_bytes(keep_bytes);
            for (mode, weights, summary, time_windows, w) in [
                (Mode::Site, &counts, Summary::Dense(&f4), None, &windows[..]),
                (Mode::Site, &counts, Summary::Dense(&pi), None, &whole[..]),
                (
                    Mode::Site,
                    &counts_all,
                    Summary::Afs(&afs),
                    None,
                    &windows[..],
                ),
                (
                    Mode::Branch,
                    &counts,
                    Summary::Dense(&f4),
                    None,
                    &windows[..],
                ),
                (Mode::Branch, &counts, Summary::Dense(&pi), None, &whole[..]),
                (
                    Mode::Branch,
                    &counts,
                    Summary::Dense(&f4),
                    Some(&tw[..]),
                    &windows[..],
                ),
            ] {
                let stat = GeneralStat {
                    weights,
                    summary,
                    mode,
                    windows: w,
                    time_windows,
                    polarised: false,
                    span_normalise: true,
                };
                let trees = ts.num_trees();
                for pieces in [None, Some(trees), Some(5)] {
                    let one = bits(&run_with_runs(&ts, &stat, pieces, Some(1)).unwrap());
                    for runs in [Some(2), Some(3), Some(7), Some(trees)] {
                        let other = bits(&run_with_runs(&ts, &stat, pieces, runs).unwrap());
                        assert_eq!(
                            other, one,
                            "{name} {mode:?} pieces {pieces:?} runs {runs:?}"
                        );
                        compared += 1;
                    }
                }
                let one = bits(&run_with_runs(&ts, &stat, None, Some(1)).unwrap());
                for threads in [1, 2, 3, 7, 16, 64] {
                    let planned = bits(&with_plan_threads(threads, || run(&ts, &stat)).unwrap());
                    assert_eq!(
                        planned, one,
                        "{name} {mode:?} planned for {threads} threads"
                    );
                }
            }
            set_keep_summaries_bytes(before);
        }
    }
    assert!(compared > 1000, "{compared}");
}

/// Site mode keeps indicator sums as packed counts (three sets or more, fewer than 2^21
/// samples) or in f32 (exact below 2^24): the same statistics from the same weights kept
/// all three ways give the same bits, for a dense summary and the spectrum, polarised or not,
/// on every fixture (multiallelic sites and back mutations included).
#[test]
fn packed_and_f32_sums_give_the_same_bits_as_f64() {
    use treeseq_core::stats::engine::{run_with_chunks, GeneralStat, Summary};
    use treeseq_core::stats::summaries::{AfsSummary, TupleStat, Tuples};
    use treeseq_core::stats::{
        args::Mode,
        weights::{indicator_weights, WeightMatrix},
    };
    for (name, ts, sets, windows) in fixtures_with_sets() {
        // Three sets (the third overlapping the first two) for the dense summary; the
        // spectrum of two sets has a third column, of ones.
        let mut both: Vec<i32> = sets[0].iter().chain(&sets[1]).copied().collect();
        both.sort_unstable();
        both.dedup();
        let three = [sets[0].clone(), sets[1].clone(), both];
        let n: Vec<f64> = three.iter().map(|s| s.len() as f64).collect();
        let f = Tuples::new(TupleStat::F2, &n, &[vec![0, 1], vec![1, 2], vec![2, 0]]);
        let afs = AfsSummary::new(&[sets[0].len(), sets[1].len()], ts.num_samples(), false);
        for (summary, counts) in [
            (Summary::Dense(&f), indicator_weights(&ts, &three, false)),
            (Summary::Afs(&afs), indicator_weights(&ts, &sets[..2], true)),
        ] {
            assert!(
                counts.counts && counts.small_integers && counts.num_cols == 3,
                "{name}: three columns of indicators should be packed"
            );
            let f32_sums = WeightMatrix {
                counts: false,
                packed_rows: None,
                ..counts.clone()
            };
            let f64_sums = WeightMatrix {
                small_integers: false,
                ..f32_sums.clone()
            };
            for polarised in [false, true] {
                let stat = |weights| GeneralStat {
                    weights,
                    summary,
                    mode: Mode::Site,
                    windows: &windows,
                    time_windows: None,
                    polarised,
                    span_normalise: true,
                };
                // The same chunks for all three (f64 sums that are not marked small
                // integers are planned as chunks, not pieces: see `engine::continuable`).
                let wide = run_with_chunks(&ts, &stat(&f64_sums), Some(4)).unwrap();
                for (kind, weights) in [("packed", &counts), ("f32", &f32_sums)] {
                    let out = run_with_chunks(&ts, &stat(weights), Some(4)).unwrap();
                    assert_eq!(out.len(), wide.len());
                    for (i, (x, y)) in out.iter().zip(&wide).enumerate() {
                        assert_eq!(
                            x.to_bits(),
                            y.to_bits(),
                            "{name} {kind} polarised={polarised} [{i}]: {x} vs {y}"
                        );
                    }
                }
            }
        }
    }
}

/// Branch mode keeps each node's summary in its record on small trees and recomputes it from
/// the node's old weights on large ones, whose records then hold f32 sums of indicators (f64
/// for other weights): all three give the same bits, with and without time windows,
/// polarised or not, in one chunk and in many (chunks after the first start from a warm-up
/// tree, whose old terms are always recomputed).
#[test]
fn kept_and_recomputed_branch_summaries_give_the_same_bits() {
    use treeseq_core::stats::engine::{
        run_with_chunks, set_keep_summaries_bytes, GeneralStat, Summary,
    };
    use treeseq_core::stats::summaries::{TupleStat, Tuples};
    use treeseq_core::stats::{args::Mode, weights::indicator_weights};
    let runs = |keep_limit: usize, wide: bool| {
        let mut all = Vec::new();
        for (name, ts, sets, windows) in fixtures_with_sets() {
            if ts.time_units() == "uncalibrated" {
                continue;
            }
            let n: Vec<f64> = sets.iter().map(|s| s.len() as f64).collect();
            let f = Tuples::new(TupleStat::F2, &n, &[vec![0, 1], vec![1, 0], vec![0, 0]]);
            let weights = indicator_weights(&ts, &sets, false);
            assert!(weights.small_integers);
            let weights = treeseq_core::stats::weights::WeightMatrix {
                small_integers: !wide,
                ..weights
            };
            let tw = [0.0, 50.0, 500.0, f64::INFINITY];
            for time_windows in [None, Some(&tw[..])] {
                for polarised in [false, true] {
                    for chunks in [Some(1), Some(3)] {
                        let stat = GeneralStat {
                            weights: &weights,
                            summary: Summary::Dense(&f),
                            mode: Mode::Branch,
                            windows: &windows,
                            time_windows,
                            polarised,
                            span_normalise: true,
                        };
                        let before = set_keep_summaries_bytes(keep_limit);
                        let out = run_with_chunks(&ts, &stat, chunks);
                        set_keep_summaries_bytes(before);
                        all.push((
                            format!(
                                "{name} tw={} polarised={polarised} chunks={chunks:?}",
                                time_windows.is_some()
                            ),
                            out.unwrap(),
                        ));
                    }
                }
            }
        }
        all
    };
    let kept = runs(usize::MAX, false);
    assert!(!kept.is_empty());
    for (records, recomputed) in [("f32", runs(0, false)), ("f64", runs(0, true))] {
        for ((what, a), (_, b)) in kept.iter().zip(&recomputed) {
            assert_eq!(a.len(), b.len(), "{what}");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert_eq!(
                    x.to_bits(),
                    y.to_bits(),
                    "{what} [{i}]: kept {x}, recomputed from {records} records {y}"
                );
            }
        }
    }
}

/// A set of one sample against itself has divergence 0/0: tskit gives NaN in every window,
/// including windows whose trees have no edges (its running sum stays NaN), and so must
/// treeseq, in one chunk or many and at any thread count.
#[test]
fn nan_summaries_stay_nan_across_edge_free_trees() {
    let ts = load("ancient_gaps");
    assert!(ts.breakpoints.len() > 2);
    let s = &ts.samples;
    let kwargs = json!({
        "sample_sets": [[s[0]], [s[1], s[2]]],
        "indexes": [[0, 0], [0, 1]],
        "mode": "branch",
        "windows": "trees",
    });
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let out = pool
            .install(|| compute(&ts, "divergence", &kwargs))
            .unwrap();
        assert_eq!(out.shape, vec![ts.num_trees(), 2]);
        for w in 0..ts.num_trees() {
            assert!(
                out.data[2 * w].is_nan(),
                "window {w}: {} (threads {threads})",
                out.data[2 * w]
            );
            assert!(
                out.data[2 * w + 1].is_finite(),
                "window {w} (threads {threads})"
            );
        }
    }
}

/// Many index tuples: each output equals the same tuple computed alone. With more than 16
/// pairs, divergence takes the many-pairs path (stats/pairs.rs), which sums in another order
/// than the one-tuple engine, so the two agree to rounding (1e-12 relative), not bit for bit;
/// bit identity across thread counts is checked by `results_are_identical_at_any_thread_count`.
#[test]
fn many_index_tuples_split_cleanly() {
    let ts = load("small");
    let sets = sample_sets("small");
    let tuples: Vec<[usize; 2]> = (0..150).map(|i| [i % 3, (i / 3) % 3]).collect();
    for mode in ["site", "branch"] {
        let all = compute(&ts, "divergence", &json!({"sample_sets": sets, "indexes": tuples, "windows": [0, 5000, 20000], "mode": mode})).unwrap();
        assert_eq!(all.shape, vec![2, tuples.len()]);
        for (j, t) in tuples.iter().enumerate().step_by(7) {
            let one = compute(&ts, "divergence", &json!({"sample_sets": sets, "indexes": [t], "windows": [0, 5000, 20000], "mode": mode})).unwrap();
            for w in 0..2 {
                let (a, b) = (all.data[w * tuples.len() + j], one.data[w]);
                assert!(
                    (a - b).abs() <= 1e-12 * b.abs().max(1e-300),
                    "{mode} tuple {j} window {w}: {a} vs {b}"
                );
            }
        }
    }
}

/// tskit refuses branch-mode statistics on uncalibrated times (TSK_ERR_TIME_UNCALIBRATED).
#[test]
fn branch_mode_refused_on_uncalibrated_times() {
    let ts = load("small");
    let mut tables = ts.tables.clone();
    tables.time_units = "uncalibrated".into();
    let ts = TreeSequence::from_tables(tables).unwrap();
    let err = compute(&ts, "diversity", &json!({"mode": "branch"})).unwrap_err();
    assert_eq!(err.code, treeseq_core::ErrorCode::BadParam);
    assert!(err.message.contains("uncalibrated"), "{}", err.message);
    assert!(compute(&ts, "diversity", &json!({"mode": "site"})).is_ok());
}

/// The JSON of `kwargs` with sample sets, focal nodes, windows, time windows and `W`'s data
/// moved into arrays beside it, as the bindings pass them; None when nothing moved.
fn move_to_arrays(kwargs: &Value, i32s: &mut Vec<i32>, f64s: &mut Vec<f64>) -> Value {
    let ids = |v: &Value, i32s: &mut Vec<i32>| -> Option<Value> {
        let items = v.as_array()?;
        let ids: Vec<i32> = items
            .iter()
            .map(|x| x.as_i64().and_then(|i| i32::try_from(i).ok()))
            .collect::<Option<_>>()?;
        let off = i32s.len();
        i32s.extend(&ids);
        Some(json!({"$i32": [off, ids.len()]}))
    };
    let floats = |v: &Value, f64s: &mut Vec<f64>| -> Option<Value> {
        let xs: Vec<f64> = v
            .as_array()?
            .iter()
            .map(Value::as_f64)
            .collect::<Option<_>>()?;
        let off = f64s.len();
        f64s.extend(&xs);
        Some(json!({"$f64": [off, xs.len()]}))
    };
    let mut out = kwargs.clone();
    let Some(m) = out.as_object_mut() else {
        return out;
    };
    if let Some(sets) = m.get("sample_sets").cloned() {
        let moved = match sets.as_array() {
            Some(items) if items.iter().all(Value::is_array) => items
                .iter()
                .map(|s| ids(s, i32s).unwrap_or_else(|| s.clone()))
                .collect::<Vec<_>>()
                .into(),
            _ => ids(&sets, i32s).unwrap_or(sets),
        };
        m.insert("sample_sets".into(), moved);
    }
    for key in ["windows", "time_windows"] {
        if let Some(v) = m.get(key).and_then(|v| floats(v, f64s)) {
            m.insert(key.into(), v);
        }
    }
    if let Some(w) = m.get("W").cloned() {
        if let Some(rows) = w.as_array() {
            let k = rows.first().and_then(Value::as_array).map_or(0, Vec::len);
            let flat: Vec<Value> = rows
                .iter()
                .flat_map(|r| r.as_array().cloned().unwrap_or_default())
                .collect();
            if let Some(data) = floats(&Value::Array(flat), f64s) {
                m.insert("W".into(), json!({"data": data, "shape": [rows.len(), k]}));
            }
        }
    }
    out
}

/// Large arguments passed beside the JSON (as the Node and WebAssembly bindings pass them)
/// give the same results, bit for bit, and the same refusals, as the same arguments in JSON.
#[test]
fn arrays_beside_the_json_change_nothing() {
    use treeseq_core::stats::{args::Arrays, compute_with};
    let mut moved_cases = 0;
    for name in fixture_names() {
        let ts = load(&name);
        for case in expected(&name)["stats"].as_array().unwrap() {
            let method = case["method"].as_str().unwrap();
            let (mut i32s, mut f64s) = (Vec::new(), Vec::new());
            let kwargs = move_to_arrays(&case["kwargs"], &mut i32s, &mut f64s);
            if i32s.is_empty() && f64s.is_empty() {
                continue;
            }
            moved_cases += 1;
            let plain = compute(&ts, method, &case["kwargs"]);
            let beside = compute_with(
                &ts,
                method,
                &kwargs,
                Arrays {
                    i32s: &i32s,
                    f64s: &f64s,
                },
            );
            let what = format!("{name}: {method} {}", brief(&case["kwargs"]));
            match (plain, beside) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a.shape, b.shape, "{what}");
                    assert!(same_bits(&a.data, &b.data), "{what}: values differ");
                }
                (Err(a), Err(b)) => assert_eq!(a.code, b.code, "{what}: {a} / {b}"),
                (a, b) => panic!("{what}: JSON gave {a:?}, arrays gave {b:?}"),
            }
        }
    }
    assert!(
        moved_cases > 50,
        "only {moved_cases} cases had arrays to move"
    );

    // Placeholders that do not fit the arrays are refused, never read out of bounds.
    let ts = load(&fixture_names()[0]);
    for bad in [
        json!({"$i32": [0, 5]}),
        json!({"$i32": [usize::MAX, 2]}),
        json!({"$i32": [1]}),
        json!({"$i32": "x"}),
    ] {
        let e = compute_with(
            &ts,
            "diversity",
            &json!({"sample_sets": [bad]}),
            Arrays {
                i32s: &[0, 1],
                f64s: &[],
            },
        )
        .unwrap_err();
        assert_eq!(e.code.as_str(), "BAD_PARAM", "{e}");
    }
    let e = compute_with(
        &ts,
        "diversity",
        &json!({"windows": {"$f64": [0, 3]}}),
        Arrays {
            i32s: &[],
            f64s: &[0.0, 1.0],
        },
    )
    .unwrap_err();
    assert_eq!(e.code.as_str(), "BAD_PARAM", "{e}");
}
