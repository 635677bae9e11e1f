//! Shared by the in-process fuzzers (`fuzz_load.rs`, `fuzz_stats.rs`) and the reproductions:
//! a seeded generator, the time budget, running one case on its own thread with a timeout,
//! the allocation cap, and saving a failing case so that it can be kept as a regression.
//!
//! Why not cargo-fuzz: it needs a nightly toolchain and libFuzzer, which CI does not have;
//! these fuzzers are ordinary `cargo test` binaries, seeded and bounded in time, so every
//! `npm test` runs them.
//!
//! Environment:
//! - `TREESEQ_FUZZ_SECONDS`: total seconds for both fuzzers (default 20; the loader gets 40 %,
//!   the statistics 60 %). Longer runs: `TREESEQ_FUZZ_SECONDS=600 cargo test -p treeseq-core
//!   --release --test fuzz_load --test fuzz_stats`.
//! - `TREESEQ_FUZZ_SEED`: the seed (decimal, default [`DEFAULT_SEED`], so that `npm test` and
//!   CI explore the same cases every run and fail only when the code changes); `random` draws
//!   one from the clock and prints it, so a failure can always be replayed.
//! - `TREESEQ_FUZZ_CASE`: with the seed, run only this case (as printed in a failure).
//! - `TREESEQ_FUZZ_METHODS`: statistics only: fuzz only these methods (comma-separated).
//! - `TREESEQ_FUZZ_CASE_TIMEOUT`: seconds one case may take before it counts as a hang
//!   (default 20).
#![allow(dead_code, reason = "each fuzz binary uses a part of it")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use treeseq_core::{ErrorCode, TreeSeqError};

/// The largest single allocation a fuzz case may ask for. The fixtures are small (the largest
/// has 360 samples and 1.5 MB), so no correct answer for them comes near this: a request above
/// it is a size computed from an argument without a check, which natively aborts the process.
pub const FUZZ_MAX_ALLOCATION: usize = 1 << 30;

/// The memory ceiling the core is given for fuzzing: well below [`FUZZ_MAX_ALLOCATION`], so
/// that a statistic the core refuses by its own accounting never reaches the allocator's cap.
pub const FUZZ_MAX_MEMORY: u64 = 256 << 20;

/// Sets the core's memory ceiling for the fuzz cases (call once before the first case).
pub fn apply_memory_cap() {
    treeseq_core::memory::set_max_memory(FUZZ_MAX_MEMORY);
}

/// The system allocator with a per-request cap. A request above [`FUZZ_MAX_ALLOCATION`] cannot
/// be turned into an error from here (Rust's allocation-failure handler aborts), so it prints
/// the case that made it, saves that case's input, and then fails as the binding would: with
/// an abort. The case was announced through [`CURRENT`] before it ran.
pub struct CappedAlloc;

static IN_REPORT: AtomicBool = AtomicBool::new(false);
/// Largest request seen (for the summary line).
pub static LARGEST_REQUEST: AtomicUsize = AtomicUsize::new(0);

/// The case now running: its reproduction line and its input, written before the case starts.
pub static CURRENT: Mutex<Option<(String, PathBuf, Vec<u8>)>> = Mutex::new(None);

// SAFETY: every call is passed on unchanged to the system allocator, which upholds
// GlobalAlloc's contract; `check` only records sizes (or aborts).
unsafe impl GlobalAlloc for CappedAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.check(layout.size());
        // SAFETY: the caller's layout, as GlobalAlloc::alloc requires it.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.check(layout.size());
        // SAFETY: as for alloc.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: ptr came from System through this allocator, with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        self.check(new_size);
        // SAFETY: as for dealloc, and new_size is the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

impl CappedAlloc {
    fn check(&self, size: usize) {
        LARGEST_REQUEST.fetch_max(size, Ordering::Relaxed);
        if size <= FUZZ_MAX_ALLOCATION {
            return;
        }
        // Reporting allocates; the flag lets those small allocations through and keeps a
        // second oversized request (another thread) from reporting again.
        if IN_REPORT.swap(true, Ordering::SeqCst) {
            return;
        }
        eprintln!(
            "\nALLOCATION CAP: an allocation of {size} bytes (cap {FUZZ_MAX_ALLOCATION}) was \
             attempted: a size not checked before allocating (natively an abort)."
        );
        if let Ok(guard) = CURRENT.try_lock() {
            if let Some((repro, path, input)) = guard.as_ref() {
                let _ = std::fs::create_dir_all(path.parent().expect("has a folder"));
                let _ = std::fs::write(path, input);
                eprintln!("  case: {repro}\n  input saved: {}", path.display());
            }
        }
        std::process::abort();
    }
}

