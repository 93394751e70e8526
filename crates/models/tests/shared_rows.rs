//! Fits on rows shared among processes (ranks on threads here; MPI in the command line's
//! `mpi` feature) give the fit of all the rows in one process, to the bit.

use descent_models::{
    ClassWeight, LinearRegression, LogisticRegression, ModelError, Penalty, Solver,
};
use descent_objectives::{ObjectiveError, RowGroup, RowShare, ThreadGroup, ROW_BLOCK};
use descent_solvers::Termination;
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2};
use std::sync::Arc;

/// A seeded problem: `n` rows of `p` features (offset from zero, so that preconditioning
/// matters), labels from a logistic model and targets from a linear one with noise.
fn problem(n: usize, p: usize) -> (Array2<f64>, Array1<f64>, Array1<f64>) {
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let x = Array2::from_shape_fn((n, p), |(_, j)| 3.0 * uniform() - 1.5 + j as f64);
    let w = Array1::from_shape_fn(p, |j| (j as f64 - p as f64 / 2.0) / p as f64);
    let z = x.dot(&w) - w.sum() * (p as f64 - 1.0) / 2.0;
    let labels = z.mapv(|z| f64::from(u8::from(uniform() < 1.0 / (1.0 + (-z).exp())))) * 3.0 + 2.0;
    let targets = z.mapv(|z| 2.0 * z + uniform() - 0.5);
    (x, labels, targets)
}

/// Runs `fit` on each rank of a group of `size` threads, each with its share of `x` and `y`.
fn on_shares<T: Send>(
    size: usize,
    x: ArrayView2<'_, f64>,
    y: ArrayView1<'_, f64>,
    fit: impl Fn(ArrayView2<'_, f64>, ArrayView1<'_, f64>, &RowShare) -> T + Sync,
) -> Vec<T> {
    std::thread::scope(|scope| {
        let fit = &fit;
        let runs: Vec<_> = ThreadGroup::new(size)
            .into_iter()
            .map(|group| {
                scope.spawn(move || {
                    let group: Arc<dyn RowGroup> = Arc::new(group);
                    let (share, rows) = RowShare::even(group, x.nrows()).expect("rows");
                    fit(x.slice(s![rows.clone(), ..]), y.slice(s![rows]), &share)
                })
            })
            .collect();
        runs.into_iter()
            .map(|r| r.join().expect("a rank panicked"))
            .collect()
    })
}

#[test]
fn shared_logistic_fits_are_the_fit_of_all_rows() {
    let n = 4 * ROW_BLOCK + 1234;
    let (x, labels, _) = problem(n, 7);
    for model in [
        LogisticRegression::new().tol(1e-10),
        LogisticRegression::new()
            .solver(Solver::Lbfgs)
            .tol(1e-8)
            .c(0.01),
        LogisticRegression::new()
            .penalty(Penalty::None)
            .solver(Solver::Newton)
            .tol(1e-10),
        LogisticRegression::new()
            .fit_intercept(false)
            .solver(Solver::ConjugateGradient),
        // Without preconditioning the solver works on the features as they are.
        LogisticRegression::new()
            .precondition(false)
            .solver(Solver::Lbfgs)
            .tol(1e-6),
    ] {
        let whole = model.fit(x.view(), labels.view()).expect("whole fit");
        for size in [1, 2, 3, 5] {
            for fit in on_shares(size, x.view(), labels.view(), |x, y, share| {
                model.fit_shared(x, y, share)
            }) {
                let fit = fit.expect("shared fit");
                assert_eq!(fit.coef, whole.coef, "{model:?} on {size}");
                assert_eq!(fit.intercept, whole.intercept);
                assert_eq!(fit.classes, [2.0, 5.0]);
                assert_eq!(fit.report.iterations, whole.report.iterations);
                assert_eq!(fit.report.termination, whole.report.termination);
                assert_eq!(fit.report.value, whole.report.value);
            }
        }
    }
}

