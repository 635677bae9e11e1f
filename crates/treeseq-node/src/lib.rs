//! Node-API binding of `treeseq-core`.
//!
//! What it is for: converting arguments and results between Node and the core, running long
//! work off Node's event loop (libuv's pool hands it to our rayon pool), and catching panics
//! so that nothing native ever takes the user's process down. What it is not: a place for
//! statistics, validation or argument checks — those live in the core and in TypeScript.
//!
//! Errors cross as `Error`s whose message is `TREESEQ:<CODE>:<message>`
//! (`TreeSeqError::to_wire`); the TypeScript layer turns them into `TreeSeqError`s.

use std::sync::{Arc, RwLock};

use napi::bindgen_prelude::*;
use napi_derive::napi;
use rayon::{ThreadPool, ThreadPoolBuilder};
use treeseq_core::error::{catch_panics, ErrorCode, TreeSeqError};
use treeseq_core::stats::args::Arrays;
use treeseq_core::{access, TreeSequence};

fn to_napi(e: TreeSeqError) -> Error {
    Error::new(Status::GenericFailure, e.to_wire())
}

static POOL: RwLock<Option<Arc<ThreadPool>>> = RwLock::new(None);

fn pool() -> Result<Arc<ThreadPool>> {
    if let Some(p) = POOL.read().ok().and_then(|p| p.clone()) {
        return Ok(p);
    }
    init_threads(0.0)?;
    POOL.read()
        .ok()
        .and_then(|p| p.clone())
        .ok_or_else(|| to_napi(internal("no thread pool")))
}

fn internal(msg: &str) -> TreeSeqError {
    TreeSeqError::new(ErrorCode::Internal, msg)
}

/// Runs `f` on the pool, with panics turned into errors.
fn on_pool<T: Send>(f: impl FnOnce() -> treeseq_core::Result<T> + Send) -> Result<T> {
    let pool = pool()?;
    pool.install(|| catch_panics(f)).map_err(to_napi)
}

/// An integer argument from JavaScript, checked at full width by the core (`args.rs`): every
/// integer crosses as an f64, never as a 32-bit type that Node-API would truncate.
fn count_arg(what: &str, x: f64) -> Result<usize> {
    treeseq_core::args::size(what, x).map_err(to_napi)
}

/// (Re)builds the rayon pool with `threads` threads (0: one per available core).
#[napi]
pub fn init_threads(threads: f64) -> Result<u32> {
    let threads = count_arg("threads", threads)?;
    let pool = ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("treeseq-{i}"))
        .build()
        .map_err(|e| to_napi(internal(&format!("cannot build the thread pool: {e}"))))?;
    let n = pool.current_num_threads() as u32;
    let mut slot = POOL
        .write()
        .map_err(|_| to_napi(internal("thread pool lock poisoned")))?;
    *slot = Some(Arc::new(pool));
    Ok(n)
}

/// Sets the memory ceiling in bytes (0: the default, 80% of physical memory); returns the
/// ceiling now in force. Statistics whose output and working memory exceed it are refused
/// with `OUTPUT_TOO_LARGE` before anything is allocated.
#[napi]
pub fn set_max_memory(bytes: f64) -> Result<f64> {
    treeseq_core::memory::set_max_memory_f64(bytes)
        .map(|b| b as f64)
        .map_err(to_napi)
}

/// The memory ceiling in force, in bytes.
#[napi]
pub fn max_memory() -> f64 {
    treeseq_core::memory::max_memory() as f64
}

#[napi]
pub fn threads() -> Result<u32> {
    Ok(pool()?.current_num_threads() as u32)
}

/// How many distinct pool threads ran `tasks` pieces of real work.
#[napi]
pub fn distinct_worker_threads(tasks: f64) -> Result<u32> {
    let tasks = count_arg("tasks", tasks)?;
    on_pool(|| Ok(treeseq_core::parallel::distinct_worker_threads(tasks) as u32))
}

/// Detaches an ArrayBuffer this addon handed out over Rust memory (a file's bytes, a cursor's
/// arrays), so that views kept past `dispose()` read as empty, as tskit's freed arrays would be
/// unreachable: never stale or another file's data. A buffer already detached is left alone.
#[napi]
pub fn detach(buffer: ArrayBuffer) -> Result<()> {
    if buffer.is_detached()? {
        return Ok(());
    }
    buffer.detach()
}

