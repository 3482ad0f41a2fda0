/*
 * cl_tune.c — tuning CLBlast's GEMM for the device and a network's shape
 * mix (see cl_tune.h for why the result is one set per kernel).
 *
 * The search is driven through CLBlastSgemm itself: each candidate set is
 * applied with CLBlastOverrideParameters, every shape of the mix is run
 * once and compared with a double-precision host GEMM (relative error
 * ||C - C_ref|| / ||C_ref|| <= 1e-4, the tolerance of the op tests), then
 * timed (best of three calibrated repetitions: on a shared machine the
 * best is the least disturbed). A candidate costs one compile of CLBlast's
 * whole GEMM program (measured on PoCL, 2-core EPYC: 12 to 40 s when the
 * machine is quiet, minutes under load; WGD = 64 sets were the slowest),
 * so the candidate lists are short, ordered by how well they did on CPUs,
 * and the budget is checked before each compile, using the slowest compile
 * seen so far as the estimate of the next.
 *
 *   1. baseline: CLBlast's own parameters (usually compiled already);
 *   2. XgemmDirect candidates with XGEMM_MIN_INDIRECT_SIZE so large that
 *      every shape runs direct;
 *   3. Xgemm candidates (CLBlast's own first) with the best direct set and
 *      XGEMM_MIN_INDIRECT_SIZE = 1, so that every shape runs indirect;
 *   4. the choice: the direct set, the Xgemm set and the threshold that
 *      minimise the mix's weighted time (each shape goes to the kernel the
 *      threshold sends it to), or CLBlast's own parameters unless that is
 *      at least 2 % slower; a new combination is compiled and validated;
 *   5. confirmation: CLBlast's set and the chosen one are timed
 *      alternately, three rounds, best of each (candidates were timed
 *      minutes apart, and a busy machine makes such numbers disagree: one
 *      run here predicted a gain that re-timing showed to be a loss); the
 *      chosen set is kept only if it is still at least 2 % faster.
 */
#include "config.h"

#include <clblast_c.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_tune.h"
#include "gemm_shapes.h"

#define TUNE_TOL 1e-4          /* relative error allowed, as the GEMM op tests */
#define MIN_GAIN 0.98          /* a tuned mix must take <= 98 % of the default's time */
#define TIME_TARGET_S 0.010    /* calibrated length of one timed repetition */
#define TIME_REPS 3
#define CONFIRM_ROUNDS 3       /* alternating re-timings of the default and chosen sets */

/* XgemmDirect candidates, best first on the 2-core EPYC with PoCL (CLBlast's
 * CPU rows and variations; WGD = 64 left out: compiles took minutes).
 * Order: KWID MDIMAD MDIMCD NDIMBD NDIMCD PADA PADB VWMD VWND WGD. */
static const size_t direct_candidates[][BCN_TUNE_DIRECT_N] = {
    {2, 8, 8, 8, 8, 0, 0, 4, 4, 32},
    {2, 8, 8, 8, 8, 1, 1, 4, 4, 32},
    {2, 16, 16, 16, 16, 0, 0, 2, 2, 32},
    {8, 8, 8, 8, 8, 0, 0, 4, 4, 32},
    {16, 16, 8, 8, 8, 0, 0, 2, 4, 32},
    {2, 8, 8, 8, 8, 0, 0, 2, 2, 32},
    {2, 8, 8, 8, 8, 0, 0, 2, 2, 16},
    {2, 16, 16, 16, 16, 0, 0, 1, 1, 16},
};

/* Xgemm candidates after CLBlast's own. Order: GEMMK KREG KWG KWI MDIMA
 * MDIMC MWG NDIMB NDIMC NWG SA SB STRM STRN VWM VWN. */
static const size_t xgemm_candidates[][BCN_TUNE_XGEMM_N] = {
    {0, 1, 32, 2, 8, 8, 64, 8, 8, 64, 0, 0, 0, 0, 4, 4},
    {0, 1, 16, 2, 8, 8, 32, 8, 8, 32, 0, 0, 0, 0, 4, 4},
};

