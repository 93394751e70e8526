//! Feature standardization as a change of variables: the objective of a linear model seen
//! in the coordinates of standardized features, without copying the features.

use crate::elastic_net::{ElasticNet, HessianBlock, Smooth};
use crate::features::with_rows;
use crate::linear::with_indicator_statistics;
#[cfg(test)]
use crate::Parameter;
use crate::{
    DesignMatrix, Element, Features, Gradient, Hessian, LinearModelLoss, Objective, ObjectiveError,
    RowShare,
};
use ndarray::{s, Array1, Array2, Axis, Zip};
use rayon::prelude::*;

/// Column means and population standard deviations of a feature matrix.
///
/// `std` is the population standard deviation `√((1/N) Σᵢ (xᵢⱼ − x̄ⱼ)²)`, as scikit-learn's
/// `StandardScaler` computes it. One pass over memory, with two sweeps over each block of rows
/// while it is in cache (mean, then squared deviations) merged pairwise, so the variance does
/// not lose digits to cancellation the way `E[x²] − E[x]²` does.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnStatistics {
    /// `x̄ⱼ`, the mean of each column.
    pub mean: Array1<f64>,
    /// `σⱼ`, the population standard deviation of each column.
    pub std: Array1<f64>,
    /// Which columns are constant (to rounding error): their variance is at most
    /// `N·ε·σ² + (N·x̄·ε)²`, scikit-learn's test. Standardizing leaves these unscaled.
    pub constant: Vec<bool>,
}

/// Rows per chunk of [`column_moments`]: chunks are merged in order, so the result does not
/// depend on the number of threads.
const MOMENT_ROWS: usize = 8192;

/// Values per block of [`column_moments`]: a block (256 KiB) stays in the L2 cache between
/// its two sweeps.
const MOMENT_BLOCK_VALUES: usize = 1 << 15;

/// The fewest rows per block of [`column_moments`] (for rows of over 2048 values, whose
/// blocks then outgrow the L2 cache and are swept the second time from L3).
const MOMENT_MIN_BLOCK_ROWS: usize = 16;

/// The count, column means and sums of squared deviations of a set of rows and, when targets
/// come with them, the targets' mean and sum of squared deviations and the co-moments
/// `Σᵢ (xᵢⱼ − x̄ⱼ)(yᵢ − ȳ)`. Means are kept relative to a shift (a row of the data and its
/// target), so that values far from zero with little spread (1e8 ± 1) keep their digits:
/// `x − shift` is exact for values within a factor of two.
#[derive(Debug)]
struct Moments {
    count: f64,
    shift: Vec<f64>,
    /// The means minus `shift`.
    mean: Vec<f64>,
    sum_sq: Vec<f64>,
    /// With targets: the co-moments (empty without).
    cross: Vec<f64>,
    /// With targets: their shift, mean minus shift, and sum of squared deviations.
    target: [f64; 3],
}

impl Moments {
    /// Two sweeps over `rows` (the column sums of `x − shift`, then the squared deviations
    /// from the means and their products with the targets'), the second from cache.
    fn of_block<T: Element>(rows: &[T], shift: &[f64], targets: Option<(&[f64], f64)>) -> Moments {
        let p = shift.len();
        let count = (rows.len() / p) as f64;
        let (mut mean, mut sum_sq) = (vec![0.0; p], vec![0.0; p]);
        let (mut cross, mut target) = (Vec::new(), [0.0; 3]);
        match targets {
            None => block_moments(rows, shift, &[], &mut mean, &mut sum_sq, &mut []),
            Some((ys, y_shift)) => {
                let y_mean = ys.iter().map(|y| y - y_shift).sum::<f64>() / count;
                let deviations: Vec<f64> = ys.iter().map(|y| (y - y_shift) - y_mean).collect();
                let y_sum_sq = deviations.iter().map(|e| e * e).sum();
                cross.resize(p, 0.0);
                block_moments(rows, shift, &deviations, &mut mean, &mut sum_sq, &mut cross);
                target = [y_shift, y_mean, y_sum_sq];
            }
        }
        Moments {
            count,
            shift: shift.to_vec(),
            mean,
            sum_sq,
            cross,
            target,
        }
    }

    /// The moments as one vector: `[count, target (3), shift, mean, sum_sq (p each), cross (p
    /// or none)]`, to pass between processes.
    fn to_flat(&self) -> Vec<f64> {
        let mut flat = vec![self.count];
        flat.extend_from_slice(&self.target);
        for part in [&self.shift, &self.mean, &self.sum_sq, &self.cross] {
            flat.extend_from_slice(part);
        }
        flat
    }

    /// The moments of [`to_flat`](Moments::to_flat)'s vector for `p` columns (`None` for an
    /// empty or malformed vector).
    fn from_flat(flat: &[f64], p: usize) -> Option<Moments> {
        let (&count, rest) = flat.split_first()?;
        let target: [f64; 3] = rest.get(..3)?.try_into().ok()?;
        let rest = &rest[3..];
        if rest.len() != 3 * p && rest.len() != 4 * p {
            return None;
        }
        let part = |k: usize| rest.get(k * p..(k + 1) * p).map(<[f64]>::to_vec);
        Some(Moments {
            count,
            shift: part(0)?,
            mean: part(1)?,
            sum_sq: part(2)?,
            cross: part(3).unwrap_or_default(),
            target,
        })
    }

    /// Adds the rows of `other` (Chan, Golub and LeVeque's pairwise update): with
    /// `δ = x̄_b − x̄_a` and `n = n_a + n_b`, `x̄ = x̄_a + δ·n_b/n` and
    /// `M₂ = M₂_a + M₂_b + δ²·n_a·n_b/n`; the co-moments likewise,
    /// `C = C_a + C_b + δₓ·δ_y·n_a·n_b/n`.
    fn merge(&mut self, other: &Moments) {
        let count = self.count + other.count;
        let (share, weight) = (other.count / count, self.count * other.count / count);
        let [shift, mean, sum_sq] = self.target;
        let [other_shift, other_mean, other_sum_sq] = other.target;
        let delta_y = (other_shift - shift) + (other_mean - mean);
        for j in 0..self.mean.len() {
            let delta = (other.shift[j] - self.shift[j]) + (other.mean[j] - self.mean[j]);
            self.mean[j] += delta * share;
            self.sum_sq[j] += other.sum_sq[j] + delta * delta * weight;
            if let (Some(c), Some(other_c)) = (self.cross.get_mut(j), other.cross.get(j)) {
                *c += other_c + delta * delta_y * weight;
            }
        }
        self.target = [
            shift,
            mean + delta_y * share,
            sum_sq + other_sum_sq + delta_y * delta_y * weight,
        ];
        self.count = count;
    }
}

/// Columns per group of [`block_moments`]: one vector of eight `f64` lanes.
const GROUP: usize = 8;

