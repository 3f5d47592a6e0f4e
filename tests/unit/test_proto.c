/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/proto.c: every request type and reply round trips,
 * every cut and bad field is refused, and a refused request keeps no secret.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"
#include "pwerr.h"
#include "wipe.h"

#define BUFSZ	 PW_FRAME_MAX /* bytes: more than any payload */
#define HOLDER	 "PLACEHOLDER" /* a valid name, unique in an encoding */
#define HOLDER_S "PLACEHOLDER-SECRET"

static uint8_t enc[BUFSZ]; /* the encoding under test */

static int
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

static void
setstr(char *dst, size_t dstsz, const char *s)
{
	size_t n = strlen(s);

	assert_true(n < dstsz);
	memcpy(dst, s, n + 1);
}
#define SET(field, s) setstr((field), sizeof(field), (s))

/* A request whose secrets hold bytes that must be wiped on failure. */
static struct pw_request *
dirty_req(void)
{
	struct pw_request *req = malloc(sizeof(*req));

	assert_non_null(req);
	memset(req, 0xa5, sizeof(*req));
	return req;
}

static void
free_req(struct pw_request *req)
{
	proto_wipe_req(req);
	free(req);
}

/* True when the request holds no secret: count 0, buffers zero. */
static int
no_secret(const struct pw_request *req)
{
	return req->nsecrets == 0 && all_zero(req->secret, sizeof(req->secret));
}

static void
fill_auth_acct(struct pw_request *req)
{
	SET(req->user, "A234567890123456789012345678901234567890"
		       "12345678901234567890.@_-"); /* 64 bytes */
	SET(req->service, req->type == PW_REQ_AUTH ? "sshd" : "login");
	SET(req->rhost, "host-7.example.org");
	if (req->type == PW_REQ_AUTH) {
		req->factor = PW_FACTOR_CONFIRM;
		req->nsecrets = 1;
		assert_int_equal(proto_secret_set(&req->secret[0],
		    "correct horse \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 !"),
		    PW_OK);
	}
}

static void
fill_admin(struct pw_request *req)
{
	char big[PW_PASS_MAX + 1];
	unsigned i;

	for (i = 0; i < PW_PASS_MAX; i++)
		big[i] = (char)('!' + i % 90);
	big[PW_PASS_MAX] = '\0';
	if (req->type == PW_REQ_INIT) {
		SET(req->user, "root.master");
		req->nsecrets = 2;
		assert_int_equal(proto_secret_set(&req->secret[0], big), PW_OK);
		assert_int_equal(proto_secret_set(&req->secret[1], "c0nfirm"),
		    PW_OK);
		return;
	}
	SET(req->user, "carol@corp");
	req->role = PW_ROLE_MASTER;
	req->nsecrets = 3;
	assert_int_equal(proto_secret_set(&req->secret[0], "new login"), PW_OK);
	assert_int_equal(proto_secret_set(&req->secret[1], big), PW_OK);
	assert_int_equal(proto_secret_set(&req->secret[2], ""), PW_OK);
}

static void
fill_query(struct pw_request *req)
{
	unsigned i;

	switch (req->type) {
	case PW_REQ_STATUS:
		SET(req->user, "dave");
		break;
	case PW_REQ_LIST:
		req->flags = PW_F_LOCKED_ONLY | PW_F_FORCE;
		SET(req->cursor, "erin_2");
		break;
	case PW_REQ_UNLOCK:
	case PW_REQ_SUSPEND:
	case PW_REQ_RESUME:
	case PW_REQ_OTP_UNLOCK:
		req->flags = PW_F_KNOWN;
		req->ntargets = PW_TARGETS_MAX;
		for (i = 0; i < PW_TARGETS_MAX; i++)
			assert_true(snprintf(req->targets[i],
			    sizeof(req->targets[i]), "t%02u.user", i) > 0);
		req->nsecrets = 1;
		assert_int_equal(proto_secret_set(&req->secret[0], "actor pw"),
		    PW_OK);
		break;
	case PW_REQ_RESET:
		SET(req->user, "frank");
		req->flags = PW_F_LOGIN | PW_F_NO_FORCE;
		req->nsecrets = 3;
		assert_int_equal(proto_secret_set(&req->secret[0], "new pw"),
		    PW_OK);
		assert_int_equal(proto_secret_set(&req->secret[2], "actor pw"),
		    PW_OK);
		break;
	case PW_REQ_USERDEL:
	case PW_REQ_ROLE:
		SET(req->user, "gina");
		req->flags = PW_F_FORCE;
		req->role = req->type == PW_REQ_ROLE ? PW_ROLE_ADMIN : 0;
		req->nsecrets = 1;
		assert_int_equal(proto_secret_set(&req->secret[0], "actor pw"),
		    PW_OK);
		break;
	case PW_REQ_PASSWD:
		SET(req->user, "hank");
		SET(req->service, "passwd");
		SET(req->rhost, "host.example");
		req->flags = PW_F_LOGIN | PW_F_CONFIRM;
		req->nsecrets = 4;
		assert_int_equal(proto_secret_set(&req->secret[0], "cur l"),
		    PW_OK);
		assert_int_equal(proto_secret_set(&req->secret[1], "new l"),
		    PW_OK);
		assert_int_equal(proto_secret_set(&req->secret[2], "cur c"),
		    PW_OK);
		assert_int_equal(proto_secret_set(&req->secret[3], "new c"),
		    PW_OK);
		break;
	case PW_REQ_OTP_ENROLL:
	case PW_REQ_OTP_VERIFY:
	case PW_REQ_OTP_REMOVE:
		SET(req->user, "ivy");
		if (req->type == PW_REQ_OTP_VERIFY) {
			SET(req->service, "sshd");
			SET(req->rhost, "192.0.2.1");
		}
		req->flags = req->type == PW_REQ_OTP_ENROLL ? PW_F_ACTIVATE : 0;
		req->nsecrets = 1;
		assert_int_equal(proto_secret_set(&req->secret[0], "123456"),
		    PW_OK);
		break;
	case PW_REQ_AUDIT:
		req->since = 1700000000;
		req->after = UINT64_MAX - 1;
		break;
	case PW_REQ_IMPORT:
		SET(req->user, "jo.unix");
		req->role = PW_ROLE_USER;
		req->flags = PW_F_CHECK | PW_F_LOGIN;
		req->nsecrets = 2;
		assert_int_equal(proto_secret_set(&req->secret[0],
		    "$y$j9T$abcdefghijklmnopqrstu.$0123456789abcdef"), PW_OK);
		assert_int_equal(proto_secret_set(&req->secret[1], "confirm"),
		    PW_OK);
		break;
	default:
		break;
	}
}

/* A fully populated request of `type' (valid for every type 1..8). */
static struct pw_request *
mkreq(uint8_t type)
{
	struct pw_request *req = calloc(1, sizeof(*req));

	assert_non_null(req);
	req->type = type;
	if (type == PW_REQ_AUTH || type == PW_REQ_ACCT)
		fill_auth_acct(req);
	else if (type == PW_REQ_INIT || type == PW_REQ_USERADD)
		fill_admin(req);
	else
		fill_query(req);
	/* the module's requests carry its real uid */
	if (type == PW_REQ_AUTH || type == PW_REQ_ACCT ||
	    type == PW_REQ_PASSWD || type == PW_REQ_OTP_VERIFY)
		req->caller_uid = 0x01020304u + type;
	return req;
}

static size_t
encode_req(const struct pw_request *req)
{
	struct wire w;

	wire_init(&w, enc, sizeof(enc));
	assert_int_equal(proto_encode_req(&w, req), PW_OK);
	return w.len;
}

