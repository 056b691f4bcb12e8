#!/usr/bin/env bash
# Set up everything lenet-viz needs on a fresh Debian machine: system packages and a .venv.
# Usage: scripts/setup.sh [--test]   (--test adds the headless browser the end-to-end test uses)
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v dot >/dev/null 2>&1 || need+=(graphviz)
# the default gallery links to the chapter's own net, trained and shown on Fashion-MNIST
[[ -d /usr/share/datasets/fashion-mnist ]] || need+=(dataset-fashion-mnist)
if [[ "${1:-}" == "--test" ]]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
  command -v node >/dev/null 2>&1 || need+=(nodejs)
  command -v npm >/dev/null 2>&1 || need+=(npm)
fi
if ((${#need[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "setup: installing Debian packages: ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq "${need[@]}" >&2
  else
    echo "Error: missing Debian package(s) ${need[*]}; install them with: sudo apt-get install ${need[*]}" >&2
    exit 1
  fi
fi

PY=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  echo "setup: creating .venv with $($PY --version)" >&2
  "$PY" -m venv .venv
fi
# Reinstall only when pyproject.toml changed since the last successful install.
stamp=.venv/.lenet-viz-installed
if [[ ! -f $stamp || pyproject.toml -nt $stamp ]]; then
  echo "setup: installing lenet-viz and its pinned stack into .venv" >&2
  .venv/bin/pip install -q --disable-pip-version-check -e '.[test]' 2>&1 | grep -v "is ignored" >&2 || true
  .venv/bin/python -c "import lenet_viz, mxnet, d2l, mlxtend" >&2
  touch "$stamp"
fi

# The browser tests check the draw page with axe-core, installed with npm into a git-ignored folder.
AXE_VERSION=4.11.0
if [[ "${1:-}" == "--test" && ! -f .web-test/node_modules/axe-core/axe.min.js ]]; then
  echo "setup: installing axe-core $AXE_VERSION into .web-test/ for the accessibility test" >&2
  npm install --prefix .web-test --no-audit --no-fund --no-save --silent "axe-core@$AXE_VERSION" >&2
fi
