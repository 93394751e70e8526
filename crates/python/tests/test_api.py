"""The estimators as Python objects: inputs, errors, pickling, cloning, warm starts, reports,
and model files shared with the command line."""

import os
import pickle
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import descent

ROOT = Path(__file__).resolve().parents[3]


def test_layouts_and_dtypes_give_the_same_fit(breast_cancer):
    x, y = breast_cancer
    reference = descent.LogisticRegression(tol=1e-10).fit(x, y)
    for variant in [np.asfortranarray(x), x.tolist()]:
        fit = descent.LogisticRegression(tol=1e-10).fit(variant, y)
        np.testing.assert_allclose(fit.coef_, reference.coef_, rtol=1e-9, atol=1e-12)
    as_f32 = descent.LogisticRegression(tol=1e-10).fit(x.astype(np.float32), y)
    assert as_f32.coef_.dtype == np.float64
    ints = descent.LinearRegression().fit(np.arange(20).reshape(10, 2) % 7, np.arange(10))
    assert np.isfinite(ints.coef_).all()


def test_bad_input_raises_sklearns_errors(breast_cancer):
    x, y = breast_cancer
    bad = x.copy()
    bad[3, 4] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        descent.LogisticRegression().fit(bad, y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        descent.LogisticRegression().fit(x, y[:-1])
    with pytest.raises(ValueError, match="Unknown label type"):
        descent.LogisticRegression().fit(x, y + 0.5 * np.arange(len(y)))
    with pytest.raises(ValueError, match="class"):
        descent.LogisticRegression().fit(x, np.zeros(len(y)))
    fit = descent.LogisticRegression().fit(x, y)
    with pytest.raises(ValueError, match="features"):
        fit.predict(x[:, :5])
    with pytest.raises(ValueError, match="invalid C"):
        descent.LogisticRegression(C=-1.0).fit(x, y)
    with pytest.raises(ValueError, match="unknown solver"):
        descent.LogisticRegression(solver="sag").fit(x, y)
    with pytest.raises(ValueError, match="unknown penalty"):
        descent.LogisticRegression(penalty="l3").fit(x, y)
    with pytest.raises(ValueError, match="Negative values"):
        descent.LogisticRegression().fit(x, y, sample_weight=-np.ones(len(y)))


def test_labels_of_any_type_come_back_as_given(breast_cancer):
    x, y = breast_cancer
    for labels in [y, y.astype(np.int8) - 1, y * 2.0**60, np.array(["no", "yes"])[y],
                   y == 1, y.astype(np.int64) + 2**60]:
        fit = descent.LogisticRegression().fit(x, labels)
        assert fit.classes_.dtype == np.asarray(labels).dtype
        np.testing.assert_array_equal(fit.classes_, np.unique(labels))
        assert set(np.unique(fit.predict(x))) <= set(np.unique(labels))
        assert np.mean(fit.predict(x) == labels) > 0.9


def test_not_converged_warns(breast_cancer):
    x, y = breast_cancer
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        fit = descent.LogisticRegression(solver="lbfgs", max_iter=3).fit(x, y)
    assert fit.report_["reason"] == "iteration limit"
    assert not fit.report_["converged"]


def test_separable_data_without_penalty_says_there_is_no_minimum():
    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 1, 1])
    with pytest.warns(ConvergenceWarning, match="separable"):
        descent.LogisticRegression(penalty=None).fit(x, y)


def test_report_and_attributes(iris):
    x, y = iris
    fit = descent.LogisticRegression(tol=1e-8).fit(x, y)
    report = fit.report_
    assert report["converged"] and report["solver"]
    assert report["evaluations"]["gradient"] >= report["iterations"]
    history = report["history"]
    assert len(history["value"]) == len(history["gradient_norm"]) == len(history["step"])
    assert np.all(np.diff(history["value"]) <= 1e-12)
    assert fit.n_iter_.shape == (1,) and fit.n_iter_[0] == report["iterations"]
    assert fit.n_features_in_ == 4
    assert fit.coef_.shape == (3, 4) and fit.intercept_.shape == (3,)
    assert not hasattr(fit, "duality_gap_")
    sparse = descent.LogisticRegression(penalty="l1", C=0.5).fit(x, y)
    assert sparse.duality_gap_ >= 0.0


def test_feature_names_from_pandas(breast_cancer):
    pandas = pytest.importorskip("pandas")
    x, y = breast_cancer
    frame = pandas.DataFrame(x, columns=[f"feature {j}" for j in range(x.shape[1])])
    fit = descent.LogisticRegression().fit(frame, y)
    assert list(fit.feature_names_in_) == list(frame.columns)
    with pytest.warns(UserWarning, match="feature names"):
        fit.predict(x)


