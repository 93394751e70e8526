//! The parts of a linear model's loss that do not depend on the loss: the borrowed feature
//! matrix, the intercept, and the products with it.

use crate::features::with_rows;
use crate::kernel::{
    chunk_transpose_times, chunk_value, chunk_value_and_gradient, curvatures, gram_tiles,
    predictors, Lanes, Targets, LANES,
};
use crate::standardized::{column_moments, shared_column_moments};
use crate::{
    sum_in_row_order, Categorical, ColumnStatistics, DesignMatrix, Element, Features, Gradient,
    ObjectiveError, RowShare,
};
use ndarray::{
    linalg::general_mat_mul, s, Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut1, Axis,
};
use rayon::prelude::*;
use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// A loss of a linear model that is a mean over samples, `L(w) = (1/N) Σᵢ ℓ(yᵢ, xᵢ·w + b)`.
///
/// The parameter vector holds the `n_features` coefficients `w`, followed by the intercept `b`
/// when [`fit_intercept`](LinearModelLoss::fit_intercept) is true. [`L2Regularized::with_c`]
/// uses this to scale the penalty as scikit-learn does and to leave the intercept unpenalized.
///
/// [`L2Regularized::with_c`]: crate::L2Regularized::with_c
pub trait LinearModelLoss: Gradient<Param = Array1<f64>> {
    /// `N`, the number of samples the mean is taken over.
    fn n_samples(&self) -> usize;
    /// `W = Σᵢ sᵢ`, the sum of the sample weights a weighted mean loss divides by (`N`, the
    /// number of samples, without weights). A penalty's strength is relative to it:
    /// scikit-learn's `C` weighs `Σᵢ sᵢℓᵢ`, which is `W` times the mean.
    fn sample_weight_sum(&self) -> f64 {
        self.n_samples() as f64
    }
    /// `p`, the number of coefficients (features).
    fn n_features(&self) -> usize;
    /// Whether the last parameter is an intercept (the last `K`, one per output).
    fn fit_intercept(&self) -> bool;
    /// `K`, the number of linear predictors per sample: 1 (the default) for a single output,
    /// the number of classes for the multinomial loss, whose parameters are `K` coefficient
    /// vectors followed by `K` intercepts.
    fn n_outputs(&self) -> usize {
        1
    }
    /// `K·p`, the number of coefficients: the parameters before the intercepts, which a
    /// penalty covers.
    fn n_coefficients(&self) -> usize {
        self.n_outputs() * self.n_features()
    }
    /// The means and standard deviations of the feature columns, when the loss computed them
    /// while checking its data: [`LogLoss`](crate::LogLoss) and
    /// [`MeanSquaredError`](crate::MeanSquaredError) do, in the same pass over `X` that proves
    /// it finite, so that preconditioning needs no pass of its own. `None` by default.
    fn column_statistics(&self) -> Option<&ColumnStatistics> {
        None
    }
}

impl<O: LinearModelLoss + ?Sized> LinearModelLoss for &O {
    fn n_samples(&self) -> usize {
        (**self).n_samples()
    }
    fn sample_weight_sum(&self) -> f64 {
        (**self).sample_weight_sum()
    }
    fn n_features(&self) -> usize {
        (**self).n_features()
    }
    fn fit_intercept(&self) -> bool {
        (**self).fit_intercept()
    }
    fn n_outputs(&self) -> usize {
        (**self).n_outputs()
    }
    fn column_statistics(&self) -> Option<&ColumnStatistics> {
        (**self).column_statistics()
    }
}

/// Rows per block when forming `Xᵀ diag(q) X`: the scaled block is scratch of this many rows.
const GRAM_BLOCK_ROWS: usize = 256;

/// Rows per chunk of the one-pass kernels. A chunk's partial sums are computed by one thread
/// and the chunks' sums are added in chunk order, so a result does not depend on how many
/// threads computed it.
const CHUNK_ROWS: usize = 4096;

/// Rows per block of the Hessian kernel: a block of rows scaled by `√qᵢ`, `BLOCK_ROWS × (p + 1)`
/// values (zero-padded to whole vectors), is formed in per-thread scratch and stays in cache
/// while the Gram kernel ([`gram_tiles`]) sums its products.
const BLOCK_ROWS: usize = 256;

/// Per-chunk partial sums, kept between evaluations so that an evaluation allocates nothing in
/// proportion to the data.
#[derive(Debug, Default)]
pub(crate) struct Partials(Mutex<Vec<f64>>);

impl Clone for Partials {
    fn clone(&self) -> Self {
        Partials::default()
    }
}

impl Partials {
    /// Runs `f` on the kept buffer, or on a fresh one when the buffer is in use: by another
    /// thread evaluating the same objective, or by this thread itself, which rayon can set to
    /// another evaluation of it while it waits for its chunks. Waiting on the lock there would
    /// deadlock.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Vec<f64>) -> R) -> R {
        match self.0.try_lock() {
            Ok(mut kept) => f(&mut kept),
            Err(std::sync::TryLockError::Poisoned(poisoned)) => f(&mut poisoned.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => f(&mut Vec::new()),
        }
    }
}

thread_local! {
    /// Each thread's block of scaled rows for the Hessian kernel.
    static SCALED_BLOCK: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// The feature matrix `X` (borrowed, never copied; see [`Features`] for `f32` in other than
/// row-major order), its categorical columns, and whether an intercept is fitted.
///
/// The coefficients are `[w_dense (p), w_c for each categorical column c (its levels), b]`.
/// The value and gradient are one pass over the dense rows ([`fused`](Design::fused)), with or
/// without categorical columns: their coefficients are gathered into each row's predictor by
/// level and the slopes scattered back into level sums. Without categorical columns the
/// Hessian is our Gram kernel ([`gram`](Design::gram)); with them it takes the general path
/// ([`weighted_gram`](Design::weighted_gram), whose categorical blocks are sparse rows), as do
/// [`linear_predictor`](Design::linear_predictor) and
/// [`gradient_from_residual`](Design::gradient_from_residual), each of which adds the
/// categorical columns' part from their codes (a gather for `z`, a scatter for `Xᵀr`).
#[derive(Debug, Clone)]
pub(crate) struct Design<'a> {
    x: Features<'a>,
    categorical: Vec<Categorical<'a>>,
    fit_intercept: bool,
    partials: Partials,
    /// Two vectors of one value per sample, kept between evaluations of the general path
    /// ([`with_predictor`](Design::with_predictor)): fresh 8 MB vectors at every evaluation
    /// of a million rows cost more in page faults than the arithmetic on them.
    samples: Partials,
    summary: Option<DataSummary>,
    /// The sample weights `sᵢ ≥ 0` of a weighted loss (`None`: every weight is 1).
    weights: Option<Cow<'a, [f64]>>,
    /// `W = Σᵢ sᵢ` (`N` without weights): what a mean loss divides by.
    weight_sum: f64,
    /// With categorical columns: the statistics of every coefficient's column (the dense
    /// block's, then each level's indicator column).
    full_stats: Option<ColumnStatistics>,
    /// The share of rows this process holds, when the rows are shared among processes: every
    /// sum over rows is then carried along the processes in row order.
    share: Option<RowShare>,
}

/// The first non-finite value of the processes sharing the rows (`found`: this process's,
/// its row counted in its share), its row counted in the whole data set, on every process.
fn first_found(
    share: &RowShare,
    found: Option<(usize, usize, f64)>,
) -> Option<(usize, usize, f64)> {
    let first = share.fold(|before| match before {
        Some(b) if !b.is_empty() => b,
        _ => found.map_or_else(Vec::new, |(row, column, value)| {
            vec![(share.first_row() + row) as f64, column as f64, value]
        }),
    });
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a row and a column written as f64 by this fold"
    )]
    match first[..] {
        [row, column, value] => Some((row as usize, column as usize, value)),
        _ => None,
    }
}

/// What the pass that checks a linear model's data learns on the way: the column statistics
/// of `X`, the targets' mean `ȳ` and the co-moments `Cⱼ = Σᵢ (xᵢⱼ − x̄ⱼ)(yᵢ − ȳ)`.
///
/// At a point where every coefficient is zero, `zᵢ = b` for every row, and for a loss whose
/// slope there is affine in the target, `ℓ'(y, b) = a + c·y`, the gradient needs no pass:
/// `Σᵢ ℓ'ᵢ = N(a + cȳ)` and `Σᵢ ℓ'ᵢ xᵢⱼ = N(a + cȳ)·x̄ⱼ + c·Cⱼ`. A fit that starts from zero
/// gets its first evaluation from these.
#[derive(Debug, Clone)]
pub(crate) struct DataSummary {
    pub(crate) stats: ColumnStatistics,
    pub(crate) targets: TargetMoments,
    cross: Array1<f64>,
}

/// The count of a linear model's targets, their mean `ȳ` and their sum of squared deviations
/// `Σᵢ (yᵢ − ȳ)²`.
#[derive(Debug, Clone)]
pub(crate) struct TargetMoments {
    pub(crate) count: f64,
    pub(crate) mean: f64,
    pub(crate) sum_sq: f64,
}

/// The statistics of every coefficient's column of a design with categorical columns: the
/// dense block's (`dense`, `None` without dense columns), then each level's indicator column,
/// whose mean is the share `m = nₖ/N` of rows at the level and whose sum of squared
/// deviations is `nₖ(1 − m)² + (N − nₖ)m²`.
pub(crate) fn with_indicator_statistics(
    dense: Option<ColumnStatistics>,
    categorical: &[Categorical<'_>],
    n: f64,
) -> ColumnStatistics {
    let (mut mean, mut sum_sq) = (Vec::new(), Vec::new());
    for c in categorical {
        for count in c.counts() {
            let k = count as f64;
            let m = k / n;
            mean.push(m);
            sum_sq.push(k * (1.0 - m).powi(2) + (n - k) * m * m);
        }
    }
    let levels = ColumnStatistics::from_moments(n, Array1::from(mean), Array1::from(sum_sq));
    match dense {
        None => levels,
        Some(d) => ColumnStatistics {
            mean: ndarray::concatenate![Axis(0), d.mean, levels.mean],
            std: ndarray::concatenate![Axis(0), d.std, levels.std],
            constant: d.constant.into_iter().chain(levels.constant).collect(),
        },
    }
}

/// Sample weights checked for `n` rows: one per row, each finite and `≥ 0`, summing to a
/// positive finite `W`; returned as one slice (borrowed when contiguous) with `W`.
///
/// ```
/// use descent_objectives::checked_sample_weight;
/// use ndarray::array;
/// let weights = array![1.0, 0.0, 2.5];
/// let (s, total) = checked_sample_weight(weights.view(), 3)?;
/// assert_eq!((&*s, total), (&[1.0, 0.0, 2.5][..], 3.5));
/// assert!(checked_sample_weight(array![1.0, -1.0].view(), 2).is_err());
/// # Ok::<(), descent_objectives::ObjectiveError>(())
/// ```
///
/// # Errors
/// [`ObjectiveError::ShapeMismatch`] for a length other than `n`,
/// [`ObjectiveError::InvalidSampleWeight`] naming the first negative, NaN or infinite weight,
/// and [`ObjectiveError::InvalidParameter`] for a sum that is zero or overflows.
pub fn checked_sample_weight(
    weights: ArrayView1<'_, f64>,
    n: usize,
) -> Result<(Cow<'_, [f64]>, f64), ObjectiveError> {
    let weights = valid_weights(weights, n, 0)?;
    let sum = row_total(&weights, None);
    Ok((weights, positive_weight_sum(sum)?))
}

/// `Σᵢ vᵢ` over one value per row, added as the losses add sums over rows: the sums of blocks
/// of [`ROW_BLOCK`](crate::ROW_BLOCK) values, added in order from zero; with rows shared among
/// processes (`share`: every process must call this, with its own rows' values), over every
/// share, to the same bits. `W = Σᵢ sᵢ`, the sample weights' total, is taken this way, and so
/// are the label means the models start from.
///
/// ```
/// use descent_objectives::row_total;
/// assert_eq!(row_total(&[0.5, 2.0, 1.5], None), 4.0);
/// ```
pub fn row_total(values: &[f64], share: Option<&RowShare>) -> f64 {
    let sums = sum_in_row_order(&block_sums(values), 1, share);
    sums.first().copied().unwrap_or(0.0)
}

/// The weights checked one by one for `n` rows (rows reported from `first_row` on), as one
/// slice (borrowed when contiguous).
fn valid_weights(
    weights: ArrayView1<'_, f64>,
    n: usize,
    first_row: usize,
) -> Result<Cow<'_, [f64]>, ObjectiveError> {
    if weights.len() != n {
        return Err(ObjectiveError::ShapeMismatch {
            what: "sample weights (one per row of the feature matrix)",
            expected: n,
            found: weights.len(),
        });
    }
    if let Some(row) = weights.iter().position(|s| !(s.is_finite() && *s >= 0.0)) {
        return Err(ObjectiveError::InvalidSampleWeight {
            row: first_row + row,
            value: weights[row],
        });
    }
    Ok(contiguous(weights))
}

