/* SPDX-License-Identifier: MIT */
/*
 * Login through real PAM calls (libpamtest + pam_wrapper) against a real
 * pwadmind per test, seeded with the real client: success, wrong password,
 * lockout after N, locked refused without hashing, unlock, unknown user,
 * daemon down, untrusted socket owner, non-root peers.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <dlfcn.h>
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

#include "frame.h"
#include "harness.h"
#include "proto.h"
#include "pwerr.h"

static struct th T;

static const char *const services[] = {
	"pwtest|socket=@DIR@/sock",
	"pwdown|socket=@DIR@/nosock",
	"pwfake|socket=@DIR@/fake/sock",
	"pwfakeotp|socket=@DIR@/fakeotp/sock otp",
	"pwconfirm|socket=@DIR@/sock factor=confirm",
	"pwbadarg|socket=@DIR@/sock nullok",
	NULL,
};

#define MOD "@BUILD@/pam_pwadmin.so"
/* The account phase later than the verdict's validity (2 s) */
static const char svc_slow_acct[] =
	"auth required " MOD " socket=@DIR@/sock\n"
	"account required pam_exec.so quiet /bin/sleep 2.5\n"
	"account required " MOD " socket=@DIR@/sock\n";
/* ... or asking another daemon than the authentication did */
static const char svc_other_acct[] =
	"auth required " MOD " socket=@DIR@/sock\n"
	"account required " MOD " socket=@DIR@/nosock\n";
static const struct th_svcfile files[] = {
	{ "pwslowacct", svc_slow_acct },
	{ "pwotheracct", svc_other_acct },
	{ NULL, NULL },
};

static int
setup(void **state)
{
	(void)state;
	return th_start_seeded(&T, NULL);
}

static int
teardown(void **state)
{
	(void)state;
	return th_daemon_stop(&T);
}

static void
test_login_ok(void **state)
{
	const int ops[] = { PAMTEST_AUTHENTICATE, PAMTEST_ACCOUNT };
	const int ok[] = { PAM_SUCCESS, PAM_SUCCESS };
	const int newtok[] = { PAM_SUCCESS, PAM_NEW_AUTHTOK_REQD };
	char msg[1024];

	(void)state;
	/* the master made by init has no must-change mark */
	assert_int_equal(th_pam("pwtest", "boss", TH_PW_BOSS_LOGIN, ops, ok, 2,
	    msg, sizeof(msg)), 2);
	/* useradd issues passwords that must be changed at first login */
	assert_int_equal(th_pam("pwtest", "alice", TH_PW_ALICE_LOGIN, ops,
	    newtok, 2, msg, sizeof(msg)), 2);
	assert_non_null(strstr(msg, "must be changed"));
	assert_int_equal(th_stat(&T, "hashes_evaluated"), 2);
	/* requests are counted by type; the account phase right after a
	 * pwadmin authentication in the same handle asks nothing */
	assert_int_equal(th_stat(&T, "requests_auth"), 2);
	assert_int_equal(th_stat(&T, "requests_account"), 0);
	assert_int_equal(th_stat(&T, "requests_init"), 1);
	assert_int_equal(th_stat(&T, "requests_useradd"), 1);
	assert_int_equal(th_stat(&T, "requests_unlock"), 0);
}

/*
 * One round trip per login: the reply to a verified password carries
 * the account verdict, and pam_acct_mgmt right after it in the same
 * handle (same user, same daemon, within 2 s) answers from it; the
 * account phase alone (a key login), later, or at another daemon asks.
 */
