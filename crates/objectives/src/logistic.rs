use crate::elastic_net::{mean_gap, negative_entropy, ElasticNet, HessianBlock, Smooth};
use crate::kernel::{self, weight_at, weight_lanes, Kernel, Lanes, LANES};
use crate::linear::{Design, SampleLoss, TargetMoments};
use crate::{
    sum_in_row_order, ColumnStatistics, DesignMatrix, Gradient, Hessian, LinearModelLoss,
    Objective, ObjectiveError, RowShare,
};
use ndarray::{Array1, Array2, ArrayView1, ArrayViewMut1};
use rayon::prelude::*;
use std::borrow::Cow;

/// The inverse logit (sigmoid) `σ(z) = 1 / (1 + e^(−z))`, computed without overflow.
///
/// For `z < 0` it evaluates `e^z / (1 + e^z)`, so `e^(−z)` is never formed for large `|z|`.
///
/// The course's worked examples (`z = α + w₁x₁ + w₂x₂`):
/// ```
/// use descent_objectives::sigmoid;
/// assert!((sigmoid(-9.0 + 4.0 * 10.0 - 5.0 * 0.0) - 1.0).abs() < 1e-13); // z = 31 → ≈ 1
/// assert!((sigmoid(3.0 - 6.0 * 3.0 - 4.0 * -4.0) - 0.731).abs() < 1e-3); // z = 1 → ≈ 0.73
/// assert!((sigmoid(10.0 + 6.0 * 0.0 - 5.0 * 4.0) - 4.54e-5).abs() < 1e-7); // z = −10
/// assert_eq!(sigmoid(-1000.0), 0.0);
/// assert_eq!(sigmoid(1000.0), 1.0);
/// ```
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// `log σ(z) = −log(1 + e^(−z))`, finite for every finite `z`.
///
/// Written as `min(z, 0) − log1p(e^(−|z|))`, which neither overflows for large `|z|` nor loses
/// the tail to rounding (`log σ(−1000) = −1000`, where `σ(−1000)` itself underflows to 0).
///
/// ```
/// use descent_objectives::log_sigmoid;
/// assert_eq!(log_sigmoid(-1000.0), -1000.0);
/// assert!(log_sigmoid(1000.0) == 0.0);
/// assert!((log_sigmoid(0.0) + 2f64.ln()).abs() < 1e-15);
/// ```
pub fn log_sigmoid(z: f64) -> f64 {
    z.min(0.0) - (-z.abs()).exp().ln_1p()
}

/// `log(1 + e^z)`, the per-sample log loss of a negative label at linear predictor `z`.
fn softplus(z: f64) -> f64 {
    -log_sigmoid(-z)
}

/// `σ(z)(1 − σ(z)) = e^(−|z|) / (1 + e^(−|z|))²`, the second derivative of the log loss in `z`.
fn sigmoid_derivative(z: f64) -> f64 {
    let e = (-z.abs()).exp();
    e / ((1.0 + e) * (1.0 + e))
}

/// `e^(−|z|)` lane by lane: the one exponential that the loss, slope and curvature of the log
/// loss are all written in, and that cannot overflow.
#[inline(always)]
fn exp_negative_abs<const FMA: bool>(z: Lanes) -> Lanes {
    let mut negative_abs = [0.0; LANES];
    for l in 0..LANES {
        negative_abs[l] = -z[l].abs();
    }
    kernel::exp::<FMA>(negative_abs)
}

/// One sample's log loss `log(1 + e^z) − yz`, its slope `σ(z) − y` and curvature
/// `σ(z)(1 − σ(z))`, all from one `e^(−|z|)`.
struct Logistic;

impl SampleLoss for Logistic {
    #[inline]
    fn loss(&self, z: f64, y: f64) -> f64 {
        softplus(z) - y * z
    }

    #[inline]
    fn loss_and_slope(&self, z: f64, y: f64) -> (f64, f64) {
        // log(1 + e^z) = max(z, 0) + log1p(e^(−|z|)); σ(z) from the same exponential.
        let e = (-z.abs()).exp();
        let loss = z.max(0.0) + e.ln_1p() - y * z;
        let p = if z >= 0.0 {
            1.0 / (1.0 + e)
        } else {
            e / (1.0 + e)
        };
        (loss, p - y)
    }

    #[inline(always)]
    fn loss_and_slope_lanes<const FMA: bool>(&self, z: Lanes, y: Lanes) -> (Lanes, Lanes) {
        let e = exp_negative_abs::<FMA>(z);
        let log1p = kernel::log1p_unit::<FMA>(e);
        let (mut loss, mut slope) = ([0.0; LANES], [0.0; LANES]);
        for l in 0..LANES {
            let positive = z[l] >= 0.0;
            loss[l] = (if positive { z[l] } else { 0.0 }) + log1p[l] - y[l] * z[l];
            slope[l] = (if positive { 1.0 } else { e[l] }) / (1.0 + e[l]) - y[l];
        }
        (loss, slope)
    }

    /// `Σᵢ [log(1 + e^z) − yᵢz] = N·log(1 + e^z) − z·Nȳ`, and the slope `σ(z) − y`.
    fn at_constant(&self, z: f64, targets: &TargetMoments) -> Option<(f64, f64, f64)> {
        let n = targets.count;
        Some((n * softplus(z) - z * (n * targets.mean), sigmoid(z), -1.0))
    }

