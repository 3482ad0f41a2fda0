/*
 * net.c — network creation from a checked configuration (the layers'
 * shapes), seeded initialisation (SPEC §7, §12) and access to parameters
 * and update signals.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

void bcn_net_layout(bcn_net *net)
{
    const bcn_net_config *cfg = &net->cfg;
    bcn_shape in = cfg->input;
    for (int l = 0; l < net->L; l++) {
        bcn_layer *ly = &net->layer[l];
        const bcn_layer_spec *sp = &cfg->layers[l];
        bcn_shape out;
        bcn_net_config_shape(NULL, cfg, l + 1, &out); /* checked by bcn_net_config_check */
        ly->kind = sp->kind;
        ly->in = in;
        ly->out = out;
        ly->n_in = in.c * in.h * in.w;
        ly->n_out = out.c * out.h * out.w;
        if (sp->kind == BCN_LAYER_CONV2D) {
            ly->geom = (bcn_conv_geom){in.c,  in.h,       in.w,      out.c, out.h,
                                       out.w, sp->kernel, sp->stride, sp->pad};
            ly->n_w = (size_t)out.c * in.c * sp->kernel * sp->kernel;
            ly->n_c = out.c;
            ly->inner = out.h * out.w;
        } else {
            ly->n_w = (size_t)ly->n_out * ly->n_in;
            ly->n_c = ly->n_out;
            ly->inner = 1;
        }
        in = out;
    }
}

int bcn_net_eval_chunk(const bcn_net *net)
{
    /* Each activation buffer of the widest layer stays within 2^21 floats
     * (8 MiB); dense nets of widths up to 2097 keep the full chunk. */
    int widest = 1;
    for (int l = 0; l < net->L; l++)
        if (net->layer[l].n_out > widest)
            widest = net->layer[l].n_out;
    if (net->layer[0].n_in > widest)
        widest = net->layer[0].n_in;
    long chunk = (1L << 21) / widest;
    return chunk >= BCN_EVAL_CHUNK ? BCN_EVAL_CHUNK : chunk < 1 ? 1 : (int)chunk;
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
    st = alloc_buf(net, (size_t)batch * net->layer[0].n_in, &net->x0);
    if (st == BCN_OK)
        st = alloc_buf(net, (size_t)batch * net->layer[net->L - 1].n_out, &net->t);
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
    return bcn_net_pack_signal(net, rule);
}

/* Upload a host array of n floats into a new device buffer. */
static bcn_status upload_new(bcn_net *net, const float *host, size_t n, bcn_buf **slot)
{
    bcn_status st = alloc_buf(net, n, slot);
    if (st == BCN_OK)
        st = net->be->buf_write(net->be, *slot, 0, n, host);
    return st;
}

/* Seeded initialisation on the host (SPEC §7, §12), uploaded to the
 * device, so every backend starts from identical weights. Draw order:
 * W_1..W_L (normal, std 3.6 sqrt(2 / (fan_in + fan_out))), then
 * Y_1..Y_{L-1} (if random), then Q_1..Q_{L-1} (if random), then R_l of
 * the dense hidden layers (normal, std r_scale, if recurrent: SPEC §6). */
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
    /* W and c are views of one packed buffer, zeroed (c starts at 0) */
    if ((st = bcn_net_pack_params(net)) != BCN_OK)
        return st;
    for (int l = 0; l < L; l++) {
        bcn_layer *ly = &net->layer[l];
        size_t n = ly->n_w;
        if (n > maxn)
            maxn = n;
        W[l] = malloc(n * sizeof(float));
        if (!W[l]) {
            st = bcn_set_error(net->ctx, BCN_ERR_NOMEM, "out of memory initialising W_%d", l + 1);
            goto done;
        }
        double fan_in = ly->n_in, fan_out = ly->n_out;
        if (ly->kind == BCN_LAYER_CONV2D) {
            double kk = (double)ly->geom.k * ly->geom.k;
            fan_in = ly->geom.c_in * kk;
            fan_out = ly->geom.c_out * kk;
        }
        double std = 3.6 * sqrt(2.0 / (fan_in + fan_out));
        for (size_t i = 0; i < n; i++)
            W[l][i] = (float)(std * bcn_rng_normal(&rng));
        if ((st = net->be->buf_write(net->be, ly->W, 0, n, W[l])) != BCN_OK)
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
        size_t n = net->layer[l + 1].n_w;
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
        size_t n = net->layer[l + 1].n_w;
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
        if (net->layer[l].kind != BCN_LAYER_DENSE)
            continue; /* no recurrent input in conv layers (SPEC §12) */
        size_t n = (size_t)net->layer[l].n_out * net->layer[l].n_out;
        float *r = n <= maxn ? tmp : malloc(n * sizeof(float));
        if (!r) {
            st = bcn_set_error(net->ctx, BCN_ERR_NOMEM, "out of memory initialising R_%d", l + 1);
            break;
        }
        for (size_t i = 0; i < n; i++)
            r[i] = (float)((double)cfg->r_scale * bcn_rng_normal(&rng));
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

bcn_status bcn_net_create(bcn_ctx *ctx, const bcn_net_config *cfg, bcn_net **out)
{
    if (!ctx || !out)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "bcn_net_create: NULL argument");
    *out = NULL;
    if (!cfg)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "bcn_net_create: NULL configuration");
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
    net->first_bad_step = -1;
    ctx->n_nets++;
    net->cfg = *cfg;
    net->L = cfg->n_layers;
    bcn_net_layout(net);
    bcn_net_pack_layout(net);
    if ((st = init_params(net)) != BCN_OK || (st = bcn_net_pack_state(net)) != BCN_OK ||
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
        free_buf(net, &ly->gY);
        free_buf(net, &ly->gR);
        for (int i = 0; activation_slot(ly, i); i++)
            free_buf(net, activation_slot(ly, i));
    }
    bcn_net_pack_free(net); /* after the views W, c, gW, ... freed above */
    bcn_net_detach_data(net);
    free_buf(net, &net->x0);
    free_buf(net, &net->t);
    free_buf(net, &net->stats);
    free(net->pack);
    free(net->pack_img);
    net->ctx->n_nets--;
    free(net);
}

