/*
 * cl_conv.c — the convolution slots of the OpenCL backend (SPEC §12) as
 * im2col + one CLBlast GEMM over the whole batch:
 *
 *   col  (K x B·P)  = im2col(x)              K = c_in k², P = h_out w_out
 *   conv2d:            Y  (c_out x B·P) = W · col,      then permuted to NCHW
 *   conv2d_weight_grad: dw (c_out x K)  = α dyP · colᵀ + β dw,  dyP = dy as c_out x B·P
 *   conv2d_transpose:   dcol (K x B·P)  = Wᵀ · dyP,     then col2im gathers
 *                       dx = α Σ dcol + β dx (each input element adds its
 *                       own taps: deterministic, no atomics)
 *
 * The batched im2col/col2im/permute kernels are ours (kernels/conv.cl): one
 * launch each instead of CLBlast's per-image Xim2col/Xcol2im. col and the
 * c_out x B·P matrix live in backend-owned scratch buffers grown on demand
 * (bcn_cl_scratch); the in-order queue makes their reuse by the next op
 * safe. With batch 1 the channel-major matrix is the NCHW tensor itself,
 * so the permutes are skipped.
 *
 * Why one GEMM over the batch: on PoCL (the machine this was measured on)
 * the GEMMs are nearly all the time, and CLBlast's batched GEMM of 32
 * per-image products (CLBlastSgemmStridedBatched, which would need no
 * permutes) cost 1.2-2x more CPU time than one big GEMM at the CIFAR
 * layers; CLBlast's per-image im2col/col2im and its Xconvgemm were slower
 * still. Over the five layers of SPEC §10's nets at batch 32 (forward,
 * input and weight gradients): about 280 ms of CPU time here against 380
 * for either alternative (numbers in the commit that added this file).
 * The permutes and im2col/col2im are a few per cent of a call except on
 * the tiny first Fashion-MNIST layer.
 */
#include "config.h"

#include "cl_internal.h"

/* Largest power of two <= x (x >= 1). */
static size_t floor_pow2(size_t x)
{
    size_t p = 1;
    while (p * 2 <= x)
        p *= 2;
    return p;
}

/* Enqueue a 2-D kernel over n0 x n1 items (n0, n1 >= 1): work-groups of
 * up to the tuned size, n0 first (its items touch adjacent addresses). */
static bcn_status launch_2d(bcn_backend *be, bcn_cl_kernel_id k, size_t n0, size_t n1,
                            size_t nargs, const bcn_cl_arg *args)
{
    bcn_cl *cl = be->impl;
    size_t cap = floor_pow2(cl->tune.wg < cl->kernel_wg[k] ? cl->tune.wg : cl->kernel_wg[k]);
    size_t lx = 1, ly = 1;
    while (lx < n0 && lx * 2 <= cap)
        lx *= 2;
    while (ly < n1 && lx * ly * 2 <= cap)
        ly *= 2;
    size_t local[2] = {lx, ly};
    size_t global[2] = {(n0 + lx - 1) / lx * lx, (n1 + ly - 1) / ly * ly};
    return bcn_cl_launch(be, k, 2, global, local, nargs, args);
}

/* The sizes of one call: element counts of each tensor and matrix. */
typedef struct conv_sizes {
    size_t in, out, w;  /* x (or dx), y (or dy), the kernel */
    size_t K, P, BP;    /* taps c_in k², output positions per image, batch P */
    size_t col, mat;    /* K x B·P, c_out x B·P */
} conv_sizes;

/* Validate the geometry, the batch and the buffers of convolution op `op`
 * (`in`, `w`, `out` named as the slot names them) and compute the sizes.
 * Every count must fit the kernels' 32-bit indices. */
static bcn_status conv_check(bcn_backend *be, const char *op, const bcn_conv_geom *g, int batch,
                             const char *in_name, const bcn_buf *in, const char *w_name,
                             const bcn_buf *w, const char *out_name, const bcn_buf *out,
                             conv_sizes *z)
{
    if (!g)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG, "cl %s: NULL geometry", op);
    if (!bcn_conv_geom_valid(g))
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG,
                             "cl %s: invalid geometry: c_in %d, %d x %d -> c_out %d, %d x %d "
                             "with k %d, stride %d, pad %d",
                             op, g->c_in, g->h_in, g->w_in, g->c_out, g->h_out, g->w_out, g->k,
                             g->stride, g->pad);
    if (batch < 0)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG, "cl %s: negative batch %d", op,
                             batch);
    size_t B = (size_t)batch, kk = (size_t)g->k * (size_t)g->k;
    z->in = B * (size_t)g->c_in * (size_t)g->h_in * (size_t)g->w_in;
    z->P = (size_t)g->h_out * (size_t)g->w_out;
    z->out = B * (size_t)g->c_out * z->P;
    z->K = (size_t)g->c_in * kk;
    z->w = (size_t)g->c_out * z->K;
    z->BP = B * z->P;
    z->col = z->K * z->BP;
    z->mat = (size_t)g->c_out * z->BP;
    bcn_status st = bcn_cl_check_count(be, op, z->in);
    if (st == BCN_OK)
        st = bcn_cl_check_count(be, op, z->col);
    if (st == BCN_OK)
        st = bcn_cl_check_count(be, op, z->mat);
    if (st == BCN_OK)
        st = bcn_cl_check_count(be, op, z->w);
    if (st == BCN_OK)
        st = bcn_cl_check_buf(be, op, w_name, w, z->w);
    if (st == BCN_OK && batch > 0)
        st = bcn_cl_check_buf(be, op, in_name, in, z->in);
    if (st == BCN_OK && batch > 0)
        st = bcn_cl_check_buf(be, op, out_name, out, z->out);
    return st;
}

