/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/wire.c: exact big-endian bytes, capacity limits,
 * short reads that never advance, strings that are refused, never truncated.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pwerr.h"
#include "wire.h"

/* True when every byte of p[0..n) is zero. */
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

static void
test_init_from(void **state)
{
	uint8_t buf[16];
	struct wire w;

	(void)state;
	wire_init(&w, buf, sizeof(buf));
	assert_ptr_equal(w.p, buf);
	assert_int_equal(w.cap, sizeof(buf));
	assert_int_equal(w.len, 0);
	assert_int_equal(w.off, 0);
	assert_int_equal(wire_left(&w), 0);
	assert_int_equal(wire_end(&w), PW_OK);

	wire_from(&w, buf, 5);
	assert_ptr_equal(w.p, buf);
	assert_int_equal(w.cap, 5);
	assert_int_equal(w.len, 5);
	assert_int_equal(w.off, 0);
	assert_int_equal(wire_left(&w), 5);
	assert_int_equal(wire_end(&w), PW_ERR_TRAILING);
}

static void
test_u8_round_trip(void **state)
{
	static const uint8_t vals[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
	uint8_t buf[sizeof(vals)], v;
	struct wire w;
	size_t i;

	(void)state;
	wire_init(&w, buf, sizeof(buf));
	for (i = 0; i < sizeof(vals); i++)
		assert_int_equal(wire_put_u8(&w, vals[i]), PW_OK);
	assert_int_equal(w.len, sizeof(vals));
	assert_memory_equal(buf, vals, sizeof(vals));

	/* Exactly full: one more byte does not fit and changes nothing. */
	assert_int_equal(wire_put_u8(&w, 0x55), PW_ERR_NOSPACE);
	assert_int_equal(w.len, sizeof(vals));
	assert_memory_equal(buf, vals, sizeof(vals));

	wire_from(&w, buf, sizeof(buf));
	for (i = 0; i < sizeof(vals); i++) {
		assert_int_equal(wire_get_u8(&w, &v), PW_OK);
		assert_int_equal(v, vals[i]);
	}
	v = 0x99;
	assert_int_equal(wire_get_u8(&w, &v), PW_ERR_TRUNCATED);
	assert_int_equal(v, 0);
	assert_int_equal(w.off, sizeof(vals));
	assert_int_equal(wire_end(&w), PW_OK);
}

static void
test_u32_round_trip(void **state)
{
	static const struct {
		uint32_t v;
		uint8_t b[4];
	} t[] = {
		{ 0x00000000u, { 0x00, 0x00, 0x00, 0x00 } },
		{ 0x00000001u, { 0x00, 0x00, 0x00, 0x01 } },
		{ 0x01020304u, { 0x01, 0x02, 0x03, 0x04 } },
		{ 0x80000000u, { 0x80, 0x00, 0x00, 0x00 } },
		{ 0xdeadbeefu, { 0xde, 0xad, 0xbe, 0xef } },
		{ 0xffffffffu, { 0xff, 0xff, 0xff, 0xff } },
	};
	uint8_t buf[4];
	struct wire w;
	uint32_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		/* Capacity exactly 4: fits. */
		wire_init(&w, buf, sizeof(buf));
		assert_int_equal(wire_put_u32(&w, t[i].v), PW_OK);
		assert_int_equal(w.len, 4);
		assert_memory_equal(buf, t[i].b, 4);
		assert_int_equal(wire_put_u32(&w, 1), PW_ERR_NOSPACE);
		assert_int_equal(w.len, 4);
		assert_memory_equal(buf, t[i].b, 4);

		wire_from(&w, buf, sizeof(buf));
		assert_int_equal(wire_get_u32(&w, &v), PW_OK);
		assert_int_equal(v, t[i].v);
		assert_int_equal(w.off, 4);
		assert_int_equal(wire_end(&w), PW_OK);
	}
}

