/*
 * backend_ref.c — the reference backend: plain C loops over float storage,
 * double accumulation in GEMM and reductions, deterministic (each output
 * element is summed in a fixed order, whatever the thread count). It is the
 * truth every other backend is tested against.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


#include "ref_internal.h"

static double sigmoid(double z) { return 1.0 / (1.0 + exp(-z)); }

/* ---- buffers ---- */

static bcn_status ref_alloc(bcn_backend *be, size_t n, bcn_buf **out)
{
    bcn_buf *b = malloc(sizeof *b);
    float *p = malloc((n ? n : 1) * sizeof(float));
    if (!b || !p) {
        free(b);
        free(p);
        return bcn_set_error(be->ctx, BCN_ERR_NOMEM,
                             "ref backend: cannot allocate %zu floats", n);
    }
    b->n = n;
    b->p = p;
    b->view = 0;
    *out = b;
    return BCN_OK;
}

static void ref_free(bcn_backend *be, bcn_buf *buf)
{
    (void)be;
    if (buf) {
        if (!buf->view)
            free(buf->p);
        free(buf);
    }
}

static bcn_status ref_view(bcn_backend *be, bcn_buf *parent, size_t offset, size_t n,
                           bcn_buf **out)
{
    bcn_status st = bcn_buf_view_check(be, out, parent != NULL, parent && parent->view,
                                       parent ? parent->n : 0, offset, n);
    if (st != BCN_OK)
        return st;
    bcn_buf *b = malloc(sizeof *b);
    if (!b)
        return bcn_set_error(be->ctx, BCN_ERR_NOMEM, "ref buf_view: out of memory");
    b->n = n;
    b->p = parent->p + offset;
    b->view = 1;
    *out = b;
    return BCN_OK;
}

/* Reject an access past the end of a buffer (a caller bug, reported). */
static bcn_status check_range(bcn_backend *be, const bcn_buf *b, size_t off, size_t n,
                              const char *what)
{
    if (off > b->n || n > b->n - off)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG,
                             "ref backend: %s of %zu floats at offset %zu exceeds buffer of %zu",
                             what, n, off, b->n);
    return BCN_OK;
}

static bcn_status ref_write(bcn_backend *be, bcn_buf *dst, size_t off, size_t n,
                            const float *src)
{
    bcn_status st = check_range(be, dst, off, n, "write");
    if (st == BCN_OK && n) {
        memcpy(dst->p + off, src, n * sizeof(float));
        bcn_count_transfer(be, n * sizeof(float));
    }
    return st;
}

static bcn_status ref_read(bcn_backend *be, const bcn_buf *src, size_t off, size_t n,
                           float *dst)
{
    bcn_status st = check_range(be, src, off, n, "read");
    if (st == BCN_OK && n) {
        memcpy(dst, src->p + off, n * sizeof(float));
        bcn_count_transfer(be, n * sizeof(float));
    }
    return st;
}

static bcn_status ref_fill(bcn_backend *be, size_t n, float value, bcn_buf *x)
{
    (void)be;
    for (size_t i = 0; i < n; i++)
        x->p[i] = value;
    return BCN_OK;
}

static bcn_status ref_axpby(bcn_backend *be, size_t n, float a, const bcn_buf *x, float b,
                            bcn_buf *y)
{
    (void)be;
    const float *xp = CP(x);
    float *yp = P(y);
    if (b == 0.0f) {
        for (size_t i = 0; i < n; i++)
            yp[i] = (float)((double)a * xp[i]);
    } else {
        for (size_t i = 0; i < n; i++)
            yp[i] = (float)((double)a * xp[i] + (double)b * yp[i]);
    }
    return BCN_OK;
}

/* ---- GEMM ---- */

/* C = alpha op(A) op(B) + beta C. The inner loop runs over contiguous j
 * and vectorises: op(B) is read in place when it is B (row stride ldb),
 * and a transposed B is first packed into a k x n row-major float panel
 * (rows shared among the threads). Each C element accumulates its k
 * products in double in order p = 0..k-1, so the result does not depend
 * on threading; every product is added, zeros included (0 · inf = NaN). */
