/*
 * cmd_train.c — `burstccn train`: the training loop (shuffled minibatches,
 * one bcn_net_train_step each), per-epoch metrics on stdout, a progress
 * display on stderr, the CSV (rewritten atomically after every epoch), the
 * JSON summary (written atomically at the end), checkpoints (--checkpoint,
 * --checkpoint-every) and their resumption (--resume), the final network
 * (--save), and the divergence check (a NaN or infinite batch loss stops
 * the run with exit 1, the last good checkpoint kept).
 */
#include "config.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "netdesc.h"
#include "progress.h"

/* Steps between two divergence checks inside an epoch (each reads the
 * device's statistics, a synchronisation). */
#define DIVERGENCE_CHECK_STEPS 64

/* Everything one run carries between its parts. */
typedef struct train_run {
    cli_settings s;
    cli_env env;
    bcn_order order;
    cli_epoch_row *rows; /* max(epochs, rows resumed) */
    int n_rows;          /* epochs done */
    int has_val;         /* a validation set exists (else its columns are empty) */
    float *x, *t;
    int on_device;       /* the data is on the device (--data-on-device) */
    cli_dist dist;       /* the ranks of a data-parallel run (size 1: alone) */
    int checkpointing;   /* --checkpoint given (on every rank; rank 0 writes) */
    char device[64];     /* the device picked from the node-local rank */
    double local_s, reduce_s; /* data-parallel: seconds in the local part, the all-reduce */
    long timed_steps;
} train_run;

/* A CSV field: empty when not measured, else the value, non-finite ones
 * spelled "nan", "inf" and "-inf". */
static void csv_num(FILE *f, const char *fmt, double v, int measured)
{
    if (!measured)
        return;
    if (isnan(v))
        fputs("nan", f);
    else if (isinf(v))
        fputs(v > 0 ? "inf" : "-inf", f);
    else
        fprintf(f, fmt, v);
}

/* Rewrite the CSV with rows[0..n) and, when `partial` is not NULL, the
 * epoch that diverged (its training loss only). */
static int write_csv(const train_run *run, int n, const cli_epoch_row *partial)
{
    cli_doc doc;
    if (cli_doc_open(&doc, run->s.csv_path) != CLI_EXIT_OK)
        return CLI_EXIT_RUNTIME;
    FILE *f = doc.f;
    fprintf(f, "epoch,train_loss,train_error,val_error,test_loss,test_error,seconds\n");
    for (int i = 0; i <= n; i++) {
        const cli_epoch_row *r = i < n ? &run->rows[i] : partial;
        if (!r)
            break;
        int full = r != partial;
        fprintf(f, "%d,", r->epoch);
        csv_num(f, "%.9g", r->train_loss, 1);
        fputc(',', f);
        csv_num(f, "%.4f", r->train_error, 1);
        fputc(',', f);
        csv_num(f, "%.4f", r->val_error, full && run->has_val);
        fputc(',', f);
        csv_num(f, "%.9g", r->test_loss, full);
        fputc(',', f);
        csv_num(f, "%.4f", r->test_error, full);
        fputc(',', f);
        csv_num(f, "%.4f", r->seconds, 1);
        fputc('\n', f);
    }
    return cli_doc_commit(&doc, 0);
}

/* The JSON summary of the run; `diverged` (NULL when not) is the epoch
 * that diverged, with its step in its `test_errors` field. */
