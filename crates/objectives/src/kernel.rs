//! The one-pass kernels of the linear-model losses, written for the vector units.
//!
//! A pass over `X` reads each row once: its predictor `z = x·w + b`, its loss and slope, and its
//! share of the gradient `ℓ'(z)·x` while the row is in cache. Rows are taken [`BLOCK`] at a
//! time, so that each load of `w` (for the dot products) and each load and store of `g` (for the
//! gradient) serves the whole block, and the per-sample functions (`exp`, `log1p`) run
//! [`LANES`] samples at once.
//!
//! Everything in the inner loops is plain arithmetic on fixed-size arrays (`[f64; 8]`), which
//! the compiler turns into vector instructions of whatever width the function is compiled for,
//! and every helper is `#[inline(always)]`, so that nothing in a loop is a call. The entry
//! points are compiled three times: for AVX-512 (`zmm` registers, 8 lanes), for AVX2 with FMA
//! (`ymm`, 4 lanes) and for the baseline (SSE2), and the best one the CPU has is chosen at run
//! time. Products are fused (`vfmadd`) in the first two.
//!
//! How to check the generated code: `objdump -d -C --no-show-raw-insn target/release/descent`
//! and the functions named `descent_objectives::kernel::run_avx512` (one per kernel) show
//! `vfmadd231pd` on `zmm` registers in the block loops, and no `call` between a loop's label
//! and its back-branch. The calls there are to the panic handlers of bounds checks, and to the
//! C library's `exp` and `log1p` for the fewer than eight rows left over at a chunk's end.
//! `perf record` / `perf annotate` on a fit shows where the cycles go.
//!
//! The rows may be stored as `f64` or `f32` ([`Element`]): each vector of stored values is
//! widened to `f64` as a whole ([`widen`]) before it enters any arithmetic, so that every sum
//! is taken in `f64` and an `f32` matrix gives the same bits as an `f64` one holding the same
//! values.
//!
//! `exp` and `log1p` are the classic range reductions with polynomials, written out so that
//! they vectorize: `eˣ = 2ⁿ·eʳ` with a Taylor polynomial of degree 13 on `|r| ≤ ln 2 / 2`
//! (truncation below 5·10⁻¹⁸), and `log(1 + u) = 2·atanh(u / (2 + u))` by its series (the
//! argument is at most 1/3 for `u ≤ 1`). Both are within a few units in the last place of
//! the standard library's functions (tested below).

use crate::linear::SampleLoss;
use crate::Element;

/// `f64` values per vector: one AVX-512 register, two AVX2 registers.
pub(crate) const LANES: usize = 8;

/// Rows per block. The rows of a block share each load of `w` and of `g`.
const BLOCK: usize = 8;

// The kernels take a block's samples as one vector.
const _: () = assert!(BLOCK == LANES);

/// One vector of samples.
pub(crate) type Lanes = [f64; LANES];

/// Each row's target `yᵢ` and, for a weighted loss, its weight `sᵢ ≥ 0`, which multiplies the
/// row's loss, slope and curvature (`None`: every weight is 1, and nothing is multiplied).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Targets<'a> {
    pub(crate) y: &'a [f64],
    pub(crate) weight: Option<&'a [f64]>,
}

impl<'a> Targets<'a> {
    /// The rows `start..start + len`.
    pub(crate) fn rows(self, start: usize, len: usize) -> Targets<'a> {
        Targets {
            y: &self.y[start..][..len],
            weight: self.weight.map(|s| &s[start..][..len]),
        }
    }

    /// The number of rows.
    pub(crate) fn len(self) -> usize {
        self.y.len()
    }
}

/// The sample weights of block `k` of a chunk's rows, or ones without weights.
#[inline(always)]
pub(crate) fn weight_lanes(weight: Option<&[Lanes]>, k: usize) -> Lanes {
    weight.map_or([1.0; LANES], |s| s[k])
}

/// Bytes per cache line, for [`prefetch`].
pub(crate) const CACHE_LINE: usize = 64;

/// [`prefetch`] into every cache level (for data needed next).
pub(crate) const TO_L1: i32 = 3;

/// [`prefetch`] into the level 2 cache and below, not level 1 (whose lines the current work
/// needs).
pub(crate) const TO_L2: i32 = 2;

#[cfg(target_arch = "x86_64")]
const _: () =
    assert!(TO_L1 == std::arch::x86_64::_MM_HINT_T0 && TO_L2 == std::arch::x86_64::_MM_HINT_T1);

