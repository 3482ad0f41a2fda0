/*
 * cl_tune_clblast.cc — the one piece of CLBlast's C++ API the tuner needs:
 * RetrieveParameters, which reads the GEMM parameters CLBlast currently
 * uses for a device (its database defaults until CLBlastOverrideParameters
 * replaces them). The C API can override parameters but not read them, and
 * without the defaults an override could never be undone. C linkage; no
 * exception crosses into C.
 */
#include "config.h"

#include <string>
#include <unordered_map>

#include <clblast.h>

#include "cl_tune.h"

extern "C" int bcn_clblast_retrieve(cl_device_id device, const char *kernel, size_t n,
                                    const char *const *names, size_t *values)
{
    try {
        std::unordered_map<std::string, size_t> params;
        if (clblast::RetrieveParameters(device, kernel, clblast::Precision::kSingle, params) !=
            clblast::StatusCode::kSuccess)
            return -1;
        for (size_t i = 0; i < n; i++) {
            auto it = params.find(names[i]);
            if (it == params.end())
                return -1;
            values[i] = it->second;
        }
        return 0;
    } catch (...) {
        return -1;
    }
}
