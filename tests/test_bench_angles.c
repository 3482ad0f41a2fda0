/*
 * test_bench_angles.c — the angle metric the benchmark reports (SPEC §9:
 * (180/π) acos(a·b / (‖a‖‖b‖)) in double precision, cosine clipped to
 * [-1, 1], zero-norm vectors give no angle) on vectors whose angles are
 * known by hand.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "burstccn.h"

#define DEG_TOL 1e-9

Test(bench_angles, orthogonal_is_90)
{
    const float a[3] = {1, 0, 0}, b[3] = {0, 2, 0};
    bcn_angle r = bcn_vec_angle(a, b, 3);
    cr_assert(r.valid);
    cr_assert_float_eq(r.degrees, 90.0, DEG_TOL);
    cr_assert_float_eq(r.norm_a, 1.0, 1e-12);
    cr_assert_float_eq(r.norm_b, 2.0, 1e-12);
    /* A less trivial orthogonal pair: (1,2,3)·(3,0,-1) = 0. */
    const float c[3] = {1, 2, 3}, d[3] = {3, 0, -1};
    r = bcn_vec_angle(c, d, 3);
    cr_assert(r.valid);
    cr_assert_float_eq(r.degrees, 90.0, DEG_TOL);
    cr_assert_float_eq(r.norm_a, sqrt(14.0), 1e-12);
}

Test(bench_angles, parallel_is_0)
{
    const float a[4] = {1, 2, 3, 4}, b[4] = {2, 4, 6, 8};
    bcn_angle r = bcn_vec_angle(a, b, 4);
    cr_assert(r.valid);
    cr_assert_float_eq(r.degrees, 0.0, 1e-6);
    cr_assert_float_eq(r.norm_b, 2.0 * sqrt(30.0), 1e-12);
}

Test(bench_angles, opposite_is_180)
{
    const float a[2] = {1, -2}, b[2] = {-3, 6};
    bcn_angle r = bcn_vec_angle(a, b, 2);
    cr_assert(r.valid);
    cr_assert_float_eq(r.degrees, 180.0, 1e-6);
}

Test(bench_angles, known_intermediate_angles)
{
    /* cos 45° = 1/√2 and cos 120° = −1/2, worked by hand. */
    const float x[2] = {1, 0}, d45[2] = {1, 1}, d120[2] = {-1, 1.7320508075688772f};
    cr_assert_float_eq(bcn_vec_angle(x, d45, 2).degrees, 45.0, 1e-6);
    cr_assert_float_eq(bcn_vec_angle(x, d120, 2).degrees, 120.0, 1e-5);
    /* From dot products directly: a·b = 1, |a|² = 4, |b|² = 1 → cos = 1/2. */
    bcn_angle r = bcn_angle_from_dots(1.0, 4.0, 1.0);
    cr_assert(r.valid);
    cr_assert_float_eq(r.degrees, 60.0, DEG_TOL);
    cr_assert_float_eq(r.norm_a, 2.0, 1e-12);
}

Test(bench_angles, zero_vector_has_no_angle)
{
    const float z[3] = {0, 0, 0}, b[3] = {1, 2, 3};
    bcn_angle r = bcn_vec_angle(z, b, 3);
    cr_assert_eq(r.valid, 0, "a zero vector must give no angle");
    cr_assert(!isnan(r.degrees), "an invalid angle is reported, not NaN");
    cr_assert_float_eq(r.norm_a, 0.0, 0.0);
    cr_assert_float_eq(r.norm_b, sqrt(14.0), 1e-12);
    cr_assert_eq(bcn_vec_angle(b, z, 3).valid, 0);
    cr_assert_eq(bcn_vec_angle(z, z, 3).valid, 0);
    cr_assert_eq(bcn_angle_from_dots(0.0, 0.0, 5.0).valid, 0);
}

Test(bench_angles, cosine_past_one_is_clipped_not_nan)
{
    /* Rounding can make a·b exceed ‖a‖‖b‖ for (nearly) parallel vectors;
     * a naive acos would return NaN. Dots with cos = 1 + 4e-16 and
     * cos = −(1 + 4e-16): */
    double aa = 1.0, bb = 1.0, ab = 1.0 + 4e-16;
    cr_assert_gt(ab / sqrt(aa * bb), 1.0, "the case must really exceed 1");
    cr_assert(isnan(acos(ab / sqrt(aa * bb))), "naive acos is NaN here");
    bcn_angle r = bcn_angle_from_dots(ab, aa, bb);
    cr_assert(r.valid);
    cr_assert_float_eq(r.degrees, 0.0, 0.0);
    r = bcn_angle_from_dots(-ab, aa, bb);
    cr_assert(r.valid);
    cr_assert_float_eq(r.degrees, 180.0, 0.0);
}

Test(bench_angles, identical_long_vectors_give_zero)
{
    /* A vector with itself: the same value summed three ways, the angle
     * must come out 0 (finite), however the rounding falls. */
    enum { N = 4097 };
    static float v[N];
    for (int i = 0; i < N; i++)
        v[i] = 0.1f + 1e-3f * (float)(i % 97);
    bcn_angle r = bcn_vec_angle(v, v, N);
    cr_assert(r.valid);
    cr_assert(isfinite(r.degrees));
    cr_assert_lt(r.degrees, 1e-5);
}
