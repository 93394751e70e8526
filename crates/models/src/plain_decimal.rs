//! The number parser of the CSV fast path: fields that are plain decimals (`-12.5`,
//! `0.123456789`) in SIMD, anything else by `fast_float2`.
//!
//! Most numeric CSV files hold numbers written as `-?d+(.d+)?` with few digits (`%.9g`,
//! pandas' and numpy's output). The parse runs in two steps:
//! 1. [`separators`] indexes a chunk's commas and line feeds, 16 bytes at a time, so every
//!    field's start and end are known before any is parsed. (Parsing a number to find where
//!    it ends, then the next one from there, chains each field to the one before; with the
//!    ends known, the CPU overlaps the fields of a line.)
//! 2. [`parse_fields`] parses a line's fields: one 16-byte load that ends with the field finds
//!    its digits and point, and the digits become one integer `m` in a handful of vector
//!    instructions (no loop over digits, so no branch that mispredicts with the length).
//!    With at most 15 digits, `m < 2⁵³` and `10ᵏ` (k ≤ 15) are exact doubles, so `m / 10ᵏ`
//!    is one correctly rounded IEEE division: the double nearest the decimal, the same bits
//!    as any correct parser (Clinger's fast path). The divisions of 16 fields go together,
//!    vectorized.
//!
//! Anything else (an exponent, more digits, a leading `+` or `.`, no digit after the point,
//! text, or a field that ends within the buffer's first 16 bytes) goes to `fast_float2`,
//! which is also correctly rounded: the two agree on every input (a property test checks).
//!
//! Measured on the 2 000 000 × 50 file of `benches/compare.py` (`%.9g`, 12 bytes a value), one
//! thread: `fast_float2` field after field took 16 ns a value; this takes about 8, and the
//! separator index 1.6–3.3 more (most of it the first touch of the file's pages). With the
//! mapped file of [`parallel_csv`](crate::parallel_csv), the whole read went from 2.41 to
//! 1.93 s (`benches/csv_read.py`).

/// The positions of every `,` and `\n` in `bytes`, in order, into `out` (cleared first): the
/// CSV fast path's index of a chunk, from which every field's start and end are known before
/// any is parsed, so that the fields parse independently of each other (finding where a
/// number ends, then parsing the next from there, chains each field's parse to the last's).
/// Sixteen bytes at a time, with SSE2 (part of x86-64).
pub(crate) fn separators(bytes: &[u8], out: &mut Vec<usize>) {
    out.clear();
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of every x86-64 CPU.
    let base = unsafe { simd::separators(bytes, out) };
    #[cfg(not(target_arch = "x86_64"))]
    let base = 0;
    for (i, &byte) in bytes[base..].iter().enumerate() {
        if byte == b',' || byte == b'\n' {
            out.push(base + i);
        }
    }
}

/// Parses the fields of a line into `values` (one per field): the fields run from `start` to
/// the first comma of `commas`, between the commas, and from the last comma to `end`. `false`
/// unless every field is a finite number and nothing else (the same numbers as
/// `fast_float2::parse` of each field).
pub(crate) fn parse_fields(
    bytes: &[u8],
    start: usize,
    commas: &[usize],
    end: usize,
    values: &mut [f64],
) -> bool {
    if values.len() != commas.len() + 1 {
        return false;
    }
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has the features the function is compiled for (checked above).
        return unsafe { simd::parse_fields_avx2(bytes, start, commas, end, values) };
    }
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("ssse3") && std::is_x86_feature_detected!("sse4.1") {
        // SAFETY: the CPU has the features the function is compiled for (checked above).
        return unsafe { simd::parse_fields(bytes, start, commas, end, values) };
    }
    let mut from = start;
    for (j, slot) in values.iter_mut().enumerate() {
        let to = commas.get(j).copied().unwrap_or(end);
        match general(bytes, from, to) {
            Some(value) => *slot = value,
            None => return false,
        }
        from = to + 1;
    }
    true
}

/// `bytes[from..to]` as a number by `fast_float2`, when it is a finite one and nothing else
/// (the SIMD path reads digits only, so this is the one place a field can be `inf` or `nan`).
fn general(bytes: &[u8], from: usize, to: usize) -> Option<f64> {
    fast_float2::parse::<f64, _>(bytes.get(from..to)?)
        .ok()
        .filter(|value: &f64| value.is_finite())
}

