/* SPDX-License-Identifier: MIT */
/*
 * PAM entry points of pam_pwadmin.so: glue that asks pwadmind and relays
 * its answer (no policy, no store, no crypto).  It runs inside other
 * programs (sshd, login, sudo, screen lockers), so:
 *  1. rv MUST start as a failure; the only PAM_SUCCESS is pw_to_pam() of a
 *     PW_OK status sent by a trusted daemon (conn_call() checks the socket
 *     owner and SO_PEERCRED before the password leaves the process).
 *  2. An unknown or malformed module argument MUST fail closed with
 *     PAM_SERVICE_ERR and a log line; no argument is ever ignored.
 *  3. A transport failure MUST give PAM_AUTHINFO_UNAVAIL and one LOG_ERR
 *     line naming the socket.
 *  4. The request (with the password) and the reply MUST live on the heap
 *     (we run on other programs' stacks) and be wiped and freed on every
 *     path.  A secret, its length or a frame MUST never be logged.
 *  5. A user name that fails proto_name_valid() MUST NOT reach the daemon
 *     or the log; it fails like a name not in the store.
 *  6. No globals (but lang.c's once-only binding of the text domain and
 *     its once-only warnings), exit/abort, signal handlers, openlog or
 *     cached fd.  What one call leaves for the next (the account verdict,
 *     the preliminary pass's answer) is kept in the PAM handle.
 */
#include <sys/types.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "conn.h"
#include "i18n.h"
#include "lang.h"
#include "modargs.h"
#include "pamcodes.h"
#include "proto.h"
#include "pwerr.h"
#include "util.h"
#include "wipe.h"

#define PW_FAIL_DELAY	2000000	    /* microseconds; libpam randomises it */
#define PW_PWBUF_MIN	16384	    /* bytes: first getpwnam_r buffer */
#define PW_PWBUF_MAX	(1L << 20)  /* bytes: largest getpwnam_r buffer */
#define PW_BADARG_LOG	128	    /* bytes of a refused argument we log */
/* Prompts end in ": " in every language, as expect-style tools wait. */
#define PROMPT_LOGIN	N_("Password: ")
#define PROMPT_CONFIRM	N_("Confirmation password: ")
#define PROMPT_OTP	N_("One-time password: ")

/*
 * The code for a failed pam_get_user/pam_get_authtok: an event-driven
 * conversation resumes later; a "success" with a NULL item is an error.
 */
static int
conv_failed(int pr)
{
	if (pr == PAM_CONV_AGAIN)
		return PAM_INCOMPLETE;
	return pr == PAM_SUCCESS ? PAM_SYSTEM_ERR : pr;
}

/* PW_OK and *a set; otherwise one LOG_ERR line naming the argument. */
static int
args_get(pam_handle_t *pamh, int argc, const char **argv, struct modargs *a)
{
	char bad[PW_BADARG_LOG];
	int r, i;

	if ((r = modargs_parse(argc, argv, a, &i)) == PW_OK)
		return PW_OK;
	/* Only this log line is cut (at PW_BADARG_LOG bytes), nothing else. */
	modargs_sanitize(bad, sizeof(bad), i >= 0 ? argv[i] : NULL);
	pam_syslog(pamh, LOG_ERR, "invalid module argument \"%s\": %s", bad,
	    pw_strerror(r));
	return r;
}

/* Both phases start alike: the arguments, then the user.  A PAM code. */
static int
begin(pam_handle_t *pamh, int argc, const char **argv, struct modargs *a,
    const char **user)
{
	int pr;

	*user = NULL;
	if (args_get(pamh, argc, argv, a) != PW_OK)
		return PAM_SERVICE_ERR;
	modlang_begin(pamh, a->lang);
	if ((pr = pam_get_user(pamh, user, NULL)) != PAM_SUCCESS ||
	    *user == NULL)
		return conv_failed(pr);
	return PAM_SUCCESS;
}

/* A log-only PAM item (service, rhost) made sendable; see req_fill(). */
static void
item_text(pam_handle_t *pamh, int type, char *dst, size_t dstsz)
{
	const void *item = NULL;

	if (pam_get_item(pamh, type, &item) != PAM_SUCCESS)
		item = NULL;
	modargs_sanitize(dst, dstsz, item);
}

/* One LOG_NOTICE line for a name that is never sent nor logged raw. */
static void
log_bad_user(pam_handle_t *pamh, int phase)
{
	char service[PW_SERVICE_MAX + 1];

	item_text(pamh, PAM_SERVICE, service, sizeof(service));
	pam_syslog(pamh, LOG_NOTICE, "%s for user=(invalid name) service=%s",
	    phase == PW_PHASE_AUTH ? "auth failed" : phase == PW_PHASE_ACCT ?
	    "account refused" : "password change refused", service);
}

/*
 * begin(), and a user name the protocol accepts (PAM_USER_UNKNOWN and a
 * log line otherwise): the start of the account and password phases.
 * The auth phase asks for the password before it checks the name, so
 * that an invalid name looks like any other (rule 14).
 */