/*
 * Decodes src[0..len) from an exact-size heap copy (ASan sees over-reads)
 * into *req, and wipes the copy.
 */
static int
decode_req(const uint8_t *src, size_t len, uint8_t type, struct pw_request *req)
{
	uint8_t *copy = malloc(len + 1);
	struct wire w;
	int r;

	assert_non_null(copy);
	memcpy(copy, src, len);
	wire_from(&w, copy, len);
	r = proto_decode_req(&w, type, req);
	if (r == PW_OK)
		assert_int_equal(wire_left(&w), 0);
	pw_wipe(copy, len + 1);
	free(copy);
	return r;
}

/* Decoding must fail with `want' and leave no secret behind. */
static void
refused(const uint8_t *src, size_t len, uint8_t type, int want)
{
	struct pw_request *d = dirty_req();

	assert_int_equal(decode_req(src, len, type, d), want);
	assert_true(no_secret(d));
	free_req(d);
}

static void
compare_req(const struct pw_request *a, const struct pw_request *b)
{
	uint32_t i;

	assert_int_equal(a->type, b->type);
	assert_int_equal(a->factor, b->factor);
	assert_int_equal(a->role, b->role);
	assert_int_equal(a->flags, b->flags);
	assert_memory_equal(a->user, b->user, sizeof(a->user));
	assert_memory_equal(a->service, b->service, sizeof(a->service));
	assert_memory_equal(a->rhost, b->rhost, sizeof(a->rhost));
	assert_int_equal(a->caller_uid, b->caller_uid);
	assert_memory_equal(a->cursor, b->cursor, sizeof(a->cursor));
	assert_int_equal(a->ntargets, b->ntargets);
	assert_memory_equal(a->targets, b->targets, sizeof(a->targets));
	assert_true(a->since == b->since);
	assert_true(a->after == b->after);
	assert_int_equal(a->nsecrets, b->nsecrets);
	for (i = 0; i < PW_SECRETS_MAX; i++) {
		assert_int_equal(a->secret[i].len, b->secret[i].len);
		assert_memory_equal(a->secret[i].buf, b->secret[i].buf,
		    sizeof(a->secret[i].buf));
	}
}

static void
test_req_round_trip(void **state)
{
	struct pw_request *req, *d;
	uint8_t type;
	size_t len;

	(void)state;
	for (type = 1; type <= PW_REQ_TYPE_MAX; type++) {
		req = mkreq(type);
		len = encode_req(req);
		d = dirty_req();
		assert_int_equal(decode_req(enc, len, type, d), PW_OK);
		compare_req(req, d);
		if (type == PW_REQ_UNLOCK)
			assert_int_equal(d->ntargets, PW_TARGETS_MAX);
		proto_wipe_req(d);
		assert_true(no_secret(d));
		free_req(d);
		free_req(req);
	}
}

/* The exact bytes of each schema, in the order PROTOCOL gives. */
static void
test_req_bytes(void **state)
{
	static const uint8_t auth[] = { 0, 0, 0, 2, 'a', 'l', 0, 0, 0, 1, 's',
		0, 0, 0, 0, 0, 0, 0x07, 0xd2, 1, 1, 0, 0, 0, 2, 'p', 'w' };
	static const uint8_t useradd[] = { 0, 0, 0, 1, 'u', 2, 3, 0, 0, 0, 1,
		'a', 0, 0, 0, 1, 'b', 0, 0, 0, 0 };
	struct pw_request *req = calloc(1, sizeof(*req));

	(void)state;
	assert_non_null(req);
	req->type = PW_REQ_AUTH;
	SET(req->user, "al");
	SET(req->service, "s");
	req->caller_uid = 2002;
	req->factor = 1;
	req->nsecrets = 1;
	assert_int_equal(proto_secret_set(&req->secret[0], "pw"), PW_OK);
	assert_int_equal(encode_req(req), sizeof(auth));
	assert_memory_equal(enc, auth, sizeof(auth));

	memset(req, 0, sizeof(*req));
	req->type = PW_REQ_USERADD;
	SET(req->user, "u");
	req->role = PW_ROLE_ADMIN;
	req->nsecrets = 3;
	assert_int_equal(proto_secret_set(&req->secret[0], "a"), PW_OK);
	assert_int_equal(proto_secret_set(&req->secret[1], "b"), PW_OK);
	assert_int_equal(encode_req(req), sizeof(useradd));
	assert_memory_equal(enc, useradd, sizeof(useradd));
	free_req(req);
}

static void
test_req_bytes_query(void **state)
{
	static const uint8_t unlock[] = { 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1,
		'x', 0, 0, 0, 1, 'y', 1, 0, 0, 0, 0 };
	static const uint8_t list[] = { 0, 0, 0, 2, 0, 0, 0, 1, 'c' };
	static const uint8_t status[] = { 0, 0, 0, 0 };
	struct pw_request *req = calloc(1, sizeof(*req));

	(void)state;
	assert_non_null(req);
	req->type = PW_REQ_UNLOCK;
	req->flags = PW_F_ALL;
	req->ntargets = 2;
	SET(req->targets[0], "x");
	SET(req->targets[1], "y");
	req->nsecrets = 1;
	assert_int_equal(encode_req(req), sizeof(unlock));
	assert_memory_equal(enc, unlock, sizeof(unlock));

	memset(req, 0, sizeof(*req));
	req->type = PW_REQ_LIST;
	req->flags = PW_F_LOCKED_ONLY;
	SET(req->cursor, "c");
	assert_int_equal(encode_req(req), sizeof(list));
	assert_memory_equal(enc, list, sizeof(list));

	memset(req, 0, sizeof(*req));
	req->type = PW_REQ_STATUS;
	assert_int_equal(encode_req(req), sizeof(status));
	assert_memory_equal(enc, status, sizeof(status));

	memset(req, 0, sizeof(*req));
	req->type = PW_REQ_STATS;
	assert_int_equal(encode_req(req), 0);
	free_req(req);
}

/* Every strict prefix of every request is TRUNCATED and keeps no secret. */
static void
test_req_cut_every_offset(void **state)
{
	struct pw_request *req;
	uint8_t type;
	size_t len, cut;

	(void)state;
	for (type = 1; type <= PW_REQ_TYPE_MAX; type++) {
		req = mkreq(type);
		len = encode_req(req);
		for (cut = 0; cut < len; cut++)
			refused(enc, cut, type, PW_ERR_TRUNCATED);
		free_req(req);
	}
}

static void
test_req_trailing(void **state)
{
	struct pw_request *req;
	uint8_t type;
	size_t len;

	(void)state;
	for (type = 1; type <= PW_REQ_TYPE_MAX; type++) {
		req = mkreq(type);
		len = encode_req(req);
		enc[len] = 0;
		refused(enc, len + 1, type, PW_ERR_TRAILING);
		free_req(req);
	}
}

static void
test_req_unknown_type(void **state)
{
	static const uint8_t bad[] = { 0, PW_REQ_TYPE_MAX + 1, 0x80,
		PW_REQ_STATUS | PW_REPLY, 0xff };
	struct pw_request *req = mkreq(PW_REQ_STATUS);
	struct wire w;
	size_t i, len;

	(void)state;
	len = encode_req(req);
	for (i = 0; i < sizeof(bad); i++) {
		refused(enc, len, bad[i], PW_ERR_PROTO);
		refused(enc, 0, bad[i], PW_ERR_PROTO);
		req->type = bad[i];
		wire_init(&w, enc, sizeof(enc));
		assert_int_equal(proto_encode_req(&w, req), PW_ERR_INVAL);
	}
	free_req(req);
}

/* Offset of the u8 secret count: the secrets are the last field. */
static size_t
count_offset(const struct pw_request *req, size_t len)
{
	uint32_t i;

	for (i = 0; i < req->nsecrets; i++)
		len -= 4 + req->secret[i].len;
	return len - 1;
}

