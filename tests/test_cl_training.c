/*
 * test_cl_training.c — whole networks on OpenCL agree with ref, through the
 * public API only: (1) five training steps of each rule and optimiser from
 * the same seed leave every parameter (W, c, Y, Q and Burstprop's R) within
 * 1e-4 relative (||cl - ref|| / ||ref||) of ref, on a dense net and on a
 * conv net (conv, conv with padding, dense on an odd, non-square input;
 * conv Y/Q learning included); (2) one epoch on a
 * Fashion-MNIST subset (784-64-10, 3,000 training and 1,000 test images,
 * batch 8, a learning rate per rule that gets past 60% in that epoch)
 * reaches the same test accuracy on cl as on ref within 0.5 points.
 * Every OpenCL device present is tested; without one the tests say so and
 * skip.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include <criterion/criterion.h>

#include "burstccn.h"

#define STEP_TOL 1e-4   /* parameters after five steps, relative */
#define ACC_TOL 0.5     /* test accuracy, percentage points */
#define MAX_DEVICES 16

/* Ids of the OpenCL devices (from the public registry); skips plainly when
 * there is none. Returns the count. */
static size_t cl_devices(char ids[][32])
{
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_not_null(ctx);
    bcn_device_info *list = NULL;
    size_t n = 0, ncl = 0;
    cr_assert_eq(bcn_devices_list(ctx, &list, &n), BCN_OK, "%s", bcn_errmsg(ctx));
    for (size_t i = 0; i < n && ncl < MAX_DEVICES; i++)
        if (strcmp(list[i].backend, "cl") == 0)
            snprintf(ids[ncl++], 32, "%s", list[i].id);
    char why[1024];
    snprintf(why, sizeof why, "%s", bcn_errmsg(ctx));
    bcn_devices_free(list);
    bcn_ctx_free(ctx);
    if (ncl == 0)
        cr_skip_test("no OpenCL device, cl training tests skipped: %s",
                     why[0] ? why : "this build has no OpenCL backend");
    return ncl;
}

static bcn_ctx *open_ctx(const char *id)
{
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_not_null(ctx);
    cr_assert_eq(bcn_ctx_open_device(ctx, id), BCN_OK, "open %s: %s", id, bcn_errmsg(ctx));
    return ctx;
}

/* Monotonic wall clock in seconds. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ||a - b|| / ||b|| in double. */
static double rel_err(const float *a, const float *b, size_t n)
{
    double d = 0, nb = 0;
    for (size_t i = 0; i < n; i++) {
        double x = (double)a[i] - (double)b[i];
        d += x * x;
        nb += (double)b[i] * b[i];
    }
    return nb > 0 ? sqrt(d / nb) : sqrt(d);
}

/* ------------------------------------------------- five steps, all params */

typedef struct variant {
    const char *name;
    bcn_rule rule;
    bcn_optimizer opt;
    float lr, momentum, weight_decay, y_lr, q_lr;
    bcn_fb_mode y_mode, q_mode;
    const char *arch; /* NULL: the dense SIZES net; else hidden layers on CONV_INPUT */
} variant;

#define CONV_ARCH "conv:4:3:2,conv:5:3:1:1,dense:12"
#define CONV_INPUT ((bcn_shape){2, 11, 9})

static const variant conv_variants[] = {
    {"conv_burstccn", BCN_RULE_BURSTCCN, BCN_OPT_SGD, 0.3f, 0, 0, 0.01f, 0.01f, BCN_FB_RANDOM,
     BCN_FB_SYM, CONV_ARCH},
    {"conv_burstccn_tied", BCN_RULE_BURSTCCN, BCN_OPT_SGD, 0.3f, 0, 0, 0, 0, BCN_FB_TIED,
     BCN_FB_TIED, CONV_ARCH},
    {"conv_burstprop", BCN_RULE_BURSTPROP, BCN_OPT_SGD, 0.3f, 0, 0, 0, 0, BCN_FB_RANDOM,
     BCN_FB_SYM, CONV_ARCH},
    {"conv_fa_momentum", BCN_RULE_FA, BCN_OPT_MOMENTUM, 0.1f, 0.9f, 1e-4f, 0, 0, BCN_FB_RANDOM,
     BCN_FB_SYM, CONV_ARCH},
    {"conv_backprop", BCN_RULE_BACKPROP, BCN_OPT_SGD, 0.3f, 0, 0, 0, 0, BCN_FB_RANDOM,
     BCN_FB_SYM, CONV_ARCH},
    {"conv_backprop_adam", BCN_RULE_BACKPROP, BCN_OPT_ADAM, 1e-3f, 0, 0, 0, 0, BCN_FB_RANDOM,
     BCN_FB_SYM, CONV_ARCH},
};

