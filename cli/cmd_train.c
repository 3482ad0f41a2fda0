/*
 * cmd_train.c — `burstccn train`: the training loop (shuffled minibatches,
 * one bcn_net_train_step each), per-epoch metrics on stdout, a progress
 * display on stderr, the CSV (rewritten atomically after every epoch) and
 * the JSON summary (written atomically at the end).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "netdesc.h"
#include "progress.h"

/* Metrics of one epoch; NaN marks "not measured" (no validation set). */
typedef struct epoch_row {
    int epoch;
    double train_loss, train_error;
    double val_loss, val_error;
    double test_loss, test_error;
    long test_errors;    /* misclassified test examples */
    double seconds;      /* training steps only */
    double eval_seconds; /* evaluation of test (and validation) */
} epoch_row;

/* Write `v` with `fmt`, or nothing (an empty CSV field) when it is NaN. */
static void csv_num(FILE *f, const char *fmt, double v)
{
    if (!isnan(v))
        fprintf(f, fmt, v);
}

/* Rewrite the CSV with the rows so far (atomically). */
static int write_csv(const char *path, const epoch_row *rows, int n)
{
    cli_doc doc;
    if (cli_doc_open(&doc, path) != CLI_EXIT_OK)
        return CLI_EXIT_RUNTIME;
    FILE *f = doc.f;
    fprintf(f, "epoch,train_loss,train_error,val_error,test_loss,test_error,seconds\n");
    for (int i = 0; i < n; i++) {
        const epoch_row *r = &rows[i];
        fprintf(f, "%d,", r->epoch);
        csv_num(f, "%.9g", r->train_loss);
        fputc(',', f);
        csv_num(f, "%.4f", r->train_error);
        fputc(',', f);
        csv_num(f, "%.4f", r->val_error);
        fputc(',', f);
        csv_num(f, "%.9g", r->test_loss);
        fputc(',', f);
        csv_num(f, "%.4f", r->test_error);
        fputc(',', f);
        csv_num(f, "%.4f", r->seconds);
        fputc('\n', f);
    }
    return cli_doc_commit(&doc, 0);
}

