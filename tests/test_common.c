/*
 * test_common.c — the programs' helper library: JSON writer, strict
 * argument parsers, atomic file writes, progress formatting.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "atomic_file.h"
#include "json.h"
#include "progress.h"

/* Run `fn` on a writer to a memory stream and return the text (malloc'd). */
static char *json_text(void (*fn)(bcn_json *), int pretty, int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    bcn_json j;
    bcn_json_init(&j, f, pretty);
    fn(&j);
    *rc = bcn_json_finish(&j);
    fclose(f);
    return buf;
}

static void doc_basic(bcn_json *j)
{
    bcn_json_begin_object(j);
    bcn_json_kv_string(j, "s", "a\"b\\c\n\t\x01");
    bcn_json_kv_number(j, "x", 0.1);
    bcn_json_kv_number(j, "nan", NAN);
    bcn_json_kv_number(j, "inf", -INFINITY);
    bcn_json_kv_int(j, "i", -42);
    bcn_json_kv_bool(j, "t", 1);
    bcn_json_key(j, "a");
    bcn_json_begin_array(j);
    bcn_json_int(j, 1);
    bcn_json_null(j);
    bcn_json_begin_object(j);
    bcn_json_end_object(j);
    bcn_json_begin_array(j);
    bcn_json_end_array(j);
    bcn_json_end_array(j);
    bcn_json_end_object(j);
}

Test(json, compact_document_is_exact)
{
    int rc;
    char *s = json_text(doc_basic, 0, &rc);
    cr_assert_eq(rc, 0);
    cr_assert_str_eq(s, "{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001\",\"x\":0.1,\"nan\":null,"
                        "\"inf\":null,\"i\":-42,\"t\":true,\"a\":[1,null,{},[]]}\n");
    free(s);
}

Test(json, pretty_document_is_indented)
{
    int rc;
    char *s = json_text(doc_basic, 1, &rc);
    cr_assert_eq(rc, 0);
    cr_assert(strstr(s, "{\n  \"s\": ") == s, "got: %s", s);
    cr_assert(strstr(s, "\n  \"a\": [\n    1,\n    null,\n    {},\n    []\n  ]\n}\n"),
              "got: %s", s);
    free(s);
}

static void doc_number_roundtrip(bcn_json *j)
{
    bcn_json_begin_array(j);
    bcn_json_number(j, 1.0 / 3.0);
    bcn_json_number(j, 1e-300);
    bcn_json_number(j, 12.5);
    bcn_json_end_array(j);
}

Test(json, numbers_read_back_exactly)
{
    int rc;
    char *s = json_text(doc_number_roundtrip, 0, &rc);
    cr_assert_eq(rc, 0);
    double a, b, c;
    cr_assert_eq(sscanf(s, "[%lf,%lf,%lf]", &a, &b, &c), 3, "got: %s", s);
    cr_assert_eq(a, 1.0 / 3.0);
    cr_assert_eq(b, 1e-300);
    cr_assert_str_eq(s, "[0.33333333333333331,1e-300,12.5]\n");
    free(s);
}

static void doc_floats(bcn_json *j)
{
    bcn_json_begin_array(j);
    bcn_json_float(j, 0.3f);
    bcn_json_float(j, 7.31e-4f);
    bcn_json_float(j, 1e-8f);
    bcn_json_float(j, 1.0f / 3.0f);
    bcn_json_float(j, NAN);
    bcn_json_end_array(j);
}

Test(json, floats_use_the_shortest_exact_text)
{
    int rc;
    char *s = json_text(doc_floats, 0, &rc);
    cr_assert_eq(rc, 0);
    cr_assert_str_eq(s, "[0.3,0.000731,1e-08,0.33333334,null]\n");
    free(s);
}

static void doc_value_without_key(bcn_json *j)
{
    bcn_json_begin_object(j);
    bcn_json_int(j, 1);
    bcn_json_end_object(j);
}

static void doc_unbalanced(bcn_json *j)
{
    bcn_json_begin_array(j);
    bcn_json_begin_object(j);
    bcn_json_end_array(j);
}

