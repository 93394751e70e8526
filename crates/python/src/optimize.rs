//! scipy-style minimizers: `descent.minimize_scalar` and `descent.minimize`.
//!
//! The function is either a Python callable (with its derivatives as further callables, or
//! `jac=True` when `fun` returns `(f, ∇f)` as in scipy) or an expression given as text,
//! which is parsed and differentiated exactly in Rust and never calls back into Python. The
//! solvers run without the GIL; a callable takes it back only for its own call.
//!
//! An exception raised by a callable stops the run: the callable reports NaN from then on
//! (without calling Python again), the solver stops on the non-finite value, and the
//! exception is raised to the caller in place of a result.

use crate::report::report_dict;
use descent_objectives::expression::{Expression, VectorExpression};
use descent_objectives::finite_difference::FiniteDifference;
use descent_objectives::{Gradient, Hessian, Objective};
use descent_solvers::{
    bracket_minimum, Bfgs, Brent, ConjugateGradient, GoldenSection, GradientDescent, Lbfgs,
    Minimize, NelderMead, Newton, NewtonCg, Report, SolverError, SteepestDescent, Stopping,
};
use ndarray::{Array1, Array2};
use numpy::{IntoPyArray, PyReadonlyArray1, PyReadonlyArray2, ToPyArray};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use std::sync::Mutex;

/// The gradient the caller gave: none, a callable, or `jac=True` (`fun` returns `(f, ∇f)`).
enum Jacobian {
    Missing,
    Callable(Py<PyAny>),
    WithValue,
}

/// A Python function and its derivatives, with the first exception any of them raised.
struct Callables {
    fun: Py<PyAny>,
    jac: Jacobian,
    hess: Option<Py<PyAny>>,
    error: Mutex<Option<PyErr>>,
}

impl Callables {
    fn new(
        py: Python<'_>,
        fun: Py<PyAny>,
        jac: Option<&Bound<'_, PyAny>>,
        hess: Option<Py<PyAny>>,
    ) -> PyResult<Self> {
        let jac = match jac {
            None => Jacobian::Missing,
            Some(j) if j.is_instance_of::<pyo3::types::PyBool>() => {
                if j.extract::<bool>()? {
                    Jacobian::WithValue
                } else {
                    Jacobian::Missing
                }
            }
            Some(j) if j.is_callable() => Jacobian::Callable(j.clone().unbind()),
            Some(j) => {
                return Err(PyTypeError::new_err(format!(
                    "jac must be a callable, True or None, not {}",
                    j.get_type().name()?
                )))
            }
        };
        if let Some(h) = &hess {
            if !h.bind(py).is_callable() {
                return Err(PyTypeError::new_err("hess must be a callable or None"));
            }
        }
        Ok(Callables {
            fun,
            jac,
            hess,
            error: Mutex::new(None),
        })
    }

    fn has_gradient(&self) -> bool {
        !matches!(self.jac, Jacobian::Missing)
    }

    /// Runs `call` with the GIL, unless an earlier call failed; a failure is kept and
    /// `fallback` returned.
    fn guarded<T>(&self, fallback: T, call: impl FnOnce(Python<'_>) -> PyResult<T>) -> T {
        let mut error = match self.error.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if error.is_some() {
            return fallback;
        }
        match Python::attach(call) {
            Ok(value) => value,
            Err(e) => {
                *error = Some(e);
                fallback
            }
        }
    }

    /// The exception a callable raised, if any.
    fn take_error(&self) -> Option<PyErr> {
        match self.error.lock() {
            Ok(mut guard) => guard.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        }
    }

    /// `fun(arg)` as a float; with `jac=True`, the first item of the pair it returns.
    fn value(&self, py: Python<'_>, arg: Bound<'_, PyAny>) -> PyResult<f64> {
        let out = self.fun.bind(py).call1((arg,))?;
        let out = match self.jac {
            Jacobian::WithValue => pair(&out)?.0,
            _ => out,
        };
        out.extract::<f64>().map_err(|_| {
            PyTypeError::new_err(format!(
                "fun must return a float, not {}",
                out.get_type()
                    .name()
                    .map_or_else(|_| "?".into(), |n| n.to_string())
            ))
        })
    }

    /// `jac(arg)`, or the second item of `fun(arg)` with `jac=True`.
    fn gradient<'py>(
        &self,
        py: Python<'py>,
        arg: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        match &self.jac {
            Jacobian::Callable(j) => j.bind(py).call1((arg,)),
            Jacobian::WithValue => Ok(pair(&self.fun.bind(py).call1((arg,))?)?.1),
            Jacobian::Missing => Err(PyValueError::new_err("no jac was given")),
        }
    }