static void
test_req_secret_count(void **state)
{
	static const uint8_t types[] = { PW_REQ_AUTH, PW_REQ_INIT,
		PW_REQ_USERADD, PW_REQ_UNLOCK };
	struct pw_request *req;
	struct wire w;
	size_t i, len, off;
	uint32_t want;

	(void)state;
	for (i = 0; i < sizeof(types); i++) {
		req = mkreq(types[i]);
		want = req->nsecrets;
		len = encode_req(req);
		off = count_offset(req, len);
		assert_int_equal(enc[off], want);
		enc[off] = (uint8_t)(want - 1);
		refused(enc, len, types[i], PW_ERR_PROTO);
		enc[off] = (uint8_t)(want + 1);
		refused(enc, len, types[i], PW_ERR_PROTO);
		enc[off] = 0xff;
		refused(enc, len, types[i], PW_ERR_PROTO);

		/* The encoder refuses a count the schema does not have. */
		req->nsecrets = want + 1;
		wire_init(&w, enc, sizeof(enc));
		assert_int_equal(proto_encode_req(&w, req), PW_ERR_INVAL);
		req->nsecrets = want - 1;
		assert_int_equal(proto_encode_req(&w, req), PW_ERR_INVAL);
		req->nsecrets = want;
		free_req(req);
	}
}

/* An UNLOCK payload with `count' declared and `n' names present. */
static size_t
raw_unlock(uint32_t count, uint32_t n)
{
	struct wire w;
	uint32_t i;

	wire_init(&w, enc, sizeof(enc));
	assert_int_equal(wire_put_u32(&w, 0), PW_OK);
	assert_int_equal(wire_put_u32(&w, count), PW_OK);
	for (i = 0; i < n; i++)
		assert_int_equal(wire_put_str(&w, "target"), PW_OK);
	assert_int_equal(wire_put_u8(&w, 1), PW_OK);
	assert_int_equal(wire_put_str(&w, "pw"), PW_OK);
	return w.len;
}

static void
test_req_targets_max(void **state)
{
	struct pw_request *req = mkreq(PW_REQ_UNLOCK), *d;
	struct wire w;
	size_t len;

	(void)state;
	len = raw_unlock(0, 0);
	d = dirty_req();
	assert_int_equal(decode_req(enc, len, PW_REQ_UNLOCK, d), PW_OK);
	assert_int_equal(d->ntargets, 0);
	free_req(d);
	len = raw_unlock(PW_TARGETS_MAX, PW_TARGETS_MAX);
	d = dirty_req();
	assert_int_equal(decode_req(enc, len, PW_REQ_UNLOCK, d), PW_OK);
	assert_int_equal(d->ntargets, PW_TARGETS_MAX);
	free_req(d);

	len = raw_unlock(PW_TARGETS_MAX + 1, PW_TARGETS_MAX + 1);
	refused(enc, len, PW_REQ_UNLOCK, PW_ERR_TOOLONG);
	len = raw_unlock(0xffffffffu, 1);
	refused(enc, len, PW_REQ_UNLOCK, PW_ERR_TOOLONG);

	req->ntargets = PW_TARGETS_MAX + 1;
	wire_init(&w, enc, sizeof(enc));
	assert_int_equal(proto_encode_req(&w, req), PW_ERR_TOOLONG);
	free_req(req);
}

static void
test_req_bad_factor_role(void **state)
{
	static const uint8_t badfactor[] = { 2, 3, 0x80, 0xff };
	static const uint8_t badrole[] = { 0, 4, 0x80, 0xff };
	struct pw_request *req;
	size_t i, len;

	(void)state;
	req = mkreq(PW_REQ_AUTH);
	for (i = 0; i < sizeof(badfactor); i++) {
		req->factor = badfactor[i];
		len = encode_req(req);
		refused(enc, len, PW_REQ_AUTH, PW_ERR_INVAL);
	}
	free_req(req);

	req = mkreq(PW_REQ_USERADD);
	for (i = 0; i < sizeof(badrole); i++) {
		req->role = badrole[i];
		len = encode_req(req);
		refused(enc, len, PW_REQ_USERADD, PW_ERR_INVAL);
	}
	free_req(req);
}

static void
test_req_bad_flags(void **state)
{
	static const uint8_t types[] = { PW_REQ_LIST, PW_REQ_UNLOCK };
	struct pw_request *req;
	size_t i, len;
	unsigned bit;

	(void)state;
	for (i = 0; i < sizeof(types); i++) {
		req = mkreq(types[i]);
		for (bit = 0; bit < 32; bit++) {
			if ((1u << bit) & PW_F_KNOWN)
				continue;
			req->flags = PW_F_ALL | (1u << bit);
			len = encode_req(req);
			refused(enc, len, types[i], PW_ERR_INVAL);
		}
		req->flags = 0;
		len = encode_req(req);
		refused(enc, len + 1, types[i], PW_ERR_TRAILING);
		free_req(req);
	}
}

/*
 * Replaces the string field holding `old' in enc[0..*len) by the raw bytes
 * s[0..n) (with a matching u32 length).
 */
static void
splice(size_t *len, const char *old, const void *s, size_t n)
{
	size_t olen = strlen(old), off, tail;
	uint8_t *p;
	struct wire w;

	p = memmem(enc, *len, old, olen);
	assert_non_null(p);
	off = (size_t)(p - enc) - 4;
	assert_int_equal(enc[off + 3], olen);
	tail = *len - (off + 4 + olen);
	assert_true(off + 4 + n + tail <= sizeof(enc));
	memmove(enc + off + 4 + n, p + olen, tail);
	wire_init(&w, enc + off, 4);
	assert_int_equal(wire_put_u32(&w, (uint32_t)n), PW_OK);
	memcpy(enc + off + 4, s, n);
	*len = off + 4 + n + tail;
}

struct badname {
	const char *s;
	size_t n;
	int want; /* for a name that may not be empty */
};

#define A32 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
static const char a64[] = A32 A32;
static const char a65[] = A32 A32 "a";

static const struct badname names[] = {
	{ "", 0, PW_ERR_INVAL },
	{ "-x", 2, PW_ERR_INVAL },
	{ ".x", 2, PW_ERR_INVAL },
	{ "a b", 3, PW_ERR_INVAL },
	{ "\xc3\xa9", 2, PW_ERR_INVAL },	/* é */
	{ "ab\xc3\xa9", 4, PW_ERR_INVAL },
	{ a65, 65, PW_ERR_TOOLONG },
	{ "a\0b", 3, PW_ERR_NUL },
	{ "a/b", 3, PW_ERR_INVAL },
	{ "a:b", 3, PW_ERR_INVAL },
	{ "a\tb", 3, PW_ERR_INVAL },
	{ "a\x7f", 2, PW_ERR_INVAL },
	{ "a\n", 2, PW_ERR_INVAL },
	{ a64, 64, PW_OK },
};

/* Puts each name into the HOLDER field of `req' and decodes it. */
static void
try_names(struct pw_request *req, bool may_be_empty)
{
	struct pw_request *d;
	size_t i, len;
	int want;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		len = encode_req(req);
		splice(&len, HOLDER, names[i].s, names[i].n);
		want = names[i].want;
		if (names[i].n == 0 && may_be_empty)
			want = PW_OK;
		d = dirty_req();
		assert_int_equal(decode_req(enc, len, req->type, d), want);
		if (want != PW_OK)
			assert_true(no_secret(d));
		free_req(d);
	}
}

