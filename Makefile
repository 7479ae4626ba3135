# The two commands a newcomer needs are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev system-deps lint typecheck bench messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Debian packages the tests drive: Chromium (browser tests), docker-compose (compose.yaml check), CJK fonts.
system-deps:
	bash scripts/system-deps.sh

## Install, migrate, train the model, load the demo street, and serve on http://$(HOST):$(PORT)
run: install
	$(BIN)/needs db upgrade
	$(BIN)/needs nlp ensure-model
	$(BIN)/needs demo
	$(BIN)/needs serve --host $(HOST) --port $(PORT)

## Install everything the tests need and run them (PostgreSQL tests are required when CI=true)
test: install-dev system-deps
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .

## The type checker over the packages pyproject.toml names ([tool.mypy])
typecheck: install-dev
	$(BIN)/mypy

## Extract the interface text (babel.cfg) and merge it into core/locale; then translate what is new
## (tests/core/test_i18n.py fails while a message is missing, empty or fuzzy in either catalogue)
messages: install
	$(BIN)/pybabel -q extract -F babel.cfg -k N_ --no-location --sort-output -w 100 --project community-needs \
		--version 0.1 --copyright-holder "community-needs contributors" -o core/locale/messages.pot .
	$(BIN)/pybabel -q update -i core/locale/messages.pot -d core/locale -w 100 --ignore-obsolete --ignore-pot-creation-date

bench: install
	@for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache
