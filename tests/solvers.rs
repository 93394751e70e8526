//! Each solver reaches the known minimum of test functions within a stated tolerance, and
//! reports how it stopped.

use descent::objectives::multivariate::{QuadraticForm, Rosenbrock};
use descent::objectives::univariate::{
    DoubleWell, GaussianWell, Parabola, Quartic, ScalarFunction,
};
use descent::objectives::Objective;
use descent::solvers::{
    Bfgs, Brent, ConjugateGradient, Criterion, GoldenSection, GradientDescent, Lbfgs, Minimize,
    Newton, NewtonCg, Report, SolverError, SteepestDescent, Step, Termination,
};
use ndarray::{Array1, Array2};
use ndarray_linalg::{Eigh, Solve, UPLO};

const STARTS: [f64; 6] = [-3.0, -1.3, -0.4, 0.3, 0.9, 2.5];

#[test]
fn one_dimensional_quadratic_from_several_starts() {
    // f(x) = 2(x − 1.5)²: minimum 0 at 1.5.
    let f = Parabola::new(2.0, 1.5);
    for x0 in STARTS {
        let gd = GradientDescent::new(0.1)
            .gradient_tolerance(1e-10)
            .minimize(&f, x0)
            .unwrap();
        let newton = Newton::new().minimize(&f, x0).unwrap();
        let brent = Brent::new(-4.0, 4.0).minimize(&f, x0).unwrap();
        let golden = GoldenSection::new(-4.0, 4.0).minimize(&f, x0).unwrap();
        for (report, tol) in [
            (&gd, 1e-9),
            (&newton, 1e-12),
            (&brent, 1e-7),
            (&golden, 1e-6),
        ] {
            assert!(
                report.converged(),
                "{} from {x0}: {}",
                report.solver,
                report.termination
            );
            assert!(
                (report.x - 1.5).abs() < tol,
                "{} from {x0}: x = {}",
                report.solver,
                report.x
            );
        }
        // Newton's step on a quadratic is exact: one step, then a zero gradient.
        assert!(
            newton.iterations <= 1,
            "Newton took {} iterations",
            newton.iterations
        );
    }
}

#[test]
fn quartic_with_two_minima_from_several_starts() {
    let f = DoubleWell::new(0.5);
    let [left, peak, right] = f.stationary_points().unwrap();
    let basin = |x0: f64| if x0 < peak { left } else { right };
    for x0 in STARTS {
        // A small fixed step never leaves the basin it starts in.
        let gd = GradientDescent::new(0.01)
            .step_tolerance(1e-12)
            .minimize(&f, x0)
            .unwrap();
        assert!(gd.converged(), "GD from {x0}: {}", gd.termination);
        assert!(
            (gd.x - basin(x0)).abs() < 1e-7,
            "GD from {x0} ended at {}",
            gd.x
        );

        // Newton with damping and a line search decreases f every step, and ends at a
        // minimum (never at the maximum), whatever the start.
        let newton = Newton::new().minimize(&f, x0).unwrap();
        assert!(
            newton.converged(),
            "Newton from {x0}: {}",
            newton.termination
        );
        assert!(
            (newton.x - left).abs() < 1e-9 || (newton.x - right).abs() < 1e-9,
            "Newton from {x0} ended at {}",
            newton.x
        );
        assert!(newton.value <= f.value(&x0));
    }
    // Bracketing methods find the minimum inside their bracket.
    for (lower, upper, expected) in [(-2.5, peak - 0.1, left), (peak + 0.1, 2.5, right)] {
        for x0 in [lower + 0.05, upper - 0.05] {
            let brent = Brent::new(lower, upper).minimize(&f, x0).unwrap();
            let golden = GoldenSection::new(lower, upper).minimize(&f, x0).unwrap();
            assert!(
                brent.converged() && (brent.x - expected).abs() < 1e-7,
                "Brent: {}",
                brent.x
            );
            assert!(
                golden.converged() && (golden.x - expected).abs() < 1e-6,
                "golden: {}",
                golden.x
            );
        }
    }
}

