# Two commands on a fresh machine: `make run` and `make test`. Each builds its own virtualenv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint browser bench clean

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

# The browser tests drive Debian's chromium; Playwright never downloads a browser of its own.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	  else echo "The browser tests need Debian's chromium: apt-get install chromium" >&2; exit 1; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

test: lint browser
	$(BIN)/rateshop manual check manuals
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_batch.py
	$(BIN)/python benchmarks/bench_single.py

clean:
	rm -rf $(VENV)