static int write_json(const train_run *run, const cli_epoch_row *final, double wall,
                      const cli_epoch_row *diverged, long diverged_step)
{
    cli_doc doc;
    if (cli_doc_open(&doc, run->s.json_path) != CLI_EXIT_OK)
        return CLI_EXIT_RUNTIME;
    FILE *f = doc.f;
    int n = run->n_rows;
    double train_s = 0, eval_s = 0;
    for (int i = 0; i < n; i++) {
        train_s += run->rows[i].seconds;
        eval_s += run->rows[i].eval_seconds;
    }
    bcn_json j;
    bcn_json_init(&j, f, 1);
    bcn_json_begin_object(&j);
    bcn_json_kv_string(&j, "program", "burstccn train");
    bcn_json_kv_string(&j, "version", bcn_version());
    cli_json_run_info(&j, &run->s, &run->env);
    bcn_json_kv_string(&j, "status", diverged ? "diverged" : "completed");
    if (diverged) {
        bcn_json_kv_int(&j, "diverged_epoch", diverged->epoch);
        bcn_json_kv_int(&j, "diverged_step", diverged_step);
    }
    if (run->s.resume_path)
        bcn_json_kv_string(&j, "resumed_from", run->s.resume_path);
    bcn_json_kv_bool(&j, "data_on_device", run->on_device);
    if (run->dist.active) {
        /* Data parallelism: rank 0's split of its steps' time. */
        bcn_json_key(&j, "parallel");
        bcn_json_begin_object(&j);
        bcn_json_kv_int(&j, "ranks", run->dist.size);
        bcn_json_kv_int(&j, "steps", run->timed_steps);
        bcn_json_kv_number(&j, "local_seconds_per_step",
                           run->timed_steps ? run->local_s / run->timed_steps : NAN);
        bcn_json_kv_number(&j, "allreduce_seconds_per_step",
                           run->timed_steps ? run->reduce_s / run->timed_steps : NAN);
        bcn_json_kv_int(&j, "floats_per_allreduce", (long long)bcn_net_shard_floats(run->env.net));
        bcn_json_end_object(&j);
    }
    bcn_json_kv_int(&j, "epochs", n);
    bcn_json_kv_number(&j, "test_error", final->test_error);
    bcn_json_kv_int(&j, "test_errors", final->test_errors);
    bcn_json_kv_number(&j, "test_loss", final->test_loss);
    bcn_json_kv_number(&j, "train_error", final->train_error);
    bcn_json_kv_number(&j, "train_loss", final->train_loss);
    bcn_json_kv_number(&j, "val_error", final->val_error);
    bcn_json_kv_number(&j, "val_loss", final->val_loss);
    bcn_json_kv_number(&j, "seconds", wall);
    bcn_json_kv_number(&j, "train_seconds", train_s);
    bcn_json_kv_number(&j, "eval_seconds", eval_s);
    bcn_json_kv_number(&j, "seconds_per_epoch", n > 0 ? train_s / n : NAN);
    bcn_json_key(&j, "history");
    bcn_json_begin_array(&j);
    for (int i = 0; i < n; i++) {
        const cli_epoch_row *r = &run->rows[i];
        bcn_json_begin_object(&j);
        bcn_json_kv_int(&j, "epoch", r->epoch);
        bcn_json_kv_number(&j, "train_loss", r->train_loss);
        bcn_json_kv_number(&j, "train_error", r->train_error);
        bcn_json_kv_number(&j, "val_loss", r->val_loss);
        bcn_json_kv_number(&j, "val_error", r->val_error);
        bcn_json_kv_number(&j, "test_loss", r->test_loss);
        bcn_json_kv_number(&j, "test_error", r->test_error);
        bcn_json_kv_number(&j, "seconds", r->seconds);
        bcn_json_kv_number(&j, "eval_seconds", r->eval_seconds);
        bcn_json_end_object(&j);
    }
    bcn_json_end_array(&j);
    bcn_json_end_object(&j);
    return cli_doc_commit(&doc, bcn_json_finish(&j) != 0);
}

/* A failure elsewhere in a data-parallel run: printed here (the context
 * holds no message for it). */
static bcn_status dist_failure(const train_run *run, const char *what)
{
    fprintf(stderr, "burstccn: rank %d: %s\n", run->dist.rank, what);
    return BCN_ERR_STATE;
}

/* Evaluate on one split (`which` of the data on the device, else host
 * arrays sp): mean loss, error percent and error count; each rank of a
 * data-parallel run takes its share of the examples. */
static bcn_status evaluate(train_run *run, const bcn_split *sp, bcn_split_id which, double *loss,
                           double *err_pct, long *n_err)
{
    cli_env *env = &run->env;
    int off = 0, count = sp->n;
    cli_dist_share(&run->dist, sp->n, &off, &count);
    bcn_status st = BCN_OK;
    *loss = 0.0;
    *n_err = 0;
    if (run->on_device)
        st = bcn_net_evaluate_attached(env->net, which, loss, n_err);
    else if (count > 0)
        st = bcn_net_evaluate(env->net, sp->x + (size_t)off * env->ds->dim, sp->y + off, count,
                              loss, n_err);
    if (run->dist.active) {
        double v[3] = {st == BCN_OK ? *loss * count : 0.0, (double)*n_err,
                       st == BCN_OK ? 0.0 : 1.0};
        if (cli_dist_sum(&run->dist, v, 3) != 0 || v[2] > 0)
            return st != BCN_OK ? st : dist_failure(run, "the evaluation failed on another rank");
        *loss = v[0] / sp->n;
        *n_err = (long)v[1];
    }
    if (st == BCN_OK)
        *err_pct = 100.0 * (double)*n_err / (double)sp->n;
    return st;
}

