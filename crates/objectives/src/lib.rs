//! The functions that `descent` minimizes.
//!
//! An objective is a map `f : P → ℝ` over a parameter type `P`, which is either a scalar
//! (`f64`, for 1-D functions) or a vector (`Array1<f64>`). Four small traits describe what an
//! objective can compute:
//!
//! | trait | computes | for `f64` | for `Array1<f64>` |
//! |---|---|---|---|
//! | [`Objective`] | `f(x)` | `f(x)` | `f(x)` |
//! | [`Gradient`] | `∇f(x)`, and `(f(x), ∇f(x))` in one call | `f′(x)` | `∇f(x)` |
//! | [`Hessian`] | `∇²f(x)` | `f″(x)` | `∇²f(x)` as `Array2<f64>` |
//!
//! [`Gradient::value_and_gradient`] has a default built from the two separate calls; objectives
//! whose value and gradient share work (log loss and mean squared error share the linear
//! predictor `Xw + b`) override it so that a solver pays for that work once.
//!
//! What is here:
//! - 1-D functions ([`univariate`]): from closures, from one closure with automatic derivatives,
//!   and named test functions with known minima; with the `expression` feature, from text
//!   such as `"x^2 - 4*x"` (`expression::Expression`).
//! - Test functions in n dimensions ([`multivariate`]): Rosenbrock and convex quadratics.
//! - Gradients by central differences for functions of a vector known only by their values
//!   ([`finite_difference::FiniteDifference`]).
//! - Losses of linear models: [`LogLoss`] (logistic regression), [`MultinomialLogLoss`]
//!   (multiclass logistic regression) and [`MeanSquaredError`], which
//!   borrow the data and never copy it. The feature matrix ([`Features`]) may be stored as
//!   `f64` or as `f32` (half the memory; every sum still in `f64`).
//! - [`L2Regularized`], an L2 penalty that composes with any vector objective, with
//!   scikit-learn's meaning of `C`.
//! - [`ElasticNet`], the non-smooth L1 and elastic-net penalties, with their proximal
//!   operators, and [`Composite`] objectives (a loss plus such a penalty) whose solutions the
//!   losses certify with a duality gap ([`Smooth::duality_gap`]).
//! - [`Standardized`]: a linear model's objective in the coordinates of standardized
//!   features, a change of variables that preconditions ill-scaled problems without copying
//!   the data.
//!
//! Losses that evaluate a model rather than train it (zero-one loss, accuracy, ROC AUC…)
//! live in `descent_models::metrics`.
//!
//! ```
//! use descent_objectives::{Gradient, Hessian, Objective};
//! use descent_objectives::univariate::ScalarFunction;
//!
//! // f(x) = (x − 3)², f′(x) = 2(x − 3), f″(x) = 2
//! let f = ScalarFunction::new(|x: f64| (x - 3.0).powi(2))
//!     .with_derivative(|x| 2.0 * (x - 3.0))
//!     .with_second_derivative(|_| 2.0);
//! assert_eq!(f.value(&1.0), 4.0);
//! assert_eq!(f.gradient(&1.0), -4.0);
//! assert_eq!(f.hessian(&1.0), 2.0);
//! ```
#![warn(missing_docs)]

// Links the system OpenBLAS that ndarray's `blas` feature calls into. Every binary that uses
// this crate gets the library on its link line through this reference.
use openblas_src as _;

mod blas;
mod elastic_net;
mod error;
#[cfg(feature = "expression")]
pub mod expression;
mod features;
pub mod finite_difference;
mod kernel;
mod linear;
mod logistic;
mod multinomial;
pub mod multivariate;
mod parameter;
mod penalty;
mod shared;
mod squared;
mod standardized;
mod stream;
pub mod univariate;

