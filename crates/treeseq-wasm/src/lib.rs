//! WebAssembly binding of `treeseq-core`, plus the glue that runs a rayon pool on workers.
//!
//! What it is for: converting arguments and results between JavaScript and the core, and, in
//! the threaded build (`target_feature = "atomics"`), letting JavaScript workers that share one
//! `WebAssembly.Memory` become rayon's threads. What it is not: a place for statistics,
//! validation or argument checks — those live in the core (once) and in the TypeScript layer.
//!
//! Errors cross as `Error` objects whose message is `TREESEQ:<CODE>:<message>`
//! (`TreeSeqError::to_wire`); the TypeScript layer turns them into `TreeSeqError`s.
//!
//! A panic in WASM aborts (traps) the instance: the TypeScript layer treats a trap as fatal for
//! that instance, never calls into it again, and starts a fresh one for the next call (see
//! `last_trap` for what it learns of the trap).

use std::sync::Arc;

use treeseq_core::error::{catch_panics, TreeSeqError};
use treeseq_core::{access, TreeSequence};
use wasm_bindgen::prelude::*;

/// The threaded build's heap: every block starts on a 64-byte cache line and covers whole
/// lines. WebAssembly has one heap for all threads (not one arena per thread, as native
/// allocators have), so two threads' small, busy buffers (a walk's running sums, its scratch
/// summaries) could otherwise share a cache line, and every write by one would evict the
/// line from the other's core: two threads then ran a statistic up to twice as slowly,
/// depending on where a call's buffers happened to land.
#[cfg(target_feature = "atomics")]
mod line_heap {
    use std::alloc::{GlobalAlloc, Layout, System};

    pub struct LineAligned;

    const LINE: usize = 64;

    /// The layout actually asked of the system allocator: always the same function of the
    /// caller's layout, so `dealloc` and `realloc` pass the system what `alloc` passed it.
    #[inline]
    fn lined(layout: Layout) -> Layout {
        let size = layout.size().max(1).next_multiple_of(LINE);
        // Sizes come from valid layouts (at most isize::MAX); rounding up to a multiple of 64
        // stays below it unless the size was within 64 bytes of it, which a 4 GiB memory
        // never reaches.
        Layout::from_size_align(size, layout.align().max(LINE)).expect("layout fits")
    }

    // SAFETY: every method forwards to the system allocator with `lined(layout)`, a layout
    // at least as large and as aligned as the caller's, and the same one for a block's
    // whole life (alloc, realloc and dealloc all derive it from the caller's layout).
    unsafe impl GlobalAlloc for LineAligned {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            System.alloc(lined(layout))
        }
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            System.alloc_zeroed(lined(layout))
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            System.dealloc(ptr, lined(layout))
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let new = Layout::from_size_align(new_size, layout.align()).expect("layout fits");
            System.realloc(ptr, lined(layout), lined(new).size())
        }
    }

    #[global_allocator]
    static HEAP: LineAligned = LineAligned;
}

fn js_err(e: TreeSeqError) -> JsError {
    JsError::new(&e.to_wire())
}

/// A loaded tree sequence, owned by JavaScript (free it with `free()`).
#[wasm_bindgen]
pub struct WasmTreeSequence {
    inner: Arc<TreeSequence>,
}

/// Parses and validates a `.trees` file on the calling thread: the single-threaded build's
/// load (the threaded build's is `load_buffer_acquired`, on the pool).
#[wasm_bindgen]
pub fn load(bytes: &[u8]) -> Result<WasmTreeSequence, JsError> {
    let ts = catch_panics(|| TreeSequence::load(bytes)).map_err(js_err)?;
    Ok(WasmTreeSequence {
        inner: Arc::new(ts),
    })
}

/// A zeroed, aligned buffer of `len` bytes for a file, in this memory, which JavaScript fills
/// through a view at `file_buffer_data` and hands to `load_buffer_acquired` (the threaded
/// build: the page's thread writes the bytes into the shared memory and the driver worker
/// loads them there). The columns then view this buffer: the file's bytes are copied into the
/// instance once, where `load` copies them twice (into its argument, then into the aligned
/// buffer), and none cross to the worker. Returns the buffer's handle (`Box` address);
/// `FILE_TOO_LARGE` when the memory cannot hold it.
#[wasm_bindgen]
pub fn file_buffer(len: usize) -> Result<u32, JsError> {
    let buf =
        catch_panics(|| treeseq_core::AlignedBytes::try_zeroed(len, "the file")).map_err(js_err)?;
    Ok(Box::into_raw(Box::new(buf)) as usize as u32)
}

