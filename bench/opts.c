/*
 * opts.c — burstccn-bench's options: one table that says which subcommands
 * take each flag, strict value parsing (common/args.h), per-subcommand
 * help, and the network configuration the options describe.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "atomic_file.h"
#include "bench.h"
#include "gemm_opt.h"
#include "netdesc.h"

enum {
    A = BENCH_CMD_ANGLES,
    C = BENCH_CMD_CURVES,
    T = BENCH_CMD_TIMING,
    L = BENCH_CMD_ALL,
    P = BENCH_CMD_PLOTS
};

typedef enum opt_id {
    O_DATA, O_TRAIN_LIMIT, O_TEST_LIMIT, O_HIDDEN, O_ARCH, O_INPUT, O_LR, O_P_BASELINE,
    O_Y_MODE, O_Y_SCALE, O_Y_LR, O_Q_MODE, O_Q_SCALE, O_Q_LR, O_SEED, O_BATCH, O_RULE, O_RULES,
    O_STEPS, O_EVERY, O_EPOCHS, O_EVALS, O_DEVICE, O_DEVICES, O_BATCHES, O_WIDTHS, O_DEPTH,
    O_REPS, O_WARMUP, O_TARGET, O_QUICK, O_CIFAR, O_OUT, O_PLOTS_DIR, O_NO_PLOTS, O_QUIET,
    O_HELP, O_MODEL,
    O_SAME_SETTINGS, O_TUNE, O_GEMM, O_COMPARE_BUILD
} opt_id;

typedef struct opt_def {
    opt_id id;
    const char *name;
    const char *arg;   /* NULL: a switch */
    unsigned cmds;
    const char *help;
} opt_def;

