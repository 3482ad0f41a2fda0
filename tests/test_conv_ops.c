/*
 * test_conv_ops.c — the convolution slots against SPEC §12 itself, not
 * against another backend (test_backend_ops.c compares cl with ref):
 *
 *  - ref's conv2d, conv2d_transpose and conv2d_weight_grad against a naive
 *    implementation written here straight from the formulas (seven nested
 *    loops, double precision), on geometries with padding, strides 1-3,
 *    unread input rows and columns, a kernel larger than the input;
 *  - a hand-worked case (1 input channel, 2 output channels, input 6 x 5,
 *    kernel 3 x 3, stride 2, no padding: row 5 is never read, so the
 *    transposed convolution must give exactly 0 + beta dx there) whose
 *    expected values are small integers written out below, checked
 *    exactly on ref and on every OpenCL device;
 *  - misuse (bad geometry, negative batch, too small buffers) reported as
 *    BCN_ERR_INVALID_ARG on every backend.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "internal.h"

#define SEED_BASE 20250301u /* naive case i uses seed SEED_BASE + i */

/* ------------------------------------------------------------ helpers */

/* Open `id` on a fresh context (the test fails if it cannot). */
static bcn_ctx *open_device(const char *id)
{
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_not_null(ctx);
    cr_assert_eq(bcn_ctx_open_device(ctx, id), BCN_OK, "open %s: %s", id, bcn_errmsg(ctx));
    return ctx;
}

/* A buffer on `be` holding n floats copied from v. */
static bcn_buf *upload(bcn_backend *be, size_t n, const float *v)
{
    bcn_buf *b = NULL;
    cr_assert_eq(be->buf_alloc(be, n, &b), BCN_OK, "%s", bcn_errmsg(be->ctx));
    cr_assert_eq(be->buf_write(be, b, 0, n, v), BCN_OK, "%s", bcn_errmsg(be->ctx));
    return b;
}

/* Read n floats of b back into out. */
static void download(bcn_backend *be, const bcn_buf *b, size_t n, float *out)
{
    cr_assert_eq(be->buf_read(be, b, 0, n, out), BCN_OK, "%s", bcn_errmsg(be->ctx));
}

/* The input position (iy, ix) that tap (p, q) of output (y, x) reads;
 * 0 when it lies in the padding. */
static int tap(const bcn_conv_geom *g, int y, int x, int p, int q, int *iy, int *ix)
{
    *iy = y * g->stride + p - g->pad;
    *ix = x * g->stride + q - g->pad;
    return *iy >= 0 && *iy < g->h_in && *ix >= 0 && *ix < g->w_in;
}

/* ------------------------------------------------- ref against SPEC §12 */

typedef struct naive_case {
    int batch;
    float alpha, beta; /* of conv2d_transpose and conv2d_weight_grad */
    bcn_conv_geom g;
} naive_case;

#define GEOM(ci, h, w, co, k, s, p)                                                     \
    {(ci), (h), (w), (co), ((h) + 2 * (p) - (k)) / (s) + 1, ((w) + 2 * (p) - (k)) / (s) + 1, \
     (k), (s), (p)}

static const naive_case naive_cases[] = {
    {1, 1.0f, 0.0f, GEOM(1, 5, 5, 1, 3, 1, 0)},
    {2, 0.5f, 1.0f, GEOM(3, 7, 6, 2, 3, 2, 1)},  /* odd sizes, padding */
    {3, -1.0f, 0.25f, GEOM(2, 8, 10, 3, 3, 3, 0)}, /* rows 6, 7 and column 9 unread */
    {2, 2.0f, 0.0f, GEOM(2, 3, 4, 2, 5, 1, 2)},  /* kernel larger than the input */
    {2, 1.0f, -1.0f, GEOM(3, 7, 6, 1, 1, 2, 1)}, /* k 1, s 2, p 1: even columns unread */
    {3, 1.0f / 3, 0.0f, GEOM(1, 9, 13, 4, 3, 3, 1)},
    {2, 1.0f, 0.5f, GEOM(2, 12, 9, 3, 5, 2, 0)},
    {1, 1.0f, 0.0f, GEOM(1, 4, 6, 1, 3, 1, 2)}, /* output larger than the input */
};

