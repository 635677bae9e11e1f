//! Branch-mode allele frequency spectrum, accumulated exactly as tskit 1.0.3 accumulates it.
//!
//! What it is for: every `allele_frequency_spectrum(mode="branch")`, with or without
//! `time_windows`, giving tskit's numbers on every tree sequence, including those where
//! tskit's numbers are not the plain "sum over trees of branch length times span" (see
//! below). Output is row-major `[window][time window][cell of the (joint) spectrum]` (one
//! time window, `[0, inf)`, when none are given), span-normalised on request; the caller
//! (`mod.rs`) parses the arguments (`args/`) and gives the shape.
//!
//! Time windows split each branch, not the accumulation: a flush credits `(x - last_update)`
//! times the part of the branch inside each time window to that time window's spectrum, as
//! tskit does, so the time windows of one spectrum add up to the spectrum without them
//! (`[0, inf]` gives it exactly, bit for bit) and both carry tskit's re-attachment credit.
//!
//! What it is not: the site-mode spectrum (in `engine/`), or a general statistic.
//!
//! # Why it copies tskit's accumulation on purpose
//!
//! tskit's `tsk_treeseq_branch_allele_frequency_spectrum` keeps, per node, its parent, its
//! branch length, the time (position) it was last "flushed", and its sample counts (one
//! column per sample set, plus a last column counting all samples). A flush of node `u` at
//! position `x` adds `(x - last_update[u]) * branch_length[u]` to the spectrum cell of `u`'s
//! current counts (folded when unpolarised; only if `0 < all samples below u < num_samples`)
//! and sets `last_update[u] = x`. At each tree boundary it flushes the child of every removed
//! edge and every ancestor it walks through, but when it *inserts* an edge it sets the
//! child's new branch length **without flushing the child first**. So a node that had no
//! parent for a while (across an empty stretch of the genome, or any node whose edge is
//! removed at `x` and re-inserted at `y > x` with nothing below it changing at `y`) is
//! credited its new branch length back to its previous flush, as if it had been in the tree
//! all along. On `ancient_gaps.trees` (ancient samples and two stretches without edges) that
//! makes tskit's spectrum differ from the sum over trees by up to 6%, except with
//! `windows="trees"`, where every window boundary flushes every node.
//!
//! tskit's values are this project's ground truth, so this module reproduces that
//! accumulation step by step: removals in `edge_removal_order` (flush the child, then flush
//! each ancestor before taking the child's counts out of it), insertions in
//! `edge_insertion_order` (set parent and branch length, then flush each ancestor before
//! adding the child's counts), and at every window end a flush of every node. On tree
//! sequences where no node is re-attached without a flush (e.g. msprime output with all
//! samples at time 0 and no gaps) this equals the sum over trees; the tests check both.
//!
//! Unpolarised spectra put the whole of each flush into the folded cell (tskit's `fold`), as
//! the C code does: the branch-mode spectrum has no factor one half (the site-mode spectrum
//! counts each of a site's alleles with weight one half instead).
//!
//! # Parallelism
//!
//! Every window end flushes every node, so windows are independent: the state at a window's
//! left end is the tree covering it, with `last_update = left` for every node, whatever
//! happened before. Windows are grouped into chunks of consecutive whole windows (how many
//! and where depends only on the data and the windows, never on the thread count); each
//! chunk seeks to its first window's left end (parents, branch lengths and counts from the
//! edges covering it) and then proceeds as tskit does. Chunks write disjoint rows of the
//! result, so the result is bit-for-bit the same on any number of threads, and in fact for
//! any chunking. Windows need not start at 0 or end at the sequence length (our extension):
//! the first chunk seeks to the first window's left end and the last stops at the last
//! window's right end. One window is one chunk, run sequentially.

use rayon::prelude::*;

use super::chunks::{self, plan_chunks, Chunk, Cost, MAX_CHUNKS};
use super::engine::branch_in_time_windows;
use super::summaries::AfsSummary;
use crate::error::Result;
use crate::treeseq::TreeSequence;
use crate::walk::table_view::TableView;

/// tskit's branch-mode allele frequency spectrum of `sets` over `windows` (strictly
/// increasing inside `[0, L]`, as `args::parse_windows` checks) and `time_windows` (as
/// `args::parse_time_windows` checks; None is one time window `[0, inf)`): one spectrum of
/// `prod(n_k + 1)` cells per window and time window, row-major, divided by the window span
/// when `span_normalise`.
pub fn run(
    ts: &TreeSequence,
    sets: &[Vec<i32>],
    windows: &[f64],
    time_windows: Option<&[f64]>,
    polarised: bool,
    span_normalise: bool,
) -> Result<Vec<f64>> {
    run_with_chunks(
        ts,
        sets,
        windows,
        time_windows,
        polarised,
        span_normalise,
        None,
    )
}

