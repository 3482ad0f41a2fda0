/*
 * test_optimize.c — the optimize slot on packed buffers of several segments
 * (each with its own lr and weight decay, one without decay, padding
 * between them) and the buf_view slot, on ref and every OpenCL device:
 *
 *   optimize/ref_formulas    ref against SGD, momentum and Adam written out
 *                            here from SPEC §8, float by float
 *   optimize/cl_matches_ref  every device against ref over two steps
 *                            (errors on the change the step made, as in
 *                            test_backend_ops)
 *   buf_view/...             writes through a view read via the parent,
 *                            element-wise ops, GEMM and conv2d on views at
 *                            aligned offsets of one buffer, refused views
 *
 * Padding floats start as NaN and must come back bit-identical: the
 * optimiser neither writes them nor lets them reach a segment.
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

#define TOL_CHANGE 1e-5 /* cl vs ref, relative, on the change a step made */

/* ------------------------------------------------------------ devices */

/* Every device (ref first): a context per device, opened. */
typedef struct devices {
    bcn_ctx *ctx[8];
    char id[8][32];
    size_t n;
} devices;

static void devices_open(devices *d)
{
    memset(d, 0, sizeof *d);
    bcn_ctx *probe = bcn_ctx_new();
    cr_assert_not_null(probe);
    bcn_device_info *list = NULL;
    size_t count = 0;
    cr_assert_eq(bcn_devices_list(probe, &list, &count), BCN_OK, "%s", bcn_errmsg(probe));
    for (size_t i = 0; i < count && d->n < 8; i++) {
        bcn_ctx *ctx = bcn_ctx_new();
        cr_assert_not_null(ctx);
        cr_assert_eq(bcn_ctx_open_device(ctx, list[i].id), BCN_OK, "%s: %s", list[i].id,
                     bcn_errmsg(ctx));
        d->ctx[d->n] = ctx;
        snprintf(d->id[d->n], sizeof d->id[d->n], "%s", list[i].id);
        d->n++;
    }
    bcn_devices_free(list);
    bcn_ctx_free(probe);
    cr_assert(d->n >= 1 && strcmp(d->id[0], "ref") == 0, "ref comes first");
}

static void devices_close(devices *d)
{
    for (size_t i = 0; i < d->n; i++)
        bcn_ctx_free(d->ctx[i]);
}

/* --------------------------------------------------- the packed layout */

/* Five segments over 10 blocks of a buffer of N floats: a segment ending
 * mid-block, one of 7 floats without decay, one of 3 blocks and 1 float,
 * a single float, and one that ends with the buffer at an odd length
 * (scalar tails everywhere). Floats outside them are padding. */
#define N_SEG 5
static const bcn_opt_segment SEGS[N_SEG] = {
    {0 * BCN_OPT_BLOCK, BCN_OPT_BLOCK + 44, 0.1f, 1e-3f},
    {2 * BCN_OPT_BLOCK, 7, 0.05f, 0.0f},
    {3 * BCN_OPT_BLOCK, 3 * BCN_OPT_BLOCK + 1, 0.2f, 1e-4f},
    {7 * BCN_OPT_BLOCK, 1, 0.01f, 1e-2f},
    {8 * BCN_OPT_BLOCK, BCN_OPT_BLOCK + 239, 0.03f, 5e-3f},
};
#define N_PACKED (9 * BCN_OPT_BLOCK + 239)

/* The segment holding float i, or -1 for padding. */
static int segment_of(size_t i)
{
    for (int s = 0; s < N_SEG; s++)
        if (i >= SEGS[s].offset && i < SEGS[s].offset + SEGS[s].n)
            return s;
    return -1;
}

/* Host state of one packed optimiser problem: g, m, v, w. */
typedef struct state {
    float *g, *m, *v, *w;
} state;

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [-1, 1). */
static float uniform(uint64_t *x) { return (float)((double)(splitmix(x) >> 11) / 4503599627370496.0 - 1.0); }

