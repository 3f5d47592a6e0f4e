/* SPDX-License-Identifier: MIT */
/*
 * Argon2id hashing.  A counting semaphore bounds the hashes that run at
 * once, so memory stays at most workers x argon2_mem_kib however many
 * requests arrive; the rest of the daemon never blocks on it.
 */
#include <errno.h>
#include <semaphore.h>
#include <string.h>

#include <sodium.h>

#include "pwerr.h"
#include "stats.h"
#include "verify.h"

static unsigned long long opslimit;
static size_t memlimit;
static sem_t hash_slots;
static char dummy_hash[PWD_HASH_MAX];

_Static_assert(PWD_HASH_MAX == crypto_pwhash_STRBYTES, "hash size");

static void
slot_take(void)
{
	while (sem_wait(&hash_slots) != 0 && errno == EINTR)
		;
}

static void
slot_give(void)
{
	sem_post(&hash_slots);
}

int
verify_init(uint32_t ops, uint32_t mem_kib, uint32_t workers)
{
	unsigned char junk[32];

	if (sodium_init() < 0)
		return PW_ERR_INTERNAL;
	opslimit = ops;
	memlimit = (size_t)mem_kib * 1024;
	if (opslimit < crypto_pwhash_OPSLIMIT_MIN ||
	    memlimit < crypto_pwhash_MEMLIMIT_MIN || workers == 0)
		return PW_ERR_INVAL;
	if (sem_init(&hash_slots, 0, workers) != 0)
		return PW_ERR_INTERNAL;
	/* The dummy hash is of 32 random bytes nobody knows. */
	randombytes_buf(junk, sizeof(junk));
	if (crypto_pwhash_str(dummy_hash, (const char *)junk, sizeof(junk),
	    opslimit, memlimit) != 0) {
		sodium_memzero(junk, sizeof(junk));
		return PW_ERR_NOMEM;
	}
	sodium_memzero(junk, sizeof(junk));
	return PW_OK;
}

int
verify_hash(const char *pw, size_t len, char out[PWD_HASH_MAX])
{
	int rc;

	slot_take();
	rc = crypto_pwhash_str(out, pw, len, opslimit, memlimit);
	slot_give();
	stats_inc(PW_STAT_HASHED_NEW);
	return rc == 0 ? PW_OK : PW_ERR_NOMEM;
}

bool
verify_check(const char *hash, const char *pw, size_t len)
{
	bool ok;

	slot_take();
	ok = crypto_pwhash_str_verify(hash != NULL ? hash : dummy_hash, pw,
	    len) == 0;
	slot_give();
	stats_inc(PW_STAT_HASHES);
	if (hash == NULL) {
		stats_inc(PW_STAT_DUMMY);
		return false;
	}
	return ok;
}

bool
verify_needs_rehash(const char *hash)
{
	return crypto_pwhash_str_needs_rehash(hash, opslimit, memlimit) != 0;
}

void
verify_random(void *buf, size_t n)
{
	randombytes_buf(buf, n);
}

void
verify_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}
