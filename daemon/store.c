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
#include <sys/statvfs.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include "log.h"
#include "pwerr.h"
#include "stats.h"
#include "store.h"
#include "store_codec.h"
#include "util.h"
#include "verify.h"
#include "wipe.h"

#define REC_VERSION 1
#define REC_MAX	    1024 /* bytes of an encoded account */
#define MAPSIZE	    ((size_t)4 << 30) /* virtual; the file grows as used */

#define AUDIT_VERSION 1
#define AUDIT_REC_MAX 1024 /* bytes of an encoded audit entry */
#define AUDIT_HEAD    "audit_head" /* meta key: u64 seq, then the hash */

struct store {
	MDB_env *env;
	char dir[PATH_MAX];
	MDB_dbi users;
	MDB_dbi meta;
	MDB_dbi audit;
	MDB_dbi history;
	MDB_dbi otp;
};

/* A write transaction in progress (store_write). */
struct store_tx {
	struct store *st;
	MDB_txn *txn;
	bool head_loaded;	       /* seq/hash read from the meta db */
	bool head_found;	       /* ... and it was there */
	uint64_t seq;		       /* the last audit entry's number */
	uint8_t hash[PW_AUDIT_HASH];   /* and its hash */
	struct pw_audit *added;	       /* entries appended, for syslog */
	size_t nadded, capadded;
};

static int audit_start_tx(struct store_tx *tx, void *arg);

/* Set by a failed store operation: store_writable() then asks the disk. */
static atomic_bool suspect;

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
		/* full: "cannot answer now", like the checks it stops */
		atomic_store(&suspect, true);
		log_warnx("store: %s: %s", what, mdb_strerror(rc));
		return PW_ERR_READONLY;
	default:
		atomic_store(&suspect, true);
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
	    (rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &st->meta)) != 0 ||
	    (rc = mdb_dbi_open(txn, "audit", MDB_CREATE, &st->audit)) != 0 ||
	    (rc = mdb_dbi_open(txn, "history", MDB_CREATE, &st->history)) != 0 ||
	    (rc = mdb_dbi_open(txn, "otp", MDB_CREATE, &st->otp)) != 0)
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
	if (strlen(dir) >= sizeof(st->dir)) {
		snprintf(err, errsz, "%s: path too long", dir);
		free(st);
		return PW_ERR_TOOLONG;
	}
	memcpy(st->dir, dir, strlen(dir) + 1);
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
	if ((r = store_write(st, audit_start_tx, NULL)) != PW_OK) {
		snprintf(err, errsz, "%s: cannot start the audit log: %s", dir,
		    pw_strerror(r));
		goto fail_r;
	}
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

/* ==== Write transactions ==== */

/* Logs the audit entries a committed transaction appended (rule 13). */
static void
log_added(const struct store_tx *tx)
{
	const struct pw_audit *e;
	char hex[2 * 8 + 1];
	size_t i, j;

	for (i = 0; i < tx->nadded; i++) {
		e = &tx->added[i];
		for (j = 0; j < 8; j++)
			snprintf(hex + 2 * j, 3, "%02x", e->hash[j]);
		log_notice("audit seq=%llu actor=%s uid=%u action=%s target=%s "
		    "result=%s detail=\"%s\" chain=%s",
		    (unsigned long long)e->seq, e->actor, (unsigned)e->uid,
		    e->action, e->target[0] ? e->target : "-",
		    e->status == PW_OK ? "ok" : pw_strerror(e->status),
		    e->detail, hex);
		stats_inc(PW_STAT_AUDIT_ENTRIES);
	}
}

/* Writes the audit head when entries were appended. */
static int
put_head(struct store_tx *tx)
{
	MDB_val k = { sizeof(AUDIT_HEAD) - 1, (void *)(uintptr_t)AUDIT_HEAD }, v;
	uint8_t buf[8 + PW_AUDIT_HASH];
	int i;

	if (tx->nadded == 0)
		return PW_OK;
	for (i = 0; i < 8; i++)
		buf[i] = (uint8_t)(tx->seq >> (56 - 8 * i));
	memcpy(buf + 8, tx->hash, PW_AUDIT_HASH);
	v.mv_size = sizeof(buf);
	v.mv_data = buf;
	return mdb_to_pw(mdb_put(tx->txn, tx->st->meta, &k, &v, 0), "audit head");
}