int bcn_net_state_buffers(bcn_net *net, int li, bcn_buf **bufs[9], size_t sizes[9])
{
    bcn_layer *ly = &net->layer[li];
    size_t nw = ly->n_w, nc = (size_t)ly->n_c;
    size_t nfb = li + 1 < net->L ? net->layer[li + 1].n_w : 0;
    size_t nr = (size_t)ly->n_out * (size_t)ly->n_out;
    bcn_buf **b[9] = {&ly->W, &ly->c, &ly->mW, &ly->mc, &ly->vW, &ly->vc, &ly->Y, &ly->Q, &ly->R};
    size_t n[9] = {nw, nc, nw, nc, nw, nc, nfb, nfb, nr};
    for (int k = 0; k < 9; k++) {
        bufs[k] = b[k];
        sizes[k] = n[k];
    }
    return 9;
}

const bcn_net_config *bcn_net_config_of(const bcn_net *net) { return net ? &net->cfg : NULL; }

bcn_ctx *bcn_net_ctx(const bcn_net *net) { return net ? net->ctx : NULL; }

/* W of a layer as a matrix: n_out x n_in (dense), C_out x C_in k² (conv). */
static void w_shape(const bcn_layer *ly, int *rows, int *cols)
{
    *rows = ly->kind == BCN_LAYER_CONV2D ? ly->geom.c_out : ly->n_out;
    *cols = (int)(ly->n_w / (size_t)*rows);
}

bcn_layer_kind bcn_net_layer_kind(const bcn_net *net, int layer)
{
    if (!net || layer < 1 || layer > net->L)
        return BCN_LAYER_DENSE;
    return net->layer[layer - 1].kind;
}

/* The buffer behind (param, layer), with its shape; NULL if none. */
static bcn_buf *param_buf(const bcn_net *net, bcn_param param, int layer, int *rows, int *cols)
{
    if (layer < 1 || layer > net->L)
        return NULL;
    const bcn_layer *ly = &net->layer[layer - 1];
    switch (param) {
    case BCN_PARAM_W:
        w_shape(ly, rows, cols);
        return ly->W;
    case BCN_PARAM_C:
        *rows = ly->n_c;
        *cols = 1;
        return ly->c;
    case BCN_PARAM_Y:
    case BCN_PARAM_Q:
        if (layer == net->L)
            return NULL;
        w_shape(&net->layer[layer], rows, cols);
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
    if (!net)
        return BCN_ERR_INVALID_ARG;
    int r = 0, c = 0;
    bcn_buf *buf = param_buf(net, param, layer, &r, &c);
    if (!buf || !out)
        return bcn_set_error(net->ctx, BCN_ERR_INVALID_ARG, "no parameter %d at layer %d",
                             (int)param, layer);
    return net->be->buf_read(net->be, buf, 0, (size_t)r * c, out);
}

bcn_status bcn_net_set_param(bcn_net *net, bcn_param param, int layer, const float *in)
{
    if (!net)
        return BCN_ERR_INVALID_ARG;
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
        st = net->be->buf_read(net->be, ly->gW[rule], 0, ly->n_w, grad_w);
    if (st == BCN_OK && grad_c)
        st = net->be->buf_read(net->be, ly->gc[rule], 0, (size_t)ly->n_c, grad_c);
    return st;
}