static int fold_find(pam_handle_t *pamh, const struct modargs *a,
    const char *user, char folded[PW_USER_MAX + 1]);
static void fold_log(pam_handle_t *pamh, int phase, const char *user,
    const char *folded);

static int
begin_valid(pam_handle_t *pamh, int flags, int argc, const char **argv,
    int phase, struct modargs *a, const char **user)
{
	char folded[PW_USER_MAX + 1];
	int pr;

	if ((pr = begin(pamh, argc, argv, a, user)) != PAM_SUCCESS)
		return pr;
	/* another name of a store account: refused as a locked one is */
	if ((pr = fold_find(pamh, a, *user, folded)) != PAM_SUCCESS)
		return pr;
	if (folded[0] != '\0') {
		fold_log(pamh, phase, *user, folded);
		if ((flags & PAM_SILENT) == 0)
			(void)pam_error(pamh, "%s", modlang_tr(pamh,
			    N_("Log in with your account's own name.")));
		return pw_to_pam(PW_ERR_LOCKED, phase);
	}
	if (!proto_name_valid(*user)) {
		log_bad_user(pamh, phase);
		return PAM_USER_UNKNOWN;
	}
	return PAM_SUCCESS;
}

/* getpwnam_r(3) and getpwuid_r(3) say "no such user" in these ways. */
static bool
nss_not_found(int e)
{
	return e == 0 || e == ENOENT || e == ESRCH || e == EBADF || e == EPERM;
}

/*
 * The passwd entry NSS gives for `name', or with name NULL for *uid:
 * PW_OK with its uid and pw_name (which NSS may spell differently);
 * PW_ERR_NOUSER when NSS says there is none, or its name is longer than
 * any account name; PW_ERR_IO when NSS failed (nothing is known), or
 * PW_ERR_NOMEM.
 */
static int
nss_lookup(const char *name, uid_t *uid, char *canon, size_t canonsz)
{
	struct passwd pwd, *res = NULL;
	char *buf = NULL;
	size_t sz;
	int e = ERANGE, r;

	for (sz = PW_PWBUF_MIN; e == ERANGE && sz <= PW_PWBUF_MAX; sz *= 2) {
		free(buf);
		if ((buf = malloc(sz)) == NULL)
			return PW_ERR_NOMEM;
		e = name != NULL ? getpwnam_r(name, &pwd, buf, sz, &res) :
		    getpwuid_r(*uid, &pwd, buf, sz, &res);
	}
	if (e == 0 && res != NULL && strlen(res->pw_name) < canonsz) {
		*uid = res->pw_uid;
		memcpy(canon, res->pw_name, strlen(res->pw_name) + 1);
		r = PW_OK;
	} else if (e == 0 && res != NULL)
		r = PW_ERR_NOUSER; /* no account name is that long */
	else
		r = nss_not_found(e) ? PW_ERR_NOUSER : PW_ERR_IO;
	free(buf);
	return r;
}

/* Root, ourselves and daemon_user (when it exists) may own the socket. */
static void
trust_fill(pam_handle_t *pamh, const struct modargs *a, struct conn_trust *t)
{
	if (conn_trust_default(t, geteuid(), a->daemon_user) != PW_OK &&
	    a->debug)
		pam_syslog(pamh, LOG_DEBUG, "daemon_user %s not found",
		    a->daemon_user);
}

/* The request of `phase' for `user' (a valid name), without secrets. */
static void
req_fill(pam_handle_t *pamh, struct pw_request *req, int phase,
    uint8_t factor, const char *user)
{
	req->type = phase == PW_PHASE_AUTH ? PW_REQ_AUTH : PW_REQ_ACCT;
	req->factor = phase == PW_PHASE_AUTH ? factor : PW_FACTOR_LOGIN;
	/* proto_name_valid() bounded it to PW_USER_MAX bytes. */
	memcpy(req->user, user, strlen(user) + 1);
	/* whom limits charge when we run setuid root (su, sudo, passwd) */
	req->caller_uid = (uint32_t)getuid();
	/*
	 * service and rhost are log-only fields: the daemon only writes them
	 * to its log, they decide nothing.  The protocol refuses bytes outside
	 * 0x21-0x7e and longer text, so rather than fail the login they go
	 * sanitised: '?' for each such byte, cut to PW_SERVICE_MAX and
	 * PW_RHOST_MAX bytes; an unset item goes as "".
	 */
	item_text(pamh, PAM_SERVICE, req->service, sizeof(req->service));
	item_text(pamh, PAM_RHOST, req->rhost, sizeof(req->rhost));
}

/* Shows the words of a status, its why and its note (not under
 * PAM_SILENT); a control byte never reaches a terminal. */
