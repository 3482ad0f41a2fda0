/*
 * test_burstprop.c — fidelity to the authors' Burstprop (SPEC §6): its
 * defaults (Payeur et al.'s settings), R initialised normal with std
 * r_scale, ∇R summed over the batch (not averaged), the bias exempt from
 * weight decay, and the momentum update equal to Payeur's
 * Δ ← −lr g + 0.8 Δ, W ← W + Δ − wd W. Expected values are computed here
 * in double precision from the parameters read back, independently of the
 * library's update code.
 */
#include "model_util.h"

/* The authors' defaults of every rule (SPEC §6, §10). */
Test(burstprop, defaults_are_the_authors)
{
    bcn_net_config c;
    bcn_net_config_init(&c, BCN_RULE_BURSTPROP);
    cr_expect_eq(c.rule, BCN_RULE_BURSTPROP);
    cr_expect_eq(c.n_layers, 4);
    cr_expect_float_eq(c.p_baseline, 0.2f, 0.0f);
    for (int l = 0; l < 3; l++)
        cr_expect_float_eq(c.lr[l], 3.2f, 0.0f, "hidden lr[%d] = %g", l, (double)c.lr[l]);
    cr_expect_float_eq(c.lr[3], 0.32f, 0.0f, "output lr = %g", (double)c.lr[3]);
    cr_expect_eq(c.optimizer, BCN_OPT_MOMENTUM);
    cr_expect_float_eq(c.momentum, 0.8f, 0.0f);
    cr_expect_float_eq(c.weight_decay, 1e-6f, 0.0f);
    cr_expect_eq(c.y_mode, BCN_FB_RANDOM);
    cr_expect_float_eq(c.y_scale, 1.0f, 0.0f);
    cr_expect(c.recurrent);
    cr_expect_float_eq(c.r_scale, 0.01f, 0.0f);
    cr_expect_float_eq(c.r_lr, 1e-4f, 0.0f);
    cr_expect_float_eq(c.y_lr, 0.0f, 0.0f);

    for (int r = 0; r < BCN_RULE_COUNT; r++) {
        if (r == BCN_RULE_BURSTPROP)
            continue;
        bcn_net_config_init(&c, (bcn_rule)r);
        for (int l = 0; l < 4; l++)
            cr_expect_float_eq(c.lr[l], 0.3f, 0.0f, "%s lr[%d]", bcn_rule_str((bcn_rule)r), l);
        cr_expect_float_eq(c.p_baseline, 0.5f, 0.0f);
        cr_expect_float_eq(c.y_scale, 0.5f, 0.0f);
        cr_expect_eq(c.optimizer, BCN_OPT_SGD);
        cr_expect_float_eq(c.weight_decay, 0.0f, 0.0f);
        cr_expect(!c.recurrent);
        cr_expect_float_eq(c.q_lr, r == BCN_RULE_BURSTCCN ? 7.31e-4f : 0.0f, 0.0f);
    }
}

/* The rates follow the layers' roles when the layer count changes. */
Test(burstprop, lr_roles_survive_a_change_of_layers)
{
    bcn_net_config c;
    bcn_net_config_init(&c, BCN_RULE_BURSTPROP);
    bcn_net_config_set_dense(&c, 20, 1, (const int[]){7}, 3);
    cr_expect_eq(c.n_layers, 2);
    cr_expect_float_eq(c.lr[0], 3.2f, 0.0f);
    cr_expect_float_eq(c.lr[1], 0.32f, 0.0f);
    bcn_net_config_set_dense(&c, 20, 0, NULL, 3); /* output layer only */
    cr_expect_float_eq(c.lr[0], 0.32f, 0.0f);
    c.input = (bcn_shape){1, 8, 8};
    cr_assert_eq(bcn_net_config_set_arch(NULL, &c, "conv:2:3:1,dense:5,dense:4"), BCN_OK);
    cr_expect_eq(c.n_layers, 4);
    for (int l = 0; l < 3; l++)
        cr_expect_float_eq(c.lr[l], 3.2f, 0.0f, "hidden lr[%d] = %g", l, (double)c.lr[l]);
    cr_expect_float_eq(c.lr[3], 0.32f, 0.0f);
    /* Uniform rates stay uniform. */
    bcn_net_config_init(&c, BCN_RULE_BURSTCCN);
    bcn_net_config_set_dense(&c, 20, 6, (const int[]){5, 5, 5, 5, 5, 5}, 3);
    for (int l = 0; l < 7; l++)
        cr_expect_float_eq(c.lr[l], 0.3f, 0.0f);
}

