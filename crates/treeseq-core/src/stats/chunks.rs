//! Cutting work into chunks: one [`Chunk`] type, one planner ([`plan_chunks`]) with one
//! cost model ([`Cost`]) per kind of walk, the one bound [`MAX_CHUNKS`], the one measure of
//! a tree's size ([`tree_edges`]), and dividing windowed sums by their spans
//! ([`span_normalise`]). Used by the general engine, the many-pairs path, the matrices, the
//! node statistics and the branch-mode allele frequency spectrum.
//!
//! How chunks are chosen. A statistic's windows cover trees `first..end` of the tree
//! sequence (or, for the spectrum, consecutive whole windows). A chunk is a run of
//! consecutive trees (or windows) that one task walks: it seeks, building the tree at its
//! start from the edges covering that position (about one pass over a tree's edges), then
//! moves incrementally, one edge insertion or removal at a time, to its end. How many chunks
//! there are weighs that seek against the chunk's incremental work, by the cost model of the
//! walk (below); where the cuts fall divides the total work, counted at every tree (or window)
//! boundary, into that many nearly equal parts ([`cut_by_work`]). Chunk results are added in
//! chunk order into fixed output positions.
//!
//! Why results are the same bits on any number of threads: the chunk count and the cuts are
//! functions of the data alone (the tables, the windows and the kind of statistic), never
//! of the thread count or of timing, and every chunk's sums are added in chunk order into
//! fixed output positions. Threads only decide which task runs where and when, which changes
//! no operation and no operand. (Where the cuts fall can change rounding, since a chunk's
//! sums start afresh at its seek, so the planner itself must not change: a moved cut can
//! change a last bit. The test below holds every fixture's plans to digests recorded when
//! the three planners that preceded this one were made one.)
//!
//! What it is not: the walks themselves (`engine`, `pairs`, `afs_branch`) or the tables
//! they read (`walk/table_view.rs`).

use std::sync::Arc;

use rayon::prelude::*;

use crate::walk::table_view::{CoveringEdges, TableView};

/// Upper bound on chunks of every walk. Each running chunk keeps its per-node state and its
/// windows' partial sums until it is added, which the memory checks count per chunk.
pub(crate) const MAX_CHUNKS: usize = 64;

/// A seek should cost about this fraction of its chunk's own work, or less (the many-pairs
/// and spectrum walks; the engine counts in tree turnovers instead, see [`Cost::Engine`]).
const SEEK_SHARE: f64 = 1.0 / 16.0;

/// What the output pass at the end of a [`Cost::PathWalkWithOutput`] chunk costs, in seeks:
/// measured on the relatedness vector on bench-30k (a seek about 3 ms, the output pass about
/// 20 ms with 10 weight columns).
const OUTPUT_PASS_SEEKS: f64 = 6.0;

/// Edge insertions plus removals per chunk, in units of a tree's edges (the engine's cost
/// model): chunks of site-mode statistics, whose edge events cost least (no summary per
/// event), turn their tree over more times, so that their seeks stay as small a part of their
/// work.
const TURNOVERS_PER_CHUNK: f64 = 2.0;
const TURNOVERS_PER_SITE_CHUNK: f64 = 4.0;

