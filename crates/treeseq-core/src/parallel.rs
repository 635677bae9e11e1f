//! Helpers for running core work on rayon, and a probe that shows the pool really has threads.

use rayon::prelude::*;

/// Runs `tasks` small pieces of CPU work on the current rayon pool and returns how many
/// distinct pool threads ran them. The bindings use it to prove that a pool of n threads is
/// n real threads (on WASM: workers sharing one memory), not a label.
pub fn distinct_worker_threads(tasks: usize) -> usize {
    let ids: Vec<Option<usize>> = (0..tasks.max(1))
        .into_par_iter()
        .map(|i| {
            // Enough work per task (about a millisecond) that one thread cannot take them all
            // before the others wake up.
            let mut x = i as u64 | 1;
            for _ in 0..400_000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
            }
            std::hint::black_box(x);
            rayon::current_thread_index()
        })
        .collect();
    let mut seen: Vec<usize> = ids.into_iter().flatten().collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}