int
store_write(struct store *st, store_tx_fn fn, void *arg)
{
	struct store_tx tx;
	int rc, r;

	memset(&tx, 0, sizeof(tx));
	tx.st = st;
	if ((rc = mdb_txn_begin(st->env, NULL, 0, &tx.txn)) != 0)
		return mdb_to_pw(rc, "begin");
	r = fn(&tx, arg);
	if (r >= 0)
		r = put_head(&tx);
	if (r < 0)
		mdb_txn_abort(tx.txn);
	else if ((r = commit(tx.txn)) == PW_OK)
		log_added(&tx);
	free(tx.added);
	return r;
}

int
store_tx_get(struct store_tx *tx, const char *name, struct store_user *u)
{
	MDB_val k = name_key(name), v;
	int rc;

	memset(u, 0, sizeof(*u));
	if ((rc = mdb_get(tx->txn, tx->st->users, &k, &v)) != 0)
		return mdb_to_pw(rc, "get");
	return decode(&k, &v, u);
}

int
store_tx_put(struct store_tx *tx, const struct store_user *u, bool create)
{
	return put_user(tx->txn, tx->st->users, u, create ? MDB_NOOVERWRITE : 0);
}

int
store_tx_del(struct store_tx *tx, const char *name)
{
	MDB_val k = name_key(name);

	return mdb_to_pw(mdb_del(tx->txn, tx->st->users, &k, NULL), "del");
}

int
store_tx_edit(struct store_tx *tx, const char (*names)[PW_USER_MAX + 1],
    size_t n, store_edit_fn fn, void *arg)
{
	MDB_val k, v;
	size_t i;
	int rc, r = PW_OK;

	for (i = 0; i < n && r >= 0; i++) {
		k = name_key(names[i]);
		if ((rc = mdb_get(tx->txn, tx->st->users, &k, &v)) != 0)
			r = mdb_to_pw(rc, "get");
		else
			r = edit_one(tx->txn, tx->st->users, &k, &v, fn, arg);
	}
	return r < 0 ? r : PW_OK;
}

int
store_tx_edit_all(struct store_tx *tx, store_edit_fn fn, void *arg)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc, r = PW_OK;

	if ((rc = mdb_cursor_open(tx->txn, tx->st->users, &cur)) != 0)
		return mdb_to_pw(rc, "cursor");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && r >= 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		/* put on the same key keeps the cursor valid in LMDB */
		r = edit_one(tx->txn, tx->st->users, &k, &v, fn, arg);
	}
	mdb_cursor_close(cur);
	if (r >= 0 && rc != MDB_NOTFOUND)
		r = mdb_to_pw(rc, "scan");
	return r < 0 ? r : PW_OK;
}

int
store_tx_scan(struct store_tx *tx, int (*fn)(const struct store_user *u,
    void *arg), void *arg)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	struct store_user u;
	int rc, r = 0;

	if ((rc = mdb_cursor_open(tx->txn, tx->st->users, &cur)) != 0)
		return mdb_to_pw(rc, "cursor");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && r == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if ((r = decode(&k, &v, &u)) != PW_OK)
			break;
		r = fn(&u, arg);
		PW_WIPE_OBJECT(&u);
	}
	mdb_cursor_close(cur);
	if (r < 0)
		return r;
	if (r == 0 && rc != MDB_NOTFOUND)
		return mdb_to_pw(rc, "scan");
	return PW_OK;
}

struct edit_arg {
	const char (*names)[PW_USER_MAX + 1];
	size_t n;
	store_edit_fn fn;
	void *arg;
};

static int
edit_tx(struct store_tx *tx, void *arg)
{
	struct edit_arg *a = arg;

	if (a->names == NULL)
		return store_tx_edit_all(tx, a->fn, a->arg);
	return store_tx_edit(tx, a->names, a->n, a->fn, a->arg);
}