static void
test_req_bad_names(void **state)
{
	struct pw_request *req;
	uint8_t type;
	static const uint32_t pos[] = { 0, 31, PW_TARGETS_MAX - 1 };
	size_t i;

	(void)state;
	for (type = 1; type <= PW_REQ_TYPE_MAX; type++) {
		req = mkreq(type);
		if (type == PW_REQ_LIST) {
			SET(req->cursor, HOLDER);
			try_names(req, true);
		} else if (type == PW_REQ_UNLOCK || type == PW_REQ_SUSPEND ||
		    type == PW_REQ_RESUME || type == PW_REQ_OTP_UNLOCK) {
			for (i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
				free_req(req);
				req = mkreq(type);
				SET(req->targets[pos[i]], HOLDER);
				try_names(req, false);
			}
		} else if (type != PW_REQ_STATS && type != PW_REQ_AUDIT &&
		    type != PW_REQ_AUDIT_VERIFY && type != PW_REQ_BACKUP) {
			SET(req->user, HOLDER);
			try_names(req, type == PW_REQ_STATUS);
		}
		free_req(req);
	}
}

/* STATUS may name nobody (the peer's own account); nothing else may. */
static void
test_req_empty_user(void **state)
{
	struct pw_request *req, *d;
	uint8_t type;
	size_t len;

	(void)state;
	for (type = 1; type <= PW_REQ_TYPE_MAX; type++) {
		req = mkreq(type);
		req->user[0] = '\0';
		len = encode_req(req);
		d = dirty_req();
		if (type == PW_REQ_STATUS) {
			assert_int_equal(decode_req(enc, len, type, d), PW_OK);
			assert_string_equal(d->user, "");
		} else if (type == PW_REQ_AUTH || type == PW_REQ_ACCT ||
		    type == PW_REQ_INIT || type == PW_REQ_USERADD) {
			assert_int_equal(decode_req(enc, len, type, d),
			    PW_ERR_INVAL);
			assert_true(no_secret(d));
		}
		free_req(d);
		free_req(req);
	}
}

struct badtext {
	const char *s;
	size_t n;
	int want;
};

static void
try_text(uint8_t type, bool rhost, const struct badtext *t, size_t nt)
{
	struct pw_request *req, *d;
	size_t i, len;

	for (i = 0; i < nt; i++) {
		req = mkreq(type);
		if (rhost)
			SET(req->rhost, HOLDER);
		else
			SET(req->service, HOLDER);
		len = encode_req(req);
		splice(&len, HOLDER, t[i].s, t[i].n);
		d = dirty_req();
		assert_int_equal(decode_req(enc, len, type, d), t[i].want);
		if (t[i].want != PW_OK)
			assert_true(no_secret(d));
		free_req(d);
		free_req(req);
	}
}

/* service and rhost: printable ASCII without space, bounded. */
static void
test_req_text_fields(void **state)
{
	static char r255[256], r256[257];
	const struct badtext common[] = {
		{ "", 0, PW_OK },
		{ "su-l", 4, PW_OK },
		{ "!~", 2, PW_OK },
		{ "a b", 3, PW_ERR_INVAL },
		{ " ", 1, PW_ERR_INVAL },
		{ "a\x01", 2, PW_ERR_INVAL },
		{ "a\t", 2, PW_ERR_INVAL },
		{ "a\n", 2, PW_ERR_INVAL },
		{ "\x1b[2J", 4, PW_ERR_INVAL },
		{ "a\x7f", 2, PW_ERR_INVAL },
		{ "\xc3\xa9", 2, PW_ERR_INVAL },
		{ "\x80", 1, PW_ERR_INVAL },
		{ "a\0b", 3, PW_ERR_NUL },
	};
	const struct badtext svc[] = {
		{ a64, 64, PW_OK },
		{ a65, 65, PW_ERR_TOOLONG },
	};
	const struct badtext rh[] = {
		{ r255, 255, PW_OK },
		{ r256, 256, PW_ERR_TOOLONG },
	};
	const size_t ncommon = sizeof(common) / sizeof(common[0]);
	uint8_t type;

	(void)state;
	memset(r255, 'h', 255);
	memset(r256, 'h', 256);
	for (type = PW_REQ_AUTH; type <= PW_REQ_ACCT; type++) {
		try_text(type, false, common, ncommon);
		try_text(type, true, common, ncommon);
		try_text(type, false, svc, 2);
		try_text(type, true, rh, 2);
	}
}

static uint32_t
mkreq_nsecrets(uint8_t type)
{
	struct pw_request *req = mkreq(type);
	uint32_t n = req->nsecrets;

	free_req(req);
	return n;
}

static void
accepted_secret(size_t len, uint8_t type, size_t i, const char *want)
{
	struct pw_request *d = dirty_req();

	assert_int_equal(decode_req(enc, len, type, d), PW_OK);
	assert_int_equal(d->secret[i].len, strlen(want));
	assert_string_equal(d->secret[i].buf, want);
	free_req(d);
}

/*
 * Secrets: 512 bytes are fine, 513 and a NUL are refused, wherever the
 * bad one sits; the good ones decoded before it are wiped as well.
 */
static void
test_req_secret_bounds(void **state)
{
	static char s512[PW_PASS_MAX + 1], s513[PW_PASS_MAX + 2];
	static const uint8_t types[] = { PW_REQ_AUTH, PW_REQ_INIT,
		PW_REQ_USERADD, PW_REQ_UNLOCK };
	struct pw_request *req;
	size_t t, i, len;

	(void)state;
	memset(s512, 's', PW_PASS_MAX);
	memset(s513, 's', PW_PASS_MAX + 1);
	for (t = 0; t < sizeof(types); t++) {
		for (i = 0; i < mkreq_nsecrets(types[t]); i++) {
			req = mkreq(types[t]);
			assert_int_equal(proto_secret_set(&req->secret[i],
			    HOLDER_S), PW_OK);
			len = encode_req(req);
			splice(&len, HOLDER_S, s513, PW_PASS_MAX + 1);
			refused(enc, len, types[t], PW_ERR_TOOLONG);
			len = encode_req(req);
			splice(&len, HOLDER_S, "pa\0ss", 5);
			refused(enc, len, types[t], PW_ERR_NUL);
			len = encode_req(req);
			splice(&len, HOLDER_S, s512, PW_PASS_MAX);
			accepted_secret(len, types[t], i, s512);
			free_req(req);
		}
	}
}

static void
test_secret_set(void **state)
{
	static char s512[PW_PASS_MAX + 1], s513[PW_PASS_MAX + 2];
	struct pw_secret sec;

	(void)state;
	memset(s512, 'x', PW_PASS_MAX);
	memset(s513, 'y', PW_PASS_MAX + 1);
	assert_int_equal(proto_secret_set(&sec, s512), PW_OK);
	assert_int_equal(sec.len, PW_PASS_MAX);
	assert_memory_equal(sec.buf, s512, PW_PASS_MAX + 1);

	/* Refused, never truncated, and the old secret is gone too. */
	assert_int_equal(proto_secret_set(&sec, s513), PW_ERR_TOOLONG);
	assert_true(all_zero(&sec, sizeof(sec)));

	assert_int_equal(proto_secret_set(&sec, "pw"), PW_OK);
	assert_int_equal(proto_secret_set(&sec, ""), PW_OK);
	assert_int_equal(sec.len, 0);
	assert_true(all_zero(&sec, sizeof(sec)));
}

static void
test_wipe_req(void **state)
{
	struct pw_request *req = mkreq(PW_REQ_USERADD);

	(void)state;
	assert_false(no_secret(req));
	proto_wipe_req(req);
	assert_true(no_secret(req));
	/* The other fields are left for the caller's logs. */
	assert_string_equal(req->user, "carol@corp");
	free_req(req);
}