/// The address of the bytes of the buffer `handle` (from `file_buffer`).
#[wasm_bindgen]
pub fn file_buffer_data(handle: u32) -> u32 {
    // SAFETY: handle came from file_buffer and was neither loaded nor freed (the caller's
    // contract, as for every handle here); the buffer is only read.
    let buf = unsafe { &*(handle as usize as *const treeseq_core::AlignedBytes) };
    buf.as_bytes().as_ptr() as usize as u32
}

/// Frees a buffer from `file_buffer` that will not be loaded.
#[wasm_bindgen]
pub fn file_buffer_free(handle: u32) {
    // SAFETY: as in file_buffer_data; ownership returns here and the handle is not used again.
    drop(unsafe { Box::from_raw(handle as usize as *mut treeseq_core::AlignedBytes) });
}

/// Loads the bytes in buffer `handle` (from `file_buffer`), which it takes over whether the
/// load succeeds or fails, with validation on the pool, and returns an acquired reference
/// (see `WasmTreeSequence::acquire`): the driver worker loads, the page's thread takes the
/// result with `WasmTreeSequence.from_acquired`, and neither blocks the other.
#[wasm_bindgen]
pub fn load_buffer_acquired(handle: u32) -> Result<u32, JsError> {
    // SAFETY: as in file_buffer_free.
    let buf = *unsafe { Box::from_raw(handle as usize as *mut treeseq_core::AlignedBytes) };
    let ts = catch_panics(|| in_pool(|| TreeSequence::load_buffer(buf))).map_err(js_err)?;
    Ok(Arc::into_raw(Arc::new(ts)) as usize as u32)
}

#[wasm_bindgen]
impl WasmTreeSequence {
    /// Takes ownership of a reference from `load_buffer_acquired` or `acquire`.
    pub fn from_acquired(ptr: u32) -> WasmTreeSequence {
        // SAFETY: ptr came from Arc::into_raw and its count is handed over to this object.
        let inner = unsafe { Arc::from_raw(ptr as usize as *const TreeSequence) };
        WasmTreeSequence { inner }
    }

    /// The summary as JSON (see `access::summary_json`).
    pub fn summary(&self) -> String {
        access::summary_json(&self.inner)
    }

    pub fn samples(&self) -> Vec<i32> {
        self.inner.samples.clone()
    }

    pub fn breakpoints(&self) -> Vec<f64> {
        self.inner.breakpoints.clone()
    }

    /// `{"dtype", "ptr", "length"}` (JSON) of the column stored under `key`: `ptr` is its
    /// address in this memory; JavaScript makes a typed-array view over `memory.buffer`.
    pub fn column(&self, key: &str) -> Result<String, JsError> {
        let info = access::column(&self.inner.tables, key).ok_or_else(|| {
            js_err(TreeSeqError::new(
                treeseq_core::ErrorCode::BadParam,
                format!("no column '{key}'"),
            ))
        })?;
        Ok(format!(
            r#"{{"dtype":"{}","ptr":{},"length":{}}}"#,
            info.dtype.as_str(),
            info.ptr as usize,
            info.len
        ))
    }

    pub fn dump(&self) -> Result<Vec<u8>, JsError> {
        catch_panics(|| Ok(self.inner.dump())).map_err(js_err)
    }

    /// A counted reference for another thread of this memory (the stats worker); give it
    /// back with `release`.
    pub fn acquire(&self) -> u32 {
        Arc::into_raw(self.inner.clone()) as usize as u32
    }
}

/// Gives back a reference taken by `acquire`.
///
/// # Safety (for callers in JavaScript)
/// `ptr` must come from `acquire` and be released once.
#[wasm_bindgen]
pub fn release(ptr: u32) {
    // SAFETY: ptr came from Arc::into_raw in acquire, and is released exactly once.
    unsafe { drop(Arc::from_raw(ptr as usize as *const TreeSequence)) }
}

