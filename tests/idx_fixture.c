/*
 * idx_fixture.c — IDX test fixtures (see idx_fixture.h).
 */
#include "idx_fixture.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

void fx_rmtree(char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char *p = fx_path(dir, e->d_name);
            if (unlink(p) != 0)
                rmdir(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(dir);
    free(dir);
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
