/*
 * cli.h — shared declarations of the `burstccn` command: exit codes, the
 * settings every subcommand parses from its flags, and the helpers the
 * subcommands share (setup of device, data and network; JSON sections).
 */
#ifndef BCN_CLI_H
#define BCN_CLI_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "burstccn.h"
#include "json.h"

/* Exit statuses. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_RUNTIME = 1, CLI_EXIT_USAGE = 2 };
/* cli_parse's result when --help was printed (exit 0). */
#define CLI_HELP_SHOWN (-1)

/* Subcommands, as bits so an option can belong to several. */
#define CLI_CMD_TRAIN 1u
#define CLI_CMD_COMPARE 2u
#define CLI_TUNE_BUDGET_S 120.0 /* --tune force and `burstccn tune` by default */
#define CLI_CMD_EVAL 4u
/* Room for every flag's value in cli_settings.flag_val. */
#define CLI_MAX_OPTS 64

/* Everything a training or comparison run is configured with. */
typedef struct cli_settings {
    bcn_net_config cfg;       /* input shape and classes are filled from the data */
    int n_hidden;             /* --hidden: dense hidden layers */
    int hidden[BCN_MAX_LAYERS];
    const char *arch;         /* --arch as given, or NULL */
    int augment;              /* --augment: 1 on, 0 off, -1 the data's default */
    int data_on_device;       /* train --data-on-device: 1 on, 0 off, -1 auto */
    const char *data;         /* "fashion-mnist", "mnist" or a directory */
    const char *device;       /* NULL: the default device */
    bcn_data_options data_opts;
    int epochs;               /* train */
    int steps;                /* compare: training steps before comparing */
    int batch;
    const char *json_path;    /* NULL: no JSON file */
    const char *csv_path;     /* NULL: no CSV file (train) */
    const char *checkpoint_path; /* train --checkpoint */
    long checkpoint_every;    /* train --checkpoint-every: steps (0: epochs only) */
    const char *save_path;    /* train --save */
    const char *resume_path;  /* train --resume */
    const char *model_path;   /* eval, compare --model */
    int quiet;
    bcn_tune_mode tune;       /* --tune: auto (default), force or off */
    bcn_gemm_engine gemm;     /* --gemm: BCN_GEMM_DEFAULT unless given */
    int same_settings;        /* --same-settings: BurstCCN's settings for every rule */
    const char *flag_val[CLI_MAX_OPTS]; /* each flag's text as given (NULL: not given) */
} cli_settings;

/* Parse the flags of subcommand `cmd` (argv[0] is the subcommand's name).
 * Returns CLI_EXIT_OK, CLI_EXIT_USAGE (message already on stderr) or
 * CLI_HELP_SHOWN (help printed on stdout). */
int cli_parse(unsigned cmd, const char *cmd_name, int argc, char **argv, cli_settings *s);
/* Rewrite the library's configuration field names in an error message as
 * the flags that set them ("p_baseline = 1" -> "--p-baseline 1"). */
void cli_fields_to_flags(char *msg, size_t size);
/* Write the flags given (flag_val, except --resume) as "flag NAME VALUE"
 * lines, the value percent-encoded: what a checkpoint keeps of its run. */
void cli_flags_write(const cli_settings *s, FILE *f);
/* Read one such line's "NAME VALUE" part into saved[] (indexed like
 * flag_val); *store receives the malloc'd value. -1 for an unknown,
 * repeated or badly encoded flag. */
int cli_flags_read(const char *line, const char **saved, char **store);
/* Settings for a run continued from `file` whose flags were `saved`: for
 * train (--resume) the saved flags, with --epochs, --device, --data and the
 * outputs given now taking precedence; any other flag given now must agree
 * with the file (else a usage error naming it). For eval and compare
 * (--model) the data flags saved are the defaults. Returns CLI_EXIT_*. */
int cli_merge_saved(unsigned cmd, const char *cmd_name, const char *file,
                    const char *const *saved, cli_settings *s);
/* Print the help of subcommand `cmd`, with the defaults of `rule` (its
 * authors' settings, or BurstCCN's when same_settings). */
void cli_print_help(unsigned cmd, const char *cmd_name, bcn_rule rule, int same_settings,
                    FILE *out);

/* A run's open objects. */
typedef struct cli_env {
    bcn_ctx *ctx;
    bcn_dataset *ds;
    bcn_net *net;
    bcn_device_info dev;
} cli_env;

/* Open the device, load the data, complete the layer sizes from the data
 * and create the network — or, with s->model_path, load it from that file
 * (its data order into *order when order != NULL; s->cfg becomes the
 * network's configuration). Returns CLI_EXIT_OK, CLI_EXIT_RUNTIME (device,
 * data) or CLI_EXIT_USAGE (a configuration the library rejects); the
 * message is already printed. */
int cli_env_open(cli_settings *s, cli_env *env, bcn_order *order);
/* Prove an output file writable before any work (common/atomic_file.h's
 * bcn_atomic_probe: its folder exists, it is no folder, a temporary file
 * can be made beside it). 0, or -1 with "burstccn: FLAG: reason" printed;
 * callers exit with CLI_EXIT_RUNTIME. A NULL path (flag not given) is 0. */
int cli_check_output(const char *flag, const char *path);
/* Release everything cli_env_open made. */
void cli_env_close(cli_env *env);
/* Tune the network's GEMMs on its device (cmd_tune.c) for `batch` within
 * budget_s seconds, with a progress bar unless quiet, and print what was
 * chosen. CLI_EXIT_OK or CLI_EXIT_RUNTIME (message printed). */
