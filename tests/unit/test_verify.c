/* SPDX-License-Identifier: MIT */
/*
 * The hash workers of daemon/verify.c under more requests than workers:
 * one worker, a real Argon2id cost, and a dozen root requests at once.
 * A request waiting for the worker sleeps: the process's CPU time stays
 * that of the hashing (one core), however long the wait.
 */
#include <sys/resource.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "frame.h"
#include "pwerr.h"
#include "verify.h"

#define NREQ	 12
#define MEM_KIB	 16384 /* about 15 ms a hash on the machines seen */

static double
cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static double
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void *
one(void *arg)
{
	int *r = arg;

	/* an unknown account: the dummy hash, at root's lane */
	*r = verify_check(NULL, "whatever-pw", 11, VERIFY_ROOT,
	    frame_now_ms() + 30000);
	return NULL;
}

static void
test_waiters_sleep(void **state)
{
	pthread_t t[NREQ];
	int r[NREQ], i;
	double c0, w0, cpu, wall;

	(void)state;
	c0 = cpu_ms();
	w0 = wall_ms();
	for (i = 0; i < NREQ; i++)
		assert_int_equal(pthread_create(&t[i], NULL, one, &r[i]), 0);
	for (i = 0; i < NREQ; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(r[i], PW_ERR_AUTH);
	}
	cpu = cpu_ms() - c0;
	wall = wall_ms() - w0;
	printf("    %d requests, 1 worker: %.0f ms wall, %.0f ms CPU\n", NREQ,
	    wall, cpu);
	/* one core hashing; waiting costs nothing (spinning would add a
	 * second core's worth on a machine of two) */
	assert_true(cpu < 1.3 * wall + 20);
}

static int
setup(void **state)
{
	(void)state;
	return verify_init(1, MEM_KIB, 1) == PW_OK ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_waiters_sleep),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
