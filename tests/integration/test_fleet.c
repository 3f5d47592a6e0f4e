/* SPDX-License-Identifier: MIT */
/*
 * Many hosts, one account state: three pwadmind processes (standing for
 * three hosts) on one PostgreSQL database that the test starts (tests/pg.sh),
 * through real PAM calls and the real client.  Rule 1 across hosts: 64
 * wrong attempts spread over the three evaluate exactly N guesses in all;
 * 64 right ones with N-1 failures stored all succeed.  An admin command on
 * one host holds on every other.  The database stopped is "unavailable" on
 * every host, nothing hashed, and service resumes by itself.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
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
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>
#include <libpamtest.h>

#include "harness.h"
#include "th_otp.h"

#define NPAR   64
#define NHOSTS 3 /* the main daemon (host 0), hosts 1 and 2 */

static struct th T;

static const char *const services[] = {
	"pwh0|socket=@DIR@/sock",
	"pwh1|socket=@DIR@/host1.sock",
	"pwh2|socket=@DIR@/host2.sock",
	"pwotp0|socket=@DIR@/sock otp",
	"pwotp1|socket=@DIR@/host1.sock otp",
	NULL,
};
static const char *const service_of[NHOSTS] = { "pwh0", "pwh1", "pwh2" };

/* Costly enough (a few ms a hash) that attempts really overlap. */
#define SLOW_HASH "argon2_mem_kib = 4096\nhash_workers = 2\n"

static void use_host(int i);

static int
group_setup(void **state)
{
	(void)state;
	return th_pg_start(&T);
}

static int
setup(void **state)
{
	int i;

	(void)state;
	use_host(0);
	if (th_start_seeded(&T, SLOW_HASH) != 0)
		return -1;
	for (i = 1; i < NHOSTS; i++)
		if (th_host_start(&T, i, SLOW_HASH) != 0)
			return -1;
	return 0;
}

static int
teardown(void **state)
{
	int i, r = 0;

	(void)state;
	for (i = 1; i < NHOSTS; i++)
		if (T.host[i] > 0 && th_host_kill(&T, i, SIGTERM) != 0)
			r = -1;
	if (th_daemon_stop(&T) != 0)
		r = -1;
	return r;
}

/* Runs the client against host i (its socket) instead of the main one. */
static void
use_host(int i)
{
	char sock[PATH_MAX];

	th_host_sock(&T, i, sock, sizeof(sock));
	snprintf(T.sock, sizeof(T.sock), "%s", sock);
}

/* A counter of `stats' summed over every host. */
static long long
stat_all(const char *name)
{
	long long sum = 0, v;
	int i;

	for (i = 0; i < NHOSTS; i++) {
		use_host(i);
		v = th_stat(&T, name);
		if (v < 0)
			sum = -1000000;
		sum += v;
	}
	use_host(0);
	return sum;
}

/* NPAR attempts at once, spread round-robin over the hosts. */
static void
parallel_auth(const char *password, int counts[64])
{
	const char *svc[NPAR], *pw[NPAR];
	int i;

	for (i = 0; i < NPAR; i++) {
		svc[i] = service_of[i % NHOSTS];
		pw[i] = password;
	}
	assert_int_equal(th_pam_parallel(NPAR, "alice", svc, pw, counts), 0);
}

static void
test_fleet_wrong_exactly_n(void **state)
{
	int counts[64], i;

	(void)state;
	assert_int_equal(stat_all("hashes_evaluated"), 0);
	parallel_auth("Wrong-guess-99", counts);
	/* exactly max_login_failures (5) guesses in all three hosts */
	assert_int_equal(stat_all("hashes_evaluated"), 5);
	assert_int_equal(counts[PAM_AUTH_ERR], 4);
	assert_int_equal(counts[PAM_MAXTRIES], NPAR - 4);
	assert_int_equal(stat_all("locks"), 1);
	for (i = 0; i < NHOSTS; i++) {
		use_host(i);
		assert_int_equal(th_field(&T, "alice", "login_failures"), 5);
		assert_true(th_field_is(&T, "alice", "login", "locked"));
	}
	use_host(0);
	print_message("    64 wrong over 3 hosts: 5 hashed, %lld waited for a "
	    "slot\n", stat_all("waited_for_slot"));
}

static void
test_fleet_right_all_succeed(void **state)
{
	char msg[256];
	int counts[64], i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(th_pam_auth(service_of[i % NHOSTS], "alice",
		    "Wrong-guess-99", msg, sizeof(msg)), PAM_AUTH_ERR);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 4);
	/* one free slot in the fleet, 64 right passwords over three hosts */
	parallel_auth(TH_PW_ALICE_LOGIN, counts);
	assert_int_equal(counts[PAM_SUCCESS], NPAR);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 0);
	assert_int_equal(stat_all("locks"), 0);
}

