/* SPDX-License-Identifier: MIT */
/*
 * store.c on a real LMDB environment in a temp dir (no mocks): files and
 * modes, round trips, all-or-nothing edits, scan order, durability across
 * processes, and corrupted records that must be errors, never defaults.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <lmdb.h>

#include "fixture.h"
#include "proto.h"
#include "pwerr.h"
#include "store.h"
#include "store_codec.h"
#include "wire.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define fixture fx_store /* the unit tests' one fixture (fixture.h) */

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL || fx_store_open(fx, "store") != 0) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	int rc = fx_store_close(fx);

	free(fx);
	return rc;
}

static void
reopen(struct fixture *fx)
{
	char err[256] = "";

	store_close(fx->st);
	fx->st = NULL;
	if (store_open(&fx->st, fx->dir, err, sizeof(err)) != PW_OK)
		fail_msg("reopen: %s", err);
}

/* An account with every field set to something recognisable. */
static void
make_user(struct store_user *u, const char *name, uint8_t role)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", name);
	u->role = role;
	u->suspended = true;
	snprintf(u->f[PW_FACTOR_LOGIN].hash, PWD_HASH_MAX,
	    "$argon2id$v=19$m=8,t=1,p=1$login-of-%s", name);
	u->f[PW_FACTOR_LOGIN].failures = 3;
	u->f[PW_FACTOR_LOGIN].locked = false;
	u->f[PW_FACTOR_LOGIN].must_change = true;
	u->f[PW_FACTOR_LOGIN].changed_at = 1700000000;
	snprintf(u->f[PW_FACTOR_CONFIRM].hash, PWD_HASH_MAX,
	    "$argon2id$v=19$m=8,t=1,p=1$confirm-of-%s", name);
	u->f[PW_FACTOR_CONFIRM].failures = UINT32_MAX;
	u->f[PW_FACTOR_CONFIRM].locked = true;
	u->f[PW_FACTOR_CONFIRM].must_change = false;
	u->f[PW_FACTOR_CONFIRM].changed_at = -86400; /* before 1970 */
	u->otp_state = PW_OTP_LOCKED;
	u->otp_failures = 7;
	u->created_at = INT64_MAX;
}

static void
add(struct fixture *fx, const char *name, uint8_t role)
{
	struct store_user u;

	make_user(&u, name, role);
	assert_int_equal(fx_user_add(fx->st, &u), PW_OK);
}

static uint32_t
login_failures(struct fixture *fx, const char *name)
{
	struct store_user u;

	assert_int_equal(store_user_get(fx->st, name, &u), PW_OK);
	return u.f[PW_FACTOR_LOGIN].failures;
}

/* Files and modes. */

static void
assert_mode(const char *dir, const char *file, mode_t want)
{
	char path[PATH_MAX];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	if ((sb.st_mode & 07777) != want)
		fail_msg("%s: mode %o, want %o", path, sb.st_mode & 07777, want);
}

static bool
exists(const char *dir, const char *file)
{
	char path[PATH_MAX];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return lstat(path, &sb) == 0;
}

/* data.mdb and lock.mdb are 0600 whatever the umask. */
static void
test_open_creates_files(void **state)
{
	struct fixture *fx = *state;
	char sub[PATH_MAX], err[256] = "";
	struct store *st = NULL;
	struct stat sb;
	mode_t old;

	assert_mode(fx->dir, "data.mdb", 0600);
	assert_mode(fx->dir, "lock.mdb", 0600);
	/* a missing directory is created 0700, files 0600 even with umask 0 */
	snprintf(sub, sizeof(sub), "%s/new", fx->dir);
	old = umask(0);
	if (store_open(&st, sub, err, sizeof(err)) != PW_OK)
		fail_msg("%s", err);
	umask(old);
	assert_int_equal(lstat(sub, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0700);
	assert_mode(sub, "data.mdb", 0600);
	assert_mode(sub, "lock.mdb", 0600);
	store_close(st);
}

static void
assert_dir_refused(const char *dir, int want)
{
	struct store *st = (struct store *)&st;
	char err[256] = "";

	assert_int_equal(store_open(&st, dir, err, sizeof(err)), want);
	assert_null(st);
	assert_true(err[0] != '\0');
	assert_false(exists(dir, "data.mdb"));
}

static void
test_open_refuses_bad_dirs(void **state)
{
	static const mode_t bad[] = { 0777, 0770, 0702, 0720, 0707 };
	struct fixture *fx = *state;
	char sub[PATH_MAX], link[PATH_MAX];
	size_t i;

	snprintf(sub, sizeof(sub), "%s/d", fx->dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	for (i = 0; i < NELEM(bad); i++) {
		assert_int_equal(chmod(sub, bad[i]), 0);
		assert_dir_refused(sub, PW_ERR_INVAL);
	}
	/* a symlink to a good directory */
	assert_int_equal(chmod(sub, 0700), 0);
	snprintf(link, sizeof(link), "%s/l", fx->dir);
	assert_int_equal(symlink(sub, link), 0);
	assert_dir_refused(link, PW_ERR_IO);
	/* a regular file */
	assert_dir_refused("/dev/null", PW_ERR_IO);
	/* owned by another user (needs root to arrange) */
	if (geteuid() == 0) {
		assert_int_equal(chown(sub, 65534, 65534), 0);
		assert_dir_refused(sub, PW_ERR_INVAL);
	}
}

/* Round trips. */

static void
test_add_get_round_trip(void **state)
{
	struct fixture *fx = *state;
	struct store_user u, got;
	size_t i;

	make_user(&u, "alice", PW_ROLE_ADMIN);
	/* the longest hash that fits */
	memset(u.f[PW_FACTOR_LOGIN].hash, 'h', PWD_HASH_MAX - 1);
	u.f[PW_FACTOR_LOGIN].hash[PWD_HASH_MAX - 1] = '\0';
	assert_int_equal(fx_user_add(fx->st, &u), PW_OK);
	memset(&got, 0xa5, sizeof(got));
	assert_int_equal(store_user_get(fx->st, "alice", &got), PW_OK);
	assert_string_equal(got.name, "alice");
	assert_int_equal(got.role, PW_ROLE_ADMIN);
	assert_true(got.suspended);
	for (i = 0; i <= PW_FACTOR_MAX; i++) {
		assert_string_equal(got.f[i].hash, u.f[i].hash);
		assert_int_equal(got.f[i].failures, u.f[i].failures);
		assert_int_equal(got.f[i].locked, u.f[i].locked);
		assert_int_equal(got.f[i].must_change, u.f[i].must_change);
		assert_true(got.f[i].changed_at == u.f[i].changed_at);
	}
	assert_int_equal(got.otp_state, PW_OTP_LOCKED);
	assert_int_equal(got.otp_failures, 7);
	assert_true(got.created_at == INT64_MAX);
	/* and nothing else: padding and tails are zero on both sides */
	assert_memory_equal(&got, &u, sizeof(u));
	/* survives a reopen */
	reopen(fx);
	assert_int_equal(store_user_get(fx->st, "alice", &got), PW_OK);
	assert_memory_equal(&got, &u, sizeof(u));
}

/* The other values of every field (false, 0, empty, user role). */
static void
test_round_trip_zero_values(void **state)
{
	struct fixture *fx = *state;
	struct store_user u, got;
	char name[PW_USER_MAX + 1];

	memset(name, 'n', PW_USER_MAX);
	name[PW_USER_MAX] = '\0';
	memset(&u, 0, sizeof(u));
	memcpy(u.name, name, sizeof(name)); /* the longest name */
	u.role = PW_ROLE_USER;
	assert_int_equal(fx_user_add(fx->st, &u), PW_OK);
	assert_int_equal(store_user_get(fx->st, name, &got), PW_OK);
	assert_memory_equal(&got, &u, sizeof(u));
	u.role = PW_ROLE_MASTER;
	u.otp_state = PW_OTP_AVAILABLE;
	memset(u.name, 0, sizeof(u.name));
	snprintf(u.name, sizeof(u.name), "m");
	assert_int_equal(fx_user_add(fx->st, &u), PW_OK);
	assert_int_equal(store_user_get(fx->st, "m", &got), PW_OK);
	assert_memory_equal(&got, &u, sizeof(u));
}

static void
test_get_missing(void **state)
{
	struct fixture *fx = *state;
	struct store_user got;

	memset(&got, 0xa5, sizeof(got));
	assert_int_equal(store_user_get(fx->st, "nobody", &got), PW_ERR_NOUSER);
	add(fx, "alice", PW_ROLE_USER);
	assert_int_equal(store_user_get(fx->st, "alic", &got), PW_ERR_NOUSER);
	assert_int_equal(store_user_get(fx->st, "alice2", &got), PW_ERR_NOUSER);
	assert_int_equal(store_user_get(fx->st, "Alice", &got), PW_ERR_NOUSER);
}

static void
test_add_twice(void **state)
{
	struct fixture *fx = *state;
	struct store_user u, got;

	add(fx, "alice", PW_ROLE_USER);
	make_user(&u, "alice", PW_ROLE_MASTER);
	u.otp_failures = 99;
	assert_int_equal(fx_user_add(fx->st, &u), PW_ERR_EXISTS);
	assert_int_equal(store_user_get(fx->st, "alice", &got), PW_OK);
	assert_int_equal(got.role, PW_ROLE_USER); /* not overwritten */
	assert_int_equal(got.otp_failures, 7);
}

/* Edits. */

static int
inc_login(struct store_user *u, void *arg)
{
	(void)arg;
	u->f[PW_FACTOR_LOGIN].failures++;
	return 1;
}

/* Changes every account, but aborts the transaction on the named one. */
static int
perm_on(struct store_user *u, void *arg)
{
	u->f[PW_FACTOR_LOGIN].failures = 1000;
	return strcmp(u->name, arg) == 0 ? PW_ERR_PERM : 1;
}

static int
change_no_write(struct store_user *u, void *arg)
{
	(void)arg;
	u->f[PW_FACTOR_LOGIN].failures = 1000;
	return 0;
}

static void
test_users_edit(void **state)
{
	static const char both[][PW_USER_MAX + 1] = { "alice", "bob" };
	struct fixture *fx = *state;

	add(fx, "alice", PW_ROLE_USER);
	add(fx, "bob", PW_ROLE_USER);
	assert_int_equal(store_users_edit(fx->st, both, 2, inc_login, NULL), PW_OK);
	assert_int_equal(login_failures(fx, "alice"), 4);
	assert_int_equal(login_failures(fx, "bob"), 4);
	assert_int_equal(store_user_edit(fx->st, "bob", inc_login, NULL), PW_OK);
	assert_int_equal(login_failures(fx, "bob"), 5);
	/* 0 from the callback: nothing written */
	assert_int_equal(store_users_edit(fx->st, both, 2, change_no_write,
	    NULL), PW_OK);
	assert_int_equal(login_failures(fx, "alice"), 4);
	assert_int_equal(login_failures(fx, "bob"), 5);
	assert_int_equal(store_user_edit(fx->st, "nobody", inc_login, NULL),
	    PW_ERR_NOUSER);
}

/* A missing second name: NOUSER, and the first account is unchanged. */
static void
test_users_edit_missing_is_atomic(void **state)
{
	static const char names[][PW_USER_MAX + 1] = { "alice", "nobody", "bob" };
	struct fixture *fx = *state;

	add(fx, "alice", PW_ROLE_USER);
	add(fx, "bob", PW_ROLE_USER);
	assert_int_equal(store_users_edit(fx->st, names, 3, inc_login, NULL),
	    PW_ERR_NOUSER);
	assert_int_equal(login_failures(fx, "alice"), 3);
	assert_int_equal(login_failures(fx, "bob"), 3);
	reopen(fx);
	assert_int_equal(login_failures(fx, "alice"), 3);
}

/* The callback aborts on the second account: the first is unchanged. */
static void
test_users_edit_abort_is_atomic(void **state)
{
	static const char names[][PW_USER_MAX + 1] = { "alice", "bob", "carol" };
	struct fixture *fx = *state;
	char bob[] = "bob";

	add(fx, "alice", PW_ROLE_USER);
	add(fx, "bob", PW_ROLE_USER);
	add(fx, "carol", PW_ROLE_USER);
	assert_int_equal(store_users_edit(fx->st, names, 3, perm_on,
	    bob), PW_ERR_PERM);
	assert_int_equal(login_failures(fx, "alice"), 3);
	assert_int_equal(login_failures(fx, "bob"), 3);
	assert_int_equal(login_failures(fx, "carol"), 3);
	/* the write transaction was released */
	assert_int_equal(store_users_edit(fx->st, names, 3, inc_login, NULL),
	    PW_OK);
	assert_int_equal(login_failures(fx, "carol"), 4);
}

static void
test_users_edit_all(void **state)
{
	static const char *const names[] = { "dave", "alice", "carol", "bob" };
	struct fixture *fx = *state;
	char carol[] = "carol";
	size_t i;

	/* an empty store: nothing to do */
	assert_int_equal(fx_users_edit_all(fx->st, inc_login, NULL), PW_OK);
	for (i = 0; i < NELEM(names); i++)
		add(fx, names[i], PW_ROLE_USER);
	assert_int_equal(fx_users_edit_all(fx->st, inc_login, NULL), PW_OK);
	for (i = 0; i < NELEM(names); i++)
		assert_int_equal(login_failures(fx, names[i]), 4);
	/* aborting on the third in name order changes none */
	assert_int_equal(fx_users_edit_all(fx->st, perm_on, carol),
	    PW_ERR_PERM);
	for (i = 0; i < NELEM(names); i++)
		assert_int_equal(login_failures(fx, names[i]), 4);
	assert_int_equal(fx_users_edit_all(fx->st, change_no_write, NULL),
	    PW_OK);
	for (i = 0; i < NELEM(names); i++)
		assert_int_equal(login_failures(fx, names[i]), 4);
}

/* Grows every record (a rehash changes the hash length): page splits
 * under the open cursor must not skip or repeat an account. */
static int
grow(struct store_user *u, void *arg)
{
	size_t *visits = arg;

	(*visits)++;
	if (u->f[PW_FACTOR_LOGIN].failures != 3)
		return PW_ERR_INTERNAL; /* seen twice */
	memset(u->f[PW_FACTOR_LOGIN].hash, 'g', PWD_HASH_MAX - 1);
	u->f[PW_FACTOR_LOGIN].failures = 4;
	return 1;
}

static void
test_users_edit_all_many(void **state)
{
	struct fixture *fx = *state;
	struct store_user u;
	size_t i, visits = 0;
	char name[32];

	for (i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "user%05zu", i * 7919 % 3000);
		make_user(&u, name, PW_ROLE_USER);
		u.f[PW_FACTOR_LOGIN].hash[0] = '\0';
		assert_int_equal(fx_user_add(fx->st, &u), PW_OK);
	}
	assert_int_equal(fx_users_edit_all(fx->st, grow, &visits), PW_OK);
	assert_int_equal(visits, 3000);
	for (i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "user%05zu", i);
		assert_int_equal(login_failures(fx, name), 4);
	}
}

