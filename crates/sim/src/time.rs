//! Virtual time: nanoseconds since the start of a simulation.

/// A point or a span of virtual time, in nanoseconds.
pub type Nanos = u64;

/// `n` microseconds.
pub const fn us(n: u64) -> Nanos {
    n.saturating_mul(1_000)
}

/// `n` milliseconds.
pub const fn ms(n: u64) -> Nanos {
    n.saturating_mul(1_000_000)
}

/// `n` seconds.
pub const fn secs(n: u64) -> Nanos {
    n.saturating_mul(1_000_000_000)
}

/// Converts seconds given as a float (as Python's `timeout=0.5`) to nanoseconds, clamping
/// negative and non-finite values to zero.
pub fn from_secs_f64(s: f64) -> Nanos {
    if s.is_finite() && s > 0.0 {
        let ns = s * 1e9;
        if ns >= u64::MAX as f64 {
            u64::MAX
        } else {
            ns as u64
        }
    } else {
        0
    }
}

/// Converts milliseconds given as a float (a scenario's `delay_ms`) to nanoseconds, clamping
/// negative and non-finite values to zero.
pub fn from_ms_f64(ms: f64) -> Nanos {
    from_secs_f64(ms / 1e3)
}

/// Formats a time for people: `0`, `750ns`, `12.5µs`, `3ms`, `1.25s`: the value in the largest
/// unit that is not above it, rounded to three decimals, trailing zeros dropped.
///
/// Every sleep and I/O event carries such a text, so this runs on the explorer's hot path: it
/// works in integers, and only hands an exact tie (or a time past 2⁵³ ns, where the float
/// rounding is what defines the text) to the float formatting that defines the result.
pub fn fmt_nanos(t: Nanos) -> String {
    fmt_nanos_with(t, thousandths)
}

/// Picks the unit and hands the value to `decimals(t, step, unit)` (see [`thousandths`]).
fn fmt_nanos_with(t: Nanos, decimals: fn(Nanos, u64, &str) -> String) -> String {
    match t {
        0 => "0".to_string(),
        t if t < 1_000 => format!("{t}ns"),
        t if t < 1_000_000 => decimals(t, 1, "µs"),
        t if t < 1_000_000_000 => decimals(t, 1_000, "ms"),
        t => decimals(t, 1_000_000, "s"),
    }
}

/// `t` in units of `1000 × step` ns with three decimals, trailing zeros (and a bare point)
/// dropped, followed by `unit`.
fn thousandths(t: Nanos, step: u64, unit: &str) -> String {
    let (q, r) = (t / step, t % step);
    if (step > 1 && r * 2 == step) || t >= 1 << 53 {
        return float_thousandths(t, step, unit);
    }
    // Off a tie, the float's error (relative 2⁻⁵³) is far below the distance to the rounding
    // boundary (at least 1 ns), so rounding the exact value gives the float's answer.
    let n = q + u64::from(r * 2 > step);
    let (whole, mut frac) = (n / 1000, n % 1000);
    let mut s = whole.to_string();
    if frac != 0 {
        let mut digits = 3;
        while frac % 10 == 0 {
            frac /= 10;
            digits -= 1;
        }
        s.push('.');
        s.push_str(&format!("{frac:0digits$}"));
    }
    s.push_str(unit);
    s
}

/// The defining form: the float quotient printed with three decimals, then trimmed.
fn float_thousandths(t: Nanos, step: u64, unit: &str) -> String {
    let x = t as f64 / (step as f64 * 1e3);
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_each_unit() {
        assert_eq!(fmt_nanos(0), "0");
        assert_eq!(fmt_nanos(750), "750ns");
        assert_eq!(fmt_nanos(us(12) + 500), "12.5µs");
        assert_eq!(fmt_nanos(ms(3)), "3ms");
        assert_eq!(fmt_nanos(ms(1250)), "1.25s");
    }

    /// The integer path prints exactly what the float formatting prints.
    #[test]
    fn integer_formatting_matches_the_float_definition() {
        let mut special = vec![0, 1, 999, 1_000, 1_001, 1_500, 999_999, 1_000_000, u64::MAX];
        for base in [1_000u64, 1_000_000, 1_000_000_000] {
            for k in [1u64, 2, 7, 999, 1000] {
                for d in [0i64, -1, 1, -500, 500, 499, 501, -499_999, 500_000, 499_999] {
                    special.push((base * k).saturating_add_signed(d));
                }
            }
        }
        special.extend([
            1_500_500,
            999_999_500,
            999_999_600,
            999_999_999,
            1_999_999_999_500,
        ]);
        // A fixed pseudo-random walk over every magnitude (xorshift; no RNG dependency).
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            special.push(x >> (x % 64));
        }
        for t in special {
            assert_eq!(
                fmt_nanos(t),
                fmt_nanos_with(t, float_thousandths),
                "t = {t}"
            );
        }
    }

    #[test]
    fn float_seconds_clamp() {
        assert_eq!(from_secs_f64(0.5), ms(500));
        assert_eq!(from_secs_f64(-1.0), 0);
        assert_eq!(from_secs_f64(f64::NAN), 0);
        assert_eq!(from_secs_f64(f64::INFINITY), 0);
    }
}
