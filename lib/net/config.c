/*
 * config.c — network configurations: the authors' defaults, dense and
 * --arch descriptions of the layers, the shapes they imply (SPEC §12's
 * conv arithmetic) and the checks a configuration must pass.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

/* Largest flattened layer (as the dense widths before conv layers). */
#define MAX_UNITS (1 << 24)

/* Burstprop's learning rates (SPEC §6): Payeur et al.'s hidden 0.1 and
 * output 0.01 on gradients summed over a batch of 32, as rates on this
 * library's batch means. */
#define BURSTPROP_LR_HIDDEN 3.2f
#define BURSTPROP_LR_OUTPUT 0.32f

/* The settings every rule shares under --same-settings: BurstCCN's
 * authors' (SPEC §10), plus what belongs to the rule itself (Burstprop's
 * recurrent input R, BurstCCN's learnt Q). */
static void init_shared(bcn_net_config *cfg, bcn_rule rule)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    static const int hidden[3] = {500, 500, 500};
    bcn_net_config_set_dense(cfg, 784, 3, hidden, 10);
    cfg->input = (bcn_shape){1, 28, 28};
    cfg->rule = rule;
    bcn_net_config_set_lr(cfg, 0.3f);
    cfg->p_baseline = 0.5f;
    cfg->error_scale = 1.0f;
    cfg->y_mode = BCN_FB_RANDOM;
    cfg->y_scale = 0.5f;
    cfg->y_lr = 0.0f;
    cfg->q_mode = BCN_FB_SYM;
    cfg->q_scale = 1.0f;
    cfg->q_lr = rule == BCN_RULE_BURSTCCN ? 7.31e-4f : 0.0f;
    cfg->conv_feedback_learning = 0;
    cfg->recurrent = rule == BCN_RULE_BURSTPROP;
    cfg->r_scale = 0.01f;
    cfg->r_lr = rule == BCN_RULE_BURSTPROP ? 1e-4f : 0.0f;
    cfg->optimizer = BCN_OPT_SGD;
    cfg->momentum = 0.0f;
    cfg->adam_beta1 = 0.9f;
    cfg->adam_beta2 = 0.999f;
    cfg->adam_eps = 1e-8f;
    cfg->weight_decay = 0.0f;
    cfg->seed = 1;
}

void bcn_net_config_init_shared(bcn_net_config *cfg, bcn_rule rule)
{
    init_shared(cfg, rule);
}

void bcn_net_config_init(bcn_net_config *cfg, bcn_rule rule)
{
    init_shared(cfg, rule);
    if (!cfg || rule != BCN_RULE_BURSTPROP)
        return;
    /* Payeur et al.'s train_mnist.py (SPEC §6). Their momentum update
     * Δ ← −lr g + 0.8 Δ, W ← W + Δ − wd W is this library's
     * v ← 0.8 v + g, W ← W − lr v − wd W with Δ = −lr v (lr is constant). */
    bcn_net_config_set_lr(cfg, BURSTPROP_LR_HIDDEN);
    cfg->lr[cfg->n_layers - 1] = BURSTPROP_LR_OUTPUT;
    cfg->p_baseline = 0.2f;
    cfg->y_scale = 1.0f;
    cfg->optimizer = BCN_OPT_MOMENTUM;
    cfg->momentum = 0.8f;
    cfg->weight_decay = 1e-6f;
}

void bcn_net_config_set_lr(bcn_net_config *cfg, float lr)
{
    if (!cfg)
        return;
    for (int i = 0; i < BCN_MAX_LAYERS; i++)
        cfg->lr[i] = lr;
}

/* After the layer count changed from old_L to new_L: every hidden layer
 * takes the old hidden rate (lr[0]; with no old hidden layer, the rate
 * kept past the old output, lr[1]) and the new output layer the old
 * output rate, so a rule's per-role rates (Burstprop's 3.2 hidden, 0.32
 * output) follow the layers. */
static void keep_lr_roles(bcn_net_config *cfg, int old_L, int new_L)
{
    if (old_L < 1 || old_L > BCN_MAX_LAYERS || new_L < 1 || new_L > BCN_MAX_LAYERS ||
        old_L == new_L)
        return;
    float hidden = old_L > 1 ? cfg->lr[0] : cfg->lr[1];
    float output = cfg->lr[old_L - 1];
    bcn_net_config_set_lr(cfg, hidden);
    cfg->lr[new_L - 1] = output;
}

static bcn_layer_spec dense_spec(int units)
{
    return (bcn_layer_spec){BCN_LAYER_DENSE, units, 0, 0, 0};
}

void bcn_net_config_set_dense(bcn_net_config *cfg, int n_in, int n_hidden, const int *hidden,
                              int n_out)
{
    if (!cfg || (!hidden && n_hidden > 0))
        return;
    if (n_hidden < 0)
        n_hidden = 0;
    if (n_hidden > BCN_MAX_LAYERS - 1)
        n_hidden = BCN_MAX_LAYERS - 1;
    cfg->input = (bcn_shape){1, 1, n_in};
    keep_lr_roles(cfg, cfg->n_layers, n_hidden + 1);
    cfg->n_layers = n_hidden + 1;
    memset(cfg->layers, 0, sizeof cfg->layers);
    for (int l = 0; l < n_hidden; l++)
        cfg->layers[l] = dense_spec(hidden[l]);
    cfg->layers[n_hidden] = dense_spec(n_out);
}

/* The paper's CIFAR-10 network (SPEC §10), hidden layers only. */
static const char cifar_arch[] = "conv:64:5:2,conv:128:5:2,conv:256:3:1,dense:1480";

/* Parse a decimal int in [lo, hi] from text[0..len); -1 if not one. */
static int parse_int(const char *text, size_t len, int lo, int hi, int *out)
{
    char buf[32];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    for (size_t i = 0; i < len; i++)
        if (!isdigit((unsigned char)buf[i]))
            return -1;
    errno = 0;
    long v = strtol(buf, NULL, 10);
    if (errno || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

/* Parse one item ("conv:C:K[:S[:P]]" or "dense:N") of length len. */
static bcn_status parse_item(bcn_ctx *ctx, const char *item, size_t len, bcn_layer_spec *out)
{
    const char *fields[6];
    size_t flen[6];
    int nf = 0;
    const char *p = item, *end = item + len;
    while (nf < 6) {
        const char *colon = memchr(p, ':', (size_t)(end - p));
        const char *stop = colon ? colon : end;
        fields[nf] = p;
        flen[nf] = (size_t)(stop - p);
        nf++;
        if (!colon)
            break;
        p = colon + 1;
    }
    int is_conv = flen[0] == 4 && strncmp(fields[0], "conv", 4) == 0;
    int is_dense = flen[0] == 5 && strncmp(fields[0], "dense", 5) == 0;
    if (!is_conv && !is_dense)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                             "architecture item '%.*s': a layer is conv:C:K[:S[:P]] or dense:N",
                             (int)len, item);
    if (is_dense) {
        int n;
        if (nf != 2 || parse_int(fields[1], flen[1], 1, MAX_UNITS, &n) < 0)
            return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                                 "architecture item '%.*s': dense:N takes one width N from 1 to %d",
                                 (int)len, item, MAX_UNITS);
        *out = dense_spec(n);
        return BCN_OK;
    }
    int v[4] = {0, 0, 1, 0};
    static const int hi[4] = {MAX_UNITS, 1024, 1024, 1024};
    static const char *const what[4] = {"channels C", "kernel size K", "stride S", "padding P"};
    if (nf < 3 || nf > 5)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                             "architecture item '%.*s': conv takes C:K, C:K:S or C:K:S:P "
                             "(channels, kernel size, stride, padding)",
                             (int)len, item);
    for (int i = 0; i + 1 < nf; i++)
        if (parse_int(fields[i + 1], flen[i + 1], i == 3 ? 0 : 1, hi[i], &v[i]) < 0)
            return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                                 "architecture item '%.*s': %s '%.*s' must be an integer from "
                                 "%d to %d",
                                 (int)len, item, what[i], (int)flen[i + 1], fields[i + 1],
                                 i == 3 ? 0 : 1, hi[i]);
    *out = (bcn_layer_spec){BCN_LAYER_CONV2D, v[0], v[1], v[2], v[3]};
    return BCN_OK;
}

