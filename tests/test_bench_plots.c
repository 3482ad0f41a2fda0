/*
 * test_bench_plots.c — every gnuplot script turns the small fixture results
 * folder (tests/fixtures/results: CSV and _meta.gp files written by a real
 * tiny burstccn-bench run, with a conv network's *_conv files as `all`
 * writes them and a conv network timed beside the dense ones) into a
 * non-empty PNG and SVG that carry the figure's date, devices and layer
 * labels ("conv 1 (4@12x12, 5x5/2)"); `burstccn-bench plots` redraws a
 * folder and writes summary.md with the fixture's headline numbers; results
 * written before conv networks (no layer labels, no network column) still
 * draw; gemm_tune.gp draws only the SGEMM series that have rates (own
 * kernels and CLBlast, default and tuned), also from results written before
 * the own kernels. Skipped, saying so, when gnuplot is not installed.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench_testutil.h"

static char *tmp;  /* a copy of the fixture folder */
static char *plots_dir;

static const char *const fixture_files[] = {
    "angles.csv",      "angles_meta.gp",      "curves.csv",      "curves_meta.gp",
    "angles_conv.csv", "angles_conv_meta.gp", "curves_conv.csv", "curves_conv_meta.gp",
    "timing.csv",      "timing_meta.gp",      "gemm_tune.csv",
};

/* Copy one file. */
static void copy_file(const char *from, const char *to)
{
    char *text = fx_slurp(from);
    cr_assert_not_null(text, "fixture %s missing", from);
    FILE *f = fopen(to, "wb");
    cr_assert_not_null(f);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
    free(text);
}

static void setup(void)
{
    if (!bt_have_gnuplot())
        return;
    const char *src = getenv("BCN_TOP_SRCDIR");
    cr_assert(src && *src, "BCN_TOP_SRCDIR is not set (run through make check)");
    char *fx = fx_path(src, "tests/fixtures/results");
    plots_dir = fx_path(src, "plots");
    tmp = fx_tmpdir();
    for (size_t i = 0; i < sizeof fixture_files / sizeof fixture_files[0]; i++) {
        char *a = fx_path(fx, fixture_files[i]), *b = fx_path(tmp, fixture_files[i]);
        copy_file(a, b);
        free(a);
        free(b);
    }
    free(fx);
}

static void teardown(void)
{
    fx_rmtree(tmp);
    tmp = NULL;
    free(plots_dir);
    plots_dir = NULL;
}

TestSuite(bench_plots, .init = setup, .fini = teardown, .timeout = 120);

/* The value of `key = "..."` in a meta file of the fixture copy. */
static char *meta_value(const char *file, const char *key)
{
    char *p = fx_path(tmp, file), *text = fx_slurp(p);
    cr_assert_not_null(text);
    char pat[128];
    snprintf(pat, sizeof pat, "%s = \"", key);
    char *at = strstr(text, pat);
    cr_assert_not_null(at, "%s has no %s", file, key);
    at += strlen(pat);
    char *v = strndup(at, strcspn(at, "\""));
    free(text);
    free(p);
    return v;
}

/* Run one script on the copy (with suffix "_conv": the conv network's
 * files); check its PNG and SVG. */
