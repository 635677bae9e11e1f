//! The weight matrices the engine sums: one row per sample (in `ts.samples` order), one column
//! per sample set or trait.
//!
//! What it is for: [`WeightMatrix`] and its column sums; the indicator weights of sample sets,
//! built by blocks of rows in parallel (it runs while every other thread waits); and the
//! transforms of the caller's `W` that the trait statistics and weighted relatedness sum
//! (centred, standardised, with a column of 1/n).
//!
//! What it is not: reading `W` or the sample sets from the arguments (`args/`).

use rayon::prelude::*;

use crate::bail;
use crate::error::Result;
use crate::stats::args::SampleSets;
use crate::treeseq::TreeSequence;

/// A weight matrix with one row per sample (in `ts.samples` order), row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct WeightMatrix {
    pub data: Vec<f64>,
    pub num_rows: usize,
    pub num_cols: usize,
    /// Every weight is an integer and each column's absolute values add up to less than
    /// 2^24, so that sums of weights are exact in f32 (see `walk::stored_sum::StoredSum`).
    pub small_integers: bool,
    /// Every weight is 0 or 1 (sample set indicators): a node's sums count samples, and
    /// can be packed (see `walk::stored_sum::PackedCounts`).
    pub counts: bool,
    /// The rows as packed sample counts (`PackedCounts::width(num_cols)` words a row), made
    /// with indicator weights that can be packed (`weights::packed_rows`): each seek of a
    /// site-mode walk writes every sample's record, and copying a packed word costs less
    /// than packing the row again (on 300,000 samples, 1.3 ms rather than 2 to 4 ms a seek,
    /// most of it reading 7 MB of f64 rows). None elsewhere: the rows are then packed as
    /// they are read.
    pub packed_rows: Option<Vec<u64>>,
}

impl WeightMatrix {
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.num_cols..(i + 1) * self.num_cols]
    }

    /// Column sums, each added up in row order (or, for small integers, whose sums are exact
    /// in any order, by blocks of rows in parallel). Widths up to 4 (sample sets are usually a
    /// few) are summed with the width known at compile time: a call sums 300,000 rows while
    /// every thread waits for it.
    pub fn column_sums(&self) -> Vec<f64> {
        let data = &self.data[..self.num_rows * self.num_cols];
        let k = self.num_cols;
        if self.small_integers && k > 0 && self.num_rows > 1 << 16 {
            // Integer sums below 2^24 are exact in any order: sum blocks of rows in parallel.
            return data
                .par_chunks(k << 14)
                .map(|block| WeightMatrix::sums_in_order(block, k))
                .reduce(
                    || vec![0.0; k],
                    |mut a, b| {
                        a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                        a
                    },
                );
        }
        WeightMatrix::sums_in_order(data, k)
    }

    fn sums_in_order(data: &[f64], k: usize) -> Vec<f64> {
        fn fixed<const K: usize>(data: &[f64]) -> Vec<f64> {
            let mut s = [0.0; K];
            for row in data.chunks_exact(K) {
                for j in 0..K {
                    s[j] += row[j];
                }
            }
            s.to_vec()
        }
        match k {
            1 => fixed::<1>(data),
            2 => fixed::<2>(data),
            3 => fixed::<3>(data),
            4 => fixed::<4>(data),
            k => {
                let mut s = vec![0.0; k];
                for row in data.chunks_exact(k.max(1)) {
                    for (a, &w) in s.iter_mut().zip(row) {
                        *a += w;
                    }
                }
                s
            }
        }
    }
}

impl SampleSets {
    /// [`indicator_weights`] of these sets.
    pub fn indicator_weights(&self, ts: &TreeSequence, extra_all: bool) -> WeightMatrix {
        match &self.members {
            Some(members) => weights_from_bitmaps(ts.num_samples(), members, extra_all),
            None => indicator_weights(ts, &self.sets, extra_all),
        }
    }
}

/// One bit per sample (by index in `ts.samples`).
pub(crate) type Bitmap = Vec<u64>;

/// W minus its column means (trait_covariance).
pub(crate) fn centred(w: &WeightMatrix) -> WeightMatrix {
    let n = w.num_rows as f64;
    let means: Vec<f64> = w.column_sums().iter().map(|s| s / n).collect();
    let mut data = Vec::with_capacity(w.data.len());
    for i in 0..w.num_rows {
        data.extend(w.row(i).iter().zip(&means).map(|(x, m)| x - m));
    }
    WeightMatrix {
        data,
        num_rows: w.num_rows,
        num_cols: w.num_cols,
        small_integers: false,
        counts: false,
        packed_rows: None,
    }
}