static void
test_fleet_admin_anywhere(void **state)
{
	const int ops[] = { PAMTEST_AUTHENTICATE, PAMTEST_ACCOUNT };
	const int newtok[] = { PAM_SUCCESS, PAM_NEW_AUTHTOK_REQD };
	char msg[256];
	int i;

	(void)state;
	/* locked on host 0 */
	for (i = 0; i < 5; i++)
		(void)th_pam_auth("pwh0", "alice", "Wrong-guess-99", msg,
		    sizeof(msg));
	assert_int_equal(th_pam_auth("pwh2", "alice", TH_PW_ALICE_LOGIN, msg,
	    sizeof(msg)), PAM_MAXTRIES);
	/* unlocked by root on host 1, in on host 2 */
	use_host(1);
	assert_true(th_exited(&T, th_client(&T, 0, "", "unlock", "alice",
	    (char *)NULL), 0));
	assert_int_equal(th_pam_auth("pwh2", "alice", TH_PW_ALICE_LOGIN, msg,
	    sizeof(msg)), PAM_SUCCESS);
	/* reset on host 0 forces the change at a login on host 1 */
	use_host(0);
	assert_true(th_exited(&T, th_client(&T, 0, "Fleet-reset-pw1\n",
	    "reset", "alice", "--login", (char *)NULL), 0));
	assert_int_equal(th_pam("pwh1", "alice", "Fleet-reset-pw1", ops,
	    newtok, 2, msg, sizeof(msg)), 2);
	/* one audit chain, read and checked from another host; each entry
	 * names the host that wrote it */
	use_host(2);
	assert_true(th_exited(&T, th_client(&T, 0, "", "audit", (char *)NULL),
	    0));
	assert_non_null(strstr(T.out, "root(uid 0)@host1  unlock  alice"));
	assert_non_null(strstr(T.out, "root(uid 0)@host0  reset  alice"));
	assert_non_null(strstr(T.out, "pwadmind(uid 0)@host0  lock  alice"));
	assert_true(th_exited(&T, th_client(&T, 0, "", "audit", "--verify",
	    (char *)NULL), 0));
	use_host(0);
}

static void
test_fleet_database_down(void **state)
{
	char msg[256];
	int i;

	(void)state;
	assert_int_equal(th_pg(&T, "kill"), 0);
	for (i = 0; i < NHOSTS; i++) {
		assert_int_equal(th_pam_auth(service_of[i], "alice",
		    TH_PW_ALICE_LOGIN, msg, sizeof(msg)), PAM_AUTHINFO_UNAVAIL);
		assert_int_equal(th_pam_auth(service_of[i], "alice",
		    "Wrong-guess-99", msg, sizeof(msg)), PAM_AUTHINFO_UNAVAIL);
		use_host(i);
		/* the client: "unreachable", exit 3 */
		assert_int_equal(th_client(&T, 0, "", "status", "alice",
		    (char *)NULL), 3);
	}
	use_host(0);
	assert_int_equal(th_pg(&T, "restart"), 0);
	/* nothing was hashed while it was down, and nobody restarted */
	assert_int_equal(stat_all("hashes_evaluated"), 0);
	for (i = 0; i < NHOSTS; i++)
		assert_int_equal(th_pam_auth(service_of[i], "alice",
		    TH_PW_ALICE_LOGIN, msg, sizeof(msg)), PAM_SUCCESS);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 0);
}

/*
 * The one chain of the fleet, edited by hand in the database: any host's
 * audit --verify names the entry.  seq 2 is the init of boss by host 0.
 */
static void
verify_names(int host, const char *sql, const char *words)
{
	char out[256];

	assert_int_equal(th_pg_sql(&T, sql, out, sizeof(out)), 0);
	use_host(host);
	/* words "": the edit was undone, and the chain verifies again */
	assert_true(th_exited(&T, th_client(&T, 0, "", "audit", "--verify",
	    (char *)NULL), words[0] == '\0' ? 0 : 1));
	if (strstr(T.err, words) == NULL)
		fail_msg("after %s: %s", sql, T.err);
	use_host(0);
}

/*
 * The log's trigger refuses any change but the next entry, even to the
 * schema's owner; a superuser can switch triggers off for a session, and
 * the edits below stand for such an attacker.
 */
#define BYPASS "SET session_replication_role = replica; "

