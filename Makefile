# The two commands of the README. Both install what the build needs (OpenBLAS) first.
.PHONY: demo test test-python deps

deps:
	@bash scripts/ensure-system-deps.sh

# The main job: every solver on the bundled data (logistic on breast cancer, linear on diabetes).
demo: deps
	cargo run --release --example bundled_data

# The whole test suite: unit, integration, property and doc tests of the Rust crates, then
# the Python package's pytest suite (scikit-learn's estimator checks, parity with
# scikit-learn and scipy) in its own virtual environment.
test: deps
	cargo test --workspace
	bash scripts/test-python.sh

# The Python package's suite alone.
test-python: deps
	bash scripts/test-python.sh
