/* SPDX-License-Identifier: MIT */
/*
 * Reasons on the wire, and the one place where a reason becomes words for
 * a person (the module and the client alike).  The daemon sends a status,
 * a reason and its parameters (PROTOCOL), never a sentence.
 */
#ifndef PW_WORDS_H
#define PW_WORDS_H

#include <stddef.h>
#include <stdint.h>

#define PW_WHY_TEXT_MAX 64 /* bytes of a reason's word (printable ASCII) */
#define PW_WHY_NAME_MAX 64 /* bytes of a reason's account name */
#define PW_WORDS_MAX	512 /* bytes of a rendered sentence, NUL included */

/*
 * The parameters each reason uses are named after it: factor (0 login,
 * 1 confirmation, 2 one-time password), num, num2, name (an account),
 * text (a word of the protocol: a command, a hash prefix).  The numbers
 * are part of the protocol: append, never renumber.
 */
enum pw_reason {
	PW_R_NONE = 0,		/* nothing to say */
	PW_R_STATUS = 1,	/* the status's own description */
	PW_R_STATUS_UNCHANGED = 2, /* the status's description; nothing changed */
	PW_R_FAILED = 3,	/* the service failed: the status */
	PW_R_BUSY = 4,		/* busy, try again */
	PW_R_LOCKED = 5,	/* factor: that password (or token) is locked */
	PW_R_SUSPENDED = 6,	/* the account is suspended */
	PW_R_ACTOR_SUSPENDED = 7, /* the actor's own account is suspended */
	PW_R_NOT_YOURS = 8,	/* a non-root peer, another account */
	PW_R_NO_ACTOR = 9,	/* the peer's user has no account */
	PW_R_MUST_CHANGE = 10,	/* factor: carries the must-change mark */
	PW_R_EXPIRED = 11,	/* factor: has expired */
	PW_R_EXPIRES_IN = 12,	/* factor, num days: expires soon */
	PW_R_NOT_UTF8 = 13,	/* factor: a new password is not printable */
	PW_R_Q_LENGTH = 14,	/* factor, num: shorter than num characters */
	PW_R_Q_CLASSES = 15,	/* factor, num: fewer than num classes */
	PW_R_Q_USER_NAME = 16,	/* factor: contains the user name */
	PW_R_Q_SAME = 17,	/* factor: equal to the other new password */
	PW_R_Q_OTHER = 18,	/* factor: equal to the stored other password */
	PW_R_Q_HISTORY = 19,	/* factor, num: one of the last num */
	PW_R_NSS_SPELLING = 20,	/* name, text: NSS spells name as text */
	PW_R_NSS_UNNAMEABLE = 21, /* name: NSS spells it as no account can be */
	PW_R_NSS_FAILED = 22,	/* name: NSS could not be asked */
	PW_R_ROOT_INIT = 23,	/* only root initialises the store */
	PW_R_NOT_EMPTY = 24,	/* init on a store with accounts */
	PW_R_DENY = 25,		/* only masters and admins */
	PW_R_DENY_SELF = 26,	/* one's own account through an admin command */
	PW_R_DENY_MASTER = 27,	/* an admin acting on a master */
	PW_R_DENY_NOT_MASTER = 28, /* role changes are for masters */
	PW_R_CONFIRM_LOCKED = 29, /* the actor's confirmation password locked */
	PW_R_CONFIRM_WRONG = 30, /* the actor's confirmation password wrong */
	PW_R_EXISTS = 31,	/* name: already exists */
	PW_R_NO_ACCOUNT = 32,	/* name: no such account */
	PW_R_NO_ACCOUNT_UNCHANGED = 33, /* name: no such account; unchanged */
	PW_R_REFUSED_FOR = 34,	/* name: refused for that target; unchanged */
	PW_R_ROOT_NO_ACCOUNT = 35, /* root asked about "its own" account */
	PW_R_UNKNOWN_FLAG = 36,	/* text: a flag the command does not take */
	PW_R_ROOT_STATS = 37,	/* only root reads the counters */
	PW_R_UNKNOWN_REQUEST = 38, /* a request type the daemon does not know */
	PW_R_MALFORMED = 39,	/* a request that did not decode: the status */
	PW_R_FORCE_ROOT = 40,	/* --force is root's */
	PW_R_LAST_MASTER = 41,	/* num 1: root may --force; 0: only root can */
	PW_R_NAME_TARGETS = 42,	/* text, num 1: or --all */
	PW_R_NONE_LOCKED = 43,	/* --all found nothing to unlock */
	PW_R_MORE_CHANGED = 44,	/* num: more accounts than a reply names */
	PW_R_RESET_FLAGS = 45,	/* reset: which passwords, and only those */
	PW_R_RESET_KEEPS_LOCK = 46, /* name: a reset leaves a lock */
	PW_R_RESET_KEEPS_SUSPENSION = 47, /* name: and a suspension */
	PW_R_AUDIT_OK = 48,	/* num entries, text: the last hash's start */
	PW_R_AUDIT_MISSING = 49, /* num: entry missing */
	PW_R_AUDIT_UNDECODABLE = 50, /* num: entry does not decode */
	PW_R_AUDIT_MISMATCH = 51, /* num: entry does not match its hash */
	PW_R_AUDIT_UNREADABLE = 52, /* the log cannot be read */
	PW_R_AUDIT_HEAD = 53,	/* num last entry, num2 the head's */
	PW_R_ROOT_BACKUP = 54,	/* only root backs up */
	PW_R_BACKUP_NO_FILE = 55, /* no descriptor was passed */
	PW_R_BACKUP_FILE = 56,	/* the passed file is not fit */
	PW_R_BACKUP_FAILED = 57, /* the backup failed: the status */
	PW_R_OTP_EXISTS = 58,	/* an active token already */
	PW_R_OTP_NOT_PENDING = 59, /* no enrolment waits for a code */
	PW_R_OTP_WRONG_ACTIVATION = 60, /* num: tries before enrolling again */
	PW_R_OTP_SELF = 61,	/* only the account itself enrols */
	PW_R_OTP_NONE = 62,	/* the account has no token */
	PW_R_PASSWD_FLAGS = 63,	/* a change names its passwords, only those */
	PW_R_WRONG_CURRENT = 64, /* factor: wrong current password, counted */
	PW_R_CHANGED_MEANWHILE = 65, /* factor: changed during the request */
	PW_R_NOT_YOURS_CHANGE = 66, /* a non-root peer, another's password */
	PW_R_BACKUP_SHARED = 67, /* the store is a database: its own backups */
	PW_R_NOT_UNIX = 68,	/* name: not an account of the user database */
	PW_R_IMPORT_UNUSABLE = 69, /* name, num: the Unix password is empty (0),
				    * locked "!" (1) or disabled "*" (2) */
	PW_R_IMPORT_SCHEME = 70, /* name, text: a hash this host cannot verify
				  * (text: its prefix) */
	PW_R_IMPORT_MALFORMED = 71, /* name, text: not a whole hash of its scheme */
	PW_R_ROOT_IMPORT = 72,	/* only root imports */
	PW_R_IMPORT_COSTLY = 73, /* name, text: a hash costlier than allowed */
	PW_R_IMPORT_UID0 = 74,	/* name: uid 0 keeps its Unix password */
	PW_R_MAX = 74
};

/* A reason and its parameters, as a reply carries it (zero: none). */
struct pw_why {
	uint16_t code;		/* enum pw_reason */
	uint8_t factor;		/* 0 login, 1 confirmation, 2 one-time */
	uint64_t num;
	uint64_t num2;
	char name[PW_WHY_NAME_MAX + 1];	/* an account name, or "" */
	char text[PW_WHY_TEXT_MAX + 1];	/* printable ASCII, or "" */
};

#define PW_WHY_OTP 2 /* the factor of a one-time password token */

/*
 * The sentence of `why' in a reply of `status', into buf (cut at bufsz,
 * always terminated; "" for PW_R_NONE or an unknown code).  Returns buf.
 */
const char *pw_words(int status, const struct pw_why *why, char *buf,
    size_t bufsz);

#endif
