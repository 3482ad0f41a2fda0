/*
 * test_device_data.c — data on the device (bcn_net_attach_data), on ref and
 * on every OpenCL device:
 *   - the gather_batch slot against a hand-built case (indexed rows,
 *     consecutive rows, no targets, an index out of range);
 *   - five training steps through bcn_net_train_step_rows leave every
 *     parameter and the training statistics bit-identical to
 *     bcn_dataset_batch + bcn_net_train_step on the same device, for each
 *     rule;
 *   - evaluating the attached test and validation splits gives exactly
 *     bcn_net_evaluate's loss and errors on the host arrays (several chunks);
 *   - the size check and refusals: a limit one byte short is BCN_ERR_NOMEM
 *     with nothing attached (the caller's fallback), mismatched shapes,
 *     labels and indices are refused.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "internal.h"

#define MAX_DEVICES 16
#define DIM 12
#define CLASSES 4

/* "ref" and the ids of every OpenCL device; returns the count. */
static size_t all_devices(char ids[][32])
{
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_not_null(ctx);
    bcn_device_info *list = NULL;
    size_t n = 0, k = 0;
    cr_assert_eq(bcn_devices_list(ctx, &list, &n), BCN_OK, "%s", bcn_errmsg(ctx));
    snprintf(ids[k++], 32, "ref");
    for (size_t i = 0; i < n && k < MAX_DEVICES; i++)
        if (strcmp(list[i].backend, "cl") == 0)
            snprintf(ids[k++], 32, "%s", list[i].id);
    if (k == 1)
        cr_log_info("no OpenCL device (%s): ref only", bcn_errmsg(ctx));
    bcn_devices_free(list);
    bcn_ctx_free(ctx);
    return k;
}

static bcn_ctx *open_ctx(const char *id)
{
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_not_null(ctx);
    cr_assert_eq(bcn_ctx_open_device(ctx, id), BCN_OK, "open %s: %s", id, bcn_errmsg(ctx));
    return ctx;
}

/* ---- the gather_batch slot ---- */

static bcn_buf *upload(bcn_backend *be, const float *v, size_t n)
{
    bcn_buf *b = NULL;
    cr_assert_eq(be->buf_alloc(be, n, &b), BCN_OK, "%s", bcn_errmsg(be->ctx));
    cr_assert_eq(be->buf_write(be, b, 0, n, v), BCN_OK, "%s", bcn_errmsg(be->ctx));
    return b;
}

static void download(bcn_backend *be, const bcn_buf *b, size_t n, float *out)
{
    cr_assert_eq(be->buf_read(be, b, 0, n, out), BCN_OK, "%s", bcn_errmsg(be->ctx));
}

