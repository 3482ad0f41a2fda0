/*
 * test_mpi.c — `mpirun -np 2 burstccn train` (built with MPI): two ranks
 * at global batch 32 end with the same weights as one process at batch 32
 * after 5 steps of every rule (within 1e-5 relative on ref, 1e-4 on cl),
 * and the same test error after a short training run; a killed rank ends
 * the job with an error instead of a hang; a rank that fails to start, or
 * runs another configuration, stops every rank with a message naming it;
 * ranks may run different GEMM engines (--gemm own on one, clblast on the
 * other: the engine is no part of the configuration) and still end where
 * one process ends, within the cl tolerance.
 * Open MPI runs as root, oversubscribed, in containers through its
 * OMPI_* environment variables (set below). Data: Debian's Fashion-MNIST.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "burstccn.h"
#include "idx_fixture.h"
#include "json_check.h"

static char *dir;

static void setup(void)
{
    struct stat sb;
    if (stat("/usr/share/datasets/fashion-mnist", &sb) != 0)
        cr_skip_test("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
    /* What Open MPI needs as root and in containers. */
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    setenv("OMPI_MCA_rmaps_base_oversubscribe", "1", 1);
    setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 1);
    setenv("OMPI_MCA_btl", "self,vader", 1);
    setenv("POCL_MAX_PTHREAD_COUNT", "1", 1); /* ranks do not fight over the cores */
    dir = fx_tmpdir();
}

static void teardown(void)
{
    if (dir)
        fx_rmtree(dir);
    dir = NULL;
}

TestSuite(mpi, .init = setup, .fini = teardown, .timeout = 300);

/* Run a shell command line (bounded by `timeout`); its exit status, with
 * stderr in *err (malloc'd) when err != NULL. */
