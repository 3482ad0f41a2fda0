/*
 * net_eval.c — the public entry points that run a network: training step,
 * statistics, signals on request, forward, evaluation, rule comparison and
 * the FLOP count of a step.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

bcn_status bcn_net_fold_stats(bcn_net *net)
{
    if (net->stats_used == 0)
        return BCN_OK;
    size_t n = 2 * (size_t)net->stats_used;
    float *host = malloc(n * sizeof(float));
    if (!host)
        return bcn_set_error(net->ctx, BCN_ERR_NOMEM, "out of memory reading statistics");
    bcn_status st = net->be->buf_read(net->be, net->stats, 0, n, host);
    if (st == BCN_OK) {
        /* One slot per step, added in step order: the sums do not depend
         * on when they are folded (a resumed run folds at other times). */
        for (int i = 0; i < net->stats_used; i++) {
            if (!isfinite(host[2 * i]) && net->first_bad_step < 0)
                net->first_bad_step = net->folded_steps + i;
            net->loss_sum += host[2 * i];
            net->correct += (long)lrint(isfinite(host[2 * i + 1]) ? host[2 * i + 1] : 0.0f);
        }
        net->folded_steps += net->stats_used;
        net->stats_used = 0;
    }
    free(host);
    return st;
}

/* Finish the device's queue when timing, then read the clock. */
static double timed_mark(bcn_net *net, bcn_step_timing *timing, bcn_status *st)
{
    if (!timing)
        return 0.0;
    if (*st == BCN_OK)
        *st = net->be->finish(net->be);
    return bcn_now_seconds();
}

bcn_status bcn_net_load_batch(bcn_net *net, const bcn_batch_src *src, int batch)
{
    if (src->rows)
        return bcn_net_gather_rows(net, src->rows, batch);
    return bcn_net_upload(net, src->x, src->t, batch);
}

bcn_status bcn_net_forward_step(bcn_net *net, const float *x, const float *t, int batch)
{
    bcn_batch_src src = {x, t, NULL};
    return bcn_net_forward_step_src(net, &src, batch);
}

bcn_status bcn_net_forward_step_src(bcn_net *net, const bcn_batch_src *src, int batch)
{
    bcn_status st = BCN_OK;
    if (net->stats_used == BCN_STATS_SLOTS)
        st = bcn_net_fold_stats(net);
    if (st == BCN_OK)
        st = bcn_net_load_batch(net, src, batch);
    if (st == BCN_OK) {
        bcn_out_stats os = {net->t, net->stats, net->stats_used};
        st = bcn_net_run_forward(net, &os);
    }
    if (st == BCN_OK) {
        net->stats_used++;
        net->steps++;
        net->seen += batch;
    }
    return st;
}

/* A training step on the batch of `src`, timed when `timing` is set. */
static bcn_status train_step_src(bcn_net *net, const bcn_batch_src *src, int batch,
                                 bcn_step_timing *timing)
{
    bcn_status st = BCN_OK;
    double t0 = timed_mark(net, timing, &st);
    if (st == BCN_OK)
        st = bcn_net_forward_step_src(net, src, batch);
    double t1 = timed_mark(net, timing, &st);
    if (st == BCN_OK)
        st = bcn_net_run_signal(net, net->cfg.rule);
    double t2 = timed_mark(net, timing, &st);
    if (st == BCN_OK)
        st = bcn_net_run_update(net);
    double t3 = timed_mark(net, timing, &st);
    if (timing) {
        timing->forward_s = t1 - t0;
        timing->feedback_s = t2 - t1;
        timing->update_s = t3 - t2;
    }
    return st;
}

bcn_status bcn_net_train_step(bcn_net *net, const float *x, const float *t, int batch,
                              bcn_step_timing *timing)
{
    if (!net)
        return BCN_ERR_INVALID_ARG;
    if (!t)
        return bcn_set_error(net->ctx, BCN_ERR_INVALID_ARG,
                             "bcn_net_train_step: targets t are NULL");
    bcn_batch_src src = {x, t, NULL};
    return train_step_src(net, &src, batch, timing);
}

