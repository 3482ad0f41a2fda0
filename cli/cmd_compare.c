/*
 * cmd_compare.c — `burstccn compare`: on one minibatch and one set of
 * weights, the angle of every rule's weight update to backprop's (SPEC §9)
 * per layer and globally, the update norms, and the W(l+1)-Y(l) and
 * Y(l)-Q(l) weight angles; optionally after --steps training steps.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "netdesc.h"

/* An angle as table text: degrees, or "n/a" when undefined. */
static void angle_text(const bcn_angle *a, char *buf, size_t len)
{
    if (a->valid)
        snprintf(buf, len, "%.3f", a->degrees);
    else
        snprintf(buf, len, "n/a");
}

/* Print the comparison table. */
static void print_table(const bcn_net *net, const bcn_comparison *cmp)
{
    const bcn_net_config *c = bcn_net_config_of(net);
    const bcn_rule others[3] = {BCN_RULE_BURSTCCN, BCN_RULE_BURSTPROP, BCN_RULE_FA};
    char a[3][32], wy[32], yq[32];
    printf("\nAngle to backprop's weight update (degrees):\n");
    printf("%-6s %-14s %10s %10s %10s %11s %11s\n", "layer", "W shape", "burstccn", "burstprop",
           "fa", "W(l+1)-Y(l)", "Y(l)-Q(l)");
    for (int l = 0; l < cmp->n_layers; l++) {
        char shape[32];
        int rows = 0, cols = 0;
        bcn_net_param_shape(net, BCN_PARAM_W, l + 1, &rows, &cols);
        snprintf(shape, sizeof shape, "%s%dx%d",
                 c->layers[l].kind == BCN_LAYER_CONV2D ? "conv " : "", rows, cols);
        for (int r = 0; r < 3; r++)
            angle_text(&cmp->to_bp[others[r]][l], a[r], sizeof a[r]);
        if (l < cmp->n_layers - 1) {
            angle_text(&cmp->w_y[l], wy, sizeof wy);
            angle_text(&cmp->y_q[l], yq, sizeof yq);
        } else {
            snprintf(wy, sizeof wy, "-");
            snprintf(yq, sizeof yq, "-");
        }
        printf("%-6d %-14s %10s %10s %10s %11s %11s\n", l + 1, shape, a[0], a[1], a[2], wy,
               yq);
    }
    for (int r = 0; r < 3; r++)
        angle_text(&cmp->to_bp_global[others[r]], a[r], sizeof a[r]);
    printf("%-6s %-14s %10s %10s %10s\n", "all", "", a[0], a[1], a[2]);

    printf("\nNorm of each rule's weight update ||dW||:\n");
    printf("%-6s %12s %12s %12s %12s\n", "layer", "burstccn", "burstprop", "fa", "backprop");
    for (int l = 0; l < cmp->n_layers; l++)
        printf("%-6d %12.5g %12.5g %12.5g %12.5g\n", l + 1,
               cmp->to_bp[BCN_RULE_BURSTCCN][l].norm_a, cmp->to_bp[BCN_RULE_BURSTPROP][l].norm_a,
               cmp->to_bp[BCN_RULE_FA][l].norm_a, cmp->to_bp[BCN_RULE_BURSTCCN][l].norm_b);
    printf("%-6s %12.5g %12.5g %12.5g %12.5g\n", "all",
           cmp->to_bp_global[BCN_RULE_BURSTCCN].norm_a,
           cmp->to_bp_global[BCN_RULE_BURSTPROP].norm_a, cmp->to_bp_global[BCN_RULE_FA].norm_a,
           cmp->to_bp_global[BCN_RULE_BURSTCCN].norm_b);
    printf("('n/a': no angle, a vector has zero norm; '-': the output layer has no Y or Q)\n");
}

/* An angle as JSON: degrees, or null when undefined. */
static void json_angle(bcn_json *j, const char *key, const bcn_angle *a)
{
    bcn_json_key(j, key);
    if (a->valid)
        bcn_json_number(j, a->degrees);
    else
        bcn_json_null(j);
}

/* One rule's angle and norm, as an object. */
static void json_rule(bcn_json *j, bcn_rule r, const bcn_angle *a)
{
    bcn_json_key(j, bcn_rule_str(r));
    bcn_json_begin_object(j);
    json_angle(j, "angle", a);
    bcn_json_kv_number(j, "norm", a->norm_a);
    bcn_json_end_object(j);
}

