/*
 * cl_tune_params.c — CLBlast GEMM parameter sets (cl_tune.h): names,
 * validity for a device, applying and reading them, their text form, and
 * applying the cached set when a device opens. The search is cl_tune.c.
 */
#include "config.h"

#include <clblast_c.h>
#include <stdio.h>
#include <string.h>

#include "cl_tune.h"

const char *const bcn_tune_direct_names[BCN_TUNE_DIRECT_N] = {
    "KWID", "MDIMAD", "MDIMCD", "NDIMBD", "NDIMCD", "PADA", "PADB", "VWMD", "VWND", "WGD"};
const char *const bcn_tune_xgemm_names[BCN_TUNE_XGEMM_N] = {
    "GEMMK", "KREG", "KWG", "KWI", "MDIMA", "MDIMC", "MWG", "NDIMB",
    "NDIMC", "NWG",  "SA",  "SB",  "STRM",  "STRN",  "VWM", "VWN"};

/* ------------------------------------------------------------ params */

static int multiple(size_t x, size_t of) { return of != 0 && x % of == 0; }

int bcn_cl_gemm_params_valid(const bcn_cl_gemm_params *p, size_t max_wg, cl_ulong local_mem,
                             char *why, size_t why_len)
{
    const size_t *d = p->direct, *x = p->xgemm;
    for (int i = 0; i < BCN_TUNE_DIRECT_N; i++)
        if (d[i] == 0 && i != 5 && i != 6) {
            snprintf(why, why_len, "XgemmDirect %s is 0", bcn_tune_direct_names[i]);
            return 0;
        }
    size_t kwid = d[0], mdimad = d[1], mdimcd = d[2], ndimbd = d[3], ndimcd = d[4];
    size_t pada = d[5], padb = d[6], vwmd = d[7], vwnd = d[8], wgd = d[9];
    if (pada > 1 || padb > 1 || !multiple(wgd, kwid) || !multiple(wgd, mdimcd * vwmd) ||
        !multiple(wgd, ndimcd * vwnd) || !multiple(wgd, mdimad * vwmd) ||
        !multiple(wgd, ndimbd * vwnd) || !multiple(wgd, mdimcd * ndimcd / mdimad) ||
        !multiple(wgd, mdimcd * ndimcd / ndimbd)) {
        snprintf(why, why_len, "XgemmDirect parameters break CLBlast's divisibility rules");
        return 0;
    }
    if (mdimcd * ndimcd > max_wg ||
        4 * (wgd * (wgd + pada) + wgd * (wgd + padb)) > (size_t)local_mem) {
        snprintf(why, why_len, "XgemmDirect work-group or local memory exceeds the device's");
        return 0;
    }
    size_t gemmk = x[0], kreg = x[1], kwg = x[2], kwi = x[3], mdima = x[4], mdimc = x[5],
           mwg = x[6], ndimb = x[7], ndimc = x[8], nwg = x[9], sa = x[10], sb = x[11],
           strm = x[12], strn = x[13], vwm = x[14], vwn = x[15];
    if (gemmk > 1 || kreg == 0 || (gemmk == 0 && kreg != 1) || sa > 1 || sb > 1 || strm > 1 ||
        strn > 1 || !multiple(kwg, kwi) || !multiple(mwg, mdimc * vwm) ||
        !multiple(nwg, ndimc * vwn) || !multiple(mwg, mdima * vwm) ||
        !multiple(nwg, ndimb * vwn) || mdima == 0 || ndimb == 0 ||
        !multiple(kwg, mdimc * ndimc / mdima) || !multiple(kwg, mdimc * ndimc / ndimb)) {
        snprintf(why, why_len, "Xgemm parameters break CLBlast's divisibility rules");
        return 0;
    }
    if (mdimc * ndimc > max_wg || 4 * (sa * kwg * mwg + sb * kwg * nwg) > (size_t)local_mem) {
        snprintf(why, why_len, "Xgemm work-group or local memory exceeds the device's");
        return 0;
    }
    if (p->min_indirect == 0 || p->min_indirect > BCN_TUNE_ALL_DIRECT) {
        snprintf(why, why_len, "XGEMM_MIN_INDIRECT_SIZE %zu is outside 1..%d", p->min_indirect,
                 BCN_TUNE_ALL_DIRECT);
        return 0;
    }
    return 1;
}

/* Override one kernel's parameters; fail naming it. */
static bcn_status override(bcn_backend *be, const char *kernel, size_t n,
                           const char *const *names, const size_t *values)
{
    bcn_cl *cl = be->impl;
    CLBlastStatusCode code = CLBlastOverrideParameters(cl->device, kernel, CLBlastPrecisionSingle,
                                                       n, (const char **)names, values);
    if (code == CLBlastSuccess)
        return BCN_OK;
    return bcn_set_error(be->ctx, BCN_ERR_BLAS,
                         "CLBlastOverrideParameters(%s) failed on %s: %s (%d)", kernel,
                         be->info.name, bcn_cl_error_name((int)code), (int)code);
}

bcn_status bcn_cl_gemm_params_apply(bcn_backend *be, const bcn_cl_gemm_params *p)
{
    static const char *const min_name[1] = {"XGEMM_MIN_INDIRECT_SIZE"};
    bcn_status st = override(be, "XgemmDirect", BCN_TUNE_DIRECT_N, bcn_tune_direct_names,
                             p->direct);
    if (st == BCN_OK)
        st = override(be, "Xgemm", BCN_TUNE_XGEMM_N, bcn_tune_xgemm_names, p->xgemm);
    if (st == BCN_OK)
        st = override(be, "GemmRoutine", 1, min_name, &p->min_indirect);
    return st;
}

