/*
 * angles.c — the angle metric of SPEC §9, in double precision.
 */
#include "config.h"

#include <math.h>

#include "burstccn.h"

bcn_angle bcn_angle_from_dots(double ab, double aa, double bb)
{
    bcn_angle a = {0, 0.0, sqrt(aa > 0 ? aa : 0), sqrt(bb > 0 ? bb : 0)};
    if (!(a.norm_a > 0.0) || !(a.norm_b > 0.0) || !isfinite(ab) || !isfinite(aa) ||
        !isfinite(bb))
        return a; /* zero norm (or non-finite input): no angle */
    double c = ab / (a.norm_a * a.norm_b);
    if (c > 1.0)
        c = 1.0;
    if (c < -1.0)
        c = -1.0;
    a.valid = 1;
    a.degrees = acos(c) * (180.0 / 3.14159265358979323846);
    return a;
}

bcn_angle bcn_vec_angle(const float *a, const float *b, size_t n)
{
    double ab = 0, aa = 0, bb = 0;
    if (!a || !b)
        n = 0; /* no vector: no angle (valid = 0) */
    for (size_t i = 0; i < n; i++) {
        double x = a[i], y = b[i];
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    return bcn_angle_from_dots(ab, aa, bb);
}
