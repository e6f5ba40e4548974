# 党建通: developer and CI entry points. `make help` lists the targets.
#
#   make run    set everything up, create the demo city and accounts, serve on 127.0.0.1:8000
#   make test   set everything up and run the whole test suite

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON      ?= python3
VENV        := .venv
PY          := $(VENV)/bin/python
MANAGE      := $(PY) manage.py
STAMP       := $(VENV)/.installed
PYTEST_ARGS ?=

# Debian packages the project needs on the machine, one per line. PDFs (WeasyPrint) need
# Pango, HarfBuzz's subsetter (without it a one-page Chinese PDF takes seconds instead of
# about 0.1 s) and a CJK font; orgs/pdf.py checks for them at start-up. Coming later:
# chromium and chromium-driver (browser tests).
DEB_PACKAGES := \
	fonts-noto-cjk \
	libharfbuzz-subset0 \
	libpango-1.0-0 \
	libpangoft2-1.0-0 \
	libsqlite3-0 \
	python3-venv \
	sqlite3

# Fails with a clear message unless $(1) is Python 3.11 or newer.
check_python = $(1) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	echo "党建通 needs Python 3.11 or newer; $(1) is $$($(1) -c 'import sys; print(sys.version.split()[0])' 2>/dev/null || echo "not found")." >&2; \
	echo "Install it, or point PYTHON at one: make PYTHON=python3.11 ..." >&2; \
	exit 1; }

.PHONY: help system venv setup run test lint bench clean

help:
	@echo "make run     set up, seed the demo city (prints the demo accounts), serve on http://127.0.0.1:8000/admin/"
	@echo "make test    set up, run the whole test suite (extra pytest options: PYTEST_ARGS='...')"
	@echo "make lint    ruff check and ruff format --check"
	@echo "make bench   run the benchmarks in bench/"
	@echo "make setup   system packages, .venv, migrate, collectstatic"
	@echo "make system  install the Debian packages (as root) or print the command to run"
	@echo "make venv    create .venv and install requirements-dev.txt"
	@echo "make clean   remove .venv, collected static files and caches (keeps db.sqlite3 and media/)"

# Installs the missing Debian packages when run as root; otherwise prints the command.
system:
	@missing=""; \
	for pkg in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${db:Status-Status}' "$$pkg" 2>/dev/null | grep -qx installed \
			|| missing="$$missing $$pkg"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" -eq 0 ]; then \
		echo "Installing Debian packages:$$missing"; \
		apt-get update; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEB_PACKAGES); \
	else \
		echo "Missing Debian packages:$$missing. Run this, then make again:" >&2; \
		echo "sudo apt-get install -y --no-install-recommends $(DEB_PACKAGES)"; \
		exit 1; \
	fi

venv: $(STAMP)

$(PY):
	@$(call check_python,$(PYTHON))
	$(PYTHON) -m venv $(VENV)

# pip runs again only when a requirements file is newer than the stamp.
$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	@$(call check_python,$(PY))
	$(PY) -m pip install -r requirements-dev.txt
	touch $@

setup: system venv
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput -v0

# DEBUG=1 applies to setup's steps as well as to the server.
run: export DEBUG := 1
# The task worker runs beside the server: large exports are made there (ledger.tasks).
run: setup
	$(MANAGE) seed_demo
	$(MANAGE) db_worker --queue-name '*' & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT; \
	$(MANAGE) runserver 127.0.0.1:8000

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: setup
	$(PY) bench/run.py

# Data stays: db.sqlite3 and media/ hold what users entered.
clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache bench/out
	find . -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