/// The sums of the values of each block of [`ROW_BLOCK`](crate::ROW_BLOCK) rows: a total over
/// rows is their sum in order, the same when the rows are shared among processes (whose shares
/// are whole blocks).
fn block_sums(values: &[f64]) -> Vec<f64> {
    values
        .chunks(crate::ROW_BLOCK)
        .map(|block| block.iter().sum::<f64>())
        .collect()
}

/// `W`, checked: positive and finite.
fn positive_weight_sum(sum: f64) -> Result<f64, ObjectiveError> {
    if !(sum > 0.0 && sum.is_finite()) {
        return Err(ObjectiveError::InvalidParameter {
            name: "sum of the sample weights",
            value: sum,
            reason: "must be positive and finite",
        });
    }
    Ok(sum)
}

/// Runs `work` on each chunk (its index, rows and partial-sum slot), in parallel when there is
/// more than one chunk and more than one thread.
fn for_each_chunk<'x, T: Element, W>(
    rows: &'x [T],
    row_width: usize,
    partials: &mut [f64],
    width: usize,
    work: W,
) where
    W: Fn(usize, &'x [T], &mut [f64]) + Sync + Send,
{
    let chunk = CHUNK_ROWS * row_width;
    if partials.len() > width && rayon::current_num_threads() > 1 {
        rows.par_chunks(chunk)
            .zip(partials.par_chunks_mut(width))
            .enumerate()
            .for_each(|(i, (rows, out))| work(i, rows, out));
    } else {
        rows.chunks(chunk)
            .zip(partials.chunks_mut(width))
            .enumerate()
            .for_each(|(i, (rows, out))| work(i, rows, out));
    }
}

/// One chunk of the one-pass value (and gradient, when `out` has room for it): fills `out`
/// with `[Σℓ]`, or `[Σℓ, Σℓ'x (p), Σℓ']` when it holds `w.len() + 2` slots. `per_row`: each
/// row's categorical term, replaced by its slope when the gradient is taken (see
/// [`chunk_value_and_gradient`]).
fn chunk_sums<T: Element, L: SampleLoss>(
    rows: &[T],
    targets: Targets<'_>,
    (w, b): (&[f64], f64),
    per_row: Option<&mut [f64]>,
    sample: &L,
    out: &mut [f64],
) {
    let p = w.len();
    if out.len() == p + 2 {
        let (head, g) = out.split_at_mut(1);
        g.fill(0.0);
        let (gw, gb) = g.split_at_mut(p);
        let (total, slope_sum) =
            chunk_value_and_gradient(rows, targets, (w, b), per_row, sample, gw);
        head[0] = total;
        gb[0] = slope_sum;
    } else {
        out[0] = chunk_value(rows, targets, (w, b), per_row, sample);
    }
}

/// `v`'s values as one slice: borrowed when they are contiguous, else copied once.
fn contiguous<'a>(v: ArrayView1<'a, f64>) -> Cow<'a, [f64]> {
    v.to_slice()
        .map_or_else(|| v.to_vec().into(), Cow::Borrowed)
}

/// `Σ_{codeᵢ=k} vᵢ` for each level `k` of `c`, each sum in row order (the reference level's
/// rows add to nothing).
fn level_sums(c: &Categorical<'_>, v: &[f64]) -> Vec<f64> {
    let mut sums = vec![0.0; c.levels()];
    for (&vi, &code) in v.iter().zip(c.codes()) {
        if let Some(s) = sums.get_mut(code as usize) {
            *s += vi;
        }
    }
    sums
}

/// Whether every value of `chunk` is finite, by arithmetic alone: `v − v` is 0 for a finite
/// `v` and NaN for an infinite or NaN one, and a NaN stays in a sum. Eight running sums and no
/// branch, so that the loop runs at the vector width it is compiled for (chosen at run time)
/// and keeps up with memory.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512vl", "x86_64+avx2"))]
#[allow(
    clippy::eq_op,
    reason = "v − v is the test: 0 when v is finite, NaN otherwise"
)]
fn chunk_is_finite<T: Element>(chunk: &[T]) -> bool {
    let mut sums = [0.0; 8];
    let (blocks, tail) = chunk.as_chunks::<8>();
    for block in blocks {
        for k in 0..8 {
            let v: f64 = block[k].into();
            sums[k] += v - v;
        }
    }
    let tail_sum: f64 = tail.iter().map(|&v| v.into() - v.into()).sum();
    sums.iter().sum::<f64>() + tail_sum == 0.0
}

/// The first value of `x` (in row order) that is NaN or infinite: `(row, column, value)`.
///
/// A row-major `x` is scanned in parallel chunks with a test the compiler vectorizes, and the
/// position is looked up only when something is found; other layouts go element by element.
///
/// ```
/// use descent_objectives::first_non_finite;
/// use ndarray::array;
/// assert_eq!(first_non_finite(array![[1.0, 2.0], [3.0, 4.0]].view()), None);
/// let found = first_non_finite(array![[1.0, 2.0], [f64::NAN, 4.0]].view());
/// assert!(matches!(found, Some((1, 0, v)) if v.is_nan()));
/// ```
pub fn first_non_finite<'x>(x: impl Into<Features<'x>>) -> Option<(usize, usize, f64)> {
    match x.into() {
        Features::F64(x) => first_non_finite_in(x),
        Features::F32(x) => first_non_finite_in(x.view()),
    }
}

fn first_non_finite_in<T: Element>(x: ArrayView2<'_, T>) -> Option<(usize, usize, f64)> {
    let by_element = || {
        x.indexed_iter()
            .map(|(at, &v)| (at, v.into()))
            .find(|(_, v): &(_, f64)| !v.is_finite())
            .map(|((r, c), v)| (r, c, v))
    };
    let Some(values) = x.as_slice() else {
        return by_element();
    };
    let all_finite = values.par_chunks(1 << 16).all(chunk_is_finite);
    if all_finite {
        None
    } else {
        by_element()
    }
}

/// The linear predictor `z = X·w + b`, one value per row of `x` (`w` must have one value per
/// column).
///
/// A row-major `x` is read once by the same vector kernel as the losses, in parallel chunks of
/// rows (each `zᵢ` is the same for any number of threads); other layouts go through ndarray's
/// product. Nothing is checked: a NaN or infinite value in a row makes its `zᵢ` NaN or
/// infinite (`±∞·0` is NaN), which callers that must reject such data can test on `z` alone.
///
/// ```
/// use descent_objectives::linear_predictor;
/// use ndarray::array;
/// let x = array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
/// let z = linear_predictor(x.view(), array![0.5, -1.0].view(), 2.0)?;
/// assert_eq!(z, array![0.5, -0.5, -1.5]);
/// # Ok::<(), descent_objectives::ObjectiveError>(())
/// ```
///
/// # Errors
/// `w` without one value per column of `x`.
pub fn linear_predictor<'x>(
    x: impl Into<DesignMatrix<'x>>,
    w: ArrayView1<'_, f64>,
    b: f64,
) -> Result<Array1<f64>, ObjectiveError> {
    let x = x.into();
    if w.len() != x.ncols() {
        return Err(ObjectiveError::ShapeMismatch {
            what: "coefficients (one per column of the feature matrix)",
            expected: x.ncols(),
            found: w.len(),
        });
    }
    let p = x.dense().ncols();
    let mut z = dense_linear_predictor(x.dense(), w.slice(s![..p]), b);
    add_levels(x.categorical(), p, &contiguous(w), 0, z.view_mut());
    Ok(z)
}

/// `zᵢ += w[start + codeᵢ]` for each categorical column in turn, the first column's
/// coefficients starting at `start` in `w` and each next column's after the last's levels
/// (a row at [`Categorical::NONE`] adds nothing), for the rows `first..first + z.len()`.
fn add_levels(
    columns: &[Categorical<'_>],
    start: usize,
    w: &[f64],
    first: usize,
    mut z: ArrayViewMut1<'_, f64>,
) {
    let mut start = start;
    for c in columns {
        let levels = &w[start..start + c.levels()];
        for (zi, &code) in z.iter_mut().zip(&c.codes()[first..]) {
            if let Some(v) = levels.get(code as usize) {
                *zi += v;
            }
        }
        start += c.levels();
    }
}

/// What the kernels have read of feature matrices in this process so far: the passes over a
/// matrix (a value, value-and-gradient, Hessian, transposed product or prediction pass, and
/// the checking pass that computes column statistics) and the bytes of the values they read.
/// A progress display takes differences of [`data_read`] to show passes and throughput, as
/// `descent fit`'s does.
///
/// ```
/// use descent_objectives::{data_read, LogLoss, Objective};
/// use ndarray::array;
/// let x = array![[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]];
/// let y = array![0.0, 1.0, 1.0];
/// let before = data_read();
/// let loss = LogLoss::new(&x, &y)?; // one pass: finiteness and column statistics
/// loss.value(&array![0.1, 0.2, 0.0]);
/// let read = data_read().since(before);
/// // Other threads' fits count too; this thread's are at least these.
/// assert!(read.passes >= 2 && read.bytes >= 2 * 6 * 8);
/// # Ok::<(), descent_objectives::ObjectiveError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DataRead {
    /// Passes over a feature matrix.
    pub passes: u64,
    /// Bytes of feature values read by those passes.
    pub bytes: u64,
}

