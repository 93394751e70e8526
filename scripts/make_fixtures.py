#!/usr/bin/env python3
"""Writes the scikit-learn reference fits that the Rust tests compare against.

    python3 scripts/make_fixtures.py        # installs scikit-learn with pip if it is missing
    python3 scripts/make_fixtures.py sklearn_sparse.json   # only the named files

Reads the repository's own data/*.csv and writes tests/fixtures/sklearn_logistic.json,
tests/fixtures/sklearn_linear.json, tests/fixtures/sklearn_sparse.json and
tests/fixtures/sklearn_churn.json (raw-table fits of data/churn.csv, which
scripts/make_churn.py writes; these need pandas, installed with pip if missing) and
tests/fixtures/statsmodels_inference.json (statsmodels' Logit and OLS summaries; statsmodels
installed with pip if missing) and tests/fixtures/sklearn_multinomial.json (multiclass fits of
data/iris.csv, data/wine.csv and diabetes cut into quartile classes) and
tests/fixtures/sklearn_weights.json (fits with sample and class weights). The Rust test suite
only reads these files; it never runs Python. Objectives are written in descent's mean form:

    logistic: F(w, b) = mean(log(1 + e^z) - y z) + |w|^2 / (2 C N),   z = X w + b
    (scikit-learn minimizes C N F; same minimizer)
    L1 / elastic-net logistic: F = mean log loss + (r |w|_1 + (1 - r) |w|^2 / 2) / (C N)
    Lasso / ElasticNet: F = mean((y - X w - b)^2) + 2 alpha r |w|_1 + alpha (1 - r) |w|^2
    with sample weights s: every mean is sum(s_i term_i) / W and N is W = sum(s_i)
    (twice scikit-learn's (1/2N)|r|^2 + alpha r |w|_1 + alpha (1 - r) |w|^2 / 2)
    multinomial: F(W, b) = mean(logsumexp(z_i) - z_i[y_i]) + |W|_F^2 / (2 C N),  z_i = W x_i + b
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
from sklearn.linear_model import (ElasticNet, LassoCV, LinearRegression, LogisticRegression,
                                  LogisticRegressionCV, Ridge, enet_path)
from sklearn.model_selection import KFold, StratifiedKFold
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


def sparse_logistic_objective(x, y, coef, intercept, c, ratio):
    z = x @ coef + intercept
    n = len(y)
    penalty = ratio * np.abs(coef).sum() + 0.5 * (1.0 - ratio) * coef @ coef
    return float(np.mean(np.logaddexp(0.0, z) - y * z) + penalty / (c * n))


def sparse_linear_objective(x, y, coef, intercept, alpha, ratio):
    r = y - x @ coef - intercept
    return float(np.mean(r * r) + 2.0 * alpha * ratio * np.abs(coef).sum()
                 + alpha * (1.0 - ratio) * coef @ coef)


def quietly(fit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", FutureWarning)
        return fit()


def fit_record(coef, intercept, objective, n_iter):
    coef = np.asarray(coef, dtype=float)
    return {"coef": coef.tolist(), "intercept": float(intercept), "objective": objective,
            "n_iter": int(np.max(n_iter)),
            "zeros": [int(j) for j in np.flatnonzero(coef == 0.0)]}


def sparse_logistic_cases(x_raw, y):
    """L1 and elastic-net logistic regression: saga and liblinear (an intercept scaling of
    1e6 leaves the intercept effectively unpenalized) at tol 1e-12; the best objective wins."""
    scaler = StandardScaler().fit(x_raw)
    cases = []
    settings = [("standardized", scaler.transform(x_raw), [0.01, 0.05, 0.3, 3.0]),
                ("raw", x_raw, [1e-4, 1e-3, 0.01])]
    for scaling, x, cs in settings:
        for c in cs:
            for ratio in ([1.0, 0.5] if scaling == "standardized" else [1.0]):
                fits = {}
                penalty = "l1" if ratio == 1.0 else "elasticnet"
                extra = {} if ratio == 1.0 else {"l1_ratio": ratio}
                if scaling == "standardized":
                    model = quietly(lambda: LogisticRegression(
                        penalty=penalty, C=c, solver="saga", tol=1e-12, max_iter=200000,
                        **extra).fit(x, y))
                    fits["saga"] = fit_record(
                        model.coef_[0], model.intercept_[0],
                        sparse_logistic_objective(x, y, model.coef_[0], model.intercept_[0],
                                                  c, ratio), model.n_iter_)
                if ratio == 1.0:
                    model = quietly(lambda: LogisticRegression(
                        penalty="l1", C=c, solver="liblinear", tol=1e-12, max_iter=100000,
                        intercept_scaling=1e6).fit(x, y))
                    fits["liblinear"] = fit_record(
                        model.coef_[0], model.intercept_[0],
                        sparse_logistic_objective(x, y, model.coef_[0], model.intercept_[0],
                                                  c, ratio), model.n_iter_)
                best = min(fits, key=lambda k: fits[k]["objective"])
                cases.append({"scaling": scaling, "C": c, "l1_ratio": ratio,
                              "best_solver": best, "best": fits[best], "fits": fits})
    return cases


def sparse_linear_cases(x_raw, y):
    """Lasso and ElasticNet by coordinate descent at tol 1e-12 (scikit-learn stops on its
    duality gap)."""
    scaler = StandardScaler().fit(x_raw)
    cases = []
    for scaling, x in [("raw", x_raw), ("standardized", scaler.transform(x_raw))]:
        for alpha in [0.01, 0.1, 1.0, 10.0]:
            for ratio in [1.0, 0.5]:
                model = quietly(lambda: ElasticNet(alpha=alpha, l1_ratio=ratio, tol=1e-12,
                                                   max_iter=1000000).fit(x, y))
                record = fit_record(model.coef_, model.intercept_,
                                    sparse_linear_objective(x, y, model.coef_,
                                                            model.intercept_, alpha, ratio),
                                    model.n_iter_)
                cases.append({"scaling": scaling, "alpha": alpha, "l1_ratio": ratio,
                              "best": record})
    return cases


def lasso_path_case(x, y):
    """scikit-learn's warm-started Lasso path from alpha_max over three decades, 30 values."""
    n = len(y)
    xc = x - x.mean(axis=0)
    yc = y - y.mean()
    alpha_max = np.abs(xc.T @ yc).max() / n
    alphas = np.logspace(np.log10(alpha_max), np.log10(alpha_max * 1e-3), 30)
    _, coefs, _ = quietly(lambda: enet_path(xc, yc, l1_ratio=1.0, alphas=alphas, tol=1e-12,
                                            max_iter=1000000))
    points = []
    for k, alpha in enumerate(alphas):
        coef = coefs[:, k]
        intercept = y.mean() - x.mean(axis=0) @ coef
        points.append({"alpha": float(alpha), **fit_record(
            coef, intercept, sparse_linear_objective(x, y, coef, intercept, alpha, 1.0), 0)})
    return {"alpha_max": float(alpha_max), "points": points}


