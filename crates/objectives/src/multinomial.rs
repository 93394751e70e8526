//! The multinomial (softmax) log loss of multiclass logistic regression.

use crate::elastic_net::mean_gap;
use crate::kernel::{self, Kernel, Lanes, LANES};
use crate::linear::{checked_sample_weight, count_pass_of, first_non_finite, Partials};
use crate::{
    sum_in_row_order, ColumnStatistics, ElasticNet, Element, Features, Gradient, Hessian,
    HessianBlock, LinearModelLoss, Objective, ObjectiveError, Smooth,
};
use ndarray::{s, Array1, Array2, ArrayView2, ArrayViewMut2};
use rayon::prelude::*;
use std::borrow::Cow;
use std::cell::RefCell;

/// Rows per chunk: a chunk's partial sums are computed by one thread and the chunks' sums are
/// added in chunk order, so that a result does not depend on how many threads computed it.
const CHUNK_ROWS: usize = 4096;

/// Most rows per block inside a chunk: a block of `X` stays in cache between the two products
/// that read it (`Z = W·Xᵀ` and `G += S·X`, which reads it once per pair of classes).
const BLOCK_ROWS: usize = 256;

/// Bytes of `X` per block: half of a 48 KiB level-1 data cache, so that `G += S·X` reads the
/// block from there on every pair of classes (from level 2, it runs at the level 2 cache's
/// bandwidth).
const BLOCK_BYTES: usize = 24 * 1024;

/// Rows per block for `p` features: [`BLOCK_BYTES`] of them in `f64`, a multiple of 8 from 8
/// to [`BLOCK_ROWS`]. It depends on the shape alone, never on the threads or the stored type,
/// so the blocks (and the order of every sum) are the same for any thread count, and `f32`
/// storage sums as `f64` storage of the same values does.
fn block_rows(p: usize) -> usize {
    let rows = BLOCK_BYTES / (p.max(1) * std::mem::size_of::<f64>());
    (rows / 8 * 8).clamp(8, BLOCK_ROWS)
}

/// Most partial Hessians summed in a fixed order (each holds `(K(p + 1))²` values).
const HESSIAN_PARTS: usize = 16;

thread_local! {
    /// Each thread's scratch: a block of rows in `f64` (and `1` in the intercept's column when
    /// forming the Hessian), and the block's `K × rows` predictors, probabilities or slopes.
    static SCRATCH: RefCell<(Vec<f64>, Vec<f64>, Vec<f64>)> =
        const { RefCell::new((Vec::new(), Vec::new(), Vec::new())) };
}

/// The multinomial log loss (categorical cross-entropy) of `K ≥ 2` classes, averaged over
/// samples, in scikit-learn's symmetric parametrization: one coefficient vector `w_k` and one
/// intercept `b_k` per class.
///
/// With `z_{ik} = xᵢ·w_k + b_k` and `P_{ik} = softmax(zᵢ)_k = e^{z_{ik}} / Σ_l e^{z_{il}}`:
///
/// - `L(W, b) = (1/N) Σᵢ [log Σ_k e^{z_{ik}} − z_{i,yᵢ}] = −(1/N) Σᵢ log P_{i,yᵢ}`
/// - `∇_{w_k} L = (1/N) Σᵢ (P_{ik} − [yᵢ = k]) xᵢ`, `∂L/∂b_k = (1/N) Σᵢ (P_{ik} − [yᵢ = k])`
/// - `∇²L`, block `(k, l)`: `(1/N) X̃ᵀ diag(P_k ∘ ([k = l] − P_l)) X̃`, with `X̃ = [X 1]`
///
/// The parameter vector is `[w_0 (p), w_1 (p), …, w_{K−1} (p), b_0, …, b_{K−1}]`: the
/// coefficients class by class (the rows of scikit-learn's `coef_`, flattened), then the
/// intercepts (without an intercept, the coefficients alone). An L2 penalty covers the first
/// `K·p` parameters ([`LinearModelLoss::n_coefficients`]).
///
/// The loss does not change when the same vector is added to every class's parameters: with
/// an intercept, `b → b + c·1` leaves every `P_{ik}` as it is, and so does `w_k → w_k + v`
/// for every `k`. The Hessian is singular along those directions, and a minimizer is unique
/// only up to them (the L2 penalty removes the second, not the first). Compare fits by their
/// objective and probabilities, not by their intercepts.
///
/// Every pass reads `X` once, as it is stored (row-major, no transpose and no copy; `f32`
/// widened value by value), block by block of 256 rows that stay in cache for all of the
/// block's work: the predictors `Z = X·Wᵀ + b` (lanes over classes, each value of `X`
/// broadcast into a tile of sixteen classes), the softmax (lanes over eight rows, with the
/// vectorized `exp` and `log` of the binary kernels), and the gradient `G += (P − Y)·X` (lanes
/// over features, as the binary kernel). Each row's `log Σ e^z` is taken as
/// `m + log Σ e^{z − m}` with `m = max_k z_k`, so the loss is finite for any finite `z`,
/// including `±1000`. The kernels are compiled for AVX-512, AVX2 with FMA and the baseline, and
/// chosen at run time; results are the same to the bit for any number of threads. The Hessian
/// is formed by blocked matrix products (the `matrixmultiply` crate, in the calling thread).
///
/// ```
/// use descent_objectives::{Gradient, MultinomialLogLoss, Objective};
/// use ndarray::{array, Array1};
///
/// let x = array![[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]];
/// let labels = [0, 1, 2, 1];
/// let loss = MultinomialLogLoss::new(&x, &labels[..], 3)?;
/// let at_zero = Array1::zeros(3 * 2 + 3);
/// // Every class equally likely: the loss is log 3.
/// assert!((loss.value(&at_zero) - 3f64.ln()).abs() < 1e-15);
/// // ∂L/∂b_k = (1/N) Σᵢ (⅓ − [yᵢ = k]): class 1 holds half of the rows.
/// let g = loss.gradient(&at_zero);
/// assert!((g[7] - (1.0 / 3.0 - 0.5)).abs() < 1e-15);
/// # Ok::<(), descent_objectives::ObjectiveError>(())
/// ```
#[derive(Debug, Clone)]
pub struct MultinomialLogLoss<'a> {
    x: Features<'a>,
    labels: Cow<'a, [u32]>,
    classes: usize,
    fit_intercept: bool,
    /// The columns' statistics, from the pass that checked the data (`None` without columns,
    /// or when finite values' sums overflow).
    stats: Option<ColumnStatistics>,
    /// The sample weights `sᵢ` of a weighted loss (`None`: every weight is 1).
    weights: Option<Cow<'a, [f64]>>,
    /// `W = Σᵢ sᵢ` (`N` without weights).
    weight_sum: f64,
    partials: Partials,
}

impl<'a> MultinomialLogLoss<'a> {
    /// The multinomial log loss of features `x` (one row per sample) against class indices
    /// `labels` in `0..classes`, with intercepts (call
    /// [`fit_intercept(false)`](Self::fit_intercept) to drop them).
    ///
    /// # Errors
    /// Empty data, fewer than two classes, a length mismatch between `x` and `labels`, a NaN
    /// or infinite feature, or a label not below `classes`.
    pub fn new(
        x: impl Into<Features<'a>>,
        labels: impl Into<Cow<'a, [u32]>>,
        classes: usize,
    ) -> Result<Self, ObjectiveError> {
        let x = x.into();
        let labels = labels.into();
        if x.nrows() == 0 {
            return Err(ObjectiveError::EmptyData("the feature matrix has no rows"));
        }
        if classes < 2 {
            return Err(ObjectiveError::InvalidParameter {
                name: "number of classes",
                value: classes as f64,
                reason: "must be at least 2",
            });
        }
        if labels.len() != x.nrows() {
            return Err(ObjectiveError::ShapeMismatch {
                what: "labels (one per row of the feature matrix)",
                expected: x.nrows(),
                found: labels.len(),
            });
        }
        if let Some(row) = labels.iter().position(|&k| k as usize >= classes) {
            return Err(ObjectiveError::InvalidParameter {
                name: "class index",
                value: f64::from(labels[row]),
                reason: "must be below the number of classes",
            });
        }
        // One pass learns the columns' statistics (for preconditioning) and, when they are
        // finite, proves every value finite; a bad value is looked for only otherwise.
        let stats = match x.ncols() {
            0 => None,
            _ => Some(ColumnStatistics::of(x.view())?),
        };
        let stats = stats.filter(ColumnStatistics::proves_finite);
        if stats.is_none() {
            if let Some((row, column, value)) = first_non_finite(&x) {
                return Err(ObjectiveError::NonFiniteFeature { row, column, value });
            }
        }
        let weight_sum = x.nrows() as f64;
        Ok(MultinomialLogLoss {
            x,
            labels,
            classes,
            fit_intercept: true,
            stats,
            weights: None,
            weight_sum,
            partials: Partials::default(),
        })
    }

