//! Branch mode: the pair statistics from the branch moments of the sets the pairs use
//! (`moments.rs`): f2 from centred Gram moments and diversities, relatedness from Gram
//! moments, and divergence, Fst's parts and uncentred unpolarised relatedness from the cross
//! moments. Each gives `[window][output]` sums, before the statistic's derived step.
//!
//! A pair whose normaliser is 0 (a set of one sample against itself: n_i - 1 = 0) has
//! 0/0 = NaN in every window here; see [`zero_before_first_edge`] for the windows where the
//! engine (and tskit) give 0.

use super::moments::{branch_moments, Features, Moment};
use crate::stats::args;
use crate::stats::summaries::{SummaryKind, TupleStat};
use crate::treeseq::TreeSequence;

/// The sample sets the pairs use, in increasing order, and each set's index among them.
pub(super) struct UsedSets {
    used: Vec<usize>,
    /// Per sample set, its index in `used` (`usize::MAX` when no pair uses it).
    local: Vec<usize>,
    /// The used sets' samples.
    sets: Vec<Vec<i32>>,
}

impl UsedSets {
    pub(super) fn new(tuples: &[Vec<usize>], sets: &[Vec<i32>]) -> UsedSets {
        let mut used: Vec<usize> = tuples.iter().flatten().copied().collect();
        used.sort_unstable();
        used.dedup();
        let mut local = vec![usize::MAX; sets.len()];
        for (a, &s) in used.iter().enumerate() {
            local[s] = a;
        }
        let sets = used.iter().map(|&s| sets[s].clone()).collect();
        UsedSets { used, local, sets }
    }
}

/// f2's summary made symmetric (f2 is always unpolarised) is, with p = x_i/n_i and
/// q = x_j/n_j, (p - q)^2 - p(1 - p)/(n_i - 1) - q(1 - q)/(n_j - 1). The first term comes
/// from the Gram moments of the frequencies centred on their mean over the sets, p - m: the
/// same differences, but the moments are as small as the spread between the sets, so little
/// is lost when the sets are alike (uncentred, or as divergence minus diversity, the digits
/// of p^2 would cancel). The other terms are the diversities, from the cross moments.
pub(super) fn f2_sums(
    ts: &TreeSequence,
    u: &UsedSets,
    n: &[f64],
    tuples: &[Vec<usize>],
    windows: &[f64],
) -> Vec<f64> {
    let nw = windows.len() - 1;
    let used_n: Vec<f64> = u.used.iter().map(|&s| n[s]).collect();
    let x = Features::indicators(ts, &u.sets);
    let f = u.used.len();
    let mut rows = Vec::with_capacity(x.rows.len());
    for r in x.rows.chunks(f.max(1)) {
        let mean = r.iter().zip(&used_n).map(|(v, m)| v / m).sum::<f64>() / f as f64;
        rows.extend(r.iter().zip(&used_n).map(|(v, m)| v / m - mean));
    }
    let gram = branch_moments(ts, &Features::new(f, rows), Moment::Gram, windows);
    let cross = branch_moments(ts, &x, Moment::Cross, windows);
    let local = &u.local;
    let mut sums = Vec::with_capacity(nw * tuples.len());
    for w in 0..nw {
        for t in tuples {
            let (i, j) = (local[t[0]], local[t[1]]);
            let spread = gram.at(w, i, i) + gram.at(w, j, j) - 2.0 * gram.at(w, i, j);
            // sum bl p (1 - p) = D_ii / (2 n^2).
            let het = |a: usize, s: usize| cross.at(w, a, a) / (2.0 * n[s] * n[s] * (n[s] - 1.0));
            sums.push(spread - het(i, t[0]) - het(j, t[1]));
        }
    }
    sums
}

/// Relatedness, centred or polarised, from Gram moments of phi: centred,
/// phi_i = x_i/n_i - mean_k(x_k/n_k) (the engine's summary, which is linear in x, so the sum
/// of its products is a Gram matrix; the mean runs over every set (`all_sets`), so a
/// sample's phi_i is its own membership of set i over n_i minus its mean membership over all
/// sets); uncentred, phi = x and the summary divides by n_i n_j.
#[allow(
    clippy::too_many_arguments,
    reason = "the statistic's inputs, each named: a struct would only rename them"
)]
pub(super) fn relatedness_sums(
    ts: &TreeSequence,
    u: &UsedSets,
    all_sets: &[Vec<i32>],
    n: &[f64],
    tuples: &[Vec<usize>],
    windows: &[f64],
    centre: bool,
    polarised: bool,
) -> Vec<f64> {
    let nw = windows.len() - 1;
    let k = n.len();
    let x = Features::indicators(ts, &u.sets);
    let feats = if centre {
        let index = args::sample_index_map(ts);
        let mut mean = vec![0.0; ts.num_samples()];
        for (set, &size) in all_sets.iter().zip(n) {
            for &s in set {
                mean[index[s as usize] as usize] += 1.0 / size;
            }
        }
        let f = u.used.len();
        let mut rows = Vec::with_capacity(x.rows.len());
        for (r, m) in x.rows.chunks(f.max(1)).zip(&mean) {
            let m = m / k as f64;
            rows.extend(r.iter().zip(&u.used).map(|(xi, &s)| xi / n[s] - m));
        }
        Features::new(f, rows)
    } else {
        x
    };
    let mo = branch_moments(ts, &feats, Moment::Gram, windows);
    // Unpolarised adds f(n - x); centred that equals f(x), since phi(n - x) = -phi(x).
    let factor = if polarised { 1.0 } else { 2.0 };
    let local = &u.local;
    let mut sums = Vec::with_capacity(nw * tuples.len());
    for w in 0..nw {
        for t in tuples {
            let (i, j) = (t[0], t[1]);
            let g = mo.at(w, local[i], local[j]);
            sums.push(if centre {
                factor * g
            } else {
                g / (n[i] * n[j])
            });
        }
    }
    sums
}

