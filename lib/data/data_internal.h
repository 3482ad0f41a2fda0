/*
 * data_internal.h — what the dataset readers share inside lib/data/.
 */
#ifndef BCN_DATA_INTERNAL_H
#define BCN_DATA_INTERNAL_H

#include "internal.h"

#define BCN_N_CLASSES 10

/* Room for "DIR/member" (DIR is at most bcn_dataset.path's 4096 bytes). */
#define BCN_MEMBER_PATH_MAX 4200

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
