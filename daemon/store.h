/* SPDX-License-Identifier: MIT */
/*
 * The account store: accounts, password histories, tokens, the audit log.
 * One interface over its backends (store_backend.h: LMDB for one host,
 * PostgreSQL for a fleet), implemented by store.c, chain.c (the audit
 * chain) and store_copy.c; the rules are decided above it, once.
 */
#ifndef PWD_STORE_H
#define PWD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "verify.h"

#define STORE_SCHEMA 1

struct store_factor {
	char hash[PWD_HASH_MAX]; /* Argon2id encoded string */
	uint32_t failures;	 /* consecutive wrong guesses */
	bool locked;		 /* lifted only by an unlock */
	bool must_change;
	int64_t changed_at; /* unix time of the last set */
};

/* One account as stored (encoded behind a version byte, never raw). */
struct store_user {
	char name[PW_USER_MAX + 1];
	uint8_t role;
	bool suspended;
	struct store_factor f[PW_FACTOR_MAX + 1];
	uint8_t otp_state;
	uint32_t otp_failures;
	int64_t created_at;
};

/* Earlier hashes of each factor, newest first (rule 10's history). */
#define PW_HISTORY_MAX 50 /* hashes per factor: the `history' key's maximum */
struct store_history {
	uint8_t n[PW_FACTOR_MAX + 1];
	char hash[PW_FACTOR_MAX + 1][PW_HISTORY_MAX][PWD_HASH_MAX];
};

/* An account's TOTP token, its secret sealed (libsodium secretbox). */
#define PWD_OTP_NONCE 24 /* bytes: crypto_secretbox_NONCEBYTES */
#define PWD_OTP_BOX   36 /* bytes: a 20-byte secret + the 16-byte MAC */
struct store_otp {
	bool pending;	     /* enrolled, not yet activated by a code */
	uint8_t tries;	     /* wrong activation codes so far (pending) */
	uint64_t last_step;  /* the last time step accepted (no replay) */
	uint8_t nonce[PWD_OTP_NONCE];
	uint8_t box[PWD_OTP_BOX];
};

struct store;
struct pwd_conf;

/*
 * Opens (creating when missing) the environment in dir: data.mdb and
 * lock.mdb, mode 0600; an audit log without a head gets its first entry
 * ("start") here.  The directory must not be writable by group or
 * others.  Call once per process, never across fork().  err gets a reason.
 */
int store_open(struct store **stp, const char *dir, char *err, size_t errsz) PW_WUR;
void store_close(struct store *st);

/*
 * Opens the store the configuration names: `store = lmdb' (store_open on
 * state_dir) or `store = postgresql' (the database at `postgresql', whose
 * schema --init-db made; guess slots are then held in it, named after
 * `host_name').  err gets one line.
 */
int store_open_conf(struct store **stp, const struct pwd_conf *c, char *err,
    size_t errsz) PW_WUR;

/* pwadmind --init-db: creates or upgrades the PostgreSQL schema. */
int store_init_db(const struct pwd_conf *c, char *msg, size_t msgsz) PW_WUR;

/*
 * pwadmind --copy-from: copies the LMDB store in dir (accounts, histories,
 * tokens, the audit log as it is, chain and all) into the configured
 * PostgreSQL database, which must hold no account and no audit entry, in
 * one transaction; then checks the chain there and audits the copy.  msg
 * gets one line.
 */
int store_copy_from(const struct pwd_conf *c, const char *dir, char *msg,
    size_t msgsz) PW_WUR;

/* Whether daemons on other hosts share this store (PostgreSQL). */
bool store_shared(const struct store *st);

/* Copies one account out (PW_ERR_NOUSER when absent).  Wipe *u after use. */
int store_user_get(struct store *st, const char *name, struct store_user *u) PW_WUR;

/*
 * An edit callback: changes *u and returns 1 to write it back, 0 to leave
 * it, or a negative PW_ERR_* to abort the whole transaction.
 */
typedef int (*store_edit_fn)(struct store_user *u, void *arg);

