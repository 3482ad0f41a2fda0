/*
 * test_conv.c — convolutional networks against SPEC §12, on ref:
 *  - backprop's ∇W, ∇c of every layer (conv, conv with padding, dense)
 *    against central finite differences of ½ Σ ‖t − e_L‖² / B computed by
 *    an independent double-precision forward pass written here from the
 *    SPEC §12 formula (a layer with an input column it never reads
 *    included);
 *  - the small-error limit of SPEC §5 on conv → conv → dense: tied Y/Q,
 *    p_b = 0.5, every layer's BurstCCN update ≈ 0.5 x backprop's (angle
 *    below 0.05°, conv layers included);
 *  - no teacher and Q = p_b Y: the update is exactly zero in every layer;
 *  - FA with Y tied to W (scale 1) is backprop exactly;
 *  - conv feedback learning: off by default (conv Y, Q fixed while the
 *    dense ones learn), on with conv_feedback_learning, ΔQ = −ΔY.
 */
#include "model_util.h"

/* A small net: input 2 x 9 x 8, conv:3:3:2 (→ 3 x 4 x 3; input column 7
 * is never read), conv:4:2:1:1 (→ 4 x 5 x 4), dense:6, dense:5. */
static bcn_net_config fd_config(bcn_rule rule, uint64_t seed)
{
    bcn_net_config cfg;
    bcn_net_config_init(&cfg, rule);
    bcn_net_config_set_dense(&cfg, 1, 0, NULL, 5);
    cfg.input = (bcn_shape){2, 9, 8};
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_eq(bcn_net_config_set_arch(ctx, &cfg, "conv:3:3:2,conv:4:2:1:1,dense:6"), BCN_OK,
                 "%s", bcn_errmsg(ctx));
    bcn_ctx_free(ctx);
    cfg.seed = seed;
    return cfg;
}

/* Independent double forward of a layer list (SPEC §2, §12). */
typedef struct dnet {
    int L;
    bcn_net_config cfg;
    double *W[BCN_MAX_LAYERS], *c[BCN_MAX_LAYERS];
    bcn_shape shape[BCN_MAX_LAYERS + 1];
} dnet;

static double sigm(double z) { return 1.0 / (1.0 + exp(-z)); }

static size_t numel(bcn_shape s) { return (size_t)s.c * s.h * s.w; }

/* out (shape[l+1]) = σ(layer l+1 of in) for one example. */
static void dlayer(const dnet *d, int l, const double *in, double *out)
{
    const bcn_layer_spec *sp = &d->cfg.layers[l];
    bcn_shape si = d->shape[l], so = d->shape[l + 1];
    if (sp->kind == BCN_LAYER_DENSE) {
        size_t nin = numel(si);
        for (int j = 0; j < so.c; j++) {
            double v = d->c[l][j];
            for (size_t k = 0; k < nin; k++)
                v += d->W[l][(size_t)j * nin + k] * in[k];
            out[j] = sigm(v);
        }
        return;
    }
    int K = sp->kernel, S = sp->stride, P = sp->pad;
    for (int o = 0; o < so.c; o++)
        for (int y = 0; y < so.h; y++)
            for (int x = 0; x < so.w; x++) {
                double v = d->c[l][o];
                for (int i = 0; i < si.c; i++)
                    for (int p = 0; p < K; p++)
                        for (int q = 0; q < K; q++) {
                            int iy = y * S + p - P, ix = x * S + q - P;
                            if (iy < 0 || iy >= si.h || ix < 0 || ix >= si.w)
                                continue;
                            v += d->W[l][(((size_t)o * si.c + i) * K + p) * K + q] *
                                 in[((size_t)i * si.h + iy) * si.w + ix];
                        }
                out[((size_t)o * so.h + y) * so.w + x] = sigm(v);
            }
}

/* ½ Σ ‖t − e_L‖² / B in double. */
static double dloss(const dnet *d, const double *x, const double *t, int B)
{
    double *a = malloc(4096 * sizeof *a), *b = malloc(4096 * sizeof *b), loss = 0;
    cr_assert(a && b);
    for (int r = 0; r < B; r++) {
        memcpy(a, x + (size_t)r * numel(d->shape[0]), numel(d->shape[0]) * sizeof *a);
        for (int l = 0; l < d->L; l++) {
            cr_assert(numel(d->shape[l + 1]) <= 4096);
            dlayer(d, l, a, b);
            double *tmp = a;
            a = b;
            b = tmp;
        }
        size_t nL = numel(d->shape[d->L]);
        for (size_t j = 0; j < nL; j++) {
            double e = a[j] - t[(size_t)r * nL + j];
            loss += 0.5 * e * e;
        }
    }
    free(a);
    free(b);
    return loss / B;
}

