/*
 * options.c — the flags of `burstccn train` and `burstccn compare`: one
 * table gives each flag's name, value, subcommands and meaning; the parser
 * reads argv strictly (unknown flags, missing and bad values are usage
 * errors naming the flag and value) and the help is printed from the same
 * table, with the defaults of the chosen rule (bcn_net_config_init).
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "gemm_opt.h"

enum opt_key {
    O_MODEL, O_RULE, O_DATA, O_DEVICE, O_TRAIN_LIMIT, O_TEST_LIMIT, O_VALIDATION, O_NORMALIZE, O_AUGMENT,
    O_DATA_ON_DEVICE,
    O_HIDDEN, O_ARCH, O_EPOCHS, O_STEPS, O_BATCH, O_LR, O_OPTIMIZER, O_MOMENTUM,
    O_ADAM_BETA1, O_ADAM_BETA2, O_ADAM_EPS, O_WEIGHT_DECAY, O_SEED,
    O_P_BASELINE, O_ERROR_SCALE, O_Y_MODE, O_Y_SCALE, O_Y_LR, O_Q_MODE,
    O_Q_SCALE, O_Q_LR, O_CONV_FB, O_RECURRENT, O_R_SCALE, O_R_LR,
    O_SAME_SETTINGS,
    O_JSON, O_CSV, O_CHECKPOINT, O_CHECKPOINT_EVERY, O_SAVE, O_RESUME,
    O_QUIET, O_TUNE, O_GEMM, O_HELP, O_COUNT
};
_Static_assert(O_COUNT <= CLI_MAX_OPTS, "cli_settings.flag_val is too small");

#define BOTH (CLI_CMD_TRAIN | CLI_CMD_COMPARE)
#define TRAIN CLI_CMD_TRAIN
#define COMPARE CLI_CMD_COMPARE
#define EVAL CLI_CMD_EVAL
#define ALL (BOTH | EVAL)

typedef struct opt {
    const char *name;  /* without the leading "--" */
    const char *meta;  /* value placeholder; NULL for a switch */
    unsigned cmds;     /* subcommands that take it */
    const char *group; /* help section it starts, or NULL */
    const char *help;
} opt;

