/* SPDX-License-Identifier: MIT */
/*
 * A crash storm: eight PAM clients guess right and wrong passwords while an
 * admin unlocks and pwadmind is SIGKILLed 20 times; no answered failure is
 * lost, and no lock is lifted except by an unlock (SPEC rules 1 and 4).
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
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

#include "harness.h"

#define STORM_CLIENTS	    8
#define STORM_ACCTS	    4
#define STORM_KILLS	    20
#define STORM_MAX_FAIL	    5	 /* max_login_failures, the default */
#define STORM_UP_MIN_MS	    150	 /* daemon up before a kill: ms */
#define STORM_UP_MAX_MS	    900
#define STORM_DOWN_MAX_MS   60	 /* extra time down before a restart: ms */
#define STORM_TAIL_MS	    800	 /* served after the last snapshot: ms */
#define STORM_PAUSE_MIN_MS  10	 /* clients' pause between attempts: ms */
#define STORM_PAUSE_MAX_MS  40
/*
 * On PostgreSQL a slot held by a killed daemon counts as a failure once
 * slot_hold has passed; until then that account's guesses wait for it
 * (at most slot_wait_timeout, which must be shorter, then busy).  5 s
 * instead of the default 30 keeps the storm's waits short while staying
 * far above what a live guess holds a slot for here (well under 100 ms:
 * the tests' Argon2 cost is tiny).  LMDB ignores slot_hold.
 */
#define STORM_CONF	    "slot_hold = 5\nslot_wait_timeout = 4\n"
#define STORM_UNLOCK_MIN_MS 20	 /* admin's pause between unlocks: ms */
#define STORM_UNLOCK_MAX_MS 120
#define STORM_WAIT_S	    30	 /* children go idle or stop within: s */
#define STORM_RECS_MAX	    50000 /* records: about 4500 are made */

#define WRONG "Wrong-guess-99"

static struct th T;

static const char *const services[] = {
	"pwtest|socket=@DIR@/sock",
	NULL,
};

/*
 * The accounts: alice comes from th_seed, the others are added by root.
 * Each has its own share of right passwords, so that some lock often and
 * some seldom; mallory is never unlocked.
 */
static const struct storm_acct {
	const char *name;
	const char *login;
	const char *confirm;
	unsigned right_pct;
	bool unlocked;
} accts[STORM_ACCTS] = {
	{ "alice", TH_PW_ALICE_LOGIN, TH_PW_ALICE_CONFIRM, 45, true },
	{ "bob", "Builder-login-pw1", "Builder-confirm-pw2", 30, true },
	{ "carol", "Singer-login-pw1", "Singer-confirm-pw2", 60, true },
	{ "mallory", "Never-unlocked-pw1", "Never-unlocked-pw2", 50, false },
};

enum storm_kind {
	STORM_AUTH = 1,
	STORM_UNLOCK = 2
};

/* One attempt as a child saw it; CLOCK_MONOTONIC is system-wide. */
struct storm_rec {
	int64_t lo;	/* issued (ns) */
	int64_t ret;	/* the call returned (ns) */
	int32_t code;	/* PAM code (auth), client exit status (unlock) */
	uint8_t kind;	/* enum storm_kind */
	uint8_t acct;	/* index into accts[] */
	uint8_t right;	/* auth: the right password; unlock: by boss */
	uint8_t busy;	/* auth: PAM_AUTH_ERR with the daemon's busy message */
	uint8_t refused; /* no answer, and no connection was ever made */
	char msg[86];	/* what the client was shown (cut), for the report */
};

/* What a record means for the store (see the comment above judge()). */
enum storm_class {
	CL_OK,		 /* PAM_SUCCESS: a verified password, counter reset */
	CL_FAIL,	 /* PAM_AUTH_ERR: a stored failure, not locking */
	CL_LOCKED,	 /* PAM_MAXTRIES: locked when decided */
	CL_BUSY,	 /* refused unevaluated: nothing stored */
	CL_REFUSED,	 /* no connection: nothing reached a daemon */
	CL_NOANS,	 /* no answer: may or may not have been stored */
	CL_OTHER,	 /* an unexpected PAM code: treated like no answer */
	CL_UNLOCK_OK,	 /* unlock, exit 0: committed */
	CL_UNLOCK_REFUSED, /* unlock, exit 3, no connection */
	CL_UNLOCK_NOANS, /* unlock, exit 3: daemon gone */
	CL_UNLOCK_OTHER	 /* unlock, another exit: treated like no answer */
};

/* Shared with the children: stop, pause, and who is idle in a pause. */
struct storm_shm {
	int stop;
	int pause;
	int idle[STORM_CLIENTS + 1];
	int ready[STORM_CLIENTS + 1]; /* 1 set up, -1 could not */
};

/* Processes of the storm, for teardown after a failed assertion. */
static struct {
	pid_t pid[STORM_CLIENTS + 1];
	struct storm_shm *shm;
} S;

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* splitmix64: small, seedable, the same in every child */
static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned
rnd_range(uint64_t *s, unsigned lo, unsigned hi)
{
	return lo + (unsigned)(rnd(s) % (uint64_t)(hi - lo + 1));
}