#[cfg(target_arch = "x86_64")]
mod simd {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_cvtsi128_si32, _mm_extract_epi32,
        _mm_loadu_si128, _mm_madd_epi16, _mm_maddubs_epi16, _mm_min_epu8, _mm_movemask_epi8,
        _mm_or_si128, _mm_packus_epi32, _mm_set1_epi8, _mm_setr_epi16, _mm_setr_epi8,
        _mm_shuffle_epi8, _mm_sub_epi8,
    };

    /// `10ᵏ` for the k ≤ 15 digits after the point: exact doubles.
    const POWERS_OF_TEN: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];

    /// 16 zeros then 16 ones-bytes: the 16 bytes from offset `n` keep the last `n` lanes.
    const KEEP_LAST: [u8; 32] = {
        let mut keep = [0; 32];
        let mut i = 16;
        while i < 32 {
            keep[i] = 0xFF;
            i += 1;
        }
        keep
    };

    /// `DROP_LANE[q]`: the byte shuffle that removes lane `q` (the decimal point) by moving
    /// lanes `0..q` one lane up, lane 0 becoming zero; `DROP_LANE[16]` keeps every lane.
    const DROP_LANE: [[u8; 16]; 17] = {
        let mut table = [[0; 16]; 17];
        let mut q = 0;
        while q < 17 {
            let mut i = 0;
            while i < 16 {
                table[q][i] = if q == 16 || i > q {
                    i as u8
                } else if i == 0 {
                    0x80 // pshufb writes a zero for a set high bit
                } else {
                    (i - 1) as u8
                };
                i += 1;
            }
            q += 1;
        }
        table
    };

    /// The separators of [`super::separators`] in the whole 64-byte blocks of `bytes`; returns
    /// where the blocks end.
    ///
    /// # Safety
    /// The CPU must have SSE2 (every x86-64 CPU has).
    #[target_feature(enable = "sse2")]
    pub(super) unsafe fn separators(bytes: &[u8], out: &mut Vec<usize>) -> usize {
        let (comma, line_feed) = (_mm_set1_epi8(b',' as i8), _mm_set1_epi8(b'\n' as i8));
        let mut base = 0;
        while base + 64 <= bytes.len() {
            let mut found = 0u64;
            for part in 0..4 {
                let at = base + 16 * part;
                // SAFETY: bytes[at..at + 16] is within bytes (base + 64 <= len); loadu has no
                // alignment requirement.
                let v = unsafe { _mm_loadu_si128(bytes.as_ptr().add(at).cast::<__m128i>()) };
                let hits = _mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, line_feed));
                found |= u64::from(_mm_movemask_epi8(hits) as u16) << (16 * part);
            }
            while found != 0 {
                out.push(base + found.trailing_zeros() as usize);
                found &= found - 1;
            }
            base += 64;
        }
        base
    }

    /// [`super::parse_fields`] compiled for AVX2, so that the divisions of
    /// [`parse_fields`] go four to an instruction.
    ///
    /// # Safety
    /// The CPU must have AVX2 (and so SSSE3 and SSE4.1).
    #[target_feature(enable = "avx2,ssse3,sse4.1")]
    pub(super) unsafe fn parse_fields_avx2(
        bytes: &[u8],
        start: usize,
        commas: &[usize],
        end: usize,
        values: &mut [f64],
    ) -> bool {
        parse_fields(bytes, start, commas, end, values)
    }

    /// Fields per block of [`parse_fields`].
    const BLOCK: usize = 16;

    /// [`super::parse_fields`] with every field parsed by [`field`], `fast_float2` where it
    /// declines. Each block of 16 fields is parsed into signed mantissas and powers of ten
    /// first, then divided in one loop that the compiler vectorizes: one division per field
    /// in the parse itself costs more than the rest of it (a division unit is not pipelined
    /// as the rest is).
    ///
    /// # Safety
    /// The CPU must have SSSE3 and SSE4.1.
    #[target_feature(enable = "ssse3,sse4.1")]
    #[inline]
    pub(super) unsafe fn parse_fields(
        bytes: &[u8],
        start: usize,
        commas: &[usize],
        end: usize,
        values: &mut [f64],
    ) -> bool {
        let mut from = start;
        let mut powers = [1.0; BLOCK];
        for (b, block) in values.chunks_mut(BLOCK).enumerate() {
            for (i, (slot, power)) in block.iter_mut().zip(&mut powers).enumerate() {
                let to = commas.get(b * BLOCK + i).copied().unwrap_or(end);
                match field(bytes, from, to) {
                    Some((mantissa, fraction)) => (*slot, *power) = (mantissa, fraction),
                    None => match super::general(bytes, from, to) {
                        Some(value) => (*slot, *power) = (value, 1.0),
                        None => return false,
                    },
                }
                from = to + 1;
            }
            // m / 10ᵏ, or a value from the general parser divided by 1: exact.
            for (slot, power) in block.iter_mut().zip(&powers) {
                *slot /= *power;
            }
        }
        true
    }

    /// `bytes[from..to]` when it is a plain decimal `-?d+(.d+)?` of at most 15 digits and
    /// nothing else, and `to ≥ 16` (one 16-byte load that ends at `to` holds it), as its
    /// signed digits `±m` (exact: m < 10¹⁵ < 2⁵³) and `10ᵏ` for its k digits after the point,
    /// whose quotient (one IEEE division) is the double nearest the decimal; `None` otherwise.
    /// Branch-free but for the checks, so that the fields of a line overlap in the CPU.
    #[target_feature(enable = "ssse3,sse4.1")]
    #[inline]
    pub(super) fn field(bytes: &[u8], from: usize, to: usize) -> Option<(f64, f64)> {
        if to < 16 || to > bytes.len() || from >= to {
            return None;
        }
        let negative = bytes[from] == b'-';
        let len = to - from - usize::from(negative);
        if len == 0 || len > 16 {
            return None;
        }
        // SAFETY: bytes[to - 16..to] is within bytes (checked above); loadu has no alignment
        // requirement.
        let v = unsafe { _mm_loadu_si128(bytes.as_ptr().add(to - 16).cast::<__m128i>()) };
        let lanes = (0xFFFF_u32 << (16 - len)) & 0xFFFF;
        let values = _mm_sub_epi8(v, _mm_set1_epi8(b'0' as i8));
        let is_digit = _mm_cmpeq_epi8(_mm_min_epu8(values, _mm_set1_epi8(9)), values);
        let digits = _mm_movemask_epi8(is_digit) as u32 & lanes;
        let point = _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'.' as i8))) as u32 & lanes;
        // Digits and at most one point, which has a digit on each side.
        let first = 1_u32 << (16 - len);
        if digits | point != lanes
            || point & point.wrapping_sub(1) != 0
            || point & (first | 1 << 15) != 0
        {
            return None;
        }
        let has_point = point != 0;
        let count = len - usize::from(has_point);
        if count > 15 {
            return None;
        }
        let lane = if has_point {
            point.trailing_zeros() as usize
        } else {
            16
        };
        let fraction = if has_point { 15 - lane } else { 0 };
        let tail = _mm_shuffle_epi8(values, load_table(&DROP_LANE[lane]));
        let tail = _mm_and_si128(tail, load_table(&KEEP_LAST[count..count + 16]));
        let digits = digits_value(tail) as f64;
        // -0.0 for "-0": the sign on the double, not on the integer.
        Some((
            if negative { -digits } else { digits },
            POWERS_OF_TEN[fraction],
        ))
    }

    /// The integer that 16 digit values d₀…d₁₅ (one per byte, d₀ first) write: pairs
    /// 10d₀ + d₁ (u16), then quads (u32), then two 8-digit halves.
    #[target_feature(enable = "ssse3,sse4.1")]
    #[inline]
    fn digits_value(digits: __m128i) -> u64 {
        let pairs = _mm_maddubs_epi16(
            digits,
            _mm_setr_epi8(10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1),
        );
        let quads = _mm_madd_epi16(pairs, _mm_setr_epi16(100, 1, 100, 1, 100, 1, 100, 1));
        let quads = _mm_packus_epi32(quads, quads);
        let halves = _mm_madd_epi16(
            quads,
            _mm_setr_epi16(10000, 1, 10000, 1, 10000, 1, 10000, 1),
        );
        let high = u64::from(_mm_cvtsi128_si32(halves) as u32);
        let low = u64::from(_mm_extract_epi32::<1>(halves) as u32);
        high * 100_000_000 + low
    }

    /// 16 bytes of a table (a slice of at least 16 bytes).
    #[target_feature(enable = "ssse3,sse4.1")]
    fn load_table(table: &[u8]) -> __m128i {
        assert!(table.len() >= 16);
        // SAFETY: 16 bytes of the slice, checked above; loadu has no alignment requirement.
        unsafe { _mm_loadu_si128(table.as_ptr().cast::<__m128i>()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `text` parsed as the second field of a line, 17 bytes in (so the SIMD path may take
    /// it), and as `fast_float2` parses it when finite (bits).
    fn both(text: &str) -> (Option<u64>, Option<u64>) {
        let line = format!("1234567890.12345,{text},7\n{:16}", "");
        let bytes = line.as_bytes();
        let mut separators = Vec::new();
        super::separators(bytes, &mut separators);
        let end = bytes.iter().position(|&b| b == b'\n').unwrap();
        let commas: Vec<usize> = separators.into_iter().filter(|&c| c < end).collect();
        let mut values = [0.0; 3];
        let parsed = parse_fields(bytes, 0, &commas, end, &mut values).then(|| values[1].to_bits());
        let reference = fast_float2::parse::<f64, _>(text)
            .ok()
            .filter(|value: &f64| value.is_finite())
            .map(f64::to_bits);
        (parsed, reference)
    }

    #[test]
    fn plain_decimals_are_the_nearest_doubles() {
        for (text, value) in [
            ("0.1", 0.1_f64),
            ("-0.123456789", -0.123456789),
            ("123456789012345", 123456789012345.0),
            ("1.5", 1.5),
            ("-0.0", -0.0),
            ("000012.50", 12.5),
            ("9.99999999999999", 9.99999999999999),
        ] {
            assert_eq!(
                both(text),
                (Some(value.to_bits()), Some(value.to_bits())),
                "{text}"
            );
            // And they took the SIMD path, where the CPU has it.
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("ssse3") && std::is_x86_feature_detected!("sse4.1") {
                let line = format!("{:>16}{text}", "");
                // SAFETY: the CPU has the features (checked above).
                let simd = unsafe { simd_field(line.as_bytes(), 16, line.len()) };
                assert_eq!(
                    simd.map(|(m, p)| (m / p).to_bits()),
                    Some(value.to_bits()),
                    "{text}"
                );
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "ssse3,sse4.1")]
    unsafe fn simd_field(bytes: &[u8], from: usize, to: usize) -> Option<(f64, f64)> {
        simd::field(bytes, from, to)
    }

    #[test]
    fn what_is_not_a_plain_decimal_is_parsed_as_before() {
        for text in [
            "1e5",
            "1.5E-3",
            "-.5",
            ".5",
            "+1",
            "1.",
            "-",
            "nan",
            "inf",
            "-infinity",
            "x",
            "1234567890123456",
            "0.1234567890123456789",
            "12345678901234567890.5",
            "1.2.3",
            "7-",
            "",
            " 1",
            "1 ",
            "--1",
            "1.-2",
            "0x10",
        ] {
            let (parsed, reference) = both(text);
            assert_eq!(parsed, reference, "{text:?}");
        }
        // Non-finite fields are refused (the line then takes the general path, which says so).
        for text in ["nan", "inf", "-infinity", "1e999"] {
            assert_eq!(both(text).0, None, "{text}");
        }
    }

    #[test]
    fn separators_are_every_comma_and_line_feed() {
        let text: String = (0..300)
            .map(|i| match i % 7 {
                0 => ',',
                3 => '\n',
                _ => 'x',
            })
            .collect();
        let mut found = Vec::new();
        separators(text.as_bytes(), &mut found);
        let expected: Vec<usize> = text
            .bytes()
            .enumerate()
            .filter(|(_, b)| *b == b',' || *b == b'\n')
            .map(|(i, _)| i)
            .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn fields_near_the_start_of_the_buffer_take_the_general_parser() {
        let bytes = b"-2.25,1,0.5";
        let mut values = [0.0; 3];
        assert!(parse_fields(bytes, 0, &[5, 7], bytes.len(), &mut values));
        assert_eq!(values, [-2.25, 1.0, 0.5]);
        assert!(
            !parse_fields(bytes, 0, &[5], bytes.len(), &mut values),
            "ragged"
        );
        assert!(
            !parse_fields(b"1,,2", 0, &[1, 2], 4, &mut values),
            "empty field"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// Any decimal parses to the same bits as fast_float2's, or is refused by both.
        #[test]
        fn every_decimal_parses_as_fast_float2_does(
            negative in any::<bool>(),
            whole in "[0-9]{0,18}",
            point in any::<bool>(),
            fraction in "[0-9]{0,18}",
            after in "(|e|E5|\\.|[0-9a-z.+-]{1,3})",
            value in any::<f64>(),
        ) {
            let mut text = String::new();
            if negative {
                text.push('-');
            }
            text.push_str(&whole);
            if point {
                text.push('.');
                text.push_str(&fraction);
            }
            let (parsed, reference) = both(&text);
            prop_assert_eq!(parsed, reference, "{:?}", text);
            text.push_str(&after);
            let (parsed, reference) = both(&text);
            prop_assert_eq!(parsed, reference, "{:?}", text);
            // Numbers as programs write them (shortest round trip, fixed and exponent forms).
            for written in [format!("{value}"), format!("{value:.9}"), format!("{value:.9e}")] {
                let (parsed, reference) = both(&written);
                prop_assert_eq!(parsed, reference, "{:?}", written);
            }
        }
    }
}
