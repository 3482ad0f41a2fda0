/*
 * common.cl -- definitions shared by every kernel file of libburstccn's
 * OpenCL backend. The files are compiled as one program, this one first.
 * OpenCL C 1.2, single precision only (no cl_khr_fp64 needed).
 *
 * Tuning values arrive as -D build options (see lib/cl/cl_program.c); the
 * defaults below only serve a build without them. Work-group sizes used in
 * tree reductions must be powers of two.
 */
#ifndef BCN_WG
#define BCN_WG 256 /* 1-D work-group size, also the tree width */
#endif
#ifndef BCN_COLSUM_TX
#define BCN_COLSUM_TX 32 /* colsum: columns per work-group */
#endif
#ifndef BCN_COLSUM_TY
#define BCN_COLSUM_TY 8 /* colsum: row lanes per work-group */
#endif

/* Same rounding as the C reference: no fused multiply-add contraction. */
#pragma OPENCL FP_CONTRACT OFF

/* sigma(z) = 1 / (1 + exp(-z)), as SPEC section 1 writes it. */
float bcn_sigmoid(float z)
{
    return 1.0f / (1.0f + exp(-z));
}

/* Kahan step: add v to the compensated sum (*s, *c). */
void bcn_kahan_add(float *s, float *c, const float v)
{
    const float y = v - *c;
    const float t = *s + y;
    *c = (t - *s) - y;
    *s = t;
}
