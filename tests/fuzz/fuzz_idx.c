/*
 * fuzz_idx.c — libFuzzer target for the IDX reader (bcn_idx_read_first,
 * which bcn_idx_read and the dataset loader use).
 *
 * Each input is one byte of options, then the file's bytes: bit 0 set
 * gzip-compresses them first (so mutations reach the IDX parser through the
 * gzip path; unset, they are written as they are, corrupt gzip included);
 * bits 1-3 are the record limit (0: all). On success the result must be
 * consistent (count = product of dims, no more records than the limit, no
 * more payload than a plain file held) and every byte readable; on failure
 * the message must name the file. Under `make fuzz`'s -malloc_limit_mb an
 * allocation sized by a header's claim rather than by the file is a crash.
 *
 * How to build, seed and run it: tests/fuzz/README.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "data/data_internal.h"
#include "fuzz_entry.h"

static char dir[256];
static char path[300];
static volatile unsigned sink; /* reads of the payload land here */

static void cleanup(void)
{
    unlink(path);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/bcn-fuzz-idx-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        abort();
    snprintf(path, sizeof path, "%s/input.idx", dir);
    atexit(cleanup);
    return 0;
}

/* Write the file: the bytes as they are, or gzip-compressed. */
static void write_input(const uint8_t *data, size_t n, int gz)
{
    if (gz) {
        gzFile f = gzopen(path, "wb1");
        if (!f || (n && gzwrite(f, data, (unsigned)n) != (int)n) || gzclose(f) != Z_OK)
            abort();
        return;
    }
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int gz = data[0] & 1;
    uint32_t limit = (data[0] >> 1) & 7;
    /* zlib reads bytes that start with the gzip magic as gzip. */
    int plain = !gz && !(size >= 3 && data[1] == 0x1f && data[2] == 0x8b);
    write_input(data + 1, size - 1, gz);

    bcn_ctx *ctx = bcn_ctx_new();
    if (!ctx)
        return 0;
    bcn_idx *idx = NULL;
    uint32_t claimed = 0;
    bcn_status st = bcn_idx_read_first(ctx, path, limit, &claimed, &idx);
    if (st != BCN_OK) {
        if (idx || !strstr(bcn_errmsg(ctx), path))
            abort();
        bcn_ctx_free(ctx);
        return 0;
    }
    if (idx->ndim < 1 || idx->ndim > 4 || idx->dims[0] > claimed ||
        (limit && idx->dims[0] > limit) || (!limit && idx->dims[0] != claimed))
        abort();
    size_t count = 1;
    for (int d = 0; d < idx->ndim; d++)
        count *= idx->dims[d];
    if (count != idx->count || (plain && count > size - 1))
        abort();
    /* A plain file is exactly header + payload: the payload kept is the
     * first `count` of its last claimed-size bytes. */
    size_t whole = count / idx->dims[0] * claimed;
    if (plain && memcmp(idx->data, data + 1 + (size - 1 - whole), count) != 0)
        abort();
    /* Every byte must be readable. */
    for (size_t i = 0; i < idx->count; i++)
        sink += idx->data[i];
    bcn_idx_free(idx);
    bcn_ctx_free(ctx);
    return 0;
}