#[test]
fn newton_is_damped_where_the_second_derivative_is_negative() {
    // At x = 0.1 the double well has f″ < 0: pure Newton goes to the maximum at 0.
    let f = DoubleWell::new(0.0);
    let pure = Newton::new()
        .line_search(false)
        .max_iterations(1)
        .minimize(&f, 0.1)
        .unwrap();
    let damped = Newton::new().minimize(&f, 0.1).unwrap();
    assert!(matches!(damped.history[1].step, Step::DampedNewton { .. }));
    assert!(damped.converged() && (damped.x.abs() - 1.0).abs() < 1e-9);
    // The pure course method would step towards 0; ours never steps uphill.
    assert!(pure.value <= f.value(&0.1));
    // On the flat tails of a Gaussian well Newton still finds the minimum.
    let flat = Newton::new()
        .minimize(&GaussianWell::new(0.5), 2.0)
        .unwrap();
    assert!(
        flat.converged() && (flat.x - 0.5).abs() < 1e-6,
        "{:?}",
        flat.termination
    );
}

#[test]
fn newton_on_a_degenerate_minimum_converges_linearly() {
    // (x − 1)⁴ has f″ = 0 at its minimum: Newton's error shrinks by ⅓ per step.
    let report = Newton::new().minimize(&Quartic::new(1.0), 4.0).unwrap();
    assert!(report.converged());
    assert!((report.x - 1.0).abs() < 1e-2, "{}", report.x);
    let errors: Vec<f64> = report.history.iter().map(|r| (r.x - 1.0).abs()).collect();
    for pair in errors.windows(2).take(10) {
        assert!((pair[1] / pair[0] - 2.0 / 3.0).abs() < 1e-9);
    }
}

/// The classic start in 2-D; the origin in 10-D, where (−1.2, 1, −1.2, 1, …) lies in the
/// basin of the chained function's local minimum near (−1, 1, …, 1).
/// Asserts that `report` converged to within `tol` of `expected` in every coordinate.
fn assert_reaches(report: &Report<Array1<f64>>, expected: &Array1<f64>, tol: f64, problem: &str) {
    assert!(
        report.converged(),
        "{} on {problem}: {}",
        report.solver,
        report.termination
    );
    let error = (&report.x - expected)
        .iter()
        .fold(0.0_f64, |m, d| m.max(d.abs()));
    assert!(
        error < tol,
        "{} on {problem}: max error {error}",
        report.solver
    );
}

fn rosenbrock_start(n: usize) -> Array1<f64> {
    if n == 2 {
        Array1::from(vec![-1.2, 1.0])
    } else {
        Array1::zeros(n)
    }
}

#[test]
fn rosenbrock_in_two_and_ten_dimensions() {
    for n in [2, 10] {
        let f = Rosenbrock::new(n).unwrap();
        let ones = Array1::<f64>::ones(n);
        let lbfgs = Lbfgs::new().minimize(&f, rosenbrock_start(n)).unwrap();
        let newton = Newton::new().minimize(&f, rosenbrock_start(n)).unwrap();
        for report in [&lbfgs, &newton] {
            assert_reaches(report, &ones, 1e-6, &format!("{n}-D"));
        }
    }
    // From (−1.2, 1, −1.2, 1, …) in 10-D, Newton lands on the local minimum near x₁ = −1.
    let f = Rosenbrock::new(10).unwrap();
    let start = Array1::from_iter((0..10).map(|i| if i % 2 == 0 { -1.2 } else { 1.0 }));
    let local = Newton::new().minimize(&f, start).unwrap();
    assert!(local.converged() && (local.x[0] + 1.0).abs() < 0.1 && local.value > 3.0);
    assert!(local.gradient_norm.unwrap() < 1e-8);
}

/// A strictly convex quadratic in 50-D with eigenvalues in [1, ~5]: A = MᵀM/n + I.
fn convex_quadratic() -> QuadraticForm {
    let n = 50;
    let m = Array2::from_shape_fn((n, n), |(i, j)| {
        (1.0 + 7.0 * i as f64 + 13.0 * j as f64).sin()
    });
    let a = m.t().dot(&m) / n as f64 + Array2::<f64>::eye(n);
    let b = Array1::from_shape_fn(n, |i| (0.3 * i as f64).cos());
    QuadraticForm::new(a, b).unwrap()
}

