/* SPDX-License-Identifier: MIT */
/*
 * Integration test harness: a private temp dir with pam_wrapper service
 * files and nss_wrapper users, a real pwadmind per test, the real client.
 */
#ifndef TH_HARNESS_H
#define TH_HARNESS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

/* Fake users (nss_wrapper); uids are fixed so tests can switch to them. */
#define TH_UID_BOSS    2001 /* a master */
#define TH_UID_ALICE   2002 /* a user */
#define TH_UID_CAROL   2003 /* an admin */
#define TH_UID_MALLORY 2004 /* a user used as a non-root peer */
#define TH_UID_BOB     2005
#define TH_UID_NOBODY  65534

#define TH_OUT_MAX 65536
#define TH_HOSTS   4 /* the main daemon and three more on one database */

struct th {
	char dir[PATH_MAX];	/* private temp dir (PWTEST_DIR) */
	char build[PATH_MAX];	/* build dir holding pwadmind, pwadmin, .so */
	char sock[PATH_MAX];
	char conf[PATH_MAX];
	char state[PATH_MAX];
	char log[PATH_MAX];
	pid_t daemon;
	int ndaemons;		/* daemons started (fresh state dir each) */
	char out[TH_OUT_MAX];	/* stdout of the last client run */
	char err[TH_OUT_MAX];	/* stderr of the last client run */
	int daemon_status;	/* wait status of a daemon that exited while
				 * starting (th_daemon_start gave -1), or -1 */
	char syslog[PATH_MAX];	/* where syslog(3) lines of this process and
				 * its children land (the module's, through
				 * pam_syslog), or "" without the preload */
	char pg[PATH_MAX];	/* the PostgreSQL cluster's dir (its socket),
				 * or "": daemons use LMDB */
	bool pg_own;		/* ... started by this test (th_pg_start) */
	char pg_started[PATH_MAX]; /* the one to stop at th_cleanup */
	char pg_standby[PATH_MAX]; /* a standby of t->pg, or "": daemons then
				 * name both (libpq's multi-host conninfo) */
	char db[64];		/* the database of the current daemon */
	int ndb;
	pid_t host[TH_HOSTS];	/* th_host_start's daemons (1..), or <= 0 */
	bool host_own_key;	/* th_host_start keeps a secret.key the test
				 * put in the host's state dir */
};

/*
 * Call first in main().  The first time it makes the temp dir, writes the
 * PAM service files (one per line of `services': "NAME|ARGS") and the
 * nss_wrapper files, then re-execs the test under pam_wrapper and
 * nss_wrapper.  In the re-executed process it fills *t and returns.
 */
void th_init(struct th *t, int argc, char **argv, const char *const *services);
/*
 * A whole PAM service file for th_init_files, written as given except that
 * @DIR@ stands for the temp dir and @BUILD@ for the build dir (where
 * pam_pwadmin.so is).  pam_wrapper copies the service dir when the process
 * starts, so every service must exist before the re-exec.
 */
struct th_svcfile {
	const char *name;
	const char *text;
};
/* th_init, plus the whole service files files[] (ends with a NULL name). */
void th_init_files(struct th *t, int argc, char **argv,
    const char *const *services, const struct th_svcfile *files);
/*
 * Daemons and clients the harness starts run under nss_wrapper, the
 * sanitizer runtime and the syslog preload; PWTEST_CHILD_PRELOAD, when
 * set, names one more library to preload ahead of nss_wrapper (an NSS
 * shim of a test).
 */
/* Removes the temp dir (call at the end of main). */
void th_cleanup(struct th *t);
/* Real root: may switch to other uids (false inside a user namespace). */
bool th_is_root(void);

/*
 * Starts pwadmind -f with a fresh state dir (unless keep_state) and a
 * config of test defaults plus `extra' lines; waits until it accepts.
 * Returns 0 or -1 (and prints the daemon log).
 */
int th_daemon_start(struct th *t, const char *extra, bool keep_state);
/*
 * th_daemon_start with the daemon's wall clock shifted by libfaketime
 * (Debian package faketime): `offset' is a relative FAKETIME value such as
 * "+100d" or "-2h", from which the clock keeps running.  CLOCK_MONOTONIC
 * is not shifted, so the daemon's timeouts are unaffected.  Only the
 * daemon runs shifted; the client and PAM keep the real clock.  Returns
 * -1 (and says why) when libfaketime is not installed; PWTEST_FAKETIME_LIB
 * names another library.
 */
int th_daemon_start_shifted(struct th *t, const char *extra, bool keep_state,
    const char *offset);
/* SIGTERM; returns the exit status (0 expected) or -1. */
int th_daemon_stop(struct th *t);

/*
 * PostgreSQL (tests/pg.sh).  With a cluster, th_daemon_start gives each
 * fresh daemon a new database whose schema `pwadmind --init-db' made (as
 * the schema owner), and runs the daemon as the runtime role.  The whole
 * suite runs so when PWTEST_PG names a running cluster (tests/run.sh's
 * second pass); th_pg_start starts a test's own otherwise.
 */
