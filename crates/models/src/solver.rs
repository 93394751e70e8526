//! The solver choice shared by the models, and the one place that runs it.

use crate::ModelError;
use descent_objectives::{
    ColumnStatistics, Composite, DesignMatrix, ElasticNet, Hessian, HessianBlock, L2Regularized,
    LinearModelLoss, RowSource, Smooth, Standardized, StreamedLoss,
};
use descent_solvers::{
    Bfgs, ConjugateGradient, GradientDescent, Lbfgs, Minimize, Newton, NewtonCg, Observer,
    ProximalGradient, ProximalNewton, Report, SteepestDescent, Stopping,
};
use ndarray::Array1;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How a model's parameters are found.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Solver {
    /// Gradient descent with a fixed learning rate `γ`: `θ ← θ − γ∇F(θ)`.
    GradientDescent {
        /// `γ`, in the solver's coordinates (standardized features when preconditioning).
        learning_rate: f64,
    },
    /// Newton's method with a Cholesky solve and a backtracking line search: scikit-learn's
    /// `newton-cholesky`. Each iteration costs one pass to form the `(p+1)²` Hessian.
    Newton,
    /// argmin's L-BFGS (10 correction pairs, More-Thuente line search), as scikit-learn's
    /// default `lbfgs`.
    Lbfgs,
    /// argmin's BFGS: a dense `(p+1)²` inverse-Hessian model.
    Bfgs,
    /// argmin's Newton-CG (truncated Newton): scikit-learn's `newton-cg`.
    NewtonCg,
    /// argmin's nonlinear conjugate gradient (Polak-Ribière+).
    ConjugateGradient,
    /// argmin's steepest descent with a More-Thuente line search.
    SteepestDescent,
    /// A direct solve: least squares through LAPACK's SVD for ordinary least squares, a
    /// Cholesky solve of the normal equations for Ridge. Linear regression only.
    LeastSquares,
    /// Proximal Newton ([`descent_solvers::ProximalNewton`]): coordinate descent on the
    /// Hessian (the weighted Gram matrix), on working sets for wide data, then a line search.
    /// The default for L1 and elastic-net penalties (glum's and scikit-learn's `newton-cd`).
    ProximalNewton,
    /// FISTA ([`descent_solvers::ProximalGradient::fista`]): accelerated proximal gradient with
    /// backtracking, for any penalty. A baseline for non-smooth penalties.
    Fista,
}

/// Above this many parameters (features, plus the intercept), the models' default solver is
/// L-BFGS instead of Newton: one Newton iteration forms and factors a `(p+1)²` Hessian, in
/// `O(Np² + p³)`, which at a thousand features costs as much as hundreds of L-BFGS
/// evaluations (`O(Np)` each).
pub const NEWTON_MAX_PARAMETERS: usize = 500;

impl Solver {
    /// The default solver of an iterative fit with `parameters` unknowns: [`Solver::Newton`]
    /// up to [`NEWTON_MAX_PARAMETERS`], [`Solver::Lbfgs`] beyond.
    ///
    /// ```
    /// use descent_models::Solver;
    /// assert_eq!(Solver::for_parameters(31), Solver::Newton);
    /// assert_eq!(Solver::for_parameters(5_001), Solver::Lbfgs);
    /// ```
    pub fn for_parameters(parameters: usize) -> Solver {
        if parameters <= NEWTON_MAX_PARAMETERS {
            Solver::Newton
        } else {
            Solver::Lbfgs
        }
    }

