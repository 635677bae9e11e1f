//! tskit's `ld_matrix`: a two-locus (linkage disequilibrium) statistic between every pair of
//! a row site and a column site, per sample set (or per pair of sets with `indexes`).
//!
//! What it is for: tskit 1.0.3's arguments, refusals, shapes and values. `sites` is `[all]`
//! (square) or `[rows, cols]`, default every site; `sample_sets` defaults to all samples
//! (a flat list is one set; both drop the set axis); `indexes` (a pair or a list of pairs)
//! selects the two-way statistics r², D² and unbiased D². The result is `[rows][cols]`, or
//! `[sets or pairs][rows][cols]`.
//!
//! How: the samples of each allele of each selected site are bitsets (`site_alleles.rs`).
//! For a pair of sites where both have exactly two alleles, the statistic is that of the
//! derived alleles' haplotype counts, each count one AND-and-popcount pass over the two
//! bitsets (and the set's). Otherwise tskit's multiallelic rule: the statistic summed over
//! every pair of alleles (the derived ones only for the polarised D, D' and r), weighted by
//! `Summary::norm`. Each output entry is computed by one fixed sequence of operations, in
//! tskit's order, whatever the threads: the bits are the same on any number of threads and
//! in WebAssembly.
//!
//! Parallel over rows of the output. When rows and columns are the same sites, the counts of
//! a pair are found once for both (i, j) and (j, i) (the expensive half), each entry still
//! evaluated in its own order; the upper triangle is written in place and the lower one
//! gathered per row, then copied across. Memory: the output, half of it again for the
//! gathered triangle, the bitsets, and per thread a table of counts for one pair of sites.
//!
//! Branch mode (tskit's `positions`, default the left end of every tree) is `branch.rs`.

mod branch;
mod site_alleles;
mod summaries;

use rayon::prelude::*;
use serde_json::Value;

use super::args::{
    parse_indexes, parse_mode, parse_positions, parse_sample_sets, parse_sites, Arrays, Kwargs,
    Loci, Mode, SampleSets,
};
use super::registry::{Method, Opt};
use super::StatOutput;
use crate::bail;
use crate::error::Result;
use crate::treeseq::TreeSequence;
use site_alleles::SiteAlleles;
pub use summaries::LdStat;
use summaries::Summary;

/// Computes `ld_matrix` with tskit's keyword arguments.
pub fn compute(
    ts: &TreeSequence,
    row: &Method,
    kwargs: &Value,
    arrays: Arrays,
) -> Result<StatOutput> {
    let method = row.tskit;
    let kw = Kwargs::with_arrays(method, kwargs, arrays)?;
    let indexes_given = kw.get(Opt::Indexes.tskit()).is_some();
    let stat = match kw.get(Opt::Stat.tskit()) {
        None => "r2",
        Some(Value::String(s)) => s.as_str(),
        Some(other) => bail!(
            BadParam,
            "{method}: stat must be a string, got {}",
            crate::args::kind(other)
        ),
    };
    let stat = LdStat::parse(method, stat, indexes_given)?;
    let sets = parse_sample_sets(ts, method, kw.get(Opt::SampleSets.tskit()), arrays)?;
    let (sets, pairs, dropped) = if indexes_given {
        // tskit's two-way path takes the sets as they are: none given, or one flat list, is
        // not a list of sets.
        let Some(sets) = sets.filter(|s| !s.dropped) else {
            bail!(
                BadSampleSets,
                "{method}: with indexes, sample_sets must be a list of sample sets (lists of ids)"
            );
        };
        let idx = parse_indexes(method, kw.get(Opt::Indexes.tskit()), 2, sets.sets.len())?
            .expect("indexes given");
        let pairs = idx.tuples.iter().map(|t| (t[0], t[1])).collect();
        (sets, Some(pairs), idx.dropped)
    } else {
        let sets = sets.unwrap_or_else(|| SampleSets::new(vec![ts.samples.clone()], true));
        let dropped = sets.dropped;
        (sets, None, dropped)
    };
    let mode = parse_mode(method, kw.get(Opt::Mode.tskit()))?;
    let positions = parse_positions(ts, method, kw.get(Opt::Positions.tskit()), arrays)?;
    let summary = Summary {
        stat,
        sizes: sets.sets.iter().map(|s| s.len() as f64).collect(),
        pairs,
    };
    let rdim = summary.result_dim();
    let (data, nr, nc) = match mode {
        Mode::Site if positions.is_some() => {
            bail!(BadParam, "{method}: cannot specify positions in site mode")
        }
        Mode::Branch if kw.get(Opt::Sites.tskit()).is_some() => {
            bail!(BadParam, "{method}: cannot specify sites in branch mode")
        }
        Mode::Node => bail!(
            BadParam,
            "{method}: mode \"node\" is not supported for two-locus statistics (use \"site\" or \"branch\")"
        ),
        Mode::Site => {
            let loci = parse_sites(ts, method, kw.get(Opt::Sites.tskit()), arrays)?;
            let masks = set_masks(ts, &sets);
            let data = site_matrix(ts, method, &loci, &summary, &masks)?;
            (data, loci.rows.len(), loci.cols.len())
        }
        Mode::Branch => {
            // Default: the left end of every tree.
            let loci = positions.unwrap_or_else(|| {
                let lefts = ts.breakpoints[..ts.breakpoints.len() - 1].to_vec();
                Loci {
                    rows: lefts.clone(),
                    cols: lefts,
                }
            });
            check_branch_memory(ts, method, &loci, sets.sets.len(), rdim)?;
            let data = branch::branch_matrix(ts, &loci.rows, &loci.cols, &summary, &sets.sets)?;
            (data, loci.rows.len(), loci.cols.len())
        }
    };
    if dropped {
        Ok(StatOutput {
            data,
            shape: vec![nr, nc],
        })
    } else {
        // tskit's C result is [row][col][k]; its Python puts the set (or pair) axis first.
        let mut out = crate::memory::try_vec("ld_matrix: the output", data.len(), 0.0)?;
        for (e, chunk) in data.chunks(rdim.max(1)).enumerate() {
            for (k, &x) in chunk.iter().enumerate() {
                out[k * nr * nc + e] = x;
            }
        }
        Ok(StatOutput {
            data: out,
            shape: vec![rdim, nr, nc],
        })
    }
}

