//! Sample weights against their meaning: a loss with whole-number weights `sᵢ` is the loss of
//! the data with row `i` repeated `sᵢ` times (a zero weight drops the row). Value, gradient,
//! Hessian, Hessian blocks, the L1 threshold, the L2 penalty's strength and the duality gap
//! agree with the repeated data for random problems, for the three losses, with and without
//! intercepts, for every storage the kernels read (row-major, column-major, `f32`,
//! categorical columns), and unit weights give the unweighted loss to the bit.

use descent_objectives::{
    Categorical, DesignMatrix, ElasticNet, Gradient, Hessian, HessianBlock, L2Regularized,
    LinearModelLoss, LogLoss, MeanSquaredError, MultinomialLogLoss, Objective, ObjectiveError,
    Smooth,
};
use ndarray::{Array1, Array2, Axis, ShapeBuilder};
use proptest::prelude::*;

#[derive(Debug, Clone, Copy)]
enum Storage {
    RowMajor,
    ColumnMajor,
    F32,
}

#[derive(Debug, Clone)]
struct Problem {
    x: Array2<f64>,
    weights: Vec<usize>,
    y_binary: Array1<f64>,
    y_real: Array1<f64>,
    labels: Vec<u32>,
    classes: usize,
    codes: Vec<u32>,
    params: Array1<f64>,
    intercept: bool,
    storage: Storage,
}

/// Levels of the categorical column in [`Problem::codes`].
const LEVELS: usize = 3;

impl Problem {
    fn weights(&self) -> Array1<f64> {
        self.weights.iter().map(|&s| s as f64).collect()
    }

    /// Each row index repeated by its weight.
    fn repeated_rows(&self) -> Vec<usize> {
        (0..self.weights.len())
            .flat_map(|i| std::iter::repeat_n(i, self.weights[i]))
            .collect()
    }

    fn repeat<T: Clone>(&self, values: &[T]) -> Vec<T> {
        self.repeated_rows()
            .into_iter()
            .map(|i| values[i].clone())
            .collect()
    }

    fn repeated_x(&self) -> Array2<f64> {
        self.x.select(Axis(0), &self.repeated_rows())
    }

    /// `x` stored as this problem's storage says (values representable in `f32`).
    fn stored(x: &Array2<f64>, storage: Storage) -> Stored {
        match storage {
            Storage::RowMajor => Stored::F64(x.clone()),
            Storage::ColumnMajor => {
                let mut f = Array2::zeros(x.dim().f());
                f.assign(x);
                Stored::F64(f)
            }
            Storage::F32 => Stored::F32(x.mapv(|v| v as f32)),
        }
    }

    fn binary_params(&self, p: usize) -> Array1<f64> {
        self.params
            .slice(ndarray::s![..p + usize::from(self.intercept)])
            .to_owned()
    }
}

enum Stored {
    F64(Array2<f64>),
    F32(Array2<f32>),
}

impl Stored {
    fn design(&self) -> DesignMatrix<'_> {
        match self {
            Stored::F64(x) => x.into(),
            Stored::F32(x) => x.into(),
        }
    }
    fn features(&self) -> descent_objectives::Features<'_> {
        match self {
            Stored::F64(x) => x.into(),
            Stored::F32(x) => x.into(),
        }
    }
}

fn problem() -> impl Strategy<Value = Problem> {
    let storage = prop_oneof![
        Just(Storage::RowMajor),
        Just(Storage::ColumnMajor),
        Just(Storage::F32)
    ];
    (1usize..30, 1usize..4, 2usize..5, any::<bool>(), storage).prop_flat_map(
        |(n, p, classes, intercept, storage)| {
            (
                // Multiples of 1/8, exact in f32, so that every storage holds the same values.
                proptest::collection::vec(-24i32..24, n * p),
                proptest::collection::vec(0usize..4, n),
                proptest::collection::vec(0..2u8, n),
                proptest::collection::vec(-3.0..3.0f64, n),
                proptest::collection::vec(0..classes as u32, n),
                proptest::collection::vec(0..LEVELS as u32, n),
                proptest::collection::vec(-1.5..1.5f64, classes * (p + LEVELS + 1)),
            )
                .prop_map(
                    move |(x, mut weights, y_binary, y_real, labels, codes, params)| {
                        // At least one row of weight at least 1.
                        weights[0] = weights[0].max(1);
                        Problem {
                            x: Array2::from_shape_vec((n, p), x)
                                .unwrap()
                                .mapv(|v| f64::from(v) / 8.0),
                            weights,
                            y_binary: y_binary.into_iter().map(f64::from).collect(),
                            y_real: Array1::from(y_real),
                            labels,
                            classes,
                            codes,
                            params: Array1::from(params),
                            intercept,
                            storage,
                        }
                    },
                )
        },
    )
}

