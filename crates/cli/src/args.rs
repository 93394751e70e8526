//! Parsers for option values, with range errors that say what is allowed.
//!
//! Every numeric option accepts text that starts with a minus sign as its value (clap would
//! otherwise take `--max-iter -1` for an unknown flag `-1`), so that a value out of range gets
//! a message about its range.

/// A whole number of at least `min`: `--max-iter`, `--num`, `--repeat`, `--every`.
pub(crate) fn count(text: &str, min: usize) -> Result<usize, String> {
    let text = text.trim();
    match text.parse::<i128>() {
        Ok(n) if n >= min as i128 => usize::try_from(n).map_err(|_| format!("{text} is too large")),
        Ok(_) => Err(format!("{text} is out of range: it must be at least {min}")),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}

/// A whole number of at least 1.
pub(crate) fn positive_count(text: &str) -> Result<usize, String> {
    count(text, 1)
}

/// A whole number from 1 to `max`: a count of things the command keeps in memory or runs
/// one after another (starting points, values of C, repeats), which must stay bounded.
fn bounded_count(text: &str, max: usize) -> Result<usize, String> {
    let n = count(text, 1)?;
    if n > max {
        return Err(format!(
            "{} is out of range: it must be at most {max}",
            text.trim()
        ));
    }
    Ok(n)
}

/// `convergence --num`: at most 100 000 starting points.
pub(crate) fn starts(text: &str) -> Result<usize, String> {
    bounded_count(text, 100_000)
}

/// `path --num`: at most 10 000 values of C.
pub(crate) fn path_points(text: &str) -> Result<usize, String> {
    bounded_count(text, 10_000)
}

/// `cv --folds`: from 2 to 1000 folds.
pub(crate) fn folds(text: &str) -> Result<usize, String> {
    let n = bounded_count(text, 1000)?;
    if n < 2 {
        return Err(format!(
            "{} is out of range: cross-validation needs at least 2 folds",
            text.trim()
        ));
    }
    Ok(n)
}

/// `race --repeat`: at most 1000 fits per solver.
pub(crate) fn repeats(text: &str) -> Result<usize, String> {
    bounded_count(text, 1000)
}

/// A seed: a whole number from 0 to 2⁶⁴ − 1.
pub(crate) fn seed(text: &str) -> Result<u64, String> {
    let text = text.trim();
    match text.parse::<i128>() {
        Ok(n) if n >= 0 => u64::try_from(n).map_err(|_| format!("{text} is larger than 2^64 - 1")),
        Ok(_) => Err(format!(
            "{text} is out of range: a seed is a whole number from 0"
        )),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}

/// Any number, NaN named as such.
pub(crate) fn number(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let value: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if value.is_nan() {
        return Err(format!("{text:?} is NaN (not a number)"));
    }
    Ok(value)
}

/// A finite number.
pub(crate) fn finite(text: &str) -> Result<f64, String> {
    let value = number(text)?;
    if !value.is_finite() {
        return Err(format!("{} is not finite", text.trim()));
    }
    Ok(value)
}

/// A finite number > 0: `C`, a learning rate.
pub(crate) fn positive(text: &str) -> Result<f64, String> {
    let value = finite(text)?;
    if value <= 0.0 {
        return Err(format!(
            "{} is out of range: it must be positive",
            text.trim()
        ));
    }
    Ok(value)
}

/// A finite number ≥ 0: a tolerance, `alpha`.
pub(crate) fn non_negative(text: &str) -> Result<f64, String> {
    let value = finite(text)?;
    if value < 0.0 {
        return Err(format!(
            "{} is out of range: it must be 0 or more",
            text.trim()
        ));
    }
    Ok(value)
}

/// A number strictly between 0 and 1: a threshold, a test size.
pub(crate) fn fraction(text: &str) -> Result<f64, String> {
    let value = finite(text)?;
    if !(value > 0.0 && value < 1.0) {
        return Err(format!(
            "{} is out of range: it must lie strictly between 0 and 1",
            text.trim()
        ));
    }
    Ok(value)
}

/// A finite number from 0 to 1 inclusive: an `l1_ratio`.
pub(crate) fn unit_interval(text: &str) -> Result<f64, String> {
    let value = finite(text)?;
    if !(0.0..=1.0).contains(&value) {
        return Err(format!(
            "{} is out of range: it must lie from 0 to 1",
            text.trim()
        ));
    }
    Ok(value)
}

/// `a,b` → (a, b), both finite, `a < b`.
pub(crate) fn pair(text: &str) -> Result<(f64, f64), String> {
    let (a, b) = text
        .split_once(',')
        .ok_or_else(|| format!("expected two numbers a,b, found {text:?}"))?;
    let (a, b) = (finite(a)?, finite(b)?);
    if a >= b {
        return Err(format!("{text}: the lower end must come first"));
    }
    Ok((a, b))
}

/// `a..b` → (a, b), both finite, `a < b`.
pub(crate) fn interval(text: &str) -> Result<(f64, f64), String> {
    let (a, b) = text
        .split_once("..")
        .ok_or_else(|| format!("expected an interval a..b, found {text:?}"))?;
    let (a, b) = (finite(a)?, finite(b)?);
    if a >= b {
        return Err(format!("the interval {text} must have the lower end first"));
    }
    Ok((a, b))
}

/// A point given as `a,b,c`: one finite number per coordinate.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Point(pub Vec<f64>);

/// `a,b,c` → the finite numbers, at least one.
pub(crate) fn point(text: &str) -> Result<Point, String> {
    text.split(',')
        .map(finite)
        .collect::<Result<_, _>>()
        .map(Point)
}

/// A number of bytes in the largest unit that keeps it at least 1 (units of 1024), to three
/// significant digits: `136 KiB`, `7.45 GiB`.
pub(crate) fn memory_text(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    #[allow(clippy::cast_precision_loss, reason = "a size for people to read")]
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{} {}", descent_solvers::significant(value, 3), UNITS[unit])
    }
}

/// A memory size: bytes, or a number with a unit K, M, G or T (optionally followed by "iB"
/// or "B"; units of 1024): `512M`, `2G`, `1.5GiB`.
pub(crate) fn memory_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let digits = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits);
    let scale: f64 = match unit
        .trim()
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 1.0,
        "K" => 1024.0,
        "M" => 1024.0 * 1024.0,
        "G" => 1024.0 * 1024.0 * 1024.0,
        "T" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => {
            return Err(format!(
                "{text:?} is not a memory size: give bytes, or e.g. 512M, 2G, 1.5GiB"
            ))
        }
    };
    match number.parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => {
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a positive size in bytes"
            )]
            let bytes = (n * scale) as u64;
            Ok(bytes)
        }
        _ => Err(format!(
            "{text:?} is not a memory size: give bytes, or e.g. 512M, 2G, 1.5GiB"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_named() {
        assert_eq!(count("5", 1), Ok(5));
        assert!(count("-1", 1).unwrap_err().contains("at least 1"));
        assert!(count("0", 1).unwrap_err().contains("at least 1"));
        assert!(count("1.5", 1).unwrap_err().contains("not a whole number"));
        assert!(count("99999999999999999999999", 1).is_err());
        assert!(starts("1000000000").unwrap_err().contains("at most 100000"));
        assert_eq!(repeats("1000"), Ok(1000));
        assert!(seed("-3").unwrap_err().contains("from 0"));
        assert!(number("nan").unwrap_err().contains("NaN"));
        assert!(finite("inf").unwrap_err().contains("not finite"));
        assert!(positive("-0.5").unwrap_err().contains("positive"));
        assert!(fraction("1").unwrap_err().contains("between 0 and 1"));
        assert_eq!(unit_interval("1"), Ok(1.0));
        assert!(unit_interval("1.5").unwrap_err().contains("from 0 to 1"));
        assert!(pair("nan,1").unwrap_err().contains("NaN"));
        assert!(pair("2,1").unwrap_err().contains("lower end"));
        assert_eq!(interval("-3..2"), Ok((-3.0, 2.0)));
        assert_eq!(point("-1.2, 1"), Ok(Point(vec![-1.2, 1.0])));
    }

    #[test]
    fn memory_sizes_read_and_print_in_units_of_1024() {
        assert_eq!(memory_text(512), "512 bytes");
        assert_eq!(memory_text(139_264), "136 KiB");
        assert_eq!(memory_text(3 << 29), "1.5 GiB");
        assert_eq!(memory_size("2G"), Ok(2 << 30));
        assert_eq!(memory_size("512M"), Ok(512 << 20));
        assert_eq!(memory_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(memory_size("4096"), Ok(4096));
        assert!(memory_size("lots").is_err());
        assert!(memory_size("-1G").is_err());
        assert!(memory_size("0").is_err());
    }
}