impl DataRead {
    /// What was read after `earlier` (an earlier [`data_read`]).
    #[must_use]
    pub fn since(self, earlier: DataRead) -> DataRead {
        DataRead {
            passes: self.passes.saturating_sub(earlier.passes),
            bytes: self.bytes.saturating_sub(earlier.bytes),
        }
    }
}

static PASSES: AtomicU64 = AtomicU64::new(0);
static BYTES_READ: AtomicU64 = AtomicU64::new(0);

/// The passes and bytes the kernels have read in this process so far (see [`DataRead`]).
pub fn data_read() -> DataRead {
    DataRead {
        passes: PASSES.load(Ordering::Relaxed),
        bytes: BYTES_READ.load(Ordering::Relaxed),
    }
}

/// Counts one pass over `values` (see [`DataRead`]).
fn count_pass<T>(values: &[T]) {
    count_pass_of(std::mem::size_of_val(values));
}

/// Counts one pass over `bytes` bytes of feature values (see [`DataRead`]).
pub(crate) fn count_pass_of(bytes: usize) {
    // A stream counts its own passes, once for all its blocks.
    if crate::stream::in_stream() {
        return;
    }
    PASSES.fetch_add(1, Ordering::Relaxed);
    BYTES_READ.fetch_add(bytes as u64, Ordering::Relaxed);
}

/// `X·w + b` for the dense block (`w` of its width).
fn dense_linear_predictor(x: &Features<'_>, w: ArrayView1<'_, f64>, b: f64) -> Array1<f64> {
    let p = x.ncols();
    let mut z = Array1::zeros(x.nrows());
    if p == 0 {
        z.fill(b);
        return z;
    }
    let w = w.to_vec();
    let by_kernel = |z: &mut Array1<f64>| {
        let out = z.as_slice_mut()?;
        with_rows!(&x, rows => {
            predictors_in_chunks(rows, &w, b, out);
            Some(())
        })
    };
    if by_kernel(&mut z).is_none() {
        // BLAS, for an `f64` matrix in another layout (an `f32` one is always row-major).
        z = x.to_f64().dot(&Array1::from(w)) + b;
    }
    z
}

/// `out[i] = xᵢ·w + b` by the kernel, in parallel chunks of rows when there are threads.
fn predictors_in_chunks<T: Element>(rows: &[T], w: &[f64], b: f64, out: &mut [f64]) {
    count_pass(rows);
    let p = w.len();
    if rayon::current_num_threads() > 1 && out.len() > CHUNK_ROWS {
        out.par_chunks_mut(CHUNK_ROWS)
            .zip(rows.par_chunks(CHUNK_ROWS * p))
            .for_each(|(out, rows)| predictors(rows, w, b, out));
    } else {
        predictors(rows, w, b, out);
    }
}

impl<'a> Design<'a> {
    /// Checks that `x` is non-empty and finite, and that `y` has one value per row of `x`.
    ///
    /// When both are contiguous, one pass over `x` proves it finite and, on the way, computes
    /// the [`DataSummary`] that preconditioning and the first evaluation of a fit need (see
    /// [`column_moments`]); the element-wise scan runs only to locate a bad value, or for
    /// other layouts.
    pub(crate) fn new(
        design: DesignMatrix<'a>,
        y: &ArrayView1<'_, f64>,
    ) -> Result<Self, ObjectiveError> {
        Self::checked(design, y, None)
    }

    /// [`new`](Design::new) for this process's share of rows shared among processes (see
    /// [`RowShare`]): every check and statistic is of the whole data set, and every process
    /// returns an error when any fails. `local` is the caller's own check of its share (its
    /// labels, say), which joins the others. Supported: dense rows, contiguous, `f64` or
    /// `f32` (sample weights are set afterwards, by every process: see
    /// [`set_sample_weight`](Design::set_sample_weight)).
    pub(crate) fn new_shared(
        design: DesignMatrix<'a>,
        y: &ArrayView1<'_, f64>,
        share: &RowShare,
        local: Result<(), ObjectiveError>,
    ) -> Result<Self, ObjectiveError> {
        Self::checked(design, y, Some((share, local)))
    }

    /// This process's share checked alone: the shape of `x` and `y`, contiguity, and that the
    /// share begins where the share before it ended (`before`: the row after the previous
    /// process's last, and its column count).
    fn check_share(
        design: &DesignMatrix<'_>,
        y: &ArrayView1<'_, f64>,
        share: &RowShare,
        before: (usize, Option<usize>),
    ) -> Result<(), ObjectiveError> {
        let (n, p) = (design.nrows(), design.ncols());
        if !design.categorical().is_empty() {
            return Err(ObjectiveError::NotShareable("a categorical column"));
        }
        if y.len() != n {
            return Err(ObjectiveError::ShapeMismatch {
                what: "targets (one per row of the feature matrix)",
                expected: n,
                found: y.len(),
            });
        }
        if p == 0 {
            return Err(ObjectiveError::EmptyData(
                "the feature matrix has no columns",
            ));
        }
        if let Some(columns) = before.1.filter(|&c| c != p) {
            return Err(ObjectiveError::ShapeMismatch {
                what: "this share's columns (as many as the shares before it)",
                expected: columns,
                found: p,
            });
        }
        let contiguous = y.as_slice().is_some()
            && match design.dense() {
                Features::F64(x) => x.as_slice().is_some(),
                Features::F32(x) => x.as_slice().is_some(),
            };
        if !contiguous {
            return Err(ObjectiveError::NotShareable(
                "a feature matrix or targets not contiguous in row-major order",
            ));
        }
        let last = share.rank() + 1 == share.size();
        let layout = |expected, found| ObjectiveError::RowLayout {
            rank: share.rank(),
            expected,
            found,
        };
        if before.0 != share.first_row() {
            return Err(layout(
                "its first row where the share before it ended",
                share.first_row(),
            ));
        }
        if !last && !n.is_multiple_of(crate::ROW_BLOCK) {
            return Err(layout(
                "a whole number of 8192-row blocks (all but the last share)",
                n,
            ));
        }
        if share.first_row() + n > share.total_rows()
            || (last && share.first_row() + n != share.total_rows())
        {
            return Err(layout(
                "rows that end within the data set, the last at its end",
                n,
            ));
        }
        Ok(())
    }

