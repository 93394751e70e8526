//! The Rust side of the Python package `descent`: the extension module `descent._descent`.
//!
//! Python users do not call this module directly. The package's estimators
//! (`descent.LogisticRegression`, …) check and encode their inputs in Python, as scikit-learn
//! does, and call the `models` module's functions with float64 arrays; `descent.minimize` and
//! `descent.minimize_scalar` call the `optimize` module's. Every function releases the GIL while it
//! computes, and takes it back only to call a Python function the user gave.
//!
//! Errors: invalid input or settings raise `ValueError` with the library's message; a model
//! file that cannot be read raises `OSError`. A run that stops without converging is not an
//! error here: its report says why, and the Python side turns that into scikit-learn's
//! `ConvergenceWarning` or scipy's `success=False`.

mod models;
mod optimize;
mod report;

use pyo3::prelude::*;

/// The extension module: the functions the Python package wraps.
#[pymodule]
fn _descent(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("MODEL_FORMAT", descent_models::FORMAT)?;
    m.add_function(wrap_pyfunction!(models::fit_logistic, m)?)?;
    m.add_function(wrap_pyfunction!(models::fit_linear, m)?)?;
    m.add_function(wrap_pyfunction!(models::read_model, m)?)?;
    m.add_function(wrap_pyfunction!(models::model_json, m)?)?;
    m.add_function(wrap_pyfunction!(models::save_model, m)?)?;
    m.add_function(wrap_pyfunction!(optimize::minimize_scalar, m)?)?;
    m.add_function(wrap_pyfunction!(optimize::minimize, m)?)?;
    Ok(())
}
