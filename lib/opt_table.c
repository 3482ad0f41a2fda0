/*
 * opt_table.c — building the optimiser's per-block table (lib/opt_table.h).
 */
#include "config.h"

#include "backend.h"
#include "opt_table.h"

size_t bcn_opt_table_floats(size_t n)
{
    size_t blocks = (n + BCN_OPT_BLOCK - 1) / BCN_OPT_BLOCK;
    return (blocks ? blocks : 1) * BCN_OPT_TABLE_STRIDE;
}

int bcn_opt_table_fill(const bcn_opt_segment *seg, size_t count, size_t n, float *table)
{
    size_t end = 0; /* where the previous segment's blocks end */
    for (size_t s = 0; s < count; s++) {
        if (seg[s].offset % BCN_OPT_BLOCK || seg[s].offset < end || seg[s].offset > n ||
            seg[s].n > n - seg[s].offset)
            return -1;
        end = seg[s].offset + (seg[s].n + BCN_OPT_BLOCK - 1) / BCN_OPT_BLOCK * BCN_OPT_BLOCK;
    }
    size_t floats = bcn_opt_table_floats(n);
    for (size_t i = 0; i < floats; i++)
        table[i] = 0.0f;
    for (size_t s = 0; s < count; s++) {
        size_t b0 = seg[s].offset / BCN_OPT_BLOCK;
        for (size_t done = 0; done < seg[s].n; done += BCN_OPT_BLOCK) {
            size_t left = seg[s].n - done;
            float *row = table + (b0 + done / BCN_OPT_BLOCK) * BCN_OPT_TABLE_STRIDE;
            row[0] = seg[s].lr;
            row[1] = seg[s].wd;
            row[2] = (float)(left < BCN_OPT_BLOCK ? left : BCN_OPT_BLOCK);
        }
    }
    return 0;
}