#[test]
fn every_vector_solver_minimizes_a_convex_quadratic_in_50_dimensions() {
    let f = convex_quadratic();
    let minimizer = f.a().solve(f.b()).unwrap();
    let (eigenvalues, _) = f.a().eigh(UPLO::Lower).unwrap();
    let largest = eigenvalues.iter().fold(0.0_f64, |m, &v| m.max(v));
    let x0 = Array1::zeros(50);
    let solvers: Vec<Box<dyn Minimize<QuadraticForm>>> = vec![
        Box::new(GradientDescent::new(1.0 / largest).max_iterations(10_000)),
        Box::new(Newton::new()),
        Box::new(Lbfgs::new()),
        Box::new(Bfgs::new()),
        Box::new(SteepestDescent::new().max_iterations(10_000)),
        Box::new(ConjugateGradient::new()),
        // argmin's Newton-CG stops making progress where ‖∇f‖ ≈ 6e-8 (f ≈ −12 has stopped
        // changing in its last digit): its verdict is asked for at a tolerance it reaches.
        Box::new(NewtonCg::new().gradient_tolerance(1e-7)),
    ];
    for solver in &solvers {
        let report = solver.minimize(&f, x0.clone()).unwrap();
        assert_reaches(&report, &minimizer, 1e-6, "50-D quadratic");
    }
    // At the default tolerance it says that it stalled, not that it converged.
    let strict = NewtonCg::new().minimize(&f, x0).unwrap();
    assert_eq!(
        strict.termination,
        Termination::Stalled(Criterion::ObjectiveChange),
        "{strict}"
    );
    assert!(strict.gradient_norm.unwrap() > 1e-8);
}

#[test]
fn history_gradients_and_times_belong_to_each_iterate() {
    // argmin's steepest descent leaves the previous gradient in its state; the report must
    // still show the gradient at each new point, or the loop would stop late or early.
    let f = convex_quadratic();
    let solvers: Vec<Box<dyn Minimize<QuadraticForm>>> = vec![
        Box::new(SteepestDescent::new().max_iterations(50)),
        Box::new(ConjugateGradient::new().max_iterations(50)),
        Box::new(NewtonCg::new().max_iterations(50)),
        Box::new(Lbfgs::new().max_iterations(50)),
    ];
    for solver in &solvers {
        let report = solver.minimize(&f, Array1::zeros(50)).unwrap();
        for record in &report.history {
            let g = f.a().dot(&record.x) - f.b();
            let norm = g.dot(&g).sqrt();
            let reported = record.gradient_norm.unwrap();
            assert!(
                (reported - norm).abs() <= 1e-9 * norm.max(1.0),
                "{}: iteration {}: reported ‖∇f‖ {reported}, actual {norm}",
                report.solver,
                record.iteration
            );
        }
        assert!(report
            .history
            .windows(2)
            .all(|w| w[0].elapsed <= w[1].elapsed));
        assert!(report.history.last().unwrap().elapsed <= report.elapsed);
    }
}

#[test]
fn gradient_descent_reports_divergence_and_the_iteration_limit() {
    let f = Parabola::new(1.0, 3.0);
    // γ = 1.5: the error doubles in size every step.
    let diverging = GradientDescent::new(1.5).minimize(&f, 0.0).unwrap();
    assert_eq!(diverging.termination, Termination::Diverged);
    assert!(diverging
        .termination
        .to_string()
        .contains("learning rate is likely too large"));
    assert!(!diverging.converged());
    // A step that overflows to infinity: the report keeps the last finite point.
    let overflow = GradientDescent::new(1e300).minimize(&f, 0.0).unwrap();
    assert_eq!(overflow.termination, Termination::Diverged);
    assert!(overflow.x.is_finite() && overflow.value.is_finite());
    // A tiny step with the step rule scaled to it runs out of iterations, and says so.
    let crawling = GradientDescent::new(1e-6)
        .step_tolerance(1e-14)
        .max_iterations(100);
    let report = crawling.minimize(&f, 0.0).unwrap();
    assert_eq!(report.termination, Termination::MaxIterations);
    assert_eq!(report.iterations, 100);
    assert!(matches!(
        report.into_converged(),
        Err(SolverError::NotConverged { .. })
    ));
}

