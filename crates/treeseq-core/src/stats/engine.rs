//! The general statistic engine: one traversal of the trees for every statistic, in site,
//! branch and node mode, over genome windows (and time windows in branch mode), in parallel.
//!
//! What it is for: given sample weights (one row per sample), a summary function and the
//! options, summing the summary over the genealogy exactly as tskit's
//! `tsk_treeseq_general_stat` defines it, and the allele frequency spectrum as
//! `tsk_treeseq_allele_frequency_spectrum` does. Output is row-major
//! `[window][time window][node (node mode)][output]`, span-normalised on request.
//!
//! What it is not: argument parsing, statistics' formulas or output shapes (see
//! `params.rs`, `summaries.rs`, `mod.rs`).
//!
//! How it runs in parallel: the genome (the part the windows cover) is cut at tree
//! boundaries into chunks of about equal numbers of edge insertions and removals; how many
//! depends only on the data, never on the thread count. Each chunk seeks to its first tree
//! (the edges covering its start, found for all chunks in one scan of the edge table, give
//! the parent pointers; one pass over them in edge-table order, which is parent-time order,
//! builds every node's weight sums), then moves from tree to tree incrementally as tskit
//! does, with `edge_removal_order` and `edge_insertion_order`. Each chunk sums into the
//! windows it overlaps; chunk results are added into the output in chunk order. So the
//! result is the same, bit for bit, on any number of threads. Statistics with many outputs
//! (index tuples) are also split into groups of outputs, each group a task of its own.
//!
//! Per tree transition, a node whose weights or branch change is "touched" once: its old
//! contribution is taken out before the first change and its summary is recomputed once
//! after all of the transition's edges are applied, rather than once per edge as in tskit.

use std::ops::Range;

use rayon::prelude::*;

use super::params::{Mode, Weights};
use super::summaries::{AfsSummary, SummaryFunc};
use crate::bail;
use crate::column::Ragged;
use crate::error::Result;
use crate::treeseq::TreeSequence;

/// The summary a statistic sums: a dense function, or the allele frequency spectrum.
#[derive(Clone, Copy)]
pub enum Summary<'a> {
    Dense(&'a dyn SummaryFunc),
    Afs(&'a AfsSummary),
}

impl Summary<'_> {
    pub fn output_dim(&self) -> usize {
        match self {
            Summary::Dense(f) => f.output_dim(),
            Summary::Afs(a) => a.size(),
        }
    }
}

/// One general-statistic computation.
#[derive(Clone, Copy)]
pub struct GeneralStat<'a> {
    /// Row i is the weight vector of sample `ts.samples[i]`.
    pub weights: &'a Weights,
    pub summary: Summary<'a>,
    pub mode: Mode,
    /// Window breakpoints, strictly increasing inside [0, L] (checked by `params`).
    pub windows: &'a [f64],
    /// Branch mode only: time window breakpoints, starting at 0, strictly increasing.
    pub time_windows: Option<&'a [f64]>,
    pub polarised: bool,
    pub span_normalise: bool,
}

/// Outputs of a dense summary per task: more are split into groups (tasks of their own).
const MAX_OUTPUTS_PER_TASK: usize = 64;
/// Upper bound on genome chunks.
const MAX_CHUNKS: usize = 64;
/// A chunk's seek (one pass over a whole tree) should cost about this fraction of the
/// chunk's incremental work, or less.
const SEEK_SHARE: f64 = 1.0 / 16.0;

/// Runs the general statistic; the result is `[window][time window][node?][output]`.
pub fn run(ts: &TreeSequence, stat: &GeneralStat) -> Result<Vec<f64>> {
    run_with_chunks(ts, stat, None)
}

