/*
 * test_bench_outputs.c — burstccn-bench's angles, curves and timing run as
 * a separate process on a small learnable dataset written at test time;
 * their CSV and JSON are parsed back (a CSV reader and a strict JSON reader
 * independent of the program) and checked: exact columns and keys, row
 * counts, and values against what SPEC fixes independently of the code
 * (output-layer updates of every rule parallel to backprop's, BurstCCN's at
 * p_b times its norm; the global angle from the per-layer ones; every rule
 * starting from the same weights; times positive and finite and consistent
 * with samples/s and GFLOP/s).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench_testutil.h"
#include "burstccn.h"

static char *tmp;   /* temporary folder of the test */
static char *data;  /* the small dataset inside it */

static void setup(void)
{
    tmp = fx_tmpdir();
    data = fx_path(tmp, "data");
    cr_assert_eq(mkdir(data, 0755), 0);
    fx_write_dataset(data, 300, 100);
}

static void teardown(void)
{
    free(data);
    fx_rmtree(tmp);
}

TestSuite(bench_outputs, .init = setup, .fini = teardown, .timeout = 300);

#define PI 3.14159265358979323846

static const char *const rules[4] = {"burstccn", "burstprop", "fa", "backprop"};

/* Row of (step, rule, layer) in the angles table, -1 when absent. */
static int angles_row(const bt_csv *t, long step, const char *rule, const char *layer)
{
    for (int i = 1; i < t->nrows; i++)
        if ((long)bt_num(t->cell[i][0]) == step && strcmp(t->cell[i][1], rule) == 0 &&
            strcmp(t->cell[i][2], layer) == 0)
            return i;
    return -1;
}

