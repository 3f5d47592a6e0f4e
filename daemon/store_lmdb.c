/* SPDX-License-Identifier: MIT */
/*
 * The LMDB backend (store_backend.h): the only user of <lmdb.h>.
 *  1. No txn, cursor or MDB_val escapes this file; every error path aborts
 *     the transaction it began.
 *  2. A write is durable when its commit returns PW_OK (no MDB_NOSYNC).
 *  3. Values from LMDB are read-only maps: they are decoded into caller
 *     memory (store_codec.c), never written to.  MDB_NOMEMINIT is never
 *     used.
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
#include "store_backend.h"
#include "store_codec.h"
#include "util.h"
#include "wipe.h"

#define REC_MAX	      1024 /* bytes of an encoded account */
#define AUDIT_REC_MAX 1024 /* bytes of an encoded audit entry */
#define OTP_REC_MAX   128  /* bytes of an encoded token */
#define HIST_REC_MAX  (2 + (PW_FACTOR_MAX + 1) * (1 + PW_HISTORY_MAX * \
			 (4 + PWD_HASH_MAX))) /* bytes */
#define MAPSIZE	      ((size_t)4 << 30) /* virtual; the file grows as used */

struct store_backend {
	MDB_env *env;
	char dir[PATH_MAX];
	MDB_dbi users;
	MDB_dbi meta;
	MDB_dbi audit;
	MDB_dbi history;
	MDB_dbi otp;
	atomic_bool suspect;	/* a store operation failed: ask the disk */
	atomic_bool unwritable; /* the last probe failed */
};

struct store_btx {
	struct store_backend *b;
	MDB_txn *txn;
};

static int
mdb_to_pw(struct store_backend *b, int rc, const char *what)
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
		atomic_store(&b->suspect, true);
		log_warnx("store: %s: %s", what, mdb_strerror(rc));
		return PW_ERR_READONLY;
	default:
		atomic_store(&b->suspect, true);
		log_warnx("store: %s: %s", what, mdb_strerror(rc));
		return PW_ERR_STORE;
	}
}

static MDB_val
str_val(const char *s)
{
	MDB_val k = { strlen(s), (void *)(uintptr_t)s };

	return k;
}

/* ==== Transactions ==== */

static int
lm_begin(struct store_backend *b, enum store_txkind kind,
    struct store_btx **txp)
{
	bool write = kind == STORE_TX_WRITE;
	struct store_btx *tx;
	int rc;

	*txp = NULL;
	if ((tx = calloc(1, sizeof(*tx))) == NULL)
		return PW_ERR_NOMEM;
	tx->b = b;
	if ((rc = mdb_txn_begin(b->env, NULL, write ? 0 : MDB_RDONLY,
	    &tx->txn)) != 0) {
		free(tx);
		return mdb_to_pw(b, rc, write ? "begin" : "read");
	}
	*txp = tx;
	return PW_OK;
}

static int
lm_commit(struct store_btx *tx)
{
	int r = mdb_to_pw(tx->b, mdb_txn_commit(tx->txn), "commit");

	free(tx);
	return r;
}

static void
lm_abort(struct store_btx *tx)
{
	mdb_txn_abort(tx->txn);
	free(tx);
}

/* ==== Accounts ==== */

static int
lm_user_get(struct store_btx *tx, const char *name, struct store_user *u)
{
	MDB_val k = str_val(name), v;
	int rc;

	memset(u, 0, sizeof(*u));
	if ((rc = mdb_get(tx->txn, tx->b->users, &k, &v)) != 0)
		return mdb_to_pw(tx->b, rc, "get");
	return store_user_decode(k.mv_data, k.mv_size, v.mv_data, v.mv_size, u);
}

static int
lm_user_put(struct store_btx *tx, const struct store_user *u, bool create)
{
	uint8_t buf[REC_MAX];
	MDB_val k = str_val(u->name), v;
	struct wire w;
	int r;

	wire_init(&w, buf, sizeof(buf));
	if ((r = store_user_encode(u, &w)) == PW_OK) {
		v.mv_size = w.len;
		v.mv_data = buf;
		r = mdb_to_pw(tx->b, mdb_put(tx->txn, tx->b->users, &k, &v,
		    create ? MDB_NOOVERWRITE : 0), "put");
	}
	PW_WIPE_ARRAY(buf);
	return r;
}

static int
lm_user_del(struct store_btx *tx, const char *name)
{
	MDB_val k = str_val(name);

	return mdb_to_pw(tx->b, mdb_del(tx->txn, tx->b->users, &k, NULL),
	    "del");
}