/// As [`run`], with the number of genome chunks forced (tests use it to check that chunking
/// changes nothing beyond rounding).
pub fn run_with_chunks(ts: &TreeSequence, stat: &GeneralStat, chunks: Option<usize>) -> Result<Vec<f64>> {
    let nw = stat.windows.len() - 1;
    let nt = stat.time_windows.map_or(1, |t| t.len() - 1);
    if stat.time_windows.is_some() && stat.mode != Mode::Branch {
        bail!(BadParam, "time_windows are only supported in branch mode (mode is {})", stat.mode.as_str());
    }
    if matches!(stat.summary, Summary::Afs(_)) && stat.mode == Mode::Node {
        bail!(BadParam, "the allele frequency spectrum does not support mode \"node\"");
    }
    let m = stat.summary.output_dim();
    let num_nodes = ts.num_nodes();
    let per_window = nt * if stat.mode == Mode::Node { num_nodes } else { 1 } * m;
    let data = Data::new(ts, stat);
    // Branch mode with a dense summary carries its running sum across chunks, so its chunks
    // start one tree early (see `branch_dense`).
    let warmup = stat.mode == Mode::Branch && matches!(stat.summary, Summary::Dense(_));
    let plan = plan_chunks(&data, stat.windows, chunks, warmup);

    // Output groups: many outputs of a dense summary are split across tasks.
    let groups: Vec<Range<usize>> = match stat.summary {
        Summary::Dense(_) => (0..m).step_by(MAX_OUTPUTS_PER_TASK).map(|a| a..(a + MAX_OUTPUTS_PER_TASK).min(m)).collect(),
        Summary::Afs(_) => vec![0..m],
    };
    let tasks: Vec<(usize, usize)> =
        (0..plan.chunks.len()).flat_map(|c| (0..groups.len()).map(move |g| (c, g))).collect();

    let mut result = vec![0.0; nw * per_window];
    // Adds a task's partial into the result; `running` (per output group) carries the
    // branch-mode running sum from chunk to chunk (see `Base`).
    let add = |result: &mut [f64], running: &mut [Vec<f64>], (c, g): (usize, usize), partial: &Partial| {
        let chunk = &plan.chunks[c];
        let cols = &groups[g];
        let gm = cols.len();
        // Partial rows are [window - w_first][time window][node?][output in group].
        let rows = partial.out.len() / gm;
        let row_base = chunk.w_first * per_window / m;
        for r in 0..rows {
            let dst = &mut result[(row_base + r) * m + cols.start..][..gm];
            for (d, s) in dst.iter_mut().zip(&partial.out[r * gm..(r + 1) * gm]) {
                *d += s;
            }
        }
        if let Some(base) = &partial.base {
            let r_start = &mut running[g];
            r_start.resize(nt * gm, 0.0);
            for (w, &coef) in base.coef.iter().enumerate() {
                if coef != 0.0 {
                    for t in 0..nt {
                        let dst = &mut result[((chunk.w_first + w) * nt + t) * m + cols.start..][..gm];
                        for (d, r) in dst.iter_mut().zip(&r_start[t * gm..(t + 1) * gm]) {
                            *d += coef * r;
                        }
                    }
                }
            }
            if base.absolute_end {
                r_start.copy_from_slice(&base.delta_end);
            } else {
                for (r, d) in r_start.iter_mut().zip(&base.delta_end) {
                    *r += d;
                }
            }
        }
    };
    let mut running: Vec<Vec<f64>> = vec![Vec::new(); groups.len()];
    let pool = WorkspacePool::default();
    let run_task = |&(c, g): &(usize, usize)| {
        let mut ws = pool.take();
        let partial = run_chunk(&data, stat, &plan.chunks[c], groups[g].clone(), &mut ws);
        pool.give(ws);
        partial
    };
    if stat.mode == Mode::Node {
        // Node-mode partials are as large as the node table: keep a few alive at a time. The
        // adds still happen in task order, so the wave size cannot change the result.
        let wave = rayon::current_num_threads().max(1);
        for batch in tasks.chunks(wave) {
            let partials: Vec<Partial> = batch.par_iter().map(run_task).collect();
            for (t, p) in batch.iter().zip(&partials) {
                add(&mut result, &mut running, *t, p);
            }
        }
    } else {
        let partials: Vec<Partial> = tasks.par_iter().map(run_task).collect();
        for (t, p) in tasks.iter().zip(&partials) {
            add(&mut result, &mut running, *t, p);
        }
    }

    if stat.span_normalise {
        for (w, row) in result.chunks_mut(per_window.max(1)).enumerate().take(nw) {
            let span = stat.windows[w + 1] - stat.windows[w];
            for v in row {
                *v /= span;
            }
        }
    }
    Ok(result)
}

/// An edge's columns side by side: the chunks gather their edge events in insertion and
/// removal order, and one cache line per edge beats one per column.
#[derive(Clone, Copy)]
struct EdgeRecord {
    left: f64,
    right: f64,
    parent: i32,
    child: i32,
}

/// The tables and derived arrays every chunk reads.
struct Data<'a> {
    edges: Vec<EdgeRecord>,
    num_nodes: usize,
    num_edges: usize,
    time: &'a [f64],
    edge_left: &'a [f64],
    edge_right: &'a [f64],
    insertion: &'a [i32],
    removal: &'a [i32],
    breakpoints: &'a [f64],
    site_position: &'a [f64],
    /// Mutations of site s are `site_mutations[s]..site_mutations[s + 1]`.
    site_mutations: Vec<usize>,
    mutation_node: &'a [i32],
    mutation_parent: &'a [i32],
    ancestral_state: &'a Ragged<u8>,
    derived_state: &'a Ragged<u8>,
    samples: &'a [i32],
    /// Weight columns (the state dimension).
    k: usize,
    /// Column sums of the weights: the state of the ancestral allele, and `total - x` for
    /// unpolarised statistics.
    total: Vec<f64>,
}

impl<'a> Data<'a> {
    fn new(ts: &'a TreeSequence, stat: &GeneralStat<'a>) -> Self {
        let t = &ts.tables;
        let num_sites = t.sites.position.len();
        let mut site_mutations = vec![0usize; num_sites + 1];
        // Mutations are sorted by site: count, then prefix-sum.
        for &s in t.mutations.site.iter() {
            if (s as usize) < num_sites {
                site_mutations[s as usize + 1] += 1;
            }
        }
        for s in 0..num_sites {
            site_mutations[s + 1] += site_mutations[s];
        }
        let e = &t.edges;
        let edges = (0..ts.num_edges())
            .into_par_iter()
            .with_min_len(1 << 14)
            .map(|i| EdgeRecord { left: e.left[i], right: e.right[i], parent: e.parent[i], child: e.child[i] })
            .collect();
        Data {
            edges,
            num_nodes: ts.num_nodes(),
            num_edges: ts.num_edges(),
            time: &t.nodes.time,
            edge_left: &t.edges.left,
            edge_right: &t.edges.right,
            insertion: &t.edge_insertion_order,
            removal: &t.edge_removal_order,
            breakpoints: &ts.breakpoints,
            site_position: &t.sites.position,
            site_mutations,
            mutation_node: &t.mutations.node,
            mutation_parent: &t.mutations.parent,
            ancestral_state: &t.sites.ancestral_state,
            derived_state: &t.mutations.derived_state,
            samples: &ts.samples,
            k: stat.weights.num_cols,
            total: stat.weights.column_sums(),
        }
    }

    /// Number of edges with left <= x (they have been inserted once the tree at x is built).
    fn inserted_by(&self, x: f64) -> usize {
        self.insertion.partition_point(|&e| self.edge_left[e as usize] <= x)
    }

    /// Number of edges with right <= x (they have been removed by then).
    fn removed_by(&self, x: f64) -> usize {
        self.removal.partition_point(|&e| self.edge_right[e as usize] <= x)
    }
}

/// What one task returns: its sums for the windows its chunk overlaps, and for branch mode
/// what the combination needs to add the running sum the chunk started from.
struct Partial {
    out: Vec<f64>,
    base: Option<Base>,
}

