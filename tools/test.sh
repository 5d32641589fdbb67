#!/usr/bin/env bash
# Installs what is missing (tools/setup.sh), builds everything in build/
# (Release) and runs every test with ctest. The README's test command and
# .ci/run both run this script. Its exit status is ctest's.
#
# After ctest, every test it reported as not run (skipped, e.g. a unit binary
# for an ISA level this CPU lacks, or xsimd_newer without pythran; or disabled)
# is listed with the reason it printed (its "SKIPPED: ..." lines): ctest itself
# keeps the output of skipped tests in Testing/Temporary/LastTest.log only.
#
#   LOWBIT_BUILD_DIR   build directory (default: build)
#   LOWBIT_JOBS        parallel build and test jobs (default: nproc)
#   LOWBIT_VENV        the Python tools venv (see tools/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh

build_dir=${LOWBIT_BUILD_DIR:-build}
jobs=${LOWBIT_JOBS:-$(nproc)}

cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build_dir" -j "$jobs"

# ctest's own output is kept for its list of the tests that did not run.
ctest_out=$build_dir/Testing/Temporary/ctest-stdout.log
mkdir -p "$(dirname "$ctest_out")"
status=0
ctest --test-dir "$build_dir" -j "$jobs" --output-on-failure 2>&1 | tee "$ctest_out" || status=$?

# Lists the tests ctest reported as not run (under "The following tests did
# not run:": skipped, disabled) with the SKIPPED lines each printed, taken
# from LastTest.log, where a test's output runs from the line "Output:" after
# its "N/M Test: <name>" line to "<end of output>". Prints nothing when every
# test ran.
report_not_run() {
  local not_run log=$build_dir/Testing/Temporary/LastTest.log
  # "name<TAB>why" (why: Skipped, Disabled, ...)
  not_run=$(awk '
    /^The following tests did not run:/ { listing = 1; next }
    listing && /^[ \t]+[0-9]+ - / {
      line = $0
      sub(/^[ \t]+[0-9]+ - /, "", line)
      why = line
      sub(/ \([^()]*\)$/, "", line)
      sub(/.* \(/, "", why)
      sub(/\)$/, "", why)
      print line "\t" why
      next
    }
    listing { listing = 0 }
  ' "$ctest_out")
  [ -n "$not_run" ] || return 0
  [ -f "$log" ] || log=/dev/null

  echo
  echo "Tests not run, with the reason each printed (their whole output: $build_dir/Testing/Temporary/LastTest.log):"
  printf '%s\n' "$not_run" | awk -F '\t' '
    NR == FNR { order[++n] = $1; why[$1] = $2; next }
    /^[0-9]+\/[0-9]+ Test: / { name = $0; sub(/^[0-9]+\/[0-9]+ Test: /, "", name); in_output = 0; next }
    $0 == "Output:" && (name in why) { in_output = 1; getline; next }
    $0 == "<end of output>" { in_output = 0; next }
    in_output && /SKIPPED:/ {
      line = $0
      sub(/^[ \t]+/, "", line)
      reason[name] = reason[name] "    " line "\n"
    }
    END {
      for (i = 1; i <= n; ++i) {
        t = order[i]
        printf "  %s (%s)\n", t, why[t]
        if (t in reason) printf "%s", reason[t]
        else if (why[t] == "Disabled") print "    disabled in its test properties"
        else print "    (it printed no SKIPPED: line; see the log)"
      }
    }
  ' - "$log"
  # ctest's closing line again, so that it stays the last word.
  grep -E '^[0-9]+% tests passed, ' "$ctest_out" | tail -n 1 || true
}
report_not_run || echo "test.sh: could not list the tests that did not run (see $ctest_out)" >&2

exit "$status"
