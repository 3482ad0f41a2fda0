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
    int n_in, n_out;          /* n_{l-1}, n_l */
    /* parameters */
    bcn_buf *W, *c;           /* n_out x n_in, n_out */
    bcn_buf *mW, *mc;         /* momentum velocity or Adam first moment */
    bcn_buf *vW, *vc;         /* Adam second moment */
    bcn_buf *Y, *Q, *R;       /* feedback into this layer (l < L) */
    /* per-rule update signals (allocated on first use) */
    bcn_buf *gW[BCN_RULE_COUNT], *gc[BCN_RULE_COUNT];
    /* activations, capacity x n_out */
    bcn_buf *e, *delta, *b, *bbar, *u, *ubar, *s, *r, *abar;
} bcn_layer;

struct bcn_net {
    bcn_ctx *ctx;
    bcn_backend *be;
    bcn_net_config cfg;
    int L;
    bcn_layer layer[BCN_MAX_LAYERS]; /* layer[l-1] is layer l */
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
};

/* Make the activation buffers hold at least `batch` rows. */
bcn_status bcn_net_reserve(bcn_net *net, int batch);
/* Make sure rule's signal buffers exist. */
bcn_status bcn_net_alloc_signal(bcn_net *net, bcn_rule rule);
/* Upload x (and t unless NULL) for `batch` rows. */
bcn_status bcn_net_upload(bcn_net *net, const float *x, const float *t, int batch);
/* Forward pass of SPEC §2 over the uploaded batch. */
bcn_status bcn_net_run_forward(bcn_net *net);
/* The rule's top-down sweep and its ∇W, ∇c into layer[].gW/gc[rule]. */
bcn_status bcn_net_run_signal(bcn_net *net, bcn_rule rule);
/* Apply the optimiser with the own rule's signal, learn Y/Q/R, re-tie. */
bcn_status bcn_net_run_update(bcn_net *net);
/* Re-tie Y and Q for tied modes (SPEC §7). */
bcn_status bcn_net_apply_ties(bcn_net *net);

#endif /* BCN_NET_INTERNAL_H */
