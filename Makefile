# vulndesk: one command per task. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help run test check lint bench venv clean fonts

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip==25.3"
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP) ## Create the virtualenv and install vulndesk with its pinned dependencies

fonts: ## Install Chinese fonts for PDF reports where missing (Debian, as root)
	@fc-list ':lang=zh' 2>/dev/null | grep -q . || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; \
	  else echo "note: install fonts-noto-cjk for Chinese PDF reports"; fi; }

run: venv fonts ## Set up SQLite with a demo organisation and serve on 127.0.0.1:8000
	$(BIN)/vulndesk init
	$(BIN)/vulndesk demo --if-empty
	$(BIN)/vulndesk serve

lint: venv ## ruff, mypy (strict on src, relaxed on tests) and the import-layer contracts
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/mypy
	$(BIN)/mypy tests
	$(BIN)/lint-imports

check: venv ## While working, under a minute: ruff, mypy on src, the layer contracts, unit tests
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest tests/unit -q -m "not slow" -p no:cacheprovider

test: venv lint ## Lint, then the whole test suite on SQLite and PostgreSQL
	$(BIN)/pytest -n 2 --dist loadgroup

bench: venv ## Benchmarks; results in bench/results/*.json and docs/performance.md
	$(BIN)/python -m bench.run

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
