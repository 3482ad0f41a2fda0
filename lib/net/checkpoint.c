/*
 * checkpoint.c — bcn_net_save / bcn_net_load: the whole training state in
 * one versioned, self-describing, checksummed little-endian file
 * (docs/checkpoint.md), written atomically and read without trusting any
 * size the file does not prove.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "file_atomic.h"
#include "net_internal.h"

#define CKPT_MAGIC "\x89" "BCN\r\n\x1a\n"
#define CKPT_HEADER 32
#define CKPT_BYTE_ORDER 0x0A0B0C0Du /* stored little-endian: 0D 0C 0B 0A */
#define N_STATE 9                   /* buffers per layer (bcn_net_state_buffers) */

static const char *const state_names[N_STATE] = {"W", "c", "W momentum", "c momentum",
                                                 "W second moment", "c second moment",
                                                 "Y", "Q", "R"};

/* ------------------------------------------------------------ encoding */

typedef struct wbuf {
    unsigned char *p;
    size_t len, cap;
    int oom;
} wbuf;

static void put_bytes(wbuf *w, const void *data, size_t n)
{
    if (w->oom)
        return;
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->len + n)
            cap *= 2;
        unsigned char *p = realloc(w->p, cap);
        if (!p) {
            w->oom = 1;
            return;
        }
        w->p = p;
        w->cap = cap;
    }
    memcpy(w->p + w->len, data, n);
    w->len += n;
}

static void put_u32(wbuf *w, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    put_bytes(w, b, 4);
}

static void put_u64(wbuf *w, uint64_t v)
{
    put_u32(w, (uint32_t)v);
    put_u32(w, (uint32_t)(v >> 32));
}

static void put_f32(wbuf *w, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    put_u32(w, u);
}

static void put_f64(wbuf *w, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    put_u64(w, u);
}

static void put_i64(wbuf *w, long v) { put_u64(w, (uint64_t)(int64_t)v); }

static void store_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Start a section: its tag and a length patched by end_section. */
static size_t begin_section(wbuf *w, const char tag[4])
{
    put_bytes(w, tag, 4);
    put_u32(w, 0);
    size_t at = w->len;
    put_u64(w, 0);
    return at;
}

static void end_section(wbuf *w, size_t at)
{
    if (w->oom)
        return;
    uint64_t n = w->len - (at + 8);
    for (int i = 0; i < 8; i++)
        w->p[at + (size_t)i] = (unsigned char)(n >> (8 * i));
}

/* ------------------------------------------------------------ decoding */

typedef struct rbuf {
    const unsigned char *p;
    size_t left;
    int short_read; /* a read went past the end */
} rbuf;

static const unsigned char *take(rbuf *r, size_t n)
{
    if (r->short_read || n > r->left) {
        r->short_read = 1;
        return NULL;
    }
    const unsigned char *p = r->p;
    r->p += n;
    r->left -= n;
    return p;
}

static uint32_t load_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t get_u32(rbuf *r)
{
    const unsigned char *p = take(r, 4);
    return p ? load_u32(p) : 0;
}

static uint64_t get_u64(rbuf *r)
{
    uint64_t lo = get_u32(r);
    return lo | (uint64_t)get_u32(r) << 32;
}

