/*
 * reduce.cl -- reductions in single precision (no cl_khr_fp64 needed): each
 * work-item adds a short run of elements (compensated where runs can be
 * long), then a work-group tree in local memory; per-group partials are
 * finished by a second small kernel (colsum, stays on the device) or summed
 * in double on the host (dot3). BCN_WG, BCN_COLSUM_TX and BCN_COLSUM_TY are
 * powers of two and equal the launch's local sizes.
 */

/* Column sums, pass 1. Local size (BCN_COLSUM_TX, BCN_COLSUM_TY); global
 * (cols rounded up, BCN_COLSUM_TY x groups). Work-group (gx, g) sums rows
 * [g rows_per_group, (g+1) rows_per_group) of BCN_COLSUM_TX adjacent
 * columns: lane ly takes every BCN_COLSUM_TY-th row, so each row is read
 * as contiguous, coalesced runs. With final != 0 (one group of rows) it
 * writes y[j] = alpha sum + beta y[j] (y not read when beta == 0); otherwise
 * partial[g cols + j] = sum. */
__kernel void bcn_colsum_partial(const uint rows, const uint cols, const uint rows_per_group,
                                 __global const float *x, __global float *partial,
                                 const int final, const float alpha, const float beta,
                                 __global float *y)
{
    __local float tile[BCN_COLSUM_TY][BCN_COLSUM_TX];
    const uint lx = get_local_id(0), ly = get_local_id(1);
    const size_t j = get_global_id(0);
    const uint g = get_group_id(1);
    const uint r0 = g * rows_per_group;
    const uint r1 = min(rows, r0 + rows_per_group);
    float s = 0.0f;
    if (j < cols)
        for (uint r = r0 + ly; r < r1; r += BCN_COLSUM_TY)
            s += x[(size_t)r * cols + j];
    tile[ly][lx] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint h = BCN_COLSUM_TY / 2; h > 0; h >>= 1) {
        if (ly < h)
            tile[ly][lx] += tile[ly + h][lx];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (ly == 0 && j < cols) {
        const float total = tile[0][lx];
        if (final)
            y[j] = beta == 0.0f ? alpha * total : alpha * total + beta * y[j];
        else
            partial[(size_t)g * cols + j] = total;
    }
}

/* Column sums, pass 2: y[j] = alpha sum_g partial[g cols + j] + beta y[j]
 * (y not read when beta == 0). One work-item per column. */
__kernel void bcn_colsum_final(const uint groups, const uint cols,
                               __global const float *partial, const float alpha,
                               const float beta, __global float *y)
{
    const size_t j = get_global_id(0);
    if (j >= cols)
        return;
    float s = 0.0f;
    for (uint g = 0; g < groups; g++)
        s += partial[(size_t)g * cols + j];
    y[j] = beta == 0.0f ? alpha * s : alpha * s + beta * y[j];
}