static const opt_def opt_table[] = {
    {O_DATA, "data", "SRC", A | C | L,
     "dataset: fashion-mnist (default), mnist, or a folder of MNIST-style IDX files"},
    {O_TRAIN_LIMIT, "train-limit", "N", A | C | L, "use the first N training images (0: all)"},
    {O_TEST_LIMIT, "test-limit", "N", C | L, "use the first N test images (0: all)"},
    {O_HIDDEN, "hidden", "LIST", A | C, "dense hidden widths (default 500,500,500)"},
    {O_ARCH, "arch", "ARCH", A | C | T,
     "hidden layers of any kind instead of --hidden: comma-separated conv:C:K[:S[:P]] "
     "(C channels, K x K kernel, stride S, padding P) and dense:N items, conv layers first; "
     "the dense output layer comes from the data (timing: 10 units). 'cifar' is the paper's "
     "CIFAR-10 net conv:64:5:2,conv:128:5:2,conv:256:3:1,dense:1480 (SPEC 10). timing: "
     "once per network to time, on random inputs; the dense networks of --widths and "
     "--depth are timed too when either is given"},
    {O_INPUT, "input", "CxHxW", T,
     "shape of the timed networks' random inputs (default 1x28x28, the IDX images; "
     "3x32x32 for --arch cifar)"},
    {O_LR, "lr", "X", A | C | T,
     "learning rate of every layer (default: each rule's authors', 0.3; Burstprop 3.2 hidden, "
     "0.32 output)"},
    {O_P_BASELINE, "p-baseline", "X", A | C | T,
     "baseline burst probability p_b (default 0.5; Burstprop 0.2)"},
    {O_Y_MODE, "y-mode", "M", A | C | T, "feedback Y: random (default), sym or tied"},
    {O_Y_SCALE, "y-scale", "X", A | C | T, "scale (std) of Y (default 0.5; Burstprop 1)"},
    {O_Y_LR, "y-lr", "X", A | C | T, "learning rate of Y (default 0: fixed)"},
    {O_Q_MODE, "q-mode", "M", A | C | T, "cancellation Q: sym (default), random, tied or wsym"},
    {O_Q_SCALE, "q-scale", "X", A | C | T, "scale of Q (default 1)"},
    {O_Q_LR, "q-lr", "X", A | C | T, "learning rate of Q (default 7.31e-4 for BurstCCN)"},
    {O_SEED, "seed", "N", A | C | T | L, "seed of the weights and the data order (default 1)"},
    {O_SAME_SETTINGS, "same-settings", NULL, A | C | T | L,
     "run every rule with BurstCCN's settings (lr 0.3, p_b 0.5, Y std 0.5, SGD) instead of "
     "each rule's own authors' (Burstprop: Payeur et al.'s p_b 0.2, lr 3.2/0.32, momentum "
     "0.8, weight decay 1e-6, Y std 1)"},
    {O_BATCH, "batch", "N", A | C, "minibatch size (default 32)"},
    {O_RULE, "rule", "R", A,
     "rule that trains the network: burstccn (default), burstprop, fa or backprop"},
    {O_RULES, "rules", "LIST", C | T, "rules to run (default burstccn,burstprop,fa,backprop)"},
    {O_MODEL, "model", "FILE", A,
     "start from the network saved in FILE (burstccn train --save or --checkpoint): its "
     "rule, configuration and weights; network flags cannot be given with it"},
    {O_STEPS, "steps", "N", A, "training steps (default 1000)"},
    {O_EVERY, "every", "K", A, "compare the rules every K steps (default 50)"},
    {O_EPOCHS, "epochs", "N", C, "epochs per rule (default 2)"},
    {O_EVALS, "evals-per-epoch", "N", C, "test-set evaluations per epoch (default 1)"},
    {O_DEVICE, "device", "SPEC", A | C | L,
     "device to train on: ref, cl, cl:P:D or part of a name (default: first OpenCL device, "
     "else ref)"},
    {O_DEVICES, "devices", "LIST", T | L, "devices to time (default: ref and every OpenCL device)"},
    {O_BATCHES, "batches", "LIST", T, "batch sizes (default 32; the first is the bar chart's)"},
    {O_WIDTHS, "widths", "LIST", T,
     "dense hidden widths (default 500; the first is the bar chart's)"},
    {O_DEPTH, "depth", "N", T, "dense hidden layers of the timed networks (default 3)"},
    {O_REPS, "reps", "N", T, "timed repetitions per configuration (default 5)"},
    {O_WARMUP, "warmup", "N", T, "untimed warm-up steps first (default 3)"},
    {O_TARGET, "target-time", "S", T, "seconds per repetition; sets the steps timed (default 0.25)"},
    {O_QUICK, "quick", NULL, L, "the one-minute version"},
    {O_CIFAR, "cifar", NULL, L,
     "also time the paper's CIFAR-10 net (BurstCCN, batch 32, random 3x32x32 inputs; about "
     "12 s more per device on a 2-core CPU)"},
    {O_OUT, "out", "DIR", A | C | T | L | P, "results folder (default results)"},
    {O_PLOTS_DIR, "plots-dir", "DIR", A | C | T | L | P, "folder of the gnuplot scripts"},
    {O_NO_PLOTS, "no-plots", NULL, A | C | T | L, "write the results but draw no figures"},
    {O_QUIET, "quiet", NULL, A | C | T | L, "no progress display"},
    {O_TUNE, "tune", "MODE", T | L,
     "tuned CLBlast GEMM parameters (OpenCL): auto (default) uses those `burstccn tune` "
     "cached for the device, force tunes for the first timed network first (up to 2 "
     "minutes per device), off uses CLBlast's own. timing also writes gemm_tune.csv "
     "(SGEMM rate per step shape, tuned vs untuned) and startup.csv"},
    {O_GEMM, "gemm", BCN_GEMM_OPT_META, A | C | T | L,
     BCN_GEMM_OPT_HELP ". timing: the steps run on it (timing.csv's gemm column says what "
     "ran); gemm_tune.csv times both engines whatever it is"},
    {O_COMPARE_BUILD, "compare-build", "DIR", T,
     "also time every configuration on DIR/burstccn-bench (another build, e.g. an older "
     "checkout's build/), alternating with this build one repetition at a time; both "
     "medians and their ratio go to compare.csv and summary.md. --gemm, when given, goes "
     "to DIR too (a build without --gemm gets BURSTCCN_GEMM in its environment instead)"},
    {O_HELP, "help", NULL, A | C | T | L | P, "this help"},
};
#define N_OPTS (sizeof opt_table / sizeof opt_table[0])

static const char *const rule_list = "burstccn, burstprop, fa, backprop";

