/*
 * compare_build.c — `burstccn-bench timing --compare-build DIR`: the time
 * per step of this build and of another build of the library (DIR holds
 * its burstccn-bench, e.g. an older checkout's build/), side by side in
 * one run, so that a speed-up is a ratio measured under the same
 * conditions.
 *
 * Both builds are timed the same way: as a child `burstccn-bench timing`
 * of one configuration (device, rule, batch, network) and one repetition,
 * the two builds alternating for every repetition (this, DIR, DIR, this,
 * this, DIR, ...: neither always runs first), each child warming up and
 * calibrating its own step count. Each build's median (and min, max) over
 * --reps children, and the ratio DIR / this (> 1: this build is faster),
 * go to compare.csv and summary.md.
 *
 * An older bench may lack flags: DIR's `timing --help` is read first, and
 * it is told only the flags it lists. The configuration flags it must
 * have (--devices --rules --batches --widths --depth --reps --warmup
 * --target-time --out --no-plots --quiet) make a clear error when
 * missing; --arch networks are skipped, with the reason, when DIR has no
 * --arch; --seed, --same-settings and --tune (when given) go to DIR when
 * it has them, else a warning says that DIR runs with its own default.
 * --gemm (when given) goes to DIR when its help lists it; else DIR's
 * children get BURSTCCN_GEMM=ENGINE in their environment (which a library
 * with the engine choice but an older bench honours; an older library
 * ignores it), with a warning. compare.csv's gemm and compare_gemm say what
 * each build's steps ran (the children's timing.csv gemm column; empty
 * when a build does not report it).
 * Both children inherit the environment ($BURSTCCN_TUNE among it), with
 * BENCH_COMPARE_CHILD_ENV added: this build's child then skips the
 * tuned/untuned SGEMM and start-up report (which would take most of its
 * time; it measures nothing about the step).
 */
#define _XOPEN_SOURCE 700
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "bench.h"
#include "netdesc.h"

#define COMPARE_COLS                                                                        \
    "device,rule,batch,hidden,width,network,reps,median_ms,min_ms,max_ms,compare_median_ms," \
    "compare_min_ms,compare_max_ms,ratio,status,error,compare_build,gemm,compare_gemm"

#define MAX_ARGS 48

/* The flags every bench since the timing subcommand has (75f1f90 on). */
static const char *const required_flags[] = {"--devices", "--rules",       "--batches",
                                             "--widths",  "--depth",       "--reps",
                                             "--warmup",  "--target-time", "--out",
                                             "--no-plots", "--quiet"};

/* What a build's bench offers. */
typedef struct build {
    char exe[PATH_MAX];
    const char *what;  /* "this build" or "--compare-build" */
    int has_arch, has_seed, has_same, has_tune, has_gemm;
} build;

/* One configuration's times (ms per step), per build. */
typedef struct cmp_row {
    char device[256], hidden[64], network[512];
    bench_tcase c;
    double t[2][64];
    char gemm[2][32]; /* what each build's steps ran (timing.csv's gemm; "" unknown) */
    int n;
    char error[1024];
} cmp_row;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* Remove a scratch folder and all in it (best effort). */
static void remove_tree(const char *dir) { nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

extern char **environ;

/* Run exe with args (NULL-ended), stdout and stderr into log, in this
 * environment plus BENCH_COMPARE_CHILD_ENV=1 and, unless NULL, `gemm_env`
 * ("BURSTCCN_GEMM=own": replaces the variable). The exit status, or -1
 * with err when it could not be started or was killed. */
static int run_child(const char *exe, char *const *args, const char *gemm_env, const char *log,
                     char *err, size_t errlen)
{
    size_t n_env = 0;
    while (environ[n_env])
        n_env++;
    char **env = malloc((n_env + 3) * sizeof *env);
    if (!env) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < n_env; i++)
        if (!gemm_env || strncmp(environ[i], "BURSTCCN_GEMM=", 14) != 0)
            env[k++] = environ[i];
    env[k++] = BENCH_COMPARE_CHILD_ENV "=1";
    if (gemm_env)
        env[k++] = (char *)gemm_env;
    env[k] = NULL;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        free(env);
        return -1;
    }
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execve(exe, args, env);
        fprintf(stderr, "cannot run %s: %s\n", exe, strerror(errno));
        _exit(127);
    }
    free(env);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            snprintf(err, errlen, "waitpid: %s", strerror(errno));
            return -1;
        }
    if (WIFSIGNALED(status)) {
        snprintf(err, errlen, "%s was killed by signal %d", exe, WTERMSIG(status));
        return -1;
    }
    return WEXITSTATUS(status);
}

