# Two commands on a fresh machine: `make run` and `make test`. Each builds its own virtualenv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/rateshop manual check manuals
	@for line in auto home life health; do $(BIN)/rateshop quote examples/$$line.json || exit 1; done
	$(BIN)/rateshop serve

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy

test: lint
	$(BIN)/rateshop manual check manuals
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_batch.py
	$(BIN)/python benchmarks/bench_single.py

clean:
	rm -rf $(VENV)
