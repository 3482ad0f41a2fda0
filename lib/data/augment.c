/*
 * augment.c — the training augmentation of SPEC §10 on a gathered batch:
 * a random H x W crop of the image padded by 4 on every side, then a random
 * horizontal flip of the crop (torchvision's RandomCrop(size, padding=4)
 * and RandomHorizontalFlip, placed before Normalize, so the padding is
 * whatever a 0 pixel became: ds->pad_value[c]).
 *
 * The draws per image are fixed (dy, dx, flip from bcn_rng_below in that
 * order) so that a seed gives the same augmented stream everywhere.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "data_internal.h"

#define AUG_PAD 4
#define AUG_SHIFTS (2 * AUG_PAD + 1) /* crop offsets 0..8 into the padded image */

/* One image: out(c, y, x) = padded(c, y + dy, x' + dx), x' = flip ? W-1-x : x,
 * with padded(c, i, j) = in(c, i - 4, j - 4) inside the image, pad[c] outside.
 * `in` is a copy of the image; `out` is written in full. */
static void crop_flip(const float *in, float *out, int channels, int rows, int cols,
                      const float *pad, int dy, int dx, int flip)
{
    const size_t plane = (size_t)rows * (size_t)cols;
    for (int c = 0; c < channels; c++) {
        const float *src = in + (size_t)c * plane;
        float *dst = out + (size_t)c * plane;
        const float p = pad[c];
        for (int y = 0; y < rows; y++) {
            float *row = dst + (size_t)y * (size_t)cols;
            int sy = y + dy - AUG_PAD;
            if (sy < 0 || sy >= rows) {
                for (int x = 0; x < cols; x++)
                    row[x] = p;
                continue;
            }
            const float *srow = src + (size_t)sy * (size_t)cols;
            for (int x = 0; x < cols; x++) {
                int sx = (flip ? cols - 1 - x : x) + dx - AUG_PAD;
                row[x] = (sx < 0 || sx >= cols) ? p : srow[sx];
            }
        }
    }
}

bcn_status bcn_dataset_augment(bcn_ctx *ctx, const bcn_dataset *ds, bcn_rng *rng, float *x,
                               int batch)
{
    if (!ds || !rng)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "bcn_dataset_augment: NULL %s",
                             !ds ? "dataset" : "random generator");
    if (batch < 0)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                             "bcn_dataset_augment: batch is %d; it must not be negative",
                             batch);
    if (batch == 0)
        return BCN_OK;
    if (!x)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "bcn_dataset_augment: NULL batch");
    const int nch = (int)(sizeof ds->pad_value / sizeof ds->pad_value[0]);
    if (ds->channels < 1 || ds->channels > nch || ds->rows < 1 || ds->cols < 1 ||
        (long long)ds->channels * ds->rows * ds->cols != ds->dim)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                             "bcn_dataset_augment: the dataset's shape (%d channels of "
                             "%dx%d, dim %d) is not an image of 1 to %d channels",
                             ds->channels, ds->rows, ds->cols, ds->dim, nch);

    const size_t dim = (size_t)ds->dim;
    float *copy = malloc(dim * sizeof *copy);
    if (!copy)
        return bcn_set_error(ctx, BCN_ERR_NOMEM,
                             "bcn_dataset_augment: out of memory for one image of %zu values",
                             dim);
    for (int i = 0; i < batch; i++) {
        int dy = (int)bcn_rng_below(rng, AUG_SHIFTS);
        int dx = (int)bcn_rng_below(rng, AUG_SHIFTS);
        int flip = (int)bcn_rng_below(rng, 2);
        float *img = x + (size_t)i * dim;
        memcpy(copy, img, dim * sizeof *copy);
        crop_flip(copy, img, ds->channels, ds->rows, ds->cols, ds->pad_value, dy, dx, flip);
    }
    free(copy);
    return BCN_OK;
}