static void
show_why(pam_handle_t *pamh, int flags, int status, const struct pw_why *why,
    const struct pw_why *note)
{
	char words[PW_WORDS_MAX];

	if ((flags & PAM_SILENT) != 0)
		return;
	if (modlang_words(pamh, status, why, words, sizeof(words))[0] !=
	    '\0' && pw_utf8_printable(words))
		(void)pam_error(pamh, "%s", words);
	if (modlang_words(pamh, status, note, words, sizeof(words))[0] !=
	    '\0' && pw_utf8_printable(words))
		(void)pam_info(pamh, "%s", words);
}

/* The daemon's sentences of a reply. */
static void
show(pam_handle_t *pamh, int flags, const struct pw_reply *rep)
{
	show_why(pamh, flags, rep->status, &rep->why, &rep->note);
}

/* One daemon call: the transport error, or the daemon's status. */
static int
ask(pam_handle_t *pamh, int flags, const struct modargs *a, int phase,
    const struct pw_request *req, struct pw_reply *rep)
{
	struct conn_trust t;
	int r;

	trust_fill(pamh, a, &t);
	r = conn_call(a->socket, &t, a->timeout_s * 1000, req, rep);
	if (r != PW_OK) {
		pam_syslog(pamh, LOG_ERR, "cannot reach pwadmind at %s: %s",
		    a->socket, pw_strerror(r));
		return r;
	}
	show(pamh, flags, rep);
	if (pw_to_pam(rep->status, phase) == PAM_AUTHINFO_UNAVAIL)
		pam_syslog(pamh, LOG_ERR, "pwadmind at %s could not answer: %s",
		    a->socket, pw_strerror(rep->status));
	return rep->status;
}

/* The debug line, and one LOG_NOTICE line for a refusal; never a secret. */
static void
log_result(pam_handle_t *pamh, const struct modargs *a, int phase,
    const struct pw_request *req, int status, int rv)
{
	const char *what = phase == PW_PHASE_AUTH ? "auth" :
	    phase == PW_PHASE_ACCT ? "account" : "password";
	const char *factor = "";

	if (phase == PW_PHASE_AUTH && req->factor == PW_FACTOR_CONFIRM)
		factor = " factor=confirm";
	else if (phase == PW_PHASE_AUTH)
		factor = " factor=login";
	if (a->debug)
		pam_syslog(pamh, LOG_DEBUG, "%s user=%s service=%s%s: %s (%s)",
		    what, req->user, req->service, factor, pw_strerror(status),
		    pam_strerror(pamh, rv));
	/* A success, or already logged at LOG_ERR by ask(). */
	if (status == PW_OK || rv == PAM_AUTHINFO_UNAVAIL)
		return;
	pam_syslog(pamh, LOG_NOTICE, "%s for user=%s service=%s: %s",
	    phase == PW_PHASE_AUTH ? "auth failed" : phase == PW_PHASE_ACCT ?
	    "account refused" : "password change refused",
	    req->user, req->service, pw_strerror(status));
}

/*
 * A request and its reply on the heap (we run on other programs' stacks,
 * invariant 4): PW_OK, or PW_ERR_NOMEM with both NULL.  exchange_free
 * wipes the request's secrets and both messages, then frees them (NULL:
 * nothing).
 */
static int
exchange_alloc(struct pw_request **req, struct pw_reply **rep)
{
	*req = calloc(1, sizeof(**req));
	*rep = calloc(1, sizeof(**rep));
	if (*req != NULL && *rep != NULL)
		return PW_OK;
	free(*req);
	free(*rep);
	*req = NULL;
	*rep = NULL;
	return PW_ERR_NOMEM;
}

static void
exchange_free(struct pw_request *req, struct pw_reply *rep)
{
	if (req != NULL) {
		proto_wipe_req(req);
		PW_WIPE_OBJECT(req);
	}
	if (rep != NULL) /* an enrolment's URI holds a TOTP secret */
		PW_WIPE_OBJECT(rep);
	free(req);
	free(rep);
}

/* Is `name' an account of the store?  PW_OK yes, PW_ERR_NOUSER no, or the
 * transport error (logged). */
static int
in_store(pam_handle_t *pamh, const struct modargs *a, const char *name)
{
	struct pw_request *req = NULL;
	struct pw_reply *rep = NULL;
	struct conn_trust t;
	int r = PW_ERR_NOMEM;

	if (exchange_alloc(&req, &rep) != PW_OK)
		goto out;
	req_fill(pamh, req, PW_PHASE_ACCT, PW_FACTOR_LOGIN, name);
	trust_fill(pamh, a, &t);
	if ((r = conn_call(a->socket, &t, a->timeout_s * 1000, req, rep)) !=
	    PW_OK)
		pam_syslog(pamh, LOG_ERR, "cannot reach pwadmind at %s: %s",
		    a->socket, pw_strerror(r));
	else
		r = rep->status == PW_ERR_NOUSER ? PW_ERR_NOUSER : PW_OK;
out:
	exchange_free(req, rep);
	return r;
}

