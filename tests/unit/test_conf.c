/* SPDX-License-Identifier: MIT */
/*
 * conf.c: defaults, a full valid file, and every way a file is refused with
 * "FILE:LINE: reason" (or refused outright: mode, owner, symlink, missing).
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "fixture.h"
#include "pwerr.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	return fx_tmpdir(dir, sizeof(dir), "conf");
}

static int
teardown(void **state)
{
	(void)state;
	return fx_rmtree(dir);
}

/* Writes n bytes to dir/name with mode; returns the path (static). */
static const char *
write_file(const char *name, const void *data, size_t n, mode_t mode)
{
	static char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static const char *
write_conf(const char *text)
{
	return write_file("pwadmind.conf", text, strlen(text), 0600);
}

static void
assert_defaults(const struct pwd_conf *c)
{
	assert_string_equal(c->socket, "/run/pwadmin/pwadmind.sock");
	assert_string_equal(c->state_dir, "/var/lib/pwadmin");
	assert_string_equal(c->user, "pwadmin");
	assert_int_equal(c->max_login_failures, 5);
	assert_int_equal(c->max_confirm_failures, 5);
	assert_int_equal(c->max_otp_failures, 5);
	assert_int_equal(c->login_max_age_days, 90);
	assert_int_equal(c->confirm_max_age_days, 90);
	assert_int_equal(c->warn_days, 14);
	assert_int_equal(c->min_length, 10);
	assert_int_equal(c->min_classes, 2);
	assert_int_equal(c->history, 5);
	assert_int_equal(c->otp_window, 1);
	assert_int_equal(c->argon2_ops, 2);
	assert_int_equal(c->argon2_mem_kib, 65536);
	assert_int_equal(c->hash_workers, 0);
	assert_int_equal(c->max_connections, 256);
	assert_int_equal(c->max_connections_per_uid, 8);
	assert_int_equal(c->request_timeout, 10);
	assert_int_equal(c->slot_wait_timeout, 20);
}

static void
test_defaults(void **state)
{
	struct pwd_conf c;

	(void)state;
	memset(&c, 0xa5, sizeof(c));
	conf_defaults(&c);
	assert_defaults(&c);
}

/* Every key set to a value other than its default. */
static const char full[] =
    "socket = /tmp/pw/test.sock\n"
    "state_dir = /tmp/pw/state\n"
    "user = nobody\n"
    "max_login_failures = 3\n"
    "max_confirm_failures = 4\n"
    "max_otp_failures = 6\n"
    "login_max_age_days = 30\n"
    "confirm_max_age_days = 0\n"
    "warn_days = 7\n"
    "min_length = 12\n"
    "min_classes = 3\n"
    "history = 0\n"
    "otp_window = 2\n"
    "argon2_ops = 1\n"
    "argon2_mem_kib = 8\n"
    "hash_workers = 4\n"
    "max_connections = 1000\n"
    "max_connections_per_uid = 10\n"
    "request_timeout = 5\n"
    "slot_wait_timeout = 600\n";

static void
assert_full(const struct pwd_conf *c)
{
	assert_string_equal(c->socket, "/tmp/pw/test.sock");
	assert_string_equal(c->state_dir, "/tmp/pw/state");
	assert_string_equal(c->user, "nobody");
	assert_int_equal(c->max_login_failures, 3);
	assert_int_equal(c->max_confirm_failures, 4);
	assert_int_equal(c->max_otp_failures, 6);
	assert_int_equal(c->login_max_age_days, 30);
	assert_int_equal(c->confirm_max_age_days, 0);
	assert_int_equal(c->warn_days, 7);
	assert_int_equal(c->min_length, 12);
	assert_int_equal(c->min_classes, 3);
	assert_int_equal(c->history, 0);
	assert_int_equal(c->otp_window, 2);
	assert_int_equal(c->argon2_ops, 1);
	assert_int_equal(c->argon2_mem_kib, 8);
	assert_int_equal(c->hash_workers, 4);
	assert_int_equal(c->max_connections, 1000);
	assert_int_equal(c->max_connections_per_uid, 10);
	assert_int_equal(c->request_timeout, 5);
	assert_int_equal(c->slot_wait_timeout, 600);
}

static void
test_full_file(void **state)
{
	struct pwd_conf c;
	char err[512] = "";

	(void)state;
	conf_defaults(&c);
	assert_int_equal(conf_load(&c, write_conf(full), err, sizeof(err)), PW_OK);
	assert_string_equal(err, "");
	assert_full(&c);
}

/* Comments, blank lines, blanks around everything, no final newline. */
static void
test_comments_and_blanks(void **state)
{
	static const char text[] =
	    "# pwadmind.conf\n"
	    "\n"
	    "   \n"
	    "\t\n"
	    "   # indented comment\n"
	    "#max_login_failures = 1\n"
	    "# min_length = 99\n"
	    "max_login_failures=3\n"
	    "\tmin_length\t=\t12\t\n"
	    "  user   =   nobody   \n"
	    "\n"
	    "warn_days = 7";
	struct pwd_conf c, want;
	char err[512] = "";

	(void)state;
	conf_defaults(&c);
	assert_int_equal(conf_load(&c, write_conf(text), err, sizeof(err)), PW_OK);
	conf_defaults(&want);
	want.max_login_failures = 3;
	want.min_length = 12;
	want.warn_days = 7;
	snprintf(want.user, sizeof(want.user), "nobody");
	assert_memory_equal(&c, &want, sizeof(c));
}

/* A file of comments only (the shipped one) changes nothing. */
static void
test_only_comments(void **state)
{
	struct pwd_conf c;
	char err[512] = "";

	(void)state;
	conf_defaults(&c);
	assert_int_equal(conf_load(&c, write_conf("# nothing\n\n#x = y\n"), err,
	    sizeof(err)), PW_OK);
	assert_defaults(&c);
	assert_int_equal(conf_load(&c, write_conf(""), err, sizeof(err)), PW_OK);
	assert_defaults(&c);
}

/* Numbers at both ends of every range are accepted. */
static void
test_range_edges(void **state)
{
	static const char lo[] =
	    "max_login_failures = 1\nmax_confirm_failures = 1\n"
	    "max_otp_failures = 1\nlogin_max_age_days = 0\n"
	    "confirm_max_age_days = 0\nwarn_days = 0\nmin_length = 1\n"
	    "min_classes = 1\nhistory = 0\notp_window = 0\nargon2_ops = 1\n"
	    "argon2_mem_kib = 8\nhash_workers = 0\nmax_connections = 1\n"
	    "max_connections_per_uid = 1\nrequest_timeout = 1\n"
	    "slot_wait_timeout = 1\n";
	static const char hi[] =
	    "max_login_failures = 100\nmax_confirm_failures = 100\n"
	    "max_otp_failures = 100\nlogin_max_age_days = 36500\n"
	    "confirm_max_age_days = 36500\nwarn_days = 365\n"
	    "min_length = 512\nmin_classes = 4\nhistory = 50\n"
	    "otp_window = 10\nargon2_ops = 20\nargon2_mem_kib = 4194304\n"
	    "hash_workers = 256\nmax_connections = 65536\n"
	    "max_connections_per_uid = 65536\nrequest_timeout = 600\n"
	    "slot_wait_timeout = 600\n";
	struct pwd_conf c;
	char err[512] = "";

	(void)state;
	conf_defaults(&c);
	if (conf_load(&c, write_conf(lo), err, sizeof(err)) != PW_OK)
		fail_msg("%s", err);
	assert_int_equal(c.max_login_failures, 1);
	assert_int_equal(c.slot_wait_timeout, 1);
	assert_int_equal(c.hash_workers, 0);
	conf_defaults(&c);
	if (conf_load(&c, write_conf(hi), err, sizeof(err)) != PW_OK)
		fail_msg("%s", err);
	assert_int_equal(c.max_login_failures, 100);
	assert_int_equal(c.argon2_mem_kib, 4194304);
	assert_int_equal(c.max_connections, 65536);
}

/* Refusals with FILE:LINE: reason. */

static const struct bad_case {
	const char *text;
	unsigned line;
	const char *reason; /* a substring of the reason */
} bad_cases[] = {
	{ "foo = 1\n", 1, "unknown key 'foo'" },
	{ "# c\n\nmax_login_failures = 3\nMin_Length = 3\n", 4,
	    "unknown key 'Min_Length'" },
	{ "= 5\n", 1, "unknown key ''" },
	{ "min_length = 10\nhistory = 1\nmin_length = 12\n", 3,
	    "duplicate key 'min_length'" },
	{ "user = a\nuser = a\n", 2, "duplicate key 'user'" },
	{ "min_length 10\n", 1, "expected 'key = value'" },
	{ "\n\nmin_length\n", 3, "expected 'key = value'" },
	{ "max_login_failures = 0\n", 1, "from 1 to 100" },
	{ "max_login_failures = 101\n", 1, "from 1 to 100" },
	{ "max_confirm_failures = 0\n", 1, "from 1 to 100" },
	{ "max_otp_failures = 101\n", 1, "from 1 to 100" },
	{ "min_classes = 5\n", 1, "from 1 to 4" },
	{ "min_classes = 0\n", 1, "from 1 to 4" },
	{ "min_length = 0\n", 1, "from 1 to 512" },
	{ "argon2_mem_kib = 7\n", 1, "from 8 to 4194304" },
	{ "max_connections = 0\n", 1, "from 1 to 65536" },
	{ "request_timeout = 601\n", 1, "from 1 to 600" },
	{ "slot_wait_timeout = 0\n", 1, "from 1 to 600" },
	{ "warn_days = 366\n", 1, "from 0 to 365" },
	{ "login_max_age_days = 36501\n", 1, "from 0 to 36500" },
	{ "hash_workers = 99999999999999999999999\n", 1, "from 0 to 256" },
	{ "min_length = ten\n", 1, "whole number" },
	{ "min_length = 10abc\n", 1, "whole number" },
	{ "min_length = 1 0\n", 1, "whole number" },
	{ "min_length = 0x10\n", 1, "whole number" },
	{ "min_length = 10.0\n", 1, "whole number" },
	{ "min_length =\n", 1, "whole number" },
	{ "min_length = -1\n", 1, "whole number" },
	{ "warn_days = -0\n", 1, "whole number" },
	{ "min_length = +10\n", 1, "whole number" },
	{ "socket = run/pwadmind.sock\n", 1, "absolute path" },
	{ "socket =\n", 1, "absolute path" },
	{ "state_dir = var/lib/pwadmin\n", 1, "absolute path" },
	{ "state_dir = ./state\n", 1, "absolute path" },
	{ "# caf\xc3\xa9\n", 1, "non-ASCII" },
	{ "user = caf\xc3\xa9\n", 1, "non-ASCII" },
	{ "user = del\x7f\n", 1, "non-ASCII" },
	{ "min_length = 1\x01\n", 1, "control character" },
	{ "\n# comment\x1b[31m\n", 2, "control character" },
	{ "min_length = 10\r\n", 1, "control character" },
	{ "user = a\vb\n", 1, "control character" },
};

static void
check_bad(size_t i, const char *path, const struct bad_case *c)
{
	char err[2048], prefix[PATH_MAX + 32];
	struct pwd_conf conf;
	int r;

	conf_defaults(&conf);
	r = conf_load(&conf, path, err, sizeof(err));
	if (r != PW_ERR_INVAL)
		fail_msg("case %zu: got %d, want PW_ERR_INVAL", i, r);
	snprintf(prefix, sizeof(prefix), "%s:%u: ", path, c->line);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("case %zu: \"%s\" does not start with \"%s\"", i, err,
		    prefix);
	if (strstr(err + strlen(prefix), c->reason) == NULL)
		fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err, c->reason);
}

