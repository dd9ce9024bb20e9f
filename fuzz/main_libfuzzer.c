/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer engine: link with -fsanitize=fuzzer (libFuzzer supplies main). */
#include <stddef.h>
#include <stdint.h>

#include "fuzz/harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return osmem_fuzz_one(data, size);
}
