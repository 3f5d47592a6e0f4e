/* SPDX-License-Identifier: MIT */
/*
 * What a store backend implements (daemon/store_lmdb.c, daemon/store_pg.c).
 * store.c is its only caller: it builds transactions, the audit chain and
 * every composite operation from these primitives, so the rules above the
 * store are written once.
 *
 * Every backend:
 *  1. runs one write transaction at a time across everything that shares
 *     its data (LMDB's single writer; one lock across the fleet in
 *     PostgreSQL), so what a write transaction reads cannot change under it;
 *  2. makes a commit durable before it returns PW_OK;
 *  3. refuses a record that does not decode exactly (PW_ERR_STORE), never
 *     reads a default in its place;
 *  4. answers PW_ERR_NOUSER for an absent record, PW_ERR_EXISTS for a taken
 *     name on create, PW_ERR_READONLY when it cannot take writes now, and
 *     PW_ERR_STORE for anything else (logged once by the backend).
 */
#ifndef PWD_STORE_BACKEND_H
#define PWD_STORE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct store_backend; /* one open store */
struct store_btx;     /* one transaction on it */

/* A stored audit entry: NULL when it does not decode (seq still set). */
typedef int (*store_audit_fn)(uint64_t seq, const struct pw_audit *e,
    void *arg);
typedef int (*store_user_fn)(const struct store_user *u, void *arg);

/*
 * A transaction: a write (exclusive: rule 1 above), a read of several
 * statements that must all see one snapshot, or a read of one statement,
 * which is its own snapshot (a backend may then send no BEGIN at all).
 */
enum store_txkind { STORE_TX_READ_ONE, STORE_TX_READ, STORE_TX_WRITE };

struct store_ops {
	const char *name; /* "lmdb", "postgresql" */
	void (*close)(struct store_backend *b);

	int (*begin)(struct store_backend *b, enum store_txkind kind,
	    struct store_btx **tx);
	int (*commit)(struct store_btx *tx); /* frees tx, whatever it returns */
	void (*abort)(struct store_btx *tx); /* frees tx */

	int (*user_get)(struct store_btx *tx, const char *name,
	    struct store_user *u);
	int (*user_put)(struct store_btx *tx, const struct store_user *u,
	    bool create);
	int (*user_del)(struct store_btx *tx, const char *name);
	/* in name order, strictly after `after' ("" = from the first); fn
	 * returns 0 to go on, 1 to stop, < 0 to stop with that error */
	int (*user_scan)(struct store_btx *tx, const char *after,
	    store_user_fn fn, void *arg);
	int (*user_count)(struct store_btx *tx, size_t *n);

	/* none: all zero and PW_OK */
	int (*history_get)(struct store_btx *tx, const char *name,
	    struct store_history *hist);
	int (*history_put)(struct store_btx *tx, const char *name,
	    const struct store_history *hist);
	int (*history_del)(struct store_btx *tx, const char *name);

	int (*otp_get)(struct store_btx *tx, const char *name,
	    struct store_otp *t);
	int (*otp_put)(struct store_btx *tx, const char *name,
	    const struct store_otp *t);
	int (*otp_del)(struct store_btx *tx, const char *name);
	int (*otp_count)(struct store_btx *tx, size_t *n);

	/* small values (at most 64 bytes); get sets *len */
	int (*meta_get)(struct store_btx *tx, const char *key, void *buf,
	    size_t *len);
	int (*meta_put)(struct store_btx *tx, const char *key,
	    const void *buf, size_t len);

	/* e complete with seq and hash; PW_ERR_EXISTS when seq is taken */
	int (*audit_put)(struct store_btx *tx, const struct pw_audit *e);
	/* entries with seq >= from, in order; fn as user_scan's */
	int (*audit_scan)(struct store_btx *tx, uint64_t from,
	    store_audit_fn fn, void *arg);

	/* store_backup, store_writable: see store.h */
	int (*backup)(struct store_backend *b, int fd);
	int (*writable)(struct store_backend *b);

	/*
	 * Rule 1's guess slots, held in the store when daemons share it
	 * (NULL where one daemon owns the store and holds them in memory):
	 * see store_tx_slots in store.h.
	 */
	int (*slots)(struct store_btx *tx, const char *name, uint8_t factor,
	    uint32_t *live, uint32_t *expired);
	int (*slot_add)(struct store_btx *tx, const char *name, uint8_t factor,
	    const char *host, uint32_t hold_ms, int64_t *id);
	int (*slot_del)(struct store_btx *tx, int64_t id, bool *found);
};

/*
 * Each backend's opener: on success *b and *ops are set; on failure err
 * holds one line.
 */
/* readonly: an existing store, opened for reading only (--copy-from) */
int store_lmdb_open(const char *dir, bool readonly, struct store_backend **b,
    const struct store_ops **ops, char *err, size_t errsz) PW_WUR;
int store_pg_open(const char *conninfo, struct store_backend **b,
    const struct store_ops **ops, char *err, size_t errsz) PW_WUR;

/*
 * Creates or upgrades the PostgreSQL schema (pwadmind --init-db): msg gets
 * one line saying what was done, or why not.
 */
int store_pg_init_db(const char *conninfo, char *msg, size_t msgsz) PW_WUR;

#endif