Test(conv_backprop, gradients_match_finite_differences)
{
    const int B = 3;
    bcn_ctx *ctx = mu_ctx("ref");
    bcn_net_config cfg = fd_config(BCN_RULE_BACKPROP, 61);
    bcn_net *net = mu_net(ctx, &cfg);
    dnet d = {.L = cfg.n_layers, .cfg = cfg};
    for (int l = 0; l <= d.L; l++)
        cr_assert_eq(bcn_net_config_shape(ctx, &cfg, l, &d.shape[l]), BCN_OK);
    cr_assert_eq(numel(d.shape[1]), 36u); /* 3 x 4 x 3 */
    cr_assert_eq(numel(d.shape[2]), 80u); /* 4 x 5 x 4 */
    float *xf = mu_uniform(62, (size_t)B * numel(d.shape[0]), 0.0, 1.0);
    float *tf = mu_onehot(63, B, 5);
    /* Non-zero biases so that their gradients are exercised too. */
    for (int l = 1; l <= d.L; l++) {
        int nc = 0;
        cr_assert_eq(bcn_net_param_shape(net, BCN_PARAM_C, l, &nc, NULL), BCN_OK);
        float *cb = mu_uniform(64 + l, (size_t)nc, -0.5, 0.5);
        cr_assert_eq(bcn_net_set_param(net, BCN_PARAM_C, l, cb), BCN_OK);
        free(cb);
    }
    cr_assert_eq(bcn_net_compute_signals(net, xf, tf, B, BCN_RULE_BIT(BCN_RULE_BACKPROP)),
                 BCN_OK, "%s", bcn_errmsg(ctx));
    double x[3 * 144], t[3 * 5];
    for (int i = 0; i < B * 144; i++)
        x[i] = xf[i];
    for (int i = 0; i < B * 5; i++)
        t[i] = tf[i];
    size_t nw[BCN_MAX_LAYERS], nc[BCN_MAX_LAYERS];
    for (int l = 1; l <= d.L; l++) {
        float *w = mu_param(net, BCN_PARAM_W, l, &nw[l - 1]);
        float *c = mu_param(net, BCN_PARAM_C, l, &nc[l - 1]);
        d.W[l - 1] = malloc(nw[l - 1] * sizeof(double));
        d.c[l - 1] = malloc(nc[l - 1] * sizeof(double));
        for (size_t i = 0; i < nw[l - 1]; i++)
            d.W[l - 1][i] = w[i];
        for (size_t i = 0; i < nc[l - 1]; i++)
            d.c[l - 1][i] = c[i];
        free(w);
        free(c);
    }
    const double h = 1e-5;
    for (int l = 1; l <= d.L; l++) {
        float *gc = NULL;
        float *gw = mu_signal(net, BCN_RULE_BACKPROP, l, &gc);
        for (int which = 0; which < 2; which++) {
            double *p = which ? d.c[l - 1] : d.W[l - 1];
            size_t n = which ? nc[l - 1] : nw[l - 1];
            const float *g = which ? gc : gw;
            double num = 0, den = 0;
            for (size_t i = 0; i < n; i++) {
                double keep = p[i];
                p[i] = keep + h;
                double up = dloss(&d, x, t, B);
                p[i] = keep - h;
                double down = dloss(&d, x, t, B);
                p[i] = keep;
                double fd = (up - down) / (2 * h);
                num += (fd - g[i]) * (fd - g[i]);
                den += fd * fd;
            }
            double rel = sqrt(num / den);
            cr_expect(den > 0 && rel < 1e-4, "layer %d (%s) %s: relative error %g vs finite "
                      "differences", l, cfg.layers[l - 1].kind ? "conv" : "dense",
                      which ? "bias" : "weights", rel);
        }
        free(gw);
        free(gc);
    }
    for (int l = 0; l < d.L; l++) {
        free(d.W[l]);
        free(d.c[l]);
    }
    free(xf);
    free(tf);
    bcn_net_destroy(net);
    bcn_ctx_free(ctx);
}

