/* SPDX-License-Identifier: MIT */
/* Unix password hashes through libxcrypt (unixhash.h). */
#include <crypt.h>
#include <errno.h>
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
