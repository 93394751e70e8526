"""descent.minimize and descent.minimize_scalar against scipy.optimize on standard functions."""

import numpy as np
import pytest
from scipy import optimize
from scipy.optimize import rosen, rosen_der, rosen_hess

import descent

# The course's 1-D functions, with their minimizers.
SCALAR = [
    ("(x - 2)^2 + 1", lambda x: (x - 2) ** 2 + 1, 2.0),
    ("x^4 - 3*x", lambda x: x**4 - 3 * x, (3 / 4) ** (1 / 3)),
    ("exp(x) - 2*x", lambda x: np.exp(x) - 2 * x, np.log(2.0)),
    ("x^2 + 10*sin(x)", lambda x: x**2 + 10 * np.sin(x), None),
]


@pytest.mark.parametrize("text, function, minimizer", SCALAR)
@pytest.mark.parametrize("method", ["brent", "golden"])
def test_bracketing_methods_agree_with_scipy(text, function, minimizer, method):
    bracket = (-3.0, -1.0, 1.0) if text.startswith("x^2 + 10") else None
    theirs = optimize.minimize_scalar(function, bracket=bracket, method=method)
    for fun in (text, function):
        ours = descent.minimize_scalar(fun, bracket=bracket, method=method)
        assert ours.success, ours.message
        assert abs(ours.x - theirs.x) < 1e-6
        assert abs(ours.fun - theirs.fun) < 1e-10
        if minimizer is not None:
            assert abs(ours.x - minimizer) < 1e-6


@pytest.mark.parametrize("text, function, minimizer", SCALAR[:3])
def test_newton_from_an_expression_is_exact(text, function, minimizer):
    result = descent.minimize_scalar(text, method="newton", x0=1.0)
    assert result.success
    assert abs(result.x - minimizer) < 1e-10
    assert result.nhev >= 1
    assert result.report["history"]["value"].shape == (result.nit + 1,)


def test_newton_on_callables_with_derivatives():
    result = descent.minimize_scalar(
        lambda x: x**4 - 3 * x,
        method="newton",
        x0=1.0,
        jac=lambda x: 4 * x**3 - 3,
        hess=lambda x: 12 * x**2,
    )
    assert result.success
    assert abs(result.x - (3 / 4) ** (1 / 3)) < 1e-10


def test_bounds():
    result = descent.minimize_scalar(lambda x: (x - 5) ** 2, bounds=(0.0, 3.0), method="bounded")
    theirs = optimize.minimize_scalar(lambda x: (x - 5) ** 2, bounds=(0.0, 3.0), method="bounded")
    assert abs(result.x - theirs.x) < 1e-4
    # The minimum of the interval is at its edge, not a minimum of f: not a success.
    assert not result.success


def test_diverging_learning_rate_is_a_failure_not_an_answer():
    result = descent.minimize_scalar("x^2", method="gd", x0=1.0, learning_rate=1.5)
    assert not result.success
    assert result.status == 1
    assert "diverge" in result.message


def test_iteration_limit_is_a_failure():
    result = descent.minimize_scalar("x^2", method="gd", x0=1.0, learning_rate=1e-4, maxiter=5)
    assert not result.success
    assert result.nit == 5


@pytest.mark.parametrize("n", [2, 5])
@pytest.mark.parametrize("method", ["lbfgs", "bfgs", "cg"])
def test_rosenbrock_agrees_with_scipy(n, method):
    x0 = np.full(n, -1.2)
    ours = descent.minimize(rosen, x0, method=method, jac=rosen_der, tol=1e-8)
    theirs = optimize.minimize(rosen, x0, method="BFGS", jac=rosen_der, tol=1e-12)
    assert ours.success, ours.message
    np.testing.assert_allclose(ours.x, theirs.x, atol=1e-5)
    assert ours.report["gradient_norm"] <= 1e-8
    np.testing.assert_allclose(ours.jac, rosen_der(ours.x), atol=1e-12)
    assert np.linalg.norm(ours.jac) <= 1e-8


