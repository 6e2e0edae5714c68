# Entry points: make reports · make test · make lab
# Each creates .venv when missing; the install reruns only when pyproject.toml changes.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
RUN    ?= $(shell date +%F)
WORKERS ?= 2

.PHONY: install test reports lab prices clean

install: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest

USAGE_SAMPLE ?= data/usage/openai_usage.csv

# Team reports first, so the notebooks' index can link them; every step runs, the exit code reports any failure.
reports: $(STAMP)
	status=0; \
	$(PY) -m tokenomics reports --teams data/teams.csv --out reports/$(RUN)/teams --workers $(WORKERS) || status=1; \
	$(PY) -m tokenomics reports --usage $(USAGE_SAMPLE) --out reports/$(RUN)/usage --workers $(WORKERS) || status=1; \
	$(PY) -m tokenomics notebooks --out reports/$(RUN) --workers $(WORKERS) || status=1; \
	echo "open reports/$(RUN)/index.html"; exit $$status

lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks

# Regenerate data/api_list_prices.csv and data/api_price_tiers.csv from the pinned genai-prices package.
prices: $(STAMP)
	$(PY) -m tokenomics prices

clean:
	rm -rf $(VENV) reports/*/
