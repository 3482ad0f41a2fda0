/*
 * test_resume.c — checkpoints, resumption, saved models and divergence
 * through the `burstccn` command (run as a child process):
 *  - a run killed with SIGKILL and resumed gives the same JSON and CSV
 *    (every number but the timings) as one that never stopped (ref);
 *  - `eval --model` prints the test error training printed at its end;
 *  - a NaN in the weights stops training with exit 1 and "diverged at
 *    epoch E, step S (train loss nan)", writes the CSV (nan spelled out)
 *    and the JSON, and leaves the last good checkpoint untouched;
 *  - resuming refuses contradicting flags, models without a data order
 *    and shortened runs; --model refuses network flags; stale temporary
 *    files of a killed run are cleaned up.
 * Data: Debian's Fashion-MNIST, limited to 300 training and 100 test
 * examples (skipped when not installed).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "burstccn.h"
#include "idx_fixture.h"
#include "json_check.h"
#include "run_program.h"

extern char **environ;

static char *dir;

static void setup(void)
{
    struct stat sb;
    if (stat("/usr/share/datasets/fashion-mnist", &sb) != 0)
        cr_skip_test("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
    dir = fx_tmpdir();
}

static void teardown(void)
{
    if (dir)
        fx_rmtree(dir);
    dir = NULL;
}

TestSuite(resume, .init = setup, .fini = teardown, .timeout = 240);

static tu_run_result run(const char *const *args) { return tu_run_program("burstccn", dir, args); }

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

static jv *read_json(const char *path) { return jv_read_file(path); }

/* a and b are equal in everything but timings and the resumption note. */
static int ignored_key(const char *k)
{
    return strstr(k, "seconds") || strcmp(k, "resumed_from") == 0;
}

static void assert_same_json(const jv *a, const jv *b, const char *where)
{
    cr_assert_eq(a->type, b->type, "%s: types differ", where);
    switch (a->type) {
    case JV_NUMBER:
    case JV_BOOL:
        cr_assert(a->number == b->number || (isnan(a->number) && isnan(b->number)),
                  "%s: %.17g vs %.17g", where, a->number, b->number);
        break;
    case JV_STRING:
        cr_assert_str_eq(a->string, b->string, "%s", where);
        break;
    case JV_ARRAY:
        cr_assert_eq(a->n, b->n, "%s: lengths differ", where);
        for (size_t i = 0; i < a->n; i++)
            assert_same_json(a->items[i], b->items[i], where);
        break;
    case JV_OBJECT:
        for (size_t i = 0; i < a->n; i++) {
            if (ignored_key(a->keys[i]))
                continue;
            const jv *other = jv_get(b, a->keys[i]);
            cr_assert_not_null(other, "%s: '%s' missing", where, a->keys[i]);
            assert_same_json(a->items[i], other, a->keys[i]);
        }
        for (size_t i = 0; i < b->n; i++)
            cr_assert(ignored_key(b->keys[i]) || jv_get(a, b->keys[i]), "%s: extra '%s'",
                      where, b->keys[i]);
        break;
    case JV_NULL:
        break;
    }
}

/* The CSV without its last column (seconds). */
static char *csv_without_seconds(const char *path)
{
    char *text = slurp(path, NULL);
    char *out = malloc(strlen(text) + 1), *w = out;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *last = strrchr(line, ',');
        size_t n = last ? (size_t)(last - line) : strlen(line);
        memcpy(w, line, n);
        w += n;
        *w++ = '\n';
    }
    *w = '\0';
    free(text);
    return out;
}

#define COMMON "--data", "fashion-mnist", "--train-limit", "300", "--test-limit", "100", \
               "--hidden", "20", "--device", "ref", "--quiet"

static time_t mtime_ns(const char *path, long *ns)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return 0;
    *ns = sb.st_mtim.tv_nsec;
    return sb.st_mtime;
}

