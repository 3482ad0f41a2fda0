/*
 * gemm_opt.h — the --gemm flag that burstccn and burstccn-bench share:
 * which GEMM code an OpenCL device runs (bcn_gemm_engine), its value
 * names, its help text and a strict parser with the usual message.
 */
#ifndef BCN_COMMON_GEMM_OPT_H
#define BCN_COMMON_GEMM_OPT_H

#include <stddef.h>

#include "burstccn.h"

/* The value placeholder shown in the help. */
#define BCN_GEMM_OPT_META "auto|own|clblast"
/* One help paragraph for --gemm (both programs print it). */
#define BCN_GEMM_OPT_HELP                                                                    \
    "GEMM code of OpenCL devices: own (the library's kernels, kernels/gemm.cl), clblast "   \
    "(CLBlast) or auto (own on CPU devices, CLBlast elsewhere); default $BURSTCCN_GEMM, "    \
    "else auto. Results match within float rounding either way; ref is unaffected"

/* Parse a --gemm value ("auto", "own", "clblast", any case) into *out.
 * 0, or -1 with "--gemm: 'x' is not a GEMM engine (expected auto, own or
 * clblast)" in err (`flag` names the flag). */
int bcn_arg_gemm(const char *flag, const char *text, bcn_gemm_engine *out, char *err,
                 size_t errlen);
/* One line on the GEMM engines this build has, for --version: "GEMM
 * engines: own kernels and CLBlast X.Y.Z (OpenCL); ..." (no newline). */
void bcn_gemm_engines_line(char *buf, size_t len);

#endif /* BCN_COMMON_GEMM_OPT_H */