int
store_users_edit(struct store *st, const char (*names)[PW_USER_MAX + 1],
    size_t n, store_edit_fn fn, void *arg)
{
	struct edit_arg a = { names, n, fn, arg };

	return store_write(st, edit_tx, &a);
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

/* ==== Password history (SPEC rule 10) ==== */

#define HIST_VERSION 1
#define HIST_REC_MAX (2 + (PW_FACTOR_MAX + 1) * (1 + PW_HISTORY_MAX * \
			 (4 + PWD_HASH_MAX))) /* bytes */

static int
hist_decode(const MDB_val *v, struct store_history *hist)
{
	struct wire w;
	uint8_t ver, f, i;

	wire_from(&w, v->mv_data, v->mv_size);
	if (wire_get_u8(&w, &ver) != PW_OK || ver != HIST_VERSION)
		goto bad;
	for (f = 0; f <= PW_FACTOR_MAX; f++) {
		if (wire_get_u8(&w, &hist->n[f]) != PW_OK ||
		    hist->n[f] > PW_HISTORY_MAX)
			goto bad;
		for (i = 0; i < hist->n[f]; i++)
			if (wire_get_str(&w, hist->hash[f][i], PWD_HASH_MAX,
			    NULL) != PW_OK)
				goto bad;
	}
	if (wire_end(&w) == PW_OK)
		return PW_OK;
bad:
	log_warnx("store: a password history does not decode");
	PW_WIPE_OBJECT(hist);
	return PW_ERR_STORE;
}

static int
hist_get(MDB_txn *txn, MDB_dbi dbi, const char *name,
    struct store_history *hist)
{
	MDB_val k = name_key(name), v;
	int rc;

	memset(hist, 0, sizeof(*hist));
	if ((rc = mdb_get(txn, dbi, &k, &v)) == MDB_NOTFOUND)
		return PW_OK;
	if (rc != 0)
		return mdb_to_pw(rc, "history");
	return hist_decode(&v, hist);
}

int
store_tx_history_get(struct store_tx *tx, const char *name,
    struct store_history *hist)
{
	return hist_get(tx->txn, tx->st->history, name, hist);
}

int
store_history_get(struct store *st, const char *name,
    struct store_history *hist)
{
	MDB_txn *txn = NULL;
	int rc, r;

	memset(hist, 0, sizeof(*hist));
	if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn)) != 0)
		return mdb_to_pw(rc, "read");
	r = hist_get(txn, st->history, name, hist);
	mdb_txn_abort(txn);
	return r;
}

static int
hist_put(struct store_tx *tx, const char *name,
    const struct store_history *hist)
{
	MDB_val k = name_key(name), v;
	uint8_t *buf;
	struct wire w;
	uint8_t f, i;
	int r;

	if ((buf = malloc(HIST_REC_MAX)) == NULL)
		return PW_ERR_NOMEM;
	wire_init(&w, buf, HIST_REC_MAX);
	r = wire_put_u8(&w, HIST_VERSION);
	for (f = 0; f <= PW_FACTOR_MAX && r == PW_OK; f++) {
		r = wire_put_u8(&w, hist->n[f]);
		for (i = 0; i < hist->n[f] && r == PW_OK; i++)
			r = wire_put_str(&w, hist->hash[f][i]);
	}
	v.mv_size = w.len;
	v.mv_data = buf;
	if (r == PW_OK)
		r = mdb_to_pw(mdb_put(tx->txn, tx->st->history, &k, &v, 0),
		    "history");
	pw_wipe(buf, HIST_REC_MAX);
	free(buf);
	return r;
}

int
store_tx_history_push(struct store_tx *tx, const char *name, uint8_t factor,
    const char *old, uint32_t keep)
{
	struct store_history *hist;
	uint8_t n;
	int r;

	if (factor > PW_FACTOR_MAX || strlen(old) >= PWD_HASH_MAX)
		return PW_ERR_INVAL;
	if ((hist = malloc(sizeof(*hist))) == NULL)
		return PW_ERR_NOMEM;
	if ((r = store_tx_history_get(tx, name, hist)) == PW_OK) {
		if (keep > PW_HISTORY_MAX)
			keep = PW_HISTORY_MAX;
		n = hist->n[factor] < PW_HISTORY_MAX ? hist->n[factor] + 1
						     : PW_HISTORY_MAX;
		memmove(hist->hash[factor][1], hist->hash[factor][0],
		    (size_t)(n - 1) * PWD_HASH_MAX);
		memset(hist->hash[factor][0], 0, PWD_HASH_MAX);
		memcpy(hist->hash[factor][0], old, strlen(old) + 1);
		hist->n[factor] = (uint8_t)(n < keep ? n : keep);
		r = hist_put(tx, name, hist);
	}
	PW_WIPE_OBJECT(hist);
	free(hist);
	return r;
}

