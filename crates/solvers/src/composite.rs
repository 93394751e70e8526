//! The iteration loop of the solvers for composite objectives `F + g` (a smooth loss and an
//! elastic-net penalty): it checks the stopping rules and the certificate, counts, records and
//! reports, as [`iterate`](crate::iterate) does for smooth objectives.

use crate::history::History;
use crate::iterate::check_start;
use crate::stopping::non_negative;
use crate::{
    Criterion, Evaluations, Observer, Progress, Record, Report, SolverError, Step, Stopping,
    Termination,
};
use descent_objectives::{Composite, Objective, Parameter, Smooth};
use ndarray::Array1;
use std::cell::Cell;
use std::time::Instant;

/// A point of a composite objective: `x`, the smooth part's value and gradient there, and the
/// total `F(x) + g(x)`.
#[derive(Debug, Clone)]
pub(crate) struct CompositePoint {
    pub(crate) x: Array1<f64>,
    pub(crate) smooth: f64,
    pub(crate) gradient: Array1<f64>,
    pub(crate) value: f64,
}

/// What a composite solver's iteration produced.
pub(crate) enum CompositeNext {
    /// A step to a new point.
    Move(CompositePoint, Step),
    /// No step: the solver stops for this reason.
    Stop(Termination),
}

/// Counts evaluations of a composite objective's parts, for the report.
#[derive(Debug, Default)]
pub(crate) struct Counter {
    value: Cell<usize>,
    gradient: Cell<usize>,
    hessian: Cell<usize>,
}

impl Counter {
    pub(crate) fn values(&self, n: usize) {
        self.value.set(self.value.get() + n);
    }
    pub(crate) fn gradients(&self, n: usize) {
        self.gradient.set(self.gradient.get() + n);
    }
    pub(crate) fn hessians(&self, n: usize) {
        self.hessian.set(self.hessian.get() + n);
    }
    fn evaluations(&self) -> Evaluations {
        Evaluations {
            value: self.value.get(),
            gradient: self.gradient.get(),
            hessian: self.hessian.get(),
        }
    }
}

/// The point `x` of `objective`, with one fused evaluation of the smooth part.
pub(crate) fn evaluate<F: Smooth>(
    objective: &Composite<F>,
    x: Array1<f64>,
    counter: &Counter,
) -> CompositePoint {
    counter.values(1);
    counter.gradients(1);
    let (smooth, gradient) = objective.smooth().value_and_gradient(&x);
    let value = smooth + objective.penalty().value(&x);
    CompositePoint {
        x,
        smooth,
        gradient,
        value,
    }
}

/// A composite solver's name, stopping rules and convergence test.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Certify {
    /// The solver's name in the report.
    pub(crate) solver: &'static str,
    /// The iteration limit and other rules; without a duality gap, converged when the
    /// distance of `−∇F` to `∂g` is at most its gradient tolerance.
    pub(crate) stopping: Stopping,
    /// Converged when the duality gap is at most this times `max(|F + g|, 1e-300)`.
    pub(crate) gap_tolerance: f64,
    /// Compute the gap every this many iterations (it costs about two passes over the data),
    /// and whenever the optimality measure is small.
    pub(crate) gap_every: usize,
    /// Stop as [`Stalled(DualityGap)`](Criterion::DualityGap) after this many gap
    /// computations in a row without the smallest gap falling by 1%.
    pub(crate) stall_checks: usize,
}

/// The gap is computed off schedule once the optimality measure times `‖x‖₁` is within this
/// factor of the gap the tolerance allows.
const GAP_WORTH_COMPUTING: f64 = 1e3;

/// Counts the gap computations since the smallest gap so far last fell by 1%: a run whose
/// gap stops shrinking has reached the floor that rounding in the objective's sums sets (near
/// `1e-14·|F|` at best), above the tolerance asked for, or cannot make progress.
#[derive(Debug, Default)]
struct Stall {
    best_gap: Option<f64>,
    checks_without_progress: usize,
}

