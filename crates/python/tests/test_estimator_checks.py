"""scikit-learn's own checks for third-party estimators, over every descent estimator.

Each estimator runs twice: with its defaults, and converged tightly (`tol=1e-10`). Expected
failures, all of the check that integer sample weights fit as repeated rows do
(`check_sample_weight_equivalence_on_dense_data`), all about convergence, not weights:

- The unpenalized model: the check's data (15 rows, 30 features) are separable, so the
  likelihood has no maximum; both fits end with a ConvergenceWarning that says so, and where
  each stops is arbitrary.
- L-BFGS asked for explicitly, at the default `tol=1e-4`: each fit is about 1e-4 from the
  optimum, and the check compares them at 1e-7. At `tol=1e-10` it passes, and so does the
  default solver (Newton, on data this small) at the default tolerance.
- The cross-validated elastic net at the default `tol=1e-4`: the same alpha is chosen, and the
  final fits, each certified to a relative gap of 1e-4, predict about 1e-6 apart. At
  `tol=1e-10` it passes.
"""

from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

import descent

ESTIMATORS = [
    descent.LogisticRegression(),
    descent.LogisticRegression(penalty="l1", C=10.0),
    descent.LogisticRegression(penalty="elasticnet", l1_ratio=0.5),
    descent.LogisticRegression(penalty=None, solver="lbfgs"),
    descent.LogisticRegression(solver="lbfgs"),
    descent.LogisticRegressionCV(Cs=3, cv=3),
    descent.LinearRegression(),
    descent.Ridge(),
    descent.Lasso(alpha=0.1),
    descent.ElasticNet(alpha=0.1),
    descent.LassoCV(alphas=5, cv=3),
    descent.ElasticNetCV(alphas=5, cv=3, l1_ratio=[0.5, 0.9]),
]
TIGHT = [clone(estimator).set_params(tol=1e-10, max_iter=10_000) for estimator in ESTIMATORS]
TOLERANCE_LIMITED = {
    "check_sample_weight_equivalence_on_dense_data": (
        "L-BFGS at the default tol=1e-4 stops about 1e-4 from the optimum, and the check "
        "compares two such fits at 1e-7; the same estimator at tol=1e-10 passes (the default "
        "solver, Newton on data this small, passes at the default tol)"
    ),
}
GAP_LIMITED = {
    "check_sample_weight_equivalence_on_dense_data": (
        "the final fit at the default tol=1e-4 is certified to a relative duality gap of 1e-4, "
        "which leaves the two fits' predictions about 1e-6 apart where the check asks 1e-7 "
        "(the same alpha is chosen); at tol=1e-10 it passes"
    ),
}
NO_MINIMUM = {
    "check_sample_weight_equivalence_on_dense_data": (
        "the check's data (15 rows, 30 features) are separable: without a penalty the "
        "likelihood has no maximum, both fits stop on a ConvergenceWarning that says so, "
        "and where each stops is arbitrary"
    ),
}


def expected_failed_checks(estimator):
    params = estimator.get_params()
    if isinstance(estimator, descent.LogisticRegression) and params["penalty"] is None:
        return NO_MINIMUM
    if params.get("solver") == "lbfgs" and params["tol"] >= 1e-4:
        return TOLERANCE_LIMITED
    if type(estimator) is descent.ElasticNetCV and params["tol"] >= 1e-4:
        return GAP_LIMITED
    return {}


@parametrize_with_checks(ESTIMATORS + TIGHT, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
