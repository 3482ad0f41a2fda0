/*
 * fuzz_cifar.c — libFuzzer target for the CIFAR-10 reader and the
 * augmentation (not part of `make check`).
 *
 * Once, it writes a temporary CIFAR-10 directory of valid one-record batches.
 * Each input is then: one byte of options (which of the six files the rest
 * replaces, cifar10:DIR or the plain directory, limits, validation,
 * normalisation), then the bytes of that file. The dataset is loaded through
 * bcn_dataset_load; on success every label must be 0..9 and every value
 * finite and in range, and a batch of the test split is augmented with a
 * generator seeded from the input.
 *
 * How to build, seed and run it: tests/fuzz/README.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "burstccn.h"
#include "fuzz_entry.h"

#define RECORD 3073

static const char *const names[6] = {"data_batch_1.bin", "data_batch_2.bin",
                                     "data_batch_3.bin", "data_batch_4.bin",
                                     "data_batch_5.bin", "test_batch.bin"};
static char dir[256];
static char source[300];
static uint8_t valid[RECORD]; /* one valid record, label 3 */
static int last_target = -1;

static void write_file(int k, const uint8_t *data, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, names[k]);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (n && fwrite(data, 1, n, f) != n)
        abort();
    if (fclose(f) != 0)
        abort();
}

/* Remove the directory at exit (libFuzzer exits normally at the end of a
 * timed run; after a crash the directory stays, with the failing files). */
static void cleanup(void)
{
    char path[512];
    for (int k = 0; k < 6; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        unlink(path);
    }
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/bcn-fuzz-cifar-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        abort();
    valid[0] = 3;
    for (int i = 1; i < RECORD; i++)
        valid[i] = (uint8_t)(i * 13);
    for (int k = 0; k < 6; k++)
        write_file(k, valid, RECORD);
    atexit(cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t opt = data[0];
    int target = opt % 6;           /* which file the payload replaces */
    int plain = (opt / 6) % 2;      /* plain directory or cifar10:DIR */
    int lim = (opt / 12) % 3;       /* 0 none, 1 small limits, 2 validation */
    int norm = (opt / 36) % 3 - 1;  /* -1, 0, 1 */
    if (last_target >= 0 && last_target != target)
        write_file(last_target, valid, RECORD);
    write_file(target, data + 1, size - 1);
    last_target = target;

    bcn_data_options o = {.normalize = norm};
    if (lim == 1) {
        o.train_limit = 3;
        o.test_limit = 2;
    } else if (lim == 2) {
        o.validation = 2;
    }
    snprintf(source, sizeof source, "%s%s", plain ? "" : "cifar10:", dir);

    bcn_ctx *ctx = bcn_ctx_new();
    if (!ctx)
        return 0;
    bcn_dataset *ds = NULL;
    bcn_status st = bcn_dataset_load(ctx, source, &o, &ds);
    if (st != BCN_OK) {
        /* Every failure carries a message. */
        if (ds || !*bcn_errmsg(ctx))
            abort();
        bcn_ctx_free(ctx);
        return 0;
    }
    if (ds->dim != 3072 || ds->channels != 3 || ds->train.n < 1)
        abort();
    const bcn_split *splits[3] = {&ds->train, &ds->val, &ds->test};
    float lo = ds->normalized ? -2.2f : 0.0f, hi = ds->normalized ? 2.7f : 1.0f;
    for (int s = 0; s < 3; s++)
        for (int i = 0; i < splits[s]->n; i++) {
            if (splits[s]->y[i] > 9)
                abort();
            for (int j = 0; j < ds->dim; j++) {
                float v = splits[s]->x[(size_t)i * 3072 + j];
                if (!isfinite(v) || v < lo || v > hi)
                    abort();
            }
        }
    if (ds->test.n > 0) {
        int n = ds->test.n < 8 ? ds->test.n : 8;
        int idx[8];
        for (int i = 0; i < n; i++)
            idx[i] = i;
        float *x = malloc((size_t)n * 3072 * sizeof *x);
        if (x) {
            bcn_rng rng;
            bcn_rng_seed(&rng, size);
            bcn_dataset_batch(ds, &ds->test, idx, n, x, NULL);
            if (bcn_dataset_augment(ctx, ds, &rng, x, n) != BCN_OK)
                abort();
            for (size_t j = 0; j < (size_t)n * 3072; j++)
                if (!isfinite(x[j]) || x[j] < lo || x[j] > hi)
                    abort();
            free(x);
        }
    }
    bcn_dataset_free(ds);
    bcn_ctx_free(ctx);
    return 0;
}
