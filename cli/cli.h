/*
 * cli.h — shared declarations of the `burstccn` command: exit codes, the
 * settings every subcommand parses from its flags, and the helpers the
 * subcommands share (setup of device, data and network; JSON sections).
 */
#ifndef BCN_CLI_H
#define BCN_CLI_H

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

/* Everything a training or comparison run is configured with. */
typedef struct cli_settings {
    bcn_net_config cfg;       /* input shape and classes are filled from the data */
    int n_hidden;             /* --hidden: dense hidden layers */
    int hidden[BCN_MAX_LAYERS];
    const char *arch;         /* --arch as given, or NULL */
    int augment;              /* --augment: 1 on, 0 off, -1 the data's default */
    const char *data;         /* "fashion-mnist", "mnist" or a directory */
    const char *device;       /* NULL: the default device */
    bcn_data_options data_opts;
    int epochs;               /* train */
    int steps;                /* compare: training steps before comparing */
    int batch;
    const char *json_path;    /* NULL: no JSON file */
    const char *csv_path;     /* NULL: no CSV file (train) */
    int quiet;
    bcn_tune_mode tune;       /* --tune: auto (default), force or off */
} cli_settings;

/* Parse the flags of subcommand `cmd` (argv[0] is the subcommand's name).
 * Returns CLI_EXIT_OK, CLI_EXIT_USAGE (message already on stderr) or
 * CLI_HELP_SHOWN (help printed on stdout). */
int cli_parse(unsigned cmd, const char *cmd_name, int argc, char **argv, cli_settings *s);
/* Print the help of subcommand `cmd`, with defaults for `rule`. */
void cli_print_help(unsigned cmd, const char *cmd_name, bcn_rule rule, FILE *out);

/* A run's open objects. */
typedef struct cli_env {
    bcn_ctx *ctx;
    bcn_dataset *ds;
    bcn_net *net;
    bcn_device_info dev;
} cli_env;

/* Open the device, load the data, complete the layer sizes from the data
 * and create the network. Returns CLI_EXIT_OK, CLI_EXIT_RUNTIME (device,
 * data) or CLI_EXIT_USAGE (a configuration the library rejects); the
 * message is already printed. */
int cli_env_open(cli_settings *s, cli_env *env);
/* Release everything cli_env_open made. */
void cli_env_close(cli_env *env);
/* Tune the network's GEMMs on its device (cmd_tune.c) for `batch` within
 * budget_s seconds, with a progress bar unless quiet, and print what was
 * chosen. CLI_EXIT_OK or CLI_EXIT_RUNTIME (message printed). */
int cli_tune_net(bcn_net *net, int batch, double budget_s, int quiet, FILE *out);
/* Print "burstccn: <what>: <bcn_errmsg>" on stderr and return CLI_EXIT_RUNTIME. */
int cli_runtime_error(const cli_env *env, const char *what);

/* The training data order shared by train and compare: a permutation of
 * the training set, shuffled in place at the start of every epoch by a
 * bcn_rng seeded with cli_order_seed(seed), cut into batches in order (the
 * last batch of an epoch may be smaller). */
typedef struct cli_order {
    bcn_rng rng;
    bcn_rng aug_rng; /* augmentation draws: seeded cli_augment_seed(seed) */
    int *perm;
    int n, pos, batch;
    long epoch; /* epochs started */
} cli_order;

/* Seed of the data-order generator for a run seed: seed XOR 0x9E3779B97F4A7C15. */
uint64_t cli_order_seed(uint64_t seed);
/* Start the order of n examples (identity before the first shuffle); -1
 * when out of memory. */
int cli_order_init(cli_order *o, int n, int batch, uint64_t seed);
/* The next batch: *idx points at its indices, the return value is its
 * size; shuffles first when a new epoch starts. */
int cli_order_next(cli_order *o, const int **idx);
/* 1 when the next batch starts a new epoch. */
int cli_order_epoch_done(const cli_order *o);
/* Free the permutation. */
void cli_order_free(cli_order *o);
/* Seed of the augmentation generator: seed XOR 0xD1B54A32D192ED03. */
uint64_t cli_augment_seed(uint64_t seed);
/* The next training batch of the order gathered into x, t (and augmented
 * when the run augments); its size, or -1 with the error printed. */
int cli_train_batch(cli_order *o, const cli_settings *s, const cli_env *env, float *x, float *t);

/* JSON members shared by train and compare: "rule", "device", "data",
 * "config". */
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

/* Subcommands: each returns the process exit status. */
int cli_cmd_devices(int argc, char **argv);
int cli_cmd_train(int argc, char **argv);
int cli_cmd_compare(int argc, char **argv);
/* `burstccn tune` (cmd_tune.c). */
int cli_cmd_tune(int argc, char **argv);

#endif /* BCN_CLI_H */