/// How a walk's work is counted, which decides how many chunks it gets and where they are
/// cut. The three models were each tuned, by timing, on the walk they describe; they are kept
/// apart because each walk pays for different things, and because changing one moves its
/// cuts and so the last bits of its results.
///
/// | model | walks | unit cut | work counted | a seek costs | chunks |
/// |---|---|---|---|---|---|
/// | `Engine` | general engine | trees | edge events | the edges of the first tree in the windows | events / edges / 2 or 4 turnovers, ≥ 2 when seek-heavy, above 2 rounded up to a multiple of 4 |
/// | `PathWalk` | many pairs, matrices, node statistics | trees | edge events × path depth | mean edges per tree | work × [`SEEK_SHARE`] / seek, ≥ 2 when seek-heavy |
/// | `Windows` | branch-mode spectrum | whole windows | per window, edge events × path depth + one flush of every node | every node + mean edges per tree + 1 | work × [`SEEK_SHARE`] / seek |
///
/// All are at most [`MAX_CHUNKS`] unless forced, and at most one per tree (or window).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Cost {
    /// The general engine (`engine`): every edge event re-evaluates the summaries of the nodes
    /// it touches, so events are counted as they are and a chunk should turn its tree over
    /// [`TURNOVERS_PER_CHUNK`] times ([`TURNOVERS_PER_SITE_CHUNK`] in site mode, whose events
    /// cost least). Seek-heavy genomes get at least two chunks (see
    /// [`at_least_two_when_seek_heavy`]); counts above two are rounded up to a multiple of 4,
    /// so that 2 or 4 threads share them evenly. With `warmup` (branch mode, dense summary),
    /// every chunk but the first starts on the tree before its first, which it walks only to
    /// learn the running sum there, and the first chunk counts as starting a sixth of a tree's
    /// edges earlier (see [`plan_chunks`]).
    Engine { site_mode: bool, warmup: bool },
    /// The many-pairs walk (`pairs`, also the matrices and `nodes`): an edge event walks its
    /// path to the root, about `log2(samples + 1) + 1` nodes, doing a little per node and
    /// nothing per pair; its seek is about one tree's edges.
    PathWalk,
    /// As [`Cost::PathWalk`], with, at each chunk's end, a pass over the whole tree that
    /// costs about [`OUTPUT_PASS_SEEKS`] seeks (the relatedness vector: every node's pending
    /// sums flushed and summed down to the focal nodes): fewer chunks by that factor, and an
    /// even count above one, so that two threads share them evenly.
    PathWalkWithOutput,
    /// The branch-mode allele frequency spectrum (`afs_branch`): cut at window boundaries,
    /// where tskit's walk flushes every node, so that a chunk starts from the state the
    /// whole walk has there and chunking changes no bit of the spectrum. Each window
    /// costs its edge events (a walk to the root each) plus one flush of every node at its
    /// end; a seek costs about a flush of every node plus one tree's edges.
    Windows,
}

/// A stretch of consecutive trees (or, for [`Cost::Windows`], whole windows) processed as one
/// task.
pub(crate) struct Chunk {
    /// Where the task builds its first tree: `start`, or the start of the tree before it
    /// when the chunk warms up on that tree ([`Cost::Engine`] with `warmup`).
    pub(crate) seek_at: f64,
    pub(crate) start: f64,
    pub(crate) end: f64,
    /// The edges covering each seek position of the plan; this chunk's are at position
    /// `seek`. None for a piece that a run reaches by walking, never by seeking (see
    /// [`Plan`]).
    covering: Arc<CoveringEdges>,
    seek: Option<usize>,
    /// First and last window the chunk overlaps.
    pub(crate) w_first: usize,
    pub(crate) w_last: usize,
}

impl Chunk {
    /// The edges covering `seek_at`, in edge-table order (which is parent-time order:
    /// inserting them in this order attaches every child before its parent gets a parent of
    /// its own), into `out` (cleared first).
    pub(crate) fn alive_into(&self, out: &mut Vec<u32>) {
        let seek = self
            .seek
            .expect("a run's later pieces are reached by walking, never by a seek");
        self.covering.collect_into(seek, out);
    }

    /// As [`Chunk::alive_into`], as a new list.
    pub(crate) fn alive(&self) -> Vec<u32> {
        let mut out = Vec::new();
        self.alive_into(&mut out);
        out
    }
}

/// Cuts the work over `windows` into chunks by the cost model `cost`: `forced` chunks when
/// given (clamped to one per tree or window at most; tests use it to show that chunking
/// changes nothing beyond rounding), else as many as the model asks for.
pub(crate) fn plan_chunks(
    g: &TableView,
    windows: &[f64],
    cost: Cost,
    forced: Option<usize>,
) -> Vec<Chunk> {
    let nw = windows.len() - 1;
    let (a, b) = (windows[0], windows[nw]);
    // The boundaries chunks are cut at (tree or window boundaries), the cut points as
    // indexes into them, and where each chunk seeks.
    let (bounds, cuts, seeks): (&[f64], Vec<usize>, Vec<f64>) = match cost {
        Cost::Windows => {
            let (cuts, seeks) = cut_windows(g, windows, forced);
            (windows, cuts, seeks)
        }
        Cost::Engine { .. } | Cost::PathWalk | Cost::PathWalkWithOutput => {
            let (cuts, seeks) = cut_trees(g, a, b, cost, forced);
            (g.breakpoints, cuts, seeks)
        }
    };
    let seeks: Vec<Option<f64>> = seeks.into_iter().map(Some).collect();
    make_chunks(g, windows, bounds, &cuts, &seeks)
}

