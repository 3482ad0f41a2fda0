/*
 * bench.h — shared declarations of burstccn-bench, the benchmark harness:
 * options, output helpers (CSV, gnuplot metadata, JSON blocks), and the
 * subcommands angles, curves, timing, all and plots.
 *
 * Every subcommand writes into one results folder (--out DIR): NAME.csv,
 * NAME.json and NAME_meta.gp (what the gnuplot scripts print on the
 * figures), then redraws the figures and summary.md from whatever results
 * the folder holds.
 */
#ifndef BCN_BENCH_H
#define BCN_BENCH_H

#include <stddef.h>
#include <stdio.h>

#include "burstccn.h"
#include "atomic_file.h"
#include "json.h"

/* Exit statuses: 0 success, 1 a run failed, 2 a usage error. */
#define BENCH_EXIT_FAIL 1
#define BENCH_EXIT_USAGE 2
/* What bench_angles_run and bench_curves_run return (never an exit
 * status) when the device cannot run the network at all
 * (BCN_ERR_UNSUPPORTED, e.g. conv layers on a backend without them):
 * nothing was written, the caller may try another device. */
#define BENCH_RUN_UNSUPPORTED 4

#define BENCH_MAX_LIST 16 /* longest --batches / --widths / --devices list */
#define BENCH_MAX_ARCH 4  /* --arch given at most this often (timing) */

/* Subcommands, as bits so an option can name those that accept it. */
enum {
    BENCH_CMD_ANGLES = 1u << 0,
    BENCH_CMD_CURVES = 1u << 1,
    BENCH_CMD_TIMING = 1u << 2,
    BENCH_CMD_ALL = 1u << 3,
    BENCH_CMD_PLOTS = 1u << 4
};

/* A float option that is applied only when given on the command line. */
typedef struct bench_fopt {
    int set;
    float value;
} bench_fopt;

typedef struct bench_opts {
    unsigned cmd;               /* the BENCH_CMD_* being run */
    /* data */
    char data[4096];            /* "fashion-mnist", "mnist" or a directory */
    int train_limit, test_limit;
    /* network: authors' defaults (bcn_net_config_init) unless given */
    int n_hidden;
    int hidden[BCN_MAX_LAYERS - 1];
    int hidden_set, widths_set, depth_set; /* given on the command line */
    /* --arch: angles and curves take one (none: the dense --hidden
     * widths), timing one per network it times. */
    int n_arch;
    char arch[BENCH_MAX_ARCH][512];
    bcn_shape input;            /* timing: shape of the random inputs (input_set) */
    int input_set;
    bench_fopt lr, p_baseline, y_scale, y_lr, q_scale, q_lr;
    int same_settings;          /* --same-settings: BurstCCN's settings for every rule
                                   (default: each rule its own authors') */
    int y_mode_set, q_mode_set;
    bcn_fb_mode y_mode, q_mode;
    unsigned long long seed;
    int batch;
    char model[4096];           /* angles --model: the saved network to start from ("" none) */
    /* rules: the driving rule (angles) and the set compared (curves, timing) */
    bcn_rule rule;
    int rule_set;               /* --rule given */
    unsigned rules;             /* BCN_RULE_BIT mask */
    /* angles */
    int steps, every;
    /* curves */
    int epochs, evals_per_epoch;
    /* devices: --device for angles/curves ("" = library default), --devices
     * for timing (n_devices == 0: ref and every OpenCL device) */
    char device[256];
    int n_devices;
    char devices[BENCH_MAX_LIST][256];
    /* timing sweep */
    int n_batches, batches[BENCH_MAX_LIST];
    int n_widths, widths[BENCH_MAX_LIST];
    int depth;                  /* hidden layers of the timed networks */
    int reps, warmup;
    double target_s;            /* seconds per timed repetition */
    /* all */
    int quick;
    int cifar;                  /* also time the CIFAR-10 net */
    /* Set by all, not a flag: appended to the names of the files a run
     * writes ("_conv": curves_conv.csv, angles_conv.json, ...). */
    char suffix[16];
    /* output */
    char out[4096];
    char plots_dir[4096];       /* "" = find them (see plots.c) */
    int no_plots;
    int quiet;                  /* no progress display */
    bcn_tune_mode tune;         /* timing: --tune auto (default), force or off */
    bcn_gemm_engine gemm;       /* --gemm (BCN_GEMM_DEFAULT unless given): every device opened */
    char compare_build[4096];   /* timing --compare-build DIR ("" none; compare_build.c) */
} bench_opts;