/// A loaded tree sequence. `free()` lets its memory go at once (tskit's tables are freed when
/// the Python object goes): a loop that loads file after file must not wait for V8, which
/// does not see this memory, to collect the wrappers. Cursors and running tasks hold their
/// own `Arc`, so they finish with the data they started on. The hold sits behind a lock, not
/// `&mut self`: napi-rs counts a statistic still running as a borrow of this wrapper.
#[napi]
pub struct NativeTreeSequence {
    inner: std::sync::Mutex<Option<Arc<TreeSequence>>>,
    /// The file's bytes, held for the external `ArrayBuffer` over them (`fileBuffer()`): its
    /// finaliser shares this slot, so the bytes live as long as that buffer can be read, and
    /// `free()` empties the slot only after detaching that very buffer.
    file_hold: FileHold,
}

type FileHold = Arc<std::sync::Mutex<Option<Arc<treeseq_core::column::AlignedBytes>>>>;

/// The error every method of a freed wrapper gives (the TypeScript layer never calls one).
fn disposed(what: &str) -> Error {
    to_napi(TreeSeqError::new(
        ErrorCode::Disposed,
        format!("this {what} was disposed"),
    ))
}

/// `m` locked, or an internal error naming `what` if a panic poisoned it.
fn lock<'a, T>(m: &'a std::sync::Mutex<T>, what: &str) -> Result<std::sync::MutexGuard<'a, T>> {
    m.lock()
        .map_err(|_| to_napi(internal(&format!("{what} lock poisoned"))))
}

/// What a cursor wrapper holds until `free()`, and the error for any call after it.
struct Held<T> {
    item: Option<Box<T>>,
    what: &'static str,
}

impl<T> Held<T> {
    fn new(item: T, what: &'static str) -> Self {
        Held {
            item: Some(Box::new(item)),
            what,
        }
    }
    fn get(&self) -> Result<&T> {
        self.item.as_deref().ok_or_else(|| disposed(self.what))
    }
    fn get_mut(&mut self) -> Result<&mut T> {
        self.item.as_deref_mut().ok_or_else(|| disposed(self.what))
    }
    fn free(&mut self) {
        self.item = None;
    }
}

/// Where a load reads the file: bytes JavaScript hands over, or a path Rust reads itself.
enum LoadSource {
    Bytes(Uint8Array),
    Path(String),
}

pub struct LoadTask {
    source: LoadSource,
}

impl Task for LoadTask {
    type Output = TreeSequence;
    type JsValue = NativeTreeSequence;

    fn compute(&mut self) -> Result<TreeSequence> {
        match &self.source {
            LoadSource::Bytes(bytes) => {
                let bytes: &[u8] = bytes;
                on_pool(|| TreeSequence::load(bytes))
            }
            LoadSource::Path(path) => {
                on_pool(|| TreeSequence::load_path(std::path::Path::new(path)))
            }
        }
    }

    fn resolve(&mut self, _env: Env, ts: TreeSequence) -> Result<NativeTreeSequence> {
        Ok(NativeTreeSequence {
            inner: std::sync::Mutex::new(Some(Arc::new(ts))),
            file_hold: FileHold::default(),
        })
    }
}

/// Parses and validates a `.trees` file off the event loop.
#[napi(ts_return_type = "Promise<NativeTreeSequence>")]
pub fn load(bytes: Uint8Array) -> AsyncTask<LoadTask> {
    AsyncTask::new(LoadTask {
        source: LoadSource::Bytes(bytes),
    })
}

/// Reads, parses and validates the `.trees` file at `path` off the event loop. Rust reads the
/// file itself, so its size is limited by the machine's memory, not by Node's 2 GiB `Buffer`.
#[napi(ts_return_type = "Promise<NativeTreeSequence>")]
pub fn load_path(path: String) -> AsyncTask<LoadTask> {
    AsyncTask::new(LoadTask {
        source: LoadSource::Path(path),
    })
}

pub struct ComputeTask {
    ts: Arc<TreeSequence>,
    method: String,
    kwargs_json: String,
    /// The arrays the JSON's `$i32` / `$f64` placeholders refer to, read where they lie (not
    /// copied: 300,000 sample ids are a millisecond's copy on one thread). The TypeScript
    /// layer makes them for this call alone and never changes them.
    i32s: Option<Int32Array>,
    f64s: Option<Float64Array>,
}

impl Task for ComputeTask {
    type Output = (Vec<f64>, Vec<f64>);
    type JsValue = StatResultJs;

