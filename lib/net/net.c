/*
 * net.c — network configuration, creation, seeded initialisation (SPEC §7)
 * and access to parameters and update signals.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

void bcn_net_config_init(bcn_net_config *cfg, bcn_rule rule)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->n_layers = 4;
    cfg->sizes[0] = 784;
    cfg->sizes[1] = cfg->sizes[2] = cfg->sizes[3] = 500;
    cfg->sizes[4] = 10;
    cfg->rule = rule;
    bcn_net_config_set_lr(cfg, 0.3f);
    cfg->p_baseline = 0.5f;
    cfg->error_scale = 1.0f;
    cfg->y_mode = BCN_FB_RANDOM;
    cfg->y_scale = 0.5f;
    cfg->y_lr = 0.0f;
    cfg->q_mode = BCN_FB_SYM;
    cfg->q_scale = 1.0f;
    cfg->q_lr = rule == BCN_RULE_BURSTCCN ? 7.31e-4f : 0.0f;
    cfg->recurrent = rule == BCN_RULE_BURSTPROP;
    cfg->r_scale = 0.01f;
    cfg->r_lr = rule == BCN_RULE_BURSTPROP ? 1e-4f : 0.0f;
    cfg->optimizer = BCN_OPT_SGD;
    cfg->momentum = 0.0f;
    cfg->adam_beta1 = 0.9f;
    cfg->adam_beta2 = 0.999f;
    cfg->adam_eps = 1e-8f;
    cfg->weight_decay = 0.0f;
    cfg->seed = 1;
}

void bcn_net_config_set_lr(bcn_net_config *cfg, float lr)
{
    for (int i = 0; i < BCN_MAX_LAYERS; i++)
        cfg->lr[i] = lr;
}

/* finite and >= 0 */
static int nonneg(float v) { return isfinite(v) && v >= 0.0f; }

bcn_status bcn_net_config_check(bcn_ctx *ctx, const bcn_net_config *cfg)
{
    if (!cfg)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "network config is NULL");
    if (cfg->n_layers < 1 || cfg->n_layers > BCN_MAX_LAYERS)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                             "n_layers = %d: a network has 1 to %d weight layers", cfg->n_layers,
                             BCN_MAX_LAYERS);
    for (int l = 0; l <= cfg->n_layers; l++)
        if (cfg->sizes[l] < 1 || cfg->sizes[l] > (1 << 24))
            return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                                 "sizes[%d] = %d: layer widths must be 1 to 16777216", l,
                                 cfg->sizes[l]);
    if ((unsigned)cfg->rule >= BCN_RULE_COUNT)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "unknown rule %d", (int)cfg->rule);
    for (int l = 0; l < cfg->n_layers; l++)
        if (!nonneg(cfg->lr[l]))
            return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                                 "learning rate of layer %d is %g: must be finite and >= 0",
                                 l + 1, (double)cfg->lr[l]);
    if (!(cfg->p_baseline > 0.0f && cfg->p_baseline < 1.0f))
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                             "p_baseline = %g: must lie strictly between 0 and 1",
                             (double)cfg->p_baseline);
    if (!isfinite(cfg->error_scale))
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "error_scale must be finite");
    if (cfg->y_mode == BCN_FB_WSYM || (unsigned)cfg->y_mode > BCN_FB_WSYM)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                             "y_mode %s: Y takes random, sym or tied", bcn_fb_mode_str(cfg->y_mode));
    if ((unsigned)cfg->q_mode > BCN_FB_WSYM)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "unknown q_mode %d", (int)cfg->q_mode);
    struct { const char *name; float v; } nn[] = {
        {"y_scale", cfg->y_scale}, {"y_lr", cfg->y_lr},         {"q_scale", cfg->q_scale},
        {"q_lr", cfg->q_lr},       {"r_scale", cfg->r_scale},   {"r_lr", cfg->r_lr},
        {"momentum", cfg->momentum}, {"weight_decay", cfg->weight_decay},
        {"adam_eps", cfg->adam_eps},
    };
    for (size_t i = 0; i < sizeof nn / sizeof nn[0]; i++)
        if (!nonneg(nn[i].v))
            return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "%s = %g: must be finite and >= 0",
                                 nn[i].name, (double)nn[i].v);
    if ((unsigned)cfg->optimizer > BCN_OPT_ADAM)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "unknown optimizer %d", (int)cfg->optimizer);
    if (!(cfg->adam_beta1 >= 0.0f && cfg->adam_beta1 < 1.0f && cfg->adam_beta2 >= 0.0f &&
          cfg->adam_beta2 < 1.0f))
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "Adam betas must lie in [0, 1)");
    if (cfg->weight_decay >= 1.0f)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                             "weight_decay = %g: decoupled decay must be < 1",
                             (double)cfg->weight_decay);
    return BCN_OK;
}