/* Encoding into too little space fails instead of growing. */
static void
test_encode_nospace(void **state)
{
	struct pw_request *req;
	struct wire w;
	uint8_t type;
	size_t len, cap;

	(void)state;
	for (type = 1; type < PW_REQ_STATS; type++) {
		req = mkreq(type);
		len = encode_req(req);
		for (cap = 0; cap < len; cap += 1 + cap / 8) {
			wire_init(&w, enc, cap);
			assert_int_equal(proto_encode_req(&w, req),
			    PW_ERR_NOSPACE);
		}
		free_req(req);
	}
}

/* ---- Replies ---- */

static struct pw_reply *
dirty_rep(void)
{
	struct pw_reply *rep = malloc(sizeof(*rep));

	assert_non_null(rep);
	memset(rep, 0xa5, sizeof(*rep));
	return rep;
}

static void
fill_acct(struct pw_account *a, uint32_t i)
{
	/* Every third name has the maximum length (61 + 3 bytes). */
	if (i % 3 == 0)
		assert_int_equal(snprintf(a->name, sizeof(a->name), "%s%03u",
		    "B234567890123456789012345678901234567890"
		    "1234567890.@_-5678901", i), PW_USER_MAX);
	else
		assert_true(snprintf(a->name, sizeof(a->name), "acct.%u",
		    i) > 0);
	a->role = (uint8_t)(i % 4);
	a->login_locked = (i & 1) != 0;
	a->confirm_locked = (i & 2) != 0;
	a->suspended = (i & 4) != 0;
	a->otp = (uint8_t)(i % 3);
	a->must_change = (uint8_t)((i / 3) % 4);
	a->login_failures = i * 7u;
	a->confirm_failures = 0xffffffffu - i;
	a->otp_failures = i;
	a->login_expires = i == 0 ? INT64_MIN : (int64_t)1700000000 + i;
	a->confirm_expires = i % 5 == 0 ? 0 : INT64_MAX - i;
}

/* An audit entry with every field at its maximum size. */
static void
fill_audit(struct pw_audit *e, uint32_t i)
{
	unsigned k;

	memset(e, 0, sizeof(*e));
	e->seq = UINT64_MAX - i;
	e->time = 1700000000 + i;
	e->uid = 65534 - i;
	memset(e->actor, 'a', PW_ACTOR_MAX);
	memset(e->action, 'x', PW_ACTION_MAX);
	memset(e->target, 't', PW_USER_MAX);
	e->status = i % 2 ? PW_OK : PW_ERR_LAST;
	for (k = 0; k < PW_DETAIL_MAX; k++)
		e->detail[k] = (char)(' ' + (k + i) % 95);
	memset(e->host, 'h', PW_HOST_MAX);
	for (k = 0; k < PW_AUDIT_HASH; k++)
		e->hash[k] = (uint8_t)(k * 7 + i);
}

static struct pw_reply *
mkrep(uint32_t naccts, uint32_t nstats)
{
	struct pw_reply *rep = calloc(1, sizeof(*rep));
	uint32_t i;

	assert_non_null(rep);
	rep->type = PW_REQ_LIST | PW_REPLY;
	rep->status = PW_ERR_LAST;
	rep->why.code = PW_R_MAX;
	rep->why.factor = PW_WHY_OTP;
	rep->why.num = UINT64_MAX;
	rep->why.num2 = 1;
	SET(rep->why.name, "why-name");
	for (i = 0; i < PW_WHY_TEXT_MAX; i++)
		rep->why.text[i] = (char)(' ' + i % 95);
	rep->note = (struct pw_why){ .code = PW_R_EXPIRES_IN, .factor = 1,
	    .num = 3 };
	rep->more = 1;
	rep->naccts = naccts;
	for (i = 0; i < naccts; i++)
		fill_acct(&rep->accts[i], i);
	rep->nstats = nstats;
	for (i = 0; i < nstats; i++)
		rep->stats[i] = i * 0x0101010101010101ull;
	rep->naudit = naccts == PW_ACCTS_MAX ? PW_AUDIT_MAX : naccts;
	if (naccts == PW_ACCTS_MAX)
		for (i = 0; i < PW_URI_MAX; i++)
			rep->uri[i] = (char)('!' + i % 94);
	for (i = 0; i < rep->naudit; i++)
		fill_audit(&rep->audit[i], i);
	return rep;
}

static size_t
encode_rep(const struct pw_reply *rep)
{
	struct wire w;

	wire_init(&w, enc, sizeof(enc));
	assert_int_equal(proto_encode_reply(&w, rep), PW_OK);
	return w.len;
}

static int
decode_rep(const uint8_t *src, size_t len, uint8_t type, struct pw_reply *rep)
{
	uint8_t *copy = malloc(len + 1);
	struct wire w;
	int r;

	assert_non_null(copy);
	memcpy(copy, src, len);
	wire_from(&w, copy, len);
	r = proto_decode_reply(&w, type, rep);
	free(copy);
	return r;
}

static void
rep_refused(size_t len, int want)
{
	struct pw_reply *d = dirty_rep();

	assert_int_equal(decode_rep(enc, len, PW_REQ_LIST | PW_REPLY, d), want);
	free(d);
}

static void
compare_acct(const struct pw_account *a, const struct pw_account *b)
{
	assert_memory_equal(a->name, b->name, sizeof(a->name));
	assert_int_equal(a->role, b->role);
	assert_int_equal(a->login_locked, b->login_locked);
	assert_int_equal(a->confirm_locked, b->confirm_locked);
	assert_int_equal(a->suspended, b->suspended);
	assert_int_equal(a->otp, b->otp);
	assert_int_equal(a->must_change, b->must_change);
	assert_int_equal(a->login_failures, b->login_failures);
	assert_int_equal(a->confirm_failures, b->confirm_failures);
	assert_int_equal(a->otp_failures, b->otp_failures);
	assert_true(a->login_expires == b->login_expires);
	assert_true(a->confirm_expires == b->confirm_expires);
}

static void
compare_rep(const struct pw_reply *a, const struct pw_reply *b)
{
	uint32_t i;

	assert_int_equal(a->type, b->type);
	assert_int_equal(a->status, b->status);
	assert_memory_equal(&a->why, &b->why, sizeof(a->why));
	assert_memory_equal(&a->note, &b->note, sizeof(a->note));
	assert_int_equal(a->more, b->more);
	assert_int_equal(a->naccts, b->naccts);
	for (i = 0; i < a->naccts; i++)
		compare_acct(&a->accts[i], &b->accts[i]);
	assert_int_equal(a->nstats, b->nstats);
	for (i = 0; i < a->nstats; i++)
		assert_true(a->stats[i] == b->stats[i]);
	assert_string_equal(a->uri, b->uri);
	assert_int_equal(a->naudit, b->naudit);
	for (i = 0; i < a->naudit; i++)
		assert_memory_equal(&a->audit[i], &b->audit[i],
		    sizeof(a->audit[i]));
}

/* Changes the bytes `from' (found once in enc) to `to', of equal length. */
static void
patch(size_t len, const char *from, const char *to)
{
	uint8_t *at = memmem(enc, len, from, strlen(from));

	assert_non_null(at);
	assert_null(memmem(at + 1, len - (size_t)(at + 1 - enc), from,
	    strlen(from)));
	assert_int_equal(strlen(from), strlen(to));
	memcpy(at, to, strlen(to));
}

/*
 * An audit entry is refused the same way both ways (proto_audit_valid):
 * the encoder will not send one, and the decoder will not take its bytes.
 */
