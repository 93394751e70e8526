"""scikit-learn-compatible linear models fitted by descent's Rust solvers.

Each estimator checks its input with scikit-learn's own ``validate_data`` (so that bad input
raises exactly scikit-learn's errors), encodes labels and weights, and hands float64 arrays to
the extension module without copying them again. The fitted state is the model's JSON, the
format of ``descent fit --save``: ``coef_``, ``intercept_`` and the rest are derived from it,
pickling stores it, and ``save_model`` writes it for the command line.
"""

import json
import warnings

import numpy as np
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from . import _descent

__all__ = [
    "LogisticRegression",
    "LogisticRegressionCV",
    "LinearRegression",
    "Ridge",
    "Lasso",
    "ElasticNet",
    "ElasticNetCV",
    "LassoCV",
    "load_model",
]

# Attributes rebuilt from the model's JSON when unpickling (not stored twice).
_DERIVED = ("coef_", "intercept_", "classes_", "rank_")


def _feature_names(estimator, n_features):
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        return [str(name) for name in names]
    return [f"x{j}" for j in range(n_features)]


def _n_iter(report):
    """scikit-learn's ``n_iter_``: the solver's iterations, and 1 for a direct solve (the
    report counts none: there is no iteration, but one solve)."""
    iterations = int(report["iterations"])
    if report["reason"].endswith("(closed form)"):
        iterations = max(iterations, 1)
    return np.array([iterations], dtype=np.int32)


def _warn_unless_converged(estimator, report):
    if report["converged"]:
        return
    if report["reason"] == "no minimum":
        advice = (
            "Without a penalty, separable classes have no maximum-likelihood fit: the loss "
            "keeps decreasing as the coefficients grow. Use a penalty (penalty='l2')."
        )
    else:
        advice = "Increase max_iter, loosen tol, or standardize the features."
    warnings.warn(
        f"{type(estimator).__name__} did not converge ({report['solver']}): "
        f"{report['termination']}. {advice}",
        ConvergenceWarning,
        stacklevel=3,
    )


def _sample_weight(sample_weight, X, copy=False):
    """scikit-learn's check of sample weights: one non-negative float per row (ones when
    ``None``), with its error messages."""
    return _check_sample_weight(
        sample_weight, X, dtype=np.float64, copy=copy, ensure_non_negative=True
    )


def _classes(y):
    """The sorted classes of classification labels ``y`` and each row's index into them, after
    scikit-learn's checks of the labels; at least two classes."""
    check_classification_targets(y)
    classes, codes = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(
            "This solver needs samples of at least 2 classes in the data, but the data "
            f"contains only one class: {classes[0]!r}"
        )
    return classes, codes