    /// The default solver of a multinomial fit of `classes` classes with `per_class`
    /// parameters each (`p + 1` with an intercept): [`Solver::Newton`] when its Hessian is
    /// cheap against the passes L-BFGS would make, [`Solver::Lbfgs`] otherwise.
    ///
    /// One Newton iteration forms `K + K(K+1)/2` blocks of `(p+1)²` over the rows, about
    /// `(p+1)(K+3)/4` times the cost of one value-and-gradient pass (`2Kp` multiply-adds per
    /// row); Newton needs about 8 iterations where L-BFGS needs tens to hundreds of passes.
    /// Newton is chosen while that ratio is at most 32 and there are at most
    /// [`NEWTON_MAX_PARAMETERS`] parameters: iris (5 × 3 classes), wine (14 × 3) and the
    /// bundled data cut into classes get Newton; 41 parameters × 10 classes get L-BFGS, which
    /// on 200 000 rows fits in 0.58 s where Newton takes 5.7 s.
    ///
    /// ```
    /// use descent_models::Solver;
    /// assert_eq!(Solver::for_multinomial(3, 5), Solver::Newton);
    /// assert_eq!(Solver::for_multinomial(10, 41), Solver::Lbfgs);
    /// ```
    pub fn for_multinomial(classes: usize, per_class: usize) -> Solver {
        let parameters = classes * per_class;
        if parameters <= NEWTON_MAX_PARAMETERS && per_class * (classes + 3) <= 128 {
            Solver::Newton
        } else {
            Solver::Lbfgs
        }
    }

    /// The default solver of a multinomial fit on `rows` rows: [`Solver::for_multinomial`]'s
    /// choice, and also [`Solver::Newton`] whenever its whole cost is small in absolute terms
    /// (at most [`NEWTON_MAX_PARAMETERS`] parameters, and forming the Hessian's blocks costs
    /// at most 2·10⁷ multiply-adds per iteration, `rows·(p+1)²·K(K+3)/2`: a few milliseconds).
    /// On small data Newton's quadratic convergence then gives a far more accurate fit than
    /// L-BFGS for the same time (15 rows × 30 features × 3 classes: L-BFGS stalls near a
    /// gradient norm of 1e-9, Newton reaches 1e-15).
    ///
    /// ```
    /// use descent_models::Solver;
    /// assert_eq!(Solver::for_multinomial_rows(3, 31, 15), Solver::Newton);
    /// assert_eq!(Solver::for_multinomial_rows(3, 31, 200_000), Solver::Lbfgs);
    /// assert_eq!(Solver::for_multinomial_rows(10, 51, 200_000), Solver::Lbfgs);
    /// ```
    pub fn for_multinomial_rows(classes: usize, per_class: usize, rows: usize) -> Solver {
        const SMALL_HESSIAN: f64 = 2e7;
        let by_shape = Solver::for_multinomial(classes, per_class);
        let parameters = classes * per_class;
        #[allow(clippy::cast_precision_loss, reason = "an estimate of work")]
        let work =
            rows as f64 * (per_class * per_class) as f64 * (classes * (classes + 3)) as f64 / 2.0;
        if by_shape == Solver::Lbfgs && parameters <= NEWTON_MAX_PARAMETERS && work <= SMALL_HESSIAN
        {
            Solver::Newton
        } else {
            by_shape
        }
    }

    /// The default solver of a fit with an L1 or elastic-net penalty:
    /// [`Solver::ProximalNewton`], fastest on every problem of the README's benchmarks.
    pub fn for_sparse() -> Solver {
        Solver::ProximalNewton
    }

    /// Whether this solver minimizes a loss plus a non-smooth (L1) penalty: the proximal
    /// methods, and gradient descent, which then takes the soft-threshold step (ISTA).
    pub fn handles_l1(&self) -> bool {
        matches!(
            self,
            Solver::ProximalNewton | Solver::Fista | Solver::GradientDescent { .. }
        )
    }