/* Scans. */

struct seen {
	char names[16][PW_USER_MAX + 1];
	size_t n;
	size_t stop_at; /* return 1 after this many (0 = never) */
};

static int
collect(const struct store_user *u, void *arg)
{
	struct seen *s = arg;

	if (s->n == NELEM(s->names))
		return PW_ERR_NOSPACE;
	snprintf(s->names[s->n++], sizeof(s->names[0]), "%s", u->name);
	return s->stop_at != 0 && s->n == s->stop_at ? 1 : 0;
}

/* Scans after `after' and compares with the space-separated list want. */
static void
assert_scan(struct fixture *fx, const char *after, size_t stop_at,
    const char *want)
{
	struct seen s;
	char got[512] = "";
	size_t i;

	memset(&s, 0, sizeof(s));
	s.stop_at = stop_at;
	assert_int_equal(store_users_scan(fx->st, after, collect, &s), PW_OK);
	for (i = 0; i < s.n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
		    i > 0 ? " " : "", s.names[i]);
	if (strcmp(got, want) != 0)
		fail_msg("scan after \"%s\": \"%s\", want \"%s\"", after, got, want);
}

static void
test_scan(void **state)
{
	static const char *const names[] = { "dave", "bob2", "alice", "Zed",
		"carol", "bob" };
	struct fixture *fx = *state;
	size_t i;

	assert_scan(fx, "", 0, "");
	for (i = 0; i < NELEM(names); i++)
		add(fx, names[i], PW_ROLE_USER);
	/* byte order: upper case sorts first */
	assert_scan(fx, "", 0, "Zed alice bob bob2 carol dave");
	/* strictly after the cursor, whether it exists or not */
	assert_scan(fx, "bob", 0, "bob2 carol dave");
	assert_scan(fx, "bo", 0, "bob bob2 carol dave");
	assert_scan(fx, "bob1", 0, "bob2 carol dave");
	assert_scan(fx, "Zed", 0, "alice bob bob2 carol dave");
	assert_scan(fx, "A", 0, "Zed alice bob bob2 carol dave");
	assert_scan(fx, "carol", 0, "dave");
	assert_scan(fx, "dave", 0, "");
	assert_scan(fx, "zzz", 0, "");
	/* the callback stops the scan */
	assert_scan(fx, "", 2, "Zed alice");
	assert_scan(fx, "alice", 1, "bob");
	/* paging: the last name of a page is the next cursor */
	assert_scan(fx, "alice", 2, "bob bob2");
	assert_scan(fx, "bob2", 2, "carol dave");
}

static int
fail_scan(const struct store_user *u, void *arg)
{
	(void)u;
	(void)arg;
	return PW_ERR_INTERNAL;
}

static void
test_scan_callback_error(void **state)
{
	struct fixture *fx = *state;

	add(fx, "alice", PW_ROLE_USER);
	assert_int_equal(store_users_scan(fx->st, "", fail_scan, NULL),
	    PW_ERR_INTERNAL);
}

/* Durability. */

/*
 * A child process opens the store, commits an account and a failure and
 * dies without store_close (as after a crash); the parent finds both.
 */
static void
test_durable_across_processes(void **state)
{
	struct fixture *fx = *state;
	struct store_user u;
	char err[256];
	pid_t pid;
	int status;

	add(fx, "alice", PW_ROLE_USER);
	store_close(fx->st); /* never hold an env across fork() */
	fx->st = NULL;
	if ((pid = fork()) == 0) {
		struct store *st;

		make_user(&u, "crash", PW_ROLE_ADMIN);
		if (store_open(&st, fx->dir, err, sizeof(err)) != PW_OK ||
		    fx_user_add(st, &u) != PW_OK ||
		    store_user_edit(st, "alice", inc_login, NULL) != PW_OK)
			_exit(1);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	if (store_open(&fx->st, fx->dir, err, sizeof(err)) != PW_OK)
		fail_msg("%s", err);
	assert_int_equal(store_user_get(fx->st, "crash", &u), PW_OK);
	assert_int_equal(u.role, PW_ROLE_ADMIN);
	assert_int_equal(login_failures(fx, "alice"), 4);
}

/* Corrupted records (raw LMDB access, with the store closed). */

/* Runs put (if data != NULL) or get (into buf) on the raw environment. */
static int
raw(const char *dir, const char *db, const void *key, size_t klen,
    const void *data, size_t len, uint8_t *buf, size_t *buflen)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_val k = { klen, (void *)(uintptr_t)key }, v;
	int rc;

	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, 8)) != 0 ||
	    (rc = mdb_env_set_mapsize(env, (size_t)4 << 30)) != 0 ||
	    (rc = mdb_env_open(env, dir, MDB_NOTLS, 0600)) != 0 ||
	    (rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, db, 0, &dbi)) != 0)
		goto out;
	if (data != NULL) {
		v.mv_size = len;
		v.mv_data = (void *)(uintptr_t)data;
		if ((rc = mdb_put(txn, dbi, &k, &v, 0)) == 0)
			rc = mdb_txn_commit(txn);
		txn = NULL;
	} else if ((rc = mdb_get(txn, dbi, &k, &v)) == 0) {
		if (v.mv_size > *buflen)
			rc = ENOSPC;
		else
			memcpy(buf, v.mv_data, v.mv_size);
		*buflen = v.mv_size;
	}
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (env != NULL)
		mdb_env_close(env);
	return rc;
}

static void
raw_put(struct fixture *fx, const char *name, const void *data, size_t len)
{
	int rc;

	if ((rc = raw(fx->dir, "users", name, strlen(name), data, len, NULL,
	    NULL)) != 0)
		fail_msg("raw put %s: %s", name, mdb_strerror(rc));
}

/* The record format as documented in store.c, written independently. */
static size_t
encode(const struct store_user *u, uint8_t ver, uint8_t *buf, size_t cap)
{
	struct wire w;
	int i;

	wire_init(&w, buf, cap);
	assert_int_equal(wire_put_u8(&w, ver), PW_OK);
	assert_int_equal(wire_put_u8(&w, u->role), PW_OK);
	assert_int_equal(wire_put_u8(&w, u->suspended), PW_OK);
	for (i = 0; i <= PW_FACTOR_MAX; i++) {
		assert_int_equal(wire_put_str(&w, u->f[i].hash), PW_OK);
		assert_int_equal(wire_put_u32(&w, u->f[i].failures), PW_OK);
		assert_int_equal(wire_put_u8(&w, u->f[i].locked), PW_OK);
		assert_int_equal(wire_put_u8(&w, u->f[i].must_change), PW_OK);
		assert_int_equal(wire_put_u64(&w, (uint64_t)u->f[i].changed_at),
		    PW_OK);
	}
	assert_int_equal(wire_put_u8(&w, u->otp_state), PW_OK);
	assert_int_equal(wire_put_u32(&w, u->otp_failures), PW_OK);
	assert_int_equal(wire_put_u64(&w, (uint64_t)u->created_at), PW_OK);
	return w.len;
}

/* store_user_get with the store's log line (on stderr) silenced. */
static int
quiet_get(struct store *st, const char *name, struct store_user *u)
{
	int saved = dup(2), null = open("/dev/null", O_WRONLY | O_CLOEXEC), r;

	assert_true(saved >= 0 && null >= 0);
	fflush(stderr);
	dup2(null, 2);
	r = store_user_get(st, name, u);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(null);
	return r;
}

static void
assert_corrupt(struct fixture *fx, const char *name)
{
	struct store_user got, zero;

	memset(&zero, 0, sizeof(zero));
	memset(&got, 0xa5, sizeof(got));
	if (quiet_get(fx->st, name, &got) != PW_ERR_STORE)
		fail_msg("%s: a corrupted record was not a store error", name);
	assert_memory_equal(&got, &zero, sizeof(got)); /* nothing half-read */
}

