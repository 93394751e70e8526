//! The solver choice shared by the models, and the one place that runs it.

use crate::ModelError;
use descent_objectives::{ColumnStatistics, Hessian, LinearModelLoss, Standardized};
use descent_solvers::{
    Bfgs, ConjugateGradient, GradientDescent, Lbfgs, Minimize, Newton, NewtonCg, Observer, Report,
    SteepestDescent, Stopping,
};
use ndarray::{Array1, ArrayView2};
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

    /// The short name used on the command line: `gd`, `newton`, `lbfgs`, `bfgs`,
    /// `newton-cg`, `cg`, `steepest`, `lstsq`.
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
    x: ArrayView2<'_, f64>,
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
    if let Some(start) = start {
        if start.len() != n_params {
            return Err(ModelError::ShapeMismatch {
                what: "the starting parameters",
                expected: n_params,
                found: start.len(),
            });
        }
    }
    if settings.precondition {
        let stats = ColumnStatistics::of(x)?;
        let scale = stats.scale_with_ridge(curvature.penalty / curvature.loss);
        let standardized = Standardized::with_scale(objective, &stats.mean, &scale)?;
        let x0 = start.map_or_else(
            || Array1::zeros(n_params),
            |s| standardized.from_original(s),
        );
        Ok(run(&standardized, solver, settings, x0, observer)?
            .map_points(|v| standardized.to_original(&v)))
    } else {
        let x0 = start.cloned().unwrap_or_else(|| Array1::zeros(n_params));
        run(objective, solver, settings, x0, observer)
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
    // `tol` bounds the gradient norm; the step rule is off, so that a tiny step far from the
    // optimum (a small learning rate) is never mistaken for convergence.
    let stopping = Stopping {
        max_iterations: settings.max_iter,
        step_tolerance: 0.0,
        gradient_tolerance: settings.tol,
        record_history: settings.record_history,
        ..Stopping::default()
    };
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
        Solver::LeastSquares => {
            return Err(ModelError::UnsupportedSolver {
                solver: "least squares",
                model: "this objective iteratively",
            })
        }
    };
    Ok(report)
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

            fn iterative(&self) -> $crate::solver::Iterative {
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
