/* SPDX-License-Identifier: MIT */
/*
 * Hardening, through real PAM calls, a real daemon and the real client: a
 * step-up line's own prompt, hashes that cannot run, setuid-root callers,
 * root's worker at every pool size, and log floods.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>
#include <libpamtest.h>

#include "conn.h"
#include "frame.h"
#include "harness.h"
#include "proto.h"
#include "pwerr.h"

static struct th T;

static const char *const services[] = {
	"pwtest|socket=@DIR@/sock",
	NULL,
};

#define LINE(args) "auth required @BUILD@/pam_pwadmin.so socket=@DIR@/sock " \
	args "\n"
#define PERMIT "account required pam_permit.so\n"

/* A login line, then a step-up line (factor=confirm). */
static const char svc_stepup[] = LINE("") LINE("factor=confirm") PERMIT;
/* The step-up line first: it must leave nothing in PAM_AUTHTOK. */
static const char svc_confirm_first[] = LINE("factor=confirm") LINE("")
    PERMIT;
/* An explicit use_first_pass: the step-up line takes the login password. */
static const char svc_confirm_ufp[] = LINE("") LINE("factor=confirm "
    "use_first_pass") PERMIT;
/* Debian's shape: common-auth included, then the step-up line (sudo). */
static const char svc_common_auth[] =
    "auth [success=1 default=ignore] @BUILD@/pam_pwadmin.so "
    "socket=@DIR@/sock\n"
    "auth requisite pam_deny.so\n"
    "auth required pam_permit.so\n";
/* (pam_wrapper leaves @include to libpam, which looks in /etc/pam.d for a
 * relative name: the included file goes by its absolute path here) */
static const char svc_sudo[] = "@include @DIR@/svc/pwcommon-auth\n"
    LINE("factor=confirm") PERMIT;

static const struct th_svcfile files[] = {
	{ "pwstepup", svc_stepup },
	{ "pwconfirmfirst", svc_confirm_first },
	{ "pwconfirmufp", svc_confirm_ufp },
	{ "pwcommon-auth", svc_common_auth },
	{ "pwsudo", svc_sudo },
	{ NULL, NULL },
};

#define WRONG "Wrong-guess-99"

