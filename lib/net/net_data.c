/*
 * net_data.c — data on the device: a dataset's splits uploaded once
 * (bcn_net_attach_data), minibatches gathered there from uploaded indices
 * (bcn_net_train_step_rows) and evaluation read from device memory
 * (bcn_net_evaluate_attached). Labels and indices are stored as floats,
 * exact below 2^24 (backend.h's gather_batch).
 */
#include "config.h"

#include <stdlib.h>

#include "net_internal.h"

/* Examples per split must stay below 2^24 to be exact as floats. */
#define MAX_SPLIT_EXAMPLES (1 << 24)

static const char *const split_names[BCN_SPLIT_COUNT] = {"training", "validation", "test"};

/* The splits of ds in bcn_split_id order. */
static const bcn_split *split_of(const bcn_dataset *ds, int which)
{
    return which == BCN_SPLIT_TRAIN ? &ds->train : which == BCN_SPLIT_VAL ? &ds->val : &ds->test;
}

uint64_t bcn_dataset_device_bytes(const bcn_dataset *ds)
{
    if (!ds)
        return 0;
    uint64_t floats = 0;
    for (int s = 0; s < BCN_SPLIT_COUNT; s++) {
        const bcn_split *sp = split_of(ds, s);
        if (sp->n > 0)
            floats += (uint64_t)sp->n * ((uint64_t)ds->dim + 1);
    }
    return floats * sizeof(float);
}

/* An upper estimate of the bytes the network's own buffers take: per layer
 * the parameters and everything shaped like them (optimiser state,
 * feedback weights and their updates, one signal per rule: 12 copies), R
 * and its update for dense layers, and ten activation buffers of the
 * larger of the training capacity and the evaluation chunk. */
static uint64_t net_bytes_estimate(const bcn_net *net)
{
    int chunk = bcn_net_eval_chunk(net);
    uint64_t rows = (uint64_t)(net->capacity > chunk ? net->capacity : chunk);
    uint64_t floats = rows * (uint64_t)net->layer[0].n_in;
    for (int l = 0; l < net->L; l++) {
        const bcn_layer *ly = &net->layer[l];
        floats += 12 * ((uint64_t)ly->n_w + (uint64_t)ly->n_c) + 10 * rows * ly->n_out;
        if (ly->kind == BCN_LAYER_DENSE)
            floats += 2 * (uint64_t)ly->n_out * ly->n_out;
    }
    return floats * sizeof(float);
}

void bcn_net_detach_data(bcn_net *net)
{
    if (!net)
        return;
    for (int s = 0; s < BCN_SPLIT_COUNT; s++) {
        net->be->buf_free(net->be, net->data_x[s]);
        net->be->buf_free(net->be, net->data_y[s]);
        net->data_x[s] = net->data_y[s] = NULL;
        net->data_n[s] = 0;
    }
    net->be->buf_free(net->be, net->rows);
    net->rows = NULL;
    free(net->rows_host);
    net->rows_host = NULL;
    net->rows_cap = 0;
}

int bcn_net_has_data(const bcn_net *net) { return net && net->data_x[BCN_SPLIT_TRAIN] != NULL; }

/* Check ds against the network: shapes, sizes, labels. */
static bcn_status check_dataset(bcn_net *net, const bcn_dataset *ds)
{
    int n0 = net->layer[0].n_in, nL = net->layer[net->L - 1].n_out;
    if (ds->dim != n0 || ds->n_classes != nL)
        return bcn_set_error(net->ctx, BCN_ERR_INVALID_ARG,
                             "bcn_net_attach_data: the data has %d inputs and %d classes, the "
                             "network takes %d inputs into %d classes",
                             ds->dim, ds->n_classes, n0, nL);
    if (ds->train.n < 1)
        return bcn_set_error(net->ctx, BCN_ERR_INVALID_ARG,
                             "bcn_net_attach_data: the training split is empty");
    for (int s = 0; s < BCN_SPLIT_COUNT; s++) {
        const bcn_split *sp = split_of(ds, s);
        if (sp->n < 0 || sp->n >= MAX_SPLIT_EXAMPLES || (sp->n > 0 && (!sp->x || !sp->y)))
            return bcn_set_error(net->ctx, BCN_ERR_INVALID_ARG,
                                 "bcn_net_attach_data: the %s split has %d examples (at most "
                                 "%d, with inputs and labels)",
                                 split_names[s], sp->n, MAX_SPLIT_EXAMPLES - 1);
        for (int i = 0; i < sp->n; i++)
            if (sp->y[i] >= nL)
                return bcn_set_error(net->ctx, BCN_ERR_INVALID_ARG,
                                     "bcn_net_attach_data: label %d of %s example %d is out of "
                                     "range for %d classes",
                                     sp->y[i], split_names[s], i, nL);
    }
    return BCN_OK;
}

/* Upload one split's inputs and labels (as floats). */
static bcn_status upload_split(bcn_net *net, const bcn_dataset *ds, int s)
{
    const bcn_split *sp = split_of(ds, s);
    bcn_backend *be = net->be;
    size_t nx = (size_t)sp->n * (size_t)ds->dim;
    float *labels = malloc((size_t)sp->n * sizeof(float));
    if (!labels)
        return bcn_set_error(net->ctx, BCN_ERR_NOMEM, "out of memory converting %d labels",
                             sp->n);
    for (int i = 0; i < sp->n; i++)
        labels[i] = (float)sp->y[i];
    bcn_status st = be->buf_alloc(be, nx, &net->data_x[s]);
    if (st == BCN_OK)
        st = be->buf_alloc(be, (size_t)sp->n, &net->data_y[s]);
    if (st == BCN_OK)
        st = be->buf_write(be, net->data_x[s], 0, nx, sp->x);
    if (st == BCN_OK)
        st = be->buf_write(be, net->data_y[s], 0, (size_t)sp->n, labels);
    free(labels);
    if (st == BCN_OK)
        net->data_n[s] = sp->n;
    return st;
}

