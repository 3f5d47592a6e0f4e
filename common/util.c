/* SPDX-License-Identifier: MIT */
/* Bounded number parsing and text checks. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "pwerr.h"
#include "util.h"

int
pw_strtonum(const char *s, long long min, long long max, long long *out)
{
	char *end = NULL;
	long long v;

	*out = 0;
	/* strtoll would skip any leading white space and take a '+' */
	if (s == NULL || !(isdigit((unsigned char)s[0]) ||
	    (s[0] == '-' && min < 0 && isdigit((unsigned char)s[1]))))
		return PW_ERR_INVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return PW_ERR_INVAL;
	*out = v;
	return PW_OK;
}

bool
pw_utf8_printable(const char *s)
{
	static const uint32_t min_cp[4] = { 0, 0x80, 0x800, 0x10000 };
	const unsigned char *p = (const unsigned char *)s;
	unsigned need, i;
	uint32_t cp;

	while (*p != '\0') {
		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return false;
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf) {
			need = 1;
			cp = *p & 0x1fu;
		} else if (*p >= 0xe0 && *p <= 0xef) {
			need = 2;
			cp = *p & 0x0fu;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			need = 3;
			cp = *p & 0x07u;
		} else
			return false;
		p++;
		for (i = 0; i < need; i++, p++) {
			if ((*p & 0xc0) != 0x80) /* also stops at the NUL */
				return false;
			cp = cp << 6 | (*p & 0x3fu);
		}
		/* overlong forms, surrogates, past U+10FFFF, C1 controls */
		if (cp < min_cp[need] || (cp >= 0xd800 && cp <= 0xdfff) ||
		    cp > 0x10ffff || cp < 0xa0)
			return false;
	}
	return true;
}

void *
pw_grow(void *p, size_t *cap, size_t need, size_t sz, size_t first)
{
	size_t c = *cap;
	void *q;

	/* an array that is not there yet is made, whatever it needs */
	if (need <= c && p != NULL)
		return p;
	if (c == 0 || p == NULL)
		c = first > 0 ? first : 1;
	while (c < need) {
		if (c > SIZE_MAX / 2)
			return NULL;
		c *= 2;
	}
	if ((q = reallocarray(p, c, sz)) == NULL)
		return NULL;
	*cap = c;
	return q;
}
