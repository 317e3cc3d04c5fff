# ybj: every set-up step is here, so a fresh clone needs only `make run` or `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RUN_DIR ?= $(CURDIR)/.run
export YBJ_RUN_DIR := $(RUN_DIR)

# The web pages (web/README.md): npm ci when the lockfile changes, the build when any source does (stamps).
WEB_INSTALLED := web/node_modules/.ybj-installed
WEB_BUILT := web/dist/.ybj-built
WEB_SOURCES := $(shell find web \( -path web/node_modules -o -path web/dist \) -prune -o -type f ! -name '*.md' -print 2>/dev/null)
# The browser tests drive Debian's Chromium (never a browser Playwright downloads).
CHROMIUM := /usr/bin/chromium

.PHONY: help venv proto web browser infra-up infra-down run stop test test-unit test-integration test-browser lint \
	format bench clean image kustomize

help:
	@echo "make run           start Kafka, PostgreSQL and every service with demo data (Ctrl-C stops)"
	@echo "make stop          stop everything make run started"
	@echo "make test          install what is needed, lint, and run the whole suite on real Kafka/PostgreSQL"
	@echo "make test-unit     fast tests only (no infrastructure)"
	@echo "make test-browser  the console and H5 pages in Chromium (Playwright) on a platform of their own"
	@echo "make web           build the console and H5 pages into web/dist (npm ci, npm run build)"
	@echo "make lint          ruff, ruff format --check, mypy --strict, import contracts"
	@echo "make infra-up      start only Kafka and PostgreSQL;  make infra-down stops them"
	@echo "make proto         generate the gRPC code from proto/"
	@echo "make image         build the OCI image ybj/platform:<version> (Containerfile) with buildah, podman or docker"
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

$(WEB_INSTALLED): web/package.json web/package-lock.json
	@command -v npm >/dev/null || { echo "the web pages need Node.js 20+ and npm 11 on PATH"; exit 1; }
	cd web && npm ci --no-audit --no-fund
	touch $(WEB_INSTALLED)

$(WEB_BUILT): $(WEB_INSTALLED) $(WEB_SOURCES)
	cd web && npm run build
	touch $(WEB_BUILT)

web: $(WEB_BUILT)

# Debian's Chromium for the browser tests: installed when missing (as root), else say how.
browser:
	@if [ -x $(CHROMIUM) ]; then exit 0; \
	elif [ "$$(id -u)" = 0 ]; then \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y --no-install-recommends chromium \
			|| { apt-get update && apt-get install -y --no-install-recommends chromium; }; \
	else \
		echo "The browser tests need Debian's Chromium at $(CHROMIUM); install it once with:"; \
		echo "  sudo apt-get install -y --no-install-recommends chromium"; \
		exit 1; \
	fi

proto: $(STAMP)
	$(PY) -m ybj_dev.protogen

infra-up: $(STAMP)
	$(PY) -m ybj_dev infra up

infra-down: $(STAMP)
	$(PY) -m ybj_dev infra down

run: proto web
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

# The pinned kustomize (go install into .tools/, once) that renders deploy/k8s for the manifests' offline validation.
kustomize: $(STAMP)
	$(PY) -m ybj_dev.kustomize install >/dev/null

test-unit: proto kustomize
	$(VENV)/bin/pytest tests/unit -q

test-integration: proto
	$(VENV)/bin/pytest tests/integration -q

test-browser: proto web browser
	$(VENV)/bin/pytest tests/browser -q -m browser

# The browser tests run last, on a platform of their own, once the integration tests' platform has stopped.
test: lint web browser kustomize
	$(VENV)/bin/pytest -q -m "not browser"
	$(VENV)/bin/pytest tests/browser -q -m browser

# The image builds the gRPC code and the web pages itself: only the venv (for the script that finds a builder).
image: $(STAMP)
	$(PY) -m ybj_dev.image build $(if $(IMAGE_TAG),--tag $(IMAGE_TAG))

bench: proto
	$(PY) -m bench.run $(BENCH_ARGS)

clean: stop
	rm -rf $(RUN_DIR) $(VENV) web/node_modules web/dist
