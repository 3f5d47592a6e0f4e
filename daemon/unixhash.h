/* SPDX-License-Identifier: MIT */
/*
 * Unix password hashes (crypt(3) strings of /etc/shadow) through
 * libxcrypt: the only user of <crypt.h>.  An imported account keeps such
 * a hash until its first successful login replaces it with Argon2id.
 */
#ifndef PWD_UNIXHASH_H
#define PWD_UNIXHASH_H

#include <stdbool.h>
#include <stddef.h>

#include "wire.h"

enum unixhash_kind {
	UNIXHASH_OK = 0,      /* a scheme this libxcrypt verifies */
	UNIXHASH_LEGACY = 1,  /* verifiable, but weak (DES, MD5, ...) */
	UNIXHASH_UNKNOWN = 2, /* a scheme it cannot or will not verify */
};

/*
 * The scheme of a crypt(3) string: what libxcrypt says of it
 * (crypt_checksalt), and its name for people and the audit log
 * ("yescrypt", "sha512crypt", ...; "unknown").  Argon2id strings of
 * libsodium are UNIXHASH_UNKNOWN here: they are not imported.
 */
enum unixhash_kind unixhash_scheme(const char *hash, const char **name);

/*
 * Does the cost a hash names stay within what the daemon will run?
 * Memory-hard schemes (yescrypt, gost-yescrypt, scrypt) at most mem_max
 * bytes; iterated ones at most UNIXHASH_ROUNDS_MAX rounds (sha256crypt,
 * sha512crypt, sha1crypt, sunmd5, bsdicrypt) or a bcrypt cost of
 * UNIXHASH_BCRYPT_MAX.  A parameter it cannot read is too costly.
 * Decided from the string alone, before anything is hashed.
 */
#define UNIXHASH_ROUNDS_MAX 5000000 /* 1000 x sha512crypt's default */
#define UNIXHASH_BCRYPT_MAX 16	    /* 2^16 rounds: about 5 s */
bool unixhash_cost_ok(const char *hash, size_t mem_max);

/*
 * crypt(pw, hash) into out (outsz >= PWD_UNIXHASH_OUT): PW_OK, or
 * PW_ERR_HASH when libxcrypt could not compute it (an unknown or
 * malformed setting: crypt_rn failed or gave its failure token), with
 * *err an errno value.  The caller compares out with hash (in constant
 * time) and wipes out.
 */
#define PWD_UNIXHASH_OUT 384 /* CRYPT_OUTPUT_SIZE */
int unixhash_compute(const char *hash, const char *pw, char *out,
    size_t outsz, int *err) PW_WUR;

#endif