bcn_status bcn_net_config_set_arch(bcn_ctx *ctx, bcn_net_config *cfg, const char *arch)
{
    if (!cfg || !arch)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "bcn_net_config_set_arch: NULL argument");
    if (cfg->n_layers < 1 || cfg->n_layers > BCN_MAX_LAYERS)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                             "bcn_net_config_set_arch: the config has no output layer "
                             "(n_layers = %d)",
                             cfg->n_layers);
    if (strcmp(arch, "cifar") == 0)
        arch = cifar_arch;
    bcn_layer_spec hidden[BCN_MAX_LAYERS];
    int n = 0;
    if (strcmp(arch, "none") != 0) {
        const char *p = arch;
        for (;;) {
            const char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            if (len == 0)
                return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                                     "architecture '%s' has an empty item", arch);
            if (n == BCN_MAX_LAYERS - 1)
                return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                                     "architecture '%s' has more than %d hidden layers", arch,
                                     BCN_MAX_LAYERS - 1);
            bcn_status st = parse_item(ctx, p, len, &hidden[n]);
            if (st != BCN_OK)
                return st;
            if (n > 0 && hidden[n].kind == BCN_LAYER_CONV2D &&
                hidden[n - 1].kind == BCN_LAYER_DENSE)
                return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                                     "architecture '%s': conv layer %d follows a dense layer "
                                     "(conv layers come first)",
                                     arch, n + 1);
            n++;
            if (!comma)
                break;
            p = comma + 1;
        }
    }
    bcn_layer_spec out = cfg->layers[cfg->n_layers - 1];
    out.kind = BCN_LAYER_DENSE;
    memcpy(cfg->layers, hidden, (size_t)n * sizeof hidden[0]);
    cfg->layers[n] = dense_spec(out.units);
    for (int l = n + 1; l < BCN_MAX_LAYERS; l++)
        memset(&cfg->layers[l], 0, sizeof cfg->layers[l]);
    keep_lr_roles(cfg, cfg->n_layers, n + 1);
    cfg->n_layers = n + 1;
    return BCN_OK;
}

int bcn_net_config_arch_str(const bcn_net_config *cfg, char *buf, size_t len)
{
    if (!buf)
        len = 0;
    if (!cfg) {
        if (len)
            buf[0] = '\0';
        return -1;
    }
    size_t used = 0;
    int L = cfg->n_layers < 0 ? 0 : cfg->n_layers > BCN_MAX_LAYERS ? BCN_MAX_LAYERS
                                                                    : cfg->n_layers;
    if (len)
        buf[0] = '\0';
    for (int l = 0; l < L; l++) {
        const bcn_layer_spec *s = &cfg->layers[l];
        char item[96];
        if (s->kind == BCN_LAYER_CONV2D) {
            if (s->pad)
                snprintf(item, sizeof item, "conv:%d:%d:%d:%d", s->units, s->kernel, s->stride,
                         s->pad);
            else
                snprintf(item, sizeof item, "conv:%d:%d:%d", s->units, s->kernel, s->stride);
        } else {
            snprintf(item, sizeof item, "dense:%d", s->units);
        }
        int w = snprintf(used < len ? buf + used : NULL, used < len ? len - used : 0, "%s%s",
                         l ? "," : "", item);
        used += (size_t)w;
    }
    return (int)used;
}

bcn_status bcn_net_config_shape(bcn_ctx *ctx, const bcn_net_config *cfg, int l, bcn_shape *out)
{
    if (!cfg || !out || l < 0 || l > cfg->n_layers || cfg->n_layers > BCN_MAX_LAYERS)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "bcn_net_config_shape: bad layer %d", l);
    bcn_shape s = cfg->input;
    if (s.c < 1 || s.h < 1 || s.w < 1 || (double)s.c * s.h * s.w > MAX_UNITS)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                             "input shape %d x %d x %d: each extent must be >= 1 and the "
                             "product at most %d",
                             s.c, s.h, s.w, MAX_UNITS);
    for (int i = 0; i < l; i++) {
        const bcn_layer_spec *sp = &cfg->layers[i];
        if (sp->kind == BCN_LAYER_CONV2D) {
            long hs = (long)s.h + 2L * sp->pad - sp->kernel;
            long ws = (long)s.w + 2L * sp->pad - sp->kernel;
            if (sp->kernel < 1 || sp->stride < 1 || sp->pad < 0 || hs < 0 || ws < 0)
                return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                                     "layer %d (conv:%d:%d:%d:%d) does not fit its %d x %d x %d "
                                     "input: kernel and stride must be >= 1, padding >= 0, and "
                                     "the kernel no larger than the padded map",
                                     i + 1, sp->units, sp->kernel, sp->stride, sp->pad, s.c, s.h,
                                     s.w);
            s = (bcn_shape){sp->units, (int)(hs / sp->stride) + 1, (int)(ws / sp->stride) + 1};
        } else {
            s = (bcn_shape){sp->units, 1, 1};
        }
        if (sp->units < 1 || (double)s.c * s.h * s.w > MAX_UNITS)
            return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                                 "layer %d has %d x %d x %d = %.0f units: it must have 1 to %d",
                                 i + 1, s.c, s.h, s.w, (double)s.c * s.h * s.w, MAX_UNITS);
    }
    *out = s;
    return BCN_OK;
}

