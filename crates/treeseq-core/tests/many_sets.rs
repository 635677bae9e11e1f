//! Many sample sets (more than one group of outputs): each output equals the one-set-at-a-time
//! answer, and the whole result is the same bits at any thread count. The engine gives each
//! group of outputs only the weight columns it reads (`SummaryFunc::columns`), so these are
//! the checks that restricting the state changes nothing but cost.

mod common;
use common::*;

use serde_json::{json, Value};
use treeseq_core::stats::{compute, StatOutput};
use treeseq_core::TreeSequence;

/// `k` sample sets of the 360 samples of `medium`, of the `sizes` in turn, overlapping from
/// set to set, so that outputs span several groups in every mode.
fn sets(ts: &TreeSequence, k: usize, sizes: &[usize]) -> Vec<Vec<i32>> {
    let s = &ts.samples;
    let n = s.len();
    assert_eq!(n, 360, "medium has 360 samples");
    (0..k)
        .map(|i| {
            let size = sizes[i % sizes.len()];
            (0..size).map(|j| s[(i + 101 * j) % n]).collect()
        })
        .collect()
}

fn windows(ts: &TreeSequence) -> Value {
    let l = ts.sequence_length();
    json!([0.0, l / 3.0, l * 0.7, l])
}

fn on_threads(threads: usize, f: impl FnOnce() -> StatOutput + Send) -> StatOutput {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

fn run(ts: &TreeSequence, method: &str, kwargs: &Value) -> StatOutput {
    compute(ts, method, kwargs).unwrap_or_else(|e| panic!("{method} {kwargs}: {e}"))
}

/// The result of all outputs at once, checked against one call per output (`alone(j)` gives
/// the kwargs computing output j by itself) and against another thread count.
fn check(ts: &TreeSequence, method: &str, kwargs: Value, alone: impl Fn(usize) -> Value) {
    let all = on_threads(1, || run(ts, method, &kwargs));
    let other = on_threads(3, || run(ts, method, &kwargs));
    assert!(
        same_bits(&all.data, &other.data),
        "{method} {}: 3 threads differ from 1",
        kwargs["mode"]
    );
    // Outputs are the last axis.
    let m = *all.shape.last().unwrap();
    assert!(m > 64, "{method}: only {m} outputs, one group");
    let rows = all.data.len() / m;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    for j in 0..m {
        let kw = alone(j);
        let one = pool.install(|| run(ts, method, &kw));
        assert_eq!(one.data.len(), rows, "{method} output {j}: shape");
        for r in 0..rows {
            let (got, want) = (all.data[r * m + j], one.data[r]);
            assert!(
                close_abs(got, want, 1e-13),
                "{method} {} output {j} row {r}: {got:e} with all sets, {want:e} alone",
                kwargs["mode"]
            );
        }
    }
}

#[test]
fn per_set_statistics_equal_one_set_at_a_time() {
    let ts = load("medium");
    let w = windows(&ts);
    for method in ["diversity", "segregating_sites", "Tajimas_D"] {
        // Tajima's D of fewer than four samples is 0/0 (its sign, or NaN, then depends on
        // rounding): there its ingredients, diversity and segregating sites, are checked.
        let sets = if method == "Tajimas_D" {
            sets(&ts, 150, &[4, 5, 9])
        } else {
            sets(&ts, 150, &[1, 2, 4])
        };
        for mode in ["site", "branch"] {
            let kwargs = json!({"sample_sets": sets, "windows": w, "mode": mode});
            check(
                &ts,
                method,
                kwargs,
                |j| json!({"sample_sets": [sets[j]], "windows": w, "mode": mode}),
            );
        }
    }
}

#[test]
fn node_mode_equals_one_set_at_a_time() {
    let ts = load("medium");
    let sets = sets(&ts, 70, &[1, 2, 4]);
    let w = windows(&ts);
    let kwargs = json!({"sample_sets": sets, "windows": w, "mode": "node"});
    check(
        &ts,
        "diversity",
        kwargs,
        |j| json!({"sample_sets": [sets[j]], "windows": w, "mode": "node"}),
    );
}

/// Index tuples: Y2 and f3 go through the general engine at any number of tuples (the
/// many-pairs path, `pairs.rs`, takes divergence, Fst, f2 and relatedness beyond 16 pairs;
/// divergence is here too, for that path).
#[test]
fn tuples_equal_one_tuple_at_a_time() {
    let ts = load("medium");
    let sets = sets(&ts, 120, &[1, 2, 4]);
    let w = windows(&ts);
    // 90 tuples of distinct sets, sets shared between tuples.
    let tuples = |arity: usize| -> Vec<Vec<usize>> {
        (0..90)
            .map(|i| {
                (0..arity)
                    .map(|j| (i + 37 * j * j + 11 * j) % 120)
                    .collect()
            })
            .collect()
    };
    for (method, arity) in [("Y2", 2), ("f3", 3), ("divergence", 2)] {
        let tuples = tuples(arity);
        for mode in ["site", "branch"] {
            let kwargs =
                json!({"sample_sets": sets, "indexes": tuples, "windows": w, "mode": mode});
            check(&ts, method, kwargs, |j| {
                let own: Vec<&Vec<i32>> = tuples[j].iter().map(|&a| &sets[a]).collect();
                let idx: Vec<usize> = (0..arity).collect();
                json!({"sample_sets": own, "indexes": [idx], "windows": w, "mode": mode})
            });
        }
    }
}