/// Splitmix64: small, seeded and the same everywhere, so a seed replays a run exactly.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    /// The generator for case `case` of a run with seed `seed`: each case replays on its own.
    pub fn for_case(seed: u64, case: u64) -> Rng {
        let mut r = Rng(seed ^ case.wrapping_mul(0xA076_1D64_78BD_642F));
        r.next_u64();
        r
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }
}

/// The seed when `TREESEQ_FUZZ_SEED` is not set.
pub const DEFAULT_SEED: u64 = 0x7ee5_0014;

/// The run's seed: `TREESEQ_FUZZ_SEED` (`random`: drawn from the clock), else [`DEFAULT_SEED`].
pub fn seed() -> u64 {
    static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *SEED.get_or_init(read_seed)
}

fn read_seed() -> u64 {
    match std::env::var("TREESEQ_FUZZ_SEED") {
        Ok(s) if s.trim() == "random" => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
        Ok(s) if !s.is_empty() => s.trim().parse().unwrap_or_else(|_| {
            panic!("TREESEQ_FUZZ_SEED must be a decimal u64 or `random`, got {s:?}")
        }),
        _ => DEFAULT_SEED,
    }
}

/// `TREESEQ_FUZZ_CASE`: replay only this case.
pub fn only_case() -> Option<u64> {
    std::env::var("TREESEQ_FUZZ_CASE")
        .ok()
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.trim()
                .parse()
                .expect("TREESEQ_FUZZ_CASE must be a decimal u64")
        })
}

/// This fuzzer's share of `TREESEQ_FUZZ_SECONDS` (default 20 s for both), at most 60 s unless
/// the variable asks for more.
pub fn budget(share: f64) -> Duration {
    let total: f64 = std::env::var("TREESEQ_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(20.0);
    Duration::from_secs_f64((total * share).max(0.0))
}

/// Per-case time limit. Debug builds (what `cargo test` makes) are slow; the fixtures are
/// small, so a correct case takes well under a second even there.
pub fn case_timeout() -> Duration {
    let secs = std::env::var("TREESEQ_FUZZ_CASE_TIMEOUT")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(20.0);
    Duration::from_secs_f64(secs)
}

/// Where failing cases are saved: `target/fuzz-failures/<target>/`.
pub fn failure_dir(target: &str) -> PathBuf {
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target_dir.join("fuzz-failures").join(target)
}

/// The corpus of past failures replayed on every run: `tests/fuzz-regressions/<kind>/`.
pub fn regressions_dir(kind: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(kind)
}

/// Files in a folder with the given suffix, sorted (none if the folder does not exist).
pub fn files_with_suffix(dir: &std::path::Path, suffix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.to_string_lossy().ends_with(suffix))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// How a case ended, when it did not end well.
#[derive(Debug)]
pub enum Bad {
    Panic(String),
    Hang(Duration),
    Internal(TreeSeqError),
    /// A property of the answer that does not hold (said by the caller).
    Wrong(String),
}

impl std::fmt::Display for Bad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bad::Panic(m) => write!(f, "panicked: {m}"),
            Bad::Hang(t) => write!(f, "did not finish within {t:?}"),
            Bad::Internal(e) => write!(f, "INTERNAL error (a bug, not a refusal): {e}"),
            Bad::Wrong(m) => write!(f, "{m}"),
        }
    }
}

/// Runs `f` on a fresh thread and waits at most `timeout` for it. A thread that does not
/// finish cannot be stopped: it is left running and the case reported as a hang (the test
/// then fails and the process ends with it).
pub fn run_case<T: Send + 'static>(
    timeout: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Bad> {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::Builder::new()
        .name("fuzz-case".into())
        .stack_size(16 << 20)
        .spawn(move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            let _ = tx.send(out);
        })
        .expect("spawn a fuzz case");
    match rx.recv_timeout(timeout) {
        Ok(Ok(v)) => {
            let _ = handle.join();
            Ok(v)
        }
        Ok(Err(payload)) => {
            let _ = handle.join();
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "(no message)".into());
            Err(Bad::Panic(msg))
        }
        Err(_) => Err(Bad::Hang(timeout)),
    }
}