static bcn_status ref_gemm(bcn_backend *be, int ta, int tb, int m, int n, int k,
                           float alpha, const bcn_buf *a, int lda, const bcn_buf *b, int ldb,
                           float beta, bcn_buf *c, int ldc)
{
    if (m <= 0 || n <= 0)
        return BCN_OK;
    const float *A = CP(a), *B = CP(b);
    float *C = P(c);
    float *panel = NULL;
    if (tb && k > 0) {
        panel = malloc((size_t)k * (size_t)n * sizeof(float));
        if (!panel)
            return bcn_set_error(be->ctx, BCN_ERR_NOMEM, "ref gemm: cannot allocate %d x %d panel",
                                 k, n);
    }
    const float *opb = tb ? panel : B; /* op(B), row p at opb + p * ldo */
    size_t ldo = tb ? (size_t)n : (size_t)ldb;
    int failed = 0;
    /* Threads only pay off on GEMMs big enough to amortise waking them
     * (and hurt badly on a loaded machine); small ones run serially. */
    int threaded = (double)m * (double)n * (double)k >= 262144.0;
#pragma omp parallel if (threaded)
    {
        if (panel) {
#pragma omp for schedule(static)
            for (int p = 0; p < k; p++)
                for (int j = 0; j < n; j++)
                    panel[(size_t)p * n + j] = B[(size_t)j * ldb + p];
        } /* the loop's implied barrier: the panel is complete below */
        double *acc = malloc((size_t)n * sizeof(double));
        if (!acc) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (int i = 0; i < m; i++) {
            if (!acc)
                continue;
            for (int j = 0; j < n; j++)
                acc[j] = 0.0;
            for (int p = 0; p < k; p++) {
                /* No term is skipped, not even for av == 0: 0 · inf must
                 * stay NaN, as IEEE and the OpenCL backend have it. */
                double av = ta ? A[(size_t)p * lda + i] : A[(size_t)i * lda + p];
                const float *row = opb + (size_t)p * ldo;
                for (int j = 0; j < n; j++)
                    acc[j] += av * (double)row[j];
            }
            float *crow = C + (size_t)i * ldc;
            if (beta == 0.0f) {
                for (int j = 0; j < n; j++)
                    crow[j] = (float)((double)alpha * acc[j]);
            } else {
                /* alpha op(A) op(B) is rounded to float before beta C is
                 * added, as a float BLAS does: then C - AB is exactly 0
                 * when C holds the same product. */
                for (int j = 0; j < n; j++)
                    crow[j] = (float)((double)(float)((double)alpha * acc[j]) +
                                      (double)beta * crow[j]);
            }
        }
        free(acc);
    }
    free(panel);
    if (failed)
        return bcn_set_error(be->ctx, BCN_ERR_NOMEM, "ref gemm: out of memory");
    return BCN_OK;
}

/* ---- element-wise ---- */

/* The statistics of bias_sigmoid (backend.h's bcn_out_stats) over the
 * rows x w outputs X, summed as the old output_stats slot did. */
static void ref_out_stats(const bcn_out_stats *os, int rows, size_t w, const float *X)
{
    const float *T = CP(os->t);
    double sq = 0;
    int correct = 0;
    for (int r = 0; r < rows; r++) {
        const float *er = X + (size_t)r * w, *tr = T + (size_t)r * w;
        size_t ae = 0, at = 0;
        for (size_t j = 0; j < w; j++) {
            double d = (double)er[j] - (double)tr[j];
            sq += d * d;
            if (er[j] > er[ae])
                ae = j;
            if (tr[j] > tr[at])
                at = j;
        }
        correct += ae == at;
    }
    os->out->p[2 * (size_t)os->slot] = (float)sq;
    os->out->p[2 * (size_t)os->slot + 1] = (float)correct;
}

