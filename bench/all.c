/*
 * all.c — `burstccn-bench all`: the main job. A reduced sweep of curves,
 * angles and timing on the default dataset and devices, sized to finish
 * in about ten minutes on a 2-core CPU (about one with --quick), then the
 * figures and summary.md.
 *
 * The sizes below were set by measuring, not guessing, on the 2-core x86-64
 * this project is built on: a 784-500-500-500-10 step of batch 32 costs
 * about 0.17-0.25 GFLOP depending on the rule; PoCL + CLBlast (the default
 * device there) trains it at 1,400-2,700 images/s, the reference backend
 * at 900-1,900; an evaluation of 10,000 test images costs about 18 GFLOP.
 * Measured wall time of `all`: 454 s on the otherwise idle machine (1,111 s
 * while two other builds and test suites shared its two cores); --quick 41 s.
 *
 * The conv network (1x28x28 -> 16@12x12 -> 32@4x4 -> 128 -> 10) trains at
 * 1,900-2,800 images/s on ref (11-16 ms per step of 32; ref's convolutions
 * are direct loops). On a subset (6,000 images x 2 epochs per rule, 300
 * angle steps) its curves and angles take about 35 s, its timing about
 * 12 s per device that runs conv layers: about 10 % more than the dense
 * run alone. The whole training set would add about four minutes. Measured
 * 2026-11-23 with other work on the machine (load average about 2): `all`
 * 561 s (dense curves 399 s, angles 47 s, conv part 35 s, timing 80 s, the
 * conv net timed on ref only: the cl backend had no conv2d yet), --quick
 * 53 s. --cifar adds the CIFAR-10 net at about 0.8 s a step on ref, about
 * 12 s per device.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "progress.h"

/* One size of the sweep. */
typedef struct all_plan {
    const char *name;
    int hidden;                  /* width of the 3 hidden layers */
    int curves_train, curves_test, epochs, evals; /* 0: the whole split */
    int angle_train, angle_steps, angle_every;
    int widths[6], n_widths;     /* scaling sweep (BurstCCN, batch 32) */
    int batches[6], n_batches;   /* scaling sweep (BurstCCN, base width) */
    double target_s;
    int reps;
    /* The small conv network: its curves (all rules), angles (BurstCCN
     * driving) and timing (every rule, batch 32). */
    const char *conv_arch;
    int conv_train, conv_test, conv_epochs, conv_evals;
    int conv_angle_steps, conv_angle_every;
} all_plan;

/* The conv network of `all`: Fashion-MNIST's 1x28x28 -> 16@12x12 ->
 * 32@4x4 -> 128 -> 10. */
#define ALL_CONV_ARCH "conv:16:5:2,conv:32:5:2,dense:128"

/* Full: two epochs of all 60,000 training images per rule (the default
 * device, PoCL here, trains 784-500-500-500-10 at 1,200-2,700 images/s),
 * 2,000 BurstCCN steps with a comparison every 50, and 4 rules plus 7
 * scaling points timed on every device; the conv network on a subset (see
 * the sizing note at the top). */
static const all_plan plan_full = {
    "full", 500,
    0, 0, 2, 3,
    0, 2000, 50,
    {64, 128, 256, 1000}, 4,
    {8, 128, 512}, 3,
    0.25, 5,
    ALL_CONV_ARCH,
    6000, 2000, 2, 2,
    300, 20,
};

/* Quick: about one minute. */
static const all_plan plan_quick = {
    "quick", 500,
    8000, 2000, 1, 4,
    3000, 100, 10,
    {128}, 1,
    {128}, 1,
    0.1, 3,
    ALL_CONV_ARCH,
    600, 300, 1, 2,
    20, 10,
};

