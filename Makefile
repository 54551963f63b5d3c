# The two commands a newcomer needs: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
SANDBOX_PORT ?= 8765
NPM ?= npm

.PHONY: install run serve test lint format migrate sandbox graphql-schema messages clean frontend frontend-check

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

# Local quickstart: SQLite, demo data, the Bootpay sandbox emulator and the dev server.
run: export DEBUG ?= 1
run: export BOOTPAY_API_URL ?= http://$(HOST):$(SANDBOX_PORT)/v2
run: migrate frontend
	$(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@$(PY) manage.py bootpay_sandbox --host $(HOST) --port $(SANDBOX_PORT) & sandbox_pid=$$!; \
	trap 'kill $$sandbox_pid 2>/dev/null' EXIT INT TERM; \
	sleep 1; \
	echo; \
	echo "  Shop (checkout):   http://$(HOST):$(PORT)/"; \
	echo "  REST API:          http://$(HOST):$(PORT)/api/v1/"; \
	echo "  OpenAPI (Swagger): http://$(HOST):$(PORT)/api/docs/"; \
	echo "  GraphQL (GraphiQL): http://$(HOST):$(PORT)/graphql/"; \
	echo "  Django admin:      http://$(HOST):$(PORT)/admin/"; \
	echo "  Bootpay sandbox:   http://$(HOST):$(SANDBOX_PORT)/v2 (control API: /_sandbox/)"; \
	echo; \
	$(PY) manage.py runserver $(HOST):$(PORT)

sandbox: install
	$(PY) manage.py bootpay_sandbox --host $(HOST) --port $(SANDBOX_PORT)

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

# After changing the GraphQL schema: refresh the committed SDL (a test fails while it is stale).
graphql-schema: install
	$(PY) manage.py export_schema graphql_api.schema:schema --path graphql_api/schema.graphql

# After editing locale/*/LC_MESSAGES/django.po: compile the .mo files (committed; no GNU gettext needed).
messages: install
	$(PY) -c 'import pathlib, polib; [polib.pofile(str(p)).save_as_mofile(str(p.with_suffix(".mo"))) for p in pathlib.Path("locale").glob("*/LC_MESSAGES/*.po")]'

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles frontend/node_modules frontend/dist
