/* SPDX-License-Identifier: MIT */
/* Unix password hashes through libxcrypt (unixhash.h). */
#include <crypt.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pwerr.h"
#include "unixhash.h"
#include "wipe.h"

_Static_assert(PWD_UNIXHASH_OUT == CRYPT_OUTPUT_SIZE, "crypt output size");

/* Names of the prefixes of crypt(5), for messages and the audit log. */
static const struct {
	const char *prefix;
	const char *name;
} schemes[] = {
	{ "$y$", "yescrypt" },
	{ "$gy$", "gost-yescrypt" },
	{ "$7$", "scrypt" },
	{ "$2b$", "bcrypt" },
	{ "$2a$", "bcrypt" },
	{ "$2y$", "bcrypt" },
	{ "$2x$", "bcrypt" },
	{ "$6$", "sha512crypt" },
	{ "$5$", "sha256crypt" },
	{ "$sha1$", "sha1crypt" },
	{ "$md5", "sunmd5" },
	{ "$1$", "md5crypt" },
	{ "$3$", "nt" },
	{ "_", "bsdicrypt" },
};

enum unixhash_kind
unixhash_scheme(const char *hash, const char **name)
{
	size_t i, n = sizeof(schemes) / sizeof(schemes[0]);

	for (i = 0; i < n; i++)
		if (strncmp(hash, schemes[i].prefix,
		    strlen(schemes[i].prefix)) == 0)
			break;
	/* a string without '$' is DES when libxcrypt takes it */
	*name = i < n ? schemes[i].name : hash[0] != '$' ? "descrypt" :
	    "unknown";
	/* "$argon2..." is no crypt(3) scheme of libxcrypt: INVALID */
	switch (crypt_checksalt(hash)) {
	case CRYPT_SALT_OK:
	case CRYPT_SALT_TOO_CHEAP:
		return UNIXHASH_OK;
	case CRYPT_SALT_METHOD_LEGACY:
		return UNIXHASH_LEGACY;
	default:
		*name = "unknown";
		return UNIXHASH_UNKNOWN;
	}
}

/* The crypt(3) base-64 alphabet; -1 for another character. */
static int
itoa64(char c)
{
	static const char a[] = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz";
	const char *p = c != '\0' ? strchr(a, c) : NULL;

	return p != NULL ? (int)(p - a) : -1;
}

/* A decimal number of at most 10 digits at s, up to `stop'; -1 if none. */
static long long
decimal(const char *s, char stop)
{
	long long v = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9' && i < 10; i++)
		v = v * 10 + (s[i] - '0');
	return i > 0 && s[i] == stop ? v : -1;
}

/* Memory of yescrypt's "$y$" + 3 parameter characters: 128 r N bytes. */
static bool
yescrypt_ok(const char *params, size_t mem_max)
{
	int n = itoa64(params[1]), r = itoa64(params[2]);

	/* flags 'j' (libxcrypt's crypt_gensalt), N = 2^(n+1), r = r+1;
	 * longer parameter strings (p, t, g, NROM) are not taken */
	if (params[0] != 'j' || n < 0 || r < 0 || params[3] != '$' || n > 40)
		return false;
	return (128.0 * (r + 1)) * (double)(1ULL << (n + 1)) <= (double)mem_max;
}

/* Memory of scrypt's "$7$": N = 2^n, r in 5 characters (30 bits). */
static bool
scrypt_ok(const char *p, size_t mem_max)
{
	uint32_t r = 0;
	int n = itoa64(p[0]), i, v;

	if (n < 1 || n > 40)
		return false;
	for (i = 0; i < 5; i++) {
		if ((v = itoa64(p[1 + i])) < 0)
			return false;
		r |= (uint32_t)v << (6 * i);
	}
	return r > 0 && (128.0 * r) * (double)(1ULL << n) <= (double)mem_max;
}

bool
unixhash_cost_ok(const char *hash, size_t mem_max)
{
	long long v;

	if (strncmp(hash, "$y$", 3) == 0)
		return yescrypt_ok(hash + 3, mem_max);
	if (strncmp(hash, "$gy$", 4) == 0)
		return yescrypt_ok(hash + 4, mem_max);
	if (strncmp(hash, "$7$", 3) == 0)
		return scrypt_ok(hash + 3, mem_max);
	if (strncmp(hash, "$2", 2) == 0 && hash[2] != '\0' && hash[3] == '$')
		return (v = decimal(hash + 4, '$')) >= 0 &&
		    v <= UNIXHASH_BCRYPT_MAX;
	if ((strncmp(hash, "$5$", 3) == 0 || strncmp(hash, "$6$", 3) == 0) &&
	    strncmp(hash + 3, "rounds=", 7) == 0)
		return (v = decimal(hash + 10, '$')) >= 0 &&
		    v <= UNIXHASH_ROUNDS_MAX;
	if (strncmp(hash, "$sha1$", 6) == 0)
		return (v = decimal(hash + 6, '$')) >= 0 &&
		    v <= UNIXHASH_ROUNDS_MAX;
	if (strncmp(hash, "$md5,rounds=", 12) == 0)
		return (v = decimal(hash + 12, '$')) >= 0 &&
		    v <= UNIXHASH_ROUNDS_MAX;
	if (hash[0] == '_') { /* bsdicrypt: a 24-bit count in 4 characters */
		int i, c;

		for (i = 1, v = 0; i <= 4; i++) {
			if ((c = itoa64(hash[i])) < 0)
				return false;
			v |= (long long)c << (6 * (i - 1));
		}
		return v <= UNIXHASH_ROUNDS_MAX;
	}
	return true; /* a fixed cost: descrypt, md5crypt, nt, "$5$", "$6$" */
}

int
unixhash_compute(const char *hash, const char *pw, char *out, size_t outsz,
    int *err)
{
	struct crypt_data *cd;
	const char *res;
	int r = PW_ERR_HASH;

	*err = 0;
	if (outsz < CRYPT_OUTPUT_SIZE) {
		*err = EINVAL;
		return PW_ERR_HASH;
	}
	/* about 32 KiB: on the heap, not a connection thread's stack */
	if ((cd = calloc(1, sizeof(*cd))) == NULL) {
		*err = ENOMEM;
		return PW_ERR_HASH;
	}
	errno = 0;
	res = crypt_rn(pw, hash, cd, (int)sizeof(*cd));
	/* a failure is NULL, or a token starting with '*' (never a hash) */
	if (res == NULL || res[0] == '*')
		*err = errno != 0 ? errno : EINVAL;
	else if (strlen(res) < outsz) {
		memcpy(out, res, strlen(res) + 1);
		r = PW_OK;
	} else
		*err = ERANGE;
	PW_WIPE_OBJECT(cd);
	free(cd);
	return r;
}
