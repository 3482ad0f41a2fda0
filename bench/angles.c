/*
 * angles.c — `burstccn-bench angles`: train one network with the driving
 * rule and, every K steps, on the batch about to be trained on and the
 * current weights, compute every rule's update (bcn_net_compare) and record
 * per layer and overall the angle of each to backprop's (SPEC §9), the
 * update norms, and the W–Y and Y–Q weight angles. The network is the
 * driving rule's at its authors' settings (BurstCCN's with
 * --same-settings); every rule's update is computed on it, so all rules'
 * signals share its p_b, Y and Q (a rule's own learning rate or optimiser
 * does not enter its signal).
 *
 * Output in the results folder: angles.csv (one row per step × rule ×
 * layer, plus the rows of layer "all"), angles.json (settings, the
 * network's layers, mean and final angles), angles_meta.gp (for the
 * figures, with each layer's label: "conv 1 (32@12x12, 5x5/2)"). `all`
 * writes its conv network's run as angles_conv.* (o->suffix).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "netdesc.h"
#include "progress.h"

/* kind: the layer's kind (conv2d or dense; empty for "all"), last so
 * that the columns the figures read keep their numbers. */
#define ANGLES_COLS "step,rule,layer,angle_deg,norm,bp_norm,w_y_deg,y_q_deg,kind"

/* Running statistics of one angle series (invalid angles are skipped). */
typedef struct series {
    double sum, last;
    long n;
} series;

/* Add a valid angle to the series (invalid ones are skipped). */
static void series_add(series *s, const bcn_angle *a)
{
    if (!a->valid)
        return;
    s->sum += a->degrees;
    s->last = a->degrees;
    s->n++;
}

/* Mean of a series, NaN when it never had a valid angle. */
static double series_mean(const series *s) { return s->n ? s->sum / (double)s->n : NAN; }

typedef struct angles_run {
    const bench_opts *o;
    bcn_net_config cfg;
    int L, batch;
    series to_bp[BCN_RULE_COUNT][BCN_MAX_LAYERS + 1]; /* [rule][l-1], [rule][L] = all */
    series w_y[BCN_MAX_LAYERS], y_q[BCN_MAX_LAYERS];
    int compares;
    double train_loss, train_error, seconds;
} angles_run;

/* One angle as a CSV field: empty when invalid (zero-norm update). */
static void csv_angle(bench_csv *c, const bcn_angle *a)
{
    if (a->valid)
        bench_csv_num(c, a->degrees);
    else
        bench_csv_empty(c);
}

/* The rows of one comparison: every rule × (each layer, then "all"). */
static void write_rows(bench_csv *c, angles_run *run, long step, const bcn_comparison *cmp)
{
    int L = run->L;
    for (int r = 0; r < BCN_RULE_COUNT; r++) {
        for (int l = 0; l <= L; l++) {
            const bcn_angle *a = l < L ? &cmp->to_bp[r][l] : &cmp->to_bp_global[r];
            bench_csv_int(c, step);
            bench_csv_str(c, bcn_rule_str((bcn_rule)r));
            if (l < L)
                bench_csv_int(c, l + 1);
            else
                bench_csv_str(c, "all");
            csv_angle(c, a);
            bench_csv_num(c, a->norm_a);
            bench_csv_num(c, a->norm_b);
            if (l < L - 1) {
                csv_angle(c, &cmp->w_y[l]);
                csv_angle(c, &cmp->y_q[l]);
            } else {
                bench_csv_empty(c);
                bench_csv_empty(c);
            }
            if (l < L)
                bench_csv_str(c, run->cfg.layers[l].kind == BCN_LAYER_CONV2D ? "conv2d" : "dense");
            else
                bench_csv_empty(c);
            bench_csv_end_row(c);
            series_add(&run->to_bp[r][l], a);
        }
    }
    for (int l = 0; l < L - 1; l++) {
        series_add(&run->w_y[l], &cmp->w_y[l]);
        series_add(&run->y_q[l], &cmp->y_q[l]);
    }
    run->compares++;
}

/* {"1": v, ..., "all": v} of one statistic over the layers (NaN -> null). */
static void json_layers(bcn_json *j, const char *key, const series *s, int n, int with_all,
                        int mean)
{
    bcn_json_key(j, key);
    bcn_json_begin_object(j);
    for (int l = 0; l < n + (with_all ? 1 : 0); l++) {
        char name[16];
        if (l < n)
            snprintf(name, sizeof name, "%d", l + 1);
        else
            snprintf(name, sizeof name, "all");
        bcn_json_kv_number(j, name, mean ? series_mean(&s[l]) : (s[l].n ? s[l].last : NAN));
    }
    bcn_json_end_object(j);
}