static int save_state_alone(train_run *run, const char *path, int with_order,
                            double partial_s);

/* A checkpoint of a data-parallel run (every rank calls it): the training
 * statistics of the epoch in progress are summed over the ranks and stored
 * as rank 0's, which alone writes the file; a resumed run gives them back
 * to rank 0 and zeros to the others. */
static int save_state_ranks(train_run *run, const char *path, double partial_s)
{
    double mean = 0.0;
    long correct = 0, seen = 0;
    bcn_status st = bcn_net_train_stats(run->env.net, 0, &mean, &correct, &seen);
    const bcn_net_config *c = bcn_net_config_of(run->env.net);
    double n_out = c->layers[c->n_layers - 1].units;
    double v[3] = {mean * (double)seen * n_out, (double)correct, (double)seen};
    if (st != BCN_OK || cli_dist_sum(&run->dist, v, 3) != 0)
        return cli_runtime_error(&run->env, "summing the training statistics failed");
    int rc = CLI_EXIT_OK;
    if (run->dist.rank == 0 && path) {
        double gmean = v[2] > 0 ? v[0] / (v[2] * n_out) : 0.0;
        st = bcn_net_set_train_stats(run->env.net, gmean, (long)v[1], (long)v[2]);
        if (st == BCN_OK)
            rc = save_state_alone(run, path, 1, partial_s);
        else
            rc = cli_runtime_error(&run->env, "setting the training statistics failed");
        if (bcn_net_set_train_stats(run->env.net, mean, correct, seen) != BCN_OK)
            rc = cli_runtime_error(&run->env, "restoring the training statistics failed");
    }
    return rc;
}

/* Save the network, its data order and the run's state to `path` with
 * SIGINT, SIGTERM and SIGHUP held back, so that an interrupted run never
 * leaves a temporary file (a signal arriving meanwhile acts afterwards). */
static int save_state(train_run *run, const char *path, int with_order, double partial_s)
{
    if (run->dist.active && with_order)
        return save_state_ranks(run, path, partial_s);
    return save_state_alone(run, path, with_order, partial_s);
}

static int save_state_alone(train_run *run, const char *path, int with_order, double partial_s)
{
    char *app = NULL;
    size_t len = 0;
    if (cli_state_encode(&run->s, run->rows, run->n_rows, partial_s, &app, &len) < 0) {
        fprintf(stderr, "burstccn: out of memory writing '%s'\n", path);
        return CLI_EXIT_RUNTIME;
    }
    sigset_t held;
    cli_hold_signals(&held);
    bcn_status st = bcn_net_save(run->env.net, with_order ? &run->order : NULL, app, len, path);
    cli_release_signals(&held);
    free(app);
    if (st != BCN_OK)
        return cli_runtime_error(&run->env, with_order ? "cannot write the checkpoint"
                                                       : "cannot save the network");
    return CLI_EXIT_OK;
}

/* One step on the next batch of the order when the data is on the device:
 * only its indices go there. Returns the batch size, or -1 (printed). */
static int train_step_on_device(train_run *run)
{
    const int *idx;
    int b = bcn_order_next(&run->order, &idx);
    if (bcn_net_train_step_rows(run->env.net, idx, b, NULL) != BCN_OK) {
        cli_runtime_error(&run->env, "training step failed");
        return -1;
    }
    return b;
}

/* One step on the gathered global batch of b rows: alone, or this rank's
 * share of it (bcn_net_train_shard sums the gradients over the ranks). */
