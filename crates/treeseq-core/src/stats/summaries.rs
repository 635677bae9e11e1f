//! Every statistic's arithmetic, defined once: its summary function and its arity.
//!
//! What it is for: the summary functions f of tskit's general statistic (f maps the vector x
//! of weight sums below a node, one entry per sample set or weight column, to the output
//! vector), the allele frequency spectrum's coordinate function, and [`StatDef`], which says
//! for a general statistic which input it takes (sample sets or `W`), which summary and how
//! many sets each output combines (its names and options are its row in `registry.rs`).
//! Statistics that tskit derives from others (Fst, Tajima's D, relatedness as a proportion)
//! say so in the table and are finished by a [`Finisher`] from the engine's sums.
//!
//! What it is not: the tree traversal (see `engine/`), argument parsing (`args/`) or
//! output shapes (`mod.rs`).
//!
//! Formulas follow tskit's `trees.c` and `trees.py`. Denominators that depend only on the
//! sample set sizes are computed once; where a summary is a product with such a denominator
//! it multiplies by the reciprocal, which keeps exact zeros zero (so f(0) = f(n) = 0 still
//! holds exactly) and differs from tskit's division by at most an ulp elsewhere.

use std::ops::Range;

/// A summary function f: x (one entry per weight column) -> outputs.
///
/// `eval` writes the outputs numbered `cols` (a sub-range of `0..output_dim()`) into `out`,
/// so that the engine can split statistics with many index tuples across tasks.
pub trait SummaryFunc: Send + Sync {
    fn output_dim(&self) -> usize;
    fn eval(&self, x: &[f64], cols: Range<usize>, out: &mut [f64]);

    /// f(x) + f(total - x): the unpolarised summary of branch and node modes (the branch
    /// above a node separates x from the rest). `complement` (len of x) and `tmp` (len of
    /// `cols`) are scratch. A provided method, so each summary gets its own copy with `eval`
    /// inlined.
    #[inline]
    fn eval_unpolarised(
        &self,
        x: &[f64],
        total: &[f64],
        cols: Range<usize>,
        out: &mut [f64],
        complement: &mut [f64],
        tmp: &mut [f64],
    ) {
        self.eval(x, cols.clone(), out);
        for ((c, t), xi) in complement.iter_mut().zip(total).zip(x) {
            *c = t - xi;
        }
        self.eval(complement, cols, tmp);
        for (o, t) in out.iter_mut().zip(tmp.iter()) {
            *o += t;
        }
    }

    /// The state columns (sorted, distinct) that outputs `cols` read, or None when they read
    /// all of it. With many sample sets, the engine gives each group of outputs only the
    /// columns it reads, so that a node update costs what the group's outputs need rather
    /// than the width of the whole state.
    fn columns(&self, _cols: Range<usize>) -> Option<Vec<usize>> {
        None
    }

    /// The outputs `cols` as a summary of their own over the state columns `columns` (sorted,
    /// distinct, holding at least `self.columns(cols)`), in that order: its output i is output
    /// `cols.start + i` of `self`, computed by the same arithmetic, so the same bits. Only
    /// called where [`SummaryFunc::columns`] gave Some.
    fn restrict(&self, _cols: Range<usize>, _columns: &[usize]) -> Box<dyn SummaryFunc> {
        unreachable!("restrict() is only called on summaries whose columns() is Some")
    }
}

/// Where state column `c` is in `columns` (sorted, distinct, holding `c`).
fn position(columns: &[usize], c: usize) -> usize {
    columns
        .binary_search(&c)
        .expect("restricted state columns hold every column the outputs read")
}

/// The state columns a per-set summary's outputs `cols` read: set j is column `first + j`.
fn per_set_columns(first: usize, cols: Range<usize>) -> Option<Vec<usize>> {
    Some((first + cols.start..first + cols.end).collect())
}

/// Diversity, one output per sample set j: `x[j] (n[j] - x[j]) / (n[j] (n[j] - 1))`.
pub struct Diversity {
    n: Vec<f64>,
    inv_denom: Vec<f64>,
    /// The state column of set 0 (not 0 only in a restricted summary).
    first: usize,
}

impl Diversity {
    pub fn new(n: &[f64]) -> Self {
        Diversity {
            n: n.to_vec(),
            inv_denom: n.iter().map(|&n| 1.0 / (n * (n - 1.0))).collect(),
            first: 0,
        }
    }
}