/* angles.json: settings, device, machine, and the mean/final angles. */
static int write_json(const angles_run *run, const char *dir, const bcn_device_info *dev,
                      const char *gemm, const bcn_dataset *ds, char *err, size_t errlen)
{
    bench_jsonfile jf;
    if (bench_json_begin(&jf, dir, "angles", run->o->suffix, err, errlen) != 0)
        return -1;
    bcn_json *j = &jf.j;
    bench_machine m;
    bench_machine_read(&m);
    bcn_json_kv_string(j, "driving_rule", bcn_rule_str(run->cfg.rule));
    /* One network, that of the driving rule at its settings ("authors" or
     * "same"); every rule's signal is computed on it, with its p_b, Y, Q. */
    bcn_json_kv_string(j, "settings", run->o->same_settings ? "same" : "authors");
    bcn_json_key(j, "net");
    bench_json_net_config(j, &run->cfg);
    bcn_json_key(j, "layer_labels"); /* the keys of the angle objects below */
    bcn_json_begin_object(j);
    for (int l = 1; l <= run->L; l++) {
        char key[16], label[128];
        snprintf(key, sizeof key, "%d", l);
        bcn_layer_label(&run->cfg, l, label, sizeof label);
        bcn_json_kv_string(j, key, label);
    }
    bcn_json_end_object(j);
    bcn_json_kv_int(j, "batch", run->batch);
    bcn_json_kv_int(j, "steps", run->o->steps);
    bcn_json_kv_int(j, "every", run->o->every);
    bcn_json_kv_int(j, "comparisons", run->compares);
    bcn_json_kv_string(j, "data", ds->name);
    bcn_json_kv_int(j, "train_examples", ds->train.n);
    bcn_json_kv_number(j, "final_train_loss", run->train_loss);
    bcn_json_kv_number(j, "final_train_error", run->train_error);
    bcn_json_kv_number(j, "seconds", run->seconds);
    bcn_json_key(j, "device");
    bench_json_device(j, dev, gemm);
    bench_json_machine(j, &m);
    bench_json_build(j);
    for (int mean = 1; mean >= 0; mean--) {
        bcn_json_key(j, mean ? "mean_angle_deg" : "final_angle_deg");
        bcn_json_begin_object(j);
        for (int r = 0; r < BCN_RULE_COUNT; r++)
            json_layers(j, bcn_rule_str((bcn_rule)r), run->to_bp[r], run->L, 1, mean);
        bcn_json_end_object(j);
    }
    json_layers(j, "mean_w_y_deg", run->w_y, run->L - 1, 0, 1);
    json_layers(j, "final_w_y_deg", run->w_y, run->L - 1, 0, 0);
    json_layers(j, "mean_y_q_deg", run->y_q, run->L - 1, 0, 1);
    json_layers(j, "final_y_q_deg", run->y_q, run->L - 1, 0, 0);
    bcn_json_end_object(j);
    return bench_json_commit(&jf, err, errlen);
}

/* angles_meta.gp: what the angle and alignment figures print. */
static int write_meta(const angles_run *run, const char *dir, const bcn_device_info *dev,
                      const bcn_dataset *ds, char *err, size_t errlen)
{
    bench_meta m;
    char name[64];
    snprintf(name, sizeof name, "angles%s", run->o->suffix);
    if (bench_meta_open(&m, dir, name, err, errlen) != 0)
        return -1;
    char net[512], devd[512], info[1024], footer[3072], set[512];
    bench_describe_net(&run->cfg, run->batch, net, sizeof net);
    bench_describe_device(dev, devd, sizeof devd);
    bcn_net_settings_desc(&run->cfg, set, sizeof set);
    /* The angles compare every rule's update on ONE network: that of the
     * driving rule, at its settings. The other rules' signals use this
     * network's p_b, Y and Q (their own learning rates and optimisers do
     * not enter a signal). */
    snprintf(info, sizeof info,
             "%s; trained with %s on %s, compared every %d steps; every rule's update on this "
             "one network",
             net, bcn_rule_str(run->cfg.rule), ds->name, run->o->every);
    bench_machine mach;
    bench_machine_read(&mach);
    snprintf(footer, sizeof footer,
             "settings: %s's %s: %s; all rules' signals use its p_b, Y, Q · run %s on %s · "
             "device %s · libburstccn %s",
             bcn_rule_str(run->cfg.rule),
             run->o->same_settings ? "are BurstCCN's (--same-settings)" : "are its authors'",
             set, mach.date, mach.hostname, devd, bcn_version());
    bench_meta_str(&m, "meta_rules", "burstccn burstprop fa backprop");
    bench_meta_str(&m, "meta_driver", bcn_rule_str(run->cfg.rule));
    bcn_net_config cfgs[BCN_RULE_COUNT];
    cfgs[run->cfg.rule] = run->cfg;
    bench_meta_settings(&m, cfgs, BCN_RULE_BIT(run->cfg.rule), run->o->same_settings);
    bench_meta_layers(&m, &run->cfg);
    bench_meta_str(&m, "meta_device", dev->id);
    bench_meta_info(&m, info);
    bench_meta_footer(&m, footer);
    return bench_meta_commit(&m, err, errlen);
}

