#!/usr/bin/env bash
# Checks that every tracked .hpp/.cpp file is formatted as the root
# .clang-format says (clang-format --dry-run -Werror). Fix with:
#   clang-format -i $(git ls-files '*.hpp' '*.cpp')
set -euo pipefail
cd "$(dirname "$0")/.."

clang_format=${CLANG_FORMAT:-clang-format}
if ! command -v "$clang_format" >/dev/null 2>&1; then
  echo "check_format: $clang_format not found (tools/setup.sh installs it)" >&2
  exit 1
fi

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.hpp' '*.cpp')
else
  mapfile -t files < <(find include tests examples benchmarks -name '*.hpp' -o -name '*.cpp' | sort)
fi

echo "check_format: $("$clang_format" --version | head -n 1), ${#files[@]} files"
if [ ${#files[@]} -eq 0 ]; then
  exit 0
fi
if "$clang_format" --dry-run -Werror "${files[@]}"; then
  echo "check_format: ok"
else
  echo "check_format: the files above are not formatted; run: clang-format -i <file>" >&2
  exit 1
fi
