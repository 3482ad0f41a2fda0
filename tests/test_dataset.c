/*
 * test_dataset.c — loading MNIST-style datasets: fixtures written at test
 * time (plain and gzip members, limits, validation split, every consistency
 * error), minibatch gathering, and the real Fashion-MNIST when installed.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burstccn.h"
#include "idx_fixture.h"

#define ROWS 3
#define COLS 4
#define DIM (ROWS * COLS)
#define N_TRAIN 12
#define N_TEST 5

static char *dir;
static bcn_ctx *ctx;

/* Pixel j of example i of a split: a pattern that differs per example. */
static uint8_t pixel(int test, int i, int j) { return (uint8_t)((test * 100 + i * 17 + j * 5) % 256); }
static uint8_t label(int test, int i) { return (uint8_t)((i * 3 + test) % 10); }

/* Write one images file and one labels file of the fixture. */
static void write_split(const char *d, int test, int gz_img, int gz_lbl, int n)
{
    uint8_t img[N_TRAIN * DIM], lbl[N_TRAIN];
    for (int i = 0; i < n; i++) {
        lbl[i] = label(test, i);
        for (int j = 0; j < DIM; j++)
            img[i * DIM + j] = pixel(test, i, j);
    }
    const uint32_t di[3] = {(uint32_t)n, ROWS, COLS}, dl[1] = {(uint32_t)n};
    char name[64];
    snprintf(name, sizeof name, "%s-images-idx3-ubyte%s", test ? "t10k" : "train",
             gz_img ? ".gz" : "");
    char *p = fx_path(d, name);
    fx_write_idx(p, gz_img, 0x08, 3, di, img, (size_t)n * DIM, NULL, 0);
    free(p);
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte%s", test ? "t10k" : "train",
             gz_lbl ? ".gz" : "");
    p = fx_path(d, name);
    fx_write_idx(p, gz_lbl, 0x08, 1, dl, lbl, (size_t)n, NULL, 0);
    free(p);
}

static void setup(void)
{
    dir = fx_tmpdir();
    ctx = bcn_ctx_new();
    cr_assert_not_null(ctx);
    /* Mixed plain and gzip members. */
    write_split(dir, 0, 1, 0, N_TRAIN);
    write_split(dir, 1, 0, 1, N_TEST);
}

static void teardown(void)
{
    bcn_ctx_free(ctx);
    fx_rmtree(dir);
}

TestSuite(dataset, .init = setup, .fini = teardown);

/* Assert that split example k holds example `src` of the original files. */
static void check_example(const bcn_split *s, int k, int test, int src)
{
    cr_assert_eq(s->y[k], label(test, src), "label of example %d", k);
    for (int j = 0; j < DIM; j++)
        cr_assert_eq(s->x[k * DIM + j], (float)pixel(test, src, j) / 255.0f,
                     "example %d pixel %d", k, j);
}

/* Load with options, expecting `want`; on error check the message. */
static bcn_dataset *load(const char *src, const bcn_data_options *o, bcn_status want,
                         const char *words)
{
    return fx_load(ctx, src, o, want, words, NULL);
}

Test(dataset, loads_all_examples_scaled)
{
    bcn_dataset *ds = load(dir, NULL, BCN_OK, NULL);
    cr_assert_eq(ds->rows, ROWS);
    cr_assert_eq(ds->cols, COLS);
    cr_assert_eq(ds->dim, DIM);
    cr_assert_eq(ds->n_classes, 10);
    cr_assert_eq(ds->train.n, N_TRAIN);
    cr_assert_eq(ds->val.n, 0);
    cr_assert_eq(ds->test.n, N_TEST);
    for (int i = 0; i < N_TRAIN; i++)
        check_example(&ds->train, i, 0, i);
    for (int i = 0; i < N_TEST; i++)
        check_example(&ds->test, i, 1, i);
    cr_assert_str_eq(ds->path, dir);
    const char *base = strrchr(dir, '/') + 1;
    cr_assert_str_eq(ds->name, base);
    bcn_dataset_free(ds);

    /* A trailing slash still names the directory. */
    char with_slash[4200];
    snprintf(with_slash, sizeof with_slash, "%s//", dir);
    ds = load(with_slash, NULL, BCN_OK, NULL);
    cr_assert_str_eq(ds->name, base);
    bcn_dataset_free(ds);
}

Test(dataset, limits_and_validation_split)
{
    bcn_data_options o = {.train_limit = 8, .test_limit = 2, .validation = 3};
    bcn_dataset *ds = load(dir, &o, BCN_OK, NULL);
    cr_assert_eq(ds->train.n, 5);
    cr_assert_eq(ds->val.n, 3);
    cr_assert_eq(ds->test.n, 2);
    for (int i = 0; i < 5; i++)
        check_example(&ds->train, i, 0, i);
    for (int i = 0; i < 3; i++)
        check_example(&ds->val, i, 0, 5 + i); /* the last 3 of the first 8 */
    for (int i = 0; i < 2; i++)
        check_example(&ds->test, i, 1, i);
    bcn_dataset_free(ds);

    /* Limits above the set size use the whole set. */
    bcn_data_options big = {.train_limit = 1000, .test_limit = 1000, .validation = 11};
    ds = load(dir, &big, BCN_OK, NULL);
    cr_assert_eq(ds->train.n, 1);
    cr_assert_eq(ds->val.n, 11);
    cr_assert_eq(ds->test.n, N_TEST);
    check_example(&ds->val, 10, 0, 11);
    bcn_dataset_free(ds);
}