    /// The short name used on the command line: `gd`, `newton`, `lbfgs`, `bfgs`,
    /// `newton-cg`, `cg`, `steepest`, `lstsq`, `prox-newton`, `fista`.
    pub fn short_name(&self) -> &'static str {
        match self {
            Solver::GradientDescent { .. } => "gd",
            Solver::Newton => "newton",
            Solver::Lbfgs => "lbfgs",
            Solver::Bfgs => "bfgs",
            Solver::NewtonCg => "newton-cg",
            Solver::ConjugateGradient => "cg",
            Solver::SteepestDescent => "steepest",
            Solver::LeastSquares => "lstsq",
            Solver::ProximalNewton => "prox-newton",
            Solver::Fista => "fista",
        }
    }
}

impl fmt::Display for Solver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Solver::GradientDescent { learning_rate } => {
                write!(f, "gradient descent (learning rate {learning_rate})")
            }
            Solver::Newton => f.write_str("Newton"),
            Solver::Lbfgs => f.write_str("L-BFGS"),
            Solver::Bfgs => f.write_str("BFGS"),
            Solver::NewtonCg => f.write_str("Newton-CG"),
            Solver::ConjugateGradient => f.write_str("conjugate gradient"),
            Solver::SteepestDescent => f.write_str("steepest descent"),
            Solver::LeastSquares => f.write_str("least squares"),
            Solver::ProximalNewton => f.write_str("proximal Newton"),
            Solver::Fista => f.write_str("FISTA"),
        }
    }
}

/// When an iterative fit stops, and how it is conditioned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Iterative {
    pub tol: f64,
    pub max_iter: usize,
    pub record_history: bool,
    pub precondition: bool,
}

impl Iterative {
    /// The solvers' stopping rules: `tol` bounds the gradient norm; the step rule is off, so
    /// that a tiny step far from the optimum (a small learning rate) is never mistaken for
    /// convergence.
    pub(crate) fn stopping(&self) -> Stopping {
        Stopping {
            max_iterations: self.max_iter,
            step_tolerance: 0.0,
            gradient_tolerance: self.tol,
            record_history: self.record_history,
            ..Stopping::default()
        }
    }

    pub(crate) fn validate(&self) -> Result<(), ModelError> {
        crate::error::non_negative("tol", self.tol)?;
        if self.max_iter == 0 {
            return Err(ModelError::InvalidParameter {
                name: "max_iter",
                value: 0.0,
                reason: "must be at least 1",
            });
        }
        Ok(())
    }
}

/// What the preconditioner needs to know about a penalized linear-model objective
/// `F = (1/N) Σᵢ ℓ(yᵢ, zᵢ) + (λ/2)‖w‖²`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Curvature {
    /// `ℓ''` with respect to `z` at the start: 1/4 for the log loss at `z = 0`, 2 for the
    /// squared error.
    pub loss: f64,
    /// `λ`, the L2 penalty's strength.
    pub penalty: f64,
}

/// Minimizes a linear model's objective with an iterative solver, from `start` (the model's
/// parameters `[w, b]`, zeros when `None`).
///
/// With preconditioning, the solver runs on the objective in the coordinates of centered
/// features divided by `sⱼ = √(σⱼ² + λ/ℓ'')` ([`Standardized::with_scale`]): the diagonal of
/// the Hessian at the start becomes uniform whether the loss (large C) or the penalty (small
/// C) dominates. The report is mapped back: its solution and history points are the user's
/// `[w, b]`; its gradient norms, and the `tol` test, are those of the user's objective
/// ([`Gradient::gradient_norm`](descent_objectives::Gradient::gradient_norm) of the wrapper).
pub(crate) fn minimize_linear_model<O>(
    objective: &O,
    x: Option<&DesignMatrix<'_>>,
    solver: Solver,
    settings: &Iterative,
    start: Option<&Array1<f64>>,
    curvature: Curvature,
    observer: &mut dyn Observer<Array1<f64>>,
) -> Result<Report<Array1<f64>>, ModelError>
where
    O: LinearModelLoss + Hessian<Param = Array1<f64>>,
{
    settings.validate()?;
    let n_params = objective.n_features() + usize::from(objective.fit_intercept());
    let x0 = start_point(start, n_params)?;
    if settings.precondition {
        let stats = statistics(objective, x)?;
        let scale = stats.scale_with_ridge(curvature.penalty / curvature.loss);
        let standardized = Standardized::with_scale(objective, &stats.mean, &scale)?;
        let x0 = standardized.from_original(&x0);
        Ok(run(&standardized, solver, settings, x0, observer)?
            .map_points(|v| standardized.to_original(&v)))
    } else {
        run(objective, solver, settings, x0, observer)
    }
}

