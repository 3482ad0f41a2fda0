/*
 * net_shard.c — data-parallel training (bcn_net_train_shard): each process
 * computes its rule's signals on its rows of a global minibatch, the
 * gradients of every parameter that learns are packed into one buffer,
 * summed over the processes by the installed reducer (bcn_mpi_reduce for
 * MPI), and every process applies the same update. SPEC's conventions
 * hold over the global batch: ∇W, ∇c and the Y/Q updates are batch means
 * (each process scales its mean by batch / global_batch before the sum),
 * ∇R a batch sum (SPEC §6).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

/* The packed items of one step, in order: per layer W, c (the rule's
 * signal), then per hidden layer the feedback sum eᵀu (Y and Q learn from
 * it) and R's sum. `bufs[i]` holds `sizes[i]` floats; `scaled[i]` marks
 * the batch means (scaled by batch / global_batch). Returns the count. */
#define MAX_ITEMS (4 * BCN_MAX_LAYERS)
typedef struct pack_list {
    bcn_buf **bufs[MAX_ITEMS];
    size_t sizes[MAX_ITEMS];
    int scaled[MAX_ITEMS];
    int n;
    size_t total;
} pack_list;

static int learns_y_or_q(const bcn_net *net, int li)
{
    return bcn_net_learns_feedback(net, li, BCN_PARAM_Y) ||
           bcn_net_learns_feedback(net, li, BCN_PARAM_Q);
}

static int learns_r(const bcn_net *net, int li)
{
    const bcn_net_config *cfg = &net->cfg;
    return cfg->rule == BCN_RULE_BURSTPROP && cfg->recurrent && net->layer[li].R &&
           cfg->r_lr > 0.0f && li < net->L - 1;
}

static void add_item(pack_list *p, bcn_buf **buf, size_t n, int scaled)
{
    p->bufs[p->n] = buf;
    p->sizes[p->n] = n;
    p->scaled[p->n] = scaled;
    p->n++;
    p->total += n;
}

static void list_items(bcn_net *net, pack_list *p)
{
    bcn_rule rule = net->cfg.rule;
    memset(p, 0, sizeof *p);
    for (int li = 0; li < net->L; li++) {
        bcn_layer *ly = &net->layer[li];
        add_item(p, &ly->gW[rule], ly->n_w, 1);
        add_item(p, &ly->gc[rule], (size_t)ly->n_c, 1);
    }
    for (int li = 0; li < net->L - 1; li++) {
        bcn_layer *ly = &net->layer[li];
        if (learns_y_or_q(net, li))
            add_item(p, &ly->gY, net->layer[li + 1].n_w, 0);
        if (learns_r(net, li))
            add_item(p, &ly->gR, (size_t)ly->n_out * ly->n_out, 0);
    }
}

size_t bcn_net_shard_floats(const bcn_net *net)
{
    if (!net)
        return 0;
    pack_list p;
    list_items((bcn_net *)net, &p);
    return p.total;
}

bcn_status bcn_net_set_reducer(bcn_net *net, bcn_reduce_fn fn, void *user)
{
    if (!net)
        return BCN_ERR_INVALID_ARG;
    net->reduce = fn;
    net->reduce_user = user;
    return BCN_OK;
}

/* Allocate the feedback-sum buffers the step needs. */
static bcn_status alloc_sums(bcn_net *net)
{
    bcn_backend *be = net->be;
    for (int li = 0; li < net->L - 1; li++) {
        bcn_layer *ly = &net->layer[li];
        bcn_status st = BCN_OK;
        if (learns_y_or_q(net, li) && !ly->gY)
            st = be->buf_alloc(be, net->layer[li + 1].n_w, &ly->gY);
        if (st == BCN_OK && learns_r(net, li) && !ly->gR)
            st = be->buf_alloc(be, (size_t)ly->n_out * ly->n_out, &ly->gR);
        if (st != BCN_OK)
            return st;
    }
    return BCN_OK;
}

/* This process's part: forward, statistics, the rule's signal and the
 * feedback sums on its rows; zeros when it has none. */
