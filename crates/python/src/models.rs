//! Fitting, and model files: what the Python estimators call.
//!
//! The estimators hand over float64 arrays already checked by scikit-learn's `validate_data`
//! (finite, 2-D, at least one row) and labels already encoded; the library checks them again
//! and its errors become `ValueError`. The fitted state the Python side keeps is the model's
//! JSON (the format of `descent fit --save`), from which [`model_json`] gives the arrays.

use crate::report::report_dict;
use descent_models::{
    FittedLinearRegression, FittedLogisticRegression, FittedMultinomialLogisticRegression,
    LinearRegression, LogisticRegression, Model, ModelError, ModelFile, Penalty, Solver,
};
use descent_objectives::ObjectiveError;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use numpy::{IntoPyArray, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// A library error as the Python exception scikit-learn would raise: `OSError` for files,
/// `ValueError` for everything else (bad data, bad settings). A NaN or infinite value gets
/// scikit-learn's words first ("Input X contains NaN"), then where it is.
pub(crate) fn to_py(error: ModelError) -> PyErr {
    let non_finite = |input: &str, value: f64| {
        let what = if value.is_nan() {
            "NaN".to_owned()
        } else {
            "infinity or a value too large for dtype('float64')".to_owned()
        };
        PyValueError::new_err(format!("Input {input} contains {what}: {error}"))
    };
    match &error {
        ModelError::Io { .. } => PyOSError::new_err(error.to_string()),
        ModelError::NonFiniteFeature { value, .. }
        | ModelError::Objective(ObjectiveError::NonFiniteFeature { value, .. }) => {
            non_finite("X", *value)
        }
        ModelError::NonFiniteTarget { value, .. }
        | ModelError::Objective(ObjectiveError::NonFiniteTarget { value, .. }) => {
            non_finite("y", *value)
        }
        ModelError::NotBinary {
            count: 0 | 1,
            shown,
        } => PyValueError::new_err(format!(
            "This solver needs samples of at least 2 classes in the data, but the data \
             contains only one class: {shown}"
        )),
        ModelError::ContinuousLabels { .. } => PyValueError::new_err(format!(
            "Unknown label type: continuous. Maybe you are trying to fit a classifier, which \
             expects discrete classes on a regression target with continuous values ({error})"
        )),
        _ => PyValueError::new_err(error.to_string()),
    }
}

/// A solver by its command-line name (`newton`, `lbfgs`, `prox-newton`, …; `_` may stand for
/// `-`, and scikit-learn's `newton-cholesky` is `newton`). `None` leaves the choice to the
/// model.
fn solver(name: Option<&str>, learning_rate: f64) -> PyResult<Option<Solver>> {
    let Some(name) = name else { return Ok(None) };
    let solver = match name.replace('_', "-").as_str() {
        "newton" | "newton-cholesky" => Solver::Newton,
        "lbfgs" => Solver::Lbfgs,
        "bfgs" => Solver::Bfgs,
        "newton-cg" => Solver::NewtonCg,
        "cg" => Solver::ConjugateGradient,
        "steepest" => Solver::SteepestDescent,
        "lstsq" => Solver::LeastSquares,
        "prox-newton" | "proximal-newton" => Solver::ProximalNewton,
        "fista" => Solver::Fista,
        "gd" => Solver::GradientDescent { learning_rate },
        other => {
            return Err(PyValueError::new_err(format!(
            "unknown solver {other:?}: use one of 'newton', 'lbfgs', 'bfgs', 'newton-cg', 'cg', \
                 'steepest', 'gd', 'prox-newton', 'fista' (and 'lstsq' for linear models)"
        )))
        }
    };
    Ok(Some(solver))
}

/// scikit-learn's `penalty` names: `"l2"`, `"l1"`, `"elasticnet"`, and `None`.
fn penalty(name: Option<&str>) -> PyResult<Penalty> {
    match name {
        None | Some("none") => Ok(Penalty::None),
        Some("l2") => Ok(Penalty::L2),
        Some("l1") => Ok(Penalty::L1),
        Some("elasticnet") => Ok(Penalty::ElasticNet),
        Some(other) => Err(PyValueError::new_err(format!(
            "unknown penalty {other:?}: use 'l2', 'l1', 'elasticnet' or None"
        ))),
    }
}

/// Default feature names `x0, x1, …` (scikit-learn's when the data has none).
fn names(given: Option<Vec<String>>, p: usize) -> Vec<String> {
    given.unwrap_or_else(|| (0..p).map(|j| format!("x{j}")).collect())
}

/// What a fit hands back to Python: the model's [`arrays`], its `report`, and its file text
/// as `model` (the feature names given, or `x0, x1, …` for its `p` features).
fn fitted(
    py: Python<'_>,
    model: Model,
    feature_names: Option<Vec<String>>,
    p: usize,
) -> PyResult<Bound<'_, PyDict>> {
    let out = arrays(py, &model, None)?;
    out.set_item("report", report_dict(py, model.report())?)?;
    out.set_item("model", file_json(model, names(feature_names, p))?)?;
    Ok(out)
}

