/*
 * test_shard.c — data-parallel training in one process: two (or three)
 * threads, each with its own context and an identical network, train on
 * their shares of every global minibatch with bcn_net_train_shard and a
 * reducer that sums their packed gradients through shared memory. After
 * 5 steps every rule's weights (W, c, Y, Q, R) equal, within 1e-5
 * relative, those of one network trained on the whole minibatches with
 * bcn_net_train_step; a failing shard stops every shard with the failing
 * one named instead of leaving the others waiting.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "model_util.h"

#define GLOBAL 32
#define STEPS 5
#define MAX_SHARDS 3

/* The in-process "all-reduce": every shard adds its buffer into `sum`,
 * waits for the others, copies the sum back. */
typedef struct shared {
    pthread_barrier_t barrier;
    pthread_mutex_t lock;
    float *sum;
    size_t n;
    int failed_first; /* lowest failing shard + 1, 0 none */
} shared;

typedef struct shard {
    shared *sh;
    int index, count;
    bcn_net_config cfg;
    const float *x, *t; /* STEPS global batches */
    int n_in, n_out;
    int fail_at;        /* step at which this shard fails (-1 never) */
    bcn_net *net;
    bcn_ctx *ctx;
    bcn_status status;
} shard;

static bcn_status reduce_shared(void *user, float *data, size_t n, int failed, char *msg,
                                size_t msglen)
{
    shard *me = user;
    shared *sh = me->sh;
    pthread_mutex_lock(&sh->lock);
    if (failed && (!sh->failed_first || me->index + 1 < sh->failed_first))
        sh->failed_first = me->index + 1;
    for (size_t i = 0; i < n; i++)
        sh->sum[i] += data[i];
    pthread_mutex_unlock(&sh->lock);
    pthread_barrier_wait(&sh->barrier);
    int first = sh->failed_first;
    memcpy(data, sh->sum, n * sizeof *data);
    pthread_barrier_wait(&sh->barrier);
    if (me->index == 0) {
        memset(sh->sum, 0, n * sizeof *sh->sum);
        sh->failed_first = 0;
    }
    pthread_barrier_wait(&sh->barrier);
    if (first) {
        snprintf(msg, msglen, "shard %d failed", first - 1);
        return BCN_ERR_STATE;
    }
    return BCN_OK;
}

static void *run_shard(void *arg)
{
    shard *s = arg;
    int base = GLOBAL / s->count, extra = GLOBAL % s->count;
    int rows = base + (s->index < extra);
    int off = s->index * base + (s->index < extra ? s->index : extra);
    s->status = BCN_OK;
    for (int step = 0; step < STEPS && s->status == BCN_OK; step++) {
        const float *x = s->x + ((size_t)step * GLOBAL + off) * s->n_in;
        const float *t = s->t + ((size_t)step * GLOBAL + off) * s->n_out;
        if (step == s->fail_at)
            x = NULL; /* an invalid argument: this shard's step fails */
        s->status = bcn_net_train_shard(s->net, x, t, rows, GLOBAL, NULL);
    }
    return NULL;
}

/* Train `count` shards and one whole network; compare everything. */
static void shards_match_whole(bcn_net_config cfg, int count)
{
    int n_in = cfg.input.c * cfg.input.h * cfg.input.w;
    int n_out = cfg.layers[cfg.n_layers - 1].units;
    float *x = mu_uniform(21, (size_t)STEPS * GLOBAL * n_in, 0, 1);
    float *t = mu_onehot(22, STEPS * GLOBAL, n_out);
    bcn_ctx *ctx = mu_ctx("ref");
    bcn_net *whole = mu_net(ctx, &cfg);
    for (int s = 0; s < STEPS; s++)
        cr_assert_eq(bcn_net_train_step(whole, x + (size_t)s * GLOBAL * n_in,
                                        t + (size_t)s * GLOBAL * n_out, GLOBAL, NULL),
                     BCN_OK);

    shared sh;
    pthread_barrier_init(&sh.barrier, NULL, (unsigned)count);
    pthread_mutex_init(&sh.lock, NULL);
    shard shards[MAX_SHARDS];
    pthread_t th[MAX_SHARDS];
    for (int i = 0; i < count; i++) {
        shards[i] = (shard){&sh, i, count, cfg, x, t, n_in, n_out, -1, NULL, NULL, BCN_OK};
        shards[i].ctx = mu_ctx("ref");
        shards[i].net = mu_net(shards[i].ctx, &cfg);
        cr_assert_eq(bcn_net_set_reducer(shards[i].net, reduce_shared, &shards[i]), BCN_OK);
    }
    sh.n = bcn_net_shard_floats(shards[0].net);
    sh.sum = calloc(sh.n, sizeof *sh.sum);
    sh.failed_first = 0;
    for (int i = 0; i < count; i++)
        pthread_create(&th[i], NULL, run_shard, &shards[i]);
    for (int i = 0; i < count; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < count; i++)
        cr_assert_eq(shards[i].status, BCN_OK, "shard %d: %s", i, bcn_errmsg(shards[i].ctx));

    const char *names[] = {"W", "c", "Y", "Q", "R"};
    int compared = 0;
    for (int l = 1; l <= cfg.n_layers; l++) {
        for (int p = BCN_PARAM_W; p <= BCN_PARAM_R; p++) {
            int r = 0, c = 0;
            if (bcn_net_param_shape(whole, (bcn_param)p, l, &r, &c) != BCN_OK)
                continue;
            size_t n;
            float *want = mu_param(whole, (bcn_param)p, l, &n);
            for (int i = 0; i < count; i++) {
                float *got = mu_param(shards[i].net, (bcn_param)p, l, NULL);
                double err = mu_rel_err(got, want, n);
                cr_assert(err <= 1e-5, "%s rule %s: %s_%d of shard %d off by %.3g",
                          cfg.rule == BCN_RULE_BURSTPROP ? "burstprop" : "",
                          bcn_rule_str(cfg.rule), names[p], l, i, err);
                /* the shards agree exactly with each other */
                if (i > 0) {
                    float *first = mu_param(shards[0].net, (bcn_param)p, l, NULL);
                    cr_assert(memcmp(first, got, n * sizeof *got) == 0,
                              "%s_%d differs between shards", names[p], l);
                    free(first);
                }
                free(got);
            }
            free(want);
            compared++;
        }
    }
    cr_assert_gt(compared, 0);
    /* The statistics: the shards' losses add up to the whole's. */
    double lw, total = 0;
    long seen_w, seen = 0;
    cr_assert_eq(bcn_net_train_stats(whole, 0, &lw, NULL, &seen_w), BCN_OK);
    for (int i = 0; i < count; i++) {
        double l;
        long sn;
        cr_assert_eq(bcn_net_train_stats(shards[i].net, 0, &l, NULL, &sn), BCN_OK);
        total += l * sn;
        seen += sn;
    }
    cr_assert_eq(seen, seen_w);
    cr_assert(fabs(total / seen - lw) <= 1e-6 * lw, "loss %.9g vs %.9g", total / seen, lw);
    for (int i = 0; i < count; i++) {
        cr_assert_eq(bcn_net_steps(shards[i].net), STEPS);
        bcn_net_destroy(shards[i].net);
        bcn_ctx_free(shards[i].ctx);
    }
    free(sh.sum);
    pthread_barrier_destroy(&sh.barrier);
    pthread_mutex_destroy(&sh.lock);
    bcn_net_destroy(whole);
    bcn_ctx_free(ctx);
    free(x);
    free(t);
}

