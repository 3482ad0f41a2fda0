/*
 * idx.c — reader for IDX files (SPEC §11), gzip-compressed or plain.
 *
 * Layout: a big-endian magic 0x0000TTNN (TT: data type, 0x08 = unsigned
 * byte; NN: number of dimensions), NN big-endian u32 dimensions, then the
 * payload. zlib's gzread reads gzip and plain files alike. Every failure is
 * reported with the file's path and the problem; nothing is read past the
 * buffers and the payload size is bounded before allocating.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "internal.h"

#define IDX_TYPE_U8 0x08
#define IDX_MAX_DIMS 4
#define IDX_MAX_COUNT ((uint64_t)1 << 31) /* payload bytes we accept */
#define IDX_CHUNK (1u << 30)              /* gzread takes at most INT_MAX */

/* Read up to `len` bytes; returns the count read (short at end of file) or
 * -1 on a read/decompression error (detail via gzerror). */
static int64_t read_full(gzFile gz, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        size_t want = len - got;
        if (want > IDX_CHUNK)
            want = IDX_CHUNK;
        int n = gzread(gz, buf + got, (unsigned)want);
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (int64_t)got;
}

/* Turn a gzread failure into a status and message naming the file. */
static bcn_status read_error(bcn_ctx *ctx, gzFile gz, const char *path)
{
    int zerr = Z_OK;
    const char *msg = gzerror(gz, &zerr);
    if (zerr == Z_ERRNO)
        return bcn_set_error(ctx, BCN_ERR_IO, "IDX file '%s': read error: %s", path,
                             strerror(errno));
    return bcn_set_error(ctx, BCN_ERR_FORMAT, "IDX file '%s': corrupt gzip data: %s", path,
                         msg ? msg : "unknown zlib error");
}

/* A short read: distinguish a clean end of file from a cut gzip stream. */
static bcn_status truncated(bcn_ctx *ctx, gzFile gz, const char *path, const char *what,
                            size_t want, size_t got)
{
    int zerr = Z_OK;
    gzerror(gz, &zerr);
    if (zerr != Z_OK && zerr != Z_BUF_ERROR)
        return read_error(ctx, gz, path);
    return bcn_set_error(ctx, BCN_ERR_FORMAT,
                         "IDX file '%s' is truncated: %s needs %zu bytes, only %zu present",
                         path, what, want, got);
}

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

bcn_status bcn_idx_read(bcn_ctx *ctx, const char *path, bcn_idx **out)
{
    bcn_status st = BCN_OK;
    gzFile gz = NULL;
    bcn_idx *idx = NULL;
    uint8_t head[4 + 4 * IDX_MAX_DIMS];
    int64_t n;

    if (!out)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "bcn_idx_read: NULL output");
    *out = NULL;
    if (!path || !*path)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "bcn_idx_read: empty path");

    errno = 0;
    gz = gzopen(path, "rb");
    if (!gz) {
        int e = errno;
        return bcn_set_error(ctx, e == ENOMEM ? BCN_ERR_NOMEM : BCN_ERR_IO,
                             "cannot open IDX file '%s': %s", path,
                             e ? strerror(e) : "zlib could not open it");
    }
    gzbuffer(gz, 1u << 17);

    /* Magic: two zero bytes, the type, the number of dimensions. */
    n = read_full(gz, head, 4);
    if (n < 0) {
        st = read_error(ctx, gz, path);
        goto fail;
    }
    if (n < 4) {
        st = truncated(ctx, gz, path, "the magic number", 4, (size_t)n);
        goto fail;
    }
    uint32_t magic = be32(head);
    if (head[0] != 0 || head[1] != 0) {
        st = bcn_set_error(ctx, BCN_ERR_FORMAT,
                           "'%s' is not an IDX file: magic 0x%08x does not start with two "
                           "zero bytes",
                           path, magic);
        goto fail;
    }
    if (head[2] != IDX_TYPE_U8) {
        st = bcn_set_error(ctx, BCN_ERR_FORMAT,
                           "IDX file '%s': data type 0x%02x (magic 0x%08x) is not supported; "
                           "only unsigned bytes (0x08) are",
                           path, head[2], magic);
        goto fail;
    }
    int ndim = head[3];
    if (ndim < 1 || ndim > IDX_MAX_DIMS) {
        st = bcn_set_error(ctx, BCN_ERR_FORMAT,
                           "IDX file '%s': %d dimensions (magic 0x%08x); 1 to %d are supported",
                           path, ndim, magic, IDX_MAX_DIMS);
        goto fail;
    }

    n = read_full(gz, head + 4, 4 * (size_t)ndim);
    if (n < 0) {
        st = read_error(ctx, gz, path);
        goto fail;
    }
    if (n < 4 * ndim) {
        st = truncated(ctx, gz, path, "the dimension header", 4 * (size_t)ndim, (size_t)n);
        goto fail;
    }

    idx = calloc(1, sizeof *idx);
    if (!idx) {
        st = bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory reading '%s'", path);
        goto fail;
    }
    idx->ndim = ndim;
    uint64_t count = 1;
    for (int d = 0; d < ndim; d++) {
        idx->dims[d] = be32(head + 4 + 4 * d);
        if (idx->dims[d] == 0) {
            st = bcn_set_error(ctx, BCN_ERR_FORMAT, "IDX file '%s': dimension %d is zero", path,
                               d);
            goto fail;
        }
        count *= idx->dims[d]; /* <= 2^31 * 2^32 before the check: no overflow */
        if (count > IDX_MAX_COUNT) {
            st = bcn_set_error(ctx, BCN_ERR_FORMAT,
                               "IDX file '%s': absurd dimensions (the first %d multiply to "
                               "more than 2^31 values)",
                               path, d + 1);
            goto fail;
        }
    }
    idx->count = (size_t)count;
    idx->data = malloc(idx->count);
    if (!idx->data) {
        st = bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory: '%s' holds %zu bytes", path,
                           idx->count);
        goto fail;
    }

    n = read_full(gz, idx->data, idx->count);
    if (n < 0) {
        st = read_error(ctx, gz, path);
        goto fail;
    }
    if ((size_t)n < idx->count) {
        st = truncated(ctx, gz, path, "the payload", idx->count, (size_t)n);
        goto fail;
    }

    /* Nothing may follow the payload. */
    uint8_t extra;
    n = read_full(gz, &extra, 1);
    if (n < 0) {
        st = read_error(ctx, gz, path);
        goto fail;
    }
    if (n > 0) {
        st = bcn_set_error(ctx, BCN_ERR_FORMAT,
                           "IDX file '%s' has trailing data after its %zu payload bytes", path,
                           idx->count);
        goto fail;
    }
    int zerr = Z_OK;
    gzerror(gz, &zerr);
    if (zerr == Z_BUF_ERROR) { /* all bytes arrived, but the gzip trailer is cut */
        st = bcn_set_error(ctx, BCN_ERR_FORMAT,
                           "IDX file '%s': the gzip stream is truncated (no trailer)", path);
        goto fail;
    }

    gzclose(gz);
    *out = idx;
    return BCN_OK;

fail:
    if (gz)
        gzclose(gz);
    bcn_idx_free(idx);
    return st;
}

void bcn_idx_free(bcn_idx *idx)
{
    if (!idx)
        return;
    free(idx->data);
    free(idx);
}