/* The subcommand's name. */
static const char *cmd_name(unsigned cmd)
{
    switch (cmd) {
    case BENCH_CMD_ANGLES: return "angles";
    case BENCH_CMD_CURVES: return "curves";
    case BENCH_CMD_TIMING: return "timing";
    case BENCH_CMD_ALL: return "all";
    default: return "plots";
    }
}

/* One line of what the subcommand does. */
static const char *cmd_summary(unsigned cmd)
{
    switch (cmd) {
    case BENCH_CMD_ANGLES:
        return "train with one rule and, every K steps, measure the angle of every rule's "
               "update to backprop's (per layer and overall) and the W-Y and Y-Q angles";
    case BENCH_CMD_CURVES:
        return "train every rule from the same initial weights on the same data order and "
               "record train loss, train error and test error per epoch";
    case BENCH_CMD_TIMING:
        return "time a training step per device x rule x batch size x network (the dense "
               "hidden widths, the --arch networks), on random inputs, with the device's SGEMM "
               "rate at the same shapes";
    case BENCH_CMD_ALL:
        return "the main job: a reduced sweep of curves, angles and timing of the dense network "
               "and of a small conv network (about ten minutes on a 2-core CPU; --quick about "
               "one), then the figures and summary.md";
    default:
        return "redraw the figures and summary.md of a results folder";
    }
}

void bench_usage_cmd(FILE *out, unsigned cmd)
{
    fprintf(out, "usage: burstccn-bench %s [options]%s\n  %s\n\noptions:\n", cmd_name(cmd),
            cmd == BENCH_CMD_PLOTS ? " [DIR]" : "", cmd_summary(cmd));
    for (size_t i = 0; i < N_OPTS; i++) {
        const opt_def *d = &opt_table[i];
        if (!(d->cmds & cmd))
            continue;
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", d->name, d->arg ? " " : "", d->arg ? d->arg : "");
        fprintf(out, "  %-22s %s\n", left, d->help);
    }
}

void bench_opts_init(bench_opts *o, unsigned cmd)
{
    memset(o, 0, sizeof *o);
    o->cmd = cmd;
    snprintf(o->data, sizeof o->data, "fashion-mnist");
    o->n_hidden = 3;
    o->hidden[0] = o->hidden[1] = o->hidden[2] = 500;
    o->seed = 1;
    o->batch = 32;
    o->rule = BCN_RULE_BURSTCCN;
    o->rules = BCN_RULE_ALL;
    o->steps = 1000;
    o->every = 50;
    o->epochs = 2;
    o->evals_per_epoch = 1;
    o->n_batches = 1;
    o->batches[0] = 32;
    o->n_widths = 1;
    o->widths[0] = 500;
    o->depth = 3;
    o->reps = 5;
    o->warmup = 3;
    o->target_s = 0.25;
    o->input = (bcn_shape){1, 28, 28};
    snprintf(o->out, sizeof o->out, "results");
}

/* Parse a comma-separated list of rule names into a mask. */
static int parse_rules(const char *text, unsigned *mask, char *err, size_t errlen)
{
    char **items = NULL;
    int n = 0;
    if (bcn_arg_str_list("--rules", text, BCN_RULE_COUNT * 2, &items, &n, err, errlen) != 0)
        return -1;
    unsigned m = 0;
    for (int i = 0; i < n; i++) {
        bcn_rule r;
        if (bcn_rule_parse(items[i], &r) != BCN_OK) {
            snprintf(err, errlen, "--rules: '%s' is not a rule (%s)", items[i], rule_list);
            free(items);
            return -1;
        }
        m |= BCN_RULE_BIT(r);
    }
    free(items);
    *mask = m;
    return 0;
}

/* Copy a string value into a fixed buffer; -1 if it is empty or too long. */
static int copy_value(const char *flag, const char *value, char *dst, size_t len, char *err,
                      size_t errlen)
{
    if (!*value || strlen(value) >= len) {
        snprintf(err, errlen, "--%s: '%s' is %s", flag, value, *value ? "too long" : "empty");
        return -1;
    }
    memcpy(dst, value, strlen(value) + 1);
    return 0;
}