/* The stored bytes are exactly the documented format. */
static void
test_record_format(void **state)
{
	struct fixture *fx = *state;
	uint8_t want[1024], got[1024];
	struct store_user u;
	size_t n, glen = sizeof(got);

	make_user(&u, "alice", PW_ROLE_MASTER);
	assert_int_equal(fx_user_add(fx->st, &u), PW_OK);
	store_close(fx->st);
	fx->st = NULL;
	assert_int_equal(raw(fx->dir, "users", "alice", 5, NULL, 0, got, &glen), 0);
	n = encode(&u, 1, want, sizeof(want));
	assert_int_equal(glen, n);
	assert_memory_equal(got, want, n);
	reopen(fx);
}

static void
test_corrupt_garbage(void **state)
{
	struct fixture *fx = *state;

	store_close(fx->st);
	fx->st = NULL;
	raw_put(fx, "mallory", "\xde\xad\xbe\xef garbage", 12);
	raw_put(fx, "empty", "", 0);
	reopen(fx);
	assert_corrupt(fx, "mallory");
	assert_corrupt(fx, "empty");
}

/* Every proper prefix of a valid record, and one byte too many. */
static void
test_corrupt_truncated(void **state)
{
	struct fixture *fx = *state;
	uint8_t rec[1024];
	struct store_user u;
	char name[32];
	size_t n, cut;

	make_user(&u, "t", PW_ROLE_USER);
	n = encode(&u, 1, rec, sizeof(rec) - 1);
	store_close(fx->st);
	fx->st = NULL;
	raw_put(fx, "whole", rec, n);
	for (cut = 0; cut < n; cut++) {
		snprintf(name, sizeof(name), "t%zu", cut);
		raw_put(fx, name, rec, cut);
	}
	rec[n] = 0;
	raw_put(fx, "trailing", rec, n + 1);
	reopen(fx);
	assert_int_equal(store_user_get(fx->st, "whole", &u), PW_OK);
	for (cut = 0; cut < n; cut++) {
		snprintf(name, sizeof(name), "t%zu", cut);
		assert_corrupt(fx, name);
	}
	assert_corrupt(fx, "trailing");
}

/* Field values outside their domain. */
static void
test_corrupt_fields(void **state)
{
	struct fixture *fx = *state;
	uint8_t rec[1024];
	struct store_user u;
	size_t n;

	store_close(fx->st);
	fx->st = NULL;
	make_user(&u, "x", PW_ROLE_USER);
	n = encode(&u, 2, rec, sizeof(rec)); /* unknown version */
	raw_put(fx, "version2", rec, n);
	n = encode(&u, 0, rec, sizeof(rec));
	raw_put(fx, "version0", rec, n);
	u.role = PW_ROLE_NONE;
	n = encode(&u, 1, rec, sizeof(rec));
	raw_put(fx, "role0", rec, n);
	u.role = PW_ROLE_MASTER + 1;
	n = encode(&u, 1, rec, sizeof(rec));
	raw_put(fx, "role4", rec, n);
	make_user(&u, "x", PW_ROLE_USER);
	u.otp_state = PW_OTP_LOCKED + 1;
	n = encode(&u, 1, rec, sizeof(rec));
	raw_put(fx, "otp3", rec, n);
	make_user(&u, "x", PW_ROLE_USER);
	n = encode(&u, 1, rec, sizeof(rec));
	rec[2] = 2; /* suspended is a bool */
	raw_put(fx, "bool2", rec, n);
	n = encode(&u, 1, rec, sizeof(rec));
	rec[3 + 4 + 5] = '\0'; /* a NUL inside the login hash */
	raw_put(fx, "hashnul", rec, n);
	memset(u.f[PW_FACTOR_LOGIN].hash, 'h', PWD_HASH_MAX - 1);
	n = encode(&u, 1, rec, sizeof(rec));
	rec[3 + 3] = PWD_HASH_MAX; /* one byte longer than the field */
	memmove(rec + 3 + 4 + PWD_HASH_MAX, rec + 3 + 4 + PWD_HASH_MAX - 1,
	    n - (3 + 4 + PWD_HASH_MAX - 1));
	rec[3 + 4 + PWD_HASH_MAX - 1] = 'h';
	raw_put(fx, "hashlong", rec, n + 1);
	reopen(fx);
	assert_corrupt(fx, "version2");
	assert_corrupt(fx, "version0");
	assert_corrupt(fx, "role0");
	assert_corrupt(fx, "role4");
	assert_corrupt(fx, "otp3");
	assert_corrupt(fx, "bool2");
	assert_corrupt(fx, "hashnul");
	assert_corrupt(fx, "hashlong");
}

/* A bad record makes scans and edits fail: it is never skipped. */
static void
test_corrupt_stops_scan_and_edit(void **state)
{
	static const char names[][PW_USER_MAX + 1] = { "alice", "mallory" };
	struct fixture *fx = *state;
	struct seen s;

	add(fx, "alice", PW_ROLE_USER);
	add(fx, "zoe", PW_ROLE_USER);
	store_close(fx->st);
	fx->st = NULL;
	raw_put(fx, "mallory", "\x01\x01", 2);
	reopen(fx);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_users_scan(fx->st, "", collect, &s), PW_ERR_STORE);
	assert_int_equal(fx_users_edit_all(fx->st, inc_login, NULL),
	    PW_ERR_STORE);
	assert_int_equal(store_users_edit(fx->st, names, 2, inc_login, NULL),
	    PW_ERR_STORE);
	assert_int_equal(login_failures(fx, "alice"), 3);
	assert_int_equal(login_failures(fx, "zoe"), 3);
}

/* A name longer than PW_USER_MAX in the store is corrupt too. */
static void
test_corrupt_long_key(void **state)
{
	struct fixture *fx = *state;
	char name[PW_USER_MAX + 2];
	uint8_t rec[1024];
	struct store_user u;
	size_t n;

	memset(name, 'k', PW_USER_MAX + 1);
	name[PW_USER_MAX + 1] = '\0';
	make_user(&u, "k", PW_ROLE_USER);
	n = encode(&u, 1, rec, sizeof(rec));
	store_close(fx->st);
	fx->st = NULL;
	raw_put(fx, name, rec, n);
	reopen(fx);
	assert_corrupt(fx, name);
}

/* A store of another schema version is refused at open. */
static void
test_schema_mismatch(void **state)
{
	struct fixture *fx = *state;
	char err[256] = "";
	int rc;

	store_close(fx->st);
	fx->st = NULL;
	if ((rc = raw(fx->dir, "meta", "schema", 6, "\x02", 1, NULL, NULL)) != 0)
		fail_msg("raw put: %s", mdb_strerror(rc));
	assert_int_equal(store_open(&fx->st, fx->dir, err, sizeof(err)),
	    PW_ERR_STORE);
	assert_null(fx->st);
	assert_non_null(strstr(err, "schema"));
	/* put it back so teardown can close a store */
	assert_int_equal(raw(fx->dir, "meta", "schema", 6, "\x01", 1, NULL, NULL), 0);
	reopen(fx);
}

static void
test_note_unknown(void **state)
{
	struct fixture *fx = *state;
	uint8_t buf[16];
	size_t len = sizeof(buf);
	int i;

	for (i = 0; i < 3; i++)
		assert_int_equal(store_note_unknown(fx->st), PW_OK);
	store_close(fx->st);
	fx->st = NULL;
	assert_int_equal(raw(fx->dir, "meta", "unknown_auth", 12, NULL, 0, buf,
	    &len), 0);
	assert_int_equal(len, 8);
	assert_memory_equal(buf, "\0\0\0\0\0\0\0\x03", 8);
	reopen(fx);
}

/* ==== Write transactions and the audit chain ==== */

/* What a store_write logged on stderr. */
struct captured {
	char text[4096];
};

/*
 * store_write(st, fn, arg) with stderr sent to a file, so that the audit
 * lines a commit logs can be checked (and do not clutter the test
 * output); what was logged is copied to out when it is not NULL.
 */
static int
capture_write(struct store *st, store_tx_fn fn, void *arg,
    struct captured *out)
{
	char path[] = "/tmp/pwadmin-test-log-XXXXXX";
	int saved, fd, r;
	ssize_t n;

	saved = dup(2);
	fd = mkstemp(path);
	assert_true(saved >= 0 && fd >= 0);
	assert_int_equal(unlink(path), 0);
	fflush(stderr);
	assert_int_equal(dup2(fd, 2), 2);
	r = store_write(st, fn, arg);
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	if (out != NULL) {
		memset(out, 0, sizeof(*out));
		n = pread(fd, out->text, sizeof(out->text) - 1, 0);
		assert_true(n >= 0);
	}
	close(fd);
	return r;
}

static void
make_entry(struct pw_audit *e, int64_t time, uint32_t uid, const char *actor,
    const char *action, const char *target, int32_t status,
    const char *detail)
{
	memset(e, 0, sizeof(*e));
	e->time = time;
	e->uid = uid;
	snprintf(e->actor, sizeof(e->actor), "%s", actor);
	snprintf(e->action, sizeof(e->action), "%s", action);
	snprintf(e->target, sizeof(e->target), "%s", target);
	e->status = status;
	snprintf(e->detail, sizeof(e->detail), "%s", detail);
}

/* Entries with every field varied; the fourth goes back in time. */
static const struct sample_entry {
	int64_t time;
	uint32_t uid;
	const char *actor, *action, *target;
	int32_t status;
	const char *detail;
} samples[] = {
	{ 1700000100, 1000, "alice", "unlock", "bob", PW_OK, "login password" },
	{ 1700000200, 0, "root", "reset", "carol", PW_OK, "" },
	{ 1700000300, 1001, "bob", "suspend", "alice", PW_ERR_PERM,
	    "refused: not a master" },
	{ 1700000250, 0, "pam", "lock", "dave", PW_OK, "5 failures" },
	{ 1700000500, 1000, "alice", "backup", "", PW_OK, "~!@#$%^&*() {}" },
	{ 1700000600, UINT32_MAX, "alice", "role", "b.o_b-1@x", PW_ERR_LAST,
	    "admin -> master" },
};

static void
sample(struct pw_audit *e, size_t i)
{
	const struct sample_entry *s = &samples[i];

	make_entry(e, s->time, s->uid, s->actor, s->action, s->target,
	    s->status, s->detail);
}

/* What store_write runs: appends n entries, then edits an account, then
 * returns `ret' (negative: abort). */
struct appends {
	struct pw_audit *e;
	size_t n;
	const char *edit; /* login failures become 99; NULL: none */
	int ret;
	int r;		  /* the first failure inside, or PW_OK */
};

static int
append_tx(struct store_tx *tx, void *arg)
{
	struct appends *a = arg;
	struct store_user u;
	size_t i;

	a->r = PW_OK;
	for (i = 0; i < a->n; i++)
		if ((a->r = store_tx_audit(tx, &a->e[i])) != PW_OK)
			return a->r;
	if (a->edit != NULL) {
		if ((a->r = store_tx_get(tx, a->edit, &u)) != PW_OK)
			return a->r;
		u.f[PW_FACTOR_LOGIN].failures = 99;
		if ((a->r = store_tx_put(tx, &u, false)) != PW_OK)
			return a->r;
	}
	return a->ret;
}