Test(dataset, limits_are_applied_before_reading)
{
    /* gzip training members whose headers claim 2,700,000 examples but hold
     * N_TRAIN: a limit within what is there loads it (and never reads the
     * rest, so the bad label past the limit goes unseen); no limit finds
     * the images truncated. */
    uint8_t img[N_TRAIN * DIM], lbl[N_TRAIN];
    for (int i = 0; i < N_TRAIN; i++) {
        lbl[i] = label(0, i);
        for (int j = 0; j < DIM; j++)
            img[i * DIM + j] = pixel(0, i, j);
    }
    lbl[10] = 10;
    const uint32_t di[3] = {2700000, ROWS, COLS}, dl[1] = {2700000};
    char *pi = fx_path(dir, "train-images-idx3-ubyte.gz");
    char *pl = fx_path(dir, "train-labels-idx1-ubyte");
    cr_assert_eq(unlink(pl), 0);
    free(pl);
    pl = fx_path(dir, "train-labels-idx1-ubyte.gz");
    fx_write_idx(pi, 1, 0x08, 3, di, img, sizeof img, NULL, 0);
    fx_write_idx(pl, 1, 0x08, 1, dl, lbl, sizeof lbl, NULL, 0);
    bcn_data_options o = {.train_limit = 8, .validation = 2};
    bcn_dataset *ds = load(dir, &o, BCN_OK, NULL);
    cr_assert_eq(ds->train.n, 6);
    cr_assert_eq(ds->val.n, 2);
    for (int i = 0; i < 6; i++)
        check_example(&ds->train, i, 0, i);
    check_example(&ds->val, 1, 0, 7);
    bcn_dataset_free(ds);
    load(dir, NULL, BCN_ERR_FORMAT, "truncated");
    cr_assert(strstr(bcn_errmsg(ctx), pi), "%s", bcn_errmsg(ctx));
    /* Within the records read, labels are still checked. */
    o.train_limit = 11;
    load(dir, &o, BCN_ERR_FORMAT, "label 10 is 10");
    free(pi);
    free(pl);
}

Test(dataset, bad_options)
{
    bcn_data_options o = {.validation = N_TRAIN};
    load(dir, &o, BCN_ERR_INVALID_ARG, "validation = 12");
    o = (bcn_data_options){.train_limit = 4, .validation = 4};
    load(dir, &o, BCN_ERR_INVALID_ARG, "has 4 examples");
    o = (bcn_data_options){.train_limit = -1};
    load(dir, &o, BCN_ERR_INVALID_ARG, "negative");
    o = (bcn_data_options){.test_limit = -5};
    load(dir, &o, BCN_ERR_INVALID_ARG, "negative");
    o = (bcn_data_options){.validation = -2};
    load(dir, &o, BCN_ERR_INVALID_ARG, "negative");
    load("", NULL, BCN_ERR_INVALID_ARG, NULL);
    load(NULL, NULL, BCN_ERR_INVALID_ARG, NULL);
    cr_assert_eq(bcn_dataset_load(ctx, dir, NULL, NULL), BCN_ERR_INVALID_ARG);
    bcn_dataset_free(NULL);
}

Test(dataset, missing_directory_and_member)
{
    char *p = fx_path(dir, "nope");
    load(p, NULL, BCN_ERR_IO, p);
    free(p);
    /* Remove the test labels: the message names the missing member. */
    p = fx_path(dir, "t10k-labels-idx1-ubyte.gz");
    cr_assert_eq(unlink(p), 0);
    free(p);
    load(dir, NULL, BCN_ERR_IO, "t10k-labels-idx1-ubyte");
}

Test(dataset, label_count_must_match_images)
{
    /* 4 test labels for 5 test images. */
    uint8_t lbl[4] = {1, 2, 3, 4};
    const uint32_t dl[1] = {4};
    char *p = fx_path(dir, "t10k-labels-idx1-ubyte.gz");
    fx_write_idx(p, 1, 0x08, 1, dl, lbl, 4, NULL, 0);
    load(dir, NULL, BCN_ERR_FORMAT, p);
    cr_assert(strstr(bcn_errmsg(ctx), "4 labels") && strstr(bcn_errmsg(ctx), "5 images"),
              "%s", bcn_errmsg(ctx));
    free(p);
}

Test(dataset, labels_out_of_range)
{
    uint8_t lbl[N_TRAIN];
    for (int i = 0; i < N_TRAIN; i++)
        lbl[i] = label(0, i);
    lbl[7] = 10;
    lbl[9] = 200;
    const uint32_t dl[1] = {N_TRAIN};
    char *p = fx_path(dir, "train-labels-idx1-ubyte");
    fx_write_idx(p, 0, 0x08, 1, dl, lbl, N_TRAIN, NULL, 0);
    load(dir, NULL, BCN_ERR_FORMAT, p);
    cr_assert(strstr(bcn_errmsg(ctx), "label 7 is 10"), "%s", bcn_errmsg(ctx));
    free(p);
}

Test(dataset, image_shapes)
{
    /* 2-D images file (no rows x cols). */
    uint8_t img[N_TEST * DIM] = {0};
    const uint32_t d2[2] = {N_TEST, DIM};
    char *p = fx_path(dir, "t10k-images-idx3-ubyte");
    fx_write_idx(p, 0, 0x08, 2, d2, img, sizeof img, NULL, 0);
    load(dir, NULL, BCN_ERR_FORMAT, p);
    cr_assert(strstr(bcn_errmsg(ctx), "3-D"), "%s", bcn_errmsg(ctx));
    /* Test images of a different shape from the training images. */
    const uint32_t d3[3] = {N_TEST, COLS, ROWS};
    fx_write_idx(p, 0, 0x08, 3, d3, img, sizeof img, NULL, 0);
    load(dir, NULL, BCN_ERR_FORMAT, "4x3");
    free(p);
}

Test(dataset, broken_member_is_reported_with_its_path)
{
    char *p = fx_path(dir, "train-images-idx3-ubyte.gz");
    fx_write_raw(p, "garbage!", 8, 1);
    load(dir, NULL, BCN_ERR_FORMAT, p);
    free(p);
}

Test(dataset, batch_gathers_rows_and_one_hot_targets)
{
    bcn_dataset *ds = load(dir, NULL, BCN_OK, NULL);
    const int idx[3] = {3, 0, 3};
    float x[3 * DIM], t[3 * 10];
    memset(x, 0xff, sizeof x);
    memset(t, 0xff, sizeof t);
    bcn_dataset_batch(ds, &ds->train, idx, 3, x, t);
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < DIM; j++)
            cr_assert_eq(x[i * DIM + j], (float)pixel(0, idx[i], j) / 255.0f);
        for (int c = 0; c < 10; c++)
            cr_assert_eq(t[i * 10 + c], c == label(0, idx[i]) ? 1.0f : 0.0f, "row %d class %d",
                         i, c);
    }
    bcn_dataset_free(ds);
}

Test(dataset, named_sets_not_installed)
{
    struct stat sb;
    if (stat("/usr/share/datasets/mnist", &sb) == 0)
        cr_skip_test("MNIST is installed; its missing-package message cannot be tested");
    load("mnist", NULL, BCN_ERR_IO, "apt-get install dataset-mnist");
}

Test(dataset, real_fashion_mnist, .timeout = 120)
{
    struct stat sb;
    if (stat("/usr/share/datasets/fashion-mnist", &sb) != 0)
        cr_skip_test("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
    bcn_data_options o = {.validation = 5000};
    bcn_dataset *ds = NULL;
    bcn_status st = bcn_dataset_load(ctx, "fashion-mnist", &o, &ds);
    cr_assert_eq(st, BCN_OK, "%s", bcn_errmsg(ctx));
    cr_assert_str_eq(ds->name, "fashion-mnist");
    cr_assert_eq(ds->rows, 28);
    cr_assert_eq(ds->cols, 28);
    cr_assert_eq(ds->dim, 784);
    cr_assert_eq(ds->train.n + ds->val.n, 60000);
    cr_assert_eq(ds->val.n, 5000);
    cr_assert_eq(ds->test.n, 10000);
    /* Fashion-MNIST is balanced: 6000 per class in train, 1000 in test. */
    long hist[10] = {0}, hist_test[10] = {0};
    for (int i = 0; i < ds->train.n; i++)
        hist[ds->train.y[i]]++;
    for (int i = 0; i < ds->val.n; i++)
        hist[ds->val.y[i]]++;
    for (int i = 0; i < ds->test.n; i++)
        hist_test[ds->test.y[i]]++;
    for (int c = 0; c < 10; c++) {
        cr_assert_eq(hist[c], 6000, "class %d has %ld training examples", c, hist[c]);
        cr_assert_eq(hist_test[c], 1000, "class %d has %ld test examples", c, hist_test[c]);
    }
    /* Values in [0, 1], both ends reached, and not all of one value. */
    float lo = 1, hi = 0;
    double sum = 0;
    for (size_t i = 0; i < (size_t)ds->train.n * 784; i++) {
        float v = ds->train.x[i];
        cr_assert(v >= 0.0f && v <= 1.0f, "value %g at %zu", (double)v, i);
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        sum += v;
    }
    cr_assert_eq(lo, 0.0f);
    cr_assert_eq(hi, 1.0f);
    double mean = sum / ((double)ds->train.n * 784);
    /* Fashion-MNIST's mean pixel is 72.94/255 = 0.286 (0.2860 in the
     * literature); this subset is 55000 of the 60000 images. */
    cr_assert(mean > 0.27 && mean < 0.30, "mean pixel %g", mean);
    bcn_dataset_free(ds);
}
