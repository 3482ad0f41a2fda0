/*
 * cl_devices.c — enumeration of OpenCL platforms and devices through the
 * ICD loader: the "cl:P:D" ids, device descriptions, and the message that
 * tells a user how to install a driver when there is none.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_internal.h"

#define INSTALL_HINT                                                                    \
    "install an OpenCL driver (ICD): on Debian/Ubuntu `apt-get install pocl-opencl-icd` " \
    "for the CPU, or your GPU vendor's ICD (nvidia-opencl-icd, mesa-opencl-icd, "       \
    "intel-opencl-icd, ...); `clinfo -l` shows what the ICD loader finds"

/* The platform ids (malloc'd into *out, *n of them). No platform at all —
 * CL_PLATFORM_NOT_FOUND_KHR from the ICD loader, or a count of 0 — is
 * BCN_ERR_NO_DEVICE with the install hint. */
static bcn_status platform_ids(bcn_ctx *ctx, cl_platform_id **out, cl_uint *n)
{
    *out = NULL;
    *n = 0;
    cl_uint np = 0;
    cl_int err = clGetPlatformIDs(0, NULL, &np);
    if (err == -1001 /* CL_PLATFORM_NOT_FOUND_KHR */ || (err == CL_SUCCESS && np == 0))
        return bcn_set_error(ctx, BCN_ERR_NO_DEVICE, "no OpenCL platform found: " INSTALL_HINT);
    if (err != CL_SUCCESS) {
        bcn_cl_fail(ctx, err, "clGetPlatformIDs", NULL);
        bcn_append_error(ctx, "; " INSTALL_HINT);
        return BCN_ERR_NO_DEVICE;
    }
    cl_platform_id *ids = malloc(np * sizeof *ids);
    if (!ids)
        return bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory listing OpenCL platforms");
    err = clGetPlatformIDs(np, ids, NULL);
    if (err != CL_SUCCESS) {
        free(ids);
        return bcn_cl_fail(ctx, err, "clGetPlatformIDs", NULL);
    }
    *out = ids;
    *n = np;
    return BCN_OK;
}

/* The device ids of one platform (malloc'd; *n may be 0 with *out NULL).
 * CL_DEVICE_NOT_FOUND means an empty platform, not an error. */
static bcn_status device_ids(bcn_ctx *ctx, cl_platform_id pid, cl_device_id **out, cl_uint *n)
{
    *out = NULL;
    *n = 0;
    cl_uint nd = 0;
    cl_int err = clGetDeviceIDs(pid, CL_DEVICE_TYPE_ALL, 0, NULL, &nd);
    if (err == CL_DEVICE_NOT_FOUND || (err == CL_SUCCESS && nd == 0))
        return BCN_OK;
    if (err != CL_SUCCESS)
        return bcn_cl_fail(ctx, err, "clGetDeviceIDs", NULL);
    cl_device_id *ids = malloc(nd * sizeof *ids);
    if (!ids)
        return bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory listing OpenCL devices");
    err = clGetDeviceIDs(pid, CL_DEVICE_TYPE_ALL, nd, ids, NULL);
    if (err != CL_SUCCESS) {
        free(ids);
        return bcn_cl_fail(ctx, err, "clGetDeviceIDs", NULL);
    }
    *out = ids;
    *n = nd;
    return BCN_OK;
}

bcn_status bcn_cl_device_ids(bcn_ctx *ctx, int p, int d, cl_platform_id *pid, cl_device_id *did)
{
    cl_platform_id *plats = NULL;
    cl_device_id *devs = NULL;
    cl_uint np = 0, nd = 0;
    bcn_status st = platform_ids(ctx, &plats, &np);
    if (st != BCN_OK) { /* say which device was wanted, then why none is there */
        char *why = strdup(bcn_errmsg(ctx));
        if (why)
            bcn_set_error(ctx, st, "cannot open OpenCL device cl:%d:%d: %s", p, d, why);
        free(why);
        return st;
    }
    if (p < 0 || (cl_uint)p >= np) {
        st = bcn_set_error(ctx, BCN_ERR_NO_DEVICE,
                           "no OpenCL platform %d (there %s %u; `burstccn devices` lists them)", p,
                           np == 1 ? "is" : "are", np);
        goto fail;
    }
    st = device_ids(ctx, plats[p], &devs, &nd);
    if (st != BCN_OK)
        goto fail;
    if (d < 0 || (cl_uint)d >= nd) {
        st = bcn_set_error(ctx, BCN_ERR_NO_DEVICE,
                           "no OpenCL device %d on platform %d (it has %u; `burstccn devices` "
                           "lists them)",
                           d, p, nd);
        goto fail;
    }
    *pid = plats[p];
    *did = devs[d];
fail:
    free(devs);
    free(plats);
    return st;
}

/* Copy a string-valued device or platform property into dst (truncating,
 * always NUL-terminated). Exactly one of dev / plat is used. */
