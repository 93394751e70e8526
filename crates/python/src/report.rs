//! A solver's [`Report`] as a Python dict: what `report_` holds on a fitted estimator, and what
//! the minimizers' results are built from.

use descent_solvers::{Report, Step};
use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The report's summary fields and its history, one array per column:
///
/// | key | value |
/// |---|---|
/// | `solver` | the solver's name |
/// | `converged` | whether the termination is a convergence, checked at the end point |
/// | `termination` | why the solver stopped, in words |
/// | `reason` | the same, briefly (`"converged (gradient)"`, `"iteration limit"`, …) |
/// | `value`, `gradient_norm` | the objective and `‖∇f‖₂` at the end point (`None` without a gradient) |
/// | `iterations`, `evaluations` | the solver's iterations; `{"value", "gradient", "hessian"}` counts |
/// | `duality_gap`, `non_zeros` | for the L1 and elastic-net fits, else `None` |
/// | `seconds` | the solver's wall time |
/// | `history` | `{"iteration", "value", "gradient_norm", "step_length"}` arrays (`NaN` gradient norm where none), `"step"` a list of step kinds |
pub(crate) fn report_dict<'py, P>(
    py: Python<'py>,
    report: &Report<P>,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("solver", &report.solver)?;
    dict.set_item("converged", report.converged())?;
    dict.set_item("termination", report.termination.to_string())?;
    dict.set_item("reason", report.termination.brief())?;
    dict.set_item("value", report.value)?;
    dict.set_item("gradient_norm", report.gradient_norm)?;
    dict.set_item("iterations", report.iterations)?;
    let evaluations = PyDict::new(py);
    evaluations.set_item("value", report.evaluations.value)?;
    evaluations.set_item("gradient", report.evaluations.gradient)?;
    evaluations.set_item("hessian", report.evaluations.hessian)?;
    dict.set_item("evaluations", evaluations)?;
    dict.set_item("duality_gap", report.duality_gap)?;
    dict.set_item("non_zeros", report.non_zeros)?;
    dict.set_item("seconds", report.elapsed.as_secs_f64())?;

    let history = PyDict::new(py);
    let column = |f: &dyn Fn(&descent_solvers::Record<P>) -> f64| {
        report.history.iter().map(f).collect::<Vec<f64>>()
    };
    let iterations: Vec<u64> = report.history.iter().map(|r| r.iteration as u64).collect();
    history.set_item("iteration", iterations.into_pyarray(py))?;
    history.set_item("value", column(&|r| r.value).into_pyarray(py))?;
    history.set_item(
        "gradient_norm",
        column(&|r| r.gradient_norm.unwrap_or(f64::NAN)).into_pyarray(py),
    )?;
    history.set_item("step_length", column(&|r| r.step_length).into_pyarray(py))?;
    let steps: Vec<&str> = report.history.iter().map(|r| step_kind(&r.step)).collect();
    history.set_item("step", steps)?;
    dict.set_item("history", history)?;
    Ok(dict)
}

/// The kind of an iteration's step, as one word.
fn step_kind(step: &Step) -> &'static str {
    match step {
        Step::Start => "start",
        Step::Gradient { .. } => "gradient",
        Step::Newton { .. } => "newton",
        Step::DampedNewton { .. } => "damped_newton",
        Step::SteepestDescent { .. } => "steepest_descent",
        Step::QuasiNewton => "quasi_newton",
        Step::LineSearch => "line_search",
        Step::Bracketing => "bracketing",
        Step::Simplex => "simplex",
        Step::Proximal { .. } => "proximal",
        Step::ProximalNewton { .. } => "proximal_newton",
    }
}