    #[inline]
    fn curvature(&self, z: f64, _y: f64) -> f64 {
        sigmoid_derivative(z)
    }

    #[inline(always)]
    fn curvature_lanes<const FMA: bool>(&self, z: Lanes, _y: Lanes) -> Lanes {
        let e = exp_negative_abs::<FMA>(z);
        let mut q = [0.0; LANES];
        for l in 0..LANES {
            q[l] = e[l] / ((1.0 + e[l]) * (1.0 + e[l]));
        }
        q
    }
}

/// Log loss (binary cross-entropy) of logistic regression, averaged over samples.
///
/// With `zᵢ = xᵢ·w + b` and `Pᵢ = σ(zᵢ)`:
///
/// - `L(w, b) = −(1/N) Σᵢ [yᵢ log Pᵢ + (1 − yᵢ) log(1 − Pᵢ)] = (1/N) Σᵢ [log(1 + e^{zᵢ}) − yᵢ zᵢ]`
/// - `∇_w L = (1/N) Xᵀ(P − y)`, `∂L/∂b = (1/N) Σᵢ (Pᵢ − yᵢ)`
/// - `∇²L = (1/N) X̃ᵀ diag(P(1 − P)) X̃`, where `X̃ = [X 1]` with the intercept
///
/// The parameter vector is `[w₁, …, w_p, b]` (or `[w₁, …, w_p]` without an intercept). The
/// intercept is handled without appending a column of ones: `X` is borrowed and never copied.
/// Every term is computed in a stable form (`log1p`, `exp(−|z|)`), so the loss, gradient and
/// Hessian stay finite for any finite `z`, including `z = ±1000`.
///
/// [`value_and_gradient`](Gradient::value_and_gradient) reads `X` once: each row's `zᵢ` is
/// formed and its term of the gradient added while the row is in cache, in chunks of rows
/// spread over rayon's threads (the result is the same for any number of threads). The
/// Hessian is accumulated block by block by a Gram kernel of the crate's own. Neither
/// allocates anything in proportion to the number of samples.
///
/// Construction reads `X` once: the pass that proves it finite also computes its column
/// statistics ([`LinearModelLoss::column_statistics`]) and the co-moments with `y`, from which
/// an evaluation where every coefficient is zero (the start of a fit) needs no pass at all.
///
/// ```
/// use descent_objectives::{Gradient, LogLoss, Objective};
/// use ndarray::array;
///
/// let x = array![[1.0], [2.0], [3.0]];
/// let y = array![0.0, 1.0, 1.0];
/// let loss = LogLoss::new(&x, &y)?;
/// // At w = 0, b = 0 every P is ½ and the loss is log 2.
/// let w = array![0.0, 0.0];
/// assert!((loss.value(&w) - 2f64.ln()).abs() < 1e-15);
/// // ∂L/∂w = (1/3)·Σ xᵢ(½ − yᵢ) = (½ − 1 − 1.5)/3
/// assert!((loss.gradient(&w)[0] + 2.0 / 3.0).abs() < 1e-15);
/// # Ok::<(), descent_objectives::ObjectiveError>(())
/// ```
#[derive(Debug, Clone)]
pub struct LogLoss<'a> {
    design: Design<'a>,
    y: ArrayView1<'a, f64>,
}

impl<'a> LogLoss<'a> {
    /// The log loss of features `x` (one row per sample) against labels `y` in {0, 1}, with an
    /// intercept (call [`fit_intercept(false)`](LogLoss::fit_intercept) to drop it).
    ///
    /// # Errors
    /// Empty data, a length mismatch between `x` and `y`, a NaN or infinite feature, or a
    /// label other than 0 or 1.
    pub fn new(
        x: impl Into<DesignMatrix<'a>>,
        y: impl Into<ArrayView1<'a, f64>>,
    ) -> Result<Self, ObjectiveError> {
        let y = y.into();
        let design = Design::new(x.into(), &y)?;
        binary_targets(y, 0)?;
        Ok(LogLoss { design, y })
    }