Test(device_data, gather_batch_hand_built)
{
    char ids[MAX_DEVICES][32];
    size_t ndev = all_devices(ids);
    /* 4 examples of 3 floats, example k = (10k, 10k + 1, 10k + 2) + 0.5. */
    const float src[12] = {0.5f,  1.5f,  2.5f,  10.5f, 11.5f, 12.5f,
                           20.5f, 21.5f, 22.5f, 30.5f, 31.5f, 32.5f};
    const float labels[4] = {2, 0, 1, 1};
    const float idx[3] = {3, 0, 3};
    const float want_x[9] = {30.5f, 31.5f, 32.5f, 0.5f, 1.5f, 2.5f, 30.5f, 31.5f, 32.5f};
    const float want_t[9] = {0, 1, 0, 0, 0, 1, 0, 1, 0};
    /* rows 1, 2 in order (idx NULL, first 1) */
    const float want_x2[6] = {10.5f, 11.5f, 12.5f, 20.5f, 21.5f, 22.5f};
    const float want_t2[6] = {1, 0, 0, 0, 1, 0};
    for (size_t d = 0; d < ndev; d++) {
        bcn_ctx *ctx = open_ctx(ids[d]);
        bcn_backend *be = ctx->backend;
        bcn_buf *bs = upload(be, src, 12), *bl = upload(be, labels, 4), *bi = upload(be, idx, 3);
        const float poison[9] = {-7, -7, -7, -7, -7, -7, -7, -7, -7};
        bcn_buf *bx = upload(be, poison, 9), *bt = upload(be, poison, 9);
        float x[9], t[9];
        cr_assert_eq(be->gather_batch(be, 3, 3, 3, 4, bs, bl, bi, 0, bx, bt), BCN_OK, "%s: %s",
                     ids[d], bcn_errmsg(ctx));
        download(be, bx, 9, x);
        download(be, bt, 9, t);
        for (int i = 0; i < 9; i++) {
            cr_expect_eq(x[i], want_x[i], "%s: x[%d] = %g, want %g", ids[d], i, x[i], want_x[i]);
            cr_expect_eq(t[i], want_t[i], "%s: t[%d] = %g, want %g", ids[d], i, t[i], want_t[i]);
        }
        /* consecutive rows 1, 2; the rest of x and t untouched */
        cr_assert_eq(be->buf_write(be, bx, 0, 9, poison), BCN_OK);
        cr_assert_eq(be->buf_write(be, bt, 0, 9, poison), BCN_OK);
        cr_assert_eq(be->gather_batch(be, 2, 3, 3, 4, bs, bl, NULL, 1, bx, bt), BCN_OK, "%s: %s",
                     ids[d], bcn_errmsg(ctx));
        download(be, bx, 9, x);
        download(be, bt, 9, t);
        for (int i = 0; i < 9; i++) {
            cr_expect_eq(x[i], i < 6 ? want_x2[i] : -7.0f, "%s: rows 1-2: x[%d] = %g", ids[d], i,
                         x[i]);
            cr_expect_eq(t[i], i < 6 ? want_t2[i] : -7.0f, "%s: rows 1-2: t[%d] = %g", ids[d], i,
                         t[i]);
        }
        /* no targets: t stays as it was */
        cr_assert_eq(be->buf_write(be, bt, 0, 9, poison), BCN_OK);
        cr_assert_eq(be->gather_batch(be, 3, 3, 3, 4, bs, bl, bi, 0, bx, NULL), BCN_OK, "%s: %s",
                     ids[d], bcn_errmsg(ctx));
        download(be, bx, 9, x);
        download(be, bt, 9, t);
        for (int i = 0; i < 9; i++) {
            cr_expect_eq(x[i], want_x[i], "%s: no t: x[%d] = %g", ids[d], i, x[i]);
            cr_expect_eq(t[i], -7.0f, "%s: no t: t[%d] = %g was written", ids[d], i, t[i]);
        }
        /* example 4 of 4 does not exist: ref refuses, cl writes a NaN row */
        const float bad_idx[3] = {1, 4, 2};
        cr_assert_eq(be->buf_write(be, bi, 0, 3, bad_idx), BCN_OK);
        bcn_status st = be->gather_batch(be, 3, 3, 3, 4, bs, bl, bi, 0, bx, bt);
        if (strcmp(be->name, "ref") == 0) {
            cr_expect_eq(st, BCN_ERR_INVALID_ARG, "ref: an index out of range is accepted");
        } else {
            cr_assert_eq(st, BCN_OK, "%s: %s", ids[d], bcn_errmsg(ctx));
            download(be, bx, 9, x);
            download(be, bt, 9, t);
            for (int j = 0; j < 3; j++) {
                cr_expect(isnan(x[3 + j]), "%s: out-of-range row: x = %g, want NaN", ids[d],
                          x[3 + j]);
                cr_expect_eq(t[3 + j], 0.0f, "%s: out-of-range row: t = %g", ids[d], t[3 + j]);
                cr_expect_eq(x[j], want_x2[j], "%s: the row before it is wrong", ids[d]);
                cr_expect_eq(x[6 + j], want_x2[3 + j], "%s: the row after it is wrong", ids[d]);
            }
        }
        bcn_buf *bufs[] = {bs, bl, bi, bx, bt};
        for (size_t i = 0; i < 5; i++)
            be->buf_free(be, bufs[i]);
        bcn_ctx_free(ctx);
    }
}

/* ---- whole networks ---- */

/* A synthetic data set: inputs uniform in [0, 1), labels from a seeded
 * generator; freed by free_dataset. */
