# 동네5km — `make run` starts the app, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

# Embedded defaults for a local run: SQLite, in-memory channel layer, SQLite task queue.
export DEBUG ?= 1

.PHONY: check-port install run migrate seed test test-services drills bench lighthouse lint messages collectstatic clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

# A port already taken (another `make run`, another app) says so and how to pick another,
# before anything starts and fails with a traceback.
check-port:
	@$(PYTHON) -c "import socket, sys; s = socket.socket(); s.settimeout(1); sys.exit(1 if s.connect_ex(('$(HOST)', int('$(PORT)'))) == 0 else 0)" \
	  || { echo "" >&2; echo "  Port $(PORT) on $(HOST) is already in use (is another 'make run' still running?)." >&2; \
	       echo "  Stop it, or start on another port:  make run PORT=8001" >&2; echo "" >&2; exit 1; }

run: check-port seed
	@echo ""
	@echo "  동네5km is starting: open http://$(HOST):$(PORT)/  (owner console: http://$(HOST):$(PORT)/owner/)"
	@echo ""
	HOST=$(HOST) PORT=$(PORT) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

# pytest exits 5 when it collected no tests: say so instead of a bare "Error 5".
PYTEST_EXIT = { rc=$$?; [ $$rc -ne 5 ] || echo "pytest collected no tests (exit 5): check PYTEST_ARGS" >&2; exit $$rc; }

# The whole suite on the embedded defaults (SQLite, in-memory layer). Browser tests use
# /usr/bin/chromium; service tests use PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set.
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS) || $(PYTEST_EXIT)

# The same suite against PostgreSQL and Redis (the services CI provides).
test-services: install
	DATABASE_URL=$${TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/dongne5km} \
	REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/15} \
	$(BIN)/python -m pytest $(PYTEST_ARGS) || $(PYTEST_EXIT)

# The fault drills alone (several daphne processes, a throwaway Redis, a cut database link).
drills: install
	$(BIN)/python -m pytest -m multiprocess -v $(PYTEST_ARGS) || $(PYTEST_EXIT)

# The benchmark scripts (bench/ also holds modules they share: bare_asgi.py, daphne_pool.py).
BENCHMARKS := og nearby reserve fanout webhooks push insights http_floor

bench: install
	@for name in $(BENCHMARKS); do echo "== bench/$$name.py"; $(BIN)/python bench/$$name.py || exit 1; done

# Lighthouse (npx fetches it from npm) on the pages of each journey, against the demo data on a
# production-like daphne; prints a table of scores. Not part of `make test` or CI.
lighthouse: install
	CHROME_PATH=$${CHROME_PATH:-/usr/bin/chromium} $(BIN)/python bench/lighthouse.py

# ruff's linter and its formatter (CI fails on either).
lint: install
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .

messages: install
	$(BIN)/python manage.py compilemessages --ignore=.venv

collectstatic: install
	DEBUG=0 $(BIN)/python manage.py collectstatic --noinput

clean:
	rm -rf $(VENV) db.sqlite3* .test-db.sqlite3* huey.sqlite3* staticfiles
