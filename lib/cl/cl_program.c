/*
 * cl_program.c — the OpenCL program: sources from the library (embedded at
 * build time) or from $BURSTCCN_KERNEL_DIR, built once per backend instance
 * with the tuning values (cl_tuning.c) as -D options, and its kernels.
 *
 * Built programs are cached on disk (cl_cache.h's folder, file
 * kernels-HASH.bin): after a build from source the device binary
 * (CL_PROGRAM_BINARIES) is saved under a key of device name, driver
 * version, platform version, build options and a hash of the sources, so
 * that the next process loads it with clCreateProgramWithBinary instead of
 * compiling. The file repeats the key in its header; a file whose header
 * differs (hash collision, another driver), that is cut short, or that the
 * driver refuses is ignored and replaced by a fresh build. Saving is best
 * effort: a read-only or missing cache folder only costs the compile.
 * BURSTCCN_PROGRAM_CACHE=off disables it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_cache.h"
#include "cl_internal.h"

/* Largest power of two <= x (x >= 1). */
static size_t floor_pow2(size_t x)
{
    size_t p = 1;
    while (p * 2 <= x)
        p *= 2;
    return p;
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

const char *bcn_cl_kernel_name(bcn_cl_kernel_id k)
{
    return (unsigned)k < BCN_K_COUNT ? kernel_names[k] : "unknown kernel";
}

/* ------------------------------------------------------ binary cache */

#define PROGRAM_CACHE_MAX ((size_t)256 << 20) /* no binary of ours is near this */

/* One string-valued device or platform property ("" when unreadable). */
static void info_str(cl_device_id dev, cl_platform_id plat, cl_uint param, char *dst, size_t cap)
{
    size_t got = 0;
    cl_int err = dev ? clGetDeviceInfo(dev, param, cap - 1, dst, &got)
                     : clGetPlatformInfo(plat, param, cap - 1, dst, &got);
    if (err != CL_SUCCESS)
        got = 0;
    dst[got < cap ? got : cap - 1] = '\0';
}

/* The cache file of this program and the header it must start with; 0, or
 * -1 when there is no cache folder or the cache is switched off. */
static int cache_entry(const bcn_cl *cl, const sources *src, const char *options, char *path,
                       size_t path_len, char *header, size_t header_len)
{
    const char *env = getenv("BURSTCCN_PROGRAM_CACHE");
    char dir[4096], dev[256], drv[256], plat[256];
    if ((env && strcmp(env, "off") == 0) || bcn_cache_dir(dir, sizeof dir) != 0)
        return -1;
    info_str(cl->device, NULL, CL_DEVICE_NAME, dev, sizeof dev);
    info_str(cl->device, NULL, CL_DRIVER_VERSION, drv, sizeof drv);
    info_str(NULL, cl->platform, CL_PLATFORM_VERSION, plat, sizeof plat);
    uint64_t h = BCN_HASH_SEED;
    for (size_t i = 0; i < src->count; i++)
        h = bcn_hash64(h, src->text[i], src->len[i]);
    uint64_t key = bcn_hash_str(bcn_hash_str(bcn_hash_str(bcn_hash_str(h, dev), drv), plat),
                                options);
    int n = snprintf(path, path_len, "%s/kernels-%016llx.bin", dir, (unsigned long long)key);
    int m = snprintf(header, header_len,
                     "burstccn-program 1\ndevice %s\ndriver %s\nplatform %s\noptions %s\n"
                     "sources %016llx\n",
                     dev, drv, plat, options, (unsigned long long)h);
    return n < 0 || (size_t)n >= path_len || m < 0 || (size_t)m >= header_len ? -1 : 0;
}

/* Create and build the program from a cached binary; 0 when it worked
 * (cl->program set), -1 otherwise (nothing left behind). */
static int build_from_cache(bcn_cl *cl, const char *path, const char *header,
                            const char *options)
{
    char *data = NULL;
    size_t len = 0, hlen = strlen(header), size = 0;
    int rc = -1, used = 0;
    if (bcn_cache_read(path, PROGRAM_CACHE_MAX, &data, &len) != 0)
        return -1;
    if (len < hlen || memcmp(data, header, hlen) != 0 ||
        sscanf(data + hlen, "size %zu\n%n", &size, &used) != 1 || used == 0 ||
        size == 0 || len - hlen - (size_t)used != size)
        goto done; /* another key, or cut short */
    const unsigned char *bin = (const unsigned char *)data + hlen + used;
    cl_int bin_status = CL_SUCCESS, err = CL_SUCCESS;
    cl_program prog =
        clCreateProgramWithBinary(cl->context, 1, &cl->device, &size, &bin, &bin_status, &err);
    if (err != CL_SUCCESS || bin_status != CL_SUCCESS) {
        if (err == CL_SUCCESS)
            clReleaseProgram(prog);
        goto done;
    }
    err = clBuildProgram(prog, 1, &cl->device, options, NULL, NULL);
    if (err != CL_SUCCESS) {
        clReleaseProgram(prog);
        goto done;
    }
    cl->program = prog;
    rc = 0;
done:
    free(data);
    return rc;
}

/* Save the built program's binary under `path` (best effort). */
static void save_to_cache(const bcn_cl *cl, const char *path, const char *header)
{
    size_t size = 0;
    cl_int err = clGetProgramInfo(cl->program, CL_PROGRAM_BINARY_SIZES, sizeof size, &size, NULL);
    if (err != CL_SUCCESS || size == 0 || size > PROGRAM_CACHE_MAX)
        return;
    size_t hlen = strlen(header);
    char tail[32];
    int tlen = snprintf(tail, sizeof tail, "size %zu\n", size);
    char *file = malloc(hlen + (size_t)tlen + size);
    if (!file)
        return;
    memcpy(file, header, hlen);
    memcpy(file + hlen, tail, (size_t)tlen);
    unsigned char *bin = (unsigned char *)file + hlen + tlen;
    err = clGetProgramInfo(cl->program, CL_PROGRAM_BINARIES, sizeof bin, &bin, NULL);
    char msg[256];
    if (err == CL_SUCCESS)
        (void)bcn_cache_write(path, file, hlen + (size_t)tlen + size, msg, sizeof msg);
    free(file);
}

/* ------------------------------------------------------------ build */

/* Build once with the current tuning (from the binary cache when it holds
 * this program) and create every kernel. */
static bcn_status build_once(bcn_ctx *ctx, bcn_cl *cl, const sources *src, int use_cache)
{
    char options[256], path[4200], header[2048];
    cl_int err = CL_SUCCESS;
    snprintf(options, sizeof options,
             "-cl-std=CL1.2 -DBCN_WG=%zu -DBCN_COLSUM_TX=%zu -DBCN_COLSUM_TY=%zu "
             "-DBCN_GEMM_VW=%zu -DBCN_GEMM_RM=%zu -DBCN_GEMM_DM=%zu -DBCN_GEMM_DN=%zu "
             "-DBCN_OPT_BLOCK=%d -DBCN_EW_VW=%zu",
             cl->tune.wg, cl->tune.colsum_tx, cl->tune.colsum_ty, cl->tune.gemm_vw,
             cl->tune.gemm_rm, cl->tune.gemm_dm, cl->tune.gemm_dn, BCN_OPT_BLOCK,
             cl->tune.ew_vw);
    int cached = use_cache && cache_entry(cl, src, options, path, sizeof path, header,
                                          sizeof header) == 0;
    cl->program_from_binary = cached && build_from_cache(cl, path, header, options) == 0;
    if (!cl->program_from_binary) {
        cl->program = clCreateProgramWithSource(cl->context, (cl_uint)src->count, src->text,
                                                src->len, &err);
        if (err != CL_SUCCESS) {
            cl->program = NULL;
            return bcn_cl_fail(ctx, err, "clCreateProgramWithSource", src->origin);
        }
        err = clBuildProgram(cl->program, 1, &cl->device, options, NULL, NULL);
        if (err != CL_SUCCESS) {
            bcn_status st = bcn_set_error(
                ctx,
                err == CL_BUILD_PROGRAM_FAILURE ? BCN_ERR_KERNEL_BUILD : bcn_cl_status_of(err),
                "clBuildProgram failed: %s (%d) building the kernel sources %s with options "
                "'%s'",
                bcn_cl_error_name(err), err, src->origin, options);
            append_build_log(ctx, cl->program, cl->device);
            return st;
        }
        if (cached)
            save_to_cache(cl, path, header);
    }
    for (int k = 0; k < BCN_K_COUNT; k++) {
        cl->kernels[k] = clCreateKernel(cl->program, kernel_names[k], &err);
        if (err == CL_SUCCESS)
            err = clGetKernelWorkGroupInfo(cl->kernels[k], cl->device,
                                           CL_KERNEL_WORK_GROUP_SIZE, sizeof cl->kernel_wg[k],
                                           &cl->kernel_wg[k], NULL);
        if (err != CL_SUCCESS && cl->program_from_binary) {
            /* A binary the driver loaded but cannot run: build from source
             * instead, and replace the file. */
            bcn_cl_program_release(cl);
            bcn_status st = build_once(ctx, cl, src, 0);
            if (st == BCN_OK)
                save_to_cache(cl, path, header);
            return st;
        }
        if (err != CL_SUCCESS)
            return bcn_cl_fail(ctx, err,
                               cl->kernels[k] ? "clGetKernelWorkGroupInfo" : "clCreateKernel",
                               kernel_names[k]);
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
    if (cl->kernel_wg[BCN_K_BIAS_SIGMOID_STATS] < lim1)
        lim1 = cl->kernel_wg[BCN_K_BIAS_SIGMOID_STATS];
    if (cl->kernel_wg[BCN_K_COLSUM_INNER] < lim1)
        lim1 = cl->kernel_wg[BCN_K_COLSUM_INNER];
    if (t.wg > lim1)
        t.wg = floor_pow2(lim1);
    if (t.colsum_lanes > t.wg)
        t.colsum_lanes = t.wg;
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

bcn_status bcn_cl_program_build(bcn_ctx *ctx, bcn_cl *cl, int use_cache)
{
    sources src;
    bcn_status st = sources_load(ctx, &src);
    if (st != BCN_OK)
        return st;
    for (int attempt = 0; attempt < 4; attempt++) {
        st = build_once(ctx, cl, &src, use_cache);
        if (st != BCN_OK || !shrink_to_kernels(cl))
            break;
        bcn_cl_program_release(cl); /* rebuild with the smaller work-groups */
    }
    sources_free(&src);
    if (st != BCN_OK)
        bcn_cl_program_release(cl);
    return st;
}
