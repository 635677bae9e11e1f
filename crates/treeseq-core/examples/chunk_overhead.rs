//! What splitting the genome into chunks costs: the parallel engine starts each chunk by
//! seeking to its first tree and building that tree's counts, work a single pass does not do.
//! This times diversity (site and branch, sample sets = populations) on ONE thread with the
//! genome in 1, 4, 8, 16 and 64 chunks (the engine picks about 2 tree turnovers per chunk, at
//! most 64), and reports the extra time per chunk
//! against a chunk's own share of the work.
//!
//! `cargo run --release --example chunk_overhead -- [FILE.trees] [REPEATS]`

use std::time::Instant;

use treeseq_core::stats::engine::{run_with_chunks, GeneralStat, Summary};
use treeseq_core::stats::summaries::Diversity;
use treeseq_core::stats::{args::Mode, weights::indicator_weights};
use treeseq_core::TreeSequence;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .map_or("../shared/bench/bench-30k.trees", String::as_str);
    let repeats: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(5);
    let ts = TreeSequence::load(&std::fs::read(path).expect("read the .trees file")).expect("load");
    let population = &ts.tables.nodes.population;
    let pops: std::collections::BTreeSet<i32> =
        ts.samples.iter().map(|&u| population[u as usize]).collect();
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
    let n: Vec<f64> = sets.iter().map(|s| s.len() as f64).collect();
    let weights = indicator_weights(&ts, &sets, false);
    let f = Diversity::new(&n);
    let l = ts.sequence_length();
    let windows: Vec<f64> = (0..=100)
        .map(|i| if i == 100 { l } else { i as f64 * l / 100.0 })
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    println!(
        "{path}: {} trees, {} edges; one thread, median of {repeats}",
        ts.num_trees(),
        ts.num_edges()
    );
    println!("| mode | chunks | seconds | extra per chunk | a chunk's own work | overhead |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for mode in [Mode::Site, Mode::Branch] {
        let stat = GeneralStat {
            weights: &weights,
            summary: Summary::Dense(&f),
            mode,
            windows: &windows,
            time_windows: None,
            polarised: false,
            span_normalise: true,
        };
        let time = |chunks: Option<usize>| {
            median(
                (0..repeats)
                    .map(|_| {
                        let t = Instant::now();
                        pool.install(|| run_with_chunks(&ts, &stat, chunks))
                            .unwrap();
                        t.elapsed().as_secs_f64()
                    })
                    .collect(),
            )
        };
        let one = time(Some(1));
        println!("| {} | 1 | {one:.4} | | | |", mode.as_str());
        for k in [4usize, 8, 16, 64] {
            let t = time(Some(k));
            let label = k.to_string();
            let chunks = k as f64;
            let extra = (t - one) / (chunks - 1.0);
            let own = one / chunks;
            println!(
                "| {} | {label} | {t:.4} | {extra:.5} | {own:.5} | {:.1}% |",
                mode.as_str(),
                100.0 * extra / own
            );
        }
    }
}
