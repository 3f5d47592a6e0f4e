/* SPDX-License-Identifier: MIT */
/* Request/reply codec: a schema per request type over the wire codec. */
#include <string.h>

#include "proto.h"
#include "pwerr.h"
#include "wipe.h"

/* Fields, in the order they travel. */
#define F_USER	   0x001u /* str, a valid name */
#define F_USER_OPT 0x002u /* str, a valid name or empty */
#define F_SERVICE  0x004u /* str */
#define F_RHOST	   0x008u /* str */
#define F_FACTOR   0x010u /* u8 */
#define F_ROLE	   0x020u /* u8 */
#define F_FLAGS	   0x040u /* u32 */
#define F_CURSOR   0x080u /* str, a valid name or empty */
#define F_TARGETS  0x100u /* u32 count, then names */
#define F_SECRETS  0x200u /* u8 count (exactly nsecrets), then strings */
#define F_RANGE	   0x400u /* u64 since, u64 after */
#define F_CALLER   0x800u /* u32: the module's process's real uid */

static const struct {
	uint32_t fields;
	uint32_t nsecrets;
} schema[PW_REQ_TYPE_MAX + 1] = {
	[PW_REQ_AUTH] = { F_USER | F_SERVICE | F_RHOST | F_CALLER | F_FACTOR | F_SECRETS, 1 },
	[PW_REQ_ACCT] = { F_USER | F_SERVICE | F_RHOST | F_CALLER, 0 },
	[PW_REQ_INIT] = { F_USER | F_SECRETS, 2 },
	[PW_REQ_USERADD] = { F_USER | F_ROLE | F_SECRETS, 3 },
	[PW_REQ_STATUS] = { F_USER_OPT, 0 },
	[PW_REQ_LIST] = { F_FLAGS | F_CURSOR, 0 },
	[PW_REQ_UNLOCK] = { F_FLAGS | F_TARGETS | F_SECRETS, 1 },
	[PW_REQ_STATS] = { 0, 0 },
	[PW_REQ_SUSPEND] = { F_FLAGS | F_TARGETS | F_SECRETS, 1 },
	[PW_REQ_RESUME] = { F_FLAGS | F_TARGETS | F_SECRETS, 1 },
	[PW_REQ_RESET] = { F_USER | F_FLAGS | F_SECRETS, 3 },
	[PW_REQ_USERDEL] = { F_USER | F_FLAGS | F_SECRETS, 1 },
	[PW_REQ_ROLE] = { F_USER | F_ROLE | F_FLAGS | F_SECRETS, 1 },
	[PW_REQ_AUDIT] = { F_RANGE, 0 },
	[PW_REQ_AUDIT_VERIFY] = { 0, 0 },
	[PW_REQ_BACKUP] = { 0, 0 },
	[PW_REQ_PASSWD] = { F_USER | F_SERVICE | F_RHOST | F_CALLER | F_FLAGS | F_SECRETS,
	    4 },
	[PW_REQ_OTP_ENROLL] = { F_USER | F_FLAGS | F_SECRETS, 1 },
	[PW_REQ_OTP_VERIFY] = { F_USER | F_SERVICE | F_RHOST | F_CALLER | F_SECRETS, 1 },
	[PW_REQ_OTP_UNLOCK] = { F_FLAGS | F_TARGETS | F_SECRETS, 1 },
	[PW_REQ_OTP_REMOVE] = { F_USER | F_SECRETS, 1 },
	[PW_REQ_IMPORT] = { F_USER | F_ROLE | F_FLAGS | F_SECRETS, 2 },
};

