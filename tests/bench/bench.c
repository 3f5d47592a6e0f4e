/* SPDX-License-Identifier: MIT */
/*
 * `make bench': prints latency and throughput figures for a real pwadmind
 * at the product's default Argon2id cost, driven through real PAM calls.
 * It measures and prints; it asserts nothing about speed.
 */
#include <sys/stat.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <crypt.h>
#include <security/pam_appl.h>
#include <sodium.h>

#include "harness.h"
#include "wipe.h"

/* Argon2id's cost: the product default (libsodium INTERACTIVE), or the
 * environment's PWBENCH_MEM_KIB (e.g. one calibrated to a bare yescrypt
 * verify: make bench PWBENCH_MEM_KIB=16384) */
#define BENCH_OPS	2	/* passes */
#define BENCH_MEM_KIB	mem_kib
static int mem_kib = 65536;	/* KiB */
#define BENCH_N		40	/* timed attempts, rows 1-2 */
#define BENCH_N_LOCKED	200	/* timed refusals, row 3 */
#define BENCH_WARMUP	2	/* untimed attempts first */
#define BENCH_SECS	5	/* seconds per throughput run */
#define BENCH_USERS	8	/* accounts user1..user8, row 4c */
#define BENCH_THREADS_MAX 8	/* threads per run, at most */
#define BENCH_MAX_FAIL	5	/* max_login_failures default */
#define BENCH_SERVICE	"pwbench"
#define BENCH_PW_LOGIN	"Bench-login-pw1"
#define BENCH_PW_CONF	"Bench-confirm-pw2"
#define BENCH_PW_WRONG	"Wrong-guess-99"

static struct th T;

static const char *const services[] = {
	BENCH_SERVICE "|socket=@DIR@/sock",
	"pwb1|socket=@DIR@/host1.sock",
	"pwb2|socket=@DIR@/host2.sock",
	NULL,
};
/*
 * The stock stack in the same run: pam_unix with pam_faillock as its
 * manual and Debian set them up (preauth refuses a locked account before
 * pam_unix hashes), over a shadow file of nss_wrapper's with yescrypt
 * hashes at libxcrypt's default cost.
 */
#define FL_DIR "@DIR@/faillock"
#define FL_ARGS "dir=" FL_DIR " deny=5 unlock_time=0"
static const char svc_faillock[] =
	"auth requisite pam_faillock.so preauth " FL_ARGS "\n"
	"auth [success=1 default=bad] pam_unix.so\n"
	"auth [default=die] pam_faillock.so authfail " FL_ARGS "\n"
	"auth sufficient pam_faillock.so authsucc " FL_ARGS "\n"
	"auth required pam_deny.so\n"
	"account required pam_faillock.so " FL_ARGS "\n"
	"account required pam_unix.so\n";
static const struct th_svcfile files[] = {
	{ "pwfaillock", svc_faillock },
	{ NULL, NULL },
};
#define FL_PW "Unix-login-pw1"
static char fl_hash[CRYPT_OUTPUT_SIZE];
static char fl_shadow[] = "/tmp/pwbench-shadow.XXXXXX";

/* the service of each fleet host: host 0 is the main daemon */
static const char *const host_service[] = { BENCH_SERVICE, "pwb1", "pwb2" };
#define BENCH_HOSTS 3
#define BENCH_RACE  64 /* attempts of the fleet race */
#define BENCH_RACES 10 /* its repetitions */

typedef void (*fail_delay_fn)(int, unsigned int, void *);
_Static_assert(sizeof(fail_delay_fn) == sizeof(const void *),
    "a function pointer fits a PAM item");

struct lat {
	double median;	/* ms */
	double p99;	/* ms, nearest rank */
};

