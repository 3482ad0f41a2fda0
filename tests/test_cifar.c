/*
 * test_cifar.c — CIFAR-10 input: small batches in the binary format written
 * at test time (5 training files of 2-3 records and a test file of 4; every
 * byte derived from file, record, channel and position), the cifar10:DIR
 * and plain-directory forms, per-channel normalisation, limits and the
 * validation split, every bad-file case, and the seeded crop/flip
 * augmentation. CIFAR-10 itself is not needed.
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

static bcn_dataset *load(const char *src, const bcn_data_options *o, bcn_status want,
                         const char *words)
{
    return fx_load(ctx, src, o, want, words, NULL);
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
    fx_load(ctx, "cifar10", NULL, BCN_ERR_IO, "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
          "cifar10:PATH");
    cr_assert(strstr(bcn_errmsg(ctx), "BURSTCCN_CIFAR10"), "%s", bcn_errmsg(ctx));
    cr_assert_eq(setenv("BURSTCCN_CIFAR10", dir, 1), 0);
    bcn_dataset *ds = load("cifar10", NULL, BCN_OK, NULL);
    check_shape(ds, 1);
    cr_assert_str_eq(ds->path, dir);
    bcn_dataset_free(ds);
    char *nope = fx_path(dir, "nope");
    cr_assert_eq(setenv("BURSTCCN_CIFAR10", nope, 1), 0);
    fx_load(ctx, "cifar10", NULL, BCN_ERR_IO, nope, "cifar-10-binary.tar.gz");
    free(nope);
}

Test(cifar, bad_sources)
{
    load("cifar10:", NULL, BCN_ERR_INVALID_ARG, "names no directory");
    char *nope = fx_path(dir, "nope");
    char *src = cifar_source(nope);
    fx_load(ctx, src, NULL, BCN_ERR_IO, nope, "cifar-10-binary.tar.gz");
    free(src);
    free(nope);

    /* A directory with neither format says what it looked for. */
    char *empty = fx_tmpdir();
    fx_load(ctx, empty, NULL, BCN_ERR_IO, "train-images-idx3-ubyte", "data_batch_1.bin");
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
    fx_load(ctx, dir, &o, BCN_ERR_FORMAT, p, "record 1 (from 0; byte offset 3073) has label 10");
    free(p);
    p = fx_path(dir, "test_batch.bin");
    o = (bcn_data_options){.train_limit = 6};
    fx_load(ctx, dir, &o, BCN_ERR_FORMAT, p, "record 3 (from 0; byte offset 9219) has label 255");
    free(p);
}

Test(cifar, label_10_is_reported_with_file_and_record)
{
    set_label(0, 1, 10);
    char *p = fx_path(dir, "data_batch_1.bin");
    fx_load(ctx, dir, NULL, BCN_ERR_FORMAT, p, "record 1 (from 0; byte offset 3073) has label 10");
    cr_assert(strstr(bcn_errmsg(ctx), "0 to 9"), "%s", bcn_errmsg(ctx));
    free(p);
}

Test(cifar, missing_batch)
{
    /* Reported whatever the limits: every file must be there. */
    char *p = fx_path(dir, "data_batch_4.bin");
    cr_assert_eq(unlink(p), 0);
    bcn_data_options o = {.train_limit = 1};
    fx_load(ctx, dir, &o, BCN_ERR_IO, dir, "has no 'data_batch_4.bin'");
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
    fx_load(ctx, dir, &o, BCN_ERR_FORMAT, p, "truncated");
    cr_assert(strstr(bcn_errmsg(ctx), "9119 bytes") && strstr(bcn_errmsg(ctx), "2 records"),
              "%s", bcn_errmsg(ctx));
    free(p);
}

Test(cifar, size_not_a_whole_number_of_records)
{
    write_file(dir, 5, N_TEST, 5, 0);
    char *p = fx_path(dir, "test_batch.bin");
    fx_load(ctx, dir, NULL, BCN_ERR_FORMAT, p, "not a whole number of 3073-byte records");
    cr_assert(strstr(bcn_errmsg(ctx), "5 bytes over"), "%s", bcn_errmsg(ctx));
    free(p);

    /* Shorter than one record. */
    write_file(dir, 4, 0, 100, 0);
    p = fx_path(dir, "data_batch_5.bin");
    fx_load(ctx, dir, NULL, BCN_ERR_FORMAT, p, "0 records and 100 bytes over");
    free(p);
}

