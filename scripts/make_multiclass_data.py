#!/usr/bin/env python3
"""Writes the multiclass data sets the project ships, from scikit-learn's bundled copies:

    data/iris.csv   150 rows, 4 features, target `species` as text (setosa, versicolor, virginica)
    data/wine.csv   178 rows, 13 features, target `class` as 0, 1, 2

Both are the UCI data sets (Fisher's iris, 1936; Forina's wine recognition data), public domain
and CC BY 4.0 respectively, as scikit-learn distributes them. Run once; the files are committed.
"""
import pathlib
import subprocess
import sys

try:
    import sklearn  # noqa: F401
except ImportError:  # pragma: no cover
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "scikit-learn"])

from sklearn.datasets import load_iris, load_wine

ROOT = pathlib.Path(__file__).resolve().parent.parent


def write(path, names, rows):
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w") as f:
        f.write(",".join(names) + "\n")
        for row in rows:
            f.write(",".join(row) + "\n")
    tmp.replace(path)
    print(f"wrote {path.relative_to(ROOT)}")


def main():
    iris = load_iris()
    names = [n.replace(" (cm)", "_cm").replace(" ", "_") for n in iris.feature_names]
    write(ROOT / "data" / "iris.csv", names + ["species"],
          ([repr(float(v)) for v in x] + [iris.target_names[t]]
           for x, t in zip(iris.data, iris.target)))
    wine = load_wine()
    names = [n.replace("/", "_") for n in wine.feature_names]
    write(ROOT / "data" / "wine.csv", names + ["class"],
          ([repr(float(v)) for v in x] + [str(t)] for x, t in zip(wine.data, wine.target)))


if __name__ == "__main__":
    main()