/// The two sweeps of [`Moments::of_block`]: `mean` gets the column means of `x − shift`,
/// `sum_sq` the sums of squared deviations `dᵢⱼ` from them and, when `deviations` holds the
/// targets' deviations `eᵢ` (one per row; empty without targets), `cross` gets `Σᵢ dᵢⱼ·eᵢ`.
///
/// The first sweep reads the block in memory order (for the prefetcher). The second, from
/// cache, takes eight columns at a time over every row of the block, so that the group's two
/// sums stay in registers (no load and store of an accumulator per value); when `p` is not a
/// multiple of eight the last group overlaps the one before it, and its overlapping columns
/// are recomputed by the same operations, to the same values. Compiled for AVX-512 and AVX2
/// as well as the baseline, chosen at run time.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512vl+fma", "x86_64+avx2+fma"))]
fn block_moments<T: Element>(
    rows: &[T],
    shift: &[f64],
    deviations: &[f64],
    mean: &mut [f64],
    sum_sq: &mut [f64],
    cross: &mut [f64],
) {
    let p = shift.len();
    let targets = !deviations.is_empty();
    match (p >= GROUP, targets) {
        (true, true) => sweep::<T, GROUP, true>(rows, shift, deviations, mean, sum_sq, cross),
        (true, false) => sweep::<T, GROUP, false>(rows, shift, deviations, mean, sum_sq, cross),
        (false, true) => sweep::<T, 1, true>(rows, shift, deviations, mean, sum_sq, cross),
        (false, false) => sweep::<T, 1, false>(rows, shift, deviations, mean, sum_sq, cross),
    }
}

/// [`block_moments`] in groups of `W` columns (`W ≤ p`), with the co-moments when `TARGETS`.
#[inline(always)]
fn sweep<T: Element, const W: usize, const TARGETS: bool>(
    rows: &[T],
    shift: &[f64],
    deviations: &[f64],
    mean: &mut [f64],
    sum_sq: &mut [f64],
    cross: &mut [f64],
) {
    let p = shift.len();
    let count = (rows.len() / p) as f64;
    // The first sweep goes row by row, in memory order, so that the hardware prefetcher
    // streams the block in; its sums are in L1.
    for row in rows.chunks_exact(p) {
        mean.iter_mut()
            .zip(row)
            .zip(shift)
            .for_each(|((m, &v), r)| *m += v.into() - r);
    }
    mean.iter_mut().for_each(|m| *m /= count);
    let mut next = 0;
    while next < p {
        let first = next.min(p - W);
        let columns = first..first + W;
        let mut s = [0.0; W];
        s.copy_from_slice(&shift[columns.clone()]);
        let mut m = [0.0; W];
        m.copy_from_slice(&mean[columns.clone()]);
        let (mut a, mut c) = ([0.0; W], [0.0; W]);
        for (i, row) in rows.chunks_exact(p).enumerate() {
            let v = &row[columns.clone()];
            let e = if TARGETS { deviations[i] } else { 0.0 };
            for k in 0..W {
                let d = (v[k].into() - s[k]) - m[k];
                a[k] += d * d;
                if TARGETS {
                    c[k] += d * e;
                }
            }
        }
        sum_sq[columns.clone()].copy_from_slice(&a);
        if TARGETS {
            cross[columns].copy_from_slice(&c);
        }
        next += W;
    }
}

/// What [`column_moments`] returns: column means and sums of squared deviations and, with
/// targets, the targets' mean, their sum of squared deviations and the co-moments.
pub(crate) struct ColumnMoments {
    pub(crate) mean: Array1<f64>,
    pub(crate) sum_sq: Array1<f64>,
    pub(crate) target_mean: f64,
    pub(crate) target_sum_sq: f64,
    pub(crate) cross: Array1<f64>,
}

/// Column means and sums of squared deviations `Σᵢ (xᵢⱼ − x̄ⱼ)²` of a row-major matrix of
/// `p` columns (and, with `targets`, the co-moments with them), in one pass over memory: each
/// block of rows is swept twice while it is in cache ([`Moments::of_block`], relative to the
/// chunk's first row), and blocks and chunks are merged in row order ([`Moments::merge`]);
/// chunks run in parallel, and the result is the same for any number of threads.
///
/// A NaN or infinite value leaves a NaN or infinite mean or sum of squares in its column
/// (`inf − inf` and `inf·0` are NaN, and a NaN or infinity stays in every sum it enters), so
/// finite results prove the columns finite.
pub(crate) fn column_moments<T: Element>(
    values: &[T],
    p: usize,
    targets: Option<&[f64]>,
) -> ColumnMoments {
    finish_moments(merged(None, moment_parts(values, p, targets)), p)
}

/// `total` (none yet: `None`) with `parts` merged into it, in order.
fn merged(total: Option<Moments>, parts: impl IntoIterator<Item = Moments>) -> Option<Moments> {
    parts.into_iter().fold(total, |total, part| match total {
        Some(mut total) => {
            total.merge(&part);
            Some(total)
        }
        None => Some(part),
    })
}

/// The moments of a feature matrix's rows and their targets (column means, sums of squared
/// deviations, co-moments with the targets, the targets' mean and sum of squares) as a loss's
/// checking pass computes them, chunk by chunk in row order, but computed elsewhere: while a
/// file is converted into a data cache, [`RowMomentsBuilder`] takes the rows a chunk at a time
/// as they are parsed. A loss built on a design that carries them
/// ([`DesignMatrix::with_moments`]) skips its own pass over `X` when they are the moments of
/// its rows and targets, with the same result to the bit; out of core that pass is a read of
/// the whole cache from disk.
///
/// "Of its rows and targets" is checked, not assumed: the shape, and a fingerprint of the first
/// row and of every target. A design whose moments do not match (other targets: a classifier's
/// labels other than 0 and 1, which its loss maps to 0 and 1) gets its pass as without them.
/// The check reads one row of `X` and no more: out of core, reading a row in every chunk would
/// cost as much as the pass it saves (each page fault in a memory-mapped file reads ahead
/// megabytes around it), so moments made from other values of the same shape, first row and
/// targets would be taken as the moments of these. A data cache pairs its moments with its own
/// rows ([`DesignMatrix::with_moments`] is how it hands them on).
///
/// ```
/// use descent_objectives::{DesignMatrix, LogLoss, RowMomentsBuilder, Gradient};
/// use ndarray::{array, s};
/// let x = array![[1.0, 2.0], [3.0, -1.0], [0.5, 0.5], [2.0, 0.0]];
/// let y = array![0.0, 1.0, 1.0, 0.0];
/// let mut builder = RowMomentsBuilder::new(2);
/// builder.add(x.as_slice().unwrap(), y.as_slice().unwrap())?;
/// let moments = builder.finish();
/// let design = DesignMatrix::from(&x).with_moments(&moments);
/// let w = array![0.2, -0.1, 0.3];
/// let with = LogLoss::new(design, &y)?.value_and_gradient(&w);
/// assert_eq!(with, LogLoss::new(&x, &y)?.value_and_gradient(&w)); // the same bits
/// # Ok::<(), descent_objectives::ObjectiveError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RowMoments {
    rows: usize,
    columns: usize,
    fingerprint: u64,
    /// The merged moments ([`Moments::to_flat`]).
    values: Vec<f64>,
}

