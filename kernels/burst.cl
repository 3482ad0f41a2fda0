/*
 * burst.cl -- the burst computations of BurstCCN (SPEC section 5) and Burstprop
 * (SPEC section 6), each fused into one pass: every input is read once and every
 * output written once. Optional buffers come with a flag; when the flag is 0
 * the buffer argument is a placeholder and is never touched. As in
 * elementwise.cl, a work-item handles BCN_EW_VW consecutive elements (the
 * formulas on common.cl's floatv, lane by lane), and each op has a column
 * form (*_gc) fused with the bias gradient of delta.
 *
 * Each delta is a difference of two nearly equal rates (b - p_b e,
 * p - p_b, b - bbar) exactly when learning is fine-grained. Subtracting
 * the rounded floats would lose most digits there, so every delta is
 * computed from an algebraically equal form without the cancellation; the
 * reference backend gets the same accuracy by working in double.
 */

/* Output layer: p = p_b (1 + s (t - e)(1 - e)), or p = p_b without a
 * teacher (has_t == 0, t not read); b = p e (into *b); delta = -(b - p_b e),
 * computed as -p_b s (t - e)(1 - e) e (and 0 without a teacher), returned. */
floatv bcn_output_burst_v(const floatv e, __global const float *t, const size_t i,
                          const uint m, const int has_t, const float p_b, const float s,
                          floatv *b)
{
    const floatv drive = has_t ? s * (bcn_ldv(t, i, m) - e) * (1.0f - e) : (floatv)(0.0f);
    *b = p_b * (1.0f + drive) * e;
    return -(p_b * drive * e);
}

/* BurstCCN hidden layer: p = sigma(4 u (1 - e)); b = p e (into *b);
 * delta = -(p - p_b) e (returned), with p - p_b = tanh(z / 2) / 2 + (1/2 - p_b)
 * (sigma(z) = (1 + tanh(z / 2)) / 2). */
floatv bcn_burstccn_hidden_v(const floatv u, const floatv e, const float p_b, floatv *b)
{
    const floatv z = 4.0f * u * (1.0f - e);
    *b = bcn_sigmoidv(z) * e;
    return -(0.5f * tanh(0.5f * z) + (0.5f - p_b)) * e;
}

/* Burstprop hidden layer, both phases (r = 0 when has_r == 0, r not read):
 * abar' = ubar (1 - e) - r (into *ab); bbar = sigma(abar') e; b = sigma(u (1 - e)
 * - r) e; delta = -(b - bbar) (returned). For nearby arguments delta uses
 * sigma(x) - sigma(y) = sinh((x - y) / 2) / (2 cosh(x / 2) cosh(y / 2)), with
 * x - y = (u - ubar)(1 - e). */
floatv bcn_burstprop_hidden_v(const floatv ubar, const floatv u, __global const float *r,
                              const size_t i, const uint m, const int has_r, const floatv e,
                              floatv *bbar, floatv *b, floatv *ab)
{
    const floatv rv = has_r ? bcn_ldv(r, i, m) : (floatv)(0.0f);
    const floatv abv = ubar * (1.0f - e) - rv;
    const floatv at = u * (1.0f - e) - rv;
    const floatv bb = bcn_sigmoidv(abv) * e;
    const floatv bt = bcn_sigmoidv(at) * e;
    const floatv diff = (u - ubar) * (1.0f - e);
    const intv is_near = (fabs(diff) < 1.0f) & (fabs(at) < 80.0f) & (fabs(abv) < 80.0f);
    const floatv d_near = -e * sinh(0.5f * diff) / (2.0f * cosh(0.5f * at) * cosh(0.5f * abv));
    *bbar = bb;
    *b = bt;
    *ab = abv;
    return select(-(bt - bb), d_near, is_near);
}

