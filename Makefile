# Essence CRM — `make run` to start everything, `make test` to run the suite.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PYTHON ?= python3
PORT   ?= 8000

.PHONY: install run test bench lint lock superuser clean-data

$(VENV)/.installed: requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed

run: install
	PORT=$(PORT) $(PY) -m essence.launcher

test: install
	bin/ensure-chromium
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	ESSENCE_BENCH=1 $(PY) -m pytest tests/perf -s -q $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

lock: install
	$(VENV)/bin/pip-compile --quiet --strip-extras -o requirements.lock pyproject.toml
	$(VENV)/bin/pip-compile --quiet --strip-extras --extra dev -o requirements-dev.lock pyproject.toml

superuser: install
	$(PY) manage.py createsuperuser

clean-data:
	rm -rf .data
