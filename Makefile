# Two commands for a newcomer: `make demo` and `make test`.
# Both create .venv on first use. `make demo` installs the package and what it needs to run
# (no test tools, no Spark); `make test` adds the dev, spark and postgres extras, everything the
# tests use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_STAMP := $(VENV)/.installed-demo
TEST_STAMP := $(VENV)/.installed-test
KERNEL := $(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (eah-eval)"
DEMO_DIR ?= reports/demo
DATA_DIR ?= $(DEMO_DIR)/data

.PHONY: demo test lint install clean browser postgres

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# --no-compile: pip would byte-compile every module of every dependency (about 200 MB, test
# suites included); Python compiles the modules the demo imports on first use (about 55 MB).
$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --no-compile -e .
	$(KERNEL) >/dev/null
	touch $(DEMO_STAMP)

# The test install is a superset of the demo's, so it also marks the demo install done.
$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev,spark,postgres]"
	$(KERNEL) >/dev/null
	touch $(TEST_STAMP) $(DEMO_STAMP)

install: $(TEST_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/eah-eval demo-data --out $(DATA_DIR) --seed 20261130
	$(BIN)/eah-eval report --data $(DATA_DIR) --out $(DEMO_DIR)
	$(BIN)/eah-eval monitor --data $(DATA_DIR) --out $(DEMO_DIR)/monitoring
	$(BIN)/eah-eval finance --data $(DATA_DIR) --out $(DEMO_DIR)/finance \
		--impact-results $(DEMO_DIR)/results.json

browser:
	bash scripts/ensure_chromium.sh

# PostgreSQL server programs for the warehouse test, which starts its own throwaway server.
postgres:
	bash scripts/ensure_postgres.sh

# One BLAS thread per test worker: oversubscribed BLAS threads made single products ~70x slower.
test: $(TEST_STAMP) browser postgres
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m eah_eval.data.schema_docs --check
	$(BIN)/mkdocs build --strict --quiet
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 -q --durations=15

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) reports/demo
