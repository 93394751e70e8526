//! The iteration loop shared by the gradient-based solvers: one place checks the stopping
//! rules, detects divergence, counts and records, as argmin's `Executor` does for argmin.

use crate::counting::Counted;
use crate::end_point::EndPoint;
use crate::history::History;
use crate::{
    Criterion, Observer, Progress, Record, Report, SolverError, Step, Stopping, Termination,
};
use descent_objectives::{Gradient, Objective, Parameter};
use std::time::Instant;

/// A point with its objective value and gradient.
#[derive(Debug, Clone)]
pub(crate) struct Point<P> {
    pub(crate) x: P,
    pub(crate) value: f64,
    pub(crate) gradient: P,
}

/// What a solver's iteration produced.
pub(crate) enum Next<P> {
    /// A step to a new point.
    Move(Point<P>, Step),
    /// A step to a new point, after which the solver stops for this reason (unless the
    /// point shows divergence).
    Last(Point<P>, Step, Termination),
    /// No step: the solver stops for this reason.
    Stop(Termination),
}

/// After this many consecutive rises of the objective above its starting value, the run is
/// declared diverged (a fixed-step method that keeps climbing will not come back down).
const RISING_STREAK: usize = 5;

/// Checks a starting point against the objective's dimension, and that it is finite.
pub(crate) fn check_start<O: Objective>(objective: &O, x0: &O::Param) -> Result<(), SolverError> {
    if x0.dim() == 0 {
        return Err(SolverError::EmptyStart);
    }
    if let Some(expected) = objective.dimension() {
        if x0.dim() != expected {
            return Err(SolverError::DimensionMismatch {
                expected,
                found: x0.dim(),
            });
        }
    }
    if !x0.is_finite() {
        return Err(SolverError::NonFiniteStart("the starting point"));
    }
    Ok(())
}

/// Runs `next` from `x0` until a stopping rule fires, checks the end point, and reports.
///
/// The verdict is the end point's: a run that stopped on any rule is
/// [`Converged(GradientNorm)`](Criterion::GradientNorm) exactly when the gradient there passes
/// the tolerance; a run that ended far above its start (by more than `|f(x₀)|`) is
/// [`Diverged`](Termination::Diverged); then [`EndPoint::verdict`] has its say.
pub(crate) fn iterate<O, F>(
    solver: &'static str,
    objective: &Counted<'_, O>,
    x0: O::Param,
    stopping: &Stopping,
    observer: &mut dyn Observer<O::Param>,
    mut next: F,
) -> Result<Report<O::Param>, SolverError>
where
    O: Gradient,
    O::Param: EndPoint,
    F: FnMut(&Point<O::Param>) -> Result<Next<O::Param>, SolverError>,
{
    let started = Instant::now();
    stopping.validate()?;
    check_start(objective, &x0)?;
    let (value, gradient) = objective.value_and_gradient(&x0);
    if !value.is_finite() {
        return Err(SolverError::NonFiniteStart("the objective"));
    }
    if !gradient.is_finite() {
        return Err(SolverError::NonFiniteStart("the gradient"));
    }
    let start_value = value;
    let mut history = History::new(stopping.record_history, stopping.history_limit, x0.dim());
    let mut point = Point {
        x: x0,
        value,
        gradient,
    };
    // The lowest point so far, which an interrupted run returns.
    let mut best: Option<Point<O::Param>> = None;
    let mut watch = |iteration: usize, point: &Point<O::Param>, step_length: f64, step: Step| {
        let gradient_norm = objective.gradient_norm(&point.gradient);
        history.push(Record {
            iteration,
            x: point.x.clone(),
            value: point.value,
            gradient_norm: Some(gradient_norm),
            step_length,
            step,
            elapsed: started.elapsed(),
        });
        observer.observe(&Progress {
            iteration,
            max_iterations: stopping.max_iterations,
            x: &point.x,
            value: point.value,
            gradient_norm: Some(gradient_norm),
            elapsed: started.elapsed(),
        })
    };
    let mut iterations = 0;
    let mut rises = 0;
    let termination = 'run: {
        if watch(0, &point, 0.0, Step::Start).is_break() {
            break 'run Termination::Interrupted;
        }
        loop {
            if objective.gradient_norm(&point.gradient) <= stopping.gradient_tolerance {
                break Termination::Converged(Criterion::GradientNorm);
            }
            if iterations >= stopping.max_iterations {
                break Termination::MaxIterations;
            }
            let (to, step, then) = match next(&point)? {
                Next::Move(to, step) => (to, step, None),
                Next::Last(to, step, termination) => (to, step, Some(termination)),
                Next::Stop(termination) => break termination,
            };
            iterations += 1;
            if !(to.value.is_finite() && to.x.is_finite() && to.gradient.is_finite()) {
                break Termination::Diverged;
            }
            rises = if to.value > point.value && to.value > start_value {
                rises + 1
            } else {
                0
            };
            let mut delta = to.x.clone();
            delta.add_scaled(-1.0, &point.x);
            let l1_moved = delta.l1_norm();
            let previous = std::mem::replace(&mut point, to);
            if previous.value < point.value
                && best.as_ref().is_none_or(|b| previous.value < b.value)
            {
                best = Some(previous);
            }
            if watch(iterations, &point, delta.norm(), step).is_break() {
                break Termination::Interrupted;
            }
            if rises >= RISING_STREAK {
                break Termination::Diverged;
            }
            if l1_moved < stopping.step_tolerance {
                break Termination::Stalled(Criterion::StepSize);
            }
            if let Some(termination) = then {
                break termination;
            }
        }
    };
    let gradient_norm = objective.gradient_norm(&point.gradient);
    let termination = match termination {
        Termination::Diverged | Termination::Interrupted | Termination::MaxIterations => {
            termination
        }
        _ if gradient_norm <= stopping.gradient_tolerance => {
            Termination::Converged(Criterion::GradientNorm)
        }
        Termination::Converged(criterion) => Termination::Stalled(criterion),
        other => other,
    };
    let ended_far_above = point.value - start_value > start_value.abs();
    let termination = match termination {
        Termination::Converged(_) | Termination::Interrupted => termination,
        _ if ended_far_above => Termination::Diverged,
        other => other,
    };
    let termination = O::Param::verdict(
        objective,
        &point.x,
        point.value,
        &point.gradient,
        stopping.gradient_tolerance,
        termination,
    );
    // An interrupted run keeps its lowest point; every other run ends where it stopped.
    if termination == Termination::Interrupted {
        if let Some(lower) = best.filter(|b| b.value < point.value) {
            point = lower;
        }
    }
    Ok(Report {
        solver: solver.to_owned(),
        gradient_norm: Some(objective.gradient_norm(&point.gradient)),
        x: point.x,
        value: point.value,
        iterations,
        evaluations: objective.evaluations(),
        termination,
        history: history.finish(),
        elapsed: started.elapsed(),
        duality_gap: None,
        non_zeros: None,
    })
}