static void
test_u64_round_trip(void **state)
{
	static const struct {
		uint64_t v;
		uint8_t b[8];
	} t[] = {
		{ 0, { 0, 0, 0, 0, 0, 0, 0, 0 } },
		{ 0x0102030405060708ull, { 1, 2, 3, 4, 5, 6, 7, 8 } },
		{ 0x00000000ffffffffull, { 0, 0, 0, 0, 255, 255, 255, 255 } },
		{ 0xffffffff00000000ull, { 255, 255, 255, 255, 0, 0, 0, 0 } },
		{ 0x8000000000000001ull, { 0x80, 0, 0, 0, 0, 0, 0, 1 } },
		{ UINT64_MAX, { 255, 255, 255, 255, 255, 255, 255, 255 } },
	};
	uint8_t buf[8];
	struct wire w;
	uint64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		wire_init(&w, buf, sizeof(buf));
		assert_int_equal(wire_put_u64(&w, t[i].v), PW_OK);
		assert_int_equal(w.len, 8);
		assert_memory_equal(buf, t[i].b, 8);
		assert_int_equal(wire_put_u8(&w, 1), PW_ERR_NOSPACE);
		assert_int_equal(w.len, 8);

		wire_from(&w, buf, sizeof(buf));
		assert_int_equal(wire_get_u64(&w, &v), PW_OK);
		assert_true(v == t[i].v);
		assert_int_equal(w.off, 8);
		assert_int_equal(wire_end(&w), PW_OK);
	}
}

/*
 * A put that does not fit fails with NOSPACE and leaves len (and the
 * bytes already written) unchanged, for every free space short of the
 * field's size.
 */
static void
test_put_nospace_boundaries(void **state)
{
	uint8_t buf[16], ref[16];
	struct wire w;
	size_t room;

	(void)state;
	for (room = 0; room < 8; room++) {
		memset(buf, 0xee, sizeof(buf));
		memset(ref, 0xee, sizeof(ref));
		wire_init(&w, buf, 3 + room);
		assert_int_equal(wire_put_u8(&w, 1), PW_OK);
		assert_int_equal(wire_put_u8(&w, 2), PW_OK);
		assert_int_equal(wire_put_u8(&w, 3), PW_OK);
		ref[0] = 1;
		ref[1] = 2;
		ref[2] = 3;
		if (room < 4) {
			assert_int_equal(wire_put_u32(&w, 0x11223344u),
			    PW_ERR_NOSPACE);
			assert_int_equal(w.len, 3);
			assert_int_equal(wire_put_str(&w, ""), PW_ERR_NOSPACE);
			assert_int_equal(w.len, 3);
		}
		if (room < 7) {
			assert_int_equal(wire_put_str(&w, "abc"),
			    PW_ERR_NOSPACE);
			assert_int_equal(w.len, 3);
		}
		assert_memory_equal(buf, ref, sizeof(ref));
	}
}

/*
 * wire_put_u64 with 0..7 bytes free: NOSPACE, and len unchanged.  With
 * 4..7 bytes free it must not keep the high half it wrote first.
 */
static void
test_put_u64_nospace(void **state)
{
	uint8_t buf[16];
	struct wire w;
	size_t room;

	(void)state;
	for (room = 0; room < 8; room++) {
		memset(buf, 0xee, sizeof(buf));
		wire_init(&w, buf, 1 + room);
		assert_int_equal(wire_put_u8(&w, 1), PW_OK);
		assert_int_equal(wire_put_u64(&w, 0x1122334455667788ull),
		    PW_ERR_NOSPACE);
		if (w.len != 1)
			print_message("%zu bytes free: len %zu\n", room, w.len);
		assert_int_equal(w.len, 1);
	}
}

