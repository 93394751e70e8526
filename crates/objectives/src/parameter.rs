use ndarray::{Array1, Array2, Zip};
use std::fmt::Debug;

/// The arithmetic that solvers need on a point of an objective's domain.
///
/// Implemented for `f64` (1-D functions) and `Array1<f64>` (n-D functions). `Matrix` is the
/// type of the Hessian at such a point: `f64` and `Array2<f64>` respectively.
///
/// ```
/// use descent_objectives::Parameter;
/// use ndarray::array;
///
/// let mut x = array![1.0, -2.0];
/// x.add_scaled(0.5, &array![2.0, 2.0]); // x ← x + ½·d
/// assert_eq!(x, array![2.0, -1.0]);
/// assert_eq!(x.l1_distance(&array![0.0, 0.0]), 3.0);
/// assert_eq!(3.0_f64.dot(&-2.0), -6.0);
/// ```
pub trait Parameter: Clone + Debug {
    /// The Hessian at a point: `f64` for scalars, `Array2<f64>` for vectors.
    type Matrix: Clone + Debug;

    /// The number of coordinates.
    fn dim(&self) -> usize;

    /// The inner product `⟨self, other⟩ = Σᵢ selfᵢ·otherᵢ`.
    fn dot(&self, other: &Self) -> f64;

    /// The Euclidean norm `‖self‖₂`, computed without overflow for large entries.
    fn norm(&self) -> f64;

    /// `Σᵢ |selfᵢ − otherᵢ|`, the course's measure of how far an update moved.
    fn l1_distance(&self, other: &Self) -> f64;

    /// `Σᵢ |selfᵢ|`.
    fn l1_norm(&self) -> f64;

    /// `alpha·self`, as a new value.
    fn scaled(&self, alpha: f64) -> Self;

    /// `self ← self + alpha·direction`.
    fn add_scaled(&mut self, alpha: f64, direction: &Self);

    /// Whether every coordinate is finite (neither NaN nor ±∞).
    fn is_finite(&self) -> bool;
}

impl Parameter for f64 {
    type Matrix = f64;

    fn dim(&self) -> usize {
        1
    }
    fn dot(&self, other: &Self) -> f64 {
        self * other
    }
    fn norm(&self) -> f64 {
        self.abs()
    }
    fn l1_distance(&self, other: &Self) -> f64 {
        (self - other).abs()
    }
    fn l1_norm(&self) -> f64 {
        self.abs()
    }
    fn scaled(&self, alpha: f64) -> Self {
        alpha * self
    }
    fn add_scaled(&mut self, alpha: f64, direction: &Self) {
        *self += alpha * direction;
    }
    fn is_finite(&self) -> bool {
        f64::is_finite(*self)
    }
}

impl Parameter for Array1<f64> {
    type Matrix = Array2<f64>;

    fn dim(&self) -> usize {
        self.len()
    }
    fn dot(&self, other: &Self) -> f64 {
        Zip::from(self)
            .and(other)
            .fold(0.0, |acc, a, b| acc + a * b)
    }
    fn norm(&self) -> f64 {
        // Scale by the largest entry so that squaring cannot overflow (as LAPACK's dnrm2).
        let scale = self.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        if scale == 0.0 || !scale.is_finite() {
            return scale;
        }
        scale * self.iter().map(|v| (v / scale).powi(2)).sum::<f64>().sqrt()
    }
    fn l1_distance(&self, other: &Self) -> f64 {
        Zip::from(self)
            .and(other)
            .fold(0.0, |acc, a, b| acc + (a - b).abs())
    }
    fn l1_norm(&self) -> f64 {
        self.fold(0.0, |acc, v| acc + v.abs())
    }
    fn scaled(&self, alpha: f64) -> Self {
        self * alpha
    }
    fn add_scaled(&mut self, alpha: f64, direction: &Self) {
        self.scaled_add(alpha, direction);
    }
    fn is_finite(&self) -> bool {
        self.iter().all(|v| v.is_finite())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn norm_matches_the_definition_and_does_not_overflow() {
        let x = array![3.0, -4.0];
        assert_eq!(Parameter::norm(&x), 5.0);
        let big = array![3e200, 4e200];
        assert!((Parameter::norm(&big) / 5e200 - 1.0).abs() < 1e-15);
        assert_eq!(Parameter::norm(&Array1::<f64>::zeros(3)), 0.0);
        assert!(Parameter::norm(&array![f64::INFINITY, 1.0]).is_infinite());
        assert!(Parameter::norm(&array![f64::NAN, 1.0]).is_nan());
    }

    #[test]
    fn scalar_and_vector_agree_in_one_dimension() {
        let (a, b) = (1.5_f64, -0.25_f64);
        let (va, vb) = (array![a], array![b]);
        assert_eq!(Parameter::dot(&a, &b), Parameter::dot(&va, &vb));
        assert_eq!(a.l1_distance(&b), va.l1_distance(&vb));
        let (mut s, mut v) = (a, va.clone());
        s.add_scaled(2.0, &b);
        v.add_scaled(2.0, &vb);
        assert_eq!(s, v[0]);
    }
}
