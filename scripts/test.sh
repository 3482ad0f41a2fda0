#!/bin/sh
# The README's test command: install every dependency, build, run the
# whole test suite (make check), make distcheck, the suite again under
# AddressSanitizer + UndefinedBehaviorSanitizer + LeakSanitizer
# (scripts/sanitize.sh), and every libFuzzer target for FUZZ_SECONDS each
# (make fuzz; default 60 here).
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
sh scripts/build.sh
cd build
clinfo -l || true
step() { echo "test: $1 ($(date -u +%H:%M:%S))"; }
step "make check"
if ! make -j"$(nproc)" check; then
  for f in $(find tests -name '*.log'); do echo "=== $f"; tail -50 "$f"; done
  exit 1
fi
# distcheck re-runs the suite from the tarball in a VPATH build; the slow
# learning tests are skipped there (they ran just above).
step "make distcheck"
BCN_SKIP_SLOW_TESTS=1 make distcheck >distcheck.log 2>&1 || {
  tail -80 distcheck.log; exit 1; }
grep -E 'archives ready|ready for distribution' -A3 distcheck.log || true
cd ..
step "sanitizers"
sh scripts/sanitize.sh
step "fuzzing"
make -C build fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
step "done"
echo "test: all tests passed"