def _along_path(model, parameter, values, X, y, sample_weight, record):
    """Fits ``model`` (with ``warm_start=True``) at each of ``values`` of ``parameter`` in
    turn, each fit starting from the one before, and calls ``record(i, model)`` after each.
    A path's points are intermediate results: their ConvergenceWarnings are silenced (the
    final refit warns if it must)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for i, value in enumerate(values):
            model.set_params(**{parameter: value}).fit(X, y, sample_weight=sample_weight)
            record(i, model)


class _DescentModel(BaseEstimator):
    """What every descent estimator shares: the model JSON as fitted state."""

    def _store(self, out):
        """Keeps a fit's results: the model JSON, the arrays derived from it, the report."""
        self._model_json = out["model"]
        self.report_ = out["report"]
        self.n_iter_ = _n_iter(out["report"])
        gap = out["report"]["duality_gap"]
        if gap is not None:
            self.duality_gap_ = gap
        # The fit returned the arrays with the JSON: no need to read them back from it.
        self._set_arrays(out)
        _warn_unless_converged(self, out["report"])

    def _adopt(self, final):
        """Takes a cross-validated model's final fit as its own: its model JSON (so that it
        saves and pickles), report, coefficients and duality gap."""
        self._model_json = final._model_json
        self.report_ = final.report_
        self.coef_, self.intercept_ = final.coef_, final.intercept_
        if hasattr(final, "duality_gap_"):
            self.duality_gap_ = final.duality_gap_

    def _warm_json(self):
        if getattr(self, "warm_start", False) and hasattr(self, "_model_json"):
            return self._model_json
        return None

    def __getstate__(self):
        # A copy: the base class may return the live __dict__.
        state = dict(super().__getstate__())
        if "_model_json" in state:
            for name in _DERIVED:
                state.pop(name, None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "_model_json" in state:
            self._set_arrays(_descent.model_json(self._model_json))

    def save_model(self, path):
        """Writes the fitted model to ``path`` (atomically), in the format of
        ``descent fit --save``: ``descent predict --model path`` and ``descent eval`` read it,
        and ``descent.load_model`` reads it back."""
        check_is_fitted(self)
        _descent.save_model(self._file_json(), str(path))

    def _file_json(self):
        return self._model_json


class LogisticRegression(ClassifierMixin, _DescentModel):
    """Logistic regression with scikit-learn's parameters, fitted by descent.

    Binary targets fit the binary model; three or more classes fit the multinomial (softmax)
    model, as scikit-learn's ``LogisticRegression`` does. The objective is scikit-learn's,
    ``C·Σᵢ sᵢℓᵢ + r‖w‖₁ + ½(1 − r)‖w‖²`` (``r`` = 0 for ``"l2"``, 1 for ``"l1"``, the
    ``l1_ratio`` for ``"elasticnet"``; no penalty for ``None``), the intercept unpenalized.

    Parameters
    ----------
    penalty : {"l2", "l1", "elasticnet"} or None, default="l2"
    C : float, default=1.0
        Inverse regularization strength.
    l1_ratio : float or None, default=None
        The elastic net's mix, required by ``penalty="elasticnet"``.
    fit_intercept : bool, default=True
    tol : float, default=1e-4
        Stop when ``‖∇F‖₂ ≤ tol`` for the mean-form objective ``F`` (the sum divided by
        ``C·Σsᵢ``); with an L1 part, when the duality gap is at most ``tol·F`` (a certified
        relative accuracy).
    max_iter : int, default=100
    solver : str or None, default=None
        descent's solver names: ``"newton"`` (``"newton-cholesky"``), ``"lbfgs"``, ``"bfgs"``,
        ``"newton-cg"``, ``"cg"``, ``"steepest"``, ``"gd"``, ``"prox-newton"``, ``"fista"``.
        ``None`` chooses by shape: Newton while its Hessian is cheap, L-BFGS beyond, proximal
        Newton with an L1 part.
    class_weight : dict, "balanced" or None, default=None
    warm_start : bool, default=False
        Start from the previous fit's coefficients.

    Attributes
    ----------
    classes_, coef_, intercept_, n_iter_, n_features_in_, feature_names_in_
        As in scikit-learn.
    report_ : dict
        descent's report of the solver: termination, evaluation counts, the history as arrays.
    duality_gap_ : float
        With an L1 part: the certified gap at the solution.
    """

    def __init__(
        self,
        penalty="l2",
        *,
        C=1.0,
        l1_ratio=None,
        fit_intercept=True,
        tol=1e-4,
        max_iter=100,
        solver=None,
        class_weight=None,
        warm_start=False,
    ):
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.solver = solver
        self.class_weight = class_weight
        self.warm_start = warm_start

    def fit(self, X, y, sample_weight=None):
        """Fits the model to ``X`` (n_samples × n_features) and labels ``y`` of any type, each
        row's loss weighted by ``sample_weight`` (times its class's weight).

        ``X`` is handed to Rust without a copy when it is float64 (C or Fortran order); the
        Rust fit checks it for NaN and infinity in its own first pass, with scikit-learn's
        error message. Numeric labels go to Rust as they are, which finds the classes in one
        scan (no sort); other labels (strings, booleans) are encoded here first.
        """
        X, y = validate_data(self, X, y, dtype=np.float64, ensure_all_finite=False)
        # Numbers go to Rust as float64: integers beyond 2⁵³ would not survive that, so they
        # take the encoding path.
        numeric = y.dtype.kind == "f" or (
            y.dtype.kind in "iu" and (y.size == 0 or np.abs(y).max() <= 2**53)
        )
        classes = None
        if not numeric or sample_weight is not None or self.class_weight is not None:
            classes, codes = _classes(y)
        weight = None
        if sample_weight is not None or self.class_weight is not None:
            weight = _sample_weight(sample_weight, X, copy=True)
            if self.class_weight is not None:
                # "balanced" weighs classes by their total sample weight, as scikit-learn
                # does since 1.6.
                per_class = compute_class_weight(
                    self.class_weight, classes=classes, y=y, sample_weight=weight
                )
                weight *= per_class[codes]
            if np.count_nonzero(np.bincount(codes, weights=weight) > 0) < 2:
                raise ValueError(
                    "the sample weights leave only one class with positive weight: "
                    "classification needs at least two classes"
                )
        warm = self._warm_json()
        if warm is not None:
            if classes is None:
                classes = np.unique(y)
            if not np.array_equal(classes, self.classes_):
                warm = None
        out = _descent.fit_logistic(
            X,
            np.asarray(y, dtype=np.float64) if numeric else codes.astype(np.float64),
            weight,
            c=float(self.C),
            penalty_name=self.penalty,
            l1_ratio=None if self.l1_ratio is None else float(self.l1_ratio),
            fit_intercept=bool(self.fit_intercept),
            tol=float(self.tol),
            max_iter=int(self.max_iter),
            solver_name=self.solver,
            multinomial=None if classes is None else len(classes) > 2,
            warm_start=warm,
            feature_names=_feature_names(self, X.shape[1]),
        )
        # The classes as the labels' own type: the Rust fit found them (numbers), or they
        # were encoded here.
        self.classes_ = np.asarray(out["classes"], dtype=y.dtype) if numeric else classes
        self._store(out)
        return self

    def _set_arrays(self, arrays):
        self.coef_ = np.asarray(arrays["coef"])
        self.intercept_ = np.asarray(arrays["intercept"])
        if not hasattr(self, "classes_"):
            self.classes_ = _labels(arrays["classes"])

    def decision_function(self, X):
        """``X·coef_ᵀ + intercept_``: one column per class, or the positive class's log-odds
        for two classes."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        scores = X @ self.coef_.T + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X):
        """The most probable class of each row."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(np.intp)]
        return self.classes_[np.argmax(scores, axis=1)]

    def predict_proba(self, X):
        """Each row's probability of each class, in the order of ``classes_``."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            p = expit(scores)
            return np.column_stack([1.0 - p, p])
        return softmax(scores, axis=1)

    def predict_log_proba(self, X):
        """The logarithms of ``predict_proba``, computed without underflow."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return np.column_stack([log_expit(-scores), log_expit(scores)])
        return log_softmax(scores, axis=1)

    def _file_json(self):
        # The command line's model files hold numeric labels: the classes themselves when
        # they are numbers, instead of the codes the fit used.
        if not np.issubdtype(np.asarray(self.classes_).dtype, np.number):
            raise ValueError(
                "this model's classes are not numbers, and descent's model files store "
                "numeric labels: encode the labels as numbers before fitting to save it"
            )
        model = json.loads(self._model_json)
        model["model"]["classes"] = [float(c) for c in self.classes_]
        return json.dumps(model)


class LogisticRegressionCV(LogisticRegression):
    """Logistic regression with ``C`` (and the elastic net's ``l1_ratio``) chosen by
    cross-validation, as scikit-learn's ``LogisticRegressionCV``.

    Each fold fits the whole grid of ``Cs`` in increasing order, each fit starting from the
    previous one (a warm-started path, as ``descent cv`` does); the best pair is the one with
    the highest mean score over the folds, and with ``refit=True`` the model is fitted again on
    all rows at it. The attributes follow scikit-learn's new layout
    (``use_legacy_attributes=False``): ``C_`` and ``l1_ratio_`` are numbers, ``scores_`` is
    ``(n_folds, n_l1_ratios, n_cs)``, ``coefs_paths_`` is
    ``(n_folds, n_l1_ratios, n_cs, n_classes or 1, n_features + 1 with the intercept)``,
    and ``n_iter_`` is ``(n_folds, n_l1_ratios, n_cs)``.

    Parameters
    ----------
    Cs : int or list of float, default=10
        An int ``n`` is ``numpy.logspace(-4, 4, n)``, as in scikit-learn.
    l1_ratios : list of float or None, default=None
        The elastic net's mixes to try (``penalty="elasticnet"`` only).
    cv : int, cross-validation generator or iterable, default=None
        scikit-learn's meaning: 5 stratified folds by default.
    scoring : str or callable, default=None
        scikit-learn's scorers; ``None`` is accuracy.
    penalty, fit_intercept, tol, max_iter, solver, class_weight
        As in :class:`LogisticRegression`.
    refit : bool, default=True
        Fit again on all rows at the best ``C``; otherwise average the folds' coefficients
        at their own best ``C`` (and ``C_`` is the average of those ``C``).
    """

    def __init__(
        self,
        *,
        Cs=10,
        l1_ratios=None,
        fit_intercept=True,
        cv=None,
        penalty="l2",
        scoring=None,
        solver=None,
        tol=1e-4,
        max_iter=100,
        class_weight=None,
        refit=True,
    ):
        self.Cs = Cs
        self.l1_ratios = l1_ratios
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.penalty = penalty
        self.scoring = scoring
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.refit = refit

    def _model(self, c, l1_ratio, warm_start):
        return LogisticRegression(
            penalty=self.penalty,
            C=c,
            l1_ratio=l1_ratio,
            fit_intercept=self.fit_intercept,
            tol=self.tol,
            max_iter=self.max_iter,
            solver=self.solver,
            class_weight=self.class_weight,
            warm_start=warm_start,
        )

    def fit(self, X, y, sample_weight=None):
        """Cross-validates the grid, then fits at the best point (see the class)."""
        X, y = validate_data(self, X, y, dtype=np.float64, ensure_all_finite=False)
        classes, _ = _classes(y)
        if sample_weight is not None:
            sample_weight = _sample_weight(sample_weight, X)
        cs = np.logspace(-4, 4, self.Cs) if np.isscalar(self.Cs) else np.sort(
            np.asarray(self.Cs, dtype=np.float64)
        )
        if self.penalty == "elasticnet":
            if self.l1_ratios is None:
                raise ValueError("penalty='elasticnet' needs l1_ratios, a list of mixes to try")
            l1_ratios = [float(r) for r in self.l1_ratios]
        elif self.l1_ratios is not None:
            raise ValueError("l1_ratios applies to penalty='elasticnet' only")
        else:
            l1_ratios = [None]
        folds = list(check_cv(self.cv, y, classifier=True).split(X, y))
        scorer = check_scoring(self, scoring=self.scoring)
        outputs = 1 if len(classes) == 2 else len(classes)
        width = X.shape[1] + int(bool(self.fit_intercept))
        scores = np.empty((len(folds), len(l1_ratios), len(cs)))
        paths = np.zeros((len(folds), len(l1_ratios), len(cs), outputs, width))
        iterations = np.zeros((len(folds), len(l1_ratios), len(cs)), dtype=np.int32)
        for k, (train, test) in enumerate(folds):
            missing = np.setdiff1d(classes, y[train])
            if len(missing):
                raise ValueError(
                    f"fold {k} has no training rows of class {missing[0]!r}: use fewer folds"
                )
            weight = None if sample_weight is None else sample_weight[train]
            for j, l1_ratio in enumerate(l1_ratios):

                def record(i, model, k=k, j=j, test=test):
                    scores[k, j, i] = scorer(model, X[test], y[test])
                    paths[k, j, i, :, : X.shape[1]] = model.coef_
                    if self.fit_intercept:
                        paths[k, j, i, :, -1] = model.intercept_
                    iterations[k, j, i] = model.n_iter_[0]

                model = self._model(cs[0], l1_ratio, warm_start=True)
                _along_path(model, "C", cs, X[train], y[train], weight, record)
        mean = scores.mean(axis=0)
        best_j, best_i = np.unravel_index(np.argmax(mean), mean.shape)
        self.Cs_ = cs
        self.l1_ratios_ = np.array(l1_ratios, dtype=object if l1_ratios == [None] else float)
        self.scores_ = scores
        self.coefs_paths_ = paths
        self.n_iter_ = iterations
        self.classes_ = classes
        if self.refit:
            self.C_ = float(cs[best_i])
            self.l1_ratio_ = l1_ratios[best_j]
            final = self._model(self.C_, self.l1_ratio_, warm_start=False)
            self._adopt(final.fit(X, y, sample_weight=sample_weight))
        else:
            # Each fold at its own best point, averaged (scikit-learn's refit=False).
            per_fold = [np.unravel_index(np.argmax(s), s.shape) for s in scores]
            chosen = np.array([paths[k, j, i] for k, (j, i) in enumerate(per_fold)])
            self.C_ = float(np.mean([cs[i] for _, i in per_fold]))
            ratios = [l1_ratios[j] for j, _ in per_fold]
            self.l1_ratio_ = None if ratios[0] is None else float(np.mean(ratios))
            average = chosen.mean(axis=0)
            self.coef_ = average[:, : X.shape[1]]
            self.intercept_ = (
                average[:, -1] if self.fit_intercept else np.zeros(outputs)
            )
        return self


def _labels(values):
    """Labels read from a model file: whole numbers as integers, as a fit on integer labels
    has them."""
    labels = np.asarray(values, dtype=np.float64)
    if np.all(labels == np.round(labels)):
        return labels.astype(np.int64)
    return labels


class _LinearRegressor(RegressorMixin, _DescentModel):
    """Shared by the least-squares estimators: fitting and prediction."""

    def _fit(self, X, y, sample_weight, alpha, l1_ratio):
        # X and y are checked for NaN and infinity by the Rust fit, in its first pass.
        X, y = validate_data(
            self, X, y, dtype=np.float64, y_numeric=True, ensure_all_finite=False
        )
        weight = None if sample_weight is None else _sample_weight(sample_weight, X)
        out = _descent.fit_linear(
            X,
            np.ascontiguousarray(y, dtype=np.float64),
            weight,
            alpha=float(alpha),
            l1_ratio=l1_ratio,
            fit_intercept=bool(self.fit_intercept),
            tol=float(self.tol),
            max_iter=int(self.max_iter),
            solver_name=self.solver,
            warm_start=self._warm_json(),
            feature_names=_feature_names(self, X.shape[1]),
        )
        self._store(out)
        return self

    def _set_arrays(self, arrays):
        self.coef_ = np.asarray(arrays["coef"])
        self.intercept_ = float(arrays["intercept"])
        if arrays.get("rank") is not None:
            self.rank_ = int(arrays["rank"])

    def predict(self, X):
        """``X·coef_ + intercept_``."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.coef_ + self.intercept_


class LinearRegression(_LinearRegressor):
    """Ordinary least squares, ``min ‖y − Xw − b‖²`` (weighted by ``sample_weight``).

    The default solver is a direct one: the SVD of the centered ``X`` (numpy's ``lstsq``
    cut-off), correct on rank-deficient ``X`` (whose rank is ``rank_``), and checked like an
    iterative fit (``‖∇F‖₂ ≤ tol`` at the solution, else a ``ConvergenceWarning``). Iterative
    solvers (``"newton"``, ``"lbfgs"``, …) stop at ``‖∇F‖₂ ≤ tol`` for the mean-form
    objective ``F = ‖y − Xw − b‖²/N``. A direct solve counts as one iteration in ``n_iter_``.
    """

    def __init__(self, *, fit_intercept=True, solver=None, tol=1e-4, max_iter=1000):
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, X, y, sample_weight=None):
        """Fits the coefficients and intercept."""
        return self._fit(X, y, sample_weight, 0.0, None)


class Ridge(_LinearRegressor):
    """Ridge regression, ``min ‖y − Xw − b‖² + alpha·‖w‖²`` (scikit-learn's ``Ridge``).

    The default solver is a Cholesky solve of the normal equations, the Gram matrix formed
    without copying ``X``.
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, solver=None, tol=1e-4, max_iter=1000):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, X, y, sample_weight=None):
        """Fits the coefficients and intercept."""
        return self._fit(X, y, sample_weight, self.alpha, None)


