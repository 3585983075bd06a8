# sladesk: `make run` starts the desk with demo data, `make test` runs every test.
# Both set up .venv/ first (from pyproject.toml), so they work on a fresh clone.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
PIP    := $(PY) -m pip install -q --disable-pip-version-check
PG_URL ?= postgres://postgres@127.0.0.1:5432/sladesk
# Framework-free suites run without the Django plugin: the SLA core must not need Django.
PURE_TESTS := $(wildcard tests/sla tests/intake tests/notify)
PYTEST := $(PY) -m pytest -p no:cacheprovider -q

.PHONY: run test system-deps test-pure test-sqlite test-postgres lint typecheck bench clean

# Two install levels: `make run` needs only the server (.[server], ~20 s from pip's cache);
# tests, lint, types and benchmarks need everything (.[server,dev,bench], which implies the
# run level). pip is used as the venv ships it (no self-upgrade on every fresh clone).
$(RUN_STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) -e '.[server]'
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) -e '.[server,dev,bench]'
	touch $(STAMP) $(RUN_STAMP)

# `make run PORT=8123` (or ADDR=0.0.0.0:8123) serves elsewhere than 127.0.0.1:8000.
# The demo's mail comes "through the company MTA" mx.support.example.com: its
# Authentication-Results count (docs/email.md, Authentication); any other is ignored.
run: $(RUN_STAMP)
	SLADESK_TRUSTED_AUTHSERV_IDS=$${SLADESK_TRUSTED_AUTHSERV_IDS-mx.support.example.com} \
	  $(VENV)/bin/sladesk run $(or $(ADDR),$(if $(PORT),127.0.0.1:$(PORT)))

test: lint typecheck test-pure system-deps test-sqlite test-postgres

# System packages real-component tests start: Debian's Chromium (browser tests; never a
# downloaded browser build) and Dovecot (the IMAP server the email tests poll).
system-deps:
	@missing=""; [ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -x /usr/sbin/dovecot ] || missing="$$missing dovecot-imapd"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "NOTE: missing Debian packages:$$missing (tests that need them skip outside CI)"; fi; \
	fi

test-pure: $(STAMP)
	$(PYTEST) -p no:django -W ignore::pytest.PytestConfigWarning $(PURE_TESTS)

# The Django suite runs twice: on SQLite (the embedded default) and on PostgreSQL.
test-sqlite: $(STAMP)
	@if [ -d tests/server ]; then env -u DATABASE_URL $(PYTEST) -n 2 tests/server $(wildcard tests/browser); fi

test-postgres: $(STAMP)
	@if [ ! -d tests/server ]; then exit 0; fi; \
	if $(PY) -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0]+'/postgres', connect_timeout=3).close()" 2>/dev/null; then \
	  DATABASE_URL=$(PG_URL) SLADESK_REQUIRE_POSTGRES=1 $(PYTEST) -n 2 tests/server; \
	elif [ "$${CI:-}" = "true" ]; then \
	  echo "FAIL: PostgreSQL at $(PG_URL) is not reachable; CI must run the PostgreSQL tests"; exit 1; \
	else \
	  echo "NOTE: PostgreSQL not reachable at $(PG_URL); PostgreSQL tests skipped (CI fails here)"; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/lint-imports

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# Every benchmark, full size (about 20 minutes; each script also takes --quick or size flags).
bench: $(STAMP)
	$(PY) benchmarks/sla_add.py
	$(PY) benchmarks/api_load.py
	$(PY) benchmarks/pages.py
	$(PY) benchmarks/email_ingest.py
	$(PY) benchmarks/timer_latency.py

clean:
	rm -rf $(VENV) var
