/*
 * backend_cl.c — the OpenCL backend: creation and destruction, buffers, the
 * launch helpers the op files share, and the assembly of the op table
 * (element-wise ops in cl_ops.c, optimisers in cl_optim.c, reductions in
 * cl_reduce.c, GEMM on the own kernels or CLBlast in cl_gemm.c, convolution
 * in cl_conv.c).
 *
 * Everything is enqueued on one in-order queue; the host waits only in
 * buf_read, dot3 and finish. Uploads (buf_write) do not block: the data is
 * copied to a host staging block (the caller may reuse its array at once,
 * while the queue still runs the previous step), which is kept for reuse
 * once the transfer is done, so that a training step's uploads allocate
 * nothing after the first few steps.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cl_internal.h"

/* ---------------------------------------------------------- helpers */

cl_mem bcn_cl_mem(const bcn_backend *be, const bcn_buf *buf)
{
    return buf ? buf->mem : ((const bcn_cl *)be->impl)->dummy;
}

bcn_status bcn_cl_check_buf(bcn_backend *be, const char *op, const char *what,
                            const bcn_buf *buf, size_t need)
{
    if (!buf)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG, "cl %s: buffer '%s' is NULL", op,
                             what);
    if (need > buf->n)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG,
                             "cl %s: buffer '%s' holds %zu floats but %zu are needed", op, what,
                             buf->n, need);
    return BCN_OK;
}

bcn_status bcn_cl_check_count(bcn_backend *be, const char *op, size_t n)
{
    if (n > UINT_MAX)
        return bcn_set_error(be->ctx, BCN_ERR_UNSUPPORTED,
                             "cl %s: %zu elements exceed the kernels' 32-bit indices", op, n);
    return BCN_OK;
}

bcn_status bcn_cl_launch(bcn_backend *be, bcn_cl_kernel_id k, cl_uint dim, const size_t *global,
                         const size_t *local, size_t nargs, const bcn_cl_arg *args)
{
    bcn_cl *cl = be->impl;
    cl_kernel kern = cl->kernels[k];
    for (size_t i = 0; i < nargs; i++) {
        cl_int err = clSetKernelArg(kern, (cl_uint)i, args[i].size, args[i].value);
        if (err != CL_SUCCESS)
            return bcn_cl_fail(be->ctx, err, "clSetKernelArg", bcn_cl_kernel_name(k));
    }
    cl_int err = clEnqueueNDRangeKernel(cl->queue, kern, dim, NULL, global, local, 0, NULL, NULL);
    if (err != CL_SUCCESS)
        return bcn_cl_fail(be->ctx, err, "clEnqueueNDRangeKernel", bcn_cl_kernel_name(k));
    be->counters.launches++;
    return BCN_OK;
}

bcn_status bcn_cl_launch_1d(bcn_backend *be, bcn_cl_kernel_id k, size_t n, size_t nargs,
                            const bcn_cl_arg *args)
{
    bcn_cl *cl = be->impl;
    size_t local = cl->tune.wg < cl->kernel_wg[k] ? cl->tune.wg : cl->kernel_wg[k];
    size_t global = (n + local - 1) / local * local;
    if (global == 0)
        return BCN_OK;
    return bcn_cl_launch(be, k, 1, &global, &local, nargs, args);
}

size_t bcn_cl_ew_items(const bcn_backend *be, size_t n)
{
    const bcn_cl *cl = be->impl;
    return (n + cl->tune.ew_vw - 1) / cl->tune.ew_vw;
}

