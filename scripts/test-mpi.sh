#!/usr/bin/env bash
# The MPI tests: `descent fit` under `mpirun -np 1, 2, 4` over loopback gives the
# single-process fit bit for bit, and a failing rank ends every rank with its error. Installs
# Open MPI first when it is missing (scripts/ensure-mpi.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-mpi.sh
# mpirun refuses root unless told; these tests run on one machine.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cargo test -p descent-cli --features mpi --test mpi
