#!/usr/bin/env python3
"""The CSV read alone, descent against pandas, interleaved at one thread.

    python3 benches/csv_read.py [--rows 2000000] [--rounds 7] [--baseline PATH/TO/descent]

This machine's timings drift by a third within minutes, so the reads alternate (pandas, descent,
then the baseline build if given, round after round) and the medians compare reads that shared
the same minutes. The file is `benches/compare.py`'s logistic problem (written by it if
missing, `%.9g` numbers). descent's time is the `read_seconds` that `descent fit --json`
reports (the CSV parsed into the matrix and the labels checked); pandas' is
`pandas.read_csv` timed around the call. Both run on one thread (`--threads 1`,
OPENBLAS_NUM_THREADS=1; pandas' C parser is single-threaded).
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
sys.path.insert(0, str(ROOT / "benches"))


def descent_read(binary, path):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    out = subprocess.run(
        [str(binary), "--threads", "1", "fit", "--data", str(path), "--model", "logistic",
         "--solver", "lbfgs", "--no-metrics", "--json", "--quiet"],
        check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out)["read_seconds"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--baseline", type=Path, help="another descent binary, read in the same rounds")
    options = parser.parse_args()

    import pandas as pd
    import compare

    subprocess.run(["cargo", "build", "--release", "-p", "descent-cli"], cwd=ROOT, check=True)
    path, _ = compare.write_problems(options.rows, 50, 0)
    binary = ROOT / "target" / "release" / "descent"
    times = {"pandas": [], "descent": [], "baseline": []}
    pd.read_csv(path)  # the file into the page cache
    for _ in range(options.rounds):
        start = time.perf_counter()
        pd.read_csv(path)
        times["pandas"].append(time.perf_counter() - start)
        times["descent"].append(descent_read(binary, path))
        if options.baseline:
            times["baseline"].append(descent_read(options.baseline, path))
    size_mb = path.stat().st_size / 1e6
    print(f"CSV read of {path.name} ({size_mb:.0f} MB), one thread, {options.rounds} interleaved rounds")
    print("\n| reader | median (s) | range (s) | MB/s | pandas' median / this |")
    print("|---|---|---|---|---|")
    pandas_median = statistics.median(times["pandas"])
    for name, values in times.items():
        if not values:
            continue
        median = statistics.median(values)
        print(f"| {name} | {median:.3f} | {min(values):.3f}–{max(values):.3f} | {size_mb / median:.0f} | "
              f"{pandas_median / median:.2f}× |")


if __name__ == "__main__":
    main()