def test_newton_on_rosenbrock_with_hessian():
    ours = descent.minimize(rosen, [-1.2, 1.0], method="newton", jac=rosen_der, hess=rosen_hess)
    assert ours.success
    np.testing.assert_allclose(ours.x, [1.0, 1.0], atol=1e-10)
    assert ours.nhev >= ours.nit


def test_expressions_need_no_callables():
    ours = descent.minimize("(1 - x)^2 + 100*(y - x^2)^2", [-1.2, 1.0], method="newton")
    assert ours.success
    np.testing.assert_allclose(ours.x, [1.0, 1.0], atol=1e-10)
    np.testing.assert_allclose(ours.jac, rosen_der(ours.x), atol=1e-12)
    scalar = descent.minimize_scalar("exp(x) - 2*x", method="newton")
    assert abs(scalar.jac - (np.exp(scalar.x) - 2)) < 1e-15 and abs(scalar.jac) <= 1e-8


def test_quadratic_agrees_with_a_linear_solve(rng):
    a = rng.normal(size=(6, 6))
    a = a @ a.T + 6 * np.eye(6)
    b = rng.normal(size=6)

    def fun(x):
        return 0.5 * x @ a @ x - b @ x, a @ x - b

    for method in ["lbfgs", "bfgs", "cg", "steepest"]:
        ours = descent.minimize(fun, np.zeros(6), method=method, jac=True, options={"maxiter": 5000})
        assert ours.success, (method, ours.message)
        np.testing.assert_allclose(ours.x, np.linalg.solve(a, b), atol=1e-7)


def test_finite_differences_without_jac():
    ours = descent.minimize(rosen, [-1.2, 1.0], method="lbfgs", tol=1e-6)
    assert ours.success
    np.testing.assert_allclose(ours.x, [1.0, 1.0], atol=1e-5)
    assert ours.njev > 0
    np.testing.assert_allclose(ours.jac, rosen_der(ours.x), atol=1e-6)


def test_nelder_mead_and_args():
    def shifted(x, c):
        return np.sum((x - c) ** 2)

    ours = descent.minimize(shifted, [0.0, 0.0], args=(np.array([1.0, -2.0]),), method="nelder-mead")
    theirs = optimize.minimize(shifted, [0.0, 0.0], args=(np.array([1.0, -2.0]),), method="Nelder-Mead")
    assert ours.success
    np.testing.assert_allclose(ours.x, theirs.x, atol=1e-3)
    assert "jac" not in ours  # Nelder-Mead uses no derivative


def test_an_exception_in_the_function_reaches_the_caller():
    calls = []

    def fails_later(x):
        calls.append(1)
        if len(calls) > 3:
            raise KeyError("from the user's function")
        return float(np.sum(x**2))

    with pytest.raises(KeyError, match="from the user's function"):
        descent.minimize(fails_later, [1.0, 2.0], method="lbfgs")
    # The run stopped at the exception: no further calls.
    assert len(calls) == 4


def test_bad_arguments_are_value_or_type_errors():
    with pytest.raises(ValueError, match="need jac and hess"):
        descent.minimize(rosen, [0.0, 0.0], method="newton")
    with pytest.raises(ValueError, match="unknown method"):
        descent.minimize(rosen, [0.0, 0.0], method="simplex-magic")
    with pytest.raises(ValueError, match="2 variables"):
        descent.minimize("x^2 + y^2", [0.0, 0.0, 1.0])
    with pytest.raises(ValueError):
        descent.minimize_scalar("x^^2")
    with pytest.raises(TypeError, match="float"):
        descent.minimize(lambda x: "not a number", [0.0])
    with pytest.raises(ValueError, match="3 values for 2 variables"):
        descent.minimize(rosen, [0.0, 0.0], jac=lambda x: np.zeros(3))
    with pytest.raises(ValueError, match="not finite"):
        descent.minimize_scalar("log(x)", method="newton", x0=-1.0)
