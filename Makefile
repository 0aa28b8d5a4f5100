# The two commands a new user needs: `make run` and `make test`.
# Every Python package comes from the lock files in requirements/ (exact versions and
# hashes, made by `make lock` from pyproject.toml's ranges), so both commands install the
# same thing on any day, whatever PyPI released since.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
DB     ?= netcanvas.db
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# uv reads no pip.conf: the machine's copy of torch's CPU wheel is named here instead.
UV_WHEELS := $(if $(wildcard /opt/wheels/*.whl),--find-links /opt/wheels,--extra-index-url https://download.pytorch.org/whl/cpu --index-strategy unsafe-best-match)
UV     := $(BIN)/uv
SYNC   := UV_NO_CONFIG=1 $(UV) pip install --quiet --python $(BIN)/python --require-hashes $(UV_WHEELS)
# The model zoo's environment (requirements/zoo.in says why it is a second one).
ZOO    := .venv-zoo
ZOO_INDEX := $(if $(wildcard /opt/pypi-more/simple/torchvision),--extra-index-url file:///opt/pypi-more/simple --index-strategy unsafe-best-match,)

.PHONY: run test bench fuzz lint docs lock upgrade install install-test zoo system-deps clean

# The venv and, in it, the locker itself (pinned with hashes).
$(UV): requirements/uv.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements/uv.txt
	@touch $@

# netcanvas itself, editable, built with the locked setuptools.
define install_self
	UV_NO_CONFIG=1 $(UV) pip install --quiet --python $(BIN)/python --no-deps \
		--build-constraints requirements/build.txt -e .
	$(BIN)/python -m compileall -q backend/netcanvas >/dev/null
endef
# Bytecode is compiled once at install: with PYTHONDONTWRITEBYTECODE set, every command would
# otherwise recompile the package at start-up (~50 ms of each `netcanvas render`).

# The app with training and log reading (what `make run` serves).
$(VENV)/.installed: requirements/run.txt pyproject.toml | $(UV)
	$(SYNC) -r requirements/run.txt
	$(install_self)
	@touch $@

# The app plus test tools and the outside oracles (torch CPU 2.13.0, onnxruntime, keras).
$(VENV)/.installed-test: requirements/test.txt pyproject.toml | $(UV)
	$(SYNC) -r requirements/test.txt
	$(install_self)
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# torchvision's models for the oracle tests, beside their own torch (~5 GB, from the lock).
$(ZOO)/.installed: requirements/zoo.txt pyproject.toml | $(UV)
	@test -x $(ZOO)/bin/python || $(PYTHON) -m venv $(ZOO)
	UV_NO_CONFIG=1 $(UV) pip install --quiet --python $(ZOO)/bin/python --require-hashes \
		$(ZOO_INDEX) -r requirements/zoo.txt
	UV_NO_CONFIG=1 $(UV) pip install --quiet --python $(ZOO)/bin/python --no-deps \
		--build-constraints requirements/build.txt -e .
	@touch $@

zoo: $(ZOO)/.installed

run: install
	$(BIN)/netcanvas serve --host $(HOST) --port $(PORT) --db $(DB)

# Debian's chromium (browser tests), poppler-utils (pdftotext), postgresql (store tests),
# installed when missing and we are root; otherwise those tests skip with a reason.
system-deps:
	@sh scripts/system-deps.sh

test: install-test zoo system-deps
	@if command -v node >/dev/null 2>&1 && [ -d frontend/tests ]; then \
		node --test frontend/tests/; \
	fi
	$(BIN)/python -m pytest

# Re-lock after editing pyproject.toml (versions already pinned stay where they are).
lock: | $(UV)
	$(BIN)/python scripts/lock.py

# Move every lock to the newest versions pyproject.toml allows, then review the diff.
upgrade: | $(UV)
	$(BIN)/python scripts/lock.py --upgrade
	@git --no-pager diff --stat -- requirements/ || true

# The readers' and the API's hostile-input tests with 50 times their usual budget.
fuzz: install-test
	NETCANVAS_FUZZ=50 $(BIN)/python -m pytest tests/robustness tests/api/test_schemathesis.py \
		-k "mutated or random or conforms" -q

bench: install-test system-deps
	$(BIN)/python benchmarks/run_all.py

lint: install-test
	$(BIN)/ruff check backend tests benchmarks scripts
	$(BIN)/ruff format --check backend tests benchmarks scripts
	$(BIN)/mypy

docs: install
	$(BIN)/python scripts/gen_layer_docs.py

clean:
	rm -rf $(VENV) $(ZOO) .pytest_cache .mypy_cache .ruff_cache .hypothesis
