//! The pair coalescence statistics: tskit's `pair_coalescence_counts`,
//! `pair_coalescence_quantiles` and `pair_coalescence_rates`.
//!
//! What it is for: in every tree, a pair of samples coalesces at their most recent common
//! ancestor. For each pair of sample sets (an index (a, b): pairs with one sample in each, or
//! pairs within a when a = b), the number of pairs coalescing at each node, weighted by the
//! span of the trees where it does, is summed per genome window into bins: one per node
//! (`time_windows="nodes"`), one per time window, or, for the quantiles, one per distinct
//! node time. A node p counts the pairs whose two samples lie under two different children
//! of p (a sample at p itself is in no pair coalescing at p, as in tskit). Each window's bins
//! are then summarised (tskit's summary functions, reproduced here): the weights themselves
//! (counts), the times below which given proportions of pairs coalesce (quantiles, tskit's
//! "inverted CDF"), or the rates of coalescence in time windows, from the empirical CDF and,
//! in the last window with pairs, the mean coalescence time there (rates).
//!
//! How it is walked: on `crate::walk`'s `TreeState` (per node, how many samples of each set
//! lie at or below it), chunked by the one planner (`Cost::PathWalk`: an edge event walks its
//! path to the root). Moving an edge (child c, parent p) changes, at each ancestor v of p
//! with child w on the path, the pairs coalescing at v by `outside(v) x inside`, where inside
//! is c's counts and outside(v) the counts below v but not below w nor at v, as they were
//! before the edge moved (`TreeState::advance_paths` hands them over in the same pass as its
//! update). A change at x inside a stretch of the genome ending at e (the end of its window,
//! or of its chunk) adds change x (e - x); each stretch starts with every node's pairs x its length (one pass up from the
//! samples of the sets, as tskit's flush at a window's end). So each chunk sums spans x pairs
//! directly; tskit instead adds pairs x (L - x) and takes back the part past each window,
//! which agrees up to rounding.
//!
//! Parallel and reproducible as every statistic here: chunks fixed by the data, each chunk's
//! rows of (window, bin, index) sums added in chunk order (`pairs::run_chunks_with`), then
//! normalised and summarised per window, so the bits are the same on any thread count and on
//! WebAssembly.
//!
//! What it is not: a general statistic (the summary of a node depends on its children's
//! counts, not only its own), nor windows beyond tskit's: windows must run from 0 to L
//! (`"trees"` and `"sites"` are taken, as by every statistic here; tskit takes only lists).

use serde_json::Value;

use super::args::{
    default_indexes, parse_indexes, parse_numbers, parse_sample_sets, parse_time_breakpoints,
    parse_windows, time_window_of, Arrays, Kwargs,
};
use super::chunks::{plan_chunks, Chunk, Cost};
use super::pairs::{chunk_windows, run_chunks_with, TableView};
use super::registry::{Coalescence, Method, Opt};
use super::StatOutput;
use crate::bail;
use crate::error::{ErrorCode, Result};
use crate::treeseq::TreeSequence;
use crate::walk::tree_state::{PathVisitor, TreeState};
use crate::walk::windows::WindowCursor;

/// A pair coalescence call, its arguments read and checked.
struct Call {
    which: Coalescence,
    /// The sample sets, disjoint.
    sets: Vec<Vec<i32>>,
    /// Pairs of sets.
    indexes: Vec<(usize, usize)>,
    /// Whether the index axis is dropped (no `indexes` given).
    drop_indexes: bool,
    windows: Vec<f64>,
    /// Whether the window axis is dropped (no `windows` given).
    drop_windows: bool,
    /// Each node's bin, or -1 for none.
    node_bin: Vec<i32>,
    num_bins: usize,
    span_normalise: bool,
    pair_normalise: bool,
    /// The quantiles, or the rates' time windows: what the summary reads.
    params: Vec<f64>,
}

