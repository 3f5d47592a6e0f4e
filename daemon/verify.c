/* SPDX-License-Identifier: MIT */
/*
 * Argon2id hashing.  A pool of `workers' slots bounds the hashes that run
 * at once, so memory stays at most workers x argon2_mem_kib however many
 * requests arrive, and keeps a worker for root's (PAM) requests at every
 * size (see may_start).  Every wait has a deadline.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <liboath/oath.h>
#include <sodium.h>

#include "log.h"
#include "pwerr.h"
#include "stats.h"
#include "store.h"
#include "unixhash.h"
#include "verify.h"

static unsigned long long opslimit;
static size_t memlimit;
static char dummy_hash[PWD_HASH_MAX];
static int64_t dummy_ns; /* what verifying the dummy hash costs */

/*
 * The hash workers.  At most `workers' hashes run at once, of which at
 * most user_max (workers - 1, at least 1) for requests of non-root peers;
 * and while a root request waits, a non-root one starts only once
 * USER_YIELD root requests have started since it began to wait (it is
 * then "aged" and goes first), so that root's requests (PAM inside sshd,
 * login, cron) find a worker at every pool size, while users are never
 * starved by a steady load of root's (an sshd under brute force).  Users
 * age by root's starts, not by time: users that merely waited long never
 * go before a root request, however many of them keep coming.  With one
 * worker, root waits for the hash in progress, and under a steady load of
 * root's, one user hash comes in USER_YIELD + 1.
 */
#define USER_YIELD 4 /* root starts a user request yields to */

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cv;
static uint32_t pool_workers, pool_user_max;
static uint32_t busy, busy_user, root_waiting, aged_waiting;
static uint64_t root_starts; /* root requests that took a worker */

_Static_assert(PWD_HASH_MAX == crypto_pwhash_STRBYTES, "hash size");

static int argon2_verify_str(const char *str, const char *pw, size_t len,
    int *err);

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Called with pool_mu held: may a hash of `lane' start now?  aged: a
 * user request that has yielded to root's long enough. */
static bool
may_start(enum verify_lane lane, bool aged)
{
	if (busy >= pool_workers)
		return false;
	if (lane == VERIFY_ROOT) /* a user who yielded long enough goes first */
		return aged_waiting == 0 || busy_user >= pool_user_max;
	return busy_user < pool_user_max && (root_waiting == 0 || aged);
}

static struct timespec
ts_of(int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000,
		.tv_nsec = ns % 1000000000 };

	return ts;
}

static int
slot_take(enum verify_lane lane, int64_t deadline_ms)
{
	int64_t deadline = deadline_ms < INT64_MAX / 1000000 ?
	    deadline_ms * 1000000 : INT64_MAX;
	uint64_t since;
	struct timespec ts;
	bool aged = false;
	int r = PW_OK;

	pthread_mutex_lock(&pool_mu);
	since = root_starts;
	if (lane == VERIFY_ROOT)
		root_waiting++;
	while (!may_start(lane, aged)) {
		/* woken by every change that may let it start: a worker
		 * freed, a root request started or gone, an aged user gone */
		ts = ts_of(deadline);
		(void)pthread_cond_timedwait(&pool_cv, &pool_mu, &ts);
		if (lane == VERIFY_USER && !aged &&
		    root_starts - since >= USER_YIELD) {
			aged = true;
			aged_waiting++;
		}
		if (now_ns() >= deadline && !may_start(lane, aged)) {
			r = PW_ERR_BUSY;
			break;
		}
	}
	if (lane == VERIFY_ROOT)
		root_waiting--;
	if (aged)
		aged_waiting--;
	if (r == PW_OK) {
		busy++;
		if (lane == VERIFY_USER)
			busy_user++;
		else
			root_starts++;
	}
	if (lane == VERIFY_ROOT || aged)
		pthread_cond_broadcast(&pool_cv); /* the others may go on */
	pthread_mutex_unlock(&pool_mu);
	return r;
}

static void
slot_give(enum verify_lane lane)
{
	pthread_mutex_lock(&pool_mu);
	busy--;
	if (lane == VERIFY_USER)
		busy_user--;
	pthread_cond_broadcast(&pool_cv);
	pthread_mutex_unlock(&pool_mu);
}

/*
 * A hash that could not run (Argon2's memory not allocated, a string it
 * cannot decode) is no verdict: counted in stats, logged, never a failure.
 */
static int
hash_error(const char *what, int e)
{
	stats_inc(PW_STAT_HASH_ERRORS);
	log_limited(LOG_KIND_HASH, 0, NULL, "password %s failed: %s; nothing was "
	    "counted, the request is refused as unavailable", what,
	    e != 0 ? strerror(e) : "cannot decode the stored hash");
	return PW_ERR_HASH;
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
	pthread_condattr_t ca;
	int rc, e;

	if (sodium_init() < 0)
		return PW_ERR_INTERNAL;
	opslimit = ops;
	memlimit = (size_t)mem_kib * 1024;
	if (opslimit < crypto_pwhash_OPSLIMIT_MIN ||
	    memlimit < crypto_pwhash_MEMLIMIT_MIN || workers == 0)
		return PW_ERR_INVAL;
	pool_workers = workers;
	pool_user_max = workers > 1 ? workers - 1 : 1;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	rc = pthread_cond_init(&pool_cv, &ca);
	pthread_condattr_destroy(&ca);
	if (rc != 0)
		return PW_ERR_INTERNAL;
	/* The dummy hash is of 32 random bytes nobody knows. */
	randombytes_buf(junk, sizeof(junk));
	if (crypto_pwhash_str(dummy_hash, (const char *)junk, sizeof(junk),
	    opslimit, memlimit) != 0) {
		sodium_memzero(junk, sizeof(junk));
		return PW_ERR_NOMEM;
	}
	/* measure the dummy's cost, and check that our verification and
	 * libsodium's agree on a string libsodium wrote */
	dummy_ns = now_ns();
	rc = argon2_verify_str(dummy_hash, (const char *)junk, sizeof(junk),
	    &e);
	dummy_ns = now_ns() - dummy_ns;
	if (rc == PW_OK && crypto_pwhash_str_verify(dummy_hash,
	    (const char *)junk, sizeof(junk)) != 0)
		rc = PW_ERR_INTERNAL;
	sodium_memzero(junk, sizeof(junk));
	return rc == PW_OK ? PW_OK : PW_ERR_INTERNAL;
}

int
verify_hash(const char *pw, size_t len, char out[PWD_HASH_MAX],
    enum verify_lane lane, int64_t deadline_ms)
{
	int rc, e;

	if (slot_take(lane, deadline_ms) != PW_OK)
		return PW_ERR_BUSY;
	errno = 0;
	rc = crypto_pwhash_str(out, pw, len, opslimit, memlimit);
	e = errno;
	slot_give(lane);
	if (rc != 0)
		return hash_error("hashing", e);
	stats_inc(PW_STAT_HASHED_NEW);
	return PW_OK;
}

#define PHC_SALT 16 /* bytes: crypto_pwhash_argon2id_SALTBYTES */
#define PHC_HASH 32 /* bytes of the hash in libsodium's strings */

_Static_assert(PHC_SALT == crypto_pwhash_argon2id_SALTBYTES, "salt size");

/* A decimal u32 at *p up to `stop'; advances *p past it. */
static bool
phc_num(const char **p, char stop, uint32_t *v)
{
	const char *s = *p;
	uint64_t n = 0;

	if (*s < '0' || *s > '9' || (*s == '0' && s[1] != stop))
		return false;
	for (; *s >= '0' && *s <= '9'; s++)
		if ((n = n * 10 + (uint64_t)(*s - '0')) > UINT32_MAX)
			return false;
	if (*s != stop)
		return false;
	*v = (uint32_t)n;
	*p = s + 1;
	return true;
}

