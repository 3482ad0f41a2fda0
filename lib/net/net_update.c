/*
 * net_update.c — applying a step (SPEC §8): the optimiser on W and c with
 * the network's own rule's signal (one launch, net_packed.c), learning of
 * Y/Q (BurstCCN, SPEC §5) and R (Burstprop, SPEC §6), and re-tying of tied
 * feedback (SPEC §7).
 */
#include "config.h"

#include "net_internal.h"

bcn_status bcn_net_apply_ties(bcn_net *net)
{
    bcn_backend *be = net->be;
    const bcn_net_config *cfg = &net->cfg;
    bcn_status st = BCN_OK;
    for (int li = 0; li < net->L - 1 && st == BCN_OK; li++) {
        bcn_layer *ly = &net->layer[li], *up = &net->layer[li + 1];
        size_t n = up->n_w;
        if (cfg->y_mode == BCN_FB_TIED)
            st = be->axpby(be, n, cfg->y_scale, up->W, 0.0f, ly->Y);
        if (st == BCN_OK && cfg->q_mode == BCN_FB_TIED)
            st = be->axpby(be, n, cfg->p_baseline, ly->Y, 0.0f, ly->Q);
    }
    return st;
}

int bcn_net_learns_feedback(const bcn_net *net, int li, bcn_param which)
{
    const bcn_net_config *cfg = &net->cfg;
    int q = which == BCN_PARAM_Q;
    return cfg->rule == BCN_RULE_BURSTCCN &&
           (net->layer[li].kind == BCN_LAYER_DENSE || cfg->conv_feedback_learning) &&
           (q ? cfg->q_lr : cfg->y_lr) > 0.0f && (q ? cfg->q_mode : cfg->y_mode) != BCN_FB_TIED;
}

bcn_status bcn_net_update_params(bcn_net *net)
{
    /* One launch over every W and c (net_packed.c); Momentum is v ← m v +
     * g, W ← W − lr v − wd W: with a constant lr this is Payeur et al.'s
     * Δ ← −lr g + m Δ, W ← W + Δ − wd W exactly (Δ = −lr v). */
    net->adam_step++;
    return bcn_net_pack_optimize(net);
}

bcn_status bcn_net_run_update(bcn_net *net)
{
    const bcn_net_config *cfg = &net->cfg;
    bcn_rule rule = cfg->rule;
    int B = net->batch;
    bcn_status st = bcn_net_update_params(net);
    /* Feedback learning from the sweep just run (u_l, e_{l+1}, abar, s):
     * ∇Y_l = e_{l+1}ᵀ u_l / B, ∇Q_l = −∇Y_l, through layer l+1 (the weight
     * gradient of its map with e_{l+1} for δ and u_l for x; SPEC §5, §12).
     * Y, Q of conv layers l learn only with conv_feedback_learning. */
    for (int li = 0; li < net->L - 1 && st == BCN_OK; li++) {
        bcn_layer *ly = &net->layer[li], *up = &net->layer[li + 1];
        if (bcn_net_learns_feedback(net, li, BCN_PARAM_Y))
            /* Y ← Y − lr_Y ∇Y */
            st = bcn_layer_weight_grad(net, up, -cfg->y_lr / (float)B, up->e, ly->u, 1.0f, ly->Y);
        if (st == BCN_OK && bcn_net_learns_feedback(net, li, BCN_PARAM_Q))
            /* Q ← Q − lr_Q ∇Q = Q + lr_Q ∇Y */
            st = bcn_layer_weight_grad(net, up, cfg->q_lr / (float)B, up->e, ly->u, 1.0f, ly->Q);
        if (st == BCN_OK && rule == BCN_RULE_BURSTPROP && cfg->recurrent && ly->R &&
            cfg->r_lr > 0.0f)
            /* R ← R − lr_R ∇R, ∇R = −abarᵀ (σ(ū) ⊙ e) summed over the batch
             * (no / B: SPEC §6, the authors' grad_weight_r) */
            st = net->be->gemm(net->be, 1, 0, ly->n_out, ly->n_out, B, cfg->r_lr,
                               ly->abar, ly->n_out, ly->s, ly->n_out, 1.0f, ly->R, ly->n_out);
    }
    if (st == BCN_OK)
        st = bcn_net_apply_ties(net);
    return st;
}
