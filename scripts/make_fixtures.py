#!/usr/bin/env python3
"""Writes the scikit-learn reference fits that the Rust tests compare against.

    python3 scripts/make_fixtures.py        # installs scikit-learn with pip if it is missing

Reads the repository's own data/*.csv and writes tests/fixtures/sklearn_logistic.json and
tests/fixtures/sklearn_linear.json. The Rust test suite only reads these files; it never runs
Python. Objectives are written in descent's mean form:

    logistic: F(w, b) = mean(log(1 + e^z) - y z) + |w|^2 / (2 C N),   z = X w + b
    (scikit-learn minimizes C N F; same minimizer)
"""
import json
import pathlib
import subprocess
import sys
import warnings

try:
    import sklearn  # noqa: F401
except ImportError:  # pragma: no cover
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "scikit-learn"])

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score, log_loss,
                             mean_absolute_error, mean_squared_error, precision_score,
                             r2_score, recall_score, roc_auc_score)
from sklearn.preprocessing import StandardScaler

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures"
C_VALUES = [0.01, 0.1, 1.0, 10.0, 10000.0]
ALPHAS = [0.1, 1.0, 10.0, 100.0]


def load(name):
    with open(ROOT / "data" / name) as f:
        header = f.readline().strip().split(",")
    table = np.loadtxt(ROOT / "data" / name, delimiter=",", skiprows=1)
    return header[:-1], table[:, :-1], table[:, -1]


def objective(x, y, coef, intercept, c):
    z = x @ coef + intercept
    return float(np.mean(np.logaddexp(0.0, z) - y * z) + coef @ coef / (2.0 * c * len(y)))


def logistic_fixtures():
    names, x_raw, y = load("breast_cancer.csv")
    scaler = StandardScaler().fit(x_raw)
    cases = []
    for scaling, x in [("raw", x_raw), ("standardized", scaler.transform(x_raw))]:
        for c in C_VALUES:
            fits = {}
            for solver, tol, max_iter in [("newton-cholesky", 1e-10, 10000),
                                          ("newton-cg", 1e-10, 10000),
                                          ("lbfgs", 1e-4, 100),
                                          ("lbfgs", 1e-10, 100000)]:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    warnings.simplefilter("ignore", RuntimeWarning)
                    model = LogisticRegression(C=c, solver=solver, tol=tol, max_iter=max_iter)
                    model.fit(x, y)
                key = solver if solver != "lbfgs" else f"lbfgs_tol_{tol:g}"
                fits[key] = {
                    "coef": model.coef_[0].tolist(),
                    "intercept": float(model.intercept_[0]),
                    "n_iter": int(model.n_iter_[0]),
                    "objective": objective(x, y, model.coef_[0], model.intercept_[0], c),
                }
            best = min(("newton-cholesky", "newton-cg"), key=lambda k: fits[k]["objective"])
            cases.append({"scaling": scaling, "C": c, "best_solver": best,
                          "best": fits[best], "fits": fits})
    # Scores of the standardized C = 1 model on its training data.
    x = scaler.transform(x_raw)
    model = LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-10).fit(x, y)
    p = model.predict_proba(x)[:, 1]
    pred = model.predict(x)
    metrics = {
        "accuracy": accuracy_score(y, pred),
        "log_loss": log_loss(y, p),
        "precision": precision_score(y, pred),
        "recall": recall_score(y, pred),
        "f1": f1_score(y, pred),
        "roc_auc": roc_auc_score(y, p),
        "confusion_matrix": confusion_matrix(y, pred).tolist(),
    }
    return {
        "sklearn_version": sklearn.__version__,
        "data": "data/breast_cancer.csv",
        "feature_names": names,
        "scaler": {"mean": scaler.mean_.tolist(), "scale": scaler.scale_.tolist()},
        "cases": cases,
        "standardized_c1_metrics": metrics,
    }


def linear_fixtures():
    names, x, y = load("diabetes.csv")
    ols = LinearRegression().fit(x, y)
    pred = ols.predict(x)
    ridge = []
    for alpha in ALPHAS:
        model = Ridge(alpha=alpha, solver="cholesky").fit(x, y)
        ridge.append({"alpha": alpha, "coef": model.coef_.tolist(),
                      "intercept": float(model.intercept_)})
    return {
        "sklearn_version": sklearn.__version__,
        "data": "data/diabetes.csv",
        "feature_names": names,
        "ols": {"coef": ols.coef_.tolist(), "intercept": float(ols.intercept_),
                "mse": mean_squared_error(y, pred), "mae": mean_absolute_error(y, pred),
                "r2": r2_score(y, pred)},
        "ridge": ridge,
    }


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, make in [("sklearn_logistic.json", logistic_fixtures),
                       ("sklearn_linear.json", linear_fixtures)]:
        path = OUT / name
        path.write_text(json.dumps(make(), indent=1) + "\n")
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
