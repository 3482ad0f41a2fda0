/*
 * file_atomic.c — bcn_file_write_atomic: temporary file, fsync, rename.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_atomic.h"

/* The permissions a plain new file gets (0666 less the umask), read from
 * /proc/self/status so that no thread's umask changes even briefly;
 * 0644 where that is not available. */
static mode_t new_file_mode(void)
{
    mode_t mode = 0644;
    FILE *f = fopen("/proc/self/status", "r");
    if (f) {
        char line[128];
        unsigned mask;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "Umask: %o", &mask) == 1) {
                mode = 0666 & ~(mode_t)mask;
                break;
            }
        fclose(f);
    }
    return mode;
}

/* mkdir -p of the folder `dir` (modified in place, restored). */
static int make_folders(char *dir)
{
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int bad = mkdir(dir, 0777) != 0 && errno != EEXIST;
        *p = '/';
        if (bad)
            return -1;
    }
    return mkdir(dir, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

int bcn_file_write_atomic(const char *path, const void *data, size_t len, int make_dirs,
                          char *err, size_t errlen)
{
    size_t n = strlen(path);
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    if (n == 0 || dirlen == n) {
        snprintf(err, errlen, "cannot write '%s': not a file name", path);
        return -1;
    }
    char *tmp = malloc(n + 16), *dir = malloc(dirlen + 2);
    const char *what = "create the folder of";
    int fd = -1, e = 0;
    if (!tmp || !dir) {
        e = ENOMEM;
        what = "write";
        goto fail;
    }
    /* The folder ("." for a bare name), then "DIR/.BASE.tmpXXXXXX". */
    if (dirlen > 1) {
        memcpy(dir, path, dirlen - 1);
        dir[dirlen - 1] = '\0';
    } else {
        strcpy(dir, dirlen ? "/" : ".");
    }
    memcpy(tmp, path, dirlen);
    snprintf(tmp + dirlen, n - dirlen + 16, ".%s.tmpXXXXXX", path + dirlen);
    if (make_dirs && dirlen > 1 && make_folders(dir) != 0) {
        e = errno;
        goto fail;
    }
    what = "create a temporary file for";
    if ((fd = mkstemp(tmp)) < 0) {
        e = errno;
        goto fail;
    }
    (void)fchmod(fd, new_file_mode());
    what = "write";
    for (size_t done = 0; done < len && !e;) {
        ssize_t w = write(fd, (const char *)data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            e = w < 0 ? errno : EIO;
        else
            done += (size_t)w;
    }
    if (!e && fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e && rename(tmp, path) != 0) {
        what = "rename the temporary file onto";
        e = errno;
    }
    if (e) {
        unlink(tmp);
        goto fail;
    }
    /* Make the rename itself durable. */
    int dfd = open(dir, O_RDONLY);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    free(tmp);
    free(dir);
    return 0;
fail:
    snprintf(err, errlen, "cannot %s '%s': %s", what, path, strerror(e ? e : EIO));
    free(tmp);
    free(dir);
    return -1;
}