static bcn_status ref_bias_sigmoid(bcn_backend *be, int rows, int cols, int inner,
                                   bcn_buf *x, const bcn_buf *bias, const bcn_out_stats *stats)
{
    if (stats && (!stats->t || !stats->out || stats->slot < 0 || cols < 1))
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG,
                             "ref bias_sigmoid: statistics need t, an output and a slot >= 0 "
                             "(slot %d, %d columns)", stats->slot, cols);
    float *X = P(x);
    const float *c = CP(bias);
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < cols; j++) {
            float *v = X + ((size_t)r * cols + j) * (size_t)inner;
            for (int s = 0; s < inner; s++)
                v[s] = (float)sigmoid((double)v[s] + (double)c[j]);
        }
    if (stats)
        ref_out_stats(stats, rows, (size_t)cols * (size_t)inner, X);
    return BCN_OK;
}

/* The running sums of a fused bias gradient (backend.h's bcn_bias_grad),
 * added in the order colsum adds them. acc == NULL: none wanted. */
typedef struct gc_acc {
    double *acc;
    size_t cols;
} gc_acc;

static bcn_status gc_begin(bcn_backend *be, const char *op, const bcn_bias_grad *gc, size_t n,
                           gc_acc *a)
{
    a->acc = NULL;
    a->cols = 1;
    if (!gc)
        return BCN_OK;
    if (!gc->gc || gc->rows < 0 || gc->cols < 1 || (size_t)gc->rows * (size_t)gc->cols != n)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG,
                             "ref %s: bias gradient of %d x %d for %zu elements", op, gc->rows,
                             gc->cols, n);
    a->acc = calloc((size_t)gc->cols, sizeof(double));
    if (!a->acc)
        return bcn_set_error(be->ctx, BCN_ERR_NOMEM, "ref %s: out of memory", op);
    a->cols = (size_t)gc->cols;
    return BCN_OK;
}

static void gc_add(gc_acc *a, size_t i, float d)
{
    if (a->acc)
        a->acc[i % a->cols] += d;
}

static void gc_end(gc_acc *a, const bcn_bias_grad *gc)
{
    if (!a->acc)
        return;
    for (size_t j = 0; j < a->cols; j++)
        gc->gc->p[j] = (float)((double)gc->alpha * a->acc[j]);
    free(a->acc);
}

static bcn_status ref_dsigmoid_mul(bcn_backend *be, size_t n, const bcn_buf *g,
                                   const bcn_buf *e, bcn_buf *delta, const bcn_bias_grad *gc)
{
    gc_acc acc;
    bcn_status st = gc_begin(be, "dsigmoid_mul", gc, n, &acc);
    if (st != BCN_OK)
        return st;
    const float *G = CP(g), *E = CP(e);
    float *D = P(delta);
    for (size_t i = 0; i < n; i++) {
        double ev = E[i];
        D[i] = (float)((double)G[i] * ev * (1.0 - ev));
        gc_add(&acc, i, D[i]);
    }
    gc_end(&acc, gc);
    return BCN_OK;
}

static bcn_status ref_output_delta(bcn_backend *be, size_t n, const bcn_buf *e,
                                   const bcn_buf *t, bcn_buf *delta, const bcn_bias_grad *gc)
{
    gc_acc acc;
    bcn_status st = gc_begin(be, "output_delta", gc, n, &acc);
    if (st != BCN_OK)
        return st;
    const float *E = CP(e), *T = CP(t);
    float *D = P(delta);
    for (size_t i = 0; i < n; i++) {
        double ev = E[i];
        D[i] = (float)(-((double)T[i] - ev) * ev * (1.0 - ev));
        gc_add(&acc, i, D[i]);
    }
    gc_end(&acc, gc);
    return BCN_OK;
}

