/*
 * setup.c — what train and compare share at run time: opening the device,
 * loading the data and creating the network; the JSON description of a
 * run; atomic output files; the data-order seed.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "cli.h"
#include "netdesc.h"

uint64_t cli_order_seed(uint64_t seed) { return seed ^ UINT64_C(0x9E3779B97F4A7C15); }

int cli_order_init(cli_order *o, int n, int batch, uint64_t seed)
{
    memset(o, 0, sizeof *o);
    o->perm = malloc((size_t)(n > 0 ? n : 1) * sizeof *o->perm);
    if (!o->perm)
        return -1;
    for (int i = 0; i < n; i++)
        o->perm[i] = i;
    o->n = n;
    o->batch = batch;
    bcn_rng_seed(&o->rng, cli_order_seed(seed));
    bcn_rng_seed(&o->aug_rng, cli_augment_seed(seed));
    return 0;
}

int cli_order_next(cli_order *o, const int **idx)
{
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

int cli_order_epoch_done(const cli_order *o) { return o->pos == 0; }

uint64_t cli_augment_seed(uint64_t seed) { return seed ^ UINT64_C(0xD1B54A32D192ED03); }

int cli_train_batch(cli_order *o, const cli_settings *s, const cli_env *env, float *x, float *t)
{
    const int *idx;
    int b = cli_order_next(o, &idx);
    bcn_dataset_batch(env->ds, &env->ds->train, idx, b, x, t);
    if (s->augment && bcn_dataset_augment(env->ctx, env->ds, &o->aug_rng, x, b) != BCN_OK) {
        cli_runtime_error(env, "augmenting a training batch failed");
        return -1;
    }
    return b;
}

void cli_order_free(cli_order *o)
{
    free(o->perm);
    o->perm = NULL;
}

int cli_runtime_error(const cli_env *env, const char *what)
{
    fprintf(stderr, "burstccn: %s: %s\n", what,
            env && env->ctx ? bcn_errmsg(env->ctx) : "out of memory");
    return CLI_EXIT_RUNTIME;
}

/* 0 when `path` can be written later (its folder exists and is
 * writable), else -1 with the reason printed: checked before any work. */
static int check_output_path(const char *flag, const char *path)
{
    if (!path)
        return 0;
    size_t n = strlen(path);
    char *dir = malloc(n + 2);
    if (!dir) {
        fprintf(stderr, "burstccn: out of memory\n");
        return -1;
    }
    memcpy(dir, path, n + 1);
    char *slash = strrchr(dir, '/');
    if (!slash)
        strcpy(dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    struct stat st;
    int rc = 0;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "burstccn: %s %s: folder '%s' does not exist\n", flag, path, dir);
        rc = -1;
    } else if (access(dir, W_OK) != 0) {
        fprintf(stderr, "burstccn: %s %s: folder '%s' is not writable: %s\n", flag, path, dir,
                strerror(errno));
        rc = -1;
    } else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "burstccn: %s %s: is a folder, not a file\n", flag, path);
        rc = -1;
    }
    free(dir);
    return rc;
}

int cli_env_open(cli_settings *s, cli_env *env)
{
    memset(env, 0, sizeof *env);
    if (check_output_path("--json", s->json_path) != 0 ||
        check_output_path("--csv", s->csv_path) != 0)
        return CLI_EXIT_RUNTIME;
    env->ctx = bcn_ctx_new();
    if (!env->ctx)
        return cli_runtime_error(env, "cannot create a context");
    /* force: open untuned so that the search times CLBlast's own too */
    bcn_ctx_set_tune_mode(env->ctx, s->tune == BCN_TUNE_FORCE ? BCN_TUNE_OFF : s->tune);
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
    c->input = (bcn_shape){ds->channels, ds->rows, ds->cols};
    if (s->augment < 0)
        s->augment = strcmp(ds->name, "cifar10") == 0;
    c->layers[c->n_layers - 1].units = ds->n_classes;
    bcn_status st = bcn_net_create(env->ctx, c, &env->net);
    if (st == BCN_ERR_INVALID_ARG) {
        fprintf(stderr, "burstccn: invalid network: %s\n", bcn_errmsg(env->ctx));
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
    bcn_json_key(j, "device");
    bcn_json_begin_object(j);
    bcn_json_kv_string(j, "id", env->dev.id);
    bcn_json_kv_string(j, "name", env->dev.name);
    bcn_json_kv_string(j, "type", bcn_device_type_str(env->dev.type));
    bcn_json_kv_string(j, "vendor", env->dev.vendor);
    bcn_json_kv_string(j, "version", env->dev.version);
    bcn_json_kv_string(j, "driver", env->dev.driver);
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
    bcn_json_net(j, c);
    bcn_json_key(j, "hidden");
    bcn_json_begin_array(j);
    for (int l = 1; l < c->n_layers; l++) {
        bcn_shape sh = {0, 0, 0};
        bcn_net_config_shape(NULL, c, l, &sh);
        bcn_json_int(j, (long long)sh.c * sh.h * sh.w);
    }
    bcn_json_end_array(j);
    bcn_json_kv_bool(j, "conv_feedback_learning", c->conv_feedback_learning);
    bcn_json_kv_int(j, "batch", s->batch);
    bcn_json_key(j, "lr");
    bcn_json_begin_array(j);
    for (int l = 0; l < c->n_layers; l++)
        bcn_json_float(j, c->lr[l]);
    bcn_json_end_array(j);
    bcn_json_kv_string(j, "optimizer", bcn_optimizer_str(c->optimizer));
    bcn_json_kv_float(j, "momentum", c->momentum);
    bcn_json_kv_float(j, "adam_beta1", c->adam_beta1);
    bcn_json_kv_float(j, "adam_beta2", c->adam_beta2);
    bcn_json_kv_float(j, "adam_eps", c->adam_eps);
    bcn_json_kv_float(j, "weight_decay", c->weight_decay);
    bcn_json_kv_float(j, "p_baseline", c->p_baseline);
    bcn_json_kv_float(j, "error_scale", c->error_scale);
    bcn_json_kv_string(j, "y_mode", bcn_fb_mode_str(c->y_mode));
    bcn_json_kv_float(j, "y_scale", c->y_scale);
    bcn_json_kv_float(j, "y_lr", c->y_lr);
    bcn_json_kv_string(j, "q_mode", bcn_fb_mode_str(c->q_mode));
    bcn_json_kv_float(j, "q_scale", c->q_scale);
    bcn_json_kv_float(j, "q_lr", c->q_lr);
    bcn_json_kv_bool(j, "recurrent", c->recurrent);
    bcn_json_kv_float(j, "r_scale", c->r_scale);
    bcn_json_kv_float(j, "r_lr", c->r_lr);
    bcn_json_kv_int(j, "seed", (long long)c->seed);
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
    else if (bcn_atomic_write(d->path, d->buf, d->len, err, sizeof err) < 0)
        fprintf(stderr, "burstccn: %s\n", err);
    else
        rc = CLI_EXIT_OK;
    free(d->buf);
    d->buf = NULL;
    d->f = NULL;
    return rc;
}
