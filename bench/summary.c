/*
 * summary.c — summary.md of a results folder: the headline numbers (final
 * test error per rule, mean angle to backprop per rule and layer, samples/s
 * per device, rule and network, the SGEMM rate of each engine at the
 * step's shapes) read back from the CSV files, with the figures; `all`'s
 * conv network (the *_conv files) in a section of its own.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic_file.h"
#include "bench.h"

/* 1 when dir/name exists. */
static int exists(const char *dir, const char *name)
{
    char p[4096];
    struct stat sb;
    return bench_path(p, sizeof p, dir, name) == 0 && stat(p, &sb) == 0;
}

/* A number from a cell, NaN when empty or not a number. */
static double num(const char *s)
{
    char *end;
    if (!s || !*s)
        return NAN;
    double v = strtod(s, &end);
    return *end ? NAN : v;
}

/* Read meta key from dir/NAME_meta.gp into buf ("" when absent). The
 * figures' info lines are broken to fit a figure: one line here. */
static void meta(const char *dir, const char *name, const char *key, char *buf, size_t len)
{
    char file[256], path[4096];
    snprintf(file, sizeof file, "%s_meta.gp", name);
    buf[0] = '\0';
    if (bench_path(path, sizeof path, dir, file) == 0 && bench_meta_read(path, key, buf, len) != 0)
        buf[0] = '\0';
    if (strcmp(key, "meta_info") == 0)
        for (char *p = buf; (p = strchr(p, '\n')); p++)
            *p = ' ';
}

/* Markdown image line when the PNG exists. */
static void figure(FILE *f, const char *dir, const char *name, const char *alt)
{
    char png[128];
    snprintf(png, sizeof png, "%s.png", name);
    if (exists(dir, png))
        fprintf(f, "![%s](%s)\n\n", alt, png);
}

/* Load dir/name into t; 0 when present and readable. */
static int load(const char *dir, const char *name, bench_table *t)
{
    char path[4096], err[512];
    if (!exists(dir, name) || bench_path(path, sizeof path, dir, name) != 0)
        return -1;
    return bench_table_read(t, path, err, sizeof err);
}

/* Learning curves: each rule's last evaluation; `heading` NULL: none. */
static void section_curves(FILE *f, const char *dir, const char *suffix, const char *heading)
{
    bench_table t;
    char name[64], file[80];
    snprintf(name, sizeof name, "curves%s", suffix);
    snprintf(file, sizeof file, "%s.csv", name);
    if (load(dir, file, &t) != 0)
        return;
    int ce = bench_table_col(&t, "epoch"), cr = bench_table_col(&t, "rule"),
        cte = bench_table_col(&t, "test_error"), ctr = bench_table_col(&t, "train_error"),
        cl = bench_table_col(&t, "train_loss"), cs = bench_table_col(&t, "seconds");
    char info[2048], footer[2048];
    meta(dir, name, "meta_info", info, sizeof info);
    meta(dir, name, "meta_footer", footer, sizeof footer);
    if (heading)
        fprintf(f, "%s\n\n", heading);
    fprintf(f, "%s.  \n%s\n\n", info, footer);
    char mode[32];
    meta(dir, name, "meta_settings", mode, sizeof mode);
    fprintf(f, "| rule | epochs | final test error | final train error | train loss | "
               "training s/epoch | settings (%s) |\n|---|---:|---:|---:|---:|---:|---|\n",
            strcmp(mode, "same") == 0 ? "BurstCCN's for every rule, --same-settings"
            : mode[0]                 ? "each rule its own authors'"
                                      : "not recorded");
    for (int r = 0; r < BCN_RULE_COUNT && ce >= 0 && cr >= 0; r++) {
        const char *rule = bcn_rule_str((bcn_rule)r);
        int last = -1;
        for (int i = 1; i < t.nrows; i++)
            if (strcmp(t.cell[i][cr], rule) == 0 &&
                (last < 0 || num(t.cell[i][ce]) >= num(t.cell[last][ce])))
                last = i;
        if (last < 0)
            continue;
        double ep = num(t.cell[last][ce]);
        char key[64], set[512];
        snprintf(key, sizeof key, "meta_settings_%s", rule);
        meta(dir, name, key, set, sizeof set);
        fprintf(f, "| %s | %g | %.2f %% | %.2f %% | %.4f | %.1f | %s |\n", rule, ep,
                num(t.cell[last][cte]), num(t.cell[last][ctr]), num(t.cell[last][cl]),
                ep > 0 ? num(t.cell[last][cs]) / ep : NAN, set);
    }
    fprintf(f, "\n");
    figure(f, dir, name, "test error and training loss per epoch");
    bench_table_free(&t);
}

