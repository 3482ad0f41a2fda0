#!/bin/sh
# The README's main command: install every dependency, build, and run the
# benchmark harness (`burstccn-bench all`) on Fashion-MNIST on the default
# device(s). The figures, CSV/JSON and summary.md land in results/.
# Extra arguments go to burstccn-bench all (e.g. --quick, --out DIR).
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
sh scripts/build.sh
OMP_WAIT_POLICY="${OMP_WAIT_POLICY-passive}"
export OMP_WAIT_POLICY
./build/burstccn-bench all "$@"
