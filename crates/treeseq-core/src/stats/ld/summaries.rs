//! The two-locus statistics of tskit's `ld_matrix`, as functions of haplotype counts, and
//! the normalisations tskit weights them by at multiallelic sites.
//!
//! What it is for: given, for each sample set, the counts `[w_AB, w_Ab, w_aB]` of samples
//! carrying allele A at the row site and B at the column site, A but not B, B but not A (and
//! the set's size n), each statistic's value per set (one-way) or per pair of sets (two-way,
//! with `indexes`). Each formula is written with tskit 1.0.3's operations in tskit's order,
//! so the values agree with tskit's to rounding (and usually to the bit).
//!
//! What it is not: which alleles are compared or how their counts are found (`mod.rs`).

use crate::bail;
use crate::error::Result;

/// One of tskit's two-locus statistics (its `stat` names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LdStat {
    R2,
    R,
    D,
    D2,
    DPrime,
    Dz,
    Pi2,
    D2Unbiased,
    DzUnbiased,
    Pi2Unbiased,
}

/// The one-way statistics' names, in tskit's order (as its refusal lists them).
const ONE_WAY: [(&str, LdStat); 10] = [
    ("D", LdStat::D),
    ("D2", LdStat::D2),
    ("r2", LdStat::R2),
    ("D_prime", LdStat::DPrime),
    ("r", LdStat::R),
    ("Dz", LdStat::Dz),
    ("pi2", LdStat::Pi2),
    ("Dz_unbiased", LdStat::DzUnbiased),
    ("D2_unbiased", LdStat::D2Unbiased),
    ("pi2_unbiased", LdStat::Pi2Unbiased),
];

/// The statistics tskit defines between two sample sets (given `indexes`).
const TWO_WAY: [(&str, LdStat); 3] = [
    ("D2", LdStat::D2),
    ("D2_unbiased", LdStat::D2Unbiased),
    ("r2", LdStat::R2),
];

impl LdStat {
    /// The statistic named `name`, among the two-way ones when `two_way` (tskit's refusal
    /// otherwise, listing the names it takes).
    pub fn parse(method: &str, name: &str, two_way: bool) -> Result<LdStat> {
        let table: &[(&str, LdStat)] = if two_way { &TWO_WAY } else { &ONE_WAY };
        if let Some(&(_, s)) = table.iter().find(|(n, _)| *n == name) {
            return Ok(s);
        }
        let known: Vec<String> = table.iter().map(|(n, _)| format!("'{n}'")).collect();
        bail!(
            BadParam,
            "{method}: unknown two-locus statistic '{name}'{}, we support: [{}]",
            if two_way { " with indexes" } else { "" },
            known.join(", ")
        )
    }

    /// Whether tskit leaves the ancestral allele out at multiallelic sites (its
    /// `TSK_STAT_POLARISED`, set for D, D' and r).
    pub fn polarised(self) -> bool {
        matches!(self, LdStat::D | LdStat::DPrime | LdStat::R)
    }
}

/// tskit's `TSK_MIN`: `a < b ? a : b`.
#[inline]
fn min(a: f64, b: f64) -> f64 {
    if a < b {
        a
    } else {
        b
    }
}

/// A statistic with what it needs to be evaluated: the sizes of the sets and, for a two-way
/// statistic, the pairs of sets.
pub struct Summary {
    pub stat: LdStat,
    pub sizes: Vec<f64>,
    /// The pairs of sets of a two-way statistic; None for a one-way statistic (one output per
    /// set).
    pub pairs: Option<Vec<(usize, usize)>>,
}

impl Summary {
    /// Outputs per pair of sites: one per set, or one per pair of sets.
    pub fn result_dim(&self) -> usize {
        self.pairs.as_ref().map_or(self.sizes.len(), Vec::len)
    }

    /// The statistic of the haplotype counts `hap` (three per set) into `out`
    /// (`result_dim` values).
    pub fn eval(&self, hap: &[[f64; 3]], out: &mut [f64]) {
        match &self.pairs {
            None => {
                for (j, (o, h)) in out.iter_mut().zip(hap).enumerate() {
                    *o = one_way(self.stat, h, self.sizes[j]);
                }
            }
            Some(pairs) => {
                for (o, &(i, j)) in out.iter_mut().zip(pairs) {
                    *o = two_way(
                        self.stat,
                        &hap[i],
                        self.sizes[i],
                        &hap[j],
                        self.sizes[j],
                        i == j,
                    );
                }
            }
        }
    }