/// Each set's samples as a bitset over sample indexes, or None for a set of every sample
/// (whose counts need no mask).
fn set_masks(ts: &TreeSequence, sets: &SampleSets) -> Vec<Option<Vec<u64>>> {
    let n = ts.num_samples();
    let index = ts.sample_index_map();
    sets.sets
        .iter()
        .enumerate()
        .map(|(j, s)| {
            // A set has no sample twice (checked), so n of them are all of them.
            if s.len() == n {
                return None;
            }
            if let Some(m) = sets.members.as_ref().and_then(|m| m.get(j)) {
                return Some(m.clone());
            }
            let mut bits = vec![0u64; n.div_ceil(64)];
            for &u in s {
                let i = index[u as usize] as usize;
                bits[i / 64] |= 1 << (i % 64);
            }
            Some(bits)
        })
        .collect()
}

/// Refuses (`OUTPUT_TOO_LARGE`) before anything is allocated when the output and each
/// thread's two trees' per-node bitsets exceed the memory ceiling.
fn check_branch_memory(
    ts: &TreeSequence,
    method: &str,
    loci: &Loci<f64>,
    k: usize,
    rdim: usize,
) -> Result<()> {
    use crate::memory::{product, Need};
    let (nr, nc) = (loci.rows.len() as u64, loci.cols.len() as u64);
    let threads = rayon::current_num_threads().max(1) as u64;
    let (n, words) = (ts.num_nodes() as u64, ts.num_samples().div_ceil(64) as u64);
    Need::new()
        .values::<f64>(
            format!("the output ({nr} × {nc} positions × {rdim})"),
            product([nr, nc, rdim as u64]),
        )
        .values_each::<u64>(
            format!("per-thread trees' samples ({threads} threads × 3 × {n} nodes × {k} sets × {words} words)"),
            product([3, n, k as u64, words]),
            threads,
        )
        .check(method)
}

/// Refuses (`OUTPUT_TOO_LARGE`) before anything is allocated when the output (rows × cols ×
/// outputs), the triangle gathered beside it, and the alleles' bitsets exceed the memory
/// ceiling.
fn check_memory(
    ts: &TreeSequence,
    method: &str,
    loci: &Loci<usize>,
    union: &[usize],
    rdim: usize,
) -> Result<()> {
    use crate::memory::{product, Need};
    let (nr, nc, k) = (loci.rows.len() as u64, loci.cols.len() as u64, rdim as u64);
    let alleles = ts.mutation_alleles();
    let rows: u64 = union.iter().map(|&s| alleles.num_alleles[s] as u64).sum();
    let words = ts.num_samples().div_ceil(64) as u64;
    let mut need = Need::new()
        .values::<f64>(
            format!("the output ({nr} × {nc} sites × {k})"),
            product([nr, nc, k]),
        )
        .values::<u64>(
            format!("the samples of each allele ({rows} alleles × {words} words)"),
            product([rows, words]),
        );
    if loci.is_square() {
        need = need.values::<f64>(
            "the lower triangle, gathered per row",
            product([nr, nc, k]).map(|x| x / 2),
        );
    }
    need.check(method)
}

