/*
 * backend.h — the one interface every model is written against (internal).
 *
 * A backend is a table of functions plus a private `impl` pointer, in the
 * manner of ggml-backend. Buffers are opaque: model code never indexes device
 * memory, it only calls these slots. All matrices are row-major floats; `n`
 * counts elements. Every slot returns BCN_OK or sets the context's error
 * (through bcn_set_error) and returns its status. Unless a slot says
 * otherwise, outputs may not alias inputs.
 *
 * Numerical contract (what the ref backend does and cl must match within
 * float rounding): GEMMs and reductions accumulate in double on ref; the
 * element-wise formulas are exactly those written next to each slot.
 */
#ifndef BCN_BACKEND_H
#define BCN_BACKEND_H

#include <stddef.h>
#include "burstccn.h"

typedef struct bcn_buf bcn_buf; /* defined by each backend */
typedef struct bcn_backend bcn_backend;

/* Geometry of one 2-D convolution (SPEC §12): NCHW activations, square
 * kernels, zero padding, cross-correlation as PyTorch's conv2d. A batch of
 * inputs is batch x c_in x h_in x w_in, of outputs batch x c_out x h_out x
 * w_out, the kernel c_out x c_in x k x k, with
 * h_out = (h_in + 2 pad - k) / stride + 1 (likewise w_out). */
typedef struct bcn_conv_geom {
    int c_in, h_in, w_in;
    int c_out, h_out, w_out;
    int k, stride, pad;
} bcn_conv_geom;

/* Floats per block of the optimiser's hyper-parameter table, and floats
 * of the table per block (lr, wd, floats of the block in use). */
#define BCN_OPT_BLOCK 256
#define BCN_OPT_TABLE_STRIDE 3

/* What one optimiser step applies besides the per-block lr and wd. */
typedef struct bcn_optim_step {
    bcn_optimizer kind;      /* BCN_OPT_SGD, BCN_OPT_MOMENTUM or BCN_OPT_ADAM */
    float momentum;          /* momentum: mom */
    float beta1, beta2, eps; /* Adam */
    int step;                /* Adam: steps taken including this one (>= 1) */
} bcn_optim_step;

/* An optional bias gradient written by the op that writes a dense layer's
 * δ (n = rows x cols elements, viewed row-major as rows x cols):
 * gc[j] = alpha Σ_r δ[r][j] over the float δ the op stores, accumulated as
 * colsum does (double on ref) — the same value as colsum(rows, cols, 1,
 * alpha, δ, 0, gc). gc holds cols floats and may not alias the op's
 * buffers. A NULL bcn_bias_grad pointer: no bias gradient. */
typedef struct bcn_bias_grad {
    bcn_buf *gc;
    float alpha;
    int rows, cols;
} bcn_bias_grad;

/* Optional training statistics written by bias_sigmoid from the outputs it
 * computes (x viewed as rows x (cols inner)) and targets t of the same
 * shape: out[2 slot] = Σ (e − t)² over all elements (double on ref);
 * out[2 slot + 1] = number of rows whose argmax of e (first maximum)
 * equals argmax of t. A NULL bcn_out_stats pointer: no statistics. */
typedef struct bcn_out_stats {
    const bcn_buf *t;
    bcn_buf *out;
    int slot;
} bcn_out_stats;

struct bcn_backend {
    const char *name;  /* "ref" or "cl" */
    bcn_ctx *ctx;      /* errors are reported here */
    void *impl;        /* backend-private state */
    bcn_device_info info;
    /* What the backend has done (bcn_ctx_counters): each backend adds to
     * it at its launch helpers and buffer transfers. */
    bcn_counters counters;
    /* Offsets of views (buf_view) must be multiples of this many floats
     * (cl: CL_DEVICE_MEM_BASE_ADDR_ALIGN; ref: 1). A power of two. */
    size_t view_align;

