/*
 * test_idx.c — the IDX reader (SPEC §11) on good files, plain and gzipped,
 * and on every kind of bad file: each gives the right status and a message
 * naming the file, and none crashes (including randomly damaged files).
 * Reading only the first records (bcn_idx_read_first), and headers that
 * claim far more than the file holds, read under a cap on the address
 * space so that an allocation sized by the claim would fail the test.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "burstccn.h"
#include "data/data_internal.h"
#include "idx_fixture.h"

/* AddressSanitizer reserves terabytes of address space: no cap under it. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

static char *dir;
static bcn_ctx *ctx;

static void setup(void)
{
    dir = fx_tmpdir();
    ctx = bcn_ctx_new();
    cr_assert_not_null(ctx);
}

static void teardown(void)
{
    bcn_ctx_free(ctx);
    fx_rmtree(dir);
}

TestSuite(idx, .init = setup, .fini = teardown);

/* Read `path`, expect `want`; on error the message must name the path and
 * contain `words` (when not NULL). Returns the idx on success. */
static bcn_idx *expect_read(const char *path, bcn_status want, const char *words)
{
    bcn_idx *idx = (bcn_idx *)0x1;
    bcn_status st = bcn_idx_read(ctx, path, &idx);
    cr_assert_eq(st, want, "%s: got status %d (%s), want %d; message: %s", path, st,
                 bcn_status_str(st), want, bcn_errmsg(ctx));
    if (want != BCN_OK) {
        cr_assert_null(idx, "output not cleared on error");
        cr_assert_eq(bcn_errcode(ctx), want);
        cr_assert(strstr(bcn_errmsg(ctx), path), "message does not name the file: %s",
                  bcn_errmsg(ctx));
        if (words)
            cr_assert(strstr(bcn_errmsg(ctx), words), "message lacks '%s': %s", words,
                      bcn_errmsg(ctx));
        return NULL;
    }
    cr_assert_not_null(idx);
    return idx;
}

Test(idx, good_files_plain_and_gzip)
{
    uint8_t data[24];
    for (int i = 0; i < 24; i++)
        data[i] = (uint8_t)(i * 11);
    const uint32_t dims3[3] = {2, 3, 4};
    for (int gz = 0; gz < 2; gz++) {
        char *p = fx_path(dir, gz ? "img.gz" : "img");
        fx_write_idx(p, gz, 0x08, 3, dims3, data, 24, NULL, 0);
        bcn_idx *idx = expect_read(p, BCN_OK, NULL);
        cr_assert_eq(idx->ndim, 3);
        cr_assert(idx->dims[0] == 2 && idx->dims[1] == 3 && idx->dims[2] == 4);
        cr_assert_eq(idx->count, 24);
        cr_assert_arr_eq(idx->data, data, 24);
        bcn_idx_free(idx);
        free(p);
    }
    /* 1-D labels (magic 0x00000801) and a 4-D file. */
    const uint32_t dims1[1] = {5}, dims4[4] = {1, 2, 3, 2};
    char *p = fx_path(dir, "lbl.gz");
    fx_write_idx(p, 1, 0x08, 1, dims1, data, 5, NULL, 0);
    bcn_idx *idx = expect_read(p, BCN_OK, NULL);
    cr_assert(idx->ndim == 1 && idx->dims[0] == 5 && idx->count == 5);
    cr_assert_arr_eq(idx->data, data, 5);
    bcn_idx_free(idx);
    free(p);
    p = fx_path(dir, "four");
    fx_write_idx(p, 0, 0x08, 4, dims4, data, 12, NULL, 0);
    idx = expect_read(p, BCN_OK, NULL);
    cr_assert(idx->ndim == 4 && idx->count == 12);
    bcn_idx_free(idx);
    free(p);
}

Test(idx, missing_file_and_directory_are_io_errors)
{
    char *p = fx_path(dir, "no-such-file");
    expect_read(p, BCN_ERR_IO, "No such file");
    free(p);
    p = fx_path(dir, "sub");
    cr_assert_eq(mkdir(p, 0755), 0);
    expect_read(p, BCN_ERR_IO, NULL);
    free(p);
}

Test(idx, wrong_magic)
{
    const uint8_t bytes[] = {0x12, 0x34, 0x08, 0x01, 0, 0, 0, 1, 7};
    for (int gz = 0; gz < 2; gz++) {
        char *p = fx_path(dir, gz ? "bad.gz" : "bad");
        fx_write_raw(p, bytes, sizeof bytes, gz);
        expect_read(p, BCN_ERR_FORMAT, "0x12340801");
        free(p);
    }
    /* A text file is not IDX either. */
    char *p = fx_path(dir, "text");
    fx_write_raw(p, "hello world\n", 12, 0);
    expect_read(p, BCN_ERR_FORMAT, "not an IDX file");
    free(p);
}