/* Appends e[0..n) in one committed transaction; checks the numbers. */
static void
append(struct fixture *fx, struct pw_audit *e, size_t n, uint64_t first)
{
	struct appends a = { e, n, NULL, PW_OK, PW_OK };
	size_t i;

	assert_int_equal(capture_write(fx->st, append_tx, &a, NULL), PW_OK);
	for (i = 0; i < n; i++)
		assert_true(e[i].seq == first + i);
}

static void
assert_entry(const struct pw_audit *got, const struct pw_audit *want)
{
	assert_true(got->seq == want->seq);
	assert_true(got->time == want->time);
	assert_int_equal(got->uid, want->uid);
	assert_string_equal(got->actor, want->actor);
	assert_string_equal(got->action, want->action);
	assert_string_equal(got->target, want->target);
	assert_int_equal(got->status, want->status);
	assert_string_equal(got->detail, want->detail);
	assert_memory_equal(got->hash, want->hash, PW_AUDIT_HASH);
}

/* store_audit_verify: the one call that knows its signature; its reason
 * in words, as the client shows it. */
static int
verify(struct store *st, uint64_t *count, uint8_t head[PW_AUDIT_HASH],
    char *why, size_t whysz)
{
	struct pw_why w;
	int r = store_audit_verify(st, count, head, &w);

	(void)pw_words(r, &w, why, whysz);
	return r;
}

/* The chain verifies with want entries (and the last one's hash, when
 * want_head is not NULL). */
static void
assert_verifies(struct store *st, uint64_t want, const uint8_t *want_head)
{
	uint8_t head[PW_AUDIT_HASH];
	char why[256];
	uint64_t count = 4242;
	int r;

	memset(why, 'x', sizeof(why));
	r = verify(st, &count, head, why, sizeof(why));
	if (r != PW_OK)
		fail_msg("verify: %d: %s", r, why);
	if (count != want)
		fail_msg("verify: %llu entries, want %llu",
		    (unsigned long long)count, (unsigned long long)want);
	assert_string_equal(why, "");
	if (want_head != NULL)
		assert_memory_equal(head, want_head, PW_AUDIT_HASH);
}

/* How many entries the log has before a test adds any (store_open
 * starts every log with an entry of its own). */
static uint64_t
base_of(struct store *st)
{
	uint8_t head[PW_AUDIT_HASH];
	char why[256];
	uint64_t count = 0;

	if (verify(st, &count, head, why, sizeof(why)) != PW_OK)
		fail_msg("verify: %s", why);
	return count;
}

/*
 * Reads with since, base + after and max, and checks the seqs against
 * base + want[i].
 */
static void
assert_read(struct fixture *fx, uint64_t base, int64_t since, uint64_t after,
    size_t max, const uint64_t *want, size_t nwant, bool want_more)
{
	struct pw_audit out[16];
	size_t n = 4242, i;
	bool more = !want_more;

	assert_true(max <= NELEM(out));
	after += base;
	assert_int_equal(store_audit_read(fx->st, since, after, out, max, &n,
	    &more), PW_OK);
	if (n != nwant || more != want_more)
		fail_msg("read since=%lld after=%llu max=%zu: %zu entries, "
		    "more=%d; want %zu, more=%d", (long long)since,
		    (unsigned long long)after, max, n, more, nwant, want_more);
	for (i = 0; i < n; i++)
		if (out[i].seq != base + want[i])
			fail_msg("read since=%lld after=%llu: entry %zu is seq "
			    "%llu, want %llu", (long long)since,
			    (unsigned long long)after, i,
			    (unsigned long long)out[i].seq,
			    (unsigned long long)(base + want[i]));
}

static void
test_audit_append_read(void **state)
{
	/* seqs after base */
	static const uint64_t all[] = { 1, 2, 3, 4, 5, 6 };
	static const uint64_t from3[] = { 3, 4, 5, 6 }, skip4[] = { 3, 5, 6 };
	struct fixture *fx = *state;
	struct pw_audit e[NELEM(samples)], out[16];
	uint64_t base = base_of(fx->st);
	size_t i, n;
	bool more;

	for (i = 0; i < NELEM(samples); i++)
		sample(&e[i], i);
	/* three in one transaction, two in another, one on its own */
	append(fx, e, 3, base + 1);
	append(fx, e + 3, 2, base + 4);
	assert_int_equal(store_audit_append(fx->st, &e[5]), PW_OK);
	assert_true(e[5].seq == base + 6);
	/* every hash differs from its predecessor's */
	for (i = 1; i < NELEM(e); i++)
		assert_memory_not_equal(e[i].hash, e[i - 1].hash,
		    PW_AUDIT_HASH);

	/* oldest first, with every field as written */
	n = 0;
	more = true;
	assert_int_equal(store_audit_read(fx->st, 0, base, out, NELEM(out),
	    &n, &more), PW_OK);
	assert_int_equal(n, NELEM(samples));
	assert_false(more);
	for (i = 0; i < n; i++)
		assert_entry(&out[i], &e[i]);
	reopen(fx);
	assert_int_equal(store_audit_read(fx->st, 0, base, out, NELEM(out),
	    &n, &more), PW_OK);
	assert_int_equal(n, NELEM(samples));
	for (i = 0; i < n; i++)
		assert_entry(&out[i], &e[i]);

	/* since: time >= since, a filter (entry 4 went back in time) */
	assert_read(fx, base, 0, 0, 16, all, 6, false);
	assert_read(fx, base, 1700000100, 0, 16, all, 6, false);
	assert_read(fx, base, 1700000101, 0, 16, all + 1, 5, false);
	assert_read(fx, base, 1700000250, 0, 16, from3, 4, false);
	assert_read(fx, base, 1700000251, 0, 16, skip4, 3, false);
	assert_read(fx, base, 1700000600, 0, 16, all + 5, 1, false);
	assert_read(fx, base, 1700000601, 0, 16, NULL, 0, false);
	assert_read(fx, base, INT64_MAX, 0, 16, NULL, 0, false);

	/* after: pages continue after the last seq of the previous one */
	assert_read(fx, base, 0, 0, 2, all, 2, true);
	assert_read(fx, base, 0, 2, 2, all + 2, 2, true);
	assert_read(fx, base, 0, 4, 2, all + 4, 2, false);
	assert_read(fx, base, 0, 6, 2, NULL, 0, false);
	assert_read(fx, base, 0, 0, 5, all, 5, true);
	assert_read(fx, base, 0, 0, 6, all, 6, false);
	assert_read(fx, base, 0, 5, 1, all + 5, 1, false);
	assert_read(fx, base, 0, 1000, 4, NULL, 0, false);
	assert_read(fx, 0, 0, UINT64_MAX, 4, NULL, 0, false); /* no base */
	/* max 0: nothing, but more says there is something */
	assert_read(fx, base, 0, 0, 0, NULL, 0, true);
	/* both: more counts only entries that pass the filter */
	assert_read(fx, base, 1700000251, 0, 1, all + 2, 1, true);
	assert_read(fx, base, 1700000251, 3, 1, all + 4, 1, true);
	assert_read(fx, base, 1700000251, 5, 1, all + 5, 1, false);
	assert_read(fx, base, 1700000600, 0, 1, all + 5, 1, false);

	assert_verifies(fx->st, base + 6, e[5].hash);
}

/* Big-endian seq, as the audit database's keys. */
static void
seq_bytes(uint64_t seq, uint8_t key[8])
{
	int i;

	for (i = 0; i < 8; i++)
		key[i] = (uint8_t)(seq >> (56 - 8 * i));
}

/* The raw environment, for reading the chain or tampering with it. */
struct raw_env {
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi audit, meta;
};

