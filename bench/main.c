/*
 * main.c — burstccn-bench: the benchmark harness of libburstccn. Dispatches
 * to the subcommands angles, curves, timing, all and plots.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bench.h"

static const struct command {
    const char *name;
    unsigned cmd;
    int (*run)(const bench_opts *o);
} commands[] = {
    {"angles", BENCH_CMD_ANGLES, bench_cmd_angles},
    {"curves", BENCH_CMD_CURVES, bench_cmd_curves},
    {"timing", BENCH_CMD_TIMING, bench_cmd_timing},
    {"all", BENCH_CMD_ALL, bench_cmd_all},
    {"plots", BENCH_CMD_PLOTS, bench_cmd_plots},
};

/* The program's overall usage. */
static void usage(FILE *out)
{
    fprintf(out,
            "usage: burstccn-bench COMMAND [options]\n\n"
            "Compare BurstCCN, Burstprop, feedback alignment and backprop: angles of their\n"
            "updates, learning curves, and the speed of a training step on every device.\n"
            "Results (CSV, JSON, PNG and SVG figures, summary.md) go into --out DIR\n"
            "(default results/).\n\n"
            "commands:\n"
            "  all      the main job: reduced sweep of the three below, figures, summary\n"
            "           (about ten minutes on a 2-core CPU; --quick about one)\n"
            "  angles   angle of every rule's update to backprop's while training\n"
            "  curves   train/test error per epoch of every rule from the same weights\n"
            "  timing   time per step per device x rule x batch size x network\n"
            "  plots    redraw the figures and summary.md of a results folder\n\n"
            "`burstccn-bench COMMAND --help` lists the options of a command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return BENCH_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "startup-probe") == 0) /* internal: see tune_report.c */
        return bench_startup_probe(argc, argv);
    if (strcmp(argv[1], "--version") == 0) {
        printf("burstccn-bench (libburstccn) %s\n", bcn_version());
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        bench_opts o;
        bench_opts_init(&o, commands[i].cmd);
        int rc = bench_opts_parse(&o, argc, argv, 2);
        if (rc == 3)
            return 0; /* --help */
        if (rc != 0)
            return rc;
        return commands[i].run(&o);
    }
    fprintf(stderr, "burstccn-bench: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return BENCH_EXIT_USAGE;
}