    /// tskit's weight for one pair of alleles at a multiallelic pair of sites, into `out`:
    /// r² by the haplotype's frequency (`norm_hap_weighted`, `_ij` for two sets), every
    /// other statistic by one over the number of allele pairs (`norm_total_weighted`; `n_a`,
    /// `n_b` count the alleles taken at each site).
    pub fn norm(&self, hap: &[[f64; 3]], n_a: usize, n_b: usize, out: &mut [f64]) {
        if self.stat != LdStat::R2 {
            let norm = 1.0 / (n_a * n_b) as f64;
            out.fill(norm);
            return;
        }
        match &self.pairs {
            None => {
                for (j, o) in out.iter_mut().enumerate() {
                    *o = hap[j][0] / self.sizes[j];
                }
            }
            Some(pairs) => {
                for (o, &(i, j)) in out.iter_mut().zip(pairs) {
                    *o = (hap[i][0] + hap[j][0]) / (self.sizes[i] + self.sizes[j]);
                }
            }
        }
    }
}

/// Frequencies from counts, as tskit computes them: `(p_AB, p_A, p_B)`.
#[inline]
fn freqs(h: &[f64; 3], n: f64) -> (f64, f64, f64) {
    let p_ab = h[0] / n;
    let p_a_only = h[1] / n;
    let p_b_only = h[2] / n;
    (p_ab, p_ab + p_a_only, p_ab + p_b_only)
}

/// A one-way statistic of one set's counts `h` (n samples): tskit's `*_summary_func`.
fn one_way(stat: LdStat, h: &[f64; 3], n: f64) -> f64 {
    match stat {
        LdStat::D2Unbiased | LdStat::DzUnbiased | LdStat::Pi2Unbiased => unbiased(stat, h, n),
        _ => {
            let (p_ab, p_a, p_b) = freqs(h, n);
            let d = p_ab - (p_a * p_b);
            match stat {
                LdStat::D => d,
                LdStat::D2 => d * d,
                LdStat::R2 => {
                    let denom = p_a * p_b * (1.0 - p_a) * (1.0 - p_b);
                    (d * d) / denom
                }
                LdStat::R => {
                    let denom = p_a * p_b * (1.0 - p_a) * (1.0 - p_b);
                    d / denom.sqrt()
                }
                LdStat::DPrime => {
                    if d >= 0.0 {
                        d / min(p_a * (1.0 - p_b), (1.0 - p_a) * p_b)
                    } else {
                        d / min(p_a * p_b, (1.0 - p_a) * (1.0 - p_b))
                    }
                }
                LdStat::Dz => d * (1.0 - 2.0 * p_a) * (1.0 - 2.0 * p_b),
                LdStat::Pi2 => p_a * (1.0 - p_a) * p_b * (1.0 - p_b),
                LdStat::D2Unbiased | LdStat::DzUnbiased | LdStat::Pi2Unbiased => {
                    unreachable!("handled above")
                }
            }
        }
    }
}

/// The unbiased one-way statistics, from counts (tskit's `*_unbiased_summary_func`).
fn unbiased(stat: LdStat, h: &[f64; 3], n: f64) -> f64 {
    // tskit's w_AB, w_Ab, w_aB and w_ab.
    let (both, a_only, b_only) = (h[0], h[1], h[2]);
    let neither = n - (both + a_only + b_only);
    let scale = 1.0 / (n * (n - 1.0) * (n - 2.0) * (n - 3.0));
    match stat {
        LdStat::D2Unbiased => {
            scale
                * ((b_only * b_only * (a_only - 1.0) * a_only)
                    + ((neither - 1.0) * neither * (both - 1.0) * both)
                    - (b_only * a_only * (a_only + (2.0 * neither * both) - 1.0)))
        }
        LdStat::DzUnbiased => {
            scale
                * ((((both * neither) - (a_only * b_only))
                    * (b_only + neither - both - a_only)
                    * (a_only + neither - both - b_only))
                    - ((both * neither) * (both + neither - a_only - b_only - 2.0))
                    - ((a_only * b_only) * (a_only + b_only - both - neither - 2.0)))
        }
        LdStat::Pi2Unbiased => {
            scale
                * (((both + a_only) * (b_only + neither) * (both + b_only) * (a_only + neither))
                    - ((both * neither) * (both + neither + (3.0 * a_only) + (3.0 * b_only) - 1.0))
                    - ((a_only * b_only)
                        * (a_only + b_only + (3.0 * both) + (3.0 * neither) - 1.0)))
        }
        _ => unreachable!("only the unbiased statistics"),
    }
}

