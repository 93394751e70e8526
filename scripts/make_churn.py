#!/usr/bin/env python3
"""Writes data/churn.csv: a seeded, synthetic customer-churn table shaped like the course's
example (the Telco churn data), for descent's raw-table reading and its tests.

    python3 scripts/make_churn.py            # numpy only; same file on every run

Columns: an identifier (customerID, every value distinct), Yes/No columns, a 0/1 numeric
column, categories with 2-4 levels (one with blanks), numbers, and TotalCharges with blank
cells written as a single space, as the original data has them. Churn (Yes/No) is drawn from
a logistic model of the other columns, so a fit has something to find.
"""
import csv
import pathlib

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
ROWS = 2000


def main():
    rng = np.random.default_rng(13)
    n = ROWS
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    ids = [
        f"{rng.integers(1000, 10000)}-{''.join(rng.choice(letters, 5))}{i:04d}" for i in range(n)
    ]
    gender = rng.choice(["Female", "Male"], n)
    senior = (rng.random(n) < 0.16).astype(int)
    partner = rng.choice(["No", "Yes"], n, p=[0.52, 0.48])
    tenure = rng.integers(0, 73, n)
    contract = rng.choice(["Month-to-month", "One year", "Two year"], n, p=[0.55, 0.21, 0.24])
    internet = rng.choice(["DSL", "Fiber optic", "No"], n, p=[0.34, 0.44, 0.22])
    payment = rng.choice(
        ["Bank transfer (automatic)", "Credit card (automatic)", "Electronic check", "Mailed check"],
        n,
        p=[0.22, 0.22, 0.34, 0.22],
    ).astype(object)
    monthly = np.round(
        20.0 + 25.0 * (internet == "DSL") + 50.0 * (internet == "Fiber optic") + rng.normal(0, 8, n), 2
    )
    total = np.round(monthly * np.maximum(tenure, 0) + rng.normal(0, 20, n), 2)
    z = (
        +0.4
        + 0.6 * senior
        - 0.3 * (partner == "Yes")
        - 0.045 * tenure
        - 1.1 * (contract == "One year")
        - 2.0 * (contract == "Two year")
        + 0.8 * (internet == "Fiber optic")
        - 0.5 * (internet == "No")
        + 0.55 * (payment == "Electronic check")
        + 0.012 * (monthly - 60.0)
    )
    churn = np.where(rng.random(n) < 1.0 / (1.0 + np.exp(-z)), "Yes", "No")
    total_text = [f"{v:.2f}" for v in total]
    # Blanks: TotalCharges as a space (new customers, as in the original data), PaymentMethod
    # as an empty cell.
    for i in np.flatnonzero(tenure == 0):
        total_text[i] = " "
    for i in rng.choice(n, 25, replace=False):
        payment[i] = ""
    path = ROOT / "data" / "churn.csv"
    with open(path, "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow([
            "customerID", "gender", "SeniorCitizen", "Partner", "tenure", "Contract",
            "InternetService", "PaymentMethod", "MonthlyCharges", "TotalCharges", "Churn",
        ])
        for i in range(n):
            out.writerow([
                ids[i], gender[i], senior[i], partner[i], tenure[i], contract[i], internet[i],
                payment[i], f"{monthly[i]:.2f}", total_text[i], churn[i],
            ])
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
