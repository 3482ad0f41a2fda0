/*
 * burstccn.h — public API of libburstccn.
 *
 * libburstccn trains sigmoid networks of dense and convolutional layers
 * with four learning rules —
 * BurstCCN (Greedy et al. 2022), Burstprop (Payeur et al. 2021), feedback
 * alignment and backprop — on a plain-C reference backend ("ref") or on any
 * OpenCL device ("cl:P:D"), and compares the rules' update signals.
 * The mathematics is in docs/math.md (installed with the documentation);
 * "SPEC §N" below and in the sources refers to its section N.
 *
 * Conventions
 *  - Every function that can fail returns a bcn_status; the human-readable
 *    detail is kept on the bcn_ctx and read back with bcn_errmsg().
 *  - Matrices are row-major float arrays. Layers are numbered 1..L as in
 *    SPEC §1: a dense W_l is n_l x n_{l-1}; Y_l, Q_l (l = 1..L-1) have the
 *    shape of W_{l+1}. Activations of conv layers are NCHW (SPEC §12): one
 *    row per example, flattened channel-major (c·H·W + y·W + x), which is
 *    also how a dense layer above reads them; a conv W_l is
 *    C_l x C_{l-1} x k x k (as a matrix: C_l rows, C_{l-1} k² columns).
 *  - The library never prints and never aborts.
 *  - Every function refuses NULL handles: a NULL context, network,
 *    configuration, dataset, split, generator, input or output pointer is
 *    BCN_ERR_INVALID_ARG (the message on the context when there is one, and
 *    no message when the context itself is NULL); a function returning
 *    nothing then does nothing, and one returning a value returns NULL, 0
 *    or the default it documents. Pointers documented as optional ("may be
 *    NULL") are the exceptions, among them the context of the functions
 *    that use it only for the error message: bcn_net_config_set_arch,
 *    bcn_net_config_shape, bcn_net_config_check, bcn_order_init,
 *    bcn_checkpoint_app, bcn_idx_read, bcn_dataset_load and
 *    bcn_dataset_augment.
 *  - Threads: a context and everything made on it (networks, its device's
 *    buffers) are used by one thread at a time; use one context per thread,
 *    as SQLite's connections. Contexts share nothing mutable but the OpenCL
 *    runtime's and CLBlast's own caches, which are thread-safe.
 */
#ifndef BURSTCCN_H
#define BURSTCCN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(BCN_BUILDING) && defined(__GNUC__)
#define BCN_API __attribute__((visibility("default")))
#else
#define BCN_API
#endif

/* ------------------------------------------------------------------ status */

/* X-macro: one list makes both the enum and the strings. */
#define BCN_STATUS_LIST(X)                                                  \
    X(BCN_OK, 0, "success")                                                 \
    X(BCN_ERR_INVALID_ARG, 1, "invalid argument")                           \
    X(BCN_ERR_NOMEM, 2, "out of memory")                                    \
    X(BCN_ERR_IO, 3, "input/output error")                                  \
    X(BCN_ERR_FORMAT, 4, "malformed data")                                  \
    X(BCN_ERR_NO_DEVICE, 5, "no such device")                               \
    X(BCN_ERR_OPENCL, 6, "OpenCL error")                                    \
    X(BCN_ERR_KERNEL_BUILD, 7, "OpenCL kernel build failed")                \
    X(BCN_ERR_BLAS, 8, "CLBlast error")                                     \
    X(BCN_ERR_UNSUPPORTED, 9, "not supported")                              \
    X(BCN_ERR_STATE, 10, "invalid state")

typedef enum bcn_status {
#define BCN_STATUS_ENUM_(name, value, text) name = value,
    BCN_STATUS_LIST(BCN_STATUS_ENUM_)
#undef BCN_STATUS_ENUM_
} bcn_status;

/* Short English description of a status code ("out of memory"). */
BCN_API const char *bcn_status_str(bcn_status status);

/* ----------------------------------------------------------------- context */

/* A context owns one device (backend instance) and the last error message. */
typedef struct bcn_ctx bcn_ctx;

/* Create a context with no device yet; NULL only when out of memory. */
BCN_API bcn_ctx *bcn_ctx_new(void);
/* Destroy a context (after every network made on it). NULL is a no-op. */
BCN_API void bcn_ctx_free(bcn_ctx *ctx);
/* Open the device named by `spec` ("ref", "cl", "cl:P:D", a name substring,
 * or NULL/"" for the default: first OpenCL device, else ref), replacing the
 * one open before. BCN_ERR_STATE while networks made on the context still
 * exist (they live on its device). */
BCN_API bcn_status bcn_ctx_open_device(bcn_ctx *ctx, const char *spec);
/* Detail of the last error on this context ("" when none). Never NULL. */
BCN_API const char *bcn_errmsg(const bcn_ctx *ctx);
/* Status of the last error on this context (BCN_OK when none; for a NULL
 * context BCN_ERR_NOMEM, as when bcn_ctx_new failed). */
BCN_API bcn_status bcn_errcode(const bcn_ctx *ctx);
/* Forget the last error. */
BCN_API void bcn_clear_error(bcn_ctx *ctx);
/* Block until all work queued on the context's device has finished. */
BCN_API bcn_status bcn_ctx_finish(bcn_ctx *ctx);

/* ----------------------------------------------------------------- devices */

typedef enum bcn_device_type {
    BCN_DEVICE_REF = 0, /* the plain-C reference backend */
    BCN_DEVICE_CPU,
    BCN_DEVICE_GPU,
    BCN_DEVICE_ACCELERATOR,
    BCN_DEVICE_OTHER
} bcn_device_type;

