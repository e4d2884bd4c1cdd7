# The README's commands: `make run` serves the demo, `make test` runs everything CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Local development and tests run in debug mode; production leaves it off.
export DJANGO_DEBUG ?= true

.PHONY: run dev test test-postgres smoke prod bench lighthouse install browser lint format check clean lock

# The demo runs as production does, debug off: readers see the site's own 404 and 500 pages,
# the hashed static files and the kept pages, not Django's debug pages (which list every
# address of the site). Over plain http, on 127.0.0.1 only, with a signing key for this demo
# alone. `make dev` is the same site in debug mode, for working on it.
DEMO_ENV := DJANGO_DEBUG=false DJANGO_HTTPS=false DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost \
  DJANGO_SECRET_KEY=local-demo-only-not-secret
run: install
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py load_demo
	$(DEMO_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
	@echo "Serving on http://127.0.0.1:$(PORT)/ (admin: $(DEMO_ENV) $(BIN)/python manage.py createsuperuser)"
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

dev: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# `make test` runs the whole suite twice. First on the embedded default (SQLite, local-memory
# cache); then on PostgreSQL with Redis as the cache, throwaway servers that .ci/services.sh
# installs with apt-get if missing, starts on 127.0.0.1 only, and stops again when the pass
# ends, pass or fail (`.ci/services.sh clean` deletes their files). The browser tests
# (tests/e2e, marker e2e) run in the SQLite pass only, to save time: they check what Chromium
# does with the pages, which the database behind them does not change; so do the tests that
# use no database at all (tests/conftest.py deselects them on PostgreSQL).
# Celery tasks run in-process in both passes: CELERY_BROKER_URL stays unset (with a broker
# they would wait for a worker).
# Last, the smoke test of the production stack (`make smoke`, below), skipped by the passes.
TEST_PG_PORT ?= 54329
TEST_REDIS_PORT ?= 63790
TEST_DATABASE_URL := postgres://statuspage:statuspage@127.0.0.1:$(TEST_PG_PORT)/statuspage
TEST_REDIS_URL := redis://127.0.0.1:$(TEST_REDIS_PORT)/0

define postgres_pass
PG_PORT=$(TEST_PG_PORT) REDIS_PORT=$(TEST_REDIS_PORT) .ci/services.sh run \
  env -u CELERY_BROKER_URL DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
  $(BIN)/pytest -m "not e2e and not smoke"
endef

test: install browser lint check
	$(BIN)/pytest -m "not smoke"
	$(postgres_pass)
	$(BIN)/pytest -m smoke tests/smoke

# The PostgreSQL and Redis pass alone.
test-postgres: install
	$(postgres_pass)

# The smoke test of the production stack (tests/smoke, marker smoke), the last step of
# `make test`: .ci/prod.sh on ports of its own (8099 and 8098, 54331, 63792) with a fake X and
# a mail relay on loopback; an update posted in the admin reaches the page, the API and X;
# PostgreSQL stopped and started; the faults: Redis stopped while staff publish, the worker
# killed mid-post, Redis restarted with a post in its queue; a publish on one server seen by
# every process of both within 1 s, and again after their Redis listeners are killed.
smoke: install
	$(BIN)/pytest -m smoke tests/smoke

# The production stack on this machine (PostgreSQL, Redis, granian, Celery worker and beat).
prod: install
	PORT=$(PORT) .ci/prod.sh

# Benchmarks, by hand, on the production stack: granian beside nginx (tuned as in production)
# serving the exported static copy and beside the ceiling (a WSGI app answering the same bytes
# from memory, same granian settings); load runs with PostgreSQL stopped and with Redis stopped;
# then render time and queries at demo size and 100x (and the same on the embedded SQLite).
# PostgreSQL and Redis are .ci/services.sh's, on their own ports and folder, made afresh each time
# (`clean`), stopped at the end. Prints tables. BENCH_ARGS passes options to `manage.py bench`,
# e.g. BENCH_ARGS="--servers granian,gunicorn,gunicorn-gthread --seconds 5".
BENCH := /tmp/statuspage-bench
BENCH_PG_PORT ?= 54332
BENCH_REDIS_PORT ?= 63793
BENCH_SERVICES := PG_PORT=$(BENCH_PG_PORT) REDIS_PORT=$(BENCH_REDIS_PORT) \
  CI_SERVICES_DIR=/tmp/statuspage-bench-services
bench: install
	command -v wrk >/dev/null && command -v nginx >/dev/null && command -v curl >/dev/null \
	  || $(SUDO) apt-get install -y --no-install-recommends wrk nginx-light curl
	rm -rf $(BENCH) && mkdir -p $(BENCH)
	$(BENCH_SERVICES) .ci/services.sh clean
	$(BENCH_SERVICES) .ci/services.sh run env -u CELERY_BROKER_URL -u STATIC_MIRROR_DIR \
	  DJANGO_DEBUG=false DJANGO_SECRET_KEY=bench-only-not-secret DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost \
	  DJANGO_SECURE_COOKIES=false STATIC_ROOT=$(BENCH)/static SITE_URL=http://127.0.0.1:8097 \
	  DATABASE_URL=postgres://statuspage:statuspage@127.0.0.1:$(BENCH_PG_PORT)/statuspage \
	  REDIS_URL=redis://127.0.0.1:$(BENCH_REDIS_PORT)/1 \
	  sh -c '$(BIN)/python manage.py migrate -v0 \
	    && $(BIN)/python manage.py load_demo && $(BIN)/python manage.py collectstatic --noinput -v0 \
	    && $(BIN)/python manage.py export_static $(BENCH)/mirror \
	    && $(BIN)/python manage.py bench --mirror $(BENCH)/mirror $(BENCH_ARGS)'
	env -u REDIS_URL -u CELERY_BROKER_URL -u STATIC_MIRROR_DIR \
	  DJANGO_DEBUG=false DJANGO_SECRET_KEY=bench-only-not-secret DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost \
	  DJANGO_SECURE_COOKIES=false STATIC_ROOT=$(BENCH)/static DATABASE_URL=sqlite:///$(BENCH)/db.sqlite3 \
	  sh -c '$(BIN)/python manage.py migrate -v0 && $(BIN)/python manage.py load_demo \
	    && $(BIN)/python manage.py bench --skip throughput,down,redis'

# Lighthouse, by hand: .ci/lighthouse.sh runs npm's lighthouse (pinned in .ci/lighthouse/) in
# Debian's Chromium against gunicorn in production mode on a throwaway SQLite copy of the demo,
# on /, the demo FAQ and a service page, mobile and desktop; prints the scores and fails below
# 95 (performance counts on / only). Installs Node.js, npm and Chromium with apt-get when missing.
lighthouse: install
	.ci/lighthouse.sh

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	touch $@

# Browser tests drive Debian's Chromium; Playwright's own browser download is not used.
browser: /usr/bin/chromium

/usr/bin/chromium:
	$(SUDO) apt-get install -y --no-install-recommends chromium fonts-dejavu-core \
	  || ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium fonts-dejavu-core)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run

# Re-pin dependencies after changing pyproject.toml.
lock: install
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles
