/*
 * test_cifar.c — CIFAR-10 input: small batches in the binary format written
 * at test time (5 training files of 2-3 records and a test file of 4; every
 * byte derived from file, record, channel and position), the cifar10:DIR
 * and plain-directory forms, per-channel normalisation, limits and the
 * validation split, and every bad-file case. CIFAR-10 itself is not needed.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burstccn.h"
#include "idx_fixture.h"

#define SIDE 32
#define PLANE (SIDE * SIDE)
#define PIXELS (3 * PLANE)
#define RECORD (1 + PIXELS)
#define N_TRAIN 12
#define N_TEST 4

static const int n_per_file[6] = {2, 3, 2, 3, 2, N_TEST};
static const char *const file_names[6] = {"data_batch_1.bin", "data_batch_2.bin",
                                          "data_batch_3.bin", "data_batch_4.bin",
                                          "data_batch_5.bin", "test_batch.bin"};
static const double mean[3] = {0.485, 0.456, 0.406};
static const double stdev[3] = {0.229, 0.224, 0.225};

static char *dir;
static bcn_ctx *ctx;

/* The byte of channel c, row y, column x of record r of file f: a pattern in
 * which swapping channels, rows and columns, records or files all show. */
static uint8_t byte_of(int f, int r, int c, int y, int x)
{
    return (uint8_t)(7 * x + 29 * y + 85 * c + 31 * r + 13 * f + 3 * (y / 8));
}
static uint8_t label_of(int f, int r) { return (uint8_t)((3 * f + r + 1) % 10); }

/* One record in the file's layout: label, then R, G, B planes row-major. */
static void make_record(uint8_t *rec, int f, int r)
{
    rec[0] = label_of(f, r);
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < SIDE; y++)
            for (int x = 0; x < SIDE; x++)
                rec[1 + c * PLANE + y * SIDE + x] = byte_of(f, r, c, y, x);
}

/* Write file f of the fixture into d: its n records, then `extra` more
 * bytes (a cut record when extra > 0), or `cut` fewer when cut > 0. */
static void write_file(const char *d, int f, int n, size_t extra, size_t cut)
{
    size_t len = (size_t)n * RECORD + extra;
    uint8_t *buf = calloc(len ? len : 1, 1);
    cr_assert_not_null(buf);
    for (int r = 0; r < n; r++)
        make_record(buf + (size_t)r * RECORD, f, r);
    for (size_t i = (size_t)n * RECORD; i < len; i++)
        buf[i] = (uint8_t)i;
    char *p = fx_path(d, file_names[f]);
    fx_write_raw(p, buf, len - cut, 0);
    free(p);
    free(buf);
}

static void write_all(const char *d)
{
    for (int f = 0; f < 6; f++)
        write_file(d, f, n_per_file[f], 0, 0);
}

/* Overwrite the label byte of record r of file f. */
static void set_label(int f, int r, uint8_t v)
{
    char *p = fx_path(dir, file_names[f]);
    FILE *fp = fopen(p, "r+b");
    cr_assert_not_null(fp, "%s", p);
    cr_assert_eq(fseek(fp, (long)r * RECORD, SEEK_SET), 0);
    cr_assert_eq(fwrite(&v, 1, 1, fp), 1u);
    cr_assert_eq(fclose(fp), 0);
    free(p);
}

static void setup(void)
{
    dir = fx_tmpdir();
    ctx = bcn_ctx_new();
    cr_assert_not_null(ctx);
    write_all(dir);
}

static void teardown(void)
{
    bcn_ctx_free(ctx);
    fx_rmtree(dir);
}

TestSuite(cifar, .init = setup, .fini = teardown);

/* Training example g (0..11) of the fixture: which file and record. */
static void train_origin(int g, int *f, int *r)
{
    int k = 0;
    while (g >= n_per_file[k])
        g -= n_per_file[k++];
    *f = k;
    *r = g;
}

/* The float a byte becomes, computed here in double from SPEC §10. */
static double expected_value(uint8_t b, int c, int normalized)
{
    double v = (double)b / 255.0;
    return normalized ? (v - mean[c]) / stdev[c] : v;
}

