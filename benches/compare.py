#!/usr/bin/env python3
"""descent against scikit-learn and linfa-logistic, on the same data, machine and run.

    python3 benches/compare.py [--rows 200000] [--features 50] [--runs 5] [--threads 1,2] [--skip-linfa]
                               [--f32-only] [--sklearn-solvers lbfgs,...] [--descent-solvers newton,...]

What it does (installs numpy, pandas and scikit-learn with pip if they are missing):

1. Generates a seeded logistic problem (standard normal features, true weights N(0, 1)/sqrt(p),
   Bernoulli labels) and a linear one (same features, y = Xw + N(0, 1) noise), and writes each
   as CSV under target/compare/ (reused by later runs).
2. Finds the best objective of logistic regression at C = 1: the lowest any solver reaches.
3. For every solver (scikit-learn: lbfgs, newton-cholesky, newton-cg, liblinear; descent:
   newton, lbfgs, bfgs, cg; linfa-logistic: its L-BFGS), finds the loosest tolerance at which
   the fit ends within a relative gap of 1e-8 of the best objective, then times that fit
   (median of --runs). descent and linfa are timed by `cargo bench --bench fit_timing`, in
   Rust, excluding the CSV read; scikit-learn by time.perf_counter around fit().
4. Times least squares (scikit-learn's LinearRegression against descent's), the CSV read
   (pandas.read_csv against descent's reader), the whole `descent fit` command (descent's
   fastest solver, with the training metrics and with --no-metrics) against pandas +
   scikit-learn's fastest fit, and the peak resident memory of `descent fit`.
5. float32: the same logistic problem with X rounded to float32, fitted by scikit-learn fed a
   float32 array (lbfgs converts it to float64 inside fit(), newton-cholesky keeps float32)
   and by descent with f32 storage (`LogisticRegression::fit` on an `Array2<f32>`), against
   the best objective of the float32 data, the same gap rule; and descent's f64 L-BFGS on the
   original data in the same run, for the time f32 storage saves. `--f32-only` runs this step
   alone (results in target/compare/results-f32-<threads>.json).

Every step runs once per thread count in --threads (default: 1 and all cores), in a fresh
process whose environment holds every library to that count (OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS, MKL_NUM_THREADS for numpy and scikit-learn; RAYON_NUM_THREADS and
OPENBLAS_NUM_THREADS for descent, whose command also gets --threads): both sides of each
comparison run at the same thread count. Timings are whole fit calls on both sides
(descent's `LogisticRegression::fit`, checks and preprocessing included; scikit-learn's `fit()`).

Objectives are compared in descent's mean form, (1/N) sum log loss + |w|^2/(2CN); the relative
gap is the same in scikit-learn's form C sum log loss + |w|^2/2. Results go to
target/compare/results-<threads>.json and are printed as Markdown tables.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "target" / "compare"
GAP = 1e-8
TOLS = [1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10]
# The variables that hold numpy's, scikit-learn's (BLAS, OpenMP) and descent's (rayon) thread
# pools to a count; the pools read them when they start, so each count needs a fresh process.
THREAD_VARIABLES = ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "RAYON_NUM_THREADS"]


def environment(threads):
    """This process's environment with every library held to `threads` threads."""
    env = dict(os.environ)
    for key in THREAD_VARIABLES:
        env[key] = str(threads)
    return env


def ensure(*packages):
    missing = []
    for module, package in packages:
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    if missing:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", *missing])


ensure(("numpy", "numpy"), ("pandas", "pandas"), ("sklearn", "scikit-learn"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import sklearn  # noqa: E402
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402


def median_time(runs, fn):
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def write_problems(rows, features, seed):
    OUT.mkdir(parents=True, exist_ok=True)
    logistic = OUT / f"logistic_{rows}x{features}_seed{seed}.csv"
    linear = OUT / f"linear_{rows}x{features}_seed{seed}.csv"
    if logistic.exists() and linear.exists():
        return logistic, linear
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, features))
    w = rng.standard_normal(features) / np.sqrt(features)
    z = x @ w
    y = (rng.random(rows) < 1.0 / (1.0 + np.exp(-z))).astype(float)
    y_linear = z + rng.standard_normal(rows)
    columns = [f"x{j}" for j in range(features)]
    for path, target in [(logistic, y), (linear, y_linear)]:
        frame = pd.DataFrame(x, columns=columns)
        frame["y"] = target
        frame.to_csv(path, index=False, float_format="%.9g")
    return logistic, linear


def log_loss_objective(x, y, coef, intercept, c):
    z = x @ coef + intercept
    # log(1 + e^z) - y z, stably.
    loss = np.logaddexp(0.0, z) - y * z
    return loss.mean() + coef @ coef / (2.0 * c * len(y))


