/*
 * json.h — a small streaming JSON writer for the command-line tools.
 *
 * Values are written to a FILE as they are produced; the writer keeps a
 * stack of open objects/arrays to place commas, colons and indentation.
 * Strings are escaped per RFC 8259 (quotes, backslash, control characters
 * as \uXXXX); non-finite numbers are written as null. Misuse (a value in an
 * object without a key, unbalanced ends, nesting deeper than
 * BCN_JSON_MAX_DEPTH) and write errors set a sticky error flag that
 * bcn_json_finish() reports, so a caller checks once at the end.
 */
#ifndef BCN_COMMON_JSON_H
#define BCN_COMMON_JSON_H

#include <stdio.h>

#define BCN_JSON_MAX_DEPTH 32

typedef struct bcn_json {
    FILE *out;
    int pretty;                         /* newline + 2-space indentation */
    int depth;                          /* open containers */
    char kind[BCN_JSON_MAX_DEPTH];      /* '{' or '[' per level */
    int count[BCN_JSON_MAX_DEPTH];      /* values written per level */
    int have_key;                       /* a key waits for its value */
    int done;                           /* the top-level value is complete */
    int error;                          /* sticky: misuse or write error */
} bcn_json;

/* Start writing one JSON document to `out` (pretty != 0: indented). */
void bcn_json_init(bcn_json *j, FILE *out, int pretty);
/* Open / close an object. */
void bcn_json_begin_object(bcn_json *j);
void bcn_json_end_object(bcn_json *j);
/* Open / close an array. */
void bcn_json_begin_array(bcn_json *j);
void bcn_json_end_array(bcn_json *j);
/* Write an object key (must be inside an object, before its value). */
void bcn_json_key(bcn_json *j, const char *key);
/* Scalar values; a NULL string is written as null. */
void bcn_json_string(bcn_json *j, const char *s);
void bcn_json_number(bcn_json *j, double v); /* NaN/inf -> null */
/* A float written with the fewest digits that read back as the same float
 * (0.3f is written 0.3, not 0.30000001192092896); NaN/inf -> null. */
void bcn_json_float(bcn_json *j, float v);
void bcn_json_int(bcn_json *j, long long v);
void bcn_json_bool(bcn_json *j, int v);
void bcn_json_null(bcn_json *j);
/* Key + value shorthands. */
void bcn_json_kv_string(bcn_json *j, const char *key, const char *s);
void bcn_json_kv_number(bcn_json *j, const char *key, double v);
void bcn_json_kv_float(bcn_json *j, const char *key, float v);
void bcn_json_kv_int(bcn_json *j, const char *key, long long v);
void bcn_json_kv_bool(bcn_json *j, const char *key, int v);
/* Finish the document (trailing newline). Returns 0 if the document is
 * complete and balanced and every write succeeded, else -1. */
int bcn_json_finish(bcn_json *j);

#endif /* BCN_COMMON_JSON_H */