def logistic_path_case(x, y):
    """scikit-learn's warm-started L1 logistic path (saga, warm_start) over C from C_min (the
    C below which every coefficient is zero, with the intercept fitted) across four decades,
    12 values. saga stalls short of the optimum at the larger C, so each point also records
    liblinear's fit (intercept scaling 1e6), and the better of the two is the reference."""
    n = len(y)
    t = np.abs(x.T @ (y.mean() - y)).max() / n
    c_min = 1.0 / (n * t)
    cs = np.logspace(np.log10(c_min), np.log10(c_min * 1e4), 12)
    model = LogisticRegression(penalty="l1", solver="saga", tol=1e-12, max_iter=200000,
                               warm_start=True)
    points = []
    for c in cs:
        model.set_params(C=c)
        quietly(lambda: model.fit(x, y))
        saga = fit_record(model.coef_[0], model.intercept_[0],
                          sparse_logistic_objective(x, y, model.coef_[0], model.intercept_[0],
                                                    c, 1.0), model.n_iter_)
        other = quietly(lambda: LogisticRegression(
            penalty="l1", C=c, solver="liblinear", tol=1e-12, max_iter=100000,
            intercept_scaling=1e6).fit(x, y))
        liblinear = fit_record(other.coef_[0], other.intercept_[0],
                               sparse_logistic_objective(x, y, other.coef_[0],
                                                         other.intercept_[0], c, 1.0),
                               other.n_iter_)
        best, name = min((saga, "saga"), (liblinear, "liblinear"),
                         key=lambda f: f[0]["objective"])
        points.append({"C": float(c), "best_solver": name, "saga_objective": saga["objective"],
                       **best})
    return {"C_min": float(c_min), "points": points}


def fold_ids(splitter, *data):
    """The fold of each row under `splitter` (5 folds, shuffled with seed 0), as ids written
    to the fixtures, and the (training, held-out) index pairs they make."""
    folds = np.zeros(len(data[0]), dtype=int)
    for f, (_, test) in enumerate(splitter(5, shuffle=True, random_state=0).split(*data)):
        folds[test] = f
    splits = [(np.flatnonzero(folds != f), np.flatnonzero(folds == f)) for f in range(5)]
    return folds, splits


def cv_cases(x_bc, y_bc, x_db, y_db):
    """LogisticRegressionCV and LassoCV given explicit folds (written as fold ids), grids and
    scoring, at tight tolerances: the C and alpha they choose."""
    folds_bc, splits = fold_ids(StratifiedKFold, x_bc, y_bc)
    cs = np.logspace(-2, 1, 8)
    # liblinear with an intercept scaling of 1e6 (the intercept effectively unpenalized)
    # reaches the optimum at every C; saga stops short of it at the larger ones.
    logistic = quietly(lambda: LogisticRegressionCV(
        Cs=cs, cv=splits, penalty="l1", solver="liblinear", scoring="neg_log_loss", tol=1e-12,
        max_iter=100000, intercept_scaling=1e6).fit(x_bc, y_bc))
    mean_scores = logistic.scores_[1.0].mean(axis=0)
    folds_db, splits = fold_ids(KFold, x_db)
    alphas = np.logspace(1, -2, 12)
    lasso = quietly(lambda: LassoCV(alphas=alphas, cv=splits, tol=1e-12,
                                    max_iter=1000000).fit(x_db, y_db))
    return {
        "logistic": {"data": "breast_cancer, standardized", "folds": folds_bc.tolist(),
                     "C_range": [float(cs[0]), float(cs[-1])], "num": len(cs),
                     "mean_log_loss": (-mean_scores).tolist(),
                     "chosen_C": float(logistic.C_[0])},
        "lasso": {"data": "diabetes, raw", "folds": folds_db.tolist(),
                  "alpha_range": [float(alphas[-1]), float(alphas[0])], "num": len(alphas),
                  "mean_mse": lasso.mse_path_.mean(axis=1).tolist(),
                  "chosen_alpha": float(lasso.alpha_)},
    }


def sparse_fixtures():
    _, x_bc, y_bc = load("breast_cancer.csv")
    _, x_db, y_db = load("diabetes.csv")
    x_bc_std = StandardScaler().fit_transform(x_bc)
    return {
        "sklearn_version": sklearn.__version__,
        "logistic": sparse_logistic_cases(x_bc, y_bc),
        "linear": sparse_linear_cases(x_db, y_db),
        "lasso_path": lasso_path_case(x_db, y_db),
        "logistic_path": logistic_path_case(x_bc_std, y_bc),
        "cv": cv_cases(x_bc_std, y_bc, x_db, y_db),
    }


