/*
 * internal.h — definitions shared inside the library, not installed.
 */
#ifndef BCN_INTERNAL_H
#define BCN_INTERNAL_H

#include <stdarg.h>
#include "burstccn.h"
#include "backend.h"

struct bcn_ctx {
    bcn_status status;   /* last error */
    char *msg;           /* its detail, heap string; "" when none */
    size_t msg_cap;
    bcn_backend *backend;  /* open device, NULL before bcn_ctx_open_device */
    int n_nets;            /* networks living on the backend (they hold its buffers) */
};

/* Record an error on ctx (printf-style detail) and return `status`. */
bcn_status bcn_set_error(bcn_ctx *ctx, bcn_status status, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Append more text (e.g. a build log) to the current message. */
void bcn_append_error(bcn_ctx *ctx, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Monotonic wall clock in seconds. */
double bcn_now_seconds(void);

#endif /* BCN_INTERNAL_H */