static int write_json(const char *path, const cli_settings *s, const cli_env *env,
                      const bcn_comparison *cmp)
{
    cli_doc doc;
    if (cli_doc_open(&doc, path) != CLI_EXIT_OK)
        return CLI_EXIT_RUNTIME;
    FILE *f = doc.f;
    const bcn_net_config *c = bcn_net_config_of(env->net);
    bcn_json j;
    bcn_json_init(&j, f, 1);
    bcn_json_begin_object(&j);
    bcn_json_kv_string(&j, "program", "burstccn compare");
    bcn_json_kv_string(&j, "version", bcn_version());
    cli_json_run_info(&j, s, env);
    bcn_json_kv_int(&j, "steps", s->steps);
    bcn_json_kv_int(&j, "batch", s->batch);
    bcn_json_key(&j, "layers");
    bcn_json_begin_array(&j);
    for (int l = 0; l < cmp->n_layers; l++) {
        bcn_json_begin_object(&j);
        bcn_json_kv_int(&j, "layer", l + 1);
        int rows = 0, cols = 0;
        bcn_net_param_shape(env->net, BCN_PARAM_W, l + 1, &rows, &cols);
        bcn_json_kv_string(&j, "kind",
                           c->layers[l].kind == BCN_LAYER_CONV2D ? "conv2d" : "dense");
        bcn_json_kv_int(&j, "rows", rows);
        bcn_json_kv_int(&j, "cols", cols);
        bcn_json_key(&j, "to_backprop");
        bcn_json_begin_object(&j);
        for (int r = 0; r < BCN_RULE_COUNT; r++)
            json_rule(&j, (bcn_rule)r, &cmp->to_bp[r][l]);
        bcn_json_end_object(&j);
        if (l < cmp->n_layers - 1) {
            json_angle(&j, "w_y", &cmp->w_y[l]);
            json_angle(&j, "y_q", &cmp->y_q[l]);
        } else {
            bcn_json_key(&j, "w_y");
            bcn_json_null(&j);
            bcn_json_key(&j, "y_q");
            bcn_json_null(&j);
        }
        bcn_json_end_object(&j);
    }
    bcn_json_end_array(&j);
    bcn_json_key(&j, "global");
    bcn_json_begin_object(&j);
    bcn_json_key(&j, "to_backprop");
    bcn_json_begin_object(&j);
    for (int r = 0; r < BCN_RULE_COUNT; r++)
        json_rule(&j, (bcn_rule)r, &cmp->to_bp_global[r]);
    bcn_json_end_object(&j);
    bcn_json_end_object(&j);
    bcn_json_end_object(&j);
    return cli_doc_commit(&doc, bcn_json_finish(&j) != 0);
}

int cli_cmd_compare(int argc, char **argv)
{
    cli_settings s;
    cli_env env;
    bcn_order order = {0};
    cli_train_state saved = {0};
    float *x = NULL, *t = NULL;
    memset(&env, 0, sizeof env);
    int rc = cli_parse(CLI_CMD_COMPARE, "compare", argc, argv, &s);
    if (rc == CLI_HELP_SHOWN)
        return CLI_EXIT_OK;
    if (rc != CLI_EXIT_OK)
        return rc;
    if (s.model_path &&
        (rc = cli_saved_flags(CLI_CMD_COMPARE, "compare", s.model_path, 0, &s, &saved)) !=
            CLI_EXIT_OK)
        goto done; /* the saved flags' values live in `saved` until the end */
    rc = cli_env_open(&s, &env, NULL);
    if (rc != CLI_EXIT_OK)
        goto done;
    const bcn_dataset *ds = env.ds;
    const bcn_net_config *c = bcn_net_config_of(env.net);
    x = malloc((size_t)s.batch * (size_t)ds->dim * sizeof *x);
    t = malloc((size_t)s.batch * (size_t)ds->n_classes * sizeof *t);
    if (!x || !t || bcn_order_init(env.ctx, &order, ds->train.n, s.batch, c->seed) != BCN_OK) {
        fprintf(stderr, "burstccn: out of memory\n");
        rc = CLI_EXIT_RUNTIME;
        goto done;
    }

    for (int step = 0; step < s.steps; step++) {
        int b = cli_train_batch(&order, &s, &env, x, t);
        if (b < 0) {
            rc = CLI_EXIT_RUNTIME;
            goto done;
        }
        if (bcn_net_train_step(env.net, x, t, b, NULL) != BCN_OK) {
            rc = cli_runtime_error(&env, "training step failed");
            goto done;
        }
    }
    /* The comparison batch is never augmented: it is the data itself. */
    const int *idx;
    int b = bcn_order_next(&order, &idx);
    bcn_dataset_batch(ds, &ds->train, idx, b, x, t);
    bcn_comparison cmp;
    if (bcn_net_compare(env.net, x, t, b, &cmp) != BCN_OK) {
        rc = cli_runtime_error(&env, "comparison failed");
        goto done;
    }

    if (!s.quiet) {
        char desc[1024];
        bcn_net_desc(c, desc, sizeof desc);
        printf("burstccn compare: network %s", desc);
        printf(", weights %s%s after %d steps of %s, batch of %d, device %s (%s), GEMM %s\n",
               s.model_path ? "of " : "", s.model_path ? s.model_path : "", s.steps,
               bcn_rule_str(c->rule), b, env.dev.id, env.dev.name, bcn_ctx_gemm_name(env.ctx));
        printf("Y %s (scale %g), Q %s (scale %g), p_b %g, seed %llu\n",
               bcn_fb_mode_str(c->y_mode), (double)c->y_scale, bcn_fb_mode_str(c->q_mode),
               (double)c->q_scale, (double)c->p_baseline, (unsigned long long)c->seed);
    }
    print_table(env.net, &cmp);
    if (s.json_path && (rc = write_json(s.json_path, &s, &env, &cmp)) != CLI_EXIT_OK)
        goto done;
    rc = CLI_EXIT_OK;

done:
    free(x);
    free(t);
    bcn_order_free(&order);
    cli_state_free(&saved);
    cli_env_close(&env);
    return rc;
}
