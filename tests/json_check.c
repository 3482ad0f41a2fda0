/*
 * json_check.c — strict recursive-descent JSON reader for tests.
 */
#include "json_check.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

typedef struct { const char *p; int depth; } rd;

static jv *value(rd *r);

static void ws(rd *r)
{
    while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
        r->p++;
}

static jv *node(jv_type t)
{
    jv *v = calloc(1, sizeof *v);
    if (v)
        v->type = t;
    return v;
}

/* Append an item (and key) to an array/object; 0 on success. */
static int push(jv *v, char *key, jv *item)
{
    jv **items = realloc(v->items, (v->n + 1) * sizeof *items);
    if (!items)
        return -1;
    v->items = items;
    if (v->type == JV_OBJECT) {
        char **keys = realloc(v->keys, (v->n + 1) * sizeof *keys);
        if (!keys)
            return -1;
        v->keys = keys;
        v->keys[v->n] = key;
    }
    v->items[v->n++] = item;
    return 0;
}

static char *string(rd *r)
{
    if (*r->p != '"')
        return NULL;
    r->p++;
    size_t cap = 16, len = 0;
    char *s = malloc(cap);
    while (s && *r->p != '"') {
        unsigned char c = (unsigned char)*r->p;
        if (c == '\0' || c < 0x20)
            goto bad;
        if (c == '\\') {
            r->p++;
            switch (*r->p) {
            case '"': c = '"'; break;
            case '\\': c = '\\'; break;
            case '/': c = '/'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'u': {
                unsigned code = 0;
                for (int i = 1; i <= 4; i++) {
                    if (!isxdigit((unsigned char)r->p[i]))
                        goto bad;
                    char h = r->p[i];
                    code = code * 16 + (unsigned)(isdigit((unsigned char)h) ? h - '0' : (tolower(h) - 'a' + 10));
                }
                r->p += 4;
                c = code < 0x80 ? (unsigned char)code : '?';
                break;
            }
            default: goto bad;
            }
        }
        if (len + 2 > cap) {
            char *g = realloc(s, cap *= 2);
            if (!g)
                goto bad;
            s = g;
        }
        s[len++] = (char)c;
        r->p++;
    }
    if (!s)
        return NULL;
    r->p++;
    s[len] = '\0';
    return s;
bad:
    free(s);
    return NULL;
}

static jv *number(rd *r)
{
    const char *p = r->p, *start = p;
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (isdigit((unsigned char)*p))
        while (isdigit((unsigned char)*p))
            p++;
    else
        return NULL;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return NULL;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!isdigit((unsigned char)*p))
            return NULL;
        while (isdigit((unsigned char)*p))
            p++;
    }
    jv *v = node(JV_NUMBER);
    if (v)
        v->number = strtod(start, NULL);
    r->p = p;
    return v;
}

static jv *container(rd *r, char open)
{
    char close = open == '{' ? '}' : ']';
    jv *v = node(open == '{' ? JV_OBJECT : JV_ARRAY);
    if (!v || ++r->depth > 64)
        goto bad;
    r->p++;
    ws(r);
    if (*r->p == close) {
        r->p++;
        r->depth--;
        return v;
    }
    for (;;) {
        char *key = NULL;
        ws(r);
        if (open == '{') {
            key = string(r);
            if (!key)
                goto bad;
            ws(r);
            if (*r->p != ':') {
                free(key);
                goto bad;
            }
            r->p++;
        }
        jv *item = value(r);
        if (!item || push(v, key, item) < 0) {
            free(key);
            jv_free(item);
            goto bad;
        }
        ws(r);
        if (*r->p == ',') {
            r->p++;
            continue;
        }
        if (*r->p == close) {
            r->p++;
            r->depth--;
            return v;
        }
        goto bad;
    }
bad:
    jv_free(v);
    return NULL;
}

static jv *value(rd *r)
{
    ws(r);
    switch (*r->p) {
    case '{': case '[': return container(r, *r->p);
    case '"': {
        char *s = string(r);
        jv *v = s ? node(JV_STRING) : NULL;
        if (v)
            v->string = s;
        else
            free(s);
        return v;
    }
    case 't': case 'f': case 'n': {
        static const char *const words[] = {"true", "false", "null"};
        for (int i = 0; i < 3; i++) {
            size_t n = strlen(words[i]);
            if (strncmp(r->p, words[i], n) == 0) {
                r->p += n;
                jv *v = node(i == 2 ? JV_NULL : JV_BOOL);
                if (v)
                    v->number = i == 0;
                return v;
            }
        }
        return NULL;
    }
    default: return number(r);
    }
}

jv *jv_parse(const char *text)
{
    rd r = {text, 0};
    jv *v = value(&r);
    if (!v)
        return NULL;
    ws(&r);
    if (*r.p != '\0') {
        jv_free(v);
        return NULL;
    }
    return v;
}

void jv_free(jv *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++) {
        jv_free(v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->string);
    free(v);
}

const jv *jv_get(const jv *obj, const char *key)
{
    if (!obj || obj->type != JV_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return obj->items[i];
    return NULL;
}

jv *jv_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    cr_assert_geq(n, 0);
    rewind(f);
    char *text = malloc((size_t)n + 1);
    cr_assert_not_null(text);
    cr_assert_eq(fread(text, 1, (size_t)n, f), (size_t)n, "cannot read %s", path);
    text[n] = '\0';
    fclose(f);
    jv *v = jv_parse(text);
    cr_assert_not_null(v, "%s is not valid JSON", path);
    free(text);
    return v;
}