/* Train and compare; rows go to `csv`. 0, -1 (message printed) or
 * BENCH_RUN_UNSUPPORTED (the device cannot run this network). */
static int run_loop(angles_run *run, bcn_net *net, const bcn_dataset *ds, bench_csv *csv)
{
    const bench_opts *o = run->o;
    int B = run->batch, n = ds->train.n, rc = -1;
    bcn_order order = {0};
    float *x = malloc((size_t)B * ds->dim * sizeof *x);
    float *t = malloc((size_t)B * ds->n_classes * sizeof *t);
    if (!x || !t || bcn_order_init(bcn_net_ctx(net), &order, n, B, o->seed) != BCN_OK) {
        fprintf(stderr, "burstccn-bench angles: out of memory\n");
        goto done;
    }
    /* The data order of `burstccn train --seed` (bcn_order); the last batch
     * of an epoch may be short. */
    bcn_progress bar;
    bcn_progress_init(&bar, stderr, o->quiet ? BCN_PROGRESS_OFF : BCN_PROGRESS_AUTO, "angles",
                      o->steps, "step");
    double t0 = bcn_progress_now();
    for (long step = 0; step <= o->steps; step++) {
        const int *idx;
        int rows = bcn_order_next(&order, &idx);
        bcn_dataset_batch(ds, &ds->train, idx, rows, x, t);
        bcn_status st = BCN_OK;
        if (step % o->every == 0 || step == o->steps) {
            bcn_comparison cmp;
            st = bcn_net_compare(net, x, t, rows, &cmp);
            if (st == BCN_OK)
                write_rows(csv, run, step, &cmp);
        }
        if (st == BCN_OK && step < o->steps)
            st = bcn_net_train_step(net, x, t, rows, NULL);
        if (st != BCN_OK) {
            bcn_progress_finish(&bar);
            fprintf(stderr, "burstccn-bench angles: step %ld: %s\n", step,
                    bcn_errmsg(bcn_net_ctx(net)));
            if (st == BCN_ERR_UNSUPPORTED)
                rc = BENCH_RUN_UNSUPPORTED;
            goto done;
        }
        bcn_progress_update(&bar, step);
    }
    bcn_progress_finish(&bar);
    run->seconds = bcn_progress_now() - t0;
    double loss = NAN;
    long correct = 0, seen = 0;
    if (bcn_net_train_stats(net, 1, &loss, &correct, &seen) == BCN_OK && seen > 0) {
        run->train_loss = loss;
        run->train_error = 100.0 * (1.0 - (double)correct / (double)seen);
    }
    rc = 0;
done:
    bcn_order_free(&order);
    free(x);
    free(t);
    return rc;
}

/* Print the mean angles per rule and layer. */
static void print_summary(const angles_run *run)
{
    printf("mean angle to backprop over %d comparisons (degrees):\n  %-10s", run->compares,
           "rule");
    for (int l = 1; l <= run->L; l++) {
        char name[32];
        bcn_layer_short_label(&run->cfg, l, name, sizeof name);
        printf("  %9s", name);
    }
    printf("  %9s\n", "all");
    for (int r = 0; r < BCN_RULE_COUNT; r++) {
        printf("  %-10s", bcn_rule_str((bcn_rule)r));
        for (int l = 0; l <= run->L; l++)
            printf("  %9.3f", series_mean(&run->to_bp[r][l]));
        printf("\n");
    }
}

