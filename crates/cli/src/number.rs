//! Numbers as people read them: a stated number of significant digits, no trailing zeros.

pub(crate) use descent_solvers::significant;
use std::fmt;

/// `value` with at most `digits` significant digits (at least 1): in plain decimals when its
/// magnitude is between 10⁻⁴ and 10⁶, in scientific notation otherwise, with trailing zeros
/// removed. `4` rather than `4.000000000000000e0`, `2.25` rather than `2.250000000017665` at
/// six digits, `1.11e-16` rather than `0.00000000000000011102230246251565`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sig(pub f64, pub usize);

impl fmt::Display for Sig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = significant(self.0, self.1);
        f.pad(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sig_pads_like_a_string() {
        assert_eq!(format!("{:>8}", Sig(1.5, 3)), "     1.5");
        assert_eq!(format!("{:<6}|", Sig(-2e-9, 3)), "-2e-9 |");
    }
}
