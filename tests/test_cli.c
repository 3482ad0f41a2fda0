/*
 * test_cli.c — the `burstccn` command, run as a separate process
 * ($BCN_TOP_BUILDDIR/burstccn) with stdout and stderr captured: usage
 * errors exit 2 naming the flag, runtime errors exit 1 naming the cause,
 * help exits 0, and train/compare write JSON that a strict reader accepts
 * and a CSV with one row per epoch. Data: a small dataset written at test
 * time; the real Fashion-MNIST when installed.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burstccn.h"
#include "idx_fixture.h"
#include "json_check.h"
#include "run_program.h"

static char *dir;   /* temporary directory of the test */
static char *data;  /* a small MNIST-style dataset inside it */

typedef tu_run_result run_result;

/* Run burstccn with the NULL-terminated arguments. */
static run_result run(const char *const *args)
{
    return tu_run_program("burstccn", dir, args);
}

static void run_free(run_result *r) { tu_run_free(r); }

/* A dataset of 28x28 images: 300 training and 60 test examples whose
 * class is written into the image (a bright 8-pixel bar in row class*2),
 * over random noise, so that a network can learn it. */
static void write_dataset(const char *d)
{
    enum { NTR = 300, NTE = 60, DIMS = 784 };
    bcn_rng rng;
    bcn_rng_seed(&rng, 99);
    for (int split = 0; split < 2; split++) {
        int n = split ? NTE : NTR;
        uint8_t *img = malloc((size_t)n * DIMS), *lbl = malloc((size_t)n);
        cr_assert(img && lbl);
        for (int i = 0; i < n; i++) {
            lbl[i] = (uint8_t)bcn_rng_below(&rng, 10);
            for (int j = 0; j < DIMS; j++)
                img[i * DIMS + j] = (uint8_t)bcn_rng_below(&rng, 64);
            for (int j = 0; j < 8; j++)
                img[i * DIMS + (lbl[i] * 2 + 4) * 28 + 10 + j] = 255;
        }
        const uint32_t di[3] = {(uint32_t)n, 28, 28}, dl[1] = {(uint32_t)n};
        char *p = fx_path(d, split ? "t10k-images-idx3-ubyte" : "train-images-idx3-ubyte.gz");
        fx_write_idx(p, !split, 0x08, 3, di, img, (size_t)n * DIMS, NULL, 0);
        free(p);
        p = fx_path(d, split ? "t10k-labels-idx1-ubyte.gz" : "train-labels-idx1-ubyte");
        fx_write_idx(p, split, 0x08, 1, dl, lbl, (size_t)n, NULL, 0);
        free(p);
        free(img);
        free(lbl);
    }
}

static void setup(void)
{
    dir = fx_tmpdir();
    data = fx_path(dir, "data");
    cr_assert_eq(mkdir(data, 0755), 0);
    write_dataset(data);
}

static void teardown(void)
{
    char *d = strdup(data);
    fx_rmtree(d);
    free(data);
    fx_rmtree(dir);
}

TestSuite(cli, .init = setup, .fini = teardown, .timeout = 120);

/* ---- the strict JSON reader itself ---- */

Test(cli, json_reader_is_strict)
{
    const char *good[] = {"{}", "[]", "0", "-1.5e-3", "\"a\\n\\u0041\"", "[1, {\"a\": null}]",
                          " {\"x\": [true, false]} "};
    const char *bad[] = {"", "[1,]", "{\"a\":1,}", "tru", "01", "NaN", "[1] 2", "{a:1}",
                         "\"tab\there\"", "[", "{\"a\" 1}", "1.", "-", "[\"\\x\"]"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        jv *v = jv_parse(good[i]);
        cr_assert_not_null(v, "rejected %s", good[i]);
        jv_free(v);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_null(jv_parse(bad[i]), "accepted %s", bad[i]);
}

/* ---- help and version ---- */

/* The text with every run of blanks and newlines made one space (the help
 * wraps its lines), in a static buffer. */
static const char *squeezed(const char *text)
{
    static char buf[1 << 16];
    size_t n = 0;
    for (const char *p = text; *p && n + 1 < sizeof buf; p++) {
        int blank = *p == ' ' || *p == '\n';
        if (!blank || (n > 0 && buf[n - 1] != ' '))
            buf[n++] = blank ? ' ' : *p;
    }
    buf[n] = '\0';
    return buf;
}

Test(cli, help_and_version)
{
    run_result r = run((const char *[]){"--help", NULL});
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "train") && strstr(r.out, "compare") && strstr(r.out, "devices"));
    run_free(&r);
    r = run((const char *[]){"-h", NULL});
    cr_assert_eq(r.status, 0);
    run_free(&r);
    r = run((const char *[]){"--version", NULL});
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, bcn_version()), "version output: %s", r.out);
    run_free(&r);

    /* Every flag of train appears in its help, with a default where it has one. */
    const char *flags[] = {"--rule", "--data", "--device", "--hidden", "--epochs", "--batch",
                           "--lr", "--p-baseline", "--error-scale", "--y-mode", "--y-scale",
                           "--q-mode", "--q-scale", "--y-lr", "--q-lr", "--recurrent",
                           "--r-lr", "--momentum", "--optimizer", "--weight-decay", "--seed",
                           "--train-limit", "--test-limit", "--validation", "--json", "--csv",
                           "--quiet"};
    r = run((const char *[]){"train", "--help", NULL});
    cr_assert_eq(r.status, 0);
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        cr_assert(strstr(r.out, flags[i]), "train --help lacks %s", flags[i]);
    cr_assert(strstr(r.out, "(default: 500,500,500)"), "%s", r.out);
    cr_assert(strstr(r.out, "(default: 10)"));
    cr_assert(strstr(r.out, "(default: 0.3)"));
    run_free(&r);

    /* Defaults follow --rule: Burstprop has its recurrent input on and its
     * authors' settings (SPEC 6); --same-settings gives it BurstCCN's. */
    r = run((const char *[]){"train", "--rule", "burstprop", "-h", NULL});
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "(default: on)"), "%s", r.out);
    const char *help = squeezed(r.out);
    cr_assert(strstr(help, "(default: 3.2 hidden, 0.32 output)"), "%s", help);
    cr_assert(strstr(help, "(default: momentum)") && strstr(help, "(default: 0.8)"), "%s", help);
    cr_assert(strstr(help, "(default: 1e-06)") && strstr(help, "(default: 0.2)"), "%s", help);
    cr_assert(strstr(r.out, "--same-settings"), "%s", r.out);
    run_free(&r);
    r = run((const char *[]){"train", "--rule", "burstprop", "--same-settings", "-h", NULL});
    cr_assert_eq(r.status, 0);
    help = squeezed(r.out);
    cr_assert(strstr(help, "(default: 0.3)") && strstr(help, "(default: sgd)") &&
                  strstr(help, "(default: 0.5)"),
              "%s", help);
    cr_assert_null(strstr(r.out, "3.2 hidden"), "%s", r.out);
    run_free(&r);

    const char *const *cmds[] = {(const char *[]){"compare", "--help", NULL},
                                 (const char *[]){"devices", "--help", NULL},
                                 (const char *[]){"help", "train", NULL}};
    for (size_t i = 0; i < 3; i++) {
        r = run(cmds[i]);
        cr_assert_eq(r.status, 0, "%s --help: %s", cmds[i][0], r.err);
        cr_assert(strstr(r.out, "Usage: burstccn"), "%s", r.out);
        run_free(&r);
    }
    r = run((const char *[]){"compare", "--help", NULL});
    cr_assert(strstr(r.out, "--steps") && strstr(r.out, "--batch"));
    run_free(&r);
}

