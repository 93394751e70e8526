#!/usr/bin/env python3
"""The Python package against scikit-learn, from numpy arrays in memory, at equal thread counts;
and what the Python wrapper costs over the Rust fit it calls.

    bash scripts/test-python.sh        # once: builds and installs the package in target/python-venv
    target/python-venv/bin/python benches/python.py [--rows 200000] [--features 50] [--runs 3]
                                                    [--threads 1,2] [--c 1.0]

The data is compare.py's kind of seeded logistic problem (standard normal X, true weights
N(0, 1)/√p), generated here and kept under target/compare/ as .npy files. Every fit runs in a
fresh process with every library held to the thread count (OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS, MKL_NUM_THREADS, RAYON_NUM_THREADS).

Three things are timed, each solver at the loosest tolerance of a ladder whose objective is
within 1e-8 (relative) of the best objective any of them reached:

- `descent.LogisticRegression(...).fit(X, y)`: the estimator, with scikit-learn's input
  validation and label encoding in Python;
- the Rust fit alone (`descent._descent.fit_logistic`, what the estimator calls), at the
  estimator's tolerance, alternating with the estimator in the same process: the estimator's
  overhead is the difference of the medians;
- `sklearn.linear_model.LogisticRegression(...).fit(X, y)`.

Memory: each process records its resident high-water mark after loading X and after the fits;
the difference is what fitting added. A copy of X would add its size (80 MB at 200 000 × 50).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

from compare import GAP, OUT, environment, log_loss_objective
from multinomial import loosest


def write_problem(rows, features, seed=0):
    stem = OUT / f"python_logistic_{rows}x{features}_seed{seed}"
    x_path, y_path = Path(f"{stem}_x.npy"), Path(f"{stem}_y.npy")
    if not (x_path.exists() and y_path.exists()):
        OUT.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((rows, features))
        w = rng.standard_normal(features) / np.sqrt(features)
        y = (rng.random(rows) < 1.0 / (1.0 + np.exp(-(x @ w)))).astype(np.float64)
        np.save(x_path, x)
        np.save(y_path, y)
    return x_path, y_path


WORKER = """
import json, resource, sys, time, warnings
import numpy as np
from sklearn.exceptions import ConvergenceWarning
warnings.simplefilter("ignore", ConvergenceWarning)
x_path, y_path, library, solver, tol, c, runs = sys.argv[1:8]
tol, c, runs = float(tol), float(c), int(runs)
import sklearn.linear_model, descent
from descent import _descent
x, y = np.load(x_path), np.load(y_path)
# The high-water mark once the libraries are imported and X is loaded.
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if library == "scikit-learn":
    from sklearn.linear_model import LogisticRegression
    make = lambda: LogisticRegression(C=c, solver=solver, tol=tol, max_iter=10000)
elif library == "descent":
    from descent import LogisticRegression
    make = lambda: LogisticRegression(C=c, solver=None if solver == "auto" else solver,
                                      tol=tol, max_iter=10000)
def rust_fit():
    out = _descent.fit_logistic(x, y, None, c=c, tol=tol, max_iter=10000,
                                solver_name=None if solver == "auto" else solver)
    return np.asarray(out["coef"]).ravel(), float(out["intercept"][0]), out["report"]["iterations"]
times, rust_times = [], []
for _ in range(runs):
    start = time.perf_counter()
    model = make().fit(x, y)
    times.append(time.perf_counter() - start)
    coef, intercept = model.coef_.ravel(), float(model.intercept_[0])
    n_iter = int(np.max(model.n_iter_))
    if library == "descent":
        # The Rust fit the estimator calls, alternating with it in the same process.
        start = time.perf_counter()
        rust_fit()
        rust_times.append(time.perf_counter() - start)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": times, "rust_seconds": rust_times, "coef": coef.tolist(),
                  "intercept": intercept,
                  "n_iter": n_iter, "added_mb": (after - before) / 1024}))
"""


def fit(paths, data, library, solver, tol, c, runs, threads):
    out = subprocess.run([sys.executable, "-c", WORKER, str(paths[0]), str(paths[1]), library,
                          solver, str(tol), str(c), str(runs)], env=environment(threads),
                         check=True, capture_output=True, text=True).stdout
    r = json.loads(out)
    r["objective"] = float(log_loss_objective(*data, np.array(r["coef"]), r["intercept"], c))
    return r


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", default=f"1,{os.cpu_count()}")
    parser.add_argument("--c", type=float, default=1.0)
    parser.add_argument("--sklearn-solvers", default="lbfgs,newton-cholesky")
    parser.add_argument("--descent-solvers", default="auto,lbfgs")
    options = parser.parse_args()
    paths = write_problem(options.rows, options.features)
    data = (np.load(paths[0]), np.load(paths[1]))
    c = options.c
    best = min(fit(paths, data, "descent", "newton", 1e-12, c, 1, 1)["objective"],
               fit(paths, data, "scikit-learn", "newton-cholesky", 1e-12, c, 1, 1)["objective"])
    print(f"binary logistic regression from numpy arrays, {options.rows} x {options.features}, "
          f"C = {c}; each solver at the loosest tolerance within {GAP:g} of the best objective "
          f"{best:.12g}; medians of {options.runs}; 'added' is the resident high-water mark "
          f"the fits added over X ({data[0].nbytes / 2**20:.0f} MiB)\n")
    print("| threads | library | solver | tol | iterations | fit (s) | added (MiB) |")
    print("|---|---|---|---|---|---|---|")
    for threads in [int(t) for t in options.threads.split(",")]:
        rows = []
        for library, solvers in [("scikit-learn", options.sklearn_solvers),
                                 ("descent", options.descent_solvers)]:
            for solver in solvers.split(","):
                tol, _ = loosest(
                    lambda t, r: fit(paths, data, library, solver, t, c, r, threads), best)
                r = fit(paths, data, library, solver, tol, c, options.runs, threads)
                rows.append((library, solver, tol, r))
                if library == "descent":
                    rows.append(("rust", solver, tol, dict(r, seconds=r["rust_seconds"])))
        for library, solver, tol, r in rows:
            name = "descent (Rust fit alone)" if library == "rust" else library
            added = "(same process)" if library == "rust" else f"{r['added_mb']:.1f}"
            print(f"| {threads} | {name} | {solver} | {tol:g} | {r['n_iter']} | "
                  f"{statistics.median(r['seconds']):.4f} | {added} |")
        median = {(lib, s): statistics.median(r["seconds"]) for lib, s, _, r in rows}
        fastest_sklearn = min(t for (lib, _), t in median.items() if lib == "scikit-learn")
        fastest_descent = min(t for (lib, _), t in median.items() if lib == "descent")
        print(f"| {threads} | **ratio** | fastest against fastest | | | "
              f"**{fastest_sklearn / fastest_descent:.2f}×** | |")
        for solver in options.descent_solvers.split(","):
            wrapper, rust = median[("descent", solver)], median[("rust", solver)]
            print(f"| {threads} | wrapper overhead | {solver} | | | "
                  f"{100.0 * (wrapper - rust) / rust:+.1f}% | |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
