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
//! `args/`, `summaries.rs` and `stats/mod.rs`).
//!
//! How it runs in parallel: the genome (the part the windows cover) is cut at tree
//! boundaries into chunks of about equal numbers of edge insertions and removals; how many
//! depends only on the data, never on the thread count (`stats/chunks.rs`). Each chunk seeks to its
//! first tree (the edges covering its start, found for all chunks in one parallel scan of the
//! edge table into a bitmap, give the parent pointers; one pass over them in edge-table order, which is
//! parent-time order, builds every node's weight sums), then moves from tree to tree
//! incrementally as tskit does, with `edge_removal_order` and `edge_insertion_order`
//! (`crate::walk`'s `TreeState` and `EdgeCursor`, in buffers reused from chunk to chunk:
//! `workspace.rs`). Each chunk sums into the windows it overlaps (`site.rs`, `branch.rs`,
//! `node.rs`, with `evaluator.rs` and `lazy.rs`); chunk results are added into the output in chunk order, here. So the result
//! is the same, bit for bit, on any number of threads. Statistics with many outputs (many
//! sample sets, index tuples) are also split into groups of outputs, each group a task of its
//! own per chunk; a group whose outputs read only some of the state's columns (a summary's
//! `columns`) carries only those, so that K sample sets cost O(K) per node update in all,
//! not O(K) per group (see `Group`).
//!
//! Per tree transition, a node whose weights or branch change is "touched" once: its old
//! value is kept before the first change and its summary is recomputed once after all of the
//! transition's edges are applied, rather than once per edge as in tskit.

mod branch;
pub use branch::set_keep_summaries_bytes;
mod evaluator;
mod lazy;
mod node;
mod site;
mod workspace;

// The branch-mode spectrum (stats::afs_branch) splits branches across time windows alike.
pub(crate) use evaluator::branch_in_time_windows;

use std::ops::Range;

use rayon::prelude::*;

use super::args::Mode;
use super::chunks::{
    max_pieces, plan_chunks, plan_pieces, span_normalise, Chunk, Cost, Forced, PieceCuts, Plan,
    MAX_PIECES,
};
use super::summaries::{AfsSummary, SummaryFunc};
use super::weights::WeightMatrix;
use crate::bail;
use crate::error::Result;
use crate::treeseq::TreeSequence;
use crate::walk::table_view::TableView;
use branch::branch_dense;
use node::node_dense;
use site::{site_afs, site_dense, site_record};
use workspace::{Workspace, WorkspacePool, WORKSPACES};

/// The summary a statistic sums: a dense function, or the allele frequency spectrum; or, in
/// site mode, none: the walk records each site's allele weights ([`record_sites`]).
#[derive(Clone, Copy)]
pub enum Summary<'a> {
    Dense(&'a dyn SummaryFunc),
    Afs(&'a AfsSummary),
    Record,
}

impl Summary<'_> {
    pub fn output_dim(&self) -> usize {
        match self {
            Summary::Dense(f) => f.output_dim(),
            Summary::Afs(a) => a.size(),
            Summary::Record => 0,
        }
    }
}

/// One general-statistic computation.
#[derive(Clone, Copy)]
pub struct GeneralStat<'a> {
    /// Row i is the weight vector of sample `ts.samples[i]`.
    pub weights: &'a WeightMatrix,
    pub summary: Summary<'a>,
    pub mode: Mode,
    /// Window breakpoints, strictly increasing inside [0, L] (checked by `args`).
    pub windows: &'a [f64],
    /// Branch mode only: time window breakpoints, starting at 0, strictly increasing.
    pub time_windows: Option<&'a [f64]>,
    pub polarised: bool,
    pub span_normalise: bool,
}

/// Outputs of a dense summary per task: more are split into groups (tasks of their own).
/// Site mode carries larger groups: its node updates are additions of packed counts alone
/// (no summary per node), so a group's fixed costs (walking each edge's path, each site's
/// mutations) are shared by more outputs.
const MAX_OUTPUTS_PER_TASK: usize = 64;
const MAX_OUTPUTS_PER_SITE_TASK: usize = 256;