struct run {
	pthread_barrier_t *go;
	const char *service;
	const char *user;
	const char *password;
	const char *hash;	/* verify this in-process instead of PAM */
	double deadline;	/* ms, CLOCK_MONOTONIC */
	double end;		/* ms, when its last attempt returned */
	long ok;
	long failed;
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* Sorts v[n] in place; the median and the nearest-rank 99th percentile. */
static struct lat
summarize(double *v, size_t n)
{
	struct lat l;
	size_t rank = (size_t)ceil(0.99 * (double)n);

	qsort(v, n, sizeof(*v), cmp_double);
	l.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	l.p99 = v[rank > 0 ? rank - 1 : 0];
	return l;
}

/* The application's fail delay: none, so we time the module and daemon. */
static void
nodelay(int retval, unsigned int usec, void *appdata)
{
	(void)retval;
	(void)usec;
	(void)appdata;
}

/* Answers every prompt with the password in arg; ignores messages. */
static int
conv_pw(int n, const struct pam_message **msg, struct pam_response **resp,
    void *arg)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int i;

	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF &&
		    msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		if ((r[i].resp = strdup(arg)) == NULL) {
			while (i-- > 0) {
				if (r[i].resp != NULL)
					pw_wipe(r[i].resp, strlen(r[i].resp));
				free(r[i].resp);
			}
			free(r);
			return PAM_BUF_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

/*
 * A login as sshd or login makes it: pam_start, a no-op PAM_FAIL_DELAY,
 * pam_authenticate, pam_acct_mgmt when that succeeded, pam_end; the code
 * of the last call.
 */
static int
pam_on(const char *service, const char *user, const char *password)
{
	struct pam_conv conv = { conv_pw, (void *)(uintptr_t)password };
	union {
		fail_delay_fn fn;
		const void *item;
	} delay = { .fn = nodelay };
	pam_handle_t *h = NULL;
	int rv;

	if ((rv = pam_start(service, user, &conv, &h)) != PAM_SUCCESS)
		return rv;
	if ((rv = pam_set_item(h, PAM_FAIL_DELAY, delay.item)) == PAM_SUCCESS &&
	    (rv = pam_authenticate(h, 0)) == PAM_SUCCESS)
		rv = pam_acct_mgmt(h, 0);
	pam_end(h, rv);
	return rv;
}

static int
pam_once(const char *user, const char *password)
{
	return pam_on(BENCH_SERVICE, user, password);
}

/*
 * nss_wrapper's shadow file, before anything asks NSS: alice and bob with
 * one yescrypt hash of FL_PW (libxcrypt's default cost), as chpasswd
 * writes them.
 */
static int
faillock_shadow(void)
{
	struct crypt_data cd;
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	long days = (long)(time(NULL) / 86400);
	FILE *f;
	int fd;

	memset(&cd, 0, sizeof(cd));
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, setting, sizeof(setting)) ==
	    NULL || crypt_r(FL_PW, setting, &cd) == NULL ||
	    cd.output[0] != '$')
		return -1;
	snprintf(fl_hash, sizeof(fl_hash), "%s", cd.output);
	if ((fd = mkstemp(fl_shadow)) < 0 || (f = fdopen(fd, "w")) == NULL)
		return -1;
	fprintf(f, "alice:%s:%ld:0:99999:7:::\nbob:%s:%ld:0:99999:7:::\n",
	    fl_hash, days, fl_hash, days);
	fclose(f);
	return setenv("NSS_WRAPPER_SHADOW", fl_shadow, 1);
}

static void print_lat(const char *label, int n, struct lat l,
    const char *note);

/* build/bench/bench -> build/tests/libspnam.so, preloaded by th_init. */
static int
spnam_shim(void)
{
	char exe[PATH_MAX], shim[PATH_MAX + 32], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return -1;
	*slash = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return -1;
	*slash = '\0';
	snprintf(shim, sizeof(shim), "%s/tests/libspnam.so", exe);
	if (access(shim, R_OK) != 0)
		return -1;
	return setenv("PWTEST_SELF_PRELOAD", shim, 1);
}

