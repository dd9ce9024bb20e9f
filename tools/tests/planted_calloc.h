/* SPDX-License-Identifier: BSD-3-Clause */
/* Forced into a generated reproducer (-include) to plant a bug between it and the allocator:
 * every os_calloc of 16 bytes or more returns its last byte dirty. */
#define os_calloc planted_calloc
