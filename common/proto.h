/* SPDX-License-Identifier: MIT */
/* Requests and replies between module/client and pwadmind (see PROTOCOL). */
#ifndef PW_PROTO_H
#define PW_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"
#include "words.h"

#define PW_PROTO_VERSION 6
#define PW_FRAME_MAX	 65536 /* bytes: version + type + payload */
#define PW_USER_MAX	 64    /* bytes of an account name */
#define PW_SERVICE_MAX	 64    /* bytes of a PAM service name */
#define PW_RHOST_MAX	 255   /* bytes of a remote host name */
#define PW_PASS_MAX	 512   /* bytes of a password (PAM_MAX_RESP_SIZE) */
#define PW_SECRETS_MAX	 4     /* secrets in one request */
#define PW_TARGETS_MAX	 64    /* account names in one request */
#define PW_ACCTS_MAX	 256   /* accounts in one reply (a page) */
#define PW_STATS_MAX	 40    /* counters in a stats reply */
#define PW_URI_MAX	 255   /* bytes of an otpauth:// URI in a reply */
#define PW_OTP_MAX	 8     /* digits of a one-time password */
#define PW_AUDIT_MAX	 64    /* audit entries in one reply (a page) */
#define PW_ACTION_MAX	 16    /* bytes of an audit action word */
#define PW_ACTOR_MAX	 PW_USER_MAX /* bytes of an audit actor */
#define PW_DETAIL_MAX	 160   /* bytes of an audit entry's detail */
#define PW_AUDIT_HASH	 32    /* bytes of an audit chain hash (BLAKE2b) */
#define PW_HOST_MAX	 64    /* bytes of a host name in an audit entry */

/* Request types; a reply's type is the request's | PW_REPLY. */
enum pw_req_type {
	PW_REQ_AUTH = 1,    /* verify one factor of `user' */
	PW_REQ_ACCT = 2,    /* account check of `user' (pam_acct_mgmt) */
	PW_REQ_INIT = 3,    /* root: first master on an empty store */
	PW_REQ_USERADD = 4, /* add `user' with `role' */
	PW_REQ_STATUS = 5,  /* one account; `user' empty = the peer's own */
	PW_REQ_LIST = 6,    /* accounts the peer may act on, paged */
	PW_REQ_UNLOCK = 7,  /* lift login/confirm locks of targets */
	PW_REQ_STATS = 8,   /* root: the daemon's counters */
	PW_REQ_SUSPEND = 9, /* suspend targets (FORCE: root, past last master) */
	PW_REQ_RESUME = 10, /* resume targets */
	PW_REQ_RESET = 11,  /* new password(s) of `user' (flags say which) */
	PW_REQ_USERDEL = 12, /* delete `user' (FORCE: root, past last master) */
	PW_REQ_ROLE = 13,   /* give `user' `role' (FORCE as above) */
	PW_REQ_AUDIT = 14,  /* audit entries from `since', after seq `after' */
	PW_REQ_AUDIT_VERIFY = 15, /* check the audit chain */
	PW_REQ_BACKUP = 16, /* root: compacted copy into a passed fd */
	PW_REQ_PASSWD = 17, /* change own password(s) with the current one(s) */
	PW_REQ_OTP_ENROLL = 18, /* own token: begin (confirm), ACTIVATE (code) */
	PW_REQ_OTP_VERIFY = 19, /* one-time password of `user' (PAM) */
	PW_REQ_OTP_UNLOCK = 20, /* lift OTP locks of targets, or --all */
	PW_REQ_OTP_REMOVE = 21, /* delete `user''s token */
	PW_REQ_IMPORT = 22, /* root: `user' with an imported Unix hash */
	PW_REQ_TYPE_MAX = 22
};
#define PW_REPLY 0x80

enum pw_factor { PW_FACTOR_LOGIN = 0, PW_FACTOR_CONFIRM = 1, PW_FACTOR_MAX = 1 };

/* The zero value is no role: it grants nothing. */
enum pw_role { PW_ROLE_NONE = 0, PW_ROLE_USER = 1, PW_ROLE_ADMIN = 2, PW_ROLE_MASTER = 3 };

enum pw_otp_state { PW_OTP_NONE = 0, PW_OTP_AVAILABLE = 1, PW_OTP_LOCKED = 2 };

/* Request flags. */
#define PW_F_ALL	 0x01u /* UNLOCK: every locked account the actor may act on */
#define PW_F_LOCKED_ONLY 0x02u /* LIST: only accounts with a lock */
#define PW_F_FORCE	 0x04u /* root: past the last-master guard */
#define PW_F_LOGIN	 0x08u /* RESET: the login password */
#define PW_F_CONFIRM	 0x10u /* RESET: the confirmation password */
#define PW_F_NO_FORCE	 0x20u /* RESET: no must-change mark */
#define PW_F_ACTIVATE	 0x40u /* OTP_ENROLL: activate with a code */
#define PW_F_CHECK	 0x80u /* IMPORT: every check, nothing written */
#define PW_F_KNOWN	 0xffu

/* must_change bits of an account. */
#define PW_MUST_LOGIN	0x01u
#define PW_MUST_CONFIRM 0x02u

