/*
 * test_bench_all.c — `burstccn-bench all --quick` end to end on a small
 * subset (--train-limit/--test-limit) of the default dataset when it is
 * installed (else a small learnable dataset written here), on the default
 * devices: every result file, summary.md and, with gnuplot, all figures.
 * Skipped under BCN_SKIP_SLOW_TESTS (the make distcheck re-run).
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
        bt_write_dataset(data, 400, 200);
        source = data;
    }
    const char *args[] = {"all", "--quick", "--data", source, "--train-limit", "400",
                          "--test-limit", "200", "--out", out, NULL};
    bt_run_result r = bt_run_bench(tmp, args);
    cr_assert_eq(r.status, 0, "all --quick exited %d:\n%s", r.status, r.err);
    cr_assert_not_null(strstr(r.out, "summary.md"), "it says where the summary is");
    bt_run_free(&r);
    const char *files[] = {"angles.csv", "angles.json", "angles_meta.gp", "curves.csv",
                           "curves.json", "curves_meta.gp", "timing.csv", "timing.json",
                           "timing_meta.gp", "summary.md"};
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
    free(sum);
    free(sp);
    if (bt_have_gnuplot()) {
        const char *figs[] = {"angles", "alignment", "curves", "timing", "scaling"};
        for (int i = 0; i < 5; i++) {
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