static void
test_rep_bad_audit(void **state)
{
	static const struct {
		const char *field, *from, *to;
	} bytes[] = {
		{ "detail", "zzzQzzz", "zzz\nzzz" },
		{ "detail", "zzzQzzz", "zzz\x7fzzz" },
		{ "target", "tbadname", "-badname" },
		{ "target", "tbadname", "tbad/ame" },
		{ "actor", "act0r", "act r" },
		{ "actor", "act0r", "act\tr" },
		{ "action", "uNlock", "u lock" },
		{ "host", "hostQname", "host name" },
		{ "host", "hostQname", "host/name" },
	};
	struct pw_reply *rep = mkrep(1, 0), *d = dirty_rep();
	struct wire w;
	uint8_t *st;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(bytes) / sizeof(bytes[0]); i++) {
		fill_audit(&rep->audit[0], 0);
		SET(rep->audit[0].detail, "the zzzQzzz detail");
		SET(rep->audit[0].target, "tbadname");
		SET(rep->audit[0].actor, "act0r");
		SET(rep->audit[0].action, "uNlock");
		SET(rep->audit[0].host, "hostQname");
		len = encode_rep(rep);
		assert_int_equal(decode_rep(enc, len, rep->type, d), PW_OK);
		/* the same entry, spoiled before encoding, is not sent */
		if (strcmp(bytes[i].field, "detail") == 0)
			SET(rep->audit[0].detail, bytes[i].to);
		else if (strcmp(bytes[i].field, "target") == 0)
			SET(rep->audit[0].target, bytes[i].to);
		else if (strcmp(bytes[i].field, "actor") == 0)
			SET(rep->audit[0].actor, bytes[i].to);
		else if (strcmp(bytes[i].field, "host") == 0)
			SET(rep->audit[0].host, bytes[i].to);
		else
			SET(rep->audit[0].action, bytes[i].to);
		wire_init(&w, enc, sizeof(enc));
		assert_int_equal(proto_encode_reply(&w, rep), PW_ERR_INVAL);
		/* and its bytes, made by hand, are not taken */
		fill_audit(&rep->audit[0], 0);
		SET(rep->audit[0].detail, "the zzzQzzz detail");
		SET(rep->audit[0].target, "tbadname");
		SET(rep->audit[0].actor, "act0r");
		SET(rep->audit[0].action, "uNlock");
		SET(rep->audit[0].host, "hostQname");
		len = encode_rep(rep);
		patch(len, bytes[i].from, bytes[i].to);
		if (decode_rep(enc, len, rep->type, d) != PW_ERR_PROTO)
			fail_msg("%s %s taken", bytes[i].field, bytes[i].from);
	}
	/* a status past the last known refusal: the u32 before the detail */
	fill_audit(&rep->audit[0], 0);
	SET(rep->audit[0].detail, "the zzzQzzz detail");
	rep->audit[0].status = PW_ERR_LAST - 1;
	wire_init(&w, enc, sizeof(enc));
	assert_int_equal(proto_encode_reply(&w, rep), PW_ERR_INVAL);
	rep->audit[0].status = 1;
	wire_init(&w, enc, sizeof(enc));
	assert_int_equal(proto_encode_reply(&w, rep), PW_ERR_INVAL);
	rep->audit[0].status = INT32_MIN;
	wire_init(&w, enc, sizeof(enc));
	assert_int_equal(proto_encode_reply(&w, rep), PW_ERR_INVAL);
	rep->audit[0].status = PW_ERR_LAST;
	len = encode_rep(rep);
	assert_int_equal(decode_rep(enc, len, rep->type, d), PW_OK);
	st = memmem(enc, len, "the zzzQzzz", 11);
	assert_non_null(st);
	st -= 8; /* the status, then the detail's length */
	assert_int_equal(st[0] << 24 | st[1] << 16 | st[2] << 8 | st[3],
	    -PW_ERR_LAST);
	st[3]++;
	assert_int_equal(decode_rep(enc, len, rep->type, d), PW_ERR_PROTO);
	rep->naudit = PW_AUDIT_MAX + 1;
	wire_init(&w, enc, sizeof(enc));
	assert_int_equal(proto_encode_reply(&w, rep), PW_ERR_INVAL);
	free(d);
	free(rep);
}

static const uint32_t rep_sizes[][2] = {
	{ 0, 0 }, { 1, 1 }, { 1, 0 }, { 0, PW_STAT_COUNT },
	{ PW_ACCTS_MAX, PW_STATS_MAX },
};

static void
test_rep_round_trip(void **state)
{
	struct pw_reply *rep, *d;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(rep_sizes) / sizeof(rep_sizes[0]); i++) {
		rep = mkrep(rep_sizes[i][0], rep_sizes[i][1]);
		len = encode_rep(rep);
		assert_true(len <= PW_FRAME_MAX - 2);
		d = dirty_rep();
		assert_int_equal(decode_rep(enc, len, rep->type, d), PW_OK);
		compare_rep(rep, d);
		free(d);
		free(rep);
	}
}

/* Every status code travels; status 0 as well. */
static void
test_rep_every_status(void **state)
{
	struct pw_reply *rep = mkrep(0, 0), *d = dirty_rep();
	size_t len;
	int st;

	(void)state;
	for (st = PW_OK; st >= PW_ERR_LAST; st--) {
		rep->status = st;
		rep->more = 0;
		memset(&rep->why, 0, sizeof(rep->why));
		memset(&rep->note, 0, sizeof(rep->note));
		len = encode_rep(rep);
		assert_int_equal(decode_rep(enc, len, 0x85, d), PW_OK);
		assert_int_equal(d->status, st);
		assert_int_equal(d->type, 0x85);
	}
	free(d);
	free(rep);
}

static void
test_rep_cut_every_offset(void **state)
{
	struct pw_reply *rep;
	size_t i, len, cut;

	(void)state;
	for (i = 0; i < sizeof(rep_sizes) / sizeof(rep_sizes[0]); i++) {
		rep = mkrep(rep_sizes[i][0], rep_sizes[i][1]);
		len = encode_rep(rep);
		for (cut = 0; cut < len; cut++)
			rep_refused(cut, PW_ERR_TRUNCATED);
		enc[len] = 0;
		rep_refused(len + 1, PW_ERR_TRAILING);
		free(rep);
	}
}

/*
 * Offsets in the encoding of a reply with empty msg/info, one account
 * named "n" and no stats.
 */
#define R_STATUS 0
#define R_WHY	 4  /* two reasons: u32, u8, u64, u64, str, str each */
#define R_WHYLEN 29 /* bytes of an empty reason */
#define R_MORE	 (R_WHY + 2 * R_WHYLEN)
#define R_NACCTS (R_MORE + 1)
#define R_NAME	 (R_NACCTS + 4)
#define R_ROLE	 (R_NAME + 5)
#define R_BITS	 (R_ROLE + 1)
#define R_OTP	 (R_BITS + 1)
#define R_MUST	 (R_OTP + 1)
#define R_NSTATS (R_MUST + 29)
#define R_NAUDIT (R_NSTATS + 4)
#define R_URI	 (R_NAUDIT + 4)
#define R_ACCT	 (R_URI + 4)
#define R_LEN	 (R_ACCT + 1)

static size_t
small_rep(void)
{
	struct pw_reply *rep = mkrep(1, 0);
	size_t len;

	memset(&rep->why, 0, sizeof(rep->why));
	memset(&rep->note, 0, sizeof(rep->note));
	rep->more = 0;
	rep->naudit = 0;
	SET(rep->accts[0].name, "n");
	len = encode_rep(rep);
	free(rep);
	assert_int_equal(len, R_LEN);
	assert_int_equal(enc[R_NAME + 3], 1);
	assert_int_equal(enc[R_NAME + 4], 'n');
	return len;
}