    /// `hess(arg)`.
    fn hessian<'py>(&self, py: Python<'py>, arg: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        match &self.hess {
            Some(h) => h.bind(py).call1((arg,)),
            None => Err(PyValueError::new_err("no hess was given")),
        }
    }
}

/// The `(f, ∇f)` pair that `fun` returns when `jac=True`.
fn pair<'py>(out: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let tuple = out
        .cast::<PyTuple>()
        .map_err(|_| PyTypeError::new_err("with jac=True, fun must return a pair (f, gradient)"))?;
    if tuple.len() != 2 {
        return Err(PyTypeError::new_err(
            "with jac=True, fun must return a pair (f, gradient)",
        ));
    }
    Ok((tuple.get_item(0)?, tuple.get_item(1)?))
}

/// A float from a callable's result (a Python float, or a numpy scalar or 0-d array).
fn float(out: &Bound<'_, PyAny>, what: &str) -> PyResult<f64> {
    out.extract::<f64>()
        .map_err(|_| PyTypeError::new_err(format!("{what} must return a float")))
}

/// A 1-D Python function `f(x: float) -> float`.
struct ScalarCallable(Callables);

impl Objective for ScalarCallable {
    type Param = f64;
    fn value(&self, x: &f64) -> f64 {
        self.0.guarded(f64::NAN, |py| {
            self.0.value(py, x.into_pyobject(py)?.into_any())
        })
    }
}

impl Gradient for ScalarCallable {
    fn gradient(&self, x: &f64) -> f64 {
        self.0.guarded(f64::NAN, |py| {
            float(
                &self.0.gradient(py, x.into_pyobject(py)?.into_any())?,
                "jac",
            )
        })
    }
}

impl Hessian for ScalarCallable {
    fn hessian(&self, x: &f64) -> f64 {
        self.0.guarded(f64::NAN, |py| {
            float(
                &self.0.hessian(py, x.into_pyobject(py)?.into_any())?,
                "hess",
            )
        })
    }
}

/// A Python function of a vector, `f(x: ndarray) -> float`, with `n` variables. Each call
/// gets a fresh array, so the function may keep or change it.
struct VectorCallable {
    callables: Callables,
    n: usize,
}

impl VectorCallable {
    fn argument<'py>(py: Python<'py>, x: &Array1<f64>) -> Bound<'py, PyAny> {
        x.to_pyarray(py).into_any()
    }
}

impl Objective for VectorCallable {
    type Param = Array1<f64>;
    fn value(&self, x: &Array1<f64>) -> f64 {
        self.callables.guarded(f64::NAN, |py| {
            self.callables.value(py, Self::argument(py, x))
        })
    }
    fn dimension(&self) -> Option<usize> {
        Some(self.n)
    }
}

impl Gradient for VectorCallable {
    fn gradient(&self, x: &Array1<f64>) -> Array1<f64> {
        let n = self.n;
        self.callables
            .guarded(Array1::from_elem(n, f64::NAN), |py| {
                let out = self.callables.gradient(py, Self::argument(py, x))?;
                let g = vector(&out)?;
                if g.len() != n {
                    return Err(PyValueError::new_err(format!(
                        "jac returned {} values for {n} variables",
                        g.len()
                    )));
                }
                Ok(g)
            })
    }
}

