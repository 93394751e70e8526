//! Inference summaries against statsmodels' `Logit` and `OLS` on the bundled data
//! (`tests/fixtures/statsmodels_inference.json`, from `scripts/make_fixtures.py`): every number
//! to 1e-8 relative.

use descent_models::data::Dataset;
use descent_models::inference::{
    logit_summary, mnlogit_summary, ols_summary, ols_summary_weighted, Coefficient, CovarianceType,
};
use descent_models::{LinearRegression, LogisticRegression, Penalty, Solver};
use serde_json::Value;

fn fixtures() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/statsmodels_inference.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_owned())
        .collect()
}

/// Within 1e-8 relative (or 1e-300 absolute, for p-values that underflow).
fn close(ours: f64, theirs: f64, what: &str) {
    within(ours, theirs, 1e-8, what);
}

fn within(ours: f64, theirs: f64, relative: f64, what: &str) {
    assert!(
        (ours - theirs).abs() <= relative * theirs.abs() + 1e-300,
        "{what}: {ours} vs statsmodels {theirs}"
    );
}

/// The covariance types and their names in the fixtures.
const ROBUST: [(CovarianceType, &str); 4] = [
    (CovarianceType::Hc0, "hc0"),
    (CovarianceType::Hc1, "hc1"),
    (CovarianceType::Hc2, "hc2"),
    (CovarianceType::Hc3, "hc3"),
];

fn check_table(table: &[Coefficient], case: &Value, name: &str) {
    type Column = fn(&Coefficient) -> f64;
    let columns: [(&str, Column); 6] = [
        ("params", |c| c.estimate),
        ("bse", |c| c.std_error),
        ("statistic", |c| c.statistic),
        ("pvalues", |c| c.p_value),
        ("lower", |c| c.lower),
        ("upper", |c| c.upper),
    ];
    for (key, get) in columns {
        if case[key].is_null() {
            continue; // the robust cases hold no estimates: they are the same
        }
        let theirs = numbers(&case[key]);
        assert_eq!(theirs.len(), table.len(), "{name} {key}");
        for (j, (c, t)) in table.iter().zip(theirs).enumerate() {
            close(get(c), t, &format!("{name}, {key}[{j}]"));
        }
    }
}