bcn_status bcn_cl_scratch(bcn_backend *be, bcn_cl_scratch_id id, size_t n)
{
    static const char *const what[BCN_SCRATCH_COUNT] = {
        "reduction scratch", "convolution column scratch", "convolution matrix scratch"};
    bcn_cl *cl = be->impl;
    if (cl->scratch_n[id] >= n)
        return BCN_OK;
    if (n > SIZE_MAX / sizeof(float) || n * sizeof(float) > cl->max_alloc)
        return bcn_set_error(be->ctx, BCN_ERR_NOMEM,
                             "cl: the %s needs %zu floats (%.1f MiB), more than the largest "
                             "buffer %s can hold (%.1f MiB)",
                             what[id], n, (double)n * sizeof(float) / 1048576.0, be->info.name,
                             (double)cl->max_alloc / 1048576.0);
    if (cl->scratch[id]) /* in-order queue: earlier kernels keep it alive */
        clReleaseMemObject(cl->scratch[id]);
    cl->scratch[id] = NULL;
    cl->scratch_n[id] = 0;
    cl_int err = CL_SUCCESS;
    cl->scratch[id] =
        clCreateBuffer(cl->context, CL_MEM_READ_WRITE, n * sizeof(float), NULL, &err);
    if (err != CL_SUCCESS) {
        cl->scratch[id] = NULL;
        return bcn_cl_fail(be->ctx, err, "clCreateBuffer", what[id]);
    }
    cl->scratch_n[id] = n;
    return BCN_OK;
}

/* ---------------------------------------------------------- buffers */

static bcn_status cl_buf_alloc(bcn_backend *be, size_t n, bcn_buf **out)
{
    bcn_cl *cl = be->impl;
    if (!out)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG, "cl buf_alloc: NULL output");
    *out = NULL;
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / sizeof(float) || n * sizeof(float) > cl->max_alloc)
        return bcn_set_error(be->ctx, BCN_ERR_NOMEM,
                             "cl buf_alloc: %zu floats (%.1f MiB) exceed the largest buffer %s "
                             "can hold (CL_DEVICE_MAX_MEM_ALLOC_SIZE = %.1f MiB)",
                             n, (double)n * sizeof(float) / 1048576.0, be->info.name,
                             (double)cl->max_alloc / 1048576.0);
    bcn_buf *buf = calloc(1, sizeof *buf);
    if (!buf)
        return bcn_set_error(be->ctx, BCN_ERR_NOMEM, "cl buf_alloc: out of host memory");
    cl_int err = CL_SUCCESS;
    buf->mem = clCreateBuffer(cl->context, CL_MEM_READ_WRITE, n * sizeof(float), NULL, &err);
    if (err != CL_SUCCESS) {
        free(buf);
        bcn_status st = bcn_cl_fail(be->ctx, err, "clCreateBuffer", NULL);
        bcn_append_error(be->ctx, " allocating %zu floats (%.1f MiB) on %s", n,
                         (double)n * sizeof(float) / 1048576.0, be->info.name);
        return st;
    }
    buf->n = n;
    *out = buf;
    return BCN_OK;
}

static bcn_status cl_buf_view(bcn_backend *be, bcn_buf *parent, size_t offset, size_t n,
                              bcn_buf **out)
{
    bcn_status st = bcn_buf_view_check(be, out, parent != NULL, parent && parent->view,
                                       parent ? parent->n : 0, offset, n);
    if (st != BCN_OK)
        return st;
    bcn_buf *buf = calloc(1, sizeof *buf);
    if (!buf)
        return bcn_set_error(be->ctx, BCN_ERR_NOMEM, "cl buf_view: out of host memory");
    cl_buffer_region region = {offset * sizeof(float), n * sizeof(float)};
    cl_int err = CL_SUCCESS;
    buf->mem = clCreateSubBuffer(parent->mem, CL_MEM_READ_WRITE, CL_BUFFER_CREATE_TYPE_REGION,
                                 &region, &err);
    if (err != CL_SUCCESS) {
        free(buf);
        st = bcn_cl_fail(be->ctx, err, "clCreateSubBuffer", NULL);
        bcn_append_error(be->ctx, " (%zu floats at offset %zu)", n, offset);
        return st;
    }
    buf->n = n;
    buf->view = 1;
    *out = buf;
    return BCN_OK;
}

