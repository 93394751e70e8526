//! Functions of one variable: from closures, with automatic derivatives, and named test
//! functions with known minima.
//!
//! Every type here is an [`Objective`] with `Param = f64`; [`Gradient::gradient`] is `f′(x)`
//! and [`Hessian::hessian`] is `f″(x)`.

use crate::{Gradient, Hessian, Objective};
pub use num_dual::{Dual2_64, DualNum};

/// Marks a derivative that was not given (so the trait it would implement is absent).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDerivative;

/// A 1-D function from closures: `f`, and optionally `f′` and `f″`.
///
/// A closure that is not given leaves the corresponding trait unimplemented, so a solver
/// that needs a derivative the function does not have is a compile-time error, not a run-time
/// one. Brent's method and golden-section search need only `f`.
///
/// ```
/// use descent_objectives::univariate::ScalarFunction;
/// use descent_objectives::{Gradient, Objective};
///
/// let value_only = ScalarFunction::new(|x: f64| x.cos());
/// assert_eq!(value_only.value(&0.0), 1.0);
///
/// let with_slope = ScalarFunction::new(|x: f64| x * x).with_derivative(|x| 2.0 * x);
/// assert_eq!(with_slope.value_and_gradient(&3.0), (9.0, 6.0));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ScalarFunction<F, D = NoDerivative, D2 = NoDerivative> {
    f: F,
    df: D,
    d2f: D2,
}

impl<F: Fn(f64) -> f64> ScalarFunction<F> {
    /// A function known only by its values.
    pub fn new(f: F) -> Self {
        ScalarFunction {
            f,
            df: NoDerivative,
            d2f: NoDerivative,
        }
    }
}

impl<F, D2> ScalarFunction<F, NoDerivative, D2> {
    /// Adds the first derivative `f′`.
    pub fn with_derivative<D: Fn(f64) -> f64>(self, df: D) -> ScalarFunction<F, D, D2> {
        ScalarFunction {
            f: self.f,
            df,
            d2f: self.d2f,
        }
    }
}

impl<F, D> ScalarFunction<F, D, NoDerivative> {
    /// Adds the second derivative `f″`.
    pub fn with_second_derivative<D2: Fn(f64) -> f64>(self, d2f: D2) -> ScalarFunction<F, D, D2> {
        ScalarFunction {
            f: self.f,
            df: self.df,
            d2f,
        }
    }
}

impl<F: Fn(f64) -> f64, D, D2> Objective for ScalarFunction<F, D, D2> {
    type Param = f64;
    fn value(&self, x: &f64) -> f64 {
        (self.f)(*x)
    }
}

impl<F: Fn(f64) -> f64, D: Fn(f64) -> f64, D2> Gradient for ScalarFunction<F, D, D2> {
    fn gradient(&self, x: &f64) -> f64 {
        (self.df)(*x)
    }
}

impl<F, D, D2> Hessian for ScalarFunction<F, D, D2>
where
    F: Fn(f64) -> f64,
    D: Fn(f64) -> f64,
    D2: Fn(f64) -> f64,
{
    fn hessian(&self, x: &f64) -> f64 {
        (self.d2f)(*x)
    }
}

/// A 1-D function whose first and second derivatives come from automatic differentiation.
///
/// The closure is written once, over second-order dual numbers ([`Dual2_64`], from
/// [num-dual](https://docs.rs/num-dual)); one evaluation yields `f(x)`, `f′(x)` and `f″(x)`,
/// exact to rounding (no finite differences). Rust closures cannot be generic over the number
/// type, so the closure takes `Dual2_64`; numeric constants mix in as `f64` (`x.powi(2)`,
/// `x.sin()`, `x.exp()`, …, from the [`DualNum`] trait).
///
/// **Write the dual number first**: `x * 3.0`, `x + 1.0`, `x / 2.0` and `x - 4.0` compile,
/// but `3.0 * x`, `1.0 + x` and `2.0 / x` do not (num-dual implements the operators with the
/// dual number on the left only). Reorder (`x * 3.0`), negate (`-x + 1.0` for `1 − x`), or
/// lift the constant: `Dual2_64::from(2.0) / x`.
///
/// ```compile_fail
/// use descent_objectives::univariate::{AutoDiff, Dual2_64};
/// let f = AutoDiff::new(|x: Dual2_64| 3.0 * x); // f64 * Dual2_64: not implemented
/// ```
///
/// ```
/// use descent_objectives::univariate::{AutoDiff, Dual2_64, DualNum};
/// use descent_objectives::Objective;
/// let f = AutoDiff::new(|x: Dual2_64| x * 3.0 - x + 1.0 + Dual2_64::from(2.0) / x);
/// assert_eq!(f.value(&2.0), 6.0); // 6 − 2 + 1 + 1
/// ```
///
/// ```
/// use descent_objectives::univariate::{AutoDiff, Dual2_64, DualNum};
/// use descent_objectives::{Gradient, Hessian, Objective};
///
/// // f(x) = x³ − 2x, f′(x) = 3x² − 2, f″(x) = 6x
/// let f = AutoDiff::new(|x: Dual2_64| x.powi(3) - x * 2.0);
/// assert_eq!(f.value(&2.0), 4.0);
/// assert_eq!(f.gradient(&2.0), 10.0);
/// assert_eq!(f.hessian(&2.0), 12.0);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct AutoDiff<F> {
    f: F,
}

