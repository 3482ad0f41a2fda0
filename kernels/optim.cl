/*
 * optim.cl -- the optimiser (SPEC section 8) in one launch over a packed
 * buffer of every layer's parameters, weight decay decoupled (applied to
 * the old weight, not scaled by lr).
 *
 * The buffer is split into blocks of BCN_OPT_BLOCK floats (a -D option, a
 * multiple of 4); block b takes lr = table[3b], wd = table[3b + 1] and
 * updates only its first table[3b + 2] floats (the rest is padding between
 * segments, neither read nor written). Each work-item updates 4
 * consecutive floats as a float4, or float by float where its four are not
 * all in use (the end of a segment or of the buffer); both paths do the
 * same arithmetic in the same order.
 */
#ifndef BCN_OPT_BLOCK
#define BCN_OPT_BLOCK 256
#endif

/* Each update written once, for a float4 or a float alike (the names lr,
 * wd, mom, beta1, beta2, eps, bc1, bc2 are the kernel's). */
#define BCN_SGD_W(w, g) ((w) - lr * (g) - wd * (w))
#define BCN_MOM_V(m, g) (mom * (m) + (g))
#define BCN_MOM_W(w, v) ((w) - lr * (v) - wd * (w))
#define BCN_ADAM_M(m, g) (beta1 * (m) + (1.0f - beta1) * (g))
#define BCN_ADAM_V(v, g) (beta2 * (v) + (1.0f - beta2) * (g) * (g))
#define BCN_ADAM_W(w, m, v) ((w) - lr * ((m) / bc1) / (sqrt((v) / bc2) + eps) - wd * (w))

/* The hyper-parameters of the block holding float i0, and where the floats
 * in use of that block end (at most n). */
uint bcn_opt_end(const uint n, __global const float *table, const uint i0, float *lr,
                 float *wd)
{
    const uint b = i0 / BCN_OPT_BLOCK;
    const float used = table[3 * b + 2];
    *lr = table[3 * b];
    *wd = table[3 * b + 1];
    uint end = b * BCN_OPT_BLOCK;
    if (used > 0.0f) /* NaN counts as 0 */
        end += used >= (float)BCN_OPT_BLOCK ? BCN_OPT_BLOCK : (uint)used;
    return end < n ? end : n;
}

/* w = w - lr g - wd w. */
__kernel void bcn_opt_sgd(const uint n, __global const float *table, __global const float *g,
                          __global float *w)
{
    const uint i0 = (uint)get_global_id(0) * 4u;
    if (i0 >= n)
        return;
    float lr, wd;
    const uint end = bcn_opt_end(n, table, i0, &lr, &wd);
    if (i0 + 4u <= end) {
        vstore4(BCN_SGD_W(vload4(0, w + i0), vload4(0, g + i0)), 0, w + i0);
        return;
    }
    for (uint i = i0; i < end; i++)
        w[i] = BCN_SGD_W(w[i], g[i]);
}

/* v = mom v + g; w = w - lr v - wd w (v in m). */
__kernel void bcn_opt_momentum(const uint n, __global const float *table, const float mom,
                               __global const float *g, __global float *m, __global float *w)
{
    const uint i0 = (uint)get_global_id(0) * 4u;
    if (i0 >= n)
        return;
    float lr, wd;
    const uint end = bcn_opt_end(n, table, i0, &lr, &wd);
    if (i0 + 4u <= end) {
        const float4 vi = BCN_MOM_V(vload4(0, m + i0), vload4(0, g + i0));
        vstore4(vi, 0, m + i0);
        vstore4(BCN_MOM_W(vload4(0, w + i0), vi), 0, w + i0);
        return;
    }
    for (uint i = i0; i < end; i++) {
        const float vi = BCN_MOM_V(m[i], g[i]);
        m[i] = vi;
        w[i] = BCN_MOM_W(w[i], vi);
    }
}

/* Adam with bias corrections bc1 = 1 - beta1^step, bc2 = 1 - beta2^step
 * computed once on the host: m = beta1 m + (1-beta1) g;
 * v = beta2 v + (1-beta2) g^2; w = w - lr (m / bc1) / (sqrt(v / bc2) + eps)
 * - wd w. */
__kernel void bcn_opt_adam(const uint n, __global const float *table, const float beta1,
                           const float beta2, const float eps, const float bc1,
                           const float bc2, __global const float *g, __global float *m,
                           __global float *v, __global float *w)
{
    const uint i0 = (uint)get_global_id(0) * 4u;
    if (i0 >= n)
        return;
    float lr, wd;
    const uint end = bcn_opt_end(n, table, i0, &lr, &wd);
    if (i0 + 4u <= end) {
        const float4 gi = vload4(0, g + i0);
        const float4 mi = BCN_ADAM_M(vload4(0, m + i0), gi);
        const float4 vi = BCN_ADAM_V(vload4(0, v + i0), gi);
        vstore4(mi, 0, m + i0);
        vstore4(vi, 0, v + i0);
        vstore4(BCN_ADAM_W(vload4(0, w + i0), mi, vi), 0, w + i0);
        return;
    }
    for (uint i = i0; i < end; i++) {
        const float gi = g[i];
        const float mi = BCN_ADAM_M(m[i], gi);
        const float vi = BCN_ADAM_V(v[i], gi);
        m[i] = mi;
        v[i] = vi;
        w[i] = BCN_ADAM_W(w[i], mi, vi);
    }
}