/* The per-experiment options from the plan, the user's flags on top. */
static void sub_opts(const bench_opts *o, const all_plan *p, unsigned cmd, int conv,
                     bench_opts *s)
{
    bench_opts_init(s, cmd);
    snprintf(s->data, sizeof s->data, "%s", o->data);
    snprintf(s->out, sizeof s->out, "%s", o->out);
    snprintf(s->device, sizeof s->device, "%s", o->device);
    snprintf(s->plots_dir, sizeof s->plots_dir, "%s", o->plots_dir);
    s->seed = o->seed;
    s->quiet = o->quiet;
    s->same_settings = o->same_settings;
    s->gemm = o->gemm;
    s->no_plots = 1;
    s->n_hidden = 3;
    s->hidden[0] = s->hidden[1] = s->hidden[2] = p->hidden;
    if (conv) {
        snprintf(s->arch[0], sizeof s->arch[0], "%s", p->conv_arch);
        s->n_arch = 1;
        snprintf(s->suffix, sizeof s->suffix, "_conv");
    }
    /* --train-limit/--test-limit cap every part (the conv part's own
     * subset stays the smaller). */
    int train = conv ? p->conv_train : cmd == BENCH_CMD_CURVES ? p->curves_train : p->angle_train;
    int test = conv ? p->conv_test : p->curves_test;
    if (o->train_limit && (!train || o->train_limit < train))
        train = o->train_limit;
    if (o->test_limit && (!test || o->test_limit < test))
        test = o->test_limit;
    if (cmd == BENCH_CMD_CURVES) {
        s->train_limit = train;
        s->test_limit = test;
        s->epochs = conv ? p->conv_epochs : p->epochs;
        s->evals_per_epoch = conv ? p->conv_evals : p->evals;
    } else if (cmd == BENCH_CMD_ANGLES) {
        s->train_limit = train;
        s->steps = conv ? p->conv_angle_steps : p->angle_steps;
        s->every = conv ? p->conv_angle_every : p->angle_every;
    } else {
        s->n_devices = o->n_devices;
        memcpy(s->devices, o->devices, sizeof s->devices);
        s->target_s = p->target_s;
        s->reps = p->reps;
        s->depth = 3;
    }
}

/* The timed networks: the dense family, the conv network on 1x28x28 and
 * (--cifar) the CIFAR-10 net on 3x32x32. */
static int plan_nets(const all_plan *p, int cifar, bench_tnet *nets)
{
    int n = 0;
    nets[n++] = (bench_tnet){NULL, {1, 28, 28}, 10};
    nets[n++] = (bench_tnet){p->conv_arch, {1, 28, 28}, 10};
    if (cifar)
        nets[n++] = (bench_tnet){"cifar", {3, 32, 32}, 10};
    return n;
}

/* The timing cases: every rule at (32, hidden), then BurstCCN's scaling
 * sweeps over width (batch 32) and batch size (base width), every rule on
 * the conv network at batch 32, (--cifar) BurstCCN on the CIFAR-10 net: a
 * step of it takes about 0.8 s on ref here, so one rule keeps it to about
 * 12 s per device. */
static int plan_cases(const all_plan *p, int cifar, bench_tcase *c)
{
    int n = 0;
    for (int r = 0; r < BCN_RULE_COUNT; r++)
        c[n++] = (bench_tcase){(bcn_rule)r, 32, p->hidden, 0};
    for (int i = 0; i < p->n_widths; i++)
        c[n++] = (bench_tcase){BCN_RULE_BURSTCCN, 32, p->widths[i], 0};
    for (int i = 0; i < p->n_batches; i++)
        c[n++] = (bench_tcase){BCN_RULE_BURSTCCN, p->batches[i], p->hidden, 0};
    for (int r = 0; r < BCN_RULE_COUNT; r++)
        c[n++] = (bench_tcase){(bcn_rule)r, 32, 0, 1};
    if (cifar)
        c[n++] = (bench_tcase){BCN_RULE_BURSTCCN, 32, 0, 2};
    return n;
}

/* Remove the conv part's files (after it failed: no stale numbers). */
static void remove_conv_results(const char *dir)
{
    static const char *const names[] = {"curves_conv.csv", "curves_conv.json",
                                        "curves_conv_meta.gp", "angles_conv.csv",
                                        "angles_conv.json", "angles_conv_meta.gp"};
    char path[4096];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (bench_path(path, sizeof path, dir, names[i]) == 0)
            remove(path);
}

/* The conv network's curves and angles. A device that cannot run conv
 * layers at all (BCN_ERR_UNSUPPORTED) hands the part to ref, which every
 * build has. 0, or 1 when it failed (the rest of `all` still runs). */