/* |got - want| within float rounding of a result whose terms add up to
 * `mag` in absolute value. */
static void expect_close(const char *what, size_t i, double got, double want, double mag,
                         const char *label)
{
    double tol = 1e-6 * mag + 1e-30;
    cr_expect(fabs(got - want) <= tol, "%s: %s[%zu] = %.9g, formula gives %.9g (|terms| %.3g)",
              label, what, i, got, want, mag);
}

Test(conv, ref_matches_spec_formulas)
{
    bcn_ctx *ctx = open_device("ref");
    bcn_backend *be = ctx->backend;
    for (size_t c = 0; c < sizeof naive_cases / sizeof naive_cases[0]; c++) {
        const naive_case *nc = &naive_cases[c];
        const bcn_conv_geom *g = &nc->g;
        cr_assert(bcn_conv_geom_valid(g), "case %zu: bad geometry in the table", c);
        const int B = nc->batch, Ci = g->c_in, Co = g->c_out, H = g->h_in, W = g->w_in,
                  Ho = g->h_out, Wo = g->w_out, K = g->k;
        const size_t nx = (size_t)B * Ci * H * W, ny = (size_t)B * Co * Ho * Wo,
                     nw = (size_t)Co * Ci * K * K;
        char label[128];
        snprintf(label, sizeof label, "case %zu (%dx%d k%d s%d p%d, seed %u)", c, H, W, K,
                 g->stride, g->pad, SEED_BASE + (unsigned)c);
        bcn_rng rng;
        bcn_rng_seed(&rng, SEED_BASE + c);
        float *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w);
        float *dy = malloc(ny * sizeof *dy);
        float *dx0 = malloc(nx * sizeof *dx0), *dw0 = malloc(nw * sizeof *dw0);
        size_t nmax = nx > ny ? nx : ny;
        nmax = nmax > nw ? nmax : nw;
        float *got = malloc(nmax * sizeof *got);
        double *acc = calloc(nx + ny + nw, sizeof *acc), *mag = calloc(nx + ny + nw, sizeof *mag);
        cr_assert(x && w && dy && dx0 && dw0 && got && acc && mag);
        for (size_t i = 0; i < nx; i++) {
            x[i] = (float)bcn_rng_normal(&rng);
            dx0[i] = (float)bcn_rng_normal(&rng);
        }
        for (size_t i = 0; i < nw; i++) {
            w[i] = (float)bcn_rng_normal(&rng);
            dw0[i] = (float)bcn_rng_normal(&rng);
        }
        for (size_t i = 0; i < ny; i++)
            dy[i] = (float)bcn_rng_normal(&rng);
        double *yacc = acc, *dxacc = acc + ny, *dwacc = acc + ny + nx;
        double *ymag = mag, *dxmag = mag + ny, *dwmag = mag + ny + nx;
        /* SPEC §12, term by term: every (b, o, y, x, i, p, q) whose input
         * position lies inside x contributes once to each of the three. */
        for (int b = 0; b < B; b++)
            for (int o = 0; o < Co; o++)
                for (int yy = 0; yy < Ho; yy++)
                    for (int xx = 0; xx < Wo; xx++)
                        for (int i = 0; i < Ci; i++)
                            for (int p = 0; p < K; p++)
                                for (int q = 0; q < K; q++) {
                                    int iy, ix;
                                    if (!tap(g, yy, xx, p, q, &iy, &ix))
                                        continue;
                                    size_t yi = (((size_t)b * Co + o) * Ho + yy) * Wo + xx;
                                    size_t xi = (((size_t)b * Ci + i) * H + iy) * W + ix;
                                    size_t wi = (((size_t)o * Ci + i) * K + p) * K + q;
                                    double t = (double)w[wi] * x[xi];
                                    yacc[yi] += t;
                                    ymag[yi] += fabs(t);
                                    t = (double)dy[yi] * w[wi]; /* dx = convᵀ(dy; w) */
                                    dxacc[xi] += t;
                                    dxmag[xi] += fabs(t);
                                    t = (double)dy[yi] * x[xi]; /* dw */
                                    dwacc[wi] += t;
                                    dwmag[wi] += fabs(t);
                                }
        bcn_buf *bx = upload(be, nx, x), *bw = upload(be, nw, w), *bdy = upload(be, ny, dy);
        bcn_buf *by = upload(be, ny, dy), *bdx = upload(be, nx, dx0), *bdw = upload(be, nw, dw0);
        const double a = nc->alpha, bt = nc->beta;
        cr_assert_eq(be->conv2d(be, g, B, bx, bw, by), BCN_OK, "%s", bcn_errmsg(ctx));
        download(be, by, ny, got);
        for (size_t i = 0; i < ny; i++)
            expect_close("conv2d y", i, got[i], yacc[i], ymag[i], label);
        cr_assert_eq(be->conv2d_transpose(be, g, B, nc->alpha, bdy, bw, nc->beta, bdx), BCN_OK,
                     "%s", bcn_errmsg(ctx));
        download(be, bdx, nx, got);
        for (size_t i = 0; i < nx; i++)
            expect_close("conv2d_transpose dx", i, got[i], a * dxacc[i] + bt * dx0[i],
                         fabs(a) * dxmag[i] + fabs(bt * dx0[i]), label);
        cr_assert_eq(be->conv2d_weight_grad(be, g, B, nc->alpha, bdy, bx, nc->beta, bdw), BCN_OK,
                     "%s", bcn_errmsg(ctx));
        download(be, bdw, nw, got);
        for (size_t i = 0; i < nw; i++)
            expect_close("conv2d_weight_grad dw", i, got[i], a * dwacc[i] + bt * dw0[i],
                         fabs(a) * dwmag[i] + fabs(bt * dw0[i]), label);
        be->buf_free(be, bx);
        be->buf_free(be, bw);
        be->buf_free(be, bdy);
        be->buf_free(be, by);
        be->buf_free(be, bdx);
        be->buf_free(be, bdw);
        free(x);
        free(w);
        free(dy);
        free(dx0);
        free(dw0);
        free(got);
        free(acc);
        free(mag);
    }
    bcn_ctx_free(ctx);
}

