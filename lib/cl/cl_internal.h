/*
 * cl_internal.h — private state of the OpenCL backend, shared by its
 * source files (backend_cl.c, cl_devices.c, cl_program.c, cl_ops.c,
 * cl_reduce.c, cl_gemm.c, cl_conv.c, cl_data.c). Nothing here is visible to model code.
 */
#ifndef BCN_CL_INTERNAL_H
#define BCN_CL_INTERNAL_H

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>

#include "internal.h"
#include "cl_errors.h"
#include "cl_kernels.h"

/* A device buffer of n floats (n >= 1 allocated); a view (buf_view) is a
 * sub-buffer of its parent's cl_mem. */
struct bcn_buf {
    cl_mem mem;
    size_t n;
    int view; /* 1: a sub-buffer (clCreateSubBuffer) */
};

/* Work-group shapes, passed to the compiler as -D defines (the reduction
 * kernels size their local memory with them) and used for the launches.
 * All are powers of two. */
typedef struct bcn_cl_tuning {
    size_t wg;         /* BCN_WG: 1-D kernels and tree reductions */
    size_t colsum_tx;  /* BCN_COLSUM_TX: columns per colsum work-group */
    size_t colsum_ty;  /* BCN_COLSUM_TY: row lanes per colsum work-group */
    size_t colsum_rpi; /* rows each colsum work-item adds before the tree */
    size_t max_groups; /* cap on work-groups of the 1-D reductions */
    size_t colsum_lanes; /* work-items per column of colsum with inner > 1 (<= wg) */
    /* The backend's own GEMM kernels (kernels/gemm.cl, BCN_GEMM_* defines):
     * vector width (8 or 16 floats), rows of C per work-item when op(B) = B,
     * rows and columns of C per work-item when op(B) = Bᵀ. */
    size_t gemm_vw, gemm_rm, gemm_dm, gemm_dn;
    int gemm_own; /* 1: GEMMs run on those kernels by default (CPU devices) */
    /* BCN_EW_VW: consecutive floats per work-item of the element-wise and
     * burst kernels (1, 2, 4, 8 or 16; 0 in the table means the device's
     * native float vector width, at least 4). */
    size_t ew_vw;
} bcn_cl_tuning;

/* A host copy of an upload still in flight (buf_write does not block). */
typedef struct bcn_cl_upload {
    cl_event done;
    void *host;
    size_t bytes; /* the copy's capacity */
} bcn_cl_upload;

/* Staging copies kept for reuse once their upload is done, so that a
 * training step's uploads allocate nothing (done is unused here). */
#define BCN_CL_SPARE_UPLOADS 8

/* Backend-owned scratch buffers, one per use, grown on demand and reused:
 * the in-order queue runs every op's kernels before the next op's, so an
 * op may overwrite what an earlier op left there. */
typedef enum bcn_cl_scratch_id {
    BCN_SCRATCH_REDUCE, /* per-group partial sums of the reductions */
    BCN_SCRATCH_COL,    /* the column matrix of a convolution */
    BCN_SCRATCH_MAT,    /* a convolution's channel-major output or gradient */
    BCN_SCRATCH_COUNT
} bcn_cl_scratch_id;

typedef struct bcn_cl {
    cl_platform_id platform;
    cl_device_id device;
    cl_context context;
    cl_command_queue queue; /* in order */
    cl_program program;
    int program_from_binary; /* 1: loaded from the binary cache (cl_program.c) */
    int gemm_tuned;          /* 1: tuned CLBlast parameters were applied (cl_tune.c) */
    int gemm_own;            /* 1: gemm runs kernels/gemm.cl, 0: CLBlast (cl_gemm.c) */
    int own_tuned;           /* 1: its tiles came from tuning (cl_tune_own.c) */
    cl_kernel kernels[BCN_K_COUNT];
    size_t kernel_wg[BCN_K_COUNT]; /* CL_KERNEL_WORK_GROUP_SIZE */
    bcn_cl_tuning tune;
    cl_ulong max_alloc;  /* CL_DEVICE_MAX_MEM_ALLOC_SIZE */
    cl_mem dummy;        /* one float bound to absent optional arguments */
    cl_mem scratch[BCN_SCRATCH_COUNT]; /* grown on demand, see bcn_cl_scratch */
    size_t scratch_n[BCN_SCRATCH_COUNT]; /* their sizes in floats */
    float *host_partials; /* dot3's read-back of the partial sums */
    size_t host_partials_n;
    bcn_cl_upload *uploads; /* pending non-blocking writes */
    size_t n_uploads, cap_uploads;
    bcn_cl_upload spare[BCN_CL_SPARE_UPLOADS]; /* finished staging copies to reuse */
    size_t n_spare;
} bcn_cl;

/* ---- cl_devices.c ---- */

/* Find platform p, device d (indices as in bcn_cl_list_devices). Errors:
 * BCN_ERR_NO_DEVICE with a message saying what exists and how to install a
 * driver. */
