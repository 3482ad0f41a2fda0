/*
 * gemm_opt.c — the shared --gemm flag (gemm_opt.h).
 */
#include "config.h"

#include <stdio.h>

#include "gemm_opt.h"

int bcn_arg_gemm(const char *flag, const char *text, bcn_gemm_engine *out, char *err,
                 size_t errlen)
{
    if (text && bcn_gemm_engine_parse(text, out) == BCN_OK)
        return 0;
    snprintf(err, errlen, "%s: '%s' is not a GEMM engine (expected auto, own or clblast)", flag,
             text ? text : "");
    return -1;
}

void bcn_gemm_engines_line(char *buf, size_t len)
{
#ifdef BCN_HAVE_OPENCL
    snprintf(buf, len,
             "GEMM engines (OpenCL devices): own kernels, CLBlast %s; --gemm or $BURSTCCN_GEMM "
             "picks (auto: own on CPU devices, CLBlast elsewhere)",
             BCN_CLBLAST_VERSION);
#else
    snprintf(buf, len, "GEMM engines: ref only (built without OpenCL: no own kernels, no "
                       "CLBlast)");
#endif
}