Test(idx, non_byte_types_are_rejected)
{
    const uint32_t dims[1] = {2};
    const uint8_t data[8] = {0};
    const uint8_t types[] = {0x09, 0x0B, 0x0C, 0x0D, 0x0E, 0x00};
    for (size_t i = 0; i < sizeof types; i++) {
        char *p = fx_path(dir, "typed");
        fx_write_idx(p, 0, types[i], 1, dims, data, 8, NULL, 0);
        char words[16];
        snprintf(words, sizeof words, "0x%02x", types[i]);
        expect_read(p, BCN_ERR_FORMAT, words);
        free(p);
    }
}

Test(idx, bad_dimension_counts)
{
    const uint32_t dims[5] = {1, 1, 1, 1, 1};
    const uint8_t data[1] = {0};
    char *p = fx_path(dir, "dims0");
    fx_write_idx(p, 0, 0x08, 0, dims, data, 1, NULL, 0);
    expect_read(p, BCN_ERR_FORMAT, "0 dimensions");
    free(p);
    p = fx_path(dir, "dims5");
    fx_write_idx(p, 0, 0x08, 5, dims, data, 1, NULL, 0);
    expect_read(p, BCN_ERR_FORMAT, "5 dimensions");
    free(p);
}

Test(idx, absurd_dimensions)
{
    const uint8_t data[16] = {0};
    /* A zero dimension. */
    const uint32_t zero[3] = {10, 0, 28};
    char *p = fx_path(dir, "zero");
    fx_write_idx(p, 0, 0x08, 3, zero, data, 0, NULL, 0);
    expect_read(p, BCN_ERR_FORMAT, "dimension 1 is zero");
    free(p);
    /* 2^16 x 2^16 = 2^32 values, more than 2^31: refused before allocating. */
    const uint32_t big[2] = {65536, 65536};
    p = fx_path(dir, "big");
    fx_write_idx(p, 1, 0x08, 2, big, data, 16, NULL, 0);
    expect_read(p, BCN_ERR_FORMAT, "absurd");
    free(p);
    /* Products that would overflow 64 bits. */
    const uint32_t huge[4] = {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu};
    p = fx_path(dir, "huge");
    fx_write_idx(p, 0, 0x08, 4, huge, data, 16, NULL, 0);
    expect_read(p, BCN_ERR_FORMAT, "absurd");
    free(p);
    /* Exactly 2^31 + 1 values across dims. */
    const uint32_t over[2] = {2, 0x40000001u};
    p = fx_path(dir, "over");
    fx_write_idx(p, 0, 0x08, 2, over, data, 16, NULL, 0);
    expect_read(p, BCN_ERR_FORMAT, "absurd");
    free(p);
}

Test(idx, truncation)
{
    uint8_t data[60];
    memset(data, 3, sizeof data);
    const uint32_t dims[3] = {5, 3, 4};
    for (int gz = 0; gz < 2; gz++) {
        /* Payload short by one byte. */
        char *p = fx_path(dir, gz ? "short.gz" : "short");
        fx_write_idx(p, gz, 0x08, 3, dims, data, 59, NULL, 0);
        expect_read(p, BCN_ERR_FORMAT, "truncated");
        free(p);
        /* Header cut inside the dimensions. */
        const uint8_t head[] = {0, 0, 8, 3, 0, 0, 0, 5, 0, 0};
        p = fx_path(dir, gz ? "head.gz" : "head");
        fx_write_raw(p, head, sizeof head, gz);
        expect_read(p, BCN_ERR_FORMAT, "truncated");
        free(p);
        /* Only part of the magic; and an empty file. */
        p = fx_path(dir, gz ? "magic.gz" : "magic");
        fx_write_raw(p, head, 2, gz);
        expect_read(p, BCN_ERR_FORMAT, "truncated");
        fx_write_raw(p, head, 0, gz);
        expect_read(p, BCN_ERR_FORMAT, "truncated");
        free(p);
    }
}

/* Bytes of `path` (malloc'd), length in *n. */
static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)len + 1);
    cr_assert_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return buf;
}

