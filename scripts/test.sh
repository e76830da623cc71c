#!/usr/bin/env bash
# Sets up (first time only) and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m mypy src/uppf_xl
exec .venv/bin/python -m pytest "$@"
