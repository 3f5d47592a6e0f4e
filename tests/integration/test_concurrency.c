/* SPDX-License-Identifier: MIT */
/*
 * Rule 1 under load and failure, through real PAM calls and a real daemon:
 * 64 wrong attempts at once evaluate exactly N guesses; 64 right ones with
 * N-1 failures stored all succeed; the count survives a crash; malformed
 * frames sent straight to the socket cost only their own connection; a
 * stalled peer is cut off.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <pthread.h>
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

#include "harness.h"
#include "proto.h"

#define NPAR 64

static struct th T;

static const char *const services[] = {
	"pwtest|socket=@DIR@/sock",
	NULL,
};

/* Costly enough (a few ms a hash) that the 64 attempts really overlap. */
#define SLOW_HASH "argon2_mem_kib = 4096\nhash_workers = 2\n"

static int
setup(void **state)
{
	(void)state;
	return th_start_seeded(&T, SLOW_HASH);
}

static int
teardown(void **state)
{
	(void)state;
	return th_daemon_stop(&T);
}

/* n attempts at once, the i-th with passwords[i]. */
static void
parallel_authv(int n, const char *const *passwords, int counts[64])
{
	const char *svc[NPAR];
	int i;

	for (i = 0; i < n; i++)
		svc[i] = "pwtest";
	assert_int_equal(th_pam_parallel(n, "alice", svc, passwords, counts),
	    0);
}

static void
parallel_auth2(int n, const char *const passwords[2], int counts[64])
{
	const char *pw[NPAR];
	int i;

	for (i = 0; i < n; i++)
		pw[i] = passwords[i % 2];
	parallel_authv(n, pw, counts);
}

static void
parallel_auth(int n, const char *password, int counts[64])
{
	const char *const pw[2] = { password, password };

	parallel_auth2(n, pw, counts);
}

static void
test_parallel_wrong_exactly_n(void **state)
{
	long long h0 = th_stat(&T, "hashes_evaluated");
	int counts[64];

	(void)state;
	assert_int_equal(h0, 0);
	parallel_auth(NPAR, "Wrong-guess-99", counts);
	/* exactly max_login_failures (5) guesses were ever evaluated */
	assert_int_equal(th_stat(&T, "hashes_evaluated"), 5);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 5);
	/* four plain failures; the fifth locked; the other 59 were refused
	 * as locked without hashing (after waiting for the 5 to finish) */
	assert_int_equal(counts[PAM_AUTH_ERR], 4);
	assert_int_equal(counts[PAM_MAXTRIES], NPAR - 4);
	assert_int_equal(th_stat(&T, "refused_locked_unhashed"), NPAR - 5);
	assert_int_equal(th_stat(&T, "locks"), 1);
	print_message("    64 parallel wrong: 5 hashed, %lld waited for a slot\n",
	    th_stat(&T, "waited_for_slot"));
}

static void
test_parallel_right_all_succeed(void **state)
{
	char msg[256];
	int counts[64], i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(th_pam_auth("pwtest", "alice", "Wrong-guess-99",
		    msg, sizeof(msg)), PAM_AUTH_ERR);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 4);
	/* one free slot, 64 right passwords: guesses in flight must never
	 * lock anyone, so every one succeeds */
	parallel_auth(NPAR, TH_PW_ALICE_LOGIN, counts);
	assert_int_equal(counts[PAM_SUCCESS], NPAR);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 0);
	assert_int_equal(th_stat(&T, "locks"), 0);
	print_message("    64 parallel right with 4 stored failures: %lld "
	    "waited for a slot\n", th_stat(&T, "waited_for_slot"));
}

static void
test_parallel_mixed(void **state)
{
	const char *const pw[2] = { "Wrong-guess-99", TH_PW_ALICE_LOGIN };
	int counts[64], ok, wrong, locked;

	(void)state;
	/* half right, half wrong, all at once: never more than 5 stored
	 * failures, and the lock comes only from stored failures */
	parallel_auth2(NPAR, pw, counts);
	ok = counts[PAM_SUCCESS];
	wrong = counts[PAM_AUTH_ERR];
	locked = counts[PAM_MAXTRIES];
	assert_int_equal(ok + wrong + locked, NPAR);
	/* no right one got in only when five wrong ones took every slot
	 * first (about one run in thirty): then they locked it, as stored */
	if (ok == 0)
		assert_int_equal(wrong, 4);
	assert_true(th_field(&T, "alice", "login_failures") <= 5);
	/* every evaluated guess got its own verdict: a hash for each success
	 * and each failure, and for the one failure that locked, if any */
	assert_int_equal(th_stat(&T, "hashes_evaluated"), ok + wrong +
	    (locked > 0 ? 1 : 0));
	assert_int_equal(th_stat(&T, "refused_locked_unhashed"),
	    locked > 0 ? locked - 1 : 0);
}

/*
 * Four wrong and sixty right at once: the wrong ones can never lock (one
 * short of the limit), so every right one gets in whatever the order.
 */
static void
test_parallel_mixed_below_limit(void **state)
{
	const char *pw[NPAR];
	int counts[64], i;

	(void)state;
	for (i = 0; i < NPAR; i++)
		pw[i] = i % 16 == 0 ? "Wrong-guess-99" : TH_PW_ALICE_LOGIN;
	parallel_authv(NPAR, pw, counts);
	assert_int_equal(counts[PAM_SUCCESS], NPAR - 4);
	assert_int_equal(counts[PAM_AUTH_ERR], 4);
	assert_int_equal(th_field(&T, "alice", "login_failures") <= 4, 1);
	assert_int_equal(th_stat(&T, "locks"), 0);
	assert_int_equal(th_stat(&T, "hashes_evaluated"), NPAR);
}

