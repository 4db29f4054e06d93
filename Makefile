# The commands the README gives. Everything installs itself on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint bench bench-intelligence bench-import bench-throughput install static chromium e2e migrate clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/build/app.css: node_modules/.installed frontend/app.scss
	npm run --silent build

install: $(VENV)/.installed node_modules/.installed static/build/app.css

# Debian's chromium drives the real-browser tests; never a downloaded browser.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The local demo's settings, which settings.py reads, so that the README's `python manage.py ...`
# commands work as typed after `make run`. Written once (the key must not change under a running
# demo), readable by its owner only, never committed nor copied into the image.
.env:
	umask 077 && printf 'DEBUG=true\nREQUIRE_SECOND_FACTOR=false\nSECRET_KEY=%s\n' \
		"$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@

run: export DEBUG ?= true
run: export REQUIRE_SECOND_FACTOR ?= false
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: install .env
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py serve_embedded --port $(PORT)

test: install chromium
	$(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

e2e: install chromium
	$(PY) -m pytest -m e2e $(PYTEST_ARGS)

lint: export DEBUG ?= true
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

bench: export DEBUG ?= true
bench: install
	$(PY) -m bench

# The intelligence picture alone (PostgreSQL): BENCH_ITEMS items (50,000; the issue's 1,000,000).
bench-intelligence: export DEBUG ?= true
bench-intelligence: install
	$(PY) -m bench.intelligence

# The police import at scale (a 100,000-row file through the Celery task): rows a second and
# peak memory. Not part of `make bench`: it takes long on a small machine.
bench-import: export DEBUG ?= true
bench-import: install
	$(PY) -m bench.missing_import

# Audited pages a second through gunicorn from 1, 4 and 8 clients, beside the floor served by the
# same gunicorn (PostgreSQL: it uses the data set `make bench` builds).
bench-throughput: export DEBUG ?= true
bench-throughput: install
	$(PY) -m bench.throughput

clean:
	rm -rf $(VENV) node_modules var static/build
