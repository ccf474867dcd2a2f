# Technician Analytics — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
REQ_HASH := $(shell sha1sum requirements.txt | cut -c1-12)
STAMP := $(VENV)/.installed-$(REQ_HASH)
PYTEST_ARGS ?=

.PHONY: install run test test-fast lint format bench bench-scale services-stop browser clean screenshots

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)  ## create .venv and install pinned requirements

run: install  ## start db/redis (embedded unless DATABASE_URL/REDIS_URL), migrate, seed demo data, web + worker + beat
	$(BIN)/python scripts/run.py

browser:  ## headless Chromium for the browser tests (Debian package)
	@bash scripts/ensure_chromium.sh

test: install browser  ## the whole suite against real PostgreSQL+pgvector and Redis
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install  ## skip browser tests and the slowest crash/training cases (CI runs everything)
	$(BIN)/python -m pytest -m "not e2e and not slow" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

bench: install  ## benchmarks; print ratios measured side by side (never part of make test)
	$(BIN)/python -m bench

bench-scale: install  ## pipeline and reads at 10k vs 100k technicians side by side (~30 min; BENCH_SCALE_ARGS="--technicians 5000,20000")
	$(BIN)/python -m bench.bench_scale $(BENCH_SCALE_ARGS)

screenshots: install browser  ## every page as each role at 1440×900 and 390×844 into screenshots/ (needs `make run`; BASE_URL)
	$(BIN)/python scripts/screenshots.py

services-stop:  ## stop the embedded PostgreSQL and Redis under var/
	$(BIN)/python scripts/services.py stop

clean: services-stop
	rm -rf var/
