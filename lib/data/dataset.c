/*
 * dataset.c — datasets: finding the data (named sets, cifar10:DIR, or a
 * directory whose files say which format it holds); MNIST-style data from
 * four IDX files (train/test images and labels), checked against each
 * other, scaled to [0, 1], optionally cut to subsets and split into train /
 * validation (CIFAR-10 is read by cifar.c); minibatch gathering.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data_internal.h"

#define N_CLASSES BCN_N_CLASSES
#define MAX_IMAGE_VALUES ((uint64_t)1 << 24) /* rows x cols, as layer widths */

/* The four members of an MNIST-style directory. */
static const char *const idx_members[4] = {
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
};

/* Where CIFAR-10 comes from, for the messages that cannot find it. */
#define CIFAR_HOWTO                                                                      \
    "download the binary version from "                                                  \
    "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz, unpack it (it holds "      \
    "cifar-10-batches-bin/: data_batch_1.bin .. data_batch_5.bin and test_batch.bin) "   \
    "and give cifar10:PATH (--data cifar10:PATH on the command line) or set "            \
    "BURSTCCN_CIFAR10=PATH"
/* The subdirectory the CIFAR-10 archive unpacks to. */
#define CIFAR_SUBDIR "cifar-10-batches-bin"

/* Datasets known by name: where Debian installs them and which package. */
static const struct {
    const char *name;
    const char *subdir;
    const char *package;
    const char *title;
} known_sets[] = {
    {"fashion-mnist", "fashion-mnist", "dataset-fashion-mnist", "Fashion-MNIST"},
    {"mnist", "mnist", "dataset-mnist", "MNIST"},
};

static int is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int is_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && !S_ISDIR(sb.st_mode);
}

#define MEMBER_PATH_MAX BCN_MEMBER_PATH_MAX

/* One IDX member as read: at most the records a limit keeps (idx->dims[0]),
 * how many its header claims, and its path. */
typedef struct idx_member {
    bcn_idx *idx;
    uint32_t claimed;
    char path[MEMBER_PATH_MAX];
} idx_member;

/* Find `dir/base` or `dir/base.gz` and read its first `limit` records
 * (0: all) into m. */
static bcn_status read_member(bcn_ctx *ctx, const char *dir, const char *base, int limit,
                              idx_member *m)
{
    char *path = m->path;
    snprintf(path, MEMBER_PATH_MAX, "%s/%s", dir, base);
    if (!is_file(path)) {
        snprintf(path, MEMBER_PATH_MAX, "%s/%s.gz", dir, base);
        if (!is_file(path))
            return bcn_set_error(ctx, BCN_ERR_IO,
                                 "data directory '%s' has no '%s' (nor '%s.gz')", dir, base,
                                 base);
    }
    return bcn_idx_read_first(ctx, path, (uint32_t)limit, &m->claimed, &m->idx);
}

/* Check one images/labels pair: shapes, the counts their headers claim,
 * and the range of the labels read. */
static bcn_status check_pair(bcn_ctx *ctx, const idx_member *img, const idx_member *lbl)
{
    const bcn_idx *images = img->idx, *labels = lbl->idx;
    const char *img_path = img->path, *lbl_path = lbl->path;
    if (images->ndim != 3)
        return bcn_set_error(ctx, BCN_ERR_FORMAT,
                             "'%s' has %d dimensions; images must be 3-D (count x rows x cols)",
                             img_path, images->ndim);
    if (img->claimed > (uint32_t)INT_MAX ||
        (uint64_t)images->dims[1] * images->dims[2] > MAX_IMAGE_VALUES)
        return bcn_set_error(ctx, BCN_ERR_FORMAT,
                             "'%s': absurd image set (%u images of %ux%u)", img_path,
                             img->claimed, images->dims[1], images->dims[2]);
    if (labels->ndim != 1)
        return bcn_set_error(ctx, BCN_ERR_FORMAT,
                             "'%s' has %d dimensions; labels must be 1-D", lbl_path,
                             labels->ndim);
    if (img->claimed != lbl->claimed)
        return bcn_set_error(ctx, BCN_ERR_FORMAT, "'%s' holds %u labels but '%s' holds %u images",
                             lbl_path, lbl->claimed, img_path, img->claimed);
    for (size_t i = 0; i < labels->count; i++)
        if (labels->data[i] >= N_CLASSES)
            return bcn_set_error(ctx, BCN_ERR_FORMAT,
                                 "'%s': label %zu is %u; labels must be 0 to %d", lbl_path, i,
                                 labels->data[i], N_CLASSES - 1);
    return BCN_OK;
}