/// Asks the CPU to bring the cache line holding `values[at]` into its caches (to the level
/// `LEVEL` says: [`TO_L1`] or [`TO_L2`], x86's `_MM_HINT_T0` and `_MM_HINT_T1`) before it is
/// read: a hint, with no effect on any result (and none where `at` is past the end, or on
/// other architectures). For kernels that walk several short runs of memory at once, which
/// the hardware prefetcher does not learn in time, or that can fetch what comes next while
/// they compute.
#[inline(always)]
pub(crate) fn prefetch<const LEVEL: i32, T>(values: &[T], at: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(value) = values.get(at) {
        let line: *const T = value;
        // SAFETY: SSE is part of every x86-64 target, and a prefetch never faults or reads
        // into the program: the pointer is that of a live element in any case.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<LEVEL>(line.cast());
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (values, at);
}

/// The sample weight of row `i` of a chunk, or 1 without weights.
#[inline(always)]
pub(crate) fn weight_at(weight: Option<&[f64]>, i: usize) -> f64 {
    weight.map_or(1.0, |s| s[i])
}

/// `(sℓ, sℓ')` lane by lane for the weights `s` of a block (`None`: unchanged).
#[inline(always)]
fn weighed(weight: Option<&[f64; LANES]>, (mut loss, mut slope): (Lanes, Lanes)) -> (Lanes, Lanes) {
    if let Some(s) = weight {
        for l in 0..LANES {
            loss[l] *= s[l];
            slope[l] *= s[l];
        }
    }
    (loss, slope)
}

/// `a·b + c`, fused into one rounding when `FMA` (the function is then compiled with the FMA
/// instructions, so that this is one `vfmadd` and not a call to the C library's `fma`).
#[inline(always)]
pub(crate) fn mul_add<const FMA: bool>(a: f64, b: f64, c: f64) -> f64 {
    if FMA {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// `1.5·2⁵²`: adding it to `|t| < 2⁵¹` rounds `t` to an integer (the sum's last bit is worth 1).
const SHIFTER: f64 = 6_755_399_441_055_744.0;
/// `2⁵² + 1023`: adding it to an integer `n` leaves `n + 1023` in the last 11 bits.
const EXPONENT_SHIFTER: f64 = 4_503_599_627_371_519.0;
/// `ln 2` in two parts (fdlibm's): `n·LN2_HI` is exact for `|n| < 2¹¹`.
const LN2_HI: f64 = 6.931_471_803_691_238e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;

/// `2ⁿ` for an integer-valued `n` in `[−1022, 1023]`, by writing the exponent bits.
#[inline(always)]
fn pow2(n: f64) -> f64 {
    f64::from_bits((n + EXPONENT_SHIFTER).to_bits() << 52)
}

/// `eˣ` lane by lane, for `x ≤ 709` (the callers pass `−|z|`); NaN stays NaN.
///
/// `eˣ = 2ⁿ·eʳ` with `n = round(x·log₂e)` and `r = x − n·ln 2`, `|r| ≤ 0.347`; `eʳ` by its
/// Taylor polynomial of degree 13; `2ⁿ` as `2^⌊n/2⌉·2^(n − ⌊n/2⌉)`, two normal numbers, so that
/// results down to the subnormal range come out right and below `e^(−746)` round to 0.
#[inline(always)]
pub(crate) fn exp<const FMA: bool>(x: Lanes) -> Lanes {
    // 1/k! for k = 13 down to 2.
    const INVERSE_FACTORIALS: [f64; 12] = [
        1.0 / 6_227_020_800.0,
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
    ];
    let mut out = [0.0; LANES];
    for l in 0..LANES {
        // Below −746, eˣ rounds to 0; the comparison lets NaN through.
        let x = if x[l] < -746.0 { -746.0 } else { x[l] };
        let n = mul_add::<FMA>(x, std::f64::consts::LOG2_E, SHIFTER) - SHIFTER;
        let r = mul_add::<FMA>(-n, LN2_LO, mul_add::<FMA>(-n, LN2_HI, x));
        let mut p = INVERSE_FACTORIALS[0];
        for c in &INVERSE_FACTORIALS[1..] {
            p = mul_add::<FMA>(p, r, *c);
        }
        p = mul_add::<FMA>(p, r, 1.0);
        p = mul_add::<FMA>(p, r, 1.0);
        let half = (n * 0.5 + SHIFTER) - SHIFTER;
        out[l] = p * pow2(half) * pow2(n - half);
    }
    out
}

/// `log(1 + u)` lane by lane, for `u ∈ [0, 1]` (the callers pass `e^(−|z|)`).
///
/// `log(1 + u) = 2·atanh(s) = 2s·Σₖ s²ᵏ/(2k + 1)` with `s = u/(2 + u) ∈ [0, 1/3]`: seventeen
/// terms leave a truncation below `(1/9)¹⁷/35 ≈ 2·10⁻¹⁸` (relative), and there is no branch,
/// so that the compiler keeps every step in vector registers. For small `u`, `s ≈ u/2` keeps
/// all of `u`'s digits.
///
/// The same series serves `u` down to `√½ − 1` (`|s| ≤ 0.172`), as [`ln`] uses it.
#[inline(always)]
pub(crate) fn log1p_unit<const FMA: bool>(u: Lanes) -> Lanes {
    /// 1/(2k + 1) for k = 16 down to 1.
    const ODD_RECIPROCALS: [f64; 16] = [
        1.0 / 33.0,
        1.0 / 31.0,
        1.0 / 29.0,
        1.0 / 27.0,
        1.0 / 25.0,
        1.0 / 23.0,
        1.0 / 21.0,
        1.0 / 19.0,
        1.0 / 17.0,
        1.0 / 15.0,
        1.0 / 13.0,
        1.0 / 11.0,
        1.0 / 9.0,
        1.0 / 7.0,
        1.0 / 5.0,
        1.0 / 3.0,
    ];
    let mut out = [0.0; LANES];
    for l in 0..LANES {
        let s = u[l] / (2.0 + u[l]);
        let z = s * s;
        let mut q = ODD_RECIPROCALS[0];
        for c in &ODD_RECIPROCALS[1..] {
            q = mul_add::<FMA>(q, z, *c);
        }
        // 2s·(1 + z·q), with the leading 1 added last.
        let twice = 2.0 * s;
        out[l] = mul_add::<FMA>(twice * z, q, twice);
    }
    out
}

/// `log x` lane by lane, for normal positive `x` (subnormals, zero and negative numbers are
/// the caller's to exclude).
///
/// `x = m·2ᵉ` with `m ∈ [√½, √2)` (from the bits: the exponent field, and the mantissa with
/// the exponent of 1, halved when above √2), then `log x = e·ln 2 + log(1 + (m − 1))` by
/// [`log1p_unit`]'s series, with `ln 2` in two parts so that `e·LN2_HI` is exact.
#[inline(always)]
pub(crate) fn ln<const FMA: bool>(x: Lanes) -> Lanes {
    const MANTISSA: u64 = (1 << 52) - 1;
    let (mut u, mut e) = ([0.0; LANES], [0.0; LANES]);
    for l in 0..LANES {
        let bits = x[l].to_bits();
        let exponent = ((bits >> 52) & 0x7ff) as i64 - 1023;
        let m = f64::from_bits((bits & MANTISSA) | (1023 << 52));
        let high = m > std::f64::consts::SQRT_2;
        u[l] = (if high { 0.5 * m } else { m }) - 1.0;
        e[l] = exponent as f64 + if high { 1.0 } else { 0.0 };
    }
    let p = log1p_unit::<FMA>(u);
    let mut out = [0.0; LANES];
    for l in 0..LANES {
        out[l] = mul_add::<FMA>(e[l], LN2_HI, mul_add::<FMA>(e[l], LN2_LO, p[l]));
    }
    out
}

/// A vector of stored values in `f64` (exact): one `vcvtps2pd` for `f32`, nothing for `f64`.
/// Widening the whole vector before the arithmetic, rather than each value inside it, is
/// what keeps the conversion at the full vector width (converted value by value inside a
/// loop of fused multiply-adds, LLVM splits the work into 2-lane pieces).
#[inline(always)]
fn widen<T: Element>(v: &[T; LANES]) -> Lanes {
    let mut out = [0.0; LANES];
    for l in 0..LANES {
        out[l] = v[l].into();
    }
    out
}

/// `Σₗ v[l]` in a fixed order (a tree of pairs).
#[inline(always)]
pub(crate) fn sum_lanes(v: &Lanes) -> f64 {
    ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]))
}