int
store_tx_history_del(struct store_tx *tx, const char *name)
{
	MDB_val k = name_key(name);
	int rc = mdb_del(tx->txn, tx->st->history, &k, NULL);

	return rc == MDB_NOTFOUND ? PW_OK : mdb_to_pw(rc, "history");
}

/* ==== One-time password tokens (SPEC rule 11) ==== */

#define OTP_VERSION 1

static int
otp_decode(const MDB_val *v, struct store_otp *t)
{
	const uint8_t *p;
	struct wire w;
	uint8_t ver;
	size_t n;
	int r;

	memset(t, 0, sizeof(*t));
	wire_from(&w, v->mv_data, v->mv_size);
	if ((r = wire_get_u8(&w, &ver)) != PW_OK || ver != OTP_VERSION ||
	    (r = get_bool(&w, &t->pending)) != PW_OK ||
	    (r = wire_get_u8(&w, &t->tries)) != PW_OK ||
	    (r = wire_get_u64(&w, &t->last_step)) != PW_OK ||
	    (r = wire_get_view(&w, &p, &n, PWD_OTP_NONCE)) != PW_OK ||
	    n != PWD_OTP_NONCE)
		goto bad;
	memcpy(t->nonce, p, n);
	if ((r = wire_get_view(&w, &p, &n, PWD_OTP_BOX)) != PW_OK ||
	    n != PWD_OTP_BOX || (r = wire_end(&w)) != PW_OK)
		goto bad;
	memcpy(t->box, p, n);
	return PW_OK;
bad:
	log_warnx("store: a one-time password token does not decode");
	PW_WIPE_OBJECT(t);
	return PW_ERR_STORE;
}

static int
otp_get(MDB_txn *txn, MDB_dbi dbi, const char *name, struct store_otp *t)
{
	MDB_val k = name_key(name), v;
	int rc;

	memset(t, 0, sizeof(*t));
	if ((rc = mdb_get(txn, dbi, &k, &v)) != 0)
		return mdb_to_pw(rc, "otp");
	return otp_decode(&v, t);
}

int
store_tx_otp_get(struct store_tx *tx, const char *name, struct store_otp *t)
{
	return otp_get(tx->txn, tx->st->otp, name, t);
}

int
store_otp_get(struct store *st, const char *name, struct store_otp *t)
{
	MDB_txn *txn = NULL;
	int rc, r;

	memset(t, 0, sizeof(*t));
	if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn)) != 0)
		return mdb_to_pw(rc, "read");
	r = otp_get(txn, st->otp, name, t);
	mdb_txn_abort(txn);
	return r;
}

int
store_tx_otp_put(struct store_tx *tx, const char *name,
    const struct store_otp *t)
{
	uint8_t buf[128];
	MDB_val k = name_key(name), v;
	struct wire w;
	int r;

	wire_init(&w, buf, sizeof(buf));
	if ((r = wire_put_u8(&w, OTP_VERSION)) == PW_OK &&
	    (r = wire_put_u8(&w, t->pending)) == PW_OK &&
	    (r = wire_put_u8(&w, t->tries)) == PW_OK &&
	    (r = wire_put_u64(&w, t->last_step)) == PW_OK &&
	    (r = wire_put_bytes(&w, t->nonce, PWD_OTP_NONCE)) == PW_OK &&
	    (r = wire_put_bytes(&w, t->box, PWD_OTP_BOX)) == PW_OK) {
		v.mv_size = w.len;
		v.mv_data = buf;
		r = mdb_to_pw(mdb_put(tx->txn, tx->st->otp, &k, &v, 0), "otp");
	}
	PW_WIPE_ARRAY(buf);
	return r;
}

