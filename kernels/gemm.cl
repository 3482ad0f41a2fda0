/*
 * gemm.cl -- the backend's own SGEMM kernels, C = alpha op(A) op(B) + beta C
 * on row-major matrices (lib/cl/cl_gemm.c decides per call between these and
 * CLBlast). They are written for devices that run a work-item as a loop on a
 * CPU core with wide vector registers (PoCL, Intel's and AMD's CPU drivers):
 * each work-item keeps a register tile of C in explicit vectors and streams
 * op(A) and op(B) from the caches, with no local memory and no barriers.
 * On 2 AVX-512 cores under PoCL they run the training step's shapes (one
 * dimension 32, the batch) at 70-120 GFLOP/s where CLBlast's direct kernels
 * reach 10-35.
 *
 * Tile sizes arrive as -D options (lib/cl/cl_tuning.c):
 *   BCN_GEMM_VW  vector width, 8 or 16 floats (one AVX / AVX-512 register)
 *   BCN_GEMM_RM  rows of C per work-item in the op(B) = B kernels
 *   BCN_GEMM_DM, BCN_GEMM_DN  rows and columns of C per work-item in the
 *                op(B) = Bᵀ kernel, which forms dot products along k
 * A work-item whose tile crosses the edge of C takes a scalar path.
 * Products accumulate in float with fma (the ref backend accumulates in
 * double; the op tests hold these kernels to it like every other).
 */
#ifndef BCN_GEMM_VW
#define BCN_GEMM_VW 16
#endif
#ifndef BCN_GEMM_RM
#define BCN_GEMM_RM 8
#endif
#ifndef BCN_GEMM_DM
#define BCN_GEMM_DM 2
#endif
#ifndef BCN_GEMM_DN
#define BCN_GEMM_DN 4
#endif

#if BCN_GEMM_VW == 16
typedef float16 bcn_floatv;
#define BCN_GEMM_VLOAD vload16
#define BCN_GEMM_VSTORE vstore16
/* Sum of the lanes of v. */
float bcn_hsum(bcn_floatv v)
{
    float8 h8 = v.lo + v.hi;
    float4 h4 = h8.lo + h8.hi;
    float2 h2 = h4.lo + h4.hi;
    return h2.lo + h2.hi;
}
#elif BCN_GEMM_VW == 8
typedef float8 bcn_floatv;
#define BCN_GEMM_VLOAD vload8
#define BCN_GEMM_VSTORE vstore8
float bcn_hsum(bcn_floatv v)
{
    float4 h4 = v.lo + v.hi;
    float2 h2 = h4.lo + h4.hi;
    return h2.lo + h2.hi;
}
#else
#error "BCN_GEMM_VW must be 8 or 16"
#endif

/* C[i][j] = alpha s + beta C[i][j], C not read when beta == 0. */
#define BCN_GEMM_STORE(C, idx, s, alpha, beta)                                       \
    do {                                                                             \
        float v_ = (alpha) * (s);                                                    \
        if ((beta) != 0.0f)                                                          \
            v_ += (beta) * (C)[idx];                                                 \
        (C)[idx] = v_;                                                               \
    } while (0)

/* op(B) = B: a work-item computes BCN_GEMM_RM rows by one vector of columns
 * of C, broadcasting op(A)[i][p] against row p of B. AIDX(i, p) is the
 * offset of op(A)[i][p]: A[i][p] (gemm_nn) or A[p][i] (gemm_tn). */
#define BCN_GEMM_XN(NAME, AIDX)                                                      \
    __kernel void NAME(int m, int n, int k, float alpha, __global const float *A,    \
                       int lda, __global const float *B, int ldb, float beta,        \
                       __global float *C, int ldc)                                   \
    {                                                                                \
        int j0 = (int)get_global_id(0) * BCN_GEMM_VW;                                \
        int i0 = (int)get_global_id(1) * BCN_GEMM_RM;                                \
        if (i0 >= m || j0 >= n)                                                      \
            return;                                                                  \
        if (i0 + BCN_GEMM_RM <= m && j0 + BCN_GEMM_VW <= n) {                        \
            bcn_floatv acc[BCN_GEMM_RM];                                             \
            _Pragma("unroll") for (int r = 0; r < BCN_GEMM_RM; r++)                  \
                acc[r] = (bcn_floatv)(0.0f);                                         \
            for (int p = 0; p < k; p++) {                                            \
                bcn_floatv b = BCN_GEMM_VLOAD(0, B + (size_t)p * ldb + j0);               \
                _Pragma("unroll") for (int r = 0; r < BCN_GEMM_RM; r++)              \
                    acc[r] = fma((bcn_floatv)(A[AIDX(i0 + r, p)]), b, acc[r]);       \
            }                                                                        \
            _Pragma("unroll") for (int r = 0; r < BCN_GEMM_RM; r++) {                \
                __global float *cp = C + (size_t)(i0 + r) * ldc + j0;                \
                bcn_floatv v = alpha * acc[r];                                       \
                if (beta != 0.0f)                                                    \
                    v += beta * BCN_GEMM_VLOAD(0, cp);                                    \
                BCN_GEMM_VSTORE(v, 0, cp);                                                \
            }                                                                        \
            return;                                                                  \
        }                                                                            \
        int ie = min(i0 + BCN_GEMM_RM, m), je = min(j0 + BCN_GEMM_VW, n);            \
        for (int i = i0; i < ie; i++)                                                \
            for (int j = j0; j < je; j++) {                                          \
                float s = 0.0f;                                                      \
                for (int p = 0; p < k; p++)                                          \
                    s = fma(A[AIDX(i, p)], B[(size_t)p * ldb + j], s);               \
                BCN_GEMM_STORE(C, (size_t)i * ldc + j, s, alpha, beta);              \
            }                                                                        \
    }