/* --same-settings: Burstprop with BurstCCN's settings; only the rule's own
 * parts (R, Q learning) differ. */
Test(burstprop, shared_settings_are_burstccns)
{
    bcn_net_config ccn, bp;
    bcn_net_config_init(&ccn, BCN_RULE_BURSTCCN);
    bcn_net_config_init_shared(&bp, BCN_RULE_BURSTPROP);
    cr_expect_eq(bp.rule, BCN_RULE_BURSTPROP);
    cr_expect(bp.recurrent);
    cr_expect_float_eq(bp.r_lr, 1e-4f, 0.0f);
    cr_expect_float_eq(bp.q_lr, 0.0f, 0.0f);
    bp.rule = ccn.rule;
    bp.recurrent = ccn.recurrent;
    bp.r_lr = ccn.r_lr;
    bp.q_lr = ccn.q_lr;
    cr_expect(memcmp(&bp, &ccn, sizeof bp) == 0, "shared Burstprop config differs from BurstCCN's");
    bcn_net_config a, b;
    bcn_net_config_init(&a, BCN_RULE_FA);
    bcn_net_config_init_shared(&b, BCN_RULE_FA);
    cr_expect(memcmp(&a, &b, sizeof a) == 0, "FA: the shared settings are its own");
}

/* R_l ~ normal(0, r_scale): on 10^6 draws the sample mean, std and fourth
 * standardised moment (kurtosis) lie within 5 standard errors of a
 * normal's 0, r_scale and 3. Standard errors for n draws: mean σ/√n, std
 * σ/√(2n) (7.1e-4 σ), kurtosis √(24/n) (4.9e-3). A uniform law of the same
 * std has kurtosis 1.8, so the test tells the two apart. */
Test(burstprop, r_init_is_normal_with_std_r_scale)
{
    bcn_ctx *ctx = mu_ctx("ref");
    const float r_scale = 0.05f;
    bcn_net_config cfg = mu_config(BCN_RULE_BURSTPROP, 2, (const int[]){2, 1000, 2}, 31);
    cfg.r_scale = r_scale;
    bcn_net *net = mu_net(ctx, &cfg);
    size_t n = 0;
    float *r = mu_param(net, BCN_PARAM_R, 1, &n);
    cr_assert_eq(n, (size_t)1000 * 1000);
    double s1 = 0, s2 = 0, s4 = 0;
    for (size_t i = 0; i < n; i++)
        s1 += r[i];
    double mean = s1 / (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = r[i] - mean;
        s2 += d * d;
        s4 += d * d * d * d;
    }
    double var = s2 / (double)(n - 1), sd = sqrt(var), kurt = (s4 / (double)n) / (var * var);
    double se_mean = r_scale / sqrt((double)n), se_sd = r_scale / sqrt(2.0 * (double)n);
    cr_expect(fabs(mean) <= 5 * se_mean, "mean of R = %g (5 s.e. = %g)", mean, 5 * se_mean);
    cr_expect(fabs(sd - r_scale) <= 5 * se_sd, "std of R = %.6g, expected %g +- %g", sd,
              (double)r_scale, 5 * se_sd);
    cr_expect(fabs(kurt - 3.0) <= 5 * sqrt(24.0 / (double)n), "kurtosis of R = %g, normal: 3",
              kurt);
    free(r);
    bcn_net_destroy(net);
    bcn_ctx_free(ctx);
}

/* A 4-6-3 Burstprop net (one dense hidden layer, R on) on ref, W and c
 * fixed (lr 0, SGD, no decay), R learnt at r_lr. */
static bcn_net *r_net(bcn_ctx *ctx, float r_lr)
{
    bcn_net_config cfg = mu_config(BCN_RULE_BURSTPROP, 2, (const int[]){4, 6, 3}, 41);
    bcn_net_config_set_lr(&cfg, 0.0f);
    cfg.optimizer = BCN_OPT_SGD;
    cfg.weight_decay = 0.0f;
    cfg.r_scale = 0.3f; /* a visible r_l */
    cfg.r_lr = r_lr;
    return mu_net(ctx, &cfg);
}

/* R after one step on x (batch B), minus R before: ΔR. */
static float *r_change(bcn_net *net, const float *x, const float *t, int B)
{
    size_t n = 0;
    float *r0 = mu_param(net, BCN_PARAM_R, 1, &n);
    cr_assert_eq(bcn_net_train_step(net, x, t, B, NULL), BCN_OK, "%s",
                 bcn_errmsg(bcn_net_ctx(net)));
    float *r1 = mu_param(net, BCN_PARAM_R, 1, NULL);
    for (size_t i = 0; i < n; i++)
        r1[i] -= r0[i];
    free(r0);
    return r1;
}