impl SummaryFunc for Diversity {
    fn output_dim(&self) -> usize {
        self.n.len()
    }
    #[inline]
    fn eval(&self, x: &[f64], cols: Range<usize>, out: &mut [f64]) {
        let (x, n, inv) = (
            &x[self.first + cols.start..self.first + cols.end],
            &self.n[cols.clone()],
            &self.inv_denom[cols],
        );
        for (((o, &x), &n), &inv) in out.iter_mut().zip(x).zip(n).zip(inv) {
            *o = x * (n - x) * inv;
        }
    }
    fn columns(&self, cols: Range<usize>) -> Option<Vec<usize>> {
        per_set_columns(self.first, cols)
    }
    fn restrict(&self, cols: Range<usize>, columns: &[usize]) -> Box<dyn SummaryFunc> {
        Box::new(Diversity {
            first: position(columns, self.first + cols.start),
            n: self.n[cols.clone()].to_vec(),
            inv_denom: self.inv_denom[cols].to_vec(),
        })
    }
}

/// Segregating sites: (x > 0)(1 - x/n). Summed over all alleles of a site this counts the
/// site once if it segregates, because the allele frequencies sum to one. Divides, so that
/// an allele carried by every sample gives exactly 0.
pub struct SegregatingSites {
    n: Vec<f64>,
    /// The state column of set 0 (see [`Diversity`]).
    first: usize,
}

impl SegregatingSites {
    pub fn new(n: &[f64]) -> Self {
        SegregatingSites {
            n: n.to_vec(),
            first: 0,
        }
    }
}

impl SummaryFunc for SegregatingSites {
    fn output_dim(&self) -> usize {
        self.n.len()
    }
    #[inline]
    fn eval(&self, x: &[f64], cols: Range<usize>, out: &mut [f64]) {
        let x = &x[self.first + cols.start..self.first + cols.end];
        for ((o, &x), &n) in out.iter_mut().zip(x).zip(&self.n[cols]) {
            *o = if x > 0.0 { 1.0 - x / n } else { 0.0 };
        }
    }
    fn columns(&self, cols: Range<usize>) -> Option<Vec<usize>> {
        per_set_columns(self.first, cols)
    }
    fn restrict(&self, cols: Range<usize>, columns: &[usize]) -> Box<dyn SummaryFunc> {
        Box::new(SegregatingSites {
            first: position(columns, self.first + cols.start),
            n: self.n[cols].to_vec(),
        })
    }
}

pub struct Y1 {
    n: Vec<f64>,
    inv_denom: Vec<f64>,
    /// The state column of set 0 (see [`Diversity`]).
    first: usize,
}

impl Y1 {
    pub fn new(n: &[f64]) -> Self {
        Y1 {
            n: n.to_vec(),
            inv_denom: n
                .iter()
                .map(|&n| 1.0 / (n * (n - 1.0) * (n - 2.0)))
                .collect(),
            first: 0,
        }
    }
}

impl SummaryFunc for Y1 {
    fn output_dim(&self) -> usize {
        self.n.len()
    }
    #[inline]
    fn eval(&self, x: &[f64], cols: Range<usize>, out: &mut [f64]) {
        let (x, n, inv) = (
            &x[self.first + cols.start..self.first + cols.end],
            &self.n[cols.clone()],
            &self.inv_denom[cols],
        );
        for (((o, &xi), &ni), &inv) in out.iter_mut().zip(x).zip(n).zip(inv) {
            *o = xi * (ni - xi) * (ni - xi - 1.0) * inv;
        }
    }
    fn columns(&self, cols: Range<usize>) -> Option<Vec<usize>> {
        per_set_columns(self.first, cols)
    }
    fn restrict(&self, cols: Range<usize>, columns: &[usize]) -> Box<dyn SummaryFunc> {
        Box::new(Y1 {
            first: position(columns, self.first + cols.start),
            n: self.n[cols.clone()].to_vec(),
            inv_denom: self.inv_denom[cols].to_vec(),
        })
    }
}

/// Which k-way statistic a [`Tuples`] summary computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TupleStat {
    Divergence,
    Y2,
    F2,
    Y3,
    F3,
    F4,
    /// genetic_relatedness with `centre=false`.
    RelatednessNoncentred,
}

impl TupleStat {
    pub fn arity(self) -> usize {
        match self {
            TupleStat::Divergence
            | TupleStat::Y2
            | TupleStat::F2
            | TupleStat::RelatednessNoncentred => 2,
            TupleStat::Y3 | TupleStat::F3 => 3,
            TupleStat::F4 => 4,
        }
    }
}