/* Rows 1f-3f: the stock stack, timed as rows 1-3. */
static void
faillock_rows(void)
{
	static double t[BENCH_N_LOCKED];
	char dir[PATH_MAX];
	struct crypt_data cd;
	struct lat bare, ok, locked;
	double t0;
	int i, bad = 0, bad_lock = 0;

	th_path(&T, dir, sizeof(dir), "faillock");
	if (mkdir(dir, 0700) != 0) {
		printf("     (no pam_faillock rows: cannot make %s)\n", dir);
		return;
	}
	for (i = -BENCH_WARMUP; i < BENCH_N; i++) {
		memset(&cd, 0, sizeof(cd));
		t0 = now_ms();
		if (crypt_r(FL_PW, fl_hash, &cd) == NULL ||
		    strcmp(cd.output, fl_hash) != 0)
			bad++;
		if (i >= 0)
			t[i] = now_ms() - t0;
	}
	bare = summarize(t, BENCH_N);
	for (i = -BENCH_WARMUP; i < BENCH_N; i++) {
		t0 = now_ms();
		if (pam_on("pwfaillock", "alice", FL_PW) != PAM_SUCCESS)
			bad++;
		if (i >= 0)
			t[i] = now_ms() - t0;
	}
	ok = summarize(t, BENCH_N);
	/* five wrong passwords lock bob; then the right one, timed */
	for (i = 0; i < 5; i++)
		(void)pam_on("pwfaillock", "bob", BENCH_PW_WRONG);
	for (i = -BENCH_WARMUP; i < BENCH_N_LOCKED; i++) {
		t0 = now_ms();
		if (pam_on("pwfaillock", "bob", FL_PW) != PAM_AUTH_ERR)
			bad_lock++;
		if (i >= 0)
			t[i] = now_ms() - t0;
	}
	locked = summarize(t, BENCH_N_LOCKED);
	printf("\nThe stock stack in this run: pam_unix (%.*s) + pam_faillock "
	    "deny=5\n", 7, fl_hash);
	print_lat("1f. bare yescrypt verify (crypt_r)", BENCH_N, bare,
	    "(in this process)");
	print_lat("2f. PAM login, right password (alice)", BENCH_N, ok, "");
	printf("     time beyond one bare verify = %.3f ms (median 2f - median "
	    "1f; pam_unix may hash more than once)\n", ok.median -
	    bare.median);
	print_lat("3f. PAM login, locked account (bob)", BENCH_N_LOCKED,
	    locked, "");
	if (bad > 0 || bad_lock > 0)
		printf("     WARNING: %d verifications or logins of rows 1f-2f "
		    "and %d of row 3f went otherwise\n", bad, bad_lock);
}

/* The 1-minute load average, from /proc/loadavg (-1 when unreadable). */
static double
loadavg(void)
{
	char buf[64] = "";
	FILE *f = fopen("/proc/loadavg", "r");
	double l = -1;

	if (f != NULL && fgets(buf, sizeof(buf), f) != NULL)
		l = strtod(buf, NULL);
	if (f != NULL)
		fclose(f);
	return l;
}

static void
print_machine(void)
{
	char line[512], model[256] = "unknown";
	const char *v;
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "model name", 10) != 0 ||
		    (v = strchr(line, ':')) == NULL)
			continue;
		v += strspn(v + 1, " \t") + 1;
		snprintf(model, sizeof(model), "%.*s", (int)strcspn(v, "\n"),
		    v);
		break;
	}
	if (f != NULL)
		fclose(f);
	printf("machine     %ld online CPUs, %s; load average %.2f at the "
	    "start\n", sysconf(_SC_NPROCESSORS_ONLN), model, loadavg());
}

/*
 * Rows 1 and 2, interleaved so that both see the same machine load: a
 * bare crypto_pwhash_str_verify at the daemon's cost in this process (of
 * a hash made into h), then a PAM login of alice; d gets the differences
 * of each pair.  Returns the number of logins that failed, or -1 when the
 * bare hashing failed.
 */
static int
bench_pair(char h[crypto_pwhash_STRBYTES], struct lat *bare, struct lat *pam,
    struct lat *d)
{
	double tb[BENCH_N], tp[BENCH_N], td[BENCH_N], t0, t1;
	size_t pwlen = strlen(BENCH_PW_LOGIN);
	int i, bad = 0;

	if (crypto_pwhash_str(h, BENCH_PW_LOGIN, pwlen, BENCH_OPS,
	    (size_t)BENCH_MEM_KIB * 1024) != 0)
		return -1;
	for (i = -BENCH_WARMUP; i < BENCH_N; i++) {
		t0 = now_ms();
		if (crypto_pwhash_str_verify(h, BENCH_PW_LOGIN, pwlen) != 0)
			return -1;
		t1 = now_ms();
		if (pam_once("alice", TH_PW_ALICE_LOGIN) != PAM_SUCCESS)
			bad++;
		if (i >= 0) {
			tb[i] = t1 - t0;
			tp[i] = now_ms() - t1;
			td[i] = tp[i] - tb[i];
		}
	}
	*bare = summarize(tb, BENCH_N);
	*pam = summarize(tp, BENCH_N);
	*d = summarize(td, BENCH_N);
	return bad;
}

/*
 * n timed PAM attempts (after untimed warm-ups), each expected to return
 * `want'; returns the number that did not.
 */