    fn compute(&mut self) -> Result<Self::Output> {
        let ts = self.ts.clone();
        let method = self.method.clone();
        let kwargs_json = std::mem::take(&mut self.kwargs_json);
        let i32s: &[i32] = self.i32s.as_deref().unwrap_or(&[]);
        let f64s: &[f64] = self.f64s.as_deref().unwrap_or(&[]);
        let out = on_pool(move || {
            treeseq_core::stats::compute_json(&ts, &method, &kwargs_json, Arrays { i32s, f64s })
        })?;
        // Dimensions as f64: exact to 2^53, where u32 would wrap at 2^32.
        Ok((out.data, out.shape.iter().map(|&d| d as f64).collect()))
    }

    fn resolve(&mut self, _env: Env, (data, shape): Self::Output) -> Result<StatResultJs> {
        Ok(StatResultJs {
            data: Float64Array::new(data),
            shape,
        })
    }
}

#[napi(object)]
pub struct StatResultJs {
    pub data: Float64Array,
    pub shape: Vec<f64>,
}

/// Where a column lies: `byteOffset` into `fileBuffer()` when `inFile`, else `copy` holds it.
#[napi(object)]
pub struct ColumnDesc {
    pub dtype: String,
    pub length: f64,
    pub in_file: bool,
    pub byte_offset: f64,
    pub copy: Option<Uint8Array>,
}

impl NativeTreeSequence {
    fn ts(&self) -> Result<Arc<TreeSequence>> {
        lock(&self.inner, "tree sequence")?
            .clone()
            .ok_or_else(|| disposed("tree sequence"))
    }
}

#[napi]
impl NativeTreeSequence {
    /// Drops this wrapper's hold on the tree sequence (see the struct). `file` is the buffer
    /// `fileBuffer()` gave, if it was asked for: it is detached here, and only then are the
    /// file's bytes let go; any other buffer leaves them to that buffer's finaliser.
    #[napi]
    pub fn free(&self, file: Option<ArrayBuffer>) -> Result<()> {
        if let Some(ab) = file {
            let mut hold = lock(&self.file_hold, "file buffer")?;
            let same = hold.as_ref().is_some_and(|bytes| {
                let bytes = bytes.as_bytes();
                bytes.as_ptr() == ab.as_ptr() && bytes.len() == ab.len()
            });
            if same {
                ab.detach()?;
                *hold = None;
            }
        }
        *lock(&self.inner, "tree sequence")? = None;
        Ok(())
    }

    #[napi]
    pub fn summary(&self) -> Result<String> {
        let ts = self.ts()?;
        Ok(access::summary_json(&ts))
    }

    #[napi]
    pub fn samples(&self) -> Result<Int32Array> {
        Ok(Int32Array::new(self.ts()?.samples.clone()))
    }

    #[napi]
    pub fn breakpoints(&self) -> Result<Float64Array> {
        Ok(Float64Array::new(self.ts()?.breakpoints.clone()))
    }

    /// The loaded file's bytes as one external `ArrayBuffer` (no copy): column views are made
    /// over it. Call once per tree sequence (V8 refuses two buffers over the same memory).
    #[napi]
    pub fn file_buffer<'env>(&self, env: &'env Env) -> Result<Option<ArrayBuffer<'env>>> {
        let ts = self.ts()?;
        let Some(buf) = access::file_buffer(&ts.tables) else {
            return Ok(None);
        };
        if buf.is_empty() {
            return Ok(None);
        }
        let ptr = buf.as_bytes().as_ptr() as *mut u8;
        let len = buf.len();
        *lock(&self.file_hold, "file buffer")? = Some(buf);
        let hold = self.file_hold.clone();
        // SAFETY: the slot handed to the finaliser keeps the bytes alive and unmoved until V8
        // frees the ArrayBuffer, or until `free()` has detached it (no read can follow).
        let ab = unsafe { ArrayBuffer::from_external(env, ptr, len, hold, |_, keep| drop(keep))? };
        Ok(Some(ab))
    }

    #[napi]
    pub fn column(&self, key: String) -> Result<ColumnDesc> {
        let ts = self.ts()?;
        let info = access::column(&ts.tables, &key).ok_or_else(|| {
            to_napi(TreeSeqError::new(
                ErrorCode::BadParam,
                format!("no column '{key}'"),
            ))
        })?;
        let file = access::file_buffer(&ts.tables);
        let base = file.as_ref().map(|b| b.as_bytes().as_ptr() as usize);
        let width = info.dtype.width();
        match (info.in_file, base) {
            (true, Some(base)) if info.len > 0 => Ok(ColumnDesc {
                dtype: info.dtype.as_str().into(),
                length: info.len as f64,
                in_file: true,
                byte_offset: (info.ptr as usize - base) as f64,
                copy: None,
            }),
            _ => {
                // SAFETY: ptr/len describe a live column of this tree sequence.
                let bytes = unsafe { std::slice::from_raw_parts(info.ptr, info.len * width) };
                Ok(ColumnDesc {
                    dtype: info.dtype.as_str().into(),
                    length: info.len as f64,
                    in_file: false,
                    byte_offset: 0.0,
                    copy: Some(Uint8Array::new(bytes.to_vec())),
                })
            }
        }
    }

    #[napi]
    pub fn dump(&self) -> Result<Buffer> {
        let ts = self.ts()?;
        let bytes = catch_panics(|| Ok(ts.dump())).map_err(to_napi)?;
        Ok(bytes.into())
    }

    /// Computes tskit's `ts.<method>(**kwargs)` off the event loop. Large arrays may come in
    /// `i32s` and `f64s`, named from the JSON by `{"$i32": [offset, length]}` placeholders.
    #[napi(ts_return_type = "Promise<StatResultJs>")]
    pub fn compute(
        &self,
        method: String,
        kwargs_json: String,
        i32s: Option<Int32Array>,
        f64s: Option<Float64Array>,
    ) -> Result<AsyncTask<ComputeTask>> {
        Ok(AsyncTask::new(ComputeTask {
            ts: self.ts()?,
            method,
            kwargs_json,
            i32s,
            f64s,
        }))
    }
}

