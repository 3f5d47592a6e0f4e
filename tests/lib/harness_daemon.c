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

/*
 * Runs argv (a NULL-terminated list) and waits: its exit status or -1.
 * `plain': without the wrappers, so that the machine's real users (the
 * postgres account) are seen.
 */
static int
run_wait(const struct th *t, const char *const *argv, bool plain)
{
	pid_t pid;
	int st, fd;

	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		if (plain) {
			unsetenv("LD_PRELOAD");
			unsetenv("NSS_WRAPPER_PASSWD");
			unsetenv("NSS_WRAPPER_GROUP");
			unsetenv("PAM_WRAPPER");
		} else
			child_env(t);
		if ((fd = open("/dev/null", O_WRONLY)) >= 0)
			dup2(fd, 1); /* its one line of success: only errors */
		execv(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int
th_pg_sh(const struct th *t, const char *dir, const char *cmd,
    const char *a1, const char *a2)
{
	const char *argv[] = { "/bin/sh", TH_SRCDIR "/tests/pg.sh", cmd, dir,
		a1, a2, NULL };
	int r;

	if (a1 == NULL)
		argv[5] = NULL;
	r = run_wait(t, argv, true);
	if (r != 0)
		fprintf(stderr, "harness: tests/pg.sh %s %s failed (%d)\n", cmd,
		    dir, r);
	return r == 0 ? 0 : -1;
}

static int
pg_sh(const struct th *t, const char *cmd, const char *arg)
{
	return th_pg_sh(t, t->pg, cmd, arg, NULL);
}

int
th_pg_start(struct th *t)
{
	const char *env = getenv("PWTEST_PG");

	if (t->pg[0] != '\0')
		return 0;
	if (env != NULL && env[0] != '\0') {
		snprintf(t->pg, sizeof(t->pg), "%s", env);
		return 0;
	}
	th_path(t, t->pg, sizeof(t->pg), "pg");
	t->pg_own = true;
	memcpy(t->pg_started, t->pg, sizeof(t->pg_started));
	return pg_sh(t, "start", NULL);
}

bool
th_pg_on(const struct th *t)
{
	return t->pg[0] != '\0';
}

int
th_pg_sql(struct th *t, const char *sql, char *out, size_t outsz)
{
	int fd[2], st;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(fd) != 0 || (pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		unsetenv("LD_PRELOAD");
		unsetenv("NSS_WRAPPER_PASSWD");
		unsetenv("NSS_WRAPPER_GROUP");
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execl("/bin/sh", "sh", TH_SRCDIR "/tests/pg.sh", "sql", t->pg,
		    t->db, sql, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	while (got + 1 < outsz && ((n = read(fd[0], out + got,
	    outsz - 1 - got)) > 0 || (n < 0 && errno == EINTR)))
		if (n > 0)
			got += (size_t)n;
	out[got] = '\0';
	close(fd[0]);
	out[strcspn(out, "\n")] = '\0';
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		fprintf(stderr, "harness: SQL failed: %s\n", sql);
		return -1;
	}
	return 0;
}

void
th_lmdb_only(const struct th *t, const char *why)
{
	if (!th_pg_on(t))
		return;
	print_message("    skipped on PostgreSQL: %s\n", why);
	skip();
}

int
th_pg(struct th *t, const char *cmd)
{
	return pg_sh(t, cmd, NULL);
}

/* The port of the cluster in dir (tests/pg.sh writes it): 5432 if none. */
static int
pg_port(const char *dir)
{
	char path[PATH_MAX + 8];
	FILE *f;
	int port = 5432;

	snprintf(path, sizeof(path), "%s/port", dir);
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%d", &port) != 1)
			port = 5432;
		fclose(f);
	}
	return port;
}

void
th_pg_conf(const struct th *t, char *out, size_t outsz)
{
	if (t->pg_standby[0] != '\0')
		snprintf(out, outsz, "store = postgresql\npostgresql = host=%s,%s "
		    "port=%d,%d dbname=%s user=pwadmind "
		    "target_session_attrs=read-write\n", t->pg, t->pg_standby,
		    pg_port(t->pg), pg_port(t->pg_standby), t->db);
	else
		snprintf(out, outsz, "store = postgresql\npostgresql = host=%s "
		    "port=%d dbname=%s user=pwadmind\n", t->pg, pg_port(t->pg),
		    t->db);
}

/* A new database for a fresh daemon, its schema made by --init-db. */
int
th_pg_new_db(struct th *t)
{
	char conf[PATH_MAX + 256], path[PATH_MAX], exe[PATH_MAX];
	const char *argv[] = { exe, "-c", path, "--init-db", NULL };

	t->ndb++;
	snprintf(t->db, sizeof(t->db), "t%d_%d", (int)getpid(), t->ndb);
	if (pg_sh(t, "db", t->db) != 0)
		return -1;
	snprintf(conf, sizeof(conf), "store = postgresql\npostgresql = "
	    "host=%s port=%d dbname=%s user=pwadmin_owner\n", t->pg,
	    pg_port(t->pg), t->db);
	th_path(t, path, sizeof(path), "owner.conf");
	write_file(path, conf, 0600);
	snprintf(exe, sizeof(exe), "%s/pwadmind", t->build);
	if (run_wait(t, argv, false) != 0) {
		fprintf(stderr, "harness: pwadmind --init-db failed\n");
		return -1;
	}
	return 0;
}

/* Starts pwadmind -f -d -c conf with the children's environment. */
static pid_t
spawn(const struct th *t, const char *conf, const char *faketime_lib,
    const char *offset)
{
	char exe[PATH_MAX];
	pid_t pid;
	int fd;

	snprintf(exe, sizeof(exe), "%s/pwadmind", t->build);
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
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
		execl(exe, "pwadmind", "-f", "-d", "-c", conf, (char *)NULL);
		_exit(97);
	}
	return pid;
}

/* Waits until the daemon *pid accepts on sock: 0, or -1 (log printed). */
static int
wait_ready(struct th *t, pid_t *pid, const char *sock)
{
	int i, st;

	for (i = 0; i < 1000; i++) {
		if (accepts(sock))
			return 0;
		if (waitpid(*pid, &st, WNOHANG) == *pid) {
			*pid = -1;
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

/*
 * Copies the main daemon's OTP key (secret.key) into another host's,
 * unless t->host_own_key says the test put another one there.
 */
static int
copy_otp_key(const struct th *t, const char *state)
{
	char from[PATH_MAX + 16], to[PATH_MAX + 16], buf[256];
	ssize_t n;
	int in, out;

	if (mkdir(state, 0700) != 0 && errno != EEXIST)
		return -1;
	snprintf(from, sizeof(from), "%s/secret.key", t->state);
	snprintf(to, sizeof(to), "%s/secret.key", state);
	if (t->host_own_key && access(to, F_OK) == 0)
		return 0;
	if ((in = open(from, O_RDONLY)) < 0)
		return errno == ENOENT ? 0 : -1;
	if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			n = -1;
	close(in);
	close(out);
	return n == 0 ? 0 : -1;
}

static int
daemon_start(struct th *t, const char *extra, bool keep_state,
    const char *faketime_lib, const char *offset)
{
	char conf[4096] = "# written by the test harness\n";
	struct passwd *me = getpwuid(geteuid());

	collect_daemon_log(t); /* the previous daemons' lines, if not yet */
	t->daemon_status = -1;
	if (!keep_state) {
		t->ndaemons++;
		snprintf(t->state, sizeof(t->state), "%s/state%d", t->dir,
		    t->ndaemons);
	}
	if (th_pg_on(t)) {
		if (!keep_state && th_pg_new_db(t) != 0)
			return -1;
		th_pg_conf(t, conf + strlen(conf), sizeof(conf) - strlen(conf));
		conf_line(conf, sizeof(conf), extra, "host_name", "host0");
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
	t->daemon = spawn(t, t->conf, faketime_lib, offset);
	return wait_ready(t, &t->daemon, t->sock);
}

int
th_host_start(struct th *t, int i, const char *extra)
{
	char conf[4096] = "# another host, written by the test harness\n";
	char path[PATH_MAX], sock[PATH_MAX], state[PATH_MAX], rel[32];
	struct passwd *me = getpwuid(geteuid());

	if (i < 1 || i >= TH_HOSTS || !th_pg_on(t))
		return -1;
	th_pg_conf(t, conf + strlen(conf), sizeof(conf) - strlen(conf));
	snprintf(rel, sizeof(rel), "host%d.sock", i);
	th_path(t, sock, sizeof(sock), rel);
	snprintf(rel, sizeof(rel), "hstate%d", i);
	th_path(t, state, sizeof(state), rel);
	snprintf(conf + strlen(conf), sizeof(conf) - strlen(conf),
	    "socket = %s\nstate_dir = %s\nuser = %s\nhost_name = host%d\n"
	    "%s\n", sock, state, me != NULL ? me->pw_name : "root", i,
	    extra != NULL ? extra : "");
	conf_line(conf, sizeof(conf), extra, "argon2_ops", "1");
	conf_line(conf, sizeof(conf), extra, "argon2_mem_kib", "64");
	snprintf(rel, sizeof(rel), "host%d.conf", i);
	th_path(t, path, sizeof(path), rel);
	write_file(path, conf, 0644);
	/* the hosts share the key that seals one-time password secrets */
	if (copy_otp_key(t, state) != 0)
		return -1;
	t->host[i] = spawn(t, path, NULL, NULL);
	return wait_ready(t, &t->host[i], sock);
}

int
th_host_kill(struct th *t, int i, int sig)
{
	int st;

	if (i < 1 || i >= TH_HOSTS || t->host[i] <= 0)
		return -1;
	kill(t->host[i], sig);
	waitpid(t->host[i], &st, 0);
	t->host[i] = -1;
	collect_daemon_log(t);
	return 0;
}

void
th_host_sock(const struct th *t, int i, char *out, size_t outsz)
{
	char rel[32];

	if (i == 0)
		snprintf(rel, sizeof(rel), "sock"); /* as th_init names it */
	else
		snprintf(rel, sizeof(rel), "host%d.sock", i);
	th_path(t, out, outsz, rel);
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

long
th_proc_value(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t n = strlen(field);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}