/// Branch mode computes each chunk's running sum relative to the running sum R of the tree
/// before the chunk (known only once the previous chunks are combined). The true sums are
/// `out + coef[w] * R`, and R after the chunk is `R + delta_end` (or `delta_end` alone when
/// the chunk passed an edge-free tree, where the running sum is exactly 0, or started with a
/// full evaluation).
struct Base {
    /// Per window the chunk overlaps: the span over which its running sum was relative.
    coef: Vec<f64>,
    /// `[time window][output]`: the running sum at the chunk's last tree.
    delta_end: Vec<f64>,
    absolute_end: bool,
}

/// A stretch of consecutive trees processed as one task.
struct Chunk {
    /// Where the task builds its first tree: `start`, or the start of the tree before it
    /// when the chunk warms up on that tree.
    seek_at: f64,
    start: f64,
    end: f64,
    /// (parent, child) of the edges covering `seek_at`, in edge-table (parent time) order.
    alive: Vec<[i32; 2]>,
    /// First and last window the chunk overlaps.
    w_first: usize,
    w_last: usize,
}

struct Plan {
    chunks: Vec<Chunk>,
}

/// Cuts the trees overlapping the windows into chunks of about equal edge work.
/// With `warmup`, every chunk but the first starts on the tree before its first.
fn plan_chunks(d: &Data, windows: &[f64], forced: Option<usize>, warmup: bool) -> Plan {
    let bp = d.breakpoints;
    let (a, b) = (windows[0], windows[windows.len() - 1]);
    // Trees first..end overlap [a, b).
    let first = bp.partition_point(|&x| x <= a).saturating_sub(1);
    let end = bp.partition_point(|&x| x < b).max(first + 1).min(bp.len() - 1);
    let work = |t: usize| d.inserted_by(bp[t]) + d.removed_by(bp[t]);
    let (w0, w1) = (work(first), work(end));

    let num_chunks = forced.unwrap_or_else(|| {
        // Seeking costs one pass over a tree (about the mean number of edges per tree);
        // each edge insertion or removal costs a walk to the root (about log2 n nodes).
        let span: f64 = d.edge_left.iter().zip(d.edge_right).map(|(l, r)| r - l).sum();
        let tree_edges = (span / (bp[bp.len() - 1] - bp[0])).max(1.0);
        let depth = ((d.samples.len() + 1) as f64).log2() + 1.0;
        let incremental = (w1 - w0) as f64 * depth;
        ((incremental * SEEK_SHARE / tree_edges) as usize).clamp(1, MAX_CHUNKS)
    });
    let num_chunks = num_chunks.clamp(1, end - first);

    let mut cuts = vec![first];
    for i in 1..num_chunks {
        let target = w0 + (w1 - w0) * i / num_chunks;
        // Smallest tree boundary t whose cumulative work reaches the target.
        let (mut lo, mut hi) = (cuts[cuts.len() - 1] + 1, end);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if work(mid) >= target {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        if lo < end && lo > *cuts.last().unwrap() {
            cuts.push(lo);
        }
    }
    cuts.push(end);

    let seeks: Vec<f64> =
        cuts[..cuts.len() - 1].iter().enumerate().map(|(i, &t)| bp[if warmup && i > 0 { t - 1 } else { t }]).collect();
    let alive = alive_edges(d, &seeks);
    let nw = windows.len() - 1;
    let chunks = cuts
        .windows(2)
        .zip(alive)
        .zip(seeks)
        .map(|((c, alive), seek_at)| {
            let (start, end) = (bp[c[0]], bp[c[1]]);
            let w_first = windows.partition_point(|&w| w <= start.max(a)).saturating_sub(1).min(nw - 1);
            let w_last = windows.partition_point(|&w| w < end.min(b)).saturating_sub(1).min(nw - 1);
            Chunk { seek_at, start, end, alive, w_first, w_last }
        })
        .collect();
    Plan { chunks }
}

/// For each position in `starts` (increasing), (parent, child) of the edges with
/// left <= x < right, in edge-table order: one scan of the edge table, split into blocks
/// scanned in parallel and concatenated in order.
fn alive_edges(d: &Data, starts: &[f64]) -> Vec<Vec<[i32; 2]>> {
    const BLOCK: usize = 1 << 15;
    let blocks: Vec<Vec<Vec<[i32; 2]>>> = (0..d.num_edges.div_ceil(BLOCK))
        .into_par_iter()
        .map(|blk| {
            let mut lists = vec![Vec::new(); starts.len()];
            for edge in &d.edges[blk * BLOCK..((blk + 1) * BLOCK).min(d.num_edges)] {
                let (l, r) = (edge.left, edge.right);
                // Counting beats a binary search over a few dozen starts: no branches.
                let mut i = starts.iter().map(|&s| (s < l) as usize).sum::<usize>();
                while i < starts.len() && starts[i] < r {
                    lists[i].push([edge.parent, edge.child]);
                    i += 1;
                }
            }
            lists
        })
        .collect();
    let mut out: Vec<Vec<[i32; 2]>> = vec![Vec::new(); starts.len()];
    for lists in blocks {
        for (o, l) in out.iter_mut().zip(lists) {
            o.extend(l);
        }
    }
    out
}

/// One edge insertion or removal: where it happens and the edge's parent and child.
#[derive(Clone, Copy)]
struct EdgeEvent {
    position: f64,
    parent: i32,
    child: i32,
}

/// Parent pointers and weight sums of the current tree, and the chunk's edge events.
struct TreeState {
    k: usize,
    /// Values per node record: the k weight sums, then `stride - k` values a mode keeps per
    /// node (e.g. its summary), in one record so that visiting a node touches one place.
    stride: usize,
    /// Offset of record 0 in `x` (for alignment).
    base: usize,
    parent: Vec<i32>,
    /// Record u starts with the sum of the weights of the samples at or below u.
    x: Vec<f64>,
    /// Scratch: the state moved by one edge.
    delta: Vec<f64>,
    /// The chunk's removals (in `edge_removal_order`) and insertions (in
    /// `edge_insertion_order`), gathered once so that the tree loop reads them in sequence
    /// instead of chasing edge ids into the edge table.
    removals: Vec<EdgeEvent>,
    insertions: Vec<EdgeEvent>,
    /// Next removal and insertion.
    next_removal: usize,
    next_insertion: usize,
    /// Edges in the current tree.
    num_edges: usize,
}

impl TreeState {
    /// Builds the tree at `chunk.seek_at`: parents from the covering edges, weight sums by one
    /// pass over them in parent-time order (a child's sum is complete before it is added to
    /// its parent's).
    /// `extra` values per node are reserved after the weight sums; they are not cleared
    /// (the mode tracks which are valid), except that slot `time_slot`, if given, is set to
    /// the node's time.
    fn seek(d: &Data, weights: &Weights, chunk: &Chunk, ws: &mut Workspace, extra: usize, time_slot: Option<usize>) -> TreeState {
        let k = d.k;
        // Records are cache-line aligned and do not straddle lines: a tree walk is bound by
        // the latency of fetching each node's record, so one line per node matters.
        let stride = match k + extra {
            r if r <= 8 => r.next_power_of_two(),
            r => r.div_ceil(8) * 8,
        };
        let mut parent = refill(std::mem::take(&mut ws.parent), d.num_nodes, -1i32);
        // Only the weight sums (and times) are written: with many outputs per node most of
        // a record is summaries, and clearing them would cost more than the chunk's work.
        let mut buf = std::mem::take(&mut ws.x);
        buf.resize(d.num_nodes * stride + 8, 0.0);
        let base = (buf.as_ptr() as usize / 8).wrapping_neg() % 8;
        let x = &mut buf[base..];
        for (u, record) in x.chunks_exact_mut(stride).take(d.num_nodes).enumerate() {
            record[..k].iter_mut().for_each(|v| *v = 0.0);
            if let Some(slot) = time_slot {
                record[slot] = d.time[u];
            }
        }
        for (i, &u) in d.samples.iter().enumerate() {
            for (a, &b) in x[u as usize * stride..][..k].iter_mut().zip(weights.row(i)) {
                *a = b;
            }
        }
        for &[p, c] in &chunk.alive {
            let (p, c) = (p as usize, c as usize);
            parent[c] = p as i32;
            for j in 0..k {
                let v = x[c * stride + j];
                x[p * stride + j] += v;
            }
        }
        let x = buf;
        let gather = |mut events: Vec<EdgeEvent>, order: &[i32], range: Range<usize>, insert: bool| {
            events.clear();
            events.extend(order[range].iter().map(|&e| {
                let r = d.edges[e as usize];
                EdgeEvent { position: if insert { r.left } else { r.right }, parent: r.parent, child: r.child }
            }));
            events
        };
        let removals = gather(std::mem::take(&mut ws.removals), d.removal, d.removed_by(chunk.seek_at)..d.removed_by(chunk.end), false);
        let insertions =
            gather(std::mem::take(&mut ws.insertions), d.insertion, d.inserted_by(chunk.seek_at)..d.inserted_by(chunk.end), true);
        TreeState {
            k,
            stride,
            base,
            parent,
            x,
            delta: vec![0.0; k],
            removals,
            insertions,
            next_removal: 0,
            next_insertion: 0,
            num_edges: chunk.alive.len(),
        }
    }

    /// Hands the buffers back for the next chunk.
    fn release(self, ws: &mut Workspace) {
        ws.parent = self.parent;
        ws.x = self.x;
        ws.removals = self.removals;
        ws.insertions = self.insertions;
    }

    /// The weight sums of node u.
    #[inline]
    fn row(&self, u: usize) -> &[f64] {
        &self.x[self.base + u * self.stride..][..self.k]
    }

    /// Node u's whole record.
    #[inline]
    fn record(&self, u: usize) -> &[f64] {
        &self.x[self.base + u * self.stride..][..self.stride]
    }

    #[inline]
    fn record_mut(&mut self, u: usize) -> &mut [f64] {
        &mut self.x[self.base + u * self.stride..][..self.stride]
    }

    /// Moves to the tree starting at `pos`: removes the edges ending there, then inserts
    /// those starting there. `touch(u, parent, x)` is called for each node before its
    /// weights x or its parent change (callers keep the first call per node).
    #[inline]
    fn advance<T: FnMut(usize, i32, &[f64])>(&mut self, pos: f64, mut touch: T) {
        let (k, r) = (self.k, self.stride);
        let x = &mut self.x[self.base..];
        while let Some(&ev) = self.removals.get(self.next_removal).filter(|ev| ev.position == pos) {
            self.next_removal += 1;
            self.num_edges -= 1;
            let c = ev.child as usize;
            touch(c, self.parent[c], &x[c * r..][..k]);
            for j in 0..k {
                self.delta[j] = x[c * r + j];
            }
            let mut v = ev.parent;
            while v >= 0 {
                let vu = v as usize;
                touch(vu, self.parent[vu], &x[vu * r..][..k]);
                for (a, b) in x[vu * r..][..k].iter_mut().zip(&self.delta) {
                    *a -= b;
                }
                v = self.parent[vu];
            }
            self.parent[c] = -1;
        }
        while let Some(&ev) = self.insertions.get(self.next_insertion).filter(|ev| ev.position == pos) {
            self.next_insertion += 1;
            self.num_edges += 1;
            let c = ev.child as usize;
            touch(c, self.parent[c], &x[c * r..][..k]);
            self.parent[c] = ev.parent;
            for j in 0..k {
                self.delta[j] = x[c * r + j];
            }
            let mut v = ev.parent;
            while v >= 0 {
                let vu = v as usize;
                touch(vu, self.parent[vu], &x[vu * r..][..k]);
                for (a, b) in x[vu * r..][..k].iter_mut().zip(&self.delta) {
                    *a += b;
                }
                v = self.parent[vu];
            }
        }
    }

    /// Right end of the current tree, capped at the chunk's end.
    #[inline]
    fn tree_right(&self, end: f64) -> f64 {
        let mut r = end;
        if let Some(ev) = self.insertions.get(self.next_insertion) {
            r = r.min(ev.position);
        }
        if let Some(ev) = self.removals.get(self.next_removal) {
            r = r.min(ev.position);
        }
        r
    }
}

/// Evaluates a dense summary, adding f(total - x) when unpolarised (branch and node modes).
struct Evaluator<'a> {
    f: &'a dyn SummaryFunc,
    cols: Range<usize>,
    total: Option<&'a [f64]>,
    complement: Vec<f64>,
    tmp: Vec<f64>,
}

