//! The kastore container: reading items without copying, and writing them back.
//!
//! What it is for: the byte-level layout only (header, item descriptors, keys, arrays), as
//! kastore 1.x defines it. [`KastoreFile::parse`] copies the input once into an 8-byte-aligned
//! buffer ([`KastoreFile::read_file`] reads a file straight into one, at any size the machine
//! can hold) and checks every descriptor against the real length of the input before anything
//! is sized by it, so a file that claims 2^60 elements is refused, never allocated. Like
//! kastore it insists on the packing (keys right after the descriptors, arrays aligned and
//! adjacent) but not on key order or distinct keys: kastore finds a key with C's `bsearch`
//! over the items in file order, and [`KastoreFile::get`] does the same search, so a file with
//! keys out of order or repeated gives tskit's verdict (a key the search misses is absent).
//! [`KastoreWriter`] lays items out exactly as kastore does (keys sorted bytewise and packed
//! after the descriptors, arrays 8-byte aligned and adjacent).
//!
//! What it is not: it knows nothing of tskit's keys or tables; that is `format.rs`.

use std::borrow::Cow;
use std::sync::Arc;

use crate::bail;
use crate::column::{AlignedBytes, Column, Pod};
use crate::error::Result;

/// `\x89KAS\r\n\x1a\n`: a PNG-style magic that catches text-mode and truncation damage.
pub const MAGIC: [u8; 8] = [0x89, b'K', b'A', b'S', b'\r', b'\n', 0x1A, b'\n'];
pub const HEADER_SIZE: usize = 64;
pub const DESCRIPTOR_SIZE: usize = 64;
pub const ARRAY_ALIGN: usize = 8;
pub const VERSION_MAJOR: u16 = 1;
pub const VERSION_MINOR: u16 = 0;

/// kastore's element types, by their on-disk code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemType {
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
}

impl ItemType {
    pub fn from_code(code: u8) -> Option<ItemType> {
        use ItemType::*;
        Some(match code {
            0 => I8,
            1 => U8,
            2 => I16,
            3 => U16,
            4 => I32,
            5 => U32,
            6 => I64,
            7 => U64,
            8 => F32,
            9 => F64,
            _ => return None,
        })
    }

    pub fn code(self) -> u8 {
        self as u8
    }

    /// Size of one element in bytes.
    pub fn size(self) -> usize {
        use ItemType::*;
        match self {
            I8 | U8 => 1,
            I16 | U16 => 2,
            I32 | U32 | F32 => 4,
            I64 | U64 | F64 => 8,
        }
    }

    /// numpy-style name, for error messages.
    pub fn name(self) -> &'static str {
        use ItemType::*;
        match self {
            I8 => "int8",
            U8 => "uint8",
            I16 => "int16",
            U16 => "uint16",
            I32 => "int32",
            U32 => "uint32",
            I64 => "int64",
            U64 => "uint64",
            F32 => "float32",
            F64 => "float64",
        }
    }

    pub fn of<T: Pod>() -> ItemType {
        // Pod's codes are kastore's codes, so this cannot fail.
        ItemType::from_code(T::KASTORE_TYPE).unwrap_or(ItemType::U8)
    }
}

/// One item of a kastore file: where its array lives in the buffer.
#[derive(Clone, Debug)]
pub struct Item {
    /// The key as text (lossy if the file's key is not UTF-8; `raw_key` is exact).
    pub key: String,
    pub raw_key: Vec<u8>,
    pub item_type: ItemType,
    /// Byte offset of the array in the file (a multiple of 8).
    pub array_start: usize,
    /// Number of elements (not bytes).
    pub array_len: usize,
}

impl Item {
    pub fn byte_len(&self) -> usize {
        // parse() checked this product against the file size.
        self.array_len * self.item_type.size()
    }
}

/// A parsed kastore file: the aligned copy of its bytes and its items sorted by key.
pub struct KastoreFile {
    buf: Arc<AlignedBytes>,
    items: Vec<Item>,
    pub version_minor: u16,
}