/// The chunks between consecutive `cuts` (indexes into `bounds`), the i-th seeking at
/// `seeks[i]` where that is Some; the edges covering every seek position are found in one
/// scan of the edge table.
fn make_chunks(
    g: &TableView,
    windows: &[f64],
    bounds: &[f64],
    cuts: &[usize],
    seeks: &[Option<f64>],
) -> Vec<Chunk> {
    let nw = windows.len() - 1;
    let (a, b) = (windows[0], windows[nw]);
    let positions: Vec<f64> = seeks.iter().flatten().copied().collect();
    let covering = Arc::new(g.edges_covering(&positions));
    let mut next_seek = 0;
    cuts.windows(2)
        .zip(seeks)
        .map(|(c, &seek_pos)| {
            let (start, end) = (bounds[c[0]], bounds[c[1]]);
            let w_first = windows
                .partition_point(|&w| w <= start.max(a))
                .saturating_sub(1)
                .min(nw - 1);
            let w_last = windows
                .partition_point(|&w| w < end.min(b))
                .saturating_sub(1)
                .min(nw - 1);
            let seek = seek_pos.map(|_| {
                next_seek += 1;
                next_seek - 1
            });
            Chunk {
                // A piece reached by walking would have sought at the same place.
                seek_at: seek_pos.unwrap_or(start),
                start,
                end,
                covering: covering.clone(),
                seek,
                w_first,
                w_last,
            }
        })
        .collect()
}

/// Most pieces a continuable walk's genome is cut into ([`Plan`]): enough that 64 threads
/// have several runs each on a genome that turns its tree over a few times; a piece costs
/// its walk only the hand-over of its windows' partial sums.
pub(crate) const MAX_PIECES: usize = 256;

/// Most bytes the pieces' partial sums may take in all, per window: past it, fewer and longer
/// pieces (see [`max_pieces`]).
const PIECE_PARTIALS_BYTES: usize = 16 << 20;

/// The most pieces for a walk whose pieces each hand back `row` values a window: [`MAX_PIECES`],
/// or fewer where their partials would take more than [`PIECE_PARTIALS_BYTES`]. A spectrum of
/// 100,001 cells gets 20: with 256, each piece zeroed and handed back 800 KB, 205 MB in all,
/// which cost more than its walk. Fixed by the statistic, never by the threads, so the bits
/// stay the same at any thread count.
pub(crate) fn max_pieces(row: usize) -> usize {
    (PIECE_PARTIALS_BYTES / row.max(1).saturating_mul(8)).clamp(1, MAX_PIECES)
}

/// A run should hold at least this share of a tree turnover in edge events. A run pays for
/// one seek (about a tree's edges, inserted without walking paths), but seeks run in parallel
/// too: on 300,000 samples, whose genome turns its tree over about one and a half times, a
/// quarter of a turnover held 16 threads to 6 runs (a predicted speedup of about 4.5 by the
/// `scaling` example), while a sixteenth gives each thread a run. One thread never seeks
/// more than once whatever this is.
const MIN_TURNOVERS_PER_RUN: f64 = 1.0 / 16.0;

/// Where the pieces of a continuable walk are cut (tree indexes into the breakpoints) and
/// where each would seek: a function of the data alone, planned while a statistic's other
/// inputs are read ([`plan_pieces`]); [`PieceCuts::into_plan`] groups them into runs.
pub(crate) struct PieceCuts {
    cuts: Vec<usize>,
    seeks: Vec<f64>,
    /// Edge events in the windows, a seek's cost in events (a tree's edges), and what the
    /// first run does beyond its events ([`first_chunk_extra`]).
    events: usize,
    tree_edges: f64,
    first_extra: usize,
}

/// Piece and run counts a test forces (None: the planner's). A walk that cannot go on from
/// one chunk into the next takes `pieces` as its chunk count and has no runs to force.
#[derive(Clone, Copy, Default)]
pub(crate) struct Forced {
    pub(crate) pieces: Option<usize>,
    pub(crate) runs: Option<usize>,
}