    /// [`new`](Design::new), alone or on shared rows.
    fn checked(
        design: DesignMatrix<'a>,
        y: &ArrayView1<'_, f64>,
        shared: Option<(&RowShare, Result<(), ObjectiveError>)>,
    ) -> Result<Self, ObjectiveError> {
        if let Some((share, local)) = shared {
            // One fold carries the layout: the row after the shares so far, their columns,
            // and the first rank that failed.
            let mut mine = Ok(());
            let (n, p) = (design.nrows() as f64, design.ncols() as f64);
            let layout = share.fold(|before| {
                let (next, columns, failed) = match before.as_deref() {
                    Some(&[next, columns, failed]) => (next, columns, failed),
                    _ => (0.0, -1.0, -1.0),
                };
                #[allow(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "counts written as f64 by this fold"
                )]
                let before = (next as usize, (columns >= 0.0).then_some(columns as usize));
                mine = local
                    .clone()
                    .and_then(|()| Self::check_share(&design, y, share, before));
                let failed = match (failed >= 0.0, &mine) {
                    (false, Err(_)) => share.rank() as f64,
                    _ => failed,
                };
                vec![next + n, if columns >= 0.0 { columns } else { p }, failed]
            });
            mine?;
            if let Some(&failed) = layout.get(2).filter(|&&f| f >= 0.0) {
                #[allow(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "a rank written as f64"
                )]
                return Err(ObjectiveError::PeerFailed {
                    rank: failed as usize,
                });
            }
            return Self::build(design, y, Some(share));
        }
        if design.nrows() == 0 {
            return Err(ObjectiveError::EmptyData("the feature matrix has no rows"));
        }
        if design.ncols() == 0 {
            return Err(ObjectiveError::EmptyData(
                "the feature matrix has no columns",
            ));
        }
        if y.len() != design.nrows() {
            return Err(ObjectiveError::ShapeMismatch {
                what: "targets (one per row of the feature matrix)",
                expected: design.nrows(),
                found: y.len(),
            });
        }
        Self::build(design, y, None)
    }

    /// The checked design's summary, and the design (see [`new`](Design::new)).
    fn build(
        design: DesignMatrix<'a>,
        y: &ArrayView1<'_, f64>,
        share: Option<&RowShare>,
    ) -> Result<Self, ObjectiveError> {
        let given = design.moments();
        let (x, categorical) = design.into_parts();
        let moments = || {
            if x.ncols() == 0 {
                return None;
            }
            let ys = y.as_slice()?;
            let p = x.ncols();
            with_rows!(&x, values => Some({
                // Moments made elsewhere (a data cache's), when they are of these rows and
                // targets: no pass of its own.
                let given = given.filter(|_| share.is_none()).and_then(|m| m.of(values, p, ys));
                match (given, share) {
                    (Some(m), _) => m,
                    (None, Some(share)) => {
                        count_pass(values);
                        shared_column_moments(values, p, Some(ys), share)
                    }
                    (None, None) => {
                        count_pass(values);
                        column_moments(values, p, Some(ys))
                    }
                }
            }))
        };
        let n = share.map_or(x.nrows(), RowShare::total_rows) as f64;
        let summary = match moments() {
            Some(m) => Some(DataSummary {
                stats: ColumnStatistics::from_moments(n, m.mean, m.sum_sq),
                targets: TargetMoments {
                    count: n,
                    mean: m.target_mean,
                    sum_sq: m.target_sum_sq,
                },
                cross: m.cross,
            }),
            _ => None,
        };
        let proven_finite = summary.as_ref().is_some_and(|s| s.stats.proves_finite());
        if !proven_finite && x.ncols() > 0 {
            let found = first_non_finite(&x);
            let found = match share {
                None => found,
                Some(share) => first_found(share, found),
            };
            if let Some((row, column, value)) = found {
                return Err(ObjectiveError::NonFiniteFeature { row, column, value });
            }
        }
        // Finite data whose sums overflow (values near 1e154 and beyond) get no summary.
        let summary = summary.filter(|s| {
            proven_finite
                && s.cross.iter().all(|v| v.is_finite())
                && s.targets.mean.is_finite()
                && s.targets.sum_sq.is_finite()
        });
        let full_stats = if categorical.is_empty() {
            None
        } else {
            let dense = match &summary {
                Some(s) => Some(s.stats.clone()),
                None if x.ncols() == 0 => None,
                None => ColumnStatistics::of(x.view()).ok(),
            };
            Some(with_indicator_statistics(dense, &categorical, n))
        };
        Ok(Design {
            x,
            categorical,
            fit_intercept: true,
            partials: Partials::default(),
            samples: Partials::default(),
            summary,
            weights: None,
            weight_sum: n,
            full_stats,
            share: share.cloned(),
        })
    }

    /// Weighs each row's loss by `sᵢ` (scikit-learn's `sample_weight`): the loss becomes
    /// `(1/W) Σᵢ sᵢ ℓ(yᵢ, zᵢ)` with `W = Σᵢ sᵢ`, so that whole-number weights give the loss of
    /// the data with each row repeated `sᵢ` times, and a zero weight the loss without the row.
    /// With shared rows every process calls this with its share's weights; `W` is of every
    /// share ([`row_total`]), and a bad weight anywhere fails every process.
    ///
    /// # Errors
    /// A weight count other than the number of rows, a negative, NaN or infinite weight, or
    /// weights whose sum is zero (or overflows); with shared rows, [`ObjectiveError::PeerFailed`]
    /// when another process's weights fail.
    pub(crate) fn set_sample_weight(
        &mut self,
        weights: ArrayView1<'a, f64>,
    ) -> Result<(), ObjectiveError> {
        let (weights, sum) = match &self.share {
            None => checked_sample_weight(weights, self.n_samples())?,
            // Every process checks its own weights, then they agree; `W` is the sum of the
            // blocks' sums in row order, as in one process.
            Some(share) => {
                let local = valid_weights(weights, self.n_samples(), share.first_row());
                if let Some(rank) = share.first_failure(local.is_err()) {
                    local?;
                    return Err(ObjectiveError::PeerFailed { rank });
                }
                let weights = local?;
                let sum = row_total(&weights, Some(share));
                (weights, positive_weight_sum(sum)?)
            }
        };
        self.weights = Some(weights);
        self.weight_sum = sum;
        Ok(())
    }

    /// The sample weights, when the loss is weighted.
    pub(crate) fn sample_weight(&self) -> Option<&[f64]> {
        self.weights.as_deref()
    }

    /// `W = Σᵢ sᵢ`, or `N` without weights.
    pub(crate) fn weight_sum(&self) -> f64 {
        self.weight_sum
    }

    /// `sᵢ·vᵢ` for every row, in place (nothing without weights).
    pub(crate) fn weigh(&self, mut v: ArrayViewMut1<'_, f64>) {
        if let Some(s) = &self.weights {
            v.zip_mut_with(&ArrayView1::from(&**s), |v, s| *v *= s);
        }
    }

    /// `Xᵀ(s∘v)`: [`transpose_times`](Design::transpose_times) of the weighted `v` (`Xᵀv`,
    /// and no copy of `v`, without weights).
    pub(crate) fn transpose_times_weighted(&self, v: &Array1<f64>) -> Array1<f64> {
        match &self.weights {
            None => self.transpose_times(v),
            Some(_) => {
                let mut weighted = v.clone();
                self.weigh(weighted.view_mut());
                self.transpose_times(&weighted)
            }
        }
    }

    /// `Σᵢ sᵢvᵢ` over the rows (`Σᵢ vᵢ` without weights), as
    /// [`weighted_sum_of`](Design::weighted_sum_of) adds it.
    pub(crate) fn weighted_sum(&self, v: ArrayView1<'_, f64>) -> f64 {
        self.weighted_sum_of(|i| v[i])
    }

    /// `Σᵢ sᵢ·term(i)` over the rows (`Σᵢ term(i)` without weights): each chunk of
    /// [`CHUNK_ROWS`] rows added in order (chunks in parallel), the chunks' sums added in row
    /// order, over every share when the rows are shared among processes (every process must
    /// call this). The same bits for any number of threads and of processes.
    pub(crate) fn weighted_sum_of(&self, term: impl Fn(usize) -> f64 + Sync) -> f64 {
        let n = self.n_samples();
        let chunk_sum = |k: usize| -> f64 {
            let rows = k * CHUNK_ROWS..((k + 1) * CHUNK_ROWS).min(n);
            match &self.weights {
                Some(s) => rows.map(|i| s[i] * term(i)).sum(),
                None => rows.map(&term).sum(),
            }
        };
        let partials: Vec<f64> = (0..n.div_ceil(CHUNK_ROWS))
            .into_par_iter()
            .map(chunk_sum)
            .collect();
        sum_in_row_order(&partials, 1, self.share.as_ref())
            .first()
            .copied()
            .unwrap_or(0.0)
    }

    /// This process's share of rows, when the rows are shared among processes.
    pub(crate) fn share(&self) -> Option<&RowShare> {
        self.share.as_ref()
    }

    /// A block of a stream's rows ([`StreamedLoss`](crate::StreamedLoss)), already checked by
    /// the stream's checking pass: no pass of its own. `summary` is of every row of the
    /// stream, and `share` places the block among them, so that every sum over rows carries
    /// on from the blocks before it.
    pub(crate) fn streamed_block(
        x: Features<'a>,
        summary: Option<DataSummary>,
        share: RowShare,
        fit_intercept: bool,
    ) -> Self {
        Design {
            x,
            categorical: Vec::new(),
            fit_intercept,
            partials: Partials::default(),
            samples: Partials::default(),
            summary,
            weights: None,
            weight_sum: share.total_rows() as f64,
            full_stats: None,
            share: Some(share),
        }
    }

    /// Whether an evaluation of the value (and gradient) at `params` comes from the
    /// [`DataSummary`] without a pass over the rows: every coefficient zero, no weights, no
    /// categorical columns ([`at_zero_coefficients`](Design::at_zero_coefficients), for a loss
    /// whose slope at a constant predictor is affine in the target, as the log loss's and the
    /// squared error's are).
    pub(crate) fn evaluates_without_pass(&self, params: &Array1<f64>) -> bool {
        let (w, _) = self.split(params);
        self.categorical.is_empty() && w.len() == self.n_features() && self.summary_at(w).is_some()
    }

    /// The [`DataSummary`], when an evaluation at coefficients `w` can be taken from it: every
    /// coefficient zero, and no weights (the summary's moments are unweighted).
    fn summary_at(&self, w: &[f64]) -> Option<&DataSummary> {
        if self.weights.is_some() || w.iter().any(|&v| v != 0.0) {
            return None;
        }
        self.summary.as_ref()
    }

    /// What the checking pass learned of the rows (of every share's, on shared rows).
    pub(crate) fn summary(&self) -> Option<&DataSummary> {
        self.summary.as_ref()
    }

    /// `y` and the weights as the kernels take them; `None` when `y` is not contiguous.
    fn targets<'y>(&'y self, y: &'y ArrayView1<'_, f64>) -> Option<Targets<'y>> {
        Some(Targets {
            y: y.as_slice()?,
            weight: self.weights.as_deref(),
        })
    }

    /// Checks that every target is finite.
    pub(crate) fn check_targets(&self, y: &ArrayView1<'_, f64>) -> Result<(), ObjectiveError> {
        match y.iter().position(|v| !v.is_finite()) {
            Some(row) => Err(ObjectiveError::NonFiniteTarget { row, value: y[row] }),
            None => Ok(()),
        }
    }

    /// The statistics of `X`'s columns, when the checking pass computed them (with
    /// categorical columns: of every coefficient's column, the indicators' included).
    pub(crate) fn column_statistics(&self) -> Option<&ColumnStatistics> {
        if self.categorical.is_empty() {
            self.summary.as_ref().map(|s| &s.stats)
        } else {
            self.full_stats.as_ref()
        }
    }

    pub(crate) fn set_fit_intercept(&mut self, fit_intercept: bool) {
        self.fit_intercept = fit_intercept;
    }

    pub(crate) fn fit_intercept(&self) -> bool {
        self.fit_intercept
    }

    /// The rows this process holds (all of them, unless they are shared).
    pub(crate) fn n_samples(&self) -> usize {
        self.x.nrows()
    }

    /// The rows of the whole data set: [`n_samples`](Design::n_samples), or with shared
    /// rows the total of all the shares.
    pub(crate) fn total_samples(&self) -> usize {
        self.share
            .as_ref()
            .map_or_else(|| self.n_samples(), RowShare::total_rows)
    }

    /// Whether the rows are shared among processes.
    pub(crate) fn is_shared(&self) -> bool {
        self.share.is_some()
    }

    /// The number of coefficients: the dense block's columns and the categorical levels.
    pub(crate) fn n_features(&self) -> usize {
        self.dense_width()
            + self
                .categorical
                .iter()
                .map(Categorical::levels)
                .sum::<usize>()
    }

    /// `p`, the dense block's columns (the width of a row the kernels read).
    pub(crate) fn dense_width(&self) -> usize {
        self.x.ncols()
    }

    /// Each categorical column with the index of its first coefficient.
    fn categorical_offsets(&self) -> impl Iterator<Item = (usize, &Categorical<'a>)> {
        self.categorical
            .iter()
            .scan(self.dense_width(), |start, c| {
                let at = *start;
                *start += c.levels();
                Some((at, c))
            })
    }

    /// `g[start + codeᵢ] += scale · Σ vᵢ` over each categorical column's levels: the indicator
    /// columns' part of `scale · Xᵀv`, each level's sum taken in row order.
    fn scatter_categorical(&self, v: ArrayView1<'_, f64>, scale: f64, g: &mut Array1<f64>) {
        let v = contiguous(v);
        for (start, c) in self.categorical_offsets() {
            for (k, s) in level_sums(c, &v).into_iter().enumerate() {
                g[start + k] = scale * s;
            }
        }
    }

    /// `p + 1` with an intercept, `p` without.
    pub(crate) fn n_params(&self) -> usize {
        self.n_features() + usize::from(self.fit_intercept)
    }

    /// The linear predictor `z = X·w + b` (`b = 0` without an intercept).
    pub(crate) fn linear_predictor(&self, params: &Array1<f64>) -> Array1<f64> {
        let p = self.n_features();
        let mut z = self.times_coefficients(params);
        if self.fit_intercept {
            z += params[p];
        }
        z
    }

    /// `scale · [Xᵀr, Σᵢ rᵢ]`, the gradient of a mean loss whose per-sample derivative with
    /// respect to `zᵢ` is `rᵢ` (`scale = 1/N`).
    pub(crate) fn gradient_from_residual(&self, r: ArrayView1<'_, f64>, scale: f64) -> Array1<f64> {
        let mut g = Array1::zeros(self.n_params());
        let p = self.dense_width();
        match &self.x {
            _ if p == 0 => {}
            Features::F64(x) => ndarray::linalg::general_mat_vec_mul(
                scale,
                &x.t(),
                &r,
                0.0,
                &mut g.slice_mut(s![..p]),
            ),
            Features::F32(_) => g
                .slice_mut(s![..p])
                .assign(&(self.dense_transpose_times(r) * scale)),
        }
        self.scatter_categorical(r, scale, &mut g);
        if self.fit_intercept {
            g[self.n_features()] = scale * r.sum();
        }
        g
    }

    /// Runs `f` on `z = Xw + b` at `params` and a second vector of one value per sample for
    /// `f`'s own use, both kept between calls (see [`samples`](Design::samples)).
    pub(crate) fn with_predictor<R>(
        &self,
        params: &Array1<f64>,
        f: impl FnOnce(&[f64], &mut [f64]) -> R,
    ) -> R {
        let n = self.n_samples();
        self.samples.with(|kept| {
            kept.resize(2 * n, 0.0);
            let (z, out) = kept.split_at_mut(n);
            self.linear_predictor_into(params, z);
            f(z, out)
        })
    }

    /// `z = Xw + b` written into `z`, by the vector kernel for row-major dense data.
    fn linear_predictor_into(&self, params: &Array1<f64>, z: &mut [f64]) {
        let p = self.dense_width();
        let b = self.intercept(params);
        let w = params.slice(s![..p]);
        let by_kernel = |z: &mut [f64]| {
            let w = w.as_slice()?;
            with_rows!(&self.x, rows => {
                predictors_in_chunks(rows, w, b, z);
                Some(())
            })
        };
        if p == 0 {
            z.fill(b);
        } else if by_kernel(z).is_none() {
            let product = self.x.to_f64().dot(&w);
            for (zi, v) in z.iter_mut().zip(product) {
                *zi = v + b;
            }
        }
        add_levels(
            &self.categorical,
            p,
            &contiguous(params.view()),
            0,
            ArrayViewMut1::from(z),
        );
    }

    /// `scale · [[XᵀQX, XᵀQ1], [1ᵀQX, 1ᵀQ1]]` with `Q = diag(q)`: the Hessian of a mean loss
    /// whose per-sample second derivative with respect to `zᵢ` is `qᵢ` (`scale = 1/N`).
    ///
    /// `X` is never copied: rows are scaled block by block into a small scratch matrix and
    /// the products `X_bᵀ·(Q_b X_b)` accumulated through BLAS.
    pub(crate) fn weighted_gram(&self, q: &Array1<f64>, scale: f64) -> Array2<f64> {
        debug_assert!(!self.is_shared(), "a sum over this share alone");
        let x = match &self.x {
            Features::F64(x) if self.categorical.is_empty() => x,
            _ => {
                let all: Vec<usize> = (0..self.n_params()).collect();
                return self.weighted_gram_block(q, &all, scale);
            }
        };
        let p = self.n_features();
        let n = self.n_samples();
        let mut h = Array2::zeros((self.n_params(), self.n_params()));
        let mut scratch = Array2::zeros((GRAM_BLOCK_ROWS.min(n), p));
        let mut start = 0;
        while start < n {
            let end = (start + GRAM_BLOCK_ROWS).min(n);
            let xb = x.slice(s![start..end, ..]);
            let qb = q.slice(s![start..end]);
            let mut sb = scratch.slice_mut(s![..end - start, ..]);
            sb.assign(&xb);
            sb *= &qb.insert_axis(Axis(1));
            general_mat_mul(scale, &xb.t(), &sb, 1.0, &mut h.slice_mut(s![..p, ..p]));
            start = end;
        }
        if self.fit_intercept {
            let mut column = Array1::zeros(p);
            ndarray::linalg::general_mat_vec_mul(scale, &x.t(), q, 0.0, &mut column);
            h.slice_mut(s![..p, p]).assign(&column);
            h.slice_mut(s![p, ..p]).assign(&column);
            h[[p, p]] = scale * q.sum();
        }
        h
    }
}

