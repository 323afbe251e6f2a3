#!/usr/bin/env bash
# Creates .venv and installs aae-bench (with torch and the test extra) into it.
# Idempotent: a second call with the same pyproject.toml does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

case "$(uname -m)" in
  aarch64) torch_pins="torch==2.9.1 torchvision==0.24.1" ;;
  *)       torch_pins="torch==2.14.1 torchvision==0.29.1" ;;
esac
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)
stamp=.venv/.aae-bench-installed
if [ -x .venv/bin/python ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
echo "setup: creating .venv and installing $torch_pins and aae-bench (about 2 minutes the first time)"
[ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
quiet_pip() {  # pip with the local mirror's harmless "Location ... is ignored" lines filtered out
  # --no-compile: Python compiles the modules it imports on first use; compiling all of torch's
  # files up front costs the install tens of seconds
  .venv/bin/pip install --quiet --disable-pip-version-check --no-compile "$@" 2>&1 | { grep -v "is ignored: it is neither" || true; }
}
# shellcheck disable=SC2086
quiet_pip $torch_pins
quiet_pip -e ".[test]"
.venv/bin/python -c "import aae, torch" # fail here, loudly, rather than in the first test
echo "$want" > "$stamp"
echo "setup: done"
