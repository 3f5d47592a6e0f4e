/* SPDX-License-Identifier: MIT */
/* pwadmind.conf parser: strict, fails closed with file, line and reason. */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "conn.h"
#include "proto.h"
#include "pwerr.h"
#include "util.h"

enum kind { K_NUM, K_STR, K_PATH, K_TEXT };

static const struct key {
	const char *name;
	enum kind kind;
	size_t off;
	size_t size; /* K_STR/K_PATH: buffer size */
	long long min, max;
} keys[] = {
#define NUM(n, lo, hi) { #n, K_NUM, offsetof(struct pwd_conf, n), 0, lo, hi }
#define STR(n, k) { #n, k, offsetof(struct pwd_conf, n), sizeof(((struct pwd_conf *)0)->n), 0, 0 }
	STR(socket, K_PATH),
	STR(state_dir, K_PATH),
	STR(user, K_STR),
	NUM(max_login_failures, 1, 100),
	NUM(max_confirm_failures, 1, 100),
	NUM(max_otp_failures, 1, 100),
	NUM(login_max_age_days, 0, 36500),
	NUM(confirm_max_age_days, 0, 36500),
	NUM(warn_days, 0, 365),
	NUM(min_length, 1, 512),
	NUM(min_classes, 1, 4),
	NUM(history, 0, 50),
	NUM(otp_window, 0, 10),
	NUM(argon2_ops, 1, 20),
	NUM(argon2_mem_kib, 8, 4194304),
	NUM(hash_workers, 0, 256),
	NUM(max_connections, 1, 65536),
	NUM(max_connections_per_uid, 1, 65536),
	NUM(request_timeout, 1, 600),
	NUM(slot_wait_timeout, 1, 600),
	NUM(log_window, 1, 3600),
	STR(store, K_STR),
	STR(postgresql, K_TEXT),
	STR(host_name, K_STR),
	NUM(slot_hold, 2, 3600),
#undef NUM
#undef STR
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

const char *
conf_key_name(size_t i)
{
	return i < NKEYS ? keys[i].name : NULL;
}

void
conf_defaults(struct pwd_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->socket, sizeof(c->socket), "%s", PW_SOCKET_DEFAULT);
	snprintf(c->state_dir, sizeof(c->state_dir), "/var/lib/pwadmin");
	snprintf(c->user, sizeof(c->user), "%s", PW_DAEMON_USER_DEFAULT);
	c->max_login_failures = 5;
	c->max_confirm_failures = 5;
	c->max_otp_failures = 5;
	c->login_max_age_days = 90;
	c->confirm_max_age_days = 90;
	c->warn_days = 14;
	c->min_length = 10;
	c->min_classes = 2;
	c->history = 5;
	c->otp_window = 1;
	c->argon2_ops = 2;	   /* libsodium's OPSLIMIT_INTERACTIVE */
	c->argon2_mem_kib = 65536; /* libsodium's MEMLIMIT_INTERACTIVE */
	c->hash_workers = 0;
	c->max_connections = 256;
	c->max_connections_per_uid = 8; /* uids other than root */
	c->request_timeout = 10;
	c->slot_wait_timeout = 20;
	c->log_window = 60;
	snprintf(c->store, sizeof(c->store), "lmdb");
	if (gethostname(c->host_name, sizeof(c->host_name)) != 0 ||
	    !proto_host_valid(c->host_name))
		snprintf(c->host_name, sizeof(c->host_name), "localhost");
	c->slot_hold = 30;
}