/* Label of layer l from the metadata of `name` ("layer l" when absent). */
static void layer_label(const char *dir, const char *name, int l, char *buf, size_t len)
{
    char key[64];
    snprintf(key, sizeof key, "meta_layer_label_%d", l);
    meta(dir, name, key, buf, len);
    if (!buf[0])
        snprintf(buf, len, "layer %d", l);
}

/* Angles: mean of the valid angles per rule and layer. */
static void section_angles(FILE *f, const char *dir, const char *suffix, const char *heading)
{
    bench_table t;
    char name[64], file[80];
    snprintf(name, sizeof name, "angles%s", suffix);
    snprintf(file, sizeof file, "%s.csv", name);
    if (load(dir, file, &t) != 0)
        return;
    int cs = bench_table_col(&t, "step"), cr = bench_table_col(&t, "rule"),
        cl = bench_table_col(&t, "layer"), ca = bench_table_col(&t, "angle_deg"),
        cwy = bench_table_col(&t, "w_y_deg"), cyq = bench_table_col(&t, "y_q_deg");
    char info[2048], footer[2048], layers[32], driver[64], label[128];
    meta(dir, name, "meta_info", info, sizeof info);
    meta(dir, name, "meta_footer", footer, sizeof footer);
    meta(dir, name, "meta_layers", layers, sizeof layers);
    meta(dir, name, "meta_driver", driver, sizeof driver);
    int L = atoi(layers);
    if (L < 1 || L > BCN_MAX_LAYERS || cr < 0 || cl < 0 || ca < 0 || cs < 0) {
        bench_table_free(&t);
        return;
    }
    double sum[BCN_RULE_COUNT][BCN_MAX_LAYERS + 1] = {{0}};
    long cnt[BCN_RULE_COUNT][BCN_MAX_LAYERS + 1] = {{0}};
    double wy[BCN_MAX_LAYERS] = {0}, yq[BCN_MAX_LAYERS] = {0};
    double wy_last[BCN_MAX_LAYERS], yq_last[BCN_MAX_LAYERS];
    long nwy[BCN_MAX_LAYERS] = {0}, nyq[BCN_MAX_LAYERS] = {0};
    long steps = 0;
    for (int l = 0; l < BCN_MAX_LAYERS; l++)
        wy_last[l] = yq_last[l] = NAN;
    for (int i = 1; i < t.nrows; i++) {
        bcn_rule rule;
        if (bcn_rule_parse(t.cell[i][cr], &rule) != BCN_OK)
            continue;
        int l = strcmp(t.cell[i][cl], "all") == 0 ? L : atoi(t.cell[i][cl]) - 1;
        if (l < 0 || l > L)
            continue;
        double a = num(t.cell[i][ca]);
        if (!isnan(a)) {
            sum[rule][l] += a;
            cnt[rule][l]++;
        }
        steps = (long)num(t.cell[i][cs]);
        /* Weight angles: the driving rule's rows (they repeat per rule). */
        if (l < L - 1 && strcmp(t.cell[i][cr], driver) == 0) {
            double w = cwy >= 0 ? num(t.cell[i][cwy]) : NAN, q = cyq >= 0 ? num(t.cell[i][cyq]) : NAN;
            if (!isnan(w)) {
                wy[l] += w;
                nwy[l]++;
                wy_last[l] = w;
            }
            if (!isnan(q)) {
                yq[l] += q;
                nyq[l]++;
                yq_last[l] = q;
            }
        }
    }
    fprintf(f, "%s\n\n%s.  \n%s\n\n", heading, info, footer);
    fprintf(f, "Mean angle in degrees over the comparisons of steps 0 to %ld (0 = the "
               "backprop direction, 90 = orthogonal):\n\n| rule |", steps);
    for (int l = 1; l <= L; l++) {
        layer_label(dir, name, l, label, sizeof label);
        fprintf(f, " %s |", label);
    }
    fprintf(f, " all layers |\n|---|");
    for (int l = 0; l <= L; l++)
        fprintf(f, "---:|");
    fprintf(f, "\n");
    for (int r = 0; r < BCN_RULE_COUNT; r++) {
        fprintf(f, "| %s |", bcn_rule_str((bcn_rule)r));
        for (int l = 0; l <= L; l++) {
            if (cnt[r][l])
                fprintf(f, " %.2f |", sum[r][l] / (double)cnt[r][l]);
            else
                fprintf(f, " – |");
        }
        fprintf(f, "\n");
    }
    fprintf(f, "\nFeedback weights Y_l of the hidden layers (mean over training → at the end), "
               "degrees:\n\n| hidden layer | ∠(W_l+1, Y_l) | ∠(Y_l, Q_l) |\n|---|---:|---:|\n");
    for (int l = 0; l < L - 1; l++) {
        layer_label(dir, name, l + 1, label, sizeof label);
        fprintf(f, "| %s | %.2f → %.2f | %.2f → %.2f |\n", label,
                nwy[l] ? wy[l] / (double)nwy[l] : NAN, wy_last[l],
                nyq[l] ? yq[l] / (double)nyq[l] : NAN, yq_last[l]);
    }
    fprintf(f, "\n");
    char fig[64];
    figure(f, dir, name, "angle to backprop per layer during training");
    snprintf(fig, sizeof fig, "alignment%s", suffix);
    figure(f, dir, fig, "W-Y and Y-Q angles during training");
    bench_table_free(&t);
}