/// The running sums of `x·w` lane by lane over the whole vectors of a row (its first
/// `LANES·⌊p/LANES⌋` values): a dot product before its lanes are added.
#[inline(always)]
fn vector_sums<T: Element, const FMA: bool>(row: &[T], w: &[f64]) -> Lanes {
    let (x_vectors, _) = row.as_chunks::<LANES>();
    let (w_vectors, _) = w.as_chunks::<LANES>();
    let mut sums = [0.0; LANES];
    for (xv, wv) in x_vectors.iter().zip(w_vectors) {
        let xv = widen(xv);
        for l in 0..LANES {
            sums[l] = mul_add::<FMA>(xv[l], wv[l], sums[l]);
        }
    }
    sums
}

/// `x·w + b` for one row.
#[inline(always)]
fn predictor<T: Element, const FMA: bool>(row: &[T], w: &[f64], b: f64) -> f64 {
    let (_, x_tail) = row.as_chunks::<LANES>();
    let (_, w_tail) = w.as_chunks::<LANES>();
    let mut z = sum_lanes(&vector_sums::<T, FMA>(row, w));
    for (&x, w) in x_tail.iter().zip(w_tail) {
        z = mul_add::<FMA>(x.into(), *w, z);
    }
    z + b
}

/// The last `p mod LANES` columns of rows of `p ≥ LANES` columns, taken as one whole vector
/// that overlaps the columns before them: the row's last `LANES` values, with `w` (and, for
/// the gradient, a mask) zero on the lanes that whole vectors already cover. One vector
/// operation in place of a scalar tail per row, and no masked loads or stores.
#[derive(Clone, Copy)]
struct Tail {
    /// The first column of the last `LANES`.
    start: usize,
    /// `w` on those columns, zero where whole vectors cover them.
    w: Lanes,
    /// 1 on the tail's lanes, 0 on the covered ones.
    mask: Lanes,
}

impl Tail {
    /// The tail of rows of `p` values, with `w` zero (all that sums of rows need: the
    /// position and the mask). `None` when there is no tail, or fewer than `LANES` columns to
    /// overlap.
    #[inline(always)]
    fn for_width(p: usize) -> Option<Tail> {
        let tail = p % LANES;
        if tail == 0 || p < LANES {
            return None;
        }
        let mut mask = [0.0; LANES];
        mask[LANES - tail..].fill(1.0);
        Some(Tail {
            start: p - LANES,
            w: [0.0; LANES],
            mask,
        })
    }

    /// The tail of rows of `w.len()` values, with `w` on the tail's lanes (for dot products).
    #[inline(always)]
    fn of(w: &[f64]) -> Option<Tail> {
        let mut tail = Tail::for_width(w.len())?;
        for l in 0..LANES {
            tail.w[l] = tail.mask[l] * w[tail.start + l];
        }
        Some(tail)
    }

    /// Adds the tail's lanes of `sums` (the gradient's last `p mod LANES` components, summed
    /// in registers by [`block_gradient`]) to `g`.
    #[inline(always)]
    fn add_sums(&self, sums: &Lanes, g: &mut [f64]) {
        let last = &mut g[self.start..self.start + LANES];
        for ((gj, sum), mask) in last.iter_mut().zip(sums).zip(&self.mask) {
            if *mask != 0.0 {
                *gj += sum;
            }
        }
    }

    /// The row's last `LANES` values.
    #[inline(always)]
    fn of_row<'r, T: Element>(&self, row: &'r [T]) -> &'r [T; LANES] {
        let (last, _) = row[self.start..].as_chunks::<LANES>();
        &last[0]
    }
}

/// `x·w + b` for one row of a block, with the tail as one overlapping vector.
#[inline(always)]
fn predictor_with_tail<T: Element, const FMA: bool>(
    row: &[T],
    w: &[f64],
    b: f64,
    tail: &Tail,
) -> f64 {
    let mut sums = vector_sums::<T, FMA>(row, w);
    let last = widen(tail.of_row(row));
    for l in 0..LANES {
        sums[l] = mul_add::<FMA>(last[l], tail.w[l], sums[l]);
    }
    sum_lanes(&sums) + b
}

/// `zₖ = xₖ·w + b` for the `BLOCK` rows of a block, row by row: each row's products in one
/// vector of running sums (`w` is reloaded from L1 for each row, which costs less than keeping
/// eight rows' pointers and sums live).
#[inline(always)]
fn block_predictors<T: Element, const FMA: bool>(
    block: &[T],
    w: &[f64],
    b: f64,
    tail: Option<&Tail>,
) -> [f64; BLOCK] {
    let mut z = [b; BLOCK];
    for (zk, row) in z.iter_mut().zip(block.chunks_exact(w.len())) {
        *zk = match tail {
            Some(tail) => predictor_with_tail::<T, FMA>(row, w, b, tail),
            None => predictor::<T, FMA>(row, w, b),
        };
    }
    z
}

/// `g += Σₖ slopeₖ·xₖ` over the rows of a block: each vector of `g` is loaded once, takes its
/// products with the same columns of every row of the block, and is stored once. The last
/// `p mod LANES` columns go to `tail_sums` (one vector, kept in registers) when there is a
/// `tail`, else straight to `g`.
#[inline(always)]
fn block_gradient<T: Element, const FMA: bool>(
    block: &[T],
    slope: &[f64; BLOCK],
    g: &mut [f64],
    tail: Option<&Tail>,
    tail_sums: &mut Lanes,
) {
    let p = g.len();
    let (g_vectors, g_tail) = g.as_chunks_mut::<LANES>();
    let block = &block[..BLOCK * p];
    for (j, gv) in g_vectors.iter_mut().enumerate() {
        let mut acc = *gv;
        for (k, &s) in slope.iter().enumerate() {
            let start = k * p + j * LANES;
            let (xv, _) = block[start..start + LANES].as_chunks::<LANES>();
            let xv = widen(&xv[0]);
            for l in 0..LANES {
                acc[l] = mul_add::<FMA>(s, xv[l], acc[l]);
            }
        }
        *gv = acc;
    }
    if let Some(tail) = tail {
        block_tail_gradient::<T, FMA>(block, slope, tail, tail_sums);
        return;
    }
    // Fewer than `LANES` columns in all: one at a time, down the block's rows, with scalar
    // loads and one load and store of each `gⱼ` per block. (Vectorized, they would be masked
    // stores followed by masked loads of the same bytes, which the CPU cannot forward: a
    // stall on every row.)
    let start = p - g_tail.len();
    for (c, gj) in g_tail.iter_mut().enumerate() {
        let mut sum = *gj;
        for (k, &s) in slope.iter().enumerate() {
            sum = mul_add::<FMA>(s, block[k * p + start + c].into(), sum);
        }
        *gj = sum;
    }
}

