/*
 * test_cl_tune.c — tuned GEMM parameters and the two on-disk caches of the
 * OpenCL backend: a tuned parameter set still matches a double-precision
 * host GEMM on the op tests' GEMM shapes (direct and indirect kernels); the
 * tuning cache round-trips, is applied when a device opens (and undone by
 * BCN_TUNE_OFF), is written atomically, and a corrupt file or one keyed to
 * another device or CLBlast version is ignored with a warning; the program
 * binary cache is used by the second backend and gives identical results,
 * and a damaged binary file is rebuilt. Every test uses its own cache
 * folder (BURSTCCN_CACHE_DIR); Criterion runs each test in its own process,
 * so CLBlast's process-wide overrides never leak between tests.
 */
#include "config.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "internal.h"

#ifdef BCN_HAVE_OPENCL
#include "cl_internal.h"
#include "cl_tune.h"

/* ------------------------------------------------------------ helpers */

/* A fresh cache folder for this test, set as BURSTCCN_CACHE_DIR. */
static void fresh_cache_dir(char *dir, size_t cap)
{
    snprintf(dir, cap, "/tmp/bcn_tune_test_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(setenv("BURSTCCN_CACHE_DIR", dir, 1), 0);
}

/* A context on the first OpenCL device in `mode`, or skip the test. */
static bcn_ctx *open_cl(bcn_tune_mode mode)
{
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_not_null(ctx);
    bcn_ctx_set_tune_mode(ctx, mode);
    bcn_ctx_set_gemm_engine(ctx, BCN_GEMM_CLBLAST); /* these tests are about CLBlast's */
    if (bcn_ctx_open_device(ctx, "cl") != BCN_OK) {
        char why[1024];
        snprintf(why, sizeof why, "%s", bcn_errmsg(ctx));
        bcn_ctx_free(ctx);
        cr_skip_test("no OpenCL device, test skipped: %s", why);
    }
    return ctx;
}

static bcn_cl *cl_of(bcn_ctx *ctx) { return ctx->backend->impl; }

/* Files in dir whose names start with `prefix`; names[0] receives the
 * first one's full path when names != NULL. */
static int count_files(const char *dir, const char *prefix, char *first, size_t cap)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
            continue;
        if (n++ == 0 && first)
            snprintf(first, cap, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    return n;
}

/* Temporary files ("*.tmpXXXXXX") in dir: none may be left. */
static int count_tmp_files(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, ".tmp") != NULL;
    closedir(d);
    return n;
}

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s", path);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot read %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* A valid entry: CLBlast's current set with a different direct set (one
 * of the search's candidates) and every shape sent direct. */
static bcn_cl_tune_entry sample_entry(bcn_ctx *ctx)
{
    bcn_cl_tune_entry e;
    memset(&e, 0, sizeof e);
    cr_assert_eq(bcn_cl_gemm_params_current(ctx->backend, &e.defaults), BCN_OK, "%s",
                 bcn_errmsg(ctx));
    e.tuned = e.defaults;
    static const size_t direct[BCN_TUNE_DIRECT_N] = {2, 8, 8, 8, 8, 0, 0, 4, 4, 32};
    memcpy(e.tuned.direct, direct, sizeof direct);
    e.tuned.min_indirect = 65536;
    snprintf(e.shapes, sizeof e.shapes, "NT32x500x784b0*1.0000");
    e.untuned_ms = 2.5;
    e.tuned_ms = 1.25;
    return e;
}

