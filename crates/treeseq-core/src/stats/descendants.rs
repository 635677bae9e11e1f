//! Per-node statistics of reference sets: tskit's `mean_descendants` and
//! `genealogical_nearest_neighbours`.
//!
//! What it is for:
//! - `mean_descendants(sample_sets)`: for every node u and set k, the genome-averaged number
//!   of members of set k at or below u, averaged over the part of the genome where u has any
//!   member of any set at or below it (0 where it never has). Shape `[num_nodes, num_sets]`.
//!   Sets may hold any nodes, may overlap, and may be empty (tskit allows all three; a node
//!   in two sets counts once towards "any").
//! - `genealogical_nearest_neighbours(focal, sample_sets)`: for every focal node, per tree,
//!   the nearest ancestor with a member of the reference sets below it other than the focal
//!   node itself, and the fractions of those members in each set, averaged over the genome
//!   weighted by tree span (over the trees where such an ancestor exists). Shape
//!   `[num_focal, num_sets]`. Reference sets must not share a node (tskit: "Duplicate
//!   sample value").
//!
//! What it is not: windowed (tskit has no windows for these), nor a general statistic. The
//! tree walk is `crate::walk`'s `TreeState` (per-node counts of each set), on `chunks.rs`'s
//! chunks: the genome is cut into chunks at tree boundaries, each chunk a rayon task, chunk
//! results added in chunk order, so results are the same bit for bit on any
//! number of threads. Where the chunks are fewer than the threads, the reference sets are also
//! cut into blocks, each walked as its own task with the column of "any set" beside it
//! (`set_blocks`): a set's column is summed alone, from the same counts and the same "any", so
//! the blocks change no bit either.
//!
//! Arguments are node ids rather than samples, which the `args` helpers (built for sample
//! sets) refuse; `node_lists` reads them, in the same style (a message naming the element,
//! code `BAD_SAMPLE_SETS`, or `BAD_PARAM` for `focal`).

use std::ops::Range;

use rayon::prelude::*;
use serde_json::Value;

use super::args::{ArrayRef, Arrays, Kwargs, Options};
use super::chunks::{plan_chunks, Chunk, Cost, MAX_CHUNKS};
use super::pairs::TableView;
use super::registry::Method;
use super::StatOutput;
use crate::bail;
use crate::error::{ErrorCode, Result, TreeSeqError};
use crate::treeseq::TreeSequence;
use crate::walk::tree_state::TreeState;

/// tskit's `ts.mean_descendants(sample_sets)`.
pub fn mean_descendants(
    ts: &TreeSequence,
    row: &Method,
    kwargs: &Value,
    arrays: Arrays,
) -> Result<StatOutput> {
    let method = row.tskit;
    let kw = Kwargs::with_arrays(method, kwargs, arrays)?;
    let sets = node_lists(ts, method, kw.get("sample_sets"), arrays)?;
    let n = ts.num_nodes();
    Ok(StatOutput {
        data: mean_descendants_of(ts, method, &sets, None)?,
        shape: vec![n, sets.len()],
    })
}

/// mean_descendants of `sets` (rows of nodes), in `blocks` blocks of sets if given.
fn mean_descendants_of(
    ts: &TreeSequence,
    method: &str,
    sets: &[Vec<i32>],
    blocks: Option<usize>,
) -> Result<Vec<f64>> {
    let walk = SetWalk::new(ts, sets.len(), blocks);
    let n = ts.num_nodes();
    // Each chunk's partial is as large as the node table: keep a few alive at a time, shared
    // among the blocks that run together.
    let wave = crate::parallel::plan_threads()
        .div_ceil(walk.blocks.len())
        .max(1);
    check_memory(method, n, walk.k, n, &walk.blocks, wave)?;
    let init = initial_counts(n, sets, None);
    Ok(walk.run(&init, n, wave, |g, init, kb, _, c| {
        descendants_chunk(g, init, kb, c)
    }))
}

