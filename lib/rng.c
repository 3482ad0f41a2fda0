/*
 * rng.c — the documented PRNG behind every seeded choice: xoshiro256**
 * (Blackman & Vigna 2018) seeded by splitmix64, Box–Muller normals.
 * The uniform stream is integer arithmetic, the same everywhere; normals
 * use libm's log, sqrt and cos, which are not correctly rounded, so they
 * may differ in the last bits across libm versions (never across backends:
 * initial weights are drawn on the host).
 */
#include "config.h"

#include <math.h>

#include "burstccn.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void bcn_rng_seed(bcn_rng *rng, uint64_t seed)
{
    if (!rng)
        return;
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&x);
    rng->spare = 0.0;
    rng->has_spare = 0;
}

uint64_t bcn_rng_u64(bcn_rng *rng)
{
    if (!rng)
        return 0;
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double bcn_rng_uniform(bcn_rng *rng)
{
    if (!rng)
        return 0.0;
    return (double)(bcn_rng_u64(rng) >> 11) * 0x1.0p-53;
}

double bcn_rng_normal(bcn_rng *rng)
{
    if (!rng)
        return 0.0;
    if (rng->has_spare) {
        rng->has_spare = 0;
        return rng->spare;
    }
    double u1;
    do {
        u1 = bcn_rng_uniform(rng);
    } while (u1 <= 0.0);
    double u2 = bcn_rng_uniform(rng);
    double r = sqrt(-2.0 * log(u1));
    double th = 6.283185307179586476925 * u2;
    rng->spare = r * sin(th);
    rng->has_spare = 1;
    return r * cos(th);
}

uint64_t bcn_rng_below(bcn_rng *rng, uint64_t n)
{
    if (!rng || n == 0)
        return 0;
    /* Rejection sampling: accept only below the largest multiple of n. */
    uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
    uint64_t v;
    do {
        v = bcn_rng_u64(rng);
    } while (v >= limit);
    return v % n;
}

void bcn_rng_shuffle(bcn_rng *rng, int *idx, int n)
{
    if (!rng || !idx)
        return;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)bcn_rng_below(rng, (uint64_t)i + 1);
        int tmp = idx[i];
        idx[i] = idx[j];
        idx[j] = tmp;
    }
}