/// A refusal must be typed and useful: any code but INTERNAL, and a message that says what.
pub fn check_error(e: &TreeSeqError) -> Result<(), Bad> {
    if e.code == ErrorCode::Internal {
        return Err(Bad::Internal(e.clone()));
    }
    if e.message.trim().is_empty() {
        return Err(Bad::Wrong(format!(
            "{} refusal with an empty message",
            e.code.as_str()
        )));
    }
    Ok(())
}

/// Announces the case about to run, so that the allocator can report it if it aborts.
pub fn announce(repro: String, path: PathBuf, input: Vec<u8>) {
    *CURRENT.lock().unwrap_or_else(|p| p.into_inner()) = Some((repro, path, input));
}

/// Saves a failing case's input and returns the message that says how to replay and keep it.
#[allow(
    clippy::too_many_arguments,
    reason = "each says one part of the replay line"
)]
pub fn report_failure(
    target: &str,
    seed: u64,
    case: u64,
    what: &str,
    bad: &Bad,
    path: &std::path::Path,
    input: &[u8],
    keep_in: &str,
) -> String {
    let _ = std::fs::create_dir_all(path.parent().expect("has a folder"));
    let saved = match std::fs::write(path, input) {
        Ok(()) => format!("saved: {}", path.display()),
        Err(e) => format!("could not save {}: {e}", path.display()),
    };
    format!(
        "{target}: case {case} ({what}) {bad}\n  replay: TREESEQ_FUZZ_SEED={seed} TREESEQ_FUZZ_CASE={case} \
         cargo test -p treeseq-core --test {target}\n  {saved}\n  keep it: copy the file into \
         crates/treeseq-core/tests/fuzz-regressions/{keep_in}/ (replayed on every run)"
    )
}

/// The loop both fuzzers share: cases `0, 1, ...` until the budget is spent (or only
/// `TREESEQ_FUZZ_CASE`), each made and checked by `one(rng, case)`, which returns a failure
/// message or None. Stops at the first failure (the rest of the run is another seed's job).
pub fn fuzz_loop(target: &str, share: f64, mut one: impl FnMut(&mut Rng, u64) -> Option<String>) {
    apply_memory_cap();
    let seed = seed();
    let budget = budget(share);
    let start = Instant::now();
    eprintln!("{target}: seed {seed} (replay with TREESEQ_FUZZ_SEED={seed}), budget {budget:?}");
    let cases: Box<dyn Iterator<Item = u64>> = match only_case() {
        Some(c) => Box::new(std::iter::once(c)),
        None => Box::new(0..),
    };
    let mut ran = 0u64;
    // The time-out's margin: how long the slowest case took.
    let mut slowest = (Duration::ZERO, 0u64);
    for case in cases {
        if only_case().is_none() && start.elapsed() >= budget {
            break;
        }
        let mut rng = Rng::for_case(seed, case);
        ran += 1;
        let t = Instant::now();
        if let Some(msg) = one(&mut rng, case) {
            panic!("{msg}");
        }
        slowest = slowest.max((t.elapsed(), case));
    }
    eprintln!(
        "{target}: {ran} cases in {:.1?}, no failure (slowest: case {} in {:.1?}; largest \
         allocation request {} bytes)",
        start.elapsed(),
        slowest.1,
        slowest.0,
        LARGEST_REQUEST.load(Ordering::Relaxed)
    );
}

/// Set in the child process: the name of the test it runs.
const CHILD_VAR: &str = "TREESEQ_REPRO_CHILD";

/// Runs `body` in a child process (this test binary, running only `name`), so that an abort
/// is reported as this test's failure with the child's last words, not the binary's death.
pub fn in_own_process(name: &str, body: impl FnOnce()) {
    if std::env::var(CHILD_VAR).as_deref() == Ok(name) {
        body();
        return;
    }
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args([name, "--exact", "--nocapture", "--test-threads", "1"])
        .env(CHILD_VAR, name)
        // The failure message and the reproduction, not pages of backtrace (replay for one).
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run the test binary again");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The child's seed and summary lines (shown with --nocapture, or when this test fails).
    eprint!("{stderr}");
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{name}: the child process failed ({}):\n{}\n{}",
        out.status,
        tail(&stdout, 1500),
        tail(&stderr, 3000)
    );
}

fn tail(s: &str, n: usize) -> &str {
    let cut = s.len().saturating_sub(n);
    let cut = (cut..s.len())
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(s.len());
    &s[cut..]
}
