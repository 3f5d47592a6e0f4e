/* SPDX-License-Identifier: MIT */
/*
 * Names that NSS folds (sssd or winbind with case-insensitive names): a
 * spelling that NSS resolves to a store account is that account, and is
 * refused like a locked one, never handed on to the next module.  Runs
 * under tests/shim/foldcase.c, an NSS shim that folds case.
 */
#include <sys/types.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>
#include <libpamtest.h>

#include "harness.h"

static struct th T;

static const char *const services[] = {
	"pwplain|socket=@DIR@/sock",
	NULL,
};

/*
 * The shape of the pam-auth-update profile: an account not in the store
 * (user_unknown) goes on to the next module, here pam_permit standing for
 * pam_unix or pam_sss accepting that account's directory password.
 */
static const char svc_fold[] =
    "auth [success=2 user_unknown=ignore default=die] "
    "@BUILD@/pam_pwadmin.so socket=@DIR@/sock\n"
    "auth [success=1 default=ignore] pam_permit.so\n"
    "auth requisite pam_deny.so\n"
    "auth required pam_permit.so\n"
    "account [success=1 user_unknown=ignore default=die] "
    "@BUILD@/pam_pwadmin.so socket=@DIR@/sock\n"
    "account required pam_permit.so\n"
    "password [success=1 user_unknown=ignore default=die] "
    "@BUILD@/pam_pwadmin.so socket=@DIR@/sock\n"
    "password required pam_permit.so\n";

static const struct th_svcfile files[] = {
	{ "pwfold", svc_fold },
	{ NULL, NULL },
};

static int
teardown(void **state)
{
	(void)state;
	return T.daemon > 0 ? th_daemon_stop(&T) : 0;
}

/* Without this the test would prove nothing: the shim must fold. */
static void
test_shim_folds(void **state)
{
	struct passwd pwd, *pw = NULL;
	char buf[4096];

	(void)state;
	assert_int_equal(getpwnam_r("ALICE", &pwd, buf, sizeof(buf), &pw), 0);
	assert_non_null(pw);
	assert_string_equal(pw->pw_name, "alice");
	assert_int_equal(pw->pw_uid, TH_UID_ALICE);
}

/* One PAM operation's result; the error messages shown into msg. */
static int
one(const char *service, const char *user, int op, char *msg, size_t msgsz)
{
	const char *const answers[] = { NULL };
	struct pam_testcase tc[] = { pam_test(op, PAM_SUCCESS) };
	struct th_script s;

	memset(&s, 0, sizeof(s));
	s.answers = answers;
	(void)th_pam_script(service, user, &s, tc, 1);
	snprintf(msg, msgsz, "%s", s.errors);
	return tc[0].op_rv;
}

static void
test_folded_spelling_refused(void **state)
{
	char msg[512];
	long long hashes;

	(void)state;
	assert_int_equal(th_start_seeded(&T, NULL), 0);
	assert_int_equal(th_client(&T, 0, "", "suspend", "alice", (char *)NULL),
	    0);
	hashes = th_stat(&T, "hashes_evaluated");
	/* another spelling is no way around the suspension: it is alice's,
	 * answered as hers, without a hash */
	assert_int_equal(th_pam_auth_nodelay("pwfold", "ALICE",
	    TH_PW_ALICE_LOGIN, msg, sizeof(msg)), PAM_AUTH_ERR);
	assert_non_null(strstr(msg, "suspended"));
	assert_int_equal(th_stat(&T, "hashes_evaluated"), hashes);
	/* the account and password phases refuse it too */
	assert_int_equal(one("pwfold", "ALICE", PAMTEST_ACCOUNT, msg,
	    sizeof(msg)), PAM_PERM_DENIED);
	assert_non_null(strstr(msg, "own name"));
	assert_int_equal(one("pwfold", "ALICE", PAMTEST_CHAUTHTOK, msg,
	    sizeof(msg)), PAM_PERM_DENIED);
	/* in good standing: a guess through that spelling is a guess at
	 * alice (it costs a hash and counts), and even the right password
	 * does not log that spelling in */
	assert_int_equal(th_client(&T, 0, "", "resume", "alice", (char *)NULL),
	    0);
	assert_int_equal(th_pam_auth_nodelay("pwfold", "Alice",
	    "anything-at-all", msg, sizeof(msg)), PAM_AUTH_ERR);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 1);
	assert_int_equal(th_pam_auth_nodelay("pwfold", "ALICE",
	    TH_PW_ALICE_LOGIN, msg, sizeof(msg)), PAM_AUTH_ERR);
	assert_int_equal(th_stat(&T, "hashes_evaluated"), hashes + 2);
	/* an alias of alice's uid is alice's too */
	assert_int_equal(th_pam_auth_nodelay("pwfold", "alias2",
	    TH_PW_ALICE_LOGIN, msg, sizeof(msg)), PAM_AUTH_ERR);
	assert_int_equal(one("pwfold", "alias2", PAMTEST_ACCOUNT, msg,
	    sizeof(msg)), PAM_PERM_DENIED);
	/* the account's own name works as before */
	assert_int_equal(th_pam_auth_nodelay("pwfold", "alice",
	    TH_PW_ALICE_LOGIN, msg, sizeof(msg)), PAM_SUCCESS);
}

