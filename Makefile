# Two commands for a newcomer:  make run   (set up and serve on SQLite)
#                               make test  (set up and run every test)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTANCE ?= instance
export PORTAL_INSTANCE_PATH ?= $(INSTANCE)
AXE_VERSION := 4.14.1
AXE := tests/browser/vendor/axe.min.js

.PHONY: run test setup setup-dev translations messages requirements lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { apt-get update && apt-get install -y python3-venv && $(PYTHON) -m venv $(VENV); }

# Every package, pip included, must match a sha256 in the file (pip refuses anything else), so a
# package tampered with on the index or on the way cannot enter the build. The files are made by
# `make requirements` from the .in files.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed translations

setup-dev: $(VENV)/.installed-dev translations $(AXE)

# axe-core for the browser suite's accessibility checks: a pinned release from the npm registry,
# unpacked into the test tree (git-ignored). It is never served to users.
$(AXE):
	rm -rf $(@D)/.pack && mkdir -p $(@D)/.pack
	cd $(@D)/.pack && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null
	tar -xzf $(@D)/.pack/axe-core-$(AXE_VERSION).tgz -C $(@D)/.pack package/axe.min.js package/LICENSE
	mv $(@D)/.pack/package/LICENSE $(@D)/axe-LICENSE
	mv $(@D)/.pack/package/axe.min.js $@ && touch $@
	rm -rf $(@D)/.pack

# Compiled catalogues are built here, never committed.
translations: | $(BIN)/python
	$(BIN)/pybabel compile --use-fuzzy -d portal/translations >/dev/null

# After editing requirements.in or requirements-dev.in: pin every package with the hashes of all
# its files on PyPI. A pin already in a .txt file stays unless the .in file asks otherwise
# (`--upgrade-package NAME` in PIP_COMPILE_ARGS moves one on).
COMPILE = $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	--no-emit-find-links $(PIP_COMPILE_ARGS)
requirements: $(VENV)/.installed-dev
	$(COMPILE) --output-file=requirements.txt requirements.in
	$(COMPILE) --output-file=requirements-dev.txt requirements-dev.in

# Refresh the catalogues after changing user-facing strings.
messages: $(VENV)/.installed-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o portal/translations/messages.pot .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations --no-fuzzy-matching --ignore-obsolete

# `make run PORT=8000` serves on another port; the set-up and log-in links it prints point there
# (PORTAL_BASE_URL, if set, is the address they are given instead).
PORT ?= 5000
run: export PORTAL_BASE_URL ?= http://127.0.0.1:$(PORT)
run: setup
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi setup-link
	$(BIN)/flask --app wsgi run --host 127.0.0.1 --port $(PORT)

# Tests run in parallel (pytest-xdist), one worker more than there are cores: many tests wait on a
# server they started, a browser or a timer, and the extra worker keeps the cores busy meanwhile.
# Each test has its own SQLite file, PostgreSQL schema and Redis prefix, so workers never meet.
# `make test PYTEST_WORKERS=0` runs them in one process; `make test PYTEST_ARGS='-m "not slow"'`
# skips the slow suites.
# Test files go to a tmpfs where there is one (/dev/shm): SQLite's fsync per commit costs 1.6 ms
# on CI's disk and nothing there, and a test makes dozens of commits. Crash safety is tested with
# processes that are killed, which a tmpfs survives as a disk does.
PYTEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
test: export TMPDIR ?= $(shell [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm || echo /tmp)
test: setup-dev
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: setup-dev
	$(BIN)/ruff check portal tests bench wsgi.py
	$(BIN)/ruff format --check portal tests bench wsgi.py
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache
