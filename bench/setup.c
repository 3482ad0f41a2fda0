/*
 * setup.c — what every training subcommand starts with: a context on the
 * requested device and the dataset, with errors printed for the user.
 */
#include "config.h"

#include <stdio.h>

#include "bench.h"

/* Open `spec` on a new context with GEMM engine `gemm`; on failure print the error and return NULL. */
static bcn_ctx *open_device(const char *spec, bcn_gemm_engine gemm, bcn_device_info *info)
{
    bcn_ctx *ctx = bcn_ctx_new();
    if (!ctx) {
        fprintf(stderr, "burstccn-bench: out of memory\n");
        return NULL;
    }
    bcn_ctx_set_gemm_engine(ctx, gemm);
    if (bcn_ctx_open_device(ctx, spec) != BCN_OK || bcn_ctx_device(ctx, info) != BCN_OK) {
        fprintf(stderr, "burstccn-bench: cannot open device '%s': %s\n",
                spec && *spec ? spec : "(default)", bcn_errmsg(ctx));
        bcn_ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

int bench_open_run(const bench_opts *o, const char *cmd, bcn_ctx **ctx, bcn_device_info *dev,
                   bcn_dataset **ds)
{
    char err[1024];
    *ctx = NULL;
    *ds = NULL;
    if (bench_mkdirs(o->out, err, sizeof err) != 0) {
        fprintf(stderr, "burstccn-bench %s: %s\n", cmd, err);
        return -1;
    }
    if (!(*ctx = open_device(o->device, o->gemm, dev)))
        return -1;
    bcn_data_options dopt = {.train_limit = o->train_limit, .test_limit = o->test_limit};
    if (bcn_dataset_load(*ctx, o->data, &dopt, ds) != BCN_OK) {
        snprintf(err, sizeof err, "%s", bcn_errmsg(*ctx));
        bench_fields_to_flags(err, sizeof err);
        fprintf(stderr, "burstccn-bench %s: cannot load the dataset '%s': %s\n", cmd, o->data,
                err);
        bcn_ctx_free(*ctx);
        *ctx = NULL;
        *ds = NULL;
        return -1;
    }
    return 0;
}

int bench_run_config(const bench_opts *o, const char *cmd, bcn_ctx *ctx, bcn_rule rule,
                     const bcn_dataset *ds, bcn_net_config *cfg)
{
    char err[1024];
    bcn_shape in = {ds->channels, ds->rows, ds->cols};
    if (bench_net_config(o, rule, in, ds->n_classes, cfg, err, sizeof err) != 0) {
        fprintf(stderr, "burstccn-bench %s: %s\n", cmd, err);
        return BENCH_EXIT_USAGE;
    }
    if (bcn_net_config_check(ctx, cfg) != BCN_OK) {
        snprintf(err, sizeof err, "%s", bcn_errmsg(ctx));
        bench_fields_to_flags(err, sizeof err);
        fprintf(stderr,
                "burstccn-bench %s: the network does not fit the %dx%dx%d images of %s: %s\n", cmd,
                in.c, in.h, in.w, ds->name, err);
        return BENCH_EXIT_USAGE;
    }
    return 0;
}