    /// Weighs each sample's loss by `sᵢ ≥ 0` (scikit-learn's `sample_weight`): the loss is
    /// `(1/W) Σᵢ sᵢ [log Σ_k e^{z_{ik}} − z_{i,yᵢ}]` with `W = Σᵢ sᵢ`, and the gradient, Hessian
    /// and duality gap follow (every sum over rows weighted, `N` replaced by `W`).
    ///
    /// # Errors
    /// A weight count other than the number of rows, a negative, NaN or infinite weight, or
    /// weights that sum to zero.
    pub fn sample_weight(
        mut self,
        weights: impl Into<ndarray::ArrayView1<'a, f64>>,
    ) -> Result<Self, ObjectiveError> {
        let (weights, sum) = checked_sample_weight(weights.into(), self.x.nrows())?;
        self.weights = Some(weights);
        self.weight_sum = sum;
        Ok(self)
    }

    /// The weights of rows `start..end`, when the loss is weighted.
    fn weights_of(&self, start: usize, end: usize) -> Option<&[f64]> {
        self.weights.as_deref().map(|s| &s[start..end])
    }

    /// Whether the parameters end with one intercept per class (default: true).
    #[must_use]
    pub fn fit_intercept(mut self, fit_intercept: bool) -> Self {
        self.fit_intercept = fit_intercept;
        self
    }

    /// `K`, the number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// The coefficients `W` (`K × p`, one row per class) and intercepts `b` (`K`, zeros
    /// without an intercept) held in a parameter vector.
    ///
    /// # Panics
    /// `params` of another length than [`dimension`](Objective::dimension).
    pub fn split(&self, params: &Array1<f64>) -> (Array2<f64>, Array1<f64>) {
        let (k, p) = (self.classes, self.x.ncols());
        let w = params
            .slice(s![..k * p])
            .to_owned()
            .into_shape_with_order((k, p))
            .unwrap_or_else(|_| Array2::zeros((k, p)));
        let b = if self.fit_intercept {
            params.slice(s![k * p..]).to_owned()
        } else {
            Array1::zeros(k)
        };
        (w, b)
    }

    /// `∇²L·v` without forming `∇²L`: with `U = V·X̃ᵀ` (`u_{ik} = x̃ᵢ·v_k`), each row gives
    /// `r_{ik} = P_{ik}(u_{ik} − Σ_l P_{il} u_{il})` and `(∇²L·v)_k = (1/N) Σᵢ r_{ik} x̃ᵢ`, one
    /// pass over `X` at the cost of a gradient. Truncated-Newton methods need nothing else.
    ///
    /// # Panics
    /// `params` or `v` of another length than [`dimension`](Objective::dimension).
    pub fn hessian_times(&self, params: &Array1<f64>, v: &Array1<f64>) -> Array1<f64> {
        let (w, b) = self.split(params);
        let (vw, vb) = self.split(v);
        let width = self.n_params();
        let sums = self.sum_chunks(width, |rows, out| {
            self.chunk_pass(rows, (&w, &b), Pass::HessianTimes { vw: &vw, vb: &vb }, out)
        });
        Array1::from(sums) / self.weight_sum
    }

    /// `X·Wᵀ`, `N × K`, block by block of rows (an `f32` block widened on the way).
    fn times_coefficients(&self, w: &Array2<f64>) -> Array2<f64> {
        let n = self.x.nrows();
        let mut z = Array2::zeros((n, self.classes));
        let mut start = 0;
        while start < n {
            let end = n.min(start + CHUNK_ROWS);
            let block = match &self.x {
                Features::F64(x) => x.slice(s![start..end, ..]).dot(&w.t()),
                Features::F32(x) => x.slice(s![start..end, ..]).mapv(f64::from).dot(&w.t()),
            };
            z.slice_mut(s![start..end, ..]).assign(&block);
            start = end;
        }
        z
    }

    /// `Σᵢ sᵢxᵢⱼ` for every column (`sᵢ = 1` without weights).
    fn column_sums(&self) -> Array1<f64> {
        match (&self.x, self.weights.as_deref()) {
            (Features::F64(x), None) => x.sum_axis(ndarray::Axis(0)),
            (Features::F32(x), None) => {
                x.fold_axis(ndarray::Axis(0), 0.0, |&a, &v| a + f64::from(v))
            }
            (Features::F64(x), Some(s)) => x.t().dot(&ndarray::ArrayView1::from(s)),
            // Row by row, widened as read: no f64 copy of X.
            (Features::F32(x), Some(s)) => {
                let mut sums = Array1::zeros(x.ncols());
                for (row, &s) in x.rows().into_iter().zip(s) {
                    sums.zip_mut_with(&row, |a, &v| *a += s * f64::from(v));
                }
                sums
            }
        }
    }

    fn n_params(&self) -> usize {
        self.classes * (self.x.ncols() + usize::from(self.fit_intercept))
    }

    /// The sums over every chunk of rows of what `work` writes into `width` slots, each chunk
    /// computed by one thread and the chunks added in order.
    fn sum_chunks<W>(&self, width: usize, work: W) -> Vec<f64>
    where
        W: Fn(std::ops::Range<usize>, &mut [f64]) + Sync,
    {
        let n = self.x.nrows();
        count_pass_of(n * self.x.ncols() * self.x.value_bytes());
        let chunks = n.div_ceil(CHUNK_ROWS);
        self.partials.with(|partials| {
            partials.clear();
            partials.resize(chunks * width, 0.0);
            let one = |(c, out): (usize, &mut [f64])| {
                let start = c * CHUNK_ROWS;
                work(start..n.min(start + CHUNK_ROWS), out);
            };
            if chunks > 1 && rayon::current_num_threads() > 1 {
                partials.par_chunks_mut(width).enumerate().for_each(one);
            } else {
                partials.chunks_mut(width).enumerate().for_each(one);
            }
            sum_in_row_order(partials, width, None)
        })
    }

    /// One chunk of a pass, block by block: the block's predictors `Zᵀ = W·Xᵀ + b` (`K` rows
    /// of the block's width), the softmax, and what `pass` adds into `out`.
    fn chunk_pass(
        &self,
        rows: std::ops::Range<usize>,
        (w, b): (&Array2<f64>, &Array1<f64>),
        pass: Pass<'_>,
        out: &mut [f64],
    ) {
        let (k, p) = (self.classes, self.x.ncols());
        let kp = padded(k);
        out.fill(0.0);
        let point = tiled(&contiguous(w), &b.to_vec(), (k, p));
        let direction = match pass {
            Pass::HessianTimes { vw, vb } => Some(tiled(&contiguous(vw), &vb.to_vec(), (k, p))),
            _ => None,
        };
        SCRATCH.with_borrow_mut(|(copy, z, u)| {
            let mut sums = BlockSums {
                point: &point,
                direction: direction.as_ref(),
                z,
                u,
                g: vec![0.0; k * p],
                gb: vec![0.0; kp],
                loss: 0.0,
            };
            let (n, rows_per_block) = (self.x.nrows(), block_rows(p));
            let mut start = rows.start;
            while start < rows.end {
                let end = rows.end.min(start + rows_per_block);
                let labels = &self.labels[start..end];
                let weights = self.weights_of(start, end);
                match &self.x {
                    Features::F64(x) => {
                        let block = x.slice(s![start..end, ..]);
                        let next = x.slice(s![end..n.min(end + rows_per_block), ..]);
                        let ahead = next.to_slice().unwrap_or_default();
                        match block.to_slice() {
                            Some(values) => {
                                self.block_pass((values, ahead), (labels, weights), pass, &mut sums)
                            }
                            None => {
                                copy.clear();
                                copy.extend(block.iter());
                                let values = (&copy[..], &[][..]);
                                self.block_pass(values, (labels, weights), pass, &mut sums);
                            }
                        }
                    }
                    Features::F32(x) => {
                        let block = x.slice(s![start..end, ..]);
                        let next = x.slice(s![end..n.min(end + rows_per_block), ..]);
                        let ahead = next.to_slice().unwrap_or_default();
                        match block.to_slice() {
                            Some(values) => {
                                self.block_pass((values, ahead), (labels, weights), pass, &mut sums)
                            }
                            None => {
                                copy.clear();
                                copy.extend(block.iter().map(|&v| f64::from(v)));
                                let values = (&copy[..], &[][..]);
                                self.block_pass(values, (labels, weights), pass, &mut sums);
                            }
                        }
                    }
                }
                start = end;
            }
            match pass {
                Pass::Value => out[0] = sums.loss,
                Pass::ValueAndGradient => {
                    out[0] = sums.loss;
                    sums.write_gradient(k, p, self.fit_intercept, &mut out[1..]);
                }
                Pass::HessianTimes { .. } => {
                    sums.write_gradient(k, p, self.fit_intercept, out);
                }
            }
        });
    }