/* The timing table's columns. */
typedef struct tcols {
    int dev, rule, batch, width, med, min, max, sps, gf, gfrac, st, name, err, net;
    int launches, blas, transfers; /* -1 in results from before the counters */
    int gemm;                      /* -1 in results from before --gemm */
} tcols;

/* A per-step count of row i ("" when the column is absent or empty). */
static void count_cell(const bench_table *t, int col, int i, char *buf, size_t len)
{
    if (col < 0 || !t->cell[i][col][0])
        buf[0] = '\0';
    else
        snprintf(buf, len, "%.4g", num(t->cell[i][col]));
}

/* The network family of row i ("dense" in results from before families). */
static const char *row_net(const bench_table *t, const tcols *c, int i)
{
    return c->net >= 0 && t->cell[i][c->net][0] ? t->cell[i][c->net] : "dense";
}

/* 1 when row i is family `net`'s bar-chart case (base batch; base width
 * for the dense family). */
static int is_base(const bench_table *t, const tcols *c, int i, const char *net, double base_b,
                   double base_w)
{
    if (strcmp(row_net(t, c, i), net) != 0 || num(t->cell[i][c->batch]) != base_b)
        return 0;
    return strcmp(net, "dense") != 0 || num(t->cell[i][c->width]) == base_w;
}

