/*
 * test_null_handles.c — every public function refuses NULL handles
 * (burstccn.h, Conventions): one check per BCN_API function, each passing
 * NULL for every handle, input and output pointer in turn and asserting
 * the status (BCN_ERR_INVALID_ARG, with the message on the context when
 * there is one), the no-op, or the safe value returned. Each check runs in
 * its own process, so a crash names its function. A last test reads
 * lib/burstccn.h and fails when a BCN_API function has no check here.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "burstccn.h"

#ifndef BCN_HEADER_PATH
#error "BCN_HEADER_PATH (lib/burstccn.h in the source tree) must be defined by the build"
#endif

/* A small dense network 4-3-2 on ref, and a two-example dataset. */
static bcn_ctx *ctx;
static bcn_net *net;
static bcn_net_config cfg;
static bcn_rng rng;
static float ds_x[2 * 4] = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f};
static uint8_t ds_y[2] = {0, 1};
static bcn_dataset ds;
static float x[4] = {0.1f, 0.9f, 0.4f, 0.6f};
static float t[2] = {1.0f, 0.0f};

static void setup(void)
{
    ctx = bcn_ctx_new();
    cr_assert_not_null(ctx);
    cr_assert_eq(bcn_ctx_open_device(ctx, "ref"), BCN_OK, "%s", bcn_errmsg(ctx));
    bcn_net_config_init(&cfg, BCN_RULE_BURSTCCN);
    const int hidden[1] = {3};
    bcn_net_config_set_dense(&cfg, 4, 1, hidden, 2);
    cr_assert_eq(bcn_net_create(ctx, &cfg, &net), BCN_OK, "%s", bcn_errmsg(ctx));
    bcn_rng_seed(&rng, 7);
    memset(&ds, 0, sizeof ds);
    snprintf(ds.name, sizeof ds.name, "tiny");
    ds.dim = 4;
    ds.channels = 1;
    ds.rows = 2;
    ds.cols = 2;
    ds.n_classes = 2;
    ds.train = (bcn_split){2, ds_x, ds_y};
}

static void teardown(void)
{
    bcn_net_destroy(net);
    bcn_ctx_free(ctx);
    net = NULL;
    ctx = NULL;
}

