/*
 * tune_report.c — the GEMM-tuning part of `burstccn-bench timing`, on every
 * OpenCL device timed:
 *
 *  - gemm_tune.csv: the SGEMM rate at each GEMM shape of the first timed
 *    network's step (batch: the first of --batches) on both GEMM engines,
 *    whatever --gemm says: CLBlast (engine forced to clblast) with its own
 *    parameters and with the tuned set cached for the device, and the own
 *    kernels (engine forced to own) with their default tiles and with the
 *    tuned tiles cached (--tune force tunes the engine --gemm picks first;
 *    off skips the tuned sides). The sides are timed alternately, best of
 *    two rounds per shape: candidates timed minutes apart on a shared
 *    machine disagree by more than the effect. Switching is cheap once
 *    CLBlast has compiled both sets (it keeps them in its in-process
 *    cache); reopening the device applies the other engine or set.
 *  - startup.csv: the start-up latency of a fresh process — to the open
 *    device (our kernels built or loaded), and on to a finished first
 *    training step of 784-500-500-500-10 (CLBlast's GEMMs compiled) — run as a
 *    child (`burstccn-bench startup-probe`) three ways: with every cache
 *    (the driver's own kernel cache, PoCL's POCL_KERNEL_CACHE, included),
 *    with only the library's caches (program binaries and tuned GEMM
 *    parameters; driver cache off), and with none.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "gemm_rate.h"

extern char **environ;
#include "progress.h"

/* untuned_gflops, tuned_gflops, tuned_set: CLBlast (the clblast engine
 * forced); own_gflops, own_tuned_gflops, own_tuned_set: the own kernels
 * (the own engine forced), whatever --gemm says. */
#define GEMM_TUNE_COLS                                                                    \
    "device,op,m,n,k,beta,calls,untuned_gflops,tuned_gflops,own_gflops,own_tuned_gflops," \
    "tuned_set,own_tuned_set,status,error"
#define STARTUP_COLS "device,caches,open_s,first_step_s,status,error"
#define TUNE_BUDGET_S 120.0
#define ROUNDS 2

/* Open `dev` on ctx with GEMM engine `engine` in tuning mode `mode`; 0 or
 * -1 (error in err). */
static int open_in(bcn_ctx *ctx, const char *dev, bcn_gemm_engine engine, bcn_tune_mode mode,
                   char *err, size_t len)
{
    bcn_ctx_set_gemm_engine(ctx, engine);
    bcn_ctx_set_tune_mode(ctx, mode);
    if (bcn_ctx_open_device(ctx, dev) == BCN_OK)
        return 0;
    snprintf(err, len, "%s", bcn_errmsg(ctx));
    return -1;
}

/* --tune force: tune for cfg at batch now. 0 or -1. */
static int tune_now(bcn_ctx *ctx, const bcn_net_config *cfg, int batch, int quiet, char *err,
                    size_t len)
{
    bcn_net *net = NULL;
    bcn_tune_result *r = calloc(1, sizeof *r);
    int rc = -1;
    if (r && bcn_net_create(ctx, cfg, &net) == BCN_OK &&
        bcn_net_tune(net, batch, TUNE_BUDGET_S, 1, NULL, NULL, r) == BCN_OK) {
        if (!quiet)
            fprintf(stderr,
                    "timing: tuned GEMMs (%s) in %.0f s (%d sets): %.3f -> %.3f ms/step%s%s\n",
                    bcn_ctx_gemm_name(ctx), r->seconds, r->candidates, r->untuned_ms,
                    r->tuned_ms, r->note[0] ? "; " : "", r->note);
        rc = 0;
    } else {
        snprintf(err, len, "tuning failed: %s", r ? bcn_errmsg(ctx) : "out of memory");
    }
    bcn_net_destroy(net);
    free(r);
    return rc;
}

/* The step's distinct GEMM shapes and how often each is called. */
static int distinct_shapes(const bcn_net_config *cfg, int batch, bench_gemm *out, int *calls,
                           int max)
{
    bench_gemm all[8 * BCN_MAX_LAYERS];
    int n = bench_step_gemms(cfg, batch, all, (int)(sizeof all / sizeof all[0])), nd = 0;
    for (int i = 0; i < n && i < (int)(sizeof all / sizeof all[0]); i++) {
        int j = 0;
        while (j < nd && memcmp(&out[j], &all[i], sizeof all[i]) != 0)
            j++;
        if (j < nd) {
            calls[j]++;
        } else if (nd < max) {
            out[nd] = all[i];
            calls[nd++] = 1;
        }
    }
    return nd;
}