static bcn_status info_string(bcn_ctx *ctx, cl_device_id dev, cl_platform_id plat,
                              cl_uint param, char *dst, size_t cap)
{
    size_t len = 0;
    cl_int err = dev ? clGetDeviceInfo(dev, param, 0, NULL, &len)
                     : clGetPlatformInfo(plat, param, 0, NULL, &len);
    if (err != CL_SUCCESS)
        return bcn_cl_fail(ctx, err, dev ? "clGetDeviceInfo" : "clGetPlatformInfo", NULL);
    char *tmp = malloc(len + 1);
    if (!tmp)
        return bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory reading OpenCL device info");
    err = dev ? clGetDeviceInfo(dev, param, len, tmp, NULL)
              : clGetPlatformInfo(plat, param, len, tmp, NULL);
    if (err != CL_SUCCESS) {
        free(tmp);
        return bcn_cl_fail(ctx, err, dev ? "clGetDeviceInfo" : "clGetPlatformInfo", NULL);
    }
    tmp[len] = '\0';
    snprintf(dst, cap, "%s", tmp);
    free(tmp);
    return BCN_OK;
}

bcn_status bcn_cl_device_info(bcn_ctx *ctx, int p, int d, cl_platform_id pid, cl_device_id did,
                              bcn_device_info *info)
{
    memset(info, 0, sizeof *info);
    snprintf(info->id, sizeof info->id, "cl:%d:%d", p, d);
    snprintf(info->backend, sizeof info->backend, "cl");
    cl_device_type type = 0;
    cl_uint units = 0;
    cl_ulong mem = 0;
    cl_int err = clGetDeviceInfo(did, CL_DEVICE_TYPE, sizeof type, &type, NULL);
    if (err == CL_SUCCESS)
        err = clGetDeviceInfo(did, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof units, &units, NULL);
    if (err == CL_SUCCESS)
        err = clGetDeviceInfo(did, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof mem, &mem, NULL);
    if (err != CL_SUCCESS)
        return bcn_cl_fail(ctx, err, "clGetDeviceInfo", info->id);
    info->type = (type & CL_DEVICE_TYPE_GPU)           ? BCN_DEVICE_GPU
                 : (type & CL_DEVICE_TYPE_ACCELERATOR) ? BCN_DEVICE_ACCELERATOR
                 : (type & CL_DEVICE_TYPE_CPU)         ? BCN_DEVICE_CPU
                                                       : BCN_DEVICE_OTHER;
    info->compute_units = units;
    info->global_mem_bytes = mem;
    bcn_status st = info_string(ctx, did, NULL, CL_DEVICE_NAME, info->name, sizeof info->name);
    if (st == BCN_OK)
        st = info_string(ctx, did, NULL, CL_DEVICE_VENDOR, info->vendor, sizeof info->vendor);
    if (st == BCN_OK)
        st = info_string(ctx, did, NULL, CL_DEVICE_VERSION, info->version, sizeof info->version);
    if (st == BCN_OK)
        st = info_string(ctx, did, NULL, CL_DRIVER_VERSION, info->driver, sizeof info->driver);
    if (st == BCN_OK)
        st = info_string(ctx, NULL, pid, CL_PLATFORM_NAME, info->platform,
                         sizeof info->platform);
    return st;
}

bcn_status bcn_cl_list_devices(bcn_ctx *ctx, bcn_device_info **out, size_t *count)
{
    if (!out || !count)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "bcn_cl_list_devices: NULL output");
    *out = NULL;
    *count = 0;
    cl_platform_id *plats = NULL;
    cl_device_id *devs = NULL;
    bcn_device_info *list = NULL;
    size_t n = 0;
    cl_uint np = 0;
    char skipped[512] = ""; /* platforms that failed to list their devices */
    bcn_status st = platform_ids(ctx, &plats, &np);
    if (st != BCN_OK)
        return st;
    for (cl_uint p = 0; p < np; p++) {
        cl_uint nd = 0;
        st = device_ids(ctx, plats[p], &devs, &nd);
        if (st == BCN_ERR_NOMEM)
            goto fail;
        if (st != BCN_OK) { /* one broken platform must not hide the others */
            size_t used = strlen(skipped);
            snprintf(skipped + used, sizeof skipped - used, "%splatform %u: %s",
                     used ? "; " : "", p, bcn_errmsg(ctx));
            continue;
        }
        if (nd) {
            bcn_device_info *grown = realloc(list, (n + nd) * sizeof *list);
            if (!grown) {
                st = bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory listing OpenCL devices");
                goto fail;
            }
            list = grown;
        }
        for (cl_uint d = 0; d < nd; d++) {
            st = bcn_cl_device_info(ctx, (int)p, (int)d, plats[p], devs[d], &list[n]);
            if (st != BCN_OK)
                goto fail;
            n++;
        }
        free(devs);
        devs = NULL;
    }
    if (n == 0) {
        st = bcn_set_error(ctx, BCN_ERR_NO_DEVICE,
                           "%u OpenCL platform%s found but no device%s%s: " INSTALL_HINT, np,
                           np == 1 ? "" : "s", skipped[0] ? " — " : "", skipped);
        goto fail;
    }
    bcn_clear_error(ctx);
    *out = list;
    *count = n;
    list = NULL;
    st = BCN_OK;
fail:
    free(list);
    free(devs);
    free(plats);
    return st;
}