typedef struct bcn_device_info {
    char id[32];        /* what --device takes: "ref" or "cl:P:D" */
    char backend[8];    /* "ref" or "cl" */
    bcn_device_type type;
    char name[256];
    char vendor[256];
    char version[128];  /* OpenCL version string ("" for ref) */
    char driver[128];   /* driver version ("" for ref) */
    char platform[256]; /* OpenCL platform name ("" for ref) */
    unsigned compute_units;
    uint64_t global_mem_bytes;
} bcn_device_info;

/* "ref", "cpu", "gpu", "accelerator" or "other". */
BCN_API const char *bcn_device_type_str(bcn_device_type type);
/* List every device: ref first, then each OpenCL device. The array is
 * malloc'd; free it with bcn_devices_free(). When OpenCL contributes no
 * device the call still succeeds and bcn_errmsg(ctx) says why. */
BCN_API bcn_status bcn_devices_list(bcn_ctx *ctx, bcn_device_info **out,
                                    size_t *count);
/* Free an array returned by bcn_devices_list(). */
BCN_API void bcn_devices_free(bcn_device_info *list);
/* Resolve a device spec (see bcn_ctx_open_device) to one device. */
BCN_API bcn_status bcn_device_resolve(bcn_ctx *ctx, const char *spec,
                                      bcn_device_info *out);
/* Information on the device the context has open. */
BCN_API bcn_status bcn_ctx_device(const bcn_ctx *ctx, bcn_device_info *out);

/* Work the open device has been given since it opened or the last reset.
 * launches: kernel launches, each of the library's own OpenCL kernels one
 * and each CLBlast routine call one (CLBlast may enqueue more than one
 * kernel inside a call, so the true kernel count is at least this);
 * blas_calls: the GEMM calls among them (CLBlast's or the own GEMM
 * kernels'); transfers: host<->device buffer reads and writes,
 * transfer_bytes their size. The reference
 * backend launches nothing (launches = blas_calls = 0) and counts its
 * buffer reads and writes as transfers. */
typedef struct bcn_counters {
    unsigned long long launches;
    unsigned long long blas_calls;
    unsigned long long transfers;
    unsigned long long transfer_bytes;
} bcn_counters;
/* Copy the open device's counters into *out (NULL: none), then set them
 * to 0 when reset != 0. BCN_ERR_STATE when no device is open. */
BCN_API bcn_status bcn_ctx_counters(bcn_ctx *ctx, int reset, bcn_counters *out);

/* ------------------------------------------------------------ random numbers */

/* xoshiro256** seeded through splitmix64 (Blackman & Vigna); normals by the
 * Box–Muller transform in double precision. The same seed gives the same
 * uniform stream everywhere; normals use libm's log, sqrt, cos and may
 * differ in the last bits across libm versions. */
typedef struct bcn_rng {
    uint64_t s[4];
    double spare;   /* second Box–Muller normal */
    int has_spare;
} bcn_rng;

/* Seed the generator (every seed, 0 included, is valid). */
BCN_API void bcn_rng_seed(bcn_rng *rng, uint64_t seed);
/* Next 64 random bits. */
BCN_API uint64_t bcn_rng_u64(bcn_rng *rng);
/* Uniform double in [0, 1) with 53 random bits. */
BCN_API double bcn_rng_uniform(bcn_rng *rng);
/* Standard normal double. */
BCN_API double bcn_rng_normal(bcn_rng *rng);
/* Uniform integer in [0, n) without modulo bias (n > 0; n = 0 gives 0). */
BCN_API uint64_t bcn_rng_below(bcn_rng *rng, uint64_t n);
/* Fisher–Yates shuffle of idx[0..n). */
BCN_API void bcn_rng_shuffle(bcn_rng *rng, int *idx, int n);

/* ------------------------------------------------------------- data order */

/* The order in which training examples are visited, shared by every program
 * (burstccn train and compare, every burstccn-bench command), so that one
 * seed gives one data order everywhere. A permutation of n examples is
 * shuffled in place (bcn_rng_shuffle) at the start of every epoch by `rng`,
 * seeded with seed XOR 0x9E3779B97F4A7C15, and cut into batches in order;
 * the last batch of an epoch may be smaller. `aug` (seeded with seed XOR
 * 0xD1B54A32D192ED03) is the generator training augmentation draws from.
 * The whole state is these fields: a checkpoint stores and restores it. */
typedef struct bcn_order {
    bcn_rng rng;  /* shuffles */
    bcn_rng aug;  /* augmentation draws (bcn_dataset_augment) */
    int *perm;    /* n indices (malloc'd) */
    int n;        /* examples */
    int batch;    /* batch size */
    int pos;      /* index in perm of the next batch's first example */
    long epoch;   /* epochs started (shuffles done) */
} bcn_order;

/* Start the order of n examples in batches of `batch` (identity before the
 * first shuffle). BCN_ERR_INVALID_ARG for n < 1 or batch < 1,
 * BCN_ERR_NOMEM; errors go to ctx (which may be NULL). */
BCN_API bcn_status bcn_order_init(bcn_ctx *ctx, bcn_order *order, int n, int batch,
                                  uint64_t seed);
/* The next batch: *idx points at its indices (valid until the next call);
 * returns its size. Shuffles first when a new epoch starts. */
BCN_API int bcn_order_next(bcn_order *order, const int **idx);
/* 1 when the next batch starts a new epoch. */
BCN_API int bcn_order_epoch_done(const bcn_order *order);
/* Batches per epoch: ceil(n / batch). */
BCN_API long bcn_order_batches_per_epoch(const bcn_order *order);
/* Free the permutation (the struct itself is the caller's). NULL is a no-op. */
BCN_API void bcn_order_free(bcn_order *order);