/* The store takes a new account only under the name NSS gives it. */
static void
test_useradd_takes_nss_spelling(void **state)
{
	(void)state;
	assert_int_equal(th_start_seeded(&T, NULL), 0);
	assert_true(th_exited(&T, th_client(&T, 0, "Second-login-pw1\n"
	    "Second-confirm-pw2\n", "useradd", "BOB", "--role", "user",
	    (char *)NULL), 1));
	assert_non_null(strstr(T.err, "spells BOB as bob"));
	assert_int_equal(th_client(&T, 0, "Second-login-pw1\nSecond-confirm-pw2\n",
	    "useradd", "bob", "--role", "user", (char *)NULL), 0);
}

/* A folded name of an account that is not in the store stays none of the
 * store's business; with the daemon down it is refused (fail closed). */
static void
test_fold_outside_store(void **state)
{
	char msg[512];

	(void)state;
	assert_int_equal(th_start_seeded(&T, NULL), 0);
	assert_int_equal(th_pam_auth_nodelay("pwfold", "MALLORY", "whatever-pw",
	    msg, sizeof(msg)), PAM_SUCCESS);
	assert_int_equal(th_daemon_stop(&T), 0);
	assert_int_equal(th_pam_auth_nodelay("pwplain", "ALICE",
	    TH_PW_ALICE_LOGIN, msg, sizeof(msg)), PAM_AUTHINFO_UNAVAIL);
}

/* A second passwd entry of alice's uid: an alias NSS does not fold. */
static void
add_alias(void)
{
	char path[PATH_MAX];
	FILE *f;

	th_path(&T, path, sizeof(path), "passwd");
	if ((f = fopen(path, "a")) == NULL ||
	    fprintf(f, "alias2:x:%d:%d:Alias:/tmp:/bin/sh\n", TH_UID_ALICE,
	    TH_UID_ALICE) < 0 || fclose(f) != 0) {
		perror("test_nssfold: passwd");
		exit(1);
	}
}

/* Re-executes once with the shim ahead of nss_wrapper in LD_PRELOAD (and
 * after the sanitizer runtime, which must come first). */
static void
preload_shim(char **argv)
{
	char shim[PATH_MAX], pre[4 * PATH_MAX];
	const char *cur = getenv("LD_PRELOAD"), *nss;
	size_t head;

	if (getenv("PWTEST_FOLD") != NULL)
		return;
	snprintf(shim, sizeof(shim), "%s/tests/libfoldcase.so", T.build);
	if (cur == NULL || (nss = strstr(cur, "libnss_wrapper")) == NULL) {
		fprintf(stderr, "test_nssfold: nss_wrapper is not preloaded\n");
		exit(1);
	}
	while (nss > cur && nss[-1] != ' ' && nss[-1] != ':')
		nss--;
	head = (size_t)(nss - cur);
	snprintf(pre, sizeof(pre), "%.*s%s %s", (int)head, cur, shim, nss);
	setenv("LD_PRELOAD", pre, 1);
	setenv("PWTEST_CHILD_PRELOAD", shim, 1); /* the daemon folds too */
	setenv("PWTEST_FOLD", "1", 1);
	add_alias();
	execv("/proc/self/exe", argv);
	perror("test_nssfold: re-exec");
	exit(1);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shim_folds),
		cmocka_unit_test_teardown(test_folded_spelling_refused,
		    teardown),
		cmocka_unit_test_teardown(test_fold_outside_store, teardown),
		cmocka_unit_test_teardown(test_useradd_takes_nss_spelling,
		    teardown),
	};
	int rc;

	th_init_files(&T, argc, argv, services, files);
	preload_shim(argv);
	rc = cmocka_run_group_tests_name("integration: names NSS folds", tests,
	    NULL, NULL);
	th_cleanup(&T);
	return rc;
}