/* conv → conv → dense → dense net on 1 x 11 x 11 (stride 2 on an odd map). */
static bcn_net_config limit_config(bcn_rule rule, uint64_t seed)
{
    bcn_net_config cfg;
    bcn_net_config_init(&cfg, rule);
    bcn_net_config_set_dense(&cfg, 1, 0, NULL, 4);
    cfg.input = (bcn_shape){1, 11, 11};
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_eq(bcn_net_config_set_arch(ctx, &cfg, "conv:4:3:2,conv:5:3:1,dense:7"), BCN_OK);
    bcn_ctx_free(ctx);
    cfg.seed = seed;
    return cfg;
}

Test(conv_burstccn, small_error_limit_is_half_backprop)
{
    const int B = 6;
    bcn_ctx *ctx = mu_ctx("ref");
    bcn_net_config cfg = limit_config(BCN_RULE_BURSTCCN, 71);
    cfg.y_mode = BCN_FB_TIED;
    cfg.y_scale = 1.0f;
    cfg.q_mode = BCN_FB_TIED;
    cfg.p_baseline = 0.5f;
    bcn_net *net = mu_net(ctx, &cfg);
    float *x = mu_uniform(72, (size_t)B * 121, 0.0, 1.0);
    float *t = mu_near_targets(net, x, B, 1e-3, 73);
    unsigned mask = BCN_RULE_BIT(BCN_RULE_BURSTCCN) | BCN_RULE_BIT(BCN_RULE_BACKPROP);
    cr_assert_eq(bcn_net_compute_signals(net, x, t, B, mask), BCN_OK, "%s", bcn_errmsg(ctx));
    for (int l = 1; l <= cfg.n_layers; l++) {
        size_t n = 0;
        free(mu_param(net, BCN_PARAM_W, l, &n));
        float *g = mu_signal(net, BCN_RULE_BURSTCCN, l, NULL);
        float *bp = mu_signal(net, BCN_RULE_BACKPROP, l, NULL);
        bcn_angle a = bcn_vec_angle(g, bp, n);
        cr_assert(a.valid, "layer %d: zero update", l);
        double ratio = a.norm_a / a.norm_b;
        cr_expect(a.degrees < 0.05, "layer %d (%s): angle to backprop %g deg", l,
                  l <= 2 ? "conv" : "dense", a.degrees);
        cr_expect(fabs(ratio - 0.5) < 2e-3, "layer %d: norm ratio %.6f, expected 0.5", l, ratio);
        free(g);
        free(bp);
    }
    /* The comparison API reports the same. */
    bcn_comparison cmp;
    cr_assert_eq(bcn_net_compare(net, x, t, B, &cmp), BCN_OK);
    for (int l = 0; l < cfg.n_layers; l++)
        cr_expect(cmp.to_bp[BCN_RULE_BURSTCCN][l].valid &&
                      cmp.to_bp[BCN_RULE_BURSTCCN][l].degrees < 0.05,
                  "compare: layer %d at %g deg", l + 1, cmp.to_bp[BCN_RULE_BURSTCCN][l].degrees);
    free(x);
    free(t);
    bcn_net_destroy(net);
    bcn_ctx_free(ctx);
}

/* Largest |v| over every layer's ∇W and ∇c of `rule`. */
static double max_abs_update(bcn_net *net, bcn_rule rule, int L)
{
    double m = 0;
    for (int l = 1; l <= L; l++) {
        size_t nw = 0, nc = 0;
        free(mu_param(net, BCN_PARAM_W, l, &nw));
        free(mu_param(net, BCN_PARAM_C, l, &nc));
        float *gc = NULL;
        float *g = mu_signal(net, rule, l, &gc);
        for (size_t i = 0; i < nw; i++)
            m = fmax(m, fabs(g[i]));
        for (size_t i = 0; i < nc; i++)
            m = fmax(m, fabs(gc[i]));
        free(g);
        free(gc);
    }
    return m;
}