Test(bench_outputs, angles_csv_and_json)
{
    char *out = fx_path(tmp, "angles");
    const char *args[] = {"angles", "--data", data, "--train-limit", "200", "--hidden", "16,8",
                          "--batch", "16", "--steps", "6", "--every", "3", "--device", "ref",
                          "--out", out, "--no-plots", "--quiet", NULL};
    bt_run_expect(tmp, args, 0);
    bt_csv t;
    bt_read_csv_header(out, "angles.csv", BT_ANGLES_COLS, &t);
    /* Steps 0, 3, 6 × four rules × (layers 1-3 and "all"). */
    cr_assert_eq(t.nrows - 1, 3 * 4 * 4, "%d data rows", t.nrows - 1);
    const char *layers[4] = {"1", "2", "3", "all"};
    for (long s = 0; s <= 6; s += 3) {
        for (int r = 0; r < 4; r++) {
            double dot = 0, na2 = 0, nb2 = 0;
            int all_valid = 1;
            for (int l = 0; l < 4; l++) {
                int i = angles_row(&t, s, rules[r], layers[l]);
                cr_assert_geq(i, 1, "no row step %ld rule %s layer %s", s, rules[r], layers[l]);
                double a = bt_num(t.cell[i][3]), na = bt_num(t.cell[i][4]),
                       nb = bt_num(t.cell[i][5]);
                cr_assert(isnan(a) || (a >= 0 && a <= 180), "angle %g out of [0, 180]", a);
                cr_assert(isfinite(na) && na >= 0 && isfinite(nb) && nb > 0);
                /* bp_norm is backprop's own update norm of that layer. */
                int bp = angles_row(&t, s, "backprop", layers[l]);
                cr_assert(bt_rel_close(nb, bt_num(t.cell[bp][4]), 1e-5));
                /* W-Y and Y-Q exist for hidden layers only. */
                int hidden = l < 2;
                cr_assert_eq(t.cell[i][6][0] != '\0', hidden, "w_y_deg at layer %s", layers[l]);
                cr_assert_eq(t.cell[i][7][0] != '\0', hidden, "y_q_deg at layer %s", layers[l]);
                cr_assert_str_eq(t.cell[i][8], l < 3 ? "dense" : "", "kind at layer %s", layers[l]);
                if (l < 3) { /* accumulate the layers for the global angle */
                    all_valid &= !isnan(a);
                    dot += cos(a * PI / 180.0) * na * nb;
                    na2 += na * na;
                    nb2 += nb * nb;
                } else if (all_valid) {
                    /* The global angle concatenates the layers (SPEC §9). */
                    double want = acos(fmax(-1.0, fmin(1.0, dot / sqrt(na2 * nb2)))) * 180.0 / PI;
                    cr_assert_float_eq(a, want, 2e-3, "%s step %ld global %g, want %g", rules[r],
                                       s, a, want);
                    cr_assert(bt_rel_close(na, sqrt(na2), 1e-4));
                }
            }
            if (strcmp(rules[r], "backprop") == 0)
                cr_assert_lt(bt_num(t.cell[angles_row(&t, s, "backprop", "all")][3]), 1e-3);
            /* Output layer (SPEC §3-§6): every rule's δ_L is parallel to
             * backprop's; BurstCCN's and Burstprop's are p_b s = 0.5 of it. */
            int o = angles_row(&t, s, rules[r], "3");
            cr_assert_lt(bt_num(t.cell[o][3]), 1e-3, "%s output angle", rules[r]);
            double ratio = bt_num(t.cell[o][4]) / bt_num(t.cell[o][5]);
            double want = r < 2 ? 0.5 : 1.0;
            cr_assert(bt_rel_close(ratio, want, 1e-4), "%s output norm ratio %g, want %g", rules[r],
                      ratio, want);
        }
    }
    /* Q starts as p_b Y (sym mode): the Y-Q angle is 0 at step 0. */
    for (int l = 0; l < 2; l++)
        cr_assert_lt(bt_num(t.cell[angles_row(&t, 0, "burstccn", layers[l])][7]), 1e-3);

    jv *j = bt_read_json(out, "angles.json");
    cr_assert_str_eq(bt_jstr(j, "command"), "angles");
    cr_assert_str_eq(bt_jstr(j, "driving_rule"), "burstccn");
    cr_assert_str_eq(bt_jstr(bt_jget(j, "net"), "network"), "784-16-8-10");
    cr_assert_str_eq(bt_jstr(bt_jget(j, "net"), "arch"), "dense:16,dense:8,dense:10");
    const jv *sizes = bt_jget(bt_jget(j, "net"), "sizes");
    cr_assert(sizes->type == JV_ARRAY && sizes->n == 4 && sizes->items[0]->number == 784 &&
              sizes->items[3]->number == 10);
    cr_assert_str_eq(bt_jstr(bt_jget(j, "layer_labels"), "2"), "dense 2 (8)");
    cr_assert_eq((int)bt_jnum(j, "steps"), 6);
    cr_assert_eq((int)bt_jnum(j, "every"), 3);
    cr_assert_eq((int)bt_jnum(j, "comparisons"), 3);
    cr_assert_str_eq(bt_jstr(bt_jget(j, "device"), "id"), "ref");
    cr_assert_gt(strlen(bt_jstr(bt_jget(j, "machine"), "hostname")), 0);
    cr_assert_geq(bt_jnum(bt_jget(j, "machine"), "cores"), 1);
    cr_assert_str_eq(bt_jstr(bt_jget(j, "build"), "library_version"), bcn_version());
    /* The JSON means are the means of the CSV's angles. */
    const jv *mean = bt_jget(j, "mean_angle_deg");
    for (int r = 0; r < 4; r++) {
        const jv *per = bt_jget(mean, rules[r]);
        for (int l = 0; l < 4; l++) {
            double sum = 0;
            int n = 0;
            for (long s = 0; s <= 6; s += 3) {
                double a = bt_num(t.cell[angles_row(&t, s, rules[r], layers[l])][3]);
                if (!isnan(a)) {
                    sum += a;
                    n++;
                }
            }
            const jv *v = bt_jget(per, layers[l]);
            if (n == 0) {
                cr_assert_eq(v->type, JV_NULL);
            } else {
                cr_assert_eq(v->type, JV_NUMBER);
                cr_assert_float_eq(v->number, sum / n, 1e-4 * fmax(1.0, sum / n));
            }
        }
    }
    bt_jget(j, "final_angle_deg");
    bt_jget(bt_jget(j, "mean_w_y_deg"), "2");
    bt_jget(bt_jget(j, "final_y_q_deg"), "1");
    jv_free(j);
    bt_csv_free(&t);
    char *meta = fx_path(out, "angles_meta.gp"), *mt = fx_slurp(meta);
    cr_assert_not_null(mt);
    cr_assert_not_null(strstr(mt, "meta_layers = 3\n"));
    cr_assert_not_null(strstr(mt, "meta_has_conv = 0\n"));
    cr_assert_not_null(strstr(mt, "meta_layer_label_3 = \"dense 3 (10)\"\n"));
    cr_assert_not_null(strstr(mt, "meta_driver = \"burstccn\"\n"));
    free(mt);
    free(meta);
    free(out);
}