    /// The log loss of this process's share of rows shared among processes ([`RowShare`]):
    /// values, gradients and Hessians are those of all the rows, the same to the bit as
    /// [`LogLoss::new`] on all of them in one process, on every process. Every process of the
    /// group must call this, and then make the same evaluations in the same order.
    ///
    /// ```
    /// use descent_objectives::{Gradient, LogLoss, RowShare, ThreadGroup};
    /// use ndarray::{s, Array1, Array2};
    /// use std::sync::Arc;
    /// let n = 20_000;
    /// let x = Array2::from_shape_fn((n, 3), |(i, j)| ((i * 7 + j * 3) % 11) as f64 - 5.0);
    /// let y = Array1::from_shape_fn(n, |i| (i % 3 == 0) as u8 as f64);
    /// let w = ndarray::array![0.1, -0.2, 0.05, 0.3];
    /// let whole = LogLoss::new(&x, &y)?.value_and_gradient(&w);
    /// let shared = std::thread::scope(|scope| {
    ///     let runs: Vec<_> = ThreadGroup::new(2)
    ///         .into_iter()
    ///         .map(|group| {
    ///             let (x, y, w) = (&x, &y, &w);
    ///             scope.spawn(move || {
    ///                 let (share, rows) = RowShare::even(Arc::new(group), n)?;
    ///                 let (x, y) = (x.slice(s![rows.clone(), ..]), y.slice(s![rows]));
    ///                 Ok(LogLoss::new_shared(x, y, &share)?.value_and_gradient(w))
    ///             })
    ///         })
    ///         .collect();
    ///     runs.into_iter().map(|r| r.join().unwrap()).collect::<Result<Vec<_>, _>>()
    /// })?;
    /// assert_eq!(shared, vec![whole.clone(), whole]);
    /// # Ok::<(), descent_objectives::ObjectiveError>(())
    /// ```
    ///
    /// # Errors
    /// As [`LogLoss::new`], on every process when any process's share fails (the others
    /// return [`ObjectiveError::PeerFailed`], with its rank); a share that does not begin
    /// where the one before it ended, or that is not a whole number of
    /// [`ROW_BLOCK`](crate::ROW_BLOCK) rows (but the last); categorical columns and rows not
    /// contiguous in row-major order.
    pub fn new_shared(
        x: impl Into<DesignMatrix<'a>>,
        y: impl Into<ArrayView1<'a, f64>>,
        share: &RowShare,
    ) -> Result<Self, ObjectiveError> {
        let y = y.into();
        let labels = binary_targets(y, share.first_row());
        let design = Design::new_shared(x.into(), &y, share, labels)?;
        Ok(LogLoss { design, y })
    }

    /// A loss of `design` (checked already) against `y`: a block of a stream.
    pub(crate) fn from_design(design: Design<'a>, y: ArrayView1<'a, f64>) -> Self {
        LogLoss { design, y }
    }

    /// The loss's design: what its checking pass learned.
    pub(crate) fn design(&self) -> &Design<'a> {
        &self.design
    }

    /// Whether the last parameter is an intercept `b` (default: true).
    #[must_use]
    pub fn fit_intercept(mut self, fit_intercept: bool) -> Self {
        self.design.set_fit_intercept(fit_intercept);
        self
    }

    /// Weighs each sample's loss by `sᵢ ≥ 0` (scikit-learn's `sample_weight`): the loss is
    /// `(1/W) Σᵢ sᵢ [log(1 + e^{zᵢ}) − yᵢzᵢ]` with `W = Σᵢ sᵢ`, and its gradient and Hessian
    /// follow. Whole-number weights give the loss of the data with row `i` repeated `sᵢ` times;
    /// a zero weight, the loss without the row. The weights are borrowed (copied once if they
    /// are not contiguous), and the fused pass multiplies them in as it goes.
    ///
    /// ```
    /// use descent_objectives::{Gradient, LogLoss, Objective};
    /// use ndarray::array;
    /// let x = array![[1.0], [2.0], [3.0]];
    /// let y = array![0.0, 1.0, 1.0];
    /// let s = array![2.0, 0.0, 1.0];
    /// let weighted = LogLoss::new(&x, &y)?.sample_weight(&s)?;
    /// // The same as the first row twice and the third once.
    /// let (xr, yr) = (array![[1.0], [1.0], [3.0]], array![0.0, 0.0, 1.0]);
    /// let repeated = LogLoss::new(&xr, &yr)?;
    /// let w = array![0.3, -0.2];
    /// assert!((weighted.value(&w) - repeated.value(&w)).abs() < 1e-15);
    /// # Ok::<(), descent_objectives::ObjectiveError>(())
    /// ```
    ///
    /// On rows shared among processes ([`new_shared`](Self::new_shared)), every process
    /// calls this with its own rows' weights: `W` is the total over every share, summed in
    /// row order ([`row_total`](crate::row_total)).
    ///
    /// # Errors
    /// A weight count other than the number of rows, a negative, NaN or infinite weight, or
    /// weights that sum to zero; on shared rows, on every process when any process's weights
    /// fail ([`ObjectiveError::PeerFailed`] on the others).
    pub fn sample_weight(
        mut self,
        weights: impl Into<ArrayView1<'a, f64>>,
    ) -> Result<Self, ObjectiveError> {
        self.design.set_sample_weight(weights.into())?;
        Ok(self)
    }
}

/// Checks that every label is 0 or 1, in one scan (NaN and infinities included); rows are
/// reported from `first_row` on.
fn binary_targets(y: ArrayView1<'_, f64>, first_row: usize) -> Result<(), ObjectiveError> {
    match y.iter().position(|&v| v != 0.0 && v != 1.0) {
        None => Ok(()),
        Some(at) => {
            let (row, value) = (first_row + at, y[at]);
            Err(if value.is_finite() {
                ObjectiveError::NonBinaryLabel { row, value }
            } else {
                ObjectiveError::NonFiniteTarget { row, value }
            })
        }
    }
}

impl Objective for LogLoss<'_> {
    type Param = Array1<f64>;

    fn value(&self, params: &Array1<f64>) -> f64 {
        let n = self.design.weight_sum();
        if let Some((total, _)) = self.design.fused(params, &self.y, &Logistic, false) {
            return total / n;
        }
        let (y, s) = (as_slice(self.y), self.design.sample_weight());
        self.design.with_predictor(params, |z, theta| {
            theta_and_loss(z, &y, s, (0.0, 0.0), theta, self.design.share())
        }) / n
    }

    fn dimension(&self) -> Option<usize> {
        Some(self.design.n_params())
    }
}

