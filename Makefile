# The README's commands. `make run` and `make test` do all the set-up themselves.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml setup.py | sha1sum | cut -c1-12)
NATIVE := $(shell find src -name '_*.c')

.PHONY: run test test-slow lint bench install native clean

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip "setuptools>=77" wheel
	$(VENV)/bin/pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP) native

# Native kernels are rebuilt whenever a C file changes.
native: $(STAMP) $(NATIVE)
	$(PY) setup.py -q build_ext --inplace

# The demo (a list of generated pictures, a scan of near-duplicates with what matched
# and why), a demo admin key (printed once), then the API on http://127.0.0.1:8000.
run: install
	@export BRIGHTLINE_HOME=$${BRIGHTLINE_HOME:-demo/home}; \
	$(VENV)/bin/brightline demo --folder demo/files && \
	$(VENV)/bin/brightline keys create --role admin --name "make run" && \
	echo "Try: curl -H 'Authorization: Bearer <key>' --data-binary @demo/files/scan/copy-0.jpg http://127.0.0.1:8000/v1/match" && \
	exec $(VENV)/bin/brightline serve

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: lint
	$(VENV)/bin/pytest -q -n 2 -m "not slow"

test-slow: install
	$(VENV)/bin/pytest -q -m slow

bench: install
	$(PY) bench/bench_pdq.py
	$(PY) bench/bench_scan.py
	$(PY) bench/bench_import.py
	$(PY) bench/bench_index.py
	$(PY) bench/bench_cli_match.py
	$(PY) bench/bench_vics_read.py
	$(PY) bench/bench_video.py hash
	$(PY) bench/bench_video.py match
	$(PY) bench/bench_api.py   # needs wrk: apt-get install -y wrk

clean:
	rm -rf $(VENV) build demo .pytest_cache .mypy_cache .ruff_cache
	find src -name '*.so' -delete