static void
test_fleet_audit_tamper(void **state)
{
	char out[64], detail[256], undo[512];

	(void)state;
	/* the runtime role may not change or remove an entry at all, and
	 * the owner (through the trigger) may not either */
	assert_int_equal(th_pg_sql(&T, "SET ROLE pwadmind; UPDATE "
	    "pwadmin.audit SET detail = 'x' WHERE seq = 2", out, sizeof(out)),
	    -1);
	assert_int_equal(th_pg_sql(&T, "SET ROLE pwadmind; DELETE FROM "
	    "pwadmin.audit WHERE seq = 2", out, sizeof(out)), -1);
	assert_int_equal(th_pg_sql(&T, "SET ROLE pwadmin_owner; DELETE FROM "
	    "pwadmin.audit WHERE seq = 2", out, sizeof(out)), -1);
	assert_int_equal(th_pg_sql(&T, "SET ROLE pwadmind; INSERT INTO "
	    "pwadmin.audit (seq, time, uid, actor, action, target, status, "
	    "detail, host, hash) VALUES (1000, 0, 0, 'x', 'y', '', 0, '', "
	    "'h', '\\x00')", out, sizeof(out)), -1);
	assert_true(th_exited(&T, th_client(&T, 0, "", "audit", "--verify",
	    (char *)NULL), 0));
	/* the entries of this database name their host; the rows keep it */
	assert_int_equal(th_pg_sql(&T, "SELECT host || ' ' || actor FROM "
	    "pwadmin.audit WHERE seq = 2", out, sizeof(out)), 0);
	assert_string_equal(out, "host0 root");
	assert_int_equal(th_pg_sql(&T, "SELECT detail FROM pwadmin.audit "
	    "WHERE seq = 2", detail, sizeof(detail)), 0);
	snprintf(undo, sizeof(undo), BYPASS "UPDATE pwadmin.audit SET host = "
	    "'host0', "
	    "actor = 'root', detail = '%s' WHERE seq = 2", detail);
	verify_names(1, BYPASS "UPDATE pwadmin.audit SET host = 'host9' WHERE "
	    "seq = 2", "2");
	verify_names(2, undo, "");
	verify_names(2, BYPASS "UPDATE pwadmin.audit SET detail = 'edited' "
	    "WHERE seq = 2", "2");
	verify_names(1, undo, "");
	verify_names(1, BYPASS "UPDATE pwadmin.audit SET actor = 'a b' WHERE "
	    "seq = 2", "2");
	verify_names(2, undo, "");
	verify_names(2, BYPASS "DELETE FROM pwadmin.audit WHERE seq = 3", "3");
}

/*
 * A daemon killed while it holds a slot: the slot is a row, and once it
 * is older than slot_hold it counts as a failure, found by the next guess
 * on another host.  The other hosts serve meanwhile.
 */
struct held {
	int rv;
};

static void *
slow_guess(void *arg)
{
	struct held *h = arg;

	h->rv = th_pam_auth("pwh1", "alice", "Wrong-guess-99", NULL, 0);
	return NULL;
}

static void
test_fleet_killed_holder(void **state)
{
	char out[64];
	struct held h = { -1 };
	pthread_t th;
	int i;

	(void)state;
	/* a costly login hash for alice, made on a host that hashes slowly,
	 * so that host 1's guess holds its slot for a while */
	assert_int_equal(th_host_kill(&T, 1, SIGTERM), 0);
	assert_int_equal(th_host_start(&T, 1, "argon2_mem_kib = 262144\n"
	    "argon2_ops = 4\nhash_workers = 1\nslot_wait_timeout = 1\n"
	    "slot_hold = 2\n"), 0);
	use_host(1);
	assert_true(th_exited(&T, th_client(&T, 0, "Slow-hash-pw1\n", "reset",
	    "alice", "--login", "--no-force-change", (char *)NULL), 0));
	use_host(0);
	assert_int_equal(pthread_create(&th, NULL, slow_guess, &h), 0);
	for (i = 0; i < 500; i++) {
		assert_int_equal(th_pg_sql(&T, "SELECT count(*) FROM "
		    "pwadmin.slots", out, sizeof(out)), 0);
		if (strcmp(out, "1") == 0)
			break;
		usleep(10000);
	}
	assert_string_equal(out, "1");
	assert_int_equal(th_host_kill(&T, 1, SIGKILL), 0);
	pthread_join(th, NULL);
	assert_int_equal(h.rv, PAM_AUTHINFO_UNAVAIL);
	/* the hold is not given back: nothing counted yet, the slot taken */
	assert_int_equal(th_field(&T, "alice", "login_failures"), 0);
	assert_int_equal(th_pg_sql(&T, "SELECT count(*) FROM pwadmin.slots",
	    out, sizeof(out)), 0);
	assert_string_equal(out, "1");
	sleep(3); /* slot_hold of the host that took it: 2 s */
	/* the next guess, on host 2, finds it expired: one failure, then
	 * its own */
	assert_int_equal(th_pam_auth("pwh2", "alice", "Wrong-guess-99", NULL,
	    0), PAM_AUTH_ERR);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 2);
	assert_int_equal(th_pg_sql(&T, "SELECT count(*) FROM pwadmin.slots",
	    out, sizeof(out)), 0);
	assert_string_equal(out, "0");
	assert_int_equal(th_pam_auth("pwh0", "alice", "Slow-hash-pw1", NULL, 0),
	    PAM_SUCCESS);
}