/* Random segments (v >= 0), NaN padding. */
static void state_init(state *s, uint64_t seed)
{
    s->g = malloc(N_PACKED * sizeof(float));
    s->m = malloc(N_PACKED * sizeof(float));
    s->v = malloc(N_PACKED * sizeof(float));
    s->w = malloc(N_PACKED * sizeof(float));
    cr_assert(s->g && s->m && s->v && s->w);
    uint64_t x = seed;
    for (size_t i = 0; i < N_PACKED; i++) {
        int in = segment_of(i) >= 0;
        float a = uniform(&x), b = uniform(&x), c = uniform(&x), d = uniform(&x);
        s->g[i] = in ? a : NAN;
        s->m[i] = in ? 0.1f * b : NAN;
        s->v[i] = in ? 0.01f * c * c : NAN;
        s->w[i] = in ? d : NAN;
    }
}

static void state_free(state *s)
{
    free(s->g);
    free(s->m);
    free(s->v);
    free(s->w);
}

/* The device buffers of a state and the table of SEGS. */
typedef struct dev_state {
    bcn_buf *table, *g, *m, *v, *w;
} dev_state;

static void dev_upload(bcn_backend *be, const state *s, dev_state *d)
{
    size_t nt = bcn_opt_table_floats(N_PACKED);
    float *table = malloc(nt * sizeof *table);
    cr_assert_not_null(table);
    cr_assert_eq(bcn_opt_table_fill(SEGS, N_SEG, N_PACKED, table), 0);
    bcn_buf **bufs[] = {&d->g, &d->m, &d->v, &d->w};
    const float *host[] = {s->g, s->m, s->v, s->w};
    for (int k = 0; k < 4; k++) {
        cr_assert_eq(be->buf_alloc(be, N_PACKED, bufs[k]), BCN_OK, "%s", bcn_errmsg(be->ctx));
        cr_assert_eq(be->buf_write(be, *bufs[k], 0, N_PACKED, host[k]), BCN_OK);
    }
    cr_assert_eq(be->buf_alloc(be, nt, &d->table), BCN_OK);
    cr_assert_eq(be->buf_write(be, d->table, 0, nt, table), BCN_OK);
    free(table);
}

static void dev_download(bcn_backend *be, const dev_state *d, state *s)
{
    bcn_buf *bufs[] = {d->g, d->m, d->v, d->w};
    float *host[] = {s->g, s->m, s->v, s->w};
    for (int k = 0; k < 4; k++)
        cr_assert_eq(be->buf_read(be, bufs[k], 0, N_PACKED, host[k]), BCN_OK, "%s",
                     bcn_errmsg(be->ctx));
}

static void dev_free(bcn_backend *be, dev_state *d)
{
    bcn_buf *bufs[] = {d->table, d->g, d->m, d->v, d->w};
    for (int k = 0; k < 5; k++)
        be->buf_free(be, bufs[k]);
}

static bcn_optim_step step_of(bcn_optimizer kind, int step)
{
    return (bcn_optim_step){kind, 0.9f, 0.9f, 0.999f, 1e-8f, step};
}

static void run_step(bcn_backend *be, const bcn_optim_step *o, dev_state *d)
{
    cr_assert_eq(be->optimize(be, o, N_PACKED, d->table, d->g,
                              o->kind == BCN_OPT_SGD ? NULL : d->m,
                              o->kind == BCN_OPT_ADAM ? d->v : NULL, d->w),
                 BCN_OK, "%s", bcn_errmsg(be->ctx));
}

/* Padding must come back bit-identical (NaN); segments finite. */
static void check_padding(const char *label, const state *before, const state *after)
{
    const float *b[] = {before->g, before->m, before->v, before->w};
    const float *a[] = {after->g, after->m, after->v, after->w};
    const char *name[] = {"g", "m", "v", "w"};
    for (int k = 0; k < 4; k++)
        for (size_t i = 0; i < N_PACKED; i++) {
            if (segment_of(i) < 0)
                cr_assert(memcmp(&a[k][i], &b[k][i], sizeof(float)) == 0,
                          "%s: padding %s[%zu] changed to %g", label, name[k], i,
                          (double)a[k][i]);
            else
                cr_assert(isfinite(a[k][i]), "%s: %s[%zu] = %g", label, name[k], i,
                          (double)a[k][i]);
        }
}