Test(bench_outputs, zero_update_gives_an_empty_angle)
{
    /* Y = 0 (scale 0) and Q = p_b Y = 0: BurstCCN's and FA's hidden
     * updates are exactly zero, so they have no angle (SPEC §9): an empty
     * CSV field and a JSON null, never NaN. */
    char *out = fx_path(tmp, "zero");
    const char *args[] = {"angles", "--data", data, "--train-limit", "100", "--hidden", "8,8",
                          "--batch", "10", "--steps", "2", "--every", "1", "--y-scale", "0",
                          "--device", "ref", "--out", out, "--no-plots", "--quiet", NULL};
    bt_run_expect(tmp, args, 0);
    bt_csv t;
    bt_read_csv_header(out, "angles.csv", BT_ANGLES_COLS, &t);
    for (int i = 1; i < t.nrows; i++) {
        int hidden = strcmp(t.cell[i][2], "1") == 0 || strcmp(t.cell[i][2], "2") == 0;
        if (hidden && (strcmp(t.cell[i][1], "burstccn") == 0 || strcmp(t.cell[i][1], "fa") == 0)) {
            cr_assert_str_eq(t.cell[i][3], "", "row %d: angle '%s' for a zero update", i,
                             t.cell[i][3]);
            cr_assert_float_eq(bt_num(t.cell[i][4]), 0.0, 0.0);
        }
        cr_assert_null(strstr(t.cell[i][3], "nan"));
    }
    jv *j = bt_read_json(out, "angles.json");
    cr_assert_eq(bt_jget(bt_jget(bt_jget(j, "mean_angle_deg"), "burstccn"), "1")->type, JV_NULL);
    cr_assert_eq(bt_jget(bt_jget(bt_jget(j, "mean_angle_deg"), "backprop"), "1")->type, JV_NUMBER);
    jv_free(j);
    bt_csv_free(&t);
    free(out);
}

Test(bench_outputs, symmetric_feedback_starts_aligned)
{
    char *out = fx_path(tmp, "sym");
    const char *args[] = {"angles", "--data", data, "--train-limit", "100", "--hidden", "12,12",
                          "--batch", "10", "--steps", "1", "--every", "1", "--y-mode", "sym",
                          "--y-scale", "1", "--device", "ref", "--out", out, "--no-plots",
                          "--quiet", NULL};
    bt_run_expect(tmp, args, 0);
    bt_csv t;
    bt_read_csv_header(out, "angles.csv", BT_ANGLES_COLS, &t);
    /* Y = W_{l+1} at the start: W-Y angle 0; FA is then backprop. */
    for (int l = 1; l <= 2; l++) {
        char name[12]; /* room for any int: gcc -O1 cannot bound l */
        snprintf(name, sizeof name, "%d", l);
        cr_assert_lt(bt_num(t.cell[angles_row(&t, 0, "fa", name)][6]), 1e-3);
        cr_assert_lt(bt_num(t.cell[angles_row(&t, 0, "fa", name)][3]), 1e-3);
    }
    bt_csv_free(&t);
    free(out);
}

