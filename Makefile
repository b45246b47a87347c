# ENS Store — the two commands of README.md, and a few helpers.
#
# Everything installs from the lock file uv.lock (hashes included): uv itself is pinned by
# hash in requirements/uv.txt and lives in .tools/; `make lock` refreshes uv.lock on purpose.
PYTHON ?= python3
VENV ?= .venv
TOOLS := .tools
UV := $(TOOLS)/bin/uv
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

# uv uses the interpreter we name, never one it would download, and installs into $(VENV).
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export UV_NO_PROGRESS := 1

.PHONY: run test lint i18n lock lock-check clean chromium bench

$(UV): requirements/uv.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/uv.txt
	touch $(UV)

# --locked: refuse to install if uv.lock no longer matches pyproject.toml.
$(STAMP): uv.lock pyproject.toml $(UV)
	$(UV) sync --locked --extra test --python $(PYTHON) --quiet
	touch $(STAMP)

## make run: install, migrate, load the demo data and serve on http://127.0.0.1:5000
run: $(STAMP)
	$(VENV)/bin/ens db upgrade
	$(VENV)/bin/ens demo load
	@echo "ENS Store on http://$(HOST):$(PORT) — demo accounts in README.md"
	$(VENV)/bin/gunicorn --workers 2 --threads 4 --bind $(HOST):$(PORT) --access-logfile - 'ens_core:create_app()'

## make test: the whole suite (SQLite; PostgreSQL too when ENS_TEST_DATABASE_URL is set)
test: $(STAMP) chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/python -m pytest -n 2 $(PYTEST_ARGS)

## the end-to-end tests drive Debian's chromium (installed with apt-get when missing)
chromium:
	@test -x /usr/bin/chromium || .ci/install-chromium

## make bench: the API under load (bench/api_load.py; options in BENCH_ARGS, see README)
bench: $(STAMP)
	@command -v wrk >/dev/null 2>&1 || .ci/install-wrk
	$(UV) sync --locked --extra test --extra bench --python $(PYTHON) --quiet
	$(VENV)/bin/python bench/api_load.py $(BENCH_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

## make i18n: extract messages, update the English catalogues, compile them
i18n: $(STAMP)
	$(VENV)/bin/ens i18n update

## make lock: re-resolve uv.lock from pyproject.toml (newest versions within its ranges)
lock: $(UV)
	$(UV) lock --upgrade

## make lock-check: fail if uv.lock and pyproject.toml disagree
lock-check: $(UV)
	$(UV) lock --check

clean:
	rm -rf $(VENV) $(TOOLS) instance/ens.db* .pytest_cache
