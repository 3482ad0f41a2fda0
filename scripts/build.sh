#!/bin/sh
# Configure and build libburstccn in ./build (out of tree). Extra
# arguments go to configure.
set -eu
cd "$(dirname "$0")/.."
autoreconf -fi >/dev/null
mkdir -p build
cd build
if [ ! -f Makefile ]; then ../configure -q "$@"; fi
make -j"$(nproc)" >/dev/null
echo "build: built in $(pwd)"