/// The tail's share of [`block_gradient`]: the last `p mod LANES` columns of the block's rows,
/// summed into `tail_sums` (one vector, in registers).
#[inline(always)]
fn block_tail_gradient<T: Element, const FMA: bool>(
    block: &[T],
    slope: &[f64; BLOCK],
    tail: &Tail,
    tail_sums: &mut Lanes,
) {
    let p = tail.start + LANES;
    for (&s, row) in slope.iter().zip(block.chunks_exact(p)) {
        let last = widen(tail.of_row(row));
        for l in 0..LANES {
            tail_sums[l] = mul_add::<FMA>(s, last[l] * tail.mask[l], tail_sums[l]);
        }
    }
}

/// [`block_gradient`] for rows whose first `G·LANES` columns are `G` whole vectors, summed
/// into `acc`, which the caller keeps (in registers) from block to block. For each column the
/// block's rows are added in the same order as [`block_gradient`] adds them.
#[inline(always)]
fn block_gradient_in_registers<T: Element, const FMA: bool, const G: usize>(
    block: &[T],
    slope: &[f64; BLOCK],
    acc: &mut [Lanes; G],
    p: usize,
) {
    for (k, &s) in slope.iter().enumerate() {
        let (vectors, _) = block[k * p..k * p + G * LANES].as_chunks::<LANES>();
        for (a, xv) in acc.iter_mut().zip(vectors) {
            let xv = widen(xv);
            for l in 0..LANES {
                a[l] = mul_add::<FMA>(s, xv[l], a[l]);
            }
        }
    }
}

/// Sums `g += Σᵢ sᵢ·xᵢ` over a chunk's rows, block by block: the gradient of a pass, or `Xᵀv`.
///
/// With `G > 0` (the rows hold exactly `G` whole vectors, and maybe a tail) the sums of the
/// whole vectors stay in registers for the whole chunk ([`block_gradient_in_registers`]) and
/// are stored once, by [`finish`](RowSums::finish): no load and store of `g` per block, whose
/// stores the next block's loads of `X` can falsely depend on when their addresses agree
/// modulo 4 KiB (which made a pass's time vary from run to run with where the allocator put
/// `g`). With `G = 0` they go to `g` block by block ([`block_gradient`]). The products are
/// added in the same order either way, so the sums are the same bits.
struct RowSums<'g, const G: usize> {
    g: &'g mut [f64],
    acc: [Lanes; G],
    tail: Option<Tail>,
    tail_sums: Lanes,
}

impl<'g, const G: usize> RowSums<'g, G> {
    /// Sums added to `g`, for rows with `tail` (or none).
    #[inline(always)]
    fn new(g: &'g mut [f64], tail: Option<Tail>) -> Self {
        let mut acc = [[0.0; LANES]; G];
        let (g_vectors, _) = g.as_chunks::<LANES>();
        acc.copy_from_slice(&g_vectors[..G]);
        RowSums {
            g,
            acc,
            tail,
            tail_sums: [0.0; LANES],
        }
    }

    /// Adds `Σₖ slopeₖ·xₖ` over the rows of a block.
    #[inline(always)]
    fn add_block<T: Element, const FMA: bool>(&mut self, block: &[T], slope: &[f64; BLOCK]) {
        if G > 0 {
            block_gradient_in_registers::<T, FMA, G>(block, slope, &mut self.acc, self.g.len());
            if let Some(tail) = &self.tail {
                block_tail_gradient::<T, FMA>(block, slope, tail, &mut self.tail_sums);
            }
        } else {
            block_gradient::<T, FMA>(
                block,
                slope,
                self.g,
                self.tail.as_ref(),
                &mut self.tail_sums,
            );
        }
    }

    /// Stores the sums kept in registers in `g`, and returns it (for the rows left over).
    #[inline(always)]
    fn finish(self) -> &'g mut [f64] {
        let (g_vectors, _) = self.g.as_chunks_mut::<LANES>();
        g_vectors[..G].copy_from_slice(&self.acc);
        if let Some(tail) = &self.tail {
            tail.add_sums(&self.tail_sums, self.g);
        }
        self.g
    }
}

/// Runs `$body` with the constant `$G` set to the number of whole vectors in a row of `$p`
/// values when that is 1 to 8 (64 columns, 8 of the 32 AVX-512 registers: [`RowSums`] then
/// keeps its sums in registers), and to 0 otherwise.
macro_rules! with_whole_vectors {
    ($p:expr, $G:ident => $body:expr) => {
        match $p / LANES {
            1 => {
                const $G: usize = 1;
                $body
            }
            2 => {
                const $G: usize = 2;
                $body
            }
            3 => {
                const $G: usize = 3;
                $body
            }
            4 => {
                const $G: usize = 4;
                $body
            }
            5 => {
                const $G: usize = 5;
                $body
            }
            6 => {
                const $G: usize = 6;
                $body
            }
            7 => {
                const $G: usize = 7;
                $body
            }
            8 => {
                const $G: usize = 8;
                $body
            }
            _ => {
                const $G: usize = 0;
                $body
            }
        }
    };
}

/// The block's targets as one vector (`BLOCK == LANES`).
#[inline(always)]
fn block_targets(ys: &[f64]) -> Lanes {
    let mut y = [0.0; LANES];
    y.copy_from_slice(&ys[..LANES]);
    y
}

/// One chunk of the value (and, when `GRADIENT`, the gradient): returns `(Σ ℓ, Σ ℓ')` and
/// adds `Σ ℓ'ᵢ xᵢ` to `g` (with `GRADIENT` false, `Σ ℓ'` is 0 and `g` is not touched, and the
/// compiler drops the slopes). `rows` holds `ys.len()` rows of `w.len()` values; with `G > 0`
/// they hold exactly `G` whole vectors, and the gradient stays in registers ([`RowSums`]).
///
/// With `PER_ROW`, `per_row` holds one more term of each row's predictor,
/// `zᵢ = xᵢ·w + b + per_rowᵢ` (the categorical columns' coefficients, gathered), and with
/// `GRADIENT` each row's slope `ℓ'ᵢ` is written back over it (for the categorical columns'
/// scatter); without `PER_ROW` it is not touched (and may be empty).
#[inline(always)]
#[allow(
    clippy::too_many_arguments,
    reason = "one inlined kernel body; the arguments are the pass's slices and point"
)]
fn pass_in<
    T: Element,
    L: SampleLoss,
    const FMA: bool,
    const GRADIENT: bool,
    const G: usize,
    const PER_ROW: bool,
    const WEIGHTED: bool,