static const opt opts[O_COUNT] = {
    [O_RULE] = {"rule", "RULE", BOTH, "Rule and data",
                "learning rule: burstccn, burstprop, fa or backprop"},
    [O_DATA] = {"data", "SRC", ALL, NULL,
                "fashion-mnist, mnist, cifar10:DIR (CIFAR-10's binary version: "
                "data_batch_1..5.bin and test_batch.bin), or a directory holding either those "
                "or train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
                "t10k-labels-idx1-ubyte (each may be .gz)"},
    [O_DEVICE] = {"device", "DEV", ALL, NULL,
                  "ref, cl, cl:P:D or a device-name substring (see `burstccn devices`)"},
    [O_TRAIN_LIMIT] = {"train-limit", "N", BOTH, NULL,
                       "use only the first N training examples (0: all)"},
    [O_TEST_LIMIT] = {"test-limit", "N", ALL, NULL, "use only the first N test examples (0: all)"},
    [O_VALIDATION] = {"validation", "N", TRAIN, NULL,
                      "hold out the last N training examples as a validation set (0: none)"},
    [O_NORMALIZE] = {"normalize", "on|off", ALL, NULL,
                     "per-channel normalisation of CIFAR-10 images, mean (0.485, 0.456, 0.406) "
                     "and std (0.229, 0.224, 0.225) (SPEC 10; default on for CIFAR-10; IDX "
                     "images stay in [0, 1])"},
    [O_AUGMENT] = {"augment", "on|off", BOTH, NULL,
                   "random 32x32 crop of each training image zero-padded by 4 and a random "
                   "horizontal flip (SPEC 10; any image size), drawn from --seed (default on for "
                   "CIFAR-10, off otherwise)"},
    [O_DATA_ON_DEVICE] = {"data-on-device", "auto|on|off", TRAIN, NULL,
                          "upload the whole data set to the device once and gather each "
                          "minibatch there (the same results, less traffic). auto: when the "
                          "run does not augment, runs in one process and the data fits, else "
                          "the host gathers (said on stderr when the data does not fit); on: "
                          "insist; off: the host gathers"},
    [O_HIDDEN] = {"hidden", "N,N,...", BOTH, "Network and training",
                  "dense hidden layer widths, or 'none' (input size and classes come from the "
                  "data)"},
    [O_ARCH] = {"arch", "ARCH", BOTH, NULL,
                "hidden layers of any kind instead of --hidden: comma-separated conv:C:K[:S[:P]] "
                "(C channels, K x K kernel, stride S, padding P) and dense:N items, conv layers "
                "first; the dense output layer comes from the data. 'cifar' is the paper's "
                "CIFAR-10 net conv:64:5:2,conv:128:5:2,conv:256:3:1,dense:1480 (SPEC 10)"},
    [O_EPOCHS] = {"epochs", "N", TRAIN, NULL, "passes over the training set"},
    [O_STEPS] = {"steps", "N", COMPARE, NULL,
                 "training steps (of --rule) before the comparison batch"},
    [O_BATCH] = {"batch", "N", BOTH, NULL, "minibatch size"},
    [O_LR] = {"lr", "LR[,LR...]", BOTH, NULL,
              "learning rate of W and c: one value, or one per weight layer (input side first)"},
    [O_OPTIMIZER] = {"optimizer", "OPT", BOTH, NULL, "sgd, momentum or adam"},
    [O_MOMENTUM] = {"momentum", "M", BOTH, NULL,
                    "momentum coefficient in [0, 1); giving it alone selects --optimizer momentum "
                    "(whose momentum is 0.9 when not given)"},
    [O_ADAM_BETA1] = {"adam-beta1", "B", BOTH, NULL, "Adam's beta1 in [0, 1)"},
    [O_ADAM_BETA2] = {"adam-beta2", "B", BOTH, NULL, "Adam's beta2 in [0, 1)"},
    [O_ADAM_EPS] = {"adam-eps", "E", BOTH, NULL, "Adam's epsilon (> 0)"},
    [O_WEIGHT_DECAY] = {"weight-decay", "WD", BOTH, NULL,
                        "decoupled weight decay in [0, 1): W <- W - lr g - WD W, and the same "
                        "for c except Burstprop's (SPEC 6)"},
    [O_SEED] = {"seed", "S", BOTH, NULL,
                "seed of the initial weights and of the data order (any integer >= 0)"},
    [O_P_BASELINE] = {"p-baseline", "P", BOTH, "Burst model (SPEC 5-7)",
                      "baseline burst probability p_b, strictly between 0 and 1"},
    [O_ERROR_SCALE] = {"error-scale", "S", BOTH, NULL,
                       "output burst gain s: p_L = p_b (1 + s (t - e)(1 - e))"},
    [O_Y_MODE] = {"y-mode", "MODE", BOTH, NULL,
                  "feedback weights Y: random (normal, std --y-scale), sym (--y-scale W at "
                  "start) or tied (--y-scale W after every update)"},
    [O_Y_SCALE] = {"y-scale", "S", BOTH, NULL, "std (random) or factor (sym, tied) of Y, >= 0"},
    [O_Y_LR] = {"y-lr", "LR", BOTH, NULL, "learning rate of Y (0: Y fixed)"},
    [O_Q_MODE] = {"q-mode", "MODE", BOTH, NULL,
                  "interneuron weights Q: sym (p_b Y at start), tied (p_b Y after every "
                  "update), random (normal, std --q-scale) or wsym (p_b --q-scale W)"},
    [O_Q_SCALE] = {"q-scale", "S", BOTH, NULL, "std (random) or factor (wsym) of Q, >= 0"},
    [O_Q_LR] = {"q-lr", "LR", BOTH, NULL, "learning rate of Q (0: Q fixed)"},
    [O_CONV_FB] = {"conv-feedback-learning", "on|off", BOTH, NULL,
                   "let --y-lr and --q-lr learn the Y and Q of conv layers too (SPEC 12; the "
                   "authors keep them fixed)"},
    [O_RECURRENT] = {"recurrent", "on|off", BOTH, NULL,
                     "Burstprop's recurrent input R (normal, std --r-scale)"},
    [O_R_SCALE] = {"r-scale", "S", BOTH, NULL, "std of R's initial normal draws, >= 0"},
    [O_R_LR] = {"r-lr", "LR", BOTH, NULL,
                "learning rate of R (0: R fixed); R's gradient is summed over the batch, as "
                "the authors' (SPEC 6)"},
    [O_SAME_SETTINGS] = {"same-settings", NULL, BOTH, "Settings",
                         "start every rule from BurstCCN's settings (lr 0.3, p_b 0.5, Y std "
                         "0.5, SGD) instead of its own authors'; only the rule's own parts "
                         "differ (Burstprop's R, BurstCCN's learnt Q)"},
    [O_JSON] = {"json", "FILE", ALL, "Output",
                "write a JSON summary to FILE (atomically)"},
    [O_CSV] = {"csv", "FILE", TRAIN, NULL,
               "write one CSV row per epoch to FILE (atomically, rewritten after each epoch)"},
    [O_CHECKPOINT] = {"checkpoint", "FILE", TRAIN, NULL,
                      "save the whole training state to FILE (atomically) at the end of every "
                      "epoch, and every --checkpoint-every steps; continue with --resume FILE"},
    [O_CHECKPOINT_EVERY] = {"checkpoint-every", "N", TRAIN, NULL,
                            "with --checkpoint, save also every N training steps"},
    [O_SAVE] = {"save", "FILE", TRAIN, NULL,
                "save the trained network to FILE at the end (for eval, compare --model)"},
    [O_RESUME] = {"resume", "FILE", TRAIN, NULL,
                  "continue the run saved in the checkpoint FILE exactly where it stopped; "
                  "its configuration comes from the file: only --epochs (to extend it), "
                  "--device (to move it), --data (the same examples elsewhere), "
                  "--data-on-device, --tune, --gemm and the outputs may be given anew, any other flag must "
                  "agree with the file"},
    [O_MODEL] = {"model", "FILE", COMPARE | EVAL, "Saved network",
                 "the network (configuration and weights) saved by train --save or "
                 "--checkpoint; network flags cannot be given with it"},
    [O_QUIET] = {"quiet", NULL, ALL, NULL, "print only the final result"},
    [O_TUNE] = {"tune", "auto|force|off", ALL, NULL,
                "tuned CLBlast GEMM parameters (OpenCL): auto uses those cached by `burstccn "
                "tune` for the device, force tunes for this network first (up to 2 minutes), "
                "off uses CLBlast's own"},
    [O_GEMM] = {"gemm", BCN_GEMM_OPT_META, ALL, NULL,
                BCN_GEMM_OPT_HELP "; with --resume it may change (it is not part of the "
                "model)"},
    [O_HELP] = {"help", NULL, ALL, NULL, "show this help (also -h)"},
};