impl<'a> Evaluator<'a> {
    fn new(f: &'a dyn SummaryFunc, cols: Range<usize>, total: Option<&'a [f64]>) -> Self {
        let m = cols.len();
        let k = total.map_or(0, <[f64]>::len);
        Evaluator { f, cols, total, complement: vec![0.0; k], tmp: vec![0.0; m] }
    }

    #[inline]
    fn eval(&mut self, x: &[f64], out: &mut [f64]) {
        match self.total {
            None => self.f.eval(x, self.cols.clone(), out),
            Some(total) => self.f.eval_unpolarised(x, total, self.cols.clone(), out, &mut self.complement, &mut self.tmp),
        }
    }
}

/// Per-thread buffers reused from chunk to chunk: a fresh node-sized allocation per chunk
/// would cost a page fault per page touched.
#[derive(Default)]
struct Workspace {
    parent: Vec<i32>,
    x: Vec<f64>,
    values: Vec<f64>,
    last: Vec<f64>,
    cell: Vec<u32>,
    flags: Vec<bool>,
    valid: Vec<bool>,
    removals: Vec<EdgeEvent>,
    insertions: Vec<EdgeEvent>,
}

/// Workspaces of one `run`, handed to tasks as they start and returned when they finish;
/// at most one per running task exists, and all are freed when the run ends.
#[derive(Default)]
struct WorkspacePool(std::sync::Mutex<Vec<Workspace>>);