impl Hessian for VectorCallable {
    fn hessian(&self, x: &Array1<f64>) -> Array2<f64> {
        let n = self.n;
        self.callables
            .guarded(Array2::from_elem((n, n), f64::NAN), |py| {
                let out = self.callables.hessian(py, Self::argument(py, x))?;
                let numpy = py.import("numpy")?;
                let array = numpy.call_method1("asarray", (out, "float64"))?;
                let h: PyReadonlyArray2<'_, f64> = array
                    .extract()
                    .map_err(|_| PyValueError::new_err("hess must return a 2-D array of floats"))?;
                let h = h.as_array();
                if h.dim() != (n, n) {
                    return Err(PyValueError::new_err(format!(
                        "hess returned a {}×{} matrix for {n} variables",
                        h.nrows(),
                        h.ncols()
                    )));
                }
                Ok(h.to_owned())
            })
    }
}

/// A 1-D float array from any array-like (numpy's `asarray`).
fn vector(out: &Bound<'_, PyAny>) -> PyResult<Array1<f64>> {
    let numpy = out.py().import("numpy")?;
    let array = numpy.call_method1("asarray", (out, "float64"))?;
    let array = array.call_method0("ravel")?;
    let g: PyReadonlyArray1<'_, f64> = array
        .extract()
        .map_err(|_| PyValueError::new_err("jac must return a 1-D array of floats"))?;
    Ok(g.as_array().to_owned())
}

/// The 1-D methods.
#[derive(Clone, Copy, PartialEq)]
enum ScalarMethod {
    Brent,
    Golden,
    Newton,
    GradientDescent,
}

impl ScalarMethod {
    fn parse(name: &str) -> PyResult<Self> {
        match name.to_ascii_lowercase().as_str() {
            "brent" | "bounded" => Ok(ScalarMethod::Brent),
            "golden" => Ok(ScalarMethod::Golden),
            "newton" => Ok(ScalarMethod::Newton),
            "gd" => Ok(ScalarMethod::GradientDescent),
            other => Err(PyValueError::new_err(format!(
                "unknown method {other:?} for minimize_scalar: use 'brent', 'golden', 'newton' or 'gd'"
            ))),
        }
    }
}

/// Settings of a 1-D run.
struct ScalarSettings {
    method: ScalarMethod,
    x0: Option<f64>,
    bracket: Option<Vec<f64>>,
    bounds: Option<(f64, f64)>,
    tol: Option<f64>,
    max_iter: usize,
    learning_rate: f64,
}

/// A 1-D run: Brent or golden section on an interval (given as `bounds`, as scipy's three-point
/// `bracket`, or searched for downhill from a two-point `bracket` or from `x0`), or Newton or
/// gradient descent from `x0` (default 0).
fn solve_scalar<O: Hessian<Param = f64>>(
    f: &O,
    s: &ScalarSettings,
) -> Result<Report<f64>, SolverError> {
    if matches!(s.method, ScalarMethod::Brent | ScalarMethod::Golden) {
        let (a, b, middle) = match (s.bounds, s.bracket.as_deref()) {
            (Some((a, b)), _) | (None, Some(&[a, _, b])) if s.bounds.is_some() => (a, b, None),
            (None, Some(&[a, m, b])) => (a.min(b), a.max(b), Some(m)),
            (None, Some(&[a, b])) => {
                let found = bracket_minimum(f, a, b - a)?;
                (found.lower, found.upper, Some(found.middle))
            }
            _ => {
                let found = bracket_minimum(f, s.x0.unwrap_or(0.0), 1.0)?;
                (found.lower, found.upper, Some(found.middle))
            }
        };
        let start = s.x0.or(middle).unwrap_or(0.5 * (a + b));
        return if s.method == ScalarMethod::Brent {
            let mut brent = Brent::new(a, b).max_iterations(s.max_iter);
            if let Some(t) = s.tol {
                brent = brent.tolerance(t);
            }
            brent.minimize(f, start)
        } else {
            let mut golden = GoldenSection::new(a, b).max_iterations(s.max_iter);
            if let Some(t) = s.tol {
                golden = golden.tolerance(t);
            }
            golden.minimize(f, start)
        };
    }
    let stop = Stopping {
        max_iterations: s.max_iter,
        gradient_tolerance: s.tol.unwrap_or(1e-8),
        ..Stopping::default()
    };
    let x0 = s.x0.unwrap_or(0.0);
    match s.method {
        ScalarMethod::Newton => Newton::new().stopping(stop).minimize(f, x0),
        _ => GradientDescent::new(s.learning_rate)
            .stopping(stop)
            .minimize(f, x0),
    }
}

