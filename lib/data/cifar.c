/*
 * cifar.c — reader for the CIFAR-10 binary version (SPEC §10, §11).
 *
 * data_batch_1.bin .. data_batch_5.bin (training, in that order) and
 * test_batch.bin are sequences of 3073-byte records: one label byte, then
 * 1024 red, 1024 green and 1024 blue bytes, each plane row-major 32x32 —
 * already the channel-major layout (c·1024 + y·32 + x) the library uses.
 *
 * A file's record count comes from its size (fstat on the open file), which
 * must be a whole, positive number of records before anything is read. The
 * limits then decide how many records are read, so nothing is allocated
 * beyond what the files prove to hold and records past the limits are never
 * read (nor their labels checked). A file that shrinks while it is read is
 * reported as truncated.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data_internal.h"

#define CIFAR_SIDE 32
#define CIFAR_CHANNELS 3
#define CIFAR_PLANE (CIFAR_SIDE * CIFAR_SIDE)        /* 1024 */
#define CIFAR_PIXELS (CIFAR_CHANNELS * CIFAR_PLANE)  /* 3072 */
#define CIFAR_RECORD (1 + CIFAR_PIXELS)              /* 3073 */
#define CIFAR_MAX_BYTES ((long long)1 << 31)         /* per file, as IDX payloads */
#define CIFAR_CHUNK 64                               /* records per fread */
#define CIFAR_TRAIN_FILES 5

const char *const bcn_cifar_file_names[BCN_CIFAR_FILES] = {
    "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
    "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin",
};

/* SPEC §10: torchvision's ImageNet statistics, as the authors use. */
static const double cifar_mean[CIFAR_CHANNELS] = {0.485, 0.456, 0.406};
static const double cifar_std[CIFAR_CHANNELS] = {0.229, 0.224, 0.225};

/* One batch file, open, with its size checked. */
typedef struct cifar_file {
    FILE *f;
    char path[BCN_MEMBER_PATH_MAX];
    int n;    /* whole records, from the size */
    int next; /* records read so far */
} cifar_file;

/* Open dir/base and derive its record count from its size. */
static bcn_status cifar_open(bcn_ctx *ctx, const char *dir, const char *base, cifar_file *cf)
{
    struct stat sb;

    if (snprintf(cf->path, sizeof cf->path, "%s/%s", dir, base) >= (int)sizeof cf->path)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "CIFAR-10 directory name is too long");
    errno = 0;
    cf->f = fopen(cf->path, "rb");
    if (!cf->f) {
        int e = errno;
        if (e == ENOENT)
            return bcn_set_error(ctx, BCN_ERR_IO,
                                 "CIFAR-10 directory '%s' has no '%s' (it needs "
                                 "data_batch_1.bin .. data_batch_5.bin and test_batch.bin)",
                                 dir, base);
        return bcn_set_error(ctx, e == ENOMEM ? BCN_ERR_NOMEM : BCN_ERR_IO,
                             "cannot open CIFAR-10 file '%s': %s", cf->path,
                             e ? strerror(e) : "unknown error");
    }
    if (fstat(fileno(cf->f), &sb) != 0)
        return bcn_set_error(ctx, BCN_ERR_IO, "cannot stat CIFAR-10 file '%s': %s", cf->path,
                             strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return bcn_set_error(ctx, BCN_ERR_FORMAT, "'%s' is a directory, not a CIFAR-10 batch",
                             cf->path);
    if (!S_ISREG(sb.st_mode))
        return bcn_set_error(ctx, BCN_ERR_FORMAT,
                             "'%s' is not a regular file (CIFAR-10 batches are counted by "
                             "their size)",
                             cf->path);
    long long size = (long long)sb.st_size;
    if (size == 0)
        return bcn_set_error(ctx, BCN_ERR_FORMAT, "CIFAR-10 file '%s' is empty", cf->path);
    if (size > CIFAR_MAX_BYTES)
        return bcn_set_error(ctx, BCN_ERR_FORMAT,
                             "CIFAR-10 file '%s' is absurdly large (%lld bytes; a batch may "
                             "hold at most 2^31)",
                             cf->path, size);
    if (size % CIFAR_RECORD != 0)
        return bcn_set_error(ctx, BCN_ERR_FORMAT,
                             "CIFAR-10 file '%s' is truncated or not a CIFAR-10 batch: its %lld "
                             "bytes are not a whole number of %d-byte records (%lld records "
                             "and %lld bytes over)",
                             cf->path, size, CIFAR_RECORD, size / CIFAR_RECORD,
                             size % CIFAR_RECORD);
    cf->n = (int)(size / CIFAR_RECORD); /* <= 2^31 / 3073 */
    return BCN_OK;
}

/* Read the next k records of cf (k <= cf->n - cf->next, k <= CIFAR_CHUNK)
 * through `lut` into x (k x 3072) and y (k labels); buf holds the bytes. */