/* ------------------------------------------------------- rules and options */

typedef enum bcn_rule {
    BCN_RULE_BURSTCCN = 0, /* SPEC §5 */
    BCN_RULE_BURSTPROP,    /* SPEC §6 */
    BCN_RULE_FA,           /* SPEC §4 */
    BCN_RULE_BACKPROP,     /* SPEC §3 */
    BCN_RULE_COUNT
} bcn_rule;

#define BCN_RULE_BIT(rule) (1u << (unsigned)(rule))
#define BCN_RULE_ALL ((1u << BCN_RULE_COUNT) - 1u)

typedef enum bcn_fb_mode {
    BCN_FB_RANDOM = 0, /* normal, std = scale */
    BCN_FB_SYM,        /* symmetric at start, then free */
    BCN_FB_TIED,       /* re-tied after every update */
    BCN_FB_WSYM        /* Q only: Q_l = p_b * scale * W_{l+1} at start */
} bcn_fb_mode;

typedef enum bcn_optimizer {
    BCN_OPT_SGD = 0,
    BCN_OPT_MOMENTUM,
    BCN_OPT_ADAM
} bcn_optimizer;

/* Names: "burstccn", "burstprop", "fa", "backprop". */
BCN_API const char *bcn_rule_str(bcn_rule rule);
/* Parse a rule name (case-insensitive); BCN_ERR_INVALID_ARG if unknown. */
BCN_API bcn_status bcn_rule_parse(const char *text, bcn_rule *out);
/* Names: "random", "sym", "tied", "wsym". */
BCN_API const char *bcn_fb_mode_str(bcn_fb_mode mode);
/* Parse a feedback mode name; BCN_ERR_INVALID_ARG if unknown. */
BCN_API bcn_status bcn_fb_mode_parse(const char *text, bcn_fb_mode *out);
/* Names: "sgd", "momentum", "adam". */
BCN_API const char *bcn_optimizer_str(bcn_optimizer opt);
/* Parse an optimiser name; BCN_ERR_INVALID_ARG if unknown. */
BCN_API bcn_status bcn_optimizer_parse(const char *text, bcn_optimizer *out);

/* ------------------------------------------------------------------ network */

#define BCN_MAX_LAYERS 16 /* weight layers L */

typedef enum bcn_layer_kind {
    BCN_LAYER_DENSE = 0, /* SPEC §2: v = x Wᵀ + c over the flattened input */
    BCN_LAYER_CONV2D     /* SPEC §12: 2-D cross-correlation, NCHW */
} bcn_layer_kind;

/* One weight layer. Conv layers come first; the last layer is dense. A
 * dense layer above a conv layer reads its maps flattened channel-major. */
typedef struct bcn_layer_spec {
    bcn_layer_kind kind;
    int units;  /* dense: units n_l; conv2d: output channels C_l */
    int kernel; /* conv2d: kernel size k (square), >= 1 */
    int stride; /* conv2d: stride s, >= 1 */
    int pad;    /* conv2d: zero padding on every side, >= 0 */
} bcn_layer_spec;

/* Shape of one example's activity: channels x rows x columns. A dense
 * layer's output is n x 1 x 1; a flat input of n values may be 1 x 1 x n. */
typedef struct bcn_shape {
    int c, h, w;
} bcn_shape;

typedef struct bcn_net_config {
    bcn_shape input;               /* shape of x_0 (784 inputs: 1 x 28 x 28 or 1 x 1 x 784) */
    int n_layers;                  /* L: number of weight layers (>= 1) */
    bcn_layer_spec layers[BCN_MAX_LAYERS]; /* layer l at index l-1 */
    bcn_rule rule;                 /* the rule the network trains with */
    float lr[BCN_MAX_LAYERS];      /* learning rate of W_l, c_l (index l-1) */
    float p_baseline;              /* p_b */
    float error_scale;             /* s of SPEC §5 (output burst gain) */
    bcn_fb_mode y_mode;
    float y_scale;
    float y_lr;                    /* 0: Y not learnt */
    bcn_fb_mode q_mode;
    float q_scale;
    float q_lr;                    /* 0: Q not learnt */
    int conv_feedback_learning;    /* learn Y_l, Q_l of conv layers l too (SPEC §12;
                                      0 by default, as the authors) */
    int recurrent;                 /* Burstprop: recurrent input R on (dense hidden layers) */
    float r_scale;                 /* std of R's initial normal draws (mean 0) */
    float r_lr;                    /* 0: R not learnt; its gradient is summed over
                                      the batch (SPEC §6), not averaged */
    bcn_optimizer optimizer;
    float momentum;
    float adam_beta1, adam_beta2, adam_eps;
    float weight_decay;            /* decoupled: W <- W - lr g - wd W (and c,
                                      except Burstprop's c: SPEC §6) */
    uint64_t seed;
} bcn_net_config;

/* Fill `cfg` with the defaults of `rule`'s own authors, 784-500-500-500-10
 * and seed 1 for every rule. BurstCCN, FA, backprop (SPEC §10): lr 0.3,
 * p_b 0.5, Y random std 0.5, Q sym (learnt at 7.31e-4 for BurstCCN), SGD.
 * Burstprop (SPEC §6, Payeur et al.): p_b 0.2, lr 3.2 hidden and 0.32
 * output, momentum 0.8, weight decay 1e-6, Y random std 1.0, recurrent
 * input R on (std 0.01, learnt at 1e-4). */
BCN_API void bcn_net_config_init(bcn_net_config *cfg, bcn_rule rule);
/* Like bcn_net_config_init but with one setting for every rule: BurstCCN's
 * (lr 0.3, p_b 0.5, Y std 0.5, SGD, no weight decay). Only what belongs to
 * the rule differs: Burstprop's recurrent input R, BurstCCN's learnt Q. */