impl Design<'_> {
    /// `scale · X̃_Sᵀ Q X̃_S` for the parameter indices `S` (increasing; `p` is the intercept's
    /// column of ones), with `Q = diag(q)`: the block of a mean loss's Hessian on a working
    /// set. Rows are gathered block by block into a small scratch matrix, so neither `X` nor
    /// its selected columns are copied whole; the cost is `O(N·|S|²)`.
    pub(crate) fn weighted_gram_block(
        &self,
        q: &Array1<f64>,
        indices: &[usize],
        scale: f64,
    ) -> Array2<f64> {
        if !self.categorical.is_empty() {
            return self.weighted_gram_sparse_rows(q, indices, scale);
        }
        let n = self.n_samples();
        let p = self.n_features();
        let m = indices.len();
        let mut h = Array2::zeros((m, m));
        let rows = GRAM_BLOCK_ROWS.min(n);
        let mut gathered = Array2::zeros((rows, m));
        let mut weighted = Array2::zeros((rows, m));
        let mut start = 0;
        while start < n {
            let end = (start + GRAM_BLOCK_ROWS).min(n);
            let used = end - start;
            for (i, row) in (start..end).enumerate() {
                for (c, &j) in indices.iter().enumerate() {
                    let value = if j < p { self.value(row, j) } else { 1.0 };
                    gathered[[i, c]] = value;
                    weighted[[i, c]] = value * q[row];
                }
            }
            general_mat_mul(
                scale,
                &gathered.slice(s![..used, ..]).t(),
                &weighted.slice(s![..used, ..]),
                1.0,
                &mut h,
            );
            start = end;
        }
        h
    }

    /// [`weighted_gram_block`](Design::weighted_gram_block) with categorical columns: each
    /// row is read as its few non-zero entries on `indices` (its dense values, one indicator
    /// per categorical column, the intercept's 1) and adds `qᵢ·vvᵀ` over them, so that a
    /// categorical column's block is the diagonal of its level sums `Σ_{codeᵢ=k} qᵢ` and no
    /// indicator column is ever formed. Rows are added in order.
    fn weighted_gram_sparse_rows(
        &self,
        q: &Array1<f64>,
        indices: &[usize],
        scale: f64,
    ) -> Array2<f64> {
        let p = self.dense_width();
        let m = indices.len();
        let mut position = vec![usize::MAX; self.n_params()];
        for (at, &j) in indices.iter().enumerate() {
            position[j] = at;
        }
        let dense: Vec<(usize, usize)> = (0..p)
            .filter(|&j| position[j] != usize::MAX)
            .map(|j| (j, position[j]))
            .collect();
        let intercept = self
            .fit_intercept
            .then(|| position[self.n_features()])
            .filter(|&at| at != usize::MAX);
        let columns: Vec<(usize, &Categorical<'_>)> = self.categorical_offsets().collect();
        let mut h = Array2::<f64>::zeros((m, m));
        let mut entries: Vec<(usize, f64)> =
            Vec::with_capacity(m.min(dense.len() + columns.len() + 1));
        for (i, &qi) in q.iter().enumerate() {
            entries.clear();
            entries.extend(dense.iter().map(|&(j, at)| (at, self.value(i, j))));
            for &(start, c) in &columns {
                let code = c.codes()[i];
                if code != Categorical::NONE && position[start + code as usize] != usize::MAX {
                    entries.push((position[start + code as usize], 1.0));
                }
            }
            if let Some(at) = intercept {
                entries.push((at, 1.0));
            }
            for (k, &(a, va)) in entries.iter().enumerate() {
                let weighted = qi * va;
                for &(b, vb) in &entries[k..] {
                    let (r, c) = if a <= b { (a, b) } else { (b, a) };
                    h[[r, c]] += weighted * vb;
                }
            }
        }
        for r in 0..m {
            for c in r..m {
                let v = scale * h[[r, c]];
                h[[r, c]] = v;
                h[[c, r]] = v;
            }
        }
        h
    }

    /// `Xᵀv` (the coefficients' part of `gradient_from_residual` with scale 1): for a
    /// row-major `X`, one pass of the vector kernel in chunks of rows, summed in chunk order
    /// (the same for any number of threads).
    ///
    /// An `f32` matrix always takes the kernel (there is no BLAS for mixed types).
    pub(crate) fn transpose_times(&self, v: &Array1<f64>) -> Array1<f64> {
        if self.categorical.is_empty() {
            return self.dense_transpose_times(v.view());
        }
        let mut out = Array1::zeros(self.n_features());
        let p = self.dense_width();
        if p > 0 {
            out.slice_mut(s![..p])
                .assign(&self.dense_transpose_times(v.view()));
        }
        self.scatter_categorical(v.view(), 1.0, &mut out);
        out
    }

    /// `X_denseᵀv`: for a row-major `X`, one pass of the vector kernel in chunks of rows,
    /// summed in chunk order (the same for any number of threads).
    fn dense_transpose_times(&self, v: ArrayView1<'_, f64>) -> Array1<f64> {
        let p = self.dense_width();
        let by_kernel = || {
            let vs = v.as_slice()?;
            with_rows!(&self.x, rows => Some(self.sum_over_chunks(rows, p, |i, chunk, out| {
                out.fill(0.0);
                let vs = &vs[i * CHUNK_ROWS..][..chunk.len() / p];
                chunk_transpose_times(chunk, vs, out);
            })))
        };
        match &self.x {
            Features::F64(x) if self.one_wide_chunk() => x.t().dot(&v),
            _ => match by_kernel() {
                Some(sums) => Array1::from(sums),
                None => self.x.to_f64().t().dot(&v),
            },
        }
    }

    /// `Xw`, without the intercept, by [`linear_predictor`] (by BLAS for a wide `f64` matrix).
    pub(crate) fn times_coefficients(&self, params: &Array1<f64>) -> Array1<f64> {
        let w = params.slice(s![..self.dense_width()]);
        let mut z = match &self.x {
            _ if w.is_empty() => Array1::zeros(self.n_samples()),
            Features::F64(x) if self.one_wide_chunk() => x.dot(&w),
            x => dense_linear_predictor(x, w, 0.0),
        };
        add_levels(
            &self.categorical,
            self.dense_width(),
            &contiguous(params.view()),
            0,
            z.view_mut(),
        );
        z
    }

    /// `xᵢⱼ` in `f64`.
    fn value(&self, i: usize, j: usize) -> f64 {
        match &self.x {
            Features::F64(x) => x[[i, j]],
            Features::F32(x) => f64::from(x[[i, j]]),
        }
    }

    /// Whether the rows fit in one chunk: then the kernels, which share work out by chunks of
    /// rows, would run on one thread, and BLAS, which shares a product out by columns too, is
    /// the faster with threads (wide data). Decided by the shape alone, so that the path, and
    /// the rounding, is the same for any number of threads.
    fn one_wide_chunk(&self) -> bool {
        self.n_samples() <= CHUNK_ROWS && !self.is_shared()
    }
}

/// What one sample contributes to a mean loss at linear predictor `z` with target `y`: the
/// loss `ℓ(y, z)` and its derivative `∂ℓ/∂z`.
pub(crate) trait SampleLoss: Sync {
    fn loss(&self, z: f64, y: f64) -> f64;
    fn loss_and_slope(&self, z: f64, y: f64) -> (f64, f64);
    /// [`LANES`](crate::kernel::LANES) samples at once, for the one-pass kernels: arithmetic
    /// on fixed-size arrays that the compiler vectorizes, fused products when `FMA`. Must be
    /// inlined into the kernel (`#[inline(always)]`) to run at the kernel's vector width.
    #[inline(always)]
    fn loss_and_slope_lanes<const FMA: bool>(&self, z: Lanes, y: Lanes) -> (Lanes, Lanes) {
        let mut out = ([0.0; LANES], [0.0; LANES]);
        for k in 0..LANES {
            (out.0[k], out.1[k]) = self.loss_and_slope(z[k], y[k]);
        }
        out
    }
    /// At a constant predictor `z` (every coefficient zero): `Σᵢ ℓ(yᵢ, z)` over targets with
    /// the given moments, and `(a, c)` with `ℓ'(y, z) = a + c·y` for every target `y`, when
    /// the loss has that form (then an evaluation there needs no pass over the data; see
    /// [`DataSummary`]). `None` otherwise.
    fn at_constant(&self, _z: f64, _targets: &TargetMoments) -> Option<(f64, f64, f64)> {
        None
    }
    /// `∂²ℓ/∂z²`, which must be ≥ 0 (the loss is convex in `z`).
    fn curvature(&self, z: f64, y: f64) -> f64;
    /// [`curvature`](SampleLoss::curvature) of [`LANES`](crate::kernel::LANES) samples, inlined
    /// into the kernel as [`loss_and_slope_lanes`](SampleLoss::loss_and_slope_lanes) is.
    #[inline(always)]
    fn curvature_lanes<const FMA: bool>(&self, z: Lanes, y: Lanes) -> Lanes {
        let mut out = [0.0; LANES];
        for k in 0..LANES {
            out[k] = self.curvature(z[k], y[k]);
        }
        out
    }
}