int th_pg_start(struct th *t);
bool th_pg_on(const struct th *t);
/*
 * Skips the running test (cmocka) when the daemons use PostgreSQL: for the
 * tests that reach into the LMDB files; `why' is printed.
 */
void th_lmdb_only(const struct th *t, const char *why);
/* tests/pg.sh CMD on the cluster: "kill" (immediate stop), "restart" */
int th_pg(struct th *t, const char *cmd);
/*
 * SQL in the current daemon's database, as the cluster's superuser (a
 * test's hand on the rows); its rows, '|'-separated, into out.  0 or -1.
 */
int th_pg_sql(struct th *t, const char *sql, char *out, size_t outsz);
/* tests/pg.sh CMD DIR [A1 [A2]] on any cluster (a test's second one). */
int th_pg_sh(const struct th *t, const char *dir, const char *cmd,
    const char *a1, const char *a2);
/* A new current database with the schema and nothing in it (no daemon). */
int th_pg_new_db(struct th *t);
/* `store = ...' and `postgresql = ...' lines naming the current database */
void th_pg_conf(const struct th *t, char *out, size_t outsz);
/*
 * Another host on the current database: pwadmind with its own socket
 * (th_host_sock), state dir "hstateI" (the main daemon's OTP key copied
 * in, unless t->host_own_key and the test put another there) and
 * host_name "hostI", i from 1 to TH_HOSTS - 1.  0 or -1 (log printed).
 */
int th_host_start(struct th *t, int i, const char *extra);
/* Signals host i's daemon (SIGTERM, SIGKILL) and waits for it. */
int th_host_kill(struct th *t, int i, int sig);
/* The socket of host i (0: the main daemon's). */
void th_host_sock(const struct th *t, int i, char *out, size_t outsz);
/* SIGKILL: a crash.  Returns 0 when it died. */
int th_daemon_kill(struct th *t);

/*
 * The number of a "Field:  N" line of /proc/PID/status (VmRSS and VmHWM
 * in KiB, Threads), or -1.
 */
long th_proc_value(pid_t pid, const char *field);

/*
 * Runs the real client: build/pwadmin --socket SOCK --stdin ARGS..., as uid
 * (0 = as the caller), with `input' on standard input.  Captures stdout
 * into t->out and stderr into t->err; returns the exit status, or -1.
 * The argument list ends with NULL.
 */
int th_client(struct th *t, uid_t uid, const char *input, ...)
    __attribute__((sentinel));
/*
 * Like th_client, but the client runs on a new pseudo-terminal: its
 * standard input, output and error are the terminal (its controlling one),
 * `input' is typed on it (echo off) and everything it prints is captured
 * into t->out (t->err is emptied).  Returns the exit status, or -1, also
 * when the client has not finished after 10 seconds.
 */
int th_client_pty(struct th *t, uid_t uid, const char *input, ...)
    __attribute__((sentinel));
/*
 * The client in a conversation: started by th_client_start with pipes for
 * its standard input, output and error, it is fed with th_client_send
 * while the test reads what it prints with th_client_expect, and ended by
 * th_client_finish.  For commands whose later input depends on their
 * earlier output (`otp enroll' prints a URI, then reads a code from it).
 */
struct th_proc {
	pid_t pid;
	int in, out, err;	/* our ends, -1 once closed */
	size_t outlen, errlen;	/* bytes captured so far in t->out, t->err */
	size_t scan;		/* start of the first line not yet matched */
};
/*
 * Starts build/pwadmin --socket SOCK --stdin ARGS... as uid (0 = as the
 * caller); t->out and t->err are emptied and collect what it prints.
 * Returns 0, or -1.  The argument list ends with NULL.
 */
int th_client_start(struct th *t, struct th_proc *p, uid_t uid, ...)
    __attribute__((sentinel));
/* Writes text to the client's standard input.  Returns 0 or -1. */
int th_client_send(struct th_proc *p, const char *text);
/*
 * Reads the client's output (into t->out and t->err) until a whole line of
 * standard output not matched before contains `needle'; copies that line
 * (without its newline) into line.  Returns 0, or -1 when the client
 * closed its output first or after timeout_ms milliseconds.
 */
int th_client_expect(struct th *t, struct th_proc *p, const char *needle,
    char *line, size_t linesz, int timeout_ms);
/*
 * Closes the client's standard input, reads the rest of its output and
 * waits for it (at most 10 s, then SIGKILL).  Returns its exit status, or
 * -1 (killed, or did not finish).
 */
int th_client_finish(struct th *t, struct th_proc *p);

/* `pwadmin status USER --json' as root, parsed; NULL on failure. */
json_t *th_status(struct th *t, const char *user);
/* One counter of `pwadmin stats --json', or -1. */
long long th_stat(struct th *t, const char *name);