CHURN_NUMERIC = ["SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges"]
CHURN_CATEGORICAL = ["gender", "Partner", "Contract", "InternetService", "PaymentMethod"]


def churn_pipeline(model, numeric, categorical, numeric_strategy, categorical_strategy,
                   scale=False):
    """scikit-learn's pipeline for what `descent fit` does with a raw table: impute (and with
    `scale`, standardize the numeric columns, as --standardize), one-hot encode with the first
    (sorted) level dropped, fit."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    categorical_steps = Pipeline([
        ("impute", SimpleImputer(strategy=categorical_strategy, fill_value="missing")),
        ("encode", OneHotEncoder(drop="first")),
    ])
    numeric_steps = SimpleImputer(strategy=numeric_strategy)
    if scale:
        numeric_steps = Pipeline([("impute", numeric_steps), ("scale", StandardScaler())])
    columns = ColumnTransformer([
        ("num", numeric_steps, numeric),
        ("cat", categorical_steps, categorical),
    ], sparse_threshold=0.0)
    return Pipeline([("columns", columns), ("model", model)])


def churn_case(frame, name, model, target, numeric, categorical, numeric_strategy,
               categorical_strategy, options):
    pipeline = churn_pipeline(model, numeric, categorical, numeric_strategy, categorical_strategy)
    y = (frame[target] == "Yes").astype(float).to_numpy() if target == "Churn" else frame[target].to_numpy()
    pipeline.fit(frame[numeric + categorical], y)
    encoder = pipeline.named_steps["columns"].named_transformers_["cat"].named_steps["encode"]
    names = list(numeric)
    for column, levels in zip(categorical, encoder.categories_):
        names += [f"{column}={level}" for level in levels[1:]]
    fitted = pipeline.named_steps["model"]
    coef = np.ravel(fitted.coef_)
    x = pipeline.named_steps["columns"].transform(frame[numeric + categorical])
    z = x @ coef + float(np.ravel(fitted.intercept_)[0])
    if target == "Churn":
        objective = float(np.mean(np.logaddexp(0.0, z) - y * z) + coef @ coef / (2.0 * fitted.C * len(y)))
    else:
        objective = float(np.mean((y - z) ** 2))
    return {
        "name": name,
        "target": target,
        "options": options,
        "feature_names": names,
        "coef": coef.tolist(),
        "intercept": float(np.ravel(fitted.intercept_)[0]),
        "objective": objective,
    }


def churn_cv_case(frame):
    """Cross-validation of the whole pipeline (mean imputation, standardization, one-hot
    encoding, logistic regression), refitted in every fold by `cross_validate`: the held-out
    log loss of each fold at each C, with the folds written as ids."""
    from sklearn.model_selection import cross_validate

    y = (frame["Churn"] == "Yes").astype(float).to_numpy()
    folds, splits = fold_ids(StratifiedKFold, frame, y)
    cs = np.logspace(-2, 1, 4)
    scores = []
    for c in cs:
        model = LogisticRegression(C=c, solver="newton-cholesky", tol=1e-12, max_iter=1000)
        pipeline = churn_pipeline(model, CHURN_NUMERIC, CHURN_CATEGORICAL, "mean",
                                  "most_frequent", scale=True)
        result = cross_validate(pipeline, frame[CHURN_NUMERIC + CHURN_CATEGORICAL], y,
                                cv=splits, scoring="neg_log_loss")
        scores.append((-result["test_score"]).tolist())
    return {"options": ["--missing", "mean", "--standardize"], "folds": folds.tolist(),
            "C_range": [float(cs[0]), float(cs[-1])], "num": len(cs), "fold_log_loss": scores}


def churn_fixtures():
    """Raw-table fits of data/churn.csv (written by scripts/make_churn.py): scikit-learn's
    Pipeline(ColumnTransformer(SimpleImputer, OneHotEncoder(drop="first")), model) against
    `descent fit` with the options recorded in each case."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "pandas"])
        import pandas as pd
    # descent trims fields, so TotalCharges' " " is empty, and missing; pandas needs telling.
    frame = pd.read_csv(ROOT / "data" / "churn.csv", na_values=[" "])
    logistic = lambda c: LogisticRegression(C=c, solver="newton-cholesky", tol=1e-12, max_iter=1000)
    cases = [
        churn_case(frame, "mean", logistic(1.0), "Churn", CHURN_NUMERIC, CHURN_CATEGORICAL,
                   "mean", "most_frequent", ["--missing", "mean", "--C", "1"]),
        churn_case(frame, "median, C = 0.05", logistic(0.05), "Churn", CHURN_NUMERIC,
                   CHURN_CATEGORICAL, "median", "most_frequent",
                   ["--missing", "median", "--C", "0.05"]),
        churn_case(frame, "missing as a level", logistic(1.0), "Churn", CHURN_NUMERIC,
                   CHURN_CATEGORICAL, "most_frequent", "constant",
                   ["--missing", "most-frequent", "--missing-level", "--C", "1"]),
        churn_case(frame, "linear", LinearRegression(), "MonthlyCharges",
                   ["SeniorCitizen", "tenure", "TotalCharges"], CHURN_CATEGORICAL + ["Churn"],
                   "mean", "most_frequent", ["--missing", "mean"]),
    ]
    write_churn_parquet(pd)
    return {"sklearn_version": sklearn.__version__, "pandas_version": pd.__version__,
            "cases": cases, "cv": churn_cv_case(frame)}


