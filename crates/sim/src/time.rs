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

/// Formats a time for people: `0`, `750ns`, `12.5µs`, `3ms`, `1.25s`.
pub fn fmt_nanos(t: Nanos) -> String {
    fn trim(x: f64) -> String {
        let s = format!("{x:.3}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    }
    match t {
        0 => "0".to_string(),
        t if t < 1_000 => format!("{t}ns"),
        t if t < 1_000_000 => format!("{}µs", trim(t as f64 / 1e3)),
        t if t < 1_000_000_000 => format!("{}ms", trim(t as f64 / 1e6)),
        t => format!("{}s", trim(t as f64 / 1e9)),
    }
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

    #[test]
    fn float_seconds_clamp() {
        assert_eq!(from_secs_f64(0.5), ms(500));
        assert_eq!(from_secs_f64(-1.0), 0);
        assert_eq!(from_secs_f64(f64::NAN), 0);
        assert_eq!(from_secs_f64(f64::INFINITY), 0);
    }
}
