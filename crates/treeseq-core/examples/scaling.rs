//! How far a statistic's plan lets it scale: for P = 1, 2, 4, 8, 16, 32 and 64 threads, runs
//! the plan made for P threads on ONE thread, times every parallel task (a chunk of the
//! genome, or a chunk and a block of sets), and predicts the speedup P threads would get:
//!
//!   predicted_speedup = T(1) / max(longest task, total / P)
//!
//! where T(1) is the sum of the tasks' times in the plan made for one thread, and total the
//! sum in the plan made for P (so a plan that cuts finer pays for its extra seeks there).
//! What runs before the tasks (reading the arguments, planning) is left out of both. Printed as TSV with a header row: `case`, `threads`, `chunks` (tasks),
//! `total_s`, `longest_chunk_s`, `predicted_speedup`. The cases are bench.mjs's: diversity
//! (site and branch, one set per population), divergence (branch, every pair of populations),
//! divergence between 435 pairs of 30 sets (np.array_split of the samples), branch mode,
//! pair coalescence rates in 20 time windows, the relatedness vector with 10 weight columns
//! and pca with 10 components; and mean descendants and GNN (every 100th sample) of the 30
//! sets.
//! Each time is the median of REPEATS runs (default 3); CASE,CASE... runs only those cases.
//!
//! `cargo run --release --example scaling -- FILE.trees [REPEATS] [CASE,CASE...]`
//!
//! Machines with many cores are not needed: the tasks run one after another on one thread,
//! and the prediction assumes P threads that each run their share at that speed (no memory
//! bandwidth limit), which is why it is a prediction.

use std::collections::BTreeSet;

use treeseq_core::parallel::{record_task_times, with_plan_threads};
use treeseq_core::stats::args::Arrays;
use treeseq_core::stats::compute_json;
use treeseq_core::TreeSequence;

const THREADS: [usize; 7] = [1, 2, 4, 8, 16, 32, 64];

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// A statistic call as bench.mjs makes it: tskit's method and keyword arguments.
struct Case {
    name: &'static str,
    method: &'static str,
    kwargs: String,
}