/// W centred and scaled by its sample standard deviation, plus a column of 1/n
/// (trait_correlation). Columns without variance are refused, as tskit refuses them.
pub(crate) fn standardised(method: &str, w: &WeightMatrix) -> Result<WeightMatrix> {
    let n = w.num_rows as f64;
    let k = w.num_cols;
    let mut means = vec![0.0; k];
    let mut meansqs = vec![0.0; k];
    for i in 0..w.num_rows {
        for (j, &x) in w.row(i).iter().enumerate() {
            means[j] += x;
            meansqs[j] += x * x;
        }
    }
    for j in 0..k {
        means[j] /= n;
        // tskit's Python refuses a column whose population variance is zero.
        let column_constant = (0..w.num_rows).all(|i| w.row(i)[j] == w.row(0)[j]);
        if column_constant {
            bail!(BadParam, "{method}: weight column {j} has zero variance; weight columns must have positive variance to compute correlation");
        }
        meansqs[j] -= means[j] * means[j] * n;
        meansqs[j] /= n - 1.0;
    }
    let sds: Vec<f64> = meansqs.iter().map(|v| v.sqrt()).collect();
    let mut data = Vec::with_capacity(w.num_rows * (k + 1));
    for i in 0..w.num_rows {
        data.extend(
            w.row(i)
                .iter()
                .zip(&means)
                .zip(&sds)
                .map(|((x, m), s)| (x - m) / s),
        );
        data.push(1.0 / n);
    }
    Ok(WeightMatrix {
        data,
        num_rows: w.num_rows,
        num_cols: k + 1,
        small_integers: false,
        counts: false,
        packed_rows: None,
    })
}

/// W plus a column of 1/n: the fraction of samples below a node
/// (genetic_relatedness_weighted's centring).
pub(crate) fn with_fraction_column(w: &WeightMatrix) -> WeightMatrix {
    let n = w.num_rows as f64;
    let mut data = Vec::with_capacity(w.num_rows * (w.num_cols + 1));
    for i in 0..w.num_rows {
        data.extend_from_slice(w.row(i));
        data.push(1.0 / n);
    }
    WeightMatrix {
        data,
        num_rows: w.num_rows,
        num_cols: w.num_cols + 1,
        small_integers: false,
        counts: false,
        packed_rows: None,
    }
}

/// What `trait_linear_model` sums: `W`, the covariates made orthonormal, and a column of ones
/// (the samples below), with `V = Wᵀ Z'` (`num_weights` rows of `num_covariates`), which the
/// summary subtracts to project each trait off the covariates.
pub(crate) struct LinearModel {
    pub weights: WeightMatrix,
    pub projection: Vec<f64>,
}