/* Assert that split example k holds record r of file f. */
static void check_example(const bcn_split *s, int k, int f, int r, int normalized)
{
    cr_assert_eq(s->y[k], label_of(f, r), "label of example %d (file %d record %d)", k, f, r);
    const float *img = s->x + (size_t)k * PIXELS;
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < SIDE; y++)
            for (int x = 0; x < SIDE; x++) {
                uint8_t b = byte_of(f, r, c, y, x);
                float got = img[c * 1024 + y * 32 + x];
                if (!normalized) {
                    /* Exactly the IDX reader's scaling. */
                    cr_assert_eq(got, (float)b / 255.0f, "example %d (%d,%d,%d): %g for byte %u",
                                 k, c, y, x, (double)got, b);
                } else {
                    double want = expected_value(b, c, 1);
                    cr_assert(fabs(got - want) <= 1e-6 * fmax(1.0, fabs(want)),
                              "example %d (%d,%d,%d): %.9g, want %.9g", k, c, y, x, (double)got,
                              want);
                }
            }
}

static void check_train(const bcn_split *s, int first_g, int n, int normalized)
{
    for (int k = 0; k < n; k++) {
        int f, r;
        train_origin(first_g + k, &f, &r);
        check_example(s, k, f, r, normalized);
    }
}

/* Load with options, expecting `want`; on error check the message holds
 * `words` and, when given, `words2`. */
static bcn_dataset *load2(const char *src, const bcn_data_options *o, bcn_status want,
                          const char *words, const char *words2)
{
    bcn_dataset *ds = (bcn_dataset *)0x1;
    bcn_status st = bcn_dataset_load(ctx, src, o, &ds);
    cr_assert_eq(st, want, "status %d (%s), want %d: %s", st, bcn_status_str(st), want,
                 bcn_errmsg(ctx));
    if (want != BCN_OK) {
        cr_assert_null(ds);
        if (words)
            cr_assert(strstr(bcn_errmsg(ctx), words), "message lacks '%s': %s", words,
                      bcn_errmsg(ctx));
        if (words2)
            cr_assert(strstr(bcn_errmsg(ctx), words2), "message lacks '%s': %s", words2,
                      bcn_errmsg(ctx));
        return NULL;
    }
    return ds;
}

static bcn_dataset *load(const char *src, const bcn_data_options *o, bcn_status want,
                         const char *words)
{
    return load2(src, o, want, words, NULL);
}

static char *cifar_source(const char *d)
{
    size_t n = strlen(d) + 9;
    char *s = malloc(n);
    cr_assert_not_null(s);
    snprintf(s, n, "cifar10:%s", d);
    return s;
}

static void check_shape(const bcn_dataset *ds, int normalized)
{
    cr_assert_str_eq(ds->name, "cifar10");
    cr_assert_eq(ds->channels, 3);
    cr_assert_eq(ds->rows, 32);
    cr_assert_eq(ds->cols, 32);
    cr_assert_eq(ds->dim, 3072);
    cr_assert_eq(ds->n_classes, 10);
    cr_assert_eq(ds->normalized, normalized);
    for (int c = 0; c < 3; c++) {
        double want = normalized ? -mean[c] / stdev[c] : 0.0;
        cr_assert(fabs(ds->pad_value[c] - want) <= 1e-6, "pad_value[%d] = %.9g, want %.9g", c,
                  (double)ds->pad_value[c], want);
    }
}

Test(cifar, prefix_form_reads_every_record_in_order)
{
    char *src = cifar_source(dir);
    bcn_data_options o = {.normalize = -1};
    bcn_dataset *ds = load(src, &o, BCN_OK, NULL);
    check_shape(ds, 0);
    cr_assert_str_eq(ds->path, dir);
    cr_assert_eq(ds->train.n, N_TRAIN);
    cr_assert_eq(ds->val.n, 0);
    cr_assert_eq(ds->test.n, N_TEST);
    check_train(&ds->train, 0, N_TRAIN, 0);
    for (int k = 0; k < N_TEST; k++)
        check_example(&ds->test, k, 5, k, 0);
    bcn_dataset_free(ds);
    free(src);
}