/* Fill `split` with examples [first, first+n) of images/labels, scaled. */
static bcn_status fill_split(bcn_ctx *ctx, bcn_split *split, const bcn_idx *images,
                             const bcn_idx *labels, int first, int n, int dim)
{
    split->n = n;
    if (n == 0)
        return BCN_OK;
    split->x = malloc((size_t)n * (size_t)dim * sizeof(float));
    split->y = malloc((size_t)n);
    if (!split->x || !split->y)
        return bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory for %d examples of %d values",
                             n, dim);
    const uint8_t *src = images->data + (size_t)first * (size_t)dim;
    size_t total = (size_t)n * (size_t)dim;
    for (size_t i = 0; i < total; i++)
        split->x[i] = (float)src[i] / 255.0f;
    memcpy(split->y, labels->data + first, (size_t)n);
    return BCN_OK;
}

/* Name of a directory: its last non-empty path component. */
static void dir_name(const char *dir, char *out, size_t len)
{
    size_t end = strlen(dir);
    while (end > 1 && dir[end - 1] == '/')
        end--;
    size_t start = end;
    while (start > 0 && dir[start - 1] != '/')
        start--;
    snprintf(out, len, "%.*s", (int)(end - start), dir + start);
}

/* Does `dir` hold any of the files of this format? (Which one is missing
 * is for the reader to say.) */
static int has_idx_files(const char *dir)
{
    char path[MEMBER_PATH_MAX];
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, idx_members[i]);
        if (is_file(path))
            return 1;
        snprintf(path, sizeof path, "%s/%s.gz", dir, idx_members[i]);
        if (is_file(path))
            return 1;
    }
    return 0;
}

static int has_cifar_files(const char *dir)
{
    char path[MEMBER_PATH_MAX];
    for (int i = 0; i < BCN_CIFAR_FILES; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, bcn_cifar_file_names[i]);
        if (is_file(path))
            return 1;
    }
    return 0;
}

/* ds->path := dir/cifar-10-batches-bin when dir itself holds no batch but
 * that subdirectory (where the archive unpacks) does. */
static void descend_into_cifar_subdir(bcn_dataset *ds)
{
    char sub[sizeof ds->path];
    if (has_cifar_files(ds->path))
        return;
    if (snprintf(sub, sizeof sub, "%s/%s", ds->path, CIFAR_SUBDIR) >= (int)sizeof sub)
        return;
    if (is_dir(sub) && has_cifar_files(sub))
        memcpy(ds->path, sub, sizeof sub);
}

/* ds->path := the CIFAR-10 directory `dir` (named by `what` in messages). */
static bcn_status resolve_cifar_dir(bcn_ctx *ctx, const char *dir, const char *what,
                                    bcn_dataset *ds)
{
    snprintf(ds->name, sizeof ds->name, "cifar10");
    if (!*dir)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                             "%s names no directory: give cifar10:DIR, DIR holding the "
                             "CIFAR-10 binary batches",
                             what);
    if (strlen(dir) >= sizeof ds->path)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "data directory name is too long");
    snprintf(ds->path, sizeof ds->path, "%s", dir);
    if (!is_dir(ds->path))
        return bcn_set_error(ctx, BCN_ERR_IO,
                             "CIFAR-10 directory '%s' (%s) does not exist or is not a "
                             "directory; to get CIFAR-10, " CIFAR_HOWTO,
                             dir, what);
    descend_into_cifar_subdir(ds);
    return BCN_OK;
}

/* Resolve `source` to a directory, checking that it exists, and say which
 * format it holds (*cifar: 1 for CIFAR-10, 0 for IDX). */
