/*
 * test_bench_compare.c — `burstccn-bench timing --compare-build DIR`
 * against stand-in benches written at test time: an older bench that
 * knows only the flags every bench since the timing subcommand has (it
 * fails on any other, so the test proves it is told only those) and
 * reports a fixed 12.5 ms per step; one that fails; a folder with none;
 * --gemm forwarded to a bench that lists it, and given as $BURSTCCN_GEMM
 * to one that does not.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench_testutil.h"
#include "idx_fixture.h"

static char *tmp;

static void setup(void) { tmp = fx_tmpdir(); }
static void teardown(void) { fx_rmtree(tmp); }

TestSuite(bench_compare, .init = setup, .fini = teardown, .timeout = 300);

/* The shell script of an old bench: `timing --help` lists the required
 * flags (and --gemm when with_gemm); a run appends its arguments to
 * calls.txt beside it and its $BURSTCCN_GEMM ("unset" when none) to
 * env.txt, and writes a timing.csv of one row at 12.5 ms, with a gemm
 * column saying its --gemm when with_gemm (exit_status != 0: exits with
 * it). */
static char *write_bench(const char *name, int exit_status, int with_gemm)
{
    char *dir = fx_path(tmp, name);
    cr_assert_eq(mkdir(dir, 0755), 0);
    char *exe = fx_path(dir, "burstccn-bench");
    FILE *f = fopen(exe, "w");
    cr_assert_not_null(f);
    fprintf(f,
            "#!/bin/sh\n"
            "[ \"$1\" = timing ] || exit 2\n"
            "shift\n"
            "if [ \"$1\" = --help ]; then\n"
            "  for o in devices rules batches widths depth reps warmup target-time out%s; do\n"
            "    echo \"  --$o X   an option\"\n"
            "  done\n"
            "  echo '  --no-plots   no figures'\n"
            "  echo '  --quiet   quiet'\n"
            "  exit 0\n"
            "fi\n"
            "echo \"$*\" >> \"$(dirname \"$0\")/calls.txt\"\n"
            "echo \"${BURSTCCN_GEMM-unset}\" >> \"$(dirname \"$0\")/env.txt\"\n"
            "[ %d = 0 ] || { echo 'old bench: broken on purpose' >&2; exit %d; }\n"
            "out=\n"
            "gemm=\n"
            "while [ $# -gt 0 ]; do\n"
            "  case \"$1\" in\n"
            "    --devices|--rules|--batches|--widths|--depth|--reps|--warmup|--target-time) "
            "shift 2 ;;\n"
            "    --out) out=$2; shift 2 ;;\n"
            "    %s) gemm=$2; shift 2 ;;\n"
            "    --no-plots|--quiet) shift ;;\n"
            "    *) echo \"unknown flag $1\" >&2; exit 2 ;;\n"
            "  esac\n"
            "done\n"
            "mkdir -p \"$out\" || exit 1\n"
            "%s\n",
            with_gemm ? " gemm" : "", exit_status, exit_status,
            with_gemm ? "--gemm" : "--no-such-flag",
            with_gemm ? "printf 'device,rule,batch,median_ms,status,error,gemm\\nref,fa,4,12.5,ok,,"
                        "%s\\n' \"$gemm\" > \"$out/timing.csv\""
                      : "printf 'device,rule,batch,median_ms,status,error\\nref,fa,4,12.5,ok,\\n' > "
                        "\"$out/timing.csv\"");
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(chmod(exe, 0755), 0);
    free(exe);
    return dir;
}

static char *write_old_bench(const char *name, int exit_status)
{
    return write_bench(name, exit_status, 0);
}

Test(bench_compare, old_bench_gets_only_its_flags_and_the_ratio_is_its_median_over_ours)
{
    char *old = write_old_bench("old", 0), *out = fx_path(tmp, "cmp");
    const char *args[] = {"timing", "--devices", "ref", "--rules", "fa", "--batches", "4",
                          "--widths", "8", "--depth", "1", "--reps", "3", "--warmup", "1",
                          "--target-time", "0.01", "--seed", "5", "--out", out, "--no-plots",
                          "--quiet", "--compare-build", old, NULL};
    bt_run_expect(tmp, args, 0);
    bt_csv t;
    bt_read_csv_header(out, "compare.csv",
                       "device,rule,batch,hidden,width,network,reps,median_ms,min_ms,max_ms,"
                       "compare_median_ms,compare_min_ms,compare_max_ms,ratio,status,error,"
                       "compare_build,gemm,compare_gemm",
                       &t);
    cr_assert_eq(t.nrows - 1, 1);
    char **c = t.cell[1];
    cr_assert_str_eq(c[14], "ok", "error: %s", c[15]);
    cr_assert_str_eq(c[0], "ref");
    cr_assert_str_eq(c[1], "fa");
    cr_assert_eq(bt_num(c[2]), 4);
    cr_assert_str_eq(c[3], "8");
    cr_assert_str_eq(c[5], "784-8-10");
    cr_assert_eq(bt_num(c[6]), 3);
    double med = bt_num(c[7]), mn = bt_num(c[8]), mx = bt_num(c[9]);
    cr_assert(med > 0 && mn <= med && med <= mx, "this build: %g (%g-%g)", med, mn, mx);
    for (int k = 10; k <= 12; k++)
        cr_assert_eq(bt_num(c[k]), 12.5, "%s = %s", t.cell[0][k], c[k]);
    cr_assert(bt_rel_close(bt_num(c[13]), 12.5 / med, 1e-4), "ratio %s, 12.5 / %g", c[13], med);
    cr_assert_str_eq(c[16], old);
    /* The old bench ran once per repetition, with one repetition each
     * time and none of the flags it lacks (--seed among them). */
    char *calls_path = fx_path(old, "calls.txt"), *calls = fx_slurp(calls_path);
    cr_assert_not_null(calls);
    int lines = 0;
    for (char *p = calls; *p; p++)
        lines += *p == '\n';
    cr_assert_eq(lines, 3, "calls:\n%s", calls);
    cr_assert_null(strstr(calls, "--seed"));
    cr_assert_not_null(strstr(calls, "--reps 1 "));
    cr_assert_not_null(strstr(calls, "--devices ref --rules fa --batches 4 --widths 8 --depth 1"));
    free(calls);
    free(calls_path);
    bt_csv_free(&t);
    free(out);
    free(old);
}