/*
 * Read-modify-write of the named accounts in ONE write transaction:
 * all-or-nothing, and durable (fsync) when it returns PW_OK.  A missing
 * name aborts with PW_ERR_NOUSER.
 */
int store_users_edit(struct store *st, const char (*names)[PW_USER_MAX + 1],
    size_t n, store_edit_fn fn, void *arg) PW_WUR;
int store_user_edit(struct store *st, const char *name, store_edit_fn fn,
    void *arg) PW_WUR;

/*
 * Calls fn for accounts in name order, starting after `after' ("" = from
 * the first), in one read transaction; fn returns 0 to go on, 1 to stop.
 */
int store_users_scan(struct store *st, const char *after,
    int (*fn)(const struct store_user *u, void *arg), void *arg) PW_WUR;


/* ==== Write transactions ==== */

struct store_tx; /* one write transaction in progress: see store_write */
typedef int (*store_tx_fn)(struct store_tx *tx, void *arg);

/*
 * Runs fn inside ONE write transaction and commits it durably when fn
 * returns >= 0 (the result is then the commit's: PW_OK or a store error);
 * a negative return aborts everything fn did, audit entries included.
 * Audit entries appended by a committed transaction go to syslog after
 * the commit.  Write transactions are serialised by the backend (across
 * every host that shares it), so what fn reads through tx cannot change
 * under it (the last-master guard relies on it).
 */
int store_write(struct store *st, store_tx_fn fn, void *arg) PW_WUR;

/* Inside store_write: one account (PW_ERR_NOUSER when absent); wipe *u. */
int store_tx_get(struct store_tx *tx, const char *name, struct store_user *u) PW_WUR;
/* Writes u under its name; create: PW_ERR_EXISTS when the name is taken. */
int store_tx_put(struct store_tx *tx, const struct store_user *u, bool create) PW_WUR;
/* Deletes an account (PW_ERR_NOUSER when absent). */
int store_tx_del(struct store_tx *tx, const char *name) PW_WUR;
/* store_users_edit inside a transaction; _all: every account, in name order. */
int store_tx_edit(struct store_tx *tx, const char (*names)[PW_USER_MAX + 1],
    size_t n, store_edit_fn fn, void *arg) PW_WUR;
int store_tx_edit_all(struct store_tx *tx, store_edit_fn fn, void *arg) PW_WUR;
/* Every account as this transaction sees it; fn returns 0 to go on, 1 to
 * stop, or a negative PW_ERR_* that is returned. */
int store_tx_scan(struct store_tx *tx, int (*fn)(const struct store_user *u,
    void *arg), void *arg) PW_WUR;

/*
 * Appends an audit entry in this transaction: e->seq and e->hash are set
 * (the chain: verify_chain over the previous hash, the key and the
 * fields).  The actor must be non-empty text, action and detail printable
 * ASCII within their maxima, the target a valid name or "" (else
 * PW_ERR_INVAL: nothing is ever stored that does not decode).
 */
int store_tx_audit(struct store_tx *tx, struct pw_audit *e) PW_WUR;

/*
 * The password history of `name' (all zero when it has none), inside a
 * transaction or in one of its own; wipe *hist after use.
 */
int store_tx_history_get(struct store_tx *tx, const char *name,
    struct store_history *hist) PW_WUR;
int store_history_get(struct store *st, const char *name,
    struct store_history *hist) PW_WUR;
/*
 * Puts `old' (the hash a factor had until now) in front of that factor's
 * history and keeps at most `keep' hashes.  Call it whenever a password
 * is replaced.
 */
int store_tx_history_push(struct store_tx *tx, const char *name,
    uint8_t factor, const char *old, uint32_t keep) PW_WUR;
/* Deletes the history of `name' (none is not an error). */
int store_tx_history_del(struct store_tx *tx, const char *name) PW_WUR;

/* One account's token: PW_ERR_NOUSER when it has none. */
int store_tx_otp_get(struct store_tx *tx, const char *name,
    struct store_otp *t) PW_WUR;
int store_otp_get(struct store *st, const char *name,
    struct store_otp *t) PW_WUR;
int store_tx_otp_put(struct store_tx *tx, const char *name,
    const struct store_otp *t) PW_WUR;