static int
lm_user_scan(struct store_btx *tx, const char *after, store_user_fn fn,
    void *arg)
{
	MDB_cursor *cur = NULL;
	MDB_val k = str_val(after), v;
	MDB_cursor_op op = after[0] == '\0' ? MDB_FIRST : MDB_SET_RANGE;
	struct store_user u;
	int rc, r = 0;

	if ((rc = mdb_cursor_open(tx->txn, tx->b->users, &cur)) != 0)
		return mdb_to_pw(tx->b, rc, "cursor");
	for (rc = mdb_cursor_get(cur, &k, &v, op); rc == 0 && r == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (after[0] != '\0' && k.mv_size == strlen(after) &&
		    memcmp(k.mv_data, after, k.mv_size) == 0)
			continue; /* strictly after the cursor */
		if ((r = store_user_decode(k.mv_data, k.mv_size, v.mv_data,
		    v.mv_size, &u)) != PW_OK)
			break;
		r = fn(&u, arg);
		PW_WIPE_OBJECT(&u);
	}
	mdb_cursor_close(cur);
	if (r < 0)
		return r;
	if (r == 0 && rc != MDB_NOTFOUND)
		return mdb_to_pw(tx->b, rc, "scan");
	return PW_OK;
}

static int
count_of(struct store_btx *tx, MDB_dbi dbi, size_t *n)
{
	MDB_stat ms;
	int rc;

	*n = 0;
	if ((rc = mdb_stat(tx->txn, dbi, &ms)) != 0)
		return mdb_to_pw(tx->b, rc, "stat");
	*n = ms.ms_entries;
	return PW_OK;
}

static int
lm_user_count(struct store_btx *tx, size_t *n)
{
	return count_of(tx, tx->b->users, n);
}

/* ==== Password history, tokens ==== */

static int
lm_history_get(struct store_btx *tx, const char *name,
    struct store_history *hist)
{
	MDB_val k = str_val(name), v;
	int rc;

	memset(hist, 0, sizeof(*hist));
	if ((rc = mdb_get(tx->txn, tx->b->history, &k, &v)) == MDB_NOTFOUND)
		return PW_OK;
	if (rc != 0)
		return mdb_to_pw(tx->b, rc, "history");
	return store_history_decode(v.mv_data, v.mv_size, hist);
}

/* Encodes with enc into a wiped buffer of `max' bytes and puts it. */
static int
put_rec(struct store_btx *tx, MDB_dbi dbi, const char *name, size_t max,
    int (*enc)(const void *rec, struct wire *w), const void *rec,
    const char *what)
{
	MDB_val k = str_val(name), v;
	struct wire w;
	uint8_t *buf;
	int r;

	if ((buf = malloc(max)) == NULL)
		return PW_ERR_NOMEM;
	wire_init(&w, buf, max);
	if ((r = enc(rec, &w)) == PW_OK) {
		v.mv_size = w.len;
		v.mv_data = buf;
		r = mdb_to_pw(tx->b, mdb_put(tx->txn, dbi, &k, &v, 0), what);
	}
	pw_wipe(buf, max);
	free(buf);
	return r;
}

static int
enc_history(const void *rec, struct wire *w)
{
	return store_history_encode(rec, w);
}

static int
enc_otp(const void *rec, struct wire *w)
{
	return store_otp_encode(rec, w);
}

static int
lm_history_put(struct store_btx *tx, const char *name,
    const struct store_history *hist)
{
	return put_rec(tx, tx->b->history, name, HIST_REC_MAX, enc_history,
	    hist, "history");
}

/* Deletes a record; none is not an error. */
static int
del_rec(struct store_btx *tx, MDB_dbi dbi, const char *name, const char *what)
{
	MDB_val k = str_val(name);
	int rc = mdb_del(tx->txn, dbi, &k, NULL);

	return rc == MDB_NOTFOUND ? PW_OK : mdb_to_pw(tx->b, rc, what);
}

static int
lm_history_del(struct store_btx *tx, const char *name)
{
	return del_rec(tx, tx->b->history, name, "history");
}

static int
lm_otp_get(struct store_btx *tx, const char *name, struct store_otp *t)
{
	MDB_val k = str_val(name), v;
	int rc;

	memset(t, 0, sizeof(*t));
	if ((rc = mdb_get(tx->txn, tx->b->otp, &k, &v)) != 0)
		return mdb_to_pw(tx->b, rc, "otp");
	return store_otp_decode(v.mv_data, v.mv_size, t);
}

static int
lm_otp_put(struct store_btx *tx, const char *name, const struct store_otp *t)
{
	return put_rec(tx, tx->b->otp, name, OTP_REC_MAX, enc_otp, t, "otp");
}

static int
lm_otp_del(struct store_btx *tx, const char *name)
{
	return del_rec(tx, tx->b->otp, name, "otp");
}

