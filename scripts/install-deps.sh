#!/bin/sh
# Install every Debian package libburstccn needs to build, test and plot:
# the toolchain, zlib, OpenCL (headers, ICD loader, PoCL for CPUs),
# CLBlast, Criterion, gnuplot, the Fashion-MNIST dataset, clang with its
# sanitizer and libFuzzer runtime (make fuzz), and Open MPI (data-parallel
# training; its tests run mpirun -np 2).
set -eu
PACKAGES="build-essential autoconf automake libtool pkg-config zlib1g-dev
  libcriterion-dev opencl-headers ocl-icd-opencl-dev pocl-opencl-icd clinfo
  libclblast-dev gnuplot-nox dataset-fashion-mnist clang libclang-rt-dev
  libopenmpi-dev openmpi-bin"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null
echo "install-deps: Debian packages installed"
