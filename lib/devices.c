/*
 * devices.c — the device registry: lists the ref backend and every OpenCL
 * device, resolves a --device spec to one of them and opens it.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void ref_info(bcn_device_info *info)
{
    memset(info, 0, sizeof *info);
    snprintf(info->id, sizeof info->id, "ref");
    snprintf(info->backend, sizeof info->backend, "ref");
    info->type = BCN_DEVICE_REF;
    snprintf(info->name, sizeof info->name, "reference backend (plain C, double accumulation)");
    snprintf(info->vendor, sizeof info->vendor, "libburstccn");
    info->compute_units = 1;
}

bcn_status bcn_devices_list(bcn_ctx *ctx, bcn_device_info **out, size_t *count)
{
    if (!ctx)
        return BCN_ERR_INVALID_ARG;
    if (!out || !count)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "bcn_devices_list: NULL output");
    *out = NULL;
    *count = 0;
    bcn_device_info *cl = NULL;
    size_t ncl = 0;
#ifdef BCN_HAVE_OPENCL
    bcn_status st = bcn_cl_list_devices(ctx, &cl, &ncl);
    if (st == BCN_ERR_NOMEM)
        return st;
    if (st != BCN_OK) { /* message kept on ctx: why OpenCL adds nothing */
        free(cl);
        cl = NULL;
        ncl = 0;
    }
#else
    bcn_set_error(ctx, BCN_OK, "this build has no OpenCL backend (configured with --disable-opencl)");
#endif
    bcn_device_info *list = calloc(ncl + 1, sizeof *list);
    if (!list) {
        free(cl);
        return bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory listing devices");
    }
    ref_info(&list[0]);
    if (ncl)
        memcpy(list + 1, cl, ncl * sizeof *cl);
    free(cl);
    *out = list;
    *count = ncl + 1;
    return BCN_OK;
}

void bcn_devices_free(bcn_device_info *list) { free(list); }

/* Case-insensitive substring test. */
static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] &&
               tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return 1;
    }
    return n == 0;
}

bcn_status bcn_device_resolve(bcn_ctx *ctx, const char *spec, bcn_device_info *out)
{
    if (!ctx)
        return BCN_ERR_INVALID_ARG;
    if (!out)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "bcn_device_resolve: NULL output");
    bcn_device_info *list = NULL;
    size_t n = 0;
    bcn_status st = bcn_devices_list(ctx, &list, &n);
    if (st != BCN_OK)
        return st;
    char why[1024];
    snprintf(why, sizeof why, "%s", bcn_errmsg(ctx));
    int found = -1;
    if (!spec || !*spec) { /* default: first OpenCL device, else ref */
        found = n > 1 ? 1 : 0;
    } else if (strcmp(spec, "ref") == 0) {
        found = 0;
    } else if (strcmp(spec, "cl") == 0) { /* first GPU, else first device */
        for (size_t i = 1; i < n && found < 0; i++)
            if (list[i].type == BCN_DEVICE_GPU)
                found = (int)i;
        if (found < 0 && n > 1)
            found = 1;
    } else if (strncmp(spec, "cl:", 3) == 0) {
        for (size_t i = 1; i < n && found < 0; i++)
            if (strcmp(list[i].id, spec) == 0)
                found = (int)i;
    } else {
        for (size_t i = 1; i < n && found < 0; i++)
            if (contains_ci(list[i].name, spec))
                found = (int)i;
    }
    if (found < 0) {
        st = bcn_set_error(ctx, BCN_ERR_NO_DEVICE,
                           "no device matches '%s' (run `burstccn devices` to list them; "
                           "valid: ref, cl, cl:P:D or part of a device name)",
                           spec ? spec : "");
        if (n == 1 && why[0])
            bcn_append_error(ctx, "; %s", why);
        free(list);
        return st;
    }
    *out = list[found];
    free(list);
    bcn_clear_error(ctx);
    return BCN_OK;
}

bcn_status bcn_ctx_open_device(bcn_ctx *ctx, const char *spec)
{
    if (!ctx)
        return BCN_ERR_INVALID_ARG;
    ctx->warning[0] = '\0';
    if (ctx->n_nets > 0) /* they point at the backend this would free */
        return bcn_set_error(ctx, BCN_ERR_STATE,
                             "bcn_ctx_open_device: %d network%s still live%s on %s; destroy "
                             "them first (or use another context)",
                             ctx->n_nets, ctx->n_nets == 1 ? "" : "s",
                             ctx->n_nets == 1 ? "s" : "", ctx->backend->info.id);
    bcn_device_info info;
    bcn_status st = bcn_device_resolve(ctx, spec, &info);
    if (st != BCN_OK)
        return st;
    bcn_backend *be = NULL;
    if (strcmp(info.backend, "ref") == 0) {
        st = bcn_backend_ref_create(ctx, &be);
    } else {
#ifdef BCN_HAVE_OPENCL
        int p = 0, d = 0;
        if (sscanf(info.id, "cl:%d:%d", &p, &d) != 2)
            return bcn_set_error(ctx, BCN_ERR_NO_DEVICE, "bad OpenCL device id '%s'", info.id);
        st = bcn_backend_cl_create(ctx, p, d, &be);
#else
        st = bcn_set_error(ctx, BCN_ERR_NO_DEVICE, "no OpenCL backend in this build");
#endif
    }
    if (st != BCN_OK)
        return st;
    be->info = info;
    if (ctx->backend)
        ctx->backend->destroy(ctx->backend);
    ctx->backend = be;
    return BCN_OK;
}

bcn_status bcn_ctx_device(const bcn_ctx *ctx, bcn_device_info *out)
{
    if (!ctx)
        return BCN_ERR_INVALID_ARG;
    /* The context is const to the caller but not an object defined const:
     * it may carry the message. */
    if (!out)
        return bcn_set_error((bcn_ctx *)ctx, BCN_ERR_INVALID_ARG, "bcn_ctx_device: NULL output");
    if (!ctx->backend)
        return bcn_set_error((bcn_ctx *)ctx, BCN_ERR_STATE,
                             "bcn_ctx_device: no device is open on this context");
    *out = ctx->backend->info;
    return BCN_OK;
}