/// The result dict shared by both minimizers: scipy's `OptimizeResult` fields and descent's
/// report.
fn result<'py, P>(
    py: Python<'py>,
    report: &Report<P>,
    x: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("x", x)?;
    out.set_item("fun", report.value)?;
    out.set_item("nit", report.iterations)?;
    out.set_item("nfev", report.evaluations.value)?;
    out.set_item("njev", report.evaluations.gradient)?;
    out.set_item("nhev", report.evaluations.hessian)?;
    out.set_item("success", report.converged())?;
    out.set_item("message", report.termination.to_string())?;
    out.set_item("report", report_dict(py, report)?)?;
    Ok(out)
}

/// Adds the iterates to the report's history as `"x"`: a 1-D array for a function of one
/// variable, one row per recorded iteration for a function of a vector.
fn add_path<'py>(out: &Bound<'py, PyDict>, path: Bound<'py, PyAny>) -> PyResult<()> {
    let report = out
        .get_item("report")?
        .ok_or_else(|| PyValueError::new_err("no report"))?;
    let history = report.get_item("history")?;
    history.set_item("x", path)
}

/// A solver error as `ValueError`: bad settings, a start where `f` is not finite, no bracket
/// found. (An exception a callable raised is taken first, by the caller.)
fn failed(error: SolverError) -> PyErr {
    PyValueError::new_err(error.to_string())
}

/// Minimizes a function of one variable. `fun` is a callable `f(x) -> float` or an
/// expression in `x` as text (`"x^4 - 3*x"`, derivatives exact). See the Python docstring of
/// `descent.minimize_scalar` for the parameters; returns the fields of scipy's
/// `OptimizeResult` and `report`.
#[pyfunction]
#[pyo3(signature = (fun, method="brent", *, x0=None, bracket=None, bounds=None, jac=None, hess=None, tol=None, maxiter=1000, learning_rate=0.1))]
#[allow(
    clippy::too_many_arguments,
    reason = "scipy's parameters, passed by keyword"
)]
pub(crate) fn minimize_scalar<'py>(
    py: Python<'py>,
    fun: &Bound<'py, PyAny>,
    method: &str,
    x0: Option<f64>,
    bracket: Option<Vec<f64>>,
    bounds: Option<(f64, f64)>,
    jac: Option<&Bound<'py, PyAny>>,
    hess: Option<Py<PyAny>>,
    tol: Option<f64>,
    maxiter: usize,
    learning_rate: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let settings = ScalarSettings {
        method: ScalarMethod::parse(method)?,
        x0,
        bracket,
        bounds,
        tol,
        max_iter: maxiter,
        learning_rate,
    };
    if let Some(b) = &settings.bracket {
        if !matches!(b.len(), 2 | 3) {
            return Err(PyValueError::new_err(
                "bracket must have two points (a search starts there) or three (a, b, c with f(b) below f(a) and f(c))",
            ));
        }
    }
    // The report, and the derivative at its end point where there is one (scipy's `jac`).
    let (report, slope) = if let Ok(text) = fun.extract::<String>() {
        let f = Expression::parse(&text).map_err(|e| PyValueError::new_err(e.to_string()))?;
        let report = py.detach(|| solve_scalar(&f, &settings)).map_err(failed)?;
        let slope = f.gradient(&report.x);
        (report, Some(slope))
    } else {
        if !fun.is_callable() {
            return Err(PyTypeError::new_err(
                "fun must be a callable or an expression in x given as text",
            ));
        }
        let f = ScalarCallable(Callables::new(py, fun.clone().unbind(), jac, hess)?);
        let needs = match settings.method {
            ScalarMethod::Newton if !f.0.has_gradient() || f.0.hess.is_none() => {
                Some("jac and hess")
            }
            ScalarMethod::GradientDescent if !f.0.has_gradient() => Some("jac"),
            _ => None,
        };
        if let Some(needs) = needs {
            return Err(PyValueError::new_err(format!(
                "method={method:?} needs {needs} for a callable (or give f as an expression in x, whose derivatives are exact)"
            )));
        }
        let solved = py.detach(|| solve_scalar(&f, &settings));
        let slope = match &solved {
            Ok(report) if f.0.has_gradient() => Some(f.gradient(&report.x)),
            _ => None,
        };
        if let Some(e) = f.0.take_error() {
            return Err(e);
        }
        (solved.map_err(failed)?, slope)
    };
    let x = report.x.into_pyobject(py)?.into_any();
    let out = result(py, &report, x)?;
    out.set_item("jac", slope)?;
    let path: Vec<f64> = report.history.iter().map(|r| r.x).collect();
    add_path(&out, path.into_pyarray(py).into_any())?;
    Ok(out)
}