/* Check an --arch value with the library's parser and keep it. */
static int parse_arch(const char *text, char *dst, size_t len, char *err, size_t errlen)
{
    bcn_ctx *ctx = bcn_ctx_new();
    bcn_net_config cfg;
    bcn_net_config_init(&cfg, BCN_RULE_BURSTCCN);
    int rc = -1;
    if (!ctx)
        snprintf(err, errlen, "--arch: out of memory");
    else if (bcn_net_config_set_arch(ctx, &cfg, text) != BCN_OK)
        snprintf(err, errlen, "--arch: %s", bcn_errmsg(ctx));
    else
        rc = copy_value("arch", text, dst, len, err, errlen);
    bcn_ctx_free(ctx);
    return rc;
}

/* "CxHxW" (three positive integers) into a shape. */
static int parse_shape(const char *flag, const char *text, bcn_shape *out, char *err,
                       size_t errlen)
{
    int v[3], k = 0;
    const char *p = text;
    char item[32];
    for (; k < 3; k++) {
        size_t len = strcspn(p, "x");
        if (len == 0 || len >= sizeof item || (k < 2) != (p[len] == 'x'))
            break;
        memcpy(item, p, len);
        item[len] = '\0';
        if (bcn_arg_int(flag, item, 1, 1 << 16, &v[k], err, errlen) != 0)
            return -1;
        p += len + (k < 2);
    }
    if (k < 3 || *p) {
        snprintf(err, errlen, "%s: '%s' is not a shape CxHxW (e.g. 3x32x32)", flag, text);
        return -1;
    }
    *out = (bcn_shape){v[0], v[1], v[2]};
    return 0;
}