/*
 * Names NSS folds (sssd or winbind with case-insensitive names,
 * user@DOMAIN) and aliases (two passwd entries of one uid): the store
 * account that `user' is under another name, in folded[] ("" for none).
 * The candidates are the name NSS gives for `user' and the name of its
 * uid.  Without this, `ALICE' would be "not in the store" and a stack
 * would hand it to pam_unix or pam_sss, letting a locked or suspended
 * `alice' in with another password.  PAM_SUCCESS, or
 * PAM_AUTHINFO_UNAVAIL when NSS or the daemon cannot say (fail closed).
 */
static int
fold_find(pam_handle_t *pamh, const struct modargs *a, const char *user,
    char folded[PW_USER_MAX + 1])
{
	char cand[2][PW_USER_MAX + 1];
	uid_t uid = 0;
	int i, r;

	folded[0] = '\0';
	if ((r = nss_lookup(user, &uid, cand[0], sizeof(cand[0]))) ==
	    PW_ERR_NOUSER)
		return PAM_SUCCESS; /* no such user: nothing to fold */
	if (r == PW_OK)
		r = nss_lookup(NULL, &uid, cand[1], sizeof(cand[1]));
	if (r == PW_ERR_NOUSER) {
		r = PW_OK;
		memcpy(cand[1], cand[0], sizeof(cand[1]));
	}
	if (r != PW_OK) {
		pam_syslog(pamh, LOG_ERR, "user database (NSS) lookup failed: "
		    "%s", pw_strerror(r));
		return PAM_AUTHINFO_UNAVAIL;
	}
	for (i = 0; i < 2; i++) {
		if (strcmp(cand[i], user) == 0 || !proto_name_valid(cand[i]) ||
		    (i == 1 && strcmp(cand[1], cand[0]) == 0))
			continue;
		if ((r = in_store(pamh, a, cand[i])) == PW_OK) {
			memcpy(folded, cand[i], sizeof(cand[i]));
			return PAM_SUCCESS;
		}
		if (r != PW_ERR_NOUSER)
			return r == PW_ERR_NOMEM ? PAM_BUF_ERR :
			    PAM_AUTHINFO_UNAVAIL;
	}
	return PAM_SUCCESS;
}

/* One LOG_NOTICE line for a spelling of the store account `folded'. */
static void
fold_log(pam_handle_t *pamh, int phase, const char *user, const char *folded)
{
	char service[PW_SERVICE_MAX + 1], name[PW_USER_MAX + 1];

	item_text(pamh, PAM_SERVICE, service, sizeof(service));
	/* user is not a valid name perhaps: logged sanitised, never raw */
	modargs_sanitize(name, sizeof(name), user);
	pam_syslog(pamh, LOG_NOTICE, "%s for user=%s service=%s: the name is "
	    "another name (through NSS) of the store account %s",
	    phase == PW_PHASE_AUTH ? "auth failed" : phase == PW_PHASE_ACCT ?
	    "account refused" : "password change refused", name, service,
	    folded);
}

/*
 * The account verdict an AUTH reply carries when the password verified
 * (PROTOCOL: acct): kept in the PAM handle after a successful
 * pam_sm_authenticate, so that pam_sm_acct_mgmt on the same handle, for
 * the same user and daemon, within ACCT_VALID_MS, answers it without a
 * second connection.  It is the account's state at the moment the
 * password was verified: an administrator's change after that moment
 * (a suspension, a reset) applies from the next login on, as if it had
 * come just after this one.  Used once; otherwise the daemon is asked.
 */
#define ACCT_KEY      "pam_pwadmin_acct"
#define ACCT_VALID_MS 2000