/// tskit's `ts.pair_coalescence_counts`, `pair_coalescence_quantiles` or
/// `pair_coalescence_rates`, by the row's [`Coalescence`].
pub fn compute(
    ts: &TreeSequence,
    row: &Method,
    which: Coalescence,
    kwargs: &Value,
    arrays: Arrays,
) -> Result<StatOutput> {
    let call = Call::parse(ts, row, which, kwargs, arrays)?;
    let sums = walk(ts, &call);
    Ok(call.finish(&sums))
}

impl Call {
    /// Reads the arguments with tskit's defaults, and refuses what tskit refuses (in tskit's
    /// order where one call could meet two faults: the Python checks first, then the C
    /// library's).
    fn parse(
        ts: &TreeSequence,
        row: &Method,
        which: Coalescence,
        kwargs: &Value,
        arrays: Arrays,
    ) -> Result<Call> {
        let method = row.tskit;
        let kw = Kwargs::with_arrays(method, kwargs, arrays)?;
        let sets = match parse_sample_sets(ts, method, kw.get(Opt::SampleSets.tskit()), arrays)? {
            None => vec![ts.samples.clone()],
            Some(s) if s.dropped => bail!(
                BadSampleSets,
                "{method}: sample_sets must be a list of lists of sample node ids (a flat list is refused, as tskit refuses it)"
            ),
            Some(s) => s.sets,
        };
        let (indexes, drop_indexes) =
            match parse_indexes(method, kw.get(Opt::Indexes.tskit()), 2, sets.len())? {
                Some(ix) if ix.dropped => bail!(
                    BadParam,
                    "{method}: indexes must be a list of 2-tuples (a k x 2 array), not one tuple"
                ),
                Some(ix) => (ix.tuples, false),
                None if sets.len() <= 2 => {
                    let k = sets.len();
                    let ix = default_indexes(method, k, k, "sample sets")?;
                    let t = &ix.tuples[0];
                    (vec![vec![t[0], t[k - 1]]], true)
                }
                None => bail!(
                    BadParam,
                    "{method}: must specify indexes if there are more than two sample sets"
                ),
            };
        let indexes = indexes.iter().map(|t| (t[0], t[1])).collect();
        let calibrated = ts.time_units() != "uncalibrated";
        let uncalibrated = |what: &str| -> Result<Call> {
            bail!(
                BadParam,
                "{method}: {what} require calibrated node times, but this tree sequence's time_units is \"uncalibrated\""
            )
        };
        let time_windows = kw.get(Opt::TimeWindows.tskit());
        let flag = |opt: Opt| kw.bool_or(opt.tskit(), row.default_of(opt));
        let (node_bin, num_bins, params) = match which {
            Coalescence::Counts => match time_windows {
                None => node_bins(ts.num_nodes()),
                Some(Value::String(s)) if s == "nodes" => node_bins(ts.num_nodes()),
                Some(Value::String(s)) => bail!(
                    BadWindows,
                    "{method}: time_windows must be \"nodes\" or a list of times, got \"{s}\""
                ),
                Some(v) => {
                    if !calibrated {
                        return uncalibrated("time windows");
                    }
                    let breaks = parse_time_breakpoints(method, v, arrays, 0)?;
                    let (bins, n) = time_window_bins(ts, method, &breaks)?;
                    (bins, n, vec![])
                }
            },
            Coalescence::Quantiles => {
                let Some(q) = kw.get(Opt::Quantiles.tskit()) else {
                    bail!(BadParam, "{method}: missing required argument quantiles");
                };
                let q = parse_numbers(
                    method,
                    "quantiles",
                    "numbers",
                    ErrorCode::BadParam,
                    q,
                    arrays,
                )?;
                if !calibrated {
                    return uncalibrated("pair coalescence quantiles");
                }
                if q.is_empty() {
                    bail!(BadParam, "{method}: must supply at least one quantile");
                }
                let mut last = f64::NEG_INFINITY;
                for (i, &x) in q.iter().enumerate() {
                    // As tskit: written so that NaN fails too.
                    if !(x > last && (0.0..=1.0).contains(&x)) {
                        bail!(BadParam, "{method}: quantiles must be between 0 and 1 (inclusive) and strictly increasing (quantiles[{i}] = {x})");
                    }
                    last = x;
                }
                let (bins, n) = distinct_time_bins(ts);
                (bins, n, q)
            }
            Coalescence::Rates => {
                let Some(v) = time_windows else {
                    bail!(
                        BadParam,
                        "{method}: missing required argument time_windows (a list of times ending at Infinity)"
                    );
                };
                let breaks = parse_time_breakpoints(method, v, arrays, 0)?;
                if !calibrated {
                    return uncalibrated("pair coalescence rates");
                }
                let (bins, _) = time_window_bins(ts, method, &breaks)?;
                check_rate_windows(ts, method, &breaks, &sets)?;
                (bins, breaks.len() - 1, breaks)
            }
        };
        let windows = parse_windows(ts, method, kw.get(Opt::Windows.tskit()), arrays)?;
        let l = ts.sequence_length();
        if windows.breaks[0] != 0.0 || windows.breaks[windows.breaks.len() - 1] != l {
            bail!(
                BadWindows,
                "{method}: windows must be an increasing list [0, ..., L] (L = {l}), as tskit requires here"
            );
        }
        check_disjoint(ts, method, &sets)?;
        let summarised = which != Coalescence::Counts;
        Ok(Call {
            which,
            sets,
            indexes,
            drop_indexes,
            drop_windows: !windows.given,
            windows: windows.breaks,
            node_bin,
            num_bins,
            span_normalise: summarised || flag(Opt::SpanNormalise)?,
            pair_normalise: summarised || flag(Opt::PairNormalise)?,
            params,
        })
    }

