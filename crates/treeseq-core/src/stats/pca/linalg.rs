//! The small dense linear algebra `pca` needs, on tall row-major matrices (m rows, a few
//! dozen columns): the orthonormal factor of a QR decomposition (Householder reflections,
//! as LAPACK's `geqrf`/`orgqr` that numpy calls) and a singular value decomposition (one-sided
//! Jacobi rotations, accurate to the small singular values). Sequential and in a fixed order,
//! so that the same input gives the same bits on every thread count and target.
//!
//! Signs: a QR factor or a singular vector is determined only up to sign (and, where values
//! repeat, up to rotation), here as in LAPACK; `pca`'s results are compared with tskit's up to
//! the sign of each factor.

/// Q of the thin QR decomposition of the row-major `m × n` matrix `a` (m >= n): `m × n`
/// with orthonormal columns spanning a's. A column that is zero after the reflections
/// before it keeps the identity there (as LAPACK, which then gives an arbitrary unit column).
pub fn qr_q(a: &[f64], m: usize, n: usize) -> Vec<f64> {
    let (_, vs) = householder(a, m, n);
    // Q = H_0 H_1 ... H_{n-1} applied to the first n columns of the identity.
    let mut q = vec![0.0; m * n];
    for j in 0..n {
        q[j * n + j] = 1.0;
    }
    for (j, v) in vs.iter().enumerate().rev() {
        if let Some((v, vv)) = v {
            reflect(&mut q, m, n, j, v, *vv, j);
        }
    }
    q
}

/// A Householder reflection: its vector (stored from its row down) and the vector's squared
/// norm; `None` where a column needs none.
type Reflection = Option<(Vec<f64>, f64)>;

/// The Householder reflections that triangularise the row-major `m × n` matrix `a`
/// (m >= n), and what they leave of it (R in its first n rows, upper triangular): per column
/// j, the reflection's vector (stored from row j down) and its squared norm, or `None`
/// where none is needed.
fn householder(a: &[f64], m: usize, n: usize) -> (Vec<f64>, Vec<Reflection>) {
    debug_assert!(m >= n && a.len() == m * n);
    let mut r = a.to_vec();
    let mut vs = Vec::with_capacity(n);
    for j in 0..n {
        let norm = (j..m)
            .map(|i| r[i * n + j] * r[i * n + j])
            .sum::<f64>()
            .sqrt();
        if norm == 0.0 {
            vs.push(None);
            continue;
        }
        let alpha = if r[j * n + j] > 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = (j..m).map(|i| r[i * n + j]).collect();
        v[0] -= alpha;
        let vv: f64 = v.iter().map(|x| x * x).sum();
        if vv == 0.0 {
            vs.push(None);
            continue;
        }
        reflect(&mut r, m, n, j, &v, vv, j);
        vs.push(Some((v, vv)));
    }
    (r, vs)
}

/// Applies `I - 2 v v^T / (v^T v)` (v living in rows `row..m`) to columns `from..n` of the
/// row-major `m × n` matrix `a`.
fn reflect(a: &mut [f64], m: usize, n: usize, row: usize, v: &[f64], vv: f64, from: usize) {
    let mut dots = vec![0.0; n - from];
    for (i, &vi) in (row..m).zip(v) {
        for (d, &x) in dots.iter_mut().zip(&a[i * n + from..(i + 1) * n]) {
            *d += vi * x;
        }
    }
    for d in &mut dots {
        *d *= 2.0 / vv;
    }
    for (i, &vi) in (row..m).zip(v) {
        for (x, &d) in a[i * n + from..(i + 1) * n].iter_mut().zip(&dots) {
            *x -= vi * d;
        }
    }
}

