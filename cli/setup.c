/*
 * setup.c — what train and compare share at run time: opening the device,
 * loading the data and creating the network; the JSON description of a
 * run; atomic output files; the training batches.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "cli.h"
#include "netdesc.h"

int cli_train_batch(bcn_order *o, const cli_settings *s, const cli_env *env, float *x, float *t)
{
    const int *idx;
    int b = bcn_order_next(o, &idx);
    bcn_dataset_batch(env->ds, &env->ds->train, idx, b, x, t);
    if (s->augment && bcn_dataset_augment(env->ctx, env->ds, &o->aug, x, b) != BCN_OK) {
        cli_runtime_error(env, "augmenting a training batch failed");
        return -1;
    }
    return b;
}

int cli_runtime_error(const cli_env *env, const char *what)
{
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", env && env->ctx ? bcn_errmsg(env->ctx) : "out of memory");
    cli_fields_to_flags(msg, sizeof msg);
    fprintf(stderr, "burstccn: %s: %s\n", what, msg);
    return CLI_EXIT_RUNTIME;
}

int cli_check_output(const char *flag, const char *path)
{
    char err[1024];
    if (!path || bcn_atomic_probe(path, err, sizeof err) == 0)
        return 0;
    fprintf(stderr, "burstccn: %s: %s\n", flag, err);
    return -1;
}

/* Load the network saved in s->model_path and check it fits the data. */
static int load_model(cli_settings *s, cli_env *env, bcn_order *order)
{
    if (bcn_net_load(env->ctx, s->model_path, &env->net, order, NULL, NULL) != BCN_OK)
        return cli_runtime_error(env, "cannot load the network");
    const bcn_net_config *c = bcn_net_config_of(env->net);
    const bcn_dataset *ds = env->ds;
    int units = c->layers[c->n_layers - 1].units;
    if (c->input.c * c->input.h * c->input.w != ds->dim || units != ds->n_classes) {
        fprintf(stderr,
                "burstccn: the network in '%s' takes %dx%dx%d inputs into %d classes, but the "
                "data '%s' has %dx%dx%d images of %d classes\n",
                s->model_path, c->input.c, c->input.h, c->input.w, units, s->data,
                ds->channels, ds->rows, ds->cols, ds->n_classes);
        return CLI_EXIT_RUNTIME;
    }
    s->cfg = *c;
    return CLI_EXIT_OK;
}

int cli_env_open(cli_settings *s, cli_env *env, bcn_order *order)
{
    memset(env, 0, sizeof *env);
    if (cli_check_output("--json", s->json_path) != 0 ||
        cli_check_output("--csv", s->csv_path) != 0 ||
        cli_check_output("--checkpoint", s->checkpoint_path) != 0 ||
        cli_check_output("--save", s->save_path) != 0)
        return CLI_EXIT_RUNTIME;
    env->ctx = bcn_ctx_new();
    if (!env->ctx)
        return cli_runtime_error(env, "cannot create a context");
    /* force: open untuned so that the search times CLBlast's own too */
    bcn_ctx_set_tune_mode(env->ctx, s->tune == BCN_TUNE_FORCE ? BCN_TUNE_OFF : s->tune);
    bcn_ctx_set_gemm_engine(env->ctx, s->gemm);
    if (bcn_ctx_open_device(env->ctx, s->device) != BCN_OK)
        return cli_runtime_error(env, "cannot open the device");
    if (*bcn_ctx_warning(env->ctx))
        fprintf(stderr, "burstccn: warning: %s\n", bcn_ctx_warning(env->ctx));
    if (bcn_ctx_device(env->ctx, &env->dev) != BCN_OK)
        return cli_runtime_error(env, "cannot query the device");
    if (bcn_dataset_load(env->ctx, s->data, &s->data_opts, &env->ds) != BCN_OK)
        return cli_runtime_error(env, "cannot load the data");
    bcn_net_config *c = &s->cfg;
    const bcn_dataset *ds = env->ds;
    if (s->augment < 0)
        s->augment = strcmp(ds->name, "cifar10") == 0;
    if (s->model_path) {
        int rc = load_model(s, env, order);
        if (rc == CLI_EXIT_OK && s->tune == BCN_TUNE_FORCE)
            rc = cli_tune_net(env->net, s->batch, CLI_TUNE_BUDGET_S, s->quiet, stderr);
        return rc;
    }
    c->input = (bcn_shape){ds->channels, ds->rows, ds->cols};
    c->layers[c->n_layers - 1].units = ds->n_classes;
    bcn_status st = bcn_net_create(env->ctx, c, &env->net);
    if (st == BCN_ERR_INVALID_ARG) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", bcn_errmsg(env->ctx));
        cli_fields_to_flags(msg, sizeof msg);
        fprintf(stderr, "burstccn: invalid network: %s\n", msg);
        return CLI_EXIT_USAGE;
    }
    if (st != BCN_OK)
        return cli_runtime_error(env, "cannot create the network");
    if (s->tune == BCN_TUNE_FORCE)
        return cli_tune_net(env->net, s->batch, CLI_TUNE_BUDGET_S, s->quiet, stderr);
    return CLI_EXIT_OK;
}

