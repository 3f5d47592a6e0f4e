/* SPDX-License-Identifier: MIT */
/* Unit tests for common/util.c: bounded number parsing and UTF-8 checks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "pwerr.h"
#include "util.h"

struct numcase {
	const char *s;
	long long min, max;
	int want;
	long long v;
};

static const struct numcase nums[] = {
	{ "0", 0, 10, PW_OK, 0 },
	{ "10", 0, 10, PW_OK, 10 },
	{ "1", 1, 1, PW_OK, 1 },
	{ "007", 0, 10, PW_OK, 7 },
	{ "11", 0, 10, PW_ERR_INVAL, 0 },	/* above max */
	{ "0", 1, 10, PW_ERR_INVAL, 0 },	/* below min */
	{ "-1", 0, 10, PW_ERR_INVAL, 0 },
	{ "-0", 0, 10, PW_ERR_INVAL, 0 },	/* no sign when min >= 0 */
	{ "+5", 0, 10, PW_ERR_INVAL, 0 },
	{ "-5", -10, 10, PW_OK, -5 },
	{ "-10", -10, 10, PW_OK, -10 },
	{ "-11", -10, 10, PW_ERR_INVAL, 0 },
	{ " 5", 0, 10, PW_ERR_INVAL, 0 },
	{ "\t5", 0, 10, PW_ERR_INVAL, 0 },
	{ "5 ", 0, 10, PW_ERR_INVAL, 0 },
	{ "5\n", 0, 10, PW_ERR_INVAL, 0 },
	{ "5x", 0, 10, PW_ERR_INVAL, 0 },
	{ "x5", 0, 10, PW_ERR_INVAL, 0 },
	{ "0x5", 0, 10, PW_ERR_INVAL, 0 },
	{ "5.0", 0, 10, PW_ERR_INVAL, 0 },
	{ "1e1", 0, 100, PW_ERR_INVAL, 0 },
	{ "", 0, 10, PW_ERR_INVAL, 0 },
	{ "-", -10, 10, PW_ERR_INVAL, 0 },
	{ "+", -10, 10, PW_ERR_INVAL, 0 },
	{ "--5", -10, 10, PW_ERR_INVAL, 0 },
	{ "- 5", -10, 10, PW_ERR_INVAL, 0 },
	{ "99999999999999999999", 0, LLONG_MAX, PW_ERR_INVAL, 0 },
	{ "-99999999999999999999", LLONG_MIN, LLONG_MAX, PW_ERR_INVAL, 0 },
	{ "9223372036854775807", 0, LLONG_MAX, PW_OK, LLONG_MAX },
	{ "9223372036854775808", 0, LLONG_MAX, PW_ERR_INVAL, 0 },
	{ "-9223372036854775808", LLONG_MIN, 0, PW_OK, LLONG_MIN },
	{ "4294967296", 0, UINT32_MAX, PW_ERR_INVAL, 0 },
	{ "4294967295", 0, UINT32_MAX, PW_OK, UINT32_MAX },
	/*
	 * Only a digit (or a sign where allowed) may come first: strtoll
	 * skips any isspace(), so every one of these must be refused here.
	 */
	{ "\n5", 0, 10, PW_ERR_INVAL, 0 },
	{ "\r5", 0, 10, PW_ERR_INVAL, 0 },
	{ "\v5", 0, 10, PW_ERR_INVAL, 0 },
	{ "\f5", 0, 10, PW_ERR_INVAL, 0 },
	{ "\n+5", 0, 10, PW_ERR_INVAL, 0 },	/* a sign where min >= 0 */
	{ "\n-5", -10, 10, PW_ERR_INVAL, 0 },
};

