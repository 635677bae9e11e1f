//! numpy's `np.random.default_rng(seed).normal(size=...)`, reproduced so that `pca` given a
//! `random_seed` starts from tskit's own sketch: numpy's `SeedSequence` (entropy pool of four
//! 32-bit words, hash-mixed), the PCG64 bit generator it seeds (128-bit LCG, XSL-RR output)
//! and `random_standard_normal`, numpy's 256-layer ziggurat. Written from the algorithms as
//! numpy documents and implements them (`numpy/random/bit_generator.pyx`, `pcg64.h`,
//! `distributions.c`).
//!
//! The ziggurat's tables are computed here from their definition (layer edges x_i of equal
//! area `V` under exp(-x²/2), from the tail edge r down) rather than pasted. numpy ships
//! tables computed once, elsewhere, whose last digits differ by a few units in the last
//! place from any recomputation in double precision, so a normal drawn here equals numpy's
//! to about 1e-15 relative rather than bit for bit (and `exp` and `ln` are
//! `portable_math`'s, the same bits on every target) (the integer stream, PCG64's, is bit for
//! bit numpy's; the tests hold both). That is far inside what `pca` promises (eigenvalues to
//! 1e-6 of tskit's), and the same bits on every backend.

use crate::portable_math::{exp, ln};

/// numpy's `SeedSequence(entropy).generate_state(n_words, uint64)`, for an integer seed.
fn seed_state(seed: u64, n_words: usize) -> Vec<u64> {
    const INIT_A: u32 = 0x43b0_d7e5;
    const MULT_A: u32 = 0x931e_8875;
    const INIT_B: u32 = 0x8b51_f9dd;
    const MULT_B: u32 = 0x58f3_8ded;
    const MIX_MULT_L: u32 = 0xca01_f9dd;
    const MIX_MULT_R: u32 = 0x4973_f715;
    const XSHIFT: u32 = 16;
    const POOL: usize = 4;
    // The seed as 32-bit words, lowest first (0 is one word).
    let mut entropy = vec![(seed & 0xffff_ffff) as u32];
    if seed >> 32 != 0 {
        entropy.push((seed >> 32) as u32);
    }
    let hashmix = |value: u32, hash: &mut u32| -> u32 {
        let mut v = value ^ *hash;
        *hash = hash.wrapping_mul(MULT_A);
        v = v.wrapping_mul(*hash);
        v ^ (v >> XSHIFT)
    };
    let mix = |x: u32, y: u32| -> u32 {
        let r = MIX_MULT_L
            .wrapping_mul(x)
            .wrapping_sub(MIX_MULT_R.wrapping_mul(y));
        r ^ (r >> XSHIFT)
    };
    let mut pool = [0u32; POOL];
    let mut hash = INIT_A;
    for (i, p) in pool.iter_mut().enumerate() {
        *p = hashmix(entropy.get(i).copied().unwrap_or(0), &mut hash);
    }
    for src in 0..POOL {
        for dst in 0..POOL {
            if src != dst {
                let h = hashmix(pool[src], &mut hash);
                pool[dst] = mix(pool[dst], h);
            }
        }
    }
    for &e in entropy.iter().skip(POOL) {
        for p in pool.iter_mut() {
            let h = hashmix(e, &mut hash);
            *p = mix(*p, h);
        }
    }
    let mut hash = INIT_B;
    let words: Vec<u32> = (0..2 * n_words)
        .map(|i| {
            let mut v = pool[i % POOL] ^ hash;
            hash = hash.wrapping_mul(MULT_B);
            v = v.wrapping_mul(hash);
            v ^ (v >> XSHIFT)
        })
        .collect();
    words
        .chunks(2)
        .map(|w| u64::from(w[0]) | (u64::from(w[1]) << 32))
        .collect()
}

/// numpy's PCG64 bit generator: a 128-bit linear congruential state, output by xor-folding
/// its halves and rotating by its top six bits.
pub struct Pcg64 {
    state: u128,
    inc: u128,
}

const PCG_MULTIPLIER: u128 = (2_549_297_995_355_413_924u128 << 64) | 4_865_540_595_714_422_341;

