/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the request decoder (proto_decode_req) and its round
 * trip through proto_encode_req.  Input: byte 0 is the request type as it
 * travels in the frame, the rest is the payload. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proto.h"
#include "pwerr.h"
#include "wire.h"

/* Static: a request is several KiB, decoded three times per input. */
static struct pw_request first, again, extra;

/* A name field: a C string within its array, valid or empty. */
static bool
name_ok(const char *s, size_t size, bool may_be_empty)
{
	if (!fuzz_terminated(s, size))
		return false;
	return (may_be_empty && s[0] == '\0') || proto_name_valid(s);
}

/* Every field of a decoded request is within its bounds. */
static void
check_fields(const struct pw_request *req, uint8_t type)
{
	uint32_t i;

	FUZZ_ASSERT(req->type == type);
	FUZZ_ASSERT(name_ok(req->user, sizeof(req->user), true));
	FUZZ_ASSERT(fuzz_text(req->service, sizeof(req->service)));
	FUZZ_ASSERT(fuzz_text(req->rhost, sizeof(req->rhost)));
	FUZZ_ASSERT(name_ok(req->cursor, sizeof(req->cursor), true));
	FUZZ_ASSERT(req->factor <= PW_FACTOR_MAX);
	FUZZ_ASSERT(req->role == PW_ROLE_NONE ||
	    (req->role >= PW_ROLE_USER && req->role <= PW_ROLE_MASTER));
	FUZZ_ASSERT((req->flags & ~PW_F_KNOWN) == 0);
	FUZZ_ASSERT(req->ntargets <= PW_TARGETS_MAX);
	for (i = 0; i < PW_TARGETS_MAX; i++) {
		if (i < req->ntargets)
			FUZZ_ASSERT(name_ok(req->targets[i],
			    sizeof(req->targets[i]), false));
		else
			FUZZ_ASSERT(fuzz_zero(req->targets[i],
			    sizeof(req->targets[i])));
	}
	FUZZ_ASSERT(req->nsecrets <= PW_SECRETS_MAX);
	for (i = 0; i < PW_SECRETS_MAX; i++) {
		const struct pw_secret *s = &req->secret[i];

		if (i >= req->nsecrets) {
			FUZZ_ASSERT(fuzz_zero(s, sizeof(*s)));
			continue;
		}
		/* NUL-terminated at len, no NUL before, nothing after */
		FUZZ_ASSERT(s->len <= PW_PASS_MAX);
		FUZZ_ASSERT(s->buf[s->len] == '\0');
		FUZZ_ASSERT(memchr(s->buf, '\0', s->len) == NULL);
		FUZZ_ASSERT(fuzz_zero(s->buf + s->len, sizeof(s->buf) - s->len));
	}
}

/* Decodes n bytes of p as a request of `type' into *req. */
static int
decode(uint8_t *p, size_t n, uint8_t type, struct pw_request *req)
{
	struct wire w;

	wire_from(&w, p, n);
	return proto_decode_req(&w, type, req);
}

/* A refused request keeps no secret (the decoder's contract). */
static void
check_refused(int r, const struct pw_request *req)
{
	FUZZ_ASSERT(r != PW_OK);
	FUZZ_ASSERT(req->nsecrets == 0);
	FUZZ_ASSERT(fuzz_zero(req->secret, sizeof(req->secret)));
}

/* fuzz_reencode's encoder for this message type. */
static int
enc(struct wire *w, const void *msg)
{
	return proto_encode_req(w, msg);
}

/*
 * Bytes after an accepted request are refused as trailing, and every
 * shorter prefix that was tried as truncated (the format is self-delimiting:
 * no accepted request is a prefix of another).
 */
static void
check_edges(const uint8_t *in, size_t n, uint8_t type)
{
	uint8_t *p = malloc(n + 1);
	int r;

	if (p == NULL)
		abort();
	if (n > 0)
		memcpy(p, in, n);
	p[n] = n > 0 ? in[n - 1] : 0;
	r = decode(p, n + 1, type, &extra);
	FUZZ_ASSERT(r == PW_ERR_TRAILING);
	check_refused(r, &extra);
	if (n > 0) {
		r = decode(p, n - 1, type, &extra);
		FUZZ_ASSERT(r == PW_ERR_TRUNCATED);
		check_refused(r, &extra);
		r = decode(p, n / 2, type, &extra);
		FUZZ_ASSERT(r == PW_ERR_TRUNCATED);
		check_refused(r, &extra);
	}
	free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t type, *payload, *out;
	size_t n;
	int r;

	if (size < 1)
		return 0;
	type = data[0];
	n = size - 1;
	payload = fuzz_dup(data + 1, n);
	r = decode(payload, n, type, &first);
	FUZZ_ASSERT(memcmp(payload, data + 1, n) == 0); /* input only read */
	if (type == 0 || type > PW_REQ_TYPE_MAX)
		FUZZ_ASSERT(r == PW_ERR_PROTO);
	if (r != PW_OK) {
		check_refused(r, &first);
		free(payload);
		return 0;
	}
	check_fields(&first, type);
	out = fuzz_reencode(enc, &first, payload, n);
	/* the encoded bytes decode to the very same request */
	FUZZ_ASSERT(decode(out, n, type, &again) == PW_OK);
	free(out);
	FUZZ_ASSERT(memcmp(&first, &again, sizeof(first)) == 0);
	check_edges(payload, n, type);
	proto_wipe_req(&first);
	FUZZ_ASSERT(first.nsecrets == 0);
	FUZZ_ASSERT(fuzz_zero(first.secret, sizeof(first.secret)));
	proto_wipe_req(&again);
	free(payload);
	return 0;
}
