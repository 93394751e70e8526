"""descent's estimators against scikit-learn's on scikit-learn's bundled data.

Objectives are compared in scikit-learn's form (`C·Σ sᵢℓᵢ + penalty`), within 1e-9
relative of scikit-learn's best solver run to tol=1e-12; coefficients where the optimum is
unique and well conditioned. The multinomial intercepts are not unique (a constant added to
every class changes nothing), so multinomial fits compare objectives and probabilities.
"""

import numpy as np
import pytest
import sklearn.linear_model as sk
from conftest import standardized
from scipy.special import logsumexp

import descent


def logistic_objective(model, x, y, sample_weight=None, l1_ratio=0.0, penalty=True):
    """scikit-learn's objective of a fitted logistic model on (x, y)."""
    s = np.ones(len(y)) if sample_weight is None else sample_weight
    scores = x @ model.coef_.T + model.intercept_
    if scores.shape[1] == 1:
        z = scores.ravel()
        positive = y == model.classes_[1]
        loss = np.logaddexp(0.0, z) - positive * z
    else:
        codes = np.searchsorted(model.classes_, y)
        loss = logsumexp(scores, axis=1) - scores[np.arange(len(y)), codes]
    w = model.coef_
    value = model.C * np.sum(s * loss)
    if penalty:
        value += l1_ratio * np.abs(w).sum() + 0.5 * (1 - l1_ratio) * np.sum(w * w)
    return value


def reference_logistic(**params):
    return sk.LogisticRegression(tol=1e-12, max_iter=100_000, **params)


@pytest.mark.parametrize("c", [0.01, 1.0, 100.0])
@pytest.mark.parametrize("scale", [False, True])
def test_binary_logistic_matches_sklearn(breast_cancer, c, scale):
    x, y = breast_cancer
    x = standardized(x) if scale else x
    ours = descent.LogisticRegression(C=c, tol=1e-10).fit(x, y)
    theirs = reference_logistic(C=c, solver="newton-cholesky").fit(x, y)
    f_ours = logistic_objective(ours, x, y)
    f_theirs = logistic_objective(theirs, x, y)
    assert f_ours <= f_theirs * (1 + 1e-9)
    assert abs(f_ours - f_theirs) <= 1e-9 * f_theirs
    np.testing.assert_allclose(ours.predict_proba(x), theirs.predict_proba(x), atol=1e-7)
    assert ours.report_["converged"]


@pytest.mark.parametrize("data", ["iris", "wine"])
@pytest.mark.parametrize("c", [0.1, 1.0, 10.0])
def test_multinomial_logistic_matches_sklearn(request, data, c):
    x, y = request.getfixturevalue(data)
    x = standardized(x)
    ours = descent.LogisticRegression(C=c, tol=1e-10, max_iter=10_000).fit(x, y)
    theirs = reference_logistic(C=c, solver="lbfgs").fit(x, y)
    assert ours.coef_.shape == theirs.coef_.shape
    f_ours = logistic_objective(ours, x, y)
    f_theirs = logistic_objective(theirs, x, y)
    assert abs(f_ours - f_theirs) <= 1e-9 * f_theirs
    np.testing.assert_allclose(ours.predict_proba(x), theirs.predict_proba(x), atol=1e-6)
    np.testing.assert_array_equal(ours.predict(x), theirs.predict(x))


def test_string_labels_and_class_order(iris):
    x, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    ours = descent.LogisticRegression(tol=1e-10).fit(x, names)
    assert list(ours.classes_) == ["setosa", "versicolor", "virginica"]
    codes = descent.LogisticRegression(tol=1e-10).fit(x, y)
    np.testing.assert_allclose(ours.predict_proba(x), codes.predict_proba(x), atol=1e-12)
    assert set(ours.predict(x)) <= set(names)