#[test]
fn reports_count_evaluations_and_keep_a_history() {
    let f = Parabola::new(1.0, 3.0);
    let report = GradientDescent::new(0.1).minimize(&f, 0.0).unwrap();
    // One fused value-and-gradient evaluation at the start and one per iteration; the check
    // of the 1-D end point adds a few values (a short walk downhill until f rises).
    assert_eq!(report.evaluations.gradient, report.iterations + 1);
    let check = report.evaluations.value - (report.iterations + 1);
    assert!(
        (1..=30).contains(&check),
        "{check} values for the end-point check"
    );
    assert_eq!(report.evaluations.hessian, 0);
    assert_eq!(report.history.len(), report.iterations + 1);
    assert_eq!(report.history[0].step, Step::Start);
    let last = report.history.last().unwrap();
    assert_eq!((last.x, last.value), (report.x, report.value));
    assert!(report.history.windows(2).all(|w| w[1].value <= w[0].value));
    let quiet = GradientDescent::new(0.1)
        .record_history(false)
        .minimize(&f, 0.0)
        .unwrap();
    assert!(quiet.history.is_empty());
    assert_eq!(quiet.x, report.x);
    let newton = Newton::new()
        .minimize(&convex_quadratic(), Array1::zeros(50))
        .unwrap();
    assert_eq!(newton.evaluations.hessian, newton.iterations);
    assert_eq!(
        newton.termination,
        Termination::Converged(Criterion::GradientNorm)
    );
}

#[test]
fn bad_settings_and_starts_are_errors_not_panics() {
    let f = Parabola::new(1.0, 3.0);
    for rate in [0.0, -0.1, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            GradientDescent::new(rate).minimize(&f, 0.0),
            Err(SolverError::InvalidSetting { .. })
        ));
    }
    assert!(matches!(
        Newton::new().step_tolerance(-1.0).minimize(&f, 0.0),
        Err(SolverError::InvalidSetting { .. })
    ));
    assert!(matches!(
        Newton::new().minimize(&f, f64::NAN),
        Err(SolverError::NonFiniteStart(_))
    ));
    let rosenbrock = Rosenbrock::new(3).unwrap();
    assert_eq!(
        Lbfgs::new()
            .minimize(&rosenbrock, Array1::zeros(2))
            .unwrap_err(),
        SolverError::DimensionMismatch {
            expected: 3,
            found: 2
        }
    );
    assert_eq!(
        Bfgs::new()
            .minimize(&convex_quadratic(), Array1::zeros(0))
            .unwrap_err(),
        SolverError::EmptyStart
    );
    assert!(matches!(
        Brent::new(2.0, 1.0).minimize(&f, 1.5),
        Err(SolverError::InvalidBracket { .. })
    ));
    assert!(matches!(
        GoldenSection::new(0.0, 1.0).minimize(&f, 5.0),
        Err(SolverError::InvalidBracket { .. })
    ));
    let undefined = ScalarFunction::new(|x: f64| x.ln()).with_derivative(|x| 1.0 / x);
    assert_eq!(
        GradientDescent::new(0.1)
            .minimize(&undefined, -1.0)
            .unwrap_err(),
        SolverError::NonFiniteStart("the objective")
    );
}

/// Iterations to reach |f′(x)| ≤ 1e-10: Newton's, and gradient descent's at the best learning
/// rate of a grid (chosen separately for each start, which flatters descent).
fn newton_and_best_fixed_step<O>(f: &O, x0: f64) -> (usize, usize)
where
    O: descent::objectives::Hessian<Param = f64>,
{
    let newton = Newton::new()
        .gradient_tolerance(1e-10)
        .minimize(f, x0)
        .unwrap();
    assert!(newton.converged());
    let best = [
        0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4,
    ]
    .iter()
    .filter_map(|&rate| {
        let gd = GradientDescent::new(rate)
            .gradient_tolerance(1e-10)
            .max_iterations(100_000)
            .minimize(f, x0)
            .unwrap();
        gd.converged().then_some(gd.iterations)
    })
    .min()
    .unwrap();
    (newton.iterations, best)
}