static float get_f32(rbuf *r)
{
    uint32_t u = get_u32(r);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static double get_f64(rbuf *r)
{
    uint64_t u = get_u64(r);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

/* zlib's CRC-32 of n bytes (fed in pieces: zlib takes uInt lengths). */
static uint32_t crc_of(const unsigned char *p, size_t n)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    for (size_t off = 0; off < n;) {
        size_t k = n - off > (1u << 30) ? (1u << 30) : n - off;
        crc = crc32(crc, p + off, (uInt)k);
        off += k;
    }
    return (uint32_t)crc;
}

/* Make *buf hold at least n floats (*cap of them now); 0 or -1. */
static int reserve_floats(float **buf, size_t *cap, size_t n)
{
    if (n <= *cap)
        return 0;
    float *p = realloc(*buf, n * sizeof *p);
    if (!p)
        return -1;
    *buf = p;
    *cap = n;
    return 0;
}

/* ---------------------------------------------------------- the sections */

static void put_rng(wbuf *w, const bcn_rng *g)
{
    for (int i = 0; i < 4; i++)
        put_u64(w, g->s[i]);
    put_f64(w, g->spare);
    put_u32(w, (uint32_t)g->has_spare);
}

static void get_rng(rbuf *r, bcn_rng *g)
{
    for (int i = 0; i < 4; i++)
        g->s[i] = get_u64(r);
    g->spare = get_f64(r);
    g->has_spare = get_u32(r) != 0;
}

static void put_config(wbuf *w, const bcn_net_config *c)
{
    put_u32(w, (uint32_t)c->input.c);
    put_u32(w, (uint32_t)c->input.h);
    put_u32(w, (uint32_t)c->input.w);
    put_u32(w, (uint32_t)c->n_layers);
    for (int l = 0; l < c->n_layers; l++) {
        const bcn_layer_spec *sp = &c->layers[l];
        put_u32(w, (uint32_t)sp->kind);
        put_u32(w, (uint32_t)sp->units);
        put_u32(w, (uint32_t)sp->kernel);
        put_u32(w, (uint32_t)sp->stride);
        put_u32(w, (uint32_t)sp->pad);
        put_f32(w, c->lr[l]);
    }
    put_u32(w, (uint32_t)c->rule);
    put_f32(w, c->p_baseline);
    put_f32(w, c->error_scale);
    put_u32(w, (uint32_t)c->y_mode);
    put_f32(w, c->y_scale);
    put_f32(w, c->y_lr);
    put_u32(w, (uint32_t)c->q_mode);
    put_f32(w, c->q_scale);
    put_f32(w, c->q_lr);
    put_u32(w, (uint32_t)c->conv_feedback_learning);
    put_u32(w, (uint32_t)c->recurrent);
    put_f32(w, c->r_scale);
    put_f32(w, c->r_lr);
    put_u32(w, (uint32_t)c->optimizer);
    put_f32(w, c->momentum);
    put_f32(w, c->adam_beta1);
    put_f32(w, c->adam_beta2);
    put_f32(w, c->adam_eps);
    put_f32(w, c->weight_decay);
    put_u64(w, c->seed);
}

/* An enum or int field read from the file; out-of-range values become -1
 * so that bcn_net_config_check names them. */
static int get_int(rbuf *r, uint32_t max)
{
    uint32_t v = get_u32(r);
    return v > max ? -1 : (int)v;
}

/* 0, or -1 with the message set (the layer count is out of range). */
static int get_config(rbuf *r, bcn_net_config *c)
{
    memset(c, 0, sizeof *c);
    c->input.c = get_int(r, INT32_MAX);
    c->input.h = get_int(r, INT32_MAX);
    c->input.w = get_int(r, INT32_MAX);
    uint32_t L = get_u32(r);
    if (L < 1 || L > BCN_MAX_LAYERS)
        return -1;
    c->n_layers = (int)L;
    for (int l = 0; l < c->n_layers; l++) {
        bcn_layer_spec *sp = &c->layers[l];
        int kind = get_int(r, BCN_LAYER_CONV2D);
        sp->kind = kind < 0 ? BCN_LAYER_DENSE : (bcn_layer_kind)kind;
        sp->units = get_int(r, INT32_MAX);
        sp->kernel = get_int(r, INT32_MAX);
        sp->stride = get_int(r, INT32_MAX);
        sp->pad = get_int(r, INT32_MAX);
        c->lr[l] = get_f32(r);
        if (kind < 0)
            sp->units = -1; /* refused by the check */
    }
    int v = get_int(r, BCN_RULE_COUNT - 1);
    c->rule = v < 0 ? BCN_RULE_COUNT : (bcn_rule)v;
    c->p_baseline = get_f32(r);
    c->error_scale = get_f32(r);
    v = get_int(r, BCN_FB_WSYM);
    c->y_mode = v < 0 ? (bcn_fb_mode)99 : (bcn_fb_mode)v;
    c->y_scale = get_f32(r);
    c->y_lr = get_f32(r);
    v = get_int(r, BCN_FB_WSYM);
    c->q_mode = v < 0 ? (bcn_fb_mode)99 : (bcn_fb_mode)v;
    c->q_scale = get_f32(r);
    c->q_lr = get_f32(r);
    c->conv_feedback_learning = get_int(r, 1);
    c->recurrent = get_int(r, 1);
    c->r_scale = get_f32(r);
    c->r_lr = get_f32(r);
    v = get_int(r, BCN_OPT_ADAM);
    c->optimizer = v < 0 ? (bcn_optimizer)99 : (bcn_optimizer)v;
    c->momentum = get_f32(r);
    c->adam_beta1 = get_f32(r);
    c->adam_beta2 = get_f32(r);
    c->adam_eps = get_f32(r);
    c->weight_decay = get_f32(r);
    c->seed = get_u64(r);
    return 0;
}

/* ------------------------------------------------------------------ save */

/* Append every state buffer of the network to the PARM section. */
static bcn_status put_params(bcn_net *net, wbuf *w)
{
    size_t at = begin_section(w, "PARM");
    uint32_t count = 0;
    for (int li = 0; li < net->L; li++) {
        bcn_buf **bufs[N_STATE];
        size_t sizes[N_STATE];
        bcn_net_state_buffers(net, li, bufs, sizes);
        for (int k = 0; k < N_STATE; k++)
            count += *bufs[k] != NULL;
    }
    put_u32(w, count);
    float *host = NULL;
    size_t host_cap = 0;
    bcn_status st = BCN_OK;
    for (int li = 0; li < net->L && st == BCN_OK; li++) {
        bcn_buf **bufs[N_STATE];
        size_t sizes[N_STATE];
        bcn_net_state_buffers(net, li, bufs, sizes);
        for (int k = 0; k < N_STATE && st == BCN_OK; k++) {
            if (!*bufs[k])
                continue;
            if (reserve_floats(&host, &host_cap, sizes[k]) != 0) {
                st = bcn_set_error(net->ctx, BCN_ERR_NOMEM, "out of memory reading %s of layer %d",
                                   state_names[k], li + 1);
                break;
            }
            st = net->be->buf_read(net->be, *bufs[k], 0, sizes[k], host);
            put_u32(w, (uint32_t)(li + 1));
            put_u32(w, (uint32_t)k);
            put_u64(w, sizes[k]);
            for (size_t i = 0; i < sizes[k] && st == BCN_OK; i++)
                put_f32(w, host[i]);
        }
    }
    free(host);
    end_section(w, at);
    return st;
}

bcn_status bcn_net_save(bcn_net *net, const bcn_order *order, const void *app, size_t app_len,
                        const char *path)
{
    if (!net)
        return BCN_ERR_INVALID_ARG;
    if (!path || (app_len && !app) || (order && (!order->perm || order->n < 1)))
        return bcn_set_error(net->ctx, BCN_ERR_INVALID_ARG, "bcn_net_save: bad argument");
    bcn_status st = bcn_net_fold_stats(net);
    if (st != BCN_OK)
        return st;
    wbuf w = {0};
    static const unsigned char no_header[CKPT_HEADER];
    put_bytes(&w, no_header, sizeof no_header); /* filled in below */
    size_t at = begin_section(&w, "CONF");
    put_config(&w, &net->cfg);
    end_section(&w, at);

    at = begin_section(&w, "STAT");
    put_i64(&w, net->steps);
    put_f64(&w, net->loss_sum);
    put_i64(&w, net->correct);
    put_i64(&w, net->seen);
    put_i64(&w, net->adam_step);
    put_i64(&w, net->first_bad_step);
    end_section(&w, at);

    st = put_params(net, &w);

    if (st == BCN_OK && order) {
        at = begin_section(&w, "ORDR");
        put_u32(&w, (uint32_t)order->n);
        put_u32(&w, (uint32_t)order->batch);
        put_u32(&w, (uint32_t)order->pos);
        put_i64(&w, order->epoch);
        put_rng(&w, &order->rng);
        put_rng(&w, &order->aug);
        for (int i = 0; i < order->n; i++)
            put_u32(&w, (uint32_t)order->perm[i]);
        end_section(&w, at);
    }
    if (st == BCN_OK && app_len) {
        at = begin_section(&w, "APPD");
        put_bytes(&w, app, app_len);
        end_section(&w, at);
    }
    if (st == BCN_OK && w.oom)
        st = bcn_set_error(net->ctx, BCN_ERR_NOMEM, "out of memory composing '%s'", path);
    if (st == BCN_OK) {
        unsigned char *head = w.p;
        size_t plen = w.len - CKPT_HEADER;
        memcpy(head, CKPT_MAGIC, 8);
        store_u32(head + 8, BCN_CHECKPOINT_VERSION);
        store_u32(head + 12, CKPT_BYTE_ORDER);
        store_u32(head + 16, (uint32_t)plen);
        store_u32(head + 20, (uint32_t)((uint64_t)plen >> 32));
        store_u32(head + 24, crc_of(w.p + CKPT_HEADER, plen));
        store_u32(head + 28, crc_of(head, 28));
        char err[1024];
        if (bcn_file_write_atomic(path, w.p, w.len, 0, err, sizeof err) != 0)
            st = bcn_set_error(net->ctx, BCN_ERR_IO, "%s", err);
    }
    free(w.p);
    return st;
}

/* ------------------------------------------------------------------ load */

/* Read the whole file (its size proven by fstat and the read itself). */
static bcn_status read_file(bcn_ctx *ctx, const char *path, unsigned char **out, size_t *len)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return bcn_set_error(ctx, BCN_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(f);
        return bcn_set_error(ctx, BCN_ERR_IO, "'%s' is not a regular file", path);
    }
    size_t n = (size_t)sb.st_size;
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf) {
        fclose(f);
        return bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory reading '%s' (%zu bytes)", path,
                             n);
    }
    size_t got = fread(buf, 1, n, f);
    int err = ferror(f);
    fclose(f);
    if (err || got != n) {
        free(buf);
        return bcn_set_error(ctx, BCN_ERR_IO, "cannot read '%s'", path);
    }
    *out = buf;
    *len = n;
    return BCN_OK;
}

