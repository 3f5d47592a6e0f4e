/* SPDX-License-Identifier: MIT */
/* The account store (LMDB): the only user of <lmdb.h>. */
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

struct store;

/*
 * Opens (creating when missing) the environment in dir: data.mdb and
 * lock.mdb, mode 0600.  The directory must not be writable by group or
 * others.  Call once per process, never across fork().  err gets a reason.
 */
int store_open(struct store **stp, const char *dir, char *err, size_t errsz) PW_WUR;
void store_close(struct store *st);

/* Copies one account out (PW_ERR_NOUSER when absent).  Wipe *u after use. */
int store_user_get(struct store *st, const char *name, struct store_user *u) PW_WUR;

/* Adds an account; PW_ERR_EXISTS when the name is taken. */
int store_user_add(struct store *st, const struct store_user *u) PW_WUR;

/* Adds the first account; PW_ERR_NOTEMPTY unless the store is empty.  */
int store_user_init(struct store *st, const struct store_user *u) PW_WUR;

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

/* The same over every account, in name order. */
int store_users_edit_all(struct store *st, store_edit_fn fn, void *arg) PW_WUR;

/*
 * Calls fn for accounts in name order, starting after `after' ("" = from
 * the first), in one read transaction; fn returns 0 to go on, 1 to stop.
 */
int store_users_scan(struct store *st, const char *after,
    int (*fn)(const struct store_user *u, void *arg), void *arg) PW_WUR;


/*
 * Counts an attempt on an unknown account in the meta database, durably.
 * It exists so that such an attempt pays the same write and fsync as a
 * stored failure does (SPEC rule 14: same time as a wrong password).
 */
int store_note_unknown(struct store *st) PW_WUR;
#endif
