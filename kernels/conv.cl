/*
 * conv.cl -- the data movement around the GEMMs of the convolution slots
 * (SPEC section 12; lib/cl/cl_conv.c does the GEMMs through CLBlast).
 *
 * Activations are NCHW: batch x c x h x w. The column matrix of a batch has
 * one row per kernel tap kk = (i k + p) k + q (K = c_in k k rows) and one
 * column per output position of every image; element (kk, b, pp), pp =
 * oy w_out + ox, lives at col[kk ks + b bs + pp]. With ks = batch P and
 * bs = P (P = h_out w_out) it is the K x (batch P) row-major matrix that one
 * GEMM multiplies for the whole batch; with ks = P and bs = K P it is one
 * K x P matrix per image. Every kernel checks its bounds (global sizes are
 * rounded up to the work-group); sizes fit 32 bits (checked by the host).
 */

/* im2col. Work-item (pp, b c_in + i): for each tap (p, q) of input channel
 * i it writes col[(kk, b, pp)] = x[b, i, oy s + p - pad, ox s + q - pad],
 * 0 where that position lies in the padding. */
__kernel void bcn_im2col(const uint batch, const uint c_in, const uint h_in, const uint w_in,
                         const uint h_out, const uint w_out, const uint k, const uint stride,
                         const uint pad, const uint ks, const uint bs, __global const float *x,
                         __global float *col)
{
    const uint pp = get_global_id(0), bi = get_global_id(1);
    if (pp >= h_out * w_out || bi >= batch * c_in)
        return;
    const uint b = bi / c_in, i = bi - b * c_in;
    const uint oy = pp / w_out, ox = pp - oy * w_out;
    const int y0 = (int)(oy * stride) - (int)pad, x0 = (int)(ox * stride) - (int)pad;
    __global const float *img = x + (size_t)bi * h_in * w_in;
    __global float *out = col + (size_t)i * k * k * ks + (size_t)b * bs + pp;
    for (uint p = 0; p < k; p++) {
        const int yy = y0 + (int)p;
        const int row_in = yy >= 0 && yy < (int)h_in;
        for (uint q = 0; q < k; q++) {
            const int xx = x0 + (int)q;
            float v = 0.0f;
            if (row_in && xx >= 0 && xx < (int)w_in)
                v = img[(size_t)yy * w_in + (uint)xx];
            out[(size_t)(p * k + q) * ks] = v;
        }
    }
}

/* col2im by gathering (deterministic, no atomics). Work-item
 * (y w_in + x, b c_in + i) adds the column entries of every tap that reads
 * input position (y, x) of channel i of image b:
 *   dx[b,i,y,x] = alpha sum_{oy s + p - pad = y, ox s + q - pad = x} dcol[(kk, b, oy w_out + ox)]
 *                 + beta dx[b,i,y,x]
 * (dx not read when beta == 0). A position no tap reads gets alpha 0 + beta dx. */
__kernel void bcn_col2im(const uint batch, const uint c_in, const uint h_in, const uint w_in,
                         const uint h_out, const uint w_out, const uint k, const uint stride,
                         const uint pad, const uint ks, const uint bs,
                         __global const float *dcol, const float alpha, const float beta,
                         __global float *dx)
{
    const uint pix = get_global_id(0), bi = get_global_id(1);
    if (pix >= h_in * w_in || bi >= batch * c_in)
        return;
    const uint b = bi / c_in, i = bi - b * c_in;
    const uint yy = pix / w_in, xx = pix - yy * w_in;
    /* In padded coordinates ty = oy s + p with 0 <= p < k, 0 <= oy < h_out. */
    const uint ty = yy + pad, tx = xx + pad;
    const uint oy_lo = ty + 1 > k ? (ty + 1 - k + stride - 1) / stride : 0;
    const uint ox_lo = tx + 1 > k ? (tx + 1 - k + stride - 1) / stride : 0;
    const uint oy_hi = min(ty / stride + 1, h_out), ox_hi = min(tx / stride + 1, w_out);
    __global const float *base = dcol + (size_t)i * k * k * ks + (size_t)b * bs;
    float acc = 0.0f;
    for (uint oy = oy_lo; oy < oy_hi; oy++) {
        const uint p = ty - oy * stride;
        for (uint ox = ox_lo; ox < ox_hi; ox++) {
            const uint q = tx - ox * stride;
            acc += base[(size_t)(p * k + q) * ks + oy * w_out + ox];
        }
    }
    const size_t n = (size_t)bi * h_in * w_in + pix;
    const float v = alpha * acc;
    dx[n] = beta == 0.0f ? v : v + beta * dx[n];
}

/* Between an NCHW batch (batch x c x plane) and the channel-major matrix
 * c x (batch plane) of the batched GEMMs. Work-item (pp, b c + o):
 * to_matrix != 0: dst[o][b plane + pp] = src[b][o][pp]; otherwise
 * dst[b][o][pp] = src[o][b plane + pp]. */
__kernel void bcn_conv_permute(const uint batch, const uint c, const uint plane,
                               const int to_matrix, __global const float *src,
                               __global float *dst)
{
    const uint pp = get_global_id(0), bo = get_global_id(1);
    if (pp >= plane || bo >= batch * c)
        return;
    const uint b = bo / c, o = bo - b * c;
    const size_t nchw = (size_t)bo * plane + pp;
    const size_t mat = ((size_t)o * batch + b) * plane + pp;
    if (to_matrix)
        dst[mat] = src[nchw];
    else
        dst[nchw] = src[mat];
}
