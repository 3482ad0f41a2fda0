/*
 * net_internal.h — the network object shared by net*.c (internal).
 * Everything lives in backend buffers; the host keeps only shapes,
 * counters and the statistics folded out of the device.
 */
#ifndef BCN_NET_INTERNAL_H
#define BCN_NET_INTERNAL_H

#include "internal.h"

/* Batch statistics slots kept on the device before the host folds them. */
#define BCN_STATS_SLOTS 1024
/* Largest chunk bcn_net_evaluate pushes through the network at once. */
#define BCN_EVAL_CHUNK 1000

typedef struct bcn_layer {
    bcn_layer_kind kind;
    bcn_shape in, out;        /* shapes of x_{l-1} and e_l */
    int n_in, n_out;          /* n_{l-1}, n_l: the shapes flattened (C H W) */
    bcn_conv_geom geom;       /* conv2d: the convolution */
    size_t n_w;               /* floats in W: n_out n_in (dense), C_out C_in k² (conv) */
    int n_c;                  /* floats in c: n_out (dense), C_out (conv) */
    int inner;                /* H W of the output for conv (bias broadcast), 1 for dense */
    /* parameters */
    bcn_buf *W, *c;           /* n_w, n_c */
    bcn_buf *mW, *mc;         /* momentum velocity or Adam first moment */
    bcn_buf *vW, *vc;         /* Adam second moment */
    bcn_buf *Y, *Q, *R;       /* feedback into this layer (l < L): Y, Q shaped as the
                                 upper layer's W; R (dense only) n_out x n_out */
    /* per-rule update signals (allocated on first use) */
    bcn_buf *gW[BCN_RULE_COUNT], *gc[BCN_RULE_COUNT];
    /* data parallelism (net_shard.c): the batch sums Y/Q and R learn from */
    bcn_buf *gY, *gR;
    /* activations, capacity x n_out */
    bcn_buf *e, *delta, *b, *bbar, *u, *ubar, *s, *r, *abar;
} bcn_layer;

/* The packed parameters (net_packed.c): W_1, c_1, ..., W_L, c_L as
 * segments of one device buffer each for the weights, every rule's signal
 * and the optimiser state, at offsets aligned for views and to the
 * optimiser's blocks, zero between segments; the per-layer buffers
 * (W, c, gW, gc, mW, mc, vW, vc) are views into them. */
typedef struct bcn_packing {
    size_t off_w[BCN_MAX_LAYERS], off_c[BCN_MAX_LAYERS];
    size_t n;                           /* floats of each packed buffer */
    bcn_buf *params, *m, *v;            /* W and c; optimiser state */
    bcn_buf *grad[BCN_RULE_COUNT];      /* each rule's signal */
    bcn_buf *table;                     /* the optimiser's per-block lr, wd */
    float table_lr[BCN_MAX_LAYERS];     /* what the table was built from */
    float table_wd, table_wd_c;
    int table_built;
} bcn_packing;

struct bcn_net {
    bcn_ctx *ctx;
    bcn_backend *be;
    bcn_net_config cfg;
    int L;
    bcn_layer layer[BCN_MAX_LAYERS]; /* layer[l-1] is layer l */
    bcn_packing pack_state;          /* the packed buffers behind W, c, ... */
    int capacity;                    /* rows the activation buffers hold */
    bcn_buf *x0, *t;                 /* input and target of the batch */
    int batch;                       /* rows in x0/t/activations now */
    int has_teacher;
    /* training statistics */
    bcn_buf *stats;
    int stats_used;
    double loss_sum;
    long correct, seen;
    long adam_step;
    long steps;          /* training steps taken over the network's life */
    long folded_steps;   /* steps whose statistics slots were folded */
    long first_bad_step; /* first step whose batch loss was NaN/inf; -1 none */
    /* data on the device (net_data.c): per split, n x dim inputs and n
     * labels stored as floats; the indices of a batch */
    bcn_buf *data_x[BCN_SPLIT_COUNT], *data_y[BCN_SPLIT_COUNT];
    int data_n[BCN_SPLIT_COUNT];
    bcn_buf *rows;       /* rows_cap indices (floats) */
    float *rows_host;    /* their host copy before upload */
    int rows_cap;
    /* data parallelism (net_shard.c) */
    bcn_reduce_fn reduce;
    void *reduce_user;
    float *pack;         /* the packed gradients of a step (host) */
    size_t pack_cap;
    float *pack_img;     /* the rule's packed signal as on the device (host) */
    size_t pack_img_cap;
};