/// Everything else from the cross moments D_ij = sum bl (x_i (n_j - x_j) + (n_i - x_i) x_j):
/// divergence, Fst's parts (diversities, then divergences) and uncentred, unpolarised
/// relatedness. Returns the sums and their outputs per window.
pub(super) fn cross_sums(
    ts: &TreeSequence,
    u: &UsedSets,
    n: &[f64],
    tuples: &[Vec<usize>],
    windows: &[f64],
    summary: SummaryKind,
) -> (Vec<f64>, usize) {
    let nw = windows.len() - 1;
    let k = n.len();
    let local = &u.local;
    let feats = Features::indicators(ts, &u.sets);
    let mo = branch_moments(ts, &feats, Moment::Cross, windows);
    let d = |w: usize, i: usize, j: usize| mo.at(w, local[i], local[j]);
    // Diversity of set i: D_ii / (n_i (n_i - 1)); divergence of (i, j): D_ij / (n_i n_j),
    // with n_i - 1 for the second factor when i == j, as the engine's summaries.
    let diversity = |w: usize, i: usize| d(w, i, i) / (n[i] * (n[i] - 1.0));
    let divergence =
        |w: usize, i: usize, j: usize| d(w, i, j) / (n[i] * (n[j] - (i == j) as u8 as f64));
    let mut sums = Vec::new();
    let m = match summary {
        SummaryKind::Tuple(TupleStat::Divergence) => {
            for w in 0..nw {
                sums.extend(tuples.iter().map(|t| divergence(w, t[0], t[1])));
            }
            tuples.len()
        }
        SummaryKind::FstParts => {
            for w in 0..nw {
                // Diversity of the sets the pairs use (the others are never read).
                sums.extend((0..k).map(|i| {
                    if local[i] == usize::MAX {
                        f64::NAN
                    } else {
                        diversity(w, i)
                    }
                }));
                sums.extend(tuples.iter().map(|t| divergence(w, t[0], t[1])));
            }
            k + tuples.len()
        }
        SummaryKind::Relatedness => {
            // Uncentred and unpolarised: x_i x_j + (n_i - x_i)(n_j - x_j) over n_i n_j, which
            // is the branch area minus the uncorrected divergence.
            for w in 0..nw {
                sums.extend(
                    tuples
                        .iter()
                        .map(|t| mo.area[w] - d(w, t[0], t[1]) / (n[t[0]] * n[t[1]])),
                );
            }
            tuples.len()
        }
        other => unreachable!("{other:?} is not a pair statistic"),
    };
    (sums, m)
}

/// The engine's (and tskit's) value where a pair's summary is 0/0 at every node (a set of
/// one sample against itself): its running sum is exactly 0 until the first branch appears
/// and NaN from then on (NaN added, and taken out, stays NaN), so a window that ends at or
/// before the left end of the first edge sums to 0, and every later one, edge-free or not,
/// to NaN. The moments here are 0 in such a window and the pair's normaliser is 0, so its
/// value is 0/0: made 0 there, as the engine gives. Only NaN is replaced: nothing else in a
/// row of branch sums is NaN (the moments are finite).
pub(super) fn zero_before_first_edge(
    ts: &TreeSequence,
    windows: &[f64],
    sums: &mut [f64],
    m: usize,
) {
    // The insertion index is sorted by left: its first edge starts first.
    let t = &ts.tables;
    let first_edge = t
        .edge_insertion_order
        .first()
        .map_or(f64::INFINITY, |&e| t.edges.left[e as usize]);
    for (w, row) in sums.chunks_mut(m.max(1)).enumerate() {
        if windows[w + 1] <= first_edge {
            row.iter_mut().filter(|v| v.is_nan()).for_each(|v| *v = 0.0);
        }
    }
}
