/*
 * cl_optim.c — the optimize slot of the OpenCL backend: one launch of a
 * kernel of kernels/optim.cl over the whole packed buffer (4 floats per
 * work-item). Adam's bias corrections are computed once per call on the
 * host, in double.
 */
#include "config.h"

#include <limits.h>
#include <math.h>

#include "cl_internal.h"

/* Check the optimiser, the count, the table and every buffer it uses. */
static bcn_status check_args(bcn_backend *be, const bcn_optim_step *o, size_t n,
                             const bcn_buf *table, const bcn_buf *g, const bcn_buf *m,
                             const bcn_buf *v, const bcn_buf *w)
{
    if (!o || (unsigned)o->kind > BCN_OPT_ADAM)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG, "cl optimize: %s",
                             o ? "unknown optimiser" : "NULL optimiser step");
    if (o->kind == BCN_OPT_ADAM && o->step < 1)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG,
                             "cl optimize: Adam step is %d, must be >= 1", o->step);
    if (n > UINT_MAX - 4)
        return bcn_set_error(be->ctx, BCN_ERR_UNSUPPORTED,
                             "cl optimize: %zu elements exceed the kernels' 32-bit indices", n);
    size_t blocks = (n + BCN_OPT_BLOCK - 1) / BCN_OPT_BLOCK;
    bcn_status st = bcn_cl_check_buf(be, "optimize", "table", table,
                                      blocks * BCN_OPT_TABLE_STRIDE);
    if (st == BCN_OK)
        st = bcn_cl_check_buf(be, "optimize", "g", g, n);
    if (st == BCN_OK)
        st = bcn_cl_check_buf(be, "optimize", "w", w, n);
    if (st == BCN_OK && o->kind != BCN_OPT_SGD)
        st = bcn_cl_check_buf(be, "optimize", "m", m, n);
    if (st == BCN_OK && o->kind == BCN_OPT_ADAM)
        st = bcn_cl_check_buf(be, "optimize", "v", v, n);
    return st;
}

static bcn_status cl_optimize(bcn_backend *be, const bcn_optim_step *o, size_t n,
                              const bcn_buf *table, const bcn_buf *g, bcn_buf *m, bcn_buf *v,
                              bcn_buf *w)
{
    bcn_status st = check_args(be, o, n, table, g, m, v, w);
    if (st != BCN_OK || n == 0)
        return st;
    size_t items = (n + 3) / 4;
    cl_uint n32 = (cl_uint)n;
    cl_mem mt = table->mem, mg = g->mem, mw = w->mem;
    if (o->kind == BCN_OPT_SGD) {
        bcn_cl_arg args[] = {BCN_CL_ARG(n32), BCN_CL_ARG(mt), BCN_CL_ARG(mg), BCN_CL_ARG(mw)};
        return bcn_cl_launch_1d(be, BCN_K_OPT_SGD, items, 4, args);
    }
    cl_mem mm = m->mem;
    if (o->kind == BCN_OPT_MOMENTUM) {
        float mom = o->momentum;
        bcn_cl_arg args[] = {BCN_CL_ARG(n32), BCN_CL_ARG(mt), BCN_CL_ARG(mom),
                             BCN_CL_ARG(mg),  BCN_CL_ARG(mm), BCN_CL_ARG(mw)};
        return bcn_cl_launch_1d(be, BCN_K_OPT_MOMENTUM, items, 6, args);
    }
    float beta1 = o->beta1, beta2 = o->beta2, eps = o->eps;
    float bc1 = (float)(1.0 - pow((double)beta1, o->step));
    float bc2 = (float)(1.0 - pow((double)beta2, o->step));
    cl_mem mv = v->mem;
    bcn_cl_arg args[] = {BCN_CL_ARG(n32), BCN_CL_ARG(mt),  BCN_CL_ARG(beta1), BCN_CL_ARG(beta2),
                         BCN_CL_ARG(eps), BCN_CL_ARG(bc1), BCN_CL_ARG(bc2),   BCN_CL_ARG(mg),
                         BCN_CL_ARG(mm),  BCN_CL_ARG(mv),  BCN_CL_ARG(mw)};
    return bcn_cl_launch_1d(be, BCN_K_OPT_ADAM, items, 11, args);
}

void bcn_cl_ops_optim(bcn_backend *be) { be->optimize = cl_optimize; }
