/*
 * ref_conv.c — the convolution slots of the reference backend (SPEC §12):
 * direct loops over NCHW data, each output element accumulated in double
 * in a fixed order (so results do not depend on the thread count), no
 * term skipped (0 · inf stays NaN, as on a device).
 */
#include "config.h"

#include <stdlib.h>

#include "ref_internal.h"

/* Store alpha·acc into *out, or alpha·acc rounded to float plus beta·*out
 * (the GEMM convention of backend.h) when beta != 0. */
static inline void store(float *out, double acc, float alpha, float beta)
{
    if (beta == 0.0f)
        *out = (float)((double)alpha * acc);
    else
        *out = (float)((double)(float)((double)alpha * acc) + (double)beta * *out);
}

/* Reject a bad geometry or too small buffers (a caller bug, reported). */
static bcn_status check(bcn_backend *be, const char *op, const bcn_conv_geom *g, int batch,
                        const bcn_buf *in, const bcn_buf *w, const bcn_buf *out)
{
    if (!bcn_conv_geom_valid(g) || batch < 0)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG, "ref %s: invalid geometry or batch",
                             op);
    size_t nin = (size_t)batch * g->c_in * g->h_in * g->w_in;
    size_t nout = (size_t)batch * g->c_out * g->h_out * g->w_out;
    size_t nw = (size_t)g->c_out * g->c_in * g->k * g->k;
    if (!in || !w || !out || in->n < nin || w->n < nw || out->n < nout)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG,
                             "ref %s: a buffer is missing or smaller than the geometry needs", op);
    return BCN_OK;
}

/* The range of output rows (or columns) y with 0 <= y s + p - pad < n. */
static inline void out_range(int p, int pad, int s, int n, int n_out, int *lo, int *hi)
{
    int a = pad - p; /* need y s >= a */
    int first = a <= 0 ? 0 : (a + s - 1) / s;
    int b = n - 1 + pad - p; /* need y s <= b */
    int last = b < 0 ? -1 : b / s;
    if (last > n_out - 1)
        last = n_out - 1;
    *lo = first;
    *hi = last + 1; /* exclusive; empty when hi <= lo */
}

static bcn_status ref_conv2d(bcn_backend *be, const bcn_conv_geom *g, int batch,
                             const bcn_buf *x, const bcn_buf *w, bcn_buf *y)
{
    bcn_status st = check(be, "conv2d", g, batch, x, w, y);
    if (st != BCN_OK)
        return st;
    const int Ci = g->c_in, Hi = g->h_in, Wi = g->w_in, Co = g->c_out, Ho = g->h_out,
              Wo = g->w_out, K = g->k, S = g->stride, pad = g->pad;
    const float *X = CP(x), *Wt = CP(w);
    float *Y = P(y);
    const size_t plane_in = (size_t)Hi * Wi, plane_out = (size_t)Ho * Wo;
    int failed = 0;
    int threaded = (double)batch * Co * plane_out * Ci * K * K >= 262144.0;
#pragma omp parallel if (threaded)
    {
        double *acc = malloc(plane_out * sizeof(double));
        if (!acc) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (long bo = 0; bo < (long)batch * Co; bo++) {
            if (!acc)
                continue;
            int b = (int)(bo / Co), o = (int)(bo % Co);
            for (size_t j = 0; j < plane_out; j++)
                acc[j] = 0.0;
            for (int i = 0; i < Ci; i++) {
                const float *xin = X + ((size_t)b * Ci + i) * plane_in;
                for (int p = 0; p < K; p++) {
                    int ylo, yhi;
                    out_range(p, pad, S, Hi, Ho, &ylo, &yhi);
                    for (int q = 0; q < K; q++) {
                        double wv = Wt[(((size_t)o * Ci + i) * K + p) * K + q];
                        int xlo, xhi;
                        out_range(q, pad, S, Wi, Wo, &xlo, &xhi);
                        for (int yy = ylo; yy < yhi; yy++) {
                            const float *row = xin + (size_t)(yy * S + p - pad) * Wi;
                            double *arow = acc + (size_t)yy * Wo;
                            for (int xx = xlo; xx < xhi; xx++)
                                arow[xx] += wv * (double)row[xx * S + q - pad];
                        }
                    }
                }
            }
            float *out = Y + ((size_t)b * Co + o) * plane_out;
            for (size_t j = 0; j < plane_out; j++)
                out[j] = (float)acc[j];
        }
        free(acc);
    }
    if (failed)
        return bcn_set_error(be->ctx, BCN_ERR_NOMEM, "ref conv2d: out of memory");
    return BCN_OK;
}