/// The n-D methods.
#[derive(Clone, Copy, PartialEq)]
enum Method {
    Newton,
    Lbfgs,
    Bfgs,
    ConjugateGradient,
    NewtonCg,
    NelderMead,
    GradientDescent,
    SteepestDescent,
}

impl Method {
    fn parse(name: &str) -> PyResult<Self> {
        Ok(match name.to_ascii_lowercase().replace('_', "-").as_str() {
            "newton" => Method::Newton,
            "lbfgs" | "l-bfgs" | "l-bfgs-b" => Method::Lbfgs,
            "bfgs" => Method::Bfgs,
            "cg" => Method::ConjugateGradient,
            "newton-cg" => Method::NewtonCg,
            "nelder-mead" => Method::NelderMead,
            "gd" => Method::GradientDescent,
            "steepest" => Method::SteepestDescent,
            other => {
                return Err(PyValueError::new_err(format!(
                    "unknown method {other:?} for minimize: use 'newton', 'lbfgs', 'bfgs', 'cg', \
                     'newton-cg', 'nelder-mead', 'gd' or 'steepest'"
                )))
            }
        })
    }

    fn needs_hessian(self) -> bool {
        matches!(self, Method::Newton | Method::NewtonCg)
    }
}

/// Runs a gradient method on `f`'s own gradient, or on central differences of `f`.
fn with_gradient<O, S>(
    solver: S,
    f: &O,
    x0: Array1<f64>,
    estimate: bool,
) -> Result<Report<Array1<f64>>, SolverError>
where
    O: Gradient<Param = Array1<f64>>,
    S: Minimize<O> + for<'a> Minimize<FiniteDifference<&'a O>>,
{
    if estimate {
        solver.minimize(&FiniteDifference::new(f), x0)
    } else {
        solver.minimize(f, x0)
    }
}

/// An n-D run from `x0`.
fn solve<O: Hessian<Param = Array1<f64>>>(
    f: &O,
    method: Method,
    x0: Array1<f64>,
    stop: Stopping,
    learning_rate: f64,
    estimate_gradient: bool,
) -> Result<Report<Array1<f64>>, SolverError> {
    let fd = estimate_gradient;
    match method {
        Method::Newton => Newton::new().stopping(stop).minimize(f, x0),
        Method::NewtonCg => NewtonCg::new().stopping(stop).minimize(f, x0),
        Method::NelderMead => NelderMead::new().stopping(stop).minimize(f, x0),
        Method::Lbfgs => with_gradient(Lbfgs::new().stopping(stop), f, x0, fd),
        Method::Bfgs => with_gradient(Bfgs::new().stopping(stop), f, x0, fd),
        Method::ConjugateGradient => {
            with_gradient(ConjugateGradient::new().stopping(stop), f, x0, fd)
        }
        Method::SteepestDescent => with_gradient(SteepestDescent::new().stopping(stop), f, x0, fd),
        Method::GradientDescent => with_gradient(
            GradientDescent::new(learning_rate).stopping(stop),
            f,
            x0,
            fd,
        ),
    }
}

