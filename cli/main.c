/*
 * main.c — `burstccn`: dispatch to the subcommands (devices, train,
 * compare, eval, tune), program-level --help and --version.
 */
#include "config.h"

#include <string.h>

#include "cli.h"
#include "gemm_opt.h"

/* The program's help. */
static void print_help(FILE *out)
{
    fprintf(out,
            "Usage: burstccn COMMAND [OPTIONS]\n"
            "       burstccn --help | --version\n"
            "\n"
            "Train dense sigmoid networks with BurstCCN (Greedy et al. 2022), Burstprop\n"
            "(Payeur et al. 2021), feedback alignment or backprop, on the reference backend\n"
            "or an OpenCL device, and compare the rules' weight updates.\n"
            "\n"
            "Commands:\n"
            "  devices   list the devices (ids for --device)\n"
            "  train     train a network on an MNIST-style dataset (default Fashion-MNIST)\n"
            "  compare   angles of every rule's update to backprop's on one batch\n"
            "  tune      tune CLBlast's GEMMs for a network on an OpenCL device (cached)\n"
            "  eval      test error and loss of a saved network (train --save)\n"
            "  help CMD  the help of a command (same as burstccn CMD --help)\n"
            "\n"
            "Options:\n"
            "  -h, --help     show this help\n"
            "  --version      print the version\n"
            "\n"
            "Run 'burstccn COMMAND --help' for a command's options and defaults.\n"
            "Exit status: 0 success, 1 runtime error, 2 usage error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        print_help(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        char engines[256];
        bcn_gemm_engines_line(engines, sizeof engines);
        printf("burstccn (libburstccn) %s\nMPI data-parallel training: %s\n%s\n", bcn_version(),
               bcn_mpi_built() ? "built in" : "not built in", engines);
        return CLI_EXIT_OK;
    }
    if (strcmp(cmd, "help") == 0) {
        if (argc == 2) {
            print_help(stdout);
            return CLI_EXIT_OK;
        }
        char help_flag[] = "--help";
        char *args[] = {argv[2], help_flag, NULL};
        argc = 2;
        argv = args;
        cmd = argv[0];
        if (strcmp(cmd, "devices") == 0)
            return cli_cmd_devices(argc, argv);
        if (strcmp(cmd, "train") == 0)
            return cli_cmd_train(argc, argv);
        if (strcmp(cmd, "compare") == 0)
            return cli_cmd_compare(argc, argv);
        if (strcmp(cmd, "tune") == 0)
            return cli_cmd_tune(argc, argv);
        if (strcmp(cmd, "eval") == 0)
            return cli_cmd_eval(argc, argv);
    } else {
        if (strcmp(cmd, "devices") == 0)
            return cli_cmd_devices(argc - 1, argv + 1);
        if (strcmp(cmd, "train") == 0)
            return cli_cmd_train(argc - 1, argv + 1);
        if (strcmp(cmd, "compare") == 0)
            return cli_cmd_compare(argc - 1, argv + 1);
        if (strcmp(cmd, "eval") == 0)
            return cli_cmd_eval(argc - 1, argv + 1);
        if (strcmp(cmd, "tune") == 0)
            return cli_cmd_tune(argc - 1, argv + 1);
    }
    fprintf(stderr,
            "burstccn: unknown command '%s' (expected devices, train, compare, eval or tune)\n"
                    "Try 'burstccn --help'.\n",
            cmd);
    return CLI_EXIT_USAGE;
}