static int
bench_pam(const char *user, const char *password, int want, double *t,
    int n, struct lat *l)
{
	double t0;
	int i, bad = 0;

	for (i = -BENCH_WARMUP; i < n; i++) {
		t0 = now_ms();
		if (pam_once(user, password) != want)
			bad++;
		if (i >= 0)
			t[i] = now_ms() - t0;
	}
	*l = summarize(t, (size_t)n);
	return bad;
}

static int
useradd(const char *user)
{
	if (th_client(&T, 0, BENCH_PW_LOGIN "\n" BENCH_PW_CONF "\n", "useradd",
	    user, "--role", "user", (char *)NULL) == 0)
		return 0;
	fprintf(stderr, "bench: useradd %s: %s%s", user, T.out, T.err);
	return -1;
}

/*
 * Root's reset of both passwords, without the must-change mark, so that
 * a login (authentication and account phase) succeeds as a usable
 * account's does.
 */
static int
usable(const char *user, const char *login, const char *confirm)
{
	char in[128];

	snprintf(in, sizeof(in), "%s\n%s\n", login, confirm);
	if (th_client(&T, 0, in, "--stdin", "reset", user, "--no-force-change",
	    (char *)NULL) == 0)
		return 0;
	fprintf(stderr, "bench: reset %s: %s%s", user, T.out, T.err);
	return -1;
}

/* boss, alice, bob, user1..user8 (usable); then bob is locked by wrong
 * guesses. */
static int
seed(void)
{
	char name[16];
	int i, rv;

	if (th_seed(&T) != 0 || useradd("bob") != 0 ||
	    usable("alice", TH_PW_ALICE_LOGIN, TH_PW_ALICE_CONFIRM) != 0)
		return -1;
	for (i = 1; i <= BENCH_USERS; i++) {
		snprintf(name, sizeof(name), "user%d", i);
		if (useradd(name) != 0 ||
		    usable(name, BENCH_PW_LOGIN, BENCH_PW_CONF) != 0)
			return -1;
	}
	for (i = 1; i <= BENCH_MAX_FAIL; i++) {
		rv = pam_once("bob", BENCH_PW_WRONG);
		if (rv != (i < BENCH_MAX_FAIL ? PAM_AUTH_ERR : PAM_MAXTRIES)) {
			fprintf(stderr, "bench: locking bob: attempt %d: %s\n",
			    i, pam_strerror(NULL, rv));
			return -1;
		}
	}
	return 0;
}

static void *
run_thread(void *arg)
{
	struct run *r = arg;

	size_t len = strlen(r->password);
	bool ok;

	pthread_barrier_wait(r->go);
	do {
		if (r->hash != NULL)
			ok = crypto_pwhash_str_verify(r->hash, r->password,
			    len) == 0;
		else
			ok = pam_on(r->service, r->user, r->password) ==
			    PAM_SUCCESS;
		if (ok)
			r->ok++;
		else
			r->failed++;
	} while ((r->end = now_ms()) < r->deadline);
	return NULL;
}

/*
 * n threads log in with the right password for BENCH_SECS; users[i % nu]
 * (or, when hash is not NULL, verify BENCH_PW_LOGIN against it).  Returns
 * logins per second (successes over the time until the last thread's last
 * login returned), or -1; *failed gets the failures.
 */
static double
throughput(int n, const char *const *users, int nu, const char *hash,
    int hosts, long *ok, long *failed)
{
	pthread_barrier_t go;
	pthread_t tid[BENCH_THREADS_MAX];
	struct run r[BENCH_THREADS_MAX];
	double start, end = 0;
	int i;

	*ok = *failed = 0;
	if (pthread_barrier_init(&go, NULL, (unsigned int)n + 1) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].go = &go;
		r[i].hash = hash;
		r[i].user = users[i % nu];
		r[i].service = host_service[i % hosts];
		r[i].password = hash == NULL &&
		    strcmp(r[i].user, "alice") == 0 ?
		    TH_PW_ALICE_LOGIN : BENCH_PW_LOGIN;
		if (pthread_create(&tid[i], NULL, run_thread, &r[i]) != 0) {
			fprintf(stderr, "bench: cannot start a thread\n");
			th_cleanup(&T);
			exit(1);
		}
	}
	start = now_ms();
	for (i = 0; i < n; i++)
		r[i].deadline = start + BENCH_SECS * 1e3;
	pthread_barrier_wait(&go);
	for (i = 0; i < n; i++) {
		pthread_join(tid[i], NULL);
		*ok += r[i].ok;
		*failed += r[i].failed;
		end = r[i].end > end ? r[i].end : end;
	}
	pthread_barrier_destroy(&go);
	return (double)*ok / ((end - start) / 1e3);
}

