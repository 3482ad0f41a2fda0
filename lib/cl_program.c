/*
 * cl_program.c — work-group tuning and the OpenCL program: sources from the
 * library (embedded at build time) or from $BURSTCCN_KERNEL_DIR, built once
 * per backend instance with the tuning values as -D options.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_internal.h"

/* ------------------------------------------------------------- tuning */

/* Defaults by vendor and device type, in the manner of CLBlast's database:
 * first match wins, the last row is the fallback. Work-groups of 256 suit
 * every current GPU; colsum tiles are one warp/wavefront of columns wide so
 * that loads of a row are coalesced. On CPUs (PoCL, Intel, AMD) a work-group
 * runs as a loop on one core and every barrier splits that loop, so colsum
 * uses one row lane (no tree) over 128 adjacent columns: measured on PoCL
 * (2 AVX-512 cores), 5x faster than 16 x 8 tiles on 32 x 500 and as fast on
 * 1000 x 1025. */
typedef struct tuning_row {
    const char *vendor; /* substring of CL_DEVICE_VENDOR, NULL = any */
    cl_device_type type;
    bcn_cl_tuning tune;
} tuning_row;

static const tuning_row tuning_table[] = {
    {"NVIDIA", CL_DEVICE_TYPE_GPU, {256, 32, 8, 8, 256}},
    {"Advanced Micro Devices", CL_DEVICE_TYPE_GPU, {256, 64, 4, 8, 256}},
    {"AMD", CL_DEVICE_TYPE_GPU, {256, 64, 4, 8, 256}},
    {"Intel", CL_DEVICE_TYPE_GPU, {256, 16, 16, 8, 256}},
    {NULL, CL_DEVICE_TYPE_CPU, {256, 128, 1, 128, 64}},
    {NULL, CL_DEVICE_TYPE_ALL, {128, 32, 4, 8, 128}},
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
 * tx, ty, rpi, groups; for development and for exercising multi-group
 * reduction paths in tests). */
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
                         "wg, tx, ty (powers of two), rpi, groups (positive)",
                         env);
}

bcn_status bcn_cl_tuning_pick(bcn_ctx *ctx, cl_device_id dev, bcn_cl_tuning *out)
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
    while (t.colsum_tx * t.colsum_ty > lim)
        if (t.colsum_ty > 1)
            t.colsum_ty /= 2;
        else
            t.colsum_tx /= 2;
    *out = t;
    return BCN_OK;
}

/* ------------------------------------------------------------ sources */

/* The sources handed to clCreateProgramWithSource: for each file a
 * `#line 1 "name"` header (so build logs name the file and its own line
 * numbers), then the file's text. */
typedef struct sources {
    size_t count; /* strings */
    const char **text;
    size_t *len;
    char **owned; /* heap strings to free (headers, files read from disk) */
    size_t n_owned;
    char origin[4200];  /* where the sources came from, for messages */
} sources;

static void sources_free(sources *s)
{
    for (size_t i = 0; i < s->n_owned; i++)
        free(s->owned[i]);
    free(s->owned);
    free(s->text);
    free(s->len);
    memset(s, 0, sizeof *s);
}

/* Read a whole file into a NUL-terminated heap string. */
static bcn_status read_file(bcn_ctx *ctx, const char *dir, const char *name, char **out,
                            size_t *len)
{
    char path[4096];
    FILE *f = NULL;
    char *buf = NULL;
    bcn_status st = BCN_OK;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (!f) {
        st = bcn_set_error(ctx, BCN_ERR_IO,
                           "BURSTCCN_KERNEL_DIR=%s: cannot open kernel source '%s': %s (the "
                           "folder must hold every kernel file: unset the variable to use the "
                           "sources built into the library)",
                           dir, path, strerror(errno));
        goto fail;
    }
    size_t cap = 4096, n = 0;
    buf = malloc(cap);
    for (;;) {
        if (!buf) {
            st = bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory reading '%s'", path);
            goto fail;
        }
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        cap *= 2;
        char *grown = realloc(buf, cap);
        if (!grown)
            free(buf);
        buf = grown;
    }
    if (ferror(f)) {
        st = bcn_set_error(ctx, BCN_ERR_IO, "error reading kernel source '%s'", path);
        goto fail;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    buf = NULL;
fail:
    free(buf);
    if (f)
        fclose(f);
    return st;
}

/* Collect the program's sources (see `sources`). */
static bcn_status sources_load(bcn_ctx *ctx, sources *s)
{
    memset(s, 0, sizeof *s);
    const char *dir = getenv("BURSTCCN_KERNEL_DIR");
    if (dir && !*dir)
        dir = NULL;
    size_t nf = bcn_cl_source_count;
    bcn_status st = BCN_OK;
    if (dir)
        snprintf(s->origin, sizeof s->origin, "from BURSTCCN_KERNEL_DIR=%s", dir);
    else
        snprintf(s->origin, sizeof s->origin, "embedded in the library");
    s->text = calloc(2 * nf, sizeof *s->text);
    s->len = calloc(2 * nf, sizeof *s->len);
    s->owned = calloc(2 * nf, sizeof *s->owned);
    if (!s->text || !s->len || !s->owned) {
        st = bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory loading kernel sources");
        goto fail;
    }
    for (size_t i = 0; i < nf; i++) {
        const bcn_cl_source *src = &bcn_cl_sources[i];
        size_t hlen = strlen(src->name) + 16;
        char *header = malloc(hlen);
        if (!header) {
            st = bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory loading kernel sources");
            goto fail;
        }
        snprintf(header, hlen, "#line 1 \"%s\"\n", src->name);
        s->owned[s->n_owned++] = header;
        s->text[s->count] = header;
        s->len[s->count++] = strlen(header);
        if (dir) {
            char *text = NULL;
            size_t len = 0;
            st = read_file(ctx, dir, src->name, &text, &len);
            if (st != BCN_OK)
                goto fail;
            s->owned[s->n_owned++] = text;
            s->text[s->count] = text;
            s->len[s->count++] = len;
        } else {
            s->text[s->count] = (const char *)src->text;
            s->len[s->count++] = src->len;
        }
    }
    return BCN_OK;
fail:
    sources_free(s);
    return st;
}

/* ------------------------------------------------------------ program */

void bcn_cl_program_release(bcn_cl *cl)
{
    for (int k = 0; k < BCN_K_COUNT; k++) {
        if (cl->kernels[k])
            clReleaseKernel(cl->kernels[k]);
        cl->kernels[k] = NULL;
    }
    if (cl->program)
        clReleaseProgram(cl->program);
    cl->program = NULL;
}

/* Append the program's build log for the device to the context message. */
static void append_build_log(bcn_ctx *ctx, cl_program prog, cl_device_id dev)
{
    size_t len = 0;
    cl_int err = clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, 0, NULL, &len);
    if (err != CL_SUCCESS) {
        bcn_append_error(ctx, "; the build log could not be read: %s", bcn_cl_error_name(err));
        return;
    }
    char *log = malloc(len + 1);
    if (!log) {
        bcn_append_error(ctx, "; no memory to read the build log");
        return;
    }
    err = clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, len, log, NULL);
    log[err == CL_SUCCESS ? len : 0] = '\0';
    bcn_append_error(ctx, "; build log:\n%s", log);
    free(log);
}

