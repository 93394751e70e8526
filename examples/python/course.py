#!/usr/bin/env python3
"""The course's unit on training linear models, in Python with descent.

    python examples/python/course.py [OUTPUT_DIR]      (default: target/python-course)

Run it in the environment that scripts/test-python.sh builds (target/python-venv), which has
descent, scikit-learn and matplotlib; the test suite runs it too. Every section checks its
numbers (the course's worked examples, agreement with numpy and scikit-learn) and stops with an
error if one is off; the figures are written to OUTPUT_DIR as PNG files, never over an input.

1. The inverse logit and a threshold.
2. The losses: log loss, mean squared error, zero-one loss.
3. Gradient descent at four learning rates (too small, two good ones, too large).
4. Newton's method: the inverse of the second derivative as the step, and how little the
   starting point matters to it.
5. Logistic regression: gradient and Hessian written out, Newton from scratch, against descent
   and scikit-learn at a large C.
6. Regularization: L2 and L1 over C, accuracy and log loss on held-out rows.
7. Ordinary least squares: closed form, and gradient descent on the MSE.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.special import expit  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_diabetes  # noqa: E402
from sklearn.linear_model import LogisticRegression as ScikitLogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error, r2_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import descent  # noqa: E402


def check(condition, what):
    if not condition:
        raise SystemExit(f"course example: {what}")
    print(f"  ok: {what}")


def save(figure, out, name):
    path = out / name
    figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(figure)
    print(f"  wrote {path}")


def inverse_logit():
    print("1. The inverse logit P = 1/(1 + e^(−z)), z = α + w·x")
    for alpha, w, x, p in [(-9, [4, -5], [10, 0], 1.0), (3, [-6, -4], [3, -4], 0.73),
                           (10, [6, -5], [0, 4], 4.5e-5)]:
        z = alpha + np.dot(w, x)
        check(abs(expit(z) - p) < 0.01 * max(p, 1e-3), f"z = {z:g} gives P ≈ {expit(z):.3g}")
    p = expit(1.0)
    check([p > t for t in (0.5, 0.73, 0.75)] == [True, True, False],
          "P = 0.731 is class 1 at thresholds 0.5 and 0.73, class 0 at 0.75")


def losses():
    print("2. Losses")
    check(abs(log_loss([1], [[0.04, 0.96]], labels=[0, 1]) - 0.041) < 5e-4,
          "label 1 predicted 0.96 costs log loss 0.041")
    check(abs(log_loss([1], [[0.986, 0.014]], labels=[0, 1]) - 4.27) < 5e-3,
          "label 1 predicted 0.014 costs log loss 4.27")
    y, p = np.array([0, 1, 1, 0]), np.array([0.2, 0.7, 0.4, 0.1])
    check(abs(np.mean((y - p) ** 2) - mean_squared_error(y, p)) < 1e-15,
          "mean squared error (1/N)Σ(y − ŷ)²")
    check(np.mean(y != (p > 0.5)) == 1 - accuracy_score(y, p > 0.5),
          "zero-one loss is 1 − accuracy")


def learning_rates(out):
    print("3. Gradient descent w ← w − γ f′(w) on f(w) = 2.5(w − 3)², from w = 0, 50 steps")
    f = "2.5*(x - 3)^2"
    figure, axis = plt.subplots(figsize=(7, 4))
    outcomes = {}
    for rate in [0.001, 0.05, 0.15, 0.4]:
        result = descent.minimize_scalar(f, method="gd", x0=0.0, learning_rate=rate,
                                         maxiter=50, tol=1e-4)
        path = result.report["history"]["x"]
        axis.plot(np.arange(len(path)), path, marker=".", label=f"γ = {rate}")
        outcomes[rate] = result
    axis.axhline(3.0, color="grey", linewidth=0.8)
    axis.set(xlabel="iteration", ylabel="w", title="Gradient descent at four learning rates")
    axis.legend()
    save(figure, out, "learning_rates.png")
    check(not outcomes[0.001].success and abs(outcomes[0.001].x - 3) > 1,
          "γ = 0.001 is too small: far from the minimum after 50 steps")
    check(outcomes[0.05].success and outcomes[0.15].success,
          f"γ = 0.05 and 0.15 converge (|f′| ≤ 1e-4) in {outcomes[0.05].nit} and "
          f"{outcomes[0.15].nit} steps")
    check(not outcomes[0.4].success and abs(outcomes[0.4].x - 3) > 2.9,
          "γ = 0.4 is too large: it bounces between 0 and 6 and never converges")


def newton(out):
    print("4. Newton's method: w ← w − f′(w)/f″(w), on f(w) = e^w − 2w")
    f = "exp(x) - 2*x"
    starts = np.linspace(-4.0, 3.0, 15)
    newton_iterations, gd_iterations = [], []
    for start in starts:
        a = descent.minimize_scalar(f, method="newton", x0=start, tol=1e-8)
        b = descent.minimize_scalar(f, method="gd", x0=start, learning_rate=0.1, tol=1e-8,
                                    maxiter=100_000)
        check(a.success and abs(a.x - np.log(2)) < 1e-8, f"Newton from {start:+.1f} finds ln 2")
        newton_iterations.append(a.nit)
        gd_iterations.append(b.nit)
    figure, axis = plt.subplots(figsize=(7, 4))
    axis.plot(starts, gd_iterations, marker="o", label="gradient descent, γ = 0.1")
    axis.plot(starts, newton_iterations, marker="s", label="Newton")
    axis.set(xlabel="starting point", ylabel="iterations to |f′| ≤ 1e-8", yscale="log",
             title="Iterations to converge against the starting point")
    axis.legend()
    save(figure, out, "newton_starting_points.png")
    speedup = np.median(gd_iterations) / np.median(newton_iterations)
    check(speedup > 4, f"Newton needs {speedup:.0f}× fewer iterations (median over starts)")
    check(np.ptp(newton_iterations) < np.ptp(gd_iterations),
          "and depends less on the starting point")


def logistic_from_scratch(x, y):
    """Newton's method on the mean log loss, written out: gradient Xᵀ(P − y)/N, Hessian
    Xᵀdiag(P(1 − P))X/N, with a column of ones for the intercept. P is computed once per
    iteration and shared by both."""
    design = np.column_stack([x, np.ones(len(y))])
    w = np.zeros(design.shape[1])
    for _ in range(50):
        p = expit(design @ w)
        gradient = design.T @ (p - y) / len(y)
        hessian = (design * (p * (1 - p))[:, None]).T @ design / len(y)
        w -= np.linalg.solve(hessian, gradient)
        if np.linalg.norm(gradient) < 1e-10:
            break
    return w[:-1], w[-1]


def logistic_regression():
    print("5. Logistic regression on breast cancer (standardized), nearly unpenalized")
    x, y = load_breast_cancer(return_X_y=True)
    # Five features that are not nearly collinear (radius, texture, smoothness, concave points,
    # fractal dimension), so that the unpenalized optimum is well determined.
    x = StandardScaler().fit_transform(x)[:, [0, 1, 4, 7, 9]]
    coef, intercept = logistic_from_scratch(x, y)
    ours = descent.LogisticRegression(C=1e6, tol=1e-10).fit(x, y)
    theirs = ScikitLogisticRegression(C=1e6, tol=1e-10, max_iter=10_000).fit(x, y)
    check(np.allclose(ours.coef_.ravel(), coef, atol=1e-5) and abs(ours.intercept_[0] - intercept) < 1e-5,
          "descent's Newton and the from-scratch Newton agree (C = 1e6 barely penalizes)")
    check(np.allclose(ours.coef_, theirs.coef_, atol=1e-6),
          "and scikit-learn's lbfgs has the same weights to six decimals")
    print(f"  descent's report: {ours.report_['solver']}, {ours.report_['iterations']} "
          f"iterations, {ours.report_['termination']}")


def regularization(out):
    print("6. L2 and L1 over C: accuracy and log loss on held-out rows")
    x, y = load_breast_cancer(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.3, random_state=0,
                                                        stratify=y)
    scaler = StandardScaler().fit(x_train)
    x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    grid = np.logspace(-3, 3, 13)
    scores = {"l2": [], "l1": []}
    nonzeros = []
    for penalty in scores:
        for c in grid:
            model = descent.LogisticRegression(penalty=penalty, C=c, tol=1e-8, max_iter=1000)
            model.fit(x_train, y_train)
            p = model.predict_proba(x_test)
            scores[penalty].append((accuracy_score(y_test, model.predict(x_test)),
                                    log_loss(y_test, p)))
            if penalty == "l1":
                nonzeros.append(np.count_nonzero(model.coef_))
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for penalty, values in scores.items():
        accuracy, loss = np.array(values).T
        left.plot(grid, accuracy, marker="o", label=penalty.upper())
        right.plot(grid, loss, marker="o", label=penalty.upper())
    left.set(xscale="log", xlabel="C", ylabel="held-out accuracy", title="Accuracy against C")
    right.set(xscale="log", xlabel="C", ylabel="held-out log loss", title="Log loss against C")
    left.legend()
    right.legend()
    save(figure, out, "regularization.png")
    best = max(a for a, _ in scores["l2"])
    check(best > 0.95, f"the best L2 model classifies {best:.1%} of held-out rows")
    check(nonzeros[0] == 0 and nonzeros[-1] > 20,
          f"L1 selects features: {nonzeros[0]} non-zero weights at C = 1e-3, "
          f"{nonzeros[-1]} at C = 1e3")
    weights = np.array([3.1, 5.2, 1493, -4.3])
    check(abs(np.sum(weights**2) - 2_229_104) < 1, "Σw² of (3.1, 5.2, 1493, −4.3) ≈ 2,229,104")


def least_squares():
    print("7. Ordinary least squares on diabetes")
    x, y = load_diabetes(return_X_y=True)
    closed = descent.LinearRegression().fit(x, y)
    design = np.column_stack([x, np.ones(len(y))])
    reference = np.linalg.lstsq(design, y, rcond=None)[0]
    check(np.allclose(closed.coef_, reference[:-1], rtol=1e-9), "closed form = numpy's lstsq")
    r2 = r2_score(y, closed.predict(x))
    check(abs(r2 - closed.score(x, y)) < 1e-12, f"R² = {r2:.4f}")

    # Gradient descent on the MSE, on standardized features (on the raw diabetes scale the
    # Hessian's eigenvalues are tiny, and a fixed step would need millions of iterations).
    z = StandardScaler().fit_transform(x)
    design = np.column_stack([z, np.ones(len(y))])
    reference = np.linalg.lstsq(design, y, rcond=None)[0]

    def mse(w):
        residual = design @ w - y
        return residual @ residual / len(y), 2 * design.T @ residual / len(y)

    start = np.zeros(design.shape[1])
    gd = descent.minimize(mse, start, method="gd", jac=True, learning_rate=0.1, tol=1e-6,
                          options={"maxiter": 100_000})
    check(gd.success and np.allclose(gd.x, reference, atol=1e-4),
          f"gradient descent (γ = 0.1, standardized features) reaches it too, in {gd.nit} "
          "iterations")
    lbfgs = descent.minimize(mse, start, method="lbfgs", jac=True, tol=1e-6)
    check(lbfgs.success and lbfgs.nit < gd.nit / 100,
          f"L-BFGS in {lbfgs.nit} iterations")


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("target/python-course")
    out.mkdir(parents=True, exist_ok=True)
    inverse_logit()
    losses()
    learning_rates(out)
    newton(out)
    logistic_regression()
    regularization(out)
    least_squares()
    print("the course's unit checks out")


if __name__ == "__main__":
    main()
