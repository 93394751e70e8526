//! Gradients and Hessians agree with central finite differences, on random data at random
//! points (property tests).

use descent::objectives::multivariate::{QuadraticForm, Rosenbrock};
use descent::objectives::univariate::{
    AutoDiff, DoubleWell, Dual2_64, DualNum, GaussianWell, Parabola, Quartic, ScalarFunction,
};
use descent::objectives::{
    Gradient, Hessian, L2Regularized, LogLoss, MeanSquaredError, Standardized,
};
use ndarray::{Array1, Array2};
use proptest::prelude::*;

/// Central difference step for coordinate value `x`: balances truncation (O(h²)) and
/// rounding (O(ε/h)) error.
fn step(x: f64) -> f64 {
    1e-5 * x.abs().max(1.0)
}

/// `|a − b| ≤ tol·max(1, |a|, |b|)`.
fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * 1f64.max(a.abs()).max(b.abs())
}

/// Checks ∇f against central differences of f, ∇²f against central differences of ∇f, and
/// the fused value-and-gradient against the separate calls.
fn check_vector<O: Hessian<Param = Array1<f64>>>(f: &O, x: &Array1<f64>, tol: f64) {
    let g = f.gradient(x);
    let h = f.hessian(x);
    let (value, fused) = f.value_and_gradient(x);
    assert!(
        close(value, f.value(x), 1e-12),
        "fused value {value} vs {}",
        f.value(x)
    );
    for i in 0..x.len() {
        assert!(
            close(fused[i], g[i], 1e-12),
            "fused gradient differs at {i}"
        );
        let hi = step(x[i]);
        let (mut up, mut down) = (x.clone(), x.clone());
        up[i] += hi;
        down[i] -= hi;
        let fd = (f.value(&up) - f.value(&down)) / (2.0 * hi);
        assert!(
            close(fd, g[i], tol),
            "∂f/∂x{i}: analytic {} vs difference {fd}",
            g[i]
        );
        let column = (f.gradient(&up) - f.gradient(&down)) / (2.0 * hi);
        for j in 0..x.len() {
            assert!(
                close(column[j], h[[j, i]], tol),
                "∂²f/∂x{j}∂x{i}: analytic {} vs difference {}",
                h[[j, i]],
                column[j]
            );
        }
        assert!(close(h[[i, 0]], h[[0, i]], 1e-12), "Hessian not symmetric");
    }
}

fn check_scalar<O: Hessian<Param = f64>>(f: &O, x: f64, tol: f64) {
    let h = step(x);
    let fd = (f.value(&(x + h)) - f.value(&(x - h))) / (2.0 * h);
    assert!(
        close(fd, f.gradient(&x), tol),
        "f′({x}) = {} vs {fd}",
        f.gradient(&x)
    );
    let fd2 = (f.gradient(&(x + h)) - f.gradient(&(x - h))) / (2.0 * h);
    assert!(
        close(fd2, f.hessian(&x), tol),
        "f″({x}) = {} vs {fd2}",
        f.hessian(&x)
    );
    let (value, slope) = f.value_and_gradient(&x);
    assert!(close(value, f.value(&x), 1e-12) && close(slope, f.gradient(&x), 1e-12));
}