/// A plan for a walk that can go on from one chunk into the next exactly as if it had sought
/// there: the engine's site and branch walks over weights whose sums are exact (small
/// integers), where a node's weight sums, and so every summary and term, have the same bits
/// however the tree was reached; and the many-pairs branch walk over set indicators, whose
/// pieces each sum their moments from zero (see `pairs/moments.rs`). The genome is cut into `pieces` by the data alone (as
/// [`plan_chunks`] cuts chunks, but finer: at most [`MAX_PIECES`]); a task walks a `run` of
/// consecutive pieces, seeking only at its first, and hands back one partial per piece,
/// which the combination adds in piece order. Runs follow the thread count; the bits, which
/// depend only on the pieces, do not.
pub(crate) struct Plan {
    pub(crate) pieces: Vec<Chunk>,
    pub(crate) runs: Vec<std::ops::Range<usize>>,
}

impl Plan {
    /// Every chunk a run of its own (walks that cannot go on from one chunk into the next).
    pub(crate) fn one_run_each(pieces: Vec<Chunk>) -> Plan {
        let runs = (0..pieces.len()).map(|i| i..i + 1).collect();
        Plan { pieces, runs }
    }
}

/// The pieces of a continuable walk of cost model `cost` (the engine's, or
/// [`Cost::PathWalk`]) over `windows`:
/// `forced` pieces when given (tests), else as many as [`MAX_PIECES`] allows (at most one per
/// tree), cut where the edge events divide equally, as [`plan_chunks`] cuts.
pub(crate) fn plan_pieces(
    g: &TableView,
    windows: &[f64],
    cost: Cost,
    forced: Option<usize>,
) -> PieceCuts {
    debug_assert!(
        matches!(cost, Cost::Engine { .. } | Cost::PathWalk),
        "pieces are the engine's and the many-pairs walk's"
    );
    let nw = windows.len() - 1;
    let (a, b) = (windows[0], windows[nw]);
    let (first, end) = trees_overlapping(g.breakpoints, a, b);
    let (cuts, seeks) = cut_trees(g, a, b, cost, Some(forced.unwrap_or(MAX_PIECES)));
    let work = events_before(g, first);
    let tree_edges = tree_edges(g, cost, first).max(1.0);
    PieceCuts {
        events: work(end) - work(first),
        tree_edges,
        first_extra: first_run_extra(cost, tree_edges),
        cuts,
        seeks,
    }
}

impl PieceCuts {
    /// The pieces, grouped into runs for `threads` threads (at most one run per thread, and
    /// no run shorter than [`MIN_TURNOVERS_PER_RUN`] of a turnover, so a small genome is one
    /// run), or into `forced` runs (tests). Runs are cut where the edge events divide equally.
    pub(crate) fn into_plan(
        self,
        g: &TableView,
        windows: &[f64],
        threads: usize,
        forced: Option<usize>,
    ) -> Plan {
        let PieceCuts {
            cuts,
            seeks,
            events,
            tree_edges,
            first_extra,
        } = self;
        let np = cuts.len() - 1;
        let by_work = ((events as f64 / tree_edges / MIN_TURNOVERS_PER_RUN) as usize).max(1);
        let nr = forced.unwrap_or_else(|| threads.min(by_work)).clamp(1, np);
        let first = cuts[0];
        let work = events_before(g, first);
        // As the pieces are cut, the first run counts its extra work (which pieces a run
        // holds changes no bit, so this may follow the timing freely): on 300,000 samples
        // in branch mode it otherwise took twice as long as each of 15 others.
        let run_cuts = cut_by_work(0, np, nr, |i| {
            let w = work(cuts[i]);
            if i == 0 {
                w.saturating_sub(first_extra)
            } else {
                w
            }
        });
        let mut starts = run_cuts.iter().peekable();
        let piece_seeks: Vec<Option<f64>> = (0..np)
            .map(|i| {
                (starts.peek() == Some(&&i)).then(|| {
                    starts.next();
                    seeks[i]
                })
            })
            .collect();
        let pieces = make_chunks(g, windows, g.breakpoints, &cuts, &piece_seeks);
        let runs = run_cuts.windows(2).map(|r| r[0]..r[1]).collect();
        Plan { pieces, runs }
    }
}

/// Edges per tree, what a seek costs in edge units: the engine's model measures the tree its
/// range starts with (the edges covering `bp[first]`), the others the mean over the genome
/// (the edges' total span over the sequence length). Where it divides, callers take at least
/// 1.
fn tree_edges(g: &TableView, cost: Cost, first: usize) -> f64 {
    match cost {
        Cost::Engine { .. } => {
            let x = g.breakpoints[first];
            (g.inserted_by(x) - g.removed_by(x)) as f64
        }
        Cost::PathWalk | Cost::PathWalkWithOutput | Cost::Windows => {
            let bp = g.breakpoints;
            let span: f64 = g
                .edge_left
                .iter()
                .zip(g.edge_right)
                .map(|(l, r)| r - l)
                .sum();
            span / (bp[bp.len() - 1] - bp[0])
        }
    }
}

