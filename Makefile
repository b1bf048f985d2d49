# hummingbot-backpack — the two commands of the README are `make demo` and `make test`.
PY := .venv/bin/python
PYTEST_ARGS ?=

.PHONY: setup test demo reliability bench emulator clean

setup:
	@bash tools/setup.sh

test: setup
	@bash tools/run_tests.sh $(PYTEST_ARGS)

demo: setup
	@bash tools/demo.sh

reliability: setup
	@$(PY) -m pytest test/reliability -p no:cacheprovider -q -s

bench: setup
	@$(PY) -m bench

emulator: setup
	@$(PY) -m backpack_emulator

clean:
	rm -rf build *.egg-info .make
