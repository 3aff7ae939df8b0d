# Every target creates .venv and installs what it needs; run any of them on a fresh clone.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# torch 2.13.0 is a CPU build on these machines; a bare `torch` requirement pulls a CUDA build.
TORCH := torch==2.13.0
# OpenRLHF's light dependencies: enough for its agent executors and datasets to import on a CPU.
OPENRLHF_LIGHT := openrlhf==0.11.2
# verl and tensordict without their dependencies (a CUDA torch among them); see requirements/verl-cpu.txt.
VERL_LIGHT := verl==0.9.1 tensordict==0.10.0
# TRL and the environment hubs. The CPU torch installed first satisfies accelerate's torch
# requirement, so nothing pulls a CUDA build. verifiers goes in without its dependencies
# (sandboxes, MCP, model clients) plus the few that `import verifiers.v1` needs.
TRL := trl==1.16.0
VERIFIERS_LIGHT := verifiers==0.4.0
# One extra's requirements, read from pyproject.toml: installing them apart keeps the
# editable install (and its mypyc build, about a minute) to one run per .venv.
EXTRA = $(BIN)/python -c "import sys, tomllib; \
  print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies'][sys.argv[1]], sep='\\n')"

.PHONY: demo test test-slow test-gpu lint bench clean

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

$(VENV)/.verl: $(VENV)/.openrlhf
	$(BIN)/pip install -q --no-deps $(VERL_LIGHT)
	$(BIN)/pip install -q -r requirements/verl-cpu.txt
	touch $@

$(VENV)/.trl: $(VENV)/.train
	$(BIN)/pip install -q $(TRL)
	$(EXTRA) trl > $(VENV)/trl.txt
	$(BIN)/pip install -q -r $(VENV)/trl.txt
	touch $@

$(VENV)/.hubs: $(VENV)/.trl
	$(BIN)/pip install -q --no-deps $(VERIFIERS_LIGHT)
	$(BIN)/pip install -q -r requirements/hubs.txt
	touch $@

demo: $(VENV)/.train
	$(BIN)/edgegym demo

lint: $(VENV)/.core
	$(BIN)/ruff check edgegym tests benchmarks examples setup.py
	$(BIN)/ruff format --check edgegym tests benchmarks examples setup.py
	$(BIN)/mypy

test: $(VENV)/.verl $(VENV)/.hubs lint
	$(BIN)/python -m pytest

test-slow: $(VENV)/.verl $(VENV)/.hubs
	$(BIN)/python -m pytest -m slow

# Tests that need a CUDA device (skipped by `make test`).
test-gpu: $(VENV)/.openrlhf
	$(BIN)/python -m pytest -m gpu

bench: $(VENV)/.train
	$(BIN)/pip install -q -r requirements/bench.txt
	for f in benchmarks/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
