//! Models fitted on a design with categorical columns (codes) against the same models on the
//! explicitly one-hot encoded matrix: same coefficients, predictions and verdicts.

use descent_models::{LinearRegression, LogisticRegression, ModelError, Solver};
use descent_objectives::{Categorical, DesignMatrix};
use ndarray::{s, Array1, Array2};

/// 300 rows: two dense columns, a 4-level column (3 coefficients) and a 3-level one (2),
/// level 0 of each the reference.
fn problem() -> (Array2<f64>, Vec<Vec<u32>>, Array1<f64>, Array1<f64>) {
    let n = 300;
    let dense = Array2::from_shape_fn((n, 2), |(i, j)| ((i * (j + 3)) as f64 * 0.37).sin() * 2.0);
    let a: Vec<u32> = (0..n).map(|i| ((i * 7 + i / 5) % 4) as u32).collect();
    let b: Vec<u32> = (0..n).map(|i| ((i * 5 + i / 7) % 3) as u32).collect();
    let effect_a = [0.0, 0.8, -0.6, 1.2];
    let effect_b = [0.0, -0.9, 0.4];
    let z: Array1<f64> = (0..n)
        .map(|i| {
            0.7 * dense[[i, 0]] - 0.4 * dense[[i, 1]]
                + effect_a[a[i] as usize]
                + effect_b[b[i] as usize]
                + 0.2
        })
        .collect();
    let noise = |i: usize| ((i as f64) * 1.618).sin();
    let y_binary = z
        .iter()
        .enumerate()
        .map(|(i, &z)| f64::from(z + 1.5 * noise(i) > 0.0))
        .collect();
    let y_real = z
        .iter()
        .enumerate()
        .map(|(i, &z)| z + 0.3 * noise(i))
        .collect();
    (dense, vec![a, b], y_binary, y_real)
}

/// Drop-first codes (level 0 the reference) and their one-hot matrix.
fn encode(dense: &Array2<f64>, columns: &[Vec<u32>]) -> (Vec<Categorical<'static>>, Array2<f64>) {
    let levels: Vec<usize> = columns
        .iter()
        .map(|c| *c.iter().max().unwrap() as usize)
        .collect();
    let width: usize = levels.iter().sum();
    let n = dense.nrows();
    let p = dense.ncols();
    let mut x = Array2::zeros((n, p + width));
    x.slice_mut(s![.., ..p]).assign(dense);
    let mut coded = Vec::new();
    let mut start = p;
    for (codes, &l) in columns.iter().zip(&levels) {
        let shifted: Vec<u32> = codes
            .iter()
            .map(|&c| if c == 0 { Categorical::NONE } else { c - 1 })
            .collect();
        for (i, &c) in shifted.iter().enumerate() {
            if c != Categorical::NONE {
                x[[i, start + c as usize]] = 1.0;
            }
        }
        coded.push(Categorical::new(shifted, l).unwrap());
        start += l;
    }
    (coded, x)
}

fn max_difference(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    a.iter()
        .zip(b)
        .map(|(u, v)| (u - v).abs())
        .fold(0.0, f64::max)
}

#[test]
fn logistic_regression_on_codes_matches_the_one_hot_fit() -> Result<(), ModelError> {
    let (dense, columns, y, _) = problem();
    let (coded, one_hot) = encode(&dense, &columns);
    for solver in [Solver::Newton, Solver::Lbfgs] {
        let model = LogisticRegression::new().c(0.5).tol(1e-8).solver(solver);
        let design = DesignMatrix::new(&dense, coded.clone())?;
        let a = model.fit(&design, y.view())?;
        let b = model.fit(&one_hot, y.view())?;
        assert!(
            a.report.converged(),
            "{:?} {:?} {:?}",
            a.report.termination,
            b.report.termination,
            a.report.gradient_norm
        );
        assert!(
            max_difference(&a.coef, &b.coef) < 1e-7,
            "{} vs {}",
            a.coef,
            b.coef
        );
        assert!((a.intercept - b.intercept).abs() < 1e-8);
        let pa = a.predict_proba(&design)?;
        let pb = b.predict_proba(&one_hot)?;
        assert!(max_difference(&pa, &pb) < 1e-8);
        assert_eq!(a.coef.len(), 2 + 3 + 2);
    }
    // An L1 fit with the proximal Newton solver on codes.
    let model = LogisticRegression::new()
        .penalty(descent_models::Penalty::L1)
        .c(0.05)
        .tol(1e-10);
    let a = model.fit(DesignMatrix::new(&dense, coded.clone())?, y.view())?;
    let b = model.fit(&one_hot, y.view())?;
    assert!(
        max_difference(&a.coef, &b.coef) < 1e-6,
        "{} vs {}",
        a.coef,
        b.coef
    );
    Ok(())
}

#[test]
fn linear_regression_on_codes_matches_least_squares_on_the_one_hot_matrix() -> Result<(), ModelError>
{
    let (dense, columns, _, y) = problem();
    let (coded, one_hot) = encode(&dense, &columns);
    let design = DesignMatrix::new(&dense, coded.clone())?;
    // The default solver for codes is iterative (Newton here); least squares on the dense
    // one-hot matrix is the reference.
    let a = LinearRegression::new().tol(1e-12).fit(&design, y.view())?;
    let b = LinearRegression::new().fit(&one_hot, y.view())?;
    assert!(
        max_difference(&a.coef, &b.coef) < 1e-9,
        "{} vs {}",
        a.coef,
        b.coef
    );
    assert!((a.intercept - b.intercept).abs() < 1e-9);
    let predicted = a.predict(&design)?;
    assert!(max_difference(&predicted, &b.predict(&one_hot)?) < 1e-9);
    // Least squares by name is refused rather than expanding the codes.
    let refused = LinearRegression::new()
        .solver(Solver::LeastSquares)
        .fit(&design, y.view());
    assert!(matches!(refused, Err(ModelError::UnsupportedSolver { .. })));
    // Only categorical columns, no dense ones.
    let none = Array2::<f64>::zeros((dense.nrows(), 0));
    let only = LinearRegression::new()
        .tol(1e-12)
        .fit(DesignMatrix::new(&none, coded)?, y.view())?;
    let reference =
        LinearRegression::new().fit(&one_hot.slice(s![.., 2..]).to_owned(), y.view())?;
    assert!(max_difference(&only.coef, &reference.coef) < 1e-9);
    Ok(())
}
