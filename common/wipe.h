/* SPDX-License-Identifier: MIT */
/* Wiping secrets: explicit_bzero that the compiler may not elide. */
#ifndef PW_WIPE_H
#define PW_WIPE_H

#include <string.h>

static inline void
pw_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		explicit_bzero(p, n);
}

/*
 * PW_WIPE_ARRAY(a) wipes a whole array and refuses to compile when `a' is
 * a pointer (sizeof a pointer would wipe 8 bytes and leave the rest).
 */
#define PW_IS_ARRAY(a) \
	(!__builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0])))
#define PW_WIPE_ARRAY(a)                                                    \
	do {                                                                \
		_Static_assert(PW_IS_ARRAY(a), "PW_WIPE_ARRAY on a pointer"); \
		pw_wipe((a), sizeof(a));                                    \
	} while (0)
#define PW_WIPE_OBJECT(p) pw_wipe((p), sizeof(*(p)))

#endif
