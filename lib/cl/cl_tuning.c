/*
 * cl_tuning.c — work-group shapes of the OpenCL kernels: a small table by
 * vendor and device type (after CLBlast's database), overridable through
 * $BURSTCCN_CL_TUNING, clamped to the device's limits.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_internal.h"

/* Defaults by vendor and device type, in the manner of CLBlast's database:
 * first match wins, the last row is the fallback. Work-groups of 256 suit
 * every current GPU; colsum tiles are one warp/wavefront of columns wide so
 * that loads of a row are coalesced. On CPUs (PoCL, Intel, AMD) a work-group
 * runs as a loop on one core and every barrier splits that loop, so colsum
 * uses one row lane (no tree) over 128 adjacent columns: measured on PoCL
 * (2 AVX-512 cores), 5x faster than 16 x 8 tiles on 32 x 500 and as fast on
 * 1000 x 1025. colsum over an inner extent (conv bias gradients) runs one
 * work-group per channel: GPUs fill a whole group; on PoCL 16 lanes were
 * the fastest of 8 to 256 (32 x 256 x 9: about 0.13 ms with 16 lanes, 0.8
 * with 256, 0.25 with one serial work-item per channel; 32 x 64 x 144:
 * 0.35, 0.55, 1.0).
 *
 * The own GEMM kernels (kernels/gemm.cl) are the default on CPUs, where
 * CLBlast's kernels (written for GPUs: local memory, barriers) ran the
 * training step's shapes at 4-14 GFLOP/s and ours at 70-115 on PoCL (2
 * AVX-512 cores, measured with a stand-alone driver alternating both on
 * 32x500x784 NT, 32x500x500 NN, 500x784x32 TN): one register tile per
 * work-item, vector width = the device's native float width (16 on
 * AVX-512, else 8; 0 in the table means "ask the device"), 8 rows x 1
 * vector per work-item when op(B) = B, 2 x 4 dot products when op(B) = Bᵀ
 * (of 4x16 ... 16x16 and 1x8 ... 4x4, these were fastest). GPUs keep
 * CLBlast, tuned per device (cl_tune.c).
 *
 * The element-wise and burst kernels take ew_vw consecutive floats per
 * work-item: 4 on GPUs (float4 loads), the native float width on CPUs (0 in
 * the table; 16 on AVX-512). On PoCL (2 AVX-512 cores, shared) a training
 * step of 784-500-500-500-10 at batch 32 took, median step time of 7-9
 * alternated repetitions, ew 1 / ew 4 = 1.11-1.34 and ew 16 / ew 4 =
 * 0.86-0.96 (ew 8 / ew 4 = 0.91-0.98) across the four rules. */
typedef struct tuning_row {
    const char *vendor; /* substring of CL_DEVICE_VENDOR, NULL = any */
    cl_device_type type;
    bcn_cl_tuning tune;
} tuning_row;

static const tuning_row tuning_table[] = {
    {"NVIDIA", CL_DEVICE_TYPE_GPU, {256, 32, 8, 8, 256, 256, 0, 8, 2, 4, 0, 4}},
    {"Advanced Micro Devices", CL_DEVICE_TYPE_GPU, {256, 64, 4, 8, 256, 256, 0, 8, 2, 4, 0, 4}},
    {"AMD", CL_DEVICE_TYPE_GPU, {256, 64, 4, 8, 256, 256, 0, 8, 2, 4, 0, 4}},
    {"Intel", CL_DEVICE_TYPE_GPU, {256, 16, 16, 8, 256, 256, 0, 8, 2, 4, 0, 4}},
    {NULL, CL_DEVICE_TYPE_CPU, {256, 128, 1, 128, 64, 16, 0, 8, 2, 4, 1, 0}},
    {NULL, CL_DEVICE_TYPE_ALL, {128, 32, 4, 8, 128, 128, 0, 8, 2, 4, 0, 4}},
};

/* Largest power of two <= x (x >= 1). */
static size_t floor_pow2(size_t x)
{
    size_t p = 1;
    while (p * 2 <= x)
        p *= 2;
    return p;
}

static int is_pow2(size_t x) { return x && !(x & (x - 1)); }

/* Apply "key=value,key=value" overrides from $BURSTCCN_CL_TUNING (keys wg,
 * tx, ty, lanes, rpi, groups, ew (element-wise vector width), and vw, rm,
 * dm, dn of the own GEMM kernels;
 * for development and for exercising multi-group reduction paths and GEMM
 * edge tiles in tests). */
