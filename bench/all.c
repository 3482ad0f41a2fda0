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
} all_plan;

/* Full: two epochs of all 60,000 training images per rule (the default
 * device, PoCL here, trains 784-500-500-500-10 at 1,200-2,700 images/s),
 * 2,000 BurstCCN steps with a comparison every 50, and 4 rules plus 7
 * scaling points timed on every device. */
static const all_plan plan_full = {
    "full", 500,
    0, 0, 2, 3,
    0, 2000, 50,
    {64, 128, 256, 1000}, 4,
    {8, 128, 512}, 3,
    0.25, 5,
};

/* Quick: about one minute. */
static const all_plan plan_quick = {
    "quick", 500,
    8000, 2000, 1, 4,
    3000, 100, 10,
    {128}, 1,
    {128}, 1,
    0.1, 3,
};

/* The per-experiment options from the plan, the user's flags on top. */
static void sub_opts(const bench_opts *o, const all_plan *p, unsigned cmd, bench_opts *s)
{
    bench_opts_init(s, cmd);
    snprintf(s->data, sizeof s->data, "%s", o->data);
    snprintf(s->out, sizeof s->out, "%s", o->out);
    snprintf(s->device, sizeof s->device, "%s", o->device);
    snprintf(s->plots_dir, sizeof s->plots_dir, "%s", o->plots_dir);
    s->seed = o->seed;
    s->quiet = o->quiet;
    s->no_plots = 1;
    s->n_hidden = 3;
    s->hidden[0] = s->hidden[1] = s->hidden[2] = p->hidden;
    if (cmd == BENCH_CMD_CURVES) {
        s->train_limit = o->train_limit ? o->train_limit : p->curves_train;
        s->test_limit = o->test_limit ? o->test_limit : p->curves_test;
        s->epochs = p->epochs;
        s->evals_per_epoch = p->evals;
    } else if (cmd == BENCH_CMD_ANGLES) {
        s->train_limit = o->train_limit ? o->train_limit : p->angle_train;
        s->steps = p->angle_steps;
        s->every = p->angle_every;
    } else {
        s->n_devices = o->n_devices;
        memcpy(s->devices, o->devices, sizeof s->devices);
        s->target_s = p->target_s;
        s->reps = p->reps;
        s->depth = 3;
    }
}

/* The timing cases: every rule at (32, hidden), then BurstCCN's scaling
 * sweeps over width (batch 32) and batch size (base width). */
static int plan_cases(const all_plan *p, bench_tcase *c)
{
    int n = 0;
    for (int r = 0; r < BCN_RULE_COUNT; r++)
        c[n++] = (bench_tcase){(bcn_rule)r, 32, p->hidden};
    for (int i = 0; i < p->n_widths; i++)
        c[n++] = (bench_tcase){BCN_RULE_BURSTCCN, 32, p->widths[i]};
    for (int i = 0; i < p->n_batches; i++)
        c[n++] = (bench_tcase){BCN_RULE_BURSTCCN, p->batches[i], p->hidden};
    return n;
}

int bench_cmd_all(const bench_opts *o)
{
    const all_plan *p = o->quick ? &plan_quick : &plan_full;
    bench_opts s;
    double t0 = bcn_progress_now();
    int rc = 0;
    printf("burstccn-bench all (%s): results into %s/\n", p->name, o->out);

    printf("\n[1/4] learning curves of the four rules\n");
    fflush(stdout);
    sub_opts(o, p, BENCH_CMD_CURVES, &s);
    if ((rc = bench_curves_run(&s)) != 0)
        return rc;

    printf("\n[2/4] angles to backprop while training with BurstCCN\n");
    fflush(stdout);
    sub_opts(o, p, BENCH_CMD_ANGLES, &s);
    if ((rc = bench_angles_run(&s)) != 0)
        return rc;

    printf("\n[3/4] time per training step on every device\n");
    fflush(stdout);
    sub_opts(o, p, BENCH_CMD_TIMING, &s);
    bench_tcase cases[BCN_RULE_COUNT + 12];
    int n = plan_cases(p, cases);
    if ((rc = bench_timing_run(&s, cases, n, 32, p->hidden)) != 0)
        return rc;

    printf("\n[4/4] figures and summary\n");
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
    return rc;
}
