//! Watching a run as it goes, and stopping it from outside.

use std::ops::ControlFlow;
use std::time::Duration;

/// What a solver tells its [`Observer`] after its start and after each iteration.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a, P> {
    /// 0 for the starting point, then 1, 2, …
    pub iteration: usize,
    /// The iteration limit of the run.
    pub max_iterations: usize,
    /// The current point, in the solver's coordinates.
    pub x: &'a P,
    /// `f(x)`.
    pub value: f64,
    /// `‖∇f(x)‖₂` (as the objective measures it), where the solver computes gradients.
    pub gradient_norm: Option<f64>,
    /// Wall time since the solver started.
    pub elapsed: Duration,
}

/// Sees each iteration of a run, and may stop it.
///
/// Returning `ControlFlow::Break(())` ends the run with
/// [`Termination::Interrupted`](crate::Termination::Interrupted); the report then holds the
/// best point seen so far. A progress bar, a log, or a Ctrl-C handler is an observer. Any
/// `FnMut(&Progress<P>) -> ControlFlow<()>` closure is one.
///
/// ```
/// use descent_objectives::univariate::Parabola;
/// use descent_solvers::{GradientDescent, Minimize, Progress, Termination};
/// use std::ops::ControlFlow;
///
/// let mut seen = Vec::new();
/// let mut stop_after_three = |p: &Progress<'_, f64>| {
///     seen.push(p.value);
///     if p.iteration == 3 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
/// };
/// let report = GradientDescent::new(0.1)
///     .minimize_observed(&Parabola::new(1.0, 3.0), 0.0, &mut stop_after_three)?;
/// assert_eq!(report.termination, Termination::Interrupted);
/// assert_eq!(report.iterations, 3);
/// assert_eq!(seen.len(), 4); // the start and three iterations
/// # Ok::<(), descent_solvers::SolverError>(())
/// ```
pub trait Observer<P> {
    /// Called with the starting point (iteration 0) and after each iteration.
    fn observe(&mut self, progress: &Progress<'_, P>) -> ControlFlow<()>;
}

impl<P, F: FnMut(&Progress<'_, P>) -> ControlFlow<()>> Observer<P> for F {
    fn observe(&mut self, progress: &Progress<'_, P>) -> ControlFlow<()> {
        self(progress)
    }
}

/// The observer that watches nothing and never stops a run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unobserved;

impl<P> Observer<P> for Unobserved {
    fn observe(&mut self, _: &Progress<'_, P>) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}
