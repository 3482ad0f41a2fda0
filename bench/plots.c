/*
 * plots.c — draw the figures of a results folder with the gnuplot scripts
 * of plots/ and write its summary.md.
 *
 * The scripts are found, in order: --plots-dir; the source tree's plots/
 * when this binary runs from the build tree (uninstalled); the installed
 * $(pkgdatadir)/plots; the source tree as a last resort. Each script runs
 * as  gnuplot -e "dir='DIR'" SCRIPT  with its output in DIR/plots.log; the
 * figures of `all`'s conv network as  gnuplot -e "dir='DIR'; suffix='_conv'"
 * SCRIPT  (inputs NAME_conv.csv, outputs FIGURE_conv.png).
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

extern char **environ;

/* Each figure: its script, the results it needs, the suffix of both
 * ("_conv": all's conv network), what it shows. */
static const struct figure {
    const char *script, *input, *suffix, *what;
} figures[] = {
    {"angles", "angles", "", "angle of each rule's update to backprop's, per layer"},
    {"alignment", "angles", "", "W-Y and Y-Q weight angles during training"},
    {"curves", "curves", "", "test error and training loss per epoch, per rule"},
    {"angles", "angles", "_conv", "the conv network's angles to backprop's, per layer"},
    {"alignment", "angles", "_conv", "the conv network's W-Y and Y-Q weight angles"},
    {"curves", "curves", "_conv", "the conv network's test error and training loss per epoch"},
    {"timing", "timing", "", "time per step per device, rule and network"},
    {"scaling", "timing", "", "time per step vs hidden width and batch size"},
    {"gemm_tune", "timing", "", "SGEMM rate per step shape, CLBlast and own kernels, default vs tuned"},
};

/* 1 when `path` is a readable regular file. */
static int is_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && access(path, R_OK) == 0;
}

/* 1 when dir holds the scripts (common.gp is loaded by all of them). */
static int has_scripts(const char *dir)
{
    char p[4096];
    return bench_path(p, sizeof p, dir, "common.gp") == 0 && is_file(p);
}

/* 1 when this program runs from the build tree rather than installed. */
static int running_uninstalled(void)
{
    char exe[PATH_MAX], build[PATH_MAX];
    if (!realpath("/proc/self/exe", exe) || !realpath(BCN_BENCH_BUILDDIR, build))
        return 0;
    size_t n = strlen(build);
    return strncmp(exe, build, n) == 0 && exe[n] == '/';
}

int bench_plots_dir(const bench_opts *o, char *buf, size_t len)
{
    if (o->plots_dir[0]) {
        snprintf(buf, len, "%s", o->plots_dir);
        if (has_scripts(buf))
            return 0;
        fprintf(stderr, "burstccn-bench: --plots-dir %s holds no gnuplot scripts (common.gp)\n",
                buf);
        return -1;
    }
    const char *order[3] = {BCN_PLOTS_INSTALLED, BCN_PLOTS_SRCDIR, NULL};
    if (running_uninstalled()) {
        order[0] = BCN_PLOTS_SRCDIR;
        order[1] = BCN_PLOTS_INSTALLED;
    }
    for (int i = 0; order[i]; i++) {
        if (has_scripts(order[i])) {
            snprintf(buf, len, "%s", order[i]);
            return 0;
        }
    }
    fprintf(stderr,
            "burstccn-bench: the gnuplot scripts were found neither in %s nor in %s; "
            "give their folder with --plots-dir\n",
            BCN_PLOTS_INSTALLED, BCN_PLOTS_SRCDIR);
    return -1;
}

/* The gnuplot to run: the one configure found, else "gnuplot" on PATH. */
static const char *gnuplot_path(void)
{
    const char *configured = BCN_GNUPLOT;
    return configured[0] && access(configured, X_OK) == 0 ? configured : "gnuplot";
}

