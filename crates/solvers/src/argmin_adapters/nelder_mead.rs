//! The Nelder-Mead simplex method (argmin's), for functions known only by their values.

use super::{argmin_error, solver_exit};
use crate::counting::Counted;
use crate::history::History;
use crate::iterate::check_start;
use crate::stopping::{non_negative, stopping_builders};
use crate::{
    Criterion, Minimize, Observer, Progress, Record, Report, SolverError, Step, Stopping,
    Termination,
};
use argmin::core::{
    CostFunction, Error as ArgminError, IterState, Problem, Solver, State, TerminationReason,
    TerminationStatus,
};
use descent_objectives::finite_difference::FiniteDifference;
use descent_objectives::{Gradient, Objective, Parameter};
use ndarray::Array1;
use std::time::Instant;

/// The most times the simplex is rebuilt around the best vertex after it collapsed at a
/// point that failed the gradient test.
const MAX_RESTARTS: usize = 10;
/// The size of a rebuilt simplex, relative to `max(|xᵢ|, 1)`.
const RESTART_STEP: f64 = 1e-4;
/// Each rebuilt simplex runs to a value tolerance this much tighter than the last.
const RESTART_TIGHTENING: f64 = 1e-4;

/// A value-only objective of a vector seen through argmin's `CostFunction`. A NaN or infinite
/// value is passed on as `+∞`, the worst a vertex can be, so that the simplex moves away.
struct ArgminValues<'c, 'o, O> {
    objective: &'c Counted<'o, O>,
}

impl<O: Objective<Param = Array1<f64>>> CostFunction for ArgminValues<'_, '_, O> {
    type Param = Array1<f64>;
    type Output = f64;
    fn cost(&self, x: &Array1<f64>) -> Result<f64, ArgminError> {
        let value = self.objective.value(x);
        Ok(if value.is_finite() {
            value
        } else {
            f64::INFINITY
        })
    }
}

type SimplexState = IterState<Array1<f64>, (), (), (), (), f64>;

/// The Nelder-Mead simplex method (argmin's): `n + 1` points that reflect, expand, contract
/// and shrink towards a minimum, using values of `f` only, as scipy's `method="Nelder-Mead"`.
///
/// The first simplex is `x₀` and, for each coordinate, `x₀` moved by 5% of `xᵢ` (by 0.00025
/// where `xᵢ = 0`), as scipy builds it. The method stops when the standard deviation of the
/// values over the simplex falls below [`value_tolerance`](NelderMead::value_tolerance). That
/// says only that the simplex has collapsed, so the verdict is checked at the best vertex:
/// its gradient is estimated by central differences
/// ([`FiniteDifference`](descent_objectives::finite_difference::FiniteDifference), `2n`
/// evaluations), and the run is [`Converged(GradientNorm)`](Criterion::GradientNorm) only if
/// that estimate is below the gradient tolerance. If it is not, the simplex is rebuilt around
/// the best vertex, each time with a value tolerance 10⁻⁴ times tighter (at most 10 times,
/// while that keeps lowering `f`); a collapse that no longer helps ends
/// [`Stalled(SimplexSpread)`](Criterion::SimplexSpread), which is where rounding in `f`
/// hides the last digits of `x`. The report's gradient norm is the estimate at the end
/// point.
///
/// ```
/// use descent_objectives::multivariate::Rosenbrock;
/// use descent_solvers::{Minimize, NelderMead};
/// use ndarray::array;
///
/// let report = NelderMead::new().minimize(&Rosenbrock::new(2)?, array![-1.2, 1.0])?;
/// assert!(report.converged(), "{}", report.termination);
/// assert!((report.x[0] - 1.0).abs() < 1e-5 && (report.x[1] - 1.0).abs() < 1e-5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NelderMead {
    value_tolerance: f64,
    stopping: Stopping,
}

impl Default for NelderMead {
    fn default() -> Self {
        Self::new()
    }
}

