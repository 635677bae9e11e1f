//! Times diversity with K singleton sample sets (sample i mod n each), site and branch mode,
//! on one rayon thread: the many-sets case of `npm run bench` without Node.
//!
//! `cargo run --release --example singleton_sets -- FILE.trees K [MODE]`

use std::time::Instant;

use serde_json::json;
use treeseq_core::stats::compute;
use treeseq_core::TreeSequence;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = &args[1];
    let k: usize = args[2].parse().expect("K");
    let modes: Vec<&str> = match args.get(3) {
        Some(m) => vec![m.as_str()],
        None => vec!["site", "branch"],
    };
    let ts = TreeSequence::load(&std::fs::read(path).expect("read")).expect("load");
    let n = ts.samples.len();
    let sets: Vec<Vec<i32>> = (0..k).map(|i| vec![ts.samples[i % n]]).collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    for mode in modes {
        let t = Instant::now();
        let out = pool
            .install(|| {
                compute(
                    &ts,
                    "diversity",
                    &json!({"sample_sets": sets, "mode": mode}),
                )
            })
            .expect("diversity");
        println!(
            "{mode}: K={k}: {:.3} s ({} values)",
            t.elapsed().as_secs_f64(),
            out.data.len()
        );
    }
}
