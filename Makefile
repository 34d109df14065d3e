# Two commands for a newcomer: `make demo` and `make test`.
# Both create .venv on first use and install the package with what it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= reports/demo
DATA_DIR ?= $(DEMO_DIR)/data

.PHONY: demo test lint install clean browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,spark]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (eah-eval)" >/dev/null
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/eah-eval demo-data --out $(DATA_DIR) --seed 20261130
	$(BIN)/eah-eval report --data $(DATA_DIR) --out $(DEMO_DIR)
	$(BIN)/eah-eval monitor --data $(DATA_DIR) --out $(DEMO_DIR)/monitoring

browser:
	bash scripts/ensure_chromium.sh

# One BLAS thread per test worker: oversubscribed BLAS threads made single products ~70x slower.
test: $(STAMP) browser
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m eah_eval.data.schema_docs --check
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 -q --durations=15

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) reports/demo