#[test]
fn shared_least_squares_is_the_fit_of_all_rows() {
    let n = 3 * ROW_BLOCK + 99;
    let (x, _, targets) = problem(n, 9);
    // Newton is the shared default (the closed forms factor all of X at once).
    for (model, solver) in [
        (LinearRegression::new(), Solver::Newton),
        (LinearRegression::new().precondition(false), Solver::Newton),
        (
            LinearRegression::new()
                .alpha(3.0)
                .solver(Solver::Lbfgs)
                .tol(1e-9),
            Solver::Lbfgs,
        ),
    ] {
        let whole = model
            .clone()
            .solver(solver)
            .fit(x.view(), targets.view())
            .expect("whole fit");
        for size in [1, 2, 4] {
            for fit in on_shares(size, x.view(), targets.view(), |x, y, share| {
                model.fit_shared(x, y, share)
            }) {
                let fit = fit.expect("shared fit");
                assert_eq!((&fit.coef, fit.intercept), (&whole.coef, whole.intercept));
                assert!(fit.report.converged(), "{:?}", fit.report.termination);
            }
        }
    }
}

#[test]
fn weighted_shared_fits_are_the_weighted_fit_of_all_rows() {
    let n = 3 * ROW_BLOCK + 321;
    let (x, labels, targets) = problem(n, 5);
    let weights = Array1::from_shape_fn(n, |i| ((i * 29) % 7) as f64 / 2.0);
    let weighted = |share: &RowShare, rows: std::ops::Range<usize>| {
        (weights.slice(s![rows]).to_owned(), share.clone())
    };
    for model in [
        LogisticRegression::new().tol(1e-10),
        LogisticRegression::new()
            .class_weight(ClassWeight::Balanced)
            .solver(Solver::Lbfgs),
        LogisticRegression::new().class_weight(ClassWeight::Given(vec![(5.0, 3.0)])),
    ] {
        let whole = model
            .fit_weighted(x.view(), labels.view(), weights.view())
            .expect("whole fit");
        for size in [1, 2, 4] {
            for fit in on_shares(size, x.view(), labels.view(), |x, y, share| {
                let first = share.first_row();
                let (w, share) = weighted(share, first..first + y.len());
                model.fit_shared_weighted(x, y, Some(w.view()), &share)
            }) {
                let fit = fit.expect("shared fit");
                assert_eq!(
                    (&fit.coef, fit.intercept),
                    (&whole.coef, whole.intercept),
                    "{model:?}"
                );
            }
        }
    }
    let model = LinearRegression::new().solver(Solver::Newton);
    let whole = model
        .fit_weighted(x.view(), targets.view(), weights.view())
        .expect("whole fit");
    for fit in on_shares(3, x.view(), targets.view(), |x, y, share| {
        let first = share.first_row();
        let (w, share) = weighted(share, first..first + y.len());
        model.fit_shared_weighted(x, y, Some(w.view()), &share)
    }) {
        let fit = fit.expect("shared fit");
        assert_eq!((&fit.coef, fit.intercept), (&whole.coef, whole.intercept));
    }
}

#[test]
fn separable_shares_are_judged_together() {
    // Separable overall: every share must agree before the fit says so.
    let n = 2 * ROW_BLOCK + 10;
    let x = Array2::from_shape_fn((n, 1), |(i, _)| i as f64 / n as f64 - 0.5);
    let y = x.column(0).mapv(|v| f64::from(u8::from(v > 0.0)));
    let model = LogisticRegression::new()
        .penalty(Penalty::None)
        .max_iter(30);
    let whole = model.fit(x.view(), y.view()).expect("whole fit");
    assert_eq!(whole.report.termination, Termination::KeepsDecreasing);
    for fit in on_shares(3, x.view(), y.view(), |x, y, share| {
        model.fit_shared(x, y, share)
    }) {
        assert_eq!(
            fit.expect("shared fit").report.termination,
            Termination::KeepsDecreasing
        );
    }
}