Test(conv_burstccn, no_teacher_with_q_sym_learns_nothing)
{
    const int B = 5;
    bcn_ctx *ctx = mu_ctx("ref");
    bcn_net_config cfg = limit_config(BCN_RULE_BURSTCCN, 81);
    cfg.p_baseline = 0.5f;
    cfg.q_mode = BCN_FB_SYM;
    cfg.y_mode = BCN_FB_RANDOM;
    bcn_net *net = mu_net(ctx, &cfg);
    float *x = mu_uniform(82, (size_t)B * 121, 0.0, 1.0);
    float *t = mu_onehot(83, B, 4);
    unsigned mask = BCN_RULE_BIT(BCN_RULE_BURSTCCN) | BCN_RULE_BIT(BCN_RULE_BURSTPROP);
    cr_assert_eq(bcn_net_compute_signals(net, x, NULL, B, mask), BCN_OK, "%s", bcn_errmsg(ctx));
    double none = max_abs_update(net, BCN_RULE_BURSTCCN, cfg.n_layers);
    cr_expect_eq(none, 0.0, "no teacher, Q = p_b Y: BurstCCN update %g, expected exactly 0", none);
    double bp_none = max_abs_update(net, BCN_RULE_BURSTPROP, cfg.n_layers);
    cr_expect_eq(bp_none, 0.0, "no teacher: Burstprop update %g, expected exactly 0", bp_none);
    cr_assert_eq(bcn_net_compute_signals(net, x, t, B, mask), BCN_OK, "%s", bcn_errmsg(ctx));
    cr_expect(max_abs_update(net, BCN_RULE_BURSTCCN, cfg.n_layers) > 1e-5,
              "with a teacher the BurstCCN update must not vanish");
    cr_expect(max_abs_update(net, BCN_RULE_BURSTPROP, cfg.n_layers) > 1e-5,
              "with a teacher the Burstprop update must not vanish");
    free(x);
    free(t);
    bcn_net_destroy(net);
    bcn_ctx_free(ctx);
}

Test(conv_fa, tied_feedback_is_backprop)
{
    const int B = 4;
    bcn_ctx *ctx = mu_ctx("ref");
    bcn_net_config cfg = limit_config(BCN_RULE_FA, 91);
    cfg.y_mode = BCN_FB_TIED;
    cfg.y_scale = 1.0f;
    bcn_net *net = mu_net(ctx, &cfg);
    float *x = mu_uniform(92, (size_t)B * 121, 0.0, 1.0);
    float *t = mu_onehot(93, B, 4);
    unsigned mask = BCN_RULE_BIT(BCN_RULE_FA) | BCN_RULE_BIT(BCN_RULE_BACKPROP);
    cr_assert_eq(bcn_net_compute_signals(net, x, t, B, mask), BCN_OK, "%s", bcn_errmsg(ctx));
    for (int l = 1; l <= cfg.n_layers; l++) {
        size_t n = 0;
        free(mu_param(net, BCN_PARAM_W, l, &n));
        float *fa = mu_signal(net, BCN_RULE_FA, l, NULL);
        float *bp = mu_signal(net, BCN_RULE_BACKPROP, l, NULL);
        cr_expect(memcmp(fa, bp, n * sizeof *fa) == 0, "layer %d: FA with Y = W differs", l);
        free(fa);
        free(bp);
    }
    free(x);
    free(t);
    bcn_net_destroy(net);
    bcn_ctx_free(ctx);
}

