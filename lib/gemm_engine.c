/*
 * gemm_engine.c — the choice between the OpenCL backend's own GEMM kernels
 * and CLBlast (burstccn.h, bcn_gemm_engine): names, the context's setting
 * and $BURSTCCN_GEMM. The OpenCL backend applies it when a device opens
 * (lib/cl/cl_gemm.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

const char *bcn_gemm_engine_str(bcn_gemm_engine engine)
{
    switch (engine) {
    case BCN_GEMM_AUTO: return "auto";
    case BCN_GEMM_CLBLAST: return "clblast";
    case BCN_GEMM_OWN: return "own";
    default: return "default";
    }
}

bcn_status bcn_gemm_engine_parse(const char *text, bcn_gemm_engine *out)
{
    static const bcn_gemm_engine engines[] = {BCN_GEMM_AUTO, BCN_GEMM_CLBLAST, BCN_GEMM_OWN};
    for (size_t i = 0; text && out && i < sizeof engines / sizeof engines[0]; i++)
        if (strcasecmp(text, bcn_gemm_engine_str(engines[i])) == 0) {
            *out = engines[i];
            return BCN_OK;
        }
    return BCN_ERR_INVALID_ARG;
}

void bcn_ctx_set_gemm_engine(bcn_ctx *ctx, bcn_gemm_engine engine)
{
    if (ctx)
        ctx->gemm_engine = engine;
}

bcn_status bcn_ctx_gemm_engine(bcn_ctx *ctx, bcn_gemm_engine *out)
{
    *out = ctx->gemm_engine;
    if (*out != BCN_GEMM_DEFAULT)
        return BCN_OK;
    *out = BCN_GEMM_AUTO;
    const char *env = getenv("BURSTCCN_GEMM");
    if (env && *env && bcn_gemm_engine_parse(env, out) != BCN_OK)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                             "BURSTCCN_GEMM='%s': expected auto, own or clblast", env);
    return BCN_OK;
}

const char *bcn_ctx_gemm_name(const bcn_ctx *ctx)
{
    if (!ctx || !ctx->backend)
        return "";
    if (strcmp(ctx->backend->name, "cl") != 0)
        return ctx->backend->name;
#ifdef BCN_HAVE_OPENCL
    if (bcn_cl_gemm_own(ctx->backend))
        return bcn_ctx_gemm_tuned(ctx) ? "own (tuned)" : "own";
#endif
    return bcn_ctx_gemm_tuned(ctx) ? "clblast (tuned)" : "clblast";
}