static void
test_account_from_auth(void **state)
{
	const int ops[] = { PAMTEST_AUTHENTICATE, PAMTEST_ACCOUNT };
	const int ok[] = { PAM_SUCCESS, PAM_SUCCESS };
	const int newtok[] = { PAM_SUCCESS, PAM_NEW_AUTHTOK_REQD };
	const int unavail[] = { PAM_SUCCESS, PAM_AUTHINFO_UNAVAIL };
	struct th_script s;
	char msg[1024];

	(void)state;
	assert_int_equal(th_pam("pwtest", "boss", TH_PW_BOSS_LOGIN, ops, ok, 2,
	    msg, sizeof(msg)), 2);
	assert_int_equal(th_stat(&T, "requests_auth"), 1);
	assert_int_equal(th_stat(&T, "requests_account"), 0);
	/* the verdict says what ACCT says: alice must change, in words */
	assert_int_equal(th_pam("pwtest", "alice", TH_PW_ALICE_LOGIN, ops,
	    newtok, 2, msg, sizeof(msg)), 2);
	assert_non_null(strstr(msg, "must be changed"));
	assert_int_equal(th_stat(&T, "requests_account"), 0);
	/* the account phase alone asks the daemon */
	assert_int_equal(th_pam_one("pwtest", "boss", PAMTEST_ACCOUNT, 0,
	    PAM_SUCCESS, NULL, &s), PAM_SUCCESS);
	assert_int_equal(th_stat(&T, "requests_account"), 1);
	/* later than the verdict's validity: asked again */
	assert_int_equal(th_pam("pwslowacct", "boss", TH_PW_BOSS_LOGIN, ops,
	    ok, 2, msg, sizeof(msg)), 2);
	assert_int_equal(th_stat(&T, "requests_account"), 2);
	/* another daemon's account phase never takes this one's verdict */
	assert_int_equal(th_pam("pwotheracct", "boss", TH_PW_BOSS_LOGIN, ops,
	    unavail, 2, msg, sizeof(msg)), 2);
	assert_int_equal(th_stat(&T, "requests_account"), 2);
	/* a failed authentication leaves no verdict behind */
	{
		const int bad[] = { PAM_AUTH_ERR, PAM_SUCCESS };

		assert_int_equal(th_pam("pwtest", "boss", "Wrong-guess-1",
		    ops, bad, 2, msg, sizeof(msg)), 2);
		assert_int_equal(th_stat(&T, "requests_account"), 3);
	}
	/* nor does a second, failed one on the same handle keep the first
	 * one's verdict */
	{
		const char *const a[] = { TH_PW_BOSS_LOGIN, "Wrong-guess-2",
			NULL };
		struct pam_testcase tc[] = {
			pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
			pam_test(PAMTEST_AUTHENTICATE, PAM_AUTH_ERR),
			pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
		};

		memset(&s, 0, sizeof(s));
		s.answers = a;
		assert_int_equal(th_pam_script("pwtest", "boss", &s, tc, 3), 3);
		assert_int_equal(th_stat(&T, "requests_account"), 4);
	}
}

static void
test_wrong_password(void **state)
{
	char msg[1024];
	int64_t t0;

	(void)state;
	/* the one wrong password of this file that waits the module's fail
	 * delay (2 s, pam_fail_delay; libpam randomizes it, by at most half) */
	t0 = frame_now_ms();
	assert_int_equal(th_pam_auth("pwtest", "alice", "wrong-password-1", msg,
	    sizeof(msg)), PAM_AUTH_ERR);
	assert_true(frame_now_ms() - t0 >= 900);
	assert_string_equal(msg, ""); /* nothing that tells it from unknown */
	assert_int_equal(th_field(&T, "alice", "login_failures"), 1);
	assert_int_equal(th_pam_auth_nodelay("pwtest", "alice", TH_PW_ALICE_LOGIN, msg,
	    sizeof(msg)), PAM_SUCCESS);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 0);
	/* the other factor is independent */
	assert_int_equal(th_pam_auth_nodelay("pwconfirm", "alice", TH_PW_ALICE_LOGIN,
	    msg, sizeof(msg)), PAM_AUTH_ERR);
	assert_int_equal(th_field(&T, "alice", "confirm_failures"), 1);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 0);
	assert_int_equal(th_pam_auth_nodelay("pwconfirm", "alice", TH_PW_ALICE_CONFIRM,
	    msg, sizeof(msg)), PAM_SUCCESS);
}

static void
lock_alice(void)
{
	char msg[1024];
	int i;

	for (i = 1; i < 5; i++) {
		assert_int_equal(th_pam_auth_nodelay("pwtest", "alice", "Wrong-guess-99",
		    msg, sizeof(msg)), PAM_AUTH_ERR);
		assert_int_equal(th_field(&T, "alice", "login_failures"), i);
		assert_true(th_field_is(&T, "alice", "login", "available"));
	}
	/* the fifth failure locks, and says so */
	assert_int_equal(th_pam_auth_nodelay("pwtest", "alice", "Wrong-guess-99", msg,
	    sizeof(msg)), PAM_MAXTRIES);
	assert_non_null(strstr(msg, "locked"));
	assert_true(th_field_is(&T, "alice", "login", "locked"));
	assert_int_equal(th_field(&T, "alice", "login_failures"), 5);
}