int
store_tx_otp_del(struct store_tx *tx, const char *name)
{
	MDB_val k = name_key(name);
	int rc = mdb_del(tx->txn, tx->st->otp, &k, NULL);

	return rc == MDB_NOTFOUND ? PW_OK : mdb_to_pw(rc, "otp");
}

int
store_otp_count(struct store *st, size_t *n)
{
	MDB_txn *txn = NULL;
	MDB_stat ms;
	int rc;

	*n = 0;
	if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn)) != 0)
		return mdb_to_pw(rc, "read");
	rc = mdb_stat(txn, st->otp, &ms);
	mdb_txn_abort(txn);
	if (rc != 0)
		return mdb_to_pw(rc, "stat");
	*n = ms.ms_entries;
	return PW_OK;
}

int
store_meta_get(struct store *st, const char *key, void *buf, size_t *len)
{
	MDB_val k = { strlen(key), (void *)(uintptr_t)key }, v;
	MDB_txn *txn = NULL;
	int rc, r = PW_OK;

	if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn)) != 0)
		return mdb_to_pw(rc, "read");
	if ((rc = mdb_get(txn, st->meta, &k, &v)) != 0)
		r = mdb_to_pw(rc, "meta");
	else if (v.mv_size > *len)
		r = PW_ERR_TOOLONG;
	else {
		memcpy(buf, v.mv_data, v.mv_size);
		*len = v.mv_size;
	}
	mdb_txn_abort(txn);
	return r;
}

int
store_meta_put(struct store *st, const char *key, const void *buf, size_t len)
{
	MDB_val k = { strlen(key), (void *)(uintptr_t)key };
	MDB_val v = { len, (void *)(uintptr_t)buf };
	MDB_txn *txn = NULL;
	int rc;

	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0)
		return mdb_to_pw(rc, "begin");
	if ((rc = mdb_put(txn, st->meta, &k, &v, 0)) != 0) {
		mdb_txn_abort(txn);
		return mdb_to_pw(rc, "meta");
	}
	return commit(txn);
}

/* ==== Audit log (SPEC rule 13) ==== */

static void
seq_key(uint64_t seq, uint8_t key[8])
{
	int i;

	for (i = 0; i < 8; i++)
		key[i] = (uint8_t)(seq >> (56 - 8 * i));
}

static uint64_t
seq_of(const uint8_t key[8])
{
	uint64_t seq = 0;
	int i;

	for (i = 0; i < 8; i++)
		seq = seq << 8 | key[i];
	return seq;
}

/* The fields an entry's hash covers, behind a version byte. */
static int
audit_body(const struct pw_audit *e, struct wire *w)
{
	int r;

	if ((r = wire_put_u8(w, AUDIT_VERSION)) != PW_OK ||
	    (r = proto_put_audit_fields(w, e)) != PW_OK)
		return r;
	return PW_OK;
}

/* Decodes one stored entry; *bodylen is where its hash field starts. */
static int
audit_decode(const MDB_val *k, const MDB_val *v, struct pw_audit *e,
    size_t *bodylen)
{
	const uint8_t *h;
	struct wire w;
	uint8_t ver;
	size_t n;

	memset(e, 0, sizeof(*e));
	if (k->mv_size != 8)
		return PW_ERR_STORE;
	e->seq = seq_of(k->mv_data);
	wire_from(&w, v->mv_data, v->mv_size);
	if (wire_get_u8(&w, &ver) != PW_OK || ver != AUDIT_VERSION ||
	    proto_get_audit_fields(&w, e) != PW_OK)
		return PW_ERR_STORE;
	*bodylen = w.off;
	if (wire_get_view(&w, &h, &n, PW_AUDIT_HASH) != PW_OK ||
	    n != PW_AUDIT_HASH || wire_end(&w) != PW_OK)
		return PW_ERR_STORE;
	memcpy(e->hash, h, n);
	return PW_OK;
}