/* Deletes a token (none is not an error). */
int store_tx_otp_del(struct store_tx *tx, const char *name) PW_WUR;
/* How many tokens (pending ones included) the store holds. */
int store_otp_count(struct store *st, size_t *n) PW_WUR;

/*
 * A small value of the meta database (at most *len bytes into buf; *len
 * is set to its size): PW_ERR_NOUSER when absent.  store_meta_put writes
 * one durably.
 */
int store_meta_get(struct store *st, const char *key, void *buf,
    size_t *len) PW_WUR;
int store_meta_put(struct store *st, const char *key, const void *buf,
    size_t len) PW_WUR;
/*
 * Writes buf under key unless the key has a value, in one write
 * transaction; out (*outlen bytes at most) gets the value it has then,
 * ours or the one before.  Two hosts claiming at once: one value wins.
 */
int store_meta_claim(struct store *st, const char *key, const void *buf,
    size_t len, void *out, size_t *outlen) PW_WUR;

/* ==== Audit log ==== */

/* An entry the daemon writes itself (actor "pwadmind"): time, uid, action. */
void store_daemon_entry(struct pw_audit *e, const char *action, uint32_t uid);

/* One audit entry in a transaction of its own (a refusal, a backup). */
int store_audit_append(struct store *st, struct pw_audit *e) PW_WUR;

/*
 * Up to max entries with time >= since and seq > after, oldest first, into
 * out; *more is true when another such entry follows.
 */
int store_audit_read(struct store *st, int64_t since, uint64_t after,
    struct pw_audit *out, size_t max, size_t *np, bool *more) PW_WUR;

/*
 * Checks the whole chain in one read transaction: numbers 1..N without a
 * gap, every entry decodes and matches its hash, and the head (made by
 * store_open, rewritten with every entry) names entry N with its hash.
 * PW_OK with *count = N and head = entry N's hash (to compare with the
 * syslog line of that entry), or PW_ERR_AUDIT with the first broken entry
 * as *why's reason (PW_R_AUDIT_*, words.h), or a store error.
 */
int store_audit_verify(struct store *st, uint64_t *count,
    uint8_t head[PW_AUDIT_HASH], struct pw_why *why) PW_WUR;

/*
 * Writes a compacted copy of the environment into fd (an empty regular
 * file open for writing) in one read transaction, while the daemon serves,
 * and fsyncs it.  Free pages, and with them deleted secrets, are left out.
 */
int store_backup(struct store *st, int fd) PW_WUR;

/*
 * Counts an attempt on an unknown account in the meta database, durably.
 * It exists so that such an attempt pays the same write and fsync as a
 * stored failure does (SPEC rule 14: same time as a wrong password).
 */
int store_note_unknown(struct store *st) PW_WUR;

/*
 * Can the store take a write now?  PW_OK, or PW_ERR_READONLY.  Cheap while
 * all is well (one statvfs of the state directory).  After a failed store
 * operation, or with less than 1 MiB free, a real durable write decides;
 * the change of state is logged once each way.  Rule 1 asks it before a
 * hash, so that no verdict leaves the daemon while its failure could not
 * be stored.
 */
int store_writable(struct store *st) PW_WUR;
/*
 * Rule 1's guess slots in a shared store, inside store_write (PW_ERR_INVAL
 * on a store that is not shared); the database's clock times them.
 * store_tx_slots deletes the holds of `factor' of `name' that expired,
 * telling how many (*expired: the caller counts each as a failure in this
 * transaction) and how many are live.  store_tx_slot_add takes one for
 * hold_ms; *id names it.
 * store_tx_slot_del gives one back: *found is false when it had expired
 * (and was counted as a failure by whoever found it so).
 */
int store_tx_slots(struct store_tx *tx, const char *name, uint8_t factor,
    uint32_t *live, uint32_t *expired) PW_WUR;
int store_tx_slot_add(struct store_tx *tx, const char *name, uint8_t factor,
    uint32_t hold_ms, int64_t *id) PW_WUR;
int store_tx_slot_del(struct store_tx *tx, int64_t id, bool *found) PW_WUR;
#endif
