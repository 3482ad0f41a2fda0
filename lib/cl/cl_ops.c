/*
 * cl_ops.c — the element-wise slots of the OpenCL backend (kernels in
 * kernels/elementwise.cl and kernels/burst.cl): argument checks, then one
 * kernel launch each, a work-item per BCN_EW_VW elements (tuning ew_vw) but
 * for bias_sigmoid over an inner extent. The δ ops take an optional bias
 * gradient (backend.h's bcn_bias_grad) and then run their column form, a
 * work-item per BCN_EW_VW columns walking the rows; bias_sigmoid with
 * statistics runs as one work-group whose items own rows.
 */
#include "config.h"

#include "cl_internal.h"

/* Check a count and the buffers an element-wise op reads or writes. */
#define CHECK(st, call) \
    do {                \
        st = (call);    \
        if (st != BCN_OK) \
            return st;  \
    } while (0)

static bcn_status cl_fill(bcn_backend *be, size_t n, float value, bcn_buf *x)
{
    bcn_status st;
    CHECK(st, bcn_cl_check_count(be, "fill", n));
    CHECK(st, bcn_cl_check_buf(be, "fill", "x", x, n));
    cl_uint n32 = (cl_uint)n;
    cl_mem mx = x->mem;
    bcn_cl_arg args[] = {BCN_CL_ARG(n32), BCN_CL_ARG(value), BCN_CL_ARG(mx)};
    return bcn_cl_launch_1d(be, BCN_K_FILL, bcn_cl_ew_items(be, n), 3, args);
}

static bcn_status cl_axpby(bcn_backend *be, size_t n, float a, const bcn_buf *x, float b,
                           bcn_buf *y)
{
    bcn_status st;
    CHECK(st, bcn_cl_check_count(be, "axpby", n));
    CHECK(st, bcn_cl_check_buf(be, "axpby", "x", x, n));
    CHECK(st, bcn_cl_check_buf(be, "axpby", "y", y, n));
    cl_uint n32 = (cl_uint)n;
    cl_mem mx = x->mem, my = y->mem;
    bcn_cl_arg args[] = {BCN_CL_ARG(n32), BCN_CL_ARG(a), BCN_CL_ARG(mx), BCN_CL_ARG(b),
                         BCN_CL_ARG(my)};
    return bcn_cl_launch_1d(be, BCN_K_AXPBY, bcn_cl_ew_items(be, n), 5, args);
}

/* bias_sigmoid with statistics: one work-group (the tree width BCN_WG) whose
 * items own rows, as the statistics need whole rows. */
static bcn_status bias_sigmoid_stats(bcn_backend *be, int rows, int cols, int inner, bcn_buf *x,
                                     const bcn_buf *bias, const bcn_out_stats *os)
{
    bcn_cl *cl = be->impl;
    bcn_status st;
    const char *op = "bias_sigmoid";
    size_t n = (size_t)rows * (size_t)cols * (size_t)inner;
    if (os->slot < 0 || cols < 1)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG,
                             "cl bias_sigmoid: statistics slot %d, %d columns", os->slot, cols);
    CHECK(st, bcn_cl_check_count(be, op, n));
    CHECK(st, bcn_cl_check_buf(be, op, "stats", os->out, 2 * (size_t)os->slot + 2));
    CHECK(st, bcn_cl_check_buf(be, op, "bias", bias, (size_t)cols));
    if (rows > 0) {
        CHECK(st, bcn_cl_check_buf(be, op, "x", x, n));
        CHECK(st, bcn_cl_check_buf(be, op, "t", os->t, n));
    }
    cl_uint r32 = (cl_uint)rows, w32 = (cl_uint)((size_t)cols * (size_t)inner);
    cl_uint i32 = (cl_uint)inner, s32 = (cl_uint)os->slot;
    cl_mem mx = rows > 0 ? x->mem : cl->dummy, mt = rows > 0 ? os->t->mem : cl->dummy;
    cl_mem mb = bias->mem, ms = os->out->mem;
    size_t wg = cl->tune.wg;
    bcn_cl_arg args[] = {BCN_CL_ARG(r32), BCN_CL_ARG(w32), BCN_CL_ARG(i32), BCN_CL_ARG(mx),
                         BCN_CL_ARG(mb),  BCN_CL_ARG(mt),  BCN_CL_ARG(ms),  BCN_CL_ARG(s32)};
    return bcn_cl_launch(be, BCN_K_BIAS_SIGMOID_STATS, 1, &wg, &wg, 8, args);
}