static bcn_status cifar_read_chunk(bcn_ctx *ctx, cifar_file *cf, int k,
                                   const float lut[CIFAR_CHANNELS][256], uint8_t *buf,
                                   float *x, uint8_t *y)
{
    size_t want = (size_t)k * CIFAR_RECORD;
    errno = 0;
    size_t got = fread(buf, 1, want, cf->f);
    if (got < want) {
        if (ferror(cf->f))
            return bcn_set_error(ctx, BCN_ERR_IO, "read error in CIFAR-10 file '%s': %s",
                                 cf->path, errno ? strerror(errno) : "unknown error");
        return bcn_set_error(ctx, BCN_ERR_FORMAT,
                             "CIFAR-10 file '%s' is truncated: record %d is cut short (the "
                             "file shrank while it was read)",
                             cf->path, cf->next + (int)(got / CIFAR_RECORD));
    }
    for (int r = 0; r < k; r++) {
        const uint8_t *rec = buf + (size_t)r * CIFAR_RECORD;
        if (rec[0] >= BCN_N_CLASSES) {
            long long rec_no = (long long)cf->next + r;
            return bcn_set_error(ctx, BCN_ERR_FORMAT,
                                 "CIFAR-10 file '%s': record %lld (from 0; byte offset %lld) "
                                 "has label %u; labels must be 0 to %d",
                                 cf->path, rec_no, rec_no * CIFAR_RECORD, rec[0],
                                 BCN_N_CLASSES - 1);
        }
        y[r] = rec[0];
        float *dst = x + (size_t)r * CIFAR_PIXELS;
        for (int c = 0; c < CIFAR_CHANNELS; c++) {
            const uint8_t *src = rec + 1 + c * CIFAR_PLANE;
            const float *map = lut[c];
            for (int i = 0; i < CIFAR_PLANE; i++)
                dst[c * CIFAR_PLANE + i] = map[src[i]];
        }
    }
    cf->next += k;
    return BCN_OK;
}

/* Read n records from the concatenation of files[0..nf), continuing after
 * *cur (the file being read), into split (allocated here). */
static bcn_status cifar_read_split(bcn_ctx *ctx, cifar_file *files, int nf, int *cur, int n,
                                   const float lut[CIFAR_CHANNELS][256], uint8_t *buf,
                                   bcn_split *split)
{
    split->n = n;
    if (n == 0)
        return BCN_OK;
    split->x = malloc((size_t)n * CIFAR_PIXELS * sizeof(float));
    split->y = malloc((size_t)n);
    if (!split->x || !split->y)
        return bcn_set_error(ctx, BCN_ERR_NOMEM,
                             "out of memory for %d CIFAR-10 images of %d values", n,
                             CIFAR_PIXELS);
    int done = 0;
    while (done < n) {
        while (*cur < nf && files[*cur].next == files[*cur].n)
            (*cur)++;
        assert(*cur < nf); /* the caller asks for no more records than the sizes give */
        cifar_file *cf = &files[*cur];
        int k = n - done;
        if (k > cf->n - cf->next)
            k = cf->n - cf->next;
        if (k > CIFAR_CHUNK)
            k = CIFAR_CHUNK;
        bcn_status st = cifar_read_chunk(ctx, cf, k, lut, buf,
                                         split->x + (size_t)done * CIFAR_PIXELS,
                                         split->y + done);
        if (st != BCN_OK)
            return st;
        done += k;
    }
    return BCN_OK;
}

bcn_status bcn_cifar_load(bcn_ctx *ctx, bcn_dataset *ds, const bcn_data_options *o,
                          int normalize)
{
    bcn_status st = BCN_OK;
    cifar_file *files = calloc(BCN_CIFAR_FILES, sizeof *files);
    uint8_t *buf = malloc((size_t)CIFAR_CHUNK * CIFAR_RECORD);
    float lut[CIFAR_CHANNELS][256];

    if (!files || !buf) {
        st = bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory loading CIFAR-10 from '%s'",
                           ds->path);
        goto done;
    }

    ds->channels = CIFAR_CHANNELS;
    ds->rows = ds->cols = CIFAR_SIDE;
    ds->dim = CIFAR_PIXELS;
    ds->n_classes = BCN_N_CLASSES;
    ds->normalized = normalize ? 1 : 0;
    /* One table per channel from byte to float: x/255 exactly as the IDX
     * reader scales, or (x/255 - mean_c)/std_c computed in double. */
    for (int c = 0; c < CIFAR_CHANNELS; c++) {
        for (int b = 0; b < 256; b++)
            lut[c][b] = normalize
                            ? (float)(((double)b / 255.0 - cifar_mean[c]) / cifar_std[c])
                            : (float)b / 255.0f;
        ds->pad_value[c] = lut[c][0];
    }

    /* Every file is opened and sized first, so a missing or broken batch is
     * reported whatever the limits. */
    for (int i = 0; i < BCN_CIFAR_FILES; i++)
        if ((st = cifar_open(ctx, ds->path, bcn_cifar_file_names[i], &files[i])) != BCN_OK)
            goto done;

    int n_train = 0; /* <= 5 * 2^31 / 3073: fits an int */
    for (int i = 0; i < CIFAR_TRAIN_FILES; i++)
        n_train += files[i].n;
    int n_test = files[CIFAR_TRAIN_FILES].n;
    if (o->train_limit > 0 && o->train_limit < n_train)
        n_train = o->train_limit;
    if (o->test_limit > 0 && o->test_limit < n_test)
        n_test = o->test_limit;
    if (o->validation >= n_train) {
        st = bcn_set_error(ctx, BCN_ERR_INVALID_ARG,
                           "validation = %d leaves no training data: the training set of '%s' "
                           "has %d examples",
                           o->validation, ds->path, n_train);
        goto done;
    }

    int cur = 0;
    if ((st = cifar_read_split(ctx, files, CIFAR_TRAIN_FILES, &cur, n_train - o->validation,
                               (const float(*)[256])lut, buf, &ds->train)) != BCN_OK ||
        (st = cifar_read_split(ctx, files, CIFAR_TRAIN_FILES, &cur, o->validation,
                               (const float(*)[256])lut, buf, &ds->val)) != BCN_OK)
        goto done;
    cur = CIFAR_TRAIN_FILES;
    st = cifar_read_split(ctx, files, BCN_CIFAR_FILES, &cur, n_test,
                          (const float(*)[256])lut, buf, &ds->test);

done:
    if (files)
        for (int i = 0; i < BCN_CIFAR_FILES; i++)
            if (files[i].f)
                fclose(files[i].f);
    free(files);
    free(buf);
    return st;
}