static void
test_bad_lines(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(bad_cases); i++)
		check_bad(i, write_conf(bad_cases[i].text), &bad_cases[i]);
}

/* Values longer than their field are refused, never truncated. */
static void
test_overlong_values(void **state)
{
	struct pwd_conf c;
	char text[600], err[1024];
	struct bad_case bc = { NULL, 2, "of 1 to 107 bytes" };
	int n;

	(void)state;
	/* socket: 107 bytes fit (sun_path), 108 do not */
	n = snprintf(text, sizeof(text), "# x\nsocket = /%0106d\n", 0);
	assert_true(n > 0);
	conf_defaults(&c);
	assert_int_equal(conf_load(&c, write_conf(text), err, sizeof(err)), PW_OK);
	assert_int_equal(strlen(c.socket), 107);
	snprintf(text, sizeof(text), "# x\nsocket = /%0107d\n", 0);
	check_bad(0, write_conf(text), &bc);
	/* user: 64 bytes fit, 65 do not */
	snprintf(text, sizeof(text), "user = %064d\n", 0);
	conf_defaults(&c);
	assert_int_equal(conf_load(&c, write_conf(text), err, sizeof(err)), PW_OK);
	assert_int_equal(strlen(c.user), 64);
	snprintf(text, sizeof(text), "\n\nuser = %065d\n", 0);
	bc.line = 3;
	bc.reason = "of 1 to 64 bytes";
	check_bad(1, write_conf(text), &bc);
}

