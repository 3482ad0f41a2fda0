/*
 * dataset.c — MNIST-style datasets: four IDX files (train/test images and
 * labels), checked against each other, scaled to [0, 1], optionally cut to
 * subsets and split into train / validation; minibatch gathering.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

#define N_CLASSES 10
#define MAX_IMAGE_VALUES ((uint64_t)1 << 24) /* rows x cols, as layer widths */

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

#define MEMBER_PATH_MAX 4200

/* Find `dir/base` or `dir/base.gz` and read it; `path` receives the name. */
static bcn_status read_member(bcn_ctx *ctx, const char *dir, const char *base,
                              char path[MEMBER_PATH_MAX], bcn_idx **out)
{
    snprintf(path, MEMBER_PATH_MAX, "%s/%s", dir, base);
    if (!is_file(path)) {
        snprintf(path, MEMBER_PATH_MAX, "%s/%s.gz", dir, base);
        if (!is_file(path))
            return bcn_set_error(ctx, BCN_ERR_IO,
                                 "data directory '%s' has no '%s' (nor '%s.gz')", dir, base,
                                 base);
    }
    return bcn_idx_read(ctx, path, out);
}

/* Check one images/labels pair (shapes, counts, label range). */
static bcn_status check_pair(bcn_ctx *ctx, const char *img_path, const char *lbl_path,
                             const bcn_idx *images, const bcn_idx *labels)
{
    if (images->ndim != 3)
        return bcn_set_error(ctx, BCN_ERR_FORMAT,
                             "'%s' has %d dimensions; images must be 3-D (count x rows x cols)",
                             img_path, images->ndim);
    if (images->dims[0] > (uint32_t)INT_MAX ||
        (uint64_t)images->dims[1] * images->dims[2] > MAX_IMAGE_VALUES)
        return bcn_set_error(ctx, BCN_ERR_FORMAT,
                             "'%s': absurd image set (%u images of %ux%u)", img_path,
                             images->dims[0], images->dims[1], images->dims[2]);
    if (labels->ndim != 1)
        return bcn_set_error(ctx, BCN_ERR_FORMAT,
                             "'%s' has %d dimensions; labels must be 1-D", lbl_path,
                             labels->ndim);
    if (images->dims[0] != labels->dims[0])
        return bcn_set_error(ctx, BCN_ERR_FORMAT, "'%s' holds %u labels but '%s' holds %u images",
                             lbl_path, labels->dims[0], img_path, images->dims[0]);
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

/* Resolve `source` to a directory, checking that it exists. */
static bcn_status resolve_source(bcn_ctx *ctx, const char *source, bcn_dataset *ds)
{
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
    if (strlen(source) >= sizeof ds->path)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "data directory name is too long");
    snprintf(ds->path, sizeof ds->path, "%s", source);
    dir_name(source, ds->name, sizeof ds->name);
    if (!is_dir(ds->path))
        return bcn_set_error(ctx, BCN_ERR_IO,
                             "data directory '%s' does not exist or is not a directory (give "
                             "fashion-mnist, mnist, or a directory holding "
                             "train-images-idx3-ubyte, train-labels-idx1-ubyte, "
                             "t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte)",
                             source);
    return BCN_OK;
}

bcn_status bcn_dataset_load(bcn_ctx *ctx, const char *source, const bcn_data_options *opts,
                            bcn_dataset **out)
{
    bcn_status st = BCN_OK;
    bcn_data_options o = {0, 0, 0};
    bcn_idx *tr_x = NULL, *tr_y = NULL, *te_x = NULL, *te_y = NULL;
    bcn_dataset *ds = NULL;
    char *p_trx = NULL, *p_try, *p_tex, *p_tey; /* the four files' paths */

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

    ds = calloc(1, sizeof *ds);
    p_trx = malloc(4 * MEMBER_PATH_MAX);
    if (!ds || !p_trx) {
        free(p_trx);
        free(ds);
        return bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory loading '%s'", source);
    }
    p_try = p_trx + MEMBER_PATH_MAX;
    p_tex = p_try + MEMBER_PATH_MAX;
    p_tey = p_tex + MEMBER_PATH_MAX;
    if ((st = resolve_source(ctx, source, ds)) != BCN_OK)
        goto fail;

    if ((st = read_member(ctx, ds->path, "train-images-idx3-ubyte", p_trx, &tr_x)) != BCN_OK ||
        (st = read_member(ctx, ds->path, "train-labels-idx1-ubyte", p_try, &tr_y)) != BCN_OK ||
        (st = read_member(ctx, ds->path, "t10k-images-idx3-ubyte", p_tex, &te_x)) != BCN_OK ||
        (st = read_member(ctx, ds->path, "t10k-labels-idx1-ubyte", p_tey, &te_y)) != BCN_OK)
        goto fail;
    if ((st = check_pair(ctx, p_trx, p_try, tr_x, tr_y)) != BCN_OK ||
        (st = check_pair(ctx, p_tex, p_tey, te_x, te_y)) != BCN_OK)
        goto fail;
    if (tr_x->dims[1] != te_x->dims[1] || tr_x->dims[2] != te_x->dims[2]) {
        st = bcn_set_error(ctx, BCN_ERR_FORMAT,
                           "training images '%s' are %ux%u but test images '%s' are %ux%u",
                           p_trx, tr_x->dims[1], tr_x->dims[2], p_tex,
                           te_x->dims[1], te_x->dims[2]);
        goto fail;
    }
    /* IDX counts are bounded by 2^31 bytes, so every count below fits an int. */
    ds->rows = (int)tr_x->dims[1];
    ds->cols = (int)tr_x->dims[2];
    ds->dim = ds->rows * ds->cols;
    ds->n_classes = N_CLASSES;

    int n_train = (int)tr_x->dims[0], n_test = (int)te_x->dims[0];
    if (o.train_limit > 0 && o.train_limit < n_train)
        n_train = o.train_limit;
    if (o.test_limit > 0 && o.test_limit < n_test)
        n_test = o.test_limit;
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

    bcn_idx_free(tr_x);
    bcn_idx_free(tr_y);
    bcn_idx_free(te_x);
    bcn_idx_free(te_y);
    free(p_trx);
    *out = ds;
    return BCN_OK;

fail:
    bcn_idx_free(tr_x);
    bcn_idx_free(tr_y);
    bcn_idx_free(te_x);
    bcn_idx_free(te_y);
    free(p_trx);
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
