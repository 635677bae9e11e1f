//! Columns that are either views into the loaded file or owned vectors.
//!
//! kastore puts every array on an 8-byte boundary, so once the file sits in an 8-byte-aligned
//! buffer ([`AlignedBytes`]) each column can be read in place: loading copies the file once and
//! the columns borrow from it. Columns that the file lacks (optional ones, filled with defaults)
//! or that are built in memory are owned.

use std::ops::Deref;
use std::sync::Arc;

/// Plain numeric element types that may be viewed directly from little-endian bytes.
///
/// # Safety
/// Implementors must be valid for every bit pattern and have no padding.
pub unsafe trait Pod: Copy + Send + Sync + 'static {
    /// kastore's type code for this element type.
    const KASTORE_TYPE: u8;
}
/// kastore's element types and their type codes.
macro_rules! pod {
    ($($t:ty = $code:expr),* $(,)?) => {$(
        // SAFETY: a primitive integer or float: every bit pattern is a value, and no padding.
        unsafe impl Pod for $t {
            const KASTORE_TYPE: u8 = $code;
        }
    )*};
}
pod!(
    i8 = 0,
    u8 = 1,
    i16 = 2,
    u16 = 3,
    i32 = 4,
    u32 = 5,
    i64 = 6,
    u64 = 7,
    f32 = 8,
    f64 = 9
);

/// A byte buffer whose start is 8-byte aligned (backed by `u64` words).
pub struct AlignedBytes {
    words: Vec<u64>,
    len: usize,
}

impl AlignedBytes {
    /// Copies `bytes` into a fresh aligned buffer (the only copy made at load).
    pub fn copy_from(bytes: &[u8]) -> Self {
        let mut words = vec![0u64; bytes.len().div_ceil(8)];
        // SAFETY: words has at least bytes.len() bytes of storage.
        unsafe {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                words.as_mut_ptr() as *mut u8,
                bytes.len(),
            );
        }
        AlignedBytes {
            words,
            len: bytes.len(),
        }
    }

    /// A zeroed buffer of `len` bytes, or `FILE_TOO_LARGE` when the allocator cannot give it
    /// (fallible: a file larger than memory is an error, never an abort). `what` names the
    /// buffer's purpose for the message.
    pub fn try_zeroed(len: usize, what: &str) -> crate::error::Result<Self> {
        let n = len.div_ceil(8);
        let too_large = || {
            crate::error::TreeSeqError::new(
                crate::ErrorCode::FileTooLarge,
                format!(
                    "cannot allocate {len} bytes ({:.2} GiB) to hold {what}: not enough memory",
                    len as f64 / (1u64 << 30) as f64
                ),
            )
        };
        if n == 0 {
            return Ok(AlignedBytes {
                words: Vec::new(),
                len,
            });
        }
        let layout = std::alloc::Layout::array::<u64>(n).map_err(|_| too_large())?;
        // alloc_zeroed, not a reserve-and-fill: the OS hands out large zeroed blocks lazily, so
        // the pages are touched once, by the read that fills them.
        // SAFETY: layout has a non-zero size; a null return is handled.
        let ptr = unsafe { std::alloc::alloc_zeroed(layout) } as *mut u64;
        if ptr.is_null() {
            return Err(too_large());
        }
        // SAFETY: ptr was allocated by the global allocator with u64's alignment for n
        // elements, all initialised (zero is a valid u64).
        let words = unsafe { Vec::from_raw_parts(ptr, n, n) };
        Ok(AlignedBytes { words, len })
    }

    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: words owns at least len initialised bytes, borrowed mutably through self.
        unsafe { std::slice::from_raw_parts_mut(self.words.as_mut_ptr() as *mut u8, self.len) }
    }

    /// Drops bytes past `len` from view (the storage is kept).
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: words owns at least len initialised bytes.
        unsafe { std::slice::from_raw_parts(self.words.as_ptr() as *const u8, self.len) }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

enum Storage<T: Pod> {
    /// `len` elements starting at `byte_offset` (a multiple of `align_of::<T>()`) of `buf`.
    File {
        buf: Arc<AlignedBytes>,
        byte_offset: usize,
        len: usize,
    },
    Owned(Vec<T>),
}

/// One column of a table: dereferences to `&[T]`.
pub struct Column<T: Pod> {
    storage: Storage<T>,
}