@pytest.mark.parametrize("c", [0.1, 1.0])
def test_l1_logistic_is_at_least_as_good_as_sklearn(breast_cancer, c):
    x, y = breast_cancer
    x = standardized(x)
    ours = descent.LogisticRegression(penalty="l1", C=c, tol=1e-10).fit(x, y)
    theirs = reference_logistic(l1_ratio=1.0, C=c, solver="saga").fit(x, y)
    f_ours = logistic_objective(ours, x, y, l1_ratio=1.0)
    f_theirs = logistic_objective(theirs, x, y, l1_ratio=1.0)
    assert abs(f_ours - f_theirs) <= 1e-8 * f_theirs
    # The gap certifies the accuracy: F − min F ≤ gap, in the mean form (F = objective/(C·N)).
    assert ours.duality_gap_ <= 1e-10 * f_ours / (c * len(y))
    assert np.count_nonzero(ours.coef_) == np.count_nonzero(np.abs(theirs.coef_) > 1e-8)


def test_elastic_net_logistic_matches_sklearn(breast_cancer):
    x, y = breast_cancer
    x = standardized(x)
    ours = descent.LogisticRegression(penalty="elasticnet", l1_ratio=0.3, tol=1e-10).fit(x, y)
    theirs = reference_logistic(l1_ratio=0.3, solver="saga").fit(x, y)
    f_ours = logistic_objective(ours, x, y, l1_ratio=0.3)
    f_theirs = logistic_objective(theirs, x, y, l1_ratio=0.3)
    assert abs(f_ours - f_theirs) <= 1e-8 * f_theirs


def test_sample_and_class_weights_match_sklearn(breast_cancer, rng):
    x, y = breast_cancer
    x = standardized(x)
    s = rng.uniform(0.0, 3.0, size=len(y))
    for class_weight in [None, "balanced", {0: 1.0, 1: 5.0}]:
        ours = descent.LogisticRegression(tol=1e-10, class_weight=class_weight)
        ours.fit(x, y, sample_weight=s)
        theirs = reference_logistic(solver="newton-cholesky", class_weight=class_weight)
        theirs.fit(x, y, sample_weight=s)
        np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-6, atol=1e-8)


def test_integer_weights_are_repeated_rows(wine):
    x, y = wine
    x = standardized(x)
    s = np.arange(len(y)) % 3
    weighted = descent.LogisticRegression(tol=1e-10).fit(x, y, sample_weight=s)
    repeated = descent.LogisticRegression(tol=1e-10).fit(np.repeat(x, s, 0), np.repeat(y, s))
    np.testing.assert_allclose(weighted.predict_proba(x), repeated.predict_proba(x), atol=1e-8)


def test_least_squares_match_sklearn(diabetes):
    x, y = diabetes
    pairs = [
        (descent.LinearRegression(), sk.LinearRegression()),
        (descent.Ridge(alpha=0.5), sk.Ridge(alpha=0.5)),
        (descent.LinearRegression(fit_intercept=False), sk.LinearRegression(fit_intercept=False)),
    ]
    for ours, theirs in pairs:
        ours.fit(x, y)
        theirs.fit(x, y)
        np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-9)
        assert abs(ours.intercept_ - theirs.intercept_) <= 1e-9 * max(1.0, abs(theirs.intercept_))
    assert descent.LinearRegression().fit(x, y).rank_ == x.shape[1]


def test_weighted_least_squares_match_sklearn(diabetes, rng):
    x, y = diabetes
    s = rng.uniform(0.1, 2.0, size=len(y))
    ours = descent.Ridge(alpha=0.1).fit(x, y, sample_weight=s)
    theirs = sk.Ridge(alpha=0.1).fit(x, y, sample_weight=s)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-8)


@pytest.mark.parametrize("alpha", [0.01, 0.1, 1.0])
def test_lasso_and_elastic_net_match_sklearn(diabetes, alpha):
    x, y = diabetes
    for ours, theirs in [
        (descent.Lasso(alpha=alpha, tol=1e-12), sk.Lasso(alpha=alpha, tol=1e-14, max_iter=100_000)),
        (
            descent.ElasticNet(alpha=alpha, l1_ratio=0.7, tol=1e-12),
            sk.ElasticNet(alpha=alpha, l1_ratio=0.7, tol=1e-14, max_iter=100_000),
        ),
    ]:
        ours.fit(x, y)
        theirs.fit(x, y)
        np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-6, atol=1e-6)
        assert np.count_nonzero(ours.coef_) == np.count_nonzero(theirs.coef_)
        assert ours.duality_gap_ >= 0.0