static void cl_buf_free(bcn_backend *be, bcn_buf *buf)
{
    (void)be;
    if (!buf)
        return;
    clReleaseMemObject(buf->mem); /* the runtime keeps it until queued work ends */
    free(buf);
}

/* Keep a finished staging copy for reuse, or free it when the spares are
 * full (the smallest spare gives way to a larger copy). */
static void spare_keep(bcn_cl *cl, void *host, size_t bytes)
{
    if (cl->n_spare < BCN_CL_SPARE_UPLOADS) {
        cl->spare[cl->n_spare].host = host;
        cl->spare[cl->n_spare++].bytes = bytes;
        return;
    }
    size_t small = 0;
    for (size_t i = 1; i < cl->n_spare; i++)
        if (cl->spare[i].bytes < cl->spare[small].bytes)
            small = i;
    if (cl->spare[small].bytes < bytes) {
        free(cl->spare[small].host);
        cl->spare[small].host = host;
        cl->spare[small].bytes = bytes;
    } else {
        free(host);
    }
}

/* A staging copy of at least `bytes`: the smallest spare that fits, else a
 * new one (NULL when out of memory); its capacity into *cap. */
static void *spare_take(bcn_cl *cl, size_t bytes, size_t *cap)
{
    size_t best = cl->n_spare;
    for (size_t i = 0; i < cl->n_spare; i++)
        if (cl->spare[i].bytes >= bytes &&
            (best == cl->n_spare || cl->spare[i].bytes < cl->spare[best].bytes))
            best = i;
    if (best == cl->n_spare) {
        *cap = bytes;
        return malloc(bytes);
    }
    void *host = cl->spare[best].host;
    *cap = cl->spare[best].bytes;
    cl->spare[best] = cl->spare[--cl->n_spare];
    return host;
}

/* Release the events of uploads that have completed (all of them, waiting
 * if needed, when wait_all) and keep their staging copies for reuse. */
static void uploads_reap(bcn_cl *cl, int wait_all)
{
    size_t kept = 0;
    for (size_t i = 0; i < cl->n_uploads; i++) {
        bcn_cl_upload *u = &cl->uploads[i];
        cl_int state = CL_COMPLETE;
        if (wait_all)
            clWaitForEvents(1, &u->done);
        else if (clGetEventInfo(u->done, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof state, &state,
                                NULL) != CL_SUCCESS)
            state = CL_QUEUED; /* unknowable: keep it until finish() waits */
        if (!wait_all && state > CL_COMPLETE) { /* queued, submitted or running */
            cl->uploads[kept++] = *u;
            continue;
        }
        clReleaseEvent(u->done);
        spare_keep(cl, u->host, u->bytes);
    }
    cl->n_uploads = kept;
}

