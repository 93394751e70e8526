#!/usr/bin/env bash
# Installs the system libraries descent links against, when they are missing.
#
# descent links OpenBLAS (BLAS and LAPACK) from the system through ndarray-linalg's
# `openblas-system` backend. On Debian/Ubuntu this script installs `libopenblas-dev`
# (and `pkg-config`) with apt-get; elsewhere it says what to install and fails.
set -euo pipefail

have_openblas() {
    command -v pkg-config >/dev/null 2>&1 && pkg-config --exists openblas 2>/dev/null && return 0
    # Some distributions ship the library without a pkg-config file.
    ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so' && ldconfig -p 2>/dev/null | grep -q 'liblapack\.so\|libopenblas'
}

if have_openblas; then
    exit 0
fi

if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
            echo "error: OpenBLAS is missing and installing it needs root: run 'apt-get install libopenblas-dev pkg-config' as root" >&2
            exit 1
        fi
    fi
    echo "descent: installing libopenblas-dev and pkg-config with apt-get" >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        libopenblas-dev pkg-config >&2
    exit 0
fi

case "$(uname -s)" in
    Darwin)
        echo "error: OpenBLAS not found: run 'brew install openblas pkg-config' and set PKG_CONFIG_PATH=\$(brew --prefix openblas)/lib/pkgconfig" >&2 ;;
    *)
        echo "error: OpenBLAS not found: install your distribution's OpenBLAS development package (libopenblas-dev, openblas-devel or openblas)" >&2 ;;
esac
exit 1