static bcn_status ref_conv2d_transpose(bcn_backend *be, const bcn_conv_geom *g, int batch,
                                       float alpha, const bcn_buf *dy, const bcn_buf *w,
                                       float beta, bcn_buf *dx)
{
    bcn_status st = check(be, "conv2d_transpose", g, batch, dx, w, dy);
    if (st != BCN_OK)
        return st;
    const int Ci = g->c_in, Hi = g->h_in, Wi = g->w_in, Co = g->c_out, Ho = g->h_out,
              Wo = g->w_out, K = g->k, S = g->stride, pad = g->pad;
    const float *DY = CP(dy), *Wt = CP(w);
    float *DX = P(dx);
    const size_t plane_in = (size_t)Hi * Wi, plane_out = (size_t)Ho * Wo;
    int failed = 0;
    int threaded = (double)batch * Co * plane_out * Ci * K * K >= 262144.0;
#pragma omp parallel if (threaded)
    {
        double *acc = malloc(plane_in * sizeof(double));
        if (!acc) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (long bi = 0; bi < (long)batch * Ci; bi++) {
            if (!acc)
                continue;
            int b = (int)(bi / Ci), i = (int)(bi % Ci);
            for (size_t j = 0; j < plane_in; j++)
                acc[j] = 0.0;
            for (int o = 0; o < Co; o++) {
                const float *g_out = DY + ((size_t)b * Co + o) * plane_out;
                for (int p = 0; p < K; p++) {
                    int ylo, yhi;
                    out_range(p, pad, S, Hi, Ho, &ylo, &yhi);
                    for (int q = 0; q < K; q++) {
                        double wv = Wt[(((size_t)o * Ci + i) * K + p) * K + q];
                        int xlo, xhi;
                        out_range(q, pad, S, Wi, Wo, &xlo, &xhi);
                        for (int yy = ylo; yy < yhi; yy++) {
                            double *arow = acc + (size_t)(yy * S + p - pad) * Wi;
                            const float *grow = g_out + (size_t)yy * Wo;
                            for (int xx = xlo; xx < xhi; xx++)
                                arow[xx * S + q - pad] += wv * (double)grow[xx];
                        }
                    }
                }
            }
            float *out = DX + ((size_t)b * Ci + i) * plane_in;
            for (size_t j = 0; j < plane_in; j++)
                store(out + j, acc[j], alpha, beta);
        }
        free(acc);
    }
    if (failed)
        return bcn_set_error(be->ctx, BCN_ERR_NOMEM, "ref conv2d_transpose: out of memory");
    return BCN_OK;
}

static bcn_status ref_conv2d_weight_grad(bcn_backend *be, const bcn_conv_geom *g, int batch,
                                         float alpha, const bcn_buf *dy, const bcn_buf *x,
                                         float beta, bcn_buf *dw)
{
    bcn_status st = check(be, "conv2d_weight_grad", g, batch, x, dw, dy);
    if (st != BCN_OK)
        return st;
    const int Ci = g->c_in, Hi = g->h_in, Wi = g->w_in, Co = g->c_out, Ho = g->h_out,
              Wo = g->w_out, K = g->k, S = g->stride, pad = g->pad;
    const float *DY = CP(dy), *X = CP(x);
    float *DW = P(dw);
    const size_t plane_in = (size_t)Hi * Wi, plane_out = (size_t)Ho * Wo;
    int threaded = (double)batch * Co * plane_out * Ci * K * K >= 262144.0;
#pragma omp parallel for schedule(static) if (threaded)
    for (long oi = 0; oi < (long)Co * Ci; oi++) {
        int o = (int)(oi / Ci), i = (int)(oi % Ci);
        for (int p = 0; p < K; p++) {
            int ylo, yhi;
            out_range(p, pad, S, Hi, Ho, &ylo, &yhi);
            for (int q = 0; q < K; q++) {
                int xlo, xhi;
                out_range(q, pad, S, Wi, Wo, &xlo, &xhi);
                double acc = 0.0;
                for (int b = 0; b < batch; b++) {
                    const float *g_out = DY + ((size_t)b * Co + o) * plane_out;
                    const float *xin = X + ((size_t)b * Ci + i) * plane_in;
                    for (int yy = ylo; yy < yhi; yy++) {
                        const float *row = xin + (size_t)(yy * S + p - pad) * Wi;
                        const float *grow = g_out + (size_t)yy * Wo;
                        for (int xx = xlo; xx < xhi; xx++)
                            acc += (double)grow[xx] * (double)row[xx * S + q - pad];
                    }
                }
                store(DW + (((size_t)o * Ci + i) * K + p) * K + q, acc, alpha, beta);
            }
        }
    }
    return BCN_OK;
}

void bcn_ref_ops_conv(bcn_backend *be)
{
    be->conv2d = ref_conv2d;
    be->conv2d_transpose = ref_conv2d_transpose;
    be->conv2d_weight_grad = ref_conv2d_weight_grad;
}