/* ---- net_packed.c: every layer's W and c in one buffer ---- */
/* Lay out the packed buffers' segments (after bcn_net_layout). */
void bcn_net_pack_layout(bcn_net *net);
/* Allocate the packed weights, zeroed, with the views W, c of every layer. */
bcn_status bcn_net_pack_params(bcn_net *net);
/* Allocate the optimiser's state for cfg.optimizer, zeroed, with the views
 * mW, mc (momentum, Adam) and vW, vc (Adam), and build its table. */
bcn_status bcn_net_pack_state(bcn_net *net);
/* Make sure rule's signal exists: the packed buffer, zeroed, with the
 * views gW[rule], gc[rule]. */
bcn_status bcn_net_pack_signal(bcn_net *net, bcn_rule rule);
/* One optimiser step on every W and c with the own rule's signal (the
 * table rebuilt first when a learning rate or the decay changed). */
bcn_status bcn_net_pack_optimize(bcn_net *net);
/* Free the packed buffers (after every view of them). */
void bcn_net_pack_free(bcn_net *net);

/* Fill net->layer[] shapes from the (checked) configuration. */
void bcn_net_layout(bcn_net *net);
/* Largest chunk of examples bcn_net_evaluate pushes through at once: up to
 * BCN_EVAL_CHUNK, fewer for wide (conv) layers to bound the memory. */
int bcn_net_eval_chunk(const bcn_net *net);

/* ---- layer.c: the per-kind operations every rule is written with ---- */
/* e = σ(layer(x) + c) for the batch (SPEC §2, §12); stats as bias_sigmoid
 * takes them (NULL: none). */
bcn_status bcn_layer_forward(bcn_net *net, bcn_layer *ly, const bcn_buf *x,
                             const bcn_out_stats *stats);
/* dst = alpha · zᵀ-through-layer `up` with kernel K + beta dst: the
 * top-down transport into the layer below `up` (dense: z K; conv:
 * convᵀ(z; K) with up's stride and padding). z is batch x up->n_out, dst
 * batch x up->n_in; K is shaped as up's W. */
bcn_status bcn_layer_feedback(bcn_net *net, const bcn_layer *up, float alpha,
                              const bcn_buf *z, const bcn_buf *K, float beta, bcn_buf *dst);
/* dW = alpha · (weight gradient of `ly` for output signal dy and input x)
 * + beta dW (dense: dyᵀ x; conv: SPEC §12's ∇W sum). */
bcn_status bcn_layer_weight_grad(bcn_net *net, const bcn_layer *ly, float alpha,
                                 const bcn_buf *dy, const bcn_buf *x, float beta, bcn_buf *dW);
/* gc = alpha Σ over the batch (and the maps of a conv layer) of dy. */
bcn_status bcn_layer_bias_grad(bcn_net *net, const bcn_layer *ly, float alpha,
                               const bcn_buf *dy, bcn_buf *gc);
/* 1 when the op that writes the layer's δ also sums its bias gradient
 * (dense layers), 0 when bcn_layer_bias_grad does it afterwards (conv). */
int bcn_layer_fuses_bias_grad(const bcn_layer *ly);
/* The bias gradient gc = alpha Σ_rows δ for the op that writes a dense
 * layer's δ to fill in (stored in *tmp), or NULL for a conv layer, whose
 * bias gradient bcn_layer_bias_grad sums afterwards. */
const bcn_bias_grad *bcn_layer_fused_bias_grad(const bcn_net *net, const bcn_layer *ly,
                                               float alpha, bcn_buf *gc, bcn_bias_grad *tmp);