/* Speed: the bar chart's configuration per network, device and rule. */
static void section_timing(FILE *f, const char *dir)
{
    bench_table t;
    if (load(dir, "timing.csv", &t) != 0)
        return;
    tcols c = {
        bench_table_col(&t, "device"),        bench_table_col(&t, "rule"),
        bench_table_col(&t, "batch"),         bench_table_col(&t, "width"),
        bench_table_col(&t, "median_ms"),     bench_table_col(&t, "min_ms"),
        bench_table_col(&t, "max_ms"),        bench_table_col(&t, "samples_per_s"),
        bench_table_col(&t, "gflops"),        bench_table_col(&t, "gemm_fraction"),
        bench_table_col(&t, "status"),        bench_table_col(&t, "device_name"),
        bench_table_col(&t, "error"),         bench_table_col(&t, "net"),
        bench_table_col(&t, "launches_per_step"), bench_table_col(&t, "blas_calls_per_step"),
        bench_table_col(&t, "transfers_per_step"), bench_table_col(&t, "gemm"),
    };
    if (c.dev < 0 || c.rule < 0 || c.batch < 0 || c.width < 0 || c.st < 0) {
        bench_table_free(&t);
        return;
    }
    char info[2048], footer[4096], bb[32], bw[32], nets[256];
    meta(dir, "timing", "meta_info", info, sizeof info);
    meta(dir, "timing", "meta_footer", footer, sizeof footer);
    meta(dir, "timing", "meta_base_batch", bb, sizeof bb);
    meta(dir, "timing", "meta_base_width", bw, sizeof bw);
    meta(dir, "timing", "meta_nets", nets, sizeof nets);
    if (!nets[0])
        snprintf(nets, sizeof nets, "dense");
    double base_b = num(bb), base_w = num(bw);
    fprintf(f, "## Speed of a training step\n\n%s.  \n%s\n\n", info, footer);
    int k = 0;
    for (char *save = NULL, *net = strtok_r(nets, " ", &save); net;
         net = strtok_r(NULL, " ", &save)) {
        char key[64], label[512];
        snprintf(key, sizeof key, "meta_net_label_%d", ++k);
        meta(dir, "timing", key, label, sizeof label);
        if (!label[0])
            snprintf(label, sizeof label, "hidden width %g", base_w);
        fprintf(f, "%s, batch %g:\n\n| device | rule | samples/s | ms/step (median) | "
                   "min–max ms | GFLOP/s | of GEMM ceiling | launches/step (CLBlast) | "
                   "transfers/step |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n",
                label, base_b);
        for (int i = 1; i < t.nrows; i++) {
            if (!is_base(&t, &c, i, net, base_b, base_w))
                continue;
            if (strcmp(t.cell[i][c.st], "ok") != 0) {
                fprintf(f, "| %s | %s | skipped: %s | | | | | | |\n", t.cell[i][c.dev],
                        t.cell[i][c.rule], c.err >= 0 ? t.cell[i][c.err] : "");
                continue;
            }
            char la[32], bl[32], tr[32];
            count_cell(&t, c.launches, i, la, sizeof la);
            count_cell(&t, c.blas, i, bl, sizeof bl);
            count_cell(&t, c.transfers, i, tr, sizeof tr);
            const char *gemm = c.gemm >= 0 ? t.cell[i][c.gemm] : "";
            fprintf(f, "| %s (%s%s%s) | %s | %.0f | %.3f | %.3f–%.3f | %.2f | %.0f %% | %s%s%s%s | %s |\n",
                    t.cell[i][c.dev], c.name >= 0 ? t.cell[i][c.name] : "",
                    gemm[0] ? "; GEMM " : "", gemm, t.cell[i][c.rule],
                    num(t.cell[i][c.sps]), num(t.cell[i][c.med]), num(t.cell[i][c.min]),
                    num(t.cell[i][c.max]), num(t.cell[i][c.gf]), 100.0 * num(t.cell[i][c.gfrac]),
                    la, bl[0] ? " (" : "", bl, bl[0] ? ")" : "", tr);
        }
        fprintf(f, "\n");
    }
    figure(f, dir, "timing", "time per step per device, rule and network");
    figure(f, dir, "scaling", "time per step vs hidden width and batch size");
    bench_table_free(&t);
}