/* params: a hash string; only its "$argon2id$v=..$m=..,t=..,p=.." part. */
static void
print_header(const char *hash)
{
	const char *salt = strchr(hash + 1, '$');
	int i;

	for (i = 0; i < 2 && salt != NULL; i++)
		salt = strchr(salt + 1, '$');
	printf("pwadmin benchmark (figures only; nothing here is a pass/fail "
	    "test)\n");
	print_machine();
	printf("argon2id    argon2_ops = %d, argon2_mem_kib = %d (libsodium "
	    "INTERACTIVE, the product default, unless PWBENCH_MEM_KIB): "
	    "%.*s\n", BENCH_OPS,
	    BENCH_MEM_KIB, salt != NULL ? (int)(salt - hash) : 0, hash);
	printf("daemon      hash_workers = %ld (default: one per CPU), "
	    "max_login_failures = %d\n", sysconf(_SC_NPROCESSORS_ONLN),
	    BENCH_MAX_FAIL);
	printf("PAM         each attempt is pam_start + pam_authenticate + "
	    "pam_acct_mgmt (after a success) + pam_end,\n"
	    "            with a PAM_FAIL_DELAY callback that does not sleep "
	    "(the module asks for 2 s)\n\n");
}

static void
print_lat(const char *label, int n, struct lat l, const char *note)
{
	printf("  %-40s %5d %10.3f %10.3f%s%s\n", label, n, l.median, l.p99,
	    note[0] != '\0' ? "  " : "", note);
}

/* Rows 1-3: latencies; 0, or -1 when the daemon could not be asked. */
static int
latencies(double *bare_median, char hash[crypto_pwhash_STRBYTES])
{
	static double t[BENCH_N_LOCKED];
	struct lat bare, ok, diff, locked;
	long long h0, h1, r0, r1, au0, ac0, au1, ac1;
	int bad_ok, bad_locked;

	au0 = th_stat(&T, "requests_auth");
	ac0 = th_stat(&T, "requests_account");
	if ((bad_ok = bench_pair(hash, &bare, &ok, &diff)) < 0)
		return -1;
	au1 = th_stat(&T, "requests_auth");
	ac1 = th_stat(&T, "requests_account");
	print_header(hash);
	h0 = th_stat(&T, "hashes_evaluated");
	r0 = th_stat(&T, "refused_locked_unhashed");
	bad_locked = bench_pam("bob", BENCH_PW_LOGIN, PAM_MAXTRIES, t,
	    BENCH_N_LOCKED, &locked);
	h1 = th_stat(&T, "hashes_evaluated");
	r1 = th_stat(&T, "refused_locked_unhashed");
	if (h0 < 0 || h1 < 0 || r0 < 0 || r1 < 0)
		return -1;
	printf("Latency (one attempt at a time)                n  median ms"
	    "     p99 ms\n");
	print_lat("1. bare crypto_pwhash_str_verify", BENCH_N, bare,
	    "(in this process)");
	print_lat("2. PAM login, right password (alice)", BENCH_N, ok,
	    "(interleaved with row 1)");
	printf("     overhead of PAM + module + daemon = %.3f ms "
	    "(median 2 - median 1);\n     median of the %d paired "
	    "differences (2 - 1) = %.3f ms (row 3 is the same path "
	    "without a hash)\n", ok.median - bare.median,
	    BENCH_N, diff.median);
	printf("     requests to the daemon a login: %.2f auth + %.2f account\n",
	    (double)(au1 - au0) / (BENCH_N + BENCH_WARMUP),
	    (double)(ac1 - ac0) / (BENCH_N + BENCH_WARMUP));
	print_lat("3. PAM login, locked account (bob)", BENCH_N_LOCKED, locked,
	    "(goal < 2 ms)");
	printf("     those %d refusals (right password) evaluated %lld hashes;"
	    " refused_locked_unhashed +%lld\n", BENCH_N_LOCKED + BENCH_WARMUP,
	    h1 - h0, r1 - r0);
	if (bad_ok > 0 || bad_locked > 0)
		printf("     WARNING: %d logins of row 2 and %d of row 3 "
		    "returned another PAM code\n", bad_ok, bad_locked);
	*bare_median = bare.median;
	return 0;
}

