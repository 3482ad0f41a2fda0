/*
 * fuzz_entry.h — the entry points libFuzzer calls (declared here so the
 * targets build warning-free with -Wmissing-prototypes).
 */
#ifndef BCN_FUZZ_ENTRY_H
#define BCN_FUZZ_ENTRY_H

#include <stddef.h>
#include <stdint.h>

/* Called once before fuzzing, with the command line. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
/* Called for every input; returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