/* `call` returns BCN_ERR_INVALID_ARG; no context to carry a message. */
#define REFUSED(call)                                                                      \
    do {                                                                                   \
        bcn_status st_ = (call);                                                           \
        cr_assert_eq(st_, BCN_ERR_INVALID_ARG, "%s gave %s", #call, bcn_status_str(st_)); \
    } while (0)

/* `call` returns BCN_ERR_INVALID_ARG and leaves the status and a message on
 * the context. */
#define REFUSED_MSG(call)                                                                  \
    do {                                                                                   \
        bcn_clear_error(ctx);                                                              \
        REFUSED(call);                                                                     \
        cr_assert_eq(bcn_errcode(ctx), BCN_ERR_INVALID_ARG, "%s: errcode %d", #call,       \
                     (int)bcn_errcode(ctx));                                               \
        cr_assert(bcn_errmsg(ctx)[0] != '\0', "%s left no message on the context", #call); \
    } while (0)

/* ------------------------------------------------------------ the checks */

static void check_bcn_status_str(void)
{
    cr_assert_str_eq(bcn_status_str((bcn_status)99), "unknown status");
}

static void check_bcn_ctx_new(void)
{
    bcn_ctx *c = bcn_ctx_new(); /* takes no pointer */
    cr_assert_not_null(c);
    bcn_ctx_free(c);
}

static void check_bcn_ctx_free(void) { bcn_ctx_free(NULL); }

static void check_bcn_ctx_open_device(void) { REFUSED(bcn_ctx_open_device(NULL, "ref")); }

static void check_bcn_errmsg(void) { cr_assert_not_null(bcn_errmsg(NULL)); }

static void check_bcn_errcode(void) { cr_assert_eq(bcn_errcode(NULL), BCN_ERR_NOMEM); }

static void check_bcn_clear_error(void) { bcn_clear_error(NULL); }

static void check_bcn_ctx_finish(void) { REFUSED(bcn_ctx_finish(NULL)); }

static void check_bcn_device_type_str(void)
{
    cr_assert_str_eq(bcn_device_type_str((bcn_device_type)99), "other");
}

static void check_bcn_devices_list(void)
{
    bcn_device_info *list = NULL;
    size_t n = 0;
    REFUSED(bcn_devices_list(NULL, &list, &n));
    REFUSED_MSG(bcn_devices_list(ctx, NULL, &n));
    REFUSED_MSG(bcn_devices_list(ctx, &list, NULL));
}

static void check_bcn_devices_free(void) { bcn_devices_free(NULL); }

static void check_bcn_device_resolve(void)
{
    bcn_device_info info;
    REFUSED(bcn_device_resolve(NULL, "ref", &info));
    REFUSED_MSG(bcn_device_resolve(ctx, "ref", NULL));
}

static void check_bcn_ctx_device(void)
{
    bcn_device_info info;
    REFUSED(bcn_ctx_device(NULL, &info));
    REFUSED_MSG(bcn_ctx_device(ctx, NULL));
}

static void check_bcn_ctx_counters(void)
{
    bcn_counters c;
    REFUSED(bcn_ctx_counters(NULL, 1, &c));
    cr_assert_eq(bcn_ctx_counters(ctx, 0, NULL), BCN_OK, "NULL output only skips the copy");
    bcn_ctx *none = bcn_ctx_new();
    cr_assert_not_null(none);
    cr_assert_eq(bcn_ctx_counters(none, 0, &c), BCN_ERR_STATE);
    cr_assert(bcn_errmsg(none)[0], "no device: a message says so");
    bcn_ctx_free(none);
}

static void check_bcn_rng_seed(void) { bcn_rng_seed(NULL, 1); }

static void check_bcn_rng_u64(void) { cr_assert_eq(bcn_rng_u64(NULL), 0); }

static void check_bcn_rng_uniform(void) { cr_assert_eq(bcn_rng_uniform(NULL), 0.0); }

static void check_bcn_rng_normal(void) { cr_assert_eq(bcn_rng_normal(NULL), 0.0); }

static void check_bcn_rng_below(void)
{
    cr_assert_eq(bcn_rng_below(NULL, 10), 0);
    cr_assert_eq(bcn_rng_below(&rng, 0), 0); /* n = 0: no division by zero */
}

static void check_bcn_rng_shuffle(void)
{
    int idx[3] = {0, 1, 2};
    bcn_rng before = rng;
    bcn_rng_shuffle(NULL, idx, 3);
    cr_assert(idx[0] == 0 && idx[1] == 1 && idx[2] == 2, "shuffled without a generator");
    bcn_rng_shuffle(&rng, NULL, 3);
    cr_assert_eq(memcmp(&before, &rng, sizeof rng), 0, "drew numbers for no array");
}

static void check_bcn_order_init(void)
{
    bcn_order o;
    REFUSED_MSG(bcn_order_init(ctx, NULL, 4, 2, 1));
    REFUSED(bcn_order_init(NULL, NULL, 4, 2, 1)); /* the context is optional */
    cr_assert_eq(bcn_order_init(NULL, &o, 4, 2, 1), BCN_OK);
    bcn_order_free(&o);
}

static void check_bcn_order_next(void)
{
    const int *idx = NULL;
    bcn_order o;
    cr_assert_eq(bcn_order_next(NULL, &idx), 0);
    cr_assert_null(idx);
    cr_assert_eq(bcn_order_init(ctx, &o, 4, 2, 1), BCN_OK);
    cr_assert_eq(bcn_order_next(&o, NULL), 0);
    cr_assert_eq(o.pos, 0, "a refused call moved the order");
    bcn_order_free(&o);
}

static void check_bcn_order_epoch_done(void) { cr_assert_eq(bcn_order_epoch_done(NULL), 1); }

static void check_bcn_order_batches_per_epoch(void)
{
    cr_assert_eq(bcn_order_batches_per_epoch(NULL), 0);
}

static void check_bcn_order_free(void) { bcn_order_free(NULL); }

static void check_bcn_rule_str(void) { cr_assert_str_eq(bcn_rule_str((bcn_rule)99), "unknown"); }

static void check_bcn_rule_parse(void)
{
    bcn_rule r;
    REFUSED(bcn_rule_parse(NULL, &r));
    REFUSED(bcn_rule_parse("fa", NULL));
}

static void check_bcn_fb_mode_str(void)
{
    cr_assert_str_eq(bcn_fb_mode_str((bcn_fb_mode)99), "unknown");
}

static void check_bcn_fb_mode_parse(void)
{
    bcn_fb_mode m;
    REFUSED(bcn_fb_mode_parse(NULL, &m));
    REFUSED(bcn_fb_mode_parse("sym", NULL));
}

static void check_bcn_optimizer_str(void)
{
    cr_assert_str_eq(bcn_optimizer_str((bcn_optimizer)99), "unknown");
}

static void check_bcn_optimizer_parse(void)
{
    bcn_optimizer o;
    REFUSED(bcn_optimizer_parse(NULL, &o));
    REFUSED(bcn_optimizer_parse("adam", NULL));
}

static void check_bcn_net_config_init(void)
{
    bcn_net_config_init(NULL, BCN_RULE_FA);
    bcn_net_config_init(NULL, BCN_RULE_BURSTPROP);
}

static void check_bcn_net_config_init_shared(void)
{
    bcn_net_config_init_shared(NULL, BCN_RULE_BURSTPROP);
}

static void check_bcn_net_config_set_lr(void) { bcn_net_config_set_lr(NULL, 0.1f); }

static void check_bcn_net_config_set_dense(void)
{
    const int hidden[1] = {5};
    bcn_net_config_set_dense(NULL, 4, 1, hidden, 2);
    bcn_net_config c = cfg;
    bcn_net_config_set_dense(&c, 4, 1, NULL, 2); /* no widths: unchanged */
    cr_assert_eq(memcmp(&c, &cfg, sizeof c), 0, "changed the config without widths");
}

static void check_bcn_net_config_set_arch(void)
{
    bcn_net_config c = cfg;
    REFUSED_MSG(bcn_net_config_set_arch(ctx, NULL, "none"));
    REFUSED_MSG(bcn_net_config_set_arch(ctx, &c, NULL));
    /* The context only carries the message: NULL is allowed. */
    cr_assert_eq(bcn_net_config_set_arch(NULL, &c, "dense:3"), BCN_OK);
    REFUSED(bcn_net_config_set_arch(NULL, &c, "pool:2"));
}

static void check_bcn_net_config_arch_str(void)
{
    char buf[64] = "x";
    cr_assert_eq(bcn_net_config_arch_str(NULL, buf, sizeof buf), -1);
    cr_assert_str_eq(buf, "");
    /* As snprintf: no buffer measures the length ("dense:3,dense:2"). */
    cr_assert_eq(bcn_net_config_arch_str(&cfg, NULL, 0), 15);
    cr_assert_eq(bcn_net_config_arch_str(&cfg, NULL, sizeof buf), 15);
}

static void check_bcn_net_config_shape(void)
{
    bcn_shape s;
    REFUSED_MSG(bcn_net_config_shape(ctx, NULL, 0, &s));
    REFUSED_MSG(bcn_net_config_shape(ctx, &cfg, 0, NULL));
    cr_assert_eq(bcn_net_config_shape(NULL, &cfg, 1, &s), BCN_OK);
    cr_assert(s.c == 3 && s.h == 1 && s.w == 1, "layer 1 is %d x %d x %d", s.c, s.h, s.w);
}

static void check_bcn_net_config_check(void)
{
    REFUSED_MSG(bcn_net_config_check(ctx, NULL));
    REFUSED(bcn_net_config_check(NULL, NULL));
    cr_assert_eq(bcn_net_config_check(NULL, &cfg), BCN_OK);
}

static void check_bcn_net_create(void)
{
    bcn_net *n = (bcn_net *)&n; /* set to NULL on failure */
    REFUSED(bcn_net_create(NULL, &cfg, &n));
    REFUSED_MSG(bcn_net_create(ctx, NULL, &n));
    cr_assert_null(n);
    REFUSED_MSG(bcn_net_create(ctx, &cfg, NULL));
}

static void check_bcn_net_destroy(void) { bcn_net_destroy(NULL); }

static void check_bcn_net_config_of(void) { cr_assert_null(bcn_net_config_of(NULL)); }

static void check_bcn_net_ctx(void) { cr_assert_null(bcn_net_ctx(NULL)); }

static void check_bcn_net_train_step(void)
{
    REFUSED(bcn_net_train_step(NULL, x, t, 1, NULL));
    REFUSED_MSG(bcn_net_train_step(net, NULL, t, 1, NULL));
    REFUSED_MSG(bcn_net_train_step(net, x, NULL, 1, NULL));
    cr_assert_eq(bcn_net_train_step(net, x, t, 1, NULL), BCN_OK); /* timing optional */
}

static void check_bcn_net_steps(void) { cr_assert_eq(bcn_net_steps(NULL), 0); }

static void check_bcn_net_first_bad_step(void)
{
    long step = 5;
    REFUSED(bcn_net_first_bad_step(NULL, &step));
    REFUSED_MSG(bcn_net_first_bad_step(net, NULL));
}

static void check_bcn_net_train_stats(void)
{
    double loss;
    long correct, seen;
    REFUSED(bcn_net_train_stats(NULL, 0, &loss, &correct, &seen));
    /* Every output is optional. */
    cr_assert_eq(bcn_net_train_stats(net, 0, NULL, &correct, &seen), BCN_OK);
    cr_assert_eq(bcn_net_train_stats(net, 0, &loss, NULL, &seen), BCN_OK);
    cr_assert_eq(bcn_net_train_stats(net, 1, &loss, &correct, NULL), BCN_OK);
}

static void check_bcn_net_compute_signals(void)
{
    REFUSED(bcn_net_compute_signals(NULL, x, t, 1, BCN_RULE_ALL));
    REFUSED_MSG(bcn_net_compute_signals(net, NULL, t, 1, BCN_RULE_ALL));
    /* t NULL means no teacher (documented). */
    cr_assert_eq(bcn_net_compute_signals(net, x, NULL, 1, BCN_RULE_BIT(BCN_RULE_BURSTCCN)),
                 BCN_OK, "%s", bcn_errmsg(ctx));
}

static void check_bcn_net_forward(void)
{
    float out[2];
    REFUSED(bcn_net_forward(NULL, x, 1, out));
    REFUSED_MSG(bcn_net_forward(net, NULL, 1, out));
    cr_assert_eq(bcn_net_forward(net, x, 1, NULL), BCN_OK); /* out optional */
}

static void check_bcn_net_evaluate(void)
{
    double loss;
    long errors;
    const uint8_t labels[1] = {1};
    REFUSED(bcn_net_evaluate(NULL, x, labels, 1, &loss, &errors));
    REFUSED_MSG(bcn_net_evaluate(net, NULL, labels, 1, &loss, &errors));
    REFUSED_MSG(bcn_net_evaluate(net, x, NULL, 1, &loss, &errors));
    /* Either output is optional (documented). */
    cr_assert_eq(bcn_net_evaluate(net, x, labels, 1, NULL, &errors), BCN_OK);
    cr_assert_eq(bcn_net_evaluate(net, x, labels, 1, &loss, NULL), BCN_OK);
}

static void check_bcn_net_step_flops(void) { cr_assert_eq(bcn_net_step_flops(NULL, 32), 0.0); }

static void check_bcn_net_layer_kind(void)
{
    cr_assert_eq(bcn_net_layer_kind(NULL, 1), BCN_LAYER_DENSE);
}

static void check_bcn_net_param_shape(void)
{
    int rows = 0, cols = 0;
    REFUSED(bcn_net_param_shape(NULL, BCN_PARAM_W, 1, &rows, &cols));
    /* rows and cols are optional. */
    cr_assert_eq(bcn_net_param_shape(net, BCN_PARAM_W, 1, NULL, &cols), BCN_OK);
    cr_assert_eq(bcn_net_param_shape(net, BCN_PARAM_W, 1, &rows, NULL), BCN_OK);
    cr_assert(rows == 3 && cols == 4, "W_1 is %d x %d", rows, cols);
}

static void check_bcn_net_get_param(void)
{
    float w[12];
    REFUSED(bcn_net_get_param(NULL, BCN_PARAM_W, 1, w));
    REFUSED_MSG(bcn_net_get_param(net, BCN_PARAM_W, 1, NULL));
}

static void check_bcn_net_set_param(void)
{
    float w[12] = {0};
    REFUSED(bcn_net_set_param(NULL, BCN_PARAM_W, 1, w));
    REFUSED_MSG(bcn_net_set_param(net, BCN_PARAM_W, 1, NULL));
}

static void check_bcn_net_get_signal(void)
{
    float gw[12], gc[3];
    REFUSED(bcn_net_get_signal(NULL, BCN_RULE_BURSTCCN, 1, gw, gc));
    cr_assert_eq(bcn_net_train_step(net, x, t, 1, NULL), BCN_OK);
    /* Either output may be NULL (documented). */
    cr_assert_eq(bcn_net_get_signal(net, BCN_RULE_BURSTCCN, 1, NULL, gc), BCN_OK);
    cr_assert_eq(bcn_net_get_signal(net, BCN_RULE_BURSTCCN, 1, gw, NULL), BCN_OK);
}

static void check_bcn_angle_from_dots(void)
{
    cr_assert_eq(bcn_angle_from_dots(0.0, 0.0, 1.0).valid, 0); /* takes no pointer */
}

static void check_bcn_vec_angle(void)
{
    const float a[2] = {1, 0};
    cr_assert_eq(bcn_vec_angle(NULL, a, 2).valid, 0);
    cr_assert_eq(bcn_vec_angle(a, NULL, 2).valid, 0);
}

static void check_bcn_net_compare(void)
{
    bcn_comparison cmp;
    REFUSED(bcn_net_compare(NULL, x, t, 1, &cmp));
    REFUSED_MSG(bcn_net_compare(net, NULL, t, 1, &cmp));
    REFUSED_MSG(bcn_net_compare(net, x, NULL, 1, &cmp));
    REFUSED_MSG(bcn_net_compare(net, x, t, 1, NULL));
}

static void check_bcn_net_save(void)
{
    REFUSED(bcn_net_save(NULL, NULL, NULL, 0, "no-such-dir-xyz/net.bcn"));
    REFUSED_MSG(bcn_net_save(net, NULL, NULL, 0, NULL));
    REFUSED_MSG(bcn_net_save(net, NULL, NULL, 3, "no-such-dir-xyz/net.bcn")); /* app NULL */
}

static void check_bcn_net_load(void)
{
    bcn_net *n = NULL;
    void *app = NULL;
    REFUSED(bcn_net_load(NULL, "x.bcn", &n, NULL, NULL, NULL));
    REFUSED_MSG(bcn_net_load(ctx, NULL, &n, NULL, NULL, NULL));
    REFUSED_MSG(bcn_net_load(ctx, "x.bcn", NULL, NULL, NULL, NULL));
    REFUSED_MSG(bcn_net_load(ctx, "x.bcn", &n, NULL, &app, NULL)); /* app without its length */
}

static void check_bcn_checkpoint_app(void)
{
    void *app = NULL;
    size_t app_len = 0;
    REFUSED_MSG(bcn_checkpoint_app(ctx, NULL, &app, &app_len));
    REFUSED_MSG(bcn_checkpoint_app(ctx, "x.bcn", NULL, &app_len));
    REFUSED_MSG(bcn_checkpoint_app(ctx, "x.bcn", &app, NULL));
    REFUSED(bcn_checkpoint_app(NULL, "x.bcn", &app, NULL)); /* the context is optional */
}

static void check_bcn_idx_read(void)
{
    bcn_idx *idx = (bcn_idx *)&idx;
    REFUSED_MSG(bcn_idx_read(ctx, NULL, &idx));
    cr_assert_null(idx);
    REFUSED_MSG(bcn_idx_read(ctx, "no-such.idx", NULL));
    /* The context only carries the message. */
    cr_assert_eq(bcn_idx_read(NULL, "no-such-file.idx", &idx), BCN_ERR_IO);
}

static void check_bcn_idx_free(void) { bcn_idx_free(NULL); }

static void check_bcn_dataset_load(void)
{
    bcn_dataset *d = (bcn_dataset *)&d;
    REFUSED_MSG(bcn_dataset_load(ctx, NULL, NULL, &d));
    cr_assert_null(d);
    REFUSED_MSG(bcn_dataset_load(ctx, "fashion-mnist", NULL, NULL));
    /* The context only carries the message; opts may be NULL. */
    cr_assert_eq(bcn_dataset_load(NULL, "no-such-folder-xyz", NULL, &d), BCN_ERR_IO);
}

static void check_bcn_dataset_free(void) { bcn_dataset_free(NULL); }

static void check_bcn_dataset_batch(void)
{
    const int idx[2] = {1, 0};
    float bx[8], bt[4];
    for (int i = 0; i < 8; i++)
        bx[i] = -1.0f;
    bcn_dataset_batch(NULL, &ds.train, idx, 2, bx, bt);
    bcn_dataset_batch(&ds, NULL, idx, 2, bx, bt);
    bcn_dataset_batch(&ds, &ds.train, NULL, 2, bx, bt);
    for (int i = 0; i < 8; i++)
        cr_assert_eq(bx[i], -1.0f, "a refused call wrote x[%d]", i);
    /* x or t may be NULL: the other is still gathered. */
    bcn_dataset_batch(&ds, &ds.train, idx, 2, NULL, bt);
    cr_assert(bt[0] == 0.0f && bt[1] == 1.0f && bt[2] == 1.0f && bt[3] == 0.0f);
    bcn_dataset_batch(&ds, &ds.train, idx, 2, bx, NULL);
    cr_assert_eq(bx[0], ds_x[4]);
}

static void check_bcn_dataset_augment(void)
{
    float bx[4] = {0};
    REFUSED_MSG(bcn_dataset_augment(ctx, NULL, &rng, bx, 1));
    REFUSED_MSG(bcn_dataset_augment(ctx, &ds, NULL, bx, 1));
    REFUSED_MSG(bcn_dataset_augment(ctx, &ds, &rng, NULL, 1));
    REFUSED(bcn_dataset_augment(NULL, &ds, &rng, NULL, 1));
}

/* A one-process reducer: the sum is the data itself; a failure is reported. */
static bcn_status reduce_alone(void *user, float *data, size_t n, int failed, char *msg,
                               size_t msglen)
{
    (void)user;
    (void)data;
    (void)n;
    if (failed)
        snprintf(msg, msglen, "failed");
    return failed ? BCN_ERR_STATE : BCN_OK;
}

static void check_bcn_net_set_reducer(void)
{
    REFUSED(bcn_net_set_reducer(NULL, reduce_alone, NULL));
}

static void check_bcn_net_train_shard(void)
{
    REFUSED(bcn_net_train_shard(NULL, x, t, 1, 1, NULL));
    cr_assert_eq(bcn_net_set_reducer(net, reduce_alone, NULL), BCN_OK);
    REFUSED_MSG(bcn_net_train_shard(net, NULL, t, 1, 1, NULL));
    REFUSED_MSG(bcn_net_train_shard(net, x, NULL, 1, 1, NULL));
    bcn_net_set_reducer(net, NULL, NULL);
}

static void check_bcn_net_set_train_stats(void)
{
    REFUSED(bcn_net_set_train_stats(NULL, 0.0, 0, 0));
    REFUSED_MSG(bcn_net_set_train_stats(net, 0.0, 2, 1)); /* more correct than samples */
}

static void check_bcn_net_shard_floats(void) { cr_assert_eq(bcn_net_shard_floats(NULL), 0); }

static void check_bcn_mpi_built(void) { cr_assert(bcn_mpi_built() == 0 || bcn_mpi_built() == 1); }

static void check_bcn_mpi_reduce(void)
{
    char msg[64];
    REFUSED(bcn_mpi_reduce(NULL, NULL, 3, 0, msg, sizeof msg));
    REFUSED(bcn_mpi_reduce(NULL, x, 1, 0, NULL, 0));
}

static void check_bcn_version(void) { cr_assert_not_null(bcn_version()); }

static void check_bcn_tune_mode_str(void)
{
    cr_assert_str_eq(bcn_tune_mode_str((bcn_tune_mode)99), "default");
}

static void check_bcn_tune_mode_parse(void)
{
    bcn_tune_mode m;
    REFUSED(bcn_tune_mode_parse(NULL, &m));
    REFUSED(bcn_tune_mode_parse("auto", NULL));
}

static void check_bcn_ctx_set_tune_mode(void) { bcn_ctx_set_tune_mode(NULL, BCN_TUNE_OFF); }

static void check_bcn_ctx_gemm_tuned(void) { cr_assert_eq(bcn_ctx_gemm_tuned(NULL), 0); }

static void check_bcn_ctx_warning(void) { cr_assert_str_eq(bcn_ctx_warning(NULL), ""); }

static void check_bcn_gemm_engine_str(void)
{
    cr_assert_str_eq(bcn_gemm_engine_str((bcn_gemm_engine)99), "default");
    cr_assert_str_eq(bcn_gemm_engine_str(BCN_GEMM_OWN), "own");
}

static void check_bcn_gemm_engine_parse(void)
{
    bcn_gemm_engine e;
    REFUSED(bcn_gemm_engine_parse(NULL, &e));
    REFUSED(bcn_gemm_engine_parse("own", NULL));
    REFUSED(bcn_gemm_engine_parse("fastest", &e));
}

static void check_bcn_ctx_set_gemm_engine(void) { bcn_ctx_set_gemm_engine(NULL, BCN_GEMM_OWN); }

static void check_bcn_ctx_gemm_name(void)
{
    cr_assert_str_eq(bcn_ctx_gemm_name(NULL), "");
    cr_assert_str_eq(bcn_ctx_gemm_name(ctx), "ref"); /* the fixture's device */
}

static void check_bcn_net_tune(void)
{
    bcn_tune_result r;
    REFUSED(bcn_net_tune(NULL, 32, 1.0, 0, NULL, NULL, &r));
    /* progress and out are optional (documented); ref has nothing to tune. */
    cr_assert_eq(bcn_net_tune(net, 2, 1.0, 0, NULL, NULL, NULL), BCN_OK, "%s", bcn_errmsg(ctx));
}

static void check_bcn_dataset_device_bytes(void)
{
    cr_assert_eq(bcn_dataset_device_bytes(NULL), 0);
}

static void check_bcn_net_attach_data(void)
{
    REFUSED(bcn_net_attach_data(NULL, &ds, 0));
    REFUSED_MSG(bcn_net_attach_data(net, NULL, 0));
}

static void check_bcn_net_detach_data(void) { bcn_net_detach_data(NULL); }

static void check_bcn_net_has_data(void) { cr_assert_eq(bcn_net_has_data(NULL), 0); }

static void check_bcn_net_train_step_rows(void)
{
    const int idx[1] = {1};
    cr_assert_eq(bcn_net_attach_data(net, &ds, 0), BCN_OK, "%s", bcn_errmsg(ctx));
    REFUSED(bcn_net_train_step_rows(NULL, idx, 1, NULL));
    REFUSED_MSG(bcn_net_train_step_rows(net, NULL, 1, NULL));
    cr_assert_eq(bcn_net_train_step_rows(net, idx, 1, NULL), BCN_OK); /* timing optional */
}

static void check_bcn_net_evaluate_attached(void)
{
    double loss;
    long errors;
    cr_assert_eq(bcn_net_attach_data(net, &ds, 0), BCN_OK, "%s", bcn_errmsg(ctx));
    REFUSED(bcn_net_evaluate_attached(NULL, BCN_SPLIT_TRAIN, &loss, &errors));
    /* either output may be NULL (documented) */
    cr_assert_eq(bcn_net_evaluate_attached(net, BCN_SPLIT_TRAIN, NULL, &errors), BCN_OK);
    cr_assert_eq(bcn_net_evaluate_attached(net, BCN_SPLIT_TRAIN, &loss, NULL), BCN_OK);
}

/* ------------------------------------------------------------ the table */

typedef struct api_case {
    const char *name;
    void (*check)(void);
    void (*fn)(void); /* the function itself: the name must be real */
} api_case;

#define CASE(f) {#f, check_##f, (void (*)(void))f}

static const api_case cases[] = {
    CASE(bcn_status_str),          CASE(bcn_ctx_new),
    CASE(bcn_ctx_free),            CASE(bcn_ctx_open_device),
    CASE(bcn_errmsg),              CASE(bcn_errcode),
    CASE(bcn_clear_error),         CASE(bcn_ctx_finish),
    CASE(bcn_device_type_str),     CASE(bcn_devices_list),
    CASE(bcn_devices_free),        CASE(bcn_device_resolve),
    CASE(bcn_ctx_device),          CASE(bcn_ctx_counters),
    CASE(bcn_rng_seed),
    CASE(bcn_rng_u64),             CASE(bcn_rng_uniform),
    CASE(bcn_rng_normal),          CASE(bcn_rng_below),
    CASE(bcn_rng_shuffle),         CASE(bcn_order_init),
    CASE(bcn_order_next),          CASE(bcn_order_epoch_done),
    CASE(bcn_order_batches_per_epoch), CASE(bcn_order_free),
    CASE(bcn_rule_str),
    CASE(bcn_rule_parse),          CASE(bcn_fb_mode_str),
    CASE(bcn_fb_mode_parse),       CASE(bcn_optimizer_str),
    CASE(bcn_optimizer_parse),     CASE(bcn_net_config_init),
    CASE(bcn_net_config_init_shared),
    CASE(bcn_net_config_set_lr),   CASE(bcn_net_config_set_dense),
    CASE(bcn_net_config_set_arch), CASE(bcn_net_config_arch_str),
    CASE(bcn_net_config_shape),    CASE(bcn_net_config_check),
    CASE(bcn_net_create),          CASE(bcn_net_destroy),
    CASE(bcn_net_config_of),       CASE(bcn_net_ctx),
    CASE(bcn_net_train_step),      CASE(bcn_net_steps),
    CASE(bcn_net_first_bad_step),  CASE(bcn_net_train_stats),
    CASE(bcn_net_compute_signals), CASE(bcn_net_forward),
    CASE(bcn_net_evaluate),        CASE(bcn_net_step_flops),
    CASE(bcn_net_layer_kind),      CASE(bcn_net_param_shape),
    CASE(bcn_net_get_param),       CASE(bcn_net_set_param),
    CASE(bcn_net_get_signal),      CASE(bcn_angle_from_dots),
    CASE(bcn_vec_angle),           CASE(bcn_net_compare),
    CASE(bcn_net_set_reducer),     CASE(bcn_net_train_shard),
    CASE(bcn_net_shard_floats),    CASE(bcn_net_set_train_stats),    CASE(bcn_mpi_built),
    CASE(bcn_mpi_reduce),
    CASE(bcn_net_save),            CASE(bcn_net_load),
    CASE(bcn_checkpoint_app),
    CASE(bcn_idx_read),            CASE(bcn_idx_free),
    CASE(bcn_dataset_load),        CASE(bcn_dataset_free),
    CASE(bcn_dataset_batch),       CASE(bcn_dataset_augment),
    CASE(bcn_dataset_device_bytes), CASE(bcn_net_attach_data),
    CASE(bcn_net_detach_data),     CASE(bcn_net_has_data),
    CASE(bcn_net_train_step_rows), CASE(bcn_net_evaluate_attached),
    CASE(bcn_version),
    CASE(bcn_tune_mode_str),       CASE(bcn_tune_mode_parse),
    CASE(bcn_ctx_set_tune_mode),   CASE(bcn_ctx_gemm_tuned),
    CASE(bcn_ctx_warning),         CASE(bcn_net_tune),
    CASE(bcn_gemm_engine_str),     CASE(bcn_gemm_engine_parse),
    CASE(bcn_ctx_set_gemm_engine), CASE(bcn_ctx_gemm_name),
};
#define N_CASES (sizeof cases / sizeof cases[0])

ParameterizedTestParameters(null_handles, refused)
{
    static size_t index[N_CASES];
    for (size_t i = 0; i < N_CASES; i++)
        index[i] = i;
    return cr_make_param_array(size_t, index, N_CASES);
}

ParameterizedTest(size_t *i, null_handles, refused, .init = setup, .fini = teardown)
{
    cr_log_info("%s", cases[*i].name);
    cr_assert_not_null(cases[*i].fn);
    cases[*i].check();
}

/* Every BCN_API function of the installed header has a check above. */
Test(null_handles, table_covers_the_header)
{
    FILE *f = fopen(BCN_HEADER_PATH, "r");
    cr_assert_not_null(f, "cannot open %s", BCN_HEADER_PATH);
    char line[512];
    int n_api = 0;
    while (fgets(line, sizeof line, f)) {
        const char *p = strstr(line, "BCN_API ");
        if (p != line)
            continue; /* the declarations start their line with BCN_API */
        const char *paren = strchr(p, '(');
        cr_assert_not_null(paren, "declaration split before its '(': %s", line);
        const char *end = paren;
        while (end > p && isspace((unsigned char)end[-1]))
            end--;
        const char *start = end;
        while (start > p && (isalnum((unsigned char)start[-1]) || start[-1] == '_'))
            start--;
        int found = 0;
        for (size_t i = 0; i < N_CASES && !found; i++)
            found = strlen(cases[i].name) == (size_t)(end - start) &&
                    strncmp(cases[i].name, start, (size_t)(end - start)) == 0;
        cr_expect(found, "%.*s has no entry in test_null_handles.c's table", (int)(end - start),
                  start);
        n_api++;
    }
    fclose(f);
    cr_assert_eq((size_t)n_api, N_CASES, "the header declares %d functions, the table has %zu",
                 n_api, N_CASES);
}