struct acct_verdict {
	char user[PW_USER_MAX + 1];
	char socket[PW_SOCKET_MAX];
	int64_t at_ms;		/* CLOCK_MONOTONIC */
	int status;
	struct pw_why why, note;
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
acct_free(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

/* Keeps v in the handle (which frees it), or frees it. */
static void
acct_keep(pam_handle_t *pamh, struct acct_verdict *v)
{
	if (pam_set_data(pamh, ACCT_KEY, v, acct_free) != PAM_SUCCESS)
		free(v);
}

/* The kept verdict for user at socket, still valid, into *v (and
 * forgotten: used once); false when there is none. */
static bool
acct_take(pam_handle_t *pamh, const char *user, const char *socket,
    struct acct_verdict *v)
{
	const void *d = NULL;
	bool ok = false;

	if (pam_get_data(pamh, ACCT_KEY, &d) != PAM_SUCCESS || d == NULL)
		return false;
	memcpy(v, d, sizeof(*v));
	ok = strcmp(v->user, user) == 0 && strcmp(v->socket, socket) == 0 &&
	    mono_ms() - v->at_ms <= ACCT_VALID_MS;
	(void)pam_set_data(pamh, ACCT_KEY, NULL, NULL);
	return ok;
}

/* Builds the request, asks the daemon, maps the answer: the PAM code.
 * With v, a verified password's account verdict goes into *v (its
 * status stays 1 when the reply carried none). */
static int
run(pam_handle_t *pamh, int flags, const struct modargs *a, int phase,
    const char *user, const char *pw, uint8_t *otp, struct acct_verdict *v)
{
	struct pw_request *req = NULL;
	struct pw_reply *rep = NULL;
	int rv = pw_to_pam(PW_ERR_INTERNAL, phase), status;

	if (exchange_alloc(&req, &rep) != PW_OK) {
		pam_syslog(pamh, LOG_ERR, "%s", pw_strerror(PW_ERR_NOMEM));
		rv = PAM_BUF_ERR;
		goto out;
	}
	req_fill(pamh, req, phase, a->factor, user);
	if (pw != NULL && proto_secret_set(&req->secret[0], pw) != PW_OK) {
		/* Longer than any password can be: refused, never cut. */
		status = PW_ERR_AUTH;
	} else {
		req->nsecrets = pw != NULL ? 1 : 0;
		status = ask(pamh, flags, a, phase, req, rep);
	}
	rv = pw_to_pam(status, phase);
	/* a verified password's account: does it have a token?  Not knowing
	 * is no success (the OTP step must never be skipped by a gap) */
	if (otp != NULL && status == PW_OK) {
		if (rep->naccts == 1 && strcmp(rep->accts[0].name, user) == 0)
			*otp = rep->accts[0].otp;
		else
			rv = PAM_AUTH_ERR;
	}
	if (v != NULL && status == PW_OK && rep->acct_given) {
		v->status = rep->acct_status;
		v->why = rep->acct_why;
		v->note = rep->acct_note;
		v->at_ms = mono_ms();
	}
	log_result(pamh, a, phase, req, status, rv);
out:
	exchange_free(req, rep);
	return rv;
}

/*
 * The one-time password after a verified password: "One-time password: "
 * (echo off), checked by the daemon through the token's own lockout.  A
 * locked token is refused by the daemon without evaluating the code.
 */
static int
otp_step(pam_handle_t *pamh, int flags, const struct modargs *a,
    const char *user)
{
	struct pw_request *req = NULL;
	struct pw_reply *rep = NULL;
	char *resp = NULL;
	int rv = PAM_AUTH_ERR, pr, status;

	if (exchange_alloc(&req, &rep) != PW_OK) {
		rv = PAM_BUF_ERR;
		goto out;
	}
	pr = pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &resp, "%s",
	    modlang_tr(pamh, PROMPT_OTP));
	if (pr != PAM_SUCCESS || resp == NULL) {
		rv = conv_failed(pr);
		goto out;
	}
	req_fill(pamh, req, PW_PHASE_AUTH, a->factor, user);
	req->type = PW_REQ_OTP_VERIFY;
	req->nsecrets = 1;
	if (proto_secret_set(&req->secret[0], resp) != PW_OK)
		status = PW_ERR_AUTH; /* no code is that long */
	else
		status = ask(pamh, flags, a, PW_PHASE_AUTH, req, rep);
	/* after a verified password nothing may route elsewhere: every
	 * failure of this step is a denial (no user_unknown/authinfo_unavail
	 * that a stack would pass on to another module) */
	rv = status == PW_OK ? PAM_SUCCESS :
	    status == PW_ERR_LOCKED ? PAM_MAXTRIES : PAM_AUTH_ERR;
	log_result(pamh, a, PW_PHASE_AUTH, req, status, rv);
out:
	if (resp != NULL) {
		pw_wipe(resp, strlen(resp));
		free(resp);
	}
	exchange_free(req, rep);
	return rv;
}

/*
 * The confirmation password of a step-up line (factor=confirm).  It is
 * never the password an earlier line left in PAM_AUTHTOK (Debian's
 * common-auth before it would otherwise have the login or Unix password
 * checked against the confirmation hash, and count a failure each time),
 * unless the line says use_first_pass or try_first_pass; and it is never
 * left in PAM_AUTHTOK for later lines.  *own gets the conversation's reply
 * (the caller wipes and frees it) or NULL when the item was used.
 */
static int
confirm_authtok(pam_handle_t *pamh, const struct modargs *a, const char **pw,
    char **own)
{
	const void *item = NULL;
	int pr;

	*pw = NULL;
	*own = NULL;
	if (a->use_first_pass || a->try_first_pass) {
		pr = pam_get_item(pamh, PAM_AUTHTOK, &item);
		if (pr == PAM_SUCCESS && item != NULL) {
			*pw = item;
			return PAM_SUCCESS;
		}
		if (a->use_first_pass) /* as pam_get_authtok() answers it */
			return PAM_AUTH_ERR;
	}
	pr = pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, own, "%s",
	    modlang_tr(pamh, PROMPT_CONFIRM));
	if (pr != PAM_SUCCESS || *own == NULL)
		return conv_failed(pr);
	*pw = *own;
	return PAM_SUCCESS;
}