static int
teardown(void **state)
{
	(void)state;
	return T.daemon > 0 ? th_daemon_stop(&T) : 0;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One authentication on `service' answering `answers' in order. */
static int
auth_script(const char *service, const char *user, const char *const *answers,
    struct th_script *s)
{
	struct pam_testcase tc[] = { pam_test(PAMTEST_AUTHENTICATE,
	    PAM_SUCCESS) };

	memset(s, 0, sizeof(*s));
	s->answers = answers;
	(void)th_pam_script(service, user, s, tc, 1);
	return tc[0].op_rv;
}

/* ==== A step-up line asks its own password ==== */

static void
test_stepup_asks_its_own(void **state)
{
	const char *const login_then_confirm[] = { TH_PW_ALICE_LOGIN,
		TH_PW_ALICE_CONFIRM, NULL };
	const char *const confirm_then_login[] = { TH_PW_ALICE_CONFIRM,
		TH_PW_ALICE_LOGIN, NULL };
	struct th_script s;
	int i;

	(void)state;
	assert_int_equal(th_start_seeded(&T, NULL), 0);
	for (i = 0; i < 10; i++) {
		assert_int_equal(auth_script("pwstepup", "alice",
		    login_then_confirm, &s), PAM_SUCCESS);
		assert_string_equal(s.prompts,
		    "Password: \nConfirmation password: ");
		assert_int_equal(auth_script("pwsudo", "alice",
		    login_then_confirm, &s), PAM_SUCCESS);
		assert_string_equal(s.prompts,
		    "Password: \nConfirmation password: ");
		/* first, it leaves PAM_AUTHTOK to the login line's prompt */
		assert_int_equal(auth_script("pwconfirmfirst", "alice",
		    confirm_then_login, &s), PAM_SUCCESS);
		assert_string_equal(s.prompts,
		    "Confirmation password: \nPassword: ");
	}
	assert_int_equal(th_field(&T, "alice", "login_failures"), 0);
	assert_int_equal(th_field(&T, "alice", "confirm_failures"), 0);
	assert_true(th_field_is(&T, "alice", "confirm", "available"));
}

/* use_first_pass, said explicitly, is honoured: one prompt, and the login
 * password checked as the confirmation password fails and counts. */
static void
test_stepup_use_first_pass(void **state)
{
	const char *const answers[] = { TH_PW_ALICE_LOGIN, NULL };
	struct th_script s;

	(void)state;
	assert_int_equal(th_start_seeded(&T, NULL), 0);
	assert_int_equal(auth_script("pwconfirmufp", "alice", answers, &s),
	    PAM_AUTH_ERR);
	assert_string_equal(s.prompts, "Password: ");
	assert_int_equal(th_field(&T, "alice", "confirm_failures"), 1);
}

/* ==== A hash that cannot run is no verdict ==== */

/* The daemon's address-space size in bytes (VmSize), or 0. */
static unsigned long long
vm_size(pid_t pid)
{
	char path[64], line[256];
	unsigned long long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmSize: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

static int
limit_as(pid_t pid, rlim_t bytes)
{
	/* the soft limit only: lifting it again needs no capability */
	struct rlimit rl = { bytes, RLIM_INFINITY };
	int rc = prlimit(pid, RLIMIT_AS, &rl, NULL);

	if (rc != 0)
		fprintf(stderr, "prlimit %d: %s\n", (int)pid, strerror(errno));
	return rc;
}

/*
 * With its address space limited below one Argon2 arena (64 MiB here),
 * the daemon cannot run a hash: the right password never locks anything,
 * wrong ones are not counted, every answer is "unavailable", and the
 * failures show in stats.  Lifted, everything works as before.
 */
static void
test_hash_error_counts_nothing(void **state)
{
	char msg[256];
	unsigned long long vm;
	long long before;
	int i;

	(void)state;
	if (strstr(getenv("LD_PRELOAD") != NULL ? getenv("LD_PRELOAD") : "",
	    "libasan") != NULL)
		skip(); /* ASan's shadow memory defeats an RLIMIT_AS */
	assert_int_equal(th_start_seeded(&T, "argon2_mem_kib = 65536\n"
	    "hash_workers = 1\n"), 0);
	assert_true((vm = vm_size(T.daemon)) > 0);
	assert_int_equal(limit_as(T.daemon, (rlim_t)(vm + (24u << 20))), 0);
	before = th_stat(&T, "hash_errors");
	for (i = 0; i < 7; i++)
		assert_int_equal(th_pam_auth_nodelay("pwtest", "alice",
		    TH_PW_ALICE_LOGIN, msg, sizeof(msg)), PAM_AUTHINFO_UNAVAIL);
	for (i = 0; i < 3; i++)
		assert_int_equal(th_pam_auth_nodelay("pwtest", "alice", WRONG,
		    msg, sizeof(msg)), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 0);
	assert_true(th_field_is(&T, "alice", "login", "available"));
	/* the history and reset comparisons, and new hashes, likewise */
	assert_true(th_exited(&T, th_client(&T, TH_UID_ALICE,
	    TH_PW_ALICE_LOGIN "\nBrand-new-login-7\n", "passwd", "--login",
	    (char *)NULL), 3));
	assert_true(th_exited(&T, th_client(&T, 0, "Brand-new-login-7\n",
	    "reset", "alice", "--login", (char *)NULL), 3));
	assert_int_equal(th_field(&T, "alice", "login_failures"), 0);
	assert_true(th_stat(&T, "hash_errors") >= before + 12);
	assert_int_equal(th_stat(&T, "hashes_evaluated"), 0);

	assert_int_equal(limit_as(T.daemon, RLIM_INFINITY), 0);
	assert_int_equal(th_pam_auth_nodelay("pwtest", "alice",
	    TH_PW_ALICE_LOGIN, msg, sizeof(msg)), PAM_SUCCESS);
	assert_int_equal(th_pam_auth_nodelay("pwtest", "alice", WRONG, msg,
	    sizeof(msg)), PAM_AUTH_ERR);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 1);
}

/* ==== setuid-root callers are charged to their user ==== */

struct flood {
	int n;			/* connections at once */
	uint32_t caller;	/* the real uid they claim */
	const char *user;	/* whose right password they send (alice) */
	const char *password;
	volatile int stop;
	int ok, refused;	/* answers, and connections cut off */
	pthread_mutex_t mu;
};

/* One flooder: the right password of alice, again and again, as su would
 * send it for a user who loops `su alice'. */
static void *
flood_one(void *arg)
{
	struct flood *f = arg;
	struct conn_trust t;
	struct pw_request *req = calloc(1, sizeof(*req));
	struct pw_reply *rep = calloc(1, sizeof(*rep));
	int r;

	memset(&t, 0, sizeof(t));
	conn_trust_add(&t, 0);
	conn_trust_add(&t, geteuid());
	if (req == NULL || rep == NULL)
		goto out;
	req->type = PW_REQ_AUTH;
	req->caller_uid = f->caller;
	snprintf(req->user, sizeof(req->user), "%s",
	    f->user != NULL ? f->user : "alice");
	snprintf(req->service, sizeof(req->service), "su");
	req->nsecrets = 1;
	if (proto_secret_set(&req->secret[0], f->password != NULL ?
	    f->password : TH_PW_ALICE_LOGIN) != PW_OK)
		goto out;
	while (!f->stop) {
		r = conn_call(T.sock, &t, 30000, req, rep);
		pthread_mutex_lock(&f->mu);
		if (r == PW_OK)
			f->ok++;
		else
			f->refused++;
		pthread_mutex_unlock(&f->mu);
		if (r != PW_OK)
			usleep(1000); /* a refused su is started again */
	}
out:
	free(req);
	free(rep);
	return NULL;
}

/* Root's login (PAM as in sshd: real uid 0) behind the flood: seconds. */
static double
login_behind_flood(struct flood *f, int *rv)
{
	pthread_t *tids = calloc((size_t)f->n, sizeof(*tids));
	char msg[256];
	double t0, dt;
	int i;

	assert_non_null(tids);
	pthread_mutex_init(&f->mu, NULL);
	for (i = 0; i < f->n; i++)
		assert_int_equal(pthread_create(&tids[i], NULL, flood_one, f), 0);
	usleep(300000); /* the flood is in full swing */
	t0 = now_s();
	*rv = th_pam_auth_nodelay("pwtest", "boss", TH_PW_BOSS_LOGIN, msg,
	    sizeof(msg));
	dt = now_s() - t0;
	f->stop = 1;
	for (i = 0; i < f->n; i++)
		pthread_join(tids[i], NULL);
	free(tids);
	return dt;
}

static void
test_setuid_callers_charged_to_user(void **state)
{
	struct flood f = { .n = 300, .caller = TH_UID_ALICE };
	struct rlimit rl = { 4096, 4096 };
	double dt;
	int rv;

	(void)state;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
	assert_int_equal(th_start_seeded(&T, "argon2_mem_kib = 16384\n"
	    "hash_workers = 2\nrequest_timeout = 30\n"), 0);
	dt = login_behind_flood(&f, &rv);
	printf("login behind %d setuid-root connections of uid %u: %.3f s "
	    "(%d answered, %d cut off)\n", f.n, (unsigned)f.caller, dt, f.ok,
	    f.refused);
	assert_int_equal(rv, PAM_SUCCESS);
	assert_true(dt < 3.0);
	/* they were charged to alice: most were cut off by her cap */
	assert_true(f.refused > 0);
	assert_true(th_stat(&T, "connections_refused_limit") > 0);
}

/* ==== Root finds a worker with one worker ==== */

static void
test_one_worker_root_first(void **state)
{
	struct flood f = { .n = 8, .caller = TH_UID_ALICE };
	double dt, worst = 0;
	int rv, i;

	(void)state;
	assert_int_equal(th_start_seeded(&T, "argon2_mem_kib = 16384\n"
	    "hash_workers = 1\n"), 0);
	for (i = 0; i < 3; i++) {
		f.stop = 0;
		dt = login_behind_flood(&f, &rv);
		assert_int_equal(rv, PAM_SUCCESS);
		if (dt > worst)
			worst = dt;
	}
	printf("one hash worker: root's login behind 8 user connections, "
	    "worst of 3: %.3f s (%d user answers)\n", worst, f.ok);
	assert_true(f.ok > 0);
	/* the hash in progress (about 15 ms), not the users that waited
	 * longer: they age only by root's starts (up to 1.7 s when they
	 * aged by time) */
	assert_true(worst < 0.5);
}

/*
 * The other way round: a steady load of root's requests (an sshd under
 * brute force) does not starve a user's su: after yielding a few hash
 * times, it takes the next worker.
 */
static void
test_one_worker_user_not_starved(void **state)
{
	struct flood f = { .n = 8, .caller = 0, .user = "boss",
		.password = TH_PW_BOSS_LOGIN };
	pthread_t *tids = calloc((size_t)f.n, sizeof(*tids));
	struct pw_request *req = calloc(1, sizeof(*req));
	struct pw_reply *rep = calloc(1, sizeof(*rep));
	struct conn_trust t;
	double t0, dt;
	int i, r;

	(void)state;
	assert_non_null(tids);
	assert_non_null(req);
	assert_non_null(rep);
	assert_int_equal(th_start_seeded(&T, "argon2_mem_kib = 16384\n"
	    "hash_workers = 1\nslot_wait_timeout = 5\n"), 0);
	pthread_mutex_init(&f.mu, NULL);
	for (i = 0; i < f.n; i++)
		assert_int_equal(pthread_create(&tids[i], NULL, flood_one, &f),
		    0);
	usleep(300000);
	memset(&t, 0, sizeof(t));
	conn_trust_add(&t, 0);
	req->type = PW_REQ_AUTH;
	req->caller_uid = TH_UID_ALICE; /* su run by alice */
	snprintf(req->user, sizeof(req->user), "alice");
	req->nsecrets = 1;
	assert_int_equal(proto_secret_set(&req->secret[0], TH_PW_ALICE_LOGIN),
	    PW_OK);
	t0 = now_s();
	r = conn_call(T.sock, &t, 30000, req, rep);
	dt = now_s() - t0;
	f.stop = 1;
	for (i = 0; i < f.n; i++)
		pthread_join(tids[i], NULL);
	printf("one hash worker: a user's su behind 8 root connections: %.3f s "
	    "(%d root answers)\n", dt, f.ok);
	assert_int_equal(r, PW_OK);
	assert_int_equal(rep->status, PW_OK);
	assert_true(dt < 2.0);
	assert_true(f.ok > 0);
	free(tids);
	free(req);
	free(rep);
}

/* ==== Log floods are summarised ==== */

static int
connect_sock(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", T.sock);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Lines of the daemon's log holding `needle'. */
static int
log_count(const char *needle)
{
	char line[2048];
	int n = 0;
	FILE *f = fopen(T.log, "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

/* A local user's malformed requests, as fast as it can send them. */
static void
flood_bad_requests(int n)
{
	static const unsigned char bad[] = { 0, 0, 0, 2, PW_PROTO_VERSION, 0x63 };
	char b[64];
	int i, fd;

	if (setresgid(TH_UID_MALLORY, TH_UID_MALLORY, TH_UID_MALLORY) ||
	    setresuid(TH_UID_MALLORY, TH_UID_MALLORY, TH_UID_MALLORY))
		_exit(90);
	for (i = 0; i < n; i++) {
		if ((fd = connect_sock()) < 0)
			continue;
		(void)!write(fd, bad, sizeof(bad));
		(void)!read(fd, b, sizeof(b));
		close(fd);
	}
	_exit(0);
}

static void
test_log_flood_summarised(void **state)
{
	int st, lines_before, bad, total;
	long long folded;
	pid_t pid;

	(void)state;
	if (!th_is_root())
		skip(); /* needs another uid */
	assert_int_equal(th_start_seeded(&T, "log_window = 2\n"), 0);
	lines_before = log_count("");
	if ((pid = fork()) == 0)
		flood_bad_requests(3000);
	/* an audited command in the middle of the flood */
	usleep(100000);
	assert_int_equal(th_client(&T, 0, "", "suspend", "alice", (char *)NULL),
	    0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	sleep(3); /* the window is over: the summary is written */
	bad = log_count("bad request from uid=2004");
	total = log_count("") - lines_before;
	folded = th_stat(&T, "log_lines_suppressed");
	printf("3000 bad requests: %d lines of them, %d lines in all, %lld "
	    "folded\n", bad, total, folded);
	assert_true(bad >= 1 && bad <= 5 * 3);
	assert_true(total < 200);
	assert_true(folded >= 3000 - 5 * 3);
	assert_true(log_count("bad requests from uid=2004: ") >= 1);
	assert_int_equal(log_count("action=suspend target=alice"), 1);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_stepup_asks_its_own, teardown),
		cmocka_unit_test_teardown(test_stepup_use_first_pass, teardown),
		cmocka_unit_test_teardown(test_hash_error_counts_nothing,
		    teardown),
		cmocka_unit_test_teardown(test_setuid_callers_charged_to_user,
		    teardown),
		cmocka_unit_test_teardown(test_one_worker_root_first, teardown),
		cmocka_unit_test_teardown(test_one_worker_user_not_starved,
		    teardown),
		cmocka_unit_test_teardown(test_log_flood_summarised, teardown),
	};
	int rc;

	th_init_files(&T, argc, argv, services, files);
	rc = cmocka_run_group_tests_name("integration: hardening", tests, NULL,
	    NULL);
	th_cleanup(&T);
	return rc;
}