static bcn_status cl_buf_write(bcn_backend *be, bcn_buf *dst, size_t offset, size_t n,
                               const float *src)
{
    bcn_cl *cl = be->impl;
    if (n == 0)
        return BCN_OK;
    if (!dst || !src || offset > dst->n || n > dst->n - offset)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG,
                             "cl buf_write: %zu floats at offset %zu do not fit a buffer of %zu",
                             n, offset, dst ? dst->n : 0);
    uploads_reap(cl, 0);
    cl_int err = CL_SUCCESS;
    void *copy = NULL;
    size_t cap = 0;
    if (cl->n_uploads == cl->cap_uploads) {
        size_t grow = cl->cap_uploads ? 2 * cl->cap_uploads : 8;
        bcn_cl_upload *grown = realloc(cl->uploads, grow * sizeof *grown);
        if (grown) {
            cl->uploads = grown;
            cl->cap_uploads = grow;
        }
    }
    if (cl->n_uploads < cl->cap_uploads)
        copy = spare_take(cl, n * sizeof(float), &cap);
    if (!copy) { /* no memory to stage it: write synchronously instead */
        err = clEnqueueWriteBuffer(cl->queue, dst->mem, CL_TRUE, offset * sizeof(float),
                                   n * sizeof(float), src, 0, NULL, NULL);
        if (err != CL_SUCCESS)
            return bcn_cl_fail(be->ctx, err, "clEnqueueWriteBuffer", NULL);
        bcn_count_transfer(be, n * sizeof(float));
        return BCN_OK;
    }
    memcpy(copy, src, n * sizeof(float));
    cl_event done = NULL;
    err = clEnqueueWriteBuffer(cl->queue, dst->mem, CL_FALSE, offset * sizeof(float),
                               n * sizeof(float), copy, 0, NULL, &done);
    if (err != CL_SUCCESS) {
        spare_keep(cl, copy, cap);
        return bcn_cl_fail(be->ctx, err, "clEnqueueWriteBuffer", NULL);
    }
    bcn_count_transfer(be, n * sizeof(float));
    cl->uploads[cl->n_uploads].done = done;
    cl->uploads[cl->n_uploads].host = copy;
    cl->uploads[cl->n_uploads].bytes = cap;
    cl->n_uploads++;
    return BCN_OK;
}

static bcn_status cl_buf_read(bcn_backend *be, const bcn_buf *src, size_t offset, size_t n,
                              float *dst)
{
    bcn_cl *cl = be->impl;
    if (n == 0)
        return BCN_OK;
    if (!src || !dst || offset > src->n || n > src->n - offset)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG,
                             "cl buf_read: %zu floats at offset %zu do not fit a buffer of %zu",
                             n, offset, src ? src->n : 0);
    cl_int err = clEnqueueReadBuffer(cl->queue, src->mem, CL_TRUE, offset * sizeof(float),
                                     n * sizeof(float), dst, 0, NULL, NULL);
    if (err != CL_SUCCESS)
        return bcn_cl_fail(be->ctx, err, "clEnqueueReadBuffer", NULL);
    bcn_count_transfer(be, n * sizeof(float));
    uploads_reap(cl, 0);
    return BCN_OK;
}

static bcn_status cl_finish(bcn_backend *be)
{
    bcn_cl *cl = be->impl;
    cl_int err = clFinish(cl->queue);
    if (err != CL_SUCCESS)
        return bcn_cl_fail(be->ctx, err, "clFinish", NULL);
    uploads_reap(cl, 1);
    return BCN_OK;
}

/* ---------------------------------------------------------- lifetime */

static void cl_destroy(bcn_backend *be)
{
    if (!be)
        return;
    bcn_cl *cl = be->impl;
    if (cl) {
        if (cl->queue)
            clFinish(cl->queue);
        uploads_reap(cl, 1);
        free(cl->uploads);
        for (size_t i = 0; i < cl->n_spare; i++)
            free(cl->spare[i].host);
        free(cl->host_partials);
        for (int i = 0; i < BCN_SCRATCH_COUNT; i++)
            if (cl->scratch[i])
                clReleaseMemObject(cl->scratch[i]);
        if (cl->dummy)
            clReleaseMemObject(cl->dummy);
        bcn_cl_program_release(cl);
        if (cl->queue)
            clReleaseCommandQueue(cl->queue);
        if (cl->context)
            clReleaseContext(cl->context);
        free(cl);
    }
    free(be);
}