static void draw_suffix(const char *script, const char *suffix, const char *meta_file,
                        const char *must_show)
{
    if (!bt_have_gnuplot())
        cr_skip_test("gnuplot is not installed (Debian: gnuplot-nox): figures not tested");
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "gnuplot -e \"dir='%s'; suffix='%s'\" '%s/%s.gp' >'%s/%s.log' 2>&1",
             tmp, suffix, plots_dir, script, tmp, script);
    int rc = system(cmd);
    char *logp = fx_path(tmp, script);
    char logname[256];
    snprintf(logname, sizeof logname, "%s.log", script);
    char *log = fx_path(tmp, logname), *logtext = fx_slurp(log);
    cr_assert_eq(rc, 0, "%s.gp failed:\n%s", script, logtext ? logtext : "");
    free(logtext);
    free(log);
    free(logp);
    char png[256], svg[256];
    snprintf(png, sizeof png, "%s%s.png", script, suffix);
    snprintf(svg, sizeof svg, "%s%s.svg", script, suffix);
    char *pp = fx_path(tmp, png), *sp = fx_path(tmp, svg);
    cr_assert_gt(bt_size(pp), 10000, "%s is missing or nearly empty", png);
    char *bytes = fx_slurp(pp);
    cr_assert(bytes && memcmp(bytes, "\x89PNG\r\n\x1a\n", 8) == 0, "%s is not a PNG", png);
    free(bytes);
    char *s = fx_slurp(sp);
    cr_assert(s && strstr(s, "<svg") && strstr(s, "</svg>"), "%s is not a complete SVG", svg);
    /* Each figure says when and where its numbers were measured. */
    char *date = meta_value(meta_file, "meta_date");
    cr_assert_not_null(strstr(s, date), "%s does not show the date %s", svg, date);
    cr_assert_not_null(strstr(s, must_show), "%s does not show '%s'", svg, must_show);
    free(date);
    free(s);
    free(pp);
    free(sp);
}

static void draw(const char *script, const char *meta_file, const char *must_show)
{
    draw_suffix(script, "", meta_file, must_show);
}

Test(bench_plots, angles_figure) { draw("angles", "angles_meta.gp", "angle to backprop (degrees)"); }
Test(bench_plots, alignment_figure) { draw("alignment", "angles_meta.gp", "Y_1 of dense 1 (16)"); }
Test(bench_plots, curves_figure) { draw("curves", "curves_meta.gp", "test error"); }
Test(bench_plots, timing_figure) { draw("timing", "timing_meta.gp", "cl:0:0"); }
Test(bench_plots, scaling_figure) { draw("scaling", "timing_meta.gp", "hidden width"); }

/* The conv network's figures name its layers by kind and shape. */
Test(bench_plots, conv_angles_figure)
{
    draw_suffix("angles", "_conv", "angles_conv_meta.gp", "conv 1 (4@12x12, 5x5/2): W1, hidden");
}
Test(bench_plots, conv_alignment_figure)
{
    draw_suffix("alignment", "_conv", "angles_conv_meta.gp", "Y_1 of conv 1 (4@12x12, 5x5/2)");
}
Test(bench_plots, conv_curves_figure)
{
    draw_suffix("curves", "_conv", "curves_conv_meta.gp", "Learning curves of the conv network");
}
Test(bench_plots, timing_figure_has_a_row_per_network)
{
    draw("timing", "timing_meta.gp", "conv net: 1x28x28 → 4@12x12 → 16 → 10");
}

Test(bench_plots, missing_results_folder_is_an_error)
{
    if (!bt_have_gnuplot())
        cr_skip_test("gnuplot is not installed (Debian: gnuplot-nox): figures not tested");
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "gnuplot -e \"dir='%s/nonexistent'\" '%s/angles.gp' >/dev/null 2>&1",
             tmp, plots_dir);
    cr_assert_neq(system(cmd), 0, "a script must fail when its inputs are missing");
}

