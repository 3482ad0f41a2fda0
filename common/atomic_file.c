/*
 * atomic_file.c — temp file + fsync + rename (see atomic_file.h).
 */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Release the handle's memory (the file must already be closed). */
static void release(bcn_atomic_file *af)
{
    free(af->path);
    free(af->tmp);
    af->path = af->tmp = NULL;
    af->f = NULL;
}

/* Set *err from a format; returns -1 so callers can `return fail(...)`. */
static int fail(char *err, size_t errlen, const char *what, const char *path, int e)
{
    if (err && errlen)
        snprintf(err, errlen, "cannot %s '%s': %s", what, path, strerror(e));
    return -1;
}

/* Current umask without changing it for long (single-threaded tools). */
static mode_t current_umask(void)
{
    mode_t m = umask(022);
    umask(m);
    return m;
}

int bcn_atomic_open(bcn_atomic_file *af, const char *path, char *err, size_t errlen)
{
    memset(af, 0, sizeof *af);
    if (!path || !*path) {
        if (err && errlen)
            snprintf(err, errlen, "cannot write a file with an empty name");
        return -1;
    }
    size_t len = strlen(path);
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = path + dirlen;
    if (!*base) {
        if (err && errlen)
            snprintf(err, errlen, "cannot write '%s': it names a directory", path);
        return -1;
    }
    af->path = strdup(path);
    af->tmp = malloc(len + 16);
    if (!af->path || !af->tmp) {
        release(af);
        return fail(err, errlen, "write", path, ENOMEM);
    }
    /* "<dir>/.<base>.tmpXXXXXX": hidden, same directory as the target. */
    memcpy(af->tmp, path, dirlen);
    snprintf(af->tmp + dirlen, len - dirlen + 16, ".%s.tmpXXXXXX", base);
    int fd = mkstemp(af->tmp);
    if (fd < 0) {
        int e = errno;
        release(af);
        return fail(err, errlen, "create a temporary file to write", path, e);
    }
    /* mkstemp makes 0600; give the file the permissions open() would. */
    (void)fchmod(fd, 0666 & ~current_umask());
    af->f = fdopen(fd, "w");
    if (!af->f) {
        int e = errno;
        close(fd);
        unlink(af->tmp);
        release(af);
        return fail(err, errlen, "write", path, e);
    }
    return 0;
}

int bcn_atomic_commit(bcn_atomic_file *af, char *err, size_t errlen)
{
    int e = 0;
    const char *what = "write";
    if (!af->f) {
        if (err && errlen)
            snprintf(err, errlen, "cannot write '%s': file was not opened",
                     af->path ? af->path : "(null)");
        release(af);
        return -1;
    }
    if (ferror(af->f)) {
        e = EIO;
    } else if (fflush(af->f) != 0) {
        e = errno;
    } else if (fsync(fileno(af->f)) != 0) {
        e = errno;
        what = "sync";
    }
    if (fclose(af->f) != 0 && !e)
        e = errno;
    af->f = NULL;
    if (!e && rename(af->tmp, af->path) != 0) {
        e = errno;
        what = "rename the temporary file onto";
    }
    if (e) {
        unlink(af->tmp);
        fail(err, errlen, what, af->path, e);
        release(af);
        return -1;
    }
    /* Make the rename durable; failure here does not lose data. */
    char *dir = strdup(af->path);
    if (dir) {
        char *slash = strrchr(dir, '/');
        const char *d = ".";
        if (slash) {
            slash[1] = '\0';
            d = dir;
        }
        int dfd = open(d, O_RDONLY);
        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
        free(dir);
    }
    release(af);
    return 0;
}

void bcn_atomic_abort(bcn_atomic_file *af)
{
    if (af->f) {
        fclose(af->f);
        af->f = NULL;
        if (af->tmp)
            unlink(af->tmp);
    }
    release(af);
}

int bcn_atomic_write(const char *path, const void *data, size_t len, char *err,
                     size_t errlen)
{
    bcn_atomic_file af;
    if (bcn_atomic_open(&af, path, err, errlen) < 0)
        return -1;
    if (len && fwrite(data, 1, len, af.f) != len) {
        int e = errno;
        bcn_atomic_abort(&af);
        return fail(err, errlen, "write", path, e ? e : EIO);
    }
    return bcn_atomic_commit(&af, err, errlen);
}

int bcn_atomic_probe(const char *path, char *err, size_t errlen)
{
    if (!path || !*path) {
        if (err && errlen)
            snprintf(err, errlen, "cannot write a file with an empty name");
        return -1;
    }
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (err && errlen)
            snprintf(err, errlen, "'%s' is a folder, not a file", path);
        return -1;
    }
    /* The folder must exist (say so plainly rather than with mkstemp's
     * ENOENT); "/" for "/x", none to check for a bare file name. */
    const char *slash = strrchr(path, '/');
    if (slash) {
        size_t dirlen = slash == path ? 1 : (size_t)(slash - path);
        char *dir = strndup(path, dirlen);
        if (!dir)
            return fail(err, errlen, "write", path, ENOMEM);
        int found = stat(dir, &st) == 0, missing = !found || !S_ISDIR(st.st_mode);
        if (missing && err && errlen)
            snprintf(err, errlen, found ? "'%s' (in '%s') is not a folder"
                                        : "folder '%s' of '%s' does not exist",
                     dir, path);
        free(dir);
        if (missing)
            return -1;
    }
    bcn_atomic_file af;
    if (bcn_atomic_open(&af, path, err, errlen) != 0)
        return -1;
    bcn_atomic_abort(&af);
    return 0;
}