/* The last line of a log (for an error message), "" when none. */
static void last_line(const char *log, char *buf, size_t len)
{
    buf[0] = '\0';
    FILE *f = fopen(log, "r");
    if (!f)
        return;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0])
            snprintf(buf, len, "%s", line);
    }
    fclose(f);
}

/* Read b's `timing --help` and check the flags it must have. 0, or -1 with
 * err. */
static int probe_build(build *b, const char *scratch, char *err, size_t errlen)
{
    if (access(b->exe, X_OK) != 0) {
        snprintf(err, errlen, "%s: %.3000s is not an executable burstccn-bench (%s)", b->what,
                 b->exe, strerror(errno));
        return -1;
    }
    char log[PATH_MAX + 32], why[512] = "";
    snprintf(log, sizeof log, "%s/help.txt", scratch);
    char *args[] = {b->exe, "timing", "--help", NULL};
    int rc = run_child(b->exe, args, NULL, log, why, sizeof why);
    if (rc != 0) {
        if (rc > 0)
            last_line(log, why, sizeof why);
        snprintf(err, errlen, "%s: `%.3000s timing --help` failed: %s", b->what, b->exe,
                 why[0] ? why : "no message");
        return -1;
    }
    FILE *f = fopen(log, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read its --help (%s)", b->what, strerror(errno));
        return -1;
    }
    char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    for (size_t i = 0; i < sizeof required_flags / sizeof required_flags[0]; i++) {
        char flag[64];
        snprintf(flag, sizeof flag, "%s ", required_flags[i]);
        if (!strstr(text, flag)) {
            snprintf(err, errlen,
                     "%s: %.3000s has no `timing %s` (is it a burstccn-bench of another "
                     "project, or older than the timing subcommand?)",
                     b->what, b->exe, required_flags[i]);
            return -1;
        }
    }
    b->has_arch = strstr(text, "--arch ") != NULL;
    b->has_seed = strstr(text, "--seed ") != NULL;
    b->has_same = strstr(text, "--same-settings") != NULL;
    b->has_tune = strstr(text, "--tune ") != NULL;
    b->has_gemm = strstr(text, "--gemm ") != NULL;
    return 0;
}

/* The child's arguments for case c on device spec `dev`, out into `out`;
 * strings live in `store`. The count, or -1 when b cannot time it (err). */
static int child_args(const bench_opts *o, const build *b, const bench_tnet *nets,
                      const bench_tcase *c, const char *dev, const char *out, char *args[],
                      char store[][64], char *err, size_t errlen)
{
    int n = 0, s = 0;
#define ARG(x) (args[n++] = (char *)(x))
#define NUM(fmt, v) (snprintf(store[s], 64, fmt, v), ARG(store[s++]))
    ARG(b->exe);
    ARG("timing");
    ARG("--devices");
    ARG(dev);
    ARG("--rules");
    ARG(bcn_rule_str(c->rule));
    ARG("--batches");
    NUM("%d", c->batch);
    if (nets[c->net].arch) {
        if (!b->has_arch) {
            snprintf(err, errlen, "%s has no --arch", b->what);
            return -1;
        }
        ARG("--arch");
        ARG(nets[c->net].arch);
    } else {
        ARG("--widths");
        NUM("%d", c->width);
        ARG("--depth");
        NUM("%d", o->depth);
    }
    ARG("--reps");
    ARG("1");
    ARG("--warmup");
    NUM("%d", o->warmup);
    ARG("--target-time");
    NUM("%.17g", o->target_s);
    ARG("--out");
    ARG(out);
    ARG("--no-plots");
    ARG("--quiet");
    if (b->has_seed) {
        ARG("--seed");
        NUM("%llu", o->seed);
    }
    if (o->same_settings && b->has_same)
        ARG("--same-settings");
    if (b->has_tune && o->tune != BCN_TUNE_DEFAULT) {
        ARG("--tune");
        ARG(o->tune == BCN_TUNE_FORCE ? "force" : o->tune == BCN_TUNE_OFF ? "off" : "auto");
    }
    if (b->has_gemm && o->gemm != BCN_GEMM_DEFAULT) {
        ARG("--gemm");
        ARG(bcn_gemm_engine_str(o->gemm));
    }
    args[n] = NULL;
#undef ARG
#undef NUM
    return n;
}

