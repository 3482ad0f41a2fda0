/*
 * opt_table.h — the per-block hyper-parameter table of the optimize slot
 * (lib/backend.h): which floats of a packed buffer are updated, with which
 * lr and weight decay (internal).
 */
#ifndef BCN_OPT_TABLE_H
#define BCN_OPT_TABLE_H

#include <stddef.h>

/* One segment of a packed buffer: floats [offset, offset + n), updated
 * with learning rate lr and decoupled weight decay wd. */
typedef struct bcn_opt_segment {
    size_t offset, n;
    float lr, wd;
} bcn_opt_segment;

/* Floats of the table for a packed buffer of n floats. */
size_t bcn_opt_table_floats(size_t n);

/* Fill table (bcn_opt_table_floats(n) floats) for `count` segments of a
 * packed buffer of n floats: each segment starts on a block boundary
 * (offset a multiple of BCN_OPT_BLOCK), the segments are in increasing
 * order without overlap, and end within n. Blocks no segment covers, and
 * the tail of a segment's last block, are marked unused (lr = wd = 0, 0
 * floats in use). Returns 0, or -1 (table untouched) when the segments
 * break those rules. */
int bcn_opt_table_fill(const bcn_opt_segment *seg, size_t count, size_t n, float *table);

#endif /* BCN_OPT_TABLE_H */
