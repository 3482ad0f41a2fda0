/*
 * buf_view.c — the arguments every backend's buf_view slot accepts
 * (backend.h), checked in one place; each backend passes what it knows of
 * the parent buffer.
 */
#include "config.h"

#include "backend.h"
#include "internal.h"

bcn_status bcn_buf_view_check(bcn_backend *be, bcn_buf **out, int have_parent,
                              int parent_is_view, size_t parent_n, size_t offset, size_t n)
{
    if (!out)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG, "%s buf_view: NULL output", be->name);
    *out = NULL;
    if (!have_parent || parent_is_view || n == 0 || offset > parent_n || n > parent_n - offset)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG,
                             "%s buf_view: %zu floats at offset %zu of %s", be->name, n, offset,
                             !have_parent     ? "a NULL buffer"
                             : parent_is_view ? "a view (views of views are not supported)"
                                              : "a smaller buffer");
    if (offset % be->view_align)
        return bcn_set_error(be->ctx, BCN_ERR_INVALID_ARG,
                             "%s buf_view: offset %zu is not a multiple of %zu floats (the "
                             "base address alignment of %s)",
                             be->name, offset, be->view_align, be->info.name);
    return BCN_OK;
}