/* finite and >= 0 */
static int nonneg(float v) { return isfinite(v) && v >= 0.0f; }

bcn_status bcn_net_config_check(bcn_ctx *ctx, const bcn_net_config *cfg)
{
    if (!cfg)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "network config is NULL");
    if (cfg->n_layers < 1 || cfg->n_layers > BCN_MAX_LAYERS)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                             "n_layers = %d: a network has 1 to %d weight layers", cfg->n_layers,
                             BCN_MAX_LAYERS);
    for (int l = 0; l < cfg->n_layers; l++) {
        const bcn_layer_spec *sp = &cfg->layers[l];
        if ((unsigned)sp->kind > BCN_LAYER_CONV2D)
            return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "layer %d has unknown kind %d", l + 1,
                                 (int)sp->kind);
        if (sp->kind == BCN_LAYER_CONV2D && l > 0 && cfg->layers[l - 1].kind == BCN_LAYER_DENSE)
            return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                                 "layer %d is conv but follows a dense layer (conv layers come "
                                 "first)",
                                 l + 1);
    }
    if (cfg->layers[cfg->n_layers - 1].kind != BCN_LAYER_DENSE)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                             "the output layer (layer %d) must be dense", cfg->n_layers);
    bcn_shape s;
    bcn_status st = bcn_net_config_shape(ctx, cfg, cfg->n_layers, &s);
    if (st != BCN_OK)
        return st;
    if ((unsigned)cfg->rule >= BCN_RULE_COUNT)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "unknown rule %d", (int)cfg->rule);
    for (int l = 0; l < cfg->n_layers; l++)
        if (!nonneg(cfg->lr[l]))
            return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                                 "learning rate of layer %d is %g: must be finite and >= 0",
                                 l + 1, (double)cfg->lr[l]);
    if (!(cfg->p_baseline > 0.0f && cfg->p_baseline < 1.0f))
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                             "p_baseline = %g: must lie strictly between 0 and 1",
                             (double)cfg->p_baseline);
    if (!isfinite(cfg->error_scale))
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "error_scale must be finite");
    if (cfg->y_mode == BCN_FB_WSYM || (unsigned)cfg->y_mode > BCN_FB_WSYM)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                             "y_mode %s: Y takes random, sym or tied", bcn_fb_mode_str(cfg->y_mode));
    if ((unsigned)cfg->q_mode > BCN_FB_WSYM)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "unknown q_mode %d", (int)cfg->q_mode);
    struct { const char *name; float v; } nn[] = {
        {"y_scale", cfg->y_scale}, {"y_lr", cfg->y_lr},         {"q_scale", cfg->q_scale},
        {"q_lr", cfg->q_lr},       {"r_scale", cfg->r_scale},   {"r_lr", cfg->r_lr},
        {"momentum", cfg->momentum}, {"weight_decay", cfg->weight_decay},
        {"adam_eps", cfg->adam_eps},
    };
    for (size_t i = 0; i < sizeof nn / sizeof nn[0]; i++)
        if (!nonneg(nn[i].v))
            return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "%s = %g: must be finite and >= 0",
                                 nn[i].name, (double)nn[i].v);
    if ((unsigned)cfg->optimizer > BCN_OPT_ADAM)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "unknown optimizer %d", (int)cfg->optimizer);
    if (!(cfg->adam_beta1 >= 0.0f && cfg->adam_beta1 < 1.0f && cfg->adam_beta2 >= 0.0f &&
          cfg->adam_beta2 < 1.0f))
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "Adam betas must lie in [0, 1)");
    if (cfg->weight_decay >= 1.0f)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                             "weight_decay = %g: decoupled decay must be < 1",
                             (double)cfg->weight_decay);
    return BCN_OK;
}