/// Nodes on an edge event's path to the root, about: `log2(samples + 1) + 1`.
fn path_depth(g: &TableView) -> f64 {
    ((g.samples.len() + 1) as f64).log2() + 1.0
}

/// What the first chunk (or run) of an engine walk does beyond its edge events, in events.
/// With a warm-up (branch mode, dense summary), the first chunk alone evaluates the summary
/// over its whole first tree. Timed on 30,000 and on 300,000 samples (diversity, 3 sets),
/// that took what a sixth of a tree's edges in events take, both where records keep
/// summaries and where they do not; so the first chunk counts as starting that much earlier.
/// (A third, as once measured, left the last chunk of the 300,000-sample file a fifth longer
/// than the first.)
fn first_chunk_extra(cost: Cost, tree_edges: f64) -> usize {
    match cost {
        Cost::Engine { warmup: true, .. } => (tree_edges / 6.0) as usize,
        _ => 0,
    }
}

/// What the first run of a continuable walk does beyond its edge events, in events: the
/// engine's first chunk's extra; and, in the many-pairs walk, a copy of its first tree's
/// per-node features for the tasks that sum that tree's moment. Timed on 300,000 samples
/// with 30 sets, the copy took what [`FIRST_TREE_COPY_EVENTS`] of a tree's edges in events
/// take.
fn first_run_extra(cost: Cost, tree_edges: f64) -> usize {
    match cost {
        Cost::PathWalk => (tree_edges * FIRST_TREE_COPY_EVENTS) as usize,
        _ => first_chunk_extra(cost, tree_edges),
    }
}

/// See [`first_run_extra`].
const FIRST_TREE_COPY_EVENTS: f64 = 0.05;

/// Cut points (tree indexes) and seek positions of [`Cost::Engine`] and [`Cost::PathWalk`].
fn cut_trees(
    g: &TableView,
    a: f64,
    b: f64,
    cost: Cost,
    forced: Option<usize>,
) -> (Vec<usize>, Vec<f64>) {
    let bp = g.breakpoints;
    // Trees first..end overlap [a, b).
    let (first, end) = trees_overlapping(bp, a, b);
    let work = events_before(g, first);
    let (w0, w1) = (work(first), work(end));
    let events = w1 - w0;
    let warmup = matches!(cost, Cost::Engine { warmup: true, .. });
    let tree_edges = tree_edges(g, cost, first).max(1.0);
    let num_chunks = forced.unwrap_or_else(|| {
        let c = if let Cost::Engine { site_mode, .. } = cost {
            let turnovers = events as f64 / tree_edges;
            let per_chunk = if site_mode {
                TURNOVERS_PER_SITE_CHUNK
            } else {
                TURNOVERS_PER_CHUNK
            };
            let c = (turnovers / per_chunk).ceil() as usize;
            let c = at_least_two_when_seek_heavy(c, events, tree_edges);
            if c <= 2 {
                c.max(1)
            } else {
                c.div_ceil(4) * 4
            }
        } else if cost == Cost::PathWalkWithOutput {
            let seek = tree_edges * (1.0 + OUTPUT_PASS_SEEKS);
            let c = (events as f64 * path_depth(g) * SEEK_SHARE / seek).ceil() as usize;
            let c = at_least_two_when_seek_heavy(c, events, tree_edges);
            if c <= 1 {
                1
            } else {
                c.div_ceil(2) * 2
            }
        } else {
            let c = (events as f64 * path_depth(g) * SEEK_SHARE / tree_edges) as usize;
            at_least_two_when_seek_heavy(c, events, tree_edges)
        };
        c.min(MAX_CHUNKS)
    });
    let num_chunks = num_chunks.clamp(1, end - first);

    // Every chunk pays for one seek, so chunks of equal cost are chunks of equal numbers of
    // edge events after their seek (see `events_before`), the first counting its extra work.
    let first_extra = first_chunk_extra(cost, tree_edges);
    let cuts = cut_by_work(first, end, num_chunks, |t| {
        if t == first {
            w0.saturating_sub(first_extra)
        } else {
            work(t)
        }
    });
    let seeks = cuts[..cuts.len() - 1]
        .iter()
        .enumerate()
        .map(|(i, &t)| bp[if warmup && i > 0 { t - 1 } else { t }])
        .collect();
    (cuts, seeks)
}