static const char *const kernel_names[BCN_K_COUNT] = {
#define BCN_CL_KERNEL_NAME_(id, name) name,
    BCN_CL_KERNEL_LIST(BCN_CL_KERNEL_NAME_)
#undef BCN_CL_KERNEL_NAME_
};

/* Build once with the current tuning and create every kernel. */
static bcn_status build_once(bcn_ctx *ctx, bcn_cl *cl, const sources *src)
{
    char options[256];
    cl_int err = CL_SUCCESS;
    snprintf(options, sizeof options,
             "-cl-std=CL1.2 -DBCN_WG=%zu -DBCN_COLSUM_TX=%zu -DBCN_COLSUM_TY=%zu", cl->tune.wg,
             cl->tune.colsum_tx, cl->tune.colsum_ty);
    cl->program = clCreateProgramWithSource(cl->context, (cl_uint)src->count, src->text,
                                            src->len, &err);
    if (err != CL_SUCCESS)
        return bcn_cl_fail(ctx, err, "clCreateProgramWithSource", src->origin);
    err = clBuildProgram(cl->program, 1, &cl->device, options, NULL, NULL);
    if (err != CL_SUCCESS) {
        bcn_status st = bcn_set_error(
            ctx, err == CL_BUILD_PROGRAM_FAILURE ? BCN_ERR_KERNEL_BUILD : bcn_cl_status_of(err),
            "clBuildProgram failed: %s (%d) building the kernel sources %s with options '%s'",
            bcn_cl_error_name(err), err, src->origin, options);
        append_build_log(ctx, cl->program, cl->device);
        return st;
    }
    for (int k = 0; k < BCN_K_COUNT; k++) {
        cl->kernels[k] = clCreateKernel(cl->program, kernel_names[k], &err);
        if (err != CL_SUCCESS)
            return bcn_cl_fail(ctx, err, "clCreateKernel", kernel_names[k]);
        err = clGetKernelWorkGroupInfo(cl->kernels[k], cl->device, CL_KERNEL_WORK_GROUP_SIZE,
                                       sizeof cl->kernel_wg[k], &cl->kernel_wg[k], NULL);
        if (err != CL_SUCCESS)
            return bcn_cl_fail(ctx, err, "clGetKernelWorkGroupInfo", kernel_names[k]);
        if (cl->kernel_wg[k] == 0)
            cl->kernel_wg[k] = 1;
    }
    return BCN_OK;
}

/* Shrink the tuning so that every reduction kernel can run with the
 * work-group its local arrays were sized for; returns 1 if it changed. */
static int shrink_to_kernels(bcn_cl *cl)
{
    bcn_cl_tuning t = cl->tune;
    size_t lim1 = cl->kernel_wg[BCN_K_DOT3_PARTIAL];
    if (cl->kernel_wg[BCN_K_OUTPUT_STATS] < lim1)
        lim1 = cl->kernel_wg[BCN_K_OUTPUT_STATS];
    if (t.wg > lim1)
        t.wg = floor_pow2(lim1);
    size_t lim2 = cl->kernel_wg[BCN_K_COLSUM_PARTIAL];
    while (t.colsum_tx * t.colsum_ty > lim2)
        if (t.colsum_ty > 1)
            t.colsum_ty /= 2;
        else
            t.colsum_tx /= 2;
    int changed = t.wg != cl->tune.wg || t.colsum_ty != cl->tune.colsum_ty ||
                  t.colsum_tx != cl->tune.colsum_tx;
    cl->tune = t;
    return changed;
}

bcn_status bcn_cl_program_build(bcn_ctx *ctx, bcn_cl *cl)
{
    sources src;
    bcn_status st = sources_load(ctx, &src);
    if (st != BCN_OK)
        return st;
    for (int attempt = 0; attempt < 4; attempt++) {
        st = build_once(ctx, cl, &src);
        if (st != BCN_OK || !shrink_to_kernels(cl))
            break;
        bcn_cl_program_release(cl); /* rebuild with the smaller work-groups */
    }
    sources_free(&src);
    if (st != BCN_OK)
        bcn_cl_program_release(cl);
    return st;
}