/* ---- usage errors ---- */

Test(cli, usage_errors_exit_2_naming_the_flag)
{
    static const struct {
        const char *args[8];
        const char *words; /* must appear on stderr */
    } cases[] = {
        {{NULL}, "Usage"},
        {{"frobnicate"}, "frobnicate"},
        {{"train", "--bogus"}, "--bogus"},
        {{"train", "-x"}, "-x"},
        {{"train", "stray"}, "stray"},
        {{"train", "--epochs"}, "--epochs"},
        {{"train", "--epochs", "abc"}, "abc"},
        {{"train", "--epochs", "-1"}, "-1"},
        {{"train", "--epochs", "2x"}, "--epochs"},
        {{"train", "--batch", "0"}, "--batch"},
        {{"train", "--lr", "fast"}, "--lr"},
        {{"train", "--lr", "0.1,0.2"}, "--lr"},
        {{"train", "--lr", "-0.1"}, "-0.1"},
        {{"train", "--rule", "sideways"}, "sideways"},
        {{"train", "--p-baseline", "1"}, "--p-baseline"},
        {{"train", "--p-baseline", "nan"}, "--p-baseline"},
        {{"train", "--y-mode", "wsym"}, "wsym"},
        {{"train", "--q-mode", "mirror"}, "mirror"},
        {{"train", "--optimizer", "rmsprop"}, "rmsprop"},
        {{"train", "--recurrent", "maybe"}, "--recurrent"},
        {{"train", "--hidden", "10,,5"}, "--hidden"},
        {{"train", "--hidden", "0"}, "--hidden"},
        {{"train", "--arch", "pool:2"}, "pool:2"},
        {{"train", "--arch", "conv:8:0"}, "conv:8:0"},
        {{"train", "--arch", "dense:8,conv:4:3"}, "follows a dense layer"},
        {{"train", "--arch", "conv:4:3", "--hidden", "10"}, "--arch"},
        {{"train", "--conv-feedback-learning", "perhaps"}, "--conv-feedback-learning"},
        {{"train", "--seed", "-3"}, "--seed"},
        {{"train", "--weight-decay", "1"}, "--weight-decay"},
        {{"train", "--train-limit", "-5"}, "--train-limit"},
        {{"train", "--json", "--quiet"}, "--json"},
        {{"train", "--quiet=yes"}, "--quiet"},
        {{"train", "--momentum", "0.9", "--optimizer", "sgd"}, "--momentum"},
        {{"train", "--steps", "3"}, "--steps"},
        {{"compare", "--epochs", "3"}, "--epochs"},
        {{"compare", "--csv", "x.csv"}, "--csv"},
        {{"devices", "--bogus"}, "--bogus"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_result r = run(cases[i].args);
        cr_assert_eq(r.status, 2, "case %zu (%s %s): exit %d, stderr: %s", i,
                     cases[i].args[0] ? cases[i].args[0] : "", cases[i].args[1] ? cases[i].args[1] : "",
                     r.status, r.err);
        cr_assert(strstr(r.err, cases[i].words), "case %zu: stderr lacks '%s': %s", i,
                  cases[i].words, r.err);
        cr_assert_str_eq(r.out, "", "case %zu printed on stdout: %s", i, r.out);
        run_free(&r);
    }
}

/* Strictness of both programs (issue 10): a flag given twice, a value that
 * underflows to 0 or overflows, a value that is in range only before its
 * rounding to float; each with its exact message and exit status, and
 * nothing on stdout. */
Test(cli, strict_flags_exact_messages)
{
    static const struct {
        const char *program;
        const char *args[8];
        int status;
        const char *err; /* all of stderr */
    } cases[] = {
#define TRY_TRAIN "\nTry 'burstccn train --help'.\n"
#define TRY_COMPARE "\nTry 'burstccn compare --help'.\n"
        {"burstccn", {"train", "--lr", "0.1", "--lr", "0.2"}, 2,
         "burstccn train: --lr given twice" TRY_TRAIN},
        {"burstccn", {"train", "--lr=0.1", "--lr", "0.1"}, 2,
         "burstccn train: --lr given twice" TRY_TRAIN},
        {"burstccn", {"compare", "--quiet", "--quiet"}, 2,
         "burstccn compare: --quiet given twice" TRY_COMPARE},
        {"burstccn", {"train", "--lr", "1e-400"}, 2,
         "burstccn train: --lr: '1e-400' underflows (too close to 0 to represent)" TRY_TRAIN},
        {"burstccn", {"train", "--lr", "1e400"}, 2,
         "burstccn train: --lr: '1e400' is out of range (0 to 1e+06)" TRY_TRAIN},
        {"burstccn", {"train", "--lr", "0.1,1e-45"}, 2,
         "burstccn train: --lr: '1e-45' underflows (too close to 0 to represent)" TRY_TRAIN},
        {"burstccn", {"compare", "--p-baseline", "1e-400"}, 2,
         "burstccn compare: --p-baseline: '1e-400' underflows (too close to 0 to represent)"
             TRY_COMPARE},
        {"burstccn", {"train", "--momentum", "1e-50"}, 2,
         "burstccn train: --momentum: '1e-50' underflows (too close to 0 to represent)"
             TRY_TRAIN},
        {"burstccn", {"train", "--y-lr", "1e400"}, 2,
         "burstccn train: --y-lr: '1e400' is out of range (0 to 1e+06)" TRY_TRAIN},
        {"burstccn", {"train", "--epochs", "99999999999999999999"}, 2,
         "burstccn train: --epochs: '99999999999999999999' is out of range (0 to 1000000)"
             TRY_TRAIN},
        /* 0.99999999 < 1, but it is 1 as the float the network gets. */
        {"burstccn", {"train", "--p-baseline", "0.99999999"}, 2,
         "burstccn train: --p-baseline: '0.99999999' is out of range (must be > 0 and < 1 as a "
         "float)" TRY_TRAIN},
        {"burstccn", {"train", "--weight-decay", "0.999999999"}, 2,
         "burstccn train: --weight-decay: '0.999999999' is out of range (must be >= 0 and < 1 "
         "as a float)" TRY_TRAIN},
#undef TRY_TRAIN
#undef TRY_COMPARE
#define SEE(cmd) "\n(see burstccn-bench " cmd " --help)\n"
        {"burstccn-bench", {"angles", "--lr", "0.1", "--lr", "0.2"}, 2,
         "burstccn-bench angles: --lr given twice" SEE("angles")},
        {"burstccn-bench", {"timing", "--reps", "2", "--reps=3"}, 2,
         "burstccn-bench timing: --reps given twice" SEE("timing")},
        {"burstccn-bench", {"all", "--quick", "--quick"}, 2,
         "burstccn-bench all: --quick given twice" SEE("all")},
        {"burstccn-bench", {"curves", "--lr", "1e-400"}, 2,
         "burstccn-bench curves: --lr: '1e-400' underflows (too close to 0 to represent)"
             SEE("curves")},
        {"burstccn-bench", {"angles", "--q-lr", "1e400"}, 2,
         "burstccn-bench angles: --q-lr: '1e400' is out of range (0 to 1000)" SEE("angles")},
        {"burstccn-bench", {"timing", "--target-time", "1e-400"}, 2,
         "burstccn-bench timing: --target-time: '1e-400' underflows (too close to 0 to "
         "represent)" SEE("timing")},
        {"burstccn-bench", {"angles", "--p-baseline", "1"}, 2,
         "burstccn-bench angles: --p-baseline: '1' is out of range (must be > 0 and < 1)"
             SEE("angles")},
        {"burstccn-bench", {"curves", "--y-scale", "1e-50"}, 2,
         "burstccn-bench curves: --y-scale: '1e-50' underflows (too close to 0 to represent)"
             SEE("curves")},
#undef SEE
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_result r = tu_run_program(cases[i].program, dir, cases[i].args);
        cr_expect_eq(r.status, cases[i].status, "case %zu (%s %s %s): exit %d, stderr: %s", i,
                     cases[i].program, cases[i].args[0], cases[i].args[1], r.status, r.err);
        cr_expect_str_eq(r.err, cases[i].err, "case %zu", i);
        cr_expect_str_eq(r.out, "", "case %zu printed on stdout: %s", i, r.out);
        run_free(&r);
    }
}

/* A field name of the library's message reaches the user as the flag. */
Test(cli, library_messages_name_the_flag)
{
    run_result r = run((const char *[]){"train", "--device", "ref", "--data", data,
                                        "--validation", "300", "--quiet", NULL});
    cr_assert_eq(r.status, 1, "exit %d: %s", r.status, r.err);
    cr_assert(strstr(r.err, "burstccn: cannot load the data: --validation 300 leaves no "
                            "training data"),
              "%s", r.err);
    run_free(&r);
}

/* Every output is proven writable before any work, for both programs. */
Test(cli, outputs_are_probed_before_any_work)
{
    char *file = fx_path(dir, "a-file");
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fclose(f);
    char *under = fx_path(file, "x.json"), *under_dir = fx_path(file, "results");
    char want[1024];

    run_result r = run((const char *[]){"compare", "--device", "ref", "--data", data,
                                        "--json", under, NULL});
    snprintf(want, sizeof want, "burstccn: --json: '%s' (in '%s') is not a folder\n", file,
             under);
    cr_expect_eq(r.status, 1, "exit %d: %s", r.status, r.err);
    cr_expect_str_eq(r.err, want);
    cr_expect_str_eq(r.out, "");
    run_free(&r);

    /* The bench creates its results folder, then a temporary file in it. */
    r = tu_run_program("burstccn-bench",
                       dir, (const char *[]){"angles", "--data", data, "--out", under_dir, NULL});
    snprintf(want, sizeof want, "burstccn-bench angles: --out: cannot create folder '%s': %s\n",
             under_dir, strerror(ENOTDIR));
    cr_expect_eq(r.status, 1, "exit %d: %s", r.status, r.err);
    cr_expect_str_eq(r.err, want);
    cr_expect_str_eq(r.out, "");
    run_free(&r);

    r = tu_run_program("burstccn-bench", dir,
                       (const char *[]){"timing", "--devices", "ref", "--out", file, NULL});
    snprintf(want, sizeof want, "burstccn-bench timing: --out: '%s' is not a folder\n", file);
    cr_expect_eq(r.status, 1, "exit %d: %s", r.status, r.err);
    cr_expect_str_eq(r.err, want);
    cr_expect_str_eq(r.out, "");
    run_free(&r);

    /* Nothing was made beside the targets. */
    struct stat st;
    cr_expect_neq(stat(under_dir, &st), 0);
    unlink(file);
    free(under);
    free(under_dir);
    free(file);
}

/* ---- runtime errors ---- */

Test(cli, missing_or_broken_data_exit_1)
{
    char *missing = fx_path(dir, "no-such-data");
    run_result r = run((const char *[]){"train", "--device", "ref", "--data", missing, NULL});
    cr_assert_eq(r.status, 1, "exit %d: %s", r.status, r.err);
    cr_assert(strstr(r.err, missing), "stderr does not name the directory: %s", r.err);
    run_free(&r);
    free(missing);

    /* A labels file that does not match its images. */
    char *bad = fx_path(dir, "bad");
    cr_assert_eq(mkdir(bad, 0755), 0);
    write_dataset(bad);
    char *lbl = fx_path(bad, "t10k-labels-idx1-ubyte.gz");
    const uint32_t dl[1] = {3};
    const uint8_t three[3] = {1, 2, 3};
    fx_write_idx(lbl, 1, 0x08, 1, dl, three, 3, NULL, 0);
    r = run((const char *[]){"compare", "--device", "ref", "--data", bad, NULL});
    cr_assert_eq(r.status, 1, "exit %d: %s", r.status, r.err);
    cr_assert(strstr(r.err, lbl), "stderr does not name the file: %s", r.err);
    run_free(&r);
    free(lbl);
    fx_rmtree(bad);

    /* An unknown device. */
    r = run((const char *[]){"train", "--device", "no-such-device-xyz", "--data", data, NULL});
    cr_assert_eq(r.status, 1, "exit %d: %s", r.status, r.err);
    cr_assert(strstr(r.err, "no-such-device-xyz"), "%s", r.err);
    run_free(&r);
}

Test(cli, unwritable_output_exit_1)
{
    const char *path = "/nonexistent-bcn-dir/out.json";
    run_result r = run((const char *[]){"train", "--device", "ref", "--data", data, "--hidden",
                                        "8", "--epochs", "1", "--json", path, "--quiet", NULL});
    cr_assert_eq(r.status, 1, "exit %d: %s", r.status, r.err);
    cr_assert(strstr(r.err, path), "%s", r.err);
    /* Refused before any work: no epoch was trained or printed. */
    cr_assert(strstr(r.err, "does not exist"), "%s", r.err);
    cr_assert_str_eq(r.out, "", "trained before refusing: %s", r.out);
    run_free(&r);

    /* A CSV path that names a folder. */
    r = run((const char *[]){"train", "--device", "ref", "--data", data, "--hidden", "8",
                             "--epochs", "1", "--csv", dir, "--quiet", NULL});
    cr_assert_eq(r.status, 1, "exit %d: %s", r.status, r.err);
    cr_assert(strstr(r.err, "--csv") && strstr(r.err, "is a folder"), "%s", r.err);
    cr_assert_str_eq(r.out, "", "trained before refusing: %s", r.out);
    run_free(&r);
}

/* ---- train writes JSON and CSV ---- */

/* The JSON object written to `path`, parsed (fails the test if the file
 * is missing or not valid JSON). */
static jv *read_json(const char *path)
{
    char *text = fx_slurp(path);
    cr_assert_not_null(text, "%s was not written", path);
    jv *doc = jv_parse(text);
    cr_assert_not_null(doc, "invalid JSON in %s:\n%s", path, text);
    free(text);
    return doc;
}

/* Parse a CSV data row into 7 doubles (empty field -> NaN). */
static int csv_row(const char *line, double v[7])
{
    const char *p = line;
    for (int i = 0; i < 7; i++) {
        char *end;
        if (*p == ',' || *p == '\n' || *p == '\0') {
            v[i] = NAN;
            end = (char *)p;
        } else {
            v[i] = strtod(p, &end);
            if (end == p)
                return -1;
        }
        p = end;
        if (i < 6) {
            if (*p != ',')
                return -1;
            p++;
        }
    }
    return *p == '\n' || *p == '\0' ? 0 : -1;
}

/* Check a train JSON summary and CSV; returns the parsed JSON. */
static jv *check_outputs(const char *json_path, const char *csv_path, int epochs,
                         int validation)
{
    jv *doc = read_json(json_path);
    cr_assert_eq(doc->type, JV_OBJECT);
    const char *keys[] = {"rule", "device", "config", "epochs", "test_error", "test_loss",
                          "train_error", "seconds", "seconds_per_epoch", "history", "data"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        cr_assert_not_null(jv_get(doc, keys[i]), "JSON lacks '%s'", keys[i]);
    const jv *dev = jv_get(doc, "device");
    cr_assert_eq(dev->type, JV_OBJECT);
    cr_assert_str_eq(jv_get(dev, "id")->string, "ref");
    cr_assert_eq(jv_get(dev, "name")->type, JV_STRING);
    cr_assert_str_eq(jv_get(dev, "gemm")->string, "ref", "what ran the GEMMs");
    cr_assert_eq(jv_get(doc, "epochs")->number, epochs);
    double te = jv_get(doc, "test_error")->number;
    cr_assert_eq(jv_get(doc, "test_error")->type, JV_NUMBER);
    cr_assert(te >= 0 && te <= 100, "test_error %g", te);
    cr_assert(jv_get(doc, "seconds")->number >= 0);
    const jv *cfg = jv_get(doc, "config");
    const char *cfg_keys[] = {"sizes", "lr", "batch", "seed", "p_baseline", "error_scale",
                              "y_mode", "y_scale", "y_lr", "q_mode", "q_scale", "q_lr",
                              "recurrent", "r_lr", "optimizer", "momentum", "weight_decay"};
    for (size_t i = 0; i < sizeof cfg_keys / sizeof cfg_keys[0]; i++)
        cr_assert_not_null(jv_get(cfg, cfg_keys[i]), "config lacks '%s'", cfg_keys[i]);
    const jv *hist = jv_get(doc, "history");
    cr_assert_eq(hist->type, JV_ARRAY);
    cr_assert_eq(hist->n, (size_t)epochs);

    char *csv = fx_slurp(csv_path);
    cr_assert_not_null(csv, "%s was not written", csv_path);
    const char *header = "epoch,train_loss,train_error,val_error,test_loss,test_error,seconds\n";
    cr_assert(strncmp(csv, header, strlen(header)) == 0, "CSV header: %s", csv);
    const char *line = csv + strlen(header);
    for (int e = 0; e < epochs; e++) {
        double v[7];
        cr_assert_eq(csv_row(line, v), 0, "bad CSV row %d: %s", e + 1, line);
        cr_assert_eq(v[0], e + 1);
        cr_assert(v[2] >= 0 && v[2] <= 100 && v[5] >= 0 && v[5] <= 100);
        cr_assert_eq(isnan(v[3]), !validation, "val_error field of row %d", e + 1);
        /* The CSV and the JSON history agree. */
        const jv *h = hist->items[e];
        cr_assert_float_eq(v[5], jv_get(h, "test_error")->number, 1e-4);
        cr_assert_float_eq(v[2], jv_get(h, "train_error")->number, 1e-4);
        if (e == epochs - 1)
            cr_assert_float_eq(v[5], te, 1e-4);
        line = strchr(line, '\n');
        cr_assert_not_null(line);
        line++;
    }
    cr_assert_str_eq(line, "", "CSV has extra rows: %s", line);
    free(csv);
    return doc;
}

/* Number of directory entries whose name starts with '.' (temp files). */
static int hidden_files(const char *d)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | grep -c '^\\.' || true", d);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p) {
        if (fscanf(p, "%d", &n) != 1)
            n = -1;
        pclose(p);
    }
    return n;
}