static bcn_net_config net_for(bcn_rule rule)
{
    static const int sizes[] = {20, 12, 9, 5};
    bcn_net_config cfg = mu_config(rule, 3, sizes, 9);
    return cfg;
}

Test(shard, burstccn_with_y_and_q_learning)
{
    bcn_net_config cfg = net_for(BCN_RULE_BURSTCCN);
    cfg.y_lr = 0.05f;
    cfg.q_lr = 0.05f;
    shards_match_whole(cfg, 2);
}

Test(shard, burstprop_with_learnt_recurrence_momentum)
{
    bcn_net_config cfg = net_for(BCN_RULE_BURSTPROP);
    cfg.recurrent = 1;
    cfg.r_lr = 0.01f;
    cfg.optimizer = BCN_OPT_MOMENTUM;
    cfg.momentum = 0.8f;
    shards_match_whole(cfg, 2);
}

Test(shard, fa_three_uneven_shards)
{
    shards_match_whole(net_for(BCN_RULE_FA), 3); /* 11 + 11 + 10 rows */
}

Test(shard, backprop_adam)
{
    bcn_net_config cfg = net_for(BCN_RULE_BACKPROP);
    cfg.optimizer = BCN_OPT_ADAM;
    bcn_net_config_set_lr(&cfg, 0.01f);
    shards_match_whole(cfg, 2);
}

Test(shard, conv_burstccn_with_feedback_learning)
{
    bcn_net_config cfg = net_for(BCN_RULE_BURSTCCN);
    cfg.input = (bcn_shape){2, 5, 4}; /* 40 inputs */
    cr_assert_eq(bcn_net_config_set_arch(NULL, &cfg, "conv:3:3:1:1,dense:7"), BCN_OK);
    cfg.conv_feedback_learning = 1;
    cfg.y_lr = 0.05f;
    cfg.q_lr = 0.05f;
    shards_match_whole(cfg, 2);
}

Test(shard, a_failing_shard_stops_every_shard)
{
    bcn_net_config cfg = net_for(BCN_RULE_BURSTCCN);
    int n_in = 20, n_out = 5;
    float *x = mu_uniform(21, (size_t)STEPS * GLOBAL * n_in, 0, 1);
    float *t = mu_onehot(22, STEPS * GLOBAL, n_out);
    shared sh;
    pthread_barrier_init(&sh.barrier, NULL, 2);
    pthread_mutex_init(&sh.lock, NULL);
    shard s[2];
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        s[i] = (shard){&sh, i, 2, cfg, x, t, n_in, n_out, i == 1 ? 2 : -1, NULL, NULL, BCN_OK};
        s[i].ctx = mu_ctx("ref");
        s[i].net = mu_net(s[i].ctx, &cfg);
        bcn_net_set_reducer(s[i].net, reduce_shared, &s[i]);
    }
    sh.n = bcn_net_shard_floats(s[0].net);
    sh.sum = calloc(sh.n, sizeof *sh.sum);
    sh.failed_first = 0;
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, run_shard, &s[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL); /* no hang: shard 0 learns of shard 1's failure */
    cr_assert_eq(s[1].status, BCN_ERR_INVALID_ARG, "%s", bcn_errmsg(s[1].ctx));
    cr_assert_eq(s[0].status, BCN_ERR_STATE);
    cr_assert_not_null(strstr(bcn_errmsg(s[0].ctx), "shard 1 failed"), "%s",
                       bcn_errmsg(s[0].ctx));
    cr_assert_eq(bcn_net_steps(s[0].net), 3); /* steps 0, 1 and its part of 2 */
    for (int i = 0; i < 2; i++) {
        bcn_net_destroy(s[i].net);
        bcn_ctx_free(s[i].ctx);
    }
    free(sh.sum);
    free(x);
    free(t);
}
