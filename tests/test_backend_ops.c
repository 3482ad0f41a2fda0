/*
 * test_backend_ops.c — every slot of the backend interface on every OpenCL
 * device, compared with the ref backend (in the manner of ggml's
 * test-backend-ops).
 *
 * One table of cases (op, shapes, parameters, tolerance). For each case and
 * device: fresh random inputs from a fixed seed (printed), the same inputs
 * uploaded to ref and to cl, outputs poisoned with NaN before the op so that
 * an element the op fails to write is caught, and every buffer followed by a
 * guard band of sentinel values that must come back untouched. Inputs must
 * come back bit-identical. Then, per output buffer: NaN and infinity
 * mismatches first, then ||out - ref|| / ||ref|| against the case's
 * tolerance (1e-5 element-wise, 1e-4 for GEMMs, GEMM chains and
 * convolutions). For optimiser states the error is measured on the change
 * the op made, which is far stricter than on the weights themselves.
 * (tests/test_conv.c checks ref's convolutions against the formulas of
 * SPEC §12 and a hand-worked case on every backend.)
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "internal.h"
#include "opt_table.h"

#define GUARD 37             /* guard elements after every buffer */
#define SENTINEL -7.125e29f  /* value of the guard elements */
#define SEED_BASE 20240917u  /* case i uses seed SEED_BASE + i */
#define TOL_ELT 1e-5
#define TOL_GEMM 1e-4
#define MAX_BUFS 16

typedef enum op {
    OP_FILL,
    OP_AXPBY,
    OP_GEMM,
    OP_BIAS_SIGMOID,
    OP_DSIGMOID_MUL,
    OP_OUTPUT_DELTA,
    OP_OUTPUT_BURST,
    OP_BURSTCCN_HIDDEN,
    OP_SIGMOID_MUL,
    OP_BURSTPROP_HIDDEN,
    OP_COLSUM,
    OP_DOT3,
    OP_SGD,
    OP_MOMENTUM,
    OP_ADAM,
    OP_CHAIN, /* a whole backprop step of a 2-layer net: GEMMs + element-wise */
    OP_CONV2D,
    OP_CONV2D_T,  /* conv2d_transpose */
    OP_CONV2D_WG, /* conv2d_weight_grad */
} op;

/* Case flags. */
#define F_NO_T 1u      /* output_burst without teacher */
#define F_NO_DELTA 2u  /* output_burst without delta */
#define F_NO_R 4u      /* burstprop_hidden with r == NULL */
#define F_NO_ABAR 8u   /* burstprop_hidden with abar == NULL */
#define F_ALIAS 16u    /* dsigmoid_mul with delta == g */
#define F_SMALL 32u    /* burst ops in the small-signal regime: rates nearly
                        * equal, so delta is a difference of close numbers */
