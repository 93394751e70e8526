#!/usr/bin/env bash
# A fit from a file read pass by pass (--stream) against the in-memory fit and the out-of-core
# fit, from CSV and from Parquet, one machine, one run.
#
#     bash benches/stream.sh [ROWS] [THREADS]      (defaults: 2000000 rows × 50 features, 1 thread)
#
# Every command runs with the file in the page cache (each file is read once first), so a
# pass costs a parse, not a disk read. For each configuration: the solver's passes over the
# file (fit --json's stream_read), the read and fit seconds, the whole command's wall clock,
# the peak resident memory (GNU time), and the objective, which must be the same to the bit
# for the same solver however X is held.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-2000000}
THREADS=${2:-1}
CSV=target/compare/logistic_${ROWS}x50_seed0.csv
PARQUET=target/compare/logistic_${ROWS}x50_seed0.parquet
CACHE=target/compare/logistic_${ROWS}x50_seed0.stream-bench-cache
if [ ! -f "$CSV" ]; then
    (cd benches && python3 -c "from compare import write_problems; write_problems($ROWS, 50, 0)")
fi
if [ ! -f "$PARQUET" ]; then
    # Row groups of 1 000 000 rows (pyarrow's default), written under a temporary name.
    python3 - "$CSV" "$PARQUET" <<'PY'
import os, sys
import pyarrow.csv, pyarrow.parquet
table = pyarrow.csv.read_csv(sys.argv[1])
pyarrow.parquet.write_table(table, sys.argv[2] + ".part", row_group_size=1_000_000)
os.rename(sys.argv[2] + ".part", sys.argv[2])
PY
fi
cargo build --release --quiet -p descent-cli
DESCENT=target/release/descent
export OPENBLAS_NUM_THREADS=$THREADS
cat "$CSV" "$PARQUET" > /dev/null
rm -f "$CACHE"
echo "$ROWS rows x 50 features, logistic, C = 1, --threads $THREADS, tol 1e-4 (the default), no metrics"
printf '%-28s %-7s %7s %9s %9s %9s %9s  %s\n' configuration solver passes read_s fit_s wall_s peak_MB objective
run() {
    local name=$1 solver=$2
    shift 2
    local out
    out=$( { /usr/bin/time -f 'TIME %e %M' "$DESCENT" --threads "$THREADS" fit --model logistic \
        --solver "$solver" --no-metrics --json "$@" ; } 2>&1 )
    python3 - "$name" "$solver" "$out" <<'PY'
import json, sys
name, solver, out = sys.argv[1], sys.argv[2], sys.argv[3]
text, timing = out[: out.rindex("}") + 1], out[out.rindex("TIME") :].split()
fit = json.loads(text[text.index("{") :])
read = fit.get("stream_read") or fit.get("cache_read") or {}
passes = read.get("passes", "-")
print(f"{name:<28} {solver:<7} {passes!s:>7} {fit['read_seconds']:9.3f} {fit['fit_seconds']:9.3f} "
      f"{float(timing[1]):9.2f} {int(timing[2]) / 1024:9.0f}  {fit['objective']!r}")
PY
}
for solver in lbfgs newton; do
    rm -f "$CACHE"
    run "in memory (CSV)" "$solver" --data "$CSV"
    run "--stream (CSV)" "$solver" --data "$CSV" --stream
    run "--stream (Parquet)" "$solver" --data "$PARQUET" --stream
    # The read includes the conversion into the cache (made anew for each solver).
    run "--out-of-core (CSV)" "$solver" --data "$CSV" --out-of-core --cache "$CACHE" --quiet
done
rm -f "$CACHE"