static const variant variants[] = {
    {"burstccn", BCN_RULE_BURSTCCN, BCN_OPT_SGD, 0.3f, 0, 0, 0, 7.31e-4f, BCN_FB_RANDOM, BCN_FB_SYM, NULL},
    {"burstccn_yq_learning", BCN_RULE_BURSTCCN, BCN_OPT_SGD, 0.3f, 0, 0, 0.01f, 0.01f,
     BCN_FB_RANDOM, BCN_FB_SYM, NULL},
    {"burstccn_tied", BCN_RULE_BURSTCCN, BCN_OPT_SGD, 0.3f, 0, 0, 0, 0, BCN_FB_TIED, BCN_FB_TIED, NULL},
    {"burstccn_momentum", BCN_RULE_BURSTCCN, BCN_OPT_MOMENTUM, 0.1f, 0.9f, 1e-4f, 0, 0,
     BCN_FB_RANDOM, BCN_FB_SYM, NULL},
    {"burstccn_adam", BCN_RULE_BURSTCCN, BCN_OPT_ADAM, 1e-3f, 0, 0, 0.01f, 0.01f, BCN_FB_SYM,
     BCN_FB_SYM, NULL},
    {"burstprop", BCN_RULE_BURSTPROP, BCN_OPT_SGD, 0.3f, 0, 0, 0, 0, BCN_FB_RANDOM, BCN_FB_SYM, NULL},
    {"burstprop_momentum", BCN_RULE_BURSTPROP, BCN_OPT_MOMENTUM, 0.1f, 0.8f, 1e-6f, 0, 0,
     BCN_FB_RANDOM, BCN_FB_SYM, NULL},
    {"fa", BCN_RULE_FA, BCN_OPT_SGD, 0.3f, 0, 0, 0, 0, BCN_FB_RANDOM, BCN_FB_SYM, NULL},
    {"fa_adam", BCN_RULE_FA, BCN_OPT_ADAM, 1e-3f, 0, 1e-4f, 0, 0, BCN_FB_RANDOM, BCN_FB_SYM, NULL},
    {"backprop", BCN_RULE_BACKPROP, BCN_OPT_SGD, 0.3f, 0, 0, 0, 0, BCN_FB_RANDOM, BCN_FB_SYM, NULL},
    {"backprop_momentum", BCN_RULE_BACKPROP, BCN_OPT_MOMENTUM, 0.1f, 0.9f, 0, 0, 0, BCN_FB_RANDOM,
     BCN_FB_SYM, NULL},
    {"backprop_adam", BCN_RULE_BACKPROP, BCN_OPT_ADAM, 1e-3f, 0, 1e-4f, 0, 0, BCN_FB_RANDOM,
     BCN_FB_SYM, NULL},
};

#define NL 3
static const int SIZES[NL + 1] = {64, 33, 17, 10};
#define BATCH 32
#define STEPS 5
#define SEED 4242u

static bcn_net_config variant_config(const variant *v)
{
    bcn_net_config cfg;
    bcn_net_config_init(&cfg, v->rule);
    bcn_net_config_set_dense(&cfg, SIZES[0], NL - 1, SIZES + 1, SIZES[NL]);
    if (v->arch) {
        bcn_ctx *ctx = bcn_ctx_new();
        cfg.input = CONV_INPUT;
        cr_assert_eq(bcn_net_config_set_arch(ctx, &cfg, v->arch), BCN_OK, "%s", bcn_errmsg(ctx));
        bcn_ctx_free(ctx);
        cfg.conv_feedback_learning = 1;
    }
    bcn_net_config_set_lr(&cfg, v->lr);
    cfg.optimizer = v->opt;
    cfg.momentum = v->momentum;
    cfg.weight_decay = v->weight_decay;
    cfg.y_mode = v->y_mode;
    cfg.q_mode = v->q_mode;
    cfg.y_lr = v->y_lr;
    cfg.q_lr = v->q_lr;
    cfg.seed = SEED;
    return cfg;
}