static const char *kind_name(bcn_optimizer k)
{
    return k == BCN_OPT_SGD ? "sgd" : k == BCN_OPT_MOMENTUM ? "momentum" : "adam";
}

/* ------------------------------------------------------------ tests */

/* SPEC §8, float by float in double, rounded to float where the state is
 * stored (as the reference backend's contract says). */
static void expected_step(const bcn_optim_step *o, state *s)
{
    double c1 = 1.0 - pow((double)o->beta1, o->step), c2 = 1.0 - pow((double)o->beta2, o->step);
    for (size_t i = 0; i < N_PACKED; i++) {
        int seg = segment_of(i);
        if (seg < 0)
            continue;
        double lr = SEGS[seg].lr, wd = SEGS[seg].wd, w = s->w[i], g = s->g[i];
        if (o->kind == BCN_OPT_SGD) {
            s->w[i] = (float)(w - lr * g - wd * w);
        } else if (o->kind == BCN_OPT_MOMENTUM) {
            float v = (float)((double)o->momentum * s->m[i] + g);
            s->m[i] = v;
            s->w[i] = (float)(w - lr * v - wd * w);
        } else {
            float m = (float)((double)o->beta1 * s->m[i] + (1.0 - (double)o->beta1) * g);
            float v = (float)((double)o->beta2 * s->v[i] + (1.0 - (double)o->beta2) * g * g);
            s->m[i] = m;
            s->v[i] = v;
            s->w[i] = (float)(w - lr * ((m / c1) / (sqrt(v / c2) + (double)o->eps)) - wd * w);
        }
    }
}

Test(optimize, ref_formulas)
{
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_eq(bcn_ctx_open_device(ctx, "ref"), BCN_OK, "%s", bcn_errmsg(ctx));
    bcn_backend *be = ctx->backend;
    for (int k = BCN_OPT_SGD; k <= BCN_OPT_ADAM; k++) {
        state init, want, got;
        state_init(&init, 41u + (unsigned)k);
        state_init(&want, 41u + (unsigned)k);
        state_init(&got, 0);
        dev_state d = {0};
        dev_upload(be, &init, &d);
        for (int step = 1; step <= 3; step++) {
            bcn_optim_step o = step_of((bcn_optimizer)k, step);
            run_step(be, &o, &d);
            expected_step(&o, &want);
        }
        dev_download(be, &d, &got);
        check_padding(kind_name((bcn_optimizer)k), &init, &got);
        const float *a[] = {got.m, got.v, got.w}, *b[] = {want.m, want.v, want.w};
        for (int q = 0; q < 3; q++)
            for (size_t i = 0; i < N_PACKED; i++) {
                if (segment_of(i) < 0)
                    continue;
                double tol = 1e-6 * fmax(1.0, fabs((double)b[q][i]));
                cr_assert(fabs((double)a[q][i] - b[q][i]) <= tol,
                          "%s: float %zu (segment %d): %.9g, by hand %.9g",
                          kind_name((bcn_optimizer)k), i, segment_of(i), (double)a[q][i],
                          (double)b[q][i]);
            }
        dev_free(be, &d);
        state_free(&init);
        state_free(&want);
        state_free(&got);
    }
    bcn_ctx_free(ctx);
}

/* ||a − b|| / ||b − base|| over the segments: the error on the change. */
static double change_error(const float *a, const float *b, const float *base)
{
    double d2 = 0, r2 = 0;
    for (size_t i = 0; i < N_PACKED; i++) {
        if (segment_of(i) < 0)
            continue;
        double x = (double)a[i] - base[i], y = (double)b[i] - base[i];
        d2 += (x - y) * (x - y);
        r2 += y * y;
    }
    return r2 > 0 ? sqrt(d2 / r2) : sqrt(d2);
}