static bcn_status train_step(train_run *run, int b)
{
    if (!run->dist.active)
        return bcn_net_train_step(run->env.net, run->x, run->t, b, NULL);
    const bcn_dataset *ds = run->env.ds;
    int off, count;
    cli_dist_share(&run->dist, b, &off, &count);
    bcn_step_timing tm;
    bcn_status st = bcn_net_train_shard(run->env.net, run->x + (size_t)off * ds->dim,
                                        run->t + (size_t)off * ds->n_classes, count, b, &tm);
    run->local_s += tm.forward_s + tm.update_s;
    run->reduce_s += tm.feedback_s;
    run->timed_steps++;
    return st;
}

/* The training statistics over every rank: mean loss, error percent. */
static bcn_status train_stats(train_run *run, double *loss, double *err_pct)
{
    double mean = 0;
    long correct = 0, seen = 0;
    bcn_status st = bcn_net_train_stats(run->env.net, 1, &mean, &correct, &seen);
    if (st != BCN_OK)
        return st;
    if (run->dist.active) {
        const bcn_net_config *c = bcn_net_config_of(run->env.net);
        double n_out = c->layers[c->n_layers - 1].units;
        double v[3] = {mean * (double)seen * n_out, (double)correct, (double)seen};
        if (cli_dist_sum(&run->dist, v, 3) != 0)
            return dist_failure(run, "summing the training statistics over the ranks failed");
        mean = v[2] > 0 ? v[0] / (v[2] * n_out) : 0.0;
        correct = (long)v[1];
        seen = (long)v[2];
    }
    *loss = mean;
    *err_pct = seen > 0 ? 100.0 * (double)(seen - correct) / (double)seen : NAN;
    return BCN_OK;
}

/* The epoch (1-based) and step within it (1-based) of global step g. */
static void epoch_step(const train_run *run, long g, long *epoch, long *step)
{
    long per = bcn_order_batches_per_epoch(&run->order);
    *epoch = g / per + 1;
    *step = g % per + 1;
}

/* Divergence check: CLI_EXIT_OK when every step so far was finite; else
 * the message printed, the CSV and JSON written up to that point, and
 * CLI_EXIT_RUNTIME. `partial` is the epoch in progress. */
static int check_divergence(train_run *run, cli_epoch_row *partial, double wall0)
{
    long bad = -1;
    if (bcn_net_first_bad_step(run->env.net, &bad) != BCN_OK)
        return cli_runtime_error(&run->env, "reading the training statistics failed");
    bad = cli_dist_min_step(&run->dist, bad); /* the first step that diverged anywhere */
    if (bad < 0)
        return CLI_EXIT_OK;
    long epoch, step;
    epoch_step(run, bad, &epoch, &step);
    double loss = NAN, err = NAN;
    train_stats(run, &loss, &err);
    partial->epoch = (int)epoch;
    partial->train_loss = loss;
    partial->train_error = err;
    partial->val_loss = partial->val_error = partial->test_loss = partial->test_error = NAN;
    partial->test_errors = 0;
    char lossbuf[32];
    if (isnan(loss))
        snprintf(lossbuf, sizeof lossbuf, "nan");
    else
        snprintf(lossbuf, sizeof lossbuf, "%g", loss);
    if (run->dist.rank == 0)
        fprintf(stderr,
            "burstccn: diverged at epoch %ld, step %ld (train loss %s)%s%s%s\n", epoch, step,
            lossbuf, run->s.checkpoint_path ? "; the last good checkpoint '" : "",
            run->s.checkpoint_path ? run->s.checkpoint_path : "",
            run->s.checkpoint_path ? "' is kept" : "");
    if (run->s.csv_path)
        write_csv(run, run->n_rows, partial);
    if (run->s.json_path) {
        cli_epoch_row final = *partial;
        write_json(run, &final, bcn_progress_now() - wall0, partial, step);
    }
    return CLI_EXIT_RUNTIME;
}

/* The ranks agree on how a part went: when any rank failed, every rank
 * stops (the failing one printed why). Returns the exit status. */
static int agree(train_run *run, int rc, const char *part)
{
    int bad = cli_dist_first_failed(&run->dist, rc != CLI_EXIT_OK);
    if (bad < 0)
        return CLI_EXIT_OK;
    if (bad != run->dist.rank && run->dist.rank == 0)
        fprintf(stderr, "burstccn: rank %d failed %s (its message is above): every rank stops\n",
                bad, part);
    return rc != CLI_EXIT_OK ? rc : CLI_EXIT_RUNTIME;
}

