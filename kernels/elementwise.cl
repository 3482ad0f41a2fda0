/*
 * elementwise.cl -- one work-item per element; the global size is rounded up
 * to the work-group size, so every kernel checks its bound. Formulas are
 * those of lib/backend.h, term for term.
 */

/* x[i] = value. */
__kernel void bcn_fill(const uint n, const float value, __global float *x)
{
    const size_t i = get_global_id(0);
    if (i < n)
        x[i] = value;
}

/* y = a x + b y; y is not read when b == 0 (it may hold NaN). */
__kernel void bcn_axpby(const uint n, const float a, __global const float *x, const float b,
                        __global float *y)
{
    const size_t i = get_global_id(0);
    if (i < n)
        y[i] = b == 0.0f ? a * x[i] : a * x[i] + b * y[i];
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

/* x[r][j] = sigma(x[r][j] + bias[j]) (forward pass, SPEC section 2). */
__kernel void bcn_bias_sigmoid(const uint rows, const uint cols, __global float *x,
                               __global const float *bias)
{
    const size_t i = get_global_id(0);
    if (i < (size_t)rows * cols)
        x[i] = bcn_sigmoid(x[i] + bias[i % cols]);
}

/* x viewed as rows x cols x inner: x[r][j][s] = sigma(x[r][j][s] + bias[j])
 * (a convolution layer's forward pass, SPEC section 12: inner = h w). */
__kernel void bcn_bias_sigmoid_inner(const uint rows, const uint cols, const uint inner,
                                     __global float *x, __global const float *bias)
{
    const size_t i = get_global_id(0);
    if (i < (size_t)rows * cols * inner)
        x[i] = bcn_sigmoid(x[i] + bias[(i / inner) % cols]);
}

/* delta[i] = g[i] e[i] (1 - e[i]), returned; delta may be the same buffer as g. */
float bcn_dsigmoid_mul_at(const size_t i, __global const float *g, __global const float *e,
                          __global float *delta)
{
    const float ei = e[i];
    const float d = g[i] * ei * (1.0f - ei);
    delta[i] = d;
    return d;
}

/* Backprop output (SPEC section 3): delta[i] = -(t[i] - e[i]) e[i] (1 - e[i]), returned. */
float bcn_output_delta_at(const size_t i, __global const float *e, __global const float *t,
                          __global float *delta)
{
    const float ei = e[i];
    const float d = -(t[i] - ei) * ei * (1.0f - ei);
    delta[i] = d;
    return d;
}

/* delta = g * e * (1 - e); delta may be the same buffer as g. */
__kernel void bcn_dsigmoid_mul(const uint n, __global const float *g, __global const float *e,
                               __global float *delta)
{
    const size_t i = get_global_id(0);
    if (i < n)
        bcn_dsigmoid_mul_at(i, g, e, delta);
}

/* Backprop output (SPEC section 3): delta = -(t - e) * e * (1 - e). */
__kernel void bcn_output_delta(const uint n, __global const float *e, __global const float *t,
                               __global float *delta)
{
    const size_t i = get_global_id(0);
    if (i < n)
        bcn_output_delta_at(i, e, t, delta);
}

/* The same over rows x cols, fused with the bias gradient of delta
 * (lib/backend.h's bcn_bias_grad): work-item j owns column j, walks the
 * rows and writes gc[j] = alpha sum_r delta[r][j] (compensated sum). */
__kernel void bcn_dsigmoid_mul_gc(const uint rows, const uint cols, __global const float *g,
                                  __global const float *e, __global float *delta,
                                  const float alpha, __global float *gc)
{
    const size_t j = get_global_id(0);
    if (j >= cols)
        return;
    float s = 0.0f, c = 0.0f;
    for (uint r = 0; r < rows; r++)
        bcn_kahan_add(&s, &c, bcn_dsigmoid_mul_at((size_t)r * cols + j, g, e, delta));
    gc[j] = alpha * s;
}

__kernel void bcn_output_delta_gc(const uint rows, const uint cols, __global const float *e,
                                  __global const float *t, __global float *delta,
                                  const float alpha, __global float *gc)
{
    const size_t j = get_global_id(0);
    if (j >= cols)
        return;
    float s = 0.0f, c = 0.0f;
    for (uint r = 0; r < rows; r++)
        bcn_kahan_add(&s, &c, bcn_output_delta_at((size_t)r * cols + j, e, t, delta));
    gc[j] = alpha * s;
}

/* out = sigma(a) * e (Burstprop's recurrent drive, SPEC section 6). */
__kernel void bcn_sigmoid_mul(const uint n, __global const float *a, __global const float *e,
                              __global float *out)
{
    const size_t i = get_global_id(0);
    if (i < n)
        out[i] = bcn_sigmoid(a[i]) * e[i];
}