static void doc_unclosed(bcn_json *j) { bcn_json_begin_array(j); }

Test(json, misuse_is_reported)
{
    int rc;
    free(json_text(doc_value_without_key, 0, &rc));
    cr_assert_eq(rc, -1);
    free(json_text(doc_unbalanced, 0, &rc));
    cr_assert_eq(rc, -1);
    free(json_text(doc_unclosed, 0, &rc));
    cr_assert_eq(rc, -1);
}

/* ---- args ---- */

Test(args, integers)
{
    char err[256];
    int v = 0;
    cr_assert_eq(bcn_arg_int("--epochs", "12", 1, 100, &v, err, sizeof err), 0);
    cr_assert_eq(v, 12);
    cr_assert_eq(bcn_arg_int("--epochs", "-3", -5, 100, &v, err, sizeof err), 0);
    cr_assert_eq(v, -3);
    const char *bad[] = {"", "1x", " 1", "1.5", "abc", "0x10", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        cr_assert_eq(bcn_arg_int("--epochs", bad[i], 0, 100, &v, err, sizeof err), -1,
                     "accepted '%s'", bad[i]);
        cr_assert(strstr(err, "--epochs"), "message: %s", err);
    }
    cr_assert_eq(bcn_arg_int("--epochs", "101", 0, 100, &v, err, sizeof err), -1);
    cr_assert(strstr(err, "--epochs") && strstr(err, "'101'") && strstr(err, "range"),
              "message: %s", err);
    cr_assert_eq(bcn_arg_int("--epochs", NULL, 0, 100, &v, err, sizeof err), -1);
    cr_assert(strstr(err, "missing"), "message: %s", err);
}

Test(args, reals)
{
    char err[256];
    double d = 0;
    float f = 0;
    cr_assert_eq(bcn_arg_double("--lr", "3e-1", 0, 10, &d, err, sizeof err), 0);
    cr_assert_eq(d, 0.3);
    cr_assert_eq(bcn_arg_float("--lr", ".5", 0, 10, &f, err, sizeof err), 0);
    cr_assert_eq(f, 0.5f);
    const char *bad[] = {"nan", "inf", "1e999", "0.1.2", "", "1,2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        cr_assert_eq(bcn_arg_double("--lr", bad[i], -1e300, 1e300, &d, err, sizeof err), -1,
                     "accepted '%s'", bad[i]);
        cr_assert(strstr(err, "--lr"), "message: %s", err);
    }
    cr_assert_eq(bcn_arg_double("--lr", "-0.1", 0, 10, &d, err, sizeof err), -1);
    cr_assert(strstr(err, "'-0.1'"), "message: %s", err);
}

Test(args, lists)
{
    char err[256];
    int v[4], n = 0;
    cr_assert_eq(bcn_arg_int_list("--hidden", "500,20,3", 1, 1000, v, 4, &n, err, sizeof err),
                 0);
    cr_assert_eq(n, 3);
    cr_assert(v[0] == 500 && v[1] == 20 && v[2] == 3);
    cr_assert_eq(bcn_arg_int_list("--hidden", "5,,6", 1, 1000, v, 4, &n, err, sizeof err), -1);
    cr_assert(strstr(err, "--hidden") && strstr(err, "empty"), "message: %s", err);
    cr_assert_eq(bcn_arg_int_list("--hidden", "1,2,3,4,5", 1, 9, v, 4, &n, err, sizeof err),
                 -1);
    cr_assert(strstr(err, "more than 4"), "message: %s", err);
    cr_assert_eq(bcn_arg_int_list("--hidden", "5,0", 1, 9, v, 4, &n, err, sizeof err), -1);
    cr_assert(strstr(err, "'0'"), "message: %s", err);
    cr_assert_eq(bcn_arg_int_list("--hidden", "5,", 1, 9, v, 4, &n, err, sizeof err), -1);

    double d[3];
    cr_assert_eq(bcn_arg_double_list("--lr", "0.1,0.01", 0, 1, d, 3, &n, err, sizeof err), 0);
    cr_assert(n == 2 && d[0] == 0.1 && d[1] == 0.01);
    cr_assert_eq(bcn_arg_double_list("--lr", "0.1,x", 0, 1, d, 3, &n, err, sizeof err), -1);
    cr_assert(strstr(err, "--lr") && strstr(err, "0.1,x"), "message: %s", err);

    char **s = NULL;
    cr_assert_eq(bcn_arg_str_list("--rules", "fa,bp,x", 8, &s, &n, err, sizeof err), 0);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(s[0], "fa");
    cr_assert_str_eq(s[1], "bp");
    cr_assert_str_eq(s[2], "x");
    free(s);
    cr_assert_eq(bcn_arg_str_list("--rules", ",fa", 8, &s, &n, err, sizeof err), -1);
}

