/*
 * cl_gemm.c — the GEMM slot of the OpenCL backend. Each call runs either
 * the backend's own kernels (kernels/gemm.cl; the default on CPU devices,
 * see cl_tuning.c and bcn_gemm_engine) or CLBlast's C API on the backend's
 * own queue (CLBlast compiles and caches its kernels per device on first
 * use; it also takes the Aᵀ Bᵀ form, which the own kernels do not have).
 * Shapes are checked here so that a bad call names the operand; k == 0 (no
 * products) is handled without either, as CLBlast rejects it.
 *
 * CLBlast keeps its compiled programs in a process-wide cache keyed by
 * OpenCL context and never drops them on its own; CLBlastClearCache() would
 * also drop the programs of every other live backend, so it is not called
 * here: each backend instance leaves its few GEMM programs cached until the
 * process ends.
 */
#include "config.h"

#include <limits.h>

#include <clblast_c.h>

#include "cl_internal.h"

/* Fail unless a stored rows x cols row-major matrix with leading dimension
 * ld fits `buf` (named `what`). */
static bcn_status check_matrix(bcn_backend *be, const char *what, const bcn_buf *buf, int rows,
                               int cols, int ld)
{
    if (ld < (cols > 1 ? cols : 1))
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG,
                             "cl gemm: leading dimension of %s is %d, below its %d columns", what,
                             ld, cols);
    return bcn_cl_check_buf(be, "gemm", what, buf,
                            (size_t)(rows - 1) * (size_t)ld + (size_t)cols);
}

static bcn_status cl_gemm(bcn_backend *be, int trans_a, int trans_b, int m, int n, int k,
                          float alpha, const bcn_buf *a, int lda, const bcn_buf *b, int ldb,
                          float beta, bcn_buf *c, int ldc)
{
    bcn_cl *cl = be->impl;
    if (m < 0 || n < 0 || k < 0)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG, "cl gemm: negative size %d x %d x %d",
                             m, n, k);
    if (m == 0 || n == 0)
        return BCN_OK;
    bcn_status st = check_matrix(be, "C", c, m, n, ldc);
    if (st != BCN_OK)
        return st;
    if (k == 0) { /* C = beta C */
        cl_uint m32 = (cl_uint)m, n32 = (cl_uint)n, ld32 = (cl_uint)ldc;
        cl_mem mc = c->mem;
        size_t tx = cl->tune.colsum_tx, ty = cl->tune.colsum_ty;
        size_t local[2] = {tx, ty};
        size_t global[2] = {((size_t)n + tx - 1) / tx * tx, ((size_t)m + ty - 1) / ty * ty};
        if (local[0] * local[1] > cl->kernel_wg[BCN_K_SCALE_MATRIX])
            local[0] = local[1] = 1;
        bcn_cl_arg args[] = {BCN_CL_ARG(m32), BCN_CL_ARG(n32), BCN_CL_ARG(ld32),
                             BCN_CL_ARG(beta), BCN_CL_ARG(mc)};
        return bcn_cl_launch(be, BCN_K_SCALE_MATRIX, 2, global, local, 5, args);
    }
    st = check_matrix(be, "A", a, trans_a ? k : m, trans_a ? m : k, lda);
    if (st == BCN_OK)
        st = check_matrix(be, "B", b, trans_b ? n : k, trans_b ? k : n, ldb);
    if (st != BCN_OK)
        return st;
    return bcn_cl_sgemm(be, NULL, trans_a, trans_b, (size_t)m, (size_t)n, (size_t)k, alpha,
                        a->mem, (size_t)lda, b->mem, (size_t)ldb, beta, c->mem, (size_t)ldc);
}

/* Run C = alpha op(A) op(B) + beta C on kernels/gemm.cl (not Aᵀ Bᵀ; every
 * size and leading dimension below INT_MAX). */