int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct modargs args;
	const char *user = NULL, *pw = NULL;
	char *own = NULL, folded[PW_USER_MAX + 1];
	struct acct_verdict *v = NULL;
	uint8_t otp = PW_OTP_NONE;
	int rv = PAM_AUTH_ERR, pr;

	/* Every failure below waits the same before the caller sees it. */
	(void)pam_fail_delay(pamh, PW_FAIL_DELAY);
	/* an earlier authentication's verdict never outlives this one */
	(void)pam_set_data(pamh, ACCT_KEY, NULL, NULL);
	if ((pr = begin(pamh, argc, argv, &args, &user)) != PAM_SUCCESS) {
		rv = pr; /* rv itself stays a failure until the verdict */
		goto out;
	}
	/* pam_get_authtok() itself honours use_first_pass/try_first_pass. */
	if (args.factor == PW_FACTOR_CONFIRM)
		pr = confirm_authtok(pamh, &args, &pw, &own);
	else
		pr = pam_get_authtok(pamh, PAM_AUTHTOK, &pw,
		    modlang_tr(pamh, PROMPT_LOGIN));
	if (pr != PAM_SUCCESS || pw == NULL) {
		rv = conv_failed(pr);
		goto out;
	}
	/*
	 * Another name of a store account: the guess goes to that account,
	 * so that it costs, counts and answers as a guess at it does (no
	 * oracle, no free guesses), and a right password is refused all the
	 * same: only the account's own name logs in.
	 */
	if ((rv = fold_find(pamh, &args, user, folded)) != PAM_SUCCESS)
		goto out;
	if (folded[0] != '\0') {
		fold_log(pamh, PW_PHASE_AUTH, user, folded);
		rv = run(pamh, flags, &args, PW_PHASE_AUTH, folded, pw, NULL,
		    NULL);
		if (rv == PAM_SUCCESS || rv == PAM_USER_UNKNOWN)
			rv = PAM_AUTH_ERR;
		goto out;
	}
	rv = PAM_AUTH_ERR;
	/*
	 * No enumeration (SPEC rule 14): a name that can never be in the store
	 * is asked for its password too, and fails with the code of a name
	 * not in the store, under the same fail delay, without a daemon call.
	 */
	if (!proto_name_valid(user)) {
		log_bad_user(pamh, PW_PHASE_AUTH);
		rv = PAM_USER_UNKNOWN;
		goto out;
	}
	if ((v = calloc(1, sizeof(*v))) != NULL)
		v->status = 1; /* none yet */
	rv = run(pamh, flags, &args, PW_PHASE_AUTH, user, pw,
	    args.otp ? &otp : NULL, v);
	/* rule 11: the password verified; a token asks for its code too */
	if (rv == PAM_SUCCESS && args.otp && otp != PW_OTP_NONE)
		rv = otp_step(pamh, flags, &args, user);
	/* the whole authentication succeeded: keep its account verdict */
	if (rv == PAM_SUCCESS && v != NULL && v->status <= 0) {
		memcpy(v->user, user, strlen(user) + 1);
		memcpy(v->socket, args.socket, sizeof(v->socket));
		acct_keep(pamh, v);
		v = NULL;
	}
out:
	free(v);
	if (own != NULL) {
		pw_wipe(own, strlen(own));
		free(own);
	}
	modlang_end(pamh);
	return rv;
}

int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	/* pwadmin establishes no credentials. */
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

/* The account phase answered from a kept verdict: said and logged as the
 * daemon's answer would be. */
static int
acct_answer(pam_handle_t *pamh, int flags, const struct modargs *a,
    const char *user, const struct acct_verdict *v)
{
	struct pw_request *req;
	int rv = pw_to_pam(v->status, PW_PHASE_ACCT);

	show_why(pamh, flags, v->status, &v->why, &v->note);
	if ((req = calloc(1, sizeof(*req))) != NULL) {
		req_fill(pamh, req, PW_PHASE_ACCT, PW_FACTOR_LOGIN, user);
		log_result(pamh, a, PW_PHASE_ACCT, req, v->status, rv);
		free(req); /* no secret in it */
	}
	return rv;
}

int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct acct_verdict v;
	struct modargs args;
	const char *user = NULL;
	int rv = PAM_PERM_DENIED, pr;

	if ((pr = begin_valid(pamh, flags, argc, argv, PW_PHASE_ACCT, &args,
	    &user)) != PAM_SUCCESS) {
		rv = pr; /* rv itself stays a failure until the verdict */
		goto out;
	}
	/* right after this handle's pwadmin authentication: its verdict */
	if (acct_take(pamh, user, args.socket, &v)) {
		rv = acct_answer(pamh, flags, &args, user, &v);
		goto out;
	}
	rv = run(pamh, flags, &args, PW_PHASE_ACCT, user, NULL, NULL, NULL);
out:
	modlang_end(pamh);
	return rv;
}

/* ==== Password phase (SPEC rules 7-9) ==== */

/* The three prompts of a change, and the mismatch, of each factor. */
static const char *const change_words[2][4] = {
	{ N_("Current login password: "), N_("New login password: "),
	    N_("Retype new login password: "),
	    N_("The new login passwords do not match.") },
	{ N_("Current confirmation password: "),
	    N_("New confirmation password: "),
	    N_("Retype new confirmation password: "),
	    N_("The new confirmation passwords do not match.") },
};