    /// Whether the walk sums time x weight per bin (the summaries read each bin's mean time).
    fn needs_times(&self) -> bool {
        self.which != Coalescence::Counts
    }

    /// Values per bin in a window row of the walk's sums: the weight of each index, then,
    /// when needed, its sum of time x weight (one bin's values together: an update touches
    /// one bin).
    fn cell_len(&self) -> usize {
        self.indexes.len() * if self.needs_times() { 2 } else { 1 }
    }

    /// Values per window row of the walk's sums: a cell per bin ([`Call::cell_len`]), then
    /// the window's span without edges.
    fn row_len(&self) -> usize {
        self.num_bins * self.cell_len() + 1
    }

    /// The output from the summed rows: per window and index, the bins' weights normalised
    /// as asked, then summarised.
    fn finish(&self, sums: &[f64]) -> StatOutput {
        let (nb, ni) = (self.num_bins, self.indexes.len());
        let nw = self.windows.len() - 1;
        let out_dim = match self.which {
            Coalescence::Counts => nb,
            Coalescence::Quantiles => self.params.len(),
            Coalescence::Rates => self.params.len() - 1,
        };
        let total_pairs: Vec<f64> = self
            .indexes
            .iter()
            .map(|&(a, b)| {
                let (na, nb) = (self.sets[a].len() as f64, self.sets[b].len() as f64);
                if a == b {
                    (na * nb - nb) / 2.0
                } else {
                    na * nb
                }
            })
            .collect();
        let (row_len, cell) = (self.row_len(), self.cell_len());
        let mut data = vec![0.0; nw * ni * out_dim];
        let (mut weight, mut values) = (vec![0.0; nb], vec![0.0; nb]);
        for w in 0..nw {
            let row = &sums[w * row_len..(w + 1) * row_len];
            let missing = row[row_len - 1];
            let span = self.windows[w + 1] - self.windows[w] - missing;
            for (i, &pairs) in total_pairs.iter().enumerate() {
                for b in 0..nb {
                    weight[b] = row[b * cell + i];
                    if self.needs_times() {
                        values[b] = row[b * cell + ni + i] / weight[b];
                    }
                }
                if self.span_normalise || self.pair_normalise {
                    let mut denominator = 1.0;
                    if self.span_normalise {
                        denominator *= span;
                    }
                    if self.pair_normalise {
                        denominator *= pairs;
                    }
                    let scale = if denominator == 0.0 {
                        0.0
                    } else {
                        1.0 / denominator
                    };
                    weight.iter_mut().for_each(|x| *x *= scale);
                }
                let out = &mut data[(w * ni + i) * out_dim..][..out_dim];
                match self.which {
                    Coalescence::Counts => out.copy_from_slice(&weight),
                    Coalescence::Quantiles => quantiles(&weight, &values, &self.params, out),
                    Coalescence::Rates => rates(&weight, &values, &self.params, out),
                }
            }
        }
        let mut shape = Vec::with_capacity(3);
        if !self.drop_windows {
            shape.push(nw);
        }
        if !self.drop_indexes {
            shape.push(ni);
        }
        shape.push(out_dim);
        StatOutput { data, shape }
    }
}

