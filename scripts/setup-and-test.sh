#!/usr/bin/env bash
# Install everything into ./.venv and run every test: unit, property (hypothesis) and the
# notebooks under nbval. Exits non-zero when a test fails or when no test ran.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
"$PY" -m pip install --quiet -e ".[lab,test]"
# compile the kernel once (Numba caches it beside the sources) so that every notebook kernel reuses it
"$PY" -c "import orbits_widget as ow; ow.Simulation(concurrency=4).run(1.0, warmup=0.0)"
exec "$PY" -m pytest "$@"
