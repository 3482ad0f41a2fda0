/*
 * setup.c — what every training subcommand starts with: a context on the
 * requested device and the dataset, with errors printed for the user.
 */
#include "config.h"

#include <stdio.h>

#include "bench.h"

bcn_ctx *bench_open_device(const char *spec, bcn_device_info *info)
{
    bcn_ctx *ctx = bcn_ctx_new();
    if (!ctx) {
        fprintf(stderr, "burstccn-bench: out of memory\n");
        return NULL;
    }
    if (bcn_ctx_open_device(ctx, spec) != BCN_OK || bcn_ctx_device(ctx, info) != BCN_OK) {
        fprintf(stderr, "burstccn-bench: cannot open device '%s': %s\n",
                spec && *spec ? spec : "(default)", bcn_errmsg(ctx));
        bcn_ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

bcn_dataset *bench_load_data(const bench_opts *o, bcn_ctx *ctx)
{
    bcn_data_options dopt = {o->train_limit, o->test_limit, 0};
    bcn_dataset *ds = NULL;
    if (bcn_dataset_load(ctx, o->data, &dopt, &ds) != BCN_OK) {
        fprintf(stderr, "burstccn-bench: cannot load the dataset '%s': %s\n", o->data,
                bcn_errmsg(ctx));
        return NULL;
    }
    return ds;
}