static int params_equal(const bcn_cl_gemm_params *a, const bcn_cl_gemm_params *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

/* ---------------------------------------------- tuned GEMMs match ref */

typedef struct gcase {
    int ta, tb, m, n, k;
    float alpha, beta;
} gcase;

/* The GEMM shapes of test_backend_ops, plus accumulating ones. */
static const gcase gemm_cases[] = {
    {0, 0, 1, 1, 1, 1.0f, 0.0f},        {0, 1, 7, 17, 3, 1.0f, 0.0f},
    {1, 0, 17, 64, 100, 0.01f, 0.0f},   {1, 1, 3, 1025, 17, -0.5f, 0.0f},
    {0, 1, 32, 500, 784, 1.0f, 0.0f},   {1, 0, 500, 784, 32, 1.0f / 32, 0.0f},
    {0, 0, 100, 784, 10, 1.0f, 0.0f},   {0, 1, 100, 10, 1025, 1.0f, 0.0f},
    {0, 0, 32, 500, 500, 1.0f, 1.0f},   {1, 0, 500, 500, 32, 0.5f, 1.0f},
};

/* Run every case through the backend's gemm slot and compare with a
 * double-precision host GEMM: ||C - C_ref|| / ||C_ref|| <= 1e-4, the GEMM
 * tolerance of test_backend_ops. */
static void check_gemms_against_host(bcn_ctx *ctx, const char *label)
{
    bcn_backend *be = ctx->backend;
    bcn_rng rng;
    bcn_rng_seed(&rng, 20251123u);
    printf("%s: seed 20251123\n", label);
    for (size_t c = 0; c < sizeof gemm_cases / sizeof gemm_cases[0]; c++) {
        const gcase *g = &gemm_cases[c];
        size_t na = (size_t)g->m * g->k, nb = (size_t)g->k * g->n, nc = (size_t)g->m * g->n;
        float *a = malloc(na * sizeof *a), *b = malloc(nb * sizeof *b);
        float *c0 = malloc(nc * sizeof *c0), *got = malloc(nc * sizeof *got);
        cr_assert(a && b && c0 && got);
        for (size_t i = 0; i < na; i++)
            a[i] = (float)(2.0 * bcn_rng_uniform(&rng) - 1.0);
        for (size_t i = 0; i < nb; i++)
            b[i] = (float)(2.0 * bcn_rng_uniform(&rng) - 1.0);
        for (size_t i = 0; i < nc; i++)
            c0[i] = (float)(2.0 * bcn_rng_uniform(&rng) - 1.0);
        bcn_buf *ba = NULL, *bb = NULL, *bc = NULL;
        cr_assert_eq(be->buf_alloc(be, na, &ba), BCN_OK);
        cr_assert_eq(be->buf_alloc(be, nb, &bb), BCN_OK);
        cr_assert_eq(be->buf_alloc(be, nc, &bc), BCN_OK);
        cr_assert_eq(be->buf_write(be, ba, 0, na, a), BCN_OK);
        cr_assert_eq(be->buf_write(be, bb, 0, nb, b), BCN_OK);
        cr_assert_eq(be->buf_write(be, bc, 0, nc, c0), BCN_OK);
        int lda = g->ta ? g->m : g->k, ldb = g->tb ? g->k : g->n;
        cr_assert_eq(be->gemm(be, g->ta, g->tb, g->m, g->n, g->k, g->alpha, ba, lda, bb, ldb,
                              g->beta, bc, g->n),
                     BCN_OK, "%s", bcn_errmsg(ctx));
        cr_assert_eq(be->buf_read(be, bc, 0, nc, got), BCN_OK);
        double diff = 0.0, norm = 0.0;
        for (int r = 0; r < g->m; r++)
            for (int col = 0; col < g->n; col++) {
                double acc = 0.0;
                for (int p = 0; p < g->k; p++)
                    acc += (double)(g->ta ? a[(size_t)p * g->m + r] : a[(size_t)r * g->k + p]) *
                           (g->tb ? b[(size_t)col * g->k + p] : b[(size_t)p * g->n + col]);
                size_t at = (size_t)r * g->n + col;
                double want = g->alpha * acc + (double)g->beta * c0[at];
                cr_assert(isfinite(got[at]), "%s: case %zu: C[%zu] = %g", label, c, at,
                          (double)got[at]);
                diff += (got[at] - want) * (got[at] - want);
                norm += want * want;
            }
        double rel = sqrt(diff / norm);
        cr_expect(rel <= 1e-4, "%s: %s%s %dx%dx%d: relative error %.3g > 1e-4", label,
                  g->ta ? "T" : "N", g->tb ? "T" : "N", g->m, g->n, g->k, rel);
        be->buf_free(be, ba);
        be->buf_free(be, bb);
        be->buf_free(be, bc);
        free(a);
        free(b);
        free(c0);
        free(got);
    }
}

Test(cl_tune, tuned_direct_set_matches_host_gemm, .timeout = 900)
{
    char dir[64];
    fresh_cache_dir(dir, sizeof dir);
    bcn_ctx *ctx = open_cl(BCN_TUNE_OFF);
    bcn_cl_tune_entry e = sample_entry(ctx);
    size_t max_wg = 0;
    cl_ulong local = 0;
    clGetDeviceInfo(cl_of(ctx)->device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof max_wg, &max_wg,
                    NULL);
    clGetDeviceInfo(cl_of(ctx)->device, CL_DEVICE_LOCAL_MEM_SIZE, sizeof local, &local, NULL);
    char why[256];
    if (!bcn_cl_gemm_params_valid(&e.tuned, max_wg, local, why, sizeof why))
        cr_skip_test("the sample set does not fit this device: %s", why);
    cr_assert_eq(bcn_cl_gemm_params_apply(ctx->backend, &e.tuned), BCN_OK, "%s",
                 bcn_errmsg(ctx));
    bcn_cl_gemm_params now;
    cr_assert_eq(bcn_cl_gemm_params_current(ctx->backend, &now), BCN_OK);
    cr_assert(params_equal(&now, &e.tuned), "CLBlast did not take the override");
    check_gemms_against_host(ctx, "XgemmDirect 2,8,8,8,8,0,0,4,4,32, all direct");
    bcn_ctx_free(ctx);
}

Test(cl_tune, indirect_kernel_matches_host_gemm, .timeout = 900)
{
    char dir[64];
    fresh_cache_dir(dir, sizeof dir);
    bcn_ctx *ctx = open_cl(BCN_TUNE_OFF);
    bcn_cl_gemm_params p;
    cr_assert_eq(bcn_cl_gemm_params_current(ctx->backend, &p), BCN_OK);
    p.min_indirect = 1; /* every shape through Xgemm and its helpers */
    cr_assert_eq(bcn_cl_gemm_params_apply(ctx->backend, &p), BCN_OK, "%s", bcn_errmsg(ctx));
    check_gemms_against_host(ctx, "CLBlast's Xgemm, all indirect");
    bcn_ctx_free(ctx);
}

/* ---------------------------------------------------- the tune cache */

Test(cl_tune, cache_round_trip_and_applied_at_open)
{
    char dir[64], path[4200];
    fresh_cache_dir(dir, sizeof dir);
    bcn_ctx *ctx = open_cl(BCN_TUNE_AUTO);
    cr_assert_str_empty(bcn_ctx_warning(ctx), "no cache yet, yet: %s", bcn_ctx_warning(ctx));
    cr_assert_eq(cl_of(ctx)->gemm_tuned, 0);
    bcn_cl_tune_entry e = sample_entry(ctx), back;
    char err[600], warn[900] = "";
    cr_assert_eq(bcn_cl_tune_cache_store(&ctx->backend->info, &e, err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(bcn_cl_tune_cache_path(&ctx->backend->info, path, sizeof path), 0);
    cr_assert_eq(access(path, R_OK), 0, "%s missing", path);
    cr_assert_eq(count_tmp_files(dir), 0, "a temporary file was left in %s", dir);
    cr_assert_eq(bcn_cl_tune_cache_load(&ctx->backend->info, 1024, 65536, &back, warn,
                                        sizeof warn),
                 1, "%s", warn);
    cr_assert(params_equal(&back.tuned, &e.tuned));
    cr_assert(params_equal(&back.defaults, &e.defaults));
    cr_assert_str_eq(back.shapes, e.shapes);
    cr_assert_float_eq(back.untuned_ms, 2.5, 1e-9);
    cr_assert_float_eq(back.tuned_ms, 1.25, 1e-9);
    bcn_ctx_free(ctx);

    /* A new context applies it when it opens the device... */
    ctx = open_cl(BCN_TUNE_AUTO);
    cr_assert_str_empty(bcn_ctx_warning(ctx), "%s", bcn_ctx_warning(ctx));
    cr_assert_eq(cl_of(ctx)->gemm_tuned, 1);
    bcn_cl_gemm_params now;
    cr_assert_eq(bcn_cl_gemm_params_current(ctx->backend, &now), BCN_OK);
    cr_assert(params_equal(&now, &e.tuned), "the cached set was not applied");
    bcn_ctx_free(ctx);
    /* ...and BCN_TUNE_OFF restores CLBlast's own. */
    ctx = open_cl(BCN_TUNE_OFF);
    cr_assert_eq(cl_of(ctx)->gemm_tuned, 0);
    cr_assert_eq(bcn_cl_gemm_params_current(ctx->backend, &now), BCN_OK);
    cr_assert(params_equal(&now, &e.defaults), "OFF did not restore CLBlast's defaults");
    bcn_ctx_free(ctx);
}

Test(cl_tune, cache_rewrite_is_atomic)
{
    char dir[64], path[4200];
    fresh_cache_dir(dir, sizeof dir);
    bcn_ctx *ctx = open_cl(BCN_TUNE_OFF);
    bcn_cl_tune_entry e = sample_entry(ctx), back;
    char err[600], warn[900];
    for (int i = 0; i < 3; i++) {
        e.tuned_ms = 1.0 + i;
        cr_assert_eq(bcn_cl_tune_cache_store(&ctx->backend->info, &e, err, sizeof err), 0, "%s",
                     err);
    }
    cr_assert_eq(count_tmp_files(dir), 0, "temporary files left in %s", dir);
    cr_assert_eq(count_files(dir, "gemm-", path, sizeof path), 1);
    cr_assert_eq(bcn_cl_tune_cache_load(&ctx->backend->info, 1024, 65536, &back, warn,
                                        sizeof warn),
                 1, "%s", warn);
    cr_assert_float_eq(back.tuned_ms, 3.0, 1e-9);
    /* A folder that cannot be created fails cleanly, leaving nothing. */
    cr_assert_eq(setenv("BURSTCCN_CACHE_DIR", "/proc/no/such/dir", 1), 0);
    cr_assert_eq(bcn_cl_tune_cache_store(&ctx->backend->info, &e, err, sizeof err), -1);
    cr_assert(strstr(err, "/proc/no/such/dir") != NULL, "message: %s", err);
    bcn_ctx_free(ctx);
}

/* Store the sample entry, replace its file by `mangle`'s result, open the
 * device in auto mode: the device must open, untuned, with a warning that
 * contains `expect` and the file's path. */
static void expect_ignored(char *(*mangle)(const char *text, size_t len, size_t *out_len),
                           const char *expect)
{
    char dir[64], path[4200];
    fresh_cache_dir(dir, sizeof dir);
    bcn_ctx *ctx = open_cl(BCN_TUNE_OFF);
    bcn_cl_tune_entry e = sample_entry(ctx);
    char err[600];
    cr_assert_eq(bcn_cl_tune_cache_store(&ctx->backend->info, &e, err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(bcn_cl_tune_cache_path(&ctx->backend->info, path, sizeof path), 0);
    bcn_ctx_free(ctx);
    size_t len = 0, out_len = 0;
    char *text = read_file(path, &len);
    char *bad = mangle(text, len, &out_len);
    write_file(path, bad, out_len);
    free(text);
    free(bad);
    ctx = open_cl(BCN_TUNE_AUTO);
    const char *w = bcn_ctx_warning(ctx);
    cr_assert(strstr(w, expect) != NULL, "warning '%s' lacks '%s'", w, expect);
    cr_assert(strstr(w, path) != NULL, "warning '%s' does not name %s", w, path);
    cr_assert_eq(cl_of(ctx)->gemm_tuned, 0, "an ignored file was applied");
    bcn_cl_gemm_params now;
    cr_assert_eq(bcn_cl_gemm_params_current(ctx->backend, &now), BCN_OK);
    cr_assert(params_equal(&now, &e.defaults), "parameters changed by an ignored file");
    bcn_ctx_free(ctx);
}

static char *cut_in_half(const char *text, size_t len, size_t *out_len)
{
    *out_len = len / 2;
    char *s = malloc(len + 1);
    memcpy(s, text, len);
    return s;
}

static char *binary_garbage(const char *text, size_t len, size_t *out_len)
{
    (void)text;
    char *s = malloc(len);
    for (size_t i = 0; i < len; i++)
        s[i] = (char)((i * 131u + 7u) & 0xff);
    *out_len = len;
    return s;
}

/* Replace the first occurrence of `from` by `to`. */
static char *replace(const char *text, const char *from, const char *to, size_t *out_len)
{
    const char *at = strstr(text, from);
    cr_assert_not_null(at, "'%s' not in the cache file", from);
    size_t len = strlen(text), fl = strlen(from), tl = strlen(to);
    char *s = malloc(len - fl + tl + 1);
    size_t pre = (size_t)(at - text);
    memcpy(s, text, pre);
    memcpy(s + pre, to, tl);
    strcpy(s + pre + tl, at + fl);
    *out_len = len - fl + tl;
    return s;
}

static char *bad_parameter(const char *text, size_t len, size_t *out_len)
{
    (void)len; /* WGD=32 -> WGD=33 breaks CLBlast's divisibility rules */
    return replace(text, "WGD=32", "WGD=33", out_len);
}

static char *missing_parameter(const char *text, size_t len, size_t *out_len)
{
    (void)len;
    return replace(text, " KWID=2", "", out_len);
}

static char *other_device(const char *text, size_t len, size_t *out_len)
{
    (void)len;
    return replace(text, "\ndevice ", "\ndevice Another Device ", out_len);
}

static char *other_clblast(const char *text, size_t len, size_t *out_len)
{
    (void)len;
    char from[64];
    snprintf(from, sizeof from, "\nclblast %s\n", BCN_CLBLAST_VERSION);
    return replace(text, from, "\nclblast 0.0.1\n", out_len);
}

static char *other_driver(const char *text, size_t len, size_t *out_len)
{
    (void)len;
    return replace(text, "\ndriver ", "\ndriver 0.0-other ", out_len);
}

Test(cl_tune, cut_short_cache_is_ignored_with_a_warning)
{
    expect_ignored(cut_in_half, "corrupt");
}

Test(cl_tune, garbage_cache_is_ignored_with_a_warning)
{
    expect_ignored(binary_garbage, "corrupt");
}

Test(cl_tune, cache_with_bad_parameters_is_ignored_with_a_warning)
{
    expect_ignored(bad_parameter, "divisibility");
}

Test(cl_tune, cache_with_a_missing_parameter_is_ignored_with_a_warning)
{
    expect_ignored(missing_parameter, "corrupt");
}

Test(cl_tune, cache_of_another_device_is_not_used)
{
    expect_ignored(other_device, "made for device 'Another Device");
}

Test(cl_tune, cache_of_another_clblast_version_is_not_used)
{
    expect_ignored(other_clblast, "CLBlast 0.0.1");
}

Test(cl_tune, cache_of_another_driver_is_not_used)
{
    expect_ignored(other_driver, "driver version '0.0-other");
}

Test(cl_tune, cache_file_name_differs_per_device_and_version)
{
    bcn_device_info a, b;
    memset(&a, 0, sizeof a);
    snprintf(a.name, sizeof a.name, "Device A");
    snprintf(a.driver, sizeof a.driver, "1.0");
    b = a;
    snprintf(b.name, sizeof b.name, "Device B");
    char pa[4200], pb[4200], pc[4200];
    cr_assert_eq(setenv("BURSTCCN_CACHE_DIR", "/tmp/x", 1), 0);
    cr_assert_eq(bcn_cl_tune_cache_path(&a, pa, sizeof pa), 0);
    cr_assert_eq(bcn_cl_tune_cache_path(&b, pb, sizeof pb), 0);
    snprintf(b.name, sizeof b.name, "Device A");
    snprintf(b.driver, sizeof b.driver, "1.1");
    cr_assert_eq(bcn_cl_tune_cache_path(&b, pc, sizeof pc), 0);
    cr_assert_str_neq(pa, pb);
    cr_assert_str_neq(pa, pc);
    cr_assert(strncmp(pa, "/tmp/x/gemm-", 12) == 0, "%s", pa);
    /* XDG_CACHE_HOME, then HOME, when BURSTCCN_CACHE_DIR is unset. */
    cr_assert_eq(unsetenv("BURSTCCN_CACHE_DIR"), 0);
    cr_assert_eq(setenv("XDG_CACHE_HOME", "/tmp/xdg", 1), 0);
    cr_assert_eq(bcn_cl_tune_cache_path(&a, pa, sizeof pa), 0);
    cr_assert(strncmp(pa, "/tmp/xdg/burstccn/gemm-", 23) == 0, "%s", pa);
    cr_assert_eq(unsetenv("XDG_CACHE_HOME"), 0);
    cr_assert_eq(setenv("HOME", "/tmp/home", 1), 0);
    cr_assert_eq(bcn_cl_tune_cache_path(&a, pa, sizeof pa), 0);
    cr_assert(strncmp(pa, "/tmp/home/.cache/burstccn/gemm-", 31) == 0, "%s", pa);
}

/* --------------------------------------------------- the binary cache */

/* colsum over a fixed 37 x 300 matrix on ctx's device. */
static void colsum_on(bcn_ctx *ctx, float *out)
{
    bcn_backend *be = ctx->backend;
    float x[37 * 300];
    for (int i = 0; i < 37 * 300; i++)
        x[i] = (float)((i * 7919) % 1000) / 997.0f - 0.5f;
    bcn_buf *bx = NULL, *by = NULL;
    cr_assert_eq(be->buf_alloc(be, 37 * 300, &bx), BCN_OK);
    cr_assert_eq(be->buf_alloc(be, 300, &by), BCN_OK);
    cr_assert_eq(be->buf_write(be, bx, 0, 37 * 300, x), BCN_OK);
    cr_assert_eq(be->colsum(be, 37, 300, 1, 1.0f, bx, 0.0f, by), BCN_OK, "%s", bcn_errmsg(ctx));
    cr_assert_eq(be->buf_read(be, by, 0, 300, out), BCN_OK);
    be->buf_free(be, bx);
    be->buf_free(be, by);
}

/* ------------------------------------- the own GEMM kernels' tiles */

/* A context on the first OpenCL device running the own GEMM kernels. */
static bcn_ctx *open_own(bcn_tune_mode mode)
{
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_not_null(ctx);
    bcn_ctx_set_tune_mode(ctx, mode);
    bcn_ctx_set_gemm_engine(ctx, BCN_GEMM_OWN);
    if (bcn_ctx_open_device(ctx, "cl") != BCN_OK) {
        char why[1024];
        snprintf(why, sizeof why, "%s", bcn_errmsg(ctx));
        bcn_ctx_free(ctx);
        cr_skip_test("no OpenCL device, test skipped: %s", why);
    }
    cr_assert(bcn_cl_gemm_own(ctx->backend));
    return ctx;
}

/* Tune the own kernels for a 40-33-17-10 BurstCCN net at batch 7, with a
 * budget of one second: the search always tries one candidate. */
static void tune_own_small(bcn_ctx *ctx, bcn_tune_result *r)
{
    bcn_net_config cfg;
    bcn_net_config_init(&cfg, BCN_RULE_BURSTCCN);
    const int hidden[2] = {33, 17};
    bcn_net_config_set_dense(&cfg, 40, 2, hidden, 10);
    bcn_net *net = NULL;
    cr_assert_eq(bcn_net_create(ctx, &cfg, &net), BCN_OK, "%s", bcn_errmsg(ctx));
    cr_assert_eq(bcn_net_tune(net, 7, 1.0, 1, NULL, NULL, r), BCN_OK, "%s", bcn_errmsg(ctx));
    bcn_net_destroy(net);
}

static void expect_tiles(bcn_ctx *ctx, size_t vw, size_t rm, size_t dm, size_t dn)
{
    const bcn_cl_tuning *t = &cl_of(ctx)->tune;
    cr_expect(t->gemm_vw == vw && t->gemm_rm == rm && t->gemm_dm == dm && t->gemm_dn == dn,
              "tiles VW=%zu RM=%zu DM=%zu DN=%zu, expected %zu %zu %zu %zu", t->gemm_vw,
              t->gemm_rm, t->gemm_dm, t->gemm_dn, vw, rm, dm, dn);
}

/* The search writes a cache file naming the tiles it chose; the next
 * context builds its program with them; the tuned GEMMs match the host. */
Test(cl_tune, own_tiles_tuned_cached_and_applied_at_open, .timeout = 600)
{
    char dir[64], path[4200];
    fresh_cache_dir(dir, sizeof dir);
    bcn_ctx *ctx = open_own(BCN_TUNE_AUTO);
    cr_assert_str_eq(bcn_ctx_gemm_name(ctx), "own");
    bcn_tune_result r;
    tune_own_small(ctx, &r);
    cr_assert_eq(r.searched, 1);
    cr_assert(r.candidates >= 1, "%d candidates", r.candidates);
    cr_assert(r.n_shapes > 0 && r.tuned_ms > 0.0 && r.untuned_ms > 0.0);
    unsigned long long v[4];
    cr_assert_eq(sscanf(r.params, "own GEMM tiles VW=%llu RM=%llu DM=%llu DN=%llu", &v[0], &v[1],
                        &v[2], &v[3]),
                 4, "params '%s'", r.params);
    expect_tiles(ctx, v[0], v[1], v[2], v[3]); /* in force at once */
    cr_assert_str_eq(bcn_ctx_gemm_name(ctx), "own (tuned)");
    check_gemms_against_host(ctx, "own kernels, tiles just tuned");
    bcn_ctx_free(ctx);
    cr_assert_eq(count_files(dir, "gemm-own-", path, sizeof path), 1);
    cr_assert_eq(count_tmp_files(dir), 0, "a temporary file was left in %s", dir);

    ctx = open_own(BCN_TUNE_AUTO);
    cr_assert_str_empty(bcn_ctx_warning(ctx), "%s", bcn_ctx_warning(ctx));
    expect_tiles(ctx, v[0], v[1], v[2], v[3]);
    cr_assert_str_eq(bcn_ctx_gemm_name(ctx), "own (tuned)");
    bcn_ctx_free(ctx);

    /* Odd tiles written into the file are built and still match. */
    size_t len = 0;
    char *text = read_file(path, &len);
    char *at = strstr(text, "\ntiles ");
    cr_assert_not_null(at);
    char *eol = strchr(at + 1, '\n');
    char fixed[8192];
    snprintf(fixed, sizeof fixed, "%.*s\ntiles 8 3 3 2%s", (int)(at - text), text, eol);
    write_file(path, fixed, strlen(fixed));
    free(text);
    ctx = open_own(BCN_TUNE_AUTO);
    expect_tiles(ctx, 8, 3, 3, 2);
    check_gemms_against_host(ctx, "own kernels, tiles 8 3 3 2 from the cache");
    bcn_ctx_free(ctx);

    /* Tuning off: the device's default tiles, the file not read. */
    ctx = open_own(BCN_TUNE_OFF);
    cr_assert_str_eq(bcn_ctx_gemm_name(ctx), "own");
    cr_expect(cl_of(ctx)->tune.gemm_rm != 3 || cl_of(ctx)->tune.gemm_dm != 3);
    bcn_ctx_free(ctx);
}

/* A damaged or foreign tile cache is ignored with a warning naming it. */
Test(cl_tune, own_tile_cache_damaged_or_foreign_is_ignored, .timeout = 600)
{
    char dir[64], path[4200];
    fresh_cache_dir(dir, sizeof dir);
    bcn_ctx *ctx = open_own(BCN_TUNE_AUTO);
    bcn_cl_tuning def = cl_of(ctx)->tune;
    bcn_tune_result r;
    tune_own_small(ctx, &r);
    bcn_ctx_free(ctx);
    cr_assert_eq(count_files(dir, "gemm-own-", path, sizeof path), 1);
    size_t len = 0;
    char *good = read_file(path, &len);
    static const char *const damage[][2] = {
        {"\ntiles ", "\ntiles 7 "},        /* vector width 7 */
        {"\ndevice ", "\ndevice Other "},  /* another device */
        {"\nsource ", "\nsource 0"},       /* another gemm.cl */
        {"\nms ", "\n"},                   /* a line missing */
    };
    for (size_t d = 0; d <= sizeof damage / sizeof damage[0]; d++) {
        char bad[8192];
        if (d == sizeof damage / sizeof damage[0]) { /* cut short */
            snprintf(bad, sizeof bad, "%.*s", (int)(len / 2), good);
        } else {
            char *at = strstr(good, damage[d][0]);
            cr_assert_not_null(at);
            snprintf(bad, sizeof bad, "%.*s%s%s", (int)(at - good), good, damage[d][1],
                     at + strlen(damage[d][0]));
        }
        write_file(path, bad, strlen(bad));
        ctx = open_own(BCN_TUNE_AUTO);
        cr_expect(strstr(bcn_ctx_warning(ctx), "gemm-own-") != NULL,
                  "damage %zu: warning '%s'", d, bcn_ctx_warning(ctx));
        expect_tiles(ctx, def.gemm_vw, def.gemm_rm, def.gemm_dm, def.gemm_dn);
        cr_expect_str_eq(bcn_ctx_gemm_name(ctx), "own");
        bcn_ctx_free(ctx);
    }
    free(good);
}

/* Open the cl device, assert whether its program came from the binary
 * cache (`why` when not as wanted), and check that colsum then computes
 * `want` (NULL: store it there instead). */
static void open_and_colsum(int from_binary, const char *why, float want[300])
{
    float got[300];
    bcn_ctx *ctx = open_cl(BCN_TUNE_OFF);
    cr_assert_eq(cl_of(ctx)->program_from_binary, from_binary, "%s", why);
    colsum_on(ctx, got);
    bcn_ctx_free(ctx);
    cr_assert_arr_eq(want, got, sizeof got, "the %s program computes something else",
                     from_binary ? "cached" : "rebuilt");
}

Test(cl_program_cache, second_backend_loads_the_binary)
{
    char dir[64], bin[4200];
    fresh_cache_dir(dir, sizeof dir);
    bcn_ctx *ctx = open_cl(BCN_TUNE_OFF);
    cr_assert_eq(cl_of(ctx)->program_from_binary, 0, "an empty cache cannot hold the program");
    float first[300];
    colsum_on(ctx, first);
    bcn_ctx_free(ctx);
    cr_assert_eq(count_files(dir, "kernels-", bin, sizeof bin), 1, "no binary in %s", dir);
    cr_assert_eq(count_tmp_files(dir), 0, "a temporary file was left in %s", dir);

    open_and_colsum(1, "the cached binary was not used", first);

    /* A file cut short is rebuilt from source and replaced by a whole
     * binary, which the next open loads. (Its length need not be the first
     * one's: PoCL's binary carries whatever kernels its own cache had
     * compiled, which other processes may change.) */
    size_t len = 0;
    char *data = read_file(bin, &len);
    write_file(bin, data, len / 3);
    open_and_colsum(0, "a file cut short was loaded", first);
    size_t len2 = 0;
    char *again = read_file(bin, &len2);
    cr_assert_gt(len2, len / 3, "the damaged file was not replaced");
    open_and_colsum(1, "the replacing binary was not used", first);
    /* A file keyed to another device (its header says so) is not loaded. */
    char *moved = replace(again, "\ndevice ", "\ndevice Another Device ", &len2);
    write_file(bin, moved, len2);
    open_and_colsum(0, "a foreign binary was loaded", first);
    free(moved);
    free(data);
    free(again);
}

Test(cl_program_cache, can_be_switched_off)
{
    char dir[64];
    fresh_cache_dir(dir, sizeof dir);
    cr_assert_eq(setenv("BURSTCCN_PROGRAM_CACHE", "off", 1), 0);
    bcn_ctx *ctx = open_cl(BCN_TUNE_OFF);
    bcn_ctx_free(ctx);
    cr_assert_eq(count_files(dir, "kernels-", NULL, 0), 0, "written although switched off");
}

#else

Test(cl_tune, no_opencl)
{
    cr_skip_test("built without OpenCL");
}

#endif

#include "cl_test_main.h"
