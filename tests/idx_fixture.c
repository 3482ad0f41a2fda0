/*
 * idx_fixture.c — IDX test fixtures (see idx_fixture.h).
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "idx_fixture.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

char *fx_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *dir = malloc(4096);
    cr_assert_not_null(dir);
    snprintf(dir, 4096, "%s/bcn-test-XXXXXX", base && *base ? base : "/tmp");
    cr_assert_not_null(mkdtemp(dir), "mkdtemp failed for %s", dir);
    return dir;
}

/* nftw callback: remove one entry (children come first with FTW_DEPTH). */
static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return type == FTW_DP ? rmdir(path) : unlink(path);
}

void fx_rmtree(char *dir)
{
    if (dir)
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

char *fx_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)(n > 0 ? n : 0) + 1);
    cr_assert_not_null(s);
    size_t got = n > 0 ? fread(s, 1, (size_t)n, f) : 0;
    s[got] = '\0';
    fclose(f);
    return s;
}

char *fx_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    cr_assert_not_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

void fx_write_raw(const char *path, const void *bytes, size_t n, int gz)
{
    if (gz) {
        gzFile f = gzopen(path, "wb");
        cr_assert_not_null(f, "cannot create %s", path);
        if (n)
            cr_assert_eq(gzwrite(f, bytes, (unsigned)n), (int)n);
        cr_assert_eq(gzclose(f), Z_OK);
    } else {
        FILE *f = fopen(path, "wb");
        cr_assert_not_null(f, "cannot create %s", path);
        if (n)
            cr_assert_eq(fwrite(bytes, 1, n, f), n);
        cr_assert_eq(fclose(f), 0);
    }
}

void fx_write_idx(const char *path, int gz, uint8_t type, int ndim, const uint32_t *dims,
                  const uint8_t *data, size_t n, const uint8_t *extra, size_t n_extra)
{
    size_t total = 4 + 4 * (size_t)ndim + n + n_extra;
    uint8_t *buf = malloc(total);
    cr_assert_not_null(buf);
    buf[0] = 0;
    buf[1] = 0;
    buf[2] = type;
    buf[3] = (uint8_t)ndim;
    for (int d = 0; d < ndim; d++) {
        buf[4 + 4 * d] = (uint8_t)(dims[d] >> 24);
        buf[5 + 4 * d] = (uint8_t)(dims[d] >> 16);
        buf[6 + 4 * d] = (uint8_t)(dims[d] >> 8);
        buf[7 + 4 * d] = (uint8_t)dims[d];
    }
    if (n)
        memcpy(buf + 4 + 4 * ndim, data, n);
    if (n_extra)
        memcpy(buf + 4 + 4 * ndim + n, extra, n_extra);
    fx_write_raw(path, buf, total, gz);
    free(buf);
}

bcn_dataset *fx_load(bcn_ctx *ctx, const char *src, const bcn_data_options *o, bcn_status want,
                     const char *words, const char *words2)
{
    bcn_dataset *ds = (bcn_dataset *)0x1;
    bcn_status st = bcn_dataset_load(ctx, src, o, &ds);
    cr_assert_eq(st, want, "status %d (%s), want %d: %s", st, bcn_status_str(st), want,
                 bcn_errmsg(ctx));
    if (want != BCN_OK) {
        cr_assert_null(ds);
        const char *w[2] = {words, words2};
        for (int i = 0; i < 2; i++)
            if (w[i])
                cr_assert(strstr(bcn_errmsg(ctx), w[i]), "message lacks '%s': %s", w[i],
                          bcn_errmsg(ctx));
        return NULL;
    }
    return ds;
}

void fx_write_dataset(const char *dir, int n_train, int n_test)
{
    enum { DIMS = 784 };
    bcn_rng rng;
    bcn_rng_seed(&rng, 1234);
    for (int split = 0; split < 2; split++) {
        int n = split ? n_test : n_train;
        uint8_t *img = malloc((size_t)n * DIMS), *lbl = malloc((size_t)n);
        cr_assert(img && lbl);
        for (int i = 0; i < n; i++) {
            lbl[i] = (uint8_t)bcn_rng_below(&rng, 10);
            for (int j = 0; j < DIMS; j++)
                img[(size_t)i * DIMS + j] = (uint8_t)bcn_rng_below(&rng, 64);
            for (int j = 0; j < 12; j++)
                img[(size_t)i * DIMS + (size_t)(lbl[i] * 2 + 4) * 28 + 8 + j] = 255;
        }
        const uint32_t di[3] = {(uint32_t)n, 28, 28}, dl[1] = {(uint32_t)n};
        char *p = fx_path(dir, split ? "t10k-images-idx3-ubyte" : "train-images-idx3-ubyte");
        fx_write_idx(p, 0, 0x08, 3, di, img, (size_t)n * DIMS, NULL, 0);
        free(p);
        p = fx_path(dir, split ? "t10k-labels-idx1-ubyte" : "train-labels-idx1-ubyte");
        fx_write_idx(p, 0, 0x08, 1, dl, lbl, (size_t)n, NULL, 0);
        free(p);
        free(img);
        free(lbl);
    }
}
