# hipsight: two commands to start.  `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
HIPSIGHT := $(VENV)/bin/hipsight
STAMP  := $(VENV)/.installed

.PHONY: demo test lint install models samples bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,ray]"
	@touch $(STAMP)

install: $(STAMP)

models: $(STAMP)
	$(HIPSIGHT) models fetch

samples: $(STAMP)
	$(HIPSIGHT) samples fetch

demo: models samples
	$(HIPSIGHT) analyze samples/sports2d_demo.mp4 --test gait --out out/demo

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks validation
	$(VENV)/bin/ruff format --check src tests benchmarks validation
	$(VENV)/bin/mypy

test: $(STAMP) lint
	$(PY) -m pytest -q

bench: models samples
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
