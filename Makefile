# sladesk: `make run` starts the desk with demo data, `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed

.PHONY: run test test-sla test-django lint typecheck bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[server,dev,bench]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m sladesk.cli run

# The SLA core is tested without the Django plugin (it must not need Django).
test: $(STAMP) lint typecheck test-sla test-django

test-sla: $(STAMP)
	$(PY) -m pytest -p no:django -p no:cacheprovider tests/sla -q

test-django: $(STAMP)
	@if [ -d src/sladesk/tickets ]; then $(PY) -m pytest -p no:cacheprovider -q tests/server src; fi

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/lint-imports

typecheck: $(STAMP)
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) benchmarks/sla_add.py

clean:
	rm -rf $(VENV) var
