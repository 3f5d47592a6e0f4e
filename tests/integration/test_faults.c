/* SPDX-License-Identifier: MIT */
/*
 * Faults and hostile local users, through real PAM calls and a real
 * daemon: a full disk under the store, a failure limit lowered below a
 * stored count, local users trying to take every connection, and non-root
 * peers spending hashes.
 */
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
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

#include "conn.h"
#include "harness.h"
#include "proto.h"
#include "pwerr.h"

static struct th T;

static const char *const services[] = {
	"pwtest|socket=@DIR@/sock",
	NULL,
};

#define WRONG "Wrong-guess-99"

static int
teardown(void **state)
{
	(void)state;
	return T.daemon > 0 ? th_daemon_stop(&T) : 0; /* none if skipped */
}

/* Fills the file system holding path until it refuses (ENOSPC). */
static void
fill(const char *path)
{
	static char block[65536];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	while (write(fd, block, sizeof(block)) > 0)
		;
	assert_int_equal(errno, ENOSPC);
	close(fd);
}

/*
 * Restarts the daemon on a compacted copy of its store (mdb_copy -c): a
 * data file without free pages.  LMDB reuses the free pages of its file
 * before it grows it, so on a full file system a store with free pages
 * still takes some writes; a compacted one takes none, and every write
 * of the test meets the full disk.
 */