static void
test_lock_after_n(void **state)
{
	const int ops[] = { PAMTEST_ACCOUNT };
	const int denied[] = { PAM_PERM_DENIED };
	char msg[1024];

	(void)state;
	lock_alice();
	/* the account phase refuses too, with the same explanation */
	assert_int_equal(th_pam("pwtest", "alice", NULL, ops, denied, 1, msg,
	    sizeof(msg)), 1);
	assert_non_null(strstr(msg, "master or admin can unlock"));
	/* the confirmation password is a separate factor, still available */
	assert_true(th_field_is(&T, "alice", "confirm", "available"));
}

static void
test_locked_refused_without_hashing(void **state)
{
	long long hashes, refused;
	char msg[1024];

	(void)state;
	lock_alice();
	hashes = th_stat(&T, "hashes_evaluated");
	refused = th_stat(&T, "refused_locked_unhashed");
	/* even the right password is refused, and costs no hash */
	assert_int_equal(th_pam_auth_nodelay("pwtest", "alice", TH_PW_ALICE_LOGIN, msg,
	    sizeof(msg)), PAM_MAXTRIES);
	assert_string_equal(msg, "Your login password is locked after too many "
	    "failed attempts; a master or admin can unlock it.");
	assert_int_equal(th_stat(&T, "hashes_evaluated"), hashes);
	assert_int_equal(th_stat(&T, "refused_locked_unhashed"), refused + 1);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 5);
}

static void
test_unlock_by_root(void **state)
{
	char msg[1024];

	(void)state;
	lock_alice();
	/* recovery: root needs no confirmation password (empty stdin) */
	assert_int_equal(th_client(&T, 0, "", "unlock", "alice", (char *)NULL), 0);
	assert_non_null(strstr(T.out, "alice"));
	assert_true(th_field_is(&T, "alice", "login", "available"));
	assert_int_equal(th_field(&T, "alice", "login_failures"), 0);
	assert_int_equal(th_pam_auth_nodelay("pwtest", "alice", TH_PW_ALICE_LOGIN, msg,
	    sizeof(msg)), PAM_SUCCESS);
}

static void
test_unlock_by_master(void **state)
{
	char msg[1024];

	(void)state;
	if (!th_is_root())
		skip(); /* needs to switch to the master's uid */
	lock_alice();
	/* a wrong confirmation password is refused, counted, changes nothing */
	assert_int_equal(th_client(&T, TH_UID_BOSS, "not-my-confirm\n", "unlock",
	    "alice", (char *)NULL), 1);
	assert_non_null(strstr(T.err, "Wrong confirmation password"));
	assert_true(th_one_line(T.err));
	assert_int_equal(th_field(&T, "boss", "confirm_failures"), 1);
	assert_true(th_field_is(&T, "alice", "login", "locked"));
	/* the right one unlocks, and resets the master's confirm counter */
	assert_int_equal(th_client(&T, TH_UID_BOSS, TH_PW_BOSS_CONFIRM "\n",
	    "unlock", "alice", (char *)NULL), 0);
	assert_int_equal(th_field(&T, "boss", "confirm_failures"), 0);
	assert_true(th_field_is(&T, "alice", "login", "available"));
	assert_int_equal(th_pam_auth_nodelay("pwtest", "alice", TH_PW_ALICE_LOGIN, msg,
	    sizeof(msg)), PAM_SUCCESS);
	/* a user may not unlock anyone */
	assert_int_equal(th_client(&T, TH_UID_ALICE, TH_PW_ALICE_CONFIRM "\n",
	    "unlock", "boss", (char *)NULL), 1);
}

static void
test_unknown_user(void **state)
{
	char msg[1024];

	(void)state;
	assert_int_equal(th_pam_auth_nodelay("pwtest", "nosuchuser", "Whatever-123",
	    msg, sizeof(msg)), PAM_USER_UNKNOWN);
	assert_string_equal(msg, ""); /* same (no) message as a wrong password */
	/* it paid a dummy verification, like a wrong password */
	assert_int_equal(th_stat(&T, "hashes_evaluated"), 1);
	assert_int_equal(th_stat(&T, "hashes_dummy"), 1);
	/* a name the protocol refuses is unknown too, not an error */
	assert_int_equal(th_pam_auth_nodelay("pwtest", "bad name", "Whatever-123", msg,
	    sizeof(msg)), PAM_USER_UNKNOWN);
}

