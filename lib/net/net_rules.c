/*
 * net_rules.c — the forward pass and the four rules' top-down sweeps
 * (SPEC §2-§6, §12), written once against the layer operations of
 * layer.c, whatever each layer's kind.
 */
#include "config.h"

#include "net_internal.h"

/* x_{l-1} of layer index li (0-based): the input for li == 0. */
static bcn_buf *layer_input(bcn_net *net, int li)
{
    return li == 0 ? net->x0 : net->layer[li - 1].e;
}

bcn_status bcn_net_upload(bcn_net *net, const float *x, const float *t, int batch)
{
    if (!x || batch < 1)
        return bcn_set_error(net->ctx, BCN_ERR_INVALID_ARG,
                             "batch of %d rows (x %s): need x and at least one row", batch,
                             x ? "given" : "NULL");
    bcn_status st = bcn_net_reserve(net, batch);
    if (st != BCN_OK)
        return st;
    bcn_backend *be = net->be;
    int n0 = net->layer[0].n_in, nL = net->layer[net->L - 1].n_out;
    st = be->buf_write(be, net->x0, 0, (size_t)batch * n0, x);
    if (st == BCN_OK && t)
        st = be->buf_write(be, net->t, 0, (size_t)batch * nL, t);
    net->batch = batch;
    net->has_teacher = t != NULL;
    return st;
}

/* SPEC §2, §12: e_l = σ(layer_l(x_{l-1}) + c_l); the statistics with the
 * output layer's. */
bcn_status bcn_net_run_forward(bcn_net *net, const bcn_out_stats *stats)
{
    bcn_status st = BCN_OK;
    for (int li = 0; li < net->L && st == BCN_OK; li++)
        st = bcn_layer_forward(net, &net->layer[li], layer_input(net, li),
                               li == net->L - 1 ? stats : NULL);
    return st;
}

/* ∇c_l = Σ δ_l / B, written by the op that writes δ_l (dense layers; NULL
 * for conv layers, summed after the sweep). */
static const bcn_bias_grad *fused_gc(bcn_net *net, bcn_layer *ly, bcn_rule rule,
                                     bcn_bias_grad *tmp)
{
    return bcn_layer_fused_bias_grad(net, ly, 1.0f / (float)net->batch, ly->gc[rule], tmp);
}

/* Backprop (feedback = W_{l+1}) and FA (feedback = Y_l): δ_L from the
 * output error, δ_l = (δ_{l+1} through layer l+1 with F) ⊙ e_l ⊙ (1 − e_l). */
static bcn_status sweep_error(bcn_net *net, bcn_rule rule, int use_y)
{
    bcn_backend *be = net->be;
    int B = net->batch, L = net->L;
    bcn_layer *top = &net->layer[L - 1];
    bcn_bias_grad gct;
    bcn_status st = be->output_delta(be, (size_t)B * top->n_out, top->e, net->t, top->delta,
                                     fused_gc(net, top, rule, &gct));
    for (int li = L - 2; li >= 0 && st == BCN_OK; li--) {
        bcn_layer *ly = &net->layer[li], *up = &net->layer[li + 1];
        const bcn_buf *F = use_y ? ly->Y : up->W;
        st = bcn_layer_feedback(net, up, 1.0f, up->delta, F, 0.0f, ly->delta);
        if (st == BCN_OK)
            st = be->dsigmoid_mul(be, (size_t)B * ly->n_out, ly->delta, ly->e, ly->delta,
                                  fused_gc(net, ly, rule, &gct));
    }
    return st;
}

/* BurstCCN (SPEC §5, §12): one sweep, u_l = b_{l+1} Y_l − e_{l+1} Q_l
 * (through layer l+1: a product for dense, a transposed convolution for
 * conv). */
static bcn_status sweep_burstccn(bcn_net *net)
{
    bcn_backend *be = net->be;
    int B = net->batch, L = net->L;
    float p_b = net->cfg.p_baseline;
    bcn_layer *top = &net->layer[L - 1];
    bcn_bias_grad gct;
    bcn_status st = be->output_burst(be, (size_t)B * top->n_out, top->e,
                                     net->has_teacher ? net->t : NULL, p_b,
                                     net->cfg.error_scale, top->b, top->delta, NULL,
                                     fused_gc(net, top, BCN_RULE_BURSTCCN, &gct));
    for (int li = L - 2; li >= 0 && st == BCN_OK; li--) {
        bcn_layer *ly = &net->layer[li], *up = &net->layer[li + 1];
        st = bcn_layer_feedback(net, up, 1.0f, up->b, ly->Y, 0.0f, ly->u);
        if (st == BCN_OK)
            st = bcn_layer_feedback(net, up, -1.0f, up->e, ly->Q, 1.0f, ly->u);
        if (st == BCN_OK)
            st = be->burstccn_hidden(be, (size_t)B * ly->n_out, ly->u, ly->e, p_b, ly->b,
                                     ly->delta, fused_gc(net, ly, BCN_RULE_BURSTCCN, &gct));
    }
    return st;
}