/// One group of a dense summary's outputs: a task of its own for each chunk.
struct Group {
    /// Its outputs among the summary's.
    outputs: Range<usize>,
    /// Where the outputs read only some of the weights' columns: those columns (sorted) and
    /// the outputs as a summary over them alone. A node then carries `columns.len()` sums in
    /// this group's tasks rather than all K, so that many sample sets in many groups cost
    /// O(K) per node update in all (and O(nodes x group) memory per thread), not O(K) per
    /// group. The restricted summary computes each output with the same arithmetic on the
    /// same sums, so the same bits as the whole state would give, except where branch mode
    /// skips a node whose sums did not change: with fewer columns that is more often, and
    /// the result can differ from the unrestricted one by rounding (never with the thread
    /// count: groups depend only on the statistic).
    restricted: Option<(Vec<usize>, Box<dyn SummaryFunc>)>,
}

/// Splits a summary's `m` outputs into groups: of [`MAX_OUTPUTS_PER_TASK`] outputs each
/// ([`MAX_OUTPUTS_PER_SITE_TASK`] in site mode), restricted where they read fewer than all
/// `k` columns. A summary that reads the whole state for every output (centred relatedness:
/// the mean over all sets) gets groups of at least k outputs, so that carrying the state
/// costs no more than its outputs do. The spectrum's cells are one group: a node adds to one
/// cell, wherever it is.
fn make_groups(summary: Summary, mode: Mode, m: usize, k: usize) -> Vec<Group> {
    let f = match summary {
        Summary::Dense(f) => f,
        Summary::Afs(_) | Summary::Record => {
            return vec![Group {
                outputs: 0..m,
                restricted: None,
            }]
        }
    };
    let size = match mode {
        Mode::Site => MAX_OUTPUTS_PER_SITE_TASK,
        _ => MAX_OUTPUTS_PER_TASK,
    };
    let size = if f.columns(0..m).is_some() {
        size
    } else {
        size.max(k)
    };
    (0..m)
        .step_by(size)
        .map(|a| {
            let outputs = a..(a + size).min(m);
            let restricted = f.columns(outputs.clone()).filter(|c| c.len() < k).map(|c| {
                let g = f.restrict(outputs.clone(), &c);
                (c, g)
            });
            Group {
                outputs,
                restricted,
            }
        })
        .collect()
}

/// What a task sums: the weights it carries (all, or a group's columns), their column sums,
/// and the summary of its outputs `cols` over them.
pub(super) struct Part<'a> {
    pub(super) weights: &'a WeightMatrix,
    pub(super) total: &'a [f64],
    pub(super) summary: Summary<'a>,
    pub(super) cols: Range<usize>,
}

impl Part<'_> {
    /// StoredSum columns a node carries.
    pub(super) fn k(&self) -> usize {
        self.weights.num_cols
    }
}

/// The weights' columns `columns` alone, written into `data` (a workspace's buffer, reused:
/// a fresh one per task would cost its page faults every time), and their column sums (taken
/// from `total`, so the same bits as the whole state's).
fn gather_columns(
    weights: &WeightMatrix,
    total: &[f64],
    columns: &[usize],
    mut data: Vec<f64>,
) -> (WeightMatrix, Vec<f64>) {
    data.clear();
    data.reserve(weights.num_rows * columns.len());
    for i in 0..weights.num_rows {
        let row = weights.row(i);
        data.extend(columns.iter().map(|&c| row[c]));
    }
    let w = WeightMatrix {
        data,
        num_rows: weights.num_rows,
        num_cols: columns.len(),
        // Both hold for any subset of the columns.
        small_integers: weights.small_integers,
        counts: weights.counts,
        // A few columns of many: packed as they are read (see `weights::packed_rows`).
        packed_rows: None,
    };
    (w, columns.iter().map(|&c| total[c]).collect())
}

/// Runs the general statistic; the result is `[window][time window][node?][output]`.
pub fn run(ts: &TreeSequence, stat: &GeneralStat) -> Result<Vec<f64>> {
    run_with_chunks(ts, stat, None)
}

/// The chunks a statistic's trees are cut into, made apart from the run: a caller can make
/// them while it reads the rest of its arguments (they depend only on the tree sequence, the
/// windows and the kind of statistic). On 300,000 samples the plan takes half a millisecond
/// of a 25 ms call, which other threads would otherwise wait for.
pub struct ChunkPlan {
    pieces: PieceCuts,
    windows: Vec<f64>,
    cost: Cost,
}