fn read_u64(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

const NOT_KASTORE: &str = "not a kastore file (or corrupt)";

/// Checks the header and every descriptor of `bytes` (a whole kastore file, perhaps with
/// bytes after it) and returns the items in file order, the minor version and the file size.
fn layout(bytes: &[u8]) -> Result<(Vec<Item>, u16, usize)> {
    if bytes.is_empty() {
        bail!(EndOfFile, "end of file: the input is empty");
    }
    if bytes.len() < HEADER_SIZE {
        bail!(
            FileFormat,
            "{NOT_KASTORE}: {} bytes is shorter than the {HEADER_SIZE}-byte header",
            bytes.len()
        );
    }
    if bytes[0..8] != MAGIC {
        bail!(FileFormat, "{NOT_KASTORE}: bad magic number");
    }
    let major = u16::from_le_bytes([bytes[8], bytes[9]]);
    let minor = u16::from_le_bytes([bytes[10], bytes[11]]);
    let num_items = u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]) as u64;
    let file_size = read_u64(bytes, 16);
    if major > VERSION_MAJOR {
        bail!(KastoreVersionTooNew, "kastore format version {major}.{minor} is too new (this reader knows {VERSION_MAJOR}.x)");
    }
    if major < VERSION_MAJOR {
        bail!(
            FileFormat,
            "kastore format version {major}.{minor} is too old"
        );
    }
    if file_size < HEADER_SIZE as u64 || file_size > bytes.len() as u64 {
        bail!(
            FileFormat,
            "{NOT_KASTORE}: header says the file has {file_size} bytes, it has {}",
            bytes.len()
        );
    }
    let file_size = file_size as usize;
    // num_items * 64 checked against the file before the item vector is sized by it.
    let descriptors_end = num_items
        .checked_mul(DESCRIPTOR_SIZE as u64)
        .and_then(|d| d.checked_add(HEADER_SIZE as u64))
        .filter(|&end| end <= file_size as u64);
    let Some(descriptors_end) = descriptors_end else {
        bail!(
            FileFormat,
            "{NOT_KASTORE}: {num_items} item descriptors do not fit in {file_size} bytes"
        );
    };
    let descriptors_end = descriptors_end as usize;
    let num_items = num_items as usize;

    struct Raw {
        item_type: ItemType,
        key_start: u64,
        key_len: u64,
        array_start: u64,
        array_len: u64,
    }
    let mut raw = Vec::with_capacity(num_items);
    for j in 0..num_items {
        let d = &bytes[HEADER_SIZE + j * DESCRIPTOR_SIZE..HEADER_SIZE + (j + 1) * DESCRIPTOR_SIZE];
        let Some(item_type) = ItemType::from_code(d[0]) else {
            bail!(FileFormat, "unknown data type {} in kastore item {j}", d[0]);
        };
        let r = Raw {
            item_type,
            key_start: read_u64(d, 8),
            key_len: read_u64(d, 16),
            array_start: read_u64(d, 24),
            array_len: read_u64(d, 32),
        };
        let key_end = r.key_start.checked_add(r.key_len);
        if key_end.is_none_or(|e| e > file_size as u64) {
            bail!(FileFormat, "{NOT_KASTORE}: item {j}'s key ({} bytes at {}) is beyond the file size {file_size}", r.key_len, r.key_start);
        }
        let array_end = r
            .array_len
            .checked_mul(item_type.size() as u64)
            .and_then(|b| b.checked_add(r.array_start));
        if array_end.is_none_or(|e| e > file_size as u64) {
            bail!(FileFormat, "{NOT_KASTORE}: item {j}'s array ({} elements of {} at byte {}) is beyond the file size {file_size}", r.array_len, item_type.name(), r.array_start);
        }
        raw.push(r);
    }
    // Keys are packed one after another right after the descriptors; arrays follow, each
    // on the next 8-byte boundary, with nothing between them; the last ends the file.
    // All values were bounded by file_size above, so these sums cannot overflow.
    let mut offset = descriptors_end;
    for (j, r) in raw.iter().enumerate() {
        if r.key_start as usize != offset {
            bail!(
                FileFormat,
                "{NOT_KASTORE}: item {j}'s key starts at {} instead of {offset}",
                r.key_start
            );
        }
        offset += r.key_len as usize;
    }
    for (j, r) in raw.iter().enumerate() {
        offset = offset.next_multiple_of(ARRAY_ALIGN);
        if r.array_start as usize != offset {
            bail!(
                FileFormat,
                "{NOT_KASTORE}: item {j}'s array starts at {} instead of {offset}",
                r.array_start
            );
        }
        offset += r.array_len as usize * r.item_type.size();
    }
    if offset != file_size {
        bail!(
            FileFormat,
            "{NOT_KASTORE}: the arrays end at byte {offset}, the file at {file_size}"
        );
    }

    let mut items = Vec::with_capacity(num_items);
    for r in &raw {
        let raw_key = bytes[r.key_start as usize..(r.key_start + r.key_len) as usize].to_vec();
        items.push(Item {
            key: String::from_utf8_lossy(&raw_key).into_owned(),
            raw_key,
            item_type: r.item_type,
            array_start: r.array_start as usize,
            array_len: r.array_len as usize,
        });
    }
    // Items stay in file order: `get` searches them as kastore does (see the module notes).
    Ok((items, minor, file_size))
}

