/*
 * test_cl_errors.c — the OpenCL backend's errors and device enumeration:
 * names of OpenCL/CLBlast codes, bad device ids, no platform at all, a
 * broken or missing kernel source through BURSTCCN_KERNEL_DIR, oversized
 * allocations, bad tuning overrides and undersized buffers. Every error
 * must come back as the right bcn_status with a message that says what went
 * wrong; nothing may crash.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "internal.h"

#ifdef BCN_HAVE_OPENCL
#include <clblast_c.h>

#include "cl_errors.h"
#include "cl_kernels.h"

/* ------------------------------------------------------------ helpers */

/* Skip the test plainly unless an OpenCL device exists; returns the id of
 * the first one. */
static void first_device(char *id, size_t cap)
{
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_not_null(ctx);
    bcn_device_info *devs = NULL;
    size_t n = 0;
    bcn_status st = bcn_cl_list_devices(ctx, &devs, &n);
    if (st != BCN_OK || n == 0) {
        char why[1024];
        snprintf(why, sizeof why, "%s", bcn_errmsg(ctx));
        free(devs);
        bcn_ctx_free(ctx);
        cr_skip_test("no OpenCL device, test skipped: %s", why);
    }
    snprintf(id, cap, "%s", devs[0].id);
    free(devs);
    bcn_ctx_free(ctx);
}

/* Write each embedded kernel file into a new temporary folder, except
 * `omit` (NULL: none); append `extra` to file `break_file` (NULL: none).
 * Returns the folder (static storage of the caller's buffer). */
static void write_kernel_dir(char *dir, const char *omit, const char *break_file,
                             const char *extra)
{
    strcpy(dir, "/tmp/bcn_kernels_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    for (size_t i = 0; i < bcn_cl_source_count; i++) {
        const bcn_cl_source *src = &bcn_cl_sources[i];
        if (omit && strcmp(src->name, omit) == 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, src->name);
        FILE *f = fopen(path, "wb");
        cr_assert_not_null(f, "cannot write %s", path);
        cr_assert_eq(fwrite(src->text, 1, src->len, f), src->len);
        if (break_file && strcmp(src->name, break_file) == 0)
            fputs(extra, f);
        cr_assert_eq(fclose(f), 0);
    }
}

static void remove_kernel_dir(const char *dir)
{
    for (size_t i = 0; i < bcn_cl_source_count; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, bcn_cl_sources[i].name);
        unlink(path);
    }
    rmdir(dir);
}

/* ------------------------------------------------------- error names */

Test(cl_error_names, opencl_codes)
{
    cr_expect_str_eq(bcn_cl_error_name(CL_SUCCESS), "CL_SUCCESS");
    cr_expect_str_eq(bcn_cl_error_name(CL_OUT_OF_RESOURCES), "CL_OUT_OF_RESOURCES");
    cr_expect_str_eq(bcn_cl_error_name(CL_MEM_OBJECT_ALLOCATION_FAILURE),
                     "CL_MEM_OBJECT_ALLOCATION_FAILURE");
    cr_expect_str_eq(bcn_cl_error_name(CL_BUILD_PROGRAM_FAILURE), "CL_BUILD_PROGRAM_FAILURE");
    cr_expect_str_eq(bcn_cl_error_name(CL_INVALID_KERNEL_ARGS), "CL_INVALID_KERNEL_ARGS");
    cr_expect_str_eq(bcn_cl_error_name(CL_INVALID_WORK_GROUP_SIZE), "CL_INVALID_WORK_GROUP_SIZE");
    cr_expect_str_eq(bcn_cl_error_name(CL_INVALID_DEVICE_PARTITION_COUNT),
                     "CL_INVALID_DEVICE_PARTITION_COUNT");
    cr_expect_str_eq(bcn_cl_error_name(-1001), "CL_PLATFORM_NOT_FOUND_KHR");
    cr_expect(strstr(bcn_cl_error_name(12345), "unknown") != NULL);
    cr_expect(strstr(bcn_cl_error_name(-100), "unknown") != NULL);
}