/* Print a usage error naming the subcommand; returns CLI_EXIT_USAGE. */
static int usage_error(const char *cmd_name, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static int usage_error(const char *cmd_name, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "burstccn %s: ", cmd_name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'burstccn %s --help'.\n", cmd_name);
    return CLI_EXIT_USAGE;
}

/* The default shown in the help for option k, given the rule's config. */
static void default_text(int k, const bcn_net_config *c, char *buf, size_t len)
{
    buf[0] = '\0';
    switch (k) {
    case O_RULE: snprintf(buf, len, "burstccn"); break;
    case O_DATA: snprintf(buf, len, "fashion-mnist"); break;
    case O_DEVICE: snprintf(buf, len, "the first OpenCL device, else ref"); break;
    case O_NORMALIZE: case O_AUGMENT: snprintf(buf, len, "on for CIFAR-10"); break;
    case O_DATA_ON_DEVICE: snprintf(buf, len, "auto"); break;
    case O_TRAIN_LIMIT: case O_TEST_LIMIT: case O_VALIDATION: case O_STEPS:
        snprintf(buf, len, "0");
        break;
    case O_HIDDEN: {
        size_t used = 0;
        for (int l = 1; l < c->n_layers && used < len; l++)
            used += (size_t)snprintf(buf + used, len - used, "%s%d", l > 1 ? "," : "",
                                     c->layers[l - 1].units);
        if (c->n_layers == 1)
            snprintf(buf, len, "none");
        break;
    }
    case O_CONV_FB: snprintf(buf, len, "%s", c->conv_feedback_learning ? "on" : "off"); break;
    case O_EPOCHS: snprintf(buf, len, "10"); break;
    case O_BATCH: snprintf(buf, len, "32"); break;
    case O_TUNE: snprintf(buf, len, "auto"); break;
    case O_LR:
        if (c->lr[c->n_layers - 1] != c->lr[0])
            snprintf(buf, len, "%g hidden, %g output", (double)c->lr[0],
                     (double)c->lr[c->n_layers - 1]);
        else
            snprintf(buf, len, "%g", (double)c->lr[0]);
        break;
    case O_OPTIMIZER: snprintf(buf, len, "%s", bcn_optimizer_str(c->optimizer)); break;
    case O_MOMENTUM: snprintf(buf, len, "%g", (double)c->momentum); break;
    case O_ADAM_BETA1: snprintf(buf, len, "%g", (double)c->adam_beta1); break;
    case O_ADAM_BETA2: snprintf(buf, len, "%g", (double)c->adam_beta2); break;
    case O_ADAM_EPS: snprintf(buf, len, "%g", (double)c->adam_eps); break;
    case O_WEIGHT_DECAY: snprintf(buf, len, "%g", (double)c->weight_decay); break;
    case O_SEED: snprintf(buf, len, "%llu", (unsigned long long)c->seed); break;
    case O_P_BASELINE: snprintf(buf, len, "%g", (double)c->p_baseline); break;
    case O_ERROR_SCALE: snprintf(buf, len, "%g", (double)c->error_scale); break;
    case O_Y_MODE: snprintf(buf, len, "%s", bcn_fb_mode_str(c->y_mode)); break;
    case O_Y_SCALE: snprintf(buf, len, "%g", (double)c->y_scale); break;
    case O_Y_LR: snprintf(buf, len, "%g", (double)c->y_lr); break;
    case O_Q_MODE: snprintf(buf, len, "%s", bcn_fb_mode_str(c->q_mode)); break;
    case O_Q_SCALE: snprintf(buf, len, "%g", (double)c->q_scale); break;
    case O_Q_LR: snprintf(buf, len, "%g", (double)c->q_lr); break;
    case O_RECURRENT: snprintf(buf, len, "%s", c->recurrent ? "on" : "off"); break;
    case O_R_SCALE: snprintf(buf, len, "%g", (double)c->r_scale); break;
    case O_R_LR: snprintf(buf, len, "%g", (double)c->r_lr); break;
    default: break;
    }
}

/* Print `text` wrapped at ~78 columns, continuation lines indented. */
static void print_wrapped(FILE *out, const char *text, int col, int indent)
{
    const int width = 78;
    const char *p = text;
    while (*p) {
        int room = width - col;
        int n = (int)strlen(p);
        if (n > room) {
            int cut = room;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = room;
            n = cut;
        }
        fprintf(out, "%.*s", n, p);
        p += n;
        while (*p == ' ')
            p++;
        if (*p) {
            fprintf(out, "\n%*s", indent, "");
            col = indent;
        }
    }
    fputc('\n', out);
}

void cli_print_help(unsigned cmd, const char *cmd_name, bcn_rule rule, int same_settings,
                    FILE *out)
{
    bcn_net_config c;
    if (same_settings)
        bcn_net_config_init_shared(&c, rule);
    else
        bcn_net_config_init(&c, rule);
    fprintf(out, "Usage: burstccn %s [OPTIONS]\n\n", cmd_name);
    if (cmd == CLI_CMD_TRAIN)
        print_wrapped(out,
                      "Train a sigmoid network (dense, or convolutional with --arch) with one "
                      "learning rule on an MNIST-style dataset or CIFAR-10. Each epoch prints the training loss and error, the test error "
                      "and loss (and the validation error with --validation) and the seconds "
                      "the epoch's training took; a progress bar is drawn on a terminal. The "
                      "final test error is printed at the end.",
                      0, 0);
    else if (cmd == CLI_CMD_EVAL)
        print_wrapped(out,
                      "Evaluate a network saved by `burstccn train --save` (or a "
                      "--checkpoint) on the test set: prints the test error and loss. The data "
                      "flags default to those the network was trained with.",
                      0, 0);
    else
        print_wrapped(out,
                      "Build a network (optionally train it for --steps steps), take one "
                      "minibatch and, on the same weights, compute the update of every rule. "
                      "Prints per layer and globally the angle of each rule's weight update to "
                      "backprop's, the update norms, and the weight angles W(l+1)-Y(l) and "
                      "Y(l)-Q(l). 'n/a' marks an angle with a zero-norm vector.",
                      0, 0);
    char note[400];
    if (same_settings)
        snprintf(note, sizeof note,
                 "Defaults are BurstCCN's authors' settings, used for --rule %s because of "
                 "--same-settings.",
                 bcn_rule_str(rule));
    else
        snprintf(note, sizeof note,
                 "Defaults are the authors' settings for --rule %s (give --rule R --help to see "
                 "another rule's; each rule has its own: Burstprop's are Payeur et al.'s, p_b "
                 "0.2, lr 3.2 hidden and 0.32 output at batch-mean gradients, momentum 0.8, "
                 "weight decay 1e-6, Y std 1.0; --same-settings gives every rule BurstCCN's).",
                 bcn_rule_str(rule));
    if (cmd != CLI_CMD_EVAL) { /* eval's network and settings come from --model */
        fputc('\n', out);
        print_wrapped(out, note, 0, 0);
    }
    for (int k = 0; k < O_COUNT; k++) {
        const opt *o = &opts[k];
        if (!(o->cmds & cmd))
            continue;
        if (o->group)
            fprintf(out, "\n%s:\n", o->group);
        char head[64], def[128];
        snprintf(head, sizeof head, "  --%s%s%s", o->name, o->meta ? " " : "",
                 o->meta ? o->meta : "");
        default_text(k, &c, def, sizeof def);
        char line[1024];
        if (def[0])
            snprintf(line, sizeof line, "%s (default: %s)", o->help, def);
        else
            snprintf(line, sizeof line, "%s", o->help);
        const int col = 26;
        if ((int)strlen(head) + 1 > col)
            fprintf(out, "%s\n%*s", head, col, "");
        else
            fprintf(out, "%-*s", col, head);
        print_wrapped(out, line, col, col);
    }
    if (cmd == CLI_CMD_TRAIN)
        fprintf(out,
                "\nData order: the training set starts in file order; before each epoch it is\n"
                "shuffled in place (Fisher-Yates, bcn_rng_shuffle) by a bcn_rng seeded with\n"
                "SEED XOR 0x9E3779B97F4A7C15, kept across epochs. The last batch of an epoch\n"
                "may be smaller. With --augment on, each gathered batch is cropped and\n"
                "flipped (bcn_dataset_augment) with draws from a bcn_rng seeded with\n"
                "SEED XOR 0xD1B54A32D192ED03. 'seconds' counts training steps only.\n"
                "\nExit status: 0 success, 1 runtime error (device, data, files; an output\n"
                "that cannot be written is found before any work), 2 usage error (an\n"
                "unknown, repeated or bad flag).\n");
    else if (cmd == CLI_CMD_EVAL)
        fprintf(out, "\nExit status: 0 success, 1 runtime error (device, data, files; an output\n"
                     "that cannot be written is found before any work), 2 usage error (an\n"
                     "unknown, repeated or bad flag).\n");
    else
        fprintf(out,
                "\nThe comparison batch is the next minibatch of the training order after the\n"
                "--steps steps (the data order is that of `burstccn train`).\n"
                "\nExit status: 0 success, 1 runtime error (device, data, files; an output\n"
                "that cannot be written is found before any work), 2 usage error (an\n"
                "unknown, repeated or bad flag).\n");
}

/* Index of the option called `name` (length len), or -1. */
static int find_opt(const char *name, size_t len)
{
    for (int k = 0; k < O_COUNT; k++)
        if (strlen(opts[k].name) == len && strncmp(opts[k].name, name, len) == 0)
            return k;
    return -1;
}

/* Parse a float in [lo, hi], with optional open ends; -1 on error. The
 * ends are checked on the value rounded to float, the value the network
 * gets ("0.999999999" is 1 as a float, so not below an open 1). */
static int float_in(const char *flag, const char *text, double lo, double hi, int lo_open,
                    int hi_open, float *out, char *err, size_t errlen)
{
    float v;
    if (bcn_arg_float(flag, text, lo, hi, &v, err, errlen) < 0)
        return -1;
    if ((lo_open && (double)v == lo) || (hi_open && (double)v == hi)) {
        snprintf(err, errlen, "%s: '%s' is out of range (must be %s%g and %s%g%s)", flag, text,
                 lo_open ? "> " : ">= ", lo, hi_open ? "< " : "<= ", hi,
                 (double)v == lo || (double)v == hi ? " as a float" : "");
        return -1;
    }
    *out = v;
    return 0;
}

void cli_fields_to_flags(char *msg, size_t size)
{
    const char *names[O_COUNT];
    for (int k = 0; k < O_COUNT; k++)
        names[k] = opts[k].name;
    bcn_arg_fields_to_flags(msg, size, names, O_COUNT);
}

/* 1 for the flags that configure the network itself (what a saved model
 * or checkpoint fixes). */
static int is_net_flag(int k)
{
    switch (k) {
    case O_RULE: case O_HIDDEN: case O_ARCH: case O_LR: case O_OPTIMIZER: case O_MOMENTUM:
    case O_ADAM_BETA1: case O_ADAM_BETA2: case O_ADAM_EPS: case O_WEIGHT_DECAY: case O_SEED:
    case O_P_BASELINE: case O_ERROR_SCALE: case O_Y_MODE: case O_Y_SCALE: case O_Y_LR:
    case O_Q_MODE: case O_Q_SCALE: case O_Q_LR: case O_CONV_FB: case O_RECURRENT:
    case O_R_SCALE: case O_R_LR:
        return 1;
    default:
        return 0;
    }
}

/* Convert the collected values into settings; 0 or -1 with err set. */
static int resolve(unsigned cmd, const char *const *val, cli_settings *s, char *err,
                   size_t errlen)
{
    static const char *const rules[] = {"burstccn", "burstprop", "fa", "backprop"};
    static const char *const y_modes[] = {"random", "sym", "tied"};
    static const char *const q_modes[] = {"random", "sym", "tied", "wsym"};
    static const char *const optimizers[] = {"sgd", "momentum", "adam"};
    static const char *const data_on_device_modes[] = {"auto", "on", "off"};
    bcn_net_config *c = &s->cfg;
    int rule = BCN_RULE_BURSTCCN, v;
    char flag[40];
#define FLAG(k) (snprintf(flag, sizeof flag, "--%s", opts[k].name), flag)

    if (val[O_RULE] && bcn_arg_choice(FLAG(O_RULE), val[O_RULE], rules, 4, &rule, err, errlen))
        return -1;
    memset(s, 0, sizeof *s);
    s->same_settings = val[O_SAME_SETTINGS] != NULL;
    if (s->same_settings)
        bcn_net_config_init_shared(c, (bcn_rule)rule);
    else
        bcn_net_config_init(c, (bcn_rule)rule);
    s->data = "fashion-mnist";
    s->augment = -1;
    s->data_on_device = -1;
    s->epochs = 10;
    s->batch = 32;
    s->n_hidden = c->n_layers - 1;
    for (int l = 0; l < s->n_hidden; l++)
        s->hidden[l] = c->layers[l].units;

    for (int k = 0; k < O_COUNT; k++) {
        const char *t = val[k];
        if (!t || k == O_RULE)
            continue;
        if (!(opts[k].cmds & cmd))
            continue;
        const char *f = FLAG(k);
        int rc = 0;
        long lv;
        switch (k) {
        case O_DATA: case O_DEVICE: case O_JSON: case O_CSV:
        case O_CHECKPOINT: case O_SAVE: case O_RESUME: case O_MODEL:
            if (!*t) {
                snprintf(err, errlen, "%s: empty value", f);
                return -1;
            }
            if (k == O_DATA) s->data = t;
            else if (k == O_DEVICE) s->device = t;
            else if (k == O_JSON) s->json_path = t;
            else if (k == O_CSV) s->csv_path = t;
            else if (k == O_CHECKPOINT) s->checkpoint_path = t;
            else if (k == O_SAVE) s->save_path = t;
            else if (k == O_RESUME) s->resume_path = t;
            else s->model_path = t;
            break;
        case O_CHECKPOINT_EVERY:
            rc = bcn_arg_long(f, t, 1, LONG_MAX, &s->checkpoint_every, err, errlen);
            break;
        case O_TRAIN_LIMIT: rc = bcn_arg_int(f, t, 0, INT_MAX, &s->data_opts.train_limit, err, errlen); break;
        case O_TEST_LIMIT: rc = bcn_arg_int(f, t, 0, INT_MAX, &s->data_opts.test_limit, err, errlen); break;
        case O_VALIDATION: rc = bcn_arg_int(f, t, 0, INT_MAX, &s->data_opts.validation, err, errlen); break;
        case O_HIDDEN:
            if (strcmp(t, "none") == 0)
                s->n_hidden = 0;
            else
                rc = bcn_arg_int_list(f, t, 1, 1 << 20, s->hidden, BCN_MAX_LAYERS - 1,
                                      &s->n_hidden, err, errlen);
            break;
        case O_EPOCHS: rc = bcn_arg_int(f, t, 0, 1000000, &s->epochs, err, errlen); break;
        case O_STEPS: rc = bcn_arg_int(f, t, 0, INT_MAX, &s->steps, err, errlen); break;
        case O_BATCH: rc = bcn_arg_int(f, t, 1, 65536, &s->batch, err, errlen); break;
        case O_LR: break; /* after --hidden: needs the layer count */
        case O_OPTIMIZER:
            rc = bcn_arg_choice(f, t, optimizers, 3, &v, err, errlen);
            c->optimizer = (bcn_optimizer)v;
            break;
        case O_MOMENTUM: rc = float_in(f, t, 0, 1, 0, 1, &c->momentum, err, errlen); break;
        case O_ADAM_BETA1: rc = float_in(f, t, 0, 1, 0, 1, &c->adam_beta1, err, errlen); break;
        case O_ADAM_BETA2: rc = float_in(f, t, 0, 1, 0, 1, &c->adam_beta2, err, errlen); break;
        case O_ADAM_EPS: rc = float_in(f, t, 0, 1, 1, 0, &c->adam_eps, err, errlen); break;
        case O_WEIGHT_DECAY: rc = float_in(f, t, 0, 1, 0, 1, &c->weight_decay, err, errlen); break;
        case O_SEED:
            rc = bcn_arg_long(f, t, 0, LONG_MAX, &lv, err, errlen);
            c->seed = (uint64_t)lv;
            break;
        case O_P_BASELINE: rc = float_in(f, t, 0, 1, 1, 1, &c->p_baseline, err, errlen); break;
        case O_ERROR_SCALE: rc = float_in(f, t, -1e6, 1e6, 0, 0, &c->error_scale, err, errlen); break;
        case O_Y_MODE:
            rc = bcn_arg_choice(f, t, y_modes, 3, &v, err, errlen);
            c->y_mode = (bcn_fb_mode)v;
            break;
        case O_Q_MODE:
            rc = bcn_arg_choice(f, t, q_modes, 4, &v, err, errlen);
            c->q_mode = (bcn_fb_mode)v;
            break;
        case O_Y_SCALE: rc = float_in(f, t, 0, 1e6, 0, 0, &c->y_scale, err, errlen); break;
        case O_Q_SCALE: rc = float_in(f, t, 0, 1e6, 0, 0, &c->q_scale, err, errlen); break;
        case O_R_SCALE: rc = float_in(f, t, 0, 1e6, 0, 0, &c->r_scale, err, errlen); break;
        case O_Y_LR: rc = float_in(f, t, 0, 1e6, 0, 0, &c->y_lr, err, errlen); break;
        case O_Q_LR: rc = float_in(f, t, 0, 1e6, 0, 0, &c->q_lr, err, errlen); break;
        case O_R_LR: rc = float_in(f, t, 0, 1e6, 0, 0, &c->r_lr, err, errlen); break;
        case O_RECURRENT: rc = bcn_arg_bool(f, t, &c->recurrent, err, errlen); break;
        case O_NORMALIZE:
            rc = bcn_arg_bool(f, t, &v, err, errlen);
            s->data_opts.normalize = v ? 1 : -1;
            break;
        case O_AUGMENT:
            rc = bcn_arg_bool(f, t, &v, err, errlen);
            s->augment = v;
            break;
        case O_DATA_ON_DEVICE:
            rc = bcn_arg_choice(f, t, data_on_device_modes, 3, &v, err, errlen);
            s->data_on_device = v == 0 ? -1 : v == 1 ? 1 : 0;
            break;
        case O_CONV_FB: rc = bcn_arg_bool(f, t, &c->conv_feedback_learning, err, errlen); break;
        case O_QUIET: s->quiet = 1; break;
        case O_TUNE:
            if (bcn_tune_mode_parse(t, &s->tune) != BCN_OK) {
                snprintf(err, errlen, "%s: expected auto, force or off, got '%s'", f, t);
                return -1;
            }
            break;
        case O_GEMM: rc = bcn_arg_gemm(f, t, &s->gemm, err, errlen); break;
        default: break;
        }
        if (rc)
            return -1;
    }

    if (val[O_CHECKPOINT_EVERY] && !val[O_CHECKPOINT]) {
        snprintf(err, errlen, "--checkpoint-every needs --checkpoint FILE (where to save)");
        return -1;
    }
    if (val[O_MODEL]) {
        for (int k = 0; k < O_COUNT; k++) {
            if (val[k] && is_net_flag(k) && (opts[k].cmds & cmd)) {
                snprintf(err, errlen,
                         "--%s cannot be given with --model: the network's configuration "
                         "comes from '%s'",
                         opts[k].name, val[O_MODEL]);
                return -1;
            }
        }
    }

    /* Layer structure (the input shape and the classes are set from the
     * data later; 1 x 1 x 1 and 1 until then). */
    if (val[O_ARCH] && val[O_HIDDEN]) {
        snprintf(err, errlen, "--arch and --hidden both describe the hidden layers: give one");
        return -1;
    }
    bcn_net_config_set_dense(c, 1, s->n_hidden, s->hidden, 1);
    if (val[O_ARCH]) {
        bcn_ctx *ctx = bcn_ctx_new();
        if (!ctx) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        if (bcn_net_config_set_arch(ctx, c, val[O_ARCH]) != BCN_OK) {
            snprintf(err, errlen, "--arch: %s", bcn_errmsg(ctx));
            bcn_ctx_free(ctx);
            return -1;
        }
        bcn_ctx_free(ctx);
        s->arch = val[O_ARCH];
    }

    if (val[O_LR]) {
        float lr[BCN_MAX_LAYERS];
        int n = 0;
        if (bcn_arg_float_list(FLAG(O_LR), val[O_LR], 0, 1e6, lr, BCN_MAX_LAYERS, &n, err,
                               errlen))
            return -1;
        if (n != 1 && n != c->n_layers) {
            snprintf(err, errlen,
                     "--lr: '%s' gives %d values but the network has %d weight layers (give "
                     "one value or %d)",
                     val[O_LR], n, c->n_layers, c->n_layers);
            return -1;
        }
        for (int l = 0; l < BCN_MAX_LAYERS; l++)
            c->lr[l] = lr[n == 1 ? 0 : (l < n ? l : n - 1)];
    }

    /* Momentum alone selects the momentum optimiser; momentum with plain
     * SGD would be silently ignored, so it is refused. */
    if (val[O_MOMENTUM] && !val[O_OPTIMIZER])
        c->optimizer = BCN_OPT_MOMENTUM;
    if (val[O_MOMENTUM] && c->optimizer != BCN_OPT_MOMENTUM && c->momentum != 0.0f) {
        snprintf(err, errlen, "--momentum: '%s' has no effect with --optimizer %s",
                 val[O_MOMENTUM], bcn_optimizer_str(c->optimizer));
        return -1;
    }
    if (!val[O_MOMENTUM] && c->optimizer == BCN_OPT_MOMENTUM && c->momentum == 0.0f)
        c->momentum = 0.9f;
#undef FLAG
    return 0;
}

int cli_parse(unsigned cmd, const char *cmd_name, int argc, char **argv, cli_settings *s)
{
    const char *val[O_COUNT] = {0};
    unsigned char seen[O_COUNT] = {0};
    char err[512];

    /* --help anywhere wins (defaults shown for --rule when it parses). */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            bcn_rule rule = BCN_RULE_BURSTCCN;
            int same = 0;
            for (int j = 1; j < argc; j++) {
                if (strcmp(argv[j], "--rule") == 0 && j + 1 < argc)
                    bcn_rule_parse(argv[j + 1], &rule);
                else if (strncmp(argv[j], "--rule=", 7) == 0)
                    bcn_rule_parse(argv[j] + 7, &rule);
                else if (strcmp(argv[j], "--same-settings") == 0)
                    same = 1;
            }
            cli_print_help(cmd, cmd_name, rule, same, stdout);
            return CLI_HELP_SHOWN;
        }
    }

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0')
            return usage_error(cmd_name, a[0] == '-' && a[1] ? "unknown option '%s'"
                                                             : "unexpected argument '%s'",
                               a);
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        int k = find_opt(name, len);
        if (k < 0)
            return usage_error(cmd_name, "unknown option '--%.*s'", (int)len, name);
        if (!(opts[k].cmds & cmd))
            return usage_error(cmd_name, "option '--%s' does not apply to `burstccn %s`",
                               opts[k].name, cmd_name);
        char flag[40];
        snprintf(flag, sizeof flag, "--%s", opts[k].name);
        if (bcn_arg_once(flag, &seen[k], err, sizeof err) < 0)
            return usage_error(cmd_name, "%s", err);
        if (!opts[k].meta) {
            if (eq)
                return usage_error(cmd_name, "option '--%s' takes no value (got '%s')",
                                   opts[k].name, eq + 1);
            val[k] = "1";
            continue;
        }
        const char *v;
        if (eq) {
            v = eq + 1;
        } else {
            if (i + 1 >= argc)
                return usage_error(cmd_name, "--%s: missing value (%s)", opts[k].name,
                                   opts[k].meta);
            v = argv[++i];
            if (strncmp(v, "--", 2) == 0)
                return usage_error(cmd_name, "--%s: missing value (%s) before '%s'",
                                   opts[k].name, opts[k].meta, v);
        }
        val[k] = v;
    }

    if (resolve(cmd, val, s, err, sizeof err) < 0)
        return usage_error(cmd_name, "%s", err);
    memcpy(s->flag_val, val, sizeof val);

    /* Last line of defence: what the library itself would refuse. */
    bcn_ctx *ctx = bcn_ctx_new();
    if (!ctx) {
        fprintf(stderr, "burstccn %s: out of memory\n", cmd_name);
        return CLI_EXIT_RUNTIME;
    }
    /* The layers' shapes are checked when the data's shape is known
     * (cli_env_open); here every other field, on the config without its
     * hidden layers. */
    bcn_net_config flat = s->cfg;
    bcn_status st = bcn_net_config_set_arch(ctx, &flat, "none");
    if (st == BCN_OK)
        st = bcn_net_config_check(ctx, &flat);
    if (st != BCN_OK) {
        snprintf(err, sizeof err, "%s", bcn_errmsg(ctx));
        cli_fields_to_flags(err, sizeof err);
        int rc = usage_error(cmd_name, "invalid configuration: %s", err);
        bcn_ctx_free(ctx);
        return rc;
    }
    bcn_ctx_free(ctx);
    return CLI_EXIT_OK;
}