/// k-way statistics of sample-set counts: one output per index tuple (i, j[, k[, l]]).
pub struct Tuples {
    stat: TupleStat,
    /// Index tuples padded to 4 entries.
    idx: Vec<[usize; 4]>,
    n: Vec<f64>,
    inv_denom: Vec<f64>,
}

impl Tuples {
    pub fn new(stat: TupleStat, n: &[f64], tuples: &[Vec<usize>]) -> Self {
        let idx: Vec<[usize; 4]> = tuples
            .iter()
            .map(|t| {
                let mut a = [0usize; 4];
                a[..t.len()].copy_from_slice(t);
                a
            })
            .collect();
        let inv_denom = idx
            .iter()
            .map(|&[i, j, k, l]| {
                let (ni, nj, nk, nl) = (n[i], n[j], n[k], n[l]);
                let denom = match stat {
                    TupleStat::Divergence => ni * (nj - (i == j) as u8 as f64),
                    TupleStat::Y2 => ni * nj * (nj - 1.0),
                    TupleStat::F2 => ni * (ni - 1.0) * nj * (nj - 1.0),
                    TupleStat::Y3 => ni * nj * nk,
                    TupleStat::F3 => ni * (ni - 1.0) * nj * nk,
                    TupleStat::F4 => ni * nj * nk * nl,
                    TupleStat::RelatednessNoncentred => ni * nj,
                };
                1.0 / denom
            })
            .collect();
        Tuples {
            stat,
            idx,
            n: n.to_vec(),
            inv_denom,
        }
    }
}

impl SummaryFunc for Tuples {
    fn output_dim(&self) -> usize {
        self.idx.len()
    }
    fn eval(&self, x: &[f64], cols: Range<usize>, out: &mut [f64]) {
        let n = &self.n;
        let idx = &self.idx[cols.clone()];
        let inv = &self.inv_denom[cols];
        // One loop per statistic, so that the match is taken once per call, not per tuple.
        macro_rules! each {
            (|$i:ident, $j:ident, $k:ident, $l:ident| $e:expr) => {
                for ((o, &[$i, $j, $k, $l]), &d) in out.iter_mut().zip(idx).zip(inv) {
                    let _ = ($k, $l);
                    *o = $e * d;
                }
            };
        }
        match self.stat {
            TupleStat::Divergence => each!(|i, j, k, l| x[i] * (n[j] - x[j])),
            TupleStat::Y2 => each!(|i, j, k, l| x[i] * (n[j] - x[j]) * (n[j] - x[j] - 1.0)),
            TupleStat::F2 => each!(|i, j, k, l| x[i]
                * (x[i] - 1.0)
                * (n[j] - x[j])
                * (n[j] - x[j] - 1.0)
                - x[i] * (n[i] - x[i]) * (n[j] - x[j]) * x[j]),
            TupleStat::Y3 => each!(|i, j, k, l| x[i] * (n[j] - x[j]) * (n[k] - x[k])),
            TupleStat::F3 => each!(|i, j, k, l| x[i]
                * (x[i] - 1.0)
                * (n[j] - x[j])
                * (n[k] - x[k])
                - x[i] * (n[i] - x[i]) * (n[j] - x[j]) * x[k]),
            TupleStat::F4 => each!(|i, j, k, l| x[i] * x[k] * (n[j] - x[j]) * (n[l] - x[l])
                - x[i] * x[l] * (n[j] - x[j]) * (n[k] - x[k])),
            TupleStat::RelatednessNoncentred => each!(|i, j, k, l| x[i] * x[j]),
        }
    }
    fn columns(&self, cols: Range<usize>) -> Option<Vec<usize>> {
        let arity = self.stat.arity();
        let mut c: Vec<usize> = self.idx[cols]
            .iter()
            .flat_map(|t| t[..arity].iter().copied())
            .collect();
        c.sort_unstable();
        c.dedup();
        Some(c)
    }
    fn restrict(&self, cols: Range<usize>, columns: &[usize]) -> Box<dyn SummaryFunc> {
        let arity = self.stat.arity();
        let idx = self.idx[cols.clone()]
            .iter()
            .map(|t| {
                // Entries past the arity are padding, never read.
                let mut a = [0usize; 4];
                for (a, &i) in a.iter_mut().zip(&t[..arity]) {
                    *a = position(columns, i);
                }
                a
            })
            .collect();
        Box::new(Tuples {
            stat: self.stat,
            idx,
            n: columns.iter().map(|&c| self.n[c]).collect(),
            inv_denom: self.inv_denom[cols].to_vec(),
        })
    }
}

