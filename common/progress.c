/*
 * progress.c — a rate-limited progress bar / plain progress lines (see
 * progress.h).
 */
#include "progress.h"

#include <math.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double bcn_progress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void bcn_progress_format_duration(double seconds, char *buf, size_t len)
{
    if (!isfinite(seconds) || seconds < 0) {
        snprintf(buf, len, "?");
        return;
    }
    long s = (long)(seconds + 0.5);
    if (s >= 3600)
        snprintf(buf, len, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    else
        snprintf(buf, len, "%ld:%02ld", s / 60, s % 60);
}

void bcn_progress_init(bcn_progress *p, FILE *out, bcn_progress_mode mode, const char *label,
                       long total, const char *unit)
{
    memset(p, 0, sizeof *p);
    p->out = out;
    if (!out)
        mode = BCN_PROGRESS_OFF;
    else if (mode == BCN_PROGRESS_AUTO)
        mode = isatty(fileno(out)) ? BCN_PROGRESS_BAR : BCN_PROGRESS_PLAIN;
    p->mode = mode;
    snprintf(p->label, sizeof p->label, "%s", label ? label : "");
    snprintf(p->unit, sizeof p->unit, "%s", unit ? unit : "it");
    p->total = total > 0 ? total : 0;
    p->start = bcn_progress_now();
    p->last = p->start;
    p->bar_interval = 0.1;
    p->plain_interval = 10.0;
}

/* Rate (units/s) and ETA text for the current state. */
static void rate_eta(const bcn_progress *p, double now, double *rate, char *eta, size_t len)
{
    double el = now - p->start;
    *rate = el > 0 ? (double)p->done / el : 0.0;
    if (*rate > 0 && p->total > 0)
        bcn_progress_format_duration((double)(p->total - p->done) / *rate, eta, len);
    else
        snprintf(eta, len, "?");
}

/* Redraw the terminal bar. */
static void draw_bar(bcn_progress *p, double now)
{
    enum { WIDTH = 24 };
    char bar[WIDTH + 1], eta[32];
    double rate, frac = p->total > 0 ? (double)p->done / (double)p->total : 0.0;
    if (frac > 1)
        frac = 1;
    int fill = (int)(frac * WIDTH);
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[WIDTH] = '\0';
    rate_eta(p, now, &rate, eta, sizeof eta);
    fprintf(p->out, "\r%s [%s] %3d%%  %ld/%ld  %.0f %s/s  ETA %s\033[K", p->label, bar,
            (int)(100 * frac), p->done, p->total, rate, p->unit, eta);
    fflush(p->out);
    p->drawn = 1;
}

/* Print one plain progress line. */
static void plain_line(bcn_progress *p, double now)
{
    char eta[32];
    double rate, frac = p->total > 0 ? (double)p->done / (double)p->total : 0.0;
    rate_eta(p, now, &rate, eta, sizeof eta);
    fprintf(p->out, "%s: %ld/%ld (%d%%), %.0f %s/s, ETA %s\n", p->label, p->done, p->total,
            (int)(100 * frac), rate, p->unit, eta);
    fflush(p->out);
}

void bcn_progress_update(bcn_progress *p, long done)
{
    p->done = done;
    if (p->mode == BCN_PROGRESS_OFF)
        return;
    double now = bcn_progress_now();
    if (p->mode == BCN_PROGRESS_BAR) {
        if (now - p->last >= p->bar_interval || !p->drawn) {
            draw_bar(p, now);
            p->last = now;
        }
    } else if (now - p->last >= p->plain_interval && done < p->total) {
        plain_line(p, now);
        p->last = now;
    }
}

void bcn_progress_finish(bcn_progress *p)
{
    if (p->mode == BCN_PROGRESS_BAR && p->drawn) {
        fputs("\r\033[K", p->out);
        fflush(p->out);
    }
    p->drawn = 0;
}