/// The singular values (descending) and right singular vectors of the row-major `m × n`
/// matrix `a` (m >= n): `(s, v)` with `v` row-major `n × n`, its column j the vector of
/// `s[j]`. Those of a are those of its QR factor R (a = QR, Q with orthonormal columns), so
/// the rotations run on the small `n × n` R rather than on a's m rows (LAPACK too reduces a
/// tall matrix first): by one-sided Jacobi, rotating pairs of R's columns until all are
/// orthogonal; the rotations make v, the columns' norms the singular values.
pub fn svd_right(a: &[f64], m: usize, n: usize) -> (Vec<f64>, Vec<f64>) {
    let (r, _) = householder(a, m, n);
    let mut u = r[..n * n].to_vec();
    for i in 0..n {
        u[i * n..i * n + i].fill(0.0);
    }
    let m = n;
    let mut v = vec![0.0; n * n];
    for j in 0..n {
        v[j * n + j] = 1.0;
    }
    for _sweep in 0..100 {
        let mut rotated = false;
        for p in 0..n {
            for q in p + 1..n {
                let (mut alpha, mut beta, mut gamma) = (0.0, 0.0, 0.0);
                for i in 0..m {
                    let (x, y) = (u[i * n + p], u[i * n + q]);
                    alpha += x * x;
                    beta += y * y;
                    gamma += x * y;
                }
                if gamma == 0.0 || gamma.abs() <= 1e-15 * (alpha * beta).sqrt() {
                    continue;
                }
                rotated = true;
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = c * t;
                for rows in [&mut u[..], &mut v[..]] {
                    for row in rows.chunks_mut(n) {
                        let (x, y) = (row[p], row[q]);
                        row[p] = c * x - s * y;
                        row[q] = s * x + c * y;
                    }
                }
            }
        }
        if !rotated {
            break;
        }
    }
    let norms: Vec<f64> = (0..n)
        .map(|j| {
            (0..m)
                .map(|i| u[i * n + j] * u[i * n + j])
                .sum::<f64>()
                .sqrt()
        })
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| norms[b].total_cmp(&norms[a]).then(a.cmp(&b)));
    let s = order.iter().map(|&j| norms[j]).collect();
    let mut sorted = vec![0.0; n * n];
    for i in 0..n {
        for (k, &j) in order.iter().enumerate() {
            sorted[i * n + k] = v[i * n + j];
        }
    }
    (s, sorted)
}

/// The row-major product of `a` (`m × k`) and `b` (`k × n`).
pub fn matmul(a: &[f64], b: &[f64], m: usize, k: usize, n: usize) -> Vec<f64> {
    let mut out = vec![0.0; m * n];
    for i in 0..m {
        let o = &mut out[i * n..(i + 1) * n];
        for (l, &x) in a[i * k..(i + 1) * k].iter().enumerate() {
            for (dst, &y) in o.iter_mut().zip(&b[l * n..(l + 1) * n]) {
                *dst += x * y;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transpose(a: &[f64], m: usize, n: usize) -> Vec<f64> {
        let mut t = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                t[j * m + i] = a[i * n + j];
            }
        }
        t
    }

    fn sample(m: usize, n: usize) -> Vec<f64> {
        (0..m * n)
            .map(|i| ((i * 7919 % 101) as f64 - 50.0) / 17.0 + (i % 3) as f64)
            .collect()
    }

    #[test]
    fn qr_factor_is_orthonormal_and_spans_the_columns() {
        let (m, n) = (40, 6);
        let a = sample(m, n);
        let q = qr_q(&a, m, n);
        let qtq = matmul(&transpose(&q, m, n), &q, n, m, n);
        for i in 0..n {
            for j in 0..n {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((qtq[i * n + j] - want).abs() < 1e-13);
            }
        }
        // Q Q^T a = a.
        let proj = matmul(&q, &matmul(&transpose(&q, m, n), &a, n, m, n), m, n, n);
        for (x, y) in proj.iter().zip(&a) {
            assert!((x - y).abs() < 1e-12);
        }
    }

    #[test]
    fn svd_reconstructs_the_gram_matrix() {
        let (m, n) = (30, 5);
        let a = sample(m, n);
        let (s, v) = svd_right(&a, m, n);
        assert!(s.windows(2).all(|w| w[0] >= w[1]));
        // a^T a = V S^2 V^T.
        let ata = matmul(&transpose(&a, m, n), &a, n, m, n);
        for i in 0..n {
            for j in 0..n {
                let x: f64 = (0..n)
                    .map(|k| v[i * n + k] * s[k] * s[k] * v[j * n + k])
                    .sum();
                assert!((x - ata[i * n + j]).abs() < 1e-10 * ata[0].abs().max(1.0));
            }
        }
    }
}
