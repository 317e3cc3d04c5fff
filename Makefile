# ybj: every set-up step is here, so a fresh clone needs only `make run` or `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RUN_DIR ?= $(CURDIR)/.run
export YBJ_RUN_DIR := $(RUN_DIR)

.PHONY: help venv proto infra-up infra-down run stop test test-unit test-integration lint format bench clean

help:
	@echo "make run           start Kafka, PostgreSQL and every service with demo data (Ctrl-C stops)"
	@echo "make stop          stop everything make run started"
	@echo "make test          install what is needed, lint, and run the whole suite on real Kafka/PostgreSQL"
	@echo "make test-unit     fast tests only (no infrastructure)"
	@echo "make lint          ruff, ruff format --check, mypy --strict, import contracts"
	@echo "make infra-up      start only Kafka and PostgreSQL;  make infra-down stops them"
	@echo "make proto         generate the gRPC code from proto/"
	@echo "make bench         measure throughput, lag and memory beside the physical limits (bench/README.md)"

$(STAMP): requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "ybj needs $(PYTHON) on PATH (Python 3.11)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	$(PY) -m ybj_dev.fonts
	touch $(STAMP)

venv: $(STAMP)

proto: $(STAMP)
	$(PY) -m ybj_dev.protogen

infra-up: $(STAMP)
	$(PY) -m ybj_dev infra up

infra-down: $(STAMP)
	$(PY) -m ybj_dev infra down

run: proto
	$(PY) -m ybj_dev run

stop: $(STAMP)
	$(PY) -m ybj_dev stop

lint: proto
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test-unit: proto
	$(VENV)/bin/pytest tests/unit -q

test-integration: proto
	$(VENV)/bin/pytest tests/integration -q

test: lint
	$(VENV)/bin/pytest -q

bench: proto
	$(PY) -m bench.run $(BENCH_ARGS)

clean: stop
	rm -rf $(RUN_DIR) $(VENV)