/// One bin per node.
fn node_bins(n: usize) -> (Vec<i32>, usize, Vec<f64>) {
    ((0..n as i32).collect(), n, vec![])
}

/// Each node's time window (-1 for none) and the number of windows; refused when no node
/// falls in any (tskit: "Node-to-bin map has null values for all nodes").
fn time_window_bins(ts: &TreeSequence, method: &str, breaks: &[f64]) -> Result<(Vec<i32>, usize)> {
    let bins: Vec<i32> = ts
        .tables
        .nodes
        .time
        .iter()
        .map(|&t| time_window_of(breaks, t).map_or(-1, |b| b as i32))
        .collect();
    if bins.iter().all(|&b| b < 0) {
        bail!(
            BadWindows,
            "{method}: no node's time falls in the time windows (tskit: the node-to-bin map has null values for all nodes)"
        );
    }
    Ok((bins, breaks.len() - 1))
}

/// One bin per distinct node time, in increasing time (tskit's `np.unique(nodes_time)`).
fn distinct_time_bins(ts: &TreeSequence) -> (Vec<i32>, usize) {
    let time = &ts.tables.nodes.time;
    let mut distinct: Vec<f64> = time.to_vec();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    let bins = time
        .iter()
        .map(|&t| distinct.partition_point(|&d| d < t) as i32)
        .collect();
    (bins, distinct.len())
}

/// tskit's checks of the rates' time windows: strictly increasing, ending at infinity, and
/// starting at the time of every sample of the sets.
fn check_rate_windows(
    ts: &TreeSequence,
    method: &str,
    breaks: &[f64],
    sets: &[Vec<i32>],
) -> Result<()> {
    if breaks.windows(2).any(|w| w[0] >= w[1]) {
        bail!(
            BadWindows,
            "{method}: time windows must be strictly increasing"
        );
    }
    if breaks[breaks.len() - 1] != f64::INFINITY {
        bail!(
            BadWindows,
            "{method}: time windows must end at infinity for this method"
        );
    }
    let time = &ts.tables.nodes.time;
    for (j, set) in sets.iter().enumerate() {
        for &u in set {
            if time[u as usize] != breaks[0] {
                bail!(BadWindows, "{method}: all sample times must be equal to the start of the first time window (sample {u} of sample_sets[{j}] is at time {})", time[u as usize]);
            }
        }
    }
    Ok(())
}

/// tskit's rule that a sample is in one set at most ("Duplicate sample value").
fn check_disjoint(ts: &TreeSequence, method: &str, sets: &[Vec<i32>]) -> Result<()> {
    let mut set_of = vec![-1i32; ts.num_nodes()];
    for (j, set) in sets.iter().enumerate() {
        for &u in set {
            let seen = set_of[u as usize];
            if seen >= 0 {
                bail!(BadSampleSets, "{method}: node {u} is in sample_sets[{seen}] and sample_sets[{j}]: duplicate sample value (the sets must not overlap)");
            }
            set_of[u as usize] = j as i32;
        }
    }
    Ok(())
}

