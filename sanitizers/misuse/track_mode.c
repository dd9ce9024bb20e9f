/* SPDX-License-Identifier: BSD-3-Clause */
/* Prints the sanitizer this build was compiled with, so that misuse_test.sh knows what to expect.
 * It looks at the compiler's flags, not at osmem's OSMEM_TRACK_* define: a config that lost its
 * define must fail the misuse test, not quietly expect less. */
#include <stdio.h>

int main(void)
{
#if defined(__has_feature) && __has_feature(address_sanitizer)
	puts("asan");
#elif defined(__has_feature) && __has_feature(memory_sanitizer)
	puts("msan");
#elif defined(__has_feature) && __has_feature(undefined_behavior_sanitizer)
	puts("ubsan");
#else
	puts("plain");
#endif
	return 0;
}