Test(resume, sigkill_mid_run_then_resume_equals_uninterrupted)
{
    char *full_json = fx_path(dir, "full.json"), *full_csv = fx_path(dir, "full.csv");
    char *json = fx_path(dir, "run.json"), *csv = fx_path(dir, "run.csv");
    char *ckpt = fx_path(dir, "run.ckpt");
    const char *full[] = {"train", COMMON, "--epochs", "3", "--json", full_json,
                          "--csv", full_csv, NULL};
    tu_run_result r = run(full);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);

    /* The same run with checkpoints every 3 steps (an epoch is 10), killed
     * after its second checkpoint. */
    char prog[4096];
    const char *top = getenv("BCN_TOP_BUILDDIR");
    snprintf(prog, sizeof prog, "%s/burstccn", top && *top ? top : ".");
    char *const argv[] = {prog, "train", "--data", "fashion-mnist", "--train-limit", "300",
                          "--test-limit", "100", "--hidden", "20", "--device", "ref",
                          "--quiet", "--epochs", "3", "--json", json, "--csv", csv,
                          "--checkpoint", ckpt, "--checkpoint-every", "3", NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    cr_assert_eq(posix_spawn(&pid, prog, &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    long ns0 = 0, ns = 0;
    time_t t0 = 0;
    int status = 0, exited = 0;
    for (int i = 0; i < 20000 && !exited; i++) { /* at most ~200 s */
        if (!t0) {
            t0 = mtime_ns(ckpt, &ns0);
        } else {
            time_t t = mtime_ns(ckpt, &ns);
            if (t != t0 || ns != ns0)
                break; /* the second checkpoint is there */
        }
        exited = waitpid(pid, &status, WNOHANG) == pid;
        nanosleep(&(struct timespec){0, 10000000L}, NULL);
    }
    if (!exited) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    cr_assert_eq(access(ckpt, R_OK), 0, "no checkpoint was written");

    const char *resume[] = {"train", "--resume", ckpt, NULL};
    r = run(resume);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);

    jv *a = read_json(full_json), *b = read_json(json);
    assert_same_json(a, b, "json");
    cr_assert_str_eq(jv_get(b, "resumed_from")->string, ckpt);
    char *ca = csv_without_seconds(full_csv), *cb = csv_without_seconds(csv);
    cr_assert_str_eq(ca, cb);
    jv_free(a);
    jv_free(b);
    free(ca);
    free(cb);
    free(full_json);
    free(full_csv);
    free(json);
    free(csv);
    free(ckpt);
}

/* The first line of `text` starting with `prefix`, up to the first '%'. */
static char *percent_after(const char *text, const char *prefix)
{
    const char *p = strstr(text, prefix);
    cr_assert_not_null(p, "no '%s' in: %s", prefix, text);
    p += strlen(prefix);
    const char *q = strchr(p, '%');
    cr_assert_not_null(q);
    return strndup(p, (size_t)(q - p));
}

Test(resume, eval_model_reproduces_the_final_test_error)
{
    char *model = fx_path(dir, "m.ckpt");
    const char *train[] = {"train", COMMON, "--epochs", "2", "--rule", "fa", "--save", model,
                           NULL};
    tu_run_result r = run(train);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *want = percent_after(r.out, "final test error: ");
    char *want_loss = strndup(strstr(r.out, "test loss ") + 10, 7);
    tu_run_free(&r);
    const char *eval[] = {"eval", "--model", model, "--device", "ref", NULL};
    r = run(eval);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *got = percent_after(r.out, "test error: ");
    cr_assert_str_eq(got, want);
    cr_assert_not_null(strstr(r.out, want_loss), "%s lacks loss %s", r.out, want_loss);
    cr_assert_not_null(strstr(r.out, "rule fa"));
    tu_run_free(&r);

    /* A saved model has no data order: it cannot be resumed. */
    const char *res[] = {"train", "--resume", model, NULL};
    r = run(res);
    cr_assert_eq(r.status, 1);
    cr_assert_not_null(strstr(r.err, "holds no data order"), "%s", r.err);
    tu_run_free(&r);

    /* compare starts from it; network flags cannot be combined with it. */
    const char *cmp[] = {"compare", "--model", model, "--device", "ref", "--quiet", NULL};
    r = run(cmp);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    const char *cmp_bad[] = {"compare", "--model", model, "--lr", "0.1", NULL};
    r = run(cmp_bad);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "--lr cannot be given with --model"), "%s", r.err);
    tu_run_free(&r);
    const char *eval_none[] = {"eval", NULL};
    r = run(eval_none);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "--model FILE is required"), "%s", r.err);
    tu_run_free(&r);
    free(got);
    free(want);
    free(want_loss);
    free(model);
}

Test(resume, resume_refuses_contradictions_and_cleans_stale_temporaries)
{
    char *ckpt = fx_path(dir, "c.ckpt"), *stale = fx_path(dir, ".c.ckpt.tmpAbC123");
    const char *train[] = {"train", COMMON, "--epochs", "2", "--lr", "0.2", "--checkpoint",
                           ckpt, NULL};
    FILE *f = fopen(stale, "w");
    cr_assert_not_null(f);
    fclose(f);
    tu_run_result r = run(train);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    cr_assert_neq(access(stale, F_OK), 0, "the stale temporary file is still there");

    const char *contra[] = {"train", "--resume", ckpt, "--lr", "0.3", NULL};
    r = run(contra);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "--lr 0.3 contradicts the run saved in"), "%s", r.err);
    cr_assert_not_null(strstr(r.err, "made with --lr 0.2"), "%s", r.err);
    tu_run_free(&r);
    const char *contra2[] = {"train", "--resume", ckpt, "--rule", "fa", NULL};
    r = run(contra2);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "--rule fa contradicts"), "%s", r.err);
    tu_run_free(&r);

    /* The same flags are no contradiction; --epochs extends the run. */
    char *json = fx_path(dir, "more.json");
    const char *agree[] = {"train", "--resume", ckpt, "--lr", "0.20", "--hidden", "20",
                           "--epochs", "3", "--json", json, NULL};
    r = run(agree);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "3 epochs"), "%s", r.out);
    tu_run_free(&r);
    jv *j = read_json(json);
    cr_assert_eq(jv_get(j, "history")->n, 3);
    jv_free(j);

    const char *shorter[] = {"train", "--resume", ckpt, "--epochs", "1", NULL};
    r = run(shorter);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "has done 3 epochs already"), "%s", r.err);
    tu_run_free(&r);
    free(json);
    free(ckpt);
    free(stale);
}

