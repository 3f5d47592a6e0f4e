/* SPDX-License-Identifier: MIT */
/* What the client's unit tests share: words to parse, pipes to read,
 * captured output. */
#ifndef PW_TEST_CLIENT_FIXTURE_H
#define PW_TEST_CLIENT_FIXTURE_H

#include <stdio.h>

#include "cli.h"

#define POOL_N 80 /* words one PARSE takes at most */
#define JSTR(o, k) json_string_value(json_object_get((o), (k)))
#define JINT(o, k) json_integer_value(json_object_get((o), (k)))

/* cli_parse of argc words, copied where cli_parse may keep pointers. */
int parse_arr(struct cli *c, int argc, const char *const *words);

#define PARSE(c, ...)                                                  \
	parse_arr((c),                                                 \
	    (int)(sizeof((const char *[]){ "pwadmin", __VA_ARGS__ }) /  \
		sizeof(const char *)),                                 \
	    (const char *[]){ "pwadmin", __VA_ARGS__ })

/* A pipe holding n bytes of s, closed for writing; returns the read end. */
int feed(const void *s, size_t n);
/* A pipe holding a string literal without its NUL. */
#define FEED(lit) feed((lit), sizeof(lit) - 1)

/* The text an open_memstream fp received, as a new string (the caller
 * frees). */
char *captured(FILE *fp, char **bufp);

/*
 * Runs fn(arg) with stderr going to a file; returns what it printed (the
 * caller frees).  fn asserts nothing: a failure would go to the file.
 */
char *capture_stderr(void (*fn)(void *), void *arg);

/* A secret of a request holds exactly `want'. */
void assert_secret(const struct pw_secret *sec, const char *want);

#endif
