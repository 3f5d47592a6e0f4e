/* SPDX-License-Identifier: MIT */
/*
 * Module arguments of pam_pwadmin: a strict parser that refuses anything it
 * does not know, so that no argument (for instance a factor) is ever dropped.
 */
#include <stdbool.h>
#include <string.h>

#include "modargs.h"
#include "pwerr.h"
#include "util.h"

/* Bits of `seen': a value argument may repeat only with the same value. */
#define SEEN_FACTOR  0x01u
#define SEEN_SOCKET  0x02u
#define SEEN_DUSER   0x04u
#define SEEN_TIMEOUT 0x08u
#define SEEN_LANG    0x10u

static void
defaults(struct modargs *a)
{
	memset(a, 0, sizeof(*a));
	a->factor = PW_FACTOR_LOGIN;
	a->timeout_s = PW_TIMEOUT_DEFAULT;
	memcpy(a->socket, PW_SOCKET_DEFAULT, sizeof(PW_SOCKET_DEFAULT));
	memcpy(a->daemon_user, PW_DAEMON_USER_DEFAULT,
	    sizeof(PW_DAEMON_USER_DEFAULT));
}

/* The value after "key=" when arg starts with it, else NULL. */
static const char *
value_of(const char *arg, const char *key)
{
	size_t n = strlen(key);

	return strncmp(arg, key, n) == 0 ? arg + n : NULL;
}

/* PW_OK the first time `bit' is set, or when it repeats the same value. */
static int
once(unsigned *seen, unsigned bit, bool same)
{
	if ((*seen & bit) != 0 && !same)
		return PW_ERR_INVAL;
	*seen |= bit;
	return PW_OK;
}

static int
set_factor(struct modargs *a, const char *v, unsigned *seen)
{
	uint8_t f;

	if (strcmp(v, "login") == 0)
		f = PW_FACTOR_LOGIN;
	else if (strcmp(v, "confirm") == 0)
		f = PW_FACTOR_CONFIRM;
	else
		return PW_ERR_INVAL;
	if (once(seen, SEEN_FACTOR, a->factor == f) != PW_OK)
		return PW_ERR_INVAL;
	a->factor = f;
	return PW_OK;
}

static int
set_socket(struct modargs *a, const char *v, unsigned *seen)
{
	size_t n = strlen(v);

	if (v[0] != '/')
		return PW_ERR_INVAL;
	if (n >= sizeof(a->socket))
		return PW_ERR_TOOLONG;
	if (once(seen, SEEN_SOCKET, strcmp(a->socket, v) == 0) != PW_OK)
		return PW_ERR_INVAL;
	memcpy(a->socket, v, n + 1);
	return PW_OK;
}

static int
set_daemon_user(struct modargs *a, const char *v, unsigned *seen)
{
	if (!proto_name_valid(v))
		return PW_ERR_INVAL;
	if (once(seen, SEEN_DUSER, strcmp(a->daemon_user, v) == 0) != PW_OK)
		return PW_ERR_INVAL;
	/* proto_name_valid() bounds it to PW_USER_MAX bytes. */
	memcpy(a->daemon_user, v, strlen(v) + 1);
	return PW_OK;
}

static int
set_timeout(struct modargs *a, const char *v, unsigned *seen)
{
	long long n;

	if (pw_strtonum(v, PW_TIMEOUT_MIN, PW_TIMEOUT_MAX, &n) != PW_OK)
		return PW_ERR_INVAL;
	if (once(seen, SEEN_TIMEOUT, a->timeout_s == (int)n) != PW_OK)
		return PW_ERR_INVAL;
	a->timeout_s = (int)n;
	return PW_OK;
}

static int
set_lang(struct modargs *a, const char *v, unsigned *seen)
{
	uint8_t l;

	if (strcmp(v, "ja") == 0)
		l = PW_LANG_JA;
	else if (strcmp(v, "en") == 0)
		l = PW_LANG_EN;
	else
		return PW_ERR_INVAL;
	if (once(seen, SEEN_LANG, a->lang == l) != PW_OK)
		return PW_ERR_INVAL;
	a->lang = l;
	return PW_OK;
}

static int
parse_one(struct modargs *a, const char *arg, unsigned *seen)
{
	const char *v;

	if (arg == NULL)
		return PW_ERR_INVAL;
	if (strcmp(arg, "debug") == 0)
		a->debug = true;
	else if (strcmp(arg, "otp") == 0)
		a->otp = true;
	else if (strcmp(arg, "use_first_pass") == 0)
		a->use_first_pass = true;
	else if (strcmp(arg, "try_first_pass") == 0)
		a->try_first_pass = true;
	else if ((v = value_of(arg, "factor=")) != NULL)
		return set_factor(a, v, seen);
	else if ((v = value_of(arg, "socket=")) != NULL)
		return set_socket(a, v, seen);
	else if ((v = value_of(arg, "daemon_user=")) != NULL)
		return set_daemon_user(a, v, seen);
	else if ((v = value_of(arg, "timeout=")) != NULL)
		return set_timeout(a, v, seen);
	else if ((v = value_of(arg, "lang=")) != NULL)
		return set_lang(a, v, seen);
	else
		return PW_ERR_INVAL; /* unknown: never ignored */
	return PW_OK;
}

int
modargs_parse(int argc, const char **argv, struct modargs *args, int *badp)
{
	struct modargs a;
	unsigned seen = 0;
	int i, r;

	*badp = -1;
	defaults(args);
	if (argc < 0 || (argc > 0 && argv == NULL))
		return PW_ERR_INVAL;
	defaults(&a);
	for (i = 0; i < argc; i++) {
		if ((r = parse_one(&a, argv[i], &seen)) != PW_OK) {
			*badp = i;
			return r;
		}
	}
	*args = a;
	return PW_OK;
}

void
modargs_sanitize(char *dst, size_t dstsz, const char *src)
{
	size_t i;

	if (dstsz == 0)
		return;
	for (i = 0; src != NULL && src[i] != '\0' && i < dstsz - 1; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = (c >= 0x21 && c <= 0x7e) ? (char)c : '?';
	}
	dst[i] = '\0';
}