/// genetic_relatedness, centred: (x_i/n_i - m)(x_j/n_j - m) with m the mean over all sets of
/// x/n.
pub struct RelatednessCentred {
    idx: Vec<[usize; 2]>,
    n: Vec<f64>,
}

impl RelatednessCentred {
    pub fn new(n: &[f64], tuples: &[Vec<usize>]) -> Self {
        RelatednessCentred {
            idx: tuples.iter().map(|t| [t[0], t[1]]).collect(),
            n: n.to_vec(),
        }
    }
}

impl SummaryFunc for RelatednessCentred {
    fn output_dim(&self) -> usize {
        self.idx.len()
    }
    fn eval(&self, x: &[f64], cols: Range<usize>, out: &mut [f64]) {
        let mut sum = 0.0;
        for (xk, nk) in x.iter().zip(&self.n) {
            sum += xk / nk;
        }
        let mean = sum / self.n.len() as f64;
        for (o, &[i, j]) in out.iter_mut().zip(&self.idx[cols]) {
            *o = (x[i] / self.n[i] - mean) * (x[j] / self.n[j] - mean);
        }
    }
}

/// genetic_relatedness_weighted. The state has the weight columns plus a last column of
/// 1/num_samples per sample (the fraction of samples below); `totals` are the column sums.
pub struct RelatednessWeighted {
    idx: Vec<[usize; 2]>,
    totals: Vec<f64>,
    centred: bool,
}

impl RelatednessWeighted {
    pub fn new(totals: &[f64], tuples: &[Vec<usize>], centred: bool) -> Self {
        RelatednessWeighted {
            idx: tuples.iter().map(|t| [t[0], t[1]]).collect(),
            totals: totals.to_vec(),
            centred,
        }
    }
}

impl SummaryFunc for RelatednessWeighted {
    fn output_dim(&self) -> usize {
        self.idx.len()
    }
    fn eval(&self, x: &[f64], cols: Range<usize>, out: &mut [f64]) {
        let idx = &self.idx[cols];
        if self.centred {
            let p = x[x.len() - 1];
            for (o, &[i, j]) in out.iter_mut().zip(idx) {
                *o = (x[i] - self.totals[i] * p) * (x[j] - self.totals[j] * p);
            }
        } else {
            for (o, &[i, j]) in out.iter_mut().zip(idx) {
                *o = x[i] * x[j];
            }
        }
    }
}

/// trait_covariance: x_j^2 / (2 (n-1)^2) over mean-centred weights.
pub struct TraitCovariance {
    num_weights: usize,
    inv_denom: f64,
    /// The state column of weight 0 (see [`Diversity`]).
    first: usize,
}

impl TraitCovariance {
    pub fn new(num_weights: usize, num_samples: usize) -> Self {
        let n = num_samples as f64;
        TraitCovariance {
            num_weights,
            inv_denom: 1.0 / (2.0 * (n - 1.0) * (n - 1.0)),
            first: 0,
        }
    }
}

impl SummaryFunc for TraitCovariance {
    fn output_dim(&self) -> usize {
        self.num_weights
    }
    fn eval(&self, x: &[f64], cols: Range<usize>, out: &mut [f64]) {
        for (o, j) in out.iter_mut().zip(cols) {
            let x = x[self.first + j];
            *o = x * x * self.inv_denom;
        }
    }
    fn columns(&self, cols: Range<usize>) -> Option<Vec<usize>> {
        per_set_columns(self.first, cols)
    }
    fn restrict(&self, cols: Range<usize>, columns: &[usize]) -> Box<dyn SummaryFunc> {
        Box::new(TraitCovariance {
            num_weights: cols.len(),
            inv_denom: self.inv_denom,
            first: position(columns, self.first + cols.start),
        })
    }
}

/// trait_correlation over standardised weights, with a last column of 1/n (the fraction p
/// of samples below): x_j^2 / (2 p (1-p) n (n-1)) when 0 < p < 1, else 0.
pub struct TraitCorrelation {
    num_weights: usize,
    n: f64,
}

impl TraitCorrelation {
    pub fn new(num_weights: usize, num_samples: usize) -> Self {
        TraitCorrelation {
            num_weights,
            n: num_samples as f64,
        }
    }
}