#[test]
fn summaries_match_statsmodels() {
    let cases = fixtures()["cases"].as_array().unwrap().clone();
    let weighted = cases.iter().filter(|c| c.get("weights").is_some()).count();
    assert_eq!(weighted, 2, "the WLS cases are in the fixture");
    for case in &cases {
        let kind = case["kind"].as_str().unwrap();
        let data = case["data"].as_str().unwrap();
        let intercept = case["intercept"].as_bool().unwrap();
        let features = strings(&case["features"]);
        let path = format!("{}/../../data/{data}", env!("CARGO_MANIFEST_DIR"));
        let set: Dataset = Dataset::read_columns(&path, &features, "target").unwrap();
        let name = format!(
            "{kind} on {data} ({} features, intercept {intercept}{})",
            features.len(),
            if case.get("weights").is_some() {
                ", weighted"
            } else {
                ""
            }
        );
        let get = |key: &str| case[key].as_f64().unwrap();
        // Each side's numbers beside the fixture's keys (all to 1e-8), and its degrees of
        // freedom.
        let (table, scalars, df) = if kind == "logit" {
            let model = LogisticRegression::new()
                .penalty(Penalty::None)
                .solver(Solver::Newton)
                .fit_intercept(intercept)
                .tol(1e-13)
                .fit(&set.x, set.y.view())
                .unwrap();
            let summary =
                |cov| logit_summary(&model, &set.x, set.y.view(), intercept, cov).unwrap();
            let s = summary(CovarianceType::NonRobust);
            for (cov, key) in ROBUST {
                let r = summary(cov);
                check_table(
                    &r.coefficients,
                    &case["robust"][key],
                    &format!("{name}, {key}"),
                );
            }
            // statsmodels' intercept-only fit is numerical (its llnull within about 1e-10, and
            // its LLR p-value within 1e-6); descent's is the closed form. Each is checked
            // against the exact values, and statsmodels' own to what its fit allows.
            let p = s.likelihood.llr_p_value.unwrap();
            within(
                p,
                get("llr_pvalue"),
                1e-6,
                &format!("{name}, statsmodels' llr p"),
            );
            let scalars = vec![
                (s.likelihood.log_likelihood, "llf"),
                (s.likelihood.null_log_likelihood, "exact_llnull"),
                (s.likelihood.null_log_likelihood, "llnull"),
                (s.likelihood.llr, "exact_llr"),
                (p, "exact_llr_pvalue"),
                (s.likelihood.pseudo_r2, "exact_prsquared"),
                (s.likelihood.aic, "aic"),
                (s.likelihood.bic, "bic"),
                (s.condition_number, "condition_number"),
            ];
            (s.coefficients, scalars, (s.df_model, s.df_residuals))
        } else {
            // With weights, statsmodels' WLS.
            let weights = case
                .get("weights")
                .map(|w| ndarray::Array1::from(numbers(w)));
            let w = weights.as_ref().map(ndarray::Array1::view);
            let model = LinearRegression::new()
                .fit_intercept(intercept)
                .fit_weighted_observed(&set.x, set.y.view(), w, &mut descent_solvers::Unobserved)
                .unwrap();
            let summary = |cov| {
                ols_summary_weighted(&model, &set.x, set.y.view(), w, intercept, cov).unwrap()
            };
            let s = summary(CovarianceType::NonRobust);
            for (cov, key) in ROBUST {
                let r = summary(cov);
                let robust = &case["robust"][key];
                check_table(&r.coefficients, robust, &format!("{name}, {key}"));
                let theirs = |k: &str| robust[k].as_f64().unwrap();
                close(r.f_statistic, theirs("fvalue"), &format!("{name}, {key} F"));
                close(
                    r.f_p_value.unwrap(),
                    theirs("f_pvalue"),
                    &format!("{name}, {key} F p"),
                );
            }
            let scalars = vec![
                (s.log_likelihood, "llf"),
                (s.r2, "rsquared"),
                (s.adjusted_r2, "rsquared_adj"),
                (s.f_statistic, "fvalue"),
                (s.f_p_value.unwrap(), "f_pvalue"),
                (s.scale, "scale"),
                (s.aic, "aic"),
                (s.bic, "bic"),
                (s.durbin_watson, "durbin_watson"),
                (s.jarque_bera, "jarque_bera"),
                (s.jarque_bera_p_value, "jarque_bera_pvalue"),
                (s.skew, "skew"),
                (s.kurtosis, "kurtosis"),
                (s.condition_number, "condition_number"),
            ];
            (s.coefficients, scalars, (s.df_model, s.df_residuals))
        };
        check_table(&table, case, &name);
        for (ours, key) in scalars {
            close(ours, get(key), &format!("{name}, {key}"));
        }
        assert_eq!(df.0 as f64, get("df_model"), "{name}");
        assert_eq!(df.1 as f64, get("df_resid"), "{name}");
    }
}

#[test]
fn no_table_where_standard_errors_do_not_exist() {
    use ndarray::{array, Array2};
    let x = array![
        [0.5, 1.0],
        [1.5, 0.2],
        [2.0, 2.2],
        [2.5, 0.1],
        [3.5, 1.9],
        [0.8, 0.4],
        [3.0, 3.0],
        [1.0, 0.9]
    ];
    let y = array![0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0];
    // Penalized: the inverse Hessian is not the estimates' covariance.
    let ridge = LogisticRegression::new().fit(&x, y.view()).unwrap();
    let e = logit_summary(&ridge, &x, y.view(), true, CovarianceType::NonRobust)
        .unwrap_err()
        .to_string();
    assert!(e.contains("penalized"), "{e}");
    let ridge = LinearRegression::new()
        .alpha(1.0)
        .fit(&x, y.view())
        .unwrap();
    assert!(ols_summary(&ridge, &x, y.view(), true, CovarianceType::Hc1).is_err());
    // Collinear columns: the fit is the minimum-norm one; standard errors do not exist.
    let collinear: Array2<f64> = ndarray::concatenate![
        ndarray::Axis(1),
        x,
        x.column(0).insert_axis(ndarray::Axis(1)).mapv(|v| 2.0 * v)
    ];
    let ols = LinearRegression::new().fit(&collinear, y.view()).unwrap();
    // Column 2 is twice column 0: named, with its partner.
    let e = ols_summary(&ols, &collinear, y.view(), true, CovarianceType::NonRobust).unwrap_err();
    assert!(
        matches!(&e, descent_models::ModelError::Collinear { column: 2, partners } if partners == &[0]),
        "{e}"
    );
    // Separated classes: the unpenalized fit does not converge, and says so.
    let separated = array![0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0];
    let fit = LogisticRegression::new()
        .penalty(Penalty::None)
        .max_iter(50)
        .fit(&x, separated.view());
    let model = fit.unwrap();
    assert!(!model.report.converged());
    let e = logit_summary(
        &model,
        &x,
        separated.view(),
        true,
        CovarianceType::NonRobust,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("standard errors need the optimum") && e.contains("no minimum found"),
        "{e}"
    );
}

