/*
 * args.c — strict value parsers for command-line flags (see args.h).
 */
#include "args.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Format the message and return -1. */
static int failf(char *err, size_t errlen, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int failf(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Parse all of [s, s+len) as a base-10 integer; 0 ok, -1 syntax, -2 overflow. */
static int parse_long(const char *s, size_t len, long *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf || isspace((unsigned char)s[0]))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    long v = strtol(buf, &end, 10);
    if (end == buf || *end != '\0')
        return -1;
    if (errno == ERANGE)
        return -2;
    *out = v;
    return 0;
}

/* Parse all of [s, s+len) as a finite real; 0 ok, -1 syntax, -2 overflow,
 * -3 underflow (a nonzero text whose value is too close to 0 for a double:
 * strtod's ERANGE with a result below DBL_MIN, "1e-400"). */
static int parse_double(const char *s, size_t len, double *out)
{
    char buf[128];
    if (len == 0 || len >= sizeof buf || isspace((unsigned char)s[0]))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (end == buf || *end != '\0')
        return -1;
    if (isnan(v))
        return -1;
    if (isinf(v) || (errno == ERANGE && fabs(v) > 1.0))
        return -2;
    if (errno == ERANGE && fabs(v) < DBL_MIN)
        return -3;
    *out = v;
    return 0;
}

/* Shared body of the integer parsers for one item of a value. */
static int long_item(const char *flag, const char *text, const char *s, size_t len,
                     long min, long max, long *out, char *err, size_t errlen)
{
    long v = 0;
    int rc = parse_long(s, len, &v);
    if (rc == -1)
        return failf(err, errlen, "%s: '%s' is not an integer", flag, text);
    if (rc == -2 || v < min || v > max)
        return failf(err, errlen, "%s: '%.*s' is out of range (%ld to %ld)", flag,
                     (int)len, s, min, max);
    *out = v;
    return 0;
}

/* Shared body of the real parsers for one item of a value. With as_float,
 * the value must also survive the conversion to float: no overflow to inf,
 * no nonzero value that becomes 0 or loses its precision as a subnormal. */
static int double_item(const char *flag, const char *text, const char *s, size_t len,
                       double min, double max, int as_float, double *out, char *err,
                       size_t errlen)
{
    double v = 0;
    int rc = parse_double(s, len, &v);
    if (rc == -1)
        return failf(err, errlen, "%s: '%s' is not a number", flag, text);
    if (rc == 0 && as_float && v != 0.0 && fabs(v) < FLT_MIN)
        rc = -3;
    if (rc == 0 && as_float && fabs(v) > FLT_MAX)
        rc = -2;
    if (rc == -3)
        return failf(err, errlen, "%s: '%.*s' underflows (too close to 0 to represent)", flag,
                     (int)len, s);
    if (rc == -2 || v < min || v > max)
        return failf(err, errlen, "%s: '%.*s' is out of range (%g to %g)", flag, (int)len,
                     s, min, max);
    *out = v;
    return 0;
}

int bcn_arg_long(const char *flag, const char *text, long min, long max, long *out,
                 char *err, size_t errlen)
{
    if (!text)
        return failf(err, errlen, "%s: missing value", flag);
    return long_item(flag, text, text, strlen(text), min, max, out, err, errlen);
}

int bcn_arg_int(const char *flag, const char *text, int min, int max, int *out, char *err,
                size_t errlen)
{
    long v;
    if (bcn_arg_long(flag, text, min, max, &v, err, errlen) < 0)
        return -1;
    *out = (int)v;
    return 0;
}

int bcn_arg_double(const char *flag, const char *text, double min, double max,
                   double *out, char *err, size_t errlen)
{
    if (!text)
        return failf(err, errlen, "%s: missing value", flag);
    return double_item(flag, text, text, strlen(text), min, max, 0, out, err, errlen);
}

int bcn_arg_float(const char *flag, const char *text, double min, double max, float *out,
                  char *err, size_t errlen)
{
    double v;
    if (!text)
        return failf(err, errlen, "%s: missing value", flag);
    if (double_item(flag, text, text, strlen(text), min, max, 1, &v, err, errlen) < 0)
        return -1;
    *out = (float)v;
    return 0;
}

/* Walk the comma-separated items of `text`: checks for empty items and the
 * item count, calling `item` on each. */
typedef int (*item_fn)(const char *flag, const char *text, const char *s, size_t len,
                       int index, void *user, char *err, size_t errlen);

static int for_each_item(const char *flag, const char *text, int max_n, int *n,
                         item_fn item, void *user, char *err, size_t errlen)
{
    if (!text)
        return failf(err, errlen, "%s: missing value", flag);
    if (!*text)
        return failf(err, errlen, "%s: empty value", flag);
    int count = 0;
    const char *s = text;
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        if (len == 0)
            return failf(err, errlen, "%s: '%s' has an empty item", flag, text);
        if (count >= max_n)
            return failf(err, errlen, "%s: '%s' has more than %d items", flag, text, max_n);
        if (item(flag, text, s, len, count, user, err, errlen) < 0)
            return -1;
        count++;
        if (!comma)
            break;
        s = comma + 1;
    }
    *n = count;
    return 0;
}

struct int_list { int *out; int min, max; };

static int int_list_item(const char *flag, const char *text, const char *s, size_t len,
                         int index, void *user, char *err, size_t errlen)
{
    struct int_list *l = user;
    long v;
    if (long_item(flag, text, s, len, l->min, l->max, &v, err, errlen) < 0)
        return -1;
    l->out[index] = (int)v;
    return 0;
}

