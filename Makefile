# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
DB     ?= netcanvas.db
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test bench lint docs install install-test system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The app alone.
# Bytecode is compiled once here: with PYTHONDONTWRITEBYTECODE set, every command would
# otherwise recompile the package at start-up (~50 ms of each `netcanvas render`).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(BIN)/python -m compileall -q backend/netcanvas >/dev/null
	@touch $@

# The app plus test tools and the outside oracles (torch CPU 2.13.0, onnxruntime, keras).
$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,oracle,postgres]'
	$(BIN)/python -m compileall -q backend/netcanvas >/dev/null
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	$(BIN)/netcanvas serve --host $(HOST) --port $(PORT) --db $(DB)

# Debian's chromium (browser tests), poppler-utils (pdftotext), postgresql (store tests),
# installed when missing and we are root; otherwise those tests skip with a reason.
system-deps:
	@sh scripts/system-deps.sh

test: install-test system-deps
	@if command -v node >/dev/null 2>&1 && [ -d frontend/tests ]; then \
		node --test frontend/tests/; \
	fi
	$(BIN)/python -m pytest

bench: install-test
	$(BIN)/python benchmarks/run_all.py

lint: install-test
	$(BIN)/ruff check backend tests benchmarks scripts
	$(BIN)/ruff format --check backend tests benchmarks scripts
	$(BIN)/mypy

docs: install
	$(BIN)/python scripts/gen_layer_docs.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