/// Minimizes a streamed loss plus the L2 penalty of `C` (`∞`: none), whose loss curvature
/// is at most `loss_curvature`, from zero. A pass that failed gave NaN, which stopped the
/// solver: its error is the one returned.
pub(crate) fn minimize_streamed<S: RowSource>(
    loss: &StreamedLoss<'_, S>,
    c: f64,
    loss_curvature: f64,
    solver: Solver,
    settings: &Iterative,
    observer: &mut dyn Observer<Array1<f64>>,
) -> Result<Report<Array1<f64>>, ModelError>
where
    ModelError: From<S::Error>,
{
    let objective = L2Regularized::with_c(loss, c)?;
    let curvature = Curvature {
        loss: loss_curvature,
        penalty: objective.strength(),
    };
    let solved = minimize_linear_model(
        &objective, None, solver, settings, None, curvature, observer,
    );
    match loss.take_error() {
        Some(e) => Err(crate::error::from_stream(e)),
        None => solved,
    }
}

/// Minimizes `objective` with an iterative solver from `x0`, in the objective's own
/// coordinates (no preconditioning).
pub(crate) fn minimize_objective<O>(
    objective: &O,
    solver: Solver,
    settings: &Iterative,
    x0: Array1<f64>,
    observer: &mut dyn Observer<Array1<f64>>,
) -> Result<Report<Array1<f64>>, ModelError>
where
    O: Hessian<Param = Array1<f64>>,
{
    settings.validate()?;
    run(objective, solver, settings, x0, observer)
}

/// The column statistics of `x`, from the pass in which `objective` checked it when it kept
/// them, otherwise from a pass of their own (`x` `None`: a stream's loss, which keeps them
/// unless its sums overflow).
pub(crate) fn statistics<O: LinearModelLoss>(
    objective: &O,
    x: Option<&DesignMatrix<'_>>,
) -> Result<ColumnStatistics, ModelError> {
    match (objective.column_statistics(), x) {
        (Some(stats), _) => Ok(stats.clone()),
        (None, Some(x)) => Ok(ColumnStatistics::of(x)?),
        (None, None) => Err(ModelError::NotApplicable(
            "preconditioning a stream whose column sums overflow (fit it without preconditioning)",
        )),
    }
}

fn run<O>(
    objective: &O,
    solver: Solver,
    settings: &Iterative,
    x0: Array1<f64>,
    observer: &mut dyn Observer<Array1<f64>>,
) -> Result<Report<Array1<f64>>, ModelError>
where
    O: Hessian<Param = Array1<f64>>,
{
    let stopping = settings.stopping();
    let report = match solver {
        // The learning rate is checked by the solver itself.
        Solver::GradientDescent { learning_rate } => GradientDescent::new(learning_rate)
            .stopping(stopping)
            .minimize_observed(objective, x0, observer)?,
        Solver::Newton => Newton::new()
            .stopping(stopping)
            .minimize_observed(objective, x0, observer)?,
        Solver::Lbfgs => Lbfgs::new()
            .stopping(stopping)
            .minimize_observed(objective, x0, observer)?,
        Solver::Bfgs => Bfgs::new()
            .stopping(stopping)
            .minimize_observed(objective, x0, observer)?,
        Solver::NewtonCg => NewtonCg::new()
            .stopping(stopping)
            .minimize_observed(objective, x0, observer)?,
        Solver::ConjugateGradient => ConjugateGradient::new()
            .stopping(stopping)
            .minimize_observed(objective, x0, observer)?,
        Solver::SteepestDescent => SteepestDescent::new()
            .stopping(stopping)
            .minimize_observed(objective, x0, observer)?,
        // The proximal solvers take the composite path; a smooth objective reaches them only
        // through `minimize_composite_model`.
        Solver::LeastSquares | Solver::ProximalNewton | Solver::Fista => {
            return Err(ModelError::UnsupportedSolver {
                solver: solver.short_name(),
                model: "this objective iteratively",
            })
        }
    };
    Ok(report)
}