/* Check the header; on success *payload, *plen is the checksummed body. */
static bcn_status check_header(bcn_ctx *ctx, const char *path, const unsigned char *buf,
                               size_t len, const unsigned char **payload, size_t *plen)
{
    if (len < 8 || memcmp(buf, CKPT_MAGIC, 8) != 0)
        return bcn_set_error(ctx, BCN_ERR_FORMAT,
                             "'%s' is not a libburstccn checkpoint (wrong magic number)", path);
    if (len < CKPT_HEADER)
        return bcn_set_error(ctx, BCN_ERR_FORMAT, "'%s': truncated header (%zu of %d bytes)",
                             path, len, CKPT_HEADER);
    if (load_u32(buf + 28) != crc_of(buf, 28))
        return bcn_set_error(ctx, BCN_ERR_FORMAT, "'%s': corrupted header (checksum mismatch)",
                             path);
    uint32_t version = load_u32(buf + 8);
    if (version > BCN_CHECKPOINT_VERSION)
        return bcn_set_error(ctx, BCN_ERR_UNSUPPORTED,
                             "'%s' was written by a newer libburstccn (checkpoint format %u; "
                             "this version %s reads formats 1 to %d)",
                             path, version, bcn_version(), BCN_CHECKPOINT_VERSION);
    if (version < 1)
        return bcn_set_error(ctx, BCN_ERR_FORMAT, "'%s': invalid format version 0", path);
    if (load_u32(buf + 12) != CKPT_BYTE_ORDER)
        return bcn_set_error(ctx, BCN_ERR_FORMAT, "'%s': unknown byte-order mark 0x%08x", path,
                             (unsigned)load_u32(buf + 12));
    uint64_t want = (uint64_t)load_u32(buf + 16) | (uint64_t)load_u32(buf + 20) << 32;
    uint64_t have = len - CKPT_HEADER;
    if (want != have)
        return bcn_set_error(ctx, BCN_ERR_FORMAT,
                             "'%s': %s (the header announces %llu bytes of payload, the file "
                             "has %llu)",
                             path, want > have ? "truncated" : "trailing data",
                             (unsigned long long)want, (unsigned long long)have);
    if (crc_of(buf + CKPT_HEADER, (size_t)have) != load_u32(buf + 24))
        return bcn_set_error(ctx, BCN_ERR_FORMAT, "'%s': corrupted (payload checksum mismatch)",
                             path);
    *payload = buf + CKPT_HEADER;
    *plen = (size_t)have;
    return BCN_OK;
}