#[test]
fn newton_needs_far_fewer_iterations_than_the_best_fixed_step() {
    use descent::objectives::univariate::{AutoDiff, Dual2_64, DualNum};
    let log_cosh = AutoDiff::new(|x: Dual2_64| {
        let u = x - 2.0;
        u * u + u.cosh().ln() * 4.0
    });
    let well = DoubleWell::new(0.5);
    let mut totals = (0, 0);
    for x0 in [-8.0, -3.0, 0.0, 1.0, 3.0, 6.0, 12.0] {
        let (newton, gd) = newton_and_best_fixed_step(&log_cosh, x0);
        totals = (totals.0 + newton, totals.1 + gd);
    }
    for x0 in [-3.0, -2.0, -0.5, 0.5, 2.0, 3.0] {
        let (newton, gd) = newton_and_best_fixed_step(&well, x0);
        totals = (totals.0 + newton, totals.1 + gd);
    }
    // Measured: 89 Newton iterations against 236 for the best fixed steps (2.7×); against
    // any single fixed rate the gap is far larger.
    let ratio = totals.1 as f64 / totals.0 as f64;
    assert!(
        ratio >= 2.0,
        "Newton {} vs best fixed step {}: {ratio:.1}×",
        totals.0,
        totals.1
    );
}

#[test]
fn bracketing_reports_an_objective_that_is_not_finite_inside_the_bracket() {
    // ln x is NaN for x < 0: the bracket [-1, 2] contains points where f is undefined.
    let f = ScalarFunction::new(|x: f64| (x - 1.0).powi(2) + x.ln());
    for report in [
        Brent::new(-1.0, 2.0).minimize(&f, 0.5).unwrap(),
        GoldenSection::new(-1.0, 2.0).minimize(&f, 0.5).unwrap(),
    ] {
        assert!(
            !report.converged(),
            "{}: {}",
            report.solver,
            report.termination
        );
        assert!(report.termination.to_string().contains("not finite"));
        assert!(report.value.is_finite());
    }
}

