/*
 * cl_data.c — the gather_batch slot of the OpenCL backend (kernel in
 * kernels/data.cl): minibatches gathered from device-resident data.
 */
#include "config.h"

#include "cl_internal.h"

static bcn_status cl_gather_batch(bcn_backend *be, int rows, int dim, int classes, int n_src,
                                  const bcn_buf *src_x, const bcn_buf *labels,
                                  const bcn_buf *idx, int first, bcn_buf *x, bcn_buf *t)
{
    if (rows < 0 || dim < 1 || classes < 1 || n_src < 0 || first < 0)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG,
                             "cl gather_batch: bad shape (%d rows of %d floats, %d classes, "
                             "%d source rows, first %d)",
                             rows, dim, classes, n_src, first);
    if (rows == 0)
        return BCN_OK;
    size_t width = (size_t)dim + (t ? (size_t)classes : 0);
    size_t n = (size_t)rows * width;
    bcn_status st;
    if ((st = bcn_cl_check_count(be, "gather_batch", n)) != BCN_OK ||
        (st = bcn_cl_check_count(be, "gather_batch", (size_t)n_src * (size_t)dim)) != BCN_OK ||
        (st = bcn_cl_check_buf(be, "gather_batch", "src_x", src_x,
                               (size_t)n_src * (size_t)dim)) != BCN_OK ||
        (st = bcn_cl_check_buf(be, "gather_batch", "labels", labels, (size_t)n_src)) != BCN_OK ||
        (st = bcn_cl_check_buf(be, "gather_batch", "x", x, (size_t)rows * dim)) != BCN_OK)
        return st;
    if (idx && (st = bcn_cl_check_buf(be, "gather_batch", "idx", idx, (size_t)rows)) != BCN_OK)
        return st;
    if (t && (st = bcn_cl_check_buf(be, "gather_batch", "t", t, (size_t)rows * classes)) != BCN_OK)
        return st;
    cl_uint r32 = (cl_uint)rows, d32 = (cl_uint)dim, c32 = (cl_uint)classes,
            n32 = (cl_uint)n_src, f32 = (cl_uint)first;
    cl_int has_idx = idx != NULL, has_t = t != NULL;
    cl_mem ms = src_x->mem, ml = labels->mem, mi = bcn_cl_mem(be, idx), mx = x->mem,
           mt = bcn_cl_mem(be, t);
    bcn_cl_arg args[] = {BCN_CL_ARG(r32),     BCN_CL_ARG(d32),   BCN_CL_ARG(c32),
                         BCN_CL_ARG(n32),     BCN_CL_ARG(f32),   BCN_CL_ARG(has_idx),
                         BCN_CL_ARG(has_t),   BCN_CL_ARG(ms),    BCN_CL_ARG(ml),
                         BCN_CL_ARG(mi),      BCN_CL_ARG(mx),    BCN_CL_ARG(mt)};
    return bcn_cl_launch_1d(be, BCN_K_GATHER_BATCH, n, sizeof args / sizeof args[0], args);
}

void bcn_cl_ops_data(bcn_backend *be) { be->gather_batch = cl_gather_batch; }
