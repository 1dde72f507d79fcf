# The two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
INSTALLED := $(VENV)/.installed

.PHONY: run test install migrate demo admin lint format check-deploy clean bench serve

run: migrate
	$(MANAGE) load_demo --if-empty
	$(MANAGE) ensure_admin
	$(MANAGE) runserver 127.0.0.1:8000

# One worker per core, at most 4 (pytest-xdist: the concurrency tests open
# connections of their own); PYTEST_ARGS="-n 0 path" runs in one process.
test: $(INSTALLED)
	@test -x /usr/bin/chromium || echo "No Chromium at /usr/bin/chromium: the browser tests will be SKIPPED (apt-get install chromium to run them)."
	$(BIN)/pytest --numprocesses auto --maxprocesses 4 $(PYTEST_ARGS)

install: $(INSTALLED)

# Reinstalls when the pinned dependencies change.
$(INSTALLED): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip==26.3"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $@

migrate: $(INSTALLED)
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) load_demo --if-empty

admin: migrate
	$(MANAGE) ensure_admin

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Deployment checks with the production settings and a throwaway key.
check-deploy: $(INSTALLED)
	DJANGO_SETTINGS_MODULE=bakery.settings.production \
	DJANGO_SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	DJANGO_ALLOWED_HOSTS=bakery.example \
	$(MANAGE) check --deploy --fail-level WARNING

# The app on gunicorn (bakery/gunicorn.conf.py) with the production settings,
# read from the environment (README "Deployment"): collects the static files
# for whitenoise, migrates, serves on BIND.
BIND ?= 127.0.0.1:8000
serve: export DJANGO_SETTINGS_MODULE = bakery.settings.production
serve: $(INSTALLED)
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) migrate --noinput
	exec $(BIN)/gunicorn --config bakery/gunicorn.conf.py --bind "$(BIND)"

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

# Benchmarks with printed figures (PostgreSQL too when DATABASE_URL is set).
bench: $(INSTALLED)
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)