bcn_status bcn_net_train_step_rows(bcn_net *net, const int *idx, int batch,
                                   bcn_step_timing *timing)
{
    if (!net)
        return BCN_ERR_INVALID_ARG;
    if (!idx)
        return bcn_set_error(net->ctx, BCN_ERR_INVALID_ARG,
                             "bcn_net_train_step_rows: indices are NULL");
    bcn_batch_src src = {NULL, NULL, idx};
    return train_step_src(net, &src, batch, timing);
}

bcn_status bcn_net_train_stats(bcn_net *net, int reset, double *mean_loss, long *n_correct,
                               long *n_samples)
{
    if (!net)
        return BCN_ERR_INVALID_ARG;
    bcn_status st = bcn_net_fold_stats(net);
    if (st != BCN_OK)
        return st;
    double entries = (double)net->seen * net->layer[net->L - 1].n_out;
    if (mean_loss)
        *mean_loss = entries > 0 ? net->loss_sum / entries : 0.0;
    if (n_correct)
        *n_correct = net->correct;
    if (n_samples)
        *n_samples = net->seen;
    if (reset) {
        net->loss_sum = 0.0;
        net->correct = 0;
        net->seen = 0;
    }
    return BCN_OK;
}

bcn_status bcn_net_first_bad_step(bcn_net *net, long *step)
{
    if (!net || !step)
        return bcn_set_error(net ? net->ctx : NULL, BCN_ERR_INVALID_ARG,
                             "bcn_net_first_bad_step: NULL argument");
    bcn_status st = bcn_net_fold_stats(net);
    if (st == BCN_OK)
        *step = net->first_bad_step;
    return st;
}

long bcn_net_steps(const bcn_net *net) { return net ? net->steps : 0; }

bcn_status bcn_net_set_train_stats(bcn_net *net, double mean_loss, long n_correct,
                                   long n_samples)
{
    if (!net)
        return BCN_ERR_INVALID_ARG;
    if (n_samples < 0 || n_correct < 0 || n_correct > n_samples || !isfinite(mean_loss))
        return bcn_set_error(net->ctx, BCN_ERR_INVALID_ARG,
                             "bcn_net_set_train_stats: %ld correct of %ld samples, loss %g",
                             n_correct, n_samples, mean_loss);
    bcn_status st = bcn_net_fold_stats(net);
    if (st != BCN_OK)
        return st;
    net->loss_sum = mean_loss * (double)n_samples * net->layer[net->L - 1].n_out;
    net->correct = n_correct;
    net->seen = n_samples;
    return BCN_OK;
}

bcn_status bcn_net_compute_signals(bcn_net *net, const float *x, const float *t, int batch,
                                   unsigned rule_mask)
{
    if (!net)
        return BCN_ERR_INVALID_ARG;
    if (rule_mask & ~BCN_RULE_ALL)
        return bcn_set_error(net->ctx, BCN_ERR_INVALID_ARG, "rule mask 0x%x names unknown rules",
                             rule_mask);
    bcn_status st = bcn_net_upload(net, x, t, batch);
    if (st == BCN_OK)
        st = bcn_net_run_forward(net, NULL);
    for (int r = 0; r < BCN_RULE_COUNT && st == BCN_OK; r++)
        if (rule_mask & BCN_RULE_BIT(r))
            st = bcn_net_run_signal(net, (bcn_rule)r);
    return st;
}

bcn_status bcn_net_forward(bcn_net *net, const float *x, int batch, float *out)
{
    if (!net)
        return BCN_ERR_INVALID_ARG;
    bcn_status st = bcn_net_upload(net, x, NULL, batch);
    if (st == BCN_OK)
        st = bcn_net_run_forward(net, NULL);
    if (st == BCN_OK && out) {
        bcn_layer *top = &net->layer[net->L - 1];
        st = net->be->buf_read(net->be, top->e, 0, (size_t)batch * top->n_out, out);
    }
    return st;
}

