/*
 * cmd_devices.c — `burstccn devices`: one line per device with the id to
 * pass to --device, its type, vendor, name, compute units, global memory
 * and OpenCL version, and the GEMM code it runs under the --gemm setting
 * (found by opening it). When OpenCL adds no device, the reason goes to
 * stderr.
 */
#include "config.h"

#include <string.h>

#include "args.h"
#include "cli.h"
#include "gemm_opt.h"

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

/* The GEMM code device `id` runs under `engine` (bcn_ctx_gemm_name, found
 * by opening it on a context of its own), or "-" when it does not open
 * (why in `why`, else "" there). */
static void gemm_of(const char *id, bcn_gemm_engine engine, char *buf, size_t len, char *why,
                    size_t whylen)
{
    bcn_ctx *ctx = bcn_ctx_new();
    snprintf(buf, len, "-");
    snprintf(why, whylen, "%s", ctx ? "" : "out of memory");
    if (!ctx)
        return;
    bcn_ctx_set_gemm_engine(ctx, engine);
    if (bcn_ctx_open_device(ctx, id) == BCN_OK)
        snprintf(buf, len, "%s", bcn_ctx_gemm_name(ctx));
    else
        snprintf(why, whylen, "%s", bcn_errmsg(ctx));
    bcn_ctx_free(ctx);
}

static void print_help(FILE *out)
{
    fprintf(out,
            "Usage: burstccn devices [--gemm auto|own|clblast]\n"
            "\n"
            "List every device: the reference backend ('ref') and each OpenCL device\n"
            "('cl:P:D', platform P, device D). Columns: the id to pass to --device, the\n"
            "type, compute units, global memory, OpenCL version, the GEMM code the\n"
            "device runs under the --gemm setting (own, own (tuned), clblast, clblast\n"
            "(tuned), ref; found by opening the device; '-' when it does not open), then\n"
            "the name and vendor. When OpenCL contributes no device, a note on stderr\n"
            "says why.\n"
            "\n"
            "Options:\n"
            "  --gemm auto|own|clblast\n"
            "               the GEMM code of OpenCL devices: own (the library's kernels),\n"
            "               clblast (CLBlast) or auto (own on CPU devices, CLBlast\n"
            "               elsewhere); default $BURSTCCN_GEMM, else auto\n"
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
    bcn_gemm_engine gemm = BCN_GEMM_DEFAULT;
    unsigned char gemm_seen = 0;
    for (int i = 1; i < argc; i++) {
        char err[256];
        const char *a = argv[i], *v = NULL;
        if (strncmp(a, "--gemm=", 7) == 0)
            v = a + 7;
        else if (strcmp(a, "--gemm") == 0 && i + 1 < argc)
            v = argv[++i];
        else if (strcmp(a, "--gemm") == 0) {
            fprintf(stderr, "burstccn devices: --gemm: missing value (%s)\nTry 'burstccn "
                            "devices --help'.\n", BCN_GEMM_OPT_META);
            return CLI_EXIT_USAGE;
        } else {
            fprintf(stderr, "burstccn devices: %s '%s'\nTry 'burstccn devices --help'.\n",
                    a[0] == '-' ? "unknown option" : "unexpected argument", a);
            return CLI_EXIT_USAGE;
        }
        if (bcn_arg_once("--gemm", &gemm_seen, err, sizeof err) != 0 ||
            bcn_arg_gemm("--gemm", v, &gemm, err, sizeof err) != 0) {
            fprintf(stderr, "burstccn devices: %s\nTry 'burstccn devices --help'.\n", err);
            return CLI_EXIT_USAGE;
        }
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
    printf("%-10s %-11s %4s %10s  %-11s %-16s %s\n", "ID", "TYPE", "CU", "MEMORY", "OPENCL",
           "GEMM", "NAME (VENDOR)");
    for (size_t i = 0; i < n; i++) {
        const bcn_device_info *d = &list[i];
        char mem[32], ver[32], engine[32], why[512];
        format_bytes(d->global_mem_bytes, mem, sizeof mem);
        short_version(d->version, ver, sizeof ver);
        gemm_of(d->id, gemm, engine, sizeof engine, why, sizeof why);
        printf("%-10s %-11s %4u %10s  %-11s %-16s %s (%s)\n", d->id,
               bcn_device_type_str(d->type), d->compute_units, mem, ver, engine, d->name,
               d->vendor);
        if (why[0])
            fprintf(stderr, "note: %s does not open: %s\n", d->id, why);
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