/* Reads the head (last seq and hash) into tx once; none = 0 and zeros. */
static int
load_head(struct store_tx *tx)
{
	MDB_val k = { sizeof(AUDIT_HEAD) - 1, (void *)(uintptr_t)AUDIT_HEAD }, v;
	int rc;

	if (tx->head_loaded)
		return PW_OK;
	rc = mdb_get(tx->txn, tx->st->meta, &k, &v);
	if (rc == MDB_NOTFOUND) {
		tx->seq = 0;
		memset(tx->hash, 0, sizeof(tx->hash));
	} else if (rc != 0)
		return mdb_to_pw(rc, "audit head");
	else if (v.mv_size != 8 + PW_AUDIT_HASH) {
		log_warnx("store: the audit head does not decode");
		return PW_ERR_STORE;
	} else {
		tx->seq = seq_of(v.mv_data);
		memcpy(tx->hash, (const uint8_t *)v.mv_data + 8, PW_AUDIT_HASH);
		tx->head_found = true;
	}
	tx->head_loaded = true;
	return PW_OK;
}

static int
keep_added(struct store_tx *tx, const struct pw_audit *e)
{
	struct pw_audit *p;

	if ((p = pw_grow(tx->added, &tx->capadded, tx->nadded + 1, sizeof(*p),
	    8)) == NULL)
		return PW_ERR_NOMEM;
	tx->added = p;
	tx->added[tx->nadded++] = *e;
	return PW_OK;
}

int
store_tx_audit(struct store_tx *tx, struct pw_audit *e)
{
	uint8_t key[8], buf[AUDIT_REC_MAX];
	MDB_val k = { sizeof(key), key }, v;
	struct wire w;
	size_t body;
	int r;

	if (!proto_audit_valid(e))
		return PW_ERR_INVAL;
	if ((r = load_head(tx)) != PW_OK)
		return r;
	e->seq = tx->seq + 1;
	seq_key(e->seq, key);
	wire_init(&w, buf, sizeof(buf));
	if ((r = audit_body(e, &w)) != PW_OK)
		return r;
	body = w.len;
	verify_chain(tx->hash, key, sizeof(key), buf, body, e->hash);
	if ((r = wire_put_bytes(&w, e->hash, PW_AUDIT_HASH)) != PW_OK)
		return r;
	v.mv_size = w.len;
	v.mv_data = buf;
	r = mdb_to_pw(mdb_put(tx->txn, tx->st->audit, &k, &v, MDB_NOOVERWRITE),
	    "audit");
	if (r == PW_ERR_EXISTS) {
		log_warnx("store: audit entry %llu exists beyond the head",
		    (unsigned long long)e->seq);
		r = PW_ERR_STORE;
	}
	if (r != PW_OK || (r = keep_added(tx, e)) != PW_OK)
		return r;
	tx->seq = e->seq;
	memcpy(tx->hash, e->hash, PW_AUDIT_HASH);
	return PW_OK;
}

/*
 * The first entry of a log, written when the store is opened without an
 * audit head (a new store, or one made before the log existed): from then
 * on a store always has a head, and a log emptied by hand is detected.
 */
static int
audit_start_tx(struct store_tx *tx, void *arg)
{
	MDB_stat ua, us;
	struct pw_audit e;
	int rc, r;

	(void)arg;
	if ((r = load_head(tx)) != PW_OK || tx->head_found)
		return r;
	if ((rc = mdb_stat(tx->txn, tx->st->audit, &ua)) != 0 ||
	    (rc = mdb_stat(tx->txn, tx->st->users, &us)) != 0)
		return mdb_to_pw(rc, "stat");
	/* entries without a head: leave them for audit --verify to report */
	if (ua.ms_entries > 0)
		return PW_OK;
	memset(&e, 0, sizeof(e));
	e.time = (int64_t)time(NULL);
	e.uid = (uint32_t)geteuid();
	memcpy(e.actor, "pwadmind", sizeof("pwadmind"));
	memcpy(e.action, "start", sizeof("start"));
	/* a log that starts on a store with accounts says so: an upgrade,
	 * or a log removed by hand */
	snprintf(e.detail, sizeof(e.detail), "audit log started on a store "
	    "with %zu accounts", us.ms_entries);
	return store_tx_audit(tx, &e);
}

static int
audit_one_tx(struct store_tx *tx, void *arg)
{
	return store_tx_audit(tx, arg);
}