/* --------------------------------------------- flags saved with a run */

void cli_flags_write(const cli_settings *s, FILE *f)
{
    for (int k = 0; k < O_COUNT; k++) {
        const char *v = s->flag_val[k];
        if (!v || k == O_RESUME || k == O_HELP)
            continue;
        fprintf(f, "flag %s ", opts[k].name);
        for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
            if (*p <= ' ' || *p == '%' || *p >= 0x7f)
                fprintf(f, "%%%02X", *p);
            else
                fputc(*p, f);
        }
        fputc('\n', f);
    }
}

int cli_flags_read(const char *line, const char **saved, char **store)
{
    const char *sp = strchr(line, ' ');
    if (!sp)
        return -1;
    int k = find_opt(line, (size_t)(sp - line));
    if (k < 0 || saved[k])
        return -1;
    const char *v = sp + 1;
    char *out = malloc(strlen(v) + 1), *w = out;
    if (!out)
        return -1;
    for (; *v && *v != '\n'; v++) {
        unsigned hi, lo;
        if (*v != '%') {
            *w++ = *v;
        } else if (sscanf(v + 1, "%1x%1x", &hi, &lo) == 2 && (hi || lo)) {
            *w++ = (char)(hi * 16 + lo);
            v += 2;
        } else {
            free(out);
            return -1;
        }
    }
    *w = '\0';
    saved[k] = out;
    *store = out;
    return 0;
}

