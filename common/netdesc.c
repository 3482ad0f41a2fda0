/*
 * netdesc.c — text, labels and JSON describing a network's layers, and a
 * line of its rule's training settings.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "netdesc.h"

/* Output shape of layer l (0: the input); zeros if the config is bad. */
static bcn_shape shape_of(const bcn_net_config *cfg, int l)
{
    bcn_shape s = {0, 0, 0};
    if (bcn_net_config_shape(NULL, cfg, l, &s) != BCN_OK)
        memset(&s, 0, sizeof s);
    return s;
}

int bcn_net_has_conv(const bcn_net_config *cfg)
{
    for (int l = 0; l < cfg->n_layers && l < BCN_MAX_LAYERS; l++)
        if (cfg->layers[l].kind == BCN_LAYER_CONV2D)
            return 1;
    return 0;
}

void bcn_net_desc(const bcn_net_config *cfg, char *buf, size_t len)
{
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    if (!bcn_net_has_conv(cfg)) {
        for (int l = 0; l <= cfg->n_layers && used < len; l++) {
            bcn_shape s = shape_of(cfg, l);
            used += (size_t)snprintf(buf + used, len - used, "%s%d", l ? "-" : "",
                                     s.c * s.h * s.w);
        }
        return;
    }
    int w = snprintf(buf, len, "%dx%dx%d,", cfg->input.c, cfg->input.h, cfg->input.w);
    if (w > 0 && (size_t)w < len)
        bcn_net_config_arch_str(cfg, buf + w, len - (size_t)w);
}

void bcn_layer_label(const bcn_net_config *cfg, int l, char *buf, size_t len)
{
    const bcn_layer_spec *sp = &cfg->layers[l - 1];
    bcn_shape s = shape_of(cfg, l);
    if (sp->kind == BCN_LAYER_CONV2D)
        snprintf(buf, len, "conv %d (%d@%dx%d, %dx%d/%d)", l, s.c, s.h, s.w, sp->kernel,
                 sp->kernel, sp->stride);
    else
        snprintf(buf, len, "dense %d (%d)", l, sp->units);
}

void bcn_layer_short_label(const bcn_net_config *cfg, int l, char *buf, size_t len)
{
    snprintf(buf, len, "%s%d", cfg->layers[l - 1].kind == BCN_LAYER_CONV2D ? "conv" : "dense", l);
}

void bcn_json_net(bcn_json *j, const bcn_net_config *cfg)
{
    char arch[1024];
    bcn_net_config_arch_str(cfg, arch, sizeof arch);
    bcn_json_kv_string(j, "arch", arch);
    bcn_json_key(j, "input");
    bcn_json_begin_array(j);
    bcn_json_int(j, cfg->input.c);
    bcn_json_int(j, cfg->input.h);
    bcn_json_int(j, cfg->input.w);
    bcn_json_end_array(j);
    bcn_json_key(j, "sizes");
    bcn_json_begin_array(j);
    for (int l = 0; l <= cfg->n_layers; l++) {
        bcn_shape s = shape_of(cfg, l);
        bcn_json_int(j, (long long)s.c * s.h * s.w);
    }
    bcn_json_end_array(j);
    bcn_json_key(j, "layers");
    bcn_json_begin_array(j);
    for (int l = 1; l <= cfg->n_layers; l++) {
        const bcn_layer_spec *sp = &cfg->layers[l - 1];
        bcn_shape in = shape_of(cfg, l - 1), out = shape_of(cfg, l);
        bcn_json_begin_object(j);
        bcn_json_kv_int(j, "layer", l);
        bcn_json_kv_string(j, "kind", sp->kind == BCN_LAYER_CONV2D ? "conv2d" : "dense");
        bcn_json_kv_int(j, "units", sp->units);
        if (sp->kind == BCN_LAYER_CONV2D) {
            bcn_json_kv_int(j, "kernel", sp->kernel);
            bcn_json_kv_int(j, "stride", sp->stride);
            bcn_json_kv_int(j, "pad", sp->pad);
        }
        bcn_json_key(j, "shape");
        bcn_json_begin_array(j);
        bcn_json_int(j, out.c);
        bcn_json_int(j, out.h);
        bcn_json_int(j, out.w);
        bcn_json_end_array(j);
        bcn_json_key(j, "weight_shape");
        bcn_json_begin_array(j);
        if (sp->kind == BCN_LAYER_CONV2D) {
            bcn_json_int(j, out.c);
            bcn_json_int(j, in.c);
            bcn_json_int(j, sp->kernel);
            bcn_json_int(j, sp->kernel);
        } else {
            bcn_json_int(j, (long long)out.c * out.h * out.w);
            bcn_json_int(j, (long long)in.c * in.h * in.w);
        }
        bcn_json_end_array(j);
        bcn_json_end_object(j);
    }
    bcn_json_end_array(j);
}

/* Append printf-style text to buf (used so far: *used). */
static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
    if (*used >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *used, len - *used, fmt, ap);
    va_end(ap);
    if (w > 0)
        *used += (size_t)w;
}

