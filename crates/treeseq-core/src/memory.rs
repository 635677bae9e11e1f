//! Large working buffers. A statistic on hundreds of thousands of samples needs per-node
//! buffers of tens to hundreds of megabytes per thread; fresh from the system, each 4 KiB
//! page costs a fault when first written (about 40,000 faults for 165 MB, a third of some
//! statistics' time). On Linux such buffers ask for transparent huge pages (2 MiB), which
//! the kernel honours where it is set to `madvise` or `always`: 512 times fewer faults.

/// An empty vector with room for `len` values, backed by huge pages where the system
/// allows. Nothing is written: the caller fills it.
pub fn large_vec<T>(len: usize) -> Vec<T> {
    let v: Vec<T> = Vec::with_capacity(len);
    #[cfg(target_os = "linux")]
    advise_huge_pages(v.as_ptr() as usize, len * std::mem::size_of::<T>());
    v
}

#[cfg(target_os = "linux")]
pub(crate) fn advise_huge_pages(addr: usize, bytes: usize) {
    const HUGE: usize = 2 << 20;
    const MADV_HUGEPAGE: i32 = 14;
    if bytes < 2 * HUGE {
        return;
    }
    // Only whole huge pages inside the allocation.
    let start = addr.next_multiple_of(HUGE);
    let end = (addr + bytes) / HUGE * HUGE;
    if end > start {
        extern "C" {
            fn madvise(addr: *mut std::ffi::c_void, len: usize, advice: i32) -> i32;
        }
        // SAFETY: the range lies inside an allocation this process owns; MADV_HUGEPAGE only
        // changes how the kernel backs it, never its contents, and a refusal is harmless.
        unsafe {
            madvise(start as *mut std::ffi::c_void, end - start, MADV_HUGEPAGE);
        }
    }
}

/// Copies a few values (a node's weights, a summary), as `dst.copy_from_slice(src)` but
/// value by value.
///
/// A copy of a length not known at compile time is otherwise a call: to `memcpy` natively
/// (clearing the weights of each of 126,000 node records that way took 1 to 2 ms of each
/// 18 ms chunk on 30,000 samples), and on WebAssembly to `memory.copy`, which V8 runs as a
/// call out of the module into the engine, tens of nanoseconds. Both cost more than copying a
/// handful of values, and these copies are made per node or per site. The stores are
/// volatile so that the compiler cannot merge them back into such a call.
#[inline(always)]
pub fn copy_few<T: Copy>(dst: &mut [T], src: &[T]) {
    assert_eq!(dst.len(), src.len(), "copy_few: lengths differ");
    for (d, &s) in dst.iter_mut().zip(src) {
        // SAFETY: `d` is a valid, aligned, exclusive reference.
        unsafe { std::ptr::write_volatile(d, s) };
    }
}

/// Sets a few values to `v`, as `dst.fill(v)` but value by value (see [`copy_few`]).
#[inline(always)]
pub fn fill_few<T: Copy>(dst: &mut [T], v: T) {
    for d in dst.iter_mut() {
        // SAFETY: `d` is a valid, aligned, exclusive reference.
        unsafe { std::ptr::write_volatile(d, v) };
    }
}

/// Asks the CPU to start loading the cache line at `p` (a hint: no effect on results, and
/// none at all where the target has no prefetch instruction, such as WebAssembly).
#[inline(always)]
pub fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint that never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch(p as *const i8, std::arch::x86_64::_MM_HINT_T0);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

// ---- the memory ceiling -------------------------------------------------------------------
//
// Every statistic works out, before it allocates anything, how many bytes its output and its
// working buffers take (with checked arithmetic: 60 sample sets of 6 make a spectrum of 7^60
// cells, beyond any integer type), and refuses with `OUTPUT_TOO_LARGE` what exceeds the
// ceiling. The large buffers themselves are then allocated fallibly (`try_reserve`), so a
// system that cannot give the memory after all gives an error, never an abort. The ceiling is
// per call and process-wide (`init({ maxMemory })` sets it); it bounds what one call asks
// for, not what the process holds.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{ErrorCode, Result, TreeSeqError};

/// The ceiling set by [`set_max_memory`]; 0 means the default ([`default_max_memory`]).
static MAX_MEMORY: AtomicU64 = AtomicU64::new(0);

/// The default ceiling: 80% of the machine's physical memory natively (8 GiB when it cannot
/// be read), 3 GiB on WebAssembly (whose memory is at most 4 GiB, the module and the loaded
/// file included).
pub fn default_max_memory() -> u64 {
    #[cfg(target_arch = "wasm32")]
    {
        3 << 30
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        static DEFAULT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
        *DEFAULT.get_or_init(|| physical_memory().map_or(8 << 30, |m| m / 5 * 4))
    }
}

/// The machine's physical memory in bytes (Linux: `MemTotal` of `/proc/meminfo`).
#[cfg(not(target_arch = "wasm32"))]
fn physical_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024).filter(|&b| b > 0)
}

