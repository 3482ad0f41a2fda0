/*
 * test_checkpoint.c — bcn_net_save / bcn_net_load: a network saved after k
 * steps and loaded continues EXACTLY as the one that never stopped (every
 * parameter, the optimiser state, the statistics; on ref, bit for bit),
 * the data order and application bytes round-trip, and damaged files
 * (truncated, corrupted, foreign, newer version) are refused with a
 * message naming the file and the problem, leaving no temporary files.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "model_util.h"

#define B 8

/* A fresh temporary folder for one test's files. */
static char *tmpdir(void)
{
    char tmpl[] = "/tmp/bcn-ckpt-XXXXXX";
    char *d = mkdtemp(tmpl);
    cr_assert_not_null(d);
    return strdup(d);
}

static char *path_in(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    cr_assert_not_null(p);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

/* Number of entries in a folder besides . and .. */
static int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void rm_dir(char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        for (struct dirent *e; (e = readdir(d));) {
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                char *p = path_in(dir, e->d_name);
                unlink(p);
                free(p);
            }
        }
        closedir(d);
    }
    rmdir(dir);
    free(dir);
}

/* Train `steps` steps on batches drawn from `order` of a fixed pool. */
static void train(bcn_net *net, bcn_order *order, const float *pool_x, const float *pool_t,
                  int n_in, int n_out, int steps)
{
    float x[B * 64], t[B * 16];
    for (int s = 0; s < steps; s++) {
        const int *idx;
        int b = bcn_order_next(order, &idx);
        for (int r = 0; r < b; r++) {
            memcpy(x + (size_t)r * n_in, pool_x + (size_t)idx[r] * n_in, n_in * sizeof *x);
            memcpy(t + (size_t)r * n_out, pool_t + (size_t)idx[r] * n_out, n_out * sizeof *t);
        }
        cr_assert_eq(bcn_net_train_step(net, x, t, b, NULL), BCN_OK, "%s",
                     bcn_errmsg(bcn_net_ctx(net)));
    }
}

/* Every parameter of a and b is bit-identical. */
static void assert_same_params(bcn_net *a, bcn_net *b)
{
    const bcn_net_config *cfg = bcn_net_config_of(a);
    int checked = 0;
    for (int l = 1; l <= cfg->n_layers; l++) {
        for (int p = BCN_PARAM_W; p <= BCN_PARAM_R; p++) {
            int r = 0, c = 0;
            if (bcn_net_param_shape(a, (bcn_param)p, l, &r, &c) != BCN_OK)
                continue;
            size_t n;
            float *va = mu_param(a, (bcn_param)p, l, &n);
            float *vb = mu_param(b, (bcn_param)p, l, NULL);
            cr_assert(memcmp(va, vb, n * sizeof *va) == 0, "param %d of layer %d differs", p,
                      l);
            free(va);
            free(vb);
            checked++;
        }
    }
    cr_assert_gt(checked, 0);
}