/* Train one epoch (or the rest of it when resumed mid-epoch); fills the
 * row's training columns. */
static int train_epoch(train_run *run, cli_epoch_row *r, double start_s, double wall0)
{
    cli_settings *s = &run->s;
    cli_env *env = &run->env;
    const bcn_dataset *ds = env->ds;
    char label[48];
    snprintf(label, sizeof label, "epoch %d/%d", r->epoch, s->epochs);
    bcn_progress bar;
    bcn_progress_init(&bar, stderr, s->quiet ? BCN_PROGRESS_OFF : BCN_PROGRESS_AUTO, label,
                      ds->train.n, "ex");
    double t0 = bcn_progress_now() - start_s;
    long done_ex = run->order.pos;
    int rc = CLI_EXIT_OK;
    do {
        int b = run->on_device ? train_step_on_device(run)
                               : cli_train_batch(&run->order, s, env, run->x, run->t);
        if (b < 0) {
            if (run->dist.active) /* tell the other ranks through the reduction */
                bcn_net_train_shard(env->net, NULL, NULL, -1, 1, NULL);
            rc = CLI_EXIT_RUNTIME;
            break;
        }
        if (!run->on_device && train_step(run, b) != BCN_OK) {
            rc = cli_runtime_error(env, "training step failed");
            break;
        }
        done_ex += b;
        bcn_progress_update(&bar, done_ex);
        long steps = bcn_net_steps(env->net);
        int mid_epoch = !bcn_order_epoch_done(&run->order);
        int save_now = mid_epoch && s->checkpoint_every > 0 && steps % s->checkpoint_every == 0;
        if (save_now || (mid_epoch && steps % DIVERGENCE_CHECK_STEPS == 0)) {
            if ((rc = check_divergence(run, r, wall0)) != CLI_EXIT_OK)
                break;
        }
        if (save_now && run->checkpointing) {
            rc = save_state(run, s->checkpoint_path, 1, bcn_progress_now() - t0);
            if ((rc = agree(run, rc, "writing its checkpoint")) != CLI_EXIT_OK)
                break;
        }
    } while (!bcn_order_epoch_done(&run->order));
    bcn_progress_finish(&bar);
    if (rc != CLI_EXIT_OK)
        return rc;
    bcn_status st = bcn_ctx_finish(env->ctx);
    r->seconds = bcn_progress_now() - t0;
    if (st != BCN_OK)
        return cli_runtime_error(env, "training failed");
    if ((rc = check_divergence(run, r, wall0)) != CLI_EXIT_OK)
        return rc;
    if (train_stats(run, &r->train_loss, &r->train_error) != BCN_OK)
        return cli_runtime_error(env, "reading the training statistics failed");
    return CLI_EXIT_OK;
}

/* Evaluate the test (and validation) sets into the row. */
static int evaluate_epoch(train_run *run, cli_epoch_row *r)
{
    const bcn_dataset *ds = run->env.ds;
    double t1 = bcn_progress_now();
    long n_err;
    r->val_loss = r->val_error = NAN;
    bcn_status st = evaluate(run, &ds->test, BCN_SPLIT_TEST, &r->test_loss, &r->test_error,
                             &r->test_errors);
    if (st == BCN_OK && ds->val.n > 0)
        st = evaluate(run, &ds->val, BCN_SPLIT_VAL, &r->val_loss, &r->val_error, &n_err);
    if (st != BCN_OK)
        return cli_runtime_error(&run->env, "evaluation failed");
    r->eval_seconds = bcn_progress_now() - t1;
    return CLI_EXIT_OK;
}

/* A data-parallel rank's device: the OpenCL device at its node-local rank
 * (modulo their number; ranks 0-3 on a machine with 4 GPUs get GPUs 0-3),
 * ref when there is none. */
