/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the client's --stdin reader (prompt_secret from fd 0,
 * one secret a line, as pwadmin --stdin reads them).  Input: byte 0 is the
 * plan (bits 0-1: read 1 to 4 lines; bits 2-5: line i is a new secret;
 * bits 6-7: 0 = prompt_secret, else prompt_read_line into 1, 8 or 17
 * bytes), the rest is what standard input holds (a memfd put on fd 0). */
#include <sys/mman.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fuzz.h"
#include "prompt.h"
#include "proto.h"
#include "pwerr.h"

static const struct prompt_item current = { "the secret", "Secret: ", NULL };
static const struct prompt_item fresh = { "the new secret", "New secret: ",
	"Retype new secret: " };
static const struct prompt_src src = { true, STDIN_FILENO };
static struct pw_secret sec;
static size_t input_len; /* bytes on standard input */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd;

	(void)argc;
	(void)argv;
	if ((fd = memfd_create("pwfuzz-stdin", 0)) < 0 ||
	    dup2(fd, STDIN_FILENO) != STDIN_FILENO)
		abort();
	(void)close(fd);
	return 0;
}

/* Standard input holds exactly the n bytes of p, read from the start. */
static void
put_stdin(const uint8_t *p, size_t n)
{
	size_t off = 0;
	ssize_t w;

	if (ftruncate(STDIN_FILENO, 0) != 0)
		abort();
	while (off < n) {
		if ((w = pwrite(STDIN_FILENO, p + off, n - off, (off_t)off)) <= 0)
			abort();
		off += (size_t)w;
	}
	if (lseek(STDIN_FILENO, 0, SEEK_SET) != 0)
		abort();
}

/* Bytes of the UTF-8 sequence at p (n left) that is not a control
 * character (C0, DEL, C1), or 0 (Unicode Table 3-7, written anew). */