int bcn_arg_int_list(const char *flag, const char *text, int min, int max, int *out,
                     int max_n, int *n, char *err, size_t errlen)
{
    struct int_list l = {out, min, max};
    return for_each_item(flag, text, max_n, n, int_list_item, &l, err, errlen);
}

struct real_list { double *dout; float *fout; double min, max; };

static int real_list_item(const char *flag, const char *text, const char *s, size_t len,
                          int index, void *user, char *err, size_t errlen)
{
    struct real_list *l = user;
    double v;
    if (double_item(flag, text, s, len, l->min, l->max, l->fout != NULL, &v, err, errlen) < 0)
        return -1;
    if (l->fout)
        l->fout[index] = (float)v;
    else
        l->dout[index] = v;
    return 0;
}

int bcn_arg_double_list(const char *flag, const char *text, double min, double max,
                        double *out, int max_n, int *n, char *err, size_t errlen)
{
    struct real_list l = {out, NULL, min, max};
    return for_each_item(flag, text, max_n, n, real_list_item, &l, err, errlen);
}

int bcn_arg_float_list(const char *flag, const char *text, double min, double max,
                       float *out, int max_n, int *n, char *err, size_t errlen)
{
    struct real_list l = {NULL, out, min, max};
    return for_each_item(flag, text, max_n, n, real_list_item, &l, err, errlen);
}

static int count_item(const char *flag, const char *text, const char *s, size_t len,
                      int index, void *user, char *err, size_t errlen)
{
    (void)flag, (void)text, (void)s, (void)len, (void)index, (void)user, (void)err,
        (void)errlen;
    return 0;
}

int bcn_arg_str_list(const char *flag, const char *text, int max_n, char ***out, int *n,
                     char *err, size_t errlen)
{
    int count = 0;
    if (for_each_item(flag, text, max_n, &count, count_item, NULL, err, errlen) < 0)
        return -1;
    size_t tlen = strlen(text);
    char **list = malloc((size_t)count * sizeof(char *) + tlen + 1);
    if (!list)
        return failf(err, errlen, "%s: out of memory", flag);
    char *copy = (char *)(list + count);
    memcpy(copy, text, tlen + 1);
    int i = 0;
    for (char *s = copy;; i++) {
        list[i] = s;
        char *comma = strchr(s, ',');
        if (!comma)
            break;
        *comma = '\0';
        s = comma + 1;
    }
    *out = list;
    *n = count;
    return 0;
}

int bcn_arg_choice(const char *flag, const char *text, const char *const *choices,
                   int n_choices, int *out, char *err, size_t errlen)
{
    if (!text)
        return failf(err, errlen, "%s: missing value", flag);
    for (int i = 0; i < n_choices; i++) {
        if (strcasecmp(text, choices[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    /* List the accepted values in the message. */
    char list[256] = "";
    size_t used = 0;
    for (int i = 0; i < n_choices && used < sizeof list; i++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", choices[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return failf(err, errlen, "%s: unknown value '%s' (expected one of: %s)", flag, text,
                 list);
}

int bcn_arg_bool(const char *flag, const char *text, int *out, char *err, size_t errlen)
{
    static const char *const names[] = {"off", "on", "no", "yes", "false", "true", "0", "1"};
    int i;
    if (!text)
        return failf(err, errlen, "%s: missing value", flag);
    for (i = 0; i < 8; i++)
        if (strcasecmp(text, names[i]) == 0)
            break;
    if (i == 8)
        return failf(err, errlen, "%s: '%s' is not on/off (or yes/no, true/false, 1/0)", flag,
                     text);
    *out = i & 1;
    return 0;
}

int bcn_arg_once(const char *flag, unsigned char *seen, char *err, size_t errlen)
{
    if (*seen)
        return failf(err, errlen, "%s given twice", flag);
    *seen = 1;
    return 0;
}

/* 1 when c can continue an identifier or a flag name. */
static int word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-';
}

void bcn_arg_fields_to_flags(char *msg, size_t size, const char *const *names, size_t n_names)
{
    if (!msg || !size)
        return;
    char out[2048];
    size_t o = 0;
    for (const char *p = msg; *p && o + 1 < sizeof out;) {
        size_t match = 0, k;
        if (p == msg || !word_char(p[-1])) {
            for (k = 0; k < n_names && !match; k++) {
                size_t nl = strlen(names[k]), i;
                for (i = 0; i < nl; i++)
                    if (p[i] != (names[k][i] == '-' ? '_' : names[k][i]))
                        break;
                /* A field: the whole word, written with '_' or followed by
                 * " = " (the library's "p_baseline = 1", "validation = 9"). */
                if (i == nl && !word_char(p[nl]) &&
                    (strchr(names[k], '-') || strncmp(p + nl, " = ", 3) == 0))
                    match = nl;
            }
        }
        if (!match) {
            out[o++] = *p++;
            continue;
        }
        int w = snprintf(out + o, sizeof out - o, "--%.*s", (int)match, names[k - 1]);
        if (w < 0 || (size_t)w >= sizeof out - o)
            break;
        o += (size_t)w;
        p += match;
        if (strncmp(p, " = ", 3) == 0)
            p += 2; /* "--validation 9" */
    }
    out[o] = '\0';
    snprintf(msg, size, "%s", out);
}