BCN_API void bcn_net_config_init_shared(bcn_net_config *cfg, bcn_rule rule);
/* Set every layer's learning rate to `lr`. */
BCN_API void bcn_net_config_set_lr(bcn_net_config *cfg, float lr);
/* Make the network dense: n_in inputs (shape 1 x 1 x n_in), hidden layers
 * of widths hidden[0..n_hidden), n_out output units. This and
 * bcn_net_config_set_arch keep the learning rates by role when the layer
 * count changes: every hidden layer gets the old first layer's rate, the
 * output layer the old output layer's (so Burstprop keeps 3.2 / 0.32). */
BCN_API void bcn_net_config_set_dense(bcn_net_config *cfg, int n_in, int n_hidden,
                                      const int *hidden, int n_out);
/* Replace the hidden layers by those `arch` describes, keeping the input
 * shape and the output layer (dense, cfg's current last layer's units):
 * a comma list of `conv:C:K[:S[:P]]` (C channels, K x K kernel, stride S,
 * default 1, padding P, default 0) and `dense:N` items, "none" (no hidden
 * layer), or "cifar", the paper's CIFAR-10 net (SPEC §10:
 * conv:64:5:2,conv:128:5:2,conv:256:3:1,dense:1480). The message of an
 * error names the bad item. */
BCN_API bcn_status bcn_net_config_set_arch(bcn_ctx *ctx, bcn_net_config *cfg,
                                           const char *arch);
/* Write the layers as an --arch string, output layer included
 * ("conv:32:5:2,dense:256,dense:10"); returns the length it needed (as
 * snprintf: buf may be NULL when len is 0), -1 for a NULL cfg. */
BCN_API int bcn_net_config_arch_str(const bcn_net_config *cfg, char *buf, size_t len);
/* Shape of layer l's output e_l (l = 0: the input), following the conv
 * arithmetic of SPEC §12. BCN_ERR_INVALID_ARG if l or cfg is invalid. */
BCN_API bcn_status bcn_net_config_shape(bcn_ctx *ctx, const bcn_net_config *cfg, int l,
                                        bcn_shape *out);
/* Check a configuration; on error the message names the bad field. */
BCN_API bcn_status bcn_net_config_check(bcn_ctx *ctx,
                                        const bcn_net_config *cfg);

typedef struct bcn_net bcn_net;

/* Create a network on the context's device, initialised from cfg->seed as
 * SPEC §7 (host PRNG, so identical on every backend). */
BCN_API bcn_status bcn_net_create(bcn_ctx *ctx, const bcn_net_config *cfg,
                                  bcn_net **out);
/* Destroy a network. NULL is a no-op. */
BCN_API void bcn_net_destroy(bcn_net *net);
/* The configuration the network was made with. */
BCN_API const bcn_net_config *bcn_net_config_of(const bcn_net *net);
/* The context the network lives on. */
BCN_API bcn_ctx *bcn_net_ctx(const bcn_net *net);

/* Wall-clock split of one step; filled only when asked for (the device is
 * then synchronised between phases, which costs a little). */
typedef struct bcn_step_timing {
    double forward_s;  /* forward pass */
    double feedback_s; /* the rule's top-down sweep and gradients */
    double update_s;   /* optimiser, Y/Q/R learning, tying */
} bcn_step_timing;

/* One training step on a batch: x is batch x n_0 (n_0 = C H W of the input,
 * NCHW for conv nets), t is batch x n_L
 * (one-hot targets). Loss and accuracy of the batch are accumulated on the
 * device; read them with bcn_net_train_stats(). `timing` may be NULL. */
BCN_API bcn_status bcn_net_train_step(bcn_net *net, const float *x,
                                      const float *t, int batch,
                                      bcn_step_timing *timing);
/* Training steps the network has taken over its life (a loaded checkpoint
 * continues the count); 0 for NULL. */
BCN_API long bcn_net_steps(const bcn_net *net);
/* Divergence check, folded into the training statistics (no extra device
 * work): *step receives the index (0-based, counted as bcn_net_steps) of
 * the first training step whose batch loss was NaN or infinite, or -1 when
 * every step so far was finite. Reads the device's statistics slots. */
BCN_API bcn_status bcn_net_first_bad_step(bcn_net *net, long *step);
/* Read (and with reset != 0, clear) the training statistics accumulated
 * since the last reset: mean loss per SPEC §2, correct count, samples
 * (each output may be NULL). */
BCN_API bcn_status bcn_net_train_stats(bcn_net *net, int reset,
                                       double *mean_loss, long *n_correct,
                                       long *n_samples);
/* Replace the training statistics accumulated since the last reset by a
 * mean loss, correct count and samples (the units of bcn_net_train_stats):
 * how a data-parallel run keeps its whole statistics in one rank. */
BCN_API bcn_status bcn_net_set_train_stats(bcn_net *net, double mean_loss, long n_correct,
                                           long n_samples);
/* Compute, for the current weights and this batch, the update signal of
 * every rule in `rule_mask` (BCN_RULE_BIT) without changing any weight.
 * t == NULL means no teacher. Read them with bcn_net_get_signal(). */
BCN_API bcn_status bcn_net_compute_signals(bcn_net *net, const float *x,
                                           const float *t, int batch,
                                           unsigned rule_mask);
/* Forward pass only; copies the output rates e_L (batch x n_L) to `out`
 * when out != NULL. */
BCN_API bcn_status bcn_net_forward(bcn_net *net, const float *x, int batch,
                                   float *out);