Test(cl_error_names, every_opencl_12_code_is_named)
{
    /* OpenCL 1.2 defines -1..-19 and -30..-68. */
    for (int code = -68; code <= -1; code++) {
        if (code < -19 && code > -30)
            continue;
        const char *name = bcn_cl_error_name(code);
        cr_expect(strncmp(name, "CL_", 3) == 0, "code %d has no OpenCL name (%s)", code, name);
    }
}

Test(cl_error_names, clblast_codes)
{
    /* Values straight from clblast_c.h's enum. */
    static const struct {
        CLBlastStatusCode code;
        const char *name;
    } want[] = {
        {CLBlastNotImplemented, "CLBlastNotImplemented"},
        {CLBlastInvalidMatrixA, "CLBlastInvalidMatrixA"},
        {CLBlastInvalidDimension, "CLBlastInvalidDimension"},
        {CLBlastInvalidLeadDimA, "CLBlastInvalidLeadDimA"},
        {CLBlastInsufficientMemoryC, "CLBlastInsufficientMemoryC"},
        {CLBlastInsufficientMemoryY, "CLBlastInsufficientMemoryY"},
        {CLBlastInsufficientMemoryTemp, "CLBlastInsufficientMemoryTemp"},
        {CLBlastInvalidLocalMemUsage, "CLBlastInvalidLocalMemUsage"},
        {CLBlastNoDoublePrecision, "CLBlastNoDoublePrecision"},
        {CLBlastDatabaseError, "CLBlastDatabaseError"},
        {CLBlastUnexpectedError, "CLBlastUnexpectedError"},
        /* CLBlast's OpenCL-valued codes read as their OpenCL names */
        {CLBlastOpenCLOutOfResources, "CL_OUT_OF_RESOURCES"},
        {CLBlastTempBufferAllocFailure, "CL_MEM_OBJECT_ALLOCATION_FAILURE"},
        {CLBlastInvalidLocalThreadsTotal, "CL_INVALID_WORK_GROUP_SIZE"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_expect_str_eq(bcn_cl_error_name((int)want[i].code), want[i].name, "code %d",
                         (int)want[i].code);
}

Test(cl_error_names, status_mapping)
{
    cr_expect_eq(bcn_cl_status_of(CL_SUCCESS), BCN_OK);
    cr_expect_eq(bcn_cl_status_of(CL_MEM_OBJECT_ALLOCATION_FAILURE), BCN_ERR_NOMEM);
    cr_expect_eq(bcn_cl_status_of(CL_OUT_OF_HOST_MEMORY), BCN_ERR_NOMEM);
    cr_expect_eq(bcn_cl_status_of(CL_BUILD_PROGRAM_FAILURE), BCN_ERR_KERNEL_BUILD);
    cr_expect_eq(bcn_cl_status_of(-1001), BCN_ERR_NO_DEVICE);
    cr_expect_eq(bcn_cl_status_of(CL_INVALID_KERNEL_ARGS), BCN_ERR_OPENCL);
    cr_expect_eq(bcn_cl_status_of(CL_OUT_OF_RESOURCES), BCN_ERR_OPENCL);
    cr_expect_eq(bcn_cl_status_of(CLBlastInvalidLeadDimB), BCN_ERR_BLAS);
    cr_expect_eq(bcn_cl_status_of(CLBlastInsufficientMemoryTemp), BCN_ERR_BLAS);
    cr_expect_eq(bcn_cl_status_of(CLBlastUnexpectedError), BCN_ERR_BLAS);
}

Test(cl_error_names, fail_message_names_call_and_code)
{
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_not_null(ctx);
    bcn_status st = bcn_cl_fail(ctx, CL_OUT_OF_RESOURCES, "clEnqueueNDRangeKernel", "bcn_fill");
    cr_expect_eq(st, BCN_ERR_OPENCL);
    cr_expect_eq(bcn_errcode(ctx), BCN_ERR_OPENCL);
    cr_expect_str_eq(bcn_errmsg(ctx),
                     "clEnqueueNDRangeKernel(bcn_fill) failed: CL_OUT_OF_RESOURCES (-5)");
    st = bcn_cl_fail(ctx, CL_MEM_OBJECT_ALLOCATION_FAILURE, "clCreateBuffer", NULL);
    cr_expect_eq(st, BCN_ERR_NOMEM);
    cr_expect_str_eq(bcn_errmsg(ctx), "clCreateBuffer failed: CL_MEM_OBJECT_ALLOCATION_FAILURE (-4)");
    bcn_ctx_free(ctx);
}

/* ------------------------------------------------------------ devices */

Test(cl_devices, listing_describes_each_device)
{
    char id[32];
    first_device(id, sizeof id);
    bcn_ctx *ctx = bcn_ctx_new();
    bcn_device_info *devs = NULL;
    size_t n = 0;
    cr_assert_eq(bcn_cl_list_devices(ctx, &devs, &n), BCN_OK, "%s", bcn_errmsg(ctx));
    cr_assert_gt(n, 0);
    cr_expect_str_eq(devs[0].id, "cl:0:0");
    for (size_t i = 0; i < n; i++) {
        int p = -1, d = -1;
        cr_expect_eq(sscanf(devs[i].id, "cl:%d:%d", &p, &d), 2, "id %s", devs[i].id);
        cr_expect_str_eq(devs[i].backend, "cl");
        cr_expect_neq(devs[i].type, BCN_DEVICE_REF);
        cr_expect_gt(strlen(devs[i].name), 0);
        cr_expect_gt(strlen(devs[i].platform), 0);
        cr_expect_gt(devs[i].compute_units, 0u);
        cr_expect_gt(devs[i].global_mem_bytes, 0u);
        cr_expect(strncmp(devs[i].version, "OpenCL ", 7) == 0, "version '%s'", devs[i].version);
        fprintf(stderr, "%s  %s  %s  %s  %u CUs  %.0f MiB  %s  driver %s\n", devs[i].id,
                bcn_device_type_str(devs[i].type), devs[i].vendor, devs[i].name,
                devs[i].compute_units, (double)devs[i].global_mem_bytes / 1048576.0,
                devs[i].version, devs[i].driver);
    }
    free(devs);
    bcn_ctx_free(ctx);
}

Test(cl_devices, open_by_id_and_name)
{
    char id[32];
    first_device(id, sizeof id);
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_eq(bcn_ctx_open_device(ctx, id), BCN_OK, "%s", bcn_errmsg(ctx));
    bcn_device_info info;
    cr_assert_eq(bcn_ctx_device(ctx, &info), BCN_OK);
    cr_expect_str_eq(info.id, id);
    cr_expect_str_eq(ctx->backend->name, "cl");
    /* a case-changed part of the name selects the same device */
    char part[8] = {0};
    for (int i = 0; i < 4 && info.name[i]; i++)
        part[i] = (char)((info.name[i] >= 'a' && info.name[i] <= 'z') ? info.name[i] - 32
                                                                       : info.name[i]);
    bcn_ctx *ctx2 = bcn_ctx_new();
    cr_expect_eq(bcn_ctx_open_device(ctx2, part), BCN_OK, "'%s': %s", part, bcn_errmsg(ctx2));
    cr_expect_str_eq(ctx2->backend->info.id, id);
    bcn_ctx_free(ctx2);
    bcn_ctx_free(ctx);
}

Test(cl_devices, bad_ids_are_no_device)
{
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_not_null(ctx);
    bcn_status st = bcn_ctx_open_device(ctx, "cl:9:9");
    cr_expect_eq(st, BCN_ERR_NO_DEVICE, "cl:9:9 gave %s: %s", bcn_status_str(st),
                 bcn_errmsg(ctx));
    cr_expect(strstr(bcn_errmsg(ctx), "cl:9:9") != NULL, "message: %s", bcn_errmsg(ctx));
    st = bcn_ctx_open_device(ctx, "nonexistent-device-name");
    cr_expect_eq(st, BCN_ERR_NO_DEVICE);
    cr_expect(strstr(bcn_errmsg(ctx), "nonexistent-device-name") != NULL, "message: %s",
              bcn_errmsg(ctx));
    cr_expect_null(ctx->backend, "a failed open must not leave a device open");
    /* the backend constructor itself says which index is out of range */
    bcn_backend *be = NULL;
    st = bcn_backend_cl_create(ctx, 9, 9, &be);
    cr_expect_eq(st, BCN_ERR_NO_DEVICE);
    cr_expect_null(be);
    cr_expect(strstr(bcn_errmsg(ctx), "9") != NULL, "message: %s", bcn_errmsg(ctx));
    bcn_ctx_free(ctx);
}

Test(cl_devices, device_index_out_of_range)
{
    char id[32];
    first_device(id, sizeof id);
    bcn_ctx *ctx = bcn_ctx_new();
    bcn_backend *be = NULL;
    bcn_status st = bcn_backend_cl_create(ctx, 0, 999, &be);
    cr_expect_eq(st, BCN_ERR_NO_DEVICE);
    cr_expect_null(be);
    cr_expect(strstr(bcn_errmsg(ctx), "no OpenCL device 999 on platform 0") != NULL,
              "message: %s", bcn_errmsg(ctx));
    bcn_ctx_free(ctx);
}

/* With the ICD loader pointed at an empty vendor folder there is no
 * platform at all: the loader's CL_PLATFORM_NOT_FOUND_KHR must become
 * BCN_ERR_NO_DEVICE with install advice, and ref must stay usable. */
Test(cl_devices, no_platform_says_how_to_install)
{
    char dir[] = "/tmp/bcn_novendors_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    setenv("OCL_ICD_VENDORS", dir, 1);
    unsetenv("OCL_ICD_FILENAMES");
    bcn_ctx *ctx = bcn_ctx_new();
    bcn_device_info *devs = NULL;
    size_t n = 0;
    bcn_status st = bcn_cl_list_devices(ctx, &devs, &n);
    cr_expect_eq(st, BCN_ERR_NO_DEVICE, "got %s: %s", bcn_status_str(st), bcn_errmsg(ctx));
    cr_expect_eq(n, 0);
    cr_expect(strstr(bcn_errmsg(ctx), "pocl-opencl-icd") != NULL, "message: %s",
              bcn_errmsg(ctx));
    cr_expect(strstr(bcn_errmsg(ctx), "clinfo") != NULL, "message: %s", bcn_errmsg(ctx));
    free(devs);
    st = bcn_ctx_open_device(ctx, "cl");
    cr_expect_eq(st, BCN_ERR_NO_DEVICE);
    cr_expect(strstr(bcn_errmsg(ctx), "pocl-opencl-icd") != NULL, "message: %s",
              bcn_errmsg(ctx));
    cr_expect_eq(bcn_ctx_open_device(ctx, NULL), BCN_OK, "default falls back to ref: %s",
                 bcn_errmsg(ctx));
    cr_expect_str_eq(ctx->backend->name, "ref");
    bcn_ctx_free(ctx);
    rmdir(dir);
}

/* ------------------------------------------------------ kernel sources */

Test(cl_kernels, embedded_sources_are_complete)
{
    cr_assert_gt(bcn_cl_source_count, 0);
    cr_expect_str_eq(bcn_cl_sources[0].name, "common.cl", "common definitions come first");
    for (size_t i = 0; i < bcn_cl_source_count; i++) {
        const bcn_cl_source *s = &bcn_cl_sources[i];
        cr_expect_gt(s->len, 0);
        cr_expect_eq(s->text[s->len], 0, "%s is NUL-terminated", s->name);
        cr_expect_eq(strlen((const char *)s->text), s->len, "%s has no NUL inside", s->name);
    }
    /* the bytes are the files' own: compare with the source tree */
    const char *top = getenv("BCN_TOP_SRCDIR");
    if (!top)
        return;
    for (size_t i = 0; i < bcn_cl_source_count; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/kernels/%s", top, bcn_cl_sources[i].name);
        FILE *f = fopen(path, "rb");
        cr_assert_not_null(f, "cannot open %s", path);
        char *buf = malloc(bcn_cl_sources[i].len + 2);
        size_t got = fread(buf, 1, bcn_cl_sources[i].len + 1, f);
        fclose(f);
        cr_expect_eq(got, bcn_cl_sources[i].len, "%s: size differs from the embedded copy", path);
        cr_expect(memcmp(buf, bcn_cl_sources[i].text, bcn_cl_sources[i].len) == 0,
                  "%s differs from the embedded copy", path);
        free(buf);
    }
}

Test(cl_kernels, kernel_dir_with_good_sources_works)
{
    char id[32], dir[64];
    first_device(id, sizeof id);
    write_kernel_dir(dir, NULL, NULL, NULL);
    setenv("BURSTCCN_KERNEL_DIR", dir, 1);
    bcn_ctx *ctx = bcn_ctx_new();
    bcn_status st = bcn_ctx_open_device(ctx, id);
    cr_expect_eq(st, BCN_OK, "%s", bcn_errmsg(ctx));
    if (st == BCN_OK) {
        bcn_backend *be = ctx->backend;
        bcn_buf *b = NULL;
        float out[5];
        cr_assert_eq(be->buf_alloc(be, 5, &b), BCN_OK);
        cr_assert_eq(be->fill(be, 5, 3.5f, b), BCN_OK, "%s", bcn_errmsg(ctx));
        cr_assert_eq(be->buf_read(be, b, 0, 5, out), BCN_OK);
        for (int i = 0; i < 5; i++)
            cr_expect_eq(out[i], 3.5f);
        be->buf_free(be, b);
    }
    bcn_ctx_free(ctx);
    remove_kernel_dir(dir);
}

Test(cl_kernels, broken_source_gives_build_log)
{
    char id[32], dir[64];
    first_device(id, sizeof id);
    write_kernel_dir(dir, NULL, "reduce.cl",
                     "\n__kernel void bcn_broken(__global float *x)\n{\n"
                     "    x[0] = undeclared_identifier_xyz + 1.0f;\n}\n");
    setenv("BURSTCCN_KERNEL_DIR", dir, 1);
    bcn_ctx *ctx = bcn_ctx_new();
    bcn_status st = bcn_ctx_open_device(ctx, id);
    const char *msg = bcn_errmsg(ctx);
    cr_expect_eq(st, BCN_ERR_KERNEL_BUILD, "got %s: %s", bcn_status_str(st), msg);
    cr_expect(strstr(msg, "CL_BUILD_PROGRAM_FAILURE") != NULL, "message: %s", msg);
    cr_expect(strstr(msg, "build log") != NULL, "message: %s", msg);
    cr_expect(strstr(msg, dir) != NULL, "the message names the folder: %s", msg);
    /* the compiler's own diagnostic, naming the identifier and the file */
    cr_expect(strstr(msg, "undeclared_identifier_xyz") != NULL, "message: %s", msg);
    cr_expect(strstr(msg, "error") != NULL, "message: %s", msg);
    cr_expect(strstr(msg, "reduce.cl") != NULL, "build log names the file: %s", msg);
    cr_expect_null(ctx->backend);
    fprintf(stderr, "broken kernel message:\n%s\n", msg);
    bcn_ctx_free(ctx);
    remove_kernel_dir(dir);
}

Test(cl_kernels, missing_source_is_named)
{
    char id[32], dir[64];
    first_device(id, sizeof id);
    write_kernel_dir(dir, "optim.cl", NULL, NULL);
    setenv("BURSTCCN_KERNEL_DIR", dir, 1);
    bcn_ctx *ctx = bcn_ctx_new();
    bcn_status st = bcn_ctx_open_device(ctx, id);
    const char *msg = bcn_errmsg(ctx);
    cr_expect_eq(st, BCN_ERR_IO, "got %s: %s", bcn_status_str(st), msg);
    cr_expect(strstr(msg, "optim.cl") != NULL, "message: %s", msg);
    cr_expect(strstr(msg, "BURSTCCN_KERNEL_DIR") != NULL, "message: %s", msg);
    cr_expect(strstr(msg, "No such file") != NULL, "message: %s", msg);
    bcn_ctx_free(ctx);
    remove_kernel_dir(dir);
}

Test(cl_kernels, bad_tuning_override)
{
    char id[32];
    first_device(id, sizeof id);
    setenv("BURSTCCN_CL_TUNING", "wg=3", 1);
    bcn_ctx *ctx = bcn_ctx_new();
    bcn_status st = bcn_ctx_open_device(ctx, id);
    cr_expect_eq(st, BCN_ERR_INVALID_ARG, "got %s: %s", bcn_status_str(st), bcn_errmsg(ctx));
    cr_expect(strstr(bcn_errmsg(ctx), "BURSTCCN_CL_TUNING='wg=3'") != NULL, "message: %s",
              bcn_errmsg(ctx));
    bcn_ctx_free(ctx);
}

/* ------------------------------------------------------------ buffers */

Test(cl_buffers, oversized_allocation_is_refused)
{
    char id[32];
    first_device(id, sizeof id);
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_eq(bcn_ctx_open_device(ctx, id), BCN_OK, "%s", bcn_errmsg(ctx));
    bcn_backend *be = ctx->backend;
    bcn_buf *b = NULL;
    bcn_status st = be->buf_alloc(be, SIZE_MAX / 8, &b);
    cr_expect_eq(st, BCN_ERR_NOMEM, "got %s: %s", bcn_status_str(st), bcn_errmsg(ctx));
    cr_expect_null(b);
    cr_expect(strstr(bcn_errmsg(ctx), "CL_DEVICE_MAX_MEM_ALLOC_SIZE") != NULL, "message: %s",
              bcn_errmsg(ctx));
    /* the backend is still usable afterwards */
    cr_expect_eq(be->buf_alloc(be, 10, &b), BCN_OK, "%s", bcn_errmsg(ctx));
    be->buf_free(be, b);
    bcn_ctx_free(ctx);
}

Test(cl_buffers, undersized_buffers_are_named)
{
    char id[32];
    first_device(id, sizeof id);
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_eq(bcn_ctx_open_device(ctx, id), BCN_OK, "%s", bcn_errmsg(ctx));
    bcn_backend *be = ctx->backend;
    bcn_buf *x = NULL, *y = NULL;
    cr_assert_eq(be->buf_alloc(be, 10, &x), BCN_OK);
    cr_assert_eq(be->buf_alloc(be, 5, &y), BCN_OK);
    bcn_status st = be->axpby(be, 10, 1.0f, x, 1.0f, y);
    cr_expect_eq(st, BCN_ERR_INVALID_ARG);
    cr_expect(strstr(bcn_errmsg(ctx), "axpby") && strstr(bcn_errmsg(ctx), "'y'"),
              "message: %s", bcn_errmsg(ctx));
    st = be->gemm(be, 0, 0, 3, 3, 3, 1.0f, x, 3, y, 3, 0.0f, x, 3);
    cr_expect_eq(st, BCN_ERR_INVALID_ARG);
    cr_expect(strstr(bcn_errmsg(ctx), "gemm") && strstr(bcn_errmsg(ctx), "'B'"), "message: %s",
              bcn_errmsg(ctx));
    st = be->gemm(be, 0, 0, 2, 2, 2, 1.0f, x, 1, x, 2, 0.0f, y, 2);
    cr_expect_eq(st, BCN_ERR_INVALID_ARG);
    cr_expect(strstr(bcn_errmsg(ctx), "leading dimension of A") != NULL, "message: %s",
              bcn_errmsg(ctx));
    float host[20] = {0};
    st = be->buf_write(be, y, 3, 5, host);
    cr_expect_eq(st, BCN_ERR_INVALID_ARG);
    st = be->buf_read(be, x, 0, 11, host);
    cr_expect_eq(st, BCN_ERR_INVALID_ARG);
    bcn_optim_step adam0 = {BCN_OPT_ADAM, 0.0f, 0.9f, 0.999f, 1e-8f, 0};
    st = be->optimize(be, &adam0, 5, y, y, y, y, y);
    cr_expect_eq(st, BCN_ERR_INVALID_ARG, "Adam step 0 is rejected");
    bcn_optim_step sgd = {BCN_OPT_SGD, 0.0f, 0.0f, 0.0f, 0.0f, 0};
    st = be->optimize(be, &sgd, 300, x, y, NULL, NULL, y);
    cr_expect_eq(st, BCN_ERR_INVALID_ARG, "a short table or buffer is rejected");
    bcn_buf *view = NULL;
    if (be->view_align > 1) {
        st = be->buf_view(be, x, 1, 2, &view);
        cr_expect_eq(st, BCN_ERR_INVALID_ARG, "a misaligned view is rejected");
        cr_expect(strstr(bcn_errmsg(ctx), "multiple of") != NULL, "message: %s",
                  bcn_errmsg(ctx));
    }
    st = be->buf_view(be, x, 0, 11, &view);
    cr_expect_eq(st, BCN_ERR_INVALID_ARG, "a view past the end is rejected");
    cr_expect_null(view);
    be->buf_free(be, x);
    be->buf_free(be, y);
    bcn_ctx_free(ctx);
}

/* Uploads do not block: the host copy may be reused at once. */
Test(cl_buffers, writes_are_staged)
{
    char id[32];
    first_device(id, sizeof id);
    bcn_ctx *ctx = bcn_ctx_new();
    cr_assert_eq(bcn_ctx_open_device(ctx, id), BCN_OK, "%s", bcn_errmsg(ctx));
    bcn_backend *be = ctx->backend;
    enum { N = 4096, K = 50 };
    bcn_buf *bufs[K];
    float *host = malloc(N * sizeof *host), *back = malloc(N * sizeof *back);
    cr_assert(host && back);
    for (int k = 0; k < K; k++) {
        cr_assert_eq(be->buf_alloc(be, N, &bufs[k]), BCN_OK);
        for (int i = 0; i < N; i++)
            host[i] = (float)(k * N + i);
        cr_assert_eq(be->buf_write(be, bufs[k], 0, N, host), BCN_OK, "%s", bcn_errmsg(ctx));
    }
    memset(host, 0xff, N * sizeof *host); /* scribble over the source */
    for (int k = 0; k < K; k++) {
        cr_assert_eq(be->buf_read(be, bufs[k], 0, N, back), BCN_OK);
        for (int i = 0; i < N; i += 97)
            cr_expect_eq(back[i], (float)(k * N + i), "buffer %d element %d", k, i);
        be->buf_free(be, bufs[k]);
    }
    cr_expect_eq(be->finish(be), BCN_OK);
    free(host);
    free(back);
    bcn_ctx_free(ctx);
}

#else /* !BCN_HAVE_OPENCL */

Test(cl_devices, no_opencl_build)
{
    cr_skip_test("this build has no OpenCL backend (configured with --disable-opencl)");
}

#endif

#include "cl_test_main.h"