/* Run the resume experiment for one configuration on `device`. */
static void resume_matches(const char *device, bcn_net_config cfg)
{
    enum { POOL = 37 };
    bcn_ctx *ctx = mu_ctx(device);
    int n_in = cfg.input.c * cfg.input.h * cfg.input.w;
    int n_out = cfg.layers[cfg.n_layers - 1].units;
    float *px = mu_uniform(11, (size_t)POOL * n_in, 0, 1);
    float *pt = mu_onehot(12, POOL, n_out);
    char *dir = tmpdir(), *file = path_in(dir, "run.ckpt");

    /* Reference: 13 steps without stopping (crosses an epoch boundary:
     * 37 examples in batches of 8 is 5 steps per epoch). */
    bcn_net *ref = mu_net(ctx, &cfg);
    bcn_order oref;
    cr_assert_eq(bcn_order_init(ctx, &oref, POOL, B, cfg.seed), BCN_OK);
    train(ref, &oref, px, pt, n_in, n_out, 13);

    /* Stopped after 7 steps (mid-epoch), saved, loaded, 6 more. */
    bcn_net *first = mu_net(ctx, &cfg);
    bcn_order o1;
    cr_assert_eq(bcn_order_init(ctx, &o1, POOL, B, cfg.seed), BCN_OK);
    train(first, &o1, px, pt, n_in, n_out, 7);
    const char app[] = "application state \x01\x02";
    cr_assert_eq(bcn_net_save(first, &o1, app, sizeof app, file), BCN_OK, "%s",
                 bcn_errmsg(ctx));
    cr_assert_eq(dir_entries(dir), 1, "a temporary file was left behind");
    bcn_net_destroy(first);
    bcn_order_free(&o1);

    bcn_net *second = NULL;
    bcn_order o2;
    void *app2 = NULL;
    size_t app2_len = 0;
    cr_assert_eq(bcn_net_load(ctx, file, &second, &o2, &app2, &app2_len), BCN_OK, "%s",
                 bcn_errmsg(ctx));
    cr_assert_eq(app2_len, sizeof app);
    cr_assert(memcmp(app2, app, sizeof app) == 0);
    cr_assert_eq(bcn_net_steps(second), 7);
    cr_assert_eq(o2.pos, 16); /* 7 steps: one epoch of 5, then 2 batches of 8 */
    cr_assert_eq(o2.epoch, 2);
    cr_assert(memcmp(&bcn_net_config_of(second)->layers, &cfg.layers, sizeof cfg.layers) == 0);
    train(second, &o2, px, pt, n_in, n_out, 6);

    assert_same_params(ref, second);
    cr_assert(memcmp(oref.perm, o2.perm, POOL * sizeof *o2.perm) == 0);
    cr_assert_eq(oref.pos, o2.pos);
    double l1, l2;
    long c1, c2, s1, s2;
    cr_assert_eq(bcn_net_train_stats(ref, 0, &l1, &c1, &s1), BCN_OK);
    cr_assert_eq(bcn_net_train_stats(second, 0, &l2, &c2, &s2), BCN_OK);
    cr_assert(l1 == l2, "train loss %.17g vs %.17g", l1, l2);
    cr_assert_eq(c1, c2);
    cr_assert_eq(s1, s2);
    cr_assert_eq(bcn_net_steps(second), 13);

    free(app2);
    bcn_order_free(&o2);
    bcn_order_free(&oref);
    bcn_net_destroy(second);
    bcn_net_destroy(ref);
    bcn_ctx_free(ctx);
    free(px);
    free(pt);
    free(file);
    rm_dir(dir);
}

static bcn_net_config small(bcn_rule rule)
{
    static const int sizes[] = {12, 7, 5, 4};
    return mu_config(rule, 3, sizes, 5);
}

Test(checkpoint, burstccn_sgd_resumes_bit_for_bit)
{
    resume_matches("ref", small(BCN_RULE_BURSTCCN));
}

Test(checkpoint, burstprop_momentum_recurrent_resumes_bit_for_bit)
{
    bcn_net_config cfg = small(BCN_RULE_BURSTPROP);
    cfg.optimizer = BCN_OPT_MOMENTUM;
    cfg.momentum = 0.8f;
    cfg.recurrent = 1;
    cfg.r_lr = 0.01f;
    cfg.weight_decay = 1e-4f;
    resume_matches("ref", cfg);
}

Test(checkpoint, backprop_adam_resumes_bit_for_bit)
{
    bcn_net_config cfg = small(BCN_RULE_BACKPROP);
    cfg.optimizer = BCN_OPT_ADAM;
    bcn_net_config_set_lr(&cfg, 0.01f);
    resume_matches("ref", cfg);
}

Test(checkpoint, conv_net_with_feedback_learning_resumes_bit_for_bit)
{
    bcn_net_config cfg = small(BCN_RULE_BURSTCCN);
    cfg.input = (bcn_shape){2, 6, 5};
    cr_assert_eq(bcn_net_config_set_arch(NULL, &cfg, "conv:3:3:1:1,conv:2:2:2"), BCN_OK);
    cfg.conv_feedback_learning = 1;
    resume_matches("ref", cfg);
}

/* ------------------------------------------------------------ bad files */

/* A saved small network's bytes (and the folder it lives in). */
static unsigned char *saved_bytes(bcn_ctx *ctx, const char *file, size_t *len)
{
    bcn_net_config cfg = small(BCN_RULE_BURSTCCN);
    bcn_net *net = mu_net(ctx, &cfg);
    bcn_order o;
    cr_assert_eq(bcn_order_init(ctx, &o, 10, 4, 1), BCN_OK);
    cr_assert_eq(bcn_net_save(net, &o, "x", 1, file), BCN_OK, "%s", bcn_errmsg(ctx));
    bcn_order_free(&o);
    bcn_net_destroy(net);
    FILE *f = fopen(file, "rb");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    unsigned char *buf = malloc(*len);
    cr_assert_eq(fread(buf, 1, *len, f), *len);
    fclose(f);
    return buf;
}

static void write_bytes(const char *file, const unsigned char *buf, size_t len)
{
    FILE *f = fopen(file, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(buf, 1, len, f), len);
    fclose(f);
}