/// `x` with one categorical column of [`LEVELS`] levels.
fn design(x: &Array2<f64>, codes: Vec<u32>) -> DesignMatrix<'_> {
    let column = Categorical::new(codes, LEVELS).unwrap();
    DesignMatrix::new(x, vec![column]).unwrap()
}

fn max_abs(a: &Array1<f64>) -> f64 {
    a.iter().fold(0.0_f64, |m, v| m.max(v.abs()))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-11 * (1.0 + a.abs().max(b.abs()))
}

fn close_vectors(a: &Array1<f64>, b: &Array1<f64>) -> bool {
    a.len() == b.len() && max_abs(&(a - b)) <= 1e-11 * (1.0 + max_abs(a).max(max_abs(b)))
}

fn close_matrices(a: &Array2<f64>, b: &Array2<f64>) -> bool {
    let flat = |m: &Array2<f64>| m.iter().copied().collect::<Array1<f64>>();
    a.dim() == b.dim() && close_vectors(&flat(a), &flat(b))
}

/// The checks every binary linear-model loss must pass against its repeated-rows twin.
fn agree<O>(weighted: &O, repeated: &O, params: &Array1<f64>) -> Result<(), TestCaseError>
where
    O: LinearModelLoss + Hessian + HessianBlock + Smooth,
{
    prop_assert!(close(
        weighted.sample_weight_sum(),
        repeated.n_samples() as f64
    ));
    prop_assert!(close(weighted.value(params), repeated.value(params)));
    let (v, g) = weighted.value_and_gradient(params);
    let (rv, rg) = repeated.value_and_gradient(params);
    prop_assert!(close(v, rv), "{} against {}", v, rv);
    prop_assert!(close_vectors(&g, &rg), "{} against {}", g, rg);
    prop_assert!(close_matrices(
        &weighted.hessian(params),
        &repeated.hessian(params)
    ));
    let block = [0, params.len() - 1];
    prop_assert!(close_matrices(
        &weighted.hessian_block(params, &block),
        &repeated.hessian_block(params, &block)
    ));
    let penalty = ElasticNet::new(0.05, 0.01, weighted.n_features()).unwrap();
    let (a, b) = (
        weighted.duality_gap(params, &penalty),
        repeated.duality_gap(params, &penalty),
    );
    match (a, b) {
        (Some(a), Some(b)) => prop_assert!((a - b).abs() <= 1e-9 * (1.0 + b), "{} {}", a, b),
        (a, b) => prop_assert_eq!(a.is_some(), b.is_some()),
    }
    // The L2 penalty of `C` weighs the same total.
    let (pw, pr) = (
        L2Regularized::with_c(weighted, 0.7).unwrap(),
        L2Regularized::with_c(repeated, 0.7).unwrap(),
    );
    prop_assert!(close(pw.value(params), pr.value(params)));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn weighted_log_loss_is_the_loss_of_repeated_rows(pr in problem()) {
        let p = pr.x.ncols();
        let params = pr.binary_params(p);
        let (s, x) = (pr.weights(), Problem::stored(&pr.x, pr.storage));
        let weighted = LogLoss::new(x.design(), &pr.y_binary).unwrap()
            .fit_intercept(pr.intercept)
            .sample_weight(&s).unwrap();
        let (xr, yr) = (pr.repeated_x(), Array1::from(pr.repeat(pr.y_binary.as_slice().unwrap())));
        let repeated = LogLoss::new(&xr, &yr).unwrap().fit_intercept(pr.intercept);
        agree(&weighted, &repeated, &params)?;
        prop_assert!(close(weighted.l1_threshold(), repeated.l1_threshold()));
    }

    #[test]
    fn weighted_squared_error_is_the_error_of_repeated_rows(pr in problem()) {
        let p = pr.x.ncols();
        let params = pr.binary_params(p);
        let (s, x) = (pr.weights(), Problem::stored(&pr.x, pr.storage));
        let weighted = MeanSquaredError::new(x.design(), &pr.y_real).unwrap()
            .fit_intercept(pr.intercept)
            .sample_weight(&s).unwrap();
        let (xr, yr) = (pr.repeated_x(), Array1::from(pr.repeat(pr.y_real.as_slice().unwrap())));
        let repeated = MeanSquaredError::new(&xr, &yr).unwrap().fit_intercept(pr.intercept);
        agree(&weighted, &repeated, &params)?;
        prop_assert!(close(weighted.l1_threshold(), repeated.l1_threshold()));
    }

    #[test]
    fn weighted_categorical_designs_are_the_designs_of_repeated_rows(pr in problem()) {
        let p = pr.x.ncols();
        let params = pr.params.slice(ndarray::s![..p + LEVELS + usize::from(pr.intercept)])
            .to_owned();
        let s = pr.weights();
        let (xr, codes) = (pr.repeated_x(), pr.repeat(&pr.codes));
        let yr = Array1::from(pr.repeat(pr.y_binary.as_slice().unwrap()));
        let weighted = LogLoss::new(design(&pr.x, pr.codes.clone()), &pr.y_binary).unwrap()
            .fit_intercept(pr.intercept)
            .sample_weight(&s).unwrap();
        let repeated = LogLoss::new(design(&xr, codes.clone()), &yr).unwrap()
            .fit_intercept(pr.intercept);
        agree(&weighted, &repeated, &params)?;
        let yr = Array1::from(pr.repeat(pr.y_real.as_slice().unwrap()));
        let weighted = MeanSquaredError::new(design(&pr.x, pr.codes.clone()), &pr.y_real)
            .unwrap()
            .fit_intercept(pr.intercept)
            .sample_weight(&s).unwrap();
        let repeated = MeanSquaredError::new(design(&xr, codes), &yr).unwrap()
            .fit_intercept(pr.intercept);
        agree(&weighted, &repeated, &params)?;
    }

    #[test]
    fn weighted_multinomial_loss_is_the_loss_of_repeated_rows(pr in problem()) {
        let (k, p) = (pr.classes, pr.x.ncols());
        let params = pr.params.slice(ndarray::s![..k * (p + usize::from(pr.intercept))])
            .to_owned();
        let (s, x) = (pr.weights(), Problem::stored(&pr.x, pr.storage));
        let weighted = MultinomialLogLoss::new(x.features(), pr.labels.as_slice(), k).unwrap()
            .fit_intercept(pr.intercept)
            .sample_weight(&s).unwrap();
        let (xr, labels) = (pr.repeated_x(), pr.repeat(&pr.labels));
        let repeated = MultinomialLogLoss::new(&xr, labels, k).unwrap()
            .fit_intercept(pr.intercept);
        prop_assert!(close(weighted.value(&params), repeated.value(&params)));
        let (v, g) = weighted.value_and_gradient(&params);
        let (rv, rg) = repeated.value_and_gradient(&params);
        prop_assert!(close(v, rv));
        prop_assert!(close_vectors(&g, &rg));
        prop_assert!(close_matrices(&weighted.hessian(&params), &repeated.hessian(&params)));
        let direction = params.mapv(|v| (3.0 * v).sin());
        prop_assert!(close_vectors(
            &weighted.hessian_times(&params, &direction),
            &repeated.hessian_times(&params, &direction)
        ));
        let penalty = ElasticNet::new(0.05, 0.01, k * p).unwrap();
        match (weighted.duality_gap(&params, &penalty), repeated.duality_gap(&params, &penalty)) {
            (Some(a), Some(b)) => prop_assert!((a - b).abs() <= 1e-9 * (1.0 + b), "{} {}", a, b),
            (a, b) => prop_assert_eq!(a.is_some(), b.is_some()),
        }
    }
}