Test(bench_outputs, curves_csv_and_json)
{
    char *out = fx_path(tmp, "curves");
    const char *args[] = {"curves", "--data", data, "--train-limit", "200", "--test-limit",
                          "100", "--hidden", "32", "--batch", "20", "--lr", "1", "--epochs", "2",
                          "--evals-per-epoch", "2", "--device", "ref", "--out", out,
                          "--no-plots", "--quiet", NULL};
    bt_run_expect(tmp, args, 0);
    bt_csv t;
    bt_read_csv_header(out, "curves.csv", BT_CURVES_COLS, &t);
    cr_assert_eq(t.nrows - 1, 4 * 5, "%d data rows", t.nrows - 1);
    const double epochs[5] = {0, 0.5, 1, 1.5, 2};
    double start_err = NAN, start_loss = NAN;
    jv *j = bt_read_json(out, "curves.json");
    for (int r = 0; r < 4; r++) {
        const char **row = NULL;
        double last_s = 0;
        for (int k = 0; k < 5; k++) {
            row = (const char **)t.cell[1 + r * 5 + k];
            cr_assert_str_eq(row[1], rules[r]);
            cr_assert_float_eq(bt_num(row[0]), epochs[k], 1e-9);
            double te = bt_num(row[5]), tl = bt_num(row[4]), s = bt_num(row[6]);
            /* 100 test images: the error is a whole number of percent. */
            cr_assert(te >= 0 && te <= 100 && fabs(te - round(te)) < 1e-9, "test error %g", te);
            cr_assert(isfinite(tl) && tl > 0);
            cr_assert(s >= last_s, "seconds go down");
            last_s = s;
            if (k == 0) {
                cr_assert_str_eq(row[2], "", "no train loss before training");
                cr_assert_str_eq(row[3], "");
                /* Same initial weights: identical untrained test numbers. */
                if (r == 0) {
                    start_err = te;
                    start_loss = tl;
                }
                cr_assert_float_eq(te, start_err, 0.0, "%s starts at %g%%, burstccn at %g%%",
                                   rules[r], te, start_err);
                cr_assert(bt_rel_close(tl, start_loss, 1e-6));
            } else {
                double trl = bt_num(row[2]), tre = bt_num(row[3]);
                cr_assert(isfinite(trl) && trl > 0 && tre >= 0 && tre <= 100);
                cr_assert_gt(s, 0.0);
            }
        }
        const jv *res = bt_jget(bt_jget(j, "rules"), rules[r]);
        cr_assert_float_eq(bt_jnum(res, "final_test_error"), bt_num(row[5]), 1e-4);
        cr_assert_float_eq(bt_jnum(res, "final_train_loss"), bt_num(row[2]),
                           1e-5 * bt_num(row[2]));
    }
    /* The data is learnable: backprop ends below where it started. */
    cr_assert_lt(bt_num(t.cell[20][5]), start_err, "backprop did not learn");
    cr_assert_eq(bt_jget(j, "same_init")->type, JV_BOOL);
    cr_assert_eq(bt_jget(j, "same_init")->number, 1.0);
    cr_assert_eq((int)bt_jnum(j, "epochs"), 2);
    cr_assert_eq((int)bt_jnum(j, "train_examples"), 200);
    cr_assert_eq((int)bt_jnum(j, "test_examples"), 100);
    cr_assert_str_eq(bt_jstr(bt_jget(j, "device"), "id"), "ref");
    jv_free(j);
    bt_csv_free(&t);
    free(out);
}

/* Each rule runs at its own authors' settings (SPEC §6, §10) unless
 * --same-settings; curves.json and curves_meta.gp say which. */