/// `trait_linear_model`'s weights, as tskit's Python prepares `Z` and its C sums them:
/// without covariates `Z` is a column of ones; with them a column of ones is appended unless
/// that would make the columns dependent (numpy's `matrix_rank`); dependent covariates are
/// refused; then `Z' = Z K⁻¹` with `KᵀK = ZᵀZ` (Cholesky), so that `Z'ᵀZ' = I`.
pub(crate) fn linear_model(
    method: &str,
    w: &WeightMatrix,
    z: Option<&WeightMatrix>,
) -> Result<LinearModel> {
    let n = w.num_rows;
    let z = match z {
        None => vec![1.0; n],
        Some(z) => {
            let mut with_ones = Vec::with_capacity(n * (z.num_cols + 1));
            for i in 0..n {
                with_ones.extend_from_slice(z.row(i));
                with_ones.push(1.0);
            }
            if matrix_rank(&with_ones, n, z.num_cols + 1) == z.num_cols + 1 {
                with_ones
            } else {
                z.data[..n * z.num_cols].to_vec()
            }
        }
    };
    let c = z.len().checked_div(n).unwrap_or(0);
    if matrix_rank(&z, n, c) < c {
        bail!(
            BadParam,
            "{method}: the matrix of covariates is computationally singular (its columns, with a column of ones if that keeps them independent, must be linearly independent)"
        );
    }
    let gram = gram(&z, n, c);
    // The lower Cholesky factor L of ZᵀZ (K = Lᵀ); independence was checked above, but a
    // pivot that is not positive is still refused rather than turned into NaN.
    let mut l = vec![0.0; c * c];
    for i in 0..c {
        for j in 0..=i {
            let mut s = gram[i * c + j];
            for k in 0..j {
                s -= l[i * c + k] * l[j * c + k];
            }
            if i == j {
                if s.is_nan() || s <= 0.0 {
                    bail!(
                        BadParam,
                        "{method}: the matrix of covariates is computationally singular"
                    );
                }
                l[i * c + i] = s.sqrt();
            } else {
                l[i * c + j] = s / l[j * c + j];
            }
        }
    }
    // Each row of Z' = Z L⁻ᵀ solves L z' = z (forward substitution).
    let k = w.num_cols;
    let width = k + c + 1;
    let mut data = Vec::with_capacity(n * width);
    let mut projection = vec![0.0; k * c];
    let mut zr = vec![0.0; c];
    for i in 0..n {
        let row = &z[i * c..(i + 1) * c];
        for a in 0..c {
            let mut s = row[a];
            for b in 0..a {
                s -= l[a * c + b] * zr[b];
            }
            zr[a] = s / l[a * c + a];
        }
        let wr = w.row(i);
        for (t, &wt) in wr.iter().enumerate() {
            for (v, &zj) in projection[t * c..(t + 1) * c].iter_mut().zip(&zr) {
                *v += wt * zj;
            }
        }
        data.extend_from_slice(wr);
        data.extend_from_slice(&zr);
        data.push(1.0);
    }
    Ok(LinearModel {
        weights: WeightMatrix {
            data,
            num_rows: n,
            num_cols: width,
            small_integers: false,
            counts: false,
            packed_rows: None,
        },
        projection,
    })
}

/// AᵀA of an `n` × `c` row-major matrix.
fn gram(a: &[f64], n: usize, c: usize) -> Vec<f64> {
    let mut g = vec![0.0; c * c];
    for row in a.chunks_exact(c.max(1)).take(n) {
        for i in 0..c {
            for j in 0..c {
                g[i * c + j] += row[i] * row[j];
            }
        }
    }
    g
}

/// numpy's `matrix_rank`: the number of singular values above `σ_max · max(n, c) · ε`. The
/// singular values are found by one-sided Jacobi rotations of the columns (accurate to
/// relative rounding even for the tiny ones that decide the rank; c, the number of
/// covariates, is small).
fn matrix_rank(a: &[f64], n: usize, c: usize) -> usize {
    if c == 0 || n == 0 {
        return 0;
    }
    let mut cols: Vec<Vec<f64>> = (0..c)
        .map(|j| (0..n).map(|i| a[i * c + j]).collect())
        .collect();
    let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
    for _sweep in 0..60 {
        let mut rotated = false;
        for p in 0..c {
            for q in p + 1..c {
                let (alpha, beta) = (dot(&cols[p], &cols[p]), dot(&cols[q], &cols[q]));
                let gamma = dot(&cols[p], &cols[q]);
                if gamma.is_nan() || gamma.abs() <= f64::EPSILON * (alpha * beta).sqrt() {
                    continue;
                }
                rotated = true;
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                let cs = 1.0 / (1.0 + t * t).sqrt();
                let sn = cs * t;
                let (left, right) = cols.split_at_mut(q);
                for (x, y) in left[p].iter_mut().zip(right[0].iter_mut()) {
                    let (xp, yq) = (*x, *y);
                    *x = cs * xp - sn * yq;
                    *y = sn * xp + cs * yq;
                }
            }
        }
        if !rotated {
            break;
        }
    }
    let sv: Vec<f64> = cols.iter().map(|col| dot(col, col).sqrt()).collect();
    let max = sv.iter().copied().fold(0.0, f64::max);
    let tol = max * n.max(c) as f64 * f64::EPSILON;
    sv.iter().filter(|&&s| s > tol).count()
}

/// The indicator weights of sample sets: row i (sample `ts.samples[i]`) has 1 in column j
/// when the sample is in set j. `extra_all` appends a column of ones (every sample).
pub fn indicator_weights(ts: &TreeSequence, sets: &[Vec<i32>], extra_all: bool) -> WeightMatrix {
    let index = ts.sample_index_map();
    let n = ts.num_samples();
    let members: Vec<Bitmap> = sets
        .par_iter()
        .map(|set| {
            let mut bits = vec![0u64; n.div_ceil(64)];
            for &u in set {
                let s = index[u as usize] as usize;
                bits[s / 64] |= 1 << (s % 64);
            }
            bits
        })
        .collect();
    weights_from_bitmaps(n, &members, extra_all)
}