/* x viewed as rows x cols x inner, bias per col. inner == 1 (dense layers)
 * keeps its own kernel, so dense networks compute exactly what they did;
 * inner > 1 (convolution maps) finds each element's column as
 * (i / inner) % cols. */
static bcn_status cl_bias_sigmoid(bcn_backend *be, int rows, int cols, int inner, bcn_buf *x,
                                  const bcn_buf *bias, const bcn_out_stats *stats)
{
    bcn_status st;
    if (rows < 0 || cols < 0 || inner < 1)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG,
                             "cl bias_sigmoid: bad shape %d x %d x %d", rows, cols, inner);
    if (stats)
        return bias_sigmoid_stats(be, rows, cols, inner, x, bias, stats);
    size_t n = (size_t)rows * (size_t)cols * (size_t)inner;
    if (n == 0)
        return BCN_OK;
    CHECK(st, bcn_cl_check_count(be, "bias_sigmoid", n));
    CHECK(st, bcn_cl_check_buf(be, "bias_sigmoid", "x", x, n));
    CHECK(st, bcn_cl_check_buf(be, "bias_sigmoid", "bias", bias, (size_t)cols));
    cl_uint r32 = (cl_uint)rows, c32 = (cl_uint)cols, i32 = (cl_uint)inner;
    cl_mem mx = x->mem, mb = bias->mem;
    if (inner == 1) {
        bcn_cl_arg args[] = {BCN_CL_ARG(r32), BCN_CL_ARG(c32), BCN_CL_ARG(mx), BCN_CL_ARG(mb)};
        /* one work-item per BCN_EW_VW columns of a row */
        size_t items = (size_t)rows * bcn_cl_ew_items(be, (size_t)cols);
        return bcn_cl_launch_1d(be, BCN_K_BIAS_SIGMOID, items, 4, args);
    }
    bcn_cl_arg args[] = {BCN_CL_ARG(r32), BCN_CL_ARG(c32), BCN_CL_ARG(i32), BCN_CL_ARG(mx),
                         BCN_CL_ARG(mb)};
    return bcn_cl_launch_1d(be, BCN_K_BIAS_SIGMOID_INNER, n, 5, args);
}

/* Check a fused bias gradient (backend.h's bcn_bias_grad) of an op over n
 * elements; NULL passes. */
static bcn_status check_gc(bcn_backend *be, const char *op, const bcn_bias_grad *gc, size_t n)
{
    if (!gc)
        return BCN_OK;
    if (gc->rows < 0 || gc->cols < 1 || (size_t)gc->rows * (size_t)gc->cols != n)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG,
                             "cl %s: bias gradient of %d x %d for %zu elements", op, gc->rows,
                             gc->cols, n);
    return bcn_cl_check_buf(be, op, "gc", gc->gc, (size_t)gc->cols);
}

/* Launch kernel k (element-wise over n) or its column form kgc (fused
 * bias gradient: rows, cols first, then the op's arguments, then alpha and
 * gc; one work-item per column). args[0] is the op's n, replaced by rows,
 * cols in the column form. Each work-item handles BCN_EW_VW elements
 * (columns). */
static bcn_status launch_maybe_gc(bcn_backend *be, bcn_cl_kernel_id k, bcn_cl_kernel_id kgc,
                                  size_t n, const bcn_bias_grad *gc, size_t nargs,
                                  const bcn_cl_arg *args)
{
    if (!gc)
        return bcn_cl_launch_1d(be, k, bcn_cl_ew_items(be, n), nargs, args);
    if (n == 0) /* no rows: the sums are 0 */
        return be->fill(be, (size_t)gc->cols, 0.0f, gc->gc);
    bcn_cl_arg all[16];
    if (nargs + 3 > sizeof all / sizeof all[0])
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG, "cl: %zu arguments for %s", nargs,
                             bcn_cl_kernel_name(kgc));
    cl_uint r32 = (cl_uint)gc->rows, c32 = (cl_uint)gc->cols;
    cl_mem mg = gc->gc->mem;
    float alpha = gc->alpha;
    size_t m = 0;
    all[m++] = (bcn_cl_arg)BCN_CL_ARG(r32);
    all[m++] = (bcn_cl_arg)BCN_CL_ARG(c32);
    for (size_t i = 1; i < nargs; i++)
        all[m++] = args[i];
    all[m++] = (bcn_cl_arg)BCN_CL_ARG(alpha);
    all[m++] = (bcn_cl_arg)BCN_CL_ARG(mg);
    return bcn_cl_launch_1d(be, kgc, bcn_cl_ew_items(be, (size_t)gc->cols), m, all);
}