/* Apply one option with its value (NULL for switches). 0 or -1 with err. */
static int apply(bench_opts *o, const opt_def *d, const char *v, char *err, size_t n)
{
    char flag[40];
    snprintf(flag, sizeof flag, "--%s", d->name);
    switch (d->id) {
    case O_DATA: return copy_value(d->name, v, o->data, sizeof o->data, err, n);
    case O_TRAIN_LIMIT: return bcn_arg_int(flag, v, 0, 100000000, &o->train_limit, err, n);
    case O_TEST_LIMIT: return bcn_arg_int(flag, v, 0, 100000000, &o->test_limit, err, n);
    case O_HIDDEN:
        o->hidden_set = 1;
        return bcn_arg_int_list(flag, v, 1, 1 << 16, o->hidden, BCN_MAX_LAYERS - 1, &o->n_hidden,
                                err, n);
    case O_ARCH:
        if (o->n_arch == (o->cmd == BENCH_CMD_TIMING ? BENCH_MAX_ARCH : 1)) {
            snprintf(err, n, "--arch: give it %s", o->cmd == BENCH_CMD_TIMING
                                                       ? "at most 4 times"
                                                       : "once (only timing times several "
                                                         "networks)");
            return -1;
        }
        if (parse_arch(v, o->arch[o->n_arch], sizeof o->arch[0], err, n) != 0)
            return -1;
        o->n_arch++;
        return 0;
    case O_INPUT: o->input_set = 1; return parse_shape(flag, v, &o->input, err, n);
    case O_LR: o->lr.set = 1; return bcn_arg_float(flag, v, 0.0, 1e3, &o->lr.value, err, n);
    case O_P_BASELINE:
        o->p_baseline.set = 1;
        if (bcn_arg_float(flag, v, 0.0, 1.0, &o->p_baseline.value, err, n) != 0)
            return -1;
        if (o->p_baseline.value <= 0.0f || o->p_baseline.value >= 1.0f) {
            snprintf(err, n, "%s: '%s' is out of range (must be > 0 and < 1)", flag, v);
            return -1;
        }
        return 0;
    case O_Y_SCALE:
        o->y_scale.set = 1;
        return bcn_arg_float(flag, v, 0.0, 1e3, &o->y_scale.value, err, n);
    case O_Y_LR: o->y_lr.set = 1; return bcn_arg_float(flag, v, 0.0, 1e3, &o->y_lr.value, err, n);
    case O_Q_SCALE:
        o->q_scale.set = 1;
        return bcn_arg_float(flag, v, 0.0, 1e3, &o->q_scale.value, err, n);
    case O_Q_LR: o->q_lr.set = 1; return bcn_arg_float(flag, v, 0.0, 1e3, &o->q_lr.value, err, n);
    case O_Y_MODE:
    case O_Q_MODE: {
        bcn_fb_mode m;
        if (bcn_fb_mode_parse(v, &m) != BCN_OK || (d->id == O_Y_MODE && m == BCN_FB_WSYM)) {
            snprintf(err, n, "%s: '%s' is not a mode (%s)", flag, v,
                     d->id == O_Y_MODE ? "random, sym, tied" : "random, sym, tied, wsym");
            return -1;
        }
        if (d->id == O_Y_MODE) {
            o->y_mode = m;
            o->y_mode_set = 1;
        } else {
            o->q_mode = m;
            o->q_mode_set = 1;
        }
        return 0;
    }
    case O_SEED: {
        long s = 0;
        if (bcn_arg_long(flag, v, 0, 2147483647L, &s, err, n) != 0)
            return -1;
        o->seed = (unsigned long long)s;
        return 0;
    }
    case O_BATCH: return bcn_arg_int(flag, v, 1, 1 << 16, &o->batch, err, n);
    case O_MODEL: return copy_value(d->name, v, o->model, sizeof o->model, err, n);
    case O_RULE:
        o->rule_set = 1;
        if (bcn_rule_parse(v, &o->rule) != BCN_OK) {
            snprintf(err, n, "--rule: '%s' is not a rule (%s)", v, rule_list);
            return -1;
        }
        return 0;
    case O_RULES: return parse_rules(v, &o->rules, err, n);
    case O_STEPS: return bcn_arg_int(flag, v, 1, 100000000, &o->steps, err, n);
    case O_EVERY: return bcn_arg_int(flag, v, 1, 100000000, &o->every, err, n);
    case O_EPOCHS: return bcn_arg_int(flag, v, 1, 100000, &o->epochs, err, n);
    case O_EVALS: return bcn_arg_int(flag, v, 1, 1000, &o->evals_per_epoch, err, n);
    case O_DEVICE: return copy_value(d->name, v, o->device, sizeof o->device, err, n);
    case O_DEVICES: {
        char **items = NULL;
        if (bcn_arg_str_list(flag, v, BENCH_MAX_LIST, &items, &o->n_devices, err, n) != 0)
            return -1;
        int rc = 0;
        for (int i = 0; i < o->n_devices && rc == 0; i++)
            rc = copy_value(d->name, items[i], o->devices[i], sizeof o->devices[i], err, n);
        free(items);
        return rc;
    }
    case O_BATCHES:
        return bcn_arg_int_list(flag, v, 1, 1 << 16, o->batches, BENCH_MAX_LIST, &o->n_batches,
                                err, n);
    case O_WIDTHS:
        o->widths_set = 1;
        return bcn_arg_int_list(flag, v, 1, 1 << 16, o->widths, BENCH_MAX_LIST, &o->n_widths, err,
                                n);
    case O_DEPTH:
        o->depth_set = 1;
        return bcn_arg_int(flag, v, 1, BCN_MAX_LAYERS - 1, &o->depth, err, n);
    case O_REPS: return bcn_arg_int(flag, v, 1, 1000, &o->reps, err, n);
    case O_WARMUP: return bcn_arg_int(flag, v, 0, 100000, &o->warmup, err, n);
    case O_TARGET: return bcn_arg_double(flag, v, 1e-4, 3600.0, &o->target_s, err, n);
    case O_QUICK: o->quick = 1; return 0;
    case O_CIFAR: o->cifar = 1; return 0;
    case O_OUT: return copy_value(d->name, v, o->out, sizeof o->out, err, n);
    case O_PLOTS_DIR: return copy_value(d->name, v, o->plots_dir, sizeof o->plots_dir, err, n);
    case O_NO_PLOTS: o->no_plots = 1; return 0;
    case O_QUIET: o->quiet = 1; return 0;
    case O_TUNE:
        if (bcn_tune_mode_parse(v, &o->tune) != BCN_OK) {
            snprintf(err, n, "%s: expected auto, force or off, got '%s'", flag, v);
            return -1;
        }
        return 0;
    case O_GEMM: return bcn_arg_gemm(flag, v, &o->gemm, err, n);
    case O_HELP: return 0;
    case O_SAME_SETTINGS: o->same_settings = 1; return 0;
    case O_COMPARE_BUILD:
        return copy_value(d->name, v, o->compare_build, sizeof o->compare_build, err, n);
    }
    return 0;
}

