/*
 * train_state.c — what `burstccn train` keeps in a checkpoint besides the
 * network and the data order (the checkpoint's application bytes): the
 * flags of the run and the metrics of the epochs done, as text lines
 *
 *     burstccn-train 1
 *     flag NAME VALUE          (value percent-encoded, cli_flags_write)
 *     partial SECONDS          (training seconds of the epoch in progress)
 *     row EPOCH TRAIN_LOSS TRAIN_ERROR VAL_LOSS VAL_ERROR TEST_LOSS
 *         TEST_ERROR TEST_ERRORS SECONDS EVAL_SECONDS
 *
 * with every real in C99 hexadecimal (%a), so a resumed run reports the
 * earlier epochs exactly; and the clean-up of temporary files a killed run
 * left next to its outputs.
 */
#include "config.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define STATE_MAGIC "burstccn-train 1"

int cli_state_encode(const cli_settings *s, const cli_epoch_row *rows, int n,
                     double partial_seconds, char **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    FILE *f = open_memstream(buf, len);
    if (!f)
        return -1;
    fprintf(f, "%s\n", STATE_MAGIC);
    cli_flags_write(s, f);
    fprintf(f, "partial %a\n", partial_seconds);
    for (int i = 0; i < n; i++) {
        const cli_epoch_row *r = &rows[i];
        fprintf(f, "row %d %a %a %a %a %a %a %ld %a %a\n", r->epoch, r->train_loss,
                r->train_error, r->val_loss, r->val_error, r->test_loss, r->test_error,
                r->test_errors, r->seconds, r->eval_seconds);
    }
    if (fclose(f) != 0 || !*buf) {
        free(*buf);
        *buf = NULL;
        return -1;
    }
    return 0;
}

void cli_state_free(cli_train_state *st)
{
    for (int k = 0; k < CLI_MAX_OPTS; k++)
        free(st->store[k]);
    free(st->rows);
    memset(st, 0, sizeof *st);
}

/* Parse one "row ..." line's fields into r; -1 when malformed. */
static int parse_row(const char *p, cli_epoch_row *r)
{
    char *end;
    long epoch = strtol(p, &end, 10);
    if (end == p || epoch < 1 || epoch > 1000000000L)
        return -1;
    r->epoch = (int)epoch;
    double *d[6] = {&r->train_loss, &r->train_error, &r->val_loss,
                    &r->val_error,  &r->test_loss,   &r->test_error};
    for (int i = 0; i < 6; i++) {
        p = end;
        *d[i] = strtod(p, &end);
        if (end == p)
            return -1;
    }
    p = end;
    r->test_errors = strtol(p, &end, 10);
    if (end == p)
        return -1;
    p = end;
    r->seconds = strtod(p, &end);
    if (end == p)
        return -1;
    p = end;
    r->eval_seconds = strtod(p, &end);
    if (end == p || (*end != '\0' && *end != '\n'))
        return -1;
    return 0;
}

int cli_state_decode(const char *file, const void *app, size_t len, cli_train_state *st)
{
    memset(st, 0, sizeof *st);
    const char *p = app, *endp = p ? p + len : NULL;
    if (!p || len < sizeof STATE_MAGIC || memcmp(p, STATE_MAGIC "\n", sizeof STATE_MAGIC) != 0) {
        fprintf(stderr,
                "burstccn: '%s' holds no `burstccn train` state (a model saved by another "
                "program?): it cannot be resumed\n",
                file);
        return -1;
    }
    p += sizeof STATE_MAGIC;
    int line_no = 1;
    while (p < endp) {
        const char *nl = memchr(p, '\n', (size_t)(endp - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(endp - p);
        char *line = malloc(n + 1);
        if (!line) {
            fprintf(stderr, "burstccn: out of memory reading '%s'\n", file);
            cli_state_free(st);
            return -1;
        }
        memcpy(line, p, n);
        line[n] = '\0';
        line_no++;
        int bad = memchr(line, '\0', n) != NULL;
        if (!bad && strncmp(line, "flag ", 5) == 0) {
            int k;
            for (k = 0; k < CLI_MAX_OPTS && st->store[k]; k++)
                ;
            bad = k == CLI_MAX_OPTS || cli_flags_read(line + 5, st->saved, &st->store[k]) < 0;
        } else if (!bad && strncmp(line, "partial ", 8) == 0) {
            char *end;
            st->partial_seconds = strtod(line + 8, &end);
            bad = end == line + 8 || !(st->partial_seconds >= 0);
        } else if (!bad && strncmp(line, "row ", 4) == 0) {
            if (st->n_rows == st->cap) {
                int cap = st->cap ? 2 * st->cap : 16;
                cli_epoch_row *rows = realloc(st->rows, (size_t)cap * sizeof *rows);
                if (!rows) {
                    free(line);
                    fprintf(stderr, "burstccn: out of memory reading '%s'\n", file);
                    cli_state_free(st);
                    return -1;
                }
                st->rows = rows;
                st->cap = cap;
            }
            cli_epoch_row *r = &st->rows[st->n_rows];
            memset(r, 0, sizeof *r);
            bad = parse_row(line + 4, r) < 0 || r->epoch != st->n_rows + 1;
            st->n_rows += !bad;
        } else if (!bad) {
            bad = 1;
        }
        free(line);
        if (bad) {
            fprintf(stderr, "burstccn: '%s': malformed run state (line %d)\n", file, line_no);
            cli_state_free(st);
            return -1;
        }
        p += n + (nl != NULL);
    }
    return 0;
}

void cli_remove_stale_temps(const char *path)
{
    if (!path || !*path)
        return;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dirlen = slash ? (size_t)(slash - path) : 0;
    char *dir = malloc(dirlen + 2);
    char *prefix = malloc(strlen(base) + 8);
    if (!dir || !prefix) {
        free(dir);
        free(prefix);
        return;
    }
    if (slash) {
        memcpy(dir, path, dirlen ? dirlen : 1);
        dir[dirlen ? dirlen : 1] = '\0';
    } else {
        strcpy(dir, ".");
    }
    /* The atomic writers' temporary names: ".BASE.tmpXXXXXX". */
    sprintf(prefix, ".%s.tmp", base);
    size_t plen = strlen(prefix);
    DIR *d = opendir(dir);
    if (d) {
        for (struct dirent *e; (e = readdir(d));) {
            if (strncmp(e->d_name, prefix, plen) != 0 || strlen(e->d_name) != plen + 6)
                continue;
            char *victim = malloc(strlen(dir) + strlen(e->d_name) + 2);
            if (victim) {
                sprintf(victim, "%s/%s", dir, e->d_name);
                unlink(victim);
                free(victim);
            }
        }
        closedir(d);
    }
    free(dir);
    free(prefix);
}