static bcn_status local_part(bcn_net *net, const float *x, const float *t, int batch)
{
    bcn_backend *be = net->be;
    if (batch == 0) {
        /* No rows: zero gradients, and a zero statistics slot so that the
         * step still counts (bcn_net_steps, bcn_net_first_bad_step). */
        bcn_status st = BCN_OK;
        if (net->stats_used == BCN_STATS_SLOTS)
            st = bcn_net_fold_stats(net);
        const float zero[2] = {0.0f, 0.0f};
        if (st == BCN_OK)
            st = be->buf_write(be, net->stats, 2 * (size_t)net->stats_used, 2, zero);
        if (st == BCN_OK) {
            net->stats_used++;
            net->steps++;
        }
        pack_list p;
        list_items(net, &p);
        for (int i = 0; i < p.n && st == BCN_OK; i++)
            st = be->fill(be, p.sizes[i], 0.0f, *p.bufs[i]);
        return st;
    }
    bcn_status st = bcn_net_forward_step(net, x, t, batch);
    if (st == BCN_OK)
        st = bcn_net_run_signal(net, net->cfg.rule);
    for (int li = 0; li < net->L - 1 && st == BCN_OK; li++) {
        bcn_layer *ly = &net->layer[li], *up = &net->layer[li + 1];
        /* Σ over the batch of e_{l+1}ᵀ u_l through layer l+1 (SPEC §5, §12) */
        if (learns_y_or_q(net, li))
            st = bcn_layer_weight_grad(net, up, 1.0f, up->e, ly->u, 0.0f, ly->gY);
        /* Σ over the batch of abarᵀ (σ(ū) ⊙ e), i.e. −∇R (SPEC §6) */
        if (st == BCN_OK && learns_r(net, li))
            st = be->gemm(be, 1, 0, ly->n_out, ly->n_out, batch, 1.0f, ly->abar, ly->n_out,
                          ly->s, ly->n_out, 0.0f, ly->gR, ly->n_out);
    }
    return st;
}

/* Make net->pack_img hold the rule's packed signal (padding included). */
static bcn_status reserve_img(bcn_net *net, size_t n)
{
    if (n <= net->pack_img_cap)
        return BCN_OK;
    float *img = realloc(net->pack_img, n * sizeof *img);
    if (!img)
        return bcn_set_error(net->ctx, BCN_ERR_NOMEM, "out of memory packing %zu gradients", n);
    net->pack_img = img;
    net->pack_img_cap = n;
    return BCN_OK;
}

/* Where item i (< 2 L: W_1, c_1, W_2, ...) of the list starts in the
 * packed signal. */
static size_t packed_at(const bcn_packing *pk, int i)
{
    return i % 2 ? pk->off_c[i / 2] : pk->off_w[i / 2];
}

/* Pack, sum over processes, unpack. The rule's ∇W, ∇c (the first 2 L
 * items) come from its packed signal in one read and go back in one
 * write (net_packed.c: zero padding read and written back unchanged). */
static bcn_status reduce_packed(bcn_net *net, int batch, int global_batch, int failed)
{
    bcn_backend *be = net->be;
    const bcn_packing *pk = &net->pack_state;
    bcn_buf *grad = pk->grad[net->cfg.rule];
    pack_list p;
    list_items(net, &p);
    if (p.total > net->pack_cap) {
        float *h = realloc(net->pack, p.total * sizeof *h);
        if (!h)
            return bcn_set_error(net->ctx, BCN_ERR_NOMEM,
                                 "out of memory packing %zu gradients", p.total);
        net->pack = h;
        net->pack_cap = p.total;
    }
    bcn_status st = reserve_img(net, pk->n);
    if (st != BCN_OK)
        return st;
    float *h = net->pack, *img = net->pack_img;
    int n_rule = 2 * net->L; /* items read from the packed signal */
    if (!failed && (st = be->buf_read(be, grad, 0, pk->n, img)) != BCN_OK)
        return st;
    size_t off = 0;
    double share = global_batch > 0 ? (double)batch / global_batch : 0.0;
    for (int i = 0; i < p.n; off += p.sizes[i], i++) {
        if (failed) {
            memset(h + off, 0, p.sizes[i] * sizeof *h);
            continue;
        }
        if (i < n_rule) {
            memcpy(h + off, img + packed_at(pk, i), p.sizes[i] * sizeof *h);
        } else if ((st = be->buf_read(be, *p.bufs[i], 0, p.sizes[i], h + off)) != BCN_OK) {
            return st;
        }
        if (p.scaled[i])
            for (size_t k = 0; k < p.sizes[i]; k++)
                h[off + k] = (float)(h[off + k] * share);
    }
    char msg[512] = "";
    st = net->reduce(net->reduce_user, h, p.total, failed, msg, sizeof msg);
    if (st != BCN_OK)
        return failed ? BCN_ERR_STATE
                      : bcn_set_error(net->ctx, st, "gradient reduction: %s", msg);
    if (failed) /* the image was not read: zero padding around the sums */
        memset(img, 0, pk->n * sizeof *img);
    off = 0;
    for (int i = 0; i < p.n && st == BCN_OK; i++) {
        if (i < n_rule) {
            memcpy(img + packed_at(pk, i), h + off, p.sizes[i] * sizeof *h);
        } else {
            st = be->buf_write(be, *p.bufs[i], 0, p.sizes[i], h + off);
        }
        off += p.sizes[i];
    }
    if (st == BCN_OK)
        st = be->buf_write(be, grad, 0, pk->n, img);
    return st;
}