/// The rows of the sites in `loci.rows ∪ loci.cols` (increasing), and where each row and
/// column site is in it (tskit's `get_site_row_col_indices`).
fn union_of(loci: &Loci<usize>) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
    let (r, c) = (&loci.rows, &loci.cols);
    let mut union = Vec::with_capacity(r.len() + c.len());
    let (mut row_at, mut col_at) = (vec![0; r.len()], vec![0; c.len()]);
    let (mut i, mut j) = (0, 0);
    while i < r.len() || j < c.len() {
        let take_row = j == c.len() || (i < r.len() && r[i] <= c[j]);
        let take_col = i == r.len() || (j < c.len() && c[j] <= r[i]);
        union.push(if take_row { r[i] } else { c[j] });
        if take_row {
            row_at[i] = union.len() - 1;
            i += 1;
        }
        if take_col {
            col_at[j] = union.len() - 1;
            j += 1;
        }
    }
    (union, row_at, col_at)
}

/// The counts a pair of sites is evaluated from: the samples of each allele in each set.
struct Counts<'a> {
    alleles: &'a SiteAlleles,
    masks: &'a [Option<Vec<u64>>],
    /// Per row of `alleles` (site and allele), per set: how many of the set's samples carry
    /// it.
    allele_counts: Vec<f64>,
}

impl Counts<'_> {
    fn allele_count(&self, site: usize, allele: usize, set: usize) -> f64 {
        self.allele_counts[self.alleles.row_id(site, allele) * self.masks.len() + set]
    }

    /// How many samples of `set` carry allele `a` at site `u` and `b` at site `v`.
    #[inline]
    fn both(&self, u: usize, a: usize, v: usize, b: usize, set: usize) -> f64 {
        let (x, y) = (self.alleles.row(u, a), self.alleles.row(v, b));
        count_common(x, y, self.masks[set].as_deref()) as f64
    }
}

/// How many bits `x`, `y` (and `mask`, when given) have in common: the work of the whole
/// matrix. With the CPU's popcount instruction where it has one (an x86-64 build's baseline
/// lacks it; the count is an exact integer either way, so the bits of the result do not
/// depend on which path ran).
#[inline]
fn count_common(x: &[u64], y: &[u64], mask: Option<&[u64]>) -> u32 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("popcnt") {
        // SAFETY: the CPU has the popcnt instruction, checked just above.
        return unsafe { count_common_popcnt(x, y, mask) };
    }
    count_common_plain(x, y, mask)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
fn count_common_popcnt(x: &[u64], y: &[u64], mask: Option<&[u64]>) -> u32 {
    count_common_plain(x, y, mask)
}

#[inline(always)]
fn count_common_plain(x: &[u64], y: &[u64], mask: Option<&[u64]>) -> u32 {
    match mask {
        None => x.iter().zip(y).map(|(p, q)| (p & q).count_ones()).sum(),
        Some(m) => x
            .iter()
            .zip(y)
            .zip(m)
            .map(|((p, q), s)| (p & q & s).count_ones())
            .sum(),
    }
}

/// Rows of the output per task: their bitsets stay in cache while each column's are read
/// once for all of them (2,000 sites of 30,000 samples: 15 MB of bitsets, read 32 times less).
const ROWS_PER_BLOCK: usize = 32;

/// One thread's scratch: the counts of one pair of sites and the haplotype weights.
#[derive(Default)]
struct Work {
    /// `[a][b][set]`: samples with allele a at the first site and b at the second.
    table: Vec<f64>,
    hap: Vec<[f64; 3]>,
    tmp: Vec<f64>,
    norm: Vec<f64>,
}

/// The allele pair an entry is evaluated over: (first allele taken, alleles at u, at v).
fn allele_range(summary: &Summary, na: usize, nb: usize) -> usize {
    if na == 2 && nb == 2 {
        1
    } else {
        usize::from(summary.stat.polarised())
    }
}

impl Work {
    /// Counts the haplotypes of sites u and v into the table (only the alleles used).
    fn count(&mut self, c: &Counts, summary: &Summary, u: usize, v: usize) {
        let k = c.masks.len();
        let (na, nb) = (c.alleles.num_alleles(u), c.alleles.num_alleles(v));
        let from = allele_range(summary, na, nb);
        self.table.clear();
        self.table.resize(na * nb * k, 0.0);
        for a in from..na {
            for b in from..nb {
                for s in 0..k {
                    self.table[(a * nb + b) * k + s] = c.both(u, a, v, b, s);
                }
            }
        }
    }

