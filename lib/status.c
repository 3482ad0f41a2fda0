/*
 * status.c — status strings, the context and its error message, and the
 * names of rules, feedback modes and optimisers.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "internal.h"

const char *bcn_status_str(bcn_status status)
{
    switch (status) {
#define BCN_STATUS_CASE_(name, value, text) \
    case name:                              \
        return text;
        BCN_STATUS_LIST(BCN_STATUS_CASE_)
#undef BCN_STATUS_CASE_
    }
    return "unknown status";
}

const char *bcn_version(void) { return PACKAGE_VERSION; }

bcn_ctx *bcn_ctx_new(void)
{
    bcn_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    ctx->msg = calloc(1, 256);
    if (!ctx->msg) {
        free(ctx);
        return NULL;
    }
    ctx->msg_cap = 256;
    return ctx;
}

void bcn_ctx_free(bcn_ctx *ctx)
{
    if (!ctx)
        return;
    if (ctx->backend)
        ctx->backend->destroy(ctx->backend);
    free(ctx->msg);
    free(ctx);
}

const char *bcn_errmsg(const bcn_ctx *ctx)
{
    if (!ctx)
        return "no context (out of memory?)";
    return ctx->msg ? ctx->msg : "";
}

bcn_status bcn_errcode(const bcn_ctx *ctx) { return ctx ? ctx->status : BCN_ERR_NOMEM; }

void bcn_clear_error(bcn_ctx *ctx)
{
    if (!ctx)
        return;
    ctx->status = BCN_OK;
    if (ctx->msg)
        ctx->msg[0] = '\0';
}

/* Append formatted text to ctx->msg, growing it as needed; on allocation
 * failure the message is truncated rather than lost. */
static void msg_vappend(bcn_ctx *ctx, const char *fmt, va_list ap)
{
    size_t len = strlen(ctx->msg);
    va_list aq;
    va_copy(aq, ap);
    int need = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (need < 0)
        return;
    if (len + (size_t)need + 1 > ctx->msg_cap) {
        size_t cap = len + (size_t)need + 1;
        char *grown = realloc(ctx->msg, cap);
        if (grown) {
            ctx->msg = grown;
            ctx->msg_cap = cap;
        }
    }
    vsnprintf(ctx->msg + len, ctx->msg_cap - len, fmt, ap);
}

bcn_status bcn_set_error(bcn_ctx *ctx, bcn_status status, const char *fmt, ...)
{
    if (!ctx)
        return status;
    ctx->status = status;
    ctx->msg[0] = '\0';
    va_list ap;
    va_start(ap, fmt);
    msg_vappend(ctx, fmt, ap);
    va_end(ap);
    return status;
}

void bcn_append_error(bcn_ctx *ctx, const char *fmt, ...)
{
    if (!ctx)
        return;
    va_list ap;
    va_start(ap, fmt);
    msg_vappend(ctx, fmt, ap);
    va_end(ap);
}

double bcn_now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

bcn_status bcn_ctx_finish(bcn_ctx *ctx)
{
    if (!ctx)
        return BCN_ERR_INVALID_ARG;
    if (!ctx->backend)
        return bcn_set_error(ctx, BCN_ERR_STATE, "no device is open on this context");
    return ctx->backend->finish(ctx->backend);
}

/* ---- names ---- */

static const char *const rule_names[BCN_RULE_COUNT] = {"burstccn", "burstprop", "fa",
                                                       "backprop"};
static const char *const fb_names[] = {"random", "sym", "tied", "wsym"};
static const char *const opt_names[] = {"sgd", "momentum", "adam"};

/* Index of `text` in names[0..n) (case-insensitive), or -1. */
static int name_index(const char *const *names, int n, const char *text)
{
    if (!text)
        return -1;
    for (int i = 0; i < n; i++)
        if (strcasecmp(names[i], text) == 0)
            return i;
    return -1;
}

const char *bcn_rule_str(bcn_rule rule)
{
    return (unsigned)rule < BCN_RULE_COUNT ? rule_names[rule] : "unknown";
}

bcn_status bcn_rule_parse(const char *text, bcn_rule *out)
{
    if (!text || !out)
        return BCN_ERR_INVALID_ARG;
    int i = name_index(rule_names, BCN_RULE_COUNT, text);
    if (i < 0)
        return BCN_ERR_INVALID_ARG;
    *out = (bcn_rule)i;
    return BCN_OK;
}

const char *bcn_fb_mode_str(bcn_fb_mode mode)
{
    return (unsigned)mode < 4 ? fb_names[mode] : "unknown";
}

bcn_status bcn_fb_mode_parse(const char *text, bcn_fb_mode *out)
{
    if (!text || !out)
        return BCN_ERR_INVALID_ARG;
    int i = name_index(fb_names, 4, text);
    if (i < 0)
        return BCN_ERR_INVALID_ARG;
    *out = (bcn_fb_mode)i;
    return BCN_OK;
}

const char *bcn_optimizer_str(bcn_optimizer opt)
{
    return (unsigned)opt < 3 ? opt_names[opt] : "unknown";
}

bcn_status bcn_optimizer_parse(const char *text, bcn_optimizer *out)
{
    if (!text || !out)
        return BCN_ERR_INVALID_ARG;
    int i = name_index(opt_names, 3, text);
    if (i < 0)
        return BCN_ERR_INVALID_ARG;
    *out = (bcn_optimizer)i;
    return BCN_OK;
}

const char *bcn_device_type_str(bcn_device_type type)
{
    switch (type) {
    case BCN_DEVICE_REF: return "ref";
    case BCN_DEVICE_CPU: return "cpu";
    case BCN_DEVICE_GPU: return "gpu";
    case BCN_DEVICE_ACCELERATOR: return "accelerator";
    default: return "other";
    }
}