static bcn_status own_sgemm(bcn_backend *be, int trans_a, int trans_b, size_t m, size_t n,
                            size_t k, float alpha, cl_mem a, size_t lda, cl_mem b, size_t ldb,
                            float beta, cl_mem c, size_t ldc)
{
    bcn_cl *cl = be->impl;
    cl_int m32 = (cl_int)m, n32 = (cl_int)n, k32 = (cl_int)k;
    cl_int lda32 = (cl_int)lda, ldb32 = (cl_int)ldb, ldc32 = (cl_int)ldc;
    bcn_cl_kernel_id kid;
    size_t cols_per_item, rows_per_item;
    if (trans_b) {
        kid = BCN_K_GEMM_NT;
        cols_per_item = cl->tune.gemm_dn;
        rows_per_item = cl->tune.gemm_dm;
    } else {
        kid = trans_a ? BCN_K_GEMM_TN : BCN_K_GEMM_NN;
        cols_per_item = cl->tune.gemm_vw;
        rows_per_item = cl->tune.gemm_rm;
    }
    size_t global[2] = {(n + cols_per_item - 1) / cols_per_item,
                        (m + rows_per_item - 1) / rows_per_item};
    bcn_cl_arg args[] = {BCN_CL_ARG(m32),   BCN_CL_ARG(n32),   BCN_CL_ARG(k32),
                         BCN_CL_ARG(alpha), BCN_CL_ARG(a),     BCN_CL_ARG(lda32),
                         BCN_CL_ARG(b),     BCN_CL_ARG(ldb32), BCN_CL_ARG(beta),
                         BCN_CL_ARG(c),     BCN_CL_ARG(ldc32)};
    /* No local size: a work-item needs no neighbours, the driver groups them. */
    return bcn_cl_launch(be, kid, 2, global, NULL, sizeof args / sizeof args[0], args);
}

bcn_status bcn_cl_sgemm(bcn_backend *be, const char *op, int trans_a, int trans_b, size_t m,
                        size_t n, size_t k, float alpha, cl_mem a, size_t lda, cl_mem b,
                        size_t ldb, float beta, cl_mem c, size_t ldc)
{
    bcn_cl *cl = be->impl;
    if (cl->gemm_own && !(trans_a && trans_b) && m < INT_MAX && n < INT_MAX && k < INT_MAX &&
        lda < INT_MAX && ldb < INT_MAX && ldc < INT_MAX) {
        bcn_status st =
            own_sgemm(be, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        if (st == BCN_OK)
            be->counters.blas_calls++; /* a GEMM call, like CLBlast's below */
        return st;
    }
    CLBlastStatusCode code = CLBlastSgemm(
        CLBlastLayoutRowMajor, trans_a ? CLBlastTransposeYes : CLBlastTransposeNo,
        trans_b ? CLBlastTransposeYes : CLBlastTransposeNo, m, n, k, alpha, a, 0, lda, b, 0, ldb,
        beta, c, 0, ldc, &cl->queue, NULL);
    if (code != CLBlastSuccess) {
        bcn_status fail = bcn_cl_status_of((int)code);
        return bcn_set_error(be->ctx, fail == BCN_ERR_NOMEM ? fail : BCN_ERR_BLAS,
                             "%s%s%sCLBlastSgemm(%s, %s, m=%zu, n=%zu, k=%zu) failed on %s: %s "
                             "(%d)",
                             op ? "cl " : "", op ? op : "", op ? ": " : "",
                             trans_a ? "A^T" : "A", trans_b ? "B^T" : "B", m, n, k,
                             be->info.name, bcn_cl_error_name((int)code), (int)code);
    }
    be->counters.launches++; /* at least one kernel inside CLBlast */
    be->counters.blas_calls++;
    return BCN_OK;
}

void bcn_cl_ops_gemm(bcn_backend *be) { be->gemm = cl_gemm; }

int bcn_cl_gemm_own(const bcn_backend *be) { return ((const bcn_cl *)be->impl)->gemm_own; }
