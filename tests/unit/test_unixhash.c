/* SPDX-License-Identifier: MIT */
/*
 * Imported Unix hashes (daemon/unixhash.c, daemon/verify.c): the scheme
 * names, the cost bounds read from the string alone, and the verdicts of
 * verify_import_check and verify_check on hashes made here by libxcrypt.
 */
#include <crypt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"
#include "pwerr.h"
#include "unixhash.h"
#include "verify.h"

#define MIB (1024u * 1024u)

static void
hash_of(const char *prefix, unsigned long count, const char *pw, char *out,
    size_t outsz)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd;

	memset(&cd, 0, sizeof(cd));
	assert_non_null(crypt_gensalt_rn(prefix, count, NULL, 0, salt,
	    sizeof(salt)));
	assert_non_null(crypt_rn(pw, salt, &cd, (int)sizeof(cd)));
	assert_true(cd.output[0] != '*');
	snprintf(out, outsz, "%s", cd.output);
}

static void
test_scheme_names(void **state)
{
	static const struct {
		const char *hash;
		enum unixhash_kind kind;
		const char *name;
	} t[] = {
		{ "$y$j9T$abcdefghijklmnopqrstuv$", UNIXHASH_OK, "yescrypt" },
		{ "$6$saltsalt$", UNIXHASH_OK, "sha512crypt" },
		{ "$5$saltsalt$", UNIXHASH_LEGACY, "sha256crypt" },
		{ "$2b$05$abcdefghijklmnopqrstuu", UNIXHASH_OK, "bcrypt" },
		{ "$1$saltsalt$", UNIXHASH_LEGACY, "md5crypt" },
		{ "ab", UNIXHASH_LEGACY, "descrypt" },
		{ "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA",
		  UNIXHASH_UNKNOWN, "unknown" },
		{ "$9$x$", UNIXHASH_UNKNOWN, "unknown" },
		{ "", UNIXHASH_UNKNOWN, "unknown" },
	};
	const char *name;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (unixhash_scheme(t[i].hash, &name) != t[i].kind)
			fail_msg("%s: kind", t[i].hash);
		assert_string_equal(name, t[i].name);
	}
}