/// The walk both statistics make: the genome's chunks (fixed by the data) and the blocks of
/// the `k - 1` sets.
struct SetWalk<'a> {
    g: TableView<'a>,
    chunks: Vec<Chunk>,
    blocks: Vec<Range<usize>>,
    k: usize,
}

impl<'a> SetWalk<'a> {
    fn new(ts: &'a TreeSequence, s: usize, forced_blocks: Option<usize>) -> Self {
        let g = TableView::new(ts);
        let chunks = plan_chunks(&g, &[0.0, ts.sequence_length()], Cost::PathWalk, None);
        let blocks = set_blocks(s, chunks.len(), forced_blocks);
        SetWalk {
            g,
            chunks,
            blocks,
            k: s + 1,
        }
    }

    /// Runs `chunk(g, block's counts, their width, block's sets, chunk)` for every block and
    /// chunk, `wave` chunks of a block at a time, each giving `rows` rows of its block's sums
    /// and one length a row; returns the sums of all sets, each row divided by its length.
    fn run(
        &self,
        init: &[f64],
        rows: usize,
        wave: usize,
        chunk: impl Fn(&TableView, &[f64], usize, &Range<usize>, &Chunk) -> (Vec<f64>, Vec<f64>) + Sync,
    ) -> Vec<f64> {
        let parts: Vec<(Vec<f64>, Vec<f64>)> = self
            .blocks
            .par_iter()
            .map(|cols| {
                let init = block_counts(init, self.k, cols);
                let kb = cols.len() + 1;
                sum_chunks(&self.chunks, wave, (rows * cols.len(), rows), |c| {
                    chunk(&self.g, &init, kb, cols, c)
                })
            })
            .collect();
        let s = self.k - 1;
        let (mut sums, lengths) = join_blocks(parts, &self.blocks, rows, s);
        divide_rows(&mut sums, &lengths, s);
        sums
    }
}

/// Initial counts, `n` rows of the sets' columns and "any": 1 for each set a node is in, and
/// 1 in the last column if it is in any. With `set_of`, each node's set is noted there too.
fn initial_counts(n: usize, sets: &[Vec<i32>], mut set_of: Option<&mut [i32]>) -> Vec<f64> {
    let s = sets.len();
    let k = s + 1;
    let mut init = vec![0.0; n * k];
    for (j, set) in sets.iter().enumerate() {
        for &u in set {
            init[u as usize * k + j] = 1.0;
            init[u as usize * k + s] = 1.0;
            if let Some(set_of) = set_of.as_deref_mut() {
                set_of[u as usize] = j as i32;
            }
        }
    }
    init
}

/// How the reference sets are cut for tasks: one block when the genome's chunks already give
/// every thread work, else enough blocks (at most one a set) for chunks × blocks to; `forced`
/// (tests) sets the count. Consecutive sets, as equal as they divide.
fn set_blocks(s: usize, chunks: usize, forced: Option<usize>) -> Vec<Range<usize>> {
    let threads = crate::parallel::plan_threads();
    let want = forced.unwrap_or(if chunks >= threads {
        1
    } else {
        threads.div_ceil(chunks.max(1))
    });
    let b = want.clamp(1, s.max(1));
    (0..b).map(|i| i * s / b..(i + 1) * s / b).collect()
}

/// A block's initial counts: its sets' columns of `init` (rows of `k`) and the last, "any"
/// (over every set, so that a block's walk sees the same coverage as the whole). The whole
/// is borrowed as it is.
fn block_counts<'a>(init: &'a [f64], k: usize, cols: &Range<usize>) -> std::borrow::Cow<'a, [f64]> {
    if cols.len() + 1 == k {
        return std::borrow::Cow::Borrowed(init);
    }
    let kb = cols.len() + 1;
    let mut out = Vec::with_capacity(init.len() / k * kb);
    for row in init.chunks_exact(k) {
        out.extend_from_slice(&row[cols.clone()]);
        out.push(row[k - 1]);
    }
    std::borrow::Cow::Owned(out)
}

