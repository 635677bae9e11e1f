//! What a walk keeps per node: sums of sample weights, stored as f64, as f32 where that is
//! exact, or as packed sample counts ([`Sums`], [`StoredSum`], [`PackedCounts`]).

use crate::stats::weights::WeightMatrix;

/// The weight sums a tree's node records hold (see the engine's `TreeState`): each node's k
/// column sums, stored as `width(k)` values of this type. Added and subtracted as a whole:
/// a child's record is added to or taken from each ancestor's.
pub(crate) trait Sums:
    Copy + Default + PartialEq + Send + Sync + std::ops::AddAssign + std::ops::SubAssign + 'static
{
    /// Stored values for k weight columns.
    #[inline(always)]
    fn width(k: usize) -> usize {
        k
    }
    /// Writes the k weights `src` into `dst` (`width(k)` values), exactly.
    fn exact_row(dst: &mut [Self], src: &[f64]);
    /// Writes row i of `w` into `dst`, as [`Sums::exact_row`] (packed counts copy the row
    /// made with the weights where there is one: `WeightMatrix::packed_rows`).
    #[inline(always)]
    fn own_row(dst: &mut [Self], w: &WeightMatrix, i: usize) {
        Self::exact_row(dst, w.row(i));
    }
    /// Writes every row of `w` into `dst` (records of `width(k)` values, one after another)
    /// in one copy, and returns true, where `w` holds its rows in this type; false (and
    /// nothing written) otherwise.
    fn own_rows(_dst: &mut [Self], _w: &WeightMatrix) -> bool {
        false
    }
    /// Calls `f(j, sum)` for each of the k columns of a record `xs`, in order.
    fn each(xs: &[Self], k: usize, f: impl FnMut(usize, f64));
}

/// A weight sum as a walk keeps it per node, one value per column: f64, or f32 where the
/// weights allow it. With
/// integer weights whose absolute values add up to less than 2^24 in every column (sample
/// set indicators on fewer than 16,777,216 samples), every sum of them, and every sum or
/// difference of such sums, is an integer below 2^24, which f32 holds exactly: the results
/// are the same bits as with f64, and a tree's records take half the memory (two threads
/// walking two trees of 300,000 samples then share the processor's cache, rather than
/// evicting each other from it).
pub(crate) trait StoredSum: Sums {
    /// `v` as this type; exact wherever the type is chosen as described above.
    fn exact(v: f64) -> Self;
    fn get(self) -> f64;
    /// `x` as f64 values: `x` itself for f64, else converted into `buf` (at least as long).
    fn widen<'b>(x: &'b [Self], buf: &'b mut [f64]) -> &'b [f64];
    /// `x` itself when this type is f64 (records that also hold f64 summaries).
    fn as_f64(x: &[Self]) -> Option<&[f64]>;
    fn as_f64_mut(x: &mut [Self]) -> Option<&mut [f64]>;
}

/// Sums of one value per column, each as [`StoredSum::exact`].
macro_rules! scalar_sums {
    ($t:ty) => {
        impl Sums for $t {
            /// Value by value (as a loop, one the compiler would make a call to memcpy for
            /// f64; see `memory::copy_few`).
            #[inline(always)]
            fn exact_row(dst: &mut [$t], src: &[f64]) {
                for (a, &b) in dst.iter_mut().zip(src) {
                    // SAFETY: `a` is a valid, aligned, exclusive reference.
                    unsafe { std::ptr::write_volatile(a, <$t as StoredSum>::exact(b)) };
                }
            }
            #[inline(always)]
            fn each(xs: &[$t], _k: usize, mut f: impl FnMut(usize, f64)) {
                for (j, &v) in xs.iter().enumerate() {
                    f(j, v.get());
                }
            }
        }
    };
}
scalar_sums!(f64);
scalar_sums!(f32);

/// Sample counts, three to a u64, 21 bits each: the weight sums of sample set indicators on
/// fewer than 2^21 (2,097,152) samples. A node's count in each set is at most the number of
/// samples, so a lane never carries into the next; adding or subtracting two records adds or
/// subtracts their three counts at once (wrapping arithmetic is exact modulo 2^64, so even
/// a lane that went below zero on the way would be right again once its count is). Three
/// sets take 8 bytes a node rather than f32's 12: on 300,000 samples site-mode walks ran
/// about 12% faster (their trees' records, chased towards the root at every edge, crowd the
/// cache less). The counts read back are the same integers as from f32 or f64 sums, so the
/// results are the same bits.
#[derive(Clone, Copy, Default, PartialEq, Debug)]
pub(crate) struct PackedCounts(u64);

