# The two commands a newcomer needs: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
SANDBOX_PORT ?= 8765
NPM ?= npm

.PHONY: install run serve serve-environment test lint format migrate sandbox graphql-schema api-snapshot messages clean frontend frontend-check bench bench-events bench-renewals container-check soak

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# The checkout bundle (frontend/): Node.js 20+ with npm, dependencies from the committed lockfile.
frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	@command -v $(NPM) >/dev/null 2>&1 || { \
	  echo "error: npm not found. The checkout bundle needs Node.js 20 or newer with npm" >&2; \
	  echo "       (e.g. apt-get install nodejs npm, or your platform's Node.js installer)." >&2; exit 1; }
	cd frontend && $(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

frontend: frontend/node_modules/.installed
	cd frontend && $(NPM) run --silent build

# Generated GraphQL types up to date with graphql_api/schema.graphql, type check, unit tests.
frontend-check: frontend/node_modules/.installed
	cd frontend && $(NPM) run --silent codegen:check && $(NPM) run --silent typecheck && $(NPM) test --silent

migrate: install
	$(PY) manage.py migrate --noinput

# Local quickstart: SQLite, demo data, the Bootpay sandbox emulator and the dev server. The emulator
# notifies the dev server's webhook endpoint as Bootpay would (a deposit pays the order by itself).
# The demo accounts are printed last, after the URLs and once the emulator has printed its banner, so
# they are what the terminal shows when the dev server starts instead of scrolling away above it.
run: export DEBUG ?= 1
run: export BOOTPAY_API_URL ?= http://$(HOST):$(SANDBOX_PORT)/v2
# Mail is printed on the console (the local EMAIL_BACKEND); 알림톡 is recorded, never sent (docs/events.md).
run: export NOTIFICATION_CHANNELS ?= email=payments.events.services.channels.EmailChannel,alimtalk=payments.events.services.channels.SandboxAlimtalkChannel
run: migrate frontend
	@color=; if [ -t 1 ]; then color=--force-color; fi; \
	demo="$$($(PY) manage.py seed_demo $$color)" || exit 1; \
	$(PY) manage.py collectstatic --noinput --verbosity 0 || exit 1; \
	PYTHONUNBUFFERED=1 $(PY) manage.py bootpay_sandbox --host $(HOST) --port $(SANDBOX_PORT) \
	  --webhook-url http://$(HOST):$(PORT)/api/v1/webhooks/bootpay/ & sandbox_pid=$$!; \
	trap 'kill $$sandbox_pid 2>/dev/null' EXIT INT TERM; \
	for i in $$(seq 50); do \
	  kill -0 $$sandbox_pid 2>/dev/null || exit 1; \
	  $(PY) -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
	    http://$(HOST):$(SANDBOX_PORT)/_sandbox/health 2>/dev/null && break; \
	  sleep 0.2; \
	done; \
	echo; \
	echo "  Shop (checkout):   http://$(HOST):$(PORT)/"; \
	echo "  REST API:          http://$(HOST):$(PORT)/api/v1/"; \
	echo "  OpenAPI (Swagger): http://$(HOST):$(PORT)/api/docs/"; \
	echo "  GraphQL (GraphiQL): http://$(HOST):$(PORT)/graphql/"; \
	echo "  Django admin:      http://$(HOST):$(PORT)/admin/"; \
	echo "  Bootpay sandbox:   http://$(HOST):$(SANDBOX_PORT)/v2 (control API: /_sandbox/)"; \
	echo "                     webhooks to http://$(HOST):$(PORT)/api/v1/webhooks/bootpay/"; \
	echo; \
	echo "$$demo"; \
	echo; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# Production-like local run: the Procfile's processes (gunicorn web, a Celery worker, beat) under honcho,
# against PostgreSQL and Redis from the environment (docs/deploy.md). Ctrl-C stops all of them.
serve: export DJANGO_ENV ?= production
serve: export SECURE_SSL_REDIRECT ?= 0
serve: export SESSION_COOKIE_SECURE ?= 0
serve: export CSRF_COOKIE_SECURE ?= 0
serve: export GUNICORN_BIND ?= $(HOST):$(PORT)
serve: serve-environment install frontend
	$(PY) manage.py check --deploy --fail-level ERROR
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@# honcho runs each Procfile line in its own process group; on Ctrl-C (SIGINT) or SIGTERM it sends
	@# SIGTERM to every group (gunicorn and Celery finish what they are doing), SIGKILL after 5 s.
	@# The trap passes a TERM that reaches only this shell on to honcho, so nothing outlives make.
	@PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start -f Procfile & honcho_pid=$$!; \
	trap 'kill -TERM $$honcho_pid 2>/dev/null; wait $$honcho_pid' INT TERM; \
	wait $$honcho_pid

serve-environment:
	@if [ -z "$$DATABASE_URL" ] || [ -z "$$REDIS_URL" ]; then \
	  echo "error: make serve runs against PostgreSQL and Redis: set DATABASE_URL and REDIS_URL, e.g." >&2; \
	  echo "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/shop REDIS_URL=redis://127.0.0.1:6379/0 \\" >&2; \
	  echo "  SECRET_KEY=... BILLING_KEY_ENCRYPTION_KEYS=... BOOTPAY_MODE=sandbox make serve" >&2; \
	  echo "  (make run is the SQLite quickstart)" >&2; \
	  exit 2; fi
	@case "$$DATABASE_URL" in postgres*|pgsql*) ;; *) \
	  echo "error: make serve is for PostgreSQL; DATABASE_URL is not a postgres:// URL" >&2; exit 2;; esac