static int pick_rank_device(train_run *run)
{
    bcn_ctx *ctx = bcn_ctx_new();
    bcn_device_info *list = NULL;
    size_t n = 0, ncl = 0;
    if (!ctx || bcn_devices_list(ctx, &list, &n) != BCN_OK) {
        fprintf(stderr, "burstccn: rank %d: cannot list the devices: %s\n", run->dist.rank,
                ctx ? bcn_errmsg(ctx) : "out of memory");
        bcn_ctx_free(ctx);
        return CLI_EXIT_RUNTIME;
    }
    for (size_t i = 0; i < n; i++)
        ncl += strcmp(list[i].backend, "cl") == 0;
    snprintf(run->device, sizeof run->device, "ref");
    for (size_t i = 0, k = 0; i < n && ncl > 0; i++) {
        if (strcmp(list[i].backend, "cl") != 0)
            continue;
        if (k++ == (size_t)run->dist.local_rank % ncl) {
            snprintf(run->device, sizeof run->device, "%s", list[i].id);
            break;
        }
    }
    bcn_devices_free(list);
    bcn_ctx_free(ctx);
    run->s.device = run->device;
    return CLI_EXIT_OK;
}

/* Every rank must run the same configuration: network, seed, batch,
 * epochs, data. The lowest rank that differs from rank 0, or -1. */
static int ranks_differ(const train_run *run)
{
    const cli_settings *s = &run->s;
    const bcn_dataset *ds = run->env.ds;
    uint64_t h = cli_dist_hash(bcn_net_config_of(run->env.net), sizeof(bcn_net_config), 0);
    int ints[] = {s->batch, s->epochs, s->augment, ds->train.n, ds->val.n, ds->test.n, ds->dim,
                  ds->n_classes, run->order.pos};
    h = cli_dist_hash(ints, sizeof ints, h);
    h = cli_dist_hash(&s->data_opts, sizeof s->data_opts, h);
    h = cli_dist_hash(ds->name, strlen(ds->name), h);
    return cli_dist_differs(&run->dist, h);
}

/* Put the data on the device when --data-on-device allows and the run can:
 * not when it augments (on the host) or several processes share each
 * batch; in auto mode a data set too large for the device stays on the
 * host, said on stderr. Returns the exit status. */
static int attach_data(train_run *run)
{
    const cli_settings *s = &run->s;
    cli_env *env = &run->env;
    if (s->data_on_device == 0)
        return CLI_EXIT_OK;
    const char *why = s->augment ? "--augment on gathers the batches on the host"
                      : run->dist.active ? "several processes share each batch"
                                         : NULL;
    if (why) {
        if (s->data_on_device < 0)
            return CLI_EXIT_OK;
        fprintf(stderr, "burstccn train: --data-on-device on: %s\n", why);
        return CLI_EXIT_USAGE;
    }
    bcn_status st = bcn_net_attach_data(env->net, env->ds, 0);
    if (st == BCN_OK) {
        run->on_device = 1;
        return CLI_EXIT_OK;
    }
    if (st == BCN_ERR_NOMEM && s->data_on_device < 0) {
        fprintf(stderr, "burstccn train: the batches are gathered on the host: %s\n",
                bcn_errmsg(env->ctx));
        return CLI_EXIT_OK;
    }
    return cli_runtime_error(env, "cannot put the data on the device");
}

