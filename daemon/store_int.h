/* SPDX-License-Identifier: MIT */
/*
 * What store.c, chain.c and store_copy.c share inside the daemon: the
 * store and its write transaction.  Nothing else includes this.
 */
#ifndef PWD_STORE_INT_H
#define PWD_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "store.h"
#include "store_backend.h"
#include "store_codec.h"

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

/* One read transaction of st (STORE_TX_READ or _READ_ONE: fn sends one
 * statement) around fn(st, btx, a): its result. */
int store_read_tx(struct store *st, enum store_txkind kind,
    int (*fn)(struct store *st, struct store_btx *btx, void *a), void *a);

/* An LMDB store in dir for reading only (--copy-from's source). */
int store_open_lmdb_readonly(const char *dir, struct store **stp, char *err,
    size_t errsz);

/* The PostgreSQL store the configuration names; its audit log not started. */
int store_open_pg(const struct pwd_conf *c, struct store **stp, char *err,
    size_t errsz);

/* chain.c: the audit chain inside a write transaction (rule 13). */
/* store_write's fn for a store just opened: the first entry, if none. */
int chain_start_tx(struct store_tx *tx, void *arg);
/* Writes the audit head when tx appended entries (before its commit). */
int chain_put_head(struct store_tx *tx);
/* Logs the entries of a committed tx (after its commit). */
void chain_log_added(const struct store_tx *tx);
/* store_audit_verify inside a write transaction (what it wrote counts). */
int chain_verify_tx(struct store_tx *tx, uint64_t *count);
/* An audit_scan fn: sets *(bool *)arg when there is any entry. */
int chain_any_entry(uint64_t seq, const struct pw_audit *e, void *arg);

#endif
