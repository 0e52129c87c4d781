# Sourced by the set-up scripts: create ./.venv (installing Debian's venv module if needed), set $PY.
if [ ! -x .venv/bin/python ]; then
    if ! python3 -m venv .venv 2>/dev/null; then
        rm -rf .venv
        apt-get update -qq && apt-get install -y -qq python3-venv
        python3 -m venv .venv
    fi
fi
PY="$PWD/.venv/bin/python"
"$PY" -m pip install --quiet --upgrade pip
export PATH="$PWD/.venv/bin:$PATH"   # tools started by name (jupyter, kernels) come from the venv too