impl WorkspacePool {
    fn take(&self) -> Workspace {
        self.0.lock().map(|mut v| v.pop()).ok().flatten().unwrap_or_default()
    }

    fn give(&self, ws: Workspace) {
        if let Ok(mut v) = self.0.lock() {
            v.push(ws);
        }
    }
}

/// `v` emptied and refilled with `len` copies of `fill`, keeping its allocation.
fn refill<T: Clone>(mut v: Vec<T>, len: usize, fill: T) -> Vec<T> {
    v.clear();
    v.resize(len, fill);
    v
}

/// The length of the branch from a node at time `tu` to its parent at `tp` inside each time
/// window (all of it when there are no time windows).
#[inline]
fn branch_in_time_windows(tu: f64, tp: f64, time_windows: Option<&[f64]>, out: &mut [f64]) {
    match time_windows {
        None => out[0] = tp - tu,
        Some(tw) => {
            for (t, o) in out.iter_mut().enumerate() {
                let len = tp.min(tw[t + 1]) - tu.max(tw[t]);
                *o = if len > 0.0 { len } else { 0.0 };
            }
        }
    }
}

fn run_chunk(d: &Data, stat: &GeneralStat, chunk: &Chunk, cols: Range<usize>, ws: &mut Workspace) -> Partial {
    let plain = |out| Partial { out, base: None };
    match (stat.mode, stat.summary) {
        (Mode::Site, Summary::Dense(f)) => plain(site_dense(d, stat, chunk, f, cols, ws)),
        (Mode::Site, Summary::Afs(a)) => plain(site_afs(d, stat, chunk, a, ws)),
        (Mode::Branch, Summary::Dense(f)) => branch_dense(d, stat, chunk, f, cols, ws),
        (Mode::Branch, Summary::Afs(a)) => plain(branch_afs(d, stat, chunk, a, ws)),
        (Mode::Node, Summary::Dense(f)) => plain(node_dense(d, stat, chunk, f, cols, ws)),
        (Mode::Node, Summary::Afs(_)) => unreachable!("refused in run()"),
    }
}

/// The allele states of one site: row 0 the ancestral allele (starting from the total
/// weight), then one row per distinct derived state; each mutation moves its node's weight
/// from its parent mutation's allele (or the ancestral) to its own.
struct AlleleStates {
    k: usize,
    states: Vec<f64>,
    num_alleles: usize,
    /// For allele a >= 1, the mutation that introduced it (its derived state is the text).
    introduced_by: Vec<usize>,
    /// The allele of each of the site's mutations so far.
    mutation_allele: Vec<usize>,
}

impl AlleleStates {
    fn new(k: usize) -> Self {
        AlleleStates { k, states: Vec::new(), num_alleles: 0, introduced_by: Vec::new(), mutation_allele: Vec::new() }
    }

    fn compute(&mut self, d: &Data, st: &TreeState, site: usize) {
        let k = self.k;
        let muts = d.site_mutations[site]..d.site_mutations[site + 1];
        self.states.clear();
        self.states.resize((muts.len() + 1) * k, 0.0);
        self.states[..k].copy_from_slice(&d.total);
        self.introduced_by.clear();
        self.mutation_allele.clear();
        self.num_alleles = 1;
        let ancestral = d.ancestral_state.row(site);
        for m in muts.clone() {
            let derived = d.derived_state.row(m);
            // Alleles are identified by their text, numbered in order of first appearance.
            let allele = if derived == ancestral {
                0
            } else {
                match self.introduced_by.iter().position(|&i| d.derived_state.row(i) == derived) {
                    Some(a) => a + 1,
                    None => {
                        self.introduced_by.push(m);
                        self.num_alleles += 1;
                        self.num_alleles - 1
                    }
                }
            };
            self.mutation_allele.push(allele);
            // The weight below the mutation leaves its parent mutation's allele (tskit
            // requires the parent to be an earlier mutation of the same site).
            let p = d.mutation_parent[m];
            let parent_allele = if p >= muts.start as i32 && (p as usize) < m {
                self.mutation_allele[p as usize - muts.start]
            } else {
                0
            };
            let xs = st.row(d.mutation_node[m] as usize);
            for j in 0..k {
                self.states[allele * k + j] += xs[j];
                self.states[parent_allele * k + j] -= xs[j];
            }
        }
    }

