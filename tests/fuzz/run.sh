#!/bin/sh
# Build the libFuzzer targets and run each for a bounded time (`make fuzz`
# calls this; tests/fuzz/README says more).
#
# Usage: run.sh SRCDIR WORKDIR SECONDS NAME...
# Builds the library once more in WORKDIR with $FUZZ_CC (clang) and
# -fsanitize=fuzzer-no-link,address,undefined (reference backend only, no
# OpenMP or MPI; warnings do not stop it: the normal build is the -Werror one),
# links tests/fuzz/fuzz_NAME.c into WORKDIR/fuzz_NAME for each NAME and
# runs it for SECONDS on WORKDIR/corpus/NAME (new inputs land there) and the
# seeds in SRCDIR/tests/fuzz/corpus/NAME. A crash, a leak, a sanitizer
# report or an allocation over $FUZZ_MALLOC_MB MB (default 256) fails the
# run; the input that did it is left as WORKDIR/artifacts/NAME-*.
set -eu
if [ $# -lt 4 ]; then
  echo "usage: $0 SRCDIR WORKDIR SECONDS NAME..." >&2
  exit 2
fi
src=$1 work=$2 seconds=$3
shift 3
FUZZ_CC="${FUZZ_CC:-clang}"
FUZZ_MALLOC_MB="${FUZZ_MALLOC_MB:-256}"
flags="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"

mkdir -p "$work/artifacts"
cd "$work"
# The targets write their files under $TMPDIR: memory, where there is some,
# runs them several times faster than a disk.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
  TMPDIR=/dev/shm
  export TMPDIR
fi

# A compiler that can link a libFuzzer target, or a clear message.
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >probe.c
if ! "$FUZZ_CC" $flags -fsanitize=fuzzer probe.c -o probe >probe.log 2>&1; then
  echo "make fuzz: '$FUZZ_CC' cannot build libFuzzer targets (-fsanitize=fuzzer):" >&2
  sed 's/^/  /' probe.log >&2
  echo "make fuzz needs clang with its runtime (Debian: apt-get install clang" \
       "libclang-rt-dev), or FUZZ_CC=clang-NN naming one." >&2
  exit 1
fi
rm -f probe probe.c probe.log

# Only what the targets link: no OpenCL, OpenMP or MPI (the targets link
# zlib and libm alone). Reconfigured when these arguments change.
conf_args="--disable-opencl --disable-openmp --without-mpi --disable-shared --disable-werror"
if [ ! -f Makefile ] || [ "$(cat configure-args 2>/dev/null)" != "$FUZZ_CC $conf_args" ]; then
  echo "fuzz: configuring the library with $FUZZ_CC in $work"
  # shellcheck disable=SC2086
  "$src/configure" -q CC="$FUZZ_CC" CFLAGS="$flags -fsanitize=fuzzer-no-link" \
    LDFLAGS="-fsanitize=address,undefined" $conf_args
  echo "$FUZZ_CC $conf_args" >configure-args
fi
make -j"$(nproc 2>/dev/null || echo 2)" libbcncore.la >/dev/null

failed=""
for name in "$@"; do
  # The targets themselves are held to the project's warnings.
  "$FUZZ_CC" $flags -fsanitize=fuzzer -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra \
    -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror -I"$src/lib" -I. \
    "$src/tests/fuzz/fuzz_$name.c" .libs/libbcncore.a -lz -lm -o "fuzz_$name"
  mkdir -p "corpus/$name"
  echo "fuzz: fuzz_$name for $seconds s (seeds: tests/fuzz/corpus/$name)"
  if ./"fuzz_$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -malloc_limit_mb="$FUZZ_MALLOC_MB" -print_final_stats=1 \
      -artifact_prefix="$work/artifacts/$name-" \
      "corpus/$name" "$src/tests/fuzz/corpus/$name" >"fuzz_$name.log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^stat::new_units_added|^Done' "fuzz_$name.log" \
      | sed 's/^/  /'
  else
    echo "fuzz: fuzz_$name FAILED; the end of its log ($work/fuzz_$name.log):" >&2
    tail -60 "fuzz_$name.log" >&2
    failed="$failed $name"
  fi
done
if [ -n "$failed" ]; then
  echo "fuzz: failed:$failed (inputs in $work/artifacts/)" >&2
  exit 1
fi
echo "fuzz: every target ran $seconds s without a finding"