/// Builds [`RowMoments`] from the rows of a matrix and their targets, given in order a chunk of
/// [`CHUNK_ROWS`](RowMomentsBuilder::CHUNK_ROWS) rows at a time (the last chunk may be shorter):
/// each chunk's moments are those of the loss's checking pass, merged in the same order.
#[derive(Debug)]
pub struct RowMomentsBuilder {
    columns: usize,
    rows: usize,
    total: Option<Moments>,
    fingerprint: u64,
    /// Whether a short chunk has come, which must be the last.
    ended: bool,
}

impl RowMomentsBuilder {
    /// Rows per chunk given to [`add`](RowMomentsBuilder::add): the checking pass's chunks.
    pub const CHUNK_ROWS: usize = MOMENT_ROWS;

    /// A builder for rows of `columns` values.
    pub fn new(columns: usize) -> Self {
        RowMomentsBuilder {
            columns,
            rows: 0,
            total: None,
            fingerprint: FINGERPRINT_SEED,
            ended: false,
        }
    }

    /// Adds the next chunk: `targets.len()` rows, row-major in `values`.
    ///
    /// # Errors
    /// [`ObjectiveError::ShapeMismatch`] for values that are not `columns` per target, a chunk
    /// of more than [`CHUNK_ROWS`](Self::CHUNK_ROWS) rows, or a chunk after a short one.
    pub fn add<T: Element>(&mut self, values: &[T], targets: &[f64]) -> Result<(), ObjectiveError> {
        let n = targets.len();
        if self.columns == 0 || values.len() != n * self.columns {
            return Err(ObjectiveError::ShapeMismatch {
                what: "a chunk's values (its rows times the columns)",
                expected: n * self.columns,
                found: values.len(),
            });
        }
        if n > MOMENT_ROWS || (self.ended && n > 0) {
            return Err(ObjectiveError::ShapeMismatch {
                what: "a chunk's rows (8192, fewer only in the last chunk)",
                expected: MOMENT_ROWS,
                found: n,
            });
        }
        if n == 0 {
            return Ok(());
        }
        self.ended = n < MOMENT_ROWS;
        let first_row: &[T] = if self.rows == 0 {
            &values[..self.columns]
        } else {
            &[]
        };
        self.fingerprint = fingerprint(self.fingerprint, first_row, targets);
        self.total = merged(
            self.total.take(),
            moment_parts(values, self.columns, Some(targets)),
        );
        self.rows += n;
        Ok(())
    }

    /// The moments of every row added.
    pub fn finish(self) -> RowMoments {
        RowMoments {
            rows: self.rows,
            columns: self.columns,
            fingerprint: self.fingerprint,
            values: self.total.map_or_else(Vec::new, |t| t.to_flat()),
        }
    }
}

impl RowMoments {
    /// The number of rows the moments are of.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The moments as bytes, to store (little-endian: rows, columns, fingerprint and the
    /// number of values as `u64`, then the values as `f64`).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(Self::bytes_for(self.columns));
        for word in [
            self.rows as u64,
            self.columns as u64,
            self.fingerprint,
            self.values.len() as u64,
        ] {
            bytes.extend_from_slice(&word.to_le_bytes());
        }
        for v in &self.values {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        bytes
    }

    /// The moments of [`to_bytes`](RowMoments::to_bytes)'s bytes; `None` for bytes that are
    /// not such moments.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let word = |k: usize| -> Option<u64> {
            Some(u64::from_le_bytes(
                bytes.get(8 * k..8 * k + 8)?.try_into().ok()?,
            ))
        };
        let (rows, columns) = (
            usize::try_from(word(0)?).ok()?,
            usize::try_from(word(1)?).ok()?,
        );
        let (fingerprint, count) = (word(2)?, usize::try_from(word(3)?).ok()?);
        if bytes.len() != 32 + 8 * count || (count != 0 && count != 4 + 4 * columns) {
            return None;
        }
        let values = bytes[32..]
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
            .collect();
        Some(RowMoments {
            rows,
            columns,
            fingerprint,
            values,
        })
    }

    /// The length of [`to_bytes`](RowMoments::to_bytes) for `columns` columns (and at least
    /// one row).
    pub fn bytes_for(columns: usize) -> usize {
        32 + 8 * (4 + 4 * columns)
    }

    /// These moments as the checking pass returns them, if they are of `values` (`p` columns)
    /// and `targets` (see the type's documentation for what is checked).
    pub(crate) fn of<T: Element>(
        &self,
        values: &[T],
        p: usize,
        targets: &[f64],
    ) -> Option<ColumnMoments> {
        let n = targets.len();
        if n != self.rows || p != self.columns || p == 0 || values.len() != n * p {
            return None;
        }
        if fingerprint(FINGERPRINT_SEED, &values[..p], targets) != self.fingerprint {
            return None;
        }
        Some(finish_moments(Moments::from_flat(&self.values, p), p))
    }
}

/// Where a [`RowMoments`] fingerprint starts (FNV-1a's offset basis).
const FINGERPRINT_SEED: u64 = 0xcbf2_9ce4_8422_2325;

/// `h` with the bits of `first_row` and then of `targets` folded in (FNV-1a over 64-bit words):
/// folding the first row and every chunk's targets in turn gives the fingerprint of the first
/// row and all the targets.
fn fingerprint<T: Element>(h: u64, first_row: &[T], targets: &[f64]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let words = first_row
        .iter()
        .map(|&v| Into::<f64>::into(v).to_bits())
        .chain(targets.iter().map(|t| t.to_bits()));
    words.fold(h, |h, word| (h ^ word).wrapping_mul(PRIME))
}

/// [`column_moments`] of rows shared among processes: each process's chunks are merged, in
/// row order, into the running moments of the processes before it ([`RowShare::fold`]), so
/// the merges are those of [`column_moments`] over all the rows, in the same order, and the
/// result is the same to the bit. A process without rows passes the moments on.
pub(crate) fn shared_column_moments<T: Element>(
    values: &[T],
    p: usize,
    targets: Option<&[f64]>,
    share: &RowShare,
) -> ColumnMoments {
    let parts = moment_parts(values, p, targets);
    let flat = share.fold(|before| {
        let total = merged(before.and_then(|b| Moments::from_flat(&b, p)), parts);
        total.map_or_else(Vec::new, |t| t.to_flat())
    });
    finish_moments(Moments::from_flat(&flat, p), p)
}

