/*
 * curves.c — `burstccn-bench curves`: train each requested rule from the
 * same initial weights (same seed and sizes) on the same data order, each
 * at its own authors' settings (Burstprop: Payeur et al.'s lr, momentum,
 * p_b, Y std; --same-settings: BurstCCN's for all), and record train loss,
 * train error and test error per epoch (or several times per epoch with
 * --evals-per-epoch). The settings do not touch the W draws; Y is the same
 * draws times each rule's Y std; Burstprop's R is drawn after them.
 *
 * Output: curves.csv (one row per evaluation × rule; epoch 0 is the
 * untrained network), curves.json (settings, the network, final numbers),
 * curves_meta.gp. `all` writes its conv network's run as curves_conv.*
 * (o->suffix).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "netdesc.h"
#include "progress.h"

#define CURVES_COLS "epoch,rule,train_loss,train_error,test_loss,test_error,seconds"

typedef struct rule_result {
    int done;
    double train_loss, train_error, test_loss, test_error, seconds;
    bcn_net_config cfg;
} rule_result;

typedef struct curves_run {
    const bench_opts *o;
    const bcn_dataset *ds;
    int batch;
    float *init[2 * BCN_MAX_LAYERS]; /* first rule's W_1..W_L, Y_1..Y_{L-1} */
    size_t init_n[2 * BCN_MAX_LAYERS];
    float init_y_scale;              /* the first rule's Y scale */
    int same_init;
    rule_result res[BCN_RULE_COUNT];
    bcn_progress bar;
    long progress;
} curves_run;

/* Compare the new network's W and Y with the first network's (kept on the
 * host): the evidence that every rule starts from the same weights. W must
 * be identical; Y the same draws, Y / y_scale equal (each rule may have its
 * authors' Y scale: to float rounding, 1e-6, when the scales differ).
 * Returns 0 when equal (or when this is the first network), 1 if not,
 * -1 on error. */
static int check_same_init(curves_run *run, bcn_net *net)
{
    const bcn_net_config *cfg = bcn_net_config_of(net);
    int L = cfg->n_layers, differ = 0;
    for (int k = 0; k < 2 * L - 1; k++) {
        bcn_param p = k < L ? BCN_PARAM_W : BCN_PARAM_Y;
        int layer = k < L ? k + 1 : k - L + 1, rows = 0, cols = 0;
        if (bcn_net_param_shape(net, p, layer, &rows, &cols) != BCN_OK)
            return -1;
        size_t n = (size_t)rows * cols;
        float *w = malloc(n * sizeof *w);
        if (!w || bcn_net_get_param(net, p, layer, w) != BCN_OK) {
            free(w);
            return -1;
        }
        if (!run->init[k]) {
            run->init[k] = w;
            run->init_n[k] = n;
            run->init_y_scale = cfg->y_scale;
            continue;
        }
        if (run->init_n[k] != n)
            differ = 1;
        else if (p == BCN_PARAM_W || cfg->y_scale == run->init_y_scale ||
                 cfg->y_scale == 0.0f || run->init_y_scale == 0.0f)
            differ |= memcmp(run->init[k], w, n * sizeof *w) != 0;
        else
            for (size_t i = 0; i < n && !differ; i++) {
                double a = (double)w[i] / cfg->y_scale;
                double b = (double)run->init[k][i] / run->init_y_scale;
                differ = fabs(a - b) > 1e-6 * fmax(fabs(a), fabs(b));
            }
        free(w);
    }
    return differ;
}

/* One CSV row and the result so far. */
static void write_row(bench_csv *c, double epoch, bcn_rule rule, double train_loss,
                      double train_error, double test_loss, double test_error, double seconds)
{
    bench_csv_num(c, epoch);
    bench_csv_str(c, bcn_rule_str(rule));
    bench_csv_num(c, train_loss); /* NaN (empty) at epoch 0 */
    bench_csv_num(c, train_error);
    bench_csv_num(c, test_loss);
    bench_csv_num(c, test_error);
    bench_csv_num(c, seconds);
    bench_csv_end_row(c);
}

/* Evaluate on the test split: mean loss and error (%). */
static bcn_status evaluate(bcn_net *net, const bcn_dataset *ds, double *loss, double *error)
{
    long wrong = 0;
    bcn_status st = bcn_net_evaluate(net, ds->test.x, ds->test.y, ds->test.n, loss, &wrong);
    *error = ds->test.n ? 100.0 * (double)wrong / (double)ds->test.n : NAN;
    return st;
}