    /* Release the backend and its private state (all buffers freed first). */
    void (*destroy)(bcn_backend *be);

    /* ---- buffers ---- */
    /* Allocate n floats (contents undefined). n == 0 allocates one float. */
    bcn_status (*buf_alloc)(bcn_backend *be, size_t n, bcn_buf **out);
    /* Free a buffer; NULL is a no-op. Freeing a view frees only the view. */
    void (*buf_free)(bcn_backend *be, bcn_buf *buf);
    /* *out = a view of floats [offset, offset + n) of `parent` (n >= 1),
     * usable wherever a buffer is (its element 0 is parent[offset]);
     * writes through it change the parent. offset must be a multiple of
     * view_align, parent must not itself be a view, and the parent must
     * outlive its views. */
    bcn_status (*buf_view)(bcn_backend *be, bcn_buf *parent, size_t offset, size_t n,
                           bcn_buf **out);
    /* dst[offset .. offset+n) = src[0..n) (host to device). */
    bcn_status (*buf_write)(bcn_backend *be, bcn_buf *dst, size_t offset,
                            size_t n, const float *src);
    /* dst[0..n) = src[offset .. offset+n) (device to host, blocking). */
    bcn_status (*buf_read)(bcn_backend *be, const bcn_buf *src, size_t offset,
                           size_t n, float *dst);
    /* x[0..n) = value. */
    bcn_status (*fill)(bcn_backend *be, size_t n, float value, bcn_buf *x);
    /* y = a x + b y over n elements; when b == 0, y is not read. */
    bcn_status (*axpby)(bcn_backend *be, size_t n, float a, const bcn_buf *x,
                        float b, bcn_buf *y);

    /* ---- GEMM ---- */
    /* C (m x n) = alpha op(A) op(B) + beta C, row-major, op(A) m x k,
     * op(B) k x n; trans_* != 0 means the stored matrix is transposed.
     * When beta == 0, C is not read. C must not overlap A or B (as in BLAS). */
    bcn_status (*gemm)(bcn_backend *be, int trans_a, int trans_b, int m, int n,
                       int k, float alpha, const bcn_buf *a, int lda,
                       const bcn_buf *b, int ldb, float beta, bcn_buf *c,
                       int ldc);

    /* ---- convolution (SPEC §12), geometry g, `batch` examples ----
     * Accumulation as GEMM: in double on ref; with beta != 0 the product
     * term is rounded to float before beta times the output is added. */
    /* y = conv(x; w): y[b,o,y,x] = Σ_{i,p,q} w[o,i,p,q] x[b,i,y s+p-pad,
     * x s+q-pad], positions outside x reading 0. No bias. */
    bcn_status (*conv2d)(bcn_backend *be, const bcn_conv_geom *g, int batch,
                         const bcn_buf *x, const bcn_buf *w, bcn_buf *y);
    /* dx = alpha convᵀ(dy; w) + beta dx: the gradient of Σ dy ⊙ conv(x; w)
     * with respect to x (input positions the convolution never reads get
     * 0 + beta dx). dx is batch x c_in x h_in x w_in; not read when
     * beta == 0. */
    bcn_status (*conv2d_transpose)(bcn_backend *be, const bcn_conv_geom *g, int batch,
                                   float alpha, const bcn_buf *dy, const bcn_buf *w,
                                   float beta, bcn_buf *dx);
    /* dw[o,i,p,q] = alpha Σ_{b,y,x} dy[b,o,y,x] x[b,i,y s+p-pad, x s+q-pad]
     * + beta dw (dw c_out x c_in x k x k; not read when beta == 0). */
    bcn_status (*conv2d_weight_grad)(bcn_backend *be, const bcn_conv_geom *g, int batch,
                                     float alpha, const bcn_buf *dy, const bcn_buf *x,
                                     float beta, bcn_buf *dw);

