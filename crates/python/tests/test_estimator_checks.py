"""scikit-learn's own checks for third-party estimators, over every descent estimator.

Each estimator runs twice: with its defaults, and converged tightly (`tol=1e-10`). Two
expected failures, both of the check that integer sample weights fit as repeated rows do
(`check_sample_weight_equivalence_on_dense_data`), and both about convergence, not weights:

- L-BFGS fits at the default `tol=1e-4` (the check's multiclass data take L-BFGS): both fits
  stop at `‖∇F‖₂ ≤ 1e-4`, which leaves probabilities about 1e-4 apart where the check asks
  1e-7. The same estimators at `tol=1e-10` pass.
- No penalty: the check's data are separable, so the likelihood has no maximum; both fits
  warn so, and where each stops is arbitrary.
"""

from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

import descent

ESTIMATORS = [
    descent.LogisticRegression(),
    descent.LogisticRegression(penalty="l1", C=10.0),
    descent.LogisticRegression(penalty="elasticnet", l1_ratio=0.5),
    descent.LogisticRegression(penalty=None, solver="lbfgs"),
    CROSS_VALIDATED := descent.LogisticRegressionCV(Cs=3, cv=3),
    descent.LinearRegression(),
    descent.Ridge(),
    descent.Lasso(alpha=0.1),
    descent.ElasticNet(alpha=0.1),
]
TIGHT = [clone(estimator).set_params(tol=1e-10, max_iter=10_000) for estimator in ESTIMATORS]
# The cross-validated model's grid reaches C = 1e4, nearly unpenalized on the check's 15 rows
# and 30 features, where L-BFGS stalls (honestly: "stalled", with a ConvergenceWarning) at a
# gradient norm near 1e-9 and the weighted and repeated fits differ by 1e-6; Newton gets to
# 1e-10 there.
TIGHT[ESTIMATORS.index(CROSS_VALIDATED)].set_params(solver="newton")

TOLERANCE_LIMITED = {
    "check_sample_weight_equivalence_on_dense_data": (
        "an L-BFGS fit at the default tol=1e-4 is accurate to about 1e-4, and the check "
        "compares two fits at 1e-7; the same estimator with tol=1e-10 passes"
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
    # The default solver of the multiclass check data is L-BFGS.
    lbfgs = params.get("solver") == "lbfgs" or (
        isinstance(estimator, descent.LogisticRegression) and params["penalty"] == "l2"
    )
    if lbfgs and params["tol"] >= 1e-4:
        return TOLERANCE_LIMITED
    return {}


@parametrize_with_checks(ESTIMATORS + TIGHT, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
