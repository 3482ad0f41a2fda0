/*
 * run_program.h — run one of the built programs as a child process with
 * its stdout and stderr captured (the command-line tests of burstccn and
 * burstccn-bench).
 */
#ifndef BCN_TESTS_RUN_PROGRAM_H
#define BCN_TESTS_RUN_PROGRAM_H

typedef struct tu_run_result {
    int status; /* exit status, or 128 + signal */
    char *out;  /* captured stdout (malloc'd, "" when none) */
    char *err;  /* captured stderr (malloc'd, "" when none) */
} tu_run_result;

/* Run $BCN_TOP_BUILDDIR/`program` with the NULL-terminated arguments; the
 * output goes through files stdout.txt/stderr.txt in `scratch_dir`, which
 * are kept there. Fails the test when the program cannot be started. */
tu_run_result tu_run_program(const char *program, const char *scratch_dir,
                             const char *const *args);
/* Free the captured output. */
void tu_run_free(tu_run_result *r);

#endif /* BCN_TESTS_RUN_PROGRAM_H */
