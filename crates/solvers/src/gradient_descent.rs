use crate::counting::Counted;
use crate::iterate::{iterate, Next, Point};
use crate::stopping::{positive, stopping_builders};
use crate::{EndPoint, Minimize, Observer, Report, SolverError, Step, Stopping};
use descent_objectives::{Gradient, Parameter};

/// Gradient descent with a fixed learning rate: `x ← x − γ∇f(x)`.
///
/// It stops by the rules of [`Stopping`]: a gradient norm tolerance, the course's step rule
/// `Σᵢ |Δxᵢ| < tol`, or the iteration limit (reported as
/// [`Termination::MaxIterations`](crate::Termination::MaxIterations), never as converged). The
/// step rule ends the run [`Stalled`](crate::Termination::Stalled) unless the gradient at the
/// end passes its tolerance: a learning rate too small to make progress meets the step rule
/// far from any minimum. A learning rate that is too large makes the objective non-finite,
/// rise repeatedly above its starting value or end far above it; the run then ends with
/// [`Termination::Diverged`](crate::Termination::Diverged).
///
/// Each iteration costs one fused value-and-gradient evaluation.
///
/// ```
/// use descent_objectives::univariate::Parabola;
/// use descent_solvers::{GradientDescent, Minimize, Termination};
///
/// // f(x) = (x − 3)²: each step multiplies the error by 1 − 2γ = 0.8.
/// let report = GradientDescent::new(0.1).minimize(&Parabola::new(1.0, 3.0), 0.0)?;
/// assert!(report.converged());
/// assert!((report.x - 3.0).abs() < 1e-7);
///
/// // γ = 1.5: the error is multiplied by −2 each step.
/// let report = GradientDescent::new(1.5).minimize(&Parabola::new(1.0, 3.0), 0.0)?;
/// assert_eq!(report.termination, Termination::Diverged);
/// # Ok::<(), descent_solvers::SolverError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradientDescent {
    learning_rate: f64,
    stopping: Stopping,
}

impl GradientDescent {
    /// Gradient descent with learning rate (step size) `γ > 0` and default [`Stopping`].
    pub fn new(learning_rate: f64) -> Self {
        GradientDescent {
            learning_rate,
            stopping: Stopping::default(),
        }
    }

    /// The learning rate `γ`.
    pub fn learning_rate(&self) -> f64 {
        self.learning_rate
    }
}

stopping_builders!(GradientDescent, "GradientDescent::new(0.1)");

impl<O> Minimize<O> for GradientDescent
where
    O: Gradient,
    O::Param: EndPoint,
{
    fn minimize_observed(
        &self,
        objective: &O,
        x0: O::Param,
        observer: &mut dyn Observer<O::Param>,
    ) -> Result<Report<O::Param>, SolverError> {
        positive("learning rate", self.learning_rate)?;
        let gamma = self.learning_rate;
        let counted = Counted::new(objective);
        iterate(
            "gradient descent",
            &counted,
            x0,
            &self.stopping,
            observer,
            |at| {
                let mut x = at.x.clone();
                x.add_scaled(-gamma, &at.gradient);
                let (value, gradient) = counted.value_and_gradient(&x);
                Ok(Next::Move(
                    Point { x, value, gradient },
                    Step::Gradient {
                        learning_rate: gamma,
                    },
                ))
            },
        )
    }
}