/// The walk: each window's rows (see [`Call::row_len`]), summed over chunks in chunk order.
fn walk(ts: &TreeSequence, call: &Call) -> Vec<f64> {
    let g = TableView::new(ts);
    let k = call.sets.len();
    let n = ts.num_nodes();
    let mut own = vec![0.0; n * k];
    let mut set_of = vec![-1i32; n];
    for (j, set) in call.sets.iter().enumerate() {
        for &u in set {
            own[u as usize * k + j] = 1.0;
            set_of[u as usize] = j as i32;
        }
    }
    let members: Vec<i32> = call.sets.concat();
    let chunks = plan_chunks(&g, &call.windows, Cost::PathWalk, None);
    // Partials with a bin per node are as large as the output: a few alive at a time.
    let wave = if call.num_bins > 4096 {
        rayon::current_num_threads()
    } else {
        chunks.len()
    };
    let ctx = Walk {
        g,
        call,
        own: &own,
        set_of: &set_of,
        members: &members,
        k,
    };
    run_chunks_with(
        &call.windows,
        &chunks,
        call.row_len(),
        wave,
        || (),
        |_, c| ctx.chunk(c),
    )
}

/// What every chunk reads.
struct Walk<'a> {
    g: TableView<'a>,
    call: &'a Call,
    /// Each node's own counts (1 in its set's column for a member of a set).
    own: &'a [f64],
    /// Each node's set, or -1.
    set_of: &'a [i32],
    /// The members of every set.
    members: &'a [i32],
    k: usize,
}