    fn row(&self, a: usize) -> &[f64] {
        &self.states[a * self.k..(a + 1) * self.k]
    }
}

/// Windows overlapping the chunk, as a [w_first, w_last] range of rows.
fn chunk_rows(chunk: &Chunk) -> usize {
    chunk.w_last - chunk.w_first + 1
}

/// Site mode: per site, the sum of f over its alleles' weights (the ancestral allele left
/// out when polarised), added to the site's window.
fn site_dense(d: &Data, stat: &GeneralStat, chunk: &Chunk, f: &dyn SummaryFunc, cols: Range<usize>, ws: &mut Workspace) -> Vec<f64> {
    let gm = cols.len();
    let windows = stat.windows;
    let (a, b) = (windows[0], windows[windows.len() - 1]);
    let mut out = vec![0.0; chunk_rows(chunk) * gm];
    let mut st = TreeState::seek(d, stat.weights, chunk, ws, 0, None);
    let mut alleles = AlleleStates::new(d.k);
    let (mut site_sum, mut tmp) = (vec![0.0; gm], vec![0.0; gm]);
    let mut site = d.site_position.partition_point(|&p| p < chunk.start.max(a));
    let mut w = chunk.w_first;
    loop {
        let right = st.tree_right(chunk.end);
        while site < d.site_position.len() && d.site_position[site] < right.min(b) {
            let pos = d.site_position[site];
            while windows[w + 1] <= pos {
                w += 1;
            }
            alleles.compute(d, &st, site);
            site_sum.iter_mut().for_each(|v| *v = 0.0);
            for allele in stat.polarised as usize..alleles.num_alleles {
                f.eval(alleles.row(allele), cols.clone(), &mut tmp);
                for (s, t) in site_sum.iter_mut().zip(&tmp) {
                    *s += t;
                }
            }
            for (o, s) in out[(w - chunk.w_first) * gm..][..gm].iter_mut().zip(&site_sum) {
                *o += s;
            }
            site += 1;
        }
        if right >= chunk.end {
            break;
        }
        st.advance(right, |_, _, _| {});
    }
    st.release(ws);
    out
}

/// Site-mode allele frequency spectrum.
fn site_afs(d: &Data, stat: &GeneralStat, chunk: &Chunk, afs: &AfsSummary, ws: &mut Workspace) -> Vec<f64> {
    let size = afs.size();
    let windows = stat.windows;
    let (a, b) = (windows[0], windows[windows.len() - 1]);
    let mut out = vec![0.0; chunk_rows(chunk) * size];
    let mut st = TreeState::seek(d, stat.weights, chunk, ws, 0, None);
    let mut alleles = AlleleStates::new(d.k);
    // Unpolarised, each allele counts half: a biallelic site adds 1 to its folded cell.
    let increment = if afs.polarised { 1.0 } else { 0.5 };
    let mut site = d.site_position.partition_point(|&p| p < chunk.start.max(a));
    let mut w = chunk.w_first;
    loop {
        let right = st.tree_right(chunk.end);
        while site < d.site_position.len() && d.site_position[site] < right.min(b) {
            let pos = d.site_position[site];
            while windows[w + 1] <= pos {
                w += 1;
            }
            alleles.compute(d, &st, site);
            for allele in afs.polarised as usize..alleles.num_alleles {
                if let Some(cell) = afs.cell(alleles.row(allele)) {
                    out[(w - chunk.w_first) * size + cell] += increment;
                }
            }
            site += 1;
        }
        if right >= chunk.end {
            break;
        }
        st.advance(right, |_, _, _| {});
    }
    st.release(ws);
    out
}

/// Nodes touched during one tree transition, each listed once.
struct Touched {
    flag: Vec<bool>,
    list: Vec<u32>,
}

impl Touched {
    fn new(n: usize, ws: &mut Workspace) -> Self {
        Touched { flag: refill(std::mem::take(&mut ws.flags), n, false), list: Vec::new() }
    }

    fn release(self, ws: &mut Workspace) {
        ws.flags = self.flag;
    }

    /// True the first time `u` is touched in this transition.
    #[inline]
    fn first(&mut self, u: usize) -> bool {
        if self.flag[u] {
            false
        } else {
            self.flag[u] = true;
            self.list.push(u as u32);
            true
        }
    }

    /// Calls `f` on each touched node, in the order first touched, and forgets them.
    #[inline]
    fn finish(&mut self, mut f: impl FnMut(usize)) {
        for &u in &self.list {
            self.flag[u as usize] = false;
            f(u as usize);
        }
        self.list.clear();
    }
}

