#!/usr/bin/env bash
# descent fit under MPI on one machine: 1 and 2 ranks of one thread each against the
# single-process command at the same total thread count, on a seeded logistic problem.
#
#   bash benches/mpi.sh [ROWS] [RUNS]      # default 200000 rows, 3 runs (medians)
#
# Prints one line per configuration: fit seconds (the whole fit, data in memory), read
# seconds, and rank 0's seconds in MPI calls (waiting for the other rank's passes included).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-200000}
RUNS=${2:-3}
bash scripts/ensure-mpi.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cargo build --release -q -p descent-cli --features mpi
BIN=target/release/descent
DATA=target/bench-mpi-$ROWS.csv
if [ ! -f "$DATA" ]; then
    python3 - "$ROWS" "$DATA" <<'PY'
import sys
import numpy as np
n, path = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(7)
x = rng.standard_normal((n, 50))
w = rng.standard_normal(50) / np.sqrt(50)
y = (rng.random(n) < 1 / (1 + np.exp(-(x @ w + 0.3)))).astype(int)
header = ",".join(f"x{j}" for j in range(50)) + ",y"
np.savetxt(path, np.column_stack([x, y]), delimiter=",", fmt=["%.9g"] * 50 + ["%d"], header=header, comments="")
PY
fi
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
field() { # json, python expression of d
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); c=d.get("communication") or {"seconds": 0, "calls": 0}; print('"$2"')' "$1"
}
run() { # label, command...
    local label=$1; shift
    local fits=() reads=() comms=() json=""
    for _ in $(seq "$RUNS"); do
        json=$("$@")
        fits+=("$(field "$json" 'd["fit_seconds"]')")
        reads+=("$(field "$json" 'd["read_seconds"]')")
        comms+=("$(field "$json" 'c["seconds"]')")
    done
    local comm
    comm=$(printf '%s\n' "${comms[@]}" | median)
    printf '%-40s fit %8.4f s  read %7.3f s  iterations %2s  passes %2s + %s Hessians  in MPI calls %7.4f s (%5.2f ms per iteration, %s calls)\n' "$label" \
        "$(printf '%s\n' "${fits[@]}" | median)" "$(printf '%s\n' "${reads[@]}" | median)" \
        "$(field "$json" 'd["n_iter"]')" "$(field "$json" 'd["evaluations"]["gradient"]')" \
        "$(field "$json" 'd["evaluations"]["hessian"]')" "$comm" \
        "$(python3 -c "print(1000 * $comm / max(1, $(field "$json" 'd["n_iter"]')))")" \
        "$(field "$json" 'c["calls"]')"
}
echo "descent fit under MPI, $ROWS x 50 logistic, C = 1, medians of $RUNS ($(nproc) cores)"
for solver in newton lbfgs; do
    common=(fit --data "$DATA" --model logistic --solver "$solver" --json --no-metrics)
    run "$solver: 1 process, 1 thread" "$BIN" "${common[@]}" --threads 1
    run "$solver: mpirun -np 1, 1 thread" mpirun -np 1 "$BIN" "${common[@]}" --threads 1
    run "$solver: 1 process, 2 threads" "$BIN" "${common[@]}" --threads 2
    run "$solver: mpirun -np 2, 1 thread each" mpirun -np 2 "$BIN" "${common[@]}" --threads 1
done
