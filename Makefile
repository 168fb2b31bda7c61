# The README's commands. Each creates .venv and installs what it needs.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: run test bench lint demo clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/sealhub serve

demo: $(STAMP)
	$(BIN)/sealhub demo --out demo-out

test: $(STAMP)
	$(BIN)/pytest -q

BENCHES := $(filter-out bench/common.py,$(wildcard bench/*.py))

bench: $(STAMP)
	@for b in $(BENCHES); do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) sealhub.db .pytest_cache .mypy_cache .ruff_cache
