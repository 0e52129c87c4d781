#!/usr/bin/env bash
# Install everything into ./.venv and start JupyterLab (on 127.0.0.1 only) with the quickstart notebook
# open; the address to open, with its token, is printed once the server answers.
#   ORBITS_LAB_PORT  the port (default 8888, or the next free one)
#   JUPYTER_TOKEN    the access token (default: a new random one)
# Further arguments go to JupyterLab (e.g. --no-browser). Ctrl-C stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
# the widget's front end: esbuild from the npm registry (package-lock.json), bundle into static/
command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
npm ci --no-audit --no-fund --loglevel=error && npm run build --silent
"$PY" -m pip install --quiet -e ".[lab,test]"

# JupyterLab's settings inside this venv only: no "news" pop-up and no update check, so the first
# screen is the notebook (merged into any overrides already there)
"$PY" - <<'PY'
import json, pathlib, sys
path = pathlib.Path(sys.prefix, "share", "jupyter", "lab", "settings", "overrides.json")
path.parent.mkdir(parents=True, exist_ok=True)
settings = json.loads(path.read_text()) if path.exists() else {}
settings.setdefault("@jupyterlab/apputils-extension:notification", {}).update(fetchNews="false",
                                                                               checkForUpdates=False)
path.write_text(json.dumps(settings, indent=2) + "\n")
PY

port=$("$PY" - "${ORBITS_LAB_PORT:-8888}" <<'PY'
import socket, sys
start = int(sys.argv[1])
for port in range(start, start + 100):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        break
else:
    sys.exit(f"no free port in {start}..{start + 99}")
PY
)
export JUPYTER_TOKEN="${JUPYTER_TOKEN:-$("$PY" -c 'import secrets; print(secrets.token_hex(24))')}"
notebook=/lab/tree/notebooks/01_quickstart.ipynb
url="http://127.0.0.1:$port$notebook?token=$JUPYTER_TOKEN"
extra=()
[ "$(id -u)" = "0" ] && extra+=(--allow-root)

"$PY" -m jupyterlab --ServerApp.ip=127.0.0.1 --ServerApp.port="$port" --ServerApp.port_retries=0 \
    --ServerApp.root_dir="$PWD" --LabApp.default_url="$notebook" "${extra[@]}" "$@" &
server=$!
trap 'kill -TERM "$server" 2>/dev/null || true' INT TERM
for _ in $(seq 240); do
    kill -0 "$server" 2>/dev/null || { wait "$server"; exit $?; }
    "$PY" - "$port" 2>/dev/null <<'PY' && break
import os, sys, urllib.request
urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/api/status",
                       headers={"Authorization": f"token {os.environ['JUPYTER_TOKEN']}"}), timeout=1)
PY
    sleep 0.5
done
cat <<EOF

  ------------------------------------------------------------------------------------------------
  The quickstart notebook is served at (open it in a browser on this machine):

      $url

  Ctrl-C stops the server.
  ------------------------------------------------------------------------------------------------

EOF
status=0
wait "$server" || status=$?
if kill -0 "$server" 2>/dev/null; then     # Ctrl-C: wait for the server to shut down
    wait "$server" || status=$?
fi
exit "$status"
