# Cultural Terrenkur: `make run` serves the map, `make test` runs every check.
# Both work on a fresh clone: they create .venv and install what is needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test lint typecheck unit browser bench bench-routes clean chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/mapapp init-db
	$(BIN)/mapapp serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check mapapp tests benchmarks setup.py
	$(BIN)/ruff format --check mapapp tests benchmarks setup.py
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -m "not browser"

browser: $(STAMP)
	$(BIN)/pytest -m browser

test: lint typecheck $(STAMP)
	@test -x $(CHROMIUM) || $(MAKE) --no-print-directory chromium
	$(BIN)/pytest

# Debian's Chromium for the browser tests (needs root; never a downloaded browser).
chromium:
	@if [ "$$(id -u)" = 0 ]; then \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "Chromium is missing: sudo apt-get install chromium"; exit 1; fi

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/coverage.py
	$(BIN)/python benchmarks/offline.py
	$(BIN)/python benchmarks/writes.py
	$(BIN)/python benchmarks/walk.py
	$(BIN)/python benchmarks/scale.py
	$(BIN)/python benchmarks/routes.py

# 10 routes in 10 cities with 10,000 works each: home page, one route, its API.
bench-routes: $(STAMP)
	$(BIN)/python benchmarks/routes.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .mypy_cache
