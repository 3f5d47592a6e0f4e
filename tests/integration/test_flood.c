/* SPDX-License-Identifier: MIT */
/*
 * A flood with slow peers: 1,000 connections at once plus 200 that send one
 * byte and then nothing, from a local user and from root.  The daemon's
 * memory stays bounded, idle peers are dropped after request_timeout, and
 * root's logins through PAM (as sshd makes them) go through meanwhile.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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

#include "harness.h"

static struct th T;

static const char *const services[] = {
	"pwtest|socket=@DIR@/sock",
	NULL,
};

#define FLOOD_SILENT	1000	/* connections opened at once, nothing sent */
#define FLOOD_SLOW	200	/* connections that send one byte, then stop */
#define FLOOD_PEERS	(FLOOD_SILENT + FLOOD_SLOW)
#define FLOOD_TIMEOUT	2	/* request_timeout of the test config, s */
#define FLOOD_WORKERS	2	/* hash_workers */
#define FLOOD_MEM_KIB	16384	/* argon2_mem_kib: real memory per hash */
#define FLOOD_MAXCONN	256	/* max_connections (the shipped default) */
#define FLOOD_PER_UID	8	/* max_connections_per_uid (the default) */
#define FLOOD_LOGINS	4	/* root logins at once during the flood */

/*
 * The most connections the daemon holds at once: max_connections charged
 * to a uid, plus up to 4 x max_connections root peers whose request is not
 * read yet (PENDING_PER_CONN in daemon/server.c).
 */
#define FLOOD_HELD_MAX	(5 * FLOOD_MAXCONN)

/*
 * The daemon's resident memory beyond hash_workers x argon2_mem_kib is at
 * most BASE, plus CONN for each connection it may hold.  Measured on
 * Debian 12, x86-64, plain build: an idle seeded daemon holds about 4 MiB;
 * a held connection costs up to about 127 KiB (its 64 KiB frame buffer,
 * 50 KiB reply and 7 KiB request, each wiped whole when it ends, and its
 * stack): 1,024 root peers that each sent all but the last byte of a
 * largest frame peaked at 167 MiB with both workers hashing, this test's
 * root flood at 109 to 131 MiB, its local user's at 38 MiB.  Chosen with
 * margin: 8 MiB and 160 KiB, so 208 MiB for max_connections = 256.  The
 * ASan build
 * adds shadow memory, redzones, a quarantine of freed blocks and bigger
 * thread stacks: 11 MiB idle, up to about 315 KiB a connection (365 MiB
 * for the 1,024 full frames, 315 MiB for this test's root flood); chosen
 * 16 MiB and 400 KiB.
 */
#if defined(__SANITIZE_ADDRESS__)
#define FLOOD_BASE_KIB	(16 * 1024)
#define FLOOD_CONN_KIB	400
#else
#define FLOOD_BASE_KIB	(8 * 1024)
#define FLOOD_CONN_KIB	160
#endif
#define FLOOD_RSS_CONST_KIB (FLOOD_BASE_KIB + FLOOD_CONN_KIB * FLOOD_HELD_MAX)

/* The flooders' verdicts, ms after each peer's connect. */
#define FAST_MS		1000	/* refused at admission: closed at once */
#define LATE_MIN_MS	(FLOOD_TIMEOUT * 1000 - 100)
#define LATE_MAX_MS	(FLOOD_TIMEOUT * 1000 + 3000)
/* A login that finds a place and a worker, under the flood. */
#define LOGIN_BOUND_MS	1500
/* A login that must wait for a root flood's places to be freed. */
#define LOGIN_RETRY_MS	(FLOOD_TIMEOUT * 1000 + 2500)

#define STR_(x) #x
#define STR(x) STR_(x)
#define CONF "hash_workers = " STR(FLOOD_WORKERS) "\n" \
	"argon2_mem_kib = " STR(FLOOD_MEM_KIB) "\nargon2_ops = 1\n" \
	"request_timeout = " STR(FLOOD_TIMEOUT) "\n" \
	"max_connections = " STR(FLOOD_MAXCONN) "\n" \
	"max_connections_per_uid = " STR(FLOOD_PER_UID) "\n"