/// Cut points (window indexes) and seek positions of [`Cost::Windows`].
fn cut_windows(g: &TableView, windows: &[f64], forced: Option<usize>) -> (Vec<usize>, Vec<f64>) {
    let nw = windows.len() - 1;
    let n = g.num_nodes as f64;
    // Edge work up to each window boundary.
    let edge_work: Vec<usize> = windows
        .iter()
        .map(|&x| g.inserted_by(x) + g.removed_by(x))
        .collect();
    let depth = path_depth(g);
    let window_work = |w: usize| (edge_work[w + 1] - edge_work[w]) as f64 * depth + n;
    let mut cumulative = Vec::with_capacity(nw + 1);
    cumulative.push(0.0);
    for w in 0..nw {
        cumulative.push(cumulative[w] + window_work(w));
    }
    let total = cumulative[nw];
    let num_chunks = forced.unwrap_or_else(|| {
        let seek = n + tree_edges(g, Cost::Windows, 0) + 1.0;
        ((total * SEEK_SHARE / seek) as usize).clamp(1, MAX_CHUNKS)
    });
    let num_chunks = num_chunks.clamp(1, nw);
    let cuts = cut_by_work(0, nw, num_chunks, |w| cumulative[w]);
    let seeks = cuts[..cuts.len() - 1].iter().map(|&w| windows[w]).collect();
    (cuts, seeks)
}

/// Work counted at a boundary: whole edge events, or the spectrum's weighted sums.
trait Work: Copy + PartialOrd + Send + Sync {
    /// The work `w0 + (w1 - w0) * i / n` that the `i`-th of `n` cuts should reach.
    fn target(w0: Self, w1: Self, i: usize, n: usize) -> Self;
}

impl Work for usize {
    fn target(w0: usize, w1: usize, i: usize, n: usize) -> usize {
        w0 + (w1 - w0) * i / n
    }
}

impl Work for f64 {
    fn target(w0: f64, w1: f64, i: usize, n: usize) -> f64 {
        w0 + (w1 - w0) * i as f64 / n as f64
    }
}

/// Cuts the units (trees or windows) `first..end` into at most `num_chunks` runs of about
/// equal work, where `work(t)` is the cumulative work before unit `t` (never decreasing).
/// Returns the cut points, starting with `first` and ending with `end`; every run has at
/// least one unit.
fn cut_by_work<W: Work>(
    first: usize,
    end: usize,
    num_chunks: usize,
    work: impl Fn(usize) -> W + Sync,
) -> Vec<usize> {
    let (w0, w1) = (work(first), work(end));
    // Smallest boundary in (first, end) whose cumulative work reaches each target (end if
    // none): independent searches, so in parallel (each is a few dozen cache misses).
    let reach: Vec<usize> = (1..num_chunks)
        .into_par_iter()
        .map(|i| {
            let target = W::target(w0, w1, i, num_chunks);
            let (mut lo, mut hi) = (first + 1, end);
            while lo < hi {
                let mid = (lo + hi) / 2;
                if work(mid) >= target {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            lo
        })
        .collect();
    let mut cuts = vec![first];
    for r in reach {
        // Work never decreases, so the smallest boundary after the last cut reaching the
        // target is the later of the two.
        let lo = r.max(cuts[cuts.len() - 1] + 1);
        if lo < end {
            cuts.push(lo);
        }
    }
    cuts.push(end);
    cuts
}
/// The trees `first..end` that overlap `[a, b)` (at least one).
fn trees_overlapping(bp: &[f64], a: f64, b: f64) -> (usize, usize) {
    let first = bp.partition_point(|&x| x <= a).saturating_sub(1);
    let end = bp
        .partition_point(|&x| x < b)
        .max(first + 1)
        .min(bp.len() - 1);
    (first, end)
}

/// The work a chunk cut counts: edge events before tree t starts. For the first tree
/// everything at or before its start, which its seek takes in; for the others the events
/// strictly before (those at a tree's left end belong to its own seek), so that removals at
/// the sequence's end, which never happen, are not counted either. Never decreasing in t.
fn events_before<'g>(g: &'g TableView, first: usize) -> impl Fn(usize) -> usize + Sync + 'g {
    let bp = g.breakpoints;
    let at_first = g.inserted_by(bp[first]) + g.removed_by(bp[first]);
    move |t: usize| {
        if t == first {
            return at_first;
        }
        let x = bp[t];
        g.insertions.partition_point(|ev| ev.position < x)
            + g.removals.partition_point(|ev| ev.position < x)
    }
}

