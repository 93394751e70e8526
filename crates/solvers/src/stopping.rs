use crate::SolverError;

/// When an iterative solver stops, and how much history it keeps.
///
/// Every solver built on the common iteration loop (gradient descent, Newton, and the argmin
/// adapters) checks, in this order, before each iteration:
/// 1. `‖∇f(x)‖₂ ≤ gradient_tolerance` → [`Converged(GradientNorm)`](crate::Criterion::GradientNorm);
/// 2. `iterations ≥ max_iterations` → [`MaxIterations`](crate::Termination::MaxIterations);
///
/// and after each accepted step:
/// 3. `Σᵢ |xᵢ_new − xᵢ_old| < step_tolerance` (the course's rule): the run stops, and is
///    reported [`Converged`](crate::Termination::Converged) only if the end point passes test 1,
///    otherwise [`Stalled(StepSize)`](crate::Termination::Stalled).
///
/// The gradient test is the convergence test: a run is never called converged unless its end
/// point passes it. Its scale is absolute, on the gradient as the objective measures it
/// ([`Gradient::gradient_norm`](descent_objectives::Gradient::gradient_norm)). A gradient
/// tolerance of 0 stops only on an exactly zero gradient, and then any other stop is
/// reported as stalled. A step tolerance of 0 (the default) turns the step rule off.
///
/// With a fixed learning rate `γ` the step rule is `γ‖∇f‖₁ < tol`, so a tiny `γ` meets it far
/// from the minimum; the end-point test then reports the run as stalled, not converged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stopping {
    /// The iteration limit (default 1000).
    pub max_iterations: usize,
    /// The step rule's tolerance on `Σᵢ |Δxᵢ|` (default 0: off). The course's rule; a stop on
    /// it is a verdict only if the gradient test passes at the end point too.
    pub step_tolerance: f64,
    /// The tolerance on `‖∇f(x)‖₂` (default 1e-8).
    pub gradient_tolerance: f64,
    /// Whether to record one [`Record`](crate::Record) per iteration (default true).
    pub record_history: bool,
    /// The most records a history keeps (default 10 000; at least 2). A longer run keeps an
    /// evenly thinned record of its whole course (every second, fourth, … iteration, and
    /// always the last), and runs in many dimensions keep fewer, so that a history never holds
    /// more than 2²² coordinates in all.
    pub history_limit: usize,
}

impl Default for Stopping {
    fn default() -> Self {
        Stopping {
            max_iterations: 1000,
            step_tolerance: 0.0,
            gradient_tolerance: 1e-8,
            record_history: true,
            history_limit: 10_000,
        }
    }
}

impl Stopping {
    pub(crate) fn validate(&self) -> Result<(), SolverError> {
        non_negative("step_tolerance", self.step_tolerance)?;
        non_negative("gradient_tolerance", self.gradient_tolerance)?;
        if self.history_limit < 2 {
            return Err(SolverError::InvalidSetting {
                name: "history_limit",
                value: self.history_limit as f64,
                reason: "must be at least 2",
            });
        }
        Ok(())
    }
}

/// Checks that a tolerance is finite and ≥ 0.
pub(crate) fn non_negative(name: &'static str, value: f64) -> Result<(), SolverError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(SolverError::InvalidSetting {
            name,
            value,
            reason: "must be finite and non-negative",
        })
    }
}

/// Checks that a setting is finite and > 0.
pub(crate) fn positive(name: &'static str, value: f64) -> Result<(), SolverError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(SolverError::InvalidSetting {
            name,
            value,
            reason: "must be finite and positive",
        })
    }
}

/// Builder methods for a solver's [`Stopping`] field, with the same names and docs everywhere.
macro_rules! stopping_builders {
    ($solver:ident, $example:expr) => {
        impl $solver {
            /// Replaces all stopping settings at once.
            #[doc = concat!("```\nuse descent_solvers::{", stringify!($solver), ", Stopping};\nlet solver = ", $example, ".stopping(Stopping { max_iterations: 50, ..Stopping::default() });\n```")]
            #[must_use]
            pub fn stopping(mut self, stopping: $crate::Stopping) -> Self {
                self.stopping = stopping;
                self
            }

            /// The iteration limit ([`Stopping::max_iterations`](crate::Stopping::max_iterations)).
            #[doc = concat!("```\nuse descent_solvers::", stringify!($solver), ";\nlet solver = ", $example, ".max_iterations(200);\n```")]
            #[must_use]
            pub fn max_iterations(mut self, max_iterations: usize) -> Self {
                self.stopping.max_iterations = max_iterations;
                self
            }

            /// The step rule's tolerance on `Σᵢ |Δxᵢ|`; 0 turns the rule off
            /// ([`Stopping::step_tolerance`](crate::Stopping::step_tolerance)).
            #[doc = concat!("```\nuse descent_solvers::", stringify!($solver), ";\nlet solver = ", $example, ".step_tolerance(1e-10);\n```")]
            #[must_use]
            pub fn step_tolerance(mut self, tolerance: f64) -> Self {
                self.stopping.step_tolerance = tolerance;
                self
            }

            /// The tolerance on `‖∇f(x)‖₂`; 0 turns the criterion off (short of an exactly zero
            /// gradient) ([`Stopping::gradient_tolerance`](crate::Stopping::gradient_tolerance)).
            #[doc = concat!("```\nuse descent_solvers::", stringify!($solver), ";\nlet solver = ", $example, ".gradient_tolerance(1e-6);\n```")]
            #[must_use]
            pub fn gradient_tolerance(mut self, tolerance: f64) -> Self {
                self.stopping.gradient_tolerance = tolerance;
                self
            }

            /// Whether to record the per-iteration history
            /// ([`Stopping::record_history`](crate::Stopping::record_history)).
            #[doc = concat!("```\nuse descent_solvers::", stringify!($solver), ";\nlet solver = ", $example, ".record_history(false);\n```")]
            #[must_use]
            pub fn record_history(mut self, record: bool) -> Self {
                self.stopping.record_history = record;
                self
            }

            /// The most records the history keeps; a longer run is thinned evenly
            /// ([`Stopping::history_limit`](crate::Stopping::history_limit)).
            #[doc = concat!("```\nuse descent_solvers::", stringify!($solver), ";\nlet solver = ", $example, ".history_limit(500);\n```")]
            #[must_use]
            pub fn history_limit(mut self, limit: usize) -> Self {
                self.stopping.history_limit = limit;
                self
            }
        }
    };
}
pub(crate) use stopping_builders;
