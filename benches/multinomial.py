#!/usr/bin/env python3
"""Multinomial logistic regression, K classes: descent against scikit-learn, same data, machine
and run, at equal thread counts.

    python3 benches/multinomial.py [--rows 200000] [--features 50] [--classes 10] [--runs 3]
                                   [--threads 1,2] [--c 1.0]

The data is a seeded problem (X standard normal, labels drawn from a softmax of X·Wᵀ + b), written
under target/compare/ as CSV (for descent) and .npy (for scikit-learn) if missing. Each thread
count runs in fresh processes with every library held to it (OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS, MKL_NUM_THREADS, RAYON_NUM_THREADS; descent also gets --threads).

Every solver runs at the loosest tolerance of a ladder whose objective is within 1e-8
(relative) of the best objective any of them reached, so that the times are for the same
accuracy. Timed: scikit-learn's `LogisticRegression(...).fit(X, y)` on arrays in memory;
descent's `fit_seconds` from `descent fit --json` (the whole fit once the data is in memory:
checks of the data and labels, and the solver). Medians of --runs runs.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from compare import ROOT, ensure, environment

ensure(("numpy", "numpy"), ("sklearn", "scikit-learn"))

import numpy as np  # noqa: E402

OUT = ROOT / "target" / "compare"
TOLS = [1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-10]
GAP = 1e-8


def write_problem(rows, features, classes, seed=0):
    stem = OUT / f"multinomial_{rows}x{features}_k{classes}_seed{seed}"
    csv, npz = stem.with_suffix(".csv"), stem.with_suffix(".npz")
    if csv.exists() and npz.exists():
        return csv, npz
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, features))
    w = rng.standard_normal((classes, features)) / np.sqrt(features)
    b = 0.5 * rng.standard_normal(classes)
    z = x @ w.T + b
    # Gumbel-max: a draw from softmax(z) per row.
    y = np.argmax(z + rng.gumbel(size=z.shape), axis=1).astype(float)
    # The values as the CSV spells them, so that both sides fit the same numbers.
    x = np.array([[float(f"{v:.9g}") for v in row] for row in x])
    np.savez(npz, x=x, y=y)
    with open(csv, "w") as f:
        f.write(",".join([f"x{j}" for j in range(features)] + ["y"]) + "\n")
        for row, label in zip(x, y):
            f.write(",".join(f"{v:.9g}" for v in row) + f",{int(label)}\n")
    return csv, npz


def objective(x, labels, coef, intercept, c):
    z = x @ coef.T + intercept
    m = z.max(axis=1, keepdims=True)
    lse = (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[:, 0]
    return float(np.mean(lse - z[np.arange(len(labels)), labels])
                 + (coef * coef).sum() / (2.0 * c * len(labels)))


SKLEARN = """
import json, sys, time, warnings
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.exceptions import ConvergenceWarning
warnings.simplefilter("ignore", ConvergenceWarning)
data = np.load(sys.argv[1])
x, y = data["x"], data["y"]
solver, tol, c, runs = sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
times = []
for _ in range(runs):
    model = LogisticRegression(C=c, solver=solver, tol=tol, max_iter=10000)
    start = time.perf_counter()
    model.fit(x, y)
    times.append(time.perf_counter() - start)
print(json.dumps({"seconds": times, "coef": model.coef_.tolist(),
                  "intercept": model.intercept_.tolist(), "n_iter": int(np.max(model.n_iter_))}))
"""


def sklearn_fit(npz, solver, tol, c, runs, threads, x, labels):
    out = subprocess.run([sys.executable, "-c", SKLEARN, str(npz), solver, str(tol), str(c),
                          str(runs)], env=environment(threads), check=True, capture_output=True,
                         text=True).stdout
    r = json.loads(out)
    f = objective(x, labels, np.array(r["coef"]), np.array(r["intercept"]), c)
    return {"seconds": r["seconds"], "objective": f, "iterations": r["n_iter"]}


def descent_fit(binary, csv, solver, tol, c, runs, threads):
    times = []
    for _ in range(runs):
        command = [str(binary), "--threads", str(threads), "fit", "--model", "logistic",
                   "--data", str(csv), "--C", str(c), "--solver", solver, "--tol", str(tol),
                   "--max-iter", "10000", "--no-metrics", "--json"]
        out = subprocess.run(command, env=environment(threads), check=True, capture_output=True,
                             text=True).stdout
        r = json.loads(out)
        times.append(r["fit_seconds"])
    return {"seconds": times, "objective": r["objective"], "iterations": r["n_iter"]}


def loosest(fit, best_so_far):
    """Runs `fit(tol, runs=1)` down the ladder until the objective is within GAP of the best
    known; returns the tolerance and that result."""
    chosen = None
    for tol in TOLS:
        result = fit(tol, 1)
        chosen = (tol, result)
        if (result["objective"] - best_so_far) / abs(best_so_far) <= GAP:
            break
    return chosen


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", default=f"1,{os.cpu_count()}")
    parser.add_argument("--c", type=float, default=1.0)
    parser.add_argument("--sklearn-solvers", default="lbfgs,newton-cholesky")
    parser.add_argument("--descent-solvers", default="lbfgs,newton")
    options = parser.parse_args()
    csv, npz = write_problem(options.rows, options.features, options.classes)
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "descent-cli"], cwd=ROOT,
                   check=True)
    binary = ROOT / "target" / "release" / "descent"
    data = np.load(npz)
    x, labels = data["x"], data["y"].astype(int)
    c = options.c
    # The best objective: tight fits by both sides' Newton methods, at the first thread count.
    best = min(descent_fit(binary, csv, "newton", 1e-10, c, 1, 1)["objective"],
               sklearn_fit(npz, "newton-cholesky", 1e-10, c, 1, 1, x, labels)["objective"])
    print(f"multinomial logistic regression, {options.rows} x {options.features}, "
          f"K = {options.classes}, C = {c}; each solver at the loosest tolerance within "
          f"{GAP:g} of the best objective {best:.12g}; medians of {options.runs}\n")
    print("| threads | library | solver | tol | iterations | fit (s) | gap |")
    print("|---|---|---|---|---|---|---|")
    for threads in [int(t) for t in options.threads.split(",")]:
        rows = []
        for solver in options.sklearn_solvers.split(","):
            tol, _ = loosest(lambda t, r: sklearn_fit(npz, solver, t, c, r, threads, x, labels),
                             best)
            r = sklearn_fit(npz, solver, tol, c, options.runs, threads, x, labels)
            rows.append(("scikit-learn", solver, tol, r))
        for solver in options.descent_solvers.split(","):
            tol, _ = loosest(lambda t, r: descent_fit(binary, csv, solver, t, c, r, threads), best)
            r = descent_fit(binary, csv, solver, tol, c, options.runs, threads)
            rows.append(("descent", solver, tol, r))
        for library, solver, tol, r in rows:
            gap = (r["objective"] - best) / abs(best)
            print(f"| {threads} | {library} | {solver} | {tol:g} | {r['iterations']} | "
                  f"{statistics.median(r['seconds']):.3f} | {gap:.1e} |")
        fastest = {lib: min(statistics.median(r["seconds"]) for l, _, _, r in rows if l == lib)
                   for lib in ("scikit-learn", "descent")}
        print(f"| {threads} | **ratio** | fastest against fastest | | | "
              f"**{fastest['scikit-learn'] / fastest['descent']:.2f}×** | |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