impl SummaryFunc for TraitCorrelation {
    fn output_dim(&self) -> usize {
        self.num_weights
    }
    fn eval(&self, x: &[f64], cols: Range<usize>, out: &mut [f64]) {
        let p = x[x.len() - 1];
        let n = self.n;
        for (o, j) in out.iter_mut().zip(cols) {
            *o = if p > 0.0 && p < 1.0 {
                x[j] * x[j] / (2.0 * (p * (1.0 - p)) * n * (n - 1.0))
            } else {
                0.0
            };
        }
    }
}

/// trait_linear_model, as tskit's C: the state is the traits W (k columns), the orthonormal
/// covariates Z' (c columns) and the number m of samples below; with V = Wᵀ Z' (k × c),
/// a = w - Σ z v and d = m - Σ z², the output is a² / (2 d²) when 0 < m < n and d ≥ 1e-8
/// (tskit's tolerance: below it the trait lies in the span of the covariates), else 0.
pub struct TraitLinearModel {
    num_weights: usize,
    num_covariates: usize,
    /// V, row-major: `num_weights` rows of `num_covariates`.
    projection: Vec<f64>,
    n: f64,
}

impl TraitLinearModel {
    pub fn new(num_weights: usize, projection: &[f64], num_samples: usize) -> Self {
        TraitLinearModel {
            num_weights,
            num_covariates: projection.len() / num_weights.max(1),
            projection: projection.to_vec(),
            n: num_samples as f64,
        }
    }
}

impl SummaryFunc for TraitLinearModel {
    fn output_dim(&self) -> usize {
        self.num_weights
    }
    fn eval(&self, x: &[f64], cols: Range<usize>, out: &mut [f64]) {
        let (k, c) = (self.num_weights, self.num_covariates);
        let m = x[k + c];
        let z = &x[k..k + c];
        for (o, i) in out.iter_mut().zip(cols) {
            *o = if m > 0.0 && m < self.n {
                let v = &self.projection[i * c..(i + 1) * c];
                let (mut a, mut denom) = (x[i], m);
                for (&zj, &vj) in z.iter().zip(v) {
                    a -= zj * vj;
                    denom -= zj * zj;
                }
                if denom < 1e-8 {
                    0.0
                } else {
                    (a * a) / (2.0 * denom * denom)
                }
            } else {
                0.0
            };
        }
    }
}

/// Several summaries over the same state, outputs side by side (how Fst and Tajima's D get
/// all their ingredients from one pass over the trees).
pub struct Concat {
    parts: Vec<Box<dyn SummaryFunc>>,
    starts: Vec<usize>,
}

impl Concat {
    pub fn new(parts: Vec<Box<dyn SummaryFunc>>) -> Self {
        let mut starts = vec![0];
        for p in &parts {
            starts.push(starts.last().unwrap() + p.output_dim());
        }
        Concat { parts, starts }
    }
}

impl SummaryFunc for Concat {
    fn output_dim(&self) -> usize {
        *self.starts.last().unwrap()
    }
    fn eval(&self, x: &[f64], cols: Range<usize>, out: &mut [f64]) {
        for (p, part) in self.parts.iter().enumerate() {
            let (a, b) = (
                self.starts[p].max(cols.start),
                self.starts[p + 1].min(cols.end),
            );
            if a < b {
                let base = self.starts[p];
                part.eval(
                    x,
                    a - base..b - base,
                    &mut out[a - cols.start..b - cols.start],
                );
            }
        }
    }
    fn columns(&self, cols: Range<usize>) -> Option<Vec<usize>> {
        let mut all = Vec::new();
        for (part, range) in self.parts_in(cols) {
            all.extend(part.columns(range)?);
        }
        all.sort_unstable();
        all.dedup();
        Some(all)
    }
    fn restrict(&self, cols: Range<usize>, columns: &[usize]) -> Box<dyn SummaryFunc> {
        Box::new(Concat::new(
            self.parts_in(cols)
                .map(|(part, range)| part.restrict(range, columns))
                .collect(),
        ))
    }
}

impl Concat {
    /// The parts that outputs `cols` fall in, each with its own outputs among them.
    fn parts_in(
        &self,
        cols: Range<usize>,
    ) -> impl Iterator<Item = (&dyn SummaryFunc, Range<usize>)> + '_ {
        self.parts.iter().enumerate().filter_map(move |(p, part)| {
            let (a, b) = (
                self.starts[p].max(cols.start),
                self.starts[p + 1].min(cols.end),
            );
            (a < b).then(|| (&**part, a - self.starts[p]..b - self.starts[p]))
        })
    }
}