impl Gradient for LogLoss<'_> {
    fn gradient(&self, params: &Array1<f64>) -> Array1<f64> {
        self.value_and_gradient(params).1
    }

    fn value_and_gradient(&self, params: &Array1<f64>) -> (f64, Array1<f64>) {
        let scale = 1.0 / self.design.weight_sum();
        if let Some((total, Some(g))) = self.design.fused(params, &self.y, &Logistic, true) {
            return (total * scale, g * scale);
        }
        // The general path (categorical columns, other layouts): z and θ = y − σ(z) in kept
        // vectors, the loss and θ from the vector kernel, the gradient −Xᵀ(s∘θ)/W.
        let (y, s) = (as_slice(self.y), self.design.sample_weight());
        self.design.with_predictor(params, |z, theta| {
            let total = theta_and_loss(z, &y, s, (0.0, 0.0), theta, self.design.share());
            self.design.weigh(ArrayViewMut1::from(&mut *theta));
            let g = self
                .design
                .gradient_from_residual(ArrayView1::from(&*theta), -scale);
            (total * scale, g)
        })
    }
}

impl Hessian for LogLoss<'_> {
    fn hessian(&self, params: &Array1<f64>) -> Array2<f64> {
        let scale = 1.0 / self.design.weight_sum();
        if let Some(h) = self.design.gram(params, &self.y, Some(&Logistic)) {
            return h * scale;
        }
        self.design
            .weighted_gram(&self.weighted_curvatures(params), scale)
    }
}

impl LogLoss<'_> {
    /// The smallest L1 strength `λ₁` (on the mean loss) at which every coefficient of the
    /// penalized fit is zero: `‖∇_w F(0, b*)‖∞ = max_j |Σᵢ xᵢⱼ(ȳ − yᵢ)|/N`, with the intercept
    /// `b*` fitted (`σ(b*) = ȳ`), or `b = 0` without one. It is scikit-learn's `l1_min_c` in
    /// other units: `C_min = l1_ratio / (N·λ₁)`, and glmnet's `λ_max`.
    ///
    /// ```
    /// use descent_objectives::LogLoss;
    /// use ndarray::array;
    /// let x = array![[1.0], [2.0], [3.0], [4.0]];
    /// let y = array![0.0, 0.0, 1.0, 1.0];
    /// // ȳ = ½: |Σ xᵢ(½ − yᵢ)|/4 = |(1 + 2 − 3 − 4)/2|/4
    /// assert_eq!(LogLoss::new(&x, &y)?.l1_threshold(), 0.5);
    /// # Ok::<(), descent_objectives::ObjectiveError>(())
    /// ```
    ///
    /// With sample weights, `maxⱼ |Σᵢ sᵢxᵢⱼ(ȳ − yᵢ)|/W`, `ȳ = Σᵢ sᵢyᵢ/W` the weighted mean.
    pub fn l1_threshold(&self) -> f64 {
        let n = self.design.weight_sum();
        let centre = if self.design.fit_intercept() {
            self.design.weighted_sum(self.y) / n
        } else {
            0.5
        };
        let r = self.y.mapv(|y| centre - y);
        max_abs(&self.design.transpose_times_weighted(&r)) / n
    }

    /// `sᵢσ'(zᵢ)` at `params`, each row's weighted curvature (the general path's Hessian).
    fn weighted_curvatures(&self, params: &Array1<f64>) -> Array1<f64> {
        let mut q = self
            .design
            .linear_predictor(params)
            .mapv(sigmoid_derivative);
        self.design.weigh(q.view_mut());
        q
    }
}

