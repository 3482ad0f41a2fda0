/*
 * test_bench_all.c — `burstccn-bench all --quick` end to end on a small
 * subset (--train-limit/--test-limit) of the default dataset when it is
 * installed (else a small learnable dataset written here), on the default
 * devices: every result file, the conv network's (*_conv, trained on ref
 * when the default device cannot run conv layers) and its timing rows,
 * summary.md and, with gnuplot, all figures. Skipped under
 * BCN_SKIP_SLOW_TESTS (the make distcheck re-run).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench_testutil.h"
#include "burstccn.h"

/* 1 when Fashion-MNIST (the default dataset) loads. */
static int have_fashion(void)
{
    bcn_ctx *ctx = bcn_ctx_new();
    bcn_data_options o = {.train_limit = 10, .test_limit = 10};
    bcn_dataset *ds = NULL;
    int ok = ctx && bcn_dataset_load(ctx, "fashion-mnist", &o, &ds) == BCN_OK;
    bcn_dataset_free(ds);
    bcn_ctx_free(ctx);
    return ok;
}

Test(bench_all, quick_end_to_end, .timeout = 400)
{
    const char *skip = getenv("BCN_SKIP_SLOW_TESTS");
    if (skip && *skip)
        cr_skip_test("BCN_SKIP_SLOW_TESTS is set: burstccn-bench all --quick not run");
    char *tmp = fx_tmpdir(), *out = fx_path(tmp, "results"), *data = fx_path(tmp, "data");
    const char *source = "fashion-mnist";
    if (!have_fashion()) {
        cr_log_warn("Fashion-MNIST not installed: using a small generated dataset");
        cr_assert_eq(mkdir(data, 0755), 0);
        fx_write_dataset(data, 400, 200);
        source = data;
    }
    const char *args[] = {"all", "--quick", "--data", source, "--train-limit", "400",
                          "--test-limit", "200", "--out", out, NULL};
    bt_run_result r = bt_run_bench(tmp, args);
    cr_assert_eq(r.status, 0, "all --quick exited %d:\n%s", r.status, r.err);
    cr_assert_not_null(strstr(r.out, "summary.md"), "it says where the summary is");
    bt_run_free(&r);
    const char *files[] = {"angles.csv",       "angles.json",       "angles_meta.gp",
                           "curves.csv",       "curves.json",       "curves_meta.gp",
                           "angles_conv.csv",  "angles_conv.json",  "angles_conv_meta.gp",
                           "curves_conv.csv",  "curves_conv.json",  "curves_conv_meta.gp",
                           "timing.csv",       "timing.json",       "timing_meta.gp",
                           "summary.md"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *p = fx_path(out, files[i]);
        cr_assert_gt(bt_size(p), 0, "%s missing or empty", files[i]);
        free(p);
    }
    char *sp = fx_path(out, "summary.md"), *sum = fx_slurp(sp);
    cr_assert_not_null(strstr(sum, "## Learning curves"));
    cr_assert_not_null(strstr(sum, "## Angle of each rule's update to backprop's"));
    cr_assert_not_null(strstr(sum, "## Speed of a training step"));
    cr_assert_not_null(strstr(sum, "| ref (reference backend"), "ref timed");
    cr_assert_not_null(strstr(sum, "## The convolutional network"));
    cr_assert_not_null(strstr(sum, "| conv 1 (16@12x12, 5x5/2) |"), "conv layers labelled");
    free(sum);
    free(sp);
    /* The conv network was timed on ref, every rule (other devices may be
     * skipped: a backend without conv layers). */
    char *tp = fx_path(out, "timing.csv");
    bt_csv t;
    cr_assert_eq(bt_csv_read(tp, &t), 0);
    int cn = bt_csv_col(&t, "net"), cd = bt_csv_col(&t, "device"), cs = bt_csv_col(&t, "status");
    cr_assert(cn >= 0 && cd >= 0 && cs >= 0);
    int conv_ok = 0;
    for (int i = 1; i < t.nrows; i++)
        conv_ok += strcmp(t.cell[i][cn], "conv") == 0 && strcmp(t.cell[i][cd], "ref") == 0 &&
                   strcmp(t.cell[i][cs], "ok") == 0;
    cr_assert_eq(conv_ok, 4, "conv net timed on ref for %d of 4 rules", conv_ok);
    bt_csv_free(&t);
    free(tp);
    if (bt_have_gnuplot()) {
        const char *figs[] = {"angles",      "alignment",      "curves", "angles_conv",
                              "alignment_conv", "curves_conv", "timing", "scaling"};
        for (int i = 0; i < 8; i++) {
            for (int k = 0; k < 2; k++) {
                char name[64];
                snprintf(name, sizeof name, "%s.%s", figs[i], k ? "svg" : "png");
                char *p = fx_path(out, name);
                cr_assert_gt(bt_size(p), 10000, "%s missing or nearly empty", name);
                free(p);
            }
        }
    } else {
        cr_log_warn("gnuplot is not installed: figures not checked");
    }
    free(out);
    free(data);
    fx_rmtree(tmp);
}