/* One BurstCCN step with Y/Q learning; returns max |ΔY| and checks ΔQ. */
static void check_fb_learning(int conv_on)
{
    const int B = 4;
    bcn_ctx *ctx = mu_ctx("ref");
    bcn_net_config cfg = limit_config(BCN_RULE_BURSTCCN, 101);
    cfg.y_lr = 0.05f;
    cfg.q_lr = 0.05f;
    cfg.conv_feedback_learning = conv_on;
    bcn_net_config_set_lr(&cfg, 0.0f); /* W, c fixed: only Y, Q move */
    bcn_net *net = mu_net(ctx, &cfg);
    float *x = mu_uniform(102, (size_t)B * 121, 0.0, 1.0);
    float *t = mu_onehot(103, B, 4);
    size_t n[3];
    float *y0[3], *q0[3];
    for (int l = 1; l <= 3; l++) {
        y0[l - 1] = mu_param(net, BCN_PARAM_Y, l, &n[l - 1]);
        q0[l - 1] = mu_param(net, BCN_PARAM_Q, l, NULL);
    }
    cr_assert_eq(bcn_net_train_step(net, x, t, B, NULL), BCN_OK, "%s", bcn_errmsg(ctx));
    for (int l = 1; l <= 3; l++) {
        float *y1 = mu_param(net, BCN_PARAM_Y, l, NULL), *q1 = mu_param(net, BCN_PARAM_Q, l, NULL);
        double dy = 0, mismatch = 0;
        for (size_t i = 0; i < n[l - 1]; i++) {
            double a = (double)y1[i] - y0[l - 1][i], b = (double)q1[i] - q0[l - 1][i];
            dy = fmax(dy, fabs(a));
            /* beyond the float rounding of the stored Y and Q */
            double ulp = 1.2e-7 * (fabs((double)y1[i]) + fabs((double)q1[i]));
            mismatch = fmax(mismatch, fabs(a + b) - ulp);
        }
        int conv_layer = l <= 2; /* layers 1 and 2 are conv */
        if (conv_layer && !conv_on)
            cr_expect_eq(dy, 0.0, "layer %d: conv Y moved by %g with conv feedback learning off",
                         l, dy);
        else
            cr_expect(dy > 1e-7, "layer %d: Y did not learn", l);
        cr_expect(mismatch <= 0.0, "layer %d: ΔQ != −ΔY (off by %g beyond rounding)", l,
                  mismatch);
        free(y1);
        free(q1);
        free(y0[l - 1]);
        free(q0[l - 1]);
    }
    free(x);
    free(t);
    bcn_net_destroy(net);
    bcn_ctx_free(ctx);
}

Test(conv_feedback, conv_y_q_fixed_by_default) { check_fb_learning(0); }
Test(conv_feedback, conv_y_q_learn_when_asked) { check_fb_learning(1); }

Test(conv_config, arch_strings_and_shapes)
{
    bcn_ctx *ctx = bcn_ctx_new();
    bcn_net_config cfg;
    bcn_net_config_init(&cfg, BCN_RULE_BURSTCCN);
    cfg.input = (bcn_shape){3, 32, 32};
    cr_assert_eq(bcn_net_config_set_arch(ctx, &cfg, "cifar"), BCN_OK, "%s", bcn_errmsg(ctx));
    cr_assert_eq(cfg.n_layers, 5);
    /* SPEC §10: 32 → 14 → 5 → 3; 256 x 3 x 3 = 2304 flattened. */
    const int h[] = {32, 14, 5, 3}, c[] = {3, 64, 128, 256};
    for (int l = 0; l < 4; l++) {
        bcn_shape s;
        cr_assert_eq(bcn_net_config_shape(ctx, &cfg, l, &s), BCN_OK);
        cr_expect(s.c == c[l] && s.h == h[l] && s.w == h[l], "layer %d: %dx%dx%d", l, s.c, s.h,
                  s.w);
    }
    bcn_shape s;
    cr_assert_eq(bcn_net_config_shape(ctx, &cfg, 5, &s), BCN_OK);
    cr_expect_eq(s.c, 10);
    char buf[256];
    bcn_net_config_arch_str(&cfg, buf, sizeof buf);
    cr_expect_str_eq(buf, "conv:64:5:2,conv:128:5:2,conv:256:3:1,dense:1480,dense:10");
    cr_expect_eq(bcn_net_config_check(ctx, &cfg), BCN_OK, "%s", bcn_errmsg(ctx));
    /* Bad strings name the item. */
    const char *bad[] = {"conv:0:3", "conv:8", "conv:8:3:0", "dense:256,conv:8:3", "pool:2",
                         "dense:", "conv:8:3:1:-1", "conv:8:3,,dense:4"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bcn_net_config k = cfg;
        cr_expect_eq(bcn_net_config_set_arch(ctx, &k, bad[i]), BCN_ERR_INVALID_ARG,
                     "'%s' accepted", bad[i]);
        cr_expect(strlen(bcn_errmsg(ctx)) > 0);
    }
    /* A kernel larger than its input is refused with the layer named. */
    bcn_net_config k = cfg;
    cr_assert_eq(bcn_net_config_set_arch(ctx, &k, "conv:4:5:2,conv:4:15"), BCN_OK);
    cr_expect_eq(bcn_net_config_check(ctx, &k), BCN_ERR_INVALID_ARG);
    cr_expect(strstr(bcn_errmsg(ctx), "layer 2") != NULL, "%s", bcn_errmsg(ctx));
    bcn_ctx_free(ctx);
}
