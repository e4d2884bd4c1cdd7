# The README's commands: `make run` serves the demo, `make test` runs everything CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Local development and tests run in debug mode; production leaves it off.
export DJANGO_DEBUG ?= true

.PHONY: run test install browser lint format check clean lock

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo "Serving on http://127.0.0.1:$(PORT)/ (admin: $(BIN)/python manage.py createsuperuser)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install browser lint check
	$(BIN)/pytest

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
	rm -rf $(VENV) db.sqlite3 staticfiles