/// Minimizes a linear model's loss plus an elastic-net penalty (L1, elastic net, and L2 or no
/// penalty written as one) with a proximal solver, from `start` (when `None`: zero
/// coefficients and `intercept`, the best intercept for them, as glmnet starts).
///
/// The run stops on the duality gap: `tol` is the certified relative accuracy,
/// `P(x) − min P ≤ tol·P(x)` (scikit-learn's `Lasso` stops on the gap too, relative to
/// `‖y‖²`). Gradient descent takes the soft-threshold step (ISTA).
///
/// With preconditioning, the solver runs on standardized features with the penalty weighted
/// to keep the problem the same ([`ElasticNet::weighted`]). Coordinate descent (inside
/// proximal Newton) does not care about the scale of a column, but it does about centering:
/// with raw features far from zero the intercept and every coefficient move together, and
/// each coordinate step undoes part of the last. FISTA and ISTA need both. The report is
/// mapped back, and its optimality measure recomputed on the user's scale at the end point.
#[allow(clippy::too_many_arguments)]
pub(crate) fn minimize_composite_model<O>(
    loss: O,
    penalty: ElasticNet,
    x: &DesignMatrix<'_>,
    solver: Solver,
    settings: &Iterative,
    start: Option<&Array1<f64>>,
    intercept: f64,
    observer: &mut dyn Observer<Array1<f64>>,
) -> Result<Report<Array1<f64>>, ModelError>
where
    O: LinearModelLoss + Smooth + HessianBlock,
{
    settings.validate()?;
    let p = loss.n_features();
    let n_params = p + usize::from(loss.fit_intercept());
    let x0 = match start {
        Some(_) => start_point(start, n_params)?,
        None => {
            let mut x0 = Array1::zeros(n_params);
            if loss.fit_intercept() {
                x0[p] = intercept;
            }
            x0
        }
    };
    if !settings.precondition {
        let objective = Composite::new(loss, penalty)?;
        return run_composite(&objective, solver, settings, x0, observer);
    }
    let stats = statistics(&loss, Some(x))?;
    let standardized = Standardized::with_scale(&loss, &stats.mean, &stats.scale())?;
    let weighted = penalty.weighted(standardized.penalty_factors())?;
    let objective = Composite::new(&standardized, weighted)?;
    let v0 = standardized.from_original(&x0);
    let mut report = run_composite(&objective, solver, settings, v0, observer)?
        .map_points(|v| standardized.to_original(&v));
    let gradient = loss.gradient(&report.x);
    report.gradient_norm = Some(penalty.optimality(&report.x, &gradient));
    Ok(report)
}

/// Minimizes `loss` plus `penalty` with a proximal solver from `x0`, in the loss's own
/// coordinates (no preconditioning).
pub(crate) fn minimize_composite_objective<F: Smooth + HessianBlock>(
    loss: F,
    penalty: ElasticNet,
    solver: Solver,
    settings: &Iterative,
    x0: Array1<f64>,
    observer: &mut dyn Observer<Array1<f64>>,
) -> Result<Report<Array1<f64>>, ModelError> {
    settings.validate()?;
    let objective = Composite::new(loss, penalty)?;
    run_composite(&objective, solver, settings, x0, observer)
}

