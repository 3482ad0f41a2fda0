/*
 * layer.c — what a layer of each kind does, behind one set of functions:
 * the forward map, the top-down transport through it, and its weight and
 * bias gradients (SPEC §2-§6 for dense layers, §12 for conv layers). The
 * rules (net_rules.c, net_update.c) are written once against these.
 */
#include "config.h"

#include "net_internal.h"

/* The backend slot a conv layer needs, or an error naming it. */
static bcn_status need_conv(bcn_net *net, int have, const char *name)
{
    if (have)
        return BCN_OK;
    return bcn_set_error(net->ctx, BCN_ERR_UNSUPPORTED,
                         "the %s backend has no %s: conv layers cannot run on %s", net->be->name,
                         name, net->be->info.id);
}

bcn_status bcn_layer_forward(bcn_net *net, bcn_layer *ly, const bcn_buf *x,
                             const bcn_out_stats *stats)
{
    bcn_backend *be = net->be;
    int B = net->batch;
    bcn_status st;
    if (ly->kind == BCN_LAYER_CONV2D) {
        st = need_conv(net, be->conv2d != NULL, "conv2d");
        if (st == BCN_OK)
            st = be->conv2d(be, &ly->geom, B, x, ly->W, ly->e);
    } else {
        st = be->gemm(be, 0, 1, B, ly->n_out, ly->n_in, 1.0f, x, ly->n_in, ly->W, ly->n_in, 0.0f,
                      ly->e, ly->n_out);
    }
    if (st == BCN_OK)
        st = be->bias_sigmoid(be, B, ly->n_c, ly->inner, ly->e, ly->c, stats);
    return st;
}

bcn_status bcn_layer_feedback(bcn_net *net, const bcn_layer *up, float alpha, const bcn_buf *z,
                              const bcn_buf *K, float beta, bcn_buf *dst)
{
    bcn_backend *be = net->be;
    int B = net->batch;
    if (up->kind == BCN_LAYER_CONV2D) {
        bcn_status st = need_conv(net, be->conv2d_transpose != NULL, "conv2d_transpose");
        return st != BCN_OK ? st
                            : be->conv2d_transpose(be, &up->geom, B, alpha, z, K, beta, dst);
    }
    return be->gemm(be, 0, 0, B, up->n_in, up->n_out, alpha, z, up->n_out, K, up->n_in, beta,
                    dst, up->n_in);
}

bcn_status bcn_layer_weight_grad(bcn_net *net, const bcn_layer *ly, float alpha,
                                 const bcn_buf *dy, const bcn_buf *x, float beta, bcn_buf *dW)
{
    bcn_backend *be = net->be;
    int B = net->batch;
    if (ly->kind == BCN_LAYER_CONV2D) {
        bcn_status st = need_conv(net, be->conv2d_weight_grad != NULL, "conv2d_weight_grad");
        return st != BCN_OK ? st
                            : be->conv2d_weight_grad(be, &ly->geom, B, alpha, dy, x, beta, dW);
    }
    return be->gemm(be, 1, 0, ly->n_out, ly->n_in, B, alpha, dy, ly->n_out, x, ly->n_in, beta, dW,
                    ly->n_in);
}

bcn_status bcn_layer_bias_grad(bcn_net *net, const bcn_layer *ly, float alpha, const bcn_buf *dy,
                               bcn_buf *gc)
{
    return net->be->colsum(net->be, net->batch, ly->n_c, ly->inner, alpha, dy, 0.0f, gc);
}

int bcn_layer_fuses_bias_grad(const bcn_layer *ly) { return ly->kind != BCN_LAYER_CONV2D; }

const bcn_bias_grad *bcn_layer_fused_bias_grad(const bcn_net *net, const bcn_layer *ly,
                                               float alpha, bcn_buf *gc, bcn_bias_grad *tmp)
{
    if (!bcn_layer_fuses_bias_grad(ly))
        return NULL;
    *tmp = (bcn_bias_grad){gc, alpha, net->batch, ly->n_c};
    return tmp;
}

double bcn_layer_macs(const bcn_layer *ly)
{
    if (ly->kind == BCN_LAYER_CONV2D)
        return (double)ly->n_out * ly->geom.c_in * ly->geom.k * ly->geom.k;
    return (double)ly->n_out * ly->n_in;
}
