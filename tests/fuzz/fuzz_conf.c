/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the pwadmind.conf parser (conf_load).  Each input is
 * written to one file in a private temporary directory and loaded from
 * there, as the daemon loads its configuration. */
#include <sys/stat.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "fuzz.h"
#include "pwerr.h"

#define LINE_MAX_BYTES 1023 /* conf.c: longer lines are refused */

/* The keys this harness writes back (conf.c's table may have more). */
static const struct {
	const char *name;
	size_t off, size;
} str_keys[] = {
	{ "socket", offsetof(struct pwd_conf, socket),
	    sizeof(((struct pwd_conf *)0)->socket) },
	{ "state_dir", offsetof(struct pwd_conf, state_dir),
	    sizeof(((struct pwd_conf *)0)->state_dir) },
	{ "user", offsetof(struct pwd_conf, user),
	    sizeof(((struct pwd_conf *)0)->user) },
};
#define NUM_KEY(k) { #k, offsetof(struct pwd_conf, k) }
static const struct {
	const char *name;
	size_t off;
} num_keys[] = {
	NUM_KEY(max_login_failures), NUM_KEY(max_confirm_failures),
	NUM_KEY(max_otp_failures), NUM_KEY(login_max_age_days),
	NUM_KEY(confirm_max_age_days), NUM_KEY(warn_days),
	NUM_KEY(min_length), NUM_KEY(min_classes), NUM_KEY(history),
	NUM_KEY(otp_window), NUM_KEY(argon2_ops), NUM_KEY(argon2_mem_kib),
	NUM_KEY(hash_workers), NUM_KEY(max_connections),
	NUM_KEY(max_connections_per_uid), NUM_KEY(request_timeout),
	NUM_KEY(slot_wait_timeout),
};
#undef NUM_KEY
#define NSTR (sizeof(str_keys) / sizeof(str_keys[0]))
#define NNUM (sizeof(num_keys) / sizeof(num_keys[0]))
#define KEYS_TEXT_MAX ((NSTR + NNUM) * (LINE_MAX_BYTES + 1))

static char dir[4096], path[4200];
static struct pwd_conf first, again;
static char text[2 * KEYS_TEXT_MAX];

static void
cleanup(void)
{
	(void)unlink(path);
	(void)rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	if ((size_t)snprintf(dir, sizeof(dir), "%s/pwfuzz-conf.XXXXXX", tmp) >=
	    sizeof(dir) || mkdtemp(dir) == NULL)
		abort();
	(void)snprintf(path, sizeof(path), "%s/pwadmind.conf", dir);
	atexit(cleanup);
	return 0;
}

/* Replaces the file with n bytes of p (mode 0600, ours: conf_load's rule). */
static void
put_file(const void *p, size_t n)
{
	const uint8_t *b = p;
	ssize_t w;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0)
		abort();
	while (n > 0) {
		if ((w = write(fd, b, n)) <= 0)
			abort();
		b += w;
		n -= (size_t)w;
	}
	if (close(fd) != 0)
		abort();
}

/*
 * The first line (from 1) that the parser must refuse whatever it says:
 * a NUL, a control byte other than tab, a byte >= 0x7f, or more than
 * LINE_MAX_BYTES bytes; 0 when there is none.  *nlines gets the count.
 */
static unsigned
first_bad_line(const uint8_t *p, size_t n, unsigned *nlines)
{
	unsigned line = 1, bad = 0;
	size_t len = 0, i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			line++;
			len = 0;
			continue;
		}
		len++;
		if (bad == 0 && ((p[i] < 0x20 && p[i] != '\t') || p[i] >= 0x7f ||
		    len > LINE_MAX_BYTES))
			bad = line;
	}
	*nlines = n > 0 && p[n - 1] != '\n' ? line : line - 1;
	return bad;
}

/* "PATH:LINE: reason", with LINE in 1..nlines+1; returns LINE. */
static unsigned long
error_line(const char *err, unsigned nlines)
{
	size_t plen = strlen(path);
	unsigned long line;
	char *end = NULL;

	FUZZ_ASSERT(strncmp(err, path, plen) == 0 && err[plen] == ':');
	FUZZ_ASSERT(err[plen + 1] >= '1' && err[plen + 1] <= '9');
	line = strtoul(err + plen + 1, &end, 10);
	FUZZ_ASSERT(end[0] == ':' && end[1] == ' ' && end[2] != '\0');
	FUZZ_ASSERT(line <= (unsigned long)nlines + 1);
	return line;
}

