/*
 * gemm_rate.h — the SGEMM ceiling of a training step (see gemm_rate.c).
 */
#ifndef BCN_BENCH_GEMM_RATE_H
#define BCN_BENCH_GEMM_RATE_H

#include "burstccn.h"
#include "gemm_shapes.h"

/* One GEMM call: C (m x n) = op(A) op(B) + beta C, row-major. */
typedef bcn_gemm_shape bench_gemm;

/* The GEMM calls of one training step of cfg's rule at this batch size,
 * into out[0..max); returns how many there are (may exceed max)
 * (bcn_step_gemm_shapes). */
int bench_step_gemms(const bcn_net_config *cfg, int batch, bench_gemm *out, int max);
/* FLOPs of the list (2 per multiply-add). */
double bench_gemms_flops(const bench_gemm *g, int n);
/* Measure the GFLOP/s of the device open on ctx running the list back to
 * back: warm-up, a count calibrated to target_s per repetition, median of
 * `reps` repetitions, device drained before each clock reading. */
bcn_status bench_gemm_rate(bcn_ctx *ctx, const bench_gemm *g, int n, double target_s, int reps,
                           double *gflops);

#endif /* BCN_BENCH_GEMM_RATE_H */