#[test]
fn labels_are_checked_across_the_shares() {
    let n = 2 * ROW_BLOCK;
    let (x, _, _) = problem(n, 3);
    // Each share holds one class: together they are binary.
    let y = Array1::from_shape_fn(n, |i| f64::from(u8::from(i >= ROW_BLOCK)));
    let fits = on_shares(2, x.view(), y.view(), |x, y, share| {
        LogisticRegression::new().fit_shared(x, y, share)
    });
    assert!(fits
        .iter()
        .all(|f| f.as_ref().is_ok_and(|f| f.classes == [0.0, 1.0])));
    // A third class in the second share: every process refuses, with the same count.
    let mut three = y.clone();
    three[n - 1] = 7.0;
    for fit in on_shares(2, x.view(), three.view(), |x, y, share| {
        LogisticRegression::new().fit_shared(x, y, share)
    }) {
        assert!(
            matches!(fit, Err(ModelError::NotBinary { count: 3, .. })),
            "{fit:?}"
        );
    }
    // A fractional label in the first share: its own error there, the peer's rank elsewhere.
    let mut fractional = y;
    fractional[5] = 0.5;
    let fits = on_shares(2, x.view(), fractional.view(), |x, y, share| {
        LogisticRegression::new().fit_shared(x, y, share)
    });
    assert!(
        matches!(fits[0], Err(ModelError::ContinuousLabels { row: 5, .. })),
        "{:?}",
        fits[0]
    );
    assert!(
        matches!(
            fits[1],
            Err(ModelError::Objective(ObjectiveError::PeerFailed {
                rank: 0
            }))
        ),
        "{:?}",
        fits[1]
    );
}

/// What a sparse fit must reproduce on shared rows: the coefficients, the intercept, the
/// iterations, the certified duality gap and the verdict.
type SparseOutcome = (Array1<f64>, f64, usize, Option<f64>, Termination);

/// The [`SparseOutcome`] of `model` (a logistic or linear regression) fitted on all the rows
/// (`share` `None`) or on this process's share.
macro_rules! sparse_outcome {
    ($model:expr, $x:expr, $y:expr, $w:expr, $share:expr) => {{
        let fit = match $share {
            Some(share) => $model.fit_shared_weighted($x, $y, $w, share),
            None => $model.fit_weighted_observed($x, $y, $w, &mut descent_solvers::Unobserved),
        }
        .expect("fit");
        let r = fit.report;
        (
            fit.coef,
            fit.intercept,
            r.iterations,
            r.duality_gap,
            r.termination,
        )
    }};
}

/// Fits by `fit` (all rows when the share is `None`) with and without `weights`, and checks
/// that the fit converges with a zero coefficient, and that 1 and 3 processes give its bits.
fn sparse_fits_agree(
    name: &str,
    x: ArrayView2<'_, f64>,
    y: ArrayView1<'_, f64>,
    weights: Option<ArrayView1<'_, f64>>,
    fit: impl Fn(
            ArrayView2<'_, f64>,
            ArrayView1<'_, f64>,
            Option<ArrayView1<'_, f64>>,
            Option<&RowShare>,
        ) -> SparseOutcome
        + Sync,
) {
    let whole = fit(x, y, weights, None);
    assert!(
        matches!(whole.4, Termination::Converged(_)),
        "{name}: {:?}",
        whole.4
    );
    assert!(whole.0.iter().any(|c| *c == 0.0), "{name}: no zero");
    for size in [1, 3] {
        for got in on_shares(size, x, y, |xs, ys, share| {
            let rows = share.first_row()..share.first_row() + xs.nrows();
            fit(xs, ys, weights.map(|w| w.slice_move(s![rows])), Some(share))
        }) {
            assert_eq!(
                got,
                whole,
                "{name}, weighted {}, {size} processes",
                weights.is_some()
            );
        }
    }
}

