#!/bin/sh
# mpi-scaling.sh — data-parallel scaling of `burstccn train` under MPI: for
# each device kind and rank count, one short training run under the MPI
# launcher, then the time per step (split into each rank's own work and the
# gradient all-reduce) and the samples per second against the number of
# ranks, in OUT/mpi_scaling.csv and drawn by plots/mpi_scaling.gp.
#
#   sh scripts/mpi-scaling.sh [--ranks "1 2"] [--devices "ref cl"] [--out DIR]
#                             [--launcher "mpirun"] [-- TRAIN FLAGS...]
#
# The default run: Fashion-MNIST, 784-500-500-500-10, BurstCCN, batch 32,
# 6,400 training images (200 steps), one epoch. On a cluster, give the
# launcher, e.g. --launcher "srun --mpi=pmix" (one rank per GPU), or run
# under a Slurm allocation with --launcher "mpirun". Each rank picks the
# OpenCL device at its node-local rank when --device is not given; with
# "--devices cl" the script passes --device cl (every rank on the first
# OpenCL device, as on a CPU with PoCL). On one CPU, ranks share the cores:
# PoCL's threads are capped with POCL_MAX_PTHREAD_COUNT = cores / ranks.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
ranks="1 2"
devices="ref cl"
out=results
launcher=mpirun
while [ $# -gt 0 ]; do
  case "$1" in
    --ranks) ranks=$2; shift 2 ;;
    --devices) devices=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --launcher) launcher=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "mpi-scaling.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
bin=${BURSTCCN:-$here/build/burstccn}
[ -x "$bin" ] || bin=$(command -v burstccn) || { echo "mpi-scaling.sh: no burstccn (build first)" >&2; exit 1; }
"$bin" --version | grep -q "MPI data-parallel training: built in" ||
  { echo "mpi-scaling.sh: $bin was built without MPI (./configure --with-mpi)" >&2; exit 1; }
mkdir -p "$out"
# Open MPI as root, oversubscribed, in containers.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
# No binding to single cores: a rank's OpenMP (ref) and PoCL (cl) threads
# use the cores its share allows (set MPI's own binding where it matters).
export OMPI_MCA_hwloc_base_binding_policy="${OMPI_MCA_hwloc_base_binding_policy:-none}"
cores=$(nproc)
csv="$out/mpi_scaling.csv"
tmp="$out/.mpi_scaling.csv.tmp"
# OpenMP threads of ref follow the same share as PoCL's.
echo "device,ranks,batch,steps,seconds_per_step,local_seconds_per_step,allreduce_seconds_per_step,samples_per_second,floats_per_allreduce" > "$tmp"
num() { grep -o "\"$1\": *[-0-9.eE+]*" "$2" | head -1 | sed 's/.*: *//'; }
for dev in $devices; do
  for n in $ranks; do
    threads=$(( cores / n )); [ "$threads" -ge 1 ] || threads=1
    export OMP_NUM_THREADS=$threads
    json="$out/.mpi_scaling_${dev}_$n.json"
    echo "mpi-scaling: $dev, $n rank(s), POCL_MAX_PTHREAD_COUNT=$threads" >&2
    if [ $# -gt 0 ]; then
      POCL_MAX_PTHREAD_COUNT=$threads $launcher -np "$n" "$bin" train --device "$dev" --quiet --json "$json" "$@" >&2
    else
      POCL_MAX_PTHREAD_COUNT=$threads $launcher -np "$n" "$bin" train --device "$dev" --quiet \
        --json "$json" --train-limit 6400 --test-limit 1000 --epochs 1 >&2
    fi
    steps=$(num steps "$json"); train_s=$(num train_seconds "$json")
    local_s=$(num local_seconds_per_step "$json"); red_s=$(num allreduce_seconds_per_step "$json")
    batch=$(num batch "$json"); floats=$(num floats_per_allreduce "$json")
    train=$(num train "$json")
    awk -v d="$dev" -v n="$n" -v b="$batch" -v st="$steps" -v ts="$train_s" -v l="$local_s" \
        -v r="$red_s" -v tr="$train" -v f="$floats" 'BEGIN {
      printf "%s,%d,%d,%d,%.6g,%.6g,%.6g,%.6g,%d\n", d, n, b, st, ts / st, l, r, tr / ts, f }' >> "$tmp"
    rm -f "$json"
  done
done
mv "$tmp" "$csv"
echo "mpi-scaling: wrote $csv" >&2
gp=$(command -v gnuplot || true)
if [ -n "$gp" ]; then
  "$gp" -e "dir='$out'" "$here/plots/mpi_scaling.gp" && echo "mpi-scaling: drew $out/mpi_scaling.png" >&2
fi