/* Train one rule for the requested epochs, rows into csv. 0, -1 or
 * BENCH_RUN_UNSUPPORTED (the device cannot run the network). */
static int train_rule(curves_run *run, bcn_ctx *ctx, bcn_rule rule, bench_csv *csv)
{
    const bench_opts *o = run->o;
    const bcn_dataset *ds = run->ds;
    rule_result *res = &run->res[rule];
    int B = run->batch, n = ds->train.n, rc = -1;
    bcn_net *net = NULL;
    bcn_order order = {0};
    float *x = malloc((size_t)B * ds->dim * sizeof *x);
    float *t = malloc((size_t)B * ds->n_classes * sizeof *t);
    if (!x || !t || bcn_order_init(ctx, &order, n, B, o->seed) != BCN_OK) {
        fprintf(stderr, "burstccn-bench curves: out of memory\n");
        goto done;
    }
    if (bench_run_config(o, "curves", ctx, rule, ds, &res->cfg) != 0)
        goto done; /* checked for the first rule already: not reached */
    bcn_status st = bcn_net_create(ctx, &res->cfg, &net);
    if (st != BCN_OK)
        goto fail;
    int same = check_same_init(run, net);
    if (same < 0)
        goto fail;
    if (same > 0) {
        run->same_init = 0;
        fprintf(stderr, "burstccn-bench curves: warning: %s starts from different weights\n",
                bcn_rule_str(rule));
    }
    /* Every rule gets the same data order, the one `burstccn train --seed`
     * uses (bcn_order). */
    double loss, err;
    if ((st = evaluate(net, ds, &loss, &err)) != BCN_OK)
        goto fail;
    write_row(csv, 0.0, rule, NAN, NAN, loss, err, 0.0);
    int nb = (n + B - 1) / B, E = o->evals_per_epoch;
    double train_s = 0.0;
    for (int ep = 0; ep < o->epochs; ep++) {
        int next_eval = 1;
        double t0 = bcn_progress_now();
        for (int b = 0; b < nb; b++) {
            const int *idx;
            int rows = bcn_order_next(&order, &idx); /* the last batch may be short */
            bcn_dataset_batch(ds, &ds->train, idx, rows, x, t);
            if ((st = bcn_net_train_step(net, x, t, rows, NULL)) != BCN_OK)
                goto fail;
            run->progress += rows;
            bcn_progress_update(&run->bar, run->progress);
            /* Evaluate E times per epoch, after batch ⌈nb·k/E⌉. */
            if ((long)(b + 1) * E < (long)nb * next_eval)
                continue;
            if ((st = bcn_ctx_finish(ctx)) != BCN_OK)
                goto fail;
            train_s += bcn_progress_now() - t0;
            double tl = NAN, te = NAN;
            long correct = 0, seen = 0;
            if ((st = bcn_net_train_stats(net, 1, &tl, &correct, &seen)) != BCN_OK ||
                (st = evaluate(net, ds, &loss, &err)) != BCN_OK)
                goto fail;
            if (seen > 0)
                te = 100.0 * (1.0 - (double)correct / (double)seen);
            double epoch = ep + (double)(b + 1) / nb;
            write_row(csv, epoch, rule, tl, te, loss, err, train_s);
            *res = (rule_result){1, tl, te, loss, err, train_s, res->cfg};
            next_eval++;
            t0 = bcn_progress_now();
        }
    }
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "\nburstccn-bench curves: %s: %s\n", bcn_rule_str(rule), bcn_errmsg(ctx));
    if (st == BCN_ERR_UNSUPPORTED)
        rc = BENCH_RUN_UNSUPPORTED;
done:
    bcn_net_destroy(net);
    bcn_order_free(&order);
    free(x);
    free(t);
    return rc;
}

