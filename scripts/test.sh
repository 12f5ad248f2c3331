#!/usr/bin/env bash
# Installs everything the tests need (Python test extra, Debian's Chromium for the browser tests)
# and runs every test: ruff, mypy, doctests, unit, PyTorch-parity, CLI and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -e ".[test]"

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  SUDO=""
  if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

# Run every check even when an earlier one fails, so one run shows everything; fail if any failed.
status=0
python3 -m ruff check src tests bench || status=1
python3 -m mypy || status=1
lint-imports || status=1
python3 -m pytest -n 2 "$@" || status=1
exit $status
