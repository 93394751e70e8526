# The two commands of the README. Both install what the build needs (OpenBLAS) first.
.PHONY: demo test deps

deps:
	@bash scripts/ensure-system-deps.sh

# The main job: the worked examples on the bundled data.
demo: deps
	cargo run --release --example minimize_1d
	cargo run --release --example logistic_from_parts

# The whole test suite: unit, integration, property and doc tests.
test: deps
	cargo test --workspace