/* ∇R is a sum over the batch: the same example twice moves R twice as far
 * as once. (A mean would move it the same distance.) */
Test(burstprop, r_gradient_is_summed_over_the_batch)
{
    bcn_ctx *ctx = mu_ctx("ref");
    float *x1 = mu_uniform(5, 4, 0.0, 1.0), *t1 = mu_onehot(6, 1, 3);
    float x2[8], t2[6];
    memcpy(x2, x1, 4 * sizeof *x1);
    memcpy(x2 + 4, x1, 4 * sizeof *x1);
    memcpy(t2, t1, 3 * sizeof *t1);
    memcpy(t2 + 3, t1, 3 * sizeof *t1);
    bcn_net *a = r_net(ctx, 0.01f), *b = r_net(ctx, 0.01f);
    float *d1 = r_change(a, x1, t1, 1), *d2 = r_change(b, x2, t2, 2);
    double scale = 0;
    for (int i = 0; i < 36; i++)
        scale = fmax(scale, fabs(d1[i]));
    cr_assert(scale > 1e-6, "R did not move (max |ΔR| = %g)", scale);
    /* ΔR entries are differences of R ~ 0.3 that moved by ~1e-4: float
     * rounding of R (1.8e-8) is 2e-4 of the change. */
    for (int i = 0; i < 36; i++)
        cr_expect(fabs(d2[i] - 2.0 * d1[i]) <= 1e-3 * scale,
                  "ΔR[%d]: batch of 2 identical examples %.9g, expected 2 x %.9g", i,
                  (double)d2[i], (double)d1[i]);
    free(d1);
    free(d2);
    free(x1);
    free(t1);
    bcn_net_destroy(a);
    bcn_net_destroy(b);
    bcn_ctx_free(ctx);
}

static double sig(double z) { return 1.0 / (1.0 + exp(-z)); }

/* ΔR on a batch of 5 distinct examples against SPEC §6 computed here in
 * double from the parameters read back: ū = p_b e_2 Y_1, s = σ(ū) ⊙ e_1,
 * a = ū ⊙ (1 − e_1) − s Rᵀ, R ← R + lr_R Σ_b aᵀ s (no division by B). */
Test(burstprop, r_update_matches_spec_in_double)
{
    enum { B = 5, N0 = 4, N1 = 6, N2 = 3 };
    const double lr_r = 0.01;
    bcn_ctx *ctx = mu_ctx("ref");
    bcn_net *net = r_net(ctx, (float)lr_r);
    float *x = mu_uniform(8, B * N0, 0.0, 1.0), *t = mu_onehot(9, B, N2);
    float *w1 = mu_param(net, BCN_PARAM_W, 1, NULL), *c1 = mu_param(net, BCN_PARAM_C, 1, NULL);
    float *w2 = mu_param(net, BCN_PARAM_W, 2, NULL), *c2 = mu_param(net, BCN_PARAM_C, 2, NULL);
    float *y1 = mu_param(net, BCN_PARAM_Y, 1, NULL), *r = mu_param(net, BCN_PARAM_R, 1, NULL);
    double pb = bcn_net_config_of(net)->p_baseline, want[N1 * N1];
    for (int i = 0; i < N1 * N1; i++)
        want[i] = r[i];
    for (int b = 0; b < B; b++) {
        double e1[N1], e2[N2], ub[N1], s[N1], a[N1];
        for (int j = 0; j < N1; j++) {
            double v = c1[j];
            for (int k = 0; k < N0; k++)
                v += (double)w1[j * N0 + k] * x[b * N0 + k];
            e1[j] = sig(v);
        }
        for (int j = 0; j < N2; j++) {
            double v = c2[j];
            for (int k = 0; k < N1; k++)
                v += (double)w2[j * N1 + k] * e1[k];
            e2[j] = sig(v);
        }
        for (int j = 0; j < N1; j++) {
            ub[j] = 0;
            for (int i = 0; i < N2; i++)
                ub[j] += pb * e2[i] * y1[i * N1 + j];
            s[j] = sig(ub[j]) * e1[j];
        }
        for (int j = 0; j < N1; j++) {
            double rj = 0;
            for (int k = 0; k < N1; k++)
                rj += s[k] * r[j * N1 + k];
            a[j] = ub[j] * (1 - e1[j]) - rj;
        }
        for (int i = 0; i < N1; i++)
            for (int k = 0; k < N1; k++)
                want[i * N1 + k] += lr_r * a[i] * s[k];
    }
    cr_assert_eq(bcn_net_train_step(net, x, t, B, NULL), BCN_OK, "%s", bcn_errmsg(ctx));
    float *got = mu_param(net, BCN_PARAM_R, 1, NULL);
    double scale = 0;
    for (int i = 0; i < N1 * N1; i++)
        scale = fmax(scale, fabs(want[i] - r[i]));
    cr_assert(scale > 1e-5, "the expected change of R is too small to test (%g)", scale);
    /* Compared as changes: float intermediates (e, ū: 6e-8 relative) and
     * the float store of R (0.3 x 6e-8) stay far below 1e-3 of the change;
     * a mean instead of a sum is off by a factor 5. */
    for (int i = 0; i < N1 * N1; i++)
        cr_expect(fabs((got[i] - r[i]) - (want[i] - r[i])) <= 1e-3 * scale,
                  "ΔR[%d] = %.9g, expected %.9g", i, (double)got[i] - r[i], want[i] - r[i]);
    free(got);
    free(x);
    free(t);
    free(w1);
    free(c1);
    free(w2);
    free(c2);
    free(y1);
    free(r);
    bcn_net_destroy(net);
    bcn_ctx_free(ctx);
}