def test_pickle_clone_and_params(wine):
    x, y = wine
    fit = descent.LogisticRegression(C=0.5, tol=1e-8).fit(x, y)
    back = pickle.loads(pickle.dumps(fit))
    np.testing.assert_array_equal(back.coef_, fit.coef_)
    np.testing.assert_array_equal(back.predict_proba(x), fit.predict_proba(x))
    assert back.report_["iterations"] == fit.report_["iterations"]
    np.testing.assert_array_equal(back.report_["history"]["value"], fit.report_["history"]["value"])
    fresh = clone(fit)
    assert fresh.get_params() == fit.get_params()
    assert not hasattr(fresh, "coef_")
    fresh.set_params(C=2.0)
    assert fresh.C == 2.0


def test_in_sklearn_pipelines_and_cross_validation(breast_cancer):
    x, y = breast_cancer
    pipeline = make_pipeline(StandardScaler(), descent.LogisticRegression())
    scores = cross_val_score(pipeline, x, y, cv=5)
    assert scores.mean() > 0.95


def test_warm_start_starts_from_the_previous_fit(breast_cancer):
    x, y = breast_cancer
    x = StandardScaler().fit_transform(x)
    cold = descent.LogisticRegression(C=1.2, tol=1e-8, solver="lbfgs").fit(x, y)
    model = descent.LogisticRegression(C=1.0, tol=1e-8, warm_start=True, solver="lbfgs")
    model.fit(x, y)
    warm = model.set_params(C=1.2).fit(x, y)
    assert warm.report_["converged"]
    assert warm.report_["iterations"] < cold.report_["iterations"]
    np.testing.assert_allclose(warm.coef_, cold.coef_, atol=1e-5)
    lasso = descent.Lasso(alpha=0.1, warm_start=True).fit(x, y.astype(float))
    lasso.set_params(alpha=0.09).fit(x, y.astype(float))
    assert lasso.report_["converged"]


def test_fits_release_the_gil(breast_cancer):
    # Two fits in threads run at once: the GIL is released while Rust computes.
    from concurrent.futures import ThreadPoolExecutor

    x, y = breast_cancer
    with ThreadPoolExecutor(2) as pool:
        fits = list(pool.map(lambda c: descent.LogisticRegression(C=c).fit(x, y), [0.5, 2.0]))
    assert all(f.report_["converged"] for f in fits)


def cli():
    """The descent command line: DESCENT_CLI, or the workspace's build."""
    given = os.environ.get("DESCENT_CLI")
    candidates = [Path(given)] if given else [ROOT / "target/debug/descent", ROOT / "target/release/descent"]
    for path in candidates:
        if path.exists():
            return str(path)
    pytest.skip("the descent command line is not built (cargo build -p descent-cli)")


def test_a_model_saved_in_python_predicts_the_same_in_the_cli(tmp_path, breast_cancer):
    x, y = breast_cancer
    fit = descent.LogisticRegression(tol=1e-10).fit(x, y)
    model = tmp_path / "model.json"
    fit.save_model(model)
    data = tmp_path / "data.csv"
    np.savetxt(data, x, delimiter=",", header=",".join(f"x{j}" for j in range(x.shape[1])), comments="")
    out = subprocess.run(
        [cli(), "predict", "--model", str(model), "--data", str(data)],
        check=True, capture_output=True, text=True,
    ).stdout.splitlines()
    assert out[0] == "prediction"
    predicted = np.array([float(line) for line in out[1:]])
    np.testing.assert_array_equal(predicted, fit.predict(x))
    loaded = descent.load_model(model)
    np.testing.assert_allclose(loaded.predict_proba(x), fit.predict_proba(x), atol=1e-15)


def test_a_model_fitted_by_the_cli_loads_in_python(tmp_path):
    data = ROOT / "data/breast_cancer.csv"
    model = tmp_path / "cli.json"
    subprocess.run(
        [cli(), "fit", "--model", "logistic", "--data", str(data), "--standardize", "--tol", "1e-10",
         "--out", str(model)],
        check=True, capture_output=True, text=True,
    )
    loaded = descent.load_model(model)
    table = np.genfromtxt(data, delimiter=",", names=True)
    names = [n for n in table.dtype.names if n != "target"]
    x = np.column_stack([table[n] for n in names])
    out = subprocess.run(
        [cli(), "predict", "--model", str(model), "--data", str(data), "--proba"],
        check=True, capture_output=True, text=True,
    ).stdout.splitlines()
    header = out[0].split(",")
    column = "proba_1"
    cli_proba = np.array([float(line.split(",")[header.index(column)]) for line in out[1:]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # fitted with names, given an array
        ours = loaded.predict_proba(x)[:, 1]
    # The scaler is folded into the coefficients: the same probabilities up to rounding.
    np.testing.assert_allclose(ours, cli_proba, atol=1e-9)
    assert loaded.n_features_in_ == x.shape[1]
    assert list(loaded.feature_names_in_) == names
