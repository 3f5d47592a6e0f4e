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
 * Initialises libsodium (fatal when it cannot), sets the cost of new hashes
 * and computes the dummy hash used for unknown accounts.  `workers' bounds
 * how many hashes run at once (each holds mem_kib of memory).
 */
int verify_init(uint32_t ops, uint32_t mem_kib, uint32_t workers) PW_WUR;

/* Hashes pw into out[PWD_HASH_MAX].  Takes a hash slot (may wait). */
int verify_hash(const char *pw, size_t len, char out[PWD_HASH_MAX]) PW_WUR;

/*
 * True when pw matches the encoded hash.  Takes a hash slot (may wait).
 * A NULL hash verifies against the dummy hash and is always false, at the
 * same cost: that is how unknown accounts cost what a wrong password costs.
 */
bool verify_check(const char *hash, const char *pw, size_t len);

/* True when hash was made with other parameters than the current ones. */
bool verify_needs_rehash(const char *hash);

/* Fills buf with n random bytes. */
void verify_random(void *buf, size_t n);

/* Wipes n bytes (sodium_memzero). */
void verify_wipe(void *p, size_t n);

#endif
