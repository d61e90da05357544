# The two commands of the README: `make run` and `make test`. Both set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.studybot-installed
PYTEST_ARGS ?=

.PHONY: run test setup system-deps lint typecheck unit clean

run: setup
	$(BIN)/studybot migrate
	$(BIN)/studybot run

test: setup lint typecheck unit

setup: $(STAMP) system-deps

# pip takes torch==2.13.0 (CPU) from the machine's local wheels; see pyproject.toml.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# System packages, installed with apt-get (one update, one install) when we are root;
# otherwise we say how. bubblewrap is the code sandbox; chromium is the browser the web pages'
# tests drive (Playwright never downloads one); the fonts print names in any script (CJK,
# emoji) on certificates and charts. As root we also create the user sandboxed jobs run as.
FONT_CJK := /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf
FONT_EMOJI := /usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf
system-deps:
	@missing=""; \
	command -v bwrap >/dev/null 2>&1 || missing="$$missing bubblewrap"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	[ -f $(FONT_CJK) ] || missing="$$missing fonts-droid-fallback"; \
	[ -f $(FONT_EMOJI) ] || missing="$$missing fonts-symbola"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing with apt-get:$$missing"; \
	    export DEBIAN_FRONTEND=noninteractive; apt-get update -qq; \
	    apt-get install -y -qq $$missing >/dev/null || for package in $$missing; do \
	      apt-get install -y -qq $$package >/dev/null || echo "could not install $$package"; \
	    done; \
	  else \
	    echo "note: missing system packages:$$missing (install: sudo apt-get install$$missing)"; \
	    echo "      without bubblewrap code grading refuses to run, without chromium the browser"; \
	    echo "      tests are skipped, without the fonts certificates leave out CJK and emoji."; \
	  fi; \
	fi
	@# As root, jobs run as this unprivileged system user (else as nobody), never as root.
	@if [ "$$(id -u)" = 0 ] && ! getent passwd studybot-sandbox >/dev/null 2>&1 \
	    && command -v useradd >/dev/null 2>&1; then \
	  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
	    studybot-sandbox && echo "created the system user studybot-sandbox (runs sandboxed jobs)"; \
	fi

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) studybot-out .pytest_cache .mypy_cache .ruff_cache
