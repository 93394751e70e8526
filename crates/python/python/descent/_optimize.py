"""scipy-style minimizers over descent's solvers.

``minimize_scalar`` and ``minimize`` take what ``scipy.optimize.minimize_scalar`` and
``scipy.optimize.minimize`` take (a callable, derivatives as callables or ``jac=True``) and
return scipy's ``OptimizeResult``. They also take the function as text, an expression that
descent parses and differentiates exactly, evaluated entirely in Rust.

A run that stops without converging returns ``success=False`` and says why in ``message``,
as scipy does; a verdict of convergence is checked at the end point (``|f′| ≤ tol`` or
``‖∇f‖₂ ≤ tol``, or the bracket's width for Brent and golden section).
"""

from scipy.optimize import OptimizeResult

from . import _descent

__all__ = ["minimize", "minimize_scalar"]


def _result(out):
    report = out.pop("report")
    if out.get("jac") is None:
        out.pop("jac", None)  # no derivative to report (Nelder-Mead, Brent on a callable)
    result = OptimizeResult(out)
    result.status = 0 if result.success else 1
    result.report = report
    if report["gradient_norm"] is not None:
        result.gradient_norm = report["gradient_norm"]
    return result


def minimize_scalar(
    fun,
    bracket=None,
    bounds=None,
    method="brent",
    *,
    x0=None,
    jac=None,
    hess=None,
    tol=None,
    maxiter=1000,
    learning_rate=0.1,
):
    """Minimizes a function of one variable.

    Parameters
    ----------
    fun : callable ``f(x) -> float``, or str
        The function, or an expression in ``x`` (``"x**4 - 3*x"``, ``"exp(x) - 2*x"``),
        whose derivatives descent computes exactly.
    bracket : 2 or 3 floats, optional
        As in scipy: ``(a, b, c)`` with ``f(b)`` below ``f(a)`` and ``f(c)``, or ``(a, b)``
        where a downhill search for such a triple starts.
    bounds : 2 floats, optional
        The interval to search (Brent and golden section).
    method : {"brent", "golden", "newton", "gd"}, default="brent"
        ``"bounded"`` is accepted for ``"brent"`` with ``bounds``. ``"newton"`` needs ``jac``
        and ``hess`` for a callable; ``"gd"`` (gradient descent with a fixed
        ``learning_rate``) needs ``jac``.
    x0 : float, optional
        The start of Newton and gradient descent (default 0), or of the bracket search.
    jac, hess : callable, optional
        ``f′(x)`` and ``f″(x)``.
    tol : float, optional
        Newton and gradient descent: converged when ``|f′(x)| ≤ tol`` (default 1e-8).
        Brent: the absolute part of its tolerance (default 1e-10); golden section: the
        bracket's width (default 1e-8).
    maxiter : int, default=1000

    Returns
    -------
    scipy.optimize.OptimizeResult
        ``x``, ``fun``, ``jac`` (``f′(x)``, when the derivative is known: an expression or a
        ``jac`` callable), ``nit``, ``nfev``, ``njev``, ``nhev``, ``success``, ``status``
        (0 converged, 1 not), ``message``, and ``report`` (descent's report, with the history
        of the iterations as arrays, the iterates as ``report["history"]["x"]``).
    """
    if bracket is not None:
        bracket = [float(v) for v in bracket]
    if bounds is not None:
        bounds = tuple(float(v) for v in bounds)
    out = _descent.minimize_scalar(
        fun,
        method,
        x0=None if x0 is None else float(x0),
        bracket=bracket,
        bounds=bounds,
        jac=jac,
        hess=hess,
        tol=tol,
        maxiter=int(maxiter),
        learning_rate=float(learning_rate),
    )
    return _result(out)


def minimize(
    fun,
    x0,
    args=(),
    method="lbfgs",
    jac=None,
    hess=None,
    tol=None,
    options=None,
    *,
    learning_rate=0.1,
):
    """Minimizes a function of several variables from ``x0``.

    Parameters
    ----------
    fun : callable ``f(x, *args) -> float``, or str
        The function of a 1-D array, or an expression in named variables
        (``"(1 - x)**2 + 100*(y - x**2)**2"``; the variables in order of first appearance),
        differentiated exactly by descent.
    x0 : array_like
    args : tuple
        Extra arguments of ``fun``, ``jac`` and ``hess``, as in scipy.
    method : str, default="lbfgs"
        ``"newton"`` (needs ``jac`` and ``hess`` for a callable; damped, with a Cholesky
        solve), ``"lbfgs"`` (``"L-BFGS-B"`` without bounds), ``"bfgs"``, ``"cg"``,
        ``"newton-cg"``, ``"nelder-mead"``, ``"gd"`` (fixed ``learning_rate``),
        ``"steepest"``.
    jac : callable or True, optional
        The gradient; ``True`` when ``fun`` returns ``(f, gradient)``. Without it, gradient
        methods use central differences.
    hess : callable, optional
    tol : float, optional
        Converged when ``‖∇f(x)‖₂ ≤ tol`` (default 1e-8; Nelder-Mead: the simplex's spread
        of values, default 1e-5).
    options : dict, optional
        ``maxiter`` (default 1000; Nelder-Mead 10 000).

    Returns
    -------
    scipy.optimize.OptimizeResult
        As ``minimize_scalar``'s, ``x`` an array, and ``jac`` the gradient at ``x`` (by
        central differences when no ``jac`` was given; none for Nelder-Mead).
    """
    options = dict(options or {})
    maxiter = options.pop("maxiter", None)
    if options:
        raise TypeError(f"unknown options: {sorted(options)}")
    if args and not isinstance(fun, str):
        fun = _bind(fun, args)
        if callable(jac):
            jac = _bind(jac, args)
        if hess is not None:
            hess = _bind(hess, args)
    out = _descent.minimize(
        fun,
        x0,
        method,
        jac=jac,
        hess=hess,
        tol=tol,
        maxiter=None if maxiter is None else int(maxiter),
        learning_rate=float(learning_rate),
    )
    return _result(out)


def _bind(function, args):
    def bound(x):
        return function(x, *args)

    return bound