/* Loading `file` fails with `status` and a message naming it and `what`. */
static void assert_refused(bcn_ctx *ctx, const char *file, bcn_status status, const char *what)
{
    bcn_net *net = (bcn_net *)0x1;
    bcn_order o;
    cr_assert_eq(bcn_net_load(ctx, file, &net, &o, NULL, NULL), status, "%s",
                 bcn_errmsg(ctx));
    cr_assert_null(net);
    cr_assert_null(o.perm);
    cr_assert_not_null(strstr(bcn_errmsg(ctx), file), "%s", bcn_errmsg(ctx));
    cr_assert_not_null(strstr(bcn_errmsg(ctx), what), "'%s' lacks '%s'", bcn_errmsg(ctx),
                       what);
}

/* zlib-compatible CRC-32 (reflected, polynomial 0xEDB88320), written here
 * to forge headers independently of the library. */
static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

Test(checkpoint, header_is_documented_layout)
{
    bcn_ctx *ctx = mu_ctx("ref");
    char *dir = tmpdir(), *file = path_in(dir, "a.ckpt");
    size_t len;
    unsigned char *buf = saved_bytes(ctx, file, &len);
    cr_assert(memcmp(buf, "\x89" "BCN\r\n\x1a\n", 8) == 0);
    cr_assert_eq(buf[8], BCN_CHECKPOINT_VERSION);
    cr_assert(memcmp(buf + 12, "\x0d\x0c\x0b\x0a", 4) == 0); /* little-endian mark */
    uint64_t plen = 0;
    for (int i = 7; i >= 0; i--)
        plen = plen << 8 | buf[16 + i];
    cr_assert_eq(plen, len - 32);
    uint32_t crc = (uint32_t)buf[24] | (uint32_t)buf[25] << 8 | (uint32_t)buf[26] << 16 |
                   (uint32_t)buf[27] << 24;
    cr_assert_eq(crc, crc32_of(buf + 32, len - 32));
    cr_assert(memcmp(buf + 32, "CONF", 4) == 0);
    free(buf);
    free(file);
    rm_dir(dir);
    bcn_ctx_free(ctx);
}

Test(checkpoint, truncated_files_are_refused)
{
    bcn_ctx *ctx = mu_ctx("ref");
    char *dir = tmpdir(), *file = path_in(dir, "a.ckpt");
    size_t len;
    unsigned char *buf = saved_bytes(ctx, file, &len);
    size_t cuts[] = {0, 5, 31, 32, 40, len / 2, len - 1};
    const char *why[] = {"wrong magic", "wrong magic", "truncated header", "truncated",
                         "truncated", "truncated", "truncated"};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        write_bytes(file, buf, cuts[i]);
        assert_refused(ctx, file, BCN_ERR_FORMAT, why[i]);
    }
    unsigned char *longer = malloc(len + 3);
    memcpy(longer, buf, len);
    memcpy(longer + len, "abc", 3);
    write_bytes(file, longer, len + 3);
    assert_refused(ctx, file, BCN_ERR_FORMAT, "trailing data");
    free(longer);
    free(buf);
    free(file);
    rm_dir(dir);
    bcn_ctx_free(ctx);
}

Test(checkpoint, corrupted_foreign_and_newer_files_are_refused)
{
    bcn_ctx *ctx = mu_ctx("ref");
    char *dir = tmpdir(), *file = path_in(dir, "a.ckpt");
    size_t len;
    unsigned char *buf = saved_bytes(ctx, file, &len);

    /* One flipped bit in the payload (in a weight), then in the header. */
    buf[len - 100] ^= 0x10;
    write_bytes(file, buf, len);
    assert_refused(ctx, file, BCN_ERR_FORMAT, "checksum");
    buf[len - 100] ^= 0x10;
    buf[17] ^= 0x01;
    write_bytes(file, buf, len);
    assert_refused(ctx, file, BCN_ERR_FORMAT, "corrupted header");
    buf[17] ^= 0x01;

    /* A foreign file. */
    write_bytes(file, (const unsigned char *)"P6\n3 2\n255\n........................", 30);
    assert_refused(ctx, file, BCN_ERR_FORMAT, "not a libburstccn checkpoint");

    /* A newer format version, with a valid header checksum. */
    put32(buf + 8, BCN_CHECKPOINT_VERSION + 1);
    put32(buf + 28, crc32_of(buf, 28));
    write_bytes(file, buf, len);
    assert_refused(ctx, file, BCN_ERR_UNSUPPORTED, "newer libburstccn");
    put32(buf + 8, BCN_CHECKPOINT_VERSION);

    /* A payload that claims a weight count the configuration does not
     * have, with valid checksums: inconsistent, refused. Find the PARM
     * section and bump its first record's count. */
    size_t at = 32;
    while (memcmp(buf + at, "PARM", 4) != 0) {
        uint64_t n = 0;
        for (int i = 7; i >= 0; i--)
            n = n << 8 | buf[at + 8 + i];
        at += 16 + n;
        cr_assert_lt(at, len);
    }
    buf[at + 16 + 4 + 8] ^= 0x01; /* count u32 + layer u32 + which u32 → count's low byte */
    put32(buf + 24, crc32_of(buf + 32, len - 32));
    put32(buf + 28, crc32_of(buf, 28));
    write_bytes(file, buf, len);
    assert_refused(ctx, file, BCN_ERR_FORMAT, "the configuration needs");

    /* A missing file. */
    char *missing = path_in(dir, "none.ckpt");
    bcn_net *net = NULL;
    cr_assert_eq(bcn_net_load(ctx, missing, &net, NULL, NULL, NULL), BCN_ERR_IO);
    cr_assert_not_null(strstr(bcn_errmsg(ctx), missing));
    free(missing);
    free(buf);
    free(file);
    rm_dir(dir);
    bcn_ctx_free(ctx);
}