static bcn_dataset *make_dataset(int n_train, int n_val, int n_test, uint64_t seed)
{
    bcn_dataset *ds = calloc(1, sizeof *ds);
    cr_assert_not_null(ds);
    snprintf(ds->name, sizeof ds->name, "synthetic");
    ds->dim = DIM;
    ds->channels = 1;
    ds->rows = 1;
    ds->cols = DIM;
    ds->n_classes = CLASSES;
    bcn_rng rng;
    bcn_rng_seed(&rng, seed);
    bcn_split *sp[3] = {&ds->train, &ds->val, &ds->test};
    int n[3] = {n_train, n_val, n_test};
    for (int s = 0; s < 3; s++) {
        sp[s]->n = n[s];
        sp[s]->x = malloc(((size_t)n[s] * DIM + 1) * sizeof(float));
        sp[s]->y = malloc((size_t)n[s] + 1);
        cr_assert(sp[s]->x && sp[s]->y);
        for (size_t i = 0; i < (size_t)n[s] * DIM; i++)
            sp[s]->x[i] = (float)bcn_rng_uniform(&rng);
        for (int i = 0; i < n[s]; i++)
            sp[s]->y[i] = (uint8_t)bcn_rng_below(&rng, CLASSES);
    }
    return ds;
}

static void free_dataset(bcn_dataset *ds)
{
    bcn_split *sp[3] = {&ds->train, &ds->val, &ds->test};
    for (int s = 0; s < 3; s++) {
        free(sp[s]->x);
        free(sp[s]->y);
    }
    free(ds);
}

static bcn_net *make_net(bcn_ctx *ctx, bcn_rule rule)
{
    bcn_net_config cfg;
    bcn_net_config_init(&cfg, rule);
    const int hidden[2] = {9, 7};
    bcn_net_config_set_dense(&cfg, DIM, 2, hidden, CLASSES);
    cfg.seed = 77;
    bcn_net *net = NULL;
    cr_assert_eq(bcn_net_create(ctx, &cfg, &net), BCN_OK, "%s", bcn_errmsg(ctx));
    return net;
}

/* Every parameter of a and b (W, c, Y, Q, R where they exist) bit-equal. */
static void expect_same_params(bcn_net *a, bcn_net *b, const char *what)
{
    const bcn_param params[] = {BCN_PARAM_W, BCN_PARAM_C, BCN_PARAM_Y, BCN_PARAM_Q,
                                BCN_PARAM_R};
    const char *names[] = {"W", "c", "Y", "Q", "R"};
    int compared = 0;
    for (int l = 1; l <= 3; l++)
        for (int p = 0; p < 5; p++) {
            int r = 0, c = 0;
            if (bcn_net_param_shape(a, params[p], l, &r, &c) != BCN_OK)
                continue;
            size_t n = (size_t)r * c;
            float *va = malloc(n * sizeof *va), *vb = malloc(n * sizeof *vb);
            cr_assert(va && vb);
            cr_assert_eq(bcn_net_get_param(a, params[p], l, va), BCN_OK);
            cr_assert_eq(bcn_net_get_param(b, params[p], l, vb), BCN_OK);
            size_t i = 0;
            while (i < n && memcmp(&va[i], &vb[i], sizeof(float)) == 0)
                i++;
            cr_expect_eq(i, n, "%s: %s_%d[%zu] = %.9g on the device path, %.9g on the host path",
                         what, names[p], l, i, i < n ? va[i] : 0.0, i < n ? vb[i] : 0.0);
            compared++;
            free(va);
            free(vb);
        }
    cr_assert_geq(compared, 6, "%s: only %d parameters compared", what, compared);
}