    /// The entry for row site u and column site v into `out`, from the table counted for
    /// (u, v), or for (v, u) when `transposed`: tskit's order of operations, biallelic or
    /// not.
    fn entry(
        &mut self,
        c: &Counts,
        summary: &Summary,
        u: usize,
        v: usize,
        transposed: bool,
        out: &mut [f64],
    ) {
        let k = c.masks.len();
        let (na, nb) = (c.alleles.num_alleles(u), c.alleles.num_alleles(v));
        let from = allele_range(summary, na, nb);
        let at = |a: usize, b: usize, s: usize| {
            if transposed {
                (b * na + a) * k + s
            } else {
                (a * nb + b) * k + s
            }
        };
        let rdim = out.len();
        self.hap.resize(k, [0.0; 3]);
        let fill = |hap: &mut [[f64; 3]], table: &[f64], a: usize, b: usize| {
            for (s, h) in hap.iter_mut().enumerate() {
                let ab = table[at(a, b, s)];
                h[0] = ab;
                h[1] = c.allele_count(u, a, s) - ab;
                h[2] = c.allele_count(v, b, s) - ab;
            }
        };
        if na == 2 && nb == 2 {
            fill(&mut self.hap, &self.table, 1, 1);
            summary.eval(&self.hap, out);
            return;
        }
        self.tmp.resize(rdim, 0.0);
        self.norm.resize(rdim, 0.0);
        out.fill(0.0);
        for a in from..na {
            for b in from..nb {
                fill(&mut self.hap, &self.table, a, b);
                summary.eval(&self.hap, &mut self.tmp);
                summary.norm(&self.hap, na - from, nb - from, &mut self.norm);
                for ((o, t), w) in out.iter_mut().zip(&self.tmp).zip(&self.norm) {
                    *o += t * w;
                }
            }
        }
    }
}

/// The `[row][col][outputs]` matrix of `summary` over the row and column sites.
fn site_matrix(
    ts: &TreeSequence,
    method: &str,
    loci: &Loci<usize>,
    summary: &Summary,
    masks: &[Option<Vec<u64>>],
) -> Result<Vec<f64>> {
    let rdim = summary.result_dim();
    let (union, row_at, col_at) = union_of(loci);
    check_memory(ts, method, loci, &union, rdim)?;
    let (nr, nc) = (loci.rows.len(), loci.cols.len());
    let mut out = crate::memory::try_vec("ld_matrix: the output", nr * nc * rdim, 0.0)?;
    if out.is_empty() {
        return Ok(out);
    }
    let alleles = SiteAlleles::build(ts, &union)?;
    let k = masks.len();
    let allele_counts: Vec<f64> = (0..alleles.num_rows() * k)
        .into_par_iter()
        .map(|e| {
            let bits = alleles.bits(e / k);
            let s = e % k;
            count_common(bits, bits, masks[s].as_deref()) as f64
        })
        .collect();
    let counts = Counts {
        alleles: &alleles,
        masks,
        allele_counts,
    };
    let row_len = nc * rdim;
    let square = loci.is_square();
    // Per block of rows: each column's bitsets are read once for the block's rows (which stay
    // in cache), not once per row; with the same sites for rows and columns, row i takes the
    // columns j >= i, writing (i, j) in place and gathering (j, i) for row j.
    let lower: Vec<Vec<f64>> = out
        .par_chunks_mut(ROWS_PER_BLOCK * row_len)
        .enumerate()
        .map_init(Work::default, |work, (block, rows)| {
            let i0 = block * ROWS_PER_BLOCK;
            let here = rows.len() / row_len;
            let mut lower: Vec<Vec<f64>> = if square {
                (i0..i0 + here)
                    .map(|i| vec![0.0; (nc - i - 1) * rdim])
                    .collect()
            } else {
                Vec::new()
            };
            for j in if square { i0 } else { 0 }..nc {
                let v = col_at[j];
                for r in 0..here {
                    let i = i0 + r;
                    if square && j < i {
                        break;
                    }
                    let u = row_at[i];
                    work.count(&counts, summary, u, v);
                    let o = &mut rows[r * row_len + j * rdim..r * row_len + (j + 1) * rdim];
                    work.entry(&counts, summary, u, v, false, o);
                    if square && j > i {
                        let dst = &mut lower[r][(j - i - 1) * rdim..(j - i) * rdim];
                        work.entry(&counts, summary, v, u, true, dst);
                    }
                }
            }
            lower
        })
        .flatten()
        .collect();
    for (i, l) in lower.iter().enumerate() {
        for (t, x) in l.chunks(rdim).enumerate() {
            let j = i + 1 + t;
            out[j * row_len + i * rdim..j * row_len + (i + 1) * rdim].copy_from_slice(x);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_of_rows_and_columns() {
        let loci = Loci {
            rows: vec![1, 3, 5],
            cols: vec![0, 3, 4, 9],
        };
        let (union, row_at, col_at) = union_of(&loci);
        assert_eq!(union, vec![0, 1, 3, 4, 5, 9]);
        assert_eq!(row_at, vec![1, 2, 4]);
        assert_eq!(col_at, vec![0, 2, 3, 5]);
    }
}