Test(idx, cut_gzip_streams)
{
    uint8_t data[4000];
    for (int i = 0; i < 4000; i++)
        data[i] = (uint8_t)(i * 7919 >> 3);
    const uint32_t dims[3] = {10, 20, 20};
    char *p = fx_path(dir, "whole.gz");
    fx_write_idx(p, 1, 0x08, 3, dims, data, 4000, NULL, 0);
    size_t n;
    uint8_t *gz = slurp(p, &n);
    char *q = fx_path(dir, "cut.gz");
    /* Without the 8-byte trailer (CRC, length): every payload byte is there. */
    fx_write_raw(q, gz, n - 8, 0);
    expect_read(q, BCN_ERR_FORMAT, "truncated");
    /* Cut in the middle of the deflate data. */
    fx_write_raw(q, gz, n / 2, 0);
    expect_read(q, BCN_ERR_FORMAT, NULL);
    /* Corrupt deflate data after a valid gzip header. */
    memset(gz + 12, 0xFF, 40);
    fx_write_raw(q, gz, n, 0);
    expect_read(q, BCN_ERR_FORMAT, NULL);
    free(gz);
    free(q);
    free(p);
}

Test(idx, trailing_garbage)
{
    const uint8_t data[6] = {1, 2, 3, 4, 5, 6};
    const uint8_t extra[3] = {9, 9, 9};
    const uint32_t dims[2] = {2, 3};
    for (int gz = 0; gz < 2; gz++) {
        char *p = fx_path(dir, gz ? "trail.gz" : "trail");
        fx_write_idx(p, gz, 0x08, 2, dims, data, 6, extra, 1);
        expect_read(p, BCN_ERR_FORMAT, "trailing");
        fx_write_idx(p, gz, 0x08, 2, dims, data, 6, extra, 3);
        expect_read(p, BCN_ERR_FORMAT, "trailing");
        free(p);
    }
}

Test(idx, bad_arguments)
{
    bcn_idx *idx = NULL;
    cr_assert_eq(bcn_idx_read(ctx, NULL, &idx), BCN_ERR_INVALID_ARG);
    cr_assert_eq(bcn_idx_read(ctx, "", &idx), BCN_ERR_INVALID_ARG);
    cr_assert_eq(bcn_idx_read(ctx, "x", NULL), BCN_ERR_INVALID_ARG);
    bcn_idx_free(NULL);
}

/* Randomly damaged files (bytes changed, cut short or extended, plain and
 * gzip) must give OK or an error with a message — never a crash or a read
 * past a buffer (run under valgrind/ASan to see the latter). */
Test(idx, damaged_files_never_crash)
{
    uint8_t good[4 + 12 + 48];
    const uint32_t dims[3] = {3, 4, 4};
    good[0] = 0;
    good[1] = 0;
    good[2] = 8;
    good[3] = 3;
    for (int d = 0; d < 3; d++) {
        good[4 + 4 * d] = 0;
        good[5 + 4 * d] = 0;
        good[6 + 4 * d] = 0;
        good[7 + 4 * d] = (uint8_t)dims[d];
    }
    for (int i = 0; i < 48; i++)
        good[16 + i] = (uint8_t)i;
    bcn_rng rng;
    bcn_rng_seed(&rng, 12345);
    char *p = fx_path(dir, "fuzz");
    uint8_t buf[sizeof good + 8];
    int n_ok = 0, n_err = 0;
    for (int trial = 0; trial < 400; trial++) {
        size_t n = sizeof good;
        memcpy(buf, good, n);
        int kind = (int)bcn_rng_below(&rng, 3);
        if (kind == 0) {
            int flips = 1 + (int)bcn_rng_below(&rng, 3);
            for (int f = 0; f < flips; f++)
                buf[bcn_rng_below(&rng, 16)] = (uint8_t)bcn_rng_u64(&rng);
        } else if (kind == 1) {
            n = (size_t)bcn_rng_below(&rng, sizeof good);
        } else {
            size_t extra = 1 + (size_t)bcn_rng_below(&rng, 8);
            for (size_t k = 0; k < extra; k++)
                buf[n + k] = (uint8_t)bcn_rng_u64(&rng);
            n += extra;
        }
        fx_write_raw(p, buf, n, trial & 1);
        bcn_idx *idx = NULL;
        bcn_status st = bcn_idx_read(ctx, p, &idx);
        if (st == BCN_OK) {
            cr_assert_not_null(idx);
            cr_assert_leq(idx->count, n);
            bcn_idx_free(idx);
            n_ok++;
        } else {
            cr_assert(st == BCN_ERR_FORMAT || st == BCN_ERR_NOMEM, "status %d: %s", st,
                      bcn_errmsg(ctx));
            cr_assert_null(idx);
            cr_assert(strstr(bcn_errmsg(ctx), p), "message: %s", bcn_errmsg(ctx));
            n_err++;
        }
    }
    /* Cuts and appends always fail; a header change passes only when it
     * writes a byte's own value back or keeps the product of the dims. */
    cr_assert_gt(n_err, 390, "only %d of 400 damaged files were rejected (%d read)", n_err,
                 n_ok);
    free(p);
}

