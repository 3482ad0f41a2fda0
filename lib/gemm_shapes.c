/*
 * gemm_shapes.c — the GEMM calls of a training step and of a forward pass
 * (see gemm_shapes.h), derived from the configuration alone.
 */
#include "config.h"

#include "gemm_shapes.h"

/* Append one call if there is room. */
static void push(bcn_gemm_shape *out, int max, int *n, int ta, int tb, int m, int nn, int k,
                 float beta)
{
    if (*n < max)
        out[*n] = (bcn_gemm_shape){ta, tb, m, nn, k, beta};
    (*n)++;
}

/* The GEMM a layer's map amounts to, as (m, n, k) of out = W · in:
 * dense (n_out, B, n_in); conv in im2col form (C_out, B·H_out·W_out,
 * C_in k²), which is how the OpenCL backend runs it. */
typedef struct layer_gemm {
    int out, cols, in; /* rows of W, columns (examples or pixels), columns of W */
    int dense;
} layer_gemm;

static layer_gemm layer_shape(const bcn_net_config *cfg, int li, int B)
{
    bcn_shape in = {1, 1, 1}, out = {1, 1, 1};
    bcn_net_config_shape(NULL, cfg, li, &in);
    bcn_net_config_shape(NULL, cfg, li + 1, &out);
    const bcn_layer_spec *sp = &cfg->layers[li];
    if (sp->kind == BCN_LAYER_CONV2D)
        return (layer_gemm){out.c, B * out.h * out.w, in.c * sp->kernel * sp->kernel, 0};
    return (layer_gemm){out.c * out.h * out.w, B, in.c * in.h * in.w, 1};
}

int bcn_step_gemm_shapes(const bcn_net_config *cfg, int batch, bcn_gemm_shape *out, int max)
{
    int L = cfg->n_layers, n = 0, B = batch;
    for (int li = 0; li < L; li++) { /* forward: e_l = x_{l-1} W_lᵀ (conv: W · col) */
        layer_gemm g = layer_shape(cfg, li, B);
        if (g.dense)
            push(out, max, &n, 0, 1, B, g.out, g.in, 0.0f);
        else
            push(out, max, &n, 0, 0, g.out, g.cols, g.in, 0.0f);
    }
    for (int li = L - 2; li >= 0; li--) { /* the rule's top-down sweep through layer li+1 */
        layer_gemm g = layer_shape(cfg, li + 1, B);
        int passes = cfg->rule == BCN_RULE_BURSTCCN || cfg->rule == BCN_RULE_BURSTPROP ? 2 : 1;
        for (int p = 0; p < passes; p++) {
            float beta = p == 1 && cfg->rule == BCN_RULE_BURSTCCN ? 1.0f : 0.0f;
            if (g.dense)
                push(out, max, &n, 0, 0, B, g.in, g.out, beta);
            else /* dcol = Wᵀ · dy */
                push(out, max, &n, 1, 0, g.in, g.cols, g.out, 0.0f);
        }
        bcn_shape sh = {1, 1, 1};
        bcn_net_config_shape(NULL, cfg, li + 1, &sh);
        int nl = sh.c * sh.h * sh.w;
        if (cfg->rule == BCN_RULE_BURSTPROP && cfg->recurrent &&
            cfg->layers[li].kind == BCN_LAYER_DENSE)
            push(out, max, &n, 0, 1, B, nl, nl, 0.0f);
    }
    for (int li = 0; li < L; li++) { /* ∇W_l = δ_lᵀ x_{l-1} / B (conv: dy · colᵀ) */
        layer_gemm g = layer_shape(cfg, li, B);
        if (g.dense)
            push(out, max, &n, 1, 0, g.out, g.in, B, 0.0f);
        else
            push(out, max, &n, 0, 1, g.out, g.in, g.cols, 0.0f);
    }
    for (int li = 0; li < L - 1; li++) { /* feedback learning */
        layer_gemm g = layer_shape(cfg, li + 1, B);
        int learns = cfg->layers[li].kind == BCN_LAYER_DENSE || cfg->conv_feedback_learning;
        for (int q = 0; q < 2; q++) {
            int on = q == 0 ? cfg->y_lr > 0.0f && cfg->y_mode != BCN_FB_TIED
                            : cfg->q_lr > 0.0f && cfg->q_mode != BCN_FB_TIED;
            if (cfg->rule != BCN_RULE_BURSTCCN || !learns || !on)
                continue;
            if (g.dense)
                push(out, max, &n, 1, 0, g.out, g.in, B, 1.0f);
            else
                push(out, max, &n, 0, 1, g.out, g.in, g.cols, 1.0f);
        }
        bcn_shape sh = {1, 1, 1};
        bcn_net_config_shape(NULL, cfg, li + 1, &sh);
        int nl = sh.c * sh.h * sh.w;
        if (cfg->rule == BCN_RULE_BURSTPROP && cfg->recurrent && cfg->r_lr > 0.0f &&
            cfg->layers[li].kind == BCN_LAYER_DENSE)
            push(out, max, &n, 1, 0, nl, nl, B, 1.0f);
    }
    return n;
}

int bcn_forward_gemm_shapes(const bcn_net_config *cfg, int batch, bcn_gemm_shape *out, int max)
{
    int n = 0;
    for (int li = 0; li < cfg->n_layers; li++) {
        layer_gemm g = layer_shape(cfg, li, batch);
        if (g.dense)
            push(out, max, &n, 0, 1, batch, g.out, g.in, 0.0f);
        else
            push(out, max, &n, 0, 0, g.out, g.cols, g.in, 0.0f);
    }
    return n;
}