bcn_status bcn_backend_cl_create(bcn_ctx *ctx, int platform, int device, bcn_backend **out)
{
    if (!out)
        return bcn_set_error(ctx, BCN_ERR_INVALID_ARG, "bcn_backend_cl_create: NULL output");
    *out = NULL;
    bcn_status st = BCN_OK;
    cl_int err = CL_SUCCESS;
    bcn_backend *be = calloc(1, sizeof *be);
    bcn_cl *cl = calloc(1, sizeof *cl);
    if (!be || !cl) {
        free(be);
        free(cl);
        return bcn_set_error(ctx, BCN_ERR_NOMEM, "out of memory creating the OpenCL backend");
    }
    be->name = "cl";
    be->ctx = ctx;
    be->impl = cl;
    be->destroy = cl_destroy;
    st = bcn_cl_device_ids(ctx, platform, device, &cl->platform, &cl->device);
    if (st != BCN_OK)
        goto fail;
    st = bcn_cl_device_info(ctx, platform, device, cl->platform, cl->device, &be->info);
    if (st != BCN_OK)
        goto fail;
    err = clGetDeviceInfo(cl->device, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof cl->max_alloc,
                          &cl->max_alloc, NULL);
    if (err != CL_SUCCESS) {
        st = bcn_cl_fail(ctx, err, "clGetDeviceInfo", "CL_DEVICE_MAX_MEM_ALLOC_SIZE");
        goto fail;
    }
    cl_uint align_bits = 0;
    err = clGetDeviceInfo(cl->device, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof align_bits,
                          &align_bits, NULL);
    if (err != CL_SUCCESS) {
        st = bcn_cl_fail(ctx, err, "clGetDeviceInfo", "CL_DEVICE_MEM_BASE_ADDR_ALIGN");
        goto fail;
    }
    be->view_align = 1; /* in floats, a power of two */
    while (be->view_align * 8 * sizeof(float) < align_bits)
        be->view_align *= 2;
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)cl->platform,
                                     0};
    cl->context = clCreateContext(props, 1, &cl->device, NULL, NULL, &err);
    if (err != CL_SUCCESS) {
        st = bcn_cl_fail(ctx, err, "clCreateContext", be->info.id);
        goto fail;
    }
    cl->queue = clCreateCommandQueue(cl->context, cl->device, 0, &err); /* in order */
    if (err != CL_SUCCESS) {
        st = bcn_cl_fail(ctx, err, "clCreateCommandQueue", be->info.id);
        goto fail;
    }
    st = bcn_cl_tuning_pick(ctx, cl->device, NULL, &cl->tune);
    if (st != BCN_OK)
        goto fail;
    bcn_gemm_engine engine = BCN_GEMM_AUTO;
    st = bcn_ctx_gemm_engine(ctx, &engine);
    if (st != BCN_OK)
        goto fail;
    cl->gemm_own = engine == BCN_GEMM_OWN || (engine == BCN_GEMM_AUTO && cl->tune.gemm_own);
    size_t tiles[4];
    if (cl->gemm_own && bcn_cl_own_tiles_at_open(ctx, be, tiles) == 1 &&
        (st = bcn_cl_tuning_pick(ctx, cl->device, tiles, &cl->tune)) != BCN_OK)
        goto fail;
    st = bcn_cl_program_build(ctx, cl, 1);
    if (st != BCN_OK)
        goto fail;
    cl->dummy = clCreateBuffer(cl->context, CL_MEM_READ_WRITE, sizeof(float), NULL, &err);
    if (err != CL_SUCCESS) {
        st = bcn_cl_fail(ctx, err, "clCreateBuffer", "placeholder");
        goto fail;
    }
    be->buf_alloc = cl_buf_alloc;
    be->buf_free = cl_buf_free;
    be->buf_view = cl_buf_view;
    be->buf_write = cl_buf_write;
    be->buf_read = cl_buf_read;
    be->finish = cl_finish;
    bcn_cl_ops_elementwise(be);
    bcn_cl_ops_optim(be);
    bcn_cl_ops_reduce(be);
    bcn_cl_ops_gemm(be);
    bcn_cl_ops_conv(be);
    bcn_cl_ops_data(be);
    bcn_cl_tune_at_open(ctx, be); /* cached GEMM parameters; warns, never fails */
    *out = be;
    return BCN_OK;
fail:
    cl_destroy(be);
    return st;
}
