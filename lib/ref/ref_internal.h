/*
 * ref_internal.h — private state of the reference backend, shared by its
 * source files (backend_ref.c, ref_conv.c). Nothing here is visible to
 * model code.
 */
#ifndef BCN_REF_INTERNAL_H
#define BCN_REF_INTERNAL_H

#include "internal.h"

/* A host buffer of n floats; a view (buf_view) points into its parent's
 * storage and owns nothing. */
struct bcn_buf {
    size_t n;
    float *p;
    int view; /* 1: p belongs to the parent */
};

#define P(buf) ((buf)->p)
#define CP(buf) ((const float *)(buf)->p)

/* Fill the convolution slots (ref_conv.c). */
void bcn_ref_ops_conv(bcn_backend *be);

#endif /* BCN_REF_INTERNAL_H */