static int
lm_otp_count(struct store_btx *tx, size_t *n)
{
	return count_of(tx, tx->b->otp, n);
}

/* ==== Meta values ==== */

static int
lm_meta_get(struct store_btx *tx, const char *key, void *buf, size_t *len)
{
	MDB_val k = str_val(key), v;
	int rc;

	if ((rc = mdb_get(tx->txn, tx->b->meta, &k, &v)) != 0)
		return mdb_to_pw(tx->b, rc, "meta");
	if (v.mv_size > *len)
		return PW_ERR_TOOLONG;
	memcpy(buf, v.mv_data, v.mv_size);
	*len = v.mv_size;
	return PW_OK;
}

static int
lm_meta_put(struct store_btx *tx, const char *key, const void *buf,
    size_t len)
{
	MDB_val k = str_val(key), v = { len, (void *)(uintptr_t)buf };

	return mdb_to_pw(tx->b, mdb_put(tx->txn, tx->b->meta, &k, &v, 0),
	    "meta");
}

/* ==== Audit entries ==== */

static int
lm_audit_put(struct store_btx *tx, const struct pw_audit *e)
{
	uint8_t key[STORE_SEQ_KEY], buf[AUDIT_REC_MAX];
	MDB_val k = { sizeof(key), key }, v;
	struct wire w;
	int r;

	store_seq_key(e->seq, key);
	wire_init(&w, buf, sizeof(buf));
	if ((r = store_audit_encode(e, &w)) != PW_OK)
		return r;
	v.mv_size = w.len;
	v.mv_data = buf;
	return mdb_to_pw(tx->b, mdb_put(tx->txn, tx->b->audit, &k, &v,
	    MDB_NOOVERWRITE), "audit");
}

static int
lm_audit_scan(struct store_btx *tx, uint64_t from, store_audit_fn fn,
    void *arg)
{
	uint8_t key[STORE_SEQ_KEY];
	MDB_cursor *cur = NULL;
	MDB_val k = { sizeof(key), key }, v;
	struct pw_audit e;
	uint64_t seq;
	size_t body;
	int rc, r = 0;

	store_seq_key(from, key);
	if ((rc = mdb_cursor_open(tx->txn, tx->b->audit, &cur)) != 0)
		return mdb_to_pw(tx->b, rc, "cursor");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && r == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		/* a key of another size is no entry number: 0 never follows */
		seq = k.mv_size == STORE_SEQ_KEY ? store_seq_of(k.mv_data) : 0;
		if (store_audit_decode(k.mv_data, k.mv_size, v.mv_data,
		    v.mv_size, &e, &body) == PW_OK)
			r = fn(seq, &e, arg);
		else
			r = fn(seq, NULL, arg);
	}
	mdb_cursor_close(cur);
	if (r < 0)
		return r;
	if (r == 0 && rc != MDB_NOTFOUND)
		return mdb_to_pw(tx->b, rc, "audit scan");
	return PW_OK;
}

/* ==== Backup, writability ==== */

static int
lm_backup(struct store_backend *b, int fd)
{
	int rc;

	if ((rc = mdb_env_copyfd2(b->env, fd, MDB_CP_COMPACT)) != 0)
		return mdb_to_pw(b, rc, "backup");
	if (fsync(fd) != 0) {
		log_warn("store: backup: fsync");
		return errno == ENOSPC || errno == EDQUOT ? PW_ERR_NOSPACE
							  : PW_ERR_IO;
	}
	return PW_OK;
}

#define STORE_FREE_MIN ((uint64_t)1 << 20) /* bytes: below, ask the disk */

