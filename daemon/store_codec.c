/* SPDX-License-Identifier: MIT */
/*
 * The store's records as bytes (store_codec.h): each behind a version
 * byte, decoded exactly (nothing short, nothing left over, every value in
 * range), or refused.  The LMDB backend stores these bytes; every backend
 * checks an account it reads with store_user_valid.
 */
#include <stdint.h>
#include <string.h>

#include "log.h"
#include "pwerr.h"
#include "store_codec.h"
#include "wipe.h"

#define REC_VERSION   1
#define HIST_VERSION  1
#define OTP_VERSION   1
#define AUDIT_VERSION 1
#define AUDIT_VERSION_HOST 2

static int
get_bool(struct wire *w, bool *b)
{
	uint8_t v;
	int r;

	if ((r = wire_get_u8(w, &v)) != PW_OK)
		return r;
	if (v > 1)
		return PW_ERR_PROTO;
	*b = v;
	return PW_OK;
}

bool
store_user_valid(const struct store_user *u)
{
	uint8_t i;

	if (u->role < PW_ROLE_USER || u->role > PW_ROLE_MASTER ||
	    u->otp_state > PW_OTP_LOCKED)
		return false;
	for (i = 0; i <= PW_FACTOR_MAX; i++)
		if (strnlen(u->f[i].hash, PWD_HASH_MAX) == PWD_HASH_MAX)
			return false;
	return u->name[0] != '\0' && strnlen(u->name, sizeof(u->name)) <
	    sizeof(u->name);
}

int
store_user_encode(const struct store_user *u, struct wire *w)
{
	uint8_t i;
	int r;

	if ((r = wire_put_u8(w, REC_VERSION)) != PW_OK ||
	    (r = wire_put_u8(w, u->role)) != PW_OK ||
	    (r = wire_put_u8(w, u->suspended)) != PW_OK)
		return r;
	for (i = 0; i <= PW_FACTOR_MAX; i++) {
		const struct store_factor *f = &u->f[i];

		if ((r = wire_put_str(w, f->hash)) != PW_OK ||
		    (r = wire_put_u32(w, f->failures)) != PW_OK ||
		    (r = wire_put_u8(w, f->locked)) != PW_OK ||
		    (r = wire_put_u8(w, f->must_change)) != PW_OK ||
		    (r = wire_put_u64(w, (uint64_t)f->changed_at)) != PW_OK)
			return r;
	}
	if ((r = wire_put_u8(w, u->otp_state)) != PW_OK ||
	    (r = wire_put_u32(w, u->otp_failures)) != PW_OK ||
	    (r = wire_put_u64(w, (uint64_t)u->created_at)) != PW_OK)
		return r;
	return PW_OK;
}

static int
decode_factor(struct wire *w, struct store_factor *f)
{
	uint64_t t;
	int r;

	if ((r = wire_get_str(w, f->hash, sizeof(f->hash), NULL)) != PW_OK ||
	    (r = wire_get_u32(w, &f->failures)) != PW_OK ||
	    (r = get_bool(w, &f->locked)) != PW_OK ||
	    (r = get_bool(w, &f->must_change)) != PW_OK ||
	    (r = wire_get_u64(w, &t)) != PW_OK)
		return r;
	f->changed_at = (int64_t)t;
	return PW_OK;
}

int
store_user_decode(const void *key, size_t keylen, const void *val,
    size_t vallen, struct store_user *u)
{
	struct wire w;
	uint8_t ver;
	uint64_t t;
	uint8_t i;

	memset(u, 0, sizeof(*u));
	if (keylen == 0 || keylen > PW_USER_MAX)
		return PW_ERR_STORE;
	memcpy(u->name, key, keylen);
	wire_from(&w, (void *)(uintptr_t)val, vallen);
	if (wire_get_u8(&w, &ver) != PW_OK || ver != REC_VERSION ||
	    wire_get_u8(&w, &u->role) != PW_OK ||
	    get_bool(&w, &u->suspended) != PW_OK)
		goto bad;
	for (i = 0; i <= PW_FACTOR_MAX; i++)
		if (decode_factor(&w, &u->f[i]) != PW_OK)
			goto bad;
	if (wire_get_u8(&w, &u->otp_state) != PW_OK ||
	    wire_get_u32(&w, &u->otp_failures) != PW_OK ||
	    wire_get_u64(&w, &t) != PW_OK || wire_end(&w) != PW_OK)
		goto bad;
	u->created_at = (int64_t)t;
	if (!store_user_valid(u))
		goto bad;
	return PW_OK;
bad:
	log_warnx("store: account record of %s does not decode", u->name);
	PW_WIPE_OBJECT(u);
	return PW_ERR_STORE;
}

int
store_history_encode(const struct store_history *hist, struct wire *w)
{
	uint8_t f, i;
	int r;

	if ((r = wire_put_u8(w, HIST_VERSION)) != PW_OK)
		return r;
	for (f = 0; f <= PW_FACTOR_MAX; f++) {
		if (hist->n[f] > PW_HISTORY_MAX)
			return PW_ERR_INVAL;
		if ((r = wire_put_u8(w, hist->n[f])) != PW_OK)
			return r;
		for (i = 0; i < hist->n[f]; i++)
			if ((r = wire_put_str(w, hist->hash[f][i])) != PW_OK)
				return r;
	}
	return PW_OK;
}

int
store_history_decode(const void *val, size_t vallen,
    struct store_history *hist)
{
	struct wire w;
	uint8_t ver, f, i;

