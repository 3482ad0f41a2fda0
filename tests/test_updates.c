/*
 * test_updates.c — SPEC §8 updates after real steps: SGD, momentum and Adam
 * with decoupled weight decay, per-layer learning rates, Y/Q learning
 * (SPEC §5, checked against an independent double-precision sweep) and the
 * tied feedback modes (SPEC §7).
 */
#include "model_util.h"

#define NL 3
static const int SIZES[NL + 1] = {10, 8, 6, 4};
#define B 6

typedef struct fixture {
    bcn_ctx *ctx;
    bcn_net *net;
    float *x, *t;
} fixture;

static fixture make(bcn_net_config cfg)
{
    fixture f;
    f.ctx = mu_ctx("ref");
    f.net = mu_net(f.ctx, &cfg);
    f.x = mu_uniform(77, (size_t)B * SIZES[0], 0.0, 1.0);
    f.t = mu_onehot(78, B, SIZES[NL]);
    return f;
}

static void drop(fixture *f)
{
    free(f->x);
    free(f->t);
    bcn_net_destroy(f->net);
    bcn_ctx_free(f->ctx);
}

static void step(fixture *f)
{
    cr_assert_eq(bcn_net_train_step(f->net, f->x, f->t, B, NULL), BCN_OK, "%s",
                 bcn_errmsg(f->ctx));
}

static void expect_vec(const float *got, const double *want, size_t n, double tol, const char *what)
{
    double scale = 0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(want[i]));
    for (size_t i = 0; i < n; i++)
        cr_expect(fabs(got[i] - want[i]) <= tol * scale + 1e-12, "%s[%zu] = %.9g, expected %.9g",
                  what, i, (double)got[i], want[i]);
}

/* SGD with weight decay and per-layer rates: W1 = W0 − lr_l g − wd W0. */
Test(updates, sgd_weight_decay_per_layer_lr)
{
    bcn_net_config cfg = mu_config(BCN_RULE_BACKPROP, NL, SIZES, 3);
    cfg.lr[0] = 0.0f;
    cfg.lr[1] = 0.2f;
    cfg.lr[2] = 0.05f;
    cfg.weight_decay = 0.01f;
    fixture f = make(cfg);
    float *w0[NL], *c0[NL];
    for (int l = 1; l <= NL; l++) {
        w0[l - 1] = mu_param(f.net, BCN_PARAM_W, l, NULL);
        c0[l - 1] = mu_param(f.net, BCN_PARAM_C, l, NULL);
    }
    step(&f);
    for (int l = 1; l <= NL; l++) {
        size_t n = 0;
        float *gc = NULL, *g = mu_signal(f.net, BCN_RULE_BACKPROP, l, &gc);
        float *w1 = mu_param(f.net, BCN_PARAM_W, l, &n), *c1 = mu_param(f.net, BCN_PARAM_C, l, NULL);
        double *want = malloc(n * sizeof *want), lr = cfg.lr[l - 1], wd = cfg.weight_decay;
        for (size_t i = 0; i < n; i++)
            want[i] = (double)w0[l - 1][i] - lr * g[i] - wd * w0[l - 1][i];
        expect_vec(w1, want, n, 1e-6, "W");
        for (int i = 0; i < SIZES[l]; i++)
            want[i] = (double)c0[l - 1][i] - lr * gc[i] - wd * c0[l - 1][i];
        expect_vec(c1, want, (size_t)SIZES[l], 1e-6, "c");
        free(want);
        free(g);
        free(gc);
        free(w1);
        free(c1);
        free(w0[l - 1]);
        free(c0[l - 1]);
    }
    drop(&f);
}

/* Momentum over two steps: v2 = m g1 + g2, W2 = W1 − lr v2 − wd W1. */
Test(updates, momentum_two_steps)
{
    bcn_net_config cfg = mu_config(BCN_RULE_FA, NL, SIZES, 4);
    cfg.optimizer = BCN_OPT_MOMENTUM;
    cfg.momentum = 0.8f;
    cfg.weight_decay = 1e-3f;
    bcn_net_config_set_lr(&cfg, 0.1f);
    fixture f = make(cfg);
    step(&f);
    size_t n = 0;
    float *g1 = mu_signal(f.net, BCN_RULE_FA, 2, NULL);
    float *w1 = mu_param(f.net, BCN_PARAM_W, 2, &n);
    step(&f);
    float *g2 = mu_signal(f.net, BCN_RULE_FA, 2, NULL);
    float *w2 = mu_param(f.net, BCN_PARAM_W, 2, NULL);
    double *want = malloc(n * sizeof *want);
    for (size_t i = 0; i < n; i++)
        want[i] = (double)w1[i] - 0.1 * (0.8 * g1[i] + g2[i]) - 1e-3 * w1[i];
    expect_vec(w2, want, n, 1e-6, "W2 after momentum");
    free(want);
    free(g1);
    free(g2);
    free(w1);
    free(w2);
    drop(&f);
}