/// The model's file text, its history dropped (as `descent fit --save` writes it).
fn file_json(model: Model, feature_names: Vec<String>) -> PyResult<String> {
    ModelFile::new(model, feature_names, "y".into(), None)
        .to_json()
        .map_err(to_py)
}

/// Fits a logistic regression to `x` (`N × p`, any memory layout, not copied) and labels `y`
/// (numbers; the Python side passes the classes' indices `0, 1, …, K−1` or the labels
/// themselves when they are whole numbers), each row's loss weighted by `sample_weight`
/// (which the Python side has already multiplied by the class weights).
///
/// `multinomial` fits the softmax model (three or more classes), or the binary one when
/// false; `None` chooses by the labels (more than two distinct values: multinomial). The
/// labels may then be the user's own numbers: the fit finds the classes in one scan, and the
/// model keeps them, as the command line's models do.
/// `warm_start` is a previous fit's model JSON to start from. Returns `{"coef": (K or 1) × p,
/// "intercept": K or 1, "classes": [...], "report": {...}, "model": JSON}`.
#[pyfunction]
#[pyo3(signature = (
    x, y, sample_weight=None, *, c=1.0, penalty_name=Some("l2"), l1_ratio=None,
    fit_intercept=true, tol=1e-4, max_iter=100, solver_name=None, learning_rate=0.1,
    multinomial=None, warm_start=None, feature_names=None
))]
#[allow(
    clippy::too_many_arguments,
    reason = "scikit-learn's parameters, passed by keyword"
)]
pub(crate) fn fit_logistic<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    c: f64,
    penalty_name: Option<&str>,
    l1_ratio: Option<f64>,
    fit_intercept: bool,
    tol: f64,
    max_iter: usize,
    solver_name: Option<&str>,
    learning_rate: f64,
    multinomial: Option<bool>,
    warm_start: Option<&str>,
    feature_names: Option<Vec<String>>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut settings = LogisticRegression::new()
        .c(c)
        .penalty(penalty(penalty_name)?)
        .fit_intercept(fit_intercept)
        .tol(tol)
        .max_iter(max_iter);
    if let Some(r) = l1_ratio {
        settings = settings.l1_ratio(r);
    }
    if let Some(s) = solver(solver_name, learning_rate)? {
        settings = settings.solver(s);
    }
    let previous = warm_start
        .map(|text| ModelFile::from_json(text, "warm start"))
        .transpose()
        .map_err(to_py)?;
    let (x, y) = (x.as_array(), y.as_array());
    let w = sample_weight.as_ref().map(PyReadonlyArray1::as_array);
    let p = x.ncols();
    let model = py.detach(|| {
        let multinomial = multinomial.unwrap_or_else(|| more_than_two_values(y));
        fit_logistic_model(&settings, x, y, w, multinomial, previous.map(|f| f.model))
    });
    fitted(py, model.map_err(to_py)?, feature_names, p)
}

/// Whether `y` takes more than two distinct values (NaN counts as a value; the fit rejects it).
fn more_than_two_values(y: ArrayView1<'_, f64>) -> bool {
    let mut seen: [Option<u64>; 2] = [None, None];
    for v in y {
        let bits = v.to_bits();
        match seen {
            [Some(a), _] if a == bits => {}
            [_, Some(b)] if b == bits => {}
            [None, _] => seen[0] = Some(bits),
            [_, None] => seen[1] = Some(bits),
            _ => return true,
        }
    }
    false
}

