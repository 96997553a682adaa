# minegas — one-command setup. Every target installs what it needs first.
#   make demo   set up, then run the main job on embedded defaults (SQLite + Parquet under ./var/demo)
#   make test   set up, start a local PostgreSQL for the registry tests, run the whole test suite
#   make bench  set up, run the benchmarks (JSON results in ./var/bench)
#   make lint   ruff + mypy
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEMO_HOME ?= $(CURDIR)/var/demo
BENCH_OUT ?= $(CURDIR)/var/bench
PYTEST_ARGS ?=

.PHONY: setup sysdeps demo test bench lint lock clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --requirement requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation --editable .
	@touch $@

sysdeps:
	@scripts/system-deps.sh

setup: $(STAMP) sysdeps

demo: setup
	MINEGAS_HOME=$(DEMO_HOME) $(VENV)/bin/minegas demo

test: setup
	@export MINEGAS_TEST_PG_URL="$${MINEGAS_TEST_PG_URL:-$$(scripts/pg-test-server.sh)}" || exit 1; \
	  $(PY) -m pytest $(PYTEST_ARGS)

bench: setup
	@mkdir -p $(BENCH_OUT)
	$(PY) -m benchmarks.run --out $(BENCH_OUT)

lint: setup
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/mypy

# Re-resolve the pinned set from pyproject.toml (needs the package registry).
lock:
	rm -rf /tmp/minegas-lock && $(PYTHON) -m venv /tmp/minegas-lock
	/tmp/minegas-lock/bin/pip install --quiet ".[spark,dev]" "setuptools>=68" wheel
	{ echo "# Exact versions installed by 'make' (generated: pip install '.[spark,dev]' then pip freeze, Python 3.11)."; \
	  echo "# Regenerate with: make lock"; /tmp/minegas-lock/bin/pip freeze --all --exclude minegas --exclude pip; } > requirements.lock

clean:
	rm -rf $(VENV) var build src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
