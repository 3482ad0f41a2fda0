/*
 * data.cl -- minibatches gathered from device-resident data
 * (bcn_net_attach_data): one work-item per element of a batch row of
 * width dim (+ classes when the one-hot targets are written).
 */

/* For r < rows, k = has_idx ? idx[r] : first + r:
 *   x[r][j] = src_x[k][j] for j < dim (an exact copy);
 *   t[r][c] = labels[k] == c for c < classes, when has_t.
 * idx and labels hold integers stored as floats (exact below 2^24). A k
 * outside [0, n_src) gives a NaN x row and a zero t row, never a read out
 * of bounds. The host checks rows * width and n_src * dim fit a uint. */
__kernel void bcn_gather_batch(const uint rows, const uint dim, const uint classes,
                               const uint n_src, const uint first, const int has_idx,
                               const int has_t, __global const float *src_x,
                               __global const float *labels, __global const float *idx,
                               __global float *x, __global float *t)
{
    const uint width = dim + (has_t ? classes : 0u);
    const size_t i = get_global_id(0);
    if (i >= (size_t)rows * width)
        return;
    const uint r = (uint)(i / width), j = (uint)(i % width);
    uint k = 0;
    int ok;
    if (has_idx) {
        const float f = idx[r];
        ok = f >= 0.0f && f < (float)n_src && f == floor(f);
        k = ok ? (uint)f : 0u;
    } else {
        k = first + r;
        ok = k < n_src;
    }
    if (j < dim)
        x[(size_t)r * dim + j] = ok ? src_x[(size_t)k * dim + j] : NAN;
    else
        t[(size_t)r * classes + (j - dim)] = ok && labels[k] == (float)(j - dim) ? 1.0f : 0.0f;
}