static const char *const stat_names[PW_STAT_COUNT] = {
	[PW_STAT_REQUESTS] = "requests",
	[PW_STAT_REQ_AUTH] = "requests_auth",
	[PW_STAT_REQ_ACCT] = "requests_account",
	[PW_STAT_REQ_INIT] = "requests_init",
	[PW_STAT_REQ_USERADD] = "requests_useradd",
	[PW_STAT_REQ_STATUS] = "requests_status",
	[PW_STAT_REQ_LIST] = "requests_list",
	[PW_STAT_REQ_UNLOCK] = "requests_unlock",
	[PW_STAT_REQ_STATS] = "requests_stats",
	[PW_STAT_REQ_SUSPEND] = "requests_suspend",
	[PW_STAT_REQ_RESUME] = "requests_resume",
	[PW_STAT_REQ_RESET] = "requests_reset",
	[PW_STAT_REQ_USERDEL] = "requests_userdel",
	[PW_STAT_REQ_ROLE] = "requests_role",
	[PW_STAT_REQ_AUDIT] = "requests_audit",
	[PW_STAT_REQ_AUDIT_VERIFY] = "requests_audit_verify",
	[PW_STAT_REQ_BACKUP] = "requests_backup",
	[PW_STAT_REQ_PASSWD] = "requests_passwd",
	[PW_STAT_REQ_OTP_ENROLL] = "requests_otp_enroll",
	[PW_STAT_REQ_OTP_VERIFY] = "requests_otp_verify",
	[PW_STAT_REQ_OTP_UNLOCK] = "requests_otp_unlock",
	[PW_STAT_REQ_OTP_REMOVE] = "requests_otp_remove",
	[PW_STAT_REQ_IMPORT] = "requests_import",
	[PW_STAT_HASHES] = "hashes_evaluated",
	[PW_STAT_DUMMY] = "hashes_dummy",
	[PW_STAT_HASHED_NEW] = "hashes_new",
	[PW_STAT_LOCKED_REFUSED] = "refused_locked_unhashed",
	[PW_STAT_SLOT_WAITS] = "waited_for_slot",
	[PW_STAT_LOCKS] = "locks",
	[PW_STAT_CONN_ACCEPTED] = "connections_accepted",
	[PW_STAT_CONN_REFUSED] = "connections_refused_limit",
	[PW_STAT_BAD_REQUESTS] = "bad_requests",
	[PW_STAT_AUDIT_ENTRIES] = "audit_entries",
	[PW_STAT_OTP_CHECKED] = "otp_evaluated",
	[PW_STAT_OTP_REPLAYED] = "otp_replayed",
	[PW_STAT_HASH_ERRORS] = "hash_errors",
	[PW_STAT_REFUSED_READONLY] = "refused_store_unwritable",
	[PW_STAT_LOG_SUPPRESSED] = "log_lines_suppressed",
	[PW_STAT_DB_ROUND_TRIPS] = "store_round_trips",
};

static const char *const role_names[] = { "none", "user", "admin", "master" };

static const char *const req_names[PW_REQ_TYPE_MAX + 1] = {
	[0] = "unknown",
	[PW_REQ_AUTH] = "auth",
	[PW_REQ_ACCT] = "account",
	[PW_REQ_INIT] = "init",
	[PW_REQ_USERADD] = "useradd",
	[PW_REQ_STATUS] = "status",
	[PW_REQ_LIST] = "list",
	[PW_REQ_UNLOCK] = "unlock",
	[PW_REQ_STATS] = "stats",
	[PW_REQ_SUSPEND] = "suspend",
	[PW_REQ_RESUME] = "resume",
	[PW_REQ_RESET] = "reset",
	[PW_REQ_USERDEL] = "userdel",
	[PW_REQ_ROLE] = "role",
	[PW_REQ_AUDIT] = "audit",
	[PW_REQ_AUDIT_VERIFY] = "audit-verify",
	[PW_REQ_BACKUP] = "backup",
	[PW_REQ_PASSWD] = "passwd",
	[PW_REQ_OTP_ENROLL] = "otp-enroll",
	[PW_REQ_OTP_VERIFY] = "otp-verify",
	[PW_REQ_OTP_UNLOCK] = "otp-unlock",
	[PW_REQ_OTP_REMOVE] = "otp-remove",
	[PW_REQ_IMPORT] = "import",
};

const char *
proto_stat_name(unsigned i)
{
	return i < PW_STAT_COUNT ? stat_names[i] : NULL;
}

const char *
proto_role_name(unsigned role)
{
	return role <= PW_ROLE_MASTER ? role_names[role] : "none";
}

const char *
proto_req_name(unsigned type)
{
	return type <= PW_REQ_TYPE_MAX ? req_names[type] : req_names[0];
}

