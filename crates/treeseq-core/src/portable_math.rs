//! `exp` and `ln` from additions, multiplications and divisions only, so that they give the
//! same bits on every target. The platform's `f64::exp` and `f64::ln` come from the system's
//! math library natively and from a Rust port of another one in WebAssembly, and may differ
//! in the last bit. `pca` (its random sketch's ziggurat tables and its error bound) and the pair
//! coalescence rates promise the same bits on both backends, so they take these instead.
//! Accurate to about one unit in the last place.

/// ln 2 split: its leading 32 bits (so that k × LN2_HI is exact for any exponent k) and the
/// rest.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);

/// 2^k as a double, for k in the normal range.
fn pow2(k: i64) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// e^x.
pub fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x > 709.782_712_893_384 {
        return f64::INFINITY;
    }
    if x < -745.2 {
        return 0.0;
    }
    // x = k ln 2 + r, |r| <= ln 2 / 2; e^r by its Taylor series (the terms beyond the 17th
    // are below 2^-60 of the sum).
    let k = (x / std::f64::consts::LN_2).round();
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let mut sum = 1.0;
    for n in (1..=17).rev() {
        sum = 1.0 + sum * r / n as f64;
    }
    let k = k as i64;
    // Scale in two steps where 2^k alone would leave the normal range.
    if k < -1021 {
        sum * pow2(k + 600) * pow2(-600)
    } else if k > 1023 {
        sum * pow2(k - 600) * pow2(600)
    } else {
        sum * pow2(k)
    }
}

/// The natural logarithm of x (NaN below 0, -inf at 0).
pub fn ln(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_infinite() {
        return x;
    }
    // x = m 2^e with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(s), s = (m - 1)/(m + 1), by
    // its series (|s| < 0.172: 24 terms reach far below one unit in the last place).
    let (mut x, mut e) = (x, 0i64);
    if x < f64::MIN_POSITIVE {
        x *= pow2(60);
        e -= 60;
    }
    let bits = x.to_bits();
    e += ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | (1023u64 << 52));
    if m > std::f64::consts::SQRT_2 {
        m /= 2.0;
        e += 1;
    }
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut series = 0.0;
    for n in (0..24).rev() {
        series = 1.0 / (2 * n + 1) as f64 + s2 * series;
    }
    let ln_m = 2.0 * s * series;
    let e = e as f64;
    e * LN2_HI + (e * LN2_LO + ln_m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_platform_to_an_ulp_or_two() {
        for i in -2000..2000 {
            let x = i as f64 * 0.3571;
            let (a, b) = (exp(x), x.exp());
            assert!(b.is_infinite() == a.is_infinite());
            assert!(
                b.is_infinite() || (a - b).abs() <= 4.0 * f64::EPSILON * b,
                "exp({x}): {a} vs {b}"
            );
            let y = (i as f64 * 0.173).abs() * 1.37 + 1e-300;
            let (a, b) = (ln(y), y.ln());
            assert!(
                (a - b).abs() <= 4.0 * f64::EPSILON * b.abs().max(1e-300),
                "ln({y}): {a} vs {b}"
            );
        }
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(ln(1.0), 0.0);
    }

    #[test]
    fn ln_agrees_with_the_platforms_to_an_ulp() {
        let mut x = 1e-310_f64;
        while x < 1e300 {
            for y in [x, x * 1.37, x * 0.71, 1.0 - x.min(0.5), 1.0 + x.min(1.0)] {
                let (a, b) = (ln(y), y.ln());
                assert!(
                    (a - b).abs() <= 2.0 * f64::EPSILON * b.abs().max(1e-300),
                    "{y}: {a} vs {b}"
                );
            }
            x *= 3.3;
        }
        assert_eq!(ln(1.0), 0.0);
        assert!(ln(-1.0).is_nan() && ln(f64::NAN).is_nan());
        assert_eq!(ln(0.0), f64::NEG_INFINITY);
        assert_eq!(ln(f64::INFINITY), f64::INFINITY);
    }
}
