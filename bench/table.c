/*
 * table.c — read a CSV results file back (RFC 4180 quoting), for
 * summary.md. Small files only: the whole file is read into memory.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* Read a whole file into a NUL-terminated heap buffer. */
static char *slurp(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (len + 1 < cap)
            break;
        char *grown = realloc(buf, cap * 2);
        if (!grown) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = grown;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        snprintf(err, errlen, "cannot read '%s'%s", path, bad ? "" : ": out of memory");
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

/* Parse one field starting at *p into a heap string; advances *p to the
 * separator or end of line. Returns NULL on bad quoting or no memory. */
static char *field(const char **p)
{
    const char *s = *p;
    size_t cap = 16, n = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    int quoted = *s == '"';
    if (quoted)
        s++;
    for (;;) {
        char ch = *s;
        if (quoted) {
            if (ch == '\0') {
                free(out);
                return NULL; /* unterminated quote */
            }
            if (ch == '"') {
                if (s[1] == '"') {
                    s += 2;
                } else {
                    s++;
                    quoted = 0;
                    continue;
                }
            } else {
                s++;
            }
        } else {
            if (ch == ',' || ch == '\n' || ch == '\r' || ch == '\0')
                break;
            s++;
        }
        if (n + 2 > cap) {
            char *g = realloc(out, cap *= 2);
            if (!g) {
                free(out);
                return NULL;
            }
            out = g;
        }
        out[n++] = ch;
    }
    out[n] = '\0';
    *p = s;
    return out;
}

/* Free the first n fields of a row and the row. */
static void free_row(char **row, int n)
{
    for (int c = 0; row && c < n; c++)
        free(row[c]);
    free(row);
}

int bench_table_read(bench_table *t, const char *path, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    char *text = slurp(path, err, errlen);
    if (!text)
        return -1;
    const char *p = text;
    int cap = 0, nf = 0;
    char **row = NULL;
    while (*p) {
        /* The fields of one line into `row`, padded to the header's width. */
        int fcap = t->ncols > 8 ? t->ncols : 8;
        nf = 0;
        row = calloc((size_t)fcap, sizeof *row);
        if (!row)
            goto nomem;
        for (;;) {
            char *f = field(&p);
            if (!f) {
                snprintf(err, errlen, "%s: line %d: bad quoting or out of memory", path,
                         t->nrows + 1);
                goto fail;
            }
            if (nf == fcap) {
                char **g = realloc(row, (size_t)(fcap * 2) * sizeof *g);
                if (!g) {
                    free(f);
                    goto nomem;
                }
                row = g;
                fcap *= 2;
            }
            row[nf++] = f;
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
        if (nf > t->ncols) {
            snprintf(err, errlen, "%s: line %d has %d fields, the header %d", path,
                     t->nrows + 1, nf, t->ncols);
            goto fail;
        }
        for (; nf < t->ncols; nf++) /* fcap >= ncols here */
            if (!(row[nf] = calloc(1, 1)))
                goto nomem;
        if (t->nrows == cap) {
            cap = cap ? 2 * cap : 64;
            char ***g = realloc(t->cell, (size_t)cap * sizeof *g);
            if (!g)
                goto nomem;
            t->cell = g;
        }
        t->cell[t->nrows++] = row;
        row = NULL;
    }
    free(text);
    if (t->nrows == 0) {
        snprintf(err, errlen, "%s: empty file (no header)", path);
        return -1;
    }
    return 0;
nomem:
    snprintf(err, errlen, "%s: out of memory", path);
fail:
    free_row(row, nf);
    free(text);
    bench_table_free(t);
    return -1;
}

int bench_table_col(const bench_table *t, const char *name)
{
    for (int c = 0; t->nrows > 0 && c < t->ncols; c++)
        if (strcmp(t->cell[0][c], name) == 0)
            return c;
    return -1;
}

void bench_table_free(bench_table *t)
{
    for (int r = 0; r < t->nrows; r++)
        free_row(t->cell[r], t->ncols);
    free(t->cell);
    memset(t, 0, sizeof *t);
}