static bcn_status ref_output_burst(bcn_backend *be, size_t n, const bcn_buf *e,
                                   const bcn_buf *t, float p_b, float s, bcn_buf *b,
                                   bcn_buf *delta, bcn_buf *bbar, const bcn_bias_grad *gc)
{
    gc_acc acc;
    bcn_status st = gc_begin(be, "output_burst", gc, n, &acc);
    if (st != BCN_OK)
        return st;
    const float *E = CP(e), *T = t ? CP(t) : NULL;
    float *Bo = P(b), *D = delta ? P(delta) : NULL, *BB = bbar ? P(bbar) : NULL;
    for (size_t i = 0; i < n; i++) {
        double ev = E[i];
        double p = T ? (double)p_b * (1.0 + (double)s * ((double)T[i] - ev) * (1.0 - ev))
                     : (double)p_b;
        double burst = p * ev;
        float d = (float)(-(burst - (double)p_b * ev));
        Bo[i] = (float)burst;
        if (D)
            D[i] = d;
        if (BB)
            BB[i] = (float)((double)p_b * ev);
        gc_add(&acc, i, d);
    }
    gc_end(&acc, gc);
    return BCN_OK;
}

static bcn_status ref_burstccn_hidden(bcn_backend *be, size_t n, const bcn_buf *u,
                                      const bcn_buf *e, float p_b, bcn_buf *b, bcn_buf *delta,
                                      const bcn_bias_grad *gc)
{
    gc_acc acc;
    bcn_status st = gc_begin(be, "burstccn_hidden", gc, n, &acc);
    if (st != BCN_OK)
        return st;
    const float *U = CP(u), *E = CP(e);
    float *Bo = P(b), *D = P(delta);
    for (size_t i = 0; i < n; i++) {
        double ev = E[i];
        double p = sigmoid(4.0 * (double)U[i] * (1.0 - ev));
        Bo[i] = (float)(p * ev);
        D[i] = (float)(-(p - (double)p_b) * ev);
        gc_add(&acc, i, D[i]);
    }
    gc_end(&acc, gc);
    return BCN_OK;
}

static bcn_status ref_sigmoid_mul(bcn_backend *be, size_t n, const bcn_buf *a,
                                  const bcn_buf *e, bcn_buf *out)
{
    (void)be;
    const float *A = CP(a), *E = CP(e);
    float *O = P(out);
    for (size_t i = 0; i < n; i++)
        O[i] = (float)(sigmoid((double)A[i]) * (double)E[i]);
    return BCN_OK;
}

static bcn_status ref_burstprop_hidden(bcn_backend *be, size_t n, const bcn_buf *ubar,
                                       const bcn_buf *u, const bcn_buf *r, const bcn_buf *e,
                                       bcn_buf *bbar, bcn_buf *b, bcn_buf *delta, bcn_buf *abar,
                                       const bcn_bias_grad *gc)
{
    gc_acc acc;
    bcn_status st = gc_begin(be, "burstprop_hidden", gc, n, &acc);
    if (st != BCN_OK)
        return st;
    const float *UB = CP(ubar), *U = CP(u), *R = r ? CP(r) : NULL, *E = CP(e);
    float *BB = P(bbar), *Bo = P(b), *D = P(delta), *AB = abar ? P(abar) : NULL;
    for (size_t i = 0; i < n; i++) {
        double ev = E[i];
        double rv = R ? (double)R[i] : 0.0;
        double ab = (double)UB[i] * (1.0 - ev) - rv;
        double a = (double)U[i] * (1.0 - ev) - rv;
        double bb = sigmoid(ab) * ev;
        double bt = sigmoid(a) * ev;
        BB[i] = (float)bb;
        Bo[i] = (float)bt;
        D[i] = (float)(-(bt - bb));
        gc_add(&acc, i, D[i]);
        if (AB)
            AB[i] = (float)ab;
    }
    gc_end(&acc, gc);
    return BCN_OK;
}

/* ---- reductions ---- */