def write_churn_parquet(pd):
    """tests/fixtures/churn.parquet: data/churn.csv as pandas saves it with pyarrow, to check
    that descent reads a Parquet file to the same fit as the CSV file. Numbers are parsed to
    the nearest double, as descent parses them (checked here); Contract and
    PaymentMethod are pandas categories (dictionary-encoded, PaymentMethod with nulls), the
    rest plain strings and integers; row groups of 500 rows, so that each has its own
    dictionaries; and a date column, signup, which cannot be a feature."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:  # pragma: no cover
        subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "pyarrow"])
    frame = pd.read_csv(ROOT / "data" / "churn.csv", na_values=[" "])
    text = pd.read_csv(ROOT / "data" / "churn.csv", dtype=str, keep_default_na=False)
    for column in ["MonthlyCharges", "TotalCharges"]:
        parsed = [float(t) if t.strip() else None for t in text[column]]
        assert all(p is None or p == v for p, v in zip(parsed, frame[column])), column
    for column in ["Contract", "PaymentMethod"]:
        frame[column] = frame[column].astype("category")
    frame["signup"] = pd.Timestamp("2020-01-01") + pd.to_timedelta(frame["tenure"] * 30, unit="D")
    frame.to_parquet(OUT / "churn.parquet", index=False, row_group_size=500)
    print(f"wrote {(OUT / 'churn.parquet').relative_to(ROOT)}")


def inference_case(kind, data, features, intercept, weights=None):
    """statsmodels' Logit or OLS (WLS with `weights`, which the case then holds) on `features`
    of a bundled data set (its last column the target), every number of the summary, the
    coefficients in descent's order (the features', then the intercept's)."""
    try:
        import statsmodels.api as sm
    except ImportError:  # pragma: no cover
        subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "statsmodels"])
        import statsmodels.api as sm
    import pandas as pd
    frame = pd.read_csv(ROOT / "data" / data)
    y = frame[frame.columns[-1]].to_numpy(dtype=float)
    x = frame[features].to_numpy(dtype=float)
    exog = np.column_stack([x, np.ones(len(y))]) if intercept else x
    if kind == "logit":
        fit = sm.Logit(y, exog).fit(disp=0, method="newton", tol=1e-14, maxiter=100)
        assert fit.mle_retvals["converged"]
    elif weights is not None:
        fit = sm.WLS(y, exog, weights=weights).fit()
    else:
        fit = sm.OLS(y, exog).fit()
    ci = fit.conf_int(0.05)
    case = {
        "kind": kind, "data": data, "features": features, "intercept": intercept,
        "params": fit.params.tolist(), "bse": fit.bse.tolist(), "statistic": fit.tvalues.tolist(),
        "pvalues": fit.pvalues.tolist(), "lower": ci[:, 0].tolist(), "upper": ci[:, 1].tolist(),
        "llf": float(fit.llf), "aic": float(fit.aic), "bic": float(fit.bic),
        "df_model": float(fit.df_model), "df_resid": float(fit.df_resid),
    }
    if kind == "logit":
        # statsmodels fits the intercept-only model numerically, to about 1e-10 of its
        # log-likelihood, and its LLR p-value amplifies that (4e-8 relative at 4e-30); the
        # intercept-only optimum has a closed form, N(ȳ log ȳ + (1 − ȳ) log(1 − ȳ)), so the
        # exact values are written too (checked against mpmath at 40 digits).
        from scipy.stats import chi2
        mean = y.mean()
        llnull = len(y) * (mean * np.log(mean) + (1 - mean) * np.log1p(-mean))
        llr = 2 * (fit.llf - llnull)
        p = fit.predict()
        root_information = np.sqrt(p * (1 - p))[:, None] * exog
        case.update(condition_number=float(np.linalg.cond(root_information)))
        case.update(llnull=float(fit.llnull), llr=float(fit.llr),
                    llr_pvalue=float(fit.llr_pvalue), prsquared=float(fit.prsquared),
                    exact_llnull=float(llnull), exact_llr=float(llr),
                    exact_llr_pvalue=float(chi2.sf(llr, fit.df_model)),
                    exact_prsquared=float(1 - fit.llf / llnull))
    else:
        from statsmodels.stats.stattools import durbin_watson, jarque_bera
        # The summary's diagnostics are of the whitened residuals (for OLS, the residuals).
        jb, jb_p, skew, kurtosis = jarque_bera(fit.wresid)
        case.update(rsquared=float(fit.rsquared), rsquared_adj=float(fit.rsquared_adj),
                    fvalue=float(fit.fvalue), f_pvalue=float(fit.f_pvalue),
                    scale=float(fit.scale), durbin_watson=float(durbin_watson(fit.wresid)),
                    jarque_bera=float(jb), jarque_bera_pvalue=float(jb_p), skew=float(skew),
                    kurtosis=float(kurtosis), condition_number=float(fit.condition_number))
    # The robust (sandwich) covariances: statsmodels' cov_type, HC0 to HC3.
    robust = {}
    for cov_type in ["HC0", "HC1", "HC2", "HC3"]:
        if kind == "logit":
            r = sm.Logit(y, exog).fit(disp=0, method="newton", tol=1e-14, maxiter=100,
                                      cov_type=cov_type)
        elif weights is not None:
            r = sm.WLS(y, exog, weights=weights).fit(cov_type=cov_type)
        else:
            r = sm.OLS(y, exog).fit(cov_type=cov_type)
        ci = r.conf_int(0.05)
        robust[cov_type.lower()] = {
            "bse": r.bse.tolist(), "statistic": r.tvalues.tolist(),
            "pvalues": r.pvalues.tolist(), "lower": ci[:, 0].tolist(),
            "upper": ci[:, 1].tolist(),
            **({"fvalue": float(r.fvalue), "f_pvalue": float(r.f_pvalue)} if kind == "ols" else {}),
        }
    case["robust"] = robust
    if weights is not None:
        case["weights"] = list(weights)
    return case