    /// One block of rows `x` (row-major) of a pass: its predictors, softmax, and its share of
    /// the gradient (or of `∇²L·v`) in `sums`.
    fn block_pass<T: Element>(
        &self,
        (x, ahead): (&[T], &[T]),
        (labels, weights): (&[u32], Option<&[f64]>),
        pass: Pass<'_>,
        sums: &mut BlockSums<'_>,
    ) {
        let (k, p) = (self.classes, self.x.ncols());
        let kp = padded(k);
        let r = labels.len();
        let (wt, bt) = sums.point;
        sums.z.clear();
        sums.z.resize(grouped_len(r, kp), 0.0);
        kernel::dispatch(Predictors {
            x,
            rows: r,
            features: p,
            classes: k,
            wt,
            bt,
            z: sums.z,
        });
        let write = match pass {
            Pass::Value => Write::Nothing,
            Pass::ValueAndGradient => Write::Slopes,
            Pass::HessianTimes { .. } => Write::Probabilities,
        };
        sums.loss += kernel::dispatch(Softmax {
            zt: sums.z,
            rows: r,
            stride: ROW_GROUP,
            group: ROW_GROUP * kp,
            classes: k,
            labels,
            weights,
            write,
        });
        if !pass.gradient() {
            return;
        }
        let slopes: &[f64] = match sums.direction {
            None => sums.z,
            Some((vt, vbt)) => {
                // U = X·Vᵀ + v_b, then r_{ik} = P_{ik}(u_{ik} − Σ_l P_{il} u_{il}).
                sums.u.clear();
                sums.u.resize(grouped_len(r, kp), 0.0);
                kernel::dispatch(Predictors {
                    x,
                    rows: r,
                    features: p,
                    classes: k,
                    wt: vt,
                    bt: vbt,
                    z: sums.u,
                });
                let (u, probabilities) = (&mut *sums.u, &*sums.z);
                for i in 0..r {
                    let at = |c: usize| grouped(i, c, kp);
                    let mean: f64 = (0..k).map(|c| u[at(c)] * probabilities[at(c)]).sum();
                    let s = kernel::weight_at(weights, i);
                    for c in 0..kp {
                        u[at(c)] = s * (probabilities[at(c)] * (u[at(c)] - mean));
                    }
                }
                sums.u
            }
        };
        kernel::dispatch(SlopeSums {
            x,
            ahead,
            rows: r,
            features: p,
            s: slopes,
            g: &mut sums.g,
        });
        // Each class's slopes in row order (as the sums of `G` add them), a run at a time.
        for (group, rows) in slopes
            .chunks_exact(ROW_GROUP * kp)
            .zip((0..r).step_by(ROW_GROUP))
        {
            let used = ROW_GROUP.min(r - rows);
            for (sum, run) in sums.gb.iter_mut().zip(group.chunks_exact(ROW_GROUP)) {
                for v in &run[..used] {
                    *sum += v;
                }
            }
        }
    }

    /// `Σᵢ` over one part of the rows of each row's Hessian, `(diag(Pᵢ) − PᵢPᵢᵀ) ⊗ x̃ᵢx̃ᵢᵀ`,
    /// into `h` (`K(p+1)` square, class-major over the augmented columns `x̃ = [x 1]`):
    /// block `(k, l)` gains `[k = l]·X̃ᵀdiag(P_k)X̃ − (P_k ∘ X̃)ᵀ(P_l ∘ X̃)`, upper blocks only.
    fn hessian_part(
        &self,
        rows: std::ops::Range<usize>,
        (w, b): (&Array2<f64>, &Array1<f64>),
        h: &mut Array2<f64>,
    ) {
        let (k, p) = (self.classes, self.x.ncols());
        let q = p + 1;
        SCRATCH.with_borrow_mut(|(widened, zt, scaled)| {
            let mut start = rows.start;
            while start < rows.end {
                let end = rows.end.min(start + BLOCK_ROWS);
                let r = end - start;
                // The block with a column of ones: X̃.
                widened.clear();
                widened.resize(r * q, 1.0);
                {
                    let mut xt = ArrayViewMut2::from_shape((r, q), &mut widened[..])
                        .unwrap_or_else(|_| unreachable!("r × (p + 1) values"));
                    let mut dense = xt.slice_mut(s![.., ..p]);
                    match &self.x {
                        Features::F64(x) => dense.assign(&x.slice(s![start..end, ..])),
                        Features::F32(x) => dense
                            .zip_mut_with(&x.slice(s![start..end, ..]), |a, &v| *a = f64::from(v)),
                    }
                }
                let xt = as_matrix(&widened[..], r, q);
                zt.clear();
                zt.resize(k * r, 0.0);
                let mut z = ArrayViewMut2::from_shape((k, r), &mut zt[..])
                    .unwrap_or_else(|_| unreachable!("K × r values"));
                gemm(1.0, w.view(), xt.slice(s![.., ..p]).t(), 0.0, &mut z);
                for (mut row, &bk) in z.rows_mut().into_iter().zip(b) {
                    row += bk;
                }
                kernel::dispatch(Softmax {
                    zt: &mut zt[..],
                    rows: r,
                    stride: r,
                    group: ROW_GROUP,
                    classes: k,
                    labels: &self.labels[start..end],
                    weights: None,
                    write: Write::Probabilities,
                });
                // With weights, the rows of X̃ scaled by √sᵢ: every product below then sums
                // sᵢ times its row's term.
                if let Some(s) = self.weights_of(start, end) {
                    for (row, s) in widened.chunks_exact_mut(q).zip(s) {
                        let root = s.sqrt();
                        for v in row {
                            *v *= root;
                        }
                    }
                }
                let xt = as_matrix(&widened[..], r, q);
                let probabilities = as_matrix(&zt[..], k, r);
                // P_k ∘ X̃ for every class, one after the other.
                scaled.clear();
                scaled.resize(k * r * q, 0.0);
                for c in 0..k {
                    let mut s_c =
                        ArrayViewMut2::from_shape((r, q), &mut scaled[c * r * q..][..r * q])
                            .unwrap_or_else(|_| unreachable!("r × (p + 1) values"));
                    s_c.assign(&xt);
                    for (mut row, &pc) in s_c.rows_mut().into_iter().zip(probabilities.row(c)) {
                        row *= pc;
                    }
                }
                let scaled = &scaled[..];
                let block = |c: usize| {
                    ArrayView2::from_shape((r, q), &scaled[c * r * q..][..r * q])
                        .unwrap_or_else(|_| unreachable!("r × (p + 1) values"))
                };
                for c in 0..k {
                    let s_c = block(c);
                    let mut diagonal = h.slice_mut(s![c * q..(c + 1) * q, c * q..(c + 1) * q]);
                    gemm(1.0, xt.t(), s_c, 1.0, &mut diagonal);
                    for l in c..k {
                        let mut hkl = h.slice_mut(s![c * q..(c + 1) * q, l * q..(l + 1) * q]);
                        gemm(-1.0, s_c.t(), block(l), 1.0, &mut hkl);
                    }
                }
                start = end;
            }
        });
    }
}

/// What a pass computes besides the loss.
#[derive(Clone, Copy)]
enum Pass<'v> {
    Value,
    ValueAndGradient,
    /// `∇²L·v`, with `v` split into its coefficients and intercepts.
    HessianTimes {
        vw: &'v Array2<f64>,
        vb: &'v Array1<f64>,
    },
}

/// What the blocks of a chunk add up, and their scratch.
struct BlockSums<'s> {
    /// The point `(W, b)`, tiled.
    point: &'s (Vec<f64>, Vec<f64>),
    /// For `∇²L·v`: `v`, tiled.
    direction: Option<&'s (Vec<f64>, Vec<f64>)>,
    z: &'s mut Vec<f64>,
    u: &'s mut Vec<f64>,
    /// `G`, `K × p`.
    g: Vec<f64>,
    gb: Vec<f64>,
    loss: f64,
}

impl BlockSums<'_> {
    /// The gradient sums in the parameters' order: `G`, then the intercepts' sums.
    fn write_gradient(&self, k: usize, p: usize, intercept: bool, g: &mut [f64]) {
        g[..k * p].copy_from_slice(&self.g);
        if intercept {
            g[k * p..k * p + k].copy_from_slice(&self.gb[..k]);
        }
    }
}

impl Pass<'_> {
    /// Whether the pass sums a gradient (or a Hessian-vector product) over the rows.
    fn gradient(self) -> bool {
        !matches!(self, Pass::Value)
    }
}

/// What the softmax kernel writes over the predictors.
#[derive(Clone, Copy, PartialEq)]
enum Write {
    Nothing,
    /// `P_{ik} − [yᵢ = k]`, each row's slopes.
    Slopes,
    /// `P_{ik}`.
    Probabilities,
}

