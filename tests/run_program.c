/*
 * run_program.c — run a built program with stdout and stderr captured
 * (see run_program.h).
 */
#include "run_program.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* scratch_dir + "/" + name, malloc'd. */
static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    cr_assert_not_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

char *tu_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *s = NULL;
    long n = -1;
    if (f && fseek(f, 0, SEEK_END) == 0)
        n = ftell(f);
    if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
        if (f)
            fclose(f);
        s = strdup("");
        cr_assert_not_null(s);
        return s;
    }
    s = malloc((size_t)n + 1);
    cr_assert_not_null(s);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = '\0';
    fclose(f);
    return s;
}

tu_run_result tu_run_program(const char *program, const char *scratch_dir,
                             const char *const *args)
{
    const char *top = getenv("BCN_TOP_BUILDDIR");
    char exe[4096];
    snprintf(exe, sizeof exe, "%s/%s", top && *top ? top : ".", program);
    cr_assert_eq(access(exe, X_OK), 0, "cannot run %s (set BCN_TOP_BUILDDIR)", exe);
    char *argv[96];
    int n = 0;
    argv[n++] = exe;
    for (int i = 0; args[i]; i++) {
        cr_assert_lt(n, 95, "too many arguments for %s", program);
        argv[n++] = (char *)args[i];
    }
    argv[n] = NULL;

    char *out_path = join(scratch_dir, "stdout.txt"), *err_path = join(scratch_dir, "stderr.txt");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid;
    int rc = posix_spawn(&pid, exe, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    cr_assert_eq(rc, 0, "posix_spawn %s failed", exe);
    int ws = 0;
    cr_assert_eq(waitpid(pid, &ws, 0), pid);
    tu_run_result r;
    r.status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    r.out = tu_slurp(out_path);
    r.err = tu_slurp(err_path);
    free(out_path);
    free(err_path);
    return r;
}

void tu_run_free(tu_run_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}