Test(bench_plots, bench_plots_redraws_and_summarises)
{
    if (!bt_have_gnuplot())
        cr_skip_test("gnuplot is not installed (Debian: gnuplot-nox): figures not tested");
    const char *args[] = {"plots", tmp, "--plots-dir", plots_dir, NULL};
    bt_run_result r = bt_run_bench(tmp, args);
    cr_assert_eq(r.status, 0, "burstccn-bench plots: %s", r.err);
    bt_run_free(&r);
    const char *figs[] = {"angles",      "alignment",   "curves", "angles_conv",
                          "alignment_conv", "curves_conv", "timing", "scaling", "gemm_tune"};
    for (int i = 0; i < 9; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s.png", figs[i]);
        char *p = fx_path(tmp, name);
        cr_assert_gt(bt_size(p), 10000, "%s not drawn", name);
        free(p);
    }
    /* summary.md lists each rule's final test error, read here from the
     * fixture's last curves row per rule. */
    char *sp = fx_path(tmp, "summary.md"), *sum = fx_slurp(sp);
    cr_assert_not_null(sum, "summary.md not written");
    char *cp = fx_path(tmp, "curves.csv");
    bt_csv t;
    cr_assert_eq(bt_csv_read(cp, &t), 0);
    int ce = bt_csv_col(&t, "epoch"), cr = bt_csv_col(&t, "rule"), ct = bt_csv_col(&t, "test_error");
    const char *rules[] = {"burstccn", "burstprop", "fa", "backprop"};
    for (int k = 0; k < 4; k++) {
        int last = -1;
        for (int i = 1; i < t.nrows; i++)
            if (strcmp(t.cell[i][cr], rules[k]) == 0 &&
                (last < 0 || bt_num(t.cell[i][ce]) >= bt_num(t.cell[last][ce])))
                last = i;
        cr_assert_geq(last, 1);
        char want[64];
        snprintf(want, sizeof want, "%.2f %%", bt_num(t.cell[last][ct]));
        cr_assert_not_null(strstr(sum, want), "summary.md lacks %s's final test error %s",
                           rules[k], want);
    }
    cr_assert_not_null(strstr(sum, "## Angle of each rule's update to backprop's"));
    cr_assert_not_null(strstr(sum, "## Speed of a training step"));
    cr_assert_not_null(strstr(sum, "![time per step per device, rule and network](timing.png)"));
    /* The SGEMM table: CLBlast's and the own kernels' rates of the
     * fixture's first shape, "–" where a tuned set was not measured. */
    const char *sg = strstr(sum, "## SGEMM rate at the step's GEMM shapes");
    cr_assert_not_null(sg, "no SGEMM section");
    cr_assert_not_null(strstr(sg, "| device | op | m × n × k | beta | calls/step | CLBlast | "
                                  "CLBlast tuned | own | own tuned |"),
                       "SGEMM table header");
    {
        bt_csv g;
        char *gp = fx_path(tmp, "gemm_tune.csv");
        cr_assert_eq(bt_csv_read(gp, &g), 0);
        char **c = g.cell[1];
        char want[256];
        snprintf(want, sizeof want, "| %s | %s | %s × %s × %s | %s | %s | %.1f | – | %.1f | – |",
                 c[0], c[1], c[2], c[3], c[4], c[5], c[6], bt_num(c[7]), bt_num(c[9]));
        cr_assert_not_null(strstr(sg, want), "SGEMM table lacks '%s'", want);
        bt_csv_free(&g);
        free(gp);
    }
    bt_csv_free(&t);
    free(cp);
    /* The conv network: its own section, its layers labelled, its final
     * test errors and its speed. */
    const char *conv = strstr(sum, "## The convolutional network");
    cr_assert_not_null(conv, "no conv section");
    cr_assert_not_null(strstr(conv, "| conv 1 (4@12x12, 5x5/2) | dense 2 (16) | dense 3 (10) |"),
                       "conv angle table header");
    cr_assert_not_null(
        strstr(conv, "![angle to backprop per layer during training](angles_conv.png)"));
    cp = fx_path(tmp, "curves_conv.csv");
    cr_assert_eq(bt_csv_read(cp, &t), 0);
    for (int k = 0; k < 4; k++) {
        int last = -1;
        for (int i = 1; i < t.nrows; i++)
            if (strcmp(t.cell[i][cr], rules[k]) == 0)
                last = i;
        cr_assert_geq(last, 1);
        char want[64];
        snprintf(want, sizeof want, "| %s | %g | %.2f %% |", rules[k], bt_num(t.cell[last][ce]),
                 bt_num(t.cell[last][ct]));
        cr_assert_not_null(strstr(conv, want), "conv section lacks '%s'", want);
    }
    cr_assert_not_null(strstr(conv, "Training samples/s at batch 32"));
    cr_assert_not_null(strstr(sum, "conv net: 1x28x28 → 4@12x12 → 16 → 10, batch 32:"),
                       "speed table of the conv net");
    bt_csv_free(&t);
    free(cp);
    free(sum);
    free(sp);
}