#define N_DIRECT (sizeof direct_candidates / sizeof direct_candidates[0])
#define N_XGEMM (sizeof xgemm_candidates / sizeof xgemm_candidates[0])

/* ------------------------------------------------------------ search */

typedef struct mix_shape {
    bcn_gemm_shape g;
    double w;        /* calls per step */
    double flops;    /* 2 m n k */
    double *ref;     /* expected C, m x n */
} mix_shape;

typedef struct search {
    bcn_backend *be;
    bcn_cl *cl;
    mix_shape *s;
    int n;
    cl_mem a, b, c;
    float *c0, *got;  /* C's initial values; C read back */
    double start, budget;
    double compile_est; /* slowest first pass so far (compile + first runs) */
    int candidates;
    bcn_tune_progress progress;
    void *user;
    int step, steps;
} search;

/* One measured configuration. */
typedef struct trial {
    bcn_cl_gemm_params p;
    int ok;
    double t[BCN_TUNE_MAX_SHAPES]; /* seconds per call */
} trial;

static void report(search *s, const char *what)
{
    if (s->progress)
        s->progress(s->user, s->step, s->steps, what);
}

static size_t a_size(const bcn_gemm_shape *g) { return (size_t)g->m * g->k; }
static size_t b_size(const bcn_gemm_shape *g) { return (size_t)g->k * g->n; }
static size_t c_size(const bcn_gemm_shape *g) { return (size_t)g->m * g->n; }

/* Enqueue one call of shape i. */
static bcn_status run_shape(search *s, int i)
{
    const bcn_gemm_shape *g = &s->s[i].g;
    return bcn_cl_sgemm(s->be, "tune", g->ta, g->tb, (size_t)g->m, (size_t)g->n, (size_t)g->k,
                        1.0f, s->a, g->ta ? (size_t)g->m : (size_t)g->k, s->b,
                        g->tb ? (size_t)g->k : (size_t)g->n, g->beta, s->c, (size_t)g->n);
}

/* Seconds for `iters` calls of shape i, the queue drained. */
static bcn_status time_calls(search *s, int i, long iters, double *sec)
{
    double t0 = bcn_now_seconds();
    bcn_status st = BCN_OK;
    for (long r = 0; r < iters && st == BCN_OK; r++)
        st = run_shape(s, i);
    cl_int err = clFinish(s->cl->queue);
    if (st == BCN_OK && err != CL_SUCCESS)
        st = bcn_cl_fail(s->be->ctx, err, "clFinish", "GEMM tuning");
    *sec = bcn_now_seconds() - t0;
    return st;
}

/* Run shape i once from C0 and compare with the host result: 1 matches,
 * 0 does not (why set), -1 an OpenCL failure (the context's error). A
 * CLBlast failure is a candidate that does not work: 0. */
static int check_shape(search *s, int i, char *why, size_t why_len)
{
    const mix_shape *ms = &s->s[i];
    size_t nc = c_size(&ms->g);
    cl_int err = clEnqueueWriteBuffer(s->cl->queue, s->c, CL_TRUE, 0, nc * sizeof(float), s->c0,
                                      0, NULL, NULL);
    if (err != CL_SUCCESS) {
        bcn_cl_fail(s->be->ctx, err, "clEnqueueWriteBuffer", "GEMM tuning");
        return -1;
    }
    if (run_shape(s, i) != BCN_OK) {
        snprintf(why, why_len, "%s", bcn_errmsg(s->be->ctx));
        bcn_clear_error(s->be->ctx);
        return 0;
    }
    err = clEnqueueReadBuffer(s->cl->queue, s->c, CL_TRUE, 0, nc * sizeof(float), s->got, 0,
                              NULL, NULL);
    if (err != CL_SUCCESS) {
        bcn_cl_fail(s->be->ctx, err, "clEnqueueReadBuffer", "GEMM tuning");
        return -1;
    }
    double diff = 0.0, norm = 0.0;
    for (size_t j = 0; j < nc; j++) {
        double d = (double)s->got[j] - ms->ref[j];
        if (!isfinite(s->got[j]))
            d = INFINITY;
        diff += d * d;
        norm += ms->ref[j] * ms->ref[j];
    }
    double rel = norm > 0.0 ? sqrt(diff / norm) : sqrt(diff);
    if (!(rel <= TUNE_TOL)) {
        snprintf(why, why_len, "%s%s %dx%dx%d: relative error %.3g > %.0e", ms->g.ta ? "T" : "N",
                 ms->g.tb ? "T" : "N", ms->g.m, ms->g.n, ms->g.k, rel, TUNE_TOL);
        return 0;
    }
    return 1;
}

