//! tskit's `pca`: the leading eigenvectors and eigenvalues of the (branch-mode, not
//! span-normalised) genetic relatedness matrix of samples or individuals, per window, by
//! tskit's randomized SVD (Martinsson and Tropp's algorithms 8 and 9, as tskit 1.0.3's
//! Python writes them): a random sketch, `num_iterations` rounds of QR then a product with
//! the relatedness matrix, a last QR, one more product, and the SVD of that small matrix.
//!
//! The product with the matrix is `relatedness_vector::product`, the parallel chunked walk:
//! that is where the time goes, and where threads pay. Everything else is small and
//! sequential (`pca/linalg.rs`). Given `random_seed`, the sketch is numpy's
//! `default_rng(seed).normal(...)`, as tskit draws it (`pca/numpy_random.rs`), so the
//! results are tskit's to the precision of the algorithm (eigenvalues to about 1e-6
//! relative, factors up to sign); the same bits at any thread count and on both backends.
//!
//! tskit's Python builds the weight rows by node id (`y[nodes] = x` in `_expand_indices`,
//! one row per sample), so, as there, the nodes of `samples` or of `individuals` must be
//! ids below the number of samples, and their rows are read as the samples' rows in sample
//! order; a time window `[lo, hi)` measures only the branch lengths inside it (tskit:
//! the difference of the tree sequences decapitated at hi and lo).
//!
//! The result crosses to JavaScript as one [`StatOutput`] (the bindings know no statistic):
//! `data` is factors, eigenvalues, range sketch and error bound, one after the other, and
//! `shape` is `[windows given (0 or 1), windows, dim, components, vectors]`; the TypeScript
//! `pca` method cuts it into tskit's `PCAResult`.

mod linalg;
mod numpy_random;

use serde_json::Value;

use super::args::{self, Arrays, Kwargs, PcaIndices};
use super::registry::Method;
use super::relatedness_vector::{centre_columns, check_memory, product};
use super::StatOutput;
use crate::bail;
use crate::error::Result;
use crate::treeseq::TreeSequence;

pub use numpy_random::{normals, Pcg64};

/// tskit's `ts.pca(num_components, windows, samples, individuals, time_windows, mode, centre,
/// num_iterations, num_oversamples, random_seed, range_sketch)`.
pub fn compute(
    ts: &TreeSequence,
    row: &Method,
    kwargs: &Value,
    arrays: Arrays,
) -> Result<StatOutput> {
    let method = row.tskit;
    let kw = Kwargs::with_arrays(method, kwargs, arrays)?;
    let a = args::parse_pca(ts, row, &kw)?;
    let op = Operator::new(ts, method, &a.indices, a.centre, a.time_window)?;
    let dim = op.dim();
    let nw = a.windows.num_windows();
    let nc = a.num_components;
    if nc > dim {
        bail!(BadParam, "{method}: number of components ({nc}) must be less than or equal to the number of samples (or individuals, if specified) ({dim})");
    }
    if nc == 0 {
        bail!(BadParam, "{method}: num_components must be at least 1");
    }
    let (sketch, nv) = match a.range_sketch {
        None => {
            let nv = nc + a.num_oversamples.unwrap_or(10.min(dim - nc));
            check_vectors(method, nc, nv, dim)?;
            let Some(seed) = a.random_seed else {
                bail!(BadParam, "{method}: random_seed is required without range_sketch (the TypeScript method draws one when it is not given)");
            };
            (normals(seed, nw * dim * nv), nv)
        }
        Some((data, shape)) => {
            let nv = shape.last().copied().unwrap_or(0);
            if nv < nc {
                bail!(
                    BadParam,
                    "{method}: range_sketch must have at least as many columns as num_components"
                );
            }
            check_vectors(method, nc, nv, dim)?;
            let expected = if a.windows.given {
                vec![nw, dim, nv]
            } else {
                vec![dim, nv]
            };
            if shape != expected {
                bail!(BadParam, "{method}: incorrect shape of range_sketch: expected {expected:?}; got {shape:?}");
            }
            (data, nv)
        }
    };
    check_memory(ts, method, 1, op.focal.len(), nv)?;
    let depth = a.num_iterations;
    let breaks = &a.windows.breaks;
    let mut factors = Vec::with_capacity(nw * dim * nc);
    let mut eigenvalues = Vec::with_capacity(nw * nc);
    let mut range = Vec::with_capacity(nw * dim * nv);
    let mut bounds = Vec::with_capacity(nw);
    for w in 0..nw {
        let window = [breaks[w], breaks[w + 1]];
        let apply = |x: &[f64]| op.apply(x, nv, &window);
        // Algorithm 9: the range finder.
        let mut q = sketch[w * dim * nv..(w + 1) * dim * nv].to_vec();
        for _ in 0..depth {
            q = linalg::qr_q(&q, dim, nv);
            q = apply(&q);
        }
        q = linalg::qr_q(&q, dim, nv);
        // Algorithm 8: C = G(Q)^T, its SVD C = U_hat D V^T; U = Q U_hat.
        let ct = apply(&q);
        let (d, u_hat) = linalg::svd_right(&ct, dim, nv);
        let u = linalg::matmul(&q, &u_hat, dim, nv, nv);
        for r in u.chunks(nv) {
            factors.extend_from_slice(&r[..nc]);
        }
        eigenvalues.extend_from_slice(&d[..nc]);
        range.extend_from_slice(&q);
        let ratio = 2.0 * dim as f64 / (nc.saturating_sub(1).max(1)) as f64;
        let base = 1.0 + 4.0 * ratio.sqrt();
        let error_factor =
            crate::portable_math::exp(crate::portable_math::ln(base) / (2 * depth + 1) as f64);
        bounds.push(d[nc] * (1.0 + error_factor));
    }
    let mut data = factors;
    data.extend(eigenvalues);
    data.extend(range);
    data.extend(bounds);
    Ok(StatOutput {
        data,
        shape: vec![usize::from(a.windows.given), nw, dim, nc, nv],
    })
}

