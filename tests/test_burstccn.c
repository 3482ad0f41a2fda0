/*
 * test_burstccn.c — BurstCCN against the limits of SPEC §5:
 *  - Y tied, Q tied, p_b = 0.5 and a small output error: every layer's
 *    update is 0.5 x backprop's (angle < 0.01°, norm ratio within 1e-3);
 *  - no teacher and Q = p_b Y: the update is exactly zero; with a teacher
 *    it is not. (This needs p_b = 0.5, the default: with u = 0 the hidden
 *    burst probability is σ(0) = 0.5, so δ_l = −(0.5 − p_b) e_l.)
 */
#include "model_util.h"

static void check_limit(int L, const int *sizes, int B, uint64_t seed)
{
    bcn_ctx *ctx = mu_ctx("ref");
    bcn_net_config cfg = mu_config(BCN_RULE_BURSTCCN, L, sizes, seed);
    cfg.y_mode = BCN_FB_TIED;
    cfg.y_scale = 1.0f;
    cfg.q_mode = BCN_FB_TIED;
    cfg.p_baseline = 0.5f;
    bcn_net *net = mu_net(ctx, &cfg);
    float *x = mu_uniform(seed + 1, (size_t)B * sizes[0], 0.0, 1.0);
    float *t = mu_near_targets(net, x, B, 1e-3, seed + 2);
    unsigned mask = BCN_RULE_BIT(BCN_RULE_BURSTCCN) | BCN_RULE_BIT(BCN_RULE_BACKPROP);
    cr_assert_eq(bcn_net_compute_signals(net, x, t, B, mask), BCN_OK, "%s", bcn_errmsg(ctx));
    for (int l = 1; l <= L; l++) {
        size_t n = (size_t)sizes[l] * sizes[l - 1];
        float *g = mu_signal(net, BCN_RULE_BURSTCCN, l, NULL);
        float *bp = mu_signal(net, BCN_RULE_BACKPROP, l, NULL);
        bcn_angle a = bcn_vec_angle(g, bp, n);
        cr_assert(a.valid, "layer %d: zero update", l);
        double ratio = a.norm_a / a.norm_b;
        cr_expect(a.degrees < 0.01, "layer %d: angle to backprop %g deg", l, a.degrees);
        cr_expect(fabs(ratio - 0.5) < 1e-3, "layer %d: norm ratio %.6f, expected 0.5", l, ratio);
        free(g);
        free(bp);
    }
    free(x);
    free(t);
    bcn_net_destroy(net);
    bcn_ctx_free(ctx);
}

Test(burstccn_limit, two_hidden) { check_limit(3, (const int[]){20, 16, 12, 10}, 8, 21); }
Test(burstccn_limit, three_hidden) { check_limit(4, (const int[]){30, 25, 25, 25, 10}, 16, 22); }
Test(burstccn_limit, one_hidden_batch1) { check_limit(2, (const int[]){7, 9, 4}, 1, 23); }

/* Largest |v| over all layers' BurstCCN ∇W and ∇c. */
static double max_abs_update(bcn_net *net, int L, const int *sizes)
{
    double m = 0;
    for (int l = 1; l <= L; l++) {
        float *gc = NULL;
        float *g = mu_signal(net, BCN_RULE_BURSTCCN, l, &gc);
        for (size_t i = 0; i < (size_t)sizes[l] * sizes[l - 1]; i++)
            m = fmax(m, fabs(g[i]));
        for (int i = 0; i < sizes[l]; i++)
            m = fmax(m, fabs(gc[i]));
        free(g);
        free(gc);
    }
    return m;
}

static void check_no_teacher(float p_b, bcn_fb_mode q_mode, bcn_fb_mode y_mode)
{
    const int sizes[] = {12, 10, 8, 6};
    const int L = 3, B = 5;
    bcn_ctx *ctx = mu_ctx("ref");
    bcn_net_config cfg = mu_config(BCN_RULE_BURSTCCN, L, sizes, 31);
    cfg.p_baseline = p_b;
    cfg.q_mode = q_mode;
    cfg.y_mode = y_mode;
    bcn_net *net = mu_net(ctx, &cfg);
    float *x = mu_uniform(32, (size_t)B * sizes[0], 0.0, 1.0);
    float *t = mu_onehot(33, B, sizes[L]);
    unsigned mask = BCN_RULE_BIT(BCN_RULE_BURSTCCN);
    cr_assert_eq(bcn_net_compute_signals(net, x, NULL, B, mask), BCN_OK, "%s", bcn_errmsg(ctx));
    double none = max_abs_update(net, L, sizes);
    cr_expect_eq(none, 0.0, "no teacher, Q = p_b Y: update %g, expected exactly 0", none);
    cr_assert_eq(bcn_net_compute_signals(net, x, t, B, mask), BCN_OK, "%s", bcn_errmsg(ctx));
    double with = max_abs_update(net, L, sizes);
    cr_expect(with > 1e-4, "with a teacher the update must not vanish (max %g)", with);
    free(x);
    free(t);
    bcn_net_destroy(net);
    bcn_ctx_free(ctx);
}

Test(burstccn_teacher, no_teacher_q_sym_exact) { check_no_teacher(0.5f, BCN_FB_SYM, BCN_FB_RANDOM); }
Test(burstccn_teacher, no_teacher_q_tied_exact) { check_no_teacher(0.5f, BCN_FB_TIED, BCN_FB_SYM); }
Test(burstccn_teacher, no_teacher_q_sym_y_sym_exact) { check_no_teacher(0.5f, BCN_FB_SYM, BCN_FB_SYM); }

/* Q not p_b Y (random): without a teacher the update is not zero. */
Test(burstccn_teacher, no_teacher_random_q_learns)
{
    const int sizes[] = {12, 10, 6};
    bcn_ctx *ctx = mu_ctx("ref");
    bcn_net_config cfg = mu_config(BCN_RULE_BURSTCCN, 2, sizes, 41);
    cfg.q_mode = BCN_FB_RANDOM;
    bcn_net *net = mu_net(ctx, &cfg);
    float *x = mu_uniform(42, 4 * 12, 0.0, 1.0);
    cr_assert_eq(bcn_net_compute_signals(net, x, NULL, 4, BCN_RULE_BIT(BCN_RULE_BURSTCCN)), BCN_OK);
    cr_expect(max_abs_update(net, 2, sizes) > 1e-4);
    free(x);
    bcn_net_destroy(net);
    bcn_ctx_free(ctx);
}