/// A view of `bytes` owned by Rust memory that outlives it (see the callers); JavaScript must
/// not keep the view longer than its owner object, which the TypeScript layer guarantees.
fn external_view<'env>(env: &'env Env, bytes: &[u8]) -> Result<ArrayBuffer<'env>> {
    if bytes.is_empty() {
        return ArrayBuffer::from_data(env, Vec::<u8>::new());
    }
    // SAFETY: the memory is owned by a cursor whose JavaScript wrapper the TypeScript layer
    // keeps alongside every view it makes; it is never reallocated.
    unsafe {
        ArrayBuffer::from_external(env, bytes.as_ptr() as *mut u8, bytes.len(), (), |_, _| {})
    }
}

fn as_bytes<T>(s: &[T]) -> &[u8] {
    // SAFETY: plain numeric slices viewed as bytes.
    unsafe { std::slice::from_raw_parts(s.as_ptr() as *const u8, std::mem::size_of_val(s)) }
}

/// A tree cursor (tskit's `Tree`): its arrays are updated in place as it moves. `free()` lets
/// its arrays and its hold on the tree sequence go at once; the TypeScript layer detaches every
/// view of them first.
#[napi]
pub struct NativeTree {
    cursor: Held<treeseq_core::handles::TreeCursor>,
}

#[napi]
impl NativeTree {
    #[napi]
    pub fn free(&mut self) {
        self.cursor.free();
    }

    /// "first", "last", "next" or "prev"; false past either end.
    #[napi]
    pub fn step(&mut self, how: String) -> Result<bool> {
        let c = self.cursor.get_mut()?;
        catch_panics(|| c.step(&how)).map_err(to_napi)
    }

    #[napi]
    pub fn seek(&mut self, position: f64) -> Result<()> {
        let c = self.cursor.get_mut()?;
        catch_panics(|| c.seek(position)).map_err(to_napi)
    }

    #[napi]
    pub fn seek_index(&mut self, index: f64) -> Result<()> {
        let c = self.cursor.get_mut()?;
        catch_panics(|| c.seek_index(treeseq_core::args::integer("seek_index: index", index)?))
            .map_err(to_napi)
    }

    /// Float64 view of `[index, left, right, total_branch_length, sites_start, sites_end, num_edges]`.
    #[napi]
    pub fn state_buffer<'env>(&self, env: &'env Env) -> Result<ArrayBuffer<'env>> {
        external_view(env, as_bytes(self.cursor.get()?.state()))
    }

    /// Int32 view of a per-node array (length num_nodes + 1; the last is the virtual root).
    #[napi]
    pub fn array_buffer<'env>(&self, env: &'env Env, name: String) -> Result<ArrayBuffer<'env>> {
        let a = self.cursor.get()?.array(&name).ok_or_else(|| {
            to_napi(TreeSeqError::new(
                ErrorCode::BadParam,
                format!("no tree array '{name}'"),
            ))
        })?;
        external_view(env, as_bytes(a))
    }

    #[napi]
    pub fn mrca(&self, u: f64, v: f64) -> Result<i32> {
        let c = self.cursor.get()?;
        catch_panics(|| {
            let (u, v) = treeseq_core::args::node_pair("mrca", u, v)?;
            c.tree().mrca(u, v)
        })
        .map_err(to_napi)
    }
}