static void
put32(size_t off, uint32_t v)
{
	struct wire w;

	wire_init(&w, enc + off, 4);
	assert_int_equal(wire_put_u32(&w, v), PW_OK);
}

static void
test_rep_bad_header(void **state)
{
	static const uint32_t badst[] = { (uint32_t)-PW_ERR_LAST + 1, 100,
		0x7fffffffu, 0x80000000u, 0xffffffffu };
	struct pw_reply *d;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(badst) / sizeof(badst[0]); i++) {
		len = small_rep();
		put32(R_STATUS, badst[i]);
		rep_refused(len, PW_ERR_PROTO);
	}
	len = small_rep();
	enc[R_MORE] = 2;
	rep_refused(len, PW_ERR_PROTO);
	enc[R_MORE] = 0xff;
	rep_refused(len, PW_ERR_PROTO);
	enc[R_MORE] = 1;
	d = dirty_rep();
	assert_int_equal(decode_rep(enc, len, 0x86, d), PW_OK);
	assert_int_equal(d->more, 1);
	free(d);

	put32(R_NACCTS, PW_ACCTS_MAX + 1);
	rep_refused(len, PW_ERR_TOOLONG);
	put32(R_NACCTS, 0xffffffffu);
	rep_refused(len, PW_ERR_TOOLONG);
	/* A second account would start with the stats count: empty name. */
	put32(R_NACCTS, 2);
	rep_refused(len, PW_ERR_INVAL);
	put32(R_NACCTS, 1);
	put32(R_NSTATS, PW_STATS_MAX + 1);
	rep_refused(len, PW_ERR_TOOLONG);
	put32(R_NSTATS, 1);
	rep_refused(len, PW_ERR_TRUNCATED);
}

/*
 * The account verdict of a verified password: given or not (a byte that
 * is neither is refused), then a status and two reasons; round trip.
 */
static void
test_rep_account_verdict(void **state)
{
	struct pw_reply *rep = mkrep(1, 0), *d;
	size_t len, full;

	(void)state;
	len = small_rep();
	enc[R_ACCT] = 2;
	rep_refused(len, PW_ERR_PROTO);
	enc[R_ACCT] = 1; /* a verdict on a LIST reply */
	rep_refused(len, PW_ERR_PROTO);

	rep->type = PW_REQ_AUTH | PW_REPLY;
	rep->status = PW_OK;
	rep->acct_given = true;
	rep->acct_status = PW_ERR_CHANGE;
	rep->acct_why.code = PW_R_EXPIRED;
	rep->acct_why.factor = 1;
	rep->acct_note.code = PW_R_EXPIRES_IN;
	rep->acct_note.num = 7;
	full = encode_rep(rep);
	d = dirty_rep();
	assert_int_equal(decode_rep(enc, full, rep->type, d), PW_OK);
	assert_true(d->acct_given);
	assert_int_equal(d->acct_status, PW_ERR_CHANGE);
	assert_int_equal(d->acct_why.code, PW_R_EXPIRED);
	assert_int_equal(d->acct_why.factor, 1);
	assert_int_equal(d->acct_note.code, PW_R_EXPIRES_IN);
	assert_int_equal(d->acct_note.num, 7);
	/* a verdict status out of range is refused, both ways: it stands
	 * before the two reasons (29 bytes each without name and text) */
	put32(full - 2 * 29 - 4, (uint32_t)-PW_ERR_LAST + 1);
	assert_int_equal(decode_rep(enc, full, rep->type, d), PW_ERR_PROTO);
	put32(full - 2 * 29 - 4, (uint32_t)-PW_ERR_CHANGE);
	assert_int_equal(decode_rep(enc, full, rep->type, d), PW_OK);
	/* ... and on a reply that is not AUTH, or not a success */
	assert_int_equal(decode_rep(enc, full, PW_REQ_ACCT | PW_REPLY, d),
	    PW_ERR_PROTO);
	put32(0, (uint32_t)-PW_ERR_AUTH);
	assert_int_equal(decode_rep(enc, full, rep->type, d), PW_ERR_PROTO);
	rep->acct_status = PW_ERR_LAST - 1;
	{
		struct wire w;

		wire_init(&w, enc, sizeof(enc));
		assert_int_equal(proto_encode_reply(&w, rep), PW_ERR_INVAL);
		rep->acct_status = PW_OK;
		rep->status = PW_ERR_AUTH;
		wire_init(&w, enc, sizeof(enc));
		assert_int_equal(proto_encode_reply(&w, rep), PW_ERR_INVAL);
		rep->status = PW_OK;
		rep->type = PW_REQ_STATUS | PW_REPLY;
		wire_init(&w, enc, sizeof(enc));
		assert_int_equal(proto_encode_reply(&w, rep), PW_ERR_INVAL);
	}
	free(d);
	free(rep);
}

/* Each account byte with a value out of its range is refused. */
static void
test_rep_bad_account(void **state)
{
	static const struct {
		size_t off;
		uint8_t v;
		int want;
	} t[] = {
		{ R_ROLE, PW_ROLE_MASTER, PW_OK },
		{ R_ROLE, 4, PW_ERR_PROTO },
		{ R_ROLE, 0xff, PW_ERR_PROTO },
		{ R_BITS, 7, PW_OK },
		{ R_BITS, 15, PW_OK },
		{ R_BITS, 16, PW_ERR_PROTO },
		{ R_BITS, 0x80, PW_ERR_PROTO },
		{ R_OTP, PW_OTP_LOCKED, PW_OK },
		{ R_OTP, 3, PW_ERR_PROTO },
		{ R_MUST, PW_MUST_LOGIN | PW_MUST_CONFIRM, PW_OK },
		{ R_MUST, 4, PW_ERR_PROTO },
		{ R_NAME + 4, '-', PW_ERR_INVAL },
		{ R_NAME + 4, '.', PW_ERR_INVAL },
		{ R_NAME + 4, ' ', PW_ERR_INVAL },
		{ R_NAME + 4, 0xc3, PW_ERR_INVAL },
		{ R_NAME + 4, 0, PW_ERR_NUL },
	};
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		len = small_rep();
		enc[t[i].off] = t[i].v;
		rep_refused(len, t[i].want);
	}
	/* An empty account name. */
	len = small_rep();
	splice(&len, "n", "", 0);
	rep_refused(len, PW_ERR_INVAL);
}

static void
test_rep_bad_text(void **state)
{
	static char m64[PW_WHY_TEXT_MAX + 1], m65[PW_WHY_TEXT_MAX + 2];
	struct pw_reply *rep = mkrep(0, 0);
	size_t len;

	(void)state;
	memset(m64, 'm', PW_WHY_TEXT_MAX);
	memset(m65, 'm', PW_WHY_TEXT_MAX + 1);
	SET(rep->why.text, HOLDER);
	SET(rep->note.text, "info");
	len = encode_rep(rep);
	splice(&len, HOLDER, m64, PW_WHY_TEXT_MAX);
	rep_refused(len, PW_OK);
	len = encode_rep(rep);
	splice(&len, HOLDER, m65, PW_WHY_TEXT_MAX + 1);
	rep_refused(len, PW_ERR_TOOLONG);
	len = encode_rep(rep);
	splice(&len, HOLDER, "a\0b", 3);
	rep_refused(len, PW_ERR_NUL);
	len = encode_rep(rep);
	splice(&len, HOLDER, "a\tb", 3);
	rep_refused(len, PW_ERR_PROTO);
	/* a reason's name is a name, or nothing */
	SET(rep->why.text, "word");
	SET(rep->why.name, HOLDER);
	len = encode_rep(rep);
	splice(&len, HOLDER, "-bad", 4);
	rep_refused(len, PW_ERR_INVAL);

	SET(rep->why.name, "n");
	SET(rep->note.text, HOLDER);
	len = encode_rep(rep);
	splice(&len, HOLDER, m65, PW_WHY_TEXT_MAX + 1);
	rep_refused(len, PW_ERR_TOOLONG);
	free(rep);
}