/* Run one script; returns the exit status, 127 when gnuplot is missing. */
static int run_gnuplot(const char *script, const char *dir, const char *suffix, const char *log)
{
    /* dir='...' in gnuplot: a single quote inside is written twice. */
    char expr[8300];
    size_t n = 0;
    n += (size_t)snprintf(expr, sizeof expr, "dir='");
    for (const char *p = dir; *p && n + 40 < sizeof expr; p++) {
        if (*p == '\'')
            expr[n++] = '\'';
        expr[n++] = *p;
    }
    snprintf(expr + n, sizeof expr - n, "'; suffix='%.16s'", suffix);
    const char *gp = gnuplot_path();
    char *argv[] = {(char *)gp, "-e", expr, (char *)script, NULL};
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return -1;
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log, O_WRONLY | O_CREAT | O_APPEND,
                                     0666);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    pid_t pid;
    int rc = posix_spawnp(&pid, gp, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return rc == ENOENT ? 127 : -1;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Print the last lines of the log after a failure. */
static void show_log_tail(const char *log)
{
    FILE *f = fopen(log, "r");
    if (!f)
        return;
    char lines[6][512];
    int n = 0;
    while (fgets(lines[n % 6], sizeof lines[0], f))
        n++;
    fclose(f);
    for (int i = n > 6 ? n - 6 : 0; i < n; i++)
        fprintf(stderr, "  | %s", lines[i % 6]);
}

int bench_render(const bench_opts *o, const char *dir)
{
    char sdir[4096], script[4096], path[4096], err[1024], log[4096];
    int rc = 0, drawn = 0, missing_gnuplot = 0;
    if (bench_plots_dir(o, sdir, sizeof sdir) != 0)
        return BENCH_EXIT_FAIL;
    if (bench_path(log, sizeof log, dir, "plots.log") != 0)
        return BENCH_EXIT_FAIL;
    remove(log);
    for (size_t i = 0; i < sizeof figures / sizeof figures[0] && !missing_gnuplot; i++) {
        const struct figure *fig = &figures[i];
        char csv[256], meta[256];
        snprintf(csv, sizeof csv, "%s%s.csv", fig->input, fig->suffix);
        snprintf(meta, sizeof meta, "%s%s_meta.gp", fig->input, fig->suffix);
        if (bench_path(path, sizeof path, dir, csv) != 0 || !is_file(path) ||
            bench_path(path, sizeof path, dir, meta) != 0 || !is_file(path))
            continue; /* that experiment was not run into this folder */
        char gp[64];
        snprintf(gp, sizeof gp, "%s.gp", fig->script);
        if (bench_path(script, sizeof script, sdir, gp) != 0)
            return BENCH_EXIT_FAIL;
        int st = run_gnuplot(script, dir, fig->suffix, log);
        if (st == 127) {
            missing_gnuplot = 1;
            fprintf(stderr, "burstccn-bench: gnuplot was not found, so no figures were drawn "
                            "(Debian: apt-get install gnuplot-nox)\n");
        } else if (st != 0) {
            fprintf(stderr, "burstccn-bench: %s.gp failed (exit %d); its output, from %s:\n",
                    fig->script, st, log);
            show_log_tail(log);
            rc = BENCH_EXIT_FAIL;
        } else {
            /* A script may decline to draw (alignment without hidden layers). */
            char png[128];
            snprintf(png, sizeof png, "%s%s.png", fig->script, fig->suffix);
            if (bench_path(path, sizeof path, dir, png) != 0 || !is_file(path))
                continue;
            if (!o->quiet && drawn++ == 0)
                printf("figures in %s/:\n", dir);
            if (!o->quiet)
                printf("  %s%s.png and %s%s.svg — %s\n", fig->script, fig->suffix, fig->script,
                       fig->suffix, fig->what);
        }
    }
    if (bench_summary_write(dir, err, sizeof err) != 0) {
        fprintf(stderr, "burstccn-bench: %s\n", err);
        return BENCH_EXIT_FAIL;
    }
    if (!o->quiet)
        printf("summary: %s/summary.md\n", dir);
    return rc;
}

int bench_cmd_plots(const bench_opts *o)
{
    struct stat sb;
    if (stat(o->out, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "burstccn-bench plots: '%s' is not a results folder\n", o->out);
        return BENCH_EXIT_FAIL;
    }
    return bench_render(o, o->out);
}