/* Best seconds per call of shape i. */
static bcn_status time_shape(search *s, int i, double *best)
{
    long iters = 1;
    double dt = 0.0;
    bcn_status st = BCN_OK;
    for (;;) { /* calibrate: double the count until a run lasts TIME_TARGET_S */
        st = time_calls(s, i, iters, &dt);
        if (st != BCN_OK || dt >= TIME_TARGET_S || iters >= (1L << 16))
            break;
        iters *= 2;
    }
    *best = dt / (double)iters;
    for (int r = 0; r < TIME_REPS && st == BCN_OK; r++) {
        st = time_calls(s, i, iters, &dt);
        if (dt / (double)iters < *best)
            *best = dt / (double)iters;
    }
    return st;
}

/* Apply tr->p, validate every shape and time it. BCN_OK with tr->ok set
 * (0: the candidate was rejected, why set), or an OpenCL error. */
static bcn_status measure(search *s, trial *tr, const char *label, char *why, size_t why_len)
{
    tr->ok = 0;
    report(s, label);
    bcn_status st = bcn_cl_gemm_params_apply(s->be, &tr->p);
    if (st != BCN_OK) {
        snprintf(why, why_len, "%s", bcn_errmsg(s->be->ctx));
        bcn_clear_error(s->be->ctx);
        return BCN_OK;
    }
    double t0 = bcn_now_seconds();
    for (int i = 0; i < s->n; i++) {
        int r = check_shape(s, i, why, why_len);
        if (r < 0)
            return bcn_errcode(s->be->ctx);
        if (r == 0)
            return BCN_OK;
    }
    double first = bcn_now_seconds() - t0;
    if (first > s->compile_est)
        s->compile_est = first;
    for (int i = 0; i < s->n && st == BCN_OK; i++)
        st = time_shape(s, i, &tr->t[i]);
    tr->ok = st == BCN_OK;
    return st;
}

/* Weighted seconds of one step's GEMMs, shape i taking t[i]. */
static double mix_time(const search *s, const double *t)
{
    double sum = 0.0;
    for (int i = 0; i < s->n; i++)
        sum += s->s[i].w * t[i];
    return sum;
}

/* 1 when CLBlast runs shape g direct under threshold `min` (its rule). */
static int runs_direct(const bcn_gemm_shape *g, size_t min)
{
    unsigned long long mnk = (unsigned long long)g->m * (unsigned long long)g->n *
                             (unsigned long long)g->k;
    unsigned long long m = min;
    return mnk < m * m * m;
}

/* Time left allows `k` more compiles? */
static int affordable(const search *s, int k)
{
    return bcn_now_seconds() - s->start + k * s->compile_est <= s->budget;
}

/* Host double-precision C = op(A) op(B) + beta C0 for every shape. */
static bcn_status host_references(search *s, const float *a, const float *b)
{
    for (int i = 0; i < s->n; i++) {
        const bcn_gemm_shape *g = &s->s[i].g;
        double *ref = malloc(c_size(g) * sizeof *ref);
        if (!ref)
            return bcn_set_error(s->be->ctx, BCN_ERR_NOMEM, "GEMM tuning: no host memory");
        s->s[i].ref = ref;
        for (int r = 0; r < g->m; r++)
            for (int c = 0; c < g->n; c++) {
                double acc = 0.0;
                for (int p = 0; p < g->k; p++) {
                    double x = g->ta ? a[(size_t)p * g->m + r] : a[(size_t)r * g->k + p];
                    double y = g->tb ? b[(size_t)c * g->k + p] : b[(size_t)p * g->n + c];
                    acc += x * y;
                }
                size_t at = (size_t)r * g->n + c;
                ref[at] = acc + (double)g->beta * s->c0[at];
            }
    }
    return BCN_OK;
}