/* Lines of at most 1023 bytes are read; a longer one is refused. */
static void
test_long_lines(void **state)
{
	struct bad_case bc = { NULL, 3, "longer than 1023 bytes" };
	char text[4096], err[2048];
	struct pwd_conf c;
	size_t n;

	(void)state;
	/* 1022 bytes and then 1023 bytes of comment, then a key */
	for (n = 1022; n <= 1023; n++) {
		memset(text, 0, sizeof(text));
		memcpy(text, "\n\n", 2);
		memset(text + 2, '#', n);
		memcpy(text + 2 + n, "\nmin_length = 12\n", 17);
		conf_defaults(&c);
		if (conf_load(&c, write_conf(text), err, sizeof(err)) != PW_OK)
			fail_msg("a line of %zu bytes: %s", n, err);
		assert_int_equal(c.min_length, 12);
	}
	/* 1024 and 3000 bytes: refused at line 3 */
	for (n = 1024; n <= 3000; n += 1976) {
		memset(text, 0, sizeof(text));
		memcpy(text, "\n\n", 2);
		memset(text + 2, '#', n);
		memcpy(text + 2 + n, "\nmin_length = 12\n", 17);
		check_bad(n, write_conf(text), &bc);
	}
	/* the last line, without its newline */
	memset(text, 0, sizeof(text));
	memcpy(text, "\n\n", 2);
	memset(text + 2, '#', 1500);
	check_bad(1500, write_conf(text), &bc);
}

