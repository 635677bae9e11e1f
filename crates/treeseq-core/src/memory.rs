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
fn advise_huge_pages(addr: usize, bytes: usize) {
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