static bcn_status tuning_env(bcn_ctx *ctx, bcn_cl_tuning *t)
{
    const char *env = getenv("BURSTCCN_CL_TUNING");
    if (!env || !*env)
        return BCN_OK;
    const char *s = env;
    while (*s) {
        char key[16];
        unsigned long val = 0;
        int used = 0;
        if (sscanf(s, "%15[a-z]=%lu%n", key, &val, &used) != 2 || val == 0)
            goto bad;
        size_t v = (size_t)val;
        if (strcmp(key, "rpi") == 0)
            t->colsum_rpi = v;
        else if (strcmp(key, "vw") == 0 && (v == 8 || v == 16))
            t->gemm_vw = v;
        else if (strcmp(key, "rm") == 0 && v <= 32)
            t->gemm_rm = v;
        else if (strcmp(key, "dm") == 0 && v <= 8)
            t->gemm_dm = v;
        else if (strcmp(key, "dn") == 0 && v <= 8)
            t->gemm_dn = v;
        else if (strcmp(key, "ew") == 0 && v <= 16 && is_pow2(v))
            t->ew_vw = v;
        else if (strcmp(key, "groups") == 0)
            t->max_groups = v;
        else if (!is_pow2(v))
            goto bad;
        else if (strcmp(key, "wg") == 0)
            t->wg = v;
        else if (strcmp(key, "tx") == 0)
            t->colsum_tx = v;
        else if (strcmp(key, "ty") == 0)
            t->colsum_ty = v;
        else if (strcmp(key, "lanes") == 0)
            t->colsum_lanes = v;
        else
            goto bad;
        s += used;
        if (*s == ',')
            s++;
        else if (*s)
            goto bad;
    }
    return BCN_OK;
bad:
    return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                         "BURSTCCN_CL_TUNING='%s': expected comma-separated key=value with keys "
                         "wg, tx, ty, lanes (powers of two), rpi, groups (positive), vw (8 or "
                         "16), rm (1-32), dm, dn (1-8), ew (1, 2, 4, 8 or 16)",
                         env);
}

bcn_status bcn_cl_tuning_pick(bcn_ctx *ctx, cl_device_id dev, const size_t *gemm_tiles,
                              bcn_cl_tuning *out)
{
    char vendor[256] = "";
    cl_device_type type = 0;
    size_t max_wg = 0, item_sizes[3] = {0, 0, 0};
    cl_int err = clGetDeviceInfo(dev, CL_DEVICE_VENDOR, sizeof vendor - 1, vendor, NULL);
    if (err == CL_INVALID_VALUE) /* name longer than our buffer: match on nothing */
        vendor[0] = '\0', err = CL_SUCCESS;
    if (err == CL_SUCCESS)
        err = clGetDeviceInfo(dev, CL_DEVICE_TYPE, sizeof type, &type, NULL);
    if (err == CL_SUCCESS)
        err = clGetDeviceInfo(dev, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof max_wg, &max_wg, NULL);
    if (err == CL_SUCCESS)
        err = clGetDeviceInfo(dev, CL_DEVICE_MAX_WORK_ITEM_SIZES, sizeof item_sizes, item_sizes,
                              NULL);
    cl_uint native_float = 0;
    if (err == CL_SUCCESS)
        err = clGetDeviceInfo(dev, CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT, sizeof native_float,
                              &native_float, NULL);
    if (err != CL_SUCCESS)
        return bcn_cl_fail(ctx, err, "clGetDeviceInfo", "work-group limits");
    const tuning_row *row = &tuning_table[sizeof tuning_table / sizeof tuning_table[0] - 1];
    for (size_t i = 0; i < sizeof tuning_table / sizeof tuning_table[0]; i++) {
        const tuning_row *r = &tuning_table[i];
        if ((r->type & type) && (!r->vendor || strstr(vendor, r->vendor))) {
            row = r;
            break;
        }
    }
    bcn_cl_tuning t = row->tune;
    if (!t.ew_vw)
        t.ew_vw = native_float >= 16 ? 16 : native_float >= 8 ? 8 : 4;
    if (!t.gemm_vw)
        t.gemm_vw = native_float >= 16 ? 16 : 8;
    if (gemm_tiles) {
        t.gemm_vw = gemm_tiles[0];
        t.gemm_rm = gemm_tiles[1];
        t.gemm_dm = gemm_tiles[2];
        t.gemm_dn = gemm_tiles[3];
    }
    bcn_status st = tuning_env(ctx, &t);
    if (st != BCN_OK)
        return st;
    /* Clamp to the device: a work-group never exceeds its limits. */
    size_t lim = floor_pow2(max_wg ? max_wg : 1);
    if (t.wg > lim)
        t.wg = lim;
    if (item_sizes[0] && t.wg > item_sizes[0])
        t.wg = floor_pow2(item_sizes[0]);
    if (item_sizes[0] && t.colsum_tx > item_sizes[0])
        t.colsum_tx = floor_pow2(item_sizes[0]);
    if (item_sizes[1] && t.colsum_ty > item_sizes[1])
        t.colsum_ty = floor_pow2(item_sizes[1]);
    if (t.colsum_lanes > t.wg)
        t.colsum_lanes = t.wg;
    while (t.colsum_tx * t.colsum_ty > lim)
        if (t.colsum_ty > 1)
            t.colsum_ty /= 2;
        else
            t.colsum_tx /= 2;
    *out = t;
    return BCN_OK;
}