/* Flattened size of layer l's output (0: the input). */
static int width(const bcn_net_config *cfg, int l)
{
    bcn_shape sh;
    cr_assert_eq(bcn_net_config_shape(NULL, cfg, l, &sh), BCN_OK);
    return sh.c * sh.h * sh.w;
}

/* Train STEPS steps on fixed random batches; returns the network. */
static bcn_net *train_steps(bcn_ctx *ctx, const bcn_net_config *cfg, const float *x,
                            const float *t)
{
    bcn_net *net = NULL;
    cr_assert_eq(bcn_net_create(ctx, cfg, &net), BCN_OK, "%s", bcn_errmsg(ctx));
    int n0 = width(cfg, 0), nL = width(cfg, cfg->n_layers);
    for (int s = 0; s < STEPS; s++) {
        const float *xs = x + (size_t)s * BATCH * n0, *ts = t + (size_t)s * BATCH * nL;
        cr_assert_eq(bcn_net_train_step(net, xs, ts, BATCH, NULL), BCN_OK, "step %d: %s", s,
                     bcn_errmsg(ctx));
    }
    return net;
}

/* Compare one parameter of two networks; returns its error. */
static double compare_param(bcn_net *cl, bcn_net *ref, bcn_param p, int layer, const char *label,
                            const char *pname)
{
    int r = 0, c = 0;
    if (bcn_net_param_shape(ref, p, layer, &r, &c) != BCN_OK)
        return 0.0; /* the rule has no such parameter */
    size_t n = (size_t)r * c;
    float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    cr_assert(a && b);
    cr_assert_eq(bcn_net_get_param(ref, p, layer, b), BCN_OK, "%s",
                 bcn_errmsg(bcn_net_ctx(ref)));
    cr_assert_eq(bcn_net_get_param(cl, p, layer, a), BCN_OK, "%s", bcn_errmsg(bcn_net_ctx(cl)));
    size_t nan = 0;
    for (size_t i = 0; i < n; i++)
        nan += isnan(a[i]) != 0;
    cr_expect_eq(nan, 0, "%s: %s_%d has %zu NaN", label, pname, layer, nan);
    double err = rel_err(a, b, n);
    cr_expect(err < STEP_TOL, "%s: %s_%d differs from ref by %.3g (tolerance %.0e)", label, pname,
              layer, err, STEP_TOL);
    free(a);
    free(b);
    return err;
}

/* STEPS batches of uniform inputs and one-hot targets from a seed. */
static void random_batches(unsigned seed, int n0, int nL, float **x, float **t)
{
    bcn_rng rng;
    bcn_rng_seed(&rng, seed);
    size_t nx = (size_t)STEPS * BATCH * n0, nt = (size_t)STEPS * BATCH * nL;
    *x = malloc(nx * sizeof **x);
    *t = calloc(nt, sizeof **t);
    cr_assert(*x && *t);
    for (size_t i = 0; i < nx; i++)
        (*x)[i] = (float)bcn_rng_uniform(&rng);
    for (size_t r = 0; r < (size_t)STEPS * BATCH; r++)
        (*t)[r * nL + bcn_rng_below(&rng, (uint64_t)nL)] = 1.0f;
}

