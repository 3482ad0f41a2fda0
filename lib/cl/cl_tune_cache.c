/*
 * cl_tune_cache.c — the tuned-GEMM cache file of a device (cl_tune.h).
 *
 * One small text file per device, gemm-HASH.txt in the cache folder
 * (cl_cache.h), HASH over device name, driver version and the CLBlast
 * version the library was built against. The file repeats those three, so
 * a file copied from elsewhere, or a hash collision, is recognised as
 * foreign and ignored; anything that does not parse exactly (a cut-short
 * write, a hand edit) is corrupt and ignored too, with a warning naming
 * the file and the line. Writes are atomic (temp + rename).
 *
 *   burstccn-gemm-tune 1
 *   device <CL_DEVICE_NAME>
 *   driver <CL_DRIVER_VERSION>
 *   clblast <version>
 *   shapes <the mix, see cl_tune.c>
 *   tuned XgemmDirect KWID=2 ... WGD=32      (all 10 parameters, in order)
 *   tuned Xgemm GEMMK=0 ... VWN=4            (all 16)
 *   tuned GemmRoutine XGEMM_MIN_INDIRECT_SIZE=65536
 *   default XgemmDirect ...                  (CLBlast's own, 3 lines)
 *   untuned_ms 1.234567
 *   tuned_ms 0.987654
 *   end
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_cache.h"
#include "cl_tune.h"

#define MAGIC "burstccn-gemm-tune 1"
#define CACHE_MAX 65536

int bcn_cl_tune_cache_path(const bcn_device_info *info, char *path, size_t len)
{
    char dir[4096];
    if (bcn_cache_dir(dir, sizeof dir) != 0)
        return -1;
    uint64_t h = bcn_hash_str(BCN_HASH_SEED, info->name);
    h = bcn_hash_str(h, info->driver);
    h = bcn_hash_str(h, BCN_CLBLAST_VERSION);
    int n = snprintf(path, len, "%s/gemm-%016llx.txt", dir, (unsigned long long)h);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The next line of *p (NUL-terminated in place), or NULL at the end. */
static char *next_line(char **p)
{
    if (!*p || !**p)
        return NULL;
    char *line = *p, *nl = strchr(line, '\n');
    if (nl) {
        *nl = '\0';
        *p = nl + 1;
    } else {
        *p = NULL; /* the last line has no newline: cut short */
        return NULL;
    }
    return line;
}

/* Parse "<prefix> <kernel> N1=v1 N2=v2 ..." with exactly these names. */
static int parse_params(const char *line, const char *prefix, const char *kernel, size_t n,
                        const char *const *names, size_t *values)
{
    size_t pl = strlen(prefix), kl = strlen(kernel);
    if (strncmp(line, prefix, pl) != 0 || line[pl] != ' ' ||
        strncmp(line + pl + 1, kernel, kl) != 0)
        return -1;
    const char *s = line + pl + 1 + kl;
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(names[i]);
        if (s[0] != ' ' || strncmp(s + 1, names[i], nl) != 0 || s[1 + nl] != '=')
            return -1;
        s += 2 + nl;
        if (*s < '0' || *s > '9')
            return -1;
        char *end = NULL;
        unsigned long long v = strtoull(s, &end, 10);
        if (end == s || v > 1000000)
            return -1;
        values[i] = (size_t)v;
        s = end;
    }
    return *s == '\0' ? 0 : -1;
}

/* Parse the three parameter lines starting at *p. */
static int parse_set(char **p, const char *prefix, bcn_cl_gemm_params *out, int *line_no)
{
    static const char *const min_name[1] = {"XGEMM_MIN_INDIRECT_SIZE"};
    char *line = next_line(p);
    ++*line_no;
    if (!line || parse_params(line, prefix, "XgemmDirect", BCN_TUNE_DIRECT_N,
                              bcn_tune_direct_names, out->direct) != 0)
        return -1;
    line = next_line(p);
    ++*line_no;
    if (!line || parse_params(line, prefix, "Xgemm", BCN_TUNE_XGEMM_N, bcn_tune_xgemm_names,
                              out->xgemm) != 0)
        return -1;
    line = next_line(p);
    ++*line_no;
    if (!line || parse_params(line, prefix, "GemmRoutine", 1, min_name, &out->min_indirect) != 0)
        return -1;
    return 0;
}

/* "key value" with exactly this key; the value (rest of the line) or NULL. */
static const char *keyed(const char *line, const char *key)
{
    size_t kl = strlen(key);
    return line && strncmp(line, key, kl) == 0 && line[kl] == ' ' ? line + kl + 1 : NULL;
}