fn cases(ts: &TreeSequence) -> Vec<Case> {
    let population = &ts.tables.nodes.population;
    let pops: BTreeSet<i32> = ts.samples.iter().map(|&u| population[u as usize]).collect();
    let sets: Vec<Vec<i32>> = pops
        .iter()
        .map(|&p| {
            ts.samples
                .iter()
                .copied()
                .filter(|&u| population[u as usize] == p)
                .collect()
        })
        .collect();
    let pairs: Vec<[usize; 2]> = (0..sets.len())
        .flat_map(|i| (i..sets.len()).map(move |j| [i, j]))
        .collect();
    // np.array_split(samples, 30): the first n % 30 parts have one more element.
    let n = ts.samples.len();
    let (base, extra) = (n / 30, n % 30);
    let mut many = Vec::new();
    let mut start = 0;
    for k in 0..30 {
        let len = base + usize::from(k < extra);
        many.push(ts.samples[start..start + len].to_vec());
        start += len;
    }
    let many_pairs: Vec<[usize; 2]> = (0..30)
        .flat_map(|i| (i + 1..30).map(move |j| [i, j]))
        .collect();
    let json = |v: &dyn json::Json| v.text();
    vec![
        Case {
            name: "diversity_site",
            method: "diversity",
            kwargs: format!(r#"{{"sample_sets": {}, "mode": "site"}}"#, json(&sets)),
        },
        Case {
            name: "diversity_branch",
            method: "diversity",
            kwargs: format!(r#"{{"sample_sets": {}, "mode": "branch"}}"#, json(&sets)),
        },
        Case {
            name: "divergence_branch",
            method: "divergence",
            kwargs: format!(
                r#"{{"sample_sets": {}, "indexes": {}, "mode": "branch"}}"#,
                json(&sets),
                json(&pairs)
            ),
        },
        Case {
            name: "divergence_435pairs_branch",
            method: "divergence",
            kwargs: format!(
                r#"{{"sample_sets": {}, "indexes": {}, "mode": "branch"}}"#,
                json(&many),
                json(&many_pairs)
            ),
        },
        // 0, then 19 log-spaced times from 1 to 1e5, then infinity (as bench.mjs).
        Case {
            name: "pair_coalescence_rates",
            method: "pair_coalescence_rates",
            kwargs: format!(
                r#"{{"time_windows": {}, "sample_sets": {}, "indexes": {}}}"#,
                time_windows(),
                json(&sets),
                json(&pairs)
            ),
        },
        Case {
            name: "genetic_relatedness_vector",
            method: "genetic_relatedness_vector",
            kwargs: format!(r#"{{"W": {}, "mode": "branch"}}"#, bench_weights(n, 10)),
        },
        Case {
            name: "pca",
            method: "pca",
            kwargs: r#"{"num_components": 10, "random_seed": 1}"#.to_string(),
        },
        // Not bench.mjs's: the per-node statistics over the 30 sets, which may also be cut
        // into blocks of sets; GNN for every 100th sample.
        Case {
            name: "mean_descendants_30sets",
            method: "mean_descendants",
            kwargs: format!(r#"{{"sample_sets": {}}}"#, json(&many)),
        },
        Case {
            name: "gnn_30sets",
            method: "genealogical_nearest_neighbours",
            kwargs: format!(
                r#"{{"focal": {}, "sample_sets": {}}}"#,
                json(
                    &ts.samples
                        .iter()
                        .copied()
                        .step_by(100)
                        .collect::<Vec<i32>>()
                ),
                json(&many)
            ),
        },
    ]
}

/// bench.mjs's time windows of the coalescence rates, as JSON.
fn time_windows() -> String {
    let mut t = vec!["0".to_string()];
    t.extend((0..19).map(|i| format!("{:?}", 10f64.powf(5.0 * i as f64 / 18.0))));
    t.push("\"inf\"".to_string());
    format!("[{}]", t.join(","))
}

/// bench.mjs's relatedness-vector weights (n rows of k), as JSON.
fn bench_weights(n: usize, k: usize) -> String {
    let rows: Vec<String> = (0..n)
        .map(|i| {
            let r: Vec<String> = (0..k)
                .map(|j| format!("{:?}", ((i * 7 + j * 13) % 17) as f64 / 17.0 - 0.5))
                .collect();
            format!("[{}]", r.join(","))
        })
        .collect();
    format!("[{}]", rows.join(","))
}

/// JSON text of the shapes the cases use (ids, lists of ids, lists of index pairs).
mod json {
    pub trait Json {
        fn text(&self) -> String;
    }
    impl Json for Vec<i32> {
        fn text(&self) -> String {
            let ids: Vec<String> = self.iter().map(i32::to_string).collect();
            format!("[{}]", ids.join(","))
        }
    }
    impl Json for Vec<Vec<i32>> {
        fn text(&self) -> String {
            let sets: Vec<String> = self.iter().map(Json::text).collect();
            format!("[{}]", sets.join(","))
        }
    }
    impl Json for Vec<[usize; 2]> {
        fn text(&self) -> String {
            let pairs: Vec<String> = self.iter().map(|[a, b]| format!("[{a},{b}]")).collect();
            format!("[{}]", pairs.join(","))
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!(
            "usage: cargo run --release --example scaling -- FILE.trees [REPEATS] [CASE,CASE...]"
        );
        std::process::exit(2);
    };
    let repeats: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(3);
    let only: Option<Vec<&str>> = args.get(3).map(|c| c.split(',').collect());
    let ts = TreeSequence::load_path(path).unwrap_or_else(|e| {
        eprintln!("scaling: {path}: {e}");
        std::process::exit(1);
    });
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool");
    eprintln!(
        "scaling: {path}: {} samples, {} trees; one thread, median of {repeats}",
        ts.samples.len(),
        ts.num_trees()
    );
    println!("case\tthreads\tchunks\ttotal_s\tlongest_chunk_s\tpredicted_speedup");
    for case in cases(&ts) {
        if only.as_ref().is_some_and(|o| !o.contains(&case.name)) {
            continue;
        }
        let run = || {
            compute_json(&ts, case.method, &case.kwargs, Arrays::default())
                .unwrap_or_else(|e| panic!("{}: {e}", case.name))
        };
        // The plan made for P threads (`with_plan_threads`), its tasks each timed as they
        // run one after another on one thread.
        let mut t1 = None;
        for p in THREADS {
            let mut totals = Vec::new();
            let mut longest = Vec::new();
            let mut tasks = 0;
            for _ in 0..repeats {
                let (_, times) =
                    record_task_times(|| one_thread.install(|| with_plan_threads(p, run)));
                tasks = times.len();
                totals.push(times.iter().sum::<f64>());
                longest.push(times.iter().copied().fold(0.0, f64::max));
            }
            let (total, longest) = (median(totals), median(longest));
            // T(1): the work of the plan made for one thread.
            let t1 = *t1.get_or_insert(total);
            let predicted = t1 / longest.max(total / p as f64);
            println!(
                "{}\t{p}\t{tasks}\t{total:.6}\t{longest:.6}\t{predicted:.2}",
                case.name
            );
        }
    }
}
