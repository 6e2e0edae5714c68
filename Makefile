# Entry points: make reports · make test (and make help for the rest).
# Each creates .venv when missing; the install reruns only when pyproject.toml changes.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
RUN    ?= $(shell date +%F)
WORKERS ?= 2
ARGS   ?=

.PHONY: help install unit lint test reports lab prices models sync notebooks clean

help: ## list the targets and what they do
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 12

install: $(STAMP) ## create .venv and install the kit with its test tools

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

unit: $(STAMP) ## fast: unit and property tests only, no notebooks
	$(PY) -m pytest tests

lint: $(STAMP) ## ruff: syntax errors and unused or undefined names (pyproject.toml [tool.ruff]; also a test)
	$(VENV)/bin/ruff check tokenomics tests benchmarks

test: $(STAMP) ## everything CI runs: unit and property tests, then every notebook (nbval)
	$(PY) -m pytest

USAGE_SAMPLE ?= data/usage/openai_usage.csv

# Company plans and team reports first, so the top index can list their decisions; every step runs, the exit code
# reports any failure.
reports: $(STAMP) ## write every report into reports/$(RUN)/ (RUN=name to choose the folder)
	status=0; \
	$(PY) -m tokenomics company --teams data/teams.csv --out reports/$(RUN)/teams --workers $(WORKERS) || status=1; \
	$(PY) -m tokenomics company --usage $(USAGE_SAMPLE) --out reports/$(RUN)/usage --workers $(WORKERS) || status=1; \
	$(PY) -m tokenomics notebooks --out reports/$(RUN) --workers $(WORKERS) || status=1; \
	echo "open reports/$(RUN)/index.html"; exit $$status

lab: $(STAMP) ## JupyterLab on notebooks/ (ARGS="--no-browser --port 8890 --allow-root" for a server)
	$(VENV)/bin/jupyter lab notebooks $(ARGS)

prices: $(STAMP) ## regenerate data/api_list_prices.csv and data/api_price_tiers.csv from the pinned genai-prices
	$(PY) -m tokenomics prices

models: $(STAMP) ## regenerate data/open_models.csv from the config.json copies in data/configs/
	$(PY) -m tokenomics models build

sync: $(STAMP) ## bring each notebook and its .py twin into step (the newer side wins)
	$(VENV)/bin/jupytext --sync notebooks/*.ipynb

notebooks: sync ## re-execute every notebook in place, so they are committed with fresh outputs
	for nb in notebooks/*.ipynb; do $(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace $$nb || exit 1; done
	$(VENV)/bin/jupytext --sync notebooks/*.ipynb

clean: ## remove .venv and generated reports
	rm -rf $(VENV) reports/*/
