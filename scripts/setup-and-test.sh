#!/usr/bin/env bash
# Install everything into ./.venv and run every test: unit, property (hypothesis) and the
# notebooks under nbval. Exits non-zero when a test fails or when no test ran.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
"$PY" -m pip install --quiet -e ".[lab,test]"
# NVIDIA Dynamo's offline replay, for the parity test only (its own "ai-dynamo" metapackage needs
# a download from outside PyPI, so the two wheels go in without dependencies, then what they import)
"$PY" -m pip install --quiet --no-deps ai-dynamo==1.6.1 ai-dynamo-runtime==1.6.1
"$PY" -m pip install --quiet "pydantic<=2.13.5,>=2.10.6" uvloop typing_extensions msgspec pyyaml zstandard numpy
export ORBITS_REQUIRE_DYNAMO=1
# compile the kernel once (Numba caches it beside the sources) so that every notebook kernel reuses it
"$PY" -c "import orbits_widget as ow; ow.Simulation(concurrency=4).run(1.0, warmup=0.0)"
exec "$PY" -m pytest "$@"
