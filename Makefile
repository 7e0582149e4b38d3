# Two commands are the whole quick start: `make demo` and `make test`.
# Both create .venv with Python 3.11 when it is missing and install the pinned dependencies.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: demo test test-fast layers lint venv clean vendor

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

# The demo starts from a fresh data directory each time, so it can be run again and again.
demo: $(STAMP)
	rm -rf out/demo
	TALENT_DATA_DIR=$(CURDIR)/out/demo/data $(PY) manage.py demo

# The layer contracts (pyproject.toml, [tool.importlinter]) first: a broken one fails at once.
test: $(STAMP) layers
	$(PY) -m pytest $(PYTEST_ARGS)

# The same suite without the slow end-to-end tests, for a quick local loop.
test-fast: $(STAMP) layers
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

layers: $(STAMP)
	$(VENV)/bin/lint-imports

lint: $(STAMP) layers
	$(VENV)/bin/ruff check .

# Refresh the vendored browser libraries (needs Node and npm; see frontend/README.md): the
# browser page's, and axe-core, which only the accessibility tests inject (never served).
vendor:
	cd frontend && npm ci --no-audit --no-fund
	cp frontend/node_modules/xlsx/dist/xlsx.mini.min.js employers/static/employers/vendor/
	cp frontend/node_modules/xlsx/LICENSE employers/static/employers/vendor/xlsx.LICENSE
	cp frontend/node_modules/axe-core/axe.min.js tests/browser_assets/
	cp frontend/node_modules/axe-core/LICENSE tests/browser_assets/axe.LICENSE

clean:
	rm -rf out .pytest_cache