/* col (K x B·P, cl->scratch[BCN_SCRATCH_COL]) = im2col of the batch x. */
static bcn_status im2col(bcn_backend *be, const bcn_conv_geom *g, int batch,
                         const conv_sizes *z, const bcn_buf *x)
{
    bcn_cl *cl = be->impl;
    bcn_status st = bcn_cl_scratch(be, BCN_SCRATCH_COL, z->col);
    if (st != BCN_OK)
        return st;
    cl_uint b32 = (cl_uint)batch, ci = (cl_uint)g->c_in, hi = (cl_uint)g->h_in,
            wi = (cl_uint)g->w_in, ho = (cl_uint)g->h_out, wo = (cl_uint)g->w_out,
            k = (cl_uint)g->k, s = (cl_uint)g->stride, pad = (cl_uint)g->pad,
            ks = (cl_uint)z->BP, bs = (cl_uint)z->P;
    cl_mem mx = x->mem, mc = cl->scratch[BCN_SCRATCH_COL];
    bcn_cl_arg args[] = {BCN_CL_ARG(b32), BCN_CL_ARG(ci), BCN_CL_ARG(hi),  BCN_CL_ARG(wi),
                         BCN_CL_ARG(ho),  BCN_CL_ARG(wo), BCN_CL_ARG(k),   BCN_CL_ARG(s),
                         BCN_CL_ARG(pad), BCN_CL_ARG(ks), BCN_CL_ARG(bs),  BCN_CL_ARG(mx),
                         BCN_CL_ARG(mc)};
    return launch_2d(be, BCN_K_IM2COL, z->P, (size_t)batch * (size_t)g->c_in, 13, args);
}

/* Permute between the NCHW batch `nchw` (batch x c x P) and the
 * channel-major matrix `mat` (c x batch·P): to_matrix != 0 writes mat. */
static bcn_status permute(bcn_backend *be, int batch, int c, size_t P, int to_matrix,
                          cl_mem nchw, cl_mem mat)
{
    cl_uint b32 = (cl_uint)batch, c32 = (cl_uint)c, p32 = (cl_uint)P;
    cl_int dir = to_matrix != 0;
    cl_mem src = to_matrix ? nchw : mat, dst = to_matrix ? mat : nchw;
    bcn_cl_arg args[] = {BCN_CL_ARG(b32), BCN_CL_ARG(c32), BCN_CL_ARG(p32),
                         BCN_CL_ARG(dir), BCN_CL_ARG(src), BCN_CL_ARG(dst)};
    return launch_2d(be, BCN_K_CONV_PERMUTE, P, (size_t)batch * (size_t)c, 6, args);
}

/* y = conv(x; w): col = im2col(x); Y = W · col (c_out x B·P); y = Y in NCHW. */
static bcn_status cl_conv2d(bcn_backend *be, const bcn_conv_geom *g, int batch,
                            const bcn_buf *x, const bcn_buf *w, bcn_buf *y)
{
    bcn_cl *cl = be->impl;
    conv_sizes z;
    bcn_status st = conv_check(be, "conv2d", g, batch, "x", x, "w", w, "y", y, &z);
    if (st != BCN_OK || batch == 0)
        return st;
    st = im2col(be, g, batch, &z, x);
    if (st != BCN_OK)
        return st;
    if (batch == 1) /* c_out x P is already NCHW */
        return bcn_cl_sgemm(be, "conv2d", 0, 0, (size_t)g->c_out, z.BP, z.K, 1.0f, w->mem, z.K,
                            cl->scratch[BCN_SCRATCH_COL], z.BP, 0.0f, y->mem, z.BP);
    st = bcn_cl_scratch(be, BCN_SCRATCH_MAT, z.mat);
    if (st != BCN_OK)
        return st;
    st = bcn_cl_sgemm(be, "conv2d", 0, 0, (size_t)g->c_out, z.BP, z.K, 1.0f, w->mem, z.K,
                      cl->scratch[BCN_SCRATCH_COL], z.BP, 0.0f, cl->scratch[BCN_SCRATCH_MAT],
                      z.BP);
    if (st != BCN_OK)
        return st;
    return permute(be, batch, g->c_out, z.P, 0, y->mem, cl->scratch[BCN_SCRATCH_MAT]);
}

/* dy (NCHW) as the c_out x B·P matrix the GEMMs read: permuted into the
 * BCN_SCRATCH_MAT scratch, or dy itself for batch 1 (already that layout). */