/* ------------------------------------------------------------ options */

/* Defaults of every option for subcommand `cmd`. */
void bench_opts_init(bench_opts *o, unsigned cmd);
/* Parse argv[first..argc) for subcommand o->cmd into o (each flag at most
 * once; --arch up to 4 times for timing), then prove the results folder
 * writable (created, and a temporary file made in it). Returns 0,
 * BENCH_EXIT_USAGE after printing the problem, BENCH_EXIT_FAIL when the
 * results folder cannot be written (printed); 3 when --help was shown. */
int bench_opts_parse(bench_opts *o, int argc, char **argv, int first);
/* Rewrite the library's configuration field names in an error message as
 * the flags that set them ("p_baseline = 1" -> "--p-baseline 1"). */
void bench_fields_to_flags(char *msg, size_t size);
/* Print the usage of one subcommand (its options) to `out`. */
void bench_usage_cmd(FILE *out, unsigned cmd);
/* The network configuration of `rule` for inputs of shape `input` and
 * n_out classes: the rule's own authors' defaults (bcn_net_config_init;
 * BurstCCN's for every rule with --same-settings, bcn_net_config_init_shared)
 * with the options given applied (the first --arch, else the dense --hidden
 * widths). 0, or -1 with err set (a bad --arch; the geometry is checked by
 * bcn_net_config_check). */
int bench_net_config(const bench_opts *o, bcn_rule rule, bcn_shape input, int n_out,
                     bcn_net_config *cfg, char *err, size_t errlen);
/* 1 when `arch` describes the paper's CIFAR-10 network ("cifar" or its
 * layers written out). */
int bench_arch_is_cifar(const char *arch);
/* The input shape of a timed network (`arch` NULL: the dense family):
 * --input, else 3x32x32 for the CIFAR-10 net and 1x28x28 otherwise. */
bcn_shape bench_timing_input(const bench_opts *o, const char *arch);

/* ------------------------------------------------------------ files */

/* Create `dir` and its parents (like mkdir -p). 0 or -1 with err set. */
int bench_mkdirs(const char *dir, char *err, size_t errlen);
/* dir + "/" + name into buf; -1 if it does not fit. */
int bench_path(char *buf, size_t len, const char *dir, const char *name);

/* A CSV file written through a temporary file and renamed at the end. */
typedef struct bench_csv {
    bcn_atomic_file out; /* write through out.f */
    int ncols, col, rows;
    int bad;       /* a row had the wrong number of fields */
} bench_csv;

/* Open `path` and write the header `cols` ("a,b,c"). 0 or -1 with err. */
int bench_csv_open(bench_csv *c, const char *path, const char *cols, char *err,
                   size_t errlen);
/* Append a field: text (quoted when it holds a comma, quote or newline). */
void bench_csv_str(bench_csv *c, const char *s);
/* Append a number (%.6g); NaN/inf and invalid values give an empty field. */
void bench_csv_num(bench_csv *c, double v);
/* Append an integer. */
void bench_csv_int(bench_csv *c, long long v);
/* Append an empty field (a missing value). */
void bench_csv_empty(bench_csv *c);
/* End the current row (its field count must match the header). */
void bench_csv_end_row(bench_csv *c);
/* Close and rename into place. 0, or -1 with err (nothing is left). */
int bench_csv_commit(bench_csv *c, char *err, size_t errlen);
/* Give up on the file. */
void bench_csv_abort(bench_csv *c);

/* A parsed CSV file: rows of fields, the header is row 0. */
typedef struct bench_table {
    int nrows, ncols;    /* ncols of the header */
    char ***cell;        /* cell[r][c], r < nrows, c < ncols ("" if absent) */
} bench_table;

/* Read a CSV file. 0, or -1 with err set (missing file, bad quoting). */
int bench_table_read(bench_table *t, const char *path, char *err, size_t errlen);
/* Index of the header column `name`, or -1. */
int bench_table_col(const bench_table *t, const char *name);
/* Free a table. */
void bench_table_free(bench_table *t);

/* NAME_meta.gp: gnuplot assignments read by the plot scripts. */
typedef struct bench_meta {
    bcn_atomic_file out; /* write through out.f */
} bench_meta;

/* Start DIR/NAME_meta.gp with the date, host and library version. */
int bench_meta_open(bench_meta *m, const char *dir, const char *name, char *err,
                    size_t errlen);
