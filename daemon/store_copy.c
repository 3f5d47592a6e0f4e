/* SPDX-License-Identifier: MIT */
/*
 * pwadmind --copy-from: an LMDB store copied into the configured
 * PostgreSQL database in one transaction, the audit log byte for byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pwerr.h"
#include "store_int.h"
#include "wipe.h"

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
	struct pw_audit e;
	bool entries = false;
	uint64_t count;
	int r;

	c->to = tx;
	if ((r = tx->st->ops->user_count(tx->btx, &n)) != PW_OK ||
	    (r = tx->st->ops->audit_scan(tx->btx, 0, chain_any_entry,
	    &entries)) != PW_OK)
		return r;
	r = tx->st->ops->meta_get(tx->btx, AUDIT_HEAD, head, &len);
	if (n > 0 || entries || r != PW_ERR_NOUSER)
		return r == PW_OK || r == PW_ERR_NOUSER ? PW_ERR_EXISTS : r;
	if ((r = c->src->ops->user_scan(c->from, "", copy_user, c)) != PW_OK ||
	    (r = c->src->ops->audit_scan(c->from, 0, copy_entry, c)) !=
	    PW_OK || (r = copy_meta(c, AUDIT_HEAD)) != PW_OK ||
	    (r = copy_meta(c, "otp_key_check")) != PW_OK ||
	    (r = copy_meta(c, "unknown_auth")) != PW_OK)
		return r;
	/* the chain as this transaction wrote it, before it commits */
	if ((r = chain_verify_tx(tx, &count)) != PW_OK || count != c->entries) {
		c->broken = true;
		return PW_ERR_AUDIT;
	}
	/* and the copy itself, audited in the same transaction */
	store_daemon_entry(&e, "copy", (uint32_t)geteuid());
	snprintf(e.detail, sizeof(e.detail), "copied %zu accounts and %zu "
	    "audit entries from an LMDB store", c->users, c->entries);
	return store_tx_audit(tx, &e);
}

int
store_copy_from(const struct pwd_conf *conf, const char *dir, char *msg,
    size_t msgsz)
{
	struct copy c = { 0 };
	struct store *dst = NULL;
	struct pw_why why;
	uint8_t head[PW_AUDIT_HASH];
	uint64_t count;
	int r;

	if ((r = store_open_pg(conf, &dst, msg, msgsz)) != PW_OK)
		return r;
	/* read only: the source is not written to, not even a first entry */
	if ((r = store_open_lmdb_readonly(dir, &c.src, msg, msgsz)) != PW_OK)
		goto out;
	/* the source's check first: a broken chain is not carried over */
	if ((r = store_audit_verify(c.src, &count, head, &why)) != PW_OK) {
		snprintf(msg, msgsz, "%s: the audit log does not verify (run "
		    "pwadmin audit --verify there): nothing copied", dir);
		goto out;
	}
	if ((r = c.src->ops->begin(c.src->b, STORE_TX_READ, &c.from)) != PW_OK) {
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
		    c.broken ? "the audit log does not verify as copied" :
		    pw_strerror(r));
		goto out;
	}
	snprintf(msg, msgsz, "copied %zu accounts and %zu audit entries from "
	    "%s; the audit log verifies", c.users, c.entries, dir);
out:
	store_close(c.src);
	store_close(dst);
	return r;
}