static int sh(const char *cmdline, int limit_s, char **err)
{
    char *errfile = fx_path(dir, "stderr.txt");
    char full[16384];
    snprintf(full, sizeof full, "cd '%s' && timeout -s KILL %d %s >stdout.txt 2>'%s'", dir,
             limit_s, cmdline, errfile);
    int st = system(full);
    if (err) {
        FILE *f = fopen(errfile, "r");
        *err = calloc(1, 65536);
        if (f) {
            size_t n = fread(*err, 1, 65535, f);
            (*err)[n] = '\0';
            fclose(f);
        }
    }
    free(errfile);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static const char *prog(void)
{
    static char p[1024];
    const char *top = getenv("BCN_TOP_BUILDDIR");
    snprintf(p, sizeof p, "%s/burstccn", top && *top ? top : ".");
    return p;
}

#define DATA "--data fashion-mnist --train-limit 160 --test-limit 100 --hidden 20 --quiet"

static jv *read_json(const char *name)
{
    char *path = fx_path(dir, name);
    jv *v = jv_read_file(path);
    free(path);
    return v;
}

/* Every parameter of the two saved networks within `tol` relative. */
static void same_weights(const char *a, const char *b, double tol, const char *label)
{
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_eq(bcn_ctx_open_device(ctx, "ref"), BCN_OK);
    char *pa = fx_path(dir, a), *pb = fx_path(dir, b);
    bcn_net *na = NULL, *nb = NULL;
    cr_assert_eq(bcn_net_load(ctx, pa, &na, NULL, NULL, NULL), BCN_OK, "%s", bcn_errmsg(ctx));
    cr_assert_eq(bcn_net_load(ctx, pb, &nb, NULL, NULL, NULL), BCN_OK, "%s", bcn_errmsg(ctx));
    cr_assert_eq(bcn_net_steps(na), 5);
    cr_assert_eq(bcn_net_steps(nb), 5);
    const bcn_net_config *cfg = bcn_net_config_of(na);
    int compared = 0;
    for (int l = 1; l <= cfg->n_layers; l++)
        for (int p = BCN_PARAM_W; p <= BCN_PARAM_R; p++) {
            int r = 0, c = 0;
            if (bcn_net_param_shape(na, (bcn_param)p, l, &r, &c) != BCN_OK)
                continue;
            size_t n = (size_t)r * c;
            float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
            cr_assert_eq(bcn_net_get_param(na, (bcn_param)p, l, x), BCN_OK);
            cr_assert_eq(bcn_net_get_param(nb, (bcn_param)p, l, y), BCN_OK);
            double d = 0, nn = 0;
            for (size_t i = 0; i < n; i++) {
                d += ((double)x[i] - y[i]) * ((double)x[i] - y[i]);
                nn += (double)x[i] * x[i];
            }
            double rel = nn > 0 ? sqrt(d / nn) : sqrt(d);
            cr_assert(rel <= tol, "%s: parameter %d of layer %d differs by %.3g (tolerance %g)",
                      label, p, l, rel, tol);
            free(x);
            free(y);
            compared++;
        }
    cr_assert_gt(compared, 0);
    bcn_net_destroy(na);
    bcn_net_destroy(nb);
    bcn_ctx_free(ctx);
    free(pa);
    free(pb);
}

static void two_ranks_equal_one(const char *device, double tol)
{
    static const char *const rules[] = {"burstccn", "burstprop", "fa", "backprop"};
    for (int i = 0; i < 4; i++) {
        char cmd[8192], *err = NULL;
        /* 160 examples at batch 32: 5 steps */
        snprintf(cmd, sizeof cmd,
                 "%s train %s --device %s --rule %s --epochs 1 --save one.ckpt --json one.json",
                 prog(), DATA, device, rules[i]);
        int rc = sh(cmd, 120, &err);
        cr_assert_eq(rc, 0, "%s: %s", cmd, err);
        free(err);
        snprintf(cmd, sizeof cmd,
                 "%s -np 2 %s train %s --device %s --rule %s --epochs 1 --save two.ckpt "
                 "--json two.json",
                 BCN_MPIRUN, prog(), DATA, device, rules[i]);
        rc = sh(cmd, 180, &err);
        cr_assert_eq(rc, 0, "%s: %s", cmd, err);
        free(err);
        char label[64];
        snprintf(label, sizeof label, "%s on %s", rules[i], device);
        same_weights("one.ckpt", "two.ckpt", tol, label);
        jv *a = read_json("one.json"), *b = read_json("two.json");
        cr_assert_eq(jv_get(jv_get(b, "parallel"), "ranks")->number, 2);
        cr_assert_eq(jv_get(a, "test_errors")->number, jv_get(b, "test_errors")->number,
                     "%s: test errors differ", label);
        jv_free(a);
        jv_free(b);
    }
}

Test(mpi, two_ranks_equal_one_process_every_rule_ref)
{
    two_ranks_equal_one("ref", 1e-5);
}

Test(mpi, two_ranks_equal_one_process_every_rule_cl)
{
    bcn_ctx *ctx = bcn_ctx_new();
    bcn_device_info info;
    int has_cl = bcn_device_resolve(ctx, "cl", &info) == BCN_OK;
    bcn_ctx_free(ctx);
    if (!has_cl)
        cr_skip_test("no OpenCL device");
    two_ranks_equal_one("cl", 1e-4);
}

/* The weights stay identical across the ranks whatever each one's GEMM
 * engine: the summed gradient is the same on every rank and the update is
 * element-wise. Only the local gradients differ, by float rounding, so the
 * result matches one process within the cl tolerance. */
Test(mpi, ranks_with_different_gemm_engines_agree)
{
    bcn_ctx *ctx = bcn_ctx_new();
    bcn_device_info info;
    int has_cl = bcn_device_resolve(ctx, "cl", &info) == BCN_OK;
    bcn_ctx_free(ctx);
    if (!has_cl)
        cr_skip_test("no OpenCL device: no GEMM engines to mix");
    setenv("BURSTCCN_TUNE", "off", 1);
    char cmd[12288], *err = NULL;
    snprintf(cmd, sizeof cmd,
             "%s train %s --device cl --rule burstccn --epochs 1 --gemm own --save one.ckpt "
             "--json one.json",
             prog(), DATA);
    cr_assert_eq(sh(cmd, 120, &err), 0, "%s: %s", cmd, err);
    free(err);
    snprintf(cmd, sizeof cmd,
             "%s -np 1 %s train %s --device cl --rule burstccn --epochs 1 --gemm own --save "
             "mix.ckpt --json mix.json : -np 1 %s train %s --device cl --rule burstccn "
             "--epochs 1 --gemm clblast --save mix.ckpt --json mix.json",
             BCN_MPIRUN, prog(), DATA, prog(), DATA);
    cr_assert_eq(sh(cmd, 180, &err), 0, "%s: %s", cmd, err);
    free(err);
    same_weights("one.ckpt", "mix.ckpt", 1e-4, "ranks on own and clblast");
    jv *a = read_json("one.json"), *b = read_json("mix.json");
    cr_assert_eq(jv_get(jv_get(b, "parallel"), "ranks")->number, 2);
    cr_assert_str_eq(jv_get(jv_get(b, "device"), "gemm")->string, "own", "rank 0's engine");
    cr_assert_eq(jv_get(a, "test_errors")->number, jv_get(b, "test_errors")->number);
    jv_free(a);
    jv_free(b);
}

Test(mpi, short_training_gives_the_same_test_error)
{
    char cmd[8192], *err = NULL;
    snprintf(cmd, sizeof cmd,
             "%s train --data fashion-mnist --train-limit 1000 --test-limit 500 --hidden 32 "
             "--rule backprop --epochs 2 --device ref --quiet --json one.json",
             prog());
    cr_assert_eq(sh(cmd, 120, &err), 0, "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd,
             "%s -np 2 %s train --data fashion-mnist --train-limit 1000 --test-limit 500 "
             "--hidden 32 --rule backprop --epochs 2 --device ref --quiet --json two.json",
             BCN_MPIRUN, prog());
    cr_assert_eq(sh(cmd, 180, &err), 0, "%s", err);
    free(err);
    jv *a = read_json("one.json"), *b = read_json("two.json");
    double ea = jv_get(a, "test_error")->number, eb = jv_get(b, "test_error")->number;
    cr_assert_eq(ea, eb, "test error %g (1 process) vs %g (2 ranks)", ea, eb);
    cr_assert_lt(ea, 75.0, "the network did not learn (%g%% test error; chance is 90%%)", ea);
    double la = jv_get(a, "test_loss")->number, lb = jv_get(b, "test_loss")->number;
    cr_assert(fabs(la - lb) <= 1e-5 * la, "test loss %.9g vs %.9g", la, lb);
    jv_free(a);
    jv_free(b);
}

Test(mpi, a_rank_that_fails_to_start_stops_every_rank)
{
    char cmd[12288], *err = NULL;
    snprintf(cmd, sizeof cmd,
             "%s -np 1 %s train %s --device ref : -np 1 %s train --data /nonexistent-data "
             "--train-limit 160 --test-limit 100 --hidden 20 --quiet --device ref",
             BCN_MPIRUN, prog(), DATA, prog());
    int rc = sh(cmd, 120, &err);
    cr_assert(rc != 0 && rc < 128, "exit %d (a hang is killed: 137)", rc);
    cr_assert_not_null(strstr(err, "rank 1 failed to start"), "%s", err);
    free(err);
}

Test(mpi, ranks_with_different_configurations_are_refused)
{
    char cmd[12288], *err = NULL;
    snprintf(cmd, sizeof cmd,
             "%s -np 1 %s train %s --device ref --seed 1 : -np 1 %s train %s --device ref "
             "--seed 2",
             BCN_MPIRUN, prog(), DATA, prog(), DATA);
    int rc = sh(cmd, 120, &err);
    cr_assert_eq(rc, 2, "exit %d: %s", rc, err);
    cr_assert_not_null(strstr(err, "rank 1 runs another configuration than rank 0"), "%s",
                       err);
    free(err);
}

Test(mpi, a_killed_rank_ends_the_job_with_an_error)
{
    /* A long run marked by its seed; once both ranks train, the second
     * rank is killed with SIGKILL; the job must end, with an error. */
    char cmd[12288];
    snprintf(cmd, sizeof cmd,
             "cd '%s' || exit 1; (%s -np 2 %s train --data fashion-mnist --train-limit 20000 "
             "--test-limit 100 --hidden 200 --epochs 50 --device ref --quiet --seed 424242 "
             ">out.txt 2>err.txt; echo $? > status.txt) & "
             "ranks() { for p in $(pgrep -f 'seed 424242'); do "
             "grep -q burstccn /proc/$p/comm 2>/dev/null && "
             "tr '\\0' ' ' 2>/dev/null < /proc/$p/cmdline | grep -q 'seed 424242' && echo $p; "
             "done; }; "
             "for i in $(seq 1 600); do set -- $(ranks); "
             "if [ $# -ge 2 ]; then sleep 3; kill -9 $2; break; fi; sleep 0.1; done; "
             "for i in $(seq 1 900); do [ -f status.txt ] && exit 0; sleep 0.1; done; "
             "pkill -9 -f 'seed 424242'; exit 1",
             dir, BCN_MPIRUN, prog());
    int st = system(cmd);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the job did not end within 90 s");
    char *path = fx_path(dir, "status.txt");
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    int rc = -1;
    cr_assert_eq(fscanf(f, "%d", &rc), 1);
    fclose(f);
    free(path);
    cr_assert_neq(rc, 0, "mpirun exited 0 although a rank was killed");
}

Test(mpi, version_and_devices_say_mpi_is_built_in)
{
    char cmd[8192], *err = NULL;
    snprintf(cmd, sizeof cmd, "%s --version", prog());
    cr_assert_eq(sh(cmd, 30, &err), 0, "%s", err);
    free(err);
    char *out = fx_path(dir, "stdout.txt");
    FILE *f = fopen(out, "r");
    char text[4096] = "";
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    cr_assert_not_null(strstr(text, "MPI data-parallel training: built in"), "%s", text);
    free(out);
}

Test(mpi, a_run_stopped_mid_epoch_resumes_on_two_ranks_or_one)
{
    /* Two ranks checkpoint every 20 steps (an epoch is 188); mpirun is sent
     * SIGTERM after the first checkpoint. Resumed by two ranks, and a copy
     * by one process, the run ends as one process that never stopped. */
    char cmd[12288], *err = NULL;
    const char *flags = "--data fashion-mnist --train-limit 6000 --test-limit 300 --hidden 300 "
                        "--epochs 4 --rule backprop --device ref --quiet";
    snprintf(cmd, sizeof cmd, "%s train %s --json full.json", prog(), flags);
    cr_assert_eq(sh(cmd, 180, &err), 0, "%s", err);
    free(err);
    char *script = fx_path(dir, "stop.sh");
    FILE *f = fopen(script, "w");
    cr_assert_not_null(f);
    fprintf(f,
            "%s -np 2 %s train %s --json two.json --checkpoint c.ckpt --checkpoint-every 20 "
            ">/dev/null 2>&1 &\np=$!\nfor i in $(seq 1 600); do [ -f c.ckpt ] && break; "
            "sleep 0.05; done\nsleep 0.2\nkill -TERM $p\nwait $p\ncp c.ckpt one.ckpt\n",
            BCN_MPIRUN, prog(), flags);
    fclose(f);
    free(script);
    cr_assert_eq(sh("sh stop.sh", 180, &err), 0, "%s", err);
    free(err);
    {
        /* Where it stopped (a run that ended first still has to match). */
        bcn_ctx *ctx = bcn_ctx_new();
        cr_assert_eq(bcn_ctx_open_device(ctx, "ref"), BCN_OK);
        char *p = fx_path(dir, "one.ckpt");
        bcn_net *net = NULL;
        cr_assert_eq(bcn_net_load(ctx, p, &net, NULL, NULL, NULL), BCN_OK, "%s",
                     bcn_errmsg(ctx));
        cr_log_info("stopped after step %ld of 752 (epochs of 188)", bcn_net_steps(net));
        bcn_net_destroy(net);
        bcn_ctx_free(ctx);
        free(p);
    }
    snprintf(cmd, sizeof cmd, "%s -np 2 %s train --resume c.ckpt --json two.json", BCN_MPIRUN,
             prog());
    cr_assert_eq(sh(cmd, 180, &err), 0, "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "%s train --resume one.ckpt --json one.json", prog());
    cr_assert_eq(sh(cmd, 180, &err), 0, "%s", err);
    free(err);
    jv *a = read_json("full.json");
    const char *names[] = {"two.json", "one.json"};
    for (int i = 0; i < 2; i++) {
        jv *b = read_json(names[i]);
        const jv *ha = jv_get(a, "history"), *hb = jv_get(b, "history");
        cr_assert_eq(ha->n, 4);
        cr_assert_eq(hb->n, 4, "%s", names[i]);
        for (size_t e = 0; e < 4; e++) {
            double la = jv_get(ha->items[e], "train_loss")->number;
            double lb = jv_get(hb->items[e], "train_loss")->number;
            cr_assert(fabs(la - lb) <= 1e-6 * la, "%s epoch %zu: train loss %.9g vs %.9g",
                      names[i], e + 1, lb, la);
        }
        cr_assert_eq(jv_get(a, "test_errors")->number, jv_get(b, "test_errors")->number, "%s",
                     names[i]);
        jv_free(b);
    }
    jv_free(a);
}