/// The values of `v` as one slice: borrowed when `v` is contiguous, else copied.
fn as_slice(v: ArrayView1<'_, f64>) -> Cow<'_, [f64]> {
    match v.to_slice() {
        Some(values) => Cow::Borrowed(values),
        None => Cow::Owned(v.to_vec()),
    }
}

/// `maxⱼ |vⱼ|`.
pub(crate) fn max_abs(v: &Array1<f64>) -> f64 {
    v.fold(0.0_f64, |m, a| m.max(a.abs()))
}

/// The intercept `b` that solves `Σᵢ σ(zᵢ + b) = Σᵢ yᵢ` (the log loss's optimal intercept for
/// fixed coefficients), by Newton's method from `start`, each step one pass over `z` for the
/// residual and its slope together. Near a solver's iterate, `start` is close and two or three
/// steps suffice; should Newton stop making progress, bisection on the increasing function
/// `Σ σ(zᵢ + b) − Σ yᵢ` takes over.
///
/// `target` is `Σᵢ sᵢyᵢ` and `n` is `W = Σᵢ sᵢ`. With rows shared among processes (`share`),
/// `z` and `weight` are this process's rows, every sum is over every share, and every process
/// takes the same steps.
fn optimal_intercept(
    z: &[f64],
    weight: Option<&[f64]>,
    (target, n): (f64, f64),
    start: f64,
    share: Option<&RowShare>,
) -> f64 {
    if target <= 0.0 || target >= n {
        // All labels alike: the optimum is at ±∞; keep the start.
        return start;
    }
    let residual_and_slope = |b: f64| {
        let (sum, slope) = sigmoid_sums(z, weight, b, share);
        (sum - target, slope)
    };
    // Below this residual the sum itself is only known to rounding.
    let floor = 64.0 * f64::EPSILON * n;
    let mut b = start;
    let mut last = f64::INFINITY;
    for _ in 0..20 {
        let (r, slope) = residual_and_slope(b);
        if r.abs() <= floor {
            return b;
        }
        // A Newton step below 1e-12 (relative): what is left of the residual is rounding in
        // the sums, and the intercept is as good as the sums can tell. (Bisection from here
        // would take a hundred scalar passes to learn nothing.)
        if slope > 0.0 && (r / slope).abs() <= 1e-12 * b.abs().max(1.0) {
            return b;
        }
        if !(r.abs() < 0.5 * last && slope > 0.0) {
            // Newton is not converging from here (far out on a flat tail): bisect.
            return bisect_intercept(z, weight, target, b, share);
        }
        last = r.abs();
        let step = r / slope;
        b -= step;
        if step.abs() <= 4.0 * f64::EPSILON * b.abs().max(1.0) {
            return b;
        }
    }
    bisect_intercept(z, weight, target, b, share)
}

/// Samples per chunk of the duality gap's passes over samples: chunks run in parallel and
/// their sums are added in chunk order, so the sums are the same for any number of threads.
const SAMPLE_CHUNK: usize = 4096;

/// `σ(t) = 1/(1 + e^{−t})` lane by lane, from `e^{−|t|}` (no overflow at any `t`).
#[inline(always)]
fn sigmoid_lanes<const FMA: bool>(t: Lanes) -> Lanes {
    let e = exp_negative_abs::<FMA>(t);
    let mut p = [0.0; LANES];
    for l in 0..LANES {
        p[l] = (if t[l] >= 0.0 { 1.0 } else { e[l] }) / (1.0 + e[l]);
    }
    p
}

/// `(Σᵢ σ(zᵢ + b), Σᵢ σ(zᵢ + b)(1 − σ(zᵢ + b)))` over one chunk.
struct SigmoidSums<'a> {
    z: &'a [f64],
    weight: Option<&'a [f64]>,
    b: f64,
}

impl Kernel for SigmoidSums<'_> {
    type Output = (f64, f64);
    #[inline(always)]
    fn run<const FMA: bool>(self) -> (f64, f64) {
        let (blocks, rest) = self.z.as_chunks::<LANES>();
        let weights = self.weight.map(|s| s.as_chunks::<LANES>().0);
        let (mut sum, mut slope) = ([0.0; LANES], [0.0; LANES]);
        for (k, z) in blocks.iter().enumerate() {
            let p = sigmoid_lanes::<FMA>(z.map(|z| z + self.b));
            let s = weight_lanes(weights, k);
            for l in 0..LANES {
                sum[l] += s[l] * p[l];
                slope[l] += s[l] * (p[l] * (1.0 - p[l]));
            }
        }
        let (mut total, mut d) = (sum.iter().sum::<f64>(), slope.iter().sum::<f64>());
        let first = blocks.len() * LANES;
        for (i, &z) in rest.iter().enumerate() {
            let (p, s) = (sigmoid(z + self.b), weight_at(self.weight, first + i));
            total += s * p;
            d += s * (p * (1.0 - p));
        }
        (total, d)
    }
}

/// The weights of the `len` samples of chunk `k` (of [`SAMPLE_CHUNK`]), when there are some.
fn chunk_weights(weight: Option<&[f64]>, k: usize, len: usize) -> Option<&[f64]> {
    weight.map(|s| &s[k * SAMPLE_CHUNK..][..len])
}

/// `(Σᵢ sᵢσ(zᵢ + b), Σᵢ sᵢσ(zᵢ + b)(1 − σ(zᵢ + b)))` (`sᵢ = 1` without weights), in
/// parallel chunks added in order, over every share with rows shared among processes.
fn sigmoid_sums(z: &[f64], weight: Option<&[f64]>, b: f64, share: Option<&RowShare>) -> (f64, f64) {
    let parts: Vec<[f64; 2]> = z
        .par_chunks(SAMPLE_CHUNK)
        .enumerate()
        .map(|(k, z)| {
            let weight = chunk_weights(weight, k, z.len());
            let (sum, slope) = kernel::dispatch(SigmoidSums { z, weight, b });
            [sum, slope]
        })
        .collect();
    match sum_in_row_order(parts.as_flattened(), 2, share)[..] {
        [sum, slope] => (sum, slope),
        _ => (0.0, 0.0),
    }
}

/// Chunks' partial sums added in chunk order, over every share with rows shared among
/// processes.
fn in_row_order(parts: &[f64], share: Option<&RowShare>) -> f64 {
    sum_in_row_order(parts, 1, share)
        .first()
        .copied()
        .unwrap_or(0.0)
}

/// One chunk of [`theta_and_loss`].
struct ThetaAndLoss<'a> {
    z: &'a [f64],
    y: &'a [f64],
    weight: Option<&'a [f64]>,
    b: f64,
    own: f64,
    theta: &'a mut [f64],
}

