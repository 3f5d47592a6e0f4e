/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the store's record decoders (daemon/store_codec.h) and
 * their round trips.  Input: byte 0 picks the record (modulo 4: account,
 * password history, token, audit entry), byte 1 is the key's length, then
 * the key (account name, or audit number), then the record's value. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proto.h"
#include "pwerr.h"
#include "store.h"
#include "store_codec.h"
#include "wire.h"

enum rec { REC_USER, REC_HISTORY, REC_OTP, REC_AUDIT, REC_KINDS };

#define AUDIT_KEY 8 /* bytes of an audit entry's key */

/* One decoded record of any kind. */
union record {
	struct store_user u;
	struct store_history h;
	struct store_otp t;
	struct pw_audit e;
};

/* Static: a history is 12 KiB; decoded up to five times per input. */
static union record first, again, extra;

/* Bytes of the member of union record that a kind decodes into. */
static size_t
record_size(enum rec kind)
{
	switch (kind) {
	case REC_USER:
		return sizeof(struct store_user);
	case REC_HISTORY:
		return sizeof(struct store_history);
	case REC_OTP:
		return sizeof(struct store_otp);
	default:
		return sizeof(struct pw_audit);
	}
}

/* Decodes key and val as a record of `kind' into *out. */
static int
decode(enum rec kind, const uint8_t *key, size_t klen, const uint8_t *val,
    size_t vlen, union record *out, size_t *bodylen)
{
	*bodylen = 0;
	switch (kind) {
	case REC_USER:
		return store_user_decode(key, klen, val, vlen, &out->u);
	case REC_HISTORY:
		return store_history_decode(val, vlen, &out->h);
	case REC_OTP:
		return store_otp_decode(val, vlen, &out->t);
	default:
		return store_audit_decode(key, klen, val, vlen, &out->e, bodylen);
	}
}

/*
 * A refused record: PW_ERR_STORE, and nothing of it left in the output
 * (an audit entry holds no secret, and its decoder promises nothing).
 */
static void
check_refused(enum rec kind, int r, const union record *out)
{
	FUZZ_ASSERT(r == PW_ERR_STORE);
	if (kind != REC_AUDIT)
		FUZZ_ASSERT(fuzz_zero(out, record_size(kind)));
}

/* A C string within its array, and only zeros after it. */
static bool
string_ok(const char *s, size_t size)
{
	size_t n;

	if (!fuzz_terminated(s, size))
		return false;
	n = strlen(s);
	return fuzz_zero(s + n, size - n);
}

static void
check_user(const struct store_user *u, const uint8_t *key, size_t klen)
{
	unsigned f;

	FUZZ_ASSERT(klen >= 1 && klen <= PW_USER_MAX);
	FUZZ_ASSERT(memcmp(u->name, key, klen) == 0);
	FUZZ_ASSERT(fuzz_zero(u->name + klen, sizeof(u->name) - klen));
	FUZZ_ASSERT(u->role >= PW_ROLE_USER && u->role <= PW_ROLE_MASTER);
	FUZZ_ASSERT(u->otp_state <= PW_OTP_LOCKED);
	for (f = 0; f <= PW_FACTOR_MAX; f++)
		FUZZ_ASSERT(string_ok(u->f[f].hash, sizeof(u->f[f].hash)));
}

static void
check_history(const struct store_history *h)
{
	unsigned f, i;

	for (f = 0; f <= PW_FACTOR_MAX; f++) {
		FUZZ_ASSERT(h->n[f] <= PW_HISTORY_MAX);
		for (i = 0; i < PW_HISTORY_MAX; i++) {
			if (i < h->n[f])
				FUZZ_ASSERT(string_ok(h->hash[f][i],
				    sizeof(h->hash[f][i])));
			else
				FUZZ_ASSERT(fuzz_zero(h->hash[f][i],
				    sizeof(h->hash[f][i])));
		}
	}
}