/* Tree-sum buf[0..BCN_WG) into buf[0]; every work-item must call it. */
void bcn_tree_sum(__local float *buf, const uint lid)
{
    for (uint h = BCN_WG / 2; h > 0; h >>= 1) {
        barrier(CLK_LOCAL_MEM_FENCE);
        if (lid < h)
            buf[lid] += buf[lid + h];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
}

/* a.b, a.a, b.b: work-group g writes its three partial sums to
 * partial[3g .. 3g+2]; the host adds the groups in double. Local size
 * BCN_WG, any number of groups (grid-stride loop). */
__kernel void bcn_dot3_partial(const uint n, __global const float *a, __global const float *b,
                               __global float *partial)
{
    __local float sab[BCN_WG], saa[BCN_WG], sbb[BCN_WG];
    const uint lid = get_local_id(0);
    float ab = 0.0f, aa = 0.0f, bb = 0.0f, cab = 0.0f, caa = 0.0f, cbb = 0.0f;
    for (size_t i = get_global_id(0); i < n; i += get_global_size(0)) {
        const float ai = a[i], bi = b[i];
        bcn_kahan_add(&ab, &cab, ai * bi);
        bcn_kahan_add(&aa, &caa, ai * ai);
        bcn_kahan_add(&bb, &cbb, bi * bi);
    }
    sab[lid] = ab;
    saa[lid] = aa;
    sbb[lid] = bb;
    bcn_tree_sum(sab, lid);
    bcn_tree_sum(saa, lid);
    bcn_tree_sum(sbb, lid);
    if (lid == 0) {
        const size_t g = get_group_id(0);
        partial[3 * g] = sab[0];
        partial[3 * g + 1] = saa[0];
        partial[3 * g + 2] = sbb[0];
    }
}

/* The output layer's forward pass fused with the loss and accuracy of the
 * batch (one work-group of BCN_WG items, each owning rows): x viewed as
 * rows x width with width = cols inner, x[r][k] = sigma(x[r][k] + bias[k /
 * inner]); stats[2 slot] = sum (x - t)^2 over rows x width, stats[2 slot +
 * 1] = number of rows whose first argmax of x equals the first argmax of t. */
__kernel void bcn_bias_sigmoid_stats(const uint rows, const uint width, const uint inner,
                                     __global float *x, __global const float *bias,
                                     __global const float *t, __global float *stats,
                                     const uint slot)
{
    __local float ssq[BCN_WG], sok[BCN_WG];
    const uint lid = get_local_id(0);
    float sq = 0.0f, csq = 0.0f;
    uint correct = 0;
    for (uint r = lid; r < rows; r += BCN_WG) {
        __global float *er = x + (size_t)r * width;
        __global const float *tr = t + (size_t)r * width;
        float best_e = 0.0f, best_t = tr[0];
        uint arg_e = 0, arg_t = 0;
        for (uint k = 0; k < width; k++) {
            const float ek = bcn_sigmoid(er[k] + bias[k / inner]), tk = tr[k], d = ek - tk;
            er[k] = ek;
            bcn_kahan_add(&sq, &csq, d * d);
            if (k == 0 || ek > best_e) {
                best_e = ek;
                arg_e = k;
            }
            if (tk > best_t) {
                best_t = tk;
                arg_t = k;
            }
        }
        correct += arg_e == arg_t;
    }
    ssq[lid] = sq;
    sok[lid] = (float)correct; /* exact: counts stay far below 2^24 */
    bcn_tree_sum(ssq, lid);
    bcn_tree_sum(sok, lid);
    if (lid == 0) {
        stats[2 * (size_t)slot] = ssq[0];
        stats[2 * (size_t)slot + 1] = sok[0];
    }
}

/* Column sums over an inner extent (a convolution layer's bias gradient):
 * x viewed as rows x cols x inner, y[j] = alpha sum_r sum_s x[r][j][s] +
 * beta y[j] (y not read when beta == 0). One work-group per column j, of
 * any power-of-two size L <= BCN_WG (the tuning's colsum_lanes, fewer for
 * short columns): item l adds values l, l + L, ... ((r, s) advanced
 * without divisions), then a tree. */
__kernel void bcn_colsum_inner(const uint rows, const uint cols, const uint inner,
                               __global const float *x, const float alpha, const float beta,
                               __global float *y)
{
    __local float buf[BCN_WG];
    const uint lid = get_local_id(0), j = get_group_id(0), L = get_local_size(0);
    const uint total = rows * inner, dr = L / inner, ds = L % inner;
    uint r = lid / inner, s = lid % inner;
    float acc = 0.0f;
    for (uint e = lid; e < total; e += L) {
        acc += x[((size_t)r * cols + j) * inner + s];
        r += dr;
        s += ds;
        if (s >= inner) {
            s -= inner;
            r++;
        }
    }
    buf[lid] = acc;
    for (uint h = L / 2; h > 0; h >>= 1) {
        barrier(CLK_LOCAL_MEM_FENCE);
        if (lid < h)
            buf[lid] += buf[lid + h];
    }
    if (lid == 0)
        y[j] = beta == 0.0f ? alpha * buf[0] : alpha * buf[0] + beta * y[j];
}
