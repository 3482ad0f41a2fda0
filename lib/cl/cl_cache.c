/*
 * cl_cache.c — the cache folder, hashing and atomic file writes (see
 * cl_cache.h). The library cannot use common/atomic_file.c (that helper
 * belongs to the programs), so the few lines of temp + fsync + rename are
 * here.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cl_cache.h"

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

/* mkdir -p of the folder part of `path`. */
static int make_parents(const char *path)
{
    char dir[4096];
    int n = snprintf(dir, sizeof dir, "%s", path);
    if (n < 0 || (size_t)n >= sizeof dir)
        return -1;
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(dir, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

int bcn_cache_write(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
    char tmp[4200];
    const char *what = "create the folder of";
    int fd = -1, e = 0;
    if (snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path) >= (int)sizeof tmp) {
        snprintf(err, errlen, "cache path '%s' is too long", path);
        return -1;
    }
    if (make_parents(path) != 0)
        goto fail;
    what = "create a temporary file for";
    fd = mkstemp(tmp);
    if (fd < 0)
        goto fail;
    what = "write";
    for (size_t done = 0; done < len;) {
        ssize_t w = write(fd, (const char *)data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto fail_tmp;
        done += (size_t)w;
    }
    what = "sync";
    if (fsync(fd) != 0)
        goto fail_tmp;
    what = "close";
    e = close(fd);
    fd = -1;
    if (e != 0)
        goto fail_tmp;
    what = "rename the temporary file onto";
    if (rename(tmp, path) != 0)
        goto fail_tmp;
    return 0;
fail_tmp:
    e = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    errno = e;
fail:
    snprintf(err, errlen, "cannot %s '%s': %s", what, path, strerror(errno ? errno : EIO));
    return -1;
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
