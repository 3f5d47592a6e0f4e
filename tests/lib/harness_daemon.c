/* SPDX-License-Identifier: MIT */
/* The test harness: a real pwadmind per test (harness.h). */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <libgen.h>
#include <link.h>
#include <poll.h>
#include <pty.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <security/pam_appl.h>
#include <libpamtest.h>

#include "conn.h"
#include "harness.h"
#include "harness_int.h"
#include "proto.h"
#include "pwerr.h"
#include "wipe.h"

#define TH_FAKETIME_LIB "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


static int daemon_start(struct th *t, const char *extra, bool keep_state,
    const char *faketime_lib, const char *offset);

/*
 * The daemon answers a request.  A connect alone is not enough: the
 * socket listens before the store is open, and a test that then fills a
 * disk or kills the daemon would race its start-up.
 */
static bool
accepts(const char *path)
{
	struct pw_request req = { .type = PW_REQ_STATS };
	struct pw_reply *rep = calloc(1, sizeof(*rep));
	struct conn_trust trust = { { 0 }, 0 };
	bool ok;

	if (rep == NULL)
		return false;
	conn_trust_add(&trust, 0);
	conn_trust_add(&trust, geteuid());
	ok = conn_call(path, &trust, 2000, &req, rep) == PW_OK;
	free(rep);
	return ok;
}

static void
print_log(const struct th *t)
{
	char buf[4096];
	FILE *f = fopen(t->log, "r");

	if (f == NULL)
		return;
	fprintf(stderr, "---- daemon log ----\n");
	while (fgets(buf, sizeof(buf), f) != NULL)
		fputs(buf, stderr);
	fclose(f);
}

/* Appends `key = value' unless the test's extra lines set that key. */
static void
conf_line(char *conf, size_t sz, const char *extra, const char *key,
    const char *value)
{
	size_t n = strlen(key), len = strlen(conf);
	const char *p;

	for (p = extra; p != NULL && *p != '\0'; p = strchr(p, '\n'),
	    p = p != NULL ? p + 1 : NULL)
		if (strncmp(p, key, n) == 0 && (p[n] == ' ' || p[n] == '='))
			return;
	snprintf(conf + len, sz - len, "%s = %s\n", key, value);
}

/* The daemon's clock: libfaketime preloaded after the other libraries. */
static void
shift_clock(const char *faketime_lib, const char *offset)
{
	char pre[4 * PATH_MAX];
	const char *cur = getenv("LD_PRELOAD");

	snprintf(pre, sizeof(pre), "%s%s%s", cur != NULL ? cur : "",
	    cur != NULL && cur[0] != '\0' ? " " : "", faketime_lib);
	setenv("LD_PRELOAD", pre, 1);
	setenv("FAKETIME", offset, 1);
	/* deadlines and timeouts keep real time */
	setenv("DONT_FAKE_MONOTONIC", "1", 1);
	/* the offset comes from FAKETIME alone, never from a file */
	unsetenv("FAKETIME_TIMESTAMP_FILE");
}

int
th_daemon_start(struct th *t, const char *extra, bool keep_state)
{
	return daemon_start(t, extra, keep_state, NULL, NULL);
}

int
th_daemon_start_shifted(struct th *t, const char *extra, bool keep_state,
    const char *offset)
{
	const char *lib = getenv("PWTEST_FAKETIME_LIB");

	if (offset == NULL)
		return daemon_start(t, extra, keep_state, NULL, NULL);
	if (lib == NULL)
		lib = TH_FAKETIME_LIB;
	if (access(lib, R_OK) != 0) {
		fprintf(stderr, "harness: %s: %s (install the Debian package "
		    "faketime: tests/deps.sh)\n", lib, strerror(errno));
		return -1;
	}
	return daemon_start(t, extra, keep_state, lib, offset);
}

static int
daemon_start(struct th *t, const char *extra, bool keep_state,
    const char *faketime_lib, const char *offset)
{
	char conf[4096] = "# written by the test harness\n", exe[PATH_MAX];
	struct passwd *me = getpwuid(geteuid());
	int i, fd, st;

	collect_daemon_log(t); /* the previous daemons' lines, if not yet */
	t->daemon_status = -1;
	if (!keep_state) {
		t->ndaemons++;
		snprintf(t->state, sizeof(t->state), "%s/state%d", t->dir,
		    t->ndaemons);
	}
	conf_line(conf, sizeof(conf), extra, "socket", t->sock);
	conf_line(conf, sizeof(conf), extra, "state_dir", t->state);
	conf_line(conf, sizeof(conf), extra, "user",
	    me != NULL ? me->pw_name : "root");
	/* cheapest hashing: tests count hashes, they do not time them */
	conf_line(conf, sizeof(conf), extra, "argon2_ops", "1");
	conf_line(conf, sizeof(conf), extra, "argon2_mem_kib", "64");
	snprintf(conf + strlen(conf), sizeof(conf) - strlen(conf), "%s\n",
	    extra != NULL ? extra : "");
	write_file(t->conf, conf, 0644);
	snprintf(exe, sizeof(exe), "%s/pwadmind", t->build);
	if ((t->daemon = fork()) < 0)
		die("fork");
	if (t->daemon == 0) {
		child_env(t);
		if (faketime_lib != NULL)
			shift_clock(faketime_lib, offset);
		if ((fd = open(t->log, O_WRONLY | O_CREAT | O_APPEND, 0644)) < 0)
			_exit(98);
		dup2(fd, 2);
		if ((fd = open("/dev/null", O_RDWR)) >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
		}
		execl(exe, "pwadmind", "-f", "-d", "-c", t->conf, (char *)NULL);
		_exit(97);
	}
	for (i = 0; i < 1000; i++) {
		if (accepts(t->sock))
			return 0;
		if (waitpid(t->daemon, &st, WNOHANG) == t->daemon) {
			t->daemon = -1;
			t->daemon_status = st;
			collect_daemon_log(t);
			print_log(t);
			return -1;
		}
		usleep(10000);
	}
	collect_daemon_log(t);
	print_log(t);
	return -1;
}

int
th_daemon_stop(struct th *t)
{
	int st;

	if (t->daemon <= 0)
		return -1;
	kill(t->daemon, SIGTERM);
	if (waitpid(t->daemon, &st, 0) != t->daemon)
		return -1;
	t->daemon = -1;
	collect_daemon_log(t);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		if (WIFSIGNALED(st))
			fprintf(stderr, "harness: pwadmind killed by signal %d\n",
			    WTERMSIG(st));
		else
			fprintf(stderr, "harness: pwadmind exited %d\n",
			    WEXITSTATUS(st));
		print_log(t);
		return -1;
	}
	return 0;
}

int
th_daemon_kill(struct th *t)
{
	int st;

	if (t->daemon <= 0)
		return -1;
	kill(t->daemon, SIGKILL);
	waitpid(t->daemon, &st, 0);
	t->daemon = -1;
	collect_daemon_log(t);
	return WIFSIGNALED(st) ? 0 : -1;
}