impl Stall {
    fn record(&mut self, gap: f64) {
        match self.best_gap {
            Some(best) if gap >= 0.99 * best => self.checks_without_progress += 1,
            _ => {
                self.best_gap = Some(gap);
                self.checks_without_progress = 0;
            }
        }
    }
}

/// Runs `next` from `x0` until the certificate holds or a stopping rule fires, and reports.
///
/// The verdict is the end point's: [`Converged(DualityGap)`](Criterion::DualityGap) when the
/// objective's loss knows its dual and the relative gap at the end point is within its
/// tolerance, [`Converged(GradientNorm)`](Criterion::GradientNorm) when it does not and the
/// subdifferential distance is within the gradient tolerance.
pub(crate) fn iterate_composite<F, N>(
    objective: &Composite<F>,
    x0: Array1<f64>,
    certify: Certify,
    observer: &mut dyn Observer<Array1<f64>>,
    counter: &Counter,
    mut next: N,
) -> Result<Report<Array1<f64>>, SolverError>
where
    F: Smooth,
    N: FnMut(&CompositePoint, usize) -> Result<CompositeNext, SolverError>,
{
    let started = Instant::now();
    let stopping = &certify.stopping;
    let gradient_tolerance = stopping.gradient_tolerance;
    stopping.validate()?;
    non_negative("gap_tolerance", certify.gap_tolerance)?;
    check_start(objective, &x0)?;
    let mut point = evaluate(objective, x0, counter);
    if !point.value.is_finite() {
        return Err(SolverError::NonFiniteStart("the objective"));
    }
    if !point.gradient.is_finite() {
        return Err(SolverError::NonFiniteStart("the gradient"));
    }
    let start_value = point.value;
    let penalty = objective.penalty();
    let optimality = |p: &CompositePoint| penalty.optimality(&p.x, &p.gradient);
    let mut gap = None;
    let mut stall = Stall::default();
    // The iteration whose point the gap was last computed at.
    let mut gap_at: Option<usize> = None;
    let certified = |p: &CompositePoint,
                     gap: &mut Option<f64>,
                     gap_at: &mut Option<usize>,
                     stall: &mut Stall,
                     iteration: usize|
     -> bool {
        let measure = optimality(p);
        // The gap costs a few passes over the data: compute it every `gap_every` iterations,
        // and whenever it could pass, which needs the optimality measure small against the
        // objective (the gap is about the measure times ‖x‖₁, plus second-order terms).
        let due = (iteration > 0 && iteration.is_multiple_of(certify.gap_every.max(1)))
            || measure <= gradient_tolerance
            || measure * p.x.l1_norm().max(1.0)
                <= GAP_WORTH_COMPUTING * certify.gap_tolerance * p.value.abs();
        if due {
            *gap = objective.duality_gap(&p.x);
            *gap_at = Some(iteration);
            if let Some(g) = gap {
                stall.record(*g);
            }
        }
        match gap {
            Some(g) if due => *g <= certify.gap_tolerance * p.value.abs().max(1e-300),
            Some(_) => false,
            None => measure <= gradient_tolerance,
        }
    };
    let mut history = History::new(
        stopping.record_history,
        stopping.history_limit,
        point.x.dim(),
    );
    let mut watch = |iteration: usize, p: &CompositePoint, step_length: f64, step: Step| {
        let measure = optimality(p);
        history.push(Record {
            iteration,
            x: p.x.clone(),
            value: p.value,
            gradient_norm: Some(measure),
            step_length,
            step,
            elapsed: started.elapsed(),
        });
        observer.observe(&Progress {
            iteration,
            max_iterations: stopping.max_iterations,
            x: &p.x,
            value: p.value,
            gradient_norm: Some(measure),
            elapsed: started.elapsed(),
        })
    };
    let mut iterations = 0;
    let termination = 'run: {
        if watch(0, &point, 0.0, Step::Start).is_break() {
            break 'run Termination::Interrupted;
        }
        loop {
            if certified(&point, &mut gap, &mut gap_at, &mut stall, iterations) {
                break if gap.is_some() {
                    Termination::Converged(Criterion::DualityGap)
                } else {
                    Termination::Converged(Criterion::GradientNorm)
                };
            }
            if iterations >= stopping.max_iterations {
                break Termination::MaxIterations;
            }
            let (to, step) = match next(&point, iterations)? {
                CompositeNext::Move(to, step) => (to, step),
                CompositeNext::Stop(termination) => break termination,
            };
            iterations += 1;
            if !(to.value.is_finite() && to.x.is_finite() && to.gradient.is_finite()) {
                break Termination::Diverged;
            }
            let mut delta = to.x.clone();
            delta.add_scaled(-1.0, &point.x);
            let l1_moved = delta.l1_norm();
            point = to;
            if watch(iterations, &point, delta.norm(), step).is_break() {
                break Termination::Interrupted;
            }
            if l1_moved < stopping.step_tolerance {
                break Termination::Stalled(Criterion::StepSize);
            }
            if stall.checks_without_progress >= certify.stall_checks {
                break Termination::Stalled(Criterion::DualityGap);
            }
        }
    };
    // The verdict at the end point, with its own gap (computed afresh unless the last one was
    // of this very point).
    if gap_at != Some(iterations) {
        gap = objective.duality_gap(&point.x);
    }
    let passes = match gap {
        Some(g) => g <= certify.gap_tolerance * point.value.abs().max(1e-300),
        None => optimality(&point) <= gradient_tolerance,
    };
    let termination = match termination {
        Termination::Diverged | Termination::Interrupted | Termination::MaxIterations => {
            termination
        }
        _ if passes && gap.is_some() => Termination::Converged(Criterion::DualityGap),
        _ if passes => Termination::Converged(Criterion::GradientNorm),
        Termination::Converged(criterion) => Termination::Stalled(criterion),
        other => other,
    };
    let termination = match termination {
        Termination::Converged(_) | Termination::Interrupted => termination,
        _ if point.value - start_value > start_value.abs() => Termination::Diverged,
        other => other,
    };
    Ok(Report {
        solver: certify.solver.to_owned(),
        gradient_norm: Some(optimality(&point)),
        value: point.value,
        iterations,
        evaluations: counter.evaluations(),
        termination,
        history: history.finish(),
        elapsed: started.elapsed(),
        duality_gap: gap,
        non_zeros: Some(penalty.non_zeros(&point.x)),
        x: point.x,
    })
}

/// The builder of a composite solver's gap tolerance.
macro_rules! gap_tolerance_builder {
    ($solver:ident, $example:expr) => {
        impl $solver {
            /// Converged when the duality gap at the end point is at most this times the
            /// objective there (default 1e-8): a certified relative accuracy. Losses without
            /// a known dual use the gradient tolerance on the subdifferential distance instead.
            #[doc = concat!("```\nuse descent_solvers::", stringify!($solver), ";\nlet solver = ", $example, ".gap_tolerance(1e-10);\n```")]
            #[must_use]
            pub fn gap_tolerance(mut self, tolerance: f64) -> Self {
                self.gap_tolerance = tolerance;
                self
            }
        }
    };
}
pub(crate) use gap_tolerance_builder;

/// Guards the objective of a composite run: the smooth part must be defined on all the
/// coordinates the penalty covers.
pub(crate) fn check_composite<F: Objective<Param = Array1<f64>>>(
    objective: &Composite<F>,
    x0: &Array1<f64>,
) -> Result<(), SolverError> {
    if objective.penalty().penalized() > x0.len() {
        return Err(SolverError::DimensionMismatch {
            expected: objective.penalty().penalized(),
            found: x0.len(),
        });
    }
    Ok(())
}
