/*
 * cmd_eval.c — `burstccn eval --model FILE`: the test error and loss of a
 * saved network (train --save or --checkpoint) on the test set of the data
 * it was trained on (or of --data), on any device.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "netdesc.h"

static int write_json(const cli_settings *s, const cli_env *env, double err_pct, long n_err,
                      double loss)
{
    cli_doc doc;
    if (cli_doc_open(&doc, s->json_path) != CLI_EXIT_OK)
        return CLI_EXIT_RUNTIME;
    bcn_json j;
    bcn_json_init(&j, doc.f, 1);
    bcn_json_begin_object(&j);
    bcn_json_kv_string(&j, "program", "burstccn eval");
    bcn_json_kv_string(&j, "version", bcn_version());
    bcn_json_kv_string(&j, "model", s->model_path);
    cli_json_run_info(&j, s, env);
    bcn_json_kv_number(&j, "test_error", err_pct);
    bcn_json_kv_int(&j, "test_errors", n_err);
    bcn_json_kv_number(&j, "test_loss", loss);
    bcn_json_end_object(&j);
    return cli_doc_commit(&doc, bcn_json_finish(&j) != 0);
}

int cli_cmd_eval(int argc, char **argv)
{
    cli_settings s;
    cli_env env;
    memset(&env, 0, sizeof env);
    int rc = cli_parse(CLI_CMD_EVAL, "eval", argc, argv, &s);
    if (rc == CLI_HELP_SHOWN)
        return CLI_EXIT_OK;
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!s.model_path) {
        fprintf(stderr, "burstccn eval: --model FILE is required (a network saved by "
                        "`burstccn train --save` or --checkpoint)\nTry 'burstccn eval "
                        "--help'.\n");
        return CLI_EXIT_USAGE;
    }
    cli_train_state saved; /* the saved flags' values live here until the end */
    rc = cli_saved_flags(CLI_CMD_EVAL, "eval", s.model_path, 0, &s, &saved);
    if (rc != CLI_EXIT_OK || (rc = cli_env_open(&s, &env, NULL)) != CLI_EXIT_OK)
        goto done;
    const bcn_dataset *ds = env.ds;
    double loss = 0.0;
    long n_err = 0;
    if (bcn_net_evaluate(env.net, ds->test.x, ds->test.y, ds->test.n, &loss, &n_err) !=
        BCN_OK) {
        rc = cli_runtime_error(&env, "evaluation failed");
        goto done;
    }
    double err_pct = 100.0 * (double)n_err / (double)ds->test.n;
    if (!s.quiet) {
        char desc[1024];
        bcn_net_desc(&s.cfg, desc, sizeof desc);
        printf("burstccn eval: %s: rule %s, network %s, %ld training steps; data %s (%d test "
               "examples), device %s (%s), GEMM %s\n",
               s.model_path, bcn_rule_str(s.cfg.rule), desc, bcn_net_steps(env.net), ds->name,
               ds->test.n, env.dev.id, env.dev.name, bcn_ctx_gemm_name(env.ctx));
    }
    printf("test error: %.2f%% (%ld of %d misclassified), test loss %.5f\n", err_pct, n_err,
           ds->test.n, loss);
    if (s.json_path && (rc = write_json(&s, &env, err_pct, n_err, loss)) != CLI_EXIT_OK)
        goto done;
    rc = CLI_EXIT_OK;
done:
    cli_state_free(&saved);
    cli_env_close(&env);
    return rc;
}
