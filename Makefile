# The two commands: `make run` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PORT ?= 8000

.PHONY: run test lint format openapi bench container install clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install  ## migrate the SQLite database, load demo data once, serve on :8000
	$(BIN)/pdca migrate
	$(BIN)/pdca load-demo
	$(BIN)/pdca serve --port $(PORT)

test: install  ## the whole suite (SQLite; PostgreSQL too when TEST_DATABASE_URL is set)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff format --check app tests migrations
	$(BIN)/ruff check app tests migrations
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff format app tests migrations
	$(BIN)/ruff check --fix app tests migrations

openapi: install  ## regenerate openapi/openapi.json from the app
	$(BIN)/pdca openapi

bench: install  ## performance figures, as ratios against bare baselines served the same way
	@command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null || \
	  { echo "make bench needs wrk: apt-get install wrk" >&2; exit 1; }
	$(BIN)/python -m tests.benchmarks $(BENCH_ARGS)

container:  ## build the image with podman and check that it serves on 127.0.0.1:18000
	BUILDAH_FORMAT=docker ../shared/tools/container-build . --run 18000

clean:
	rm -rf $(VENV) pdca.db pdca.db-wal pdca.db-shm .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
