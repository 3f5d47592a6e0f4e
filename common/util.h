/* SPDX-License-Identifier: MIT */
/* Small helpers shared by every part. */
#ifndef PW_UTIL_H
#define PW_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/*
 * Parses a whole decimal integer in [min, max] into *out.  Refuses empty
 * strings, leading white space and '+', '-' where min >= 0, trailing
 * characters and overflow with PW_ERR_INVAL; *out is 0 on failure.
 */
int pw_strtonum(const char *s, long long min, long long max, long long *out) PW_WUR;

/* True when s is valid UTF-8 with no control characters. */
bool pw_utf8_printable(const char *s);

/*
 * A growable array p of elements of sz bytes with room for *cap: makes
 * room for `need' (doubling, from `first'; a NULL p is always made), and
 * returns the array, moved or not, never NULL on success; or NULL when
 * out of memory (or need overflows), p then still valid and *cap
 * unchanged.
 */
void *pw_grow(void *p, size_t *cap, size_t need, size_t sz, size_t first);

#endif