/// `m`'s values in row-major order: borrowed when they are, else copied once.
fn contiguous(m: &Array2<f64>) -> Cow<'_, [f64]> {
    match m.as_slice() {
        Some(values) => Cow::Borrowed(values),
        None => Cow::Owned(m.iter().copied().collect()),
    }
}

fn as_matrix(values: &[f64], rows: usize, columns: usize) -> ArrayView2<'_, f64> {
    ArrayView2::from_shape((rows, columns), values)
        .unwrap_or_else(|_| unreachable!("the scratch holds exactly rows × columns values"))
}

/// Classes per tile of the kernels: two vectors. A row's predictors, probabilities and slopes
/// are stored in `K` rounded up to whole tiles (`padded`), the padding zero.
const CLASS_TILE: usize = 2 * LANES;

/// `K` rounded up to whole [`CLASS_TILE`]s.
fn padded(classes: usize) -> usize {
    classes.div_ceil(CLASS_TILE) * CLASS_TILE
}

/// Where a pass keeps the predictor (or probability, or slope) of class `c` at row `i` of a
/// block: the block's rows in groups of [`ROW_GROUP`], each group `K'` runs of eight values
/// (one per row, the group's rows in order), so that the softmax, whose lanes run over rows,
/// reads and writes whole vectors (`K'` the padded class count). A last group of fewer rows
/// keeps its whole place, the lanes of rows it does not have zero.
#[inline(always)]
fn grouped(i: usize, c: usize, kp: usize) -> usize {
    (i / ROW_GROUP) * ROW_GROUP * kp + c * ROW_GROUP + i % ROW_GROUP
}

/// The values [`grouped`] places for `rows` rows.
fn grouped_len(rows: usize, kp: usize) -> usize {
    rows.div_ceil(ROW_GROUP) * ROW_GROUP * kp
}

/// `W` (`K × p`, row-major) laid out for the kernels: per tile of [`CLASS_TILE`] classes, `p`
/// rows of the tile's coefficients of one feature (`wt[tile][j][c] = w_{tile·16 + c, j}`,
/// zero past `K`); and `b` padded to whole tiles.
fn tiled(w: &[f64], b: &[f64], (k, p): (usize, usize)) -> (Vec<f64>, Vec<f64>) {
    let kp = padded(k);
    let mut wt = vec![0.0; kp * p];
    for c in 0..k {
        let (tile, lane) = (c / CLASS_TILE, c % CLASS_TILE);
        for j in 0..p {
            wt[(tile * p + j) * CLASS_TILE + lane] = w[c * p + j];
        }
    }
    let mut bt = vec![0.0; kp];
    bt[..k].copy_from_slice(b);
    (wt, bt)
}

/// `a·b + c` lane by lane: one vector fused multiply-add where `FMA`.
#[inline(always)]
fn fma_lanes<const FMA: bool>(a: &Lanes, b: &Lanes, c: Lanes) -> Lanes {
    let mut out = [0.0; LANES];
    for l in 0..LANES {
        out[l] = kernel::mul_add::<FMA>(a[l], b[l], c[l]);
    }
    out
}

/// The vector of `LANES` values of `values` that starts at `start`.
#[inline(always)]
fn lanes_at(values: &[f64], start: usize) -> &Lanes {
    let (vectors, _) = values[start..start + LANES].as_chunks::<LANES>();
    &vectors[0]
}

/// `Z = X·Wᵀ + b` for a block of rows: `z[grouped(i, k, K')] = b_k + Σ_j x_{ij} w_{kj}`
/// (`K'` the padded class count). The lanes run over classes, so that `X` is read as it is stored (row
/// by row, no transpose): for each feature, one tile of coefficients (two vectors) meets the
/// value of each of eight rows, broadcast, in sixteen fused multiply-adds whose sums stay in
/// registers across the features.
struct Predictors<'a, T> {
    /// The block's rows, row-major, `p` values each.
    x: &'a [T],
    rows: usize,
    features: usize,
    /// `K`: the padded classes past it keep their predictors `0 + 0`, not computed.
    classes: usize,
    /// From [`tiled`].
    wt: &'a [f64],
    bt: &'a [f64],
    z: &'a mut [f64],
}

/// Rows per step of [`Predictors`], and per group of [`grouped`]: the softmax's lanes.
const ROW_GROUP: usize = LANES;

/// The predictors of a tile of classes at `RB` rows: `acc[r][half][l]` is class
/// `16·tile + 8·half + l` at row `r`.
#[inline(always)]
fn predictor_sums<T: Element, const FMA: bool, const RB: usize, const W: usize>(
    x: &[T],
    p: usize,
    (wt, bt): (&[f64], &[f64]),
) -> [[Lanes; 2]; RB] {
    let mut acc: [[Lanes; 2]; RB] = [[*lanes_at(bt, 0), *lanes_at(bt, LANES)]; RB];
    // The next group of rows, one cache line per feature: its `RB·p` values span about `p`
    // lines (eight rows of f64), runs too short for the hardware prefetcher to learn.
    let per_line = kernel::CACHE_LINE / std::mem::size_of::<T>();
    let next = x.get(RB * p..).unwrap_or_default();
    let x = &x[..RB * p];
    for j in 0..p {
        kernel::prefetch::<{ kernel::TO_L1 }, T>(next, j * per_line);
        // Loaded once into registers for the group's rows (a reference would let each
        // multiply-add load them again: sixteen loads instead of two per feature).
        let w0: Lanes = *lanes_at(wt, j * CLASS_TILE);
        let w1: Lanes = *lanes_at(wt, j * CLASS_TILE + LANES);
        for (r, a) in acc.iter_mut().enumerate() {
            let v = [x[r * p + j].into(); LANES];
            a[0] = fma_lanes::<FMA>(&v, &w0, a[0]);
            // The second eight classes' first `W` lanes (all eight: `fma_lanes`).
            for l in 0..W {
                a[1][l] = kernel::mul_add::<FMA>(v[l], w1[l], a[1][l]);
            }
        }
    }
    acc
}

/// A group's predictors of a tile into the tile's runs (`z` from the tile's first run on):
/// row `r`'s class `c` goes to lane `r` of the class's run. The sums are stored as they are
/// (row by row, over the same 128 values) and transposed from there: built straight from the
/// sums, the transpose made LLVM keep them in memory, stored to the stack at every feature of
/// [`predictor_sums`] (the pass took 30 ms instead of 20).
#[inline(always)]
fn store_group(sums: &[[Lanes; 2]; ROW_GROUP], z: &mut [f64]) {
    let z = &mut z[..CLASS_TILE * ROW_GROUP];
    for (r, a) in sums.iter().enumerate() {
        z[r * CLASS_TILE..][..LANES].copy_from_slice(&a[0]);
        z[r * CLASS_TILE + LANES..][..LANES].copy_from_slice(&a[1]);
    }
    let rows = |half: usize| -> [Lanes; LANES] {
        std::array::from_fn(|r| *lanes_at(z, r * CLASS_TILE + half * LANES))
    };
    let (low, high) = (transpose(rows(0)), transpose(rows(1)));
    for (c, run) in low.iter().chain(&high).enumerate() {
        z[c * ROW_GROUP..][..LANES].copy_from_slice(run);
    }
}

/// The 8 × 8 transpose, `out[c][r] = a[r][c]`, in three rounds of two-vector shuffles with
/// fixed lanes (which LLVM turns into `vunpcklpd`/`vshuff64x2`-like instructions).
#[inline(always)]
fn transpose(a: [Lanes; LANES]) -> [Lanes; LANES] {
    // Pairs of rows: the even columns of rows 2m and 2m + 1 interleaved, then the odd ones.
    #[inline(always)]
    fn pairs(a: Lanes, b: Lanes) -> (Lanes, Lanes) {
        (
            [a[0], b[0], a[2], b[2], a[4], b[4], a[6], b[6]],
            [a[1], b[1], a[3], b[3], a[5], b[5], a[7], b[7]],
        )
    }
    #[inline(always)]
    fn quads(a: Lanes, b: Lanes) -> (Lanes, Lanes) {
        (
            [a[0], a[1], b[0], b[1], a[4], a[5], b[4], b[5]],
            [a[2], a[3], b[2], b[3], a[6], a[7], b[6], b[7]],
        )
    }
    #[inline(always)]
    fn halves(a: Lanes, b: Lanes) -> (Lanes, Lanes) {
        (
            [a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3]],
            [a[4], a[5], a[6], a[7], b[4], b[5], b[6], b[7]],
        )
    }
    let [a0, a1, a2, a3, a4, a5, a6, a7] = a;
    // Columns (0 2 4 6) and (1 3 5 7) of rows (0 1), (2 3), (4 5), (6 7).
    let (e01, o01) = pairs(a0, a1);
    let (e23, o23) = pairs(a2, a3);
    let (e45, o45) = pairs(a4, a5);
    let (e67, o67) = pairs(a6, a7);
    // Columns (0 4), (2 6), (1 5), (3 7) of rows 0–3 and of rows 4–7.
    let (c04_low, c26_low) = quads(e01, e23);
    let (c15_low, c37_low) = quads(o01, o23);
    let (c04_high, c26_high) = quads(e45, e67);
    let (c15_high, c37_high) = quads(o45, o67);
    let (c0, c4) = halves(c04_low, c04_high);
    let (c1, c5) = halves(c15_low, c15_high);
    let (c2, c6) = halves(c26_low, c26_high);
    let (c3, c7) = halves(c37_low, c37_high);
    [c0, c1, c2, c3, c4, c5, c6, c7]
}

