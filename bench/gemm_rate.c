/*
 * gemm_rate.c — the device's measured SGEMM rate at the shapes of one
 * training step: the GEMM calls a step of the rule makes (the same list,
 * order, transposes and sizes as lib/net/net_rules.c and lib/net/net_update.c)
 * run back to back through the backend's gemm slot on scratch buffers,
 * with nothing else in between. The step's achieved GFLOP/s divided by
 * this rate says how close the whole step comes to its GEMM ceiling.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "gemm_rate.h"
#include "internal.h"

int bench_step_gemms(const bcn_net_config *cfg, int batch, bench_gemm *out, int max)
{
    return bcn_step_gemm_shapes(cfg, batch, out, max);
}

double bench_gemms_flops(const bench_gemm *g, int n)
{
    double f = 0.0;
    for (int i = 0; i < n; i++)
        f += 2.0 * g[i].m * (double)g[i].n * g[i].k;
    return f;
}

/* Run the list once. */
static bcn_status run_list(bcn_backend *be, const bench_gemm *g, int n, bcn_buf *a, bcn_buf *b,
                           bcn_buf *c)
{
    bcn_status st = BCN_OK;
    for (int i = 0; i < n && st == BCN_OK; i++) {
        /* Row-major leading dimensions of the stored (untransposed) arrays. */
        int lda = g[i].ta ? g[i].m : g[i].k;
        int ldb = g[i].tb ? g[i].k : g[i].n;
        st = be->gemm(be, g[i].ta, g[i].tb, g[i].m, g[i].n, g[i].k, 1.0f, a, lda, b, ldb,
                      g[i].beta, c, g[i].n);
    }
    return st;
}

/* Seconds for `iters` runs of the list, the device drained at the end. */
static bcn_status time_list(bcn_backend *be, const bench_gemm *g, int n, long iters, bcn_buf *a,
                            bcn_buf *b, bcn_buf *c, double *seconds)
{
    double t0 = bcn_now_seconds();
    bcn_status st = BCN_OK;
    for (long it = 0; it < iters && st == BCN_OK; it++)
        st = run_list(be, g, n, a, b, c);
    if (st == BCN_OK)
        st = be->finish(be);
    *seconds = bcn_now_seconds() - t0;
    return st;
}

/* qsort order of doubles, ascending. */
static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

bcn_status bench_gemm_rate(bcn_ctx *ctx, const bench_gemm *g, int n, double target_s, int reps,
                           double *gflops)
{
    *gflops = 0.0;
    bcn_backend *be = ctx ? ctx->backend : NULL;
    if (!be || n < 1 || reps < 1)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "GEMM rate: no device or no GEMMs");
    size_t na = 1, nb = 1, nc = 1;
    for (int i = 0; i < n; i++) {
        size_t a = (size_t)g[i].m * g[i].k, b = (size_t)g[i].k * g[i].n,
               c = (size_t)g[i].m * g[i].n;
        na = a > na ? a : na;
        nb = b > nb ? b : nb;
        nc = c > nc ? c : nc;
    }
    bcn_buf *a = NULL, *b = NULL, *c = NULL;
    double *times = calloc((size_t)reps, sizeof *times);
    bcn_status st = times ? BCN_OK : bcn_set_error(ctx, BCN_ERR_NOMEM, "GEMM rate: no memory");
    if (st == BCN_OK)
        st = be->buf_alloc(be, na, &a);
    if (st == BCN_OK)
        st = be->buf_alloc(be, nb, &b);
    if (st == BCN_OK)
        st = be->buf_alloc(be, nc, &c);
    /* Ordinary values: no denormals or NaNs to slow anything down. */
    if (st == BCN_OK)
        st = be->fill(be, na, 0.5f, a);
    if (st == BCN_OK)
        st = be->fill(be, nb, 0.25f, b);
    if (st == BCN_OK)
        st = be->fill(be, nc, 0.0f, c);
    /* Warm-up: CLBlast compiles its kernels for each new shape on first use. */
    double dt = 0.0;
    for (int w = 0; w < 2 && st == BCN_OK; w++)
        st = time_list(be, g, n, 1, a, b, c, &dt);
    /* Calibrate (clpeak style): double the count until a run lasts 20 ms,
     * then choose the count that fills target_s. */
    long iters = 1;
    while (st == BCN_OK) {
        st = time_list(be, g, n, iters, a, b, c, &dt);
        if (st != BCN_OK || dt >= 0.02 || iters >= (1L << 20))
            break;
        iters *= 2;
    }
    if (st == BCN_OK) {
        double per = dt / (double)iters;
        iters = per > 0.0 ? (long)(target_s / per + 0.5) : 1;
        iters = iters < 1 ? 1 : iters > (1L << 24) ? (1L << 24) : iters;
    }
    for (int r = 0; r < reps && st == BCN_OK; r++) {
        st = time_list(be, g, n, iters, a, b, c, &dt);
        times[r] = dt / (double)iters;
    }
    if (st == BCN_OK) {
        qsort(times, (size_t)reps, sizeof *times, cmp_double);
        double med = reps % 2 ? times[reps / 2] : 0.5 * (times[reps / 2 - 1] + times[reps / 2]);
        *gflops = med > 0.0 ? bench_gemms_flops(g, n) / med * 1e-9 : 0.0;
    }
    be->buf_free(be, a);
    be->buf_free(be, b);
    be->buf_free(be, c);
    free(times);
    return st;
}
