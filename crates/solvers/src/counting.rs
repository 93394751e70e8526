use crate::Evaluations;
use descent_objectives::{Gradient, Hessian, Objective, Parameter};
use std::cell::Cell;

/// An objective that counts its evaluations, as argmin's `Problem` does, so that solvers can
/// be compared by the work they did as well as by time.
#[derive(Debug)]
pub(crate) struct Counted<'a, O> {
    inner: &'a O,
    value: Cell<usize>,
    gradient: Cell<usize>,
    hessian: Cell<usize>,
}

impl<'a, O> Counted<'a, O> {
    pub(crate) fn new(inner: &'a O) -> Self {
        Counted {
            inner,
            value: Cell::new(0),
            gradient: Cell::new(0),
            hessian: Cell::new(0),
        }
    }

    pub(crate) fn evaluations(&self) -> Evaluations {
        Evaluations {
            value: self.value.get(),
            gradient: self.gradient.get(),
            hessian: self.hessian.get(),
        }
    }
}

fn bump(counter: &Cell<usize>) {
    counter.set(counter.get() + 1);
}

impl<O: Objective> Objective for Counted<'_, O> {
    type Param = O::Param;
    fn value(&self, x: &O::Param) -> f64 {
        bump(&self.value);
        self.inner.value(x)
    }
    fn dimension(&self) -> Option<usize> {
        self.inner.dimension()
    }
}

impl<O: Gradient> Gradient for Counted<'_, O> {
    fn gradient(&self, x: &O::Param) -> O::Param {
        bump(&self.gradient);
        self.inner.gradient(x)
    }
    fn value_and_gradient(&self, x: &O::Param) -> (f64, O::Param) {
        bump(&self.value);
        bump(&self.gradient);
        self.inner.value_and_gradient(x)
    }
    fn gradient_norm(&self, gradient: &O::Param) -> f64 {
        self.inner.gradient_norm(gradient)
    }
}

impl<O: Hessian> Hessian for Counted<'_, O> {
    fn hessian(&self, x: &O::Param) -> <O::Param as Parameter>::Matrix {
        bump(&self.hessian);
        self.inner.hessian(x)
    }
}
