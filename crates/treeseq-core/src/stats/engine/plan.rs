//! Cutting the genome into chunks: which trees each task covers, where it seeks, and the
//! edges covering each seek position. Also the tables every chunk reads ([`Data`]).
//!
//! What it is not: the tree walk itself (`tree.rs`) or what is summed (`site.rs`,
//! `branch.rs`, `node.rs`).

use rayon::prelude::*;

use super::GeneralStat;
use crate::treeseq::TreeSequence;
use crate::walk::table_view::{CoveringEdges, TableView};

/// Upper bound on genome chunks.
const MAX_CHUNKS: usize = 64;
/// Edge insertions plus removals per chunk, in units of a tree's edges: chunks of site-mode
/// statistics, whose edge events cost least (no summary per event), turn their tree over
/// more times, so that their seeks stay as small a part of their work.
const TURNOVERS_PER_CHUNK: f64 = 2.0;
const TURNOVERS_PER_SITE_CHUNK: f64 = 4.0;

/// What every chunk reads: the tables (a [`TableView`], which `Data` derefs to) and the
/// weights' totals.
pub(super) struct Data<'a> {
    pub(super) g: TableView<'a>,
    /// Column sums of all the weights: the state of the ancestral allele, and `total - x`
    /// for unpolarised statistics (a task's own are its `Part`'s).
    pub(super) total: Vec<f64>,
}

impl<'a> std::ops::Deref for Data<'a> {
    type Target = TableView<'a>;
    fn deref(&self) -> &TableView<'a> {
        &self.g
    }
}

impl<'a> Data<'a> {
    pub(super) fn new(ts: &'a TreeSequence, stat: &GeneralStat<'a>) -> Self {
        Data {
            g: TableView::new(ts),
            total: stat.weights.column_sums(),
        }
    }
}

/// A stretch of consecutive trees processed as one task.
pub(super) struct Chunk {
    /// Where the task builds its first tree: `start`, or the start of the tree before it
    /// when the chunk warms up on that tree.
    pub(super) seek_at: f64,
    pub(super) start: f64,
    pub(super) end: f64,
    /// The edges covering `seek_at`: position `seek` of [`CoveringEdges`].
    pub(super) alive: std::sync::Arc<CoveringEdges>,
    pub(super) seek: usize,
    /// First and last window the chunk overlaps.
    pub(super) w_first: usize,
    pub(super) w_last: usize,
}

pub(super) struct Plan {
    pub(super) chunks: Vec<Chunk>,
}

/// Cuts the trees overlapping the windows into chunks of about equal edge work.
/// With `warmup`, every chunk but the first starts on the tree before its first.
/// Cuts the trees `first..end` into at most `num_chunks` runs of about equal work, where
/// `work(t)` is the cumulative work before tree `t` (never decreasing). Returns the cut
/// points, starting with `first` and ending with `end`. Shared by every chunked statistic.
pub(crate) fn cut_by_work(
    first: usize,
    end: usize,
    num_chunks: usize,
    work: impl Fn(usize) -> usize + Sync,
) -> Vec<usize> {
    let (w0, w1) = (work(first), work(end));
    // Smallest tree boundary in (first, end) whose cumulative work reaches each target (end if
    // none): independent searches, so in parallel (each is a few dozen cache misses).
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
pub(crate) fn trees_overlapping(bp: &[f64], a: f64, b: f64) -> (usize, usize) {
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
pub(crate) fn events_before<'g>(
    g: &'g TableView,
    first: usize,
) -> impl Fn(usize) -> usize + Sync + 'g {
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
/// threads more.) Shared by the engine and the many-pairs path.
pub(crate) fn at_least_two_when_seek_heavy(chunks: usize, events: usize, tree_edges: f64) -> usize {
    if events as f64 >= tree_edges {
        chunks.max(2)
    } else {
        chunks
    }
}

pub(super) fn plan_chunks(
    d: &TableView,
    windows: &[f64],
    forced: Option<usize>,
    warmup: bool,
    site_mode: bool,
) -> Plan {
    let bp = d.breakpoints;
    let (a, b) = (windows[0], windows[windows.len() - 1]);
    // Trees first..end overlap [a, b).
    let (first, end) = trees_overlapping(bp, a, b);
    let work = events_before(d, first);
    let (w0, w1) = (work(first), work(end));

    let tree_edges = (d.inserted_by(bp[first]) - d.removed_by(bp[first])).max(1) as f64;
    let num_chunks = forced.unwrap_or_else(|| {
        // A chunk's seek costs about one pass over a tree's edges; its incremental work is
        // its edge insertions and removals, each a walk towards the root. A chunk should
        // turn its tree over a few times, so that seeking stays a small part of its work.
        // Seek-heavy genomes get at least two chunks (see `at_least_two_when_seek_heavy`);
        // counts above two are rounded up to a multiple of 4, so that 2 or 4 threads share
        // them evenly.
        let turnovers = (w1 - w0) as f64 / tree_edges;
        let per_chunk = if site_mode {
            TURNOVERS_PER_SITE_CHUNK
        } else {
            TURNOVERS_PER_CHUNK
        };
        let c = (turnovers / per_chunk).ceil() as usize;
        let c = at_least_two_when_seek_heavy(c, w1 - w0, tree_edges);
        if c <= 2 { c.max(1) } else { c.div_ceil(4) * 4 }.min(MAX_CHUNKS)
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
        (tree_edges / 6.0) as usize
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

    let seeks: Vec<f64> = cuts[..cuts.len() - 1]
        .iter()
        .enumerate()
        .map(|(i, &t)| bp[if warmup && i > 0 { t - 1 } else { t }])
        .collect();
    let alive = std::sync::Arc::new(d.edges_covering(&seeks));
    let nw = windows.len() - 1;
    let chunks = cuts
        .windows(2)
        .zip(seeks)
        .enumerate()
        .map(|(seek, (c, seek_at))| {
            let (start, end) = (bp[c[0]], bp[c[1]]);
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
                alive: alive.clone(),
                seek,
                w_first,
                w_last,
            }
        })
        .collect();
    Plan { chunks }
}