>(
    rows: &[T],
    targets: Targets<'_>,
    w: &[f64],
    b: f64,
    sample: &L,
    g: &mut [f64],
    per_row: &mut [f64],
) -> (f64, f64) {
    let p = w.len();
    if PER_ROW && p == 0 {
        return pass_without_columns::<L, FMA, GRADIENT, WEIGHTED>(targets, b, sample, per_row);
    }
    let ys = targets.y;
    // Without WEIGHTED the weights are not looked at, and the compiler drops every product by
    // them (a branch on them in the block loop cost the unweighted pass 40%).
    let weight = if WEIGHTED { targets.weight } else { None };
    let weights = weight.map(|s| s.as_chunks::<BLOCK>().0);
    let blocks = if p == 0 { 0 } else { ys.len() / BLOCK };
    let (mut losses, mut slopes) = ([0.0; LANES], [0.0; LANES]);
    let tail = Tail::of(w);
    let mut sums = RowSums::<G>::new(g, if GRADIENT { tail } else { None });
    for (k, (block, y)) in rows
        .chunks_exact(BLOCK * p.max(1))
        .zip(ys.chunks_exact(BLOCK))
        .take(blocks)
        .enumerate()
    {
        let mut z = block_predictors::<T, FMA>(block, w, b, tail.as_ref());
        let extra = if PER_ROW {
            per_row.get_mut(k * BLOCK..(k + 1) * BLOCK)
        } else {
            None
        };
        if let Some(extra) = &extra {
            for l in 0..LANES {
                z[l] += extra[l];
            }
        }
        let (loss, slope) = weighed(
            weights.map(|s| &s[k]),
            sample.loss_and_slope_lanes::<FMA>(z, block_targets(y)),
        );
        for l in 0..LANES {
            losses[l] += loss[l];
        }
        if GRADIENT {
            for l in 0..LANES {
                slopes[l] += slope[l];
            }
            sums.add_block::<T, FMA>(block, &slope);
            if let Some(extra) = extra {
                extra.copy_from_slice(&slope);
            }
        }
    }
    let g = sums.finish();
    let (mut total, mut slope_sum) = (sum_lanes(&losses), sum_lanes(&slopes));
    for (i, &y) in ys.iter().enumerate().skip(blocks * BLOCK) {
        let row = &rows[i * p..(i + 1) * p];
        let mut z = predictor::<T, FMA>(row, w, b);
        let extra = if PER_ROW { per_row.get_mut(i) } else { None };
        if let Some(extra) = &extra {
            z += **extra;
        }
        let s = weight_at(weight, i);
        if GRADIENT {
            let (loss, slope) = sample.loss_and_slope(z, y);
            let (loss, slope) = (s * loss, s * slope);
            if let Some(extra) = extra {
                *extra = slope;
            }
            total += loss;
            slope_sum += slope;
            for (gj, &x) in g.iter_mut().zip(row) {
                *gj = mul_add::<FMA>(slope, x.into(), *gj);
            }
        } else {
            total += s * sample.loss(z, y);
        }
    }
    (total, slope_sum)
}

/// [`pass_in`] for a design of categorical columns alone (no dense columns): each row's
/// predictor is `b + per_rowᵢ`, and the losses and slopes are taken a block at a time at the
/// vector width, as with dense columns (the rows left over one by one); with `GRADIENT`, each
/// row's slope replaces its term.
#[inline(always)]
fn pass_without_columns<
    L: SampleLoss,
    const FMA: bool,
    const GRADIENT: bool,
    const WEIGHTED: bool,
>(
    targets: Targets<'_>,
    b: f64,
    sample: &L,
    per_row: &mut [f64],
) -> (f64, f64) {
    let ys = targets.y;
    let (mut losses, mut slopes) = ([0.0; LANES], [0.0; LANES]);
    let (y_blocks, y_rest) = ys.as_chunks::<BLOCK>();
    let weight = if WEIGHTED { targets.weight } else { None };
    let weights = weight.map(|s| s.as_chunks::<BLOCK>().0);
    debug_assert_eq!(per_row.len(), ys.len(), "one term per row");
    let (term_blocks, term_rest) = per_row.as_chunks_mut::<BLOCK>();
    for (k, (y, term)) in y_blocks.iter().zip(term_blocks.iter_mut()).enumerate() {
        let mut z = [b; BLOCK];
        for l in 0..LANES {
            z[l] += term[l];
        }
        let (loss, slope) = weighed(
            weights.map(|s| &s[k]),
            sample.loss_and_slope_lanes::<FMA>(z, *y),
        );
        for l in 0..LANES {
            losses[l] += loss[l];
            slopes[l] += slope[l];
        }
        if GRADIENT {
            *term = slope;
        }
    }
    let (mut total, mut slope_sum) = (sum_lanes(&losses), sum_lanes(&slopes));
    let first = y_blocks.len() * BLOCK;
    for (i, (&y, term)) in y_rest.iter().zip(term_rest).enumerate() {
        let z = b + *term;
        let s = weight_at(weight, first + i);
        if GRADIENT {
            let (loss, slope) = sample.loss_and_slope(z, y);
            *term = s * slope;
            total += s * loss;
            slope_sum += s * slope;
        } else {
            total += s * sample.loss(z, y);
        }
    }
    (total, if GRADIENT { slope_sum } else { 0.0 })
}

/// The instruction sets the kernels are compiled for, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Isa {
    Avx512,
    Avx2Fma,
    Baseline,
}

/// The best instruction set this CPU has (the detection is cached by the standard library).
#[inline]
fn isa() -> Isa {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("fma")
        {
            return Isa::Avx512;
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return Isa::Avx2Fma;
        }
    }
    Isa::Baseline
}

