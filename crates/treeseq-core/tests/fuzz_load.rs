//! Fuzzing the loader: mutations of the fixtures and of the malformed files in
//! `test/fixtures/bad`, loaded in-process. A load may refuse, but only with a typed
//! `TreeSeqError` (never INTERNAL), never panic, never hang, never ask for an allocation beyond
//! the cap; a file it loads must dump and load again, and answer a statistic without failing
//! untyped. Seeded and bounded in time: see `fuzz_common` for the environment variables.
//!
//! The mutations are those that found loader bugs before: bit flips and interesting bytes,
//! truncations, splices of two files, edits of the kastore header (item count, file size) and
//! descriptors (type, key and array offsets and lengths), and files rebuilt item by item with
//! keys duplicated, dropped, out of order, retyped, or arrays shortened, lengthened, swapped or
//! given boundary values.

mod fuzz_common;

use std::path::{Path, PathBuf};

use fuzz_common::*;
use serde_json::json;
use treeseq_core::kastore::{KastoreFile, DESCRIPTOR_SIZE, HEADER_SIZE, MAGIC};
use treeseq_core::TreeSequence;

#[global_allocator]
static ALLOC: CappedAlloc = CappedAlloc;

const TARGET: &str = "fuzz_load";

/// The seeds: every `.trees` in `test/fixtures` and `test/fixtures/bad`, and the kept
/// regressions (so that a past failure is also mutated further).
fn seeds() -> Vec<(String, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test/fixtures");
    let mut files = files_with_suffix(&root, ".trees");
    files.extend(files_with_suffix(&root.join("bad"), ".trees"));
    files.extend(files_with_suffix(&regressions_dir("load"), ".trees"));
    let seeds: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|p| (name_of(p), std::fs::read(p).expect("read a seed file")))
        .collect();
    assert!(seeds.len() > 5, "no seed files in {}", root.display());
    seeds
}

fn name_of(p: &Path) -> String {
    let parent = p.parent().and_then(|d| d.file_name()).unwrap_or_default();
    format!(
        "{}/{}",
        parent.to_string_lossy(),
        p.file_name().unwrap_or_default().to_string_lossy()
    )
}

/// Values at the edges of every integer width the format and the tables use.
const INTERESTING: &[u64] = &[
    0,
    1,
    2,
    7,
    8,
    63,
    64,
    0x7F,
    0x80,
    0xFF,
    0x7FFF,
    0xFFFF,
    0x7FFF_FFFF,
    0x8000_0000,
    0xFFFF_FFFF,
    0x1_0000_0000,
    0x1_0000_0001,
    1 << 40,
    (1 << 53) + 1,
    0x7FFF_FFFF_FFFF_FFFF,
    0x8000_0000_0000_0000,
    u64::MAX,
    u64::MAX - 7,
];

fn interesting(rng: &mut Rng, len: usize) -> u64 {
    match rng.below(4) {
        0 => (len as u64 + rng.below(3)).wrapping_sub(1),
        1 => (len as u64).wrapping_sub(rng.below(16)),
        _ => *rng.pick(INTERESTING),
    }
}

fn put_le(bytes: &mut [u8], at: usize, width: usize, v: u64) {
    if at + width <= bytes.len() {
        bytes[at..at + width].copy_from_slice(&v.to_le_bytes()[..width]);
    }
}

/// One kastore item as raw parts, so that files tskit's writer would never make (duplicate or
/// unsorted keys, wrong lengths) can be written.
#[derive(Clone)]
struct RawItem {
    key: Vec<u8>,
    type_code: u8,
    data: Vec<u8>,
    /// Number of elements written in the descriptor (normally data.len() / element size).
    declared_len: u64,
}

fn raw_items(bytes: &[u8]) -> Option<Vec<RawItem>> {
    let kf = KastoreFile::parse(bytes).ok()?;
    Some(
        kf.items()
            .iter()
            .map(|it| RawItem {
                key: it.raw_key.clone(),
                type_code: it.item_type.code(),
                data: kf.bytes(it).to_vec(),
                declared_len: it.array_len as u64,
            })
            .collect(),
    )
}

/// Writes items in the order given, as kastore lays them out (keys after the descriptors,
/// arrays aligned to 8).
fn write_raw(items: &[RawItem]) -> Vec<u8> {
    let n = items.len();
    let mut offset = HEADER_SIZE + n * DESCRIPTOR_SIZE;
    let mut key_starts = Vec::with_capacity(n);
    for it in items {
        key_starts.push(offset);
        offset += it.key.len();
    }
    let mut array_starts = Vec::with_capacity(n);
    for it in items {
        offset = offset.next_multiple_of(8);
        array_starts.push(offset);
        offset += it.data.len();
    }
    let mut out = vec![0u8; offset];
    out[0..8].copy_from_slice(&MAGIC);
    put_le(&mut out, 8, 2, 1);
    put_le(&mut out, 10, 2, 0);
    put_le(&mut out, 12, 4, n as u64);
    put_le(&mut out, 16, 8, offset as u64);
    for (j, it) in items.iter().enumerate() {
        let d = HEADER_SIZE + j * DESCRIPTOR_SIZE;
        out[d] = it.type_code;
        put_le(&mut out, d + 8, 8, key_starts[j] as u64);
        put_le(&mut out, d + 16, 8, it.key.len() as u64);
        put_le(&mut out, d + 24, 8, array_starts[j] as u64);
        put_le(&mut out, d + 32, 8, it.declared_len);
        out[key_starts[j]..key_starts[j] + it.key.len()].copy_from_slice(&it.key);
        out[array_starts[j]..array_starts[j] + it.data.len()].copy_from_slice(&it.data);
    }
    out
}