/// The moments of each chunk of [`MOMENT_ROWS`] rows, in row order (chunks in parallel).
fn moment_parts<T: Element>(values: &[T], p: usize, targets: Option<&[f64]>) -> Vec<Moments> {
    // At least MOMENT_MIN_BLOCK_ROWS rows: a merge costs O(p), as much as sweeping a few rows,
    // and wide rows would otherwise give blocks of one to three rows, half the pass in merges.
    let block_rows = (MOMENT_BLOCK_VALUES / p).clamp(MOMENT_MIN_BLOCK_ROWS, MOMENT_ROWS);
    values
        .par_chunks(MOMENT_ROWS * p)
        .enumerate()
        .map(|(c, chunk)| {
            let shift: Vec<f64> = chunk[..p].iter().map(|&v| v.into()).collect();
            let ys = targets.map(|t| &t[c * MOMENT_ROWS..][..chunk.len() / p]);
            let y_shift = ys.map_or(0.0, |ys| ys[0]);
            let blocks = chunk.chunks(block_rows * p).enumerate().map(|(b, block)| {
                let block_ys = ys.map(|ys| (&ys[b * block_rows..][..block.len() / p], y_shift));
                Moments::of_block(block, &shift, block_ys)
            });
            merged(None, blocks)
        })
        .flatten()
        .collect()
}

/// The [`ColumnMoments`] of the merged moments (zeros for no rows).
fn finish_moments(total: Option<Moments>, p: usize) -> ColumnMoments {
    let Some(total) = total else {
        return ColumnMoments {
            mean: Array1::zeros(p),
            sum_sq: Array1::zeros(p),
            target_mean: 0.0,
            target_sum_sq: 0.0,
            cross: Array1::zeros(p),
        };
    };
    let [y_shift, y_mean, y_sum_sq] = total.target;
    ColumnMoments {
        mean: Array1::from(total.shift) + Array1::from(total.mean),
        sum_sq: Array1::from(total.sum_sq),
        target_mean: y_shift + y_mean,
        target_sum_sq: y_sum_sq,
        cross: Array1::from(total.cross),
    }
}

impl ColumnStatistics {
    /// Means and standard deviations of the columns of `x`.
    ///
    /// ```
    /// use descent_objectives::ColumnStatistics;
    /// use ndarray::array;
    /// let stats = ColumnStatistics::of(array![[1.0, 5.0], [3.0, 5.0]].view())?;
    /// assert_eq!(stats.mean, array![2.0, 5.0]);
    /// assert_eq!(stats.std, array![1.0, 0.0]);
    /// assert_eq!(stats.constant, vec![false, true]);
    /// assert_eq!(stats.scale(), array![1.0, 1.0]); // a constant column is left unscaled
    /// # Ok::<(), descent_objectives::ObjectiveError>(())
    /// ```
    ///
    /// # Errors
    /// A matrix without rows or columns.
    ///
    /// For a design with categorical columns, the dense block's statistics are followed by
    /// those of each level's indicator column (see [`DesignMatrix`]).
    pub fn of<'x>(x: impl Into<DesignMatrix<'x>>) -> Result<Self, ObjectiveError> {
        let design = x.into();
        if design.nrows() == 0 || design.ncols() == 0 {
            return Err(ObjectiveError::EmptyData(
                "cannot compute column statistics of an empty matrix",
            ));
        }
        let dense = match design.dense().ncols() {
            0 => None,
            _ => Some(Self::of_dense(design.dense())),
        };
        Ok(match design.categorical() {
            [] => {
                dense.unwrap_or_else(|| Self::from_moments(0.0, Array1::zeros(0), Array1::zeros(0)))
            }
            columns => with_indicator_statistics(dense, columns, design.nrows() as f64),
        })
    }

    /// The statistics of a dense matrix with rows and columns.
    fn of_dense(x: &Features<'_>) -> Self {
        let n = x.nrows() as f64;
        let p = x.ncols();
        let by_moments = || with_rows!(&x, values => Some(column_moments(values, p, None)));
        let (mean, sum_sq) = match by_moments() {
            Some(moments) => (moments.mean, moments.sum_sq),
            None => {
                // An `f64` matrix in another layout (an `f32` one is always row-major).
                let x = x.to_f64();
                let mean = x.sum_axis(Axis(0)) / n;
                let mut sum_sq = Array1::<f64>::zeros(x.ncols());
                for row in x.rows() {
                    Zip::from(&mut sum_sq)
                        .and(&row)
                        .and(&mean)
                        .for_each(|acc, &v, &m| *acc += (v - m) * (v - m));
                }
                (mean, sum_sq)
            }
        };
        Self::from_moments(n, mean, sum_sq)
    }

    /// The statistics of `n` rows with column means `mean` and sums of squared deviations
    /// `sum_sq`.
    pub(crate) fn from_moments(n: f64, mean: Array1<f64>, sum_sq: Array1<f64>) -> Self {
        let variance = sum_sq / n;
        let constant = Zip::from(&variance)
            .and(&mean)
            .map_collect(|&var, &m| {
                let bound = n * f64::EPSILON * var + (n * m * f64::EPSILON).powi(2);
                var <= bound
            })
            .to_vec();
        ColumnStatistics {
            mean,
            std: variance.mapv(f64::sqrt),
            constant,
        }
    }

    /// Whether these statistics prove every value of their matrix finite: a NaN or infinite
    /// value leaves its column's mean or deviation NaN or infinite (`∞ − ∞` is NaN, and a NaN
    /// or an infinity stays in every sum it enters), so finite statistics rule one out. `false` does not prove the contrary: finite values whose
    /// squares overflow (beyond about 1e154) give an infinite deviation too.
    ///
    /// ```
    /// use descent_objectives::ColumnStatistics;
    /// use ndarray::array;
    /// assert!(ColumnStatistics::of(array![[1.0, 5.0], [3.0, 5.0]].view())?.proves_finite());
    /// assert!(!ColumnStatistics::of(array![[1.0, f64::NAN], [3.0, 5.0]].view())?.proves_finite());
    /// # Ok::<(), descent_objectives::ObjectiveError>(())
    /// ```
    pub fn proves_finite(&self) -> bool {
        self.mean.iter().chain(&self.std).all(|v| v.is_finite())
    }

    /// The divisor used to standardize each column: `σⱼ`, or 1 for a constant column.
    pub fn scale(&self) -> Array1<f64> {
        self.scale_with_ridge(0.0)
    }

    /// `√(σⱼ² + ridge)`, with the variance of a constant column taken as 0, and 1 where that
    /// is 0: the scale that evens out the Hessian's diagonal when an L2 penalty adds `ridge`
    /// (in units of the loss's curvature) to every coefficient (see
    /// [`Standardized::with_scale`]). `ridge = 0` gives [`scale`](Self::scale).
    ///
    /// ```
    /// use descent_objectives::ColumnStatistics;
    /// use ndarray::array;
    /// let stats = ColumnStatistics::of(array![[1.0, 5.0], [3.0, 5.0]].view())?;
    /// assert_eq!(stats.scale_with_ridge(3.0), array![2.0, 3f64.sqrt()]);
    /// # Ok::<(), descent_objectives::ObjectiveError>(())
    /// ```
    pub fn scale_with_ridge(&self, ridge: f64) -> Array1<f64> {
        Zip::from(&self.std)
            .and(&self.constant[..])
            .map_collect(|&s, &constant| {
                let variance = if constant { 0.0 } else { s * s };
                match (variance + ridge).sqrt() {
                    scale if scale > 0.0 => scale,
                    _ => 1.0,
                }
            })
    }
}