/// The engine's cost model for a statistic: whether it starts each chunk one tree early
/// (branch mode, dense summary: see `branch_dense`), and whether it is a site-mode one: what
/// cutting the chunks depends on.
fn plan_kind(mode: Mode, dense: bool) -> Cost {
    Cost::Engine {
        site_mode: mode == Mode::Site,
        warmup: mode == Mode::Branch && dense,
    }
}

impl ChunkPlan {
    /// The planned pieces, if they were planned for this statistic's windows and kind.
    fn pieces_for(self, stat: &GeneralStat) -> Option<PieceCuts> {
        let kind = plan_kind(stat.mode, matches!(stat.summary, Summary::Dense(_)));
        (self.windows == stat.windows && self.cost == kind).then_some(self.pieces)
    }

    /// The pieces [`run`] cuts a statistic of this mode and summary kind (`dense`: not the
    /// allele frequency spectrum) into over these windows, for when its walk can go on from
    /// piece to piece (see `continuable`; otherwise the run plans its chunks itself).
    pub fn new(ts: &TreeSequence, windows: &[f64], mode: Mode, dense: bool) -> ChunkPlan {
        let cost = plan_kind(mode, dense);
        ChunkPlan {
            pieces: plan_pieces(&TableView::new(ts), windows, cost, None),
            windows: windows.to_vec(),
            cost,
        }
    }
}

/// As [`run`], with the chunks planned beforehand ([`ChunkPlan::new`]). A plan made for other
/// windows or another kind of statistic is not used: the chunks are planned again.
pub fn run_planned(ts: &TreeSequence, stat: &GeneralStat, plan: ChunkPlan) -> Result<Vec<f64>> {
    run_inner(ts, stat, Forced::default(), plan.pieces_for(stat))
}

/// As [`run`], with the number of genome chunks forced, each sought (tests use it to check
/// that chunking changes nothing beyond rounding).
pub fn run_with_chunks(
    ts: &TreeSequence,
    stat: &GeneralStat,
    chunks: Option<usize>,
) -> Result<Vec<f64>> {
    let forced = Forced {
        pieces: chunks,
        runs: chunks,
    };
    run_inner(ts, stat, forced, None)
}

/// As [`run`], with the pieces and the runs that walk them forced (see `chunks::Plan`; tests
/// use it to show that runs change no bit). Where the walk cannot go on from piece to piece
/// (see [`continuable`]), `pieces` chunks are each sought and `runs` is not used.
#[doc(hidden)]
pub fn run_with_runs(
    ts: &TreeSequence,
    stat: &GeneralStat,
    pieces: Option<usize>,
    runs: Option<usize>,
) -> Result<Vec<f64>> {
    run_inner(ts, stat, Forced { pieces, runs }, None)
}

/// Whether the statistic's walk can go on from one piece into the next exactly as if it had
/// sought there (see `chunks::Plan`): site and branch mode (not node mode, whose partials are
/// as large as the node table) over weights whose sums are exact in any order (small
/// integers: sample sets), so that every node's weight sums, and from them every summary and
/// term, have the same bits however the walk reached a tree.
fn continuable(stat: &GeneralStat) -> bool {
    stat.weights.small_integers && matches!(stat.mode, Mode::Site | Mode::Branch)
}

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
    fn new(ts: &'a TreeSequence, stat: &GeneralStat<'a>) -> Self {
        Data {
            g: TableView::new(ts),
            total: stat.weights.column_sums(),
        }
    }
}

fn run_inner(
    ts: &TreeSequence,
    stat: &GeneralStat,
    forced: Forced,
    planned: Option<PieceCuts>,
) -> Result<Vec<f64>> {
    refuse_unsupported(stat, true)?;
    let data = Data::new(ts, stat);
    let m = stat.summary.output_dim();
    let groups = make_groups(stat.summary, stat.mode, m, stat.weights.num_cols);
    let plan = plan_tasks(&data, stat, forced, planned, groups.len());
    // Sizes are checked before any of them is allocated (the sizes below then fit a usize).
    check_memory(ts, stat, &plan.pieces, &groups)?;
    let mut sums = Combined::new(ts, stat, &plan.pieces, &groups)?;
    run_tasks(&data, stat, &plan, &groups, |task, partial| {
        sums.add(task, partial)
    });
    let mut result = sums.result;
    if stat.span_normalise {
        span_normalise(&mut result, stat.windows, sums.per_window);
    }
    Ok(result)
}