/* The bounds, each side of its edge, from the strings alone. */
static void
test_cost_bounds(void **state)
{
	static const struct {
		const char *hash;
		size_t mem;
		bool ok;
	} t[] = {
		/* yescrypt j9T: 128 x 32 x 2^12 = 16 MiB */
		{ "$y$j9T$salt$hash", 16 * MIB, true },
		{ "$y$j9T$salt$hash", 16 * MIB - 1, false },
		{ "$y$jAT$salt$hash", 32 * MIB, true },
		{ "$y$jFT$salt$hash", 64 * MIB, false },
		{ "$y$j9T5$salt$hash", 1024 * MIB, false }, /* more parameters */
		{ "$y$x9T$salt$hash", 1024 * MIB, false },
		{ "$gy$j9T$salt$hash", 16 * MIB, true },
		/* scrypt: N = 2^14, r = 8 (5 characters): 16 MiB */
		{ "$7$C6..../....salt$hash", 16 * MIB, true },
		{ "$7$C6..../....salt$hash", 8 * MIB, false },
		{ "$2b$16$abcdefghijklmnopqrstuu", 0, true },
		{ "$2b$17$abcdefghijklmnopqrstuu", 0, false },
		{ "$2b$1x$abcdefghijklmnopqrstuu", 0, false },
		{ "$6$rounds=5000000$salt$hash", 0, true },
		{ "$6$rounds=5000001$salt$hash", 0, false },
		{ "$6$rounds=99999999999$salt$hash", 0, false },
		{ "$5$rounds=9999999$salt$hash", 0, false },
		{ "$6$salt$hash", 0, true },
		{ "$sha1$5000001$salt$hash", 0, false },
		{ "$sha1$480000$salt$hash", 0, true },
		{ "$md5,rounds=5000001$salt$hash", 0, false },
		{ "_J9..salt", 0, true },	/* 725 rounds */
		{ "_zzzzsalt", 0, false },	/* 2^24 - 1 */
		{ "$1$salt$hash", 0, true },
		{ "abcdefghijklm", 0, true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (unixhash_cost_ok(t[i].hash, t[i].mem) != t[i].ok)
			fail_msg("%s within %zu bytes: want %s", t[i].hash,
			    t[i].mem, t[i].ok ? "ok" : "refused");
}

/* verify_import_check and verify_check on real hashes. */
static void
test_import_check_and_verify(void **state)
{
	char h[256], cut[256];
	enum verify_import found;
	const char *scheme;
	bool legacy;
	int64_t dl;

	(void)state;
	assert_int_equal(verify_init(1, 16384, 2), PW_OK);
	dl = frame_now_ms() + 10000;
	hash_of("$y$", 0, "Right-pw-1", h, sizeof(h));
	assert_int_equal(verify_import_check(h, &found, &scheme, &legacy,
	    VERIFY_ROOT, dl), PW_OK);
	assert_int_equal(found, VERIFY_IMPORT_OK);
	assert_string_equal(scheme, "yescrypt");
	assert_false(legacy);
	assert_true(verify_is_imported(h));
	assert_true(verify_needs_rehash(h));
	assert_int_equal(verify_check(h, "Right-pw-1", 10, VERIFY_ROOT, dl),
	    PW_OK);
	assert_int_equal(verify_check(h, "Right-pw-2", 10, VERIFY_ROOT, dl),
	    PW_ERR_AUTH);
	/* a NUL inside never reaches crypt: a different password */
	assert_int_equal(verify_check(h, "Right-pw-1\0x", 12, VERIFY_ROOT,
	    dl), PW_ERR_AUTH);
	/* cut by one character: not whole */
	snprintf(cut, sizeof(cut), "%.*s", (int)strlen(h) - 1, h);
	assert_int_equal(verify_import_check(cut, &found, &scheme, &legacy,
	    VERIFY_ROOT, dl), PW_OK);
	assert_int_equal(found, VERIFY_IMPORT_MALFORMED);
	/* the hash of "" */
	hash_of("$6$", 0, "", h, sizeof(h));
	assert_int_equal(verify_import_check(h, &found, &scheme, &legacy,
	    VERIFY_ROOT, dl), PW_OK);
	assert_int_equal(found, VERIFY_IMPORT_EMPTY);
	/* md5crypt: weak */
	hash_of("$1$", 0, "Right-pw-1", h, sizeof(h));
	assert_int_equal(verify_import_check(h, &found, &scheme, &legacy,
	    VERIFY_ROOT, dl), PW_OK);
	assert_int_equal(found, VERIFY_IMPORT_OK);
	assert_true(legacy);
	assert_int_equal(verify_check(h, "Right-pw-1", 10, VERIFY_ROOT, dl),
	    PW_OK);
	/* yescrypt j9T over an argon2_mem_kib of 16 MiB - 1 KiB */
	assert_int_equal(verify_init(1, 16383, 2), PW_OK);
	hash_of("$y$", 0, "Right-pw-1", h, sizeof(h));
	assert_int_equal(verify_import_check(h, &found, &scheme, &legacy,
	    VERIFY_ROOT, dl), PW_OK);
	assert_int_equal(found, VERIFY_IMPORT_COSTLY);
	/* an Argon2id string of ours is not a Unix hash */
	assert_int_equal(verify_hash("Right-pw-1", 10, h, VERIFY_ROOT, dl),
	    PW_OK);
	assert_false(verify_is_imported(h));
	assert_int_equal(verify_import_check(h, &found, &scheme, &legacy,
	    VERIFY_ROOT, dl), PW_OK);
	assert_int_equal(found, VERIFY_IMPORT_SCHEME);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scheme_names),
		cmocka_unit_test(test_cost_bounds),
		cmocka_unit_test(test_import_check_and_verify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