impl Design<'_> {
    /// Runs `work` on each chunk of rows (its index, its rows, and `width` slots it fills),
    /// then adds the chunks' slots in chunk order: the same sums for any number of threads.
    fn sum_over_chunks<'x, T: Element, W>(&self, rows: &'x [T], width: usize, work: W) -> Vec<f64>
    where
        W: Fn(usize, &'x [T], &mut [f64]) + Sync + Send,
    {
        count_pass(rows);
        let chunks = self.n_samples().div_ceil(CHUNK_ROWS);
        self.partials.with(|partials| {
            partials.resize(chunks * width, 0.0);
            for_each_chunk(rows, self.dense_width(), partials, width, work);
            sum_in_row_order(partials, width, self.share.as_ref())
        })
    }

    /// `(w, b)` from the parameters (`b = 0` without an intercept).
    fn split<'p>(&self, params: &'p Array1<f64>) -> (&'p [f64], f64) {
        let b = self.intercept(params);
        match params.as_slice() {
            Some(all) => (&all[..self.n_features()], b),
            None => (&[], b),
        }
    }

    /// The intercept `b` of the parameters (0 without one).
    pub(crate) fn intercept(&self, params: &Array1<f64>) -> f64 {
        if self.fit_intercept {
            params[self.n_features()]
        } else {
            0.0
        }
    }

    /// `(Σᵢ ℓ(yᵢ, zᵢ), [Σᵢ ℓ'ᵢ xᵢ, Σᵢ ℓ'ᵢ])` with `zᵢ = xᵢ·w + b`, in one pass over `X`: each row
    /// is read once, for its dot product with `w`, and used again for the gradient while it is
    /// still in cache. With `gradient = false` only the loss is summed.
    ///
    /// `None` when `X` or `y` is not contiguous (the caller then uses the BLAS path).
    pub(crate) fn fused<L: SampleLoss>(
        &self,
        params: &Array1<f64>,
        y: &ArrayView1<'_, f64>,
        sample: &L,
        gradient: bool,
    ) -> Option<(f64, Option<Array1<f64>>)> {
        let ys = self.targets(y)?;
        if !self.categorical.is_empty() {
            return self.fused_categorical(params, ys, sample, gradient);
        }
        let (w, b) = self.split(params);
        let p = self.n_features();
        if w.len() != p {
            return None;
        }
        if let Some(sums) = self.at_zero_coefficients(w, b, sample, gradient) {
            return Some(sums);
        }
        let sums = with_rows!(&self.x, rows => self.fused_sums(rows, ys, w, b, sample, gradient));
        // The slots are [Σℓ, Σℓ'x (p), Σℓ']; the last is the intercept's component.
        let end = if self.fit_intercept { p + 2 } else { p + 1 };
        let g = gradient.then(|| Array1::from(sums[1..end].to_vec()));
        Some((sums[0], g))
    }

    /// [`fused`](Design::fused)'s pass over the rows: the slots `[Σℓ, Σℓ'x (p), Σℓ']`, or
    /// `[Σℓ]` without the gradient.
    fn fused_sums<T: Element, L: SampleLoss>(
        &self,
        rows: &[T],
        ys: Targets<'_>,
        w: &[f64],
        b: f64,
        sample: &L,
        gradient: bool,
    ) -> Vec<f64> {
        let p = w.len();
        let width = if gradient { 1 + p + 1 } else { 1 };
        self.sum_over_chunks(rows, width, |i, chunk, out| {
            let ys = ys.rows(i * CHUNK_ROWS, chunk.len() / p);
            chunk_sums(chunk, ys, (w, b), None, sample, out);
        })
    }

    /// [`fused`](Design::fused) with categorical columns, still one pass over the dense rows:
    /// in each chunk, the rows' categorical terms `Σ_c w_c[codeᵢ]` are gathered into a slice
    /// of the kept per-sample vector (in cache for the kernel, which adds them to `zᵢ` and
    /// writes each row's slope `ℓ'ᵢ` back over them), and the dense sums are taken by the same
    /// kernel as without codes. The levels' gradient `Σ_{codeᵢ=k} ℓ'ᵢ` is then summed from the
    /// slopes in row order, one categorical column per thread. Chunks add in chunk order and
    /// levels in row order, so the result does not depend on the number of threads.
    fn fused_categorical<L: SampleLoss>(
        &self,
        params: &Array1<f64>,
        ys: Targets<'_>,
        sample: &L,
        gradient: bool,
    ) -> Option<(f64, Option<Array1<f64>>)> {
        let coefficients = params.as_slice()?;
        let p = self.dense_width();
        let (w, b) = (coefficients.get(..p)?, self.intercept(params));
        let n = self.n_samples();
        let columns: Vec<(usize, &Categorical<'_>)> = self.categorical_offsets().collect();
        let width = if gradient { 1 + p + 1 } else { 1 };
        let chunks = n.div_ceil(CHUNK_ROWS);
        let (sums, levels) = with_rows!(&self.x, rows => self.samples.with(|kept| {
            kept.resize(n.max(kept.len()), 0.0);
            let per_row = &mut kept[..n];
            let sums = self.partials.with(|partials| {
                partials.resize(chunks * width, 0.0);
                let work = |k: usize, (extra, out): (&mut [f64], &mut [f64])| {
                    let start = k * CHUNK_ROWS;
                    let end = start + extra.len();
                    // Each row's categorical terms, gathered while the chunk is in cache.
                    extra.fill(0.0);
                    let z = ArrayViewMut1::from(&mut *extra);
                    add_levels(&self.categorical, p, coefficients, start, z);
                    let (rows, ys) = (&rows[start * p..end * p], ys.rows(start, end - start));
                    chunk_sums(rows, ys, (w, b), Some(extra), sample, out);
                };
                let pairs = per_row.chunks_mut(CHUNK_ROWS).zip(partials.chunks_mut(width));
                if chunks > 1 && rayon::current_num_threads() > 1 {
                    per_row
                        .par_chunks_mut(CHUNK_ROWS)
                        .zip(partials.par_chunks_mut(width))
                        .enumerate()
                        .for_each(|(k, pair)| work(k, pair));
                } else {
                    pairs.enumerate().for_each(|(k, pair)| work(k, pair));
                }
                sum_in_row_order(partials, width, None)
            });
            // The slopes are in `per_row` now: the levels' sums, column by column.
            let levels: Option<Vec<Vec<f64>>> = gradient.then(|| {
                let scatter = |(_, c): &(usize, &Categorical<'_>)| level_sums(c, per_row);
                if columns.len() > 1 && rayon::current_num_threads() > 1 {
                    columns.par_iter().map(scatter).collect()
                } else {
                    columns.iter().map(scatter).collect()
                }
            });
            Some((sums, levels))
        }))?;
        let g = levels.map(|levels| {
            // The slots are [Σℓ, Σℓ'x (p), Σℓ']; the levels go between the last two.
            let mut g = Vec::with_capacity(self.n_params());
            g.extend_from_slice(&sums[1..=p]);
            for level in levels {
                g.extend(level);
            }
            if self.fit_intercept {
                g.push(sums[p + 1]);
            }
            Array1::from(g)
        });
        Some((sums[0], g))
    }

    /// [`fused`](Design::fused)'s sums without a pass, from the [`DataSummary`], when every
    /// coefficient in `w` is zero and the loss's slope is affine in the target there.
    fn at_zero_coefficients<L: SampleLoss>(
        &self,
        w: &[f64],
        b: f64,
        sample: &L,
        gradient: bool,
    ) -> Option<(f64, Option<Array1<f64>>)> {
        let summary = self.summary_at(w)?;
        let targets = &summary.targets;
        let (total, a, c) = sample.at_constant(b, targets)?;
        if !gradient {
            return Some((total, None));
        }
        // Σᵢ (a + c·yᵢ) = N(a + cȳ); Σᵢ (a + c·yᵢ) xᵢⱼ = N(a + cȳ)·x̄ⱼ + c·Cⱼ.
        let slope_sum = targets.count * (a + c * targets.mean);
        let mut g = &summary.stats.mean * slope_sum + &summary.cross * c;
        if self.fit_intercept {
            g = ndarray::concatenate![ndarray::Axis(0), g, ndarray::array![slope_sum]];
        }
        Some((total, Some(g)))
    }

    /// `[[XᵀQX, XᵀQ1], [1ᵀQX, 1ᵀQ1]]` with `Q = diag(qᵢ)`, `qᵢ = ℓ''(yᵢ, zᵢ)` at `params`
    /// (`qᵢ = 1` when `curvature` is `None`), times the sample weights `sᵢ` when there are
    /// some: the Hessian of a (weighted) sum of convex per-sample losses.
    ///
    /// Rows are scaled by `√qᵢ` into a small per-thread block (with `√qᵢ` as the intercept's
    /// column) and each block's `SᵀS` is added by our Gram kernel ([`gram_tiles`]: 8×8 tiles
    /// of the upper triangle summed in registers, half the work of a general product). Chunks
    /// are summed in order, as in [`fused`].
    ///
    /// `None` when `X` or `y` is not contiguous.
    ///
    /// [`fused`]: Design::fused
    pub(crate) fn gram<L: SampleLoss>(
        &self,
        params: &Array1<f64>,
        y: &ArrayView1<'_, f64>,
        curvature: Option<&L>,
    ) -> Option<Array2<f64>> {
        let all: Vec<usize> = (0..self.n_params()).collect();
        self.gram_block(params, y, curvature, &all)
    }

    /// The block of [`gram`](Design::gram) on the parameter indices `columns` (increasing;
    /// `p` is the intercept's column of ones): each row's `√qᵢ·xᵢ` is gathered on `columns`
    /// only, so that the cost is `O(N·|columns|²)`, what a proximal Newton step on a working
    /// set pays.
    ///
    /// `None` when `X` or `y` is not contiguous.
    pub(crate) fn gram_block<L: SampleLoss>(
        &self,
        params: &Array1<f64>,
        y: &ArrayView1<'_, f64>,
        curvature: Option<&L>,
        columns: &[usize],
    ) -> Option<Array2<f64>> {
        if !self.categorical.is_empty() {
            return None;
        }
        let ys = self.targets(y)?;
        let (w, b) = self.split(params);
        let p = self.n_features();
        if w.len() != p && curvature.is_some() {
            return None;
        }
        let k = columns.len();
        // The scaled rows are laid out `width` apart, zero-padded to whole vectors, for the
        // tiles of the Gram kernel.
        let width = k.div_ceil(LANES) * LANES;
        let sums = with_rows!(&self.x, rows => self.gram_sums(rows, ys, w, b, curvature, columns));
        // The tiles cover the upper triangle; take the `k × k` corner and mirror it.
        Some(Array2::from_shape_fn((k, k), |(r, c)| {
            let (r, c) = if r <= c { (r, c) } else { (c, r) };
            sums[r * width + c]
        }))
    }

    /// [`gram_block`](Design::gram_block)'s pass over the rows: the upper triangle of the
    /// `width × width` tiles, `width` the number of columns rounded up to whole vectors.
    fn gram_sums<T: Element, L: SampleLoss>(
        &self,
        rows: &[T],
        ys: Targets<'_>,
        w: &[f64],
        b: f64,
        curvature: Option<&L>,
        columns: &[usize],
    ) -> Vec<f64> {
        let p = self.n_features();
        let k = columns.len();
        let width = k.div_ceil(LANES) * LANES;
        let everything = k == self.n_params();
        self.sum_over_chunks(rows, width * width, |i, chunk, out| {
            out.fill(0.0);
            let ys = ys.rows(i * CHUNK_ROWS, chunk.len() / p);
            let mut q = [1.0; BLOCK_ROWS];
            SCALED_BLOCK.with_borrow_mut(|block| {
                // Zeros in the padding (a buffer used before for another width is cleared).
                block.clear();
                block.resize(BLOCK_ROWS * width, 0.0);
                for (at, rows) in chunk.chunks(BLOCK_ROWS * p).enumerate() {
                    let ys = ys.rows(at * BLOCK_ROWS, rows.len() / p);
                    let q = &mut q[..ys.len()];
                    match (curvature, ys.weight) {
                        (Some(loss), _) => curvatures(rows, ys, w, b, loss, q),
                        (None, Some(s)) => q.copy_from_slice(s),
                        (None, None) => {}
                    }
                    for ((row, &qi), scaled) in rows
                        .chunks_exact(p)
                        .zip(q.iter())
                        .zip(block.chunks_exact_mut(width))
                    {
                        let root = qi.max(0.0).sqrt();
                        if everything {
                            for (s, &x) in scaled.iter_mut().zip(row) {
                                *s = root * x.into();
                            }
                            if k > p {
                                scaled[p] = root;
                            }
                        } else {
                            for (s, &j) in scaled.iter_mut().zip(columns) {
                                *s = if j < p { root * row[j].into() } else { root };
                            }
                        }
                    }
                    gram_tiles(&block[..ys.len() * width], width, out);
                }
            });
        })
    }
}

#[cfg(test)]
impl Design<'_> {
    pub(crate) fn x_ptr(&self) -> *const f64 {
        match &self.x {
            Features::F64(x) => x.as_ptr(),
            Features::F32(x) => x.as_ptr().cast(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Gradient, Hessian, LinearModelLoss, LogLoss, MeanSquaredError, Objective};
    use ndarray::{Array1, Array2, ShapeBuilder};

    /// A deterministic problem with more rows than one chunk, and a row count that is not a
    /// multiple of the chunk or block sizes.
    fn problem(n: usize, p: usize) -> (Array2<f64>, Array1<f64>, Array1<f64>) {
        let x = Array2::from_shape_fn((n, p), |(i, j)| {
            ((i * 31 + j * 17) as f64 * 0.618).sin() * (1.0 + j as f64 / 3.0)
        });
        let y = Array1::from_shape_fn(n, |i| f64::from(((i * 7) as f64 * 0.37).sin() > 0.1));
        let params = Array1::from_shape_fn(p + 1, |j| 0.2 * (j as f64 * 1.3).cos());
        (x, y, params)
    }

    fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(f)
    }

    #[test]
    fn results_do_not_depend_on_the_number_of_threads() {
        let (x, y, params) = problem(3 * super::CHUNK_ROWS + 77, 9);
        let loss = LogLoss::new(&x, &y).unwrap();
        let mse = MeanSquaredError::new(&x, &y).unwrap();
        let one = in_pool(1, || {
            (
                loss.value_and_gradient(&params),
                loss.hessian(&params),
                mse.value_and_gradient(&params),
                mse.hessian(&params),
            )
        });
        for threads in [2, 3, 4] {
            let many = in_pool(threads, || {
                (
                    loss.value_and_gradient(&params),
                    loss.hessian(&params),
                    mse.value_and_gradient(&params),
                    mse.hessian(&params),
                )
            });
            // Bit for bit: the chunks and the order of their sums are fixed.
            assert_eq!(one, many, "{threads} threads");
        }
    }

    /// Categorical columns for `n` rows: a small one and a wide one, each with rows at the
    /// reference level; with the one-hot matrix of `x`'s dense block and their indicators.
    fn with_categories(x: &Array2<f64>) -> (Vec<crate::Categorical<'static>>, Array2<f64>) {
        use crate::Categorical;
        let n = x.nrows();
        let specs = [(5usize, 3usize), (300, 7)];
        let columns: Vec<Categorical<'static>> = specs
            .iter()
            .map(|&(levels, stride)| {
                let codes: Vec<u32> = (0..n)
                    .map(|i| match (i * stride + i / 5) % (levels + 1) {
                        k if k == levels => Categorical::NONE,
                        k => k as u32,
                    })
                    .collect();
                Categorical::new(codes, levels).unwrap()
            })
            .collect();
        let width: usize = specs.iter().map(|s| s.0).sum();
        let p = x.ncols();
        let mut one_hot = Array2::zeros((n, p + width));
        one_hot.slice_mut(ndarray::s![.., ..p]).assign(x);
        let mut start = p;
        for c in &columns {
            for (i, &code) in c.codes().iter().enumerate() {
                if code != Categorical::NONE {
                    one_hot[[i, start + code as usize]] = 1.0;
                }
            }
            start += c.levels();
        }
        (columns, one_hot)
    }

    /// `x` with the categorical `columns`.
    fn design<'a>(
        x: impl Into<crate::Features<'a>>,
        columns: &'a [crate::Categorical<'static>],
    ) -> crate::DesignMatrix<'a> {
        let views = columns.iter().map(crate::Categorical::view).collect();
        crate::DesignMatrix::new(x, views).unwrap()
    }

    #[test]
    fn the_categorical_one_pass_kernel_agrees_with_one_hot_columns_at_any_thread_count() {
        type Sums = (f64, Array1<f64>);
        let close = |a: &Sums, b: &Sums, what: &str| {
            assert!((a.0 - b.0).abs() <= 1e-12 * b.0.abs().max(1.0), "{what}");
            for (u, v) in a.1.iter().zip(&b.1) {
                assert!(
                    (u - v).abs() <= 1e-12 * v.abs().max(1.0),
                    "{what}: {u} vs {v}"
                );
            }
        };
        // Widths without whole vectors, of whole vectors (gradient in registers), with a
        // tail, and none at all (codes only); rows over several chunks, not a multiple of a
        // block.
        for p in [0, 3, 8, 13, 20] {
            let (x, y, _) = problem(3 * super::CHUNK_ROWS + 77, p);
            let y_real = y.mapv(|v| 2.0 * v - 0.5);
            let (columns, one_hot) = with_categories(&x);
            let params =
                Array1::from_shape_fn(one_hot.ncols() + 1, |j| 0.05 * (j as f64 * 1.3).cos());
            let log = LogLoss::new(design(&x, &columns), &y).unwrap();
            let mse = MeanSquaredError::new(design(&x, &columns), &y_real).unwrap();
            let evaluate = || {
                (
                    log.value_and_gradient(&params),
                    mse.value_and_gradient(&params),
                    log.value(&params),
                    mse.value(&params),
                )
            };
            let one = in_pool(1, evaluate);
            let log_dense = LogLoss::new(&one_hot, &y).unwrap();
            let mse_dense = MeanSquaredError::new(&one_hot, &y_real).unwrap();
            close(
                &one.0,
                &log_dense.value_and_gradient(&params),
                &format!("log loss, p = {p}"),
            );
            close(
                &one.1,
                &mse_dense.value_and_gradient(&params),
                &format!("MSE, p = {p}"),
            );
            // The value passes sum the same losses, the rows left over a block by the scalar
            // `loss` rather than `loss_and_slope`.
            for (value, with_gradient) in [(one.2, one.0 .0), (one.3, one.1 .0)] {
                assert!((value - with_gradient).abs() <= 1e-15 * value, "p = {p}");
            }
            // Bit for bit at any number of threads: chunks add in order, levels in row order.
            assert_eq!(one, in_pool(2, evaluate), "2 threads, p = {p}");
            // f32 storage: the same bits as f64 holding the same values.
            let x32 = x.mapv(|v| v as f32);
            let widened = x32.mapv(f64::from);
            let narrow = LogLoss::new(design(&x32, &columns), &y).unwrap();
            let wide = LogLoss::new(design(&widened, &columns), &y).unwrap();
            assert_eq!(
                narrow.value_and_gradient(&params),
                wide.value_and_gradient(&params),
                "f32, p = {p}"
            );
        }
    }

    #[test]
    fn evaluations_nested_in_rayon_tasks_agree() {
        // Rayon may run another of these tasks on a thread that is waiting for its own
        // chunks; the kept buffer is then busy, and that evaluation takes a fresh one (a
        // blocking lock there could deadlock; whether rayon interleaves them so is up to its
        // scheduler, so this checks the results, not the interleaving).
        use rayon::prelude::*;
        let (x, y, params) = problem(4 * super::CHUNK_ROWS, 5);
        let loss = LogLoss::new(&x, &y).unwrap();
        let expected = loss.value_and_gradient(&params);
        let results: Vec<_> = in_pool(2, || {
            (0..16)
                .into_par_iter()
                .map(|_| (loss.value_and_gradient(&params), loss.hessian(&params)))
                .collect()
        });
        assert!(results.iter().all(|(vg, _)| *vg == expected));
        assert!(results.windows(2).all(|w| w[0].1 == w[1].1));
    }

    #[test]
    fn one_pass_kernels_agree_with_the_two_pass_path() {
        // Widths below one vector, of whole vectors, and with tails of every kind.
        for p in [3, 6, 8, 9, 13, 20, 31, 50, 64, 67, 75] {
            agree_with_the_two_pass_path(p);
        }
    }

    fn agree_with_the_two_pass_path(p: usize) {
        let (x, y, params) = problem(2 * super::CHUNK_ROWS + 5, p);
        // The same values in column-major order: not one row-major slice, so the BLAS path.
        let mut columns = Array2::zeros(x.raw_dim().f());
        columns.assign(&x);
        assert!(columns.as_slice().is_none());
        for fit_intercept in [true, false] {
            let params = if fit_intercept {
                params.clone()
            } else {
                params.slice(ndarray::s![..p]).to_owned()
            };
            let fused = LogLoss::new(&x, &y).unwrap().fit_intercept(fit_intercept);
            let blas = LogLoss::new(&columns, &y)
                .unwrap()
                .fit_intercept(fit_intercept);
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * (1.0 + b.abs());
            let (fv, fg) = fused.value_and_gradient(&params);
            let (bv, bg) = blas.value_and_gradient(&params);
            assert!(close(fv, bv) && close(fused.value(&params), bv));
            assert!(fg.iter().zip(&bg).all(|(a, b)| close(*a, *b)));
            let (fh, bh) = (fused.hessian(&params), blas.hessian(&params));
            assert!(fh.iter().zip(&bh).all(|(a, b)| close(*a, *b)));
            let fused = MeanSquaredError::new(&x, &y)
                .unwrap()
                .fit_intercept(fit_intercept);
            let blas = MeanSquaredError::new(&columns, &y)
                .unwrap()
                .fit_intercept(fit_intercept);
            let (fv, fg) = fused.value_and_gradient(&params);
            let (bv, bg) = blas.value_and_gradient(&params);
            assert!(close(fv, bv) && close(fused.value(&params), bv));
            assert!(fg.iter().zip(&bg).all(|(a, b)| close(*a, *b)));
            let (fh, bh) = (fused.hessian(&params), blas.hessian(&params));
            assert!(fh.iter().zip(&bh).all(|(a, b)| close(*a, *b)));
        }
    }

    #[test]
    fn the_checking_pass_finds_every_non_finite_value() {
        // Where the shift of a chunk comes from (its first row), inside a block, the last
        // row, and the last column; NaN and both infinities.
        let (x, y, _) = problem(2 * super::CHUNK_ROWS + 5, 11);
        for (row, column) in [(0, 0), (8192, 3), (5000, 10), (x.nrows() - 1, 10)] {
            for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                let mut x = x.clone();
                x[[row, column]] = bad;
                let found = LogLoss::new(&x, &y).unwrap_err();
                assert!(
                    matches!(found, crate::ObjectiveError::NonFiniteFeature { row: r, column: c, .. }
                        if (r, c) == (row, column)),
                    "{bad} at ({row}, {column}): {found}"
                );
            }
        }
        // Finite values whose squares overflow are data, not an error.
        let mut big = x.clone();
        big[[7, 2]] = 1e300;
        let loss = LogLoss::new(&big, &y).unwrap();
        assert!(loss.column_statistics().is_none());
        assert!(loss.value(&Array1::zeros(12)).is_finite());
    }

    #[test]
    fn evaluations_at_zero_coefficients_from_the_summary_agree_with_a_pass() {
        let (x, y, _) = problem(2 * super::CHUNK_ROWS + 5, 13);
        // Targets of any scale for the squared error, offset features.
        let targets = y.mapv(|v| 40.0 * v - 3.0);
        let x = x + 250.0;
        let mut columns = Array2::zeros(x.raw_dim().f());
        columns.assign(&x);
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * (1.0 + b.abs());
        for fit_intercept in [true, false] {
            for b in [0.0, 0.7, -3.5] {
                let mut params = Array1::zeros(13 + usize::from(fit_intercept));
                if fit_intercept {
                    params[13] = b;
                }
                let summarized = LogLoss::new(&x, &y).unwrap().fit_intercept(fit_intercept);
                assert!(summarized.column_statistics().is_some());
                let passed = LogLoss::new(&columns, &y)
                    .unwrap()
                    .fit_intercept(fit_intercept);
                let (sv, sg) = summarized.value_and_gradient(&params);
                let (pv, pg) = passed.value_and_gradient(&params);
                assert!(
                    close(sv, pv) && close(summarized.value(&params), pv),
                    "{sv} {pv}"
                );
                assert!(sg.iter().zip(&pg).all(|(a, b)| close(*a, *b)), "{sg} {pg}");
                let summarized = MeanSquaredError::new(&x, &targets)
                    .unwrap()
                    .fit_intercept(fit_intercept);
                let passed = MeanSquaredError::new(&columns, &targets)
                    .unwrap()
                    .fit_intercept(fit_intercept);
                let (sv, sg) = summarized.value_and_gradient(&params);
                let (pv, pg) = passed.value_and_gradient(&params);
                assert!(
                    close(sv, pv) && close(summarized.value(&params), pv),
                    "{sv} {pv}"
                );
                assert!(sg.iter().zip(&pg).all(|(a, b)| close(*a, *b)), "{sg} {pg}");
            }
        }
    }

    #[test]
    fn the_predictor_kernel_agrees_with_a_plain_product() {
        for p in [1, 3, 8, 9, 13, 20, 31] {
            let (x, _, params) = problem(2 * super::CHUNK_ROWS + 13, p);
            let w = params.slice(ndarray::s![..p]);
            let expected = x.dot(&w) + 0.25;
            for threads in [1, 2] {
                let z = in_pool(threads, || {
                    crate::linear_predictor(x.view(), w, 0.25).unwrap()
                });
                let close = |a: f64, b: f64| (a - b).abs() <= 1e-13 * (1.0 + b.abs());
                assert!(z.iter().zip(&expected).all(|(a, b)| close(*a, *b)), "p {p}");
            }
        }
        let (x, _, _) = problem(5, 3);
        assert!(crate::linear_predictor(x.view(), Array1::zeros(2).view(), 0.0).is_err());
    }

    #[test]
    fn the_transpose_product_kernel_agrees_with_a_plain_product() {
        for p in [1, 3, 8, 9, 13, 20, 31] {
            let (x, y, _) = problem(2 * super::CHUNK_ROWS + 13, p);
            let v = y.mapv(|y| y - 0.3);
            let expected = x.t().dot(&v);
            let design = super::Design::new(x.view().into(), &y.view()).unwrap();
            let one = in_pool(1, || design.transpose_times(&v));
            let two = in_pool(2, || design.transpose_times(&v));
            assert_eq!(one, two, "p {p}: the same sums for any number of threads");
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * (1.0 + b.abs());
            assert!(
                one.iter().zip(&expected).all(|(a, b)| close(*a, *b)),
                "p {p}"
            );
        }
    }

    /// Values that `f32` holds exactly, so that an `f32` matrix and an `f64` matrix of the
    /// same values are the same data.
    fn in_f32(x: &Array2<f64>) -> (Array2<f32>, Array2<f64>) {
        let x32 = x.mapv(|v| v as f32);
        let x64 = x32.mapv(f64::from);
        (x32, x64)
    }

    #[test]
    fn f32_storage_gives_the_same_bits_as_f64_holding_the_same_values() {
        use crate::{ColumnStatistics, ElasticNet, HessianBlock, Smooth};
        for p in [3, 8, 13, 50, 67] {
            let (x, y, params) = problem(2 * super::CHUNK_ROWS + 5, p);
            let (x32, x64) = in_f32(&x);
            let targets = y.mapv(|v| 3.0 * v - 1.0) + x64.column(0);
            let penalty = ElasticNet::new(1e-3, 1e-3, p).unwrap();
            let indices = [0, p / 2, p];
            for threads in [1, 2] {
                in_pool(threads, || {
                    let wide = LogLoss::new(&x64, &y).unwrap();
                    let narrow = LogLoss::new(&x32, &y).unwrap();
                    assert_eq!(wide.value(&params), narrow.value(&params), "p {p}");
                    assert_eq!(
                        wide.value_and_gradient(&params),
                        narrow.value_and_gradient(&params)
                    );
                    assert_eq!(wide.hessian(&params), narrow.hessian(&params));
                    assert_eq!(
                        wide.hessian_block(&params, &indices),
                        narrow.hessian_block(&params, &indices)
                    );
                    assert_eq!(wide.l1_threshold(), narrow.l1_threshold());
                    assert_eq!(
                        wide.duality_gap(&params, &penalty),
                        narrow.duality_gap(&params, &penalty)
                    );
                    assert_eq!(wide.column_statistics(), narrow.column_statistics());
                    let zero = Array1::zeros(p + 1);
                    assert_eq!(
                        wide.value_and_gradient(&zero),
                        narrow.value_and_gradient(&zero)
                    );
                    let wide = MeanSquaredError::new(&x64, &targets).unwrap();
                    let narrow = MeanSquaredError::new(&x32, &targets).unwrap();
                    assert_eq!(
                        wide.value_and_gradient(&params),
                        narrow.value_and_gradient(&params)
                    );
                    assert_eq!(wide.hessian(&params), narrow.hessian(&params));
                    assert_eq!(
                        wide.duality_gap(&params, &penalty),
                        narrow.duality_gap(&params, &penalty)
                    );
                    let w = params.slice(ndarray::s![..p]);
                    assert_eq!(
                        crate::linear_predictor(&x64, w, 0.5).unwrap(),
                        crate::linear_predictor(&x32, w, 0.5).unwrap()
                    );
                    assert_eq!(
                        ColumnStatistics::of(&x64).unwrap(),
                        ColumnStatistics::of(&x32).unwrap()
                    );
                });
            }
        }
    }

    #[test]
    fn f32_in_other_layouts_and_with_strided_targets_agrees_with_row_major() {
        let p = 13;
        let (x, y, params) = problem(2 * super::CHUNK_ROWS + 5, p);
        let (x32, _) = in_f32(&x);
        // Column-major: copied once into row-major order, then the same kernels.
        let mut columns = Array2::zeros(x32.raw_dim().f());
        columns.assign(&x32);
        let rows = LogLoss::new(&x32, &y).unwrap();
        let copied = LogLoss::new(&columns, &y).unwrap();
        assert_eq!(
            rows.value_and_gradient(&params),
            copied.value_and_gradient(&params)
        );
        // Targets with a stride: not one slice, so the two-pass path, on the f32 matrix.
        let y2 = Array1::from_iter(y.iter().flat_map(|a| [*a, *a]));
        let strided_y = y2.slice(ndarray::s![..;2]);
        let two_pass = LogLoss::new(&x32, strided_y).unwrap();
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * (1.0 + b.abs());
        let (fv, fg) = rows.value_and_gradient(&params);
        let (tv, tg) = two_pass.value_and_gradient(&params);
        assert!(close(fv, tv) && close(two_pass.value(&params), fv));
        assert!(fg.iter().zip(&tg).all(|(a, b)| close(*a, *b)));
        let (fh, th) = (rows.hessian(&params), two_pass.hessian(&params));
        assert!(fh.iter().zip(&th).all(|(a, b)| close(*a, *b)));
        let targets = y.mapv(|v| 2.0 * v + 0.5);
        let t2 = Array1::from_iter(targets.iter().flat_map(|a| [*a, *a]));
        let rows = MeanSquaredError::new(&x32, &targets).unwrap();
        let two_pass = MeanSquaredError::new(&x32, t2.slice(ndarray::s![..;2])).unwrap();
        let (fv, fg) = rows.value_and_gradient(&params);
        let (tv, tg) = two_pass.value_and_gradient(&params);
        assert!(close(fv, tv));
        assert!(fg.iter().zip(&tg).all(|(a, b)| close(*a, *b)));
        let (fh, th) = (rows.hessian(&params), two_pass.hessian(&params));
        assert!(fh.iter().zip(&th).all(|(a, b)| close(*a, *b)));
    }

    #[test]
    fn f32_non_finite_values_are_found_where_they_are() {
        let (x, y, _) = problem(2 * super::CHUNK_ROWS + 5, 11);
        let (x32, _) = in_f32(&x);
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let mut x = x32.clone();
            x[[5000, 10]] = bad;
            let found = LogLoss::new(&x, &y).unwrap_err();
            assert!(
                matches!(
                    found,
                    crate::ObjectiveError::NonFiniteFeature {
                        row: 5000,
                        column: 10,
                        ..
                    }
                ),
                "{found}"
            );
            assert!(matches!(crate::first_non_finite(&x), Some((5000, 10, _))));
        }
    }
}