impl KastoreFile {
    /// Parses `bytes`, copying them once into an aligned buffer. Bytes after the header's file
    /// size are ignored, as tskit (which reads files as streams) ignores them.
    pub fn parse(bytes: &[u8]) -> Result<KastoreFile> {
        let (items, version_minor, file_size) = layout(bytes)?;
        let buf = Arc::new(AlignedBytes::copy_from(&bytes[..file_size]));
        Ok(KastoreFile {
            buf,
            items,
            version_minor,
        })
    }

    /// Reads the file at `path` straight into one aligned buffer (no intermediate copy, no
    /// size limit but the machine's memory: the buffer is allocated fallibly, so a file that
    /// does not fit is `FILE_TOO_LARGE`, never an abort). An OS error is `IO` with the OS's
    /// message and the path.
    pub fn read_file(path: &std::path::Path) -> Result<KastoreFile> {
        let io_err = |e: std::io::Error| {
            crate::error::TreeSeqError::new(
                crate::ErrorCode::Io,
                format!("cannot read {}: {e}", path.display()),
            )
        };
        let mut file = std::fs::File::open(path).map_err(io_err)?;
        let size = file.metadata().map_err(io_err)?.len();
        let Ok(size) = usize::try_from(size) else {
            bail!(
                FileTooLarge,
                "{} has {size} bytes, more than this machine can address",
                path.display()
            );
        };
        let mut buf = AlignedBytes::try_zeroed(size, &format!("{}", path.display()))?;
        #[cfg(target_os = "linux")]
        crate::memory::advise_huge_pages(buf.as_bytes().as_ptr() as usize, buf.len());
        read_all(&mut file, buf.as_bytes_mut()).map_err(io_err)?;
        KastoreFile::from_buffer(buf)
    }

    /// Parses a file's bytes already in an aligned buffer (read there by [`read_file`], or
    /// written there by a binding that copies a host's bytes in once), keeping the buffer for
    /// the columns to view: no copy. Bytes after the header's file size are ignored, as in
    /// [`KastoreFile::parse`].
    ///
    /// [`read_file`]: KastoreFile::read_file
    pub fn from_buffer(mut buf: AlignedBytes) -> Result<KastoreFile> {
        let (items, version_minor, file_size) = layout(buf.as_bytes())?;
        buf.truncate(file_size);
        Ok(KastoreFile {
            buf: Arc::new(buf),
            items,
            version_minor,
        })
    }

    pub fn items(&self) -> &[Item] {
        &self.items
    }

    pub fn buffer(&self) -> &Arc<AlignedBytes> {
        &self.buf
    }

    /// The item named `key`, found as kastore finds it: glibc's `bsearch` over the items in
    /// file order, comparing keys bytewise (a shorter key first when one is a prefix of the
    /// other). In a well-formed file (keys sorted and distinct) that is the one item with the
    /// key; in a file with keys out of order the search can miss a key that is there, which
    /// kastore (and so tskit) then treats as absent; with a key repeated it lands on one of
    /// them. Doing the same search gives the same verdict on such files.
    pub fn get(&self, key: &str) -> Option<&Item> {
        let key = key.as_bytes();
        let (mut lo, mut hi) = (0usize, self.items.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match key.cmp(self.items[mid].raw_key.as_slice()) {
                std::cmp::Ordering::Less => hi = mid,
                std::cmp::Ordering::Greater => lo = mid + 1,
                std::cmp::Ordering::Equal => return Some(&self.items[mid]),
            }
        }
        None
    }

    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The raw bytes of an item's array.
    pub fn bytes(&self, item: &Item) -> &[u8] {
        &self.buf.as_bytes()[item.array_start..item.array_start + item.byte_len()]
    }

