/*
 * cl_errors.h — names of OpenCL and CLBlast status codes, and their mapping
 * onto bcn_status (internal to the OpenCL backend).
 */
#ifndef BCN_CL_ERRORS_H
#define BCN_CL_ERRORS_H

#include "internal.h"

/* Symbolic name of an OpenCL or CLBlast status code ("CL_OUT_OF_RESOURCES",
 * "CLBlastInvalidDimension", ...); "unknown OpenCL/CLBlast error" when the
 * code is not one of them. Never NULL. */
const char *bcn_cl_error_name(int code);

/* The bcn_status a failing OpenCL or CLBlast code stands for: memory
 * exhaustion is BCN_ERR_NOMEM, a failed program build
 * BCN_ERR_KERNEL_BUILD, CLBlast's own codes BCN_ERR_BLAS, the rest
 * BCN_ERR_OPENCL. CL_SUCCESS gives BCN_OK. */
bcn_status bcn_cl_status_of(int code);

/* Record on ctx that `call` (e.g. "clCreateBuffer") returned `code`, with
 * the code's name and number, and return the mapped status. `what` (may be
 * NULL) names the object involved, e.g. a kernel. */
bcn_status bcn_cl_fail(bcn_ctx *ctx, int code, const char *call,
                       const char *what);

#endif /* BCN_CL_ERRORS_H */