/* Parse, resume when asked, open everything. */
static int open_run(train_run *run, int argc, char **argv, cli_train_state *saved)
{
    cli_settings *s = &run->s;
    int rc = cli_parse(CLI_CMD_TRAIN, "train", argc, argv, s);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (s->resume_path) {
        const char *resume = s->resume_path;
        if ((rc = cli_saved_flags(CLI_CMD_TRAIN, "train", resume, 1, s, saved)) != CLI_EXIT_OK)
            return rc;
        s->resume_path = resume;
        s->model_path = resume;
        if (saved->n_rows > s->epochs) {
            fprintf(stderr,
                    "burstccn train: the run in '%s' has done %d epochs already; --epochs %d "
                    "would end it before that (give --epochs %d or more)\n",
                    resume, saved->n_rows, s->epochs, saved->n_rows);
            return CLI_EXIT_USAGE;
        }
    }
    run->checkpointing = s->checkpoint_path != NULL;
    if (run->dist.active) {
        /* Rank 0 alone prints and writes files. */
        if (run->dist.rank > 0) {
            s->quiet = 1;
            s->json_path = s->csv_path = s->checkpoint_path = s->save_path = NULL;
        }
        if (!s->device && pick_rank_device(run) != CLI_EXIT_OK)
            return CLI_EXIT_RUNTIME;
    }
    const char *outputs[] = {s->json_path, s->csv_path, s->checkpoint_path, s->save_path};
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++)
        cli_remove_stale_temps(outputs[i]);
    if ((rc = cli_env_open(s, &run->env, s->resume_path ? &run->order : NULL)) != CLI_EXIT_OK)
        return rc;
    const bcn_dataset *ds = run->env.ds;
    if (s->resume_path) {
        if (!run->order.perm) {
            fprintf(stderr,
                    "burstccn train: '%s' holds no data order (a model saved with --save, not "
                    "a --checkpoint): it cannot be resumed\n",
                    s->resume_path);
            return CLI_EXIT_RUNTIME;
        }
        if (run->order.n != ds->train.n || run->order.batch != s->batch) {
            fprintf(stderr,
                    "burstccn train: the run in '%s' trained on %d examples in batches of %d, "
                    "but the data '%s' now gives %d training examples\n",
                    s->resume_path, run->order.n, run->order.batch, s->data, ds->train.n);
            return CLI_EXIT_RUNTIME;
        }
        /* A checkpoint's statistics of the epoch in progress are the
         * whole run's: rank 0 keeps them, the other ranks start from none. */
        if (run->dist.active && run->dist.rank > 0 &&
            bcn_net_set_train_stats(run->env.net, 0.0, 0, 0) != BCN_OK)
            return cli_runtime_error(&run->env, "resetting the training statistics failed");
    } else if (bcn_order_init(run->env.ctx, &run->order, ds->train.n, s->batch,
                              s->cfg.seed) != BCN_OK) {
        return cli_runtime_error(&run->env, "cannot set up the data order");
    }
    int cap = s->epochs > saved->n_rows ? s->epochs : saved->n_rows;
    run->rows = calloc((size_t)(cap > 0 ? cap : 1), sizeof *run->rows);
    run->x = malloc((size_t)s->batch * (size_t)ds->dim * sizeof *run->x);
    run->t = malloc((size_t)s->batch * (size_t)ds->n_classes * sizeof *run->t);
    if (!run->rows || !run->x || !run->t) {
        fprintf(stderr, "burstccn: out of memory\n");
        return CLI_EXIT_RUNTIME;
    }
    if (saved->n_rows)
        memcpy(run->rows, saved->rows, (size_t)saved->n_rows * sizeof *run->rows);
    run->n_rows = saved->n_rows;
    run->has_val = ds->val.n > 0;
    return attach_data(run);
}

static void print_header(const train_run *run, const cli_train_state *saved)
{
    const cli_settings *s = &run->s;
    const bcn_dataset *ds = run->env.ds;
    const bcn_net_config *c = bcn_net_config_of(run->env.net);
    char sizes[1024];
    bcn_net_desc(c, sizes, sizeof sizes);
    printf("burstccn train: rule %s, network %s, device %s (%s), GEMM %s\n",
           bcn_rule_str(c->rule), sizes, run->env.dev.id, run->env.dev.name,
           bcn_ctx_gemm_name(run->env.ctx));
    printf("data %s: %d training, %d validation, %d test examples; batch %d, %d epoch%s, "
           "seed %llu\n",
           ds->name, ds->train.n, ds->val.n, ds->test.n, s->batch, s->epochs,
           s->epochs == 1 ? "" : "s", (unsigned long long)c->seed);
    char set[512];
    bcn_net_settings_desc(c, set, sizeof set);
    printf("settings: %s (flags not given take %s)\n", set,
           s->same_settings ? "BurstCCN's settings, --same-settings"
                            : "the rule's own authors' settings");
    if (s->resume_path)
        printf("resumed from %s: %d epoch%s done, step %ld of epoch %d\n", s->resume_path,
               saved->n_rows, saved->n_rows == 1 ? "" : "s",
               (long)(run->order.pos + run->order.batch - 1) / run->order.batch,
               saved->n_rows + 1);
    fflush(stdout);
}