/// Indicator weights of `n` samples from the sets' bitmaps. Built while every other thread
/// waits, so by blocks of rows in parallel.
fn weights_from_bitmaps(n: usize, members: &[Bitmap], extra_all: bool) -> WeightMatrix {
    /// Rows per task (a multiple of 64).
    const ROWS: usize = 1 << 12;
    let k = members.len() + extra_all as usize;
    // Fresh each call and megabytes large on big sample sets: huge pages fault in far fewer
    // times (see `memory.rs`). Every value is written once, by blocks of rows in parallel
    // (so the pages fault in on every thread, and nothing is zeroed first).
    let mut data = crate::memory::large_vec(n * k);
    if k > 0 {
        data.spare_capacity_mut()[..n * k]
            .par_chunks_mut(ROWS * k)
            .enumerate()
            .for_each(|(b, block)| {
                let mut words = Vec::with_capacity(members.len());
                for (g, group) in block.chunks_mut(64 * k).enumerate() {
                    let word = b * (ROWS / 64) + g;
                    words.clear();
                    words.extend(members.iter().map(|bits| bits[word]));
                    for (r, row) in group.chunks_exact_mut(k).enumerate() {
                        for (v, &w) in row.iter_mut().zip(&words) {
                            v.write(((w >> r) & 1) as f64);
                        }
                        if extra_all {
                            row[k - 1].write(1.0);
                        }
                    }
                }
            });
        // SAFETY: the blocks cover the first n * k values, and each row's k values were all
        // written above (the sets' columns, then the column of ones when `extra_all`).
        unsafe { data.set_len(n * k) };
    }
    WeightMatrix {
        packed_rows: packed_rows(&data, n, k),
        data,
        num_rows: n,
        num_cols: k,
        // Indicators: each column adds up to at most n.
        small_integers: n < 1 << 24,
        counts: true,
    }
}

/// Most sets whose packed rows are made with their weights: the site walk carries at most
/// 256 outputs a group, and a statistic of more sets gathers each group's columns anew (with
/// no packed rows), so beyond a few dozen sets the rows would be made for nothing.
const MAX_PACKED_SETS: usize = 64;

/// Words per row of the packed rows made with `n` rows of `k` indicator columns, or None
/// where none are made (see [`packed_rows`]); memory checks count them before they are made.
pub(crate) fn packed_width(n: usize, k: usize) -> Option<usize> {
    use crate::walk::stored_sum::{PackedCounts, Sums};
    (PackedCounts::fits(n, k) && k <= MAX_PACKED_SETS).then(|| PackedCounts::width(k))
}