static int conv_part(const bench_opts *o, const all_plan *p)
{
    bench_opts s;
    char device[256];
    snprintf(device, sizeof device, "%s", o->device);
    int rc = 0;
    for (int part = 0; part < 2 && rc == 0; part++) {
        unsigned cmd = part == 0 ? BENCH_CMD_CURVES : BENCH_CMD_ANGLES;
        sub_opts(o, p, cmd, 1, &s);
        snprintf(s.device, sizeof s.device, "%s", device);
        rc = part == 0 ? bench_curves_run(&s) : bench_angles_run(&s);
        if (rc == BENCH_RUN_UNSUPPORTED && strcmp(device, "ref") != 0) {
            bcn_ctx *ctx = bcn_ctx_new();
            bcn_device_info info;
            if (!ctx || bcn_device_resolve(ctx, device, &info) != BCN_OK)
                snprintf(info.id, sizeof info.id, "%.31s", device[0] ? device : "(default)");
            bcn_ctx_free(ctx);
            printf("the device %s cannot run conv layers: the conv network trains on ref "
                   "instead\n",
                   info.id);
            fflush(stdout);
            snprintf(device, sizeof device, "ref");
            snprintf(s.device, sizeof s.device, "ref");
            rc = part == 0 ? bench_curves_run(&s) : bench_angles_run(&s);
        }
    }
    if (rc != 0) {
        fprintf(stderr, "burstccn-bench all: the conv network's part failed (above); the "
                        "other parts go on\n");
        remove_conv_results(o->out);
        return BENCH_EXIT_FAIL;
    }
    return 0;
}

/* Print how long a part took (the sizing above was set from these). */
static void part_done(double *t)
{
    double now = bcn_progress_now();
    printf("(%.0f s)\n", now - *t);
    *t = now;
}

int bench_cmd_all(const bench_opts *o)
{
    const all_plan *p = o->quick ? &plan_quick : &plan_full;
    bench_opts s;
    double t0 = bcn_progress_now(), t1 = t0;
    int rc = 0, failed = 0;
    printf("burstccn-bench all (%s): results into %s/\n", p->name, o->out);

    printf("\n[1/5] learning curves of the four rules\n");
    fflush(stdout);
    sub_opts(o, p, BENCH_CMD_CURVES, 0, &s);
    if ((rc = bench_curves_run(&s)) != 0)
        return rc == BENCH_RUN_UNSUPPORTED ? BENCH_EXIT_FAIL : rc;
    part_done(&t1);

    printf("\n[2/5] angles to backprop while training with BurstCCN\n");
    fflush(stdout);
    sub_opts(o, p, BENCH_CMD_ANGLES, 0, &s);
    if ((rc = bench_angles_run(&s)) != 0)
        return rc == BENCH_RUN_UNSUPPORTED ? BENCH_EXIT_FAIL : rc;
    part_done(&t1);

    printf("\n[3/5] the conv network %s: learning curves of the four rules, angles to "
           "backprop\n",
           p->conv_arch);
    fflush(stdout);
    failed |= conv_part(o, p) != 0;
    part_done(&t1);

    printf("\n[4/5] time per training step on every device\n");
    fflush(stdout);
    sub_opts(o, p, BENCH_CMD_TIMING, 0, &s);
    bench_tnet nets[3];
    bench_tcase cases[2 * BCN_RULE_COUNT + 13];
    int nn = plan_nets(p, o->cifar, nets), n = plan_cases(p, o->cifar, cases);
    if ((rc = bench_timing_run(&s, nets, nn, cases, n, 32, p->hidden)) != 0)
        return rc;
    part_done(&t1);

    printf("\n[5/5] figures and summary\n");
    if (!o->no_plots) {
        rc = bench_render(o, o->out);
    } else {
        char err[1024];
        if (bench_summary_write(o->out, err, sizeof err) != 0) {
            fprintf(stderr, "burstccn-bench: %s\n", err);
            rc = BENCH_EXIT_FAIL;
        }
    }
    printf("\ndone in %.0f s; headline numbers in %s/summary.md\n", bcn_progress_now() - t0,
           o->out);
    return rc ? rc : failed ? BENCH_EXIT_FAIL : 0;
}
