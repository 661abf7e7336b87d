# Two entry points: `make run` (the whole system, embedded) and `make test` (the whole suite, twice).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test test-sqlite test-postgres token migration dlq-replay bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) -m shared.devstack

test: install
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: install
	JOINTSUP_TEST_DB=sqlite $(PY) -m pytest $(PYTEST_ARGS)

test-postgres: install
	JOINTSUP_TEST_DB=postgres $(PY) -m pytest $(PYTEST_ARGS)

token: install  ## make token AGENCY=440100-amr ROLES=officer,lead
	@$(VENV)/bin/jointsup-token --agency $(AGENCY) --roles $(ROLES)

migration: install  ## make migration SERVICE=complaints MSG="add x"
	mkdir -p data
	$(PY) -c "import sys; from alembic import command; from shared.db import alembic_config; \
	cfg = alembic_config('sqlite:///data/_autogen_$(SERVICE).db', '$(SERVICE)'); command.upgrade(cfg, 'head'); \
	command.revision(cfg, message='$(MSG)', autogenerate=True, version_path='services/$(SERVICE)/migrations')"
	rm -f data/_autogen_$(SERVICE).db

dlq-replay: install  ## make dlq-replay SERVICE=notify
	$(VENV)/bin/jointsup-dlq replay --service $(SERVICE)

bench: install  ## the benchmarks under bench/ (BENCH_ARGS="--database-url postgresql://127.0.0.1/test")
	$(PY) -m bench.complaints_stats $(BENCH_ARGS)
	$(PY) -m bench.credit_sanction_check $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data .pytest_cache
