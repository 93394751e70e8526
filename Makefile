# The two commands of the README. Both install what the build needs (OpenBLAS) first.
.PHONY: demo test test-python test-mpi deps

deps:
	@bash scripts/ensure-system-deps.sh

# The main job: every solver on the bundled data (logistic on breast cancer, linear on diabetes).
demo: deps
	cargo run --release --example bundled_data

# The whole test suite: unit, integration, property and doc tests of the Rust crates, the
# MPI tests (`descent fit` under mpirun with 1, 2 and 4 processes; Open MPI is installed
# when missing), then the Python package's pytest suite (scikit-learn's estimator checks,
# parity with scikit-learn and scipy) in its own virtual environment.
test: deps
	cargo test --workspace
	bash scripts/test-mpi.sh
	bash scripts/test-python.sh

# The MPI tests alone.
test-mpi: deps
	bash scripts/test-mpi.sh

# The Python package's suite alone.
test-python: deps
	bash scripts/test-python.sh