void bcn_net_settings_desc(const bcn_net_config *cfg, char *buf, size_t len)
{
    size_t used = 0;
    int L = cfg->n_layers < 1 ? 1 : cfg->n_layers > BCN_MAX_LAYERS ? BCN_MAX_LAYERS
                                                                   : cfg->n_layers;
    int uniform = 1, hidden_uniform = 1;
    for (int l = 1; l < L; l++) {
        uniform &= cfg->lr[l] == cfg->lr[0];
        hidden_uniform &= l == L - 1 || cfg->lr[l] == cfg->lr[0];
    }
    if (len)
        buf[0] = '\0';
    if (uniform) {
        append(buf, len, &used, "lr %g", (double)cfg->lr[0]);
    } else if (hidden_uniform) {
        append(buf, len, &used, "lr %g hidden / %g output", (double)cfg->lr[0],
               (double)cfg->lr[L - 1]);
    } else {
        append(buf, len, &used, "lr");
        for (int l = 0; l < L; l++)
            append(buf, len, &used, "%s%g", l ? "," : " ", (double)cfg->lr[l]);
    }
    if (cfg->optimizer == BCN_OPT_MOMENTUM)
        append(buf, len, &used, ", momentum %g", (double)cfg->momentum);
    else if (cfg->optimizer == BCN_OPT_ADAM)
        append(buf, len, &used, ", Adam");
    else
        append(buf, len, &used, ", SGD");
    if (cfg->weight_decay > 0.0f)
        append(buf, len, &used, ", weight decay %g", (double)cfg->weight_decay);
    if (cfg->rule == BCN_RULE_BURSTCCN || cfg->rule == BCN_RULE_BURSTPROP)
        append(buf, len, &used, ", p_b %g", (double)cfg->p_baseline);
    if (cfg->rule != BCN_RULE_BACKPROP) {
        if (cfg->y_mode == BCN_FB_RANDOM)
            append(buf, len, &used, ", Y random std %g", (double)cfg->y_scale);
        else
            append(buf, len, &used, ", Y %s x%g", bcn_fb_mode_str(cfg->y_mode),
                   (double)cfg->y_scale);
        if (cfg->y_lr > 0.0f && cfg->rule == BCN_RULE_BURSTCCN)
            append(buf, len, &used, " lr %g", (double)cfg->y_lr);
    }
    if (cfg->rule == BCN_RULE_BURSTCCN) {
        append(buf, len, &used, ", Q %s", bcn_fb_mode_str(cfg->q_mode));
        if (cfg->q_lr > 0.0f)
            append(buf, len, &used, " lr %g", (double)cfg->q_lr);
    }
    if (cfg->rule == BCN_RULE_BURSTPROP) {
        if (cfg->recurrent)
            append(buf, len, &used, ", R std %g lr %g", (double)cfg->r_scale,
                   (double)cfg->r_lr);
        else
            append(buf, len, &used, ", no R");
    }
}

void bcn_json_net_config(bcn_json *j, const bcn_net_config *c)
{
    bcn_json_kv_string(j, "rule", bcn_rule_str(c->rule));
    bcn_json_net(j, c);
    bcn_json_key(j, "hidden");
    bcn_json_begin_array(j);
    for (int l = 1; l < c->n_layers; l++) {
        bcn_shape sh = shape_of(c, l);
        bcn_json_int(j, (long long)sh.c * sh.h * sh.w);
    }
    bcn_json_end_array(j);
    bcn_json_kv_bool(j, "conv_feedback_learning", c->conv_feedback_learning);
    bcn_json_key(j, "lr");
    bcn_json_begin_array(j);
    for (int l = 0; l < c->n_layers; l++)
        bcn_json_float(j, c->lr[l]);
    bcn_json_end_array(j);
    bcn_json_kv_string(j, "optimizer", bcn_optimizer_str(c->optimizer));
    bcn_json_kv_float(j, "momentum", c->momentum);
    bcn_json_kv_float(j, "adam_beta1", c->adam_beta1);
    bcn_json_kv_float(j, "adam_beta2", c->adam_beta2);
    bcn_json_kv_float(j, "adam_eps", c->adam_eps);
    bcn_json_kv_float(j, "weight_decay", c->weight_decay);
    bcn_json_kv_float(j, "p_baseline", c->p_baseline);
    bcn_json_kv_float(j, "error_scale", c->error_scale);
    bcn_json_kv_string(j, "y_mode", bcn_fb_mode_str(c->y_mode));
    bcn_json_kv_float(j, "y_scale", c->y_scale);
    bcn_json_kv_float(j, "y_lr", c->y_lr);
    bcn_json_kv_string(j, "q_mode", bcn_fb_mode_str(c->q_mode));
    bcn_json_kv_float(j, "q_scale", c->q_scale);
    bcn_json_kv_float(j, "q_lr", c->q_lr);
    bcn_json_kv_bool(j, "recurrent", c->recurrent);
    bcn_json_kv_float(j, "r_scale", c->r_scale);
    bcn_json_kv_float(j, "r_lr", c->r_lr);
    bcn_json_kv_int(j, "seed", (long long)c->seed);
    char set[512]; /* the rule's settings in one line, as the figures print them */
    bcn_net_settings_desc(c, set, sizeof set);
    bcn_json_kv_string(j, "settings_desc", set);
}
