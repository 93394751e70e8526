use crate::SolverError;

/// When an iterative solver stops, and whether it keeps a history.
///
/// Every solver built on the common iteration loop (gradient descent, Newton, and the argmin
/// quasi-Newton adapters) checks, in this order, before each iteration:
/// 1. `‖∇f(x)‖₂ ≤ gradient_tolerance` → [`Converged(GradientNorm)`](crate::Criterion::GradientNorm);
/// 2. `iterations ≥ max_iterations` → [`MaxIterations`](crate::Termination::MaxIterations);
///
/// and after each accepted step:
/// 3. `Σᵢ |xᵢ_new − xᵢ_old| < step_tolerance` (the course's rule) →
///    [`Converged(StepSize)`](crate::Criterion::StepSize).
///
/// A tolerance of 0 turns its criterion off. With a fixed learning rate `γ` the step rule is
/// `γ‖∇f‖₁ < tol`, so a tiny `γ` meets it far from the minimum: scale `step_tolerance` with
/// `γ`, or rely on the gradient criterion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stopping {
    /// The iteration limit (default 1000).
    pub max_iterations: usize,
    /// The step rule's tolerance on `Σᵢ |Δxᵢ|` (default 1e-8).
    pub step_tolerance: f64,
    /// The tolerance on `‖∇f(x)‖₂` (default 1e-8).
    pub gradient_tolerance: f64,
    /// Whether to record one [`Record`](crate::Record) per iteration (default true).
    pub record_history: bool,
}

impl Default for Stopping {
    fn default() -> Self {
        Stopping {
            max_iterations: 1000,
            step_tolerance: 1e-8,
            gradient_tolerance: 1e-8,
            record_history: true,
        }
    }
}

impl Stopping {
    pub(crate) fn validate(&self) -> Result<(), SolverError> {
        non_negative("step_tolerance", self.step_tolerance)?;
        non_negative("gradient_tolerance", self.gradient_tolerance)
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
        }
    };
}
pub(crate) use stopping_builders;