void cli_env_close(cli_env *env)
{
    bcn_net_destroy(env->net);
    bcn_dataset_free(env->ds);
    bcn_ctx_free(env->ctx);
    memset(env, 0, sizeof *env);
}

void cli_json_run_info(bcn_json *j, const cli_settings *s, const cli_env *env)
{
    const bcn_net_config *c = &s->cfg;
    bcn_json_kv_string(j, "rule", bcn_rule_str(c->rule));
    bcn_json_kv_string(j, "settings", s->same_settings ? "same" : "authors");
    bcn_json_key(j, "device");
    bcn_json_begin_object(j);
    bcn_json_kv_string(j, "id", env->dev.id);
    bcn_json_kv_string(j, "name", env->dev.name);
    bcn_json_kv_string(j, "type", bcn_device_type_str(env->dev.type));
    bcn_json_kv_string(j, "vendor", env->dev.vendor);
    bcn_json_kv_string(j, "version", env->dev.version);
    bcn_json_kv_string(j, "driver", env->dev.driver);
    bcn_json_kv_string(j, "gemm", bcn_ctx_gemm_name(env->ctx));
    bcn_json_end_object(j);

    bcn_json_key(j, "data");
    bcn_json_begin_object(j);
    bcn_json_kv_string(j, "source", s->data);
    bcn_json_kv_string(j, "name", env->ds->name);
    bcn_json_kv_string(j, "path", env->ds->path);
    bcn_json_kv_int(j, "train", env->ds->train.n);
    bcn_json_kv_int(j, "validation", env->ds->val.n);
    bcn_json_kv_int(j, "test", env->ds->test.n);
    bcn_json_kv_int(j, "rows", env->ds->rows);
    bcn_json_kv_int(j, "cols", env->ds->cols);
    bcn_json_kv_int(j, "classes", env->ds->n_classes);
    bcn_json_kv_int(j, "channels", env->ds->channels);
    bcn_json_kv_bool(j, "normalized", env->ds->normalized);
    bcn_json_kv_bool(j, "augment", s->augment);
    bcn_json_end_object(j);

    bcn_json_key(j, "config");
    bcn_json_begin_object(j);
    bcn_json_net_config(j, c);
    bcn_json_kv_int(j, "batch", s->batch);
    bcn_json_kv_int(j, "train_limit", s->data_opts.train_limit);
    bcn_json_kv_int(j, "test_limit", s->data_opts.test_limit);
    bcn_json_kv_int(j, "validation", s->data_opts.validation);
    bcn_json_end_object(j);
}

int cli_doc_open(cli_doc *d, const char *path)
{
    d->path = path;
    d->buf = NULL;
    d->len = 0;
    d->f = open_memstream(&d->buf, &d->len);
    if (!d->f) {
        fprintf(stderr, "burstccn: out of memory writing '%s'\n", path);
        return CLI_EXIT_RUNTIME;
    }
    return CLI_EXIT_OK;
}

int cli_doc_commit(cli_doc *d, int composing_failed)
{
    char err[1024];
    int rc = CLI_EXIT_RUNTIME;
    if (fclose(d->f) != 0 || !d->buf)
        fprintf(stderr, "burstccn: out of memory writing '%s'\n", d->path);
    else if (composing_failed)
        fprintf(stderr, "burstccn: internal error composing '%s'\n", d->path);
    else {
        sigset_t held;
        cli_hold_signals(&held);
        int wrc = bcn_atomic_write(d->path, d->buf, d->len, err, sizeof err);
        cli_release_signals(&held);
        if (wrc < 0)
            fprintf(stderr, "burstccn: %s\n", err);
        else
            rc = CLI_EXIT_OK;
    }
    free(d->buf);
    d->buf = NULL;
    d->f = NULL;
    return rc;
}

int cli_saved_flags(unsigned cmd, const char *cmd_name, const char *file, int required,
                    cli_settings *s, cli_train_state *st)
{
    memset(st, 0, sizeof *st);
    bcn_ctx *ctx = bcn_ctx_new();
    if (!ctx) {
        fprintf(stderr, "burstccn: out of memory\n");
        return CLI_EXIT_RUNTIME;
    }
    void *app = NULL;
    size_t len = 0;
    if (bcn_checkpoint_app(ctx, file, &app, &len) != BCN_OK) {
        fprintf(stderr, "burstccn: cannot read '%s': %s\n", file, bcn_errmsg(ctx));
        bcn_ctx_free(ctx);
        return CLI_EXIT_RUNTIME;
    }
    bcn_ctx_free(ctx);
    int rc = CLI_EXIT_OK;
    static const char magic[] = "burstccn-train ";
    if (!required && (!app || len < sizeof magic - 1 || memcmp(app, magic, sizeof magic - 1))) {
        free(app);
        return CLI_EXIT_OK; /* saved by another program: no flags to inherit */
    }
    if (cli_state_decode(file, app, len, st) < 0)
        rc = CLI_EXIT_RUNTIME;
    free(app);
    if (rc == CLI_EXIT_OK)
        rc = cli_merge_saved(cmd, cmd_name, file, st->saved, s);
    return rc;
}

void cli_hold_signals(sigset_t *old)
{
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, old);
}

void cli_release_signals(const sigset_t *old) { sigprocmask(SIG_SETMASK, old, NULL); }