/// Runs the proximal `solver` on `objective` from `x0`.
fn run_composite<F: Smooth + HessianBlock>(
    objective: &Composite<F>,
    solver: Solver,
    settings: &Iterative,
    x0: Array1<f64>,
    observer: &mut dyn Observer<Array1<f64>>,
) -> Result<Report<Array1<f64>>, ModelError> {
    let stopping = settings.stopping();
    let report = match solver {
        Solver::ProximalNewton => ProximalNewton::new()
            .gap_tolerance(settings.tol)
            .stopping(stopping)
            .minimize_observed(objective, x0, observer)?,
        Solver::Fista => ProximalGradient::fista()
            .gap_tolerance(settings.tol)
            .stopping(stopping)
            .minimize_observed(objective, x0, observer)?,
        Solver::GradientDescent { learning_rate } => ProximalGradient::ista(learning_rate)
            .gap_tolerance(settings.tol)
            .stopping(stopping)
            .minimize_observed(objective, x0, observer)?,
        other => {
            return Err(ModelError::UnsupportedSolver {
                solver: other.short_name(),
                model: "a model with an L1 or elastic-net penalty (not differentiable at 0; use prox-newton, fista or gd)",
            })
        }
    };
    Ok(report)
}

/// The starting parameters: `start`, checked for length, or zeros.
/// A model's parameters as the losses take them: the coefficients, then the intercept when
/// one is fitted (a warm start from a previous fit, or the point a summary is taken at).
pub(crate) fn parameters_of(
    coef: &Array1<f64>,
    intercept: f64,
    fit_intercept: bool,
) -> Array1<f64> {
    let mut params = coef.to_vec();
    if fit_intercept {
        params.push(intercept);
    }
    Array1::from_vec(params)
}

fn start_point(start: Option<&Array1<f64>>, n_params: usize) -> Result<Array1<f64>, ModelError> {
    match start {
        Some(start) if start.len() != n_params => Err(ModelError::ShapeMismatch {
            what: "the starting parameters",
            expected: n_params,
            found: start.len(),
        }),
        Some(start) => Ok(start.clone()),
        None => Ok(Array1::zeros(n_params)),
    }
}

/// The builder methods both models share, with the same names and meanings.
macro_rules! shared_builders {
    ($model:ident) => {
        impl $model {
            /// Whether to fit an (unpenalized) intercept `b` (default true).
            #[must_use]
            pub fn fit_intercept(mut self, fit_intercept: bool) -> Self {
                self.fit_intercept = fit_intercept;
                self
            }

            /// The solver (see the table above for the default and the choices).
            #[must_use]
            pub fn solver(mut self, solver: $crate::Solver) -> Self {
                self.solver = Some(solver);
                self
            }

            /// Iterative solvers stop when `‖∇F‖₂ ≤ tol`, with `F` the objective on the user's
            /// own scale whatever the preconditioning; default 1e-4, as scikit-learn.
            #[must_use]
            pub fn tol(mut self, tol: f64) -> Self {
                self.tol = tol;
                self
            }

            /// The iteration limit of iterative solvers.
            #[must_use]
            pub fn max_iter(mut self, max_iter: usize) -> Self {
                self.max_iter = max_iter;
                self
            }

            /// Whether iterative solvers work in standardized coordinates (default true).
            #[must_use]
            pub fn precondition(mut self, precondition: bool) -> Self {
                self.precondition = precondition;
                self
            }

            /// Whether the report keeps one record per iteration (default true).
            #[must_use]
            pub fn record_history(mut self, record_history: bool) -> Self {
                self.record_history = record_history;
                self
            }

            pub(crate) fn iterative(&self) -> $crate::solver::Iterative {
                $crate::solver::Iterative {
                    tol: self.tol,
                    max_iter: self.max_iter,
                    record_history: self.record_history,
                    precondition: self.precondition,
                }
            }
        }
    };
}
pub(crate) use shared_builders;