/// A linear model's objective `F(w, b)` in the coordinates of standardized features.
///
/// With column means `m` and scales `s`, the standardized features are `x̃ⱼ = (xⱼ − mⱼ)/sⱼ`,
/// and a model `x̃·v + c` on them is the model `x·w + b` on the original features with
///
/// `w = v ⊘ s`, `b = c − m·(v ⊘ s)`, written `θ = T·(v, c)`.
///
/// This wrapper evaluates `G(v, c) = F(T·(v, c))` without ever forming `x̃`: the data stay as
/// they are and only the parameters are mapped. Its derivatives follow by the chain rule,
/// `∇G = Tᵀ∇F` and `∇²G = Tᵀ(∇²F)T`. Minimizing `G` and mapping the result back with
/// [`to_original`](Standardized::to_original) minimizes `F` (T is invertible), but a solver
/// sees a far better conditioned problem when the features span orders of magnitude: this is
/// diagonal preconditioning plus centering. The penalty inside `F` keeps its meaning on the
/// original scale.
///
/// Without an intercept there is nothing to absorb the shift, so only scaling is applied
/// (`w = v ⊘ s`).
///
/// ```
/// use descent_objectives::{ColumnStatistics, Gradient, L2Regularized, LogLoss, Objective, Standardized};
/// use ndarray::array;
///
/// let x = array![[100.0, 0.001], [300.0, 0.002], [200.0, 0.004], [400.0, 0.003]];
/// let y = array![0.0, 1.0, 0.0, 1.0];
/// let f = L2Regularized::with_c(LogLoss::new(&x, &y)?, 1.0)?;
/// let stats = ColumnStatistics::of(x.view())?;
/// let g = Standardized::new(&f, &stats)?;
/// let v = array![0.5, -0.25, 0.1];
/// let theta = g.to_original(&v);
/// assert!((g.value(&v) - f.value(&theta)).abs() < 1e-15);
/// assert!((&g.from_original(&theta) - &v).iter().all(|d| d.abs() < 1e-12));
/// # Ok::<(), descent_objectives::ObjectiveError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Standardized<O> {
    inner: O,
    /// `mⱼ` when an intercept absorbs the centering, otherwise `None`.
    mean: Option<Array1<f64>>,
    /// `1/sⱼ`.
    inverse_scale: Array1<f64>,
}

impl<O: LinearModelLoss> Standardized<O> {
    /// `inner` in the coordinates of features standardized with `stats`: centered by the
    /// means (only when `inner` fits an intercept) and divided by [`ColumnStatistics::scale`].
    ///
    /// # Errors
    /// Statistics for another number of features.
    pub fn new(inner: O, stats: &ColumnStatistics) -> Result<Self, ObjectiveError> {
        let scale = stats.scale();
        Self::with_scale(inner, &stats.mean, &scale)
    }

    /// `inner` in the coordinates `x̃ⱼ = (xⱼ − meanⱼ)/scaleⱼ` for any positive scales (the
    /// centering only when `inner` fits an intercept).
    ///
    /// Scaling by the standard deviation makes the loss's curvature uniform, but an L2
    /// penalty `(λ/2)‖w‖²` then weighs `λ/sⱼ²` on coordinate `j`; when the penalty dominates
    /// (small `C` on raw features), `sⱼ = √(σⱼ² + λ/c)`, with `c` the loss's second derivative
    /// at the start, balances the two (the square root of the Hessian's diagonal at `w = 0`,
    /// over `c`).
    ///
    /// # Errors
    /// A mean or scale of another length than the number of features, or a scale that is not
    /// finite and positive.
    pub fn with_scale(
        inner: O,
        mean: &Array1<f64>,
        scale: &Array1<f64>,
    ) -> Result<Self, ObjectiveError> {
        if inner.n_outputs() != 1 {
            return Err(ObjectiveError::InvalidParameter {
                name: "number of outputs",
                value: inner.n_outputs() as f64,
                reason: "standardized coordinates are defined for losses of one linear predictor",
            });
        }
        let p = inner.n_features();
        for (what, found) in [
            ("feature means", mean.len()),
            ("feature scales", scale.len()),
        ] {
            if found != p {
                return Err(ObjectiveError::ShapeMismatch {
                    what,
                    expected: p,
                    found,
                });
            }
        }
        if let Some(&bad) = scale.iter().find(|s| !(s.is_finite() && **s > 0.0)) {
            return Err(ObjectiveError::InvalidParameter {
                name: "feature scale",
                value: bad,
                reason: "must be finite and positive",
            });
        }
        let mean = inner.fit_intercept().then(|| mean.clone());
        Ok(Standardized {
            inner,
            mean,
            inverse_scale: scale.mapv(f64::recip),
        })
    }

    /// The objective on the original scale.
    pub fn inner(&self) -> &O {
        &self.inner
    }

    fn p(&self) -> usize {
        self.inverse_scale.len()
    }

    /// `1/sⱼ`, the factors by which standardized coefficients scale into original ones
    /// (`wⱼ = ṽⱼ/sⱼ`): a penalty on `w` is, in these coordinates,
    /// [`ElasticNet::weighted`] by them.
    pub fn penalty_factors(&self) -> &Array1<f64> {
        &self.inverse_scale
    }

    /// `θ = T·(v, c)`: `w = v ⊘ s`, `b = c − m·w`.
    pub fn to_original(&self, standardized: &Array1<f64>) -> Array1<f64> {
        let p = self.p();
        let mut theta = standardized.clone();
        theta
            .slice_mut(s![..p])
            .zip_mut_with(&self.inverse_scale, |v, d| *v *= d);
        if let Some(mean) = &self.mean {
            theta[p] -= mean.dot(&theta.slice(s![..p]));
        }
        theta
    }

    /// `(v, c) = T⁻¹·θ`: `v = w ⊙ s`, `c = b + m·w`.
    pub fn from_original(&self, original: &Array1<f64>) -> Array1<f64> {
        let p = self.p();
        let mut v = original.clone();
        if let Some(mean) = &self.mean {
            v[p] += mean.dot(&original.slice(s![..p]));
        }
        v.slice_mut(s![..p])
            .zip_mut_with(&self.inverse_scale, |v, d| *v /= d);
        v
    }

