/*
 * net_packed.c — every layer's W and c in one device buffer (and likewise
 * each rule's signal and the optimiser's state), so that one optimiser
 * launch updates all parameters (SPEC §8). The per-layer buffers the rest
 * of the model uses (W, c, gW[rule], gc[rule], mW, mc, vW, vc) are views
 * into the packed buffers; feedback weights Y, Q, R stay separate (they
 * learn outside the optimiser, net_update.c).
 *
 * Every packed buffer has the same layout: W_1, c_1, W_2, c_2, ..., each
 * segment starting at a multiple of both the backend's view alignment and
 * the optimiser's block (BCN_OPT_BLOCK), the floats between segments zero
 * and never updated (the table marks them unused).
 */
#include "config.h"

#include <stdlib.h>

#include "net_internal.h"
#include "opt_table.h"

/* Least common multiple of the view alignment and the optimiser block. */
static size_t segment_align(const bcn_backend *be)
{
    size_t a = be->view_align ? be->view_align : 1, b = BCN_OPT_BLOCK, x = a, y = b;
    while (y) {
        size_t t = x % y;
        x = y;
        y = t;
    }
    return a / x * b;
}

static size_t round_up(size_t n, size_t align) { return (n + align - 1) / align * align; }

void bcn_net_pack_layout(bcn_net *net)
{
    bcn_packing *pk = &net->pack_state;
    size_t align = segment_align(net->be), at = 0;
    for (int l = 0; l < net->L; l++) {
        pk->off_w[l] = at;
        at += round_up(net->layer[l].n_w, align);
        pk->off_c[l] = at;
        at += round_up((size_t)net->layer[l].n_c, align);
    }
    pk->n = at;
}

/* Allocate a packed buffer into *parent, zeroed, and the views of every
 * layer's W and c segments into *w_slot(l), *c_slot(l) (slot arrays of
 * net->L pointers). */
static bcn_status pack_alloc(bcn_net *net, bcn_buf **parent, bcn_buf **w_slot[],
                             bcn_buf **c_slot[])
{
    bcn_backend *be = net->be;
    const bcn_packing *pk = &net->pack_state;
    bcn_status st = be->buf_alloc(be, pk->n, parent);
    if (st == BCN_OK)
        st = be->fill(be, pk->n, 0.0f, *parent);
    for (int l = 0; l < net->L && st == BCN_OK; l++) {
        bcn_layer *ly = &net->layer[l];
        st = be->buf_view(be, *parent, pk->off_w[l], ly->n_w, w_slot[l]);
        if (st == BCN_OK)
            st = be->buf_view(be, *parent, pk->off_c[l], (size_t)ly->n_c, c_slot[l]);
    }
    return st;
}

bcn_status bcn_net_pack_params(bcn_net *net)
{
    bcn_buf **w[BCN_MAX_LAYERS], **c[BCN_MAX_LAYERS];
    for (int l = 0; l < net->L; l++) {
        w[l] = &net->layer[l].W;
        c[l] = &net->layer[l].c;
    }
    return pack_alloc(net, &net->pack_state.params, w, c);
}

static bcn_status ensure_table(bcn_net *net);

bcn_status bcn_net_pack_state(bcn_net *net)
{
    bcn_optimizer opt = net->cfg.optimizer;
    bcn_buf **w[BCN_MAX_LAYERS], **c[BCN_MAX_LAYERS];
    bcn_status st = BCN_OK;
    if (opt == BCN_OPT_MOMENTUM || opt == BCN_OPT_ADAM) {
        for (int l = 0; l < net->L; l++) {
            w[l] = &net->layer[l].mW;
            c[l] = &net->layer[l].mc;
        }
        st = pack_alloc(net, &net->pack_state.m, w, c);
    }
    if (st == BCN_OK && opt == BCN_OPT_ADAM) {
        for (int l = 0; l < net->L; l++) {
            w[l] = &net->layer[l].vW;
            c[l] = &net->layer[l].vc;
        }
        st = pack_alloc(net, &net->pack_state.v, w, c);
    }
    return st == BCN_OK ? ensure_table(net) : st;
}

