/* SPDX-License-Identifier: BSD-3-Clause */
/* Prints which tool this build serves, so that misuse_test.sh knows what to expect. */
#include <stdio.h>

int main(void)
{
#if defined(OSMEM_TRACK_ASAN)
	puts("asan");
#elif defined(OSMEM_TRACK_MSAN)
	puts("msan");
#elif defined(OSMEM_TRACK_VALGRIND)
	puts("valgrind");
#elif defined(__has_feature) && __has_feature(undefined_behavior_sanitizer)
	puts("ubsan");
#else
	puts("plain");
#endif
	return 0;
}
