/* SPDX-License-Identifier: MIT */
/*
 * The account store over one backend (store_backend.h): transactions, the
 * composite operations, and the audit chain (rule 13), written once for
 * every backend.
 *  1. Every store_* call begins and ends its own transaction, and every
 *     error path aborts it.
 *  2. An audit entry is appended in the transaction of the change it
 *     records, chained to the one before it, and logged only once that
 *     transaction is committed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "pwerr.h"
#include "stats.h"
#include "store.h"
#include "store_backend.h"
#include "store_codec.h"
#include "util.h"
#include "verify.h"
#include "wipe.h"

#define AUDIT_REC_MAX 1024	   /* bytes of an entry's hashed fields */
#define AUDIT_HEAD    "audit_head" /* meta key: u64 seq, then the hash */
#define HEAD_LEN      (STORE_SEQ_KEY + PW_AUDIT_HASH)

struct store {
	const struct store_ops *ops;
	struct store_backend *b;
	char host[PWD_HOST_MAX + 1]; /* names this daemon's slots */
};

/* A write transaction in progress (store_write). */
struct store_tx {
	struct store *st;
	struct store_btx *btx;
	bool head_loaded;	     /* seq/hash read from the meta values */
	bool head_found;	     /* ... and it was there */
	uint64_t seq;		     /* the last audit entry's number */
	uint8_t hash[PW_AUDIT_HASH]; /* and its hash */
	struct pw_audit *added;	     /* entries appended, for syslog */
	size_t nadded, capadded;
};

static int audit_start_tx(struct store_tx *tx, void *arg);

/* Starts the audit log of a store just opened (store_open_conf). */
static int
started(struct store *st, const char *what, char *err, size_t errsz)
{
	int r;

	if ((r = store_write(st, audit_start_tx, NULL)) != PW_OK) {
		snprintf(err, errsz, "%s: cannot start the audit log: %s", what,
		    pw_strerror(r));
		store_close(st);
	}
	return r;
}

int
store_open(struct store **stp, const char *dir, char *err, size_t errsz)
{
	struct store *st;
	int r;

	*stp = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return PW_ERR_NOMEM;
	if ((r = store_lmdb_open(dir, &st->b, &st->ops, err, errsz)) != PW_OK) {
		free(st);
		return r;
	}
	if ((r = started(st, dir, err, errsz)) == PW_OK)
		*stp = st;
	return r;
}