bcn_status bcn_net_pack_signal(bcn_net *net, bcn_rule rule)
{
    if (net->pack_state.grad[rule])
        return BCN_OK;
    bcn_buf **w[BCN_MAX_LAYERS], **c[BCN_MAX_LAYERS];
    for (int l = 0; l < net->L; l++) {
        w[l] = &net->layer[l].gW[rule];
        c[l] = &net->layer[l].gc[rule];
    }
    return pack_alloc(net, &net->pack_state.grad[rule], w, c);
}

/* (Re)build the optimiser's table when it is missing or stale: layer l's
 * segments take cfg.lr[l]; W the weight decay, c the same but for
 * Burstprop, whose bias is not decayed (SPEC §6: the authors' bias +=
 * Δbias). */
static bcn_status ensure_table(bcn_net *net)
{
    bcn_packing *pk = &net->pack_state;
    const bcn_net_config *cfg = &net->cfg;
    float wd = cfg->weight_decay;
    float wd_c = cfg->rule == BCN_RULE_BURSTPROP ? 0.0f : wd;
    int stale = !pk->table_built || pk->table_wd != wd || pk->table_wd_c != wd_c;
    for (int l = 0; l < net->L && !stale; l++)
        stale = pk->table_lr[l] != cfg->lr[l];
    if (!stale)
        return BCN_OK;
    bcn_backend *be = net->be;
    size_t nt = bcn_opt_table_floats(pk->n);
    bcn_opt_segment seg[2 * BCN_MAX_LAYERS];
    for (int l = 0; l < net->L; l++) {
        seg[2 * l] = (bcn_opt_segment){pk->off_w[l], net->layer[l].n_w, cfg->lr[l], wd};
        seg[2 * l + 1] = (bcn_opt_segment){pk->off_c[l], (size_t)net->layer[l].n_c, cfg->lr[l],
                                           wd_c};
    }
    float *host = malloc(nt * sizeof *host);
    if (!host)
        return bcn_set_error(net->ctx, BCN_ERR_NOMEM, "out of memory building the optimiser table");
    bcn_status st = BCN_OK;
    if (bcn_opt_table_fill(seg, 2 * (size_t)net->L, pk->n, host) != 0)
        st = bcn_set_error(net->ctx, BCN_ERR_STATE, "the packed parameters are misaligned");
    if (st == BCN_OK && !pk->table)
        st = be->buf_alloc(be, nt, &pk->table);
    if (st == BCN_OK)
        st = be->buf_write(be, pk->table, 0, nt, host);
    free(host);
    if (st != BCN_OK)
        return st;
    for (int l = 0; l < net->L; l++)
        pk->table_lr[l] = cfg->lr[l];
    pk->table_wd = wd;
    pk->table_wd_c = wd_c;
    pk->table_built = 1;
    return BCN_OK;
}

bcn_status bcn_net_pack_optimize(bcn_net *net)
{
    bcn_packing *pk = &net->pack_state;
    const bcn_net_config *cfg = &net->cfg;
    bcn_backend *be = net->be;
    if (!pk->grad[cfg->rule])
        return bcn_set_error(net->ctx, BCN_ERR_STATE, "no %s signal to apply",
                             bcn_rule_str(cfg->rule));
    bcn_status st = ensure_table(net);
    if (st != BCN_OK)
        return st;
    bcn_optim_step o = {cfg->optimizer, cfg->momentum, cfg->adam_beta1, cfg->adam_beta2,
                        cfg->adam_eps, (int)net->adam_step};
    return be->optimize(be, &o, pk->n, pk->table, pk->grad[cfg->rule], pk->m, pk->v,
                        pk->params);
}

void bcn_net_pack_free(bcn_net *net)
{
    bcn_packing *pk = &net->pack_state;
    bcn_buf **all[] = {&pk->params, &pk->m, &pk->v, &pk->table};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        net->be->buf_free(net->be, *all[i]);
        *all[i] = NULL;
    }
    for (int r = 0; r < BCN_RULE_COUNT; r++) {
        net->be->buf_free(net->be, pk->grad[r]);
        pk->grad[r] = NULL;
    }
}
