#!/usr/bin/env bash
# Regenerates the figures of the README's tour (docs/figures/*.svg) with the release build of
# the `descent` command, on the bundled data. Run from anywhere: scripts/make-figures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-deps.sh
cargo build --release -q -p descent-cli
descent=target/release/descent
out=docs/figures
mkdir -p "$out"

"$descent" minimize "x^4 - 3*x^3 + 2" --x0 4 --plot "$out/minimize.svg"
"$descent" sweep-lr "2.5*(x - 2)^2" --rates 0.001,0.05,0.1,0.4 --plot "$out/learning-rates.svg"
"$descent" convergence "x^4 - 3*x^2 + x" --starts -3..3 --learning-rate 0.01 \
    --plot "$out/convergence.svg"
"$descent" race --data data/breast_cancer.csv --model logistic --quiet --plot "$out/race.svg"
"$descent" path --data data/breast_cancer.csv --standardize --test-size 0.2 --quiet \
    --plot "$out/path.svg"
"$descent" path --data data/breast_cancer.csv --penalty l1 --standardize --test-size 0.2 --quiet \
    --plot "$out/path-l1.svg"
"$descent" cv --data data/breast_cancer.csv --model logistic --penalty l1 --standardize \
    --test-size 0.2 --num 12 --quiet --plot "$out/cv.svg"