/* The shared shape of out = f(in1, in2) over n elements (kgc: the column
 * form with a bias gradient, or BCN_K_COUNT for none). */
static bcn_status binary_op(bcn_backend *be, bcn_cl_kernel_id k, bcn_cl_kernel_id kgc,
                            const char *op, size_t n, const bcn_buf *in1, const char *name1,
                            const bcn_buf *in2, const char *name2, bcn_buf *out,
                            const char *name_out, const bcn_bias_grad *gc)
{
    bcn_status st;
    CHECK(st, bcn_cl_check_count(be, op, n));
    CHECK(st, bcn_cl_check_buf(be, op, name1, in1, n));
    CHECK(st, bcn_cl_check_buf(be, op, name2, in2, n));
    CHECK(st, bcn_cl_check_buf(be, op, name_out, out, n));
    CHECK(st, check_gc(be, op, gc, n));
    cl_uint n32 = (cl_uint)n;
    cl_mem m1 = in1->mem, m2 = in2->mem, mo = out->mem;
    bcn_cl_arg args[] = {BCN_CL_ARG(n32), BCN_CL_ARG(m1), BCN_CL_ARG(m2), BCN_CL_ARG(mo)};
    return launch_maybe_gc(be, k, kgc, n, gc, 4, args);
}

static bcn_status cl_dsigmoid_mul(bcn_backend *be, size_t n, const bcn_buf *g, const bcn_buf *e,
                                  bcn_buf *delta, const bcn_bias_grad *gc)
{
    return binary_op(be, BCN_K_DSIGMOID_MUL, BCN_K_DSIGMOID_MUL_GC, "dsigmoid_mul", n, g, "g",
                     e, "e", delta, "delta", gc);
}

static bcn_status cl_output_delta(bcn_backend *be, size_t n, const bcn_buf *e, const bcn_buf *t,
                                  bcn_buf *delta, const bcn_bias_grad *gc)
{
    return binary_op(be, BCN_K_OUTPUT_DELTA, BCN_K_OUTPUT_DELTA_GC, "output_delta", n, e, "e", t,
                     "t", delta, "delta", gc);
}

static bcn_status cl_sigmoid_mul(bcn_backend *be, size_t n, const bcn_buf *a, const bcn_buf *e,
                                 bcn_buf *out)
{
    return binary_op(be, BCN_K_SIGMOID_MUL, BCN_K_COUNT, "sigmoid_mul", n, a, "a", e, "e", out,
                     "out", NULL);
}

static bcn_status cl_output_burst(bcn_backend *be, size_t n, const bcn_buf *e, const bcn_buf *t,
                                  float p_b, float s, bcn_buf *b, bcn_buf *delta, bcn_buf *bbar,
                                  const bcn_bias_grad *gc)
{
    bcn_status st;
    const char *op = "output_burst";
    CHECK(st, bcn_cl_check_count(be, op, n));
    CHECK(st, bcn_cl_check_buf(be, op, "e", e, n));
    CHECK(st, bcn_cl_check_buf(be, op, "b", b, n));
    if (t)
        CHECK(st, bcn_cl_check_buf(be, op, "t", t, n));
    if (delta)
        CHECK(st, bcn_cl_check_buf(be, op, "delta", delta, n));
    if (bbar)
        CHECK(st, bcn_cl_check_buf(be, op, "bbar", bbar, n));
    CHECK(st, check_gc(be, op, gc, n));
    cl_uint n32 = (cl_uint)n;
    cl_int has_t = t != NULL, has_delta = delta != NULL, has_bbar = bbar != NULL;
    cl_mem me = e->mem, mt = bcn_cl_mem(be, t), mb = b->mem, md = bcn_cl_mem(be, delta);
    cl_mem mbb = bcn_cl_mem(be, bbar);
    bcn_cl_arg args[] = {BCN_CL_ARG(n32),   BCN_CL_ARG(me),  BCN_CL_ARG(mt),
                         BCN_CL_ARG(has_t), BCN_CL_ARG(p_b), BCN_CL_ARG(s),
                         BCN_CL_ARG(mb),    BCN_CL_ARG(md),  BCN_CL_ARG(has_delta),
                         BCN_CL_ARG(mbb),   BCN_CL_ARG(has_bbar)};
    return launch_maybe_gc(be, BCN_K_OUTPUT_BURST, BCN_K_OUTPUT_BURST_GC, n, gc, 11, args);
}

