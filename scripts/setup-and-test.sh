#!/usr/bin/env bash
# Install everything into ./.venv and run every test: unit, property (hypothesis), the widget in
# a real JupyterLab + Chromium, and the notebooks under nbval. Exits non-zero when a test fails or when no test ran.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
# the widget's front end: esbuild from the npm registry (package-lock.json), bundle into static/
command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
npm ci --no-audit --no-fund --loglevel=error && npm run build --silent
npm run lint --silent
# the bundle is committed (pip needs no node): in CI's fresh clone a rebuild must change nothing
if [ "${CI:-}" = "true" ] && [ -d .git ] && ! git diff --quiet -- src/orbits_widget/widget/static/widget.js; then
    echo "src/orbits_widget/widget/static/widget.js is not built from js/: run 'npm run build' and commit it" >&2
    exit 1
fi
"$PY" -m pip install --quiet -e ".[lab,test]"
# lint: ruff (configured in pyproject.toml) must be clean, as eslint above
"$PY" -m ruff check src tests benchmarks scripts
# types: mypy on the packages pyproject.toml lists ([tool.mypy] files)
"$PY" -m mypy
# the browser tests drive Debian's Chromium through Playwright (never a downloaded browser build)
[ -x /usr/bin/chromium ] || { apt-get update -qq && apt-get install -y -qq chromium; }
export ORBITS_REQUIRE_BROWSER=1
# NVIDIA Dynamo's offline replay, for the parity test only. Its "ai-dynamo" metapackage needs a download
# from outside PyPI, so what its replay imports goes in first, then the two wheels without their
# dependencies (pip checks none then, so it has nothing to complain about)
"$PY" -m pip install --quiet "pydantic<=2.13.5,>=2.10.6" uvloop typing_extensions msgspec pyyaml zstandard numpy
"$PY" -m pip install --quiet --no-deps ai-dynamo==1.6.1 ai-dynamo-runtime==1.6.1
echo "Dynamo 1.6.1: only its offline replay is installed (for the parity tests); its serving dependencies are skipped"
export ORBITS_REQUIRE_DYNAMO=1
# compile the kernel once (Numba caches it beside the sources) so that every notebook kernel reuses it
"$PY" -c "import orbits_widget as ow; ow.Simulation(concurrency=4).run(1.0, warmup=0.0)"
exec "$PY" -m pytest "$@"
