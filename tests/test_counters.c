/*
 * test_counters.c — bcn_ctx_counters: the kernel launches, CLBlast calls
 * and transfers of one training step of small dense networks, on ref and
 * every OpenCL device, against a count made by hand from the structure of
 * the step (lib/net/net_rules.c, net_update.c, layer.c):
 *
 *   upload      2 transfers (x and t), 4 B (n_0 + n_L) bytes
 *   forward     L GEMMs + L bias_sigmoid (the output layer's also writes
 *               the loss/accuracy statistics: no separate kernel)
 *   signal      backprop, FA:  1 output_delta + H (GEMM + dsigmoid_mul)
 *               BurstCCN:      1 output_burst + H (2 GEMMs + burstccn_hidden)
 *               Burstprop:     output_burst (also writing b̄_L = p_b e_L) + H
 *                              (2 GEMMs [+ sigmoid_mul + GEMM with R] +
 *                              burstprop_hidden)
 *               gradients:     L GEMMs; each dense layer's bias gradient is
 *                              written by the kernel that writes its δ
 *   update      1 optimiser kernel (every W_l and c_l in one packed
 *               buffer, lib/net/net_packed.c, whatever the optimiser),
 *               + H GEMMs for each of learnt Y, learnt Q, learnt R,
 *               + H axpby for each of tied Y, tied Q
 *
 * with L weight layers and H = L - 1 hidden layers. A GEMM with k >= 1 is
 * one CLBlast call. ref launches nothing and counts the same transfers.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "burstccn.h"

#define MAX_DEVICES 8

typedef struct expect {
    unsigned long long launches, blas, transfers, bytes;
} expect;

/* The count of one step of cfg's dense net at batch B (see the top). */
static expect hand_count(const bcn_net_config *cfg, int B)
{
    int L = cfg->n_layers, H = L - 1;
    unsigned long long gemm = 0, other = 0;
    gemm += (unsigned long long)L; /* forward products */
    other += (unsigned long long)L; /* bias_sigmoid per layer (statistics fused) */
    int rec = cfg->recurrent != 0;
    switch (cfg->rule) {
    case BCN_RULE_BACKPROP:
    case BCN_RULE_FA:
        other += 1 + (unsigned long long)H;
        gemm += (unsigned long long)H;
        break;
    case BCN_RULE_BURSTCCN:
        other += 1 + (unsigned long long)H;
        gemm += 2ULL * H;
        break;
    case BCN_RULE_BURSTPROP:
        other += 1 + (unsigned long long)H * (1 + rec);
        gemm += (unsigned long long)H * (2 + rec);
        break;
    default: cr_assert_fail("unknown rule");
    }
    gemm += (unsigned long long)L; /* weight gradients (bias gradients fused) */
    other += 1;                    /* optimiser: one launch over the packed W, c */
    if (cfg->rule == BCN_RULE_BURSTCCN) {
        gemm += (cfg->y_lr > 0 && cfg->y_mode != BCN_FB_TIED) ? (unsigned long long)H : 0;
        gemm += (cfg->q_lr > 0 && cfg->q_mode != BCN_FB_TIED) ? (unsigned long long)H : 0;
    }
    if (cfg->rule == BCN_RULE_BURSTPROP && rec && cfg->r_lr > 0)
        gemm += (unsigned long long)H;
    other += cfg->y_mode == BCN_FB_TIED ? (unsigned long long)H : 0;
    other += cfg->q_mode == BCN_FB_TIED ? (unsigned long long)H : 0;
    int n0 = cfg->input.c * cfg->input.h * cfg->input.w, nL = cfg->layers[L - 1].units;
    return (expect){gemm + other, gemm, 2, 4ULL * (unsigned long long)B * (n0 + nL)};
}

/* One step of each rule's 6-5-4-3 net (and Burstprop without R) on
 * device `id`; the counts against hand_count (launches 0 on ref). */
