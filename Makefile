# `make demo` and `make test` work on a fresh machine: each creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export PREFECT_SERVER_ANALYTICS_ENABLED := false
# A command without PREFECT_API_URL starts Prefect's ephemeral server: give it time on a busy
# machine (the default 20 s was seen to run out with other jobs running).
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 90

.PHONY: install system-libs browser demo web web-history serve test lint unit bench govuk-frontend clean

# constraints.txt pins every package to the versions the project is tested with (regenerate it
# with `.venv/bin/pip freeze --all --exclude-editable --exclude pip > constraints.txt` after
# changing dependencies). GOV.UK Frontend's files are in the repository (make govuk-frontend).
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The main job on the embedded defaults: a synthetic council in its own SQLite file, imported
# and allocated for the current month through the real import and the real Prefect flow, then
# the chase run on every working day of the month, emails written as .eml files to var/demo/outbox.
demo: install system-libs
	rm -rf var/demo
	AUDITS_DATABASE_URL=sqlite:///var/demo/audits.db AUDITS_EMAIL_TRANSPORT=outbox \
	  AUDITS_OUTBOX_DIR=var/demo/outbox $(BIN)/audits demo --out var/demo

# The web pages on the demo's database, with development sign-in (choose anyone from a list).
web: install
	@test -f var/demo/audits.db || { echo "run make demo first"; exit 1; }
	AUDITS_DATABASE_URL=sqlite:///var/demo/audits.db AUDITS_DEV_LOGIN=true \
	  AUDITS_OUTBOX_DIR=var/demo/outbox $(BIN)/audits web

# The web pages on the demo's 2018-2020 history: the dashboard over time, the report archive
# and the September 2020 report's review page.
web-history: install
	@test -f var/demo/history/audits.db || { echo "run make demo first"; exit 1; }
	AUDITS_DATABASE_URL=sqlite:///var/demo/history/audits.db AUDITS_DEV_LOGIN=true \
	  AUDITS_PROGRAMME=var/demo/history/programme.toml AUDITS_OUTBOX_DIR=var/demo/outbox \
	  $(BIN)/audits web

# The whole programme on the demo's database until Ctrl-C: a local Prefect server (its database
# and the logs in var/prefect), the deployments on their schedules and triggers, the web pages.
# Pango for the month-end report's PDF, as for the demo.
serve: install system-libs
	@test -f var/demo/audits.db || { echo "run make demo first"; exit 1; }
	AUDITS_DATABASE_URL=sqlite:///var/demo/audits.db AUDITS_DEV_LOGIN=true \
	  AUDITS_OUTBOX_DIR=var/demo/outbox $(BIN)/audits serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# apt-get waits up to ten minutes for another apt or dpkg (an unattended upgrade) to finish,
# instead of failing at once on the lock.
APT_WAIT := -o DPkg::Lock::Timeout=600

# The PDF of the highlight report is laid out by WeasyPrint, which needs Pango (a system library).
system-libs:
	@ldconfig -p | grep -q libpangoft2-1.0 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get $(APT_WAIT) update -qq && \
	  $$SUDO apt-get $(APT_WAIT) install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; }
	@ldconfig -p | grep -q libpangoft2-1.0 || { echo "could not install Pango (apt-get install libpangoft2-1.0-0)"; exit 1; }

# The web tests drive Debian's Chromium through Playwright (Playwright's own browser download
# cannot work offline); install it when it is missing.
browser:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get $(APT_WAIT) update -qq && $$SUDO apt-get $(APT_WAIT) install -y -qq chromium >/dev/null; }
	@command -v chromium >/dev/null || { echo "could not install chromium (apt-get install chromium)"; exit 1; }

# The tests on every core (pytest-xdist; see tests/conftest.py), then the 20 slowest.
unit: install system-libs browser
	mkdir -p var/prefect-test
	PREFECT_HOME=$(CURDIR)/var/prefect-test $(BIN)/pytest -n auto --dist loadfile --durations=20

test: lint unit

bench: install
	$(BIN)/python benchmarks/allocation.py
	$(BIN)/python benchmarks/chase.py
	$(BIN)/python benchmarks/decisions.py
	$(BIN)/python benchmarks/events.py
	$(BIN)/python benchmarks/report.py

# Copy GOV.UK Frontend's compiled files (the version web/package.json pins) from the npm registry
# into web/static/govuk-frontend/, which is committed; see the README.md there. Needs npm.
GOVUK_DIST := web/node_modules/govuk-frontend/dist/govuk
GOVUK_STATIC := web/static/govuk-frontend
govuk-frontend:
	@command -v npm >/dev/null || { echo "npm is needed to fetch GOV.UK Frontend (install Node.js)"; exit 1; }
	npm ci --prefix web --silent --no-audit --no-fund
	rm -rf $(GOVUK_STATIC)/assets $(GOVUK_STATIC)/govuk-frontend.min.css $(GOVUK_STATIC)/govuk-frontend.min.js
	cp -R $(GOVUK_DIST)/assets $(GOVUK_DIST)/govuk-frontend.min.css $(GOVUK_DIST)/govuk-frontend.min.js $(GOVUK_STATIC)/

clean:
	rm -rf $(VENV) var
