/* SPDX-License-Identifier: MIT */
/* pwadmind.conf: `key = value' lines; every key has a bounded value. */
#ifndef PWD_CONF_H
#define PWD_CONF_H

#include <limits.h>
#include <stdint.h>

#include "proto.h"
#include "wire.h"

/* SYSCONFDIR/pwadmin/pwadmind.conf; the Makefile passes its SYSCONFDIR */
#ifndef PWD_CONF_DEFAULT
#define PWD_CONF_DEFAULT "/etc/pwadmin/pwadmind.conf"
#endif

#define PWD_CONNINFO_MAX 1000 /* bytes of `postgresql' with its NUL */
#define PWD_HOST_MAX	 PW_HOST_MAX /* bytes of `host_name' */

struct pwd_conf {
	char socket[108];
	char state_dir[PATH_MAX];
	char user[65];
	uint32_t max_login_failures;
	uint32_t max_confirm_failures;
	uint32_t max_otp_failures;
	uint32_t login_max_age_days;
	uint32_t confirm_max_age_days;
	uint32_t warn_days;
	uint32_t min_length;
	uint32_t min_classes;
	uint32_t history;
	uint32_t otp_window;
	uint32_t argon2_ops;
	uint32_t argon2_mem_kib;
	uint32_t hash_workers;	 /* 0 = one per CPU */
	uint32_t max_connections;
	uint32_t max_connections_per_uid;
	uint32_t request_timeout;   /* seconds to send a whole request */
	uint32_t slot_wait_timeout; /* seconds a guess may wait for a slot */
	uint32_t log_window; /* seconds over which repeated lines are folded */
	char store[16];	     /* "lmdb" or "postgresql" */
	char postgresql[PWD_CONNINFO_MAX]; /* libpq conninfo */
	char host_name[PWD_HOST_MAX + 1];  /* this host in the audit log */
	uint32_t slot_hold; /* seconds a fleet guess holds its slot */
};

/* Fills every key with its documented default. */
void conf_defaults(struct pwd_conf *c);

/* The name of the parser's i-th key (0, 1, ...); NULL past the last. */
const char *conf_key_name(size_t i);

/*
 * Reads `path' over the current values.  On error returns PW_ERR_INVAL (or
 * PW_ERR_IO when the file cannot be read) and writes "FILE:LINE: reason"
 * into err.  Unknown keys, duplicate keys, values out of range, lines over
 * 1023 bytes and non-printable bytes are errors: the daemon refuses to start
 * rather than run with a setting it did not understand.
 */
int conf_load(struct pwd_conf *c, const char *path, char *err, size_t errsz) PW_WUR;

/* Parses one `key = value' pair (used by conf_load and tests). */
int conf_set(struct pwd_conf *c, const char *key, const char *value,
    char *err, size_t errsz) PW_WUR;

#endif
