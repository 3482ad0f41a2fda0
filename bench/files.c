/*
 * files.c — the results folder and the files written into it: folders,
 * CSV rows and JSON documents, each written to a temporary file in the
 * same folder and renamed into place when complete (common/atomic_file.h),
 * so a reader never sees half a file.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "atomic_file.h"
#include "bench.h"

int bench_path(char *buf, size_t len, const char *dir, const char *name)
{
    int n = snprintf(buf, len, "%s/%s", dir, name);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

int bench_mkdirs(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path) {
        snprintf(err, errlen, "results folder '%s': %s", dir, n ? "path too long" : "empty name");
        return -1;
    }
    memcpy(path, dir, n + 1);
    /* Create each prefix in turn; existing folders are fine. */
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char saved = path[i];
        path[i] = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create folder '%s': %s", path, strerror(errno));
            return -1;
        }
        path[i] = saved;
    }
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen, "'%s' is not a folder", dir);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- CSV */

int bench_csv_open(bench_csv *c, const char *path, const char *cols, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    if (bcn_atomic_open(&c->out, path, err, errlen) != 0)
        return -1;
    c->ncols = 1;
    for (const char *p = cols; *p; p++)
        c->ncols += *p == ',';
    fprintf(c->out.f, "%s\n", cols);
    return 0;
}

/* Separator before every field but the first of a row. */
static void sep(bench_csv *c)
{
    if (c->col++ > 0)
        fputc(',', c->out.f);
}

void bench_csv_str(bench_csv *c, const char *s)
{
    sep(c);
    if (!s)
        return;
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, c->out.f);
        return;
    }
    /* RFC 4180: quote the field and double the quotes inside. */
    fputc('"', c->out.f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', c->out.f);
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, c->out.f);
    }
    fputc('"', c->out.f);
}

void bench_csv_num(bench_csv *c, double v)
{
    sep(c);
    if (isfinite(v))
        fprintf(c->out.f, "%.6g", v);
}

void bench_csv_int(bench_csv *c, long long v)
{
    sep(c);
    fprintf(c->out.f, "%lld", v);
}

void bench_csv_empty(bench_csv *c) { sep(c); }

void bench_csv_end_row(bench_csv *c)
{
    if (c->col != c->ncols)
        c->bad = 1;
    fputc('\n', c->out.f);
    c->col = 0;
    c->rows++;
}

int bench_csv_commit(bench_csv *c, char *err, size_t errlen)
{
    if (c->bad && c->out.f) {
        snprintf(err, errlen, "%s: a row did not have %d fields (a bug in burstccn-bench)",
                 c->out.path, c->ncols);
        bcn_atomic_abort(&c->out);
        return -1;
    }
    return bcn_atomic_commit(&c->out, err, errlen);
}

void bench_csv_abort(bench_csv *c) { bcn_atomic_abort(&c->out); }

/* --------------------------------------------------------------- JSON */

int bench_json_begin(bench_jsonfile *jf, const char *dir, const char *cmd, const char *suffix,
                     char *err, size_t errlen)
{
    char file[256], path[4096];
    memset(jf, 0, sizeof *jf);
    snprintf(file, sizeof file, "%s%s.json", cmd, suffix);
    if (bench_path(path, sizeof path, dir, file) != 0) {
        snprintf(err, errlen, "results folder path too long: %s", dir);
        return -1;
    }
    if (bcn_atomic_open(&jf->out, path, err, errlen) != 0)
        return -1;
    bcn_json_init(&jf->j, jf->out.f, 1);
    bcn_json_begin_object(&jf->j);
    bcn_json_kv_string(&jf->j, "command", cmd);
    snprintf(file, sizeof file, "%s%s.csv", cmd, suffix);
    bcn_json_kv_string(&jf->j, "csv", file);
    return 0;
}

int bench_json_commit(bench_jsonfile *jf, char *err, size_t errlen)
{
    if (jf->out.f && bcn_json_finish(&jf->j) != 0) {
        snprintf(err, errlen, "%s: the JSON document is incomplete (a bug in burstccn-bench)",
                 jf->out.path);
        bcn_atomic_abort(&jf->out);
        return -1;
    }
    return bcn_atomic_commit(&jf->out, err, errlen);
}