impl NelderMead {
    /// Nelder-Mead with a value tolerance of machine epsilon (argmin's default) and
    /// [`Stopping`] with a gradient tolerance of 1e-5 (scipy's `gtol` for BFGS: from values
    /// alone, `x*` is known only to about `√(ε·|f|/λ)` along a direction of curvature `λ`, so
    /// the gradient to about `√(ε·|f|·λ)`) and 10 000 iterations.
    pub fn new() -> Self {
        NelderMead {
            value_tolerance: f64::EPSILON,
            stopping: Stopping {
                gradient_tolerance: 1e-5,
                max_iterations: 10_000,
                ..Stopping::default()
            },
        }
    }

    /// Stop when the standard deviation of `f` over the simplex is below this (default
    /// machine epsilon; 0 stops only when the values are all equal).
    ///
    /// ```
    /// use descent_solvers::NelderMead;
    /// let solver = NelderMead::new().value_tolerance(1e-12);
    /// ```
    #[must_use]
    pub fn value_tolerance(mut self, tolerance: f64) -> Self {
        self.value_tolerance = tolerance;
        self
    }
}

stopping_builders!(NelderMead, "NelderMead::new()");

/// scipy's first simplex: `x₀`, and `x₀` with coordinate `i` moved by 5% (0.00025 at 0).
fn initial_simplex(x0: &Array1<f64>, relative: Option<f64>) -> Vec<Array1<f64>> {
    let mut simplex = vec![x0.clone()];
    for i in 0..x0.len() {
        let mut vertex = x0.clone();
        vertex[i] += match relative {
            Some(step) => step * x0[i].abs().max(1.0),
            None if x0[i] == 0.0 => 0.00025,
            None => 0.05 * x0[i],
        };
        simplex.push(vertex);
    }
    simplex
}

