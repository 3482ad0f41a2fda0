/*
 * burst.cl -- the burst computations of BurstCCN (SPEC section 5) and Burstprop
 * (SPEC section 6), each fused into one pass: every input is read once and every
 * output written once. Optional buffers come with a flag; when the flag is 0
 * the buffer argument is a placeholder and is never touched.
 */

/* Output layer: p = p_b (1 + s (t - e)(1 - e)), or p = p_b without a
 * teacher (has_t == 0); b = p e; delta = -(b - p_b e) when has_delta. */
__kernel void bcn_output_burst(const uint n, __global const float *e, __global const float *t,
                               const int has_t, const float p_b, const float s,
                               __global float *b, __global float *delta, const int has_delta)
{
    const size_t i = get_global_id(0);
    if (i >= n)
        return;
    const float ei = e[i];
    const float p = has_t ? p_b * (1.0f + s * (t[i] - ei) * (1.0f - ei)) : p_b;
    const float bi = p * ei;
    b[i] = bi;
    if (has_delta)
        delta[i] = -(bi - p_b * ei);
}

/* BurstCCN hidden layer: p = sigma(4 u (1 - e)); b = p e; delta = -(p - p_b) e. */
__kernel void bcn_burstccn_hidden(const uint n, __global const float *u, __global const float *e,
                                  const float p_b, __global float *b, __global float *delta)
{
    const size_t i = get_global_id(0);
    if (i >= n)
        return;
    const float ei = e[i];
    const float p = bcn_sigmoid(4.0f * u[i] * (1.0f - ei));
    b[i] = p * ei;
    delta[i] = -(p - p_b) * ei;
}

/* Burstprop hidden layer, both phases in one pass (r = 0 when has_r == 0):
 * abar' = ubar (1 - e) - r; bbar = sigma(abar') e; b = sigma(u (1 - e) - r) e;
 * delta = -(b - bbar); abar receives abar' when has_abar. */
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
    const float bb = bcn_sigmoid(ab) * ei;
    const float bt = bcn_sigmoid(u[i] * (1.0f - ei) - ri) * ei;
    bbar[i] = bb;
    b[i] = bt;
    delta[i] = -(bt - bb);
    if (has_abar)
        abar[i] = ab;
}
