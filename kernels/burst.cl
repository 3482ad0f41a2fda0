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

/* Output layer: p = p_b (1 + s (t - e)(1 - e)), or p = p_b without a
 * teacher (has_t == 0); b = p e; delta = -(b - p_b e) when has_delta,
 * computed as -p_b s (t - e)(1 - e) e (and 0 without a teacher). */
__kernel void bcn_output_burst(const uint n, __global const float *e, __global const float *t,
                               const int has_t, const float p_b, const float s,
                               __global float *b, __global float *delta, const int has_delta)
{
    const size_t i = get_global_id(0);
    if (i >= n)
        return;
    const float ei = e[i];
    const float drive = has_t ? s * (t[i] - ei) * (1.0f - ei) : 0.0f;
    b[i] = p_b * (1.0f + drive) * ei;
    if (has_delta)
        delta[i] = -(p_b * drive * ei);
}

/* BurstCCN hidden layer: p = sigma(4 u (1 - e)); b = p e; delta = -(p - p_b) e,
 * with p - p_b = tanh(z / 2) / 2 + (1/2 - p_b) (sigma(z) = (1 + tanh(z / 2)) / 2). */
__kernel void bcn_burstccn_hidden(const uint n, __global const float *u, __global const float *e,
                                  const float p_b, __global float *b, __global float *delta)
{
    const size_t i = get_global_id(0);
    if (i >= n)
        return;
    const float ei = e[i];
    const float z = 4.0f * u[i] * (1.0f - ei);
    b[i] = bcn_sigmoid(z) * ei;
    delta[i] = -(0.5f * tanh(0.5f * z) + (0.5f - p_b)) * ei;
}

/* Burstprop hidden layer, both phases in one pass (r = 0 when has_r == 0):
 * abar' = ubar (1 - e) - r; bbar = sigma(abar') e; b = sigma(u (1 - e) - r) e;
 * delta = -(b - bbar); abar receives abar' when has_abar. For
 * nearby arguments delta uses sigma(x) - sigma(y) =
 * sinh((x - y) / 2) / (2 cosh(x / 2) cosh(y / 2)), with x - y = (u - ubar)(1 - e). */
__kernel void bcn_burstprop_hidden(const uint n, __global const float *ubar,
                                   __global const float *u, __global const float *r,
                                   const int has_r, __global const float *e,
                                   __global float *bbar, __global float *b,
                                   __global float *delta, __global float *abar,
                                   const int has_abar)
{
    const size_t i = get_global_id(0);
    if (i >= n)
        return;
    const float ei = e[i];
    const float ri = has_r ? r[i] : 0.0f;
    const float ab = ubar[i] * (1.0f - ei) - ri;
    const float at = u[i] * (1.0f - ei) - ri;
    const float bb = bcn_sigmoid(ab) * ei;
    const float bt = bcn_sigmoid(at) * ei;
    const float diff = (u[i] - ubar[i]) * (1.0f - ei);
    bbar[i] = bb;
    b[i] = bt;
    if (fabs(diff) < 1.0f && fabs(at) < 80.0f && fabs(ab) < 80.0f)
        delta[i] = -ei * sinh(0.5f * diff) / (2.0f * cosh(0.5f * at) * cosh(0.5f * ab));
    else
        delta[i] = -(bt - bb);
    if (has_abar)
        abar[i] = ab;
}