/// Computes tskit's `ts.<method>(**kwargs)` on an acquired tree sequence. Large arrays come
/// in `i32s` and `f64s`, named from the JSON by `{"$i32": [offset, length]}` placeholders.
/// The result is `[ndim, shape..., data...]` in one array, so that it crosses as one copy.
#[wasm_bindgen]
pub fn compute(
    ptr: u32,
    method: &str,
    kwargs_json: &str,
    i32s: &[i32],
    f64s: &[f64],
) -> Result<Vec<f64>, JsError> {
    // SAFETY: ptr is an acquired, not yet released reference (the caller holds it).
    let ts: &TreeSequence = unsafe { &*(ptr as usize as *const TreeSequence) };
    let out = catch_panics(|| {
        let arrays = treeseq_core::stats::args::Arrays { i32s, f64s };
        in_pool(|| treeseq_core::stats::compute_json(ts, method, kwargs_json, arrays))
    })
    .map_err(js_err)?;
    // A second copy of the output: allocated fallibly, so that a memory too full for it is an
    // OUTPUT_TOO_LARGE error rather than a trap.
    let mut flat = Vec::new();
    treeseq_core::memory::try_reserve(
        &mut flat,
        1 + out.shape.len() + out.data.len(),
        "the statistic's result as it crosses to JavaScript",
    )
    .map_err(js_err)?;
    flat.push(out.shape.len() as f64);
    flat.extend(out.shape.iter().map(|&d| d as f64));
    flat.extend_from_slice(&out.data);
    Ok(flat)
}

/// Runs `f` on the pool when one was built (threaded build), else on this thread.
fn in_pool<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    #[cfg(target_feature = "atomics")]
    if let Some(pool) = pool::current() {
        return pool.install(f);
    }
    f()
}

/// Number of threads that run core work: the pool's size, or 1.
#[wasm_bindgen]
pub fn threads() -> u32 {
    #[cfg(target_feature = "atomics")]
    if let Some(pool) = pool::current() {
        return pool.current_num_threads() as u32;
    }
    1
}

/// True in the build with atomics (workers sharing memory).
#[wasm_bindgen]
pub fn threaded() -> bool {
    cfg!(target_feature = "atomics")
}

/// How many distinct pool threads ran `tasks` pieces of real work (proof that the pool is
/// more than one thread).
#[wasm_bindgen]
pub fn distinct_worker_threads(tasks: f64) -> Result<u32, JsError> {
    let tasks = treeseq_core::args::size("tasks", tasks).map_err(js_err)?;
    Ok(in_pool(|| treeseq_core::parallel::distinct_worker_threads(tasks)) as u32)
}

/// Sets the memory ceiling in bytes (0: the default, 3 GiB of WebAssembly's 4 GiB); returns
/// the ceiling now in force. Statistics whose output and working memory exceed it, or that
/// need one buffer over 2 GiB, are refused with `OUTPUT_TOO_LARGE` before anything is
/// allocated. The ceiling is this instance's: a fresh instance starts at the default.
#[wasm_bindgen]
pub fn set_max_memory(bytes: f64) -> Result<f64, JsError> {
    treeseq_core::memory::set_max_memory_f64(bytes)
        .map(|b| b as f64)
        .map_err(js_err)
}

/// The memory ceiling in force, in bytes.
#[wasm_bindgen]
pub fn max_memory() -> f64 {
    treeseq_core::memory::max_memory() as f64
}

#[cfg(target_feature = "atomics")]
mod pool {
    //! rayon on JavaScript workers. JavaScript first starts `n` workers on this module and
    //! this memory; each calls `worker_run(setup)` and blocks on a channel. Then the owner
    //! calls `pool_build(setup)`: rayon's spawn handler puts one `ThreadBuilder` per thread on
    //! the channel and each worker runs one. Workers must be running before `pool_build`,
    //! because a browser does not start a worker while its creator blocks.

    use std::sync::mpsc::{channel, Receiver, Sender};
    use std::sync::{Arc, Mutex, RwLock};

    use rayon::{ThreadBuilder, ThreadPool, ThreadPoolBuilder};
    use wasm_bindgen::prelude::*;

    static POOL: RwLock<Option<Arc<ThreadPool>>> = RwLock::new(None);

    pub fn current() -> Option<Arc<ThreadPool>> {
        POOL.read().ok().and_then(|p| p.clone())
    }