/* Allocate one buffer of n floats into *slot. */
static bcn_status alloc_buf(bcn_net *net, size_t n, bcn_buf **slot)
{
    return net->be->buf_alloc(net->be, n, slot);
}

static void free_buf(bcn_net *net, bcn_buf **slot)
{
    if (*slot) {
        net->be->buf_free(net->be, *slot);
        *slot = NULL;
    }
}

/* The activation buffers of one layer, in one list for (re)allocation. */
static bcn_buf **activation_slot(bcn_layer *ly, int i)
{
    bcn_buf **slots[] = {&ly->e, &ly->delta, &ly->b, &ly->bbar, &ly->u,
                         &ly->ubar, &ly->s, &ly->r, &ly->abar};
    return i < (int)(sizeof slots / sizeof slots[0]) ? slots[i] : NULL;
}

bcn_status bcn_net_reserve(bcn_net *net, int batch)
{
    if (batch <= net->capacity)
        return BCN_OK;
    bcn_status st = BCN_OK;
    free_buf(net, &net->x0);
    free_buf(net, &net->t);
    for (int l = 0; l < net->L; l++)
        for (int i = 0; activation_slot(&net->layer[l], i); i++)
            free_buf(net, activation_slot(&net->layer[l], i));
    net->capacity = 0;
    st = alloc_buf(net, (size_t)batch * net->cfg.sizes[0], &net->x0);
    if (st == BCN_OK)
        st = alloc_buf(net, (size_t)batch * net->cfg.sizes[net->L], &net->t);
    for (int l = 0; l < net->L && st == BCN_OK; l++)
        for (int i = 0; activation_slot(&net->layer[l], i) && st == BCN_OK; i++)
            st = alloc_buf(net, (size_t)batch * net->layer[l].n_out,
                           activation_slot(&net->layer[l], i));
    if (st == BCN_OK)
        net->capacity = batch;
    return st;
}

bcn_status bcn_net_alloc_signal(bcn_net *net, bcn_rule rule)
{
    for (int l = 0; l < net->L; l++) {
        bcn_layer *ly = &net->layer[l];
        bcn_status st = BCN_OK;
        if (!ly->gW[rule])
            st = alloc_buf(net, (size_t)ly->n_out * ly->n_in, &ly->gW[rule]);
        if (st == BCN_OK && !ly->gc[rule])
            st = alloc_buf(net, (size_t)ly->n_out, &ly->gc[rule]);
        if (st != BCN_OK)
            return st;
    }
    return BCN_OK;
}

/* Upload a host array of n floats into a new device buffer. */
static bcn_status upload_new(bcn_net *net, const float *host, size_t n, bcn_buf **slot)
{
    bcn_status st = alloc_buf(net, n, slot);
    if (st == BCN_OK)
        st = net->be->buf_write(net->be, *slot, 0, n, host);
    return st;
}

/* Seeded initialisation on the host (SPEC §7), uploaded to the device, so
 * every backend starts from identical weights. Draw order: W_1..W_L
 * (normal), then Y_1..Y_{L-1} (if random), then Q_1..Q_{L-1} (if random),
 * then R_1..R_{L-1} (uniform, if recurrent). */
