/* SPDX-License-Identifier: MIT */
/*
 * Argon2id hashing.  Counting semaphores bound the hashes that run at
 * once, so memory stays at most workers x argon2_mem_kib however many
 * requests arrive: `all' has one slot per worker; `users' (workers - 1,
 * at least 1) is taken first by requests of non-root peers, keeping a
 * worker for root's (PAM) requests.  Every wait has a deadline.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <liboath/oath.h>
#include <sodium.h>

#include "pwerr.h"
#include "stats.h"
#include "store.h"
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

/* ==== One-time passwords (SPEC rule 11) ==== */

#define OTP_KEY	    crypto_secretbox_KEYBYTES /* bytes of secret.key */
#define OTP_SECRET  20 /* bytes of a TOTP secret (RFC 4226's 160 bits) */
#define OTP_STEP    30 /* seconds */
#define OTP_DIGITS  6

_Static_assert(PWD_OTP_NONCE == crypto_secretbox_NONCEBYTES, "nonce size");
_Static_assert(PWD_OTP_BOX == OTP_SECRET + crypto_secretbox_MACBYTES,
    "box size");

static unsigned char *otp_key; /* sodium_malloc'd, OTP_KEY bytes, or NULL */

/* Reads an existing key file: a regular 0600 file of ours, OTP_KEY bytes. */
static int
key_read(int fd, const char *path, char *err, size_t errsz)
{
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) != 0 ||
	    st.st_size != OTP_KEY) {
		snprintf(err, errsz, "%s: must be a regular file of %d bytes, "
		    "owned by the daemon's user, mode 0600", path, OTP_KEY);
		return PW_ERR_INVAL;
	}
	n = read(fd, otp_key, OTP_KEY);
	if (n != OTP_KEY) {
		snprintf(err, errsz, "%s: cannot be read", path);
		return PW_ERR_IO;
	}
	return PW_OK;
}

/* Makes the new file's directory entry durable too. */
static void
sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n = slash != NULL ? (size_t)(slash - path) : 0;
	int fd;

	if (n == 0 || n >= sizeof(dir))
		return;
	memcpy(dir, path, n);
	dir[n] = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		(void)close(fd);
	}
}

/* Makes a new key file (O_EXCL: never replaces one). */
static int
key_create(const char *path, char *err, size_t errsz)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	ssize_t n;

	if (fd < 0) {
		snprintf(err, errsz, "%s: cannot be created: %s", path,
		    strerror(errno));
		return PW_ERR_IO;
	}
	randombytes_buf(otp_key, OTP_KEY);
	n = write(fd, otp_key, OTP_KEY);
	if (n != OTP_KEY || fsync(fd) != 0) {
		snprintf(err, errsz, "%s: cannot be written: %s", path,
		    strerror(errno));
		(void)close(fd);
		(void)unlink(path);
		return PW_ERR_IO;
	}
	(void)close(fd);
	sync_dir(path);
	return PW_OK;
}

int
verify_otp_key(const char *path, bool may_create, char *err, size_t errsz)
{
	int fd, r;

	if (otp_key == NULL && (otp_key = sodium_malloc(OTP_KEY)) == NULL)
		return PW_ERR_NOMEM;
	if (oath_init() != OATH_OK) {
		snprintf(err, errsz, "liboath cannot be initialised");
		return PW_ERR_INTERNAL;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && may_create)
		return key_create(path, err, errsz);
	if (fd < 0) {
		snprintf(err, errsz, errno == ENOENT ? "%s: missing, and the "
		    "store holds one-time password secrets sealed with it; "
		    "restore it from a backup (it is never made anew over "
		    "existing secrets)" : "%s: cannot be opened", path);
		return PW_ERR_IO;
	}
	r = key_read(fd, path, err, errsz);
	(void)close(fd);
	return r;
}

void
verify_otp_key_check(uint8_t out[PWD_CHAIN_BYTES])
{
	static const char what[] = "pwadmin secret.key check v1";

	crypto_generichash(out, PWD_CHAIN_BYTES, (const unsigned char *)what,
	    sizeof(what) - 1, otp_key, OTP_KEY);
}

int
verify_otp_new(uint8_t *nonce, uint8_t *box,
    char *b32, size_t b32sz)
{
	unsigned char secret[OTP_SECRET];
	char *enc = NULL;
	size_t n = 0;
	int r = PW_ERR_INTERNAL;

	randombytes_buf(secret, sizeof(secret));
	randombytes_buf(nonce, PWD_OTP_NONCE);
	if (crypto_secretbox_easy(box, secret, sizeof(secret), nonce,
	    otp_key) != 0)
		goto out;
	if (oath_base32_encode((const char *)secret, sizeof(secret), &enc,
	    &n) != OATH_OK || enc == NULL || n >= b32sz)
		goto out;
	memcpy(b32, enc, n);
	b32[n] = '\0';
	r = PW_OK;
out:
	sodium_memzero(secret, sizeof(secret));
	if (enc != NULL) {
		sodium_memzero(enc, n);
		free(enc);
	}
	return r;
}

/* liboath's comparison hook: constant time, as STYLE §2.7 asks. */
static int
otp_cmp(void *handle, const char *test_otp)
{
	const char *code = handle;

	if (strlen(test_otp) != OTP_DIGITS)
		return 1;
	return sodium_memcmp(code, test_otp, OTP_DIGITS) == 0 ? 0 : 1;
}

int
verify_otp_check(const uint8_t *nonce, const uint8_t *box, const char *code, uint32_t window,
    int64_t now, uint64_t *step)
{
	unsigned char secret[OTP_SECRET];
	uint64_t counter = 0;
	size_t i;
	int pos = 0, rc;

	*step = 0;
	stats_inc(PW_STAT_OTP_CHECKED);
	if (strlen(code) != OTP_DIGITS)
		return PW_ERR_AUTH;
	for (i = 0; i < OTP_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return PW_ERR_AUTH;
	if (crypto_secretbox_open_easy(secret, box, PWD_OTP_BOX, nonce,
	    otp_key) != 0)
		return PW_ERR_STORE; /* not sealed with this key */
	rc = oath_totp_validate3_callback((const char *)secret, sizeof(secret),
	    (time_t)now, OTP_STEP, 0, OTP_DIGITS, window, &pos, &counter,
	    otp_cmp, (void *)(uintptr_t)code);
	sodium_memzero(secret, sizeof(secret));
	if (rc < 0)
		return PW_ERR_AUTH;
	*step = counter;
	return PW_OK;
}
