/*
 * test_context.c — a context's device and the networks made on it: while
 * a network lives, bcn_ctx_open_device refuses (BCN_ERR_STATE, saying why)
 * instead of freeing the backend the network still uses; the network keeps
 * working, and once it is destroyed the device can be replaced. Under
 * ASan this is the use-after-free check.
 */
#include "model_util.h"

Test(context, reopening_the_device_waits_for_the_networks)
{
    bcn_ctx *ctx = mu_ctx("ref");
    bcn_net_config cfg = mu_config(BCN_RULE_BURSTCCN, 2, (const int[]){6, 5, 3}, 1);
    bcn_net *a = mu_net(ctx, &cfg), *b = mu_net(ctx, &cfg);
    cr_assert_eq(bcn_ctx_open_device(ctx, "ref"), BCN_ERR_STATE);
    cr_assert(strstr(bcn_errmsg(ctx), "2 networks still live"), "%s", bcn_errmsg(ctx));
    bcn_net_destroy(a);
    cr_assert_eq(bcn_ctx_open_device(ctx, "ref"), BCN_ERR_STATE);
    cr_assert(strstr(bcn_errmsg(ctx), "1 network still lives"), "%s", bcn_errmsg(ctx));
    /* The surviving network still trains on the device it was made on. */
    float *x = mu_uniform(2, 4 * 6, 0.0, 1.0), *t = mu_onehot(3, 4, 3);
    cr_assert_eq(bcn_net_train_step(b, x, t, 4, NULL), BCN_OK, "%s", bcn_errmsg(ctx));
    bcn_net_destroy(b);
    cr_assert_eq(bcn_ctx_open_device(ctx, "ref"), BCN_OK, "%s", bcn_errmsg(ctx));
    bcn_net *c = mu_net(ctx, &cfg);
    cr_assert_eq(bcn_net_train_step(c, x, t, 4, NULL), BCN_OK, "%s", bcn_errmsg(ctx));
    bcn_net_destroy(c);
    free(x);
    free(t);
    bcn_ctx_free(ctx);
}

/* A network that fails to be created does not count as live. */
Test(context, failed_creation_leaves_no_live_network)
{
    bcn_ctx *ctx = mu_ctx("ref");
    bcn_net_config cfg = mu_config(BCN_RULE_BURSTCCN, 2, (const int[]){6, 5, 3}, 1);
    cfg.p_baseline = 2.0f; /* invalid */
    bcn_net *net = NULL;
    cr_assert_eq(bcn_net_create(ctx, &cfg, &net), BCN_ERR_INVALID_ARG);
    cr_assert_null(net);
    cr_assert_eq(bcn_ctx_open_device(ctx, "ref"), BCN_OK, "%s", bcn_errmsg(ctx));
    bcn_ctx_free(ctx);
}