    pub struct PoolSetup {
        threads: usize,
        sender: Sender<ThreadBuilder>,
        receiver: Mutex<Receiver<ThreadBuilder>>,
    }

    /// Prepares a pool of `threads` threads; returns the setup's address for the workers.
    #[wasm_bindgen]
    pub fn pool_prepare(threads: f64) -> Result<u32, JsError> {
        let threads = treeseq_core::args::size("threads", threads).map_err(super::js_err)?;
        let (sender, receiver) = channel();
        let setup = Arc::new(PoolSetup {
            threads: threads.max(1),
            sender,
            receiver: Mutex::new(receiver),
        });
        Ok(Arc::into_raw(setup) as usize as u32)
    }

    /// Run by each worker: waits for its rayon thread and runs it until the pool ends.
    #[wasm_bindgen]
    pub fn worker_run(setup: u32) {
        // SAFETY: setup comes from pool_prepare; its Arc is never released (pools live on).
        let setup = unsafe { &*(setup as usize as *const PoolSetup) };
        let builder = setup.receiver.lock().ok().and_then(|r| r.recv().ok());
        if let Some(b) = builder {
            b.run();
        }
    }

    /// Builds the pool once the workers wait, and makes it the one core work runs on.
    #[wasm_bindgen]
    pub fn pool_build(setup: u32) -> Result<(), JsError> {
        // SAFETY: as in worker_run.
        let setup = unsafe { &*(setup as usize as *const PoolSetup) };
        let sender = setup.sender.clone();
        let pool = ThreadPoolBuilder::new()
            .num_threads(setup.threads)
            .spawn_handler(move |b| {
                sender
                    .send(b)
                    .map_err(|e| std::io::Error::other(e.to_string()))
            })
            .build()
            .map_err(|e| {
                JsError::new(&format!(
                    "TREESEQ:INTERNAL:cannot build the thread pool: {e}"
                ))
            })?;
        if let Ok(mut p) = POOL.write() {
            *p = Some(Arc::new(pool));
        }
        Ok(())
    }
}

/// A tree cursor (tskit's `Tree`): JavaScript views its arrays in this memory by address.
#[wasm_bindgen]
pub struct WasmTree {
    cursor: treeseq_core::handles::TreeCursor,
}

#[wasm_bindgen]
impl WasmTree {
    /// "first", "last", "next" or "prev"; false past either end.
    pub fn step(&mut self, how: &str) -> Result<bool, JsError> {
        self.cursor.step(how).map_err(js_err)
    }

    pub fn seek(&mut self, position: f64) -> Result<(), JsError> {
        self.cursor.seek(position).map_err(js_err)
    }

    pub fn seek_index(&mut self, index: f64) -> Result<(), JsError> {
        treeseq_core::args::integer("seek_index: index", index)
            .and_then(|i| self.cursor.seek_index(i))
            .map_err(js_err)
    }

    /// Address of the float64 state block (see `handles::tree_state`).
    pub fn state_ptr(&self) -> u32 {
        self.cursor.state().as_ptr() as usize as u32
    }

    /// Address of a per-node int32 array (length num_nodes + 1).
    pub fn array_ptr(&self, name: &str) -> Result<u32, JsError> {
        self.cursor
            .array(name)
            .map(|a| a.as_ptr() as usize as u32)
            .ok_or_else(|| {
                js_err(TreeSeqError::new(
                    treeseq_core::ErrorCode::BadParam,
                    format!("no tree array '{name}'"),
                ))
            })
    }

    /// Node ids cross as f64 and are checked at full width (an i32 parameter would take
    /// 2^32 + 1 as node 1).
    pub fn mrca(&self, u: f64, v: f64) -> Result<i32, JsError> {
        treeseq_core::args::node_pair("mrca", u, v)
            .and_then(|(u, v)| self.cursor.tree().mrca(u, v))
            .map_err(js_err)
    }
}

/// A variant cursor: genotypes decoded into one buffer that JavaScript views by address.
#[wasm_bindgen]
pub struct WasmVariants {
    cursor: treeseq_core::handles::VariantCursor,
}