/// The fit itself, without the GIL.
fn fit_logistic_model(
    settings: &LogisticRegression,
    x: ArrayView2<'_, f64>,
    y: ArrayView1<'_, f64>,
    w: Option<ArrayView1<'_, f64>>,
    multinomial: bool,
    previous: Option<Model>,
) -> Result<Model, ModelError> {
    let wrong_kind = |found: &Model, expected| ModelError::WrongModelKind {
        expected,
        found: found.kind(),
    };
    Ok(match (multinomial, previous) {
        (true, None) => Model::MultinomialLogisticRegression(match w {
            Some(w) => settings.fit_multinomial_weighted(x, y, w)?,
            None => settings.fit_multinomial(x, y)?,
        }),
        (true, Some(Model::MultinomialLogisticRegression(before))) => {
            Model::MultinomialLogisticRegression(
                settings.fit_multinomial_warm_weighted(x, y, w, &before)?,
            )
        }
        (false, None) => Model::LogisticRegression(match w {
            Some(w) => settings.fit_weighted(x, y, w)?,
            None => settings.fit(x, y)?,
        }),
        (false, Some(Model::LogisticRegression(before))) => {
            Model::LogisticRegression(settings.fit_warm_weighted(x, y, w, &before)?)
        }
        (true, Some(other)) => return Err(wrong_kind(&other, "multinomial_logistic_regression")),
        (false, Some(other)) => return Err(wrong_kind(&other, "logistic_regression")),
    })
}

/// Fits a linear regression: least squares (`alpha = 0`), Ridge (`alpha > 0`), or with an
/// `l1_ratio` scikit-learn's `ElasticNet(alpha, l1_ratio)` (`Lasso` at 1). Returns
/// `{"coef": p, "intercept": float, "rank": int or None, "report": {...}, "model": JSON}`.
#[pyfunction]
#[pyo3(signature = (
    x, y, sample_weight=None, *, alpha=0.0, l1_ratio=None, fit_intercept=true, tol=1e-4,
    max_iter=1000, solver_name=None, learning_rate=0.1, warm_start=None, feature_names=None
))]
#[allow(
    clippy::too_many_arguments,
    reason = "scikit-learn's parameters, passed by keyword"
)]
pub(crate) fn fit_linear<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    alpha: f64,
    l1_ratio: Option<f64>,
    fit_intercept: bool,
    tol: f64,
    max_iter: usize,
    solver_name: Option<&str>,
    learning_rate: f64,
    warm_start: Option<&str>,
    feature_names: Option<Vec<String>>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut settings = LinearRegression::new()
        .alpha(alpha)
        .fit_intercept(fit_intercept)
        .tol(tol)
        .max_iter(max_iter);
    if let Some(r) = l1_ratio {
        settings = settings.l1_ratio(r);
    }
    if let Some(s) = solver(solver_name, learning_rate)? {
        settings = settings.solver(s);
    }
    let previous = match warm_start {
        Some(text) => Some(
            ModelFile::from_json(text, "warm start")
                .and_then(ModelFile::into_linear)
                .map_err(to_py)?,
        ),
        None => None,
    };
    let (x, y) = (x.as_array(), y.as_array());
    let w = sample_weight.as_ref().map(PyReadonlyArray1::as_array);
    let p = x.ncols();
    let fit = py.detach(|| -> Result<FittedLinearRegression, ModelError> {
        match (&previous, w) {
            (Some(before), w) => settings.fit_warm_weighted(x, y, w, before),
            (None, Some(w)) => settings.fit_weighted(x, y, w),
            (None, None) => settings.fit(x, y),
        }
    });
    fitted(
        py,
        Model::LinearRegression(fit.map_err(to_py)?),
        feature_names,
        p,
    )
}