/* One echo-off prompt into *sec; a PAM code.  The reply is wiped. */
static int
prompt_secret(pam_handle_t *pamh, const char *prompt, struct pw_secret *sec)
{
	char *resp = NULL;
	int pr, rv = PAM_SUCCESS;

	pr = pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &resp, "%s",
	    modlang_tr(pamh, prompt));
	if (pr != PAM_SUCCESS || resp == NULL)
		rv = conv_failed(pr);
	else if (proto_secret_set(sec, resp) != PW_OK)
		rv = PAM_AUTHTOK_ERR; /* longer than any password: refused */
	if (resp != NULL) {
		pw_wipe(resp, strlen(resp));
		free(resp);
	}
	return rv;
}

/*
 * For factor f: the current password, the new one and the new one again
 * into req->secret[2f], [2f+1]; a PAM code (PAM_AUTHTOK_ERR when the two
 * new ones differ).
 */
static int
prompt_change(pam_handle_t *pamh, int flags, uint8_t f,
    struct pw_request *req)
{
	struct pw_secret *again;
	int rv;

	if ((again = calloc(1, sizeof(*again))) == NULL)
		return PAM_BUF_ERR;
	if ((rv = prompt_secret(pamh, change_words[f][0],
	    &req->secret[2 * f])) == PAM_SUCCESS &&
	    (rv = prompt_secret(pamh, change_words[f][1],
	    &req->secret[2 * f + 1])) == PAM_SUCCESS &&
	    (rv = prompt_secret(pamh, change_words[f][2], again)) ==
	    PAM_SUCCESS &&
	    (again->len != req->secret[2 * f + 1].len ||
	    memcmp(again->buf, req->secret[2 * f + 1].buf, again->len) != 0)) {
		if ((flags & PAM_SILENT) == 0)
			(void)pam_error(pamh, "%s",
			    modlang_tr(pamh, change_words[f][3]));
		rv = PAM_AUTHTOK_ERR;
	}
	PW_WIPE_OBJECT(again);
	free(again);
	return rv;
}

/* A password to change that is locked: said before any prompt. */
static int
locked_factor(pam_handle_t *pamh, int flags, const struct pw_account *acct,
    uint8_t bits)
{
	struct pw_why why = { .code = PW_R_LOCKED };
	char words[PW_WORDS_MAX];
	uint8_t f;

	for (f = 0; f <= PW_FACTOR_MAX; f++) {
		if (!(bits & (f == 0 ? PW_MUST_LOGIN : PW_MUST_CONFIRM)) ||
		    !(f == 0 ? acct->login_locked : acct->confirm_locked))
			continue;
		why.factor = f;
		if ((flags & PAM_SILENT) == 0)
			(void)pam_error(pamh, "%s", modlang_words(pamh,
			    PW_ERR_LOCKED, &why, words, sizeof(words)));
		return pw_to_pam(PW_ERR_LOCKED, PW_PHASE_PASSWD);
	}
	return PAM_SUCCESS;
}

/*
 * Which factors to change, asked of the daemon before any prompt, so that
 * an account not in the store (root, in a `passwd' stack), a suspended or
 * locked one, or a daemon that is down is answered at once.  With
 * PAM_CHANGE_EXPIRED_AUTHTOK (login, sshd after PAM_NEW_AUTHTOK_REQD):
 * every factor that must change now (a mark, or expired), possibly none;
 * otherwise the factor= one.  PAM_SUCCESS and *bits (PW_MUST_*), or the
 * PAM code of a refusal.
 */
static int
factors_to_change(pam_handle_t *pamh, int flags, const struct modargs *a,
    const char *user, struct pw_request *req, struct pw_reply *rep,
    uint8_t *bits)
{
	struct conn_trust t;
	int r, st;

	*bits = a->factor == PW_FACTOR_CONFIRM ? PW_MUST_CONFIRM : PW_MUST_LOGIN;
	req_fill(pamh, req, PW_PHASE_ACCT, a->factor, user);
	trust_fill(pamh, a, &t);
	if ((r = conn_call(a->socket, &t, a->timeout_s * 1000, req, rep)) !=
	    PW_OK) {
		pam_syslog(pamh, LOG_ERR, "cannot reach pwadmind at %s: %s",
		    a->socket, pw_strerror(r));
		return PAM_AUTHINFO_UNAVAIL;
	}
	st = rep->status;
	if (st == PW_ERR_LOCKED && !(*bits & PW_MUST_LOGIN))
		st = PW_OK; /* the login password's lock: not this change */
	if (st != PW_OK && st != PW_ERR_CHANGE) {
		show(pamh, flags, rep);
		return pw_to_pam(st, PW_PHASE_PASSWD);
	}
	if (rep->naccts != 1)
		return pw_to_pam(PW_ERR_PROTO, PW_PHASE_PASSWD);
	/* quiet otherwise: pam_acct_mgmt has already said why */
	if (flags & PAM_CHANGE_EXPIRED_AUTHTOK)
		*bits = rep->accts[0].must_change;
	return locked_factor(pamh, flags, &rep->accts[0], *bits);
}