    /// A zero-copy view of the item as `T`, or `None` if its type is not `T`.
    pub fn column<T: Pod>(&self, item: &Item) -> Option<Column<T>> {
        if item.item_type.code() != T::KASTORE_TYPE {
            return None;
        }
        // Arrays start on 8-byte boundaries of an 8-byte-aligned buffer, inside the file.
        Column::view(&self.buf, item.array_start, item.array_len)
    }
}

/// The bytes of a plain slice, for writing.
pub fn as_bytes<T: Pod>(data: &[T]) -> &[u8] {
    // SAFETY: T is Pod (no padding, any bit pattern), so its memory is plain bytes.
    unsafe { std::slice::from_raw_parts(data.as_ptr() as *const u8, std::mem::size_of_val(data)) }
}

/// Collects items (borrowed, not copied) and writes them as one kastore file.
#[derive(Default)]
pub struct KastoreWriter<'a> {
    items: Vec<(String, ItemType, Cow<'a, [u8]>)>,
}

impl<'a> KastoreWriter<'a> {
    pub fn new() -> Self {
        KastoreWriter { items: Vec::new() }
    }

    pub fn put<T: Pod>(&mut self, key: &str, data: &'a [T]) {
        self.items.push((
            key.to_owned(),
            ItemType::of::<T>(),
            Cow::Borrowed(as_bytes(data)),
        ));
    }

    /// For arrays made while writing (e.g. offsets narrowed to u32).
    pub fn put_owned<T: Pod>(&mut self, key: &str, data: Vec<T>) {
        self.items.push((
            key.to_owned(),
            ItemType::of::<T>(),
            Cow::Owned(as_bytes(&data).to_vec()),
        ));
    }

    /// Lays out and writes the file. Keys must be distinct (the format layer guarantees it).
    pub fn finish(mut self) -> Vec<u8> {
        self.items
            .sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        debug_assert!(
            self.items.windows(2).all(|w| w[0].0 != w[1].0),
            "duplicate kastore key"
        );
        let n = self.items.len();
        let keys_start = HEADER_SIZE + n * DESCRIPTOR_SIZE;
        let mut key_starts = Vec::with_capacity(n);
        let mut offset = keys_start;
        for (key, _, _) in &self.items {
            key_starts.push(offset);
            offset += key.len();
        }
        let mut array_starts = Vec::with_capacity(n);
        for (_, _, data) in &self.items {
            offset = offset.next_multiple_of(ARRAY_ALIGN);
            array_starts.push(offset);
            offset += data.len();
        }
        let file_size = offset;
        let mut out = vec![0u8; file_size];
        out[0..8].copy_from_slice(&MAGIC);
        out[8..10].copy_from_slice(&VERSION_MAJOR.to_le_bytes());
        out[10..12].copy_from_slice(&VERSION_MINOR.to_le_bytes());
        out[12..16].copy_from_slice(&(n as u32).to_le_bytes());
        out[16..24].copy_from_slice(&(file_size as u64).to_le_bytes());
        for (j, (key, ty, data)) in self.items.iter().enumerate() {
            let d = HEADER_SIZE + j * DESCRIPTOR_SIZE;
            out[d] = ty.code();
            out[d + 8..d + 16].copy_from_slice(&(key_starts[j] as u64).to_le_bytes());
            out[d + 16..d + 24].copy_from_slice(&(key.len() as u64).to_le_bytes());
            out[d + 24..d + 32].copy_from_slice(&(array_starts[j] as u64).to_le_bytes());
            out[d + 32..d + 40].copy_from_slice(&((data.len() / ty.size()) as u64).to_le_bytes());
            out[key_starts[j]..key_starts[j] + key.len()].copy_from_slice(key.as_bytes());
            out[array_starts[j]..array_starts[j] + data.len()].copy_from_slice(data.as_ref());
        }
        out
    }
}