#define F_GC 64u       /* delta ops over m x n with the fused bias gradient
                        * gc[j] = a sum_r delta[r][j] (backend.h's bcn_bias_grad) */
#define F_BBAR 128u    /* output_burst also writes bbar = p_b e */
#define F_STATS 256u   /* bias_sigmoid with the loss/accuracy statistics
                        * (backend.h's bcn_out_stats) in slot p1 */

typedef struct tcase {
    const char *name;
    op op;
    int m, n, k;       /* 1-D ops use n; rows x cols ops use m x n (x k, the
                        * inner extent of bias_sigmoid and colsum; 0 = 1);
                        * GEMM m, n, k; convolutions: batch m */
    int ta, tb, pad;   /* GEMM transposes; extra leading-dimension padding */
    float a, b;        /* alpha/beta, a/b of axpby, lr/wd, value of fill */
    float p1, p2;      /* p_b and s; momentum; Adam eps; stats slot */
    int step;          /* Adam step */
    unsigned flags;
    double tol;
    bcn_conv_geom g;   /* convolutions */
} tcase;

/* A convolution geometry from its input and kernel (SPEC §12's h_out). */
#define GEOM(ci, h, w, co, k, s, p)                                                     \
    {(ci), (h), (w), (co), ((h) + 2 * (p) - (k)) / (s) + 1, ((w) + 2 * (p) - (k)) / (s) + 1, \
     (k), (s), (p)}
#define NO_GEOM {.c_in = 0} /* every case that is not a convolution */
/* A convolution case: op, batch, alpha, beta (unused by conv2d), geometry. */
#define CONV(name, op, batch, alpha, beta, geom) \
    {name, op, batch, 0, 0, 0, 0, 0, alpha, beta, 0, 0, 0, 0, TOL_GEMM, geom}

#ifdef BCN_HAVE_OPENCL

/* The one table. Sizes are the awkward ones of the issue: 1, 3, 17, 64,
 * 500, 784, 1025, with batches 1, 7, 32, 100. */
static const tcase cases[] = {
    /* buffers */
    {"fill_1", OP_FILL, 0, 1, 0, 0, 0, 0, 2.5f, 0, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"fill_1025", OP_FILL, 0, 1025, 0, 0, 0, 0, -0.75f, 0, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"axpby_17", OP_AXPBY, 0, 17, 0, 0, 0, 0, 0.5f, -1.25f, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"axpby_78400", OP_AXPBY, 0, 78400, 0, 0, 0, 0, -2.0f, 0.75f, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"axpby_b0_3", OP_AXPBY, 0, 3, 0, 0, 0, 0, 1.5f, 0.0f, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"axpby_b0_500", OP_AXPBY, 0, 500, 0, 0, 0, 0, 1.0f, 0.0f, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    /* GEMM: all four transposes, beta 0 (C poisoned: must not be read) and
     * beta != 0, padded leading dimensions */
    {"gemm_NN_1x1x1", OP_GEMM, 1, 1, 1, 0, 0, 0, 1.0f, 0.0f, 0, 0, 0, 0, TOL_GEMM, NO_GEOM},
    {"gemm_NT_7x17x3", OP_GEMM, 7, 17, 3, 0, 1, 0, 1.0f, 0.0f, 0, 0, 0, 0, TOL_GEMM, NO_GEOM},
    {"gemm_TN_17x64x100", OP_GEMM, 17, 64, 100, 1, 0, 0, 0.01f, 0.0f, 0, 0, 0, 0, TOL_GEMM,
     NO_GEOM},
    {"gemm_TT_3x1025x17", OP_GEMM, 3, 1025, 17, 1, 1, 0, -0.5f, 0.0f, 0, 0, 0, 0, TOL_GEMM,
     NO_GEOM},
    {"gemm_NT_32x500x784", OP_GEMM, 32, 500, 784, 0, 1, 0, 1.0f, 0.0f, 0, 0, 0, 0, TOL_GEMM,
     NO_GEOM},
    {"gemm_TN_500x784x32", OP_GEMM, 500, 784, 32, 1, 0, 0, 1.0f / 32, 0.0f, 0, 0, 0, 0, TOL_GEMM,
     NO_GEOM},
    {"gemm_NN_100x784x10", OP_GEMM, 100, 784, 10, 0, 0, 0, 1.0f, 0.0f, 0, 0, 0, 0, TOL_GEMM,
     NO_GEOM},
    {"gemm_NT_100x10x1025", OP_GEMM, 100, 10, 1025, 0, 1, 0, 1.0f, 0.0f, 0, 0, 0, 0, TOL_GEMM,
     NO_GEOM},
    {"gemm_NN_beta_7x64x17", OP_GEMM, 7, 64, 17, 0, 0, 0, 0.5f, 0.75f, 0, 0, 0, 0, TOL_GEMM,
     NO_GEOM},
    {"gemm_NT_beta_1x1025x500", OP_GEMM, 1, 1025, 500, 0, 1, 0, 1.0f, -1.0f, 0, 0, 0, 0, TOL_GEMM,
     NO_GEOM},
    {"gemm_TN_beta_64x17x7", OP_GEMM, 64, 17, 7, 1, 0, 0, -1.0f, 1.0f, 0, 0, 0, 0, TOL_GEMM,
     NO_GEOM},
    {"gemm_TT_beta_17x3x64", OP_GEMM, 17, 3, 64, 1, 1, 0, 2.0f, 0.25f, 0, 0, 0, 0, TOL_GEMM,
     NO_GEOM},
    {"gemm_NT_ld_32x17x64", OP_GEMM, 32, 17, 64, 0, 1, 5, 1.0f, 0.0f, 0, 0, 0, 0, TOL_GEMM,
     NO_GEOM},
    {"gemm_TT_ld_beta_7x3x17", OP_GEMM, 7, 3, 17, 1, 1, 3, 1.0f, 0.5f, 0, 0, 0, 0, TOL_GEMM,
     NO_GEOM},
    /* Sizes that are no multiple of any tile of the own kernels (gemm.cl):
     * full tiles and edge tiles in both dimensions, k with a remainder
     * after the last vector, padded leading dimensions. */
    {"gemm_NN_ld_beta_33x37x19", OP_GEMM, 33, 37, 19, 0, 0, 3, 0.5f, -0.5f, 0, 0, 0, 0,
     TOL_GEMM, NO_GEOM},
    {"gemm_TN_ld_41x50x33", OP_GEMM, 41, 50, 33, 1, 0, 7, 1.0f, 0.0f, 0, 0, 0, 0, TOL_GEMM,
     NO_GEOM},
    {"gemm_NT_ld_beta_35x29x23", OP_GEMM, 35, 29, 23, 0, 1, 1, -1.0f, 2.0f, 0, 0, 0, 0,
     TOL_GEMM, NO_GEOM},
    {"gemm_NT_9x5x47", OP_GEMM, 9, 5, 47, 0, 1, 0, 1.0f, 0.0f, 0, 0, 0, 0, TOL_GEMM, NO_GEOM},
    {"gemm_k0_beta_7x17", OP_GEMM, 7, 17, 0, 0, 0, 0, 1.0f, 0.5f, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"gemm_k0_7x17", OP_GEMM, 7, 17, 0, 0, 0, 0, 1.0f, 0.0f, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    /* forward and derivative products */
    {"bias_sigmoid_1x1", OP_BIAS_SIGMOID, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"bias_sigmoid_7x17", OP_BIAS_SIGMOID, 7, 17, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"bias_sigmoid_100x1025", OP_BIAS_SIGMOID, 100, 1025, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, TOL_ELT,
     NO_GEOM},
    {"bias_sigmoid_32x784", OP_BIAS_SIGMOID, 32, 784, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, TOL_ELT,
     NO_GEOM},
    {"dsigmoid_mul_3", OP_DSIGMOID_MUL, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"dsigmoid_mul_16000", OP_DSIGMOID_MUL, 0, 16000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, TOL_ELT,
     NO_GEOM},
    {"dsigmoid_mul_alias_3200", OP_DSIGMOID_MUL, 0, 3200, 0, 0, 0, 0, 0, 0, 0, 0, 0, F_ALIAS,
     TOL_ELT, NO_GEOM},
    {"output_delta_1", OP_OUTPUT_DELTA, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"output_delta_1000", OP_OUTPUT_DELTA, 0, 1000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"sigmoid_mul_17", OP_SIGMOID_MUL, 0, 17, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"sigmoid_mul_50000", OP_SIGMOID_MUL, 0, 50000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    /* bursts */
    {"output_burst_70", OP_OUTPUT_BURST, 0, 70, 0, 0, 0, 0, 0, 0, 0.5f, 1.0f, 0, 0, TOL_ELT,
     NO_GEOM},
    {"output_burst_s2_1000", OP_OUTPUT_BURST, 0, 1000, 0, 0, 0, 0, 0, 0, 0.2f, 2.0f, 0, 0,
     TOL_ELT, NO_GEOM},
    {"output_burst_no_t_320", OP_OUTPUT_BURST, 0, 320, 0, 0, 0, 0, 0, 0, 0.5f, 1.0f, 0, F_NO_T,
     TOL_ELT, NO_GEOM},
    {"output_burst_no_delta_7", OP_OUTPUT_BURST, 0, 7, 0, 0, 0, 0, 0, 0, 0.5f, 1.0f, 0,
     F_NO_DELTA, TOL_ELT, NO_GEOM},
    {"output_burst_no_t_no_delta_1", OP_OUTPUT_BURST, 0, 1, 0, 0, 0, 0, 0, 0, 0.3f, 1.0f, 0,
     F_NO_T | F_NO_DELTA, TOL_ELT, NO_GEOM},
    {"burstccn_hidden_1", OP_BURSTCCN_HIDDEN, 0, 1, 0, 0, 0, 0, 0, 0, 0.5f, 0, 0, 0, TOL_ELT,
     NO_GEOM},
    {"burstccn_hidden_16000", OP_BURSTCCN_HIDDEN, 0, 16000, 0, 0, 0, 0, 0, 0, 0.5f, 0, 0, 0,
     TOL_ELT, NO_GEOM},
    {"burstccn_hidden_pb02_3200", OP_BURSTCCN_HIDDEN, 0, 3200, 0, 0, 0, 0, 0, 0, 0.2f, 0, 0, 0,
     TOL_ELT, NO_GEOM},
    {"burstccn_hidden_small_16000", OP_BURSTCCN_HIDDEN, 0, 16000, 0, 0, 0, 0, 0, 0, 0.5f, 0, 0,
     F_SMALL, TOL_ELT, NO_GEOM},
    {"burstccn_hidden_small_pb03_1025", OP_BURSTCCN_HIDDEN, 0, 1025, 0, 0, 0, 0, 0, 0, 0.3f, 0, 0,
     F_SMALL, TOL_ELT, NO_GEOM},
    {"burstprop_hidden_3", OP_BURSTPROP_HIDDEN, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, TOL_ELT,
     NO_GEOM},
    {"burstprop_hidden_16000", OP_BURSTPROP_HIDDEN, 0, 16000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
     TOL_ELT, NO_GEOM},
    {"burstprop_hidden_no_r_1025", OP_BURSTPROP_HIDDEN, 0, 1025, 0, 0, 0, 0, 0, 0, 0, 0, 0,
     F_NO_R, TOL_ELT, NO_GEOM},
    {"burstprop_hidden_no_abar_64", OP_BURSTPROP_HIDDEN, 0, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0,
     F_NO_ABAR, TOL_ELT, NO_GEOM},
    {"burstprop_hidden_no_r_no_abar_500", OP_BURSTPROP_HIDDEN, 0, 500, 0, 0, 0, 0, 0, 0, 0, 0, 0,
     F_NO_R | F_NO_ABAR, TOL_ELT, NO_GEOM},
    {"burstprop_hidden_small_16000", OP_BURSTPROP_HIDDEN, 0, 16000, 0, 0, 0, 0, 0, 0, 0, 0, 0,
     F_SMALL, TOL_ELT, NO_GEOM},
    {"output_burst_small_3200", OP_OUTPUT_BURST, 0, 3200, 0, 0, 0, 0, 0, 0, 0.5f, 1.0f, 0, F_SMALL,
     TOL_ELT, NO_GEOM},
    /* reductions */
    {"colsum_1x1", OP_COLSUM, 1, 1, 0, 0, 0, 0, 1.0f, 0.0f, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"colsum_7x3", OP_COLSUM, 7, 3, 0, 0, 0, 0, 1.0f / 7, 0.0f, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"colsum_32x17_beta", OP_COLSUM, 32, 17, 0, 0, 0, 0, 1.0f / 32, 0.5f, 0, 0, 0, 0, TOL_ELT,
     NO_GEOM},
    {"colsum_100x500", OP_COLSUM, 100, 500, 0, 0, 0, 0, 0.01f, 0.0f, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"colsum_1000x10", OP_COLSUM, 1000, 10, 0, 0, 0, 0, 1.0f, 0.0f, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"colsum_1000x1025_beta", OP_COLSUM, 1000, 1025, 0, 0, 0, 0, 1e-3f, -1.0f, 0, 0, 0, 0,
     TOL_ELT, NO_GEOM},
    {"colsum_17x784", OP_COLSUM, 17, 784, 0, 0, 0, 0, 1.0f, 0.0f, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"colsum_0x64_beta", OP_COLSUM, 0, 64, 0, 0, 0, 0, 1.0f, 0.5f, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"dot3_1", OP_DOT3, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"dot3_1025", OP_DOT3, 0, 1025, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"dot3_392000", OP_DOT3, 0, 392000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    /* the output layer's forward pass with the training statistics (in
     * the place of the former output_stats slot's cases) */
    {"bias_sigmoid_stats_1x10", OP_BIAS_SIGMOID, 1, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, F_STATS,
     TOL_ELT, NO_GEOM},
    {"bias_sigmoid_stats_7x3_slot2", OP_BIAS_SIGMOID, 7, 3, 0, 0, 0, 0, 0, 0, 2, 0, 0, F_STATS,
     TOL_ELT, NO_GEOM},
    {"bias_sigmoid_stats_100x10", OP_BIAS_SIGMOID, 100, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, F_STATS,
     TOL_ELT, NO_GEOM},
    {"bias_sigmoid_stats_1000x17_slot5", OP_BIAS_SIGMOID, 1000, 17, 0, 0, 0, 0, 0, 0, 5, 0, 0,
     F_STATS, TOL_ELT, NO_GEOM},
    /* optimisers */
    {"sgd_1", OP_SGD, 0, 1, 0, 0, 0, 0, 0.1f, 0.0f, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"sgd_wd_392000", OP_SGD, 0, 392000, 0, 0, 0, 0, 0.1f, 1e-3f, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"momentum_17", OP_MOMENTUM, 0, 17, 0, 0, 0, 0, 0.1f, 0.0f, 0.9f, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"momentum_wd_50000", OP_MOMENTUM, 0, 50000, 0, 0, 0, 0, 0.05f, 1e-4f, 0.8f, 0, 0, 0,
     TOL_ELT, NO_GEOM},
    {"adam_step1_1025", OP_ADAM, 0, 1025, 0, 0, 0, 0, 0.05f, 0.0f, 1e-8f, 0, 1, 0, TOL_ELT,
     NO_GEOM},
    {"adam_step5_wd_16000", OP_ADAM, 0, 16000, 0, 0, 0, 0, 0.05f, 1e-4f, 1e-8f, 0, 5, 0,
     TOL_ELT, NO_GEOM},
    {"adam_step5_3", OP_ADAM, 0, 3, 0, 0, 0, 0, 0.05f, 0.0f, 1e-8f, 0, 5, 0, TOL_ELT, NO_GEOM},
    /* GEMM chains: a backprop step of a 2-layer net, batch m, n_0 = k,
     * n_1 = n, 10 outputs */
    {"chain_7x64x17", OP_CHAIN, 7, 17, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, TOL_GEMM, NO_GEOM},
    {"chain_100x784x500", OP_CHAIN, 100, 500, 784, 0, 0, 0, 0, 0, 0, 0, 0, 0, TOL_GEMM, NO_GEOM},
    {"chain_1x3x1025", OP_CHAIN, 1, 3, 1025, 0, 0, 0, 0, 0, 0, 0, 0, 0, TOL_GEMM, NO_GEOM},
    /* (new cases go last, so that earlier cases keep their seeds) */
    /* bias_sigmoid and colsum over rows x cols x inner (convolution maps:
     * batch x channels x h w), inner above, below and not a multiple of the
     * work-group size */
    {"bias_sigmoid_32x64x144", OP_BIAS_SIGMOID, 32, 64, 144, 0, 0, 0, 0, 0, 0, 0, 0, 0, TOL_ELT,
     NO_GEOM},
    {"bias_sigmoid_7x17x9", OP_BIAS_SIGMOID, 7, 17, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"bias_sigmoid_32x256x9", OP_BIAS_SIGMOID, 32, 256, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, TOL_ELT,
     NO_GEOM},
    {"bias_sigmoid_3x1x1000", OP_BIAS_SIGMOID, 3, 1, 1000, 0, 0, 0, 0, 0, 0, 0, 0, 0, TOL_ELT,
     NO_GEOM},
    {"bias_sigmoid_1x3x2", OP_BIAS_SIGMOID, 1, 3, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"colsum_32x64x144", OP_COLSUM, 32, 64, 144, 0, 0, 0, 1.0f / 32, 0.0f, 0, 0, 0, 0, TOL_ELT,
     NO_GEOM},
    {"colsum_32x256x9_beta", OP_COLSUM, 32, 256, 9, 0, 0, 0, 1.0f / 32, 0.5f, 0, 0, 0, 0,
     TOL_ELT, NO_GEOM},
    {"colsum_32x32x144", OP_COLSUM, 32, 32, 144, 0, 0, 0, 1.0f, 0.0f, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"colsum_32x128x25", OP_COLSUM, 32, 128, 25, 0, 0, 0, 1.0f / 32, 0.0f, 0, 0, 0, 0, TOL_ELT,
     NO_GEOM},
    {"colsum_7x3x17_beta", OP_COLSUM, 7, 3, 17, 0, 0, 0, -2.0f, 1.0f, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"colsum_1x1x5", OP_COLSUM, 1, 1, 5, 0, 0, 0, 1.0f, 0.0f, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"colsum_3x5x257", OP_COLSUM, 3, 5, 257, 0, 0, 0, 1.0f, 0.0f, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"colsum_17x17x1000_beta", OP_COLSUM, 17, 17, 1000, 0, 0, 0, 1e-3f, -1.0f, 0, 0, 0, 0,
     TOL_ELT, NO_GEOM},
    {"colsum_100x3x2", OP_COLSUM, 100, 3, 2, 0, 0, 0, 1.0f, 0.0f, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    {"colsum_0x64x9_beta", OP_COLSUM, 0, 64, 9, 0, 0, 0, 1.0f, 0.5f, 0, 0, 0, 0, TOL_ELT, NO_GEOM},
    /* convolutions: k 1, 3, 5; stride 1, 2, 3; pad 0, 1, 2; H != W, sizes
     * not multiples of the stride (unread input rows/columns: 8x10 k3 s3,
     * 9x13 k3 s3 p1, 12x9 k5 s2, and k1 s2 p1, which never reads the even
     * columns); a kernel larger than the input (3x4, k5 p2); output larger
     * than the input (p2 > k/2); channels 1, 3, 17; batches 1, 7, 32. The
     * transposes and weight gradients with beta == 0 (output poisoned: must
     * not be read) and beta != 0. */
    CONV("conv2d_k1s1p0_b1_1to3_5x4", OP_CONV2D, 1, 0, 0, GEOM(1, 5, 4, 3, 1, 1, 0)),
    CONV("conv2d_k3s2p1_b7_3to17_11x8", OP_CONV2D, 7, 0, 0, GEOM(3, 11, 8, 17, 3, 2, 1)),
    CONV("conv2d_k5s3p2_b32_17to1_13x11", OP_CONV2D, 32, 0, 0, GEOM(17, 13, 11, 1, 5, 3, 2)),
    CONV("conv2d_k3s3p0_b7_17to17_8x10", OP_CONV2D, 7, 0, 0, GEOM(17, 8, 10, 17, 3, 3, 0)),
    CONV("conv2d_k5s1p2_b7_3to3_3x4", OP_CONV2D, 7, 0, 0, GEOM(3, 3, 4, 3, 5, 1, 2)),
    CONV("conv2d_k1s2p1_b1_3to1_7x6", OP_CONV2D, 1, 0, 0, GEOM(3, 7, 6, 1, 1, 2, 1)),
    CONV("conv2d_k3s3p1_b32_1to17_9x13", OP_CONV2D, 32, 0, 0, GEOM(1, 9, 13, 17, 3, 3, 1)),
    CONV("conv2d_k5s2p0_b7_17to3_12x9", OP_CONV2D, 7, 0, 0, GEOM(17, 12, 9, 3, 5, 2, 0)),
    CONV("conv2d_k3s1p2_b32_1to1_4x6", OP_CONV2D, 32, 0, 0, GEOM(1, 4, 6, 1, 3, 1, 2)),
    CONV("conv2dT_k1s1p0_b1_1to3_5x4", OP_CONV2D_T, 1, 1.0f, 0.0f, GEOM(1, 5, 4, 3, 1, 1, 0)),
    CONV("conv2dT_k3s2p1_b7_3to17_11x8_beta", OP_CONV2D_T, 7, -0.5f, 1.0f,
         GEOM(3, 11, 8, 17, 3, 2, 1)),
    CONV("conv2dT_k5s3p2_b32_17to1_13x11", OP_CONV2D_T, 32, 1.0f, 0.0f,
         GEOM(17, 13, 11, 1, 5, 3, 2)),
    CONV("conv2dT_k3s3p0_b7_17to17_8x10", OP_CONV2D_T, 7, 1.0f, 0.0f,
         GEOM(17, 8, 10, 17, 3, 3, 0)),
    CONV("conv2dT_k3s3p0_b7_17to17_8x10_beta", OP_CONV2D_T, 7, 2.0f, -0.75f,
         GEOM(17, 8, 10, 17, 3, 3, 0)),
    CONV("conv2dT_k5s1p2_b7_3to3_3x4_beta", OP_CONV2D_T, 7, 1.0f, 0.5f, GEOM(3, 3, 4, 3, 5, 1, 2)),
    CONV("conv2dT_k1s2p1_b1_3to1_7x6", OP_CONV2D_T, 1, 1.0f, 0.0f, GEOM(3, 7, 6, 1, 1, 2, 1)),
    CONV("conv2dT_k1s2p1_b7_3to1_7x6_beta", OP_CONV2D_T, 7, 1.0f, 1.0f, GEOM(3, 7, 6, 1, 1, 2, 1)),
    CONV("conv2dT_k3s3p1_b32_1to17_9x13", OP_CONV2D_T, 32, 0.25f, 0.0f,
         GEOM(1, 9, 13, 17, 3, 3, 1)),
    CONV("conv2dT_k5s2p0_b7_17to3_12x9_beta", OP_CONV2D_T, 7, -1.0f, 1.0f,
         GEOM(17, 12, 9, 3, 5, 2, 0)),
    CONV("conv2dT_k3s1p2_b32_1to1_4x6", OP_CONV2D_T, 32, 1.0f, 0.0f, GEOM(1, 4, 6, 1, 3, 1, 2)),
    CONV("conv2dWG_k1s1p0_b1_1to3_5x4", OP_CONV2D_WG, 1, 1.0f, 0.0f, GEOM(1, 5, 4, 3, 1, 1, 0)),
    CONV("conv2dWG_k3s2p1_b7_3to17_11x8_beta", OP_CONV2D_WG, 7, 1.0f / 7, 0.5f,
         GEOM(3, 11, 8, 17, 3, 2, 1)),
    CONV("conv2dWG_k5s3p2_b32_17to1_13x11", OP_CONV2D_WG, 32, 1.0f / 32, 0.0f,
         GEOM(17, 13, 11, 1, 5, 3, 2)),
    CONV("conv2dWG_k3s3p0_b7_17to17_8x10", OP_CONV2D_WG, 7, 1.0f, 0.0f,
         GEOM(17, 8, 10, 17, 3, 3, 0)),
    CONV("conv2dWG_k5s1p2_b7_3to3_3x4_beta", OP_CONV2D_WG, 7, -1.0f, 1.0f,
         GEOM(3, 3, 4, 3, 5, 1, 2)),
    CONV("conv2dWG_k1s2p1_b1_3to1_7x6", OP_CONV2D_WG, 1, 1.0f, 0.0f, GEOM(3, 7, 6, 1, 1, 2, 1)),
    CONV("conv2dWG_k3s3p1_b32_1to17_9x13_beta", OP_CONV2D_WG, 32, 1.0f / 32, -1.0f,
         GEOM(1, 9, 13, 17, 3, 3, 1)),
    CONV("conv2dWG_k5s2p0_b7_17to3_12x9", OP_CONV2D_WG, 7, 2.0f, 0.0f,
         GEOM(17, 12, 9, 3, 5, 2, 0)),
    CONV("conv2dWG_k3s1p2_b32_1to1_4x6", OP_CONV2D_WG, 32, 1.0f, 0.0f, GEOM(1, 4, 6, 1, 3, 1, 2)),
    /* the layers of SPEC §10's nets at batch 32: Fashion-MNIST conv 1->32
     * and 32->64 (k5 s2, 28x28 and 12x12), CIFAR-10 conv 3->64, 64->128
     * (k5 s2, 32x32 and 14x14) and 128->256 (k3 s1, 5x5) */
    CONV("conv2d_fmnist1", OP_CONV2D, 32, 0, 0, GEOM(1, 28, 28, 32, 5, 2, 0)),
    CONV("conv2d_fmnist2", OP_CONV2D, 32, 0, 0, GEOM(32, 12, 12, 64, 5, 2, 0)),
    CONV("conv2d_cifar1", OP_CONV2D, 32, 0, 0, GEOM(3, 32, 32, 64, 5, 2, 0)),
    CONV("conv2d_cifar2", OP_CONV2D, 32, 0, 0, GEOM(64, 14, 14, 128, 5, 2, 0)),
    CONV("conv2d_cifar3", OP_CONV2D, 32, 0, 0, GEOM(128, 5, 5, 256, 3, 1, 0)),
    CONV("conv2dT_fmnist2", OP_CONV2D_T, 32, 1.0f, 0.0f, GEOM(32, 12, 12, 64, 5, 2, 0)),
    CONV("conv2dT_cifar2_beta", OP_CONV2D_T, 32, -1.0f, 1.0f, GEOM(64, 14, 14, 128, 5, 2, 0)),
    CONV("conv2dT_cifar3", OP_CONV2D_T, 32, 1.0f, 0.0f, GEOM(128, 5, 5, 256, 3, 1, 0)),
    CONV("conv2dWG_fmnist1", OP_CONV2D_WG, 32, 1.0f / 32, 0.0f, GEOM(1, 28, 28, 32, 5, 2, 0)),
    CONV("conv2dWG_fmnist2", OP_CONV2D_WG, 32, 1.0f / 32, 0.0f, GEOM(32, 12, 12, 64, 5, 2, 0)),
    CONV("conv2dWG_cifar1", OP_CONV2D_WG, 32, 1.0f / 32, 0.0f, GEOM(3, 32, 32, 64, 5, 2, 0)),
    CONV("conv2dWG_cifar2_beta", OP_CONV2D_WG, 32, 1.0f / 32, 1.0f,
         GEOM(64, 14, 14, 128, 5, 2, 0)),
    CONV("conv2dWG_cifar3", OP_CONV2D_WG, 32, 1.0f / 32, 0.0f, GEOM(128, 5, 5, 256, 3, 1, 0)),
    /* the delta ops over rows x cols fused with the bias gradient (alpha
     * a): columns 1, 3, 10, 17, 257, 300, 500, 1025 (no multiple of the
     * work-group or of a vector width), rows 0, 1, 3, 7, 32, 100; and
     * output_burst's bbar output with and without it */
    {"output_delta_gc_32x10", OP_OUTPUT_DELTA, 32, 10, 0, 0, 0, 0, 1.0f / 32, 0, 0, 0, 0, F_GC,
     TOL_ELT, NO_GEOM},
    {"output_delta_gc_7x1025", OP_OUTPUT_DELTA, 7, 1025, 0, 0, 0, 0, 1.0f / 7, 0, 0, 0, 0, F_GC,
     TOL_ELT, NO_GEOM},
    {"output_delta_gc_1x3", OP_OUTPUT_DELTA, 1, 3, 0, 0, 0, 0, -2.0f, 0, 0, 0, 0, F_GC, TOL_ELT,
     NO_GEOM},
    {"dsigmoid_mul_gc_32x500", OP_DSIGMOID_MUL, 32, 500, 0, 0, 0, 0, 1.0f / 32, 0, 0, 0, 0, F_GC,
     TOL_ELT, NO_GEOM},
    {"dsigmoid_mul_gc_alias_33x257", OP_DSIGMOID_MUL, 33, 257, 0, 0, 0, 0, 1.0f / 33, 0, 0, 0, 0,
     F_GC | F_ALIAS, TOL_ELT, NO_GEOM},
    {"dsigmoid_mul_gc_0x7", OP_DSIGMOID_MUL, 0, 7, 0, 0, 0, 0, 1.0f, 0, 0, 0, 0, F_GC, TOL_ELT,
     NO_GEOM},
    {"output_burst_gc_32x10", OP_OUTPUT_BURST, 32, 10, 0, 0, 0, 0, 1.0f / 32, 0, 0.5f, 1.0f, 0,
     F_GC, TOL_ELT, NO_GEOM},
    {"output_burst_gc_bbar_7x17", OP_OUTPUT_BURST, 7, 17, 0, 0, 0, 0, 1.0f / 7, 0, 0.2f, 2.0f, 0,
     F_GC | F_BBAR, TOL_ELT, NO_GEOM},
    {"output_burst_bbar_1025", OP_OUTPUT_BURST, 0, 1025, 0, 0, 0, 0, 0, 0, 0.5f, 1.0f, 0, F_BBAR,
     TOL_ELT, NO_GEOM},
    {"output_burst_bbar_no_t_no_delta_3", OP_OUTPUT_BURST, 0, 3, 0, 0, 0, 0, 0, 0, 0.3f, 1.0f, 0,
     F_BBAR | F_NO_T | F_NO_DELTA, TOL_ELT, NO_GEOM},
    {"output_burst_gc_bbar_no_delta_5x3", OP_OUTPUT_BURST, 5, 3, 0, 0, 0, 0, 0.2f, 0, 0.5f, 1.0f,
     0, F_GC | F_BBAR | F_NO_DELTA, TOL_ELT, NO_GEOM},
    {"output_burst_gc_no_t_3x10", OP_OUTPUT_BURST, 3, 10, 0, 0, 0, 0, 1.0f / 3, 0, 0.5f, 1.0f, 0,
     F_GC | F_NO_T, TOL_ELT, NO_GEOM},
    {"output_burst_small_gc_bbar_100x10", OP_OUTPUT_BURST, 100, 10, 0, 0, 0, 0, 0.01f, 0, 0.5f,
     1.0f, 0, F_GC | F_BBAR | F_SMALL, TOL_ELT, NO_GEOM},
    {"burstccn_hidden_gc_32x500", OP_BURSTCCN_HIDDEN, 32, 500, 0, 0, 0, 0, 1.0f / 32, 0, 0.5f, 0,
     0, F_GC, TOL_ELT, NO_GEOM},
    {"burstccn_hidden_small_gc_17x300", OP_BURSTCCN_HIDDEN, 17, 300, 0, 0, 0, 0, 1.0f / 17, 0,
     0.3f, 0, 0, F_GC | F_SMALL, TOL_ELT, NO_GEOM},
    {"burstprop_hidden_gc_32x500", OP_BURSTPROP_HIDDEN, 32, 500, 0, 0, 0, 0, 1.0f / 32, 0, 0, 0,
     0, F_GC, TOL_ELT, NO_GEOM},
    {"burstprop_hidden_gc_no_r_no_abar_7x1025", OP_BURSTPROP_HIDDEN, 7, 1025, 0, 0, 0, 0,
     1.0f / 7, 0, 0, 0, 0, F_GC | F_NO_R | F_NO_ABAR, TOL_ELT, NO_GEOM},
    {"burstprop_hidden_small_gc_3x5", OP_BURSTPROP_HIDDEN, 3, 5, 0, 0, 0, 0, 1.0f / 3, 0, 0, 0,
     0, F_GC | F_SMALL, TOL_ELT, NO_GEOM},
    {"burstprop_hidden_small_gc_100x17", OP_BURSTPROP_HIDDEN, 100, 17, 0, 0, 0, 0, 0.01f, 0, 0,
     0, 0, F_GC | F_SMALL, TOL_ELT, NO_GEOM},
    /* statistics over an inner extent and over no rows */
    {"bias_sigmoid_stats_3x4x5_slot1", OP_BIAS_SIGMOID, 3, 4, 5, 0, 0, 0, 0, 0, 1, 0, 0, F_STATS,
     TOL_ELT, NO_GEOM},
    {"bias_sigmoid_stats_0x10", OP_BIAS_SIGMOID, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, F_STATS,
     TOL_ELT, NO_GEOM},
    {"bias_sigmoid_stats_32x1025", OP_BIAS_SIGMOID, 32, 1025, 0, 0, 0, 0, 0, 0, 0, 0, 0, F_STATS,
     TOL_ELT, NO_GEOM},
};
#define N_CASES (sizeof cases / sizeof cases[0])

/* --------------------------------------------------------- buffer specs */

typedef enum role {
    R_IN,     /* read only: must come back bit-identical */
    R_OUT,    /* poisoned with NaN before the op, compared */
    R_INOUT,  /* random contents read and overwritten, compared */
    R_UPDATE, /* like R_INOUT, compared on the change (out - in) */
} role;

typedef enum dist {
    D_NORMAL, /* normal, std `scale` */
    D_RATE,   /* uniform in (0.02, 0.98): sigmoid outputs */
    D_ONEHOT, /* one-hot rows of `cols` */
    D_SQUARE, /* squares of normals times `scale` (Adam's v) */
    D_NEAR,   /* the previous buffer plus normal noise of std `scale` */
} dist;

typedef struct bspec {
    const char *name;
    size_t n;
    role role;
    dist dist;
    double scale;
    int cols; /* for D_ONEHOT */
} bspec;

/* The buffers of a case, in the order run_op expects them. */
static int case_buffers(const tcase *c, bspec *b)
{
    /* the delta ops with a bias gradient run over m x n elements */
    size_t n = (c->flags & F_GC) ? (size_t)c->m * (size_t)c->n : (size_t)c->n, mn = (size_t)c->m * (size_t)c->n * (size_t)(c->k > 0 ? c->k : 1);
    const bcn_conv_geom *g = &c->g;
    size_t nx = (size_t)c->m * g->c_in * g->h_in * g->w_in;
    size_t ny = (size_t)c->m * g->c_out * g->h_out * g->w_out;
    size_t nw = (size_t)g->c_out * g->c_in * g->k * g->k;
    int i = 0;
#define B(...) b[i++] = (bspec){__VA_ARGS__}
    switch (c->op) {
    case OP_FILL:
        B("x", n, R_OUT, D_NORMAL, 1, 0);
        break;
    case OP_AXPBY:
        B("x", n, R_IN, D_NORMAL, 1, 0);
        B("y", n, c->b == 0.0f ? R_OUT : R_INOUT, D_NORMAL, 1, 0);
        break;
    case OP_GEMM: {
        int lda = (c->ta ? c->m : c->k) + c->pad, ldb = (c->tb ? c->k : c->n) + c->pad;
        int ldc = c->n + c->pad;
        size_t ra = (size_t)(c->ta ? c->k : c->m), rb = (size_t)(c->tb ? c->n : c->k);
        B("A", ra ? ra * (size_t)lda : 1, R_IN, D_NORMAL, 1, 0);
        B("B", rb ? rb * (size_t)ldb : 1, R_IN, D_NORMAL, 1, 0);
        B("C", (size_t)c->m * (size_t)ldc, c->b == 0.0f ? R_OUT : R_INOUT, D_NORMAL, 1, 0);
        break;
    }
    case OP_BIAS_SIGMOID:
        B("x", mn, R_INOUT, D_NORMAL, 2, 0);
        B("bias", (size_t)c->n, R_IN, D_NORMAL, 1, 0);
        if (c->flags & F_STATS) {
            B("t", mn, R_IN, D_ONEHOT, 1, c->n * (c->k > 0 ? c->k : 1));
            B("stats", 2 * ((size_t)c->p1 + 1) + 3, R_OUT, D_NORMAL, 1, 0);
        }
        break;
    case OP_DSIGMOID_MUL:
        B("g", n, (c->flags & F_ALIAS) ? R_INOUT : R_IN, D_NORMAL, 1, 0);
        B("e", n, R_IN, D_RATE, 1, 0);
        if (!(c->flags & F_ALIAS))
            B("delta", n, R_OUT, D_NORMAL, 1, 0);
        break;
    case OP_OUTPUT_DELTA:
        B("e", n, R_IN, D_RATE, 1, 0);
        B("t", n, R_IN, D_ONEHOT, 1, 10);
        B("delta", n, R_OUT, D_NORMAL, 1, 0);
        break;
    case OP_OUTPUT_BURST:
        B("e", n, R_IN, D_RATE, 1, 0);
        if (c->flags & F_SMALL) /* a teacher close to the output */
            B("t", n, R_IN, D_NEAR, 1e-3, 0);
        else
            B("t", n, R_IN, D_ONEHOT, 1, 10);
        B("b", n, R_OUT, D_NORMAL, 1, 0);
        B("delta", n, R_OUT, D_NORMAL, 1, 0);
        if (c->flags & F_BBAR)
            B("bbar", n, R_OUT, D_NORMAL, 1, 0);
        break;
    case OP_BURSTCCN_HIDDEN:
        B("u", n, R_IN, D_NORMAL, (c->flags & F_SMALL) ? 1e-3 : 0.5, 0);
        B("e", n, R_IN, D_RATE, 1, 0);
        B("b", n, R_OUT, D_NORMAL, 1, 0);
        B("delta", n, R_OUT, D_NORMAL, 1, 0);
        break;
    case OP_SIGMOID_MUL:
        B("a", n, R_IN, D_NORMAL, 2, 0);
        B("e", n, R_IN, D_RATE, 1, 0);
        B("out", n, R_OUT, D_NORMAL, 1, 0);
        break;
    case OP_BURSTPROP_HIDDEN:
        B("ubar", n, R_IN, D_NORMAL, 1, 0);
        if (c->flags & F_SMALL) /* the teacher barely changes the feedback */
            B("u", n, R_IN, D_NEAR, 1e-3, 0);
        else
            B("u", n, R_IN, D_NORMAL, 1, 0);
        B("r", n, R_IN, D_NORMAL, 0.1, 0);
        B("e", n, R_IN, D_RATE, 1, 0);
        B("bbar", n, R_OUT, D_NORMAL, 1, 0);
        B("b", n, R_OUT, D_NORMAL, 1, 0);
        B("delta", n, R_OUT, D_NORMAL, 1, 0);
        B("abar", n, R_OUT, D_NORMAL, 1, 0);
        break;
    case OP_COLSUM:
        B("x", mn ? mn : 1, R_IN, D_NORMAL, 1, 0);
        B("y", n, c->b == 0.0f ? R_OUT : R_INOUT, D_NORMAL, 1, 0);
        break;
    case OP_DOT3:
        B("a", n, R_IN, D_NORMAL, 1, 0);
        B("b", n, R_IN, D_NORMAL, 1, 0);
        break;
    case OP_SGD:
        B("g", n, R_IN, D_NORMAL, 1, 0);
        B("w", n, R_UPDATE, D_NORMAL, 1, 0);
        break;
    case OP_MOMENTUM:
        B("g", n, R_IN, D_NORMAL, 1, 0);
        B("v", n, R_UPDATE, D_NORMAL, 1, 0);
        B("w", n, R_UPDATE, D_NORMAL, 1, 0);
        break;
    case OP_ADAM:
        B("g", n, R_IN, D_NORMAL, 1, 0);
        B("m", n, R_UPDATE, D_NORMAL, 0.1, 0);
        B("v", n, R_UPDATE, D_SQUARE, 0.01, 0);
        B("w", n, R_UPDATE, D_NORMAL, 1, 0);
        break;
    case OP_CHAIN: {
        size_t bt = (size_t)c->m, n0 = (size_t)c->k, n1 = (size_t)c->n, n2 = 10;
        B("x", bt * n0, R_IN, D_RATE, 1, 0);
        B("W1", n1 * n0, R_IN, D_NORMAL, 3.6 * sqrt(2.0 / (double)(n0 + n1)), 0);
        B("c1", n1, R_IN, D_NORMAL, 0.1, 0);
        B("W2", n2 * n1, R_IN, D_NORMAL, 3.6 * sqrt(2.0 / (double)(n1 + n2)), 0);
        B("c2", n2, R_IN, D_NORMAL, 0.1, 0);
        B("t", bt * n2, R_IN, D_ONEHOT, 1, (int)n2);
        B("e1", bt * n1, R_OUT, D_NORMAL, 1, 0);
        B("e2", bt * n2, R_OUT, D_NORMAL, 1, 0);
        B("d2", bt * n2, R_OUT, D_NORMAL, 1, 0);
        B("d1", bt * n1, R_OUT, D_NORMAL, 1, 0);
        B("gW1", n1 * n0, R_OUT, D_NORMAL, 1, 0);
        B("gc1", n1, R_OUT, D_NORMAL, 1, 0);
        B("gW2", n2 * n1, R_OUT, D_NORMAL, 1, 0);
        break;
    }
    case OP_CONV2D:
        B("x", nx, R_IN, D_NORMAL, 1, 0);
        B("w", nw, R_IN, D_NORMAL, 1, 0);
        B("y", ny, R_OUT, D_NORMAL, 1, 0);
        break;
    case OP_CONV2D_T:
        B("dy", ny, R_IN, D_NORMAL, 1, 0);
        B("w", nw, R_IN, D_NORMAL, 1, 0);
        B("dx", nx, c->b == 0.0f ? R_OUT : R_INOUT, D_NORMAL, 1, 0);
        break;
    case OP_CONV2D_WG:
        B("dy", ny, R_IN, D_NORMAL, 1, 0);
        B("x", nx, R_IN, D_NORMAL, 1, 0);
        B("dw", nw, c->b == 0.0f ? R_OUT : R_INOUT, D_NORMAL, 1, 0);
        break;
    }
    if (c->flags & F_GC) /* last: the bias gradient */
        B("gc", (size_t)c->n, R_OUT, D_NORMAL, 1, 0);
#undef B
    return i;
}

/* Fill the logical part of a buffer's initial contents (prev: the previous
 * buffer's, for D_NEAR). */
static void init_values(const bspec *s, bcn_rng *rng, const float *prev, float *v)
{
    if (s->role == R_OUT) {
        for (size_t i = 0; i < s->n; i++)
            v[i] = NAN;
        return;
    }
    switch (s->dist) {
    case D_NORMAL:
        for (size_t i = 0; i < s->n; i++)
            v[i] = (float)(s->scale * bcn_rng_normal(rng));
        break;
    case D_RATE:
        for (size_t i = 0; i < s->n; i++)
            v[i] = (float)(0.02 + 0.96 * bcn_rng_uniform(rng));
        break;
    case D_ONEHOT:
        memset(v, 0, s->n * sizeof *v);
        for (size_t r = 0; r + (size_t)s->cols <= s->n; r += (size_t)s->cols)
            v[r + bcn_rng_below(rng, (uint64_t)s->cols)] = 1.0f;
        break;
    case D_SQUARE:
        for (size_t i = 0; i < s->n; i++) {
            double z = bcn_rng_normal(rng);
            v[i] = (float)(s->scale * z * z);
        }
        break;
    case D_NEAR:
        for (size_t i = 0; i < s->n; i++)
            v[i] = (float)((double)prev[i] + s->scale * bcn_rng_normal(rng));
        break;
    }
}

/* ------------------------------------------------------------ running */

/* The optimiser cases: one optimize step over a single segment [0, n)
 * with lr c->a and weight decay c->b (tests/test_optimize.c covers packed
 * buffers of several segments). */
static bcn_status run_optimize(bcn_backend *be, const tcase *c, bcn_optimizer kind, bcn_buf *g,
                               bcn_buf *m, bcn_buf *v, bcn_buf *w)
{
    size_t n = (size_t)c->n, nt = bcn_opt_table_floats(n);
    bcn_opt_segment seg = {0, n, c->a, c->b};
    float *host = malloc(nt * sizeof *host);
    cr_assert(host && bcn_opt_table_fill(&seg, 1, n, host) == 0);
    bcn_buf *table = NULL;
    bcn_status st = be->buf_alloc(be, nt, &table);
    if (st == BCN_OK)
        st = be->buf_write(be, table, 0, nt, host);
    bcn_optim_step o = {kind, c->p1, 0.9f, 0.999f, c->p1, c->step};
    if (st == BCN_OK)
        st = be->optimize(be, &o, n, table, g, m, v, w);
    be->buf_free(be, table);
    free(host);
    return st;
}

/* Run the case's op on one backend over buffers b[] (as case_buffers lists
 * them); dot3 results go to dots. */
static bcn_status run_op(bcn_backend *be, const tcase *c, bcn_buf **b, double dots[3])
{
    size_t n = (c->flags & F_GC) ? (size_t)c->m * (size_t)c->n : (size_t)c->n;
    bspec specs[MAX_BUFS];
    int nb = case_buffers(c, specs);
    /* the optional outputs come last: bbar, then gc */
    bcn_bias_grad gcv = {(c->flags & F_GC) ? b[nb - 1] : NULL, c->a, c->m, c->n};
    const bcn_bias_grad *gc = (c->flags & F_GC) ? &gcv : NULL;
    bcn_buf *bbar = (c->flags & F_BBAR) ? b[nb - 1 - ((c->flags & F_GC) ? 1 : 0)] : NULL;
    int stats = (c->flags & F_STATS) != 0;
    bcn_out_stats os = {stats ? b[2] : NULL, stats ? b[3] : NULL, (int)c->p1};
    switch (c->op) {
    case OP_FILL:
        return be->fill(be, n, c->a, b[0]);
    case OP_AXPBY:
        return be->axpby(be, n, c->a, b[0], c->b, b[1]);
    case OP_GEMM: {
        int lda = (c->ta ? c->m : c->k) + c->pad, ldb = (c->tb ? c->k : c->n) + c->pad;
        return be->gemm(be, c->ta, c->tb, c->m, c->n, c->k, c->a, b[0], lda, b[1], ldb, c->b,
                        b[2], c->n + c->pad);
    }
    case OP_BIAS_SIGMOID:
        return be->bias_sigmoid(be, c->m, c->n, c->k > 0 ? c->k : 1, b[0], b[1],
                                stats ? &os : NULL);
    case OP_DSIGMOID_MUL:
        return be->dsigmoid_mul(be, n, b[0], b[1], (c->flags & F_ALIAS) ? b[0] : b[2], gc);
    case OP_OUTPUT_DELTA:
        return be->output_delta(be, n, b[0], b[1], b[2], gc);
    case OP_OUTPUT_BURST:
        return be->output_burst(be, n, b[0], (c->flags & F_NO_T) ? NULL : b[1], c->p1, c->p2,
                                b[2], (c->flags & F_NO_DELTA) ? NULL : b[3], bbar, gc);
    case OP_BURSTCCN_HIDDEN:
        return be->burstccn_hidden(be, n, b[0], b[1], c->p1, b[2], b[3], gc);
    case OP_SIGMOID_MUL:
        return be->sigmoid_mul(be, n, b[0], b[1], b[2]);
    case OP_BURSTPROP_HIDDEN:
        return be->burstprop_hidden(be, n, b[0], b[1], (c->flags & F_NO_R) ? NULL : b[2], b[3],
                                    b[4], b[5], b[6], (c->flags & F_NO_ABAR) ? NULL : b[7], gc);
    case OP_COLSUM:
        return be->colsum(be, c->m, c->n, c->k > 0 ? c->k : 1, c->a, b[0], c->b, b[1]);
    case OP_DOT3:
        return be->dot3(be, n, b[0], b[1], dots);
    case OP_SGD:
        return run_optimize(be, c, BCN_OPT_SGD, b[0], NULL, NULL, b[1]);
    case OP_MOMENTUM:
        return run_optimize(be, c, BCN_OPT_MOMENTUM, b[0], b[1], NULL, b[2]);
    case OP_ADAM:
        return run_optimize(be, c, BCN_OPT_ADAM, b[0], b[1], b[2], b[3]);
    case OP_CHAIN: {
        /* forward, backprop deltas and gradients of SPEC §2-§3 */
        int bt = c->m, n0 = c->k, n1 = c->n, n2 = 10;
        float inv = 1.0f / (float)bt;
        bcn_status st;
#define DO(call)              \
    if ((st = (call)) != BCN_OK) \
    return st
        DO(be->gemm(be, 0, 1, bt, n1, n0, 1.0f, b[0], n0, b[1], n0, 0.0f, b[6], n1));
        DO(be->bias_sigmoid(be, bt, n1, 1, b[6], b[2], NULL));
        DO(be->gemm(be, 0, 1, bt, n2, n1, 1.0f, b[6], n1, b[3], n1, 0.0f, b[7], n2));
        DO(be->bias_sigmoid(be, bt, n2, 1, b[7], b[4], NULL));
        DO(be->output_delta(be, (size_t)bt * n2, b[7], b[5], b[8], NULL));
        DO(be->gemm(be, 0, 0, bt, n1, n2, 1.0f, b[8], n2, b[3], n1, 0.0f, b[9], n1));
        DO(be->dsigmoid_mul(be, (size_t)bt * n1, b[9], b[6], b[9], NULL));
        DO(be->gemm(be, 1, 0, n1, n0, bt, inv, b[9], n1, b[0], n0, 0.0f, b[10], n0));
        DO(be->colsum(be, bt, n1, 1, inv, b[9], 0.0f, b[11]));
        DO(be->gemm(be, 1, 0, n2, n1, bt, inv, b[8], n2, b[6], n1, 0.0f, b[12], n1));
#undef DO
        return BCN_OK;
    }
    case OP_CONV2D:
        return be->conv2d(be, &c->g, c->m, b[0], b[1], b[2]);
    case OP_CONV2D_T:
        return be->conv2d_transpose(be, &c->g, c->m, c->a, b[0], b[1], c->b, b[2]);
    case OP_CONV2D_WG:
        return be->conv2d_weight_grad(be, &c->g, c->m, c->a, b[0], b[1], c->b, b[2]);
    }
    return BCN_ERR_INVALID_ARG;
}

/* ------------------------------------------------------------ checking */

/* Compare one buffer (logical n, then GUARD sentinels) of cl against ref;
 * `init` is what both started from. Returns the relative error (or
 * INFINITY on a structural mismatch, which is reported). */
static double compare(const char *label, const bspec *s, const float *init, const float *got,
                      const float *ref)
{
    static const float sentinel = SENTINEL;
    for (size_t i = s->n; i < s->n + GUARD; i++) {
        cr_expect(memcmp(&got[i], &sentinel, sizeof sentinel) == 0,
                  "%s: %s: guard element %zu past the end was overwritten (%g)", label, s->name,
                  i - s->n, (double)got[i]);
        cr_expect(memcmp(&ref[i], &sentinel, sizeof sentinel) == 0,
                  "%s: %s: ref overwrote guard element %zu", label, s->name, i - s->n);
    }
    if (s->role == R_IN) {
        int same = memcmp(got, init, s->n * sizeof *got) == 0;
        cr_expect(same, "%s: input %s was modified", label, s->name);
        return same ? 0.0 : INFINITY;
    }
    size_t nan_bad = 0, inf_bad = 0, first = 0;
    double d2 = 0, r2 = 0;
    for (size_t i = 0; i < s->n; i++) {
        /* NaN on both sides only where neither wrote (GEMM padding). */
        if (isnan(got[i]) != isnan(ref[i])) {
            if (!nan_bad++)
                first = i;
            continue;
        }
        if (isnan(ref[i]))
            continue;
        if (isinf(got[i]) || isinf(ref[i])) {
            if (got[i] != ref[i] && !inf_bad++)
                first = i;
            continue;
        }
        double base = s->role == R_UPDATE ? (double)init[i] : 0.0;
        double x = (double)got[i] - base, y = (double)ref[i] - base;
        d2 += (x - y) * (x - y);
        r2 += y * y;
    }
    cr_expect(nan_bad == 0, "%s: %s: %zu elements NaN on one side only (first at %zu: cl %g, ref %g)",
              label, s->name, nan_bad, first, (double)got[first], (double)ref[first]);
    cr_expect(inf_bad == 0, "%s: %s: %zu infinities differ (first at %zu)", label, s->name,
              inf_bad, first);
    if (nan_bad || inf_bad)
        return INFINITY;
    return r2 > 0 ? sqrt(d2 / r2) : sqrt(d2);
}

/* Run case c on device `dev` and on ref, and check it; returns the worst
 * error. */
static double check_case(const tcase *c, size_t index, bcn_backend *ref, bcn_backend *cl,
                         const char *dev)
{
    bspec specs[MAX_BUFS];
    int nb = case_buffers(c, specs);
    float *init[MAX_BUFS] = {0}, *got[MAX_BUFS] = {0}, *want[MAX_BUFS] = {0};
    bcn_buf *bref[MAX_BUFS] = {0}, *bcl[MAX_BUFS] = {0};
    uint64_t seed = SEED_BASE + index;
    char label[160];
    snprintf(label, sizeof label, "%s on %s (seed %llu)", c->name, dev,
             (unsigned long long)seed);
    bcn_rng rng;
    bcn_rng_seed(&rng, seed);
    for (int i = 0; i < nb; i++) {
        size_t total = specs[i].n + GUARD;
        init[i] = malloc(total * sizeof(float));
        got[i] = malloc(total * sizeof(float));
        want[i] = malloc(total * sizeof(float));
        cr_assert(init[i] && got[i] && want[i]);
        init_values(&specs[i], &rng, i > 0 ? init[i - 1] : NULL, init[i]);
        for (size_t j = specs[i].n; j < total; j++)
            init[i][j] = SENTINEL;
        cr_assert_eq(ref->buf_alloc(ref, total, &bref[i]), BCN_OK, "%s", bcn_errmsg(ref->ctx));
        cr_assert_eq(cl->buf_alloc(cl, total, &bcl[i]), BCN_OK, "%s", bcn_errmsg(cl->ctx));
        cr_assert_eq(ref->buf_write(ref, bref[i], 0, total, init[i]), BCN_OK);
        cr_assert_eq(cl->buf_write(cl, bcl[i], 0, total, init[i]), BCN_OK, "%s",
                     bcn_errmsg(cl->ctx));
    }
    double dref[3] = {0}, dcl[3] = {0};
    bcn_status st = run_op(ref, c, bref, dref);
    cr_assert_eq(st, BCN_OK, "%s: ref failed: %s", label, bcn_errmsg(ref->ctx));
    st = run_op(cl, c, bcl, dcl);
    cr_assert_eq(st, BCN_OK, "%s: cl failed: %s", label, bcn_errmsg(cl->ctx));
    cr_assert_eq(cl->finish(cl), BCN_OK, "%s: %s", label, bcn_errmsg(cl->ctx));
    double worst = 0;
    for (int i = 0; i < nb; i++) {
        size_t total = specs[i].n + GUARD;
        cr_assert_eq(ref->buf_read(ref, bref[i], 0, total, want[i]), BCN_OK);
        cr_assert_eq(cl->buf_read(cl, bcl[i], 0, total, got[i]), BCN_OK, "%s",
                     bcn_errmsg(cl->ctx));
        double err = compare(label, &specs[i], init[i], got[i], want[i]);
        cr_expect(err < c->tol, "%s: %s: ||cl - ref|| / ||ref|| = %.3g, above %.0e", label,
                  specs[i].name, err, c->tol);
        if (err > worst)
            worst = err;
    }
    if (c->op == OP_DOT3) {
        /* Errors relative to the norms: a.b is judged as a cosine. */
        double scale = sqrt(dref[1] * dref[2]);
        double e_ab = fabs(dcl[0] - dref[0]) / scale, e_aa = fabs(dcl[1] - dref[1]) / dref[1],
               e_bb = fabs(dcl[2] - dref[2]) / dref[2];
        double e = fmax(e_ab, fmax(e_aa, e_bb));
        cr_expect(e < c->tol, "%s: dot3 (%.9g %.9g %.9g) vs ref (%.9g %.9g %.9g): error %.3g",
                  label, dcl[0], dcl[1], dcl[2], dref[0], dref[1], dref[2], e);
        worst = fmax(worst, e);
    }
    if (c->flags & F_STATS) { /* the count is an integer: exactly equal */
        size_t slot = (size_t)c->p1;
        cr_expect(got[3][2 * slot + 1] == want[3][2 * slot + 1],
                  "%s: correct count %g, ref %g", label, (double)got[3][2 * slot + 1],
                  (double)want[3][2 * slot + 1]);
    }
    fprintf(stderr, "  %-36s %-8s seed %llu  error %.2e (tol %.0e)\n", c->name, dev,
            (unsigned long long)seed, worst, c->tol);
    for (int i = 0; i < nb; i++) {
        ref->buf_free(ref, bref[i]);
        cl->buf_free(cl, bcl[i]);
        free(init[i]);
        free(got[i]);
        free(want[i]);
    }
    return worst;
}

/* Run every case whose op is in `mask` (bit per op) on every OpenCL
 * device; skip plainly when there is none. */
static void run_cases(unsigned mask)
{
    bcn_ctx *ctx_ref = bcn_ctx_new();
    cr_assert_not_null(ctx_ref);
    cr_assert_eq(bcn_ctx_open_device(ctx_ref, "ref"), BCN_OK, "%s", bcn_errmsg(ctx_ref));
    bcn_device_info *devs = NULL;
    size_t ndev = 0;
    bcn_status st = bcn_cl_list_devices(ctx_ref, &devs, &ndev);
    if (st != BCN_OK || ndev == 0) {
        char why[1024];
        snprintf(why, sizeof why, "%s", bcn_errmsg(ctx_ref));
        bcn_ctx_free(ctx_ref);
        free(devs);
        cr_skip_test("no OpenCL device, OpenCL op tests skipped: %s", why);
    }
    for (size_t d = 0; d < ndev; d++) {
        bcn_ctx *ctx_cl = bcn_ctx_new();
        cr_assert_not_null(ctx_cl);
        st = bcn_ctx_open_device(ctx_cl, devs[d].id);
        cr_assert_eq(st, BCN_OK, "open %s (%s): %s", devs[d].id, devs[d].name,
                     bcn_errmsg(ctx_cl));
        const char *engine = bcn_ctx_gemm_name(ctx_cl), *want = getenv("BURSTCCN_GEMM");
        fprintf(stderr, "device %s: %s (%s), GEMM: %s\n", devs[d].id, devs[d].name,
                devs[d].platform, engine);
        if (want && *want && strcmp(want, "auto") != 0)
            cr_assert(strncmp(engine, want, strlen(want)) == 0,
                      "BURSTCCN_GEMM=%s but %s runs its GEMMs on %s", want, devs[d].id, engine);
        for (size_t i = 0; i < N_CASES; i++)
            if (mask & (1u << cases[i].op))
                check_case(&cases[i], i, ctx_ref->backend, ctx_cl->backend, devs[d].id);
        bcn_ctx_free(ctx_cl);
    }
    free(devs);
    bcn_ctx_free(ctx_ref);
}

#else /* !BCN_HAVE_OPENCL */

static void run_cases(unsigned mask)
{
    (void)mask;
    cr_skip_test("this build has no OpenCL backend (configured with --disable-opencl)");
}

#endif

#define BIT(op) (1u << (op))

Test(backend_ops, buffers_fill_axpby) { run_cases(BIT(OP_FILL) | BIT(OP_AXPBY)); }
Test(backend_ops, gemm, .timeout = 300) { run_cases(BIT(OP_GEMM)); }
Test(backend_ops, elementwise)
{
    run_cases(BIT(OP_BIAS_SIGMOID) | BIT(OP_DSIGMOID_MUL) | BIT(OP_OUTPUT_DELTA) |
              BIT(OP_SIGMOID_MUL));
}
Test(backend_ops, bursts)
{
    run_cases(BIT(OP_OUTPUT_BURST) | BIT(OP_BURSTCCN_HIDDEN) | BIT(OP_BURSTPROP_HIDDEN));
}
/* (the statistics, fused into bias_sigmoid, run with the element-wise
 * ops and with the reductions' small work-groups) */
Test(backend_ops, reductions) { run_cases(BIT(OP_COLSUM) | BIT(OP_DOT3)); }
/* The same reductions with tiny work-groups and few groups, so that the
 * multi-group, grid-stride and capped-group paths run on any device. */
Test(backend_ops, reductions_small_workgroups)
{
    /* ew=8: element-wise items of 8 floats (the default is 4 on GPUs, the
     * native width on CPUs), so most cases end in a tail */
    setenv("BURSTCCN_CL_TUNING", "wg=8,tx=4,ty=2,rpi=1,groups=5,lanes=4,ew=8", 1);
    run_cases(BIT(OP_COLSUM) | BIT(OP_DOT3) | BIT(OP_BIAS_SIGMOID) | BIT(OP_DSIGMOID_MUL) |
              BIT(OP_OUTPUT_DELTA) | BIT(OP_OUTPUT_BURST) | BIT(OP_BURSTCCN_HIDDEN) |
              BIT(OP_BURSTPROP_HIDDEN));
}
/* The element-wise and burst kernels with one float per work-item (their
 * scalar form; the default is 4 floats on GPUs, the native width on CPUs,
 * and 8 above). */
Test(backend_ops, elementwise_scalar)
{
    setenv("BURSTCCN_CL_TUNING", "ew=1", 1);
    run_cases(BIT(OP_FILL) | BIT(OP_AXPBY) | BIT(OP_BIAS_SIGMOID) | BIT(OP_DSIGMOID_MUL) |
              BIT(OP_OUTPUT_DELTA) | BIT(OP_SIGMOID_MUL) | BIT(OP_OUTPUT_BURST) |
              BIT(OP_BURSTCCN_HIDDEN) | BIT(OP_BURSTPROP_HIDDEN));
}
Test(backend_ops, optimisers) { run_cases(BIT(OP_SGD) | BIT(OP_MOMENTUM) | BIT(OP_ADAM)); }
Test(backend_ops, gemm_chains, .timeout = 300) { run_cases(BIT(OP_CHAIN)); }
/* The GEMMs and chains once on each engine explicitly (the plain tests
 * above run the device's default: the own kernels on CPUs, CLBlast on
 * GPUs), and the own kernels with small, odd tiles and 8-float vectors, so
 * that edge tiles and every path of kernels/gemm.cl run on any device. */
Test(backend_ops, gemm_clblast, .timeout = 300)
{
    setenv("BURSTCCN_GEMM", "clblast", 1);
    run_cases(BIT(OP_GEMM) | BIT(OP_CHAIN));
}
Test(backend_ops, gemm_own, .timeout = 300)
{
    setenv("BURSTCCN_GEMM", "own", 1);
    run_cases(BIT(OP_GEMM) | BIT(OP_CHAIN));
}
Test(backend_ops, gemm_own_small_tiles, .timeout = 300)
{
    setenv("BURSTCCN_GEMM", "own", 1);
    setenv("BURSTCCN_CL_TUNING", "vw=8,rm=3,dm=3,dn=2", 1);
    run_cases(BIT(OP_GEMM) | BIT(OP_CHAIN) | BIT(OP_CONV2D) | BIT(OP_CONV2D_T) |
              BIT(OP_CONV2D_WG));
}

Test(backend_ops, conv, .timeout = 300)
{
    run_cases(BIT(OP_CONV2D) | BIT(OP_CONV2D_T) | BIT(OP_CONV2D_WG));
}
/* Convolutions with small work-groups: partial groups in both dimensions
 * of the im2col, col2im and permute launches. */
Test(backend_ops, conv_small_workgroups, .timeout = 300)
{
    setenv("BURSTCCN_CL_TUNING", "wg=8", 1);
    run_cases(BIT(OP_CONV2D) | BIT(OP_CONV2D_T) | BIT(OP_CONV2D_WG));
}

/* A new context and every device it can open (ref first, then each
 * OpenCL device), for tests that check a hand-worked case on each. */
static bcn_ctx *list_devices(bcn_device_info **devs, size_t *ndev)
{
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_not_null(ctx);
    cr_assert_eq(bcn_devices_list(ctx, devs, ndev), BCN_OK, "%s", bcn_errmsg(ctx));
    return ctx;
}

/* Open device `id` on ctx; its backend. */
static bcn_backend *open_device(bcn_ctx *ctx, const char *id)
{
    cr_assert_eq(bcn_ctx_open_device(ctx, id), BCN_OK, "%s: %s", id, bcn_errmsg(ctx));
    return ctx->backend;
}

/* 0 · inf is NaN in every GEMM, on ref as on each device: no backend may
 * skip a zero term (IEEE; a skip would hide a NaN that the other backend
 * reports). Hand-worked: with
 *     op(A) = [0 1 2; 3 0 inf],  op(B) = [1 inf 2; 1 1 1; 0 2 2],
 * C = op(A) op(B) is [1 NaN 5; NaN inf inf] (C01 = 0·inf + 1 + 4,
 * C10 = 3 + 0 + inf·0), for every transpose of A and B. */
Test(backend_ops, gemm_zero_times_inf_is_nan)
{
    const float opa[2][3] = {{0, 1, 2}, {3, 0, INFINITY}};
    const float opb[3][3] = {{1, INFINITY, 2}, {1, 1, 1}, {0, 2, 2}};
    const float want[6] = {1, NAN, 5, NAN, INFINITY, INFINITY};
    bcn_device_info *devs = NULL;
    size_t ndev = 0;
    bcn_ctx *ctx = list_devices(&devs, &ndev);
    for (size_t d = 0; d < ndev; d++) { /* ref first, then each OpenCL device */
        bcn_backend *be = open_device(ctx, devs[d].id);
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                float a[6], b[9], c[6];
                for (int i = 0; i < 2; i++)
                    for (int p = 0; p < 3; p++)
                        a[ta ? p * 2 + i : i * 3 + p] = opa[i][p];
                for (int p = 0; p < 3; p++)
                    for (int j = 0; j < 3; j++)
                        b[tb ? j * 3 + p : p * 3 + j] = opb[p][j];
                bcn_buf *ba = NULL, *bb = NULL, *bc = NULL;
                cr_assert_eq(be->buf_alloc(be, 6, &ba), BCN_OK);
                cr_assert_eq(be->buf_alloc(be, 9, &bb), BCN_OK);
                cr_assert_eq(be->buf_alloc(be, 6, &bc), BCN_OK);
                cr_assert_eq(be->buf_write(be, ba, 0, 6, a), BCN_OK);
                cr_assert_eq(be->buf_write(be, bb, 0, 9, b), BCN_OK);
                cr_assert_eq(be->gemm(be, ta, tb, 2, 3, 3, 1.0f, ba, ta ? 2 : 3, bb, 3, 0.0f, bc,
                                      3),
                             BCN_OK, "%s: %s", devs[d].id, bcn_errmsg(ctx));
                cr_assert_eq(be->buf_read(be, bc, 0, 6, c), BCN_OK);
                for (int e = 0; e < 6; e++)
                    cr_expect(isnan(want[e]) ? isnan(c[e]) : c[e] == want[e],
                              "%s, ta %d tb %d: C[%d][%d] = %g, want %g", devs[d].id, ta, tb,
                              e / 3, e % 3, (double)c[e], (double)want[e]);
                be->buf_free(be, ba);
                be->buf_free(be, bb);
                be->buf_free(be, bc);
            }
        fprintf(stderr, "  gemm 0*inf = NaN checked on %s\n", devs[d].id);
    }
    bcn_devices_free(devs);
    bcn_ctx_free(ctx);
}

/* The statistics fused into bias_sigmoid keep the former output_stats
 * slot's definition, hand-worked on 3 rows of 4 (bias {0.5, -0.5, 0, 0}):
 *   z row 0 = {0, 0, 0, 0}: e ties everywhere, first argmax 0, t at 0: right;
 *   z row 1 = {-0.5, 2, 2, 0}: e ties at 1 and 2 (equal z), first argmax 1,
 *             t at 2: wrong;
 *   z row 2 = {3, -3.5, 0, 1}: argmax 0, t at 0: right;
 * so 2 correct, and loss Σ (σ(z) − t)² = 2.9701 (row 0 alone gives 0.25 +
 * 3 · 0.25 = 1). Slot 1 of 2 is written; slot 0 is left alone. On ref and on every
 * OpenCL device. */
Test(backend_ops, bias_sigmoid_stats_hand_worked)
{
    const float bias[4] = {0.5f, -0.5f, 0.0f, 0.0f};
    const float x[12] = {-0.5f, 0.5f, 0, 0, -1.0f, 2.5f, 2.0f, 0, 2.5f, -3.0f, 0, 1.0f};
    const float t[12] = {1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0};
    const double z[12] = {0, 0, 0, 0, -0.5, 2, 2, 0, 3, -3.5, 0, 1};
    double loss = 0;
    for (int i = 0; i < 12; i++) {
        double e = 1.0 / (1.0 + exp(-z[i]));
        loss += (e - t[i]) * (e - t[i]);
    }
    /* by hand: row 0 1, row 1 0.1425 + 0.7758 + 0.0142 + 0.25, row 2
     * 0.0023 + 0.0009 + 0.25 + 0.5344 */
    cr_assert(fabs(loss - 2.9701) < 1e-4, "loss %.9g", loss);
    bcn_device_info *devs = NULL;
    size_t ndev = 0;
    bcn_ctx *ctx = list_devices(&devs, &ndev);
    for (size_t d = 0; d < ndev; d++) { /* ref first, then each OpenCL device */
        bcn_backend *be = open_device(ctx, devs[d].id);
        bcn_buf *bx = NULL, *bb = NULL, *bt = NULL, *bs = NULL;
        const float init[4] = {42.0f, -42.0f, NAN, NAN};
        float e[12], st[4];
        cr_assert_eq(be->buf_alloc(be, 12, &bx), BCN_OK);
        cr_assert_eq(be->buf_alloc(be, 4, &bb), BCN_OK);
        cr_assert_eq(be->buf_alloc(be, 12, &bt), BCN_OK);
        cr_assert_eq(be->buf_alloc(be, 4, &bs), BCN_OK);
        cr_assert_eq(be->buf_write(be, bx, 0, 12, x), BCN_OK);
        cr_assert_eq(be->buf_write(be, bb, 0, 4, bias), BCN_OK);
        cr_assert_eq(be->buf_write(be, bt, 0, 12, t), BCN_OK);
        cr_assert_eq(be->buf_write(be, bs, 0, 4, init), BCN_OK);
        bcn_out_stats os = {bt, bs, 1};
        cr_assert_eq(be->bias_sigmoid(be, 3, 4, 1, bx, bb, &os), BCN_OK, "%s: %s", devs[d].id,
                     bcn_errmsg(ctx));
        cr_assert_eq(be->buf_read(be, bx, 0, 12, e), BCN_OK);
        cr_assert_eq(be->buf_read(be, bs, 0, 4, st), BCN_OK);
        for (int i = 0; i < 12; i++)
            cr_expect(fabs(e[i] - 1.0 / (1.0 + exp(-z[i]))) < 1e-6, "%s: e[%d] = %.9g",
                      devs[d].id, i, (double)e[i]);
        cr_expect(st[0] == 42.0f && st[1] == -42.0f, "%s: slot 0 was overwritten (%g, %g)",
                  devs[d].id, (double)st[0], (double)st[1]);
        cr_expect(fabs(st[2] - loss) < 1e-6 * loss, "%s: loss %.9g, want %.9g", devs[d].id,
                  (double)st[2], loss);
        cr_expect(st[3] == 2.0f, "%s: %g rows correct, want 2", devs[d].id, (double)st[3]);
        be->buf_free(be, bx);
        be->buf_free(be, bb);
        be->buf_free(be, bt);
        be->buf_free(be, bs);
        fprintf(stderr, "  bias_sigmoid statistics hand-worked on %s: loss %.7g, %g correct\n",
                devs[d].id, (double)st[2], (double)st[3]);
    }
    bcn_devices_free(devs);
    bcn_ctx_free(ctx);
}

#include "cl_test_main.h"