/* ------------------------------------------------------- hand-worked */

/* One image, 1 input channel 6 x 5, 2 output channels, 3 x 3 kernels,
 * stride 2, no padding: outputs 2 x 2 reading rows 0-4 and columns 0-4;
 * row 5 is never read. */
static const bcn_conv_geom hand_geom = {1, 6, 5, 2, 2, 2, 3, 2, 0};

static const float hand_x[6 * 5] = {
    1, 2, 0, 1, 3, /* */
    0, 1, 2, 1, 0, /* */
    2, 0, 1, 0, 1, /* */
    1, 1, 0, 2, 1, /* */
    0, 2, 1, 1, 0, /* */
    3, 1, 2, 0, 1, /* row 5: never read */
};
static const float hand_w[2 * 3 * 3] = {
    1, 0, 1, 0, 1, 0, 1, 0, 1,   /* o = 0: the corners and the centre */
    0, 1, 0, 2, 0, -1, 0, -1, 0, /* o = 1 */
};
/* y[o][oy][ox] = sum_{p,q} w[o][p][q] x[2 oy + p][2 ox + q]. E.g. y[0][0][0]:
 * window rows 0-2, columns 0-2 = 1 2 0 / 0 1 2 / 2 0 1, corners 1 + 0 + 2 + 1
 * and centre 1: 5; y[1][0][0] = 2 (x[0][1]) + 2 * 0 (x[1][0]) - 2 (x[1][2])
 * - 0 (x[2][1]) = 0. */
static const float hand_y[2 * 2 * 2] = {
    5, 6, 5, 5,  /* o = 0 */
    0, 5, 0, -2, /* o = 1 */
};
static const float hand_dy[2 * 2 * 2] = {
    1, 2, -1, 3, /* o = 0 */
    2, 0, 1, -2, /* o = 1 */
};
/* dx[r][c] = sum over the taps with 2 oy + p = r, 2 ox + q = c of
 * dy[o][oy][ox] w[o][p][q]. E.g. dx[0][0] = dy[0][0][0] w[0][0][0] +
 * dy[1][0][0] w[1][0][0] = 1 + 0 = 1; dx[2][2] is read by all four outputs
 * (taps (2,2), (2,0), (0,2), (0,0)): o = 0 gives 1 + 2 - 1 + 3 = 5, o = 1
 * gives 0. Row 5: no tap, exactly 0. */