class ElasticNet(_LinearRegressor):
    """The elastic net, ``min (1/2N)‖y − Xw − b‖² + alpha·r‖w‖₁ + ½alpha(1 − r)‖w‖²``
    (scikit-learn's ``ElasticNet``; ``N`` the total sample weight).

    Fitted by proximal Newton (coordinate descent on the Gram matrix, working sets for wide
    data) by default, or ``"fista"``, ``"gd"`` (ISTA). ``tol`` is a certified relative
    accuracy: the fit stops when the duality gap is at most ``tol`` times the objective, and
    ``duality_gap_`` holds the gap reached.
    """

    def __init__(
        self,
        alpha=1.0,
        *,
        l1_ratio=0.5,
        fit_intercept=True,
        tol=1e-4,
        max_iter=1000,
        solver=None,
        warm_start=False,
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.solver = solver
        self.warm_start = warm_start

    def fit(self, X, y, sample_weight=None):
        """Fits the coefficients and intercept."""
        return self._fit(X, y, sample_weight, self.alpha, float(self.l1_ratio))


class ElasticNetCV(_LinearRegressor):
    """The elastic net with ``alpha`` (and ``l1_ratio``) chosen by cross-validation, as
    scikit-learn's ``ElasticNetCV``.

    The grid of ``alphas`` is scikit-learn's: ``alphas`` values from ``alpha_max`` (where every
    coefficient is zero, computed on all rows) down to ``eps·alpha_max``, evenly spaced in
    log scale, unless given. Each fold fits the grid from the largest ``alpha`` down, each fit
    warm-started from the one before (a path, as ``descent cv`` does), and scores it by the
    mean squared error of its held-out rows (weighted by ``sample_weight`` when given). The
    pair with the lowest mean error over the folds is fitted again on all rows.

    Attributes: ``alpha_``, ``l1_ratio_``, ``alphas_`` (``(n_l1_ratio, n_alphas)``, or
    ``(n_alphas,)`` for one ``l1_ratio``), ``mse_path_`` (``(n_l1_ratio, n_alphas, n_folds)``,
    or ``(n_alphas, n_folds)``), ``coef_``, ``intercept_``, ``dual_gap_`` and ``duality_gap_``
    (of the final fit, in descent's mean form), ``n_iter_`` and ``report_`` of the final fit.
    """

    def __init__(
        self,
        *,
        l1_ratio=0.5,
        eps=1e-3,
        alphas=100,
        fit_intercept=True,
        max_iter=1000,
        tol=1e-4,
        cv=None,
        solver=None,
    ):
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.cv = cv
        self.solver = solver

    def _ratios(self):
        return [float(r) for r in np.atleast_1d(self.l1_ratio)]

    def _model(self, alpha, l1_ratio, warm_start):
        return ElasticNet(
            alpha=alpha,
            l1_ratio=l1_ratio,
            fit_intercept=self.fit_intercept,
            tol=self.tol,
            max_iter=self.max_iter,
            solver=self.solver,
            warm_start=warm_start,
        )

    def _grid(self, X, y, weight, ratio):
        if not np.isscalar(self.alphas):
            return np.sort(np.asarray(self.alphas, dtype=np.float64))[::-1]
        s = np.ones(len(y)) if weight is None else weight
        if self.fit_intercept:
            x_mean = np.average(X, axis=0, weights=s)
            y_centered = y - np.average(y, weights=s)
            correlation = (X - x_mean).T @ (s * y_centered)
        else:
            correlation = X.T @ (s * y)
        alpha_max = np.max(np.abs(correlation)) / (s.sum() * ratio)
        if alpha_max <= np.finfo(float).resolution:
            return np.full(int(self.alphas), np.finfo(float).resolution)
        return np.geomspace(alpha_max, alpha_max * self.eps, num=int(self.alphas))

    def fit(self, X, y, sample_weight=None):
        """Cross-validates the grid, then fits at the best point (see the class)."""
        # NaN and infinity are refused here, once, rather than by every fold's fit.
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        weight = None if sample_weight is None else _sample_weight(sample_weight, X)
        ratios = self._ratios()
        if not all(0.0 < r <= 1.0 for r in ratios):
            raise ValueError(f"l1_ratio must be in (0, 1], got {self.l1_ratio!r}")
        grids = np.array([self._grid(X, y, weight, r) for r in ratios])
        folds = list(check_cv(self.cv).split(X, y))
        errors = np.empty((len(ratios), grids.shape[1], len(folds)))
        for j, ratio in enumerate(ratios):
            for k, (train, test) in enumerate(folds):
                w_train = None if weight is None else weight[train]
                w_test = None if weight is None else weight[test]

                def record(i, model, j=j, k=k, test=test, w_test=w_test):
                    residual = y[test] - model.predict(X[test])
                    errors[j, i, k] = np.average(residual**2, weights=w_test)

                model = self._model(grids[j, 0], ratio, warm_start=True)
                _along_path(model, "alpha", grids[j], X[train], y[train], w_train, record)
        mean = errors.mean(axis=2)
        best_j, best_i = np.unravel_index(np.argmin(mean), mean.shape)
        self.l1_ratio_ = ratios[best_j]
        self.alpha_ = float(grids[best_j, best_i])
        single = np.isscalar(self.l1_ratio)
        self.alphas_ = grids[0] if single else grids
        self.mse_path_ = errors[0] if single else errors
        final = self._model(self.alpha_, self.l1_ratio_, warm_start=False).fit(X, y, weight)
        self._adopt(final)
        self.n_iter_ = final.n_iter_
        self.dual_gap_ = final.duality_gap_
        return self


class LassoCV(ElasticNetCV):
    """The Lasso with ``alpha`` chosen by cross-validation (scikit-learn's ``LassoCV``): the
    elastic net's cross-validation at ``l1_ratio = 1``."""

    def __init__(
        self,
        *,
        eps=1e-3,
        alphas=100,
        fit_intercept=True,
        max_iter=1000,
        tol=1e-4,
        cv=None,
        solver=None,
    ):
        super().__init__(
            l1_ratio=1.0,
            eps=eps,
            alphas=alphas,
            fit_intercept=fit_intercept,
            max_iter=max_iter,
            tol=tol,
            cv=cv,
            solver=solver,
        )

    def _ratios(self):
        return [1.0]


class Lasso(ElasticNet):
    """The Lasso, ``min (1/2N)‖y − Xw − b‖² + alpha·‖w‖₁`` (scikit-learn's ``Lasso``): the
    elastic net at ``l1_ratio = 1``."""

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        tol=1e-4,
        max_iter=1000,
        solver=None,
        warm_start=False,
    ):
        super().__init__(
            alpha,
            l1_ratio=1.0,
            fit_intercept=fit_intercept,
            tol=tol,
            max_iter=max_iter,
            solver=solver,
            warm_start=warm_start,
        )

    def fit(self, X, y, sample_weight=None):
        """Fits the coefficients and intercept."""
        return self._fit(X, y, sample_weight, self.alpha, 1.0)