int
store_audit_append(struct store *st, struct pw_audit *e)
{
	return store_write(st, audit_one_tx, e);
}

int
store_audit_read(struct store *st, int64_t since, uint64_t after,
    struct pw_audit *out, size_t max, size_t *np, bool *more)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	uint8_t key[8];
	MDB_val k = { sizeof(key), key }, v;
	struct pw_audit e;
	size_t body;
	int rc, r = PW_OK;

	*np = 0;
	*more = false;
	if (after == UINT64_MAX)
		return PW_OK;
	seq_key(after + 1, key);
	if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn)) != 0)
		return mdb_to_pw(rc, "read");
	if ((rc = mdb_cursor_open(txn, st->audit, &cur)) != 0) {
		mdb_txn_abort(txn);
		return mdb_to_pw(rc, "cursor");
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if ((r = audit_decode(&k, &v, &e, &body)) != PW_OK) {
			log_warnx("store: audit entry does not decode");
			break;
		}
		if (e.time < since)
			continue;
		if (*np == max) {
			*more = true;
			break;
		}
		out[(*np)++] = e;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	if (r == PW_OK && rc != 0 && rc != MDB_NOTFOUND && !*more)
		r = mdb_to_pw(rc, "scan");
	if (r != PW_OK)
		*np = 0;
	return r;
}

/* Walks the chain from entry 1: the first entry that breaks it, or 0. */
static uint64_t
walk_chain(MDB_cursor *cur, uint64_t *count, uint8_t last[PW_AUDIT_HASH],
    struct pw_why *why)
{
	uint8_t want[PW_AUDIT_HASH];
	struct pw_audit e;
	MDB_val k, v;
	uint64_t next = 1;
	size_t body;
	int rc;

	memset(last, 0, PW_AUDIT_HASH);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), next++) {
		if (k.mv_size != 8 || seq_of(k.mv_data) != next) {
			*why = (struct pw_why){ .code = PW_R_AUDIT_MISSING,
			    .num = next };
			return next;
		}
		if (audit_decode(&k, &v, &e, &body) != PW_OK) {
			*why = (struct pw_why){ .code = PW_R_AUDIT_UNDECODABLE,
			    .num = next };
			return next;
		}
		verify_chain(last, k.mv_data, 8, v.mv_data, body, want);
		if (!verify_chain_equal(want, e.hash)) {
			*why = (struct pw_why){ .code = PW_R_AUDIT_MISMATCH,
			    .num = next };
			return next;
		}
		memcpy(last, e.hash, PW_AUDIT_HASH);
		*count = next;
	}
	if (rc != MDB_NOTFOUND) {
		*why = (struct pw_why){ .code = PW_R_AUDIT_UNREADABLE };
		return next;
	}
	return 0;
}

int
store_audit_verify(struct store *st, uint64_t *count,
    uint8_t head[PW_AUDIT_HASH], struct pw_why *why)
{
	MDB_val k = { sizeof(AUDIT_HEAD) - 1, (void *)(uintptr_t)AUDIT_HEAD }, v;
	uint8_t last[PW_AUDIT_HASH];
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	uint64_t bad, hseq = 0;
	int rc, hrc;

	*count = 0;
	memset(head, 0, PW_AUDIT_HASH);
	memset(why, 0, sizeof(*why));
	if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn)) != 0)
		return mdb_to_pw(rc, "read");
	if ((rc = mdb_cursor_open(txn, st->audit, &cur)) != 0) {
		mdb_txn_abort(txn);
		return mdb_to_pw(rc, "cursor");
	}
	bad = walk_chain(cur, count, last, why);
	memcpy(head, last, PW_AUDIT_HASH);
	mdb_cursor_close(cur);
	hrc = mdb_get(txn, st->meta, &k, &v);
	if (hrc == 0 && v.mv_size == 8 + PW_AUDIT_HASH)
		hseq = seq_of(v.mv_data);
	/* store_open makes a head, and every entry rewrites it: it must be
	 * there and name the last entry */
	if (bad == 0 &&
	    (hrc != 0 || v.mv_size != 8 + PW_AUDIT_HASH || hseq != *count ||
	    !verify_chain_equal(last, (const uint8_t *)v.mv_data + 8))) {
		bad = *count + 1;
		*why = (struct pw_why){ .code = PW_R_AUDIT_HEAD, .num = *count,
		    .num2 = hseq };
	}
	mdb_txn_abort(txn);
	return bad == 0 ? PW_OK : PW_ERR_AUDIT;
}

