/*
 * cmd_devices.c — `burstccn devices`: one line per device with the id to
 * pass to --device, its type, vendor, name, compute units, global memory
 * and OpenCL version. When OpenCL adds no device, the reason goes to stderr.
 */
#include "config.h"

#include <string.h>

#include "cli.h"

/* Human-readable memory size ("15.5 GiB", "-" for 0). */
static void format_bytes(uint64_t b, char *buf, size_t len)
{
    if (b == 0)
        snprintf(buf, len, "-");
    else if (b >= ((uint64_t)1 << 30))
        snprintf(buf, len, "%.1f GiB", (double)b / (double)((uint64_t)1 << 30));
    else
        snprintf(buf, len, "%.0f MiB", (double)b / (double)(1 << 20));
}

/* "OpenCL 3.0 PoCL ..." -> "OpenCL 3.0" ("-" when empty). */
static void short_version(const char *v, char *buf, size_t len)
{
    const char *sp = strchr(v, ' ');
    if (sp)
        sp = strchr(sp + 1, ' ');
    size_t n = sp ? (size_t)(sp - v) : strlen(v);
    if (n == 0)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.*s", (int)n, v);
}

static void print_help(FILE *out)
{
    fprintf(out,
            "Usage: burstccn devices\n"
            "\n"
            "List every device: the reference backend ('ref') and each OpenCL device\n"
            "('cl:P:D', platform P, device D). Columns: the id to pass to --device, the\n"
            "type, compute units, global memory, OpenCL version, then the name and\n"
            "vendor. When OpenCL contributes no device, a note on stderr says why.\n"
            "\n"
            "Options:\n"
            "  -h, --help   show this help\n");
}

int cli_cmd_devices(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            print_help(stdout);
            return CLI_EXIT_OK;
        }
    }
    if (argc > 1) {
        fprintf(stderr, "burstccn devices: %s '%s'\nTry 'burstccn devices --help'.\n",
                argv[1][0] == '-' ? "unknown option" : "unexpected argument", argv[1]);
        return CLI_EXIT_USAGE;
    }
    cli_env env;
    memset(&env, 0, sizeof env);
    env.ctx = bcn_ctx_new();
    if (!env.ctx)
        return cli_runtime_error(&env, "cannot create a context");
    bcn_device_info *list = NULL;
    size_t n = 0;
    if (bcn_devices_list(env.ctx, &list, &n) != BCN_OK) {
        int rc = cli_runtime_error(&env, "cannot list devices");
        bcn_ctx_free(env.ctx);
        return rc;
    }
    printf("%-10s %-11s %4s %10s  %-11s %s\n", "ID", "TYPE", "CU", "MEMORY", "OPENCL",
           "NAME (VENDOR)");
    for (size_t i = 0; i < n; i++) {
        const bcn_device_info *d = &list[i];
        char mem[32], ver[32];
        format_bytes(d->global_mem_bytes, mem, sizeof mem);
        short_version(d->version, ver, sizeof ver);
        printf("%-10s %-11s %4u %10s  %-11s %s (%s)\n", d->id, bcn_device_type_str(d->type),
               d->compute_units, mem, ver, d->name, d->vendor);
    }
    int only_ref = 1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].backend, "ref") != 0)
            only_ref = 0;
    if (only_ref && bcn_errmsg(env.ctx)[0])
        fprintf(stderr, "note: no OpenCL device: %s\n", bcn_errmsg(env.ctx));
    printf("\nMPI data-parallel training: %s\n",
           bcn_mpi_built() ? "built in (mpirun -np N burstccn train ...: each rank takes the "
                             "OpenCL device at its node-local rank)"
                           : "not built in (./configure --with-mpi)");
    bcn_devices_free(list);
    bcn_ctx_free(env.ctx);
    return CLI_EXIT_OK;
}