	memset(hist, 0, sizeof(*hist));
	wire_from(&w, (void *)(uintptr_t)val, vallen);
	if (wire_get_u8(&w, &ver) != PW_OK || ver != HIST_VERSION)
		goto bad;
	for (f = 0; f <= PW_FACTOR_MAX; f++) {
		if (wire_get_u8(&w, &hist->n[f]) != PW_OK ||
		    hist->n[f] > PW_HISTORY_MAX)
			goto bad;
		for (i = 0; i < hist->n[f]; i++)
			if (wire_get_str(&w, hist->hash[f][i], PWD_HASH_MAX,
			    NULL) != PW_OK)
				goto bad;
	}
	if (wire_end(&w) == PW_OK)
		return PW_OK;
bad:
	log_warnx("store: a password history does not decode");
	PW_WIPE_OBJECT(hist);
	return PW_ERR_STORE;
}

int
store_otp_encode(const struct store_otp *t, struct wire *w)
{
	int r;

	if ((r = wire_put_u8(w, OTP_VERSION)) != PW_OK ||
	    (r = wire_put_u8(w, t->pending)) != PW_OK ||
	    (r = wire_put_u8(w, t->tries)) != PW_OK ||
	    (r = wire_put_u64(w, t->last_step)) != PW_OK ||
	    (r = wire_put_bytes(w, t->nonce, PWD_OTP_NONCE)) != PW_OK ||
	    (r = wire_put_bytes(w, t->box, PWD_OTP_BOX)) != PW_OK)
		return r;
	return PW_OK;
}

int
store_otp_decode(const void *val, size_t vallen, struct store_otp *t)
{
	const uint8_t *p;
	struct wire w;
	uint8_t ver;
	size_t n;

	memset(t, 0, sizeof(*t));
	wire_from(&w, (void *)(uintptr_t)val, vallen);
	if (wire_get_u8(&w, &ver) != PW_OK || ver != OTP_VERSION ||
	    get_bool(&w, &t->pending) != PW_OK ||
	    wire_get_u8(&w, &t->tries) != PW_OK ||
	    wire_get_u64(&w, &t->last_step) != PW_OK ||
	    wire_get_view(&w, &p, &n, PWD_OTP_NONCE) != PW_OK ||
	    n != PWD_OTP_NONCE)
		goto bad;
	memcpy(t->nonce, p, n);
	if (wire_get_view(&w, &p, &n, PWD_OTP_BOX) != PW_OK ||
	    n != PWD_OTP_BOX || wire_end(&w) != PW_OK)
		goto bad;
	memcpy(t->box, p, n);
	return PW_OK;
bad:
	log_warnx("store: a one-time password token does not decode");
	PW_WIPE_OBJECT(t);
	return PW_ERR_STORE;
}

void
store_seq_key(uint64_t seq, uint8_t key[STORE_SEQ_KEY])
{
	int i;

	for (i = 0; i < STORE_SEQ_KEY; i++)
		key[i] = (uint8_t)(seq >> (56 - 8 * i));
}

uint64_t
store_seq_of(const uint8_t key[STORE_SEQ_KEY])
{
	uint64_t seq = 0;
	int i;

	for (i = 0; i < STORE_SEQ_KEY; i++)
		seq = seq << 8 | key[i];
	return seq;
}

/*
 * Version 1: the fields; version 2 (an entry that names its host): the
 * fields, then the host.  An entry without a host keeps version 1, so the
 * bytes of every entry written before hosts were named stay the same.
 */
int
store_audit_encode_body(const struct pw_audit *e, struct wire *w)
{
	int r;

	if ((r = wire_put_u8(w, e->host[0] != '\0' ? AUDIT_VERSION_HOST :
	    AUDIT_VERSION)) != PW_OK ||
	    (r = proto_put_audit_fields(w, e)) != PW_OK)
		return r;
	if (e->host[0] != '\0' && (r = wire_put_str(w, e->host)) != PW_OK)
		return r;
	return PW_OK;
}

int
store_audit_encode(const struct pw_audit *e, struct wire *w)
{
	int r;

	if ((r = store_audit_encode_body(e, w)) != PW_OK ||
	    (r = wire_put_bytes(w, e->hash, PW_AUDIT_HASH)) != PW_OK)
		return r;
	return PW_OK;
}

int
store_audit_decode(const void *key, size_t keylen, const void *val,
    size_t vallen, struct pw_audit *e, size_t *bodylen)
{
	const uint8_t *h;
	struct wire w;
	uint8_t ver;
	size_t n, body;

	memset(e, 0, sizeof(*e));
	*bodylen = 0;
	if (keylen != STORE_SEQ_KEY)
		return PW_ERR_STORE;
	e->seq = store_seq_of(key);
	wire_from(&w, (void *)(uintptr_t)val, vallen);
	if (wire_get_u8(&w, &ver) != PW_OK || (ver != AUDIT_VERSION &&
	    ver != AUDIT_VERSION_HOST) || proto_get_audit_fields(&w, e) != PW_OK)
		return PW_ERR_STORE;
	if (ver == AUDIT_VERSION_HOST && (wire_get_str(&w, e->host,
	    sizeof(e->host), NULL) != PW_OK || !proto_host_valid(e->host)))
		return PW_ERR_STORE;
	body = w.off;
	if (wire_get_view(&w, &h, &n, PW_AUDIT_HASH) != PW_OK ||
	    n != PW_AUDIT_HASH || wire_end(&w) != PW_OK)
		return PW_ERR_STORE;
	memcpy(e->hash, h, n);
	*bodylen = body;
	return PW_OK;
}
