/*
 * cl_reduce.c — the reduction slots of the OpenCL backend (kernels in
 * kernels/reduce.cl). Floats are summed on the device in work-group trees;
 * colsum finishes on the device (bias gradients stay there; over an inner
 * extent, conv bias gradients, in one pass of one work-group per column),
 * dot3 adds the per-group partials in double on the host. (The training
 * statistics are fused into bias_sigmoid, cl_ops.c.)
 */
#include "config.h"

#include <stdlib.h>

#include "cl_internal.h"

/* colsum launches at most this many groups of rows, so that pass 2 (one
 * work-item per column) adds few partials. */
#define COLSUM_MAX_ROW_GROUPS 64

/* colsum with inner > 1 (a convolution layer's bias gradient, e.g. 32 x 64
 * x 144): one work-group per column, of `lanes` items (a power of two <=
 * BCN_WG, the size of the kernel's local array). Shapes checked by the
 * caller; rows >= 1. */
static bcn_status colsum_inner(bcn_backend *be, size_t lanes, int rows, int cols, int inner,
                               float alpha, const bcn_buf *x, float beta, bcn_buf *y)
{
    cl_uint r32 = (cl_uint)rows, c32 = (cl_uint)cols, i32 = (cl_uint)inner;
    cl_mem mx = x->mem, my = y->mem;
    bcn_cl_arg args[] = {BCN_CL_ARG(r32), BCN_CL_ARG(c32),  BCN_CL_ARG(i32), BCN_CL_ARG(mx),
                         BCN_CL_ARG(alpha), BCN_CL_ARG(beta), BCN_CL_ARG(my)};
    size_t global = lanes * (size_t)cols;
    return bcn_cl_launch(be, BCN_K_COLSUM_INNER, 1, &global, &lanes, 7, args);
}

static bcn_status cl_colsum(bcn_backend *be, int rows, int cols, int inner, float alpha,
                            const bcn_buf *x, float beta, bcn_buf *y)
{
    bcn_cl *cl = be->impl;
    if (rows < 0 || cols < 0 || inner < 1)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG, "cl colsum: bad shape %d x %d x %d",
                             rows, cols, inner);
    if (cols == 0)
        return BCN_OK;
    if (inner > 1 && rows > 0) {
        size_t n = (size_t)rows * (size_t)cols * (size_t)inner;
        bcn_status st = bcn_cl_check_count(be, "colsum", n);
        if (st == BCN_OK)
            st = bcn_cl_check_buf(be, "colsum", "y", y, (size_t)cols);
        if (st == BCN_OK)
            st = bcn_cl_check_buf(be, "colsum", "x", x, n);
        if (st != BCN_OK)
            return st;
        /* the tuned lanes, fewer when the column holds fewer values */
        size_t lanes = 1, total = (size_t)rows * (size_t)inner;
        while (lanes < cl->tune.colsum_lanes && lanes < total)
            lanes *= 2;
        return colsum_inner(be, lanes, rows, cols, inner, alpha, x, beta, y);
    }
    /* inner == 1, or no rows (y = beta y either way) */
    size_t n = (size_t)rows * (size_t)cols;
    bcn_status st = bcn_cl_check_count(be, "colsum", n);
    if (st == BCN_OK)
        st = bcn_cl_check_buf(be, "colsum", "y", y, (size_t)cols);
    if (st == BCN_OK && rows > 0)
        st = bcn_cl_check_buf(be, "colsum", "x", x, n);
    if (st != BCN_OK)
        return st;
    cl_uint r32 = (cl_uint)rows, c32 = (cl_uint)cols;
    cl_mem mx = rows > 0 ? x->mem : cl->dummy, my = y->mem;
    size_t tx = cl->tune.colsum_tx, ty = cl->tune.colsum_ty;
    /* Rows per group: a multiple of ty, each lane adding colsum_rpi rows,
     * grown when that would need more than COLSUM_MAX_ROW_GROUPS groups. */
    size_t per = ty * cl->tune.colsum_rpi;
    size_t groups = ((size_t)rows + per - 1) / per;
    if (groups > COLSUM_MAX_ROW_GROUPS) {
        per = ((size_t)rows + COLSUM_MAX_ROW_GROUPS - 1) / COLSUM_MAX_ROW_GROUPS;
        per = (per + ty - 1) / ty * ty;
        groups = ((size_t)rows + per - 1) / per;
    }
    if (groups == 0) { /* rows == 0: y = beta y, through pass 2 over no partials */
        cl_uint g32 = 0;
        bcn_cl_arg args[] = {BCN_CL_ARG(g32), BCN_CL_ARG(c32), BCN_CL_ARG(mx),
                             BCN_CL_ARG(alpha), BCN_CL_ARG(beta), BCN_CL_ARG(my)};
        return bcn_cl_launch_1d(be, BCN_K_COLSUM_FINAL, (size_t)cols, 6, args);
    }
    cl_int final = groups == 1;
    if (!final) {
        st = bcn_cl_scratch(be, BCN_SCRATCH_REDUCE, groups * (size_t)cols);
        if (st != BCN_OK)
            return st;
    }
    cl_uint per32 = (cl_uint)per;
    cl_mem mp = final ? cl->dummy : cl->scratch[BCN_SCRATCH_REDUCE];
    size_t local[2] = {tx, ty};
    size_t global[2] = {((size_t)cols + tx - 1) / tx * tx, ty * groups};
    bcn_cl_arg args1[] = {BCN_CL_ARG(r32),   BCN_CL_ARG(c32),  BCN_CL_ARG(per32),
                          BCN_CL_ARG(mx),    BCN_CL_ARG(mp),   BCN_CL_ARG(final),
                          BCN_CL_ARG(alpha), BCN_CL_ARG(beta), BCN_CL_ARG(my)};
    st = bcn_cl_launch(be, BCN_K_COLSUM_PARTIAL, 2, global, local, 9, args1);
    if (st != BCN_OK || final)
        return st;
    cl_uint g32 = (cl_uint)groups;
    bcn_cl_arg args2[] = {BCN_CL_ARG(g32),   BCN_CL_ARG(c32),  BCN_CL_ARG(mp),
                          BCN_CL_ARG(alpha), BCN_CL_ARG(beta), BCN_CL_ARG(my)};
    return bcn_cl_launch_1d(be, BCN_K_COLSUM_FINAL, (size_t)cols, 6, args2);
}

