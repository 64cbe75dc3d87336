# Two commands: `make demo` runs the product on SQLite with demo data; `make test` runs every check.
# Needs only python3 (3.11+). Everything else is installed into .venv by these targets.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: demo test test-pure test-database test-browser lint install install-dev axe clean mutation lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs take their versions from the lock files (constraints): the same set on every machine and in CI.
$(VENV)/.installed: pyproject.toml requirements/runtime.lock | $(BIN)/python
	$(BIN)/pip install --quiet -c requirements/runtime.lock -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml requirements/dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet -c requirements/dev.lock -e ".[dev]"
	touch $@ $(VENV)/.installed

# After a change to the dependencies in pyproject.toml: pin them again (versions already locked are kept).
lock: | $(BIN)/python
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile --quiet pyproject.toml --universal --python-version 3.11 -o requirements/runtime.lock
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev --universal --python-version 3.11 -o requirements/dev.lock

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# The audit chain's checkpoint key is pinned outside the data directory (var/): the demo keeps it beside the
# checkout, as a hall's operator keeps it on another machine; `make clean` removes it with the key it pins.
DEMO_AUDIT_PIN := $(CURDIR)/audit-checkpoint-key.pub
# The demo's SMS goes to a stand-in gateway (onevisit sms-gateway); its page shows each phone's messages. The
# messages are sent by the background job cluster (onevisit jobs), which the demo runs beside the web server.
DEMO_SMS := http://127.0.0.1:8025

demo: install
	DATABASE_URL= ONEVISIT_DEMO=1 $(BIN)/onevisit migrate --noinput
	DATABASE_URL= ONEVISIT_DEMO=1 $(BIN)/onevisit catalog import data/catalog
	DATABASE_URL= ONEVISIT_DEMO=1 $(BIN)/onevisit ferry load data/ferry
	DATABASE_URL= ONEVISIT_DEMO=1 $(BIN)/onevisit history generate --days 42 --halls 2 --skip-existing
	DATABASE_URL= ONEVISIT_DEMO=1 $(BIN)/onevisit audit pin-key --write $(DEMO_AUDIT_PIN)
	DATABASE_URL= ONEVISIT_DEMO=1 ONEVISIT_PORT=$(PORT) ONEVISIT_SMS_GATEWAY_URL=$(DEMO_SMS) $(BIN)/onevisit demo
	DATABASE_URL= ONEVISIT_DEMO=1 ONEVISIT_AUDIT_PUBLIC_KEY=$(DEMO_AUDIT_PIN) ONEVISIT_NOTIFIER=gateway \
		ONEVISIT_SMS_GATEWAY_URL=$(DEMO_SMS) ONEVISIT_JOBS=cluster \
		$(BIN)/onevisit serve --port $(PORT) --with-ferry --with-sms --with-jobs

# The browser walk audits every page with axe-core, from the npm registry into the git-ignored var/node/.
# Without npm (a fresh machine has only python3) the walk still runs and only its audit is skipped, saying so.
AXE_JS := var/node/node_modules/axe-core/axe.min.js
axe:
	@if [ -f $(AXE_JS) ]; then :; \
	elif command -v npm >/dev/null 2>&1; then \
		npm install --prefix var/node --no-audit --no-fund --loglevel=error axe-core@4 \
			|| { echo "FAIL: npm could not install axe-core; the browser walk needs it for its audit" >&2; exit 1; }; \
	else echo "npm not found: the browser walk's axe-core audit will be skipped"; fi

lint: install-dev
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	@# The formatter decides the layout; a skip marker would let hand-aligned code drift from it again.
	@! grep -rn --include='*.py' 'fmt: skip\|fmt: off' src tests benchmarks tools || { echo 'remove the formatter skip markers above'; exit 1; }
	$(BIN)/lint-imports
	$(BIN)/mypy

# With PostgreSQL at hand the browser walks and the API fuzzing (one_leg) run once, on it (the database a hall
# runs); every other database test runs on both, the two legs side by side (tools/test_legs.py: one after the other
# they took over the 25-minute budget). Without it, SQLite runs everything.
test: lint axe
	@if [ -n "$$ONEVISIT_TEST_DATABASE_URL" ]; then \
		$(BIN)/python tools/test_legs.py "$$ONEVISIT_TEST_DATABASE_URL"; \
	else \
		echo "== pytest on SQLite =="; \
		DATABASE_URL= $(BIN)/pytest || exit 1; \
		echo "== PostgreSQL leg skipped: set ONEVISIT_TEST_DATABASE_URL to run it =="; \
	fi

# One speed tier at a time (tests/conftest.py marks each test pure, database or browser); on SQLite unless
# DATABASE_URL says otherwise. `make test` runs all three, on both databases.
test-pure: install-dev
	DATABASE_URL= $(BIN)/pytest -m pure

test-database: install-dev
	$(BIN)/pytest -m database

test-browser: install-dev axe
	$(BIN)/pytest -m browser

# Mutation testing of the pure rule modules (slow; not part of `make test` nor CI). MODULE=core/ids.py for one.
mutation: install-dev
	$(BIN)/python tools/mutation.py $(MODULE)

clean:
	rm -rf $(VENV) var build src/*.egg-info $(DEMO_AUDIT_PIN)
