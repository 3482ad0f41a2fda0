/*
 * cl_tune_own.c — tuning the backend's own GEMM kernels (kernels/gemm.cl)
 * for the device and a network's shape mix, and their cache file.
 *
 * The kernels' tiles are compile-time constants (BCN_GEMM_VW, _RM, _DM,
 * _DN; cl_tuning.c), so a candidate is gemm.cl (the embedded source, also
 * when $BURSTCCN_KERNEL_DIR is set) built alone with other -D options, its
 * kernels standing in for the program's while it is timed: about 0.5 s per
 * candidate on PoCL (2-core EPYC), against 12-40 s for one CLBlast
 * candidate, so the search tries every tile of a small grid in seconds; the
 * whole program is rebuilt once, with the winner. For each vector width (the device's native one, and 8 when that
 * is 16) six programs are built, pairing rows per work-item (op(B) = B
 * kernels) 8, 4, 16 with dot-product tiles (op(B) = Bᵀ) 2x4, 1x4, 2x2, 4x4,
 * 2x8, 4x2; the two kernel families are timed on their own shapes, so the
 * best of each combines. Every candidate is validated against the host
 * (bcn_cl_mix_measure: relative error <= 1e-4) before it is timed; the
 * chosen tiles must beat the defaults by 2 % when both are timed again,
 * alternately, or the defaults stay.
 *
 * The result goes to gemm-own-HASH.txt in the cache folder (cl_cache.h),
 * keyed by device name, driver version, platform version and a hash of
 * gemm.cl, written atomically; opening the device reads it before the
 * program is built (bcn_cl_own_tiles_at_open). A corrupt or foreign file is
 * ignored with a warning.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_cache.h"
#include "cl_tune.h"
#include "gemm_shapes.h"

#define OWN_CACHE_MAGIC "burstccn-own-gemm 1"
#define MIN_GAIN 0.98
#define CONFIRM_ROUNDS 3

static const size_t rm_candidates[] = {8, 4, 16};
static const size_t dot_candidates[][2] = {{2, 4}, {1, 4}, {2, 2}, {4, 4}, {2, 8}, {4, 2}};
#define N_ROUNDS (sizeof dot_candidates / sizeof dot_candidates[0])

/* ------------------------------------------------------------ cache */

/* The key lines of the device's cache file ("device ...\ndriver ...\n..."). */
static void cache_key(const bcn_backend *be, char *buf, size_t len)
{
    uint64_t src = BCN_HASH_SEED;
    for (size_t i = 0; i < bcn_cl_source_count; i++)
        if (strcmp(bcn_cl_sources[i].name, "gemm.cl") == 0)
            src = bcn_hash64(src, bcn_cl_sources[i].text, bcn_cl_sources[i].len);
    snprintf(buf, len, "device %s\ndriver %s\nplatform %s\nsource %016llx\n", be->info.name,
             be->info.driver, be->info.version, (unsigned long long)src);
}

/* The cache file of be's device. 0, or -1 without a cache folder. */
static int cache_path(const bcn_backend *be, char *path, size_t len)
{
    char dir[4096], key[2048];
    if (bcn_cache_dir(dir, sizeof dir) != 0)
        return -1;
    cache_key(be, key, sizeof key);
    int n = snprintf(path, len, "%s/gemm-own-%016llx.txt", dir,
                     (unsigned long long)bcn_hash_str(BCN_HASH_SEED, key));
    return n > 0 && (size_t)n < len ? 0 : -1;
}

static int tiles_valid(const size_t *t)
{
    return (t[0] == 8 || t[0] == 16) && t[1] >= 1 && t[1] <= 32 && t[2] >= 1 && t[2] <= 8 &&
           t[3] >= 1 && t[3] <= 8;
}

/* Read the cache: 1 found (tiles, shapes key and times set), 0 no file, -1
 * unusable (why set). */