/* The four rates of a shape, in GEMM_TUNE_COLS order: CLBlast with its own
 * parameters, CLBlast tuned, the own kernels with their default tiles, the
 * own kernels tuned. */
enum { SIDE_CLBLAST, SIDE_CLBLAST_TUNED, SIDE_OWN, SIDE_OWN_TUNED, SIDES };

/* The engine and tuning mode a side opens the device with. */
static bcn_gemm_engine side_engine(int side)
{
    return side < SIDE_OWN ? BCN_GEMM_CLBLAST : BCN_GEMM_OWN;
}
static bcn_tune_mode side_mode(int side)
{
    return side == SIDE_CLBLAST || side == SIDE_OWN ? BCN_TUNE_OFF : BCN_TUNE_AUTO;
}

/* A rate field: the number, or empty when it was not measured. */
static void csv_rate(bench_csv *csv, double gflops)
{
    if (gflops > 0.0)
        bench_csv_num(csv, gflops);
    else
        bench_csv_empty(csv);
}

/* Rates of one device into the CSV: both engines, each with its default
 * parameters and with the tuned set cached for the device (when there is
 * one and --tune is not off), timed alternately side by side. */
static void rates_of_device(const bench_opts *o, const char *dev, const bcn_net_config *cfg,
                            int batch, bench_csv *csv)
{
    bench_gemm g[8 * BCN_MAX_LAYERS];
    int calls[8 * BCN_MAX_LAYERS];
    int n = distinct_shapes(cfg, batch, g, calls, (int)(sizeof g / sizeof g[0]));
    double rate[SIDES][8 * BCN_MAX_LAYERS];
    int has[SIDES] = {1, 0, 1, 0}; /* sides to time */
    char err[1024] = "";
    int ok = 0;
    memset(rate, 0, sizeof rate);
    bcn_ctx *ctx = bcn_ctx_new();
    if (!ctx) {
        snprintf(err, sizeof err, "out of memory");
        goto report;
    }
    /* --tune force tunes the engine --gemm picks, from its defaults. */
    if (o->tune == BCN_TUNE_FORCE &&
        (open_in(ctx, dev, o->gemm, BCN_TUNE_OFF, err, sizeof err) != 0 ||
         tune_now(ctx, cfg, batch, o->quiet, err, sizeof err) != 0))
        goto report;
    for (int side = SIDE_CLBLAST_TUNED; o->tune != BCN_TUNE_OFF && side < SIDES; side += 2) {
        /* is there a tuned set for this device and engine? */
        if (open_in(ctx, dev, side_engine(side), BCN_TUNE_AUTO, err, sizeof err) != 0)
            goto report;
        has[side] = bcn_ctx_gemm_tuned(ctx);
    }
    for (int round = 0; round < ROUNDS; round++)
        for (int side = 0; side < SIDES; side++) {
            if (!has[side])
                continue;
            if (open_in(ctx, dev, side_engine(side), side_mode(side), err, sizeof err) != 0)
                goto report;
            for (int i = 0; i < n; i++) {
                double gf = 0.0;
                if (bench_gemm_rate(ctx, &g[i], 1, o->target_s / 4, 3, &gf) != BCN_OK) {
                    snprintf(err, sizeof err, "%s (%s)", bcn_errmsg(ctx),
                             bcn_ctx_gemm_name(ctx));
                    goto report;
                }
                rate[side][i] = gf > rate[side][i] ? gf : rate[side][i];
            }
        }
    ok = 1;
report:
    for (int i = 0; i < n; i++) {
        bench_csv_str(csv, dev);
        char op[3] = {g[i].ta ? 'T' : 'N', g[i].tb ? 'T' : 'N', '\0'};
        bench_csv_str(csv, op);
        bench_csv_int(csv, g[i].m);
        bench_csv_int(csv, g[i].n);
        bench_csv_int(csv, g[i].k);
        bench_csv_num(csv, g[i].beta);
        bench_csv_int(csv, calls[i]);
        for (int side = 0; side < SIDES; side++)
            csv_rate(csv, ok ? rate[side][i] : 0.0);
        bench_csv_str(csv, has[SIDE_CLBLAST_TUNED] ? "cached" : "none");
        bench_csv_str(csv, has[SIDE_OWN_TUNED] ? "cached" : "none");
        bench_csv_str(csv, ok ? "ok" : "skipped");
        bench_csv_str(csv, ok ? "" : err);
        bench_csv_end_row(csv);
        if (ok && !o->quiet) {
            printf("  %s %5d x %5d x %5d beta %g (x%d): GFLOP/s CLBlast %6.1f", op, g[i].m,
                   g[i].n, g[i].k, g[i].beta, calls[i], rate[SIDE_CLBLAST][i]);
            if (has[SIDE_CLBLAST_TUNED])
                printf(", tuned %6.1f", rate[SIDE_CLBLAST_TUNED][i]);
            printf("; own %6.1f", rate[SIDE_OWN][i]);
            if (has[SIDE_OWN_TUNED])
                printf(", tuned %6.1f", rate[SIDE_OWN_TUNED][i]);
            printf("\n");
        }
    }
    if (!ok)
        fprintf(stderr, "timing: GEMM rates on %s skipped: %s\n", dev, err);
    bcn_ctx_free(ctx);
}