static void
test_daemon_down(void **state)
{
	const int ops[] = { PAMTEST_ACCOUNT };
	const int unavail[] = { PAM_AUTHINFO_UNAVAIL };
	char msg[1024];

	(void)state;
	assert_int_equal(th_pam_auth_nodelay("pwdown", "alice", TH_PW_ALICE_LOGIN, msg,
	    sizeof(msg)), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(th_pam("pwdown", "alice", NULL, ops, unavail, 1, msg,
	    sizeof(msg)), 1);
	/* and the real daemon, stopped, fails closed the same way */
	assert_int_equal(th_daemon_stop(&T), 0);
	assert_int_equal(th_pam_auth_nodelay("pwtest", "alice", TH_PW_ALICE_LOGIN, msg,
	    sizeof(msg)), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(th_client(&T, 0, "", "status", "alice", (char *)NULL), 3);
	assert_int_equal(th_daemon_start(&T, NULL, true), 0);
}

static void
test_unknown_module_argument_fails_closed(void **state)
{
	char msg[1024];

	(void)state;
	/* an argument the module does not know (nullok) must not be ignored */
	assert_int_equal(th_pam_auth_nodelay("pwbadarg", "alice", TH_PW_ALICE_LOGIN, msg,
	    sizeof(msg)), PAM_SERVICE_ERR);
}

/* A listener owned by another uid, that records whether it got any byte. */
static void
test_untrusted_socket_owner(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[4096], msg[1024], got = 0;
	int ready[2], st, fd, c;
	pid_t pid;

	(void)state;
	if (!th_is_root())
		skip(); /* needs a socket owned by another uid */
	th_path(&T, dir, sizeof(dir), "fake");
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(chown(dir, TH_UID_NOBODY, TH_UID_NOBODY), 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", dir);
	assert_int_equal(pipe(ready), 0);
	if ((pid = fork()) == 0) {
		if (setresgid(TH_UID_NOBODY, TH_UID_NOBODY, TH_UID_NOBODY) != 0 ||
		    setresuid(TH_UID_NOBODY, TH_UID_NOBODY, TH_UID_NOBODY) != 0)
			_exit(90);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
		    chmod(sa.sun_path, 0666) != 0 || listen(fd, 8) != 0)
			_exit(91);
		(void)!write(ready[1], "r", 1);
		alarm(10);
		/* accept what comes; exit 1 if any byte arrives */
		while ((c = accept(fd, NULL, NULL)) >= 0)
			if (read(c, &got, 1) > 0)
				_exit(1);
		_exit(0);
	}
	assert_int_equal(read(ready[0], &got, 1), 1);
	assert_int_equal(th_pam_auth_nodelay("pwfake", "alice", TH_PW_ALICE_LOGIN, msg,
	    sizeof(msg)), PAM_AUTHINFO_UNAVAIL);
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	/* killed by our SIGTERM while waiting: no password byte was sent */
	assert_true(WIFSIGNALED(st));
}

/*
 * A daemon (root's socket, so trusted) that says yes to every password but
 * does not say whose account it checked: the first reply names no account,
 * the second another one.  With `otp', the module must not take either for
 * "no token": the OTP step is never skipped by a gap in a reply.  The fake
 * exits 0 when it saw exactly two AUTH requests and nothing else.
 */
static void
fake_daemon(int lfd, int ready)
{
	size_t cap = 4 + PW_FRAME_MAX;
	uint8_t *buf = malloc(cap), type;
	struct pw_request *req = calloc(1, sizeof(*req));
	struct pw_reply *rep = calloc(1, sizeof(*rep));
	struct wire payload, w;
	int i, c;

	if (buf == NULL || req == NULL || rep == NULL)
		_exit(92);
	(void)!write(ready, "r", 1);
	alarm(10);
	for (i = 0; i < 2; i++) {
		if ((c = accept(lfd, NULL, NULL)) < 0 ||
		    frame_recv(c, buf, cap, &type, &payload,
		    frame_now_ms() + 5000) != PW_OK ||
		    proto_decode_req(&payload, type, req) != PW_OK ||
		    type != PW_REQ_AUTH)
			_exit(10 + i);
		memset(rep, 0, sizeof(*rep));
		rep->type = (uint8_t)(type | PW_REPLY);
		rep->status = PW_OK;
		if (i == 1) { /* someone else's account, with no token */
			rep->naccts = 1;
			snprintf(rep->accts[0].name, sizeof(rep->accts[0].name),
			    "mallory");
			rep->accts[0].otp = PW_OTP_NONE;
		}
		frame_begin(&w, buf, cap, rep->type);
		if (proto_encode_reply(&w, rep) != PW_OK ||
		    frame_send(c, &w, frame_now_ms() + 5000) != PW_OK)
			_exit(20 + i);
		close(c);
	}
	/* a third request (the one-time password) would be a failure */
	_exit(0);
}

static void
test_otp_gap_fails_closed(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[4096], msg[1024], got;
	int ready[2], st, fd;
	pid_t pid;

	(void)state;
	th_path(&T, dir, sizeof(dir), "fakeotp");
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(chmod(sa.sun_path, 0666), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(pipe(ready), 0);
	if ((pid = fork()) == 0)
		fake_daemon(fd, ready[1]);
	close(fd);
	assert_int_equal(read(ready[0], &got, 1), 1);
	/* no account in the reply */
	assert_int_equal(th_pam_auth_nodelay("pwfakeotp", "alice",
	    TH_PW_ALICE_LOGIN, msg, sizeof(msg)), PAM_AUTH_ERR);
	/* another account in the reply */
	assert_int_equal(th_pam_auth_nodelay("pwfakeotp", "alice",
	    TH_PW_ALICE_LOGIN, msg, sizeof(msg)), PAM_AUTH_ERR);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* pamtester as another uid, under its own pam_wrapper. */
static int
pamtester_as(uid_t uid, const char *user, const char *password)
{
	char svc[4096], input[256];
	int in[2], st;
	pid_t pid;

	th_path(&T, svc, sizeof(svc), "svc");
	snprintf(input, sizeof(input), "%s\n", password);
	assert_int_equal(pipe(in), 0);
	if ((pid = fork()) == 0) {
		char u[32], g[32];
		dup2(in[0], 0);
		close(in[1]);
		snprintf(u, sizeof(u), "--reuid=%u", (unsigned)uid);
		snprintf(g, sizeof(g), "--regid=%u", (unsigned)uid);
		setenv("PAM_WRAPPER_SERVICE_DIR", svc, 1);
		execlp("setpriv", "setpriv", u, g, "--clear-groups", "pamtester",
		    "pwtest", user, "authenticate", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	(void)!write(in[1], input, strlen(input));
	close(in[1]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
test_nonroot_peer(void **state)
{
	(void)state;
	if (!th_is_root())
		skip(); /* needs to switch uid */
	assert_int_equal(th_client(&T, 0, "Peer-login-pw1\nPeer-confirm-pw2\n",
	    "useradd", "mallory", "--role", "user", (char *)NULL), 0);
	/* uid 2004 (mallory) may authenticate herself ... */
	assert_int_equal(pamtester_as(TH_UID_MALLORY, "mallory",
	    "Peer-login-pw1"), 0);
	/* ... but not guess alice's password, even the right one */
	assert_int_not_equal(pamtester_as(TH_UID_MALLORY, "alice",
	    TH_PW_ALICE_LOGIN), 0);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 0);
	assert_int_equal(th_stat(&T, "hashes_evaluated"), 1);
	/* and not read alice's state */
	assert_int_equal(th_client(&T, TH_UID_MALLORY, "", "status", "alice",
	    (char *)NULL), 1);
}

static void
test_module_exports(void **state)
{
	char path[4096];
	void *h;

	(void)state;
	snprintf(path, sizeof(path), "%s/pam_pwadmin.so", T.build);
	assert_non_null(h = dlopen(path, RTLD_NOW | RTLD_LOCAL));
	assert_non_null(dlsym(h, "pam_sm_authenticate"));
	assert_non_null(dlsym(h, "pam_sm_acct_mgmt"));
	assert_non_null(dlsym(h, "pam_sm_setcred"));
	/* internals stay local */
	assert_null(dlsym(h, "conn_call"));
	assert_null(dlsym(h, "pw_to_pam"));
	assert_null(dlsym(h, "proto_encode_req"));
	dlclose(h);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_login_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_password, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_after_n, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locked_refused_without_hashing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlock_by_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlock_by_master, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_daemon_down, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_unknown_module_argument_fails_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_otp_gap_fails_closed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_untrusted_socket_owner, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_nonroot_peer, setup, teardown),
		cmocka_unit_test(test_module_exports),
		cmocka_unit_test_setup_teardown(test_account_from_auth, setup,
		    teardown),
	};
	int rc;

	th_init_files(&T, argc, argv, services, files);
	rc = cmocka_run_group_tests_name("integration: login through PAM",
	    tests, NULL, NULL);
	th_cleanup(&T);
	return rc;
}