/// Branch mode, dense summary: a running sum over nodes of branch length (per time window)
/// times f(node); each tree adds running sum times its overlap with each window.
///
/// Each node's record holds its weights, its summary, its branch length and its time. A
/// node touched in a transition keeps its old parent and weights; if both come out unchanged
/// (above the point where a moved subtree left and rejoined, the weights lose and regain the
/// same amount) its term is left alone: no summary to recompute, no rounding added.
///
/// Only the first chunk evaluates f over a whole tree. Every other chunk builds the weights
/// of the tree before its first (the warm-up tree, whose span belongs to the previous chunk),
/// keeps its running sum relative to that tree's (unknown here, see [`Base`]), and computes a
/// node's old summary only when the node first changes. So a chunk costs about what its own
/// edge changes cost, and chunks are cheap enough to be many.
fn branch_dense(d: &Data, stat: &GeneralStat, chunk: &Chunk, f: &dyn SummaryFunc, cols: Range<usize>, ws: &mut Workspace) -> Partial {
    let gm = cols.len();
    let k = d.k;
    let nt = stat.time_windows.map_or(1, |t| t.len() - 1);
    let windows = stat.windows;
    let rows = chunk_rows(chunk);
    let mut out = vec![0.0; rows * nt * gm];
    let mut coef = vec![0.0; rows];
    // Record: x (k), summary (gm), branch length, node time (read with the record, not from
    // the node table, when a branch length is recomputed).
    let (bl_at, time_at) = (k + gm, k + gm + 1);
    let mut st = TreeState::seek(d, stat.weights, chunk, ws, gm + 2, Some(time_at));
    let total = (!stat.polarised).then_some(&d.total[..]);
    let mut eval = Evaluator::new(f, cols, total);
    let n = d.num_nodes;
    // Whether a node's record holds its current summary and branch length.
    let mut valid = refill(std::mem::take(&mut ws.valid), n, false);
    let mut running = vec![0.0; nt * gm];
    let mut bl = vec![0.0; nt];
    let time = d.time;
    let tw = stat.time_windows;

    // Adds sign * (u's branch within each time window) * summary to the running sum. Without
    // time windows the branch length `len` is used as is.
    let contribute = |running: &mut [f64], bl: &mut [f64], summary: &[f64], len: f64, u: usize, p: i32, sign: f64| match tw {
        None => {
            let len = sign * len;
            for (r, v) in running.iter_mut().zip(summary) {
                *r += len * v;
            }
        }
        Some(_) => {
            branch_in_time_windows(time[u], time[p as usize], tw, bl);
            for (t, &len) in bl.iter().enumerate() {
                if len != 0.0 {
                    let len = sign * len;
                    for (r, v) in running[t * gm..(t + 1) * gm].iter_mut().zip(summary) {
                        *r += len * v;
                    }
                }
            }
        }
    };
    // Recomputes u's summary and branch length (it has parent p) and adds its term.
    let refresh = |st: &mut TreeState, eval: &mut Evaluator, running: &mut [f64], bl: &mut [f64], u: usize, p: i32| {
        let parent_time = st.record(p as usize)[time_at];
        let record = st.record_mut(u);
        let (x, rest) = record.split_at_mut(k);
        eval.eval(x, &mut rest[..gm]);
        let len = parent_time - rest[gm + 1];
        rest[gm] = len;
        contribute(running, bl, &rest[..gm], len, u, p, 1.0);
    };

    // The first chunk starts from the full sum over its first tree; the others from zero,
    // relative to the sum of their warm-up tree.
    let mut absolute = chunk.seek_at == chunk.start;
    if absolute {
        for u in 0..n {
            let p = st.parent[u];
            if p >= 0 {
                refresh(&mut st, &mut eval, &mut running, &mut bl, u, p);
                valid[u] = true;
            }
        }
    }

    let mut touched = Touched::new(n, ws);
    // Parent and weights of each touched node before the transition, in touch order.
    let mut old_parent: Vec<i32> = Vec::new();
    let mut old_x: Vec<f64> = Vec::new();
    let mut old_summary = vec![0.0; gm];
    let mut w = chunk.w_first;
    let mut left = chunk.seek_at;
    loop {
        let right = st.tree_right(chunk.end);
        // This tree adds running * overlap to each window it overlaps (not the warm-up tree).
        while left >= chunk.start && w < windows.len() - 1 && windows[w] < right {
            let overlap = right.min(windows[w + 1]) - left.max(windows[w]);
            if overlap > 0.0 {
                let row = &mut out[(w - chunk.w_first) * nt * gm..][..nt * gm];
                for (o, r) in row.iter_mut().zip(&running) {
                    *o += r * overlap;
                }
                if !absolute {
                    coef[w - chunk.w_first] += overlap;
                }
            }
            if windows[w + 1] <= right {
                w += 1;
            } else {
                break;
            }
        }
        if right >= chunk.end || w >= windows.len() - 1 {
            break;
        }
        left = right;
        old_parent.clear();
        old_x.clear();
        st.advance(left, |u, p, x| {
            if touched.first(u) {
                old_parent.push(p);
                // Element by element: a memcpy call costs more than copying a few values.
                for &v in x {
                    old_x.push(v);
                }
            }
        });
        let mut i = 0;
        touched.finish(|u| {
            let (p_old, p) = (old_parent[i], st.parent[u]);
            let x_old = &old_x[i * k..(i + 1) * k];
            i += 1;
            if p_old == p && st.row(u).iter().zip(x_old).all(|(a, b)| a == b) {
                return;
            }
            if p_old >= 0 {
                let record = st.record(u);
                if valid[u] {
                    contribute(&mut running, &mut bl, &record[k..k + gm], record[bl_at], u, p_old, -1.0);
                } else {
                    // First change of a node of the warm-up tree: its old term, from its old
                    // weights.
                    eval.eval(x_old, &mut old_summary);
                    let len = st.record(p_old as usize)[time_at] - record[time_at];
                    contribute(&mut running, &mut bl, &old_summary, len, u, p_old, -1.0);
                }
            }
            if p >= 0 {
                refresh(&mut st, &mut eval, &mut running, &mut bl, u, p);
                valid[u] = true;
            } else {
                valid[u] = false;
            }
        });
        if st.num_edges == 0 {
            // A tree without edges has no branches: its sum is exactly zero, not the rounding
            // residue of every contribution added and taken out, and no longer relative.
            running.iter_mut().for_each(|r| *r = 0.0);
            absolute = true;
        }
    }
    st.release(ws);
    touched.release(ws);
    ws.valid = valid;
    Partial { out, base: Some(Base { coef, delta_end: running, absolute_end: absolute }) }
}

/// Lazily accumulated per-node sums (node mode and the branch-mode AFS): each node's value
/// is constant between the positions where it is touched, so its contribution since its last
/// update is flushed then, and for every node at each window boundary.
struct Lazy {
    last: Vec<f64>,
    /// Current window (absolute index); None outside the windows.
    window: Option<usize>,
}

