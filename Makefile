# hummingbot-backpack — the two commands of the README are `make demo` and `make test`.
# HB_LINE picks the Hummingbot release: 20251103 (default, .venv/), 20260922 (.venv-20260922/) or any other
# release from 20251103 on (.venv-RELEASE/).
DEFAULT_LINE := 20251103
CURRENT_LINE := 20260922
HB_LINE ?= $(DEFAULT_LINE)
VENV := $(if $(filter $(DEFAULT_LINE),$(HB_LINE)),.venv,.venv-$(HB_LINE))
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
# `make test` tests both lines (full suite on the default one), then the install, registry, headless auth and
# checkout-layout tests on SMOKE_LINES; `make test HB_LINE=X` only line X.
SMOKE_LINES := 20260302
HB_LINE_GIVEN := $(filter command line environment,$(origin HB_LINE))
TEST_LINES := $(if $(HB_LINE_GIVEN),$(HB_LINE),$(DEFAULT_LINE) $(CURRENT_LINE))
# `make compat` runs install + registry + connector end-to-end tests on every known release (or RELEASES=...)
# and writes the README's table.
RELEASES ?=

.PHONY: setup test demo reliability bench emulator clean compat

setup:
	@bash tools/setup.sh $(HB_LINE)

test:
	@SMOKE_LINES="$(if $(HB_LINE_GIVEN),,$(SMOKE_LINES))" bash tools/run_tests.sh $(TEST_LINES) -- $(PYTEST_ARGS)

compat:
	@bash tools/compat.sh $(RELEASES)

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