impl<O: Objective<Param = Array1<f64>>> Minimize<O> for NelderMead {
    fn minimize_observed(
        &self,
        objective: &O,
        x0: Array1<f64>,
        observer: &mut dyn Observer<Array1<f64>>,
    ) -> Result<Report<Array1<f64>>, SolverError> {
        let started = Instant::now();
        self.stopping.validate()?;
        non_negative("value_tolerance", self.value_tolerance)?;
        check_start(objective, &x0)?;
        let counted = Counted::new(objective);
        let start_value = counted.value(&x0);
        if !start_value.is_finite() {
            return Err(SolverError::NonFiniteStart("the objective"));
        }
        let estimated = FiniteDifference::new(&counted);
        let gradient_norm = |x: &Array1<f64>| estimated.gradient(x).norm();
        let mut problem = Problem::new(ArgminValues {
            objective: &counted,
        });
        let mut history = History::new(
            self.stopping.record_history,
            self.stopping.history_limit,
            x0.len(),
        );
        let (mut best_x, mut best) = (x0.clone(), start_value);
        let mut last_x = x0.clone();
        let mut watch = |iteration: usize, x: &Array1<f64>, value: f64, step: Step| {
            let mut moved = x.clone();
            moved.add_scaled(-1.0, &last_x);
            history.push(Record {
                iteration,
                x: x.clone(),
                value,
                gradient_norm: None,
                step_length: moved.norm(),
                step,
                elapsed: started.elapsed(),
            });
            last_x = x.clone();
            observer.observe(&Progress {
                iteration,
                max_iterations: self.stopping.max_iterations,
                x,
                value,
                gradient_norm: None,
                elapsed: started.elapsed(),
            })
        };
        let mut iterations = 0;
        let mut restarts = 0;
        let termination = 'run: {
            if watch(0, &x0, start_value, Step::Start).is_break() {
                break 'run Termination::Interrupted;
            }
            loop {
                // One simplex, from the start or rebuilt around the best vertex.
                let simplex = initial_simplex(&best_x, (restarts > 0).then_some(RESTART_STEP));
                let tolerance = (self.value_tolerance * RESTART_TIGHTENING.powi(restarts as i32))
                    .max(f64::MIN_POSITIVE);
                let mut solver = argmin::solver::neldermead::NelderMead::new(simplex)
                    .with_sd_tolerance(tolerance)
                    .map_err(argmin_error)?;
                let (mut state, _): (SimplexState, _) = solver
                    .init(&mut problem, IterState::new())
                    .map_err(argmin_error)?;
                let before = best;
                let collapsed = loop {
                    let status = <_ as Solver<ArgminValues<'_, '_, O>, SimplexState>>::terminate(
                        &mut solver,
                        &state,
                    );
                    if let TerminationStatus::Terminated(reason) = status {
                        break match reason {
                            TerminationReason::SolverConverged => None,
                            other => Some(solver_exit(&other)),
                        };
                    }
                    if iterations >= self.stopping.max_iterations {
                        break Some(Termination::MaxIterations);
                    }
                    state = match solver.next_iter(&mut problem, state) {
                        Ok((next, _)) => next,
                        Err(error) => {
                            break Some(Termination::SolverExit(error.to_string()));
                        }
                    };
                    iterations += 1;
                    let value = state.get_cost();
                    let Some(x) = state.get_param() else {
                        break Some(Termination::SolverExit(
                            "argmin returned no parameter".into(),
                        ));
                    };
                    if value < best {
                        (best_x, best) = (x.clone(), value);
                    }
                    if watch(iterations, &best_x, best, Step::Simplex).is_break() {
                        break Some(Termination::Interrupted);
                    }
                };
                if let Some(termination) = collapsed {
                    break termination;
                }
                if gradient_norm(&best_x) <= self.stopping.gradient_tolerance {
                    break Termination::Converged(Criterion::GradientNorm);
                }
                let helped = best < before || restarts == 0;
                if !helped || restarts >= MAX_RESTARTS {
                    break Termination::Stalled(Criterion::SimplexSpread);
                }
                restarts += 1;
            }
        };
        let end_gradient = gradient_norm(&best_x);
        let termination = match termination {
            Termination::MaxIterations | Termination::SolverExit(_)
                if end_gradient <= self.stopping.gradient_tolerance =>
            {
                Termination::Converged(Criterion::GradientNorm)
            }
            other => other,
        };
        Ok(Report {
            solver: "Nelder-Mead".to_owned(),
            x: best_x,
            value: best,
            gradient_norm: Some(end_gradient),
            iterations,
            evaluations: counted.evaluations(),
            termination,
            history: history.finish(),
            elapsed: started.elapsed(),
            duality_gap: None,
            non_zeros: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use descent_objectives::multivariate::QuadraticForm;
    use ndarray::array;

    #[test]
    fn the_first_simplex_is_scipys() {
        let simplex = initial_simplex(&array![2.0, 0.0], None);
        assert_eq!(
            simplex,
            [array![2.0, 0.0], array![2.1, 0.0], array![2.0, 0.00025]]
        );
    }

    #[test]
    fn an_ill_conditioned_quadratic_converges_and_its_verdict_is_checked() {
        // ½xᵀAx − bᵀx with condition number 1000: the minimizer solves Ax = b, (0.5, 2), where
        // f = −126.9. Values that large round at 3e-14, which hides the last digits of x.
        let f = QuadraticForm::new(array![[1000.0, 0.0], [0.0, 1.0]], array![500.0, 2.0]).unwrap();
        let report = NelderMead::new().minimize(&f, array![0.0, 0.0]).unwrap();
        assert!(report.converged(), "{}", report.termination);
        assert!(report.gradient_norm.unwrap() <= 1e-5);
        assert!((report.x[0] - 0.5).abs() < 1e-8 && (report.x[1] - 2.0).abs() < 1e-5);
        // With the minimum near f = 0 the values resolve x much better.
        let near_zero =
            QuadraticForm::new(array![[1000.0, 0.0], [0.0, 1.0]], array![1.0, 0.002]).unwrap();
        let report = NelderMead::new()
            .gradient_tolerance(1e-7)
            .minimize(&near_zero, array![0.0, 0.0])
            .unwrap();
        assert!(report.converged(), "{}", report.termination);
        assert!((report.x[0] - 1e-3).abs() < 1e-10 && (report.x[1] - 2e-3).abs() < 1e-7);
        // With a tolerance the estimate cannot reach, the collapse is reported as such.
        let strict = NelderMead::new()
            .gradient_tolerance(1e-30)
            .minimize(&f, array![0.0, 0.0])
            .unwrap();
        assert!(
            matches!(
                strict.termination,
                Termination::Stalled(Criterion::SimplexSpread) | Termination::MaxIterations
            ),
            "{}",
            strict.termination
        );
    }
}