static void five_steps(const variant *v)
{
    char ids[MAX_DEVICES][32];
    size_t ndev = cl_devices(ids);
    /* the same STEPS batches for both backends */
    bcn_net_config cfg = variant_config(v);
    int n0 = width(&cfg, 0), nL = width(&cfg, cfg.n_layers), L = cfg.n_layers;
    float *x, *t;
    random_batches(SEED + 1, n0, nL, &x, &t);
    bcn_ctx *ctx_ref = open_ctx("ref");
    bcn_net *ref = train_steps(ctx_ref, &cfg, x, t);
    double loss_ref = 0;
    long correct_ref = 0, seen_ref = 0;
    cr_assert_eq(bcn_net_train_stats(ref, 0, &loss_ref, &correct_ref, &seen_ref), BCN_OK);
    for (size_t d = 0; d < ndev; d++) {
        bcn_ctx *ctx_cl = open_ctx(ids[d]);
        bcn_net *cl = train_steps(ctx_cl, &cfg, x, t);
        char label[96];
        snprintf(label, sizeof label, "%s on %s (seed %u)", v->name, ids[d], SEED);
        double worst = 0;
        for (int l = 1; l <= L; l++) {
            worst = fmax(worst, compare_param(cl, ref, BCN_PARAM_W, l, label, "W"));
            worst = fmax(worst, compare_param(cl, ref, BCN_PARAM_C, l, label, "c"));
            if (l < L) {
                worst = fmax(worst, compare_param(cl, ref, BCN_PARAM_Y, l, label, "Y"));
                worst = fmax(worst, compare_param(cl, ref, BCN_PARAM_Q, l, label, "Q"));
                if (v->rule == BCN_RULE_BURSTPROP && cfg.layers[l - 1].kind == BCN_LAYER_DENSE)
                    worst = fmax(worst, compare_param(cl, ref, BCN_PARAM_R, l, label, "R"));
            }
        }
        double loss = 0;
        long correct = 0, seen = 0;
        cr_assert_eq(bcn_net_train_stats(cl, 0, &loss, &correct, &seen), BCN_OK, "%s",
                     bcn_errmsg(ctx_cl));
        cr_expect_eq(seen, seen_ref);
        cr_expect(fabs(loss - loss_ref) <= STEP_TOL * loss_ref,
                  "%s: mean training loss %.9g, ref %.9g", label, loss, loss_ref);
        fprintf(stderr, "  %-22s %s: worst parameter error %.2e, loss %.6f (ref %.6f), "
                        "correct %ld (ref %ld)\n",
                v->name, ids[d], worst, loss, loss_ref, correct, correct_ref);
        bcn_net_destroy(cl);
        bcn_ctx_free(ctx_cl);
    }
    bcn_net_destroy(ref);
    bcn_ctx_free(ctx_ref);
    free(x);
    free(t);
}

/* Steps [from, to) of the fixed batches on an existing network. */
static void continue_steps(bcn_net *net, const bcn_net_config *cfg, const float *x,
                           const float *t, int from, int to)
{
    int n0 = width(cfg, 0), nL = width(cfg, cfg->n_layers);
    for (int s = from; s < to; s++)
        cr_assert_eq(bcn_net_train_step(net, x + (size_t)s * BATCH * n0,
                                        t + (size_t)s * BATCH * nL, BATCH, NULL),
                     BCN_OK, "step %d: %s", s, bcn_errmsg(bcn_net_ctx(net)));
}

/* A run checkpointed after 2 steps on cl and resumed (on cl) for 3 more
 * matches ref's 5 uninterrupted steps like an uninterrupted cl run does;
 * the checkpoint loads on ref with exactly the weights cl saved. */