/* One start-up probe in a child process with the caches `which`
 * ("all", "library", "none"): seconds to the open device into *open_s and
 * to the finished first step (returned), or NAN with err. */
static double probe(const char *dev, const char *which, const char *empty_dir, double *open_s,
                    char *err, size_t len)
{
    int fds[2];
    if (pipe(fds) != 0) {
        snprintf(err, len, "pipe: %s", strerror(errno));
        return NAN;
    }
    /* The child's environment, built before fork: after it only
     * async-signal-safe calls (the OpenCL runtime has threads). */
    size_t n_env = 0;
    while (environ[n_env])
        n_env++;
    char **env = calloc(n_env + 5, sizeof *env);
    char dir_var[128];
    snprintf(dir_var, sizeof dir_var, "BURSTCCN_CACHE_DIR=%s", empty_dir);
    if (!env) {
        snprintf(err, len, "out of memory");
        close(fds[0]);
        close(fds[1]);
        return NAN;
    }
    size_t k = 0;
    int none = strcmp(which, "none") == 0;
    for (size_t i = 0; i < n_env; i++) {
        const char *v = environ[i];
        if (strncmp(v, "POCL_KERNEL_CACHE=", 18) == 0 ||
            (none && (strncmp(v, "BURSTCCN_CACHE_DIR=", 19) == 0 ||
                      strncmp(v, "BURSTCCN_PROGRAM_CACHE=", 23) == 0 ||
                      strncmp(v, "BURSTCCN_TUNE=", 14) == 0)))
            continue;
        env[k++] = environ[i];
    }
    if (strcmp(which, "all") != 0)
        env[k++] = "POCL_KERNEL_CACHE=0";
    if (none) {
        env[k++] = dir_var;
        env[k++] = "BURSTCCN_PROGRAM_CACHE=off";
        env[k++] = "BURSTCCN_TUNE=off";
    }
    char *args[] = {"burstccn-bench", "startup-probe", (char *)dev, NULL};
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, len, "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        free(env);
        return NAN;
    }
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execve("/proc/self/exe", args, env);
        _exit(127);
    }
    free(env);
    close(fds[1]);
    char buf[128] = "";
    ssize_t got = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    double s = NAN;
    *open_s = NAN;
    if (got > 0)
        buf[got] = '\0';
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
        sscanf(buf, "%lf %lf", open_s, &s) != 2) {
        snprintf(err, len, "the probe failed (status %d)", status);
        s = *open_s = NAN;
    }
    return s;
}

