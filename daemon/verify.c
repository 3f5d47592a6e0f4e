/* SPDX-License-Identifier: MIT */
/*
 * Argon2id hashing.  Counting semaphores bound the hashes that run at
 * once, so memory stays at most workers x argon2_mem_kib however many
 * requests arrive: `all' has one slot per worker; `users' (workers - 1,
 * at least 1) is taken first by requests of non-root peers, keeping a
 * worker for root's (PAM) requests.  Every wait has a deadline.
 */
#include <errno.h>
#include <semaphore.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "pwerr.h"
#include "stats.h"
#include "verify.h"

static unsigned long long opslimit;
static size_t memlimit;
static sem_t all_slots, user_slots;
static char dummy_hash[PWD_HASH_MAX];
static int64_t dummy_ns; /* what verifying the dummy hash costs */

_Static_assert(PWD_HASH_MAX == crypto_pwhash_STRBYTES, "hash size");

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
sem_take(sem_t *s, int64_t deadline_ms)
{
	struct timespec ts = { .tv_sec = deadline_ms / 1000,
		.tv_nsec = (deadline_ms % 1000) * 1000000 };

	for (;;) {
		if (sem_clockwait(s, CLOCK_MONOTONIC, &ts) == 0)
			return PW_OK;
		if (errno != EINTR)
			return PW_ERR_BUSY;
	}
}

static int
slot_take(enum verify_lane lane, int64_t deadline_ms)
{
	if (lane == VERIFY_USER && sem_take(&user_slots, deadline_ms) != PW_OK)
		return PW_ERR_BUSY;
	if (sem_take(&all_slots, deadline_ms) != PW_OK) {
		if (lane == VERIFY_USER)
			sem_post(&user_slots);
		return PW_ERR_BUSY;
	}
	return PW_OK;
}

static void
slot_give(enum verify_lane lane)
{
	sem_post(&all_slots);
	if (lane == VERIFY_USER)
		sem_post(&user_slots);
}

/* Sleeps until `ns' have passed since `start'. */
static void
pad_to(int64_t start, int64_t ns)
{
	int64_t left = start + ns - now_ns();
	struct timespec ts;

	if (left <= 0)
		return;
	ts.tv_sec = left / 1000000000;
	ts.tv_nsec = left % 1000000000;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int
verify_init(uint32_t ops, uint32_t mem_kib, uint32_t workers)
{
	unsigned char junk[32];
	int rc;

	if (sodium_init() < 0)
		return PW_ERR_INTERNAL;
	opslimit = ops;
	memlimit = (size_t)mem_kib * 1024;
	if (opslimit < crypto_pwhash_OPSLIMIT_MIN ||
	    memlimit < crypto_pwhash_MEMLIMIT_MIN || workers == 0)
		return PW_ERR_INVAL;
	if (sem_init(&all_slots, 0, workers) != 0 ||
	    sem_init(&user_slots, 0, workers > 1 ? workers - 1 : 1) != 0)
		return PW_ERR_INTERNAL;
	/* The dummy hash is of 32 random bytes nobody knows. */
	randombytes_buf(junk, sizeof(junk));
	if (crypto_pwhash_str(dummy_hash, (const char *)junk, sizeof(junk),
	    opslimit, memlimit) != 0) {
		sodium_memzero(junk, sizeof(junk));
		return PW_ERR_NOMEM;
	}
	/* measure the dummy's cost, and check libsodium agrees with itself */
	dummy_ns = now_ns();
	rc = crypto_pwhash_str_verify(dummy_hash, (const char *)junk,
	    sizeof(junk));
	dummy_ns = now_ns() - dummy_ns;
	sodium_memzero(junk, sizeof(junk));
	return rc == 0 ? PW_OK : PW_ERR_INTERNAL;
}

int
verify_hash(const char *pw, size_t len, char out[PWD_HASH_MAX],
    enum verify_lane lane, int64_t deadline_ms)
{
	int rc;

	if (slot_take(lane, deadline_ms) != PW_OK)
		return PW_ERR_BUSY;
	rc = crypto_pwhash_str(out, pw, len, opslimit, memlimit);
	slot_give(lane);
	stats_inc(PW_STAT_HASHED_NEW);
	return rc == 0 ? PW_OK : PW_ERR_NOMEM;
}

int
verify_check(const char *hash, const char *pw, size_t len,
    enum verify_lane lane, int64_t deadline_ms)
{
	int64_t start;
	bool ok;

	if (slot_take(lane, deadline_ms) != PW_OK)
		return PW_ERR_BUSY;
	start = now_ns();
	ok = crypto_pwhash_str_verify(hash != NULL ? hash : dummy_hash, pw,
	    len) == 0;
	slot_give(lane);
	/* the worker is free again; only this request waits */
	if (hash != NULL && verify_needs_rehash(hash))
		pad_to(start, dummy_ns);
	stats_inc(PW_STAT_HASHES);
	if (hash == NULL) {
		stats_inc(PW_STAT_DUMMY);
		return PW_ERR_AUTH;
	}
	return ok ? PW_OK : PW_ERR_AUTH;
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

void
verify_chain(const uint8_t prev[PWD_CHAIN_BYTES], const void *key,
    size_t keylen, const void *body, size_t bodylen,
    uint8_t out[PWD_CHAIN_BYTES])
{
	crypto_generichash_state s;

	/* BLAKE2b-256, unkeyed: anyone holding the log can check it */
	crypto_generichash_init(&s, NULL, 0, PWD_CHAIN_BYTES);
	crypto_generichash_update(&s, prev, PWD_CHAIN_BYTES);
	crypto_generichash_update(&s, key, keylen);
	crypto_generichash_update(&s, body, bodylen);
	crypto_generichash_final(&s, out, PWD_CHAIN_BYTES);
}

bool
verify_chain_equal(const uint8_t a[PWD_CHAIN_BYTES],
    const uint8_t b[PWD_CHAIN_BYTES])
{
	return sodium_memcmp(a, b, PWD_CHAIN_BYTES) == 0;
}