/* One step with lr 0 and weight decay wd: W ← (1 − wd) W for every rule;
 * c ← (1 − wd) c for BurstCCN, c unchanged for Burstprop (SPEC §6). */
static void check_decay(bcn_rule rule, bcn_optimizer opt)
{
    const float wd = 0.1f;
    bcn_ctx *ctx = mu_ctx("ref");
    bcn_net_config cfg = mu_config(rule, 2, (const int[]){4, 5, 3}, 51);
    bcn_net_config_set_lr(&cfg, 0.0f);
    cfg.optimizer = opt;
    cfg.momentum = 0.8f;
    cfg.weight_decay = wd;
    bcn_net *net = mu_net(ctx, &cfg);
    const float c0[5] = {0.5f, -0.25f, 1.0f, 0.125f, -2.0f}, c0out[3] = {0.3f, -0.7f, 0.9f};
    cr_assert_eq(bcn_net_set_param(net, BCN_PARAM_C, 1, c0), BCN_OK);
    cr_assert_eq(bcn_net_set_param(net, BCN_PARAM_C, 2, c0out), BCN_OK);
    float *x = mu_uniform(52, 2 * 4, 0.0, 1.0), *t = mu_onehot(53, 2, 3);
    size_t nw = 0;
    float *w0 = mu_param(net, BCN_PARAM_W, 1, &nw);
    cr_assert_eq(bcn_net_train_step(net, x, t, 2, NULL), BCN_OK, "%s", bcn_errmsg(ctx));
    float *w1 = mu_param(net, BCN_PARAM_W, 1, NULL);
    float *c1 = mu_param(net, BCN_PARAM_C, 1, NULL), *c2 = mu_param(net, BCN_PARAM_C, 2, NULL);
    for (size_t i = 0; i < nw; i++)
        cr_expect(fabs(w1[i] - (1.0 - wd) * w0[i]) <= 1e-6 * fabs(w0[i]) + 1e-7,
                  "%s W[%zu] = %.9g, expected (1 - wd) W = %.9g", bcn_rule_str(rule), i,
                  (double)w1[i], (1.0 - wd) * w0[i]);
    double keep = rule == BCN_RULE_BURSTPROP ? 1.0 : 1.0 - wd;
    for (int i = 0; i < 5; i++)
        cr_expect(fabs(c1[i] - keep * c0[i]) <= 1e-6 * fabs(c0[i]), "%s c1[%d] = %.9g, expected %.9g",
                  bcn_rule_str(rule), i, (double)c1[i], keep * c0[i]);
    for (int i = 0; i < 3; i++)
        cr_expect(fabs(c2[i] - keep * c0out[i]) <= 1e-6 * fabs(c0out[i]),
                  "%s c2[%d] = %.9g, expected %.9g", bcn_rule_str(rule), i, (double)c2[i],
                  keep * c0out[i]);
    free(w0);
    free(w1);
    free(c1);
    free(c2);
    free(x);
    free(t);
    bcn_net_destroy(net);
    bcn_ctx_free(ctx);
}

