//! Test functions of a vector with known minima, for checking and comparing solvers.

use crate::{Gradient, Hessian, HessianBlock, Objective, ObjectiveError, Smooth};
use ndarray::{Array1, Array2};

/// The Rosenbrock function in `n ≥ 2` dimensions:
/// `f(x) = Σ_{i=1}^{n−1} [b(x_{i+1} − xᵢ²)² + (a − xᵢ)²]`, with `a = 1`, `b = 100`.
///
/// Its minimum is `f = 0` at `x = (1, …, 1)`, at the end of a long curved valley that defeats
/// fixed-step gradient descent. The Hessian is tridiagonal, and indefinite away from the valley.
///
/// ```
/// use descent_objectives::multivariate::Rosenbrock;
/// use descent_objectives::{Gradient, Objective};
/// use ndarray::Array1;
/// let f = Rosenbrock::new(10)?;
/// assert_eq!(f.value(&Array1::ones(10)), 0.0);
/// assert_eq!(f.gradient(&Array1::ones(10)), Array1::<f64>::zeros(10));
/// # Ok::<(), descent_objectives::ObjectiveError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rosenbrock {
    n: usize,
}

const ROSENBROCK_A: f64 = 1.0;
const ROSENBROCK_B: f64 = 100.0;

impl Rosenbrock {
    /// The Rosenbrock function of `n` variables.
    ///
    /// # Errors
    /// `n < 2`.
    pub fn new(n: usize) -> Result<Self, ObjectiveError> {
        if n < 2 {
            return Err(ObjectiveError::InvalidParameter {
                name: "Rosenbrock dimension",
                value: n as f64,
                reason: "must be at least 2",
            });
        }
        Ok(Rosenbrock { n })
    }
}

impl Objective for Rosenbrock {
    type Param = Array1<f64>;

    fn value(&self, x: &Array1<f64>) -> f64 {
        x.windows(2)
            .into_iter()
            .map(|w| ROSENBROCK_B * (w[1] - w[0] * w[0]).powi(2) + (ROSENBROCK_A - w[0]).powi(2))
            .sum()
    }

    fn dimension(&self) -> Option<usize> {
        Some(self.n)
    }
}

impl Gradient for Rosenbrock {
    /// `∂f/∂xᵢ = −4b xᵢ(x_{i+1} − xᵢ²) − 2(a − xᵢ) + 2b(xᵢ − x_{i−1}²)`, the terms that exist.
    fn gradient(&self, x: &Array1<f64>) -> Array1<f64> {
        let mut g = Array1::zeros(x.len());
        for i in 0..x.len() - 1 {
            let inner = x[i + 1] - x[i] * x[i];
            g[i] += -4.0 * ROSENBROCK_B * x[i] * inner - 2.0 * (ROSENBROCK_A - x[i]);
            g[i + 1] += 2.0 * ROSENBROCK_B * inner;
        }
        g
    }
}

impl Hessian for Rosenbrock {
    /// Tridiagonal: `∂²f/∂xᵢ² = 12b xᵢ² − 4b x_{i+1} + 2` (for `i < n`) `+ 2b` (for `i > 1`),
    /// `∂²f/∂xᵢ∂x_{i+1} = −4b xᵢ`.
    fn hessian(&self, x: &Array1<f64>) -> Array2<f64> {
        let n = x.len();
        let mut h = Array2::zeros((n, n));
        for i in 0..n - 1 {
            h[[i, i]] += 12.0 * ROSENBROCK_B * x[i] * x[i] - 4.0 * ROSENBROCK_B * x[i + 1] + 2.0;
            h[[i + 1, i + 1]] += 2.0 * ROSENBROCK_B;
            h[[i, i + 1]] = -4.0 * ROSENBROCK_B * x[i];
            h[[i + 1, i]] = -4.0 * ROSENBROCK_B * x[i];
        }
        h
    }
}

/// A quadratic `f(x) = ½ xᵀAx − bᵀx` with symmetric `A`.
///
/// `∇f = Ax − b`, `∇²f = A`. When `A` is positive definite the unique minimizer solves
/// `Ax = b`, and the minimum is `−½ bᵀA⁻¹b`.
///
/// ```
/// use descent_objectives::multivariate::QuadraticForm;
/// use descent_objectives::{Gradient, Objective};
/// use ndarray::array;
/// let f = QuadraticForm::new(array![[2.0, 0.0], [0.0, 4.0]], array![2.0, 4.0])?;
/// let minimizer = array![1.0, 1.0];
/// assert_eq!(f.gradient(&minimizer), array![0.0, 0.0]);
/// assert_eq!(f.value(&minimizer), -3.0);
/// # Ok::<(), descent_objectives::ObjectiveError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct QuadraticForm {
    a: Array2<f64>,
    b: Array1<f64>,
}

impl QuadraticForm {
    /// `½ xᵀAx − bᵀx`.
    ///
    /// # Errors
    /// `A` not square, `b` of another length, a non-finite entry, or `A` not symmetric.
    pub fn new(a: Array2<f64>, b: Array1<f64>) -> Result<Self, ObjectiveError> {
        let n = b.len();
        if n == 0 {
            return Err(ObjectiveError::EmptyData(
                "the quadratic form has no variables",
            ));
        }
        for (what, found) in [("rows of A", a.nrows()), ("columns of A", a.ncols())] {
            if found != n {
                return Err(ObjectiveError::ShapeMismatch {
                    what,
                    expected: n,
                    found,
                });
            }
        }
        if let Some(((row, column), &value)) = a.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(ObjectiveError::NonFiniteFeature { row, column, value });
        }
        if let Some(row) = b.iter().position(|v| !v.is_finite()) {
            return Err(ObjectiveError::NonFiniteTarget { row, value: b[row] });
        }
        let scale = a.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        if let Some(((i, j), _)) = a
            .indexed_iter()
            .find(|&((i, j), &v)| (v - a[[j, i]]).abs() > 1e-12 * scale)
        {
            return Err(ObjectiveError::InvalidParameter {
                name: "A[i][j] − A[j][i]",
                value: a[[i, j]] - a[[j, i]],
                reason: "A must be symmetric",
            });
        }
        Ok(QuadraticForm { a, b })
    }

    /// The matrix `A`.
    pub fn a(&self) -> &Array2<f64> {
        &self.a
    }

    /// The vector `b`.
    pub fn b(&self) -> &Array1<f64> {
        &self.b
    }
}

impl Objective for QuadraticForm {
    type Param = Array1<f64>;

    fn value(&self, x: &Array1<f64>) -> f64 {
        0.5 * x.dot(&self.a.dot(x)) - self.b.dot(x)
    }

    fn dimension(&self) -> Option<usize> {
        Some(self.b.len())
    }
}

impl Gradient for QuadraticForm {
    fn gradient(&self, x: &Array1<f64>) -> Array1<f64> {
        self.a.dot(x) - &self.b
    }

    fn value_and_gradient(&self, x: &Array1<f64>) -> (f64, Array1<f64>) {
        let ax = self.a.dot(x);
        let value = 0.5 * x.dot(&ax) - self.b.dot(x);
        (value, ax - &self.b)
    }
}

impl Hessian for QuadraticForm {
    fn hessian(&self, _x: &Array1<f64>) -> Array2<f64> {
        self.a.clone()
    }
}

impl Smooth for Rosenbrock {}
impl HessianBlock for Rosenbrock {}
impl Smooth for QuadraticForm {}
impl HessianBlock for QuadraticForm {}