Test(device_data, train_steps_bit_identical)
{
    char ids[MAX_DEVICES][32];
    size_t ndev = all_devices(ids);
    bcn_dataset *ds = make_dataset(37, 6, 20, 5); /* batches 8, 8, 8, 8, 5 */
    const int batch = 8;
    for (size_t d = 0; d < ndev; d++)
        for (int rule = 0; rule < BCN_RULE_COUNT; rule++) {
            char what[96];
            snprintf(what, sizeof what, "%s, %s", ids[d], bcn_rule_str((bcn_rule)rule));
            bcn_ctx *ctx = open_ctx(ids[d]);
            bcn_net *dev = make_net(ctx, (bcn_rule)rule), *host = make_net(ctx, (bcn_rule)rule);
            cr_assert_eq(bcn_net_attach_data(dev, ds, 0), BCN_OK, "%s: %s", what,
                         bcn_errmsg(ctx));
            cr_assert(bcn_net_has_data(dev));
            bcn_order order;
            cr_assert_eq(bcn_order_init(ctx, &order, ds->train.n, batch, 3), BCN_OK);
            float x[8 * DIM], t[8 * CLASSES];
            for (int step = 0; step < 5; step++) { /* the fifth step is a short one */
                const int *idx;
                int b = bcn_order_next(&order, &idx);
                bcn_dataset_batch(ds, &ds->train, idx, b, x, t);
                cr_assert_eq(bcn_net_train_step(host, x, t, b, NULL), BCN_OK, "%s: %s", what,
                             bcn_errmsg(ctx));
                cr_assert_eq(bcn_net_train_step_rows(dev, idx, b, NULL), BCN_OK, "%s: %s", what,
                             bcn_errmsg(ctx));
            }
            cr_assert_eq(order.pos, 0, "the test means to cross an epoch's short batch");
            expect_same_params(dev, host, what);
            double la = 0, lb = 0;
            long ca = 0, cb = 0, na = 0, nb = 0;
            cr_assert_eq(bcn_net_train_stats(dev, 0, &la, &ca, &na), BCN_OK);
            cr_assert_eq(bcn_net_train_stats(host, 0, &lb, &cb, &nb), BCN_OK);
            cr_expect(la == lb && ca == cb && na == nb && na == 37,
                      "%s: training statistics: loss %.17g, %ld of %ld right on the device "
                      "path; %.17g, %ld of %ld on the host path",
                      what, la, ca, na, lb, cb, nb);
            bcn_order_free(&order);
            bcn_net_destroy(dev);
            bcn_net_destroy(host);
            bcn_ctx_free(ctx);
        }
    free_dataset(ds);
}

Test(device_data, evaluate_attached_equals_host)
{
    char ids[MAX_DEVICES][32];
    size_t ndev = all_devices(ids);
    /* 2300 test examples: three chunks of bcn_net_evaluate (1000 each). */
    bcn_dataset *ds = make_dataset(30, 17, 2300, 9);
    for (size_t d = 0; d < ndev; d++) {
        bcn_ctx *ctx = open_ctx(ids[d]);
        bcn_net *net = make_net(ctx, BCN_RULE_BURSTCCN);
        cr_assert_eq(bcn_net_attach_data(net, ds, 0), BCN_OK, "%s: %s", ids[d], bcn_errmsg(ctx));
        /* a few steps first, so the outputs are not the initial ones */
        const int idx[5] = {4, 29, 0, 13, 13};
        for (int s = 0; s < 3; s++)
            cr_assert_eq(bcn_net_train_step_rows(net, idx, 5, NULL), BCN_OK, "%s",
                         bcn_errmsg(ctx));
        const bcn_split *sp[2] = {&ds->test, &ds->val};
        const bcn_split_id which[2] = {BCN_SPLIT_TEST, BCN_SPLIT_VAL};
        for (int k = 0; k < 2; k++) {
            double la = -1, lb = -2;
            long ea = -1, eb = -2;
            cr_assert_eq(bcn_net_evaluate_attached(net, which[k], &la, &ea), BCN_OK, "%s: %s",
                         ids[d], bcn_errmsg(ctx));
            cr_assert_eq(bcn_net_evaluate(net, sp[k]->x, sp[k]->y, sp[k]->n, &lb, &eb), BCN_OK);
            cr_expect(la == lb && ea == eb,
                      "%s, split %d: attached loss %.17g, %ld errors; host %.17g, %ld errors",
                      ids[d], k, la, ea, lb, eb);
            cr_expect(ea >= 0 && ea <= sp[k]->n && la > 0 && la < 1, "%s: implausible %g, %ld",
                      ids[d], la, ea);
        }
        bcn_net_destroy(net);
        bcn_ctx_free(ctx);
    }
    free_dataset(ds);
}