/* The JSON summary of the run. */
static int write_json(const char *path, const cli_settings *s, const cli_env *env,
                      const epoch_row *rows, int n, const epoch_row *final, double wall)
{
    cli_doc doc;
    if (cli_doc_open(&doc, path) != CLI_EXIT_OK)
        return CLI_EXIT_RUNTIME;
    FILE *f = doc.f;
    double train_s = 0, eval_s = 0;
    for (int i = 0; i < n; i++) {
        train_s += rows[i].seconds;
        eval_s += rows[i].eval_seconds;
    }
    bcn_json j;
    bcn_json_init(&j, f, 1);
    bcn_json_begin_object(&j);
    bcn_json_kv_string(&j, "program", "burstccn train");
    bcn_json_kv_string(&j, "version", bcn_version());
    cli_json_run_info(&j, s, env);
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
        const epoch_row *r = &rows[i];
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

/* Evaluate on one split: mean loss, error percent and error count. */
static bcn_status evaluate(cli_env *env, const bcn_split *sp, double *loss, double *err_pct,
                           long *n_err)
{
    bcn_status st = bcn_net_evaluate(env->net, sp->x, sp->y, sp->n, loss, n_err);
    if (st == BCN_OK)
        *err_pct = 100.0 * (double)*n_err / (double)sp->n;
    return st;
}

int cli_cmd_train(int argc, char **argv)
{
    cli_settings s;
    cli_env env;
    cli_order order = {0};
    epoch_row *rows = NULL;
    float *x = NULL, *t = NULL;
    int rc = cli_parse(CLI_CMD_TRAIN, "train", argc, argv, &s);
    if (rc == CLI_HELP_SHOWN)
        return CLI_EXIT_OK;
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = cli_env_open(&s, &env);
    if (rc != CLI_EXIT_OK)
        goto done;

    const bcn_dataset *ds = env.ds;
    const bcn_net_config *c = bcn_net_config_of(env.net);
    rows = calloc((size_t)(s.epochs > 0 ? s.epochs : 1), sizeof *rows);
    x = malloc((size_t)s.batch * (size_t)ds->dim * sizeof *x);
    t = malloc((size_t)s.batch * (size_t)ds->n_classes * sizeof *t);
    if (!rows || !x || !t || cli_order_init(&order, ds->train.n, s.batch, c->seed) < 0) {
        fprintf(stderr, "burstccn: out of memory\n");
        rc = CLI_EXIT_RUNTIME;
        goto done;
    }

    char sizes[1024];
    bcn_net_desc(c, sizes, sizeof sizes);
    if (!s.quiet) {
        printf("burstccn train: rule %s, network %s, device %s (%s)\n", bcn_rule_str(c->rule),
               sizes, env.dev.id, env.dev.name);
        printf("data %s: %d training, %d validation, %d test examples; batch %d, %d epoch%s, "
               "seed %llu\n",
               ds->name, ds->train.n, ds->val.n, ds->test.n, s.batch, s.epochs,
               s.epochs == 1 ? "" : "s", (unsigned long long)c->seed);
        char set[512];
        bcn_net_settings_desc(c, set, sizeof set);
        printf("settings: %s (flags not given take %s)\n", set,
               s.same_settings ? "BurstCCN's settings, --same-settings"
                               : "the rule's own authors' settings");
        fflush(stdout);
    }

    double wall0 = bcn_progress_now();
    for (int e = 0; e < s.epochs; e++) {
        epoch_row *r = &rows[e];
        r->epoch = e + 1;
        char label[48];
        snprintf(label, sizeof label, "epoch %d/%d", e + 1, s.epochs);
        bcn_progress bar;
        bcn_progress_init(&bar, stderr, s.quiet ? BCN_PROGRESS_OFF : BCN_PROGRESS_AUTO, label,
                          ds->train.n, "ex");
        double t0 = bcn_progress_now();
        long done_ex = 0;
        do {
            int b = cli_train_batch(&order, &s, &env, x, t);
            if (b < 0) {
                bcn_progress_finish(&bar);
                rc = CLI_EXIT_RUNTIME;
                goto done;
            }
            if (bcn_net_train_step(env.net, x, t, b, NULL) != BCN_OK) {
                bcn_progress_finish(&bar);
                rc = cli_runtime_error(&env, "training step failed");
                goto done;
            }
            done_ex += b;
            bcn_progress_update(&bar, done_ex);
        } while (!cli_order_epoch_done(&order));
        long correct = 0, seen = 0;
        bcn_status st = bcn_ctx_finish(env.ctx);
        r->seconds = bcn_progress_now() - t0;
        bcn_progress_finish(&bar);
        if (st == BCN_OK)
            st = bcn_net_train_stats(env.net, 1, &r->train_loss, &correct, &seen);
        if (st != BCN_OK) {
            rc = cli_runtime_error(&env, "reading the training statistics failed");
            goto done;
        }
        r->train_error = seen > 0 ? 100.0 * (double)(seen - correct) / (double)seen : NAN;

        double t1 = bcn_progress_now();
        long n_err;
        r->val_loss = r->val_error = NAN;
        st = evaluate(&env, &ds->test, &r->test_loss, &r->test_error, &r->test_errors);
        if (st == BCN_OK && ds->val.n > 0)
            st = evaluate(&env, &ds->val, &r->val_loss, &r->val_error, &n_err);
        if (st != BCN_OK) {
            rc = cli_runtime_error(&env, "evaluation failed");
            goto done;
        }
        r->eval_seconds = bcn_progress_now() - t1;

        if (!s.quiet) {
            printf("epoch %d/%d  train loss %.5f  train error %6.2f%%", r->epoch, s.epochs,
                   r->train_loss, r->train_error);
            if (ds->val.n > 0)
                printf("  val error %6.2f%%", r->val_error);
            printf("  test loss %.5f  test error %6.2f%%  %.2f s\n", r->test_loss,
                   r->test_error, r->seconds);
            fflush(stdout);
        }
        if (s.csv_path && (rc = write_csv(s.csv_path, rows, e + 1)) != CLI_EXIT_OK)
            goto done;
    }

    /* The final numbers: the last epoch's, or the untrained network's. */
    epoch_row final = {0};
    if (s.epochs > 0) {
        final = rows[s.epochs - 1];
    } else {
        final.train_loss = final.train_error = final.val_loss = final.val_error = NAN;
        long n_err;
        if (evaluate(&env, &ds->test, &final.test_loss, &final.test_error,
                     &final.test_errors) != BCN_OK ||
            (ds->val.n > 0 &&
             evaluate(&env, &ds->val, &final.val_loss, &final.val_error, &n_err) != BCN_OK)) {
            rc = cli_runtime_error(&env, "evaluation failed");
            goto done;
        }
    }
    double wall = bcn_progress_now() - wall0;
    if (s.csv_path && s.epochs == 0 && (rc = write_csv(s.csv_path, rows, 0)) != CLI_EXIT_OK)
        goto done;
    if (s.json_path &&
        (rc = write_json(s.json_path, &s, &env, rows, s.epochs, &final, wall)) !=
            CLI_EXIT_OK)
        goto done;

    double train_s = 0;
    for (int e = 0; e < s.epochs; e++)
        train_s += rows[e].seconds;
    printf("final test error: %.2f%% (%ld of %d misclassified), test loss %.5f; rule %s, %d "
           "epoch%s",
           final.test_error, final.test_errors, ds->test.n, final.test_loss,
           bcn_rule_str(c->rule), s.epochs, s.epochs == 1 ? "" : "s");
    if (s.epochs > 0)
        printf(", %.1f s per epoch on %s", train_s / s.epochs, env.dev.id);
    printf("\n");
    rc = CLI_EXIT_OK;

done:
    free(x);
    free(t);
    free(rows);
    cli_order_free(&order);
    cli_env_close(&env);
    return rc;
}