/// As [`run`], with the number of chunks of windows forced (clamped to `1..=windows`); the
/// tests use it to show that chunking changes nothing, not even the last bit.
pub fn run_with_chunks(
    ts: &TreeSequence,
    sets: &[Vec<i32>],
    windows: &[f64],
    time_windows: Option<&[f64]>,
    polarised: bool,
    span_normalise: bool,
    chunks: Option<usize>,
) -> Result<Vec<f64>> {
    check_memory(ts, sets, windows.len() - 1)?;
    let sizes: Vec<usize> = sets.iter().map(Vec::len).collect();
    let afs = AfsSummary::new(&sizes, ts.num_samples(), polarised);
    let nt = time_windows.map_or(1, |t| t.len() - 1);
    // One row of the result: a window's spectra, one per time window.
    let size = afs.size() * nt;
    let d = Data::new(ts, sets, time_windows);
    let plan = plan_chunks(&d, windows, Cost::Windows, chunks);

    // Each chunk writes its own rows of the result in place.
    let mut result = crate::memory::try_vec(
        "the allele frequency spectrum",
        (windows.len() - 1) * size,
        0.0,
    )?;
    let mut rows: Vec<&mut [f64]> = Vec::with_capacity(plan.len());
    let mut rest = &mut result[..];
    for c in &plan {
        let (mine, tail) = rest.split_at_mut((c.w_last + 1 - c.w_first) * size);
        rows.push(mine);
        rest = tail;
    }
    plan.par_iter()
        .zip(rows)
        .for_each(|(c, out)| run_chunk(&d, &afs, windows, c, out));
    if span_normalise {
        chunks::span_normalise(&mut result, windows, size);
    }
    Ok(result)
}

/// Refuses (`OUTPUT_TOO_LARGE`) before anything is allocated when the spectra (`prod(n_k + 1)`
/// cells per window, checked: 60 sets of 6 overflow any integer) and the working memory (the
/// initial counts, and per chunk running at once its counts and four per-node arrays) exceed
/// the memory ceiling.
fn check_memory(ts: &TreeSequence, sets: &[Vec<i32>], num_windows: usize) -> Result<()> {
    use crate::memory::{dims, product, Need};
    let cells: Vec<u64> = sets.iter().map(|s| s.len() as u64 + 1).collect();
    let n = ts.num_nodes() as u64;
    let k = sets.len() as u64 + 1;
    let threads = rayon::current_num_threads().clamp(1, MAX_CHUNKS.min(num_windows)) as u64;
    Need::new()
        .values::<f64>(
            format!("the spectra ({num_windows} windows × {})", dims(&cells)),
            product(cells.iter().copied().chain([num_windows as u64])),
        )
        .values::<f64>(
            format!("initial counts ({n} nodes × {k} columns)"),
            product([n, k]),
        )
        .values_each::<f64>(
            format!(
                "per-thread buffers ({threads} threads × {n} nodes × {} values)",
                k + 4
            ),
            product([n, k + 4]),
            threads,
        )
        .check("allele_frequency_spectrum")
}

/// What every chunk reads: the tables (a [`TableView`], which `Data` derefs to) and the counts
/// every node starts with.
struct Data<'a> {
    g: TableView<'a>,
    sequence_length: f64,
    /// Count columns: one per sample set, then all samples.
    k: usize,
    /// The counts of every node before any edge: row u has 1 in column j when u is in set j,
    /// and 1 in the last column when u is a sample.
    initial_counts: Vec<f64>,
    /// Time windows (None: one, `[0, inf)`).
    time_windows: Option<&'a [f64]>,
    /// Number of time windows.
    nt: usize,
}

impl<'a> std::ops::Deref for Data<'a> {
    type Target = TableView<'a>;
    fn deref(&self) -> &TableView<'a> {
        &self.g
    }
}

impl<'a> Data<'a> {
    fn new(ts: &'a TreeSequence, sets: &[Vec<i32>], time_windows: Option<&'a [f64]>) -> Self {
        let n = ts.num_nodes();
        let k = sets.len() + 1;
        let mut initial_counts = vec![0.0; n * k];
        for (j, set) in sets.iter().enumerate() {
            for &u in set {
                initial_counts[u as usize * k + j] = 1.0;
            }
        }
        for &u in &ts.samples {
            initial_counts[u as usize * k + k - 1] = 1.0;
        }
        Data {
            g: TableView::new(ts),
            sequence_length: ts.sequence_length(),
            k,
            initial_counts,
            time_windows,
            nt: time_windows.map_or(1, |t| t.len() - 1),
        }
    }
}

/// tskit's per-node state, and the spectra of the chunk's windows.
struct State<'a> {
    d: &'a Data<'a>,
    afs: &'a AfsSummary,
    size: usize,
    parent: Vec<i32>,
    /// Row u: the length of u's branch in each time window (`d.nt` columns), all zero when
    /// u has no parent.
    branch_length: Vec<f64>,
    /// tskit's `last_update`, except that a window end's flush of a node without a branch
    /// (which credits nothing) is not written: the value in force is the larger of this and
    /// `window_left`.
    last_update: Vec<f64>,
    /// Left end of the window being accumulated.
    window_left: f64,
    counts: Vec<f64>,
    /// The spectrum cell of each node's counts (kept with the counts), or [`NO_CELL`] when
    /// it carries no sample or every sample.
    cell: Vec<u32>,
    /// Rows: the chunk's windows, each one spectrum.
    out: &'a mut [f64],
}