static bcn_status init_params(bcn_net *net)
{
    const bcn_net_config *cfg = &net->cfg;
    int L = net->L;
    bcn_rng rng;
    bcn_rng_seed(&rng, cfg->seed);
    bcn_status st = BCN_OK;
    float *W[BCN_MAX_LAYERS] = {0};
    float *tmp = NULL;
    size_t maxn = 0;
    for (int l = 0; l < L; l++) {
        bcn_layer *ly = &net->layer[l];
        size_t n = (size_t)ly->n_out * ly->n_in;
        if (n > maxn)
            maxn = n;
        W[l] = malloc(n * sizeof(float));
        if (!W[l]) {
            st = bcn_set_error(net->ctx, BCN_ERR_NOMEM, "out of memory initialising W_%d", l + 1);
            goto done;
        }
        double std = 3.6 * sqrt(2.0 / (double)(ly->n_in + ly->n_out));
        for (size_t i = 0; i < n; i++)
            W[l][i] = (float)(std * bcn_rng_normal(&rng));
        if ((st = upload_new(net, W[l], n, &ly->W)) != BCN_OK)
            goto done;
        if ((st = alloc_buf(net, ly->n_out, &ly->c)) != BCN_OK ||
            (st = net->be->fill(net->be, ly->n_out, 0.0f, ly->c)) != BCN_OK)
            goto done;
    }
    tmp = malloc((maxn ? maxn : 1) * sizeof(float));
    if (!tmp) {
        st = bcn_set_error(net->ctx, BCN_ERR_NOMEM, "out of memory initialising feedback weights");
        goto done;
    }
    /* Y_l (shape of W_{l+1}); kept on the host for Q's sym modes. */
    float *Yh[BCN_MAX_LAYERS] = {0};
    for (int l = 0; l < L - 1 && st == BCN_OK; l++) {
        size_t n = (size_t)net->layer[l + 1].n_out * net->layer[l + 1].n_in;
        Yh[l] = malloc(n * sizeof(float));
        if (!Yh[l]) {
            st = bcn_set_error(net->ctx, BCN_ERR_NOMEM, "out of memory initialising Y_%d", l + 1);
            break;
        }
        for (size_t i = 0; i < n; i++)
            Yh[l][i] = cfg->y_mode == BCN_FB_RANDOM
                           ? (float)((double)cfg->y_scale * bcn_rng_normal(&rng))
                           : (float)((double)cfg->y_scale * W[l + 1][i]);
        st = upload_new(net, Yh[l], n, &net->layer[l].Y);
    }
    for (int l = 0; l < L - 1 && st == BCN_OK; l++) {
        size_t n = (size_t)net->layer[l + 1].n_out * net->layer[l + 1].n_in;
        for (size_t i = 0; i < n; i++) {
            switch (cfg->q_mode) {
            case BCN_FB_RANDOM:
                tmp[i] = (float)((double)cfg->q_scale * bcn_rng_normal(&rng));
                break;
            case BCN_FB_WSYM:
                tmp[i] = (float)((double)cfg->p_baseline * cfg->q_scale * W[l + 1][i]);
                break;
            default: /* sym, tied */
                tmp[i] = (float)((double)cfg->p_baseline * Yh[l][i]);
            }
        }
        st = upload_new(net, tmp, n, &net->layer[l].Q);
    }
    for (int l = 0; l < L - 1 && st == BCN_OK && cfg->recurrent; l++) {
        size_t n = (size_t)net->layer[l].n_out * net->layer[l].n_out;
        float *r = n <= maxn ? tmp : malloc(n * sizeof(float));
        if (!r) {
            st = bcn_set_error(net->ctx, BCN_ERR_NOMEM, "out of memory initialising R_%d", l + 1);
            break;
        }
        for (size_t i = 0; i < n; i++)
            r[i] = (float)((2.0 * bcn_rng_uniform(&rng) - 1.0) * cfg->r_scale);
        st = upload_new(net, r, n, &net->layer[l].R);
        if (r != tmp)
            free(r);
    }
    for (int l = 0; l < L - 1; l++)
        free(Yh[l]);
done:
    free(tmp);
    for (int l = 0; l < L; l++)
        free(W[l]);
    return st;
}

/* Optimiser state, zeroed. */
static bcn_status init_optimizer(bcn_net *net)
{
    bcn_backend *be = net->be;
    for (int l = 0; l < net->L; l++) {
        bcn_layer *ly = &net->layer[l];
        size_t nw = (size_t)ly->n_out * ly->n_in, nc = (size_t)ly->n_out;
        bcn_buf **slots[4] = {&ly->mW, &ly->mc, &ly->vW, &ly->vc};
        size_t sizes[4] = {nw, nc, nw, nc};
        int count = net->cfg.optimizer == BCN_OPT_ADAM ? 4
                    : net->cfg.optimizer == BCN_OPT_MOMENTUM ? 2 : 0;
        for (int i = 0; i < count; i++) {
            bcn_status st = alloc_buf(net, sizes[i], slots[i]);
            if (st == BCN_OK)
                st = be->fill(be, sizes[i], 0.0f, *slots[i]);
            if (st != BCN_OK)
                return st;
        }
    }
    return BCN_OK;
}

bcn_status bcn_net_create(bcn_ctx *ctx, const bcn_net_config *cfg, bcn_net **out)
{
    if (!ctx || !out)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "bcn_net_create: NULL argument");
    *out = NULL;
    if (!ctx->backend)
        return bcn_set_error(ctx, BCN_ERR_STATE,
                             "bcn_net_create: open a device first (bcn_ctx_open_device)");
    bcn_status st = bcn_net_config_check(ctx, cfg);
    if (st != BCN_OK)
        return st;
    bcn_net *net = calloc(1, sizeof *net);
    if (!net)
        return bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory creating a network");
    net->ctx = ctx;
    net->be = ctx->backend;
    net->cfg = *cfg;
    net->L = cfg->n_layers;
    for (int l = 0; l < net->L; l++) {
        net->layer[l].n_in = cfg->sizes[l];
        net->layer[l].n_out = cfg->sizes[l + 1];
    }
    if ((st = init_params(net)) != BCN_OK || (st = init_optimizer(net)) != BCN_OK ||
        (st = alloc_buf(net, 2 * BCN_STATS_SLOTS, &net->stats)) != BCN_OK ||
        (st = bcn_net_alloc_signal(net, cfg->rule)) != BCN_OK ||
        (st = bcn_net_reserve(net, 32)) != BCN_OK)
        goto fail;
    *out = net;
    return BCN_OK;