static size_t
utf8_char(const uint8_t *p, size_t n)
{
	uint8_t lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (p[0] >= 0x20 && p[0] < 0x7f)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 1;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		need = 2;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		need = 3;
	else
		return 0;
	if (p[0] == 0xc2)
		lo = 0xa0; /* U+0080-U+009F are the C1 controls */
	else if (p[0] == 0xe0)
		lo = 0xa0; /* overlong */
	else if (p[0] == 0xed)
		hi = 0x9f; /* surrogates */
	else if (p[0] == 0xf0)
		lo = 0x90; /* overlong */
	else if (p[0] == 0xf4)
		hi = 0x8f; /* past U+10FFFF */
	if (n < need + 1 || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i <= need; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return need + 1;
}

static bool
utf8_printable(const uint8_t *p, size_t n)
{
	size_t k;

	while (n > 0) {
		if ((k = utf8_char(p, n)) == 0)
			return false;
		p += k;
		n -= k;
	}
	return true;
}

/* What reading one line from the n bytes at p must give. */
struct expect {
	bool ok;	 /* a line (a secret), else an error */
	int r;		 /* the error prompt_read_line gives, */
	bool either;	 /* ... or PW_ERR_NUL or PW_ERR_TOOLONG: both apply */
	size_t len;	 /* the line's bytes, from p */
	size_t consumed; /* bytes of the line with its "\n": read, no more */
};

/* A line of at most max bytes; a new secret is also printable UTF-8. */
static struct expect
model(const uint8_t *p, size_t n, size_t max, bool is_new)
{
	const uint8_t *nl = n > 0 ? memchr(p, '\n', n) : NULL;
	struct expect e = { false, PW_ERR_TRUNCATED, false, 0, n };
	bool nul, toolong;

	if (nl != NULL)
		e.consumed = (size_t)(nl - p) + 1;
	if (n == 0)
		return e; /* input ended before the line */
	e.len = nl != NULL ? (size_t)(nl - p) : n;
	if (nl != NULL && e.len > 0 && p[e.len - 1] == '\r')
		e.len--; /* "\r\n" ends a line too; a lone last "\r" stays */
	nul = memchr(p, '\0', e.len) != NULL;
	toolong = e.len > max;
	if (nul || toolong) {
		e.r = nul ? PW_ERR_NUL : PW_ERR_TOOLONG;
		e.either = nul && toolong;
		return e;
	}
	e.ok = !is_new || utf8_printable(p, e.len);
	e.r = e.ok ? PW_OK : PW_ERR_INVAL;
	return e;
}

/* Nothing past the line was read, and all of an accepted line was. */
static void
check_offset(size_t pos, const struct expect *e)
{
	off_t off = lseek(STDIN_FILENO, 0, SEEK_CUR);

	FUZZ_ASSERT(off >= (off_t)pos && (size_t)off <= pos + e->consumed);
	FUZZ_ASSERT(!e->ok || (size_t)off == pos + e->consumed);
}

/* One secret as pwadmin --stdin reads it (into a struct pw_secret). */
static bool
read_secret(const uint8_t *line, size_t pos, bool is_new)
{
	struct expect e = model(line, input_len - pos, PW_PASS_MAX, is_new);
	int ex;

	ex = prompt_secret(&src, is_new ? &fresh : &current, &sec);
	check_offset(pos, &e);
	if (!e.ok) {
		FUZZ_ASSERT(ex == CLI_EXIT_USAGE);
		FUZZ_ASSERT(fuzz_zero(&sec, sizeof(sec)));
		return false;
	}
	/* exactly the line, NUL-terminated, zeros after it */
	FUZZ_ASSERT(ex == CLI_EXIT_OK);
	FUZZ_ASSERT(sec.len == e.len);
	FUZZ_ASSERT(memcmp(sec.buf, line, e.len) == 0);
	FUZZ_ASSERT(sec.buf[sec.len] == '\0');
	FUZZ_ASSERT(fuzz_zero(sec.buf + sec.len, sizeof(sec.buf) - sec.len));
	return true;
}

/*
 * One line through prompt_read_line into a heap buffer of exactly bufsz
 * bytes, so that a write one past its end is an ASan report (in a struct
 * pw_secret the padding would hide it).
 */
static bool
read_small(const uint8_t *line, size_t pos, size_t bufsz)
{
	struct expect e = model(line, input_len - pos, bufsz - 1, false);
	char *buf = malloc(bufsz);
	size_t len = 1;
	int r;

	if (buf == NULL)
		abort();
	memset(buf, 0xbe, bufsz);
	r = prompt_read_line(STDIN_FILENO, buf, bufsz, &len);
	check_offset(pos, &e);
	if (!e.ok) {
		FUZZ_ASSERT(r != PW_OK && len == 0);
		FUZZ_ASSERT(r == e.r || (e.either && r == PW_ERR_TOOLONG));
		FUZZ_ASSERT(fuzz_zero(buf, bufsz)); /* wiped */
	} else {
		FUZZ_ASSERT(r == PW_OK && len == e.len);
		FUZZ_ASSERT(memcmp(buf, line, len) == 0 && buf[len] == '\0');
	}
	free(buf);
	return e.ok;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t small[4] = { 0, 1, 8, 17 };
	const uint8_t *in;
	size_t pos = 0, i, reads, bufsz;
	bool is_new, ok;

	if (size < 1)
		return 0;
	reads = 1 + (data[0] & 3u);
	bufsz = small[data[0] >> 6];
	in = data + 1;
	input_len = size - 1;
	put_stdin(in, input_len);
	for (i = 0; i < reads; i++) {
		is_new = (data[0] >> (2 + i)) & 1u;
		if (bufsz == 0)
			ok = read_secret(in + pos, pos, is_new);
		else
			ok = read_small(in + pos, pos, bufsz);
		if (!ok)
			break; /* pwadmin stops at the first bad line */
		pos = (size_t)lseek(STDIN_FILENO, 0, SEEK_CUR);
	}
	return 0;
}
