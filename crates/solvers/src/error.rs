use crate::Termination;
use thiserror::Error;

/// Why a solver could not run, or (from [`Report::into_converged`](crate::Report::into_converged))
/// did not converge.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SolverError {
    /// A setting outside its valid range.
    #[error("invalid {name} = {value}: {reason}")]
    InvalidSetting {
        /// The setting's name.
        name: &'static str,
        /// The value given.
        value: f64,
        /// The valid range.
        reason: &'static str,
    },

    /// The starting point has another length than the objective expects.
    #[error("the starting point has {found} coordinates, but the objective expects {expected}")]
    DimensionMismatch {
        /// What the objective expects.
        expected: usize,
        /// The starting point's length.
        found: usize,
    },

    /// The starting point has no coordinates.
    #[error("the starting point has no coordinates")]
    EmptyStart,

    /// The starting point, or the objective or its gradient there, is NaN or infinite.
    #[error("{0} is not finite at the starting point")]
    NonFiniteStart(&'static str),

    /// A search interval that is empty, reversed or not finite, or a start outside it.
    #[error("invalid bracket [{lower}, {upper}]: {reason}")]
    InvalidBracket {
        /// The lower end.
        lower: f64,
        /// The upper end.
        upper: f64,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// No interval around a minimum was found: the function kept decreasing (it may be
    /// unbounded below in that direction) or stopped being finite.
    #[error("no bracket around a minimum found from x = {start}: {reason}, at x = {reached}")]
    NoBracket {
        /// Where the search started.
        start: f64,
        /// The last point evaluated.
        reached: f64,
        /// Why the search stopped.
        reason: &'static str,
    },

    /// The solver ran but did not converge.
    #[error("{solver} did not converge after {iterations} iterations: {termination}")]
    NotConverged {
        /// The solver's name.
        solver: String,
        /// Iterations completed.
        iterations: usize,
        /// Why it stopped.
        termination: Termination,
    },

    /// argmin reported an error that is not a termination reason.
    #[error("argmin: {0}")]
    Argmin(String),
}
