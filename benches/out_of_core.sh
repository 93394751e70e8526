#!/usr/bin/env bash
# Out-of-core fits against the disk and against the in-memory fit, one machine, one run.
#
#     sudo bash benches/out_of_core.sh [ROWS] [MEMORY_LIMIT_MIB] [THREADS]
#     (defaults: 2000000 rows × 50 features, a 600 MiB limit, 1 thread;
#      the issue's problem: sudo bash benches/out_of_core.sh 20000000 2048 1, which needs
#      about 21 GB of disk for the CSV file and the cache, and 9 GB of memory in step 3)
#
# Needs root: it empties the page cache between steps (/proc/sys/vm/drop_caches) and runs the
# limited fit in a memory cgroup (v1, /sys/fs/cgroup/memory) whose limit counts the page cache
# too, so that X (8 bytes × rows × 50) cannot stay in memory and every pass reads it from disk.
#
# Steps, each timed by descent's own --json fields:
# 1. the conversion of the CSV file into the data cache (the first --out-of-core fit's read);
# 2. the disk's streaming rate: dd of the cache file after emptying the page cache;
# 3. L-BFGS in memory (X read from the CSV into memory);
# 4. L-BFGS out of core inside the memory limit, from a cold page cache: its time per pass
#    (fit time / the passes over X the fit reports in `cache_read`, the checking pass
#    included) against the time the disk takes to stream the cache once;
# 5. L-BFGS out of core without the limit, the cache in the page cache (warm).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-2000000}
LIMIT_MIB=${2:-600}
THREADS=${3:-1}
CSV=target/compare/logistic_${ROWS}x50_seed0.csv
CACHE=target/compare/logistic_${ROWS}x50_seed0.descent-cache
if [ ! -f "$CSV" ]; then
    if [ "$ROWS" -le 5000000 ]; then
        (cd benches && python3 -c "from compare import write_problems; write_problems($ROWS, 50, 0)")
    else
        # Beyond memory's comfort: the logistic problem alone, a million rows at a time (the
        # same model, another stream of the same generator, so other numbers than
        # compare.py's), written under a temporary name and renamed.
        mkdir -p target/compare
        python3 - "$ROWS" "$CSV" <<'PY'
import os, sys
import numpy as np
import pandas as pd
rows, path = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(0)
w = rng.standard_normal(50) / np.sqrt(50)
columns = [f"x{j}" for j in range(50)]
with open(path + ".part", "w") as out:
    for start in range(0, rows, 1_000_000):
        n = min(1_000_000, rows - start)
        x = rng.standard_normal((n, 50))
        y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(x @ w)))).astype(float)
        frame = pd.DataFrame(x, columns=columns)
        frame["y"] = y
        frame.to_csv(out, index=False, header=start == 0, float_format="%.9g")
os.rename(path + ".part", path)
PY
    fi
fi
cargo build --release --quiet -p descent-cli
DESCENT=target/release/descent
export OPENBLAS_NUM_THREADS=$THREADS RAYON_NUM_THREADS=$THREADS
FIT=(--threads "$THREADS" fit --model logistic --solver lbfgs --tol 1e-6 --no-metrics --json)
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }

rm -f "$CACHE"
drop
convert=$("$DESCENT" "${FIT[@]}" --data "$CSV" --out-of-core --cache "$CACHE" | field "d['read_seconds']")
bytes=$(stat -c %s "$CACHE")
drop
disk=$( { /usr/bin/time -f %e dd if="$CACHE" of=/dev/null bs=16M status=none; } 2>&1 )
in_memory=$("$DESCENT" "${FIT[@]}" --data "$CSV" | field "d['fit_seconds'], d['evaluations']['gradient']" | tr -d "(),")
drop
group=/sys/fs/cgroup/memory/descent-bench
mkdir -p "$group"
echo $((LIMIT_MIB * 1024 * 1024)) > "$group/memory.limit_in_bytes"
limited=$(bash -c "echo \$\$ > $group/cgroup.procs; exec $DESCENT ${FIT[*]} --data $CSV --out-of-core --cache $CACHE" \
    | field "d['fit_seconds'], d['cache_read']['passes']" | tr -d "(),")
peak=$(( $(cat "$group/memory.max_usage_in_bytes") >> 20 ))
rmdir "$group" 2>/dev/null || true
warm=$("$DESCENT" "${FIT[@]}" --data "$CSV" --out-of-core --cache "$CACHE" | field "d['fit_seconds'], d['cache_read']['passes']" | tr -d "(),")

python3 - "$ROWS" "$THREADS" "$LIMIT_MIB" "$bytes" "$convert" "$disk" "$in_memory" "$limited" "$peak" "$warm" <<'EOF'
import sys
rows, threads, limit, size = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
convert, disk = float(sys.argv[5]), float(sys.argv[6])
mem_s, mem_n = map(float, sys.argv[7].split())
lim_s, lim_n = map(float, sys.argv[8].split())
peak = sys.argv[9]
warm_s, warm_n = map(float, sys.argv[10].split())
gb = size / 1e9
print(f"logistic regression, {rows} x 50, L-BFGS (tol 1e-6), {threads} thread(s); data cache {gb:.2f} GB\n")
print("| step | time | per pass | rate |")
print("|---|---|---|---|")
print(f"| CSV -> data cache (first --out-of-core fit) | {convert:.2f} s | | {gb / convert:.2f} GB/s written |")
print(f"| disk: stream the cache once (dd, cold page cache) | {disk:.2f} s | | {gb / disk:.2f} GB/s |")
print(f"| fit in memory | {mem_s:.3f} s | {1e3 * mem_s / mem_n:.1f} ms ({mem_n:.0f} passes) | |")
print(f"| fit out of core, {limit} MiB limit (peak {peak} MiB), cold | {lim_s:.3f} s | {1e3 * lim_s / lim_n:.1f} ms ({lim_n:.0f} passes) | {gb * lim_n / lim_s:.2f} GB/s, **{100 * (gb * lim_n / lim_s) / (gb / disk):.0f}% of the disk** |")
print(f"| fit out of core, no limit, warm page cache | {warm_s:.3f} s | {1e3 * warm_s / warm_n:.1f} ms ({warm_n:.0f} passes) | |")
print(f"\nout of core (limited) against in memory: {lim_s / mem_s:.2f}x the time")
EOF
