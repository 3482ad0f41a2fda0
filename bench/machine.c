/*
 * machine.c — what the numbers were measured on: the machine (host, CPU
 * model, cores, memory, OS), the build (compiler, flags, CLBlast, the
 * OpenCL ICD loader, library version) and the devices, as JSON blocks.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#ifdef BCN_HAVE_OPENCL
#define CL_TARGET_OPENCL_VERSION 120
#define CL_USE_DEPRECATED_OPENCL_1_1_APIS
#include <CL/cl.h>
#endif

#include "bench.h"
#include "netdesc.h"

/* Copy the value after "key<spaces>:" of the first matching line of a
 * /proc file ("model name", "MemTotal"); 0 when found. */
static int proc_field(const char *path, const char *key, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[1024];
    int rc = -1;
    size_t klen = strlen(key);
    while (rc != 0 && fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) != 0)
            continue;
        char *p = line + klen;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != ':')
            continue;
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        p[strcspn(p, "\n")] = '\0';
        snprintf(buf, len, "%s", p);
        rc = 0;
    }
    fclose(f);
    return rc;
}

void bench_machine_read(bench_machine *m)
{
    memset(m, 0, sizeof *m);
    if (gethostname(m->hostname, sizeof m->hostname - 1) != 0)
        snprintf(m->hostname, sizeof m->hostname, "unknown");
    if (proc_field("/proc/cpuinfo", "model name", m->cpu_model, sizeof m->cpu_model) != 0)
        proc_field("/proc/cpuinfo", "Model", m->cpu_model, sizeof m->cpu_model);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    m->cores = n > 0 ? (int)n : 0;
    char mem[128];
    if (proc_field("/proc/meminfo", "MemTotal", mem, sizeof mem) == 0)
        m->mem_gib = strtod(mem, NULL) / (1024.0 * 1024.0); /* kB -> GiB */
    m->load1 = -1.0;
    FILE *lf = fopen("/proc/loadavg", "r");
    if (lf) {
        if (fscanf(lf, "%lf", &m->load1) != 1)
            m->load1 = -1.0;
        fclose(lf);
    }
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(m->os, sizeof m->os, "%.60s %.60s %.60s", u.sysname, u.release, u.machine);
    time_t now = time(NULL);
    struct tm lt, ut;
    if (localtime_r(&now, &lt))
        strftime(m->date, sizeof m->date, "%Y-%m-%d %H:%M %Z", &lt);
    if (gmtime_r(&now, &ut))
        strftime(m->date_iso, sizeof m->date_iso, "%Y-%m-%dT%H:%M:%SZ", &ut);
}

void bench_json_machine(bcn_json *j, const bench_machine *m)
{
    bcn_json_key(j, "machine");
    bcn_json_begin_object(j);
    bcn_json_kv_string(j, "hostname", m->hostname);
    bcn_json_kv_string(j, "cpu_model", m->cpu_model);
    bcn_json_kv_int(j, "cores", m->cores);
    bcn_json_kv_number(j, "memory_gib", m->mem_gib);
    bcn_json_kv_number(j, "load_average_1min", m->load1 >= 0 ? m->load1 : NAN);
    bcn_json_kv_string(j, "os", m->os);
    bcn_json_kv_string(j, "date", m->date_iso);
    bcn_json_end_object(j);
}

void bench_icd_loader(char *buf, size_t len)
{
    buf[0] = '\0';
#ifdef BCN_HAVE_OPENCL
    /* Both ocl-icd and the Khronos loader answer the cl_icdl extension
     * query clGetICDLoaderInfoOCLICD (names 2: version, 3: name). */
    typedef cl_int (*icdl_info_fn)(cl_uint, size_t, void *, size_t *);
    icdl_info_fn info = (icdl_info_fn)(void (*)(void))clGetExtensionFunctionAddress(
        "clGetICDLoaderInfoOCLICD");
    if (!info)
        return;
    char name[128] = "", version[128] = "";
    if (info(3, sizeof name - 1, name, NULL) != CL_SUCCESS)
        name[0] = '\0';
    if (info(2, sizeof version - 1, version, NULL) != CL_SUCCESS)
        version[0] = '\0';
    snprintf(buf, len, "%s%s%s", name, name[0] && version[0] ? " " : "", version);
#endif
}

void bench_json_build(bcn_json *j)
{
    char icd[256];
    bench_icd_loader(icd, sizeof icd);
    bcn_json_key(j, "build");
    bcn_json_begin_object(j);
    bcn_json_kv_string(j, "library_version", bcn_version());
    bcn_json_kv_string(j, "compiler", BCN_BUILD_CC);
    bcn_json_kv_string(j, "cflags", BCN_BUILD_CFLAGS);
#ifdef BCN_HAVE_OPENCL
    bcn_json_kv_bool(j, "opencl", 1);
    bcn_json_kv_string(j, "clblast_version", BCN_CLBLAST_VERSION);
#else
    bcn_json_kv_bool(j, "opencl", 0);
    bcn_json_kv_string(j, "clblast_version", NULL);
#endif
    bcn_json_kv_string(j, "icd_loader", icd[0] ? icd : NULL);
    bcn_json_end_object(j);
}

void bench_json_device(bcn_json *j, const bcn_device_info *d, const char *gemm)
{
    bcn_json_begin_object(j);
    bcn_json_kv_string(j, "id", d->id);
    bcn_json_kv_string(j, "backend", d->backend);
    bcn_json_kv_string(j, "type", bcn_device_type_str(d->type));
    bcn_json_kv_string(j, "name", d->name);
    bcn_json_kv_string(j, "vendor", d->vendor);
    bcn_json_kv_string(j, "driver", d->driver);
    bcn_json_kv_string(j, "opencl_version", d->version);
    bcn_json_kv_string(j, "platform", d->platform);
    bcn_json_kv_int(j, "compute_units", d->compute_units);
    bcn_json_kv_number(j, "global_mem_bytes", (double)d->global_mem_bytes);
    if (gemm)
        bcn_json_kv_string(j, "gemm", gemm);
    bcn_json_end_object(j);
}

void bench_json_net_config(bcn_json *j, const bcn_net_config *cfg)
{
    char desc[1024];
    bcn_net_desc(cfg, desc, sizeof desc);
    bcn_json_begin_object(j);
    bcn_json_kv_string(j, "network", desc);
    bcn_json_net_config(j, cfg); /* the same members as burstccn's "config" */
    bcn_json_end_object(j);
}

void bench_device_short(const bcn_device_info *d, char *buf, size_t len, size_t max)
{
    char name[512];
    snprintf(name, sizeof name, "%s", d->name);
    /* Collapse runs of spaces (OpenCL names are often padded). */
    size_t w = 0;
    for (size_t r = 0; name[r]; r++)
        if (!(name[r] == ' ' && (w == 0 || name[w - 1] == ' ')))
            name[w++] = name[r];
    while (w > 0 && name[w - 1] == ' ')
        w--;
    name[w] = '\0';
    if (max > 4 && strlen(name) > max)
        snprintf(name + max - 3, 4, "...");
    snprintf(buf, len, "%s", name);
}