impl Walk<'_> {
    /// One chunk's rows, for the windows `chunk_windows(chunk)`.
    fn chunk(&self, chunk: &Chunk) -> Vec<f64> {
        let call = self.call;
        let windows = &call.windows[..];
        let (row_len, cell) = (call.row_len(), call.cell_len());
        let rows = chunk_windows(windows, chunk);
        let first = rows.start;
        let mut acc = vec![0.0; rows.len() * row_len];
        let mut st = TreeState::from_own(
            &self.g,
            &chunk.alive(),
            chunk.start,
            self.own.to_vec(),
            self.k,
        );
        let mut visited = vec![false; self.g.num_nodes];
        let mut outside = vec![0.0; self.k];
        let mut scratch = vec![0.0; 2 * self.k];
        let mut pairs = PairScratch::new(self.k, call.indexes.len());
        let mut missing = WindowCursor::new(windows, chunk.start);
        let time = self.g.time;
        let times = call.needs_times();

        // Where bin b's cell of window w is in `acc`: written out at each use, since a
        // closure here, called from the walk's closures, was not inlined (half the time).
        let time_of = |v: usize| times.then(|| time[v]);
        let mut w = first;
        let mut seg_end = windows[w + 1].min(chunk.end);
        let mut d = vec![0.0; call.indexes.len()];
        self.open(&st, &mut visited, &mut outside, &mut d, |v, b, d| {
            let at = (w - first) * row_len + b * cell;
            add_cell(
                &mut acc[at..at + cell],
                d,
                seg_end - chunk.start,
                time_of(v),
            )
        });
        let mut left = chunk.start;
        loop {
            let right = st.tree_right(chunk.end);
            if st.cursor.num_edges() == 0 {
                missing.each(windows, left, right, |mw, overlap| {
                    acc[(mw - first) * row_len + row_len - 1] += overlap;
                });
            }
            // Windows ending inside the tree: the next starts with the whole tree.
            while windows[w + 1] < right {
                w += 1;
                let start = windows[w];
                seg_end = windows[w + 1].min(chunk.end);
                self.open(&st, &mut visited, &mut outside, &mut d, |v, b, d| {
                    let at = (w - first) * row_len + b * cell;
                    add_cell(&mut acc[at..at + cell], d, seg_end - start, time_of(v))
                });
            }
            if right >= chunk.end {
                break;
            }
            if windows[w + 1] == right {
                // A new window starts with the next tree: its changes count in no window
                // that has begun, so the tree moves, then the window opens with it.
                st.advance(right, |_, _, _| {});
                w += 1;
                seg_end = windows[w + 1].min(chunk.end);
                self.open(&st, &mut visited, &mut outside, &mut d, |v, b, d| {
                    let at = (w - first) * row_len + b * cell;
                    add_cell(&mut acc[at..at + cell], d, seg_end - right, time_of(v))
                });
            } else {
                // The pairs coalescing at each ancestor v of a moved edge change by
                // outside(v) x moved, outside(v) the samples below v but neither below its
                // path child nor at v: inserting, the child is not yet below the edge's parent.
                let at = (w - first) * row_len;
                let (row, factor) = (&mut acc[at..at + row_len], seg_end - right);
                match self.k {
                    1 => self.update::<1>(&mut st, right, &mut scratch, &mut pairs, row, factor),
                    2 => self.update::<2>(&mut st, right, &mut scratch, &mut pairs, row, factor),
                    3 => self.update::<3>(&mut st, right, &mut scratch, &mut pairs, row, factor),
                    4 => self.update::<4>(&mut st, right, &mut scratch, &mut pairs, row, factor),
                    _ => self.update::<0>(&mut st, right, &mut scratch, &mut pairs, row, factor),
                }
            }
            left = right;
        }
        acc
    }

    /// Moves the tree to `pos`, adding each moved edge's changes to the pairs coalescing on
    /// its path, times `factor`, into `row` (see [`PathUpdate`]).
    #[allow(
        clippy::too_many_arguments,
        reason = "the walk's own state, split so that each borrow is separate"
    )]
    fn update<const K: usize>(
        &self,
        st: &mut TreeState<f64>,
        pos: f64,
        scratch: &mut [f64],
        pairs: &mut PairScratch,
        row: &mut [f64],
        factor: f64,
    ) {
        let mut update = PathUpdate::<K> {
            walk: self,
            pairs,
            row,
            factor,
        };
        st.advance_paths(pos, scratch, &mut update);
    }

    /// Calls `f(v, bin, pairs)` with the pairs of each index coalescing at every node v of
    /// the current tree that has a bin and samples of the sets below it: one pass up from
    /// the sets' members, each child met once adding `counts(child) x outside(child)`, which
    /// counts every pair twice, so halved.
    fn open(
        &self,
        st: &TreeState<f64>,
        visited: &mut [bool],
        outside: &mut [f64],
        d: &mut [f64],
        mut f: impl FnMut(usize, usize, &[f64]),
    ) {
        let bins = &self.call.node_bin;
        for &u in self.members {
            let mut c = u as usize;
            let mut p = st.parent[c];
            while !visited[c] && p >= 0 {
                let pu = p as usize;
                let b = bins[pu];
                if b >= 0 {
                    let inside = st.row(c);
                    outside_counts(st.row(pu), inside, self.set_of[pu], outside);
                    pair_counts(&self.call.indexes, outside, inside, d);
                    d.iter_mut().for_each(|x| *x *= 0.5);
                    f(pu, b as usize, d);
                }
                visited[c] = true;
                c = pu;
                p = st.parent[c];
            }
        }
        for &u in self.members {
            let mut c = u as usize;
            while visited[c] {
                visited[c] = false;
                let p = st.parent[c];
                if p < 0 {
                    break;
                }
                c = p as usize;
            }
        }
    }
}

/// What the pair updates of one edge move reuse: per index i and set j, the pairs of index
/// i that one sample of set j outside the moved child forms with the moved child's samples
/// (`ni x k`, row-major), and the outside counts of the node being updated.
struct PairScratch {
    per_sample: Vec<f64>,
    outside: Vec<f64>,
}

impl PairScratch {
    fn new(k: usize, ni: usize) -> PairScratch {
        PairScratch {
            per_sample: vec![0.0; ni * k],
            outside: vec![0.0; k],
        }
    }
}