/* Buffers, inputs and references for the mix. */
static bcn_status search_setup(search *s)
{
    size_t na = 1, nb = 1, nc = 1;
    for (int i = 0; i < s->n; i++) {
        const bcn_gemm_shape *g = &s->s[i].g;
        na = a_size(g) > na ? a_size(g) : na;
        nb = b_size(g) > nb ? b_size(g) : nb;
        nc = c_size(g) > nc ? c_size(g) : nc;
    }
    float *a = malloc(na * sizeof *a), *b = malloc(nb * sizeof *b);
    s->c0 = malloc(nc * sizeof *s->c0);
    s->got = malloc(nc * sizeof *s->got);
    bcn_status st = BCN_OK;
    if (!a || !b || !s->c0 || !s->got) {
        st = bcn_set_error(s->be->ctx, BCN_ERR_NOMEM, "GEMM tuning: no host memory");
        goto done;
    }
    bcn_rng rng;
    bcn_rng_seed(&rng, 0x74756e65ULL); /* fixed: every run checks the same products */
    for (size_t i = 0; i < na; i++)
        a[i] = (float)(2.0 * bcn_rng_uniform(&rng) - 1.0);
    for (size_t i = 0; i < nb; i++)
        b[i] = (float)(2.0 * bcn_rng_uniform(&rng) - 1.0);
    for (size_t i = 0; i < nc; i++)
        s->c0[i] = (float)(2.0 * bcn_rng_uniform(&rng) - 1.0);
    cl_int err = CL_SUCCESS;
    cl_context context = s->cl->context;
    s->a = clCreateBuffer(context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, na * sizeof(float),
                          a, &err);
    if (err == CL_SUCCESS)
        s->b = clCreateBuffer(context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                              nb * sizeof(float), b, &err);
    if (err == CL_SUCCESS)
        s->c = clCreateBuffer(context, CL_MEM_READ_WRITE, nc * sizeof(float), NULL, &err);
    if (err != CL_SUCCESS) {
        st = bcn_cl_fail(s->be->ctx, err, "clCreateBuffer", "GEMM tuning");
        goto done;
    }
    st = host_references(s, a, b);
done:
    free(a);
    free(b);
    return st;
}

static void search_free(search *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->s[i].ref);
    free(s->s);
    free(s->c0);
    free(s->got);
    if (s->a)
        clReleaseMemObject(s->a);
    if (s->b)
        clReleaseMemObject(s->b);
    if (s->c)
        clReleaseMemObject(s->c);
}

/* The key of the mix stored in the cache ("NT32x500x784b0*4.000;..."). */
static void shapes_key(const bcn_gemm_shape *g, const double *w, int n, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && used < len; i++) {
        int wr = snprintf(buf + used, len - used, "%s%s%s%dx%dx%db%d*%.4f", i ? ";" : "",
                          g[i].ta ? "T" : "N", g[i].tb ? "T" : "N", g[i].m, g[i].n, g[i].k,
                          g[i].beta != 0.0f, w[i]);
        used += wr > 0 ? (size_t)wr : 0;
    }
}

/* The best combination of a direct trial, an indirect trial and a
 * threshold; returns its weighted time (INFINITY when none). */