impl<T: Element> Kernel for Predictors<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run<const FMA: bool>(mut self) {
        let kp = self.bt.len();
        for tile in 0..kp / CLASS_TILE {
            // The lanes of the tile's second eight classes that are used, rounded up to 0, 2,
            // 4 or 8: a tile of 10 used classes takes 8 + 2 lanes, not 16 (on a core that
            // splits 512-bit operations in two, as Zen 4 does, a 2-lane multiply-add costs
            // half of an 8-lane one).
            match self.classes.saturating_sub(tile * CLASS_TILE + LANES) {
                0 => self.tile::<FMA, 0>(tile),
                1..=2 => self.tile::<FMA, 2>(tile),
                3..=4 => self.tile::<FMA, 4>(tile),
                _ => self.tile::<FMA, LANES>(tile),
            }
        }
    }
}

impl<T: Element> Predictors<'_, T> {
    /// One tile of classes, with `W` lanes of its second eight.
    #[inline(always)]
    fn tile<const FMA: bool, const W: usize>(&mut self, tile: usize) {
        let (x, rows, p, kp) = (self.x, self.rows, self.features, self.bt.len());
        let wt = &self.wt[tile * p * CLASS_TILE..][..p * CLASS_TILE];
        let bt = &self.bt[tile * CLASS_TILE..][..CLASS_TILE];
        let mut r = 0;
        while r + ROW_GROUP <= rows {
            let sums = predictor_sums::<T, FMA, ROW_GROUP, W>(&x[r * p..], p, (wt, bt));
            store_group(&sums, &mut self.z[grouped(r, tile * CLASS_TILE, kp)..]);
            r += ROW_GROUP;
        }
        while r < rows {
            let [row] = predictor_sums::<T, FMA, 1, W>(&x[r * p..], p, (wt, bt));
            let z = &mut self.z[grouped(r, tile * CLASS_TILE, kp)..];
            for (c, v) in row.iter().flatten().enumerate() {
                z[c * ROW_GROUP] = *v;
            }
            r += 1;
        }
    }
}

/// `G += S·X` for a block of rows: `g[k·p + j] += Σᵢ s[grouped(i, k, K')]·x_{ij}`, as the binary
/// kernel sums its gradient: the lanes over features, each row's vectors of `X` loaded once
/// per pair of classes and multiplied by the two classes' slopes (broadcast), the sums of up
/// to seven vectors of features per class kept in registers down the block's rows. The last
/// `p mod 8` features are the lanes of one more vector (the row's last eight values); with
/// fewer than eight features, each is summed on its own.
struct SlopeSums<'a, T> {
    x: &'a [T],
    /// The next block's rows (or nothing), brought into the level 2 cache a line at a time
    /// down the rows of this one: its memory reads overlap the arithmetic here, where the
    /// block is read from level 1, instead of holding up `Z = W·Xᵀ` on the next block.
    ahead: &'a [T],
    rows: usize,
    features: usize,
    /// The slopes, laid out by [`grouped`].
    s: &'a [f64],
    /// `K × p`, class-major.
    g: &'a mut [f64],
}

/// Lines of memory to bring into the level 2 cache one at a time, in order.
struct Ahead<'a, T> {
    values: &'a [T],
    /// The next line's first value.
    at: usize,
}

impl<'a, T> Ahead<'a, T> {
    fn new(values: &'a [T]) -> Self {
        Ahead { values, at: 0 }
    }

    /// Asks for the next line, if any is left.
    #[inline(always)]
    fn next_line(&mut self) {
        if self.at < self.values.len() {
            kernel::prefetch::<{ kernel::TO_L2 }, T>(self.values, self.at);
            self.at += kernel::CACHE_LINE / std::mem::size_of::<T>();
        }
    }
}

/// Vectors of features per tile of [`SlopeSums`]: with two classes, eight sums in registers
/// (more, and the compiler keeps them in memory).
const FEATURE_VECTORS: usize = 4;

/// `G += S·X` for classes `k0..k0 + CT` and the `GV` vectors of features from vector `v0` on:
/// vector `v` covers features `8v..8v + 8`, except the last of a row whose `p mod 8 = t ≠ 0`
/// features are left over: it is the row's last 8 values, overlapping the vector before it,
/// and only its last `t` sums are added into `G`.
///
/// The first `GV − 1` vectors are read at fixed offsets from one pointer per row and the last
/// from a second, so that the loop keeps every address in a register (with an offset per
/// vector held in memory, each multiply-add also loaded its address).
#[inline(always)]
fn slope_sums_tile<T: Element, const FMA: bool, const CT: usize, const GV: usize>(
    (x, rows, p): (&[T], usize, usize),
    (s, kp): (&[f64], usize),
    (k0, v0): (usize, usize),
    g: &mut [f64],
    ahead: &mut Ahead<'_, T>,
) {
    let whole = p / LANES;
    let first = v0 * LANES;
    let (last, skip) = if v0 + GV > whole {
        (p - LANES, LANES - (p - whole * LANES))
    } else {
        (first + (GV - 1) * LANES, 0)
    };
    let mut acc = [[[0.0; LANES]; GV]; CT];
    // The offsets within a row checked once here, and rows taken as exact chunks, so that the
    // loop is loads, conversions, broadcasts and multiply-adds (see `objdump -d` of a bench
    // binary: the loop with 8 `vfmadd231pd` and 2 `vbroadcastsd`).
    assert!(first + (GV - 1) * LANES <= p && last + LANES <= p && k0 + CT <= kp);
    // A group of rows at a time with its runs of slopes (see `grouped`): row `l` of the group
    // takes lane `l` of the tile's classes' runs.
    let x_groups = x[..rows * p].chunks(ROW_GROUP * p);
    let s_groups = s[..grouped_len(rows, kp)].chunks_exact(ROW_GROUP * kp);
    for (x_group, s_group) in x_groups.zip(s_groups) {
        let (runs, _) = s_group[k0 * ROW_GROUP..(k0 + CT) * ROW_GROUP].as_chunks::<ROW_GROUP>();
        for (row, l) in x_group.chunks_exact(p).zip(0..ROW_GROUP) {
            ahead.next_line();
            let (head, _) = row[first..first + (GV - 1) * LANES].as_chunks::<LANES>();
            let (tail, _) = row[last..last + LANES].as_chunks::<LANES>();
            let mut wide = [[0.0; LANES]; GV];
            for (wide, head) in wide.iter_mut().zip(head) {
                for l in 0..LANES {
                    wide[l] = head[l].into();
                }
            }
            for (wide, tail) in wide[GV - 1..].iter_mut().zip(tail) {
                for l in 0..LANES {
                    wide[l] = tail[l].into();
                }
            }
            for (a, run) in acc.iter_mut().zip(runs) {
                let slope = [run[l]; LANES];
                for (a, w) in a.iter_mut().zip(&wide) {
                    *a = fma_lanes::<FMA>(&slope, w, *a);
                }
            }
        }
    }
    // Only whole vectors of `acc` are read here, each at a constant place. A read at a
    // run-time offset into `acc` (the tail's lanes from `skip` on, by reference) kept `acc` in
    // memory, and LLVM then stored all `CT·GV` sums to the stack on every row of the loop
    // above: a `vmovupd` after each multiply-add, the pass 26 ms instead of 20 at
    // 200 000 × 50 with K = 10.
    for (t, a) in acc.into_iter().enumerate() {
        let row = &mut g[(k0 + t) * p..][..p];
        for (v, a) in a.into_iter().enumerate().take(GV - 1) {
            for (gj, v) in row[first + v * LANES..][..LANES].iter_mut().zip(a) {
                *gj += v;
            }
        }
        let tail = a[GV - 1];
        for (gj, v) in row[last..][..LANES].iter_mut().zip(tail).skip(skip) {
            *gj += v;
        }
    }
}

