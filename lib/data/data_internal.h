/*
 * data_internal.h — what the dataset readers share inside lib/data/.
 */
#ifndef BCN_DATA_INTERNAL_H
#define BCN_DATA_INTERNAL_H

#include "internal.h"

#define BCN_N_CLASSES 10

/* Room for "DIR/member" (DIR is at most bcn_dataset.path's 4096 bytes). */
#define BCN_MEMBER_PATH_MAX 4200

/* Read the IDX file `path` as bcn_idx_read does, but only its first
 * `max_records` records along the first dimension (0: all): dims[0] and
 * count then describe what was read, and *records_in_file (may be NULL)
 * receives the first dimension the header claims. Memory grows only with
 * the bytes the file proves to hold (a plain file's size is checked against
 * the whole header first; a gzip file is inflated incrementally and no
 * further than the records kept, so nothing past them is checked). */
bcn_status bcn_idx_read_first(bcn_ctx *ctx, const char *path, uint32_t max_records,
                              uint32_t *records_in_file, bcn_idx **out);

/* The six files of the CIFAR-10 binary version, training batches first. */
#define BCN_CIFAR_FILES 6
extern const char *const bcn_cifar_file_names[BCN_CIFAR_FILES];

/* Load CIFAR-10 from the directory ds->path: fill ds's shape, its train,
 * val and test splits (limits and validation from `o`, already checked not
 * to be negative) and, when `normalize` is nonzero, normalise per channel.
 * On failure ds keeps whatever was allocated (bcn_dataset_free frees it). */
bcn_status bcn_cifar_load(bcn_ctx *ctx, bcn_dataset *ds, const bcn_data_options *o,
                          int normalize);

#endif /* BCN_DATA_INTERNAL_H */