static int
shm_get(int *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void
shm_set(int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

/*
 * In a child, before each attempt: false once told to stop.  While the
 * parent pauses the storm the child says it is idle and waits; it checks
 * the pause again after every wait, so it never starts an attempt once
 * the parent has seen it idle.
 */
static bool
my_turn(int idx)
{
	while (!shm_get(&S.shm->stop) && shm_get(&S.shm->pause)) {
		shm_set(&S.shm->idle[idx], 1);
		while (!shm_get(&S.shm->stop) && shm_get(&S.shm->pause))
			sleep_ms(2);
		shm_set(&S.shm->idle[idx], 0);
	}
	return !shm_get(&S.shm->stop);
}

static void
rec_path(char *out, size_t outsz, int idx)
{
	char rel[32];

	snprintf(rel, sizeof(rel), "storm.%d", idx);
	th_path(&T, out, outsz, rel);
}

/*
 * What the module logs through pam_syslog, read back by the child that
 * made the attempt: it tells an attempt that never connected ("cannot
 * reach pwadmind at ...: daemon unreachable", PW_ERR_CONNECT: nothing was
 * sent) from one that lost its answer.  pam_wrapper prints those lines on
 * standard error, or, when the harness's syslog preload takes them, they
 * go to the file $PWTEST_SYSLOG_FILE, shared with every process (each line
 * names its pid).  A tail reads what was appended since its last call.
 */
struct storm_tail {
	int fd;
	size_t len;	  /* bytes of an unfinished line kept in buf */
	char tag[32];	  /* lines must hold it ("" for any line) */
	char buf[4096];
};

static void
tail_open(struct storm_tail *t, const char *path, bool own)
{
	memset(t, 0, sizeof(*t));
	if (!own)
		snprintf(t->tag, sizeof(t->tag), "[%d]: ", (int)getpid());
	if (path == NULL || (t->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    lseek(t->fd, 0, SEEK_END) < 0)
		t->fd = -1;
}

/* Was a line appended since the last call saying it could not connect? */
static bool
tail_unreachable(struct storm_tail *t)
{
	bool found = false;
	char *line, *nl;
	ssize_t n;

	while (t->fd >= 0 && (n = read(t->fd, t->buf + t->len,
	    sizeof(t->buf) - 1 - t->len)) > 0) {
		t->len += (size_t)n;
		t->buf[t->len] = '\0';
		for (line = t->buf; (nl = strchr(line, '\n')) != NULL;
		    line = nl + 1) {
			*nl = '\0';
			found |= strstr(line, t->tag) != NULL &&
			    strstr(line, "cannot reach pwadmind") != NULL &&
			    strstr(line, ": daemon unreachable") != NULL;
		}
		t->len -= (size_t)(line - t->buf);
		memmove(t->buf, line, t->len);
		if (t->len == sizeof(t->buf) - 1)
			t->len = 0; /* a line longer than that: not ours */
	}
	return found;
}

/*
 * A child's record file.  Its standard error goes to storm.N.err in the
 * temp dir (PWTEST_KEEP=1 keeps it), read back by tails[0]; tails[1]
 * reads the harness's syslog file, if any.
 */
static int
open_recs(int idx, struct storm_tail tails[2])
{
	char path[PATH_MAX];
	int fd;

	rec_path(path, sizeof(path), idx);
	strncat(path, ".err", sizeof(path) - strlen(path) - 1);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND |
	    O_CLOEXEC, 0600)) < 0 || dup2(fd, 2) < 0)
		return -1;
	close(fd);
	tail_open(&tails[0], path, true);
	tail_open(&tails[1], getenv("PWTEST_SYSLOG_SHIM") != NULL ?
	    getenv("PWTEST_SYSLOG_FILE") : NULL, false);
	rec_path(path, sizeof(path), idx);
	return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
	    0600);
}

static void
put_rec(int fd, const struct storm_rec *r)
{
	if (write(fd, r, sizeof(*r)) != (ssize_t)sizeof(*r))
		_exit(2);
}

static int
no_conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *arg)
{
	(void)n;
	(void)msg;
	(void)resp;
	(void)arg;
	return PAM_CONV_ERR;
}

/*
 * Is this process's pam_wrapper dir its own?  pam_wrapper 1.1.4 sets
 * itself up again in every forked child, at its first pam_start: it picks
 * a free /tmp/pam.X (one of 62 names), and two processes doing so at once
 * can pick the same one (its mkdir failing with EEXIST is only logged),
 * or one removing a stale dir by name can remove a fresh one; then the
 * service files are gone or another test's (pam_start gives PAM_ABORT,
 * or a client talks to another test's daemon).  The parent sets the
 * children up one at a time; this checks for a stranger (another test
 * binary) in the dir: the pid file names us and our pwtest service names
 * our socket.
 */
