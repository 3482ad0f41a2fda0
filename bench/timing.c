/*
 * timing.c — `burstccn-bench timing`: how long one training step takes per
 * device × rule × batch size × network: the dense family 784-H-...-H-10
 * (one network per hidden width H) and --arch networks (conv nets, the
 * paper's CIFAR-10 net), all on seeded random inputs of the network's input
 * shape, so no dataset is needed.
 *
 * The measurement follows clpeak: untimed warm-up steps first (OpenCL
 * kernel builds, CLBlast's per-shape compilation and first-touch costs
 * stay out), then a step count calibrated so that one repetition lasts
 * about --target-time, then --reps repetitions, each ended by
 * bcn_ctx_finish before the clock is read (OpenCL queues are asynchronous:
 * reading the clock earlier would time only the enqueueing). Reported per
 * configuration: median, min and max time per step over the repetitions,
 * samples/s, the step's FLOPs (bcn_net_step_flops) and GFLOP/s, a
 * forward/feedback/update breakdown (bcn_step_timing, which synchronises
 * between phases and is therefore measured in separate steps), and the
 * device's SGEMM rate at the step's own GEMM shapes (gemm_rate.c), and
 * what one step asks of the device (bcn_ctx_counters over the timed steps):
 * kernel launches (each CLBlast call counted as one), GEMM calls, and
 * host<->device transfers and their bytes.
 * A device or configuration that fails is reported as skipped with its
 * error; the others still run.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "gemm_rate.h"
#include "netdesc.h"
#include "progress.h"

/* net: the network family the row times, a name without commas that the
 * figures group by ("dense": the width sweep; "conv", "cifar" or "arch":
 * an --arch network); network: the network itself in one line
 * (bcn_net_desc, "784-500-500-500-10" or "1x28x28,conv:16:5:2,...,dense:10").
 * hidden and width are those of the dense family, empty for the others.
 * The two come after the columns the figures read, so those keep their
 * numbers; the per-step counts (bcn_ctx_counters) were added after them,
 * and gemm (bcn_ctx_gemm_name: what ran the step's GEMMs, "own", "clblast
 * (tuned)", "ref", ...; --gemm) after those. */
#define TIMING_COLS                                                                      \
    "device,rule,batch,hidden,width,steps,reps,median_ms,min_ms,max_ms,samples_per_s,flops," \
    "gflops,forward_ms,feedback_ms,update_ms,gemm_gflops,gemm_fraction,status,device_name," \
    "error,net,network,launches_per_step,blas_calls_per_step,transfers_per_step," \
    "transfer_bytes_per_step,gemm"

#define MAX_DEVICES 32

typedef struct trow {
    int dev;          /* index into the device table */
    bench_tcase c;
    char hidden[64];  /* "500-500-500" (dense family), else "" */
    char network[512]; /* bcn_net_desc */
    int ok;
    long steps;       /* steps per repetition */
    double median, min, max;   /* seconds per step */
    double flops, fwd, fb, upd;
    double gemm_flops, gemm_gflops; /* the step's GEMMs, and their rate alone */
    /* per step over the timed steps (bcn_ctx_counters) */
    double launches, blas_calls, transfers, transfer_bytes;
    char error[512];
} trow;

typedef struct tdev {
    bcn_device_info info;
    char spec[256];   /* as requested */
    char gemm[32];    /* bcn_ctx_gemm_name once open ("" when it did not open) */
    int ok;
    char error[512];
} tdev;

