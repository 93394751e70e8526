//! Categorical columns stored as codes against the same model on the explicitly one-hot
//! encoded dense matrix: value, gradient, Hessian, Hessian blocks, the L1 threshold, the
//! duality gaps and the column statistics agree to 1e-12, for random levels (reference rows
//! included), both losses, with and without an intercept, and with or without dense columns.

use descent_objectives::{
    Categorical, ColumnStatistics, DesignMatrix, ElasticNet, Gradient, Hessian, HessianBlock,
    LinearModelLoss, LogLoss, MeanSquaredError, Objective, Smooth, Standardized,
};
use ndarray::{Array1, Array2};
use proptest::prelude::*;

/// A problem: dense values, categorical columns (codes, levels), targets, parameters.
#[derive(Debug, Clone)]
struct Problem {
    dense: Array2<f64>,
    columns: Vec<(Vec<u32>, usize)>,
    y_binary: Array1<f64>,
    y_real: Array1<f64>,
    params: Array1<f64>,
}

impl Problem {
    fn design(&self) -> DesignMatrix<'_> {
        let columns = self
            .columns
            .iter()
            .map(|(codes, levels)| Categorical::new(codes.as_slice(), *levels).unwrap())
            .collect();
        DesignMatrix::new(&self.dense, columns).unwrap()
    }

    /// The dense block followed by one indicator column per level.
    fn one_hot(&self) -> Array2<f64> {
        let n = self.dense.nrows();
        let width: usize = self.columns.iter().map(|c| c.1).sum();
        let p = self.dense.ncols();
        let mut x = Array2::zeros((n, p + width));
        x.slice_mut(ndarray::s![.., ..p]).assign(&self.dense);
        let mut start = p;
        for (codes, levels) in &self.columns {
            for (i, &code) in codes.iter().enumerate() {
                if code != Categorical::NONE {
                    x[[i, start + code as usize]] = 1.0;
                }
            }
            start += levels;
        }
        x
    }
}

fn problem() -> impl Strategy<Value = Problem> {
    (1usize..40, 0usize..4, 1usize..4).prop_flat_map(|(n, p, k)| {
        let levels = proptest::collection::vec(1usize..6, k);
        (Just(n), Just(p), levels).prop_flat_map(move |(n, p, levels)| {
            let width: usize = levels.iter().sum();
            let columns: Vec<_> = levels
                .iter()
                .map(|&l| {
                    // Codes up to `l` inclusive: `l` stands for the reference level (NONE).
                    proptest::collection::vec(0..=l as u32, n).prop_map(move |codes| {
                        let codes = codes
                            .into_iter()
                            .map(|c| {
                                if c as usize == l {
                                    Categorical::NONE
                                } else {
                                    c
                                }
                            })
                            .collect::<Vec<_>>();
                        (codes, l)
                    })
                })
                .collect();
            (
                proptest::collection::vec(-3.0..3.0f64, n * p),
                columns,
                proptest::collection::vec(0..2u8, n),
                proptest::collection::vec(-5.0..5.0f64, n),
                proptest::collection::vec(-1.5..1.5f64, p + width + 1),
            )
                .prop_map(move |(dense, columns, yb, yr, params)| Problem {
                    dense: Array2::from_shape_vec((n, p), dense).unwrap(),
                    columns,
                    y_binary: yb.into_iter().map(f64::from).collect(),
                    y_real: Array1::from(yr),
                    params: Array1::from(params),
                })
        })
    })
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * (1.0 + a.abs().max(b.abs()))
}

fn all_close(a: &Array1<f64>, b: &Array1<f64>) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(&u, &v)| close(u, v))
}

fn all_close2(a: &Array2<f64>, b: &Array2<f64>) -> bool {
    a.dim() == b.dim() && a.iter().zip(b).all(|(&u, &v)| close(u, v))
}

