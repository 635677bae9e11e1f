//! Helpers for running core work on rayon.
//!
//! What it is for: small facts about the thread pool that callers (the bindings, tests,
//! benchmarks) need to show that work really is spread over threads.
//!
//! What it is not: a scheduler. The core uses rayon's global pool directly (`rayon::join`,
//! parallel iterators); the embedder sizes that pool.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use rayon::prelude::*;

/// Runs `n_tasks` equal pieces of CPU work on the rayon pool and returns how many distinct
/// pool threads ran at least one of them: the bindings use it to prove that a pool of n
/// threads is n real threads (on WASM: workers sharing one memory), not a label.
///
/// Each piece is real work of about a millisecond (the same kind of range and ordering checks
/// validation does, over generated values). The first round is a rayon broadcast, which runs
/// one piece on every thread of the pool whatever else the machine is doing (so the answer
/// does not depend on scheduling luck); the remaining pieces are shared out as usual.
pub fn distinct_worker_threads(n_tasks: usize) -> usize {
    if n_tasks == 0 {
        return 0;
    }
    let threads = Mutex::new(HashSet::new());
    let record = || {
        let id = rayon::current_thread_index().unwrap_or(usize::MAX);
        threads.lock().unwrap_or_else(|e| e.into_inner()).insert(id);
    };
    let per_thread = rayon::broadcast(|ctx| {
        std::hint::black_box(check_generated_rows(ctx.index() as u64, 1 << 16));
        record();
    });
    let rest = n_tasks.saturating_sub(per_thread.len());
    (0..rest).into_par_iter().for_each(|task| {
        std::hint::black_box(check_generated_rows(task as u64, 1 << 16));
        record();
    });
    threads
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .len()
}

/// Generates `rows` sorted positions from a linear congruential sequence and counts how many
/// are in order and in range, as the site checks do: a deterministic, non-trivial workload.
fn check_generated_rows(seed: u64, rows: usize) -> usize {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut last = 0.0f64;
    let mut ok = 0;
    for _ in 0..rows {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let x = last + (state >> 11) as f64 / (1u64 << 53) as f64;
        if x >= last && x.is_finite() {
            ok += 1;
        }
        last = x;
    }
    ok
}

thread_local! {
    /// The thread count plans are made for on this thread, when not the pool's (see
    /// [`with_plan_threads`]); 0 for the pool's.
    static PLAN_THREADS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The number of threads a statistic's work is planned for: the current rayon pool's, unless
/// [`with_plan_threads`] says otherwise on this thread. Only how work is shared out depends
/// on it, never a result's bits.
pub fn plan_threads() -> usize {
    match PLAN_THREADS.with(|p| p.get()) {
        0 => rayon::current_num_threads().max(1),
        n => n,
    }
}

/// Runs `work` with plans made on this thread for `threads` threads, whatever the pool: the
/// `scaling` example runs the plan made for 64 threads on one, and tests show that the bits
/// do not depend on it. Plans are made on the calling thread, before the work is spread.
#[doc(hidden)]
pub fn with_plan_threads<R>(threads: usize, work: impl FnOnce() -> R) -> R {
    let before = PLAN_THREADS.with(|p| p.replace(threads));
    let out = work();
    PLAN_THREADS.with(|p| p.set(before));
    out
}

/// Whether [`timed_task`] records: set only by [`record_task_times`] (the `scaling` example),
/// so the statistics pay one relaxed load per task otherwise.
static RECORDING: AtomicBool = AtomicBool::new(false);
/// The seconds each task took while [`RECORDING`], in the order they finished.
static TASK_SECONDS: Mutex<Vec<f64>> = Mutex::new(Vec::new());

/// Runs one parallel task of a statistic (a chunk of the genome, or a chunk and a group of
/// outputs): the unit a thread takes from rayon. Every planner's tasks go through here, so
/// that the `scaling` example can time each one and predict the speedup a plan allows.
#[inline]
pub fn timed_task<R>(task: impl FnOnce() -> R) -> R {
    if !RECORDING.load(Ordering::Relaxed) {
        return task();
    }
    let start = std::time::Instant::now();
    let out = task();
    let seconds = start.elapsed().as_secs_f64();
    TASK_SECONDS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(seconds);
    out
}

/// Runs `work` and returns, beside its result, the seconds each of its parallel tasks took
/// (see [`timed_task`]). For measurement only (the `scaling` example): one recording at a
/// time, process-wide; not available on WebAssembly, which has no clock in the core.
#[doc(hidden)]
pub fn record_task_times<R>(work: impl FnOnce() -> R) -> (R, Vec<f64>) {
    TASK_SECONDS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clear();
    RECORDING.store(true, Ordering::Relaxed);
    let out = work();
    RECORDING.store(false, Ordering::Relaxed);
    let times = std::mem::take(&mut *TASK_SECONDS.lock().unwrap_or_else(|e| e.into_inner()));
    (out, times)
}

#[cfg(test)]
mod tests {
    #[test]
    fn probe_counts_threads() {
        let n = super::distinct_worker_threads(64);
        assert!(n >= 1 && n <= rayon::current_num_threads());
        if rayon::current_num_threads() > 1 {
            assert!(
                n > 1,
                "64 tasks ran on one thread of {}",
                rayon::current_num_threads()
            );
        }
    }
}