bcn_status bcn_net_attach_data(bcn_net *net, const bcn_dataset *ds, uint64_t max_bytes)
{
    if (!net || !ds)
        return bcn_set_error(net ? net->ctx : NULL, BCN_ERR_INVALID_ARG,
                             "bcn_net_attach_data: NULL argument");
    bcn_net_detach_data(net);
    bcn_status st = check_dataset(net, ds);
    if (st != BCN_OK)
        return st;
    uint64_t need = bcn_dataset_device_bytes(ds);
    uint64_t limit = max_bytes;
    const char *why = "the limit asked for";
    if (limit == 0) {
        uint64_t mem = net->be->info.global_mem_bytes, room = 2 * net_bytes_estimate(net);
        limit = mem == 0 ? UINT64_MAX : mem - mem / 8 > room ? mem - mem / 8 - room : 1;
        why = "the device's memory less room for the network";
    }
    if (need > limit)
        return bcn_set_error(net->ctx, BCN_ERR_NOMEM,
                             "the data (%.1f MiB) does not fit on %s: %s is %.1f MiB",
                             need / 1048576.0, net->be->info.name, why, limit / 1048576.0);
    for (int s = 0; s < BCN_SPLIT_COUNT && st == BCN_OK; s++)
        if (split_of(ds, s)->n > 0)
            st = upload_split(net, ds, s);
    if (st == BCN_OK)
        st = net->be->finish(net->be); /* the host copies of the uploads are released */
    if (st != BCN_OK)
        bcn_net_detach_data(net);
    return st;
}

bcn_status bcn_net_gather_rows(bcn_net *net, const int *idx, int batch)
{
    int n = net->data_n[BCN_SPLIT_TRAIN];
    if (!net->data_x[BCN_SPLIT_TRAIN])
        return bcn_set_error(net->ctx, BCN_ERR_STATE,
                             "no data attached (call bcn_net_attach_data first)");
    if (batch < 1)
        return bcn_set_error(net->ctx, BCN_ERR_INVALID_ARG,
                             "batch of %d rows: need at least one row", batch);
    for (int r = 0; r < batch; r++)
        if (idx[r] < 0 || idx[r] >= n)
            return bcn_set_error(net->ctx, BCN_ERR_INVALID_ARG,
                                 "row %d of the batch is example %d, outside the %d training "
                                 "examples",
                                 r, idx[r], n);
    bcn_status st = bcn_net_reserve(net, batch);
    if (st == BCN_OK && batch > net->rows_cap) {
        net->be->buf_free(net->be, net->rows);
        net->rows = NULL;
        free(net->rows_host);
        net->rows_cap = 0;
        net->rows_host = malloc((size_t)batch * sizeof(float));
        if (!net->rows_host)
            return bcn_set_error(net->ctx, BCN_ERR_NOMEM, "out of memory for %d indices", batch);
        st = net->be->buf_alloc(net->be, (size_t)batch, &net->rows);
        if (st == BCN_OK)
            net->rows_cap = batch;
    }
    if (st != BCN_OK)
        return st;
    for (int r = 0; r < batch; r++)
        net->rows_host[r] = (float)idx[r];
    bcn_backend *be = net->be;
    st = be->buf_write(be, net->rows, 0, (size_t)batch, net->rows_host);
    if (st == BCN_OK)
        st = be->gather_batch(be, batch, net->layer[0].n_in, net->layer[net->L - 1].n_out, n,
                              net->data_x[BCN_SPLIT_TRAIN], net->data_y[BCN_SPLIT_TRAIN],
                              net->rows, 0, net->x0, net->t);
    net->batch = batch;
    net->has_teacher = 1;
    return st;
}

/* bcn_eval_loader over attached split *(int *)user: rows in order. */
static bcn_status load_attached_chunk(bcn_net *net, void *user, int start, int rows)
{
    int s = *(const int *)user;
    bcn_status st = bcn_net_reserve(net, rows);
    if (st == BCN_OK)
        st = net->be->gather_batch(net->be, rows, net->layer[0].n_in,
                                   net->layer[net->L - 1].n_out, net->data_n[s],
                                   net->data_x[s], net->data_y[s], NULL, start, net->x0, net->t);
    net->batch = rows;
    net->has_teacher = 1;
    return st;
}

bcn_status bcn_net_evaluate_attached(bcn_net *net, bcn_split_id which, double *mean_loss,
                                     long *n_errors)
{
    if (!net)
        return BCN_ERR_INVALID_ARG;
    if ((int)which < 0 || which >= BCN_SPLIT_COUNT)
        return bcn_set_error(net->ctx, BCN_ERR_INVALID_ARG,
                             "bcn_net_evaluate_attached: unknown split %d", (int)which);
    if (!net->data_x[which])
        return bcn_set_error(net->ctx, BCN_ERR_STATE,
                             "bcn_net_evaluate_attached: no %s data attached",
                             split_names[which]);
    int s = (int)which;
    return bcn_net_evaluate_chunks(net, net->data_n[s], load_attached_chunk, &s, mean_loss,
                                   n_errors);
}