static void
test_put_str_bytes(void **state)
{
	static const uint8_t abc[] = { 0, 0, 0, 3, 'a', 'b', 'c' };
	static const uint8_t empty[] = { 0, 0, 0, 0 };
	static const uint8_t withnul[] = { 0, 0, 0, 3, 'x', 0, 'y' };
	uint8_t buf[7], big[300];
	struct wire w;
	size_t i;

	(void)state;
	wire_init(&w, buf, sizeof(buf));
	assert_int_equal(wire_put_str(&w, "abc"), PW_OK);
	assert_int_equal(w.len, sizeof(abc));
	assert_memory_equal(buf, abc, sizeof(abc));
	assert_int_equal(wire_put_str(&w, ""), PW_ERR_NOSPACE);
	assert_int_equal(w.len, sizeof(abc));

	wire_init(&w, buf, sizeof(buf));
	assert_int_equal(wire_put_str(&w, ""), PW_OK);
	assert_int_equal(w.len, 4);
	assert_memory_equal(buf, empty, sizeof(empty));

	/* put_bytes carries any bytes; only get_str refuses a NUL. */
	wire_init(&w, buf, sizeof(buf));
	assert_int_equal(wire_put_bytes(&w, "x\0y", 3), PW_OK);
	assert_memory_equal(buf, withnul, sizeof(withnul));

	wire_init(&w, buf, sizeof(buf));
	assert_int_equal(wire_put_bytes(&w, NULL, 0), PW_OK);
	assert_memory_equal(buf, empty, sizeof(empty));

	/* A length past UINT32_MAX is refused before anything is read. */
	wire_init(&w, buf, sizeof(buf));
	assert_int_equal(wire_put_bytes(&w, buf, (size_t)UINT32_MAX + 1),
	    PW_ERR_TOOLONG);
	assert_int_equal(w.len, 0);

	/* A length that needs more than one byte is big-endian too. */
	for (i = 0; i < 296; i++)
		big[4 + i] = (uint8_t)i;
	wire_init(&w, big, sizeof(big));
	assert_int_equal(wire_put_bytes(&w, big + 4, 296), PW_OK);
	assert_int_equal(big[0], 0);
	assert_int_equal(big[1], 0);
	assert_int_equal(big[2], 0x01);
	assert_int_equal(big[3], 0x28);
}