fn elem_size(code: u8) -> usize {
    match code {
        0 | 1 => 1,
        2 | 3 => 2,
        4 | 5 | 8 => 4,
        _ => 8,
    }
}

/// A mutation of a file rebuilt item by item; None when the file does not parse as kastore.
fn mutate_items(rng: &mut Rng, bytes: &[u8]) -> Option<(Vec<u8>, String)> {
    let mut items = raw_items(bytes)?;
    if items.is_empty() {
        return None;
    }
    let rounds = 1 + rng.below(3);
    let mut what = Vec::new();
    for _ in 0..rounds {
        let n = items.len();
        let j = rng.index(n);
        match rng.below(10) {
            0 => {
                let dup = items[j].clone();
                let at = rng.index(n + 1);
                what.push(format!(
                    "duplicate key {:?}",
                    String::from_utf8_lossy(&dup.key)
                ));
                items.insert(at, dup);
            }
            1 if n > 1 => {
                let k = rng.index(n);
                items.swap(j, k);
                what.push(format!("swap items {j} and {k} (key order)"));
            }
            2 if n > 1 => {
                let gone = items.remove(j);
                what.push(format!("drop key {:?}", String::from_utf8_lossy(&gone.key)));
            }
            3 => {
                let code = rng.below(12) as u8;
                let it = &mut items[j];
                it.type_code = code;
                it.declared_len = (it.data.len() / elem_size(code)) as u64;
                it.data.truncate(it.declared_len as usize * elem_size(code));
                what.push(format!("item {j} retyped to code {code}"));
            }
            4 => {
                let it = &mut items[j];
                let size = elem_size(it.type_code);
                let keep = rng.index(it.data.len() / size + 1) * size;
                it.data.truncate(keep);
                it.declared_len = (keep / size) as u64;
                what.push(format!("item {j} shortened to {} elements", keep / size));
            }
            5 => {
                let it = &mut items[j];
                let size = elem_size(it.type_code);
                let extra = size * (1 + rng.index(8));
                let fill = rng.next_u64().to_le_bytes();
                it.data.extend((0..extra).map(|i| fill[i % 8]));
                it.declared_len = (it.data.len() / size) as u64;
                what.push(format!("item {j} lengthened by {} elements", extra / size));
            }
            6 if n > 1 => {
                let k = rng.index(n);
                let (a, b) = (items[j].clone(), items[k].clone());
                items[j] = RawItem { key: a.key, ..b };
                items[k] = RawItem { key: b.key, ..a };
                what.push(format!("arrays of items {j} and {k} swapped"));
            }
            7 => {
                let it = &mut items[j];
                it.declared_len = interesting(rng, it.declared_len as usize);
                what.push(format!("item {j} declares {} elements", it.declared_len));
            }
            _ => {
                // Boundary values inside an array: ids, offsets, times, positions.
                let it = &mut items[j];
                let size = elem_size(it.type_code);
                let count = it.data.len() / size;
                if count == 0 {
                    continue;
                }
                for _ in 0..1 + rng.below(3) {
                    let e = rng.index(count);
                    let v = if it.type_code >= 8 && rng.chance(1, 2) {
                        let f = *rng.pick(&[
                            f64::NAN,
                            f64::INFINITY,
                            f64::NEG_INFINITY,
                            -0.0,
                            -1.0,
                            1e300,
                            f64::MIN_POSITIVE,
                        ]);
                        if it.type_code == 8 {
                            (f as f32).to_bits() as u64
                        } else {
                            f.to_bits()
                        }
                    } else {
                        interesting(rng, count)
                    };
                    put_le(&mut it.data, e * size, size, v);
                    what.push(format!("item {j}[{e}] = {v:#x}"));
                }
            }
        }
    }
    Some((write_raw(&items), what.join(", ")))
}