/* Evaluate on n examples (in chunks): mean loss (SPEC §2) and the number of
 * misclassified examples (either output may be NULL). Labels must be < n_L. */
BCN_API bcn_status bcn_net_evaluate(bcn_net *net, const float *x,
                                    const uint8_t *labels, int n,
                                    double *mean_loss, long *n_errors);
/* FLOPs of one training step of the network's rule at this batch size
 * (2 per multiply-add of the GEMMs plus the element-wise work). */
BCN_API double bcn_net_step_flops(const bcn_net *net, int batch);

typedef enum bcn_param {
    BCN_PARAM_W = 0, /* W_l, l = 1..L: dense n_l x n_{l-1}; conv C_l x C_{l-1} k² */
    BCN_PARAM_C,     /* c_l, l = 1..L: dense n_l x 1; conv C_l x 1 */
    BCN_PARAM_Y,     /* Y_l, l = 1..L-1: the shape of W_{l+1} */
    BCN_PARAM_Q,     /* Q_l, l = 1..L-1: the shape of W_{l+1} */
    BCN_PARAM_R      /* R_l, dense hidden l only, n_l x n_l (Burstprop) */
} bcn_param;

/* Kind of layer l (1..L); BCN_LAYER_DENSE for an invalid l. */
BCN_API bcn_layer_kind bcn_net_layer_kind(const bcn_net *net, int layer);
/* Shape of a parameter (rows or cols may be NULL); BCN_ERR_INVALID_ARG if
 * it does not exist. */
BCN_API bcn_status bcn_net_param_shape(const bcn_net *net, bcn_param param,
                                       int layer, int *rows, int *cols);
/* Copy a parameter from the device to `out` (rows*cols floats). */
BCN_API bcn_status bcn_net_get_param(bcn_net *net, bcn_param param, int layer,
                                     float *out);
/* Overwrite a parameter on the device from `in` (rows*cols floats). */
BCN_API bcn_status bcn_net_set_param(bcn_net *net, bcn_param param, int layer,
                                     const float *in);
/* Copy the last computed update signal of `rule` for layer l (∇W_l and
 * ∇c_l, shaped as BCN_PARAM_W and BCN_PARAM_C; either pointer may be
 * NULL). The training step fills its own rule's signal;
 * bcn_net_compute_signals fills any. */
BCN_API bcn_status bcn_net_get_signal(bcn_net *net, bcn_rule rule, int layer,
                                      float *grad_w, float *grad_c);

/* ------------------------------------------------------- data parallelism */

/* A sum over processes, called by bcn_net_train_shard once per step with
 * every gradient of the step packed into one buffer: replace data[0..n)
 * by its element-wise sum over all processes and return BCN_OK. `failed`
 * is nonzero when this process's own part of the step failed (the data is
 * then zeros): every process must still call the reduction, so that a
 * failure stops all of them instead of leaving the others waiting; return
 * an error (message in msg) when any process failed. */
typedef bcn_status (*bcn_reduce_fn)(void *user, float *data, size_t n, int failed, char *msg,
                                    size_t msglen);
/* Install the reduction bcn_net_train_shard uses (NULL: none, a single
 * process). */
BCN_API bcn_status bcn_net_set_reducer(bcn_net *net, bcn_reduce_fn fn, void *user);
/* One data-parallel training step: this process's `batch` rows (0 allowed)
 * of a global minibatch of `global_batch` rows that several processes share.
 * Each computes its rule's signals on its rows, scales them by
 * batch / global_batch, packs every learnt gradient (W, c, and the Y, Q, R
 * updates) into one buffer, sums it with the reducer, and applies the same
 * optimiser step, so that every process keeps identical weights equal
 * (within rounding) to one process training on the whole minibatch. The
 * training statistics count this process's rows only. */
BCN_API bcn_status bcn_net_train_shard(bcn_net *net, const float *x, const float *t, int batch,
                                       int global_batch, bcn_step_timing *timing);
/* Number of floats bcn_net_train_shard packs per step (for the benchmark). */
BCN_API size_t bcn_net_shard_floats(const bcn_net *net);

/* MPI support (built with ./configure --with-mpi; see bcn_mpi_built). */
/* 1 when the library was built with MPI. */
BCN_API int bcn_mpi_built(void);
/* A bcn_reduce_fn over MPI_COMM_WORLD (user is unused): one MPI_Allreduce
 * of the failure flags (which rank failed first) and one of the data.
 * BCN_ERR_UNSUPPORTED without MPI. */
BCN_API bcn_status bcn_mpi_reduce(void *user, float *data, size_t n, int failed, char *msg,
                                  size_t msglen);

/* -------------------------------------------------------------- checkpoints */

/* Checkpoint file format version written by this library; files of a newer
 * version are refused. The format is in docs/checkpoint.md. */
#define BCN_CHECKPOINT_VERSION 1

/* Save the whole training state to `path`, atomically (a temporary file in
 * the same folder, fsync'd, then renamed; removed on failure): the
 * configuration and layers, every parameter (W, c, Y, Q, R), the optimiser
 * state (momentum, Adam moments and step), the step count and the training
 * statistics accumulated since their last reset, the data order `order`
 * (may be NULL) and `app_len` bytes of the application's own (`app`, may be
 * NULL: stored verbatim). Reading the state synchronises the device. */
BCN_API bcn_status bcn_net_save(bcn_net *net, const bcn_order *order, const void *app,
                                size_t app_len, const char *path);