impl Kernel for ThetaAndLoss<'_> {
    type Output = f64;
    #[inline(always)]
    fn run<const FMA: bool>(self) -> f64 {
        let (z_blocks, z_rest) = self.z.as_chunks::<LANES>();
        let (y_blocks, y_rest) = self.y.as_chunks::<LANES>();
        let (t_blocks, t_rest) = self.theta.as_chunks_mut::<LANES>();
        let weights = self.weight.map(|s| s.as_chunks::<LANES>().0);
        // θ = y − σ(z + b) is minus the log loss's slope there, and the loss at the own
        // intercept is the log loss's: both from `Logistic` (the halves not used are dropped
        // by the compiler).
        let mut loss = [0.0; LANES];
        for (k, ((z, y), theta)) in z_blocks.iter().zip(y_blocks).zip(t_blocks).enumerate() {
            let (_, slope) = Logistic.loss_and_slope_lanes::<FMA>(z.map(|z| z + self.b), *y);
            let (own, _) = Logistic.loss_and_slope_lanes::<FMA>(z.map(|z| z + self.own), *y);
            let s = weight_lanes(weights, k);
            for l in 0..LANES {
                theta[l] = -slope[l];
                loss[l] += s[l] * own[l];
            }
        }
        let mut total = loss.iter().sum::<f64>();
        let first = z_blocks.len() * LANES;
        for (i, ((&z, &y), theta)) in z_rest.iter().zip(y_rest).zip(t_rest).enumerate() {
            *theta = -Logistic.loss_and_slope(z + self.b, y).1;
            total += weight_at(self.weight, first + i) * Logistic.loss_and_slope(z + self.own, y).0;
        }
        total
    }
}

/// Writes `θᵢ = yᵢ − σ(zᵢ + b)` (unweighted) and returns `Σᵢ sᵢ[log(1 + e^{uᵢ}) − yᵢuᵢ]` with
/// `uᵢ = zᵢ + own` (the loss at the point's own intercept; `sᵢ = 1` without weights), in
/// parallel chunks.
fn theta_and_loss(
    z: &[f64],
    y: &[f64],
    weight: Option<&[f64]>,
    (b, own): (f64, f64),
    theta: &mut [f64],
    share: Option<&RowShare>,
) -> f64 {
    let parts: Vec<f64> = theta
        .par_chunks_mut(SAMPLE_CHUNK)
        .zip(z.par_chunks(SAMPLE_CHUNK))
        .zip(y.par_chunks(SAMPLE_CHUNK))
        .enumerate()
        .map(|(k, ((theta, z), y))| {
            let weight = chunk_weights(weight, k, z.len());
            kernel::dispatch(ThetaAndLoss {
                z,
                y,
                weight,
                b,
                own,
                theta,
            })
        })
        .collect();
    in_row_order(&parts, share)
}

/// `q·log q` lane by lane for `q ∈ [0, 1]`, 0 below the smallest normal number (where it is
/// under 1e-305 in size, and where [`kernel::ln`] does not apply).
#[inline(always)]
fn x_log_x<const FMA: bool>(q: Lanes) -> Lanes {
    let log = kernel::ln::<FMA>(q.map(|q| q.max(f64::MIN_POSITIVE)));
    let mut out = [0.0; LANES];
    for l in 0..LANES {
        out[l] = if q[l] >= f64::MIN_POSITIVE {
            q[l] * log[l]
        } else {
            0.0
        };
    }
    out
}

/// One chunk of [`entropies`].
struct Entropies<'a> {
    theta: &'a [f64],
    y: &'a [f64],
    weight: Option<&'a [f64]>,
}

impl Kernel for Entropies<'_> {
    type Output = f64;
    #[inline(always)]
    fn run<const FMA: bool>(self) -> f64 {
        let (t_blocks, t_rest) = self.theta.as_chunks::<LANES>();
        let (y_blocks, y_rest) = self.y.as_chunks::<LANES>();
        let weights = self.weight.map(|s| s.as_chunks::<LANES>().0);
        let mut total = [0.0; LANES];
        for (k, (theta, y)) in t_blocks.iter().zip(y_blocks).enumerate() {
            let mut q = [0.0; LANES];
            for l in 0..LANES {
                q[l] = (y[l] - theta[l]).clamp(0.0, 1.0);
            }
            let (a, c) = (x_log_x::<FMA>(q), x_log_x::<FMA>(q.map(|q| 1.0 - q)));
            let s = weight_lanes(weights, k);
            for l in 0..LANES {
                total[l] += s[l] * (a[l] + c[l]);
            }
        }
        let mut sum = total.iter().sum::<f64>();
        let first = t_blocks.len() * LANES;
        for (i, (&theta, &y)) in t_rest.iter().zip(y_rest).enumerate() {
            sum +=
                weight_at(self.weight, first + i) * negative_entropy((y - theta).clamp(0.0, 1.0));
        }
        sum
    }
}

/// `Σᵢ sᵢH(yᵢ − θᵢ)` with `H(q) = q log q + (1 − q) log(1 − q)` (0 at the ends; `sᵢ = 1`
/// without weights), in parallel chunks; `q` is clamped to `[0, 1]`, where it lies up to
/// rounding for a dual-feasible `θ`.
fn entropies(theta: &[f64], y: &[f64], weight: Option<&[f64]>, share: Option<&RowShare>) -> f64 {
    let parts: Vec<f64> = theta
        .par_chunks(SAMPLE_CHUNK)
        .zip(y.par_chunks(SAMPLE_CHUNK))
        .enumerate()
        .map(|(k, (theta, y))| {
            let weight = chunk_weights(weight, k, theta.len());
            kernel::dispatch(Entropies { theta, y, weight })
        })
        .collect();
    in_row_order(&parts, share)
}