static void resume_on_cl(const variant *v)
{
    char ids[MAX_DEVICES][32];
    size_t ndev = cl_devices(ids);
    bcn_net_config cfg = variant_config(v);
    int n0 = width(&cfg, 0), nL = width(&cfg, cfg.n_layers), L = cfg.n_layers;
    float *x, *t;
    random_batches(SEED + 2, n0, nL, &x, &t);
    bcn_ctx *ctx_ref = open_ctx("ref");
    bcn_net *ref = train_steps(ctx_ref, &cfg, x, t);
    char path[] = "/tmp/bcn-cl-ckpt-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    for (size_t d = 0; d < ndev; d++) {
        bcn_ctx *ctx = open_ctx(ids[d]);
        bcn_net *first = NULL;
        cr_assert_eq(bcn_net_create(ctx, &cfg, &first), BCN_OK, "%s", bcn_errmsg(ctx));
        continue_steps(first, &cfg, x, t, 0, 2);
        cr_assert_eq(bcn_net_save(first, NULL, NULL, 0, path), BCN_OK, "%s", bcn_errmsg(ctx));
        /* On ref, the saved weights exactly. */
        bcn_net *on_ref = NULL;
        cr_assert_eq(bcn_net_load(ctx_ref, path, &on_ref, NULL, NULL, NULL), BCN_OK, "%s",
                     bcn_errmsg(ctx_ref));
        for (int l = 1; l <= L; l++) {
            int r = 0, c = 0;
            cr_assert_eq(bcn_net_param_shape(first, BCN_PARAM_W, l, &r, &c), BCN_OK);
            float *a = malloc((size_t)r * c * sizeof *a), *b = malloc((size_t)r * c * sizeof *b);
            cr_assert_eq(bcn_net_get_param(first, BCN_PARAM_W, l, a), BCN_OK);
            cr_assert_eq(bcn_net_get_param(on_ref, BCN_PARAM_W, l, b), BCN_OK);
            cr_assert(memcmp(a, b, (size_t)r * c * sizeof *a) == 0, "W_%d changed in transit", l);
            free(a);
            free(b);
        }
        bcn_net_destroy(on_ref);
        bcn_net_destroy(first);
        bcn_net *resumed = NULL;
        cr_assert_eq(bcn_net_load(ctx, path, &resumed, NULL, NULL, NULL), BCN_OK, "%s",
                     bcn_errmsg(ctx));
        continue_steps(resumed, &cfg, x, t, 2, STEPS);
        char label[96];
        snprintf(label, sizeof label, "%s resumed on %s", v->name, ids[d]);
        for (int l = 1; l <= L; l++) {
            compare_param(resumed, ref, BCN_PARAM_W, l, label, "W");
            compare_param(resumed, ref, BCN_PARAM_C, l, label, "c");
            if (l < L) {
                compare_param(resumed, ref, BCN_PARAM_Y, l, label, "Y");
                compare_param(resumed, ref, BCN_PARAM_Q, l, label, "Q");
            }
        }
        double loss = 0, loss_ref = 0;
        cr_assert_eq(bcn_net_train_stats(resumed, 0, &loss, NULL, NULL), BCN_OK);
        cr_assert_eq(bcn_net_train_stats(ref, 0, &loss_ref, NULL, NULL), BCN_OK);
        cr_expect(fabs(loss - loss_ref) <= STEP_TOL * loss_ref, "%s: loss %.9g, ref %.9g",
                  label, loss, loss_ref);
        bcn_net_destroy(resumed);
        bcn_ctx_free(ctx);
    }
    unlink(path);
    bcn_net_destroy(ref);
    bcn_ctx_free(ctx_ref);
    free(x);
    free(t);
}

Test(cl_training, checkpoint_resumes_on_cl_and_moves_to_ref, .timeout = 300)
{
    resume_on_cl(&variants[4]);  /* burstccn_adam: Y/Q learning, Adam moments */
    resume_on_cl(&variants[6]);  /* burstprop_momentum: R, velocities */
    resume_on_cl(&conv_variants[3]); /* conv_fa_momentum */
}

Test(cl_training, five_steps_every_rule_and_optimiser, .timeout = 300)
{
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
        five_steps(&variants[i]);
}

Test(cl_training, five_steps_conv_net_every_rule, .timeout = 300)
{
    for (size_t i = 0; i < sizeof conv_variants / sizeof conv_variants[0]; i++)
        five_steps(&conv_variants[i]);
}

/* ------------------------------------------- Fashion-MNIST, one epoch */

#define FM_TRAIN 3000
#define FM_TEST 1000
#define FM_HIDDEN 64
#define FM_SEED 11u

/* Train one epoch (batch 8, shuffled from FM_SEED) and return the test
 * accuracy in percent. */
