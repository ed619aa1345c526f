# Berth: `make run` serves it, `make test` tests it. See README.md.
VENV := .venv
PY := $(VENV)/bin/python
BIND ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := dashboard.settings

.PHONY: run test lint js-test install lock messages prerequisites test-images bench clean

# The whole tree, every file checked against its hash: requirements-dev.txt is the runtime lock
# (requirements.txt, what the image installs) plus the tests' and linters' packages.
$(VENV)/.installed: requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The translation catalogues, compiled (build output, not committed): polib, no GNU gettext.
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))
$(CATALOGUES): %.mo: %.po $(VENV)/.installed
	$(PY) manage.py compile_catalogues

install: $(VENV)/.installed node_modules/.installed $(CATALOGUES)

# After marking new strings: extracts them into locale/*/LC_MESSAGES/*.po (GNU gettext's
# xgettext, Debian package gettext), to be translated there; the catalogue test fails until they are.
messages: $(VENV)/.installed
	$(PY) manage.py messages

# After editing requirements.in or requirements-dev.in: pins the whole tree again, with the hash
# of every file PyPI has for each version (any platform, Python 3.11 and later).
LOCK := $(VENV)/bin/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes
lock: $(VENV)/.installed
	$(LOCK) requirements.in -o requirements.txt
	$(LOCK) requirements-dev.in -o requirements-dev.txt

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py ensure_admin
	@echo "Berth on http://$(BIND):$(PORT)/"
	$(PY) -m dashboard.serve --host $(BIND) --port $(PORT)

# Fails at once, naming what is missing, before any test runs.
prerequisites:
	@command -v docker >/dev/null || { echo "make test needs the docker CLI (Debian: apt-get install docker.io)"; exit 1; }
	@docker version >/dev/null 2>&1 || { echo "make test needs a running Docker engine at $${DOCKER_HOST:-unix:///var/run/docker.sock} (start dockerd)"; exit 1; }
	@test -x /usr/bin/chromium || { echo "make test needs Chromium at /usr/bin/chromium (Debian: apt-get install chromium)"; exit 1; }
	@command -v xgettext >/dev/null || { echo "make test needs GNU gettext's xgettext for the catalogue test (Debian: apt-get install gettext)"; exit 1; }
	@test -x /bin/busybox || { echo "make test needs a static busybox for the test images (Debian: apt-get install busybox-static)"; exit 1; }

# The local test images: busybox FROM scratch (no registry is reachable here).
test-images: prerequisites
	@$(PY) -m tests.images

# Lint and format (settings in pyproject.toml) before any test runs.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The browser's own code under node's test runner: the log splitter over the fixtures the
# server's parser is tested on (tests/streams/fixtures/split), and the ANSI parser.
js-test:
	node --test tests/js/

test: install prerequisites test-images lint js-test
	$(VENV)/bin/pytest

# Each prints ratios against the raw Engine API or the docker CLI measured in the same run.
bench: install test-images
	$(PY) bench/list_containers.py
	$(PY) bench/networks_volumes.py
	$(PY) bench/logs.py
	$(PY) bench/terminal.py
	$(PY) bench/live_stats.py
	$(PY) bench/concurrent_logs.py
	$(PY) bench/live.py

clean:
	rm -rf $(VENV) node_modules staticfiles