def rust(args):
    """Runs the Rust timing harness and returns its JSON lines."""
    command = ["cargo", "bench", "--quiet", "--bench", "fit_timing", "--", *args]
    output = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    return [json.loads(line) for line in output.stdout.splitlines() if line.startswith("{")]


def peak_memory_kib(command):
    """Runs `command` and returns (seconds, peak resident memory in KiB) of that process.

    The peak is the kernel's VmHWM of the process, polled every 5 ms until it exits. (The
    rusage of a child would count this Python process's memory, which the child shares
    between fork and exec.)"""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    peak = 0
    status_file = Path(f"/proc/{process.pid}/status")
    while process.poll() is None:
        try:
            for line in status_file.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except (FileNotFoundError, ProcessLookupError):
            break
        time.sleep(0.005)
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        raise RuntimeError(f"{command} failed")
    return elapsed, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-linfa", action="store_true")
    parser.add_argument("--threads", default=f"1,{os.cpu_count()}")
    parser.add_argument("--f32-only", action="store_true")
    parser.add_argument("--sklearn-solvers", default="lbfgs,newton-cholesky,newton-cg,liblinear",
                        help="scikit-learn's solvers to time (fewer for large --rows)")
    parser.add_argument("--descent-solvers", default="newton,lbfgs,bfgs,cg")
    parser.add_argument("--thread-count", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.thread_count is None:
        counts = sorted({int(t) for t in options.threads.split(",")})
        for count in counts:
            # A fresh process per count: the BLAS and OpenMP pools read these when they start.
            env = environment(count)
            env["DESCENT_THREADS"] = str(count)
            subprocess.run([sys.executable, __file__, *sys.argv[1:], "--thread-count", str(count)],
                           env=env, check=True)
        return
    threads = options.thread_count
    runs = options.runs

    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, pandas {pd.__version__}")
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "descent-cli"], cwd=ROOT, check=True)
    logistic_csv, linear_csv = write_problems(options.rows, options.features, options.seed)
    size_mb = logistic_csv.stat().st_size / 1e6

    if options.f32_only:
        frame = pd.read_csv(logistic_csv)
        float32_section(logistic_csv, frame.drop(columns="y").to_numpy(), frame["y"].to_numpy(),
                        threads, runs)
        return

    # CSV reading.
    read_pandas = median_time(runs, lambda: pd.read_csv(logistic_csv))
    frame = pd.read_csv(logistic_csv)
    x = frame.drop(columns="y").to_numpy()
    y = frame["y"].to_numpy()
    x_bytes = x.nbytes

    # The best objective: tight fits by the two Newton methods.
    results = []
    tight = rust(["--data", str(logistic_csv), "--model", "logistic", "--solvers", "newton",
                  "--tols", "1e-12", "--runs", "1"])
    best = min(r["objective"] for r in tight if "objective" in r)
    tight_sklearn = LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(x, y)
    best = min(best, log_loss_objective(x, y, tight_sklearn.coef_[0], tight_sklearn.intercept_[0], 1.0))

    # scikit-learn: the loosest tolerance that reaches the gap, then timed.
    for solver in options.sklearn_solvers.split(","):
        chosen = None
        for tol in TOLS:
            print(f"  scikit-learn {solver}, tol {tol:g}", file=sys.stderr)
            extra = {"intercept_scaling": 1e3} if solver == "liblinear" else {}
            model = LogisticRegression(C=1.0, solver=solver, tol=tol, max_iter=2000, **extra)
            model.fit(x, y)
            f = log_loss_objective(x, y, model.coef_[0], model.intercept_[0], 1.0)
            chosen = (tol, model, f)
            if (f - best) / abs(best) <= GAP:
                break
        tol, model, f = chosen
        seconds = median_time(runs, lambda: model.fit(x, y))
        iterations = int(np.max(model.n_iter_))
        results.append({"library": "scikit-learn", "solver": solver, "tol": tol, "seconds": seconds,
                        "iterations": iterations, "objective": f})

    # descent and linfa: one pass over the tolerances to find each solver's, then timed.
    solvers = options.descent_solvers.split(",")
    search = rust(["--data", str(logistic_csv), "--model", "logistic", "--solvers", ",".join(solvers),
                   "--tols", ",".join(map(str, TOLS)), "--runs", "1"]
                  + ([] if options.skip_linfa else ["--linfa"]))
    read_descent = next(r["seconds"] for r in search if r.get("step") == "read_csv")
    fits = [r for r in search if "library" in r]
    for library, solver in sorted({(r["library"], r["solver"]) for r in fits}):
        candidates = [r for r in fits if r["library"] == library and r["solver"] == solver]
        good = [r for r in candidates if (r["objective"] - best) / abs(best) <= GAP]
        pick = max(good, key=lambda r: r["tol"]) if good else min(candidates, key=lambda r: r["tol"])
        args = ["--data", str(logistic_csv), "--model", "logistic", "--tols", str(pick["tol"]), "--runs", str(runs)]
        if library == "linfa-logistic":
            args += ["--solvers", "newton", "--linfa"]
            timed = [r for r in rust(args) if r.get("library") == library][0]
        else:
            args += ["--solvers", solver]
            timed = [r for r in rust(args) if r.get("library") == library][0]
        results.append(timed)

    for r in results:
        r["gap"] = (r["objective"] - best) / abs(best)
    sklearn_fastest = min((r for r in results if r["library"] == "scikit-learn" and r["gap"] <= GAP),
                          key=lambda r: r["seconds"])
    for r in results:
        r["speedup_vs_sklearn_fastest"] = sklearn_fastest["seconds"] / r["seconds"]

    # Least squares.
    frame_linear = pd.read_csv(linear_csv)
    xl = frame_linear.drop(columns="y").to_numpy()
    yl = frame_linear["y"].to_numpy()
    ols_sklearn = median_time(runs, lambda: LinearRegression().fit(xl, yl))
    ols = rust(["--data", str(linear_csv), "--model", "linear", "--solvers", "lstsq,newton",
                "--tols", "1e-10", "--runs", str(runs)])
    ols_rows = [{"library": "scikit-learn", "solver": "LinearRegression", "seconds": ols_sklearn}]
    ols_rows += [{"library": "descent", "solver": r["solver"], "seconds": r["seconds"],
                  "objective": r["objective"]} for r in ols if "library" in r]
    for r in ols_rows:
        r["speedup_vs_sklearn"] = ols_sklearn / r["seconds"]

    # The whole command, and its memory.
    descent_bin = ROOT / "target" / "release" / "descent"
    # Each side with its fastest solver at this size (the Python side takes scikit-learn's
    # fastest); the command once as it runs by default (scoring the training rows after the
    # fit) and once with --no-metrics, the same work as the Python side (read, fit).
    descent_fastest = min((r for r in results if r["library"] == "descent"), key=lambda r: r["seconds"])
    command = [str(descent_bin), "fit", "--data", str(logistic_csv), "--model", "logistic",
               "--solver", descent_fastest["solver"], "--tol", str(descent_fastest["tol"]), "--json",
               "--quiet", "--threads", str(threads)]
    command_runs = [peak_memory_kib(command) for _ in range(runs)]
    command_seconds = statistics.median(t for t, _ in command_runs)
    bare_runs = [peak_memory_kib(command + ["--no-metrics"]) for _ in range(runs)]
    bare_seconds = statistics.median(t for t, _ in bare_runs)
    peak_kib = max(m for _, m in command_runs + bare_runs)
    python_total = read_pandas + sklearn_fastest["seconds"]

    summary = {
        "threads": threads, "rows": options.rows, "features": options.features, "csv_mb": size_mb,
        "runs": runs,
        "best_objective": best, "fits": results, "least_squares": ols_rows,
        "csv_read": {"pandas": read_pandas, "descent": read_descent},
        "command": {"solver": descent_fastest["solver"], "descent_fit_seconds": command_seconds,
                    "descent_fit_no_metrics_seconds": bare_seconds,
                    "pandas_plus_sklearn_seconds": python_total,
                    "peak_rss_mib": peak_kib / 1024, "x_mib": x_bytes / 2**20,
                    "peak_over_x": peak_kib * 1024 / x_bytes},
        "versions": {"scikit-learn": sklearn.__version__, "numpy": np.__version__, "pandas": pd.__version__},
    }
    (OUT / f"results-{threads}.json").write_text(json.dumps(summary, indent=2))

    print(f"\n## {threads} thread{'s' if threads > 1 else ''} (every library)")
    print(f"\nlogistic regression, C = 1, {options.rows} x {options.features}; "
          f"each fit within {GAP:g} (relative) of the best objective {best:.12f}; median of {runs}\n")
    print("| library | solver | tol | iterations | time (ms) | relative gap | vs scikit-learn's fastest |")
    print("|---|---|---|---|---|---|---|")
    for r in sorted(results, key=lambda r: r["seconds"]):
        print(f"| {r['library']} | {r['solver']} | {r['tol']:g} | {r['iterations'] or '-'} | "
              f"{r['seconds'] * 1e3:.1f} | {r['gap']:.1e} | {r['speedup_vs_sklearn_fastest']:.2f}x |")
    print("\nleast squares on the linear problem\n")
    print("| library | solver | time (ms) | vs scikit-learn |")
    print("|---|---|---|---|")
    for r in ols_rows:
        print(f"| {r['library']} | {r['solver']} | {r['seconds'] * 1e3:.1f} | {r['speedup_vs_sklearn']:.2f}x |")
    print(f"\nCSV read ({size_mb:.0f} MB): pandas.read_csv {read_pandas:.3f} s, descent {read_descent:.3f} s "
          f"({read_pandas / read_descent:.2f}x)")
    print(f"`descent fit --solver {descent_fastest['solver']}` command: {command_seconds:.3f} s with the training "
          f"metrics, {bare_seconds:.3f} s with --no-metrics; pandas.read_csv + scikit-learn's fastest fit: "
          f"{python_total:.3f} s ({python_total / command_seconds:.2f}x, {python_total / bare_seconds:.2f}x)")
    print(f"peak resident memory of `descent fit`: {peak_kib / 1024:.0f} MiB; X is {x_bytes / 2**20:.0f} MiB "
          f"({peak_kib * 1024 / x_bytes:.2f}x)")
    float32_section(logistic_csv, x, y, threads, runs)