/// A variant cursor (tskit's `variants()`): genotypes decoded into one reused buffer. `free()`
/// as the tree cursor's.
#[napi]
pub struct NativeVariants {
    cursor: Held<treeseq_core::handles::VariantCursor>,
}

#[napi]
impl NativeVariants {
    #[napi]
    pub fn free(&mut self) {
        self.cursor.free();
    }

    /// The JavaScript cursor's `next()`: decodes the next site, false after the last.
    #[napi]
    #[allow(
        clippy::should_implement_trait,
        reason = "JavaScript's iterator protocol names it next"
    )]
    pub fn next(&mut self) -> Result<bool> {
        let c = self.cursor.get_mut()?;
        catch_panics(|| Ok(c.next())).map_err(to_napi)
    }

    #[napi]
    pub fn decode(&mut self, site: f64) -> Result<()> {
        let c = self.cursor.get_mut()?;
        catch_panics(|| c.decode(treeseq_core::args::id32("site", site)?)).map_err(to_napi)
    }

    #[napi]
    pub fn site(&self) -> Result<i32> {
        Ok(self.cursor.get()?.site())
    }

    #[napi]
    pub fn position(&self) -> Result<f64> {
        Ok(self.cursor.get()?.position())
    }

    #[napi]
    pub fn alleles(&self) -> Result<String> {
        Ok(self.cursor.get()?.alleles_json())
    }

    /// Float64 view of `[site, position, num_alleles, has_missing_data, alleles_id]`.
    #[napi]
    pub fn state_buffer<'env>(&self, env: &'env Env) -> Result<ArrayBuffer<'env>> {
        external_view(env, as_bytes(self.cursor.get()?.state()))
    }

    /// Int32 view of the genotype buffer (one entry per sample).
    #[napi]
    pub fn genotypes_buffer<'env>(&self, env: &'env Env) -> Result<ArrayBuffer<'env>> {
        external_view(env, as_bytes(self.cursor.get()?.genotypes()))
    }
}

#[napi]
impl NativeTreeSequence {
    #[napi]
    pub fn tree_cursor(&self) -> Result<NativeTree> {
        Ok(NativeTree {
            cursor: Held::new(treeseq_core::handles::TreeCursor::new(self.ts()?), "tree"),
        })
    }

    #[napi]
    pub fn variant_cursor(&self) -> Result<NativeVariants> {
        Ok(NativeVariants {
            cursor: Held::new(
                treeseq_core::handles::VariantCursor::new(self.ts()?),
                "variant cursor",
            ),
        })
    }
}

// Genotypes with tskit's options (variants(...), genotype_matrix(...)).

pub struct GenotypeMatrixTask {
    ts: Arc<TreeSequence>,
    options_json: String,
}

impl Task for GenotypeMatrixTask {
    type Output = (Vec<i32>, Vec<f64>);
    type JsValue = GenotypeMatrixJs;

    fn compute(&mut self) -> Result<Self::Output> {
        let ts = self.ts.clone();
        let json = std::mem::take(&mut self.options_json);
        let (data, rows, cols) = on_pool(move || {
            let options = treeseq_core::VariantOptions::from_json_text("genotypeMatrix", &json)?;
            treeseq_core::genotype_matrix(&ts, &options)
        })?;
        Ok((data, vec![rows as f64, cols as f64]))
    }

    fn resolve(&mut self, _env: Env, (data, shape): Self::Output) -> Result<GenotypeMatrixJs> {
        Ok(GenotypeMatrixJs {
            data: Int32Array::new(data),
            shape,
        })
    }
}

#[napi(object)]
pub struct GenotypeMatrixJs {
    pub data: Int32Array,
    pub shape: Vec<f64>,
}

#[napi]
impl NativeTreeSequence {
    /// A variant cursor with tskit's `variants()` options, as JSON in tskit's names.
    #[napi]
    pub fn variant_cursor_with(&self, options_json: String) -> Result<NativeVariants> {
        let ts = self.ts()?;
        let cursor = catch_panics(|| {
            treeseq_core::handles::VariantCursor::with_options_json(ts, &options_json)
        })
        .map_err(to_napi)?;
        Ok(NativeVariants {
            cursor: Held::new(cursor, "variant cursor"),
        })
    }

    /// tskit's `genotype_matrix` (options as JSON in tskit's names), off the event loop.
    #[napi(ts_return_type = "Promise<GenotypeMatrixJs>")]
    pub fn genotype_matrix(&self, options_json: String) -> Result<AsyncTask<GenotypeMatrixTask>> {
        Ok(AsyncTask::new(GenotypeMatrixTask {
            ts: self.ts()?,
            options_json,
        }))
    }
}