Test(burstprop, bias_not_decayed_sgd) { check_decay(BCN_RULE_BURSTPROP, BCN_OPT_SGD); }
Test(burstprop, bias_not_decayed_momentum) { check_decay(BCN_RULE_BURSTPROP, BCN_OPT_MOMENTUM); }
Test(burstprop, burstccn_bias_decayed) { check_decay(BCN_RULE_BURSTCCN, BCN_OPT_SGD); }

/* Two steps at Burstprop's defaults follow Payeur et al.'s update with
 * their own state Δ: Δ1 = −lr g1, W1 = W0 + Δ1 − wd W0; Δ2 = −lr g2 +
 * 0.8 Δ1, W2 = W1 + Δ2 − wd W1 (hidden lr 3.2, output 0.32, wd 1e-6);
 * the bias the same without decay. g are the signals the library used. */
Test(burstprop, momentum_is_payeurs_update)
{
    enum { NL = 2, B = 4 };
    bcn_ctx *ctx = mu_ctx("ref");
    bcn_net_config cfg = mu_config(BCN_RULE_BURSTPROP, NL, (const int[]){6, 5, 3}, 61);
    cr_assert_float_eq(cfg.lr[0], 3.2f, 0.0f);
    cr_assert_float_eq(cfg.lr[1], 0.32f, 0.0f);
    bcn_net *net = mu_net(ctx, &cfg);
    float *x = mu_uniform(62, B * 6, 0.0, 1.0), *t = mu_onehot(63, B, 3);
    /* [step][layer]: parameters after 0, 1, 2 steps; signals of steps 1, 2. */
    float *w[3][NL], *c[3][NL], *g[3][NL], *gc[3][NL];
    size_t nw[NL], nc[NL];
    for (int k = 0; k < 3; k++) {
        if (k > 0)
            cr_assert_eq(bcn_net_train_step(net, x, t, B, NULL), BCN_OK, "%s", bcn_errmsg(ctx));
        for (int l = 0; l < NL; l++) {
            w[k][l] = mu_param(net, BCN_PARAM_W, l + 1, &nw[l]);
            c[k][l] = mu_param(net, BCN_PARAM_C, l + 1, &nc[l]);
            g[k][l] = k ? mu_signal(net, BCN_RULE_BURSTPROP, l + 1, &gc[k][l]) : NULL;
        }
    }
    for (int l = 0; l < NL; l++) {
        double lr = l == 0 ? 3.2 : 0.32, wd = 1e-6;
        for (size_t i = 0; i < nw[l]; i++) {
            double d1 = -lr * g[1][l][i], w1 = w[0][l][i] + d1 - wd * w[0][l][i];
            double d2 = -lr * g[2][l][i] + 0.8 * d1, w2 = w[1][l][i] + d2 - wd * w[1][l][i];
            cr_expect(fabs(w[1][l][i] - w1) <= 1e-6 * (fabs(w1) + fabs(d1)),
                      "layer %d W after 1 step [%zu] = %.9g, Payeur: %.9g", l + 1, i,
                      (double)w[1][l][i], w1);
            cr_expect(fabs(w[2][l][i] - w2) <= 1e-6 * (fabs(w2) + fabs(d2)),
                      "layer %d W after 2 steps [%zu] = %.9g, Payeur: %.9g", l + 1, i,
                      (double)w[2][l][i], w2);
        }
        for (size_t i = 0; i < nc[l]; i++) {
            double d1 = -lr * gc[1][l][i], c1 = c[0][l][i] + d1;
            double d2 = -lr * gc[2][l][i] + 0.8 * d1, c2 = c[1][l][i] + d2;
            cr_expect(fabs(c[1][l][i] - c1) <= 1e-6 * (fabs(c1) + fabs(d1)),
                      "layer %d c after 1 step [%zu] = %.9g, Payeur: %.9g", l + 1, i,
                      (double)c[1][l][i], c1);
            cr_expect(fabs(c[2][l][i] - c2) <= 1e-6 * (fabs(c2) + fabs(d2)),
                      "layer %d c after 2 steps [%zu] = %.9g, Payeur: %.9g", l + 1, i,
                      (double)c[2][l][i], c2);
        }
    }
    for (int k = 0; k < 3; k++)
        for (int l = 0; l < NL; l++) {
            free(w[k][l]);
            free(c[k][l]);
            if (k) {
                free(g[k][l]);
                free(gc[k][l]);
            }
        }
    free(x);
    free(t);
    bcn_net_destroy(net);
    bcn_ctx_free(ctx);
}