/* One small durable write (the meta key "probe"), logged by nobody. */
static int
probe(struct store_backend *b)
{
	MDB_val k = str_val("probe"), v;
	uint8_t buf[8];
	MDB_txn *txn = NULL;
	int64_t now = (int64_t)time(NULL);
	int rc, i;

	for (i = 0; i < 8; i++)
		buf[i] = (uint8_t)((uint64_t)now >> (56 - 8 * i));
	v.mv_size = sizeof(buf);
	v.mv_data = buf;
	if ((rc = mdb_txn_begin(b->env, NULL, 0, &txn)) != 0)
		return rc;
	if ((rc = mdb_put(txn, b->meta, &k, &v, 0)) != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	return mdb_txn_commit(txn);
}

/*
 * Cheap while all is well (one statvfs of the state directory).  After a
 * failed store operation, or with less than 1 MiB free, a real durable
 * write decides; the change of state is logged once each way.
 */
static int
lm_writable(struct store_backend *b)
{
	struct statvfs sv;
	int rc;

	if (!atomic_load(&b->suspect) && !atomic_load(&b->unwritable) &&
	    statvfs(b->dir, &sv) == 0 &&
	    (uint64_t)sv.f_bavail * sv.f_frsize >= STORE_FREE_MIN)
		return PW_OK;
	atomic_store(&b->suspect, false);
	if ((rc = probe(b)) != 0) {
		if (!atomic_exchange(&b->unwritable, true))
			log_warnx("store: %s cannot take writes (%s): password "
			    "checks are refused, unhashed, until it can",
			    b->dir, mdb_strerror(rc));
		return PW_ERR_READONLY;
	}
	if (atomic_exchange(&b->unwritable, false))
		log_notice("store: %s takes writes again: password checks "
		    "resume", b->dir);
	return PW_OK;
}

/* ==== Opening ==== */

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
open_dbs(struct store_backend *b, bool readonly, char *err, size_t errsz)
{
	MDB_val k = str_val("schema"), v;
	uint8_t schema = STORE_SCHEMA;
	MDB_txn *txn = NULL;
	unsigned fl = readonly ? 0 : MDB_CREATE;
	int rc;

	if ((rc = mdb_txn_begin(b->env, NULL, readonly ? MDB_RDONLY : 0,
	    &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, "users", fl, &b->users)) != 0 ||
	    (rc = mdb_dbi_open(txn, "meta", fl, &b->meta)) != 0 ||
	    (rc = mdb_dbi_open(txn, "audit", fl, &b->audit)) != 0 ||
	    (rc = mdb_dbi_open(txn, "history", fl, &b->history)) != 0 ||
	    (rc = mdb_dbi_open(txn, "otp", fl, &b->otp)) != 0)
		goto fail;
	rc = mdb_get(txn, b->meta, &k, &v);
	if (rc == MDB_NOTFOUND && readonly) {
		snprintf(err, errsz, "%s: not a pwadmin store (no schema)",
		    b->dir);
		mdb_txn_abort(txn);
		return PW_ERR_STORE;
	} else if (rc == MDB_NOTFOUND) {
		v.mv_size = 1;
		v.mv_data = &schema;
		rc = mdb_put(txn, b->meta, &k, &v, 0);
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

static void
lm_close(struct store_backend *b)
{
	mdb_env_close(b->env);
	free(b);
}

static const struct store_ops lmdb_ops = {
	.name = "lmdb",
	.close = lm_close,
	.begin = lm_begin,
	.commit = lm_commit,
	.abort = lm_abort,
	.user_get = lm_user_get,
	.user_put = lm_user_put,
	.user_del = lm_user_del,
	.user_scan = lm_user_scan,
	.user_count = lm_user_count,
	.history_get = lm_history_get,
	.history_put = lm_history_put,
	.history_del = lm_history_del,
	.otp_get = lm_otp_get,
	.otp_put = lm_otp_put,
	.otp_del = lm_otp_del,
	.otp_count = lm_otp_count,
	.meta_get = lm_meta_get,
	.meta_put = lm_meta_put,
	.audit_put = lm_audit_put,
	.audit_scan = lm_audit_scan,
	.backup = lm_backup,
	.writable = lm_writable,
};

int
store_lmdb_open(const char *dir, bool readonly, struct store_backend **bp,
    const struct store_ops **ops, char *err, size_t errsz)
{
	struct store_backend *b;
	int rc, dead = 0, r;

	*bp = NULL;
	if (!readonly && (r = check_dir(dir, err, errsz)) != PW_OK)
		return r;
	if (strlen(dir) >= sizeof(b->dir)) {
		snprintf(err, errsz, "%s: path too long", dir);
		return PW_ERR_TOOLONG;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return PW_ERR_NOMEM;
	memcpy(b->dir, dir, strlen(dir) + 1);
	if ((rc = mdb_env_create(&b->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(b->env, 8)) != 0 ||
	    (rc = mdb_env_set_mapsize(b->env, MAPSIZE)) != 0 ||
	    (rc = mdb_env_open(b->env, dir, MDB_NOTLS |
	    (readonly ? MDB_RDONLY : 0), 0600)) != 0) {
		snprintf(err, errsz, "%s: %s", dir, mdb_strerror(rc));
		r = PW_ERR_STORE;
		goto fail;
	}
	/* Readers left by a killed process would pin old pages forever. */
	(void)mdb_reader_check(b->env, &dead);
	if ((r = open_dbs(b, readonly, err, errsz)) != PW_OK)
		goto fail;
	*bp = b;
	*ops = &lmdb_ops;
	return PW_OK;
fail:
	if (b->env != NULL)
		mdb_env_close(b->env);
	free(b);
	return r;
}
