/* SPDX-License-Identifier: MIT */
/* Password hashing (Argon2id via libsodium): the only user of <sodium.h>. */
#ifndef PWD_VERIFY_H
#define PWD_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define PWD_HASH_MAX 128 /* bytes of an encoded hash, NUL included */

/*
 * Whose request a hash serves.  Root's (a real uid 0: PAM inside sshd,
 * login, cron) may use every hash worker and goes ahead of waiting users;
 * all other uids together (su and sudo started by a user included) use at
 * most workers - 1 (at least 1), so local users cannot starve logins.
 */
enum verify_lane { VERIFY_ROOT = 0, VERIFY_USER = 1 };

/*
 * Initialises libsodium, sets the cost of new hashes, computes the dummy
 * hash used for unknown accounts and measures what verifying it costs.
 * `workers' bounds how many hashes run at once (each holds mem_kib).
 */
int verify_init(uint32_t ops, uint32_t mem_kib, uint32_t workers) PW_WUR;

/*
 * Hashes pw into out[PWD_HASH_MAX].  Waits for a hash slot of `lane' until
 * deadline_ms (CLOCK_MONOTONIC): PW_ERR_BUSY when none freed in time;
 * PW_ERR_HASH when the hash could not run (memory), logged and counted.
 */
int verify_hash(const char *pw, size_t len, char out[PWD_HASH_MAX],
    enum verify_lane lane, int64_t deadline_ms) PW_WUR;

/*
 * PW_OK when pw matches the encoded hash, PW_ERR_AUTH when it does not,
 * PW_ERR_BUSY when no hash slot freed before deadline_ms, PW_ERR_HASH when
 * the hash could not run (Argon2's memory refused; logged and counted in
 * stats): in both, nothing was evaluated and nothing may be counted.  A NULL hash verifies against the dummy hash and never
 * matches: an unknown account costs what a wrong password costs.  A hash
 * made with cheaper, older parameters is padded to the dummy's duration,
 * so that raising the cost does not tell existing names from others.
 */
int verify_check(const char *hash, const char *pw, size_t len,
    enum verify_lane lane, int64_t deadline_ms) PW_WUR;

/*
 * True when hash was made with other parameters than the current ones,
 * or is an imported Unix hash.
 */
bool verify_needs_rehash(const char *hash);

/*
 * True when the stored hash is not one of ours (Argon2id) but a Unix
 * password hash brought in by `pwadmin import' (unixhash.h).  verify_check
 * verifies either kind; the first success replaces an imported one.
 */
bool verify_is_imported(const char *hash);

/* What verify_import_check found. */
enum verify_import {
	VERIFY_IMPORT_OK = 0,	     /* a whole hash, verifiable */
	VERIFY_IMPORT_SCHEME = 1,    /* a scheme libxcrypt cannot verify */
	VERIFY_IMPORT_MALFORMED = 2, /* not a whole hash of its scheme, or
				      * too long to store */
	VERIFY_IMPORT_EMPTY = 3,     /* the hash of an empty password */
	VERIFY_IMPORT_COSTLY = 4,    /* a cost beyond the daemon's bounds */
};

/*
 * May this crypt(3) string of /etc/shadow be imported?  *found says;
 * *scheme gets its name ("yescrypt", ...) and *legacy whether it is a
 * weak one (DES, MD5).  Every later login hashes it again on a worker,
 * so its cost is bounded like Argon2id's: the memory it names at most
 * argon2_mem_kib (unixhash_cost_ok, read from the string before any
 * hash), and its hash at most VERIFY_IMPORT_NS or four dummy
 * verifications, whichever is longer.  One hash of the scheme runs, on
 * a worker of `lane': PW_OK, or PW_ERR_BUSY when none freed in time.
 */
#define VERIFY_IMPORT_NS 1000000000LL /* 1 s */
int verify_import_check(const char *hash, enum verify_import *found,
    const char **scheme, bool *legacy, enum verify_lane lane,
    int64_t deadline_ms) PW_WUR;

/* Fills buf with n random bytes. */
void verify_random(void *buf, size_t n);

#define PWD_CHAIN_BYTES 32 /* bytes of an audit chain hash */

/*
 * The audit chain (SPEC rule 13): out = BLAKE2b-256(prev || key || body).
 * An entry's hash covers its predecessor's, its own key (the sequence
 * number) and its fields, so an edit, a removal or a reordering breaks
 * every hash from that entry on.
 */
void verify_chain(const uint8_t prev[PWD_CHAIN_BYTES], const void *key,
    size_t keylen, const void *body, size_t bodylen,
    uint8_t out[PWD_CHAIN_BYTES]);
bool verify_chain_equal(const uint8_t a[PWD_CHAIN_BYTES],
    const uint8_t b[PWD_CHAIN_BYTES]);

/*
 * One-time passwords: TOTP (RFC 6238: SHA-1, 6 digits, 30 s steps) through
 * liboath, secrets sealed with libsodium secretbox under the key of
 * secret.key.  verify_otp_key loads that file (a regular file of ours,
 * mode 0600, 32 bytes) or, when may_create and it is missing, makes one;
 * a missing file that may not be made is an error, never a new key.
 */
int verify_otp_key(const char *path, bool may_create, char *err,
    size_t errsz) PW_WUR;
/* A keyed BLAKE2b of a constant: tells the key the store was sealed with. */
void verify_otp_key_check(uint8_t out[PWD_CHAIN_BYTES]);
/*
 * A new random secret, sealed into nonce/box (PWD_OTP_NONCE/PWD_OTP_BOX
 * bytes, from store.h), and in base32 into b32 (for the otpauth URI).
 * The plain secret is wiped; the caller wipes b32.
 */
int verify_otp_new(uint8_t *nonce, uint8_t *box, char *b32, size_t b32sz)
    PW_WUR;
/*
 * Is `code' (6 digits) valid within `window' steps of `now'?  PW_OK and
 * the matching step in *step, PW_ERR_AUTH, or PW_ERR_STORE when the box
 * does not open with this key.
 */
int verify_otp_check(const uint8_t *nonce, const uint8_t *box,
    const char *code, uint32_t window, int64_t now, uint64_t *step) PW_WUR;

/* Wipes n bytes (sodium_memzero). */
void verify_wipe(void *p, size_t n);

#endif