/* One repetition of case c on build b: its ms per step (and what ran its
 * GEMMs into gemm, "" when the build does not say), or -1 with err. */
static double time_once(const bench_opts *o, const build *b, const bench_tnet *nets,
                        const bench_tcase *c, const char *dev, const char *scratch, char *gemm,
                        size_t gemmlen, char *err, size_t errlen)
{
    char gemm_env[64];
    snprintf(gemm_env, sizeof gemm_env, "BURSTCCN_GEMM=%s", bcn_gemm_engine_str(o->gemm));
    char out[PATH_MAX + 8], log[PATH_MAX + 48], path[PATH_MAX + 48], store[16][64], why[1024] = "";
    char *args[MAX_ARGS];
    snprintf(out, sizeof out, "%s/run", scratch);
    remove_tree(out);
    snprintf(log, sizeof log, "%s/log.txt", scratch);
    if (child_args(o, b, nets, c, dev, out, args, store, err, errlen) < 0)
        return -1;
    int rc = run_child(b->exe, args,
                       !b->has_gemm && o->gemm != BCN_GEMM_DEFAULT ? gemm_env : NULL, log, why,
                       sizeof why);
    if (rc > 0) {
        last_line(log, why, sizeof why);
        snprintf(err, errlen, "%s failed with exit status %d: %.800s", b->what, rc, why);
        return -1;
    }
    if (rc < 0) {
        snprintf(err, errlen, "%s failed: %.800s", b->what, why);
        return -1;
    }
    bench_table t;
    snprintf(path, sizeof path, "%s/timing.csv", out);
    if (bench_table_read(&t, path, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s wrote no timing.csv: %.800s", b->what, why);
        return -1;
    }
    int cm = bench_table_col(&t, "median_ms"), cs = bench_table_col(&t, "status"),
        ce = bench_table_col(&t, "error"), cg = bench_table_col(&t, "gemm");
    double ms = -1;
    snprintf(gemm, gemmlen, "%s", cg >= 0 && t.nrows == 2 ? t.cell[1][cg] : "");
    if (cm < 0 || cs < 0 || t.nrows != 2)
        snprintf(err, errlen, "%s's timing.csv has no median_ms/status or not one row",
                 b->what);
    else if (strcmp(t.cell[1][cs], "ok") != 0)
        snprintf(err, errlen, "%s skipped it: %.800s", b->what, ce >= 0 ? t.cell[1][ce] : "");
    else
        ms = strtod(t.cell[1][cm], NULL);
    bench_table_free(&t);
    return ms;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The device specs to compare on: --devices, else every device. */
static int device_specs(const bench_opts *o, char specs[][256], int max)
{
    int n = 0;
    for (int i = 0; i < o->n_devices && n < max; i++)
        snprintf(specs[n++], 256, "%s", o->devices[i]);
    if (o->n_devices > 0)
        return n;
    bcn_ctx *ctx = bcn_ctx_new();
    bcn_device_info *list = NULL;
    size_t count = 0;
    if (ctx && bcn_devices_list(ctx, &list, &count) == BCN_OK)
        for (size_t i = 0; i < count && n < max; i++)
            snprintf(specs[n++], 256, "%s", list[i].id);
    bcn_devices_free(list);
    bcn_ctx_free(ctx);
    return n;
}

/* compare.csv from the rows. */
static int write_csv(const bench_opts *o, const char *dir, const cmp_row *rows, int nr,
                     char *err, size_t errlen)
{
    char path[4200];
    bench_csv csv = {0};
    if (bench_path(path, sizeof path, o->out, "compare.csv") != 0 ||
        bench_csv_open(&csv, path, COMPARE_COLS, err, errlen) != 0)
        return -1;
    for (int i = 0; i < nr; i++) {
        const cmp_row *r = &rows[i];
        bench_csv_str(&csv, r->device);
        bench_csv_str(&csv, bcn_rule_str(r->c.rule));
        bench_csv_int(&csv, r->c.batch);
        bench_csv_str(&csv, r->hidden);
        if (r->hidden[0])
            bench_csv_int(&csv, r->c.width);
        else
            bench_csv_empty(&csv);
        bench_csv_str(&csv, r->network);
        bench_csv_int(&csv, r->n);
        if (!r->error[0] && r->n > 0) {
            double a[64], b[64];
            memcpy(a, r->t[0], (size_t)r->n * sizeof *a);
            memcpy(b, r->t[1], (size_t)r->n * sizeof *b);
            double ma = median(a, r->n), mb = median(b, r->n);
            bench_csv_num(&csv, ma);
            bench_csv_num(&csv, a[0]);
            bench_csv_num(&csv, a[r->n - 1]);
            bench_csv_num(&csv, mb);
            bench_csv_num(&csv, b[0]);
            bench_csv_num(&csv, b[r->n - 1]);
            bench_csv_num(&csv, mb / ma);
            bench_csv_str(&csv, "ok");
            bench_csv_str(&csv, "");
        } else {
            for (int k = 0; k < 7; k++)
                bench_csv_empty(&csv);
            bench_csv_str(&csv, "skipped");
            bench_csv_str(&csv, r->error);
        }
        bench_csv_str(&csv, dir);
        bench_csv_str(&csv, r->gemm[0]);
        bench_csv_str(&csv, r->gemm[1]);
        bench_csv_end_row(&csv);
    }
    if (bench_csv_commit(&csv, err, errlen) != 0) {
        bench_csv_abort(&csv);
        return -1;
    }
    return 0;
}

int bench_compare_build(const bench_opts *o, const bench_tnet *nets, const bench_tcase *cases,
                        int n_cases)
{
    char err[4096] = "", scratch[PATH_MAX] = "";
    build self = {.what = "this build"}, other = {.what = "--compare-build"};
    char (*specs)[256] = calloc(BENCH_MAX_LIST + 64, sizeof *specs);
    cmp_row *rows = NULL;
    int rc = BENCH_EXIT_FAIL, nr = 0;
    if (!specs)
        goto nomem;
    ssize_t len = readlink("/proc/self/exe", self.exe, sizeof self.exe - 1);
    if (len <= 0) {
        snprintf(err, sizeof err, "--compare-build: cannot find this program (/proc/self/exe: %s)",
                 strerror(errno));
        goto fail;
    }
    self.exe[len] = '\0';
    if (snprintf(other.exe, sizeof other.exe, "%s/burstccn-bench", o->compare_build) >=
        (int)sizeof other.exe) {
        snprintf(err, sizeof err, "--compare-build: the folder name is too long");
        goto fail;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/burstccn-compare-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(scratch)) {
        snprintf(err, sizeof err, "--compare-build: cannot make a scratch folder %.3000s: %s",
                 scratch, strerror(errno));
        scratch[0] = '\0';
        goto fail;
    }
    if (probe_build(&other, scratch, err, sizeof err) != 0 ||
        probe_build(&self, scratch, err, sizeof err) != 0)
        goto fail;
    if (!other.has_seed)
        fprintf(stderr, "compare-build: %s has no --seed: it uses its default seed\n",
                o->compare_build);
    if (o->same_settings && !other.has_same)
        fprintf(stderr,
                "compare-build: %s has no --same-settings: it times each rule at its own "
                "defaults, this build at BurstCCN's\n",
                o->compare_build);
    if (!other.has_gemm && o->gemm != BCN_GEMM_DEFAULT)
        fprintf(stderr,
                "compare-build: %s has no --gemm: its runs get BURSTCCN_GEMM=%s instead "
                "(honoured only when its library has the engine choice; compare.csv's "
                "compare_gemm says what ran when its bench reports it)\n",
                o->compare_build, bcn_gemm_engine_str(o->gemm));
    if (!other.has_tune && o->tune != BCN_TUNE_DEFAULT)
        fprintf(stderr, "compare-build: %s has no --tune: it uses its own GEMM parameters\n",
                o->compare_build);
    int nd = device_specs(o, specs, BENCH_MAX_LIST + 64);
    rows = calloc((size_t)(nd * n_cases + 1), sizeof *rows);
    if (!rows)
        goto nomem;
    int reps = o->reps < 64 ? o->reps : 64;
    if (!o->quiet)
        printf("\ncompare-build: this build (%s) against %s, %d alternating repetition%s per "
               "configuration\n",
               self.exe, other.exe, reps, reps == 1 ? "" : "s");
    for (int d = 0; d < nd; d++)
        for (int i = 0; i < n_cases; i++) {
            cmp_row *r = &rows[nr++];
            r->c = cases[i];
            snprintf(r->device, sizeof r->device, "%s", specs[d]);
            bcn_net_config cfg;
            char why[512];
            if (!nets[cases[i].net].arch) {
                for (int k = 0; k < o->depth; k++)
                    snprintf(r->hidden + strlen(r->hidden), sizeof r->hidden - strlen(r->hidden),
                             "%s%d", k ? "-" : "", cases[i].width);
            }
            bench_opts one = *o;
            one.n_arch = nets[cases[i].net].arch ? 1 : 0;
            if (one.n_arch)
                snprintf(one.arch[0], sizeof one.arch[0], "%s", nets[cases[i].net].arch);
            one.n_hidden = o->depth;
            for (int k = 0; k < o->depth; k++)
                one.hidden[k] = cases[i].width;
            if (bench_net_config(&one, cases[i].rule, nets[cases[i].net].input,
                                 nets[cases[i].net].n_out, &cfg, why, sizeof why) == 0)
                bcn_net_desc(&cfg, r->network, sizeof r->network);
            for (int k = 0; k < reps && !r->error[0]; k++) {
                /* this, other; other, this; ...: neither build always first */
                for (int j = 0; j < 2 && !r->error[0]; j++) {
                    int which = (k % 2 == 0) ? j : 1 - j;
                    const build *b = which == 0 ? &self : &other;
                    double ms = time_once(o, b, nets, &cases[i], specs[d], scratch,
                                          r->gemm[which], sizeof r->gemm[which], r->error,
                                          sizeof r->error);
                    if (ms > 0)
                        r->t[which][k] = ms;
                    else if (!r->error[0])
                        snprintf(r->error, sizeof r->error, "%s gave no time", b->what);
                }
                if (!r->error[0])
                    r->n = k + 1;
            }
            if (!o->quiet) {
                if (r->error[0]) {
                    printf("%-8s %-9s B=%-4d %s skipped: %s\n", r->device,
                           bcn_rule_str(r->c.rule), r->c.batch, r->network, r->error);
                } else {
                    double a[64], b[64];
                    memcpy(a, r->t[0], (size_t)r->n * sizeof *a);
                    memcpy(b, r->t[1], (size_t)r->n * sizeof *b);
                    double ma = median(a, r->n), mb = median(b, r->n);
                    printf("%-8s %-9s B=%-4d %s  this %9.3f ms/step  compared %9.3f ms/step  "
                           "ratio %.3f\n",
                           r->device, bcn_rule_str(r->c.rule), r->c.batch, r->network, ma, mb,
                           mb / ma);
                }
                fflush(stdout);
            }
        }
    if (write_csv(o, o->compare_build, rows, nr, err, sizeof err) != 0)
        goto fail;
    rc = 0;
    goto done;
nomem:
    snprintf(err, sizeof err, "out of memory");
fail:
    fprintf(stderr, "burstccn-bench timing: %s\n", err);
done:
    if (scratch[0])
        remove_tree(scratch);
    free(rows);
    free(specs);
    return rc;
}
