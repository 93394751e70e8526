#!/usr/bin/env python3
"""descent against Spark MLlib's logistic regression, on one machine, at equal thread counts.

    python3 benches/spark.py [--rows 2000000] [--runs 3] [--threads 1,2] [--l1 C] [--tol T]

What it does:

1. Makes (or reuses) a virtual environment at target/spark-venv with pyspark, numpy, pandas and
   pyarrow from PyPI. Spark needs a Java runtime: `java` must be on the PATH (Debian's
   `openjdk-17-jre-headless`; scripts/ensure-system-deps.sh does not install it, because only
   this benchmark needs it, so this script installs it with apt-get when it is missing).
2. Generates the seeded logistic problem of benches/mpi.sh (ROWS x 50, standard normal
   features, weights N(0, 1)/sqrt(50), intercept 0.3, Bernoulli labels), written as
   target/bench-mpi-ROWS.csv (the file benches/mpi.sh uses) and as Parquet for Spark.
3. For each thread count T: Spark in `local[T]` mode (one JVM; T task slots), the data read from
   Parquet, assembled into vectors, cached and counted before any timing; then
   `LogisticRegression(regParam=1/N, elasticNetParam=0, standardization=False)` -- the same
   objective as scikit-learn's C = 1 and descent's default, (1/N) sum log loss + |w|^2/(2N) --
   timed around `fit()` (median of --runs), with its iterations from the training summary.
   Spark's solver is L-BFGS (Breeze), one `treeAggregate` job over the partitions per
   evaluation; tol 1e-6 is its default stopping rule (relative change of the objective).
4. descent's command at the same thread count (`descent fit --threads T --json --no-metrics`),
   L-BFGS and Newton, `fit_seconds` (the whole fit, data in memory), and with the `mpi` feature
   built, `mpirun -np T ... --threads 1`.
5. Every fit's objective is recomputed here from its coefficients, and the relative gap to the
   lowest is printed, so that the times compare fits of the same quality.

With --l1 C, the fits are L1-penalized instead: (1/N) sum log loss + |w|_1/(C N), Spark's
`regParam = 1/(C N)` with `elasticNetParam = 1` (its solver is then OWL-QN) against descent's
`--penalty l1 --C C` (proximal Newton, and FISTA). --tol sets descent's tolerance (its default
otherwise), for fits as close to the optimum as Spark's.

Prints a Markdown table; results also go to target/spark/results.json.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "target" / "spark"
VENV = ROOT / "target" / "spark-venv"
FEATURES = 50


def in_venv():
    """Re-runs this script inside target/spark-venv (made when missing)."""
    python = VENV / "bin" / "python"
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    if not python.exists():
        subprocess.check_call([sys.executable, "-m", "venv", str(VENV)])
    subprocess.check_call([str(python), "-m", "pip", "install", "--quiet",
                           "pyspark", "numpy", "pandas", "pyarrow"])
    os.execv(str(python), [str(python), *sys.argv])


def ensure_java():
    if shutil.which("java"):
        return
    prefix = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.check_call([*prefix, "apt-get", "update", "-q"])
    subprocess.check_call([*prefix, "apt-get", "install", "-y", "-q", "openjdk-17-jre-headless"])


def write_problem(rows):
    """The CSV of benches/mpi.sh (same seed and format), and a Parquet copy."""
    import numpy as np
    import pandas as pd

    csv = ROOT / "target" / f"bench-mpi-{rows}.csv"
    parquet = OUT / f"bench-{rows}.parquet"
    if not csv.exists():
        rng = np.random.default_rng(7)
        x = rng.standard_normal((rows, FEATURES))
        w = rng.standard_normal(FEATURES) / np.sqrt(FEATURES)
        y = (rng.random(rows) < 1 / (1 + np.exp(-(x @ w + 0.3)))).astype(int)
        header = ",".join(f"x{j}" for j in range(FEATURES)) + ",y"
        np.savetxt(csv, np.column_stack([x, y]), delimiter=",",
                   fmt=["%.9g"] * FEATURES + ["%d"], header=header, comments="")
    frame = pd.read_csv(csv)
    if not parquet.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(parquet, index=False)
    x = frame[[f"x{j}" for j in range(FEATURES)]].to_numpy()
    y = frame["y"].to_numpy(dtype=float)
    return csv, parquet, x, y


def objective(x, y, coef, intercept, l1=None):
    """(1/N) sum log loss + |w|^2/(2N) (C = 1 in descent's mean form), or + |w|_1/(C N) with
    l1 = C."""
    import numpy as np

    z = x @ coef + intercept
    loss = (np.logaddexp(0.0, z) - y * z).mean()
    if l1 is not None:
        return loss + np.abs(coef).sum() / (l1 * len(y))
    return loss + coef @ coef / (2.0 * len(y))


def spark_fits(parquet, rows, threads, runs, l1=None):
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.feature import VectorAssembler
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master(f"local[{threads}]")
             .config("spark.driver.memory", "8g")
             .config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", str(threads))
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    frame = spark.read.parquet(str(parquet))
    columns = [f"x{j}" for j in range(FEATURES)]
    data = (VectorAssembler(inputCols=columns, outputCol="features")
            .transform(frame).select("features", "y")
            .repartition(max(threads, 2)).cache())
    data.count()
    model_of = LogisticRegression(featuresCol="features", labelCol="y", maxIter=1000,
                                  regParam=1.0 / (rows * (l1 or 1.0)),
                                  elasticNetParam=0.0 if l1 is None else 1.0,
                                  standardization=False, tol=1e-6)
    model = model_of.fit(data)  # warm-up: the JIT, and the cached data's first use
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        model = model_of.fit(data)
        times.append(time.perf_counter() - start)
    import numpy as np

    result = {
        "seconds": statistics.median(times),
        "iterations": model.summary.totalIterations,
        "coef": np.asarray(model.coefficients.toArray()),
        "intercept": float(model.intercept),
        "version": spark.version,
    }
    spark.stop()
    return result


def descent_fits(csv, threads, runs, l1=None, tol=None):
    binary = ROOT / "target" / "release" / "descent"
    out = {}
    solvers = ["lbfgs", "newton"] if l1 is None else ["prox-newton", "fista"]
    penalty = [] if l1 is None else ["--penalty", "l1", "--C", str(l1)]
    penalty += [] if tol is None else ["--tol", str(tol)]
    for solver in solvers:
        for mpi in [False, True]:
            if mpi and (threads == 1 or shutil.which("mpirun") is None):
                continue
            base = [str(binary), "fit", "--data", str(csv), "--model", "logistic",
                    "--solver", solver, *penalty, "--json", "--no-metrics"]
            command = (["mpirun", "-np", str(threads), *base, "--threads", "1"] if mpi
                       else [*base, "--threads", str(threads)])
            env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1",
                       OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
            fits = []
            for _ in range(runs):
                text = subprocess.run(command, check=True, capture_output=True, text=True,
                                      env=env).stdout
                fits.append(json.loads(text))
            last = fits[-1]
            out[(solver, mpi)] = {
                "seconds": statistics.median(f["fit_seconds"] for f in fits),
                "iterations": last["n_iter"],
                "coef": last["coef"],
                "intercept": last["intercept"],
            }
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--tol", type=float, default=None, help="descent's tolerance")
    parser.add_argument("--l1", type=float, default=None, metavar="C",
                        help="L1-penalized fits at this C instead of L2 at C = 1")
    args = parser.parse_args()
    ensure_java()
    in_venv()
    import numpy as np

    features = "mpi" if shutil.which("mpirun") else ""
    subprocess.check_call(["cargo", "build", "--release", "-q", "-p", "descent-cli",
                           *(["--features", features] if features else [])], cwd=ROOT)
    csv, parquet, x, y = write_problem(args.rows)
    rows = []
    for threads in [int(t) for t in args.threads.split(",")]:
        spark = spark_fits(parquet, args.rows, threads, args.runs, args.l1)
        spark_solver = "L-BFGS (tol 1e-6)" if args.l1 is None else "OWL-QN (tol 1e-6)"
        rows.append((threads, f"Spark {spark['version']} local[{threads}]", spark_solver, spark))
        for (solver, mpi), fit in descent_fits(csv, threads, args.runs, args.l1, args.tol).items():
            how = f"mpirun -np {threads}, 1 thread each" if mpi else f"{threads} thread(s)"
            rows.append((threads, f"descent, {how}", solver, fit))
    values = [objective(x, y, np.asarray(r[3]["coef"]), r[3]["intercept"], args.l1)
              for r in rows]
    best = min(values)
    penalty = ("C = 1 (regParam = 1/N)" if args.l1 is None
               else f"L1, C = {args.l1} (regParam = 1/(C N), elasticNetParam = 1)")
    print(f"\nlogistic regression, {args.rows} x {FEATURES}, {penalty}, "
          f"medians of {args.runs}, {os.cpu_count()} cores\n")
    print("| threads | what | solver | iterations | fit (s) | per iteration (ms) | "
          "relative gap | non-zeros | Spark time / this |")
    print("|---|---|---|---|---|---|---|---|---|")
    results = []
    for (threads, what, solver, fit), value in zip(rows, values):
        spark = next(r[3] for r in rows if r[0] == threads and r[1].startswith("Spark"))
        per = 1000 * fit["seconds"] / max(1, fit["iterations"])
        gap = (value - best) / abs(best)
        non_zeros = int(np.count_nonzero(np.asarray(fit["coef"])))
        print(f"| {threads} | {what} | {solver} | {fit['iterations']} | {fit['seconds']:.3f} | "
              f"{per:.1f} | {gap:.1e} | {non_zeros} | {spark['seconds'] / fit['seconds']:.1f}× |")
        results.append({"threads": threads, "what": what, "solver": solver,
                        "iterations": fit["iterations"], "seconds": fit["seconds"],
                        "relative_gap": gap})
    OUT.mkdir(parents=True, exist_ok=True)
    name = "results.json" if args.l1 is None else f"results-l1-{args.l1}.json"
    (OUT / name).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