Test(bench_outputs, curves_record_each_rules_settings)
{
    for (int same = 0; same < 2; same++) {
        char *out = fx_path(tmp, same ? "same" : "authors");
        const char *args[] = {"curves", "--data", data, "--train-limit", "100", "--test-limit",
                              "50", "--hidden", "8", "--epochs", "1", "--rules",
                              "burstccn,burstprop", "--device", "ref", "--out", out,
                              "--no-plots", "--quiet", same ? "--same-settings" : NULL, NULL};
        bt_run_expect(tmp, args, 0);
        jv *j = bt_read_json(out, "curves.json");
        cr_assert_str_eq(bt_jstr(j, "settings"), same ? "same" : "authors");
        cr_assert_eq(bt_jget(j, "same_init")->number, 1.0, "W and the Y draws are shared");
        const jv *bp = bt_jget(bt_jget(bt_jget(j, "rules"), "burstprop"), "net");
        const jv *lr = bt_jget(bp, "lr");
        cr_assert_eq(lr->n, 2);
        cr_assert_float_eq(lr->items[0]->number, same ? 0.3 : 3.2, 1e-6);
        cr_assert_float_eq(lr->items[1]->number, same ? 0.3 : 0.32, 1e-6);
        cr_assert_str_eq(bt_jstr(bp, "optimizer"), same ? "sgd" : "momentum");
        cr_assert_float_eq(bt_jnum(bp, "momentum"), same ? 0.0 : 0.8, 1e-6);
        cr_assert_float_eq(bt_jnum(bp, "weight_decay"), same ? 0.0 : 1e-6, 1e-9);
        cr_assert_float_eq(bt_jnum(bp, "p_baseline"), same ? 0.5 : 0.2, 1e-6);
        cr_assert_float_eq(bt_jnum(bp, "y_scale"), same ? 0.5 : 1.0, 1e-6);
        const jv *ccn = bt_jget(bt_jget(bt_jget(j, "rules"), "burstccn"), "net");
        cr_assert_float_eq(bt_jget(ccn, "lr")->items[0]->number, 0.3, 1e-6);
        cr_assert(strstr(bt_jstr(bp, "settings_desc"), same ? "lr 0.3, SGD" : "momentum 0.8"),
                  "%s", bt_jstr(bp, "settings_desc"));
        cr_assert_str_eq(bt_jstr(ccn, "optimizer"), "sgd");
        jv_free(j);
        char *path = fx_path(out, "curves_meta.gp"), *meta = fx_slurp(path);
        cr_assert_not_null(meta, "%s", path);
        cr_assert(strstr(meta, same ? "meta_settings = \"same\"" : "meta_settings = \"authors\""),
                  "%s", meta);
        cr_assert(strstr(meta, same ? "meta_settings_burstprop = \"lr 0.3, SGD, p_b 0.5"
                                    : "meta_settings_burstprop = \"lr 3.2 hidden / 0.32 output, "
                                      "momentum 0.8, weight decay 1e-06, p_b 0.2, Y random std 1"),
                  "%s", meta);
        free(meta);
        free(path);
        free(out);
    }
}

/* Independent GEMM FLOP count of one step of a 784-w-w-w-10 network:
 * forward, ∇W and one top-down GEMM per hidden layer (two for BurstCCN). */
static double gemm_flops(int batch, int w, int two_sweeps)
{
    double sizes[5] = {784, w, w, w, 10}, f = 0;
    for (int l = 0; l < 4; l++)
        f += 2 * 2.0 * batch * sizes[l] * sizes[l + 1];
    for (int l = 1; l < 4; l++)
        f += (two_sweeps ? 2 : 1) * 2.0 * batch * sizes[l] * sizes[l + 1];
    return f;
}

