//! The benchmark cases of `shared/bench/time_tskit.py`, run the same way (100 equal windows;
//! sample sets = the populations that have samples; pairs include (i, i); 30 equal sets of
//! samples for the 435 pairs), at 1 and 2 rayon threads, printing median times and tskit's
//! times from `tskit-times.json` beside them.
//!
//! `cargo run --release --example bench_stats -- [FILE.trees] [REPEATS] [TSKIT_TIMES.json]`

use std::time::Instant;

use serde_json::{json, Value};
use treeseq_core::stats::compute;
use treeseq_core::TreeSequence;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .map_or("/work/shared/bench/bench-30k.trees", String::as_str);
    let repeats: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(7);
    let times_path = args
        .get(3)
        .map_or("/work/shared/bench/tskit-times.json", String::as_str);
    let tskit: Value = std::fs::read_to_string(times_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);

    let bytes = std::fs::read(path).expect("read the .trees file");
    let t = Instant::now();
    let ts = TreeSequence::load(&bytes).expect("load");
    println!(
        "{path}: loaded in {:.3}s; {} trees, {} samples",
        t.elapsed().as_secs_f64(),
        ts.num_trees(),
        ts.num_samples()
    );

    // Sample sets: the samples of each population, skipping empty populations.
    let population = &ts.tables.nodes.population;
    let num_pops = ts
        .samples
        .iter()
        .map(|&u| population[u as usize] + 1)
        .max()
        .unwrap_or(0)
        .max(0) as usize;
    let sets: Vec<Vec<i32>> = (0..num_pops)
        .map(|p| {
            ts.samples
                .iter()
                .copied()
                .filter(|&u| population[u as usize] == p as i32)
                .collect::<Vec<_>>()
        })
        .filter(|s| !s.is_empty())
        .collect();
    let l = ts.sequence_length();
    let mut windows: Vec<f64> = (0..=100).map(|i| i as f64 * (l / 100.0)).collect();
    windows[100] = l;
    let pairs: Vec<[usize; 2]> = (0..sets.len())
        .flat_map(|i| (i..sets.len()).map(move |j| [i, j]))
        .collect();
    // numpy.array_split(samples, 30): the first n % 30 pieces get one more.
    let n = ts.samples.len();
    let mut many = Vec::new();
    let mut start = 0;
    for i in 0..30 {
        let len = n / 30 + usize::from(i < n % 30);
        many.push(ts.samples[start..start + len].to_vec());
        start += len;
    }
    let many_pairs: Vec<[usize; 2]> = (0..30)
        .flat_map(|i| (i + 1..30).map(move |j| [i, j]))
        .collect();

    let cases: Vec<(&str, &str, Value)> = vec![
        (
            "diversity_site",
            "diversity",
            json!({"sample_sets": sets, "windows": windows, "mode": "site"}),
        ),
        (
            "diversity_branch",
            "diversity",
            json!({"sample_sets": sets, "windows": windows, "mode": "branch"}),
        ),
        (
            "divergence_branch",
            "divergence",
            json!({"sample_sets": sets, "indexes": pairs, "windows": windows, "mode": "branch"}),
        ),
        (
            "tajimas_d_site",
            "Tajimas_D",
            json!({"sample_sets": sets, "windows": windows, "mode": "site"}),
        ),
        (
            "fst_site",
            "Fst",
            json!({"sample_sets": sets, "indexes": [[0, 1], [0, 2], [1, 2]], "windows": windows, "mode": "site"}),
        ),
        (
            "divergence_435pairs_branch",
            "divergence",
            json!({"sample_sets": many, "indexes": many_pairs, "mode": "branch"}),
        ),
        (
            "afs_site",
            "allele_frequency_spectrum",
            json!({"sample_sets": [sets[0]], "mode": "site"}),
        ),
    ];
    let only: Option<&str> = args.get(4).map(String::as_str);

    println!(
        "{:<28} {:>10} {:>10} {:>8} {:>10} {:>9}   (minimum: 1 thread, 2 threads, speedup)",
        "case (median of runs)", "1 thread", "2 threads", "speedup", "tskit", "vs tskit"
    );
    let pools: Vec<rayon::ThreadPool> = [1, 2]
        .iter()
        .map(|&t| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
        })
        .collect();
    for (name, method, kwargs) in &cases {
        if only.is_some_and(|o| o != *name) {
            continue;
        }
        let reps = if name.contains("435") {
            repeats.min(3)
        } else {
            repeats
        };
        // 1- and 2-thread runs alternate, so that a busy spell on a shared machine hits both.
        let mut times = [Vec::new(), Vec::new()];
        let mut results = Vec::new();
        for _ in 0..reps {
            for (i, pool) in pools.iter().enumerate() {
                let t = Instant::now();
                let out = pool
                    .install(|| compute(&ts, method, kwargs))
                    .expect("statistic");
                times[i].push(t.elapsed().as_secs_f64());
                results.push(out);
            }
        }
        for t in &mut times {
            t.sort_by(f64::total_cmp);
        }
        let median = [times[0][reps / 2], times[1][reps / 2]];
        let min = [times[0][0], times[1][0]];
        let identical = results.windows(2).all(|w| {
            w[0].data
                .iter()
                .zip(&w[1].data)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        });
        let tk = tskit.get(*name).and_then(Value::as_f64);
        println!(
            "{:<28} {:>9.4}s {:>9.4}s {:>7.2}x {:>10} {:>9}   ({:.4}s, {:.4}s, {:.2}x){}",
            name,
            median[0],
            median[1],
            median[0] / median[1],
            tk.map_or("-".into(), |t| format!("{t:.4}s")),
            tk.map_or("-".into(), |t| format!("{:.2}x", t / median[0])),
            min[0],
            min[1],
            min[0] / min[1],
            if identical {
                ""
            } else {
                "  (results differ between runs!)"
            }
        );
    }
}