Test(bench_compare, a_failing_build_is_reported_as_skipped_with_its_message)
{
    char *old = write_old_bench("broken", 3), *out = fx_path(tmp, "cmp");
    const char *args[] = {"timing", "--devices", "ref", "--rules", "fa", "--batches", "4",
                          "--widths", "8", "--depth", "1", "--reps", "2", "--warmup", "1",
                          "--target-time", "0.01", "--out", out, "--no-plots", "--quiet",
                          "--compare-build", old, NULL};
    bt_run_expect(tmp, args, 0);
    bt_csv t;
    char *path = fx_path(out, "compare.csv");
    cr_assert_eq(bt_csv_read(path, &t), 0, "%s", path);
    free(path);
    cr_assert_eq(t.nrows - 1, 1);
    cr_assert_str_eq(t.cell[1][14], "skipped");
    cr_assert_not_null(strstr(t.cell[1][15], "exit status 3"), "%s", t.cell[1][15]);
    cr_assert_not_null(strstr(t.cell[1][15], "broken on purpose"), "%s", t.cell[1][15]);
    cr_assert_str_eq(t.cell[1][7], "");
    bt_csv_free(&t);
    free(out);
    free(old);
}

Test(bench_compare, a_folder_without_burstccn_bench_is_a_clear_error)
{
    char *out = fx_path(tmp, "cmp");
    const char *args[] = {"timing", "--devices", "ref", "--rules", "fa", "--batches", "4",
                          "--widths", "8", "--depth", "1", "--reps", "1", "--warmup", "1",
                          "--target-time", "0.01", "--out", out, "--no-plots", "--quiet",
                          "--compare-build", tmp, NULL};
    bt_run_result r = bt_run_bench(tmp, args);
    cr_assert_eq(r.status, 1, "exit %d; stderr:\n%s", r.status, r.err);
    cr_assert_not_null(strstr(r.err, "--compare-build"), "%s", r.err);
    cr_assert_not_null(strstr(r.err, "burstccn-bench"), "%s", r.err);
    bt_run_free(&r);
    free(out);
}

/* --gemm goes to the other build as --gemm when its help lists the flag,
 * else as $BURSTCCN_GEMM; compare.csv says what each build's steps ran
 * (the other build's timing.csv gemm column, empty when it has none). */
Test(bench_compare, gemm_is_forwarded_as_flag_or_environment)
{
    for (int with = 0; with < 2; with++) {
        char *other = write_bench(with ? "new" : "old", 0, with), *out = fx_path(tmp, "cmp");
        const char *args[] = {"timing", "--devices", "ref", "--rules", "fa", "--batches", "4",
                              "--widths", "8", "--depth", "1", "--reps", "1", "--warmup", "1",
                              "--target-time", "0.01", "--gemm", "clblast", "--out", out,
                              "--no-plots", "--quiet", "--compare-build", other, NULL};
        setenv("BURSTCCN_GEMM", "own", 1); /* replaced, not inherited, for an old bench */
        bt_run_result r = bt_run_bench(tmp, args);
        unsetenv("BURSTCCN_GEMM");
        cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
        if (!with)
            cr_assert_not_null(strstr(r.err, "has no --gemm"), "no warning: %s", r.err);
        else
            cr_assert_null(strstr(r.err, "has no --gemm"), "%s", r.err);
        bt_run_free(&r);
        char *p = fx_path(other, "calls.txt"), *calls = fx_slurp(p);
        cr_assert_not_null(calls);
        if (with)
            cr_assert_not_null(strstr(calls, "--gemm clblast"), "calls: %s", calls);
        else
            cr_assert_null(strstr(calls, "--gemm"), "calls: %s", calls);
        free(calls);
        free(p);
        p = fx_path(other, "env.txt");
        char *env = fx_slurp(p);
        cr_assert_not_null(env);
        cr_assert_str_eq(env, with ? "own\n" : "clblast\n", "its BURSTCCN_GEMM");
        free(env);
        free(p);
        bt_csv t;
        p = fx_path(out, "compare.csv");
        cr_assert_eq(bt_csv_read(p, &t), 0);
        cr_assert_str_eq(t.cell[1][14], "ok", "%s", t.cell[1][15]);
        cr_assert_str_eq(t.cell[1][bt_csv_col(&t, "gemm")], "ref", "this build on ref");
        cr_assert_str_eq(t.cell[1][bt_csv_col(&t, "compare_gemm")], with ? "clblast" : "");
        bt_csv_free(&t);
        free(p);
        free(out);
        free(other);
    }
}
