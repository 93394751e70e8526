//! L1 and elastic-net problems: the proximal solvers agree with each other and with closed
//! forms, their certificates are honest, and working sets do not change the answer.

use descent::objectives::{Composite, ElasticNet, LogLoss, MeanSquaredError, Objective};
use descent::solvers::{
    Criterion, Minimize, ProximalGradient, ProximalNewton, Report, Termination,
};
use ndarray::{Array1, Array2};

/// A deterministic design with `n` rows and `p` columns of varied scales, and targets from a
/// sparse truth (every fifth coefficient non-zero) plus noise: 0/1 labels and real targets.
fn problem(n: usize, p: usize, seed: u64) -> (Array2<f64>, Array1<f64>, Array1<f64>) {
    let x = Array2::from_shape_fn((n, p), |(i, j)| {
        ((i as f64 * 0.7 + j as f64 * 1.3 + seed as f64 * 0.1).sin() * 3.0
            + (i * j % 7) as f64 * 0.2)
            * (1.0 + (j % 3) as f64)
    });
    let truth = Array1::from_shape_fn(p, |j| {
        if j % 5 == 0 {
            1.0 / (1.0 + j as f64)
        } else {
            0.0
        }
    });
    let noise = Array1::from_shape_fn(n, |i| {
        ((i as f64 * 12.9898 + seed as f64).sin() * 4.3).sin()
    });
    let z = x.dot(&truth);
    // Noisy labels, so that the classes overlap and the problem is well posed at every C.
    let labels = (&z + &noise * 2.0).mapv(|v| f64::from(u8::from(v > 0.0)));
    let z = z + &noise * 0.5;
    let targets = z + 2.0;
    (x, labels, targets)
}

fn zero_set(x: &Array1<f64>, p: usize) -> Vec<usize> {
    (0..p).filter(|&j| x[j] == 0.0).collect()
}

fn assert_certified(report: &Report<Array1<f64>>, tolerance: f64, what: &str) {
    assert_eq!(
        report.termination,
        Termination::Converged(Criterion::DualityGap),
        "{what}: {report}"
    );
    let gap = report.duality_gap.unwrap();
    assert!(
        gap >= 0.0 && gap <= tolerance * report.value,
        "{what}: gap {gap}"
    );
}

#[test]
fn proximal_newton_and_fista_agree_on_l1_logistic_regression() {
    let (x, labels, _) = problem(200, 20, 1);
    let n = x.nrows();
    for (c, ratio) in [(0.01, 1.0), (0.1, 1.0), (1.0, 1.0), (0.1, 0.5)] {
        let loss = LogLoss::new(&x, &labels).unwrap();
        let objective = Composite::new(
            loss,
            ElasticNet::for_logistic(c, ratio, n as f64, 20).unwrap(),
        )
        .unwrap();
        let newton = ProximalNewton::new()
            .gap_tolerance(1e-12)
            .minimize(&objective, Array1::zeros(21))
            .unwrap();
        let fista = ProximalGradient::fista()
            .gap_tolerance(1e-9)
            .max_iterations(20_000)
            .minimize(&objective, Array1::zeros(21))
            .unwrap();
        let what = format!("C = {c}, l1_ratio = {ratio}");
        assert_certified(&newton, 1e-12, &what);
        assert_certified(&fista, 1e-9, &what);
        // Both within their certified gaps of the optimum, so of each other.
        let difference = (newton.value - fista.value).abs();
        assert!(
            difference <= newton.duality_gap.unwrap() + fista.duality_gap.unwrap(),
            "{what}: {difference}"
        );
        if ratio == 1.0 {
            assert_eq!(zero_set(&newton.x, 20), zero_set(&fista.x, 20), "{what}");
        }
        assert!(
            newton.iterations < 30,
            "{what}: {} outer iterations",
            newton.iterations
        );
    }
}

#[test]
fn the_certificate_bounds_the_distance_to_the_optimum_from_any_point() {
    let (x, labels, targets) = problem(120, 8, 2);
    let n = x.nrows();
    let logistic = Composite::new(
        LogLoss::new(&x, &labels).unwrap(),
        ElasticNet::for_logistic(0.2, 1.0, n as f64, 8).unwrap(),
    )
    .unwrap();
    let lasso = Composite::new(
        MeanSquaredError::new(&x, &targets).unwrap(),
        ElasticNet::for_least_squares(0.05, 0.7, 8).unwrap(),
    )
    .unwrap();
    let optimum_l = ProximalNewton::new()
        .gap_tolerance(1e-14)
        .minimize(&logistic, Array1::zeros(9))
        .unwrap();
    let optimum_s = ProximalNewton::new()
        .gap_tolerance(1e-14)
        .minimize(&lasso, Array1::zeros(9))
        .unwrap();
    for k in 0..20 {
        let point = Array1::from_shape_fn(9, |j| ((k * 9 + j) as f64 * 0.77).sin());
        let gap = logistic.duality_gap(&point).unwrap();
        assert!(logistic.value(&point) - optimum_l.value <= gap * (1.0 + 1e-12) + 1e-14);
        let gap = lasso.duality_gap(&point).unwrap();
        assert!(lasso.value(&point) - optimum_s.value <= gap * (1.0 + 1e-12) + 1e-14);
    }
    // And it is tight at the optimum.
    assert!(optimum_l.duality_gap.unwrap() <= 1e-14 * optimum_l.value);
    assert!(optimum_s.duality_gap.unwrap() <= 1e-14 * optimum_s.value);
}