static bcn_status cl_dot3(bcn_backend *be, size_t n, const bcn_buf *a, const bcn_buf *b,
                          double out[3])
{
    bcn_cl *cl = be->impl;
    if (!out)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG, "cl dot3: NULL output");
    out[0] = out[1] = out[2] = 0.0;
    if (n == 0)
        return BCN_OK;
    bcn_status st = bcn_cl_check_count(be, "dot3", n);
    if (st == BCN_OK)
        st = bcn_cl_check_buf(be, "dot3", "a", a, n);
    if (st == BCN_OK)
        st = bcn_cl_check_buf(be, "dot3", "b", b, n);
    if (st != BCN_OK)
        return st;
    size_t wg = cl->tune.wg;
    size_t groups = (n + wg - 1) / wg;
    if (groups > cl->tune.max_groups)
        groups = cl->tune.max_groups;
    st = bcn_cl_scratch(be, BCN_SCRATCH_REDUCE, 3 * groups);
    if (st != BCN_OK)
        return st;
    if (cl->host_partials_n < 3 * groups) {
        float *grown = realloc(cl->host_partials, 3 * groups * sizeof *grown);
        if (!grown)
            return bcn_set_error(be->ctx, BCN_ERR_NOMEM, "cl dot3: out of host memory");
        cl->host_partials = grown;
        cl->host_partials_n = 3 * groups;
    }
    cl_uint n32 = (cl_uint)n;
    cl_mem ma = a->mem, mb = b->mem, mp = cl->scratch[BCN_SCRATCH_REDUCE];
    size_t global = groups * wg;
    bcn_cl_arg args[] = {BCN_CL_ARG(n32), BCN_CL_ARG(ma), BCN_CL_ARG(mb), BCN_CL_ARG(mp)};
    st = bcn_cl_launch(be, BCN_K_DOT3_PARTIAL, 1, &global, &wg, 4, args);
    if (st != BCN_OK)
        return st;
    cl_int err = clEnqueueReadBuffer(cl->queue, mp, CL_TRUE, 0, 3 * groups * sizeof(float),
                                     cl->host_partials, 0, NULL, NULL);
    if (err != CL_SUCCESS)
        return bcn_cl_fail(be->ctx, err, "clEnqueueReadBuffer", "dot3 partial sums");
    bcn_count_transfer(be, 3 * groups * sizeof(float));
    for (size_t g = 0; g < groups; g++)
        for (int k = 0; k < 3; k++)
            out[k] += (double)cl->host_partials[3 * g + (size_t)k];
    return BCN_OK;
}

void bcn_cl_ops_reduce(bcn_backend *be)
{
    be->colsum = cl_colsum;
    be->dot3 = cl_dot3;
}
