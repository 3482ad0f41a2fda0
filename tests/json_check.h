/*
 * json_check.h — a strict JSON reader for tests (RFC 8259): parses a
 * document into a small tree, rejecting anything malformed (trailing
 * commas, bare words, control characters in strings, trailing text).
 */
#ifndef BCN_TEST_JSON_CHECK_H
#define BCN_TEST_JSON_CHECK_H

#include <stddef.h>

typedef enum { JV_NULL, JV_BOOL, JV_NUMBER, JV_STRING, JV_ARRAY, JV_OBJECT } jv_type;

typedef struct jv {
    jv_type type;
    double number;     /* JV_NUMBER, JV_BOOL (0/1) */
    char *string;      /* JV_STRING (unescaped, \u only below 0x80) */
    char **keys;       /* JV_OBJECT: keys[i] names items[i] */
    struct jv **items; /* JV_ARRAY, JV_OBJECT */
    size_t n;
} jv;

/* Parse `text`; NULL if it is not exactly one valid JSON value. */
jv *jv_parse(const char *text);
/* Read and parse the file at `path`; fails the test when it cannot be read
 * or is not valid JSON. */
jv *jv_read_file(const char *path);
/* Free a tree. */
void jv_free(jv *v);
/* Member `key` of an object, or NULL. */
const jv *jv_get(const jv *obj, const char *key);

#endif