/// Every comparison for one loss built on the codes (`coded`) and on the one-hot matrix.
fn agree<L>(coded: &L, dense: &L, params: &Array1<f64>) -> Result<(), TestCaseError>
where
    L: Hessian<Param = Array1<f64>>
        + Gradient<Param = Array1<f64>>
        + HessianBlock
        + Smooth
        + LinearModelLoss,
{
    prop_assert_eq!(coded.n_features(), dense.n_features());
    prop_assert!(close(coded.value(params), dense.value(params)));
    let (v1, g1) = coded.value_and_gradient(params);
    let (v2, g2) = dense.value_and_gradient(params);
    prop_assert!(close(v1, v2));
    prop_assert!(all_close(&g1, &g2), "{g1} vs {g2}");
    prop_assert!(all_close2(&coded.hessian(params), &dense.hessian(params)));
    let m = params.len();
    let block: Vec<usize> = (0..m).filter(|j| j % 2 == 1 || *j + 1 == m).collect();
    prop_assert!(all_close2(
        &coded.hessian_block(params, &block),
        &dense.hessian_block(params, &block)
    ));
    let penalty = ElasticNet::new(0.05, 0.02, coded.n_features()).unwrap();
    match (
        coded.duality_gap(params, &penalty),
        dense.duality_gap(params, &penalty),
    ) {
        (Some(a), Some(b)) => prop_assert!(close(a, b), "{a} vs {b}"),
        (a, b) => prop_assert_eq!(a.is_some(), b.is_some()),
    }
    let (s1, s2) = (coded.column_statistics(), dense.column_statistics());
    if let (Some(s1), Some(s2)) = (s1, s2) {
        prop_assert!(all_close(&s1.mean, &s2.mean));
        prop_assert!(all_close(&s1.std, &s2.std));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn codes_agree_with_the_one_hot_matrix(problem in problem(), intercept in any::<bool>()) {
        let x = problem.one_hot();
        let m = x.ncols() + usize::from(intercept);
        let params = problem.params.slice(ndarray::s![..m]).to_owned();

        let coded = LogLoss::new(problem.design(), &problem.y_binary).unwrap().fit_intercept(intercept);
        let dense = LogLoss::new(&x, &problem.y_binary).unwrap().fit_intercept(intercept);
        agree(&coded, &dense, &params)?;
        prop_assert!(close(coded.l1_threshold(), dense.l1_threshold()));

        let coded = MeanSquaredError::new(problem.design(), &problem.y_real).unwrap().fit_intercept(intercept);
        let dense = MeanSquaredError::new(&x, &problem.y_real).unwrap().fit_intercept(intercept);
        agree(&coded, &dense, &params)?;
        prop_assert!(close(coded.l1_threshold(), dense.l1_threshold()));

        // Preconditioned: the statistics of the indicators are those of the one-hot columns.
        let stats = ColumnStatistics::of(&x).unwrap();
        let full = coded.column_statistics().unwrap();
        prop_assert!(all_close(&full.mean, &stats.mean));
        prop_assert!(all_close(&full.std, &stats.std));
        prop_assert_eq!(&full.constant, &stats.constant);
        let s1 = Standardized::new(&coded, full).unwrap();
        let s2 = Standardized::new(&dense, &stats).unwrap();
        let (v1, g1) = s1.value_and_gradient(&params);
        let (v2, g2) = s2.value_and_gradient(&params);
        prop_assert!(close(v1, v2));
        prop_assert!(all_close(&g1, &g2));
    }
}

#[test]
fn a_code_beyond_the_levels_is_an_error_and_so_is_a_column_of_another_length() {
    assert!(Categorical::new(vec![0, 3], 3).is_err());
    assert!(Categorical::new(vec![0, Categorical::NONE, 2], 3).is_ok());
    let dense = Array2::<f64>::zeros((3, 1));
    let short = Categorical::new(vec![0, 1], 2).unwrap();
    assert!(DesignMatrix::new(&dense, vec![short]).is_err());
}

#[test]
fn a_design_of_only_categorical_columns_fits_its_level_means() {
    // With one categorical column and no dense ones, least squares fits each level's mean.
    let dense = Array2::<f64>::zeros((5, 0));
    let codes = Categorical::new(vec![Categorical::NONE, 0, 0, 1, 1], 2).unwrap();
    let y = Array1::from(vec![1.0, 2.0, 4.0, 10.0, 12.0]);
    let loss = MeanSquaredError::new(DesignMatrix::new(&dense, vec![codes]).unwrap(), &y).unwrap();
    // b = 1 (the reference level), w₀ = 3 − 1, w₁ = 11 − 1: every residual of each level's
    // mean is ±1 or 0, and the gradient is zero.
    let at = Array1::from(vec![2.0, 10.0, 1.0]);
    assert!(loss.gradient(&at).iter().all(|g| g.abs() < 1e-15));
    assert!((loss.value(&at) - 4.0 / 5.0).abs() < 1e-15);
}