static bcn_status resolve_source(bcn_ctx *ctx, const char *source, bcn_dataset *ds,
                                 int *cifar)
{
    *cifar = 0;
    for (size_t k = 0; k < sizeof known_sets / sizeof known_sets[0]; k++) {
        if (strcmp(source, known_sets[k].name) != 0)
            continue;
        snprintf(ds->name, sizeof ds->name, "%s", known_sets[k].name);
        snprintf(ds->path, sizeof ds->path, "%s/%s", BCN_DATADIR_DEFAULT,
                 known_sets[k].subdir);
        if (!is_dir(ds->path))
            return bcn_set_error(ctx, BCN_ERR_IO,
                                 "%s is not installed: '%s' does not exist (install it with "
                                 "`apt-get install %s`, or pass a directory holding the four "
                                 "IDX files)",
                                 known_sets[k].title, ds->path, known_sets[k].package);
        return BCN_OK;
    }
    if (strcmp(source, "cifar10") == 0) {
        *cifar = 1;
        const char *env = getenv("BURSTCCN_CIFAR10");
        if (!env || !*env)
            return bcn_set_error(ctx, BCN_ERR_IO,
                                 "CIFAR-10 has no system package and BURSTCCN_CIFAR10 is not "
                                 "set; " CIFAR_HOWTO);
        return resolve_cifar_dir(ctx, env, "$BURSTCCN_CIFAR10", ds);
    }
    if (strncmp(source, "cifar10:", 8) == 0) {
        *cifar = 1;
        return resolve_cifar_dir(ctx, source + 8, source, ds);
    }
    if (strlen(source) >= sizeof ds->path)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "data directory name is too long");
    snprintf(ds->path, sizeof ds->path, "%s", source);
    dir_name(source, ds->name, sizeof ds->name);
    if (!is_dir(ds->path))
        return bcn_set_error(ctx, BCN_ERR_IO,
                             "data directory '%s' does not exist or is not a directory (give "
                             "fashion-mnist, mnist, cifar10:DIR, or a directory holding "
                             "train-images-idx3-ubyte, train-labels-idx1-ubyte, "
                             "t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, or "
                             "CIFAR-10's data_batch_1.bin .. data_batch_5.bin and "
                             "test_batch.bin)",
                             source);
    /* Which format: any IDX member makes it IDX (its reader then names a
     * missing one), else any CIFAR-10 batch, here or in the subdirectory
     * the CIFAR-10 archive unpacks to. */
    if (has_idx_files(ds->path))
        return BCN_OK;
    descend_into_cifar_subdir(ds);
    if (has_cifar_files(ds->path)) {
        *cifar = 1;
        snprintf(ds->name, sizeof ds->name, "cifar10");
        return BCN_OK;
    }
    return bcn_set_error(ctx, BCN_ERR_IO,
                         "data directory '%s' holds neither MNIST-style IDX files "
                         "(train-images-idx3-ubyte, train-labels-idx1-ubyte, "
                         "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each optionally "
                         ".gz) nor CIFAR-10 binary batches (data_batch_1.bin .. "
                         "data_batch_5.bin, test_batch.bin, or a cifar-10-batches-bin/ "
                         "holding them)",
                         source);
}

/* Free the members read so far and their array. */
static void free_members(idx_member *m)
{
    if (!m)
        return;
    for (int i = 0; i < 4; i++)
        bcn_idx_free(m[i].idx);
    free(m);
}