/* Creates the master boss (init) plus users, as root, with known passwords. */
#define TH_PW_BOSS_LOGIN    "Master-login-pw1"
#define TH_PW_BOSS_CONFIRM  "Master-confirm-pw2"
#define TH_PW_ALICE_LOGIN   "Wonder-login-pw1"
#define TH_PW_ALICE_CONFIRM "Wonder-confirm-pw2"
int th_seed(struct th *t);
/* th_daemon_start (fresh state) then th_seed; stops the daemon on failure. */
int th_start_seeded(struct th *t, const char *extra);
/* An integer field of `status USER --json', or -1. */
long long th_field(struct th *t, const char *user, const char *name);
/* True when a string field of `status USER --json' equals want. */
bool th_field_is(struct th *t, const char *user, const char *name,
    const char *want);

/*
 * One PAM transaction on `service' for `user' with the given password
 * typed at the prompt: runs the operations in ops[] (PAMTEST_*), stops at
 * the first whose result differs from expected[], and returns the index
 * reached (n when all matched).  Error messages shown are copied into
 * errmsg (joined by '\n').
 */
int th_pam(const char *service, const char *user, const char *password,
    const int *ops, const int *expected, int n, char *errmsg, size_t errsz);
/*
 * n pam_authenticate calls for user at once (threads behind a barrier,
 * each with its own PAM handle: pam_wrapper sets itself up once per
 * process), the i-th on services[i] with passwords[i].  counts[code]
 * counts the PAM codes they returned.  0, or -1 (a code out of range).
 */
#define TH_PARALLEL_MAX 64
int th_pam_parallel(int n, const char *user, const char *const *services,
    const char *const *passwords, int counts[64]);
/* The result of pam_authenticate alone. */
int th_pam_auth(const char *service, const char *user, const char *password,
    char *errmsg, size_t errsz);

/*
 * th_pam_auth without the failure delay the module asks for (2 s): the
 * application's PAM_FAIL_DELAY function, a no-op here, replaces libpam's
 * sleep.  For tests that type many wrong passwords to set up a lock.
 */
int th_pam_auth_nodelay(const char *service, const char *user,
    const char *password, char *errmsg, size_t errsz);

/*
 * A scripted conversation: hidden (and visible) prompts are answered in
 * order from answers[] (NULL-terminated, like pamtest_conv_data's
 * in_echo_off); every prompt and message is recorded as shown.  A prompt
 * that finds no answer left fails the conversation (PAM_CONV_ERR) and sets
 * ran_out.
 */
struct pam_testcase; /* libpamtest.h */
struct th_script {
	const char *const *answers;
	size_t used;		/* answers consumed */
	bool ran_out;
	char prompts[2048];	/* each prompt as shown, one per line */
	char errors[2048];	/* PAM_ERROR_MSG texts, one per line */
	char infos[2048];	/* PAM_TEXT_INFO texts, one per line */
};
/*
 * One PAM transaction through libpamtest on `service' for `user': the
 * cases tc[] (pam_test(), pam_test_flags()) run in order until the first
 * whose result differs from its expected one, with the conversation s
 * (reset first) and without the failure delay (as th_pam_auth_nodelay).
 * Returns the number of cases that matched (n when all did) and says on
 * stderr which case differed.
 */
int th_pam_script(const char *service, const char *user, struct th_script *s,
    struct pam_testcase *tc, size_t n);

/* Exactly one non-empty line, as every refusal of the client must print. */
/*
 * One PAM operation `op' (enum pamtest_ops) with flags, answering its
 * prompts from `answers' (NULL: none); prompts and messages into *s.
 * Returns the operation's code (`expected' only names it in the log of a
 * mismatch).
 */
int th_pam_one(const char *service, const char *user, int op, int flags,
    int expected, const char *const *answers, struct th_script *s);

bool th_one_line(const char *s);
/*
 * Did the last th_client end with exit `want' (and, for a refusal, exactly
 * one line on stderr)?  Prints the exit and both outputs when not.
 */
bool th_exited(const struct th *t, int rc, int want);

/*
 * Log and secret collection for the whole run (tests/run.sh).  When
 * PWTEST_LOGDIR names a directory, the harness appends there every line
 * the daemons of this test wrote (PROG.daemon.log, copied from t->log when
 * a daemon stops, is killed, fails to start or before the next start) and
 * every syslog(3) line of the test and its children (PROG.syslog.log: the
 * preload tests/lib/preload/th_syslog.c, named by PWTEST_SYSLOG_SHIM or
 * found as BUILD/tests/lib/th_syslog.so, replaces syslog; pam_wrapper is
 * told to hand pam_syslog to libpam, which calls syslog).  Every secret
 * of at least TH_SECRET_MIN characters typed through th_pam*, th_pam_script
 * answers and th_client* input (each line), and every OTP secret of an
 * otpauth:// URI a client printed, goes to PROG.secrets.  Without
 * PWTEST_LOGDIR the syslog lines go to DIR/syslog.log and no secret is
 * kept.  run.sh then checks that no log line holds any secret.
 */
/* Shorter ones (6-digit OTP codes) would match unrelated numbers. */
#define TH_SECRET_MIN 8 /* characters */
/* Records s as a secret (a test that sends one without the harness). */
void th_note_secret(const char *s);

/* Path helpers */
void th_path(const struct th *t, char *out, size_t outsz, const char *rel);

#endif