typedef struct sections {
    rbuf conf, stat, parm, ordr, appd;
    int has_conf, has_stat, has_parm, has_ordr, has_appd;
} sections;

static bcn_status split_sections(bcn_ctx *ctx, const char *path, const unsigned char *p,
                                 size_t len, sections *s)
{
    memset(s, 0, sizeof *s);
    rbuf r = {p, len, 0};
    while (r.left > 0) {
        const unsigned char *tag = take(&r, 4);
        get_u32(&r);
        uint64_t n = get_u64(&r);
        if (r.short_read || n > r.left)
            return bcn_set_error(ctx, BCN_ERR_FORMAT, "'%s': a section runs past the end",
                                 path);
        rbuf body = {take(&r, (size_t)n), (size_t)n, 0};
        static const char *const tags[5] = {"CONF", "STAT", "PARM", "ORDR", "APPD"};
        rbuf *dst[5] = {&s->conf, &s->stat, &s->parm, &s->ordr, &s->appd};
        int *has[5] = {&s->has_conf, &s->has_stat, &s->has_parm, &s->has_ordr, &s->has_appd};
        for (int i = 0; i < 5; i++) {
            if (memcmp(tag, tags[i], 4) != 0)
                continue;
            if (*has[i])
                return bcn_set_error(ctx, BCN_ERR_FORMAT, "'%s': two %s sections", path,
                                     tags[i]);
            *dst[i] = body;
            *has[i] = 1;
        }
        /* Unknown sections are skipped: later versions may add optional ones. */
    }
    if (!s->has_conf || !s->has_stat || !s->has_parm)
        return bcn_set_error(ctx, BCN_ERR_FORMAT, "'%s': missing its %s section", path,
                             !s->has_conf ? "configuration" : !s->has_stat ? "statistics"
                                                                            : "parameter");
    return BCN_OK;
}

