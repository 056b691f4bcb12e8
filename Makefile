# The README's two commands: `make gallery` (build and open the way to the gallery) and `make test`.
.PHONY: gallery test bench mutate setup lint clean

gallery:
	@scripts/setup.sh
	.venv/bin/lenet-viz gallery

test:
	@scripts/setup.sh --test
	.venv/bin/ruff check lenet_viz tests benchmarks
	node --test tests/js/
	.venv/bin/python -m pytest -q -ra

bench:
	@scripts/setup.sh
	.venv/bin/python benchmarks/run_all.py --json benchmarks/results/latest.json

mutate:
	@scripts/setup.sh --test
	scripts/mutate.sh

setup:
	@scripts/setup.sh --test

clean:
	find gallery -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
	rm -rf activations test-artifacts .pytest_cache mutants .web-test