Test(checkpoint, failed_save_leaves_nothing)
{
    bcn_ctx *ctx = mu_ctx("ref");
    bcn_net_config cfg = small(BCN_RULE_FA);
    bcn_net *net = mu_net(ctx, &cfg);
    cr_assert_eq(bcn_net_save(net, NULL, NULL, 0, "/nonexistent-dir/x.ckpt"), BCN_ERR_IO);
    cr_assert_not_null(strstr(bcn_errmsg(ctx), "/nonexistent-dir/x.ckpt"));
    /* A saved model without a data order loads without one. */
    char *dir = tmpdir(), *file = path_in(dir, "m.ckpt");
    cr_assert_eq(bcn_net_save(net, NULL, NULL, 0, file), BCN_OK, "%s", bcn_errmsg(ctx));
    bcn_net *back = NULL;
    bcn_order o;
    void *app = (void *)0x1;
    size_t app_len = 7;
    cr_assert_eq(bcn_net_load(ctx, file, &back, &o, &app, &app_len), BCN_OK);
    cr_assert_null(o.perm);
    cr_assert_null(app);
    cr_assert_eq(app_len, 0);
    assert_same_params(net, back);
    bcn_net_destroy(back);
    bcn_net_destroy(net);
    free(file);
    rm_dir(dir);
    bcn_ctx_free(ctx);
}

/* ----------------------------------------------------------- divergence */

Test(divergence, first_bad_step_names_the_step_whose_loss_was_nan)
{
    bcn_ctx *ctx = mu_ctx("ref");
    bcn_net_config cfg = small(BCN_RULE_BURSTCCN);
    bcn_net *net = mu_net(ctx, &cfg);
    float *x = mu_uniform(3, B * 12, 0.1, 1), *t = mu_onehot(4, B, 4);
    long bad = 0;
    for (int s = 0; s < 5; s++)
        cr_assert_eq(bcn_net_train_step(net, x, t, B, NULL), BCN_OK);
    cr_assert_eq(bcn_net_first_bad_step(net, &bad), BCN_OK);
    cr_assert_eq(bad, -1);
    /* A NaN in W_3 (the inputs of layer 3 are sigmoid rates > 0, so it
     * reaches the output whatever the GEMM does with zeros). */
    size_t n;
    float *w = mu_param(net, BCN_PARAM_W, 3, &n);
    w[2] = NAN;
    cr_assert_eq(bcn_net_set_param(net, BCN_PARAM_W, 3, w), BCN_OK);
    for (int s = 0; s < 3; s++)
        cr_assert_eq(bcn_net_train_step(net, x, t, B, NULL), BCN_OK);
    cr_assert_eq(bcn_net_first_bad_step(net, &bad), BCN_OK);
    cr_assert_eq(bad, 5, "first bad step %ld", bad);
    cr_assert_eq(bcn_net_steps(net), 8);
    double loss = 0;
    cr_assert_eq(bcn_net_train_stats(net, 1, &loss, NULL, NULL), BCN_OK);
    cr_assert(isnan(loss));
    /* The mark survives the statistics' reset and a save/load. */
    char *dir = tmpdir(), *file = path_in(dir, "nan.ckpt");
    cr_assert_eq(bcn_net_save(net, NULL, NULL, 0, file), BCN_OK);
    bcn_net *back = NULL;
    cr_assert_eq(bcn_net_load(ctx, file, &back, NULL, NULL, NULL), BCN_OK, "%s",
                 bcn_errmsg(ctx));
    cr_assert_eq(bcn_net_first_bad_step(back, &bad), BCN_OK);
    cr_assert_eq(bad, 5);
    bcn_net_destroy(back);
    free(w);
    free(x);
    free(t);
    free(file);
    rm_dir(dir);
    bcn_net_destroy(net);
    bcn_ctx_free(ctx);
}