/* key = "value" (escaped for a gnuplot double-quoted string). */
void bench_meta_str(bench_meta *m, const char *key, const char *value);
/* meta_footer = text, broken into lines that fit across a figure. */
void bench_meta_footer(bench_meta *m, const char *text);
/* meta_info = text (the figures' second title line), broken into lines
 * that fit across a figure. */
void bench_meta_info(bench_meta *m, const char *text);
/* key = number. */
void bench_meta_num(bench_meta *m, const char *key, double value);
/* The layers for the figures: meta_layers = L, meta_has_conv, and per
 * layer l meta_layer_label_l ("conv 1 (32@12x12, 5x5/2)", "dense 4 (10)")
 * and meta_layer_name_l ("conv1", "dense4"). */
void bench_meta_layers(bench_meta *m, const bcn_net_config *cfg);
/* Close and rename into place. */
int bench_meta_commit(bench_meta *m, char *err, size_t errlen);
/* Read the string or number assigned to `key` in a NAME_meta.gp file into
 * buf (without quotes). 0 when found. */
int bench_meta_read(const char *path, const char *key, char *buf, size_t len);

/* "cl:0:0 = NAME (OpenCL version, driver D)" or "ref = NAME". */
void bench_describe_device(const bcn_device_info *d, char *buf, size_t len);
/* "784-500-10, batch 32, lr 0.3, p_b 0.5, Y random (std 0.5), Q sym (x1, lr
 * 0.000731)": the network and its feedback as the figures print it. */
void bench_describe_net(const bcn_net_config *cfg, int batch, char *buf, size_t len);
/* Which settings the rules of `mask` ran with, for the figures and
 * summary: "each rule at its own authors' settings: BurstCCN lr 0.3, SGD,
 * ...; Burstprop lr 3.2 hidden / 0.32 output, momentum 0.8, ..." or, with
 * same_settings, "BurstCCN's settings for every rule (--same-settings):
 * ...". cfgs[rule] holds each rule's configuration. */
void bench_describe_settings(const bcn_net_config *cfgs, unsigned mask, int same_settings,
                             char *buf, size_t len);
/* meta_settings = "authors" or "same", and meta_settings_RULE = the rule's
 * settings in one line (bcn_net_settings_desc) for every rule in mask. */
void bench_meta_settings(bench_meta *m, const bcn_net_config *cfgs, unsigned mask,
                         int same_settings);

/* Write a JSON document through a temporary file: open, fill, commit. */
typedef struct bench_jsonfile {
    bcn_json j;
    bcn_atomic_file out;
} bench_jsonfile;

/* Start DIR/CMD SUFFIX.json: the top-level object with "command": CMD and
 * "csv": "CMD SUFFIX.csv" (suffix "" or "_conv"). 0, or -1 with err set. */
int bench_json_begin(bench_jsonfile *jf, const char *dir, const char *cmd, const char *suffix,
                     char *err, size_t errlen);
/* Finish the document and rename it into place. 0, or -1 with err set. */
int bench_json_commit(bench_jsonfile *jf, char *err, size_t errlen);

/* ------------------------------------------------------- machine, build */

typedef struct bench_machine {
    char hostname[256];
    char cpu_model[256];
    int cores;
    double mem_gib;
    double load1;        /* 1-minute load average (other work skews timings) */
    char os[256];
    char date[64];       /* local time, "YYYY-MM-DD HH:MM" */
    char date_iso[64];   /* UTC, ISO 8601 */
} bench_machine;

/* Fill in what this machine is (best effort: unknown fields stay ""). */
void bench_machine_read(bench_machine *m);
/* "machine": {...} into an open JSON object. */
void bench_json_machine(bcn_json *j, const bench_machine *m);
/* "build": {...}: compiler, flags, CLBlast and ICD loader, library. */
void bench_json_build(bcn_json *j);
/* One device's description as a JSON object (value only). */
void bench_json_device(bcn_json *j, const bcn_device_info *d, const char *gemm);
/* The network configuration as a JSON object (value only): "network"
 * (one line), the layers (bcn_json_net: arch, input, sizes, layers), then
 * the rule's settings. */
void bench_json_net_config(bcn_json *j, const bcn_net_config *cfg);
/* The OpenCL ICD loader's name and version ("" when unknown). */
void bench_icd_loader(char *buf, size_t len);
/* The device's name with runs of blanks collapsed, cut to `max` chars. */
void bench_device_short(const bcn_device_info *d, char *buf, size_t len, size_t max);