/* One throughput row; returns its rate (per second). */
static double
print_tput(const char *label, int n, const char *const *users, int nu,
    const char *hash, double ideal)
{
	long long w0 = hash == NULL ? th_stat(&T, "waited_for_slot") : 0;
	long ok, failed;
	double rate = throughput(n, users, nu, hash, 1, &ok, &failed);

	printf("  %-38s %7d %7ld %9.2f %8.1f%%", label, n, ok, rate,
	    100 * rate / ideal);
	if (hash == NULL)
		printf(" %15lld\n", th_stat(&T, "waited_for_slot") - w0);
	else
		printf(" %15s\n", "-");
	if (failed > 0)
		printf("     WARNING: %ld attempts of that run failed\n",
		    failed);
	return rate;
}

/* Row 4: logins per second against hash_workers / median bare verify. */
static void
throughputs(double bare_median, const char *hash)
{
	static const char *const alice[] = { "alice" };
	static const char *const many[BENCH_USERS] = { "user1", "user2",
		"user3", "user4", "user5", "user6", "user7", "user8" };
	long workers = sysconf(_SC_NPROCESSORS_ONLN);
	double ideal = (double)workers / (bare_median / 1e3), cap, a, b, c;

	printf("\nThroughput (right password, %d s a run)     threads    done"
	    "     per s  of ideal  waited_for_slot\n", BENCH_SECS);
	cap = print_tput("4.  bare verify, in this process", (int)workers,
	    alice, 1, hash, ideal);
	a = print_tput("4a. PAM logins, one account (alice)", 2, alice, 1,
	    NULL, ideal);
	b = print_tput("4b. PAM logins, one account (alice)", 8, alice, 1,
	    NULL, ideal);
	c = print_tput("4c. PAM logins, 8 accounts (user1..8)", 8, many,
	    BENCH_USERS, NULL, ideal);
	printf("     ideal = hash_workers / median bare verify = %ld / %.3f ms"
	    " = %.2f logins/s (goal >= 90%%)\n", workers, bare_median, ideal);
	printf("     against row 4 (%ld hashes at once on this machine, "
	    "%.2f/s): 4a %.1f%%, 4b %.1f%%, 4c %.1f%%\n", workers, cap,
	    100 * a / cap, 100 * b / cap, 100 * c / cap);
	printf("     4b: at most %d guesses of one account are in flight; the "
	    "other threads wait for a slot by design\n", BENCH_MAX_FAIL);
	printf("load average %.2f at the end (other work on the machine makes "
	    "every figure noisy)\n", loadavg());
}

/* ==== The fleet: PostgreSQL ==== */

static const char *const many_users[BENCH_USERS] = { "user1", "user2",
	"user3", "user4", "user5", "user6", "user7", "user8" };

/* A counter summed over the fleet's hosts (their sockets in turn). */
static long long
fleet_stat(const char *name, int hosts)
{
	char main_sock[PATH_MAX];
	long long sum = 0, v;
	int i;

	snprintf(main_sock, sizeof(main_sock), "%s", T.sock);
	for (i = 0; i < hosts; i++) {
		th_host_sock(&T, i, T.sock, sizeof(T.sock));
		if ((v = th_stat(&T, name)) < 0)
			sum = -1;
		else if (sum >= 0)
			sum += v;
	}
	snprintf(T.sock, sizeof(T.sock), "%s", main_sock);
	return sum;
}

/* Row 5/6: one login at a time on host 0; its latency and round trips. */
static void
fleet_latency(const char *label, const char *user, const char *password)
{
	static double t[BENCH_N];
	long long r0 = th_stat(&T, "store_round_trips"), r1;
	struct lat l;
	int bad = bench_pam(user, password, PAM_SUCCESS, t, BENCH_N, &l);

	r1 = th_stat(&T, "store_round_trips");
	printf("  %-40s %5d %10.3f %10.3f  %.1f round trips a login\n", label,
	    BENCH_N, l.median, l.p99,
	    (double)(r1 - r0) / (BENCH_N + BENCH_WARMUP));
	if (bad > 0)
		printf("     WARNING: %d of them returned another PAM code\n",
		    bad);
}

