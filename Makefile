# Two commands do all the set-up: `make run` (nightly refresh, offline demo) and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test ui lint clean setup browser

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/kommune-sdg refresh --source demo

# Debian's chromium + chromedriver for the browser tests (tests/ui); a no-op when already installed.
browser:
	bash scripts/install_browser.sh

test: $(STAMP) browser
	$(BIN)/python -m pytest -n auto --dist loadscope --no-loadscope-reorder tests

ui: $(STAMP)
	$(BIN)/kommune-sdg ui

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf data dbt_project/target dbt_project/logs