sandbox: install
	$(PY) manage.py bootpay_sandbox --host $(HOST) --port $(SANDBOX_PORT) \
	  --webhook-url http://$(HOST):$(PORT)/api/v1/webhooks/bootpay/

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The whole suite. With DATABASE_URL pointing at PostgreSQL the concurrency tests run too; the browser
# tests (tests/e2e) need Chromium (/usr/bin/chromium, or CHROMIUM_PATH) and skip loudly without it.
test: lint frontend-check frontend
	$(PY) manage.py makemigrations --check --dry-run --verbosity 0
	$(PY) -m pytest $(PYTEST_ARGS)

# The performance table of docs/performance.md (not part of `make test`): throwaway PostgreSQL databases
# (BENCH_DATABASE_URL, else DATABASE_URL), gunicorn on 127.0.0.1, wrk. `make bench BENCH_ORDERS=100000`
# for a quicker run; BENCH_DURATION (s per load run) and BENCH_ROUNDS as well. With REDIS_URL it ends with
# the renewal rows (bench-renewals: real Celery workers; the Redis database of REDIS_URL is flushed).
BENCH_ORDERS ?= 1000000
BENCH_DURATION ?= 5
BENCH_ROUNDS ?= 3
bench: install
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "error: make bench needs wrk (HTTP load generator): apt-get install wrk (or brew install wrk)" >&2; exit 1; }
	$(PY) tests/bench/bench_table.py --orders $(BENCH_ORDERS) --duration $(BENCH_DURATION) --rounds $(BENCH_ROUNDS)

# Partner webhook delivery rate of real Celery workers, 1 then 2 (docs/events.md "Measured"): needs
# DATABASE_URL (PostgreSQL; a throwaway test database is made) and REDIS_URL (its database is flushed).
BENCH_EVENTS ?= 1000
bench-events: install
	@test -n "$(DATABASE_URL)" -a -n "$(REDIS_URL)" || { 	  echo "error: make bench-events needs DATABASE_URL (PostgreSQL) and REDIS_URL" >&2; exit 1; }
	$(PY) tests/bench/bench_event_delivery.py --events $(BENCH_EVENTS)

# Renewal rate of real Celery workers, 1 then 2 (docs/billing.md "How renewals run"): 2,000 due renewals,
# 100 ms at the emulator on each charge; needs DATABASE_URL (PostgreSQL; a throwaway test database is made)
# and REDIS_URL (its database is flushed).
BENCH_RENEWALS ?= 2000
bench-renewals: install
	@test -n "$(DATABASE_URL)" -a -n "$(REDIS_URL)" || { \
	  echo "error: make bench-renewals needs DATABASE_URL (PostgreSQL) and REDIS_URL" >&2; exit 1; }
	$(PY) tests/bench/bench_renewals.py --renewals $(BENCH_RENEWALS)

# The container image (Dockerfile) built with podman from base images made of Debian packages, then run with
# host networking against DATABASE_URL (PostgreSQL, migrated and seeded) and REDIS_URL: health checks and a
# checkout (docs/operations.md "The container"). Root, podman, runc, debootstrap; not in `make test` (minutes).
container-check:
	@test -n "$(DATABASE_URL)" -a -n "$(REDIS_URL)" || { \
	  echo "error: make container-check needs DATABASE_URL (PostgreSQL) and REDIS_URL" >&2; exit 1; }
	tests/container/container_check.sh

# The chaos soak (docs/operations.md "The chaos soak"; not part of `make test`): gunicorn, two Celery
# workers, beat, a redis-server of its own (on SOAK_REDIS_PORT, default a free port) and the emulator,
# under mixed traffic and injected faults for SOAK_SECONDS, then our books checked against the emulator's.
# Needs DATABASE_URL (PostgreSQL; the database <name>_soak is dropped and made again) and redis-server.
SOAK_SECONDS ?= 1200
SOAK_REDIS_PORT ?= 0
soak: install
	@case "$$DATABASE_URL" in postgres*) ;; *) \
	  echo "error: make soak needs DATABASE_URL (PostgreSQL)" >&2; exit 1;; esac
	$(PY) tests/soak/run_soak.py --seconds $(SOAK_SECONDS) --redis-port $(SOAK_REDIS_PORT) $(SOAK_ARGS)

# After changing the GraphQL schema: refresh the committed SDL (a test fails while it is stale).
graphql-schema: install
	$(PY) manage.py export_schema graphql_api.schema:schema --path graphql_api/schema.graphql

# After an intended change of the REST API: refresh the committed OpenAPI snapshot (a test fails while it differs).
api-snapshot: install
	$(PY) manage.py spectacular --file tests/snapshots/openapi.yaml

# After editing locale/*/LC_MESSAGES/django.po: compile the .mo files (committed; no GNU gettext needed).
messages: install
	$(PY) -c 'import pathlib, polib; [polib.pofile(str(p)).save_as_mofile(str(p.with_suffix(".mo"))) for p in pathlib.Path("locale").glob("*/LC_MESSAGES/*.po")]'

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles frontend/node_modules frontend/dist