struct race {
	pthread_barrier_t *go;
	const char *service;
	int rv;
};

static void *
race_thread(void *arg)
{
	struct race *r = arg;

	pthread_barrier_wait(r->go);
	r->rv = pam_on(r->service, "bob", BENCH_PW_WRONG);
	return NULL;
}

/* 64 wrong attempts at once over the hosts; the hashes they cost. */
static long long
fleet_race(int hosts)
{
	struct race r[BENCH_RACE];
	pthread_t tid[BENCH_RACE];
	pthread_barrier_t go;
	long long h0 = fleet_stat("hashes_evaluated", hosts);
	int i;

	if (th_client(&T, 0, "", "unlock", "bob", (char *)NULL) != 0)
		return -1;
	pthread_barrier_init(&go, NULL, BENCH_RACE);
	for (i = 0; i < BENCH_RACE; i++) {
		r[i] = (struct race){ &go, host_service[i % hosts], -1 };
		if (pthread_create(&tid[i], NULL, race_thread, &r[i]) != 0)
			return -1;
	}
	for (i = 0; i < BENCH_RACE; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&go);
	return fleet_stat("hashes_evaluated", hosts) - h0;
}

/* Row 7: logins/s with n threads over the hosts, 8 accounts. */
static double
fleet_tput(const char *label, int n, int hosts, double lmdb)
{
	long ok, failed;
	double rate = throughput(n, many_users, BENCH_USERS, NULL, hosts, &ok,
	    &failed);

	printf("  %-38s %7d %7ld %9.2f", label, n, ok, rate);
	if (lmdb > 0)
		printf("   %5.1f%% of one LMDB daemon\n", 100 * rate / lmdb);
	else
		printf("\n");
	if (failed > 0)
		printf("     WARNING: %ld attempts of that run failed\n",
		    failed);
	return rate;
}

/*
 * The fleet figures: the same cost, the same accounts, on a PostgreSQL
 * cluster this program starts (tests/pg.sh), and the LMDB daemon's
 * throughput with 1, 2 and 8 threads over 8 accounts, for comparison.
 */