/// Fills `dst` from the start of `file`. On Unix the read is cut into blocks that the pool's
/// threads read at their offsets: the time of a large read is mostly the kernel's copy into
/// fresh pages and the faults that map them, which then run on every core. A file that shrank
/// meanwhile is an IO error ("failed to fill whole buffer"), as `read_exact` makes it.
fn read_all(file: &mut std::fs::File, dst: &mut [u8]) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use rayon::prelude::*;
        use std::os::unix::fs::FileExt;
        // Blocks of a few huge pages: enough per call that the system call is nothing, and
        // enough blocks for the threads to share.
        const BLOCK: usize = 8 << 20;
        if dst.len() > BLOCK && rayon::current_num_threads() > 1 {
            let file = &*file;
            return dst
                .par_chunks_mut(BLOCK)
                .enumerate()
                .try_for_each(|(i, block)| file.read_exact_at(block, (i * BLOCK) as u64));
        }
    }
    std::io::Read::read_exact(file, dst)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The blocks read at their offsets on several threads give the file's bytes, in order;
    /// a file shorter than asked is an error, as with one `read_exact`.
    #[test]
    fn parallel_read_gives_the_bytes_in_order() {
        let n = 2 * (8 << 20) + 12_345;
        let bytes: Vec<u8> = (0..n as u64)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let path = std::env::temp_dir().join(format!("treeseq-read-{}.bin", std::process::id()));
        std::fs::write(&path, &bytes).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let (read, short) = pool.install(|| {
            let mut file = std::fs::File::open(&path).unwrap();
            let mut dst = vec![0u8; n];
            read_all(&mut file, &mut dst).unwrap();
            let mut longer = vec![0u8; n + 1];
            (dst, read_all(&mut file, &mut longer))
        });
        std::fs::remove_file(&path).unwrap();
        assert!(read == bytes);
        assert!(short.is_err());
    }

    #[test]
    fn write_then_read() {
        let a = [1i32, -2, 3];
        let b = [0.5f64];
        let c = b"xyz";
        let mut w = KastoreWriter::new();
        w.put("b", &b);
        w.put("a", &a);
        w.put("c", c.as_slice());
        let bytes = w.finish();
        let f = KastoreFile::parse(&bytes).unwrap();
        assert_eq!(
            f.items().iter().map(|i| i.key.as_str()).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert_eq!(
            &bytes[HEADER_SIZE + 3 * DESCRIPTOR_SIZE..][..3],
            b"abc",
            "keys written sorted"
        );
        let col: Column<i32> = f.column(f.get("a").unwrap()).unwrap();
        assert!(col.is_view());
        assert_eq!(&*col, &a);
        assert!(f.column::<f32>(f.get("b").unwrap()).is_none());
        assert_eq!(f.bytes(f.get("c").unwrap()), b"xyz");
    }

    /// Keys are found as kastore's `bsearch` finds them over the file's order: keys out of
    /// order may still be found (or missed, then absent), a repeated key is one of its items.
    #[test]
    fn unsorted_and_repeated_keys() {
        let (a, b, c) = ([1u8], [2u8], [3u8]);
        let mut w = KastoreWriter::new();
        w.put("aa", &a);
        w.put("bb", &b);
        w.put("cc", &c);
        let mut bytes = w.finish();
        let keys = HEADER_SIZE + 3 * DESCRIPTOR_SIZE;
        // "cc", "bb", "aa" in file order: the search starts in the middle and finds "bb",
        // but goes left for "cc" (and right for "aa") and misses them.
        bytes[keys..keys + 6].copy_from_slice(b"ccbbaa");
        let f = KastoreFile::parse(&bytes).unwrap();
        assert_eq!(f.bytes(f.get("bb").unwrap()), &[2]);
        assert!(f.get("cc").is_none() && f.get("aa").is_none());
        // "aa", "aa", "cc": the middle one is found.
        bytes[keys..keys + 6].copy_from_slice(b"aaaacc");
        let f = KastoreFile::parse(&bytes).unwrap();
        assert_eq!(f.bytes(f.get("aa").unwrap()), &[2]);
        assert_eq!(f.bytes(f.get("cc").unwrap()), &[3]);
    }

    #[test]
    fn empty_and_short() {
        assert_eq!(
            KastoreFile::parse(&[]).err().unwrap().code,
            crate::ErrorCode::EndOfFile
        );
        assert_eq!(
            KastoreFile::parse(&MAGIC).err().unwrap().code,
            crate::ErrorCode::FileFormat
        );
    }
}