int bench_arch_is_cifar(const char *arch)
{
    bcn_net_config a, b;
    bcn_net_config_init(&a, BCN_RULE_BURSTCCN);
    b = a;
    if (!arch || !*arch || bcn_net_config_set_arch(NULL, &a, arch) != BCN_OK ||
        bcn_net_config_set_arch(NULL, &b, "cifar") != BCN_OK || a.n_layers != b.n_layers)
        return 0;
    return memcmp(a.layers, b.layers, sizeof a.layers) == 0;
}

/* The input shape of a timed network: --input, else the CIFAR-10 net's
 * 3x32x32 or the IDX images' 1x28x28. */
bcn_shape bench_timing_input(const bench_opts *o, const char *arch)
{
    if (o->input_set)
        return o->input;
    return bench_arch_is_cifar(arch) ? (bcn_shape){3, 32, 32} : (bcn_shape){1, 28, 28};
}

/* Options that contradict each other, and the timed networks' geometry
 * (their inputs are known now; angles and curves check theirs against the
 * data). 0, or -1 with err. */
static int check_combination(bench_opts *o, char *err, size_t errlen)
{
    if (o->n_arch && o->hidden_set) {
        snprintf(err, errlen, "--arch and --hidden both describe the hidden layers: give one");
        return -1;
    }
    if (o->model[0] && (o->n_arch || o->hidden_set || o->rule_set || o->lr.set ||
                        o->p_baseline.set || o->y_scale.set || o->y_lr.set || o->q_scale.set ||
                        o->q_lr.set || o->y_mode_set || o->q_mode_set)) {
        snprintf(err, errlen,
                 "--model: the network (rule, layers and settings) comes from '%.800s'; give "
                 "no network flags with it",
                 o->model);
        return -1;
    }
    for (int a = 0; o->cmd == BENCH_CMD_TIMING && a < o->n_arch; a++) {
        bcn_net_config cfg;
        bench_opts one = *o;
        bcn_shape in = bench_timing_input(o, o->arch[a]);
        snprintf(one.arch[0], sizeof one.arch[0], "%s", o->arch[a]);
        one.n_arch = 1;
        if (bench_net_config(&one, BCN_RULE_BURSTCCN, in, 10, &cfg, err, errlen) != 0)
            return -1;
        bcn_ctx *ctx = bcn_ctx_new();
        int rc = 0;
        if (ctx && bcn_net_config_check(ctx, &cfg) != BCN_OK) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", bcn_errmsg(ctx));
            bench_fields_to_flags(msg, sizeof msg);
            snprintf(err, errlen, "--arch %.200s does not fit the %dx%dx%d input: %.400s",
                     o->arch[a], in.c, in.h, in.w, msg);
            rc = -1;
        }
        bcn_ctx_free(ctx);
        if (rc != 0)
            return -1;
    }
    return 0;
}

void bench_fields_to_flags(char *msg, size_t size)
{
    const char *names[N_OPTS];
    for (size_t k = 0; k < N_OPTS; k++)
        names[k] = opt_table[k].name;
    bcn_arg_fields_to_flags(msg, size, names, N_OPTS);
}

/* Prove the results folder writable before any work: create it (except
 * for `plots`, which reads an existing one and says so when it is not),
 * then a temporary file in it. 0, or -1 with err naming --out. */
static int probe_outputs(const bench_opts *o, char *err, size_t errlen)
{
    char why[1024], path[4200];
    struct stat sb;
    if (o->cmd == BENCH_CMD_PLOTS && (stat(o->out, &sb) != 0 || !S_ISDIR(sb.st_mode)))
        return 0;
    if (bench_mkdirs(o->out, why, sizeof why) != 0 ||
        bench_path(path, sizeof path, o->out, "summary.md") != 0 ||
        bcn_atomic_probe(path, why, sizeof why) != 0) {
        snprintf(err, errlen, "--out: %.1000s", why);
        return -1;
    }
    return 0;
}

