/* SPDX-License-Identifier: MIT */
/*
 * The audit chain (rule 13), above every backend: each entry is appended
 * in the write transaction of the change it records, numbered after the
 * head and hashed over the hash before it (verify_chain), so an edit, a
 * removal or a reordering breaks every hash from that entry on; the head
 * names the last entry; the entries go to syslog once committed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "pwerr.h"
#include "stats.h"
#include "store_int.h"
#include "util.h"
#include "verify.h"

/* Logs the audit entries a committed transaction appended (rule 13). */
void
chain_log_added(const struct store_tx *tx)
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
int
chain_put_head(struct store_tx *tx)
{
	uint8_t buf[HEAD_LEN];

	if (tx->nadded == 0)
		return PW_OK;
	store_seq_key(tx->seq, buf);
	memcpy(buf + STORE_SEQ_KEY, tx->hash, PW_AUDIT_HASH);
	return tx->st->ops->meta_put(tx->btx, AUDIT_HEAD, buf, sizeof(buf));
}

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

void
store_daemon_entry(struct pw_audit *e, const char *action, uint32_t uid)
{
	memset(e, 0, sizeof(*e));
	e->time = (int64_t)time(NULL);
	e->uid = uid;
	memcpy(e->actor, "pwadmind", sizeof("pwadmind"));
	memcpy(e->action, action, strnlen(action, PW_ACTION_MAX));
}

int
chain_any_entry(uint64_t seq, const struct pw_audit *e, void *arg)
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
int
chain_start_tx(struct store_tx *tx, void *arg)
{
	struct pw_audit e;
	bool entries = false;
	size_t users;
	int r;

	(void)arg;
	if ((r = load_head(tx)) != PW_OK || tx->head_found)
		return r;
	if ((r = tx->st->ops->audit_scan(tx->btx, 0, chain_any_entry,
	    &entries)) != PW_OK ||
	    (r = tx->st->ops->user_count(tx->btx, &users)) != PW_OK)
		return r;
	/* entries without a head: leave them for audit --verify to report */
	if (entries)
		return PW_OK;
	store_daemon_entry(&e, "start", (uint32_t)geteuid());
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
	if ((r = store_read_tx(st, STORE_TX_READ, audit_read_fn, &t)) != PW_OK)
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

/* The check of store_audit_verify, in a transaction given (btx) or in a
 * read transaction of its own (btx NULL). */
static int
verify_in(struct store *st, struct store_btx *btx, uint64_t *count,
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
	if (btx != NULL)
		r = verify_fn(st, btx, &v);
	else
		r = store_read_tx(st, STORE_TX_READ, verify_fn, &v);
	if (r != PW_OK)
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

int
store_audit_verify(struct store *st, uint64_t *count,
    uint8_t head[PW_AUDIT_HASH], struct pw_why *why)
{
	return verify_in(st, NULL, count, head, why);
}

int
chain_verify_tx(struct store_tx *tx, uint64_t *count)
{
	uint8_t head[PW_AUDIT_HASH];
	struct pw_why why;

	return verify_in(tx->st, tx->btx, count, head, &why);
}