static void
raw_begin(struct raw_env *re, const char *dir)
{
	int rc;

	memset(re, 0, sizeof(*re));
	if ((rc = mdb_env_create(&re->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(re->env, 8)) != 0 ||
	    (rc = mdb_env_set_mapsize(re->env, (size_t)4 << 30)) != 0 ||
	    (rc = mdb_env_open(re->env, dir, MDB_NOTLS, 0600)) != 0 ||
	    (rc = mdb_txn_begin(re->env, NULL, 0, &re->txn)) != 0 ||
	    (rc = mdb_dbi_open(re->txn, "audit", 0, &re->audit)) != 0 ||
	    (rc = mdb_dbi_open(re->txn, "meta", 0, &re->meta)) != 0)
		fail_msg("raw open %s: %s", dir, mdb_strerror(rc));
}

static void
raw_end(struct raw_env *re)
{
	int rc;

	if ((rc = mdb_txn_commit(re->txn)) != 0)
		fail_msg("raw commit: %s", mdb_strerror(rc));
	mdb_env_close(re->env);
}

/* Copies entry seq's value into buf; returns its length. */
static size_t
raw_entry(struct raw_env *re, uint64_t seq, uint8_t *buf, size_t cap)
{
	uint8_t key[8];
	MDB_val k = { sizeof(key), key }, v;
	int rc;

	seq_bytes(seq, key);
	if ((rc = mdb_get(re->txn, re->audit, &k, &v)) != 0)
		fail_msg("raw get %llu: %s", (unsigned long long)seq,
		    mdb_strerror(rc));
	assert_true(v.mv_size <= cap);
	memcpy(buf, v.mv_data, v.mv_size);
	return v.mv_size;
}

static void
raw_entry_put(struct raw_env *re, uint64_t seq, const uint8_t *buf,
    size_t len)
{
	uint8_t key[8];
	MDB_val k = { sizeof(key), key }, v = { len, (void *)(uintptr_t)buf };
	int rc;

	seq_bytes(seq, key);
	if ((rc = mdb_put(re->txn, re->audit, &k, &v, 0)) != 0)
		fail_msg("raw put %llu: %s", (unsigned long long)seq,
		    mdb_strerror(rc));
}

static void
raw_entry_del(struct raw_env *re, uint64_t seq)
{
	uint8_t key[8];
	MDB_val k = { sizeof(key), key };
	int rc;

	seq_bytes(seq, key);
	if ((rc = mdb_del(re->txn, re->audit, &k, NULL)) != 0)
		fail_msg("raw del %llu: %s", (unsigned long long)seq,
		    mdb_strerror(rc));
}

#define HEAD_KEY "audit_head"

/* The head: 8-byte seq and the last hash; returns its length. */
static size_t
raw_head(struct raw_env *re, uint8_t *buf, size_t cap)
{
	MDB_val k = { sizeof(HEAD_KEY) - 1, (void *)(uintptr_t)HEAD_KEY }, v;
	int rc;

	if ((rc = mdb_get(re->txn, re->meta, &k, &v)) != 0)
		fail_msg("raw head: %s", mdb_strerror(rc));
	assert_true(v.mv_size <= cap);
	memcpy(buf, v.mv_data, v.mv_size);
	return v.mv_size;
}

static void
raw_head_del(struct raw_env *re)
{
	MDB_val k = { sizeof(HEAD_KEY) - 1, (void *)(uintptr_t)HEAD_KEY };
	int rc;

	if ((rc = mdb_del(re->txn, re->meta, &k, NULL)) != 0)
		fail_msg("raw head del: %s", mdb_strerror(rc));
}

/* An entry's body as documented in store.c, written independently. */
static size_t
audit_encode(const struct pw_audit *e, uint8_t *buf, size_t cap)
{
	struct wire w;

	wire_init(&w, buf, cap);
	assert_int_equal(wire_put_u8(&w, 1), PW_OK);
	assert_int_equal(wire_put_u64(&w, (uint64_t)e->time), PW_OK);
	assert_int_equal(wire_put_u32(&w, e->uid), PW_OK);
	assert_int_equal(wire_put_str(&w, e->actor), PW_OK);
	assert_int_equal(wire_put_str(&w, e->action), PW_OK);
	assert_int_equal(wire_put_str(&w, e->target), PW_OK);
	assert_int_equal(wire_put_u32(&w, (uint32_t)-e->status), PW_OK);
	assert_int_equal(wire_put_str(&w, e->detail), PW_OK);
	return w.len;
}

/*
 * The chain recomputed outside the store: each value is the body then
 * the hash as a byte string, the hash is BLAKE2b-256 over the previous
 * hash (zeros for entry 1), the 8-byte key and the body, and the head is
 * the last seq and its hash.  Anyone holding the log can check it.
 */
static void
test_audit_chain_format(void **state)
{
	struct fixture *fx = *state;
	struct pw_audit e[3], out[8];
	uint8_t prev[PW_AUDIT_HASH], want[PW_AUDIT_HASH], key[8];
	uint8_t val[1024], body[1024], head[64];
	uint64_t base = base_of(fx->st);
	struct raw_env re;
	size_t i, n, nv, nb;
	bool more;

	for (i = 0; i < NELEM(e); i++)
		sample(&e[i], i);
	append(fx, e, NELEM(e), base + 1);
	/* every entry, the one store_open wrote included */
	assert_int_equal(store_audit_read(fx->st, INT64_MIN, 0, out,
	    NELEM(out), &n, &more), PW_OK);
	assert_int_equal(n, base + NELEM(e));
	for (i = 0; i < NELEM(e); i++)
		assert_entry(&out[base + i], &e[i]);
	store_close(fx->st);
	fx->st = NULL;
	raw_begin(&re, fx->dir);
	memset(prev, 0, sizeof(prev));
	for (i = 0; i < n; i++) {
		nv = raw_entry(&re, i + 1, val, sizeof(val));
		nb = audit_encode(&out[i], body, sizeof(body));
		assert_int_equal(nv, nb + 4 + PW_AUDIT_HASH);
		assert_memory_equal(val, body, nb);
		assert_memory_equal(val + nb, "\0\0\0\x20", 4);
		seq_bytes(i + 1, key);
		verify_chain(prev, key, sizeof(key), body, nb, want);
		assert_memory_equal(val + nb + 4, want, PW_AUDIT_HASH);
		assert_memory_equal(out[i].hash, want, PW_AUDIT_HASH);
		memcpy(prev, want, sizeof(prev));
	}
	assert_int_equal(raw_head(&re, head, sizeof(head)), 8 + PW_AUDIT_HASH);
	seq_bytes(n, key);
	assert_memory_equal(head, key, 8);
	assert_memory_equal(head + 8, e[2].hash, PW_AUDIT_HASH);
	mdb_txn_abort(re.txn);
	mdb_env_close(re.env);
	reopen(fx);
}

/*
 * A new store's log starts with one entry of store_open's own, which
 * verifies; opening again adds none, and account writes add none.
 */
static void
test_audit_new_store(void **state)
{
	struct fixture *fx = *state;
	struct pw_audit out[4];
	struct store *st = NULL;
	char dir[PATH_MAX], err[256] = "";
	int64_t t0, t1;
	size_t n = 4242;
	bool more = true;

	snprintf(dir, sizeof(dir), "%s/new", fx->dir);
	t0 = (int64_t)time(NULL);
	if (store_open(&st, dir, err, sizeof(err)) != PW_OK)
		fail_msg("%s", err);
	t1 = (int64_t)time(NULL);
	assert_int_equal(store_audit_read(st, INT64_MIN, 0, out, NELEM(out),
	    &n, &more), PW_OK);
	assert_int_equal(n, 1);
	assert_false(more);
	assert_true(out[0].seq == 1);
	assert_true(out[0].time >= t0 && out[0].time <= t1);
	assert_int_equal(out[0].uid, geteuid());
	assert_string_equal(out[0].actor, "pwadmind");
	assert_string_equal(out[0].action, "start");
	assert_string_equal(out[0].target, "");
	assert_int_equal(out[0].status, PW_OK);
	assert_verifies(st, 1, out[0].hash);
	store_close(st);
	st = NULL;
	if (store_open(&st, dir, err, sizeof(err)) != PW_OK)
		fail_msg("%s", err);
	assert_verifies(st, 1, out[0].hash);
	store_close(st);
	/* the fixture's store too; accounts are not audited by the store */
	assert_verifies(fx->st, 1, NULL);
	add(fx, "alice", PW_ROLE_USER);
	assert_int_equal(store_user_edit(fx->st, "alice", inc_login, NULL),
	    PW_OK);
	assert_verifies(fx->st, 1, NULL);
}

/*
 * A store without any log (made before the log existed: no entry, no
 * head) gets a new one at open, its accounts untouched.
 */
static void
test_audit_started_on_old_store(void **state)
{
	struct fixture *fx = *state;
	struct raw_env re;
	uint64_t base = base_of(fx->st), s;

	add(fx, "alice", PW_ROLE_USER);
	store_close(fx->st);
	fx->st = NULL;
	raw_begin(&re, fx->dir);
	for (s = 1; s <= base; s++)
		raw_entry_del(&re, s);
	raw_head_del(&re);
	raw_end(&re);
	reopen(fx);
	assert_verifies(fx->st, 1, NULL);
	assert_int_equal(login_failures(fx, "alice"), 3);
}

/*
 * A transaction that appends an entry and changes an account, then fails:
 * neither is stored, nothing is logged, and the next entry takes the
 * number the aborted one had, so the chain has no gap.
 */
static void
test_audit_abort_is_atomic(void **state)
{
	struct fixture *fx = *state;
	struct pw_audit e[3], out[4];
	uint64_t base = base_of(fx->st);
	struct appends a;
	struct captured log;
	char want[64];
	size_t n;
	bool more;

	add(fx, "alice", PW_ROLE_USER);
	sample(&e[0], 0);
	append(fx, e, 1, base + 1);

	sample(&e[1], 1);
	a = (struct appends){ &e[1], 1, "alice", PW_ERR_PERM, PW_OK };
	assert_int_equal(capture_write(fx->st, append_tx, &a, &log),
	    PW_ERR_PERM);
	assert_int_equal(a.r, PW_OK); /* both steps succeeded inside */
	assert_true(e[1].seq == base + 2);
	assert_null(strstr(log.text, "audit"));
	assert_int_equal(login_failures(fx, "alice"), 3);
	assert_int_equal(store_audit_read(fx->st, 0, base, out, NELEM(out),
	    &n, &more), PW_OK);
	assert_int_equal(n, 1);
	assert_entry(&out[0], &e[0]);
	assert_verifies(fx->st, base + 1, e[0].hash);

	/* a callback error after only the append: the same */
	sample(&e[1], 1);
	a = (struct appends){ &e[1], 1, NULL, PW_ERR_LASTMASTER, PW_OK };
	assert_int_equal(capture_write(fx->st, append_tx, &a, NULL),
	    PW_ERR_LASTMASTER);
	assert_verifies(fx->st, base + 1, e[0].hash);

	/* the next committed append takes the number, chained to the last */
	sample(&e[2], 2);
	a = (struct appends){ &e[2], 1, "alice", PW_OK, PW_OK };
	assert_int_equal(capture_write(fx->st, append_tx, &a, &log), PW_OK);
	assert_true(e[2].seq == base + 2);
	snprintf(want, sizeof(want), "audit seq=%llu ",
	    (unsigned long long)(base + 2));
	assert_non_null(strstr(log.text, want));
	snprintf(want, sizeof(want), "audit seq=%llu ",
	    (unsigned long long)(base + 3));
	assert_null(strstr(log.text, want));
	assert_int_equal(login_failures(fx, "alice"), 99);
	assert_int_equal(store_audit_read(fx->st, 0, base, out, NELEM(out),
	    &n, &more), PW_OK);
	assert_int_equal(n, 2);
	assert_entry(&out[0], &e[0]);
	assert_entry(&out[1], &e[2]);
	assert_verifies(fx->st, base + 2, e[2].hash);
	reopen(fx);
	assert_verifies(fx->st, base + 2, e[2].hash);
	assert_int_equal(login_failures(fx, "alice"), 99);
}

/* What store_tx_audit refuses: nothing is stored, no number is used. */
struct bad_entry {
	const char *what;
	void (*spoil)(struct pw_audit *e);
};

static void
spoil_actor_empty(struct pw_audit *e)
{
	e->actor[0] = '\0';
}

static void
spoil_actor_ctl(struct pw_audit *e)
{
	e->actor[2] = '\t';
}

static void
spoil_actor_space(struct pw_audit *e)
{
	e->actor[1] = ' ';
}

static void
spoil_actor_long(struct pw_audit *e)
{
	memset(e->actor, 'a', sizeof(e->actor)); /* no NUL in the field */
}

static void
spoil_detail_newline(struct pw_audit *e)
{
	snprintf(e->detail, sizeof(e->detail), "two\nlines");
}

static void
spoil_detail_esc(struct pw_audit *e)
{
	snprintf(e->detail, sizeof(e->detail), "colour \x1b[31m");
}

static void
spoil_detail_del(struct pw_audit *e)
{
	snprintf(e->detail, sizeof(e->detail), "x\x7f");
}

static void
spoil_detail_high(struct pw_audit *e)
{
	snprintf(e->detail, sizeof(e->detail), "caf\xc3\xa9");
}

static void
spoil_detail_long(struct pw_audit *e)
{
	memset(e->detail, 'd', sizeof(e->detail));
}

static void
spoil_action_long(struct pw_audit *e)
{
	memset(e->action, 'a', sizeof(e->action)); /* PW_ACTION_MAX + 1 */
}

static void
spoil_action_ctl(struct pw_audit *e)
{
	snprintf(e->action, sizeof(e->action), "un\rlock");
}

static void
spoil_action_space(struct pw_audit *e)
{
	snprintf(e->action, sizeof(e->action), "un lock");
}

static void
spoil_status(struct pw_audit *e)
{
	e->status = PW_ERR_LAST - 1;
}

static void
spoil_status_positive(struct pw_audit *e)
{
	e->status = 1;
}

static void
spoil_status_min(struct pw_audit *e)
{
	e->status = INT32_MIN;
}

static void
spoil_target_space(struct pw_audit *e)
{
	snprintf(e->target, sizeof(e->target), "bob smith");
}

static void
spoil_target_dash(struct pw_audit *e)
{
	snprintf(e->target, sizeof(e->target), "-bob");
}

static void
spoil_target_dot(struct pw_audit *e)
{
	snprintf(e->target, sizeof(e->target), ".bob");
}

static void
spoil_target_slash(struct pw_audit *e)
{
	snprintf(e->target, sizeof(e->target), "../bob");
}

static const struct bad_entry bad_entries[] = {
	{ "empty actor", spoil_actor_empty },
	{ "tab in actor", spoil_actor_ctl },
	{ "space in actor", spoil_actor_space },
	{ "actor over PW_ACTOR_MAX", spoil_actor_long },
	{ "newline in detail", spoil_detail_newline },
	{ "escape in detail", spoil_detail_esc },
	{ "DEL in detail", spoil_detail_del },
	{ "non-ASCII detail", spoil_detail_high },
	{ "detail over PW_DETAIL_MAX", spoil_detail_long },
	{ "action over PW_ACTION_MAX", spoil_action_long },
	{ "CR in action", spoil_action_ctl },
	{ "space in action", spoil_action_space },
	{ "unknown status", spoil_status },
	{ "positive status", spoil_status_positive },
	{ "INT32_MIN status", spoil_status_min },
	{ "space in target", spoil_target_space },
	{ "target starting with -", spoil_target_dash },
	{ "target starting with .", spoil_target_dot },
	{ "slash in target", spoil_target_slash },
};

/* Tries a bad entry, then a good one, in the same transaction. */
struct bad_try {
	struct pw_audit bad, good;
	int rbad;
};

static int
bad_then_good_tx(struct store_tx *tx, void *arg)
{
	struct bad_try *t = arg;

	t->rbad = store_tx_audit(tx, &t->bad);
	return store_tx_audit(tx, &t->good);
}

static int
one_entry_tx(struct store_tx *tx, void *arg)
{
	return store_tx_audit(tx, arg);
}

static void
test_audit_refuses_invalid(void **state)
{
	struct fixture *fx = *state;
	struct pw_audit out[NELEM(bad_entries) + 2];
	uint64_t base = base_of(fx->st);
	struct bad_try t;
	size_t i, n;
	bool more;

	for (i = 0; i < NELEM(bad_entries); i++) {
		sample(&t.bad, 0);
		bad_entries[i].spoil(&t.bad);
		sample(&t.good, 1);
		t.rbad = 4242;
		assert_int_equal(capture_write(fx->st, bad_then_good_tx, &t,
		    NULL), PW_OK);
		if (t.rbad != PW_ERR_INVAL)
			fail_msg("%s: %d, want PW_ERR_INVAL",
			    bad_entries[i].what, t.rbad);
		/* the refused entry took no number */
		assert_true(t.good.seq == base + i + 1);
		/* and alone, it fails its transaction */
		sample(&t.bad, 0);
		bad_entries[i].spoil(&t.bad);
		assert_int_equal(capture_write(fx->st, one_entry_tx, &t.bad,
		    NULL), PW_ERR_INVAL);
	}
	assert_int_equal(store_audit_read(fx->st, 0, base, out, NELEM(out),
	    &n, &more), PW_OK);
	assert_int_equal(n, NELEM(bad_entries));
	for (i = 0; i < n; i++) {
		assert_true(out[i].seq == base + i + 1);
		assert_string_equal(out[i].detail, samples[1].detail);
	}
	assert_verifies(fx->st, base + NELEM(bad_entries), t.good.hash);
}

/* The edges that are accepted: every maximum exactly, empty fields. */
static void
test_audit_accepts_limits(void **state)
{
	struct fixture *fx = *state;
	struct pw_audit e[2], out[2];
	uint64_t base = base_of(fx->st);
	size_t i, n;
	bool more;

	make_entry(&e[0], -86400, 0, "", "", "", PW_OK, "");
	memset(e[0].actor, '~', PW_ACTOR_MAX);
	memset(e[0].action, '!', PW_ACTION_MAX);
	memset(e[0].target, 'T', PW_USER_MAX);
	memset(e[0].detail, '!', PW_DETAIL_MAX);
	make_entry(&e[1], INT64_MAX, UINT32_MAX, "x", "", "", PW_ERR_AUDIT,
	    "");
	append(fx, e, 2, base + 1);
	assert_int_equal(store_audit_read(fx->st, INT64_MIN, base, out, 2, &n,
	    &more), PW_OK);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++)
		assert_entry(&out[i], &e[i]);
	assert_verifies(fx->st, base + 2, e[1].hash);
}