#[inline(always)]
fn slope_sums_classes<T: Element, const FMA: bool, const CT: usize>(
    (x, rows, p): (&[T], usize, usize),
    (s, kp): (&[f64], usize),
    k0: usize,
    g: &mut [f64],
    ahead: &mut Ahead<'_, T>,
) {
    if p < LANES {
        // Fewer than 8 features: one by one.
        for j in 0..p {
            for t in 0..CT {
                let mut sum = 0.0;
                for i in 0..rows {
                    let slope = s[grouped(i, k0 + t, kp)];
                    sum = kernel::mul_add::<FMA>(slope, x[i * p + j].into(), sum);
                }
                g[(k0 + t) * p + j] += sum;
            }
        }
        return;
    }
    let vectors = p.div_ceil(LANES);
    let data = (x, rows, p);
    let mut v0 = 0;
    while v0 < vectors {
        let gv = FEATURE_VECTORS.min(vectors - v0);
        let at = (k0, v0);
        match gv {
            4 => slope_sums_tile::<T, FMA, CT, 4>(data, (s, kp), at, g, ahead),
            3 => slope_sums_tile::<T, FMA, CT, 3>(data, (s, kp), at, g, ahead),
            2 => slope_sums_tile::<T, FMA, CT, 2>(data, (s, kp), at, g, ahead),
            _ => slope_sums_tile::<T, FMA, CT, 1>(data, (s, kp), at, g, ahead),
        }
        v0 += gv;
    }
}

impl<T: Element> Kernel for SlopeSums<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run<const FMA: bool>(self) {
        let SlopeSums {
            x,
            ahead,
            rows,
            features: p,
            s,
            g,
        } = self;
        // One line of the next block per row of this one, from the first tiles on.
        let mut ahead = Ahead::new(ahead);
        let k = g.len() / p.max(1);
        let kp = padded(k);
        let data = (x, rows, p);
        let mut k0 = 0;
        while k0 + 2 <= k {
            slope_sums_classes::<T, FMA, 2>(data, (s, kp), k0, g, &mut ahead);
            k0 += 2;
        }
        if k0 < k {
            slope_sums_classes::<T, FMA, 1>(data, (s, kp), k0, g, &mut ahead);
        }
    }
}

/// `C ← α·A·B + β·C` by the `matrixmultiply` crate, in the calling thread (so that the rows'
/// chunks, one per thread, never wait on a BLAS thread pool), for views in any layout.
///
/// # Panics
/// Shapes that do not match (a bug in the callers here).
fn gemm(
    alpha: f64,
    a: ArrayView2<'_, f64>,
    b: ArrayView2<'_, f64>,
    beta: f64,
    c: &mut ArrayViewMut2<'_, f64>,
) {
    let ((m, k), (k2, n)) = (a.dim(), b.dim());
    assert!(
        k == k2 && c.dim() == (m, n),
        "gemm shapes: {m}×{k} · {k2}×{n} into {:?}",
        c.dim()
    );
    let stride = |s: isize| s;
    // SAFETY: the pointers and strides are those of live views of the stated shapes (checked
    // above), `c` is borrowed mutably and cannot alias `a` or `b`, and matrixmultiply reads
    // and writes only within those shapes.
    unsafe {
        matrixmultiply::dgemm(
            m,
            k,
            n,
            alpha,
            a.as_ptr(),
            stride(a.strides()[0]),
            stride(a.strides()[1]),
            b.as_ptr(),
            stride(b.strides()[0]),
            stride(b.strides()[1]),
            beta,
            c.as_mut_ptr(),
            stride(c.strides()[0]),
            stride(c.strides()[1]),
        );
    }
}

/// The softmax of a block's predictors, eight rows at a time (lanes over rows): the
/// predictors of class `c` at the rows of the group that starts at row `8g` are the eight
/// values from `zt[g·group + c·stride]` on, one per row (classes in rows of the block's
/// samples for the Hessian, `stride = r` and `group = 8`; the runs of [`grouped`] in a pass,
/// `stride = 8` and `group = 8K'`). Returns
/// `Σᵢ [mᵢ + log Σ_k e^{z_{ik} − mᵢ} − z_{i,yᵢ}]` with `mᵢ = max_k z_{ik}`, and writes each
/// sample's slopes or probabilities over its predictors.
struct Softmax<'a> {
    zt: &'a mut [f64],
    rows: usize,
    /// Values from one class's run to the next's.
    stride: usize,
    /// Values from one group of eight rows to the next.
    group: usize,
    classes: usize,
    labels: &'a [u32],
    /// The rows' sample weights: each row's loss and slopes are multiplied by its own
    /// (probabilities are written unweighted).
    weights: Option<&'a [f64]>,
    write: Write,
}

/// The `USED` values of a run from `zt[at]` on, as a vector (zero past `USED`).
#[inline(always)]
fn load_run<const USED: usize>(zt: &[f64], at: usize) -> Lanes {
    let mut v = [0.0; LANES];
    v[..USED].copy_from_slice(&zt[at..at + USED]);
    v
}

/// Writes the first `USED` lanes of `v` over the run from `zt[at]` on.
#[inline(always)]
fn store_run<const USED: usize>(zt: &mut [f64], at: usize, v: &Lanes) {
    zt[at..at + USED].copy_from_slice(&v[..USED]);
}

impl Kernel for Softmax<'_> {
    type Output = f64;
    #[inline(always)]
    fn run<const FMA: bool>(mut self) -> f64 {
        let mut total: Lanes = [0.0; LANES];
        let whole = self.rows / LANES * LANES;
        for start in (0..whole).step_by(LANES) {
            self.group::<FMA, LANES>(start, &mut total);
        }
        // The last rows, fewer than eight, one count at a time: each group's copies have a
        // length known when compiled (a length known only at run time made LLVM call `memcpy`
        // for every run of every group).
        match self.rows - whole {
            0 => {}
            1 => self.group::<FMA, 1>(whole, &mut total),
            2 => self.group::<FMA, 2>(whole, &mut total),
            3 => self.group::<FMA, 3>(whole, &mut total),
            4 => self.group::<FMA, 4>(whole, &mut total),
            5 => self.group::<FMA, 5>(whole, &mut total),
            6 => self.group::<FMA, 6>(whole, &mut total),
            _ => self.group::<FMA, 7>(whole, &mut total),
        }
        kernel::sum_lanes(&total)
    }
}

impl Softmax<'_> {
    /// The group of `USED` rows from row `start` on: adds each row's loss into its lane of
    /// `total`, and writes the group's slopes or probabilities.
    #[inline(always)]
    fn group<const FMA: bool, const USED: usize>(&mut self, start: usize, total: &mut Lanes) {
        let (zt, stride, classes, write) = (&mut *self.zt, self.stride, self.classes, self.write);
        let mut label = [u32::MAX; LANES];
        label[..USED].copy_from_slice(&self.labels[start..start + USED]);
        let mut weight = [1.0; LANES];
        if let Some(s) = self.weights {
            weight[..USED].copy_from_slice(&s[start..start + USED]);
        }
        // The lanes past the block's end hold 0 and are never written back.
        let base = (start / LANES) * self.group;
        let run = |c: usize| base + c * stride;
        let mut max = load_run::<USED>(zt, run(0));
        let mut own = [0.0; LANES];
        for c in 0..classes {
            let z = load_run::<USED>(zt, run(c));
            for l in 0..LANES {
                max[l] = if z[l] > max[l] { z[l] } else { max[l] };
                own[l] = if label[l] as usize == c { z[l] } else { own[l] };
            }
        }
        let mut sum = [0.0; LANES];
        for c in 0..classes {
            let z = load_run::<USED>(zt, run(c));
            let mut shifted = [0.0; LANES];
            for l in 0..LANES {
                shifted[l] = z[l] - max[l];
            }
            let e = kernel::exp::<FMA>(shifted);
            for l in 0..LANES {
                sum[l] += e[l];
            }
            if write != Write::Nothing {
                store_run::<USED>(zt, run(c), &e);
            }
        }
        // Σ_k e^{z_k − m} ≥ 1 (the largest term is e⁰).
        let log_sum = kernel::ln::<FMA>(sum);
        for l in 0..USED {
            total[l] += weight[l] * (max[l] + log_sum[l] - own[l]);
        }
        if write != Write::Nothing {
            let mut inverse = [0.0; LANES];
            for l in 0..LANES {
                inverse[l] = 1.0 / sum[l];
            }
            for c in 0..classes {
                let e = load_run::<USED>(zt, run(c));
                let mut out = [0.0; LANES];
                for l in 0..LANES {
                    let p = e[l] * inverse[l];
                    out[l] = match write {
                        Write::Slopes if label[l] as usize == c => weight[l] * (p - 1.0),
                        Write::Slopes => weight[l] * p,
                        _ => p,
                    };
                }
                store_run::<USED>(zt, run(c), &out);
            }
        }
    }
}

impl Objective for MultinomialLogLoss<'_> {
    type Param = Array1<f64>;

    fn value(&self, params: &Array1<f64>) -> f64 {
        let (w, b) = self.split(params);
        let sums = self.sum_chunks(1, |rows, out| {
            self.chunk_pass(rows, (&w, &b), Pass::Value, out)
        });
        sums[0] / self.weight_sum
    }

    fn dimension(&self) -> Option<usize> {
        Some(self.n_params())
    }
}

