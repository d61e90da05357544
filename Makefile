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

# bubblewrap is the code sandbox. Installed when we are root with apt-get; otherwise we say how.
# As root we also create the system user that sandboxed jobs run as.
system-deps:
	@if ! command -v bwrap >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing bubblewrap (the code sandbox) with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; \
	  else \
	    echo "note: bubblewrap is missing, so code grading will refuse to run."; \
	    echo "      install it with: sudo apt-get install bubblewrap"; \
	  fi; \
	fi
	@# chromium: the browser the web pages' tests drive (Playwright never downloads one).
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium (the web pages' browser tests) with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "note: chromium is missing, so the browser tests are skipped."; \
	    echo "      install it with: sudo apt-get install chromium"; \
	  fi; \
	fi
	@# Fonts for names in any script on certificates and charts (issue 21): CJK and emoji.
	@if [ ! -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ] \
	    || [ ! -f /usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing fonts for certificates (CJK, emoji) with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      fonts-droid-fallback fonts-symbola >/dev/null; \
	  else \
	    echo "note: without fonts-droid-fallback and fonts-symbola, certificates leave out"; \
	    echo "      CJK characters and emoji: sudo apt-get install fonts-droid-fallback fonts-symbola"; \
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
