//! The multinomial log loss against finite differences, for random data, labels, parameters
//! (predictors up to ±50), numbers of classes, and with or without intercepts.

use descent_objectives::finite_difference::FiniteDifference;
use descent_objectives::{Gradient, Hessian, L2Regularized, MultinomialLogLoss, Objective};
use ndarray::{Array1, Array2};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Problem {
    x: Array2<f64>,
    labels: Vec<u32>,
    classes: usize,
    params: Array1<f64>,
    intercept: bool,
}

fn problem() -> impl Strategy<Value = Problem> {
    (1usize..30, 1usize..4, 2usize..5, any::<bool>()).prop_flat_map(|(n, p, k, intercept)| {
        let m = k * (p + usize::from(intercept));
        (
            proptest::collection::vec(-3.0..3.0f64, n * p),
            proptest::collection::vec(0..k as u32, n),
            proptest::collection::vec(-5.0..5.0f64, m),
        )
            .prop_map(move |(x, labels, params)| Problem {
                x: Array2::from_shape_vec((n, p), x).unwrap(),
                labels,
                classes: k,
                params: Array1::from(params),
                intercept,
            })
    })
}

fn max_abs(a: &Array1<f64>) -> f64 {
    a.iter().fold(0.0_f64, |m, v| m.max(v.abs()))
}

proptest! {
    #[test]
    fn gradient_and_hessian_match_finite_differences(pr in problem()) {
        let loss = MultinomialLogLoss::new(&pr.x, pr.labels.as_slice(), pr.classes)
            .unwrap()
            .fit_intercept(pr.intercept);
        prop_assert_eq!(loss.dimension(), Some(pr.params.len()));
        let (value, g) = loss.value_and_gradient(&pr.params);
        prop_assert!(value.is_finite() && value >= 0.0);
        let numeric = FiniteDifference::new(&loss).gradient(&pr.params);
        prop_assert!(max_abs(&(&g - &numeric)) < 1e-6 * (1.0 + max_abs(&g)));

        let h = loss.hessian(&pr.params);
        let step = 1e-6;
        for j in 0..pr.params.len() {
            let (mut ahead, mut behind) = (pr.params.clone(), pr.params.clone());
            ahead[j] += step;
            behind[j] -= step;
            let column = (loss.gradient(&ahead) - loss.gradient(&behind)) / (2.0 * step);
            let err = max_abs(&(&h.column(j).to_owned() - &column));
            prop_assert!(err < 1e-6, "column {}: {}", j, err);
        }
        let v = Array1::from_shape_fn(pr.params.len(), |i| (i as f64).cos());
        prop_assert!(max_abs(&(loss.hessian_times(&pr.params, &v) - h.dot(&v))) < 1e-12);
    }

    #[test]
    fn the_l2_penalty_covers_the_coefficients_not_the_intercepts(pr in problem()) {
        let loss = MultinomialLogLoss::new(&pr.x, pr.labels.as_slice(), pr.classes)
            .unwrap()
            .fit_intercept(pr.intercept);
        let n = pr.x.nrows() as f64;
        let coefficients = pr.classes * pr.x.ncols();
        let penalized = L2Regularized::with_c(&loss, 0.5).unwrap();
        let w = pr.params.slice(ndarray::s![..coefficients]);
        let expected = loss.value(&pr.params) + w.dot(&w) / (2.0 * 0.5 * n);
        prop_assert!((penalized.value(&pr.params) - expected).abs() < 1e-12 * expected.max(1.0));
    }
}

proptest! {
    /// Weak duality: the gap at a point `a` is `P(a) − D(U_a)` for a dual-feasible `U_a`, so
    /// every point `b` has `P(b) ≥ D(U_a) = P(a) − gap(a)`; and the gap is never negative.
    #[test]
    fn the_duality_gap_bounds_every_point_from_below(
        pr in problem(),
        other in proptest::collection::vec(-5.0..5.0f64, 64),
        l1 in 0.0..0.5f64,
        l2 in 0.0..0.5f64,
    ) {
        use descent_objectives::{ElasticNet, Smooth};
        let loss = MultinomialLogLoss::new(&pr.x, pr.labels.as_slice(), pr.classes)
            .unwrap()
            .fit_intercept(pr.intercept);
        let coefficients = pr.classes * pr.x.ncols();
        let penalty = ElasticNet::new(l1, l2, coefficients).unwrap();
        let primal = |x: &Array1<f64>| loss.value(x) + penalty.value(x);
        if let Some(gap) = loss.duality_gap(&pr.params, &penalty) {
            prop_assert!(gap >= 0.0);
            let b = Array1::from_iter(other.iter().copied().take(pr.params.len()));
            prop_assume!(b.len() == pr.params.len());
            let dual = primal(&pr.params) - gap;
            prop_assert!(primal(&b) >= dual - 1e-9 * dual.abs().max(1.0), "{} < {}", primal(&b), dual);
        }
    }
}