#[test]
fn unit_weights_give_the_unweighted_loss_to_the_bit() {
    // Past one chunk of rows, so that the threads' chunks and the kernels' blocks are used.
    let (n, p) = (9_001, 7);
    let x = Array2::from_shape_fn((n, p), |(i, j)| ((i * 31 + j * 17) as f64 * 0.013).sin());
    let y = Array1::from_shape_fn(n, |i| f64::from((i * 7) % 3 == 0));
    let params = Array1::from_shape_fn(p + 1, |j| 0.3 - 0.1 * j as f64);
    let ones = Array1::ones(n);
    let plain = LogLoss::new(&x, &y).unwrap();
    let weighted = LogLoss::new(&x, &y).unwrap().sample_weight(&ones).unwrap();
    assert_eq!(
        plain.value_and_gradient(&params),
        weighted.value_and_gradient(&params)
    );
    assert_eq!(plain.hessian(&params), weighted.hessian(&params));
    let plain = MeanSquaredError::new(&x, &y).unwrap();
    let weighted = MeanSquaredError::new(&x, &y)
        .unwrap()
        .sample_weight(&ones)
        .unwrap();
    assert_eq!(
        plain.value_and_gradient(&params),
        weighted.value_and_gradient(&params)
    );
    assert_eq!(plain.hessian(&params), weighted.hessian(&params));
}

