# The two commands of the README. Both install what the build needs (OpenBLAS) first.
.PHONY: demo test deps

deps:
	@bash scripts/ensure-system-deps.sh

# The main job: every solver on the bundled data (logistic on breast cancer, linear on diabetes).
demo: deps
	cargo run --release --example bundled_data

# The whole test suite: unit, integration, property and doc tests.
test: deps
	cargo test --workspace
