/* SPDX-License-Identifier: MIT */
/*
 * LMDB store of accounts.
 *  1. Every store_* call MUST begin and end its own transaction, and every
 *     error path MUST abort it: no txn, cursor or MDB_val escapes this file.
 *  2. A write MUST be durable when it returns PW_OK (no MDB_NOSYNC): a
 *     failure counter is on disk before the daemon answers.
 *  3. Values from LMDB are read-only maps: decode them into caller memory,
 *     never write to them.  MDB_NOMEMINIT is never used.
 *  4. Records are encoded behind a version byte; a record that does not
 *     decode exactly is a store error, never a default.
 */
#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "log.h"
#include "pwerr.h"
#include "store.h"
#include "verify.h"
#include "wipe.h"

#define REC_VERSION 1
#define REC_MAX	    1024 /* bytes of an encoded account */
#define MAPSIZE	    ((size_t)4 << 30) /* virtual; the file grows as used */

struct store {
	MDB_env *env;
	MDB_dbi users;
	MDB_dbi meta;
};

static int
mdb_to_pw(int rc, const char *what)
{
	switch (rc) {
	case MDB_SUCCESS:
		return PW_OK;
	case MDB_NOTFOUND:
		return PW_ERR_NOUSER;
	case MDB_KEYEXIST:
		return PW_ERR_EXISTS;
	case MDB_MAP_FULL:
	case ENOSPC:
	case EDQUOT:
		log_warnx("store: %s: %s", what, mdb_strerror(rc));
		return PW_ERR_NOSPACE;
	default:
		log_warnx("store: %s: %s", what, mdb_strerror(rc));
		return PW_ERR_STORE;
	}
}

static int
encode(const struct store_user *u, struct wire *w)
{
	uint8_t i;
	int r;

	if ((r = wire_put_u8(w, REC_VERSION)) != PW_OK ||
	    (r = wire_put_u8(w, u->role)) != PW_OK ||
	    (r = wire_put_u8(w, u->suspended)) != PW_OK)
		return r;
	for (i = 0; i <= PW_FACTOR_MAX; i++) {
		const struct store_factor *f = &u->f[i];

		if ((r = wire_put_str(w, f->hash)) != PW_OK ||
		    (r = wire_put_u32(w, f->failures)) != PW_OK ||
		    (r = wire_put_u8(w, f->locked)) != PW_OK ||
		    (r = wire_put_u8(w, f->must_change)) != PW_OK ||
		    (r = wire_put_u64(w, (uint64_t)f->changed_at)) != PW_OK)
			return r;
	}
	if ((r = wire_put_u8(w, u->otp_state)) != PW_OK ||
	    (r = wire_put_u32(w, u->otp_failures)) != PW_OK ||
	    (r = wire_put_u64(w, (uint64_t)u->created_at)) != PW_OK)
		return r;
	return PW_OK;
}

static int
get_bool(struct wire *w, bool *b)
{
	uint8_t v;
	int r;

	if ((r = wire_get_u8(w, &v)) != PW_OK)
		return r;
	if (v > 1)
		return PW_ERR_PROTO;
	*b = v;
	return PW_OK;
}

static int
decode_factor(struct wire *w, struct store_factor *f)
{
	uint64_t t;
	int r;

	if ((r = wire_get_str(w, f->hash, sizeof(f->hash), NULL)) != PW_OK ||
	    (r = wire_get_u32(w, &f->failures)) != PW_OK ||
	    (r = get_bool(w, &f->locked)) != PW_OK ||
	    (r = get_bool(w, &f->must_change)) != PW_OK ||
	    (r = wire_get_u64(w, &t)) != PW_OK)
		return r;
	f->changed_at = (int64_t)t;
	return PW_OK;
}

static int
decode(const MDB_val *key, const MDB_val *val, struct store_user *u)
{
	struct wire w;
	uint8_t ver;
	uint64_t t;
	int r;
	uint8_t i;

	memset(u, 0, sizeof(*u));
	if (key->mv_size == 0 || key->mv_size > PW_USER_MAX)
		return PW_ERR_STORE;
	memcpy(u->name, key->mv_data, key->mv_size);
	wire_from(&w, val->mv_data, val->mv_size);
	if ((r = wire_get_u8(&w, &ver)) != PW_OK || ver != REC_VERSION ||
	    (r = wire_get_u8(&w, &u->role)) != PW_OK ||
	    (r = get_bool(&w, &u->suspended)) != PW_OK)
		goto bad;
	for (i = 0; i <= PW_FACTOR_MAX; i++)
		if ((r = decode_factor(&w, &u->f[i])) != PW_OK)
			goto bad;
	if ((r = wire_get_u8(&w, &u->otp_state)) != PW_OK ||
	    (r = wire_get_u32(&w, &u->otp_failures)) != PW_OK ||
	    (r = wire_get_u64(&w, &t)) != PW_OK || (r = wire_end(&w)) != PW_OK)
		goto bad;
	u->created_at = (int64_t)t;
	if (u->role < PW_ROLE_USER || u->role > PW_ROLE_MASTER ||
	    u->otp_state > PW_OTP_LOCKED)
		goto bad;
	return PW_OK;
bad:
	log_warnx("store: account record of %s does not decode", u->name);
	PW_WIPE_OBJECT(u);
	return PW_ERR_STORE;
}