Test(args, choices_and_bools)
{
    char err[256];
    static const char *const names[] = {"sgd", "momentum", "adam"};
    int v = -1;
    cr_assert_eq(bcn_arg_choice("--optimizer", "Adam", names, 3, &v, err, sizeof err), 0);
    cr_assert_eq(v, 2);
    cr_assert_eq(bcn_arg_choice("--optimizer", "rmsprop", names, 3, &v, err, sizeof err), -1);
    cr_assert(strstr(err, "--optimizer") && strstr(err, "rmsprop") &&
                  strstr(err, "sgd, momentum, adam"),
              "message: %s", err);
    cr_assert_eq(bcn_arg_bool("--recurrent", "on", &v, err, sizeof err), 0);
    cr_assert_eq(v, 1);
    cr_assert_eq(bcn_arg_bool("--recurrent", "OFF", &v, err, sizeof err), 0);
    cr_assert_eq(v, 0);
    cr_assert_eq(bcn_arg_bool("--recurrent", "maybe", &v, err, sizeof err), -1);
    cr_assert(strstr(err, "--recurrent") && strstr(err, "maybe"), "message: %s", err);
}

Test(args, underflow_and_overflow_are_refused)
{
    char err[256];
    double d = 0;
    float f = 0;
    int n = 0;
    cr_assert_eq(bcn_arg_double("--lr", "1e-400", 0, 10, &d, err, sizeof err), -1);
    cr_assert_str_eq(err, "--lr: '1e-400' underflows (too close to 0 to represent)");
    cr_assert_eq(bcn_arg_double("--lr", "1e400", 0, 10, &d, err, sizeof err), -1);
    cr_assert_str_eq(err, "--lr: '1e400' is out of range (0 to 10)");
    cr_assert_eq(bcn_arg_double("--lr", "-1e-400", -1, 10, &d, err, sizeof err), -1);
    cr_assert_str_eq(err, "--lr: '-1e-400' underflows (too close to 0 to represent)");
    /* A true zero is no underflow; a double too small for a float is. */
    cr_assert_eq(bcn_arg_double("--lr", "0e-400", 0, 10, &d, err, sizeof err), 0, "%s", err);
    cr_assert_eq(bcn_arg_float("--lr", "0", 0, 10, &f, err, sizeof err), 0);
    cr_assert_eq(bcn_arg_double("--lr", "1e-50", 0, 10, &d, err, sizeof err), 0);
    cr_assert_eq(d, 1e-50);
    cr_assert_eq(bcn_arg_float("--lr", "1e-50", 0, 10, &f, err, sizeof err), -1);
    cr_assert_str_eq(err, "--lr: '1e-50' underflows (too close to 0 to represent)");
    cr_assert_eq(bcn_arg_float("--lr", "1e-40", 0, 10, &f, err, sizeof err), -1,
                 "a subnormal float loses its digits");
    cr_assert_eq(bcn_arg_float("--lr", "1e-30", 0, 10, &f, err, sizeof err), 0);
    cr_assert_eq(f, 1e-30f);
    cr_assert_eq(bcn_arg_float("--x", "1e39", -1e300, 1e300, &f, err, sizeof err), -1);
    cr_assert_str_eq(err, "--x: '1e39' is out of range (-1e+300 to 1e+300)");
    float fl[3];
    cr_assert_eq(bcn_arg_float_list("--lr", "0.5,1e-3", 0, 1, fl, 3, &n, err, sizeof err), 0);
    cr_assert(n == 2 && fl[0] == 0.5f && fl[1] == 1e-3f);
    cr_assert_eq(bcn_arg_float_list("--lr", "0.5,1e-45", 0, 1, fl, 3, &n, err, sizeof err), -1);
    cr_assert_str_eq(err, "--lr: '1e-45' underflows (too close to 0 to represent)");
    double dl[3];
    cr_assert_eq(bcn_arg_double_list("--lr", "1e-400", 0, 1, dl, 3, &n, err, sizeof err), -1);
    cr_assert_str_eq(err, "--lr: '1e-400' underflows (too close to 0 to represent)");
}