static double best_combination(const search *s, const trial *dt, int nd, const trial *xt,
                               int nx, bcn_cl_gemm_params *out, double *t_out)
{
    double best = INFINITY;
    size_t thresholds[BCN_TUNE_MAX_SHAPES + 2];
    int nt = 0;
    thresholds[nt++] = 1;
    thresholds[nt++] = BCN_TUNE_ALL_DIRECT;
    for (int i = 0; i < s->n; i++) { /* the least threshold that sends shape i direct */
        const bcn_gemm_shape *g = &s->s[i].g;
        size_t t = (size_t)cbrt((double)g->m * g->n * g->k);
        while (!runs_direct(g, t))
            t++;
        thresholds[nt++] = t;
    }
    for (int d = 0; d < nd; d++) {
        if (!dt[d].ok)
            continue;
        for (int x = -1; x < nx; x++) { /* -1: no indirect trial, all direct */
            if (x >= 0 && !xt[x].ok)
                continue;
            for (int k = 0; k < (x < 0 ? 1 : nt); k++) {
                size_t th = x < 0 ? BCN_TUNE_ALL_DIRECT : thresholds[k];
                double t[BCN_TUNE_MAX_SHAPES];
                for (int i = 0; i < s->n; i++)
                    t[i] = runs_direct(&s->s[i].g, th) ? dt[d].t[i] : xt[x].t[i];
                double total = mix_time(s, t);
                if (total < best) {
                    best = total;
                    *out = dt[d].p;
                    if (x >= 0)
                        memcpy(out->xgemm, xt[x].p.xgemm, sizeof out->xgemm);
                    out->min_indirect = th;
                    memcpy(t_out, t, sizeof t);
                }
            }
        }
    }
    return best;
}

/* Fill the result's shape table and totals. */
static void fill_result(const search *s, const double *t_base, const double *t_tuned,
                        bcn_tune_result *res)
{
    res->n_shapes = s->n;
    for (int i = 0; i < s->n; i++) {
        const mix_shape *ms = &s->s[i];
        bcn_tune_shape *out = &res->shapes[i];
        out->ta = ms->g.ta;
        out->tb = ms->g.tb;
        out->m = ms->g.m;
        out->n = ms->g.n;
        out->k = ms->g.k;
        out->beta = ms->g.beta;
        out->weight = ms->w;
        out->untuned_gflops = t_base[i] > 0.0 ? ms->flops / t_base[i] * 1e-9 : 0.0;
        out->tuned_gflops = t_tuned[i] > 0.0 ? ms->flops / t_tuned[i] * 1e-9 : 0.0;
    }
    res->untuned_ms = mix_time(s, t_base) * 1e3;
    res->tuned_ms = mix_time(s, t_tuned) * 1e3;
}

/* The search proper (see the top of the file); the chosen set is applied
 * and written into *entry. */