int bcn_cl_tune_cache_load(const bcn_device_info *info, size_t max_wg, cl_ulong local_mem,
                           bcn_cl_tune_entry *out, char *warn, size_t warn_len)
{
    char path[4200];
    char *data = NULL;
    size_t len = 0;
    memset(out, 0, sizeof *out);
    if (bcn_cl_tune_cache_path(info, path, sizeof path) != 0 ||
        bcn_cache_read(path, CACHE_MAX, &data, &len) != 0)
        return 0; /* no folder or no file: nothing tuned yet */
    char *p = data;
    int line_no = 1, rc = -1;
    const char *v;
    if (strlen(data) != len) /* a NUL inside: binary garbage */
        goto corrupt;
    char *line = next_line(&p);
    if (!line || strcmp(line, MAGIC) != 0)
        goto corrupt;
    line = next_line(&p), line_no++;
    if (!(v = keyed(line, "device")))
        goto corrupt;
    if (strcmp(v, info->name) != 0) {
        snprintf(warn, warn_len,
                 "tuning cache '%s' was made for device '%s', not '%s': ignored (tune again "
                 "or delete the file)",
                 path, v, info->name);
        goto done;
    }
    line = next_line(&p), line_no++;
    if (!(v = keyed(line, "driver")))
        goto corrupt;
    if (strcmp(v, info->driver) != 0) {
        snprintf(warn, warn_len,
                 "tuning cache '%s' was made with driver version '%s', not '%s': ignored", path,
                 v, info->driver);
        goto done;
    }
    line = next_line(&p), line_no++;
    if (!(v = keyed(line, "clblast")))
        goto corrupt;
    if (strcmp(v, BCN_CLBLAST_VERSION) != 0) {
        snprintf(warn, warn_len,
                 "tuning cache '%s' was made with CLBlast %s, not %s: ignored", path, v,
                 BCN_CLBLAST_VERSION);
        goto done;
    }
    line = next_line(&p), line_no++;
    if (!(v = keyed(line, "shapes")) || strlen(v) >= sizeof out->shapes)
        goto corrupt;
    snprintf(out->shapes, sizeof out->shapes, "%s", v);
    if (parse_set(&p, "tuned", &out->tuned, &line_no) != 0 ||
        parse_set(&p, "default", &out->defaults, &line_no) != 0)
        goto corrupt;
    char tail;
    line = next_line(&p), line_no++;
    if (!(v = keyed(line, "untuned_ms")) || sscanf(v, "%lf%c", &out->untuned_ms, &tail) != 1)
        goto corrupt;
    line = next_line(&p), line_no++;
    if (!(v = keyed(line, "tuned_ms")) || sscanf(v, "%lf%c", &out->tuned_ms, &tail) != 1)
        goto corrupt;
    line = next_line(&p), line_no++;
    if (!line || strcmp(line, "end") != 0 || (p && *p))
        goto corrupt;
    char why[256];
    if (!bcn_cl_gemm_params_valid(&out->tuned, max_wg, local_mem, why, sizeof why) ||
        !bcn_cl_gemm_params_valid(&out->defaults, max_wg, local_mem, why, sizeof why)) {
        snprintf(warn, warn_len, "tuning cache '%s' is corrupt (%s): ignored", path, why);
        goto done;
    }
    rc = 1;
    goto done;
corrupt:
    snprintf(warn, warn_len,
             "tuning cache '%s' is corrupt or cut short (line %d): ignored; `burstccn tune` "
             "rewrites it",
             path, line_no);
done:
    free(data);
    if (rc != 1)
        memset(out, 0, sizeof *out);
    return rc;
}

int bcn_cl_tune_cache_store(const bcn_device_info *info, const bcn_cl_tune_entry *e, char *err,
                            size_t err_len)
{
    char path[4200];
    if (bcn_cl_tune_cache_path(info, path, sizeof path) != 0) {
        snprintf(err, err_len,
                 "no cache folder (set BURSTCCN_CACHE_DIR, XDG_CACHE_HOME or HOME)");
        return -1;
    }
    char tuned[1200], defaults[1200];
    bcn_cl_gemm_params_format(&e->tuned, "tuned ", tuned, sizeof tuned);
    bcn_cl_gemm_params_format(&e->defaults, "default ", defaults, sizeof defaults);
    size_t cap = 4096 + sizeof e->shapes + sizeof tuned + sizeof defaults;
    char *text = malloc(cap);
    if (!text) {
        snprintf(err, err_len, "out of memory writing '%s'", path);
        return -1;
    }
    int n = snprintf(text, cap,
                     MAGIC "\ndevice %s\ndriver %s\nclblast %s\nshapes %s\n%s%suntuned_ms %.6f\n"
                           "tuned_ms %.6f\nend\n",
                     info->name, info->driver, BCN_CLBLAST_VERSION, e->shapes, tuned, defaults,
                     e->untuned_ms, e->tuned_ms);
    int rc = n > 0 && (size_t)n < cap ? bcn_cache_write(path, text, (size_t)n, err, err_len) : -1;
    if (n <= 0 || (size_t)n >= cap)
        snprintf(err, err_len, "tuning entry too long for '%s'", path);
    free(text);
    return rc;
}