/// The verdicts of the examples: each is checked at the end point, and says what is
/// true there.
#[test]
fn verdicts_are_true_at_the_end_point() {
    // A learning rate too small to move: the course's step rule fires at once, far from the
    // minimum, and is reported as a stall, not as convergence.
    let parabola = Parabola::new(1.0, 3.0);
    let crawl = GradientDescent::new(1e-9)
        .step_tolerance(1e-8)
        .minimize(&parabola, 0.0)
        .unwrap();
    assert_eq!(crawl.termination, Termination::Stalled(Criterion::StepSize));
    assert!((crawl.gradient_norm.unwrap() - 6.0).abs() < 1e-6);
    // The same step rule at a good rate ends where the gradient is small: converged.
    let good = GradientDescent::new(0.45)
        .step_tolerance(1e-10)
        .minimize(&parabola, 0.0)
        .unwrap();
    assert!(good.converged(), "{}", good.termination);

    // e^−x keeps decreasing: Newton walks right until f′ is tiny, but there is no minimum.
    let decay = ScalarFunction::new(|x: f64| (-x).exp())
        .with_derivative(|x: f64| -(-x).exp())
        .with_second_derivative(|x: f64| (-x).exp());
    let report = Newton::new().minimize(&decay, 0.0).unwrap();
    assert_eq!(report.termination, Termination::KeepsDecreasing, "{report}");
    let report = GradientDescent::new(0.5).minimize(&decay, 0.0).unwrap();
    assert_eq!(report.termination, Termination::KeepsDecreasing, "{report}");

    // ln x from 1: Newton heads for 0, where ln x is unbounded below.
    let ln = ScalarFunction::new(f64::ln)
        .with_derivative(|x: f64| 1.0 / x)
        .with_second_derivative(|x: f64| -1.0 / (x * x));
    let report = Newton::new().minimize(&ln, 1.0).unwrap();
    assert_eq!(report.termination, Termination::KeepsDecreasing, "{report}");

    // x⁴ − 3x³ + 2 from 0: f′(0) = f″(0) = 0, an inflection point, not a minimum.
    let inflection = ScalarFunction::new(|x: f64| x.powi(4) - 3.0 * x.powi(3) + 2.0)
        .with_derivative(|x: f64| 4.0 * x.powi(3) - 9.0 * x * x)
        .with_second_derivative(|x: f64| 12.0 * x * x - 18.0 * x);
    for report in [
        Newton::new().minimize(&inflection, 0.0).unwrap(),
        GradientDescent::new(0.01)
            .minimize(&inflection, 0.0)
            .unwrap(),
    ] {
        assert_eq!(report.termination, Termination::NotAMinimum, "{report}");
        assert_eq!(report.iterations, 0);
    }
    // From 4 it converges to the minimum at 2.25.
    let report = Newton::new().minimize(&inflection, 4.0).unwrap();
    assert!(
        report.converged() && (report.x - 2.25).abs() < 1e-9,
        "{report}"
    );

    // A maximum: −x² from 0 keeps decreasing both ways.
    let cap = ScalarFunction::new(|x: f64| -x * x)
        .with_derivative(|x: f64| -2.0 * x)
        .with_second_derivative(|_| -2.0);
    let report = Newton::new().minimize(&cap, 0.0).unwrap();
    assert_eq!(report.termination, Termination::KeepsDecreasing, "{report}");

    // (x − 5)² on [0, 1]: the lowest value in the bracket is at its edge.
    let outside = Parabola::new(1.0, 5.0);
    for report in [
        Brent::new(0.0, 1.0).minimize(&outside, 0.5).unwrap(),
        GoldenSection::new(0.0, 1.0)
            .minimize(&outside, 0.5)
            .unwrap(),
    ] {
        assert_eq!(
            report.termination,
            Termination::MinimumAtBracketEdge,
            "{}",
            report.solver
        );
        assert_eq!((report.x, report.value), (1.0, 16.0));
    }
    let inside = Brent::new(0.0, 10.0).minimize(&outside, 0.5).unwrap();
    assert!(inside.converged(), "{}", inside.termination);
}

#[test]
fn gradient_descent_that_ends_far_above_its_start_diverged() {
    // γ = 1.2 on (x − 3)²: the error is multiplied by −1.4 per step, f by 1.96. After three
    // iterations f is 7.5× its start: too few consecutive rises for the streak rule, but far
    // above the start.
    let report = GradientDescent::new(1.2)
        .max_iterations(3)
        .minimize(&Parabola::new(1.0, 3.0), 0.0)
        .unwrap();
    assert!(report.value > 7.0 * 9.0);
    assert_eq!(report.termination, Termination::Diverged);
    // In n-D too.
    let f = convex_quadratic();
    let (eigenvalues, _) = f.a().eigh(UPLO::Lower).unwrap();
    let largest = eigenvalues.iter().fold(0.0_f64, |m, &v| m.max(v));
    let report = GradientDescent::new(2.2 / largest)
        .max_iterations(40)
        .minimize(&f, Array1::from_elem(50, 1.0))
        .unwrap();
    assert_eq!(report.termination, Termination::Diverged, "{report}");
}

#[test]
fn history_stays_bounded_however_many_iterations() {
    // 2.5(x − 2)² at γ = 0.4 bounces between 0 and 4 for ever.
    let f = Parabola::new(2.5, 2.0);
    let report = GradientDescent::new(0.4)
        .max_iterations(3_000_000)
        .minimize(&f, 0.0)
        .unwrap();
    assert_eq!(report.termination, Termination::MaxIterations);
    assert!(report.history.len() <= 10_001, "{}", report.history.len());
    assert_eq!(report.history.last().unwrap().iteration, 3_000_000);
    let small = GradientDescent::new(0.4)
        .max_iterations(1000)
        .history_limit(10)
        .minimize(&f, 0.0)
        .unwrap();
    assert!(small.history.len() <= 11);
}