#[test]
fn shared_sparse_fits_are_the_sparse_fit_of_all_rows() {
    // Proximal Newton's Hessian blocks and duality gaps sum over every share: the iterates,
    // the zeros and the certificate are those of one process.
    let n = 2 * ROW_BLOCK + 555;
    let (x, labels, targets) = problem(n, 7);
    let weights = Array1::from_shape_fn(n, |i| 0.25 + ((i * 29) % 13) as f64 / 6.0);
    let logistic = [
        LogisticRegression::new()
            .penalty(Penalty::L1)
            .c(0.002)
            .tol(1e-10),
        LogisticRegression::new()
            .penalty(Penalty::ElasticNet)
            .l1_ratio(0.5)
            .c(0.01)
            .tol(1e-9),
        LogisticRegression::new()
            .penalty(Penalty::L1)
            .c(0.002)
            .solver(Solver::Fista)
            .precondition(false)
            .fit_intercept(false),
    ];
    for model in &logistic {
        for w in [None, Some(weights.view())] {
            sparse_fits_agree(
                &format!("{model:?}"),
                x.view(),
                labels.view(),
                w,
                |x, y, w, share| sparse_outcome!(model, x, y, w, share),
            );
        }
    }
    let linear = [
        LinearRegression::new().alpha(0.3).l1_ratio(1.0).tol(1e-10),
        LinearRegression::new().alpha(0.3).l1_ratio(0.7),
        LinearRegression::new()
            .alpha(0.3)
            .l1_ratio(1.0)
            .precondition(false),
    ];
    for model in &linear {
        for w in [None, Some(weights.view())] {
            sparse_fits_agree(
                &format!("{model:?}"),
                x.view(),
                targets.view(),
                w,
                |x, y, w, share| sparse_outcome!(model, x, y, w, share),
            );
        }
    }
}

#[test]
fn what_does_not_run_on_shared_rows_is_refused() {
    let n = ROW_BLOCK;
    let (x, labels, targets) = problem(n, 3);
    let refused = |e: &Result<_, ModelError>| {
        matches!(
            e,
            Err(ModelError::Objective(ObjectiveError::NotShareable(_)))
        )
    };
    let _ = labels;
    let lstsq = on_shares(1, x.view(), targets.view(), |x, y, share| {
        LinearRegression::new()
            .solver(Solver::LeastSquares)
            .fit_shared(x, y, share)
            .map(|_| ())
    });
    assert!(refused(&lstsq[0]), "{:?}", lstsq[0]);
}