static bool
pwrap_mine(void)
{
	const char *dir = getenv("PAM_WRAPPER_RUNTIME_DIR");
	char path[PATH_MAX], buf[4096];
	ssize_t n;
	bool ok;
	int fd;

	if (dir == NULL)
		return false;
	snprintf(path, sizeof(path), "%s/pid", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	ok = atol(buf) == (long)getpid();
	snprintf(path, sizeof(path), "%s/pwtest", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return ok && strstr(buf, T.sock) != NULL;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/*
 * At a client's end: removes its own pam_wrapper dir, as pam_wrapper's
 * destructor would at exit().  The client ends with _exit, which runs no
 * destructor and no leak check: under ASan, LeakSanitizer would blame
 * pam_wrapper's own setup (it sets up again after fork without freeing).
 */
static void
pwrap_cleanup(void)
{
	const char *dir = getenv("PAM_WRAPPER_RUNTIME_DIR");

	if (dir != NULL && strncmp(dir, "/tmp/pam.", 9) == 0)
		(void)nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* In a new client: pam_wrapper set up (one pam_start), then checked. */
static bool
pwrap_setup(void)
{
	struct pam_conv conv = { no_conv, NULL };
	pam_handle_t *pamh = NULL;

	if (pam_start("pwtest", "boss", &conv, &pamh) != PAM_SUCCESS)
		return false;
	(void)pam_end(pamh, PAM_SUCCESS);
	return pwrap_mine();
}

/* A PAM client: one pam_authenticate after another until told to stop. */
static void __attribute__((noreturn))
run_client(int idx, uint64_t seed)
{
	struct storm_rec r;
	struct storm_tail tails[2];
	char msg[512];
	int fd = open_recs(idx, tails);
	bool ok = fd >= 0 && pwrap_setup();

	shm_set(&S.shm->ready[idx], ok ? 1 : -1);
	if (!ok)
		_exit(1);
	while (my_turn(idx)) {
		memset(&r, 0, sizeof(r));
		r.kind = STORM_AUTH;
		r.acct = (uint8_t)(rnd(&seed) % STORM_ACCTS);
		r.right = rnd(&seed) % 100 < accts[r.acct].right_pct;
		r.lo = now_ns();
		r.code = th_pam_auth_nodelay("pwtest", accts[r.acct].name,
		    r.right ? accts[r.acct].login : WRONG, msg, sizeof(msg));
		r.ret = now_ns();
		/* PW_ERR_BUSY also gives PAM_AUTH_ERR, but stores nothing */
		r.busy = r.code == PAM_AUTH_ERR && strstr(msg, "busy") != NULL;
		/* both read, always: each keeps its place */
		r.refused = tail_unreachable(&tails[0]);
		r.refused |= tail_unreachable(&tails[1]);
		r.refused &= r.code == PAM_AUTHINFO_UNAVAIL;
		snprintf(r.msg, sizeof(r.msg), "%s", msg);
		put_rec(fd, &r);
		/* leave the two shared cores some air */
		sleep_ms(rnd_range(&seed, STORM_PAUSE_MIN_MS,
		    STORM_PAUSE_MAX_MS));
	}
	close(fd);
	if (!pwrap_mine()) {
		fprintf(stderr, "storm: a stranger took over this client's "
		    "pam_wrapper dir %s\n", getenv("PAM_WRAPPER_RUNTIME_DIR"));
		_exit(3);
	}
	pwrap_cleanup();
	_exit(0);
}

/* The admin: `pwadmin unlock USER', as root or as the master boss. */
static void __attribute__((noreturn))
run_unlocker(int idx, uint64_t seed)
{
	struct storm_tail tails[2];
	struct storm_rec r;
	int fd = open_recs(idx, tails);
	unsigned n;

	shm_set(&S.shm->ready[idx], fd >= 0 ? 1 : -1);
	if (fd < 0)
		_exit(1);
	for (;;) {
		sleep_ms(rnd_range(&seed, STORM_UNLOCK_MIN_MS,
		    STORM_UNLOCK_MAX_MS));
		if (!my_turn(idx))
			break;
		memset(&r, 0, sizeof(r));
		r.kind = STORM_UNLOCK;
		do
			n = (unsigned)(rnd(&seed) % STORM_ACCTS);
		while (!accts[n].unlocked);
		r.acct = (uint8_t)n;
		r.right = rnd(&seed) % 2; /* by boss, else by root */
		r.lo = now_ns();
		if (r.right)
			r.code = th_client(&T, TH_UID_BOSS,
			    TH_PW_BOSS_CONFIRM "\n", "unlock", accts[n].name,
			    (char *)NULL);
		else
			r.code = th_client(&T, 0, "", "unlock", accts[n].name,
			    (char *)NULL);
		r.ret = now_ns();
		/* the client's one line on stderr: the unlock never left */
		r.refused = r.code == 3 &&
		    strstr(T.err, "cannot reach pwadmind") != NULL &&
		    strstr(T.err, ": daemon unreachable") != NULL;
		snprintf(r.msg, sizeof(r.msg), "%s", T.err);
		put_rec(fd, &r);
	}
	close(fd);
	_exit(0);
}

/* Pauses the children and waits until each is idle; false on timeout. */
static bool
pause_children(void)
{
	int64_t deadline = now_ns() + (int64_t)STORM_WAIT_S * 1000000000;
	int i;

	shm_set(&S.shm->pause, 1);
	for (i = 0; i <= STORM_CLIENTS; i++) {
		while (!shm_get(&S.shm->idle[i]) && now_ns() < deadline)
			sleep_ms(2);
		if (!shm_get(&S.shm->idle[i]))
			return false;
	}
	return true;
}

/* Tells the children to stop and reaps them; true when all exited 0. */
static bool
stop_children(void)
{
	int64_t deadline = now_ns() + (int64_t)STORM_WAIT_S * 1000000000;
	bool ok = true;
	pid_t r;
	int i, st;

	if (S.shm == NULL)
		return true;
	shm_set(&S.shm->stop, 1);
	for (i = 0; i <= STORM_CLIENTS; i++) {
		if (S.pid[i] <= 0)
			continue;
		while ((r = waitpid(S.pid[i], &st, WNOHANG)) == 0 &&
		    now_ns() < deadline)
			sleep_ms(20);
		if (r == 0) {
			fprintf(stderr, "storm: child %d did not stop\n", i);
			kill(S.pid[i], SIGKILL);
			r = waitpid(S.pid[i], &st, 0);
		}
		if (r != S.pid[i] || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "storm: child %d ended badly (%#x)%s\n",
			    i, r == S.pid[i] ? st : -1, r == S.pid[i] &&
			    WIFEXITED(st) && WEXITSTATUS(st) == 3 ?
			    ": a stranger took over its pam_wrapper dir" : "");
			ok = false;
		}
		S.pid[i] = 0;
	}
	return ok;
}

static int
setup(void **state)
{
	char in[256];
	int i;

	(void)state;
	if (th_start_seeded(&T, STORM_CONF) != 0)
		return -1;
	for (i = 1; i < STORM_ACCTS; i++) {
		snprintf(in, sizeof(in), "%s\n%s\n", accts[i].login,
		    accts[i].confirm);
		if (th_client(&T, 0, in, "useradd", accts[i].name, "--role",
		    "user", (char *)NULL) != 0) {
			fprintf(stderr, "useradd %s: %s%s", accts[i].name,
			    T.out, T.err);
			return -1;
		}
	}
	S.shm = mmap(NULL, sizeof(*S.shm), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (S.shm == MAP_FAILED) {
		S.shm = NULL;
		return -1;
	}
	memset(S.shm, 0, sizeof(*S.shm));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	(void)stop_children();
	if (S.shm != NULL)
		munmap(S.shm, sizeof(*S.shm));
	S.shm = NULL;
	return T.daemon > 0 ? th_daemon_stop(&T) : 0;
}

static uint64_t
storm_seed(void)
{
	const char *env = getenv("PWTEST_STORM_SEED");
	struct timespec ts;

	if (env != NULL && *env != '\0')
		return strtoull(env, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000003u) ^ (uint64_t)ts.tv_nsec ^
	    ((uint64_t)getpid() << 32);
}

/*
 * The daemon's deaths, in order: the SIGKILLs and the final SIGTERM,
 * each taken once waitpid has reaped it (nothing it does comes later).
 */
struct storm_deaths {
	int64_t t[STORM_KILLS + 1];
	int n;
};

/* The first death at or after t: the latest a request alive at t ends. */
static int64_t
death_after(const struct storm_deaths *d, int64_t t)
{
	int i;

	for (i = 0; i < d->n; i++)
		if (d->t[i] >= t)
			return d->t[i];
	return INT64_MAX;
}

static enum storm_class
classify(const struct storm_rec *r)
{
	if (r->kind == STORM_UNLOCK)
		return r->code == 0 ? CL_UNLOCK_OK : r->code != 3 ?
		    CL_UNLOCK_OTHER : r->refused ? CL_UNLOCK_REFUSED :
		    CL_UNLOCK_NOANS;
	switch (r->code) {
	case PAM_SUCCESS:
		return CL_OK;
	case PAM_AUTH_ERR:
		return r->busy ? CL_BUSY : CL_FAIL;
	case PAM_MAXTRIES:
		return CL_LOCKED;
	case PAM_AUTHINFO_UNAVAIL:
		return r->refused ? CL_REFUSED : CL_NOANS;
	default:
		return CL_OTHER;
	}
}

/*
 * The store as read at one moment: every account's status, read while the
 * children were idle; `cut' is taken after the last read.
 */
struct storm_snap {
	int64_t cut;
	long long stored[STORM_ACCTS];
	bool locked[STORM_ACCTS];
};

/* The latest moment this attempt's store write can have happened,
 * as far as the snapshot is concerned (never after its cut). */
static int64_t
hi_of(const struct storm_rec *r, const struct storm_deaths *d,
    const struct storm_snap *s)
{
	int64_t hi;

	switch (classify(r)) {
	case CL_OK:
	case CL_FAIL:
	case CL_LOCKED:
	case CL_BUSY:
	case CL_REFUSED:
	case CL_UNLOCK_OK:
	case CL_UNLOCK_REFUSED:
		hi = r->ret; /* stored before the answer went out (if at all) */
		break;
	default:
		/* the daemon that had it (dead by now, or still up after a
		 * timeout) writes nothing after its death */
		hi = death_after(d, r->ret);
	}
	return hi < s->cut ? hi : s->cut;
}

/* Per-account findings at one snapshot. */
struct storm_judge {
	/* tallies */
	int sent, answered, ok, fail, locked, busy, refused, noans, other;
	int wrong_ok, right_fail; /* must stay 0 */
	int unl_sent, unl_ok, unl_refused, unl_noans, unl_other;
	/* reasoning */
	int64_t t_r, t_u, e;
	int low, high, lock_cands;
	bool must_lock;
	/* the store */
	long long stored;
	bool is_locked;
};

static void
tally(const struct storm_rec *r, enum storm_class c, struct storm_judge *j)
{
	switch (c) {
	case CL_OK:
		j->ok++;
		j->wrong_ok += !r->right;
		break;
	case CL_FAIL:
		j->fail++;
		j->right_fail += r->right;
		break;
	case CL_LOCKED:
		j->locked++;
		break;
	case CL_BUSY:
		j->busy++;
		break;
	case CL_REFUSED:
		j->refused++;
		break;
	case CL_NOANS:
		j->noans++;
		break;
	case CL_OTHER:
		j->other++;
		break;
	case CL_UNLOCK_OK:
		j->unl_ok++;
		break;
	case CL_UNLOCK_REFUSED:
		j->unl_refused++;
		break;
	case CL_UNLOCK_NOANS:
		j->unl_noans++;
		break;
	case CL_UNLOCK_OTHER:
		j->unl_other++;
		break;
	}
	if (r->kind == STORM_UNLOCK)
		j->unl_sent++;
	else {
		j->sent++;
		j->answered += c == CL_OK || c == CL_FAIL || c == CL_LOCKED ||
		    c == CL_BUSY;
	}
}

/*
 * How one account's login-password state can be judged from the answers
 * (max = max_login_failures = 5), at a snapshot: the store read while no
 * client had an attempt under way.
 *
 * Every attempt was issued at `lo' and returned at `ret'.  The daemon
 * writes a verdict to the store before it answers, so an answered
 * attempt's write (if any) happened in [lo, ret].  An unanswered one
 * (PAM_AUTHINFO_UNAVAIL, client exit 3) may have been written or not; if
 * it was, then in [lo, hi], hi being the first death of the daemon at or
 * after ret (the daemon that held it is dead by then, or it timed out
 * while that daemon lived on, which then wrote at most until it died).
 * A window is cut at the snapshot: a later write does not show in it.
 *
 * What each answer says about the store:
 *  - PAM_SUCCESS: a verified right password; the counter became 0 (a
 *    definite reset).
 *  - PAM_AUTH_ERR: a wrong password; one failure stored, not locking.
 *    (PW_ERR_BUSY also maps to PAM_AUTH_ERR but stores nothing; it is
 *    recognised by its message and left out.)
 *  - PAM_MAXTRIES: the factor was locked when the daemon decided: either
 *    it was already (nothing stored) or this wrong password locked it
 *    (one failure stored).  We cannot tell which, so it is a possible
 *    failure, and a proof of "locked" at a moment in [lo, ret].
 *  - no answer: a right password is a possible reset, a wrong one a
 *    possible failure, each somewhere in its window; except when the
 *    module (or the client) logged "daemon unreachable" (PW_ERR_CONNECT):
 *    it never connected, so nothing was sent and nothing stored.
 *  - unlock exit 0: counter 0 and unlocked, in [lo, ret] (definite); any
 *    other exit: a possible unlock in its window (but for exit 3 with
 *    "daemon unreachable", as above).
 * A right password refused as locked changes nothing; a success never
 * clears the lock flag; only an unlock does (SPEC rule 4).  A wrong
 * password answered PAM_SUCCESS, a right one answered PAM_AUTH_ERR (not
 * busy), any other PAM code and any other client exit must not happen.
 *
 * Let T_R be the latest hi of every possible counter reset (successes,
 * unanswered right passwords, every unlock sent), T_U the latest hi of
 * every unlock sent, and E the latest lo of every definite reset (answered
 * success or unlock).  Then:
 *  1. Lower bound, exact: every PAM_AUTH_ERR issued after T_R was written
 *     after every reset that can have been written, so each is still
 *     counted: stored >= low = their number.  They are one lock cycle, so
 *     also low <= max - 1 (the max-th locks and is answered PAM_MAXTRIES).
 *  2. Upper bound, conservative: the last reset was written at or after
 *     E, so every failure still counted was written after E, i.e. by an
 *     attempt with hi >= E: stored <= high = the number of wrong
 *     passwords answered PAM_AUTH_ERR or PAM_MAXTRIES or unanswered with
 *     hi >= E.  And stored <= max (rule 1: at most max guesses a cycle).
 *     When low == high the count is known exactly.  On PostgreSQL an
 *     unanswered guess, right or wrong, may also become a failure later,
 *     when its slot expires (pwadmind(8)): each one raises high.
 *  3. A PAM_MAXTRIES issued after T_U saw a lock that no unlock can have
 *     lifted: the account must be locked with stored == max (a locked
 *     factor takes no guess, so no success can follow the lock).  With
 *     no unlock ever sent (mallory), T_U = -inf: an account ever answered
 *     PAM_MAXTRIES must still be locked.
 *  4. Locked: the lock was written after every definite reset (after it
 *     no success is possible, and a later unlock would have lifted it),
 *     so it was made by a wrong password answered PAM_MAXTRIES or
 *     unanswered whose window ends at or after E: there must be such a
 *     candidate, i.e. no answered unlock or success was issued after the
 *     last moment the locking failure can have been written.  And
 *     stored == max (the lock came with the max-th failure, and nothing
 *     changes a locked counter but an unlock).
 */
static void
judge(const struct storm_rec *recs, size_t n, int a,
    const struct storm_deaths *d, const struct storm_snap *s,
    struct storm_judge *j)
{
	const struct storm_rec *r;
	enum storm_class c;
	int64_t hi;
	size_t i;

	memset(j, 0, sizeof(*j));
	j->t_r = j->t_u = j->e = INT64_MIN;
	j->stored = s->stored[a];
	j->is_locked = s->locked[a];
	for (i = 0; i < n; i++) {
		r = &recs[i];
		if (r->acct != a || r->lo >= s->cut)
			continue;
		c = classify(r);
		hi = hi_of(r, d, s);
		tally(r, c, j);
		if (c == CL_UNLOCK_REFUSED)
			continue;
		if (r->kind == STORM_UNLOCK) {
			j->t_u = hi > j->t_u ? hi : j->t_u;
			j->t_r = hi > j->t_r ? hi : j->t_r;
		} else if (r->right && (c == CL_OK || c == CL_NOANS ||
		    c == CL_OTHER) && hi > j->t_r)
			j->t_r = hi;
		if ((c == CL_OK || c == CL_UNLOCK_OK) && r->lo > j->e)
			j->e = r->lo;
	}
	/* second pass: the bounds, now that T_R, T_U and E are known */
	for (i = 0; i < n; i++) {
		r = &recs[i];
		if (r->acct != a || r->kind != STORM_AUTH || r->lo >= s->cut)
			continue;
		c = classify(r);
		if (c == CL_FAIL && r->lo > j->t_r)
			j->low++;
		if (c == CL_LOCKED && r->lo > j->t_u)
			j->must_lock = true;
		/*
		 * On PostgreSQL a guess whose daemon died holding its slot
		 * counts as a failure when a later guess finds that slot
		 * expired, right password or wrong, at any time after its
		 * window: one more failure the count may hold.
		 */
		if (th_pg_on(&T) && (c == CL_NOANS || c == CL_OTHER) &&
		    (r->right || hi_of(r, d, s) < j->e)) {
			j->high++;
			continue;
		}
		if (r->right || hi_of(r, d, s) < j->e)
			continue;
		if (c == CL_FAIL || c == CL_LOCKED || c == CL_NOANS ||
		    c == CL_OTHER)
			j->high++;
		if (c == CL_LOCKED || c == CL_NOANS || c == CL_OTHER)
			j->lock_cands++;
	}
}

/* Reads every child's records so far; returns how many. */
static size_t
load_recs(struct storm_rec *recs)
{
	char path[PATH_MAX];
	size_t n = 0;
	ssize_t got = 0;
	int i, fd;

	for (i = 0; i <= STORM_CLIENTS; i++) {
		rec_path(path, sizeof(path), i);
		assert_true((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0);
		while (n < STORM_RECS_MAX && (got = read(fd, &recs[n],
		    sizeof(recs[n]))) == (ssize_t)sizeof(recs[n]))
			n++;
		assert_true(n < STORM_RECS_MAX);
		assert_int_equal(got, 0); /* no torn record */
		close(fd);
	}
	return n;
}

/* Starts the eight clients and the unlocker, one set up after the other
 * (see pwrap_mine()). */
static void
start_children(uint64_t seed)
{
	int64_t deadline;
	uint64_t s;
	int i;

	for (i = 0; i <= STORM_CLIENTS; i++) {
		s = seed + (uint64_t)(i + 1) * 0x9e3779b97f4a7c15ULL;
		S.pid[i] = fork();
		assert_true(S.pid[i] >= 0);
		if (S.pid[i] == 0) {
			if (i == STORM_CLIENTS)
				run_unlocker(i, s);
			run_client(i, s);
		}
		deadline = now_ns() + (int64_t)STORM_WAIT_S * 1000000000;
		while (shm_get(&S.shm->ready[i]) == 0 && now_ns() < deadline)
			sleep_ms(2);
		assert_int_equal(shm_get(&S.shm->ready[i]), 1);
	}
}

/* Every account's status, in one `status USER --json' each. */
static void
take_snap(struct storm_snap *s)
{
	json_t *j, *v;
	int a;

	for (a = 0; a < STORM_ACCTS; a++) {
		assert_non_null(j = th_status(&T, accts[a].name));
		v = json_object_get(j, "login_failures");
		assert_true(json_is_integer(v));
		s->stored[a] = json_integer_value(v);
		v = json_object_get(j, "login");
		assert_true(json_is_string(v));
		s->locked[a] = strcmp(json_string_value(v), "locked") == 0;
		json_decref(j);
	}
	s->cut = now_ns();
}

/* How often each kind of check had something to bite on. */
struct storm_bite {
	int judged, low, exact, must_lock, locked;
};

static void
print_judge(const char *name, const struct storm_judge *j)
{
	print_message("    %-7s %4d sent: %3d ok, %3d wrong, %4d locked, %d "
	    "busy, %3d not connected, %d lost, %d other; unlocks %2d sent, %2d "
	    "answered, %d not connected; answered failures since the last "
	    "possible reset %d, stored %lld (bounds %d..%d%s), %s%s\n", name,
	    j->sent, j->ok, j->fail, j->locked, j->busy, j->refused, j->noans,
	    j->other, j->unl_sent, j->unl_ok, j->unl_refused, j->low,
	    j->stored, j->low,
	    j->high < STORM_MAX_FAIL ? j->high : STORM_MAX_FAIL,
	    j->low == j->high ? ", exact" : "",
	    j->is_locked ? "locked" : "available",
	    j->must_lock ? " (must be)" : "");
}

static void
print_tallies(const struct storm_judge *j, const struct storm_bite *b,
    int kills, int64_t ms)
{
	int a, sent = 0, ans = 0, us = 0, ua = 0;

	for (a = 0; a < STORM_ACCTS; a++) {
		sent += j[a].sent;
		ans += j[a].answered;
		us += j[a].unl_sent;
		ua += j[a].unl_ok;
	}
	print_message("    storm: %d ms, %d kills, %d attempts sent, %d "
	    "answered, unlocks %d sent / %d answered\n", (int)ms, kills, sent,
	    ans, us, ua);
	for (a = 0; a < STORM_ACCTS; a++)
		print_judge(accts[a].name, &j[a]);
	print_message("    %d judgements (one per account at each of %d "
	    "snapshots): %d with answered failures to find, %d exact, %d with "
	    "a lock that must hold, %d locked\n", b->judged,
	    b->judged / STORM_ACCTS, b->low, b->exact, b->must_lock, b->locked);
}

/* The per-account assertions; see judge(). */
static void
check_account(int a, const struct storm_judge *j, int deaths)
{
	if (j->wrong_ok || j->right_fail || j->other || j->unl_other ||
	    j->stored < j->low || j->stored > j->high ||
	    j->stored > STORM_MAX_FAIL || j->low > STORM_MAX_FAIL - 1 ||
	    (j->must_lock && (!j->is_locked || j->stored != STORM_MAX_FAIL)) ||
	    (j->is_locked && (j->stored != STORM_MAX_FAIL ||
	    j->lock_cands == 0))) {
		print_message("    snapshot after death %d of the daemon, "
		    "%s:\n", deaths, accts[a].name);
		print_judge(accts[a].name, j);
	}
	/* a wrong password never succeeds, a right one is never "wrong" */
	assert_int_equal(j->wrong_ok, 0);
	assert_int_equal(j->right_fail, 0);
	assert_int_equal(j->other, 0);
	assert_int_equal(j->unl_other, 0);
	/* 1: every answered failure since the last possible reset is stored */
	assert_true(j->stored >= j->low);
	assert_true(j->low <= STORM_MAX_FAIL - 1);
	/* 2: nothing stored that no attempt can explain; rule 1's cap */
	assert_true(j->stored <= j->high);
	assert_true(j->stored <= STORM_MAX_FAIL);
	/* 3: a lock no unlock can have lifted is still there */
	if (j->must_lock) {
		assert_true(j->is_locked);
		assert_int_equal(j->stored, STORM_MAX_FAIL);
	}
	if (!accts[a].unlocked && j->locked > 0)
		assert_true(j->is_locked);
	/* 4: a lock comes after the last answered reset */
	if (j->is_locked) {
		assert_int_equal(j->stored, STORM_MAX_FAIL);
		assert_true(j->lock_cands > 0);
	}
}

/* Prints the answers that must not be (what the assertions then reject). */
static void
print_odd(const struct storm_rec *recs, size_t n, const struct storm_deaths *d,
    int64_t cut)
{
	const struct storm_rec *r;
	enum storm_class c;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		r = &recs[i];
		c = classify(r);
		if (r->lo >= cut || !((c == CL_OK && !r->right) ||
		    (c == CL_FAIL && r->right) || c == CL_OTHER ||
		    c == CL_UNLOCK_OTHER))
			continue;
		for (k = 0; k < d->n && d->t[k] < r->lo; k++)
			;
		print_message("    odd answer: %s %s (%s) -> %d after %lld ms, "
		    "%lld ms after death %d: \"%s\"\n",
		    r->kind == STORM_UNLOCK ? "unlock" : "auth",
		    accts[r->acct].name, r->kind == STORM_UNLOCK ? (r->right ?
		    "by boss" : "by root") : r->right ? "right" : "wrong",
		    r->code, (long long)(r->ret - r->lo) / 1000000,
		    k > 0 ? (long long)(r->lo - d->t[k - 1]) / 1000000 : -1LL,
		    k, r->msg);
	}
}

/*
 * Reads the store with the children idle and judges every account; the
 * last time (ms >= 0) the tallies are printed first.
 */
static void
judge_all(struct storm_rec *recs, const struct storm_deaths *d,
    struct storm_judge j[STORM_ACCTS], struct storm_bite *b, int64_t ms)
{
	struct storm_snap s;
	size_t n;
	int a;

	take_snap(&s);
	n = load_recs(recs);
	for (a = 0; a < STORM_ACCTS; a++) {
		judge(recs, n, a, d, &s, &j[a]);
		b->judged++;
		b->low += j[a].low > 0;
		b->exact += j[a].low == j[a].high;
		b->must_lock += j[a].must_lock;
		b->locked += j[a].is_locked;
	}
	if (ms >= 0)
		print_tallies(j, b, d->n - 1, ms);
	print_odd(recs, n, d, s.cut);
	for (a = 0; a < STORM_ACCTS; a++)
		check_account(a, &j[a], d->n);
}

/* After the storm: the store serves status, list and a valid audit. */
static void
check_store(void)
{
	json_t *j, *list;
	int i;

	for (i = 0; i < STORM_ACCTS; i++) {
		assert_true(th_exited(&T, th_client(&T, 0, "", "status",
		    accts[i].name, "--json", (char *)NULL), 0));
		assert_non_null(j = json_loads(T.out, 0, NULL));
		json_decref(j);
	}
	assert_true(th_exited(&T, th_client(&T, 0, "", "list", "--json",
	    (char *)NULL), 0));
	assert_non_null(j = json_loads(T.out, 0, NULL));
	list = json_is_array(j) ? j : json_object_get(j, "accounts");
	assert_true(json_is_array(list));
	/* boss and the four accounts */
	assert_int_equal(json_array_size(list), STORM_ACCTS + 1);
	json_decref(j);
	for (i = 0; i < STORM_ACCTS; i++)
		assert_non_null(strstr(T.out, accts[i].name));
	assert_true(th_exited(&T, th_client(&T, 0, "", "audit", "--verify",
	    (char *)NULL), 0));
}

/*
 * The storm.  Each round: the daemon serves for a random while and is
 * SIGKILLed; then the clients are paused and the store is read and judged,
 * either at once after the restart (even rounds: the state exactly as the
 * crash left it) or after a restart under load and a random while of
 * service (odd rounds); then the clients go on.  At the end the daemon is
 * stopped cleanly (the last death), restarted, judged once more and
 * checked as a whole.
 */
static void
test_crash_storm(void **state)
{
	struct storm_judge j[STORM_ACCTS];
	struct storm_deaths d = { { 0 }, 0 };
	struct storm_bite b = { 0 };
	static struct storm_rec recs[STORM_RECS_MAX];
	uint64_t seed = storm_seed(), ks = seed;
	int64_t t0 = now_ns();
	int k;

	(void)state;
	print_message("    storm seed %" PRIu64 " (replay: PWTEST_STORM_SEED="
	    "%" PRIu64 ")\n", seed, seed);
	start_children(seed);
	for (k = 0; k < STORM_KILLS; k++) {
		sleep_ms(rnd_range(&ks, STORM_UP_MIN_MS, STORM_UP_MAX_MS));
		assert_int_equal(th_daemon_kill(&T), 0);
		d.t[d.n++] = now_ns();
		sleep_ms(rnd_range(&ks, 0, STORM_DOWN_MAX_MS));
		if (k % 2 == 0) {
			/* the store exactly as the crash left it */
			assert_true(pause_children());
			assert_int_equal(th_daemon_start(&T, STORM_CONF, true), 0);
		} else {
			/* restarted under load, served a while, then judged */
			assert_int_equal(th_daemon_start(&T, STORM_CONF, true), 0);
			sleep_ms(rnd_range(&ks, 0, STORM_UP_MIN_MS));
			assert_true(pause_children());
		}
		judge_all(recs, &d, j, &b, -1);
		shm_set(&S.shm->pause, 0);
	}
	sleep_ms(STORM_TAIL_MS);
	assert_true(stop_children());
	/* nothing in flight: a clean stop (exit 0) is the last death */
	assert_int_equal(th_daemon_stop(&T), 0);
	d.t[d.n++] = now_ns();
	assert_int_equal(th_daemon_start(&T, STORM_CONF, true), 0);
	check_store();
	judge_all(recs, &d, j, &b, (now_ns() - t0) / 1000000);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_crash_storm, setup,
		    teardown),
	};
	int rc;

	th_init(&T, argc, argv, services);
	rc = cmocka_run_group_tests_name("integration: crash storm", tests,
	    NULL, NULL);
	th_cleanup(&T);
	return rc;
}