/// A data set of `n` rows and `p` columns with feature values in [-3, 3], plus a parameter
/// vector of `p + 1` entries in [-2, 2].
fn linear_problem() -> impl Strategy<Value = (Array2<f64>, Vec<bool>, Array1<f64>, Vec<f64>)> {
    (1usize..25, 1usize..5).prop_flat_map(|(n, p)| {
        (
            prop::collection::vec(-3.0..3.0f64, n * p)
                .prop_map(move |v| Array2::from_shape_vec((n, p), v).unwrap()),
            prop::collection::vec(any::<bool>(), n),
            prop::collection::vec(-2.0..2.0f64, p + 1).prop_map(Array1::from),
            prop::collection::vec(-10.0..10.0f64, n),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn log_loss_derivatives((x, labels, w, _) in linear_problem(), intercept in any::<bool>()) {
        let y: Array1<f64> = labels.iter().map(|&l| f64::from(u8::from(l))).collect();
        let loss = LogLoss::new(&x, &y).unwrap().fit_intercept(intercept);
        let w = if intercept { w } else { w.slice(ndarray::s![..x.ncols()]).to_owned() };
        check_vector(&loss, &w, 1e-6);
    }

    #[test]
    fn mean_squared_error_derivatives((x, _, w, targets) in linear_problem(), intercept in any::<bool>()) {
        let y = Array1::from(targets);
        let loss = MeanSquaredError::new(&x, &y).unwrap().fit_intercept(intercept);
        let w = if intercept { w } else { w.slice(ndarray::s![..x.ncols()]).to_owned() };
        check_vector(&loss, &w, 1e-6);
    }

    #[test]
    fn l2_penalized_derivatives((x, labels, w, targets) in linear_problem(), log_c in -3.0..3.0f64) {
        let c = 10f64.powf(log_c);
        let y: Array1<f64> = labels.iter().map(|&l| f64::from(u8::from(l))).collect();
        check_vector(&L2Regularized::with_c(LogLoss::new(&x, &y).unwrap(), c).unwrap(), &w, 1e-6);
        let t = Array1::from(targets);
        check_vector(&L2Regularized::with_c(MeanSquaredError::new(&x, &t).unwrap(), c).unwrap(), &w, 1e-6);
        let all = L2Regularized::new(MeanSquaredError::new(&x, &t).unwrap(), 1.0 / c).unwrap();
        check_vector(&all, &w, 1e-6);
    }

    #[test]
    fn standardized_derivatives(
        (x, labels, w, _) in linear_problem(),
        intercept in any::<bool>(),
        mean in prop::collection::vec(-5.0..5.0f64, 4),
        log_scale in prop::collection::vec(-1.5..1.5f64, 4),
    ) {
        let y: Array1<f64> = labels.iter().map(|&l| f64::from(u8::from(l))).collect();
        let p = x.ncols();
        let loss = LogLoss::new(&x, &y).unwrap().fit_intercept(intercept);
        let f = L2Regularized::with_c(loss, 0.5).unwrap();
        let mean = Array1::from(mean[..p].to_vec());
        let scale = Array1::from(log_scale[..p].to_vec()).mapv(|l| 10f64.powf(l));
        let g = Standardized::with_scale(&f, &mean, &scale).unwrap();
        let v = if intercept { w } else { w.slice(ndarray::s![..p]).to_owned() };
        // Scales within 10^±1.5: the difference step in the original coordinates stays small
        // enough for the central difference's truncation error to sit below the tolerance.
        check_vector(&g, &v, 1e-6);
        let back = g.from_original(&g.to_original(&v));
        prop_assert!((&back - &v).iter().all(|d| d.abs() <= 1e-9 * (1.0 + v.iter().fold(0.0f64, |m, x| m.max(x.abs())))));
    }

    #[test]
    fn rosenbrock_derivatives(x in prop::collection::vec(-2.0..2.0f64, 2..12)) {
        let f = Rosenbrock::new(x.len()).unwrap();
        check_vector(&f, &Array1::from(x), 1e-6);
    }

    #[test]
    fn quadratic_form_derivatives(m in prop::collection::vec(-1.0..1.0f64, 9), b in prop::collection::vec(-1.0..1.0f64, 3), x in prop::collection::vec(-5.0..5.0f64, 3)) {
        let m = Array2::from_shape_vec((3, 3), m).unwrap();
        let a = m.t().dot(&m) + Array2::<f64>::eye(3);
        let f = QuadraticForm::new(a, Array1::from(b)).unwrap();
        check_vector(&f, &Array1::from(x), 1e-6);
    }

    #[test]
    fn named_scalar_function_derivatives(x in -4.0..4.0f64, m in -2.0..2.0f64, tilt in -1.0..1.0f64) {
        check_scalar(&Parabola::new(1.5, m), x, 1e-7);
        check_scalar(&DoubleWell::new(tilt), x, 1e-7);
        check_scalar(&Quartic::new(m), x, 1e-7);
        check_scalar(&GaussianWell::new(m), x, 1e-7);
    }

    #[test]
    fn automatic_derivatives(x in -3.0..3.0f64, a in 0.1..3.0f64) {
        check_scalar(&AutoDiff::new(move |t: Dual2_64| (t * a).sin() * t.exp()), x, 1e-7);
        check_scalar(&AutoDiff::new(move |t: Dual2_64| (t * t + a).ln() - t.powi(3) / a), x, 1e-7);
        check_scalar(&AutoDiff::new(|t: Dual2_64| (t.powi(2) + 1.0).sqrt() + (-t).exp()), x, 1e-7);
        // Automatic derivatives agree with the hand-written ones of the named functions.
        let well = DoubleWell::new(a - 1.5);
        let auto = AutoDiff::new(move |t: Dual2_64| (t * t - 1.0).powi(2) + t * (a - 1.5));
        prop_assert!(close(auto.gradient(&x), well.gradient(&x), 1e-12));
        prop_assert!(close(auto.hessian(&x), well.hessian(&x), 1e-12));
    }

    #[test]
    fn closure_functions_pass_through(x in -3.0..3.0f64) {
        let f = ScalarFunction::new(|t: f64| t.cosh())
            .with_derivative(|t| t.sinh())
            .with_second_derivative(|t| t.cosh());
        check_scalar(&f, x, 1e-7);
    }
}

#[test]
fn log_loss_is_stable_at_extreme_linear_predictors() {
    // z = ±1000 with both labels: finite loss, gradient and Hessian, the exact asymptotes.
    let x = ndarray::array![[1.0], [-1.0], [1.0], [-1.0]];
    let y = ndarray::array![1.0, 0.0, 0.0, 1.0];
    let loss = LogLoss::new(&x, &y).unwrap().fit_intercept(false);
    for w in [1000.0, -1000.0] {
        let w = ndarray::array![w];
        let (value, gradient) = loss.value_and_gradient(&w);
        assert!(close(value, 500.0, 1e-15), "{value}");
        assert!(gradient.iter().all(|g| g.is_finite()));
        assert!(loss.hessian(&w).iter().all(|h| h.is_finite() && *h >= 0.0));
    }
}
