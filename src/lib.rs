//! # descent
//!
//! Numerical optimization with pluggable objectives, and the linear models built on it.
//!
//! This facade re-exports the workspace's crates:
//! - [`objectives`]: the functions to minimize, with value, gradient and Hessian traits
//!   (1-D functions from closures, automatic derivatives or text; log loss, mean squared
//!   error, L2 penalties; finite-difference gradients);
//! - [`solvers`]: gradient descent, Newton's method, and argmin's L-BFGS, BFGS, Newton-CG,
//!   conjugate gradient, steepest descent, Nelder-Mead, Brent and golden-section search, all
//!   returning one `Report` whose verdict is checked at the end point;
//! - [`models`]: logistic and linear regression with scikit-learn's parameters, built from
//!   the two above, with CSV reading, scaling, splitting, metrics and model files;
//! - [`ndarray`](https://docs.rs/ndarray/0.16/ndarray/): the version of ndarray that all of
//!   them take and return. Use it as
//!   `descent::ndarray` (or depend on the same version) — arrays from another version of
//!   ndarray are other types, and do not fit.
//!
//! In the parameter vector of a linear model, the intercept comes last: `[w₁, …, w_p, b]`.
//!
//! ```
//! use descent::ndarray::{array, Array1};
//! use descent::objectives::{L2Regularized, LogLoss};
//! use descent::solvers::{Minimize, Newton};
//!
//! let x = array![[0.5], [1.0], [1.5], [2.0], [2.5], [3.0]];
//! let y = array![0.0, 0.0, 1.0, 0.0, 1.0, 1.0];
//! // scikit-learn's LogisticRegression(C=1.0): C·Σ log loss + ½‖w‖², intercept unpenalized.
//! let objective = L2Regularized::with_c(LogLoss::new(&x, &y)?, 1.0)?;
//! let report = Newton::new().minimize(&objective, Array1::zeros(2))?.into_converged()?;
//! println!("w = {}, b = {} after {} iterations", report.x[0], report.x[1], report.iterations);
//! assert!(report.gradient_norm.unwrap() < 1e-8);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

pub use descent_models as models;
pub use descent_objectives as objectives;
pub use descent_solvers as solvers;
/// The ndarray the crates take and return (a different version's arrays are other types).
pub use ndarray;

/// The README's code blocks, compiled and run as doc tests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