/// A kernel: its work, written once for any instruction set (`FMA` says whether products are
/// fused). `run` must be `#[inline(always)]`, so that it is compiled into each of the
/// instruction-set entry points below with their features.
pub(crate) trait Kernel {
    type Output;
    fn run<const FMA: bool>(self) -> Self::Output;
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2,fma")]
fn run_avx512<K: Kernel>(kernel: K) -> K::Output {
    kernel.run::<true>()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn run_avx2<K: Kernel>(kernel: K) -> K::Output {
    kernel.run::<true>()
}

/// Runs `kernel` compiled for the best instruction set this CPU has.
pub(crate) fn dispatch<K: Kernel>(kernel: K) -> K::Output {
    match isa() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `isa` found every feature `run_avx512` is compiled for on this CPU.
        Isa::Avx512 => unsafe { run_avx512(kernel) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above, for `run_avx2`.
        Isa::Avx2Fma => unsafe { run_avx2(kernel) },
        _ => kernel.run::<false>(),
    }
}

/// What every pass over the samples reads: `ys.len()` rows of `w.len()` values (row-major),
/// their targets, and the point `(w, b)`.
struct Pass<'a, T, L> {
    rows: &'a [T],
    targets: Targets<'a>,
    w: &'a [f64],
    b: f64,
    sample: &'a L,
}

struct ValueAndGradient<'a, T, L> {
    pass: Pass<'a, T, L>,
    g: &'a mut [f64],
    /// Each row's categorical term in, its slope out; `None`: no categorical columns.
    per_row: Option<&'a mut [f64]>,
}

impl<T: Element, L: SampleLoss> Kernel for ValueAndGradient<'_, T, L> {
    type Output = (f64, f64);
    #[inline(always)]
    fn run<const FMA: bool>(self) -> (f64, f64) {
        let Pass {
            rows,
            targets,
            w,
            b,
            sample,
        } = self.pass;
        let g = self.g;
        // Dispatched on `g.len()`, which is `w.len()`, but not to the compiler: told that `w`
        // holds exactly G whole vectors, LLVM unrolls each row's dot product completely and
        // re-rolls it into 2-lane (`xmm`) pieces, four times the instructions of the `zmm`
        // loop it emits otherwise (seen in `perf annotate`; 4.9 → 4.4 ms at 200 000 × 50).
        // Weighted passes take the general block loop (G = 0): one instantiation each.
        match (self.per_row, targets.weight.is_some()) {
            (None, false) => with_whole_vectors!(g.len(), G =>
                pass_in::<T, L, FMA, true, G, false, false>(rows, targets, w, b, sample, g, &mut [])),
            (Some(per_row), false) => with_whole_vectors!(g.len(), G =>
                pass_in::<T, L, FMA, true, G, true, false>(rows, targets, w, b, sample, g, per_row)),
            (None, true) => {
                pass_in::<T, L, FMA, true, 0, false, true>(rows, targets, w, b, sample, g, &mut [])
            }
            (Some(per_row), true) => {
                pass_in::<T, L, FMA, true, 0, true, true>(rows, targets, w, b, sample, g, per_row)
            }
        }
    }
}

struct Value<'a, T, L> {
    pass: Pass<'a, T, L>,
    /// Each row's categorical term (read, not written); `None`: no categorical columns.
    per_row: Option<&'a mut [f64]>,
}

impl<T: Element, L: SampleLoss> Kernel for Value<'_, T, L> {
    type Output = f64;
    #[inline(always)]
    fn run<const FMA: bool>(self) -> f64 {
        let Pass {
            rows,
            targets,
            w,
            b,
            sample,
        } = self.pass;
        // No gradient: `g` is empty, and so is `per_row` without categorical columns.
        match (self.per_row, targets.weight.is_some()) {
            (None, false) => pass_in::<T, L, FMA, false, 0, false, false>(
                rows,
                targets,
                w,
                b,
                sample,
                &mut [],
                &mut [],
            ),
            (None, true) => pass_in::<T, L, FMA, false, 0, false, true>(
                rows,
                targets,
                w,
                b,
                sample,
                &mut [],
                &mut [],
            ),
            (Some(per_row), false) => pass_in::<T, L, FMA, false, 0, true, false>(
                rows,
                targets,
                w,
                b,
                sample,
                &mut [],
                per_row,
            ),
            (Some(per_row), true) => pass_in::<T, L, FMA, false, 0, true, true>(
                rows,
                targets,
                w,
                b,
                sample,
                &mut [],
                per_row,
            ),
        }
        .0
    }
}

struct Curvatures<'a, T, L> {
    pass: Pass<'a, T, L>,
    out: &'a mut [f64],
}

impl<T: Element, L: SampleLoss> Kernel for Curvatures<'_, T, L> {
    type Output = ();
    #[inline(always)]
    fn run<const FMA: bool>(self) {
        let Pass {
            rows,
            targets,
            w,
            b,
            sample,
        } = self.pass;
        let ys = targets.y;
        let out = &mut self.out[..ys.len()];
        predictors_in::<T, FMA>(rows, w, b, out);
        let (z_blocks, z_tail) = out.as_chunks_mut::<LANES>();
        let (y_blocks, y_tail) = ys.as_chunks::<LANES>();
        for (z, y) in z_blocks.iter_mut().zip(y_blocks) {
            *z = sample.curvature_lanes::<FMA>(*z, *y);
        }
        for (z, &y) in z_tail.iter_mut().zip(y_tail) {
            *z = sample.curvature(*z, y);
        }
        if let Some(weight) = targets.weight {
            for (q, s) in out.iter_mut().zip(weight) {
                *q *= s;
            }
        }
    }
}

/// `out[i] = xᵢ·w + b` for the `out.len()` rows of `rows`: blocks of [`BLOCK`] rows with the
/// overlapping tail vector, then the rows left over one by one.
#[inline(always)]
fn predictors_in<T: Element, const FMA: bool>(rows: &[T], w: &[f64], b: f64, out: &mut [f64]) {
    let p = w.len();
    if p == 0 {
        out.fill(b);
        return;
    }
    let tail = Tail::of(w);
    let (z_blocks, z_rest) = out.as_chunks_mut::<BLOCK>();
    let mut blocks = rows.chunks_exact(BLOCK * p);
    for (z, block) in z_blocks.iter_mut().zip(blocks.by_ref()) {
        *z = block_predictors::<T, FMA>(block, w, b, tail.as_ref());
    }
    for (z, row) in z_rest.iter_mut().zip(blocks.remainder().chunks_exact(p)) {
        *z = predictor::<T, FMA>(row, w, b);
    }
}

struct Predictors<'a, T> {
    rows: &'a [T],
    w: &'a [f64],
    b: f64,
    out: &'a mut [f64],
}

impl<T: Element> Kernel for Predictors<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run<const FMA: bool>(self) {
        predictors_in::<T, FMA>(self.rows, self.w, self.b, self.out);
    }
}