impl<F: Fn(Dual2_64) -> Dual2_64> AutoDiff<F> {
    /// Wraps `f`, written over [`Dual2_64`].
    pub fn new(f: F) -> Self {
        AutoDiff { f }
    }

    /// `(f(x), f′(x), f″(x))` from one evaluation.
    pub fn derivatives(&self, x: f64) -> (f64, f64, f64) {
        let y = (self.f)(Dual2_64::from_re(x).derivative());
        (y.re, y.v1, y.v2)
    }
}

impl<F: Fn(Dual2_64) -> Dual2_64> Objective for AutoDiff<F> {
    type Param = f64;
    fn value(&self, x: &f64) -> f64 {
        (self.f)(Dual2_64::from_re(*x)).re
    }
}

impl<F: Fn(Dual2_64) -> Dual2_64> Gradient for AutoDiff<F> {
    fn gradient(&self, x: &f64) -> f64 {
        self.derivatives(*x).1
    }
    fn value_and_gradient(&self, x: &f64) -> (f64, f64) {
        let (f, df, _) = self.derivatives(*x);
        (f, df)
    }
}

impl<F: Fn(Dual2_64) -> Dual2_64> Hessian for AutoDiff<F> {
    fn hessian(&self, x: &f64) -> f64 {
        self.derivatives(*x).2
    }
}

/// Implements the three objective traits for a named 1-D function from its closed forms.
macro_rules! scalar_test_function {
    ($name:ident, |$s:ident, $x:ident| $f:expr, $df:expr, $d2f:expr) => {
        impl Objective for $name {
            type Param = f64;
            fn value(&self, x: &f64) -> f64 {
                #[allow(unused_variables)]
                let ($s, $x) = (self, *x);
                $f
            }
        }
        impl Gradient for $name {
            fn gradient(&self, x: &f64) -> f64 {
                #[allow(unused_variables)]
                let ($s, $x) = (self, *x);
                $df
            }
        }
        impl Hessian for $name {
            fn hessian(&self, x: &f64) -> f64 {
                #[allow(unused_variables)]
                let ($s, $x) = (self, *x);
                $d2f
            }
        }
    };
}

/// A convex parabola `f(x) = a(x − m)²` with `a > 0`: minimum 0 at `x = m`.
///
/// Gradient descent with step `γ` contracts the error by `|1 − 2aγ|` per iteration (it
/// diverges for `γ > 1/a`); Newton's method lands on `m` in one step.
///
/// ```
/// use descent_objectives::univariate::Parabola;
/// use descent_objectives::{Gradient, Objective};
/// let f = Parabola::new(2.0, 3.0);
/// assert_eq!(f.value(&4.0), 2.0);
/// assert_eq!(f.gradient(&4.0), 4.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Parabola {
    /// Curvature `a` (half the second derivative).
    pub curvature: f64,
    /// Minimizer `m`.
    pub minimizer: f64,
}

impl Parabola {
    /// `a(x − m)²`.
    pub fn new(curvature: f64, minimizer: f64) -> Self {
        Parabola {
            curvature,
            minimizer,
        }
    }
}

scalar_test_function!(
    Parabola,
    |s, x| s.curvature * (x - s.minimizer).powi(2),
    2.0 * s.curvature * (x - s.minimizer),
    2.0 * s.curvature
);

