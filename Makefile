# One command per habit. `make run` sets everything up and starts the portal;
# `make test` runs the whole test suite. CI (.ci/run) calls `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help setup deps static run demo test test-fast lint format migrations-check check-deploy bench load worker beat clean

help:
	@echo "make run               set up (venv, npm, static, migrations, demo data) and start on http://$(HOST):$(PORT)"
	@echo "make test              run the whole test suite (PostgreSQL, Redis, Chromium when available)"
	@echo "make lint              ruff and the import contracts (lint-imports)"
	@echo "make migrations-check  fail if models and migrations differ"
	@echo "make bench             performance benchmarks (perf/)"
	@echo "make load              the portal under gunicorn and PostgreSQL, 50 signed-in connections for 60 s (perf/load.py)"
	@echo "make worker / beat     Celery worker / beat (needs REDIS_URL)"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.deps: requirements/base.txt requirements/dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements/dev.txt
	@touch $@

deps: $(VENV)/.deps

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

static/build/portal.css: node_modules/.package-lock.json static_src/portal.scss
	npm run --silent build
	rm -rf static/vendor/govuk && mkdir -p static/vendor/govuk
	cp -r node_modules/govuk-frontend/dist/govuk/assets static/vendor/govuk/assets
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/vendor/govuk/

static: static/build/portal.css

setup: deps static
	$(MANAGE) migrate --noinput

demo: setup
	$(MANAGE) load_demo

run: demo
	DEBUG=$${DEBUG:-1} $(MANAGE) runserver $(HOST):$(PORT)

test: deps static
	$(PY) tests/prepare.py
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: deps static
	$(PY) -m pytest -m "not browser and not worker" $(PYTEST_ARGS)

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: deps
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations-check: deps
	$(MANAGE) makemigrations --check --dry-run

check-deploy: deps
	DJANGO_SETTINGS_MODULE=kpiportal.settings.production SECRET_KEY=$$($(PY) -c 'import secrets;print(secrets.token_urlsafe(60))') ALLOWED_HOSTS=kpi.example.org $(MANAGE) check --deploy --fail-level WARNING

bench: setup
	$(PY) perf/run.py

# LOAD_SECONDS, LOAD_CONNECTIONS, LOAD_WORKERS… (see perf/load.py); DATABASE_URL to load an existing database.
load: deps static
	$(PY) perf/load.py

worker: deps
	$(VENV)/bin/celery -A kpiportal worker --loglevel=INFO

beat: deps
	$(VENV)/bin/celery -A kpiportal beat --loglevel=INFO

clean:
	rm -rf $(VENV) node_modules static/build static/vendor staticfiles
