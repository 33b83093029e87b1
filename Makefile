# Herald: `make run` starts it with demo data, `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run serve test lint format bench bench-migrate bench-connections clean \
	drills drill-burst drill-steady drill-kill drill-redis drill-postgres drill-switch

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## Start the web server and a django-q2 cluster together, with demo data. Ctrl-C stops both.
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@echo "Herald: http://$(HOST):$(PORT)/admin/  (Ctrl-C stops the web server and the cluster)"
	$(MANAGE) serve $(HOST):$(PORT)

## Production: migrate, collect the static files, then gunicorn and a django-q2 cluster
## together, configured from the environment (README: Running in production). DEBUG is off
## unless DJANGO_DEBUG says otherwise. Ctrl-C stops both.
serve: export DJANGO_DEBUG ?= 0
serve: install
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput
	$(MANAGE) serve --production $(HOST):$(PORT)

## Run the whole test suite (PYTEST_ARGS passes extra arguments to pytest).
test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/engine.py $(BENCH_ARGS)

## migrate_user_tokens on 10,000 users, batched vs per user (SQLite; DATABASE_URL for PostgreSQL).
bench-migrate: install
	$(BIN)/python bench/migrate_tokens.py $(BENCH_ARGS)

## PostgreSQL connections under 300 concurrent API requests, pooled and not (throwaway
## database on the server of DATABASE_URL, default 127.0.0.1:5432).
bench-connections: install
	$(BIN)/python bench/connections.py $(BENCH_ARGS)

## Fault drills against the sandbox on private servers (PostgreSQL 5440/5441, Redis 6390,
## sandbox 8471-8474). Defaults are the full-size figures; DRILL_ARGS passes options, e.g.
## DRILL_ARGS="--posts 500 --accounts 20 --clusters 1".
DRILL := $(BIN)/python -m bench.drills

drill-burst: install
	$(DRILL) burst $(DRILL_ARGS)

drill-steady: install
	$(DRILL) steady $(DRILL_ARGS)

drill-kill: install
	$(DRILL) kill $(DRILL_ARGS)

drill-redis: install
	$(DRILL) redis $(DRILL_ARGS)

drill-postgres: install
	$(DRILL) postgres $(DRILL_ARGS)

drill-switch: install
	$(DRILL) switch $(DRILL_ARGS)

drills: install
	$(DRILL) all $(DRILL_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* media staticfiles test-artifacts *.egg-info