static void
test_count_survives_crash(void **state)
{
	char msg[256];
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		assert_int_equal(th_pam_auth("pwtest", "alice", "Wrong-guess-99",
		    msg, sizeof(msg)), PAM_AUTH_ERR);
	/* SIGKILL: no shutdown, no chance to flush anything */
	assert_int_equal(th_daemon_kill(&T), 0);
	assert_int_equal(th_daemon_start(&T, SLOW_HASH, true), 0);
	assert_int_equal(th_field(&T, "alice", "login_failures"), 3);
	for (i = 0; i < 1; i++)
		assert_int_equal(th_pam_auth("pwtest", "alice", "Wrong-guess-99",
		    msg, sizeof(msg)), PAM_AUTH_ERR);
	assert_int_equal(th_pam_auth("pwtest", "alice", "Wrong-guess-99", msg,
	    sizeof(msg)), PAM_MAXTRIES);
	assert_int_equal(th_daemon_kill(&T), 0);
	assert_int_equal(th_daemon_start(&T, SLOW_HASH, true), 0);
	/* the lock survived too: the right password is refused unhashed */
	assert_int_equal(th_pam_auth("pwtest", "alice", TH_PW_ALICE_LOGIN, msg,
	    sizeof(msg)), PAM_MAXTRIES);
	assert_int_equal(th_stat(&T, "hashes_evaluated"), 0);
}

/* Sends raw bytes, returns the reply's status field (or -1 if none). */
static long
raw_exchange(const void *buf, size_t len, bool half_close)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	unsigned char rep[512];
	size_t got = 0;
	ssize_t n;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", T.sock);
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (len > 0)
		assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
	if (half_close)
		shutdown(fd, SHUT_WR);
	while (got < sizeof(rep) &&
	    (n = recv(fd, rep + got, sizeof(rep) - got, 0)) > 0)
		got += (size_t)n;
	close(fd);
	if (got < 10)
		return -1;
	/* u32 len, u8 version, u8 type, u32 status */
	return (long)((uint32_t)rep[6] << 24 | (uint32_t)rep[7] << 16 |
	    (uint32_t)rep[8] << 8 | rep[9]);
}

static void
test_malformed_frames(void **state)
{
	/* AUTH with a name that has a NUL inside */
	static const unsigned char nul_name[] = { 0, 0, 0, 11, PW_PROTO_VERSION, 1, 0, 0, 0,
		5, 'a', 'l', 0, 'c', 'e' };
	static const unsigned char bad_type[] = { 0, 0, 0, 2, PW_PROTO_VERSION, 0x63 };
	static const unsigned char bad_version[] = { 0, 0, 0, 2, 9, 8 };
	static const unsigned char too_big[] = { 0, 1, 0, 1, 1, 1 };
	static const unsigned char short_len[] = { 0, 0, 0, 1, 1 };
	/* STATS with one trailing byte */
	static const unsigned char trailing[] = { 0, 0, 0, 3, PW_PROTO_VERSION, 8, 0 };
	/* AUTH whose user length says 4 GiB */
	static const unsigned char huge_field[] = { 0, 0, 0, 6, PW_PROTO_VERSION, 1, 0xff,
		0xff, 0xff, 0xff };
	char msg[256];

	(void)state;
	assert_int_equal(raw_exchange(nul_name, sizeof(nul_name), true), 19);
	assert_int_equal(raw_exchange(bad_type, sizeof(bad_type), true), 14);
	assert_int_equal(raw_exchange(bad_version, sizeof(bad_version), true), 15);
	assert_int_equal(raw_exchange(too_big, sizeof(too_big), true), 16);
	assert_int_equal(raw_exchange(short_len, sizeof(short_len), true), 14);
	assert_int_equal(raw_exchange(trailing, sizeof(trailing), true), 18);
	assert_int_equal(raw_exchange(huge_field, sizeof(huge_field), true), 16);
	/* a header cut short, and a silent peer: closed without a reply */
	assert_int_equal(raw_exchange(bad_type, 3, true), -1);
	assert_int_equal(raw_exchange("", 0, true), -1);
	assert_int_equal(th_stat(&T, "bad_requests"), 7);
	/* and the daemon keeps serving */
	assert_int_equal(th_pam_auth("pwtest", "alice", TH_PW_ALICE_LOGIN, msg,
	    sizeof(msg)), PAM_SUCCESS);
}

static void
test_slow_peer_times_out(void **state)
{
	char msg[256];

	(void)state;
	/* a peer that sends half a header and stalls is cut off at
	 * request_timeout (1 s here) while others are served meanwhile */
	assert_int_equal(th_daemon_stop(&T), 0);
	assert_int_equal(th_daemon_start(&T, "request_timeout = 1\n", true), 0);
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		char b;
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", T.sock);
		assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_int_equal(send(fd, "\0\0", 2, 0), 2);
		assert_int_equal(th_pam_auth("pwtest", "alice", TH_PW_ALICE_LOGIN,
		    msg, sizeof(msg)), PAM_SUCCESS);
		/* the daemon closes the stalled connection: recv sees EOF */
		assert_int_equal(recv(fd, &b, 1, 0), 0);
		close(fd);
	}
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parallel_wrong_exactly_n,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_parallel_right_all_succeed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_parallel_mixed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_parallel_mixed_below_limit,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_count_survives_crash, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_malformed_frames, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_slow_peer_times_out, setup,
		    teardown),
	};
	int rc;

	th_init(&T, argc, argv, services);
	rc = cmocka_run_group_tests_name("integration: concurrency, crashes, "
	    "hostile input", tests, NULL, NULL);
	th_cleanup(&T);
	return rc;
}