/* ---- Tampering, with the store closed (raw LMDB) ---- */

/*
 * A store's log is its first `base' entries (store_open's), then NTAMPER
 * written by the test, "detail of entry N" for N = 1..NTAMPER, numbered
 * base + N.  Each tamper function gets base.
 */
#define NTAMPER 5

static void
tamper_none(struct raw_env *re, uint64_t base)
{
	(void)re;
	(void)base;
}

/* Changes the digit of "entry 3" in its detail (still printable). */
static void
tamper_detail_byte(struct raw_env *re, uint64_t base)
{
	uint8_t v[1024];
	size_t n = raw_entry(re, base + 3, v, sizeof(v));
	uint8_t *p = memmem(v, n, "entry 3", 7);

	assert_non_null(p);
	p[6] = '7';
	raw_entry_put(re, base + 3, v, n);
}

/* A control character in the detail: the entry does not even decode. */
static void
tamper_detail_ctl(struct raw_env *re, uint64_t base)
{
	uint8_t v[1024];
	size_t n = raw_entry(re, base + 3, v, sizeof(v));
	uint8_t *p = memmem(v, n, "entry 3", 7);

	assert_non_null(p);
	p[5] = '\n';
	raw_entry_put(re, base + 3, v, n);
}

/* A space in entry 3's actor ("bob") or action ("suspend"): the words
 * of an entry have none, so the entry does not decode (proto_audit_valid). */
static void
tamper_word_space(struct raw_env *re, uint64_t base, const char *word,
    size_t at)
{
	uint8_t v[1024];
	size_t n = raw_entry(re, base + 3, v, sizeof(v));
	uint8_t *p = memmem(v, n, word, strlen(word));

	assert_non_null(p);
	assert_null(memmem(p + 1, n - (size_t)(p + 1 - v), word,
	    strlen(word)));
	p[at] = ' ';
	raw_entry_put(re, base + 3, v, n);
}

static void
tamper_actor_space(struct raw_env *re, uint64_t base)
{
	tamper_word_space(re, base, "bob", 1);
}

static void
tamper_action_space(struct raw_env *re, uint64_t base)
{
	tamper_word_space(re, base, "suspend", 3);
}

/* The time field (right after the version byte). */
static void
tamper_time(struct raw_env *re, uint64_t base)
{
	uint8_t v[1024];
	size_t n = raw_entry(re, base + 2, v, sizeof(v));

	v[8] ^= 1;
	raw_entry_put(re, base + 2, v, n);
}

/* The stored hash of the last entry. */
static void
tamper_last_hash(struct raw_env *re, uint64_t base)
{
	uint8_t v[1024];
	size_t n = raw_entry(re, base + NTAMPER, v, sizeof(v));

	v[n - 1] ^= 0x80;
	raw_entry_put(re, base + NTAMPER, v, n);
}

static void
tamper_del_first(struct raw_env *re, uint64_t base)
{
	(void)base;
	raw_entry_del(re, 1);
}

static void
tamper_del_middle(struct raw_env *re, uint64_t base)
{
	raw_entry_del(re, base + 3);
}

static void
tamper_del_last(struct raw_env *re, uint64_t base)
{
	raw_entry_del(re, base + NTAMPER);
}

static void
tamper_del_all(struct raw_env *re, uint64_t base)
{
	uint64_t s;

	for (s = 1; s <= base + NTAMPER; s++)
		raw_entry_del(re, s);
}

static void
tamper_swap(struct raw_env *re, uint64_t base)
{
	uint8_t a[1024], b[1024];
	size_t na = raw_entry(re, base + 2, a, sizeof(a));
	size_t nb = raw_entry(re, base + 4, b, sizeof(b));

	raw_entry_put(re, base + 2, b, nb);
	raw_entry_put(re, base + 4, a, na);
}

/* The last entry moved to the next number. */
static void
tamper_renumber(struct raw_env *re, uint64_t base)
{
	uint8_t v[1024];
	size_t n = raw_entry(re, base + NTAMPER, v, sizeof(v));

	raw_entry_del(re, base + NTAMPER);
	raw_entry_put(re, base + NTAMPER + 1, v, n);
}

/* A copy of the last entry added after it. */
static void
tamper_extra(struct raw_env *re, uint64_t base)
{
	uint8_t v[1024];
	size_t n = raw_entry(re, base + NTAMPER, v, sizeof(v));

	raw_entry_put(re, base + NTAMPER + 1, v, n);
}

static void
tamper_head_hash(struct raw_env *re, uint64_t base)
{
	MDB_val k = { sizeof(HEAD_KEY) - 1, (void *)(uintptr_t)HEAD_KEY }, v;
	uint8_t h[64];
	size_t n = raw_head(re, h, sizeof(h));

	(void)base;
	h[8 + 5] ^= 1;
	v.mv_size = n;
	v.mv_data = h;
	assert_int_equal(mdb_put(re->txn, re->meta, &k, &v, 0), 0);
}

/*
 * The reason verify must give: "{k}" stands for entry base + k, other
 * numbers are what they say.
 */
static const struct tamper_case {
	const char *what;
	void (*tamper)(struct raw_env *re, uint64_t base);
	int want;
	const char *why;
} tamper_cases[] = {
	{ "intact", tamper_none, PW_OK, NULL },
	{ "detail byte", tamper_detail_byte, PW_ERR_AUDIT,
	    "Audit entry {3} does not match" },
	{ "detail control", tamper_detail_ctl, PW_ERR_AUDIT,
	    "Audit entry {3} does not decode" },
	{ "space in actor", tamper_actor_space, PW_ERR_AUDIT,
	    "Audit entry {3} does not decode" },
	{ "space in action", tamper_action_space, PW_ERR_AUDIT,
	    "Audit entry {3} does not decode" },
	{ "time", tamper_time, PW_ERR_AUDIT, "Audit entry {2} does not match" },
	{ "last hash", tamper_last_hash, PW_ERR_AUDIT,
	    "Audit entry {5} does not match" },
	{ "first deleted", tamper_del_first, PW_ERR_AUDIT,
	    "Audit entry 1 is missing" },
	{ "middle deleted", tamper_del_middle, PW_ERR_AUDIT,
	    "Audit entry {3} is missing" },
	{ "last deleted", tamper_del_last, PW_ERR_AUDIT,
	    "ends at entry {4} but its head names entry {5}" },
	{ "all deleted", tamper_del_all, PW_ERR_AUDIT,
	    "ends at entry 0 but its head names entry {5}" },
	{ "2 and 4 swapped", tamper_swap, PW_ERR_AUDIT,
	    "Audit entry {2} does not match" },
	{ "last renumbered", tamper_renumber, PW_ERR_AUDIT,
	    "Audit entry {5} is missing" },
	{ "entry after the head", tamper_extra, PW_ERR_AUDIT,
	    "Audit entry {6} does not match" },
	{ "head hash", tamper_head_hash, PW_ERR_AUDIT,
	    "ends at entry {5} but its head names entry {5}" },
};

/* Writes pattern into buf with every "{k}" replaced by base + k. */
static void
expand(char *buf, size_t cap, const char *pattern, uint64_t base)
{
	size_t len = 0;
	unsigned long k;
	char *end;

	buf[0] = '\0';
	while (*pattern != '\0' && len + 1 < cap) {
		if (*pattern != '{') {
			buf[len++] = *pattern++;
			buf[len] = '\0';
			continue;
		}
		k = strtoul(pattern + 1, &end, 10);
		assert_true(*end == '}');
		snprintf(buf + len, cap - len, "%llu",
		    (unsigned long long)(base + k));
		len += strlen(buf + len);
		pattern = end + 1;
	}
}