/// The change of the pairs coalescing at each ancestor v of a moved edge: outside(v) x
/// moved, outside(v) the samples below v but neither below its path child nor at v
/// (inserting, the child is not yet below the edge's parent), times `factor` (the rest of
/// the stretch), into the bins of `row`, one window's row of the walk's sums. The moved
/// child's counts are the same all along its path, so the pairs per outside sample of each
/// set are worked out once per edge, and each ancestor's pairs of index i are a short dot
/// product of its outside counts with row i of those. (Counts are small integers, so every
/// product and sum of them is exact: the order they are added in changes no bit.)
///
/// `K` is the number of sets when it is one of the few compiled for (the loops over sets
/// are then unrolled: with a handful of sets, loop overhead was most of the work), or 0
/// for any number (`walk.k`).
struct PathUpdate<'a, const K: usize> {
    walk: &'a Walk<'a>,
    pairs: &'a mut PairScratch,
    row: &'a mut [f64],
    factor: f64,
}

impl<const K: usize> PathUpdate<'_, K> {
    #[inline(always)]
    fn k(&self) -> usize {
        if K > 0 {
            K
        } else {
            self.walk.k
        }
    }
}

impl<const K: usize> PathVisitor for PathUpdate<'_, K> {
    #[inline(always)]
    fn edge(&mut self, moved: &[f64]) {
        let k = self.k();
        let indexes = &self.walk.call.indexes;
        for (per, &(a, b)) in self.pairs.per_sample.chunks_exact_mut(k).zip(indexes) {
            for (j, p) in per.iter_mut().enumerate() {
                *p = if a == j {
                    moved[b]
                } else if b == j {
                    moved[a]
                } else {
                    0.0
                };
            }
        }
    }

    #[inline(always)]
    fn ancestor(&mut self, insert: bool, v: usize, above: &[f64], below: Option<&[f64]>) {
        let k = self.k();
        let call = self.walk.call;
        let b = call.node_bin[v];
        if b < 0 {
            return;
        }
        let own = self.walk.set_of[v];
        let outside = &mut self.pairs.outside[..k];
        let above = &above[..k];
        match below {
            Some(below) => {
                for j in 0..k {
                    outside[j] = above[j] - below[..k][j];
                }
            }
            None => outside.copy_from_slice(above),
        }
        if own >= 0 {
            outside[own as usize] -= 1.0;
        }
        let sign = if insert { self.factor } else { -self.factor };
        let ni = call.indexes.len();
        let cell = call.cell_len();
        let cells = &mut self.row[b as usize * cell..][..cell];
        let per_sample = &self.pairs.per_sample[..ni * k];
        if call.needs_times() {
            let t = self.walk.g.time[v];
            let (weights, times) = cells.split_at_mut(ni);
            for ((per, w), s) in per_sample.chunks_exact(k).zip(weights).zip(times) {
                let x = dot(per, outside) * sign;
                *w += x;
                *s += t * x;
            }
        } else {
            for (per, w) in per_sample.chunks_exact(k).zip(cells) {
                *w += dot(per, outside) * sign;
            }
        }
    }
}

/// Sum of `a[j] x b[j]` in order of j.
#[inline(always)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut d = a[0] * b[0];
    for j in 1..a.len() {
        d += a[j] * b[j];
    }
    d
}

/// Adds `pairs x factor` to a bin's cell (see [`Call::cell_len`]), and, with the time of the
/// node they coalesce at, time x that.
#[inline(always)]
fn add_cell(cell: &mut [f64], pairs: &[f64], factor: f64, time: Option<f64>) {
    let (weights, times) = cell.split_at_mut(pairs.len());
    match time {
        None => {
            for (a, &x) in weights.iter_mut().zip(pairs) {
                *a += x * factor;
            }
        }
        Some(t) => {
            for ((a, s), &x) in weights.iter_mut().zip(times.iter_mut()).zip(pairs) {
                let x = x * factor;
                *a += x;
                *s += t * x;
            }
        }
    }
}

/// Counts at or below `above` but neither below its child (`below`) nor at it (`own`, its
/// set or -1).
#[inline]
fn outside_counts(above: &[f64], below: &[f64], own: i32, out: &mut [f64]) {
    for (j, o) in out.iter_mut().enumerate() {
        *o = above[j] - below[j] - if own == j as i32 { 1.0 } else { 0.0 };
    }
}