/*
 * A time step accepted on one host is refused on every other: the last
 * accepted step is the database's, written in the transaction that
 * accepted it.
 */
static void
test_fleet_otp_replay(void **state)
{
	struct th_token k;
	struct th_script s;
	char code[16];
	long long step;

	(void)state;
	if (!th_is_root())
		skip(); /* enrolment runs as the account's uid */
	th_otp_enroll_ok(&T, TH_UID_ALICE, "alice", TH_PW_ALICE_CONFIRM, &k);
	/* the activation used its step: the next one, within the window */
	step = k.step + 1;
	th_otp_code_at(&k, step, code, sizeof(code));
	assert_int_equal(th_otp_login("pwotp0", "alice", TH_PW_ALICE_LOGIN,
	    code, PAM_SUCCESS, &s), PAM_SUCCESS);
	/* the same code on host 1, within its window: a replay */
	assert_int_equal(th_otp_login("pwotp1", "alice", TH_PW_ALICE_LOGIN,
	    code, PAM_AUTH_ERR, &s), PAM_AUTH_ERR);
	use_host(1);
	assert_int_equal(th_stat(&T, "otp_replayed"), 1);
	use_host(0);
	assert_int_equal(th_stat(&T, "otp_replayed"), 0);
	/* a replay counts as a wrong code, on the one counter of the fleet */
	assert_int_equal(th_field(&T, "alice", "otp_failures"), 1);
}

/*
 * A database too slow to answer (here: a table locked by someone else)
 * is an unavailable one: the attempt is refused unhashed once the lock
 * timeout (10 s) passes, and the next one after it is served.
 */
struct slow {
	const char *sql;
	int rc;
};

static void *
hold_lock(void *arg)
{
	struct slow *s = arg;
	char out[64];

	s->rc = th_pg_sql(&T, s->sql, out, sizeof(out));
	return NULL;
}

static void
test_fleet_database_slow(void **state)
{
	struct slow s = { "BEGIN; LOCK TABLE pwadmin.users IN ACCESS "
		"EXCLUSIVE MODE; SELECT pg_sleep(13); COMMIT", -1 };
	pthread_t th;
	char msg[256];

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, hold_lock, &s), 0);
	sleep(1); /* the lock is taken */
	assert_int_equal(th_pam_auth("pwh1", "alice", TH_PW_ALICE_LOGIN, msg,
	    sizeof(msg)), PAM_AUTHINFO_UNAVAIL);
	pthread_join(th, NULL);
	assert_int_equal(s.rc, 0);
	assert_int_equal(stat_all("hashes_evaluated"), 0);
	assert_int_equal(th_pam_auth("pwh1", "alice", TH_PW_ALICE_LOGIN, msg,
	    sizeof(msg)), PAM_SUCCESS);
}

/*
 * A host whose secret.key is not the one the other hosts recorded refuses
 * to start, tokens or not: its tokens could not be opened elsewhere.
 */
static void
test_fleet_other_key(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], key[32];
	FILE *f;
	size_t i;

	(void)state;
	th_path(&T, dir, sizeof(dir), "hstate3");
	assert_true(mkdir(dir, 0700) == 0 || errno == EEXIST);
	snprintf(path, sizeof(path), "%s/secret.key", dir);
	for (i = 0; i < sizeof(key); i++)
		key[i] = (char)(0x5a ^ i);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(key, 1, sizeof(key), f), sizeof(key));
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	T.host_own_key = true;
	assert_int_equal(th_host_start(&T, 3, NULL), -1);
	T.host_own_key = false;
	/* and says why */
	assert_non_null(f = fopen(T.log, "r"));
	T.out[fread(T.out, 1, sizeof(T.out) - 1, f)] = '\0';
	fclose(f);
	assert_non_null(strstr(T.out, "not the key of the other hosts"));
	assert_int_equal(unlink(path), 0);
	/* with the fleet's key copied in, it serves */
	assert_int_equal(th_host_start(&T, 3, NULL), 0);
	assert_int_equal(th_host_kill(&T, 3, SIGTERM), 0);
}

/* ==== The schema, the roles, the copy of an LMDB store ==== */

/*
 * pwadmind -c CONF [ARG] with `conf' as its whole configuration, as the
 * harness's daemons run; its exit status, its standard error in T.err and
 * its standard output in T.out.
 */
