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
#include <unistd.h>

#include <cmocka.h>
#include <lmdb.h>

#include "proto.h"
#include "pwerr.h"
#include "store.h"
#include "wire.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct fixture {
	char dir[64];
	struct store *st;
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char err[256];

	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/pwadmin-test-store-XXXXXX");
	if (mkdtemp(fx->dir) == NULL ||
	    store_open(&fx->st, fx->dir, err, sizeof(err)) != PW_OK) {
		fprintf(stderr, "setup: %s\n", err);
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

/* Removes a temporary tree. */
static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int
rm_rf(const char *path)
{
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	int rc;

	store_close(fx->st);
	rc = rm_rf(fx->dir);
	free(fx);
	return rc == 0 ? 0 : -1;
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
	assert_int_equal(store_user_add(fx->st, &u), PW_OK);
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
	assert_int_equal(store_user_add(fx->st, &u), PW_OK);
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
	assert_int_equal(store_user_add(fx->st, &u), PW_OK);
	assert_int_equal(store_user_get(fx->st, name, &got), PW_OK);
	assert_memory_equal(&got, &u, sizeof(u));
	u.role = PW_ROLE_MASTER;
	u.otp_state = PW_OTP_AVAILABLE;
	memset(u.name, 0, sizeof(u.name));
	snprintf(u.name, sizeof(u.name), "m");
	assert_int_equal(store_user_add(fx->st, &u), PW_OK);
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
	assert_int_equal(store_user_add(fx->st, &u), PW_ERR_EXISTS);
	assert_int_equal(store_user_get(fx->st, "alice", &got), PW_OK);
	assert_int_equal(got.role, PW_ROLE_USER); /* not overwritten */
	assert_int_equal(got.otp_failures, 7);
}

static void
test_init(void **state)
{
	struct fixture *fx = *state;
	struct store_user u, got;

	make_user(&u, "root-master", PW_ROLE_MASTER);
	assert_int_equal(store_user_init(fx->st, &u), PW_OK);
	assert_int_equal(store_user_get(fx->st, "root-master", &got), PW_OK);
	make_user(&u, "other", PW_ROLE_MASTER);
	assert_int_equal(store_user_init(fx->st, &u), PW_ERR_NOTEMPTY);
	assert_int_equal(store_user_get(fx->st, "other", &got), PW_ERR_NOUSER);
	make_user(&u, "root-master", PW_ROLE_MASTER);
	assert_int_equal(store_user_init(fx->st, &u), PW_ERR_NOTEMPTY);
	/* the failed attempts left no write transaction behind */
	add(fx, "later", PW_ROLE_USER);
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
	assert_int_equal(store_users_edit_all(fx->st, inc_login, NULL), PW_OK);
	for (i = 0; i < NELEM(names); i++)
		add(fx, names[i], PW_ROLE_USER);
	assert_int_equal(store_users_edit_all(fx->st, inc_login, NULL), PW_OK);
	for (i = 0; i < NELEM(names); i++)
		assert_int_equal(login_failures(fx, names[i]), 4);
	/* aborting on the third in name order changes none */
	assert_int_equal(store_users_edit_all(fx->st, perm_on, carol),
	    PW_ERR_PERM);
	for (i = 0; i < NELEM(names); i++)
		assert_int_equal(login_failures(fx, names[i]), 4);
	assert_int_equal(store_users_edit_all(fx->st, change_no_write, NULL),
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
		assert_int_equal(store_user_add(fx->st, &u), PW_OK);
	}
	assert_int_equal(store_users_edit_all(fx->st, grow, &visits), PW_OK);
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
		    store_user_add(st, &u) != PW_OK ||
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
	assert_int_equal(store_user_add(fx->st, &u), PW_OK);
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
	assert_int_equal(store_users_edit_all(fx->st, inc_login, NULL),
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

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_creates_files),
		T(test_open_refuses_bad_dirs),
		T(test_add_get_round_trip),
		T(test_round_trip_zero_values),
		T(test_get_missing),
		T(test_add_twice),
		T(test_init),
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