Test(cifar, plain_directory_is_detected_and_normalised_by_default)
{
    bcn_dataset *ds = load(dir, NULL, BCN_OK, NULL);
    check_shape(ds, 1);
    cr_assert_str_eq(ds->path, dir);
    cr_assert_eq(ds->train.n, N_TRAIN);
    cr_assert_eq(ds->test.n, N_TEST);
    check_train(&ds->train, 0, N_TRAIN, 1);
    for (int k = 0; k < N_TEST; k++)
        check_example(&ds->test, k, 5, k, 1);
    bcn_dataset_free(ds);

    /* normalize = 1 is the same as the default. */
    bcn_data_options o = {.normalize = 1};
    ds = load(dir, &o, BCN_OK, NULL);
    check_shape(ds, 1);
    check_train(&ds->train, 0, N_TRAIN, 1);
    bcn_dataset_free(ds);
}

Test(cifar, archive_subdirectory_is_found)
{
    /* The archive unpacks to cifar-10-batches-bin/: its parent works too. */
    char *parent = fx_tmpdir();
    char *sub = fx_path(parent, "cifar-10-batches-bin");
    cr_assert_eq(mkdir(sub, 0700), 0);
    write_all(sub);
    char *src = cifar_source(parent);
    bcn_dataset *ds = load(src, NULL, BCN_OK, NULL);
    cr_assert_str_eq(ds->path, sub);
    cr_assert_eq(ds->train.n, N_TRAIN);
    bcn_dataset_free(ds);
    ds = load(parent, NULL, BCN_OK, NULL);
    cr_assert_str_eq(ds->path, sub);
    cr_assert_str_eq(ds->name, "cifar10");
    bcn_dataset_free(ds);
    free(src);
    free(sub);
    fx_rmtree(parent);
}

Test(cifar, named_source_uses_the_environment)
{
    cr_assert_eq(unsetenv("BURSTCCN_CIFAR10"), 0);
    load2("cifar10", NULL, BCN_ERR_IO, "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
          "cifar10:PATH");
    cr_assert(strstr(bcn_errmsg(ctx), "BURSTCCN_CIFAR10"), "%s", bcn_errmsg(ctx));
    cr_assert_eq(setenv("BURSTCCN_CIFAR10", dir, 1), 0);
    bcn_dataset *ds = load("cifar10", NULL, BCN_OK, NULL);
    check_shape(ds, 1);
    cr_assert_str_eq(ds->path, dir);
    bcn_dataset_free(ds);
    char *nope = fx_path(dir, "nope");
    cr_assert_eq(setenv("BURSTCCN_CIFAR10", nope, 1), 0);
    load2("cifar10", NULL, BCN_ERR_IO, nope, "cifar-10-binary.tar.gz");
    free(nope);
}

Test(cifar, bad_sources)
{
    load("cifar10:", NULL, BCN_ERR_INVALID_ARG, "names no directory");
    char *nope = fx_path(dir, "nope");
    char *src = cifar_source(nope);
    load2(src, NULL, BCN_ERR_IO, nope, "cifar-10-binary.tar.gz");
    free(src);
    free(nope);

    /* A directory with neither format says what it looked for. */
    char *empty = fx_tmpdir();
    load2(empty, NULL, BCN_ERR_IO, "train-images-idx3-ubyte", "data_batch_1.bin");
    cr_assert(strstr(bcn_errmsg(ctx), empty), "%s", bcn_errmsg(ctx));
    fx_rmtree(empty);

    bcn_data_options o = {.normalize = 2};
    load(dir, &o, BCN_ERR_INVALID_ARG, "normalize is 2");
    o = (bcn_data_options){.normalize = -3};
    load(dir, &o, BCN_ERR_INVALID_ARG, "normalize is -3");
}

