# evalkit developer tasks. Every target creates the virtualenv it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install sample test lint types format docs bench lab clean browser

# Two installs: RUN_STAMP is evalkit alone (what scoring, reports and the viewer need),
# STAMP adds the developer tools (tests, lint, types, notebooks, inspect). The full install
# also satisfies the smaller one.
RUN_STAMP := $(VENV)/.installed-run

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,inspect]'
	@# Build python-hcl2's parser tables once, so no process pays for it later.
	$(BIN)/python -c "import hcl2; hcl2.parses_to_tree('a = 1')"
	touch $(STAMP) $(RUN_STAMP)

$(RUN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -c "import hcl2; hcl2.parses_to_tree('a = 1')"
	touch $(RUN_STAMP)

install: $(STAMP)  ## evalkit with the developer tools (tests, lint, types, notebooks)

sample: $(RUN_STAMP)  ## install evalkit alone and score the bundled sample into out/sample
	$(BIN)/evalkit score datasets/sample --out out/sample --overwrite

# One command for everything CI checks: lint, format, types, then the suite on all cores.
# --dist loadscope sends all tests of a module to one worker, so a module-scoped fixture (the
# hostile corpus run, the executed notebooks) runs once.
test: lint types browser  ## lint, type-check and run the test suite (the browser test included)
	$(BIN)/python -m pytest -n auto --dist loadscope

# The viewer test opens pages in the OS's Chromium. Installs it once where it is missing and
# apt-get can be used (as root: CI); elsewhere it says how, and the test is skipped.
browser:  ## install Chromium and chromedriver from the OS packages when absent
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium and chromium-driver from the OS packages"; \
		apt-get update -qq >/dev/null && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium chromium-driver >/dev/null; \
	else \
		echo "no Chromium: install chromium and chromium-driver to run the viewer's browser test"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check evalkit tests benchmarks tools
	$(BIN)/ruff format --check evalkit tests benchmarks tools

types: $(STAMP)  ## mypy on the package, as configured in pyproject.toml
	$(BIN)/mypy evalkit

format: $(STAMP)
	$(BIN)/ruff format evalkit tests benchmarks
	$(BIN)/ruff check --fix evalkit tests benchmarks

# The check pages, the README's check table and the default rubric's severities are written
# from the check registry; `tests/test_catalog.py` fails while they are out of date.
docs: $(RUN_STAMP)  ## write docs/checks/, the README check table, the rubric's severities and checks/catalog.json
	$(BIN)/python tools/generate_docs.py
	$(BIN)/python -m evalkit.checks.metadata --write

LAB_STAMP := $(VENV)/.installed-lab

$(LAB_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,lab]'
	touch $(LAB_STAMP)

lab: $(LAB_STAMP)  ## open JupyterLab on notebooks/ with the project's environment
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks \
		$(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/throughput.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache *.egg-info
