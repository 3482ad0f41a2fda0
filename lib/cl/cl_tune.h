/*
 * cl_tune.h — tuned CLBlast GEMM parameters (internal): the parameter
 * sets, the search (cl_tune.c), the cache file (cl_tune_cache.c) and the
 * C++ bridge that reads CLBlast's current values (cl_tune_clblast.cc).
 *
 * CLBlast keeps one parameter set per device and kernel, not per shape,
 * and every change recompiles its whole GEMM program (CLBlast then keeps
 * each compiled set in its in-process cache, so going back to a set used
 * before is cheap). A tuned configuration is therefore ONE set for each of
 * XgemmDirect (the single-kernel GEMM) and Xgemm (the fast kernel with
 * pad/transpose helpers), plus GemmRoutine's XGEMM_MIN_INDIRECT_SIZE:
 * CLBlast runs a GEMM directly when m n k < XGEMM_MIN_INDIRECT_SIZE^3.
 */
#ifndef BCN_CL_TUNE_H
#define BCN_CL_TUNE_H

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>
#include <stddef.h>

#include "burstccn.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BCN_TUNE_DIRECT_N 10 /* parameters of XgemmDirect */
#define BCN_TUNE_XGEMM_N 16  /* parameters of Xgemm */
#define BCN_TUNE_ALL_DIRECT 65536 /* XGEMM_MIN_INDIRECT_SIZE sending every shape direct */

/* One complete GEMM configuration of a device. */
typedef struct bcn_cl_gemm_params {
    size_t direct[BCN_TUNE_DIRECT_N]; /* in bcn_tune_direct_names order */
    size_t xgemm[BCN_TUNE_XGEMM_N];   /* in bcn_tune_xgemm_names order */
    size_t min_indirect;              /* XGEMM_MIN_INDIRECT_SIZE (>= 1) */
} bcn_cl_gemm_params;

extern const char *const bcn_tune_direct_names[BCN_TUNE_DIRECT_N];
extern const char *const bcn_tune_xgemm_names[BCN_TUNE_XGEMM_N];

/* Read CLBlast's current single-precision values of `kernel`'s parameters
 * names[0..n) into values (cl_tune_clblast.cc). 0, or -1. */
int bcn_clblast_retrieve(cl_device_id device, const char *kernel, size_t n,
                         const char *const *names, size_t *values);

#ifdef __cplusplus
}
#endif

#ifndef __cplusplus
#include "cl_internal.h"

/* A cache entry: the configuration and what it was tuned for. */
typedef struct bcn_cl_tune_entry {
    bcn_cl_gemm_params tuned;    /* apply these */
    bcn_cl_gemm_params defaults; /* CLBlast's own, to go back to */
    char shapes[2048];           /* the shape mix, as tune_shapes_key writes it */
    double untuned_ms, tuned_ms; /* weighted GEMM time of the mix per step */
} bcn_cl_tune_entry;

/* 1 when every value suits CLBlast's kernels and the device (divisibility
 * rules of CLBlast's tuner, work-group and local-memory limits); else 0
 * with the reason in why. */
int bcn_cl_gemm_params_valid(const bcn_cl_gemm_params *p, size_t max_wg, cl_ulong local_mem,
                             char *why, size_t why_len);
/* Make CLBlast use `p` on the backend's device (CLBlastOverrideParameters
 * for the three kernels; CLBlast recompiles on the next GEMM unless it has
 * compiled this set before in this process). */
bcn_status bcn_cl_gemm_params_apply(bcn_backend *be, const bcn_cl_gemm_params *p);
/* CLBlast's current configuration for the backend's device. */
bcn_status bcn_cl_gemm_params_current(bcn_backend *be, bcn_cl_gemm_params *out);
/* 1 when a and b are the same set. */
int bcn_cl_gemm_params_equal(const bcn_cl_gemm_params *a, const bcn_cl_gemm_params *b);
/* The device's work-group and local-memory limits (for _valid). */
bcn_status bcn_cl_gemm_limits(bcn_backend *be, size_t *max_wg, cl_ulong *local_mem);
/* Format `p` as "XgemmDirect KWID=2 ...\nXgemm GEMMK=0 ...\nGemmRoutine
 * XGEMM_MIN_INDIRECT_SIZE=896\n" (the cache file's lines) into buf. */
void bcn_cl_gemm_params_format(const bcn_cl_gemm_params *p, const char *prefix, char *buf,
                               size_t len);

/* ---- the measuring harness of both tuners (cl_tune.c) ---- */
struct bcn_gemm_shape;
/* A shape mix on the device: random inputs, host double-precision results
 * to validate against, buffers for C. */
typedef struct bcn_cl_mix bcn_cl_mix;
bcn_status bcn_cl_mix_new(bcn_backend *be, const struct bcn_gemm_shape *shapes,
                          const double *weights, int n, bcn_tune_progress progress, void *user,
                          bcn_cl_mix **out);
/* Run every shape once on the backend's GEMM as it is configured now and
 * compare it with the host (relative error <= 1e-4), then time each (best
 * seconds per call into t). 1 valid and timed, 0 rejected (why set), -1 an
 * OpenCL error (the context's). */
int bcn_cl_mix_measure(bcn_cl_mix *m, double *t, char *why, size_t why_len);
/* Weighted seconds of one step's GEMMs at per-shape times t. */
double bcn_cl_mix_time(const bcn_cl_mix *m, const double *t);
/* Fill res's shape table and totals from untuned and tuned times. */
void bcn_cl_mix_result(const bcn_cl_mix *m, const double *t_base, const double *t_tuned,
                       bcn_tune_result *res);
/* The cache key of a mix ("NT32x500x784b0*4.0000;..."). */
void bcn_cl_mix_key(const struct bcn_gemm_shape *shapes, const double *weights, int n,
                    char *buf, size_t len);
void bcn_cl_mix_free(bcn_cl_mix *m);

/* ---- cl_tune_cache.c ---- */

/* The cache file of device `info` (the name hashes device name, driver
 * version and CLBlast version). 0, or -1 when there is no cache folder. */
int bcn_cl_tune_cache_path(const bcn_device_info *info, char *path, size_t len);
/* Read the entry for `info`: 1 found and valid, 0 no file, -1 a file that
 * is corrupt or keyed to another device, driver or CLBlast version (the
 * reason in warn; the file is left for the next tuning to replace). */
int bcn_cl_tune_cache_load(const bcn_device_info *info, size_t max_wg, cl_ulong local_mem,
                           bcn_cl_tune_entry *out, char *warn, size_t warn_len);
/* Write the entry for `info` atomically. 0, or -1 with err. */
int bcn_cl_tune_cache_store(const bcn_device_info *info, const bcn_cl_tune_entry *e, char *err,
                            size_t err_len);
#endif

#endif /* BCN_CL_TUNE_H */