static int
teardown(void **state)
{
	(void)state;
	return T.daemon > 0 ? th_daemon_stop(&T) : 0; /* none if skipped */
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What one flooder saw of its peers. */
struct flood_report {
	int connected;		/* connect() succeeded */
	int fast;		/* closed by the daemon within FAST_MS */
	int late;		/* closed after request_timeout */
	int odd;		/* closed between the two */
	int answered;		/* the daemon sent bytes: none expected */
	int open;		/* still open at the end */
	long long up_ms;	/* to open every connection */
	long long late_min, late_max;
};

static int
connect_sock(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { 5, 0 }; /* a full backlog: wait, not forever */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", T.sock);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Watches every peer until the daemon closed it, or LATE_MAX_MS passed. */
static void
watch(struct pollfd *pfd, const long long *at, int n, struct flood_report *r)
{
	long long end = now_ms() + LATE_MAX_MS + 1000, t;
	int i, left = 0;
	char b[64];
	ssize_t got;

	for (i = 0; i < n; i++)
		left += pfd[i].fd >= 0;
	r->late_min = -1;
	while (left > 0 && now_ms() < end) {
		if (poll(pfd, (nfds_t)n, 100) < 0 && errno != EINTR)
			break;
		for (i = 0; i < n; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			got = read(pfd[i].fd, b, sizeof(b));
			if (got < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			t = now_ms() - at[i];
			if (got > 0)
				r->answered++;
			else if (t < FAST_MS)
				r->fast++;
			else if (t >= LATE_MIN_MS && t <= LATE_MAX_MS) {
				r->late++;
				if (r->late_min < 0 || t < r->late_min)
					r->late_min = t;
				if (t > r->late_max)
					r->late_max = t;
			} else
				r->odd++;
			close(pfd[i].fd);
			pfd[i].fd = -1;
			left--;
		}
	}
	r->open = left;
}

/*
 * The flooder, a child running as uid: FLOOD_SLOW peers that send one
 * byte (of a frame's length), then FLOOD_SILENT that send nothing, all
 * held; says "up" on fd `up' once they are open, then reports on `rep'.
 */
static void __attribute__((noreturn))
flooder(uid_t uid, int up, int rep)
{
	static struct pollfd pfd[FLOOD_PEERS];
	static long long at[FLOOD_PEERS];
	struct flood_report r;
	struct rlimit rl;
	long long start;
	int i, n = 0;

	memset(&r, 0, sizeof(r));
	/* every peer is a descriptor: room for all of them */
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		_exit(80);
	if (rl.rlim_max < FLOOD_PEERS + 64)
		rl.rlim_max = FLOOD_PEERS + 64; /* root may raise it */
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		_exit(81);
	if (uid != 0 && (setgroups(0, NULL) != 0 ||
	    setresgid(uid, uid, uid) != 0 || setresuid(uid, uid, uid) != 0))
		_exit(82);
	start = now_ms();
	for (i = 0; i < FLOOD_PEERS; i++) {
		pfd[n].events = POLLIN;
		if ((pfd[n].fd = connect_sock()) < 0)
			continue;
		at[n] = now_ms();
		r.connected++;
		/* a refused peer may be closed already: EPIPE, seen below */
		if (i < FLOOD_SLOW)
			(void)send(pfd[n].fd, "", 1, MSG_NOSIGNAL);
		n++;
	}
	r.up_ms = now_ms() - start;
	(void)!write(up, "u", 1);
	watch(pfd, at, n, &r);
	(void)!write(rep, &r, sizeof(r));
	_exit(0);
}

/* One root login as sshd makes it, retried until `retry_ms' passed. */
struct login {
	pthread_barrier_t *go;
	long long retry_ms;
	int rv;			/* the last attempt's PAM result */
	int attempts;
	long long ms;		/* from the start to the last answer */
};

static void *
login_thread(void *arg)
{
	struct login *l = arg;
	long long start;
	char msg[256];

	pthread_barrier_wait(l->go);
	start = now_ms();
	do {
		l->attempts++;
		l->rv = th_pam_auth_nodelay("pwtest", "alice",
		    TH_PW_ALICE_LOGIN, msg, sizeof(msg));
		l->ms = now_ms() - start;
		if (l->rv != PAM_SUCCESS && l->ms < l->retry_ms)
			usleep(100000);
	} while (l->rv != PAM_SUCCESS && l->ms < l->retry_ms);
	return NULL;
}

/* Samples the daemon's VmRSS until told to stop. */
struct sampler {
	pid_t pid;
	volatile bool stop;
	long max_kib;
};

static void *
sample_thread(void *arg)
{
	struct sampler *s = arg;
	long v;

	while (!s->stop) {
		if ((v = th_proc_value(s->pid, "VmRSS")) > s->max_kib)
			s->max_kib = v;
		usleep(5000);
	}
	return NULL;
}

/*
 * Starts a seeded daemon, floods it from uid (in a child), logs in as root
 * FLOOD_LOGINS times at once meanwhile (each login retried up to retry_ms),
 * and checks the daemon's memory.  Fills *r and l[].
 */
static void
flood(uid_t uid, long long retry_ms, struct flood_report *r,
    struct login *l)
{
	pthread_barrier_t go;
	pthread_t tid[FLOOD_LOGINS], stid;
	struct sampler s = { 0, false, 0 };
	long base, hwm, bound, refused0, refused1;
	int up[2], rep[2], i, st;
	pid_t pid;
	char c;

	assert_int_equal(th_start_seeded(&T, CONF), 0);
	s.pid = T.daemon;
	base = th_proc_value(T.daemon, "VmRSS");
	refused0 = th_stat(&T, "connections_refused_limit");
	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(rep), 0);
	if ((pid = fork()) == 0)
		flooder(uid, up[1], rep[1]);
	assert_true(pid > 0);
	close(up[1]);
	close(rep[1]);
	assert_int_equal(pthread_create(&stid, NULL, sample_thread, &s), 0);
	/* the flood is up: every peer connected and held */
	assert_int_equal(read(up[0], &c, 1), 1);
	pthread_barrier_init(&go, NULL, FLOOD_LOGINS);
	for (i = 0; i < FLOOD_LOGINS; i++) {
		memset(&l[i], 0, sizeof(l[i]));
		l[i].go = &go;
		l[i].retry_ms = retry_ms;
		assert_int_equal(pthread_create(&tid[i], NULL, login_thread,
		    &l[i]), 0);
	}
	for (i = 0; i < FLOOD_LOGINS; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&go);
	assert_int_equal(read(rep[0], r, sizeof(*r)), (ssize_t)sizeof(*r));
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	s.stop = true;
	pthread_join(stid, NULL);
	close(up[0]);
	close(rep[0]);
	refused1 = th_stat(&T, "connections_refused_limit");
	/* the kernel updates VmHWM lazily: the sampled peak may be higher */
	if ((hwm = th_proc_value(T.daemon, "VmHWM")) < s.max_kib)
		hwm = s.max_kib;
	bound = (long)FLOOD_WORKERS * FLOOD_MEM_KIB + FLOOD_RSS_CONST_KIB;
	printf("    flood from uid %u: %d connected in %lld ms; %d refused at "
	    "once, %d dropped after %lld-%lld ms, %d odd, %d answered, %d "
	    "open; daemon refused %ld\n", (unsigned)uid, r->connected,
	    r->up_ms, r->fast, r->late, r->late_min, r->late_max, r->odd,
	    r->answered, r->open, refused1 - refused0);
	for (i = 0; i < FLOOD_LOGINS; i++)
		printf("    login %d: %s after %d attempt(s), %lld ms\n", i,
		    pam_strerror(NULL, l[i].rv), l[i].attempts, l[i].ms);
	printf("    daemon RSS: %ld KiB seeded, %ld KiB peak sampled, peak "
	    "%ld KiB; bound %d x %d + %d = %ld KiB\n", base, s.max_kib, hwm,
	    FLOOD_WORKERS, FLOOD_MEM_KIB, FLOOD_RSS_CONST_KIB, bound);
	/* memory: at most workers x Argon2 memory, plus the constant */
	assert_true(hwm > 0);
	assert_true(hwm <= bound);
	/* every peer was connected, and closed by the daemon: at once when
	 * over a limit, after request_timeout when admitted and idle */
	assert_int_equal(r->connected, FLOOD_PEERS);
	assert_int_equal(r->open, 0);
	assert_int_equal(r->odd, 0);
	assert_int_equal(r->answered, 0);
	assert_int_equal(r->fast + r->late, FLOOD_PEERS);
	assert_true(r->late >= 1);
	assert_true(refused1 - refused0 >= r->fast);
	/* the expectations below hold if the burst was over before the
	 * first admitted peer could be dropped (else places came free) */
	assert_true(r->up_ms < FLOOD_TIMEOUT * 1000 - 500);
	for (i = 0; i < FLOOD_LOGINS; i++)
		assert_int_equal(l[i].rv, PAM_SUCCESS);
}

/*
 * A local user floods: it keeps max_connections_per_uid places, every
 * other peer is refused at once, and root's logins find a place and a
 * hash worker at the first attempt, without waiting for the idle peers.
 */
static void
test_flood_local_user(void **state)
{
	struct flood_report r;
	struct login l[FLOOD_LOGINS];
	int i;

	(void)state;
	if (!th_is_root())
		skip(); /* switches to another uid */
	flood(TH_UID_MALLORY, 0, &r, l);
	assert_int_equal(r.late, FLOOD_PER_UID);
	for (i = 0; i < FLOOD_LOGINS; i++) {
		assert_int_equal(l[i].attempts, 1);
		assert_true(l[i].ms < LOGIN_BOUND_MS);
	}
}

/*
 * Root floods.  Root peers whose request is not read yet wait in one pool
 * (4 x max_connections, conn_admit in daemon/server.c); when it is full,
 * the one that has waited longest is cut off for the newcomer, so root's
 * logins, whose request comes at once, get through at the first attempt.
 * The daemon never holds more than FLOOD_HELD_MAX connections.
 */
static void
test_flood_root(void **state)
{
	struct flood_report r;
	struct login l[FLOOD_LOGINS];
	int i;

	(void)state;
	flood(0, LOGIN_RETRY_MS, &r, l);
	assert_true(r.late <= FLOOD_HELD_MAX);
	for (i = 0; i < FLOOD_LOGINS; i++) {
		assert_int_equal(l[i].attempts, 1);
		assert_true(l[i].ms < LOGIN_BOUND_MS);
	}
}

/* The daemon's thread ids, from /proc/PID/task, into tids[]: how many. */
static int
threads_of(pid_t pid, long *tids, int max)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((dir = opendir(path)) == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL && n < max)
		if (d->d_name[0] != '.')
			tids[n++] = strtol(d->d_name, NULL, 10);
	closedir(dir);
	return n;
}

static bool
has_tid(const long *tids, int n, long tid)
{
	int i;

	for (i = 0; i < n; i++)
		if (tids[i] == tid)
			return true;
	return false;
}

/*
 * Connection threads are kept for the next connection: the threads that
 * served a few logins are still there, the same ones, after twenty more
 * (a thread per connection would have ended with its connection), and
 * hardly any was added.
 */
static void
test_threads_reused(void **state)
{
	const int ops[] = { PAMTEST_AUTHENTICATE, PAMTEST_ACCOUNT };
	const int want[] = { PAM_SUCCESS, PAM_SUCCESS };
	long before[64], after[64];
	int nb, na, i, added = 0;

	(void)state;
	assert_int_equal(th_start_seeded(&T, NULL), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(th_pam("pwtest", "boss", TH_PW_BOSS_LOGIN,
		    ops, want, 2, NULL, 0), 2);
	usleep(200000); /* the last connection's thread is idle again */
	nb = threads_of(T.daemon, before, 64);
	for (i = 0; i < 20; i++)
		assert_int_equal(th_pam("pwtest", "boss", TH_PW_BOSS_LOGIN,
		    ops, want, 2, NULL, 0), 2);
	usleep(200000);
	na = threads_of(T.daemon, after, 64);
	for (i = 0; i < na; i++)
		added += !has_tid(before, nb, after[i]);
	printf("    daemon threads: %d after 3 logins, %d after 20 more, %d "
	    "of them new\n", nb, na, added);
	/* the main thread and at least one connection thread stay */
	assert_true(nb >= 2);
	for (i = 0; i < nb; i++)
		assert_true(has_tid(after, na, before[i]));
	assert_true(added <= 2);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_threads_reused, teardown),
		cmocka_unit_test_teardown(test_flood_local_user, teardown),
		cmocka_unit_test_teardown(test_flood_root, teardown),
	};
	int rc;

	th_init(&T, argc, argv, services);
	/* the figures reach tests/run.sh's output: unbuffered */
	setvbuf(stdout, NULL, _IONBF, 0);
	rc = cmocka_run_group_tests_name("integration: a flood with slow peers",
	    tests, NULL, NULL);
	th_cleanup(&T);
	return rc;
}