/// The blocks' results side by side: `rows` rows of `s` values from each block's rows of its
/// own width, and the per-row lengths, which every block computes alike from "any" (the
/// first block's are taken).
fn join_blocks(
    parts: Vec<(Vec<f64>, Vec<f64>)>,
    blocks: &[Range<usize>],
    rows: usize,
    s: usize,
) -> (Vec<f64>, Vec<f64>) {
    if parts.len() == 1 {
        return parts.into_iter().next().expect("one block");
    }
    let mut out = vec![0.0; rows * s];
    for (cols, (part, _)) in blocks.iter().zip(&parts) {
        let w = cols.len();
        for (i, row) in part.chunks_exact(w.max(1)).enumerate().take(rows) {
            out[i * s + cols.start..i * s + cols.end].copy_from_slice(&row[..w]);
        }
    }
    let lengths = parts.into_iter().next().expect("a block").1;
    (out, lengths)
}

/// One chunk of mean_descendants: per node, the sum of span x count per set, and the span
/// where its total count is positive. A node's counts are constant between the positions
/// where an edge on its path to the root changes, so its span is added lazily, then and at
/// the chunk's end.
fn descendants_chunk(g: &TableView, init: &[f64], k: usize, chunk: &Chunk) -> (Vec<f64>, Vec<f64>) {
    let n = g.num_nodes;
    let s = k - 1;
    let mut st = TreeState::from_own(g, &chunk.alive(), chunk.start, init.to_vec(), k);
    let mut sums = vec![0.0; n * s];
    let mut covered = vec![0.0; n];
    let mut last = vec![chunk.start; n];
    let flush = |sums: &mut [f64],
                 covered: &mut [f64],
                 last: &mut [f64],
                 row: &[f64],
                 u: usize,
                 pos: f64| {
        if row[s] > 0.0 {
            let len = pos - last[u];
            covered[u] += len;
            for (a, &c) in sums[u * s..(u + 1) * s].iter_mut().zip(row) {
                *a += len * c;
            }
        }
        last[u] = pos;
    };
    loop {
        let right = st.tree_right(chunk.end);
        if right >= chunk.end {
            break;
        }
        st.advance_ancestors(right, |v, _, row| {
            if last[v] != right {
                flush(&mut sums, &mut covered, &mut last, row, v, right);
            }
        });
    }
    for u in 0..n {
        flush(&mut sums, &mut covered, &mut last, st.row(u), u, chunk.end);
    }
    (sums, covered)
}

/// tskit's `ts.genealogical_nearest_neighbours(focal, sample_sets)` (`num_threads` is
/// accepted and ignored: the rayon pool decides).
pub fn genealogical_nearest_neighbours(
    ts: &TreeSequence,
    row: &Method,
    kwargs: &Value,
    arrays: Arrays,
) -> Result<StatOutput> {
    let method = row.tskit;
    let kw = Kwargs::with_arrays(method, kwargs, arrays)?;
    Options::check_num_threads(method, &kw)?;
    let Some(focal_value) = kw.get("focal") else {
        bail!(
            BadParam,
            "{method}: missing required argument focal (a list of node ids)"
        );
    };
    let focal = node_list(
        ts,
        method,
        "focal",
        focal_value,
        arrays,
        ErrorCode::BadParam,
    )?;
    let sets = node_lists(ts, method, kw.get("sample_sets"), arrays)?;
    let n = ts.num_nodes();
    let mut seen = vec![-1i32; n];
    for (j, set) in sets.iter().enumerate() {
        for (i, &u) in set.iter().enumerate() {
            if seen[u as usize] >= 0 {
                bail!(
                    BadSampleSets,
                    "{method}: node {u} (sample_sets[{j}][{i}]) is already in sample_sets[{}]: duplicate sample value (reference sets must not share nodes)",
                    seen[u as usize]
                );
            }
            seen[u as usize] = j as i32;
        }
    }
    Ok(StatOutput {
        data: gnn_of(ts, method, &focal, &sets, None)?,
        shape: vec![focal.len(), sets.len()],
    })
}