int bench_opts_parse(bench_opts *o, int argc, char **argv, int first)
{
    char err[1024];
    int positional = 0;
    unsigned char seen[N_OPTS] = {0};
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            /* `plots` takes the results folder as its one positional argument. */
            if (o->cmd == BENCH_CMD_PLOTS && !positional && a[0] != '-') {
                if (copy_value("out", a, o->out, sizeof o->out, err, sizeof err) != 0)
                    goto usage;
                positional = 1;
                continue;
            }
            snprintf(err, sizeof err, "unexpected argument '%s'", a);
            goto usage;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        const opt_def *d = NULL;
        for (size_t k = 0; k < N_OPTS && !d; k++)
            if (strlen(opt_table[k].name) == nlen && strncmp(opt_table[k].name, name, nlen) == 0)
                d = &opt_table[k];
        if (!d || !(d->cmds & o->cmd)) {
            snprintf(err, sizeof err, "%s option '%.*s'", d ? "the subcommand takes no" : "unknown",
                     (int)(nlen + 2), a);
            goto usage;
        }
        if (d->id == O_HELP) {
            bench_usage_cmd(stdout, o->cmd);
            return 3;
        }
        /* Every flag once; --arch is a list that timing takes up to 4 times. */
        char flag[40];
        snprintf(flag, sizeof flag, "--%s", d->name);
        if (d->id != O_ARCH && bcn_arg_once(flag, &seen[d - opt_table], err, sizeof err) != 0)
            goto usage;
        const char *value = NULL;
        if (d->arg) {
            if (eq)
                value = eq + 1;
            else if (i + 1 < argc)
                value = argv[++i];
            else {
                snprintf(err, sizeof err, "--%s needs a value (%s)", d->name, d->arg);
                goto usage;
            }
        } else if (eq) {
            snprintf(err, sizeof err, "--%s takes no value", d->name);
            goto usage;
        }
        if (apply(o, d, value, err, sizeof err) != 0)
            goto usage;
    }
    if (check_combination(o, err, sizeof err) != 0)
        goto usage;
    if (probe_outputs(o, err, sizeof err) != 0) {
        fprintf(stderr, "burstccn-bench %s: %s\n", cmd_name(o->cmd), err);
        return BENCH_EXIT_FAIL;
    }
    return 0;
usage:
    fprintf(stderr, "burstccn-bench %s: %s\n(see burstccn-bench %s --help)\n", cmd_name(o->cmd),
            err, cmd_name(o->cmd));
    return BENCH_EXIT_USAGE;
}

int bench_net_config(const bench_opts *o, bcn_rule rule, bcn_shape input, int n_out,
                     bcn_net_config *cfg, char *err, size_t errlen)
{
    if (o->same_settings)
        bcn_net_config_init_shared(cfg, rule);
    else
        bcn_net_config_init(cfg, rule);
    bcn_net_config_set_dense(cfg, input.c * input.h * input.w, o->n_hidden, o->hidden, n_out);
    cfg->input = input; /* a dense first layer reads it flattened */
    if (o->n_arch > 0) {
        bcn_ctx *ctx = bcn_ctx_new();
        bcn_status st = ctx ? bcn_net_config_set_arch(ctx, cfg, o->arch[0]) : BCN_ERR_NOMEM;
        if (st != BCN_OK)
            snprintf(err, errlen, "--arch: %s", ctx ? bcn_errmsg(ctx) : "out of memory");
        bcn_ctx_free(ctx);
        if (st != BCN_OK)
            return -1;
    }
    if (o->lr.set)
        bcn_net_config_set_lr(cfg, o->lr.value);
    if (o->p_baseline.set)
        cfg->p_baseline = o->p_baseline.value;
    if (o->y_mode_set)
        cfg->y_mode = o->y_mode;
    if (o->y_scale.set)
        cfg->y_scale = o->y_scale.value;
    if (o->y_lr.set)
        cfg->y_lr = o->y_lr.value;
    if (o->q_mode_set)
        cfg->q_mode = o->q_mode;
    if (o->q_scale.set)
        cfg->q_scale = o->q_scale.value;
    if (o->q_lr.set)
        cfg->q_lr = o->q_lr.value;
    cfg->seed = o->seed;
    return 0;
}