static int
check_dir(const char *dir, char *err, size_t errsz)
{
	struct stat st;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		return PW_ERR_IO;
	}
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errsz, "%s: not a directory", dir);
		return PW_ERR_IO;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 022)) {
		snprintf(err, errsz, "%s: must be owned by the daemon's user and "
		    "not writable by group or others", dir);
		return PW_ERR_INVAL;
	}
	return PW_OK;
}

/* Opens the databases and checks or writes the schema version. */
static int
open_dbs(struct store *st, char *err, size_t errsz)
{
	MDB_val k = { 6, (void *)(uintptr_t)"schema" }, v;
	uint8_t schema = STORE_SCHEMA;
	MDB_txn *txn = NULL;
	int rc;

	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, "users", MDB_CREATE, &st->users)) != 0 ||
	    (rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &st->meta)) != 0)
		goto fail;
	rc = mdb_get(txn, st->meta, &k, &v);
	if (rc == MDB_NOTFOUND) {
		v.mv_size = 1;
		v.mv_data = &schema;
		rc = mdb_put(txn, st->meta, &k, &v, 0);
	} else if (rc == 0 && (v.mv_size != 1 ||
	    *(const uint8_t *)v.mv_data != STORE_SCHEMA)) {
		snprintf(err, errsz, "store schema is not version %d", STORE_SCHEMA);
		mdb_txn_abort(txn);
		return PW_ERR_STORE;
	}
	if (rc != 0)
		goto fail;
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc == 0)
		return PW_OK;
fail:
	if (txn != NULL)
		mdb_txn_abort(txn);
	snprintf(err, errsz, "store: %s", mdb_strerror(rc));
	return PW_ERR_STORE;
}

int
store_open(struct store **stp, const char *dir, char *err, size_t errsz)
{
	struct store *st;
	int rc, dead = 0, r;

	*stp = NULL;
	if ((r = check_dir(dir, err, errsz)) != PW_OK)
		return r;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return PW_ERR_NOMEM;
	if ((rc = mdb_env_create(&st->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(st->env, 8)) != 0 ||
	    (rc = mdb_env_set_mapsize(st->env, MAPSIZE)) != 0 ||
	    (rc = mdb_env_open(st->env, dir, MDB_NOTLS, 0600)) != 0) {
		snprintf(err, errsz, "%s: %s", dir, mdb_strerror(rc));
		goto fail;
	}
	/* Readers left by a killed process would pin old pages forever. */
	(void)mdb_reader_check(st->env, &dead);
	if ((r = open_dbs(st, err, errsz)) != PW_OK)
		goto fail_r;
	*stp = st;
	return PW_OK;
fail:
	r = PW_ERR_STORE;
fail_r:
	if (st->env != NULL)
		mdb_env_close(st->env);
	free(st);
	return r;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	mdb_env_close(st->env);
	free(st);
}

static MDB_val
name_key(const char *name)
{
	MDB_val k = { strlen(name), (void *)(uintptr_t)name };

	return k;
}

int
store_user_get(struct store *st, const char *name, struct store_user *u)
{
	MDB_txn *txn = NULL;
	MDB_val k = name_key(name), v;
	int rc, r;

	memset(u, 0, sizeof(*u));
	if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn)) != 0)
		return mdb_to_pw(rc, "read");
	rc = mdb_get(txn, st->users, &k, &v);
	r = rc == 0 ? decode(&k, &v, u) : mdb_to_pw(rc, "get");
	mdb_txn_abort(txn);
	return r;
}

/* Encodes u and puts it under its name in txn. */
static int
put_user(MDB_txn *txn, MDB_dbi dbi, const struct store_user *u, unsigned flags)
{
	uint8_t buf[REC_MAX];
	MDB_val k = name_key(u->name), v;
	struct wire w;
	int rc, r;

	wire_init(&w, buf, sizeof(buf));
	if ((r = encode(u, &w)) != PW_OK) {
		PW_WIPE_ARRAY(buf);
		return r;
	}
	v.mv_size = w.len;
	v.mv_data = buf;
	rc = mdb_put(txn, dbi, &k, &v, flags);
	PW_WIPE_ARRAY(buf);
	return mdb_to_pw(rc, "put");
}

static int
commit(MDB_txn *txn)
{
	return mdb_to_pw(mdb_txn_commit(txn), "commit");
}

static int
add(struct store *st, const struct store_user *u, bool must_be_empty)
{
	MDB_txn *txn = NULL;
	MDB_stat ms;
	int rc, r;

	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0)
		return mdb_to_pw(rc, "begin");
	if (must_be_empty) {
		if ((rc = mdb_stat(txn, st->users, &ms)) != 0) {
			r = mdb_to_pw(rc, "stat");
			goto abort;
		}
		if (ms.ms_entries != 0) {
			r = PW_ERR_NOTEMPTY;
			goto abort;
		}
	}
	if ((r = put_user(txn, st->users, u, MDB_NOOVERWRITE)) != PW_OK)
		goto abort;
	return commit(txn);