int cli_tune_net(bcn_net *net, int batch, double budget_s, int quiet, FILE *out);
/* Print "burstccn: <what>: <bcn_errmsg>" on stderr and return CLI_EXIT_RUNTIME. */
int cli_runtime_error(const cli_env *env, const char *what);

/* The next training batch of the order (bcn_order, the data order every
 * program shares) gathered into x, t (and augmented from o->aug when the
 * run augments); its size, or -1 with the error printed. */
int cli_train_batch(bcn_order *o, const cli_settings *s, const cli_env *env, float *x, float *t);

/* JSON members shared by train and compare: "rule", "settings" ("authors":
 * the rule's own authors' defaults, or "same": --same-settings), "device",
 * "data", "config". */
void cli_json_run_info(bcn_json *j, const cli_settings *s, const cli_env *env);
/* A file composed in memory, then written to its path atomically. */
typedef struct cli_doc {
    const char *path;
    char *buf;
    size_t len;
    FILE *f; /* write the contents here */
} cli_doc;
/* Start composing the file `path`; prints the error and returns
 * CLI_EXIT_RUNTIME when out of memory, else CLI_EXIT_OK. */
int cli_doc_open(cli_doc *d, const char *path);
/* Write the composed file atomically (unless `composing_failed`, an
 * internal error) and free it; returns the exit status, errors printed. */
int cli_doc_commit(cli_doc *d, int composing_failed);

/* Metrics of one epoch of `burstccn train`; NaN marks a value not
 * measured (no validation set). */
typedef struct cli_epoch_row {
    int epoch;
    double train_loss, train_error;
    double val_loss, val_error;
    double test_loss, test_error;
    long test_errors;    /* misclassified test examples */
    double seconds;      /* training steps only */
    double eval_seconds; /* evaluation of test (and validation) */
} cli_epoch_row;

/* A `burstccn train` run's state kept in its checkpoint (train_state.c). */
typedef struct cli_train_state {
    const char *saved[CLI_MAX_OPTS]; /* the run's flags, indexed like flag_val */
    char *store[CLI_MAX_OPTS];       /* their storage */
    cli_epoch_row *rows;             /* the epochs done */
    int n_rows, cap;
    double partial_seconds;          /* training seconds of the epoch in progress */
} cli_train_state;

/* Encode the run's flags, the rows done and the seconds of the epoch in
 * progress as the checkpoint's application bytes (*buf malloc'd); -1 when
 * out of memory. */
int cli_state_encode(const cli_settings *s, const cli_epoch_row *rows, int n,
                     double partial_seconds, char **buf, size_t *len);
/* Decode them; -1 with the message (naming `file`) printed. */
int cli_state_decode(const char *file, const void *app, size_t len, cli_train_state *st);
/* Free a decoded state. */
void cli_state_free(cli_train_state *st);
/* Remove the temporary files (".BASE.tmpXXXXXX") an atomic write of `path`
 * left behind when its process was killed. */
void cli_remove_stale_temps(const char *path);

/* Read the state saved with `file` (a checkpoint or a saved model) into
 * *st and merge its flags into s (cli_merge_saved). A file without train
 * state is an error when `required` (resuming), else it just adds nothing.
 * Returns CLI_EXIT_*, messages printed; free *st with cli_state_free. */
int cli_saved_flags(unsigned cmd, const char *cmd_name, const char *file, int required,
                    cli_settings *s, cli_train_state *st);

/* `burstccn train` across processes (dist.c): rank, ranks, node-local
 * rank; a single process (size 1, active 0) unless an MPI launcher started
 * a build with MPI support. */
typedef struct cli_dist {
    int active; /* MPI initialised by cli_dist_init */
    int rank, size, local_rank;
} cli_dist;
/* Initialise MPI when an MPI launcher (mpirun, srun) started the process;
 * -1 with the message printed on failure (or when the build lacks MPI). */
int cli_dist_init(cli_dist *d, int *argc, char ***argv);
/* MPI_Finalize when cli_dist_init initialised MPI. */
void cli_dist_finish(cli_dist *d);
/* Every rank says whether it failed; returns the lowest rank that did, or
 * -1 (a collective: every rank must call it at the same point). */
int cli_dist_first_failed(const cli_dist *d, int failed);
/* Sum v[0..n) over the ranks, in place; 0 or -1. */
int cli_dist_sum(const cli_dist *d, double *v, int n);
/* The least of every rank's `step` (-1 meaning none): the first step that
 * diverged anywhere. */
long cli_dist_min_step(const cli_dist *d, long step);
/* The lowest rank whose `hash` differs from rank 0's, or -1. */
int cli_dist_differs(const cli_dist *d, uint64_t hash);
/* This rank's rows [offset, offset + count) of a global batch of `global`
 * (the first global % size ranks take one more). */
void cli_dist_share(const cli_dist *d, int global, int *offset, int *count);
/* FNV-1a hash of n bytes continuing h (0 to start). */
uint64_t cli_dist_hash(const void *data, size_t n, uint64_t h);

/* Hold back SIGINT, SIGTERM and SIGHUP while a file is written atomically,
 * so that an interrupted run never leaves a temporary file behind (a signal
 * arriving meanwhile acts on release); *old keeps the previous mask. */
void cli_hold_signals(sigset_t *old);
/* Restore the mask cli_hold_signals saved. */
void cli_release_signals(const sigset_t *old);

/* Subcommands: each returns the process exit status. */
int cli_cmd_devices(int argc, char **argv);
int cli_cmd_train(int argc, char **argv);
int cli_cmd_compare(int argc, char **argv);
/* `burstccn tune` (cmd_tune.c). */
int cli_cmd_tune(int argc, char **argv);
int cli_cmd_eval(int argc, char **argv);

#endif /* BCN_CLI_H */