/* A fresh store in dir with NTAMPER entries; returns its base. */
static uint64_t
seed_log(const char *dir, struct pw_audit e[NTAMPER])
{
	struct appends a = { e, NTAMPER, NULL, PW_OK, PW_OK };
	struct store *st = NULL;
	char err[256] = "";
	uint64_t base;
	size_t i;

	for (i = 0; i < NTAMPER; i++) {
		sample(&e[i], i);
		snprintf(e[i].detail, sizeof(e[i].detail),
		    "detail of entry %zu", i + 1);
	}
	if (store_open(&st, dir, err, sizeof(err)) != PW_OK)
		fail_msg("%s: %s", dir, err);
	base = base_of(st);
	assert_int_equal(capture_write(st, append_tx, &a, NULL), PW_OK);
	assert_verifies(st, base + NTAMPER, e[NTAMPER - 1].hash);
	store_close(st);
	return base;
}

static void
test_audit_tamper(void **state)
{
	struct fixture *fx = *state;
	const struct tamper_case *c;
	struct pw_audit e[NTAMPER];
	struct raw_env re;
	struct store *st;
	char dir[PATH_MAX], why[256], want[256], err[256] = "";
	uint8_t head[PW_AUDIT_HASH];
	uint64_t base, count;
	size_t i;
	int r;

	for (i = 0; i < NELEM(tamper_cases); i++) {
		c = &tamper_cases[i];
		snprintf(dir, sizeof(dir), "%s/t%zu", fx->dir, i);
		base = seed_log(dir, e);
		raw_begin(&re, dir);
		c->tamper(&re, base);
		raw_end(&re);
		st = NULL;
		if (store_open(&st, dir, err, sizeof(err)) != PW_OK)
			fail_msg("%s: reopen: %s", c->what, err);
		memset(why, 'x', sizeof(why));
		count = 4242;
		r = verify(st, &count, head, why, sizeof(why));
		store_close(st);
		if (r != c->want)
			fail_msg("%s: verify %d, want %d (%s)", c->what, r,
			    c->want, why);
		if (c->why == NULL) {
			assert_true(count == base + NTAMPER);
			assert_string_equal(why, "");
			assert_memory_equal(head, e[NTAMPER - 1].hash,
			    PW_AUDIT_HASH);
			continue;
		}
		expand(want, sizeof(want), c->why, base);
		if (strstr(why, want) == NULL)
			fail_msg("%s: \"%s\" does not say \"%s\"", c->what, why,
			    want);
	}
}

/*
 * The head deleted while entries exist: the store still opens, verify
 * names the last entry, and an append (which would be number 1 again) is
 * refused rather than overwrite the entry there.
 */
