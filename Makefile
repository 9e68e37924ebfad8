# asocia: `make run` serves the app on SQLite; `make test` runs lint, types and the whole suite.
# Both work on a fresh clone: they create .venv and install what is missing first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_COOPERATIVES ?= 3000
PYTEST_ARGS ?=

.PHONY: run test install lint typecheck pytest browser messages bench clean

run: install
	$(BIN)/asocia db upgrade
	$(BIN)/asocia demo --if-empty --cooperatives $(DEMO_COOPERATIVES)
	$(BIN)/asocia diagnosis demo --if-empty
	$(BIN)/asocia users ensure-admin
	$(BIN)/asocia serve --host $(HOST) --port $(PORT)

test: install browser lint typecheck pytest

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "asocia needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The browser tests drive Debian's Chromium (Playwright's own browser download does not work
# offline); install it when we can, otherwise those tests are skipped with a reason.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "note: /usr/bin/chromium missing and not root: browser tests will be skipped"; fi; \
	fi

lint:
	$(BIN)/ruff check src tests benchmarks

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# Extract message ids of the core gettext domain and merge them into the Spanish catalogue.
messages: install
	$(BIN)/python scripts/messages.py

bench: install
	for script in benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info src/*.egg-info