/// The rows of indicator weights `data` (n rows of k) as packed sample counts, each row
/// packed by `PackedCounts::exact_row` (the one place that knows the lanes), when they can be
/// packed and the sets are few ([`MAX_PACKED_SETS`]). By blocks of rows in parallel, as the
/// weights are made.
fn packed_rows(data: &[f64], n: usize, k: usize) -> Option<Vec<u64>> {
    use crate::walk::stored_sum::{PackedCounts, Sums};
    const ROWS: usize = 1 << 12;
    let width = packed_width(n, k)?;
    let mut rows = vec![PackedCounts::default(); n * width];
    rows.par_chunks_mut(ROWS * width)
        .zip(data.par_chunks(ROWS * k))
        .for_each(|(packed, block)| {
            for (row, src) in packed.chunks_exact_mut(width).zip(block.chunks_exact(k)) {
                PackedCounts::exact_row(row, src);
            }
        });
    Some(rows.into_iter().map(PackedCounts::word).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows written by blocks in parallel from bitmaps are the rows of a plain scatter, for
    /// sample counts that are and are not multiples of 64 and of a block, with and without
    /// the column of ones; column sums over blocks are those in row order; and the packed
    /// rows are those rows packed.
    #[test]
    fn indicator_rows_from_bitmaps() {
        // 70,001 rows: column sums by blocks in parallel (above 65,536 rows).
        for n in [1, 63, 64, 65, 4096, 4097, 10_000, 70_001] {
            let sets: Vec<Vec<usize>> = vec![
                (0..n).step_by(3).collect(),
                (0..n).filter(|i| i % 7 == 2 || i % 64 == 63).collect(),
                (n / 2..n).collect(),
            ];
            let members: Vec<Bitmap> = sets
                .iter()
                .map(|s| {
                    let mut b = vec![0u64; n.div_ceil(64)];
                    s.iter().for_each(|&i| b[i / 64] |= 1 << (i % 64));
                    b
                })
                .collect();
            for extra_all in [false, true] {
                let w = weights_from_bitmaps(n, &members, extra_all);
                let k = sets.len() + extra_all as usize;
                let mut expected = vec![0.0; n * k];
                for (j, s) in sets.iter().enumerate() {
                    s.iter().for_each(|&i| expected[i * k + j] = 1.0);
                }
                if extra_all {
                    (0..n).for_each(|i| expected[i * k + k - 1] = 1.0);
                }
                assert_eq!((w.num_rows, w.num_cols), (n, k));
                assert_eq!(w.data, expected, "n = {n}, extra_all = {extra_all}");
                let in_order = WeightMatrix::sums_in_order(&w.data, k);
                assert_eq!(w.column_sums(), in_order);
                let sizes: Vec<f64> = sets.iter().map(|s| s.len() as f64).collect();
                assert_eq!(&in_order[..sets.len()], &sizes[..]);
                // The packed rows made with the weights are the rows packed one by one.
                use crate::walk::stored_sum::{PackedCounts, Sums};
                assert!(w.packed_rows.is_some(), "{k} indicator columns are packed");
                let width = PackedCounts::width(k);
                let (mut made, mut packed) = (vec![], vec![]);
                for i in 0..n {
                    made.resize(width, PackedCounts::default());
                    packed.resize(width, PackedCounts::default());
                    PackedCounts::own_row(&mut made, &w, i);
                    PackedCounts::exact_row(&mut packed, w.row(i));
                    assert_eq!(made, packed, "row {i} of {n}, extra_all = {extra_all}");
                }
            }
        }
    }

    /// numpy's rank: a constant column beside the column of ones is dependent; independent
    /// columns are not, whatever their scale.
    #[test]
    fn matrix_rank_as_numpy() {
        let rows = [[2.0, 1.0], [2.0, 1.0], [2.0, 1.0]];
        let flat: Vec<f64> = rows.iter().flatten().copied().collect();
        assert_eq!(matrix_rank(&flat, 3, 2), 1);
        let flat = [1e-6, 1.0, 2e-6, 1.0, 0.0, 1.0];
        assert_eq!(matrix_rank(&flat, 3, 2), 2);
        assert_eq!(matrix_rank(&[0.0; 6], 3, 2), 0);
    }

    /// Z' = Z K⁻¹ is orthonormal (Z'ᵀZ' = I), and V = Wᵀ Z'.
    #[test]
    fn linear_model_makes_the_covariates_orthonormal() {
        let w = WeightMatrix {
            data: vec![1.0, -2.0, 0.5, 3.0],
            num_rows: 4,
            num_cols: 1,
            small_integers: false,
            counts: false,
            packed_rows: None,
        };
        let z = WeightMatrix {
            data: vec![0.3, 1.2, -0.7, 2.0],
            num_rows: 4,
            num_cols: 1,
            small_integers: false,
            counts: false,
            packed_rows: None,
        };
        let m = linear_model("test", &w, Some(&z)).unwrap();
        // W, the two covariates (z and the ones), the count column.
        assert_eq!(m.weights.num_cols, 4);
        let col = |j: usize| (0..4).map(|i| m.weights.row(i)[j]).collect::<Vec<_>>();
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
        let (z0, z1) = (col(1), col(2));
        assert!((dot(&z0, &z0) - 1.0).abs() < 1e-12);
        assert!((dot(&z1, &z1) - 1.0).abs() < 1e-12);
        assert!(dot(&z0, &z1).abs() < 1e-12);
        assert!((m.projection[0] - dot(&col(0), &z0)).abs() < 1e-12);
        assert!(col(3).iter().all(|&x| x == 1.0));
        // A covariate that is a multiple of the ones: used alone; two equal ones: refused.
        let constant = WeightMatrix {
            data: vec![2.0; 4],
            ..z.clone()
        };
        assert_eq!(
            linear_model("test", &w, Some(&constant))
                .unwrap()
                .weights
                .num_cols,
            3
        );
        let twice = WeightMatrix {
            data: vec![0.3, 0.3, 1.2, 1.2, -0.7, -0.7, 2.0, 2.0],
            num_cols: 2,
            ..z
        };
        assert!(linear_model("test", &w, Some(&twice)).is_err());
    }
}
