/*
 * burst.cl -- the burst computations of BurstCCN (SPEC section 5) and Burstprop
 * (SPEC section 6), each fused into one pass: every input is read once and every
 * output written once. Optional buffers come with a flag; when the flag is 0
 * the buffer argument is a placeholder and is never touched.
 *
 * Each delta is a difference of two nearly equal rates (b - p_b e,
 * p - p_b, b - bbar) exactly when learning is fine-grained. Subtracting
 * the rounded floats would lose most digits there, so every delta is
 * computed from an algebraically equal form without the cancellation; the
 * reference backend gets the same accuracy by working in double.
 */

/* Output layer at element i: p = p_b (1 + s (t - e)(1 - e)), or p = p_b
 * without a teacher (has_t == 0); b = p e; delta = -(b - p_b e), computed
 * as -p_b s (t - e)(1 - e) e (and 0 without a teacher), returned and
 * stored when has_delta; bbar = p_b e when has_bbar. */
float bcn_output_burst_at(const size_t i, __global const float *e, __global const float *t,
                          const int has_t, const float p_b, const float s, __global float *b,
                          __global float *delta, const int has_delta, __global float *bbar,
                          const int has_bbar)
{
    const float ei = e[i];
    const float drive = has_t ? s * (t[i] - ei) * (1.0f - ei) : 0.0f;
    const float d = -(p_b * drive * ei);
    b[i] = p_b * (1.0f + drive) * ei;
    if (has_delta)
        delta[i] = d;
    if (has_bbar)
        bbar[i] = p_b * ei;
    return d;
}

/* BurstCCN hidden layer at element i: p = sigma(4 u (1 - e)); b = p e;
 * delta = -(p - p_b) e (returned), with p - p_b = tanh(z / 2) / 2 + (1/2 - p_b)
 * (sigma(z) = (1 + tanh(z / 2)) / 2). */
float bcn_burstccn_hidden_at(const size_t i, __global const float *u, __global const float *e,
                             const float p_b, __global float *b, __global float *delta)
{
    const float ei = e[i];
    const float z = 4.0f * u[i] * (1.0f - ei);
    const float d = -(0.5f * tanh(0.5f * z) + (0.5f - p_b)) * ei;
    b[i] = bcn_sigmoid(z) * ei;
    delta[i] = d;
    return d;
}

/* Burstprop hidden layer at element i, both phases (r = 0 when has_r == 0):
 * abar' = ubar (1 - e) - r; bbar = sigma(abar') e; b = sigma(u (1 - e) - r) e;
 * delta = -(b - bbar) (returned); abar receives abar' when has_abar. For
 * nearby arguments delta uses sigma(x) - sigma(y) =
 * sinh((x - y) / 2) / (2 cosh(x / 2) cosh(y / 2)), with x - y = (u - ubar)(1 - e). */
float bcn_burstprop_hidden_at(const size_t i, __global const float *ubar,
                              __global const float *u, __global const float *r, const int has_r,
                              __global const float *e, __global float *bbar, __global float *b,
                              __global float *delta, __global float *abar, const int has_abar)
{
    const float ei = e[i];
    const float ri = has_r ? r[i] : 0.0f;
    const float ab = ubar[i] * (1.0f - ei) - ri;
    const float at = u[i] * (1.0f - ei) - ri;
    const float bb = bcn_sigmoid(ab) * ei;
    const float bt = bcn_sigmoid(at) * ei;
    const float diff = (u[i] - ubar[i]) * (1.0f - ei);
    float d;
    if (fabs(diff) < 1.0f && fabs(at) < 80.0f && fabs(ab) < 80.0f)
        d = -ei * sinh(0.5f * diff) / (2.0f * cosh(0.5f * at) * cosh(0.5f * ab));
    else
        d = -(bt - bb);
    bbar[i] = bb;
    b[i] = bt;
    delta[i] = d;
    if (has_abar)
        abar[i] = ab;
    return d;
}

/* One work-item per element. Optional buffers come with a flag. */
__kernel void bcn_output_burst(const uint n, __global const float *e, __global const float *t,
                               const int has_t, const float p_b, const float s,
                               __global float *b, __global float *delta, const int has_delta,
                               __global float *bbar, const int has_bbar)
{
    const size_t i = get_global_id(0);
    if (i < n)
        bcn_output_burst_at(i, e, t, has_t, p_b, s, b, delta, has_delta, bbar, has_bbar);
}

__kernel void bcn_burstccn_hidden(const uint n, __global const float *u, __global const float *e,
                                  const float p_b, __global float *b, __global float *delta)
{
    const size_t i = get_global_id(0);
    if (i < n)
        bcn_burstccn_hidden_at(i, u, e, p_b, b, delta);
}

__kernel void bcn_burstprop_hidden(const uint n, __global const float *ubar,
                                   __global const float *u, __global const float *r,
                                   const int has_r, __global const float *e,
                                   __global float *bbar, __global float *b,
                                   __global float *delta, __global float *abar,
                                   const int has_abar)
{
    const size_t i = get_global_id(0);
    if (i < n)
        bcn_burstprop_hidden_at(i, ubar, u, r, has_r, e, bbar, b, delta, abar, has_abar);
}

/* The same over rows x cols, fused with the bias gradient of delta
 * (lib/backend.h's bcn_bias_grad): work-item j owns column j, walks the
 * rows and writes gc[j] = alpha sum_r delta[r][j] (compensated sum). */
__kernel void bcn_output_burst_gc(const uint rows, const uint cols, __global const float *e,
                                  __global const float *t, const int has_t, const float p_b,
                                  const float s, __global float *b, __global float *delta,
                                  const int has_delta, __global float *bbar, const int has_bbar,
                                  const float alpha, __global float *gc)
{
    const size_t j = get_global_id(0);
    if (j >= cols)
        return;
    float sum = 0.0f, c = 0.0f;
    for (uint r = 0; r < rows; r++)
        bcn_kahan_add(&sum, &c,
                      bcn_output_burst_at((size_t)r * cols + j, e, t, has_t, p_b, s, b, delta,
                                          has_delta, bbar, has_bbar));
    gc[j] = alpha * sum;
}

__kernel void bcn_burstccn_hidden_gc(const uint rows, const uint cols, __global const float *u,
                                     __global const float *e, const float p_b,
                                     __global float *b, __global float *delta,
                                     const float alpha, __global float *gc)
{
    const size_t j = get_global_id(0);
    if (j >= cols)
        return;
    float s = 0.0f, c = 0.0f;
    for (uint r = 0; r < rows; r++)
        bcn_kahan_add(&s, &c, bcn_burstccn_hidden_at((size_t)r * cols + j, u, e, p_b, b, delta));
    gc[j] = alpha * s;
}

__kernel void bcn_burstprop_hidden_gc(const uint rows, const uint cols,
                                      __global const float *ubar, __global const float *u,
                                      __global const float *rr, const int has_r,
                                      __global const float *e, __global float *bbar,
                                      __global float *b, __global float *delta,
                                      __global float *abar, const int has_abar,
                                      const float alpha, __global float *gc)
{
    const size_t j = get_global_id(0);
    if (j >= cols)
        return;
    float s = 0.0f, c = 0.0f;
    for (uint r = 0; r < rows; r++)
        bcn_kahan_add(&s, &c,
                      bcn_burstprop_hidden_at((size_t)r * cols + j, ubar, u, rr, has_r, e, bbar,
                                              b, delta, abar, has_abar));
    gc[j] = alpha * s;
}
