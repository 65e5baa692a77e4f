# Two commands on a fresh machine: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv

.PHONY: run test lint clean browser

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv

# Stamps: reinstall only when pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(PY)
	$(UV) pip install --quiet --python $(PY) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(UV) pip install --quiet --python $(PY) -e '.[dev,airflow]'
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(VENV)/bin/ecoute run

test: $(VENV)/.installed-dev
	@$(MAKE) --no-print-directory browser || echo "no browser: the report's browser test will be skipped"
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

# Debian's Chromium, for the report's browser test (Playwright drives it: no browser download).
# Nothing to do when it is there; sudo only when not root, and never asking for a password.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  sudo=; [ "$$(id -u)" = 0 ] || sudo="sudo -n"; \
	  $$sudo apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }
	@command -v chromium

# Benchmarks (bench/README.md), not part of `make test`: `make bench SIZE=100k`, `SIZE=1M`.
SIZE ?= 10k
.PHONY: bench
bench: $(VENV)/.installed-run
	$(PY) -m bench.run --size $(SIZE)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf data .pytest_cache .ruff_cache