static void
test_strtonum(void **state)
{
	size_t i, bad = 0;
	long long v;
	int r;

	(void)state;
	/* Run every case, report each mismatch, then fail once. */
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		v = 12345;
		r = pw_strtonum(nums[i].s, nums[i].min, nums[i].max, &v);
		if (r != nums[i].want || v != nums[i].v) {
			print_message("case %zu: got r %d v %lld, want r %d "
			    "v %lld\n", i, r, v, nums[i].want, nums[i].v);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
test_strtonum_null(void **state)
{
	long long v = 12345;

	(void)state;
	assert_int_equal(pw_strtonum(NULL, 0, 10, &v), PW_ERR_INVAL);
	assert_true(v == 0);
}

static const char *const utf8_good[] = {
	"",
	"plain ASCII with spaces ~!@#$%^&*()",
	" ",
	"caf\xc3\xa9",				/* U+00E9 (2 bytes) */
	"\xc2\xa0",				/* U+00A0, first after C1 */
	"\xdf\xbf",				/* U+07FF, last 2-byte */
	"\xe0\xa0\x80",				/* U+0800, first 3-byte */
	"\xe2\x82\xac",				/* U+20AC (3 bytes) */
	"\xed\x9f\xbf",				/* U+D7FF, before surrogates */
	"\xee\x80\x80",				/* U+E000, after surrogates */
	"\xef\xbf\xbd",				/* U+FFFD */
	"\xf0\x90\x80\x80",			/* U+10000, first 4-byte */
	"\xf0\x9f\x98\x80",			/* U+1F600 (4 bytes) */
	"\xf4\x8f\xbf\xbf",			/* U+10FFFF, the last */
	"a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z",
};

static const char *const utf8_bad[] = {
	"\t", "a\tb", "\n", "a\n", "\r", "\x01", "\x1b[0m", "\x1f", "\x7f",
	"\xc2\x80",		/* U+0080, C1 control */
	"\xc2\x9f",		/* U+009F, C1 control */
	"\xc0\x80",		/* overlong NUL */
	"\xc1\xbf",		/* overlong U+007F */
	"\xe0\x80\x80",		/* overlong */
	"\xe0\x9f\xbf",		/* overlong U+07FF */
	"\xf0\x80\x80\x80",	/* overlong */
	"\xf0\x8f\xbf\xbf",	/* overlong U+FFFF */
	"\xed\xa0\x80",		/* U+D800, surrogate */
	"\xed\xbf\xbf",		/* U+DFFF, surrogate */
	"\xf4\x90\x80\x80",	/* U+110000 */
	"\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80", "\xfe", "\xff",
	"\xc3",			/* truncated at the end */
	"a\xe2\x82",
	"\xf0\x9f\x98",
	"\x80",			/* lone continuation */
	"a\xbf",
	"\xc3\xa9\x80",
	"\xc3\x28",		/* lead byte, then no continuation */
	"\xe2\x28\xa1",
	"\xf0\x9f\x28\x80",
};

static void
test_utf8_printable(void **state)
{
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(utf8_good) / sizeof(utf8_good[0]); i++) {
		if (!pw_utf8_printable(utf8_good[i])) {
			print_message("refused good case %zu\n", i);
			bad++;
		}
	}
	for (i = 0; i < sizeof(utf8_bad) / sizeof(utf8_bad[0]); i++) {
		if (pw_utf8_printable(utf8_bad[i])) {
			print_message("accepted bad case %zu\n", i);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Every single byte: printable ASCII only; any lone byte >= 0x80 fails. */
static void
test_utf8_single_bytes(void **state)
{
	char s[2] = { 0, 0 };
	unsigned c;

	(void)state;
	for (c = 1; c < 256; c++) {
		s[0] = (char)c;
		assert_int_equal(pw_utf8_printable(s), c >= 0x20 && c < 0x7f);
	}
}

/* pw_grow: room for `need', doubling from `first'; NULL keeps the array. */
static void
test_grow(void **state)
{
	size_t cap = 0, i;
	int *a = NULL, *p;

	(void)state;
	assert_non_null(a = pw_grow(a, &cap, 1, sizeof(*a), 4));
	assert_int_equal(cap, 4);
	for (i = 0; i < 4; i++)
		a[i] = (int)i;
	assert_ptr_equal(pw_grow(a, &cap, 4, sizeof(*a), 4), a);
	assert_int_equal(cap, 4);
	assert_non_null(a = pw_grow(a, &cap, 9, sizeof(*a), 4));
	assert_int_equal(cap, 16);
	for (i = 0; i < 4; i++)
		assert_int_equal(a[i], (int)i);
	/* too much: refused, the array and its capacity as they were */
	assert_null(pw_grow(a, &cap, SIZE_MAX, sizeof(*a), 4));
	assert_int_equal(cap, 16);
	p = pw_grow(NULL, &(size_t){ 0 }, 3, sizeof(*p), 0);
	assert_non_null(p);
	free(p);
	/* nothing needed yet: still an array, so NULL only ever means no
	 * memory (the audit pages of a client may all be empty) */
	cap = 0;
	assert_non_null(p = pw_grow(NULL, &cap, 0, sizeof(*p), 4));
	assert_int_equal(cap, 4);
	free(p);
	free(a);
}

int
main(void)
{
	const struct CMUnitTest util[] = {
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_strtonum),
		cmocka_unit_test(test_strtonum_null),
		cmocka_unit_test(test_utf8_printable),
		cmocka_unit_test(test_utf8_single_bytes),
	};

	return cmocka_run_group_tests(util, NULL, NULL);
}
