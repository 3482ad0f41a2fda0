/*
 * test_backprop_fd.c — backprop's ∇W and ∇c (SPEC §3) against central
 * finite differences, in double precision, of ½ Σ‖t − e_L‖² / B, on small
 * random networks of several depths.
 */
#include "model_util.h"

/* ½ Σ ‖t − e_L‖² / B for double parameters. */
static double loss_of(int L, const int *sizes, double **W, double **c, const double *x,
                      const double *t, int B)
{
    double *e[8];
    for (int l = 0; l < L; l++)
        e[l] = malloc((size_t)B * sizes[l + 1] * sizeof(double));
    mu_forward_double(L, sizes, W, c, x, B, e);
    double s = 0;
    for (size_t i = 0; i < (size_t)B * sizes[L]; i++) {
        double d = t[i] - e[L - 1][i];
        s += d * d;
    }
    for (int l = 0; l < L; l++)
        free(e[l]);
    return 0.5 * s / B;
}

static void check_fd(int L, const int *sizes, int B, uint64_t seed)
{
    bcn_ctx *ctx = mu_ctx("ref");
    bcn_net_config cfg = mu_config(BCN_RULE_BACKPROP, L, sizes, seed);
    bcn_net *net = mu_net(ctx, &cfg);
    float *xf = mu_uniform(seed + 1, (size_t)B * sizes[0], 0.0, 1.0);
    float *tf = mu_onehot(seed + 2, B, sizes[L]);
    /* Non-zero biases so ∇c is exercised away from the initial point. */
    for (int l = 1; l <= L; l++) {
        float *cb = mu_uniform(seed + 10 + l, (size_t)sizes[l], -0.5, 0.5);
        cr_assert_eq(bcn_net_set_param(net, BCN_PARAM_C, l, cb), BCN_OK);
        free(cb);
    }
    cr_assert_eq(bcn_net_compute_signals(net, xf, tf, B, BCN_RULE_BIT(BCN_RULE_BACKPROP)),
                 BCN_OK, "%s", bcn_errmsg(ctx));

    double *x = malloc((size_t)B * sizes[0] * sizeof *x), *t = malloc((size_t)B * sizes[L] * sizeof *t);
    for (size_t i = 0; i < (size_t)B * sizes[0]; i++)
        x[i] = xf[i];
    for (size_t i = 0; i < (size_t)B * sizes[L]; i++)
        t[i] = tf[i];
    double *W[8], *c[8];
    for (int l = 0; l < L; l++) {
        size_t nw = 0;
        float *wf = mu_param(net, BCN_PARAM_W, l + 1, &nw), *cf = mu_param(net, BCN_PARAM_C, l + 1, NULL);
        W[l] = malloc(nw * sizeof(double));
        c[l] = malloc((size_t)sizes[l + 1] * sizeof(double));
        for (size_t i = 0; i < nw; i++)
            W[l][i] = wf[i];
        for (int i = 0; i < sizes[l + 1]; i++)
            c[l][i] = cf[i];
        free(wf);
        free(cf);
    }
    const double h = 1e-6;
    for (int l = 0; l < L; l++) {
        float *gc = NULL;
        float *gw = mu_signal(net, BCN_RULE_BACKPROP, l + 1, &gc);
        size_t nw = (size_t)sizes[l + 1] * sizes[l];
        double maxfd = 0, maxerr = 0;
        for (size_t i = 0; i < nw + (size_t)sizes[l + 1]; i++) {
            double *p = i < nw ? &W[l][i] : &c[l][i - nw];
            double g = i < nw ? gw[i] : gc[i - nw];
            double old = *p;
            *p = old + h;
            double lp = loss_of(L, sizes, W, c, x, t, B);
            *p = old - h;
            double lm = loss_of(L, sizes, W, c, x, t, B);
            *p = old;
            double fd = (lp - lm) / (2 * h);
            if (fabs(fd) > maxfd)
                maxfd = fabs(fd);
            if (fabs(fd - g) > maxerr)
                maxerr = fabs(fd - g);
        }
        cr_expect(maxfd > 1e-6, "layer %d: gradient vanishes, test is meaningless", l + 1);
        cr_expect(maxerr <= 1e-4 * maxfd + 1e-8,
                  "layer %d: max |bp - fd| = %g vs max |fd| = %g", l + 1, maxerr, maxfd);
        free(gw);
        free(gc);
    }
    for (int l = 0; l < L; l++) {
        free(W[l]);
        free(c[l]);
    }
    free(x);
    free(t);
    free(xf);
    free(tf);
    bcn_net_destroy(net);
    bcn_ctx_free(ctx);
}

Test(backprop_fd, one_layer) { check_fd(1, (const int[]){5, 3}, 4, 11); }
Test(backprop_fd, two_layers) { check_fd(2, (const int[]){5, 4, 3}, 3, 12); }
Test(backprop_fd, four_layers) { check_fd(4, (const int[]){6, 7, 5, 4, 3}, 5, 13); }
Test(backprop_fd, batch_one_wide) { check_fd(3, (const int[]){9, 12, 8, 2}, 1, 14); }
