//! Quasi-Newton methods: argmin's L-BFGS and BFGS.

use super::{argmin_error, objective_tolerance_builder, run_argmin, Method};
use crate::stopping::{non_negative, stopping_builders};
use crate::{Minimize, Observer, Report, SolverError, Step, Stopping};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::{BFGS, LBFGS};
use descent_objectives::Gradient;
use ndarray::{Array1, Array2};

/// L-BFGS (argmin's, with the More-Thuente line search) for objectives of a vector.
///
/// Limited-memory BFGS builds a model of the inverse Hessian from the last `memory` steps
/// and gradients: no Hessian is ever formed, so it suits problems with many parameters.
/// Besides the rules of [`Stopping`], it stops when the objective changes by less than
/// [`objective_tolerance`](Lbfgs::objective_tolerance) in one iteration; such a stop is
/// [`Stalled(ObjectiveChange)`](crate::Criterion::ObjectiveChange) unless the gradient at the
/// end point passes its tolerance.
///
/// ```
/// use descent_objectives::multivariate::Rosenbrock;
/// use descent_solvers::{Lbfgs, Minimize};
/// use ndarray::Array1;
///
/// let report = Lbfgs::new().minimize(&Rosenbrock::new(2)?, Array1::from(vec![-1.2, 1.0]))?;
/// assert!(report.converged());
/// assert!((&report.x - &Array1::<f64>::ones(2)).iter().all(|d| d.abs() < 1e-6));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lbfgs {
    memory: usize,
    objective_tolerance: f64,
    stopping: Stopping,
}

impl Default for Lbfgs {
    fn default() -> Self {
        Self::new()
    }
}

impl Lbfgs {
    /// L-BFGS with a memory of 10 steps and default [`Stopping`].
    pub fn new() -> Self {
        Lbfgs {
            memory: 10,
            objective_tolerance: f64::EPSILON,
            stopping: Stopping::default(),
        }
    }

    /// How many past steps model the inverse Hessian (default 10).
    ///
    /// ```
    /// use descent_solvers::Lbfgs;
    /// let solver = Lbfgs::new().memory(20);
    /// ```
    #[must_use]
    pub fn memory(mut self, memory: usize) -> Self {
        self.memory = memory;
        self
    }
}

stopping_builders!(Lbfgs, "Lbfgs::new()");
objective_tolerance_builder!(Lbfgs, "0 turns the criterion off");

impl<O: Gradient<Param = Array1<f64>>> Minimize<O> for Lbfgs {
    fn minimize_observed(
        &self,
        objective: &O,
        x0: Array1<f64>,
        observer: &mut dyn Observer<Array1<f64>>,
    ) -> Result<Report<Array1<f64>>, SolverError> {
        non_negative("objective_tolerance", self.objective_tolerance)?;
        if self.memory == 0 {
            return Err(SolverError::InvalidSetting {
                name: "memory",
                value: 0.0,
                reason: "must be at least 1",
            });
        }
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), self.memory)
            // The common loop checks the gradient norm; argmin's own check is turned off.
            .with_tolerance_grad(0.0)
            .and_then(|s| s.with_tolerance_cost(self.objective_tolerance))
            .map_err(argmin_error)?;
        run_argmin(
            Method {
                name: "L-BFGS",
                step: Step::QuasiNewton,
                state_gradient_is_current: true,
            },
            objective,
            x0,
            &self.stopping,
            observer,
            solver,
            |s| s,
        )
    }
}

/// BFGS (argmin's, with the More-Thuente line search): a dense inverse-Hessian model,
/// for objectives of a vector with up to a few hundred parameters.
///
/// ```
/// use descent_objectives::multivariate::Rosenbrock;
/// use descent_solvers::{Bfgs, Minimize};
/// use ndarray::Array1;
///
/// let report = Bfgs::new().minimize(&Rosenbrock::new(2)?, Array1::from(vec![-1.2, 1.0]))?;
/// assert!(report.converged());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bfgs {
    objective_tolerance: f64,
    stopping: Stopping,
}

impl Default for Bfgs {
    fn default() -> Self {
        Self::new()
    }
}

impl Bfgs {
    /// BFGS starting from the identity as the inverse Hessian, with default [`Stopping`].
    pub fn new() -> Self {
        Bfgs {
            objective_tolerance: f64::EPSILON,
            stopping: Stopping::default(),
        }
    }
}

stopping_builders!(Bfgs, "Bfgs::new()");
objective_tolerance_builder!(Bfgs, "0 turns the criterion off");

impl<O: Gradient<Param = Array1<f64>>> Minimize<O> for Bfgs {
    fn minimize_observed(
        &self,
        objective: &O,
        x0: Array1<f64>,
        observer: &mut dyn Observer<Array1<f64>>,
    ) -> Result<Report<Array1<f64>>, SolverError> {
        non_negative("objective_tolerance", self.objective_tolerance)?;
        let n = x0.len();
        let solver = BFGS::new(MoreThuenteLineSearch::new())
            .with_tolerance_grad(0.0)
            .and_then(|s| s.with_tolerance_cost(self.objective_tolerance))
            .map_err(argmin_error)?;
        run_argmin(
            Method {
                name: "BFGS",
                step: Step::QuasiNewton,
                state_gradient_is_current: true,
            },
            objective,
            x0,
            &self.stopping,
            observer,
            solver,
            |s| s.inv_hessian(Array2::eye(n)),
        )
    }
}