int
conf_set(struct pwd_conf *c, const char *key, const char *value, char *err,
    size_t errsz)
{
	const struct key *k = NULL;
	long long v;
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, key) == 0)
			k = &keys[i];
	if (k == NULL) {
		snprintf(err, errsz, "unknown key '%s'", key);
		return PW_ERR_INVAL;
	}
	if (k->kind == K_NUM) {
		if (pw_strtonum(value, k->min, k->max, &v) != PW_OK) {
			snprintf(err, errsz, "%s must be a whole number from %lld to %lld",
			    key, k->min, k->max);
			return PW_ERR_INVAL;
		}
		*(uint32_t *)((char *)c + k->off) = (uint32_t)v;
		return PW_OK;
	}
	if (value[0] == '\0' || strlen(value) >= k->size ||
	    (k->kind == K_PATH && value[0] != '/')) {
		snprintf(err, errsz, "%s must be %s of 1 to %zu bytes", key,
		    k->kind == K_PATH ? "an absolute path" :
		    k->kind == K_TEXT ? "text" : "a name", k->size - 1);
		return PW_ERR_INVAL;
	}
	if (strcmp(key, "store") == 0 && strcmp(value, "lmdb") != 0 &&
	    strcmp(value, "postgresql") != 0) {
		snprintf(err, errsz, "store must be lmdb or postgresql");
		return PW_ERR_INVAL;
	}
	if (strcmp(key, "host_name") == 0 && !proto_host_valid(value)) {
		snprintf(err, errsz, "host_name must be 1 to %d letters, digits, "
		    "dots, dashes or underscores", PWD_HOST_MAX);
		return PW_ERR_INVAL;
	}
	memcpy((char *)c + k->off, value, strlen(value) + 1);
	return PW_OK;
}

/* Trims blanks at both ends, in place. */
static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* One line: blank, comment, or key = value. */
static int
parse_line(struct pwd_conf *c, char *line, unsigned *seen, char *err,
    size_t errsz)
{
	char *eq, *key, *val, *p;
	size_t i;

	for (p = line; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t') {
			snprintf(err, errsz, "control character in line");
			return PW_ERR_INVAL;
		} else if ((unsigned char)*p >= 0x7f) {
			snprintf(err, errsz, "non-ASCII byte in line");
			return PW_ERR_INVAL;
		}
	key = trim(line);
	if (*key == '\0' || *key == '#')
		return PW_OK;
	if ((eq = strchr(key, '=')) == NULL) {
		snprintf(err, errsz, "expected 'key = value'");
		return PW_ERR_INVAL;
	}
	*eq = '\0';
	key = trim(key);
	val = trim(eq + 1);
	for (i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].name, key) != 0)
			continue;
		if (seen[i]++ > 0) {
			snprintf(err, errsz, "duplicate key '%s'", key);
			return PW_ERR_INVAL;
		}
	}
	return conf_set(c, key, val, err, errsz);
}

/*
 * Reads one line (without its newline) into buf.  Returns 1 for a line, 0
 * at the end of the file, or PW_ERR_INVAL for a NUL byte or a line of
 * bufsz bytes or more (fgets would cut or hide both).
 */
static int
read_line(FILE *f, char *buf, size_t bufsz, char *why, size_t whysz)
{
	size_t n = 0;
	int ch;

	while ((ch = getc(f)) != EOF && ch != '\n') {
		if (ch == '\0') {
			snprintf(why, whysz, "NUL byte in line");
			return PW_ERR_INVAL;
		}
		if (n + 1 >= bufsz) {
			snprintf(why, whysz, "line longer than %zu bytes", bufsz - 1);
			return PW_ERR_INVAL;
		}
		buf[n++] = (char)ch;
	}
	buf[n] = '\0';
	if (ch == EOF && n == 0)
		return 0;
	return 1;
}

int
conf_load(struct pwd_conf *c, const char *path, char *err, size_t errsz)
{
	unsigned seen[NKEYS] = { 0 }, lineno = 0;
	char line[1024], why[256];
	struct stat st;
	FILE *f = NULL;
	int fd, r = PW_OK;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return PW_ERR_IO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & 022)) {
		snprintf(err, errsz, "%s: must be a regular file owned by root "
		    "(or the daemon's user) and not writable by group or others", path);
		close(fd);
		return PW_ERR_INVAL;
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		close(fd);
		return PW_ERR_IO;
	}
	for (;;) {
		lineno++;
		if ((r = read_line(f, line, sizeof(line), why, sizeof(why))) != 1)
			break;
		if ((r = parse_line(c, line, seen, why, sizeof(why))) != PW_OK)
			break;
	}
	if (r == PW_OK && ferror(f)) {
		snprintf(why, sizeof(why), "read error");
		r = PW_ERR_IO;
	}
	if (r != PW_OK)
		snprintf(err, errsz, "%s:%u: %s", path, lineno, why);
	fclose(f);
	return r;
}