/* Prompts for every factor in bits, then one PASSWD request: a PAM code. */
static int
change(pam_handle_t *pamh, int flags, const struct modargs *a,
    const char *user, struct pw_request *req, struct pw_reply *rep)
{
	uint8_t bits = 0, f;
	int rv, status;

	if ((rv = factors_to_change(pamh, flags, a, user, req, rep, &bits)) !=
	    PAM_SUCCESS || bits == 0)
		return rv;
	memset(req, 0, sizeof(*req));
	req_fill(pamh, req, PW_PHASE_ACCT, a->factor, user);
	req->type = PW_REQ_PASSWD;
	req->nsecrets = 4;
	for (f = 0; f <= PW_FACTOR_MAX; f++) {
		if (!(bits & (f == 0 ? PW_MUST_LOGIN : PW_MUST_CONFIRM)))
			continue;
		req->flags |= f == 0 ? PW_F_LOGIN : PW_F_CONFIRM;
		if ((rv = prompt_change(pamh, flags, f, req)) != PAM_SUCCESS)
			return rv;
	}
	status = ask(pamh, flags, a, PW_PHASE_PASSWD, req, rep);
	rv = pw_to_pam(status, PW_PHASE_PASSWD);
	log_result(pamh, a, PW_PHASE_PASSWD, req, status, rv);
	return rv;
}

/*
 * The preliminary pass's verdict, kept for the update pass of the same
 * pam_chauthtok() (pam_set_data), so that both are routed alike even if
 * the daemon's answer changes in between, and a refusal is said once.
 */
#define PRELIM_KEY "pam_pwadmin_prelim"

static void
prelim_free(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

static void
prelim_save(pam_handle_t *pamh, int rv)
{
	int *p = malloc(sizeof(*p));

	/* without it the update pass asks anew, as the daemon answers then */
	if (p == NULL)
		return;
	*p = rv;
	if (pam_set_data(pamh, PRELIM_KEY, p, prelim_free) != PAM_SUCCESS)
		free(p);
}

/* The verdict saved by this call's preliminary pass (and forgets it), or
 * -1 when there is none. */
static int
prelim_take(pam_handle_t *pamh)
{
	const void *d = NULL;
	int rv = -1;

	if (pam_get_data(pamh, PRELIM_KEY, &d) == PAM_SUCCESS && d != NULL)
		rv = *(const int *)d;
	(void)pam_set_data(pamh, PRELIM_KEY, NULL, NULL);
	return rv;
}

int
pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct modargs args;
	struct pw_request *req = NULL;
	struct pw_reply *rep = NULL;
	const char *user = NULL;
	int rv = PAM_AUTHTOK_ERR, pr, prelim = -1;

	if (!(flags & PAM_PRELIM_CHECK))
		prelim = prelim_take(pamh);
	if ((pr = begin_valid(pamh, flags, argc, argv, PW_PHASE_PASSWD, &args,
	    &user)) != PAM_SUCCESS) {
		rv = pr; /* rv itself stays a failure until the verdict */
		goto out;
	}
	if (exchange_alloc(&req, &rep) != PW_OK) {
		rv = PAM_BUF_ERR;
		goto out;
	}
	/*
	 * The preliminary pass asks the daemon too, without prompts, so the
	 * stack routes it as it will route the update pass: an account not
	 * in the store (or a daemon down) goes on to the next module's own
	 * preliminary check (pam_unix asks a user's current password there),
	 * instead of a success here ending the pass and letting that module's
	 * update run unchecked.
	 */
	if (flags & PAM_PRELIM_CHECK) {
		uint8_t bits;

		rv = factors_to_change(pamh, flags, &args, user, req, rep, &bits);
		prelim_save(pamh, rv);
		goto out;
	}
	/* refused in the preliminary pass (and the stack went on): the same
	 * answer, already said */
	if (prelim != -1 && prelim != PAM_SUCCESS) {
		rv = prelim;
		goto out;
	}
	/* a wrong current password waits like a wrong login password */
	(void)pam_fail_delay(pamh, PW_FAIL_DELAY);
	rv = change(pamh, flags, &args, user, req, rep);
	/*
	 * The preliminary pass said this account is pwadmin's, so the stack
	 * skipped the next module's preliminary check: an answer that a
	 * stack routes on (user_unknown, authinfo_unavail) would now let that
	 * module's update run unchecked.  A failure, not a route.
	 */
	if (prelim == PAM_SUCCESS &&
	    (rv == PAM_USER_UNKNOWN || rv == PAM_AUTHINFO_UNAVAIL)) {
		pam_syslog(pamh, LOG_ERR, "password change of %s refused: the "
		    "first pass found it in the store, the update pass got: %s",
		    user, pam_strerror(pamh, rv));
		rv = PAM_AUTHTOK_ERR;
	}
out:
	exchange_free(req, rep);
	modlang_end(pamh);
	return rv;
}