/* Load a file written by bcn_net_save into a new network on ctx's device,
 * which then continues exactly where the saved one stopped. When `order`
 * is not NULL it receives the saved data order (order->perm NULL when the
 * file has none; free it with bcn_order_free); when `app` is not NULL it
 * receives a malloc'd copy of the application bytes (NULL, *app_len 0 when
 * none). A missing file is BCN_ERR_IO; a truncated, corrupted (checksum),
 * foreign or inconsistent file BCN_ERR_FORMAT and one from a newer format
 * version BCN_ERR_UNSUPPORTED, the message naming the file and the
 * problem. Nothing is allocated from a size the file does not prove. */
BCN_API bcn_status bcn_net_load(bcn_ctx *ctx, const char *path, bcn_net **net,
                                bcn_order *order, void **app, size_t *app_len);

/* Read only the application bytes of a checkpoint (the file is checked as
 * by bcn_net_load, no device or network is needed): *app is malloc'd, or
 * NULL with *app_len 0 when the file has none. ctx may be NULL. */
BCN_API bcn_status bcn_checkpoint_app(bcn_ctx *ctx, const char *path, void **app,
                                      size_t *app_len);

/* ------------------------------------------------------------------ angles */

typedef struct bcn_angle {
    int valid;      /* 0 when either vector has zero norm (no angle) */
    double degrees; /* in [0, 180] when valid */
    double norm_a;  /* ||a|| */
    double norm_b;  /* ||b|| */
} bcn_angle;

/* Angle from a·b, a·a and b·b in degrees (SPEC §9), cosine clipped to
 * [-1, 1]; valid = 0 (degrees 0) when a norm is zero. */
BCN_API bcn_angle bcn_angle_from_dots(double ab, double aa, double bb);
/* Angle between two float vectors of length n, in double precision (no
 * angle, valid = 0, when a or b is NULL). */
BCN_API bcn_angle bcn_vec_angle(const float *a, const float *b, size_t n);

typedef struct bcn_comparison {
    int n_layers;
    /* [rule][l-1]: angle of the rule's ∇W_l to backprop's; norm_a is the
     * rule's update norm, norm_b backprop's. Backprop's own row is 0°. */
    bcn_angle to_bp[BCN_RULE_COUNT][BCN_MAX_LAYERS];
    bcn_angle to_bp_global[BCN_RULE_COUNT]; /* all layers concatenated */
    bcn_angle w_y[BCN_MAX_LAYERS];   /* [l-1]: ∠(W_{l+1}, Y_l), l < L */
    bcn_angle y_q[BCN_MAX_LAYERS];   /* [l-1]: ∠(Y_l, Q_l), l < L */
} bcn_comparison;

/* On one batch and the current weights, compute every rule's update and
 * the angles of SPEC §9. No weight changes. */
BCN_API bcn_status bcn_net_compare(bcn_net *net, const float *x,
                                   const float *t, int batch,
                                   bcn_comparison *out);

/* -------------------------------------------------------------------- data */

/* An IDX file (SPEC §11): unsigned-byte payload, up to 4 dimensions. */
typedef struct bcn_idx {
    int ndim;
    uint32_t dims[4];
    size_t count;  /* product of dims */
    uint8_t *data; /* count bytes */
} bcn_idx;

/* Read an IDX file, gzip-compressed or plain. Wrong magic, truncation,
 * absurd dimensions and trailing data are BCN_ERR_FORMAT; a missing file
 * BCN_ERR_IO; the message names the file. Memory is allocated only for
 * bytes the file holds, never for a header's claim alone. */
BCN_API bcn_status bcn_idx_read(bcn_ctx *ctx, const char *path,
                                bcn_idx **out);
/* Free an IDX file. NULL is a no-op. */
BCN_API void bcn_idx_free(bcn_idx *idx);

/* One split of a dataset: n examples of dim floats, each channel-major
 * (c·rows·cols + y·cols + x); pixels scaled to [0, 1], then normalised per
 * channel when the dataset says so (bcn_dataset.normalized). */
typedef struct bcn_split {
    int n;
    float *x;      /* n x dim */
    uint8_t *y;    /* n labels in [0, n_classes) */
} bcn_split;

typedef struct bcn_dataset {
    char name[64];     /* "fashion-mnist", "cifar10" or the directory's name */
    char path[4096];   /* directory the files came from */
    int dim;           /* channels x rows x cols: 784 (MNIST), 3072 (CIFAR-10) */
    int channels;      /* 1 for IDX data, 3 (R, G, B) for CIFAR-10 */
    int rows, cols;    /* image shape: 28x28 (MNIST), 32x32 (CIFAR-10) */
    int n_classes;     /* 10 */
    int normalized;    /* 1: x' = (x/255 - mean_c) / std_c was applied (SPEC §10) */
    float pad_value[3]; /* [c < channels]: the value a 0 pixel became (0 when
                          not normalised, -mean_c/std_c when normalised);
                          bcn_dataset_augment pads with it */
    bcn_split train;
    bcn_split val;     /* last `validation` examples of the training set */
    bcn_split test;
} bcn_dataset;

typedef struct bcn_data_options {
    int train_limit; /* use the first N training examples (0: all) */
    int test_limit;  /* use the first N test examples (0: all) */
    int validation;  /* hold out the last N training examples (0: none) */
    int normalize;   /* per-channel normalisation with SPEC §10's mean
                        (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225):
                        0 the dataset's default (on for CIFAR-10, off for IDX
                        data), 1 on (CIFAR-10 only), -1 off */
} bcn_data_options;

