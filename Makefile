# Every target creates .venv and installs what it needs; run any of them on a fresh clone.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# torch 2.13.0 is a CPU build on these machines; a bare `torch` requirement pulls a CUDA build.
TORCH := torch==2.13.0
# OpenRLHF's light dependencies: enough for its agent executors and datasets to import on a CPU.
OPENRLHF_LIGHT := openrlhf==0.11.2
# One extra's requirements, read from pyproject.toml: installing them apart keeps the
# editable install (and its mypyc build, about a minute) to one run per .venv.
EXTRA = $(BIN)/python -c "import sys, tomllib; \
  print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies'][sys.argv[1]], sep='\\n')"

.PHONY: demo test test-slow lint bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# The modules setup.py compiles with mypyc: editing one rebuilds (a stale build would run).
HOT := $(shell grep -o 'edgegym/[a-z_/]*\.py' setup.py)

$(VENV)/.core: pyproject.toml setup.py $(HOT) | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

$(VENV)/.train: $(VENV)/.core
	$(BIN)/pip install -q $(TORCH)
	$(EXTRA) train > $(VENV)/train.txt
	$(BIN)/pip install -q -r $(VENV)/train.txt
	touch $@

$(VENV)/.openrlhf: $(VENV)/.train requirements/openrlhf-cpu.txt
	$(BIN)/pip install -q --no-deps $(OPENRLHF_LIGHT)
	$(BIN)/pip install -q -r requirements/openrlhf-cpu.txt
	touch $@

demo: $(VENV)/.train
	$(BIN)/edgegym demo

lint: $(VENV)/.core
	$(BIN)/ruff check edgegym tests benchmarks examples setup.py
	$(BIN)/ruff format --check edgegym tests benchmarks examples setup.py
	$(BIN)/mypy

test: $(VENV)/.openrlhf lint
	$(BIN)/python -m pytest

test-slow: $(VENV)/.openrlhf
	$(BIN)/python -m pytest -m slow

bench: $(VENV)/.train
	$(BIN)/pip install -q -r requirements/bench.txt
	for f in benchmarks/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