/* One PARM record, located (not yet decoded). */
typedef struct param_rec {
    const unsigned char *data; /* count little-endian floats */
    uint64_t count;
} param_rec;

/* Locate every PARM record and check it against the layout of `shape`
 * (a network struct with only cfg, L and layer[] shapes filled). */
static bcn_status index_params(bcn_ctx *ctx, const char *path, rbuf r, bcn_net *shape,
                               param_rec rec[BCN_MAX_LAYERS][N_STATE])
{
    memset(rec, 0, sizeof(param_rec) * BCN_MAX_LAYERS * N_STATE);
    uint32_t count = get_u32(&r);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t layer = get_u32(&r), which = get_u32(&r);
        uint64_t n = get_u64(&r);
        if (r.short_read)
            break;
        if (layer < 1 || layer > (uint32_t)shape->L || which >= N_STATE)
            return bcn_set_error(ctx, BCN_ERR_FORMAT,
                                 "'%s': parameter record %u names layer %u, kind %u (the "
                                 "network has %d layers)",
                                 path, i + 1, layer, which, shape->L);
        bcn_buf **bufs[N_STATE];
        size_t sizes[N_STATE];
        bcn_net_state_buffers(shape, (int)layer - 1, bufs, sizes);
        if (n != sizes[which] || n == 0)
            return bcn_set_error(ctx, BCN_ERR_FORMAT,
                                 "'%s': %s of layer %u has %llu values; the configuration "
                                 "needs %zu",
                                 path, state_names[which], layer, (unsigned long long)n,
                                 sizes[which]);
        param_rec *p = &rec[layer - 1][which];
        if (p->data)
            return bcn_set_error(ctx, BCN_ERR_FORMAT, "'%s': %s of layer %u given twice", path,
                                 state_names[which], layer);
        if (n > r.left / 4) {
            r.short_read = 1;
            break;
        }
        p->data = take(&r, (size_t)n * 4);
        p->count = n;
    }
    if (r.short_read)
        return bcn_set_error(ctx, BCN_ERR_FORMAT, "'%s': the parameter section is cut short",
                             path);
    if (r.left)
        return bcn_set_error(ctx, BCN_ERR_FORMAT,
                             "'%s': %zu stray bytes after the parameter records", path, r.left);
    return BCN_OK;
}

/* Copy the records into the network's buffers; every buffer it has must
 * have a record and every record a buffer. */
