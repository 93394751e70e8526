//! Gradients by finite differences, for functions of a vector known only by their values.

use crate::{Gradient, Objective, ObjectiveError};
use ndarray::Array1;

/// The default relative step: `ε^(1/3) ≈ 6.1e-6`, which balances the `O(h²)` truncation error
/// of a central difference against the `O(ε/h)` rounding error.
const CUBE_ROOT_EPSILON: f64 = 6.055_454_452_393_343e-6;

/// An objective of a vector whose gradient is estimated by central differences:
///
/// `∂f/∂xᵢ ≈ (f(x + hᵢeᵢ) − f(x − hᵢeᵢ)) / (2hᵢ)`, with `hᵢ = h·max(|xᵢ|, 1)`,
///
/// so that any gradient-based solver can minimize a function given only by its values, as
/// scipy's `minimize` does when no `jac` is passed. Each gradient costs `2n` evaluations of
/// `f`; its error is about `h²·|f‴|` from truncation plus `ε·|f|/h` from rounding, so with
/// the default `h = ε^(1/3)` it is good to about 10 significant digits on well-scaled
/// functions. Prefer exact gradients where they exist (a closed form, or automatic
/// differentiation).
///
/// ```
/// use descent_objectives::finite_difference::FiniteDifference;
/// use descent_objectives::{Gradient, Objective};
/// use ndarray::{array, Array1};
///
/// // f(x, y) = (x − 1)² + 10·(y + 2)², known only by its values.
/// struct Bowl;
/// impl Objective for Bowl {
///     type Param = Array1<f64>;
///     fn value(&self, v: &Array1<f64>) -> f64 {
///         (v[0] - 1.0).powi(2) + 10.0 * (v[1] + 2.0).powi(2)
///     }
/// }
/// let f = FiniteDifference::new(Bowl);
/// let g = f.gradient(&array![3.0, 0.0]); // exactly (4, 40)
/// assert!((g[0] - 4.0).abs() < 1e-8 && (g[1] - 40.0).abs() < 1e-8);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FiniteDifference<O> {
    objective: O,
    relative_step: f64,
}

impl<O> FiniteDifference<O> {
    /// Central differences on `objective`, with the relative step `ε^(1/3)`.
    pub fn new(objective: O) -> Self {
        FiniteDifference {
            objective,
            relative_step: CUBE_ROOT_EPSILON,
        }
    }

    /// The relative step `h` (default `ε^(1/3) ≈ 6.1e-6`).
    ///
    /// ```
    /// use descent_objectives::finite_difference::FiniteDifference;
    /// use descent_objectives::multivariate::Rosenbrock;
    /// let f = FiniteDifference::new(Rosenbrock::new(2)?).relative_step(1e-5)?;
    /// # Ok::<(), descent_objectives::ObjectiveError>(())
    /// ```
    ///
    /// # Errors
    /// A step that is not finite and positive.
    pub fn relative_step(mut self, h: f64) -> Result<Self, ObjectiveError> {
        if !(h.is_finite() && h > 0.0) {
            return Err(ObjectiveError::InvalidParameter {
                name: "relative step",
                value: h,
                reason: "must be finite and positive",
            });
        }
        self.relative_step = h;
        Ok(self)
    }

    /// The objective whose gradient is estimated.
    pub fn inner(&self) -> &O {
        &self.objective
    }
}

impl<O: Objective<Param = Array1<f64>>> Objective for FiniteDifference<O> {
    type Param = Array1<f64>;

    fn value(&self, x: &Array1<f64>) -> f64 {
        self.objective.value(x)
    }

    fn dimension(&self) -> Option<usize> {
        self.objective.dimension()
    }
}

impl<O: Objective<Param = Array1<f64>>> Gradient for FiniteDifference<O> {
    fn gradient(&self, x: &Array1<f64>) -> Array1<f64> {
        let mut probe = x.clone();
        Array1::from_shape_fn(x.len(), |i| {
            let xi = x[i];
            let h = self.relative_step * xi.abs().max(1.0);
            // The steps actually taken, after rounding xᵢ ± h to the nearest f64.
            let (up, down) = (xi + h, xi - h);
            probe[i] = up;
            let f_up = self.objective.value(&probe);
            probe[i] = down;
            let f_down = self.objective.value(&probe);
            probe[i] = xi;
            (f_up - f_down) / (up - down)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::multivariate::Rosenbrock;

    #[test]
    fn matches_the_exact_gradient_of_rosenbrock() {
        let exact = Rosenbrock::new(4).unwrap();
        let estimated = FiniteDifference::new(exact);
        for x in [
            Array1::from(vec![-1.2, 1.0, 0.5, 2.0]),
            Array1::from(vec![3.0, -1e-3, 0.0, 7.5]),
        ] {
            let (g, e) = (exact.gradient(&x), estimated.gradient(&x));
            for (a, b) in g.iter().zip(&e) {
                assert!((a - b).abs() <= 1e-7 * a.abs().max(1.0), "{a} vs {b}");
            }
            assert_eq!(estimated.value(&x), exact.value(&x));
        }
        assert_eq!(estimated.dimension(), Some(4));
        assert!(FiniteDifference::new(exact).relative_step(0.0).is_err());
    }
}