/* A rate cell of gemm_tune.csv: "12.3", or "–" when absent or empty. */
static void rate_cell(const bench_table *t, int col, int i, char *buf, size_t len)
{
    double v = col >= 0 ? num(t->cell[i][col]) : NAN;
    if (v > 0)
        snprintf(buf, len, "%.1f", v);
    else
        snprintf(buf, len, "–");
}

/* SGEMM at the step's shapes (gemm_tune.csv, tune_report.c): CLBlast's
 * rates and the own kernels', each with default and tuned parameters. */
static void section_gemm(FILE *f, const char *dir)
{
    bench_table t;
    if (load(dir, "gemm_tune.csv", &t) != 0)
        return;
    int cd = bench_table_col(&t, "device"), co = bench_table_col(&t, "op"),
        cm = bench_table_col(&t, "m"), cn = bench_table_col(&t, "n"),
        ck = bench_table_col(&t, "k"), cb = bench_table_col(&t, "beta"),
        cc = bench_table_col(&t, "calls"), cs = bench_table_col(&t, "status"),
        ce = bench_table_col(&t, "error");
    const int rates[4] = {bench_table_col(&t, "untuned_gflops"),
                          bench_table_col(&t, "tuned_gflops"), bench_table_col(&t, "own_gflops"),
                          bench_table_col(&t, "own_tuned_gflops")};
    if (cd < 0 || co < 0 || cm < 0 || cn < 0 || ck < 0 || cb < 0 || cc < 0 || cs < 0 ||
        t.nrows < 2) {
        bench_table_free(&t);
        return;
    }
    fprintf(f, "## SGEMM rate at the step's GEMM shapes\n\n"
               "GFLOP/s of each GEMM shape of the first timed network's step, on each "
               "OpenCL device and GEMM engine (whatever `--gemm` chose for the steps): "
               "CLBlast with its own parameters and tuned, the library's own kernels with "
               "their default tiles and tuned (`burstccn tune`); timed alternately, best of 2 "
               "rounds. – : not measured (no tuned set cached, or results from before the "
               "own kernels).\n\n"
               "| device | op | m × n × k | beta | calls/step | CLBlast | CLBlast tuned | own "
               "| own tuned |\n|---|---|---|---:|---:|---:|---:|---:|---:|\n");
    for (int i = 1; i < t.nrows; i++) {
        char **c = t.cell[i];
        if (strcmp(c[cs], "ok") != 0) {
            fprintf(f, "| %s | %s | %s × %s × %s | %s | %s | skipped: %s | | | |\n", c[cd],
                    c[co], c[cm], c[cn], c[ck], c[cb], c[cc], ce >= 0 ? c[ce] : "");
            continue;
        }
        char r[4][32];
        for (int k = 0; k < 4; k++)
            rate_cell(&t, rates[k], i, r[k], sizeof r[k]);
        fprintf(f, "| %s | %s | %s × %s × %s | %s | %s | %s | %s | %s | %s |\n", c[cd], c[co],
                c[cm], c[cn], c[ck], c[cb], c[cc], r[0], r[1], r[2], r[3]);
    }
    fprintf(f, "\n");
    figure(f, dir, "gemm_tune", "SGEMM rate per step shape and GEMM engine");
    bench_table_free(&t);
}