/* Load a dataset. `source` is one of
 *  - "fashion-mnist" (Debian's dataset-fashion-mnist), "mnist" (Debian's
 *    dataset-mnist, if installed);
 *  - "cifar10:DIR": the CIFAR-10 binary version (SPEC §11), DIR holding
 *    data_batch_1.bin .. data_batch_5.bin and test_batch.bin (or holding
 *    cifar-10-batches-bin/ with them); "cifar10" alone reads the directory
 *    named by $BURSTCCN_CIFAR10, and without it fails saying where to get
 *    the data;
 *  - a directory holding either the four IDX files train-images-idx3-ubyte,
 *    train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte
 *    (each optionally .gz) or the six CIFAR-10 batches.
 * The limits are applied before reading: only the records kept are read and
 * converted (the training batches in order 1..5), though all six CIFAR-10
 * files must be present with a size that is a whole number of 3073-byte
 * records. A missing file is BCN_ERR_IO; a bad file (empty, cut record,
 * label > 9, IDX errors) BCN_ERR_FORMAT, its message naming the file.
 * `opts` may be NULL (all defaults). */
BCN_API bcn_status bcn_dataset_load(bcn_ctx *ctx, const char *source,
                                    const bcn_data_options *opts,
                                    bcn_dataset **out);
/* Free a dataset. NULL is a no-op. */
BCN_API void bcn_dataset_free(bcn_dataset *ds);
/* Gather a minibatch: rows idx[0..batch) of split into x (batch x dim) and
 * one-hot targets t (batch x n_classes); x or t may be NULL (not gathered). */
BCN_API void bcn_dataset_batch(const bcn_dataset *ds, const bcn_split *split,
                               const int *idx, int batch, float *x, float *t);
/* Training augmentation of SPEC §10, in place on x (batch x dim, as gathered
 * by bcn_dataset_batch), for images of ds's shape (C x H x W, any dataset).
 * For each image in turn it draws dy = bcn_rng_below(rng, 9), then
 * dx = bcn_rng_below(rng, 9), then flip = bcn_rng_below(rng, 2), and writes
 *     out(c, y, x) = padded(c, y + dy, x' + dx),  x' = flip ? W-1-x : x,
 * where padded is the image with 4 pixels of ds->pad_value[c] on every
 * side (padded(c, i, j) = in(c, i-4, j-4) inside): a random H x W crop of
 * the padded image, then a horizontal flip of the crop — torchvision's
 * RandomCrop(size, padding=4) and RandomHorizontalFlip before Normalize.
 * batch 0 is a no-op; NULL arguments, batch < 0 and a dataset whose shape is
 * inconsistent are BCN_ERR_INVALID_ARG, a failed scratch allocation (one
 * image) BCN_ERR_NOMEM; errors are reported on ctx (which may be NULL). */
BCN_API bcn_status bcn_dataset_augment(bcn_ctx *ctx, const bcn_dataset *ds,
                                       bcn_rng *rng, float *x, int batch);

/* ------------------------------------------------------- data on the device */

/* The splits of a dataset a network can hold on its device. */
typedef enum bcn_split_id {
    BCN_SPLIT_TRAIN = 0,
    BCN_SPLIT_VAL,
    BCN_SPLIT_TEST,
    BCN_SPLIT_COUNT
} bcn_split_id;

/* Bytes bcn_net_attach_data puts on the device for ds: every example of
 * every split as dim floats plus one float label (0 for NULL). */
BCN_API uint64_t bcn_dataset_device_bytes(const bcn_dataset *ds);
/* Upload every split of ds (inputs and labels) to the network's device
 * once, replacing any attached before, for bcn_net_train_step_rows and
 * bcn_net_evaluate_attached. The data must fit in max_bytes, or with
 * max_bytes 0 in the device's global memory less room for the network
 * (what is left after twice an estimate of the network's buffers and an
 * eighth of the memory; no limit when the device reports none, as ref).
 * BCN_ERR_NOMEM when it does not fit or an allocation fails: nothing is
 * attached and the caller can go on with host batches. ds's dim and
 * n_classes must match the network's input and output; labels < n_classes,
 * fewer than 2^24 examples per split. */
BCN_API bcn_status bcn_net_attach_data(bcn_net *net, const bcn_dataset *ds, uint64_t max_bytes);
/* Free the attached data (no-op when none; bcn_net_destroy does it too). */
BCN_API void bcn_net_detach_data(bcn_net *net);
/* 1 when the network holds data attached by bcn_net_attach_data. */
BCN_API int bcn_net_has_data(const bcn_net *net);
/* bcn_net_train_step on rows idx[0..batch) of the attached training split,
 * gathered on the device (only the indices are uploaded): bit-identical to
 * bcn_dataset_batch followed by bcn_net_train_step. Indices must lie in
 * [0, train.n); `timing` may be NULL. */
BCN_API bcn_status bcn_net_train_step_rows(bcn_net *net, const int *idx, int batch,
                                           bcn_step_timing *timing);
/* bcn_net_evaluate over the whole attached split `which`, read from device
 * memory (the same results; either output may be NULL). BCN_ERR_STATE when
 * nothing is attached or the split is empty. */
BCN_API bcn_status bcn_net_evaluate_attached(bcn_net *net, bcn_split_id which,
                                             double *mean_loss, long *n_errors);

/* ------------------------------------------------------------------ tuning */

/* GEMM tuning (OpenCL devices). CLBlast ships tuned GEMM parameters for
 * some devices only; elsewhere (PoCL on CPUs, say) it runs generic ones.
 * bcn_net_tune times candidate parameter sets on the GEMM shapes of a
 * network's training step and evaluation chunks, keeps the best set that
 * still matches a double-precision host GEMM (relative error <= 1e-4), and
 * stores it in a cache file ($BURSTCCN_CACHE_DIR, else
 * $XDG_CACHE_HOME/burstccn, else ~/.cache/burstccn) keyed by device name,
 * driver version and CLBlast version. Opening that device again applies the
 * cached set at once. CLBlast holds one set per device and kernel for the
 * whole process, so the set tuned last for a device serves every network
 * on it. The same folder caches built OpenCL programs (kernels-*.bin).
 * Deleting the folder clears both. */