static bcn_status run_search(search *s, const bcn_cl_gemm_params *defaults,
                             bcn_cl_tune_entry *entry, bcn_tune_result *res)
{
    size_t max_wg = 0;
    cl_ulong local_mem = 0;
    char why[512] = "";
    bcn_status st = bcn_cl_gemm_limits(s->be, &max_wg, &local_mem);
    trial *base = calloc(1, sizeof *base);
    trial *dt = calloc(N_DIRECT, sizeof *dt);
    trial *xt = calloc(N_XGEMM + 1, sizeof *xt);
    trial *fin = calloc(1, sizeof *fin);
    int nd = 0, nx = 0;
    if (st == BCN_OK && (!base || !dt || !xt || !fin))
        st = bcn_set_error(s->be->ctx, BCN_ERR_NOMEM, "GEMM tuning: no host memory");
    s->steps = 2 + (int)N_DIRECT + (int)N_XGEMM + 1 + 1;
    if (st == BCN_OK) {
        base->p = *defaults;
        st = measure(s, base, "CLBlast defaults", why, sizeof why);
        s->step++;
    }
    if (st == BCN_OK && !base->ok)
        st = bcn_set_error(s->be->ctx, BCN_ERR_BLAS,
                           "GEMM tuning: CLBlast's own parameters fail on %s: %s",
                           s->be->info.name, why);
    /* 2. direct candidates, all shapes direct. Keep room for the indirect
     * phase's first trial and a final compile. */
    for (size_t i = 0; i < N_DIRECT && st == BCN_OK; i++, s->step++) {
        bcn_cl_gemm_params p = *defaults;
        memcpy(p.direct, direct_candidates[i], sizeof p.direct);
        p.min_indirect = BCN_TUNE_ALL_DIRECT;
        char label[64];
        snprintf(label, sizeof label, "XgemmDirect candidate %zu", i + 1);
        if (!bcn_cl_gemm_params_valid(&p, max_wg, local_mem, why, sizeof why))
            continue;
        if (!affordable(s, nd == 0 ? 1 : 3))
            break;
        dt[nd].p = p;
        st = measure(s, &dt[nd], label, why, sizeof why);
        s->candidates++;
        nd++;
    }
    /* 3. indirect candidates with the best direct set, all shapes indirect. */
    int best_d = -1;
    for (int d = 0; d < nd; d++)
        if (dt[d].ok && (best_d < 0 || mix_time(s, dt[d].t) < mix_time(s, dt[best_d].t)))
            best_d = d;
    s->step = 2 + (int)N_DIRECT;
    for (size_t i = 0; i <= N_XGEMM && st == BCN_OK; i++, s->step++) {
        bcn_cl_gemm_params p = best_d >= 0 ? dt[best_d].p : *defaults;
        if (i > 0)
            memcpy(p.xgemm, xgemm_candidates[i - 1], sizeof p.xgemm);
        p.min_indirect = 1;
        char label[64];
        snprintf(label, sizeof label, "Xgemm candidate %zu", i + 1);
        if (!bcn_cl_gemm_params_valid(&p, max_wg, local_mem, why, sizeof why))
            continue;
        if (!affordable(s, 2))
            break;
        xt[nx].p = p;
        st = measure(s, &xt[nx], label, why, sizeof why);
        s->candidates++;
        nx++;
    }
    if (st != BCN_OK)
        goto done;
    /* 4. the choice. */
    double t_best[BCN_TUNE_MAX_SHAPES];
    double t_base[BCN_TUNE_MAX_SHAPES], t_final[BCN_TUNE_MAX_SHAPES];
    bcn_cl_gemm_params chosen = *defaults;
    double best = best_combination(s, dt, nd, xt, nx, &chosen, t_best);
    double base_total = mix_time(s, base->t);
    memcpy(t_base, base->t, sizeof t_base);
    memcpy(t_final, base->t, sizeof t_final);
    s->step = s->steps - 1;
    if (!(best <= MIN_GAIN * base_total)) {
        chosen = *defaults;
        if (nd + nx == 0)
            snprintf(res->note, sizeof res->note,
                     "the %.0f s budget left no time for a candidate set (about %.0f s each); "
                     "keeping CLBlast's own parameters",
                     s->budget, s->compile_est);
        else
            snprintf(res->note, sizeof res->note,
                     "no candidate beat CLBlast's own parameters by %.0f %%; keeping them",
                     100.0 * (1.0 - MIN_GAIN));
    } else {
        int known = 0; /* a measured, validated trial is exactly this set */
        for (int d = 0; d < nd && !known; d++)
            known = dt[d].ok && bcn_cl_gemm_params_equal(&dt[d].p, &chosen);
        for (int x = 0; x < nx && !known; x++)
            known = xt[x].ok && bcn_cl_gemm_params_equal(&xt[x].p, &chosen);
        if (!known) { /* a new combination: compile, validate */
            fin->p = chosen;
            st = measure(s, fin, "final combination", why, sizeof why);
            s->candidates++;
            if (st == BCN_OK && !fin->ok) {
                /* why bounded so the note fits its 512 bytes */
                snprintf(res->note, sizeof res->note,
                         "the combined set failed validation (%.400s); kept the best direct "
                         "set",
                         why);
                chosen = best_d >= 0 ? dt[best_d].p : *defaults;
            }
        }
        /* Candidates were timed minutes apart on a possibly busy machine:
         * confirm by timing CLBlast's set and the chosen one alternately
         * (both compiled now, so switching is cheap), best of each. */
        report(s, "confirming");
        for (int i = 0; i < s->n; i++)
            t_base[i] = t_final[i] = INFINITY;
        for (int round = 0; round < CONFIRM_ROUNDS && st == BCN_OK; round++)
            for (int which = 0; which < 2 && st == BCN_OK; which++) {
                st = bcn_cl_gemm_params_apply(s->be, which ? &chosen : defaults);
                double *t = which ? t_final : t_base;
                for (int i = 0; i < s->n && st == BCN_OK; i++) {
                    double one = 0.0;
                    st = time_shape(s, i, &one);
                    t[i] = one < t[i] ? one : t[i];
                }
            }
        if (st == BCN_OK && !(mix_time(s, t_final) <= MIN_GAIN * mix_time(s, t_base))) {
            snprintf(res->note, sizeof res->note,
                     "the best set (%.3f ms predicted against %.3f) was not confirmed %.0f %% "
                     "faster than CLBlast's own when timed alternately; keeping CLBlast's",
                     best * 1e3, base_total * 1e3, 100.0 * (1.0 - MIN_GAIN));
            chosen = *defaults;
            memcpy(t_final, t_base, sizeof t_final);
        }
    }
    if (st == BCN_OK)
        st = bcn_cl_gemm_params_apply(s->be, &chosen);
    if (st == BCN_OK) {
        s->step = s->steps;
        report(s, "done");
        fill_result(s, t_base, t_final, res);
        entry->tuned = chosen;
        entry->defaults = *defaults;
        entry->untuned_ms = res->untuned_ms;
        entry->tuned_ms = res->tuned_ms;
        if (!res->note[0] && nd + nx < (int)(N_DIRECT + N_XGEMM + 1))
            snprintf(res->note, sizeof res->note,
                     "the %.0f s budget allowed %d of %d candidate sets (about %.0f s each)",
                     s->budget, nd + nx, (int)(N_DIRECT + N_XGEMM + 1), s->compile_est);
    }
done:
    free(base);
    free(dt);
    free(xt);
    free(fin);
    return st;
}

