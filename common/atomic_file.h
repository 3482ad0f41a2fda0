/*
 * atomic_file.h — write a file so that readers see either the old file or
 * the complete new one, never a partial write.
 *
 * bcn_atomic_open() creates a temporary file next to the destination (same
 * directory, hence same file system), the caller writes through `f`, and
 * bcn_atomic_commit() flushes, fsyncs, closes and renames it over the
 * destination. Any failure removes the temporary file. Errors are returned
 * as -1 with a message naming the destination path and the reason.
 */
#ifndef BCN_COMMON_ATOMIC_FILE_H
#define BCN_COMMON_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>

typedef struct bcn_atomic_file {
    FILE *f;     /* write here between open and commit */
    char *path;  /* destination */
    char *tmp;   /* temporary file in the destination's directory */
} bcn_atomic_file;

/* Create the temporary file for `path`. 0 on success; -1 with `err` set. */
int bcn_atomic_open(bcn_atomic_file *af, const char *path, char *err,
                    size_t errlen);
/* Flush, fsync, close and rename onto the destination. 0 on success; on
 * failure -1 with `err` set and the temporary file removed. Either way the
 * handle is released. */
int bcn_atomic_commit(bcn_atomic_file *af, char *err, size_t errlen);
/* Give up: close and remove the temporary file, release the handle. */
void bcn_atomic_abort(bcn_atomic_file *af);
/* Prove, before any work, that `path` can be written later: its folder
 * exists, `path` is not a folder, and a temporary file can be created (and
 * is removed again) next to it. 0 on success; -1 with `err` naming the path
 * and the reason ("folder '/x' of '/x/out.json' does not exist", "'/x' is a
 * folder, not a file", or mkstemp's reason: "cannot create a temporary file
 * to write '/x/out.json': Permission denied"). Callers prefix the flag:
 * "--json: ...". The file itself is neither created nor changed. */
int bcn_atomic_probe(const char *path, char *err, size_t errlen);
/* Write `len` bytes of `data` to `path` atomically (open + write + commit). */
int bcn_atomic_write(const char *path, const void *data, size_t len,
                     char *err, size_t errlen);

#endif /* BCN_COMMON_ATOMIC_FILE_H */
