#!/usr/bin/env python3
"""`descent fit --summary` against statsmodels' Logit summary, same data, machine and run.

    python3 benches/inference.py [--rows 200000] [--features 50] [--runs 3] [--threads 1,2]

The data is compare.py's seeded logistic problem (written under target/compare/ if missing).
Each side runs in a fresh process with every library held to the thread count
(OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS, RAYON_NUM_THREADS; descent also gets
--threads):

- descent: `descent fit --model logistic --penalty none --solver newton --summary --no-metrics
  --json`, timed from outside; its own `read_seconds` (the CSV read) is subtracted, so that the
  time is the fit and the summary.
- statsmodels: `pandas.read_csv` (not timed), then `Logit(y, add_constant(X)).fit(method=
  "newton")` and `.summary()`, timed together (imports excluded).

The medians of --runs runs each; both fits converge to the same optimum (the largest relative
difference of their coefficients is printed).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from compare import ROOT, ensure, environment, write_problems

ensure(("statsmodels", "statsmodels"))


STATSMODELS = """
import json, sys, time
import numpy as np, pandas as pd, statsmodels.api as sm
frame = pd.read_csv(sys.argv[1])
y = frame.pop("y").to_numpy()
x = sm.add_constant(frame.to_numpy())
start = time.perf_counter()
fit = sm.Logit(y, x).fit(disp=0, method="newton", tol=1e-8)
fit.summary()
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "params": fit.params.tolist()}))
"""


def descent_run(binary, path, threads):
    command = [str(binary), "--threads", str(threads), "fit", "--model", "logistic", "--data",
               str(path), "--penalty", "none", "--solver", "newton", "--tol", "1e-8",
               "--summary", "--no-metrics", "--json"]
    start = time.perf_counter()
    out = subprocess.run(command, env=environment(threads), check=True, capture_output=True,
                         text=True).stdout
    wall = time.perf_counter() - start
    summary = json.loads(out)
    params = summary["coef"] + [summary["intercept"]]
    return wall - summary["read_seconds"], params


def statsmodels_run(path, threads):
    out = subprocess.run([sys.executable, "-c", STATSMODELS, str(path)], env=environment(threads),
                         check=True, capture_output=True, text=True).stdout
    result = json.loads(out)
    # statsmodels' constant comes first; descent's intercept last.
    params = result["params"][1:] + result["params"][:1]
    return result["seconds"], params


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", default=f"1,{os.cpu_count()}")
    args = parser.parse_args()
    path, _ = write_problems(args.rows, args.features, 0)
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "descent-cli"], cwd=ROOT,
                   check=True)
    binary = ROOT / "target" / "release" / "descent"
    print(f"logistic regression, no penalty, {args.rows} x {args.features}; fit + summary; "
          f"medians of {args.runs}\n")
    print("| threads | descent (s) | statsmodels (s) | ratio | largest coefficient difference |")
    print("|---|---|---|---|---|")
    for threads in [int(t) for t in args.threads.split(",")]:
        ours, theirs = [], []
        for _ in range(args.runs):
            seconds, params = descent_run(binary, path, threads)
            ours.append(seconds)
            seconds, reference = statsmodels_run(path, threads)
            theirs.append(seconds)
        difference = max(abs(a - b) / max(abs(b), 1e-300) for a, b in zip(params, reference))
        a, b = statistics.median(ours), statistics.median(theirs)
        print(f"| {threads} | {a:.3f} | {b:.3f} | **{b / a:.1f}×** | {difference:.1e} |")


if __name__ == "__main__":
    main()
