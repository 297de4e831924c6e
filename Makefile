# Two commands on a fresh machine: `make run` (install, migrate, demo content, serve) and `make test`.
# The first interpreter that runs and is Python >= 3.11 (pyenv shims may exist yet not run).
PYTHON ?= $(shell for c in python3 python3.13 python3.12 python3.11; do \
	  $$c -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { command -v $$c; break; }; \
	done)
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
PYTEST_ARGS ?=

.PHONY: help run worker test test-fast lint check bench drill browser screenshots clean

# A bare `make` lists the targets: each target's `## ...` is its line (give new targets one).
.DEFAULT_GOAL := help

help: ## list the make targets, one line each
	@awk -F':.*## ' '/^[a-z][a-z-]*:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/python:
	@[ -n "$(PYTHON)" ] || { echo "Newsroom needs Python >= 3.11; none found (set PYTHON=/path/to/python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Reinstalled only when pyproject.toml changes, so a second `make run` starts in seconds.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

run: $(VENV)/.installed ## install into .venv, migrate, load the demo content, serve on 127.0.0.1:8000 (PORT=...; SQLite unless DATABASE_URL)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The task queue's worker (webhooks, WebSub pings) with its scheduler (-B: the sweep every
# PUSH_SWEEP_SECONDS), on the broker BROKER_URL names; e.g.
# BROKER_URL=amqp://guest:guest@127.0.0.1:5672// make worker. Without BROKER_URL, tasks run
# inside the web process and no worker is needed.
worker: $(VENV)/.installed ## the task-queue worker and its scheduler (needs BROKER_URL; without one tasks run in-process)
	@[ -n "$$BROKER_URL" ] || { echo "Set BROKER_URL (e.g. amqp://guest:guest@127.0.0.1:5672//): without it tasks run in-process and no worker is needed"; exit 1; }
	$(BIN)/celery -A newsroom worker -B --loglevel=INFO --schedule=$(VENV)/celerybeat-schedule

# Browser tests need Chromium: Debian's package when we are root with apt (CI), else Playwright's.
browser: $(VENV)/.installed-dev ## make sure a Chromium exists for the browser tests (Debian package as root, else Playwright's)
	@if [ -n "$$CHROMIUM" ] || command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else $(BIN)/playwright install chromium; fi

test: $(VENV)/.installed-dev browser ## the whole test suite, browser tests included (PYTEST_ARGS passes options to pytest)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(VENV)/.installed-dev ## the test suite without the browser tests
	$(BIN)/python -m pytest -m "not browser" $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev ## ruff (lint and format check), mypy, djLint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/djlint templates desk/templates --lint

check: $(VENV)/.installed-dev ## Django's system checks, makemigrations --check, links in README.md and docs/
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python docs/check_links.py

# Every benchmark under bench/ on the configured database (DATABASE_URL); figures go to
# docs/performance.md by hand, never into timed tests.
# bench/api.py compares with Django REST framework, which only the benchmark installs.
$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-dev
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	@touch $@

bench: $(VENV)/.installed-bench ## every benchmark under bench/ on DATABASE_URL (BENCH_ARGS passes options)
	@for script in bench/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script $(BENCH_ARGS) || exit 1; done

# Kill and restart a throwaway PostgreSQL and Redis under light load (drills/outage.py, ~2 min;
# needs PostgreSQL's initdb/pg_ctl in PG_BIN and redis-server; run by .ci/run).
drill: $(VENV)/.installed-dev ## outage drill: throwaway PostgreSQL and Redis killed and restarted under load
	$(BIN)/python drills/outage.py

# Screenshots of the public pages and the desk at 1280 and 360 px into docs/screenshots/ (demo content).
screenshots: $(VENV)/.installed-dev browser ## re-make docs/screenshots/ (public pages and the desk) from the demo content
	$(BIN)/python docs/make_screenshots.py

clean: ## remove .venv, collected static files and pytest's cache
	rm -rf $(VENV) staticfiles .pytest_cache
