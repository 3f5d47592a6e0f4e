/* SPDX-License-Identifier: MIT */
/* The test harness: PAM transactions through pam_wrapper (harness.h). */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <libgen.h>
#include <link.h>
#include <poll.h>
#include <pty.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <security/pam_appl.h>
#include <libpamtest.h>

#include "conn.h"
#include "harness.h"
#include "harness_int.h"

struct convdata {
	const char *password;
	char *errmsg;
	size_t errsz;
};
#include "proto.h"
#include "pwerr.h"
#include "wipe.h"

/* Answers every hidden prompt with the password; records error messages. */
static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *arg)
{
	struct convdata *c = arg;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	size_t len;
	int i;

	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			r[i].resp = strdup(c->password != NULL ? c->password : "");
			break;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			if (c->errmsg == NULL)
				break;
			len = strlen(c->errmsg);
			snprintf(c->errmsg + len, c->errsz - len, "%s%s",
			    len > 0 ? "\n" : "", msg[i]->msg);
			break;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

int
th_pam(const char *service, const char *user, const char *password,
    const int *ops, const int *expected, int n, char *errmsg, size_t errsz)
{
	struct pam_testcase tc[8];
	struct convdata c = { password, errmsg, errsz };
	const struct pam_testcase *failed;
	enum pamtest_err perr;
	int i;

	if (errmsg != NULL && errsz > 0)
		errmsg[0] = '\0';
	th_note_secret(password);
	for (i = 0; i < n && i < 8; i++) {
		memset(&tc[i], 0, sizeof(tc[i]));
		tc[i].pam_operation = (enum pamtest_ops)ops[i];
		tc[i].expected_rv = expected[i];
	}
	perr = _pamtest_conv(service, user, conv, &c, tc, (size_t)n, NULL);
	if (perr == PAMTEST_ERR_OK)
		return n;
	failed = _pamtest_failed_case(tc, (size_t)n);
	if (failed == NULL)
		return -1;
	fprintf(stderr, "pam %s/%s: op %d returned %d (%s), expected %d\n",
	    service, user, (int)(failed - tc), failed->op_rv,
	    pam_strerror(NULL, failed->op_rv), failed->expected_rv);
	return (int)(failed - tc);
}

int
th_pam_auth(const char *service, const char *user, const char *password,
    char *errmsg, size_t errsz)
{
	struct pam_testcase tc[1];
	struct convdata c = { password, errmsg, errsz };

	if (errmsg != NULL && errsz > 0)
		errmsg[0] = '\0';
	th_note_secret(password);
	memset(tc, 0, sizeof(tc));
	tc[0].pam_operation = PAMTEST_AUTHENTICATE;
	tc[0].expected_rv = PAM_SUCCESS;
	(void)_pamtest_conv(service, user, conv, &c, tc, 1, NULL);
	return tc[0].op_rv;
}


/* The application's failure delay: none (libpam calls it, not sleep). */
static void
no_delay(int retval, unsigned usec_delay, void *appdata)
{
	(void)retval;
	(void)usec_delay;
	(void)appdata;
}

int
th_pam_auth_nodelay(const char *service, const char *user,
    const char *password, char *errmsg, size_t errsz)
{
	struct convdata c = { password, errmsg, errsz };
	struct pam_conv pc = { conv, &c };
	void (*delay)(int, unsigned, void *) = no_delay;
	pam_handle_t *pamh = NULL;
	void *item;
	int rc;

	/* the item is the function pointer itself, passed as a void * */
	_Static_assert(sizeof(item) == sizeof(delay), "function pointer size");
	memcpy(&item, &delay, sizeof(item));
	if (errmsg != NULL && errsz > 0)
		errmsg[0] = '\0';
	th_note_secret(password);
	if ((rc = pam_start(service, user, &pc, &pamh)) != PAM_SUCCESS)
		return rc;
	if ((rc = pam_set_item(pamh, PAM_FAIL_DELAY, item)) == PAM_SUCCESS)
		rc = pam_authenticate(pamh, 0);
	(void)pam_end(pamh, rc);
	return rc;
}

/* Appends line to buf (size sz), newline-separated. */
static void
add_line(char *buf, size_t sz, const char *style, const char *line)
{
	size_t len = strlen(buf);

	snprintf(buf + len, sz - len, "%s%s%s", len > 0 ? "\n" : "", style,
	    line != NULL ? line : "(null)");
}

/* Answers prompts from the script in order; records what was shown. */
static int
script_conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *arg)
{
	struct th_script *s = arg;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	const char *answer;
	int i;

	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			/* a visible prompt is marked: the module has none */
			add_line(s->prompts, sizeof(s->prompts),
			    msg[i]->msg_style == PAM_PROMPT_ECHO_ON ?
			    "(echo on) " : "", msg[i]->msg);
			answer = s->answers != NULL ? s->answers[s->used] : NULL;
			if (answer == NULL) {
				s->ran_out = true;
				while (i-- > 0)
					free(r[i].resp);
				free(r);
				return PAM_CONV_ERR;
			}
			s->used++;
			if ((r[i].resp = strdup(answer)) == NULL) {
				while (i-- > 0)
					free(r[i].resp);
				free(r);
				return PAM_BUF_ERR;
			}
			break;
		case PAM_ERROR_MSG:
			add_line(s->errors, sizeof(s->errors), "", msg[i]->msg);
			break;
		case PAM_TEXT_INFO:
			add_line(s->infos, sizeof(s->infos), "", msg[i]->msg);
			break;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static const char *
op_name(int op)
{
	static const char *const names[] = { "authenticate", "setcred",
		"acct_mgmt", "open_session", "close_session", "chauthtok" };

	return op >= 0 && op <= PAMTEST_CHAUTHTOK ? names[op] : "other";
}

int
th_pam_script(const char *service, const char *user, struct th_script *s,
    struct pam_testcase *tc, size_t n)
{
	struct pam_conv pc = { script_conv, s };
	void (*delay)(int, unsigned, void *) = no_delay;
	const struct pam_testcase *failed;
	pam_handle_t *pamh = NULL;
	enum pamtest_err perr;
	void *item;
	size_t i;
	int rc;

	s->used = 0;
	s->ran_out = false;
	s->prompts[0] = s->errors[0] = s->infos[0] = '\0';
	for (i = 0; s->answers != NULL && s->answers[i] != NULL; i++)
		th_note_secret(s->answers[i]);
	for (i = 0; i < n; i++)
		tc[i].op_rv = -1;
	if ((rc = pam_start(service, user, &pc, &pamh)) != PAM_SUCCESS) {
		fprintf(stderr, "pam %s/%s: pam_start: %s\n", service, user,
		    pam_strerror(NULL, rc));
		return 0;
	}
	memcpy(&item, &delay, sizeof(item));
	if ((rc = pam_set_item(pamh, PAM_FAIL_DELAY, item)) != PAM_SUCCESS) {
		(void)pam_end(pamh, rc);
		return 0;
	}
	/* libpamtest runs the cases on our handle, then ends it */
	perr = _pamtest_conv(service, user, script_conv, s, tc, n, pamh);
	if (perr == PAMTEST_ERR_OK)
		return (int)n;
	if ((failed = _pamtest_failed_case(tc, n)) == NULL) {
		fprintf(stderr, "pam %s/%s: %s\n", service, user,
		    pamtest_strerror(perr));
		return 0;
	}
	fprintf(stderr, "pam %s/%s: case %d (%s) returned %d (%s), expected "
	    "%d (%s)%s\n  prompts: %s\n  errors: %s\n  infos: %s\n", service,
	    user, (int)(failed - tc), op_name((int)failed->pam_operation),
	    failed->op_rv, pam_strerror(NULL, failed->op_rv),
	    failed->expected_rv, pam_strerror(NULL, failed->expected_rv),
	    s->ran_out ? " (the script ran out of answers)" : "", s->prompts,
	    s->errors, s->infos);
	return (int)(failed - tc);
}

/* One attempt of th_pam_parallel, in its own thread and PAM handle. */
struct attempt {
	pthread_barrier_t *go;
	const char *service, *user, *password;
	int rv;
};

static void *
attempt_thread(void *arg)
{
	struct attempt *a = arg;

	pthread_barrier_wait(a->go);
	a->rv = th_pam_auth(a->service, a->user, a->password, NULL, 0);
	return NULL;
}

int
th_pam_parallel(int n, const char *user, const char *const *services,
    const char *const *passwords, int counts[64])
{
	pthread_barrier_t go;
	pthread_t tid[TH_PARALLEL_MAX];
	struct attempt a[TH_PARALLEL_MAX];
	int i, bad = 0;

	memset(counts, 0, 64 * sizeof(int));
	if (n < 1 || n > TH_PARALLEL_MAX ||
	    pthread_barrier_init(&go, NULL, (unsigned)n) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		a[i] = (struct attempt){ &go, services[i], user, passwords[i],
			-1 };
		if (pthread_create(&tid[i], NULL, attempt_thread, &a[i]) != 0)
			die("pthread_create");
	}
	for (i = 0; i < n; i++) {
		pthread_join(tid[i], NULL);
		if (a[i].rv >= 0 && a[i].rv < 64)
			counts[a[i].rv]++;
		else
			bad = -1;
	}
	pthread_barrier_destroy(&go);
	return bad;
}

int
th_pam_one(const char *service, const char *user, int op, int flags,
    int expected, const char *const *answers, struct th_script *s)
{
	struct pam_testcase tc[1];

	memset(tc, 0, sizeof(tc));
	tc[0].pam_operation = (enum pamtest_ops)op;
	tc[0].expected_rv = expected;
	tc[0].flags = flags;
	s->answers = answers;
	(void)th_pam_script(service, user, s, tc, 1);
	return tc[0].op_rv;
}
