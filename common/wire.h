/* SPDX-License-Identifier: MIT */
/* Bounded buffer codec over caller-owned storage: no realloc, no copies. */
#ifndef PW_WIRE_H
#define PW_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PW_WUR __attribute__((warn_unused_result))

/*
 * A wire is a window over storage the caller owns (usually a fixed array
 * that is wiped after use).  Writers append at `len' and fail with
 * PW_ERR_NOSPACE instead of growing.  Readers consume from `off' up to
 * `len'; a failed get leaves `off' unchanged.  All integers are big-endian.
 * Strings are a u32 length followed by the bytes, without a terminator.
 */
struct wire {
	uint8_t *p;
	size_t cap; /* bytes of storage */
	size_t len; /* bytes of valid data */
	size_t off; /* read offset */
};

/* Empty wire over buf[0..cap): for writing. */
void wire_init(struct wire *w, void *buf, size_t cap);
/* Wire over len bytes already in buf: for reading. */
void wire_from(struct wire *w, void *buf, size_t len);
/* Wipes the whole storage and resets len/off to 0. */
void wire_wipe(struct wire *w);

int wire_put_u8(struct wire *w, uint8_t v) PW_WUR;
int wire_put_u32(struct wire *w, uint32_t v) PW_WUR;
int wire_put_u64(struct wire *w, uint64_t v) PW_WUR;
/* Puts n bytes of s as a string; fails with PW_ERR_TOOLONG past UINT32_MAX. */
int wire_put_bytes(struct wire *w, const void *s, size_t n) PW_WUR;
/* Puts a NUL-terminated string (without its NUL). */
int wire_put_str(struct wire *w, const char *s) PW_WUR;

int wire_get_u8(struct wire *w, uint8_t *v) PW_WUR;
int wire_get_u32(struct wire *w, uint32_t *v) PW_WUR;
int wire_get_u64(struct wire *w, uint64_t *v) PW_WUR;
/*
 * Copies a string into dst and NUL-terminates it.  Refuses (never
 * truncates) a string of dstsz bytes or more (PW_ERR_TOOLONG) and one with
 * an embedded NUL (PW_ERR_NUL).  dst is set to "" first.  If lenp is not
 * NULL it receives the string's length.
 */
int wire_get_str(struct wire *w, char *dst, size_t dstsz, size_t *lenp) PW_WUR;
/* Points *pp into the wire at a string of at most max bytes (no copy). */
int wire_get_view(struct wire *w, const uint8_t **pp, size_t *np, size_t max) PW_WUR;
/* PW_OK when every byte was consumed, else PW_ERR_TRAILING. */
int wire_end(const struct wire *w) PW_WUR;
/* Bytes left to read. */
size_t wire_left(const struct wire *w);

#endif
