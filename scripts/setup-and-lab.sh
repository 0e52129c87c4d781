#!/usr/bin/env bash
# Install everything into ./.venv and start JupyterLab on the demo notebook (default profile).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
# the widget's front end: esbuild from the npm registry (package-lock.json), bundle into static/
command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
npm ci --no-audit --no-fund --loglevel=error && npm run build --silent
"$PY" -m pip install --quiet -e ".[lab,test]"
extra=()
[ "$(id -u)" = "0" ] && extra+=(--allow-root)
exec "$PY" -m jupyterlab notebooks/01_quickstart.ipynb --ServerApp.ip=127.0.0.1 "${extra[@]}" "$@"