/// GNN of `focal` against `sets` (which share no node), in `blocks` blocks of sets if given.
fn gnn_of(
    ts: &TreeSequence,
    method: &str,
    focal: &[i32],
    sets: &[Vec<i32>],
    blocks: Option<usize>,
) -> Result<Vec<f64>> {
    let walk = SetWalk::new(ts, sets.len(), blocks);
    let n = ts.num_nodes();
    // Every chunk's partial (focal × a block's sets) is alive at once.
    check_memory(method, n, walk.k, focal.len(), &walk.blocks, MAX_CHUNKS)?;
    let mut set_of = vec![-1i32; n];
    let init = initial_counts(n, sets, Some(&mut set_of));
    // Partials are per focal node, small: all chunks run at once.
    let wave = walk.chunks.len().max(1);
    Ok(walk.run(&init, focal.len(), wave, |g, init, kb, cols, c| {
        gnn_chunk(g, init, kb, cols, &set_of, focal, c)
    }))
}

/// One chunk of GNN: per tree, per focal node u, the nearest node at or above u whose count
/// of reference nodes (excluding u itself) is positive adds its per-set fractions times the
/// tree's span. `init` holds the sets `cols` of a block and "any" (k columns in all); `set_of`
/// numbers the sets as a whole.
fn gnn_chunk(
    g: &TableView,
    init: &[f64],
    k: usize,
    cols: &Range<usize>,
    set_of: &[i32],
    focal: &[i32],
    chunk: &Chunk,
) -> (Vec<f64>, Vec<f64>) {
    let s = k - 1;
    let mut st = TreeState::from_own(g, &chunk.alive(), chunk.start, init.to_vec(), k);
    let mut result = vec![0.0; focal.len() * s];
    let mut length = vec![0.0; focal.len()];
    let mut left = chunk.start;
    loop {
        let right = st.tree_right(chunk.end);
        let span = right - left;
        for (j, &u) in focal.iter().enumerate() {
            let own = set_of[u as usize];
            let minus = (own >= 0) as u8 as f64;
            let mut p = u;
            while p >= 0 && st.row(p as usize)[s] <= minus {
                p = st.parent[p as usize];
            }
            if p >= 0 {
                let row = st.row(p as usize);
                let scale = span / (row[s] - minus);
                length[j] += span;
                for (a, &c) in result[j * s..(j + 1) * s].iter_mut().zip(row) {
                    *a += c * scale;
                }
                if own >= 0 && cols.contains(&(own as usize)) {
                    // u itself is not its own neighbour.
                    result[j * s + own as usize - cols.start] -= scale;
                }
            }
        }
        if right >= chunk.end {
            break;
        }
        st.advance(right, |_, _, _| {});
        left = right;
    }
    (result, length)
}

/// Refuses (`OUTPUT_TOO_LARGE`) before anything is allocated when the buffers exceed the
/// memory ceiling: the initial counts (nodes × (sets + 1)) and, cut in blocks, each block's
/// copy of its columns and "any"; the output (`rows` × sets, rows being nodes or focal
/// nodes), each block's result beside it when there are several, and `alive` partials of
/// each block at once; and each thread's per-node counts.
fn check_memory(
    method: &str,
    n: usize,
    k: usize,
    rows: usize,
    blocks: &[Range<usize>],
    alive: usize,
) -> Result<()> {
    use crate::memory::{product, Need};
    let (n, k, rows) = (n as u64, k as u64, rows as u64);
    let b = blocks.len() as u64;
    let cut = b > 1;
    // Every block's columns and its own "any" and span: the sets' columns and b more.
    let blocked = k - 1 + b;
    let widest = blocks.iter().map(|c| c.len() as u64 + 1).max().unwrap_or(k);
    let threads = rayon::current_num_threads().max(1) as u64;
    // A row: the sets' sums and one span.
    Need::new()
        .values::<f64>(
            format!("initial counts ({n} nodes × {k} columns)"),
            product([n, k]),
        )
        .values::<f64>(
            format!("the blocks' initial counts ({b} blocks of sets)"),
            if cut { product([n, blocked]) } else { Some(0) },
        )
        .values_each::<f64>(
            format!("the output and the blocks' results ({rows} rows × {k} values)"),
            product([rows, k]),
            1 + cut as u64,
        )
        .values_each::<f64>(
            format!("{alive} partials of each of {b} blocks ({rows} rows × {widest} values each)"),
            product([rows, widest]),
            (alive as u64).saturating_mul(b),
        )
        .values_each::<f64>(
            format!(
                "per-thread buffers ({threads} threads × {n} nodes × {} values)",
                widest + 3
            ),
            product([n, widest + 3]),
            threads,
        )
        .check(method)
}