Test(idx, read_first_keeps_only_the_first_records)
{
    uint8_t data[60];
    for (int i = 0; i < 60; i++)
        data[i] = (uint8_t)(i * 13 + 1);
    const uint32_t dims[3] = {5, 3, 4};
    for (int gz = 0; gz < 2; gz++) {
        char *p = fx_path(dir, gz ? "five.gz" : "five");
        fx_write_idx(p, gz, 0x08, 3, dims, data, 60, NULL, 0);
        /* limit: records kept (0: all; more than the file: all). */
        const uint32_t limits[4] = {2, 0, 5, 9};
        const uint32_t kept[4] = {2, 5, 5, 5};
        for (int k = 0; k < 4; k++) {
            bcn_idx *idx = NULL;
            uint32_t claimed = 0;
            bcn_status st = bcn_idx_read_first(ctx, p, limits[k], &claimed, &idx);
            cr_assert_eq(st, BCN_OK, "%s", bcn_errmsg(ctx));
            cr_assert_eq(claimed, 5);
            cr_assert_eq(idx->ndim, 3);
            cr_assert(idx->dims[0] == kept[k] && idx->dims[1] == 3 && idx->dims[2] == 4,
                      "limit %u: dims %u x %u x %u", limits[k], idx->dims[0], idx->dims[1],
                      idx->dims[2]);
            cr_assert_eq(idx->count, 12 * kept[k]);
            cr_assert_arr_eq(idx->data, data, idx->count);
            bcn_idx_free(idx);
        }
        free(p);
    }
}

Test(idx, a_limited_gzip_read_stops_after_its_records)
{
    const uint8_t data[6] = {1, 2, 3, 4, 5, 6};
    const uint8_t extra[2] = {9, 9};
    const uint32_t dims[2] = {3, 2};
    /* gzip: what follows the records kept is never read, so trailing data
     * is found only by a whole read. */
    char *p = fx_path(dir, "trail.gz");
    fx_write_idx(p, 1, 0x08, 2, dims, data, 6, extra, 2);
    bcn_idx *idx = NULL;
    cr_assert_eq(bcn_idx_read_first(ctx, p, 2, NULL, &idx), BCN_OK, "%s", bcn_errmsg(ctx));
    cr_assert(idx->dims[0] == 2 && idx->count == 4);
    cr_assert_arr_eq(idx->data, data, 4);
    bcn_idx_free(idx);
    expect_read(p, BCN_ERR_FORMAT, "trailing");
    free(p);
    /* A plain file's size is checked whole, limit or not. */
    p = fx_path(dir, "trail");
    fx_write_idx(p, 0, 0x08, 2, dims, data, 6, extra, 2);
    idx = (bcn_idx *)0x1;
    cr_assert_eq(bcn_idx_read_first(ctx, p, 2, NULL, &idx), BCN_ERR_FORMAT);
    cr_assert_null(idx);
    cr_assert(strstr(bcn_errmsg(ctx), "trailing") && strstr(bcn_errmsg(ctx), p), "%s",
              bcn_errmsg(ctx));
    fx_write_idx(p, 0, 0x08, 2, dims, data, 5, NULL, 0);
    cr_assert_eq(bcn_idx_read_first(ctx, p, 1, NULL, &idx), BCN_ERR_FORMAT);
    cr_assert(strstr(bcn_errmsg(ctx), "truncated"), "%s", bcn_errmsg(ctx));
    free(p);
}

/* Bytes of address space mapped now (Linux /proc), 0 when unknown. */
static size_t mapped_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%lu", &pages) != 1)
        pages = 0;
    fclose(f);
    return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

/* Cap this test worker's address space at what it maps now plus `room`, so
 * that an allocation sized by a header's claim (2 GB below) fails. Under
 * AddressSanitizer, or without /proc, the cap is skipped and the tests
 * check the behaviour only. */
