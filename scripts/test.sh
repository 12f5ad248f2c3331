#!/usr/bin/env bash
# Installs everything the tests need (Python test extra; Debian's Chromium for the browser tests and Debian's
# TeX for compiling the LaTeX handouts, each only when missing) and runs every test: ruff, mypy, import
# layering, doctests, unit, PyTorch-parity, CLI and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -e ".[test]"

updated=0
apt_install() {  # apt_install PACKAGE...: Debian packages without their recommends (apt-get update once)
  local sudo=""
  if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi
  if [ "$updated" = 0 ]; then $sudo apt-get update -qq; updated=1; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  apt_install chromium
fi
# pdflatex and every package the handouts use (inputenc, fontenc, geometry, amsmath, graphicx; amssymb and
# the EC fonts come with its dependency texlive-base).
if ! command -v pdflatex >/dev/null 2>&1; then
  apt_install texlive-latex-base
fi
export NNSTEPS_REQUIRE_PDFLATEX=1  # the LaTeX compile test runs here, never skips

# Run every check even when an earlier one fails, so one run shows everything; fail if any failed.
status=0
python3 -m ruff check src tests bench || status=1
python3 -m mypy || status=1
lint-imports || status=1
python3 -m pytest -n 2 "$@" || status=1
exit $status