/// The allele frequency spectrum's "summary": the (joint) frequency of an allele or of the
/// samples below a node is one cell of an array with one axis of length n_k + 1 per sample
/// set. The state has one column per sample set plus a last column counting all samples;
/// tskit counts only what is carried by some but not all samples. Unpolarised spectra are
/// folded (tskit's `fold`).
#[derive(Clone, Debug)]
pub struct AfsSummary {
    /// n_k + 1 per sample set.
    pub dims: Vec<usize>,
    strides: Vec<usize>,
    pub num_samples: f64,
    pub polarised: bool,
}

impl AfsSummary {
    pub fn new(set_sizes: &[usize], num_samples: usize, polarised: bool) -> Self {
        let dims: Vec<usize> = set_sizes.iter().map(|n| n + 1).collect();
        let mut strides = vec![1usize; dims.len()];
        for k in (0..dims.len().saturating_sub(1)).rev() {
            strides[k] = strides[k + 1] * dims[k + 1];
        }
        AfsSummary {
            dims,
            strides,
            num_samples: num_samples as f64,
            polarised,
        }
    }

    /// Number of cells of one spectrum.
    pub fn size(&self) -> usize {
        self.dims.iter().product()
    }

    /// The flat cell for counts `x` (sample sets, then all samples), or None when the allele
    /// is carried by no sample or by all of them.
    #[inline]
    pub fn cell(&self, x: &[f64]) -> Option<usize> {
        let k = self.dims.len();
        let all = x[k];
        if !(all > 0.0 && all < self.num_samples) {
            return None;
        }
        let coord = |j: usize| x[j] as usize;
        let flip = !self.polarised && self.fold_flips(x);
        let mut cell = 0;
        for j in 0..k {
            let c = if flip {
                self.dims[j] - 1 - coord(j)
            } else {
                coord(j)
            };
            cell += c * self.strides[j];
        }
        Some(cell)
    }

    /// tskit's fold: a coordinate is replaced by its complement when its total exceeds half
    /// the total of all sets; ties are broken by dropping the last sets one by one.
    fn fold_flips(&self, x: &[f64]) -> bool {
        let k = self.dims.len();
        let mut half = 0.0;
        let mut s: i64 = 0;
        for (d, &c) in self.dims.iter().zip(x) {
            half += (d - 1) as f64;
            s += c as i64;
        }
        half /= 2.0;
        let mut j = k;
        while s as f64 == half && j > 0 {
            j -= 1;
            half -= (self.dims[j] - 1) as f64 / 2.0;
            s -= x[j] as i64;
        }
        s as f64 > half
    }
}

/// What a method takes as its main input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// `sample_sets`, defaulting to all samples as one flat set (output axis dropped).
    SampleSetsDefaultAll,
    /// `sample_sets`, defaulting to `[all samples]` (the AFS: nothing dropped).
    SampleSetsDefaultAllNested,
    /// `sample_sets` is required.
    SampleSetsRequired,
    /// `W`, a weight matrix with one row per sample.
    Weights,
}

/// How outputs relate to the sets (or weight columns).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arity {
    /// One output per sample set.
    PerSet,
    /// One output per index tuple of this many sets (or weight columns).
    Tuples(usize),
    /// One output per weight column.
    PerColumn,
    /// The allele frequency spectrum.
    Afs,
    /// One output per value of the caller's summary function (`output_dim`).
    Custom,
}

/// The summary function of a statistic, made from the parsed arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SummaryKind {
    Diversity,
    SegregatingSites,
    Y1,
    Tuple(TupleStat),
    /// genetic_relatedness: centred or not, by the `centre` argument.
    Relatedness,
    RelatednessWeighted,
    TraitCovariance,
    TraitCorrelation,
    TraitLinearModel,
    Afs,
    /// The caller's summary function (general_stat, sample_count_stat: see `custom.rs`).
    Custom,
    /// Fst's ingredients: diversity of every set, then divergence of each pair.
    FstParts,
    /// Tajima's D's ingredients: diversity of every set, then segregating sites of every set.
    TajimasDParts,
}

/// Statistics that tskit computes from others after the sums.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Derived {
    None,
    Fst,
    TajimasD,
    /// genetic_relatedness with `proportion=true`: divided by the segregating sites of the
    /// union of the sample sets (a second pass).
    RelatednessProportion,
}

/// How the general engine computes one statistic: its input, its arity, its summary function
/// and what is derived from the sums. The method's names and options are its row in
/// `registry::METHODS`.
#[derive(Clone, Copy, Debug)]
pub struct StatDef {
    pub input: Input,
    pub arity: Arity,
    pub summary: SummaryKind,
    pub derived: Derived,
}

use SummaryKind as S;

