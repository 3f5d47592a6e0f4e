/* SPDX-License-Identifier: MIT */
/* The store's records as bytes (daemon/store_codec.c): the LMDB backend's
 * format, the audit chain's hashed bytes, and the fuzzers' target
 * (tests/fuzz/fuzz_store.c). */
#ifndef PWD_STORE_CODEC_H
#define PWD_STORE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "store.h"
#include "wire.h"

/*
 * Each decoder reads exactly one record: a value that is short, has bytes left
 * over, carries another version byte or a value out of range is refused
 * with PW_ERR_STORE (after a log_warnx line, as in the store).  The output
 * holds copies, never pointers into the input, and the input is only read.
 */

/*
 * An account: key is its name (1..PW_USER_MAX bytes, copied as is), val
 * its record.  *u is cleared first, and is all zero again on failure.
 * Wipe *u after use (it holds hashes).
 */
int store_user_decode(const void *key, size_t keylen, const void *val,
    size_t vallen, struct store_user *u) PW_WUR;

/* Appends the record of u (without its name, the key) to w. */
int store_user_encode(const struct store_user *u, struct wire *w) PW_WUR;

/*
 * Whether an account read from any backend may be used: a name, a role and
 * a token state in range, every hash a C string within its array.
 */
bool store_user_valid(const struct store_user *u);

/* Append the history record of hist / the token record of t to w. */
int store_history_encode(const struct store_history *hist, struct wire *w)
    PW_WUR;
int store_otp_encode(const struct store_otp *t, struct wire *w) PW_WUR;

/*
 * A password history record into *hist, cleared first and all zero again
 * on failure.  Wipe *hist after use.
 */
int store_history_decode(const void *val, size_t vallen,
    struct store_history *hist) PW_WUR;

/* A token record into *t, cleared first and all zero again on failure. */
int store_otp_decode(const void *val, size_t vallen, struct store_otp *t)
    PW_WUR;

/*
 * An audit entry: key is its number (8 bytes, big-endian), val its fields
 * then its chain hash.  On success *bodylen is the length of the prefix of
 * val that the chain hash covers (what store_audit_encode_body writes); on
 * failure it is 0 and *e may hold some of the fields (there is no secret).
 * Whether the hash matches is not checked here (store_audit_verify does).
 */
int store_audit_decode(const void *key, size_t keylen, const void *val,
    size_t vallen, struct pw_audit *e, size_t *bodylen) PW_WUR;

/* Appends the hashed fields of e (a stored entry without its hash) to w. */
int store_audit_encode_body(const struct pw_audit *e, struct wire *w) PW_WUR;
/* Appends the stored value of e: its hashed fields, then its hash. */
int store_audit_encode(const struct pw_audit *e, struct wire *w) PW_WUR;

/* An audit entry's number as its key: 8 bytes, big-endian (sorts in order). */
#define STORE_SEQ_KEY 8
void store_seq_key(uint64_t seq, uint8_t key[STORE_SEQ_KEY]);
uint64_t store_seq_of(const uint8_t key[STORE_SEQ_KEY]);

#endif