def test_logistic_regression_cv_matches_sklearn(breast_cancer):
    from sklearn.model_selection import StratifiedKFold

    x, y = breast_cancer
    x = standardized(x)
    folds = StratifiedKFold(5)
    cs = np.logspace(-3, 2, 6)
    ours = descent.LogisticRegressionCV(Cs=cs, cv=folds, tol=1e-10, max_iter=1000).fit(x, y)
    theirs = sk.LogisticRegressionCV(
        Cs=cs, cv=folds, tol=1e-12, max_iter=100_000, solver="newton-cholesky",
        scoring="accuracy", l1_ratios=None, use_legacy_attributes=False,
    ).fit(x, y)
    np.testing.assert_allclose(ours.scores_, np.asarray(theirs.scores_).reshape(ours.scores_.shape))
    assert ours.C_ == theirs.C_
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-6, atol=1e-8)
    assert ours.coefs_paths_.shape == (5, 1, 6, 1, x.shape[1] + 1)


def test_logistic_regression_cv_multinomial_and_elastic_net(iris):
    x, y = iris
    x = standardized(x)
    model = descent.LogisticRegressionCV(
        Cs=4, cv=3, penalty="elasticnet", l1_ratios=[0.2, 0.8], tol=1e-8, max_iter=1000
    ).fit(x, y)
    assert model.scores_.shape == (3, 2, 4)
    assert model.coefs_paths_.shape == (3, 2, 4, 3, 5)
    assert model.l1_ratio_ in (0.2, 0.8) and model.C_ in model.Cs_
    mean = model.scores_.mean(axis=0)
    assert mean.max() == mean[list(model.l1_ratios_).index(model.l1_ratio_), list(model.Cs_).index(model.C_)]
    assert model.score(x, y) > 0.9
    averaged = descent.LogisticRegressionCV(Cs=4, cv=3, refit=False, tol=1e-8).fit(x, y)
    assert averaged.coef_.shape == (3, 4) and averaged.C_ > 0


def test_lasso_cv_and_elastic_net_cv_match_sklearn(diabetes):
    from sklearn.model_selection import KFold

    x, y = diabetes
    folds = KFold(5)
    ours = descent.LassoCV(cv=folds, tol=1e-12, max_iter=100_000).fit(x, y)
    theirs = sk.LassoCV(cv=folds, tol=1e-14, max_iter=1_000_000).fit(x, y)
    np.testing.assert_allclose(ours.alphas_, theirs.alphas_, rtol=1e-12)
    np.testing.assert_allclose(ours.mse_path_, theirs.mse_path_, rtol=1e-6)
    assert abs(ours.alpha_ - theirs.alpha_) <= 1e-12 * theirs.alpha_
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-6, atol=1e-6)
    ratios = [0.3, 0.9]
    ours = descent.ElasticNetCV(l1_ratio=ratios, alphas=20, cv=folds, tol=1e-12, max_iter=100_000)
    theirs = sk.ElasticNetCV(l1_ratio=ratios, alphas=20, cv=folds, tol=1e-14, max_iter=1_000_000)
    ours.fit(x, y)
    theirs.fit(x, y)
    assert ours.mse_path_.shape == theirs.mse_path_.shape == (2, 20, 5)
    np.testing.assert_allclose(ours.mse_path_, theirs.mse_path_, rtol=1e-6)
    assert abs(ours.alpha_ - theirs.alpha_) <= 1e-12 * theirs.alpha_
    assert ours.l1_ratio_ == theirs.l1_ratio_
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-6, atol=1e-6)
