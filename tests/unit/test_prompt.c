/* SPDX-License-Identifier: MIT */
/* The client's --stdin reader: lines, and secrets in the SPEC's order. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <qrencode.h>

#include "admin.h"
#include "call.h"
#include "cli.h"
#include "otp.h"
#include "output.h"
#include "passwd.h"
#include "prompt.h"
#include "client_fixture.h"
#include "pwerr.h"

/* ---- the --stdin line reader ---- */


static void
test_read_line(void **state)
{
	static const char in[] = "plain\ncrlf\r\n\nmid\rcr\nlast";
	char buf[PW_PASS_MAX + 1];
	size_t n = 99;
	int fd;

	(void)state;
	fd = feed(in, sizeof(in) - 1);
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n), PW_OK);
	assert_string_equal(buf, "plain");
	assert_int_equal(n, 5);
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n), PW_OK);
	assert_string_equal(buf, "crlf");
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n), PW_OK);
	assert_string_equal(buf, "");
	assert_int_equal(n, 0);
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n), PW_OK);
	assert_string_equal(buf, "mid\rcr");
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n), PW_OK);
	assert_string_equal(buf, "last"); /* no final newline */
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n),
	    PW_ERR_TRUNCATED);
	assert_int_equal(n, 0);
	close(fd);
}

static void
test_read_line_limits(void **state)
{
	char in[PW_PASS_MAX + 8], buf[PW_PASS_MAX + 1];
	size_t n;
	int fd;

	(void)state;
	/* Exactly PW_PASS_MAX bytes, with CRLF: accepted. */
	memset(in, 'x', PW_PASS_MAX);
	memcpy(in + PW_PASS_MAX, "\r\nz\n", 4);
	fd = feed(in, PW_PASS_MAX + 4);
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n), PW_OK);
	assert_int_equal(n, PW_PASS_MAX);
	assert_int_equal(buf[PW_PASS_MAX], '\0');
	/* The next line is still there: nothing past a line is consumed. */
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n), PW_OK);
	assert_string_equal(buf, "z");
	close(fd);

	/* One byte more: refused, never truncated; the buffer is wiped. */
	memset(in, 'y', PW_PASS_MAX + 1);
	in[PW_PASS_MAX + 1] = '\n';
	fd = feed(in, PW_PASS_MAX + 2);
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n),
	    PW_ERR_TOOLONG);
	assert_int_equal(n, 0);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[PW_PASS_MAX - 1], '\0');
	close(fd);

	/* PW_PASS_MAX bytes then "\r" and more: the '\r' is content. */
	memset(in, 'x', PW_PASS_MAX);
	memcpy(in + PW_PASS_MAX, "\rq\n", 3);
	fd = feed(in, PW_PASS_MAX + 3);
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n),
	    PW_ERR_TOOLONG);
	close(fd);

	/* Without a newline at the end of input. */
	memset(in, 'x', PW_PASS_MAX + 1);
	fd = feed(in, PW_PASS_MAX + 1);
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n),
	    PW_ERR_TOOLONG);
	close(fd);
}

static void
test_read_line_nul(void **state)
{
	static const char in[] = "ab\0cd\n";
	char buf[PW_PASS_MAX + 1];
	size_t n;
	int fd;

	(void)state;
	fd = feed(in, sizeof(in) - 1);
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n),
	    PW_ERR_NUL);
	assert_int_equal(n, 0);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], '\0');
	close(fd);

	fd = FEED("");
	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n),
	    PW_ERR_TRUNCATED);
	close(fd);
	assert_int_equal(prompt_read_line(-1, buf, sizeof(buf), &n), PW_ERR_IO);
}

/* ---- secrets from --stdin, in the SPEC's order, each once ---- */

static void
test_stdin_order(void **state)
{
	static const char in[] = "Login-pass1\r\nConfirm-pass2\nActor-pass3\n";
	struct prompt_src src = { .use_stdin = true };
	struct pw_secret login, confirm, actor;

	(void)state;
	src.fd = feed(in, sizeof(in) - 1);
	assert_int_equal(prompt_new_pair(&src, "alice", &login, &confirm),
	    CLI_EXIT_OK);
	assert_int_equal(prompt_actor(&src, &actor), CLI_EXIT_OK);
	assert_string_equal(login.buf, "Login-pass1");
	assert_int_equal(login.len, 11);
	assert_string_equal(confirm.buf, "Confirm-pass2");
	assert_string_equal(actor.buf, "Actor-pass3");
	/* Nothing more: the next secret finds the end of input. */
	assert_int_equal(prompt_actor(&src, &actor), CLI_EXIT_USAGE);
	assert_int_equal(actor.len, 0);
	close(src.fd);
}

static void
test_stdin_refusals(void **state)
{
	struct prompt_src src = { .use_stdin = true };
	struct pw_secret login, confirm;

	(void)state;
	/* Equal login and confirmation: refused (1), both wiped. */
	src.fd = FEED("same-pass1\nsame-pass1\n");
	assert_int_equal(prompt_new_pair(&src, "bob", &login, &confirm),
	    CLI_EXIT_REFUSED);
	assert_int_equal(login.len, 0);
	assert_int_equal(login.buf[0], '\0');
	assert_int_equal(confirm.buf[0], '\0');
	close(src.fd);

	/* Standard input ends before the confirmation password. */
	src.fd = FEED("only-one\n");
	assert_int_equal(prompt_new_pair(&src, "bob", &login, &confirm),
	    CLI_EXIT_USAGE);
	assert_int_equal(login.buf[0], '\0');
	close(src.fd);

	/* A control character in a new password: refused (2). */
	src.fd = FEED("tab\there\nx\n");
	assert_int_equal(prompt_new_pair(&src, "bob", &login, &confirm),
	    CLI_EXIT_USAGE);
	close(src.fd);

	/* Not UTF-8 in a new password. */
	src.fd = FEED("bad\xff\n");
	assert_int_equal(prompt_new_pair(&src, "bob", &login, &confirm),
	    CLI_EXIT_USAGE);
	close(src.fd);

	/* UTF-8 is fine in a new password; any bytes in the actor's. */
	src.fd = FEED("p\xc3\xa4ss-w0rd\nZweites-2\nx\x01y\n");
	assert_int_equal(prompt_new_pair(&src, "bob", &login, &confirm),
	    CLI_EXIT_OK);
	assert_string_equal(login.buf, "p\xc3\xa4ss-w0rd");
	assert_int_equal(prompt_actor(&src, &confirm), CLI_EXIT_OK);
	assert_string_equal(confirm.buf, "x\x01y");
	close(src.fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_line),
		cmocka_unit_test(test_read_line_limits),
		cmocka_unit_test(test_read_line_nul),
		cmocka_unit_test(test_stdin_order),
		cmocka_unit_test(test_stdin_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
