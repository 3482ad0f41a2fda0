/*
 * bench_testutil.c — see bench_testutil.h.
 */
#include "bench_testutil.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burstccn.h"
#include "idx_fixture.h"

long bt_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

bt_run_result bt_run_bench(const char *logdir, const char *const *args)
{
    return tu_run_program("burstccn-bench", logdir, args);
}

void bt_run_free(bt_run_result *r) { tu_run_free(r); }

void bt_run_expect(const char *logdir, const char *const *args, int expect)
{
    bt_run_result r = bt_run_bench(logdir, args);
    cr_assert_eq(r.status, expect, "burstccn-bench %s exited %d, expected %d; stderr:\n%s",
                 args[0], r.status, expect, r.err);
    bt_run_free(&r);
}

void bt_read_csv_header(const char *dir, const char *name, const char *cols, bt_csv *t)
{
    char *p = fx_path(dir, name), *text = fx_slurp(p);
    cr_assert_not_null(text, "%s was not written", p);
    size_t n = strcspn(text, "\n");
    cr_assert(strlen(cols) == n && strncmp(text, cols, n) == 0, "%s header is '%.*s', want '%s'",
              name, (int)n, text, cols);
    cr_assert_eq(bt_csv_read(p, t), 0);
    free(text);
    free(p);
}

jv *bt_read_json(const char *dir, const char *name)
{
    char *p = fx_path(dir, name), *text = fx_slurp(p);
    cr_assert_not_null(text, "%s was not written", p);
    jv *v = jv_parse(text);
    cr_assert_not_null(v, "%s is not valid JSON", p);
    free(text);
    free(p);
    return v;
}

const jv *bt_jget(const jv *obj, const char *key)
{
    cr_assert_not_null(obj);
    const jv *v = jv_get(obj, key);
    cr_assert_not_null(v, "JSON key '%s' missing", key);
    return v;
}

double bt_jnum(const jv *obj, const char *key)
{
    const jv *v = bt_jget(obj, key);
    cr_assert_eq(v->type, JV_NUMBER, "JSON '%s' is not a number", key);
    return v->number;
}

const char *bt_jstr(const jv *obj, const char *key)
{
    const jv *v = bt_jget(obj, key);
    cr_assert_eq(v->type, JV_STRING, "JSON '%s' is not a string", key);
    return v->string;
}

/* One field at *p (quoted or not) into a malloc'd string; *p ends on the
 * separator, the line end or the end of text. */
static char *csv_field(const char **p)
{
    const char *s = *p;
    size_t cap = strlen(s) + 1, n = 0;
    char *out = malloc(cap);
    cr_assert_not_null(out);
    if (*s == '"') {
        for (s++; *s; s++) {
            if (*s == '"' && s[1] == '"') {
                out[n++] = '"';
                s++;
            } else if (*s == '"') {
                s++;
                break;
            } else {
                out[n++] = *s;
            }
        }
    } else {
        while (*s && *s != ',' && *s != '\n' && *s != '\r')
            out[n++] = *s++;
    }
    out[n] = '\0';
    *p = s;
    return out;
}

int bt_csv_read(const char *path, bt_csv *t)
{
    memset(t, 0, sizeof *t);
    char *text = fx_slurp(path);
    if (!text)
        return -1;
    const char *p = text;
    while (*p) {
        char *fields[256];
        int nf = 0;
        for (;;) {
            char *f = csv_field(&p);
            if (nf < 256)
                fields[nf++] = f;
            else
                free(f);
            if (*p != ',')
                break;
            p++;
        }
        if (*p == '\r')
            p++;
        if (*p == '\n')
            p++;
        if (t->nrows == 0)
            t->ncols = nf;
        char **row = calloc((size_t)t->ncols + 1, sizeof *row);
        cr_assert_not_null(row);
        for (int c = 0; c < t->ncols; c++)
            row[c] = c < nf ? fields[c] : strdup("");
        for (int c = t->ncols; c < nf; c++)
            free(fields[c]); /* more fields than the header: dropped (tests check widths) */
        t->cell = realloc(t->cell, (size_t)(t->nrows + 1) * sizeof *t->cell);
        cr_assert_not_null(t->cell);
        t->cell[t->nrows++] = row;
    }
    free(text);
    return t->nrows > 0 ? 0 : -1;
}

int bt_csv_col(const bt_csv *t, const char *name)
{
    for (int c = 0; t->nrows > 0 && c < t->ncols; c++)
        if (strcmp(t->cell[0][c], name) == 0)
            return c;
    return -1;
}

double bt_num(const char *s)
{
    if (!s || !*s)
        return NAN;
    char *end;
    double v = strtod(s, &end);
    return *end ? NAN : v;
}

void bt_csv_free(bt_csv *t)
{
    for (int r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++)
            free(t->cell[r][c]);
        free(t->cell[r]);
    }
    free(t->cell);
    memset(t, 0, sizeof *t);
}

int bt_have_gnuplot(void)
{
    return system("gnuplot --version >/dev/null 2>&1") == 0;
}

int bt_rel_close(double a, double b, double rel)
{
    return fabs(a - b) <= rel * fmax(fabs(a), fabs(b)) + 1e-12;
}