/// Sets the ceiling in bytes; 0 restores the default.
pub fn set_max_memory(bytes: u64) {
    MAX_MEMORY.store(bytes, Ordering::Relaxed);
}

/// As [`set_max_memory`], from a JavaScript number (both bindings call this): a
/// non-negative integer up to 2^53, else `BAD_PARAM`. Returns the ceiling now in force.
pub fn set_max_memory_f64(bytes: f64) -> Result<u64> {
    set_max_memory(crate::args::count("maxMemory", bytes)?);
    Ok(max_memory())
}

/// The ceiling in force, in bytes.
pub fn max_memory() -> u64 {
    match MAX_MEMORY.load(Ordering::Relaxed) {
        0 => default_max_memory(),
        b => b,
    }
}

/// The most one buffer may hold: `isize::MAX` bytes (Rust's limit for one allocation), which
/// on wasm32 is 2 GiB.
pub const MAX_BUFFER: u64 = isize::MAX as u64;

/// The product of `factors`, or None when it exceeds u64.
pub fn product(factors: impl IntoIterator<Item = u64>) -> Option<u64> {
    factors
        .into_iter()
        .try_fold(1u64, |acc, f| acc.checked_mul(f))
}

/// The bytes a call needs, part by part, worked out with checked arithmetic before anything
/// is allocated; [`Need::check`] refuses them when they exceed the ceiling.
#[derive(Clone, Debug, Default)]
pub struct Need {
    parts: Vec<Part>,
}

#[derive(Clone, Debug)]
struct Part {
    /// What the buffer is for, with its dimensions ("the output: 1 window × 46^8 cells").
    what: String,
    /// Its size in bytes, all copies; None when that exceeds u64.
    bytes: Option<u64>,
    /// The size of one copy (one allocation) in bytes; None when that exceeds u64.
    buffer: Option<u64>,
}

impl Need {
    pub fn new() -> Need {
        Need::default()
    }

    /// `count` values of type `T` (None: a count already beyond u64) for `what`.
    pub fn values<T>(self, what: impl Into<String>, count: Option<u64>) -> Need {
        self.values_each::<T>(what, count, 1)
    }

    /// `count` values of `T` in each of `copies` buffers (threads, tasks alive at once) for
    /// `what`.
    pub fn values_each<T>(
        mut self,
        what: impl Into<String>,
        count: Option<u64>,
        copies: u64,
    ) -> Need {
        let buffer = count.and_then(|c| c.checked_mul(std::mem::size_of::<T>() as u64));
        self.parts.push(Part {
            what: what.into(),
            bytes: buffer.and_then(|b| b.checked_mul(copies)),
            buffer,
        });
        self
    }

    /// The total in bytes; None when it exceeds u64.
    pub fn total(&self) -> Option<u64> {
        self.parts
            .iter()
            .try_fold(0u64, |acc, p| acc.checked_add(p.bytes?))
    }

    /// Refuses (`OUTPUT_TOO_LARGE`, the message starting with `context`) when the total
    /// exceeds the ceiling, or one buffer exceeds what one allocation may hold here.
    pub fn check(&self, context: &str) -> Result<()> {
        self.check_against(context, max_memory())
    }