Test(optimize, cl_matches_ref)
{
    devices dv;
    devices_open(&dv);
    if (dv.n == 1) {
        devices_close(&dv);
        cr_skip_test("no OpenCL device: only ref's formulas are checked");
    }
    bcn_backend *ref = dv.ctx[0]->backend;
    for (size_t di = 1; di < dv.n; di++) {
        bcn_backend *be = dv.ctx[di]->backend;
        for (int k = BCN_OPT_SGD; k <= BCN_OPT_ADAM; k++) {
            state init, want, got;
            state_init(&init, 97u + (unsigned)k);
            state_init(&want, 0);
            state_init(&got, 0);
            dev_state dr = {0}, dc = {0};
            dev_upload(ref, &init, &dr);
            dev_upload(be, &init, &dc);
            unsigned long long launches = be->counters.launches;
            for (int step = 1; step <= 2; step++) {
                bcn_optim_step o = step_of((bcn_optimizer)k, step);
                run_step(ref, &o, &dr);
                run_step(be, &o, &dc);
            }
            cr_expect_eq(be->counters.launches - launches, 2, "one launch per step");
            dev_download(ref, &dr, &want);
            dev_download(be, &dc, &got);
            char label[96];
            snprintf(label, sizeof label, "%s on %s", kind_name((bcn_optimizer)k), dv.id[di]);
            check_padding(label, &init, &got);
            const float *a[] = {got.m, got.v, got.w}, *b[] = {want.m, want.v, want.w},
                        *base[] = {init.m, init.v, init.w};
            const char *name[] = {"m", "v", "w"};
            for (int q = 0; q < 3; q++) {
                if ((q == 0 && k == BCN_OPT_SGD) || (q == 1 && k != BCN_OPT_ADAM))
                    continue;
                double err = change_error(a[q], b[q], base[q]);
                cr_expect(err < TOL_CHANGE, "%s: %s: error %.3g on the change", label, name[q],
                          err);
                /* every segment moved: its lr reached it */
                for (int s = 0; s < N_SEG; s++) {
                    size_t i = SEGS[s].offset + SEGS[s].n - 1;
                    cr_expect(a[q][i] != base[q][i], "%s: %s of segment %d's last float did not change",
                              label, name[q], s);
                }
            }
            dev_free(ref, &dr);
            dev_free(be, &dc);
            state_free(&init);
            state_free(&want);
            state_free(&got);
        }
    }
    devices_close(&dv);
}

/* ------------------------------------------------------------ views */

/* The view offsets of the tests: multiples of the alignment. */
static size_t aligned(const bcn_backend *be, size_t k) { return k * (be->view_align > 64 ? be->view_align : 64); }