#[test]
fn weighted_results_do_not_depend_on_the_thread_count() {
    let (n, p) = (20_000, 9);
    let x = Array2::from_shape_fn((n, p), |(i, j)| ((i * 13 + j * 5) as f64 * 0.007).cos());
    let y = Array1::from_shape_fn(n, |i| f64::from((i * 11) % 5 < 2));
    let s = Array1::from_shape_fn(n, |i| ((i * 3) % 7) as f64 * 0.5);
    let labels: Vec<u32> = (0..n).map(|i| ((i * 5) % 4) as u32).collect();
    let params = Array1::from_shape_fn(p + 1, |j| 0.2 - 0.05 * j as f64);
    let wide = Array1::from_shape_fn(4 * (p + 1), |j| ((j as f64) * 0.37).sin() * 0.3);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let binary = LogLoss::new(&x, &y).unwrap().sample_weight(&s).unwrap();
            let multi = MultinomialLogLoss::new(&x, labels.as_slice(), 4)
                .unwrap()
                .sample_weight(&s)
                .unwrap();
            (
                binary.value_and_gradient(&params),
                binary.hessian(&params),
                multi.value_and_gradient(&wide),
                multi.hessian(&wide),
            )
        })
    };
    assert_eq!(run(1), run(3));
}

#[test]
fn bad_weights_are_refused_with_the_row() {
    let x = ndarray::array![[1.0], [2.0], [3.0]];
    let y = ndarray::array![0.0, 1.0, 1.0];
    let short = ndarray::array![1.0, 2.0];
    assert!(matches!(
        LogLoss::new(&x, &y).unwrap().sample_weight(&short),
        Err(ObjectiveError::ShapeMismatch {
            expected: 3,
            found: 2,
            ..
        })
    ));
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        let weights = ndarray::array![1.0, bad, 1.0];
        let e = LogLoss::new(&x, &y)
            .unwrap()
            .sample_weight(&weights)
            .unwrap_err();
        assert!(
            matches!(e, ObjectiveError::InvalidSampleWeight { row: 1, .. }),
            "{e}"
        );
    }
    let zeros = ndarray::array![0.0, 0.0, 0.0];
    let e = LogLoss::new(&x, &y)
        .unwrap()
        .sample_weight(&zeros)
        .unwrap_err();
    assert!(e.to_string().contains("sum of the sample weights"), "{e}");
    let negative = ndarray::array![1.0, -0.5, 1.0];
    let e = MultinomialLogLoss::new(&x, &[0u32, 1, 2][..], 3)
        .unwrap()
        .sample_weight(&negative)
        .unwrap_err();
    assert!(matches!(
        e,
        ObjectiveError::InvalidSampleWeight { row: 1, .. }
    ));
}
