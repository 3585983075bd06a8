# sladesk: `make run` starts the desk with demo data, `make test` runs every test.
# Both set up .venv/ first (from pyproject.toml), so they work on a fresh clone.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
PIP    := $(PY) -m pip install -q --disable-pip-version-check
PG_URL ?= postgres://postgres@127.0.0.1:5432/sladesk
# Framework-free suites (tests/pure/) run without the Django plugin: the SLA core, mail
# parsing and the delivery channels must not need Django. Every other folder of tests/ is a
# Django area and runs twice, on SQLite and on PostgreSQL (tests/README.md: the layout).
PURE_TESTS := tests/pure
DJANGO_TESTS := tests --ignore=tests/pure
PYTEST := $(PY) -m pytest -p no:cacheprovider -q

.PHONY: run test system-deps test-pure test-sqlite test-postgres lint typecheck bench clean lock audit

# Two install levels: `make run` needs only the server: the exact versions and hashes of
# requirements/server.lock (pip refuses any file whose hash differs), then sladesk itself
# without dependencies; tests, lint, types and benchmarks add the dev and bench extras on
# top of the same locked server versions. pip is used as the venv ships it (no self-upgrade
# on every fresh clone). pyproject.toml keeps the ranges; `make lock` refreshes the lock.
LOCK := requirements/server.lock

$(RUN_STAMP): pyproject.toml $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) --require-hashes -r $(LOCK)
	$(PIP) --no-deps -e .
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) --require-hashes -r $(LOCK)
	$(PIP) -e '.[server,dev,bench]'
	touch $(STAMP) $(RUN_STAMP)

# Re-resolve the server install within pyproject.toml's ranges (plus requirements/server.in)
# and write every version with the hashes of all its files (pip-tools: pip's own resolver).
lock: $(STAMP)
	$(VENV)/bin/pip-compile -q --extra server --generate-hashes --allow-unsafe --strip-extras \
	  --no-emit-index-url --no-emit-find-links --upgrade -o $(LOCK) pyproject.toml requirements/server.in

# The lock against a vulnerability database: fails on a known vulnerability, says
# "NOT AUDITED" (and passes) when no database that knows these releases is reachable.
audit: $(STAMP)
	$(PY) .ci/audit_lock.py $(LOCK)

# `make run PORT=8123` (or ADDR=0.0.0.0:8123) serves elsewhere than 127.0.0.1:8000.
# The demo's mail comes "through the company MTA" mx.support.example.com: its
# Authentication-Results count (docs/email.md, Authentication); any other is ignored.
run: $(RUN_STAMP)
	SLADESK_TRUSTED_AUTHSERV_IDS=$${SLADESK_TRUSTED_AUTHSERV_IDS-mx.support.example.com} \
	  $(VENV)/bin/sladesk run $(or $(ADDR),$(if $(PORT),127.0.0.1:$(PORT)))

test: lint typecheck audit test-pure system-deps test-sqlite test-postgres

# System packages real-component tests start: Debian's Chromium (browser tests; never a
# downloaded browser build), Dovecot (the IMAP server the email tests poll), poppler's
# pdftotext (the statement PDF is read back) and pango (WeasyPrint renders the PDF).
system-deps:
	@missing=""; [ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -x /usr/sbin/dovecot ] || missing="$$missing dovecot-imapd"; \
	[ -x /usr/bin/pdftotext ] || missing="$$missing poppler-utils"; \
	python3 -c "import ctypes.util,sys; sys.exit(not ctypes.util.find_library('pango-1.0'))" || missing="$$missing libpango-1.0-0"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "NOTE: missing Debian packages:$$missing (tests that need them skip outside CI)"; fi; \
	fi

test-pure: $(STAMP)
	$(PYTEST) -p no:django -W ignore::pytest.PytestConfigWarning $(PURE_TESTS)

# The Django suite runs twice: on SQLite (the embedded default) and on PostgreSQL. The
# PostgreSQL pass ends with the soak test alone (about 3 minutes; its timing assertions
# want the machine to itself) and prints its figures (docs/deployment.md, "Soak test").
test-sqlite: $(STAMP)
	env -u DATABASE_URL $(PYTEST) -n 2 -m "not soak" $(DJANGO_TESTS)

# The browser tests run once, on SQLite: they check pages, not the database.
test-postgres: $(STAMP)
	@if $(PY) -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0]+'/postgres', connect_timeout=3).close()" 2>/dev/null; then \
	  DATABASE_URL=$(PG_URL) SLADESK_REQUIRE_POSTGRES=1 $(PYTEST) -n 2 -m "not soak" $(DJANGO_TESTS) --ignore=tests/browser && \
	  DATABASE_URL=$(PG_URL) SLADESK_REQUIRE_POSTGRES=1 $(PYTEST) -s -m soak tests/core/test_soak.py; \
	elif [ "$${CI:-}" = "true" ]; then \
	  echo "FAIL: PostgreSQL at $(PG_URL) is not reachable; CI must run the PostgreSQL tests"; exit 1; \
	else \
	  echo "NOTE: PostgreSQL not reachable at $(PG_URL); PostgreSQL tests skipped (CI fails here)"; \
	fi

# ruff check includes E501 (line length 100); ruff format --check keeps one layout.
lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
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