static void cap_address_space(size_t room)
{
    size_t now = mapped_bytes();
    if (UNDER_ASAN || now == 0) {
        cr_log_info("address space not capped (%s)",
                    UNDER_ASAN ? "AddressSanitizer" : "no /proc/self/statm");
        return;
    }
    struct rlimit rl = {(rlim_t)(now + room), (rlim_t)(now + room)};
    cr_assert_eq(setrlimit(RLIMIT_AS, &rl), 0);
    /* The cap works: an allocation of the claimed size now fails. */
    void *volatile big = malloc((size_t)2116800000u); /* volatile: not elided */
    if (big)
        free(big);
    cr_assert_null(big, "the address-space cap does not hold");
}

/* An IDX header claiming 2,700,000 images of 28x28 (2,116,800,000 payload
 * bytes, within the format's 2^31) followed by only `n` bytes. */
static void write_claim(const char *p, int gz, size_t n)
{
    uint8_t *payload = malloc(n);
    cr_assert_not_null(payload);
    for (size_t i = 0; i < n; i++)
        payload[i] = (uint8_t)(i * 31 >> 2);
    const uint32_t dims[3] = {2700000, 28, 28};
    fx_write_idx(p, gz, 0x08, 3, dims, payload, n, NULL, 0);
    free(payload);
}

Test(idx, a_header_claiming_millions_allocates_only_what_the_file_holds)
{
    char *gzp = fx_path(dir, "claim.gz"), *plainp = fx_path(dir, "claim");
    /* Written before the cap (zlib's deflate state is large). 3 MB of
     * payload: the gzip buffer must grow past its first 1 MiB. */
    const size_t held = 3u << 20;
    write_claim(gzp, 1, held);
    write_claim(plainp, 0, 5000);
    cap_address_space((size_t)64 << 20);

    /* Whole reads: truncated, with the real count, and no 2 GB buffer. */
    expect_read(gzp, BCN_ERR_FORMAT, "needs 2116800000 bytes, only 3145728 present");
    expect_read(plainp, BCN_ERR_FORMAT, "needs 2116800000 bytes, only 5000 present");

    /* The first 3 records of the gzip file are there; 5000 records are not. */
    bcn_idx *idx = NULL;
    uint32_t claimed = 0;
    cr_assert_eq(bcn_idx_read_first(ctx, gzp, 3, &claimed, &idx), BCN_OK, "%s",
                 bcn_errmsg(ctx));
    cr_assert_eq(claimed, 2700000);
    cr_assert(idx->dims[0] == 3 && idx->count == 3 * 784);
    for (size_t i = 0; i < idx->count; i++)
        cr_assert_eq(idx->data[i], (uint8_t)(i * 31 >> 2), "byte %zu", i);
    bcn_idx_free(idx);
    idx = (bcn_idx *)0x1;
    cr_assert_eq(bcn_idx_read_first(ctx, gzp, 5000, NULL, &idx), BCN_ERR_FORMAT);
    cr_assert_null(idx);
    cr_assert(strstr(bcn_errmsg(ctx), "needs 3920000 bytes, only 3145728 present"), "%s",
              bcn_errmsg(ctx));
    /* The plain file's size refutes its header before anything is read. */
    cr_assert_eq(bcn_idx_read_first(ctx, plainp, 3, NULL, &idx), BCN_ERR_FORMAT);
    cr_assert(strstr(bcn_errmsg(ctx), "only 5000 present"), "%s", bcn_errmsg(ctx));
    free(gzp);
    free(plainp);
}

Test(idx, gzip_payload_larger_than_the_first_buffer)
{
    /* 3 x 1024 x 1024 bytes: the buffer grows 1 -> 2 -> 3 MiB. */
    const size_t n = 3u << 20;
    uint8_t *data = malloc(n);
    cr_assert_not_null(data);
    for (size_t i = 0; i < n; i++)
        data[i] = (uint8_t)((i * 2654435761u) >> 13);
    const uint32_t dims[3] = {3, 1024, 1024};
    char *p = fx_path(dir, "big.gz");
    fx_write_idx(p, 1, 0x08, 3, dims, data, n, NULL, 0);
    bcn_idx *idx = expect_read(p, BCN_OK, NULL);
    cr_assert_eq(idx->count, n);
    cr_assert(memcmp(idx->data, data, n) == 0);
    bcn_idx_free(idx);
    /* One byte short, found after the buffer has grown. */
    fx_write_idx(p, 1, 0x08, 3, dims, data, n - 1, NULL, 0);
    expect_read(p, BCN_ERR_FORMAT, "needs 3145728 bytes, only 3145727 present");
    free(p);
    free(data);
}
