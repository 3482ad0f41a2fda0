/*
 * order.c — the one training data order (bcn_order): a seeded permutation
 * reshuffled at the start of every epoch and cut into batches.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define ORDER_SEED_SALT UINT64_C(0x9E3779B97F4A7C15)
#define AUGMENT_SEED_SALT UINT64_C(0xD1B54A32D192ED03)

bcn_status bcn_order_init(bcn_ctx *ctx, bcn_order *o, int n, int batch, uint64_t seed)
{
    if (!o)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "bcn_order_init: order is NULL");
    memset(o, 0, sizeof *o);
    if (n < 1 || batch < 1)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                             "bcn_order_init: %d examples in batches of %d (need >= 1 each)", n,
                             batch);
    o->perm = malloc((size_t)n * sizeof *o->perm);
    if (!o->perm)
        return bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory for a data order of %d examples",
                             n);
    for (int i = 0; i < n; i++)
        o->perm[i] = i;
    o->n = n;
    o->batch = batch;
    bcn_rng_seed(&o->rng, seed ^ ORDER_SEED_SALT);
    bcn_rng_seed(&o->aug, seed ^ AUGMENT_SEED_SALT);
    return BCN_OK;
}

int bcn_order_next(bcn_order *o, const int **idx)
{
    if (!o || !o->perm || !idx)
        return 0;
    if (o->pos == 0) {
        bcn_rng_shuffle(&o->rng, o->perm, o->n);
        o->epoch++;
    }
    int b = o->n - o->pos < o->batch ? o->n - o->pos : o->batch;
    *idx = o->perm + o->pos;
    o->pos += b;
    if (o->pos >= o->n)
        o->pos = 0;
    return b;
}

int bcn_order_epoch_done(const bcn_order *o) { return !o || o->pos == 0; }

long bcn_order_batches_per_epoch(const bcn_order *o)
{
    if (!o || o->batch < 1)
        return 0;
    return ((long)o->n + o->batch - 1) / o->batch;
}

void bcn_order_free(bcn_order *o)
{
    if (!o)
        return;
    free(o->perm);
    o->perm = NULL;
}