int cli_cmd_train(int argc, char **argv)
{
    train_run run;
    cli_train_state saved;
    memset(&run, 0, sizeof run);
    memset(&saved, 0, sizeof saved);
    if (cli_dist_init(&run.dist, &argc, &argv) != 0)
        return CLI_EXIT_RUNTIME;
    int rc = open_run(&run, argc, argv, &saved);
    if (rc == CLI_HELP_SHOWN) {
        rc = CLI_EXIT_OK;
        goto done;
    }
    if (run.dist.active) {
        if ((rc = agree(&run, rc, "to start")) != CLI_EXIT_OK)
            goto done;
        int other = ranks_differ(&run);
        if (other >= 0) {
            if (run.dist.rank == 0)
                fprintf(stderr,
                        "burstccn: rank %d runs another configuration than rank 0 (network, "
                        "seed, batch, epochs or data): every rank must run the same command\n",
                        other);
            rc = CLI_EXIT_USAGE;
            goto done;
        }
        bcn_net_set_reducer(run.env.net, bcn_mpi_reduce, NULL);
    }
    if (rc != CLI_EXIT_OK)
        goto done;
    cli_settings *s = &run.s;
    const bcn_dataset *ds = run.env.ds;
    if (!s->quiet)
        print_header(&run, &saved);

    double wall0 = bcn_progress_now();
    double start_s = saved.partial_seconds; /* of a resumed epoch in progress */
    for (int e = run.n_rows; e < s->epochs; e++) {
        cli_epoch_row *r = &run.rows[e];
        r->epoch = e + 1;
        if ((rc = train_epoch(&run, r, start_s, wall0)) != CLI_EXIT_OK ||
            (rc = evaluate_epoch(&run, r)) != CLI_EXIT_OK)
            goto done;
        start_s = 0.0;
        run.n_rows = e + 1;
        if (!s->quiet) {
            printf("epoch %d/%d  train loss %.5f  train error %6.2f%%", r->epoch, s->epochs,
                   r->train_loss, r->train_error);
            if (ds->val.n > 0)
                printf("  val error %6.2f%%", r->val_error);
            printf("  test loss %.5f  test error %6.2f%%  %.2f s\n", r->test_loss,
                   r->test_error, r->seconds);
            fflush(stdout);
        }
        if (s->csv_path)
            rc = write_csv(&run, e + 1, NULL);
        if (rc == CLI_EXIT_OK && run.checkpointing)
            rc = save_state(&run, s->checkpoint_path, 1, 0.0);
        if ((rc = agree(&run, rc, "writing its outputs")) != CLI_EXIT_OK)
            goto done;
    }

    /* The final numbers: the last epoch's, or the untrained network's. */
    cli_epoch_row final = {0};
    if (s->epochs > 0) {
        final = run.rows[s->epochs - 1];
    } else {
        final.train_loss = final.train_error = NAN;
        if ((rc = evaluate_epoch(&run, &final)) != CLI_EXIT_OK)
            goto done;
    }
    double wall = bcn_progress_now() - wall0;
    if (s->csv_path && s->epochs == 0)
        rc = write_csv(&run, 0, NULL);
    if (rc == CLI_EXIT_OK && s->save_path)
        rc = save_state(&run, s->save_path, 0, 0.0);
    if (rc == CLI_EXIT_OK && s->json_path)
        rc = write_json(&run, &final, wall, NULL, 0);
    if ((rc = agree(&run, rc, "writing its outputs")) != CLI_EXIT_OK)
        goto done;

    double train_s = 0;
    for (int e = 0; e < s->epochs; e++)
        train_s += run.rows[e].seconds;
    const bcn_net_config *c = bcn_net_config_of(run.env.net);
    if (run.dist.rank == 0) {
        printf("final test error: %.2f%% (%ld of %d misclassified), test loss %.5f; rule %s, %d "
               "epoch%s",
               final.test_error, final.test_errors, ds->test.n, final.test_loss,
               bcn_rule_str(c->rule), s->epochs, s->epochs == 1 ? "" : "s");
        if (s->epochs > 0)
            printf(", %.1f s per epoch on %s", train_s / s->epochs, run.env.dev.id);
        if (run.dist.active)
            printf(" (%d ranks)", run.dist.size);
        printf("\n");
    }
    rc = CLI_EXIT_OK;

done:
    free(run.x);
    free(run.t);
    free(run.rows);
    bcn_order_free(&run.order);
    cli_state_free(&saved);
    cli_env_close(&run.env);
    cli_dist_finish(&run.dist);
    return rc;
}
