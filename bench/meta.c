/*
 * meta.c — NAME_meta.gp, the small gnuplot file written beside each CSV
 * with what the figures print besides the data: date, host, devices,
 * network. It is plain gnuplot (`key = "value"`), loaded by the scripts
 * in plots/, and read back by summary.md.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "bench.h"
#include "netdesc.h"

int bench_meta_open(bench_meta *m, const char *dir, const char *name, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    char file[256], path[4096];
    snprintf(file, sizeof file, "%s_meta.gp", name);
    if (bench_path(path, sizeof path, dir, file) != 0) {
        snprintf(err, errlen, "results folder path too long: %s", dir);
        return -1;
    }
    if (bcn_atomic_open(&m->out, path, err, errlen) != 0)
        return -1;
    bench_machine mach;
    bench_machine_read(&mach);
    fprintf(m->out.f, "# %s_meta.gp — written by burstccn-bench; loaded by plots/*.gp\n", name);
    bench_meta_str(m, "meta_date", mach.date);
    bench_meta_str(m, "meta_host", mach.hostname);
    bench_meta_str(m, "meta_version", bcn_version());
    return 0;
}

void bench_meta_str(bench_meta *m, const char *key, const char *value)
{
    /* A gnuplot double-quoted string: backslash, quote and newline escaped
     * (the scripts turn "\n" into a line break in labels). */
    fprintf(m->out.f, "%s = \"", key);
    for (const char *p = value ? value : ""; *p; p++) {
        if (*p == '\\' || *p == '"')
            fputc('\\', m->out.f);
        if (*p == '\n')
            fputs("\\n", m->out.f);
        else if (*p != '\r')
            fputc(*p, m->out.f);
    }
    fputs("\"\n", m->out.f);
}

/* key = text broken into lines of at most `width` characters at the last
 * "; " or " · " that fits (or ", " when neither does). */
static void meta_wrapped(bench_meta *m, const char *key, const char *text, size_t width)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", text);
    size_t start = 0, n = strlen(buf);
    while (n - start > width) {
        size_t cut = 0, comma = 0;
        for (size_t i = start; i + 2 < n && i < start + width; i++)
            if (buf[i] == ';' && buf[i + 1] == ' ')
                cut = i + 1;
            else if (strncmp(buf + i, " · ", strlen(" · ")) == 0)
                cut = i;
            else if (buf[i] == ',' && buf[i + 1] == ' ')
                comma = i + 1;
        if (cut == 0)
            cut = comma;
        if (cut == 0)
            break;
        buf[cut] = '\n';
        start = cut + 1;
    }
    bench_meta_str(m, key, buf);
}

void bench_meta_footer(bench_meta *m, const char *text)
{
    /* One line holds about 170 characters of the footer's font across a
     * figure. */
    meta_wrapped(m, "meta_footer", text, 170);
}

void bench_meta_info(bench_meta *m, const char *text)
{
    /* About 160 characters of the title's font fit across a figure. */
    meta_wrapped(m, "meta_info", text, 160);
}

void bench_meta_num(bench_meta *m, const char *key, double value)
{
    if (isfinite(value))
        fprintf(m->out.f, "%s = %.10g\n", key, value);
    else
        fprintf(m->out.f, "%s = NaN\n", key);
}

void bench_meta_layers(bench_meta *m, const bcn_net_config *cfg)
{
    bench_meta_num(m, "meta_layers", cfg->n_layers);
    bench_meta_num(m, "meta_has_conv", bcn_net_has_conv(cfg));
    for (int l = 1; l <= cfg->n_layers; l++) {
        char key[64], label[128];
        snprintf(key, sizeof key, "meta_layer_label_%d", l);
        bcn_layer_label(cfg, l, label, sizeof label);
        bench_meta_str(m, key, label);
        snprintf(key, sizeof key, "meta_layer_name_%d", l);
        bcn_layer_short_label(cfg, l, label, sizeof label);
        bench_meta_str(m, key, label);
    }
}

int bench_meta_commit(bench_meta *m, char *err, size_t errlen)
{
    return bcn_atomic_commit(&m->out, err, errlen);
}

