/*
 * fuzz_dataset.c — libFuzzer target for the dataset loader on a directory
 * of IDX files (bcn_dataset_load: finding the members, reading them with
 * the limits, checking them against each other, splitting, scaling).
 *
 * Once, it writes a temporary directory of four valid members (4 training
 * and 3 test images of 3x4 with their labels). Each input is then one byte
 * of options — which member the rest replaces (bits 0-1), whether the rest
 * is gzip-compressed first (bit 2; the member is then NAME.gz, else plain
 * NAME), and the limits (bits 3-4: none, train 2 / test 1, validation 1,
 * train 3 with validation 2) — then that member's bytes. On success every
 * split must be the size the limits say, every label 0..9 and every value
 * in [0, 1]; on failure the message must not be empty.
 *
 * How to build, seed and run it: tests/fuzz/README.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "burstccn.h"
#include "fuzz_entry.h"

#define ROWS 3
#define COLS 4
#define N_TRAIN 4
#define N_TEST 3

static const char *const names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                     "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
static char dir[256];
static uint8_t valid[4][16 + N_TRAIN * ROWS * COLS]; /* the valid members */
static size_t valid_len[4];
static int last = -1, last_gz; /* the member replaced by the previous input */

static void member_path(int k, int gz, char *path, size_t len)
{
    snprintf(path, len, "%s/%s%s", dir, names[k], gz ? ".gz" : "");
}

static void write_member(int k, int gz, const uint8_t *data, size_t n)
{
    char path[512];
    member_path(k, gz, path, sizeof path);
    if (gz) {
        gzFile f = gzopen(path, "wb1");
        if (!f || (n && gzwrite(f, data, (unsigned)n) != (int)n) || gzclose(f) != Z_OK)
            abort();
        return;
    }
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0)
        abort();
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Member k of the valid set: images (3-D) or labels (1-D). */
static void make_valid(int k)
{
    int test = k >= 2, images = k % 2 == 0;
    uint32_t n = test ? N_TEST : N_TRAIN;
    uint8_t *b = valid[k];
    b[0] = b[1] = 0;
    b[2] = 0x08;
    b[3] = images ? 3 : 1;
    put_be32(b + 4, n);
    size_t at = 8;
    if (images) {
        put_be32(b + 8, ROWS);
        put_be32(b + 12, COLS);
        at = 16;
        for (uint32_t i = 0; i < n * ROWS * COLS; i++)
            b[at + i] = (uint8_t)(i * 37 + (uint32_t)k);
        at += n * ROWS * COLS;
    } else {
        for (uint32_t i = 0; i < n; i++)
            b[at + i] = (uint8_t)((i * 3 + (uint32_t)k) % 10);
        at += n;
    }
    valid_len[k] = at;
}

static void cleanup(void)
{
    char path[512];
    for (int k = 0; k < 4; k++)
        for (int gz = 0; gz < 2; gz++) {
            member_path(k, gz, path, sizeof path);
            unlink(path);
        }
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/bcn-fuzz-dataset-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        abort();
    for (int k = 0; k < 4; k++) {
        make_valid(k);
        write_member(k, 0, valid[k], valid_len[k]);
    }
    atexit(cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int k = data[0] & 3, gz = (data[0] >> 2) & 1, lim = (data[0] >> 3) & 3;
    char path[512];
    /* Put back the member the previous input replaced. */
    if (last >= 0) {
        member_path(last, last_gz, path, sizeof path);
        unlink(path);
        write_member(last, 0, valid[last], valid_len[last]);
    }
    /* The plain name wins over NAME.gz: remove it when writing NAME.gz. */
    member_path(k, 0, path, sizeof path);
    unlink(path);
    write_member(k, gz, data + 1, size - 1);
    last = k;
    last_gz = gz;

    static const bcn_data_options opts[4] = {
        {0, 0, 0, 0}, {.train_limit = 2, .test_limit = 1}, {.validation = 1},
        {.train_limit = 3, .validation = 2}};
    const bcn_data_options *o = &opts[lim];
    bcn_ctx *ctx = bcn_ctx_new();
    if (!ctx)
        return 0;
    bcn_dataset *ds = NULL;
    bcn_status st = bcn_dataset_load(ctx, dir, o, &ds);
    if (st != BCN_OK) {
        if (ds || !*bcn_errmsg(ctx))
            abort();
        bcn_ctx_free(ctx);
        return 0;
    }
    if (ds->channels != 1 || ds->dim != ds->rows * ds->cols || ds->dim < 1 ||
        ds->n_classes != 10 || ds->train.n < 1 || ds->val.n != o->validation ||
        (o->train_limit && ds->train.n + ds->val.n > o->train_limit) ||
        (o->test_limit && ds->test.n > o->test_limit))
        abort();
    const bcn_split *splits[3] = {&ds->train, &ds->val, &ds->test};
    for (int s = 0; s < 3; s++)
        for (int i = 0; i < splits[s]->n; i++) {
            if (splits[s]->y[i] > 9)
                abort();
            for (int j = 0; j < ds->dim; j++) {
                float v = splits[s]->x[(size_t)i * (size_t)ds->dim + (size_t)j];
                if (!isfinite(v) || v < 0.0f || v > 1.0f)
                    abort();
            }
        }
    bcn_dataset_free(ds);
    bcn_ctx_free(ctx);
    return 0;
}