/// `out[i] = xᵢ·w + b` for the `out.len()` rows of `rows` (row-major, `w.len()` values each):
/// the linear predictor alone, at the vector width of the CPU.
pub(crate) fn predictors<T: Element>(rows: &[T], w: &[f64], b: f64, out: &mut [f64]) {
    dispatch(Predictors { rows, w, b, out });
}

/// `out += SᵀS` on the upper triangle of tiles, for a block `S` of rows of `width` values
/// (`width` a multiple of [`LANES`]): the Gram kernel of the Hessians.
///
/// Each `LANES × LANES` tile of `out` is summed in registers over every row of the block: per
/// row, one vector of the row (columns `j₀..j₀ + 8`) times each of eight values of the row
/// (columns `i₀..i₀ + 8`, broadcast), eight fused multiply-adds on eight accumulators, which
/// is what a BLAS micro-kernel does, without BLAS's packing of `S` (the block is already laid
/// out for this, zero-padded to `width`, and small enough for the L1 and L2 caches).
struct GramTiles<'a> {
    block: &'a [f64],
    width: usize,
    out: &'a mut [f64],
}

impl Kernel for GramTiles<'_> {
    type Output = ();
    #[inline(always)]
    fn run<const FMA: bool>(self) {
        let tiles = self.width / LANES;
        for ti in 0..tiles {
            for tj in ti..tiles {
                let mut acc = [[0.0; LANES]; LANES];
                for row in self.block.chunks_exact(self.width) {
                    let (vectors, _) = row.as_chunks::<LANES>();
                    let (xi, xj) = (&vectors[ti], &vectors[tj]);
                    for a in 0..LANES {
                        for l in 0..LANES {
                            acc[a][l] = mul_add::<FMA>(xi[a], xj[l], acc[a][l]);
                        }
                    }
                }
                for (a, sums) in acc.iter().enumerate() {
                    let start = (ti * LANES + a) * self.width + tj * LANES;
                    for (o, v) in self.out[start..start + LANES].iter_mut().zip(sums) {
                        *o += v;
                    }
                }
            }
        }
    }
}

/// `out += SᵀS` on the upper triangle of `LANES × LANES` tiles (the tiles below the diagonal
/// are left alone), for the rows of `block`, `width` values each, zero-padded: `width` must be
/// a multiple of [`LANES`] and `out` a `width × width` row-major matrix.
pub(crate) fn gram_tiles(block: &[f64], width: usize, out: &mut [f64]) {
    dispatch(GramTiles { block, width, out });
}

/// One chunk of the one-pass value and gradient: `(Σᵢ ℓ(yᵢ, zᵢ), Σᵢ ℓ'ᵢ)` with `zᵢ = xᵢ·w + b`,
/// and `g += Σᵢ ℓ'ᵢ xᵢ`. `rows` holds `ys.len()` rows of `w.len()` values, row-major.
///
/// With `per_row` (one value per row), `zᵢ = xᵢ·w + b + per_rowᵢ`, and each row's slope `ℓ'ᵢ`
/// replaces its `per_rowᵢ`: the categorical columns' coefficients go in, gathered by level,
/// and the slopes come out for their scatter, with no other pass over the rows.
///
/// The sums are taken in an order fixed by the data alone, the same on every instruction set
/// with FMA (and rounded differently, within a few units in the last place, on the baseline).
pub(crate) fn chunk_value_and_gradient<T: Element, L: SampleLoss>(
    rows: &[T],
    targets: Targets<'_>,
    (w, b): (&[f64], f64),
    per_row: Option<&mut [f64]>,
    sample: &L,
    g: &mut [f64],
) -> (f64, f64) {
    let pass = Pass {
        rows,
        targets,
        w,
        b,
        sample,
    };
    dispatch(ValueAndGradient { pass, g, per_row })
}

struct TransposeTimes<'a, T> {
    rows: &'a [T],
    v: &'a [f64],
    g: &'a mut [f64],
}

impl<T: Element> Kernel for TransposeTimes<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run<const FMA: bool>(self) {
        let TransposeTimes { rows, v, g } = self;
        with_whole_vectors!(g.len(), G => transpose_times_in::<T, FMA, G>(rows, v, g));
    }
}

/// `g += Σᵢ vᵢ·xᵢ` over the `v.len()` rows of `rows`, `g.len()` values each: blocks of rows by
/// [`RowSums`], then the rows left over one by one.
#[inline(always)]
fn transpose_times_in<T: Element, const FMA: bool, const G: usize>(
    rows: &[T],
    v: &[f64],
    g: &mut [f64],
) {
    let p = g.len();
    if p == 0 {
        return;
    }
    let mut sums = RowSums::<G>::new(g, Tail::for_width(p));
    let mut blocks = rows.chunks_exact(BLOCK * p);
    let (v_blocks, v_rest) = v.as_chunks::<BLOCK>();
    for (block, v) in blocks.by_ref().zip(v_blocks) {
        sums.add_block::<T, FMA>(block, v);
    }
    let g = sums.finish();
    for (row, &v) in blocks.remainder().chunks_exact(p).zip(v_rest) {
        for (gj, &x) in g.iter_mut().zip(row) {
            *gj = mul_add::<FMA>(v, x.into(), *gj);
        }
    }
}

/// One chunk of `Xᵀv`: adds `Σᵢ vᵢ·xᵢ` over the `v.len()` rows of `rows` to `g`, by the
/// gradient's block loop.
pub(crate) fn chunk_transpose_times<T: Element>(rows: &[T], v: &[f64], g: &mut [f64]) {
    dispatch(TransposeTimes { rows, v, g });
}

/// One chunk of the one-pass value: `Σᵢ ℓ(yᵢ, xᵢ·w + b)`, plus `per_rowᵢ` in each row's
/// predictor when given (it is only read).
pub(crate) fn chunk_value<T: Element, L: SampleLoss>(
    rows: &[T],
    targets: Targets<'_>,
    (w, b): (&[f64], f64),
    per_row: Option<&mut [f64]>,
    sample: &L,
) -> f64 {
    let pass = Pass {
        rows,
        targets,
        w,
        b,
        sample,
    };
    dispatch(Value { pass, per_row })
}