Test(cifar, empty_file)
{
    write_file(dir, 2, 0, 0, 0);
    char *p = fx_path(dir, "data_batch_3.bin");
    fx_load(ctx, dir, NULL, BCN_ERR_FORMAT, p, "is empty");
    free(p);
}

Test(cifar, directory_in_place_of_a_batch)
{
    char *p = fx_path(dir, "data_batch_2.bin");
    cr_assert_eq(unlink(p), 0);
    cr_assert_eq(mkdir(p, 0700), 0);
    fx_load(ctx, dir, NULL, BCN_ERR_FORMAT, p, "is a directory");
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
    fx_load(ctx, d, &o, BCN_ERR_INVALID_ARG, "per-channel normalisation is defined for CIFAR-10 only",
          d);
    fx_rmtree(d);
}

/* --------------------------------------------------------- augmentation */

/* The expected augmentation of one C x H x W image, built the long way:
 * the padded (H+8) x (W+8) image, its crop at (dy, dx), then the flip. */
static void reference_augment(const float *in, float *out, int C, int H, int W,
                              const float *pad, int dy, int dx, int flip)
{
    int PH = H + 8, PW = W + 8;
    float *padded = malloc((size_t)C * PH * PW * sizeof *padded);
    float *crop = malloc((size_t)C * H * W * sizeof *crop);
    cr_assert(padded && crop);
    for (int c = 0; c < C; c++)
        for (int i = 0; i < PH; i++)
            for (int j = 0; j < PW; j++) {
                int inside = i >= 4 && i < H + 4 && j >= 4 && j < W + 4;
                padded[(c * PH + i) * PW + j] =
                    inside ? in[(c * H + (i - 4)) * W + (j - 4)] : pad[c];
            }
    for (int c = 0; c < C; c++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                crop[(c * H + y) * W + x] = padded[(c * PH + y + dy) * PW + x + dx];
    for (int c = 0; c < C; c++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                out[(c * H + y) * W + x] = crop[(c * H + y) * W + (flip ? W - 1 - x : x)];
    free(padded);
    free(crop);
}

/* Augment `batch` images of ds with seed `seed` and compare each with the
 * reference for the offsets a second generator of the same seed draws;
 * the histograms of dy, dx and flip are added to `hist` (9 + 9 + 2). */
static void check_augment(const bcn_dataset *ds, const float *x0, int batch, uint64_t seed,
                          long hist[20])
{
    size_t dim = (size_t)ds->dim;
    float *x = malloc((size_t)batch * dim * sizeof *x);
    float *want = malloc(dim * sizeof *want);
    cr_assert(x && want);
    memcpy(x, x0, (size_t)batch * dim * sizeof *x);
    bcn_rng rng, again;
    bcn_rng_seed(&rng, seed);
    bcn_rng_seed(&again, seed);
    cr_assert_eq(bcn_dataset_augment(ctx, ds, &rng, x, batch), BCN_OK, "%s", bcn_errmsg(ctx));
    for (int i = 0; i < batch; i++) {
        int dy = (int)bcn_rng_below(&again, 9);
        int dx = (int)bcn_rng_below(&again, 9);
        int flip = (int)bcn_rng_below(&again, 2);
        if (hist) {
            hist[dy]++;
            hist[9 + dx]++;
            hist[18 + flip]++;
        }
        reference_augment(x0 + (size_t)i * dim, want, ds->channels, ds->rows, ds->cols,
                          ds->pad_value, dy, dx, flip);
        for (size_t j = 0; j < dim; j++)
            cr_assert_eq(x[(size_t)i * dim + j], want[j],
                         "image %d (dy %d dx %d flip %d) value %zu: %g, want %g", i, dy, dx,
                         flip, j, (double)x[(size_t)i * dim + j], (double)want[j]);
    }
    /* Exactly three draws per image, nothing more. */
    cr_assert_eq(memcmp(rng.s, again.s, sizeof rng.s), 0, "the generators diverged");
    free(x);
    free(want);
}

Test(cifar, augmentation_matches_the_padded_crop_and_flip)
{
    bcn_dataset *ds = load(dir, NULL, BCN_OK, NULL);
    const int batch = 40;
    float *x0 = malloc((size_t)batch * PIXELS * sizeof *x0);
    int idx[40];
    for (int i = 0; i < batch; i++)
        idx[i] = (i * 5) % N_TRAIN;
    bcn_dataset_batch(ds, &ds->train, idx, batch, x0, NULL);
    long hist[20] = {0};
    check_augment(ds, x0, batch, 20240611, hist);
    check_augment(ds, x0, batch, 7, hist);
    bcn_dataset_free(ds);

    /* Not normalised: padding is 0. */
    bcn_data_options o = {.normalize = -1};
    ds = load(dir, &o, BCN_OK, NULL);
    bcn_dataset_batch(ds, &ds->train, idx, batch, x0, NULL);
    check_augment(ds, x0, batch, 99, NULL);
    bcn_dataset_free(ds);
    free(x0);
}

Test(cifar, augmentation_pads_with_what_a_zero_pixel_becomes)
{
    bcn_dataset *ds = load(dir, NULL, BCN_OK, NULL);
    const int batch = 64;
    float *x = malloc((size_t)batch * PIXELS * sizeof *x);
    int idx[64] = {0};
    bcn_dataset_batch(ds, &ds->train, idx, batch, x, NULL);
    bcn_rng rng, again;
    bcn_rng_seed(&rng, 3);
    bcn_rng_seed(&again, 3);
    cr_assert_eq(bcn_dataset_augment(ctx, ds, &rng, x, batch), BCN_OK);
    int top = 0, left = 0;
    for (int i = 0; i < batch; i++) {
        int dy = (int)bcn_rng_below(&again, 9);
        int dx = (int)bcn_rng_below(&again, 9);
        int flip = (int)bcn_rng_below(&again, 2);
        const float *img = x + (size_t)i * PIXELS;
        /* dy = 0: the first 4 rows are padding; dx = 0 without a flip: the
         * first 4 columns (with a flip, the last 4). */
        for (int c = 0; c < 3; c++) {
            float pad = (float)(-mean[c] / stdev[c]);
            if (dy == 0)
                for (int y = 0; y < 4; y++)
                    for (int xx = 0; xx < SIDE; xx++)
                        cr_assert(fabsf(img[c * PLANE + y * SIDE + xx] - pad) <= 1e-6f,
                                  "image %d channel %d (%d,%d): %g, want %g", i, c, y, xx,
                                  (double)img[c * PLANE + y * SIDE + xx], (double)pad);
            if (dx == 0)
                for (int y = 0; y < SIDE; y++)
                    for (int k = 0; k < 4; k++) {
                        int xx = flip ? SIDE - 1 - k : k;
                        cr_assert(fabsf(img[c * PLANE + y * SIDE + xx] - pad) <= 1e-6f,
                                  "image %d channel %d (%d,%d)", i, c, y, xx);
                    }
        }
        top += dy == 0;
        left += dx == 0;
    }
    cr_assert(top > 0 && left > 0, "seed 3 drew no zero offset in %d images", batch);
    free(x);
    bcn_dataset_free(ds);
}

Test(cifar, augmentation_draws_every_offset_and_both_flips)
{
    /* A hand-made 1 x 10 x 12 dataset whose pixels are all different: the
     * offsets can be read back from the output alone. */
    bcn_dataset ds;
    memset(&ds, 0, sizeof ds);
    ds.channels = 1;
    ds.rows = 10;
    ds.cols = 12;
    ds.dim = 120;
    ds.n_classes = 10;
    ds.pad_value[0] = -1.0f;
    const int batch = 2000;
    float *x0 = malloc((size_t)batch * 120 * sizeof *x0), *x = malloc((size_t)batch * 120 * sizeof *x);
    for (int i = 0; i < batch * 120; i++)
        x0[i] = (float)(i % 120);
    memcpy(x, x0, (size_t)batch * 120 * sizeof *x);
    bcn_rng rng;
    bcn_rng_seed(&rng, 12345);
    cr_assert_eq(bcn_dataset_augment(ctx, &ds, &rng, x, batch), BCN_OK, "%s", bcn_errmsg(ctx));
    long seen[20] = {0};
    for (int i = 0; i < batch; i++) {
        const float *img = x + (size_t)i * 120;
        /* Row 5, columns 5 and 6 always come from inside the image. */
        int a = (int)img[5 * 12 + 5], b = (int)img[5 * 12 + 6];
        cr_assert(a >= 0 && b >= 0, "image %d: centre is padding", i);
        int flip = b < a;
        int dy = a / 12 - 5 + 4;
        int dx = a % 12 - (flip ? 12 - 1 - 5 : 5) + 4;
        cr_assert(dy >= 0 && dy < 9 && dx >= 0 && dx < 9, "image %d: dy %d dx %d", i, dy, dx);
        seen[dy]++;
        seen[9 + dx]++;
        seen[18 + flip]++;
    }
    for (int k = 0; k < 9; k++) {
        cr_assert(seen[k] > 0, "dy = %d never drawn in %d images", k, batch);
        cr_assert(seen[9 + k] > 0, "dx = %d never drawn in %d images", k, batch);
    }
    cr_assert(seen[18] > 0 && seen[19] > 0, "flips %ld / %ld", seen[18], seen[19]);
    /* And each image is exactly the reference for those offsets. */
    long hist[20] = {0};
    check_augment(&ds, x0, batch, 12345, hist);
    for (int k = 0; k < 20; k++)
        cr_assert_eq(hist[k], seen[k], "histogram bin %d", k);
    free(x0);
    free(x);
}

Test(cifar, augmentation_of_idx_images)
{
    /* 1 x 3 x 4 images: the padding is wider than the image. */
    char *d = fx_tmpdir();
    write_idx_set(d);
    bcn_dataset *ds = load(d, NULL, BCN_OK, NULL);
    const int idx[5] = {0, 1, 2, 3, 4};
    float x0[5 * 12];
    bcn_dataset_batch(ds, &ds->train, idx, 5, x0, NULL);
    long hist[20] = {0};
    for (uint64_t seed = 0; seed < 50; seed++)
        check_augment(ds, x0, 5, seed, hist);
    bcn_dataset_free(ds);
    fx_rmtree(d);
}

Test(cifar, augmentation_errors)
{
    bcn_dataset *ds = load(dir, NULL, BCN_OK, NULL);
    bcn_rng rng;
    bcn_rng_seed(&rng, 1);
    float x[PIXELS];
    cr_assert_eq(bcn_dataset_augment(ctx, NULL, &rng, x, 1), BCN_ERR_INVALID_ARG);
    cr_assert(strstr(bcn_errmsg(ctx), "NULL dataset"), "%s", bcn_errmsg(ctx));
    cr_assert_eq(bcn_dataset_augment(ctx, ds, NULL, x, 1), BCN_ERR_INVALID_ARG);
    cr_assert(strstr(bcn_errmsg(ctx), "NULL random generator"), "%s", bcn_errmsg(ctx));
    cr_assert_eq(bcn_dataset_augment(ctx, ds, &rng, NULL, 1), BCN_ERR_INVALID_ARG);
    cr_assert(strstr(bcn_errmsg(ctx), "NULL batch"), "%s", bcn_errmsg(ctx));
    cr_assert_eq(bcn_dataset_augment(ctx, ds, &rng, x, -1), BCN_ERR_INVALID_ARG);
    cr_assert(strstr(bcn_errmsg(ctx), "batch is -1"), "%s", bcn_errmsg(ctx));
    cr_assert_eq(bcn_dataset_augment(NULL, ds, &rng, x, -1), BCN_ERR_INVALID_ARG);
    /* batch 0 draws nothing and touches nothing. */
    bcn_rng before = rng;
    cr_assert_eq(bcn_dataset_augment(ctx, ds, &rng, NULL, 0), BCN_OK);
    cr_assert_eq(memcmp(before.s, rng.s, sizeof rng.s), 0);
    /* A shape that is not channels x rows x cols. */
    bcn_dataset bad = *ds;
    bad.channels = 0;
    cr_assert_eq(bcn_dataset_augment(ctx, &bad, &rng, x, 1), BCN_ERR_INVALID_ARG);
    cr_assert(strstr(bcn_errmsg(ctx), "shape"), "%s", bcn_errmsg(ctx));
    bad = *ds;
    bad.dim = 784;
    cr_assert_eq(bcn_dataset_augment(ctx, &bad, &rng, x, 1), BCN_ERR_INVALID_ARG);
    bad = *ds;
    bad.channels = 4;
    bad.dim = 4 * 1024;
    cr_assert_eq(bcn_dataset_augment(ctx, &bad, &rng, x, 1), BCN_ERR_INVALID_ARG);
    bcn_dataset_free(ds);
}
