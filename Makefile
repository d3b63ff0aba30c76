# iamd: `make run` serves IAM and STS on 127.0.0.1:4599; `make test` runs lint and the
# whole suite on SQLite and then on a throwaway PostgreSQL cluster; `make fuzz` fuzzes
# a running server for longer.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.iamd-run
DEV_STAMP := $(VENV)/.iamd-dev
PYTEST_ARGS ?=

.PHONY: run test test-sqlite test-postgres lint format bench install dev clean browser fuzz nginx

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@ $(RUN_STAMP)

install: $(RUN_STAMP)
dev: $(DEV_STAMP)

run: $(RUN_STAMP)
	$(VENV)/bin/iamd serve --host 127.0.0.1 --port 4599 --data-dir ./iamd-data --signup open

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check src tests scripts bench
	$(VENV)/bin/ruff format --check src tests scripts bench
	$(VENV)/bin/mypy

test-sqlite: $(DEV_STAMP)
	env -u IAMD_TEST_DATABASE_URL $(PY) -m pytest $(PYTEST_ARGS)

test-postgres: $(DEV_STAMP)
	$(PY) scripts/with_postgres.py -- $(PY) -m pytest $(PYTEST_ARGS)

# The fuzzer of tests/server/test_fuzz.py with a long budget and fresh examples, on
# SQLite and then on PostgreSQL, and the in-process readers' fuzzer (policy, SigV4,
# web identity tokens, SAML) with a long budget (make test runs both with small,
# fixed budgets).
FUZZ_EXAMPLES ?= 20000
FUZZ_ENV := IAMD_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) IAMD_FUZZ_RANDOM=1

fuzz: $(DEV_STAMP)
	IAMD_FUZZ_READER_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest tests/protocol/test_reader_fuzz.py \
		--hypothesis-show-statistics $(PYTEST_ARGS)
	env -u IAMD_TEST_DATABASE_URL $(FUZZ_ENV) $(PY) -m pytest tests/server/test_fuzz.py \
		--hypothesis-show-statistics $(PYTEST_ARGS)
	$(FUZZ_ENV) $(PY) scripts/with_postgres.py -- $(PY) -m pytest tests/server/test_fuzz.py \
		--hypothesis-show-statistics $(PYTEST_ARGS)

# The console's browser tests drive Debian's Chromium; install it when it is missing.
browser:
	sh scripts/install_browser.sh

# The forward-auth tests put Debian's nginx in front of iamd; install it when it is missing.
# (Their S3-compatible upstream, moto's server, comes with the dev extras.)
nginx:
	sh scripts/install_nginx.sh

test: lint browser nginx test-sqlite test-postgres

format: $(DEV_STAMP)
	$(VENV)/bin/ruff check --fix src tests scripts bench
	$(VENV)/bin/ruff format src tests scripts bench

bench: $(DEV_STAMP)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
