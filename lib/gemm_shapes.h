/*
 * gemm_shapes.h — the GEMM calls a network makes (internal): the list the
 * tuner (lib/cl/cl_tune.c) optimises for and the benchmark's SGEMM-rate
 * measurement (bench/gemm_rate.c) replays.
 */
#ifndef BCN_GEMM_SHAPES_H
#define BCN_GEMM_SHAPES_H

#include "burstccn.h"

/* One GEMM call: C (m x n) = op(A) op(B) + beta C, row-major; ta, tb != 0
 * means the stored A, B are transposed. */
typedef struct bcn_gemm_shape {
    int ta, tb, m, n, k;
    float beta;
} bcn_gemm_shape;

/* The GEMM calls of one training step of cfg's rule at this batch size, in
 * the order lib/net/net_rules.c and lib/net/net_update.c make them, into
 * out[0..max); returns how many there are (may exceed max). */
int bcn_step_gemm_shapes(const bcn_net_config *cfg, int batch, bcn_gemm_shape *out, int max);
/* The GEMM calls of one forward pass at this batch size (evaluation runs
 * the forward pass in chunks), into out[0..max); returns how many. */
int bcn_forward_gemm_shapes(const bcn_net_config *cfg, int batch, bcn_gemm_shape *out, int max);

#endif /* BCN_GEMM_SHAPES_H */
