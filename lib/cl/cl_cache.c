/*
 * cl_cache.c — the cache folder, hashing and atomic file writes (see
 * cl_cache.h); the files are written by the library's atomic writer
 * (lib/file_atomic.c), folders made as needed.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cl_cache.h"
#include "file_atomic.h"

int bcn_cache_dir(char *buf, size_t len)
{
    const char *own = getenv("BURSTCCN_CACHE_DIR");
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    int n = -1;
    if (own && *own)
        n = snprintf(buf, len, "%s", own);
    else if (xdg && *xdg)
        n = snprintf(buf, len, "%s/burstccn", xdg);
    else if (home && *home)
        n = snprintf(buf, len, "%s/.cache/burstccn", home);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

uint64_t bcn_hash64(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

uint64_t bcn_hash_str(uint64_t h, const char *s)
{
    return bcn_hash64(h, s, strlen(s) + 1);
}

int bcn_cache_write(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
    return bcn_file_write_atomic(path, data, len, 1, err, errlen);
}

int bcn_cache_read(const char *path, size_t max, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int rc = -1;
    for (;;) {
        if (n == cap) {
            if (cap > max)
                goto done; /* larger than any file we write */
            size_t grown_cap = cap ? 2 * cap : 4096;
            char *grown = realloc(buf, grown_cap + 1);
            if (!grown)
                goto done;
            buf = grown;
            cap = grown_cap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f) || n > max)
        goto done;
    buf[n] = '\0';
    *data = buf;
    *len = n;
    buf = NULL;
    rc = 0;
done:
    free(buf);
    fclose(f);
    return rc;
}