Test(bench_outputs, timing_numbers_are_positive_and_consistent)
{
    char *out = fx_path(tmp, "timing");
    const char *args[] = {"timing", "--devices", "ref", "--rules", "burstccn,backprop",
                          "--batches", "8", "--widths", "16,32", "--reps", "3", "--warmup", "1",
                          "--target-time", "0.02", "--out", out, "--no-plots", NULL};
    bt_run_expect(tmp, args, 0);
    bt_csv t;
    bt_read_csv_header(out, "timing.csv", BT_TIMING_COLS, &t);
    cr_assert_eq(t.nrows - 1, 4);
    for (int i = 1; i < t.nrows; i++) {
        char **c = t.cell[i];
        cr_assert_str_eq(c[0], "ref");
        cr_assert_str_eq(c[18], "ok", "row %d: %s", i, c[20]);
        cr_assert_str_eq(c[20], "");
        int batch = (int)bt_num(c[2]), width = (int)bt_num(c[4]);
        cr_assert_eq(batch, 8);
        char hidden[64], network[96];
        snprintf(hidden, sizeof hidden, "%d-%d-%d", width, width, width);
        cr_assert_str_eq(c[3], hidden);
        snprintf(network, sizeof network, "784-%s-10", hidden);
        cr_assert_str_eq(c[21], "dense");
        cr_assert_str_eq(c[22], network);
        cr_assert_geq(bt_num(c[5]), 1);
        cr_assert_eq((int)bt_num(c[6]), 3);
        for (int k = 7; k <= 17; k++)
            cr_assert(isfinite(bt_num(c[k])) && bt_num(c[k]) > 0, "column %s = '%s'",
                      t.cell[0][k], c[k]);
        double med = bt_num(c[7]), mn = bt_num(c[8]), mx = bt_num(c[9]);
        cr_assert(mn <= med && med <= mx, "min %g median %g max %g", mn, med, mx);
        cr_assert(bt_rel_close(bt_num(c[10]), batch / (med * 1e-3), 1e-4), "samples/s");
        cr_assert(bt_rel_close(bt_num(c[12]), bt_num(c[11]) / (med * 1e-3) * 1e-9, 1e-4),
                  "GFLOP/s");
        /* The step's FLOPs: its GEMMs plus a little element-wise work. */
        double g = gemm_flops(batch, width, strcmp(c[1], "burstccn") == 0);
        cr_assert(bt_num(c[11]) >= g && bt_num(c[11]) <= 1.3 * g, "%s flops %g, GEMMs %g", c[1],
                  bt_num(c[11]), g);
        /* ref launches nothing; each step uploads x and t (8 x 784 and 8 x
         * 10 floats), and now and then reads its statistics back. */
        cr_assert_eq(bt_num(c[23]), 0, "launches on ref: %s", c[23]);
        cr_assert_eq(bt_num(c[24]), 0, "BLAS calls on ref: %s", c[24]);
        cr_assert(bt_num(c[25]) >= 2 && bt_num(c[25]) < 2.5, "transfers/step %s", c[25]);
        cr_assert(bt_num(c[26]) >= 4.0 * 8 * (784 + 10), "bytes/step %s", c[26]);
        cr_assert_str_eq(c[27], "ref", "what ran ref's GEMMs");
    }
    jv *j = bt_read_json(out, "timing.json");
    cr_assert_str_eq(bt_jstr(j, "command"), "timing");
    const jv *devs = bt_jget(j, "devices");
    cr_assert_eq(devs->type, JV_ARRAY);
    cr_assert_eq(devs->n, 1);
    cr_assert_str_eq(bt_jstr(bt_jget(devs->items[0], "info"), "id"), "ref");
    cr_assert_str_eq(bt_jstr(bt_jget(devs->items[0], "info"), "gemm"), "ref");
    cr_assert_str_eq(bt_jstr(devs->items[0], "status"), "ok");
    const jv *m = bt_jget(j, "machine");
    cr_assert_geq(bt_jnum(m, "cores"), 1);
    cr_assert_gt(bt_jnum(m, "memory_gib"), 0);
    bt_jstr(m, "cpu_model");
    bt_jstr(m, "hostname");
    const jv *b = bt_jget(j, "build");
    bt_jstr(b, "compiler");
    bt_jstr(b, "cflags");
    cr_assert_str_eq(bt_jstr(b, "library_version"), bcn_version());
    bt_jget(b, "clblast_version");
    bt_jget(b, "icd_loader");
    cr_assert_eq((int)bt_jnum(bt_jget(j, "settings"), "reps"), 3);
    const jv *rows = bt_jget(j, "rows");
    cr_assert_eq(rows->n, 4);
    for (size_t i = 0; i < rows->n; i++) {
        cr_assert_gt(bt_jnum(rows->items[i], "median_ms"), 0);
        cr_assert_gt(bt_jnum(rows->items[i], "gemm_gflops"), 0);
    }
    jv_free(j);
    bt_csv_free(&t);
    free(out);
}

Test(bench_outputs, timing_reports_a_bad_device_as_skipped)
{
    char *out = fx_path(tmp, "skip");
    const char *args[] = {"timing", "--devices", "ref,no-such-device-xyz", "--rules", "backprop",
                          "--batches", "4", "--widths", "8", "--reps", "1", "--warmup", "1",
                          "--target-time", "0.01", "--out", out, "--no-plots", NULL};
    bt_run_expect(tmp, args, 0);
    bt_csv t;
    bt_read_csv_header(out, "timing.csv", BT_TIMING_COLS, &t);
    cr_assert_eq(t.nrows - 1, 2);
    cr_assert_str_eq(t.cell[1][18], "ok");
    cr_assert_str_eq(t.cell[2][18], "skipped");
    cr_assert_str_eq(t.cell[2][7], "", "a skipped row has no time");
    cr_assert_not_null(strstr(t.cell[2][20], "no-such-device-xyz"), "error '%s'",
                       t.cell[2][20]);
    jv *j = bt_read_json(out, "timing.json");
    cr_assert_str_eq(bt_jstr(bt_jget(j, "devices")->items[1], "status"), "skipped");
    jv_free(j);
    bt_csv_free(&t);
    free(out);
}

/* 1 when the library opens an OpenCL device here. */
static int have_cl(void)
{
    bcn_ctx *ctx = bcn_ctx_new();
    int ok = ctx && bcn_ctx_open_device(ctx, "cl") == BCN_OK;
    bcn_ctx_free(ctx);
    return ok;
}