struct pw_secret {
	size_t len;
	char buf[PW_PASS_MAX + 1]; /* NUL-terminated; wiped by proto_wipe_req */
};

/*
 * One request.  Which fields travel depends on the type (the schema in
 * proto.c); absent fields stay zero.  Secrets by type:
 *   AUTH     [0] the password of `factor'
 *   INIT     [0] new login, [1] new confirmation
 *   USERADD  [0] new login, [1] new confirmation, [2] actor's confirmation
 *   UNLOCK, SUSPEND, RESUME, USERDEL, ROLE   [0] actor's confirmation
 *   RESET    [0] new login, [1] new confirmation (each empty unless its
 *            flag is set), [2] actor's confirmation
 *   PASSWD   [0] current login, [1] new login, [2] current confirmation,
 *            [3] new confirmation (a factor's pair empty unless its flag
 *            is set)
 *   OTP_ENROLL  [0] own confirmation password, or with ACTIVATE the code
 *   OTP_VERIFY  [0] the one-time password (0..PW_OTP_MAX digits)
 *   OTP_UNLOCK, OTP_REMOVE   [0] actor's confirmation
 *   IMPORT   [0] the account's Unix password hash (crypt(3) string),
 *            [1] its new confirmation password (root only: no actor's)
 * The actor's confirmation is an empty string when root runs the command.
 */
struct pw_request {
	uint8_t type;
	uint8_t factor;
	uint8_t role;
	uint32_t flags;
	char user[PW_USER_MAX + 1];
	char service[PW_SERVICE_MAX + 1];
	char rhost[PW_RHOST_MAX + 1];
	/*
	 * AUTH, ACCT, PASSWD, OTP_VERIFY: getuid() of the module's process.
	 * A claim, never an identity: the daemon uses it only to charge a
	 * root peer's request (su, sudo, passwd are setuid root) to the user
	 * who started it, for connection and hash-worker limits.
	 */
	uint32_t caller_uid;
	char cursor[PW_USER_MAX + 1]; /* LIST: names after this one */
	uint32_t ntargets;
	char targets[PW_TARGETS_MAX][PW_USER_MAX + 1];
	uint64_t since; /* AUDIT: entries at or after this unix time */
	uint64_t after; /* AUDIT: entries with a sequence number above this */
	uint32_t nsecrets;
	struct pw_secret secret[PW_SECRETS_MAX];
};

/* The state of one account as the daemon reports it. */
struct pw_account {
	char name[PW_USER_MAX + 1];
	uint8_t role;
	bool login_locked;
	bool confirm_locked;
	bool suspended;
	bool login_imported; /* the login password is still a Unix hash */
	uint8_t otp; /* enum pw_otp_state */
	uint8_t must_change; /* PW_MUST_* */
	uint32_t login_failures;
	uint32_t confirm_failures;
	uint32_t otp_failures;
	int64_t login_expires;	 /* unix time; 0 = never */
	int64_t confirm_expires; /* unix time; 0 = never */
};

/*
 * One audit entry (SPEC rule 13).  Entries are numbered from 1 without
 * gaps; hash = BLAKE2b-256(previous entry's hash || this entry's fields),
 * the first one chained to 32 zero bytes.
 */
struct pw_audit {
	uint64_t seq;
	int64_t time;			/* unix time */
	uint32_t uid;			/* the peer's uid */
	char actor[PW_ACTOR_MAX + 1];	/* account, "root" (recovery), "pam" */
	char action[PW_ACTION_MAX + 1]; /* "unlock", "lock", "reset", ... */
	char target[PW_USER_MAX + 1];	/* account acted on, may be "" */
	int32_t status;			/* PW_OK or the PW_ERR_* refusal */
	char detail[PW_DETAIL_MAX + 1]; /* printable ASCII, may be "" */
	char host[PW_HOST_MAX + 1];	/* the host that wrote it (a store
					 * shared by hosts), or "" */
	uint8_t hash[PW_AUDIT_HASH];
};