/// What a summary is built from.
pub struct SummaryArgs<'a> {
    /// Sample set sizes (or, for weights, unused).
    pub set_sizes: &'a [f64],
    pub tuples: &'a [Vec<usize>],
    pub centre: bool,
    /// Column sums of the weights (genetic_relatedness_weighted).
    pub weight_totals: &'a [f64],
    pub num_weights: usize,
    pub num_samples: usize,
    /// trait_linear_model's V = Wᵀ Z' (see [`TraitLinearModel`]).
    pub projection: &'a [f64],
}

/// Builds the dense summary function of `kind` (not the AFS, which has its own accumulator).
pub fn make_summary(kind: SummaryKind, a: &SummaryArgs) -> Box<dyn SummaryFunc> {
    let n = a.set_sizes;
    match kind {
        S::Diversity => Box::new(Diversity::new(n)),
        S::SegregatingSites => Box::new(SegregatingSites::new(n)),
        S::Y1 => Box::new(Y1::new(n)),
        S::Tuple(t) => Box::new(Tuples::new(t, n, a.tuples)),
        S::Relatedness if a.centre => Box::new(RelatednessCentred::new(n, a.tuples)),
        S::Relatedness => Box::new(Tuples::new(TupleStat::RelatednessNoncentred, n, a.tuples)),
        S::RelatednessWeighted => Box::new(RelatednessWeighted::new(
            a.weight_totals,
            a.tuples,
            a.centre,
        )),
        S::TraitCovariance => Box::new(TraitCovariance::new(a.num_weights, a.num_samples)),
        S::TraitCorrelation => Box::new(TraitCorrelation::new(a.num_weights, a.num_samples)),
        S::TraitLinearModel => Box::new(TraitLinearModel::new(
            a.num_weights,
            a.projection,
            a.num_samples,
        )),
        S::FstParts => Box::new(Concat::new(vec![
            Box::new(Diversity::new(n)),
            Box::new(Tuples::new(TupleStat::Divergence, n, a.tuples)),
        ])),
        S::TajimasDParts => Box::new(Concat::new(vec![
            Box::new(Diversity::new(n)),
            Box::new(SegregatingSites::new(n)),
        ])),
        S::Afs => unreachable!("the AFS is not a dense summary"),
        S::Custom => unreachable!("the caller's summary is made in custom.rs"),
    }
}

/// Finishes derived statistics row by row, with what depends only on the sample set sizes
/// computed once.
pub struct Finisher<'a> {
    derived: Derived,
    tuples: &'a [Vec<usize>],
    num_sets: usize,
    tajima: Vec<TajimaConstants>,
}

impl<'a> Finisher<'a> {
    pub fn new(derived: Derived, set_sizes: &[f64], tuples: &'a [Vec<usize>]) -> Self {
        let tajima = match derived {
            Derived::TajimasD => set_sizes.iter().map(|&n| TajimaConstants::new(n)).collect(),
            _ => Vec::new(),
        };
        Finisher {
            derived,
            tuples,
            num_sets: set_sizes.len(),
            tajima,
        }
    }

    /// Turns one row of the engine's sums (the outputs of the summary at one window, time
    /// window and node) into the statistic's outputs. `denominator` is the second pass's
    /// value at the same place (relatedness as a proportion).
    pub fn finish(&self, row: &[f64], denominator: f64, out: &mut Vec<f64>) {
        match self.derived {
            Derived::None => out.extend_from_slice(row),
            Derived::RelatednessProportion => out.extend(row.iter().map(|v| v / denominator)),
            Derived::Fst => {
                let (diversity, divergence) = row.split_at(self.num_sets);
                for (t, d) in self.tuples.iter().zip(divergence) {
                    let (pu, pv) = (diversity[t[0]], diversity[t[1]]);
                    let denom = pu + pv + 2.0 * d;
                    out.push(1.0 - 2.0 * (pu + pv) / denom);
                }
            }
            Derived::TajimasD => {
                let (pi, segsites) = row.split_at(self.num_sets);
                for ((c, &t), &s) in self.tajima.iter().zip(pi).zip(segsites) {
                    out.push(c.d(t, s));
                }
            }
        }
    }
}

