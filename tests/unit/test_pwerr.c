/* SPDX-License-Identifier: MIT */
/* Unit tests for common/pwerr.c (one string per code) and common/wipe.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pwerr.h"
#include "wipe.h"

static void
test_every_code_has_a_string(void **state)
{
	const char *s, *t;
	int r, q;

	(void)state;
	for (r = PW_OK; r >= PW_ERR_LAST; r--) {
		s = pw_strerror(r);
		assert_non_null(s);
		assert_true(s[0] != '\0');
		assert_string_not_equal(s, "unknown error");
		/* Distinct strings: a person can tell the codes apart. */
		for (q = PW_OK; q > r; q--) {
			t = pw_strerror(q);
			assert_string_not_equal(s, t);
		}
	}
}

static void
test_unknown_codes(void **state)
{
	static const int bad[] = { 1, 2, 100, INT_MAX, PW_ERR_LAST - 1,
		PW_ERR_LAST - 100, INT_MIN + 1, INT_MIN };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_string_equal(pw_strerror(bad[i]), "unknown error");
}

static int
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

struct secretish {
	char pw[33];
	uint64_t n;
};

/*
 * PW_WIPE_ARRAY wipes the whole array, whatever its element type.  It
 * also refuses a pointer at compile time (a _Static_assert on
 * PW_IS_ARRAY); a compile failure cannot be a unit test, but the
 * predicate it relies on can be checked here, at compile time too.
 */
static void
test_wipe_array(void **state)
{
	char pw[64];
	uint32_t words[17];
	struct secretish many[3];
	char *p = pw;

	(void)state;
	_Static_assert(PW_IS_ARRAY(pw), "an array is an array");
	_Static_assert(PW_IS_ARRAY(many), "an array of structs too");
	_Static_assert(!PW_IS_ARRAY(p), "a pointer is refused");
	memset(pw, 'x', sizeof(pw));
	memset(words, 0xff, sizeof(words));
	memset(many, 0x5a, sizeof(many));
	PW_WIPE_ARRAY(pw);
	PW_WIPE_ARRAY(words);
	PW_WIPE_ARRAY(many);
	assert_true(all_zero(pw, sizeof(pw)));
	assert_true(all_zero(words, sizeof(words)));
	assert_true(all_zero(many, sizeof(many)));
	assert_ptr_equal(p, pw);
}

static void
test_wipe_object(void **state)
{
	struct secretish s, *sp = &s;
	uint8_t guard[3][8];

	(void)state;
	memset(&s, 0x77, sizeof(s));
	PW_WIPE_OBJECT(sp);
	assert_true(all_zero(&s, sizeof(s)));

	/* pw_wipe clears exactly n bytes, and accepts NULL and 0. */
	memset(guard, 0xaa, sizeof(guard));
	pw_wipe(guard[1], sizeof(guard[1]));
	assert_true(all_zero(guard[1], sizeof(guard[1])));
	assert_int_equal(guard[0][7], 0xaa);
	assert_int_equal(guard[2][0], 0xaa);
	pw_wipe(NULL, 10);
	pw_wipe(guard[0], 0);
	assert_int_equal(guard[0][0], 0xaa);
}

int
main(void)
{
	const struct CMUnitTest pwerr_wipe[] = {
		cmocka_unit_test(test_every_code_has_a_string),
		cmocka_unit_test(test_unknown_codes),
		cmocka_unit_test(test_wipe_array),
		cmocka_unit_test(test_wipe_object),
	};

	return cmocka_run_group_tests(pwerr_wipe, NULL, NULL);
}