/// A node id from JSON: an integer, or an integral float (as numpy arrays may serialise),
/// at full width (see `args.rs`); None when it is not a number.
fn node_id(what: impl FnOnce() -> String, v: &Value) -> Result<Option<i64>> {
    match v {
        Value::Number(_) => crate::args::json_integer(&what(), v),
        _ => Ok(None),
    }
}

/// A flat list of node ids (JSON, or a placeholder for the arrays beside it), each checked
/// to be a node of `ts` (`what` names the argument, `code` is the error code for it).
fn node_list(
    ts: &TreeSequence,
    method: &str,
    what: &str,
    v: &Value,
    arrays: Arrays,
    code: ErrorCode,
) -> Result<Vec<i32>> {
    let fail = |message: String| TreeSeqError::new(code, message);
    let num_nodes = ts.num_nodes() as i64;
    let in_range = |i: usize, u: i64| {
        if (0..num_nodes).contains(&u) {
            Ok(u as i32)
        } else {
            Err(fail(format!("{method}: node {u} in {what}[{i}] is out of bounds (the tree sequence has {num_nodes} nodes)")))
        }
    };
    match arrays.resolve(method, v)? {
        Some(ArrayRef::I32(ids)) => {
            return ids
                .iter()
                .enumerate()
                .map(|(i, &u)| in_range(i, u as i64))
                .collect()
        }
        Some(ArrayRef::F64(_)) => {
            return Err(fail(format!(
                "{method}: {what} must be a list of node ids, got floating-point numbers"
            )))
        }
        None => {}
    }
    let Value::Array(items) = v else {
        return Err(fail(format!("{method}: {what} must be a list of node ids")));
    };
    items
        .iter()
        .enumerate()
        .map(
            |(i, x)| match node_id(|| format!("{method}: {what}[{i}]"), x)? {
                Some(u) => in_range(i, u),
                None => Err(fail(format!(
                    "{method}: {what}[{i}] must be an integer node id"
                ))),
            },
        )
        .collect()
}

/// `sample_sets` for these methods: a non-empty list of lists of node ids (any nodes, not
/// only samples; a list may be empty). Each list is JSON or a placeholder.
fn node_lists(
    ts: &TreeSequence,
    method: &str,
    v: Option<&Value>,
    arrays: Arrays,
) -> Result<Vec<Vec<i32>>> {
    let Some(v) = v else {
        bail!(
            BadSampleSets,
            "{method}: missing required argument sample_sets (a list of lists of node ids)"
        );
    };
    // One flat list of ids passed as an array is a list of numbers, not of lists.
    let flat_len = match arrays.resolve(method, v)? {
        Some(ArrayRef::I32(ids)) => Some(ids.len()),
        Some(ArrayRef::F64(xs)) => Some(xs.len()),
        None => None,
    };
    let items: &[Value] = match (flat_len, v) {
        (Some(0), _) => &[],
        (Some(_), _) => bail!(
            BadSampleSets,
            "{method}: sample_sets must be a list of lists of node ids (element 0 is not a list)"
        ),
        (None, Value::Array(items)) => items,
        (None, _) => bail!(
            BadSampleSets,
            "{method}: sample_sets must be a list of lists of node ids"
        ),
    };
    if items.is_empty() {
        bail!(BadSampleSets, "{method}: must have at least one sample set");
    }
    items
        .iter()
        .enumerate()
        .map(|(j, item)| {
            if !arrays.is_list(item) {
                bail!(BadSampleSets, "{method}: sample_sets must be a list of lists of node ids (element {j} is not a list)");
            }
            node_list(
                ts,
                method,
                &format!("sample_sets[{j}]"),
                item,
                arrays,
                ErrorCode::BadSampleSets,
            )
        })
        .collect()
}