impl Gradient for MultinomialLogLoss<'_> {
    fn gradient(&self, params: &Array1<f64>) -> Array1<f64> {
        self.value_and_gradient(params).1
    }

    fn value_and_gradient(&self, params: &Array1<f64>) -> (f64, Array1<f64>) {
        let (w, b) = self.split(params);
        let width = 1 + self.n_params();
        let sums = self.sum_chunks(width, |rows, out| {
            self.chunk_pass(rows, (&w, &b), Pass::ValueAndGradient, out)
        });
        let scale = 1.0 / self.weight_sum;
        let g = Array1::from_iter(sums[1..].iter().map(|v| v * scale));
        (sums[0] * scale, g)
    }
}

impl Hessian for MultinomialLogLoss<'_> {
    /// The `(K(p+1))²` Hessian (`(Kp)²` without intercepts), in the parameters' order. One pass
    /// over `X`: per block of rows, `K` products for the diagonal blocks and `K(K+1)/2` for
    /// the `−(P_k ∘ X̃)ᵀ(P_l ∘ X̃)` terms, into at most 16 partial sums (a fixed split of the
    /// rows) added in order.
    fn hessian(&self, params: &Array1<f64>) -> Array2<f64> {
        let (w, b) = self.split(params);
        let (n, k, p) = (self.x.nrows(), self.classes, self.x.ncols());
        let q = p + 1;
        let parts = n.div_ceil(CHUNK_ROWS).clamp(1, HESSIAN_PARTS);
        let per_part = n.div_ceil(parts);
        let part = |i: usize| {
            let mut h = Array2::zeros((k * q, k * q));
            let start = (i * per_part).min(n);
            self.hessian_part(start..n.min(start + per_part), (&w, &b), &mut h);
            h
        };
        let partial: Vec<Array2<f64>> = if parts > 1 && rayon::current_num_threads() > 1 {
            (0..parts).into_par_iter().map(part).collect()
        } else {
            (0..parts).map(part).collect()
        };
        let mut augmented = Array2::<f64>::zeros((k * q, k * q));
        for h in &partial {
            augmented += h;
        }
        // The lower blocks from the upper ones (the diagonal blocks are whole).
        for c in 0..k {
            for l in c + 1..k {
                let upper = augmented
                    .slice(s![c * q..(c + 1) * q, l * q..(l + 1) * q])
                    .to_owned();
                augmented
                    .slice_mut(s![l * q..(l + 1) * q, c * q..(c + 1) * q])
                    .assign(&upper.t());
            }
        }
        // From class-major [w_k, b_k] blocks to the parameters' [W, b] order.
        let index = |c: usize, j: usize| -> Option<usize> {
            match (j < p, self.fit_intercept) {
                (true, _) => Some(c * p + j),
                (false, true) => Some(k * p + c),
                (false, false) => None,
            }
        };
        let m = self.n_params();
        let mut h = Array2::zeros((m, m));
        let scale = 1.0 / self.weight_sum;
        for ((row, column), &v) in augmented.indexed_iter() {
            if let (Some(i), Some(j)) = (index(row / q, row % q), index(column / q, column % q)) {
                h[[i, j]] = v * scale;
            }
        }
        h
    }
}

impl Smooth for MultinomialLogLoss<'_> {
    /// The gap `P(x) − D(U)` with an elastic-net penalty `g` on the coefficients, for the dual
    /// point built from `x` (Fenchel–Rockafellar, one dual vector `uᵢ` per row):
    ///
    /// `D(U) = −(1/N) Σᵢ Σ_k q_{ik} log q_{ik} − g*(XᵀU/N)`, with `qᵢ = e_{yᵢ} − uᵢ` on the
    /// simplex (the conjugate of `z ↦ log Σ e^z − z_{yᵢ}` is the negative entropy of `qᵢ`) and,
    /// with intercepts, `Σᵢ uᵢ = 0`.
    ///
    /// Built as: the intercepts that are optimal for `x`'s coefficients (`Σᵢ P_{ik} = n_k`,
    /// by iterative proportional fitting from `x`'s own), `qᵢ = Pᵢ + m` with `m` the tiny mean
    /// residual left (so that `Σᵢ uᵢ = 0` exactly), then `U` scaled by the penalty's feasible
    /// factor `c` (`qᵢ → (1 − c)e_{yᵢ} + c·qᵢ` stays on the simplex). At the minimizer this is
    /// the dual optimum and the gap 0. `None` when the rounding leaves a `q` below 0 (no valid
    /// dual point: the solvers then stop on the optimality measure).
    ///
    /// With sample weights `sᵢ`, every sum over rows is weighted (the classes' totals `n_k`
    /// too) and `N` is `W = Σᵢ sᵢ`.
    fn duality_gap(&self, x: &Array1<f64>, penalty: &ElasticNet) -> Option<f64> {
        let (k, p) = (self.classes, self.x.ncols());
        let nf = self.weight_sum;
        let weight = |i: usize| kernel::weight_at(self.weights.as_deref(), i);
        let (w, own) = self.split(x);
        let zw = self.times_coefficients(&w);
        let mut counts = vec![0.0; k];
        for (i, &l) in self.labels.iter().enumerate() {
            counts[l as usize] += weight(i);
        }
        // Σᵢ sᵢPᵢ, the classes' modelled totals.
        let totals_of = |q: &Array2<f64>| match self.weights.as_deref() {
            Some(s) => q.t().dot(&ndarray::ArrayView1::from(s)),
            None => q.sum_axis(ndarray::Axis(0)),
        };
        let mut b = if self.fit_intercept {
            own
        } else {
            Array1::zeros(k)
        };
        let mut q = softmax_rows(&zw, &b);
        if self.fit_intercept {
            // b_k ← b_k + log(n_k / Σᵢ P_ik): each step matches the classes' totals better.
            for _ in 0..200 {
                let totals = totals_of(&q);
                let worst = totals
                    .iter()
                    .zip(&counts)
                    .fold(0.0_f64, |m, (t, c)| m.max((t - c).abs()));
                if worst <= 1e-12 * nf {
                    break;
                }
                for ((bk, &t), &c) in b.iter_mut().zip(&totals).zip(&counts) {
                    if t > 0.0 && c > 0.0 {
                        *bk += (c / t).ln();
                    }
                }
                q = softmax_rows(&zw, &b);
            }
        }
        // The mean residual m (zero without intercepts, whose dual has no constraint).
        let mean: Array1<f64> = if self.fit_intercept {
            let totals = totals_of(&q);
            Array1::from_iter(counts.iter().zip(&totals).map(|(c, t)| (c - t) / nf))
        } else {
            Array1::zeros(k)
        };
        q += &mean;
        // Rows of weight 0 are not in the dual; every other row's q must be on the simplex.
        let off_simplex = q
            .rows()
            .into_iter()
            .enumerate()
            .any(|(i, row)| weight(i) > 0.0 && row.iter().any(|&v| v.is_nan() || v < 0.0));
        if off_simplex {
            return None;
        }
        // XᵀU with U = Y − Q: −N times the gradient at (W, b), less the mean's part.
        let mut at: Vec<f64> = w.iter().copied().collect();
        if self.fit_intercept {
            at.extend(b.iter());
        }
        let (_, g) = self.value_and_gradient(&Array1::from(at));
        let sums = self.column_sums();
        let mut v = Array1::from_shape_fn(k * p, |i| {
            let (c, j) = (i / p, i % p);
            -nf * g[i] - mean[c] * sums[j]
        });
        let scale = penalty.feasible_scale(&v.mapv(|t| t / nf));
        v *= scale;
        let mut conjugates = 0.0;
        for (i, (row, &label)) in q.rows().into_iter().zip(self.labels.iter()).enumerate() {
            let mut entropy = 0.0;
            for (c, &qk) in row.iter().enumerate() {
                let own = if c == label as usize { 1.0 } else { 0.0 };
                let value: f64 = (1.0 - scale) * own + scale * qk;
                if value > 0.0 {
                    entropy += value * value.ln();
                }
            }
            conjugates += weight(i) * entropy;
        }
        let primal = self.value(x) + penalty.value(x);
        Some(mean_gap(primal, conjugates, &v, penalty, nf))
    }
}

/// The softmax of every row of `z`, in place: `P_{ik} = e^{z_ik − mᵢ} / Σ_l e^{z_il − mᵢ}` with
/// `mᵢ = max_l z_il`, so that no exponential overflows and every row sums to 1 (the class
/// probabilities of a multinomial model from its linear predictors).
///
/// ```
/// use descent_objectives::softmax;
/// use ndarray::array;
/// let p = softmax(array![[0.0, 0.0], [1000.0, 0.0], [2f64.ln(), 0.0]]);
/// assert_eq!(p.row(0).to_vec(), vec![0.5, 0.5]);
/// assert_eq!(p.row(1).to_vec(), vec![1.0, 0.0]); // e^1000 would overflow
/// assert!((p[[2, 0]] - 2.0 / 3.0).abs() < 1e-15);
/// ```
pub fn softmax(mut z: Array2<f64>) -> Array2<f64> {
    for mut row in z.rows_mut() {
        let m = row.fold(f64::NEG_INFINITY, |a, &v| a.max(v));
        row.mapv_inplace(|v| (v - m).exp());
        let sum = row.sum();
        row /= sum;
    }
    z
}