/// A mutation of the raw bytes.
fn mutate_bytes(rng: &mut Rng, bytes: &[u8], other: &[u8]) -> (Vec<u8>, String) {
    let mut b = bytes.to_vec();
    let len = b.len();
    match rng.below(7) {
        0 if len > 0 => {
            let flips = 1 + rng.below(8);
            for _ in 0..flips {
                let i = rng.index(len);
                b[i] ^= 1 << rng.below(8);
            }
            (b, format!("{flips} bit flips"))
        }
        1 if len > 0 => {
            let i = rng.index(len);
            let width = *rng.pick(&[1usize, 2, 4, 8]);
            let v = interesting(rng, len);
            put_le(&mut b, i, width, v);
            (b, format!("{width} bytes at {i} = {v:#x}"))
        }
        2 => {
            let keep = if rng.chance(1, 2) {
                rng.index(len.min(HEADER_SIZE + 4 * DESCRIPTOR_SIZE) + 1)
            } else {
                rng.index(len + 1)
            };
            b.truncate(keep);
            (b, format!("truncated to {keep} bytes"))
        }
        3 => {
            let cut = rng.index(len + 1);
            let from = rng.index(other.len() + 1);
            b.truncate(cut);
            b.extend_from_slice(&other[from..]);
            (
                b,
                format!("splice: first {cut} bytes + another file from {from}"),
            )
        }
        4 => {
            // Header: item count (u32 at 12) or file size (u64 at 16), or the version.
            let (at, width, name) = *rng.pick(&[
                (12usize, 4usize, "num_items"),
                (16, 8, "file_size"),
                (8, 2, "major version"),
                (10, 2, "minor version"),
            ]);
            let v = interesting(rng, len);
            put_le(&mut b, at, width, v);
            (b, format!("header {name} = {v:#x}"))
        }
        _ => {
            // A descriptor field: type (u8 at 0), key start/len, array start/len (u64s).
            let num_items = if len >= 16 {
                u32::from_le_bytes([b[12], b[13], b[14], b[15]]) as usize
            } else {
                0
            };
            let j = rng.index(num_items.clamp(1, 64));
            let (off, width, name) = *rng.pick(&[
                (0usize, 1usize, "type"),
                (8, 8, "key_start"),
                (16, 8, "key_len"),
                (24, 8, "array_start"),
                (32, 8, "array_len"),
            ]);
            let at = HEADER_SIZE + j * DESCRIPTOR_SIZE + off;
            let v = if rng.chance(1, 3) && at + 8 <= len {
                // Nudge the present value: off by a little is the commonest real damage.
                let cur = u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"));
                cur.wrapping_add(rng.below(17)).wrapping_sub(8)
            } else {
                interesting(rng, len)
            };
            put_le(&mut b, at, width, v);
            (b, format!("descriptor {j} {name} = {v:#x}"))
        }
    }
}

/// Loads `bytes` and checks the loader's contract; Err says what went wrong.
fn check_load(bytes: Vec<u8>) -> Result<(), Bad> {
    run_case(case_timeout(), move || -> Result<(), Bad> {
        let ts = match TreeSequence::load(&bytes) {
            Err(e) => return check_error(&e),
            Ok(ts) => ts,
        };
        // A file that loads is whole: it dumps and loads back, and a statistic runs.
        let again = ts.dump();
        if let Err(e) = TreeSequence::load(&again) {
            return Err(Bad::Wrong(format!(
                "loaded, but its dump does not load: {e}"
            )));
        }
        for mode in ["site", "branch"] {
            if let Err(e) = treeseq_core::stats::compute(&ts, "diversity", &json!({ "mode": mode }))
            {
                check_error(&e)?;
            }
        }
        Ok(())
    })
    .and_then(|r| r)
}

#[test]
fn fuzz_loader() {
    in_own_process("fuzz_loader", || {
        let seeds = seeds();
        let failures = failure_dir(TARGET);
        fuzz_loop(TARGET, 0.4, |rng, case| {
            let (name, base) = rng.pick(&seeds).clone();
            let other = &rng.pick(&seeds).1.clone();
            let (bytes, what) = if rng.chance(1, 2) {
                mutate_items(rng, &base).unwrap_or_else(|| mutate_bytes(rng, &base, other))
            } else {
                mutate_bytes(rng, &base, other)
            };
            let what = format!("{name}: {what}");
            let seed = seed();
            let path = failures.join(format!("{seed}-{case}.trees"));
            announce(
                format!("{TARGET} seed {seed} case {case}: {what}"),
                path.clone(),
                bytes.clone(),
            );
            match check_load(bytes.clone()) {
                Ok(()) => None,
                Err(bad) => Some(report_failure(
                    TARGET, seed, case, &what, &bad, &path, &bytes, "load",
                )),
            }
        });
    });
}

/// Every kept failure, replayed: `tests/fuzz-regressions/load/*.trees`.
#[test]
fn fuzz_load_regressions() {
    in_own_process("fuzz_load_regressions", || {
        let files = files_with_suffix(&regressions_dir("load"), ".trees");
        let mut failed = Vec::new();
        for p in &files {
            let bytes = std::fs::read(p).expect("read a regression file");
            let saved = failure_dir(TARGET).join(p.file_name().expect("a file"));
            announce(format!("regression {}", p.display()), saved, bytes.clone());
            if let Err(bad) = check_load(bytes) {
                failed.push(format!("{}: {bad}", p.display()));
            }
        }
        assert!(
            failed.is_empty(),
            "regressions fail:\n{}",
            failed.join("\n")
        );
    });
}