    /* ---- fused element-wise ops (SPEC §2-§6) ---- */
    /* x viewed as rows x cols x inner: x[r][j][s] = σ(x[r][j][s] + bias[j]).
     * inner = 1 for dense layers, h x w for NCHW convolution maps. With
     * stats != NULL, also the statistics of the new x against stats->t. */
    bcn_status (*bias_sigmoid)(bcn_backend *be, int rows, int cols, int inner,
                               bcn_buf *x, const bcn_buf *bias,
                               const bcn_out_stats *stats);
    /* The δ ops below also write the bias gradient of δ when gc != NULL
     * (then n must equal gc->rows x gc->cols). */
    /* delta = g ⊙ e ⊙ (1 − e). delta may alias g. */
    bcn_status (*dsigmoid_mul)(bcn_backend *be, size_t n, const bcn_buf *g,
                               const bcn_buf *e, bcn_buf *delta,
                               const bcn_bias_grad *gc);
    /* Backprop output: delta = −(t − e) ⊙ e ⊙ (1 − e). */
    bcn_status (*output_delta)(bcn_backend *be, size_t n, const bcn_buf *e,
                               const bcn_buf *t, bcn_buf *delta,
                               const bcn_bias_grad *gc);
    /* Burst output (SPEC §5): p = p_b (1 + s (t − e)(1 − e)) (p = p_b when
     * t == NULL); b = p e; delta = −(b − p_b e) when delta != NULL (gc
     * sums that δ even when delta is NULL); bbar = p_b e when bbar != NULL
     * (Burstprop's no-teacher burst, SPEC §6). */
    bcn_status (*output_burst)(bcn_backend *be, size_t n, const bcn_buf *e,
                               const bcn_buf *t, float p_b, float s,
                               bcn_buf *b, bcn_buf *delta, bcn_buf *bbar,
                               const bcn_bias_grad *gc);
    /* BurstCCN hidden (SPEC §5): p = σ(4 u (1 − e)); b = p e;
     * delta = −(p − p_b) e. */
    bcn_status (*burstccn_hidden)(bcn_backend *be, size_t n, const bcn_buf *u,
                                  const bcn_buf *e, float p_b, bcn_buf *b,
                                  bcn_buf *delta, const bcn_bias_grad *gc);
    /* out = σ(a) ⊙ e (Burstprop's recurrent drive). */
    bcn_status (*sigmoid_mul)(bcn_backend *be, size_t n, const bcn_buf *a,
                              const bcn_buf *e, bcn_buf *out);
    /* Burstprop hidden (SPEC §6), r == NULL meaning r = 0:
     * abar' = ū (1 − e) − r;  p̄ = σ(abar'); b̄ = p̄ e;
     * p = σ(u (1 − e) − r);   b = p e;  delta = −(b − b̄);
     * abar (if != NULL) receives abar'. */
    bcn_status (*burstprop_hidden)(bcn_backend *be, size_t n,
                                   const bcn_buf *ubar, const bcn_buf *u,
                                   const bcn_buf *r, const bcn_buf *e,
                                   bcn_buf *bbar, bcn_buf *b, bcn_buf *delta,
                                   bcn_buf *abar, const bcn_bias_grad *gc);

    /* ---- reductions ---- */
    /* x viewed as rows x cols x inner: y[j] = alpha Σ_r Σ_s x[r][j][s] +
     * beta y[j] (y not read when beta == 0). inner = 1 for dense layers,
     * h x w for a conv layer's bias gradient. */
    bcn_status (*colsum)(bcn_backend *be, int rows, int cols, int inner, float alpha,
                         const bcn_buf *x, float beta, bcn_buf *y);
    /* out[0] = a·b, out[1] = a·a, out[2] = b·b in double (reads back). */
    bcn_status (*dot3)(bcn_backend *be, size_t n, const bcn_buf *a,
                       const bcn_buf *b, double out[3]);