static bcn_status ref_colsum(bcn_backend *be, int rows, int cols, int inner, float alpha,
                             const bcn_buf *x, float beta, bcn_buf *y)
{
    double *acc = calloc(cols > 0 ? (size_t)cols : 1, sizeof(double));
    if (!acc)
        return bcn_set_error(be->ctx, BCN_ERR_NOMEM, "ref colsum: out of memory");
    const float *X = CP(x);
    float *Y = P(y);
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < cols; j++) {
            const float *v = X + ((size_t)r * cols + j) * (size_t)inner;
            for (int s = 0; s < inner; s++)
                acc[j] += v[s];
        }
    for (int j = 0; j < cols; j++)
        Y[j] = beta == 0.0f ? (float)((double)alpha * acc[j])
                            : (float)((double)alpha * acc[j] + (double)beta * Y[j]);
    free(acc);
    return BCN_OK;
}

static bcn_status ref_dot3(bcn_backend *be, size_t n, const bcn_buf *a, const bcn_buf *b,
                           double out[3])
{
    (void)be;
    const float *A = CP(a), *B = CP(b);
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < n; i++) {
        double x = A[i], y = B[i];
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    out[0] = ab;
    out[1] = aa;
    out[2] = bb;
    return BCN_OK;
}

/* ---- data on the device ---- */

static bcn_status ref_gather_batch(bcn_backend *be, int rows, int dim, int classes, int n_src,
                                   const bcn_buf *src_x, const bcn_buf *labels,
                                   const bcn_buf *idx, int first, bcn_buf *x, bcn_buf *t)
{
    if (rows < 0 || dim < 1 || classes < 1 || n_src < 0 || !src_x || !labels || !x)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG,
                             "ref gather_batch: bad arguments (%d rows of %d floats, %d "
                             "classes, %d source rows)",
                             rows, dim, classes, n_src);
    for (int r = 0; r < rows; r++) {
        double k = idx ? (double)CP(idx)[r] : (double)first + r;
        if (!(k >= 0 && k < n_src) || k != floor(k))
            return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG,
                                 "ref gather_batch: row %d asks for example %g of %d", r, k,
                                 n_src);
        size_t kk = (size_t)k;
        memcpy(P(x) + (size_t)r * dim, CP(src_x) + kk * dim, (size_t)dim * sizeof(float));
        if (t)
            for (int j = 0; j < classes; j++)
                P(t)[(size_t)r * classes + j] = CP(labels)[kk] == (float)j ? 1.0f : 0.0f;
    }
    return BCN_OK;
}

/* ---- the optimiser ---- */

/* The formulas of each optimiser over floats [i0, i1) with one lr, wd
 * (SPEC §8; the same arithmetic, float by float, in every block). */
static void sgd_range(size_t i0, size_t i1, float lr, float wd, const float *G, float *W)
{
    for (size_t i = i0; i < i1; i++)
        W[i] = (float)((double)W[i] - (double)lr * G[i] - (double)wd * W[i]);
}

static void momentum_range(size_t i0, size_t i1, float lr, float wd, float mom, const float *G,
                           float *V, float *W)
{
    for (size_t i = i0; i < i1; i++) {
        float vi = (float)((double)mom * V[i] + (double)G[i]);
        V[i] = vi;
        W[i] = (float)((double)W[i] - (double)lr * vi - (double)wd * W[i]);
    }
}

static void adam_range(size_t i0, size_t i1, float lr, float wd, const bcn_optim_step *o,
                       double c1, double c2, const float *G, float *M, float *V, float *W)
{
    for (size_t i = i0; i < i1; i++) {
        double gi = G[i];
        float mi = (float)((double)o->beta1 * M[i] + (1.0 - (double)o->beta1) * gi);
        float vi = (float)((double)o->beta2 * V[i] + (1.0 - (double)o->beta2) * gi * gi);
        M[i] = mi;
        V[i] = vi;
        double upd = ((double)mi / c1) / (sqrt((double)vi / c2) + (double)o->eps);
        W[i] = (float)((double)W[i] - (double)lr * upd - (double)wd * W[i]);
    }
}

