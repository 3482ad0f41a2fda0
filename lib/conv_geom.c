/*
 * conv_geom.c — the convolution geometry shared by the backends and the
 * network (SPEC §12).
 */
#include "config.h"

#include "backend.h"

int bcn_conv_geom_valid(const bcn_conv_geom *g)
{
    if (!g || g->c_in < 1 || g->h_in < 1 || g->w_in < 1 || g->c_out < 1 || g->k < 1 ||
        g->stride < 1 || g->pad < 0)
        return 0;
    long hspan = (long)g->h_in + 2L * g->pad - g->k, wspan = (long)g->w_in + 2L * g->pad - g->k;
    if (hspan < 0 || wspan < 0)
        return 0;
    return g->h_out == hspan / g->stride + 1 && g->w_out == wspan / g->stride + 1;
}