/// The arrays of a model, on the scale of the raw features: `coef` (`K × p` for classifiers,
/// `p` for linear regression), `intercept`, and for classifiers `classes`. A model whose file
/// has a scaler (`descent fit --standardize`) has it folded in: `w'ⱼ = wⱼ/σⱼ`,
/// `b' = b − Σⱼ wⱼμⱼ/σⱼ`, which predicts the same up to rounding.
fn arrays<'py>(
    py: Python<'py>,
    model: &Model,
    scaler: Option<&descent_models::StandardScaler>,
) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    let (mut coef, mut intercept): (Array2<f64>, Array1<f64>) = match model {
        Model::LogisticRegression(FittedLogisticRegression {
            coef, intercept, ..
        })
        | Model::LinearRegression(FittedLinearRegression {
            coef, intercept, ..
        }) => (
            coef.clone().insert_axis(Axis(0)),
            Array1::from_elem(1, *intercept),
        ),
        Model::MultinomialLogisticRegression(FittedMultinomialLogisticRegression {
            coef,
            intercept,
            ..
        }) => (coef.clone(), intercept.clone()),
    };
    if let Some(scaler) = scaler {
        coef /= &scaler.scale;
        intercept -= &coef.dot(&scaler.mean);
    }
    match model {
        Model::LinearRegression(m) => {
            out.set_item("coef", coef.row(0).to_owned().into_pyarray(py))?;
            out.set_item("intercept", intercept[0])?;
            out.set_item("rank", m.rank)?;
        }
        Model::LogisticRegression(m) => {
            out.set_item("coef", coef.into_pyarray(py))?;
            out.set_item("intercept", intercept.into_pyarray(py))?;
            out.set_item("classes", m.classes.to_vec())?;
        }
        Model::MultinomialLogisticRegression(m) => {
            out.set_item("coef", coef.into_pyarray(py))?;
            out.set_item("intercept", intercept.into_pyarray(py))?;
            out.set_item("classes", m.classes.clone())?;
        }
    }
    Ok(out)
}

/// The file text of the model at `path` (checked as `descent predict` checks it), for
/// `descent.load_model`.
#[pyfunction]
pub(crate) fn read_model(path: std::path::PathBuf) -> PyResult<String> {
    ModelFile::load(&path)
        .and_then(|file| file.to_json())
        .map_err(to_py)
}

/// Writes a model's JSON to `path` atomically (a temporary file renamed over it), in the
/// format `descent predict` and `descent eval` read.
#[pyfunction]
pub(crate) fn save_model(text: &str, path: std::path::PathBuf) -> PyResult<()> {
    ModelFile::from_json(text, "the estimator's model")
        .and_then(|file| file.save(&path))
        .map_err(to_py)
}

/// What a model's JSON holds, as Python values: `kind`, `feature_names`, `target_name`, the
/// [`arrays`] (scaler folded in), the settings it was fitted with (`c`, `penalty`,
/// `l1_ratio`, `alpha`, `solver`) and its `report` (without history).
///
/// A model fitted by the command line on a raw table (text or categorical columns, imputed
/// values) needs that table's encoding, which the estimators do not have: `ValueError`.
#[pyfunction]
pub(crate) fn model_json<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyDict>> {
    let file = ModelFile::from_json(text, "model").map_err(to_py)?;
    if file.encoding.is_some() {
        return Err(PyValueError::new_err(
            "this model was fitted by `descent fit` on a raw table (text, categorical or \
             missing values), whose encoding the Python estimators do not apply: predict with \
             `descent predict`, or fit on numeric columns",
        ));
    }
    let out = arrays(py, &file.model, file.scaler.as_ref())?;
    out.set_item("kind", file.model.kind())?;
    out.set_item("feature_names", &file.feature_names)?;
    out.set_item("target_name", &file.target_name)?;
    let penalty_name = |p: Penalty| match p {
        Penalty::L2 => Some("l2"),
        Penalty::L1 => Some("l1"),
        Penalty::ElasticNet => Some("elasticnet"),
        Penalty::None => None,
    };
    match &file.model {
        Model::LogisticRegression(m) => {
            out.set_item("c", m.c)?;
            out.set_item("penalty", penalty_name(m.penalty))?;
            out.set_item("solver", m.solver.short_name())?;
        }
        Model::MultinomialLogisticRegression(m) => {
            out.set_item("c", m.c)?;
            out.set_item("penalty", penalty_name(m.penalty))?;
            out.set_item("l1_ratio", m.l1_ratio)?;
            out.set_item("solver", m.solver.short_name())?;
        }
        Model::LinearRegression(m) => {
            out.set_item("alpha", m.alpha)?;
            out.set_item("solver", m.solver.short_name())?;
        }
    }
    out.set_item("report", report_dict(py, file.model.report())?)?;
    Ok(out)
}
