# Medborgarvy. `make run` and `make test` do all the set-up on a fresh machine; `make help` lists the rest.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000
export PORT
# The portal assumes production when PORTAL_ENV is not set; the targets that serve, seed or measure the demo
# say development (unless PORTAL_ENV is set already). The tests set their own.
run demo migrate bench: export PORTAL_ENV ?= development

.DEFAULT_GOAL := help
.PHONY: help system-deps install translations migrate demo run test test-sqlite test-postgres node-deps browser-deps lint format messages bench loadtest clean dist release-smoke

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# Pango from Debian: WeasyPrint (the portal's PDFs) loads it at run time; pip cannot install it.
system-deps: ## the system libraries the portal needs (Pango, for the PDFs), from Debian when missing
	@ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || { \
	  echo "installing Debian's Pango (PDF receipts)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; }

$(STAMP): pyproject.toml | system-deps
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP) ## create .venv and install the project with its development tools

translations: $(STAMP) ## compile the message catalogues (translations/*.po -> .mo)
	$(BIN)/pybabel compile --statistics -d translations -D "messages lattlast"

migrate: translations ## create or migrate the database (SQLite in instance/ unless PORTAL_DATABASE_URL)
	$(BIN)/portal db upgrade

demo: migrate ## create the demo municipalities and identities (once)
	$(BIN)/portal seed-demo

run: demo node-deps ## set up everything and serve on http://127.0.0.1:$(PORT) with the BankID simulator
	$(BIN)/portal serve

node-deps: ## the npm packages: oidc-provider (demo and test OpenID provider) and axe-core (browser tests)
	@if command -v npm >/dev/null; then \
	  test -f node_modules/.package-lock.json -a node_modules/.package-lock.json -nt package-lock.json \
	    || npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the demo OpenID provider is left out (BankID works without it)"; fi

browser-deps: node-deps ## Debian's Chromium and the npm packages, for the browser tests
	@command -v chromium >/dev/null || { \
	  echo "installing Debian's chromium (browser tests)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: translations browser-deps ## set up and run the whole suite (SQLite, and PostgreSQL where it answers)
	$(BIN)/ruff check .
	$(BIN)/python -m portal.i18n_check
	$(BIN)/pytest -n 2 -p no:cacheprovider
	$(BIN)/python tests/postgres.py $(BIN)/pytest -n 2 -p no:cacheprovider -m "not browser"
	$(BIN)/python tests/release_smoke.py

dist: $(STAMP) ## build the release: sdist and wheel in dist/ (templates, static files, compiled catalogues inside)
	$(BIN)/python -m build --outdir dist .

release-smoke: $(STAMP) ## build the wheel, install it without extras in a fresh venv, migrate, serve it in production mode, fetch pages
	$(BIN)/python tests/release_smoke.py

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## format the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: $(STAMP) ## extract new strings and update the catalogues (then translate translations/sv)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

bench: demo ## benchmark figures: pages (requests/s, latency) and outbox deliveries (per second, lag)
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python -m portal.bench
	$(BIN)/python -m portal.bench_outbox

loadtest: demo ## real journeys under load (Locust): citizens apply, sign, read, write; handläggare answer, decide
	$(BIN)/python -m portal.loadtest

clean: ## remove the virtualenv, the database and compiled catalogues
	rm -rf $(VENV) instance node_modules translations/*/LC_MESSAGES/*.mo build dist
