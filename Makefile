# 医用耗材精细化管理系统 — the two front-door commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MODULES := $(sort $(wildcard addons/med_*))
CONF ?= trytond.conf
DB ?= demo
# make test DATABASE_URI=postgresql://postgres@127.0.0.1:5432/  runs the suite on PostgreSQL
DATABASE_URI ?= sqlite://
PYTEST_ARGS ?=
# Tryton resolves these paths against / when relative: give them absolute.
export TRYTOND_DATABASE__PATH := $(CURDIR)/var/db
export TRYTOND_WEB__ROOT := $(CURDIR)/.sao/package

.PHONY: run test install sao demo browser-test browser-screens bench clean-demo help

help:
	@echo "make run    — install, build the demo hospital if absent, serve http://127.0.0.1:8000"
	@echo "make test   — the whole test suite (DATABASE_URI=postgresql://... for PostgreSQL)"
	@echo "make browser-test — headless Chromium drives sao on the demo database"
	@echo "make browser-screens — only the test where every role opens every screen"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Re-install when a requirement or a module's packaging changes.
$(VENV)/.installed: $(BIN)/python requirements.txt $(addsuffix /pyproject.toml,$(MODULES))
	$(BIN)/pip install -q -r requirements.txt $(addprefix -e ,$(MODULES))
	touch $@

install: $(VENV)/.installed

.sao/package/index.html: scripts/install_sao.sh $(wildcard scripts/sao/*)
	bash scripts/install_sao.sh

sao: .sao/package/index.html

var/db/$(DB).sqlite: | $(VENV)/.installed
	$(BIN)/python scripts/build_demo.py -c $(CONF) -d $(DB)

demo: install var/db/$(DB).sqlite

run: install sao demo
	@$(BIN)/python scripts/build_demo.py -c $(CONF) -d $(DB)
	@echo "医用耗材精细化管理系统: http://127.0.0.1:8000  (Ctrl+C 停止)"
	$(BIN)/trytond -c $(CONF) -d $(DB)

# Each run gets a fresh database cache: Tryton keys it by module names only.
test: install
	@cache=$$(mktemp -d); trap 'rm -rf "$$cache"' EXIT; \
	export TRYTOND_DATABASE__URI='$(DATABASE_URI)' DB_CACHE="$$cache"; \
	case '$(DATABASE_URI)' in postgresql*) \
	  export DB_NAME=test_$$(date +%s)_$$$$ PGHOST=127.0.0.1 PGUSER=postgres \
	    PGOPTIONS='-c synchronous_commit=off -c jit=off';; \
	  *) export DB_NAME=':memory:';; esac; \
	echo "== test suite on $(DATABASE_URI)"; \
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The every-screen test runs here (and in CI) for every role and every
# menu it sees, the superuser's Tryton menus (管理 …) included (about 7 min);
# `make browser-screens` runs that test alone (docs/browser-tests.md).
# SCREEN_ROLES=ward,ortho for a subset, SCREEN_ADMIN_UPSTREAM=0 to leave
# the superuser's Tryton menus out.
SCREEN_ROLES ?= all
SCREEN_ADMIN_UPSTREAM ?= 1
browser-test: install sao demo
	MED_DB_URI=sqlite:// MED_DB_PATH=$(CURDIR)/var/db MED_DB=$(DB) \
	  MED_SCREEN_ROLES=$(SCREEN_ROLES) \
	  MED_SCREEN_ADMIN_UPSTREAM=$(SCREEN_ADMIN_UPSTREAM) \
	  $(BIN)/python -m pytest --browser tests/browser -v -rs $(PYTEST_ARGS)

browser-screens: install sao demo
	MED_DB_URI=sqlite:// MED_DB_PATH=$(CURDIR)/var/db MED_DB=$(DB) \
	  MED_SCREEN_ROLES=$(SCREEN_ROLES) \
	  MED_SCREEN_ADMIN_UPSTREAM=$(SCREEN_ADMIN_UPSTREAM) \
	  $(BIN)/python -m pytest --browser tests/browser/test_every_screen.py \
	  -v -rs $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

clean-demo:
	rm -f var/db/$(DB).sqlite