/// Adds a chunk's partial sums into the totals (callers add chunks in chunk order).
/// Runs `chunk` on every chunk, `wave` at a time in parallel, and adds the two partials each
/// returns (of lengths `lens`) in chunk order, whatever the wave size, so that the result is
/// the same bits on any number of threads.
fn sum_chunks(
    chunks: &[Chunk],
    wave: usize,
    lens: (usize, usize),
    chunk: impl Fn(&Chunk) -> (Vec<f64>, Vec<f64>) + Sync,
) -> (Vec<f64>, Vec<f64>) {
    let (mut a, mut b) = (vec![0.0; lens.0], vec![0.0; lens.1]);
    for batch in chunks.chunks(wave) {
        let partials: Vec<(Vec<f64>, Vec<f64>)> = batch
            .par_iter()
            .map(|c| crate::parallel::timed_task(|| chunk(c)))
            .collect();
        for (pa, pb) in &partials {
            add_into(&mut a, pa);
            add_into(&mut b, pb);
        }
    }
    (a, b)
}

fn add_into(total: &mut [f64], part: &[f64]) {
    for (a, b) in total.iter_mut().zip(part) {
        *a += b;
    }
}

/// Divides row i of `sums` (rows of `width`) by `lengths[i]` where that is positive: sums
/// over the genome become means over the span each node or focal node was counted.
fn divide_rows(sums: &mut [f64], lengths: &[f64], width: usize) {
    for (i, &len) in lengths.iter().enumerate() {
        if len > 0.0 {
            sums[i * width..(i + 1) * width]
                .iter_mut()
                .for_each(|v| *v /= len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{fixture, same_bits, splits, FIXTURES};

    /// Blocks of sets, forced or planned for any thread count, change no bit of either
    /// statistic, on every fixture: sets of samples, one set of internal nodes, one empty.
    #[test]
    fn set_blocks_change_no_bit() {
        for name in FIXTURES {
            let ts = fixture(name);
            let mut sets = splits(&ts, 5);
            let internal: Vec<i32> = (0..ts.num_nodes() as i32)
                .filter(|u| !ts.samples.contains(u))
                .step_by(3)
                .collect();
            sets.push(internal);
            sets.push(Vec::new());
            let focal: Vec<i32> = ts.samples.iter().copied().step_by(2).collect();
            let md = |b| mean_descendants_of(&ts, "mean_descendants", &sets, b).unwrap();
            let gnn = |b| gnn_of(&ts, "gnn", &focal, &sets, b).unwrap();
            let (md1, gnn1) = (md(Some(1)), gnn(Some(1)));
            assert!(md1.iter().any(|&x| x > 0.0) && gnn1.iter().any(|&x| x > 0.0));
            for blocks in [2, 3, 7, 64] {
                assert!(
                    same_bits(&md(Some(blocks)), &md1),
                    "{name}: {blocks} blocks"
                );
                assert!(
                    same_bits(&gnn(Some(blocks)), &gnn1),
                    "{name}: {blocks} blocks"
                );
            }
            for threads in [1, 2, 3, 16, 64] {
                let (m, g) = crate::parallel::with_plan_threads(threads, || (md(None), gnn(None)));
                assert!(same_bits(&m, &md1), "{name}: planned for {threads} threads");
                assert!(
                    same_bits(&g, &gnn1),
                    "{name}: planned for {threads} threads"
                );
            }
        }
    }
}