/// [`optimal_intercept`] by bisection with Newton steps where they stay inside the bracket.
fn bisect_intercept(
    z: &[f64],
    weight: Option<&[f64]>,
    target: f64,
    start: f64,
    share: Option<&RowShare>,
) -> f64 {
    let residual_and_slope = |b: f64| {
        let (sum, slope) = sigmoid_sums(z, weight, b, share);
        (sum - target, slope)
    };
    let residual = |b: f64| residual_and_slope(b).0;
    // The bracket grows from the start by doublings up to ±1e6; a start beyond (Newton's
    // last step on a flat tail can throw it to 1e20, where `start − 1 == start` and no
    // doubling would move) begins at the edge.
    let start = if start.is_finite() {
        start.clamp(-1e6, 1e6)
    } else {
        0.0
    };
    let (mut lo, mut hi) = (start - 1.0, start + 1.0);
    while residual(lo) > 0.0 && lo > -1e6 {
        lo = start - 2.0 * (start - lo);
    }
    while residual(hi) < 0.0 && hi < 1e6 {
        hi = start + 2.0 * (hi - start);
    }
    let mut b = start.clamp(lo, hi);
    for _ in 0..100 {
        let (r, slope) = residual_and_slope(b);
        if r == 0.0 {
            break;
        }
        if r > 0.0 {
            hi = b;
        } else {
            lo = b;
        }
        let newton = b - r / slope;
        b = if slope > 0.0 && newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        if hi - lo <= 4.0 * f64::EPSILON * b.abs().max(1.0) {
            break;
        }
    }
    b
}

impl Smooth for LogLoss<'_> {
    /// The gap of the mean log loss plus `penalty`, from the dual point
    /// `θ = y − σ(Xw + b*)` (with `b*` the optimal intercept for `w`), scaled into the dual's
    /// domain: `D(θ) = −(1/N)Σᵢ H(yᵢ − θᵢ) − g*(Xᵀθ/N)`, `H` the negative binary entropy,
    /// `Σθ = 0` with an intercept. At the minimizer `θ` is exactly the dual optimum and the
    /// gap is 0.
    ///
    /// With sample weights `sᵢ` (`W = Σᵢ sᵢ`): `D(θ) = −(1/W)Σᵢ sᵢH(yᵢ − θᵢ) − g*(Xᵀ(s∘θ)/W)`,
    /// `Σᵢ sᵢθᵢ = 0` with an intercept.
    ///
    /// Every sum over samples is added in chunks of rows in row order, over every share when
    /// the rows are shared among processes: the same bits for any number of processes.
    fn duality_gap(&self, x: &Array1<f64>, penalty: &ElasticNet) -> Option<f64> {
        let n = self.design.weight_sum();
        let share = self.design.share();
        let weight = self.design.sample_weight();
        let zw = self.design.times_coefficients(x);
        let own = self.design.intercept(x);
        let (y, zs) = (as_slice(self.y), as_slice(zw.view()));
        let b = if self.design.fit_intercept() {
            let target = self.design.weighted_sum(self.y);
            optimal_intercept(&zs, weight, (target, n), own, share)
        } else {
            0.0
        };
        // θ at the optimal intercept, and the loss at the point's own intercept, in one pass.
        let mut theta = vec![0.0; zs.len()];
        let loss = theta_and_loss(&zs, &y, weight, (b, own), &mut theta, share);
        let mut theta = Array1::from_vec(theta);
        if self.design.fit_intercept() {
            let mean = self.design.weighted_sum(theta.view()) / n;
            theta -= mean;
        }
        let mut v = self.design.transpose_times_weighted(&theta);
        let c = penalty.feasible_scale(&v.mapv(|t| t / n));
        theta *= c;
        v *= c;
        let conjugates = entropies(theta.as_slice().unwrap_or(&[]), &y, weight, share);
        let primal = loss / n + penalty.value(x);
        Some(mean_gap(primal, conjugates, &v, penalty, n))
    }
}

impl HessianBlock for LogLoss<'_> {
    fn hessian_block(&self, x: &Array1<f64>, indices: &[usize]) -> Array2<f64> {
        if indices.len() == self.design.n_params() {
            return self.hessian(x);
        }
        let scale = 1.0 / self.design.weight_sum();
        if let Some(h) = self.design.gram_block(x, &self.y, Some(&Logistic), indices) {
            return h * scale;
        }
        self.design
            .weighted_gram_block(&self.weighted_curvatures(x), indices, scale)
    }
}