/* A loaded string value: within its array, non-empty, trimmed, printable. */
static void
check_string(const char *s, size_t size, bool path_value)
{
	size_t i, n;

	FUZZ_ASSERT(fuzz_terminated(s, size));
	n = strlen(s);
	FUZZ_ASSERT(n > 0 && n <= LINE_MAX_BYTES);
	FUZZ_ASSERT(!path_value || s[0] == '/');
	FUZZ_ASSERT(s[0] != ' ' && s[0] != '\t');
	FUZZ_ASSERT(s[n - 1] != ' ' && s[n - 1] != '\t');
	for (i = 0; i < n; i++)
		FUZZ_ASSERT(s[i] == '\t' || (s[i] >= 0x20 && s[i] < 0x7f));
}

/* Writes every key of c as "key=value" lines into text; returns the length. */
static size_t
keys_text(const struct pwd_conf *c)
{
	const char *base = (const char *)c;
	size_t i, n = 0;
	int w;

	for (i = 0; i < NSTR; i++) {
		w = snprintf(text + n, sizeof(text) - n, "%s=%s\n",
		    str_keys[i].name, base + str_keys[i].off);
		FUZZ_ASSERT(w > 0 && (size_t)w < sizeof(text) - n);
		n += (size_t)w;
	}
	for (i = 0; i < NNUM; i++) {
		uint32_t v;

		memcpy(&v, base + num_keys[i].off, sizeof(v));
		w = snprintf(text + n, sizeof(text) - n, "%s=%u\n",
		    num_keys[i].name, (unsigned)v);
		FUZZ_ASSERT(w > 0 && (size_t)w < sizeof(text) - n);
		n += (size_t)w;
	}
	return n;
}

/* The keys of a and b hold the same values (strings up to their NUL). */
static bool
same_keys(const struct pwd_conf *a, const struct pwd_conf *b)
{
	size_t i;

	for (i = 0; i < NSTR; i++)
		if (strncmp((const char *)a + str_keys[i].off,
		    (const char *)b + str_keys[i].off, str_keys[i].size) != 0)
			return false;
	for (i = 0; i < NNUM; i++)
		if (memcmp((const char *)a + num_keys[i].off,
		    (const char *)b + num_keys[i].off, sizeof(uint32_t)) != 0)
			return false;
	return true;
}

/*
 * An accepted configuration written back as "key=value" lines loads, over
 * any previous values, to the same settings; the same lines twice are
 * refused (duplicate keys) at the first repeated line.
 */
static void
check_round_trip(void)
{
	char err[8192];
	size_t n;

	check_string(first.socket, sizeof(first.socket), true);
	check_string(first.state_dir, sizeof(first.state_dir), true);
	check_string(first.user, sizeof(first.user), false);
	n = keys_text(&first);
	FUZZ_ASSERT(n <= KEYS_TEXT_MAX); /* room for the copy below */
	put_file(text, n);
	memset(&again, 0xa5, sizeof(again));
	FUZZ_ASSERT(conf_load(&again, path, err, sizeof(err)) == PW_OK);
	FUZZ_ASSERT(same_keys(&first, &again));
	memcpy(text + n, text, n);
	put_file(text, 2 * n);
	conf_defaults(&again);
	FUZZ_ASSERT(conf_load(&again, path, err, sizeof(err)) == PW_ERR_INVAL);
	FUZZ_ASSERT(error_line(err, (unsigned)(2 * (NSTR + NNUM))) ==
	    NSTR + NNUM + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[8192];
	unsigned bad, nlines;
	int r;

	put_file(data, size);
	bad = first_bad_line(data, size, &nlines);
	conf_defaults(&first);
	memset(err, 0, sizeof(err));
	r = conf_load(&first, path, err, sizeof(err));
	FUZZ_ASSERT(r == PW_OK || r == PW_ERR_INVAL);
	FUZZ_ASSERT(fuzz_terminated(err, sizeof(err)));
	if (r != PW_OK) {
		/* the reported line is at or before the first bad one */
		FUZZ_ASSERT(bad == 0 || error_line(err, nlines) <= bad);
		if (bad == 0)
			(void)error_line(err, nlines);
		return 0;
	}
	FUZZ_ASSERT(bad == 0); /* bad bytes and long lines are refused */
	check_round_trip();
	return 0;
}
