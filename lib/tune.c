/*
 * tune.c — the backend-independent part of GEMM tuning (burstccn.h,
 * "tuning"): modes, the context's warning, and bcn_net_tune, which derives
 * the shape mix from the network and hands it to the OpenCL tuner
 * (lib/cl/cl_tune.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gemm_shapes.h"
#include "internal.h"
#include "net/net_internal.h"

/* Evaluation runs the forward pass in chunks; its GEMMs weigh this much
 * per training step: a Fashion-MNIST epoch at batch 32 is 1875 steps and
 * evaluates 10 000 test images, 10 chunks of 1000. */
#define EVAL_CHUNKS_PER_STEP (10.0 / 1875.0)

const char *bcn_tune_mode_str(bcn_tune_mode mode)
{
    switch (mode) {
    case BCN_TUNE_AUTO: return "auto";
    case BCN_TUNE_OFF: return "off";
    case BCN_TUNE_FORCE: return "force";
    default: return "default";
    }
}

bcn_status bcn_tune_mode_parse(const char *text, bcn_tune_mode *out)
{
    static const bcn_tune_mode modes[] = {BCN_TUNE_AUTO, BCN_TUNE_OFF, BCN_TUNE_FORCE};
    for (size_t i = 0; text && out && i < sizeof modes / sizeof modes[0]; i++)
        if (strcasecmp(text, bcn_tune_mode_str(modes[i])) == 0) {
            *out = modes[i];
            return BCN_OK;
        }
    return BCN_ERR_INVALID_ARG;
}

void bcn_ctx_set_tune_mode(bcn_ctx *ctx, bcn_tune_mode mode)
{
    if (ctx)
        ctx->tune_mode = mode;
}

bcn_tune_mode bcn_ctx_tune_mode(const bcn_ctx *ctx)
{
    if (ctx && ctx->tune_mode != BCN_TUNE_DEFAULT)
        return ctx->tune_mode;
    const char *env = getenv("BURSTCCN_TUNE");
    bcn_tune_mode mode = BCN_TUNE_AUTO;
    if (env && bcn_tune_mode_parse(env, &mode) == BCN_OK && mode == BCN_TUNE_OFF)
        return BCN_TUNE_OFF;
    return BCN_TUNE_AUTO;
}

int bcn_ctx_gemm_tuned(const bcn_ctx *ctx)
{
#ifdef BCN_HAVE_OPENCL
    if (ctx && ctx->backend && strcmp(ctx->backend->name, "cl") == 0)
        return bcn_cl_gemm_tuned(ctx->backend);
#endif
    (void)ctx;
    return 0;
}

const char *bcn_ctx_warning(const bcn_ctx *ctx)
{
    return ctx ? ctx->warning : "";
}

#ifdef BCN_HAVE_OPENCL
/* Add shape g with weight w to the mix, merging repeats (same transposes,
 * sizes and beta's zero-ness). */
static void mix_add(bcn_gemm_shape *mix, double *weight, int *n, bcn_gemm_shape g, double w)
{
    for (int i = 0; i < *n; i++)
        if (mix[i].ta == g.ta && mix[i].tb == g.tb && mix[i].m == g.m && mix[i].n == g.n &&
            mix[i].k == g.k && (mix[i].beta == 0.0f) == (g.beta == 0.0f)) {
            weight[i] += w;
            return;
        }
    if (*n < BCN_TUNE_MAX_SHAPES) {
        mix[*n] = g;
        weight[(*n)++] = w;
    }
}
#endif

bcn_status bcn_net_tune(bcn_net *net, int batch, double budget_s, int force,
                        bcn_tune_progress progress, void *user, bcn_tune_result *out)
{
    bcn_tune_result local;
    bcn_tune_result *res = out ? out : &local;
    memset(res, 0, sizeof *res);
    if (!net)
        return BCN_ERR_INVALID_ARG;
    bcn_ctx *ctx = bcn_net_ctx(net);
    if (batch < 1 || !(budget_s > 0.0))
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                             "bcn_net_tune: batch %d and budget %g s must be positive", batch,
                             budget_s);
    bcn_backend *be = ctx->backend;
    if (strcmp(be->name, "cl") != 0)
        return BCN_OK; /* the reference backend has nothing to tune */
#ifdef BCN_HAVE_OPENCL
    const bcn_net_config *cfg = bcn_net_config_of(net);
    bcn_gemm_shape list[4 * BCN_TUNE_MAX_SHAPES], mix[BCN_TUNE_MAX_SHAPES];
    double weight[BCN_TUNE_MAX_SHAPES];
    int n_mix = 0;
    int max = (int)(sizeof list / sizeof list[0]);
    int n = bcn_step_gemm_shapes(cfg, batch, list, max);
    for (int i = 0; i < n && i < max; i++)
        mix_add(mix, weight, &n_mix, list[i], 1.0);
    n = bcn_forward_gemm_shapes(cfg, bcn_net_eval_chunk(net), list, max);
    for (int i = 0; i < n && i < max; i++)
        mix_add(mix, weight, &n_mix, list[i], EVAL_CHUNKS_PER_STEP);
    if (bcn_cl_gemm_own(be))
        return bcn_cl_tune_own(be, mix, weight, n_mix, budget_s, force, progress, user, res);
    return bcn_cl_tune(be, mix, weight, n_mix, budget_s, force, progress, user, res);
#else
    (void)force, (void)progress, (void)user;
    return BCN_OK;
#endif
}