/// A tilted double well `f(x) = (x² − 1)² + t·x`: a quartic with two local minima.
///
/// For `|t| < 8/√27 ≈ 1.54` it has minima near `x = −1` and `x = +1` and a local maximum
/// near 0, where `f″ < 0`: plain Newton steps from near 0 head for the maximum. With `t > 0`
/// the left minimum is the global one. [`DoubleWell::stationary_points`] gives all three
/// in closed form.
///
/// ```
/// use descent_objectives::univariate::DoubleWell;
/// use descent_objectives::Gradient;
/// let f = DoubleWell::new(0.5);
/// let [left, peak, right] = f.stationary_points().unwrap();
/// for x in [left, peak, right] {
///     assert!(f.gradient(&x).abs() < 1e-12);
/// }
/// assert!(left < peak && peak < right);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DoubleWell {
    /// The tilt `t`.
    pub tilt: f64,
}

impl DoubleWell {
    /// `(x² − 1)² + t·x`.
    pub fn new(tilt: f64) -> Self {
        DoubleWell { tilt }
    }

    /// The left minimum, the local maximum and the right minimum, in increasing order; `None`
    /// when `|t| ≥ 8/√27` and only one minimum is left.
    ///
    /// They are the roots of `f′(x) = 4x³ − 4x + t`, i.e. of `x³ − x + t/4 = 0`, by the
    /// trigonometric formula for a depressed cubic with three real roots:
    /// `xₖ = (2/√3) cos(⅓ arccos(−(3√3/8) t) − 2πk/3)`, `k = 0, 1, 2`.
    pub fn stationary_points(&self) -> Option<[f64; 3]> {
        let c = -(3.0 * 3f64.sqrt() / 8.0) * self.tilt;
        if c.abs() >= 1.0 {
            return None;
        }
        let theta = c.acos() / 3.0;
        let root =
            |k: f64| 2.0 / 3f64.sqrt() * (theta - 2.0 * std::f64::consts::PI * k / 3.0).cos();
        Some([root(2.0), root(1.0), root(0.0)])
    }
}

scalar_test_function!(
    DoubleWell,
    |s, x| (x * x - 1.0).powi(2) + s.tilt * x,
    4.0 * x * (x * x - 1.0) + s.tilt,
    12.0 * x * x - 4.0
);

/// A flat-bottomed quartic `f(x) = (x − m)⁴`: minimum 0 at `x = m`, where `f″(m) = 0`.
///
/// The minimum is degenerate: the Hessian is singular there, Newton's method converges only
/// linearly (each step shrinks the error by ⅓), and gradient descent slows to a crawl.
///
/// ```
/// use descent_objectives::univariate::Quartic;
/// use descent_objectives::{Hessian, Objective};
/// let f = Quartic::new(1.0);
/// assert_eq!(f.value(&3.0), 16.0);
/// assert_eq!(f.hessian(&1.0), 0.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quartic {
    /// Minimizer `m`.
    pub minimizer: f64,
}

impl Quartic {
    /// `(x − m)⁴`.
    pub fn new(minimizer: f64) -> Self {
        Quartic { minimizer }
    }
}

scalar_test_function!(
    Quartic,
    |s, x| (x - s.minimizer).powi(4),
    4.0 * (x - s.minimizer).powi(3),
    12.0 * (x - s.minimizer).powi(2)
);

/// An inverted Gaussian `f(x) = 1 − exp(−(x − m)²)`: minimum 0 at `x = m`, flat far from it.
///
/// The function is convex only for `|x − m| < 1/√2`; outside, `f″ < 0` and its slope fades
/// to nothing, so plain Newton steps point away from the minimum and gradient descent stalls.
///
/// ```
/// use descent_objectives::univariate::GaussianWell;
/// use descent_objectives::{Hessian, Objective};
/// let f = GaussianWell::new(0.0);
/// assert_eq!(f.value(&0.0), 0.0);
/// assert_eq!(f.value(&10.0), 1.0); // 1 − e^(−100) rounds to 1: flat
/// assert!(f.hessian(&1.0) < 0.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GaussianWell {
    /// Minimizer `m`.
    pub minimizer: f64,
}

impl GaussianWell {
    /// `1 − exp(−(x − m)²)`.
    pub fn new(minimizer: f64) -> Self {
        GaussianWell { minimizer }
    }
}

scalar_test_function!(
    GaussianWell,
    |s, x| -(-(x - s.minimizer).powi(2)).exp_m1(),
    2.0 * (x - s.minimizer) * (-(x - s.minimizer).powi(2)).exp(),
    (2.0 - 4.0 * (x - s.minimizer).powi(2)) * (-(x - s.minimizer).powi(2)).exp()
);