/// Window boundaries in (left, right], in order, with the window that starts at each
/// (None past the last window).
fn window_boundaries(windows: &[f64], left: f64, right: f64) -> impl Iterator<Item = (f64, Option<usize>)> + '_ {
    let nw = windows.len() - 1;
    let i = windows.partition_point(|&w| w <= left);
    windows[i..].iter().take_while(move |&&w| w <= right).enumerate().map(move |(j, &w)| {
        let idx = i + j;
        (w, (idx < nw).then_some(idx))
    })
}

fn current_window(windows: &[f64], pos: f64) -> Option<usize> {
    let i = windows.partition_point(|&w| w <= pos);
    (i >= 1 && i < windows.len()).then(|| i - 1)
}

/// Node mode: output per window and node, f(node) times the span it held that value.
fn node_dense(d: &Data, stat: &GeneralStat, chunk: &Chunk, f: &dyn SummaryFunc, cols: Range<usize>, ws: &mut Workspace) -> Vec<f64> {
    let gm = cols.len();
    let n = d.num_nodes;
    let windows = stat.windows;
    let mut out = vec![0.0; chunk_rows(chunk) * n * gm];
    let mut st = TreeState::seek(d, stat.weights, chunk, ws, 0, None);
    let total = (!stat.polarised).then_some(&d.total[..]);
    let mut eval = Evaluator::new(f, cols, total);
    let mut summary = refill(std::mem::take(&mut ws.values), n * gm, 0.0);
    for u in 0..n {
        eval.eval(st.row(u), &mut summary[u * gm..(u + 1) * gm]);
    }
    let mut lazy = Lazy { last: refill(std::mem::take(&mut ws.last), n, chunk.start), window: current_window(windows, chunk.start) };
    let w_first = chunk.w_first;
    let flush = |out: &mut [f64], lazy: &mut Lazy, summary: &[f64], u: usize, pos: f64| {
        if let Some(w) = lazy.window {
            let span = pos - lazy.last[u];
            let dst = &mut out[((w - w_first) * n + u) * gm..][..gm];
            for (o, s) in dst.iter_mut().zip(&summary[u * gm..(u + 1) * gm]) {
                *o += s * span;
            }
        }
        lazy.last[u] = pos;
    };
    let mut touched = Touched::new(n, ws);
    let mut left = chunk.start;
    loop {
        let right = st.tree_right(chunk.end);
        for (b, next) in window_boundaries(windows, left, right) {
            for u in 0..n {
                flush(&mut out, &mut lazy, &summary, u, b);
            }
            lazy.window = next;
        }
        if right >= chunk.end {
            break;
        }
        left = right;
        st.advance(left, |u, _, _| {
            if touched.first(u) {
                flush(&mut out, &mut lazy, &summary, u, left);
            }
        });
        touched.finish(|u| eval.eval(st.row(u), &mut summary[u * gm..(u + 1) * gm]));
    }
    // The rest of the last window the chunk reaches into (a window starting exactly at the
    // chunk's end belongs to the next chunk).
    if lazy.window.is_some_and(|w| w <= chunk.w_last) {
        for u in 0..n {
            flush(&mut out, &mut lazy, &summary, u, chunk.end);
        }
    }
    st.release(ws);
    touched.release(ws);
    ws.values = summary;
    ws.last = lazy.last;
    out
}

/// Branch-mode allele frequency spectrum: each node's branch (per time window) times span
/// goes to the cell of its sample counts, flushed lazily.
fn branch_afs(d: &Data, stat: &GeneralStat, chunk: &Chunk, afs: &AfsSummary, ws: &mut Workspace) -> Vec<f64> {
    let size = afs.size();
    let nt = stat.time_windows.map_or(1, |t| t.len() - 1);
    let tw = stat.time_windows;
    let n = d.num_nodes;
    let windows = stat.windows;
    let mut out = vec![0.0; chunk_rows(chunk) * nt * size];
    let mut st = TreeState::seek(d, stat.weights, chunk, ws, 0, None);
    let mut cell = std::mem::take(&mut ws.cell);
    cell.clear();
    cell.extend((0..n).map(|u| afs.cell(st.row(u)).map_or(u32::MAX, |c| c as u32)));
    let mut lazy = Lazy { last: refill(std::mem::take(&mut ws.last), n, chunk.start), window: current_window(windows, chunk.start) };
    let time = d.time;
    let w_first = chunk.w_first;
    let mut bl = vec![0.0; nt];
    let flush = |out: &mut [f64], lazy: &mut Lazy, bl: &mut [f64], cell: &[u32], u: usize, p: i32, pos: f64| {
        if let (Some(w), true, true) = (lazy.window, p >= 0, cell[u] != u32::MAX) {
            let span = pos - lazy.last[u];
            branch_in_time_windows(time[u], time[p as usize], tw, bl);
            for (t, &len) in bl.iter().enumerate() {
                out[((w - w_first) * nt + t) * size + cell[u] as usize] += len * span;
            }
        }
        lazy.last[u] = pos;
    };
    let mut touched = Touched::new(n, ws);
    let mut left = chunk.start;
    loop {
        let right = st.tree_right(chunk.end);
        for (b, next) in window_boundaries(windows, left, right) {
            for u in 0..n {
                flush(&mut out, &mut lazy, &mut bl, &cell, u, st.parent[u], b);
            }
            lazy.window = next;
        }
        if right >= chunk.end {
            break;
        }
        left = right;
        st.advance(left, |u, p, _| {
            if touched.first(u) {
                flush(&mut out, &mut lazy, &mut bl, &cell, u, p, left);
            }
        });
        touched.finish(|u| cell[u] = afs.cell(st.row(u)).map_or(u32::MAX, |c| c as u32));
    }
    if lazy.window.is_some_and(|w| w <= chunk.w_last) {
        for u in 0..n {
            flush(&mut out, &mut lazy, &mut bl, &cell, u, st.parent[u], chunk.end);
        }
    }
    st.release(ws);
    touched.release(ws);
    ws.last = lazy.last;
    ws.cell = cell;
    out
}