#[cfg(feature = "parquet")]
#[test]
fn parquet_windows_are_the_rows_of_the_whole_file() {
    use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
    use descent_models::table::{read_parquet_rows, RawTable, ReadOptions, Source};
    let dir = std::env::temp_dir().join(format!("descent-parquet-windows-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("rows.parquet");
    let n = 3000;
    let column = |f: fn(usize) -> f64| {
        Arc::new((0..n).map(|i| Some(f(i))).collect::<Float64Array>()) as ArrayRef
    };
    let text: StringArray = (0..n).map(|i| Some(["a", "b"][i % 2])).collect();
    let batch = RecordBatch::try_from_iter([
        ("x", column(|i| i as f64 * 0.5)),
        ("z", column(|i| (i % 7) as f64)),
        ("k", Arc::new(text) as ArrayRef),
        (
            "m",
            Arc::new(
                (0..n)
                    .map(|i| (i != 2100).then_some(i as f64))
                    .collect::<Float64Array>(),
            ) as ArrayRef,
        ),
        ("y", column(|i| (i % 3 == 0) as u8 as f64)),
    ])
    .unwrap();
    // Row groups of 1 000 rows: windows begin and end inside them.
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(1000))
        .build();
    let file = std::fs::File::create(&path).unwrap();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(properties)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let whole = RawTable::read(&Source::new(&path), &ReadOptions::default()).unwrap();
    for rows in [0..0, 0..1500, 999..1001, 2500..3000, 0..3000] {
        let (part, total, read) = read_parquet_rows(&path, |_| rows.clone()).unwrap();
        assert_eq!(read, rows);
        assert_eq!(total, n);
        assert_eq!(part.names, whole.names);
        // Bit by bit: the missing value is a NaN on both sides.
        assert_eq!(
            part.numbers.mapv(f64::to_bits),
            whole.numbers.slice(s![rows.clone(), ..]).mapv(f64::to_bits)
        );
        let excluded = ["k".to_owned(), "m".to_owned()];
        let data = part
            .numeric_dataset::<f64>(None, &excluded, rows.start)
            .unwrap();
        assert_eq!(data.feature_names, ["x", "z"]);
        assert_eq!(data.y.len(), rows.len());
    }
    // A missing value is refused with its row in the file (1-based).
    let (part, _, _) = read_parquet_rows(&path, |_| 2000..2500).unwrap();
    let error = part
        .numeric_dataset::<f64>(None, &["k".to_owned()], 2000)
        .unwrap_err();
    assert!(
        error.to_string().contains("\"m\"") && error.to_string().contains("row 2101"),
        "{error}"
    );
    // A text feature, and a missing value, are refused with where they are.
    let (part, _, _) = read_parquet_rows(&path, |_| 10..20).unwrap();
    let error = part.numeric_dataset::<f64>(None, &[], 10).unwrap_err();
    assert!(
        error.to_string().contains("\"k\" is not numeric"),
        "{error}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn shared_summaries_are_the_summaries_of_all_rows() {
    use descent_models::inference::{
        logit_summary, logit_summary_shared, ols_summary_shared, ols_summary_weighted,
        CovarianceType,
    };
    let n = 2 * ROW_BLOCK + 999;
    let (x, labels, targets) = problem(n, 4);
    let weights = Array1::from_shape_fn(n, |i| 0.5 + ((i * 13) % 5) as f64 / 4.0);
    let logit = LogisticRegression::new().penalty(Penalty::None).tol(1e-10);
    let fit = logit.fit(x.view(), labels.view()).expect("logit");
    let nonrobust = CovarianceType::NonRobust;
    // Debug prints every number to the bit (the shortest text that reads back as it).
    let whole = format!(
        "{:?}",
        logit_summary(&fit, x.view(), labels.view(), true, nonrobust)
    );
    let ols = LinearRegression::new().solver(Solver::Newton).tol(1e-10);
    let wls = ols
        .fit_weighted(x.view(), targets.view(), weights.view())
        .expect("wls");
    let w = Some(weights.view());
    let whole_wls = format!(
        "{:?}",
        ols_summary_weighted(&wls, x.view(), targets.view(), w, true, nonrobust)
    );
    assert!(
        whole.starts_with("Ok") && whole_wls.starts_with("Ok"),
        "{whole} {whole_wls}"
    );
    let hc3 = CovarianceType::Hc3;
    let robust_wls = format!(
        "{:?}",
        ols_summary_weighted(&wls, x.view(), targets.view(), w, true, hc3)
    );
    let hc0 = CovarianceType::Hc0;
    let robust_logit = format!(
        "{:?}",
        logit_summary(&fit, x.view(), labels.view(), true, hc0)
    );
    for size in [1, 2, 3] {
        let shared = on_shares(size, x.view(), labels.view(), |xs, ys, share| {
            let rows = share.first_row()..share.first_row() + ys.len();
            let logit = |c| format!("{:?}", logit_summary_shared(&fit, xs, ys, true, c, share));
            let (t, s) = (targets.slice(s![rows.clone()]), weights.slice(s![rows]));
            let wls = |c| {
                format!(
                    "{:?}",
                    ols_summary_shared(&wls, xs, t, Some(s), true, c, share)
                )
            };
            (logit(nonrobust), wls(nonrobust), wls(hc3), logit(hc0))
        });
        for (logit, wls, robust, robust_l) in shared {
            assert_eq!(logit, whole, "logit, {size} processes");
            assert_eq!(wls, whole_wls, "weighted least squares, {size} processes");
            assert_eq!(robust, robust_wls, "HC3, {size} processes");
            assert_eq!(robust_l, robust_logit, "logit HC0, {size} processes");
        }
    }
}
