#!/usr/bin/env bash
# Sets up (first time only) and runs the demo municipality end to end into demo-ut/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/uppf-xl demo demo-ut "$@"