/// A two-way statistic of sets i and j (tskit's `*_ij_summary_func`); `same` when i == j
/// (the unbiased D² then takes tskit's within-set formula).
fn two_way(stat: LdStat, hi: &[f64; 3], ni: f64, hj: &[f64; 3], nj: f64, same: bool) -> f64 {
    match stat {
        LdStat::D2 => {
            let (p_ab, p_a, p_b) = freqs(hi, ni);
            let d_i = p_ab - (p_a * p_b);
            let (p_ab, p_a, p_b) = freqs(hj, nj);
            let d_j = p_ab - (p_a * p_b);
            d_i * d_j
        }
        LdStat::R2 => {
            let (p_ab, p_a, p_b) = freqs(hi, ni);
            let d_i = p_ab - (p_a * p_b);
            let denom_i = (p_a * (1.0 - p_a) * p_b * (1.0 - p_b)).sqrt();
            let (p_ab, p_a, p_b) = freqs(hj, nj);
            let d_j = p_ab - (p_a * p_b);
            let denom_j = (p_a * (1.0 - p_a) * p_b * (1.0 - p_b)).sqrt();
            (d_i * d_j) / (denom_i * denom_j)
        }
        LdStat::D2Unbiased => {
            let (ab_i, a_i, b_i) = (hi[0], hi[1], hi[2]); // w_AB_i, w_Ab_i, w_aB_i
            let none_i = ni - (ab_i + a_i + b_i);
            if same {
                (ab_i * (ab_i - 1.0) * none_i * (none_i - 1.0)
                    + a_i * (a_i - 1.0) * b_i * (b_i - 1.0)
                    - 2.0 * ab_i * a_i * b_i * none_i)
                    / ni
                    / (ni - 1.0)
                    / (ni - 2.0)
                    / (ni - 3.0)
            } else {
                let (ab_j, a_j, b_j) = (hj[0], hj[1], hj[2]);
                let none_j = nj - (ab_j + a_j + b_j);
                (a_i * b_i - ab_i * none_i) * (a_j * b_j - ab_j * none_j)
                    / ni
                    / (ni - 1.0)
                    / nj
                    / (nj - 1.0)
            }
        }
        _ => unreachable!("tskit has no two-way {stat:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two sites in perfect LD (half the samples carry both derived alleles): r² = r = D' = 1,
    /// D = 1/4, π₂ = 1/16.
    #[test]
    fn perfect_linkage() {
        let h = [5.0, 0.0, 0.0];
        assert_eq!(one_way(LdStat::R2, &h, 10.0), 1.0);
        assert_eq!(one_way(LdStat::R, &h, 10.0), 1.0);
        assert_eq!(one_way(LdStat::DPrime, &h, 10.0), 1.0);
        assert_eq!(one_way(LdStat::D, &h, 10.0), 0.25);
        assert_eq!(one_way(LdStat::D2, &h, 10.0), 0.0625);
        assert_eq!(one_way(LdStat::Pi2, &h, 10.0), 0.0625);
        assert_eq!(one_way(LdStat::Dz, &h, 10.0), 0.0);
    }

    /// Two sites in repulsion: D < 0 and D' = -1.
    #[test]
    fn repulsion() {
        let h = [0.0, 5.0, 5.0];
        assert_eq!(one_way(LdStat::D, &h, 10.0), -0.25);
        assert_eq!(one_way(LdStat::DPrime, &h, 10.0), -1.0);
        assert_eq!(one_way(LdStat::R, &h, 10.0), -1.0);
    }

    /// A fixed allele makes r² 0/0, as tskit's NaN.
    #[test]
    fn fixed_allele_is_nan() {
        assert!(one_way(LdStat::R2, &[10.0, 0.0, 0.0], 10.0).is_nan());
    }

    /// The two-way D² of a set with itself is its D².
    #[test]
    fn two_way_of_one_set_is_one_way() {
        let h = [3.0, 2.0, 1.0];
        assert_eq!(
            two_way(LdStat::D2, &h, 10.0, &h, 10.0, true),
            one_way(LdStat::D2, &h, 10.0)
        );
    }

    #[test]
    fn names_and_refusals() {
        assert_eq!(
            LdStat::parse("m", "D_prime", false).unwrap(),
            LdStat::DPrime
        );
        assert!(LdStat::parse("m", "D", true).is_err());
        assert!(LdStat::parse("m", "nope", false).is_err());
        assert!(LdStat::D.polarised() && !LdStat::R2.polarised());
    }
}
