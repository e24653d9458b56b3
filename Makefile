# `make run` serves the forum at http://127.0.0.1:5000; `make test` runs every test on
# SQLite and on PostgreSQL. Both set up everything they need first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export FLASK_APP := wsgi

.PHONY: setup chromium axe run test test-sqlite test-postgres postgres lint clean wrk bench

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

# Browser tests drive Debian's chromium through Playwright; Playwright's own browser downloads
# are never used (`playwright install` is not run).
chromium:
	@test -x /usr/bin/chromium || { \
	  SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; }

# axe-core (pinned in tests/browser/package-lock.json) runs inside the page for the accessibility check.
AXE := tests/browser/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE)

axe: $(AXE)

run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask seed demo --if-empty
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# Both suites at once (much of a test's time is waiting for a server, a browser or the database,
# so two share 2 cores well), each suite's output printed whole when it ends; each has its own
# database, instance folder, ports and screenshots (pytest's cache, shared, is left out).
test:
	PYTEST_ADDOPTS="-p no:cacheprovider" $(MAKE) --jobs=2 --output-sync=target test-sqlite test-postgres

test-sqlite: setup chromium axe
	$(BIN)/python -m pytest

test-postgres: setup chromium axe postgres
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python -m pytest

# Start the local PostgreSQL server when it is not answering.
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start && \
	  for i in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; }

# The page benchmark (bench/README.md): seeds BENCH_POSTS posts into the instance folder's SQLite
# file (or into DATABASE_URL) once, then serves the forum and the floor app with gunicorn, loads
# them with wrk and prints the table.
BENCH_POSTS ?= 10000
BENCH_INSTANCE ?= instance/bench-$(BENCH_POSTS)

wrk:
	@command -v wrk >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq wrk; }

bench: setup wrk
	test -f $(BENCH_INSTANCE)/seeded || { \
	  FORUM_INSTANCE_PATH=$(BENCH_INSTANCE) $(BIN)/python bench/seed.py $(BENCH_POSTS) && \
	  touch $(BENCH_INSTANCE)/seeded; }
	FORUM_INSTANCE_PATH=$(BENCH_INSTANCE) $(BIN)/python bench/pages.py

lint: setup
	$(BIN)/ruff check forum tests bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