static int cache_load(const bcn_backend *be, size_t *tiles, char *shapes, size_t shapes_len,
                      double *ms, char *why, size_t why_len)
{
    char path[4200], key[2048];
    char *data = NULL;
    size_t len = 0;
    if (cache_path(be, path, sizeof path) != 0 || bcn_cache_read(path, 1 << 16, &data, &len) != 0)
        return 0;
    cache_key(be, key, sizeof key);
    size_t ml = strlen(OWN_CACHE_MAGIC), kl = strlen(key);
    int ok = len > ml + 1 && memcmp(data, OWN_CACHE_MAGIC "\n", ml + 1) == 0 &&
             strncmp(data + ml + 1, key, kl) == 0;
    const char *rest = ok ? data + ml + 1 + kl : "";
    const char *sh = ok ? strstr(rest, "shapes ") : NULL;
    const char *ti = ok ? strstr(rest, "\ntiles ") : NULL;
    const char *tm = ok ? strstr(rest, "\nms ") : NULL;
    unsigned long long v[4];
    if (!sh || sh != rest || !ti || !tm ||
        sscanf(ti, "\ntiles %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3]) != 4 ||
        sscanf(tm, "\nms %lf %lf", &ms[0], &ms[1]) != 2) {
        snprintf(why, why_len,
                 "ignoring the GEMM tile cache '%.600s': not a cache file of this device, driver "
                 "and kernel source (delete it, or run 'burstccn tune' to replace it)",
                 path);
        free(data);
        return -1;
    }
    for (int i = 0; i < 4; i++)
        tiles[i] = (size_t)v[i];
    const char *eol = strchr(sh, '\n');
    size_t sl = (size_t)(eol - sh) - 7;
    if (!tiles_valid(tiles) || sl >= shapes_len) {
        snprintf(why, why_len, "ignoring the GEMM tile cache '%.600s': tiles out of range", path);
        free(data);
        return -1;
    }
    memcpy(shapes, sh + 7, sl);
    shapes[sl] = '\0';
    free(data);
    return 1;
}

static int cache_store(const bcn_backend *be, const size_t *tiles, const char *shapes,
                       const double *ms, char *path, size_t path_len, char *err, size_t err_len)
{
    char key[2048];
    if (cache_path(be, path, path_len) != 0) {
        snprintf(err, err_len, "no cache folder (set BURSTCCN_CACHE_DIR or HOME)");
        return -1;
    }
    cache_key(be, key, sizeof key);
    size_t cap = strlen(key) + strlen(shapes) + 256;
    char *text = malloc(cap);
    if (!text) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    int n = snprintf(text, cap, "%s\n%sshapes %s\ntiles %zu %zu %zu %zu\nms %.6f %.6f\n",
                     OWN_CACHE_MAGIC, key, shapes, tiles[0], tiles[1], tiles[2], tiles[3], ms[0],
                     ms[1]);
    int rc = bcn_cache_write(path, text, (size_t)n, err, err_len);
    free(text);
    return rc;
}

int bcn_cl_own_tiles_at_open(bcn_ctx *ctx, bcn_backend *be, size_t *tiles)
{
    if (bcn_ctx_tune_mode(ctx) == BCN_TUNE_OFF)
        return 0;
    char shapes[2048], why[900];
    double ms[2];
    int found = cache_load(be, tiles, shapes, sizeof shapes, ms, why, sizeof why);
    if (found < 0)
        snprintf(ctx->warning, sizeof ctx->warning, "%s", why);
    ((bcn_cl *)be->impl)->own_tuned = found > 0;
    return found;
}

/* ------------------------------------------------------------ search */

/* Rebuild be's whole program with tiles t (once the choice is made). */
static bcn_status apply_tiles(bcn_backend *be, const size_t *t, int use_cache)
{
    bcn_cl *cl = be->impl;
    bcn_cl_program_release(cl);
    bcn_status st = bcn_cl_tuning_pick(be->ctx, cl->device, t, &cl->tune);
    if (st == BCN_OK)
        st = bcn_cl_program_build(be->ctx, cl, use_cache);
    return st;
}

/* A candidate: gemm.cl alone (the embedded source) built with tiles t, its
 * three kernels standing in for the program's while it is timed. */
typedef struct candidate {
    cl_program program;
    cl_kernel kernels[3];
    cl_kernel saved[3];
    bcn_cl_tuning saved_tune;
} candidate;

static const bcn_cl_kernel_id gemm_ids[3] = {BCN_K_GEMM_NN, BCN_K_GEMM_TN, BCN_K_GEMM_NT};

/* Build candidate t and put it in place: BCN_OK, or the build's error. */
static bcn_status candidate_enter(bcn_backend *be, const size_t *t, candidate *c)
{
    bcn_cl *cl = be->impl;
    memset(c, 0, sizeof *c);
    const bcn_cl_source *src = NULL;
    for (size_t i = 0; i < bcn_cl_source_count; i++)
        if (strcmp(bcn_cl_sources[i].name, "gemm.cl") == 0)
            src = &bcn_cl_sources[i];
    if (!src)
        return bcn_set_error(be->ctx, BCN_ERR_KERNEL_BUILD, "GEMM tuning: gemm.cl is not embedded");
    char options[256];
    snprintf(options, sizeof options,
             "-cl-std=CL1.2 -DBCN_GEMM_VW=%zu -DBCN_GEMM_RM=%zu -DBCN_GEMM_DM=%zu "
             "-DBCN_GEMM_DN=%zu",
             t[0], t[1], t[2], t[3]);
    const char *text = (const char *)src->text;
    size_t len = src->len;
    cl_int err = CL_SUCCESS;
    c->program = clCreateProgramWithSource(cl->context, 1, &text, &len, &err);
    if (err != CL_SUCCESS) {
        c->program = NULL;
        return bcn_cl_fail(be->ctx, err, "clCreateProgramWithSource", "gemm.cl (tuning)");
    }
    err = clBuildProgram(c->program, 1, &cl->device, options, NULL, NULL);
    if (err != CL_SUCCESS)
        return bcn_set_error(be->ctx, BCN_ERR_KERNEL_BUILD,
                             "GEMM tuning: building gemm.cl with '%s' failed: %s (%d)", options,
                             bcn_cl_error_name(err), err);
    for (int k = 0; k < 3; k++) {
        c->kernels[k] = clCreateKernel(c->program, bcn_cl_kernel_name(gemm_ids[k]), &err);
        if (err != CL_SUCCESS) {
            c->kernels[k] = NULL;
            return bcn_cl_fail(be->ctx, err, "clCreateKernel", bcn_cl_kernel_name(gemm_ids[k]));
        }
    }
    c->saved_tune = cl->tune;
    for (int k = 0; k < 3; k++) {
        c->saved[k] = cl->kernels[gemm_ids[k]];
        cl->kernels[gemm_ids[k]] = c->kernels[k];
    }
    cl->tune.gemm_vw = t[0];
    cl->tune.gemm_rm = t[1];
    cl->tune.gemm_dm = t[2];
    cl->tune.gemm_dn = t[3];
    return BCN_OK;
}

/* Put the program's own kernels back and release the candidate. */
static void candidate_leave(bcn_backend *be, candidate *c)
{
    bcn_cl *cl = be->impl;
    clFinish(cl->queue); /* the candidate's kernels are done before release */
    if (c->saved[0]) {
        for (int k = 0; k < 3; k++)
            cl->kernels[gemm_ids[k]] = c->saved[k];
        cl->tune = c->saved_tune;
    }
    for (int k = 0; k < 3; k++)
        if (c->kernels[k])
            clReleaseKernel(c->kernels[k]);
    if (c->program)
        clReleaseProgram(c->program);
    memset(c, 0, sizeof *c);
}

/* Which tile the shape's kernel takes: 0 the op(B) = B kernels, 1 Bᵀ. */
static int family(const bcn_gemm_shape *g) { return g->tb != 0; }

bcn_status bcn_cl_tune_own(bcn_backend *be, const bcn_gemm_shape *shapes, const double *weights,
                           int n, double budget_s, int force, bcn_tune_progress progress,
                           void *user, bcn_tune_result *res)
{
    bcn_cl *cl = be->impl;
    double start = bcn_now_seconds();
    char key[2048], cached_key[2048], why[900] = "";
    size_t cached[4];
    double ms[2];
    bcn_cl_mix_key(shapes, weights, n, key, sizeof key);
    cache_path(be, res->cache_path, sizeof res->cache_path);
    int found = cache_load(be, cached, cached_key, sizeof cached_key, ms, why, sizeof why);
    bcn_status st = BCN_OK;
    if (found > 0 && !force && strcmp(cached_key, key) == 0) {
        st = apply_tiles(be, cached, 1);
        cl->own_tuned = st == BCN_OK;
        res->untuned_ms = ms[0];
        res->tuned_ms = ms[1];
        snprintf(res->params, sizeof res->params, "own GEMM tiles VW=%zu RM=%zu DM=%zu DN=%zu\n",
                 cached[0], cached[1], cached[2], cached[3]);
        res->seconds = bcn_now_seconds() - start;
        return st;
    }
    /* The defaults: the device's table row, without any cached tiles. */
    bcn_cl_tuning def;
    if ((st = bcn_cl_tuning_pick(be->ctx, cl->device, NULL, &def)) != BCN_OK)
        return st;
    size_t def_t[4] = {def.gemm_vw, def.gemm_rm, def.gemm_dm, def.gemm_dn};
    size_t vws[2] = {def.gemm_vw, 8};
    int n_vw = def.gemm_vw == 16 ? 2 : 1;
    int total = 1 + n_vw * (int)N_ROUNDS + 1, step = 0, tried = 0;
    bcn_cl_mix *mix = NULL;
    double *t_def = calloc((size_t)(n > 0 ? n : 1), sizeof *t_def);
    double *t_try = calloc((size_t)(n > 0 ? n : 1), sizeof *t_try);
    double *best_t = calloc((size_t)(n > 0 ? n : 1), sizeof *best_t);
    if (!t_def || !t_try || !best_t) {
        st = bcn_set_error(be->ctx, BCN_ERR_NOMEM, "GEMM tuning: no host memory");
        goto done;
    }
    if ((st = bcn_cl_mix_new(be, shapes, weights, n, progress, user, &mix)) != BCN_OK)
        goto done;
    if (progress)
        progress(user, step, total, "own GEMM kernels: default tiles");
    candidate dcand;
    st = candidate_enter(be, def_t, &dcand);
    int dm = st == BCN_OK ? bcn_cl_mix_measure(mix, t_def, why, sizeof why) : -1;
    candidate_leave(be, &dcand);
    if (st != BCN_OK)
        goto done;
    if (dm <= 0) {
        st = bcn_set_error(be->ctx, BCN_ERR_BLAS,
                           "GEMM tuning: the own GEMM kernels with their default tiles fail: %s",
                           why[0] ? why : bcn_errmsg(be->ctx));
        goto done;
    }
    step++;
    /* Per vector width, the best tile of each family; then the best width. */
    size_t best[4] = {def_t[0], def_t[1], def_t[2], def_t[3]};
    double best_total = bcn_cl_mix_time(mix, t_def);
    memcpy(best_t, t_def, (size_t)n * sizeof *best_t);
    for (int v = 0; v < n_vw; v++) {
        double fam_best[2] = {INFINITY, INFINITY};
        size_t fam_tile[2][2] = {{0, 0}, {0, 0}};
        double *fam_t = calloc((size_t)(n > 0 ? n : 1), sizeof *fam_t);
        if (!fam_t) {
            st = bcn_set_error(be->ctx, BCN_ERR_NOMEM, "GEMM tuning: no host memory");
            goto done;
        }
        for (size_t r = 0; r < N_ROUNDS && st == BCN_OK; r++, step++) {
            size_t t[4] = {vws[v], rm_candidates[r % 3], dot_candidates[r][0],
                           dot_candidates[r][1]};
            char label[128];
            snprintf(label, sizeof label, "own GEMM kernels: VW=%zu RM=%zu DM=%zu DN=%zu",
                     t[0], t[1], t[2], t[3]);
            if (progress)
                progress(user, step, total, label);
            if (tried > 0 && bcn_now_seconds() - start > budget_s)
                break; /* past the budget, after at least one candidate */
            candidate cand;
            st = candidate_enter(be, t, &cand);
            int m = st == BCN_OK ? bcn_cl_mix_measure(mix, t_try, why, sizeof why) : -1;
            candidate_leave(be, &cand);
            tried++;
            if (st == BCN_ERR_KERNEL_BUILD) { /* a tile this compiler refuses: skip it */
                bcn_clear_error(be->ctx);
                st = BCN_OK;
                continue;
            }
            if (m < 0) {
                st = st != BCN_OK ? st : bcn_errcode(be->ctx);
                break;
            }
            if (m == 0) /* a tile that does not validate is skipped */
                continue;
            double fam[2] = {0.0, 0.0};
            for (int i = 0; i < n; i++)
                fam[family(&shapes[i])] += weights[i] * t_try[i];
            for (int f = 0; f < 2; f++)
                if (fam[f] < fam_best[f]) { /* family 0: rounds r and r + 3 share RM */
                    fam_best[f] = fam[f];
                    fam_tile[f][0] = f == 0 ? t[1] : t[2];
                    fam_tile[f][1] = f == 0 ? 0 : t[3];
                    for (int i = 0; i < n; i++)
                        if (family(&shapes[i]) == f)
                            fam_t[i] = t_try[i];
                }
        }
        if (st != BCN_OK) {
            free(fam_t);
            goto done;
        }
        if (isfinite(fam_best[0]) && isfinite(fam_best[1]) &&
            fam_best[0] + fam_best[1] < best_total) {
            best_total = fam_best[0] + fam_best[1];
            best[0] = vws[v];
            best[1] = fam_tile[0][0];
            best[2] = fam_tile[1][0];
            best[3] = fam_tile[1][1];
            memcpy(best_t, fam_t, (size_t)n * sizeof *best_t);
        }
        free(fam_t);
    }
    /* Confirm: defaults and the choice timed alternately, best of each. */
    if (progress)
        progress(user, step, total, "own GEMM kernels: confirming");
    int differs = memcmp(best, def_t, sizeof best) != 0;
    double d_best = INFINITY, c_best = INFINITY;
    for (int r = 0; differs && r < CONFIRM_ROUNDS && st == BCN_OK; r++) {
        for (int which = 0; which < 2 && st == BCN_OK; which++) {
            candidate cand;
            st = candidate_enter(be, which ? best : def_t, &cand);
            double *t = which ? t_try : t_def;
            int m = st == BCN_OK ? bcn_cl_mix_measure(mix, t, why, sizeof why) : -1;
            candidate_leave(be, &cand);
            if (st != BCN_OK)
                break;
            if (m <= 0) {
                st = bcn_set_error(be->ctx, BCN_ERR_BLAS, "GEMM tuning: re-timing failed: %s",
                                   why[0] ? why : bcn_errmsg(be->ctx));
                break;
            }
            double total_t = bcn_cl_mix_time(mix, t);
            if (which && total_t < c_best) {
                c_best = total_t;
                memcpy(best_t, t_try, (size_t)n * sizeof *best_t);
            }
            if (!which && total_t < d_best)
                d_best = total_t;
        }
    }
    if (st != BCN_OK)
        goto done;
    if (!differs || !(c_best <= MIN_GAIN * d_best)) {
        memcpy(best, def_t, sizeof best);
        memcpy(best_t, t_def, (size_t)n * sizeof *best_t);
    }
    step = total;
    if (progress)
        progress(user, step, total, "own GEMM kernels: done");
    st = apply_tiles(be, best, 1); /* also when they are the defaults: the program was built before tuning */
    if (st != BCN_OK)
        goto done;
    cl->own_tuned = 1; /* the tiles are the search's answer, defaults or not */
    bcn_cl_mix_result(mix, t_def, best_t, res);
    res->searched = 1;
    res->candidates = tried;
    snprintf(res->params, sizeof res->params, "own GEMM tiles VW=%zu RM=%zu DM=%zu DN=%zu\n",
             best[0], best[1], best[2], best[3]);
    ms[0] = res->untuned_ms;
    ms[1] = res->tuned_ms;
    char err[600];
    if (cache_store(be, best, key, ms, res->cache_path, sizeof res->cache_path, err,
                    sizeof err) != 0) {
        res->cache_path[0] = '\0';
        snprintf(res->note, sizeof res->note, "not cached: %.480s", err);
    }
    res->seconds = bcn_now_seconds() - start;
done:
    bcn_cl_mix_free(mix);
    free(t_def);
    free(t_try);
    free(best_t);
    return st;
}