/* A NUL byte is refused, never taken as the end of the line. */
static void
test_nul_byte(void **state)
{
	static const char with_nl[] = "user = alice\0bob\nmin_length = 12\n";
	static const char at_end[] = "min_length = 12\nuser = alice\0bob";
	struct bad_case bc = { NULL, 1, "NUL byte" };

	(void)state;
	check_bad(0, write_file("nul1.conf", with_nl, sizeof(with_nl) - 1,
	    0600), &bc);
	bc.line = 2;
	check_bad(1, write_file("nul2.conf", at_end, sizeof(at_end) - 1, 0600),
	    &bc);
}

/* An empty value is refused, not taken as "" (user = "" would keep root). */
static void
test_empty_values(void **state)
{
	struct bad_case bc = { NULL, 1, "user" };

	(void)state;
	check_bad(0, write_conf("user =\n"), &bc);
	check_bad(1, write_conf("user =    \n"), &bc);
}

/* The file itself: mode, owner, type, symlink, missing. */

static void
assert_refused_file(const char *path, int want)
{
	struct pwd_conf c;
	char err[1024] = "";

	conf_defaults(&c);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), want);
	assert_defaults(&c); /* nothing was read */
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
	assert_int_equal(err[strlen(path)], ':');
}

static void
test_file_mode(void **state)
{
	static const mode_t bad[] = { 0666, 0622, 0606, 0620, 0602, 0660, 0777 };
	static const mode_t good[] = { 0600, 0400, 0640, 0644, 0444 };
	struct pwd_conf c;
	char err[1024];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(bad); i++)
		assert_refused_file(write_file("m.conf", full, strlen(full), bad[i]),
		    PW_ERR_INVAL);
	for (i = 0; i < NELEM(good); i++) {
		conf_defaults(&c);
		assert_int_equal(conf_load(&c, write_file("m.conf", full,
		    strlen(full), good[i]), err, sizeof(err)), PW_OK);
		assert_full(&c);
	}
}