/* curves.json: settings and each rule's final numbers. */
static int write_json(const curves_run *run, const char *dir, const bcn_device_info *dev,
                      const char *gemm, char *err, size_t errlen)
{
    bench_jsonfile jf;
    if (bench_json_begin(&jf, dir, "curves", run->o->suffix, err, errlen) != 0)
        return -1;
    bcn_json *j = &jf.j;
    const bench_opts *o = run->o;
    bench_machine m;
    bench_machine_read(&m);
    bcn_json_kv_string(j, "data", run->ds->name);
    bcn_json_kv_int(j, "train_examples", run->ds->train.n);
    bcn_json_kv_int(j, "test_examples", run->ds->test.n);
    bcn_json_kv_int(j, "epochs", o->epochs);
    bcn_json_kv_int(j, "evals_per_epoch", o->evals_per_epoch);
    bcn_json_kv_int(j, "batch", run->batch);
    bcn_json_kv_bool(j, "same_init", run->same_init);
    bcn_json_kv_string(j, "settings", o->same_settings ? "same" : "authors");
    bcn_json_key(j, "device");
    bench_json_device(j, dev, gemm);
    bench_json_machine(j, &m);
    bench_json_build(j);
    bcn_json_key(j, "rules");
    bcn_json_begin_object(j);
    for (int r = 0; r < BCN_RULE_COUNT; r++) {
        const rule_result *res = &run->res[r];
        if (!res->done)
            continue;
        bcn_json_key(j, bcn_rule_str((bcn_rule)r));
        bcn_json_begin_object(j);
        bcn_json_kv_number(j, "final_test_error", res->test_error);
        bcn_json_kv_number(j, "final_test_loss", res->test_loss);
        bcn_json_kv_number(j, "final_train_error", res->train_error);
        bcn_json_kv_number(j, "final_train_loss", res->train_loss);
        bcn_json_kv_number(j, "train_seconds", res->seconds);
        bcn_json_kv_number(j, "seconds_per_epoch", res->seconds / o->epochs);
        bcn_json_key(j, "net");
        bench_json_net_config(j, &res->cfg);
        bcn_json_end_object(j);
    }
    bcn_json_end_object(j);
    bcn_json_end_object(j);
    return bench_json_commit(&jf, err, errlen);
}

/* curves_meta.gp: what the learning-curve figure prints. */
static int write_meta(const curves_run *run, const char *dir, const bcn_device_info *dev,
                      const bcn_net_config *cfg, char *err, size_t errlen)
{
    bench_meta m;
    char name[64];
    snprintf(name, sizeof name, "curves%s", run->o->suffix);
    if (bench_meta_open(&m, dir, name, err, errlen) != 0)
        return -1;
    char rules[128] = "", net[512], devd[512], info[1024], footer[4096], num[32], set[2048];
    unsigned mask = 0;
    bcn_net_config cfgs[BCN_RULE_COUNT];
    for (int r = 0; r < BCN_RULE_COUNT; r++) {
        cfgs[r] = run->res[r].cfg;
        if (run->res[r].done) {
            mask |= BCN_RULE_BIT(r);
            snprintf(rules + strlen(rules), sizeof rules - strlen(rules), "%s%s",
                     rules[0] ? " " : "", bcn_rule_str((bcn_rule)r));
        }
    }
    /* The rules may differ in every setting (each its authors'): the
     * network once, then each rule's settings. */
    bcn_net_desc(cfg, net, sizeof net);
    bench_describe_settings(cfgs, mask, run->o->same_settings, set, sizeof set);
    bench_describe_device(dev, devd, sizeof devd);
    snprintf(info, sizeof info, "%s, batch %d; %s, seed %llu for every rule; %s (below)", net,
             run->batch, run->ds->name, (unsigned long long)cfg->seed,
             run->o->same_settings ? "BurstCCN's settings for every rule"
                                   : "each rule at its own authors' settings");
    bench_machine mach;
    bench_machine_read(&mach);
    /* The settings lead the footer: the title has no room for four rules'. */
    snprintf(footer, sizeof footer, "%s · run %s on %s · device %s · libburstccn %s", set,
             mach.date, mach.hostname, devd, bcn_version());
    bench_meta_str(&m, "meta_rules", rules);
    snprintf(num, sizeof num, "%d", run->ds->train.n);
    bench_meta_str(&m, "meta_train_n", num);
    snprintf(num, sizeof num, "%d", run->ds->test.n);
    bench_meta_str(&m, "meta_test_n", num);
    bench_meta_str(&m, "meta_device", dev->id);
    bench_meta_settings(&m, cfgs, mask, run->o->same_settings);
    bench_meta_layers(&m, cfg);
    bench_meta_info(&m, info);
    bench_meta_footer(&m, footer);
    return bench_meta_commit(&m, err, errlen);
}