static const float hand_dx[6 * 5] = {
    1,  2,  3,  0,  2, /* */
    4,  1,  -2, 2,  0, /* */
    0,  -1, 5,  -2, 5, /* */
    2,  -1, -5, 3,  2, /* */
    -1, -1, 2,  2,  3, /* */
    0,  0,  0,  0,  0, /* never read by the convolution */
};
/* dw[o][p][q] = sum_{oy,ox} dy[o][oy][ox] x[2 oy + p][2 ox + q]. E.g.
 * dw[0][0][0] = 1 x[0][0] + 2 x[0][2] - x[2][0] + 3 x[2][2] = 1 + 0 - 2 + 3 = 2. */
static const float hand_dw[2 * 3 * 3] = {
    2, 4, 8, 3, 8,  5, 7, 1, 2, /* o = 0 */
    2, 4, -1, 1, -1, 2, 2, 0, 3, /* o = 1 */
};

/* Exact comparison (small integers and halves are exact in float). */
static void expect_exact(const char *dev, const char *what, const float *got,
                         const float *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cr_expect(got[i] == want[i], "%s: %s[%zu] = %.9g, expected %g", dev, what, i,
                  (double)got[i], (double)want[i]);
}

/* The hand-worked case on one device. */
static void hand_worked_on(const char *id)
{
    bcn_ctx *ctx = open_device(id);
    bcn_backend *be = ctx->backend;
    const bcn_conv_geom *g = &hand_geom;
    float got[30], want[30], nan30[30], ten[30];
    for (int i = 0; i < 30; i++) {
        nan30[i] = NAN;
        ten[i] = 10.0f;
    }
    fprintf(stderr, "hand-worked convolution on %s (%s)\n", id, be->info.name);
    bcn_buf *x = upload(be, 30, hand_x), *w = upload(be, 18, hand_w);
    bcn_buf *dy = upload(be, 8, hand_dy), *y = upload(be, 8, nan30);
    bcn_buf *dx = upload(be, 30, nan30), *dw = upload(be, 18, nan30);

    cr_assert_eq(be->conv2d(be, g, 1, x, w, y), BCN_OK, "%s", bcn_errmsg(ctx));
    download(be, y, 8, got);
    expect_exact(id, "conv2d y", got, hand_y, 8);

    /* beta == 0: dx (NaN) must not be read; row 5 exactly 0 */
    cr_assert_eq(be->conv2d_transpose(be, g, 1, 1.0f, dy, w, 0.0f, dx), BCN_OK, "%s",
                 bcn_errmsg(ctx));
    download(be, dx, 30, got);
    expect_exact(id, "conv2d_transpose dx", got, hand_dx, 30);
    /* dx = 2 convᵀ - dx over dx = 10: row 5 is 0 + beta dx = -10 */
    cr_assert_eq(be->buf_write(be, dx, 0, 30, ten), BCN_OK);
    cr_assert_eq(be->conv2d_transpose(be, g, 1, 2.0f, dy, w, -1.0f, dx), BCN_OK, "%s",
                 bcn_errmsg(ctx));
    download(be, dx, 30, got);
    for (int i = 0; i < 30; i++)
        want[i] = 2.0f * hand_dx[i] - 10.0f;
    expect_exact(id, "conv2d_transpose 2 dx - 10", got, want, 30);
    for (int i = 25; i < 30; i++)
        cr_expect(got[i] == -10.0f, "%s: unread row 5, column %d: %g, expected -10", id,
                  i - 25, (double)got[i]);

    cr_assert_eq(be->conv2d_weight_grad(be, g, 1, 1.0f, dy, x, 0.0f, dw), BCN_OK, "%s",
                 bcn_errmsg(ctx));
    download(be, dw, 18, got);
    expect_exact(id, "conv2d_weight_grad dw", got, hand_dw, 18);
    /* dw = 0.5 grad + dw over dw = 10 */
    cr_assert_eq(be->buf_write(be, dw, 0, 18, ten), BCN_OK);
    cr_assert_eq(be->conv2d_weight_grad(be, g, 1, 0.5f, dy, x, 1.0f, dw), BCN_OK, "%s",
                 bcn_errmsg(ctx));
    download(be, dw, 18, got);
    for (int i = 0; i < 18; i++)
        want[i] = 0.5f * hand_dw[i] + 10.0f;
    expect_exact(id, "conv2d_weight_grad 0.5 dw + 10", got, want, 18);

    be->buf_free(be, x);
    be->buf_free(be, w);
    be->buf_free(be, dy);
    be->buf_free(be, y);
    be->buf_free(be, dx);
    be->buf_free(be, dw);
    bcn_ctx_free(ctx);
}