static bcn_status ref_optimize(bcn_backend *be, const bcn_optim_step *o, size_t n,
                               const bcn_buf *table, const bcn_buf *g, bcn_buf *m, bcn_buf *v,
                               bcn_buf *w)
{
    size_t blocks = (n + BCN_OPT_BLOCK - 1) / BCN_OPT_BLOCK;
    int kind = o ? (int)o->kind : -1;
    if (!o || kind < BCN_OPT_SGD || kind > BCN_OPT_ADAM || !table || !g || !w ||
        (kind != BCN_OPT_SGD && !m) || (kind == BCN_OPT_ADAM && !v))
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG,
                             "ref optimize: missing optimiser, table or buffer");
    if (kind == BCN_OPT_ADAM && o->step < 1)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG,
                             "ref optimize: Adam step is %d, must be >= 1", o->step);
    const bcn_buf *need[] = {g, w, m, v};
    for (int k = 0; k < 4; k++)
        if (need[k] && need[k]->n < n)
            return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG,
                                 "ref optimize: a buffer holds %zu floats, %zu needed",
                                 need[k]->n, n);
    if (table->n < blocks * BCN_OPT_TABLE_STRIDE)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG,
                             "ref optimize: the table holds %zu floats, %zu blocks need %zu",
                             table->n, blocks, blocks * BCN_OPT_TABLE_STRIDE);
    double c1 = 0.0, c2 = 0.0;
    if (kind == BCN_OPT_ADAM) {
        c1 = 1.0 - pow((double)o->beta1, o->step);
        c2 = 1.0 - pow((double)o->beta2, o->step);
    }
    const float *T = CP(table), *G = CP(g);
    for (size_t b = 0; b < blocks; b++) {
        const float *row = T + b * BCN_OPT_TABLE_STRIDE;
        float lr = row[0], wd = row[1], used = row[2];
        size_t i0 = b * BCN_OPT_BLOCK, i1 = i0;
        if (used > 0.0f) /* NaN counts as 0 */
            i1 += used >= (float)BCN_OPT_BLOCK ? BCN_OPT_BLOCK : (size_t)used;
        if (i1 > n)
            i1 = n;
        if (kind == BCN_OPT_SGD)
            sgd_range(i0, i1, lr, wd, G, P(w));
        else if (kind == BCN_OPT_MOMENTUM)
            momentum_range(i0, i1, lr, wd, o->momentum, G, P(m), P(w));
        else
            adam_range(i0, i1, lr, wd, o, c1, c2, G, P(m), P(v), P(w));
    }
    return BCN_OK;
}

static bcn_status ref_finish(bcn_backend *be)
{
    (void)be;
    return BCN_OK;
}

static void ref_destroy(bcn_backend *be) { free(be); }

bcn_status bcn_backend_ref_create(bcn_ctx *ctx, bcn_backend **out)
{
    bcn_backend *be = calloc(1, sizeof *be);
    if (!be)
        return bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory creating the ref backend");
    be->name = "ref";
    be->ctx = ctx;
    be->destroy = ref_destroy;
    be->buf_alloc = ref_alloc;
    be->buf_free = ref_free;
    be->buf_view = ref_view;
    be->view_align = 1;
    be->buf_write = ref_write;
    be->buf_read = ref_read;
    be->fill = ref_fill;
    be->axpby = ref_axpby;
    be->gemm = ref_gemm;
    be->bias_sigmoid = ref_bias_sigmoid;
    be->dsigmoid_mul = ref_dsigmoid_mul;
    be->output_delta = ref_output_delta;
    be->output_burst = ref_output_burst;
    be->burstccn_hidden = ref_burstccn_hidden;
    be->sigmoid_mul = ref_sigmoid_mul;
    be->burstprop_hidden = ref_burstprop_hidden;
    be->colsum = ref_colsum;
    be->dot3 = ref_dot3;
    be->gather_batch = ref_gather_batch;
    be->optimize = ref_optimize;
    be->finish = ref_finish;
    bcn_ref_ops_conv(be);
    *out = be;
    return BCN_OK;
}
