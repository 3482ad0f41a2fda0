/*
 * fuzz_checkpoint.c — libFuzzer target for the checkpoint reader
 * (bcn_net_load and bcn_checkpoint_app, docs/checkpoint.md).
 *
 * Each input is one byte of options, then the file's bytes. With bit 0 of
 * the options set, the target first rewrites the header's payload length
 * and both CRC-32s to match the mutated bytes, so that mutations get past
 * the checksums into the section parser (unset, they test the checks
 * themselves). On success the network must be usable (one forward pass,
 * its parameters readable, a data order that is a permutation); on failure
 * the message must name the file. Under `make fuzz`'s -malloc_limit_mb an
 * allocation sized by a claim the file does not prove is a crash.
 *
 * How to build, seed and run it: tests/fuzz/README.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "burstccn.h"
#include "fuzz_entry.h"

static char dir[256];
static char path[300];
static bcn_ctx *ctx;

static void cleanup(void)
{
    unlink(path);
    rmdir(dir);
    bcn_ctx_free(ctx);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/bcn-fuzz-ckpt-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        abort();
    snprintf(path, sizeof path, "%s/input.ckpt", dir);
    ctx = bcn_ctx_new();
    if (!ctx || bcn_ctx_open_device(ctx, "ref") != BCN_OK)
        abort();
    atexit(cleanup);
    return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int fix = data[0] & 1;
    size_t n = size - 1;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        abort();
    memcpy(buf, data + 1, n);
    if (fix && n >= 32) {
        uint64_t plen = n - 32;
        put32(buf + 16, (uint32_t)plen);
        put32(buf + 20, (uint32_t)(plen >> 32));
        put32(buf + 24, (uint32_t)crc32(crc32(0L, Z_NULL, 0), buf + 32, (uInt)plen));
        put32(buf + 28, (uint32_t)crc32(crc32(0L, Z_NULL, 0), buf, 28));
    }
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(buf, 1, n, f) != n) || fclose(f) != 0)
        abort();
    free(buf);

    bcn_net *net = NULL;
    bcn_order order;
    void *app = NULL;
    size_t app_len = 0;
    bcn_status st = bcn_net_load(ctx, path, &net, &order, &app, &app_len);
    if (st != BCN_OK) {
        if (net || order.perm || app || !strstr(bcn_errmsg(ctx), path))
            abort(); /* a failure leaves nothing behind and names the file */
    } else {
        const bcn_net_config *cfg = bcn_net_config_of(net);
        size_t n_in = (size_t)cfg->input.c * cfg->input.h * cfg->input.w;
        size_t n_out = (size_t)cfg->layers[cfg->n_layers - 1].units;
        float *x = calloc(n_in, sizeof *x), *y = calloc(n_out, sizeof *y);
        if (!x || !y || bcn_net_forward(net, x, 1, y) != BCN_OK)
            abort();
        for (int l = 1; l <= cfg->n_layers; l++) {
            int r = 0, c = 0;
            if (bcn_net_param_shape(net, BCN_PARAM_W, l, &r, &c) != BCN_OK)
                abort();
        }
        if (order.perm) {
            for (int i = 0; i < order.n; i++)
                if (order.perm[i] < 0 || order.perm[i] >= order.n)
                    abort();
            if (order.pos < 0 || order.pos >= order.n || order.batch < 1)
                abort();
        }
        free(x);
        free(y);
    }
    void *app2 = NULL;
    size_t len2 = 0;
    if (bcn_checkpoint_app(NULL, path, &app2, &len2) == BCN_OK && st == BCN_OK &&
        (len2 != app_len || (len2 && memcmp(app, app2, len2) != 0)))
        abort(); /* both readers see the same application bytes */
    free(app2);
    free(app);
    bcn_order_free(&order);
    bcn_net_destroy(net);
    return 0;
}
