/* SPDX-License-Identifier: MIT */
/*
 * The account store over one backend (store_backend.h): transactions and
 * the composite operations, written once for every backend (the audit
 * chain above them is chain.c's, the copy of an LMDB store store_copy.c's).
 *  1. Every store_* call begins and ends its own transaction, and every
 *     error path aborts it.
 *  2. A write transaction's audit entries (chain.c) are appended in it,
 *     and logged only once it is committed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "pwerr.h"
#include "store.h"
#include "store_backend.h"
#include "store_codec.h"
#include "store_int.h"
#include "util.h"
#include "wipe.h"

/* Starts the audit log of a store just opened (store_open_conf). */
static int
started(struct store *st, const char *what, char *err, size_t errsz)
{
	int r;

	if ((r = store_write(st, chain_start_tx, NULL)) != PW_OK) {
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
	if ((r = store_lmdb_open(dir, false, &st->b, &st->ops, err, errsz)) != PW_OK) {
		free(st);
		return r;
	}
	if ((r = started(st, dir, err, errsz)) == PW_OK)
		*stp = st;
	return r;
}

int
store_open_pg(const struct pwd_conf *c, struct store **stp, char *err, size_t errsz)
{
	struct store *st;
	int r;

	*stp = NULL;
	if (strcmp(c->store, "postgresql") != 0 || c->postgresql[0] == '\0') {
		snprintf(err, errsz, "store = postgresql needs a line "
		    "postgresql = CONNINFO");
		return PW_ERR_INVAL;
	}
	/* a guess may wait slot_wait_timeout for a hash worker while it
	 * holds its slot: the hold must outlast that wait */
	if (c->slot_hold <= c->slot_wait_timeout) {
		snprintf(err, errsz, "slot_hold (%u s) must be longer than "
		    "slot_wait_timeout (%u s)", c->slot_hold,
		    c->slot_wait_timeout);
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
store_open_lmdb_readonly(const char *dir, struct store **stp, char *err,
    size_t errsz)
{
	struct store *st;
	int r;

	*stp = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return PW_ERR_NOMEM;
	if ((r = store_lmdb_open(dir, true, &st->b, &st->ops, err, errsz)) !=
	    PW_OK) {
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
	if ((r = store_open_pg(c, &st, err, errsz)) != PW_OK)
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

int
store_read_tx(struct store *st, enum store_txkind kind,
    int (*fn)(struct store *st, struct store_btx *btx, void *a), void *a)
{
	struct store_btx *btx;
	int r;

	if ((r = st->ops->begin(st->b, kind, &btx)) != PW_OK)
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
	if ((r = store_read_tx(st, STORE_TX_READ_ONE, user_get_fn, &g)) != PW_OK)
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
	if ((r = store_read_tx(st, STORE_TX_READ_ONE, history_get_fn, &g)) != PW_OK)
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
	if ((r = store_read_tx(st, STORE_TX_READ_ONE, otp_get_fn, &g)) != PW_OK)
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
	return store_read_tx(st, STORE_TX_READ_ONE, otp_count_fn, n);
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

	return store_read_tx(st, STORE_TX_READ_ONE, meta_get_fn, &m);
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

	return store_read_tx(st, STORE_TX_READ, scan_fn, &s);
}

/* ==== Write transactions ==== */

int
store_write(struct store *st, store_tx_fn fn, void *arg)
{
	struct store_tx tx;
	int r;

	memset(&tx, 0, sizeof(tx));
	tx.st = st;
	if ((r = st->ops->begin(st->b, STORE_TX_WRITE, &tx.btx)) != PW_OK)
		return r;
	r = fn(&tx, arg);
	if (r >= 0)
		r = chain_put_head(&tx);
	if (r < 0)
		st->ops->abort(tx.btx);
	else if ((r = st->ops->commit(tx.btx)) == PW_OK)
		chain_log_added(&tx);
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

struct claim_arg {
	const char *key;
	const void *buf;
	size_t len;
	void *out;
	size_t *outlen;
};

static int
claim_tx(struct store_tx *tx, void *arg)
{
	struct claim_arg *c = arg;
	int r;

	r = tx->st->ops->meta_get(tx->btx, c->key, c->out, c->outlen);
	if (r != PW_ERR_NOUSER)
		return r;
	if (c->len > *c->outlen)
		return PW_ERR_TOOLONG;
	memcpy(c->out, c->buf, c->len);
	*c->outlen = c->len;
	return tx->st->ops->meta_put(tx->btx, c->key, c->buf, c->len);
}

int
store_meta_claim(struct store *st, const char *key, const void *buf,
    size_t len, void *out, size_t *outlen)
{
	struct claim_arg c = { key, buf, len, out, outlen };

	return store_write(st, claim_tx, &c);
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