    /// `Tᵀ·g`: `(g_w − m·g_b) ⊘ s` for the coefficients, `g_b` for the intercept.
    fn pull_back(&self, mut gradient: Array1<f64>) -> Array1<f64> {
        let p = self.p();
        if let Some(mean) = &self.mean {
            let g_b = gradient[p];
            gradient.slice_mut(s![..p]).scaled_add(-g_b, mean);
        }
        gradient
            .slice_mut(s![..p])
            .zip_mut_with(&self.inverse_scale, |g, d| *g *= d);
        gradient
    }
}

impl<O: LinearModelLoss> Objective for Standardized<O> {
    type Param = Array1<f64>;

    fn value(&self, v: &Array1<f64>) -> f64 {
        self.inner.value(&self.to_original(v))
    }

    fn dimension(&self) -> Option<usize> {
        self.inner.dimension()
    }
}

impl<O: LinearModelLoss> Gradient for Standardized<O> {
    fn gradient(&self, v: &Array1<f64>) -> Array1<f64> {
        self.pull_back(self.inner.gradient(&self.to_original(v)))
    }

    fn value_and_gradient(&self, v: &Array1<f64>) -> (f64, Array1<f64>) {
        let (value, gradient) = self.inner.value_and_gradient(&self.to_original(v));
        (value, self.pull_back(gradient))
    }

    /// The size of the original objective's gradient at the same point: with `G = Tᵀg`,
    /// `g = T⁻ᵀG` is `g_b = G_c` and `g_w = s ⊙ G_v + m·G_c`, measured by the original
    /// objective's own [`gradient_norm`](Gradient::gradient_norm). A tolerance on it means
    /// what it means on the user's scale, whatever the preconditioning.
    fn gradient_norm(&self, gradient: &Array1<f64>) -> f64 {
        let p = self.p();
        let mut original = gradient.clone();
        original
            .slice_mut(s![..p])
            .zip_mut_with(&self.inverse_scale, |g, d| *g /= d);
        if let Some(mean) = &self.mean {
            let g_b = original[p];
            original.slice_mut(s![..p]).scaled_add(g_b, mean);
        }
        self.inner.gradient_norm(&original)
    }
}

impl<O: LinearModelLoss + Hessian> Hessian for Standardized<O> {
    /// `Tᵀ H T` in `O(p²)`: with `D = diag(1/s)` and, with an intercept,
    /// `T = [[D, 0], [−mᵀD, 1]]`, so
    /// `(TᵀHT)ᵢⱼ = dᵢdⱼ(Hᵢⱼ − mᵢH_bⱼ − mⱼH_iᵦ + mᵢmⱼH_bb)`, `(TᵀHT)_iᵦ = dᵢ(H_iᵦ − mᵢH_bb)`.
    fn hessian(&self, v: &Array1<f64>) -> Array2<f64> {
        let mut h = self.inner.hessian(&self.to_original(v));
        let p = self.p();
        if let Some(mean) = &self.mean {
            let h_bb = h[[p, p]];
            // Column b: H_ib, and the new column b, H_ib − m_i H_bb (H is symmetric, so row b
            // is its transpose).
            let original_column_b = h.slice(s![..p, p]).to_owned();
            let column_b = &original_column_b - &(h_bb * mean);
            // H_ij − m_i H_bj − m_j H_ib + m_i m_j H_bb = H_ij − m_i·colb'_j − m_j·H_ib
            for i in 0..p {
                for j in 0..p {
                    h[[i, j]] -= mean[i] * column_b[j] + mean[j] * original_column_b[i];
                }
            }
            h.slice_mut(s![..p, p]).assign(&column_b);
            h.slice_mut(s![p, ..p]).assign(&column_b);
        }
        let d = &self.inverse_scale;
        for i in 0..p {
            for j in 0..p {
                h[[i, j]] *= d[i] * d[j];
            }
        }
        if h.nrows() > p {
            for i in 0..p {
                h[[i, p]] *= d[i];
                h[[p, i]] *= d[i];
            }
        }
        h
    }
}

impl<O: LinearModelLoss + Smooth> Smooth for Standardized<O> {
    /// The gap of the same point of the original problem: the objective values are equal,
    /// and `penalty`, weighted for these coordinates, is mapped back.
    fn duality_gap(&self, v: &Array1<f64>, penalty: &ElasticNet) -> Option<f64> {
        let original = penalty
            .weighted(&self.inverse_scale.mapv(f64::recip))
            .ok()?;
        self.inner.duality_gap(&self.to_original(v), &original)
    }
}

impl<O: LinearModelLoss + HessianBlock> HessianBlock for Standardized<O> {
    /// `(TᵀHT)` on `indices` from the inner Hessian on `indices` and the intercept alone (a
    /// standardized coefficient moves its original coefficient and, through the centering,
    /// the intercept): the cost of a block of the original problem one larger.
    fn hessian_block(&self, v: &Array1<f64>, indices: &[usize]) -> Array2<f64> {
        let p = self.p();
        let d = &self.inverse_scale;
        let theta = self.to_original(v);
        let Some(mean) = &self.mean else {
            let mut h = self.inner.hessian_block(&theta, indices);
            for (a, &i) in indices.iter().enumerate() {
                for (c, &j) in indices.iter().enumerate() {
                    h[[a, c]] *= scale_of(d, i, p) * scale_of(d, j, p);
                }
            }
            return h;
        };
        // The block on indices ∪ {b}, b = p the intercept (the largest index, so last).
        let mut extended = indices.to_vec();
        if extended.last() != Some(&p) {
            extended.push(p);
        }
        let h = self.inner.hessian_block(&theta, &extended);
        let b = extended.len() - 1;
        let h_bb = h[[b, b]];
        // Column b of TᵀHT before scaling: H_ib − mᵢH_bb for a coefficient i, H_bb for b.
        let shift = |i: usize| if i < p { mean[i] } else { 0.0 };
        let m = indices.len();
        Array2::from_shape_fn((m, m), |(a, c)| {
            let (i, j) = (indices[a], indices[c]);
            let (mi, mj) = (shift(i), shift(j));
            let value = h[[a, c]] - mi * h[[b, c]] - mj * h[[a, b]] + mi * mj * h_bb;
            value * scale_of(d, i, p) * scale_of(d, j, p)
        })
    }
}

/// `dᵢ = 1/sᵢ` for a coefficient, 1 for the intercept.
fn scale_of(d: &Array1<f64>, i: usize, p: usize) -> f64 {
    if i < p {
        d[i]
    } else {
        1.0
    }
}

