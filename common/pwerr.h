/* SPDX-License-Identifier: MIT */
/* pwadmin result codes: one table shared by module, daemon and client. */
#ifndef PW_PWERR_H
#define PW_PWERR_H

/*
 * Every fallible function returns PW_OK or a negative PW_ERR_*.  On the
 * wire a reply carries the code negated (a u32).  The numbers are part of
 * the protocol (common/PROTOCOL): append, never renumber.
 */
enum pw_err {
	PW_OK = 0,
	PW_ERR_AUTH = -1,	/* wrong password */
	PW_ERR_LOCKED = -2,	/* the factor is locked */
	PW_ERR_NOUSER = -3,	/* no such account in the store */
	PW_ERR_SUSPENDED = -4,	/* service suspended by an administrator */
	PW_ERR_PERM = -5,	/* the peer may not do this */
	PW_ERR_EXISTS = -6,	/* account already exists */
	PW_ERR_NOTEMPTY = -7,	/* init on a store that has accounts */
	PW_ERR_QUALITY = -8,	/* new password refused by a quality rule */
	PW_ERR_LASTMASTER = -9, /* would leave no usable master */
	PW_ERR_CHANGE = -10,	/* a password must be changed now */
	PW_ERR_INVAL = -11,	/* invalid argument (name, role, flags) */
	PW_ERR_BUSY = -12,	/* a limit was reached; try again later */
	PW_ERR_TIMEOUT = -13,	/* the peer did not answer in time */
	PW_ERR_PROTO = -14,	/* malformed message */
	PW_ERR_VERSION = -15,	/* protocol version mismatch */
	PW_ERR_TOOLONG = -16,	/* a field or frame exceeds its maximum */
	PW_ERR_TRUNCATED = -17, /* message ends inside a field */
	PW_ERR_TRAILING = -18,	/* bytes left after the last field */
	PW_ERR_NUL = -19,	/* NUL byte inside a string field */
	PW_ERR_NOSPACE = -20,	/* buffer or store is full */
	PW_ERR_IO = -21,	/* read/write failed or peer closed */
	PW_ERR_CONNECT = -22,	/* daemon unreachable */
	PW_ERR_UNTRUSTED = -23, /* socket or daemon owned by an untrusted uid */
	PW_ERR_STORE = -24,	/* store error */
	PW_ERR_NOMEM = -25,
	PW_ERR_INTERNAL = -26,
	PW_ERR_CONFIRM = -27,	/* wrong confirmation password of the actor */
	PW_ERR_CONFIRM_LOCKED = -28, /* actor's confirmation password locked */
	PW_ERR_AUDIT = -29,	/* the audit chain does not verify */
	PW_ERR_HASH = -30,	/* a hash could not be computed (memory) */
	PW_ERR_READONLY = -31,	/* the store cannot take writes now */
};

#define PW_ERR_LAST PW_ERR_READONLY

/* Returns a static, one-sentence English description; never NULL. */
const char *pw_strerror(int r);

/*
 * True when r means the daemon could not be reached or did not answer in
 * the protocol (connect, trust, timeout, I/O, malformed or mismatched
 * reply): the module answers PAM_AUTHINFO_UNAVAIL, the client exits 3.
 * PW_ERR_HASH and PW_ERR_READONLY are: the daemon could not check the
 * secret at all (nothing was evaluated or counted), so it is down for
 * this request.  PW_ERR_BUSY is not one of them: the daemon answered, and
 * a busy account is refused, never routed to another stack.
 */
int pw_err_unreachable(int r);

#endif