Test(bench_plots, all_devices_skipped_still_draws)
{
    if (!bt_have_gnuplot())
        cr_skip_test("gnuplot is not installed (Debian: gnuplot-nox): figures not tested");
    /* Keep only the fixture's rows of the device that does not exist: no
     * successful timing at all. Both timing figures must still be drawn
     * (axes and a note), not fail. */
    char *path = fx_path(tmp, "timing.csv"), *text = fx_slurp(path);
    cr_assert_not_null(text);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    int kept = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "device,", 7) == 0 || strncmp(line, "no-such-device,", 15) == 0) {
            fprintf(f, "%s\n", line);
            kept++;
        }
    }
    cr_assert_eq(fclose(f), 0);
    cr_assert_gt(kept, 1, "the fixture has skipped rows");
    free(text);
    free(path);
    const char *figs[] = {"timing", "scaling"};
    for (int i = 0; i < 2; i++) {
        char cmd[8192];
        snprintf(cmd, sizeof cmd, "gnuplot -e \"dir='%s'\" '%s/%s.gp' >/dev/null 2>&1", tmp,
                 plots_dir, figs[i]);
        cr_assert_eq(system(cmd), 0, "%s.gp failed on results with no successful timing",
                     figs[i]);
        char name[64];
        snprintf(name, sizeof name, "%s.png", figs[i]);
        char *p = fx_path(tmp, name);
        cr_assert_gt(bt_size(p), 10000);
        free(p);
    }
}

/* Drop the fields after the first `keep` of every line of a CSV file. */
static void cut_columns(const char *path, int keep)
{
    char *text = fx_slurp(path);
    cr_assert_not_null(text);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        int field = 0, quoted = 0;
        for (char *p = line; *p; p++) {
            if (*p == '"')
                quoted = !quoted;
            if (*p == ',' && !quoted && ++field == keep) {
                *p = '\0';
                break;
            }
        }
        fprintf(f, "%s\n", line);
    }
    cr_assert_eq(fclose(f), 0);
    free(text);
}

/* Remove the lines starting with one of `prefixes` (or, with anywhere,
 * holding one) from a file. */
static void drop_lines(const char *path, const char *const *prefixes, int n, int anywhere)
{
    char *text = fx_slurp(path);
    cr_assert_not_null(text);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        int drop = 0;
        for (int i = 0; i < n; i++)
            drop |= anywhere ? strstr(line, prefixes[i]) != NULL
                             : strncmp(line, prefixes[i], strlen(prefixes[i])) == 0;
        if (!drop)
            fprintf(f, "%s\n", line);
    }
    cr_assert_eq(fclose(f), 0);
    free(text);
}