#[test]
fn lasso_on_orthogonal_columns_is_soft_thresholding() {
    // Columns orthogonal with (1/N)‖xⱼ‖² = 1 and no intercept: the lasso solution of
    // (1/N)‖y − Xw‖² + λ‖w‖₁ is wⱼ = soft(xⱼᵀy/N, λ/2).
    let n = 8;
    let hadamard = |i: usize, j: usize| {
        if (i & j).count_ones().is_multiple_of(2) {
            1.0
        } else {
            -1.0
        }
    };
    let x = Array2::from_shape_fn((n, 3), |(i, j)| hadamard(i, j + 1));
    let y = Array1::from(vec![3.0, -1.0, 2.0, 0.5, -2.0, 1.0, 0.0, 4.0]);
    let lambda = 0.6;
    let objective = Composite::new(
        MeanSquaredError::new(&x, &y).unwrap().fit_intercept(false),
        ElasticNet::new(lambda, 0.0, 3).unwrap(),
    )
    .unwrap();
    for solver in [
        Box::new(ProximalNewton::new().gap_tolerance(1e-15)) as Box<dyn Minimize<_>>,
        Box::new(ProximalGradient::fista().gap_tolerance(1e-15)),
        Box::new(ProximalGradient::ista(0.4).gap_tolerance(1e-15)),
    ] {
        let report = solver.minimize(&objective, Array1::zeros(3)).unwrap();
        for j in 0..3 {
            let correlation = x.column(j).dot(&y) / n as f64;
            let expected = correlation.signum() * (correlation.abs() - lambda / 2.0).max(0.0);
            assert!(
                (report.x[j] - expected).abs() < 1e-7,
                "{}: w{j} = {} vs {expected}",
                report,
                report.x[j]
            );
        }
    }
}

#[test]
fn working_sets_give_the_same_answer_on_wide_problems() {
    // 60 rows, 400 columns: proximal Newton works on working sets.
    let (x, labels, targets) = problem(60, 400, 3);
    let n = x.nrows();
    let lasso = Composite::new(
        MeanSquaredError::new(&x, &targets).unwrap(),
        ElasticNet::for_least_squares(0.05, 1.0, 400).unwrap(),
    )
    .unwrap();
    let logistic = Composite::new(
        LogLoss::new(&x, &labels).unwrap(),
        ElasticNet::for_logistic(0.05, 1.0, n as f64, 400).unwrap(),
    )
    .unwrap();
    for (name, newton, fista) in [
        (
            "lasso",
            ProximalNewton::new()
                .gap_tolerance(1e-11)
                .minimize(&lasso, Array1::zeros(401))
                .unwrap(),
            ProximalGradient::fista()
                .gap_tolerance(1e-8)
                .max_iterations(20_000)
                .minimize(&lasso, Array1::zeros(401))
                .unwrap(),
        ),
        (
            "logistic",
            ProximalNewton::new()
                .gap_tolerance(1e-11)
                .minimize(&logistic, Array1::zeros(401))
                .unwrap(),
            ProximalGradient::fista()
                .gap_tolerance(1e-8)
                .max_iterations(20_000)
                .minimize(&logistic, Array1::zeros(401))
                .unwrap(),
        ),
    ] {
        assert!(newton.converged(), "{name}: {newton}");
        assert!(fista.converged(), "{name}: {fista}");
        let nnz = newton.non_zeros.unwrap();
        assert!(nnz > 0 && nnz < 60, "{name}: {nnz} non-zeros");
        // The working sets were smaller than the problem.
        let largest = newton
            .history
            .iter()
            .filter_map(|r| match r.step {
                descent::solvers::Step::ProximalNewton { working_set, .. } => Some(working_set),
                _ => None,
            })
            .max()
            .unwrap();
        assert!(largest < 401, "{name}: a working set of {largest}");
        assert!(
            (newton.value - fista.value).abs()
                <= newton.duality_gap.unwrap() + fista.duality_gap.unwrap() + 1e-13,
            "{name}: {} vs {}",
            newton.value,
            fista.value
        );
    }
}