Test(device_data, size_check_and_refusals)
{
    bcn_dataset *ds = make_dataset(30, 0, 10, 2);
    /* 40 examples of 12 floats and a label */
    cr_assert_eq(bcn_dataset_device_bytes(ds), 40u * 13u * 4u);
    cr_assert_eq(bcn_dataset_device_bytes(NULL), 0u);
    bcn_ctx *ctx = open_ctx("ref");
    bcn_net *net = make_net(ctx, BCN_RULE_BACKPROP);
    const int idx[2] = {1, 2};
    /* nothing attached yet */
    cr_expect_eq(bcn_net_train_step_rows(net, idx, 2, NULL), BCN_ERR_STATE);
    cr_expect_eq(bcn_net_evaluate_attached(net, BCN_SPLIT_TEST, NULL, NULL), BCN_ERR_STATE);
    /* one byte short of the limit: refused, nothing attached, the caller falls back */
    cr_expect_eq(bcn_net_attach_data(net, ds, 40 * 13 * 4 - 1), BCN_ERR_NOMEM);
    cr_expect(strstr(bcn_errmsg(ctx), "does not fit"), "message: %s", bcn_errmsg(ctx));
    cr_expect(!bcn_net_has_data(net));
    cr_expect_eq(bcn_net_train_step_rows(net, idx, 2, NULL), BCN_ERR_STATE);
    /* exactly the limit: attached; the empty validation split is not */
    cr_assert_eq(bcn_net_attach_data(net, ds, 40 * 13 * 4), BCN_OK, "%s", bcn_errmsg(ctx));
    cr_expect(bcn_net_has_data(net));
    cr_expect_eq(bcn_net_evaluate_attached(net, BCN_SPLIT_VAL, NULL, NULL), BCN_ERR_STATE);
    cr_expect_eq(bcn_net_evaluate_attached(net, (bcn_split_id)7, NULL, NULL),
                 BCN_ERR_INVALID_ARG);
    /* indices outside the training split, an empty batch, NULL */
    const int bad[2] = {1, 30}, neg[1] = {-1};
    cr_expect_eq(bcn_net_train_step_rows(net, bad, 2, NULL), BCN_ERR_INVALID_ARG);
    cr_expect_eq(bcn_net_train_step_rows(net, neg, 1, NULL), BCN_ERR_INVALID_ARG);
    cr_expect_eq(bcn_net_train_step_rows(net, idx, 0, NULL), BCN_ERR_INVALID_ARG);
    cr_expect_eq(bcn_net_train_step_rows(net, NULL, 2, NULL), BCN_ERR_INVALID_ARG);
    cr_expect_eq(bcn_net_steps(net), 0, "a refused step counted");
    bcn_net_detach_data(net);
    cr_expect(!bcn_net_has_data(net));
    /* a label out of range, then shapes the network does not take */
    ds->test.y[3] = CLASSES;
    cr_expect_eq(bcn_net_attach_data(net, ds, 0), BCN_ERR_INVALID_ARG);
    cr_expect(strstr(bcn_errmsg(ctx), "label"), "message: %s", bcn_errmsg(ctx));
    ds->test.y[3] = 0;
    ds->n_classes = CLASSES + 1;
    cr_expect_eq(bcn_net_attach_data(net, ds, 0), BCN_ERR_INVALID_ARG);
    ds->n_classes = CLASSES;
    ds->dim = DIM - 1;
    cr_expect_eq(bcn_net_attach_data(net, ds, 0), BCN_ERR_INVALID_ARG);
    ds->dim = DIM;
    cr_expect(!bcn_net_has_data(net));
    cr_expect_eq(bcn_net_attach_data(NULL, ds, 0), BCN_ERR_INVALID_ARG);
    cr_expect_eq(bcn_net_attach_data(net, NULL, 0), BCN_ERR_INVALID_ARG);
    bcn_net_detach_data(NULL);
    bcn_net_destroy(net); /* frees data still attached (none here) */
    bcn_ctx_free(ctx);
    free_dataset(ds);
}

Test(device_data, reattach_and_grow)
{
    /* Attaching twice replaces the data; a batch larger than any before
     * grows the index buffer; bcn_net_destroy frees what is attached. */
    bcn_dataset *ds = make_dataset(20, 3, 5, 4);
    bcn_ctx *ctx = open_ctx("ref");
    bcn_net *net = make_net(ctx, BCN_RULE_FA);
    cr_assert_eq(bcn_net_attach_data(net, ds, 0), BCN_OK, "%s", bcn_errmsg(ctx));
    cr_assert_eq(bcn_net_attach_data(net, ds, 0), BCN_OK, "attaching again: %s",
                 bcn_errmsg(ctx));
    const int idx[20] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
    cr_assert_eq(bcn_net_train_step_rows(net, idx, 3, NULL), BCN_OK, "%s", bcn_errmsg(ctx));
    cr_assert_eq(bcn_net_train_step_rows(net, idx, 20, NULL), BCN_OK, "%s", bcn_errmsg(ctx));
    cr_expect_eq(bcn_net_steps(net), 2);
    bcn_net_destroy(net);
    bcn_ctx_free(ctx);
    free_dataset(ds);
}