/* ---------------------------------------------------- bad arguments */

/* Misuse is reported, not run: BCN_ERR_INVALID_ARG with a message naming
 * the operation (and, on cl, the buffer). */
static void bad_arguments_on(const char *id)
{
    bcn_ctx *ctx = open_device(id);
    bcn_backend *be = ctx->backend;
    const bcn_conv_geom *g = &hand_geom;
    bcn_buf *x = upload(be, 30, hand_x), *w = upload(be, 18, hand_w);
    bcn_buf *dy = upload(be, 8, hand_dy), *small = upload(be, 8, hand_dy);
    bcn_conv_geom bad = *g;
    bad.h_out = 3; /* (6 - 3) / 2 + 1 is 2 */
    cr_expect_eq(be->conv2d(be, &bad, 1, x, w, dy), BCN_ERR_INVALID_ARG, "%s", id);
    cr_expect(strstr(bcn_errmsg(ctx), "conv2d"), "%s: message '%s'", id, bcn_errmsg(ctx));
    cr_expect_eq(be->conv2d(be, NULL, 1, x, w, dy), BCN_ERR_INVALID_ARG, "%s", id);
    cr_expect_eq(be->conv2d_weight_grad(be, g, -1, 1.0f, dy, x, 0.0f, small),
                 BCN_ERR_INVALID_ARG, "%s", id);
    /* dx needs 30 floats, 8 given */
    cr_expect_eq(be->conv2d_transpose(be, g, 1, 1.0f, dy, w, 0.0f, small), BCN_ERR_INVALID_ARG,
                 "%s", id);
    cr_expect(strstr(bcn_errmsg(ctx), "conv2d_transpose"), "%s: message '%s'", id,
              bcn_errmsg(ctx));
    if (strcmp(id, "ref") != 0)
        cr_expect(strstr(bcn_errmsg(ctx), "'dx'"), "%s: message '%s'", id, bcn_errmsg(ctx));
    /* dw needs 18 floats, 8 given */
    cr_expect_eq(be->conv2d_weight_grad(be, g, 1, 1.0f, dy, x, 0.0f, small),
                 BCN_ERR_INVALID_ARG, "%s", id);
    if (strcmp(id, "ref") != 0)
        cr_expect(strstr(bcn_errmsg(ctx), "'dw'"), "%s: message '%s'", id, bcn_errmsg(ctx));
    be->buf_free(be, x);
    be->buf_free(be, w);
    be->buf_free(be, dy);
    be->buf_free(be, small);
    bcn_ctx_free(ctx);
}

/* Run `check` on ref and on every OpenCL device. */
static void every_backend(void (*check)(const char *id))
{
    check("ref");
#ifdef BCN_HAVE_OPENCL
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_not_null(ctx);
    bcn_device_info *devs = NULL;
    size_t ndev = 0;
    if (bcn_cl_list_devices(ctx, &devs, &ndev) != BCN_OK || ndev == 0)
        fprintf(stderr, "no OpenCL device: ref only (%s)\n", bcn_errmsg(ctx));
    for (size_t d = 0; d < ndev; d++)
        check(devs[d].id);
    free(devs);
    bcn_ctx_free(ctx);
#endif
}

Test(conv, hand_worked_every_backend) { every_backend(hand_worked_on); }
Test(conv, bad_arguments_every_backend) { every_backend(bad_arguments_on); }

#include "cl_test_main.h"