static void
test_audit_head_deleted(void **state)
{
	struct fixture *fx = *state;
	struct pw_audit e[NTAMPER], extra, out[NTAMPER + 2];
	struct raw_env re;
	struct store *st = NULL;
	char dir[PATH_MAX], why[256], want[256], err[256] = "";
	uint8_t before[1024], after[1024], head[PW_AUDIT_HASH];
	uint64_t base, count;
	size_t nb, na, n;
	bool more;

	snprintf(dir, sizeof(dir), "%s/nohead", fx->dir);
	base = seed_log(dir, e);
	raw_begin(&re, dir);
	nb = raw_entry(&re, 1, before, sizeof(before));
	raw_head_del(&re);
	raw_end(&re);
	if (store_open(&st, dir, err, sizeof(err)) != PW_OK)
		fail_msg("a store whose audit head is gone does not open, so "
		    "verify cannot say what is wrong: %s", err);
	assert_int_equal(verify(st, &count, head, why, sizeof(why)),
	    PW_ERR_AUDIT);
	expand(want, sizeof(want), "ends at entry {5} but its head", base);
	if (strstr(why, want) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", why, want);
	sample(&extra, 2);
	assert_int_equal(capture_write(st, one_entry_tx, &extra, NULL),
	    PW_ERR_STORE);
	assert_int_equal(store_audit_read(st, INT64_MIN, 0, out, NELEM(out),
	    &n, &more), PW_OK);
	assert_int_equal(n, base + NTAMPER);
	store_close(st);
	raw_begin(&re, dir);
	na = raw_entry(&re, 1, after, sizeof(after));
	mdb_txn_abort(re.txn);
	mdb_env_close(re.env);
	assert_int_equal(na, nb);
	assert_memory_equal(after, before, nb);
}

/* ---- Account operations inside a transaction ---- */

/* Records the first failed check inside a transaction and aborts it, so
 * that the assertion runs after store_write has released it. */
#define TX_CHECK(t, cond)                       \
	do {                                    \
		if (!(cond)) {                  \
			(t)->line = __LINE__;   \
			return PW_ERR_INTERNAL; \
		}                               \
	} while (0)

struct scan_seen {
	char names[64];
	uint32_t alice_failures;
	size_t calls, stop_at;
	int ret; /* returned on the stop_at-th call */
};

static int
scan_names(const struct store_user *u, void *arg)
{
	struct scan_seen *s = arg;

	snprintf(s->names + strlen(s->names), sizeof(s->names) -
	    strlen(s->names), "%s%s", s->calls > 0 ? " " : "", u->name);
	if (strcmp(u->name, "alice") == 0)
		s->alice_failures = u->f[PW_FACTOR_LOGIN].failures;
	return ++s->calls == s->stop_at ? s->ret : 0;
}

struct tx_ops {
	struct store *st;
	int line;
};

static int
tx_ops(struct store_tx *tx, void *arg)
{
	struct tx_ops *t = arg;
	struct store_user u, outside;
	struct scan_seen s;

	/* get */
	memset(&u, 0xa5, sizeof(u));
	TX_CHECK(t, store_tx_get(tx, "alice", &u) == PW_OK);
	TX_CHECK(t, strcmp(u.name, "alice") == 0 && u.role == PW_ROLE_USER &&
	    u.f[PW_FACTOR_LOGIN].failures == 3);
	memset(&u, 0xa5, sizeof(u));
	TX_CHECK(t, store_tx_get(tx, "nobody", &u) == PW_ERR_NOUSER);
	TX_CHECK(t, u.name[0] == '\0');
	/* put, create */
	make_user(&u, "carol", PW_ROLE_ADMIN);
	TX_CHECK(t, store_tx_put(tx, &u, true) == PW_OK);
	make_user(&u, "alice", PW_ROLE_MASTER);
	TX_CHECK(t, store_tx_put(tx, &u, true) == PW_ERR_EXISTS);
	TX_CHECK(t, store_tx_get(tx, "alice", &u) == PW_OK &&
	    u.role == PW_ROLE_USER);
	/* put, overwrite, and a new name without create */
	u.f[PW_FACTOR_LOGIN].failures = 42;
	TX_CHECK(t, store_tx_put(tx, &u, false) == PW_OK);
	make_user(&u, "erin", PW_ROLE_USER);
	TX_CHECK(t, store_tx_put(tx, &u, false) == PW_OK);
	/* del */
	TX_CHECK(t, store_tx_del(tx, "bob") == PW_OK);
	TX_CHECK(t, store_tx_del(tx, "bob") == PW_ERR_NOUSER);
	TX_CHECK(t, store_tx_del(tx, "nobody") == PW_ERR_NOUSER);
	TX_CHECK(t, store_tx_get(tx, "bob", &u) == PW_ERR_NOUSER);
	/* the scan sees this transaction's own changes */
	memset(&s, 0, sizeof(s));
	TX_CHECK(t, store_tx_scan(tx, scan_names, &s) == PW_OK);
	TX_CHECK(t, strcmp(s.names, "alice carol erin") == 0);
	TX_CHECK(t, s.alice_failures == 42);
	/* a reader outside does not, before the commit */
	TX_CHECK(t, store_user_get(t->st, "carol", &outside) ==
	    PW_ERR_NOUSER);
	TX_CHECK(t, store_user_get(t->st, "bob", &outside) == PW_OK);
	TX_CHECK(t, store_user_get(t->st, "alice", &outside) == PW_OK &&
	    outside.f[PW_FACTOR_LOGIN].failures == 3);
	return PW_OK;
}

static void
test_tx_ops(void **state)
{
	struct fixture *fx = *state;
	struct tx_ops t = { fx->st, 0 };
	struct store_user u;
	uint64_t base = base_of(fx->st);
	int r;

	add(fx, "alice", PW_ROLE_USER);
	add(fx, "bob", PW_ROLE_ADMIN);
	r = capture_write(fx->st, tx_ops, &t, NULL);
	if (t.line != 0)
		fail_msg("check at line %d failed inside the transaction",
		    t.line);
	assert_int_equal(r, PW_OK);
	assert_scan(fx, "", 0, "alice carol erin");
	assert_int_equal(login_failures(fx, "alice"), 42);
	assert_int_equal(store_user_get(fx->st, "bob", &u), PW_ERR_NOUSER);
	assert_int_equal(store_user_get(fx->st, "carol", &u), PW_OK);
	assert_int_equal(u.role, PW_ROLE_ADMIN);
	/* no audit entry was written by account changes */
	assert_verifies(fx->st, base, NULL);
}

/* Scan callbacks: 1 stops, a negative value is returned (and aborts). */
struct tx_scan {
	struct scan_seen s;
	int r;
	bool del_first; /* delete alice before the scan */
};

static int
tx_scan(struct store_tx *tx, void *arg)
{
	struct tx_scan *t = arg;

	if (t->del_first && store_tx_del(tx, "alice") != PW_OK)
		return PW_ERR_INTERNAL;
	t->r = store_tx_scan(tx, scan_names, &t->s);
	return t->r;
}

static void
test_tx_scan_stop_and_error(void **state)
{
	struct fixture *fx = *state;
	struct tx_scan t;

	/* an empty store: no call */
	memset(&t, 0, sizeof(t));
	assert_int_equal(capture_write(fx->st, tx_scan, &t, NULL), PW_OK);
	assert_int_equal(t.s.calls, 0);
	add(fx, "alice", PW_ROLE_USER);
	add(fx, "bob", PW_ROLE_USER);
	add(fx, "carol", PW_ROLE_USER);
	memset(&t, 0, sizeof(t));
	t.s.stop_at = 2;
	t.s.ret = 1;
	assert_int_equal(capture_write(fx->st, tx_scan, &t, NULL), PW_OK);
	assert_int_equal(t.r, PW_OK);
	assert_string_equal(t.s.names, "alice bob");
	memset(&t, 0, sizeof(t));
	t.s.stop_at = 2;
	t.s.ret = PW_ERR_NOSPACE;
	t.del_first = true;
	assert_int_equal(capture_write(fx->st, tx_scan, &t, NULL),
	    PW_ERR_NOSPACE);
	assert_string_equal(t.s.names, "bob carol");
	/* the error aborted the deletion */
	assert_scan(fx, "", 0, "alice bob carol");
}

/* ---- Backup ---- */

static void
copy_file(const char *from, const char *to)
{
	uint8_t buf[65536];
	ssize_t n;
	int in, out;

	in = open(from, O_RDONLY | O_CLOEXEC);
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(in >= 0 && out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	assert_int_equal(n, 0);
	close(in);
	assert_int_equal(close(out), 0);
}

/* Whether the file at path contains the string s. */
static bool
file_has(const char *path, const char *s)
{
	struct stat sb;
	uint8_t *buf;
	ssize_t n;
	bool found;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	buf = malloc((size_t)sb.st_size + 1);
	assert_non_null(buf);
	n = pread(fd, buf, (size_t)sb.st_size, 0);
	assert_int_equal(n, sb.st_size);
	close(fd);
	found = memmem(buf, (size_t)n, s, strlen(s)) != NULL;
	free(buf);
	return found;
}

static int
del_tx(struct store_tx *tx, void *arg)
{
	return store_tx_del(tx, arg);
}

/*
 * A compacted copy into an empty file: opened as a store of its own it
 * has the accounts and a chain that verifies, as they were at the backup.
 */
static void
test_backup(void **state)
{
	struct fixture *fx = *state;
	struct pw_audit e[4], out[8];
	struct store_user want, got;
	struct store *copy = NULL;
	uint64_t base = base_of(fx->st);
	char path[PATH_MAX], bak[PATH_MAX], dir[PATH_MAX], err[256] = "";
	char gone[] = "gone";
	struct stat sb;
	size_t i, n;
	bool more;
	int fd;

	add(fx, "alice", PW_ROLE_MASTER);
	add(fx, "gone", PW_ROLE_USER);
	for (i = 0; i < 3; i++)
		sample(&e[i], i);
	append(fx, e, 3, base + 1);
	assert_int_equal(capture_write(fx->st, del_tx, gone, NULL), PW_OK);

	snprintf(path, sizeof(path), "%s/backup", fx->dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(store_backup(fx->st, fd), PW_OK);
	assert_int_equal(fstat(fd, &sb), 0);
	assert_true(sb.st_size > 0);
	assert_int_equal(close(fd), 0);
	/* the deleted account's hashes are not in the copy; the others are */
	snprintf(bak, sizeof(bak), "%s/backup", fx->dir);
	assert_true(file_has(bak, "login-of-alice"));
	assert_false(file_has(bak, "login-of-gone"));
	assert_false(file_has(bak, "confirm-of-gone"));
	/* the store goes on; the copy is the state at the backup */
	sample(&e[3], 3);
	append(fx, e + 3, 1, base + 4);

	snprintf(dir, sizeof(dir), "%s/restore", fx->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/restore/data.mdb", fx->dir);
	copy_file(bak, path);
	if (store_open(&copy, dir, err, sizeof(err)) != PW_OK)
		fail_msg("open the copy: %s", err);
	make_user(&want, "alice", PW_ROLE_MASTER);
	assert_int_equal(store_user_get(copy, "alice", &got), PW_OK);
	assert_memory_equal(&got, &want, sizeof(got));
	assert_int_equal(store_user_get(copy, "gone", &got), PW_ERR_NOUSER);
	assert_verifies(copy, base + 3, e[2].hash);
	assert_int_equal(store_audit_read(copy, 0, base, out, NELEM(out), &n,
	    &more), PW_OK);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++)
		assert_entry(&out[i], &e[i]);
	store_close(copy);
	assert_verifies(fx->st, base + 4, e[3].hash);
}

/* store_backup with the store's log line (on stderr) silenced. */
static int
quiet_backup(struct store *st, int fd)
{
	int saved = dup(2), null = open("/dev/null", O_WRONLY | O_CLOEXEC), r;

	assert_true(saved >= 0 && null >= 0);
	fflush(stderr);
	dup2(null, 2);
	r = store_backup(st, fd);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(null);
	return r;
}

/* A descriptor that cannot be written: an error, never PW_OK. */
static void
test_backup_bad_fd(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_MAX];
	int fd, r;

	add(fx, "alice", PW_ROLE_USER);
	snprintf(path, sizeof(path), "%s/ro", fx->dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	r = quiet_backup(fx->st, fd);
	close(fd);
	assert_int_not_equal(r, PW_OK);
	assert_true(r < 0);
}

/* ==== Password history ==== */

struct hist_op {
	const char *name;
	uint8_t factor;
	const char *old;
	uint32_t keep;
	bool del;
};

static int
hist_tx(struct store_tx *tx, void *arg)
{
	const struct hist_op *op = arg;

	if (op->del)
		return store_tx_history_del(tx, op->name);
	return store_tx_history_push(tx, op->name, op->factor, op->old,
	    op->keep);
}

static void
hist_push(struct fixture *fx, uint8_t factor, const char *old, uint32_t keep)
{
	struct hist_op op = { "alice", factor, old, keep, false };

	assert_int_equal(store_write(fx->st, hist_tx, &op), PW_OK);
}

/* Newest first, trimmed to `keep', per factor, kept across a reopen. */
static void
test_history_push_trim(void **state)
{
	struct fixture *fx = *state;
	struct store_history *h = calloc(1, sizeof(*h));
	struct hist_op del = { "alice", 0, NULL, 0, true };
	char old[16];
	int i;

	assert_non_null(h);
	assert_int_equal(store_history_get(fx->st, "alice", h), PW_OK);
	assert_int_equal(h->n[0], 0);
	assert_int_equal(h->n[1], 0);
	for (i = 1; i <= 6; i++) {
		snprintf(old, sizeof(old), "$hash-%d", i);
		hist_push(fx, PW_FACTOR_LOGIN, old, 4);
	}
	hist_push(fx, PW_FACTOR_CONFIRM, "$conf-1", 4);
	reopen(fx);
	assert_int_equal(store_history_get(fx->st, "alice", h), PW_OK);
	assert_int_equal(h->n[0], 4);
	assert_string_equal(h->hash[0][0], "$hash-6");
	assert_string_equal(h->hash[0][3], "$hash-3");
	assert_int_equal(h->n[1], 1);
	assert_string_equal(h->hash[1][0], "$conf-1");
	/* keep 0: the factor's history is emptied, the other one stays */
	hist_push(fx, PW_FACTOR_LOGIN, "$hash-7", 0);
	assert_int_equal(store_history_get(fx->st, "alice", h), PW_OK);
	assert_int_equal(h->n[0], 0);
	assert_int_equal(h->n[1], 1);
	/* more than PW_HISTORY_MAX is capped there */
	for (i = 0; i < PW_HISTORY_MAX + 3; i++) {
		snprintf(old, sizeof(old), "$h-%d", i);
		hist_push(fx, PW_FACTOR_LOGIN, old, 1000);
	}
	assert_int_equal(store_history_get(fx->st, "alice", h), PW_OK);
	assert_int_equal(h->n[0], PW_HISTORY_MAX);
	snprintf(old, sizeof(old), "$h-%d", PW_HISTORY_MAX + 2);
	assert_string_equal(h->hash[0][0], old);
	assert_int_equal(store_write(fx->st, hist_tx, &del), PW_OK);
	assert_int_equal(store_history_get(fx->st, "alice", h), PW_OK);
	assert_int_equal(h->n[0] + h->n[1], 0);
	/* deleting what is not there is no error */
	assert_int_equal(store_write(fx->st, hist_tx, &del), PW_OK);
	free(h);
}

/* A bad factor or an over-long hash is refused, and writes nothing. */
static void
test_history_refuses(void **state)
{
	struct fixture *fx = *state;
	struct store_history *h = calloc(1, sizeof(*h));
	struct hist_op op = { "alice", PW_FACTOR_MAX + 1, "$x", 5, false };
	char big[PWD_HASH_MAX + 1];

	assert_non_null(h);
	assert_int_equal(store_write(fx->st, hist_tx, &op), PW_ERR_INVAL);
	memset(big, 'h', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	op.factor = PW_FACTOR_LOGIN;
	op.old = big;
	assert_int_equal(store_write(fx->st, hist_tx, &op), PW_ERR_INVAL);
	assert_int_equal(store_history_get(fx->st, "alice", h), PW_OK);
	assert_int_equal(h->n[0] + h->n[1], 0);
	free(h);
}

/*
 * An entry that names its host (a store shared by hosts) is stored as
 * version 2, its host hashed with its fields; an entry without one keeps
 * version 1, byte for byte, so that every chain written before stays
 * valid.  A host that breaks the rule of a host name does not decode.
 */
static void
test_audit_host_codec(void **state)
{
	uint8_t key[STORE_SEQ_KEY], v1[1024], v2[1024];
	struct pw_audit e, d;
	struct wire w1, w2;
	size_t body;
	char *p;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.seq = 7;
	e.time = 1700000000;
	e.uid = 2001;
	snprintf(e.actor, sizeof(e.actor), "boss");
	snprintf(e.action, sizeof(e.action), "unlock");
	snprintf(e.target, sizeof(e.target), "alice");
	memset(e.hash, 0xab, sizeof(e.hash));
	store_seq_key(e.seq, key);
	wire_init(&w1, v1, sizeof(v1));
	assert_int_equal(store_audit_encode(&e, &w1), PW_OK);
	assert_int_equal(v1[0], 1);
	snprintf(e.host, sizeof(e.host), "web-01");
	wire_init(&w2, v2, sizeof(v2));
	assert_int_equal(store_audit_encode(&e, &w2), PW_OK);
	assert_int_equal(v2[0], 2);
	/* the same fields, then the host */
	assert_memory_equal(v1 + 1, v2 + 1, w1.len - 1 - 4 - PW_AUDIT_HASH);
	assert_int_equal(store_audit_decode(key, sizeof(key), v2, w2.len, &d,
	    &body), PW_OK);
	assert_string_equal(d.host, "web-01");
	assert_int_equal(body, w2.len - 4 - PW_AUDIT_HASH);
	assert_memory_equal(&d, &e, sizeof(d));
	assert_int_equal(store_audit_decode(key, sizeof(key), v1, w1.len, &d,
	    &body), PW_OK);
	assert_string_equal(d.host, "");
	/* a host with a space, or a version 2 entry with none */
	assert_non_null(p = memmem(v2, w2.len, "web-01", 6));
	p[3] = ' ';
	assert_int_equal(store_audit_decode(key, sizeof(key), v2, w2.len, &d,
	    &body), PW_ERR_STORE);
	v1[0] = 2;
	assert_int_equal(store_audit_decode(key, sizeof(key), v1, w1.len, &d,
	    &body), PW_ERR_STORE);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_creates_files),
		T(test_audit_host_codec),
		T(test_history_push_trim),
		T(test_history_refuses),
		T(test_open_refuses_bad_dirs),
		T(test_add_get_round_trip),
		T(test_round_trip_zero_values),
		T(test_get_missing),
		T(test_add_twice),
		T(test_users_edit),
		T(test_users_edit_missing_is_atomic),
		T(test_users_edit_abort_is_atomic),
		T(test_users_edit_all),
		T(test_users_edit_all_many),
		T(test_scan),
		T(test_scan_callback_error),
		T(test_durable_across_processes),
		T(test_record_format),
		T(test_corrupt_garbage),
		T(test_corrupt_truncated),
		T(test_corrupt_fields),
		T(test_corrupt_stops_scan_and_edit),
		T(test_corrupt_long_key),
		T(test_schema_mismatch),
		T(test_note_unknown),
		T(test_audit_new_store),
		T(test_audit_started_on_old_store),
		T(test_audit_append_read),
		T(test_audit_chain_format),
		T(test_audit_abort_is_atomic),
		T(test_audit_refuses_invalid),
		T(test_audit_accepts_limits),
		T(test_audit_tamper),
		T(test_audit_head_deleted),
		T(test_tx_ops),
		T(test_tx_scan_stop_and_error),
		T(test_backup),
		T(test_backup_bad_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