/* Print each rule's final numbers. */
static void print_summary(const curves_run *run)
{
    printf("%-10s %12s %12s %12s %10s\n", "rule", "test error", "train error", "train loss",
           "s/epoch");
    for (int r = 0; r < BCN_RULE_COUNT; r++) {
        const rule_result *res = &run->res[r];
        if (res->done)
            printf("%-10s %11.2f%% %11.2f%% %12.5f %10.1f\n", bcn_rule_str((bcn_rule)r),
                   res->test_error, res->train_error, res->train_loss,
                   res->seconds / run->o->epochs);
    }
}

int bench_curves_run(const bench_opts *o)
{
    char err[1024], path[4096];
    int rc = BENCH_EXIT_FAIL;
    bcn_device_info dev;
    bcn_dataset *ds = NULL;
    bench_csv csv = {0};
    curves_run *run = calloc(1, sizeof *run);
    if (!run)
        return BENCH_EXIT_FAIL;
    run->o = o;
    run->same_init = 1;
    bcn_ctx *ctx = NULL;
    if (bench_open_run(o, "curves", &ctx, &dev, &ds) != 0) {
        free(run);
        return BENCH_EXIT_FAIL;
    }
    if (ds->test.n < 1) {
        fprintf(stderr, "burstccn-bench curves: the dataset has no test examples\n");
        goto done;
    }
    run->ds = ds;
    run->batch = o->batch < ds->train.n ? o->batch : ds->train.n;
    bcn_net_config first = {0};
    if ((rc = bench_run_config(o, "curves", ctx, BCN_RULE_BURSTCCN, ds, &first)) != 0)
        goto done; /* the layers are the same for every rule */
    rc = BENCH_EXIT_FAIL;
    char file[64];
    snprintf(file, sizeof file, "curves%s.csv", o->suffix);
    if (bench_path(path, sizeof path, o->out, file) != 0 ||
        bench_csv_open(&csv, path, CURVES_COLS, err, sizeof err) != 0) {
        fprintf(stderr, "burstccn-bench curves: %s\n", err);
        goto done;
    }
    int nrules = 0;
    for (int r = 0; r < BCN_RULE_COUNT; r++)
        nrules += (o->rules & BCN_RULE_BIT(r)) != 0;
    if (!o->quiet)
        fprintf(stderr, "curves: %d rule(s) x %d epoch(s) of %d images on %s\n", nrules,
                o->epochs, ds->train.n, dev.id);
    bcn_progress_init(&run->bar, stderr, o->quiet ? BCN_PROGRESS_OFF : BCN_PROGRESS_AUTO,
                      "curves", (long)nrules * o->epochs * ds->train.n, "ex");
    first.n_layers = 0;
    for (int r = 0; r < BCN_RULE_COUNT; r++) {
        if (!(o->rules & BCN_RULE_BIT(r)))
            continue;
        int trc = train_rule(run, ctx, (bcn_rule)r, &csv);
        if (trc != 0) {
            bcn_progress_finish(&run->bar);
            if (trc == BENCH_RUN_UNSUPPORTED)
                rc = trc;
            goto done;
        }
        if (first.n_layers == 0)
            first = run->res[r].cfg;
    }
    bcn_progress_finish(&run->bar);
    if (bench_csv_commit(&csv, err, sizeof err) != 0 ||
        write_json(run, o->out, &dev, bcn_ctx_gemm_name(ctx), err, sizeof err) != 0 ||
        write_meta(run, o->out, &dev, &first, err, sizeof err) != 0) {
        fprintf(stderr, "burstccn-bench curves: %s\n", err);
        goto done;
    }
    print_summary(run);
    rc = 0;
done:
    bench_csv_abort(&csv);
    for (int k = 0; k < 2 * BCN_MAX_LAYERS; k++)
        free(run->init[k]);
    bcn_dataset_free(ds);
    bcn_ctx_free(ctx);
    free(run);
    return rc;
}

int bench_cmd_curves(const bench_opts *o)
{
    int rc = bench_curves_run(o);
    if (rc == BENCH_RUN_UNSUPPORTED)
        rc = BENCH_EXIT_FAIL;
    if (rc == 0 && !o->no_plots)
        rc = bench_render(o, o->out);
    return rc;
}