Test(cli, train_writes_json_and_csv)
{
    char *json = fx_path(dir, "run.json"), *csv = fx_path(dir, "run.csv");
    run_result r = run((const char *[]){"train", "--device", "ref", "--data", data, "--hidden",
                                        "16", "--epochs", "3", "--validation", "50", "--json",
                                        json, "--csv", csv, "--seed", "7", NULL});
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    cr_assert(strstr(r.out, "final test error:"), "%s", r.out);
    cr_assert(strstr(r.out, "epoch 3/3"), "%s", r.out);
    jv *doc = check_outputs(json, csv, 3, 1);
    cr_assert_str_eq(jv_get(doc, "rule")->string, "burstccn");
    const jv *cfg = jv_get(doc, "config");
    cr_assert_eq(jv_get(cfg, "seed")->number, 7);
    const jv *sizes = jv_get(cfg, "sizes");
    cr_assert_eq(sizes->n, 3);
    cr_assert(sizes->items[0]->number == 784 && sizes->items[1]->number == 16 &&
              sizes->items[2]->number == 10);
    const jv *d = jv_get(doc, "data");
    cr_assert_eq(jv_get(d, "train")->number, 250);
    cr_assert_eq(jv_get(d, "validation")->number, 50);
    cr_assert_eq(jv_get(d, "test")->number, 60);
    jv_free(doc);
    cr_assert_eq(hidden_files(dir), 0, "temporary files left in %s", dir);
    run_free(&r);

    /* The same seed gives the same run (weights and data order). */
    char *json2 = fx_path(dir, "run2.json"), *csv2 = fx_path(dir, "run2.csv");
    r = run((const char *[]){"train", "--device", "ref", "--data", data, "--hidden", "16",
                             "--epochs", "3", "--validation", "50", "--json", json2, "--csv",
                             csv2, "--seed", "7", "--quiet", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_null(strstr(r.out, "epoch 1/3"), "--quiet printed epochs: %s", r.out);
    jv *a = check_outputs(json, csv, 3, 1), *b = check_outputs(json2, csv2, 3, 1);
    for (int e = 0; e < 3; e++) {
        const jv *ha = jv_get(a, "history")->items[e], *hb = jv_get(b, "history")->items[e];
        cr_assert_eq(jv_get(ha, "train_loss")->number, jv_get(hb, "train_loss")->number);
        cr_assert_eq(jv_get(ha, "test_loss")->number, jv_get(hb, "test_loss")->number);
    }
    jv_free(a);
    jv_free(b);
    run_free(&r);
    free(json2);
    free(csv2);
    free(json);
    free(csv);
}

/* Each rule trains at its own authors' settings unless --same-settings;
 * the JSON says which ("settings") and records them in "config". */
Test(cli, train_records_the_rules_settings)
{
    char *json = fx_path(dir, "bp.json");
    const char *args[] = {"train", "--device", "ref", "--data", data, "--rule", "burstprop",
                          "--hidden", "8", "--epochs", "1", "--json", json, "--quiet",
                          NULL, NULL};
    for (int same = 0; same < 2; same++) {
        args[14] = same ? "--same-settings" : NULL;
        run_result r = run(args);
        cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
        jv *doc = read_json(json);
        cr_assert_str_eq(jv_get(doc, "settings")->string, same ? "same" : "authors");
        const jv *cfg = jv_get(doc, "config"), *lr = jv_get(cfg, "lr");
        cr_assert_eq(lr->n, 2);
        cr_assert_float_eq(lr->items[0]->number, same ? 0.3 : 3.2, 1e-6);
        cr_assert_float_eq(lr->items[1]->number, same ? 0.3 : 0.32, 1e-6);
        cr_assert_str_eq(jv_get(cfg, "optimizer")->string, same ? "sgd" : "momentum");
        cr_assert_float_eq(jv_get(cfg, "p_baseline")->number, same ? 0.5 : 0.2, 1e-6);
        cr_assert_float_eq(jv_get(cfg, "y_scale")->number, same ? 0.5 : 1.0, 1e-6);
        cr_assert_float_eq(jv_get(cfg, "weight_decay")->number, same ? 0.0 : 1e-6, 1e-9);
        cr_assert_eq(jv_get(cfg, "recurrent")->number, 1, "Burstprop's R is on either way");
        jv_free(doc);
        run_free(&r);
    }
    free(json);
}

Test(cli, train_learns_the_fixture)
{
    /* The class is drawn into each image; backprop must learn it. */
    char *json = fx_path(dir, "bp.json"), *csv = fx_path(dir, "bp.csv");
    run_result r = run((const char *[]){"train", "--rule", "backprop", "--device", "ref",
                                        "--data", data, "--hidden", "32", "--epochs", "8",
                                        "--lr", "0.5", "--json", json, "--csv", csv, NULL});
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    jv *doc = check_outputs(json, csv, 8, 0);
    double te = jv_get(doc, "test_error")->number;
    cr_assert_lt(te, 50.0, "backprop did not learn the drawn classes: %g%% test error", te);
    jv_free(doc);
    run_free(&r);
    free(json);
    free(csv);
}

Test(cli, train_on_fashion_mnist)
{
    struct stat sb;
    if (stat("/usr/share/datasets/fashion-mnist", &sb) != 0)
        cr_skip_test("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
    char *json = fx_path(dir, "f.json"), *csv = fx_path(dir, "f.csv");
    run_result r = run((const char *[]){"train", "--hidden", "16", "--epochs", "1",
                                        "--train-limit", "500", "--test-limit", "200",
                                        "--device", "ref", "--json", json, "--csv", csv, NULL});
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    jv *doc = check_outputs(json, csv, 1, 0);
    const jv *d = jv_get(doc, "data");
    cr_assert_str_eq(jv_get(d, "name")->string, "fashion-mnist");
    cr_assert_eq(jv_get(d, "train")->number, 500);
    cr_assert_eq(jv_get(d, "test")->number, 200);
    jv_free(doc);
    run_free(&r);
    free(json);
    free(csv);
}

/* ---- compare ---- */

Test(cli, compare_prints_and_writes_angles)
{
    char *json = fx_path(dir, "cmp.json");
    /* With Y tied to W, FA's update is backprop's exactly (SPEC §4). */
    run_result r = run((const char *[]){"compare", "--device", "ref", "--data", data,
                                        "--hidden", "20,12", "--y-mode", "tied", "--q-mode",
                                        "tied", "--steps", "5", "--json", json, NULL});
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    cr_assert(strstr(r.out, "burstprop") && strstr(r.out, "W(l+1)-Y(l)"), "%s", r.out);
    jv *doc = read_json(json);
    cr_assert_eq(jv_get(doc, "steps")->number, 5);
    const jv *layers = jv_get(doc, "layers");
    cr_assert_eq(layers->n, 3);
    for (size_t l = 0; l < 3; l++) {
        const jv *to = jv_get(layers->items[l], "to_backprop");
        const jv *fa = jv_get(jv_get(to, "fa"), "angle");
        const jv *bp = jv_get(jv_get(to, "backprop"), "angle");
        cr_assert_eq(fa->type, JV_NUMBER, "layer %zu: FA angle missing", l + 1);
        cr_assert_lt(fa->number, 1e-3, "layer %zu: FA angle %g with tied Y", l + 1, fa->number);
        cr_assert_lt(bp->number, 1e-3);
        cr_assert_gt(jv_get(jv_get(to, "burstccn"), "norm")->number, 0);
        const jv *wy = jv_get(layers->items[l], "w_y");
        if (l < 2) {
            cr_assert_eq(wy->type, JV_NUMBER);
            cr_assert_lt(wy->number, 1e-3, "W-Y angle %g with tied Y", wy->number);
        } else {
            cr_assert_eq(wy->type, JV_NULL, "the output layer has no Y");
        }
    }
    cr_assert_not_null(jv_get(jv_get(jv_get(doc, "global"), "to_backprop"), "burstccn"));
    jv_free(doc);
    run_free(&r);

    /* With random Y, FA's hidden updates are far from backprop's. */
    r = run((const char *[]){"compare", "--device", "ref", "--data", data, "--hidden", "20,12",
                             "--json", json, "--quiet", NULL});
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    doc = read_json(json);
    double fa1 = jv_get(jv_get(jv_get(jv_get(doc, "layers")->items[0], "to_backprop"), "fa"),
                        "angle")->number;
    cr_assert_gt(fa1, 20.0, "FA with random Y at %g degrees", fa1);
    jv_free(doc);
    run_free(&r);
    free(json);
}

/* Conv nets: train writes the architecture; a kernel that does not fit
 * the data is a usage error naming the layer; compare with tied Y/Q puts
 * BurstCCN's update within a degree of backprop's in every layer, conv
 * layers included (SPEC §5's small-error limit holds only roughly at the
 * fixture's errors, so the bound is loose; the tight one is in test_conv). */
Test(cli, conv_nets_train_and_compare)
{
    char *json = fx_path(dir, "conv.json");
    run_result r = run((const char *[]){"train", "--device", "ref", "--data", data, "--arch",
                                        "conv:4:5:2,conv:6:3:2:1,dense:16", "--epochs", "1",
                                        "--json", json, "--quiet", NULL});
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    jv *doc = read_json(json);
    const jv *cfg = jv_get(doc, "config");
    cr_assert_str_eq(jv_get(cfg, "arch")->string, "conv:4:5:2,conv:6:3:2:1,dense:16,dense:10");
    const jv *layers = jv_get(cfg, "layers");
    cr_assert_eq(layers->n, 4);
    cr_assert_str_eq(jv_get(layers->items[0], "kind")->string, "conv2d");
    cr_assert_str_eq(jv_get(layers->items[2], "kind")->string, "dense");
    /* 28 → (28 − 5)/2 + 1 = 12 → (12 + 2 − 3)/2 + 1 = 6 */
    const jv *shape = jv_get(layers->items[1], "shape");
    cr_assert(shape->n == 3 && shape->items[0]->number == 6 && shape->items[1]->number == 6 &&
              shape->items[2]->number == 6);
    const jv *sizes = jv_get(cfg, "sizes");
    cr_assert_eq(sizes->items[0]->number, 784);
    cr_assert_eq(sizes->items[2]->number, 216);
    cr_assert_eq(jv_get(doc, "test_error")->type, JV_NUMBER);
    jv_free(doc);
    run_free(&r);

    r = run((const char *[]){"train", "--device", "ref", "--data", data, "--arch",
                             "conv:4:5:2,conv:4:13", "--quiet", NULL});
    cr_assert_eq(r.status, 2, "exit %d: %s", r.status, r.err);
    cr_assert(strstr(r.err, "layer 2"), "%s", r.err);
    run_free(&r);

    r = run((const char *[]){"compare", "--device", "ref", "--data", data, "--arch",
                             "conv:4:5:2,conv:6:3:2,dense:16", "--y-mode", "tied", "--y-scale",
                             "1", "--q-mode", "tied", "--json", json, NULL});
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    cr_assert(strstr(r.out, "conv 4x25"), "%s", r.out);
    doc = read_json(json);
    layers = jv_get(doc, "layers");
    cr_assert_eq(layers->n, 4);
    for (size_t l = 0; l < 4; l++) {
        const jv *a = jv_get(jv_get(jv_get(layers->items[l], "to_backprop"), "burstccn"), "angle");
        cr_assert_eq(a->type, JV_NUMBER, "layer %zu: no angle", l + 1);
        cr_expect_lt(a->number, 1.0, "layer %zu (%s): BurstCCN at %g degrees with tied Y/Q",
                     l + 1, jv_get(layers->items[l], "kind")->string, a->number);
    }
    jv_free(doc);
    run_free(&r);
    free(json);
}

/* A CIFAR-10 folder of the binary format: 5 training batches of 6
 * records and a test batch of 6 (labels 0..9 cycling, noise pixels). */
static void write_cifar(const char *d)
{
    bcn_rng rng;
    bcn_rng_seed(&rng, 7);
    for (int f = 0; f <= 5; f++) {
        char name[32];
        if (f < 5)
            snprintf(name, sizeof name, "data_batch_%d.bin", f + 1);
        else
            snprintf(name, sizeof name, "test_batch.bin");
        char *p = fx_path(d, name);
        FILE *fp = fopen(p, "wb");
        cr_assert_not_null(fp, "%s", p);
        for (int r = 0; r < 6; r++) {
            unsigned char rec[3073];
            rec[0] = (unsigned char)((f * 6 + r) % 10);
            for (int i = 1; i < 3073; i++)
                rec[i] = (unsigned char)bcn_rng_below(&rng, 256);
            cr_assert_eq(fwrite(rec, 1, sizeof rec, fp), sizeof rec);
        }
        fclose(fp);
        free(p);
    }
}

/* CIFAR-10 input: 3 x 32 x 32 images, normalised and augmented by
 * default, recorded in the JSON; --normalize off and --augment off say
 * so; --normalize on is refused for IDX data. */
Test(cli, cifar10_input)
{
    char *cdir = fx_path(dir, "cifar");
    cr_assert_eq(mkdir(cdir, 0755), 0);
    write_cifar(cdir);
    char src[4200];
    snprintf(src, sizeof src, "cifar10:%s", cdir);
    char *json = fx_path(dir, "cifar.json");
    for (int variant = 0; variant < 2; variant++) {
        const char *args[24] = {"train", "--device", "ref", "--data", src, "--arch",
                                "conv:4:5:2,dense:8", "--epochs", "1", "--batch", "8", "--json",
                                json, "--quiet"};
        if (variant == 1) {
            args[14] = "--normalize";
            args[15] = "off";
            args[16] = "--augment";
            args[17] = "off";
            args[4] = cdir; /* the plain folder form */
        }
        run_result r = run(args);
        cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
        jv *doc = read_json(json);
        const jv *data_info = jv_get(doc, "data");
        cr_assert_str_eq(jv_get(data_info, "name")->string, "cifar10");
        cr_assert_eq(jv_get(data_info, "train")->number, 30);
        cr_assert_eq(jv_get(data_info, "test")->number, 6);
        cr_assert_eq(jv_get(data_info, "channels")->number, 3);
        cr_assert_eq(jv_get(data_info, "normalized")->type, JV_BOOL);
        cr_assert_eq(jv_get(data_info, "normalized")->number, variant ? 0 : 1);
        cr_assert_eq(jv_get(data_info, "augment")->number, variant ? 0 : 1);
        const jv *in = jv_get(jv_get(doc, "config"), "input");
        cr_assert(in->n == 3 && in->items[0]->number == 3 && in->items[1]->number == 32);
        cr_assert_eq(jv_get(jv_get(doc, "config"), "sizes")->items[0]->number, 3072);
        jv_free(doc);
        run_free(&r);
    }
    run_result r = run((const char *[]){"train", "--device", "ref", "--data", data,
                                        "--normalize", "on", "--quiet", NULL});
    cr_assert_eq(r.status, 1, "exit %d: %s", r.status, r.err);
    cr_assert(strstr(r.err, "CIFAR-10 only"), "%s", r.err);
    run_free(&r);
    free(json);
    fx_rmtree(cdir);
}

Test(cli, devices_lists_ref)
{
    run_result r = run((const char *[]){"devices", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\nref "), "%s", r.out);
    run_free(&r);
}

Test(cli, devices_explains_missing_opencl)
{
    /* The ICD loader finds no platform when pointed at an empty vendor dir. */
    setenv("OCL_ICD_VENDORS", "/nonexistent-bcn-vendors", 1);
    run_result r = run((const char *[]){"devices", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\nref "), "%s", r.out);
    cr_assert_null(strstr(r.out, "cl:"), "an OpenCL device was listed: %s", r.out);
    cr_assert(strstr(r.err, "note: no OpenCL device: ") && strlen(r.err) > 30,
              "stderr does not say why: %s", r.err);
    run_free(&r);
}

/* ---- --gemm: which GEMM code an OpenCL device runs ---- */

/* 1 when the library opens an OpenCL device here. */
static int have_cl(void)
{
    bcn_ctx *ctx = bcn_ctx_new();
    int ok = ctx && bcn_ctx_open_device(ctx, "cl") == BCN_OK;
    bcn_ctx_free(ctx);
    return ok;
}

/* The "gemm" member of the JSON file's "device" (malloc'd). */
static char *json_gemm(const char *path)
{
    jv *doc = read_json(path);
    const jv *g = jv_get(jv_get(doc, "device"), "gemm");
    cr_assert(g && g->type == JV_STRING, "%s: no device.gemm", path);
    char *s = strdup(g->string);
    jv_free(doc);
    return s;
}

Test(cli, gemm_option_help_and_bad_values)
{
    const char *cmds[] = {"train", "compare", "eval", "tune", "devices"};
    for (int i = 0; i < 5; i++) {
        run_result r = run((const char *[]){cmds[i], "--help", NULL});
        cr_assert_eq(r.status, 0);
        cr_assert_not_null(strstr(r.out, "--gemm auto|own|clblast"), "%s --help: %s", cmds[i],
                           r.out);
        run_free(&r);
        r = run((const char *[]){cmds[i], "--gemm", "fast", NULL});
        cr_assert_eq(r.status, 2, "%s --gemm fast: exit %d", cmds[i], r.status);
        cr_assert_not_null(
            strstr(r.err, "--gemm: 'fast' is not a GEMM engine (expected auto, own or clblast)"),
            "%s: %s", cmds[i], r.err);
        run_free(&r);
    }
    run_result r = run((const char *[]){"devices", "--gemm", NULL});
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "--gemm: missing value"), "%s", r.err);
    run_free(&r);
    r = run((const char *[]){"devices", "--gemm", "own", "--gemm", "clblast", NULL});
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "--gemm given twice"), "%s", r.err);
    run_free(&r);
    r = run((const char *[]){"--version", NULL});
    cr_assert_eq(r.status, 0);
    cr_assert_not_null(strstr(r.out, "GEMM engines"), "%s", r.out);
    run_free(&r);
}

/* --gemm reaches the device: train, compare and eval say in their JSON
 * (and first line) what ran the GEMMs; $BURSTCCN_GEMM is the default and
 * --gemm overrides it; devices shows the setting per device. */
Test(cli, gemm_option_changes_what_runs)
{
    const char *dev = have_cl() ? "cl" : "ref";
    char *json = fx_path(dir, "g.json"), *model = fx_path(dir, "g.model");
    setenv("BURSTCCN_TUNE", "off", 1); /* no tuned set from the user's cache: plain names */
    const char *engines[] = {"own", "clblast"};
    for (int e = 0; e < 2; e++) {
        const char *want = strcmp(dev, "cl") == 0 ? engines[e] : "ref";
        run_result r = run((const char *[]){"train", "--device", dev, "--data", data, "--hidden",
                                            "16", "--epochs", "1", "--gemm", engines[e], "--json",
                                            json, "--save", model, NULL});
        cr_assert_eq(r.status, 0, "train --gemm %s: %s", engines[e], r.err);
        char line[64];
        snprintf(line, sizeof line, ", GEMM %s\n", want);
        cr_assert_not_null(strstr(r.out, line), "%s", r.out);
        run_free(&r);
        char *g = json_gemm(json);
        cr_assert_str_eq(g, want, "train --gemm %s", engines[e]);
        free(g);
        r = run((const char *[]){"compare", "--device", dev, "--data", data, "--hidden", "16",
                                 "--gemm", engines[e], "--json", json, NULL});
        cr_assert_eq(r.status, 0, "compare: %s", r.err);
        run_free(&r);
        g = json_gemm(json);
        cr_assert_str_eq(g, want, "compare --gemm %s", engines[e]);
        free(g);
        r = run((const char *[]){"eval", "--device", dev, "--model", model, "--gemm",
                                 engines[1 - e], "--json", json, NULL});
        cr_assert_eq(r.status, 0, "eval: %s", r.err);
        run_free(&r);
        g = json_gemm(json);
        cr_assert_str_eq(g, strcmp(dev, "cl") == 0 ? engines[1 - e] : "ref",
                         "eval --gemm %s", engines[1 - e]);
        free(g);
    }
    if (strcmp(dev, "cl") == 0) {
        /* $BURSTCCN_GEMM when no --gemm; --gemm wins over it. */
        setenv("BURSTCCN_GEMM", "clblast", 1);
        run_result r = run((const char *[]){"compare", "--device", "cl", "--data", data,
                                            "--hidden", "16", "--json", json, NULL});
        cr_assert_eq(r.status, 0, "%s", r.err);
        run_free(&r);
        char *g = json_gemm(json);
        cr_assert_str_eq(g, "clblast");
        free(g);
        r = run((const char *[]){"compare", "--device", "cl", "--data", data, "--hidden", "16",
                                 "--gemm", "own", "--json", json, NULL});
        cr_assert_eq(r.status, 0, "%s", r.err);
        run_free(&r);
        g = json_gemm(json);
        cr_assert_str_eq(g, "own");
        free(g);
        /* devices: the GEMM column under the setting. */
        r = run((const char *[]){"devices", NULL});
        cr_assert_eq(r.status, 0, "%s", r.err);
        cr_assert_not_null(strstr(r.out, " GEMM "), "%s", r.out);
        const char *row = strstr(r.out, "\ncl:");
        cr_assert(row && strstr(row, " clblast "), "devices under BURSTCCN_GEMM=clblast: %s",
                  r.out);
        run_free(&r);
        r = run((const char *[]){"devices", "--gemm", "own", NULL});
        cr_assert_eq(r.status, 0, "%s", r.err);
        row = strstr(r.out, "\ncl:");
        cr_assert(row && strstr(row, " own "), "devices --gemm own: %s", r.out);
        cr_assert_null(strstr(row, " clblast "), "%s", r.out);
        const char *ref = strstr(r.out, "\nref ");
        cr_assert(ref && strstr(ref, " ref "), "ref's GEMM column: %s", r.out);
        run_free(&r);
        /* A bad $BURSTCCN_GEMM: the device does not open, and says why. */
        setenv("BURSTCCN_GEMM", "fast", 1);
        r = run((const char *[]){"compare", "--device", "cl", "--data", data, "--hidden", "16",
                                 NULL});
        cr_assert_eq(r.status, 1);
        cr_assert_not_null(strstr(r.err, "BURSTCCN_GEMM='fast'"), "%s", r.err);
        run_free(&r);
        unsetenv("BURSTCCN_GEMM");
    }
    free(json);
    free(model);
}

/* --gemm is no part of the model: a run may resume under another engine,
 * and ends where the uninterrupted run ends within float rounding. */
Test(cli, resume_may_change_gemm)
{
    const char *dev = have_cl() ? "cl" : "ref";
    setenv("BURSTCCN_TUNE", "off", 1);
    char *full = fx_path(dir, "full.json"), *res = fx_path(dir, "res.json"),
         *ckpt = fx_path(dir, "half.ckpt");
    run_result r = run((const char *[]){"train", "--device", dev, "--data", data, "--hidden",
                                        "16", "--epochs", "2", "--gemm", "own", "--json", full,
                                        "--quiet", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    r = run((const char *[]){"train", "--device", dev, "--data", data, "--hidden", "16",
                             "--epochs", "1", "--gemm", "own", "--checkpoint", ckpt, "--quiet",
                             NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    r = run((const char *[]){"train", "--resume", ckpt, "--epochs", "2", "--gemm", "clblast",
                             "--json", res, "--quiet", NULL});
    cr_assert_eq(r.status, 0, "resume with another --gemm: exit %d: %s", r.status, r.err);
    run_free(&r);
    char *g = json_gemm(res);
    cr_assert_str_eq(g, strcmp(dev, "cl") == 0 ? "clblast" : "ref");
    free(g);
    jv *a = read_json(full), *b = read_json(res);
    const jv *ha = jv_get(a, "history"), *hb = jv_get(b, "history");
    cr_assert_eq(ha->n, 2);
    cr_assert_eq(hb->n, 2);
    for (int e = 0; e < 2; e++) {
        double la = jv_get(ha->items[e], "test_loss")->number,
               lb = jv_get(hb->items[e], "test_loss")->number;
        cr_assert(fabs(la - lb) <= 1e-4 * fabs(la) + 1e-6,
                  "epoch %d test loss: %.9g uninterrupted (own), %.9g resumed (clblast)", e + 1,
                  la, lb);
    }
    jv_free(a);
    jv_free(b);
    free(full);
    free(res);
    free(ckpt);
}
