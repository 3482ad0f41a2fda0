/*
 * cl_optim.c — the optimiser slots of the OpenCL backend (kernels in
 * kernels/optim.cl). Adam's bias corrections are computed once per call on
 * the host, in double.
 */
#include "config.h"

#include <math.h>

#include "cl_internal.h"

/* Check the count and each of the `nb` buffers (names[i], bufs[i]). */
static bcn_status check_all(bcn_backend *be, const char *op, size_t n, size_t nb,
                            const char *const *names, const bcn_buf *const *bufs)
{
    bcn_status st = bcn_cl_check_count(be, op, n);
    for (size_t i = 0; i < nb && st == BCN_OK; i++)
        st = bcn_cl_check_buf(be, op, names[i], bufs[i], n);
    return st;
}

static bcn_status cl_sgd_update(bcn_backend *be, size_t n, float lr, float wd, const bcn_buf *g,
                                bcn_buf *w)
{
    const char *names[] = {"g", "w"};
    const bcn_buf *bufs[] = {g, w};
    bcn_status st = check_all(be, "sgd_update", n, 2, names, bufs);
    if (st != BCN_OK || n == 0)
        return st;
    cl_uint n32 = (cl_uint)n;
    cl_mem mg = g->mem, mw = w->mem;
    bcn_cl_arg args[] = {BCN_CL_ARG(n32), BCN_CL_ARG(lr), BCN_CL_ARG(wd), BCN_CL_ARG(mg),
                         BCN_CL_ARG(mw)};
    return bcn_cl_launch_1d(be, BCN_K_SGD, n, 5, args);
}

static bcn_status cl_momentum_update(bcn_backend *be, size_t n, float lr, float mom, float wd,
                                     const bcn_buf *g, bcn_buf *v, bcn_buf *w)
{
    const char *names[] = {"g", "v", "w"};
    const bcn_buf *bufs[] = {g, v, w};
    bcn_status st = check_all(be, "momentum_update", n, 3, names, bufs);
    if (st != BCN_OK || n == 0)
        return st;
    cl_uint n32 = (cl_uint)n;
    cl_mem mg = g->mem, mv = v->mem, mw = w->mem;
    bcn_cl_arg args[] = {BCN_CL_ARG(n32), BCN_CL_ARG(lr), BCN_CL_ARG(mom), BCN_CL_ARG(wd),
                         BCN_CL_ARG(mg),  BCN_CL_ARG(mv), BCN_CL_ARG(mw)};
    return bcn_cl_launch_1d(be, BCN_K_MOMENTUM, n, 7, args);
}

static bcn_status cl_adam_update(bcn_backend *be, size_t n, float lr, float beta1, float beta2,
                                 float eps, int step, float wd, const bcn_buf *g, bcn_buf *m,
                                 bcn_buf *v, bcn_buf *w)
{
    if (step < 1)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG,
                             "cl adam_update: step is %d, must be >= 1", step);
    const char *names[] = {"g", "m", "v", "w"};
    const bcn_buf *bufs[] = {g, m, v, w};
    bcn_status st = check_all(be, "adam_update", n, 4, names, bufs);
    if (st != BCN_OK || n == 0)
        return st;
    cl_uint n32 = (cl_uint)n;
    float bc1 = (float)(1.0 - pow((double)beta1, step));
    float bc2 = (float)(1.0 - pow((double)beta2, step));
    cl_mem mg = g->mem, mm = m->mem, mv = v->mem, mw = w->mem;
    bcn_cl_arg args[] = {BCN_CL_ARG(n32), BCN_CL_ARG(lr),  BCN_CL_ARG(beta1), BCN_CL_ARG(beta2),
                         BCN_CL_ARG(eps), BCN_CL_ARG(bc1), BCN_CL_ARG(bc2),   BCN_CL_ARG(wd),
                         BCN_CL_ARG(mg),  BCN_CL_ARG(mm),  BCN_CL_ARG(mv),    BCN_CL_ARG(mw)};
    return bcn_cl_launch_1d(be, BCN_K_ADAM, n, 12, args);
}

void bcn_cl_ops_optim(bcn_backend *be)
{
    be->sgd_update = cl_sgd_update;
    be->momentum_update = cl_momentum_update;
    be->adam_update = cl_adam_update;
}
