# Sourced by scripts/test and scripts/quickstart: create or reuse ./.venv and
# install kerastorch with its dev and vision extras (editable).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${KERASTORCH_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi
# Reinstall only when the project's dependencies changed since the last install.
STAMP="$VENV/.kerastorch-installed"
if [ ! -f "$STAMP" ] || [ "$ROOT/pyproject.toml" -nt "$STAMP" ] || ! "$VENV/bin/python" -c "import kerastorch" 2>/dev/null; then
    "$VENV/bin/python" -m pip install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
    # torch/torchvision: the pair that installs together (see README).
    "$VENV/bin/python" -m pip install -q "torch==2.14.1" "torchvision==0.29.1" 2>&1 | grep -v "^WARNING: Location" || true
    "$VENV/bin/python" -m pip install -q -e "$ROOT[dev,vision]" 2>&1 | grep -v "^WARNING: Location" || true
    "$VENV/bin/python" -c "import kerastorch, torch, torchvision" 
    touch "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
cd "$ROOT"