Test(buf_view, write_through_view_read_via_parent)
{
    devices dv;
    devices_open(&dv);
    for (size_t di = 0; di < dv.n; di++) {
        bcn_backend *be = dv.ctx[di]->backend;
        size_t off = aligned(be, 2), n = 50, total = aligned(be, 4);
        float *zero = calloc(total, sizeof(float)), *back = malloc(total * sizeof(float));
        float vals[50];
        cr_assert(zero && back);
        for (size_t i = 0; i < n; i++)
            vals[i] = (float)i + 1.0f;
        bcn_buf *parent = NULL, *view = NULL;
        cr_assert_eq(be->buf_alloc(be, total, &parent), BCN_OK);
        cr_assert_eq(be->buf_write(be, parent, 0, total, zero), BCN_OK);
        cr_assert_eq(be->buf_view(be, parent, off, n, &view), BCN_OK, "%s: %s", dv.id[di],
                     bcn_errmsg(be->ctx));
        cr_assert_eq(be->buf_write(be, view, 0, n, vals), BCN_OK);
        /* a kernel on the view: the last 10 floats doubled, in place */
        bcn_buf *tail = NULL;
        cr_assert_eq(be->buf_alloc(be, 10, &tail), BCN_OK);
        cr_assert_eq(be->buf_write(be, tail, 0, 10, vals + 40), BCN_OK);
        cr_assert_eq(be->axpby(be, 10, 1.0f, tail, 1.0f, view), BCN_OK);
        cr_assert_eq(be->buf_read(be, parent, 0, total, back), BCN_OK);
        for (size_t i = 0; i < total; i++) {
            float want = 0.0f;
            if (i >= off && i < off + n)
                want = vals[i - off] + (i - off < 10 ? vals[40 + i - off] : 0.0f);
            cr_assert(back[i] == want, "%s: parent[%zu] = %g, want %g", dv.id[di], i,
                      (double)back[i], (double)want);
        }
        float part[5];
        cr_assert_eq(be->buf_read(be, view, 45, 5, part), BCN_OK);
        cr_expect(part[0] == 46.0f && part[4] == 50.0f, "%s: read via the view", dv.id[di]);
        cr_expect_eq(be->buf_read(be, view, 45, 6, part), BCN_ERR_INVALID_ARG,
                     "a read past the view's end is refused");
        bcn_buf *vv = NULL;
        cr_expect_eq(be->buf_view(be, view, 0, 1, &vv), BCN_ERR_INVALID_ARG,
                     "views of views are refused");
        cr_expect_eq(be->buf_view(be, parent, total - 1, 2, &vv), BCN_ERR_INVALID_ARG,
                     "a view past the end is refused");
        if (be->view_align > 1)
            cr_expect_eq(be->buf_view(be, parent, 1, 2, &vv), BCN_ERR_INVALID_ARG,
                         "a misaligned view is refused");
        cr_expect_null(vv);
        be->buf_free(be, view); /* frees the view only: the parent still works */
        cr_assert_eq(be->buf_read(be, parent, off, 1, part), BCN_OK);
        cr_expect(part[0] == vals[0] + vals[40], "%s: the parent after the view is freed", dv.id[di]);
        be->buf_free(be, tail);
        be->buf_free(be, parent);
        free(zero);
        free(back);
    }
    devices_close(&dv);
}

/* GEMM and conv2d whose operands are views at different offsets of one
 * buffer give what they give on separate buffers. */
