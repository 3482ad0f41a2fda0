/*
 * common.cl -- definitions shared by every kernel file of libburstccn's
 * OpenCL backend. The files are compiled as one program, this one first.
 * OpenCL C 1.2, single precision only (no cl_khr_fp64 needed).
 *
 * Tuning values arrive as -D build options (see lib/cl/cl_program.c); the
 * defaults below only serve a build without them. Work-group sizes used in
 * tree reductions must be powers of two.
 */
#ifndef BCN_WG
#define BCN_WG 256 /* 1-D work-group size, also the tree width */
#endif
#ifndef BCN_COLSUM_TX
#define BCN_COLSUM_TX 32 /* colsum: columns per work-group */
#endif
#ifndef BCN_COLSUM_TY
#define BCN_COLSUM_TY 8 /* colsum: row lanes per work-group */
#endif
#ifndef BCN_EW_VW
#define BCN_EW_VW 4 /* floats per work-item of the element-wise kernels: 1, 2, 4, 8, 16 */
#endif

/* Same rounding as the C reference: no fused multiply-add contraction. */
#pragma OPENCL FP_CONTRACT OFF

/* sigma(z) = 1 / (1 + exp(-z)), as SPEC section 1 writes it. */
float bcn_sigmoid(float z)
{
    return 1.0f / (1.0f + exp(-z));
}

/* Kahan step: add v to the compensated sum (*s, *c). */
void bcn_kahan_add(float *s, float *c, const float v)
{
    const float y = v - *c;
    const float t = *s + y;
    *c = (t - *s) - y;
    *s = t;
}

/* ---- the element-wise kernels' vectors: floatv is BCN_EW_VW floats (a
 * plain float when 1). A work-item handles BCN_EW_VW consecutive elements;
 * the last one of a row or array may have only m < BCN_EW_VW, which
 * bcn_ldv/bcn_stv handle (the unused lanes repeat lane 0 and are never
 * stored). Every formula is written once, on floatv, lane by lane the
 * scalar formula of lib/backend.h (vector arithmetic rounds per lane). */
#define BCN_CAT_(a, b) a##b
#define BCN_CAT(a, b) BCN_CAT_(a, b)
#if BCN_EW_VW == 1
typedef float floatv;
typedef int intv;
#define BCN_VLOAD(p) (*(p))
#define BCN_VSTORE(v, p) (*(p) = (v))
#else
typedef BCN_CAT(float, BCN_EW_VW) floatv;
typedef BCN_CAT(int, BCN_EW_VW) intv;
#define BCN_VLOAD(p) BCN_CAT(vload, BCN_EW_VW)(0, p)
#define BCN_VSTORE(v, p) BCN_CAT(vstore, BCN_EW_VW)(v, 0, p)
#endif

/* p[i .. i + m) as a floatv (1 <= m <= BCN_EW_VW). */
floatv bcn_ldv(__global const float *p, const size_t i, const uint m)
{
    if (m == BCN_EW_VW)
        return BCN_VLOAD(p + i);
    float tmp[BCN_EW_VW];
    for (uint k = 0; k < BCN_EW_VW; k++)
        tmp[k] = p[i + (k < m ? k : 0)];
    return BCN_VLOAD(tmp);
}

/* p[i .. i + m) = the first m lanes of v. */
void bcn_stv(__global float *p, const size_t i, const uint m, const floatv v)
{
    if (m == BCN_EW_VW) {
        BCN_VSTORE(v, p + i);
        return;
    }
    float tmp[BCN_EW_VW];
    BCN_VSTORE(v, tmp);
    for (uint k = 0; k < m; k++)
        p[i + k] = tmp[k];
}

/* The lanes of work-item `item` of an array of n: it starts at element
 * *i; returns how many of its lanes exist (0: none). */
uint bcn_lanes(const size_t item, const size_t n, size_t *i)
{
    *i = item * BCN_EW_VW;
    return *i >= n ? 0u : (uint)min((size_t)BCN_EW_VW, n - *i);
}

/* sigma lane by lane. */
floatv bcn_sigmoidv(floatv z)
{
    return 1.0f / (1.0f + exp(-z));
}

/* Kahan step lane by lane. */
void bcn_kahan_addv(floatv *s, floatv *c, const floatv v)
{
    const floatv y = v - *c;
    const floatv t = *s + y;
    *c = (t - *s) - y;
    *s = t;
}

/* The two loops of the element-wise delta kernels (elementwise.cl, burst.cl):
 * over n elements (a work-item's lanes), and in column form over rows x
 * cols with the bias gradient gc = alpha * sum over rows of d (a work-item's columns,
 * Kahan-summed). Each wraps a body that, given element index i and lanes
 * m, sets floatv d (delta) and stores what it computes. Kernel arguments
 * used: n; or rows, cols, alpha, gc. */
#define BCN_OVER_ELEMENTS(body)                                                             \
    size_t i;                                                                               \
    const uint m = bcn_lanes(get_global_id(0), n, &i);                                      \
    if (m) {                                                                                \
        floatv d;                                                                           \
        body;                                                                               \
    }
#define BCN_OVER_COLUMNS(body)                                                              \
    size_t j;                                                                               \
    const uint m = bcn_lanes(get_global_id(0), cols, &j);                                   \
    if (!m)                                                                                 \
        return;                                                                             \
    floatv sum = 0.0f, comp = 0.0f;                                                         \
    for (uint row = 0; row < rows; row++) {                                                 \
        const size_t i = (size_t)row * cols + j;                                            \
        floatv d;                                                                           \
        body;                                                                               \
        bcn_kahan_addv(&sum, &comp, d);                                                     \
    }                                                                                       \
    bcn_stv(gc, j, m, alpha * sum);
