/*
 * counters.c — bcn_ctx_counters: the open backend's count of kernel
 * launches, BLAS calls and host<->device transfers (kept by each backend
 * in bcn_backend.counters).
 */
#include "config.h"

#include "internal.h"

bcn_status bcn_ctx_counters(bcn_ctx *ctx, int reset, bcn_counters *out)
{
    if (!ctx)
        return BCN_ERR_INVALID_ARG;
    if (!ctx->backend)
        return bcn_set_error(ctx, BCN_ERR_STATE, "bcn_ctx_counters: no device is open on this context");
    if (out)
        *out = ctx->backend->counters;
    if (reset)
        ctx->backend->counters = (bcn_counters){0, 0, 0, 0};
    return BCN_OK;
}
