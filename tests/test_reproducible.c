/*
 * test_reproducible.c — one seed, one data order, one configuration JSON
 * everywhere: a learning curve from `burstccn-bench curves --seed S` is
 * reproduced by `burstccn train --seed S` (the same test error and loss
 * after every epoch), `burstccn-bench angles --model` starts from a saved
 * network, and both programs describe the network with the same JSON
 * members. Data: Debian's Fashion-MNIST (skipped when not installed).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "idx_fixture.h"
#include "json_check.h"
#include "run_program.h"

static char *dir;

static void setup(void)
{
    struct stat sb;
    if (stat("/usr/share/datasets/fashion-mnist", &sb) != 0)
        cr_skip_test("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
    dir = fx_tmpdir();
}

static void teardown(void)
{
    if (dir)
        fx_rmtree(dir);
    dir = NULL;
}

TestSuite(reproducible, .init = setup, .fini = teardown, .timeout = 240);

static jv *read_json(const char *path) { return jv_read_file(path); }

/* Rows "epoch,rule,train_loss,train_error,test_loss,test_error,seconds"
 * of curves.csv at whole epochs 1..n: test loss and error into loss/err. */
static void read_curve(const char *path, int n, double *loss, double *err)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot open %s", path);
    char line[512];
    int got = 0;
    while (fgets(line, sizeof line, f)) {
        double epoch, tl, te, l, e;
        char rule[32];
        if (sscanf(line, "%lf,%31[^,],%lf,%lf,%lf,%lf", &epoch, rule, &tl, &te, &l, &e) != 6)
            continue;
        int k = (int)lround(epoch);
        if (k >= 1 && k <= n && fabs(epoch - k) < 1e-9) {
            loss[k - 1] = l;
            err[k - 1] = e;
            got++;
        }
    }
    fclose(f);
    cr_assert_eq(got, n, "%d whole-epoch rows in %s", got, path);
}

Test(reproducible, bench_curve_equals_train_run_with_the_same_seed)
{
    char *out = fx_path(dir, "bench"), *json = fx_path(dir, "train.json");
    const char *bench[] = {"curves", "--data", "fashion-mnist", "--train-limit", "500",
                           "--test-limit", "200", "--hidden", "24", "--rules", "burstccn",
                           "--epochs", "2", "--seed", "7", "--device", "ref", "--out", out,
                           "--no-plots", "--quiet", NULL};
    tu_run_result r = tu_run_program("burstccn-bench", dir, bench);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    const char *train[] = {"train", "--data", "fashion-mnist", "--train-limit", "500",
                           "--test-limit", "200", "--hidden", "24", "--rule", "burstccn",
                           "--epochs", "2", "--seed", "7", "--device", "ref", "--json", json,
                           "--quiet", NULL};
    r = tu_run_program("burstccn", dir, train);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);

    double loss[2], err[2];
    char *csv = fx_path(out, "curves.csv");
    read_curve(csv, 2, loss, err);
    jv *j = read_json(json);
    const jv *hist = jv_get(j, "history");
    cr_assert_eq(hist->n, 2);
    for (int e = 0; e < 2; e++) {
        double tl = jv_get(hist->items[e], "test_loss")->number;
        double te = jv_get(hist->items[e], "test_error")->number;
        /* The same count of errors; the loss as far as the CSV prints it. */
        cr_assert(fabs(te - err[e]) < 1e-9, "epoch %d: test error %g vs %g", e + 1, te,
                  err[e]);
        cr_assert(fabs(tl - loss[e]) <= 5e-6 * fabs(tl), "epoch %d: test loss %.9g vs %.9g",
                  e + 1, tl, loss[e]);
    }

    /* The two programs' configuration JSON: one writer, so every member of
     * the bench's network description is in train's "config", equal. */
    char *bpath = fx_path(out, "curves.json");
    jv *bj = read_json(bpath);
    const jv *net = jv_get(jv_get(jv_get(bj, "rules"), "burstccn"), "net");
    const jv *cfg = jv_get(j, "config");
    cr_assert(net && cfg);
    cr_assert_gt(net->n, 20);
    for (size_t i = 0; i < net->n; i++) {
        if (strcmp(net->keys[i], "network") == 0)
            continue;
        const jv *a = net->items[i], *b = jv_get(cfg, net->keys[i]);
        cr_assert_not_null(b, "train's config lacks '%s'", net->keys[i]);
        cr_assert_eq(a->type, b->type, "'%s'", net->keys[i]);
        if (a->type == JV_NUMBER || a->type == JV_BOOL)
            cr_assert(a->number == b->number, "'%s': %g vs %g", net->keys[i], a->number,
                      b->number);
        else if (a->type == JV_STRING)
            cr_assert_str_eq(a->string, b->string, "'%s'", net->keys[i]);
        else if (a->type == JV_ARRAY)
            cr_assert_eq(a->n, b->n, "'%s'", net->keys[i]);
    }
    jv_free(bj);
    free(bpath);
    jv_free(j);
    free(csv);
    free(out);
    free(json);
}

Test(reproducible, bench_angles_starts_from_a_saved_model)
{
    char *model = fx_path(dir, "m.ckpt"), *out = fx_path(dir, "angles");
    const char *train[] = {"train", "--data", "fashion-mnist", "--train-limit", "200",
                           "--test-limit", "100", "--hidden", "16", "--rule", "fa",
                           "--epochs", "1", "--device", "ref", "--save", model, "--quiet",
                           NULL};
    tu_run_result r = tu_run_program("burstccn", dir, train);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    const char *angles[] = {"angles", "--data", "fashion-mnist", "--train-limit", "200",
                            "--model", model, "--steps", "2", "--every", "1", "--device", "ref",
                            "--out", out, "--no-plots", "--quiet", NULL};
    r = tu_run_program("burstccn-bench", dir, angles);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    char *path = fx_path(out, "angles.json");
    jv *j = read_json(path);
    cr_assert_str_eq(jv_get(j, "driving_rule")->string, "fa");
    jv_free(j);
    free(path);
    const char *bad[] = {"angles", "--model", model, "--hidden", "8", "--out", out, NULL};
    r = tu_run_program("burstccn-bench", dir, bad);
    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "give no network flags with it"), "%s", r.err);
    tu_run_free(&r);
    free(model);
    free(out);
}
