# hummingbot-backpack — the two commands of the README are `make demo` and `make test`.
# HB_LINE picks the Hummingbot release: 20251103 (default, .venv/) or 20260922 (.venv-20260922/).
DEFAULT_LINE := 20251103
CURRENT_LINE := 20260922
HB_LINE ?= $(DEFAULT_LINE)
VENV := $(if $(filter $(DEFAULT_LINE),$(HB_LINE)),.venv,.venv-$(HB_LINE))
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
# `make test` tests both lines (full suite on the default one); `make test HB_LINE=X` only line X.
TEST_LINES := $(if $(filter command line environment,$(origin HB_LINE)),$(HB_LINE),$(DEFAULT_LINE) $(CURRENT_LINE))

.PHONY: setup test demo reliability bench emulator clean

setup:
	@bash tools/setup.sh $(HB_LINE)

test:
	@bash tools/run_tests.sh $(TEST_LINES) -- $(PYTEST_ARGS)

demo: setup
	@HB_LINE=$(HB_LINE) bash tools/demo.sh

reliability: setup
	@$(PY) -m pytest test/reliability -p no:cacheprovider -q -s

bench: setup
	@$(PY) -m bench

emulator: setup
	@$(PY) -m backpack_emulator

clean:
	rm -rf build *.egg-info .make