bcn_status bcn_cl_gemm_params_current(bcn_backend *be, bcn_cl_gemm_params *out)
{
    static const char *const min_name[1] = {"XGEMM_MIN_INDIRECT_SIZE"};
    bcn_cl *cl = be->impl;
    if (bcn_clblast_retrieve(cl->device, "XgemmDirect", BCN_TUNE_DIRECT_N,
                             bcn_tune_direct_names, out->direct) != 0 ||
        bcn_clblast_retrieve(cl->device, "Xgemm", BCN_TUNE_XGEMM_N, bcn_tune_xgemm_names,
                             out->xgemm) != 0 ||
        bcn_clblast_retrieve(cl->device, "GemmRoutine", 1, min_name, &out->min_indirect) != 0)
        return bcn_set_error(be->ctx, BCN_ERR_BLAS,
                             "clblast::RetrieveParameters could not read the GEMM parameters "
                             "of %s (XgemmDirect, Xgemm, GemmRoutine)",
                             be->info.name);
    return BCN_OK;
}

void bcn_cl_gemm_params_format(const bcn_cl_gemm_params *p, const char *prefix, char *buf,
                               size_t len)
{
    size_t used = 0;
#define PUT(...)                                                                \
    do {                                                                        \
        int w_ = snprintf(buf + used, used < len ? len - used : 0, __VA_ARGS__); \
        used += w_ > 0 ? (size_t)w_ : 0;                                        \
    } while (0)
    if (len)
        buf[0] = '\0';
    PUT("%sXgemmDirect", prefix);
    for (int i = 0; i < BCN_TUNE_DIRECT_N; i++)
        PUT(" %s=%zu", bcn_tune_direct_names[i], p->direct[i]);
    PUT("\n%sXgemm", prefix);
    for (int i = 0; i < BCN_TUNE_XGEMM_N; i++)
        PUT(" %s=%zu", bcn_tune_xgemm_names[i], p->xgemm[i]);
    PUT("\n%sGemmRoutine XGEMM_MIN_INDIRECT_SIZE=%zu\n", prefix, p->min_indirect);
#undef PUT
}

int bcn_cl_gemm_params_equal(const bcn_cl_gemm_params *a, const bcn_cl_gemm_params *b)
{
    return memcmp(a->direct, b->direct, sizeof a->direct) == 0 &&
           memcmp(a->xgemm, b->xgemm, sizeof a->xgemm) == 0 && a->min_indirect == b->min_indirect;
}

bcn_status bcn_cl_gemm_limits(bcn_backend *be, size_t *max_wg, cl_ulong *local_mem)
{
    bcn_cl *cl = be->impl;
    cl_int err = clGetDeviceInfo(cl->device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof *max_wg,
                                 max_wg, NULL);
    if (err == CL_SUCCESS)
        err = clGetDeviceInfo(cl->device, CL_DEVICE_LOCAL_MEM_SIZE, sizeof *local_mem,
                              local_mem, NULL);
    return err == CL_SUCCESS ? BCN_OK
                             : bcn_cl_fail(be->ctx, err, "clGetDeviceInfo", "GEMM limits");
}

/* ------------------------------------------------------------ at open */

int bcn_cl_gemm_tuned(const bcn_backend *be)
{
    const bcn_cl *cl = be->impl;
    return cl->gemm_own ? cl->own_tuned : cl->gemm_tuned;
}

void bcn_cl_tune_at_open(bcn_ctx *ctx, bcn_backend *be)
{
    bcn_cl *cl = be->impl;
    bcn_tune_mode mode = bcn_ctx_tune_mode(ctx);
    size_t max_wg = 0;
    cl_ulong local_mem = 0;
    bcn_cl_tune_entry e;
    char warn[900];
    if (bcn_cl_gemm_limits(be, &max_wg, &local_mem) != BCN_OK) {
        snprintf(ctx->warning, sizeof ctx->warning, "tuned GEMM parameters not applied: %s",
                 bcn_errmsg(ctx));
        bcn_clear_error(ctx);
        return;
    }
    int found = bcn_cl_tune_cache_load(&be->info, max_wg, local_mem, &e, warn, sizeof warn);
    if (found < 0 && mode != BCN_TUNE_OFF)
        snprintf(ctx->warning, sizeof ctx->warning, "%s", warn);
    if (found <= 0)
        return;
    bcn_cl_gemm_params now;
    bcn_status st = BCN_OK;
    if (mode == BCN_TUNE_OFF) { /* undo what this process applied */
        if (bcn_cl_gemm_params_current(be, &now) == BCN_OK && !bcn_cl_gemm_params_equal(&now, &e.defaults))
            st = bcn_cl_gemm_params_apply(be, &e.defaults);
    } else {
        st = bcn_cl_gemm_params_apply(be, &e.tuned);
        cl->gemm_tuned = st == BCN_OK;
    }
    if (st != BCN_OK) {
        snprintf(ctx->warning, sizeof ctx->warning, "tuned GEMM parameters not applied: %s",
                 bcn_errmsg(ctx));
        bcn_clear_error(ctx);
    }
}