/* ---------------------------------------------------------- subcommands */

/* What a training subcommand `cmd` starts with: the results folder, a
 * context on o->device and the dataset. 0, or -1 with the error printed
 * and nothing left open. */
int bench_open_run(const bench_opts *o, const char *cmd, bcn_ctx **ctx, bcn_device_info *dev,
                   bcn_dataset **ds);

/* The network of a training subcommand: bench_net_config for the
 * dataset's image shape and classes, checked (a conv layer larger than its
 * input, ...). 0, or BENCH_EXIT_USAGE with the problem printed. */
int bench_run_config(const bench_opts *o, const char *cmd, bcn_ctx *ctx, bcn_rule rule,
                     const bcn_dataset *ds, bcn_net_config *cfg);

/* A network family to time: arch NULL is the dense family (o->depth
 * hidden layers of each case's width), else the --arch network; inputs
 * (random) of shape `input`, n_out output units. */
typedef struct bench_tnet {
    const char *arch;
    bcn_shape input;
    int n_out;
} bench_tnet;

/* One timed configuration: a rule at a batch size on network `net` (an
 * index into the bench_tnet list), of hidden width `width` for the dense
 * family. */
typedef struct bench_tcase {
    bcn_rule rule;
    int batch, width;
    int net;
} bench_tcase;

/* Time `cases` on every device of the options and write timing.csv/.json/
 * _meta.gp; the bar chart shows the cases at base_batch (and, for the
 * dense family, base_width), one row of panels per network family. */
int bench_timing_run(const bench_opts *o, const bench_tnet *nets, int n_nets,
                     const bench_tcase *cases, int n_cases, int base_batch, int base_width);

/* The subcommands without drawing (results into o->out): 0, 1, 2 (the
 * network does not fit the data) or BENCH_RUN_UNSUPPORTED. */
int bench_angles_run(const bench_opts *o);
int bench_curves_run(const bench_opts *o);

int bench_cmd_angles(const bench_opts *o);
int bench_cmd_curves(const bench_opts *o);
int bench_cmd_timing(const bench_opts *o);

/* Set (to 1) in the environment of --compare-build's child runs: this
 * build's `timing` then skips gemm_tune.csv and startup.csv (an older
 * bench ignores it). */
#define BENCH_COMPARE_CHILD_ENV "BURSTCCN_BENCH_COMPARE_CHILD"

/* timing --compare-build: time each case on this build and on
 * o->compare_build's burstccn-bench, alternating, one repetition per child
 * run; writes compare.csv. 0, or BENCH_EXIT_FAIL with the problem printed
 * (DIR without a usable burstccn-bench among them). */
int bench_compare_build(const bench_opts *o, const bench_tnet *nets, const bench_tcase *cases,
                        int n_cases);
int bench_cmd_all(const bench_opts *o);
/* Redraw the figures and summary.md of a results folder. */
int bench_cmd_plots(const bench_opts *o);

/* Run every plot script whose inputs are in `dir` and write summary.md.
 * Returns 0, or 1 when a script failed (gnuplot missing is a warning). */
int bench_render(const bench_opts *o, const char *dir);
/* Write dir/summary.md from the results in dir. 0 or -1. */
int bench_summary_write(const char *dir, char *err, size_t errlen);
/* Find the folder of the gnuplot scripts (see plots.c). */
int bench_plots_dir(const bench_opts *o, char *buf, size_t len);

/* tune_report.c: gemm_tune.csv (SGEMM rate per step shape, CLBlast's own
 * parameters vs the tuned set, timed alternately; --tune force tunes
 * first) and startup.csv (a fresh process's open + create + first step with
 * all, the library's only, and no caches) for every OpenCL device of devs
 * with dev_ok set, the network cfg at `batch`. 0, or -1 (printed). */
int bench_tune_report(const bench_opts *o, const bcn_device_info *devs, const int *dev_ok,
                      int n_devs, const bcn_net_config *cfg, int batch);
/* `burstccn-bench startup-probe DEVICE` (internal, run by
 * bench_tune_report): prints the seconds from nothing to the open device
 * and to one finished training step of 784-500-500-500-10 at batch 32. */
int bench_startup_probe(int argc, char **argv);

#endif /* BCN_BENCH_H */
