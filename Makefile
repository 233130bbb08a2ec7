# Two commands on a fresh machine: `make run` and `make test`. Each builds its own virtualenv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo-live test lint browser pdf bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP) pdf
	$(BIN)/rateshop manual check manuals
	@for line in auto home life health; do $(BIN)/rateshop quote examples/$$line.json || exit 1; done
	$(BIN)/rateshop serve

# Live carriers beside the local ones: four sandbox carriers (JSON, JSON submit-then-poll with
# OAuth2, ACORD XML, one that never answers), one comparison streamed, then the app on :8000.
# One process: Ctrl-C stops the app and every sandbox.
demo-live: $(STAMP)
	$(BIN)/rateshop carrier demo examples/auto.json

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

# The dependency audit asks PyPI's vulnerability data about every package installed in .venv
# (the local rateshop itself, not on PyPI, is skipped). A known vulnerability fails the build: raise
# the pin's lower bound in pyproject.toml to a fixed version, or, only when no fix exists, add
# `--ignore-vuln ID` here with a comment saying why. When PyPI cannot be reached, or cannot say
# anything about the packages (some mirrors lack its per-version pages), the audit proved nothing:
# that is printed plainly and does NOT fail the build, so an outage elsewhere never blocks a change;
# the next run with PyPI reachable audits again.
# Proposal PDFs are made by WeasyPrint, which needs Debian's pango (and its fonts) at run time.
pdf:
	@dpkg -s libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	  else echo "Proposal PDFs need pango: apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core" >&2; exit 1; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; }

test: lint browser pdf
	$(BIN)/rateshop manual check manuals
	@out=$$($(BIN)/pip-audit --local --skip-editable --progress-spinner off --timeout 15 2>&1); \
	status=$$?; \
	if echo "$$out" | grep -q "known vulnerabilit.* in"; then echo "$$out"; exit 1; fi; \
	if [ $$status -ne 0 ]; then \
	  echo "dependency audit NOT done: PyPI's vulnerability data could not be reached:"; \
	  echo "$$out" | tail -n 1; \
	elif echo "$$out" | grep -q "could not be audited"; then \
	  echo "dependency audit incomplete: PyPI had no vulnerability data for" \
	    "$$(echo "$$out" | grep -c "could not be audited") installed packages (see pip-audit --local)"; \
	else echo "$$out"; fi
	$(BIN)/pytest -q --numprocesses auto --maxprocesses 4 --dist loadfile

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_batch.py
	$(BIN)/python benchmarks/bench_single.py

clean:
	rm -rf $(VENV)