#[wasm_bindgen]
impl WasmVariants {
    /// The JavaScript cursor's `next()`: decodes the next site, false after the last.
    #[allow(
        clippy::should_implement_trait,
        reason = "JavaScript's iterator protocol names it next"
    )]
    pub fn next(&mut self) -> bool {
        self.cursor.next()
    }

    pub fn decode(&mut self, site: f64) -> Result<(), JsError> {
        treeseq_core::args::id32("site", site)
            .and_then(|s| self.cursor.decode(s))
            .map_err(js_err)
    }

    pub fn site(&self) -> i32 {
        self.cursor.site()
    }

    pub fn position(&self) -> f64 {
        self.cursor.position()
    }

    pub fn alleles(&self) -> String {
        self.cursor.alleles_json()
    }

    /// Address of the float64 state block `[site, position, num_alleles, has_missing_data,
    /// alleles_id]`.
    pub fn state_ptr(&self) -> u32 {
        self.cursor.state().as_ptr() as usize as u32
    }

    pub fn genotypes_ptr(&self) -> u32 {
        self.cursor.genotypes().as_ptr() as usize as u32
    }
}

#[wasm_bindgen]
impl WasmTreeSequence {
    pub fn tree_cursor(&self) -> WasmTree {
        WasmTree {
            cursor: treeseq_core::handles::TreeCursor::new(self.inner.clone()),
        }
    }

    pub fn variant_cursor(&self) -> WasmVariants {
        WasmVariants {
            cursor: treeseq_core::handles::VariantCursor::new(self.inner.clone()),
        }
    }
}

/// Variants with tskit's options (the genotype matrix runs through `compute`, on the pool).
#[wasm_bindgen]
impl WasmTreeSequence {
    /// A variant cursor with tskit's `variants()` options, as JSON in tskit's names.
    pub fn variant_cursor_with(&self, options_json: &str) -> Result<WasmVariants, JsError> {
        treeseq_core::handles::VariantCursor::with_options_json(self.inner.clone(), options_json)
            .map(|cursor| WasmVariants { cursor })
            .map_err(js_err)
    }
}

// ---- Traps: what JavaScript can learn about one, and how tests cause them ----------------
//
// With `panic = "abort"` every Rust panic, and every failed allocation, ends as a WebAssembly
// `unreachable` trap, and the trap itself says nothing more. The panic hook keeps the panic's
// message where JavaScript can read it after the trap (`last_trap`); an abort with no panic
// before it is, in this crate, a failed allocation (std's alloc error handler aborts without
// calling the hook).

mod trap {
    use std::sync::Mutex;

    static LAST: Mutex<Option<String>> = Mutex::new(None);

    pub fn install() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            std::panic::set_hook(Box::new(|info| {
                // try_lock: a panic while the message is being read is dropped, never waited on.
                if let Ok(mut last) = LAST.try_lock() {
                    *last = Some(info.to_string());
                }
            }));
        });
    }

    pub fn take() -> Option<String> {
        LAST.try_lock().ok().and_then(|mut l| l.take())
    }
}

/// Makes later panics leave their message for `last_trap` (the hook is process-wide: in the
/// threaded build, one call covers every worker of the memory).
#[wasm_bindgen]
pub fn install_trap_reporting() {
    trap::install();
}

/// The message of the panic that trapped the instance, if a panic did (taken: read once).
/// Never blocks, so the page's thread may call it after another thread trapped.
#[wasm_bindgen]
pub fn last_trap() -> Option<String> {
    trap::take()
}

/// Traps on purpose, for tests: `kind` "panic" panics, "oom" fails an allocation as the
/// allocator does when memory cannot grow (through `handle_alloc_error`, without taking the
/// memory); `where_` "pool" does it on a thread of the pool (a worker, in the threaded build),
/// anything else on the calling thread. Not part of the public API.
#[wasm_bindgen]
pub fn trap_in_pool_for_tests(kind: &str, where_: &str) {
    let kind = kind.to_string();
    if where_ == "pool" {
        in_pool(move || deliberate_trap(&kind))
    } else {
        deliberate_trap(&kind)
    }
}

fn deliberate_trap(kind: &str) {
    if kind == "oom" {
        let layout = std::alloc::Layout::from_size_align(1 << 30, 8).expect("a valid layout");
        std::alloc::handle_alloc_error(layout);
    }
    panic!("deliberate panic for tests ({kind})");
}