/* A reason the protocol does not know, or a factor out of range. */
static void
test_rep_bad_reason(void **state)
{
	struct pw_reply *rep = mkrep(0, 0);
	struct wire w;
	size_t len;

	(void)state;
	rep->why.code = PW_R_MAX + 1;
	wire_init(&w, enc, sizeof(enc));
	assert_int_equal(proto_encode_reply(&w, rep), PW_ERR_INVAL);
	rep->why.code = PW_R_MAX;
	rep->why.factor = PW_WHY_OTP + 1;
	wire_init(&w, enc, sizeof(enc));
	assert_int_equal(proto_encode_reply(&w, rep), PW_ERR_INVAL);
	/* on the wire: u32 status, then the reason's u32 code */
	rep->why.factor = 0;
	len = encode_rep(rep);
	enc[4] = 0xff;
	rep_refused(len, PW_ERR_PROTO);
	len = encode_rep(rep);
	enc[8] = PW_WHY_OTP + 1; /* the factor byte */
	rep_refused(len, PW_ERR_PROTO);
	free(rep);
}

/* The encoder refuses what the decoder would refuse. */
static void
test_rep_encode_refused(void **state)
{
	struct pw_reply *rep = mkrep(PW_ACCTS_MAX, PW_STATS_MAX);
	struct wire w;

	(void)state;
	wire_init(&w, enc, sizeof(enc));
	rep->naccts = PW_ACCTS_MAX + 1;
	assert_int_equal(proto_encode_reply(&w, rep), PW_ERR_INVAL);
	rep->naccts = PW_ACCTS_MAX;
	rep->nstats = PW_STATS_MAX + 1;
	assert_int_equal(proto_encode_reply(&w, rep), PW_ERR_INVAL);
	rep->nstats = PW_STATS_MAX;
	rep->status = 1;
	assert_int_equal(proto_encode_reply(&w, rep), PW_ERR_INVAL);
	assert_int_equal(w.len, 0);
	rep->status = PW_OK;
	wire_init(&w, enc, 100);
	assert_int_equal(proto_encode_reply(&w, rep), PW_ERR_NOSPACE);
	free(rep);
}

/* ---- Names and tables ---- */

static void
test_name_valid(void **state)
{
	static const char *const good[] = { "a", "Z", "0", "_", "@", "alice",
		"a.b", "a-b", "a_b", "a@b.c", "0day", "a.", "a-", "A1.b_C-d@e",
		a64 };
	static const char *const bad[] = { "", "-", ".", "-x", ".x", "a b",
		" a", "a ", "\xc3\xa9", "caf\xc3\xa9", "a/b", "a:b", "a\tb",
		"a\nb", "a\x7f", "a\x80", "a+b", "a*b", "a$", "..", "a,b",
		a65 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!proto_name_valid(good[i]))
			print_message("refused: \"%s\"\n", good[i]);
		assert_true(proto_name_valid(good[i]));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (proto_name_valid(bad[i]))
			print_message("accepted: \"%s\"\n", bad[i]);
		assert_false(proto_name_valid(bad[i]));
	}
}

static void
test_role(void **state)
{
	static const char *const bad[] = { "none", "", "Admin", "USER",
		"users", "master ", " user", "adm", "root" };
	uint8_t role;
	size_t i;

	(void)state;
	assert_int_equal(proto_role_parse("user", &role), PW_OK);
	assert_int_equal(role, PW_ROLE_USER);
	assert_int_equal(proto_role_parse("admin", &role), PW_OK);
	assert_int_equal(role, PW_ROLE_ADMIN);
	assert_int_equal(proto_role_parse("master", &role), PW_OK);
	assert_int_equal(role, PW_ROLE_MASTER);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		role = 0x55;
		assert_int_equal(proto_role_parse(bad[i], &role), PW_ERR_INVAL);
		assert_int_equal(role, PW_ROLE_NONE);
	}
	assert_string_equal(proto_role_name(PW_ROLE_NONE), "none");
	assert_string_equal(proto_role_name(PW_ROLE_USER), "user");
	assert_string_equal(proto_role_name(PW_ROLE_ADMIN), "admin");
	assert_string_equal(proto_role_name(PW_ROLE_MASTER), "master");
	assert_string_equal(proto_role_name(4), "none");
	assert_string_equal(proto_role_name(255), "none");
	assert_string_equal(proto_role_name(~0u), "none");
}

static void
test_stat_names(void **state)
{
	unsigned i, j;

	(void)state;
	assert_true(PW_STAT_COUNT <= PW_STATS_MAX);
	for (i = 0; i < PW_STAT_COUNT; i++) {
		assert_non_null(proto_stat_name(i));
		assert_true(proto_stat_name(i)[0] != '\0');
		for (j = 0; j < i; j++)
			assert_string_not_equal(proto_stat_name(i),
			    proto_stat_name(j));
	}
	assert_null(proto_stat_name(PW_STAT_COUNT));
	assert_null(proto_stat_name(PW_STATS_MAX));
	assert_null(proto_stat_name(~0u));
}

static void
test_req_names(void **state)
{
	unsigned i, j;

	(void)state;
	for (i = 1; i <= PW_REQ_TYPE_MAX; i++) {
		assert_non_null(proto_req_name(i));
		assert_string_not_equal(proto_req_name(i), "unknown");
		for (j = 1; j < i; j++)
			assert_string_not_equal(proto_req_name(i),
			    proto_req_name(j));
	}
	assert_string_equal(proto_req_name(0), "unknown");
	assert_string_equal(proto_req_name(PW_REQ_TYPE_MAX + 1), "unknown");
	assert_string_equal(proto_req_name(PW_REQ_AUTH | PW_REPLY), "unknown");
	assert_string_equal(proto_req_name(~0u), "unknown");
}

int
main(void)
{
	const struct CMUnitTest proto_codec[] = {
		cmocka_unit_test(test_req_round_trip),
		cmocka_unit_test(test_req_bytes),
		cmocka_unit_test(test_req_bytes_query),
		cmocka_unit_test(test_req_cut_every_offset),
		cmocka_unit_test(test_req_trailing),
		cmocka_unit_test(test_req_unknown_type),
		cmocka_unit_test(test_req_secret_count),
		cmocka_unit_test(test_req_targets_max),
		cmocka_unit_test(test_req_bad_factor_role),
		cmocka_unit_test(test_req_bad_flags),
		cmocka_unit_test(test_req_bad_names),
		cmocka_unit_test(test_req_empty_user),
		cmocka_unit_test(test_req_text_fields),
		cmocka_unit_test(test_req_secret_bounds),
		cmocka_unit_test(test_secret_set),
		cmocka_unit_test(test_wipe_req),
		cmocka_unit_test(test_encode_nospace),
		cmocka_unit_test(test_rep_round_trip),
		cmocka_unit_test(test_rep_every_status),
		cmocka_unit_test(test_rep_cut_every_offset),
		cmocka_unit_test(test_rep_bad_header),
		cmocka_unit_test(test_rep_account_verdict),
		cmocka_unit_test(test_rep_bad_account),
		cmocka_unit_test(test_rep_bad_audit),
		cmocka_unit_test(test_rep_bad_text),
		cmocka_unit_test(test_rep_bad_reason),
		cmocka_unit_test(test_rep_encode_refused),
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_role),
		cmocka_unit_test(test_stat_names),
		cmocka_unit_test(test_req_names),
	};

	return cmocka_run_group_tests(proto_codec, NULL, NULL);
}
