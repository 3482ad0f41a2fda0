/*
 * model_util.h — helpers for the model tests: a ref-backend network from a
 * layer list, random inputs, parameter read-back, and an independent
 * double-precision forward pass written straight from SPEC §2.
 */
#ifndef BCN_TEST_MODEL_UTIL_H
#define BCN_TEST_MODEL_UTIL_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "burstccn.h"

/* Open `device` on a fresh context; fails the test with the message. */
static inline bcn_ctx *mu_ctx(const char *device)
{
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_not_null(ctx);
    bcn_status st = bcn_ctx_open_device(ctx, device);
    cr_assert_eq(st, BCN_OK, "open %s: %s", device, bcn_errmsg(ctx));
    return ctx;
}

/* Config for the layer widths sizes[0..L] with the given rule. */
static inline bcn_net_config mu_config(bcn_rule rule, int L, const int *sizes, uint64_t seed)
{
    bcn_net_config cfg;
    bcn_net_config_init(&cfg, rule);
    bcn_net_config_set_dense(&cfg, sizes[0], L - 1, sizes + 1, sizes[L]);
    cfg.seed = seed;
    return cfg;
}

static inline bcn_net *mu_net(bcn_ctx *ctx, const bcn_net_config *cfg)
{
    bcn_net *net = NULL;
    bcn_status st = bcn_net_create(ctx, cfg, &net);
    cr_assert_eq(st, BCN_OK, "net create: %s", bcn_errmsg(ctx));
    return net;
}

/* n uniform floats in [lo, hi) from a seeded generator. */
static inline float *mu_uniform(uint64_t seed, size_t n, double lo, double hi)
{
    bcn_rng rng;
    bcn_rng_seed(&rng, seed);
    float *v = malloc(n * sizeof *v);
    cr_assert_not_null(v);
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(lo + (hi - lo) * bcn_rng_uniform(&rng));
    return v;
}

/* One-hot targets for labels drawn from the seed. */
static inline float *mu_onehot(uint64_t seed, int batch, int classes)
{
    bcn_rng rng;
    bcn_rng_seed(&rng, seed);
    float *t = calloc((size_t)batch * classes, sizeof *t);
    cr_assert_not_null(t);
    for (int r = 0; r < batch; r++)
        t[(size_t)r * classes + bcn_rng_below(&rng, (uint64_t)classes)] = 1.0f;
    return t;
}

/* Read a parameter into a new array (count in *n if n != NULL). */
static inline float *mu_param(bcn_net *net, bcn_param p, int layer, size_t *n)
{
    int r = 0, c = 0;
    cr_assert_eq(bcn_net_param_shape(net, p, layer, &r, &c), BCN_OK);
    float *v = malloc((size_t)r * c * sizeof *v);
    cr_assert_not_null(v);
    cr_assert_eq(bcn_net_get_param(net, p, layer, v), BCN_OK, "%s",
                 bcn_errmsg(bcn_net_ctx(net)));
    if (n)
        *n = (size_t)r * c;
    return v;
}

/* Read ∇W_l (and ∇c_l into *gc if gc != NULL) of a rule. */
static inline float *mu_signal(bcn_net *net, bcn_rule rule, int layer, float **gc)
{
    int rw = 0, cw = 0, rc = 0;
    cr_assert_eq(bcn_net_param_shape(net, BCN_PARAM_W, layer, &rw, &cw), BCN_OK);
    cr_assert_eq(bcn_net_param_shape(net, BCN_PARAM_C, layer, &rc, NULL), BCN_OK);
    size_t nw = (size_t)rw * cw;
    float *gw = malloc(nw * sizeof *gw);
    float *c = malloc((size_t)rc * sizeof *c);
    cr_assert(gw && c);
    cr_assert_eq(bcn_net_get_signal(net, rule, layer, gw, c), BCN_OK, "%s",
                 bcn_errmsg(bcn_net_ctx(net)));
    if (gc)
        *gc = c;
    else
        free(c);
    return gw;
}

/* Targets that make the output error signal δ_L = (e − t) e (1 − e) about
 * ±eps per element: t = e ± eps / (e (1 − e)), the step capped at 0.05. */
static inline float *mu_near_targets(bcn_net *net, const float *x, int B, double eps,
                                     uint64_t seed)
{
    const bcn_net_config *cfg = bcn_net_config_of(net);
    int nL = cfg->layers[cfg->n_layers - 1].units;
    float *t = malloc((size_t)B * nL * sizeof *t);
    cr_assert_not_null(t);
    cr_assert_eq(bcn_net_forward(net, x, B, t), BCN_OK);
    bcn_rng rng;
    bcn_rng_seed(&rng, seed);
    for (size_t i = 0; i < (size_t)B * nL; i++) {
        double e = t[i], step = fmin(eps / (e * (1.0 - e)), 0.05);
        t[i] = (float)(e + (bcn_rng_uniform(&rng) < 0.5 ? -step : step));
    }
    return t;
}

/* ||a - b|| / ||b|| in double. */
static inline double mu_rel_err(const float *a, const float *b, size_t n)
{
    double d = 0, nb = 0;
    for (size_t i = 0; i < n; i++) {
        double x = (double)a[i] - (double)b[i];
        d += x * x;
        nb += (double)b[i] * b[i];
    }
    return nb > 0 ? sqrt(d / nb) : sqrt(d);
}

/* Independent double forward pass (SPEC §2): W[l], c[l] are the float
 * parameters of layer l+1; e[l] (batch x sizes[l+1]) receives the rates. */
static inline void mu_forward_double(int L, const int *sizes, double *const *W,
                                     double *const *c, const double *x, int batch,
                                     double **e)
{
    for (int l = 0; l < L; l++) {
        const double *in = l == 0 ? x : e[l - 1];
        int nin = sizes[l], nout = sizes[l + 1];
        for (int r = 0; r < batch; r++)
            for (int j = 0; j < nout; j++) {
                double v = c[l][j];
                for (int k = 0; k < nin; k++)
                    v += in[(size_t)r * nin + k] * W[l][(size_t)j * nin + k];
                e[l][(size_t)r * nout + j] = 1.0 / (1.0 + exp(-v));
            }
    }
}

#endif
