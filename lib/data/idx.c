/*
 * idx.c — reader for IDX files (SPEC §11), gzip-compressed or plain.
 *
 * Layout: a big-endian magic 0x0000TTNN (TT: data type, 0x08 = unsigned
 * byte; NN: number of dimensions), NN big-endian u32 dimensions, then the
 * payload. zlib's gzread reads gzip and plain files alike. Every failure is
 * reported with the file's path and the problem; nothing is read past the
 * buffers.
 *
 * A header's dimensions are a claim, not a proof: memory is allocated only
 * for bytes the file shows it holds. A plain file's size is checked against
 * the header before anything is allocated; a gzip file's payload buffer
 * starts small and doubles only once the bytes inflated so far have filled
 * it, so it never exceeds twice what was actually inflated. A caller that
 * needs only the first N records (bcn_idx_read_first) reads and keeps only
 * those.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "data_internal.h"

#define IDX_TYPE_U8 0x08
#define IDX_MAX_DIMS 4
#define IDX_MAX_COUNT ((uint64_t)1 << 31) /* payload bytes we accept */
#define IDX_CHUNK (1u << 30)              /* gzread takes at most INT_MAX */
#define IDX_GROW_FIRST ((size_t)1 << 20)  /* first payload buffer without a size proof */

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

/* Open `path` for gzread, refusing directories; *sb receives its fstat. */
static bcn_status open_idx(bcn_ctx *ctx, const char *path, gzFile *gz, struct stat *sb)
{
    errno = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return bcn_set_error(ctx, e == ENOMEM ? BCN_ERR_NOMEM : BCN_ERR_IO,
                             "cannot open IDX file '%s': %s", path,
                             e ? strerror(e) : "unknown error");
    }
    if (fstat(fd, sb) != 0) {
        int e = errno;
        close(fd);
        return bcn_set_error(ctx, BCN_ERR_IO, "cannot stat IDX file '%s': %s", path,
                             strerror(e));
    }
    if (S_ISDIR(sb->st_mode)) {
        close(fd);
        return bcn_set_error(ctx, BCN_ERR_IO, "IDX file '%s' is a directory", path);
    }
    *gz = gzdopen(fd, "rb");
    if (!*gz) {
        close(fd);
        return bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory opening IDX file '%s'", path);
    }
    gzbuffer(*gz, 1u << 17);
    return BCN_OK;
}

/* Read the magic and the dimensions into idx (ndim, dims, count = the
 * product the header claims, checked for sense); *head_len receives the
 * header's size in bytes. */
static bcn_status read_header(bcn_ctx *ctx, gzFile gz, const char *path, bcn_idx *idx,
                              size_t *head_len)
{
    uint8_t head[4 + 4 * IDX_MAX_DIMS];
    int64_t n = read_full(gz, head, 4);
    if (n < 0)
        return read_error(ctx, gz, path);
    if (n < 4)
        return truncated(ctx, gz, path, "the magic number", 4, (size_t)n);
    uint32_t magic = be32(head);
    if (head[0] != 0 || head[1] != 0)
        return bcn_set_error(ctx, BCN_ERR_FORMAT,
                             "'%s' is not an IDX file: magic 0x%08x does not start with two "
                             "zero bytes",
                             path, magic);
    if (head[2] != IDX_TYPE_U8)
        return bcn_set_error(ctx, BCN_ERR_FORMAT,
                             "IDX file '%s': data type 0x%02x (magic 0x%08x) is not supported; "
                             "only unsigned bytes (0x08) are",
                             path, head[2], magic);
    int ndim = head[3];
    if (ndim < 1 || ndim > IDX_MAX_DIMS)
        return bcn_set_error(ctx, BCN_ERR_FORMAT,
                             "IDX file '%s': %d dimensions (magic 0x%08x); 1 to %d are "
                             "supported",
                             path, ndim, magic, IDX_MAX_DIMS);

    n = read_full(gz, head + 4, 4 * (size_t)ndim);
    if (n < 0)
        return read_error(ctx, gz, path);
    if (n < 4 * ndim)
        return truncated(ctx, gz, path, "the dimension header", 4 * (size_t)ndim, (size_t)n);

    idx->ndim = ndim;
    uint64_t count = 1;
    for (int d = 0; d < ndim; d++) {
        idx->dims[d] = be32(head + 4 + 4 * d);
        if (idx->dims[d] == 0)
            return bcn_set_error(ctx, BCN_ERR_FORMAT, "IDX file '%s': dimension %d is zero",
                                 path, d);
        count *= idx->dims[d]; /* <= 2^31 * 2^32 before the check: no overflow */
        if (count > IDX_MAX_COUNT)
            return bcn_set_error(ctx, BCN_ERR_FORMAT,
                                 "IDX file '%s': absurd dimensions (the first %d multiply to "
                                 "more than 2^31 values)",
                                 path, d + 1);
    }
    idx->count = (size_t)count;
    *head_len = 4 + 4 * (size_t)ndim;
    return BCN_OK;
}

/* A plain regular file proves its payload by its size: it must be exactly
 * the `count` bytes the header claims (checked before any allocation). */