/// Minimizes a function of a vector from `x0`. `fun` is a callable `f(x: ndarray) -> float`
/// (gradient from `jac`, or `jac=True`, or central differences when neither) or an
/// expression as text in named variables (`"(1 - x)^2 + 100*(y - x^2)^2"`, variables in
/// order of first appearance, derivatives exact). Returns the fields of scipy's
/// `OptimizeResult` and `report`.
#[pyfunction]
#[pyo3(signature = (fun, x0, method="lbfgs", *, jac=None, hess=None, tol=None, maxiter=None, learning_rate=0.1))]
#[allow(
    clippy::too_many_arguments,
    reason = "scipy's parameters, passed by keyword"
)]
pub(crate) fn minimize<'py>(
    py: Python<'py>,
    fun: &Bound<'py, PyAny>,
    x0: &Bound<'py, PyAny>,
    method: &str,
    jac: Option<&Bound<'py, PyAny>>,
    hess: Option<Py<PyAny>>,
    tol: Option<f64>,
    maxiter: Option<usize>,
    learning_rate: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let method = Method::parse(method)?;
    let x0 = vector(x0)?;
    let nelder_mead = method == Method::NelderMead;
    let stop = Stopping {
        max_iterations: maxiter.unwrap_or(if nelder_mead { 10_000 } else { 1000 }),
        gradient_tolerance: tol.unwrap_or(if nelder_mead { 1e-5 } else { 1e-8 }),
        ..Stopping::default()
    };
    // The report, and the gradient at its end point where there is one (scipy's `jac`).
    let (report, gradient) = if let Ok(text) = fun.extract::<String>() {
        let f = VectorExpression::parse(&text).map_err(|e| PyValueError::new_err(e.to_string()))?;
        let n = f.variables().len();
        if x0.len() != n {
            return Err(PyValueError::new_err(format!(
                "x0 has {} values, but the expression has {n} variables ({})",
                x0.len(),
                f.variables().join(", ")
            )));
        }
        let report = py
            .detach(|| solve(&f, method, x0, stop, learning_rate, false))
            .map_err(failed)?;
        let gradient = f.gradient(&report.x);
        (report, Some(gradient))
    } else {
        if !fun.is_callable() {
            return Err(PyTypeError::new_err(
                "fun must be a callable or an expression given as text",
            ));
        }
        let callables = Callables::new(py, fun.clone().unbind(), jac, hess)?;
        if method.needs_hessian() && (!callables.has_gradient() || callables.hess.is_none()) {
            return Err(PyValueError::new_err(
                "method='newton' and 'newton-cg' need jac and hess for a callable (or give the function as an expression, whose derivatives are exact)",
            ));
        }
        let estimate = !callables.has_gradient() && !nelder_mead;
        let f = VectorCallable {
            callables,
            n: x0.len(),
        };
        let solved = py.detach(|| solve(&f, method, x0, stop, learning_rate, estimate));
        let gradient = match &solved {
            Ok(report) if f.callables.has_gradient() => Some(f.gradient(&report.x)),
            Ok(report) if estimate => Some(FiniteDifference::new(&f).gradient(&report.x)),
            _ => None,
        };
        if let Some(e) = f.callables.take_error() {
            return Err(e);
        }
        (solved.map_err(failed)?, gradient)
    };
    let x = report.x.clone().into_pyarray(py).into_any();
    let out = result(py, &report, x)?;
    out.set_item("jac", gradient.map(|g| g.into_pyarray(py)))?;
    let n = report.x.len();
    let mut path = Array2::zeros((report.history.len(), n));
    for (mut row, record) in path.rows_mut().into_iter().zip(&report.history) {
        if record.x.len() == n {
            row.assign(&record.x);
        }
    }
    add_path(&out, path.into_pyarray(py).into_any())?;
    Ok(out)
}