/* --gemm picks what runs the timed steps' GEMMs, and timing.csv's last
 * column (gemm) and timing.json say which; gemm_tune.csv times both
 * engines whatever --gemm says, each with its engine forced. */
Test(bench_outputs, timing_gemm_engine_in_csv_json_and_gemm_tune)
{
    if (!have_cl())
        cr_skip_test("no OpenCL device: --gemm has nothing to choose between");
    /* Only the warm start-up probe: the cold ones are checked below to be
     * reported as not measured (and PoCL leaks in them: sanitize.sh). */
    cr_assert_eq(setenv("BURSTCCN_BENCH_COLD_START", "off", 1), 0);
    const char *engines[] = {"own", "clblast"};
    for (int e = 0; e < 2; e++) {
        char name[32];
        snprintf(name, sizeof name, "gemm_%s", engines[e]);
        char *out = fx_path(tmp, name);
        const char *args[] = {"timing", "--devices", "ref,cl", "--rules", "backprop",
                              "--batches", "8", "--widths", "16", "--depth", "1", "--reps",
                              "1", "--warmup", "1", "--target-time", "0.01", "--tune", "off",
                              "--gemm", engines[e], "--out", out, "--no-plots", "--quiet",
                              NULL};
        bt_run_expect(tmp, args, 0);
        bt_csv t;
        bt_read_csv_header(out, "timing.csv", BT_TIMING_COLS, &t);
        cr_assert_eq(t.nrows - 1, 2);
        int gemm = bt_csv_col(&t, "gemm");
        cr_assert_eq(gemm, t.ncols - 1, "gemm is the last column");
        cr_assert_str_eq(t.cell[1][0], "ref");
        cr_assert_str_eq(t.cell[1][gemm], "ref");
        cr_assert_str_eq(t.cell[2][18], "ok", "%s", t.cell[2][20]);
        cr_assert_str_eq(t.cell[2][gemm], engines[e], "--gemm %s ran '%s'", engines[e],
                         t.cell[2][gemm]);
        bt_csv_free(&t);
        jv *j = bt_read_json(out, "timing.json");
        const jv *devs = bt_jget(j, "devices");
        cr_assert_eq(devs->n, 2);
        cr_assert_str_eq(bt_jstr(bt_jget(devs->items[1], "info"), "gemm"), engines[e]);
        cr_assert_str_eq(bt_jstr(bt_jget(j, "rows")->items[1], "gemm"), engines[e]);
        jv_free(j);
        /* Both engines' rates at every shape, positive; no tuned rates
         * with --tune off. */
        bt_read_csv_header(out, "gemm_tune.csv", BT_GEMM_TUNE_COLS, &t);
        cr_assert_geq(t.nrows - 1, 3, "one row per distinct GEMM shape of the step");
        for (int i = 1; i < t.nrows; i++) {
            char **c = t.cell[i];
            cr_assert_str_eq(c[13], "ok", "%s", c[14]);
            cr_assert_str_eq(c[0], t.cell[1][0]);
            cr_assert(isfinite(bt_num(c[7])) && bt_num(c[7]) > 0, "CLBlast rate '%s'", c[7]);
            cr_assert(isfinite(bt_num(c[9])) && bt_num(c[9]) > 0, "own rate '%s'", c[9]);
            cr_assert_str_eq(c[8], "");
            cr_assert_str_eq(c[10], "");
            cr_assert_str_eq(c[11], "none");
            cr_assert_str_eq(c[12], "none");
        }
        bt_csv_free(&t);
        /* startup.csv: the warm probe timed, the cold ones skipped with why. */
        bt_read_csv_header(out, "startup.csv", "device,caches,open_s,first_step_s,status,error",
                           &t);
        cr_assert_eq(t.nrows - 1, 3, "one row per way of caching");
        const char *ways[] = {"all", "library", "none"};
        for (int i = 1; i <= 3; i++) {
            char **c = t.cell[i];
            cr_assert_str_eq(c[1], ways[i - 1]);
            if (i == 1) {
                cr_assert_str_eq(c[4], "ok", "%s", c[5]);
                cr_assert(bt_num(c[2]) > 0 && bt_num(c[3]) >= bt_num(c[2]), "open %s, step %s",
                          c[2], c[3]);
            } else {
                cr_assert_str_eq(c[4], "skipped");
                cr_assert_str_eq(c[2], "");
                cr_assert_not_null(strstr(c[5], "BURSTCCN_BENCH_COLD_START=off"), "%s", c[5]);
            }
        }
        bt_csv_free(&t);
        free(out);
    }
    unsetenv("BURSTCCN_BENCH_COLD_START");
}