/* Multiply-adds of one pass of the layer's linear map over one example. */
double bcn_layer_macs(const bcn_layer *ly);

/* Read the device statistics slots used so far into the host sums, noting
 * the first step whose batch loss is not finite (net->first_bad_step). */
bcn_status bcn_net_fold_stats(bcn_net *net);
/* The parameter and optimiser-state buffers of layer index li in the
 * checkpoint's order (W, c, mW, mc, vW, vc, Y, Q, R): *slot[k] NULL when
 * the network has none; returns the count (9) and each one's floats. */
int bcn_net_state_buffers(bcn_net *net, int li, bcn_buf **bufs[9], size_t sizes[9]);
/* Make the activation buffers hold at least `batch` rows. */
bcn_status bcn_net_reserve(bcn_net *net, int batch);
/* Make sure rule's signal buffers exist. */
bcn_status bcn_net_alloc_signal(bcn_net *net, bcn_rule rule);
/* Upload x (and t unless NULL) for `batch` rows. */
bcn_status bcn_net_upload(bcn_net *net, const float *x, const float *t, int batch);
/* Where a step's batch comes from: host arrays x, t (uploaded), or rows
 * of the attached training split (x, t NULL; gathered on the device). */
typedef struct bcn_batch_src {
    const float *x, *t;
    const int *rows;
} bcn_batch_src;
/* Put the batch of `src` into x0 and t (bcn_net_upload or
 * bcn_net_gather_rows). */
bcn_status bcn_net_load_batch(bcn_net *net, const bcn_batch_src *src, int batch);
/* Gather rows idx[0..batch) of the attached training split into x0 and t. */
bcn_status bcn_net_gather_rows(bcn_net *net, const int *idx, int batch);
/* The first part of a training step: upload, forward pass, and the batch's
 * loss and accuracy into the statistics slots. */
bcn_status bcn_net_forward_step(bcn_net *net, const float *x, const float *t, int batch);
/* bcn_net_forward_step for a batch from `src`. */
bcn_status bcn_net_forward_step_src(bcn_net *net, const bcn_batch_src *src, int batch);
/* Load chunk [start, start + rows) of an evaluated set into x0 and t. */
typedef bcn_status (*bcn_eval_loader)(bcn_net *net, void *user, int start, int rows);
/* The evaluation of n examples in chunks through `load` (bcn_net_evaluate
 * and bcn_net_evaluate_attached): mean loss and errors, either may be NULL. */
bcn_status bcn_net_evaluate_chunks(bcn_net *net, int n, bcn_eval_loader load, void *user,
                                   double *mean_loss, long *n_errors);
/* Apply the optimiser to every W and c with the own rule's signal (SPEC
 * §8; Burstprop's c without weight decay). */
bcn_status bcn_net_update_params(bcn_net *net);
/* Forward pass of SPEC §2 over the uploaded batch; with stats != NULL the
 * output layer also writes the batch's loss and accuracy (backend.h's
 * bcn_out_stats, against net->t). */
bcn_status bcn_net_run_forward(bcn_net *net, const bcn_out_stats *stats);
/* The rule's top-down sweep and its ∇W, ∇c into layer[].gW/gc[rule]. */
bcn_status bcn_net_run_signal(bcn_net *net, bcn_rule rule);
/* Apply the optimiser with the own rule's signal, learn Y/Q/R, re-tie. */
bcn_status bcn_net_run_update(bcn_net *net);
/* 1 when a training step learns Y_l (param BCN_PARAM_Y) or Q_l
 * (BCN_PARAM_Q) of layer index li: BurstCCN, a rate > 0, not tied, and the
 * layer dense or conv_feedback_learning on (SPEC §5, §12). */
int bcn_net_learns_feedback(const bcn_net *net, int li, bcn_param which);
/* Re-tie Y and Q for tied modes (SPEC §7). */
bcn_status bcn_net_apply_ties(bcn_net *net);

#endif /* BCN_NET_INTERNAL_H */
