/* SPDX-License-Identifier: MIT */
/* One-time password tokens and codes for the integration tests (th_otp.h). */
#include <sys/wait.h>
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>
#include <libpamtest.h>

#include "th_otp.h"

/* RFC 4648 base32 (padding optional); 0 when s is not base32. */
static size_t
b32_decode(const char *s, uint8_t *out, size_t outsz)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	unsigned int buf = 0, bits = 0;
	const char *p;
	size_t n = 0;

	for (; *s != '\0' && *s != '='; s++) {
		p = strchr(alpha, toupper((unsigned char)*s));
		if (p == NULL || *p == '\0' || n >= outsz)
			return 0;
		buf = (buf << 5) | (unsigned int)(p - alpha);
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(buf >> bits);
			buf &= (1u << bits) - 1;
		}
	}
	return n;
}

/* Copies the value of query parameter `key' (cut at '&'); false if none. */
static bool
query_param(const char *query, const char *key, char *out, size_t outsz)
{
	size_t n = strlen(key);
	const char *p, *end;

	for (p = query; p != NULL && *p != '\0';
	    p = (p = strchr(p, '&')) != NULL ? p + 1 : NULL) {
		if (strncmp(p, key, n) != 0 || p[n] != '=')
			continue;
		p += n + 1;
		end = p + strcspn(p, "&# \t\r\n");
		snprintf(out, outsz, "%.*s", (int)(end - p), p);
		return true;
	}
	return false;
}

/* Parses an otpauth://totp/ line into k; false (and says why) if invalid. */
bool
th_otp_parse_uri(const char *line, struct th_token *k)
{
	const char *uri = strstr(line, "otpauth://"), *q;
	char v[256], *pct;
	size_t i;

	if (uri == NULL)
		return false;
	snprintf(k->uri, sizeof(k->uri), "%.*s", (int)strcspn(uri, " \t\r\n"),
	    uri);
	k->digits = 6;
	k->period = 30;
	snprintf(k->algo, sizeof(k->algo), "sha1");
	if (strncmp(k->uri, "otpauth://totp/", 15) != 0 ||
	    (q = strchr(k->uri, '?')) == NULL) {
		fprintf(stderr, "not a TOTP URI: %s\n", k->uri);
		return false;
	}
	q++;
	if (!query_param(q, "secret", v, sizeof(v))) {
		fprintf(stderr, "no secret in the URI: %s\n", k->uri);
		return false;
	}
	/* padding, if any, may come percent-encoded */
	if ((pct = strstr(v, "%3D")) != NULL || (pct = strstr(v, "%3d")) != NULL)
		*pct = '\0';
	snprintf(k->secret, sizeof(k->secret), "%s", v);
	if (query_param(q, "digits", v, sizeof(v)))
		k->digits = atoi(v);
	if (query_param(q, "period", v, sizeof(v)))
		k->period = atoi(v);
	if (query_param(q, "algorithm", v, sizeof(v))) {
		for (i = 0; v[i] != '\0'; i++)
			v[i] = (char)tolower((unsigned char)v[i]);
		snprintf(k->algo, sizeof(k->algo), "%s", v);
	}
	k->rawlen = b32_decode(k->secret, k->raw, sizeof(k->raw));
	if (k->rawlen == 0 || k->digits < 6 || k->digits > 8 ||
	    k->period < 1 || (strcmp(k->algo, "sha1") != 0 &&
	    strcmp(k->algo, "sha256") != 0 && strcmp(k->algo, "sha512") != 0)) {
		fprintf(stderr, "bad parameters in the URI: %s\n", k->uri);
		return false;
	}
	return true;
}

long long
th_otp_step_at(const struct th_token *k, time_t when)
{
	return (long long)when / k->period;
}

long long
th_otp_step(const struct th_token *k)
{
	return th_otp_step_at(k, time(NULL));
}

/*
 * If fewer than `margin' seconds are left in the current 30 s step, waits
 * until the next one begins: the codes a test computes then stay in the
 * step it meant while the daemon checks them.
 */
void
th_otp_fresh_step(int margin)
{
	struct timespec now, pause;
	long long left_ms;

	clock_gettime(CLOCK_REALTIME, &now);
	left_ms = (30 - now.tv_sec % 30) * 1000LL - now.tv_nsec / 1000000;
	if (left_ms >= margin * 1000LL)
		return;
	left_ms += 200;
	pause.tv_sec = (time_t)(left_ms / 1000);
	pause.tv_nsec = (long)(left_ms % 1000) * 1000000L;
	while (nanosleep(&pause, &pause) != 0 && errno == EINTR)
		;
}