impl<T: Pod> Column<T> {
    /// A view of `len` elements at `byte_offset` in `buf`, or `None` if that range is out of
    /// bounds or misaligned (the caller then copies, or reports a format error).
    pub fn view(buf: &Arc<AlignedBytes>, byte_offset: usize, len: usize) -> Option<Self> {
        let size = std::mem::size_of::<T>();
        let end = len.checked_mul(size)?.checked_add(byte_offset)?;
        if end > buf.len() || !byte_offset.is_multiple_of(std::mem::align_of::<T>()) {
            return None;
        }
        Some(Column {
            storage: Storage::File {
                buf: buf.clone(),
                byte_offset,
                len,
            },
        })
    }

    pub fn owned(v: Vec<T>) -> Self {
        Column {
            storage: Storage::Owned(v),
        }
    }

    /// True when the column borrows the loaded file's bytes (no copy was made).
    pub fn is_view(&self) -> bool {
        matches!(self.storage, Storage::File { .. })
    }

    /// Byte offset of the first element inside the loaded file, for views.
    pub fn file_byte_offset(&self) -> Option<usize> {
        match &self.storage {
            Storage::File { byte_offset, .. } => Some(*byte_offset),
            Storage::Owned(_) => None,
        }
    }

    /// The loaded file's buffer, for views.
    pub fn file_buffer(&self) -> Option<&Arc<AlignedBytes>> {
        match &self.storage {
            Storage::File { buf, .. } => Some(buf),
            Storage::Owned(_) => None,
        }
    }

    pub fn as_slice(&self) -> &[T] {
        match &self.storage {
            Storage::Owned(v) => v,
            Storage::File {
                buf,
                byte_offset,
                len,
            } => {
                // SAFETY: `view` checked bounds and alignment; T is Pod; buf lives as long as self.
                unsafe {
                    std::slice::from_raw_parts(
                        buf.as_bytes().as_ptr().add(*byte_offset) as *const T,
                        *len,
                    )
                }
            }
        }
    }
}

impl<T: Pod> Default for Column<T> {
    fn default() -> Self {
        Column::owned(Vec::new())
    }
}

impl<T: Pod> Deref for Column<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: Pod> Clone for Column<T> {
    fn clone(&self) -> Self {
        match &self.storage {
            Storage::Owned(v) => Column::owned(v.clone()),
            Storage::File {
                buf,
                byte_offset,
                len,
            } => Column {
                storage: Storage::File {
                    buf: buf.clone(),
                    byte_offset: *byte_offset,
                    len: *len,
                },
            },
        }
    }
}

impl<T: Pod + std::fmt::Debug> std::fmt::Debug for Column<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Column(len={}, view={})", self.len(), self.is_view())
    }
}

/// Offsets of a ragged column: tskit writes u32, or u64 when the data is large.
#[derive(Clone, Debug)]
pub enum Offsets {
    U32(Column<u32>),
    U64(Column<u64>),
}

impl Offsets {
    /// Number of offsets (rows + 1).
    pub fn len(&self) -> usize {
        match self {
            Offsets::U32(c) => c.len(),
            Offsets::U64(c) => c.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> u64 {
        match self {
            Offsets::U32(c) => c[i] as u64,
            Offsets::U64(c) => c[i],
        }
    }
}

impl Default for Offsets {
    fn default() -> Self {
        Offsets::U32(Column::owned(vec![0]))
    }
}

/// A ragged column: row `i` is `data[offset[i]..offset[i + 1]]`.
/// Validation guarantees offsets start at 0, never decrease and end at `data.len()`.
#[derive(Clone, Debug)]
pub struct Ragged<T: Pod> {
    pub data: Column<T>,
    pub offset: Offsets,
}

impl<T: Pod> Default for Ragged<T> {
    fn default() -> Self {
        Ragged {
            data: Column::default(),
            offset: Offsets::default(),
        }
    }
}

impl<T: Pod> Ragged<T> {
    /// An empty ragged column with `rows` empty rows.
    pub fn empty_rows(rows: usize) -> Self {
        Ragged {
            data: Column::default(),
            offset: Offsets::U32(Column::owned(vec![0; rows + 1])),
        }
    }

    pub fn num_rows(&self) -> usize {
        self.offset.len().saturating_sub(1)
    }

    pub fn row(&self, i: usize) -> &[T] {
        let a = self.offset.get(i) as usize;
        let b = self.offset.get(i + 1) as usize;
        &self.data[a..b]
    }
}

impl Ragged<u8> {
    /// Row `i` as text (lossy for invalid UTF-8, which tskit also tolerates in state columns).
    pub fn row_str(&self, i: usize) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(self.row(i))
    }
}
