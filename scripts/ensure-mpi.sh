#!/usr/bin/env bash
# Installs what the `mpi` feature of the descent command needs, when it is missing: an MPI
# library with its launcher (Open MPI: libopenmpi-dev, openmpi-bin) and libclang, which the
# `mpi` crate's build uses to read MPI's headers. The default build needs neither.
set -euo pipefail

have_mpi() {
    command -v mpirun >/dev/null 2>&1 && command -v mpicc >/dev/null 2>&1 \
        && ldconfig -p 2>/dev/null | grep -q 'libclang'
}

if have_mpi; then
    exit 0
fi

if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
            echo "error: MPI is missing and installing it needs root: run 'apt-get install libopenmpi-dev openmpi-bin libclang-dev' as root" >&2
            exit 1
        fi
    fi
    echo "descent: installing Open MPI and libclang with apt-get (for the mpi feature)" >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        libopenmpi-dev openmpi-bin libclang-dev >&2
    exit 0
fi

echo "error: MPI not found: install Open MPI or MPICH (with mpicc and mpirun) and libclang" >&2
exit 1