static void check_device(const char *id)
{
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_not_null(ctx);
    cr_assert_eq(bcn_ctx_open_device(ctx, id), BCN_OK, "%s: %s", id, bcn_errmsg(ctx));
    int is_ref = strcmp(id, "ref") == 0;
    const float x[6] = {0.1f, 0.9f, 0.4f, 0.6f, 0.2f, 0.7f}, t[3] = {0.0f, 1.0f, 0.0f};
    for (int r = 0; r <= BCN_RULE_COUNT; r++) {
        bcn_net_config cfg;
        bcn_net_config_init(&cfg, r == BCN_RULE_COUNT ? BCN_RULE_BURSTPROP : (bcn_rule)r);
        if (r == BCN_RULE_COUNT)
            cfg.recurrent = 0;
        const int hidden[2] = {5, 4};
        bcn_net_config_set_dense(&cfg, 6, 2, hidden, 3);
        bcn_net *net = NULL;
        cr_assert_eq(bcn_net_create(ctx, &cfg, &net), BCN_OK, "%s", bcn_errmsg(ctx));
        expect want = hand_count(&cfg, 1);
        for (int step = 0; step < 2; step++) {
            bcn_counters c;
            cr_assert_eq(bcn_ctx_counters(ctx, 1, NULL), BCN_OK);
            cr_assert_eq(bcn_net_train_step(net, x, t, 1, NULL), BCN_OK, "%s", bcn_errmsg(ctx));
            cr_assert_eq(bcn_ctx_counters(ctx, 0, &c), BCN_OK);
            const char *rule = bcn_rule_str(cfg.rule);
            cr_expect_eq(c.launches, is_ref ? 0 : want.launches,
                         "%s %s%s step %d: %llu launches, by hand %llu", id, rule,
                         cfg.recurrent ? "" : " (no R)", step, c.launches, want.launches);
            cr_expect_eq(c.blas_calls, is_ref ? 0 : want.blas,
                         "%s %s step %d: %llu GEMM calls, by hand %llu", id, rule, step,
                         c.blas_calls, want.blas);
            cr_expect_eq(c.transfers, want.transfers, "%s %s step %d: %llu transfers", id, rule,
                         step, c.transfers);
            cr_expect_eq(c.transfer_bytes, want.bytes, "%s %s step %d: %llu bytes, by hand %llu",
                         id, rule, step, c.transfer_bytes, want.bytes);
        }
        /* The read-back of the step's statistics: one transfer of 2 floats
         * per step taken (two steps: 16 bytes). */
        bcn_counters c;
        cr_assert_eq(bcn_ctx_counters(ctx, 1, NULL), BCN_OK);
        cr_assert_eq(bcn_net_train_stats(net, 1, NULL, NULL, NULL), BCN_OK);
        cr_assert_eq(bcn_ctx_counters(ctx, 1, &c), BCN_OK);
        cr_expect_eq(c.transfers, 1);
        cr_expect_eq(c.transfer_bytes, 2 * 2 * sizeof(float));
        cr_expect_eq(c.launches, 0);
        /* reset really zeroed them */
        cr_assert_eq(bcn_ctx_counters(ctx, 0, &c), BCN_OK);
        cr_expect(c.launches == 0 && c.blas_calls == 0 && c.transfers == 0 &&
                  c.transfer_bytes == 0);
        bcn_net_destroy(net);
    }
    bcn_ctx_free(ctx);
}

Test(counters, ref_step_transfers) { check_device("ref"); }

Test(counters, cl_step_launches_every_device)
{
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_not_null(ctx);
    bcn_device_info *list = NULL;
    size_t n = 0, ncl = 0;
    cr_assert_eq(bcn_devices_list(ctx, &list, &n), BCN_OK, "%s", bcn_errmsg(ctx));
    char ids[MAX_DEVICES][32];
    for (size_t i = 0; i < n && ncl < MAX_DEVICES; i++)
        if (strcmp(list[i].backend, "cl") == 0)
            snprintf(ids[ncl++], sizeof ids[0], "%s", list[i].id);
    bcn_devices_free(list);
    bcn_ctx_free(ctx);
    if (ncl == 0)
        cr_skip_test("no OpenCL device: launch counts not checked");
    for (size_t i = 0; i < ncl; i++)
        check_device(ids[i]);
}
