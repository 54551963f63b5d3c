# The two commands a newcomer needs: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
SANDBOX_PORT ?= 8765

.PHONY: install run test lint format migrate sandbox graphql-schema clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

# Local quickstart: SQLite, demo data, the Bootpay sandbox emulator and the dev server.
run: export DEBUG ?= 1
run: export BOOTPAY_API_URL ?= http://$(HOST):$(SANDBOX_PORT)/v2
run: migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@$(PY) manage.py bootpay_sandbox --host $(HOST) --port $(SANDBOX_PORT) & sandbox_pid=$$!; \
	trap 'kill $$sandbox_pid 2>/dev/null' EXIT INT TERM; \
	sleep 1; \
	echo; \
	echo "  API server:        http://$(HOST):$(PORT)/"; \
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

# The whole suite. With DATABASE_URL pointing at PostgreSQL the concurrency tests run too.
test: lint
	$(PY) manage.py makemigrations --check --dry-run --verbosity 0
	$(PY) -m pytest $(PYTEST_ARGS)

# After changing the GraphQL schema: refresh the committed SDL (a test fails while it is stale).
graphql-schema: install
	$(PY) manage.py export_schema graphql_api.schema:schema --path graphql_api/schema.graphql

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
