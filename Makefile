# The README's commands. `make run` and `make test` do all the set-up themselves.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml setup.py | sha1sum | cut -c1-12)
NATIVE := $(shell find src -name '_*.c')

.PHONY: system-packages run test test-slow lint bench bench-smoke install native clean fuzz

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip "setuptools>=77" wheel
	$(VENV)/bin/pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

# Debian packages (FFmpeg, The Sleuth Kit, libewf tools, mtools, 7-Zip, Chromium).
system-packages:
	@bash .ci/run packages

install: system-packages $(STAMP) native

# Native kernels are rebuilt whenever a C file changes.
native: $(STAMP) $(NATIVE)
	$(PY) setup.py -q build_ext --inplace

# The demo (a list of generated pictures, a scan of near-duplicates with what matched
# and why), a demo admin key (printed once, and in the curl hint), then the API on
# http://127.0.0.1:8000. Reports go to a local CyberTipline SANDBOX (`brightline reports
# sandbox`, not NCMEC) unless BRIGHTLINE_NCMEC_USERNAME is set. Its data (lists, keys)
# is in demo/home, not ~/.brightline: it says how to point the CLI at it. Other ports:
# make run BRIGHTLINE_PORT=8001 BRIGHTLINE_SANDBOX_PORT=8026.
run: install
	@export BRIGHTLINE_HOME=$${BRIGHTLINE_HOME:-demo/home}; \
	port=$${BRIGHTLINE_PORT:-8000}; host=$${BRIGHTLINE_HOST:-127.0.0.1}; \
	sandbox_port=$${BRIGHTLINE_SANDBOX_PORT:-8025}; \
	$(VENV)/bin/brightline demo --folder demo/files && \
	token=$$($(VENV)/bin/brightline keys create --role admin --name "make run" --json | \
		$(PY) -c 'import json, sys; print(json.load(sys.stdin)["token"])') && \
	$(VENV)/bin/brightline review demo && \
	home=$$(cd "$$BRIGHTLINE_HOME" && pwd) && \
	echo && \
	echo "The demo's admin API key (shown once; keep it): $$token" && \
	echo "The demo's lists and keys are in $$home (not ~/.brightline). To use them from the CLI:" && \
	echo "  export BRIGHTLINE_HOME=$$home" && \
	echo "  export PATH=\"$$PWD/$(VENV)/bin:\$$PATH\"   # puts brightline on PATH (or run $(VENV)/bin/brightline)" && \
	echo "Try: curl -H 'Authorization: Bearer $$token' --data-binary @demo/files/scan/copy-0.jpg http://$$host:$$port/v1/match" && \
	echo "(Port $$port taken? make run BRIGHTLINE_PORT=8001)" && \
	if [ -z "$$BRIGHTLINE_NCMEC_USERNAME" ]; then \
		$(VENV)/bin/brightline reports sandbox --port $$sandbox_port > demo/sandbox.log 2>&1 & \
		sandbox=$$!; trap 'kill $$sandbox 2>/dev/null' EXIT INT TERM; \
		export BRIGHTLINE_NCMEC_URL=http://127.0.0.1:$$sandbox_port/ispws \
			BRIGHTLINE_NCMEC_USERNAME=sandbox BRIGHTLINE_NCMEC_PASSWORD=sandbox \
			BRIGHTLINE_REPORTER_FIRST_NAME=$${BRIGHTLINE_REPORTER_FIRST_NAME:-Sam} \
			BRIGHTLINE_REPORTER_LAST_NAME=$${BRIGHTLINE_REPORTER_LAST_NAME:-Sandbox} \
			BRIGHTLINE_REPORTER_EMAIL=$${BRIGHTLINE_REPORTER_EMAIL:-sandbox@example.org}; \
		echo "Reports go to a local CyberTipline SANDBOX on port $$sandbox_port (NOT NCMEC; its log: demo/sandbox.log)"; \
	fi; \
	echo && \
	$(VENV)/bin/brightline serve

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: lint
	$(VENV)/bin/pytest -q -n 2 -m "not slow"
	$(MAKE) bench-smoke

# Every bench/bench_*.py with --smoke (a tiny size, seconds each), so a benchmark that
# breaks fails CI. A new benchmark joins by accepting --smoke (see bench/run_smoke.py).
bench-smoke: install
	$(PY) bench/run_smoke.py

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

# Every fuzz target in tests/fuzz/targets for FUZZ_SECONDS each (atheris when it installs,
# else a plain mutation loop); prints the inputs each ran, fails on a crash.
FUZZ_SECONDS ?= 60
fuzz: install
	@$(PY) -c "import atheris" 2>/dev/null || $(VENV)/bin/pip install -q "atheris>=2.3" || \
		echo "atheris did not install: falling back to the mutation loop"
	$(PY) tests/fuzz/run.py --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf $(VENV) build demo .pytest_cache .mypy_cache .ruff_cache
	find src -name '*.so' -delete