int
proto_role_parse(const char *s, uint8_t *role)
{
	uint8_t i;

	*role = PW_ROLE_NONE;
	for (i = PW_ROLE_USER; i <= PW_ROLE_MASTER; i++) {
		if (strcmp(s, role_names[i]) == 0) {
			*role = i;
			return PW_OK;
		}
	}
	return PW_ERR_INVAL;
}

bool
proto_name_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > PW_USER_MAX || s[0] == '-' || s[0] == '.')
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-' || c == '@'))
			return false;
	}
	return true;
}

bool
proto_text_valid(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= max || s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

int
proto_secret_set(struct pw_secret *sec, const char *s)
{
	size_t n = strlen(s);

	PW_WIPE_OBJECT(sec);
	if (n > PW_PASS_MAX)
		return PW_ERR_TOOLONG;
	memcpy(sec->buf, s, n);
	sec->buf[n] = '\0';
	sec->len = n;
	return PW_OK;
}

void
proto_wipe_req(struct pw_request *req)
{
	PW_WIPE_ARRAY(req->secret);
	req->nsecrets = 0;
}

int
proto_encode_req(struct wire *w, const struct pw_request *req)
{
	uint32_t f, i;
	int r = PW_OK;

	if (req->type == 0 || req->type > PW_REQ_TYPE_MAX)
		return PW_ERR_INVAL;
	f = schema[req->type].fields;
	if ((f & F_SECRETS) && req->nsecrets != schema[req->type].nsecrets)
		return PW_ERR_INVAL;
	if (req->ntargets > PW_TARGETS_MAX)
		return PW_ERR_TOOLONG;
	if ((f & (F_USER | F_USER_OPT)) && (r = wire_put_str(w, req->user)) != PW_OK)
		return r;
	if ((f & F_SERVICE) && (r = wire_put_str(w, req->service)) != PW_OK)
		return r;
	if ((f & F_RHOST) && (r = wire_put_str(w, req->rhost)) != PW_OK)
		return r;
	if ((f & F_CALLER) && (r = wire_put_u32(w, req->caller_uid)) != PW_OK)
		return r;
	if ((f & F_FACTOR) && (r = wire_put_u8(w, req->factor)) != PW_OK)
		return r;
	if ((f & F_ROLE) && (r = wire_put_u8(w, req->role)) != PW_OK)
		return r;
	if ((f & F_FLAGS) && (r = wire_put_u32(w, req->flags)) != PW_OK)
		return r;
	if ((f & F_CURSOR) && (r = wire_put_str(w, req->cursor)) != PW_OK)
		return r;
	if (f & F_TARGETS) {
		if ((r = wire_put_u32(w, req->ntargets)) != PW_OK)
			return r;
		for (i = 0; i < req->ntargets; i++)
			if ((r = wire_put_str(w, req->targets[i])) != PW_OK)
				return r;
	}
	if ((f & F_RANGE) && ((r = wire_put_u64(w, req->since)) != PW_OK ||
	    (r = wire_put_u64(w, req->after)) != PW_OK))
		return r;
	if (f & F_SECRETS) {
		if ((r = wire_put_u8(w, (uint8_t)req->nsecrets)) != PW_OK)
			return r;
		for (i = 0; i < req->nsecrets; i++)
			if ((r = wire_put_bytes(w, req->secret[i].buf,
			    req->secret[i].len)) != PW_OK)
				return r;
	}
	return PW_OK;
}

/* A name field: valid, or empty when `optional'. */
static int
get_name(struct wire *w, char *dst, size_t dstsz, bool optional)
{
	int r;

	if ((r = wire_get_str(w, dst, dstsz, NULL)) != PW_OK)
		return r;
	if (dst[0] == '\0' && optional)
		return PW_OK;
	return proto_name_valid(dst) ? PW_OK : PW_ERR_INVAL;
}

/* A free-text field (service, rhost): printable ASCII only. */
static int
get_text(struct wire *w, char *dst, size_t dstsz)
{
	const char *p;
	int r;

	if ((r = wire_get_str(w, dst, dstsz, NULL)) != PW_OK)
		return r;
	for (p = dst; *p != '\0'; p++)
		if (*p < 0x21 || *p > 0x7e)
			return PW_ERR_INVAL;
	return PW_OK;
}

static int
get_secrets(struct wire *w, struct pw_request *req, uint32_t want)
{
	uint8_t n;
	uint32_t i;
	int r;

	if ((r = wire_get_u8(w, &n)) != PW_OK)
		return r;
	if (n != want)
		return PW_ERR_PROTO;
	for (i = 0; i < n; i++) {
		if ((r = wire_get_str(w, req->secret[i].buf,
		    sizeof(req->secret[i].buf), &req->secret[i].len)) != PW_OK)
			return r;
	}
	req->nsecrets = n;
	return PW_OK;
}

static int
get_targets(struct wire *w, struct pw_request *req)
{
	uint32_t n, i;
	int r;

	if ((r = wire_get_u32(w, &n)) != PW_OK)
		return r;
	if (n > PW_TARGETS_MAX)
		return PW_ERR_TOOLONG;
	for (i = 0; i < n; i++)
		if ((r = get_name(w, req->targets[i], sizeof(req->targets[i]),
		    false)) != PW_OK)
			return r;
	req->ntargets = n;
	return PW_OK;
}

static int
decode_fields(struct wire *w, uint8_t type, struct pw_request *req)
{
	uint32_t f = schema[type].fields;
	int r;

	if ((f & (F_USER | F_USER_OPT)) &&
	    (r = get_name(w, req->user, sizeof(req->user), f & F_USER_OPT)) != PW_OK)
		return r;
	if ((f & F_SERVICE) &&
	    (r = get_text(w, req->service, sizeof(req->service))) != PW_OK)
		return r;
	if ((f & F_RHOST) &&
	    (r = get_text(w, req->rhost, sizeof(req->rhost))) != PW_OK)
		return r;
	if ((f & F_CALLER) && (r = wire_get_u32(w, &req->caller_uid)) != PW_OK)
		return r;
	if ((f & F_FACTOR) && (r = wire_get_u8(w, &req->factor)) != PW_OK)
		return r;
	if ((f & F_FACTOR) && req->factor > PW_FACTOR_MAX)
		return PW_ERR_INVAL;
	if ((f & F_ROLE) && (r = wire_get_u8(w, &req->role)) != PW_OK)
		return r;
	if ((f & F_ROLE) && (req->role < PW_ROLE_USER || req->role > PW_ROLE_MASTER))
		return PW_ERR_INVAL;
	if ((f & F_FLAGS) && (r = wire_get_u32(w, &req->flags)) != PW_OK)
		return r;
	if (req->flags & ~PW_F_KNOWN)
		return PW_ERR_INVAL;
	if ((f & F_CURSOR) &&
	    (r = get_name(w, req->cursor, sizeof(req->cursor), true)) != PW_OK)
		return r;
	if ((f & F_TARGETS) && (r = get_targets(w, req)) != PW_OK)
		return r;
	if ((f & F_RANGE) && ((r = wire_get_u64(w, &req->since)) != PW_OK ||
	    (r = wire_get_u64(w, &req->after)) != PW_OK))
		return r;
	if ((f & F_SECRETS) &&
	    (r = get_secrets(w, req, schema[type].nsecrets)) != PW_OK)
		return r;
	return wire_end(w);
}

int
proto_decode_req(struct wire *w, uint8_t type, struct pw_request *req)
{
	int r;

	memset(req, 0, sizeof(*req));
	if (type == 0 || type > PW_REQ_TYPE_MAX)
		return PW_ERR_PROTO;
	req->type = type;
	if ((r = decode_fields(w, type, req)) != PW_OK) {
		proto_wipe_req(req);
		return r;
	}
	return PW_OK;
}

static int
put_account(struct wire *w, const struct pw_account *a)
{
	int r;

	if ((r = wire_put_str(w, a->name)) != PW_OK ||
	    (r = wire_put_u8(w, a->role)) != PW_OK ||
	    (r = wire_put_u8(w, (uint8_t)(a->login_locked | a->confirm_locked << 1 |
		a->suspended << 2 | a->login_imported << 3))) != PW_OK ||
	    (r = wire_put_u8(w, a->otp)) != PW_OK ||
	    (r = wire_put_u8(w, a->must_change)) != PW_OK ||
	    (r = wire_put_u32(w, a->login_failures)) != PW_OK ||
	    (r = wire_put_u32(w, a->confirm_failures)) != PW_OK ||
	    (r = wire_put_u32(w, a->otp_failures)) != PW_OK ||
	    (r = wire_put_u64(w, (uint64_t)a->login_expires)) != PW_OK ||
	    (r = wire_put_u64(w, (uint64_t)a->confirm_expires)) != PW_OK)
		return r;
	return PW_OK;
}

static int
get_account(struct wire *w, struct pw_account *a)
{
	uint8_t bits;
	uint64_t le, ce;
	int r;

	if ((r = get_name(w, a->name, sizeof(a->name), false)) != PW_OK ||
	    (r = wire_get_u8(w, &a->role)) != PW_OK ||
	    (r = wire_get_u8(w, &bits)) != PW_OK ||
	    (r = wire_get_u8(w, &a->otp)) != PW_OK ||
	    (r = wire_get_u8(w, &a->must_change)) != PW_OK ||
	    (r = wire_get_u32(w, &a->login_failures)) != PW_OK ||
	    (r = wire_get_u32(w, &a->confirm_failures)) != PW_OK ||
	    (r = wire_get_u32(w, &a->otp_failures)) != PW_OK ||
	    (r = wire_get_u64(w, &le)) != PW_OK ||
	    (r = wire_get_u64(w, &ce)) != PW_OK)
		return r;
	if (a->role > PW_ROLE_MASTER || bits > 15 || a->otp > PW_OTP_LOCKED ||
	    a->must_change > (PW_MUST_LOGIN | PW_MUST_CONFIRM))
		return PW_ERR_PROTO;
	a->login_locked = bits & 1;
	a->confirm_locked = (bits >> 1) & 1;
	a->suspended = (bits >> 2) & 1;
	a->login_imported = (bits >> 3) & 1;
	a->login_expires = (int64_t)le;
	a->confirm_expires = (int64_t)ce;
	return PW_OK;
}

/* A word: at most max bytes of printable ASCII without a space. */
static bool
word_valid(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= max || s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return true;
}

bool
proto_host_valid(const char *s)
{
	size_t n = strnlen(s, PW_HOST_MAX + 1);

	return n > 0 && n <= PW_HOST_MAX && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

bool
proto_audit_valid(const struct pw_audit *e)
{
	return e->actor[0] != '\0' && word_valid(e->actor, PW_ACTOR_MAX) &&
	    (e->host[0] == '\0' || proto_host_valid(e->host)) &&
	    word_valid(e->action, PW_ACTION_MAX) &&
	    (e->target[0] == '\0' || proto_name_valid(e->target)) &&
	    e->status <= 0 && e->status >= PW_ERR_LAST &&
	    proto_text_valid(e->detail, PW_DETAIL_MAX);
}

int
proto_put_audit_fields(struct wire *w, const struct pw_audit *e)
{
	int r;

	if (!proto_audit_valid(e))
		return PW_ERR_INVAL;
	if ((r = wire_put_u64(w, (uint64_t)e->time)) != PW_OK ||
	    (r = wire_put_u32(w, e->uid)) != PW_OK ||
	    (r = wire_put_str(w, e->actor)) != PW_OK ||
	    (r = wire_put_str(w, e->action)) != PW_OK ||
	    (r = wire_put_str(w, e->target)) != PW_OK ||
	    (r = wire_put_u32(w, (uint32_t)-e->status)) != PW_OK ||
	    (r = wire_put_str(w, e->detail)) != PW_OK)
		return r;
	return PW_OK;
}

int
proto_get_audit_fields(struct wire *w, struct pw_audit *e)
{
	uint64_t t;
	uint32_t st;
	int r;

	if ((r = wire_get_u64(w, &t)) != PW_OK ||
	    (r = wire_get_u32(w, &e->uid)) != PW_OK ||
	    (r = wire_get_str(w, e->actor, sizeof(e->actor), NULL)) != PW_OK ||
	    (r = wire_get_str(w, e->action, sizeof(e->action), NULL)) != PW_OK ||
	    (r = wire_get_str(w, e->target, sizeof(e->target), NULL)) != PW_OK ||
	    (r = wire_get_u32(w, &st)) != PW_OK ||
	    (r = wire_get_str(w, e->detail, sizeof(e->detail), NULL)) != PW_OK)
		return r;
	if (st > (uint32_t)-PW_ERR_LAST)
		return PW_ERR_PROTO;
	e->time = (int64_t)t;
	e->status = -(int32_t)st;
	return proto_audit_valid(e) ? PW_OK : PW_ERR_PROTO;
}

static int
put_audit(struct wire *w, const struct pw_audit *e)
{
	int r;

	if ((r = wire_put_u64(w, e->seq)) != PW_OK ||
	    (r = proto_put_audit_fields(w, e)) != PW_OK ||
	    (r = wire_put_str(w, e->host)) != PW_OK ||
	    (r = wire_put_bytes(w, e->hash, sizeof(e->hash))) != PW_OK)
		return r;
	return PW_OK;
}

static int
get_audit(struct wire *w, struct pw_audit *e)
{
	const uint8_t *h;
	size_t n;
	int r;

	if ((r = wire_get_u64(w, &e->seq)) != PW_OK ||
	    (r = proto_get_audit_fields(w, e)) != PW_OK ||
	    (r = wire_get_str(w, e->host, sizeof(e->host), NULL)) != PW_OK ||
	    (r = wire_get_view(w, &h, &n, PW_AUDIT_HASH)) != PW_OK)
		return r;
	if (e->host[0] != '\0' && !proto_host_valid(e->host))
		return PW_ERR_PROTO;
	if (n != PW_AUDIT_HASH)
		return PW_ERR_PROTO;
	memcpy(e->hash, h, n);
	return PW_OK;
}

/* A reason: u32 code, u8 factor, u64 num, u64 num2, name, text. */
static int
put_why(struct wire *w, const struct pw_why *y)
{
	int r;

	if (y->code > PW_R_MAX || y->factor > PW_WHY_OTP ||
	    (y->name[0] != '\0' && !proto_name_valid(y->name)) ||
	    !proto_text_valid(y->text, PW_WHY_TEXT_MAX))
		return PW_ERR_INVAL;
	if ((r = wire_put_u32(w, y->code)) != PW_OK ||
	    (r = wire_put_u8(w, y->factor)) != PW_OK ||
	    (r = wire_put_u64(w, y->num)) != PW_OK ||
	    (r = wire_put_u64(w, y->num2)) != PW_OK ||
	    (r = wire_put_str(w, y->name)) != PW_OK ||
	    (r = wire_put_str(w, y->text)) != PW_OK)
		return r;
	return PW_OK;
}

static int
get_why(struct wire *w, struct pw_why *y)
{
	uint32_t code;
	int r;

	if ((r = wire_get_u32(w, &code)) != PW_OK ||
	    (r = wire_get_u8(w, &y->factor)) != PW_OK ||
	    (r = wire_get_u64(w, &y->num)) != PW_OK ||
	    (r = wire_get_u64(w, &y->num2)) != PW_OK ||
	    (r = get_name(w, y->name, sizeof(y->name), true)) != PW_OK ||
	    (r = wire_get_str(w, y->text, sizeof(y->text), NULL)) != PW_OK)
		return r;
	if (code > PW_R_MAX || y->factor > PW_WHY_OTP ||
	    !proto_text_valid(y->text, PW_WHY_TEXT_MAX))
		return PW_ERR_PROTO;
	y->code = (uint16_t)code;
	return PW_OK;
}

int
proto_encode_reply(struct wire *w, const struct pw_reply *rep)
{
	uint32_t i;
	int r;

	if (rep->naccts > PW_ACCTS_MAX || rep->nstats > PW_STATS_MAX ||
	    rep->naudit > PW_AUDIT_MAX ||
	    rep->status > 0 || rep->status < PW_ERR_LAST)
		return PW_ERR_INVAL;
	if ((r = wire_put_u32(w, (uint32_t)-rep->status)) != PW_OK ||
	    (r = put_why(w, &rep->why)) != PW_OK ||
	    (r = put_why(w, &rep->note)) != PW_OK ||
	    (r = wire_put_u8(w, rep->more)) != PW_OK ||
	    (r = wire_put_u32(w, rep->naccts)) != PW_OK)
		return r;
	for (i = 0; i < rep->naccts; i++)
		if ((r = put_account(w, &rep->accts[i])) != PW_OK)
			return r;
	if ((r = wire_put_u32(w, rep->nstats)) != PW_OK)
		return r;
	for (i = 0; i < rep->nstats; i++)
		if ((r = wire_put_u64(w, rep->stats[i])) != PW_OK)
			return r;
	if ((r = wire_put_u32(w, rep->naudit)) != PW_OK)
		return r;
	for (i = 0; i < rep->naudit; i++)
		if ((r = put_audit(w, &rep->audit[i])) != PW_OK)
			return r;
	/* a verdict goes only with a verified password (AUTH, success) */
	if (rep->acct_given && (rep->type != (PW_REQ_AUTH | PW_REPLY) ||
	    rep->status != PW_OK || rep->acct_status > 0 ||
	    rep->acct_status < PW_ERR_LAST))
		return PW_ERR_INVAL;
	if ((r = wire_put_str(w, rep->uri)) != PW_OK ||
	    (r = wire_put_u8(w, rep->acct_given ? 1 : 0)) != PW_OK ||
	    !rep->acct_given)
		return r;
	if ((r = wire_put_u32(w, (uint32_t)-rep->acct_status)) != PW_OK ||
	    (r = put_why(w, &rep->acct_why)) != PW_OK)
		return r;
	return put_why(w, &rep->acct_note);
}

int
proto_decode_reply(struct wire *w, uint8_t type, struct pw_reply *rep)
{
	uint32_t st, i;
	uint8_t given;
	int r;

	memset(rep, 0, sizeof(*rep));
	rep->type = type;
	if ((r = wire_get_u32(w, &st)) != PW_OK)
		return r;
	if (st > (uint32_t)-PW_ERR_LAST)
		return PW_ERR_PROTO;
	rep->status = -(int)st;
	if ((r = get_why(w, &rep->why)) != PW_OK ||
	    (r = get_why(w, &rep->note)) != PW_OK ||
	    (r = wire_get_u8(w, &rep->more)) != PW_OK ||
	    (r = wire_get_u32(w, &rep->naccts)) != PW_OK)
		return r;
	if (rep->more > 1)
		return PW_ERR_PROTO;
	if (rep->naccts > PW_ACCTS_MAX)
		return PW_ERR_TOOLONG;
	for (i = 0; i < rep->naccts; i++)
		if ((r = get_account(w, &rep->accts[i])) != PW_OK)
			return r;
	if ((r = wire_get_u32(w, &rep->nstats)) != PW_OK)
		return r;
	if (rep->nstats > PW_STATS_MAX)
		return PW_ERR_TOOLONG;
	for (i = 0; i < rep->nstats; i++)
		if ((r = wire_get_u64(w, &rep->stats[i])) != PW_OK)
			return r;
	if ((r = wire_get_u32(w, &rep->naudit)) != PW_OK)
		return r;
	if (rep->naudit > PW_AUDIT_MAX)
		return PW_ERR_TOOLONG;
	for (i = 0; i < rep->naudit; i++)
		if ((r = get_audit(w, &rep->audit[i])) != PW_OK)
			return r;
	if ((r = get_text(w, rep->uri, sizeof(rep->uri))) != PW_OK ||
	    (r = wire_get_u8(w, &given)) != PW_OK)
		return r;
	if (given > 1 || (given == 1 && (type != (PW_REQ_AUTH | PW_REPLY) ||
	    rep->status != PW_OK)))
		return PW_ERR_PROTO;
	if (given == 1) {
		if ((r = wire_get_u32(w, &st)) != PW_OK)
			return r;
		if (st > (uint32_t)-PW_ERR_LAST)
			return PW_ERR_PROTO;
		rep->acct_given = true;
		rep->acct_status = -(int)st;
		if ((r = get_why(w, &rep->acct_why)) != PW_OK ||
		    (r = get_why(w, &rep->acct_note)) != PW_OK)
			return r;
	}
	return wire_end(w);
}