static int
fleet(const char *extra)
{
	char dir[PATH_MAX], port[16], conf[4096], tls[2048];
	double lmdb[3];
	int i, hosts, p;

	printf("\nThe same daemon on one LMDB store, 8 accounts   threads    "
	    "done     per s\n");
	lmdb[0] = fleet_tput("7l. PAM logins, one LMDB daemon", 1, 1, 0);
	lmdb[1] = fleet_tput("7l. PAM logins, one LMDB daemon", 2, 1, 0);
	lmdb[2] = fleet_tput("7l. PAM logins, one LMDB daemon", 8, 1, 0);
	if (th_daemon_stop(&T) != 0 || th_pg_start(&T) != 0)
		return -1;
	if (th_daemon_start(&T, extra, false) != 0 || seed() != 0)
		return -1;
	for (i = 1; i < BENCH_HOSTS; i++)
		if (th_host_start(&T, i, extra) != 0)
			return -1;
	printf("\nFleet: the same cost on PostgreSQL 15 (a cluster in a temp "
	    "dir, fsync and synchronous_commit on)\n");
	printf("Latency (one attempt at a time, host 0)        n  median ms"
	    "     p99 ms\n");
	fleet_latency("5. PAM login on PostgreSQL, Unix socket", "alice",
	    TH_PW_ALICE_LOGIN);
	printf("\nThroughput over %d daemons on one database (%d s a run)"
	    "   threads    done     per s\n", BENCH_HOSTS, BENCH_SECS);
	fleet_tput("7. PAM logins, 3 daemons, 8 accounts", 1, BENCH_HOSTS,
	    lmdb[0]);
	fleet_tput("7. PAM logins, 3 daemons, 8 accounts", 2, BENCH_HOSTS,
	    lmdb[1]);
	fleet_tput("7. PAM logins, 3 daemons, 8 accounts", 8, BENCH_HOSTS,
	    lmdb[2]);
	printf("\nRace: %d wrong attempts at once over %d daemons, "
	    "max_login_failures = %d (goal: exactly %d hashes each time)\n ",
	    BENCH_RACE, BENCH_HOSTS, BENCH_MAX_FAIL, BENCH_MAX_FAIL);
	for (i = 0; i < BENCH_RACES; i++)
		printf(" %lld", fleet_race(BENCH_HOSTS));
	printf("\n");
	for (i = 1; i < BENCH_HOSTS; i++)
		(void)th_host_kill(&T, i, SIGTERM);
	if (th_daemon_stop(&T) != 0)
		return -1;
	/* row 6: host 0 over TCP on loopback, TLS with the name verified */
	th_path(&T, dir, sizeof(dir), "pgtls");
	snprintf(port, sizeof(port), "%d", p = 20000 + (int)(getpid() % 20000));
	if (th_pg_sh(&T, dir, "start", port, NULL) != 0 ||
	    th_pg_sh(&T, dir, "tls", "bench-runtime-Pw1", NULL) != 0 ||
	    th_pg_sh(&T, dir, "db", "bench", NULL) != 0)
		return -1;
	snprintf(conf, sizeof(conf), "%s/owner.conf", T.dir);
	snprintf(tls, sizeof(tls), "store = postgresql\npostgresql = host=%s "
	    "port=%d dbname=bench user=pwadmin_owner\n", dir, p);
	{
		FILE *f = fopen(conf, "w");

		if (f == NULL)
			return -1;
		fputs(tls, f);
		fclose(f);
	}
	snprintf(tls, sizeof(tls), "env -u LD_PRELOAD %s/pwadmind -c %s "
	    "--init-db >/dev/null", T.build, conf);
	if (system(tls) != 0)
		return -1;
	snprintf(tls, sizeof(tls), "%sstore = postgresql\npostgresql = "
	    "host=localhost port=%d dbname=bench user=pwadmind "
	    "sslmode=verify-full sslrootcert=%s/tls/ca.crt "
	    "passfile=%s/tls/pgpass\n", extra, p, dir, dir);
	snprintf(conf, sizeof(conf), "%s", T.pg);
	T.pg[0] = '\0';
	hosts = th_daemon_start(&T, tls, false) == 0 && seed() == 0;
	snprintf(T.pg, sizeof(T.pg), "%s", conf);
	if (!hosts)
		return -1;
	printf("\nLatency (one attempt at a time)                n  median ms"
	    "     p99 ms\n");
	fleet_latency("6. PAM login on PostgreSQL, TCP + TLS", "alice",
	    TH_PW_ALICE_LOGIN);
	if (th_daemon_stop(&T) != 0)
		return -1;
	return th_pg_sh(&T, dir, "stop", NULL, NULL);
}

/* The daemon's memory and threads, now and at its peak. */
static void
print_memory(const char *when)
{
	printf("daemon      %s: VmRSS %ld KiB, peak VmHWM %ld KiB, %ld "
	    "threads\n", when, th_proc_value(T.daemon, "VmRSS"),
	    th_proc_value(T.daemon, "VmHWM"), th_proc_value(T.daemon, "Threads"));
}

int
main(int argc, char **argv)
{
	char extra[128], hash[crypto_pwhash_STRBYTES];
	double bare_median;
	int rc = 1;

	/* before th_init: nss_wrapper reads its files' names once, and
	 * pam_unix reaches its shadow file through the spnam shim */
	if (faillock_shadow() != 0 || spnam_shim() != 0) {
		fprintf(stderr, "bench: cannot make the shadow file\n");
		return 1;
	}
	th_init_files(&T, argc, argv, services, files);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sodium_init() < 0)
		goto out;
	if (getenv("PWBENCH_MEM_KIB") != NULL &&
	    (mem_kib = atoi(getenv("PWBENCH_MEM_KIB"))) < 8)
		mem_kib = 65536;
	snprintf(extra, sizeof(extra),
	    "argon2_ops = %d\nargon2_mem_kib = %d\n", BENCH_OPS, BENCH_MEM_KIB);
	if (th_daemon_start(&T, extra, false) != 0)
		goto out;
	if (seed() != 0 || latencies(&bare_median, hash) != 0) {
		fprintf(stderr, "bench: setting up the daemon failed\n");
		th_daemon_stop(&T);
		goto out;
	}
	print_memory("at rest, after the latency rows");
	faillock_rows();
	throughputs(bare_median, hash);
	print_memory("after the throughput runs (the peak is under load)");
	if (fleet(extra) != 0) {
		fprintf(stderr, "bench: the fleet figures failed\n");
		goto out;
	}
	rc = 0;
out:
	(void)unlink(fl_shadow);
	th_cleanup(&T);
	return rc;
}