/* The same update on every process from the summed gradients. */
static bcn_status apply_summed(bcn_net *net, int global_batch)
{
    const bcn_net_config *cfg = &net->cfg;
    bcn_backend *be = net->be;
    bcn_status st = bcn_net_update_params(net);
    for (int li = 0; li < net->L - 1 && st == BCN_OK; li++) {
        bcn_layer *ly = &net->layer[li];
        size_t n = net->layer[li + 1].n_w;
        if (bcn_net_learns_feedback(net, li, BCN_PARAM_Y)) /* Y ← Y − lr_Y Σ eᵀu / B */
            st = be->axpby(be, n, -cfg->y_lr / (float)global_batch, ly->gY, 1.0f, ly->Y);
        if (st == BCN_OK && bcn_net_learns_feedback(net, li, BCN_PARAM_Q)) /* ∇Q = −∇Y */
            st = be->axpby(be, n, cfg->q_lr / (float)global_batch, ly->gY, 1.0f, ly->Q);
        if (st == BCN_OK && learns_r(net, li)) /* R ← R + lr_R Σ abarᵀ(σ(ū) ⊙ e) */
            st = be->axpby(be, (size_t)ly->n_out * ly->n_out, cfg->r_lr, ly->gR, 1.0f, ly->R);
    }
    if (st == BCN_OK)
        st = bcn_net_apply_ties(net);
    return st;
}

bcn_status bcn_net_train_shard(bcn_net *net, const float *x, const float *t, int batch,
                               int global_batch, bcn_step_timing *timing)
{
    if (!net)
        return BCN_ERR_INVALID_ARG;
    if (!net->reduce)
        return bcn_set_error(net->ctx, BCN_ERR_STATE,
                             "bcn_net_train_shard: no reducer installed (bcn_net_set_reducer)");
    double t0 = timing ? bcn_now_seconds() : 0.0;
    bcn_status st = BCN_OK;
    if (batch < 0 || global_batch < 1 || batch > global_batch || (batch > 0 && (!x || !t)))
        st = bcn_set_error(net->ctx, BCN_ERR_INVALID_ARG,
                           "bcn_net_train_shard: %d rows of a global batch of %d%s", batch,
                           global_batch, batch > 0 && (!x || !t) ? " with NULL data" : "");
    if (st == BCN_OK)
        st = alloc_sums(net);
    if (st == BCN_OK)
        st = local_part(net, x, t, batch);
    if (timing && st == BCN_OK)
        st = net->be->finish(net->be);
    double t1 = timing ? bcn_now_seconds() : 0.0;
    /* Every process reduces, a failed one too, so that none waits for it. */
    bcn_status rst = reduce_packed(net, batch, global_batch, st != BCN_OK);
    if (st == BCN_OK)
        st = rst;
    double t2 = timing ? bcn_now_seconds() : 0.0;
    if (st == BCN_OK)
        st = apply_summed(net, global_batch);
    if (timing) {
        if (st == BCN_OK)
            st = net->be->finish(net->be);
        timing->forward_s = t1 - t0; /* forward and the rule's sweep */
        timing->feedback_s = t2 - t1; /* packing and the reduction */
        timing->update_s = bcn_now_seconds() - t2;
    }
    return st;
}