int
store_backup(struct store *st, int fd)
{
	int rc;

	if ((rc = mdb_env_copyfd2(st->env, fd, MDB_CP_COMPACT)) != 0)
		return mdb_to_pw(rc, "backup");
	if (fsync(fd) != 0) {
		log_warn("store: backup: fsync");
		return errno == ENOSPC || errno == EDQUOT ? PW_ERR_NOSPACE
							  : PW_ERR_IO;
	}
	return PW_OK;
}

/* ==== Record codecs over plain bytes (store_codec.h) ==== */

/* An MDB_val over bytes that are only read (the decoders never write). */
static MDB_val
bytes_val(const void *p, size_t n)
{
	MDB_val v = { n, (void *)(uintptr_t)p };

	return v;
}

int
store_user_decode(const void *key, size_t keylen, const void *val,
    size_t vallen, struct store_user *u)
{
	MDB_val k = bytes_val(key, keylen), v = bytes_val(val, vallen);

	return decode(&k, &v, u);
}

int
store_user_encode(const struct store_user *u, struct wire *w)
{
	return encode(u, w);
}

int
store_history_decode(const void *val, size_t vallen,
    struct store_history *hist)
{
	MDB_val v = bytes_val(val, vallen);

	memset(hist, 0, sizeof(*hist)); /* as hist_get does before it */
	return hist_decode(&v, hist);
}

int
store_otp_decode(const void *val, size_t vallen, struct store_otp *t)
{
	MDB_val v = bytes_val(val, vallen);

	return otp_decode(&v, t);
}

int
store_audit_decode(const void *key, size_t keylen, const void *val,
    size_t vallen, struct pw_audit *e, size_t *bodylen)
{
	MDB_val k = bytes_val(key, keylen), v = bytes_val(val, vallen);
	int r;

	*bodylen = 0;
	if ((r = audit_decode(&k, &v, e, bodylen)) != PW_OK)
		*bodylen = 0;
	return r;
}

int
store_audit_encode_body(const struct pw_audit *e, struct wire *w)
{
	return audit_body(e, w);
}

/* ==== Can the store take a write? ==== */

#define STORE_FREE_MIN ((uint64_t)1 << 20) /* bytes: below, ask the disk */

static atomic_bool unwritable; /* the last probe failed */

/* One small durable write (the meta key "probe"), logged by nobody. */
static int
probe(struct store *st)
{
	MDB_val k = { 5, (void *)(uintptr_t)"probe" }, v;
	uint8_t buf[8];
	MDB_txn *txn = NULL;
	int64_t now = (int64_t)time(NULL);
	int rc, i;

	for (i = 0; i < 8; i++)
		buf[i] = (uint8_t)((uint64_t)now >> (56 - 8 * i));
	v.mv_size = sizeof(buf);
	v.mv_data = buf;
	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0)
		return rc;
	if ((rc = mdb_put(txn, st->meta, &k, &v, 0)) != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	return mdb_txn_commit(txn);
}

int
store_writable(struct store *st)
{
	struct statvfs sv;
	int rc;

	if (!atomic_load(&suspect) && !atomic_load(&unwritable) &&
	    statvfs(st->dir, &sv) == 0 &&
	    (uint64_t)sv.f_bavail * sv.f_frsize >= STORE_FREE_MIN)
		return PW_OK;
	atomic_store(&suspect, false);
	if ((rc = probe(st)) != 0) {
		if (!atomic_exchange(&unwritable, true))
			log_warnx("store: %s cannot take writes (%s): password "
			    "checks are refused, unhashed, until it can",
			    st->dir, mdb_strerror(rc));
		return PW_ERR_READONLY;
	}
	if (atomic_exchange(&unwritable, false))
		log_notice("store: %s takes writes again: password checks "
		    "resume", st->dir);
	return PW_OK;
}