Test(buf_view, gemm_and_conv_on_views)
{
    devices dv;
    devices_open(&dv);
    enum { M = 7, K = 33, N = 19 };
    bcn_conv_geom g = {2, 9, 9, 3, 7, 7, 3, 1, 0};
    const size_t nx = 2 * 2 * 9 * 9, nw = 3 * 2 * 3 * 3, ny = 2 * 3 * 7 * 7;
    uint64_t seed = 7;
    float a[M * K], b[K * N], c0[M * N], x[2 * 2 * 9 * 9], w[3 * 2 * 3 * 3];
    for (size_t i = 0; i < M * K; i++)
        a[i] = uniform(&seed);
    for (size_t i = 0; i < K * N; i++)
        b[i] = uniform(&seed);
    for (size_t i = 0; i < M * N; i++)
        c0[i] = uniform(&seed);
    for (size_t i = 0; i < nx; i++)
        x[i] = uniform(&seed);
    for (size_t i = 0; i < nw; i++)
        w[i] = uniform(&seed);
    for (size_t di = 0; di < dv.n; di++) {
        bcn_backend *be = dv.ctx[di]->backend;
        size_t unit = aligned(be, 1);
        size_t oa = unit, ob = oa + (M * K + unit - 1) / unit * unit,
               oc = ob + (K * N + unit - 1) / unit * unit,
               ox = oc + (M * N + unit - 1) / unit * unit,
               ow = ox + (nx + unit - 1) / unit * unit, oy = ow + (nw + unit - 1) / unit * unit,
               total = oy + ny + unit;
        bcn_buf *parent = NULL, *va, *vb, *vc, *vx, *vw, *vy, *sa, *sb, *sc, *sx, *sw, *sy;
        cr_assert_eq(be->buf_alloc(be, total, &parent), BCN_OK);
        cr_assert_eq(be->fill(be, total, 0.0f, parent), BCN_OK);
        cr_assert_eq(be->buf_view(be, parent, oa, M * K, &va), BCN_OK, "%s", bcn_errmsg(be->ctx));
        cr_assert_eq(be->buf_view(be, parent, ob, K * N, &vb), BCN_OK);
        cr_assert_eq(be->buf_view(be, parent, oc, M * N, &vc), BCN_OK);
        cr_assert_eq(be->buf_view(be, parent, ox, nx, &vx), BCN_OK);
        cr_assert_eq(be->buf_view(be, parent, ow, nw, &vw), BCN_OK);
        cr_assert_eq(be->buf_view(be, parent, oy, ny, &vy), BCN_OK);
        bcn_buf *views[] = {va, vb, vc, vx, vw};
        bcn_buf **plain[] = {&sa, &sb, &sc, &sx, &sw};
        const float *src[] = {a, b, c0, x, w};
        size_t len[] = {M * K, K * N, M * N, nx, nw};
        for (int i = 0; i < 5; i++) {
            cr_assert_eq(be->buf_write(be, views[i], 0, len[i], src[i]), BCN_OK);
            cr_assert_eq(be->buf_alloc(be, len[i], plain[i]), BCN_OK);
            cr_assert_eq(be->buf_write(be, *plain[i], 0, len[i], src[i]), BCN_OK);
        }
        cr_assert_eq(be->buf_alloc(be, ny, &sy), BCN_OK);
        cr_assert_eq(be->gemm(be, 0, 0, M, N, K, 0.5f, va, K, vb, N, 0.25f, vc, N), BCN_OK,
                     "%s", bcn_errmsg(be->ctx));
        cr_assert_eq(be->gemm(be, 0, 0, M, N, K, 0.5f, sa, K, sb, N, 0.25f, sc, N), BCN_OK);
        cr_assert_eq(be->conv2d(be, &g, 2, vx, vw, vy), BCN_OK, "%s", bcn_errmsg(be->ctx));
        cr_assert_eq(be->conv2d(be, &g, 2, sx, sw, sy), BCN_OK);
        float *whole = malloc(total * sizeof(float)), got_c[M * N], want_y[2 * 3 * 7 * 7];
        float want_c[M * N];
        cr_assert_not_null(whole);
        cr_assert_eq(be->buf_read(be, parent, 0, total, whole), BCN_OK);
        cr_assert_eq(be->buf_read(be, sc, 0, M * N, want_c), BCN_OK);
        cr_assert_eq(be->buf_read(be, sy, 0, ny, want_y), BCN_OK);
        memcpy(got_c, whole + oc, sizeof got_c);
        for (size_t i = 0; i < M * N; i++)
            cr_assert(fabsf(got_c[i] - want_c[i]) <= 1e-6f * fmaxf(1.0f, fabsf(want_c[i])),
                      "%s: C[%zu] on views %g, separate %g", dv.id[di], i, (double)got_c[i],
                      (double)want_c[i]);
        for (size_t i = 0; i < ny; i++)
            cr_assert(fabsf(whole[oy + i] - want_y[i]) <=
                          1e-6f * fmaxf(1.0f, fabsf(want_y[i])),
                      "%s: y[%zu] on views %g, separate %g", dv.id[di], i,
                      (double)whole[oy + i], (double)want_y[i]);
        /* the gaps between the views are untouched */
        for (size_t i = 0; i < oa; i++)
            cr_assert(whole[i] == 0.0f, "%s: gap float %zu written", dv.id[di], i);
        for (size_t i = oy + ny; i < total; i++)
            cr_assert(whole[i] == 0.0f, "%s: tail float %zu written", dv.id[di], i);
        bcn_buf *all[] = {va, vb, vc, vx, vw, vy, sa, sb, sc, sx, sw, sy};
        for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
            be->buf_free(be, all[i]);
        be->buf_free(be, parent);
        free(whole);
    }
    devices_close(&dv);
}
