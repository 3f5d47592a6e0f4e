/* SPDX-License-Identifier: MIT */
/* What the client's unit tests share (client_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "client_fixture.h"

/* Writable copies of the words (cli_parse takes main's char *argv[]). */
static char pool[POOL_N][80];
static char *pool_argv[POOL_N + 1];

int
parse_arr(struct cli *c, int argc, const char *const *words)
{
	int i;

	assert_true(argc <= POOL_N);
	for (i = 0; i < argc; i++) {
		assert_true(strlen(words[i]) < sizeof(pool[i]));
		snprintf(pool[i], sizeof(pool[i]), "%s", words[i]);
		pool_argv[i] = pool[i];
	}
	pool_argv[argc] = NULL;
	return cli_parse(c, argc, pool_argv);
}

int
feed(const void *s, size_t n)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], s, n), (ssize_t)n);
	close(p[1]);
	return p[0];
}

char *
captured(FILE *fp, char **bufp)
{
	assert_int_equal(fclose(fp), 0);
	return *bufp;
}

char *
capture_stderr(void (*fn)(void *), void *arg)
{
	FILE *tmp;
	char *out;
	long n;
	int saved;

	assert_non_null(tmp = tmpfile());
	fflush(stderr);
	assert_true((saved = dup(STDERR_FILENO)) >= 0);
	assert_int_equal(dup2(fileno(tmp), STDERR_FILENO), STDERR_FILENO);
	fn(arg);
	fflush(stderr);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	assert_int_equal(fseek(tmp, 0, SEEK_END), 0);
	assert_true((n = ftell(tmp)) >= 0);
	rewind(tmp);
	assert_non_null(out = calloc(1, (size_t)n + 1));
	assert_int_equal(fread(out, 1, (size_t)n, tmp), (size_t)n);
	fclose(tmp);
	return out;
}

void
assert_secret(const struct pw_secret *sec, const char *want)
{
	assert_int_equal(sec->len, strlen(want));
	assert_string_equal(sec->buf, want);
}