/// `chunks`, raised to two when the genome holds at least one turnover of its tree
/// (`events >= tree_edges`): tree sequences of many samples and few trees (300,000 samples,
/// say, with 120,000 trees) turn their tree over only once or twice along the whole genome,
/// and by a rule of so much work per seek they would get a single chunk and no parallelism.
/// One more seek costs one thread about a quarter more there, and two threads then share
/// the work. (Four chunks balanced no better on two threads and cost both one and two
/// threads more.) Used by the engine's and the many-pairs cost models.
fn at_least_two_when_seek_heavy(chunks: usize, events: usize, tree_edges: f64) -> usize {
    if events as f64 >= tree_edges {
        chunks.max(2)
    } else {
        chunks
    }
}

/// Divides each window's row of `per_window` values in `result` (`[window][...]`) by the
/// window's span: the last step of every span-normalised statistic.
pub(crate) fn span_normalise(result: &mut [f64], windows: &[f64], per_window: usize) {
    let nw = windows.len() - 1;
    for (w, row) in result.chunks_mut(per_window.max(1)).enumerate().take(nw) {
        let span = windows[w + 1] - windows[w];
        for v in row {
            *v /= span;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::treeseq::TreeSequence;

    /// Small outputs keep every piece; the spectrum of 100,000 samples gets 20; an output too
    /// large for even two pieces' partials gets one; a zero-width output counts as one value.
    #[test]
    fn pieces_shrink_with_large_partials() {
        assert_eq!(max_pieces(0), MAX_PIECES);
        assert_eq!(max_pieces(1), MAX_PIECES);
        assert_eq!(max_pieces(256), MAX_PIECES);
        assert_eq!(max_pieces(100_001), 20);
        assert_eq!(max_pieces(usize::MAX), 1);
        assert!(max_pieces(PIECE_PARTIALS_BYTES / 8 / 64) == 64);
    }

    /// Digests of every plan of each fixture, one per cost model (over [`window_sets`] and the
    /// forced counts of [`models`]), recorded when one planner replaced three: in commit
    /// d02a0b6 a test compared each of these plans, chunk by chunk (seek, start, end, covering
    /// edges, windows), with the old engine, many-pairs and spectrum planners' own. A chunk
    /// boundary decides the last bits of results, so these must never change.
    #[rustfmt::skip]
    const RECORDED: &[(&str, [u64; 5])] = &[
        ("ancient_gaps", [0xb7ad967e2dd17d1c, 0xbd2c3e236a255bf9, 0xd4178712d58b0e55, 0xda439085fbb2d2fa, 0xb7e2b9c6e2466f75]),
        ("gaps_isolated", [0x033c91bc6ef7e95b, 0x53796516ec15cfc1, 0x53796516ec15cfc1, 0xb01d69b65f506de1, 0x8fdc5b8084b37ef9]),
        ("medium", [0xaedeac5c008475a2, 0x6ee332d7d8a56e92, 0xc20511b9c736e877, 0x1f0bbbb8c02f72d2, 0x35f0dcb0e1d989f1]),
        ("missing_ref", [0xe8349df9c62c560d, 0xa46c6ef7788e4e51, 0x492af7aae365d234, 0x26babeda1abb00e1, 0x8183a0995a7be4cc]),
        ("multiallelic", [0xc776c8072780d21d, 0x2600dbe23ec54c56, 0x2600dbe23ec54c56, 0x231cfdb30444913a, 0x3be0f484e1749dd5]),
        ("nonbinary", [0xb782b303d0221206, 0x7138da7c27e5262e, 0x62b6bc7244df198e, 0x5e672e76d8957aaf, 0x992965740d8bd445]),
        ("single_tree", [0x13c6428caaf399cf, 0x13c6428caaf399cf, 0x13c6428caaf399cf, 0x2ecd29859c27de65, 0xf92118b8d14ddbb8]),
        ("small", [0x829d7529d2195251, 0x95dd10288a41b965, 0x89fe0b41715e7e02, 0x3adc16a7e1617fce, 0xdb899cc5f33118f9]),
        ("stdpopsim", [0x3e370341f18fc83f, 0x212551f885795f09, 0x4eb7d670787558fe, 0x22bcef8192bd55af, 0xec4bb4d5defe458e]),
        ("tsinfer", [0x068e63c106bb0871, 0x0f48105ecd70454f, 0x0f48105ecd70454f, 0x81914e070f979884, 0x84477bfcb34c57df]),
        ("unary_internal", [0x1501c4f57254676f, 0x34fd3efa05aa1031, 0x34fd3efa05aa1031, 0xabeaf72d5f2422cb, 0x2ee54b40e568b05e]),
        ("unknown_times", [0xb1e2a19123993b00, 0x93262fe44b173d94, 0x2e968ebc49df0aed, 0x2b4ff5b6244092f5, 0x580507b4bbcac730]),
    ];

    /// The cost models and forced counts recorded, in the order of [`RECORDED`]'s columns.
    /// (The many-pairs planner had a bound rather than a forced count: 64, its default, and
    /// 1, its tests' one chunk.)
    fn models() -> Vec<(Cost, Vec<Option<usize>>)> {
        let forcings = vec![
            None,
            Some(1),
            Some(2),
            Some(3),
            Some(7),
            Some(64),
            Some(1000),
        ];
        let mut models: Vec<(Cost, Vec<Option<usize>>)> =
            [(true, false), (false, true), (false, false)]
                .into_iter()
                .map(|(warmup, site_mode)| (Cost::Engine { site_mode, warmup }, forcings.clone()))
                .collect();
        models.push((Cost::PathWalk, vec![None, Some(1)]));
        models.push((Cost::Windows, forcings));
        models
    }

    /// Windows of every shape the statistics see: the whole genome, a part of it, equal
    /// windows, one window per tree, and uneven windows that cut trees.
    fn window_sets(ts: &TreeSequence) -> Vec<Vec<f64>> {
        let l = ts.sequence_length();
        vec![
            vec![0.0, l],
            vec![l / 7.0, l / 2.0],
            vec![l / 3.0, l],
            (0..=10).map(|i| l * i as f64 / 10.0).collect(),
            ts.breakpoints.clone(),
            vec![0.0, l * 0.01, l * 0.3, l * 0.31, l * 0.9, l],
            (0..=200).map(|i| l * i as f64 / 200.0).collect(),
        ]
    }

    /// FNV-1a over a plan's chunks: seek position, start and end (their bits), the covering
    /// edges and the window range.
    fn digest(chunks: &[Chunk], h: &mut u64) {
        let mut eat = |x: u64| {
            for byte in x.to_le_bytes() {
                *h = (*h ^ byte as u64).wrapping_mul(0x100_0000_01b3);
            }
        };
        for c in chunks {
            eat(c.seek_at.to_bits());
            eat(c.start.to_bits());
            eat(c.end.to_bits());
            let alive = c.alive();
            eat(alive.len() as u64);
            alive.iter().for_each(|&e| eat(e as u64));
            eat(c.w_first as u64);
            eat(c.w_last as u64);
        }
        eat(u64::MAX);
    }

    #[test]
    fn chunks_are_cut_where_they_always_were() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test/fixtures");
        let (mut plans, mut several) = (0, [0; 5]);
        for &(name, recorded) in RECORDED {
            let ts = TreeSequence::load(&std::fs::read(dir.join(format!("{name}.trees"))).unwrap())
                .unwrap();
            let g = TableView::new(&ts);
            for (m, (cost, forcings)) in models().into_iter().enumerate() {
                let mut h = 0xcbf2_9ce4_8422_2325;
                for windows in window_sets(&ts) {
                    for &forced in &forcings {
                        let chunks = plan_chunks(&g, &windows, cost, forced);
                        several[m] += (forced.is_none() && chunks.len() > 1) as usize;
                        digest(&chunks, &mut h);
                        plans += 1;
                    }
                }
                assert_eq!(h, recorded[m], "{name} {cost:?}: {h:#018x}");
            }
        }
        // Default plans of more than one chunk, per cost model: cuts are really compared.
        assert!(several.iter().all(|&n| n >= 5), "{several:?}");
        assert!(plans > 2000, "{plans}");
    }
}
