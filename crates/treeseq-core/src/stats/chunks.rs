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
//! of the thread count or of timing, and every chunk's sums are added in chunk order. Threads
//! only decide which task runs where and when, which changes no operation and no operand.
//! (The cut does change rounding, since a chunk's sums start from its own seek, so the
//! planner must never change: a moved cut is a changed last bit.)
//!
//! What it is not: the walks themselves (`engine`, `pairs`, `afs_branch`) or the tables
//! they read (`genome.rs`).

use std::sync::Arc;

use rayon::prelude::*;

use crate::stats::genome::{CoveringEdges, Genome};

/// Upper bound on chunks of every walk. Each running chunk keeps its per-node state and its
/// windows' partial sums until it is added, which the memory checks count per chunk.
pub(crate) const MAX_CHUNKS: usize = 64;

/// A seek should cost about this fraction of its chunk's own work, or less (the many-pairs
/// and spectrum walks; the engine counts in tree turnovers instead, see [`Cost::Engine`]).
const SEEK_SHARE: f64 = 1.0 / 16.0;

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
/// | `Engine` | general engine | trees | edge events | the first tree's edges | events / edges / 2 or 4 turnovers, ≥ 2 when seek-heavy, above 2 rounded up to a multiple of 4 |
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
    /// The branch-mode allele frequency spectrum (`afs_branch`): cut at window boundaries,
    /// since its chunks must start where tskit's walk flushes (a window's start). Each window
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
    /// The edges covering each chunk's `seek_at`; this chunk's are at position `seek`.
    covering: Arc<CoveringEdges>,
    seek: usize,
    /// First and last window the chunk overlaps.
    pub(crate) w_first: usize,
    pub(crate) w_last: usize,
}

