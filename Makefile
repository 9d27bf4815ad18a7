# smarthall — the two commands: `make run` and `make test`. Both set everything up first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
APT_PACKAGES := fonts-noto-cjk chromium espeak-ng sox poppler-utils postgresql-client
export SMARTHALL_DATA_DIR ?= ./var
# Test workers (pytest-xdist): one per core; each has its own databases (tests/conftest.py). TEST_WORKERS=0: one process.
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: run test deps venv lint typecheck pytest clean bench

run: deps venv
	$(VENV)/bin/smarthall serve --demo --host 127.0.0.1 --port 8000

test: deps venv lint typecheck pytest

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

lint:
	$(VENV)/bin/ruff check src tests $(wildcard bench)

typecheck:
	$(VENV)/bin/mypy

pytest:
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadgroup --durations=25

bench: deps venv
	@echo "benchmarks live in bench/; see docs/benchmarks.md for how each is run"

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