/* qsort order of doubles, ascending. */
static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* Order of the cases: by network family, rule, batch, width (so each
 * scaling line's points come in increasing order). */
static int cmp_case(const void *x, const void *y)
{
    const bench_tcase *a = x, *b = y;
    if (a->net != b->net)
        return a->net < b->net ? -1 : 1;
    if (a->rule != b->rule)
        return a->rule < b->rule ? -1 : 1;
    if (a->batch != b->batch)
        return a->batch < b->batch ? -1 : 1;
    return (a->width > b->width) - (a->width < b->width);
}

/* Seconds for n training steps with the device drained at the end. */
static bcn_status time_steps(bcn_net *net, const float *x, const float *t, int batch, long n,
                             double *seconds)
{
    bcn_ctx *ctx = bcn_net_ctx(net);
    double t0 = bcn_progress_now();
    bcn_status st = BCN_OK;
    for (long i = 0; i < n && st == BCN_OK; i++)
        st = bcn_net_train_step(net, x, t, batch, NULL);
    if (st == BCN_OK)
        st = bcn_ctx_finish(ctx);
    *seconds = bcn_progress_now() - t0;
    return st;
}

/* Random inputs in [0, 1) and one-hot targets, from the seed. */
static void fill_batch(unsigned long long seed, int batch, int n_in, int n_out, float *x,
                       float *t)
{
    bcn_rng rng;
    bcn_rng_seed(&rng, seed ^ 0x74696d696e67ULL);
    for (size_t i = 0; i < (size_t)batch * n_in; i++)
        x[i] = (float)bcn_rng_uniform(&rng);
    memset(t, 0, (size_t)batch * n_out * sizeof *t);
    for (int r = 0; r < batch; r++)
        t[(size_t)r * n_out + bcn_rng_below(&rng, (uint64_t)n_out)] = 1.0f;
}

/* The network of one case: the dense family's n_0-W-...-W-n_out or the
 * --arch network, with the options' settings. 0 or -1 with err. */
static int case_config(const bench_opts *o, const bench_tnet *nets, const bench_tcase *c,
                       bcn_net_config *cfg, char *err, size_t errlen)
{
    const bench_tnet *net = &nets[c->net];
    bench_opts tmp = *o;
    tmp.n_arch = net->arch ? 1 : 0;
    if (net->arch)
        snprintf(tmp.arch[0], sizeof tmp.arch[0], "%s", net->arch);
    tmp.n_hidden = o->depth;
    for (int i = 0; i < o->depth; i++)
        tmp.hidden[i] = c->width;
    return bench_net_config(&tmp, c->rule, net->input, net->n_out, cfg, err, errlen);
}

/* The family name of network k (see TIMING_COLS), unique in the list. */
static void net_name(const bench_tnet *nets, int k, char *buf, size_t len)
{
    const bench_tnet *n = &nets[k];
    const char *base = "dense";
    if (n->arch) {
        bcn_net_config cfg;
        bcn_net_config_init(&cfg, BCN_RULE_BURSTCCN);
        int conv = bcn_net_config_set_arch(NULL, &cfg, n->arch) == BCN_OK && bcn_net_has_conv(&cfg);
        base = bench_arch_is_cifar(n->arch) ? "cifar" : conv ? "conv" : "arch";
    }
    int same = 0;
    for (int i = 0; i < k; i++) {
        char other[32];
        net_name(nets, i, other, sizeof other);
        same += strncmp(other, base, strlen(base)) == 0;
    }
    if (same)
        snprintf(buf, len, "%s%d", base, same + 1);
    else
        snprintf(buf, len, "%s", base);
}

/* Fraction of the GEMM ceiling: the time the step's GEMMs take alone at
 * the measured SGEMM rate over the time of the whole step (1 = the step is
 * as fast as its GEMMs; the element-wise work and launches cost the rest). */
static double gemm_fraction(const trow *r)
{
    if (!(r->gemm_gflops > 0.0) || !(r->median > 0.0))
        return NAN;
    return r->gemm_flops / (r->gemm_gflops * 1e9) / r->median;
}

/* Time one case on an open device; fills row (ok or error). */
static void time_case(const bench_opts *o, const bench_tnet *nets, bcn_ctx *ctx, trow *row)
{
    const bench_tcase *c = &row->c;
    bcn_net_config cfg;
    if (case_config(o, nets, c, &cfg, row->error, sizeof row->error) != 0)
        return;
    int B = c->batch, n_in = cfg.input.c * cfg.input.h * cfg.input.w,
        n_out = cfg.layers[cfg.n_layers - 1].units;
    bcn_net *net = NULL;
    double *times = calloc((size_t)o->reps, sizeof *times);
    float *x = malloc((size_t)B * n_in * sizeof *x), *t = malloc((size_t)B * n_out * sizeof *t);
    bcn_status st = BCN_OK;
    if (!times || !x || !t) {
        snprintf(row->error, sizeof row->error, "out of memory");
        goto done;
    }
    fill_batch(o->seed, B, n_in, n_out, x, t);
    if ((st = bcn_net_create(ctx, &cfg, &net)) != BCN_OK)
        goto fail;
    double dt = 0.0;
    /* Warm-up (at least one step: the first call builds kernels). */
    if ((st = time_steps(net, x, t, B, o->warmup > 0 ? o->warmup : 1, &dt)) != BCN_OK)
        goto fail;
    /* Calibrate: double the count until a run lasts 20 ms. */
    long n = 1;
    for (;;) {
        if ((st = time_steps(net, x, t, B, n, &dt)) != BCN_OK)
            goto fail;
        if (dt >= 0.02 || n >= (1L << 20))
            break;
        n *= 2;
    }
    double per = dt / (double)n;
    n = per > 0.0 ? (long)(o->target_s / per + 0.5) : 1;
    row->steps = n < 1 ? 1 : n;
    if ((st = bcn_ctx_counters(ctx, 1, NULL)) != BCN_OK)
        goto fail;
    for (int r = 0; r < o->reps; r++) {
        if ((st = time_steps(net, x, t, B, row->steps, &dt)) != BCN_OK)
            goto fail;
        times[r] = dt / (double)row->steps;
    }
    bcn_counters cnt;
    if ((st = bcn_ctx_counters(ctx, 1, &cnt)) != BCN_OK)
        goto fail;
    double all = (double)row->steps * (double)o->reps;
    row->launches = (double)cnt.launches / all;
    row->blas_calls = (double)cnt.blas_calls / all;
    row->transfers = (double)cnt.transfers / all;
    row->transfer_bytes = (double)cnt.transfer_bytes / all;
    qsort(times, (size_t)o->reps, sizeof *times, cmp_double);
    int R = o->reps;
    row->median = R % 2 ? times[R / 2] : 0.5 * (times[R / 2 - 1] + times[R / 2]);
    row->min = times[0];
    row->max = times[R - 1];
    /* The breakdown synchronises between phases: separate steps, as many
     * as one repetition (1 to 50; a CIFAR-10 step on a CPU takes seconds). */
    long nb = row->steps > 50 ? 50 : row->steps;
    double f = 0, b = 0, u = 0;
    for (long i = 0; i < nb; i++) {
        bcn_step_timing tm;
        if ((st = bcn_net_train_step(net, x, t, B, &tm)) != BCN_OK)
            goto fail;
        f += tm.forward_s;
        b += tm.feedback_s;
        u += tm.update_s;
    }
    row->fwd = f / (double)nb;
    row->fb = b / (double)nb;
    row->upd = u / (double)nb;
    row->flops = bcn_net_step_flops(net, B);
    /* The same GEMM calls alone: the ceiling this step could reach. */
    bench_gemm g[8 * BCN_MAX_LAYERS];
    int ng = bench_step_gemms(&cfg, B, g, (int)(sizeof g / sizeof g[0]));
    row->gemm_flops = bench_gemms_flops(g, ng);
    bcn_net_destroy(net);
    net = NULL;
    if ((st = bench_gemm_rate(ctx, g, ng, o->target_s, R, &row->gemm_gflops)) != BCN_OK)
        goto fail;
    row->ok = 1;
    goto done;
fail:
    snprintf(row->error, sizeof row->error, "%s", bcn_errmsg(ctx));
    if (!row->error[0])
        snprintf(row->error, sizeof row->error, "%s", bcn_status_str(st));
done:
    bcn_net_destroy(net);
    free(times);
    free(x);
    free(t);
}

/* The devices to time: those named by --devices, else all of them. */
static int list_devices(const bench_opts *o, tdev *devs, int max)
{
    int n = 0;
    bcn_ctx *ctx = bcn_ctx_new();
    if (!ctx)
        return 0;
    if (o->n_devices > 0) {
        for (int i = 0; i < o->n_devices && n < max; i++, n++) {
            tdev *d = &devs[n];
            memset(d, 0, sizeof *d);
            snprintf(d->spec, sizeof d->spec, "%s", o->devices[i]);
            if (bcn_device_resolve(ctx, o->devices[i], &d->info) == BCN_OK) {
                d->ok = 1;
            } else {
                snprintf(d->info.id, sizeof d->info.id, "%.31s", o->devices[i]);
                snprintf(d->error, sizeof d->error, "%s", bcn_errmsg(ctx));
            }
        }
    } else {
        bcn_device_info *list = NULL;
        size_t count = 0;
        if (bcn_devices_list(ctx, &list, &count) == BCN_OK) {
            for (size_t i = 0; i < count && n < max; i++, n++) {
                memset(&devs[n], 0, sizeof devs[n]);
                devs[n].info = list[i];
                snprintf(devs[n].spec, sizeof devs[n].spec, "%s", list[i].id);
                devs[n].ok = 1;
            }
            /* Why OpenCL added nothing, when it did not. */
            if (count == 1 && bcn_errmsg(ctx)[0])
                fprintf(stderr, "timing: no OpenCL device: %s\n", bcn_errmsg(ctx));
        }
        bcn_devices_free(list);
    }
    bcn_ctx_free(ctx);
    return n;
}

/* One CSV row. */
static void csv_row(bench_csv *c, const tdev *d, const trow *r, int reps, const char *net)
{
    char name[300];
    bench_device_short(&d->info, name, sizeof name, 120);
    bench_csv_str(c, d->info.id);
    bench_csv_str(c, bcn_rule_str(r->c.rule));
    bench_csv_int(c, r->c.batch);
    bench_csv_str(c, r->hidden);
    if (r->hidden[0])
        bench_csv_int(c, r->c.width);
    else
        bench_csv_empty(c);
    if (r->ok) {
        double sps = r->c.batch / r->median, gf = r->flops / r->median * 1e-9;
        bench_csv_int(c, r->steps);
        bench_csv_int(c, reps);
        bench_csv_num(c, 1e3 * r->median);
        bench_csv_num(c, 1e3 * r->min);
        bench_csv_num(c, 1e3 * r->max);
        bench_csv_num(c, sps);
        bench_csv_num(c, r->flops);
        bench_csv_num(c, gf);
        bench_csv_num(c, 1e3 * r->fwd);
        bench_csv_num(c, 1e3 * r->fb);
        bench_csv_num(c, 1e3 * r->upd);
        bench_csv_num(c, r->gemm_gflops);
        bench_csv_num(c, gemm_fraction(r));
        bench_csv_str(c, "ok");
    } else {
        for (int i = 0; i < 13; i++)
            bench_csv_empty(c);
        bench_csv_str(c, "skipped");
    }
    bench_csv_str(c, name);
    bench_csv_str(c, r->ok ? "" : r->error);
    bench_csv_str(c, net);
    bench_csv_str(c, r->network);
    if (r->ok) {
        bench_csv_num(c, r->launches);
        bench_csv_num(c, r->blas_calls);
        bench_csv_num(c, r->transfers);
        bench_csv_num(c, r->transfer_bytes);
    } else {
        for (int i = 0; i < 4; i++)
            bench_csv_empty(c);
    }
    bench_csv_str(c, d->gemm);
    bench_csv_end_row(c);
}

/* "networks": every distinct network of the rows, with its layers. */
static void json_networks(bcn_json *j, const bench_opts *o, const bench_tnet *nets,
                          const trow *rows, int nr)
{
    bcn_json_key(j, "networks");
    bcn_json_begin_array(j);
    for (int i = 0; i < nr; i++) {
        int seen = 0;
        for (int k = 0; k < i && !seen; k++)
            seen = strcmp(rows[k].network, rows[i].network) == 0;
        bcn_net_config cfg;
        char err[256], name[32];
        if (seen || !rows[i].network[0] ||
            case_config(o, nets, &rows[i].c, &cfg, err, sizeof err) != 0)
            continue;
        net_name(nets, rows[i].c.net, name, sizeof name);
        bcn_json_begin_object(j);
        bcn_json_kv_string(j, "net", name);
        bcn_json_kv_string(j, "network", rows[i].network);
        bcn_json_net(j, &cfg);
        bcn_json_end_object(j);
    }
    bcn_json_end_array(j);
}

/* Each timed rule's settings (the first network's configuration: they do
 * not depend on the network) into cfgs[rule]; the rules' mask. */
static unsigned rule_configs(const bench_opts *o, const bench_tnet *nets, const bench_tcase *cases,
                             int n_cases, bcn_net_config *cfgs)
{
    unsigned mask = 0;
    char err[256];
    for (int i = 0; i < n_cases; i++) {
        bcn_rule r = cases[i].rule;
        if ((mask & BCN_RULE_BIT(r)) ||
            bench_net_config(o, r, nets[cases[i].net].input, nets[cases[i].net].n_out, &cfgs[r],
                             err, sizeof err) != 0)
            continue;
        mask |= BCN_RULE_BIT(r);
    }
    return mask;
}

/* timing.json: settings, machine, build, devices, networks and every row. */
static int write_json(const bench_opts *o, const bench_tnet *nets, const tdev *devs, int nd,
                      const trow *rows, int nr, const bench_tcase *cases, int n_cases,
                      int base_batch, int base_width, char *err, size_t errlen)
{
    bench_jsonfile jf;
    if (bench_json_begin(&jf, o->out, "timing", "", err, errlen) != 0)
        return -1;
    bcn_json *j = &jf.j;
    bench_machine m;
    bench_machine_read(&m);
    bcn_json_key(j, "settings");
    bcn_json_begin_object(j);
    bcn_json_kv_number(j, "target_time_s", o->target_s);
    bcn_json_kv_int(j, "reps", o->reps);
    bcn_json_kv_int(j, "warmup_steps", o->warmup);
    bcn_json_kv_int(j, "depth", o->depth);
    bcn_json_kv_int(j, "base_batch", base_batch);
    bcn_json_kv_int(j, "base_width", base_width);
    bcn_json_kv_string(j, "inputs",
                       "random uniform [0,1) inputs of the network's input shape, random "
                       "one-hot targets, from the seed");
    bcn_json_kv_int(j, "seed", (long long)o->seed);
    bcn_json_kv_string(j, "gemm_fraction",
                       "time the step's GEMMs take alone at the measured SGEMM rate "
                       "(gemm_gflops) divided by the median time per step");
    /* Which settings each rule was timed with (its optimiser's cost and
     * Burstprop's recurrent input enter the step time). */
    bcn_json_kv_string(j, "rule_settings", o->same_settings ? "same" : "authors");
    bcn_net_config cfgs[BCN_RULE_COUNT];
    unsigned mask = rule_configs(o, nets, cases, n_cases, cfgs);
    char set[2048];
    bench_describe_settings(cfgs, mask, o->same_settings, set, sizeof set);
    bcn_json_kv_string(j, "rule_settings_desc", set);
    bcn_json_end_object(j);
    bench_json_machine(j, &m);
    bench_json_build(j);
    bcn_json_key(j, "devices");
    bcn_json_begin_array(j);
    for (int i = 0; i < nd; i++) {
        bcn_json_begin_object(j);
        bcn_json_kv_string(j, "status", devs[i].ok ? "ok" : "skipped");
        bcn_json_kv_string(j, "error", devs[i].ok ? NULL : devs[i].error);
        bcn_json_key(j, "info");
        bench_json_device(j, &devs[i].info, devs[i].gemm[0] ? devs[i].gemm : NULL);
        bcn_json_end_object(j);
    }
    bcn_json_end_array(j);
    json_networks(j, o, nets, rows, nr);
    bcn_json_key(j, "rows");
    bcn_json_begin_array(j);
    for (int i = 0; i < nr; i++) {
        const trow *r = &rows[i];
        char name[32];
        net_name(nets, r->c.net, name, sizeof name);
        bcn_json_begin_object(j);
        bcn_json_kv_string(j, "device", devs[r->dev].info.id);
        bcn_json_kv_string(j, "gemm", devs[r->dev].gemm);
        bcn_json_kv_string(j, "rule", bcn_rule_str(r->c.rule));
        bcn_json_kv_int(j, "batch", r->c.batch);
        bcn_json_kv_string(j, "net", name);
        bcn_json_kv_string(j, "network", r->network);
        if (r->hidden[0]) {
            bcn_json_kv_string(j, "hidden", r->hidden);
            bcn_json_kv_int(j, "width", r->c.width);
        }
        bcn_json_kv_string(j, "status", r->ok ? "ok" : "skipped");
        if (r->ok) {
            double gf = r->flops / r->median * 1e-9;
            bcn_json_kv_int(j, "steps", r->steps);
            bcn_json_kv_int(j, "reps", o->reps);
            bcn_json_kv_number(j, "median_ms", 1e3 * r->median);
            bcn_json_kv_number(j, "min_ms", 1e3 * r->min);
            bcn_json_kv_number(j, "max_ms", 1e3 * r->max);
            bcn_json_kv_number(j, "samples_per_s", r->c.batch / r->median);
            bcn_json_kv_number(j, "flops", r->flops);
            bcn_json_kv_number(j, "gflops", gf);
            bcn_json_kv_number(j, "forward_ms", 1e3 * r->fwd);
            bcn_json_kv_number(j, "feedback_ms", 1e3 * r->fb);
            bcn_json_kv_number(j, "update_ms", 1e3 * r->upd);
            bcn_json_kv_number(j, "gemm_gflops", r->gemm_gflops);
            bcn_json_kv_number(j, "gemm_flops", r->gemm_flops);
            bcn_json_kv_number(j, "gemm_fraction", gemm_fraction(r));
            bcn_json_kv_number(j, "launches_per_step", r->launches);
            bcn_json_kv_number(j, "blas_calls_per_step", r->blas_calls);
            bcn_json_kv_number(j, "transfers_per_step", r->transfers);
            bcn_json_kv_number(j, "transfer_bytes_per_step", r->transfer_bytes);
        } else {
            bcn_json_kv_string(j, "error", r->error);
        }
        bcn_json_end_object(j);
    }
    bcn_json_end_array(j);
    bcn_json_end_object(j);
    return bench_json_commit(&jf, err, errlen);
}

/* Break a device name into lines of at most `width` characters at blanks
 * (in place), so the bar chart's labels stay under their group. */
static void wrap_name(char *name, size_t width)
{
    size_t line = 0;
    char *last_blank = NULL;
    for (char *p = name; *p; p++, line++) {
        if (*p == ' ')
            last_blank = p;
        if (line >= width && last_blank) {
            *last_blank = '\n';
            line = (size_t)(p - last_blank);
            last_blank = NULL;
        }
    }
}

/* The figures' title of network family k: what it is and its layers (the
 * dense family at the bar chart's width). */
static void net_label(const bench_opts *o, const bench_tnet *nets, int k, int base_width,
                      char *buf, size_t len)
{
    bench_tcase c = {BCN_RULE_BURSTCCN, 1, base_width, k};
    bcn_net_config cfg;
    char desc[512] = "", err[256];
    if (case_config(o, nets, &c, &cfg, err, sizeof err) == 0)
        bcn_net_desc(&cfg, desc, sizeof desc);
    if (!nets[k].arch) {
        snprintf(buf, len, "dense %.500s", desc); /* bounded: fits the 512-byte label */
        return;
    }
    /* The shapes layer by layer: "1x28x28 → 16@12x12 → 32@4x4 → 128 → 10"
     * (the kernels and strides are in the CSV's network column). */
    const char *what = bench_arch_is_cifar(nets[k].arch) ? "CIFAR-10 net (paper)"
                       : bcn_net_has_conv(&cfg)          ? "conv net"
                                                         : "network";
    size_t used = (size_t)snprintf(buf, len, "%s: %dx%dx%d", what, cfg.input.c, cfg.input.h,
                                   cfg.input.w);
    for (int l = 1; l <= cfg.n_layers && used < len; l++) {
        bcn_shape sh = {0, 0, 0};
        bcn_net_config_shape(NULL, &cfg, l, &sh);
        if (cfg.layers[l - 1].kind == BCN_LAYER_CONV2D)
            used += (size_t)snprintf(buf + used, len - used, " → %d@%dx%d", sh.c, sh.h, sh.w);
        else
            used += (size_t)snprintf(buf + used, len - used, " → %d", sh.c * sh.h * sh.w);
    }
}

/* timing_meta.gp: device labels, the rules, the networks, the bar chart's
 * base case. */
static int write_meta(const bench_opts *o, const bench_tnet *nets, const tdev *devs, int nd,
                      unsigned rules, const bench_tcase *cases, int n_cases, int base_batch,
                      int base_width, char *err, size_t errlen)
{
    bench_meta m;
    if (bench_meta_open(&m, o->out, "timing", err, errlen) != 0)
        return -1;
    char ids[1024] = "", rl[128] = "", key[64], label[512], name[300], info[1024];
    char footer[4096];
    bench_machine mach;
    bench_machine_read(&mach);
    snprintf(footer, sizeof footer, "run %s on %s (%.60s, %d cores)", mach.date, mach.hostname,
             mach.cpu_model, mach.cores);
    for (int i = 0; i < nd; i++) {
        snprintf(ids + strlen(ids), sizeof ids - strlen(ids), "%s%s", i ? " " : "",
                 devs[i].info.id);
        bench_device_short(&devs[i].info, name, sizeof name, 60);
        wrap_name(name, 28);
        snprintf(label, sizeof label, "%s%s%s%s", devs[i].info.id, name[0] ? "\n" : "", name,
                 devs[i].ok ? "" : "\n(skipped)");
        snprintf(key, sizeof key, "meta_device_label_%d", i + 1);
        bench_meta_str(&m, key, label);
        char desc[512];
        bench_describe_device(&devs[i].info, desc, sizeof desc);
        snprintf(footer + strlen(footer), sizeof footer - strlen(footer), "%s %s%s",
                 i ? ";" : " ·", devs[i].ok ? desc : devs[i].info.id,
                 devs[i].ok ? "" : " skipped");
    }
    snprintf(footer + strlen(footer), sizeof footer - strlen(footer), " · libburstccn %s",
             bcn_version());
    for (int r = 0; r < BCN_RULE_COUNT; r++)
        if (rules & BCN_RULE_BIT(r))
            snprintf(rl + strlen(rl), sizeof rl - strlen(rl), "%s%s", rl[0] ? " " : "",
                     bcn_rule_str((bcn_rule)r));
    /* The network families in the order of the cases (sorted by family). */
    char fams[256] = "", dense_net[128] = "";
    int nf = 0, has_dense = 0;
    for (int i = 0; i < n_cases; i++) {
        if (i > 0 && cases[i].net == cases[i - 1].net)
            continue;
        char fam[32];
        net_name(nets, cases[i].net, fam, sizeof fam);
        snprintf(fams + strlen(fams), sizeof fams - strlen(fams), "%s%s", nf ? " " : "", fam);
        net_label(o, nets, cases[i].net, base_width, label, sizeof label);
        snprintf(key, sizeof key, "meta_net_label_%d", ++nf);
        bench_meta_str(&m, key, label);
        if (!nets[cases[i].net].arch && !has_dense) {
            const bcn_shape *in = &nets[cases[i].net].input;
            has_dense = 1;
            snprintf(dense_net, sizeof dense_net, "%d-H%s-%d", in->c * in->h * in->w,
                     o->depth > 1 ? "-...-H" : "", nets[cases[i].net].n_out);
        }
    }
    if (has_dense)
        snprintf(info, sizeof info,
                 "dense %s (%d hidden layers; bars: H = %d); batch %d, random inputs; "
                 "after %d warm-up steps, median of %d repetitions of about %g s",
                 dense_net, o->depth, base_width, base_batch, o->warmup, o->reps, o->target_s);
    else
        snprintf(info, sizeof info,
                 "batch %d, random inputs; after %d warm-up steps, median of %d "
                 "repetitions of about %g s",
                 base_batch, o->warmup, o->reps, o->target_s);
    bcn_net_config cfgs[BCN_RULE_COUNT];
    unsigned mask = rule_configs(o, nets, cases, n_cases, cfgs);
    char set[2048];
    bench_describe_settings(cfgs, mask, o->same_settings, set, sizeof set);
    /* The rules' settings (optimiser, Burstprop's R: part of the step)
     * lead the footer. */
    static const char sep[] = " · ";
    size_t ls = strlen(set), lsep = strlen(sep), lf = strlen(footer);
    if (ls + lsep + lf < sizeof footer) {
        memmove(footer + ls + lsep, footer, lf + 1);
        memcpy(footer, set, ls);
        memcpy(footer + ls, sep, lsep);
    }
    bench_meta_settings(&m, cfgs, mask, o->same_settings);
    /* The distinct widths and batch sizes: the scaling figure's tics. The
     * lists keep a blank on each side of every number so " N " finds one. */
    char widths[512] = " ", batches[512] = " ", tok[32];
    for (int i = 0; i < n_cases; i++) {
        if (!nets[cases[i].net].arch) {
            snprintf(tok, sizeof tok, " %d ", cases[i].width);
            if (!strstr(widths, tok) && strlen(widths) + strlen(tok) < sizeof widths)
                strcat(widths, tok + 1);
        }
        snprintf(tok, sizeof tok, " %d ", cases[i].batch);
        if (!strstr(batches, tok) && strlen(batches) + strlen(tok) < sizeof batches)
            strcat(batches, tok + 1);
    }
    bench_meta_str(&m, "meta_widths", widths);
    bench_meta_str(&m, "meta_batches", batches);
    bench_meta_str(&m, "meta_devices", ids);
    bench_meta_str(&m, "meta_rules", rl);
    bench_meta_str(&m, "meta_nets", fams);
    bench_meta_str(&m, "meta_dense_net", dense_net);
    bench_meta_num(&m, "meta_base_batch", base_batch);
    bench_meta_num(&m, "meta_base_width", base_width);
    bench_meta_num(&m, "meta_depth", o->depth);
    bench_meta_info(&m, info);
    bench_meta_footer(&m, footer);
    return bench_meta_commit(&m, err, errlen);
}

/* Print one row as it is measured. */
static void print_row(const tdev *d, const trow *r)
{
    char what[600];
    if (r->hidden[0])
        snprintf(what, sizeof what, "B=%-4d H=%-5d", r->c.batch, r->c.width);
    else
        snprintf(what, sizeof what, "B=%-4d %s", r->c.batch, r->network);
    if (!r->ok) {
        printf("%-8s %-9s %s skipped: %s\n", d->info.id, bcn_rule_str(r->c.rule), what,
               r->error);
    } else {
        double gf = r->flops / r->median * 1e-9;
        printf("%-8s %-9s %s %9.3f ms/step (%.3f-%.3f)  %9.0f samples/s  %6.2f GFLOP/s  GEMM "
               "ceiling %3.0f%% (SGEMM %.2f GFLOP/s, %s)  %.0f launches (%.0f BLAS), %.1f "
               "transfers/step\n",
               d->info.id, bcn_rule_str(r->c.rule), what, 1e3 * r->median, 1e3 * r->min,
               1e3 * r->max, r->c.batch / r->median, gf, 100.0 * gemm_fraction(r),
               r->gemm_gflops, d->gemm, r->launches, r->blas_calls, r->transfers);
    }
    fflush(stdout);
}

int bench_timing_run(const bench_opts *o, const bench_tnet *nets, int n_nets,
                     const bench_tcase *cases_in, int n_cases, int base_batch, int base_width)
{
    char err[1024], path[4096];
    int rc = BENCH_EXIT_FAIL, nd = 0, nr = 0;
    tdev *devs = calloc(MAX_DEVICES, sizeof *devs);
    bench_tcase *cases = malloc((size_t)(n_cases > 0 ? n_cases : 1) * sizeof *cases);
    trow *rows = NULL;
    bench_csv csv = {0};
    if (!devs || !cases)
        goto nomem;
    memcpy(cases, cases_in, (size_t)n_cases * sizeof *cases);
    qsort(cases, (size_t)n_cases, sizeof *cases, cmp_case);
    for (int i = 0; i < n_cases; i++)
        if (cases[i].net < 0 || cases[i].net >= n_nets) {
            snprintf(err, sizeof err, "case %d names network %d of %d (a bug)", i, cases[i].net,
                     n_nets);
            goto fail;
        }
    if (bench_mkdirs(o->out, err, sizeof err) != 0)
        goto fail;
    nd = list_devices(o, devs, MAX_DEVICES);
    rows = calloc((size_t)(nd * n_cases + 1), sizeof *rows);
    if (!rows)
        goto nomem;
    unsigned rules = 0;
    for (int i = 0; i < n_cases; i++)
        rules |= BCN_RULE_BIT(cases[i].rule);
    /* Tuned vs untuned GEMMs and start-up (tune_report.c), except in the
     * child runs of --compare-build (compare_build.c: they time one case,
     * and the report would take most of their time) unless it tunes. */
    int compare_child = getenv(BENCH_COMPARE_CHILD_ENV) != NULL && o->tune != BCN_TUNE_FORCE;
    if (n_cases > 0 && !compare_child) {
        bcn_net_config cfg0;
        bcn_device_info *infos = calloc((size_t)nd + 1, sizeof *infos);
        int *oks = calloc((size_t)nd + 1, sizeof *oks);
        if (!infos || !oks) {
            free(infos);
            free(oks);
            goto nomem;
        }
        for (int d = 0; d < nd; d++)
            infos[d] = devs[d].info, oks[d] = devs[d].ok;
        int r0 = case_config(o, nets, &cases[0], &cfg0, err, sizeof err) != 0 ||
                 bench_tune_report(o, infos, oks, nd, &cfg0, cases[0].batch) != 0;
        free(infos);
        free(oks);
        if (r0)
            goto fail;
    }
    for (int d = 0; d < nd; d++) {
        bcn_ctx *ctx = NULL;
        if (devs[d].ok) {
            ctx = bcn_ctx_new();
            if (ctx) { /* force tuned already (bench_tune_report) */
                bcn_ctx_set_tune_mode(ctx, o->tune == BCN_TUNE_FORCE ? BCN_TUNE_AUTO : o->tune);
                bcn_ctx_set_gemm_engine(ctx, o->gemm);
            }
            if (!ctx || bcn_ctx_open_device(ctx, devs[d].info.id) != BCN_OK) {
                devs[d].ok = 0;
                snprintf(devs[d].error, sizeof devs[d].error, "%s",
                         ctx ? bcn_errmsg(ctx) : "out of memory");
            } else {
                snprintf(devs[d].gemm, sizeof devs[d].gemm, "%s", bcn_ctx_gemm_name(ctx));
            }
        }
        for (int i = 0; i < n_cases; i++) {
            trow *r = &rows[nr++];
            r->dev = d;
            r->c = cases[i];
            bcn_net_config cfg;
            if (case_config(o, nets, &cases[i], &cfg, r->error, sizeof r->error) == 0)
                bcn_net_desc(&cfg, r->network, sizeof r->network);
            for (int k = 0; k < o->depth && !nets[cases[i].net].arch; k++)
                snprintf(r->hidden + strlen(r->hidden), sizeof r->hidden - strlen(r->hidden),
                         "%s%d", k ? "-" : "", cases[i].width);
            if (devs[d].ok)
                time_case(o, nets, ctx, r);
            else
                /* Both parts bounded so the message fits r->error (512 bytes). */
                snprintf(r->error, sizeof r->error, "device %.200s: %.300s", devs[d].spec,
                         devs[d].error);
            print_row(&devs[d], r);
        }
        bcn_ctx_free(ctx);
    }
    if (bench_path(path, sizeof path, o->out, "timing.csv") != 0 ||
        bench_csv_open(&csv, path, TIMING_COLS, err, sizeof err) != 0)
        goto fail;
    for (int i = 0; i < nr; i++) {
        char name[32];
        net_name(nets, rows[i].c.net, name, sizeof name);
        csv_row(&csv, &devs[rows[i].dev], &rows[i], o->reps, name);
    }
    if (bench_csv_commit(&csv, err, sizeof err) != 0 ||
        write_json(o, nets, devs, nd, rows, nr, cases, n_cases, base_batch, base_width, err,
                   sizeof err) != 0 ||
        write_meta(o, nets, devs, nd, rules, cases, n_cases, base_batch, base_width, err,
                   sizeof err) != 0)
        goto fail;
    rc = 0;
    goto done;
nomem:
    snprintf(err, sizeof err, "out of memory");
fail:
    fprintf(stderr, "burstccn-bench timing: %s\n", err);
done:
    bench_csv_abort(&csv);
    free(rows);
    free(cases);
    free(devs);
    return rc;
}

int bench_cmd_timing(const bench_opts *o)
{
    /* The networks: the dense family of --widths x --depth (unless only
     * --arch networks were asked for), then each --arch network. */
    bench_tnet nets[1 + BENCH_MAX_ARCH];
    int nn = 0, dense = o->n_arch == 0 || o->widths_set || o->depth_set;
    if (dense)
        nets[nn++] = (bench_tnet){NULL, bench_timing_input(o, NULL), 10};
    for (int a = 0; a < o->n_arch; a++)
        nets[nn++] = (bench_tnet){o->arch[a], bench_timing_input(o, o->arch[a]), 10};
    size_t max = (size_t)BCN_RULE_COUNT * o->n_batches * (o->n_widths + BENCH_MAX_ARCH);
    bench_tcase *cases = malloc(max * sizeof *cases);
    if (!cases) {
        fprintf(stderr, "burstccn-bench timing: out of memory\n");
        return BENCH_EXIT_FAIL;
    }
    int n = 0;
    for (int k = 0; k < nn; k++)
        for (int r = 0; r < BCN_RULE_COUNT; r++)
            for (int b = 0; b < o->n_batches && (o->rules & BCN_RULE_BIT(r)); b++)
                for (int w = 0; w < (nets[k].arch ? 1 : o->n_widths); w++)
                    cases[n++] = (bench_tcase){(bcn_rule)r, o->batches[b],
                                               nets[k].arch ? 0 : o->widths[w], k};
    int rc = bench_timing_run(o, nets, nn, cases, n, o->batches[0], dense ? o->widths[0] : 0);
    /* compare.csv: this run's comparison, else none (not an older run's) */
    char path[4200];
    if (rc == 0 && o->compare_build[0])
        rc = bench_compare_build(o, nets, cases, n);
    else if (rc == 0 && bench_path(path, sizeof path, o->out, "compare.csv") == 0)
        remove(path);
    free(cases);
    if (rc == 0 && !o->no_plots)
        rc = bench_render(o, o->out);
    return rc;
}