/* Adam, two steps, bias-corrected (β1 0.9, β2 0.999, ε 1e-8). */
Test(updates, adam_two_steps)
{
    bcn_net_config cfg = mu_config(BCN_RULE_BURSTCCN, NL, SIZES, 5);
    cfg.optimizer = BCN_OPT_ADAM;
    cfg.weight_decay = 1e-4f;
    bcn_net_config_set_lr(&cfg, 1e-3f);
    fixture f = make(cfg);
    size_t n = 0;
    float *w0 = mu_param(f.net, BCN_PARAM_W, 1, &n);
    step(&f);
    float *g1 = mu_signal(f.net, BCN_RULE_BURSTCCN, 1, NULL);
    float *w1 = mu_param(f.net, BCN_PARAM_W, 1, NULL);
    step(&f);
    float *g2 = mu_signal(f.net, BCN_RULE_BURSTCCN, 1, NULL);
    float *w2 = mu_param(f.net, BCN_PARAM_W, 1, NULL);
    double *want1 = malloc(n * sizeof *want1), *want2 = malloc(n * sizeof *want2);
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8, lr = 1e-3, wd = 1e-4;
    for (size_t i = 0; i < n; i++) {
        double m = (1 - b1) * g1[i], v = (1 - b2) * (double)g1[i] * g1[i];
        want1[i] = w0[i] - lr * (m / (1 - b1)) / (sqrt(v / (1 - b2)) + eps) - wd * w0[i];
        m = b1 * m + (1 - b1) * g2[i];
        v = b2 * v + (1 - b2) * (double)g2[i] * g2[i];
        want2[i] = w1[i] - lr * (m / (1 - b1 * b1)) / (sqrt(v / (1 - b2 * b2)) + eps) - wd * w1[i];
    }
    expect_vec(w1, want1, n, 1e-5, "W after Adam step 1");
    expect_vec(w2, want2, n, 1e-5, "W after Adam step 2");
    free(want1);
    free(want2);
    free(w0);
    free(w1);
    free(w2);
    free(g1);
    free(g2);
    drop(&f);
}

/* Y and Q learning: Y ← Y − lr_Y e_{l+1}ᵀ u_l / B, Q ← Q + lr_Q e_{l+1}ᵀ u_l / B
 * with u_l from an independent double-precision BurstCCN sweep. */
Test(updates, y_q_learning)
{
    bcn_net_config cfg = mu_config(BCN_RULE_BURSTCCN, NL, SIZES, 6);
    cfg.y_lr = 0.05f;
    cfg.q_lr = 0.02f;
    cfg.q_mode = BCN_FB_RANDOM;
    cfg.q_scale = 0.3f;
    fixture f = make(cfg);
    double *W[NL], *c[NL], *e[NL], *Y[NL - 1], *Q[NL - 1];
    float *Yf[NL - 1], *Qf[NL - 1];
    for (int l = 0; l < NL; l++) {
        size_t n = 0;
        float *wf = mu_param(f.net, BCN_PARAM_W, l + 1, &n), *cf = mu_param(f.net, BCN_PARAM_C, l + 1, NULL);
        W[l] = malloc(n * sizeof(double));
        c[l] = malloc((size_t)SIZES[l + 1] * sizeof(double));
        e[l] = malloc((size_t)B * SIZES[l + 1] * sizeof(double));
        for (size_t i = 0; i < n; i++)
            W[l][i] = wf[i];
        for (int i = 0; i < SIZES[l + 1]; i++)
            c[l][i] = cf[i];
        free(wf);
        free(cf);
    }
    for (int l = 0; l < NL - 1; l++) {
        size_t n = 0;
        Yf[l] = mu_param(f.net, BCN_PARAM_Y, l + 1, &n);
        Qf[l] = mu_param(f.net, BCN_PARAM_Q, l + 1, NULL);
        Y[l] = malloc(n * sizeof(double));
        Q[l] = malloc(n * sizeof(double));
        for (size_t i = 0; i < n; i++) {
            Y[l][i] = Yf[l][i];
            Q[l][i] = Qf[l][i];
        }
    }
    double x[B * 10];
    for (int i = 0; i < B * SIZES[0]; i++)
        x[i] = f.x[i];
    mu_forward_double(NL, SIZES, W, c, x, B, e);
    /* SPEC §5 sweep in double. */
    const double pb = cfg.p_baseline;
    double *b[NL], *u[NL - 1];
    for (int l = 0; l < NL; l++)
        b[l] = malloc((size_t)B * SIZES[l + 1] * sizeof(double));
    for (int i = 0; i < B * SIZES[NL]; i++) {
        double ev = e[NL - 1][i];
        b[NL - 1][i] = pb * (1 + (f.t[i] - ev) * (1 - ev)) * ev;
    }
    for (int l = NL - 2; l >= 0; l--) {
        int n = SIZES[l + 1], nup = SIZES[l + 2];
        u[l] = malloc((size_t)B * n * sizeof(double));
        for (int r = 0; r < B; r++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int i = 0; i < nup; i++)
                    s += b[l + 1][r * nup + i] * Y[l][i * n + j] - e[l + 1][r * nup + i] * Q[l][i * n + j];
                u[l][r * n + j] = s;
                double ev = e[l][r * n + j];
                b[l][r * n + j] = ev / (1 + exp(-4 * s * (1 - ev)));
            }
    }
    step(&f);
    for (int l = 0; l < NL - 1; l++) {
        int n = SIZES[l + 1], nup = SIZES[l + 2];
        size_t cnt = (size_t)n * nup;
        double *wy = malloc(cnt * sizeof *wy), *wq = malloc(cnt * sizeof *wq);
        for (int i = 0; i < nup; i++)
            for (int j = 0; j < n; j++) {
                double g = 0;
                for (int r = 0; r < B; r++)
                    g += e[l + 1][r * nup + i] * u[l][r * n + j];
                g /= B;
                wy[i * n + j] = Y[l][i * n + j] - cfg.y_lr * g;
                wq[i * n + j] = Q[l][i * n + j] + cfg.q_lr * g;
            }
        float *y1 = mu_param(f.net, BCN_PARAM_Y, l + 1, NULL), *q1 = mu_param(f.net, BCN_PARAM_Q, l + 1, NULL);
        /* the change itself must be right, not just the (large) weights */
        double *dy = malloc(cnt * sizeof *dy), *dq = malloc(cnt * sizeof *dq);
        float *gy = malloc(cnt * sizeof *gy), *gq = malloc(cnt * sizeof *gq);
        for (size_t i = 0; i < cnt; i++) {
            dy[i] = wy[i] - Y[l][i];
            dq[i] = wq[i] - Q[l][i];
            gy[i] = (float)((double)y1[i] - Y[l][i]);
            gq[i] = (float)((double)q1[i] - Q[l][i]);
        }
        double maxd = 0;
        for (size_t i = 0; i < cnt; i++)
            maxd = fmax(maxd, fabs(dy[i]));
        cr_expect(maxd > 1e-6, "layer %d: Y barely changed (%g)", l + 1, maxd);
        expect_vec(gy, dy, cnt, 1e-3, "ΔY");
        expect_vec(gq, dq, cnt, 1e-3, "ΔQ");
        free(wy); free(wq); free(dy); free(dq); free(gy); free(gq); free(y1); free(q1);
    }
    for (int l = 0; l < NL; l++) {
        free(W[l]); free(c[l]); free(e[l]); free(b[l]);
    }
    for (int l = 0; l < NL - 1; l++) {
        free(Y[l]); free(Q[l]); free(Yf[l]); free(Qf[l]); free(u[l]);
    }
    drop(&f);
}