def loosest_within_gap(rows, best):
    """The row with the loosest tolerance within GAP of best (else the tightest)."""
    good = [r for r in rows if (r["objective"] - best) / abs(best) <= GAP]
    return max(good, key=lambda r: r["tol"]) if good else min(rows, key=lambda r: r["tol"])


def float32_section(logistic_csv, x, y, threads, runs):
    """Step 5: float32 data on both sides (see the module's docstring)."""
    x32 = x.astype(np.float32)
    x32_wide = x32.astype(np.float64)
    data = ["--data", str(logistic_csv), "--model", "logistic"]
    tight = rust(data + ["--dtype", "f32", "--solvers", "newton", "--tols", "1e-12", "--runs", "1"])
    best = min(r["objective"] for r in tight if "objective" in r)
    results = []
    for solver in ["lbfgs", "newton-cholesky"]:
        rows = []
        for tol in TOLS:
            model = LogisticRegression(C=1.0, solver=solver, tol=tol, max_iter=2000).fit(x32, y)
            coef = model.coef_[0].astype(np.float64)
            f = log_loss_objective(x32_wide, y, coef, float(model.intercept_[0]), 1.0)
            rows.append({"tol": tol, "objective": f, "model": model})
            if (f - best) / abs(best) <= GAP:
                break
        pick = loosest_within_gap(rows, best)
        model = pick["model"]
        seconds = median_time(runs, lambda: model.fit(x32, y))
        results.append({"library": "scikit-learn (float32 X)", "solver": solver, "tol": pick["tol"],
                        "seconds": seconds, "objective": pick["objective"]})
    for dtype in ["f32", "f64"]:
        search = rust(data + ["--dtype", dtype, "--solvers", "lbfgs", "--tols", ",".join(map(str, TOLS)),
                              "--runs", "1"])
        fits = [r for r in search if "library" in r]
        # The f64 fit is of the original data: its own best is its tight Newton fit.
        own_best = best if dtype == "f32" else min(
            r["objective"] for r in rust(data + ["--solvers", "newton", "--tols", "1e-12", "--runs", "1"])
            if "objective" in r)
        pick = loosest_within_gap(fits, own_best)
        timed = [r for r in rust(data + ["--dtype", dtype, "--solvers", "lbfgs", "--tols", str(pick["tol"]),
                                         "--runs", str(runs)]) if "library" in r][0]
        timed["library"] = f"descent ({dtype} storage)"
        timed["gap_best"] = own_best
        results.append(timed)
    for r in results:
        r["gap"] = (r["objective"] - r.get("gap_best", best)) / abs(r.get("gap_best", best))
    fastest = min((r for r in results if r["library"].startswith("scikit-learn") and r["gap"] <= GAP),
                  key=lambda r: r["seconds"], default=None)
    (OUT / f"results-f32-{threads}.json").write_text(json.dumps(
        {"threads": threads, "best_objective_f32": best, "fits": results}, indent=2))
    print(f"\n### float32 X, {threads} thread{'s' if threads > 1 else ''} (every library)\n")
    print(f"best objective of the float32 data {best:.12f}; f64 rows are of the original data\n")
    print("| library | solver | tol | time (ms) | relative gap | vs scikit-learn's fastest on float32 |")
    print("|---|---|---|---|---|---|")
    for r in sorted(results, key=lambda r: r["seconds"]):
        ratio = f"{fastest['seconds'] / r['seconds']:.2f}x" if fastest else "-"
        print(f"| {r['library']} | {r['solver']} | {r['tol']:g} | {r['seconds'] * 1e3:.1f} | "
              f"{r['gap']:.1e} | {ratio} |")


if __name__ == "__main__":
    main()
