# Technical Services Data Lab -- two commands: `make lab` and `make test`.
# The Makefile stays thin: the logic lives in tools/bootstrap.py and the `course` command.

PYTHON ?= python3
PORT ?= 8888
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
# Tests run on every core (pytest-xdist); `make test TEST_WORKERS=0` runs them in one process.
TEST_WORKERS ?= auto

.PHONY: help lab test setup test-setup data workspace check release bench lint handouts

help:
	@echo "make lab      set everything up, build the data, open JupyterLab at the start page"
	@echo "make test     set up what the tests need and run them all"
	@echo "make data     build the course databases (only when missing or out of date)"
	@echo "make check    the instructors' pipeline gate over every assignment"
	@echo "make release  regenerate release/ from source/"
	@echo "make bench    print the performance figures"
	@echo "make handouts one printable page per module for group sessions (in workspace/handouts)"

# lab, test and data are tools/bootstrap.py's jobs, so that `python tools/bootstrap.py lab` (Windows,
# or anywhere without make) behaves exactly like `make lab`.
export COURSE_VIA := make

lab:
	@$(PYTHON) tools/bootstrap.py lab --venv $(VENV) --port $(PORT)

setup:
	@$(PYTHON) tools/bootstrap.py setup --venv $(VENV)

test-setup:
	@$(PYTHON) tools/bootstrap.py setup --venv $(VENV) --extras test

data:
	@$(PYTHON) tools/bootstrap.py data --venv $(VENV)

workspace: setup
	@$(BIN)/course workspace

test:
	@$(PYTHON) tools/bootstrap.py test --venv $(VENV) --workers $(TEST_WORKERS) -- $(PYTEST_ARGS)

check: setup
	@PATH="$(abspath $(BIN)):$$PATH" $(BIN)/course check

release: setup
	@PATH="$(abspath $(BIN)):$$PATH" $(BIN)/course release

bench: test-setup
	@$(BIN)/course bench

handouts: setup
	@$(BIN)/course handouts

lint: test-setup
	@$(BIN)/ruff check course tests bench tools source nbgrader_config.py
	@$(BIN)/ruff format --check course tests bench tools source nbgrader_config.py