/* Tied modes: after every update Y_l = y_scale W_{l+1} and Q_l = p_b Y_l. */
Test(updates, tied_after_update)
{
    bcn_net_config cfg = mu_config(BCN_RULE_BURSTCCN, NL, SIZES, 7);
    cfg.y_mode = BCN_FB_TIED;
    cfg.y_scale = 0.7f;
    cfg.q_mode = BCN_FB_TIED;
    cfg.y_lr = 0.1f; /* ignored for tied Y: tying wins */
    fixture f = make(cfg);
    step(&f);
    step(&f);
    for (int l = 1; l < NL; l++) {
        size_t n = 0;
        float *w = mu_param(f.net, BCN_PARAM_W, l + 1, &n);
        float *y = mu_param(f.net, BCN_PARAM_Y, l, NULL), *q = mu_param(f.net, BCN_PARAM_Q, l, NULL);
        double *wy = malloc(n * sizeof *wy), *wq = malloc(n * sizeof *wq);
        for (size_t i = 0; i < n; i++) {
            wy[i] = 0.7 * w[i];
            wq[i] = (double)cfg.p_baseline * y[i];
        }
        expect_vec(y, wy, n, 1e-7, "tied Y");
        expect_vec(q, wq, n, 1e-7, "tied Q");
        free(w); free(y); free(q); free(wy); free(wq);
    }
    drop(&f);
}

/* Sym Q starts as p_b Y and then moves freely under Q learning. */
Test(updates, sym_q_starts_tied_then_free)
{
    bcn_net_config cfg = mu_config(BCN_RULE_BURSTCCN, NL, SIZES, 8);
    cfg.q_mode = BCN_FB_SYM;
    cfg.q_lr = 0.5f;
    fixture f = make(cfg);
    size_t n = 0;
    float *y = mu_param(f.net, BCN_PARAM_Y, 1, &n), *q = mu_param(f.net, BCN_PARAM_Q, 1, NULL);
    for (size_t i = 0; i < n; i++)
        cr_assert_float_eq(q[i], 0.5f * y[i], 1e-7f);
    step(&f);
    float *q1 = mu_param(f.net, BCN_PARAM_Q, 1, NULL);
    double diff = 0;
    for (size_t i = 0; i < n; i++)
        diff = fmax(diff, fabs(q1[i] - q[i]));
    cr_expect(diff > 1e-6, "sym Q with q_lr > 0 must change (max change %g)", diff);
    free(y); free(q); free(q1);
    drop(&f);
}