/// Refuses what the engine does not compute: time windows outside branch mode, the spectrum
/// in node mode, the branch-mode spectrum (which has its own walk), and site records other
/// than from [`record_sites`] (`output_sums` false) in site mode.
fn refuse_unsupported(stat: &GeneralStat, output_sums: bool) -> Result<()> {
    if stat.time_windows.is_some() && stat.mode != Mode::Branch {
        bail!(
            BadParam,
            "time_windows are only supported in branch mode (mode is {})",
            stat.mode.as_str()
        );
    }
    if matches!(stat.summary, Summary::Afs(_)) && stat.mode == Mode::Node {
        bail!(
            BadParam,
            "the allele frequency spectrum does not support mode \"node\""
        );
    }
    let records = matches!(stat.summary, Summary::Record);
    if records == output_sums || (records && stat.mode != Mode::Site) {
        bail!(
            Internal,
            "site records are made in site mode by record_sites(), sums by run()"
        );
    }
    if matches!(stat.summary, Summary::Afs(_)) && stat.mode == Mode::Branch {
        // tskit's branch spectrum is not a sum over trees (a node that leaves the trees and
        // comes back is credited over the gap): it has its own walk, `afs_branch`.
        bail!(
            Internal,
            "the branch-mode allele frequency spectrum is computed by stats::afs_branch, not the engine"
        );
    }
    Ok(())
}

/// Walks a site-mode statistic's trees (`stat.summary` is [`Summary::Record`]) and returns
/// every site's record, in genome order: `[window, n, x_1, ..., x_n]`, the site's window,
/// then the weights (`k` each) of the `n` alleles a summary would be evaluated at (all, or
/// all but the ancestral one when polarised), in the order `site_dense` evaluates them. A
/// custom statistic (`stats::custom`) sums its caller's summary over these without walking
/// again. Sites are walked in parallel as every statistic's are, in the chunks planned
/// beforehand if they fit (as [`run_planned`]).
pub fn record_sites(
    ts: &TreeSequence,
    stat: &GeneralStat,
    plan: Option<ChunkPlan>,
) -> Result<Vec<f64>> {
    refuse_unsupported(stat, false)?;
    let data = Data::new(ts, stat);
    let groups = make_groups(stat.summary, stat.mode, 0, stat.weights.num_cols);
    let planned = plan.and_then(|p| p.pieces_for(stat));
    let plan = plan_tasks(&data, stat, Forced::default(), planned, groups.len());
    // A site has at most one allele more than its mutations. The pieces' records, the joined
    // ones and what the caller makes of them (about as large: `custom::SiteStates`) are
    // alive at once.
    let (sites, mutations) = (ts.num_sites() as u64, ts.num_mutations() as u64);
    let values = sites
        .checked_add(mutations)
        .and_then(|a| a.checked_mul(stat.weights.num_cols as u64))
        .and_then(|v| v.checked_add(2 * sites));
    crate::memory::Need::new()
        .values::<f64>(
            format!(
                "the weights of every site's alleles, three times ({sites} sites, {mutations} mutations, {} columns)",
                stat.weights.num_cols
            ),
            values.and_then(|v| v.checked_mul(3)),
        )
        .check("statistic")?;
    let mut records = Vec::new();
    run_tasks(&data, stat, &plan, &groups, |_, partial| {
        records.extend_from_slice(&partial.out)
    });
    Ok(records)
}