def churn_inference_case():
    """statsmodels' Logit of the raw churn table as `descent fit --missing mean --penalty none
    --summary` encodes it: the numeric columns imputed with their means, the categorical ones
    one-hot encoded with the first level dropped (scikit-learn's ColumnTransformer, as in the
    churn fixtures), an intercept last."""
    import pandas as pd
    import statsmodels.api as sm
    frame = pd.read_csv(ROOT / "data" / "churn.csv", na_values=[" "])
    pipeline = churn_pipeline(LogisticRegression(), CHURN_NUMERIC, CHURN_CATEGORICAL, "mean",
                              "most_frequent")
    columns = pipeline.named_steps["columns"]
    x = columns.fit_transform(frame[CHURN_NUMERIC + CHURN_CATEGORICAL])
    y = (frame["Churn"] == "Yes").astype(float).to_numpy()
    fit = sm.Logit(y, np.column_stack([x, np.ones(len(y))])).fit(
        disp=0, method="newton", tol=1e-14, maxiter=100)
    assert fit.mle_retvals["converged"]
    ci = fit.conf_int(0.05)
    mean = y.mean()
    llnull = len(y) * (mean * np.log(mean) + (1 - mean) * np.log1p(-mean))
    return {"options": ["--missing", "mean", "--penalty", "none"],
            "params": fit.params.tolist(), "bse": fit.bse.tolist(),
            "statistic": fit.tvalues.tolist(), "pvalues": fit.pvalues.tolist(),
            "lower": ci[:, 0].tolist(), "upper": ci[:, 1].tolist(), "llf": float(fit.llf),
            "exact_llnull": float(llnull), "aic": float(fit.aic), "bic": float(fit.bic)}


def inference_fixtures():
    """statsmodels' summaries of unpenalized fits on the bundled data, with and without an
    intercept (written with the intercept as the last column, descent's order)."""
    import statsmodels
    diabetes = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
    cases = [
        inference_case("logit", "breast_cancer.csv", ["mean_radius", "mean_texture"], True),
        inference_case("logit", "breast_cancer.csv",
                       ["mean_radius", "mean_texture", "mean_smoothness"], False),
        inference_case("ols", "diabetes.csv", diabetes, True),
        inference_case("ols", "diabetes.csv", diabetes[:4], False),
        # Weighted least squares: seeded weights on [0.2, 3), none zero (statsmodels counts a
        # row of weight 0 as an observation, and its log-likelihood would be −∞).
        inference_case("ols", "diabetes.csv", diabetes, True,
                       np.random.default_rng(3).uniform(0.2, 3.0, 442)),
        inference_case("ols", "diabetes.csv", diabetes[:4], False,
                       np.random.default_rng(4).uniform(0.2, 3.0, 442)),
    ]
    wine = ["alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium"]
    mnlogit = [mnlogit_case("diabetes.csv quartiles", diabetes, True),
               mnlogit_case("diabetes.csv quartiles", diabetes, False),
               mnlogit_case("wine.csv", wine, True)]
    return {"statsmodels_version": statsmodels.__version__, "cases": cases,
            "churn": churn_inference_case(), "mnlogit": mnlogit}


def mnlogit_case(data, features, intercept):
    """statsmodels' MNLogit (reference class: the first) on `features` of a bundled data set:
    data/wine.csv's class, or data/diabetes.csv's target cut at its quartiles into four
    classes. The coefficients class by class (the compared classes in order), each in
    descent's order (the features', then the intercept's)."""
    import pandas as pd
    import statsmodels.api as sm
    frame = pd.read_csv(ROOT / "data" / data.split()[0])
    target = frame[frame.columns[-1]].to_numpy(dtype=float)
    if data.endswith("quartiles"):
        target = np.searchsorted(np.quantile(target, [0.25, 0.5, 0.75]), target,
                                 side="right").astype(float)
    x = frame[features].to_numpy(dtype=float)
    exog = np.column_stack([x, np.ones(len(target))]) if intercept else x
    fit = sm.MNLogit(target, exog).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
    assert fit.mle_retvals["converged"]
    ci = np.asarray(fit.conf_int(0.05))  # (K - 1, k, 2): class by class already
    lower, upper = ci[:, :, 0].ravel().tolist(), ci[:, :, 1].ravel().tolist()
    ravel = lambda a: np.asarray(a).T.ravel().tolist()  # (k, K - 1) -> class by class
    return {"data": data, "features": features, "intercept": intercept,
            "classes": np.unique(target).tolist(),
            "params": ravel(fit.params), "bse": ravel(fit.bse), "statistic": ravel(fit.tvalues),
            "pvalues": ravel(fit.pvalues), "lower": lower, "upper": upper,
            "llf": float(fit.llf), "llnull": float(fit.llnull), "llr": float(fit.llr),
            "llr_pvalue": float(fit.llr_pvalue), "prsquared": float(fit.prsquared),
            "aic": float(fit.aic), "bic": float(fit.bic), "df_model": float(fit.df_model),
            "df_resid": float(fit.df_resid),
            "robust_bse": ravel(sm.MNLogit(target, exog).fit(
                disp=0, method="newton", tol=1e-12, maxiter=100, cov_type="HC0").bse)}