impl Chunk {
    /// The edges covering `seek_at`, in edge-table order (which is parent-time order:
    /// inserting them in this order attaches every child before its parent gets a parent of
    /// its own), into `out` (cleared first).
    pub(crate) fn alive_into(&self, out: &mut Vec<u32>) {
        self.covering.collect_into(self.seek, out);
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
    g: &Genome,
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
        Cost::Engine { .. } | Cost::PathWalk => {
            let (cuts, seeks) = cut_trees(g, a, b, cost, forced);
            (g.breakpoints, cuts, seeks)
        }
    };
    let covering = Arc::new(g.edges_covering(&seeks));
    cuts.windows(2)
        .zip(seeks)
        .enumerate()
        .map(|(seek, (c, seek_at))| {
            let (start, end) = (bounds[c[0]], bounds[c[1]]);
            let w_first = windows
                .partition_point(|&w| w <= start.max(a))
                .saturating_sub(1)
                .min(nw - 1);
            let w_last = windows
                .partition_point(|&w| w < end.min(b))
                .saturating_sub(1)
                .min(nw - 1);
            Chunk {
                seek_at,
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

/// Edges per tree, what a seek costs in edge units: the engine's model measures the tree its
/// range starts with (edges covering `bp[first]`, at least 1), the others the mean over the
/// genome (the edges' total span over the sequence length).
fn tree_edges(g: &Genome, cost: Cost, first: usize) -> f64 {
    match cost {
        Cost::Engine { .. } => {
            let x = g.breakpoints[first];
            (g.inserted_by(x) - g.removed_by(x)).max(1) as f64
        }
        Cost::PathWalk | Cost::Windows => {
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
fn path_depth(g: &Genome) -> f64 {
    ((g.samples.len() + 1) as f64).log2() + 1.0
}

/// Cut points (tree indexes) and seek positions of [`Cost::Engine`] and [`Cost::PathWalk`].
fn cut_trees(
    g: &Genome,
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
    let num_chunks = forced.unwrap_or_else(|| match cost {
        Cost::Engine { site_mode, .. } => {
            let tree_edges = tree_edges(g, cost, first);
            let turnovers = events as f64 / tree_edges;
            let per_chunk = if site_mode {
                TURNOVERS_PER_SITE_CHUNK
            } else {
                TURNOVERS_PER_CHUNK
            };
            let c = (turnovers / per_chunk).ceil() as usize;
            let c = at_least_two_when_seek_heavy(c, events, tree_edges);
            if c <= 2 { c.max(1) } else { c.div_ceil(4) * 4 }.min(MAX_CHUNKS)
        }
        Cost::PathWalk => {
            let tree_edges = tree_edges(g, cost, first).max(1.0);
            let wanted = (events as f64 * path_depth(g) * SEEK_SHARE / tree_edges) as usize;
            at_least_two_when_seek_heavy(wanted, events, tree_edges).min(MAX_CHUNKS)
        }
        Cost::Windows => unreachable!("whole windows are cut by cut_windows"),
    });
    let num_chunks = num_chunks.clamp(1, end - first);

    // Every chunk pays for one seek, so chunks of equal cost are chunks of equal numbers of
    // edge events after their seek (see `events_before`). With a warm-up (branch mode), the
    // first chunk alone also evaluates the summary over its whole first tree. Timed on 30,000
    // and on 300,000 samples (diversity, 3 sets), that took what a sixth of a tree's edges in
    // events take, both where records keep summaries and where they do not; so the first
    // chunk counts as starting that much earlier. (A third, as once measured, left the last
    // chunk of the 300,000-sample file a fifth longer than the first.)
    let first_extra = if warmup {
        (tree_edges(g, cost, first) / 6.0) as usize
    } else {
        0
    };
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
fn cut_windows(g: &Genome, windows: &[f64], forced: Option<usize>) -> (Vec<usize>, Vec<f64>) {
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
fn events_before<'g>(g: &'g Genome, first: usize) -> impl Fn(usize) -> usize + Sync + 'g {
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

    /// A chunk as plain values: seek position, start, end, covering edges, window range.
    type Plain = (f64, f64, f64, Vec<u32>, usize, usize);

    fn plain(chunks: &[Chunk]) -> Vec<Plain> {
        chunks
            .iter()
            .map(|c| (c.seek_at, c.start, c.end, c.alive(), c.w_first, c.w_last))
            .collect()
    }

    fn lists(c: &CoveringEdges, n: usize) -> Vec<Vec<u32>> {
        (0..n)
            .map(|s| {
                let mut v = Vec::new();
                c.collect_into(s, &mut v);
                v
            })
            .collect()
    }

    // The three planners as they were before they were made one (commit 75c293c), kept here
    // to show that the one planner cuts exactly where each did.

    fn old_cut_by_work(
        first: usize,
        end: usize,
        num_chunks: usize,
        work: impl Fn(usize) -> usize + Sync,
    ) -> Vec<usize> {
        let (w0, w1) = (work(first), work(end));
        let reach: Vec<usize> = (1..num_chunks)
            .into_par_iter()
            .map(|i| {
                let target = w0 + (w1 - w0) * i / num_chunks;
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
            let lo = r.max(cuts[cuts.len() - 1] + 1);
            if lo < end {
                cuts.push(lo);
            }
        }
        cuts.push(end);
        cuts
    }

    /// engine/plan.rs `plan_chunks`.
    fn old_engine(
        d: &Genome,
        windows: &[f64],
        forced: Option<usize>,
        warmup: bool,
        site_mode: bool,
    ) -> Vec<Plain> {
        let bp = d.breakpoints;
        let (a, b) = (windows[0], windows[windows.len() - 1]);
        let (first, end) = trees_overlapping(bp, a, b);
        let work = events_before(d, first);
        let (w0, w1) = (work(first), work(end));
        let tree_edges = (d.inserted_by(bp[first]) - d.removed_by(bp[first])).max(1) as f64;
        let num_chunks = forced.unwrap_or_else(|| {
            let turnovers = (w1 - w0) as f64 / tree_edges;
            let per_chunk = if site_mode { 4.0 } else { 2.0 };
            let c = (turnovers / per_chunk).ceil() as usize;
            let c = at_least_two_when_seek_heavy(c, w1 - w0, tree_edges);
            if c <= 2 { c.max(1) } else { c.div_ceil(4) * 4 }.min(64)
        });
        let num_chunks = num_chunks.clamp(1, end - first);
        let first_extra = if warmup {
            (tree_edges / 6.0) as usize
        } else {
            0
        };
        let cuts = old_cut_by_work(first, end, num_chunks, |t| {
            if t == first {
                w0.saturating_sub(first_extra)
            } else {
                work(t)
            }
        });
        let seeks: Vec<f64> = cuts[..cuts.len() - 1]
            .iter()
            .enumerate()
            .map(|(i, &t)| bp[if warmup && i > 0 { t - 1 } else { t }])
            .collect();
        let alive = lists(&d.edges_covering(&seeks), seeks.len());
        let nw = windows.len() - 1;
        cuts.windows(2)
            .zip(seeks)
            .zip(alive)
            .map(|((c, seek_at), alive)| {
                let (start, end) = (bp[c[0]], bp[c[1]]);
                let w_first = windows
                    .partition_point(|&w| w <= start.max(a))
                    .saturating_sub(1)
                    .min(nw - 1);
                let w_last = windows
                    .partition_point(|&w| w < end.min(b))
                    .saturating_sub(1)
                    .min(nw - 1);
                (seek_at, start, end, alive, w_first, w_last)
            })
            .collect()
    }

    /// pairs.rs `plan_chunks` (its `Chunk` had no windows: those are `chunk_windows`').
    fn old_pairs(g: &Genome, a: f64, b: f64, max_chunks: usize) -> Vec<(f64, f64, Vec<u32>)> {
        let bp = g.breakpoints;
        let (first, end) = trees_overlapping(bp, a, b);
        let work = events_before(g, first);
        let (w0, w1) = (work(first), work(end));
        let span: f64 = g
            .edge_left
            .iter()
            .zip(g.edge_right)
            .map(|(l, r)| r - l)
            .sum();
        let tree_edges = (span / (bp[bp.len() - 1] - bp[0])).max(1.0);
        let depth = ((g.samples.len() + 1) as f64).log2() + 1.0;
        let wanted = ((w1 - w0) as f64 * depth / 16.0 / tree_edges) as usize;
        let wanted = at_least_two_when_seek_heavy(wanted, w1 - w0, tree_edges);
        let num_chunks = wanted.clamp(1, max_chunks.max(1)).min(end - first);
        let cuts = old_cut_by_work(first, end, num_chunks, work);
        let starts: Vec<f64> = cuts[..cuts.len() - 1].iter().map(|&t| bp[t]).collect();
        let alive = lists(&g.edges_covering(&starts), starts.len());
        cuts.windows(2)
            .zip(alive)
            .map(|(c, alive)| (bp[c[0]], bp[c[1]], alive))
            .collect()
    }

    /// afs_branch.rs `plan_chunks`: whole windows `first..end`.
    fn old_afs(
        d: &Genome,
        ts: &TreeSequence,
        windows: &[f64],
        forced: Option<usize>,
    ) -> Vec<(usize, usize, Vec<u32>)> {
        let nw = windows.len() - 1;
        let n = d.num_nodes as f64;
        let edge_work: Vec<usize> = windows
            .iter()
            .map(|&x| d.inserted_by(x) + d.removed_by(x))
            .collect();
        let depth = ((ts.num_samples() + 1) as f64).log2() + 1.0;
        let window_work = |w: usize| (edge_work[w + 1] - edge_work[w]) as f64 * depth + n;
        let mut cumulative = Vec::with_capacity(nw + 1);
        cumulative.push(0.0);
        for w in 0..nw {
            cumulative.push(cumulative[w] + window_work(w));
        }
        let total = cumulative[nw];
        let num_chunks = forced.unwrap_or_else(|| {
            let span: f64 = d
                .edge_left
                .iter()
                .zip(d.edge_right)
                .map(|(l, r)| r - l)
                .sum();
            let tree_edges = span / ts.sequence_length();
            let seek = n + tree_edges + 1.0;
            ((total * (1.0 / 16.0) / seek) as usize).clamp(1, 64)
        });
        let num_chunks = num_chunks.clamp(1, nw);
        let mut starts = vec![0usize];
        for i in 1..num_chunks {
            let target = total * i as f64 / num_chunks as f64;
            let w = cumulative
                .partition_point(|&c| c < target)
                .max(starts[starts.len() - 1] + 1);
            if w < nw {
                starts.push(w);
            }
        }
        let positions: Vec<f64> = starts.iter().map(|&w| windows[w]).collect();
        let alive = lists(&d.edges_covering(&positions), positions.len());
        starts
            .iter()
            .enumerate()
            .zip(alive)
            .map(|((i, &first), alive)| (first, starts.get(i + 1).copied().unwrap_or(nw), alive))
            .collect()
    }

    fn fixtures() -> Vec<(String, TreeSequence)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test/fixtures");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| {
                let name = e.unwrap().file_name().into_string().unwrap();
                name.strip_suffix(".trees").map(str::to_string)
            })
            .collect();
        names.sort();
        assert!(names.len() >= 10, "{names:?}");
        names
            .into_iter()
            .map(|name| {
                let bytes = std::fs::read(dir.join(format!("{name}.trees"))).unwrap();
                (name, TreeSequence::load(&bytes).unwrap())
            })
            .collect()
    }

    /// Windows of every shape the statistics see: the whole genome, a part of it, equal
    /// windows, one window per tree, and uneven windows that cut trees.
    fn window_sets(ts: &TreeSequence) -> Vec<Vec<f64>> {
        let l = ts.sequence_length();
        let mut sets = vec![
            vec![0.0, l],
            vec![l / 7.0, l / 2.0],
            vec![l / 3.0, l],
            (0..=10).map(|i| l * i as f64 / 10.0).collect(),
            ts.breakpoints.clone(),
            vec![0.0, l * 0.01, l * 0.3, l * 0.31, l * 0.9, l],
        ];
        let many: Vec<f64> = (0..=200).map(|i| l * i as f64 / 200.0).collect();
        sets.push(many);
        sets
    }

    #[test]
    fn one_planner_cuts_where_the_three_did() {
        let forcings = [
            None,
            Some(1),
            Some(2),
            Some(3),
            Some(7),
            Some(64),
            Some(1000),
        ];
        let mut compared = 0;
        // Default plans of more than one chunk, per cost model: the cuts are really compared.
        let mut several = [0; 3];
        for (name, ts) in fixtures() {
            let g = Genome::new(&ts);
            for windows in window_sets(&ts) {
                let nw = windows.len() - 1;
                let (a, b) = (windows[0], windows[nw]);
                let what = format!("{name} {} windows from {a}", nw);
                for forced in forcings {
                    for (warmup, site_mode) in [(true, false), (false, true), (false, false)] {
                        let cost = Cost::Engine { site_mode, warmup };
                        let default = plan_chunks(&g, &windows, cost, None).len();
                        several[0] += (forced.is_none() && default > 1) as usize;
                        assert_eq!(
                            plain(&plan_chunks(&g, &windows, cost, forced)),
                            old_engine(&g, &windows, forced, warmup, site_mode),
                            "{what} {cost:?} {forced:?}"
                        );
                    }
                    several[1] += (forced.is_none()
                        && plan_chunks(&g, &windows, Cost::Windows, None).len() > 1)
                        as usize;
                    assert_eq!(
                        plain(&plan_chunks(&g, &windows, Cost::Windows, forced))
                            .into_iter()
                            .map(|(seek_at, start, end, alive, w_first, w_last)| {
                                assert_eq!(
                                    (seek_at, start, end),
                                    (windows[w_first], windows[w_first], windows[w_last + 1])
                                );
                                (w_first, w_last + 1, alive)
                            })
                            .collect::<Vec<_>>(),
                        old_afs(&g, &ts, &windows, forced),
                        "{what} windows {forced:?}"
                    );
                    compared += 4;
                }
                // The many-pairs planner had a bound rather than a forced count: 64 was its
                // default and 1 its tests' one chunk.
                for (forced, max_chunks) in [(None, MAX_CHUNKS), (Some(1), 1)] {
                    let new = plan_chunks(&g, &windows, Cost::PathWalk, forced);
                    several[2] += (forced.is_none() && new.len() > 1) as usize;
                    assert_eq!(
                        plain(&new)
                            .into_iter()
                            .map(|(seek_at, start, end, alive, _, _)| {
                                assert_eq!(seek_at, start);
                                (start, end, alive)
                            })
                            .collect::<Vec<_>>(),
                        old_pairs(&g, a, b, max_chunks),
                        "{what} pairs {forced:?}"
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 1000, "{compared}");
        assert!(several.iter().all(|&n| n >= 5), "{several:?}");
        eprintln!("{compared} plans compared; default plans of several chunks: {several:?}");
    }
}
