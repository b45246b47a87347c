# ENS Store — the two commands of README.md, and a few helpers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint i18n clean chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## make run: install, migrate, load the demo data and serve on http://127.0.0.1:5000
run: $(STAMP)
	$(BIN)/ens db upgrade
	$(BIN)/ens demo load
	@echo "ENS Store on http://$(HOST):$(PORT) — demo accounts in README.md"
	$(BIN)/gunicorn --workers 2 --threads 4 --bind $(HOST):$(PORT) --access-logfile - 'ens_core:create_app()'

## make test: the whole suite (SQLite; PostgreSQL too when ENS_TEST_DATABASE_URL is set)
test: $(STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

## the end-to-end tests drive Debian's chromium (installed with apt-get when missing)
chromium:
	@test -x /usr/bin/chromium || .ci/install-chromium

lint: $(STAMP)
	$(BIN)/ruff check .

## make i18n: extract messages, update the English catalogues, compile them
i18n: $(STAMP)
	$(BIN)/ens i18n update

clean:
	rm -rf $(VENV) instance/ens.db* .pytest_cache
