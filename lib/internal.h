/*
 * internal.h — definitions shared inside the library, not installed.
 */
#ifndef BCN_INTERNAL_H
#define BCN_INTERNAL_H

#include <stdarg.h>
#include "burstccn.h"
#include "backend.h"

struct bcn_ctx {
    bcn_status status;   /* last error */
    char *msg;           /* its detail, heap string; "" when none */
    size_t msg_cap;
    bcn_backend *backend;  /* open device, NULL before bcn_ctx_open_device */
    int n_nets;            /* networks living on the backend (they hold its buffers) */
    bcn_tune_mode tune_mode; /* bcn_ctx_set_tune_mode; read when a device opens */
    bcn_gemm_engine gemm_engine; /* bcn_ctx_set_gemm_engine; read when a device opens */
    char warning[1024];    /* bcn_ctx_warning: "" when none */
};

/* The tuning mode in force for ctx: its own, else $BURSTCCN_TUNE, else auto
 * (never BCN_TUNE_DEFAULT). */
bcn_tune_mode bcn_ctx_tune_mode(const bcn_ctx *ctx);

/* The GEMM engine requested for ctx (never BCN_GEMM_DEFAULT): its own,
 * else $BURSTCCN_GEMM, else auto; BCN_ERR_INVALID_ARG, with a message on
 * ctx, when $BURSTCCN_GEMM names no engine. */
bcn_status bcn_ctx_gemm_engine(bcn_ctx *ctx, bcn_gemm_engine *out);

/* Record an error on ctx (printf-style detail) and return `status`. */
bcn_status bcn_set_error(bcn_ctx *ctx, bcn_status status, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Append more text (e.g. a build log) to the current message. */
void bcn_append_error(bcn_ctx *ctx, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#ifdef BCN_HAVE_OPENCL
struct bcn_gemm_shape;
/* Tune the OpenCL backend `be` for shapes[0..n) with per-step weights
 * (lib/cl/cl_tune.c; bcn_net_tune's contract). */
bcn_status bcn_cl_tune(bcn_backend *be, const struct bcn_gemm_shape *shapes,
                       const double *weights, int n, double budget_s, int force,
                       bcn_tune_progress progress, void *user, bcn_tune_result *out);
/* The same for the backend's own GEMM kernels (lib/cl/cl_tune_own.c):
 * their tile sizes, rebuilding the program for each candidate. */
bcn_status bcn_cl_tune_own(bcn_backend *be, const struct bcn_gemm_shape *shapes,
                           const double *weights, int n, double budget_s, int force,
                           bcn_tune_progress progress, void *user, bcn_tune_result *out);
/* Before the program is built at device open: the own GEMM tiles cached
 * for be's device into tiles[0..4) (vw, rm, dm, dn). 1 found, 0 none (or
 * tuning off), -1 an unusable file (ctx->warning says so). */
int bcn_cl_own_tiles_at_open(bcn_ctx *ctx, bcn_backend *be, size_t *tiles);
/* At device open: apply the cached GEMM parameters of be's device (mode
 * auto/force) or CLBlast's defaults (mode off, when this process changed
 * them); problems go to ctx->warning, never fail the open. */
void bcn_cl_tune_at_open(bcn_ctx *ctx, bcn_backend *be);
/* 1 when tuned GEMM parameters are in force on be (cl_tune.c). */
int bcn_cl_gemm_tuned(const bcn_backend *be);
/* 1 when the OpenCL backend be runs its GEMMs on its own kernels. */
int bcn_cl_gemm_own(const bcn_backend *be);
#endif

/* Monotonic wall clock in seconds. */
double bcn_now_seconds(void);

#endif /* BCN_INTERNAL_H */
