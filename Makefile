# Two commands set everything up on a fresh machine:
#   make sample   start the local Argilla and push the bundled Spanish sample campaign
#                 (make sample PORT=6901: on another port, when 6900 is taken)
#   make test     run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
PORT   ?=

.PHONY: install sample test lint bench clean

$(BIN)/annotate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -U pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[dev]"
	touch $(BIN)/annotate

install: $(BIN)/annotate

sample: install
	$(BIN)/annotate server start $(if $(PORT),--port $(PORT))
	$(BIN)/annotate push -c configs/sample-es.yaml
	$(BIN)/annotate status -c configs/sample-es.yaml

# Test workers (pytest-xdist); each test file runs whole on one worker, with its own server.
JOBS ?= 2

test: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -q -n $(JOBS) --dist loadfile --durations=20

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
