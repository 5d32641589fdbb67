#!/usr/bin/env bash
# Installs what lowbit needs to build and test, when it is missing, on Debian 12
# (as root, or through sudo). Idempotent: installs nothing when all is there.
#
#   build and test   cmake g++ make libxsimd-dev doctest-dev libbenchmark-dev clang-format
#   tests only       pythran from PyPI (ships a newer xsimd; tests/xsimd_newer
#                    compiles lowbit against it, and is skipped without it)
set -euo pipefail

packages=(cmake g++ make libxsimd-dev doctest-dev libbenchmark-dev clang-format)

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

# Tests only: a newer xsimd (13+) as shipped inside the pythran wheel. Best
# effort: without it tests/xsimd_newer reports itself skipped.
python=${LOWBIT_PYTHON:-python3}
if command -v "$python" >/dev/null 2>&1; then
  # find_spec: located, not imported (only its xsimd headers are used, so its
  # Python dependencies are not installed).
  if "$python" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("pythran") is None)' 2>/dev/null; then
    echo "setup: pythran already installed (newer xsimd for tests/xsimd_newer)"
  else
    echo "setup: installing pythran from PyPI, without dependencies (newer xsimd headers for tests/xsimd_newer)"
    if ! "$python" -m pip install --quiet --disable-pip-version-check --no-deps pythran; then
      echo "setup: could not pip-install pythran; tests/xsimd_newer will be skipped" >&2
    fi
  fi
else
  echo "setup: no $python; tests/xsimd_newer will be skipped" >&2
fi