/* A get on every too-short buffer fails without moving the offset. */
static void
test_get_truncated(void **state)
{
	uint8_t buf[9] = { 0xaa, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct wire w;
	uint64_t v64;
	uint32_t v32;
	uint8_t v8;
	size_t n;

	(void)state;
	for (n = 0; n < 8; n++) {
		/* Start at offset 1 so a moved offset would show. */
		wire_from(&w, buf, 1 + n);
		assert_int_equal(wire_get_u8(&w, &v8), PW_OK);
		v64 = 99;
		assert_int_equal(wire_get_u64(&w, &v64), PW_ERR_TRUNCATED);
		assert_true(v64 == 0);
		assert_int_equal(w.off, 1);
		if (n < 4) {
			v32 = 99;
			assert_int_equal(wire_get_u32(&w, &v32),
			    PW_ERR_TRUNCATED);
			assert_int_equal(v32, 0);
			assert_int_equal(w.off, 1);
		}
		if (n == 0) {
			v8 = 99;
			assert_int_equal(wire_get_u8(&w, &v8),
			    PW_ERR_TRUNCATED);
			assert_int_equal(v8, 0);
			assert_int_equal(w.off, 1);
		}
		assert_int_equal(wire_left(&w), n);
	}
}

/* Builds a string field with a u32 length and raw bytes into buf. */
static size_t
mkstr(uint8_t *buf, size_t cap, uint32_t declared, const void *s, size_t n)
{
	struct wire w;

	wire_init(&w, buf, cap);
	assert_int_equal(wire_put_u32(&w, declared), PW_OK);
	assert_true(n <= cap - 4);
	if (n > 0)
		memcpy(buf + 4, s, n);
	return 4 + n;
}

/* Runs wire_get_str on buf[0..len) into dst[dstsz] and checks the result. */
static void
get_str_case(const uint8_t *src, size_t len, size_t dstsz, int want,
    const char *wantstr)
{
	uint8_t copy[600];
	char dst[300];
	struct wire w;
	size_t n = 12345;

	assert_true(len <= sizeof(copy) && dstsz <= sizeof(dst));
	memcpy(copy, src, len);
	memset(dst, 'X', sizeof(dst));
	wire_from(&w, copy, len);
	assert_int_equal(wire_get_str(&w, dst, dstsz, &n), want);
	if (want == PW_OK) {
		assert_string_equal(dst, wantstr);
		assert_int_equal(n, strlen(wantstr));
		assert_int_equal(w.off, 4 + n);
	} else {
		/* Refused: dst is "", nothing beyond it was written. */
		assert_int_equal(dst[0], '\0');
		assert_int_equal(dst[1], 'X');
		assert_int_equal(n, 0);
		assert_int_equal(w.off, 0);
	}
}

static void
test_get_str(void **state)
{
	uint8_t b[600];
	char q[300];
	size_t n;

	(void)state;
	n = mkstr(b, sizeof(b), 3, "abc", 3);
	get_str_case(b, n, 4, PW_OK, "abc");	/* dstsz - 1: fits */
	get_str_case(b, n, 3, PW_ERR_TOOLONG, NULL); /* == dstsz */
	get_str_case(b, n, 2, PW_ERR_TOOLONG, NULL);
	get_str_case(b, n, 1, PW_ERR_TOOLONG, NULL);

	n = mkstr(b, sizeof(b), 0, NULL, 0);
	get_str_case(b, n, 1, PW_OK, "");

	n = mkstr(b, sizeof(b), 3, "a\0b", 3);
	get_str_case(b, n, 16, PW_ERR_NUL, NULL);
	n = mkstr(b, sizeof(b), 3, "ab\0", 3);
	get_str_case(b, n, 16, PW_ERR_NUL, NULL);
	n = mkstr(b, sizeof(b), 1, "\0", 1);
	get_str_case(b, n, 16, PW_ERR_NUL, NULL);

	/* Declared longer than what is left. */
	n = mkstr(b, sizeof(b), 10, "abc", 3);
	get_str_case(b, n, 64, PW_ERR_TRUNCATED, NULL);
	n = mkstr(b, sizeof(b), 4, "abc", 3);
	get_str_case(b, n, 64, PW_ERR_TRUNCATED, NULL);
	/* Length field itself cut. */
	get_str_case(b, 3, 64, PW_ERR_TRUNCATED, NULL);
	get_str_case(b, 0, 64, PW_ERR_TRUNCATED, NULL);

	/* Huge declared lengths: refused, never read past the end. */
	n = mkstr(b, sizeof(b), 0xffffffffu, "abc", 3);
	get_str_case(b, n, 64, PW_ERR_TOOLONG, NULL);
	get_str_case(b, n, 300, PW_ERR_TOOLONG, NULL);
	n = mkstr(b, sizeof(b), 0x80000000u, "abc", 3);
	get_str_case(b, n, 64, PW_ERR_TOOLONG, NULL);

	/* A long string exactly at the limit, and one byte over. */
	memset(q, 'q', sizeof(q));
	q[299] = '\0';
	n = mkstr(b, sizeof(b), 299, q, 299);
	get_str_case(b, n, 300, PW_OK, q);
	n = mkstr(b, sizeof(b), 300, q, 300);
	get_str_case(b, n, 300, PW_ERR_TOOLONG, NULL);
}

static void
test_get_str_misc(void **state)
{
	uint8_t b[16];
	char dst[8] = "XXXXXXX";
	struct wire w;
	size_t n;

	(void)state;
	/* dstsz 0 is a caller bug and writes nothing. */
	n = mkstr(b, sizeof(b), 1, "a", 1);
	wire_from(&w, b, n);
	assert_int_equal(wire_get_str(&w, dst, 0, NULL), PW_ERR_INTERNAL);
	assert_int_equal(dst[0], 'X');
	assert_int_equal(w.off, 0);

	/* lenp may be NULL; two strings back to back. */
	wire_init(&w, b, sizeof(b));
	assert_int_equal(wire_put_str(&w, "hi"), PW_OK);
	assert_int_equal(wire_put_str(&w, "yo!"), PW_OK);
	assert_int_equal(wire_end(&w), PW_ERR_TRAILING);
	wire_from(&w, b, w.len);
	assert_int_equal(wire_get_str(&w, dst, sizeof(dst), NULL), PW_OK);
	assert_string_equal(dst, "hi");
	assert_int_equal(wire_end(&w), PW_ERR_TRAILING);
	assert_int_equal(wire_get_str(&w, dst, sizeof(dst), NULL), PW_OK);
	assert_string_equal(dst, "yo!");
	assert_int_equal(wire_end(&w), PW_OK);
	assert_int_equal(wire_get_str(&w, dst, sizeof(dst), NULL),
	    PW_ERR_TRUNCATED);
	assert_string_equal(dst, "");
}

static void
test_get_view(void **state)
{
	uint8_t b[16];
	const uint8_t *p;
	struct wire w;
	size_t n, len;

	(void)state;
	len = mkstr(b, sizeof(b), 3, "a\0c", 3);
	wire_from(&w, b, len);
	assert_int_equal(wire_get_view(&w, &p, &n, 2), PW_ERR_TOOLONG);
	assert_null(p);
	assert_int_equal(n, 0);
	assert_int_equal(w.off, 0);
	/* A view is raw bytes: a NUL is allowed, the pointer is into b. */
	assert_int_equal(wire_get_view(&w, &p, &n, 3), PW_OK);
	assert_ptr_equal(p, b + 4);
	assert_int_equal(n, 3);
	assert_int_equal(wire_end(&w), PW_OK);

	len = mkstr(b, sizeof(b), 0xffffffffu, "abc", 3);
	wire_from(&w, b, len);
	assert_int_equal(wire_get_view(&w, &p, &n, SIZE_MAX),
	    PW_ERR_TRUNCATED);
	assert_null(p);
	assert_int_equal(n, 0);
	assert_int_equal(w.off, 0);
}

static void
test_end_trailing(void **state)
{
	uint8_t b[5] = { 0, 0, 0, 7, 9 };
	struct wire w;
	uint32_t v;
	uint8_t v8;

	(void)state;
	wire_from(&w, b, sizeof(b));
	assert_int_equal(wire_end(&w), PW_ERR_TRAILING);
	assert_int_equal(wire_get_u32(&w, &v), PW_OK);
	assert_int_equal(v, 7);
	assert_int_equal(wire_left(&w), 1);
	assert_int_equal(wire_end(&w), PW_ERR_TRAILING);
	assert_int_equal(wire_get_u8(&w, &v8), PW_OK);
	assert_int_equal(wire_end(&w), PW_OK);

	wire_from(&w, b, 0);
	assert_int_equal(wire_end(&w), PW_OK);
}

static void
test_wipe(void **state)
{
	uint8_t b[64];
	struct wire w;
	uint8_t v;

	(void)state;
	wire_init(&w, b, sizeof(b));
	assert_int_equal(wire_put_str(&w, "secret password"), PW_OK);
	/* Bytes past len are wiped as well: the whole storage. */
	memset(b + w.len, 0x5a, sizeof(b) - w.len);
	assert_int_equal(wire_get_u8(&w, &v), PW_OK);
	assert_int_equal(w.off, 1);
	wire_wipe(&w);
	assert_true(all_zero(b, sizeof(b)));
	assert_int_equal(w.len, 0);
	assert_int_equal(w.off, 0);
	assert_int_equal(w.cap, sizeof(b));
	assert_ptr_equal(w.p, b);
}

/* A message of every field type, encoded into b; returns its length. */
static size_t
mkmsg(uint8_t *b, size_t cap)
{
	struct wire w;

	wire_init(&w, b, cap);
	assert_int_equal(wire_put_u8(&w, 0x7e), PW_OK);
	assert_int_equal(wire_put_str(&w, "alice"), PW_OK);
	assert_int_equal(wire_put_u32(&w, 0xcafef00du), PW_OK);
	assert_int_equal(wire_put_str(&w, ""), PW_OK);
	assert_int_equal(wire_put_u64(&w, 0x0123456789abcdefull), PW_OK);
	assert_int_equal(wire_put_bytes(&w, "p\xc3\xa4ss", 5), PW_OK);
	return w.len;
}

/* Reads the mkmsg fields in order; returns the first error. */
static int
getmsg(struct wire *w)
{
	char s1[8], s2[8];
	const uint8_t *p;
	uint64_t v64;
	uint32_t v32;
	uint8_t v8;
	size_t n;
	int r;

	if ((r = wire_get_u8(w, &v8)) != PW_OK ||
	    (r = wire_get_str(w, s1, sizeof(s1), NULL)) != PW_OK ||
	    (r = wire_get_u32(w, &v32)) != PW_OK ||
	    (r = wire_get_str(w, s2, sizeof(s2), NULL)) != PW_OK ||
	    (r = wire_get_u64(w, &v64)) != PW_OK ||
	    (r = wire_get_view(w, &p, &n, 5)) != PW_OK ||
	    (r = wire_end(w)) != PW_OK)
		return r;
	assert_int_equal(v8, 0x7e);
	assert_string_equal(s1, "alice");
	assert_int_equal(v32, 0xcafef00du);
	assert_string_equal(s2, "");
	assert_true(v64 == 0x0123456789abcdefull);
	assert_int_equal(n, 5);
	assert_memory_equal(p, "p\xc3\xa4ss", 5);
	return PW_OK;
}

/* Every prefix is TRUNCATED, the whole is OK, one more byte is TRAILING. */
static void
test_cut_every_offset(void **state)
{
	uint8_t b[64], *cut;
	struct wire w;
	size_t len, i;

	(void)state;
	len = mkmsg(b, sizeof(b));
	for (i = 0; i < len; i++) {
		/* An exact-size heap copy: ASan sees any over-read. */
		assert_non_null(cut = malloc(i)); /* glibc: non-NULL for 0 */
		memcpy(cut, b, i);
		wire_from(&w, cut, i);
		assert_int_equal(getmsg(&w), PW_ERR_TRUNCATED);
		free(cut);
	}
	wire_from(&w, b, len);
	assert_int_equal(getmsg(&w), PW_OK);
	b[len] = 0;
	wire_from(&w, b, len + 1);
	assert_int_equal(getmsg(&w), PW_ERR_TRAILING);
}

int
main(void)
{
	const struct CMUnitTest wire_codec[] = {
		cmocka_unit_test(test_init_from),
		cmocka_unit_test(test_u8_round_trip),
		cmocka_unit_test(test_u32_round_trip),
		cmocka_unit_test(test_u64_round_trip),
		cmocka_unit_test(test_put_nospace_boundaries),
		cmocka_unit_test(test_put_u64_nospace),
		cmocka_unit_test(test_put_str_bytes),
		cmocka_unit_test(test_get_truncated),
		cmocka_unit_test(test_get_str),
		cmocka_unit_test(test_get_str_misc),
		cmocka_unit_test(test_get_view),
		cmocka_unit_test(test_end_trailing),
		cmocka_unit_test(test_wipe),
		cmocka_unit_test(test_cut_every_offset),
	};

	return cmocka_run_group_tests(wire_codec, NULL, NULL);
}