/* Unpadded base64 at *p, exactly `len' bytes of it, up to `stop'. */
static bool
phc_b64(const char **p, char stop, uint8_t *out, size_t len)
{
	const char *end = strchr(*p, stop), *used = NULL;
	size_t got = 0;

	if (end == NULL || sodium_base642bin(out, len, *p, (size_t)(end - *p),
	    NULL, &got, &used, sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0 ||
	    got != len || used != end)
		return false;
	*p = end + (stop != '\0');
	return true;
}

/*
 * The parameters, salt and hash of an Argon2id string as libsodium writes
 * them: $argon2id$v=19$m=KIB,t=OPS,p=1$SALT$HASH.  False for anything
 * else (see argon2_verify_str).
 */
static bool
phc_parse(const char *s, uint32_t *m, uint32_t *t, uint8_t salt[PHC_SALT],
    uint8_t hash[PHC_HASH])
{
	static const char head[] = "$argon2id$v=19$m=";
	const char *p = s;

	if (strncmp(p, head, sizeof(head) - 1) != 0)
		return false;
	p += sizeof(head) - 1;
	if (!phc_num(&p, ',', m) || strncmp(p, "t=", 2) != 0)
		return false;
	p += 2;
	if (!phc_num(&p, ',', t) || strncmp(p, "p=1$", 4) != 0)
		return false;
	p += 4;
	return phc_b64(&p, '$', salt, PHC_SALT) &&
	    phc_b64(&p, '\0', hash, PHC_HASH);
}

/*
 * PW_OK, PW_ERR_AUTH, or PW_ERR_HASH (it could not run).  libsodium's
 * crypto_pwhash_str_verify answers -1 with errno EINVAL both for a
 * mismatch and for Argon2 memory it could not allocate (1.0.18, Debian
 * 12), so the string is taken apart and the hash computed with
 * crypto_pwhash_argon2id, whose -1 is always "could not run"; the
 * comparison is sodium_memcmp.  Same code, same cost.
 */
static int
argon2_verify_str(const char *str, const char *pw, size_t len, int *err)
{
	uint8_t salt[PHC_SALT], want[PHC_HASH], got[PHC_HASH];
	uint32_t m, t;
	int r;

	*err = 0;
	/*
	 * Not a string libsodium's crypto_pwhash_str writes (the store holds
	 * no other): libsodium may still verify it, but its -1 tells nothing,
	 * so it is never taken for a wrong password.
	 */
	if (!phc_parse(str, &m, &t, salt, want))
		return crypto_pwhash_str_verify(str, pw, len) == 0 ? PW_OK :
		    PW_ERR_HASH;
	errno = 0;
	if (crypto_pwhash_argon2id(got, sizeof(got), pw, len, salt, t,
	    (size_t)m * 1024, crypto_pwhash_argon2id_ALG_ARGON2ID13) != 0) {
		*err = errno != 0 ? errno : ENOMEM;
		r = PW_ERR_HASH;
	} else
		r = sodium_memcmp(got, want, sizeof(got)) == 0 ? PW_OK :
		    PW_ERR_AUTH;
	sodium_memzero(got, sizeof(got));
	return r;
}

/*
 * An imported Unix hash (unixhash.h): PW_OK, PW_ERR_AUTH, or PW_ERR_HASH
 * when libxcrypt could not compute it.  The comparison is sodium_memcmp
 * over the whole string.
 */
static int
unix_verify_str(const char *str, const char *pw, size_t len, int *err)
{
	char out[PWD_UNIXHASH_OUT];
	size_t n = strlen(str);
	int r;

	/* crypt(3) takes a C string: a secret never holds a NUL (PROTOCOL) */
	if (strlen(pw) != len)
		return PW_ERR_AUTH;
	if ((r = unixhash_compute(str, pw, out, sizeof(out), err)) != PW_OK)
		return r;
	r = strlen(out) == n && sodium_memcmp(out, str, n) == 0 ? PW_OK :
	    PW_ERR_AUTH;
	sodium_memzero(out, sizeof(out));
	return r;
}

int
verify_check(const char *hash, const char *pw, size_t len,
    enum verify_lane lane, int64_t deadline_ms)
{
	const char *str = hash != NULL ? hash : dummy_hash;
	int64_t start;
	int r, e;

	if (slot_take(lane, deadline_ms) != PW_OK)
		return PW_ERR_BUSY;
	start = now_ns();
	r = verify_is_imported(str) ? unix_verify_str(str, pw, len, &e) :
	    argon2_verify_str(str, pw, len, &e);
	slot_give(lane);
	if (r == PW_ERR_HASH)
		return hash_error("verification", e);
	/* the worker is free again; only this request waits */
	if (hash != NULL && verify_needs_rehash(hash))
		pad_to(start, dummy_ns);
	stats_inc(PW_STAT_HASHES);
	if (hash == NULL) {
		stats_inc(PW_STAT_DUMMY);
		return PW_ERR_AUTH;
	}
	return r;
}

bool
verify_is_imported(const char *hash)
{
	return strncmp(hash, "$argon2id$", 10) != 0;
}

int
verify_import_check(const char *hash, enum verify_import *found,
    const char **scheme, bool *legacy, enum verify_lane lane,
    int64_t deadline_ms)
{
	char out[PWD_UNIXHASH_OUT];
	const char *dollar = strrchr(hash, '$');
	size_t n = strlen(hash), head;
	enum unixhash_kind k = unixhash_scheme(hash, scheme);
	int e;

	int64_t start, limit = 4 * dummy_ns > VERIFY_IMPORT_NS ? 4 * dummy_ns :
	    VERIFY_IMPORT_NS;

	*legacy = k == UNIXHASH_LEGACY;
	*found = k == UNIXHASH_UNKNOWN ? VERIFY_IMPORT_SCHEME :
	    n >= PWD_HASH_MAX ? VERIFY_IMPORT_MALFORMED :
	    !unixhash_cost_ok(hash, memlimit) ? VERIFY_IMPORT_COSTLY :
	    VERIFY_IMPORT_OK;
	if (*found != VERIFY_IMPORT_OK)
		return PW_OK;
	/*
	 * The empty phrase under the string's own setting: a whole hash of
	 * its scheme gives a string of its length with its setting (DES:
	 * the first two characters); the string itself means the Unix
	 * password is empty.
	 */
	head = dollar != NULL && dollar != hash ? (size_t)(dollar - hash) : 2;
	if (slot_take(lane, deadline_ms) != PW_OK)
		return PW_ERR_BUSY;
	start = now_ns();
	if (unixhash_compute(hash, "", out, sizeof(out), &e) != PW_OK ||
	    strlen(out) != n || strncmp(out, hash, head) != 0)
		*found = VERIFY_IMPORT_MALFORMED;
	else if (sodium_memcmp(out, hash, n) == 0)
		*found = VERIFY_IMPORT_EMPTY;
	else if (now_ns() - start > limit)
		*found = VERIFY_IMPORT_COSTLY;
	slot_give(lane);
	sodium_memzero(out, sizeof(out));
	return PW_OK;
}

bool
verify_needs_rehash(const char *hash)
{
	if (verify_is_imported(hash))
		return true;
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