/* Burstprop (SPEC §6, §12): a no-teacher and a teacher sweep side by side,
 * with the optional recurrent input r_l = (σ(ū_l) ⊙ e_l) R_lᵀ of dense
 * hidden layers. */
static bcn_status sweep_burstprop(bcn_net *net)
{
    bcn_backend *be = net->be;
    int B = net->batch, L = net->L;
    float p_b = net->cfg.p_baseline;
    bcn_layer *top = &net->layer[L - 1];
    size_t ntop = (size_t)B * top->n_out;
    bcn_bias_grad gct;
    bcn_status st = be->output_burst(be, ntop, top->e, net->has_teacher ? net->t : NULL, p_b,
                                     net->cfg.error_scale, top->b, top->delta, top->bbar,
                                     fused_gc(net, top, BCN_RULE_BURSTPROP, &gct));
    for (int li = L - 2; li >= 0 && st == BCN_OK; li--) {
        bcn_layer *ly = &net->layer[li], *up = &net->layer[li + 1];
        size_t n = (size_t)B * ly->n_out;
        int rec = net->cfg.recurrent && ly->R;
        st = bcn_layer_feedback(net, up, 1.0f, up->bbar, ly->Y, 0.0f, ly->ubar);
        if (st == BCN_OK)
            st = bcn_layer_feedback(net, up, 1.0f, up->b, ly->Y, 0.0f, ly->u);
        if (st == BCN_OK && rec)
            st = be->sigmoid_mul(be, n, ly->ubar, ly->e, ly->s);
        if (st == BCN_OK && rec)
            st = be->gemm(be, 0, 1, B, ly->n_out, ly->n_out, 1.0f, ly->s, ly->n_out, ly->R,
                          ly->n_out, 0.0f, ly->r, ly->n_out);
        if (st == BCN_OK)
            st = be->burstprop_hidden(be, n, ly->ubar, ly->u, rec ? ly->r : NULL, ly->e,
                                      ly->bbar, ly->b, ly->delta, rec ? ly->abar : NULL,
                                      fused_gc(net, ly, BCN_RULE_BURSTPROP, &gct));
    }
    return st;
}

bcn_status bcn_net_run_signal(bcn_net *net, bcn_rule rule)
{
    if ((rule == BCN_RULE_BACKPROP || rule == BCN_RULE_FA) && !net->has_teacher)
        return bcn_set_error(net->ctx, BCN_ERR_INVALID_ARG,
                             "%s needs a teacher: targets t are NULL", bcn_rule_str(rule));
    bcn_status st = bcn_net_alloc_signal(net, rule);
    if (st != BCN_OK)
        return st;
    switch (rule) {
    case BCN_RULE_BACKPROP: st = sweep_error(net, rule, 0); break;
    case BCN_RULE_FA: st = sweep_error(net, rule, 1); break;
    case BCN_RULE_BURSTCCN: st = sweep_burstccn(net); break;
    case BCN_RULE_BURSTPROP: st = sweep_burstprop(net); break;
    default: return bcn_set_error(net->ctx, BCN_ERR_INVALID_ARG, "unknown rule %d", (int)rule);
    }
    /* ∇W_l = δ_lᵀ x_{l-1} / B (conv: SPEC §12's sum), ∇c_l = Σ δ_l / B
     * (dense layers: already written with δ_l, see fused_gc). */
    float inv_b = 1.0f / (float)net->batch;
    for (int li = 0; li < net->L && st == BCN_OK; li++) {
        bcn_layer *ly = &net->layer[li];
        st = bcn_layer_weight_grad(net, ly, inv_b, ly->delta, layer_input(net, li), 0.0f,
                                   ly->gW[rule]);
        if (st == BCN_OK && !bcn_layer_fuses_bias_grad(ly))
            st = bcn_layer_bias_grad(net, ly, inv_b, ly->delta, ly->gc[rule]);
    }
    return st;
}