typedef enum bcn_tune_mode {
    BCN_TUNE_DEFAULT = 0, /* $BURSTCCN_TUNE ("auto" or "off"), else auto */
    BCN_TUNE_AUTO,        /* apply the cached parameters when opening a device */
    BCN_TUNE_OFF,         /* CLBlast's own parameters; the cache is not read */
    BCN_TUNE_FORCE        /* as auto when opening; programs then search anew */
} bcn_tune_mode;

/* Names: "default", "auto", "off", "force". */
BCN_API const char *bcn_tune_mode_str(bcn_tune_mode mode);
/* Parse "auto", "off" or "force"; BCN_ERR_INVALID_ARG otherwise. */
BCN_API bcn_status bcn_tune_mode_parse(const char *text, bcn_tune_mode *out);
/* How the next bcn_ctx_open_device treats cached GEMM parameters. OFF on a
 * device whose parameters this process already changed restores CLBlast's
 * defaults. */
BCN_API void bcn_ctx_set_tune_mode(bcn_ctx *ctx, bcn_tune_mode mode);
/* 1 when the device open on ctx runs tuned GEMM parameters (applied from
 * the cache or by bcn_net_tune), else 0. */
BCN_API int bcn_ctx_gemm_tuned(const bcn_ctx *ctx);
/* A warning from the last bcn_ctx_open_device that did not stop it (a
 * corrupt or foreign tuning cache file, ignored); "" when none. */
BCN_API const char *bcn_ctx_warning(const bcn_ctx *ctx);

/* Which GEMM code an OpenCL device runs. The library's own kernels
 * (kernels/gemm.cl: register tiles in wide vectors, no local memory) are
 * several times faster than CLBlast on CPUs; GPUs run CLBlast, tuned per
 * device. Either way, results match the ref backend within the op tests'
 * tolerance. ref is unaffected. */
typedef enum bcn_gemm_engine {
    BCN_GEMM_DEFAULT = 0, /* $BURSTCCN_GEMM ("auto", "own" or "clblast"), else auto */
    BCN_GEMM_AUTO,        /* the own kernels on CPU devices, CLBlast elsewhere */
    BCN_GEMM_CLBLAST,     /* CLBlast for every GEMM */
    BCN_GEMM_OWN          /* the own kernels (CLBlast only for A^T B^T, which no step uses) */
} bcn_gemm_engine;

/* Names: "default", "auto", "clblast", "own". */
BCN_API const char *bcn_gemm_engine_str(bcn_gemm_engine engine);
/* Parse "auto", "clblast" or "own"; BCN_ERR_INVALID_ARG otherwise. */
BCN_API bcn_status bcn_gemm_engine_parse(const char *text, bcn_gemm_engine *out);
/* The GEMM engine the next bcn_ctx_open_device on ctx uses. */
BCN_API void bcn_ctx_set_gemm_engine(bcn_ctx *ctx, bcn_gemm_engine engine);
/* What runs the GEMMs of the device open on ctx: "ref", "own", "own
 * (tuned)", "clblast" or "clblast (tuned)"; "" when no device is open. */
BCN_API const char *bcn_ctx_gemm_name(const bcn_ctx *ctx);

/* One GEMM shape of the tuned mix and its rates. */
typedef struct bcn_tune_shape {
    int ta, tb, m, n, k;   /* C (m x n) = op(A) op(B) + beta C, op = transpose when t* != 0 */
    double beta;
    double weight;         /* calls per training step (evaluation: a fraction) */
    double untuned_gflops; /* with CLBlast's defaults (0: not measured) */
    double tuned_gflops;   /* with the chosen parameters */
} bcn_tune_shape;

#define BCN_TUNE_MAX_SHAPES 48

typedef struct bcn_tune_result {
    int searched;          /* 1: a search ran; 0: the cached set was applied */
    int candidates;        /* parameter sets compiled and timed */
    double seconds;        /* wall time of the call */
    double untuned_ms;     /* weighted GEMM time of one step, CLBlast defaults */
    double tuned_ms;       /* the same with the chosen parameters */
    int n_shapes;
    bcn_tune_shape shapes[BCN_TUNE_MAX_SHAPES];
    char params[1024];     /* the chosen parameters, one kernel per line */
    char cache_path[4200]; /* the cache file written or read ("" when none) */
    char note[512];        /* e.g. why the search stopped early ("" when none) */
} bcn_tune_result;

/* Progress of a search: `done` of `total` steps, `what` in words. */
typedef void (*bcn_tune_progress)(void *user, int done, int total, const char *what);

/* Tune CLBlast's GEMMs on the network's device for the shapes of its
 * training step at `batch` and of its evaluation chunks. Unless `force`, a
 * cached set tuned for the same shapes is applied instead of searching.
 * The search stops starting new candidates when `budget_s` (> 0) would be
 * exceeded; every candidate costs one compile of CLBlast's GEMM program.
 * On the ref device nothing is tuned (BCN_OK, searched 0, params "").
 * `progress` and `out` may be NULL. For an honest untuned baseline open the
 * device with BCN_TUNE_OFF first. */
BCN_API bcn_status bcn_net_tune(bcn_net *net, int batch, double budget_s, int force,
                                bcn_tune_progress progress, void *user,
                                bcn_tune_result *out);

/* --------------------------------------------------------------- version */

/* The library version, "MAJOR.MINOR.PATCH". */
BCN_API const char *bcn_version(void);

#ifdef __cplusplus
}
#endif
#endif /* BURSTCCN_H */
