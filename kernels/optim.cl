/*
 * optim.cl -- optimiser updates (SPEC section 8), one pass over the parameters
 * each, weight decay decoupled (applied to the old weight, not scaled by lr).
 */

/* w = w - lr g - wd w. */
__kernel void bcn_sgd_update(const uint n, const float lr, const float wd,
                             __global const float *g, __global float *w)
{
    const size_t i = get_global_id(0);
    if (i < n) {
        const float wi = w[i];
        w[i] = wi - lr * g[i] - wd * wi;
    }
}

/* v = mom v + g; w = w - lr v - wd w. */
__kernel void bcn_momentum_update(const uint n, const float lr, const float mom, const float wd,
                                  __global const float *g, __global float *v,
                                  __global float *w)
{
    const size_t i = get_global_id(0);
    if (i < n) {
        const float vi = mom * v[i] + g[i];
        const float wi = w[i];
        v[i] = vi;
        w[i] = wi - lr * vi - wd * wi;
    }
}

/* Adam with bias corrections bc1 = 1 - beta1^step, bc2 = 1 - beta2^step computed
 * once on the host: m = beta1 m + (1-beta1) g; v = beta2 v + (1-beta2) g^2;
 * w = w - lr (m / bc1) / (sqrt(v / bc2) + eps) - wd w. */
__kernel void bcn_adam_update(const uint n, const float lr, const float beta1,
                              const float beta2, const float eps, const float bc1,
                              const float bc2, const float wd, __global const float *g,
                              __global float *m, __global float *v, __global float *w)
{
    const size_t i = get_global_id(0);
    if (i < n) {
        const float gi = g[i];
        const float mi = beta1 * m[i] + (1.0f - beta1) * gi;
        const float vi = beta2 * v[i] + (1.0f - beta2) * gi * gi;
        const float wi = w[i];
        m[i] = mi;
        v[i] = vi;
        w[i] = wi - lr * (mi / bc1) / (sqrt(vi / bc2) + eps) - wd * wi;
    }
}