/* The output burst at i: b, delta when has_delta, bbar = p_b e when has_bbar. */
#define BCN_OUTPUT_BURST_BODY                                                               \
    {                                                                                       \
        const floatv ev = bcn_ldv(e, i, m);                                                 \
        floatv bv;                                                                          \
        d = bcn_output_burst_v(ev, t, i, m, has_t, p_b, s, &bv);                            \
        bcn_stv(b, i, m, bv);                                                               \
        if (has_delta)                                                                      \
            bcn_stv(delta, i, m, d);                                                        \
        if (has_bbar)                                                                       \
            bcn_stv(bbar, i, m, p_b * ev);                                                  \
    }

#define BCN_BURSTCCN_HIDDEN_BODY                                                            \
    {                                                                                       \
        floatv bv;                                                                          \
        d = bcn_burstccn_hidden_v(bcn_ldv(u, i, m), bcn_ldv(e, i, m), p_b, &bv);            \
        bcn_stv(b, i, m, bv);                                                               \
        bcn_stv(delta, i, m, d);                                                            \
    }

#define BCN_BURSTPROP_HIDDEN_BODY                                                           \
    {                                                                                       \
        floatv bbv, bv, abv;                                                                \
        d = bcn_burstprop_hidden_v(bcn_ldv(ubar, i, m), bcn_ldv(u, i, m), r, i, m, has_r,   \
                                   bcn_ldv(e, i, m), &bbv, &bv, &abv);                      \
        bcn_stv(bbar, i, m, bbv);                                                           \
        bcn_stv(b, i, m, bv);                                                               \
        bcn_stv(delta, i, m, d);                                                            \
        if (has_abar)                                                                       \
            bcn_stv(abar, i, m, abv);                                                       \
    }

__kernel void bcn_output_burst(const uint n, __global const float *e, __global const float *t,
                               const int has_t, const float p_b, const float s,
                               __global float *b, __global float *delta, const int has_delta,
                               __global float *bbar, const int has_bbar)
{
    BCN_OVER_ELEMENTS(BCN_OUTPUT_BURST_BODY)
}

__kernel void bcn_burstccn_hidden(const uint n, __global const float *u, __global const float *e,
                                  const float p_b, __global float *b, __global float *delta)
{
    BCN_OVER_ELEMENTS(BCN_BURSTCCN_HIDDEN_BODY)
}

__kernel void bcn_burstprop_hidden(const uint n, __global const float *ubar,
                                   __global const float *u, __global const float *r,
                                   const int has_r, __global const float *e,
                                   __global float *bbar, __global float *b,
                                   __global float *delta, __global float *abar,
                                   const int has_abar)
{
    BCN_OVER_ELEMENTS(BCN_BURSTPROP_HIDDEN_BODY)
}

__kernel void bcn_output_burst_gc(const uint rows, const uint cols, __global const float *e,
                                  __global const float *t, const int has_t, const float p_b,
                                  const float s, __global float *b, __global float *delta,
                                  const int has_delta, __global float *bbar, const int has_bbar,
                                  const float alpha, __global float *gc)
{
    BCN_OVER_COLUMNS(BCN_OUTPUT_BURST_BODY)
}

__kernel void bcn_burstccn_hidden_gc(const uint rows, const uint cols, __global const float *u,
                                     __global const float *e, const float p_b,
                                     __global float *b, __global float *delta,
                                     const float alpha, __global float *gc)
{
    BCN_OVER_COLUMNS(BCN_BURSTCCN_HIDDEN_BODY)
}

__kernel void bcn_burstprop_hidden_gc(const uint rows, const uint cols,
                                      __global const float *ubar, __global const float *u,
                                      __global const float *r, const int has_r,
                                      __global const float *e, __global float *bbar,
                                      __global float *b, __global float *delta,
                                      __global float *abar, const int has_abar,
                                      const float alpha, __global float *gc)
{
    BCN_OVER_COLUMNS(BCN_BURSTPROP_HIDDEN_BODY)
}
