/*
 * args.h — strict parsing of command-line values.
 *
 * Every parser takes the flag name (for the message), the text, range
 * limits and an error buffer. The whole text must be a number (no leading
 * space, no trailing characters, no NaN/inf, no overflow) inside [min, max];
 * lists are comma-separated with no empty items. A nonzero text whose value
 * underflows ("1e-400"; for the float parsers, below FLT_MIN) is refused as
 * well as one that overflows ("1e400"). On failure a parser returns
 * -1 and writes a message naming the flag and the bad value, e.g.
 * "--epochs: '1x' is not an integer"; on success it returns 0.
 */
#ifndef BCN_COMMON_ARGS_H
#define BCN_COMMON_ARGS_H

#include <stddef.h>

/* One integer in [min, max]. */
int bcn_arg_long(const char *flag, const char *text, long min, long max,
                 long *out, char *err, size_t errlen);
/* int-typed convenience wrapper of bcn_arg_long. */
int bcn_arg_int(const char *flag, const char *text, int min, int max,
                int *out, char *err, size_t errlen);
/* One finite real in [min, max]. */
int bcn_arg_double(const char *flag, const char *text, double min, double max,
                   double *out, char *err, size_t errlen);
/* One real in [min, max] that is also a float: refuses values that overflow
 * a float or that underflow to 0 (or to a subnormal) in the conversion. */
int bcn_arg_float(const char *flag, const char *text, double min, double max,
                  float *out, char *err, size_t errlen);
/* 1..max_n comma-separated integers in [min, max]; *n receives the count. */
int bcn_arg_int_list(const char *flag, const char *text, int min, int max,
                     int *out, int max_n, int *n, char *err, size_t errlen);
/* 1..max_n comma-separated reals in [min, max]; *n receives the count. */
int bcn_arg_double_list(const char *flag, const char *text, double min,
                        double max, double *out, int max_n, int *n, char *err,
                        size_t errlen);
/* 1..max_n comma-separated floats in [min, max] (checked as bcn_arg_float). */
int bcn_arg_float_list(const char *flag, const char *text, double min,
                       double max, float *out, int max_n, int *n, char *err,
                       size_t errlen);
/* 1..max_n comma-separated non-empty strings. *out is one malloc'd block
 * (pointer array followed by the strings): release it with free(). */
int bcn_arg_str_list(const char *flag, const char *text, int max_n,
                     char ***out, int *n, char *err, size_t errlen);
/* One of `choices[0..n_choices)` (case-insensitive); *out is its index. */
int bcn_arg_choice(const char *flag, const char *text,
                   const char *const *choices, int n_choices, int *out,
                   char *err, size_t errlen);
/* on/off, yes/no, true/false, 1/0 (case-insensitive). */
int bcn_arg_bool(const char *flag, const char *text, int *out, char *err,
                 size_t errlen);

/* A flag may be given once: the first call sets *seen and returns 0, a
 * second one returns -1 with "--lr given twice". */
int bcn_arg_once(const char *flag, unsigned char *seen, char *err,
                 size_t errlen);
/* Rewrite, in place, the library's names of configuration fields in an
 * error message as the flags that set them: each whole word equal to a
 * flag name of `names` (without "--") with '-' written '_' ("p_baseline"),
 * or equal to a one-word name and followed by " = " ("validation = 9"),
 * becomes "--p-baseline" ("--validation 9"). */
void bcn_arg_fields_to_flags(char *msg, size_t size, const char *const *names,
                             size_t n_names);

#endif /* BCN_COMMON_ARGS_H */