Test(cifar, limits_and_validation_split)
{
    /* 7 training examples span files 1-3; the last 3 are held out. */
    bcn_data_options o = {.train_limit = 7, .test_limit = 2, .validation = 3, .normalize = -1};
    bcn_dataset *ds = load(dir, &o, BCN_OK, NULL);
    cr_assert_eq(ds->train.n, 4);
    cr_assert_eq(ds->val.n, 3);
    cr_assert_eq(ds->test.n, 2);
    check_train(&ds->train, 0, 4, 0);
    check_train(&ds->val, 4, 3, 0);
    for (int k = 0; k < 2; k++)
        check_example(&ds->test, k, 5, k, 0);
    bcn_dataset_free(ds);

    /* Limits above the set size use the whole set; validation crosses files. */
    o = (bcn_data_options){.train_limit = 1000, .test_limit = 1000, .validation = 9};
    ds = load(dir, &o, BCN_OK, NULL);
    cr_assert_eq(ds->train.n, 3);
    cr_assert_eq(ds->val.n, 9);
    cr_assert_eq(ds->test.n, N_TEST);
    check_train(&ds->train, 0, 3, 1);
    check_train(&ds->val, 3, 9, 1);
    bcn_dataset_free(ds);

    o = (bcn_data_options){.validation = N_TRAIN};
    load(dir, &o, BCN_ERR_INVALID_ARG, "validation = 12");
    o = (bcn_data_options){.train_limit = 4, .validation = 4};
    load(dir, &o, BCN_ERR_INVALID_ARG, "has 4 examples");
    o = (bcn_data_options){.train_limit = -1};
    load(dir, &o, BCN_ERR_INVALID_ARG, "negative");
}

Test(cifar, limits_apply_before_reading)
{
    /* Bad labels past the limits are never read. */
    set_label(2, 1, 10);  /* training example 6 */
    set_label(5, 3, 255); /* test example 3 */
    bcn_data_options o = {.train_limit = 6, .test_limit = 3};
    bcn_dataset *ds = load(dir, &o, BCN_OK, NULL);
    cr_assert_eq(ds->train.n, 6);
    cr_assert_eq(ds->test.n, 3);
    bcn_dataset_free(ds);

    char *p = fx_path(dir, "data_batch_3.bin");
    o = (bcn_data_options){.train_limit = 7, .test_limit = 3};
    load2(dir, &o, BCN_ERR_FORMAT, p, "record 1 (from 0; byte offset 3073) has label 10");
    free(p);
    p = fx_path(dir, "test_batch.bin");
    o = (bcn_data_options){.train_limit = 6};
    load2(dir, &o, BCN_ERR_FORMAT, p, "record 3 (from 0; byte offset 9219) has label 255");
    free(p);
}

Test(cifar, label_10_is_reported_with_file_and_record)
{
    set_label(0, 1, 10);
    char *p = fx_path(dir, "data_batch_1.bin");
    load2(dir, NULL, BCN_ERR_FORMAT, p, "record 1 (from 0; byte offset 3073) has label 10");
    cr_assert(strstr(bcn_errmsg(ctx), "0 to 9"), "%s", bcn_errmsg(ctx));
    free(p);
}

Test(cifar, missing_batch)
{
    /* Reported whatever the limits: every file must be there. */
    char *p = fx_path(dir, "data_batch_4.bin");
    cr_assert_eq(unlink(p), 0);
    bcn_data_options o = {.train_limit = 1};
    load2(dir, &o, BCN_ERR_IO, dir, "has no 'data_batch_4.bin'");
    char *src = cifar_source(dir);
    load(src, NULL, BCN_ERR_IO, "data_batch_4.bin");
    free(src);
    free(p);
    p = fx_path(dir, "test_batch.bin");
    cr_assert_eq(unlink(p), 0);
    load(dir, NULL, BCN_ERR_IO, "data_batch_4.bin");
    write_file(dir, 3, 3, 0, 0);
    load(dir, NULL, BCN_ERR_IO, "has no 'test_batch.bin'");
    free(p);
}