Test(args, a_flag_is_given_once)
{
    char err[256] = "";
    unsigned char seen = 0;
    cr_assert_eq(bcn_arg_once("--lr", &seen, err, sizeof err), 0);
    cr_assert_eq(seen, 1);
    cr_assert_eq(bcn_arg_once("--lr", &seen, err, sizeof err), -1);
    cr_assert_str_eq(err, "--lr given twice");
}

Test(args, library_field_names_become_flags)
{
    static const char *const names[] = {"p-baseline", "validation", "lr", "train-limit"};
    char msg[256];
    snprintf(msg, sizeof msg, "p_baseline = 1: must lie strictly between 0 and 1");
    bcn_arg_fields_to_flags(msg, sizeof msg, names, 4);
    cr_assert_str_eq(msg, "--p-baseline 1: must lie strictly between 0 and 1");
    snprintf(msg, sizeof msg, "validation = 9 leaves no training data; train_limit (3)");
    bcn_arg_fields_to_flags(msg, sizeof msg, names, 4);
    cr_assert_str_eq(msg, "--validation 9 leaves no training data; --train-limit (3)");
    /* Plain words, parts of words and flags already written stay. */
    snprintf(msg, sizeof msg, "the validation set; my_p_baseline, --p-baseline, lr_x, lr");
    bcn_arg_fields_to_flags(msg, sizeof msg, names, 4);
    cr_assert_str_eq(msg, "the validation set; my_p_baseline, --p-baseline, lr_x, lr");
}

/* ---- atomic files ---- */

/* Number of entries in `dir` other than . and .. */
static int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

Test(atomic_file, writes_replaces_and_cleans_up)
{
    char dir[] = "/tmp/bcn-atomic-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[256], err[512], got[64] = "";
    snprintf(path, sizeof path, "%s/out.json", dir);

    cr_assert_eq(bcn_atomic_write(path, "first", 5, err, sizeof err), 0, "%s", err);
    cr_assert_eq(bcn_atomic_write(path, "second", 6, err, sizeof err), 0, "%s", err);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    size_t n = fread(got, 1, sizeof got - 1, f);
    fclose(f);
    got[n] = '\0';
    cr_assert_str_eq(got, "second");
    cr_assert_eq(dir_entries(dir), 1, "temporary file left behind");

    /* Abort leaves the old file and no temporary. */
    bcn_atomic_file af;
    cr_assert_eq(bcn_atomic_open(&af, path, err, sizeof err), 0);
    fputs("partial", af.f);
    bcn_atomic_abort(&af);
    cr_assert_eq(dir_entries(dir), 1);

    /* Renaming onto a directory fails: message names the path, no temp left. */
    char sub[256];
    snprintf(sub, sizeof sub, "%s/adir", dir);
    cr_assert_eq(mkdir(sub, 0755), 0);
    cr_assert_eq(bcn_atomic_write(sub, "x", 1, err, sizeof err), -1);
    cr_assert(strstr(err, sub), "message: %s", err);
    cr_assert_eq(dir_entries(dir), 2);

    unlink(path);
    rmdir(sub);
    rmdir(dir);
}

