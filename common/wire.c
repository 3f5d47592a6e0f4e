/* SPDX-License-Identifier: MIT */
/* Bounded buffer codec; see wire.h for the contract. */
#include <string.h>

#include "pwerr.h"
#include "wipe.h"
#include "wire.h"

void
wire_init(struct wire *w, void *buf, size_t cap)
{
	w->p = buf;
	w->cap = cap;
	w->len = 0;
	w->off = 0;
}

void
wire_from(struct wire *w, void *buf, size_t len)
{
	w->p = buf;
	w->cap = len;
	w->len = len;
	w->off = 0;
}

void
wire_wipe(struct wire *w)
{
	pw_wipe(w->p, w->cap);
	w->len = 0;
	w->off = 0;
}

size_t
wire_left(const struct wire *w)
{
	return w->len - w->off;
}

static int
put(struct wire *w, const void *src, size_t n)
{
	if (n > w->cap - w->len)
		return PW_ERR_NOSPACE;
	if (n > 0)
		memcpy(w->p + w->len, src, n);
	w->len += n;
	return PW_OK;
}

int
wire_put_u8(struct wire *w, uint8_t v)
{
	return put(w, &v, 1);
}

int
wire_put_u32(struct wire *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
		(uint8_t)(v >> 8), (uint8_t)v };

	return put(w, b, sizeof(b));
}

int
wire_put_u64(struct wire *w, uint64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
	return put(w, b, sizeof(b)); /* all or nothing */
}

int
wire_put_bytes(struct wire *w, const void *s, size_t n)
{
	size_t save = w->len;
	int r;

	if (n > UINT32_MAX)
		return PW_ERR_TOOLONG;
	if (4 + n > w->cap - w->len)
		return PW_ERR_NOSPACE;
	if ((r = wire_put_u32(w, (uint32_t)n)) != PW_OK ||
	    (r = put(w, s, n)) != PW_OK) {
		w->len = save;
		return r;
	}
	return PW_OK;
}

int
wire_put_str(struct wire *w, const char *s)
{
	return wire_put_bytes(w, s, strlen(s));
}

int
wire_get_u8(struct wire *w, uint8_t *v)
{
	*v = 0;
	if (wire_left(w) < 1)
		return PW_ERR_TRUNCATED;
	*v = w->p[w->off++];
	return PW_OK;
}

int
wire_get_u32(struct wire *w, uint32_t *v)
{
	const uint8_t *b = w->p + w->off;

	*v = 0;
	if (wire_left(w) < 4)
		return PW_ERR_TRUNCATED;
	*v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | (uint32_t)b[3];
	w->off += 4;
	return PW_OK;
}

int
wire_get_u64(struct wire *w, uint64_t *v)
{
	uint32_t hi, lo;
	size_t save = w->off;
	int r;

	*v = 0;
	if ((r = wire_get_u32(w, &hi)) != PW_OK ||
	    (r = wire_get_u32(w, &lo)) != PW_OK) {
		w->off = save;
		return r;
	}
	*v = (uint64_t)hi << 32 | lo;
	return PW_OK;
}

int
wire_get_view(struct wire *w, const uint8_t **pp, size_t *np, size_t max)
{
	size_t save = w->off;
	uint32_t n;
	int r;

	*pp = NULL;
	*np = 0;
	if ((r = wire_get_u32(w, &n)) != PW_OK)
		return r;
	if (n > max) {
		w->off = save;
		return PW_ERR_TOOLONG;
	}
	if (n > wire_left(w)) {
		w->off = save;
		return PW_ERR_TRUNCATED;
	}
	*pp = w->p + w->off;
	*np = n;
	w->off += n;
	return PW_OK;
}

int
wire_get_str(struct wire *w, char *dst, size_t dstsz, size_t *lenp)
{
	size_t save = w->off, n;
	const uint8_t *p;
	int r;

	if (dstsz == 0)
		return PW_ERR_INTERNAL;
	dst[0] = '\0';
	if (lenp != NULL)
		*lenp = 0;
	if ((r = wire_get_view(w, &p, &n, dstsz - 1)) != PW_OK)
		return r;
	if (n > 0 && memchr(p, '\0', n) != NULL) {
		w->off = save;
		return PW_ERR_NUL;
	}
	memcpy(dst, p, n);
	dst[n] = '\0';
	if (lenp != NULL)
		*lenp = n;
	return PW_OK;
}

int
wire_end(const struct wire *w)
{
	return wire_left(w) == 0 ? PW_OK : PW_ERR_TRAILING;
}