bcn_status bcn_cl_tune(bcn_backend *be, const bcn_gemm_shape *shapes, const double *weights,
                       int n, double budget_s, int force, bcn_tune_progress progress,
                       void *user, bcn_tune_result *res)
{
    bcn_cl *cl = be->impl;
    double start = bcn_now_seconds();
    bcn_cl_tune_entry entry, cached;
    memset(&entry, 0, sizeof entry);
    shapes_key(shapes, weights, n, entry.shapes, sizeof entry.shapes);
    size_t max_wg = 0;
    cl_ulong local_mem = 0;
    char warn[900] = "";
    bcn_status st = bcn_cl_gemm_limits(be, &max_wg, &local_mem);
    if (st != BCN_OK)
        return st;
    bcn_cl_tune_cache_path(&be->info, res->cache_path, sizeof res->cache_path);
    int found =
        bcn_cl_tune_cache_load(&be->info, max_wg, local_mem, &cached, warn, sizeof warn);
    if (found > 0 && !force && strcmp(cached.shapes, entry.shapes) == 0) {
        st = bcn_cl_gemm_params_apply(be, &cached.tuned);
        if (st == BCN_OK) {
            cl->gemm_tuned = 1;
            res->untuned_ms = cached.untuned_ms;
            res->tuned_ms = cached.tuned_ms;
            bcn_cl_gemm_params_format(&cached.tuned, "", res->params, sizeof res->params);
            res->seconds = bcn_now_seconds() - start;
        }
        return st;
    }
    /* CLBlast's own parameters: read now unless this process replaced them
     * with a cached set, whose file remembers the originals. */
    bcn_cl_gemm_params defaults;
    if (found > 0 && cl->gemm_tuned)
        defaults = cached.defaults;
    else if ((st = bcn_cl_gemm_params_current(be, &defaults)) != BCN_OK)
        return st;
    search s;
    memset(&s, 0, sizeof s);
    s.be = be;
    s.cl = cl;
    s.n = n;
    s.start = start;
    s.budget = budget_s;
    s.progress = progress;
    s.user = user;
    s.s = calloc((size_t)(n > 0 ? n : 1), sizeof *s.s);
    if (!s.s)
        return bcn_set_error(be->ctx, BCN_ERR_NOMEM, "GEMM tuning: no host memory");
    for (int i = 0; i < n; i++) {
        s.s[i].g = shapes[i];
        s.s[i].w = weights[i];
        s.s[i].flops = 2.0 * shapes[i].m * (double)shapes[i].n * shapes[i].k;
    }
    st = n > 0 ? search_setup(&s) : BCN_OK;
    if (st == BCN_OK && n > 0)
        st = run_search(&s, &defaults, &entry, res);
    search_free(&s);
    if (st != BCN_OK || n == 0)
        return st;
    res->searched = 1;
    res->candidates = s.candidates;
    cl->gemm_tuned = !bcn_cl_gemm_params_equal(&entry.tuned, &defaults);
    bcn_cl_gemm_params_format(&entry.tuned, "", res->params, sizeof res->params);
    char err[600];
    if (bcn_cl_tune_cache_store(&be->info, &entry, err, sizeof err) != 0) {
        res->cache_path[0] = '\0';
        snprintf(res->note + strlen(res->note), sizeof res->note - strlen(res->note),
                 "%snot cached: %s", res->note[0] ? "; " : "", err);
    }
    res->seconds = bcn_now_seconds() - start;
    return BCN_OK;
}