abort:
	mdb_txn_abort(txn);
	return r;
}

int
store_user_add(struct store *st, const struct store_user *u)
{
	return add(st, u, false);
}

int
store_user_init(struct store *st, const struct store_user *u)
{
	return add(st, u, true);
}

/* Applies fn to one decoded record inside txn; writes it back when asked. */
static int
edit_one(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, MDB_val *v, store_edit_fn fn,
    void *arg)
{
	struct store_user u;
	int r;

	if ((r = decode(k, v, &u)) != PW_OK)
		return r;
	r = fn(&u, arg);
	if (r == 1)
		r = put_user(txn, dbi, &u, 0);
	PW_WIPE_OBJECT(&u);
	return r;
}

int
store_users_edit(struct store *st, const char (*names)[PW_USER_MAX + 1],
    size_t n, store_edit_fn fn, void *arg)
{
	MDB_txn *txn = NULL;
	MDB_val k, v;
	size_t i;
	int rc, r = PW_OK;

	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0)
		return mdb_to_pw(rc, "begin");
	for (i = 0; i < n && r >= 0; i++) {
		k = name_key(names[i]);
		if ((rc = mdb_get(txn, st->users, &k, &v)) != 0)
			r = mdb_to_pw(rc, "get");
		else
			r = edit_one(txn, st->users, &k, &v, fn, arg);
	}
	if (r < 0) {
		mdb_txn_abort(txn);
		return r;
	}
	return commit(txn);
}

int
store_user_edit(struct store *st, const char *name, store_edit_fn fn, void *arg)
{
	char one[1][PW_USER_MAX + 1];

	if (strlen(name) > PW_USER_MAX)
		return PW_ERR_INVAL;
	memcpy(one[0], name, strlen(name) + 1);
	return store_users_edit(st, (const char(*)[PW_USER_MAX + 1])one, 1, fn, arg);
}

int
store_users_edit_all(struct store *st, store_edit_fn fn, void *arg)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc, r = PW_OK;

	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0)
		return mdb_to_pw(rc, "begin");
	if ((rc = mdb_cursor_open(txn, st->users, &cur)) != 0) {
		mdb_txn_abort(txn);
		return mdb_to_pw(rc, "cursor");
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && r >= 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		/* put on the same key keeps the cursor valid in LMDB */
		r = edit_one(txn, st->users, &k, &v, fn, arg);
	}
	mdb_cursor_close(cur);
	if (r >= 0 && rc != MDB_NOTFOUND)
		r = mdb_to_pw(rc, "scan");
	if (r < 0) {
		mdb_txn_abort(txn);
		return r;
	}
	return commit(txn);
}

int
store_users_scan(struct store *st, const char *after,
    int (*fn)(const struct store_user *u, void *arg), void *arg)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k = name_key(after), v;
	struct store_user u;
	MDB_cursor_op op = MDB_SET_RANGE;
	int rc, r = PW_OK;

	if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn)) != 0)
		return mdb_to_pw(rc, "read");
	if ((rc = mdb_cursor_open(txn, st->users, &cur)) != 0) {
		mdb_txn_abort(txn);
		return mdb_to_pw(rc, "cursor");
	}
	if (after[0] == '\0')
		op = MDB_FIRST;
	for (rc = mdb_cursor_get(cur, &k, &v, op); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (after[0] != '\0' && k.mv_size == strlen(after) &&
		    memcmp(k.mv_data, after, k.mv_size) == 0)
			continue; /* strictly after the cursor */
		if ((r = decode(&k, &v, &u)) != PW_OK)
			break;
		r = fn(&u, arg);
		PW_WIPE_OBJECT(&u);
		if (r != 0)
			break;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	if (r < 0)
		return r;
	if (r == 0 && rc != MDB_NOTFOUND && rc != 0)
		return mdb_to_pw(rc, "scan");
	return PW_OK;
}

int
store_note_unknown(struct store *st)
{
	MDB_val k = { 12, (void *)(uintptr_t)"unknown_auth" }, v;
	uint8_t buf[8] = { 0 };
	MDB_txn *txn = NULL;
	uint64_t n = 0;
	int rc, i;

	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0)
		return mdb_to_pw(rc, "begin");
	if (mdb_get(txn, st->meta, &k, &v) == 0 && v.mv_size == 8)
		for (i = 0; i < 8; i++)
			n = n << 8 | ((const uint8_t *)v.mv_data)[i];
	n++;
	for (i = 7; i >= 0; i--, n >>= 8)
		buf[i] = (uint8_t)n;
	v.mv_size = sizeof(buf);
	v.mv_data = buf;
	if ((rc = mdb_put(txn, st->meta, &k, &v, 0)) != 0) {
		mdb_txn_abort(txn);
		return mdb_to_pw(rc, "put");
	}
	return commit(txn);
}