/// The sketch's columns: at most the dimension (tskit), and more than the components
/// (tskit's error bound reads the next singular value, an index error in its Python
/// otherwise).
fn check_vectors(method: &str, nc: usize, nv: usize, dim: usize) -> Result<()> {
    if nv > dim {
        bail!(BadParam, "{method}: number of columns in range_sketch (num_components + num_oversamples = {nv}) must be less than or equal to the number of samples (or individuals, if specified) ({dim})");
    }
    if nv <= nc {
        bail!(BadParam, "{method}: num_components + num_oversamples ({nv}) must exceed num_components ({nc}): tskit's error bound reads singular value number num_components + 1");
    }
    Ok(())
}

/// The relatedness matrix of the samples or individuals as an operator on `dim × k` matrices
/// (tskit's `_genetic_relatedness_vector_node` and `_individual`).
struct Operator<'a> {
    ts: &'a TreeSequence,
    /// The nodes whose rows of the product are read (the samples, or the individuals'
    /// nodes in order).
    focal: Vec<i32>,
    /// For each focal node, its row of the input (its sample or individual), and the
    /// individuals' ploidies (None for samples).
    owner: Vec<usize>,
    ploidy: Option<Vec<f64>>,
    centre: bool,
    clip: Option<(f64, f64)>,
}

impl<'a> Operator<'a> {
    fn new(
        ts: &'a TreeSequence,
        method: &str,
        indices: &PcaIndices,
        centre: bool,
        clip: Option<(f64, f64)>,
    ) -> Result<Operator<'a>> {
        let (focal, owner, ploidy) = match indices {
            PcaIndices::Samples(ids) => (ids.clone(), (0..ids.len()).collect(), None),
            PcaIndices::Individuals(ids) => {
                let mut nodes_of = vec![Vec::new(); ts.num_individuals()];
                for (u, &i) in ts.tables.nodes.individual.iter().enumerate() {
                    if i >= 0 {
                        nodes_of[i as usize].push(u as i32);
                    }
                }
                let (mut focal, mut owner, mut ploidy) = (Vec::new(), Vec::new(), Vec::new());
                for (k, &i) in ids.iter().enumerate() {
                    let nodes = &nodes_of[i as usize];
                    if nodes.is_empty() {
                        bail!(BadParam, "{method}: individual {i} has no nodes");
                    }
                    focal.extend_from_slice(nodes);
                    owner.extend(std::iter::repeat_n(k, nodes.len()));
                    ploidy.push(nodes.len() as f64);
                }
                (focal, owner, Some(ploidy))
            }
        };
        let n = ts.num_samples();
        if let Some(&u) = focal.iter().find(|&&u| u as usize >= n) {
            bail!(BadParam, "{method}: node {u} is not below the number of samples ({n}): tskit's pca indexes its weight rows by node id");
        }
        Ok(Operator {
            ts,
            focal,
            owner,
            ploidy,
            centre,
            clip,
        })
    }

    /// Rows of the operator's input and output: samples or individuals.
    fn dim(&self) -> usize {
        self.ploidy.as_ref().map_or(self.focal.len(), Vec::len)
    }

    /// The relatedness matrix times `x` (`dim × k`) in `window`, centred as tskit centres.
    fn apply(&self, x: &[f64], k: usize, window: &[f64; 2]) -> Vec<f64> {
        let dim = self.dim();
        let mut x = x.to_vec();
        if self.centre {
            centre_columns(&mut x, dim, k);
        }
        // One weight row per sample, addressed by node id (tskit's `_expand_indices`).
        let mut w = vec![0.0; self.ts.num_samples() * k];
        for (j, &u) in self.focal.iter().enumerate() {
            let src = &x[self.owner[j] * k..][..k];
            let dst = &mut w[u as usize * k..][..k];
            match &self.ploidy {
                None => dst.copy_from_slice(src),
                Some(p) => {
                    for (d, &s) in dst.iter_mut().zip(src) {
                        *d = s / p[self.owner[j]];
                    }
                }
            }
        }
        let y = product(self.ts, &w, k, &self.focal, window, self.clip);
        let mut out = match &self.ploidy {
            None => y,
            Some(p) => {
                let mut out = vec![0.0; dim * k];
                for (j, r) in y.chunks(k).enumerate() {
                    for (o, &v) in out[self.owner[j] * k..][..k].iter_mut().zip(r) {
                        *o += v;
                    }
                }
                for (r, &pl) in out.chunks_mut(k).zip(p) {
                    for v in r {
                        *v /= pl;
                    }
                }
                out
            }
        };
        if self.centre {
            centre_columns(&mut out, dim, k);
        }
        out
    }
}