int bench_meta_read(const char *path, const char *key, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[8192];
    size_t klen = strlen(key);
    int found = -1;
    while (found != 0 && fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) != 0)
            continue;
        const char *p = line + klen;
        while (*p == ' ')
            p++;
        if (*p++ != '=')
            continue;
        while (*p == ' ')
            p++;
        size_t n = 0;
        if (*p == '"') { /* undo bench_meta_str's escapes */
            for (p++; *p && *p != '"' && n + 1 < len; p++) {
                if (*p == '\\' && p[1]) {
                    p++;
                    buf[n++] = *p == 'n' ? '\n' : *p;
                } else {
                    buf[n++] = *p;
                }
            }
        } else {
            for (; *p && *p != '\n' && n + 1 < len; p++)
                buf[n++] = *p;
        }
        buf[n] = '\0';
        found = 0;
    }
    fclose(f);
    return found;
}

void bench_describe_device(const bcn_device_info *d, char *buf, size_t len)
{
    char name[300];
    bench_device_short(d, name, sizeof name, 60);
    /* "OpenCL 3.0 PoCL HSTR: ..." -> "OpenCL 3.0" (the rest is in the JSON). */
    char version[64];
    snprintf(version, sizeof version, "%.63s", d->version);
    char *sp = strchr(version, ' ');
    if (sp && (sp = strchr(sp + 1, ' ')))
        *sp = '\0';
    if (strcmp(d->backend, "ref") == 0)
        snprintf(buf, len, "%s = %s", d->id, name);
    else
        snprintf(buf, len, "%s = %s (%s, driver %.30s)", d->id, name, version, d->driver);
}

void bench_describe_net(const bcn_net_config *cfg, int batch, char *buf, size_t len)
{
    char sizes[256], y[96] = "", q[96] = "";
    bcn_net_desc(cfg, sizes, sizeof sizes);
    if (cfg->y_mode == BCN_FB_RANDOM)
        snprintf(y, sizeof y, "Y random (std %g", cfg->y_scale);
    else
        snprintf(y, sizeof y, "Y %s (x%g", bcn_fb_mode_str(cfg->y_mode), cfg->y_scale);
    if (cfg->y_lr > 0.0f)
        snprintf(y + strlen(y), sizeof y - strlen(y), ", lr %g", cfg->y_lr);
    snprintf(q, sizeof q, "Q %s (x%g%s", bcn_fb_mode_str(cfg->q_mode), cfg->q_scale,
             cfg->q_lr > 0.0f ? ", lr " : "");
    if (cfg->q_lr > 0.0f)
        snprintf(q + strlen(q), sizeof q - strlen(q), "%g", cfg->q_lr);
    snprintf(buf, len, "%s, batch %d, lr %g, p_b %g, %s), %s)", sizes, batch, cfg->lr[0],
             cfg->p_baseline, y, q);
}

/* Display name of a rule, as the figures' legends write it. */
static const char *rule_title(bcn_rule r)
{
    switch (r) {
    case BCN_RULE_BURSTCCN: return "BurstCCN";
    case BCN_RULE_BURSTPROP: return "Burstprop";
    case BCN_RULE_FA: return "FA";
    default: return "backprop";
    }
}

void bench_describe_settings(const bcn_net_config *cfgs, unsigned mask, int same_settings,
                             char *buf, size_t len)
{
    size_t used = 0;
    int w = snprintf(buf, len, "%s",
                     same_settings ? "settings: BurstCCN's for every rule (--same-settings):"
                                   : "settings: each rule its own authors':");
    used = w > 0 ? (size_t)w : 0;
    int first = 1;
    for (int r = 0; r < BCN_RULE_COUNT && used < len; r++) {
        if (!(mask & BCN_RULE_BIT(r)))
            continue;
        char one[512];
        bcn_net_settings_desc(&cfgs[r], one, sizeof one);
        w = snprintf(buf + used, len - used, "%s %s %s", first ? "" : ";",
                     rule_title((bcn_rule)r), one);
        used += w > 0 ? (size_t)w : 0;
        first = 0;
    }
}

void bench_meta_settings(bench_meta *m, const bcn_net_config *cfgs, unsigned mask,
                         int same_settings)
{
    bench_meta_str(m, "meta_settings", same_settings ? "same" : "authors");
    for (int r = 0; r < BCN_RULE_COUNT; r++) {
        if (!(mask & BCN_RULE_BIT(r)))
            continue;
        char key[64], one[512];
        snprintf(key, sizeof key, "meta_settings_%s", bcn_rule_str((bcn_rule)r));
        bcn_net_settings_desc(&cfgs[r], one, sizeof one);
        bench_meta_str(m, key, one);
    }
}