/// Pairs of each index with one sample in `outside` and one in `inside`: tskit's
/// `pair_coalescence_count`.
#[inline]
fn pair_counts(indexes: &[(usize, usize)], outside: &[f64], inside: &[f64], out: &mut [f64]) {
    for (o, &(a, b)) in out.iter_mut().zip(indexes) {
        *o = outside[a] * inside[b];
        if a != b {
            *o += outside[b] * inside[a];
        }
    }
}

/// tskit's quantile summary: per quantile, the mean time of the first bin (in time order)
/// where the cumulative weight reaches it; the last quantile, when 1, the last bin with
/// weight; NaN where none does.
fn quantiles(weight: &[f64], values: &[f64], q: &[f64], out: &mut [f64]) {
    out.iter_mut().for_each(|x| *x = f64::NAN);
    let (mut j, mut coalesced, mut timepoint) = (0, 0.0, f64::NAN);
    for (&w, &v) in weight.iter().zip(values) {
        if w > 0.0 {
            coalesced += w;
            timepoint = v;
            while j < q.len() && q[j] <= coalesced {
                out[j] = timepoint;
                j += 1;
            }
        }
    }
    if q[q.len() - 1] == 1.0 {
        out[q.len() - 1] = timepoint;
    }
}

/// tskit's rate summary: in each time window [a, b) before the last with weight,
/// `log(1 - weight / (1 - coalesced before a)) / (a - b)`; in that last one, one over the
/// mean waiting time past a; NaN after it; negative values (rounding) as 0.
fn rates(weight: &[f64], values: &[f64], breaks: &[f64], out: &mut [f64]) {
    let mut last = weight.len();
    while last > 0 && weight[last - 1] == 0.0 {
        out[last - 1] = f64::NAN;
        last -= 1;
    }
    let mut coalesced = 0.0;
    for i in 0..last {
        let (a, b) = (breaks[i], breaks[i + 1]);
        let rate = if i + 1 == last {
            let waiting = if values[i] < a { 0.0 } else { values[i] - a };
            1.0 / waiting
        } else {
            crate::portable_math::ln(1.0 - weight[i] / (1.0 - coalesced)) / (a - b)
        };
        out[i] = if rate > 0.0 { rate } else { 0.0 };
        coalesced += weight[i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_counts_within_and_between_sets() {
        let mut out = [0.0; 2];
        pair_counts(&[(0, 0), (0, 1)], &[2.0, 3.0], &[1.0, 4.0], &mut out);
        assert_eq!(out, [2.0, 2.0 * 4.0 + 3.0 * 1.0]);
    }

    #[test]
    fn quantiles_invert_the_cdf() {
        let mut out = [0.0; 3];
        quantiles(
            &[0.25, 0.0, 0.75],
            &[1.0, f64::NAN, 3.0],
            &[0.0, 0.5, 1.0],
            &mut out,
        );
        assert_eq!(out, [1.0, 3.0, 3.0]);
        // No weight: NaN throughout.
        quantiles(&[0.0, 0.0, 0.0], &[0.0; 3], &[0.0, 0.5, 1.0], &mut out);
        assert!(out.iter().all(|x| x.is_nan()));
    }

    #[test]
    fn rates_from_the_ecdf() {
        let mut out = [0.0; 3];
        rates(
            &[0.5, 0.5, 0.0],
            &[0.5, 2.0, f64::NAN],
            &[0.0, 1.0, 1.5, f64::INFINITY],
            &mut out,
        );
        assert!((out[0] - 2f64.ln()).abs() < 1e-15);
        // The last window with pairs: one over the mean wait past its start, 2 - 1.
        assert_eq!(out[1], 1.0);
        assert!(out[2].is_nan());
    }

    #[test]
    fn time_windows_as_digitize() {
        let b = [0.0, 1.0, 1.0, 5.0];
        assert_eq!(time_window_of(&b, -1.0), None);
        assert_eq!(time_window_of(&b, 0.5), Some(0));
        assert_eq!(time_window_of(&b, 1.0), Some(2));
        assert_eq!(time_window_of(&b, 5.0), None);
    }
}