/* 1 when a and b describe the same run: network, batch, data options. */
static int same_run(const cli_settings *a, const cli_settings *b)
{
    return memcmp(&a->cfg, &b->cfg, sizeof a->cfg) == 0 && a->batch == b->batch &&
           memcmp(&a->data_opts, &b->data_opts, sizeof a->data_opts) == 0 &&
           a->augment == b->augment;
}

/* Flags a resumed run may change: how long, where, and what it writes. */
static int may_change_on_resume(int k)
{
    switch (k) {
    case O_EPOCHS: case O_DEVICE: case O_DATA: case O_DATA_ON_DEVICE: case O_JSON: case O_CSV:
    case O_CHECKPOINT:
    case O_CHECKPOINT_EVERY: case O_SAVE: case O_RESUME: case O_QUIET: case O_HELP:
    case O_TUNE: case O_GEMM:
        return 1;
    default:
        return 0;
    }
}

/* 1 for the data flags a saved model's evaluation inherits. */
static int is_data_flag(int k)
{
    return k == O_DATA || k == O_NORMALIZE || k == O_TRAIN_LIMIT || k == O_TEST_LIMIT;
}

int cli_merge_saved(unsigned cmd, const char *cmd_name, const char *file,
                    const char *const *saved, cli_settings *s)
{
    const char *merged[O_COUNT], *now[O_COUNT];
    char err[512];
    memcpy(now, s->flag_val, sizeof now);
    for (int k = 0; k < O_COUNT; k++) {
        if (cmd == CLI_CMD_TRAIN)
            merged[k] = now[k] ? now[k] : saved[k];
        else
            merged[k] = now[k] ? now[k] : is_data_flag(k) ? saved[k] : NULL;
    }
    if (cmd == CLI_CMD_TRAIN) {
        cli_settings a, b;
        if (resolve(cmd, saved, &a, err, sizeof err) < 0) {
            fprintf(stderr, "burstccn %s: '%s': the flags saved with the run do not parse: %s\n",
                    cmd_name, file, err);
            return CLI_EXIT_RUNTIME;
        }
        for (int k = 0; k < O_COUNT; k++) {
            if (!now[k] || may_change_on_resume(k) ||
                (saved[k] && strcmp(saved[k], now[k]) == 0))
                continue;
            const char *alt[O_COUNT];
            memcpy(alt, saved, sizeof alt);
            alt[k] = now[k];
            if (resolve(cmd, alt, &b, err, sizeof err) < 0)
                return usage_error(cmd_name, "%s", err);
            if (same_run(&a, &b))
                continue;
            if (saved[k])
                return usage_error(cmd_name,
                                   "--%s %s contradicts the run saved in '%s' (made with --%s "
                                   "%s); with --resume only --epochs, --device, --data and "
                                   "the outputs may change",
                                   opts[k].name, now[k], file, opts[k].name, saved[k]);
            return usage_error(cmd_name,
                               "--%s %s contradicts the run saved in '%s' (made without "
                               "--%s); with --resume only --epochs, --device, --data and the "
                               "outputs may change",
                               opts[k].name, now[k], file, opts[k].name);
        }
    }
    if (resolve(cmd, merged, s, err, sizeof err) < 0)
        return usage_error(cmd_name, "%s", err);
    memcpy(s->flag_val, merged, sizeof merged);
    return CLI_EXIT_OK;
}