/// What Tajima's D needs of the sample size n, as tskit's Python computes it: the harmonic
/// sums h = sum 1/i and g = sum 1/i^2 (i < n) and the variance coefficients a and b. tskit
/// (1.0.3) evaluates n^2 + n + 3 and 9n(n-1) on its uint32 sample-set sizes, which wrap for
/// a sample set of more than 21,845 samples (9n(n-1) >= 2^32), so its D is wrong there;
/// here they are floating point, and D equals tskit's formula evaluated without the wrap.
#[derive(Clone, Copy, Debug)]
pub struct TajimaConstants {
    h: f64,
    g: f64,
    a: f64,
    b: f64,
    /// Whether D is defined for this sample size (n >= 4; see [`TajimaConstants::d`]).
    defined: bool,
}

impl TajimaConstants {
    pub fn new(n: f64) -> Self {
        let (mut h, mut g) = (0.0, 0.0);
        for i in 1..n as usize {
            let i = i as f64;
            h += 1.0 / i;
            g += 1.0 / (i * i);
        }
        let a = (n + 1.0) / (3.0 * (n - 1.0) * h) - 1.0 / (h * h);
        let b = 2.0 * (n * n + n + 3.0) / (9.0 * n * (n - 1.0)) - (n + 2.0) / (h * n) + g / (h * h);
        TajimaConstants {
            h,
            g,
            a,
            b,
            defined: n >= 4.0,
        }
    }

    /// Tajima's D from the (unnormalised) diversity t and segregating sites s; NaN where its
    /// denominators vanish.
    ///
    /// The rule for small sets: D of a set of fewer than 4 samples is NaN. For n = 2 and
    /// n = 3 the variance constants a and b are exactly 0 (mathematically; in floating point
    /// 0 or a residue of about 1e-17 of either sign), so the denominator is 0 whatever the
    /// data, and the numerator t - s/h is 0 as well wherever sites are biallelic (each such
    /// site, or branch, adds exactly 1/h to t). tskit evaluates the formula anyway: what it
    /// returns there is the sign of its rounding residues (on `small.trees`: NaN for n = 2,
    /// NaN in site mode and +inf, -inf or NaN in branch mode for n = 3), which no other
    /// summation order reproduces; NaN says "undefined", the same on every backend. n = 1
    /// gives NaN in tskit's formula too (h = 0). For n >= 4 the formula is used as tskit
    /// writes it (NaN where s = 0).
    pub fn d(&self, t: f64, s: f64) -> f64 {
        let TajimaConstants {
            h,
            g,
            a,
            b,
            defined,
        } = *self;
        if !defined {
            return f64::NAN;
        }
        (t - s / h) / (a * s + (b / (h * h + g)) * s * (s - 1.0)).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_matches_tskit_for_one_set() {
        let afs = AfsSummary::new(&[4], 10, false);
        // counts 1 and 3 of 4 fold onto 1; 2 stays in the middle.
        assert_eq!(afs.cell(&[1.0, 1.0]), Some(1));
        assert_eq!(afs.cell(&[3.0, 3.0]), Some(1));
        assert_eq!(afs.cell(&[2.0, 2.0]), Some(2));
        assert_eq!(afs.cell(&[0.0, 0.0]), None);
        assert_eq!(afs.cell(&[0.0, 10.0]), None);
    }

    #[test]
    fn tajimas_d_of_fewer_than_four_samples_is_nan() {
        for n in [1.0, 2.0, 3.0] {
            let c = TajimaConstants::new(n);
            // Whatever the sums, even ones whose rounding would give tskit +-inf.
            for (t, s) in [
                (0.0, 0.0),
                (2.0, 3.0),
                (2.0 + 1e-15, 3.0),
                (2.0 - 1e-15, 3.0),
            ] {
                assert!(c.d(t, s).is_nan(), "n = {n}, t = {t}, s = {s}");
            }
        }
        // From 4 on the formula: D of 4 samples with one singleton site (t = 1 * 3 / 6 * 2 =
        // 0.5 pairwise differences, s = 1) is finite and negative (t < s/h = 6/11).
        let d = TajimaConstants::new(4.0).d(0.5, 1.0);
        assert!(d.is_finite() && d < 0.0, "{d}");
        assert!(TajimaConstants::new(4.0).d(0.0, 0.0).is_nan());
    }

    #[test]
    fn concat_splits_columns() {
        let c = Concat::new(vec![
            Box::new(Diversity::new(&[4.0, 4.0])),
            Box::new(SegregatingSites::new(&[4.0, 4.0])),
        ]);
        let mut all = vec![0.0; 4];
        c.eval(&[1.0, 2.0], 0..4, &mut all);
        let mut mid = vec![0.0; 2];
        c.eval(&[1.0, 2.0], 1..3, &mut mid);
        assert_eq!(mid, all[1..3]);
    }
}