static double fashion_accuracy(const char *device, const bcn_dataset *ds, bcn_rule rule,
                               float lr)
{
    bcn_ctx *ctx = open_ctx(device);
    bcn_net_config cfg;
    /* One setting for every rule (BurstCCN's: SGD, p_b 0.5, Y std 0.5), at
     * which the rates below were found; the comparison of devices needs
     * learning, not each rule's authors' settings. */
    bcn_net_config_init_shared(&cfg, rule);
    const int hidden[1] = {FM_HIDDEN};
    bcn_net_config_set_dense(&cfg, ds->dim, 1, hidden, ds->n_classes);
    cfg.seed = FM_SEED;
    bcn_net_config_set_lr(&cfg, lr);
    bcn_net *net = NULL;
    cr_assert_eq(bcn_net_create(ctx, &cfg, &net), BCN_OK, "%s", bcn_errmsg(ctx));
    const int batch = 8, n = ds->train.n;
    int *idx = malloc((size_t)n * sizeof *idx);
    float *x = malloc((size_t)batch * ds->dim * sizeof *x);
    float *t = malloc((size_t)batch * ds->n_classes * sizeof *t);
    cr_assert(idx && x && t);
    for (int i = 0; i < n; i++)
        idx[i] = i;
    bcn_rng rng;
    bcn_rng_seed(&rng, FM_SEED);
    bcn_rng_shuffle(&rng, idx, n);
    double t0 = now_s();
    for (int start = 0; start + batch <= n; start += batch) {
        bcn_dataset_batch(ds, &ds->train, idx + start, batch, x, t);
        cr_assert_eq(bcn_net_train_step(net, x, t, batch, NULL), BCN_OK, "%s", bcn_errmsg(ctx));
    }
    double loss = 0;
    long errors = 0;
    cr_assert_eq(bcn_net_evaluate(net, ds->test.x, ds->test.y, ds->test.n, &loss, &errors),
                 BCN_OK, "%s", bcn_errmsg(ctx));
    double secs = now_s() - t0;
    double acc = 100.0 * (double)(ds->test.n - errors) / ds->test.n;
    fprintf(stderr, "  fashion-mnist %-9s on %-7s: test accuracy %.1f%% (loss %.5f), %.2f s\n",
            bcn_rule_str(rule), device, acc, loss, secs);
    free(idx);
    free(x);
    free(t);
    bcn_net_destroy(net);
    bcn_ctx_free(ctx);
    return acc;
}

static void fashion(bcn_rule rule, float lr)
{
    char ids[MAX_DEVICES][32];
    size_t ndev = cl_devices(ids);
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_not_null(ctx);
    bcn_data_options opts = {.train_limit = FM_TRAIN, .test_limit = FM_TEST, .validation = 0};
    bcn_dataset *ds = NULL;
    if (bcn_dataset_load(ctx, "fashion-mnist", &opts, &ds) != BCN_OK) {
        char why[1024];
        snprintf(why, sizeof why, "%s", bcn_errmsg(ctx));
        bcn_ctx_free(ctx);
        cr_skip_test("Fashion-MNIST not available (%s): apt-get install dataset-fashion-mnist",
                     why);
    }
    double acc_ref = fashion_accuracy("ref", ds, rule, lr);
    cr_expect(acc_ref > 50.0, "ref reached only %.1f%%: too little learning for the comparison "
              "to mean anything", acc_ref);
    for (size_t d = 0; d < ndev; d++) {
        double acc = fashion_accuracy(ids[d], ds, rule, lr);
        cr_expect(fabs(acc - acc_ref) <= ACC_TOL,
                  "%s on %s: test accuracy %.1f%%, ref %.1f%% (more than %.1f points apart)",
                  bcn_rule_str(rule), ids[d], acc, acc_ref, ACC_TOL);
    }
    bcn_dataset_free(ds);
    bcn_ctx_free(ctx);
}

/* Learning rates found on ref (1 epoch, seed 11): burstccn 69%, burstprop
 * 64%, fa 69%, backprop 70%. */
Test(cl_training, fashion_mnist_burstccn, .timeout = 300) { fashion(BCN_RULE_BURSTCCN, 2.0f); }
Test(cl_training, fashion_mnist_burstprop, .timeout = 300) { fashion(BCN_RULE_BURSTPROP, 3.0f); }
Test(cl_training, fashion_mnist_fa, .timeout = 300) { fashion(BCN_RULE_FA, 1.0f); }
Test(cl_training, fashion_mnist_backprop, .timeout = 300) { fashion(BCN_RULE_BACKPROP, 1.0f); }

#include "cl_test_main.h"