pub use blas::{blas_threads, set_blas_threads, with_one_blas_thread};
pub use elastic_net::{Composite, ElasticNet, HessianBlock, Smooth};
pub use error::ObjectiveError;
pub use features::{Categorical, DesignMatrix, Element, Features};
pub use linear::{
    checked_sample_weight, data_read, first_non_finite, linear_predictor, row_total, DataRead,
    LinearModelLoss,
};
pub use logistic::{log_sigmoid, sigmoid, LogLoss};
pub use multinomial::{softmax, MultinomialLogLoss};
pub use parameter::Parameter;
pub use penalty::L2Regularized;
pub use shared::{sum_in_row_order, RowGroup, RowShare, ThreadGroup, ROW_BLOCK};
pub use squared::MeanSquaredError;
pub use standardized::{ColumnStatistics, RowMoments, RowMomentsBuilder, Standardized};
pub use stream::{RowBlock, RowSource, StreamError, StreamedLoss};

/// A function to minimize: `x ↦ f(x)`.
///
/// `Param` is `f64` for 1-D functions and `Array1<f64>` for functions of a vector.
pub trait Objective {
    /// The point at which the function is evaluated.
    type Param: Parameter;

    /// `f(x)`.
    ///
    /// # Panics
    /// Objectives with a fixed [`dimension`](Objective::dimension) may panic when `x` has another
    /// length; solvers check the starting point against it before evaluating anything.
    fn value(&self, x: &Self::Param) -> f64;

    /// The number of parameters the objective expects, when it fixes one (a loss over data
    /// with `p` features fixes `p`, or `p + 1` with an intercept). `None` when any length
    /// works, and for scalar functions.
    fn dimension(&self) -> Option<usize> {
        None
    }
}

/// An objective with a gradient `∇f(x)` (the derivative `f′(x)` in one dimension).
pub trait Gradient: Objective {
    /// `∇f(x)`.
    fn gradient(&self, x: &Self::Param) -> Self::Param;

    /// `(f(x), ∇f(x))` in one call.
    ///
    /// The default calls [`value`](Objective::value) and [`gradient`](Gradient::gradient);
    /// objectives whose two computations share work override it. Solvers call this method
    /// whenever they need both, so an override speeds every solver up.
    fn value_and_gradient(&self, x: &Self::Param) -> (f64, Self::Param) {
        (self.value(x), self.gradient(x))
    }

    /// How large a gradient of this objective is, for stopping rules and reports: `‖g‖₂` by
    /// default.
    ///
    /// An objective that is another seen through a change of variables ([`Standardized`])
    /// measures the gradient the other objective has at the same point, so that a solver
    /// working in the new coordinates stops where a solver in the original ones would.
    fn gradient_norm(&self, gradient: &Self::Param) -> f64 {
        gradient.norm()
    }
}

/// An objective with a Hessian `∇²f(x)` (the second derivative `f″(x)` in one dimension).
pub trait Hessian: Gradient {
    /// `∇²f(x)`: an `f64` for scalar parameters, an `Array2<f64>` for vectors.
    fn hessian(&self, x: &Self::Param) -> <Self::Param as Parameter>::Matrix;
}

/// Objectives behind a shared reference are objectives too, so a solver can borrow one.
impl<O: Objective + ?Sized> Objective for &O {
    type Param = O::Param;
    fn value(&self, x: &Self::Param) -> f64 {
        (**self).value(x)
    }
    fn dimension(&self) -> Option<usize> {
        (**self).dimension()
    }
}

impl<O: Gradient + ?Sized> Gradient for &O {
    fn gradient(&self, x: &Self::Param) -> Self::Param {
        (**self).gradient(x)
    }
    fn value_and_gradient(&self, x: &Self::Param) -> (f64, Self::Param) {
        (**self).value_and_gradient(x)
    }
    fn gradient_norm(&self, gradient: &Self::Param) -> f64 {
        (**self).gradient_norm(gradient)
    }
}

impl<O: Hessian + ?Sized> Hessian for &O {
    fn hessian(&self, x: &Self::Param) -> <Self::Param as Parameter>::Matrix {
        (**self).hessian(x)
    }
}