    /// As [`Need::check`], against `ceiling` bytes.
    pub fn check_against(&self, context: &str, ceiling: u64) -> Result<()> {
        const ASK: &str = "ask for less (fewer windows, sets, indexes or nodes)";
        let too_large = |m: String| Err(TreeSeqError::new(ErrorCode::OutputTooLarge, m));
        if let Some(p) = self.parts.iter().find(|p| p.buffer.is_none()) {
            return too_large(format!(
                "{context}: {} needs more than 16 EiB (its size overflows 64 bits); {ASK}",
                p.what
            ));
        }
        if let Some(p) = self.parts.iter().find(|p| p.buffer > Some(MAX_BUFFER)) {
            return too_large(format!(
                "{context}: {} needs {} in one buffer, more than one allocation can hold on this backend ({}){}",
                p.what,
                human_opt(p.buffer),
                human(MAX_BUFFER),
                if cfg!(target_arch = "wasm32") {
                    "; the native backend has no such limit"
                } else {
                    ""
                }
            ));
        }
        let total = self.total();
        if total.is_none_or(|t| t > ceiling) {
            let what = match &self.parts[..] {
                [one] => format!("{} needs {}", one.what, human_opt(one.bytes)),
                parts => format!(
                    "needs {} in all: {}",
                    human_opt(total),
                    parts
                        .iter()
                        .map(|p| format!("{}, {}", p.what, human_opt(p.bytes)))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            };
            return too_large(format!(
                "{context}: {what}; more than the memory ceiling of {}. {ASK}, or raise the \
                 ceiling with init({{ maxMemory }}) if the machine has the memory",
                human(ceiling)
            ));
        }
        Ok(())
    }
}

/// Bytes for a person: "1.5 GiB (1610612736 bytes)".
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut v = bytes as f64;
    let mut unit = "";
    for u in UNITS {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    format!("{v:.1} {unit} ({bytes} bytes)")
}

fn human_opt(bytes: Option<u64>) -> String {
    bytes.map_or_else(
        || "more than 16 EiB: the size overflows 64 bits".into(),
        human,
    )
}

/// Describes dimensions for a message: "46 × 46 × 46", long lists shortened
/// ("7 × 7 × 7 × … (60 axes)").
pub fn dims(d: &[u64]) -> String {
    const SHOWN: usize = 6;
    let head: Vec<String> = d.iter().take(SHOWN).map(u64::to_string).collect();
    if d.len() > SHOWN {
        format!("{} × … ({} axes)", head.join(" × "), d.len())
    } else if d.is_empty() {
        "1".into()
    } else {
        head.join(" × ")
    }
}

fn refused(what: &str, bytes: Option<u64>) -> TreeSeqError {
    TreeSeqError::new(
        ErrorCode::OutputTooLarge,
        format!(
            "could not allocate {} for {what}: the system has not that much memory free \
             (the memory ceiling is {}; lower it with init({{ maxMemory }}) to be refused \
             before trying)",
            human_opt(bytes),
            human(max_memory())
        ),
    )
}

/// `len` copies of `value`, allocated fallibly: running out of memory is `OUTPUT_TOO_LARGE`
/// naming `what`, never an abort.
pub fn try_vec<T: Clone>(what: &str, len: usize, value: T) -> Result<Vec<T>> {
    let mut v = Vec::new();
    try_reserve(&mut v, len, what)?;
    v.resize(len, value);
    Ok(v)
}

/// `v.try_reserve_exact(additional)`, with a refusal as `OUTPUT_TOO_LARGE` naming `what`.
pub fn try_reserve<T>(v: &mut Vec<T>, additional: usize, what: &str) -> Result<()> {
    v.try_reserve_exact(additional).map_err(|_| {
        let bytes = (v.len() as u64)
            .checked_add(additional as u64)
            .and_then(|n| n.checked_mul(std::mem::size_of::<T>() as u64));
        refused(what, bytes)
    })
}

#[cfg(test)]
mod need_tests {
    use super::*;

    #[test]
    fn sizes_are_checked_and_described() {
        let n = Need::new().values::<f64>("the output: 3 windows × 4 sets", product([3, 4]));
        assert_eq!(n.total(), Some(96));
        n.check_against("diversity", 96).unwrap();
        let e = n.check_against("diversity", 95).unwrap_err();
        assert_eq!(e.code, ErrorCode::OutputTooLarge);
        for part in [
            "diversity:",
            "96 bytes",
            "3 windows × 4 sets",
            "95 bytes",
            "maxMemory",
        ] {
            assert!(e.message.contains(part), "{part} in {}", e.message);
        }
        // Several parts add up.
        let n = n.values_each::<f64>("per-thread buffers", Some(10), 4);
        assert_eq!(n.total(), Some(96 + 320));
        // 7^60 cells overflow u64: refused, never wrapped.
        assert_eq!(product(std::iter::repeat_n(7, 60)), None);
        let e = Need::new()
            .values::<f64>(
                format!("the spectrum: {}", dims(&[7; 60])),
                product([7; 60]),
            )
            .check("allele_frequency_spectrum")
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::OutputTooLarge);
        assert!(e.message.contains("overflows 64 bits"), "{}", e.message);
        assert!(e.message.contains("(60 axes)"), "{}", e.message);
        // Counts that fit u64 but whose bytes do not.
        assert_eq!(
            Need::new().values::<f64>("x", Some(u64::MAX / 4)).total(),
            None
        );
        assert_eq!(product([46; 8]), Some(20_047_612_231_936));
        // Copies are separate buffers: each is held against the one-buffer limit, their sum
        // against the ceiling.
        let copies = Need::new().values_each::<u8>("two copies", Some(MAX_BUFFER), 2);
        copies.check_against("x", u64::MAX).unwrap();
        assert_eq!(copies.total(), Some(2 * MAX_BUFFER));
        let e = Need::new()
            .values::<u8>("one big buffer", Some(MAX_BUFFER + 1))
            .check_against("x", u64::MAX)
            .unwrap_err();
        assert!(e.message.contains("one buffer"), "{}", e.message);
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human(12), "12 bytes");
        assert_eq!(human(3 << 30), "3.0 GiB (3221225472 bytes)");
        assert_eq!(dims(&[2, 3]), "2 × 3");
    }

    #[test]
    fn fallible_allocation_refuses() {
        let e = try_vec::<f64>("a test buffer", usize::MAX / 16, 0.0).unwrap_err();
        assert_eq!(e.code, ErrorCode::OutputTooLarge);
        assert!(e.message.contains("a test buffer"), "{}", e.message);
        assert_eq!(try_vec("small", 3, 1u8).unwrap(), vec![1, 1, 1]);
    }
}