/// `outᵢ = ℓ''(yᵢ, xᵢ·w + b)` for the rows of `rows` (one per element of `ys` and `out`): the
/// curvatures that weight a Hessian's rows.
pub(crate) fn curvatures<T: Element, L: SampleLoss>(
    rows: &[T],
    targets: Targets<'_>,
    w: &[f64],
    b: f64,
    sample: &L,
    out: &mut [f64],
) {
    let pass = Pass {
        rows,
        targets,
        w,
        b,
        sample,
    };
    dispatch(Curvatures { pass, out });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place.
    fn ulps(a: f64, b: f64) -> f64 {
        if a == b {
            return 0.0;
        }
        (a - b).abs() / (f64::EPSILON * b.abs().max(f64::MIN_POSITIVE))
    }

    fn points() -> Vec<f64> {
        let mut xs: Vec<f64> = (0..200_000)
            .map(|i| -750.0 * (i as f64 / 200_000.0))
            .collect();
        xs.extend((0..20_000).map(|i| -(i as f64) * 1e-5));
        xs.extend([
            0.0, -0.0, -1e-300, -1e-17, -708.39, -709.8, -745.1, -745.2, -800.0,
        ]);
        xs
    }

    fn check_exp<const FMA: bool>() {
        let xs = points();
        for chunk in xs.chunks_exact(LANES) {
            let got = exp::<FMA>(chunk.try_into().unwrap());
            for (x, e) in chunk.iter().zip(got) {
                let want = x.exp();
                if want >= f64::MIN_POSITIVE {
                    assert!(ulps(e, want) <= 2.0, "exp({x}) = {e}, std {want}");
                } else {
                    // Subnormal results: within one subnormal step.
                    assert!(
                        (e - want).abs() <= 2.0 * 4.9e-324,
                        "exp({x}) = {e}, std {want}"
                    );
                }
            }
        }
        let nan = exp::<FMA>([f64::NAN; LANES]);
        assert!(nan.iter().all(|v| v.is_nan()));
    }

    fn check_log1p<const FMA: bool>() {
        let mut us: Vec<f64> = (0..=100_000).map(|i| i as f64 / 100_000.0).collect();
        us.extend((0..1000).map(|i| 10f64.powf(-(i as f64) * 0.3)));
        us.extend([
            std::f64::consts::SQRT_2 - 1.0,
            0.414_213_562_373_095_1,
            1e-320,
        ]);
        while !us.len().is_multiple_of(LANES) {
            us.push(0.5);
        }
        for chunk in us.chunks_exact(LANES) {
            let got = log1p_unit::<FMA>(chunk.try_into().unwrap());
            for (u, l) in chunk.iter().zip(got) {
                let want = u.ln_1p();
                assert!(ulps(l, want) <= 2.0, "log1p({u}) = {l}, std {want}");
            }
        }
    }

    #[test]
    fn exp_agrees_with_the_standard_library() {
        check_exp::<false>();
        check_exp::<true>();
    }

    fn check_ln<const FMA: bool>() {
        let mut xs: Vec<f64> = (1..=100_000).map(|i| i as f64 / 100_000.0).collect();
        xs.extend((0..3000).map(|i| 10f64.powf(-(i as f64) * 0.1)));
        xs.extend((0..1000).map(|i| 10f64.powf(i as f64 * 0.3)));
        xs.extend([
            std::f64::consts::SQRT_2,
            std::f64::consts::SQRT_2 * (1.0 + f64::EPSILON),
            std::f64::consts::FRAC_1_SQRT_2,
            1.0 - f64::EPSILON / 2.0,
            1.0 + f64::EPSILON,
            f64::MIN_POSITIVE,
            f64::MAX,
        ]);
        while !xs.len().is_multiple_of(LANES) {
            xs.push(0.5);
        }
        for chunk in xs.chunks_exact(LANES) {
            let got = ln::<FMA>(chunk.try_into().unwrap());
            for (x, l) in chunk.iter().zip(got) {
                let want = x.ln();
                // Near x = 1 the result is tiny: there, compare with the scale of x − 1's log.
                let close = ulps(l, want) <= 2.0
                    || (l - want).abs() <= 2.0 * f64::EPSILON * (x - 1.0).abs();
                assert!(close, "ln({x}) = {l}, std {want}");
            }
        }
    }

    /// A chunk's loss, slope sum and gradient.
    type ChunkSums = (f64, f64, Vec<f64>);

    /// A chunk's sums with the gradient in `G` registers, and in memory.
    fn both_ways<const G: usize>(p: usize) -> (ChunkSums, ChunkSums) {
        struct Squares;
        impl SampleLoss for Squares {
            fn loss(&self, z: f64, y: f64) -> f64 {
                (z - y) * (z - y)
            }
            fn loss_and_slope(&self, z: f64, y: f64) -> (f64, f64) {
                ((z - y) * (z - y), 2.0 * (z - y))
            }
            fn curvature(&self, _z: f64, _y: f64) -> f64 {
                2.0
            }
        }
        let n = 8 * 37 + 5;
        let rows: Vec<f64> = (0..n * p).map(|i| ((i * 13) as f64 * 0.31).sin()).collect();
        let ys: Vec<f64> = (0..n).map(|i| ((i * 7) as f64 * 0.19).cos()).collect();
        let w: Vec<f64> = (0..p).map(|j| 0.1 * (j as f64 * 0.7).cos()).collect();
        let run = |registers: bool| {
            let mut g = vec![0.25; p];
            let (total, slope) = if registers {
                pass_in::<f64, _, true, true, G, false, false>(
                    &rows,
                    Targets {
                        y: &ys,
                        weight: None,
                    },
                    &w,
                    0.3,
                    &Squares,
                    &mut g,
                    &mut [],
                )
            } else {
                pass_in::<f64, _, true, true, 0, false, false>(
                    &rows,
                    Targets {
                        y: &ys,
                        weight: None,
                    },
                    &w,
                    0.3,
                    &Squares,
                    &mut g,
                    &mut [],
                )
            };
            (total, slope, g)
        };
        (run(true), run(false))
    }

    #[test]
    fn the_gradient_in_registers_is_the_same_bits_as_in_memory() {
        let (a, b) = both_ways::<1>(9);
        assert_eq!(a, b);
        let (a, b) = both_ways::<2>(16);
        assert_eq!(a, b);
        let (a, b) = both_ways::<6>(50);
        assert_eq!(a, b);
        let (a, b) = both_ways::<8>(67);
        assert_eq!(a, b);
    }

    #[test]
    fn ln_agrees_with_the_standard_library() {
        check_ln::<false>();
        check_ln::<true>();
    }

    #[test]
    fn log1p_agrees_with_the_standard_library() {
        check_log1p::<false>();
        check_log1p::<true>();
    }
}