int bench_startup_probe(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    double t0 = bcn_progress_now();
    bcn_ctx *ctx = bcn_ctx_new();
    bcn_net *net = NULL;
    bcn_net_config cfg;
    bcn_net_config_init(&cfg, BCN_RULE_BURSTCCN);
    static float x[32 * 784], t[32 * 10];
    for (int i = 0; i < 32 * 784; i++)
        x[i] = (float)(i % 255) / 255.0f;
    for (int r = 0; r < 32; r++)
        t[r * 10 + r % 10] = 1.0f;
    int rc = !ctx || bcn_ctx_open_device(ctx, argv[2]) != BCN_OK;
    double t_open = bcn_progress_now() - t0;
    rc = rc || bcn_net_create(ctx, &cfg, &net) != BCN_OK ||
             bcn_net_train_step(net, x, t, 32, NULL) != BCN_OK || bcn_ctx_finish(ctx) != BCN_OK;
    if (rc)
        fprintf(stderr, "startup-probe: %s\n", ctx ? bcn_errmsg(ctx) : "out of memory");
    else
        printf("%.6f %.6f\n", t_open, bcn_progress_now() - t0);
    bcn_net_destroy(net);
    bcn_ctx_free(ctx);
    return rc;
}

int bench_tune_report(const bench_opts *o, const bcn_device_info *devs, const int *dev_ok,
                      int n_devs, const bcn_net_config *cfg, int batch)
{
    char path[4096], err[1024], empty[64];
    bench_csv rates = {0}, starts = {0};
    int rc = -1;
    if (bench_path(path, sizeof path, o->out, "gemm_tune.csv") != 0 ||
        bench_csv_open(&rates, path, GEMM_TUNE_COLS, err, sizeof err) != 0)
        goto fail;
    if (bench_path(path, sizeof path, o->out, "startup.csv") != 0 ||
        bench_csv_open(&starts, path, STARTUP_COLS, err, sizeof err) != 0)
        goto fail;
    snprintf(empty, sizeof empty, "/tmp/bcn_startup_XXXXXX");
    if (!mkdtemp(empty)) {
        snprintf(err, sizeof err, "cannot make a temporary folder: %s", strerror(errno));
        goto fail;
    }
    /* BURSTCCN_BENCH_COLD_START=off: only the warm probe (the others turn
     * the driver's kernel cache off, and PoCL 3.1 leaks in every kernel it
     * compiles, which fails a LeakSanitizer run: scripts/sanitize.sh). */
    const char *cold_env = getenv("BURSTCCN_BENCH_COLD_START");
    int cold_off = cold_env && strcmp(cold_env, "off") == 0;
    for (int d = 0; d < n_devs; d++) {
        if (!dev_ok[d] || strcmp(devs[d].backend, "cl") != 0)
            continue;
        if (!o->quiet)
            printf("SGEMM at the step's shapes, %s, batch %d:\n", devs[d].id, batch);
        rates_of_device(o, devs[d].id, cfg, batch, &rates);
        static const char *const ways[] = {"all", "library", "none"};
        for (size_t w = 0; w < sizeof ways / sizeof ways[0]; w++) {
            char perr[256] = "";
            double open_s = NAN, s = NAN;
            if (w > 0 && cold_off)
                snprintf(perr, sizeof perr, "not measured: BURSTCCN_BENCH_COLD_START=off");
            else
                s = probe(devs[d].id, ways[w], empty, &open_s, perr, sizeof perr);
            bench_csv_str(&starts, devs[d].id);
            bench_csv_str(&starts, ways[w]);
            if (isnan(s)) {
                bench_csv_empty(&starts);
                bench_csv_empty(&starts);
            } else {
                bench_csv_num(&starts, open_s);
                bench_csv_num(&starts, s);
            }
            bench_csv_str(&starts, isnan(s) ? "skipped" : "ok");
            bench_csv_str(&starts, perr);
            bench_csv_end_row(&starts);
            if (!o->quiet && !isnan(s))
                printf("start-up on %s, caches %-7s: device open %.2f s, first step done %.2f "
                       "s\n",
                       devs[d].id, ways[w], open_s, s);
            else if (!o->quiet)
                printf("start-up on %s, caches %-7s: %s\n", devs[d].id, ways[w], perr);
        }
    }
    rmdir(empty);
    if (bench_csv_commit(&rates, err, sizeof err) != 0 ||
        bench_csv_commit(&starts, err, sizeof err) != 0)
        goto fail;
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "burstccn-bench timing: %s\n", err);
done:
    bench_csv_abort(&rates);
    bench_csv_abort(&starts);
    return rc;
}
