/*
 * run_program.c — run a built program with stdout and stderr captured
 * (see run_program.h).
 */
#include "run_program.h"

#include "idx_fixture.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The file's text, "" when there is none. */
static char *captured(const char *path)
{
    char *s = fx_slurp(path);
    if (!s)
        s = strdup("");
    cr_assert_not_null(s);
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

    char *out_path = fx_path(scratch_dir, "stdout.txt"), *err_path = fx_path(scratch_dir, "stderr.txt");
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
    r.out = captured(out_path);
    r.err = captured(err_path);
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
