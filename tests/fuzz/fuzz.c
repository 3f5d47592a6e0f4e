/* SPDX-License-Identifier: MIT */
/* Helpers shared by the libFuzzer harnesses (see fuzz.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/common_interface_defs.h>

#include "fuzz.h"
#include "pwerr.h"
#include "wire.h"

void
fuzz_fail(const char *file, int line, const char *what)
{
	char msg[512];

	(void)snprintf(msg, sizeof(msg), "pwadmin fuzz: %s:%d: property "
	    "does not hold: %s", file, line, what);
	/* the report descriptor, not stderr: libFuzzer may have closed 2 */
	__sanitizer_report_error_summary(msg);
	abort();
}

bool
fuzz_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

bool
fuzz_terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

bool
fuzz_text(const char *s, size_t n)
{
	size_t i;

	if (!fuzz_terminated(s, n))
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return true;
}

uint8_t *
fuzz_dup(const uint8_t *p, size_t n)
{
	uint8_t *c;

	if ((c = malloc(n > 0 ? n : 1)) == NULL)
		abort();
	if (n > 0)
		memcpy(c, p, n);
	return c;
}

uint8_t *
fuzz_reencode(int (*enc)(struct wire *w, const void *msg), const void *msg,
    const uint8_t *in, size_t n)
{
	uint8_t *out = fuzz_dup(in, n), *less;
	struct wire w;

	memset(out, 0, n);
	wire_init(&w, out, n);
	FUZZ_ASSERT(enc(&w, msg) == PW_OK);
	FUZZ_ASSERT(w.len == n);
	FUZZ_ASSERT(memcmp(out, in, n) == 0);
	if (n > 0) {
		less = fuzz_dup(in, n - 1);
		wire_init(&w, less, n - 1);
		FUZZ_ASSERT(enc(&w, msg) == PW_ERR_NOSPACE);
		free(less);
	}
	return out;
}