def multinomial_objective(x, labels, coef, intercept, c):
    """descent's mean form: mean(logsumexp(z) - z[y]) + |W|_F^2 / (2 C N), z = X W^T + b."""
    z = x @ coef.T + intercept
    m = z.max(axis=1, keepdims=True)
    lse = (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[:, 0]
    loss = np.mean(lse - z[np.arange(len(labels)), labels])
    penalty = 0.0 if c is None else float((coef * coef).sum()) / (2.0 * c * len(labels))
    return float(loss + penalty)


def multinomial_case(data, x, y, scaling, c):
    """scikit-learn's multinomial LogisticRegression (its only model for more than two
    classes) by newton-cholesky, newton-cg and lbfgs at tol 1e-12; the best objective, and that
    fit's probabilities on the training rows (unique at the optimum, unlike the intercepts)."""
    classes, labels = np.unique(y, return_inverse=True)
    fits = {}
    for solver in ("newton-cholesky", "newton-cg", "lbfgs"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", UserWarning)  # newton-cg's "Line Search failed"
            model = LogisticRegression(C=np.inf if c is None else c, solver=solver, tol=1e-12,
                                       max_iter=100000)
            model.fit(x, y)
        fits[solver] = {"objective": multinomial_objective(x, labels, model.coef_,
                                                           model.intercept_, c),
                        "n_iter": int(model.n_iter_[0]), "model": model}
    best = min(fits, key=lambda k: fits[k]["objective"])
    model = fits[best]["model"]
    return {"data": data, "scaling": scaling, "C": c, "best_solver": best,
            "objective": fits[best]["objective"],
            "objectives": {k: v["objective"] for k, v in fits.items()},
            "classes": classes.tolist(),
            "coef": model.coef_.tolist(), "intercept": model.intercept_.tolist(),
            "probabilities": model.predict_proba(x).tolist()}


def multinomial_fixtures():
    """Multinomial fits of data/iris.csv and data/wine.csv (scripts/make_multiclass_data.py)
    and of data/diabetes.csv with its target cut into four classes at its quartiles, raw and
    standardized, for several C and without a penalty; with the metrics of one fit."""
    import csv
    def read(name):
        with open(ROOT / "data" / name) as f:
            rows = list(csv.reader(f))
        x = np.array([[float(v) for v in r[:-1]] for r in rows[1:]])
        return x, np.array([r[-1] for r in rows[1:]])
    x_iris, species = read("iris.csv")
    x_wine, wine = read("wine.csv")
    wine = wine.astype(float)
    _, x_db, target = load("diabetes.csv")
    quartiles = np.quantile(target, [0.25, 0.5, 0.75])
    y_db = np.searchsorted(quartiles, target, side="right").astype(float)
    cases = []
    for data, x_raw, y in [("iris.csv", x_iris, species), ("wine.csv", x_wine, wine),
                           ("diabetes.csv quartiles", x_db, y_db)]:
        for scaling, x in [("raw", x_raw), ("standardized", StandardScaler().fit_transform(x_raw))]:
            for c in [0.01, 1.0, 100.0]:
                cases.append(multinomial_case(data, x, y, scaling, c))
        if data == "iris.csv":
            cases.append(multinomial_case(data, x_raw, y, "raw", None))
    x = StandardScaler().fit_transform(x_wine)
    model = LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-12).fit(x, wine)
    p, pred = model.predict_proba(x), model.predict(x)
    metrics = {"accuracy": accuracy_score(wine, pred), "log_loss": log_loss(wine, p),
               "macro_f1": f1_score(wine, pred, average="macro"),
               "weighted_f1": f1_score(wine, pred, average="weighted"),
               "micro_f1": f1_score(wine, pred, average="micro"),
               "confusion_matrix": confusion_matrix(wine, pred).tolist()}
    sparse = [multinomial_sparse_case("iris.csv", StandardScaler().fit_transform(x_iris),
                                      species, c, r)
              for c, r in [(1.0, 1.0), (0.1, 1.0), (1.0, 0.5)]]
    sparse.append(multinomial_sparse_case("wine.csv", StandardScaler().fit_transform(x_wine),
                                          wine, 0.5, 1.0))
    return {"sklearn_version": sklearn.__version__,
            "quartiles_of_diabetes_target": quartiles.tolist(),
            "cases": cases, "wine_standardized_c1_metrics": metrics,
            "churn_contract": churn_contract_case(), "sparse_cases": sparse}


def multinomial_sparse_case(data, x, y, c, ratio):
    """Multinomial L1 (ratio 1) or elastic net by saga at tol 1e-12 on standardized data: the
    objective in descent's mean form, mean(logsumexp - z[y]) + (r|W|_1 + (1 - r)|W|^2/2)/(C N),
    and the number of non-zero coefficients."""
    classes, labels = np.unique(y, return_inverse=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = LogisticRegression(C=c, l1_ratio=ratio, solver="saga", tol=1e-12,
                                   max_iter=1_000_000).fit(x, y)
    coef = model.coef_
    n = len(labels)
    smooth = multinomial_objective(x, labels, coef, model.intercept_, None)
    penalty = (ratio * np.abs(coef).sum() + (1 - ratio) * (coef * coef).sum() / 2) / (c * n)
    return {"data": data, "C": c, "l1_ratio": ratio, "objective": float(smooth + penalty),
            "non_zeros": int((coef != 0).sum()), "n_iter": int(model.n_iter_[0])}


def churn_contract_case():
    """The raw churn table's three-level Contract as the target of scikit-learn's pipeline
    (mean imputation, standardized numeric columns, one-hot with the first level dropped,
    multinomial LogisticRegression at C = 0.5): `descent fit --target Contract` with the
    options below; the objective in descent's mean form and the probabilities of every row."""
    import pandas as pd
    frame = pd.read_csv(ROOT / "data" / "churn.csv", na_values=[" "])
    categorical = ["gender", "Partner", "InternetService", "PaymentMethod", "Churn"]
    model = LogisticRegression(C=0.5, solver="newton-cholesky", tol=1e-12, max_iter=1000)
    pipeline = churn_pipeline(model, CHURN_NUMERIC, categorical, "mean", "most_frequent",
                              scale=True)
    y = frame["Contract"].to_numpy()
    pipeline.fit(frame[CHURN_NUMERIC + categorical], y)
    x = pipeline.named_steps["columns"].transform(frame[CHURN_NUMERIC + categorical])
    fitted = pipeline.named_steps["model"]
    classes, labels = np.unique(y, return_inverse=True)
    assert list(classes) == list(fitted.classes_)
    return {"options": ["--target", "Contract", "--missing", "mean", "--standardize",
                        "--C", "0.5", "--id-column", "customerID"],
            "labels": classes.tolist(),
            "objective": multinomial_objective(x, labels, fitted.coef_, fitted.intercept_, 0.5),
            "probabilities": pipeline.predict_proba(frame[CHURN_NUMERIC + categorical]).tolist()}


def sample_weights(n, seed):
    """Seeded weights: uniform on [0, 3), one row in ten exactly 0 (dropped from the loss)."""
    rng = np.random.default_rng(seed)
    s = rng.uniform(0.0, 3.0, n)
    s[rng.random(n) < 0.1] = 0.0
    return s


def weighted_logistic_objective(x, y, s, coef, intercept, c, ratio=0.0):
    z = x @ coef + intercept
    total = s.sum()
    loss = float(s @ (np.logaddexp(0.0, z) - y * z)) / total
    penalty = (ratio * np.abs(coef).sum() + (1 - ratio) * coef @ coef / 2) / (c * total)
    return float(loss + penalty)


def weighted_multinomial_objective(x, labels, s, coef, intercept, c):
    z = x @ coef.T + intercept
    m = z.max(axis=1, keepdims=True)
    lse = (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[:, 0]
    total = s.sum()
    loss = float(s @ (lse - z[np.arange(len(labels)), labels])) / total
    return float(loss + (coef * coef).sum() / (2.0 * c * total))


def best_logistic(x, y, s, c, class_weight=None):
    """The best of newton-cholesky and lbfgs at tol 1e-12 with these weights: (objective in
    descent's weighted mean form with the rows' combined weights, coef, intercept)."""
    best = None
    for solver in ("newton-cholesky", "lbfgs"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = LogisticRegression(C=c, solver=solver, tol=1e-12, max_iter=100000,
                                       class_weight=class_weight).fit(x, y, sample_weight=s)
        objective = found_objective(model, x, y, s, c, class_weight)
        if best is None or objective < best[0]:
            best = (objective, model.coef_, model.intercept_)
    return best


def combined_weights(y, s, class_weight):
    """The rows' weights as scikit-learn forms them: s times the class's weight."""
    from sklearn.utils.class_weight import compute_class_weight
    if class_weight is None:
        return s
    classes = np.unique(y)
    per_class = compute_class_weight(class_weight, classes=classes, y=y, sample_weight=s)
    return s * per_class[np.searchsorted(classes, y)]


def found_objective(model, x, y, s, c, class_weight):
    w = combined_weights(y, s, class_weight)
    if model.coef_.shape[0] == 1:
        return weighted_logistic_objective(x, y, w, model.coef_[0], model.intercept_[0], c)
    _, labels = np.unique(y, return_inverse=True)
    return weighted_multinomial_objective(x, labels, w, model.coef_, model.intercept_, c)


def weighted_metrics_cases(x_bc, y_bc, s_bc, x_wine, y_wine, s_wine, x_db, y_db, s_db):
    """scikit-learn's metrics with sample_weight= on predictions written out (so that the Rust
    test scores exactly these): a binary model's probabilities (also rounded to one decimal,
    for ties in the ROC AUC), a multinomial model's, and a regression's predictions."""
    from sklearn import metrics as m
    binary = []
    p = LogisticRegression(C=0.05).fit(x_bc, y_bc).predict_proba(x_bc)[:, 1]
    for probability in (p, np.round(p, 1)):
        predicted = (probability > 0.5).astype(float)
        binary.append({
            "y": y_bc.tolist(), "probability": probability.tolist(), "weights": s_bc.tolist(),
            "accuracy": m.accuracy_score(y_bc, predicted, sample_weight=s_bc),
            "log_loss": m.log_loss(y_bc, probability, sample_weight=s_bc),
            "precision": m.precision_score(y_bc, predicted, sample_weight=s_bc),
            "recall": m.recall_score(y_bc, predicted, sample_weight=s_bc),
            "f1": m.f1_score(y_bc, predicted, sample_weight=s_bc),
            "roc_auc": m.roc_auc_score(y_bc, probability, sample_weight=s_bc),
            "confusion_matrix": m.confusion_matrix(y_bc, predicted,
                                                   sample_weight=s_bc).tolist()})
    # A weak multinomial model (few features), so that there are errors to count.
    model = LogisticRegression(C=0.01).fit(x_wine[:, :2], y_wine)
    probabilities = model.predict_proba(x_wine[:, :2])
    _, labels = np.unique(y_wine, return_inverse=True)
    predicted = probabilities.argmax(axis=1)
    multiclass = {
        "labels": labels.tolist(), "probabilities": probabilities.tolist(),
        "weights": s_wine.tolist(),
        "accuracy": m.accuracy_score(labels, predicted, sample_weight=s_wine),
        "log_loss": m.log_loss(labels, probabilities, sample_weight=s_wine),
        "macro_precision": m.precision_score(labels, predicted, average="macro",
                                             sample_weight=s_wine),
        "macro_recall": m.recall_score(labels, predicted, average="macro", sample_weight=s_wine),
        "macro_f1": m.f1_score(labels, predicted, average="macro", sample_weight=s_wine),
        "weighted_f1": m.f1_score(labels, predicted, average="weighted", sample_weight=s_wine),
        "confusion_matrix": m.confusion_matrix(labels, predicted,
                                               sample_weight=s_wine).tolist()}
    predicted = LinearRegression().fit(x_db[:, :3], y_db).predict(x_db[:, :3])
    regression = {
        "y": y_db.tolist(), "predicted": predicted.tolist(), "weights": s_db.tolist(),
        "mse": m.mean_squared_error(y_db, predicted, sample_weight=s_db),
        "mae": m.mean_absolute_error(y_db, predicted, sample_weight=s_db),
        "r2": m.r2_score(y_db, predicted, sample_weight=s_db)}
    return {"binary": binary, "multiclass": multiclass, "regression": regression}


def weights_fixtures():
    """Fits with sample weights (seeded, one row in ten of weight 0; written out) and class
    weights on the bundled data: logistic regression on standardized breast cancer (L2 at
    several C, balanced and explicit class weights, L1 by saga), multinomial on standardized
    wine (plain and balanced), weighted OLS, Ridge and Lasso on diabetes."""
    _, x_bc, y_bc = load("breast_cancer.csv")
    x_bc = StandardScaler().fit_transform(x_bc)
    s_bc = sample_weights(len(y_bc), 0)
    logistic = []
    for c, class_weight in [(0.1, None), (1.0, None), (100.0, None), (1.0, "balanced"),
                            (1.0, {0.0: 1.0, 1.0: 5.0})]:
        objective, coef, intercept = best_logistic(x_bc, y_bc, s_bc, c, class_weight)
        # A dictionary is written as [label, weight] pairs.
        written = ([[k, v] for k, v in class_weight.items()] if isinstance(class_weight, dict)
                   else class_weight)
        logistic.append({"C": c, "class_weight": written,
                         "objective": objective, "coef": coef[0].tolist(),
                         "intercept": float(intercept[0])})
    # Balanced class weights without sample weights.
    ones = np.ones(len(y_bc))
    objective, coef, intercept = best_logistic(x_bc, y_bc, ones, 1.0, "balanced")
    balanced_unweighted = {"C": 1.0, "objective": objective, "coef": coef[0].tolist(),
                           "intercept": float(intercept[0])}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        l1 = LogisticRegression(C=0.1, l1_ratio=1.0, solver="saga", tol=1e-12,
                                max_iter=1_000_000).fit(x_bc, y_bc, sample_weight=s_bc)
    l1_case = {"C": 0.1, "objective": weighted_logistic_objective(
        x_bc, y_bc, s_bc, l1.coef_[0], l1.intercept_[0], 0.1, 1.0),
        "non_zeros": int((l1.coef_ != 0).sum())}

    import csv
    with open(ROOT / "data" / "wine.csv") as f:
        rows = list(csv.reader(f))
    x_wine = StandardScaler().fit_transform(np.array([[float(v) for v in r[:-1]] for r in rows[1:]]))
    y_wine = np.array([float(r[-1]) for r in rows[1:]])
    s_wine = sample_weights(len(y_wine), 1)
    multinomial = []
    for class_weight in (None, "balanced"):
        objective, coef, intercept = best_logistic(x_wine, y_wine, s_wine, 1.0, class_weight)
        multinomial.append({"C": 1.0, "class_weight": class_weight, "objective": objective,
                            "coef": coef.tolist(), "intercept": intercept.tolist()})

    _, x_db, y_db = load("diabetes.csv")
    s_db = sample_weights(len(y_db), 2)
    ols = LinearRegression().fit(x_db, y_db, sample_weight=s_db)
    ridge = Ridge(alpha=1.0, solver="cholesky").fit(x_db, y_db, sample_weight=s_db)
    lasso = ElasticNet(alpha=0.1, l1_ratio=1.0, tol=1e-12, max_iter=1_000_000).fit(
        x_db, y_db, sample_weight=s_db)
    r = y_db - x_db @ lasso.coef_ - lasso.intercept_
    lasso_objective = float(s_db @ (r * r)) / s_db.sum() + 2 * 0.1 * np.abs(lasso.coef_).sum()
    return {"sklearn_version": sklearn.__version__,
            "metrics": weighted_metrics_cases(x_bc, y_bc, s_bc, x_wine, y_wine, s_wine,
                                              x_db, y_db, s_db),
            "breast_cancer_weights": s_bc.tolist(), "logistic": logistic,
            "balanced_unweighted": balanced_unweighted, "l1": l1_case,
            "wine_weights": s_wine.tolist(), "multinomial": multinomial,
            "diabetes_weights": s_db.tolist(),
            "ols": {"coef": ols.coef_.tolist(), "intercept": float(ols.intercept_)},
            "ridge": {"alpha": 1.0, "coef": ridge.coef_.tolist(),
                      "intercept": float(ridge.intercept_)},
            "lasso": {"alpha": 0.1, "objective": lasso_objective,
                      "coef": lasso.coef_.tolist(), "intercept": float(lasso.intercept_)}}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    only = sys.argv[1:]
    for name, make in [("sklearn_logistic.json", logistic_fixtures),
                       ("sklearn_linear.json", linear_fixtures),
                       ("sklearn_sparse.json", sparse_fixtures),
                       ("sklearn_churn.json", churn_fixtures),
                       ("statsmodels_inference.json", inference_fixtures),
                       ("sklearn_multinomial.json", multinomial_fixtures),
                       ("sklearn_weights.json", weights_fixtures)]:
        if only and name not in only:
            continue
        path = OUT / name
        path.write_text(json.dumps(make(), indent=1) + "\n")
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
