/*
 * cl_cache.h — the library's on-disk cache folder and the file helpers its
 * two caches share (cl_program.c: built kernel binaries; cl_tune_cache.c:
 * tuned CLBlast parameters). Everything in the folder may be deleted at any
 * time: a missing, unreadable or foreign file only means the work is done
 * again.
 */
#ifndef BCN_CL_CACHE_H
#define BCN_CL_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define BCN_HASH_SEED 1469598103934665603ULL /* FNV-1a offset basis */

/* The cache folder into buf: $BURSTCCN_CACHE_DIR, else
 * $XDG_CACHE_HOME/burstccn, else $HOME/.cache/burstccn. -1 when none of
 * the variables is set (or the path does not fit). */
int bcn_cache_dir(char *buf, size_t len);
/* 64-bit FNV-1a of len bytes, continuing from h (start at BCN_HASH_SEED). */
uint64_t bcn_hash64(uint64_t h, const void *data, size_t len);
/* The same over a NUL-terminated string, its terminator included (so that
 * "ab","c" and "a","bc" hash differently). */
uint64_t bcn_hash_str(uint64_t h, const char *s);
/* Write len bytes to `path` atomically, its folders made when missing
 * (bcn_file_write_atomic). 0, or -1 with a message in err. */
int bcn_cache_write(const char *path, const void *data, size_t len, char *err, size_t errlen);
/* Read a whole file of at most `max` bytes into a malloc'd buffer with a
 * NUL after the data. 0, or -1 (missing, unreadable, too large). */
int bcn_cache_read(const char *path, size_t max, char **data, size_t *len);

#endif /* BCN_CL_CACHE_H */