/* The host arrays bcn_net_evaluate reads, and its one-hot scratch. */
typedef struct host_eval {
    const float *x;
    const uint8_t *labels;
    float *t; /* chunk x n_L */
} host_eval;

static bcn_status load_host_chunk(bcn_net *net, void *user, int start, int rows)
{
    host_eval *h = user;
    int n0 = net->layer[0].n_in, nL = net->layer[net->L - 1].n_out;
    memset(h->t, 0, (size_t)rows * nL * sizeof(float));
    for (int i = 0; i < rows; i++)
        h->t[(size_t)i * nL + h->labels[start + i]] = 1.0f;
    return bcn_net_upload(net, h->x + (size_t)start * n0, h->t, rows);
}

bcn_status bcn_net_evaluate(bcn_net *net, const float *x, const uint8_t *labels, int n,
                            double *mean_loss, long *n_errors)
{
    if (!net)
        return BCN_ERR_INVALID_ARG;
    if (!x || !labels || n < 1)
        return bcn_set_error(net->ctx, BCN_ERR_INVALID_ARG,
                             "bcn_net_evaluate: need inputs, labels and n >= 1 (n = %d)", n);
    int nL = net->layer[net->L - 1].n_out;
    for (int i = 0; i < n; i++)
        if (labels[i] >= nL)
            return bcn_set_error(net->ctx, BCN_ERR_INVALID_ARG,
                                 "label %d of example %d is out of range for %d classes",
                                 labels[i], i, nL);
    int max_chunk = bcn_net_eval_chunk(net);
    int chunk = n < max_chunk ? n : max_chunk;
    host_eval h = {x, labels, calloc((size_t)chunk * nL, sizeof(float))};
    if (!h.t)
        return bcn_set_error(net->ctx, BCN_ERR_NOMEM, "out of memory evaluating %d examples", n);
    bcn_status st = bcn_net_evaluate_chunks(net, n, load_host_chunk, &h, mean_loss, n_errors);
    free(h.t);
    return st;
}

bcn_status bcn_net_evaluate_chunks(bcn_net *net, int n, bcn_eval_loader load, void *user,
                                   double *mean_loss, long *n_errors)
{
    int nL = net->layer[net->L - 1].n_out;
    int max_chunk = bcn_net_eval_chunk(net);
    int chunk = n < max_chunk ? n : max_chunk;
    int nchunks = (n + chunk - 1) / chunk;
    float *host = malloc(2 * (size_t)nchunks * sizeof(float));
    bcn_buf *stats = NULL;
    bcn_status st = BCN_OK;
    if (!host) {
        st = bcn_set_error(net->ctx, BCN_ERR_NOMEM, "out of memory evaluating %d examples", n);
        goto done;
    }
    if ((st = net->be->buf_alloc(net->be, 2 * (size_t)nchunks, &stats)) != BCN_OK)
        goto done;
    for (int c = 0; c < nchunks && st == BCN_OK; c++) {
        int start = c * chunk, rows = n - start < chunk ? n - start : chunk;
        st = load(net, user, start, rows);
        if (st == BCN_OK) {
            bcn_out_stats os = {net->t, stats, c};
            st = bcn_net_run_forward(net, &os);
        }
    }
    if (st == BCN_OK)
        st = net->be->buf_read(net->be, stats, 0, 2 * (size_t)nchunks, host);
    if (st == BCN_OK) {
        double loss = 0.0;
        long correct = 0;
        for (int c = 0; c < nchunks; c++) {
            loss += host[2 * c];
            correct += (long)lrint(host[2 * c + 1]);
        }
        if (mean_loss)
            *mean_loss = loss / ((double)n * nL);
        if (n_errors)
            *n_errors = n - correct;
    }
done:
    if (stats)
        net->be->buf_free(net->be, stats);
    free(host);
    return st;
}

