/*
 * netdesc.h — how the programs (burstccn, burstccn-bench) describe a
 * network's layers in text, figure labels and JSON, one way for all.
 */
#ifndef BCN_NETDESC_H
#define BCN_NETDESC_H

#include <stddef.h>

#include "burstccn.h"
#include "json.h"

/* One-line description: "784-500-500-500-10" for a dense net, else the
 * input shape and the --arch items ("1x28x28,conv:32:5:2,dense:256,dense:10"). */
void bcn_net_desc(const bcn_net_config *cfg, char *buf, size_t len);
/* The rule's training settings in one line, only what the rule uses:
 * "lr 3.2 hidden / 0.32 output, momentum 0.8, weight decay 1e-06, p_b 0.2,
 * Y random std 1, R std 0.01 lr 0.0001" (Burstprop's defaults). */
void bcn_net_settings_desc(const bcn_net_config *cfg, char *buf, size_t len);
/* 1 when any layer is a conv layer. */
int bcn_net_has_conv(const bcn_net_config *cfg);
/* Label of layer l (1..L) for tables and figures: "conv 1 (32@12x12, 5x5/2)"
 * or "dense 3 (256)". */
void bcn_layer_label(const bcn_net_config *cfg, int l, char *buf, size_t len);
/* Short label: "conv1", "dense3". */
void bcn_layer_short_label(const bcn_net_config *cfg, int l, char *buf, size_t len);
/* JSON members "arch" (the --arch string with the output layer), "input"
 * [c, h, w], "sizes" (n_0..n_L, flattened) and "layers" (kind, units or
 * channels, kernel, stride, pad, output shape, weight shape). */
void bcn_json_net(bcn_json *j, const bcn_net_config *cfg);
/* Members describing the whole network configuration, the one writer
 * `burstccn` and `burstccn-bench` share: "rule", bcn_json_net's members,
 * "hidden", "conv_feedback_learning", "lr" (one per layer), the optimiser,
 * the feedback settings, "seed" and "settings_desc" (bcn_net_settings_desc). */
void bcn_json_net_config(bcn_json *j, const bcn_net_config *cfg);

#endif /* BCN_NETDESC_H */