#[test]
fn an_observer_sees_each_iteration_and_can_interrupt_with_the_best_point() {
    use descent::solvers::Progress;
    use std::ops::ControlFlow;
    // γ = 0.99 on (x − 3)²: x overshoots back and forth, f falling slowly. Stopping after an
    // overshoot that rose keeps the lowest point.
    let f = Parabola::new(1.0, 3.0);
    let mut values = Vec::new();
    let mut observer = |p: &Progress<'_, f64>| {
        values.push(p.value);
        assert_eq!(p.max_iterations, 1000);
        if p.iteration == 7 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let report = Newton::new()
        .minimize_observed(&f, 0.0, &mut observer)
        .unwrap();
    assert!(report.converged(), "Newton converges in one step: {report}");
    let report = GradientDescent::new(0.99)
        .minimize_observed(&f, 0.0, &mut |p: &Progress<'_, f64>| {
            if p.iteration == 7 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert_eq!(report.termination, Termination::Interrupted);
    assert_eq!(report.iterations, 7);
    let lowest = report
        .history
        .iter()
        .map(|r| r.value)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(report.value, lowest);
    assert!(!values.is_empty());
}

#[test]
fn functions_known_only_by_their_values() {
    use descent::objectives::finite_difference::FiniteDifference;
    use descent::solvers::NelderMead;
    /// Rosenbrock's function without its gradient.
    struct Values;
    impl Objective for Values {
        type Param = Array1<f64>;
        fn value(&self, x: &Array1<f64>) -> f64 {
            (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2)
        }
    }
    let start = Array1::from(vec![-1.2, 1.0]);
    let ones = Array1::<f64>::ones(2);
    // Central differences give a gradient-based solver what it needs.
    let lbfgs = Lbfgs::new()
        .gradient_tolerance(1e-6)
        .minimize(&FiniteDifference::new(Values), start.clone())
        .unwrap();
    assert_reaches(&lbfgs, &ones, 1e-5, "Rosenbrock by values (L-BFGS)");
    // Nelder-Mead needs values alone, and checks its end point by central differences.
    let simplex = NelderMead::new().minimize(&Values, start).unwrap();
    assert_reaches(&simplex, &ones, 1e-5, "Rosenbrock by values (Nelder-Mead)");
    assert!(simplex.gradient_norm.unwrap() <= 1e-5);
    assert_eq!(simplex.evaluations.gradient, 0);
}

#[test]
fn argmin_line_searches_end_where_the_objective_is_not_finite() {
    /// √x₀ + (x₁ − 1)²: NaN for x₀ < 0, where a line search towards the minimum at x₀ = 0 steps.
    struct Edge;
    impl Objective for Edge {
        type Param = Array1<f64>;
        fn value(&self, x: &Array1<f64>) -> f64 {
            x[0].sqrt() + (x[1] - 1.0).powi(2)
        }
    }
    impl descent::objectives::Gradient for Edge {
        fn gradient(&self, x: &Array1<f64>) -> Array1<f64> {
            Array1::from(vec![0.5 / x[0].sqrt(), 2.0 * (x[1] - 1.0)])
        }
    }
    let start = Array1::from(vec![1.0, 3.0]);
    let solvers: Vec<Box<dyn Minimize<Edge>>> = vec![
        Box::new(Lbfgs::new()),
        Box::new(Bfgs::new()),
        Box::new(ConjugateGradient::new()),
        Box::new(SteepestDescent::new()),
    ];
    for solver in &solvers {
        let report = solver.minimize(&Edge, start.clone()).unwrap();
        assert!(
            matches!(report.termination, Termination::LineSearchFailed(ref why) if why.contains("not finite")),
            "{}: {}",
            report.solver,
            report.termination
        );
        assert!(report.value.is_finite() && report.x.iter().all(|v| v.is_finite()));
    }
}