/* A checkpoint of a network with a NaN in W_2 after two steps of epoch 1,
 * with the flags `burstccn train` would have saved. */
static void write_poisoned_checkpoint(const char *path)
{
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_eq(bcn_ctx_open_device(ctx, "ref"), BCN_OK);
    bcn_net_config cfg;
    bcn_net_config_init(&cfg, BCN_RULE_BURSTCCN);
    int hidden[] = {20};
    bcn_net_config_set_dense(&cfg, 784, 1, hidden, 10);
    cfg.input = (bcn_shape){1, 28, 28};
    bcn_net *net = NULL;
    cr_assert_eq(bcn_net_create(ctx, &cfg, &net), BCN_OK, "%s", bcn_errmsg(ctx));
    bcn_order order;
    cr_assert_eq(bcn_order_init(ctx, &order, 300, 32, cfg.seed), BCN_OK);
    float *x = calloc(32 * 784, sizeof *x), *t = calloc(32 * 10, sizeof *t);
    for (int s = 0; s < 2; s++) {
        const int *idx;
        cr_assert_eq(bcn_order_next(&order, &idx), 32);
        for (int i = 0; i < 32; i++) {
            t[i * 10 + idx[i] % 10] = 1.0f;
            x[i * 784 + idx[i]] = 1.0f;
        }
        cr_assert_eq(bcn_net_train_step(net, x, t, 32, NULL), BCN_OK);
    }
    float *w2 = malloc(20 * 10 * sizeof *w2);
    cr_assert_eq(bcn_net_get_param(net, BCN_PARAM_W, 2, w2), BCN_OK);
    w2[7] = NAN;
    cr_assert_eq(bcn_net_set_param(net, BCN_PARAM_W, 2, w2), BCN_OK);
    static const char app[] = "burstccn-train 1\n"
                              "flag data fashion-mnist\nflag device ref\n"
                              "flag train-limit 300\nflag test-limit 100\n"
                              "flag hidden 20\nflag epochs 2\npartial 0x1p-4\n";
    cr_assert_eq(bcn_net_save(net, &order, app, sizeof app - 1, path), BCN_OK, "%s",
                 bcn_errmsg(ctx));
    free(w2);
    free(x);
    free(t);
    bcn_order_free(&order);
    bcn_net_destroy(net);
    bcn_ctx_free(ctx);
}

Test(resume, nan_weights_stop_training_keeping_the_last_good_checkpoint)
{
    char *ckpt = fx_path(dir, "p.ckpt"), *csv = fx_path(dir, "d.csv");
    char *json = fx_path(dir, "d.json");
    write_poisoned_checkpoint(ckpt);
    size_t len0;
    char *before = slurp(ckpt, &len0);
    const char *res[] = {"train", "--resume", ckpt, "--checkpoint", ckpt, "--checkpoint-every",
                         "1", "--csv", csv, "--json", json, NULL};
    tu_run_result r = run(res);
    cr_assert_eq(r.status, 1, "exit %d: %s", r.status, r.err);
    cr_assert_not_null(strstr(r.err, "diverged at epoch 1, step 3 (train loss nan)"), "%s",
                       r.err);
    tu_run_free(&r);
    size_t len1;
    char *after = slurp(ckpt, &len1);
    cr_assert(len0 == len1 && memcmp(before, after, len0) == 0,
              "the last good checkpoint was overwritten");
    char *text = slurp(csv, NULL);
    cr_assert_not_null(strstr(text, "\n1,nan,"), "%s", text);
    free(text);
    jv *j = read_json(json);
    cr_assert_str_eq(jv_get(j, "status")->string, "diverged");
    cr_assert_eq(jv_get(j, "diverged_epoch")->number, 1);
    cr_assert_eq(jv_get(j, "diverged_step")->number, 3);
    cr_assert_eq(jv_get(j, "train_loss")->type, JV_NULL);
    jv_free(j);
    free(before);
    free(after);
    free(ckpt);
    free(csv);
    free(json);
}