/* The network saved in o->model, checked against the data's shape. 0 or
 * BENCH_EXIT_FAIL (message printed). */
static int load_model(const bench_opts *o, bcn_ctx *ctx, const bcn_dataset *ds, bcn_net **net)
{
    if (bcn_net_load(ctx, o->model, net, NULL, NULL, NULL) != BCN_OK) {
        fprintf(stderr, "burstccn-bench angles: --model: %s\n", bcn_errmsg(ctx));
        return BENCH_EXIT_FAIL;
    }
    const bcn_net_config *c = bcn_net_config_of(*net);
    if (c->input.c * c->input.h * c->input.w != ds->dim ||
        c->layers[c->n_layers - 1].units != ds->n_classes) {
        fprintf(stderr,
                "burstccn-bench angles: --model: the network in '%s' takes %dx%dx%d inputs "
                "into %d classes; the data has %dx%dx%d images of %d classes\n",
                o->model, c->input.c, c->input.h, c->input.w, c->layers[c->n_layers - 1].units,
                ds->channels, ds->rows, ds->cols, ds->n_classes);
        return BENCH_EXIT_FAIL;
    }
    return 0;
}

int bench_angles_run(const bench_opts *o)
{
    char err[1024], path[4096];
    int rc = BENCH_EXIT_FAIL;
    bcn_device_info dev;
    bcn_dataset *ds = NULL;
    bcn_net *net = NULL;
    bench_csv csv = {0};
    angles_run *run = calloc(1, sizeof *run);
    if (!run)
        return BENCH_EXIT_FAIL;
    run->o = o;
    bcn_ctx *ctx = NULL;
    if (bench_open_run(o, "angles", &ctx, &dev, &ds) != 0) {
        free(run);
        return BENCH_EXIT_FAIL;
    }
    run->batch = o->batch < ds->train.n ? o->batch : ds->train.n;
    if (o->model[0]) {
        if ((rc = load_model(o, ctx, ds, &net)) != 0)
            goto done;
        run->cfg = *bcn_net_config_of(net);
    } else {
        if ((rc = bench_run_config(o, "angles", ctx, o->rule, ds, &run->cfg)) != 0)
            goto done;
        if (bcn_net_create(ctx, &run->cfg, &net) != BCN_OK) {
            fprintf(stderr, "burstccn-bench angles: cannot create the network: %s\n",
                    bcn_errmsg(ctx));
            rc = BENCH_EXIT_FAIL;
            goto done;
        }
    }
    rc = BENCH_EXIT_FAIL;
    run->L = run->cfg.n_layers;
    char sizes[1024];
    bcn_net_desc(&run->cfg, sizes, sizeof sizes);
    if (!o->quiet)
        fprintf(stderr, "angles: %s trained with %s on %s, %d steps of %d, compared every %d\n",
                sizes, bcn_rule_str(run->cfg.rule), dev.id, o->steps, run->batch, o->every);
    char file[64];
    snprintf(file, sizeof file, "angles%s.csv", o->suffix);
    if (bench_path(path, sizeof path, o->out, file) != 0 ||
        bench_csv_open(&csv, path, ANGLES_COLS, err, sizeof err) != 0) {
        fprintf(stderr, "burstccn-bench angles: %s\n", err);
        goto done;
    }
    int lrc = run_loop(run, net, ds, &csv);
    if (lrc != 0) {
        if (lrc == BENCH_RUN_UNSUPPORTED)
            rc = lrc;
        goto done;
    }
    if (bench_csv_commit(&csv, err, sizeof err) != 0 ||
        write_json(run, o->out, &dev, bcn_ctx_gemm_name(ctx), ds, err, sizeof err) != 0 ||
        write_meta(run, o->out, &dev, ds, err, sizeof err) != 0) {
        fprintf(stderr, "burstccn-bench angles: %s\n", err);
        goto done;
    }
    print_summary(run);
    rc = 0;
done:
    bench_csv_abort(&csv);
    bcn_net_destroy(net);
    bcn_dataset_free(ds);
    bcn_ctx_free(ctx);
    free(run);
    return rc;
}

int bench_cmd_angles(const bench_opts *o)
{
    int rc = bench_angles_run(o);
    if (rc == BENCH_RUN_UNSUPPORTED)
        rc = BENCH_EXIT_FAIL;
    if (rc == 0 && !o->no_plots)
        rc = bench_render(o, o->out);
    return rc;
}