def load_model(path):
    """Reads a model written by ``descent fit --save`` (or by an estimator's ``save_model``)
    into the matching estimator, fitted: ``LogisticRegression`` for binary and multinomial
    models, ``LinearRegression``, ``Ridge`` or ``ElasticNet`` for linear ones. A model fitted
    with ``--standardize`` has its scaler folded into ``coef_`` and ``intercept_``, so the
    estimator takes the raw features. Models fitted on raw tables (text or categorical
    columns) raise ``ValueError``: their encoding belongs to the command line."""
    text = _descent.read_model(str(path))
    arrays = _descent.model_json(text)
    kind = arrays["kind"]
    if kind in ("logistic_regression", "multinomial_logistic_regression"):
        estimator = LogisticRegression(
            penalty=arrays["penalty"], C=arrays["c"], solver=arrays["solver"]
        )
    elif arrays["alpha"] == 0.0:
        estimator = LinearRegression(solver=arrays["solver"])
    else:
        estimator = Ridge(alpha=arrays["alpha"], solver=arrays["solver"])
    estimator._model_json = text
    estimator._set_arrays(arrays)
    estimator.report_ = arrays["report"]
    estimator.n_iter_ = _n_iter(arrays["report"])
    estimator.n_features_in_ = len(arrays["feature_names"])
    names = arrays["feature_names"]
    if names != [f"x{j}" for j in range(len(names))]:
        estimator.feature_names_in_ = np.asarray(names, dtype=object)
    return estimator