static bcn_status fill_params(bcn_net *net, const char *path,
                              param_rec rec[BCN_MAX_LAYERS][N_STATE])
{
    float *host = NULL;
    size_t cap = 0;
    bcn_status st = BCN_OK;
    for (int li = 0; li < net->L && st == BCN_OK; li++) {
        bcn_buf **bufs[N_STATE];
        size_t sizes[N_STATE];
        bcn_net_state_buffers(net, li, bufs, sizes);
        for (int k = 0; k < N_STATE && st == BCN_OK; k++) {
            const param_rec *p = &rec[li][k];
            if (!*bufs[k] && !p->data)
                continue;
            if (!*bufs[k] || !p->data) {
                st = bcn_set_error(net->ctx, BCN_ERR_FORMAT,
                                   "'%s': %s of layer %d is %s but the configuration %s it",
                                   path, state_names[k], li + 1,
                                   p->data ? "present" : "missing",
                                   p->data ? "has no place for" : "needs");
                break;
            }
            if (reserve_floats(&host, &cap, sizes[k]) != 0) {
                st = bcn_set_error(net->ctx, BCN_ERR_NOMEM, "out of memory loading '%s'", path);
                break;
            }
            for (size_t i = 0; i < sizes[k]; i++) {
                uint32_t u = load_u32(p->data + 4 * i);
                memcpy(&host[i], &u, 4);
            }
            st = net->be->buf_write(net->be, *bufs[k], 0, sizes[k], host);
        }
    }
    free(host);
    return st;
}

static bcn_status get_order(bcn_ctx *ctx, const char *path, rbuf r, bcn_order *o)
{
    memset(o, 0, sizeof *o);
    uint32_t n = get_u32(&r), batch = get_u32(&r), pos = get_u32(&r);
    long epoch = (long)(int64_t)get_u64(&r);
    get_rng(&r, &o->rng);
    get_rng(&r, &o->aug);
    if (r.short_read || n < 1 || n > INT32_MAX || batch < 1 || batch > INT32_MAX || pos >= n ||
        epoch < 0)
        return bcn_set_error(ctx, BCN_ERR_FORMAT, "'%s': invalid data-order section", path);
    if (r.left != (size_t)n * 4)
        return bcn_set_error(ctx, BCN_ERR_FORMAT,
                             "'%s': the data order holds %zu bytes for %u examples", path,
                             r.left, n);
    int *perm = malloc((size_t)n * sizeof *perm);
    unsigned char *seen = calloc(n, 1);
    if (!perm || !seen) {
        free(perm);
        free(seen);
        return bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory loading '%s'", path);
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t v = get_u32(&r);
        if (v >= n || seen[v]) {
            free(perm);
            free(seen);
            return bcn_set_error(ctx, BCN_ERR_FORMAT,
                                 "'%s': the data order is not a permutation of %u examples",
                                 path, n);
        }
        seen[v] = 1;
        perm[i] = (int)v;
    }
    free(seen);
    o->perm = perm;
    o->n = (int)n;
    o->batch = (int)batch;
    o->pos = (int)pos;
    o->epoch = epoch;
    return BCN_OK;
}

/* Refuse configurations whose activations would dwarf what the file
 * proves (a few bytes of hostile configuration must not allocate
 * gigabytes): per-example activations are bounded by 64 x the parameters
 * the file holds, plus 64 Ki floats. (A real network's last layer is dense,
 * so its parameters outnumber the activations feeding it.) */
static bcn_status check_plausible(bcn_ctx *ctx, const char *path, const bcn_net *shape,
                                  size_t proven_floats)
{
    double act = shape->layer[0].n_in;
    for (int l = 0; l < shape->L; l++)
        act += shape->layer[l].n_out;
    if (act > 64.0 * (double)proven_floats + 65536.0)
        return bcn_set_error(ctx, BCN_ERR_FORMAT,
                             "'%s': implausible network (%.0f activations per example for "
                             "%zu parameters)",
                             path, act, proven_floats);
    return BCN_OK;
}

