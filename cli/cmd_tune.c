/*
 * cmd_tune.c — `burstccn tune`: tune CLBlast's GEMMs for a network on an
 * OpenCL device and cache the result (bcn_net_tune), so that later runs on
 * that device start tuned; also cli_tune_net, which `train --tune force`
 * and `compare --tune force` share.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "gemm_opt.h"
#include "netdesc.h"
#include "progress.h"

/* Progress of the search on a bar (steps: candidate sets). */
typedef struct tune_bar {
    bcn_progress bar;
    int started, quiet;
} tune_bar;

static void on_progress(void *user, int done, int total, const char *what)
{
    tune_bar *tb = user;
    if (!tb->started) {
        bcn_progress_init(&tb->bar, stderr, tb->quiet ? BCN_PROGRESS_OFF : BCN_PROGRESS_AUTO,
                          "tuning GEMMs", total, "sets");
        tb->bar.plain_interval = 5.0;
        tb->started = 1;
    }
    (void)what;
    bcn_progress_update(&tb->bar, done);
}

int cli_tune_net(bcn_net *net, int batch, double budget_s, int quiet, FILE *out)
{
    bcn_ctx *ctx = bcn_net_ctx(net);
    bcn_device_info dev;
    bcn_ctx_device(ctx, &dev);
    if (strcmp(dev.backend, "cl") != 0) {
        if (!quiet)
            fprintf(out, "burstccn: %s has no GEMM parameters to tune\n", dev.id);
        return CLI_EXIT_OK;
    }
    tune_bar tb = {.quiet = quiet};
    bcn_tune_result *r = calloc(1, sizeof *r);
    if (!r) {
        fprintf(stderr, "burstccn: out of memory\n");
        return CLI_EXIT_RUNTIME;
    }
    bcn_status st = bcn_net_tune(net, batch, budget_s, 1, on_progress, &tb, r);
    if (tb.started)
        bcn_progress_finish(&tb.bar);
    if (st != BCN_OK) {
        fprintf(stderr, "burstccn: tuning the GEMMs failed: %s\n", bcn_errmsg(ctx));
        free(r);
        return CLI_EXIT_RUNTIME;
    }
    if (!quiet) {
        fprintf(out, "GEMM tuning on %s (%s), GEMM %s: %d parameter sets in %.1f s\n", dev.name,
                dev.id, bcn_ctx_gemm_name(ctx), r->candidates, r->seconds);
        fprintf(out, "  %-4s %6s %6s %6s %4s %8s %12s %12s\n", "op", "m", "n", "k", "beta",
                "per step", "untuned GF/s", "tuned GF/s");
        for (int i = 0; i < r->n_shapes; i++) {
            const bcn_tune_shape *g = &r->shapes[i];
            fprintf(out, "  %s%s   %6d %6d %6d %4g %8.3f %12.1f %12.1f\n", g->ta ? "T" : "N",
                    g->tb ? "T" : "N", g->m, g->n, g->k, g->beta, g->weight, g->untuned_gflops,
                    g->tuned_gflops);
        }
        fprintf(out, "  GEMM time per step: %.3f ms untuned, %.3f ms tuned (%.2fx)\n",
                r->untuned_ms, r->tuned_ms, r->tuned_ms > 0 ? r->untuned_ms / r->tuned_ms : 0.0);
        fprintf(out, "  parameters:\n");
        for (const char *p = r->params; *p;) {
            const char *nl = strchr(p, '\n');
            int len = nl ? (int)(nl - p) : (int)strlen(p);
            fprintf(out, "    %.*s\n", len, p);
            p += len + (nl ? 1 : 0);
        }
        if (r->note[0])
            fprintf(out, "  note: %s\n", r->note);
        fprintf(out, "  cache: %s\n", r->cache_path[0] ? r->cache_path : "(not written)");
    }
    free(r);
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------ command */

static void print_help(FILE *out)
{
    fprintf(out,
            "Usage: burstccn tune [OPTIONS]\n"
            "\n"
            "Tune the GEMMs of an OpenCL device for a network: time candidate settings on\n"
            "the GEMM shapes of a training step (forward, top-down sweep, gradients) and of\n"
            "evaluation chunks, keep the fastest that still matches a double-precision host\n"
            "GEMM, and cache it for the device (in $BURSTCCN_CACHE_DIR, else\n"
            "$XDG_CACHE_HOME/burstccn, else ~/.cache/burstccn). Later runs on the device\n"
            "apply it at once (train and burstccn-bench: --tune auto, the default).\n"
            "Devices that run the library's own GEMM kernels (CPUs; --gemm own) tune their\n"
            "tile sizes: a compile of under a second per candidate, about a minute in all.\n"
            "Devices that run CLBlast (GPUs; --gemm clblast) tune CLBlast's parameters:\n"
            "each candidate costs one compile of CLBlast's GEMM program (seconds to minutes).\n"
            "\n"
            "Options:\n"
            "  --hidden N,N,...  dense hidden widths (default 500,500,500)\n"
            "  --arch ARCH       hidden layers of any kind instead (see `burstccn train --help`)\n"
            "  --input CxHxW     input shape (default 1x28x28)\n"
            "  --classes N       output units (default 10)\n"
            "  --rule RULE       burstccn (default), burstprop, fa or backprop\n"
            "  --batch N         minibatch size (default 32)\n"
            "  --device DEV      cl, cl:P:D or a device-name substring (default: first OpenCL)\n"
            "  --gemm auto|own|clblast\n"
            "                    the GEMM code to tune: own kernels, CLBlast, or auto (own\n"
            "                    on CPU devices, CLBlast elsewhere; default $BURSTCCN_GEMM,\n"
            "                    else auto)\n"
            "  --budget S        seconds the search may take (default 120); checked before\n"
            "                    each compile, so one compile may run past it\n"
            "  --quiet           no progress bar or summary\n"
            "  -h, --help        this help\n");
}

int cli_cmd_tune(int argc, char **argv)
{
    const char *hidden = NULL, *arch = NULL, *input = "1x28x28", *device = NULL;
    const char *rule_name = "burstccn";
    int batch = 32, classes = 10, quiet = 0;
    double budget = CLI_TUNE_BUDGET_S;
    bcn_gemm_engine gemm = BCN_GEMM_DEFAULT;
    char err[512] = "";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            print_help(stdout);
            return CLI_EXIT_OK;
        }
        if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
            continue;
        }
        static const char *const valued[] = {"--hidden", "--arch",  "--input", "--classes",
                                             "--rule",   "--batch", "--device", "--budget",
                                             "--gemm"};
        int known = -1;
        for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
            if (strcmp(a, valued[k]) == 0)
                known = (int)k;
        if (known < 0) {
            fprintf(stderr, "burstccn tune: unknown option '%s'\nTry 'burstccn tune --help'.\n",
                    a);
            return CLI_EXIT_USAGE;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "burstccn tune: %s needs a value\n", a);
            return CLI_EXIT_USAGE;
        }
        const char *v = argv[++i];
        int rc = 0;
        switch (known) {
        case 0: hidden = v; break;
        case 1: arch = v; break;
        case 2: input = v; break;
        case 3: rc = bcn_arg_int(a, v, 1, 1 << 20, &classes, err, sizeof err); break;
        case 4: rule_name = v; break;
        case 5: rc = bcn_arg_int(a, v, 1, 65536, &batch, err, sizeof err); break;
        case 6: device = v; break;
        case 8: rc = bcn_arg_gemm(a, v, &gemm, err, sizeof err); break;
        default: rc = bcn_arg_double(a, v, 1.0, 86400.0, &budget, err, sizeof err); break;
        }
        if (rc != 0) {
            fprintf(stderr, "burstccn tune: %s\n", err);
            return CLI_EXIT_USAGE;
        }
    }
    if (hidden && arch) {
        fprintf(stderr, "burstccn tune: give --hidden or --arch, not both\n");
        return CLI_EXIT_USAGE;
    }
    bcn_rule rule;
    if (bcn_rule_parse(rule_name, &rule) != BCN_OK) {
        fprintf(stderr, "burstccn tune: --rule: expected burstccn, burstprop, fa or backprop, "
                        "got '%s'\n",
                rule_name);
        return CLI_EXIT_USAGE;
    }
    bcn_shape in;
    char tail;
    if (sscanf(input, "%dx%dx%d%c", &in.c, &in.h, &in.w, &tail) != 3 || in.c < 1 || in.h < 1 ||
        in.w < 1) {
        fprintf(stderr, "burstccn tune: --input: expected CxHxW with positive sizes, got '%s'\n",
                input);
        return CLI_EXIT_USAGE;
    }
    bcn_net_config cfg;
    bcn_net_config_init(&cfg, rule);
    int widths[BCN_MAX_LAYERS], n_hidden = 3;
    widths[0] = widths[1] = widths[2] = 500;
    if (hidden && strcmp(hidden, "none") == 0) {
        n_hidden = 0;
    } else if (hidden && bcn_arg_int_list("--hidden", hidden, 1, 1 << 20, widths,
                                          BCN_MAX_LAYERS - 1, &n_hidden, err, sizeof err) != 0) {
        fprintf(stderr, "burstccn tune: %s\n", err);
        return CLI_EXIT_USAGE;
    }
    bcn_net_config_set_dense(&cfg, in.c * in.h * in.w, n_hidden, widths, classes);
    cfg.input = in;
    bcn_ctx *ctx = bcn_ctx_new();
    if (!ctx) {
        fprintf(stderr, "burstccn tune: out of memory\n");
        return CLI_EXIT_RUNTIME;
    }
    int rc = CLI_EXIT_OK;
    bcn_net *net = NULL;
    if (arch && bcn_net_config_set_arch(ctx, &cfg, arch) != BCN_OK) {
        fprintf(stderr, "burstccn tune: --arch: %s\n", bcn_errmsg(ctx));
        rc = CLI_EXIT_USAGE;
        goto done;
    }
    if (bcn_net_config_check(ctx, &cfg) != BCN_OK) {
        fprintf(stderr, "burstccn tune: invalid network: %s\n", bcn_errmsg(ctx));
        rc = CLI_EXIT_USAGE;
        goto done;
    }
    bcn_ctx_set_tune_mode(ctx, BCN_TUNE_OFF); /* time CLBlast's own parameters too */
    bcn_ctx_set_gemm_engine(ctx, gemm);
    if (bcn_ctx_open_device(ctx, device ? device : "cl") != BCN_OK) {
        fprintf(stderr, "burstccn tune: cannot open the device: %s\n", bcn_errmsg(ctx));
        rc = CLI_EXIT_RUNTIME;
        goto done;
    }
    if (bcn_net_create(ctx, &cfg, &net) != BCN_OK) {
        fprintf(stderr, "burstccn tune: cannot create the network: %s\n", bcn_errmsg(ctx));
        rc = CLI_EXIT_RUNTIME;
        goto done;
    }
    if (!quiet) {
        char desc[512];
        bcn_net_desc(&cfg, desc, sizeof desc);
        fprintf(stdout, "network %s, %s, batch %d, budget %.0f s\n", desc, bcn_rule_str(rule),
                batch, budget);
    }
    rc = cli_tune_net(net, batch, budget, quiet, stdout);
done:
    bcn_net_destroy(net);
    bcn_ctx_free(ctx);
    return rc;
}