fail:
    bcn_net_destroy(net);
    return st;
}

void bcn_net_destroy(bcn_net *net)
{
    if (!net)
        return;
    for (int l = 0; l < net->L; l++) {
        bcn_layer *ly = &net->layer[l];
        bcn_buf **params[] = {&ly->W, &ly->c, &ly->mW, &ly->mc, &ly->vW,
                              &ly->vc, &ly->Y, &ly->Q, &ly->R};
        for (size_t i = 0; i < sizeof params / sizeof params[0]; i++)
            free_buf(net, params[i]);
        for (int r = 0; r < BCN_RULE_COUNT; r++) {
            free_buf(net, &ly->gW[r]);
            free_buf(net, &ly->gc[r]);
        }
        for (int i = 0; activation_slot(ly, i); i++)
            free_buf(net, activation_slot(ly, i));
    }
    free_buf(net, &net->x0);
    free_buf(net, &net->t);
    free_buf(net, &net->stats);
    free(net);
}

const bcn_net_config *bcn_net_config_of(const bcn_net *net) { return &net->cfg; }

bcn_ctx *bcn_net_ctx(const bcn_net *net) { return net->ctx; }

/* The buffer behind (param, layer), with its shape; NULL if none. */
static bcn_buf *param_buf(const bcn_net *net, bcn_param param, int layer, int *rows, int *cols)
{
    if (layer < 1 || layer > net->L)
        return NULL;
    const bcn_layer *ly = &net->layer[layer - 1];
    switch (param) {
    case BCN_PARAM_W:
        *rows = ly->n_out;
        *cols = ly->n_in;
        return ly->W;
    case BCN_PARAM_C:
        *rows = ly->n_out;
        *cols = 1;
        return ly->c;
    case BCN_PARAM_Y:
    case BCN_PARAM_Q:
        if (layer == net->L)
            return NULL;
        *rows = net->layer[layer].n_out;
        *cols = ly->n_out;
        return param == BCN_PARAM_Y ? ly->Y : ly->Q;
    case BCN_PARAM_R:
        if (layer == net->L || !ly->R)
            return NULL;
        *rows = *cols = ly->n_out;
        return ly->R;
    }
    return NULL;
}

bcn_status bcn_net_param_shape(const bcn_net *net, bcn_param param, int layer, int *rows,
                               int *cols)
{
    int r = 0, c = 0;
    if (!net || !param_buf(net, param, layer, &r, &c))
        return bcn_set_error(net ? net->ctx : NULL, BCN_ERR_INVALID_ARG,
                             "no parameter %d at layer %d", (int)param, layer);
    if (rows)
        *rows = r;
    if (cols)
        *cols = c;
    return BCN_OK;
}

bcn_status bcn_net_get_param(bcn_net *net, bcn_param param, int layer, float *out)
{
    int r = 0, c = 0;
    bcn_buf *buf = param_buf(net, param, layer, &r, &c);
    if (!buf || !out)
        return bcn_set_error(net->ctx, BCN_ERR_INVALID_ARG, "no parameter %d at layer %d",
                             (int)param, layer);
    return net->be->buf_read(net->be, buf, 0, (size_t)r * c, out);
}

bcn_status bcn_net_set_param(bcn_net *net, bcn_param param, int layer, const float *in)
{
    int r = 0, c = 0;
    bcn_buf *buf = param_buf(net, param, layer, &r, &c);
    if (!buf || !in)
        return bcn_set_error(net->ctx, BCN_ERR_INVALID_ARG, "no parameter %d at layer %d",
                             (int)param, layer);
    return net->be->buf_write(net->be, buf, 0, (size_t)r * c, in);
}

bcn_status bcn_net_get_signal(bcn_net *net, bcn_rule rule, int layer, float *grad_w,
                              float *grad_c)
{
    if (!net || (unsigned)rule >= BCN_RULE_COUNT || layer < 1 || layer > net->L)
        return bcn_set_error(net ? net->ctx : NULL, BCN_ERR_INVALID_ARG,
                             "bcn_net_get_signal: bad rule or layer %d", layer);
    bcn_layer *ly = &net->layer[layer - 1];
    if (!ly->gW[rule])
        return bcn_set_error(net->ctx, BCN_ERR_STATE,
                             "no %s signal computed yet (train or call bcn_net_compute_signals)",
                             bcn_rule_str(rule));
    bcn_status st = BCN_OK;
    if (grad_w)
        st = net->be->buf_read(net->be, ly->gW[rule], 0, (size_t)ly->n_out * ly->n_in, grad_w);
    if (st == BCN_OK && grad_c)
        st = net->be->buf_read(net->be, ly->gc[rule], 0, (size_t)ly->n_out, grad_c);
    return st;
}