static bcn_status cl_burstccn_hidden(bcn_backend *be, size_t n, const bcn_buf *u,
                                     const bcn_buf *e, float p_b, bcn_buf *b, bcn_buf *delta,
                                     const bcn_bias_grad *gc)
{
    bcn_status st;
    const char *op = "burstccn_hidden";
    CHECK(st, bcn_cl_check_count(be, op, n));
    CHECK(st, bcn_cl_check_buf(be, op, "u", u, n));
    CHECK(st, bcn_cl_check_buf(be, op, "e", e, n));
    CHECK(st, bcn_cl_check_buf(be, op, "b", b, n));
    CHECK(st, bcn_cl_check_buf(be, op, "delta", delta, n));
    CHECK(st, check_gc(be, op, gc, n));
    cl_uint n32 = (cl_uint)n;
    cl_mem mu = u->mem, me = e->mem, mb = b->mem, md = delta->mem;
    bcn_cl_arg args[] = {BCN_CL_ARG(n32), BCN_CL_ARG(mu), BCN_CL_ARG(me),
                         BCN_CL_ARG(p_b), BCN_CL_ARG(mb), BCN_CL_ARG(md)};
    return launch_maybe_gc(be, BCN_K_BURSTCCN_HIDDEN, BCN_K_BURSTCCN_HIDDEN_GC, n, gc, 6, args);
}

static bcn_status cl_burstprop_hidden(bcn_backend *be, size_t n, const bcn_buf *ubar,
                                      const bcn_buf *u, const bcn_buf *r, const bcn_buf *e,
                                      bcn_buf *bbar, bcn_buf *b, bcn_buf *delta, bcn_buf *abar,
                                      const bcn_bias_grad *gc)
{
    bcn_status st;
    const char *op = "burstprop_hidden";
    CHECK(st, bcn_cl_check_count(be, op, n));
    CHECK(st, bcn_cl_check_buf(be, op, "ubar", ubar, n));
    CHECK(st, bcn_cl_check_buf(be, op, "u", u, n));
    CHECK(st, bcn_cl_check_buf(be, op, "e", e, n));
    CHECK(st, bcn_cl_check_buf(be, op, "bbar", bbar, n));
    CHECK(st, bcn_cl_check_buf(be, op, "b", b, n));
    CHECK(st, bcn_cl_check_buf(be, op, "delta", delta, n));
    if (r)
        CHECK(st, bcn_cl_check_buf(be, op, "r", r, n));
    if (abar)
        CHECK(st, bcn_cl_check_buf(be, op, "abar", abar, n));
    CHECK(st, check_gc(be, op, gc, n));
    cl_uint n32 = (cl_uint)n;
    cl_int has_r = r != NULL, has_abar = abar != NULL;
    cl_mem mub = ubar->mem, mu = u->mem, mr = bcn_cl_mem(be, r), me = e->mem;
    cl_mem mbb = bbar->mem, mb = b->mem, md = delta->mem, ma = bcn_cl_mem(be, abar);
    bcn_cl_arg args[] = {BCN_CL_ARG(n32), BCN_CL_ARG(mub), BCN_CL_ARG(mu),
                         BCN_CL_ARG(mr),  BCN_CL_ARG(has_r), BCN_CL_ARG(me),
                         BCN_CL_ARG(mbb), BCN_CL_ARG(mb),  BCN_CL_ARG(md),
                         BCN_CL_ARG(ma),  BCN_CL_ARG(has_abar)};
    return launch_maybe_gc(be, BCN_K_BURSTPROP_HIDDEN, BCN_K_BURSTPROP_HIDDEN_GC, n, gc, 11,
                           args);
}

void bcn_cl_ops_elementwise(bcn_backend *be)
{
    be->fill = cl_fill;
    be->axpby = cl_axpby;
    be->bias_sigmoid = cl_bias_sigmoid;
    be->dsigmoid_mul = cl_dsigmoid_mul;
    be->output_delta = cl_output_delta;
    be->output_burst = cl_output_burst;
    be->burstccn_hidden = cl_burstccn_hidden;
    be->sigmoid_mul = cl_sigmoid_mul;
    be->burstprop_hidden = cl_burstprop_hidden;
}