/* ------------------------------------------------ the harness, shared */

struct bcn_cl_mix {
    search s;
};

bcn_status bcn_cl_mix_new(bcn_backend *be, const bcn_gemm_shape *shapes, const double *weights,
                          int n, bcn_tune_progress progress, void *user, bcn_cl_mix **out)
{
    *out = NULL;
    bcn_cl_mix *m = calloc(1, sizeof *m);
    if (!m)
        return bcn_set_error(be->ctx, BCN_ERR_NOMEM, "GEMM tuning: no host memory");
    search *s = &m->s;
    s->be = be;
    s->cl = be->impl;
    s->n = n;
    s->start = bcn_now_seconds();
    s->progress = progress;
    s->user = user;
    s->s = calloc((size_t)(n > 0 ? n : 1), sizeof *s->s);
    bcn_status st = s->s ? BCN_OK
                         : bcn_set_error(be->ctx, BCN_ERR_NOMEM, "GEMM tuning: no host memory");
    for (int i = 0; st == BCN_OK && i < n; i++) {
        s->s[i].g = shapes[i];
        s->s[i].w = weights[i];
        s->s[i].flops = 2.0 * shapes[i].m * (double)shapes[i].n * shapes[i].k;
    }
    if (st == BCN_OK && n > 0)
        st = search_setup(s);
    if (st != BCN_OK) {
        bcn_cl_mix_free(m);
        return st;
    }
    *out = m;
    return BCN_OK;
}

int bcn_cl_mix_measure(bcn_cl_mix *m, double *t, char *why, size_t why_len)
{
    search *s = &m->s;
    for (int i = 0; i < s->n; i++) {
        int r = check_shape(s, i, why, why_len);
        if (r <= 0)
            return r;
    }
    for (int i = 0; i < s->n; i++)
        if (time_shape(s, i, &t[i]) != BCN_OK)
            return -1;
    return 1;
}

double bcn_cl_mix_time(const bcn_cl_mix *m, const double *t) { return mix_time(&m->s, t); }

void bcn_cl_mix_result(const bcn_cl_mix *m, const double *t_base, const double *t_tuned,
                       bcn_tune_result *res)
{
    fill_result(&m->s, t_base, t_tuned, res);
}

void bcn_cl_mix_key(const bcn_gemm_shape *shapes, const double *weights, int n, char *buf,
                    size_t len)
{
    shapes_key(shapes, weights, n, buf, len);
}

void bcn_cl_mix_free(bcn_cl_mix *m)
{
    if (!m)
        return;
    search_free(&m->s);
    free(m);
}