/// The chunks, as planned beforehand or now. Every group of outputs is a task per chunk, and
/// every task pays a seek: with many groups, the groups give the parallelism, and chunks are
/// made fewer so that there are about as many tasks as one group would have (the chunk count
/// depends only on the data and the statistic, never on the thread count).
fn plan_tasks(
    data: &Data,
    stat: &GeneralStat,
    forced: Forced,
    planned: Option<PieceCuts>,
    num_groups: usize,
) -> Plan {
    // Branch mode with a dense summary carries its running sum across chunks, so its chunks
    // start one tree early (see `branch_dense`).
    let cost = plan_kind(stat.mode, matches!(stat.summary, Summary::Dense(_)));
    if continuable(stat) {
        // Pieces by the data; runs for the threads there are, shared with the other output
        // groups' tasks.
        // A piece's partial holds its windows' outputs (per time window): a large one, such as
        // the spectrum of a large set, gets fewer pieces than a plan made beforehand assumed.
        let nt = stat.time_windows.map_or(1, |t| t.len() - 1);
        let most = max_pieces(stat.summary.output_dim().saturating_mul(nt));
        let pieces = match (planned, forced.pieces) {
            (Some(p), None) if most == MAX_PIECES => p,
            _ => plan_pieces(data, stat.windows, cost, forced.pieces.or(Some(most))),
        };
        let threads = crate::parallel::plan_threads().div_ceil(num_groups);
        return pieces.into_plan(data, stat.windows, threads, forced.runs);
    }
    let chunks = forced.pieces;
    let plan = plan_chunks(data, stat.windows, cost, chunks);
    let fewer = plan.len().div_ceil(num_groups);
    if chunks.is_none() && fewer < plan.len() {
        return Plan::one_run_each(plan_chunks(data, stat.windows, cost, Some(fewer)));
    }
    Plan::one_run_each(plan)
}

/// Runs every task (chunk c, output group g) in parallel and hands each partial to `add` in
/// task order, whatever the thread count.
fn run_tasks(
    data: &Data,
    stat: &GeneralStat,
    plan: &Plan,
    groups: &[Group],
    mut add: impl FnMut((usize, usize), &Partial),
) {
    // Tasks (run, group), run by run; a task's partials are its run's pieces', in order, so
    // each group's pieces are added in piece order.
    let tasks: Vec<(usize, usize)> = (0..plan.runs.len())
        .flat_map(|r| (0..groups.len()).map(move |g| (r, g)))
        .collect();
    let mut add_task = |(r, g): (usize, usize), partials: &[Partial]| {
        for (c, p) in plan.runs[r].clone().zip(partials) {
            add((c, g), p);
        }
    };
    // Workspaces circulate freely within this run; afterwards the kept pool takes back
    // those it keeps.
    let pool = WorkspacePool::default();
    let run_task = |&(r, g): &(usize, usize)| {
        let mut ws = pool
            .take()
            .unwrap_or_else(|| WORKSPACES.take().unwrap_or_default());
        let group = &groups[g];
        let gathered = group.restricted.as_ref().map(|(columns, _)| {
            let buf = std::mem::take(&mut ws.gathered);
            gather_columns(stat.weights, &data.total, columns, buf)
        });
        let part = match (&group.restricted, &gathered) {
            (Some((_, summary)), Some((weights, total))) => Part {
                weights,
                total,
                summary: Summary::Dense(&**summary),
                cols: 0..group.outputs.len(),
            },
            _ => Part {
                weights: stat.weights,
                total: &data.total,
                summary: stat.summary,
                cols: group.outputs.clone(),
            },
        };
        let run = &plan.pieces[plan.runs[r].clone()];
        let partials = crate::parallel::timed_task(|| run_pieces(data, stat, run, &part, &mut ws));
        if let Some((weights, _)) = gathered {
            ws.gathered = weights.data;
        }
        pool.give(ws);
        partials
    };
    if stat.mode == Mode::Node {
        // Node-mode partials are as large as the node table: keep a few alive at a time. The
        // adds still happen in task order, so the wave size cannot change the result.
        let wave = rayon::current_num_threads().max(1);
        for batch in tasks.chunks(wave) {
            let partials: Vec<Vec<Partial>> = batch.par_iter().map(run_task).collect();
            for (t, p) in batch.iter().zip(&partials) {
                add_task(*t, p);
            }
        }
    } else {
        let partials: Vec<Vec<Partial>> = tasks.par_iter().map(run_task).collect();
        for (t, p) in tasks.iter().zip(&partials) {
            add_task(*t, p);
        }
    }

    for ws in pool.drain() {
        WORKSPACES.keep(ws);
    }
}

