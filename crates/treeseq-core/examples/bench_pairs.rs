//! Many pairs and matrices: times the pair path and the matrix methods at 1 and 2 rayon
//! threads (median of 3 runs each), beside tskit's time where `tskit-times.json` has it.
//!
//! Cases (30 sets = numpy.array_split(samples, 30), as `shared/bench/time_tskit.py`):
//! - `divergence_435pairs_branch`: divergence, all 435 pairs i < j, branch mode, no windows;
//! - `divergence_matrix_site_30sets`: divergence_matrix of the 30 sets, site mode;
//! - `divergence_matrix_branch_30sets`: the same in branch mode;
//! - `fst_435pairs_site`: Fst, all 435 pairs, site mode.
//!
//! With CASE = `threshold`: the measurement behind `pairs::MANY_PAIRS`, the general engine
//! against the pair path for 1 to 32 pairs of 12 sets (divergence, both modes, 2 threads).
//!
//! `cargo run --release --example bench_pairs -- [FILE.trees] [TSKIT_TIMES.json] [CASE]`

use std::time::Instant;

use serde_json::{json, Value};
use treeseq_core::stats::{compute, pairs};
use treeseq_core::TreeSequence;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .map_or("/work/shared/bench/bench-30k.trees", String::as_str);
    let times_path = args
        .get(2)
        .map_or("/work/shared/bench/tskit-times.json", String::as_str);
    let only = args.get(3).map(String::as_str);
    let tskit: Value = std::fs::read_to_string(times_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);

    let bytes = std::fs::read(path).expect("read the .trees file");
    let ts = TreeSequence::load(&bytes).expect("load");
    println!(
        "{path}: {} trees, {} samples, {} sites",
        ts.num_trees(),
        ts.num_samples(),
        ts.num_sites()
    );

    // numpy.array_split(samples, 30): the first n % 30 pieces get one more.
    let n = ts.samples.len();
    let mut sets = Vec::new();
    let mut start = 0;
    for i in 0..30 {
        let len = n / 30 + usize::from(i < n % 30);
        sets.push(ts.samples[start..start + len].to_vec());
        start += len;
    }
    if only == Some("threshold") {
        threshold(&ts);
        return;
    }
    let pairs: Vec<[usize; 2]> = (0..30)
        .flat_map(|i| (i + 1..30).map(move |j| [i, j]))
        .collect();
    let cases: Vec<(&str, &str, Value)> = vec![
        (
            "divergence_435pairs_branch",
            "divergence",
            json!({"sample_sets": sets, "indexes": pairs, "mode": "branch"}),
        ),
        (
            "divergence_matrix_site_30sets",
            "divergence_matrix",
            json!({"sample_sets": sets, "mode": "site"}),
        ),
        (
            "divergence_matrix_branch_30sets",
            "divergence_matrix",
            json!({"sample_sets": sets, "mode": "branch"}),
        ),
        (
            "fst_435pairs_site",
            "Fst",
            json!({"sample_sets": sets, "indexes": pairs, "mode": "site"}),
        ),
    ];

    println!(
        "{:<32} {:>10} {:>10} {:>8} {:>10} {:>12}",
        "case (median of 3)", "1 thread", "2 threads", "speedup", "tskit", "tskit / ours"
    );
    for (name, method, kwargs) in &cases {
        if only.is_some_and(|o| o != *name) {
            continue;
        }
        let mut medians = Vec::new();
        let mut results = Vec::new();
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut times = Vec::new();
            for _ in 0..3 {
                let t = Instant::now();
                let out = pool
                    .install(|| compute(&ts, method, kwargs))
                    .expect("statistic");
                times.push(t.elapsed().as_secs_f64());
                results.push(out);
            }
            times.sort_by(f64::total_cmp);
            medians.push(times[1]);
        }
        let identical = results.windows(2).all(|w| {
            w[0].data
                .iter()
                .zip(&w[1].data)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        });
        let tk = tskit.get(*name).and_then(Value::as_f64);
        println!(
            "{:<32} {:>9.4}s {:>9.4}s {:>7.2}x {:>10} {:>12}{}",
            name,
            medians[0],
            medians[1],
            medians[0] / medians[1],
            tk.map_or("-".into(), |t| format!("{t:.3}s")),
            tk.map_or("-".into(), |t| format!("{:.1}x", t / medians[1])),
            if identical {
                ""
            } else {
                "  (results differ between runs!)"
            }
        );
    }
}

/// Median of 3 runs of `f` on a pool of 2 threads.
fn time2(f: impl Fn() + Send + Sync) -> f64 {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let mut times: Vec<f64> = (0..3)
        .map(|_| {
            let t = Instant::now();
            pool.install(&f);
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[1]
}

/// Engine against pair path for few pairs: where the pair path starts to pay.
fn threshold(ts: &TreeSequence) {
    let n = ts.samples.len();
    let sets: Vec<Vec<i32>> = (0..12)
        .map(|i| ts.samples[i * n / 12..(i + 1) * n / 12].to_vec())
        .collect();
    let all: Vec<[usize; 2]> = (0..12)
        .flat_map(|i| (i + 1..12).map(move |j| [i, j]))
        .collect();
    println!(
        "{:<8} {:>6} {:>10} {:>10}",
        "mode", "pairs", "engine", "pair path"
    );
    for mode in ["branch", "site"] {
        for p in [1usize, 2, 4, 8, 16, 32] {
            let kwargs = json!({"sample_sets": sets, "indexes": &all[..p], "mode": mode});
            // Batches of at most MANY_PAIRS pairs keep compute on the engine.
            let engine = time2(|| {
                for batch in all[..p].chunks(pairs::MANY_PAIRS) {
                    let kw = json!({"sample_sets": sets, "indexes": batch, "mode": mode});
                    compute(ts, "divergence", &kw).unwrap();
                }
            });
            let fast = time2(|| {
                pairs::compute_pairs_path(ts, "divergence", &kwargs).unwrap();
            });
            println!("{mode:<8} {p:>6} {engine:>9.4}s {fast:>9.4}s");
        }
    }
}
