# One-command set-up, run, test and benchmark. `make setup` is idempotent: it reinstalls only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test lint bench eval clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	# torch's CPU wheel first and alone, so nothing pulls a multi-GB CUDA build
	$(PY) -m pip install torch==2.13.0
	$(PY) -m pip install -e '.[test,postgres]'
	touch $(STAMP)

run: setup
	$(VENV)/bin/advisor serve --host $(HOST) --port $(PORT)

test: setup lint
	$(PY) -m pytest -q

# Static checks (configured in pyproject.toml): ruff, then mypy (strict on advisor/rules and advisor/answer); both
# run, so one report shows every finding.
lint: setup
	@status=0; $(VENV)/bin/ruff check || status=1; $(VENV)/bin/mypy || status=1; exit $$status

bench: setup
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

eval: setup
	$(VENV)/bin/advisor eval

clean:
	rm -rf $(VENV) data .pytest_cache .hypothesis .mypy_cache .ruff_cache