static int
pwadmind_once(const char *conf, const char *arg, const char *arg2)
{
	char path[PATH_MAX], exe[PATH_MAX], cmd[4 * PATH_MAX];
	FILE *f;
	int st;

	th_path(&T, path, sizeof(path), "once.conf");
	assert_non_null(f = fopen(path, "w"));
	fputs(conf, f);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	snprintf(exe, sizeof(exe), "%s/pwadmind", T.build);
	/* a daemon that starts when it should not is stopped, and fails */
	snprintf(cmd, sizeof(cmd), "env -u LD_PRELOAD timeout 20 %s -f -c %s "
	    "%s %s >%s/once.out 2>%s/once.err </dev/null", exe, path,
	    arg != NULL ? arg : "", arg2 != NULL ? arg2 : "", T.dir, T.dir);
	st = system(cmd);
	snprintf(path, sizeof(path), "%s/once.err", T.dir);
	T.err[0] = '\0';
	if ((f = fopen(path, "r")) != NULL) {
		T.err[fread(T.err, 1, sizeof(T.err) - 1, f)] = '\0';
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/once.out", T.dir);
	T.out[0] = '\0';
	if ((f = fopen(path, "r")) != NULL) {
		T.out[fread(T.out, 1, sizeof(T.out) - 1, f)] = '\0';
		fclose(f);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A configuration on the current database as `role', on a spare socket. */
static void
conf_as(char *out, size_t outsz, const char *role, const char *more)
{
	snprintf(out, outsz, "store = postgresql\npostgresql = host=%s "
	    "dbname=%s user=%s\nsocket = %s/once.sock\nstate_dir = %s\n"
	    "user = root\n%s", T.pg, T.db, role, T.dir, T.state,
	    more != NULL ? more : "");
}

static void
test_fleet_schema_and_roles(void **state)
{
	char conf[2048], out[256];

	(void)state;
	assert_int_equal(th_pg_new_db(&T), 0);
	snprintf(T.state, sizeof(T.state), "%s/once-state", T.dir);
	/* a password in the configuration, or a superuser: refused */
	snprintf(conf, sizeof(conf), "store = postgresql\npostgresql = host=%s "
	    "dbname=%s user=pwadmind password=hunter2\n", T.pg, T.db);
	assert_int_equal(pwadmind_once(conf, NULL, NULL), 1);
	assert_non_null(strstr(T.err, "passfile"));
	conf_as(conf, sizeof(conf), "postgres", NULL);
	assert_int_equal(pwadmind_once(conf, NULL, NULL), 1);
	assert_non_null(strstr(T.err, "superuser"));
	/* nor one that only looks like the runtime role (options=-c role=) */
	snprintf(conf, sizeof(conf), "store = postgresql\npostgresql = host=%s "
	    "dbname=%s user=postgres options='-c role=pwadmind'\n"
	    "socket = %s/once.sock\nstate_dir = %s\nuser = root\n", T.pg,
	    T.db, T.dir, T.state);
	assert_int_equal(pwadmind_once(conf, NULL, NULL), 1);
	assert_non_null(strstr(T.err, "superuser"));
	/* nor the schema's owner */
	conf_as(conf, sizeof(conf), "pwadmin_owner", NULL);
	assert_int_equal(pwadmind_once(conf, NULL, NULL), 1);
	assert_non_null(strstr(T.err, "owner"));
	/* a hold shorter than the wait for a hash worker */
	conf_as(conf, sizeof(conf), "pwadmind", "slot_hold = 5\n"
	    "slot_wait_timeout = 5\n");
	assert_int_equal(pwadmind_once(conf, NULL, NULL), 1);
	assert_non_null(strstr(T.err, "slot_hold"));
	/* the runtime role reads and writes rows, never the schema */
	assert_int_equal(th_pg_sql(&T, "SET ROLE pwadmind; SELECT count(*) "
	    "FROM pwadmin.users", out, sizeof(out)), 0);
	assert_string_equal(out, "0");
	assert_int_equal(th_pg_sql(&T, "SET ROLE pwadmind; ALTER TABLE "
	    "pwadmin.users ADD COLUMN x int", out, sizeof(out)), -1);
	assert_int_equal(th_pg_sql(&T, "SET ROLE pwadmind; DROP TABLE "
	    "pwadmin.audit", out, sizeof(out)), -1);
	assert_int_equal(th_pg_sql(&T, "SET ROLE pwadmind; INSERT INTO "
	    "pwadmin.meta VALUES ('schema', '\\x32') ON CONFLICT (key) DO "
	    "UPDATE SET value = EXCLUDED.value", out, sizeof(out)), 0);
	/* a schema newer than this pwadmind: refused, by the daemon and by
	 * --init-db, which changes nothing */
	conf_as(conf, sizeof(conf), "pwadmind", NULL);
	assert_int_equal(pwadmind_once(conf, NULL, NULL), 1);
	assert_non_null(strstr(T.err, "newer than this pwadmind"));
	conf_as(conf, sizeof(conf), "pwadmin_owner", NULL);
	assert_int_equal(pwadmind_once(conf, "--init-db", NULL), 1);
	assert_non_null(strstr(T.err, "nothing changed"));
	/* the current version again: --init-db has nothing to do */
	assert_int_equal(th_pg_sql(&T, "UPDATE pwadmin.meta SET value = "
	    "convert_to('1', 'UTF8') WHERE key = 'schema'", out, sizeof(out)),
	    0);
	assert_int_equal(pwadmind_once(conf, "--init-db", NULL), 0);
	assert_non_null(strstr(T.out, "nothing to do"));
	/* a database without the schema */
	assert_int_equal(th_pg_sql(&T, "DROP SCHEMA pwadmin CASCADE", out,
	    sizeof(out)), 0);
	conf_as(conf, sizeof(conf), "pwadmind", NULL);
	assert_int_equal(pwadmind_once(conf, NULL, NULL), 1);
	assert_non_null(strstr(T.err, "--init-db"));
}

/* A count of `pwadmin audit --json' entries, or -1. */
static long
audit_entries(void)
{
	json_t *j;
	long n = -1;

	if (th_client(&T, 0, "", "audit", "--json", (char *)NULL) == 0 &&
	    (j = json_loads(T.out, 0, NULL)) != NULL) {
		n = (long)json_array_size(json_object_get(j, "entries"));
		json_decref(j);
	}
	return n;
}

static void
test_fleet_copy_from(void **state)
{
	char pg[PATH_MAX], conf[2048], lmdb[PATH_MAX], msg[PATH_MAX + 16];
	struct stat before, after;
	long entries;
	int i;

	(void)state;
	/* a store of one host (LMDB) with accounts, locks, history, audit */
	snprintf(pg, sizeof(pg), "%s", T.pg);
	T.pg[0] = '\0';
	assert_int_equal(th_start_seeded(&T, NULL), 0);
	for (i = 0; i < 5; i++)
		(void)th_pam_auth("pwh0", "alice", "Wrong-guess-99", msg,
		    sizeof(msg));
	assert_true(th_exited(&T, th_client(&T, 0, "Copied-reset-pw1\n",
	    "reset", "alice", "--login", "--no-force-change", (char *)NULL),
	    0));
	assert_true(th_exited(&T, th_client(&T, 0, "Admin-login-pw1\n"
	    "Admin-confirm-pw2\n", "useradd", "carol", "--role", "admin",
	    (char *)NULL), 0));
	assert_true(th_exited(&T, th_client(&T, 0, "", "suspend", "carol",
	    (char *)NULL), 0));
	assert_true(th_field_is(&T, "alice", "login", "locked"));
	assert_int_equal((entries = audit_entries()) > 4, 1);
	assert_int_equal(th_daemon_stop(&T), 0);
	snprintf(lmdb, sizeof(lmdb), "%s", T.state);
	/* into a new database, as the runtime role; the source only read */
	snprintf(msg, sizeof(msg), "%s/data.mdb", lmdb);
	assert_int_equal(stat(msg, &before), 0);
	snprintf(T.pg, sizeof(T.pg), "%s", pg);
	assert_int_equal(th_pg_new_db(&T), 0);
	conf_as(conf, sizeof(conf), "pwadmind", NULL);
	assert_int_equal(pwadmind_once(conf, "--copy-from", lmdb), 0);
	assert_non_null(strstr(T.out, "the audit log verifies"));
	snprintf(msg, sizeof(msg), "%s/data.mdb", lmdb);
	assert_int_equal(stat(msg, &after), 0);
	assert_true(before.st_size == after.st_size &&
	    before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
	    before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
	/* a second copy into a database that holds accounts: refused */
	assert_int_equal(pwadmind_once(conf, "--copy-from", lmdb), 1);
	assert_non_null(strstr(T.err, "nothing copied"));
	/* the daemon on the copy: the same accounts, the chain plus the copy */
	assert_int_equal(th_daemon_start(&T, NULL, true), 0);
	assert_true(th_exited(&T, th_client(&T, 0, "", "audit", "--verify",
	    (char *)NULL), 0));
	assert_int_equal(audit_entries(), entries + 1);
	assert_non_null(strstr(T.out, "copied"));
	assert_true(th_field_is(&T, "carol", "service", "suspended"));
	assert_true(th_field_is(&T, "carol", "role", "admin"));
	assert_true(th_field_is(&T, "alice", "login", "locked"));
	assert_int_equal(th_field(&T, "alice", "login_failures"), 5);
	assert_true(th_exited(&T, th_client(&T, 0, "", "unlock", "alice",
	    (char *)NULL), 0));
	assert_int_equal(th_pam_auth("pwh0", "alice", "Copied-reset-pw1", msg,
	    sizeof(msg)), PAM_SUCCESS);
	/* the history came along: the hash the reset replaced */
	assert_int_equal(th_pg_sql(&T, "SELECT count(*) FROM pwadmin.history "
	    "WHERE name = 'alice' AND factor = 0", msg, sizeof(msg)), 0);
	assert_string_equal(msg, "1");
	assert_int_equal(th_daemon_stop(&T), 0);
}

/* ==== TLS to the database, its password from a passfile ==== */

/* A TCP port on 127.0.0.1 that nothing listens on now. */
static int
free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

#define TLS_PASS "pg-runtime-Pw1" /* the runtime role's, in the passfile */

static void
test_fleet_tls(void **state)
{
	char dir[PATH_MAX], port[16], conf[2048], extra[2048], pg[PATH_MAX];
	char msg[256];
	int p;

	(void)state;
	th_path(&T, dir, sizeof(dir), "pgtls");
	assert_true((p = free_port()) > 0);
	snprintf(port, sizeof(port), "%d", p);
	assert_int_equal(th_pg_sh(&T, dir, "start", port, NULL), 0);
	assert_int_equal(th_pg_sh(&T, dir, "tls", TLS_PASS, NULL), 0);
	assert_int_equal(th_pg_sh(&T, dir, "db", "tlsdb", NULL), 0);
	/* the schema by its owner, over the cluster's socket */
	snprintf(conf, sizeof(conf), "store = postgresql\npostgresql = host=%s "
	    "port=%d dbname=tlsdb user=pwadmin_owner\n", dir, p);
	assert_int_equal(pwadmind_once(conf, "--init-db", NULL), 0);
	/* the daemon over TCP with TLS, the server's name checked against a
	 * CA of the test's own, the password from the passfile */
	snprintf(extra, sizeof(extra), "store = postgresql\npostgresql = "
	    "host=localhost port=%d dbname=tlsdb user=pwadmind "
	    "sslmode=verify-full sslrootcert=%s/tls/ca.crt "
	    "passfile=%s/tls/pgpass\n", p, dir, dir);
	snprintf(pg, sizeof(pg), "%s", T.pg);
	T.pg[0] = '\0'; /* the lines above instead of the harness's */
	assert_int_equal(th_start_seeded(&T, extra), 0);
	assert_int_equal(th_pam_auth("pwh0", "alice", TH_PW_ALICE_LOGIN, msg,
	    sizeof(msg)), PAM_SUCCESS);
	assert_int_equal(th_daemon_stop(&T), 0);
	/* a CA that did not sign the server's certificate: refused */
	snprintf(conf, sizeof(conf), "store = postgresql\npostgresql = "
	    "host=localhost port=%d dbname=tlsdb user=pwadmind "
	    "sslmode=verify-full sslrootcert=%s/tls/other-ca.crt "
	    "passfile=%s/tls/pgpass\nsocket = %s/once.sock\nstate_dir = %s\n"
	    "user = root\n", p, dir, dir, T.dir, T.state);
	assert_int_equal(pwadmind_once(conf, NULL, NULL), 1);
	assert_non_null(strstr(T.err, "certificate verify failed"));
	/* without the passfile: no password, refused by the server */
	snprintf(conf, sizeof(conf), "store = postgresql\npostgresql = "
	    "host=localhost port=%d dbname=tlsdb user=pwadmind "
	    "sslmode=verify-full sslrootcert=%s/tls/ca.crt "
	    "passfile=/nonexistent\nsocket = %s/once.sock\nstate_dir = %s\n"
	    "user = root\n", p, dir, T.dir, T.state);
	assert_int_equal(pwadmind_once(conf, NULL, NULL), 1);
	assert_non_null(strstr(T.err, "password"));
	/* TCP with anything less than verify-full: refused by the daemon
	 * itself (and TCP without TLS is not in pg_hba.conf either) */
	snprintf(conf, sizeof(conf), "store = postgresql\npostgresql = "
	    "host=localhost port=%d dbname=tlsdb user=pwadmind "
	    "sslmode=require passfile=%s/tls/pgpass\nsocket = %s/once.sock\n"
	    "state_dir = %s\nuser = root\n", p, dir, T.dir, T.state);
	assert_int_equal(pwadmind_once(conf, NULL, NULL), 1);
	assert_non_null(strstr(T.err, "verify-full"));
	snprintf(T.pg, sizeof(T.pg), "%s", pg);
	assert_int_equal(th_pg_sh(&T, dir, "stop", NULL, NULL), 0);
}

/* ==== Failover to a synchronous standby ==== */

/*
 * A primary and a synchronous standby on loopback, the daemons naming both
 * (host=A,B target_session_attrs=read-write).  The primary stopped hard
 * and the standby promoted: the daemons find the new primary by
 * themselves, and no failure whose answer left a daemon is missing.
 */
static void
test_fleet_failover(void **state)
{
	char primary[PATH_MAX], standby[PATH_MAX], pg[PATH_MAX], port[16];
	char msg[256];
	int i, rv, unavailable = 0, answered = 0;

	(void)state;
	th_path(&T, primary, sizeof(primary), "pgprimary");
	th_path(&T, standby, sizeof(standby), "pgstandby");
	snprintf(port, sizeof(port), "%d", free_port());
	assert_int_equal(th_pg_sh(&T, primary, "start", port, NULL), 0);
	snprintf(port, sizeof(port), "%d", free_port());
	assert_int_equal(th_pg_sh(&T, standby, "standby", primary, port), 0);
	assert_int_equal(th_pg_sh(&T, primary, "sync", "standby1", NULL), 0);
	/* a daemon that can reach only the standby (read-only) fails closed */
	snprintf(pg, sizeof(pg), "store = postgresql\npostgresql = host=%s "
	    "port=%s dbname=postgres user=pwadmind\nsocket = %s/once.sock\n"
	    "state_dir = %s/once-state\nuser = root\n", standby, port, T.dir,
	    T.dir);
	assert_int_equal(pwadmind_once(pg, NULL, NULL), 1);
	assert_non_null(strstr(T.err, "read-only"));
	snprintf(pg, sizeof(pg), "%s", T.pg);
	snprintf(T.pg, sizeof(T.pg), "%s", primary);
	snprintf(T.pg_standby, sizeof(T.pg_standby), "%s", standby);
	assert_int_equal(th_start_seeded(&T, NULL), 0);
	assert_int_equal(th_host_start(&T, 1, NULL), 0);
	/* failures answered by both hosts, each committed on the standby too */
	for (i = 0; i < 3; i++)
		assert_int_equal(th_pam_auth(service_of[i % 2], "alice",
		    "Wrong-guess-99", msg, sizeof(msg)), PAM_AUTH_ERR);
	assert_int_equal(th_pg_sh(&T, primary, "kill", NULL, NULL), 0);
	assert_int_equal(th_pg_sh(&T, standby, "promote", NULL, NULL), 0);
	/* until the daemons find the new primary: unavailable, never an
	 * answer; then each answer counts where the old ones are */
	for (i = 0; i < 100 && answered < 2; i++) {
		rv = th_pam_auth(service_of[answered], "alice", "Wrong-guess-99",
		    msg, sizeof(msg));
		if (rv == PAM_AUTHINFO_UNAVAIL) {
			unavailable++;
			usleep(100000);
			continue;
		}
		/* failures 4, then 5: the lock, only if none of the first
		 * three was lost */
		assert_int_equal(rv, answered == 0 ? PAM_AUTH_ERR : PAM_MAXTRIES);
		answered++;
	}
	assert_int_equal(answered, 2);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 5);
	assert_true(th_field_is(&T, "alice", "login", "locked"));
	print_message("    failover: %d attempt(s) unavailable meanwhile\n",
	    unavailable);
	assert_int_equal(th_host_kill(&T, 1, SIGTERM), 0);
	assert_int_equal(th_daemon_stop(&T), 0);
	T.pg_standby[0] = '\0';
	snprintf(T.pg, sizeof(T.pg), "%s", pg);
	assert_int_equal(th_pg_sh(&T, standby, "stop", NULL, NULL), 0);
	assert_int_equal(th_pg_sh(&T, primary, "stop", NULL, NULL), 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fleet_wrong_exactly_n,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_fleet_right_all_succeed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_fleet_admin_anywhere,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_fleet_database_down,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_fleet_database_slow,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_fleet_audit_tamper,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_fleet_killed_holder,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_fleet_otp_replay, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fleet_other_key, setup,
		    teardown),
		cmocka_unit_test(test_fleet_schema_and_roles),
		cmocka_unit_test(test_fleet_copy_from),
		cmocka_unit_test(test_fleet_tls),
		cmocka_unit_test(test_fleet_failover),
	};
	int rc;

	th_init(&T, argc, argv, services);
	rc = cmocka_run_group_tests(tests, group_setup, NULL);
	th_cleanup(&T);
	return rc;
}