/* Counters reported by PW_REQ_STATS, in this order. */
enum pw_stat {
	PW_STAT_REQUESTS,   /* requests decoded, all types */
	PW_STAT_REQ_AUTH,
	PW_STAT_REQ_ACCT,
	PW_STAT_REQ_INIT,
	PW_STAT_REQ_USERADD,
	PW_STAT_REQ_STATUS,
	PW_STAT_REQ_LIST,
	PW_STAT_REQ_UNLOCK,
	PW_STAT_REQ_STATS,
	PW_STAT_REQ_SUSPEND,
	PW_STAT_REQ_RESUME,
	PW_STAT_REQ_RESET,
	PW_STAT_REQ_USERDEL,
	PW_STAT_REQ_ROLE,
	PW_STAT_REQ_AUDIT,
	PW_STAT_REQ_AUDIT_VERIFY,
	PW_STAT_REQ_BACKUP,
	PW_STAT_REQ_PASSWD,
	PW_STAT_REQ_OTP_ENROLL,
	PW_STAT_REQ_OTP_VERIFY,
	PW_STAT_REQ_OTP_UNLOCK,
	PW_STAT_REQ_OTP_REMOVE,
	PW_STAT_REQ_IMPORT,
	PW_STAT_HASHES,	    /* password verifications evaluated */
	PW_STAT_DUMMY,	    /* of which dummy (unknown account) */
	PW_STAT_HASHED_NEW, /* new password hashes computed */
	PW_STAT_LOCKED_REFUSED, /* attempts refused as locked, not hashed */
	PW_STAT_SLOT_WAITS, /* attempts that waited for a guess slot */
	PW_STAT_LOCKS,	    /* factors locked */
	PW_STAT_CONN_ACCEPTED,
	PW_STAT_CONN_REFUSED, /* connections refused by a limit */
	PW_STAT_BAD_REQUESTS, /* malformed or oversized requests */
	PW_STAT_AUDIT_ENTRIES, /* audit entries appended */
	PW_STAT_OTP_CHECKED,   /* one-time passwords evaluated */
	PW_STAT_OTP_REPLAYED,  /* of which refused as a step already used */
	PW_STAT_HASH_ERRORS,   /* hashes that failed (memory): nothing counted */
	PW_STAT_REFUSED_READONLY, /* checks refused unhashed: store unwritable */
	PW_STAT_LOG_SUPPRESSED, /* repeated log lines folded into a summary */
	PW_STAT_DB_ROUND_TRIPS, /* statements sent to a database (PostgreSQL) */
	PW_STAT_COUNT
};

struct pw_reply {
	uint8_t type;
	int status;		 /* PW_OK or a PW_ERR_* */
	struct pw_why why;	 /* why this status (words.h), or none */
	struct pw_why note;	 /* something to tell besides, or none */
	uint8_t more;		 /* LIST: another page follows */
	uint32_t naccts;
	struct pw_account accts[PW_ACCTS_MAX];
	uint32_t nstats;
	uint64_t stats[PW_STATS_MAX];
	uint32_t naudit;
	struct pw_audit audit[PW_AUDIT_MAX]; /* AUDIT: a page, oldest first */
	char uri[PW_URI_MAX + 1]; /* OTP_ENROLL: the otpauth:// URI, or "" */
	/* AUTH, the password verified: what ACCT answers at that moment */
	bool acct_given;
	int acct_status;
	struct pw_why acct_why, acct_note;
};

/* Name of a stats counter (for output); NULL past PW_STAT_COUNT. */
const char *proto_stat_name(unsigned i);
const char *proto_role_name(unsigned role);
/* PW_OK and *role set, or PW_ERR_INVAL. */
int proto_role_parse(const char *s, uint8_t *role) PW_WUR;
const char *proto_req_name(unsigned type);

/*
 * True when `s' is a valid account name: 1..PW_USER_MAX bytes of
 * [A-Za-z0-9._@-], not starting with '-' or '.'.  Anything else
 * (including every non-ASCII byte) is refused, never rewritten.
 */
bool proto_name_valid(const char *s);
/* A host name: 1..PW_HOST_MAX bytes of [A-Za-z0-9._-]. */
bool proto_host_valid(const char *s);

/* True when s is at most max bytes of printable ASCII (0x20-0x7e). */
bool proto_text_valid(const char *s, size_t max);

/*
 * The one rule for an audit entry, on the wire and in the store: actor
 * 1..PW_ACTOR_MAX and action 0..PW_ACTION_MAX bytes of printable ASCII
 * without a space, target empty or a valid name, detail printable ASCII
 * (spaces allowed), status PW_OK or a known PW_ERR_*.
 */
bool proto_audit_valid(const struct pw_audit *e);

/*
 * The fields of an audit entry its hash covers, in the one order the
 * reply and the store both use: time, uid, actor, action, target, status,
 * detail.  Both directions apply proto_audit_valid (put: PW_ERR_INVAL,
 * get: PW_ERR_PROTO), so nothing is written that cannot be read back.
 */
int proto_put_audit_fields(struct wire *w, const struct pw_audit *e) PW_WUR;
int proto_get_audit_fields(struct wire *w, struct pw_audit *e) PW_WUR;

/* Appends the payload of `req' (schema of req->type) to w. */
int proto_encode_req(struct wire *w, const struct pw_request *req) PW_WUR;
/*
 * Decodes the payload of a request of `type' into *req (cleared first).
 * Every field is bounded; unknown types, bad names, unknown flags and
 * trailing bytes are refused.  On failure its secrets are wiped.
 */
int proto_decode_req(struct wire *w, uint8_t type, struct pw_request *req) PW_WUR;
int proto_encode_reply(struct wire *w, const struct pw_reply *rep) PW_WUR;
int proto_decode_reply(struct wire *w, uint8_t type, struct pw_reply *rep) PW_WUR;

/* Copies the NUL-terminated s into a secret; PW_ERR_TOOLONG past PW_PASS_MAX. */
int proto_secret_set(struct pw_secret *sec, const char *s) PW_WUR;
/* Wipes every secret of a request (call before it goes out of scope). */
void proto_wipe_req(struct pw_request *req);

#endif
