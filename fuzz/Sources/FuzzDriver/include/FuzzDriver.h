#ifndef BULKHEAD_FUZZ_DRIVER_H
#define BULKHEAD_FUZZ_DRIVER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (compiler-rt, linked by -sanitize=fuzzer): runs the fuzzing loop, or the
/// inputs named on the command line, with the given callback. SwiftPM links an executable's `main`
/// to the Swift module's entry point, so each target's main.swift starts libFuzzer through this.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