Test(cifar, truncated_record)
{
    /* 3 records with the last one cut 100 bytes short. */
    write_file(dir, 1, 3, 0, 100);
    char *p = fx_path(dir, "data_batch_2.bin");
    bcn_data_options o = {.train_limit = 1}; /* reported whatever the limits */
    load2(dir, &o, BCN_ERR_FORMAT, p, "truncated");
    cr_assert(strstr(bcn_errmsg(ctx), "9119 bytes") && strstr(bcn_errmsg(ctx), "2 records"),
              "%s", bcn_errmsg(ctx));
    free(p);
}

Test(cifar, size_not_a_whole_number_of_records)
{
    write_file(dir, 5, N_TEST, 5, 0);
    char *p = fx_path(dir, "test_batch.bin");
    load2(dir, NULL, BCN_ERR_FORMAT, p, "not a whole number of 3073-byte records");
    cr_assert(strstr(bcn_errmsg(ctx), "5 bytes over"), "%s", bcn_errmsg(ctx));
    free(p);

    /* Shorter than one record. */
    write_file(dir, 4, 0, 100, 0);
    p = fx_path(dir, "data_batch_5.bin");
    load2(dir, NULL, BCN_ERR_FORMAT, p, "0 records and 100 bytes over");
    free(p);
}

Test(cifar, empty_file)
{
    write_file(dir, 2, 0, 0, 0);
    char *p = fx_path(dir, "data_batch_3.bin");
    load2(dir, NULL, BCN_ERR_FORMAT, p, "is empty");
    free(p);
}

Test(cifar, directory_in_place_of_a_batch)
{
    char *p = fx_path(dir, "data_batch_2.bin");
    cr_assert_eq(unlink(p), 0);
    cr_assert_eq(mkdir(p, 0700), 0);
    load2(dir, NULL, BCN_ERR_FORMAT, p, "is a directory");
    cr_assert_eq(rmdir(p), 0);
    free(p);
}

/* ------------------------------------------------------------ IDX side */

/* A 1x3x4 IDX dataset of 5 training and 2 test images in d. */
static void write_idx_set(const char *d)
{
    static const char *const names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    uint8_t img[5 * 12], lbl[5];
    for (int i = 0; i < 5 * 12; i++)
        img[i] = (uint8_t)(i * 4 + 1);
    for (int i = 0; i < 5; i++)
        lbl[i] = (uint8_t)i;
    for (int t = 0; t < 2; t++) {
        uint32_t n = t ? 2 : 5;
        const uint32_t di[3] = {n, 3, 4}, dl[1] = {n};
        char *p = fx_path(d, names[2 * t]);
        fx_write_idx(p, 0, 0x08, 3, di, img, n * 12, NULL, 0);
        free(p);
        p = fx_path(d, names[2 * t + 1]);
        fx_write_idx(p, 0, 0x08, 1, dl, lbl, n, NULL, 0);
        free(p);
    }
}

Test(cifar, idx_data_is_one_channel_and_not_normalised)
{
    char *d = fx_tmpdir();
    write_idx_set(d);
    /* A stray CIFAR file does not change an IDX directory's format. */
    write_file(d, 0, 1, 0, 0);
    bcn_dataset *ds = load(d, NULL, BCN_OK, NULL);
    cr_assert_eq(ds->channels, 1);
    cr_assert_eq(ds->rows, 3);
    cr_assert_eq(ds->cols, 4);
    cr_assert_eq(ds->dim, 12);
    cr_assert_eq(ds->normalized, 0);
    cr_assert_eq(ds->pad_value[0], 0.0f);
    cr_assert_eq(ds->train.x[1], 5.0f / 255.0f);
    bcn_dataset_free(ds);
    bcn_data_options o = {.normalize = -1};
    ds = load(d, &o, BCN_OK, NULL);
    cr_assert_eq(ds->normalized, 0);
    bcn_dataset_free(ds);
    o.normalize = 1;
    load2(d, &o, BCN_ERR_INVALID_ARG, "per-channel normalisation is defined for CIFAR-10 only",
          d);
    fx_rmtree(d);
}