    /* ---- data on the device (bcn_net_attach_data) ---- */
    /* Gather a minibatch from a device-resident split of n_src examples:
     * for r < rows, with k = idx ? idx[r] : first + r,
     *   x[r][0..dim) = src_x[k][0..dim)  (an exact copy), and when t != NULL
     *   t[r][j] = (labels[k] == j) ? 1 : 0 for j < classes (one-hot).
     * Buffers hold floats only, so idx (rows entries) and labels (n_src)
     * hold integers stored as floats, exact below 2^24 (callers keep n_src
     * below that). An index outside [0, n_src) is BCN_ERR_INVALID_ARG on
     * ref; cl, which cannot see device data, writes NaN rows (and zero t
     * rows) instead of reading out of bounds. idx may be NULL. */
    bcn_status (*gather_batch)(bcn_backend *be, int rows, int dim, int classes, int n_src,
                               const bcn_buf *src_x, const bcn_buf *labels,
                               const bcn_buf *idx, int first, bcn_buf *x, bcn_buf *t);

    /* ---- the optimiser (SPEC §8), decoupled weight decay wd ----
     * One step over n floats of packed buffers g (gradient), w (weights)
     * and the state (m: momentum velocity or Adam first moment, v: Adam
     * second moment; unused ones may be NULL), split into blocks of
     * BCN_OPT_BLOCK floats, each with its own hyper-parameters from
     * `table` (BCN_OPT_TABLE_STRIDE floats per block b, see bcn_opt_table
     * in lib/opt_table.h): lr = table[3b], wd = table[3b + 1], and only the
     * first table[3b + 2] floats of the block (clamped to [0, BLOCK] and
     * to n) are updated; the rest is neither read nor written. Per float:
     *   SGD:      w = w − lr g − wd w;
     *   momentum: v = mom v + g; w = w − lr v − wd w  (velocity in m);
     *   Adam:     m = β1 m + (1−β1) g; v = β2 v + (1−β2) g²;
     *             w = w − lr (m / (1 − β1^step)) / (sqrt(v / (1 − β2^step))
     *                 + eps) − wd w,  step >= 1. */
    bcn_status (*optimize)(bcn_backend *be, const bcn_optim_step *o, size_t n,
                           const bcn_buf *table, const bcn_buf *g, bcn_buf *m, bcn_buf *v,
                           bcn_buf *w);

    /* Block until queued work is done. */
    bcn_status (*finish)(bcn_backend *be);
};

/* Count one host<->device transfer of `bytes` in be->counters. */
static inline void bcn_count_transfer(bcn_backend *be, size_t bytes)
{
    be->counters.transfers++;
    be->counters.transfer_bytes += bytes;
}

/* The checks of every buf_view slot: out != NULL (*out set to NULL), a
 * parent that is no view, 1 <= n, [offset, offset + n) inside its
 * parent_n floats, offset a multiple of be->view_align; else the context's
 * error, naming the backend. */
bcn_status bcn_buf_view_check(bcn_backend *be, bcn_buf **out, int have_parent,
                              int parent_is_view, size_t parent_n, size_t offset, size_t n);

/* 1 when g is a valid geometry: every size >= 1, pad >= 0, and h_out,
 * w_out as the formula gives (so at least 1). */
int bcn_conv_geom_valid(const bcn_conv_geom *g);

/* Create the reference backend (never fails but for memory). */
bcn_status bcn_backend_ref_create(bcn_ctx *ctx, bcn_backend **out);

#ifdef BCN_HAVE_OPENCL
/* Enumerate OpenCL devices into a malloc'd array (count may be 0; then the
 * context's message says why). */
bcn_status bcn_cl_list_devices(bcn_ctx *ctx, bcn_device_info **out,
                               size_t *count);
/* Create the OpenCL backend on platform p, device d. */
bcn_status bcn_backend_cl_create(bcn_ctx *ctx, int platform, int device,
                                 bcn_backend **out);
#endif

#endif /* BCN_BACKEND_H */
