/*
 * summary.c — summary.md of a results folder: the headline numbers (final
 * test error per rule, mean angle to backprop per rule and layer, samples/s
 * per device and rule) read back from the CSV files, with the figures.
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

/* Read meta key from dir/NAME_meta.gp into buf ("" when absent). */
static void meta(const char *dir, const char *name, const char *key, char *buf, size_t len)
{
    char file[256], path[4096];
    snprintf(file, sizeof file, "%s_meta.gp", name);
    buf[0] = '\0';
    if (bench_path(path, sizeof path, dir, file) == 0 && bench_meta_read(path, key, buf, len) != 0)
        buf[0] = '\0';
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

/* Learning curves: each rule's last evaluation. */
static void section_curves(FILE *f, const char *dir)
{
    bench_table t;
    if (load(dir, "curves.csv", &t) != 0)
        return;
    int ce = bench_table_col(&t, "epoch"), cr = bench_table_col(&t, "rule"),
        cte = bench_table_col(&t, "test_error"), ctr = bench_table_col(&t, "train_error"),
        cl = bench_table_col(&t, "train_loss"), cs = bench_table_col(&t, "seconds");
    char info[2048], footer[2048];
    meta(dir, "curves", "meta_info", info, sizeof info);
    meta(dir, "curves", "meta_footer", footer, sizeof footer);
    fprintf(f, "## Learning curves\n\n%s.  \n%s\n\n", info, footer);
    fprintf(f, "| rule | epochs | final test error | final train error | train loss | "
               "training s/epoch |\n|---|---:|---:|---:|---:|---:|\n");
    for (int r = 0; r < BCN_RULE_COUNT && ce >= 0 && cr >= 0; r++) {
        const char *name = bcn_rule_str((bcn_rule)r);
        int last = -1;
        for (int i = 1; i < t.nrows; i++)
            if (strcmp(t.cell[i][cr], name) == 0 &&
                (last < 0 || num(t.cell[i][ce]) >= num(t.cell[last][ce])))
                last = i;
        if (last < 0)
            continue;
        double ep = num(t.cell[last][ce]);
        fprintf(f, "| %s | %g | %.2f %% | %.2f %% | %.4f | %.1f |\n", name, ep,
                num(t.cell[last][cte]), num(t.cell[last][ctr]), num(t.cell[last][cl]),
                ep > 0 ? num(t.cell[last][cs]) / ep : NAN);
    }
    fprintf(f, "\n");
    figure(f, dir, "curves", "test error and training loss per epoch");
    bench_table_free(&t);
}

/* Angles: mean of the valid angles per rule and layer. */
static void section_angles(FILE *f, const char *dir)
{
    bench_table t;
    if (load(dir, "angles.csv", &t) != 0)
        return;
    int cs = bench_table_col(&t, "step"), cr = bench_table_col(&t, "rule"),
        cl = bench_table_col(&t, "layer"), ca = bench_table_col(&t, "angle_deg"),
        cwy = bench_table_col(&t, "w_y_deg"), cyq = bench_table_col(&t, "y_q_deg");
    char info[2048], footer[2048], layers[32], driver[64];
    meta(dir, "angles", "meta_info", info, sizeof info);
    meta(dir, "angles", "meta_footer", footer, sizeof footer);
    meta(dir, "angles", "meta_layers", layers, sizeof layers);
    meta(dir, "angles", "meta_driver", driver, sizeof driver);
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
    fprintf(f, "## Angle of each rule's update to backprop's\n\n%s.  \n%s\n\n", info, footer);
    fprintf(f, "Mean angle in degrees over the comparisons of steps 0 to %ld (0 = the "
               "backprop direction, 90 = orthogonal):\n\n| rule |", steps);
    for (int l = 0; l < L; l++)
        fprintf(f, " layer %d |", l + 1);
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
    fprintf(f, "\nFeedback weights (mean over training → at the end), degrees:\n\n"
               "| hidden layer | ∠(W_l+1, Y_l) | ∠(Y_l, Q_l) |\n|---:|---:|---:|\n");
    for (int l = 0; l < L - 1; l++)
        fprintf(f, "| %d | %.2f → %.2f | %.2f → %.2f |\n", l + 1,
                nwy[l] ? wy[l] / (double)nwy[l] : NAN, wy_last[l],
                nyq[l] ? yq[l] / (double)nyq[l] : NAN, yq_last[l]);
    fprintf(f, "\n");
    figure(f, dir, "angles", "angle to backprop per layer during training");
    figure(f, dir, "alignment", "W-Y and Y-Q angles during training");
    bench_table_free(&t);
}

/* Speed: the bar chart's configuration, per device and rule. */
static void section_timing(FILE *f, const char *dir)
{
    bench_table t;
    if (load(dir, "timing.csv", &t) != 0)
        return;
    int cd = bench_table_col(&t, "device"), cr = bench_table_col(&t, "rule"),
        cb = bench_table_col(&t, "batch"), cw = bench_table_col(&t, "width"),
        cm = bench_table_col(&t, "median_ms"), cmin = bench_table_col(&t, "min_ms"),
        cmax = bench_table_col(&t, "max_ms"), csps = bench_table_col(&t, "samples_per_s"),
        cg = bench_table_col(&t, "gflops"), cgf = bench_table_col(&t, "gemm_fraction"),
        cst = bench_table_col(&t, "status"), cn = bench_table_col(&t, "device_name"),
        ce = bench_table_col(&t, "error");
    if (cd < 0 || cr < 0 || cb < 0 || cw < 0 || cst < 0) {
        bench_table_free(&t);
        return;
    }
    char info[2048], footer[4096], bb[32], bw[32];
    meta(dir, "timing", "meta_info", info, sizeof info);
    meta(dir, "timing", "meta_footer", footer, sizeof footer);
    meta(dir, "timing", "meta_base_batch", bb, sizeof bb);
    meta(dir, "timing", "meta_base_width", bw, sizeof bw);
    double base_b = num(bb), base_w = num(bw);
    fprintf(f, "## Speed of a training step\n\n%s.  \n%s\n\n", info, footer);
    fprintf(f, "Hidden width %g, batch %g:\n\n| device | rule | samples/s | ms/step (median) | "
               "min–max ms | GFLOP/s | of GEMM ceiling |\n|---|---|---:|---:|---:|---:|---:|\n",
            base_w, base_b);
    for (int i = 1; i < t.nrows; i++) {
        if (num(t.cell[i][cb]) != base_b || num(t.cell[i][cw]) != base_w)
            continue;
        if (strcmp(t.cell[i][cst], "ok") != 0) {
            fprintf(f, "| %s | %s | skipped: %s | | | | |\n", t.cell[i][cd], t.cell[i][cr],
                    ce >= 0 ? t.cell[i][ce] : "");
            continue;
        }
        fprintf(f, "| %s (%s) | %s | %.0f | %.3f | %.3f–%.3f | %.2f | %.0f %% |\n", t.cell[i][cd],
                cn >= 0 ? t.cell[i][cn] : "", t.cell[i][cr], num(t.cell[i][csps]),
                num(t.cell[i][cm]), num(t.cell[i][cmin]), num(t.cell[i][cmax]),
                num(t.cell[i][cg]), 100.0 * num(t.cell[i][cgf]));
    }
    fprintf(f, "\n");
    figure(f, dir, "timing", "time per step per device and rule");
    figure(f, dir, "scaling", "time per step vs hidden width and batch size");
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
    section_curves(af.f, dir);
    section_angles(af.f, dir);
    section_timing(af.f, dir);
    return bcn_atomic_commit(&af, err, errlen);
}