static void
compact_restart(const char *small, const char *extra)
{
	char state[4096], copy[4096], from[4096], to[4096];
	pid_t pid;
	int st;

	assert_int_equal(th_daemon_stop(&T), 0);
	snprintf(state, sizeof(state), "%s/state", small);
	snprintf(copy, sizeof(copy), "%s/compact", small);
	assert_int_equal(mkdir(copy, 0700), 0);
	if ((pid = fork()) == 0) {
		execlp("mdb_copy", "mdb_copy", "-c", state, copy, (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	snprintf(from, sizeof(from), "%s/data.mdb", copy);
	snprintf(to, sizeof(to), "%s/data.mdb", state);
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(rmdir(copy), 0);
	snprintf(to, sizeof(to), "%s/lock.mdb", state);
	assert_int_equal(unlink(to), 0);
	assert_int_equal(th_daemon_start(&T, extra, true), 0);
}

/* Mounts a 2 MiB tmpfs at DIR/name, starts a seeded daemon on a compacted
 * store there; false (the test skips) without mount permission. */
static bool
small_disk(const char *name, char *small, size_t smallsz, char *extra,
    size_t extrasz)
{
	th_path(&T, small, smallsz, name);
	assert_int_equal(mkdir(small, 0700), 0);
	if (mount("tmpfs", small, "tmpfs", 0, "size=2m") != 0)
		return false; /* no mount permission here (a container) */
	snprintf(extra, extrasz, "state_dir = %s/state\n", small);
	assert_int_equal(th_start_seeded(&T, extra), 0);
	compact_restart(small, extra);
	return true;
}

/*
 * While the store cannot take a write, no password is hashed: a verdict
 * whose failure could not be stored would let a restart forget it, and
 * more than N guesses be evaluated.  Everything else keeps serving, the
 * stored counts survive a restart, and it recovers by itself.
 */
static void
test_full_disk(void **state)
{
	char small[4096], filler[4096], extra[8192], msg[256];
	long long hashes;
	int i;

	(void)state;
	th_lmdb_only(&T, "fills the LMDB state dir (test_fleet.c stops the database)");
	if (!th_is_root())
		skip(); /* mounts a tmpfs */
	if (!small_disk("small", small, sizeof(small), extra, sizeof(extra)))
		skip();
	snprintf(filler, sizeof(filler), "%s/filler", small);
	for (i = 0; i < 2; i++)
		assert_int_equal(th_pam_auth_nodelay("pwtest", "alice", WRONG,
		    msg, sizeof(msg)), PAM_AUTH_ERR);
	hashes = th_stat(&T, "hashes_evaluated");
	assert_int_equal(hashes, 2);

	fill(filler);
	/* wrong, right and unknown alike: unavailable, and nothing hashed */
	for (i = 0; i < 5; i++)
		assert_int_equal(th_pam_auth_nodelay("pwtest", "alice", WRONG,
		    msg, sizeof(msg)), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(th_pam_auth_nodelay("pwtest", "alice",
	    TH_PW_ALICE_LOGIN, msg, sizeof(msg)), PAM_AUTHINFO_UNAVAIL);
	assert_non_null(strstr(msg, "cannot take writes"));
	assert_int_equal(th_pam_auth_nodelay("pwtest", "nosuchuser", WRONG,
	    msg, sizeof(msg)), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(th_stat(&T, "hashes_evaluated"), hashes);
	assert_true(th_stat(&T, "refused_store_unwritable") >= 7);
	/* reading keeps working, and the client says "unreachable" (3) */
	assert_int_equal(th_field(&T, "alice", "login_failures"), 2);
	assert_true(th_exited(&T, th_client(&T, TH_UID_ALICE,
	    "Wonder-login-pw1\nNew-login-pw-77\n", "passwd", "--login",
	    (char *)NULL), 3));
	assert_true(th_one_line(T.err));

	/* a restart on the full disk forgets nothing */
	assert_int_equal(th_daemon_stop(&T), 0);
	assert_int_equal(th_daemon_start(&T, extra, true), 0);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 2);
	assert_int_equal(th_pam_auth_nodelay("pwtest", "alice", WRONG, msg,
	    sizeof(msg)), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(th_stat(&T, "hashes_evaluated"), 0);

	/* space again: checks resume by themselves, and count from 2 */
	assert_int_equal(unlink(filler), 0);
	assert_int_equal(th_pam_auth_nodelay("pwtest", "alice", WRONG, msg,
	    sizeof(msg)), PAM_AUTH_ERR);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 3);
	assert_int_equal(th_pam_auth_nodelay("pwtest", "alice",
	    TH_PW_ALICE_LOGIN, msg, sizeof(msg)), PAM_SUCCESS);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 0);
	assert_int_equal(th_daemon_stop(&T), 0);
	assert_int_equal(umount(small), 0);
}

/* An admin command on a full disk: one clear line, nothing half-done. */
static void
test_admin_write_on_full_disk(void **state)
{
	char small[4096], filler[4096], extra[8192], msg[256];
	int i;

	(void)state;
	th_lmdb_only(&T, "fills the LMDB state dir (test_fleet.c stops the database)");
	if (!th_is_root())
		skip();
	if (!small_disk("small2", small, sizeof(small), extra, sizeof(extra)))
		skip();
	snprintf(filler, sizeof(filler), "%s/filler", small);
	for (i = 0; i < 5; i++)
		(void)th_pam_auth_nodelay("pwtest", "alice", WRONG, msg,
		    sizeof(msg));
	assert_true(th_field_is(&T, "alice", "login", "locked"));
	fill(filler);
	assert_int_equal(th_client(&T, 0, "", "unlock", "alice", (char *)NULL),
	    3);
	assert_true(th_one_line(T.err));
	assert_non_null(strstr(T.err, "cannot take writes"));
	assert_true(th_field_is(&T, "alice", "login", "locked"));
	assert_int_equal(th_field(&T, "alice", "login_failures"), 5);
	assert_int_equal(unlink(filler), 0);
	assert_int_equal(th_client(&T, 0, "", "unlock", "alice", (char *)NULL), 0);
	assert_int_equal(th_pam_auth_nodelay("pwtest", "alice",
	    TH_PW_ALICE_LOGIN, msg, sizeof(msg)), PAM_SUCCESS);
	assert_int_equal(th_client(&T, 0, "", "audit", "--verify", (char *)NULL),
	    0);
	assert_int_equal(th_daemon_stop(&T), 0);
	assert_int_equal(umount(small), 0);
}

static void
test_lowered_limit(void **state)
{
	char msg[256];
	int i;

	(void)state;
	assert_int_equal(th_start_seeded(&T, NULL), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(th_pam_auth("pwtest", "alice", WRONG, msg,
		    sizeof(msg)), PAM_AUTH_ERR);
	/* the administrator lowers the limit below the stored count */
	assert_int_equal(th_daemon_stop(&T), 0);
	assert_int_equal(th_daemon_start(&T, "max_login_failures = 2\n", true), 0);
	/* one answer everywhere: refused as locked, shown as locked,
	 * listed as locked, and unlocked by --all */
	assert_int_equal(th_pam_auth("pwtest", "alice", TH_PW_ALICE_LOGIN, msg,
	    sizeof(msg)), PAM_MAXTRIES);
	assert_true(th_field_is(&T, "alice", "login", "locked"));
	assert_int_equal(th_client(&T, 0, "", "list", "--locked", (char *)NULL), 0);
	assert_non_null(strstr(T.out, "alice"));
	assert_int_equal(th_client(&T, 0, "", "unlock", "--all", (char *)NULL), 0);
	assert_non_null(strstr(T.out, "alice"));
	assert_int_equal(th_pam_auth("pwtest", "alice", TH_PW_ALICE_LOGIN, msg,
	    sizeof(msg)), PAM_SUCCESS);
}

static int
connect_sock(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", T.sock);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return -1;
	return fd;
}

/* Is fd closed by the daemon (refused) rather than kept open? */
static bool
refused(int fd)
{
	struct timeval tv = { 0, 300000 };
	char b;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return recv(fd, &b, 1, 0) == 0;
}

/*
 * Root peers wait unclassified until their request says for whom they run
 * (su and sudo are root too): at most 4 x max_connections of them at once.
 * One more cuts off the one that has waited longest, so that stalled
 * peers never keep root's logins out.
 */
static void
test_root_connection_limit(void **state)
{
	int fds[13], i;
	char msg[256];

	(void)state;
	assert_int_equal(th_start_seeded(&T, "max_connections = 3\n"
	    "request_timeout = 5\n"), 0);
	for (i = 0; i < 13; i++)
		assert_true((fds[i] = connect_sock()) >= 0);
	/* the thirteenth is over the limit: the first is cut off for it */
	assert_true(refused(fds[0]));
	assert_false(refused(fds[12]));
	assert_false(refused(fds[1]));
	/* and a login meanwhile gets through the same way */
	assert_int_equal(th_pam_auth("pwtest", "alice", TH_PW_ALICE_LOGIN, msg,
	    sizeof(msg)), PAM_SUCCESS);
	assert_true(refused(fds[1]));
	for (i = 0; i < 13; i++)
		close(fds[i]);
	assert_true(th_stat(&T, "connections_refused_limit") >= 2);
}

/*
 * A local user opens as many connections as it can and holds them; root's
 * logins must still get through (a quarter of the places are root's).
 */
static void
test_local_users_cannot_take_every_connection(void **state)
{
	int ready[2], done[2], st, got = 0;
	char msg[256], c;
	pid_t pid;

	(void)state;
	if (!th_is_root())
		skip(); /* needs another uid */
	assert_int_equal(th_start_seeded(&T, "max_connections = 8\n"
	    "max_connections_per_uid = 8\nrequest_timeout = 30\n"), 0);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(done), 0);
	if ((pid = fork()) == 0) {
		int fds[8], n, kept = 0;

		if (setresgid(TH_UID_MALLORY, TH_UID_MALLORY, TH_UID_MALLORY) ||
		    setresuid(TH_UID_MALLORY, TH_UID_MALLORY, TH_UID_MALLORY))
			_exit(90);
		for (n = 0; n < 8; n++)
			fds[n] = connect_sock();
		for (n = 0; n < 8; n++)
			kept += fds[n] >= 0 && !refused(fds[n]);
		c = (char)kept;
		(void)!write(ready[1], &c, 1);
		(void)!read(done[0], &c, 1); /* hold them until told */
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	got = c;
	/* three quarters of 8: the user kept 6, the other 2 were refused */
	assert_int_equal(got, 6);
	/* while they are held, root's logins (PAM in sshd, login) still work */
	assert_int_equal(th_pam_auth("pwtest", "alice", TH_PW_ALICE_LOGIN, msg,
	    sizeof(msg)), PAM_SUCCESS);
	(void)!write(done[1], "x", 1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* A non-root peer asking about its own name, which has no account, gets
 * its answer without costing the daemon a hash. */
static void
test_nonroot_unknown_costs_no_hash(void **state)
{
	struct pw_request req;
	struct pw_reply *rep;
	int st;
	pid_t pid;

	(void)state;
	if (!th_is_root())
		skip();
	assert_int_equal(th_start_seeded(&T, NULL), 0);
	if ((pid = fork()) == 0) {
		struct conn_trust t = { { 0 }, 0 };

		if (setresgid(TH_UID_MALLORY, TH_UID_MALLORY, TH_UID_MALLORY) ||
		    setresuid(TH_UID_MALLORY, TH_UID_MALLORY, TH_UID_MALLORY))
			_exit(90);
		conn_trust_add(&t, 0);
		memset(&req, 0, sizeof(req));
		req.type = PW_REQ_AUTH;
		snprintf(req.user, sizeof(req.user), "mallory");
		req.nsecrets = 1;
		if (proto_secret_set(&req.secret[0], "Some-password-1") != PW_OK ||
		    (rep = calloc(1, sizeof(*rep))) == NULL ||
		    conn_call(T.sock, &t, 10000, &req, rep) != PW_OK)
			_exit(91);
		_exit(rep->status == PW_ERR_NOUSER ? 0 : 92);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(th_stat(&T, "hashes_evaluated"), 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_full_disk, teardown),
		cmocka_unit_test_teardown(test_admin_write_on_full_disk,
		    teardown),
		cmocka_unit_test_teardown(test_lowered_limit, teardown),
		cmocka_unit_test_teardown(test_root_connection_limit, teardown),
		cmocka_unit_test_teardown(
		    test_local_users_cannot_take_every_connection, teardown),
		cmocka_unit_test_teardown(test_nonroot_unknown_costs_no_hash,
		    teardown),
	};
	int rc;

	th_init(&T, argc, argv, services);
	rc = cmocka_run_group_tests_name("integration: faults and hostile "
	    "local users", tests, NULL, NULL);
	th_cleanup(&T);
	return rc;
}
