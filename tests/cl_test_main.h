/*
 * cl_test_main.h — main() of the OpenCL test programs (include it once, at
 * the end of the file). Criterion runs as usual, but skipped tests are
 * logged with their reason ([SKIP] lines in the .log file), and a program
 * whose tests were all skipped (no OpenCL device, or a build without
 * OpenCL) exits with 77 so that `make check` reports it as SKIP instead of
 * PASS.
 */
#ifndef BCN_CL_TEST_MAIN_H
#define BCN_CL_TEST_MAIN_H

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <criterion/logging.h>
#include <criterion/options.h>

/* Counts from the runner's final report (written once, by the hook). */
static size_t cl_test_total, cl_test_skipped;

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    cl_test_total = stats->nb_tests;
    cl_test_skipped = stats->tests_skipped;
}

int main(int argc, char *argv[])
{
    struct criterion_test_set *tests = criterion_initialize();
    criterion_options.logging_threshold = CRITERION_INFO; /* show [SKIP] reasons */
    int result = 0;
    if (criterion_handle_args(argc, argv, true))
        result = !criterion_run_all_tests(tests);
    criterion_finalize(tests);
    if (result == 0 && cl_test_total > 0 && cl_test_skipped == cl_test_total)
        return 77; /* automake's SKIP */
    return result;
}

#endif /* BCN_CL_TEST_MAIN_H */