bcn_status bcn_net_load(bcn_ctx *ctx, const char *path, bcn_net **out, bcn_order *order,
                        void **app, size_t *app_len)
{
    if (!ctx)
        return BCN_ERR_INVALID_ARG;
    if (!path || !out || (app && !app_len))
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "bcn_net_load: NULL argument");
    *out = NULL;
    if (order)
        memset(order, 0, sizeof *order);
    if (app) {
        *app = NULL;
        *app_len = 0;
    }
    if (!ctx->backend)
        return bcn_set_error(ctx, BCN_ERR_STATE,
                             "bcn_net_load: open a device first (bcn_ctx_open_device)");
    unsigned char *buf = NULL;
    size_t len = 0;
    bcn_status st = read_file(ctx, path, &buf, &len);
    if (st != BCN_OK)
        return st;
    const unsigned char *payload = NULL;
    size_t plen = 0;
    sections sec;
    bcn_net *shape = NULL, *net = NULL;
    param_rec(*rec)[N_STATE] = NULL;
    if ((st = check_header(ctx, path, buf, len, &payload, &plen)) != BCN_OK ||
        (st = split_sections(ctx, path, payload, plen, &sec)) != BCN_OK)
        goto done;

    bcn_net_config cfg;
    if (get_config(&sec.conf, &cfg) != 0 || sec.conf.short_read || sec.conf.left) {
        st = bcn_set_error(ctx, BCN_ERR_FORMAT, "'%s': malformed configuration section", path);
        goto done;
    }
    if (bcn_net_config_check(ctx, &cfg) != BCN_OK) {
        char *why = strdup(bcn_errmsg(ctx));
        st = bcn_set_error(ctx, BCN_ERR_FORMAT, "'%s': invalid configuration: %s", path,
                           why ? why : "");
        free(why);
        goto done;
    }
    shape = calloc(1, sizeof *shape);
    rec = malloc(sizeof(param_rec) * BCN_MAX_LAYERS * N_STATE);
    if (!shape || !rec) {
        st = bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory loading '%s'", path);
        goto done;
    }
    shape->cfg = cfg;
    shape->L = cfg.n_layers;
    bcn_net_layout(shape);
    if ((st = index_params(ctx, path, sec.parm, shape, rec)) != BCN_OK ||
        (st = check_plausible(ctx, path, shape, sec.parm.left / 4)) != BCN_OK)
        goto done;

    rbuf *sr = &sec.stat;
    long steps = (long)(int64_t)get_u64(sr);
    double loss_sum = get_f64(sr);
    long correct = (long)(int64_t)get_u64(sr), seen = (long)(int64_t)get_u64(sr);
    long adam_step = (long)(int64_t)get_u64(sr), bad = (long)(int64_t)get_u64(sr);
    if (sr->short_read || sr->left || steps < 0 || correct < 0 || seen < 0 || adam_step < 0 ||
        bad < -1 || correct > seen) {
        st = bcn_set_error(ctx, BCN_ERR_FORMAT, "'%s': malformed statistics section", path);
        goto done;
    }
    if (order && sec.has_ordr && (st = get_order(ctx, path, sec.ordr, order)) != BCN_OK)
        goto done;

    if ((st = bcn_net_create(ctx, &cfg, &net)) != BCN_OK ||
        (st = fill_params(net, path, rec)) != BCN_OK)
        goto done;
    net->steps = net->folded_steps = steps;
    net->loss_sum = loss_sum;
    net->correct = correct;
    net->seen = seen;
    net->adam_step = adam_step;
    net->first_bad_step = bad;
    if (app && sec.has_appd && sec.appd.left) {
        *app = malloc(sec.appd.left);
        if (!*app) {
            st = bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory loading '%s'", path);
            goto done;
        }
        memcpy(*app, sec.appd.p, sec.appd.left);
        *app_len = sec.appd.left;
    }
    *out = net;
    net = NULL;
done:
    if (st != BCN_OK && order)
        bcn_order_free(order);
    bcn_net_destroy(net);
    free(shape);
    free(rec);
    free(buf);
    return st;
}

bcn_status bcn_checkpoint_app(bcn_ctx *ctx, const char *path, void **app, size_t *app_len)
{
    if (!path || !app || !app_len)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "bcn_checkpoint_app: NULL argument");
    *app = NULL;
    *app_len = 0;
    unsigned char *buf = NULL;
    size_t len = 0;
    bcn_status st = read_file(ctx, path, &buf, &len);
    const unsigned char *payload = NULL;
    size_t plen = 0;
    sections sec;
    if (st == BCN_OK && (st = check_header(ctx, path, buf, len, &payload, &plen)) == BCN_OK &&
        (st = split_sections(ctx, path, payload, plen, &sec)) == BCN_OK && sec.has_appd &&
        sec.appd.left) {
        *app = malloc(sec.appd.left);
        if (!*app)
            st = bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory reading '%s'", path);
        else {
            memcpy(*app, sec.appd.p, sec.appd.left);
            *app_len = sec.appd.left;
        }
    }
    free(buf);
    return st;
}