/* The PostgreSQL store of the configuration, its audit log not started. */
static int
open_pg(const struct pwd_conf *c, struct store **stp, char *err, size_t errsz)
{
	struct store *st;
	int r;

	*stp = NULL;
	if (strcmp(c->store, "postgresql") != 0 || c->postgresql[0] == '\0') {
		snprintf(err, errsz, "store = postgresql needs a line "
		    "postgresql = CONNINFO");
		return PW_ERR_INVAL;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return PW_ERR_NOMEM;
	snprintf(st->host, sizeof(st->host), "%s", c->host_name);
	if ((r = store_pg_open(c->postgresql, &st->b, &st->ops, err,
	    errsz)) != PW_OK) {
		free(st);
		return r;
	}
	*stp = st;
	return PW_OK;
}

int
store_open_conf(struct store **stp, const struct pwd_conf *c, char *err,
    size_t errsz)
{
	struct store *st;
	int r;

	*stp = NULL;
	if (strcmp(c->store, "postgresql") != 0)
		return store_open(stp, c->state_dir, err, errsz);
	if ((r = open_pg(c, &st, err, errsz)) != PW_OK)
		return r;
	if ((r = started(st, "postgresql", err, errsz)) == PW_OK)
		*stp = st;
	return r;
}

int
store_init_db(const struct pwd_conf *c, char *msg, size_t msgsz)
{
	if (strcmp(c->store, "postgresql") != 0 || c->postgresql[0] == '\0') {
		snprintf(msg, msgsz, "--init-db needs store = postgresql and a "
		    "postgresql = CONNINFO line in the configuration");
		return PW_ERR_INVAL;
	}
	return store_pg_init_db(c->postgresql, msg, msgsz);
}

bool
store_shared(const struct store *st)
{
	return st->ops->slots != NULL;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	st->ops->close(st->b);
	free(st);
}

/* ==== Reads, each in a transaction of its own ==== */

/* One read transaction around fn(btx, a). */
static int
read_tx(struct store *st, int (*fn)(struct store *st, struct store_btx *btx,
    void *a), void *a)
{
	struct store_btx *btx;
	int r;

	if ((r = st->ops->begin(st->b, false, &btx)) != PW_OK)
		return r;
	r = fn(st, btx, a);
	st->ops->abort(btx);
	return r;
}

struct get_arg {
	const char *name;
	void *out;
};

static int
user_get_fn(struct store *st, struct store_btx *btx, void *a)
{
	struct get_arg *g = a;

	return st->ops->user_get(btx, g->name, g->out);
}

int
store_user_get(struct store *st, const char *name, struct store_user *u)
{
	struct get_arg g;
	int r;

	memset(u, 0, sizeof(*u));
	g.name = name;
	g.out = u;
	if ((r = read_tx(st, user_get_fn, &g)) != PW_OK)
		PW_WIPE_OBJECT(u);
	return r;
}

static int
history_get_fn(struct store *st, struct store_btx *btx, void *a)
{
	struct get_arg *g = a;

	return st->ops->history_get(btx, g->name, g->out);
}

int
store_history_get(struct store *st, const char *name,
    struct store_history *hist)
{
	struct get_arg g;
	int r;

	memset(hist, 0, sizeof(*hist));
	g.name = name;
	g.out = hist;
	if ((r = read_tx(st, history_get_fn, &g)) != PW_OK)
		PW_WIPE_OBJECT(hist);
	return r;
}

static int
otp_get_fn(struct store *st, struct store_btx *btx, void *a)
{
	struct get_arg *g = a;

	return st->ops->otp_get(btx, g->name, g->out);
}

int
store_otp_get(struct store *st, const char *name, struct store_otp *t)
{
	struct get_arg g;
	int r;

	memset(t, 0, sizeof(*t));
	g.name = name;
	g.out = t;
	if ((r = read_tx(st, otp_get_fn, &g)) != PW_OK)
		PW_WIPE_OBJECT(t);
	return r;
}

static int
otp_count_fn(struct store *st, struct store_btx *btx, void *a)
{
	return st->ops->otp_count(btx, a);
}

int
store_otp_count(struct store *st, size_t *n)
{
	*n = 0;
	return read_tx(st, otp_count_fn, n);
}

struct meta_arg {
	const char *key;
	void *buf;
	size_t *len;
};

static int
meta_get_fn(struct store *st, struct store_btx *btx, void *a)
{
	struct meta_arg *m = a;

	return st->ops->meta_get(btx, m->key, m->buf, m->len);
}

int
store_meta_get(struct store *st, const char *key, void *buf, size_t *len)
{
	struct meta_arg m = { key, buf, len };

	return read_tx(st, meta_get_fn, &m);
}

struct scan_arg {
	const char *after;
	store_user_fn fn;
	void *arg;
};

static int
scan_fn(struct store *st, struct store_btx *btx, void *a)
{
	struct scan_arg *s = a;

	return st->ops->user_scan(btx, s->after, s->fn, s->arg);
}

int
store_users_scan(struct store *st, const char *after,
    int (*fn)(const struct store_user *u, void *arg), void *arg)
{
	struct scan_arg s = { after, fn, arg };

	return read_tx(st, scan_fn, &s);
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
		log_notice("audit seq=%llu %s%s%sactor=%s uid=%u action=%s "
		    "target=%s result=%s detail=\"%s\" chain=%s",
		    (unsigned long long)e->seq, e->host[0] ? "host=" : "",
		    e->host, e->host[0] ? " " : "", e->actor, (unsigned)e->uid,
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
	uint8_t buf[HEAD_LEN];

	if (tx->nadded == 0)
		return PW_OK;
	store_seq_key(tx->seq, buf);
	memcpy(buf + STORE_SEQ_KEY, tx->hash, PW_AUDIT_HASH);
	return tx->st->ops->meta_put(tx->btx, AUDIT_HEAD, buf, sizeof(buf));
}

int
store_write(struct store *st, store_tx_fn fn, void *arg)
{
	struct store_tx tx;
	int r;

	memset(&tx, 0, sizeof(tx));
	tx.st = st;
	if ((r = st->ops->begin(st->b, true, &tx.btx)) != PW_OK)
		return r;
	r = fn(&tx, arg);
	if (r >= 0)
		r = put_head(&tx);
	if (r < 0)
		st->ops->abort(tx.btx);
	else if ((r = st->ops->commit(tx.btx)) == PW_OK)
		log_added(&tx);
	free(tx.added);
	return r;
}

int
store_tx_get(struct store_tx *tx, const char *name, struct store_user *u)
{
	int r;

	if ((r = tx->st->ops->user_get(tx->btx, name, u)) != PW_OK)
		PW_WIPE_OBJECT(u);
	return r;
}

int
store_tx_put(struct store_tx *tx, const struct store_user *u, bool create)
{
	if (!store_user_valid(u))
		return PW_ERR_INVAL;
	return tx->st->ops->user_put(tx->btx, u, create);
}

int
store_tx_del(struct store_tx *tx, const char *name)
{
	return tx->st->ops->user_del(tx->btx, name);
}

/* Applies fn to one account and writes it back when fn asks. */
static int
edit_one(struct store_tx *tx, const char *name, store_edit_fn fn, void *arg)
{
	struct store_user u;
	int r;

	if ((r = store_tx_get(tx, name, &u)) != PW_OK)
		return r;
	r = fn(&u, arg);
	if (r == 1)
		r = store_tx_put(tx, &u, false);
	PW_WIPE_OBJECT(&u);
	return r;
}

int
store_tx_edit(struct store_tx *tx, const char (*names)[PW_USER_MAX + 1],
    size_t n, store_edit_fn fn, void *arg)
{
	size_t i;
	int r = PW_OK;

	for (i = 0; i < n && r >= 0; i++)
		r = edit_one(tx, names[i], fn, arg);
	return r < 0 ? r : PW_OK;
}

/* The names of every account, collected before any is edited. */
struct names {
	char (*name)[PW_USER_MAX + 1];
	size_t n, cap;
};

static int
collect_name(const struct store_user *u, void *arg)
{
	struct names *ns = arg;
	char (*p)[PW_USER_MAX + 1];

	if ((p = pw_grow(ns->name, &ns->cap, ns->n + 1, sizeof(*p), 64)) ==
	    NULL)
		return PW_ERR_NOMEM;
	ns->name = p;
	memcpy(ns->name[ns->n++], u->name, sizeof(u->name));
	return 0;
}

int
store_tx_edit_all(struct store_tx *tx, store_edit_fn fn, void *arg)
{
	struct names ns = { NULL, 0, 0 };
	int r;

	r = tx->st->ops->user_scan(tx->btx, "", collect_name, &ns);
	if (r == PW_OK)
		r = store_tx_edit(tx, (const char(*)[PW_USER_MAX + 1])ns.name,
		    ns.n, fn, arg);
	free(ns.name);
	return r;
}

int
store_tx_scan(struct store_tx *tx, int (*fn)(const struct store_user *u,
    void *arg), void *arg)
{
	return tx->st->ops->user_scan(tx->btx, "", fn, arg);
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

/* ==== Meta values, the unknown-account counter ==== */

struct meta_put_arg {
	const char *key;
	const void *buf;
	size_t len;
};

static int
meta_put_tx(struct store_tx *tx, void *arg)
{
	struct meta_put_arg *m = arg;

	return tx->st->ops->meta_put(tx->btx, m->key, m->buf, m->len);
}

int
store_meta_put(struct store *st, const char *key, const void *buf, size_t len)
{
	struct meta_put_arg m = { key, buf, len };

	return store_write(st, meta_put_tx, &m);
}

static int
note_unknown_tx(struct store_tx *tx, void *arg)
{
	uint8_t buf[STORE_SEQ_KEY];
	size_t len = sizeof(buf);
	uint64_t n = 0;
	int r;

	(void)arg;
	r = tx->st->ops->meta_get(tx->btx, "unknown_auth", buf, &len);
	if (r == PW_OK && len == sizeof(buf))
		n = store_seq_of(buf);
	else if (r != PW_OK && r != PW_ERR_NOUSER)
		return r;
	store_seq_key(n + 1, buf);
	return tx->st->ops->meta_put(tx->btx, "unknown_auth", buf, sizeof(buf));
}

int
store_note_unknown(struct store *st)
{
	return store_write(st, note_unknown_tx, NULL);
}

/* ==== Password history (rule 10), tokens (rule 11) ==== */

int
store_tx_history_get(struct store_tx *tx, const char *name,
    struct store_history *hist)
{
	int r;

	if ((r = tx->st->ops->history_get(tx->btx, name, hist)) != PW_OK)
		PW_WIPE_OBJECT(hist);
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
		r = tx->st->ops->history_put(tx->btx, name, hist);
	}
	PW_WIPE_OBJECT(hist);
	free(hist);
	return r;
}

int
store_tx_history_del(struct store_tx *tx, const char *name)
{
	return tx->st->ops->history_del(tx->btx, name);
}

int
store_tx_otp_get(struct store_tx *tx, const char *name, struct store_otp *t)
{
	int r;

	if ((r = tx->st->ops->otp_get(tx->btx, name, t)) != PW_OK)
		PW_WIPE_OBJECT(t);
	return r;
}

int
store_tx_otp_put(struct store_tx *tx, const char *name,
    const struct store_otp *t)
{
	return tx->st->ops->otp_put(tx->btx, name, t);
}

int
store_tx_otp_del(struct store_tx *tx, const char *name)
{
	return tx->st->ops->otp_del(tx->btx, name);
}

/* ==== The audit chain (rule 13) ==== */

/* Reads the head (last seq and hash) into tx once; none = 0 and zeros. */
static int
load_head(struct store_tx *tx)
{
	uint8_t buf[HEAD_LEN + 1];
	size_t len = sizeof(buf);
	int r;

	if (tx->head_loaded)
		return PW_OK;
	r = tx->st->ops->meta_get(tx->btx, AUDIT_HEAD, buf, &len);
	if (r == PW_ERR_NOUSER) {
		tx->seq = 0;
		memset(tx->hash, 0, sizeof(tx->hash));
	} else if (r != PW_OK && r != PW_ERR_TOOLONG)
		return r;
	else if (r == PW_ERR_TOOLONG || len != HEAD_LEN) {
		log_warnx("store: the audit head does not decode");
		return PW_ERR_STORE;
	} else {
		tx->seq = store_seq_of(buf);
		memcpy(tx->hash, buf + STORE_SEQ_KEY, PW_AUDIT_HASH);
		tx->head_found = true;
	}
	tx->head_loaded = true;
	return PW_OK;
}

/* The chain hash of e over the hash before it: key, then hashed fields. */
static int
chain_of(const uint8_t prev[PW_AUDIT_HASH], const struct pw_audit *e,
    uint8_t out[PW_AUDIT_HASH])
{
	uint8_t key[STORE_SEQ_KEY], buf[AUDIT_REC_MAX];
	struct wire w;
	int r;

	store_seq_key(e->seq, key);
	wire_init(&w, buf, sizeof(buf));
	if ((r = store_audit_encode_body(e, &w)) != PW_OK)
		return r;
	verify_chain(prev, key, sizeof(key), buf, w.len, out);
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
	int r;

	/* in a store shared by hosts, each entry names the one that wrote it */
	memset(e->host, 0, sizeof(e->host));
	memcpy(e->host, tx->st->host, strlen(tx->st->host));
	if (!proto_audit_valid(e))
		return PW_ERR_INVAL;
	if ((r = load_head(tx)) != PW_OK)
		return r;
	e->seq = tx->seq + 1;
	if ((r = chain_of(tx->hash, e, e->hash)) != PW_OK)
		return r;
	r = tx->st->ops->audit_put(tx->btx, e);
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

static int
any_entry(uint64_t seq, const struct pw_audit *e, void *arg)
{
	(void)seq;
	(void)e;
	*(bool *)arg = true;
	return 1;
}

/*
 * The first entry of a log, written when the store is opened without an
 * audit head (a new store, or one made before the log existed): from then
 * on a store always has a head, and a log emptied by hand is detected.
 */
static int
audit_start_tx(struct store_tx *tx, void *arg)
{
	struct pw_audit e;
	bool entries = false;
	size_t users;
	int r;

	(void)arg;
	if ((r = load_head(tx)) != PW_OK || tx->head_found)
		return r;
	if ((r = tx->st->ops->audit_scan(tx->btx, 0, any_entry,
	    &entries)) != PW_OK ||
	    (r = tx->st->ops->user_count(tx->btx, &users)) != PW_OK)
		return r;
	/* entries without a head: leave them for audit --verify to report */
	if (entries)
		return PW_OK;
	memset(&e, 0, sizeof(e));
	e.time = (int64_t)time(NULL);
	e.uid = (uint32_t)geteuid();
	memcpy(e.actor, "pwadmind", sizeof("pwadmind"));
	memcpy(e.action, "start", sizeof("start"));
	/* a log that starts on a store with accounts says so: an upgrade,
	 * or a log removed by hand */
	snprintf(e.detail, sizeof(e.detail), "audit log started on a store "
	    "with %zu accounts", users);
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

struct read_arg {
	int64_t since;
	struct pw_audit *out;
	size_t max, *np;
	bool *more;
};

static int
read_one(uint64_t seq, const struct pw_audit *e, void *arg)
{
	struct read_arg *a = arg;

	(void)seq;
	if (e == NULL) {
		log_warnx("store: audit entry does not decode");
		return PW_ERR_STORE;
	}
	if (e->time < a->since)
		return 0;
	if (*a->np == a->max) {
		*a->more = true;
		return 1;
	}
	a->out[(*a->np)++] = *e;
	return 0;
}

struct read_tx_arg {
	uint64_t from;
	struct read_arg *a;
};

static int
audit_read_fn(struct store *st, struct store_btx *btx, void *arg)
{
	struct read_tx_arg *t = arg;

	return st->ops->audit_scan(btx, t->from, read_one, t->a);
}

int
store_audit_read(struct store *st, int64_t since, uint64_t after,
    struct pw_audit *out, size_t max, size_t *np, bool *more)
{
	struct read_arg a = { since, out, max, np, more };
	struct read_tx_arg t = { after + 1, &a };
	int r;

	*np = 0;
	*more = false;
	if (after == UINT64_MAX)
		return PW_OK;
	if ((r = read_tx(st, audit_read_fn, &t)) != PW_OK)
		*np = 0;
	return r;
}

/* The walk of audit --verify: the first entry that breaks the chain. */
struct walk {
	uint64_t next;		     /* the number the next entry must have */
	uint64_t count;		     /* entries that check */
	uint8_t last[PW_AUDIT_HASH]; /* the hash of the last of them */
	struct pw_why *why;
	bool broken;
};

static int
walk_one(uint64_t seq, const struct pw_audit *e, void *arg)
{
	uint8_t want[PW_AUDIT_HASH];
	struct walk *w = arg;
	enum pw_reason code = PW_R_NONE;

	if (seq != w->next)
		code = PW_R_AUDIT_MISSING;
	else if (e == NULL || chain_of(w->last, e, want) != PW_OK)
		code = PW_R_AUDIT_UNDECODABLE;
	else if (!verify_chain_equal(want, e->hash))
		code = PW_R_AUDIT_MISMATCH;
	if (code != PW_R_NONE || e == NULL) {
		*w->why = (struct pw_why){ .code = code, .num = w->next };
		w->broken = true;
		return 1;
	}
	memcpy(w->last, e->hash, PW_AUDIT_HASH);
	w->count = w->next++;
	return 0;
}

struct verify_arg {
	struct walk w;
	uint8_t head[HEAD_LEN];
	size_t headlen;
	int head_r;
};

static int
verify_fn(struct store *st, struct store_btx *btx, void *arg)
{
	struct verify_arg *v = arg;
	int r;

	r = st->ops->audit_scan(btx, 1, walk_one, &v->w);
	if (r != PW_OK && !v->w.broken) {
		*v->w.why = (struct pw_why){ .code = PW_R_AUDIT_UNREADABLE };
		v->w.broken = true;
	}
	v->headlen = sizeof(v->head);
	v->head_r = st->ops->meta_get(btx, AUDIT_HEAD, v->head, &v->headlen);
	return PW_OK;
}

int
store_audit_verify(struct store *st, uint64_t *count,
    uint8_t head[PW_AUDIT_HASH], struct pw_why *why)
{
	struct verify_arg v;
	uint64_t hseq = 0;
	bool head_ok;
	int r;

	*count = 0;
	memset(head, 0, PW_AUDIT_HASH);
	memset(why, 0, sizeof(*why));
	memset(&v, 0, sizeof(v));
	v.w.next = 1;
	v.w.why = why;
	if ((r = read_tx(st, verify_fn, &v)) != PW_OK)
		return r;
	*count = v.w.count;
	memcpy(head, v.w.last, PW_AUDIT_HASH);
	head_ok = v.head_r == PW_OK && v.headlen == HEAD_LEN;
	if (head_ok)
		hseq = store_seq_of(v.head);
	/* store_open makes a head, and every entry rewrites it: it must be
	 * there and name the last entry */
	if (!v.w.broken && (!head_ok || hseq != *count ||
	    !verify_chain_equal(v.w.last, v.head + STORE_SEQ_KEY))) {
		*why = (struct pw_why){ .code = PW_R_AUDIT_HEAD, .num = *count,
		    .num2 = hseq };
		v.w.broken = true;
	}
	return v.w.broken ? PW_ERR_AUDIT : PW_OK;
}

/* ==== Backup, writability ==== */

int
store_backup(struct store *st, int fd)
{
	return st->ops->backup(st->b, fd);
}

int
store_writable(struct store *st)
{
	return st->ops->writable(st->b);
}

/* ==== Guess slots held in a shared store (rule 1 across daemons) ==== */

int
store_tx_slots(struct store_tx *tx, const char *name, uint8_t factor,
    uint32_t *live, uint32_t *expired)
{
	*live = *expired = 0;
	if (tx->st->ops->slots == NULL)
		return PW_ERR_INVAL;
	return tx->st->ops->slots(tx->btx, name, factor, live, expired);
}

int
store_tx_slot_add(struct store_tx *tx, const char *name, uint8_t factor,
    uint32_t hold_ms, int64_t *id)
{
	*id = 0;
	if (tx->st->ops->slot_add == NULL)
		return PW_ERR_INVAL;
	return tx->st->ops->slot_add(tx->btx, name, factor, tx->st->host,
	    hold_ms, id);
}

int
store_tx_slot_del(struct store_tx *tx, int64_t id, bool *found)
{
	*found = false;
	if (tx->st->ops->slot_del == NULL)
		return PW_ERR_INVAL;
	return tx->st->ops->slot_del(tx->btx, id, found);
}

/* ==== Copying an LMDB store into PostgreSQL (pwadmind --copy-from) ==== */

struct copy {
	struct store *src;
	struct store_btx *from;
	struct store_tx *to;
	size_t users, entries;
	bool broken; /* an audit entry of the source does not decode */
};

static int
copy_user(const struct store_user *u, void *arg)
{
	struct copy *c = arg;
	struct store_history *hist;
	struct store_otp t;
	int r;

	if ((r = store_tx_put(c->to, u, true)) != PW_OK)
		return r;
	if ((hist = malloc(sizeof(*hist))) == NULL)
		return PW_ERR_NOMEM;
	if ((r = c->src->ops->history_get(c->from, u->name, hist)) == PW_OK)
		r = c->to->st->ops->history_put(c->to->btx, u->name, hist);
	PW_WIPE_OBJECT(hist);
	free(hist);
	if (r != PW_OK)
		return r;
	if ((r = c->src->ops->otp_get(c->from, u->name, &t)) == PW_OK)
		r = store_tx_otp_put(c->to, u->name, &t);
	else if (r == PW_ERR_NOUSER)
		r = PW_OK;
	PW_WIPE_OBJECT(&t);
	c->users++;
	return r;
}

static int
copy_entry(uint64_t seq, const struct pw_audit *e, void *arg)
{
	struct copy *c = arg;
	int r;

	(void)seq;
	if (e == NULL) {
		c->broken = true;
		return PW_ERR_AUDIT;
	}
	if ((r = c->to->st->ops->audit_put(c->to->btx, e)) != PW_OK)
		return r;
	c->entries++;
	return 0;
}

/* Copies the meta value `key' when the source has it. */
static int
copy_meta(struct copy *c, const char *key)
{
	uint8_t buf[HEAD_LEN + 32];
	size_t len = sizeof(buf);
	int r;

	r = c->src->ops->meta_get(c->from, key, buf, &len);
	if (r == PW_ERR_NOUSER)
		return PW_OK;
	if (r != PW_OK)
		return r;
	return c->to->st->ops->meta_put(c->to->btx, key, buf, len);
}

static int
copy_tx(struct store_tx *tx, void *arg)
{
	struct copy *c = arg;
	uint8_t head[HEAD_LEN];
	size_t n, len = sizeof(head);
	bool entries = false;
	int r;

	c->to = tx;
	if ((r = tx->st->ops->user_count(tx->btx, &n)) != PW_OK ||
	    (r = tx->st->ops->audit_scan(tx->btx, 0, any_entry,
	    &entries)) != PW_OK)
		return r;
	r = tx->st->ops->meta_get(tx->btx, AUDIT_HEAD, head, &len);
	if (n > 0 || entries || r != PW_ERR_NOUSER)
		return r == PW_OK || r == PW_ERR_NOUSER ? PW_ERR_EXISTS : r;
	if ((r = c->src->ops->user_scan(c->from, "", copy_user, c)) != PW_OK ||
	    (r = c->src->ops->audit_scan(c->from, 0, copy_entry, c)) !=
	    PW_OK || (r = copy_meta(c, AUDIT_HEAD)) != PW_OK ||
	    (r = copy_meta(c, "otp_key_check")) != PW_OK)
		return r;
	return copy_meta(c, "unknown_auth");
}

int
store_copy_from(const struct pwd_conf *conf, const char *dir, char *msg,
    size_t msgsz)
{
	struct copy c = { 0 };
	struct store *dst = NULL;
	struct pw_audit e;
	struct pw_why why;
	uint8_t head[PW_AUDIT_HASH];
	uint64_t count;
	int r;

	if ((r = open_pg(conf, &dst, msg, msgsz)) != PW_OK)
		return r;
	if ((r = store_open(&c.src, dir, msg, msgsz)) != PW_OK)
		goto out;
	/* the source's check first: a broken chain is not carried over */
	if ((r = store_audit_verify(c.src, &count, head, &why)) != PW_OK) {
		snprintf(msg, msgsz, "%s: the audit log does not verify (run "
		    "pwadmin audit --verify there): nothing copied", dir);
		goto out;
	}
	if ((r = c.src->ops->begin(c.src->b, false, &c.from)) != PW_OK) {
		snprintf(msg, msgsz, "%s: %s", dir, pw_strerror(r));
		goto out;
	}
	r = store_write(dst, copy_tx, &c);
	c.src->ops->abort(c.from);
	if (r == PW_ERR_EXISTS) {
		snprintf(msg, msgsz, "the database already holds accounts or "
		    "audit entries: nothing copied");
		goto out;
	}
	if (r != PW_OK) {
		snprintf(msg, msgsz, "copy failed, nothing copied: %s",
		    pw_strerror(r));
		goto out;
	}
	if ((r = store_audit_verify(dst, &count, head, &why)) != PW_OK ||
	    count != c.entries) {
		snprintf(msg, msgsz, "copied, but the audit log does not verify "
		    "in the database");
		r = PW_ERR_AUDIT;
		goto out;
	}
	memset(&e, 0, sizeof(e));
	e.time = (int64_t)time(NULL);
	e.uid = (uint32_t)geteuid();
	memcpy(e.actor, "pwadmind", sizeof("pwadmind"));
	memcpy(e.action, "copy", sizeof("copy"));
	snprintf(e.detail, sizeof(e.detail), "copied %zu accounts and %zu "
	    "audit entries from an LMDB store on %s", c.users, c.entries,
	    conf->host_name);
	if ((r = store_audit_append(dst, &e)) != PW_OK) {
		snprintf(msg, msgsz, "copied, but the copy could not be audited: "
		    "%s", pw_strerror(r));
		goto out;
	}
	snprintf(msg, msgsz, "copied %zu accounts and %zu audit entries from "
	    "%s; the audit log verifies", c.users, c.entries, dir);
out:
	store_close(c.src);
	store_close(dst);
	return r;
}
