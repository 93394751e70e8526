"""descent: linear models and minimizers in Rust, with scikit-learn's and scipy's interfaces.

Estimators (drop-in for scikit-learn's): ``LogisticRegression`` (binary and multinomial; L2,
L1, elastic net or no penalty; sample and class weights), ``LogisticRegressionCV``,
``LinearRegression``, ``Ridge``, ``Lasso``, ``ElasticNet``, ``LassoCV``, ``ElasticNetCV``.
Minimizers (in scipy's shape): ``minimize_scalar``, ``minimize``.
Model files shared with the ``descent`` command line: ``load_model`` and each estimator's
``save_model``.
"""

from ._descent import __version__
from ._linear_model import (
    ElasticNet,
    ElasticNetCV,
    Lasso,
    LassoCV,
    LinearRegression,
    LogisticRegression,
    LogisticRegressionCV,
    Ridge,
    load_model,
)
from ._optimize import minimize, minimize_scalar

__all__ = [
    "ElasticNet",
    "ElasticNetCV",
    "Lasso",
    "LassoCV",
    "LinearRegression",
    "LogisticRegression",
    "LogisticRegressionCV",
    "Ridge",
    "load_model",
    "minimize",
    "minimize_scalar",
    "__version__",
]