/* samples/s of family `net` at the base batch: one row per device. */
static void conv_speed(FILE *f, const char *dir, const char *net)
{
    bench_table t;
    if (load(dir, "timing.csv", &t) != 0)
        return;
    tcols c = {0};
    c.dev = bench_table_col(&t, "device");
    c.rule = bench_table_col(&t, "rule");
    c.batch = bench_table_col(&t, "batch");
    c.width = bench_table_col(&t, "width");
    c.sps = bench_table_col(&t, "samples_per_s");
    c.st = bench_table_col(&t, "status");
    c.net = bench_table_col(&t, "net");
    char bb[32];
    meta(dir, "timing", "meta_base_batch", bb, sizeof bb);
    double base_b = num(bb);
    if (c.dev < 0 || c.rule < 0 || c.batch < 0 || c.sps < 0 || c.st < 0 || c.net < 0) {
        bench_table_free(&t);
        return;
    }
    int any = 0;
    for (int i = 1; i < t.nrows && !any; i++)
        any = is_base(&t, &c, i, net, base_b, 0);
    if (!any) {
        bench_table_free(&t);
        return;
    }
    fprintf(f, "Training samples/s at batch %g (details under *Speed of a training step*):\n\n"
               "| device |", base_b);
    for (int r = 0; r < BCN_RULE_COUNT; r++)
        fprintf(f, " %s |", bcn_rule_str((bcn_rule)r));
    fprintf(f, "\n|---|");
    for (int r = 0; r < BCN_RULE_COUNT; r++)
        fprintf(f, "---:|");
    fprintf(f, "\n");
    /* Devices in the order they first appear. */
    for (int i = 1; i < t.nrows; i++) {
        int first = 1;
        for (int j = 1; j < i && first; j++)
            first = strcmp(t.cell[j][c.dev], t.cell[i][c.dev]) != 0;
        if (!first)
            continue;
        fprintf(f, "| %s |", t.cell[i][c.dev]);
        for (int r = 0; r < BCN_RULE_COUNT; r++) {
            const char *cell = "–";
            char v[32];
            for (int j = 1; j < t.nrows; j++) {
                if (strcmp(t.cell[j][c.dev], t.cell[i][c.dev]) != 0 ||
                    strcmp(t.cell[j][c.rule], bcn_rule_str((bcn_rule)r)) != 0 ||
                    !is_base(&t, &c, j, net, base_b, 0))
                    continue;
                if (strcmp(t.cell[j][c.st], "ok") == 0) {
                    snprintf(v, sizeof v, "%.0f", num(t.cell[j][c.sps]));
                    cell = v;
                } else {
                    cell = "skipped";
                }
            }
            fprintf(f, " %s |", cell);
        }
        fprintf(f, "\n");
    }
    fprintf(f, "\n");
    bench_table_free(&t);
}

/* The conv network of `all` (the *_conv files), when there is one. */
static void section_conv(FILE *f, const char *dir)
{
    if (!exists(dir, "curves_conv.csv") && !exists(dir, "angles_conv.csv"))
        return;
    char train[32], test[32], dense_train[32], dev[64], dense_dev[64];
    meta(dir, "curves_conv", "meta_train_n", train, sizeof train);
    meta(dir, "curves_conv", "meta_test_n", test, sizeof test);
    meta(dir, "curves_conv", "meta_device", dev, sizeof dev);
    meta(dir, "curves", "meta_train_n", dense_train, sizeof dense_train);
    meta(dir, "curves", "meta_device", dense_dev, sizeof dense_dev);
    fprintf(f, "## The convolutional network\n\n");
    if (train[0]) {
        fprintf(f,
                "`burstccn-bench all` trains a small conv network as well, on a subset so that "
                "the whole run keeps its time budget: the first %s training images, evaluated "
                "on %s test images",
                train, test[0] ? test : "the");
        double full = num(dense_train), part = num(train);
        if (full > part && part > 0)
            fprintf(f, " (on the dense network's %s images every rule would train %.0f times "
                       "as long)",
                    dense_train, full / part);
        fprintf(f, ". Its curves show the start of training, not converged errors; "
                   "`burstccn-bench curves --arch ARCH` trains it on the whole set.");
        if (dev[0] && dense_dev[0] && strcmp(dev, dense_dev) != 0)
            fprintf(f, " It trained on %s: %s, which trained the dense network, cannot run "
                       "conv layers.",
                    dev, dense_dev);
        fprintf(f, "\n\n");
    }
    section_curves(f, dir, "_conv", "### Learning curves");
    section_angles(f, dir, "_conv", "### Angle of each rule's update to backprop's");
    conv_speed(f, dir, "conv");
}

