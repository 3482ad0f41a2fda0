#!/bin/sh
# The README's main command: install every dependency, build, and train
# BurstCCN on Fashion-MNIST on the default device, printing its test error.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
sh scripts/build.sh
./build/burstccn train --rule burstccn --data fashion-mnist --epochs "${EPOCHS:-1}" "$@"