impl Pcg64 {
    /// `PCG64(seed)` as numpy seeds it: four 64-bit words from the seed sequence, the
    /// initial state from the first two and the stream from the last two (high word first).
    pub fn new(seed: u64) -> Pcg64 {
        let s = seed_state(seed, 4);
        let initstate = (u128::from(s[0]) << 64) | u128::from(s[1]);
        let initseq = (u128::from(s[2]) << 64) | u128::from(s[3]);
        let mut g = Pcg64 {
            state: 0,
            inc: (initseq << 1) | 1,
        };
        g.step();
        g.state = g.state.wrapping_add(initstate);
        g.step();
        g
    }

    #[inline]
    fn step(&mut self) {
        self.state = self
            .state
            .wrapping_mul(PCG_MULTIPLIER)
            .wrapping_add(self.inc);
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.step();
        let s = self.state;
        let folded = ((s >> 64) as u64) ^ (s as u64);
        folded.rotate_right((s >> 122) as u32)
    }

    /// A uniform double in [0, 1), from the top 53 bits (numpy's `next_double`).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }
}

/// The ziggurat's tail edge r and the area V of each of its 256 layers, numpy's constants.
const ZIG_R: f64 = 3.654_152_885_361_009;
const ZIG_V: f64 = 0.004_928_673_233_974_652;

/// The tables of numpy's normal ziggurat: per layer, the acceptance threshold on the 52-bit
/// integer (`ki`), the scale from that integer to x (`wi`) and the density at the layer's
/// edge (`fi`).
pub struct Ziggurat {
    ki: [u64; 256],
    wi: [f64; 256],
    fi: [f64; 256],
}

impl Ziggurat {
    pub fn new() -> Ziggurat {
        let pdf = |x: f64| exp(-0.5 * x * x);
        // Layer edges from the tail inwards (x[0] = r, each next layer of area V), the last
        // one 0; then turned around, so that x[i] grows with i.
        let mut x = [0.0f64; 256];
        x[0] = ZIG_R;
        for i in 1..255 {
            x[i] = (-2.0 * ln(pdf(x[i - 1]) + ZIG_V / x[i - 1])).sqrt();
        }
        x.reverse();
        let scale = (1u64 << 52) as f64;
        let mut ki = [0u64; 256];
        let mut wi = [0.0; 256];
        let mut fi = [0.0; 256];
        let top = x[255];
        ki[0] = (top * pdf(top) / ZIG_V * scale).round_ties_even() as u64;
        for i in 1..256 {
            ki[i] = (x[i - 1] / x[i] * scale).round_ties_even() as u64;
        }
        for i in 0..256 {
            wi[i] = x[i] / scale;
            fi[i] = pdf(x[i]);
        }
        wi[0] = ZIG_V / pdf(top) / scale;
        Ziggurat { ki, wi, fi }
    }

    /// numpy's `random_standard_normal`.
    pub fn standard_normal(&self, g: &mut Pcg64) -> f64 {
        loop {
            let r = g.next_u64();
            let idx = (r & 0xff) as usize;
            let r = r >> 8;
            let negative = r & 1 == 1;
            let rabs = (r >> 1) & 0x000f_ffff_ffff_ffff;
            let mut x = rabs as f64 * self.wi[idx];
            if negative {
                x = -x;
            }
            if rabs < self.ki[idx] {
                return x;
            }
            if idx == 0 {
                // The tail beyond r, by Marsaglia's method (1 - U avoids log(0)).
                loop {
                    // 1 - U is exact for U a multiple of 2^-53.
                    let xx = -(1.0 / ZIG_R) * ln(1.0 - g.next_f64());
                    let yy = -ln(1.0 - g.next_f64());
                    if yy + yy > xx * xx {
                        return if (rabs >> 8) & 1 == 1 {
                            -(ZIG_R + xx)
                        } else {
                            ZIG_R + xx
                        };
                    }
                }
            } else if (self.fi[idx - 1] - self.fi[idx]) * g.next_f64() + self.fi[idx]
                < exp(-0.5 * x * x)
            {
                return x;
            }
        }
    }
}

/// `np.random.default_rng(seed).normal(size=count)`, flattened in numpy's (C) order.
pub fn normals(seed: u64, count: usize) -> Vec<f64> {
    let mut g = Pcg64::new(seed);
    let z = Ziggurat::new();
    (0..count).map(|_| z.standard_normal(&mut g)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ziggurat_layers_are_decreasing_and_end_at_the_tail() {
        let z = Ziggurat::new();
        assert_eq!(z.ki[1], 0);
        assert!((z.wi[255] * (1u64 << 52) as f64 - ZIG_R).abs() < 1e-15);
        assert!(z.fi.windows(2).all(|w| w[0] > w[1]));
    }
}