impl PackedCounts {
    const BITS: usize = 21;
    const LANES: usize = 3;
    const MASK: u64 = (1 << Self::BITS) - 1;
    /// The packed word (as `WeightMatrix::packed_rows` keeps it).
    pub fn word(self) -> u64 {
        self.0
    }
    /// Whether indicator weights of `num_samples` rows and `k` columns can be packed, and
    /// are worth it: from three sets on, packed records are no larger than f32 ones.
    pub fn fits(num_samples: usize, k: usize) -> bool {
        num_samples < 1 << Self::BITS && k >= Self::LANES
    }
}

impl std::ops::AddAssign for PackedCounts {
    #[inline(always)]
    fn add_assign(&mut self, o: PackedCounts) {
        self.0 = self.0.wrapping_add(o.0);
    }
}

impl std::ops::SubAssign for PackedCounts {
    #[inline(always)]
    fn sub_assign(&mut self, o: PackedCounts) {
        self.0 = self.0.wrapping_sub(o.0);
    }
}

impl Sums for PackedCounts {
    #[inline(always)]
    fn width(k: usize) -> usize {
        k.div_ceil(Self::LANES)
    }
    fn own_rows(dst: &mut [PackedCounts], w: &WeightMatrix) -> bool {
        match &w.packed_rows {
            Some(rows) => {
                for (d, &v) in dst.iter_mut().zip(rows) {
                    d.0 = v;
                }
                true
            }
            None => false,
        }
    }
    #[inline(always)]
    fn own_row(dst: &mut [PackedCounts], w: &WeightMatrix, i: usize) {
        match &w.packed_rows {
            Some(rows) => {
                let width = dst.len();
                for (d, &v) in dst.iter_mut().zip(&rows[i * width..]) {
                    d.0 = v;
                }
            }
            None => Self::exact_row(dst, w.row(i)),
        }
    }
    /// `src` holds 0s and 1s (see [`PackedCounts::fits`]).
    #[inline(always)]
    fn exact_row(dst: &mut [PackedCounts], src: &[f64]) {
        // Lane by lane with the lane count known, a compare and a shift each: on 300,000
        // samples a seek wrote the samples' rows in 3 ms through an iterator of chunks.
        for (i, d) in dst.iter_mut().enumerate() {
            let mut v = 0u64;
            for l in 0..Self::LANES {
                if let Some(&w) = src.get(i * Self::LANES + l) {
                    v |= u64::from(w != 0.0) << (Self::BITS * l);
                }
            }
            d.0 = v;
        }
    }
    #[inline(always)]
    fn each(xs: &[PackedCounts], k: usize, mut f: impl FnMut(usize, f64)) {
        for j in 0..k {
            let lane = xs[j / Self::LANES].0 >> (Self::BITS * (j % Self::LANES));
            f(j, (lane & Self::MASK) as f64);
        }
    }
}

impl StoredSum for f64 {
    #[inline(always)]
    fn exact(v: f64) -> f64 {
        v
    }
    #[inline(always)]
    fn get(self) -> f64 {
        self
    }
    #[inline(always)]
    fn widen<'b>(x: &'b [f64], _: &'b mut [f64]) -> &'b [f64] {
        x
    }
    #[inline(always)]
    fn as_f64(x: &[f64]) -> Option<&[f64]> {
        Some(x)
    }
    #[inline(always)]
    fn as_f64_mut(x: &mut [f64]) -> Option<&mut [f64]> {
        Some(x)
    }
}

impl StoredSum for f32 {
    #[inline(always)]
    fn exact(v: f64) -> f32 {
        v as f32
    }
    #[inline(always)]
    fn get(self) -> f64 {
        f64::from(self)
    }
    #[inline(always)]
    fn widen<'b>(x: &'b [f32], buf: &'b mut [f64]) -> &'b [f64] {
        for (b, &v) in buf.iter_mut().zip(x) {
            *b = f64::from(v);
        }
        &buf[..x.len()]
    }
    #[inline(always)]
    fn as_f64(_: &[f32]) -> Option<&[f64]> {
        None
    }
    #[inline(always)]
    fn as_f64_mut(_: &mut [f32]) -> Option<&mut [f64]> {
        None
    }
}