/* Owned by someone other than root or the daemon's user: refused. */
static void
test_file_owner(void **state)
{
	const char *path;

	(void)state;
	if (geteuid() != 0)
		skip();
	path = write_conf(full);
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_refused_file(path, PW_ERR_INVAL);
}

static void
test_symlink(void **state)
{
	char link[PATH_MAX];
	const char *target = write_conf(full);

	(void)state;
	snprintf(link, sizeof(link), "%s/link.conf", dir);
	unlink(link);
	assert_int_equal(symlink(target, link), 0);
	assert_refused_file(link, PW_ERR_IO);
}

static void
test_not_regular(void **state)
{
	char sub[PATH_MAX];

	(void)state;
	snprintf(sub, sizeof(sub), "%s/sub.conf", dir);
	assert_true(mkdir(sub, 0700) == 0 || errno == EEXIST);
	assert_refused_file(sub, PW_ERR_INVAL);
	assert_refused_file("/dev/null", PW_ERR_INVAL);
}

static void
test_missing(void **state)
{
	char path[PATH_MAX];

	(void)state;
	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	assert_refused_file(path, PW_ERR_IO);
}

/* conf_set: the path used by --socket and --state-dir. */
static void
test_conf_set(void **state)
{
	struct pwd_conf c;
	char err[256];

	(void)state;
	conf_defaults(&c);
	assert_int_equal(conf_set(&c, "socket", "/tmp/x.sock", err, sizeof(err)),
	    PW_OK);
	assert_string_equal(c.socket, "/tmp/x.sock");
	assert_int_equal(conf_set(&c, "state_dir", "rel", err, sizeof(err)),
	    PW_ERR_INVAL);
	assert_string_equal(c.state_dir, "/var/lib/pwadmin"); /* unchanged */
	assert_int_equal(conf_set(&c, "nope", "1", err, sizeof(err)),
	    PW_ERR_INVAL);
	assert_non_null(strstr(err, "unknown key"));
	assert_int_equal(conf_set(&c, "min_length", "513", err, sizeof(err)),
	    PW_ERR_INVAL);
	assert_int_equal(c.min_length, 10); /* unchanged */
}

/*
 * The shipped conf/pwadmind.conf: as is it changes nothing, and with every
 * "# key = value" line uncommented it sets all keys to their defaults
 * (so its comments cannot drift from conf_defaults).  Skipped when the test
 * does not run from the source tree.
 */
static void
test_shipped_conf(void **state)
{
	const char *shipped = "conf/pwadmind.conf";
	char line[1100], out[16384], err[1024] = "";
	struct pwd_conf c, want;
	size_t len = 0, keys = 0, n;
	FILE *f;

	(void)state;
	if ((f = fopen(shipped, "re")) == NULL)
		skip();
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *p = line;

		/* "# key = value": a comment whose first word is a key */
		if (strncmp(line, "# ", 2) == 0 &&
		    strspn(line + 2, "abcdefghijklmnopqrstuvwxyz0123456789_") > 0 &&
		    strncmp(line + 2 + strspn(line + 2,
		    "abcdefghijklmnopqrstuvwxyz0123456789_"), " = ", 3) == 0) {
			p = line + 2;
			keys++;
		}
		n = strlen(p);
		assert_true(len + n < sizeof(out));
		memcpy(out + len, p, n);
		len += n;
	}
	fclose(f);
	assert_int_equal(keys, 23);
	conf_defaults(&want);
	conf_defaults(&c);
	assert_int_equal(conf_load(&c, shipped, err, sizeof(err)), PW_OK);
	assert_memory_equal(&c, &want, sizeof(c));
	memset(&c, 0, sizeof(c)); /* every field must come from the file */
	assert_int_equal(conf_load(&c, write_file("shipped.conf", out, len,
	    0600), err, sizeof(err)), PW_OK);
	/* but the two without a fixed default: the host's own name, and no
	 * database (examples only, under "#   ") */
	memcpy(c.host_name, want.host_name, sizeof(c.host_name));
	assert_string_equal(c.postgresql, "");
	assert_memory_equal(&c, &want, sizeof(c));
}