/* An entry's fields, and the value: its hashed body, then the hash. */
static void
check_audit(const struct pw_audit *e, const uint8_t *key, size_t klen,
    const uint8_t *val, size_t vlen, size_t body)
{
	uint64_t seq = 0;
	size_t i;

	FUZZ_ASSERT(klen == AUDIT_KEY);
	for (i = 0; i < AUDIT_KEY; i++)
		seq = seq << 8 | key[i];
	FUZZ_ASSERT(e->seq == seq);
	FUZZ_ASSERT(fuzz_terminated(e->actor, sizeof(e->actor)));
	FUZZ_ASSERT(proto_text_valid(e->actor, PW_ACTOR_MAX));
	FUZZ_ASSERT(fuzz_terminated(e->action, sizeof(e->action)));
	FUZZ_ASSERT(proto_text_valid(e->action, PW_ACTION_MAX));
	FUZZ_ASSERT(fuzz_terminated(e->detail, sizeof(e->detail)));
	FUZZ_ASSERT(proto_text_valid(e->detail, PW_DETAIL_MAX));
	FUZZ_ASSERT(fuzz_terminated(e->target, sizeof(e->target)));
	FUZZ_ASSERT(e->target[0] == '\0' || proto_name_valid(e->target));
	FUZZ_ASSERT(e->status <= PW_OK && e->status >= PW_ERR_LAST);
	FUZZ_ASSERT(body > 0 && vlen == body + 4 + PW_AUDIT_HASH);
	FUZZ_ASSERT(val[body] == 0 && val[body + 1] == 0 &&
	    val[body + 2] == 0 && val[body + 3] == PW_AUDIT_HASH);
	FUZZ_ASSERT(memcmp(val + body + 4, e->hash, PW_AUDIT_HASH) == 0);
}

/* Encodes a decoded record with the store's own encoder. */
static int
encode(enum rec kind, const union record *rec, struct wire *w)
{
	switch (kind) {
	case REC_USER:
		return store_user_encode(&rec->u, w);
	case REC_HISTORY:
		return store_history_encode(&rec->h, w);
	case REC_OTP:
		return store_otp_encode(&rec->t, w);
	default:
		return store_audit_encode(&rec->e, w);
	}
}

/*
 * The accepted record encodes to exactly its own vlen bytes (refused,
 * without a write past the end, when one byte less fits), and those bytes
 * decode to the very same record.
 */
static void
check_round_trip(enum rec kind, const uint8_t *key, size_t klen,
    const uint8_t *val, size_t vlen)
{
	uint8_t *out = fuzz_dup(val, vlen), *less = fuzz_dup(val, vlen - 1);
	struct wire w;
	size_t body;

	memset(out, 0, vlen);
	wire_init(&w, out, vlen);
	FUZZ_ASSERT(encode(kind, &first, &w) == PW_OK);
	FUZZ_ASSERT(w.len == vlen);
	FUZZ_ASSERT(memcmp(out, val, vlen) == 0);
	wire_init(&w, less, vlen - 1);
	FUZZ_ASSERT(encode(kind, &first, &w) == PW_ERR_NOSPACE);
	FUZZ_ASSERT(decode(kind, key, klen, out, vlen, &again, &body) ==
	    PW_OK);
	FUZZ_ASSERT(memcmp(&first, &again, record_size(kind)) == 0);
	free(less);
	free(out);
}

/* Bytes after an accepted record are refused, and so are its prefixes. */
static void
check_edges(enum rec kind, const uint8_t *key, size_t klen,
    const uint8_t *val, size_t vlen)
{
	uint8_t *p = malloc(vlen + 1);
	size_t body;

	if (p == NULL)
		abort();
	memcpy(p, val, vlen);
	p[vlen] = 0;
	check_refused(kind, decode(kind, key, klen, p, vlen + 1, &extra, &body),
	    &extra);
	check_refused(kind, decode(kind, key, klen, p, vlen - 1, &extra, &body),
	    &extra);
	check_refused(kind, decode(kind, key, klen, p, vlen / 2, &extra, &body),
	    &extra);
	free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum rec kind;
	uint8_t *key, *val;
	size_t klen, vlen, body;
	int r;

	if (size < 2)
		return 0;
	kind = (enum rec)(data[0] % REC_KINDS);
	klen = data[1] < size - 2 ? data[1] : size - 2;
	vlen = size - 2 - klen;
	/* exact-size copies: a read past either end is an ASan report */
	key = fuzz_dup(data + 2, klen);
	val = fuzz_dup(data + 2 + klen, vlen);
	r = decode(kind, key, klen, val, vlen, &first, &body);
	FUZZ_ASSERT(memcmp(key, data + 2, klen) == 0);
	FUZZ_ASSERT(memcmp(val, data + 2 + klen, vlen) == 0);
	if (r != PW_OK) {
		check_refused(kind, r, &first);
	} else {
		FUZZ_ASSERT(vlen > 0); /* every record has a version byte */
		if (kind == REC_USER)
			check_user(&first.u, key, klen);
		else if (kind == REC_HISTORY)
			check_history(&first.h);
		else if (kind == REC_AUDIT)
			check_audit(&first.e, key, klen, val, vlen, body);
		check_round_trip(kind, key, klen, val, vlen);
		check_edges(kind, key, klen, val, vlen);
	}
	free(val);
	free(key);
	return 0;
}