/// The result, `[window][time window][node?][output]`, as the tasks' partials are added into
/// it in task order; `running` (per output group) carries the branch-mode running sum from
/// chunk to chunk (see [`Base`]).
struct Combined<'p> {
    result: Vec<f64>,
    running: Vec<Vec<f64>>,
    plan: &'p [Chunk],
    groups: &'p [Group],
    /// Time windows.
    nt: usize,
    /// Outputs.
    m: usize,
    /// Values per window: time windows × nodes (node mode) × outputs.
    per_window: usize,
}

impl<'p> Combined<'p> {
    fn new(
        ts: &TreeSequence,
        stat: &GeneralStat,
        plan: &'p [Chunk],
        groups: &'p [Group],
    ) -> Result<Combined<'p>> {
        let nw = stat.windows.len() - 1;
        let nt = stat.time_windows.map_or(1, |t| t.len() - 1);
        let m = stat.summary.output_dim();
        let per_window =
            nt * if stat.mode == Mode::Node {
                ts.num_nodes()
            } else {
                1
            } * m;
        Ok(Combined {
            result: crate::memory::try_vec("the statistic's output", nw * per_window, 0.0)?,
            running: vec![Vec::new(); groups.len()],
            plan,
            groups,
            nt,
            m,
            per_window,
        })
    }

    /// Adds task (c, g)'s partial into the result.
    fn add(&mut self, (c, g): (usize, usize), partial: &Partial) {
        let (nt, m) = (self.nt, self.m);
        let result = &mut self.result;
        let chunk = &self.plan[c];
        let cols = &self.groups[g].outputs;
        let gm = cols.len();
        // Partial rows are [window - w_first][time window][node?][output in group].
        let rows = partial.out.len() / gm;
        let row_base = chunk.w_first * self.per_window / m;
        for r in 0..rows {
            let dst = &mut result[(row_base + r) * m + cols.start..][..gm];
            for (d, s) in dst.iter_mut().zip(&partial.out[r * gm..(r + 1) * gm]) {
                *d += s;
            }
        }
        if let Some(base) = &partial.base {
            let r_start = &mut self.running[g];
            r_start.resize(nt * gm, 0.0);
            for (w, &coef) in base.coef.iter().enumerate() {
                if coef != 0.0 {
                    for t in 0..nt {
                        let dst =
                            &mut result[((chunk.w_first + w) * nt + t) * m + cols.start..][..gm];
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
    }
}

/// What one task returns: its sums for the windows its chunk overlaps, and for branch mode
/// what the combination needs to add the running sum the chunk started from.
struct Partial {
    out: Vec<f64>,
    base: Option<Base>,
}

/// Windows overlapping the chunk, as a [w_first, w_last] range of rows.
fn chunk_rows(chunk: &Chunk) -> usize {
    chunk.w_last - chunk.w_first + 1
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

/// What every mode's walk over one chunk reads: the tables, the statistic, the chunk, and
/// the part of the state and outputs it sums (its weights: `part.weights`, never
/// `stat.weights`).
#[derive(Clone, Copy)]
struct Task<'t, 'a> {
    d: &'t Data<'a>,
    stat: &'t GeneralStat<'a>,
    /// The run's pieces, walked in one go from a seek at the first (one chunk where the walk
    /// cannot go on from piece to piece: see [`continuable`]).
    run: &'t [Chunk],
    /// The run's first piece, where the walk seeks.
    chunk: &'t Chunk,
    part: &'t Part<'t>,
}

/// One task: a run of pieces, for one part of the outputs; a partial per piece.
fn run_pieces(
    d: &Data,
    stat: &GeneralStat,
    run: &[Chunk],
    part: &Part,
    ws: &mut Workspace,
) -> Vec<Partial> {
    let t = Task {
        d,
        stat,
        run,
        chunk: &run[0],
        part,
    };
    let cols = part.cols.clone();
    let plain = |outs: Vec<Vec<f64>>| {
        outs.into_iter()
            .map(|out| Partial { out, base: None })
            .collect()
    };
    match (stat.mode, part.summary) {
        (Mode::Site, Summary::Dense(f)) => plain(site_dense(t, f, cols, ws)),
        (Mode::Site, Summary::Afs(a)) => plain(site_afs(t, a, ws)),
        (Mode::Site, Summary::Record) => plain(site_record(t, ws)),
        (Mode::Branch, Summary::Dense(f)) => branch_dense(t, f, cols, ws),
        (Mode::Node, Summary::Dense(f)) => {
            debug_assert_eq!(run.len(), 1, "node mode seeks every chunk");
            plain(vec![node_dense(t, f, cols, ws)])
        }
        (Mode::Branch | Mode::Node, Summary::Afs(_) | Summary::Record) => {
            unreachable!("refused in refuse_unsupported()")
        }
    }
}

/// Refuses a run whose buffers exceed the memory ceiling (`OUTPUT_TOO_LARGE`, see
/// `memory.rs`), before any is allocated: the output (`[window][time window][node?][output]`),
/// the tasks' partial sums alive at once (all of them, or in node mode a wave of one per
/// thread), and each thread's workspace (per-node records of the weight sums and of the
/// summaries a walk keeps, and parent pointers). Arithmetic is checked: an overflow is
/// refused, never wrapped.
fn check_memory(
    ts: &TreeSequence,
    stat: &GeneralStat,
    plan: &[Chunk],
    groups: &[Group],
) -> Result<()> {
    use crate::memory::{dims, product, Need};
    let nw = (stat.windows.len() - 1) as u64;
    let nt = stat.time_windows.map_or(1, |t| t.len() - 1) as u64;
    let m = stat.summary.output_dim() as u64;
    let n = ts.num_nodes() as u64;
    let node = stat.mode == Mode::Node;
    let per_row: Vec<u64> = if node { vec![nt, n, m] } else { vec![nt, m] };
    // Outputs per task: the largest group's (see `make_groups`).
    let gm = groups
        .iter()
        .map(|g| g.outputs.len() as u64)
        .max()
        .unwrap_or(m);
    let threads = rayon::current_num_threads().max(1) as u64;
    let rows = |c: &Chunk| (c.w_last - c.w_first + 1) as u64;
    let partial_rows: Option<u64> = if node {
        // One wave of tasks: at most one per thread, each of at most the longest chunk's rows.
        plan.iter()
            .map(rows)
            .max()
            .and_then(|r| product([r, threads.min(plan.len() as u64)]))
    } else {
        plan.iter().try_fold(0u64, |a, c| a.checked_add(rows(c)))
    };
    let (partial_what, partial_cols) = if node {
        (
            format!(
                "partial sums of {threads} tasks at a time ({} nodes × {gm} outputs each)",
                n
            ),
            product([nt, n, gm]),
        )
    } else {
        (
            format!(
                "partial sums of {} chunks ({} per window)",
                plan.len(),
                dims(&per_row)
            ),
            product([nt, m]),
        )
    };
    let k = stat.weights.num_cols;
    // A node's record in a task: the weight sums its group reads (all k unless restricted),
    // the summaries a branch or node walk may keep for the group's outputs, and its branch
    // length. A site walk keeps no summary per node, and the spectrum's cells are in its
    // partial sums: counting them per node refused the spectrum of 100,000 samples as 512 GiB.
    let keeps = stat.mode != Mode::Site && matches!(stat.summary, Summary::Dense(_));
    let record = groups
        .iter()
        .map(|g| {
            let cols = g.restricted.as_ref().map_or(k, |(c, _)| c.len()) as u64;
            let kept = if keeps { g.outputs.len() as u64 } else { 0 };
            cols.checked_add(kept).and_then(|r| r.checked_add(1))
        })
        .try_fold(0u64, |a, r| r.map(|r| a.max(r)));
    // Tasks run one per thread at a time: chunks × groups of them.
    let tasks = (plan.len() as u64).saturating_mul(groups.len() as u64);
    let workers = threads.min(tasks.max(1));
    Need::new()
        .values::<f64>(
            format!("the output ({} windows × {})", nw, dims(&per_row)),
            product([nw, nt, if node { n } else { 1 }, m]),
        )
        .values::<f64>(
            partial_what,
            partial_rows
                .zip(partial_cols)
                .and_then(|(r, c)| r.checked_mul(c)),
        )
        .values_each::<f64>(
            format!(
                "per-thread buffers ({workers} threads × {n} nodes × {} values)",
                record.map_or("?".into(), |r| r.to_string())
            ),
            record.and_then(|r| r.checked_mul(n)),
            workers,
        )
        .check("statistic")
}
