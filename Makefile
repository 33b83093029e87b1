# Herald: `make run` starts it with demo data, `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install run serve test lint format bench bench-herd bench-migrate bench-connections \
	bench-webhooks bench-big-tables bench-analytics clean \
	drills drill-burst drill-steady drill-kill drill-redis drill-postgres drill-switch

.DEFAULT_GOAL := help

# `make help` prints each target with the `## ` line just above it; `# ` lines add detail.
## List the targets and what each does.
help:
	@awk '/^## /{text = substr($$0, 4); next} \
		/^[a-z][a-z-]*:/ && text {split($$0, target, ":"); printf "  %-18s %s\n", target[1], text} \
		!/^#/{text = ""}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## Create .venv and install Herald with its development tools.
install: $(STAMP)

## Start the web server and a django-q2 cluster together, with demo data. Ctrl-C stops both.
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@echo "Herald: http://$(HOST):$(PORT)/admin/  (Ctrl-C stops the web server and the cluster)"
	$(MANAGE) serve $(HOST):$(PORT)

## Production: migrate, collect static files, then gunicorn and a django-q2 cluster.
# Configured from the environment (README: Running in production). DEBUG is off unless
# DJANGO_DEBUG says otherwise. Ctrl-C stops both.
serve: export DJANGO_DEBUG ?= 0
serve: install
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput
	$(MANAGE) serve --production $(HOST):$(PORT)

## Run the whole test suite (PYTEST_ARGS passes extra arguments to pytest).
test: install
	$(BIN)/pytest $(PYTEST_ARGS)

## Check the code: ruff (lint and format) and the import contracts (lint-imports).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

## Fix what ruff can fix, and format the code.
format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Benchmark the engine against the original scheduler's loop (BENCH_ARGS passes options).
bench: install
	$(BIN)/python bench/engine.py $(BENCH_ARGS)

## A backlog of 100 posts behind one full rate window: hand-outs and audit events per post.
# In-process, on a simulated clock and a throwaway SQLite file.
bench-herd: install
	$(BIN)/python bench/herd.py $(BENCH_ARGS)

## Publish 1,000 posts with and without 3 webhook endpoints (one slow); time the deliveries.
# PostgreSQL + Redis on 127.0.0.1, as `make bench`.
bench-webhooks: install
	$(BIN)/python -m bench.webhooks_burst $(BENCH_ARGS)

## Time the hot reads on 1M publications and 5M audit events against an empty database.
# PostgreSQL on 127.0.0.1 (databases herald_bigtables and herald_bigtables_empty; the fill
# is kept between runs, BENCH_ARGS="--refill" rebuilds it), Redis db 12.
bench-big-tables: install
	$(BIN)/python -m bench.big_tables $(BENCH_ARGS)

## Collect metrics of 100,000 published posts over 1,000 accounts; calls, queries, time.
# SQLite; DATABASE_URL for PostgreSQL. The platforms answer in-process (sandbox numbers).
bench-analytics: install
	$(BIN)/python -m bench.analytics $(BENCH_ARGS)

## Benchmark migrate_user_tokens on 10,000 users, batched vs per user.
# SQLite; DATABASE_URL for PostgreSQL.
bench-migrate: install
	$(BIN)/python bench/migrate_tokens.py $(BENCH_ARGS)

## Count PostgreSQL connections under 300 concurrent API requests, pooled and not.
# A throwaway database on the server of DATABASE_URL, default 127.0.0.1:5432.
bench-connections: install
	$(BIN)/python bench/connections.py $(BENCH_ARGS)

# Fault drills against the sandbox on private servers (PostgreSQL 5440/5441, Redis 6390,
# sandbox 8471-8474). Defaults are the full-size figures; DRILL_ARGS passes options, e.g.
# DRILL_ARGS="--posts 500 --accounts 20 --clusters 1".
DRILL := $(BIN)/python -m bench.drills

## Drill: N posts due at once, with 1, 2 and 4 clusters (drain time, lag, copies).
drill-burst: install
	$(DRILL) burst $(DRILL_ARGS)

## Drill: a steady rate of posts for a while (publish lag p50/p99).
drill-steady: install
	$(DRILL) steady $(DRILL_ARGS)

## Drill: kill -9 of one cluster mid-burst.
drill-kill: install
	$(DRILL) kill $(DRILL_ARGS)

## Drill: Redis stopped and started mid-burst, with rate limits that bind.
drill-redis: install
	$(DRILL) redis $(DRILL_ARGS)

## Drill: PostgreSQL stopped and started mid-burst.
drill-postgres: install
	$(DRILL) postgres $(DRILL_ARGS)

## Drill: automation_enabled off for 30 s mid-burst.
drill-switch: install
	$(DRILL) switch $(DRILL_ARGS)

## Every drill, one after the other.
drills: install
	$(DRILL) all $(DRILL_ARGS)

## Remove .venv, the SQLite database, media, static files and test artifacts.
clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* media staticfiles test-artifacts *.egg-info