Test(atomic_file, missing_directory_names_path)
{
    char err[512] = "";
    const char *path = "/nonexistent-bcn-dir/sub/out.csv";
    cr_assert_eq(bcn_atomic_write(path, "x", 1, err, sizeof err), -1);
    cr_assert(strstr(err, path), "message: %s", err);
}

Test(atomic_file, probe_creates_nothing_and_names_the_problem)
{
    char dir[] = "/tmp/bcn-probe-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[256], err[512] = "", want[600];
    snprintf(path, sizeof path, "%s/out.json", dir);
    cr_assert_eq(bcn_atomic_probe(path, err, sizeof err), 0, "%s", err);
    cr_assert_eq(dir_entries(dir), 0, "the probe left a file");
    /* An existing file is left as it is. */
    cr_assert_eq(bcn_atomic_write(path, "keep", 4, err, sizeof err), 0, "%s", err);
    cr_assert_eq(bcn_atomic_probe(path, err, sizeof err), 0, "%s", err);
    struct stat st;
    cr_assert(stat(path, &st) == 0 && st.st_size == 4);
    cr_assert_eq(dir_entries(dir), 1);

    cr_assert_eq(bcn_atomic_probe(dir, err, sizeof err), -1);
    snprintf(want, sizeof want, "'%s' is a folder, not a file", dir);
    cr_assert_str_eq(err, want);

    cr_assert_eq(bcn_atomic_probe("/nonexistent-bcn-dir/x.json", err, sizeof err), -1);
    cr_assert_str_eq(err, "folder '/nonexistent-bcn-dir' of '/nonexistent-bcn-dir/x.json' does "
                          "not exist");

    char under_file[300];
    snprintf(under_file, sizeof under_file, "%s/x.csv", path); /* path is a file */
    cr_assert_eq(bcn_atomic_probe(under_file, err, sizeof err), -1);
    snprintf(want, sizeof want, "'%s' (in '%s') is not a folder", path, under_file);
    cr_assert_str_eq(err, want);

    cr_assert_eq(bcn_atomic_probe("", err, sizeof err), -1);
    cr_assert_str_eq(err, "cannot write a file with an empty name");
    unlink(path);
    rmdir(dir);
}

/* ---- progress ---- */

Test(progress, durations)
{
    char buf[32];
    bcn_progress_format_duration(0, buf, sizeof buf);
    cr_assert_str_eq(buf, "0:00");
    bcn_progress_format_duration(75.4, buf, sizeof buf);
    cr_assert_str_eq(buf, "1:15");
    bcn_progress_format_duration(3725, buf, sizeof buf);
    cr_assert_str_eq(buf, "1:02:05");
    bcn_progress_format_duration(NAN, buf, sizeof buf);
    cr_assert_str_eq(buf, "?");
}

Test(progress, bar_and_plain_output)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    bcn_progress p;
    bcn_progress_init(&p, f, BCN_PROGRESS_BAR, "epoch 1", 100, "ex");
    bcn_progress_update(&p, 50); /* first update always draws */
    bcn_progress_update(&p, 51); /* within 0.1 s: not drawn */
    bcn_progress_finish(&p);
    fclose(f);
    cr_assert(strstr(buf, "epoch 1 [############............]  50%  50/100"), "got: %s", buf);
    cr_assert_null(strstr(buf, "51/100"));
    cr_assert(strstr(buf, "\r\033[K"));
    free(buf);

    buf = NULL;
    f = open_memstream(&buf, &len);
    bcn_progress_init(&p, f, BCN_PROGRESS_PLAIN, "epoch 2", 10, "ex");
    p.plain_interval = 0;
    bcn_progress_update(&p, 4);
    bcn_progress_finish(&p);
    fclose(f);
    cr_assert(strstr(buf, "epoch 2: 4/10 (40%)"), "got: %s", buf);
    cr_assert_null(strchr(buf, '\r'));
    free(buf);
}