impl LinearModelLoss for LogLoss<'_> {
    fn column_statistics(&self) -> Option<&ColumnStatistics> {
        self.design.column_statistics()
    }
    fn n_samples(&self) -> usize {
        self.design.total_samples()
    }
    fn sample_weight_sum(&self) -> f64 {
        self.design.weight_sum()
    }
    fn n_features(&self) -> usize {
        self.design.n_features()
    }
    fn fit_intercept(&self) -> bool {
        self.design.fit_intercept()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn the_intercepts_bisection_returns_from_a_start_far_out() {
        // From 1e20, `start − 1 == start`: the bracket once never grew, and the gap hung.
        let z = array![0.0, 1.0, -1.0, 2.0];
        for start in [1e20, -1e20, f64::INFINITY, f64::NAN] {
            let b = bisect_intercept(z.as_slice().unwrap(), None, 2.0, start, None);
            let total: f64 = z.iter().map(|&z| sigmoid(z + b)).sum();
            assert!((total - 2.0).abs() < 1e-12, "from {start}: b = {b}");
        }
    }

    #[test]
    fn the_gaps_sample_passes_agree_with_scalar_sums_for_any_thread_count() {
        let n = 2 * SAMPLE_CHUNK + 13;
        let z: Vec<f64> = (0..n).map(|i| 40.0 * ((i as f64) * 0.37).sin()).collect();
        let y: Vec<f64> = (0..n).map(|i| f64::from((i * 7) % 3 == 0)).collect();
        let (b, own) = (0.3, -0.2);
        let run = || {
            let mut theta = vec![0.0; n];
            let loss = theta_and_loss(&z, &y, None, (b, own), &mut theta, None);
            // Shrink θ a little, as the gap's scaling does, so that q is inside (0, 1).
            let theta: Vec<f64> = theta.iter().map(|t| 0.999 * t).collect();
            (
                sigmoid_sums(&z, None, b, None),
                loss,
                entropies(&theta, &y, None, None),
                theta,
            )
        };
        let pool = |k| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(k)
                .build()
                .unwrap()
        };
        let one = pool(1).install(run);
        let two = pool(2).install(run);
        assert_eq!(one, two);
        let ((sum, slope), loss, entropy, theta) = one;
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);
        let p: Vec<f64> = z.iter().map(|z| sigmoid(z + b)).collect();
        assert!(close(sum, p.iter().sum()));
        assert!(close(slope, p.iter().map(|p| p * (1.0 - p)).sum()));
        let want: f64 = z
            .iter()
            .zip(&y)
            .map(|(z, y)| softplus(z + own) - y * (z + own))
            .sum();
        assert!(close(loss, want), "{loss} {want}");
        let want: f64 = theta
            .iter()
            .zip(&y)
            .map(|(t, y)| negative_entropy((y - t).clamp(0.0, 1.0)))
            .sum();
        assert!(close(entropy, want), "{entropy} {want}");
    }

    #[test]
    fn extreme_linear_predictors_stay_finite() {
        // z = ±1000 for both labels: the loss is 0 or 1000 per sample, never NaN or inf.
        let x = array![[1000.0], [-1000.0], [1000.0], [-1000.0]];
        let y = array![1.0, 0.0, 0.0, 1.0];
        let loss = LogLoss::new(&x, &y).unwrap().fit_intercept(false);
        let w = array![1.0];
        let (value, gradient) = loss.value_and_gradient(&w);
        assert_eq!(value, (0.0 + 0.0 + 1000.0 + 1000.0) / 4.0);
        assert_eq!(gradient[0], (0.0 + 0.0 + 1000.0 + 1000.0) / 4.0);
        let h = loss.hessian(&w);
        assert!(h.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn course_log_loss_examples() {
        // label 1 predicted 0.96 → 0.041; label 1 predicted 0.014 → 4.27 (z = logit p).
        let logit = |p: f64| (p / (1.0 - p)).ln();
        for (p, expected) in [(0.96, 0.041), (0.014, 4.27)] {
            let (x, y) = (array![[logit(p)]], array![1.0]);
            let loss = LogLoss::new(&x, &y).unwrap().fit_intercept(false);
            assert!((loss.value(&array![1.0]) - expected).abs() < 5e-3);
        }
    }

    #[test]
    fn rejects_bad_data() {
        let x = array![[1.0], [2.0]];
        assert_eq!(
            LogLoss::new(&x, &array![0.0, 2.0]).unwrap_err(),
            ObjectiveError::NonBinaryLabel { row: 1, value: 2.0 }
        );
        assert!(matches!(
            LogLoss::new(&x, &array![0.0]),
            Err(ObjectiveError::ShapeMismatch {
                expected: 2,
                found: 1,
                ..
            })
        ));
        assert!(matches!(
            LogLoss::new(&array![[1.0], [f64::NAN]], &array![0.0, 1.0]),
            Err(ObjectiveError::NonFiniteFeature {
                row: 1,
                column: 0,
                ..
            })
        ));
        assert!(matches!(
            LogLoss::new(&Array2::<f64>::zeros((0, 2)), &Array1::<f64>::zeros(0)),
            Err(ObjectiveError::EmptyData(_))
        ));
        assert!(matches!(
            LogLoss::new(&x, &array![f64::NAN, 1.0]),
            Err(ObjectiveError::NonFiniteTarget { row: 0, .. })
        ));
    }

    #[test]
    fn never_copies_the_features() {
        let x = array![[1.0, 2.0], [3.0, 4.0]];
        let y = array![0.0, 1.0];
        let loss = LogLoss::new(&x, &y).unwrap();
        assert_eq!(loss.design_ptr(), x.as_ptr());
    }

    impl LogLoss<'_> {
        fn design_ptr(&self) -> *const f64 {
            self.design.x_ptr()
        }
    }
}