bcn_status bcn_cl_device_ids(bcn_ctx *ctx, int p, int d, cl_platform_id *pid,
                             cl_device_id *did);
/* Fill `info` for device `did` of platform `pid` known as cl:p:d. */
bcn_status bcn_cl_device_info(bcn_ctx *ctx, int p, int d, cl_platform_id pid,
                              cl_device_id did, bcn_device_info *info);

/* ---- cl_tuning.c, cl_program.c ---- */

/* Choose work-group shapes for the device (vendor/type table, then the own
 * GEMM tiles gemm_tiles[0..4) = vw, rm, dm, dn when not NULL, then
 * $BURSTCCN_CL_TUNING, clamped to the device's limits). */
bcn_status bcn_cl_tuning_pick(bcn_ctx *ctx, cl_device_id dev, const size_t *gemm_tiles,
                              bcn_cl_tuning *out);
/* Build the program from the embedded sources (or from $BURSTCCN_KERNEL_DIR
 * when set), create every kernel and record its work-group limit; shrinks
 * cl->tune.wg and rebuilds once if a kernel cannot run at the chosen size.
 * use_cache 0: neither read nor write the program binary cache (the GEMM
 * tile search builds programs it will not use again). */
bcn_status bcn_cl_program_build(bcn_ctx *ctx, bcn_cl *cl, int use_cache);
/* Release the program and kernels (safe on a partly built state). */
void bcn_cl_program_release(bcn_cl *cl);
/* The OpenCL C name of kernel k ("bcn_fill", ...), for messages. */
const char *bcn_cl_kernel_name(bcn_cl_kernel_id k);

/* ---- backend_cl.c: launch helpers used by the op files ---- */

/* One kernel argument: its size and a pointer to its value. */
typedef struct bcn_cl_arg {
    size_t size;
    const void *value;
} bcn_cl_arg;
#define BCN_CL_ARG(x) {sizeof(x), &(x)}

/* Set the arguments of kernel k and enqueue it over `dim` dimensions with
 * the given global and local sizes (global already rounded up). */
bcn_status bcn_cl_launch(bcn_backend *be, bcn_cl_kernel_id k, cl_uint dim,
                         const size_t *global, const size_t *local, size_t nargs,
                         const bcn_cl_arg *args);
/* Enqueue a 1-D element-wise kernel over n items (n <= UINT_MAX checked by
 * the caller). */
bcn_status bcn_cl_launch_1d(bcn_backend *be, bcn_cl_kernel_id k, size_t n, size_t nargs,
                            const bcn_cl_arg *args);
/* Work-items of an element-wise kernel over n elements (n / BCN_EW_VW
 * rounded up). */
size_t bcn_cl_ew_items(const bcn_backend *be, size_t n);
/* Fail with BCN_ERR_INVALID_ARG unless buffer `buf` (named `what` in
 * operation `op`) is non-NULL and holds at least `need` floats. */
bcn_status bcn_cl_check_buf(bcn_backend *be, const char *op, const char *what,
                            const bcn_buf *buf, size_t need);
/* Fail with BCN_ERR_UNSUPPORTED when n does not fit the kernels' uint
 * indices. */
bcn_status bcn_cl_check_count(bcn_backend *be, const char *op, size_t n);
/* Make cl->scratch[id] hold at least n floats (n >= 1). A grown buffer
 * replaces the old one; work already queued keeps the old one alive. */
bcn_status bcn_cl_scratch(bcn_backend *be, bcn_cl_scratch_id id, size_t n);
/* The cl_mem of a buffer, or the dummy buffer for NULL. */
cl_mem bcn_cl_mem(const bcn_backend *be, const bcn_buf *buf);

/* ---- cl_gemm.c ---- */

/* C = alpha op(A) op(B) + beta C through CLBlastSgemm on the backend's
 * queue (row-major, sizes as the gemm slot, m, n, k >= 1, C not read when
 * beta == 0); a failure is reported naming `op` (NULL: the gemm slot). */
bcn_status bcn_cl_sgemm(bcn_backend *be, const char *op, int trans_a, int trans_b, size_t m,
                        size_t n, size_t k, float alpha, cl_mem a, size_t lda, cl_mem b,
                        size_t ldb, float beta, cl_mem c, size_t ldc);

/* ---- op tables filled by each file ---- */
void bcn_cl_ops_elementwise(bcn_backend *be); /* cl_ops.c */
void bcn_cl_ops_reduce(bcn_backend *be);      /* cl_reduce.c */
void bcn_cl_ops_gemm(bcn_backend *be);        /* cl_gemm.c */
void bcn_cl_ops_optim(bcn_backend *be);       /* cl_optim.c */
void bcn_cl_ops_conv(bcn_backend *be);        /* cl_conv.c */
void bcn_cl_ops_data(bcn_backend *be);        /* cl_data.c */

#endif /* BCN_CL_INTERNAL_H */