/* oathtool's code of k for time step `step' into out; false on failure. */
bool
th_otp_code(const struct th_token *k, long long step, char *out, size_t outsz)
{
	char mode[32], digits[8], period[16], at[32];
	int fd[2], st;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	snprintf(mode, sizeof(mode), "--totp=%s", k->algo);
	snprintf(digits, sizeof(digits), "%d", k->digits);
	snprintf(period, sizeof(period), "%ds", k->period);
	snprintf(at, sizeof(at), "@%lld", step * k->period);
	if (pipe(fd) != 0 || (pid = fork()) < 0)
		return false;
	if (pid == 0) {
		/* not under pam_wrapper or nss_wrapper */
		unsetenv("LD_PRELOAD");
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execlp("oathtool", "oathtool", mode, "-b", "-d", digits, "-s",
		    period, "-N", at, k->secret, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	while (got + 1 < outsz &&
	    ((n = read(fd[0], out + got, outsz - 1 - got)) > 0 ||
	    (n < 0 && errno == EINTR)))
		if (n > 0)
			got += (size_t)n;
	out[got] = '\0';
	close(fd[0]);
	out[strcspn(out, "\r\n")] = '\0';
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0 || strlen(out) != (size_t)k->digits) {
		fprintf(stderr, "oathtool failed for step %lld (is the Debian "
		    "package oathtool installed? tests/deps.sh)\n", step);
		return false;
	}
	return true;
}

/* The code of step `step', asserted computed. */
const char *
th_otp_code_at(const struct th_token *k, long long step, char *out, size_t outsz)
{
	assert_true(th_otp_code(k, step, out, outsz));
	return out;
}

/*
 * A code of the right length that is the code of no step within 4 of
 * `center': wrong for the daemon, and never a replay of a step either.
 */
void
th_otp_wrong_code(const struct th_token *k, long long center, char *out, size_t outsz)
{
	char c[16];
	bool clash;
	long long d;
	unsigned int i;

	for (i = 0; i < 10; i++) {
		snprintf(out, outsz, "%0*u", k->digits, i * 1111111u %
		    (k->digits == 6 ? 1000000u : k->digits == 7 ? 10000000u :
		    100000000u));
		clash = false;
		for (d = -4; d <= 4; d++)
			if (th_otp_code(k, center + d, c, sizeof(c)) &&
			    strcmp(c, out) == 0)
				clash = true;
		if (!clash)
			return;
	}
	fail_msg("no wrong code found");
}

/* ==== enrolment: the client in a conversation ==== */


/*
 * `pwadmin --stdin otp enroll' as uid: types `confirm', waits for the URI,
 * then types the activation code of the current step (or a wrong one).
 * Fills k (k->secret empty when no URI came) and returns the exit status.
 */
int
th_otp_enroll(struct th *t, uid_t uid, const char *confirm,
    enum th_activation act, struct th_token *k)
{
	struct th_proc p;
	char line[2048], in[256], code[16];

	memset(k, 0, sizeof(*k));
	th_otp_fresh_step(5);
	if (th_client_start(t, &p, uid, "otp", "enroll", (char *)NULL) != 0)
		return -1;
	snprintf(in, sizeof(in), "%s\n", confirm);
	(void)th_client_send(&p, in);
	if (th_client_expect(t, &p, "otpauth://", line, sizeof(line),
	    10000) != 0)
		return th_client_finish(t, &p); /* refused before the URI */
	if (!th_otp_parse_uri(line, k)) {
		(void)th_client_finish(t, &p);
		fail_msg("enroll: no usable URI in: %s", t->out);
	}
	k->step = th_otp_step(k);
	if (act == TH_ACT_RIGHT)
		(void)th_otp_code_at(k, k->step, code, sizeof(code));
	else
		th_otp_wrong_code(k, k->step, code, sizeof(code));
	snprintf(in, sizeof(in), "%s\n", code);
	(void)th_client_send(&p, in);
	return th_client_finish(t, &p);
}

void
th_otp_enroll_ok(struct th *t, uid_t uid, const char *user,
    const char *confirm, struct th_token *k)
{
	int rc = th_otp_enroll(t, uid, confirm, TH_ACT_RIGHT, k);

	if (rc != 0)
		fprintf(stderr, "enroll %s: exit %d\nstdout: %s\nstderr: %s\n",
		    user, rc, t->out, t->err);
	assert_int_equal(rc, 0);
	assert_true(th_field_is(t, user, "otp", "available"));
	assert_int_equal(th_field(t, user, "otp_failures"), 0);
}


/*
 * One pam_authenticate on svc for user: `pw' at the password prompt, then
 * `code' (NULL: none to give) at the next.  Returns its result.
 */
int
th_otp_login(const char *svc, const char *user, const char *pw, const char *code,
    int expected, struct th_script *s)
{
	const char *const answers[] = { pw, code, NULL };
	struct pam_testcase tc[] = { pam_test(PAMTEST_AUTHENTICATE, expected) };

	memset(s, 0, sizeof(*s));
	s->answers = answers;
	(void)th_pam_script(svc, user, s, tc, 1);
	s->answers = NULL;
	return tc[0].op_rv;
}