/* The whole text of a source file, or NULL (not in the source tree). */
static char *
slurp(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "re");
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	assert_true(feof(f));
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/*
 * Every key the parser knows is shown with its default in the shipped
 * conf/pwadmind.conf ("# key = "; "#   key = " an example of one without
 * a default) and described in pwadmind.conf(5)
 * (".It Cm key"), and neither names a key the parser does not know.
 */
static void
test_every_key_documented(void **state)
{
	char want[128], *text, *p, *e, word[64];
	const char *name;
	size_t i, nkeys, n;

	(void)state;
	if ((text = slurp("conf/pwadmind.conf")) == NULL)
		skip();
	for (nkeys = 0; (name = conf_key_name(nkeys)) != NULL; nkeys++) {
		/* with its default, or (no default) as an example */
		snprintf(want, sizeof(want), "\n# %s = ", name);
		snprintf(word, sizeof(word), "\n#   %s = ", name);
		if (strstr(text, want) == NULL && strstr(text, word) == NULL)
			fail_msg("conf/pwadmind.conf does not show key %s", name);
	}
	/* each "# word = " line of the shipped file is a key */
	for (p = text; (p = strstr(p, "\n# ")) != NULL; p += 3) {
		n = strspn(p + 3, "abcdefghijklmnopqrstuvwxyz0123456789_");
		if (n == 0 || n >= sizeof(word) || strncmp(p + 3 + n, " = ", 3))
			continue;
		snprintf(word, sizeof(word), "%.*s", (int)n, p + 3);
		for (i = 0; i < nkeys && strcmp(conf_key_name(i), word); i++)
			;
		if (i == nkeys)
			fail_msg("conf/pwadmind.conf shows unknown key %s", word);
	}
	assert_non_null(text = slurp("conf/pwadmind.conf.5"));
	for (i = 0; i < nkeys; i++) {
		snprintf(want, sizeof(want), "\n.It Cm %s ", conf_key_name(i));
		if (strstr(text, want) == NULL)
			fail_msg("pwadmind.conf(5) does not describe key %s",
			    conf_key_name(i));
	}
	for (p = text; (p = strstr(p, "\n.It Cm ")) != NULL; p += 8) {
		e = p + 8;
		n = strspn(e, "abcdefghijklmnopqrstuvwxyz0123456789_");
		if (n == 0 || n >= sizeof(word) || e[n] != ' ')
			continue;
		snprintf(word, sizeof(word), "%.*s", (int)n, e);
		for (i = 0; i < nkeys && strcmp(conf_key_name(i), word); i++)
			;
		if (i == nkeys)
			fail_msg("pwadmind.conf(5) describes unknown key %s",
			    word);
	}
	assert_true(nkeys >= 24);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_comments_and_blanks),
		cmocka_unit_test(test_only_comments),
		cmocka_unit_test(test_range_edges),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_overlong_values),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_empty_values),
		cmocka_unit_test(test_file_mode),
		cmocka_unit_test(test_file_owner),
		cmocka_unit_test(test_symlink),
		cmocka_unit_test(test_not_regular),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_conf_set),
		cmocka_unit_test(test_every_key_documented),
		cmocka_unit_test(test_shipped_conf),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