Test(bench_plots, results_from_before_conv_networks_still_draw)
{
    if (!bt_have_gnuplot())
        cr_skip_test("gnuplot is not installed (Debian: gnuplot-nox): figures not tested");
    /* The fixture as the previous version wrote it: no conv rows, no kind,
     * net and network columns, no layer labels, no network families. */
    char *p = fx_path(tmp, "timing.csv");
    const char *conv_rows[] = {"conv:"};
    drop_lines(p, conv_rows, 1, 1);
    cut_columns(p, 21);
    free(p);
    p = fx_path(tmp, "angles.csv");
    cut_columns(p, 8);
    free(p);
    const char *tm[] = {"meta_nets", "meta_net_label_", "meta_dense_net"};
    p = fx_path(tmp, "timing_meta.gp");
    drop_lines(p, tm, 3, 0);
    free(p);
    const char *am[] = {"meta_layer_", "meta_has_conv"};
    p = fx_path(tmp, "angles_meta.gp");
    drop_lines(p, am, 2, 0);
    free(p);
    const char *figs[] = {"timing", "scaling", "angles", "alignment"};
    for (int i = 0; i < 4; i++) {
        char cmd[8192], name[64];
        snprintf(cmd, sizeof cmd, "gnuplot -e \"dir='%s'\" '%s/%s.gp' >/dev/null 2>&1", tmp,
                 plots_dir, figs[i]);
        cr_assert_eq(system(cmd), 0, "%s.gp failed on results of the previous format", figs[i]);
        snprintf(name, sizeof name, "%s.svg", figs[i]);
        char *svg = fx_path(tmp, name), *text = fx_slurp(svg);
        cr_assert(text && strstr(text, "</svg>"), "%s not drawn", name);
        if (i == 2)
            cr_assert_not_null(strstr(text, "layer 1: W1, hidden"), "layers without labels");
        free(text);
        free(svg);
    }
}

/* The legend entries of gemm_tune.svg drawn from the fixture copy as it is
 * now: bit 0 CLBlast, 1 CLBlast tuned, 2 own kernels, 3 own kernels tuned. */
static int gemm_tune_series(void)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "gnuplot -e \"dir='%s'\" '%s/gemm_tune.gp' >/dev/null 2>&1", tmp,
             plots_dir);
    cr_assert_eq(system(cmd), 0, "gemm_tune.gp failed");
    char *svg = fx_path(tmp, "gemm_tune.svg"), *text = fx_slurp(svg);
    cr_assert(text && strstr(text, "</svg>"), "gemm_tune.svg not drawn");
    const char *names[] = {">CLBlast<", ">CLBlast tuned<", ">own kernels<",
                           ">own kernels tuned<"};
    int mask = 0;
    for (int i = 0; i < 4; i++)
        if (strstr(text, names[i]))
            mask |= 1 << i;
    free(text);
    remove(svg);
    free(svg);
    return mask;
}

/* Rewrite gemm_tune.csv: keep the columns `keep` (indices into the
 * fixture's header, in order) and, with tuned, fill the tuned rates with
 * 1.5 times the untuned ones. */
static void rewrite_gemm_tune(const int *keep, int n_keep, int tuned)
{
    char *p = fx_path(tmp, "gemm_tune.csv");
    bt_csv t;
    cr_assert_eq(bt_csv_read(p, &t), 0);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < t.nrows; i++) {
        for (int k = 0; k < n_keep; k++) {
            const char *v = t.cell[i][keep[k]];
            char buf[64];
            if (i > 0 && tuned && (keep[k] == 8 || keep[k] == 10)) {
                snprintf(buf, sizeof buf, "%g", 1.5 * bt_num(t.cell[i][keep[k] - 1]));
                v = buf;
            }
            fprintf(f, "%s%s", k ? "," : "", v);
        }
        fputc('\n', f);
    }
    cr_assert_eq(fclose(f), 0);
    bt_csv_free(&t);
    free(p);
}

Test(bench_plots, gemm_tune_draws_only_the_series_with_rates)
{
    if (!bt_have_gnuplot())
        cr_skip_test("gnuplot is not installed (Debian: gnuplot-nox): figures not tested");
    const int all[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
    /* The fixture: CLBlast and own rates, no tuned set cached. */
    cr_assert_eq(gemm_tune_series(), 1 | 4);
    /* Tuned sets of both engines: four series. */
    rewrite_gemm_tune(all, 15, 1);
    cr_assert_eq(gemm_tune_series(), 1 | 2 | 4 | 8);
    /* Results from before the own kernels (no own columns; their tuned
     * rates there): CLBlast's two series only. */
    const int old[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 13, 14};
    rewrite_gemm_tune(old, 12, 0);
    cr_assert_eq(gemm_tune_series(), 1 | 2);
}
