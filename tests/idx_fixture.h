/*
 * idx_fixture.h — helpers for tests that need IDX files: a temporary
 * directory, IDX files written byte by byte (plain or gzip), reading a
 * file back, and cleanup.
 */
#ifndef BCN_TEST_IDX_FIXTURE_H
#define BCN_TEST_IDX_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "burstccn.h"

/* Create a fresh temporary directory; returns a malloc'd path. */
char *fx_tmpdir(void);
/* Remove a directory made by fx_tmpdir and everything below it; frees `dir`. */
void fx_rmtree(char *dir);
/* Write `n` bytes to `path`, gzip-compressed when gz != 0. */
void fx_write_raw(const char *path, const void *bytes, size_t n, int gz);
/* Write an IDX file: magic 0x0000{type}{ndim}, ndim big-endian dims, the
 * payload `data[0..n)`, then `extra[0..n_extra)` (trailing garbage). */
void fx_write_idx(const char *path, int gz, uint8_t type, int ndim, const uint32_t *dims,
                  const uint8_t *data, size_t n, const uint8_t *extra, size_t n_extra);
/* Join dir and name into a static-free malloc'd string. */
char *fx_path(const char *dir, const char *name);
/* The whole file as a malloc'd string, NULL when it cannot be read. */
char *fx_slurp(const char *path);
/* Load a dataset expecting status `want`; on an error, check that the
 * message holds `words` and `words2` (either may be NULL) and return NULL. */
bcn_dataset *fx_load(bcn_ctx *ctx, const char *src, const bcn_data_options *o, bcn_status want,
                     const char *words, const char *words2);

/* Write train-*-idx*-ubyte and t10k-* files of a learnable 28x28,
 * 10-class dataset into `dir` (class k: a bright bar in row 2k+4). */
void fx_write_dataset(const char *dir, int n_train, int n_test);

#endif
