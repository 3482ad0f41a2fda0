/*
 * progress.h — progress reporting for long loops.
 *
 * On a terminal (isatty(fileno(out))) a single line is redrawn in place:
 *   "label [#########.........]  45%  4500/10000  1234 ex/s  ETA 0:04"
 * at most every 0.1 s. Otherwise (a log file, a pipe) a plain line
 * "label: 4500/10000 (45%), 1234 ex/s, ETA 0:04" is printed at most every
 * `plain_interval` seconds (default 10), so logs stay short. Time is the
 * monotonic clock. The caller prints its own summary after
 * bcn_progress_finish(), which clears the terminal line.
 */
#ifndef BCN_COMMON_PROGRESS_H
#define BCN_COMMON_PROGRESS_H

#include <stdio.h>

typedef enum bcn_progress_mode {
    BCN_PROGRESS_AUTO = 0, /* bar on a TTY, plain lines otherwise */
    BCN_PROGRESS_BAR,      /* always the redrawn bar */
    BCN_PROGRESS_PLAIN,    /* always plain lines */
    BCN_PROGRESS_OFF       /* print nothing */
} bcn_progress_mode;

typedef struct bcn_progress {
    FILE *out;
    bcn_progress_mode mode;  /* resolved: BAR, PLAIN or OFF */
    char label[64];
    char unit[16];           /* "ex" -> "ex/s" */
    long total;
    long done;
    double start;            /* monotonic seconds */
    double last;             /* time of the last print */
    double bar_interval;     /* seconds between redraws (0.1) */
    double plain_interval;   /* seconds between plain lines (10) */
    int drawn;               /* a bar line is on screen */
} bcn_progress;

/* Monotonic clock in seconds. */
double bcn_progress_now(void);
/* Start a progress display of `total` units (`unit` as in "ex/s"). */
void bcn_progress_init(bcn_progress *p, FILE *out, bcn_progress_mode mode,
                       const char *label, long total, const char *unit);
/* Report that `done` units are finished (printed only when due). */
void bcn_progress_update(bcn_progress *p, long done);
/* End the display: clears the bar line on a terminal. */
void bcn_progress_finish(bcn_progress *p);
/* Format seconds as "M:SS" or "H:MM:SS" into buf. */
void bcn_progress_format_duration(double seconds, char *buf, size_t len);

#endif /* BCN_COMMON_PROGRESS_H */
