#!/usr/bin/env bash
# Installs everything uppf-xl needs on a fresh Debian/Ubuntu machine, idempotently:
# LibreOffice, fonts and poppler from Debian, then a virtualenv in .venv with the package.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(libreoffice-calc-nogui libreoffice-writer-nogui fonts-crosextra-carlito
                 fonts-crosextra-caladea fonts-liberation2 poppler-utils chromium nodejs)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  # Debian's nodejs comes without npm; other builds of nodejs bring their own.
  command -v npm >/dev/null 2>&1 || missing+=(npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installerar Debian-paket: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[test]"
  rm -f .venv/.installed-* && touch "$stamp"
fi

# axe-core for the accessibility test of the public comparison (tests/test_publish_browser.py).
if command -v npm >/dev/null 2>&1; then
  npm_stamp=node_modules/.installed-$(sha1sum package.json | cut -c1-12)
  if [ ! -f "$npm_stamp" ]; then
    npm install --no-audit --no-fund --silent
    rm -f node_modules/.installed-* && touch "$npm_stamp"
  fi
fi