/* timing --compare-build: this build's and the other build's medians and
 * their ratio per configuration (compare.csv, compare_build.c). */
static void section_compare(FILE *f, const char *dir)
{
    bench_table t;
    if (load(dir, "compare.csv", &t) != 0)
        return;
    int cd = bench_table_col(&t, "device"), cr = bench_table_col(&t, "rule"),
        cb = bench_table_col(&t, "batch"), cn = bench_table_col(&t, "network"),
        cm = bench_table_col(&t, "median_ms"), cmn = bench_table_col(&t, "min_ms"),
        cmx = bench_table_col(&t, "max_ms"), co = bench_table_col(&t, "compare_median_ms"),
        con = bench_table_col(&t, "compare_min_ms"), cox = bench_table_col(&t, "compare_max_ms"),
        cq = bench_table_col(&t, "ratio"), cs = bench_table_col(&t, "status"),
        ce = bench_table_col(&t, "error"), cdir = bench_table_col(&t, "compare_build"),
        cp = bench_table_col(&t, "reps");
    if (cd < 0 || cr < 0 || cb < 0 || cn < 0 || cm < 0 || cmn < 0 || cmx < 0 || co < 0 ||
        con < 0 || cox < 0 || cq < 0 || cs < 0 || ce < 0 || cdir < 0 || cp < 0 || t.nrows < 2) {
        bench_table_free(&t);
        return;
    }
    fprintf(f, "## This build against %s\n\n"
               "`burstccn-bench timing --compare-build`: each configuration timed by this "
               "build's and by the other build's `burstccn-bench timing` in turn, one "
               "repetition per run, the two alternating; medians over the repetitions. "
               "Ratio = other / this (above 1: this build is faster).\n\n"
               "| device | rule | batch | network | ms/step this (min–max) | ms/step other "
               "(min–max) | ratio | reps |\n|---|---|---:|---|---:|---:|---:|---:|\n",
            t.cell[1][cdir]);
    for (int i = 1; i < t.nrows; i++) {
        char **c = t.cell[i];
        if (strcmp(c[cs], "ok") != 0) {
            fprintf(f, "| %s | %s | %s | %s | skipped: %s | | | |\n", c[cd], c[cr], c[cb], c[cn],
                    c[ce]);
            continue;
        }
        fprintf(f, "| %s | %s | %s | %s | %.3f (%.3f–%.3f) | %.3f (%.3f–%.3f) | %.3f | %s |\n",
                c[cd], c[cr], c[cb], c[cn], num(c[cm]), num(c[cmn]), num(c[cmx]), num(c[co]),
                num(c[con]), num(c[cox]), num(c[cq]), c[cp]);
    }
    fprintf(f, "\n");
    bench_table_free(&t);
}

int bench_summary_write(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    if (bench_path(path, sizeof path, dir, "summary.md") != 0) {
        snprintf(err, errlen, "results folder path too long: %s", dir);
        return -1;
    }
    bcn_atomic_file af;
    if (bcn_atomic_open(&af, path, err, errlen) != 0)
        return -1;
    fprintf(af.f, "# libburstccn benchmark results\n\n"
                  "BurstCCN, Burstprop, feedback alignment (fa) and backprop compared by "
                  "`burstccn-bench`. The numbers come from the CSV and JSON files beside this "
                  "one; each section says what was run, where and when.\n\n");
    section_curves(af.f, dir, "", "## Learning curves");
    section_angles(af.f, dir, "", "## Angle of each rule's update to backprop's");
    section_conv(af.f, dir);
    section_timing(af.f, dir);
    section_gemm(af.f, dir);
    section_compare(af.f, dir);
    return bcn_atomic_commit(&af, err, errlen);
}