static bcn_status check_plain_size(bcn_ctx *ctx, const char *path, const struct stat *sb,
                                   size_t head_len, size_t count)
{
    uint64_t size = (uint64_t)sb->st_size;
    uint64_t have = size > head_len ? size - head_len : 0; /* (it may have shrunk) */
    if (have < count)
        return bcn_set_error(ctx, BCN_ERR_FORMAT,
                             "IDX file '%s' is truncated: the payload needs %zu bytes, only "
                             "%llu present",
                             path, count, (unsigned long long)have);
    if (have > count)
        return bcn_set_error(ctx, BCN_ERR_FORMAT,
                             "IDX file '%s' has trailing data after its %zu payload bytes "
                             "(%llu bytes over)",
                             path, count, (unsigned long long)(have - count));
    return BCN_OK;
}

/* Read `need` payload bytes into *data (malloc'd). With `proven` set the
 * file's size has shown they are there, so the buffer is allocated at
 * once; otherwise it starts at IDX_GROW_FIRST and doubles only when full,
 * so a header that claims more than the file holds costs at most twice
 * the bytes actually read. */
static bcn_status read_payload(bcn_ctx *ctx, gzFile gz, const char *path, size_t need,
                               int proven, uint8_t **data)
{
    size_t cap = proven || need < IDX_GROW_FIRST ? need : IDX_GROW_FIRST, got = 0;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory reading '%s' (%zu bytes)",
                             path, cap);
    for (;;) {
        int64_t n = read_full(gz, buf + got, cap - got);
        if (n < 0) {
            free(buf);
            return read_error(ctx, gz, path);
        }
        got += (size_t)n;
        if (got < cap) {
            free(buf);
            return truncated(ctx, gz, path, "the payload", need, got);
        }
        if (got == need)
            break;
        size_t grown = cap > need / 2 ? need : 2 * cap;
        uint8_t *bigger = realloc(buf, grown);
        if (!bigger) {
            free(buf);
            return bcn_set_error(ctx, BCN_ERR_NOMEM,
                                 "out of memory reading '%s' (%zu bytes)", path, grown);
        }
        buf = bigger;
        cap = grown;
    }
    *data = buf;
    return BCN_OK;
}

/* After the whole payload: nothing may follow it, and a gzip stream must
 * end with its trailer. */
static bcn_status check_end(bcn_ctx *ctx, gzFile gz, const char *path, size_t count)
{
    uint8_t extra;
    int64_t n = read_full(gz, &extra, 1);
    if (n < 0)
        return read_error(ctx, gz, path);
    if (n > 0)
        return bcn_set_error(ctx, BCN_ERR_FORMAT,
                             "IDX file '%s' has trailing data after its %zu payload bytes",
                             path, count);
    int zerr = Z_OK;
    gzerror(gz, &zerr);
    if (zerr == Z_BUF_ERROR) /* all bytes arrived, but the gzip trailer is cut */
        return bcn_set_error(ctx, BCN_ERR_FORMAT,
                             "IDX file '%s': the gzip stream is truncated (no trailer)", path);
    return BCN_OK;
}

bcn_status bcn_idx_read_first(bcn_ctx *ctx, const char *path, uint32_t max_records,
                              uint32_t *records_in_file, bcn_idx **out)
{
    bcn_status st = BCN_OK;
    gzFile gz = NULL;
    bcn_idx *idx = NULL;
    struct stat sb;
    size_t head_len = 0;

    if (!out)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "bcn_idx_read: NULL output");
    *out = NULL;
    if (!path || !*path)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "bcn_idx_read: empty path");
    if ((st = open_idx(ctx, path, &gz, &sb)) != BCN_OK)
        return st;
    idx = calloc(1, sizeof *idx);
    if (!idx) {
        st = bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory reading '%s'", path);
        goto fail;
    }
    if ((st = read_header(ctx, gz, path, idx, &head_len)) != BCN_OK)
        goto fail;

    /* Only now is it known whether zlib reads the file as gzip. */
    int plain = gzdirect(gz) && S_ISREG(sb.st_mode);
    if (plain && (st = check_plain_size(ctx, path, &sb, head_len, idx->count)) != BCN_OK)
        goto fail;

    uint32_t claimed = idx->dims[0];
    size_t record = idx->count / claimed;
    int cut = max_records > 0 && max_records < claimed;
    if (cut) {
        idx->dims[0] = max_records;
        idx->count = (size_t)max_records * record;
    }
    if ((st = read_payload(ctx, gz, path, idx->count, plain, &idx->data)) != BCN_OK)
        goto fail;
    /* Past a cut nothing is read (a plain file's size was checked whole). */
    if (!cut && (st = check_end(ctx, gz, path, idx->count)) != BCN_OK)
        goto fail;

    gzclose(gz);
    if (records_in_file)
        *records_in_file = claimed;
    *out = idx;
    return BCN_OK;

fail:
    if (gz)
        gzclose(gz);
    bcn_idx_free(idx);
    return st;
}

bcn_status bcn_idx_read(bcn_ctx *ctx, const char *path, bcn_idx **out)
{
    return bcn_idx_read_first(ctx, path, 0, NULL, out);
}

void bcn_idx_free(bcn_idx *idx)
{
    if (!idx)
        return;
    free(idx->data);
    free(idx);
}
