/*
 * json.c — streaming JSON writer (see json.h).
 */
#include "json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void bcn_json_init(bcn_json *j, FILE *out, int pretty)
{
    memset(j, 0, sizeof *j);
    j->out = out;
    j->pretty = pretty;
    if (!out)
        j->error = 1;
}

/* Write a raw string, recording failures. */
static void put(bcn_json *j, const char *s)
{
    if (j->error)
        return;
    if (fputs(s, j->out) == EOF)
        j->error = 1;
}

/* Newline and indentation for the current depth (pretty mode only). */
static void indent(bcn_json *j)
{
    if (!j->pretty)
        return;
    put(j, "\n");
    for (int i = 0; i < j->depth; i++)
        put(j, "  ");
}

/* Everything a value needs before it: checks its place is legal, then
 * writes the separating comma and indentation (not after a key). */
static int before_value(bcn_json *j)
{
    if (j->error)
        return -1;
    if (j->done) {
        j->error = 1; /* a second top-level value */
        return -1;
    }
    if (j->depth == 0)
        return 0;
    char kind = j->kind[j->depth - 1];
    if (kind == '{') {
        if (!j->have_key) {
            j->error = 1; /* object member without a key */
            return -1;
        }
        j->have_key = 0;
        return 0;
    }
    if (j->count[j->depth - 1]++ > 0)
        put(j, ",");
    indent(j);
    return 0;
}

/* A scalar or container just completed at the current depth. */
static void after_value(bcn_json *j)
{
    if (j->depth == 0)
        j->done = 1;
}

static void begin(bcn_json *j, char kind)
{
    if (before_value(j) < 0)
        return;
    if (j->depth >= BCN_JSON_MAX_DEPTH) {
        j->error = 1;
        return;
    }
    put(j, kind == '{' ? "{" : "[");
    j->kind[j->depth] = kind;
    j->count[j->depth] = 0;
    j->depth++;
}

static void end(bcn_json *j, char kind)
{
    if (j->error)
        return;
    if (j->depth == 0 || j->kind[j->depth - 1] != kind || j->have_key) {
        j->error = 1;
        return;
    }
    int had = j->count[j->depth - 1];
    j->depth--;
    if (had)
        indent(j);
    put(j, kind == '{' ? "}" : "]");
    after_value(j);
}

void bcn_json_begin_object(bcn_json *j) { begin(j, '{'); }
void bcn_json_end_object(bcn_json *j) { end(j, '{'); }
void bcn_json_begin_array(bcn_json *j) { begin(j, '['); }
void bcn_json_end_array(bcn_json *j) { end(j, '['); }

/* Write `s` as a quoted, escaped JSON string. */
static void put_quoted(bcn_json *j, const char *s)
{
    char buf[8];
    put(j, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': put(j, "\\\""); break;
        case '\\': put(j, "\\\\"); break;
        case '\n': put(j, "\\n"); break;
        case '\r': put(j, "\\r"); break;
        case '\t': put(j, "\\t"); break;
        case '\b': put(j, "\\b"); break;
        case '\f': put(j, "\\f"); break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                snprintf(buf, sizeof buf, "\\u%04x", *p);
                put(j, buf);
            } else {
                buf[0] = (char)*p;
                buf[1] = '\0';
                put(j, buf);
            }
        }
    }
    put(j, "\"");
}

void bcn_json_key(bcn_json *j, const char *key)
{
    if (j->error)
        return;
    if (j->depth == 0 || j->kind[j->depth - 1] != '{' || j->have_key || !key) {
        j->error = 1;
        return;
    }
    if (j->count[j->depth - 1]++ > 0)
        put(j, ",");
    indent(j);
    put_quoted(j, key);
    put(j, j->pretty ? ": " : ":");
    j->have_key = 1;
}

void bcn_json_string(bcn_json *j, const char *s)
{
    if (before_value(j) < 0)
        return;
    if (s)
        put_quoted(j, s);
    else
        put(j, "null");
    after_value(j);
}

void bcn_json_number(bcn_json *j, double v)
{
    char buf[40];
    if (before_value(j) < 0)
        return;
    if (!isfinite(v)) {
        put(j, "null");
    } else {
        /* Shortest of %.15g / %.17g that reads back exactly. */
        snprintf(buf, sizeof buf, "%.15g", v);
        if (strtod(buf, NULL) != v)
            snprintf(buf, sizeof buf, "%.17g", v);
        put(j, buf);
    }
    after_value(j);
}

void bcn_json_float(bcn_json *j, float v)
{
    char buf[40];
    if (before_value(j) < 0)
        return;
    if (!isfinite(v)) {
        put(j, "null");
    } else {
        /* 9 significant digits always identify a float; try fewer first. */
        for (int digits = 6; digits <= 9; digits++) {
            snprintf(buf, sizeof buf, "%.*g", digits, (double)v);
            if ((float)strtod(buf, NULL) == v)
                break;
        }
        put(j, buf);
    }
    after_value(j);
}

void bcn_json_int(bcn_json *j, long long v)
{
    char buf[32];
    if (before_value(j) < 0)
        return;
    snprintf(buf, sizeof buf, "%lld", v);
    put(j, buf);
    after_value(j);
}

void bcn_json_bool(bcn_json *j, int v)
{
    if (before_value(j) < 0)
        return;
    put(j, v ? "true" : "false");
    after_value(j);
}

void bcn_json_null(bcn_json *j)
{
    if (before_value(j) < 0)
        return;
    put(j, "null");
    after_value(j);
}

void bcn_json_kv_string(bcn_json *j, const char *key, const char *s)
{
    bcn_json_key(j, key);
    bcn_json_string(j, s);
}

void bcn_json_kv_number(bcn_json *j, const char *key, double v)
{
    bcn_json_key(j, key);
    bcn_json_number(j, v);
}

void bcn_json_kv_float(bcn_json *j, const char *key, float v)
{
    bcn_json_key(j, key);
    bcn_json_float(j, v);
}

void bcn_json_kv_int(bcn_json *j, const char *key, long long v)
{
    bcn_json_key(j, key);
    bcn_json_int(j, v);
}

void bcn_json_kv_bool(bcn_json *j, const char *key, int v)
{
    bcn_json_key(j, key);
    bcn_json_bool(j, v);
}

int bcn_json_finish(bcn_json *j)
{
    if (!j->done || j->depth != 0)
        j->error = 1;
    put(j, "\n");
    return j->error ? -1 : 0;
}
