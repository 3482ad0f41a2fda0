/*
 * file_atomic.h — the library's one atomic file writer (checkpoints, the
 * GEMM tuning cache, the program binary cache; internal). The programs
 * have their own stdio-based one, common/atomic_file.h.
 */
#ifndef BCN_FILE_ATOMIC_H
#define BCN_FILE_ATOMIC_H

#include <stddef.h>

/* Write len bytes of data to `path` so that readers see the old file or
 * the whole new one: a hidden temporary file "DIR/.BASE.tmpXXXXXX" in the
 * same folder (mode 0666 less the umask), fsync, rename, fsync of the
 * folder; with make_dirs the missing folders are made first. 0, or -1
 * with "cannot WHAT 'path': reason" in err; the temporary file is removed
 * on every failure. */
int bcn_file_write_atomic(const char *path, const void *data, size_t len, int make_dirs,
                          char *err, size_t errlen);

#endif