impl<O: LinearModelLoss> LinearModelLoss for Standardized<O> {
    fn n_samples(&self) -> usize {
        self.inner.n_samples()
    }
    fn sample_weight_sum(&self) -> f64 {
        self.inner.sample_weight_sum()
    }
    fn n_features(&self) -> usize {
        self.inner.n_features()
    }
    fn fit_intercept(&self) -> bool {
        self.inner.fit_intercept()
    }
}

/// A copy of `x` standardized with `stats`, row by row, for tests and small data: `(x − m) ⊘ s`.
#[cfg(test)]
fn standardize(x: ndarray::ArrayView2<'_, f64>, stats: &ColumnStatistics) -> Array2<f64> {
    let scale = stats.scale();
    let mut out = x.to_owned();
    for mut row in out.rows_mut() {
        Zip::from(&mut row)
            .and(&stats.mean)
            .and(&scale)
            .for_each(|v, &m, &s| *v = (*v - m) / s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{L2Regularized, LogLoss, MeanSquaredError};
    use ndarray::array;

    #[test]
    fn one_pass_moments_match_two_passes_over_many_chunks_and_blocks() {
        // Columns with a large offset (where E[x²] − E[x]² would lose every digit), over more
        // rows than a chunk, and a width whose blocks do not divide the chunk.
        for p in [1, 3, 7000] {
            let n = if p > 100 { 40 } else { 2 * MOMENT_ROWS + 1234 };
            let x = Array2::from_shape_fn((n, p), |(i, j)| {
                1e8 * (j as f64 + 1.0) + ((i * 7 + j) as f64 * 0.37).sin()
            });
            let stats = ColumnStatistics::of(x.view()).unwrap();
            for (j, column) in x.columns().into_iter().enumerate() {
                // The reference: two passes over the whole column, relative to its first value
                // (without the shift, the reference itself loses digits at 1e10).
                let r = column[0];
                let shifted = column.iter().map(|v| v - r).sum::<f64>() / n as f64;
                let mean = r + shifted;
                let var = column
                    .iter()
                    .map(|v| ((v - r) - shifted) * ((v - r) - shifted))
                    .sum::<f64>()
                    / n as f64;
                assert!(
                    (stats.mean[j] - mean).abs() <= 1e-14 * mean.abs(),
                    "p {p}, column {j}"
                );
                assert!(
                    (stats.std[j] - var.sqrt()).abs() <= 1e-12 * var.sqrt(),
                    "p {p}, column {j}: {} against {}",
                    stats.std[j],
                    var.sqrt()
                );
            }
        }
    }

    #[test]
    fn co_moments_with_the_targets_match_two_passes() {
        // Widths below one group, of whole groups, and with an overlapping last group; rows
        // over several chunks; columns and targets far from zero.
        for p in [1, 5, 8, 13, 24, 50] {
            let n = 2 * MOMENT_ROWS + 777;
            let x = Array2::from_shape_fn((n, p), |(i, j)| {
                1e6 * (j as f64 - 2.0) + ((i * 13 + j * 5) as f64 * 0.29).sin()
            });
            let y = Array1::from_shape_fn(n, |i| 3e5 + ((i * 3) as f64 * 0.71).cos());
            let moments = column_moments(x.as_slice().unwrap(), p, Some(y.as_slice().unwrap()));
            let plain = column_moments(x.as_slice().unwrap(), p, None);
            // The targets change nothing about the columns' own moments.
            assert_eq!(
                (&moments.mean, &moments.sum_sq),
                (&plain.mean, &plain.sum_sq)
            );
            let nf = n as f64;
            let y_mean = y[0] + y.iter().map(|v| v - y[0]).sum::<f64>() / nf;
            let e: Vec<f64> = y.iter().map(|v| v - y_mean).collect();
            let y_sum_sq: f64 = e.iter().map(|e| e * e).sum();
            assert!((moments.target_mean - y_mean).abs() <= 1e-14 * y_mean.abs());
            assert!((moments.target_sum_sq - y_sum_sq).abs() <= 1e-12 * y_sum_sq);
            for (j, column) in x.columns().into_iter().enumerate() {
                let r = column[0];
                let mean = r + column.iter().map(|v| v - r).sum::<f64>() / nf;
                let cross: f64 = column.iter().zip(&e).map(|(v, e)| (v - mean) * e).sum();
                let sum_sq: f64 = column.iter().map(|v| (v - mean) * (v - mean)).sum();
                // The co-moment is measured against the scale it could have: √(Sxx·Syy).
                let bound = 1e-12 * (sum_sq * y_sum_sq).sqrt();
                assert!(
                    (moments.cross[j] - cross).abs() <= bound,
                    "p {p}, column {j}: {} against {cross}",
                    moments.cross[j]
                );
            }
        }
    }

    #[test]
    fn hessian_blocks_are_the_blocks_of_the_hessian() {
        let x = array![
            [100.0, 0.001, 3.0],
            [300.0, 0.002, -1.0],
            [200.0, 0.004, 0.5],
            [400.0, 0.003, 2.0],
            [250.0, 0.001, 1.0]
        ];
        let y = array![0.0, 1.0, 0.0, 1.0, 1.0];
        let stats = ColumnStatistics::of(x.view()).unwrap();
        let v = array![0.5, -0.25, 0.1, 0.3];
        for intercept in [true, false] {
            let logistic = LogLoss::new(&x, &y).unwrap().fit_intercept(intercept);
            let squares = MeanSquaredError::new(&x, &y)
                .unwrap()
                .fit_intercept(intercept);
            let n = 3 + usize::from(intercept);
            let v = v.slice(s![..n]).to_owned();
            let sets: Vec<Vec<usize>> = vec![vec![0, 2], vec![1], (0..n).collect(), vec![1, n - 1]];
            for set in &sets {
                let check = |full: Array2<f64>, block: Array2<f64>| {
                    for (a, &i) in set.iter().enumerate() {
                        for (c, &j) in set.iter().enumerate() {
                            assert!(
                                (block[[a, c]] - full[[i, j]]).abs()
                                    <= 1e-12 * full[[i, j]].abs().max(1.0),
                                "{set:?} ({i}, {j}): {} vs {}",
                                block[[a, c]],
                                full[[i, j]]
                            );
                        }
                    }
                };
                let g = Standardized::new(&logistic, &stats).unwrap();
                check(g.hessian(&v), g.hessian_block(&v, set));
                let g = Standardized::new(&squares, &stats).unwrap();
                check(g.hessian(&v), g.hessian_block(&v, set));
            }
        }
    }

    fn data() -> (Array2<f64>, Array1<f64>) {
        (
            array![
                [120.0, 0.003, 1.0],
                [340.0, 0.001, 1.0],
                [80.0, 0.004, 1.0],
                [410.0, 0.002, 1.0],
                [260.0, 0.005, 1.0]
            ],
            array![0.0, 1.0, 0.0, 1.0, 1.0],
        )
    }

    #[test]
    fn matches_the_loss_on_explicitly_standardized_features() {
        // Without a penalty, G(v, c) is the log loss of the standardized features.
        let (x, y) = data();
        let stats = ColumnStatistics::of(x.view()).unwrap();
        assert_eq!(stats.constant, vec![false, false, true]);
        let xs = standardize(x.view(), &stats);
        let on_standardized = LogLoss::new(&xs, &y).unwrap();
        let g = Standardized::new(LogLoss::new(&x, &y).unwrap(), &stats).unwrap();
        let v = array![0.7, -1.3, 0.2, 0.4];
        assert!((g.value(&v) - on_standardized.value(&v)).abs() < 1e-14);
        let (g1, g2) = (g.gradient(&v), on_standardized.gradient(&v));
        assert!((&g1 - &g2).iter().all(|d| d.abs() < 1e-14), "{g1} vs {g2}");
        let (h1, h2) = (g.hessian(&v), on_standardized.hessian(&v));
        assert!((&h1 - &h2).iter().all(|d| d.abs() < 1e-14), "{h1} vs {h2}");
    }

    #[test]
    fn gradient_norm_is_that_of_the_original_objective() {
        let (x, y) = data();
        let stats = ColumnStatistics::of(x.view()).unwrap();
        for intercept in [true, false] {
            let f =
                L2Regularized::with_c(LogLoss::new(&x, &y).unwrap().fit_intercept(intercept), 3.0)
                    .unwrap();
            let g = Standardized::new(&f, &stats).unwrap();
            let v = if intercept {
                array![0.3, -0.8, 0.1, 0.6]
            } else {
                array![0.3, -0.8, 0.1]
            };
            let measured = g.gradient_norm(&g.gradient(&v));
            let expected = f.gradient(&g.to_original(&v)).norm();
            assert!(
                (measured - expected).abs() < 1e-14 * expected,
                "{measured} vs {expected}"
            );
        }
    }

    #[test]
    fn without_intercept_only_scales() {
        let (x, y) = data();
        let stats = ColumnStatistics::of(x.view()).unwrap();
        let f =
            L2Regularized::with_c(LogLoss::new(&x, &y).unwrap().fit_intercept(false), 2.0).unwrap();
        let g = Standardized::new(&f, &stats).unwrap();
        let v = array![0.5, 0.5, 0.5];
        let theta = g.to_original(&v);
        assert!((theta[0] - 0.5 / stats.std[0]).abs() < 1e-15);
        assert_eq!(theta[2], 0.5);
        assert!((g.value(&v) - f.value(&theta)).abs() < 1e-15);
        let h = g.hessian(&v);
        let hf = f.hessian(&theta);
        let d = stats.scale().mapv(f64::recip);
        for i in 0..3 {
            for j in 0..3 {
                assert!((h[[i, j]] - d[i] * d[j] * hf[[i, j]]).abs() < 1e-15);
            }
        }
    }

    #[test]
    fn rejects_statistics_of_another_width() {
        let (x, y) = data();
        let stats = ColumnStatistics::of(x.slice(s![.., ..2])).unwrap();
        assert!(matches!(
            Standardized::new(LogLoss::new(&x, &y).unwrap(), &stats),
            Err(ObjectiveError::ShapeMismatch { .. })
        ));
    }

    /// A value and gradient.
    type Evaluation = (f64, Array1<f64>);

    /// The loss's column statistics, its first evaluation (from them) and a later one.
    fn loss_parts(
        loss: &LogLoss<'_>,
        w: &Array1<f64>,
    ) -> (ColumnStatistics, Evaluation, Evaluation) {
        let stats = loss.column_statistics().expect("statistics").clone();
        let zero = Array1::zeros(w.len());
        (
            stats,
            loss.value_and_gradient(&zero),
            loss.value_and_gradient(w),
        )
    }

    #[test]
    fn moments_built_chunk_by_chunk_are_the_checking_pass_bit_for_bit() {
        for (n, p) in [(2 * MOMENT_ROWS + 77, 5), (MOMENT_ROWS, 9), (10, 3)] {
            let x = Array2::from_shape_fn((n, p), |(i, j)| {
                1e3 * j as f64 + ((i * 7 + j) as f64 * 0.37).sin()
            });
            let y = Array1::from_shape_fn(n, |i| f64::from(u8::from((i * 13) % 7 < 3)));
            let w = Array1::from_shape_fn(p + 1, |j| 0.01 * (j as f64 - 2.0));
            let mut builder = RowMomentsBuilder::new(p);
            let (xs, ys) = (x.as_slice().unwrap(), y.as_slice().unwrap());
            for (rows, targets) in xs.chunks(MOMENT_ROWS * p).zip(ys.chunks(MOMENT_ROWS)) {
                builder.add(rows, targets).unwrap();
            }
            let moments = builder.finish();
            // Stored and read back.
            let moments = RowMoments::from_bytes(&moments.to_bytes()).unwrap();
            assert_eq!(moments.to_bytes().len(), RowMoments::bytes_for(p));
            let design = DesignMatrix::from(&x).with_moments(&moments);
            let given = LogLoss::new(design.view(), &y).unwrap();
            let plain = LogLoss::new(&x, &y).unwrap();
            assert_eq!(loss_parts(&given, &w), loss_parts(&plain, &w), "{n} x {p}");
            assert!(moments.of(xs, p, ys).is_some());
            // Other targets, another first row of a chunk, other rows: not these moments.
            let flipped = y.mapv(|v| 1.0 - v);
            assert!(moments.of(xs, p, flipped.as_slice().unwrap()).is_none());
            let mut other = x.clone();
            other[[0, 1]] += 1.0;
            assert!(moments.of(other.as_slice().unwrap(), p, ys).is_none());
            assert!(moments.of(&xs[p..], p, &ys[1..]).is_none());
            // A loss on other targets makes its own pass, to the same result as without.
            let given = LogLoss::new(design, &flipped).unwrap();
            let plain = LogLoss::new(&x, &flipped).unwrap();
            assert_eq!(loss_parts(&given, &w), loss_parts(&plain, &w));
        }
    }

    #[test]
    fn a_moments_builder_refuses_chunks_that_are_not_the_passes() {
        let mut builder = RowMomentsBuilder::new(2);
        let big = vec![0.5; 2 * (MOMENT_ROWS + 1)];
        let ys = vec![1.0; MOMENT_ROWS + 1];
        assert!(builder.add(&big, &ys).is_err(), "more rows than a chunk");
        assert!(
            builder.add(&big[..5], &ys[..2]).is_err(),
            "not two values a row"
        );
        builder.add(&big[..4], &ys[..2]).unwrap();
        assert!(
            builder.add(&big[..4], &ys[..2]).is_err(),
            "a chunk after a short one"
        );
        assert_eq!(builder.finish().rows(), 2);
        assert_eq!(RowMoments::from_bytes(b"short"), None);
    }
}