static bcn_status channel_major_dy(bcn_backend *be, const bcn_conv_geom *g, int batch,
                                   const conv_sizes *z, const bcn_buf *dy, cl_mem *out)
{
    bcn_cl *cl = be->impl;
    *out = dy->mem;
    if (batch == 1)
        return BCN_OK;
    bcn_status st = bcn_cl_scratch(be, BCN_SCRATCH_MAT, z->mat);
    if (st == BCN_OK)
        st = permute(be, batch, g->c_out, z->P, 1, dy->mem, cl->scratch[BCN_SCRATCH_MAT]);
    if (st == BCN_OK)
        *out = cl->scratch[BCN_SCRATCH_MAT];
    return st;
}

/* dx = alpha convᵀ(dy; w) + beta dx: dyP = dy as c_out x B·P; dcol = Wᵀ ·
 * dyP (K x B·P); col2im gathers each input element's taps and applies
 * alpha, beta (positions no tap reads get alpha 0 + beta dx). */
static bcn_status cl_conv2d_transpose(bcn_backend *be, const bcn_conv_geom *g, int batch,
                                      float alpha, const bcn_buf *dy, const bcn_buf *w,
                                      float beta, bcn_buf *dx)
{
    bcn_cl *cl = be->impl;
    const char *op = "conv2d_transpose";
    conv_sizes z;
    bcn_status st = conv_check(be, op, g, batch, "dx", dx, "w", w, "dy", dy, &z);
    if (st != BCN_OK || batch == 0)
        return st;
    cl_mem dyp;
    st = channel_major_dy(be, g, batch, &z, dy, &dyp);
    if (st != BCN_OK)
        return st;
    st = bcn_cl_scratch(be, BCN_SCRATCH_COL, z.col);
    if (st != BCN_OK)
        return st;
    cl_mem mcol = cl->scratch[BCN_SCRATCH_COL];
    st = bcn_cl_sgemm(be, op, 1, 0, z.K, z.BP, (size_t)g->c_out, 1.0f, w->mem, z.K, dyp, z.BP,
                      0.0f, mcol, z.BP);
    if (st != BCN_OK)
        return st;
    cl_uint b32 = (cl_uint)batch, ci = (cl_uint)g->c_in, hi = (cl_uint)g->h_in,
            wi = (cl_uint)g->w_in, ho = (cl_uint)g->h_out, wo = (cl_uint)g->w_out,
            k = (cl_uint)g->k, s = (cl_uint)g->stride, pad = (cl_uint)g->pad,
            ks = (cl_uint)z.BP, bs = (cl_uint)z.P;
    cl_mem mdx = dx->mem;
    bcn_cl_arg args[] = {BCN_CL_ARG(b32),   BCN_CL_ARG(ci),   BCN_CL_ARG(hi),  BCN_CL_ARG(wi),
                         BCN_CL_ARG(ho),    BCN_CL_ARG(wo),   BCN_CL_ARG(k),   BCN_CL_ARG(s),
                         BCN_CL_ARG(pad),   BCN_CL_ARG(ks),   BCN_CL_ARG(bs),  BCN_CL_ARG(mcol),
                         BCN_CL_ARG(alpha), BCN_CL_ARG(beta), BCN_CL_ARG(mdx)};
    return launch_2d(be, BCN_K_COL2IM, (size_t)g->h_in * (size_t)g->w_in,
                     (size_t)batch * (size_t)g->c_in, 15, args);
}

/* dw = alpha dyP · colᵀ + beta dw (c_out x K), dyP = dy as c_out x B·P and
 * col = im2col(x): the sum over the batch and the output positions is the
 * GEMM's inner dimension. */
static bcn_status cl_conv2d_weight_grad(bcn_backend *be, const bcn_conv_geom *g, int batch,
                                        float alpha, const bcn_buf *dy, const bcn_buf *x,
                                        float beta, bcn_buf *dw)
{
    bcn_cl *cl = be->impl;
    const char *op = "conv2d_weight_grad";
    conv_sizes z;
    bcn_status st = conv_check(be, op, g, batch, "x", x, "dw", dw, "dy", dy, &z);
    if (st != BCN_OK)
        return st;
    if (batch == 0) /* no terms: dw = beta dw, through the gemm slot's k == 0 path */
        return be->gemm(be, 0, 0, g->c_out, (int)z.K, 0, alpha, dy, 1, x, 1, beta, dw,
                        (int)z.K);
    st = im2col(be, g, batch, &z, x);
    if (st != BCN_OK)
        return st;
    cl_mem dyp;
    st = channel_major_dy(be, g, batch, &z, dy, &dyp);
    if (st != BCN_OK)
        return st;
    return bcn_cl_sgemm(be, op, 0, 1, (size_t)g->c_out, z.K, z.BP, alpha, dyp, z.BP,
                        cl->scratch[BCN_SCRATCH_COL], z.BP, beta, dw->mem, z.K);
}

void bcn_cl_ops_conv(bcn_backend *be)
{
    be->conv2d = cl_conv2d;
    be->conv2d_transpose = cl_conv2d_transpose;
    be->conv2d_weight_grad = cl_conv2d_weight_grad;
}
