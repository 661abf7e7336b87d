# Two entry points: `make run` (the whole system, embedded) and `make test` (the whole suite, twice).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install tools run test imports test-sqlite test-postgres token migration dlq-replay bench drills contracts lock clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Offline checkers the contract tests use: the AsyncAPI parser (npm) and kubectl's kustomize (Debian).
TOOLS_STAMP := .tools/.installed-stamp
$(TOOLS_STAMP):
	mkdir -p .tools/node
	npm install --silent --no-audit --no-fund --prefix .tools/node @asyncapi/parser@3
	command -v kubectl >/dev/null || (apt-get update -qq && apt-get install -y -qq kubectl) \
		|| (sudo apt-get update -qq && sudo apt-get install -y -qq kubectl)
	touch $(TOOLS_STAMP)

tools: $(TOOLS_STAMP)

run: install
	$(PY) -m shared.cli.devstack

test: install tools imports
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

imports: install  ## the layers in .importlinter: a pure domain, shared below services, services apart, tooling apart
	$(VENV)/bin/lint-imports

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

contracts: install  ## docs/asyncapi.yaml (committed) and docs/openapi/<service>.json
	$(PY) -m shared.events.asyncapi > docs/asyncapi.yaml
	$(PY) -m shared.cli.openapi docs/openapi

lock:  ## requirements.lock: the image's pinned runtime dependencies, resolved afresh
	rm -rf .tools/lockvenv && $(PYTHON) -m venv .tools/lockvenv
	.tools/lockvenv/bin/pip install --quiet --upgrade pip && .tools/lockvenv/bin/pip install --quiet .
	(echo "# Pinned runtime dependencies of the image (make lock regenerates it from pyproject.toml)."; \
	 .tools/lockvenv/bin/pip freeze --exclude-editable | grep -v '^jointsup') > requirements.lock

drills: install  ## fault drills 1-6 on real processes, PostgreSQL scratch databases; prints the tables
	$(PY) -m drills.run $(DRILL_ARGS)
	$(PY) -m drills.fuzz

bench: install  ## every benchmark under bench/, each against a baseline measured in the same run
	$(PY) -m bench.intake
	$(PY) -m bench.relay $(BENCH_ARGS)
	$(PY) -m bench.e2e
	$(PY) -m bench.consumers
	$(PY) -m bench.reads_at_scale
	$(PY) -m bench.complaints_stats $(BENCH_ARGS)
	$(PY) -m bench.credit_sanction_check $(BENCH_ARGS)
	$(PY) -m bench.scrape

clean:
	rm -rf $(VENV) data .pytest_cache