#define BCN_AIDX_N(i, p) ((size_t)(i) * lda + (p))
#define BCN_AIDX_T(i, p) ((size_t)(p) * lda + (i))
BCN_GEMM_XN(bcn_gemm_nn, BCN_AIDX_N)
BCN_GEMM_XN(bcn_gemm_tn, BCN_AIDX_T)

/* op(A) = A, op(B) = Bᵀ: rows of A and of B are both contiguous along k, so
 * a work-item forms BCN_GEMM_DM x BCN_GEMM_DN dot products a vector of k at
 * a time and adds the lanes at the end. */
__kernel void bcn_gemm_nt(int m, int n, int k, float alpha, __global const float *A, int lda,
                          __global const float *B, int ldb, float beta, __global float *C,
                          int ldc)
{
    int j0 = (int)get_global_id(0) * BCN_GEMM_DN;
    int i0 = (int)get_global_id(1) * BCN_GEMM_DM;
    if (i0 >= m || j0 >= n)
        return;
    if (i0 + BCN_GEMM_DM <= m && j0 + BCN_GEMM_DN <= n) {
        bcn_floatv acc[BCN_GEMM_DM][BCN_GEMM_DN];
        _Pragma("unroll") for (int r = 0; r < BCN_GEMM_DM; r++)
            _Pragma("unroll") for (int c = 0; c < BCN_GEMM_DN; c++)
                acc[r][c] = (bcn_floatv)(0.0f);
        int kv = k / BCN_GEMM_VW * BCN_GEMM_VW;
        for (int p = 0; p < kv; p += BCN_GEMM_VW) {
            bcn_floatv a[BCN_GEMM_DM], b[BCN_GEMM_DN];
            _Pragma("unroll") for (int r = 0; r < BCN_GEMM_DM; r++)
                a[r] = BCN_GEMM_VLOAD(0, A + (size_t)(i0 + r) * lda + p);
            _Pragma("unroll") for (int c = 0; c < BCN_GEMM_DN; c++)
                b[c] = BCN_GEMM_VLOAD(0, B + (size_t)(j0 + c) * ldb + p);
            _Pragma("unroll") for (int r = 0; r < BCN_GEMM_DM; r++)
                _Pragma("unroll") for (int c = 0; c < BCN_GEMM_DN; c++)
                    acc[r][c] = fma(a[r], b[c], acc[r][c]);
        }
        _Pragma("unroll") for (int r = 0; r < BCN_GEMM_DM; r++)
            _Pragma("unroll") for (int c = 0; c < BCN_GEMM_DN; c++) {
                const __global float *ar = A + (size_t)(i0 + r) * lda;
                const __global float *bc = B + (size_t)(j0 + c) * ldb;
                float s = bcn_hsum(acc[r][c]);
                for (int p = kv; p < k; p++)
                    s = fma(ar[p], bc[p], s);
                BCN_GEMM_STORE(C, (size_t)(i0 + r) * ldc + j0 + c, s, alpha, beta);
            }
        return;
    }
    int ie = min(i0 + BCN_GEMM_DM, m), je = min(j0 + BCN_GEMM_DN, n);
    for (int i = i0; i < ie; i++)
        for (int j = j0; j < je; j++) {
            float s = 0.0f;
            for (int p = 0; p < k; p++)
                s = fma(A[(size_t)i * lda + p], B[(size_t)j * ldb + p], s);
            BCN_GEMM_STORE(C, (size_t)i * ldc + j, s, alpha, beta);
        }
}
