/*
 * elementwise.cl -- each work-item handles BCN_EW_VW consecutive elements
 * (common.cl's floatv, a scalar tail where n is no multiple of it); the
 * global size is rounded up to the work-group size, so every kernel checks
 * its bound. Formulas are those of lib/backend.h, term for term, applied
 * lane by lane.
 *
 * The delta ops also come in a column form (*_gc) fused with the bias
 * gradient of delta (lib/backend.h's bcn_bias_grad): work-item q owns
 * columns [q BCN_EW_VW, q BCN_EW_VW + m) of a rows x cols delta, walks the
 * rows and writes gc[j] = alpha sum_r delta[r][j] (compensated sums).
 */

/* x[i] = value. */
__kernel void bcn_fill(const uint n, const float value, __global float *x)
{
    size_t i;
    const uint m = bcn_lanes(get_global_id(0), n, &i);
    if (m)
        bcn_stv(x, i, m, (floatv)(value));
}

/* y = a x + b y; y is not read when b == 0 (it may hold NaN). */
__kernel void bcn_axpby(const uint n, const float a, __global const float *x, const float b,
                        __global float *y)
{
    size_t i;
    const uint m = bcn_lanes(get_global_id(0), n, &i);
    if (!m)
        return;
    const floatv xv = bcn_ldv(x, i, m);
    bcn_stv(y, i, m, b == 0.0f ? a * xv : a * xv + b * bcn_ldv(y, i, m));
}

/* c[r][j] = beta c[r][j] over an m x n block with leading dimension ldc
 * (GEMM with k == 0); c is not read when beta == 0. */
__kernel void bcn_scale_matrix(const uint m, const uint n, const uint ldc, const float beta,
                               __global float *c)
{
    const size_t j = get_global_id(0), r = get_global_id(1);
    if (j < n && r < m) {
        const size_t i = r * ldc + j;
        c[i] = beta == 0.0f ? 0.0f : beta * c[i];
    }
}

/* x[r][j] = sigma(x[r][j] + bias[j]) (forward pass, SPEC section 2): work-item
 * g handles row g / q, columns from (g % q) BCN_EW_VW, with q the items per
 * row. */
__kernel void bcn_bias_sigmoid(const uint rows, const uint cols, __global float *x,
                               __global const float *bias)
{
    const size_t q = ((size_t)cols + BCN_EW_VW - 1) / BCN_EW_VW, g = get_global_id(0);
    const size_t r = g / q;
    if (r >= rows)
        return;
    size_t j;
    const uint m = bcn_lanes(g - r * q, cols, &j);
    const size_t i = r * cols + j;
    bcn_stv(x, i, m, bcn_sigmoidv(bcn_ldv(x, i, m) + bcn_ldv(bias, j, m)));
}

/* x viewed as rows x cols x inner: x[r][j][s] = sigma(x[r][j][s] + bias[j])
 * (a convolution layer's forward pass, SPEC section 12: inner = h w). One
 * element per work-item. */
__kernel void bcn_bias_sigmoid_inner(const uint rows, const uint cols, const uint inner,
                                     __global float *x, __global const float *bias)
{
    const size_t i = get_global_id(0);
    if (i < (size_t)rows * cols * inner)
        x[i] = bcn_sigmoid(x[i] + bias[(i / inner) % cols]);
}

/* delta = g e (1 - e). */
floatv bcn_dsigmoid_mul_v(const floatv g, const floatv e)
{
    return g * e * (1.0f - e);
}

/* Backprop output (SPEC section 3): delta = -(t - e) e (1 - e). */
floatv bcn_output_delta_v(const floatv e, const floatv t)
{
    return -(t - e) * e * (1.0f - e);
}

/* out = f(in1, in2) over n elements, f = bcn_<name>_v; out may be in1. */
#define BCN_BINARY_KERNEL(name)                                                             \
    __kernel void bcn_##name(const uint n, __global const float *in1,                      \
                             __global const float *in2, __global float *out)               \
    {                                                                                       \
        BCN_OVER_ELEMENTS(BCN_BINARY_BODY(name))                                            \
    }                                                                                       \
    __kernel void bcn_##name##_gc(const uint rows, const uint cols,                         \
                                  __global const float *in1, __global const float *in2,     \
                                  __global float *out, const float alpha, __global float *gc) \
    {                                                                                       \
        BCN_OVER_COLUMNS(BCN_BINARY_BODY(name))                                             \
    }
#define BCN_BINARY_BODY(name)                                                               \
    {                                                                                       \
        d = bcn_##name##_v(bcn_ldv(in1, i, m), bcn_ldv(in2, i, m));                         \
        bcn_stv(out, i, m, d);                                                              \
    }

/* bcn_dsigmoid_mul(n, g, e, delta), delta may be the same buffer as g, and
 * bcn_dsigmoid_mul_gc(rows, cols, g, e, delta, alpha, gc). */
BCN_BINARY_KERNEL(dsigmoid_mul)
/* bcn_output_delta(n, e, t, delta), bcn_output_delta_gc(rows, cols, e, t, delta, alpha, gc). */
BCN_BINARY_KERNEL(output_delta)

/* out = sigma(a) * e (Burstprop's recurrent drive, SPEC section 6). */
__kernel void bcn_sigmoid_mul(const uint n, __global const float *a, __global const float *e,
                              __global float *out)
{
    size_t i;
    const uint m = bcn_lanes(get_global_id(0), n, &i);
    if (m)
        bcn_stv(out, i, m, bcn_sigmoidv(bcn_ldv(a, i, m)) * bcn_ldv(e, i, m));
}