/// `softmax(zᵢ + b)` for every row of `z`.
fn softmax_rows(z: &Array2<f64>, b: &Array1<f64>) -> Array2<f64> {
    softmax(z + &b.view().insert_axis(ndarray::Axis(0)))
}

/// The whole Hessian, selected from.
impl HessianBlock for MultinomialLogLoss<'_> {}

impl LinearModelLoss for MultinomialLogLoss<'_> {
    fn n_samples(&self) -> usize {
        self.x.nrows()
    }
    fn sample_weight_sum(&self) -> f64 {
        self.weight_sum
    }
    fn n_features(&self) -> usize {
        self.x.ncols()
    }
    fn fit_intercept(&self) -> bool {
        self.fit_intercept
    }
    fn n_outputs(&self) -> usize {
        self.classes
    }
    fn column_statistics(&self) -> Option<&ColumnStatistics> {
        self.stats.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, ShapeBuilder};

    /// A small problem whose predictors reach ±1000 at `scale = 100`.
    fn problem(n: usize, p: usize, k: usize) -> (Array2<f64>, Vec<u32>, Array1<f64>) {
        let x = Array2::from_shape_fn((n, p), |(i, j)| ((i * 7 + j * 3) % 11) as f64 / 5.0 - 1.0);
        let labels = (0..n).map(|i| ((i * 5 + i / 3) % k) as u32).collect();
        let params = Array1::from_shape_fn(k * (p + 1), |i| ((i * 13) % 7) as f64 / 7.0 - 0.4);
        (x, labels, params)
    }

    /// `(1/N) Σᵢ [log Σ_k e^{z_{ik}} − z_{i,yᵢ}]` and its gradient, row by row.
    fn reference(
        x: &Array2<f64>,
        labels: &[u32],
        params: &Array1<f64>,
        k: usize,
    ) -> (f64, Array1<f64>) {
        let (n, p) = x.dim();
        let mut total = 0.0;
        let mut g = Array1::zeros(params.len());
        for i in 0..n {
            let z: Vec<f64> = (0..k)
                .map(|c| {
                    (0..p).map(|j| x[[i, j]] * params[c * p + j]).sum::<f64>() + params[k * p + c]
                })
                .collect();
            let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let sum: f64 = z.iter().map(|v| (v - m).exp()).sum();
            total += m + sum.ln() - z[labels[i] as usize];
            for c in 0..k {
                let slope = (z[c] - m).exp() / sum - f64::from(u8::from(labels[i] as usize == c));
                for j in 0..p {
                    g[c * p + j] += slope * x[[i, j]] / n as f64;
                }
                g[k * p + c] += slope / n as f64;
            }
        }
        (total / n as f64, g)
    }

    #[test]
    fn the_blocked_pass_matches_a_row_by_row_reference() {
        // Fewer features than a vector; a whole number of vectors; vectors and a tail of
        // 1 or 7 (one block of the slopes' tiles, and several); more classes than a tile;
        // tiles whose second eight classes take 0, 2, 4 or 8 lanes (K = 5, 10, 12, 17).
        for (n, p, k) in [
            (1, 1, 2),
            (9, 3, 3),
            (300, 5, 4),
            (9000, 4, 5),
            (700, 16, 3),
            (650, 50, 10),
            (333, 41, 17),
            (257, 20, 12),
            (1100, 71, 2),
        ] {
            let (x, labels, params) = problem(n, p, k);
            let loss = MultinomialLogLoss::new(&x, labels.as_slice(), k).unwrap();
            let (value, g) = loss.value_and_gradient(&params);
            let (expected, expected_g) = reference(&x, &labels, &params, k);
            assert!(
                (value - expected).abs() < 1e-13 * expected.abs().max(1.0),
                "{n}: {value} {expected}"
            );
            assert!((loss.value(&params) - value).abs() < 1e-15 * value.abs().max(1.0));
            let err = (&g - &expected_g)
                .mapv(f64::abs)
                .fold(0.0_f64, |a, &b| a.max(b));
            assert!(err < 1e-13, "{n} {p} {k}: {err}");
        }
    }

    #[test]
    fn the_loss_is_finite_at_extreme_predictors() {
        let (x, labels, params) = problem(40, 3, 3);
        let loss = MultinomialLogLoss::new(&x, labels.as_slice(), 3).unwrap();
        let far = &params * 1000.0;
        let (value, g) = loss.value_and_gradient(&far);
        let (expected, expected_g) = reference(&x, &labels, &far, 3);
        assert!(value.is_finite() && (value - expected).abs() < 1e-12 * expected.abs());
        assert!(g.iter().all(|v| v.is_finite()));
        assert!((&g - &expected_g).iter().all(|d| d.abs() < 1e-12));
    }

    #[test]
    fn the_hessian_and_its_products_match_finite_differences() {
        for (n, p, k, intercept) in [(30, 2, 3, true), (5000, 3, 4, true), (50, 3, 2, false)] {
            let (x, labels, params) = problem(n, p, k);
            let loss = MultinomialLogLoss::new(&x, labels.as_slice(), k)
                .unwrap()
                .fit_intercept(intercept);
            let params = params.slice(s![..loss.n_params()]).to_owned();
            let h = loss.hessian(&params);
            // Central differences of the exact gradient, column by column.
            let step = 1e-6;
            let mut numeric = Array2::zeros(h.dim());
            for j in 0..params.len() {
                let mut ahead = params.clone();
                ahead[j] += step;
                let mut behind = params.clone();
                behind[j] -= step;
                let column = (loss.gradient(&ahead) - loss.gradient(&behind)) / (2.0 * step);
                numeric.column_mut(j).assign(&column);
            }
            let err = (&h - &numeric)
                .mapv(f64::abs)
                .fold(0.0_f64, |a, &b| a.max(b));
            assert!(err < 1e-7, "{n} {p} {k}: {err}");
            assert!((&h - &h.t()).iter().all(|d| d.abs() < 1e-15));
            let v = Array1::from_shape_fn(params.len(), |i| (i as f64 * 0.37).sin());
            let hv = loss.hessian_times(&params, &v);
            let err = (&hv - &h.dot(&v))
                .mapv(f64::abs)
                .fold(0.0_f64, |a, &b| a.max(b));
            assert!(err < 1e-13, "{err}");
        }
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count_or_the_stored_type() {
        let (x, labels, params) = problem(20_000, 6, 4);
        let x = x.mapv(|v| f64::from(v as f32));
        let x32 = x.mapv(|v| v as f32);
        let loss = MultinomialLogLoss::new(&x, labels.as_slice(), 4).unwrap();
        let loss32 = MultinomialLogLoss::new(&x32, labels.as_slice(), 4).unwrap();
        let in_pool = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| (loss.value_and_gradient(&params), loss.hessian(&params)))
        };
        let one = in_pool(1);
        assert_eq!(one, in_pool(2));
        assert_eq!(one, in_pool(3));
        assert_eq!(one.0, loss32.value_and_gradient(&params));
        assert_eq!(one.1, loss32.hessian(&params));
    }

    #[test]
    fn any_layout_of_x_gives_the_same_bits() {
        let (x, labels, params) = problem(700, 5, 3);
        let column_major = {
            let mut f = Array2::zeros(x.dim().f());
            f.assign(&x);
            f
        };
        assert!(column_major.as_slice().is_none());
        let row_major = MultinomialLogLoss::new(&x, labels.as_slice(), 3).unwrap();
        let other = MultinomialLogLoss::new(&column_major, labels.as_slice(), 3).unwrap();
        assert_eq!(
            row_major.value_and_gradient(&params),
            other.value_and_gradient(&params)
        );
        assert_eq!(
            row_major.hessian_times(&params, &params),
            other.hessian_times(&params, &params)
        );
    }

    #[test]
    fn bad_input_is_refused() {
        let x = array![[1.0], [2.0]];
        assert!(MultinomialLogLoss::new(&x, &[0u32, 1][..], 1).is_err());
        assert!(MultinomialLogLoss::new(&x, &[0u32, 3][..], 3).is_err());
        assert!(MultinomialLogLoss::new(&x, &[0u32][..], 3).is_err());
        let nan = array![[1.0], [f64::NAN]];
        assert!(matches!(
            MultinomialLogLoss::new(&nan, &[0u32, 1][..], 2),
            Err(ObjectiveError::NonFiniteFeature { row: 1, .. })
        ));
        let empty = Array2::<f64>::zeros((0, 2));
        assert!(MultinomialLogLoss::new(&empty, &[][..], 2).is_err());
    }
}