bcn_status bcn_dataset_load(bcn_ctx *ctx, const char *source, const bcn_data_options *opts,
                            bcn_dataset **out)
{
    bcn_status st = BCN_OK;
    bcn_data_options o = {0, 0, 0, 0};
    bcn_dataset *ds = NULL;
    idx_member *m = NULL; /* the four files, in idx_members' order */
    int cifar = 0;

    if (!out)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "bcn_dataset_load: NULL output");
    *out = NULL;
    if (!source || !*source)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "bcn_dataset_load: empty data source");
    if (opts)
        o = *opts;
    if (o.train_limit < 0 || o.test_limit < 0 || o.validation < 0)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                             "bcn_dataset_load: train_limit (%d), test_limit (%d) and "
                             "validation (%d) must not be negative",
                             o.train_limit, o.test_limit, o.validation);
    if (o.normalize < -1 || o.normalize > 1)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                             "bcn_dataset_load: normalize is %d; it must be 0 (the dataset's "
                             "default), 1 (on) or -1 (off)",
                             o.normalize);

    ds = calloc(1, sizeof *ds);
    m = calloc(4, sizeof *m);
    if (!ds || !m) {
        free(m);
        free(ds);
        return bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory loading '%s'", source);
    }
    if ((st = resolve_source(ctx, source, ds, &cifar)) != BCN_OK)
        goto fail;
    if (cifar) {
        /* Normalisation is on unless switched off. */
        if ((st = bcn_cifar_load(ctx, ds, &o, o.normalize >= 0)) != BCN_OK)
            goto fail;
        free(m);
        *out = ds;
        return BCN_OK;
    }
    if (o.normalize == 1) {
        st = bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                           "'%s' holds IDX data: per-channel normalisation is defined for "
                           "CIFAR-10 only",
                           ds->path);
        goto fail;
    }

    /* The limits are applied while reading: only the records kept are read
     * (and their labels checked), so memory follows the limits, not the
     * headers' claims. */
    const int limit[4] = {o.train_limit, o.train_limit, o.test_limit, o.test_limit};
    for (int i = 0; i < 4; i++)
        if ((st = read_member(ctx, ds->path, idx_members[i], limit[i], &m[i])) != BCN_OK)
            goto fail;
    const bcn_idx *tr_x = m[0].idx, *tr_y = m[1].idx, *te_x = m[2].idx, *te_y = m[3].idx;
    if ((st = check_pair(ctx, &m[0], &m[1])) != BCN_OK ||
        (st = check_pair(ctx, &m[2], &m[3])) != BCN_OK)
        goto fail;
    if (tr_x->dims[1] != te_x->dims[1] || tr_x->dims[2] != te_x->dims[2]) {
        st = bcn_set_error(ctx, BCN_ERR_FORMAT,
                           "training images '%s' are %ux%u but test images '%s' are %ux%u",
                           m[0].path, tr_x->dims[1], tr_x->dims[2], m[2].path,
                           te_x->dims[1], te_x->dims[2]);
        goto fail;
    }
    /* IDX counts are bounded by 2^31 bytes and check_pair keeps the claimed
     * image counts within INT_MAX, so every count below fits an int. */
    ds->rows = (int)tr_x->dims[1];
    ds->cols = (int)tr_x->dims[2];
    ds->channels = 1;
    ds->dim = ds->rows * ds->cols;
    ds->n_classes = N_CLASSES;
    ds->normalized = 0; /* and pad_value[] = 0 (calloc) */

    /* The records read: min(claimed, limit) of each file. */
    int n_train = (int)tr_x->dims[0], n_test = (int)te_x->dims[0];
    if (o.validation >= n_train) {
        st = bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                           "validation = %d leaves no training data: the training set of '%s' "
                           "has %d examples",
                           o.validation, ds->path, n_train);
        goto fail;
    }
    int n_fit = n_train - o.validation;
    if ((st = fill_split(ctx, &ds->train, tr_x, tr_y, 0, n_fit, ds->dim)) != BCN_OK ||
        (st = fill_split(ctx, &ds->val, tr_x, tr_y, n_fit, o.validation, ds->dim)) != BCN_OK ||
        (st = fill_split(ctx, &ds->test, te_x, te_y, 0, n_test, ds->dim)) != BCN_OK)
        goto fail;

    free_members(m);
    *out = ds;
    return BCN_OK;

fail:
    free_members(m);
    bcn_dataset_free(ds);
    return st;
}

/* Release one split's arrays. */
static void free_split(bcn_split *s)
{
    free(s->x);
    free(s->y);
    s->x = NULL;
    s->y = NULL;
    s->n = 0;
}

void bcn_dataset_free(bcn_dataset *ds)
{
    if (!ds)
        return;
    free_split(&ds->train);
    free_split(&ds->val);
    free_split(&ds->test);
    free(ds);
}

void bcn_dataset_batch(const bcn_dataset *ds, const bcn_split *split, const int *idx,
                       int batch, float *x, float *t)
{
    if (!ds || !split || !idx)
        return;
    const size_t dim = (size_t)ds->dim;
    const int nc = ds->n_classes;
    for (int i = 0; i < batch; i++) {
        int r = idx[i];
        assert(r >= 0 && r < split->n);
        if (x)
            memcpy(x + (size_t)i * dim, split->x + (size_t)r * dim, dim * sizeof(float));
        if (t) {
            float *row = t + (size_t)i * (size_t)nc;
            for (int c = 0; c < nc; c++)
                row[c] = 0.0f;
            row[split->y[r]] = 1.0f;
        }
    }
}
