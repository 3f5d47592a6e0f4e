/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the reply decoder (proto_decode_reply) and its round
 * trip through proto_encode_reply.  Input: byte 0 is the reply's type
 * byte, the rest is the payload. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proto.h"
#include "pwerr.h"
#include "wire.h"

/* Static: a reply holds a page of accounts and one of audit entries. */
static struct pw_reply first, again, extra;

static bool
status_ok(int status)
{
	return status <= PW_OK && status >= PW_ERR_LAST;
}

static void
check_account(const struct pw_account *a)
{
	FUZZ_ASSERT(fuzz_terminated(a->name, sizeof(a->name)));
	FUZZ_ASSERT(proto_name_valid(a->name));
	FUZZ_ASSERT(a->role <= PW_ROLE_MASTER);
	FUZZ_ASSERT(a->otp <= PW_OTP_LOCKED);
	FUZZ_ASSERT((a->must_change & ~(PW_MUST_LOGIN | PW_MUST_CONFIRM)) == 0);
}

static void
check_audit(const struct pw_audit *e)
{
	FUZZ_ASSERT(fuzz_text(e->actor, sizeof(e->actor)));
	FUZZ_ASSERT(fuzz_text(e->action, sizeof(e->action)));
	FUZZ_ASSERT(fuzz_terminated(e->target, sizeof(e->target)));
	FUZZ_ASSERT(e->target[0] == '\0' || proto_name_valid(e->target));
	FUZZ_ASSERT(status_ok(e->status));
	FUZZ_ASSERT(fuzz_terminated(e->detail, sizeof(e->detail)));
	FUZZ_ASSERT(proto_text_valid(e->detail, PW_DETAIL_MAX));
}

/* A reason the protocol knows, with valid words, and one the words of
 * which render within their buffer. */
static void
check_why(const struct pw_why *y)
{
	char words[PW_WORDS_MAX];

	FUZZ_ASSERT(y->code <= PW_R_MAX);
	FUZZ_ASSERT(y->factor <= PW_WHY_OTP);
	FUZZ_ASSERT(fuzz_terminated(y->name, sizeof(y->name)));
	FUZZ_ASSERT(y->name[0] == '\0' || proto_name_valid(y->name));
	FUZZ_ASSERT(fuzz_terminated(y->text, sizeof(y->text)));
	FUZZ_ASSERT(proto_text_valid(y->text, PW_WHY_TEXT_MAX));
	(void)pw_words(PW_ERR_AUTH, y, words, sizeof(words));
	FUZZ_ASSERT(fuzz_terminated(words, sizeof(words)));
	FUZZ_ASSERT(y->code == PW_R_NONE || words[0] != '\0');
}

/* Every field of a decoded reply is within its bounds; unused slots zero. */
static void
check_fields(const struct pw_reply *rep, uint8_t type)
{
	uint32_t i;

	FUZZ_ASSERT(rep->type == type);
	FUZZ_ASSERT(status_ok(rep->status));
	check_why(&rep->why);
	check_why(&rep->note);
	FUZZ_ASSERT(rep->more <= 1);
	FUZZ_ASSERT(fuzz_text(rep->uri, sizeof(rep->uri)));
	FUZZ_ASSERT(rep->naccts <= PW_ACCTS_MAX);
	for (i = 0; i < PW_ACCTS_MAX; i++) {
		if (i < rep->naccts)
			check_account(&rep->accts[i]);
		else
			FUZZ_ASSERT(fuzz_zero(&rep->accts[i],
			    sizeof(rep->accts[i])));
	}
	FUZZ_ASSERT(rep->nstats <= PW_STATS_MAX);
	for (i = rep->nstats; i < PW_STATS_MAX; i++)
		FUZZ_ASSERT(rep->stats[i] == 0);
	FUZZ_ASSERT(rep->naudit <= PW_AUDIT_MAX);
	for (i = 0; i < PW_AUDIT_MAX; i++) {
		if (i < rep->naudit)
			check_audit(&rep->audit[i]);
		else
			FUZZ_ASSERT(fuzz_zero(&rep->audit[i],
			    sizeof(rep->audit[i])));
	}
}

static int
decode(uint8_t *p, size_t n, uint8_t type, struct pw_reply *rep)
{
	struct wire w;

	wire_from(&w, p, n);
	return proto_decode_reply(&w, type, rep);
}

/* fuzz_reencode's encoder for this message type. */
static int
enc(struct wire *w, const void *msg)
{
	return proto_encode_reply(w, msg);
}

/* Trailing bytes are refused, and shorter prefixes as truncated. */
static void
check_edges(const uint8_t *in, size_t n, uint8_t type)
{
	uint8_t *p = malloc(n + 1);

	if (p == NULL)
		abort();
	memcpy(p, in, n);
	p[n] = in[n - 1];
	FUZZ_ASSERT(decode(p, n + 1, type, &extra) == PW_ERR_TRAILING);
	FUZZ_ASSERT(decode(p, n - 1, type, &extra) == PW_ERR_TRUNCATED);
	FUZZ_ASSERT(decode(p, n / 2, type, &extra) == PW_ERR_TRUNCATED);
	free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t type, *payload, *out;
	size_t n;

	if (size < 1)
		return 0;
	type = data[0];
	n = size - 1;
	payload = fuzz_dup(data + 1, n);
	if (decode(payload, n, type, &first) != PW_OK) {
		FUZZ_ASSERT(memcmp(payload, data + 1, n) == 0);
		free(payload);
		return 0;
	}
	FUZZ_ASSERT(memcmp(payload, data + 1, n) == 0); /* input only read */
	FUZZ_ASSERT(n >= 4);
	check_fields(&first, type);
	out = fuzz_reencode(enc, &first, payload, n);
	/* the encoded bytes decode to the very same reply */
	FUZZ_ASSERT(decode(out, n, type, &again) == PW_OK);
	free(out);
	FUZZ_ASSERT(memcmp(&first, &again, sizeof(first)) == 0);
	check_edges(payload, n, type);
	free(payload);
	return 0;
}