/* --gemm on every subcommand that opens a device: in the help, a bad value
 * refused naming the option and the accepted values, and on angles and
 * curves the JSON's device says what ran the GEMMs. */
Test(bench_outputs, gemm_option_on_every_subcommand)
{
    const char *cmds[] = {"angles", "curves", "timing", "all"};
    for (int i = 0; i < 4; i++) {
        const char *help[] = {cmds[i], "--help", NULL};
        bt_run_result r = bt_run_bench(tmp, help);
        cr_assert_eq(r.status, 0);
        cr_assert_not_null(strstr(r.out, "--gemm auto|own|clblast"), "%s --help: %s", cmds[i],
                           r.out);
        bt_run_free(&r);
        const char *bad[] = {cmds[i], "--gemm", "fast", NULL};
        r = bt_run_bench(tmp, bad);
        cr_assert_eq(r.status, 2, "%s --gemm fast: exit %d", cmds[i], r.status);
        cr_assert_not_null(
            strstr(r.err, "--gemm: 'fast' is not a GEMM engine (expected auto, own or clblast)"),
            "%s: %s", cmds[i], r.err);
        bt_run_free(&r);
    }
    const char *plots[] = {"plots", "--gemm", "own", NULL};
    bt_run_result r = bt_run_bench(tmp, plots);
    cr_assert_eq(r.status, 2, "plots opens no device: no --gemm");
    bt_run_free(&r);
    const char *dev = have_cl() ? "cl" : "ref";
    const char *want = have_cl() ? "clblast" : "ref";
    char *out = fx_path(tmp, "gemm_angles");
    const char *angles[] = {"angles", "--data", data, "--hidden", "8", "--train-limit", "64",
                            "--steps", "4", "--every", "2", "--device", dev, "--gemm",
                            "clblast", "--out", out, "--no-plots", "--quiet", NULL};
    setenv("BURSTCCN_TUNE", "off", 1);
    bt_run_expect(tmp, angles, 0);
    jv *j = bt_read_json(out, "angles.json");
    cr_assert_str_eq(bt_jstr(bt_jget(j, "device"), "gemm"), want);
    jv_free(j);
    const char *curves[] = {"curves", "--data", data, "--hidden", "8", "--train-limit", "64",
                            "--test-limit", "20", "--epochs", "1", "--rules", "fa", "--device",
                            dev, "--gemm", "clblast", "--out", out, "--no-plots", "--quiet",
                            NULL};
    bt_run_expect(tmp, curves, 0);
    j = bt_read_json(out, "curves.json");
    cr_assert_str_eq(bt_jstr(bt_jget(j, "device"), "gemm"), want);
    jv_free(j);
    free(out);
}

Test(bench_outputs, usage_errors_exit_2)
{
    const char *a1[] = {"angles", "--every", "0", NULL};
    const char *a2[] = {"timing", "--rules", "bogus", NULL};
    const char *a3[] = {"curves", "--steps", "5", NULL};
    const char *a4[] = {"frobnicate", NULL};
    const char *a5[] = {"timing", "--widths", "16,,32", NULL};
    const char *a6[] = {"angles", "--lr", NULL};
    const char *const *bad[] = {a1, a2, a3, a4, a5, a6};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bt_run_result r = bt_run_bench(tmp, bad[i]);
        cr_assert_eq(r.status, 2, "%s %s: exit %d", bad[i][0], bad[i][1] ? bad[i][1] : "",
                     r.status);
        cr_assert_gt(strlen(r.err), 0, "a usage error says what is wrong");
        bt_run_free(&r);
    }
    const char *help[] = {"angles", "--help", NULL};
    bt_run_result r = bt_run_bench(tmp, help);
    cr_assert_eq(r.status, 0);
    cr_assert_not_null(strstr(r.out, "--every"));
    bt_run_free(&r);
}
