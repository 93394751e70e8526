#!/usr/bin/env bash
# The Python package's test suite (crates/python/tests), in its own virtual environment.
#
# Creates target/python-venv (installing Debian's python3-venv first if the interpreter lacks
# it), installs maturin and the test dependencies (scikit-learn, scipy, numpy, pytest, pandas)
# from PyPI, builds and installs the package from crates/python (`pip install`, maturin as the
# build backend), and runs pytest. The command-line interoperability tests use the debug build
# of `descent` (built here if missing), or DESCENT_CLI.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=target/python-venv

if [ ! -x "$VENV/bin/python" ]; then
    if ! "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
        rm -rf "$VENV"
        if command -v apt-get >/dev/null 2>&1; then
            SUDO=""
            if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
            echo "descent: installing python3-venv with apt-get" >&2
            $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
            $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                python3-venv python3-pip >&2
        fi
        "$PYTHON" -m venv "$VENV"
    fi
fi

"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "maturin>=1.9,<2"
# maturin's build hook runs the `maturin` program: the venv's.
export PATH="$PWD/$VENV/bin:$PATH"
# No build isolation: the build uses the maturin just installed, not a fresh download.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-build-isolation \
    "./crates/python[test]"

if [ -z "${DESCENT_CLI:-}" ]; then
    cargo build --quiet -p descent-cli
    DESCENT_CLI="$PWD/target/debug/descent"
fi
export DESCENT_CLI
cd crates/python
exec "../../$VENV/bin/python" -m pytest -q -p no:cacheprovider tests