double bcn_net_step_flops(const bcn_net *net, int batch)
{
    if (!net)
        return 0.0;
    const bcn_net_config *cfg = &net->cfg;
    double B = batch, f = 0.0;
    for (int li = 0; li < net->L; li++) {
        const bcn_layer *ly = &net->layer[li];
        double macs = bcn_layer_macs(ly), nout = ly->n_out;
        f += 2.0 * B * macs;           /* forward GEMM or convolution */
        f += 2.0 * B * macs;           /* ∇W */
        f += B * nout * 6.0;           /* bias + sigmoid, elementwise rule ops, colsum */
        double per_param = cfg->optimizer == BCN_OPT_ADAM ? 12.0
                           : cfg->optimizer == BCN_OPT_MOMENTUM ? 5.0 : 4.0;
        f += per_param * ((double)ly->n_w + ly->n_c);
    }
    for (int li = 0; li < net->L - 1; li++) {
        const bcn_layer *ly = &net->layer[li];
        double n = ly->n_out;
        double fb = 2.0 * B * bcn_layer_macs(&net->layer[li + 1]); /* one top-down pass */
        switch (cfg->rule) {
        case BCN_RULE_BURSTCCN:
            f += 2.0 * fb;
            if (bcn_net_learns_feedback(net, li, BCN_PARAM_Y))
                f += fb;
            if (bcn_net_learns_feedback(net, li, BCN_PARAM_Q))
                f += fb;
            break;
        case BCN_RULE_BURSTPROP:
            f += 2.0 * fb;
            if (cfg->recurrent && ly->kind == BCN_LAYER_DENSE) {
                f += 2.0 * B * n * n;
                if (cfg->r_lr > 0.0f)
                    f += 2.0 * B * n * n;
            }
            break;
        default:
            f += fb;
        }
    }
    return f;
}

/* Angle between two device buffers of n floats; dots returned for sums. */
static bcn_status buf_angle(bcn_net *net, size_t n, const bcn_buf *a, const bcn_buf *b,
                            bcn_angle *out, double dots[3])
{
    double d[3];
    bcn_status st = net->be->dot3(net->be, n, a, b, d);
    if (st != BCN_OK)
        return st;
    *out = bcn_angle_from_dots(d[0], d[1], d[2]);
    if (dots)
        for (int i = 0; i < 3; i++)
            dots[i] += d[i];
    return BCN_OK;
}

bcn_status bcn_net_compare(bcn_net *net, const float *x, const float *t, int batch,
                           bcn_comparison *out)
{
    if (!net || !out)
        return bcn_set_error(net ? net->ctx : NULL, BCN_ERR_INVALID_ARG,
                             "bcn_net_compare: NULL argument");
    if (!t)
        return bcn_set_error(net->ctx, BCN_ERR_INVALID_ARG,
                             "bcn_net_compare needs targets (backprop is the reference)");
    memset(out, 0, sizeof *out);
    out->n_layers = net->L;
    bcn_status st = bcn_net_compute_signals(net, x, t, batch, BCN_RULE_ALL);
    for (int r = 0; r < BCN_RULE_COUNT && st == BCN_OK; r++) {
        double sums[3] = {0, 0, 0};
        for (int li = 0; li < net->L && st == BCN_OK; li++) {
            bcn_layer *ly = &net->layer[li];
            st = buf_angle(net, ly->n_w, ly->gW[r], ly->gW[BCN_RULE_BACKPROP],
                           &out->to_bp[r][li], sums);
        }
        out->to_bp_global[r] = bcn_angle_from_dots(sums[0], sums[1], sums[2]);
    }
    for (int li = 0; li < net->L - 1 && st == BCN_OK; li++) {
        bcn_layer *ly = &net->layer[li], *up = &net->layer[li + 1];
        size_t n = up->n_w;
        st = buf_angle(net, n, up->W, ly->Y, &out->w_y[li], NULL);
        if (st == BCN_OK)
            st = buf_angle(net, n, ly->Y, ly->Q, &out->y_q[li], NULL);
    }
    return st;
}