const NO_CELL: u32 = u32::MAX;

impl State<'_> {
    /// tskit's `update`: credits u's branch (in each time window) since its last flush to
    /// the cell of its current counts (in the chunk's window row `row`), then marks it
    /// flushed at `x`. A zero credit is skipped: adding +0.0 to a sum of non-negative terms
    /// changes no bit.
    #[inline]
    fn flush(&mut self, u: usize, x: f64, row: usize) {
        let cell = self.cell[u];
        if cell != NO_CELL {
            let span = x - self.last_update[u].max(self.window_left);
            let nt = self.d.nt;
            let spectrum = self.size / nt;
            for t in 0..nt {
                let credit = span * self.branch_length[u * nt + t];
                if credit != 0.0 {
                    self.out[row * self.size + t * spectrum + cell as usize] += credit;
                }
            }
        }
        self.last_update[u] = x;
    }

    /// Sets u's branch to the one up to its parent `p` (None: no branch).
    fn set_branch(&mut self, u: usize, p: Option<usize>) {
        let nt = self.d.nt;
        let row = &mut self.branch_length[u * nt..(u + 1) * nt];
        match p {
            Some(p) => {
                branch_in_time_windows(self.d.time[u], self.d.time[p], self.d.time_windows, row)
            }
            None => row.fill(0.0),
        }
    }

    /// Adds `sign` times u's counts to v's.
    #[inline]
    fn move_counts(&mut self, v: usize, u: usize, sign: f64) {
        let k = self.d.k;
        for j in 0..k {
            let c = self.counts[u * k + j];
            self.counts[v * k + j] += sign * c;
        }
        self.update_cell(v);
    }

    #[inline]
    fn update_cell(&mut self, v: usize) {
        let k = self.d.k;
        self.cell[v] = self
            .afs
            .cell(&self.counts[v * k..(v + 1) * k])
            .map_or(NO_CELL, |c| c as u32);
    }
}

/// Runs one chunk into `out` (its windows' rows, zeroed): seek to its first window's left
/// end, then tskit's loop over trees until its last window's right end.
fn run_chunk(d: &Data, afs: &AfsSummary, windows: &[f64], chunk: &Chunk, out: &mut [f64]) {
    let n = d.num_nodes;
    let size = afs.size() * d.nt;
    // The chunk's windows are `first..end`.
    let (first, end) = (chunk.w_first, chunk.w_last + 1);
    let start = chunk.start;
    let mut st = State {
        d,
        afs,
        size,
        parent: vec![-1; n],
        branch_length: vec![0.0; n * d.nt],
        last_update: vec![start; n],
        window_left: start,
        counts: d.initial_counts.clone(),
        cell: vec![NO_CELL; n],
        out,
    };
    // The tree covering `start`. Edge-table order is parent-time order, so a child's counts
    // are complete before they are added to its parent's.
    let k = d.k;
    let alive = chunk.alive();
    d.attach_covering(&alive, &mut st.parent, &mut st.counts, k, k);
    for &e in &alive {
        let c = d.edge_child[e as usize] as usize;
        st.set_branch(c, Some(d.edge_parent[e as usize] as usize));
    }
    for u in 0..n {
        st.update_cell(u);
    }
    let mut cur = d.cursor_at(start);

    let mut w = first;
    loop {
        let t_right = cur.tree_right(d.sequence_length);
        // Window ends inside or at the end of this tree: flush every node into the window.
        // Nodes without a branch credit nothing; their flush only moves `last_update` to the
        // window end, which `window_left` stands for.
        while w < end && windows[w + 1] <= t_right {
            let row = w - first;
            for u in 0..n {
                if st.parent[u] >= 0 {
                    st.flush(u, windows[w + 1], row);
                }
            }
            w += 1;
            st.window_left = windows[w];
        }
        if w == end {
            break;
        }
        let t_left = t_right;
        let row = w - first;
        while let Some(i) = cur.next_out(t_left) {
            let ev = cur.removals[i];
            let u = ev.child as usize;
            st.flush(u, t_left, row);
            let mut v = ev.parent;
            while v >= 0 {
                let vu = v as usize;
                st.flush(vu, t_left, row);
                st.move_counts(vu, u, -1.0);
                v = st.parent[vu];
            }
            st.parent[u] = -1;
            st.set_branch(u, None);
        }
        while let Some(i) = cur.next_in(t_left) {
            let ev = cur.insertions[i];
            let (u, p) = (ev.child as usize, ev.parent);
            // As tskit: the child's new branch is set without flushing the child first.
            st.parent[u] = p;
            st.set_branch(u, Some(p as usize));
            let mut v = p;
            while v >= 0 {
                let vu = v as usize;
                st.flush(vu, t_left, row);
                st.move_counts(vu, u, 1.0);
                v = st.parent[vu];
            }
        }
    }
}