#[test]
fn multinomial_summaries_match_statsmodels_mnlogit() {
    for case in fixtures()["mnlogit"].as_array().unwrap() {
        let data = case["data"].as_str().unwrap();
        let intercept = case["intercept"].as_bool().unwrap();
        let features = strings(&case["features"]);
        let file = data.split_whitespace().next().unwrap();
        let path = format!("{}/../../data/{file}", env!("CARGO_MANIFEST_DIR"));
        let target = if file == "wine.csv" {
            "class"
        } else {
            "target"
        };
        let mut set: Dataset = Dataset::read_columns(&path, &features, target).unwrap();
        if data.ends_with("quartiles") {
            // numpy's searchsorted(quantile(y, [¼, ½, ¾]), y, side="right"), as the fixture.
            let mut sorted = set.y.to_vec();
            sorted.sort_by(f64::total_cmp);
            let quantile = |q: f64| {
                let at = q * (sorted.len() - 1) as f64;
                let (i, f) = (at.floor() as usize, at.fract());
                sorted[i] + f * (sorted[(i + 1).min(sorted.len() - 1)] - sorted[i])
            };
            let cuts = [quantile(0.25), quantile(0.5), quantile(0.75)];
            set.y = set
                .y
                .mapv(|t| cuts.iter().filter(|&&c| c <= t).count() as f64);
        }
        let name = format!("MNLogit on {data} (intercept {intercept})");
        let model = LogisticRegression::new()
            .penalty(Penalty::None)
            .solver(Solver::Newton)
            .fit_intercept(intercept)
            .tol(1e-12)
            .max_iter(200)
            .fit_multinomial(&set.x, set.y.view())
            .unwrap();
        let s = mnlogit_summary(
            &model,
            &set.x,
            set.y.view(),
            intercept,
            CovarianceType::NonRobust,
        )
        .unwrap();
        if !case["robust_bse"].is_null() {
            // statsmodels' HC0 (every HC type is the same sandwich for discrete models).
            let robust =
                mnlogit_summary(&model, &set.x, set.y.view(), intercept, CovarianceType::Hc0)
                    .unwrap();
            for (j, (c, t)) in robust
                .coefficients
                .iter()
                .zip(numbers(&case["robust_bse"]))
                .enumerate()
            {
                close(c.std_error, t, &format!("{name}, robust bse[{j}]"));
            }
        }
        assert_eq!(s.compared_classes, numbers(&case["classes"])[1..].to_vec());
        check_table(&s.coefficients, case, &name);
        let get = |key: &str| case[key].as_f64().unwrap();
        for (ours, key) in [
            (s.likelihood.log_likelihood, "llf"),
            (s.likelihood.null_log_likelihood, "llnull"),
            (s.likelihood.llr, "llr"),
            (s.likelihood.pseudo_r2, "prsquared"),
            (s.likelihood.aic, "aic"),
            (s.likelihood.bic, "bic"),
        ] {
            close(ours, get(key), &format!("{name}, {key}"));
        }
        // statsmodels' intercept-only fit is numerical: its LLR p-value to what that allows.
        within(
            s.likelihood.llr_p_value.unwrap(),
            get("llr_pvalue"),
            1e-6,
            &format!("{name}, llr_pvalue"),
        );
        assert_eq!(s.df_model as f64, get("df_model"), "{name}");
        assert_eq!(s.df_residuals as f64, get("df_resid"), "{name}");
    }
}
